/*
 * libFuzzer harness: the users CSV import (users_import_csv) against an
 * in-memory database seeded with the national org tree. Accepted rows are
 * deleted after each run so the next input starts from the same state.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "lib/db.h"

static struct db *db;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	struct err e;
	if (sodium_init() < 0)
		abort();
	db = db_open(":memory:", &e);
	if (!db || orgs_seed(db, &e) < 0) {
		fprintf(stderr, "fuzz_users_csv: %s\n", e.msg);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Every accepted row costs an argon2id hash (about 60 ms): bound the rows so runs stay fast. */
	int lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (lines > 8)
		return -1;
	struct err e;
	int added = 0;
	struct problems pr = {0};
	if (users_import_csv(db, "fuzz.csv", (const char *)data, size, &pr, &added, &e) == 0)
		db_exec(db, "DELETE FROM users", &e);
	problems_release(&pr);
	return 0;
}
