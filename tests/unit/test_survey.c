/*
 * Unit tests for completion rules with attendance (course.yml, assessment/completion.c,
 * training/completion.h) and reaction surveys (training/survey.h): the file formats as tables of
 * inputs and expected problems, then, on SQLite (in memory) and PostgreSQL 15 (tests/pg/cluster.sh or
 * $SALA_TEST_PG), completion by attendance, surveys answered once and results hidden below 5.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "courses/enrol.h"
#include "courses/import.h"
#include "courses/package.h"
#include "lib/buf.h"
#include "lib/db.h"
#include "lib/diag.h"
#include "pg_cluster.h"
#include "training/attendance.h"
#include "training/completion.h"
#include "training/survey.h"
#include "training/workshops.h"

#define T0 1893456000 /* 2030-01-01 00:00 UTC */
#define HOUR 3600
#define DAY 86400

/* ---- course.yml rules ---- */

static const struct {
	const char *yml; /* after the id, version, language and title lines */
	const char *problems;
	bool attendance, online, quizzes;
	int days;
} rule_cases[] = {
    {"completion: attendance\n", "", true, false, false, 0},
    {"completion: attendance\nattendance_days: 3\nlessons: []\n", "", true, false, false, 3},
    {"completion: all+attendance\nlessons:\n  - file: a.md\n", "", true, true, false, 0},
    {"completion: [quizzes, attendance]\nattendance_days: 2\nlessons:\n  - file: a.md\n", "", true, true, true, 2},
    {"completion: quizzes\nlessons:\n  - file: a.md\n", "", false, true, true, 0},
    {"completion: all\nlessons: []\n", "course.yml:6: 'lessons' lists no lesson or quiz\n", false, true, false, 0},
    {"completion: all\n", "course.yml:1: missing required key 'lessons'\n", false, true, false, 0},
    {"completion: attendence\n",
     "course.yml:5: completion 'attendence' must be all, quizzes, attendance, all+attendance or quizzes+attendance "
     "(or a list such as [quizzes, attendance])\ncourse.yml:1: missing required key 'lessons'\n",
     false, true, false, 0},
    {"completion: all+quizzes+attendance\n",
     "course.yml:5: completion 'all+quizzes+attendance' must be all, quizzes, attendance, all+attendance or "
     "quizzes+attendance (or a list such as [quizzes, attendance])\ncourse.yml:1: missing required key 'lessons'\n",
     true, false, false, 0},
    {"completion: attendance\nattendance_days: 0\n",
     "course.yml:6: attendance_days '0' must be a whole number of days from 1 to 100\n", true, false, false, 0},
    {"attendance_days: 2\nlessons:\n  - file: a.md\n",
     "course.yml:5: attendance_days needs attendance in completion (e.g. completion: attendance)\n", false, true, false,
     2},
    {"completion: attendance\nsurvey: /etc/passwd\n",
     "course.yml:6: survey '/etc/passwd' must be the path of a .md file inside the package\n", true, false, false, 0},
};

static void test_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rule_cases / sizeof rule_cases[0]; i++) {
		char yml[512];
		snprintf(yml, sizeof yml, "id: tt\nversion: 1.0.0\nlanguage: en\ntitle: T\n%s", rule_cases[i].yml);
		struct pkg_info info;
		struct problems pr = {0};
		pkg_manifest_parse(yml, strlen(yml), &info, &pr);
		if (strcmp(problems_text(&pr), rule_cases[i].problems) != 0)
			fail_msg("case %zu: got\n%s\nwanted\n%s", i, problems_text(&pr), rule_cases[i].problems);
		if (!*rule_cases[i].problems) {
			assert_int_equal(info.completion_attendance, rule_cases[i].attendance);
			assert_int_equal(info.completion_online, rule_cases[i].online);
			assert_int_equal(info.completion_quizzes, rule_cases[i].quizzes);
			assert_int_equal(info.attendance_days, rule_cases[i].days);
		}
		problems_release(&pr);
		pkg_info_free(&info);
	}
}

/* ---- survey files ---- */

