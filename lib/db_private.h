/*
 * Internal to lib/db*.c: the state the connection code, the pool and the
 * group writer share. Nothing outside lib/db*.c includes it; the public API
 * is lib/db.h.
 */
#ifndef SALA_DB_PRIVATE_H
#define SALA_DB_PRIVATE_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/db.h"

/*
 * This thread's statement cache (db_stmt()): a short list, searched by
 * pointer. The pool swaps an entry's cache in while a thread holds it.
 */
struct stmt_slot {
	sqlite3 *db;
	const char *sql;
	sqlite3_stmt *st;
	bool busy;
};
extern _Thread_local struct stmt_slot *db_slots;
extern _Thread_local size_t db_nslots, db_capslots;
/* Finalizes this thread's cached statements of db. */
void db_forget(sqlite3 *db);

/* The last failed read of this thread (db_step_row), kept until db_read_failed(true). */
extern _Thread_local char db_read_error[256];

/* Ends this thread's request snapshot on db so a write can start (or be seen); left open while a statement runs. */
void db_snapshot_stop(sqlite3 *db);
/* True when no statement of db is running. */
bool db_stmts_idle(sqlite3 *db);

/* The /metrics counters (db_stats_get()), added to with DB_COUNT. */
extern struct db_stats db_counters;
#define DB_COUNT(field, n) __atomic_fetch_add(&(field), (unsigned long long)(n), __ATOMIC_RELAXED)
/* A monotonic clock in microseconds. */
unsigned long long db_now_us(void);
/* The first bucket whose bound holds v (n: the +Inf bucket). */
int db_bucket(const double *bounds, int n, double v);

#endif
