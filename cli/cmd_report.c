/* sala report: the figures of the /reports dashboard on the command line (full access: the operator's view). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/db.h"
#include "reports/report.h"

int cmd_report(int argc, char **argv)
{
	const char *course = NULL, *org = NULL, *period = NULL, *from = NULL, *to = NULL, *by_s = NULL;
	const char *format = "table", *lang = "en";
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--course")))
			course = v;
		else if ((v = cli_flag(argc, argv, &i, "--org")))
			org = v;
		else if ((v = cli_flag(argc, argv, &i, "--period")))
			period = v;
		else if ((v = cli_flag(argc, argv, &i, "--from")))
			from = v;
		else if ((v = cli_flag(argc, argv, &i, "--to")))
			to = v;
		else if ((v = cli_flag(argc, argv, &i, "--by")))
			by_s = v;
		else if ((v = cli_flag(argc, argv, &i, "--format")))
			format = v;
		else if ((v = cli_flag(argc, argv, &i, "--lang")))
			lang = v;
		else
			die("usage: sala %s", REPORT_USAGE);
	}
	if (strcmp(format, "csv") && strcmp(format, "json") && strcmp(format, "table"))
		die("unknown format '%s' (csv, json or table)", format);
	if (strcmp(lang, "en") && strcmp(lang, "km"))
		die("unknown language '%s' (en or km)", lang);
	struct err e;
	unsigned by;
	struct report_query q = {.scope_id = -1, .org = org, .course = course};
	if (report_by_parse(by_s, &by, &e) < 0 || report_period_parse(period, from, to, &q.period, &e) < 0)
		die("%s", e.msg);
	sqlite3 *db = cli_db_open();
	struct report r;
	int rc = report_run(db, &q, &r, &e);
	db_close(db);
	if (rc < 0) {
		report_free(&r);
		die("%s", e.msg);
	}
	struct buf b = BUF_INIT;
	if (strcmp(format, "csv") == 0)
		report_write_csv(&r, by, lang, &b);
	else if (strcmp(format, "json") == 0)
		report_write_json(&r, by, lang, &b);
	else
		report_write_table(&r, by, lang, &b);
	fwrite(buf_str(&b), 1, b.len, stdout);
	buf_release(&b);
	report_free(&r);
	return ferror(stdout) ? 1 : 0;
}
