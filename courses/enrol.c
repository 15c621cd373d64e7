/*
 * Enrolment rows and their milestones, and what completing a course requires (courses/enrol.h).
 * The writes are upserts (INSERT ... ON CONFLICT), which SQLite and PostgreSQL both speak: one
 * statement each, on the caller's connection and transaction.
 */
#include "courses/enrol.h"

#include <string.h>

#include "lib/db.h"
#include "lib/util.h"

int enrolment_ensure(struct db *db, int64_t user_id, const char *course_id, const char *source, int64_t now,
		     bool *created, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "INSERT INTO enrolments(user_id, course_id, source, enrolled_at) "
					 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id, course_id) DO NOTHING");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_text(st, 3, source);
	db_bind_int64(st, 4, now);
	int rc = db_step_done(st) == 0 ? 0 : err_set(e, "cannot enrol: %s", db_errmsg(db));
	db_finish(st);
	if (created)
		*created = rc == 0 && db_changes(db) > 0;
	return rc;
}

int enrolment_record_quiz(struct db *db, int64_t user_id, const char *course_id, int64_t now,
			  enum enrolment_score which, double score, struct err *e)
{
	/* ?4 is the final score or NULL, ?5 the pretest score or NULL: a NULL leaves the column as it is. */
	struct db_stmt *st = db_stmt(
	    db, "INSERT INTO enrolments(user_id, course_id, source, enrolled_at, started_at, best_final, pretest) "
		"VALUES (?1, ?2, 'self', ?3, ?3, ?4, ?5) ON CONFLICT (user_id, course_id) DO UPDATE SET "
		"started_at = coalesce(enrolments.started_at, excluded.started_at), "
		"best_final = CASE WHEN excluded.best_final IS NULL THEN enrolments.best_final "
		"  WHEN enrolments.best_final IS NULL OR enrolments.best_final < excluded.best_final "
		"  THEN excluded.best_final ELSE enrolments.best_final END, "
		"pretest = coalesce(enrolments.pretest, excluded.pretest) "
		"WHERE enrolments.started_at IS NULL OR (excluded.best_final IS NOT NULL AND "
		"  (enrolments.best_final IS NULL OR enrolments.best_final < excluded.best_final)) OR "
		"  (excluded.pretest IS NOT NULL AND enrolments.pretest IS NULL)");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_int64(st, 3, now);
	/* Scores are never below 0: best_final starts from 0, as it always has. */
	double s = score < 0 ? 0 : score;
	if (which == ENROLMENT_SCORE_FINAL)
		db_bind_double(st, 4, s);
	else
		db_bind_null(st, 4);
	if (which == ENROLMENT_SCORE_PRETEST)
		db_bind_double(st, 5, score);
	else
		db_bind_null(st, 5);
	/* Nothing to read back: in the group writer it goes with the next statement (lib/db.h db_step_later). */
	int rc = db_step_later(st) == 0 ? 0 : err_set(e, "cannot update the enrolment: %s", db_errmsg(db));
	db_finish(st);
	return rc;
}

int enrolment_set_best_final(struct db *db, int64_t user_id, const char *course_id, double best, struct err *e)
{
	struct db_stmt *st = db_stmt(
	    db, "INSERT INTO enrolments(user_id, course_id, source, enrolled_at, started_at, best_final) "
		"VALUES (?1, ?2, 'self', ?3, ?3, ?4) ON CONFLICT (user_id, course_id) DO UPDATE SET "
		"started_at = coalesce(enrolments.started_at, excluded.started_at), best_final = excluded.best_final");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_int64(st, 3, now_s());
	if (best < 0)
		db_bind_null(st, 4);
	else
		db_bind_double(st, 4, best);
	int rc = db_step_done(st) == 0 ? 0 : err_set(e, "cannot update the enrolment: %s", db_errmsg(db));
	db_finish(st);
	return rc;
}

int enrolment_completed(struct db *db, int64_t user_id, const char *course_id, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT completed_at IS NOT NULL FROM enrolments WHERE user_id = ? AND "
					 "course_id = ?");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	int rc = db_step_row(st);
	int done = rc > 0 && db_col_int(st, 0);
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot read the enrolment in '%s': %s", course_id, db_errstr(db));
	return done;
}

int enrolment_complete(struct db *db, int64_t user_id, const char *course_id, int64_t now, bool *recorded,
		       struct err *e)
{
	if (recorded)
		*recorded = false;
	struct db_stmt *st =
	    db_stmt(db, "INSERT INTO enrolments(user_id, course_id, source, enrolled_at, started_at, completed_at) "
			"VALUES (?1, ?2, 'self', ?3, ?3, ?3) ON CONFLICT (user_id, course_id) DO UPDATE SET "
			"completed_at = excluded.completed_at, "
			"started_at = coalesce(enrolments.started_at, excluded.started_at) "
			"WHERE enrolments.completed_at IS NULL");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_int64(st, 3, now);
	bool ok = db_step_done(st) == 0;
	bool changed = ok && db_changes(db) > 0;
	db_finish(st);
	if (!ok)
		return err_set(e, "cannot record the completion of '%s': %s", course_id, db_errmsg(db));
	if (recorded)
		*recorded = changed;
	return 0;
}

int course_requirements(struct db *db, int64_t user_id, const char *course_id,
			int (*cb)(void *ctx, const struct course_requirement *r), void *ctx, struct err *e)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT p.id, p.completion, i.type, i.path, CASE WHEN i.type = 'lesson' AND EXISTS (SELECT 1 "
			"FROM progress g WHERE g.user_id = ?2 AND g.course_id = ?1 AND g.item_path = i.path) THEN 1 "
			"ELSE 0 END FROM packages p JOIN items i ON i.package_id = p.id WHERE p.course_id = ?1 AND "
			"p.active = 1 AND (i.type = 'lesson' OR (i.type = 'quiz' AND i.quiz_kind = 'final'))");
	db_bind_text(st, 1, course_id);
	db_bind_int64(st, 2, user_id);
	int rc, stop = 0;
	while (!stop && (rc = db_step_row(st)) > 0) {
		struct course_requirement r = {
		    .package_id = db_col_int64(st, 0),
		    .quizzes_only = strcmp(db_col_text(st, 1), "quizzes") == 0,
		    .final_quiz = strcmp(db_col_text(st, 2), "quiz") == 0,
		    .path = db_col_text(st, 3),
		    .opened = db_col_int(st, 4) != 0,
		};
		stop = cb(ctx, &r);
	}
	db_finish(st);
	if (stop)
		return stop;
	if (rc < 0)
		return err_set(e, "cannot read the requirements of '%s': %s", course_id, db_errstr(db));
	return 0;
}
