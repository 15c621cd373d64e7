/*
 * Course completion. A course is complete when every lesson of the learner's
 * current package has been opened and every final quiz passed (or, with
 * `completion: quizzes`, when every final quiz is passed), and, when the
 * package's rule includes attendance, the learner's attendance at the course's
 * workshops meets it (`completion: attendance` asks for attendance alone). Completion is
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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/arena.h"
#include "lib/err.h"

/*
 * Re-evaluates completion of course_id for user_id after a lesson was opened,
 * a quiz submitted or an attendance mark made; call inside a write transaction. *completed_now (may
 * be NULL) is set when this call recorded the completion.
 */
int completion_update(struct db *db, int64_t user_id, const char *course_id, bool *completed_now, struct err *e);

/* A quiz a learner has submitted at least once (assessment_submitted_quizzes()). */
struct submitted_quiz {
	const char *course_id, *item_path;
	bool passed; /* one of the submitted attempts passed */
};

/*
 * The quizzes user_id has submitted, one entry per course and quiz path, in every course or, with
 * course_id, in that one: what the course pages mark as done (a final quiz when passed, any other
 * quiz when submitted). One query over the attempts_user index. *out is an arena array of *n
 * entries. 0, or -1 when reading failed (db_read_failed() says why; *n is then 0).
 */
int assessment_submitted_quizzes(struct db *db, struct arena *a, int64_t user_id, const char *course_id,
				 struct submitted_quiz **out, size_t *n);

#endif
