/* sala report: the figures of the /reports dashboard on the command line (full access: the operator's view). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/db.h"
#include "reports/report.h"

static int cmd_report(struct cmd_args *a)
{
	const char *course = cmd_arg(a, "course"), *org = cmd_arg(a, "org"), *period = cmd_arg(a, "period");
	const char *from = cmd_arg(a, "from"), *to = cmd_arg(a, "to"), *by_s = cmd_arg(a, "by");
	const char *format = cmd_has(a, "format") ? cmd_arg(a, "format") : "table";
	const char *lang = cmd_has(a, "lang") ? cmd_arg(a, "lang") : "en";
	if (strcmp(format, "csv") && strcmp(format, "json") && strcmp(format, "table"))
		die("unknown format '%s' (csv, json or table)", format);
	if (strcmp(lang, "en") && strcmp(lang, "km"))
		die("unknown language '%s' (en or km)", lang);
	struct err e;
	unsigned by;
	struct report_query q = {.scope_id = -1, .org = org, .course = course};
	if (report_by_parse(by_s, &by, &e) < 0 || report_period_parse(period, from, to, &q.period, &e) < 0)
		die("%s", e.msg);
	struct db *db = cli_db_open();
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

const struct cmd_entry cmd_report_entry = {
    .name = "report",
    .usage = "report [--course ID] [--org CODE] [--period all|YYYY|YYYY-Qn|YYYY-Sn] [--from YYYY-MM-DD] "
	     "[--to YYYY-MM-DD] [--by sex,org,course] [--format csv|json|table] [--lang en|km]",
    .options = (const struct option[]){{"course", required_argument, NULL, 0},
				       {"org", required_argument, NULL, 0},
				       {"period", required_argument, NULL, 0},
				       {"from", required_argument, NULL, 0},
				       {"to", required_argument, NULL, 0},
				       {"by", required_argument, NULL, 0},
				       {"format", required_argument, NULL, 0},
				       {"lang", required_argument, NULL, 0},
				       {0}},
    .exec = cmd_report,
};
