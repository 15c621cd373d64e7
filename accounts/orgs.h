/* The organisation tree: national, ministries, capital/provinces, districts, communes, offices. */
#ifndef SALA_ORGS_H
#define SALA_ORGS_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/db.h"

#include "lib/diag.h"
#include "lib/err.h"

/* Code of the national root unit created by orgs_seed(). */
#define ORG_ROOT_CODE "KH"

/* Creates the national root and the 25 capital/provinces if absent. */
int orgs_seed(struct db *db, struct err *e);
/* True when level is one of national, ministry, province, district, commune, office. */
bool org_level_valid(const char *level);
/* Adds one unit under parent_code (NULL for a root). Returns the new id or -1. */
int64_t org_add(struct db *db, const char *code, const char *name_en, const char *name_km, const char *parent_code,
		const char *level, struct err *e);
/* Id of the unit with this code, or -1. */
int64_t org_id(struct db *db, const char *code);
/* The unit's path ('/1/5/'), copied into out; -1 when unknown. */
int org_path(struct db *db, int64_t id, char *out, size_t outlen);
/* True when unit id lies in the subtree of ancestor (itself included). */
bool org_within(struct db *db, int64_t ancestor, int64_t id);
/*
 * Every unit's code and id, read in one query, for checking many rows (an import) without a query
 * per row. NULL with e set when the read failed; free with org_index_free().
 */
struct org_index;
struct org_index *org_index_load(struct db *db, struct err *e);
/* The id of the unit with this code in x, or -1. */
int64_t org_index_id(const struct org_index *x, const char *code);
void org_index_free(struct org_index *x);
/*
 * Imports units from CSV (header code,name_en,name_km,parent_code,level).
 * All-or-nothing: every bad row is added to pr (lib/diag.h) as "NAME:LINE: reason"
 * and nothing is added. *added gets the count on success.
 */
int orgs_import_csv(struct db *db, const char *name, const char *data, size_t len, struct problems *pr, int *added,
		    struct err *e);

/* Marks every ministry, district, commune and office as demo data (is_demo = 1). 0, or -1 with e set. */
int orgs_mark_demo(struct db *db, struct err *e);
/*
 * The id of unit code; when absent, adds it under parent_code with the checks of
 * org_add() and marks it as demo data. Writes inside the caller's transaction
 * (no BEGIN of its own). The id, or -1 with e naming the unit.
 */
int64_t org_ensure_demo(struct db *db, const char *code, const char *name_en, const char *name_km,
			const char *parent_code, const char *level, struct err *e);

/* A unit as listed; the strings belong to the array that org_entries_free() frees. */
struct org_entry {
	int64_t id;
	char *code, *level, *name_en, *name_km;
};
/* Every unit of level, by code, into *rows (caller frees with org_entries_free). 0, or -1 with e set and *rows NULL. */
int orgs_of_level(struct db *db, const char *level, struct org_entry **rows, size_t *n, struct err *e);
/* Unit id followed by its children by code (caller frees with org_entries_free). 0, or -1 with e set. */
int orgs_children(struct db *db, int64_t id, struct org_entry **rows, size_t *n, struct err *e);
/*
 * The offset-th (from 0) child of parent at level, by code: 1 with *id and code
 * (truncated to codelen) set, 0 when there is none, -1 with e set on a read error.
 */
int org_child_at(struct db *db, int64_t parent, const char *level, int offset, int64_t *id, char *code, size_t codelen,
		 struct err *e);
void org_entries_free(struct org_entry *rows, size_t n);

/* One org unit as org_children(), org_ancestors() and orgs_get() give it; strings borrowed for the call. */
struct org_row {
	int64_t id;
	const char *code, *name_en, *name_km, *level;
	const char *parent_code; /* "" for the root */
	int children;		 /* units directly below */
};
/* Called per row; a non-zero return stops the walk and is returned. */
typedef int (*org_row_fn)(void *ctx, const struct org_row *o);
/*
 * The unit id first, then the units directly below it by code. 0 when every row was read, fn's non-zero
 * return, or -1 with a message when reading ended on a database error.
 */
int org_children(struct db *db, int64_t id, org_row_fn fn, void *ctx, struct err *e);
/*
 * The units above id, from the root down (id itself excluded), only those within the subtree of scope
 * (scope < 0: no limit). Same returns as org_children(); children is not filled (0).
 */
int org_ancestors(struct db *db, int64_t id, int64_t scope, org_row_fn fn, void *ctx, struct err *e);
/*
 * The units of ids[0..n) that exist, ordered by code (ids that name no unit are skipped). Same returns as
 * org_children(); children and parent_code are not filled.
 */
int orgs_get(struct db *db, const int64_t *ids, size_t n, org_row_fn fn, void *ctx, struct err *e);

/*
 * The units whose code or name (English or Khmer) contains text (case-insensitive for Latin
 * letters), within the subtree of scope (an org id; -1: the whole tree), nearest the root first,
 * then by code; at most limit. fn as for org_children(). An empty text finds nothing. 0, fn's
 * non-zero return, or -1 with a message.
 */
int org_search(struct db *db, const char *text, int64_t scope, size_t limit, org_row_fn fn, void *ctx, struct err *e);

#endif
