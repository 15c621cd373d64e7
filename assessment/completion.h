/*
 * Course completion. A course is complete when every lesson of the learner's
 * current package has been opened and every final quiz passed (or, with
 * `completion: quizzes`, when every final quiz is passed). Completion is
 * recorded once, with its date, in enrolments.completed_at; the certificate
 * is issued in the same transaction.
 */
#ifndef SALA_COMPLETION_H
#define SALA_COMPLETION_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

/*
 * Re-evaluates completion of course_id for user_id after a lesson was opened
 * or a quiz submitted; call inside a write transaction. *completed_now (may
 * be NULL) is set when this call recorded the completion.
 */
int completion_update(sqlite3 *db, int64_t user_id, const char *course_id, bool *completed_now, struct err *e);

/*
 * Creates the enrolment row of user_id in course_id if there is none
 * (source: self, assigned or org; enrolled at now). *created (may be NULL)
 * says whether a row was added. Every path that enrols goes through here.
 */
int enrolment_ensure(sqlite3 *db, int64_t user_id, const char *course_id, const char *source, int64_t now,
		     bool *created, struct err *e);

#endif