static const struct {
	const char *md;
	int nitems;
	const char *title, *last, *problems;
} survey_cases[] = {
    {"# Title\n\n- One.\n- Two *stressed* `code`.\n", 2, "Title", "Two stressed code.", ""},
    {"1. First\n2. Second\n   continued\n", 2, NULL, "Second continued", ""},
    {"", 0, NULL, NULL, "s.md:1: no statements: list them as '- The content was useful.'\n"},
    {"# T\n\nSome intro.\n\n- One\n", 1, "T", "One",
     "s.md:3: a survey is an optional '# ' title and one list of statements ('- ...'), nothing else\n"},
    {"- One\n\n  more\n- Two\n", 1, NULL, "Two",
     "s.md:1: each statement must be one line of text ('- The content was useful.')\n"},
    {"- A\n\n## Sub\n", 1, NULL, "A",
     "s.md:3: a survey is an optional '# ' title and one list of statements ('- ...'), nothing else\n"},
};

static void test_survey_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof survey_cases / sizeof survey_cases[0]; i++) {
		struct survey_def d;
		struct problems pr = {0};
		survey_parse("s.md", survey_cases[i].md, strlen(survey_cases[i].md), &d, &pr);
		if (strcmp(problems_text(&pr), survey_cases[i].problems) != 0)
			fail_msg("case %zu: got\n%s\nwanted\n%s", i, problems_text(&pr), survey_cases[i].problems);
		assert_int_equal(d.nitems, survey_cases[i].nitems);
		if (survey_cases[i].title)
			assert_string_equal(d.title, survey_cases[i].title);
		else
			assert_null(d.title);
		if (survey_cases[i].last)
			assert_string_equal(d.items[d.nitems - 1], survey_cases[i].last);
		survey_def_free(&d);
		problems_release(&pr);
	}
	/* 21 statements: one too many. */
	struct buf b = BUF_INIT;
	for (int i = 0; i < SURVEY_MAX_ITEMS + 1; i++)
		buf_printf(&b, "- Statement %d\n", i + 1);
	struct survey_def d;
	struct problems pr = {0};
	assert_int_equal(survey_parse("s.md", b.data, b.len, &d, &pr), 1);
	assert_string_equal(problems_text(&pr), "s.md:21: more than 20 statements\n");
	survey_def_free(&d);
	problems_release(&pr);
	buf_release(&b);
	/* The built-in survey has the same number of statements in both languages. */
	struct survey_def en, km;
	survey_default("en", &en);
	survey_default("km", &km);
	assert_int_equal(en.nitems, 5);
	assert_int_equal(km.nitems, en.nitems);
	assert_string_not_equal(en.items[0], km.items[0]);
	survey_def_free(&en);
	survey_def_free(&km);
}

/* ---- on a database ---- */

static struct db *db;
static char hash[crypto_pwhash_STRBYTES];
static int seq;

