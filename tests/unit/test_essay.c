/*
 * Essays graded by trainers, through the attempt state machine (assessment/attempt.h) on a real
 * database: a submission with an essay is scored on its automatic part but not final; grading makes
 * it final (pass or fail at the pass mark, the enrolment's best final score, completion); a corrected
 * grade replaces the last one. And the Markdown "[essay N]" syntax.
 */
/* cmocka needs these first, in this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "assessment/attempt.h"
#include "assessment/attempt_private.h"
#include "lib/db.h"

/* A final quiz, pass mark 75: one choice question (option 1 right) and one essay out of 10 points. */
static const char quiz_md[] = "---\npass_mark: 75\n---\n\n"
			      "## Which is the capital?\n- [ ] Battambang\n- [x] Phnom Penh\n\n"
			      "## Describe the One Window Service Unit.\n\n[essay 10]\n";

static int setup(void **state)
{
	struct err e = {""};
	struct db *db = db_open(":memory:", &e);
	assert_non_null(db);
	assert_int_equal(orgs_seed(db, &e), 0);
	struct db_stmt *st = db_stmt(db, "INSERT INTO blobs(sha256, size, data) VALUES ('q1', ?, ?)");
	db_bind_int64(st, 1, (int64_t)strlen(quiz_md));
	db_bind_text(st, 2, quiz_md);
	assert_int_equal(db_step_done(st), 0);
	db_finish(st);
	assert_int_equal(
	    db_exec(db,
		    "INSERT INTO users(username, password_hash, full_name, org_id, created_at) VALUES "
		    "('sokha', 'x', 'Srey Sokha', 1, 0), ('dara', 'x', 'Trainer Dara', 1, 0);"
		    "INSERT INTO courses(id, created_at) VALUES ('c', 0);"
		    "INSERT INTO packages(id, course_id, language, version, version_num, title, certificate, "
		    "completion, imported_at, active) VALUES (1, 'c', 'en', '1', 1, 'C', 0, 'quizzes', 0, 1);"
		    "INSERT INTO items(package_id, position, type, path, title, quiz_kind) VALUES "
		    "(1, 1, 'quiz', 'final.md', 'Final', 'final');"
		    "INSERT INTO package_files(package_id, path, sha256, mime) VALUES (1, 'final.md', 'q1', "
		    "'text/markdown');",
		    &e),
	    0);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	attempt_cache_release();
	db_close(*state);
	return 0;
}

struct kv {
	const char *k[4], *v[4];
};

static const char *kv_get(void *ctx, const char *key)
{
	const struct kv *m = ctx;
	for (int i = 0; i < 4 && m->k[i]; i++)
		if (strcmp(m->k[i], key) == 0)
			return m->v[i];
	return NULL;
}

static double best_final(struct db *db)
{
	struct db_stmt *st = db_stmt(db, "SELECT coalesce(best_final, -1) FROM enrolments WHERE user_id = 1 AND "
					 "course_id = 'c'");
	double v = db_step_row(st) > 0 ? db_col_double(st, 0) : -2;
	db_finish(st);
	return v;
}

static int64_t completed_at(struct db *db)
{
	return db_int(db, "SELECT coalesce(completed_at, 0) FROM enrolments WHERE user_id = 1 AND course_id = 'c'",
		      NULL, NULL, -1);
}

/* Starts and submits an attempt of user 1 with answers m; a is loaded and submitted. */
static void submit(struct db *db, const struct kv *m, struct attempt *a)
{
	struct err e = {""};
	int64_t aid;
	if (attempt_start(db, 1, "c", "final.md", "en", &aid, &e) < 0)
		fail_msg("attempt_start: %s", e.msg);
	if (attempt_load(db, aid, 1, a, &e) < 0)
		fail_msg("attempt_load: %s", e.msg);
	assert_int_equal(a->nitems, 2);
	if (attempt_submit(db, a, kv_get, (void *)m, &e) < 0)
		fail_msg("attempt_submit: %s", e.msg);
}

