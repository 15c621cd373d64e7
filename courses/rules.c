/*
 * Completion rules and reaction surveys of course packages, as the other modules read them
 * (courses/enrol.h): course.yml's `completion:`, `attendance_days:` and `survey:`, stored in packages.
 */
#include <stdlib.h>
#include <string.h>

#include "courses/enrol.h"
#include "courses/learn.h"
#include "courses/media.h"
#include "lib/db.h"
#include "lib/xmalloc.h"

int course_rules(struct db *db, const char *course_id, int (*cb)(void *ctx, const struct course_rule *r), void *ctx,
		 struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT id, completion, completion_online, attendance_days, survey FROM "
					 "packages WHERE course_id = ? AND active = 1 ORDER BY id");
	db_bind_text(st, 1, course_id);
	int rc, stop = 0;
	while (!stop && (rc = db_step_row(st)) > 0) {
		bool attendance = db_col_type(st, 3) != DB_NULL;
		struct course_rule r = {
		    .package_id = db_col_int64(st, 0),
		    .quizzes_only = strcmp(db_col_text(st, 1), "quizzes") == 0,
		    .online = db_col_int(st, 2) != 0,
		    .attendance = attendance,
		    .attendance_days = attendance ? db_col_int(st, 3) : 0,
		    .survey = db_col_text(st, 4)[0] != '\0',
		};
		stop = cb(ctx, &r);
	}
	db_finish(st);
	if (stop)
		return stop;
	if (rc < 0)
		return err_set(e, "cannot read the completion rules of '%s': %s", course_id, db_errstr(db));
	return 0;
}

int course_completion_read(struct db *db, int64_t user_id, const char *course_id, bool *completed,
			   int (*rule_cb)(void *ctx, const struct course_rule *r),
			   int (*need_cb)(void *ctx, const struct course_requirement *r), void *ctx, struct err *e)
{
	/* A row per lesson and final quiz of each active package (one with no item for a package without
	 * any), each with its package's rule and the enrolment's completion (an uncorrelated subquery:
	 * computed once). */
	struct db_stmt *st =
	    db_stmt(db, "SELECT p.id, p.completion, p.completion_online, p.attendance_days, p.survey, i.type, i.path, "
			"CASE WHEN i.type = 'lesson' AND EXISTS (SELECT 1 FROM progress g WHERE g.user_id = ?2 AND "
			"g.course_id = ?1 AND g.item_path = i.path) THEN 1 ELSE 0 END, "
			"(SELECT CASE WHEN e.completed_at IS NULL THEN 0 ELSE 1 END FROM enrolments e "
			"WHERE e.user_id = ?2 AND e.course_id = ?1) "
			"FROM packages p LEFT JOIN items i ON i.package_id = p.id AND (i.type = 'lesson' OR "
			"(i.type = 'quiz' AND i.quiz_kind = 'final')) WHERE p.course_id = ?1 AND p.active = 1");
	db_bind_text(st, 1, course_id);
	db_bind_int64(st, 2, user_id);
	*completed = false;
	/* Rows come in no set order (no sort: SQLite would build a temporary b-tree for it): the packages
	 * whose rule was given are remembered, a handful (one per language). */
	int64_t *seen = NULL;
	size_t nseen = 0;
	int rc, stop = 0;
	while (!stop && (rc = db_step_row(st)) > 0) {
		int64_t id = db_col_int64(st, 0);
		bool quizzes_only = strcmp(db_col_text(st, 1), "quizzes") == 0;
		*completed = db_col_int(st, 8) != 0;
		size_t k = 0;
		while (k < nseen && seen[k] != id)
			k++;
		if (k == nseen) {
			seen = xrealloc(seen, (nseen + 1) * sizeof *seen);
			seen[nseen++] = id;
			bool attendance = db_col_type(st, 3) != DB_NULL;
			struct course_rule r = {
			    .package_id = id,
			    .quizzes_only = quizzes_only,
			    .online = db_col_int(st, 2) != 0,
			    .attendance = attendance,
			    .attendance_days = attendance ? db_col_int(st, 3) : 0,
			    .survey = db_col_text(st, 4)[0] != '\0',
			};
			stop = rule_cb(ctx, &r);
		}
		if (stop || db_col_type(st, 5) == DB_NULL)
			continue;
		struct course_requirement q = {
		    .package_id = id,
		    .quizzes_only = quizzes_only,
		    .final_quiz = strcmp(db_col_text(st, 5), "quiz") == 0,
		    .path = db_col_text(st, 6),
		    .opened = db_col_int(st, 7) != 0,
		};
		stop = need_cb(ctx, &q);
	}
	db_finish(st);
	free(seen);
	if (stop)
		return stop;
	if (rc < 0)
		return err_set(e, "cannot read the completion rules of '%s': %s", course_id, db_errstr(db));
	return 0;
}

int enrolment_completed_surveyed(struct db *db, int64_t user_id, const char *course_id,
				 int (*fn)(void *ctx, const char *course_id, int64_t completed_at), void *ctx,
				 struct err *e)
{
	struct db_stmt *st = db_stmt(
	    db, "SELECT e.course_id, e.completed_at FROM enrolments e WHERE e.user_id = ?1 AND e.completed_at IS NOT "
		"NULL AND (e.course_id = ?2 OR ?2 IS NULL) AND EXISTS (SELECT 1 FROM packages p WHERE p.course_id = "
		"e.course_id AND p.active = 1 AND p.survey <> '' AND p.completion_online = 1) "
		"ORDER BY e.completed_at DESC, e.course_id");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	int rc, stop = 0;
	while (!stop && (rc = db_step_row(st)) > 0)
		stop = fn(ctx, db_col_text(st, 0), db_col_int64(st, 1));
	db_finish(st);
	if (stop)
		return stop;
	if (rc < 0)
		return err_set(e, "cannot read the courses completed: %s", db_errstr(db));
	return 0;
}

int course_survey_text(struct db *db, const char *course_id, const char *lang, char **text, size_t *len, char **path,
		       struct err *e)
{
	*text = NULL;
	*path = NULL;
	*len = 0;
	struct course_pick pick;
	int rc = course_pick_package(db, course_id, lang, NULL, &pick);
	if (rc == ERR_NOTFOUND)
		return 0;
	if (rc < 0)
		return err_set(e, "cannot read the packages of '%s': %s", course_id, db_errstr(db));
	/* The picked package's survey first, else any active package's (by language). */
	struct db_stmt *st = db_stmt(db, "SELECT id, survey FROM packages WHERE course_id = ? AND active = 1 AND "
					 "survey <> '' ORDER BY CASE WHEN id = ? THEN 0 ELSE 1 END, language");
	db_bind_text(st, 1, course_id);
	db_bind_int64(st, 2, pick.package_id);
	course_pick_release(&pick);
	int step = db_step_row(st);
	int64_t pkg = step > 0 ? db_col_int64(st, 0) : 0;
	char *p = step > 0 ? xstrdup(db_col_text(st, 1)) : NULL;
	db_finish(st);
	if (step < 0)
		return err_set(e, "cannot read the survey of '%s': %s", course_id, db_errstr(db));
	if (!p)
		return 0;
	rc = media_file_read(db, pkg, p, text, len, e);
	if (rc != 0) {
		free(p);
		return rc < 0 ? -1 : 0;
	}
	*path = p;
	return 0;
}
