/* Course listings for the administrators' and managers' pages. */
#include "courses/listing.h"
#include <stdlib.h>
#include "lib/db.h"
#include "lib/xmalloc.h"

int course_ids(struct db *db, char ***ids, size_t *n, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT id FROM courses ORDER BY id");
	size_t cap = 0;
	*ids = NULL;
	*n = 0;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*ids = xrealloc(*ids, cap * sizeof **ids);
		}
		(*ids)[(*n)++] = xstrdup(db_col_text(st, 0));
	}
	db_finish(st);
	if (rc < 0) {
		for (size_t i = 0; i < *n; i++)
			free((*ids)[i]);
		free(*ids);
		*ids = NULL;
		*n = 0;
		return err_set(e, "cannot read the courses: %s", db_errstr(db));
	}
	return 0;
}

char *course_title_get(struct db *db, const char *course_id, const char *lang)
{
	struct db_stmt *st = db_stmt(db, "SELECT title FROM packages WHERE course_id = ?1 ORDER BY active DESC, "
					 "language = ?2 DESC, version_num DESC LIMIT 1");
	db_bind_text(st, 1, course_id);
	db_bind_text(st, 2, lang);
	char *t = db_step_row(st) > 0 ? xstrdup(db_col_text(st, 0)) : NULL;
	db_finish(st);
	return t;
}

int course_org_ids(struct db *db, const char *course_id, int64_t **ids, size_t *n, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT org_id FROM org_assignments WHERE course_id = ?1 ORDER BY org_id");
	db_bind_text(st, 1, course_id);
	if (db_collect_ids(st, ids, n) < 0)
		return err_set(e, "cannot read the course's org units: %s", db_errstr(db));
	return 0;
}

int package_quizzes(struct db *db, int64_t package_id, package_quiz_fn fn, void *ctx, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT path, title FROM items WHERE package_id = ?1 AND type = 'quiz' "
					 "ORDER BY position");
	db_bind_int64(st, 1, package_id);
	int rc, stop = 0;
	while (!stop && (rc = db_step_row(st)) > 0)
		stop = fn(ctx, db_col_text(st, 0), db_col_text(st, 1));
	db_finish(st);
	if (stop)
		return stop;
	return rc < 0 ? err_set(e, "cannot read the quizzes: %s", db_errstr(db)) : 0;
}
