/* What certificates read from courses (courses/certified.h). */
#include "courses/certified.h"

#include "lib/db.h"
#include "lib/xmalloc.h"

int enrolment_completion(struct db *db, int64_t user_id, const char *course_id, int64_t *completed_at, bool *has_score,
			 double *score)
{
	struct db_stmt *st = db_stmt(db, "SELECT completed_at, best_final FROM enrolments WHERE user_id = ?1 AND "
					 "course_id = ?2 AND completed_at IS NOT NULL");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	int rc = db_step_row(st);
	if (rc > 0) {
		*completed_at = db_col_int64(st, 0);
		*has_score = db_col_type(st, 1) != DB_NULL;
		*score = db_col_double(st, 1);
	}
	db_finish(st);
	return rc;
}

char *course_certificate_title(struct db *db, const char *course_id, const char *lang)
{
	struct db_stmt *st = db_stmt(db, "SELECT coalesce((SELECT certificate_title FROM packages WHERE course_id = ?1 "
					 "AND language = ?2 ORDER BY active DESC, version_num DESC LIMIT 1), "
					 "(SELECT certificate_title FROM packages WHERE course_id = ?1 "
					 "ORDER BY active DESC, version_num DESC LIMIT 1), '')");
	db_bind_text(st, 1, course_id);
	db_bind_text(st, 2, lang);
	char *t = xstrdup(db_step_row(st) > 0 ? db_col_text(st, 0) : "");
	db_finish(st);
	return t;
}

int course_certificate_valid_years(struct db *db, const char *course_id, const char *lang)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT coalesce((SELECT certificate_valid_years FROM packages WHERE course_id = ?1 "
			"AND language = ?2 ORDER BY active DESC, version_num DESC LIMIT 1), "
			"(SELECT certificate_valid_years FROM packages WHERE course_id = ?1 "
			"ORDER BY active DESC, version_num DESC LIMIT 1), 0)");
	db_bind_text(st, 1, course_id);
	db_bind_text(st, 2, lang);
	int rc = db_step_row(st);
	int years = rc > 0 ? db_col_int(st, 0) : rc < 0 ? -1 : 0;
	db_finish(st);
	return years;
}
