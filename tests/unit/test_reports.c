/* Unit tests for reports/: periods, groupings, the report cube on a known population, and the writers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four headers above first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "accounts/orgs.h"
#include "lib/db.h"
#include "lib/util.h"
#include "reports/report.h"

/* 2025-01-01T00:00:00Z and friends. */
#define JAN1 1735689600
#define JAN15 1736899200
#define FEB1 1738368000
#define APR1 1743465600

/*
 * The population (course a and b), under province 05 with districts D1 (commune C1) and D2:
 *   1 female  C1  a: enrolled Jan 1 00:00 (first second of Q1), started, completed Feb 1 (80, pretest 50), cert
 *   2 male    C1  a: enrolled Dec 31 23:59:59 (out), started Mar 31 23:59:59 (in), completed Apr 1 00:00 (out)
 *   3 other   D1  a: enrolled; b: enrolled, started, completed Feb 1 (90), cert re-issued after Q1
 *   4 unspec  D2  b: enrolled; a revoked certificate
 *   5 female  1201 (Phnom Penh, outside 05) a: enrolled
 */
static const char fixture[] =
    "INSERT INTO courses(id, created_at) VALUES ('a', 0), ('b', 0);"
    "INSERT INTO users(id, username, password_hash, full_name, sex, org_id, created_at) VALUES"
    " (1, 'u1', 'x', 'U1', 'female', (SELECT id FROM org_units WHERE code = 'C1'), 0),"
    " (2, 'u2', 'x', 'U2', 'male', (SELECT id FROM org_units WHERE code = 'C1'), 0),"
    " (3, 'u3', 'x', 'U3', 'other', (SELECT id FROM org_units WHERE code = 'D1'), 0),"
    " (4, 'u4', 'x', 'U4', 'unspecified', (SELECT id FROM org_units WHERE code = 'D2'), 0),"
    " (5, 'u5', 'x', 'U5', 'female', (SELECT id FROM org_units WHERE code = '1201'), 0);"
    "INSERT INTO enrolments(user_id, course_id, enrolled_at, started_at, completed_at, best_final, pretest) VALUES"
    " (1, 'a', 1735689600, 1736899200, 1738368000, 80, 50),"
    " (2, 'a', 1735689599, 1743465599, 1743465600, 70, NULL),"
    " (3, 'a', 1736899200, NULL, NULL, NULL, NULL),"
    " (3, 'b', 1736899200, 1736899200, 1738368000, 90, NULL),"
    " (4, 'b', 1736899200, NULL, NULL, NULL, NULL),"
    " (5, 'a', 1736899200, NULL, NULL, NULL, NULL);"
    "INSERT INTO certificates(id, serial, code, user_id, course_id, language, course_title, name, completed_on, "
    "org_id, issuer, payload, signature, issued_at, superseded_by, revoked_at) VALUES"
    " (1, 's1', 'c1', 1, 'a', 'en', 'A', 'U1', '2025-02-01', 1, 'i', '{}', 'demo', 1738368000, NULL, NULL),"
    " (3, 's3b', 'c3b', 3, 'b', 'en', 'B', 'U3', '2025-02-01', 1, 'i', '{}', 'demo', 1750000000, NULL, NULL),"
    " (2, 's3', 'c3', 3, 'b', 'en', 'B', 'U3', '2025-02-01', 1, 'i', '{}', 'demo', 1738368000, 3, NULL),"
    " (4, 's4', 'c4', 4, 'b', 'en', 'B', 'U4', '2025-02-01', 1, 'i', '{}', 'demo', 1738368000, NULL, 1738400000);";

