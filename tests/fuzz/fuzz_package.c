/*
 * libFuzzer harness: a course package archive (zip, tar, tar.gz) in memory,
 * loaded with the hostile-input limits (pkg_load_archive) and, when it loads,
 * checked, rendered and imported (package_import) into an in-memory database.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "accounts/orgs.h"
#include "courses/import.h"
#include "courses/package.h"
#include "lib/db.h"

static struct pkg_limits lim;

/* A fresh database for each input: imports must not pile up across runs (that made later runs slow). */
static struct db *fresh_db(void)
{
	struct err e;
	struct db *db = db_open(":memory:", &e);
	if (!db || orgs_seed(db, &e) < 0) {
		fprintf(stderr, "fuzz_package: %s\n", e.msg);
		abort();
	}
	return db;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	if (sodium_init() < 0)
		abort();
	pkg_limits_default(&lim);
	/* Smaller than the defaults so a bomb trips the limits well inside libFuzzer's RSS limit. */
	lim.max_entry_bytes = 16u << 20;
	lim.max_total_bytes = 64u << 20;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct package p = {0};
	struct err e;
	if (pkg_load_archive(data, size, &lim, &p, &e) < 0)
		return 0;
	struct problems pr = {0};
	struct import_opts o = {.force = true, .by = "fuzz", .lim = &lim};
	char msg[512];
	struct db *db = fresh_db();
	package_import(db, &p, &o, &pr, msg, sizeof msg, &e);
	db_close(db);
	problems_release(&pr);
	pkg_free(&p);
	return 0;
}
