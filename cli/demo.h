/* Demo data: accounts, bundled courses, synthetic learners. */
#ifndef SALA_DEMO_H
#define SALA_DEMO_H
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

struct demo_account {
	const char *username, *password, *name, *name_km, *sex, *org, *roles, *role_note;
};

const struct demo_account *demo_account_list(size_t *n);
/* Imports the bundled courses (courses/library). 0 on success, -1 after printing why. */
int demo_courses(struct db *db);
/* Creates n synthetic learners with realistic uneven progress, and face-to-face sessions for them. */
int demo_learners(struct db *db, long n);

/* A new synthetic learner, the province of their org unit, their sex and org unit. */
struct demo_person {
	int64_t user_id, province;
	const char *sex; /* static */
	int64_t org_id;
};
/*
 * Face-to-face sessions for the new learners people[0..n) (reordered by province), in the caller's
 * transaction (cli/cmd_demo_sessions.c): past ones with attendance, upcoming ones with registrations;
 * most attendees of a past session have answered its reaction survey. Each session may belong to one of
 * courses[0..ncourses). The demo learner account gets a place in an upcoming session of its province. *sessions and
 * *marks count what was made. 0, or -1 with e set.
 */
int demo_sessions(struct db *db, struct demo_person *people, size_t n, const char *const *courses, size_t ncourses,
		  int64_t now, long *sessions, long *marks, long *answers, struct err *e);

#endif
