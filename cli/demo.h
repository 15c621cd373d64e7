/* Demo data: accounts, bundled courses, synthetic learners. */
#ifndef SALA_DEMO_H
#define SALA_DEMO_H
#include <stddef.h>
#include "lib/db.h"

struct demo_account {
	const char *username, *password, *name, *name_km, *sex, *org, *roles, *role_note;
};

const struct demo_account *demo_account_list(size_t *n);
/* Imports the bundled courses (courses/library). 0 on success, -1 after printing why. */
int demo_courses(struct db *db);
/* Creates n synthetic learners with realistic uneven progress. */
int demo_learners(struct db *db, long n);

#endif
