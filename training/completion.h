/*
 * The face-to-face part of a course's completion (course.yml `completion: attendance`, with
 * `attendance_days:`): whether a learner's attendance at the course's workshops meets the rule, and
 * what the progress pages show of it. Read from training/'s tables; assessment/completion.c decides
 * completion with it, and training/attendance.c re-checks completion after every mark.
 */
#ifndef SALA_TRAINING_COMPLETION_H
#define SALA_TRAINING_COMPLETION_H
#include <stdbool.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/err.h"

/* One workshop of a course as the learner's progress shows it (strings borrowed for the call). */
struct f2f_session {
	int64_t workshop_id;
	const char *title;
	int64_t starts_at, ends_at; /* the first day's start, the last day's end */
	int days, present;	    /* days of the workshop; days user_id was marked present */
	bool registered;	    /* user_id has a place (registered), not only a mark */
};

/*
 * Calls fn for each workshop of course_id (not cancelled) where user_id has a place or was marked
 * present, by first day. 0, fn's first non-zero value, or -1 with a message.
 */
int f2f_sessions(struct db *db, int64_t user_id, const char *course_id,
		 int (*fn)(void *ctx, const struct f2f_session *s), void *ctx, struct err *e);

/* The face-to-face progress of user_id in course_id against a rule of `days` (0: every day of one workshop). */
struct f2f_progress {
	int sessions;	   /* workshops of the course the learner has a place in or attended */
	int days_present;  /* days counted towards the rule */
	int days_required; /* days the rule asks for (0 when unknown: no workshop yet, every-day rule) */
	bool met;
};
/* 0 with *p filled, or -1 with a message. */
int f2f_progress_get(struct db *db, int64_t user_id, const char *course_id, int days, struct f2f_progress *p,
		     struct err *e);

/* The face-to-face part of a course for a learner's progress pages (f2f_course_state()). */
struct f2f_state {
	bool required; /* an active package's rule counts attendance */
	int days_rule; /* with required: its attendance_days (0: every day of one workshop) */
	struct f2f_progress p;
};
/*
 * Whether course_id's completion counts attendance (the first active package whose rule does), and
 * user_id's progress against it (against every day of one workshop when none does, for courses that
 * have workshops without counting them). 0, or -1 with a message.
 */
int f2f_course_state(struct db *db, int64_t user_id, const char *course_id, struct f2f_state *s, struct err *e);

#endif
