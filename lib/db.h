/*
 * The database: one SQLite file is the whole state. db_open() applies the
 * connection settings (WAL, foreign keys, busy timeout, defensive mode) and
 * the schema migrations (PRAGMA user_version). A connection is used by one
 * thread at a time: the CLI opens its own, the server lends pooled ones to its
 * request threads (db_pool_*).
 *
 * Implemented by lib/db.c (connections, statements, transactions, snapshots),
 * lib/db_pool.c (the pool), lib/db_writer.c (the group writer),
 * lib/db_checkpoint.c (the checkpoint thread) and lib/db_health.c (file
 * watch, integrity checks, backups, health check).
 */
#ifndef SALA_DB_H
#define SALA_DB_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* The path used when neither --db nor SALA_DB is given. */
#define DB_DEFAULT_PATH "sala.db"

/*
 * Opens and migrates an existing database; NULL with a message on failure. A
 * path that does not exist is refused ("database 'X' does not exist"), never
 * created: only db_create() makes a database (":memory:" is the exception).
 */
sqlite3 *db_open(const char *path, struct err *e);
/*
 * Creates a new database file at path (mode 0600; SQLite gives its -wal and
 * -shm the mode of the database file) and migrates it. Refuses a path that
 * exists. NULL with a message on failure (nothing is left behind).
 */
sqlite3 *db_create(const char *path, struct err *e);
/*
 * The server's start-up check of the database at path, without changing it:
 * it exists and is a regular file; it, its -wal and its -shm (when present)
 * are owned by the user running the program and writable; its folder is
 * writable; PRAGMA quick_check says ok; its schema version is not newer than
 * this program knows; a write lock can be taken. -1 with a message naming the
 * problem and the file.
 */
int db_check_file(const char *path, struct err *e);
void db_close(sqlite3 *db);
/* The schema version this build migrates to. */
int db_schema_version(void);

/*
 * Prepares sql (a constant in the code, never built from input). A failure is
 * a programming error: it is logged and the process aborts.
 */
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql);
/*
 * A prepared statement from the cache of this connection (prepared once per
 * connection and SQL text, which must be a constant; a pooled connection's
 * cache goes with it from thread to thread). Give it back with db_finish(), never
 * sqlite3_finalize(). If the same SQL is already in use (a nested call), a
 * fresh statement is returned, which db_finish() finalizes.
 */
sqlite3_stmt *db_stmt(sqlite3 *db, const char *sql);
/* Resets a db_stmt() statement for reuse, or finalizes any other statement. */
void db_finish(sqlite3_stmt *st);

/*
 * Checked steps: every sqlite3_step result is checked through these.
 * db_step_done() runs a statement that returns no rows: 0 on SQLITE_DONE, else -1 (the caller
 * reports sqlite3_errmsg()). db_step_row() steps a query: 1 for a row, 0 at the end, -1 on an
 * error, which is logged and remembered for this thread, so a row loop
 * `while ((rc = db_step_row(st)) > 0)` that ends early is never taken for a short list: the
 * server answers 503 instead of the page, the CLI exits 1 (db_read_failed()).
 */
int db_step_done(sqlite3_stmt *st);
int db_step_row(sqlite3_stmt *st);
/*
 * Steps st to the end, collecting the first column of every row as an integer into *ids (caller
 * frees; NULL when none) and *n, then finishes st. 0, or -1 (nothing in *ids) when reading ended on
 * an error (db_errstr() says which).
 */
int db_collect_ids(sqlite3_stmt *st, int64_t **ids, size_t *n);
/*
 * Work over many ids is done DB_BATCH ids a statement (`x IN (...)`, a multi-row VALUES): set-based, never
 * a statement per id, and well under SQLite's and PostgreSQL's limits on parameters. db_params() appends
 * the n placeholders "?first,?first+1,..." to sql; such a statement is made with db_prepare().
 */
#define DB_BATCH 500
struct buf;
void db_params(struct buf *sql, int first, size_t n);
/*
 * The message of this thread's last failed db_step_row() since the last call with clear set, or
 * NULL when none failed. The pool clears it when a connection is lent (db_pool_take()).
 */
const char *db_read_failed(bool clear);
/* A failure message in words for a SQLite result ("the disk is full", "the database is busy"). */
const char *db_errstr(sqlite3 *db);

/* Runs constant SQL with no parameters; -1 with the message on failure. */
int db_exec(sqlite3 *db, const char *sql, struct err *e);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Commit returns -1 on failure. */
int db_begin(sqlite3 *db, struct err *e);
int db_commit(sqlite3 *db, struct err *e);
void db_rollback(sqlite3 *db);

/*
 * Makes the next commit durable against power loss (synchronous=FULL) or back to NORMAL.
 * db_open() starts every connection at FULL; turning it off lasts for the whole connection.
 */
void db_durable(sqlite3 *db, bool on);

/* Binds text (NULL binds SQL NULL); SQLITE_TRANSIENT copy. */
void db_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Column text as a C string ("" for NULL); borrowed until the next step. */
const char *db_col_text(sqlite3_stmt *st, int col);

/* A single integer from a query with up to two text parameters (NULL to skip); def when no row. */
int64_t db_int(sqlite3 *db, const char *sql, const char *p1, const char *p2, int64_t def);

/* Site settings (table settings). Getter returns a copy the caller frees, or NULL. */
char *db_setting_get(sqlite3 *db, const char *key);
int db_setting_set(sqlite3 *db, const char *key, const char *value);

