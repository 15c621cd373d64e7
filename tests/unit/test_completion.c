/*
 * Course completion (assessment/completion.h) over courses/enrol.h: lessons opened and final quizzes
 * passed in an active package, `completion: quizzes`, inactive packages ignored, recorded once.
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
#include <string.h>

#include "accounts/orgs.h"
#include "assessment/completion.h"
#include "lib/db.h"

static int setup(void **state)
{
	struct err e = {""};
	struct db *db = db_open(":memory:", &e);
	assert_non_null(db);
	assert_int_equal(orgs_seed(db, &e), 0);
	/* Courses without certificates (issuing one is certificates/'s test). Package ids: c en 1, c km 2
	 * (inactive), q 3, n 4, e 5. */
	assert_int_equal(
	    db_exec(
		db,
		"INSERT INTO users(username, password_hash, full_name, org_id, created_at) VALUES "
		"('sokha', 'x', 'Srey Sokha', 1, 0);"
		"INSERT INTO courses(id, created_at) VALUES ('c', 0), ('q', 0), ('n', 0), ('e', 0);"
		"INSERT INTO packages(id, course_id, language, version, version_num, title, certificate, completion, "
		"imported_at, active) VALUES (1, 'c', 'en', '1', 1, 'C', 0, 'all', 0, 1),"
		"(2, 'c', 'km', '1', 1, 'C', 0, 'all', 0, 0), (3, 'q', 'en', '1', 1, 'Q', 0, 'quizzes', 0, 1),"
		"(4, 'n', 'en', '1', 1, 'N', 0, 'quizzes', 0, 1), (5, 'e', 'en', '1', 1, 'E', 0, 'all', 0, 1);"
		"INSERT INTO items(package_id, position, type, path, title, quiz_kind) VALUES "
		"(1, 1, 'lesson', 'a.md', 'A', ''), (1, 2, 'lesson', 'b.md', 'B', ''),"
		"(1, 3, 'quiz', 'practice.md', 'P', 'practice'), (1, 4, 'quiz', 'final.md', 'F', 'final'),"
		"(2, 1, 'lesson', 'a.md', 'A', ''),"
		"(3, 1, 'lesson', 'a.md', 'A', ''), (3, 2, 'quiz', 'x.md', 'X', 'final'),"
		"(4, 1, 'lesson', 'a.md', 'A', '');",
		&e),
	    0);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

/* completion_update() for user 1 in course; returns whether it recorded the completion now. */
static bool update(struct db *db, const char *course)
{
	struct err e = {""};
	bool now = true;
	if (completion_update(db, 1, course, &now, &e) < 0)
		fail_msg("completion_update('%s'): %s", course, e.msg);
	return now;
}

static int64_t completed_at(struct db *db, const char *course)
{
	return db_int(db, "SELECT completed_at FROM enrolments WHERE user_id = 1 AND course_id = ?", course, NULL, -1);
}

static void run(struct db *db, const char *sql)
{
	struct err e = {""};
	if (db_exec(db, sql, &e) < 0)
		fail_msg("%s: %s", sql, e.msg);
}

static void test_lessons_and_final(void **state)
{
	struct db *db = *state;
	assert_false(update(db, "c"));
	assert_int_equal(completed_at(db, "c"), -1); /* nothing written: not even an enrolment */
	/* Only a.md: the inactive km package (a.md alone) does not count. */
	run(db, "INSERT INTO progress VALUES (1, 'c', 'a.md', 10)");
	assert_false(update(db, "c"));
	run(db, "INSERT INTO progress VALUES (1, 'c', 'b.md', 11)");
	assert_false(update(db, "c"));
	/* A passed practice quiz, a failed final and an unsubmitted "passed" final do not complete. */
	run(db, "INSERT INTO attempts(user_id, course_id, package_id, item_path, kind, seed, layout, started_at, "
		"submitted_at, score, passed) VALUES (1, 'c', 1, 'practice.md', 'practice', 1, '', 12, 13, 100, 1),"
		"(1, 'c', 1, 'final.md', 'final', 1, '', 14, 15, 20, 0),"
		"(1, 'c', 1, 'final.md', 'final', 1, '', 16, NULL, NULL, 1)");
	assert_false(update(db, "c"));
	assert_int_equal(completed_at(db, "c"), -1);
	run(db, "INSERT INTO attempts(user_id, course_id, package_id, item_path, kind, seed, layout, started_at, "
		"submitted_at, score, passed) VALUES (1, 'c', 1, 'final.md', 'final', 1, '', 17, 18, 90, 1)");
	assert_true(update(db, "c"));
	int64_t at = completed_at(db, "c");
	assert_true(at > 0);
	assert_int_equal(db_int(db,
				"SELECT count(*) FROM enrolments WHERE user_id = 1 AND course_id = 'c' AND "
				"source = 'self' AND started_at = completed_at",
				NULL, NULL, -1),
			 1);
	/* Recorded once. */
	assert_false(update(db, "c"));
	assert_int_equal(completed_at(db, "c"), at);
}

static void test_completion_kinds(void **state)
{
	struct db *db = *state;
	/* completion: quizzes: the final alone completes, no lesson opened. */
	assert_false(update(db, "q"));
	run(db, "INSERT INTO attempts(user_id, course_id, package_id, item_path, kind, seed, layout, started_at, "
		"submitted_at, score, passed) VALUES (1, 'q', 3, 'x.md', 'final', 1, '', 1, 2, 100, 1)");
	assert_true(update(db, "q"));
	/* completion: quizzes without a final quiz: the lessons decide. */
	assert_false(update(db, "n"));
	run(db, "INSERT INTO progress VALUES (1, 'n', 'a.md', 10)");
	assert_true(update(db, "n"));
	/* A package with nothing to check completes nothing. */
	assert_false(update(db, "e"));
	assert_int_equal(completed_at(db, "e"), -1);
	/* An already enrolled learner keeps the enrolment's source and date. */
	run(db, "INSERT INTO enrolments(user_id, course_id, source, enrolled_at) VALUES (1, 'c', 'assigned', 5)");
	run(db, "INSERT INTO progress VALUES (1, 'c', 'a.md', 10), (1, 'c', 'b.md', 11)");
	run(db, "INSERT INTO attempts(user_id, course_id, package_id, item_path, kind, seed, layout, started_at, "
		"submitted_at, score, passed) VALUES (1, 'c', 1, 'final.md', 'final', 1, '', 17, 18, 90, 1)");
	assert_true(update(db, "c"));
	assert_int_equal(db_int(db,
				"SELECT enrolled_at FROM enrolments WHERE user_id = 1 AND course_id = 'c' AND "
				"source = 'assigned' AND completed_at IS NOT NULL",
				NULL, NULL, -1),
			 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lessons_and_final, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_completion_kinds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
