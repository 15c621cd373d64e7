/*
 * Course completion. A course is complete when every lesson of the learner's
 * current package has been opened and every final quiz passed (or, with
 * `completion: quizzes`, when every final quiz is passed). Completion is
 * recorded once, with its date, in enrolments.completed_at; the certificate
 * is issued in the same transaction.
 *
 * The decision lives in assessment/ because it joins the two owners' records:
 * the course's lessons and final quizzes and the lessons opened (courses/,
 * read through courses/enrol.h) with the quizzes passed (this module's
 * attempts). The enrolment functions moved to courses/enrol.h.
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

#endif