/* Imports a test package with `certificate: false` added (issuing is certificates/'s test, with a key). */
static int import_nocert(const char *dir)
{
	struct pkg_limits lim;
	pkg_limits_default(&lim);
	struct package p;
	struct err e;
	char msg[256];
	if (pkg_load_dir(dir, &lim, &p, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	for (size_t i = 0; i < p.nfiles; i++) {
		if (strcmp(p.files[i].path, "course.yml") != 0)
			continue;
		const char *add = "certificate: false\n";
		p.files[i].data = realloc(p.files[i].data, p.files[i].len + strlen(add));
		memcpy(p.files[i].data + p.files[i].len, add, strlen(add));
		p.files[i].len += strlen(add);
	}
	struct problems pr = {0};
	struct import_opts o = {.by = "test"};
	int rc = package_import(db, &p, &o, &pr, msg, sizeof msg, &e);
	if (rc < 0)
		fprintf(stderr, "%s\n%s\n", e.msg, problems_text(&pr));
	problems_release(&pr);
	pkg_free(&p);
	return rc < 0 ? -1 : 0;
}

static int open_any(const char *where)
{
	struct err e;
	db = db_open(where, &e);
	if (!db || orgs_seed(db, &e) < 0 || org_add(db, "1201", "Dangkor", "ដង្កោ", "12", "district", &e) < 0) {
		fprintf(stderr, "%s\n", db ? e.msg : "cannot open");
		return -1;
	}
	if (import_nocert("../data/blended/ws-only") < 0 || import_nocert("../data/blended/blended") < 0)
		return -1;
	return password_hash("correct-horse-battery", hash, &e);
}

static int open_sqlite(void **state)
{
	(void)state;
	return open_any(":memory:");
}

static int open_pg(void **state)
{
	(void)state;
	if (pg_cluster_start() < 0)
		return -1;
	return open_any(pg_uri);
}

static int close_db(void **state)
{
	(void)state;
	db_close(db);
	db = NULL;
	pg_cluster_stop();
	return 0;
}

static int64_t person(const char *sex)
{
	char username[32];
	snprintf(username, sizeof username, "s%d", ++seq);
	struct user_input u = {.username = username,
			       .full_name = username,
			       .sex = sex,
			       .org_code = "1201",
			       .password_hash = hash,
			       .roles = "learner"};
	struct err e;
	int64_t id = user_add(db, &u, &e);
	if (id <= 0)
		fail_msg("user_add %s: %s", username, e.msg);
	return id;
}

/* A workshop of course (NULL: none) with ndays days from T0, capacity 100; its id. */
static int64_t workshop(const char *course, int ndays)
{
	struct workshop_day days[3];
	for (int i = 0; i < ndays; i++)
		days[i] = (struct workshop_day){i + 1, T0 + i * DAY + 8 * HOUR, T0 + i * DAY + 16 * HOUR};
	struct workshop_new w = {.title = "Workshop",
				 .course_id = course,
				 .language = "en",
				 .org_id = org_id(db, "12"),
				 .capacity = 100,
				 .days = days,
				 .ndays = ndays};
	struct err e;
	int64_t id = 0;
	if (workshop_create(db, &w, T0 - 30 * DAY, &id, &e) != 0)
		fail_msg("workshop_create: %s", e.msg);
	return id;
}

static void present(int64_t w, int64_t who, int day)
{
	struct err e;
	if (attendance_mark(db, w, who, day, ATT_PRESENT, ATT_BY_TRAINER, 0, T0 + day * DAY, &e) != 0)
		fail_msg("attendance_mark: %s", e.msg);
}

static void test_completion_by_attendance(void **state)
{
	(void)state;
	struct err e;
	int64_t w = workshop("ws-only", 2), other = workshop("ws-only", 1);
	int64_t a = person("female"), b = person("male");
	assert_int_equal(workshop_invite(db, w, a, T0 - DAY, NULL, &e), 0);
	assert_int_equal(workshop_invite(db, w, b, T0 - DAY, NULL, &e), 0);
	assert_int_equal(workshop_invite(db, other, b, T0 - DAY, NULL, &e), 0);
	/* Every day of one workshop: one day of two is not enough... */
	present(w, a, 1);
	assert_int_equal(enrolment_completed(db, a, "ws-only", &e), 0);
	struct f2f_state st;
	assert_int_equal(f2f_course_state(db, a, "ws-only", &st, &e), 0);
	assert_true(st.required);
	assert_int_equal(st.p.days_present, 1);
	assert_int_equal(st.p.days_required, 2);
	assert_false(st.p.met);
	/* ...an absence changes nothing, the second day completes it. */
	assert_int_equal(attendance_mark(db, w, a, 2, ATT_ABSENT, ATT_BY_SHEET, 0, T0 + DAY, &e), 0);
	assert_int_equal(enrolment_completed(db, a, "ws-only", &e), 0);
	present(w, a, 2);
	assert_int_equal(enrolment_completed(db, a, "ws-only", &e), 1);
	/* One day at the second workshop (which has one day) is every day of it. */
	present(w, b, 1);
	assert_int_equal(enrolment_completed(db, b, "ws-only", &e), 0);
	present(other, b, 1);
	assert_int_equal(enrolment_completed(db, b, "ws-only", &e), 1);

	/* Blended (quizzes+attendance, 2 days): days at two workshops add up, and the quiz is still needed. */
	int64_t w1 = workshop("blended", 1), w2 = workshop("blended", 1), c = person("female");
	assert_int_equal(workshop_invite(db, w1, c, T0 - DAY, NULL, &e), 0);
	assert_int_equal(workshop_invite(db, w2, c, T0 - DAY, NULL, &e), 0);
	present(w1, c, 1);
	assert_int_equal(f2f_course_state(db, c, "blended", &st, &e), 0);
	assert_int_equal(st.p.days_present, 1);
	assert_int_equal(st.p.days_required, 2);
	present(w2, c, 1);
	assert_int_equal(f2f_course_state(db, c, "blended", &st, &e), 0);
	assert_true(st.p.met);
	assert_int_equal(st.p.sessions, 2);
	assert_int_equal(enrolment_completed(db, c, "blended", &e), 0);
}

struct pending {
	char keys[256];
};

static int see_pending(void *ctx, const struct survey_pending *p)
{
	struct pending *s = ctx;
	char key[80];
	survey_subject_key(&p->subject, key);
	size_t len = strlen(s->keys);
	snprintf(s->keys + len, sizeof s->keys - len, "%s ", key);
	return 0;
}

static void test_survey_once_and_min_group(void **state)
{
	(void)state;
	struct err e;
	int64_t w = workshop(NULL, 1);
	struct survey_subject s = {.kind = SURVEY_WORKSHOP, .workshop_id = w};
	char key[80];
	survey_subject_key(&s, key);
	int64_t people[7];
	const char *sexes[] = {"female", "female", "female", "female", "male", "female", "male"};
	for (int i = 0; i < 7; i++) {
		people[i] = person(sexes[i]);
		assert_int_equal(workshop_invite(db, w, people[i], T0 - DAY, NULL, &e), 0);
	}
	int64_t org = org_id(db, "1201");
	int answers[5] = {5, 4, 0, 2, 1};
	/* Before the session ends, and for someone not marked present: nothing to answer. */
	present(w, people[0], 1);
	assert_int_equal(survey_check(db, &s, people[0], T0 + 12 * HOUR, &e), ERR_NOTFOUND);
	assert_int_equal(survey_check(db, &s, people[1], T0 + 2 * DAY, &e), ERR_NOTFOUND);
	struct pending p = {""};
	assert_int_equal(survey_pending_list(db, people[0], "en", T0 + 2 * DAY, see_pending, &p, &e), 0);
	char want[96];
	snprintf(want, sizeof want, "%s ", key);
	assert_string_equal(p.keys, want);
	/* Bad answers change nothing. */
	int bad[5] = {6, 0, 0, 0, 0}, none[5] = {0};
	assert_int_equal(survey_submit(db, &s, people[0], "female", org, bad, 5, "", T0 + 2 * DAY, &e), ERR_INVALID);
	assert_int_equal(survey_submit(db, &s, people[0], "female", org, none, 5, "", T0 + 2 * DAY, &e), ERR_INVALID);
	assert_int_equal(survey_check(db, &s, people[0], T0 + 2 * DAY, &e), 0);
	/* Once per person. */
	assert_int_equal(survey_submit(db, &s, people[0], "female", org, answers, 5, "Good", T0 + 2 * DAY, &e), 0);
	assert_int_equal(survey_submit(db, &s, people[0], "female", org, answers, 5, "Again", T0 + 2 * DAY, &e),
			 ERR_CONFLICT);
	p = (struct pending){""};
	assert_int_equal(survey_pending_list(db, people[0], "en", T0 + 2 * DAY, see_pending, &p, &e), 0);
	assert_string_equal(p.keys, "");
	/* Four respondents: nothing shown. */
	for (int i = 1; i < 4; i++) {
		present(w, people[i], 1);
		answers[0] = i + 1;
		assert_int_equal(survey_submit(db, &s, people[i], sexes[i], org, answers, 5, "", T0 + 2 * DAY, &e), 0);
	}
	struct survey_results r;
	assert_int_equal(survey_results_get(db, &s, NULL, &r, &e), 0);
	assert_int_equal(r.all.n, 4);
	assert_false(r.all.shown);
	assert_int_equal(r.all.item_n[0], 0);
	assert_null(r.comments);
	survey_results_free(&r);
	/* The fifth: the whole group is shown (mean of 5, 2, 3, 4, 5 = 3.8), the women (5) too, the men (1) not. */
	present(w, people[4], 1);
	answers[0] = 5;
	assert_int_equal(survey_submit(db, &s, people[4], "male", org, answers, 5, "", T0 + 2 * DAY, &e), 0);
	assert_int_equal(survey_results_get(db, &s, NULL, &r, &e), 0);
	assert_int_equal(r.all.n, 5);
	assert_true(r.all.shown);
	assert_float_equal(r.all.item_mean[0], 3.8, 1e-9);
	assert_int_equal(r.all.item_n[2], 0); /* skipped by everyone */
	assert_float_equal(r.all.item_mean[4], 1.0, 1e-9);
	assert_int_equal(r.by_sex[0].n, 4);
	assert_false(r.by_sex[0].shown);
	assert_int_equal(r.by_sex[1].n, 1);
	assert_false(r.by_sex[1].shown);
	assert_int_equal((int)r.ncomments, 1);
	assert_string_equal(r.comments[0], "Good");
	survey_results_free(&r);
	/* Five women and one man: the women's figures with the whole's would give the man's, so both hide. */
	present(w, people[5], 1);
	assert_int_equal(survey_submit(db, &s, people[5], "female", org, answers, 5, "", T0 + 2 * DAY, &e), 0);
	assert_int_equal(survey_results_get(db, &s, NULL, &r, &e), 0);
	assert_true(r.all.shown);
	assert_int_equal(r.by_sex[0].n, 5);
	assert_false(r.by_sex[0].shown);
	assert_int_equal(r.by_sex[0].item_n[0], 0);
	assert_false(r.by_sex[1].shown);
	survey_results_free(&r);
	/* Five women only: their group is shown (no one else to give away). */
	int64_t w2 = workshop(NULL, 1);
	struct survey_subject s2 = {.kind = SURVEY_WORKSHOP, .workshop_id = w2};
	for (int i = 0; i < 5; i++) {
		int64_t f = person("female");
		assert_int_equal(workshop_invite(db, w2, f, T0 - DAY, NULL, &e), 0);
		present(w2, f, 1);
		answers[0] = 4;
		assert_int_equal(survey_submit(db, &s2, f, "female", org, answers, 5, "", T0 + 2 * DAY, &e), 0);
	}
	assert_int_equal(survey_results_get(db, &s2, NULL, &r, &e), 0);
	assert_true(r.by_sex[0].shown);
	assert_float_equal(r.by_sex[0].item_mean[0], 4.0, 1e-9);
	assert_int_equal(r.by_sex[1].n, 0);
	assert_false(r.by_sex[1].shown);
	survey_results_free(&r);
	/* Another subtree sees no respondent. */
	assert_int_equal(survey_results_get(db, &s, "/999/", &r, &e), 0);
	assert_int_equal(r.all.n, 0);
	survey_results_free(&r);
	/* The answers carry no user: only the subject, sex, unit, day, answers, score and comment. */
	struct db_stmt *st = db_prepare(db, "SELECT * FROM survey_responses WHERE subject = ? ORDER BY id");
	db_bind_text(st, 1, key);
	assert_int_equal(db_step(st), DB_ROW);
	/* id subject sex org_id submitted_at answers score comment: eight columns, none of them a user. */
	assert_int_equal(db_col_count(st), 8);
	assert_string_equal(db_col_text(st, 1), key);
	assert_string_equal(db_col_text(st, 2), "female");
	assert_string_equal(db_col_text(st, 5), "[5,4,null,2,1]");
	assert_int_equal(db_col_int64(st, 4) % DAY, 0);
	db_finalize(st);
}

#define SURVEY_DB_TESTS                                                                                                \
	cmocka_unit_test(test_completion_by_attendance), cmocka_unit_test(test_survey_once_and_min_group)

int main(void)
{
	const struct CMUnitTest pure[] = {cmocka_unit_test(test_rules), cmocka_unit_test(test_survey_parse)};
	const struct CMUnitTest tests[] = {SURVEY_DB_TESTS};
	int failed = cmocka_run_group_tests_name("formats", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("sqlite", tests, open_sqlite, close_db);
	failed += cmocka_run_group_tests_name("postgresql", tests, open_pg, close_db);
	return failed;
}
