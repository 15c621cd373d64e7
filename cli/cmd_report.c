/* sala report: the figures of the /reports dashboard on the command line (full access: the operator's view). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "courses/listing.h"
#include "lib/db.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "reports/msgs.h"
#include "reports/report.h"
#include "reports/xlsx.h"

/*
 * The workbook, written beside OUT under a temporary name (OUT.part-PID-XXXXXX)
 * and committed over OUT: OUT is never half a file. Course titles in lang, as on the dashboard.
 */
/* The titles of the report's courses in lang (the dashboard's rule: the title, else the id); caller frees. */
static char **titles_get(struct db *db, const struct report *r, const char *lang)
{
	char **titles = xcalloc(r->ncourses + 1, sizeof *titles);
	for (size_t i = 0; i < r->ncourses; i++) {
		titles[i] = course_title_get(db, r->courses[i], lang);
		if (!titles[i])
			titles[i] = xstrdup(r->courses[i]);
	}
	return titles;
}

static void titles_free(const struct report *r, char **titles)
{
	for (size_t i = 0; i < r->ncourses; i++)
		free(titles[i]);
	free(titles);
}

/* A new file beside out for the workbook (renamed onto out by file_commit()); caller frees. */
static char *xlsx_part(const char *out)
{
	cli_remove_stale(out, ".part-");
	char *part = xasprintf("%s.part-%ld-XXXXXX", out, (long)getpid());
	int fd = mkstemp(part);
	if (fd < 0)
		die("report: cannot create a file next to '%s': %s", out, cli_errno_words(errno));
	close(fd);
	return part;
}

static void write_xlsx(struct db *db, const struct report *r, unsigned by, const char *lang, const char *out)
{
	report_messages_register();
	char **titles = titles_get(db, r, lang);
	char *part = xlsx_part(out);
	const char *tmp = getenv("TMPDIR");
	struct report_xlsx_opts o = {.lang = lang,
				     .course_titles = (const char *const *)titles,
				     .made_at = now_s(),
				     .tmpdir = tmp && *tmp ? tmp : NULL};
	struct err e;
	if (report_write_xlsx(r, by, &o, part, &e) < 0) {
		unlink(part);
		die("report: %s", e.msg);
	}
	if (file_commit(part, out, 0644, &e) < 0)
		die("report: %s", e.msg);
	free(part);
	titles_free(r, titles);
}

/* sala report --series ... --format xlsx -o FILE: the series as a workbook of one sheet. */
static void write_series_xlsx(const struct report_series *s, unsigned by, const char *lang, const char *out)
{
	report_messages_register();
	char *part = xlsx_part(out);
	const char *tmp = getenv("TMPDIR");
	struct report_xlsx_opts o = {.lang = lang, .made_at = now_s(), .tmpdir = tmp && *tmp ? tmp : NULL};
	struct err e;
	if (report_write_series_xlsx(s, by, &o, part, &e) < 0) {
		unlink(part);
		die("report: %s", e.msg);
	}
	if (file_commit(part, out, 0644, &e) < 0)
		die("report: %s", e.msg);
	free(part);
}

/*
 * sala report --verify: the figures of the aggregates against the rows. With no unit and no period, every
 * aggregate row against the sums computed from the rows in one pass, then a sample of reports against
 * report_run_scan(); with a unit, its reports for every period the aggregates hold; with a period, that
 * period for the unit (default: every unit with children).
 */
/* Writes the report text to out (atomically) or to standard output, and frees it; the exit status. */
static int emit(struct buf *b, const char *out)
{
	struct err e;
	if (out) {
		if (file_write_atomic(out, b->data, b->len, 0644, &e) < 0)
			die("report: %s", e.msg);
		buf_release(b);
		return 0;
	}
	fwrite(buf_str(b), 1, b->len, stdout);
	buf_release(b);
	return ferror(stdout) ? 1 : 0;
}