/*
 * Group commit for writes the user is told are saved. fn runs on a single
 * writer thread's connection inside a transaction shared with other waiting
 * writers (each in its own savepoint, so one failure rolls back only itself);
 * the call returns after the COMMIT (one fsync for the whole group) with fn's
 * result. fn must touch the database only through the db it is given. Until
 * db_group_start() is called (the server does), fn runs at once on db in its
 * own transaction.
 */
typedef int (*db_write_fn)(sqlite3 *db, void *arg, struct err *e);
int db_group_write(sqlite3 *db, db_write_fn fn, void *arg, struct err *e);
/* Starts the writer thread for the database at path; db_group_stop() ends it. */
int db_group_start(const char *path, struct err *e);
void db_group_stop(void);

/*
 * A request's read snapshot: one read transaction for all of a GET's queries
 * instead of one per statement (starting and ending them was a fifth of a
 * lesson page's cost). Anything that writes ends it first, on its own:
 * db_begin(), db_exec(), db_group_write(), preparing a statement that writes,
 * and db_pool_pause(). db_in_txn() is true only for a transaction of the
 * caller's own (not the snapshot): code that starts its own transaction
 * unless one is open asks it.
 */
void db_snapshot_begin(sqlite3 *db);
void db_snapshot_end(sqlite3 *db);
bool db_in_txn(sqlite3 *db);

/*
 * The server's connection pool: n connections (each with a cache_kb page cache)
 * lent to request threads one at a time, each with its own statement cache.
 * take() waits for a free one; give() returns it (rolling back any open
 * transaction). pause()/resume() let a thread that is about to wait (for a
 * password hash, a report slot, a group commit) lend its connection meanwhile
 * and get the same one back; they do nothing inside a transaction, while a
 * statement runs, or on a thread that holds no pooled connection.
 */
struct db_pool;
struct db_pool *db_pool_open(const char *path, int n, int cache_kb, struct err *e);
void db_pool_close(struct db_pool *p);
/* NULL when none came free within timeout_ms (0: wait as long as it takes). */
sqlite3 *db_pool_take(struct db_pool *p, int timeout_ms);
void db_pool_give(struct db_pool *p, sqlite3 *db);
void db_pool_pause(void);
void db_pool_resume(void);

/*
 * Checkpoints the WAL from a thread of its own, so that no commit waits for
 * one. Connections given to db_wal_hook() (the pool's, the group writer's)
 * wake it when the WAL passes 1,000 pages instead of checkpointing themselves.
 */
int db_checkpointer_start(const char *path, struct err *e);
void db_checkpointer_stop(void);
void db_wal_hook(sqlite3 *db);

/* PRAGMA quick_check: 0 when it says ok, else -1 with its first finding. */
int db_quick_check(sqlite3 *db, struct err *e);
/* True when the file at path (a backup copy) opens read-only as a database and PRAGMA quick_check says ok. */
bool db_copy_ok(const char *path);
/*
 * Counters since the process started, for /metrics (docs/monitoring.md).
 * Histogram buckets are per bucket (not cumulative); the last one is +Inf.
 */
#define DB_BATCH_BUCKETS 9   /* group-commit jobs per transaction: <= 1, 2, 4, ... 128, +Inf */
#define DB_COMMIT_BUCKETS 12 /* seconds from BEGIN to COMMIT of a group: <= 0.001 ... 2.5, +Inf */
extern const double db_batch_bounds[DB_BATCH_BUCKETS];   /* the finite bounds; the last entry is unused */
extern const double db_commit_bounds[DB_COMMIT_BUCKETS]; /* the finite bounds; the last entry is unused */
struct db_stats {
	unsigned long long pool_takes;    /* connections taken by requests */
	unsigned long long pool_waits;    /* takes (and resumes) that had to wait for a connection */
	unsigned long long pool_wait_us;  /* time spent in those waits */
	unsigned long long pool_timeouts; /* takes that gave up (the request got 503) */
	unsigned long long batches, batch_jobs;
	unsigned long long batch_le[DB_BATCH_BUCKETS];
	unsigned long long commit_us;
	unsigned long long commit_le[DB_COMMIT_BUCKETS];
};
/* A copy of the counters (each read atomically). */
void db_stats_get(struct db_stats *s);

/*
 * The health check: reads the schema and writes a heartbeat setting inside a
 * BEGIN IMMEDIATE transaction that is rolled back, so nothing is kept. -1 with
 * the database's own message (locked, disk full, read-only...) on failure.
 */
int db_health_check(sqlite3 *db, struct err *e);

/*
 * Watching the database file while the server runs. db_watch() remembers the
 * device and inode path names now; db_file_ok() is false from the moment path
 * no longer names that file (deleted, or replaced by another), and says so
 * once on stderr. Open connections keep reading and writing the old, unlinked
 * file, so the server stops every write then: the group writer and
 * db_commit() refuse to commit (every batch and commit checks it: one stat()),
 * and the checkpoint thread checks every few seconds even when nothing is
 * written. Without db_watch() (or after db_watch(NULL)), db_file_ok() is always true.
 */
int db_watch(const char *path, struct err *e);
bool db_file_ok(void);

/* Consistent online copy of the database into path (SQLite backup API), created 0600. */
int db_backup(sqlite3 *db, const char *path, struct err *e);

/*
 * The database's own message for the last call on db when it failed, or NULL when that call succeeded
 * (for the log line of a request that failed). Borrowed until the next call on db.
 */
const char *db_last_error(sqlite3 *db);
/*
 * Process set-up for the server: turns off SQLite's memory statistics, which take one process-wide mutex
 * on every allocation that request threads contend for (docs/performance.md). sqlite3_config() needs
 * SQLite shut down: call it while no connection is open, before any thread uses the database.
 */
void db_memstatus_off(void);

#endif
