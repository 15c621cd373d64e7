/*
 * Enrolments and the reading record of a course, as the other modules write and read them: the
 * enrolment row (every path that enrols goes through enrolment_ensure()), its milestones (started,
 * the pretest and best final scores, completion) and what completing a course requires of a learner.
 * assessment/ records quiz milestones here and decides completion (assessment/completion.h) from
 * course_requirements() and its own attempts; courses/ owns the tables (enrolments, progress, items,
 * packages). Every function runs its statements on the caller's connection, inside the caller's
 * transaction when there is one (the group writer's, for a quiz submission): none opens its own.
 */
#ifndef SALA_ENROL_H
#define SALA_ENROL_H
#include <stdbool.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/err.h"

/*
 * Creates the enrolment row of user_id in course_id if there is none
 * (source: self, assigned or org; enrolled at now). *created (may be NULL)
 * says whether a row was added. Every path that enrols goes through here.
 * 0, or -1 with a message.
 */
int enrolment_ensure(struct db *db, int64_t user_id, const char *course_id, const char *source, int64_t now,
		     bool *created, struct err *e);

/* Which enrolment score a submitted quiz sets (enrolment_record_quiz()). */
enum enrolment_score {
	ENROLMENT_SCORE_NONE,	 /* a practice quiz, or an attempt started: none */
	ENROLMENT_SCORE_FINAL,	 /* best_final: the best score of any final quiz */
	ENROLMENT_SCORE_PRETEST, /* pretest: the first pretest's score, the baseline for learning gain */
};
/*
 * Records a quiz started or submitted in user_id's enrolment in course_id, in one statement: enrols them
 * (source self) if they were not, marks the course started at now if it was not, and sets the score
 * `which` names. 0, or -1 with a message. On a pipelining connection (the group writer's, PostgreSQL) the
 * statement is sent without waiting, and a failure is the next statement's (lib/db.h db_step_later()).
 */
int enrolment_record_quiz(struct db *db, int64_t user_id, const char *course_id, int64_t now,
			  enum enrolment_score which, double score, struct err *e);

/*
 * Sets user_id's best final score in course_id to best exactly (-1: none), when a trainer's grade
 * changed a final attempt's score (a corrected grade may lower it). Enrols them (source self) and
 * marks the course started if need be. 0, or -1 with a message.
 */
int enrolment_set_best_final(struct db *db, int64_t user_id, const char *course_id, double best, struct err *e);

/* 1 when user_id's completion of course_id is recorded, 0 when not (or not enrolled), -1 with a message. */
int enrolment_completed(struct db *db, int64_t user_id, const char *course_id, struct err *e);
/*
 * Records user_id's completion of course_id at now (enrolling them, source self, and marking the
 * course started if need be), once: *recorded (may be NULL) is false when it was recorded before.
 * 0, or -1 with a message.
 */
int enrolment_complete(struct db *db, int64_t user_id, const char *course_id, int64_t now, bool *recorded,
		       struct err *e);

/* One thing completing a course asks of a learner (course_requirements()). */
struct course_requirement {
	int64_t package_id; /* an active package of the course (one per language) */
	bool quizzes_only;  /* the package's `completion: quizzes`: its lessons are not required */
	bool final_quiz;    /* a final quiz (to pass); else a lesson (to open) */
	const char *path;   /* the item's path, its identity across versions; borrowed for the callback */
	bool opened;	    /* a lesson the learner has opened (progress, by path) */
};
/*
 * Calls cb once for each lesson and each final quiz of every active package of course_id, with
 * whether user_id has opened the lesson, in one query; rows of different packages may interleave.
 * Returns 0, cb's first non-zero value (which stops the walk), or -1 with a message when reading
 * ended on an error.
 */
int course_requirements(struct db *db, int64_t user_id, const char *course_id,
			int (*cb)(void *ctx, const struct course_requirement *r), void *ctx, struct err *e);

/* The completion rule of one active package (course.yml `completion:` and `attendance_days:`). */
struct course_rule {
	int64_t package_id;
	bool online;	     /* lessons and final quizzes count (false: `completion: attendance`) */
	bool quizzes_only;   /* with online: only the final quizzes (`completion: quizzes`) */
	bool attendance;     /* attendance at the course's face-to-face workshops is required */
	int attendance_days; /* with attendance: days present it takes; 0: every day of one workshop */
	bool survey;	     /* the package names a reaction survey (`survey:`) */
};
/*
 * Calls cb once for each active package of course_id (one per language) with its rule. 0, cb's first
 * non-zero value (which stops the walk), or -1 with a message when reading ended on an error.
 */
int course_rules(struct db *db, const char *course_id, int (*cb)(void *ctx, const struct course_rule *r), void *ctx,
		 struct err *e);

/*
 * What deciding user_id's completion of course_id reads, in one query (one round trip on PostgreSQL,
 * where the group writer decides it for every quiz submitted): *completed, whether the completion is
 * recorded already (false when there is no enrolment); rule_cb once for each active package with its
 * rule (as course_rules()), before need_cb for any of its lessons and final quizzes (as
 * course_requirements()); packages and their rows may interleave. 0, a callback's first
 * non-zero value (which stops the walk), or -1 with a message when reading ended on an error.
 */
int course_completion_read(struct db *db, int64_t user_id, const char *course_id, bool *completed,
			   int (*rule_cb)(void *ctx, const struct course_rule *r),
			   int (*need_cb)(void *ctx, const struct course_requirement *r), void *ctx, struct err *e);

/*
 * Calls fn for each course user_id has completed (with course_id, only that one) whose active package
 * in some language names a reaction survey and asks for something online, newest completion first.
 * 0, fn's first non-zero value, or -1 with a message.
 */
int enrolment_completed_surveyed(struct db *db, int64_t user_id, const char *course_id,
				 int (*fn)(void *ctx, const char *course_id, int64_t completed_at), void *ctx,
				 struct err *e);

/*
 * The survey file of course_id in the package course_pick_package() picks for lang, or, when that one
 * names none, of any active package that does: *text (NUL-terminated, caller frees) and its *path
 * (caller frees). 0 with *text NULL when no package names one; -1 with a message.
 */
int course_survey_text(struct db *db, const char *course_id, const char *lang, char **text, size_t *len, char **path,
		       struct err *e);

#endif