static int verify(const struct report_query *q, bool all_periods)
{
	struct db *db = cli_db_open();
	struct buf b = BUF_INIT;
	struct err e;
	int64_t n = 0, nrows = 0;
	int reports = 0, rc = 0;
	bool full = !(q->org && *q->org) && all_periods;
	if (full)
		rc = report_verify_rows(db, &b, &n, &nrows, &e);
	int64_t m = 0;
	if (rc == 0)
		rc = report_verify_all(db, q, all_periods, &b, &m, &reports, &e);
	n += m;
	db_close(db);
	fwrite(buf_str(&b), 1, b.len, stdout);
	buf_release(&b);
	if (rc < 0)
		die("report: --verify: %s", e.msg);
	if (full)
		printf("sala: checked %lld aggregate row%s; ", (long long)nrows, nrows == 1 ? "" : "s");
	else
		printf("sala: ");
	printf("verified %d report%s: %lld difference%s\n", reports, reports == 1 ? "" : "s", (long long)n,
	       n == 1 ? "" : "s");
	return n ? 1 : 0;
}

/* sala report --rebuild: every aggregate built again from the rows, in one transaction. */
static int rebuild(void)
{
	struct db *db = cli_db_open();
	struct err e;
	int rc = db_begin(db, &e);
	if (rc == 0 && (rc = report_agg_rebuild(db, &e)) < 0)
		db_rollback(db);
	if (rc == 0)
		rc = db_commit(db, &e);
	db_close(db);
	if (rc < 0)
		die("report: --rebuild: %s", e.msg);
	printf("sala: the report aggregates were built again from the rows\n");
	return 0;
}

/* sala report --by language,...: one report per learners' language, as csv, json or a table. */
static int by_language(const struct report_query *q, unsigned by, const char *format, const char *lang, const char *out,
		       bool training)
{
	if (q->language)
		die("report: --by language gives every language: leave out --language");
	if (strcmp(format, "xlsx") == 0 || training)
		die("report: --by language is for csv, json and table (not xlsx or --training)");
	struct db *db = cli_db_open();
	struct report rs[REPORT_LANGUAGES];
	struct err e;
	int rc = report_run_languages(db, q, rs, &e);
	char **titles = rc == 0 ? titles_get(db, &rs[0], lang) : NULL;
	db_close(db);
	if (rc < 0) {
		for (int i = 0; i < REPORT_LANGUAGES; i++)
			report_free(&rs[i]);
		die("%s", e.msg);
	}
	struct buf b = BUF_INIT;
	if (strcmp(format, "csv") == 0)
		report_write_languages_csv(rs, by, lang, (const char *const *)titles, &b);
	else if (strcmp(format, "json") == 0)
		report_write_languages_json(rs, by, lang, &b);
	else
		report_write_languages_table(rs, by, lang, &b);
	titles_free(&rs[0], titles);
	for (int i = 0; i < REPORT_LANGUAGES; i++)
		report_free(&rs[i]);
	return emit(&b, out);
}

