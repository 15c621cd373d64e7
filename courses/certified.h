/*
 * What certificates read from courses: whether and when a learner completed a course (enrolments), and
 * the heading a course's certificate carries (packages). certificates/ calls these instead of naming
 * the tables.
 */
#ifndef SALA_CERTIFIED_H
#define SALA_CERTIFIED_H
#include <stdbool.h>
#include <stdint.h>
#include "lib/db.h"

/*
 * user_id's completion of course_id: 1 with *completed_at (Unix seconds), *has_score and *score (the
 * best final quiz score) set, 0 when the course is not completed (or there is no enrolment), -1 when the
 * read failed (db_errstr() says why).
 */
int enrolment_completion(struct db *db, int64_t user_id, const char *course_id, int64_t *completed_at, bool *has_score,
			 double *score);
/*
 * The certificate heading (course.yml certificate_title) of course_id in lang: the active package of that
 * language, else its newest version, else the same in any language. Caller frees; "" when there is none.
 */
char *course_certificate_title(struct db *db, const char *course_id, const char *lang);
/*
 * The validity of course_id's certificates in years (course.yml certificate_valid_years), from the same
 * package as course_certificate_title(): 0 when they do not expire, -1 when the read failed.
 */
int course_certificate_valid_years(struct db *db, const char *course_id, const char *lang);

#endif