static int setup(void **state)
{
	struct err e;
	struct db *db = db_open(":memory:", &e);
	assert_non_null(db);
	assert_int_equal(orgs_seed(db, &e), 0);
	assert_true(org_add(db, "D1", "District one", "ស្រុកមួយ", "05", "district", &e) > 0);
	assert_true(org_add(db, "D2", "=cmd|' /C calc'!A0", "", "05", "district", &e) > 0);
	assert_true(org_add(db, "C1", "Commune one", "", "D1", "commune", &e) > 0);
	assert_true(org_add(db, "1201", "Chamkar Mon", "", "12", "district", &e) > 0);
	assert_int_equal(db_exec(db, fixture, &e), 0);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

static void test_periods(void **state)
{
	(void)state;
	static const struct {
		const char *period, *from, *to;
		int rc;
		int64_t t0, t1;
	} cases[] = {
	    {"2025-Q1", NULL, NULL, 0, JAN1, APR1},
	    {"2025-Q4", NULL, NULL, 0, 1759276800, 1767225600},
	    {"2025-S1", NULL, NULL, 0, JAN1, 1751328000},
	    {"2025-S2", NULL, NULL, 0, 1751328000, 1767225600},
	    {"2025", NULL, NULL, 0, JAN1, 1767225600},
	    {"2025-Q1", "2025-01-15", "2025-01-31", 0, JAN15, FEB1}, /* dates win; to is inclusive */
	    {NULL, "2025-01-15", NULL, 0, JAN15, INT64_MAX},
	    {NULL, "", "2025-03-31", 0, INT64_MIN, APR1},
	    {"2025-Q5", NULL, NULL, -1, 0, 0},
	    {"2025-S3", NULL, NULL, -1, 0, 0},
	    {"20x5", NULL, NULL, -1, 0, 0},
	    {"2025-Q1x", NULL, NULL, -1, 0, 0},
	    {NULL, "2025-13-01", NULL, -1, 0, 0},
	    {NULL, "2025-02-30", NULL, -1, 0, 0},
	    {NULL, "2025-03-01", "2025-02-28", -1, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct report_period p;
		struct err e;
		int rc = report_period_parse(cases[i].period, cases[i].from, cases[i].to, &p, &e);
		assert_int_equal(rc, cases[i].rc);
		if (rc == 0) {
			assert_true(p.set);
			assert_true(p.from == cases[i].t0);
			assert_true(p.to == cases[i].t1);
		}
	}
	struct report_period p;
	struct err e;
	assert_int_equal(report_period_parse(NULL, NULL, NULL, &p, &e), 0);
	assert_false(p.set);
	assert_int_equal(report_period_parse("all", "", "", &p, &e), 0);
	assert_false(p.set);
	assert_string_equal(p.label, "all");
	report_period_quarter(1747000000, &p); /* 2025-05-11 */
	assert_string_equal(p.label, "2025-Q2");
	assert_true(p.from == APR1 && p.to == 1751328000);
}

static void test_groupings(void **state)
{
	(void)state;
	unsigned by;
	struct err e;
	assert_int_equal(report_by_parse("sex,org,course", &by, &e), 0);
	assert_int_equal(by, REPORT_BY_SEX | REPORT_BY_ORG | REPORT_BY_COURSE);
	assert_int_equal(report_by_parse("org", &by, &e), 0);
	assert_int_equal(by, REPORT_BY_ORG);
	assert_int_equal(report_by_parse("", &by, &e), 0);
	assert_int_equal(by, 0);
	assert_int_equal(report_by_parse("none", &by, &e), 0);
	assert_int_equal(report_by_parse("sex,gender", &by, &e), -1);
	assert_non_null(strstr(e.msg, "'gender'"));
	assert_int_equal(report_by_parse("language,sex", &by, &e), 0);
	assert_int_equal(by, REPORT_BY_LANGUAGE | REPORT_BY_SEX);
	assert_true(report_language_valid(NULL) && report_language_valid("km") && report_language_valid("en"));
	assert_false(report_language_valid("fr") || report_language_valid("") || report_language_valid("KM"));
}

static void test_formats(void **state)
{
	(void)state;
	char t[32];
	report_fmt1(t, true, 85.0);
	assert_string_equal(t, "85.0");
	report_fmt1(t, true, 88.3333);
	assert_string_equal(t, "88.3");
	report_fmt1(t, true, -0.04);
	assert_string_equal(t, "0.0");
	report_fmt1(t, false, 1);
	assert_string_equal(t, "");
	report_fmt2(t, true, 4.0);
	assert_string_equal(t, "4.00");
}

static void run_q1(struct db *db, const char *org, const char *course, int64_t scope, struct report *r)
{
	struct report_query q = {.scope_id = scope, .org = org, .course = course};
	struct err e;
	assert_int_equal(report_period_parse("2025-Q1", NULL, NULL, &q.period, &e), 0);
	assert_int_equal(report_run(db, &q, r, &e), 0);
}

/* enrolled, started, completed, certified of a cell. */
static void expect(const struct report *r, int org, int course, int sex, int en, int st, int co, int ce)
{
	const struct report_figures *f = report_cell(r, org, course, sex);
	assert_int_equal(f->enrolled, en);
	assert_int_equal(f->started, st);
	assert_int_equal(f->completed, co);
	assert_int_equal(f->certified, ce);
}

static void test_figures(void **state)
{
	struct db *db = *state;
	struct report r;
	run_q1(db, "05", NULL, -1, &r);
	assert_string_equal(r.org.code, "05");
	assert_int_equal(r.nchildren, 2);
	assert_string_equal(r.children[0].code, "D1");
	assert_int_equal(r.ncourses, 2);
	/* Distinct learners over all courses: learner 3 is in a and b but counts once. */
	expect(&r, REPORT_ALL, REPORT_ALL, REPORT_ALL, 3, 3, 2, 2);
	expect(&r, REPORT_ALL, REPORT_ALL, SEX_FEMALE, 1, 1, 1, 1);
	expect(&r, REPORT_ALL, REPORT_ALL, SEX_MALE, 0, 1, 0, 0);	 /* period edges */
	expect(&r, REPORT_ALL, REPORT_ALL, SEX_OTHER, 1, 1, 1, 1);	 /* re-issued: keeps the first date */
	expect(&r, REPORT_ALL, REPORT_ALL, SEX_UNSPECIFIED, 1, 0, 0, 0); /* revoked: not certified */
	/* Roll-up: D1 holds C1 (learners 1, 2) and learner 3 directly. */
	expect(&r, 0, REPORT_ALL, REPORT_ALL, 2, 3, 2, 2);
	expect(&r, 1, REPORT_ALL, REPORT_ALL, 1, 0, 0, 0);
	expect(&r, 2, REPORT_ALL, REPORT_ALL, 0, 0, 0, 0); /* nobody attached to 05 itself */
	/* By course. */
	expect(&r, REPORT_ALL, 0, REPORT_ALL, 2, 2, 1, 1);
	expect(&r, REPORT_ALL, 1, REPORT_ALL, 2, 1, 1, 1);
	double v;
	assert_true(report_avg_score(report_cell(&r, REPORT_ALL, REPORT_ALL, REPORT_ALL), &v));
	assert_true(v == 85.0);
	assert_true(report_avg_gain(report_cell(&r, REPORT_ALL, REPORT_ALL, REPORT_ALL), &v));
	assert_true(v == 30.0);
	assert_int_equal(report_cell(&r, REPORT_ALL, REPORT_ALL, REPORT_ALL)->gain_n, 1);
	assert_false(report_avg_score(report_cell(&r, REPORT_ALL, REPORT_ALL, SEX_MALE), &v));
	/* Female 1/1 completed, male 0/0: no parity index. */
	assert_false(report_parity(report_cell(&r, REPORT_ALL, REPORT_ALL, SEX_FEMALE),
				   report_cell(&r, REPORT_ALL, REPORT_ALL, SEX_MALE), &v));
	assert_true(report_female_share(1, 3, &v));
	report_free(&r);

	/* All time: every enrolment, completion and current certificate counts. */
	struct report_query q = {.scope_id = -1, .org = "05"};
	struct err e;
	assert_int_equal(report_run(db, &q, &r, &e), 0);
	expect(&r, REPORT_ALL, REPORT_ALL, REPORT_ALL, 4, 3, 3, 2);
	expect(&r, REPORT_ALL, REPORT_ALL, SEX_MALE, 1, 1, 1, 0);
	report_free(&r);
}

static void test_scope(void **state)
{
	struct db *db = *state;
	struct report r;
	struct err e;
	int64_t siem_reap = org_id(db, "17"), district = org_id(db, "D1");
	struct report_query q = {.scope_id = siem_reap, .org = "05"};
	assert_int_equal(report_run(db, &q, &r, &e), REPORT_EFORBIDDEN);
	report_free(&r);
	q.scope_id = district;
	q.org = NULL; /* the scope root */
	assert_int_equal(report_run(db, &q, &r, &e), 0);
	assert_string_equal(r.org.code, "D1");
	expect(&r, REPORT_ALL, REPORT_ALL, REPORT_ALL, 3, 3, 3, 2); /* all time */
	report_free(&r);
	q.org = "C1"; /* below the scope root */
	assert_int_equal(report_run(db, &q, &r, &e), 0);
	report_free(&r);
	q.org = "05"; /* above it */
	assert_int_equal(report_run(db, &q, &r, &e), REPORT_EFORBIDDEN);
	report_free(&r);
	q.org = "nope";
	assert_int_equal(report_run(db, &q, &r, &e), REPORT_ENOENT);
	report_free(&r);
	q.org = NULL;
	q.course = "zzz";
	assert_int_equal(report_run(db, &q, &r, &e), REPORT_ENOENT);
	report_free(&r);
	/* The national root holds learner 5 too. */
	q = (struct report_query){.scope_id = -1, .course = "a"};
	assert_int_equal(report_run(db, &q, &r, &e), 0);
	expect(&r, REPORT_ALL, REPORT_ALL, REPORT_ALL, 4, 2, 2, 1);
	report_free(&r);
}

static void test_csv(void **state)
{
	struct db *db = *state;
	struct report r;
	run_q1(db, "05", NULL, -1, &r);
	/* The defaults of the small-group rule came from the settings (none set). */
	assert_int_equal(r.min_group, REPORT_MIN_GROUP);
	assert_int_equal(r.min_parity_group, REPORT_MIN_PARITY_GROUP);
	/* The arithmetic first, on groups of one: the rule at its lowest. */
	r.min_group = r.min_parity_group = 1;
	struct buf b = BUF_INIT;
	report_write_csv(&r, REPORT_BY_ORG | REPORT_BY_SEX, "en", NULL, &b);
	const char *s = buf_str(&b);
	assert_memory_equal(s, "\xEF\xBB\xBF", 3);
	assert_true(str_starts(s + 3, "org_code,org_name,course_id,sex,enrolled,started,completed,certified,avg_score,"
				      "avg_score_n,completion_rate,parity_index,parity_n,course_title\r\n"));
	size_t lines = 0;
	for (const char *p = s; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + 3 * 4); /* D1, D2, 05 itself; four sexes each */
	assert_non_null(strstr(s, "\r\nD1,District one,,female,1,1,1,1,80.0,1,100.0,"));
	assert_non_null(strstr(s, "\r\nD1,District one,,other,1,1,1,1,90.0,1,100.0,"));
	assert_non_null(strstr(s, "\r\nD2,\"'=cmd|' /C calc'!A0\",,unspecified,1,0,0,0,,0,0.0,"));
	buf_reset(&b);
	report_write_csv(&r, REPORT_BY_ORG, "km", NULL, &b);
	assert_non_null(strstr(buf_str(&b), "\r\nD1,ស្រុកមួយ,,all,2,3,2,2,85.0,2,100.0,"));
	buf_reset(&b);
	/* No grouping: one row of totals with the markers. */
	report_write_csv(&r, 0, "en", NULL, &b);
	/* A code that starts with a digit is a text formula, so a spreadsheet keeps its zero. */
	assert_non_null(strstr(buf_str(&b), "\r\n\"=\"\"05\"\"\",Kampong Speu,,all,3,3,2,2,85.0,"));
	buf_reset(&b);
	report_write_json(&r, REPORT_BY_SEX, "en", &b);
	assert_non_null(strstr(buf_str(&b),
			       "\"sex\":\"female\",\"enrolled\":1,\"started\":1,\"completed\":1,"
			       "\"certified\":1,\"avg_score\":80.0,\"avg_score_n\":1,\"avg_gain\":30.0,"
			       "\"gain_n\":1,\"completion_rate_pct\":100.0,\"completion_n\":1,\"withheld\":{}}"));
	assert_non_null(strstr(buf_str(&b), "\"parity_index\":null"));
	/* The rule at its defaults: the same figures withheld and marked in the CSV, null with the mark in JSON. */
	r.min_group = REPORT_MIN_GROUP;
	r.min_parity_group = REPORT_MIN_PARITY_GROUP;
	buf_reset(&b);
	report_write_csv(&r, REPORT_BY_ORG | REPORT_BY_SEX, "en", NULL, &b);
	assert_non_null(strstr(buf_str(&b), "\r\nD1,District one,,female,1,1,1,1,n<5,1,n<5,"));
	assert_non_null(strstr(buf_str(&b), "\r\nD2,\"'=cmd|' /C calc'!A0\",,unspecified,1,0,0,0,,0,n<5,"));
	buf_reset(&b);
	report_write_json(&r, REPORT_BY_SEX, "en", &b);
	assert_non_null(strstr(buf_str(&b),
			       "\"certified\":1,\"avg_score\":null,\"avg_score_n\":1,\"avg_gain\":null,"
			       "\"gain_n\":1,\"completion_rate_pct\":null,\"completion_n\":1,\"withheld\":"
			       "{\"avg_score\":\"n<5\",\"avg_gain\":\"n<5\",\"completion_rate_pct\":\"n<5\"}}"));
	buf_release(&b);
	report_free(&r);
}

/* The one function that decides: shown, withheld with its mark, or undefined; n is what the figure rests on. */
static void test_small_group_rule(void **state)
{
	(void)state;
	struct report_figures cells[(0 + 2) * (0 + 1) * (SEX_COUNT + 1)];
	memset(cells, 0, sizeof cells);
	struct report r = {.cells = cells, .min_group = 5, .min_parity_group = 10};
	struct report_figures *fe = (struct report_figures *)report_cell(&r, REPORT_ALL, REPORT_ALL, SEX_FEMALE);
	struct report_figures *ma = (struct report_figures *)report_cell(&r, REPORT_ALL, REPORT_ALL, SEX_MALE);
	struct report_fig f;
	char mark[32];
	static const struct {
		int64_t fe_enrolled, fe_completed, ma_enrolled, ma_completed;
		enum report_fig_state rate, parity;
		const char *rate_text, *parity_text;
	} cases[] = {
	    {0, 0, 0, 0, REPORT_FIG_UNDEFINED, REPORT_FIG_UNDEFINED, "", ""},
	    {4, 2, 12, 6, REPORT_FIG_FEW, REPORT_FIG_FEW, "", ""},
	    {5, 2, 9, 3, REPORT_FIG_SHOWN, REPORT_FIG_FEW, "40.0", ""},
	    {10, 5, 10, 4, REPORT_FIG_SHOWN, REPORT_FIG_SHOWN, "50.0", "1.25"},
	    {10, 5, 10, 0, REPORT_FIG_SHOWN, REPORT_FIG_UNDEFINED, "50.0", ""}, /* no man completed */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fe->enrolled = cases[i].fe_enrolled;
		fe->completed = cases[i].fe_completed;
		ma->enrolled = cases[i].ma_enrolled;
		ma->completed = cases[i].ma_completed;
		report_figure(&r, REPORT_FIG_COMPLETION_RATE, REPORT_ALL, REPORT_ALL, SEX_FEMALE, &f);
		assert_int_equal(f.state, cases[i].rate);
		assert_int_equal(f.n, cases[i].fe_enrolled);
		assert_string_equal(f.text, cases[i].rate_text);
		report_figure(&r, REPORT_FIG_PARITY, REPORT_ALL, REPORT_ALL, REPORT_ALL, &f);
		assert_int_equal(f.state, cases[i].parity);
		assert_string_equal(f.text, cases[i].parity_text);
		assert_int_equal(f.n, cases[i].fe_enrolled < cases[i].ma_enrolled ? cases[i].fe_enrolled
										  : cases[i].ma_enrolled);
		report_fig_mark(&f, mark);
		assert_string_equal(mark, f.state == REPORT_FIG_FEW ? "n<10" : "");
	}
	/* Averages rest on the completions with a score. */
	fe->score_n = 4;
	fe->score_sum = 4 * 80 * REPORT_SCORE_UNIT;
	report_figure(&r, REPORT_FIG_AVG_SCORE, REPORT_ALL, REPORT_ALL, SEX_FEMALE, &f);
	assert_int_equal(f.state, REPORT_FIG_FEW);
	report_fig_mark(&f, mark);
	assert_string_equal(mark, "n<5");
	fe->score_n = 5;
	fe->score_sum = 5 * 80 * REPORT_SCORE_UNIT;
	report_figure(&r, REPORT_FIG_AVG_SCORE, REPORT_ALL, REPORT_ALL, SEX_FEMALE, &f);
	assert_int_equal(f.state, REPORT_FIG_SHOWN);
	assert_string_equal(f.text, "80.0");
}

/* A new database: no courses, no certificates, no people. */
static void test_empty(void **state)
{
	(void)state;
	struct err e;
	struct db *db = db_open(":memory:", &e);
	assert_non_null(db);
	assert_int_equal(orgs_seed(db, &e), 0);
	struct report r;
	struct report_query q = {.scope_id = -1};
	assert_int_equal(report_run(db, &q, &r, &e), 0);
	assert_int_equal(r.ncourses, 0);
	assert_int_equal(r.nchildren, 25);
	expect(&r, REPORT_ALL, REPORT_ALL, REPORT_ALL, 0, 0, 0, 0);
	struct buf b = BUF_INIT;
	report_write_csv(&r, REPORT_BY_ORG | REPORT_BY_COURSE | REPORT_BY_SEX, "en", NULL, &b);
	assert_int_equal(b.len,
			 3 + strlen("org_code,org_name,course_id,sex,enrolled,started,completed,certified,"
				    "avg_score,avg_score_n,completion_rate,parity_index,parity_n,course_title\r\n"));
	buf_reset(&b);
	report_write_table(&r, REPORT_BY_ORG, "km", &b);
	assert_non_null(strstr(buf_str(&b), "បាត់ដំបង"));
	buf_release(&b);
	report_free(&r);
	db_close(db);
}

/* Replaces a published view by one with the given body, returning the original CREATE VIEW (caller frees). */
static char *view_swap(struct db *db, const char *name, const char *body)
{
	struct err e;
	struct db_stmt *st = db_stmt(db, "SELECT sql FROM sqlite_schema WHERE type = 'view' AND name = ?");
	db_bind_text(st, 1, name);
	assert_int_equal(db_step_row(st), 1);
	char *orig = strdup(db_col_text(st, 0));
	db_finish(st);
	char sql[1024];
	snprintf(sql, sizeof sql, "DROP VIEW %s; CREATE VIEW %s AS %s", name, name, body);
	assert_int_equal(db_exec(db, sql, &e), 0);
	return orig;
}

static void view_restore(struct db *db, const char *name, char *orig)
{
	struct err e;
	char sql[1024];
	snprintf(sql, sizeof sql, "DROP VIEW %s; %s", name, orig);
	assert_int_equal(db_exec(db, sql, &e), 0);
	free(orig);
}

/*
 * A read that ends on an error in any of the report's row loops (the scan of the
 * rows, report_run_scan()) fails the report (REPORT_EDB with a message) instead of returning short figures. Each
 * view is swapped for one whose later rows fail (abs() of the smallest integer
 * overflows), so the loop has read rows before the error.
 */
static void test_read_error(void **state)
{
	struct db *db = *state;
	static const struct {
		const char *view, *body;
	} cases[] = {
	    {"report_org_units", "SELECT id, code, CASE WHEN code = 'D2' THEN abs(id - id - 9223372036854775807 - 1) "
				 "ELSE name_en END AS name_en, "
				 "name_km, level, parent_id, path FROM org_units"},
	    {"report_courses", "SELECT CASE WHEN id = 'b' THEN abs(length(id) - length(id) - 9223372036854775807 - 1) "
			       "ELSE id END AS id FROM courses"},
	    {"report_certificates", "SELECT user_id, course_id, CASE WHEN user_id = 3 THEN abs(user_id - user_id - "
				    "9223372036854775807 - 1) ELSE issued_at END AS issued_at, 1 AS is_current "
				    "FROM certificates"},
	    {"report_enrolments", "SELECT user_id, course_id, CASE WHEN user_id = 3 THEN abs(user_id - user_id - "
				  "9223372036854775807 - 1) ELSE enrolled_at END AS enrolled_at, started_at, "
				  "completed_at, best_final, pretest FROM enrolments"},
	};
	struct report_query q = {.scope_id = -1, .org = "05"};
	struct report r;
	struct err e;
	db_read_failed(true);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *orig = view_swap(db, cases[i].view, cases[i].body);
		e.msg[0] = '\0';
		/* The rows' reading (the reference the aggregates are verified against). */
		assert_int_equal(report_run_scan(db, &q, &r, &e), REPORT_EDB);
		assert_non_null(strstr(e.msg, "cannot read the report's figures"));
		assert_non_null(db_read_failed(true));
		report_free(&r);
		view_restore(db, cases[i].view, orig);
		assert_int_equal(report_run(db, &q, &r, &e), 0);
		expect(&r, REPORT_ALL, REPORT_ALL, REPORT_ALL, 4, 3, 3, 2);
		report_free(&r);
	}
	assert_null(db_read_failed(true));
}

/* The plan of a query as one string, its steps joined by "; ". */
static void query_plan(struct db *db, const char *sql, char *out, size_t len)
{
	char eqp[1024];
	snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", sql);
	struct db_stmt *st = db_prepare(db, eqp); /* db_stmt() caches by the SQL's address: not for a stack buffer */
	size_t k = 0;
	out[0] = '\0';
	int rc;
	while ((rc = db_step_row(st)) > 0 && k < len)
		k += (size_t)snprintf(out + k, len - k, "%s; ", db_col_text(st, 3));
	assert_int_equal(rc, 0);
	db_finalize(st);
}

/*
 * The published views flatten into the report's queries: the plans name the
 * tables and indexes underneath (the subtree's path range, users_org, the
 * enrolments key) and nothing is materialised. The SQL is that of report.c.
 */
static void test_views_flatten(void **state)
{
	struct db *db = *state;
	char plan[2048];
	query_plan(db,
		   "SELECT l.user_id, l.sex, l.org_path, e.course_id, e.enrolled_at, e.started_at, e.completed_at, "
		   "e.best_final, e.pretest FROM report_learners l JOIN report_enrolments e ON e.user_id = l.user_id "
		   "WHERE l.org_path >= ?1 AND l.org_path < ?2 AND (?3 IS NULL OR e.course_id = ?3)",
		   plan, sizeof plan);
	assert_non_null(strstr(plan, "SEARCH o USING COVERING INDEX org_units_path (path>? AND path<?); "
				     "SEARCH u USING COVERING INDEX users_org (org_id=?); "
				     "SEARCH enrolments USING PRIMARY KEY (user_id=?); "));
	query_plan(db,
		   "SELECT user_id, course_id, issued_at, is_current FROM report_certificates "
		   "WHERE ?1 IS NULL OR course_id = ?1",
		   plan, sizeof plan);
	assert_string_equal(plan, "SCAN certificates; ");
	query_plan(db, "SELECT id, code, name_en, name_km, level, path FROM report_org_units WHERE code = ?", plan,
		   sizeof plan);
	assert_string_equal(plan, "SEARCH org_units USING INDEX sqlite_autoindex_org_units_1 (code=?); ");
	/* A course by its key; whether it has a published version, by the packages' index on course_id. */
	query_plan(db, "SELECT 1 FROM report_courses WHERE id = ?", plan, sizeof plan);
	assert_non_null(strstr(plan, "SEARCH c USING PRIMARY KEY (id=?); "));
	assert_non_null(strstr(plan, "SEARCH p USING INDEX packages_active (course_id=?); "));
	assert_null(strstr(plan, "SCAN"));
	assert_null(strstr(plan, "MATERIALIZE"));
}

/* Which periods the aggregates hold: whole calendar months, quarters, semesters, years, and all time. */
static void test_period_keys(void **state)
{
	(void)state;
	static const struct {
		const char *period, *from, *to, *key;
		int from_m, to_m;
	} cases[] = {
	    {"all", NULL, NULL, "A", 0, 999999},
	    {"2025", NULL, NULL, "Y2025", 202501, 202601},
	    {"2025-S2", NULL, NULL, "S2025-2", 202507, 202601},
	    {"2025-Q4", NULL, NULL, "Q2025-4", 202510, 202601},
	    {NULL, "2025-01-01", "2025-03-31", "Q2025-1", 202501, 202504},
	    {NULL, "2025-02-01", "2025-02-28", "M202502", 202502, 202503},
	    {NULL, "2024-12-01", "2024-12-31", "M202412", 202412, 202501},
	    {NULL, "2025-02-01", "2025-04-30", NULL, 0, 0}, /* three months, not a quarter */
	    {NULL, "2025-01-02", "2025-03-31", NULL, 0, 0}, /* not from a month's first day */
	    {NULL, "2025-01-01", "2025-03-30", NULL, 0, 0},
	    {NULL, "2025-01-01", NULL, NULL, 0, 0}, /* open end */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct report_period p;
		struct err e;
		char key[16] = "";
		int fm = 0, tm = 0;
		assert_int_equal(report_period_parse(cases[i].period, cases[i].from, cases[i].to, &p, &e), 0);
		bool ok = report_period_key(&p, key, &fm, &tm);
		assert_int_equal(ok, cases[i].key != NULL);
		if (!ok)
			continue;
		assert_string_equal(key, cases[i].key);
		assert_int_equal(fm, cases[i].from_m);
		assert_int_equal(tm, cases[i].to_m);
	}
}

/* The periods of a series: labels and bounds, defaults, and refusals. */
static void test_series_periods(void **state)
{
	(void)state;
	struct report_period *p;
	size_t n;
	struct err e;
	assert_int_equal(report_series_periods("month", "2024-11-15", "2025-02-01", 0, &p, &n, &e), 0);
	assert_int_equal(n, 4);
	assert_string_equal(p[0].label, "2024-11");
	assert_string_equal(p[3].label, "2025-02");
	assert_int_equal(p[2].from, JAN1);
	assert_int_equal(p[2].to, FEB1);
	free(p);
	assert_int_equal(report_series_periods("quarter", "2025-02-10", "2025-12-31", 0, &p, &n, &e), 0);
	assert_int_equal(n, 4);
	assert_string_equal(p[0].label, "2025-Q1");
	assert_int_equal(p[0].to, APR1);
	free(p);
	/* No dates: the last four semesters up to the one containing now (2025-05-01). */
	assert_int_equal(report_series_periods("semester", NULL, NULL, 1746057600, &p, &n, &e), 0);
	assert_int_equal(n, 4);
	assert_string_equal(p[0].label, "2023-S2");
	assert_string_equal(p[3].label, "2025-S1");
	free(p);
	assert_int_equal(report_series_periods("month", NULL, NULL, 1746057600, &p, &n, &e), 0);
	assert_int_equal(n, 12);
	assert_string_equal(p[0].label, "2024-06");
	assert_string_equal(p[11].label, "2025-05");
	free(p);
	assert_int_equal(report_series_periods("week", NULL, NULL, 0, &p, &n, &e), -1);
	assert_non_null(strstr(e.msg, "unknown series 'week'"));
	assert_int_equal(report_series_periods("month", "2025-03-01", "2025-01-01", 0, &p, &n, &e), -1);
	assert_non_null(strstr(e.msg, "ends"));
	assert_int_equal(report_series_periods("month", "2000-01-01", "2025-01-01", 0, &p, &n, &e), -1);
	assert_non_null(strstr(e.msg, "at most 240"));
}

/*
 * The aggregates against the rows: equal for the fixture, for every period key and unit; a figure made
 * wrong is found; events (a move, a revocation, a deletion) keep them equal.
 */
static void test_verify(void **state)
{
	struct db *db = *state;
	struct report_query q = {.scope_id = -1};
	struct buf out = BUF_INIT;
	struct err e;
	int64_t n = -1;
	int reports = 0;
	int64_t rows = 0;
	assert_int_equal(report_verify_rows(db, &out, &n, &rows, &e), 0);
	assert_int_equal(n, 0);
	assert_true(rows > 20);
	assert_int_equal(report_verify_all(db, &q, true, &out, &n, &reports, &e), 0);
	assert_int_equal(n, 0);
	assert_true(reports >= 5);
	/* Every aggregate row is checked: a wrong one is named, a missing one too. */
	assert_int_equal(
	    db_exec(db,
		    "UPDATE report_agg SET gain_n = gain_n + 2 WHERE pkey = 'M202502' AND course_id = 'a' "
		    "AND sex = 'female' AND org_id = (SELECT org_id FROM report_agg WHERE pkey = 'M202502' "
		    "AND course_id = 'a' AND sex = 'female' ORDER BY org_id LIMIT 1)",
		    &e),
	    0);
	assert_int_equal(db_changes(db), 1);
	assert_int_equal(report_verify_rows(db, &out, &n, &rows, &e), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(buf_str(&out), "aggregate row M202502, org "));
	assert_non_null(strstr(buf_str(&out), "course a, sex female, language km: gain_n is "));
	assert_int_equal(db_exec(db, "DELETE FROM report_agg_all WHERE pkey = 'A' AND sex = 'female'", &e), 0);
	assert_true(db_changes(db) > 0);
	buf_reset(&out);
	assert_int_equal(report_verify_rows(db, &out, &n, &rows, &e), 0);
	assert_true(n > 2);
	assert_non_null(
	    strstr(buf_str(&out), "course (all), sex female, language km: enrolled is missing from the aggregates"));
	assert_int_equal(report_agg_rebuild(db, &e), 0);
	assert_int_equal(report_verify_rows(db, &out, &n, &rows, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(db_exec(db,
				 "UPDATE report_agg SET certified = certified + 1 WHERE pkey = 'Q2025-1' AND "
				 "course_id = 'a' AND sex = 'female'",
				 &e),
			 0);
	q.org = "05";
	assert_int_equal(report_period_parse("2025-Q1", NULL, NULL, &q.period, &e), 0);
	assert_int_equal(report_verify(db, &q, &out, &n, &e), 0);
	assert_true(n > 0);
	assert_non_null(strstr(buf_str(&out), "course a, sex female: certified is 2 in the aggregates, 1 in the rows"));
	assert_int_equal(db_exec(db,
				 "UPDATE report_agg SET certified = certified - 1 WHERE pkey = 'Q2025-1' AND "
				 "course_id = 'a' AND sex = 'female'",
				 &e),
			 0);
	assert_int_equal(db_exec(db,
				 "UPDATE users SET org_id = (SELECT id FROM org_units WHERE code = 'D2') WHERE id = 1;"
				 "UPDATE certificates SET revoked_at = 1738400000 WHERE id = 1;"
				 "DELETE FROM enrolments WHERE user_id = 3 AND course_id = 'a';"
				 "UPDATE users SET sex = 'male' WHERE id = 4;",
				 &e),
			 0);
	q.org = NULL;
	assert_int_equal(report_verify_all(db, &q, true, &out, &n, &reports, &e), 0);
	assert_int_equal(n, 0);
	/* And the figures moved: user 1 is in D2 now, no longer certified. */
	struct report r;
	run_q1(db, "05", NULL, -1, &r);
	expect(&r, 1, REPORT_ALL, SEX_FEMALE, 1, 1, 1, 0);
	expect(&r, 0, REPORT_ALL, SEX_FEMALE, 0, 0, 0, 0);
	report_free(&r);
	buf_release(&out);
}

/*
 * The learners' language: learner 3 (other, D1; a enrolled, b completed and certified in Q1) reads in English.
 * The English report is theirs alone, the Khmer one the rest, the same from the aggregates (Q1) and the rows
 * (a range of dates), and both add up to the whole; a change of language moves the figures.
 */
static void test_language(void **state)
{
	struct db *db = *state;
	struct err e;
	assert_int_equal(db_exec(db, "UPDATE users SET lang = 'en' WHERE id = 3", &e), 0);
	struct report all, rs[REPORT_LANGUAGES], range;
	run_q1(db, "05", NULL, -1, &all);
	struct report_query q = {.scope_id = -1, .org = "05"};
	assert_int_equal(report_period_parse("2025-Q1", NULL, NULL, &q.period, &e), 0);
	assert_int_equal(report_run_languages(db, &q, rs, &e), 0);
	assert_string_equal(report_language_name(1), "en");
	assert_string_equal(rs[1].language, "en");
	expect(&rs[1], REPORT_ALL, REPORT_ALL, REPORT_ALL, 1, 1, 1, 1);
	expect(&rs[1], REPORT_ALL, REPORT_ALL, SEX_OTHER, 1, 1, 1, 1);
	expect(&rs[1], REPORT_ALL, REPORT_ALL, SEX_FEMALE, 0, 0, 0, 0);
	expect(&rs[0], REPORT_ALL, REPORT_ALL, REPORT_ALL, 2, 2, 1, 1);
	for (int o = -1; o <= (int)all.nchildren; o++)
		for (int c = -1; c < (int)all.ncourses; c++)
			for (int x = -1; x < SEX_COUNT; x++) {
				const struct report_figures *a = report_cell(&all, o, c, x),
							    *k = report_cell(&rs[0], o, c, x),
							    *n = report_cell(&rs[1], o, c, x);
				assert_int_equal(a->enrolled, k->enrolled + n->enrolled);
				assert_int_equal(a->completed, k->completed + n->completed);
				assert_int_equal(a->certified, k->certified + n->certified);
				assert_true(a->score_sum == k->score_sum + n->score_sum);
			}
	q.language = "en";
	assert_int_equal(report_period_parse(NULL, "2025-01-01", "2025-03-31", &q.period, &e), 0);
	assert_int_equal(report_run(db, &q, &range, &e), 0);
	expect(&range, REPORT_ALL, REPORT_ALL, REPORT_ALL, 1, 1, 1, 1);
	report_free(&range);
	q.language = "fr";
	assert_int_equal(report_run(db, &q, &range, &e), -1);
	assert_non_null(strstr(e.msg, "'fr'"));
	report_free(&range);
	for (int i = 0; i < REPORT_LANGUAGES; i++)
		report_free(&rs[i]);
	report_free(&all);
	/* Back to Khmer: the English figures are empty, and the aggregates still match the rows. */
	assert_int_equal(db_exec(db, "UPDATE users SET lang = 'km' WHERE id = 3", &e), 0);
	q.language = NULL;
	assert_int_equal(report_period_parse("2025-Q1", NULL, NULL, &q.period, &e), 0);
	assert_int_equal(report_run_languages(db, &q, rs, &e), 0);
	expect(&rs[1], REPORT_ALL, REPORT_ALL, REPORT_ALL, 0, 0, 0, 0);
	expect(&rs[0], REPORT_ALL, REPORT_ALL, REPORT_ALL, 3, 3, 2, 2);
	for (int i = 0; i < REPORT_LANGUAGES; i++)
		report_free(&rs[i]);
	struct buf out = BUF_INIT;
	int64_t n = -1, rows = 0;
	assert_int_equal(report_verify_rows(db, &out, &n, &rows, &e), 0);
	assert_int_equal(n, 0);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_periods),
	    cmocka_unit_test(test_groupings),
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test_setup_teardown(test_figures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
	    cmocka_unit_test(test_small_group_rule),
	    cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_views_flatten, setup, teardown),
	    cmocka_unit_test(test_period_keys),
	    cmocka_unit_test(test_series_periods),
	    cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_language, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
