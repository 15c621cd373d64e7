/* sala audit: the audit trail stored in the database (lib/audit.h), listed with filters, as text or CSV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "lib/audit.h"
#include "lib/buf.h"
#include "lib/csv.h"
#include "lib/db.h"
#include "lib/util.h"

static void time_utc(int64_t t, char out[24])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int audit_row_text(void *ctx, const struct audit_entry *a)
{
	(void)ctx;
	char when[24];
	time_utc(a->created_at, when);
	printf("%s %-16s %-14s %-22s %s%s%s\n", when, a->actor, a->origin, a->action, a->target, *a->detail ? " " : "",
	       a->detail);
	return 0;
}

static int audit_row_csv(void *ctx, const struct audit_entry *a)
{
	struct buf *b = ctx;
	char when[24];
	time_utc(a->created_at, when);
	buf_printf(b, "%s,", when);
	const char *f[] = {a->actor, a->origin, a->action, a->target, a->detail};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		csv_put_field(b, f[i]);
		buf_puts(b, i + 1 < sizeof f / sizeof f[0] ? "," : "\r\n");
	}
	fwrite(b->data, 1, b->len, stdout);
	buf_reset(b);
	return 0;
}

/* --from/--to DATE (YYYY-MM-DD, UTC) into *t, the whole day included for --to; exits 2 on a bad date. */
static int64_t date_option(const struct cmd_args *a, const char *name, bool end)
{
	const char *v = cmd_arg(a, name);
	int64_t t;
	if (!v)
		return 0;
	if (date_parse(v, &t) < 0) {
		fprintf(stderr, "sala: audit: --%s must be a date like 2026-12-07, not '%s'\n", name, v);
		exit(2);
	}
	return end ? t + 86400 : t;
}

static int cmd_audit(struct cmd_args *a)
{
	struct audit_filter f = {
	    .actor = cmd_arg(a, "who"),
	    .action = cmd_arg(a, "action"),
	    .target = cmd_arg(a, "target"),
	    .since = date_option(a, "from", false),
	    .until = date_option(a, "to", true),
	};
	if (f.since && f.until && f.until <= f.since) {
		fprintf(stderr, "sala: audit: --to is before --from\n");
		return 2;
	}
	long limit = cmd_arg(a, "limit") ? cli_number("--limit", cmd_arg(a, "limit"), 0, 100000000) : 100;
	bool csv = cmd_has(a, "csv");
	struct db *db = cli_db_open();
	struct err e;
	struct buf b = BUF_INIT;
	if (csv)
		printf("time_utc,actor,from,action,target,detail\r\n");
	int rc = audit_list(db, &f, limit, 0, csv ? audit_row_csv : audit_row_text, &b, &e);
	buf_release(&b);
	if (rc < 0) {
		fprintf(stderr, "sala: audit: %s\n", e.msg);
		db_close(db);
		return 1;
	}
	if (!csv) {
		int64_t total = audit_count(db, &f, &e);
		if (total >= 0)
			fprintf(stderr, "%lld entr%s match%s\n", (long long)total, total == 1 ? "y" : "ies",
				limit && total > limit ? " (newest shown first; --limit 0 lists all)" : "");
	}
	db_close(db);
	return 0;
}

const struct cmd_entry cmd_audit_entry = {
    .name = "audit",
    .usage = "audit [--who NAME] [--action ACTION] [--target TEXT] [--from DATE] [--to DATE] [--limit N] [--csv]",
    .help = "  the audit trail, newest first: who changed which user, setting, certificate, course version;\n"
	    "  --action user finds every user.* action; --target finds a text in the target; dates are UTC\n"
	    "  days (YYYY-MM-DD, --to included); --limit (default 100, 0: all); --csv: every column as CSV",
    .options = (const struct option[]){{"who", required_argument, NULL, 0},
				       {"action", required_argument, NULL, 0},
				       {"target", required_argument, NULL, 0},
				       {"from", required_argument, NULL, 0},
				       {"to", required_argument, NULL, 0},
				       {"limit", required_argument, NULL, 0},
				       {"csv", no_argument, NULL, 0},
				       {0}},
    .exec = cmd_audit,
};
