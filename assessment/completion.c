/*
 * Course completion. Every active package of the course (one per language)
 * is checked: the learner completes the course when, for one of them, every
 * lesson was opened (progress is keyed by item path, so it survives new
 * versions) and every final quiz was passed in some attempt. With
 * `completion: quizzes` the lessons are not required. A package with nothing
 * to check completes nothing.
 */
#include "assessment/completion.h"

#include <string.h>

#include "certificates/cert.h"
#include "lib/db.h"
#include "lib/util.h"

/* 1 when the package's conditions hold for the user, 0 when not. */
static int package_complete(sqlite3 *db, int64_t package_id, bool quizzes_only, int64_t user_id,
			    const char *course_id)
{
	sqlite3_stmt *st = db_stmt(
		db, "SELECT "
		    " (SELECT count(*) FROM items i WHERE i.package_id = ?1 AND i.type = 'quiz' AND i.quiz_kind = 'final'),"
		    " (SELECT count(*) FROM items i WHERE i.package_id = ?1 AND i.type = 'quiz' AND i.quiz_kind = 'final'"
		    "   AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.user_id = ?2 AND a.course_id = ?3 AND"
		    "   a.item_path = i.path AND a.passed = 1 AND a.submitted_at IS NOT NULL)),"
		    " (SELECT count(*) FROM items i WHERE i.package_id = ?1 AND i.type = 'lesson'),"
		    " (SELECT count(*) FROM items i WHERE i.package_id = ?1 AND i.type = 'lesson'"
		    "   AND NOT EXISTS (SELECT 1 FROM progress p WHERE p.user_id = ?2 AND p.course_id = ?3 AND"
		    "   p.item_path = i.path))");
	sqlite3_bind_int64(st, 1, package_id);
	sqlite3_bind_int64(st, 2, user_id);
	db_bind_text(st, 3, course_id);
	int done = 0;
	if (db_step_row(st) > 0) {
		int finals = sqlite3_column_int(st, 0), finals_left = sqlite3_column_int(st, 1);
		int lessons = sqlite3_column_int(st, 2), lessons_left = sqlite3_column_int(st, 3);
		if (quizzes_only && finals > 0)
			done = finals_left == 0;
		else
			done = finals + lessons > 0 && finals_left == 0 && lessons_left == 0;
	}
	db_finish(st);
	return done;
}

int enrolment_ensure(sqlite3 *db, int64_t user_id, const char *course_id, const char *source, int64_t now,
		     bool *created, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT OR IGNORE INTO enrolments(user_id, course_id, source, enrolled_at) "
					  "VALUES (?1, ?2, ?3, ?4)");
	sqlite3_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_text(st, 3, source);
	sqlite3_bind_int64(st, 4, now);
	int rc = db_step_done(st) == 0 ? 0 : err_set(e, "cannot enrol: %s", sqlite3_errmsg(db));
	db_finish(st);
	if (created)
		*created = rc == 0 && sqlite3_changes(db) > 0;
	return rc;
}

int completion_update(sqlite3 *db, int64_t user_id, const char *course_id, bool *completed_now, struct err *e)
{
	if (completed_now)
		*completed_now = false;
	sqlite3_stmt *st = db_stmt(db, "SELECT completed_at IS NOT NULL FROM enrolments WHERE user_id = ? AND "
					  "course_id = ?");
	sqlite3_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	bool already = db_step_row(st) > 0 && sqlite3_column_int(st, 0);
	db_finish(st);
	if (already)
		return 0;
	bool done = false;
	st = db_stmt(db, "SELECT id, completion FROM packages WHERE course_id = ? AND active = 1");
	db_bind_text(st, 1, course_id);
	int step = 0;
	while (!done && (step = db_step_row(st)) > 0)
		done = package_complete(db, sqlite3_column_int64(st, 0),
					strcmp(db_col_text(st, 1), "quizzes") == 0, user_id, course_id) == 1;
	db_finish(st);
	if (step < 0)
		return err_set(e, "cannot read the packages of '%s': %s", course_id, db_errstr(db));
	if (!done)
		return 0;
	int64_t now = now_s();
	if (enrolment_ensure(db, user_id, course_id, "self", now, NULL, e) < 0)
		return -1;
	st = db_stmt(db, "UPDATE enrolments SET completed_at = ?1, started_at = coalesce(started_at, ?1) "
			    "WHERE user_id = ?2 AND course_id = ?3 AND completed_at IS NULL");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, user_id);
	db_bind_text(st, 3, course_id);
	bool ok = db_step_done(st) == 0;
	bool changed = sqlite3_changes(db) > 0;
	db_finish(st);
	if (!ok)
		return err_set(e, "cannot record the completion of '%s': %s", course_id, sqlite3_errmsg(db));
	if (!changed)
		return 0;
	if (completed_now)
		*completed_now = true;
	return cert_issue_on_completion(db, user_id, course_id, e);
}
