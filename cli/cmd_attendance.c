/*
 * sala attendance import FILE.csv: attendance marks typed elsewhere, all or nothing;
 * sala sessions sheet ID [--day N] -o FILE.pdf: the printable sign-in sheet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/db.h"
#include "lib/diag.h"
#include "lib/err.h"
#include "lib/util.h"
#include "training/checkin.h"
#include "training/sheet.h"
#include "training/workshops.h"

#define IMPORT_USAGE "attendance import FILE.csv"
#define SHEET_USAGE "sessions sheet ID [--day N] -o FILE.pdf"

static int cmd_import(struct cmd_args *a)
{
	const char *path = a->argv[0];
	size_t len;
	char *data = cli_read_file(path, &len);
	struct db *db = cli_db_open();
	struct err e = {""};
	struct problems pr = {0};
	int added = 0;
	/* The marks and their audit entry in one transaction. */
	int rc = db_begin(db, &e) < 0 ? -1 : attendance_import_csv(db, path, data, len, &pr, &added, &e);
	if (rc < 0) {
		db_rollback(db);
	} else {
		char detail[64];
		snprintf(detail, sizeof detail, "marks=%d", added);
		rc = cli_audit_commit(db, "attendance.import", path, detail, &e);
	}
	db_close(db);
	free(data);
	problems_write(&pr, stderr);
	problems_release(&pr);
	if (rc < 0) {
		fprintf(stderr, "sala: %s\n", e.msg);
		return 1;
	}
	printf("imported %d attendance mark%s from %s\n", added, added == 1 ? "" : "s", path);
	return 0;
}

static int cmd_sheet(struct cmd_args *a)
{
	int64_t id = cli_number("session id", a->argv[0], 1, INT32_MAX);
	const char *day_s = cmd_arg(a, "day"), *out = cmd_arg(a, "output");
	int day = day_s ? (int)cli_number("--day", day_s, 1, WORKSHOP_MAX_DAYS) : 0;
	if (!out)
		die("sessions sheet: give the output file with -o FILE.pdf");
	cli_check_out("sessions sheet", out);
	struct db *db = cli_db_open();
	struct buf pdf = BUF_INIT;
	struct err e = {""};
	int rc = workshop_sheet_pdf(db, id, day, &pdf, &e);
	db_close(db);
	if (rc < 0) {
		buf_release(&pdf);
		die("sessions sheet: %s", e.msg);
	}
	if (file_write_atomic(out, pdf.data, pdf.len, 0644, &e) < 0) {
		buf_release(&pdf);
		die("sessions sheet: %s", e.msg);
	}
	buf_release(&pdf);
	if (day)
		printf("wrote the sign-in sheet of session %lld, day %d, to %s\n", (long long)id, day, out);
	else
		printf("wrote the sign-in sheets of session %lld, every day, to %s\n", (long long)id, out);
	return 0;
}

static const struct cmd_entry attendance_import_entry = {
    .name = "import",
    .usage = IMPORT_USAGE,
    .help = "  The header is session_id,username,date,status: date YYYY-MM-DD, one of the session's days\n"
	    "  (Cambodia's time), status present, absent or excused. Every bad row is reported as FILE:LINE;\n"
	    "  the marks are recorded (method import) only when every row is right.",
    .lower = 1,
    .upper = 1,
    .exec = cmd_import,
};

const struct cmd_entry cmd_attendance_entry = {
    .name = "attendance",
    .usage = "attendance import",
    .subs = (const struct cmd_entry *const[]){&attendance_import_entry, NULL},
};

const struct cmd_entry cmd_sessions_sheet_entry = {
    .name = "sheet",
    .usage = SHEET_USAGE,
    .help = "  A4 PDF for rooms with no connection: one row per registered person with a signature box and the\n"
	    "  row code to key in afterwards. Without --day, every day of the session, each on its own pages.",
    .options =
	(const struct option[]){{"day", required_argument, NULL, 0}, {"output", required_argument, NULL, 'o'}, {0}},
    .lower = 1,
    .upper = 1,
    .exec = cmd_sheet,
};
