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

struct pg_conn;
struct pg_stmt;
/* A connection: exactly one of lite and pg is set. */
struct db {
	enum db_engine engine;
	sqlite3 *lite;
	struct pg_conn *pg;
};
/* A statement: st->lite on SQLite, st->pg on PostgreSQL. */
struct db_stmt {
	struct db *db;
	sqlite3_stmt *lite;
	struct pg_stmt *pg;
	int sent_rc;	   /* SQLite: the first step's result, taken by db_send() */
	bool sent_pending; /* SQLite: the next db_step() returns sent_rc */
};

/* lib/db_stmt.c: a SQLite statement or connection wrapped (one allocation, at prepare or open). */
struct db_stmt *db_stmt_wrap(struct db *db, sqlite3_stmt *lite);
struct db *db_wrap_sqlite(sqlite3 *lite);
/* True when the statement only reads (SQLite: sqlite3_stmt_readonly; PostgreSQL: its first keyword). */
bool db_stmt_readonly(struct db_stmt *st);
/* The statement's SQL as written, for log lines. */
const char *db_stmt_sql(struct db_stmt *st);

/* lib/db_pg.c: the PostgreSQL engine (the calls of lib/db.h for a connection whose engine is DB_ENGINE_PG). */
struct db *pg_open(const char *uri, struct err *e);
void pg_close(struct pg_conn *c);
struct pg_stmt *pg_prepare(struct db *db, const char *sql, bool cached, struct err *e);
void pg_finalize(struct db *db, struct pg_stmt *s);
int pg_bind(struct pg_stmt *s, int idx, int type, const void *p, size_t n, int64_t i, double d);
int pg_step(struct db *db, struct pg_stmt *s);
void pg_reset(struct pg_stmt *s);
void pg_clear(struct pg_stmt *s);
int64_t pg_col_int64(struct pg_stmt *s, int col);
double pg_col_double(struct pg_stmt *s, int col);
const char *pg_col_text(struct pg_stmt *s, int col);
const void *pg_col_blob(struct pg_stmt *s, int col, int *len);
int pg_col_type(struct pg_stmt *s, int col);
int pg_col_count(struct pg_stmt *s);
bool pg_readonly(struct pg_stmt *s);
const char *pg_sql(struct pg_stmt *s);
int pg_exec(struct db *db, const char *sql, struct err *e);
/* Pipelining (db_pipeline(), db_step_later(), db_exec_later(), db_sync()). */
void pg_pipeline(struct pg_conn *c, bool on);
bool pg_pipelining(struct pg_conn *c);
int pg_step_later(struct db *db, struct pg_stmt *s);
int pg_exec_later(struct db *db, const char *sql, struct err *e);
int pg_sync(struct pg_conn *c);
int pg_send(struct db *db, struct pg_stmt *s);
int pg_changes(struct pg_conn *c);
const char *pg_errmsg(struct pg_conn *c);
int pg_errcode(struct pg_conn *c);
bool pg_autocommit(struct pg_conn *c);
/*
 * Marks a pooled connection, which serves requests: its prepared statements may keep a generic plan
 * (plan_cache_mode = auto) instead of being planned again at every execution as the bulk work of the
 * command line's connections is. Kept across reconnects. 0, or -1 with e set.
 */
int pg_serving(struct db *db, struct err *e);
/* db_bulk_plans() on PostgreSQL. */
void pg_bulk_plans(struct db *db, bool on);
/* Rewrites ? and ?N placeholders (outside quotes) to $N into out (caller frees); the parameter count. */
int pg_placeholders(const char *sql, char **out);

/*
 * This thread's statement cache (db_stmt()): a short list, searched by
 * pointer. The pool swaps an entry's cache in while a thread holds it.
 */
struct stmt_slot {
	struct db *db;
	const char *sql;
	struct db_stmt *st;
	bool busy;
};
extern _Thread_local struct stmt_slot *db_slots;
extern _Thread_local size_t db_nslots, db_capslots;
/* Finalizes this thread's cached statements of db. */
void db_forget(struct db *db);

/* The last failed read of this thread (db_step_row), kept until db_read_failed(true). */
extern _Thread_local char db_read_error[256];

/* Set by the PostgreSQL engine when a call finds no server; cleared by db_pool_take(). */
extern _Thread_local bool db_unreachable;

/* Ends this thread's request snapshot on db so a write can start (or be seen); left open while a statement runs. */
void db_snapshot_stop(struct db *db);
/* True when no statement of db is running. */
bool db_stmts_idle(struct db *db);

/* The /metrics counters (db_stats_get()), added to with DB_COUNT. */
extern struct db_stats db_counters;
#define DB_COUNT(field, n) __atomic_fetch_add(&(field), (unsigned long long)(n), __ATOMIC_RELAXED)
/* A monotonic clock in microseconds. */
unsigned long long db_now_us(void);
/* The first bucket whose bound holds v (n: the +Inf bucket). */
int db_bucket(const double *bounds, int n, double v);

#endif