static int cmd_report(struct cmd_args *a)
{
	const char *course = cmd_arg(a, "course"), *org = cmd_arg(a, "org"), *period = cmd_arg(a, "period");
	const char *from = cmd_arg(a, "from"), *to = cmd_arg(a, "to"), *by_s = cmd_arg(a, "by");
	const char *format = cmd_has(a, "format") ? cmd_arg(a, "format") : "table";
	const char *lang = cmd_has(a, "lang") ? cmd_arg(a, "lang") : "en";
	const char *out = cmd_arg(a, "output");
	if (strcmp(format, "csv") && strcmp(format, "json") && strcmp(format, "table") && strcmp(format, "xlsx"))
		die("unknown format '%s' (csv, json, table or xlsx)", format);
	if (strcmp(lang, "en") && strcmp(lang, "km"))
		die("unknown language '%s' (en or km)", lang);
	if (out && !*out)
		die("report: -o needs a file name");
	if (!out && strcmp(format, "xlsx") == 0)
		die("report: --format xlsx writes a file: give its name with -o FILE.xlsx");
	struct err e;
	unsigned by;
	struct report_query q = {.scope_id = -1, .org = org, .course = course, .language = cmd_arg(a, "language")};
	if (!report_language_valid(q.language))
		die("unknown learners' language '%s' (--language km or en)", q.language);
	if (report_by_parse(by_s, &by, &e) < 0 ||
	    (!cmd_arg(a, "series") && report_period_parse(period, from, to, &q.period, &e) < 0))
		die("%s", e.msg);
	if (cmd_has(a, "rebuild"))
		return rebuild();
	const char *series = cmd_arg(a, "series");
	if (series) {
		if (period && *period)
			die("report: --series takes --from and --to, not --period");
		if (by & REPORT_BY_LANGUAGE)
			die("report: a series is not grouped by language: use --language km or en");
		struct report_series s;
		struct db *db = cli_db_open();
		int rc = report_series_run(db, &q, series, from, to, now_s(), &s, &e);
		db_close(db);
		if (rc < 0) {
			report_series_free(&s);
			die("%s", e.msg);
		}
		if (strcmp(format, "xlsx") == 0) {
			write_series_xlsx(&s, by, lang, out);
			report_series_free(&s);
			return 0;
		}
		struct buf b = BUF_INIT;
		if (strcmp(format, "csv") == 0)
			report_write_series_csv(&s, by, lang, &b);
		else if (strcmp(format, "json") == 0)
			report_write_series_json(&s, by, lang, &b);
		else
			report_write_series_table(&s, by, lang, &b);
		report_series_free(&s);
		return emit(&b, out);
	}
	if (cmd_has(a, "verify"))
		return verify(&q, !(period && *period) && !(from && *from) && !(to && *to));
	if (by & REPORT_BY_LANGUAGE)
		return by_language(&q, by, format, lang, out, cmd_has(a, "training"));
	struct db *db = cli_db_open();
	struct report r;
	int rc = report_run(db, &q, &r, &e);
	if (rc < 0) {
		db_close(db);
		report_free(&r);
		die("%s", e.msg);
	}
	if (strcmp(format, "xlsx") == 0) {
		write_xlsx(db, &r, by, lang, out);
		db_close(db);
		report_free(&r);
		return 0;
	}
	char **titles = titles_get(db, &r, lang);
	db_close(db);
	struct buf b = BUF_INIT;
	bool training = cmd_has(a, "training");
	if (strcmp(format, "csv") == 0)
		if (training)
			report_write_training_csv(&r, by, lang, &b);
		else
			report_write_csv(&r, by, lang, (const char *const *)titles, &b);
	else if (strcmp(format, "json") == 0)
		report_write_json(&r, by, lang, &b);
	else
		(training ? report_write_training_table : report_write_table)(&r, by, lang, &b);
	titles_free(&r, titles);
	report_free(&r);
	return emit(&b, out);
}

const struct cmd_entry cmd_report_entry = {
    .name = "report",
    .usage =
	"report [--course ID] [--org CODE] [--period all|YYYY|YYYY-Qn|YYYY-Sn] [--from YYYY-MM-DD] "
	"[--to YYYY-MM-DD] [--language km|en] [--by sex,org,course,language] [--format csv|json|table|xlsx] [--series "
	"month|quarter|semester] "
	"[--lang en|km] [--training] [-o FILE] [--verify] [--rebuild]",
    .help = "  -o FILE   write to FILE instead of standard output (required for xlsx, a workbook)\n"
	    "  --language  only the learners who read Sala in km or en (users' language); --lang is the language "
	    "of the output\n"
	    "  --series  one report per month, quarter or semester from --from to --to (default: the last 12 "
	    "months, 4 quarters or 4 semesters)\n"
	    "  --training  the face-to-face figures (trained, attended, invited, attendance rate, hours, "
	    "satisfaction) as csv or table; json always has them\n"
	    "  --verify  compare the aggregates with the figures computed from the rows; exit 1 on any difference\n"
	    "  --rebuild build the aggregates again from the rows",
    .options = (const struct option[]){{"course", required_argument, NULL, 0},
				       {"org", required_argument, NULL, 0},
				       {"period", required_argument, NULL, 0},
				       {"from", required_argument, NULL, 0},
				       {"to", required_argument, NULL, 0},
				       {"by", required_argument, NULL, 0},
				       {"format", required_argument, NULL, 0},
				       {"lang", required_argument, NULL, 0},
				       {"language", required_argument, NULL, 0},
				       {"output", required_argument, NULL, 'o'},
				       {"verify", no_argument, NULL, 0},
				       {"series", required_argument, NULL, 0},
				       {"training", no_argument, NULL, 0},
				       {"rebuild", no_argument, NULL, 0},
				       {0}},
    .exec = cmd_report,
};
