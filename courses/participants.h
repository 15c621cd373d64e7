/*
 * The participants of a course, for its trainers: who is enrolled, how far they are, their quiz
 * scores and when they were last active, with their name, sex and org unit (accounts/), within the
 * org subtree the trainer may see. Read from the owners: enrolments and progress (courses), the
 * submitted attempts through assessment's published view, people through accounts/users.h.
 */
#ifndef SALA_PARTICIPANTS_H
#define SALA_PARTICIPANTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/arena.h"
#include "lib/err.h"

struct participant {
	int64_t user_id, org_id;
	const char *username, *full_name, *full_name_km, *sex, *position;
	const char *org_code, *org_name_en, *org_name_km;
	int64_t enrolled_at, started_at, completed_at; /* 0 when not reached */
	int64_t last_active;			       /* the latest lesson opened, quiz submitted or milestone */
	bool has_pretest, has_final;
	double pretest, best_final; /* percent, when has_* */
	int done, total;	    /* lessons opened of the course's lessons (all when complete) */
};

/* Which participants: every field may be 0 / NULL for "any". */
struct participant_filter {
	int64_t scope_org; /* only people whose org unit lies in this subtree (a trainer's own unit) */
	int64_t org;	   /* and in this one (a filter the caller has checked lies in the scope) */
	const char *sex;   /* female, male, other, unspecified */
};

/*
 * The participants of course_id that f keeps, by org unit code then full name, into *out (an array in
 * the arena, strings too) and *n. 0, or -1 with e set (a read error: never a short list).
 */
int course_participants(struct db *db, struct arena *a, const char *course_id, const struct participant_filter *f,
			struct participant **out, size_t *n, struct err *e);

#endif
