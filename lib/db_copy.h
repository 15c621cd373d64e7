/*
 * Copying a whole installation from one database to another, across engines (SQLite file <-> PostgreSQL),
 * and verifying the copy. This is the migration layer's schema-level tool, like the migrations themselves
 * (lib/schema.c, lib/schema_pg.c): the one place outside the owners that reads and writes every table
 * (docs/architecture.md, "Tables and owners"). Its table list follows the latest schema; a migration that
 * adds a table or a column adds it here too.
 */
#ifndef SALA_DB_COPY_H
#define SALA_DB_COPY_H
#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

struct db;

/*
 * PostgreSQL keeps a file's bytes in rows of blob_chunks of this size (MEDIA_BLOB_CHUNK of
 * courses/media.h, which reads them by piece number): the copy writes its pieces the same size.
 */
#define DB_COPY_PIECE (256 * 1024)

/* What was found for one table: rows and an order-independent content hash, on each side. */
struct db_copy_table {
	const char *name; /* borrowed, static */
	int columns;	  /* how many columns are copied */
	int64_t rows_from, rows_to;
	unsigned char hash_from[32], hash_to[32];
};

struct db_copy_report {
	struct db_copy_table *tables; /* caller frees (db_copy_report_release) */
	int n;
	int64_t rows;	/* rows copied */
	bool differs;	/* some table's rows or hash differ */
	bool committed; /* the destination's transaction was committed */
};

/*
 * Copies every table of src into dst (both open, at the same schema version), ids kept, in one
 * transaction on dst read from one snapshot of src. dst must have no rows in any copied table unless
 * replace is set, which deletes them first (in the same transaction). On PostgreSQL the identity
 * counters are set past the copied ids. Then every table is read again on both sides (row counts and a
 * BLAKE2b hash of the rows, independent of their order and of the engine) before the commit: the
 * transaction is committed only when all match, else rolled back (report->differs). The catalogue
 * version is not copied (the destination keeps its own, which its triggers moved on), nor the schema
 * version (both are at this program's). Returns 0 with *report filled in (also when the copy differs:
 * look at report->differs), or a negative code (lib/err.h) with a message, nothing changed on dst:
 * ERR_CONFLICT when dst is not empty and replace is not set.
 */
int db_copy(struct db *src, struct db *dst, bool replace, struct db_copy_report *report, struct err *e);
void db_copy_report_release(struct db_copy_report *report);

#endif