static void test_pending_then_final(void **state)
{
	struct db *db = *state;
	struct err e = {""};
	struct attempt a;
	const char *essay = "It is one office\nwhere citizens <b>get</b> many services.";
	struct kv m = {{"q0", "q1"}, {"1", essay}};
	submit(db, &m, &a);
	/* Scored on its automatic part at once, but not final: not passed, no final score, no completion. */
	assert_int_equal(a.pending, 1);
	assert_true(a.score == 50);
	assert_false(a.passed);
	assert_true(best_final(db) == -1);
	assert_int_equal(completed_at(db), 0);
	int64_t aid = a.id;
	attempt_release(&a);
	/* Stored as written, and still pending when read back. */
	assert_int_equal(attempt_load(db, aid, 1, &a, &e), 0);
	assert_string_equal(a.answers[1].text, essay);
	assert_int_equal(a.pending, 1);
	assert_false(a.grades[1].graded);
	/* The queue lists it. */
	struct grading_entry *v;
	int n;
	assert_int_equal(attempt_grading_queue(db, "c", true, &v, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].attempt_id, aid);
	assert_int_equal(v[0].pending, 1);
	grading_entries_free(v, n);

	/* Bad grades change nothing. */
	assert_int_equal(attempt_grade_essay(db, &a, 1, 10.5, "", 2, NULL, NULL, NULL, &e), ATTEMPT_EBADANSWER);
	assert_string_equal(e.msg, "the points must be a number from 0 to 10");
	assert_int_equal(attempt_grade_essay(db, &a, 1, -1, "", 2, NULL, NULL, NULL, &e), ATTEMPT_EBADANSWER);
	assert_int_equal(attempt_grade_essay(db, &a, 0, 1, "", 2, NULL, NULL, NULL, &e), ATTEMPT_EBADANSWER);
	assert_string_equal(e.msg, "question 1 of this attempt is not an essay");
	assert_int_equal(db_int(db, "SELECT pending FROM attempts WHERE id = 1", NULL, NULL, -1), 1);

	/* Graded 4 of 10: final at (1 + 0.4) / 2 = 70%, below the pass mark of 75. */
	struct essay_grade prev;
	bool done = true;
	assert_int_equal(attempt_grade_essay(db, &a, 1, 4, "Name the services.", 2, NULL, &prev, &done, &e), 0);
	assert_false(prev.graded);
	free(prev.comment);
	assert_false(done);
	assert_int_equal(a.pending, 0);
	assert_true(a.score == 70);
	assert_false(a.passed);
	assert_true(best_final(db) == 70);
	assert_int_equal(completed_at(db), 0);
	assert_int_equal(attempt_grading_queue(db, "c", false, &v, &n, &e), 0);
	assert_int_equal(n, 0); /* nothing awaits a grade now */
	grading_entries_free(v, n);

	/* Corrected to 5: exactly the pass mark (75%) passes and completes the course, in the same write. */
	assert_int_equal(attempt_grade_essay(db, &a, 1, 5, "Good.", 2, NULL, &prev, &done, &e), 0);
	assert_true(prev.graded);
	assert_true(prev.points == 4);
	assert_string_equal(prev.comment, "Name the services.");
	free(prev.comment);
	assert_true(done);
	assert_true(a.score == 75);
	assert_true(a.passed);
	assert_true(best_final(db) == 75);
	assert_true(completed_at(db) > 0);

	/* Corrected down to 4.9: the last grade counts, and the best final score follows it. */
	assert_int_equal(attempt_grade_essay(db, &a, 1, 4.9, "Good, but name them.", 2, NULL, NULL, &done, &e), 0);
	assert_false(done);
	attempt_release(&a);
	assert_int_equal(attempt_load(db, aid, 1, &a, &e), 0);
	assert_true(a.score == 74.5);
	assert_false(a.passed);
	assert_int_equal(a.pending, 0);
	assert_true(a.grades[1].graded);
	assert_true(a.grades[1].points == 4.9);
	assert_string_equal(a.grades[1].comment, "Good, but name them.");
	assert_int_equal(a.grades[1].graded_by, 2);
	assert_true(best_final(db) == 74.5);
	/* Item analysis counts the graded essay (not full marks: not right). */
	struct quiz q;
	struct item_stat *s;
	assert_int_equal(attempt_item_analysis(db, "c", "final.md", "en", &q, &s, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(s[1].n, 1);
	assert_int_equal(s[1].right, 0);
	assert_null(s[1].wrong[0]); /* a learner's essay is never listed as a wrong answer */
	item_stats_free(s, n);
	quiz_free(&q);
	attempt_release(&a);
}

static void test_blank_essay_is_final(void **state)
{
	struct db *db = *state;
	struct err e = {""};
	struct attempt a;
	struct kv m = {{"q0", "q1"}, {"1", "  \n "}};
	submit(db, &m, &a);
	/* A blank essay scores 0 and awaits nothing: final at once (50% fails). */
	assert_int_equal(a.pending, 0);
	assert_true(a.score == 50);
	assert_false(a.passed);
	assert_true(best_final(db) == 50);
	assert_int_equal(attempt_grade_essay(db, &a, 1, 3, "", 2, NULL, NULL, NULL, &e), ATTEMPT_EBADANSWER);
	attempt_release(&a);
}

static void test_essay_too_long(void **state)
{
	struct db *db = *state;
	struct err e = {""};
	int64_t aid;
	assert_int_equal(attempt_start(db, 1, "c", "final.md", "en", &aid, &e), 0);
	struct attempt a;
	assert_int_equal(attempt_load(db, aid, 1, &a, &e), 0);
	char *big = malloc(ATTEMPT_ESSAY_MAX + 2);
	memset(big, 'a', ATTEMPT_ESSAY_MAX + 1);
	big[ATTEMPT_ESSAY_MAX + 1] = '\0';
	struct kv m = {{"q1"}, {big}};
	assert_int_equal(attempt_save(db, &a, kv_get, &m, &e), ATTEMPT_ETOOLONG);
	assert_string_equal(e.msg, "the answer to question 2 is too long (60001 bytes; at most 60000)");
	big[ATTEMPT_ESSAY_MAX] = '\0';
	assert_int_equal(attempt_save(db, &a, kv_get, &m, &e), 0);
	free(big);
	attempt_release(&a);
	/* Kept across a lost connection: the saved answer is read back. */
	assert_int_equal(attempt_load(db, aid, 1, &a, &e), 0);
	assert_int_equal(strlen(a.answers[1].text), ATTEMPT_ESSAY_MAX);
	attempt_release(&a);
}

/* "[essay]" and "[essay N]" in Markdown; bad points are a problem with the line. */
static void test_markdown_essay(void **state)
{
	(void)state;
	static const struct {
		const char *src;
		int problems;
		double points;
	} cases[] = {
	    {"## Explain.\n\n[essay]\n", 0, 1},	       {"## Explain.\n\n[essay 25]\n\n> Mention the law.\n", 0, 25},
	    {"## Explain.\n\n[essay 0]\n", 1, 0},      {"## Explain.\n\n[essay ten]\n", 1, 0},
	    {"## Explain.\n= yes\n\n[essay]\n", 1, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct problems pr = {0};
		struct quiz q;
		int rc = quiz_parse("e.md", cases[i].src, strlen(cases[i].src), &q, &pr);
		if (rc != cases[i].problems)
			fail_msg("case %zu: %d problems: %s", i, rc, problems_text(&pr));
		if (!rc) {
			assert_int_equal(q.nquestions, 1);
			assert_int_equal(q.questions[0].type, Q_ESSAY);
			assert_true(q.questions[0].points == cases[i].points);
		}
		quiz_free(&q);
		problems_release(&pr);
	}
}

/* A Moodle XML essay is marked out of its <defaultgrade>; a missing or bad one gives 1 point. */
static void test_moodle_xml_points(void **state)
{
	(void)state;
	static const struct {
		const char *grade;
		double points;
	} cases[] = {{"<defaultgrade>5.0000000</defaultgrade>", 5},
		     {"<defaultgrade>abc</defaultgrade>", 1},
		     {"<defaultgrade>0</defaultgrade>", 1},
		     {"", 1}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char src[512];
		snprintf(src, sizeof src,
			 "<?xml version=\"1.0\"?><quiz><question type=\"essay\"><name><text>E</text></name>"
			 "<questiontext format=\"html\"><text>Explain.</text></questiontext>%s</question></quiz>",
			 cases[i].grade);
		struct problems pr = {0};
		struct quiz q;
		if (quiz_parse("e.xml", src, strlen(src), &q, &pr))
			fail_msg("case %zu: %s", i, problems_text(&pr));
		assert_int_equal(q.nquestions, 1);
		assert_int_equal(q.questions[0].type, Q_ESSAY);
		assert_true(q.questions[0].points == cases[i].points);
		quiz_free(&q);
		problems_release(&pr);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pending_then_final, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_blank_essay_is_final, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_essay_too_long, setup, teardown),
	    cmocka_unit_test(test_markdown_essay),
	    cmocka_unit_test(test_moodle_xml_points),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
