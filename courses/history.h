/*
 * Learning history written as a whole: an enrolment with the dates it was
 * started and completed and its scores, and the lessons opened, each at a
 * given time. `sala demo --learners` builds eighteen months of activity with
 * these in one transaction; live requests use learn_enrol() and
 * learn_open() instead, which stamp the present time. Also the plan of every
 * course that such history follows (lessons, pretest, certificate package).
 */
#ifndef SALA_HISTORY_H
#define SALA_HISTORY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/err.h"

/* The most lessons a plan lists. */
#define HISTORY_MAX_LESSONS 64

/* What a learner of a course goes through; every string is owned by the plan array. */
struct course_plan {
	char *id;
	/* Of the package a certificate names (active first, then language, newest version): "" when none. */
	char *title, *language;
	bool certificate; /* that package issues certificates */
	bool packaged;	  /* the course has an active package (else lessons are lessons/01.md ... 05.md) */
	bool pretest;	  /* the active package has a pretest (unpackaged: every other course) */
	char **lessons;	  /* lesson paths of the active package in language lang, in order */
	int nlessons;
};

/*
 * The plan of every course, by id, for learners reading in lang, into *plans
 * (caller frees with course_plans_free). 0, or -1 with e set.
 */
int course_plans(struct db *db, const char *lang, struct course_plan **plans, size_t *n, struct err *e);
void course_plans_free(struct course_plan *plans, size_t n);

/* An enrolment as it stands after some time; 0 times and false flags are absent values. */
struct enrolment_record {
	int64_t user_id;
	const char *course_id, *source; /* source: self, assigned or org */
	int64_t enrolled_at, started_at, completed_at;
	bool has_final, has_pretest;
	double best_final, pretest;
};

/*
 * Writes r inside the caller's transaction, replacing the dates and scores of
 * an enrolment the user already has (one an org assignment made when the
 * account was added). 0, or -1 with e set. Both functions here send their
 * statement without waiting on a pipelining connection (db_pipeline(), the
 * demo data on PostgreSQL): a failure is then the next waiting call's.
 */
int enrolment_record(struct db *db, const struct enrolment_record *r, struct err *e);
/*
 * Records that user_id opened lesson path of course_id at opened_at (kept
 * when already recorded), inside the caller's transaction. 0, or -1 with e set.
 */
int progress_record(struct db *db, int64_t user_id, const char *course_id, const char *path, int64_t opened_at,
		    struct err *e);

#endif
