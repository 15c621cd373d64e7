/*
 * The database: one SQLite file, or a PostgreSQL 15 database named by a
 * libpq URI (postgresql://...), is the whole state. Both engines are reached
 * through the same opaque types, struct db (a connection) and struct db_stmt
 * (a prepared statement), and the same calls; SQL uses `?` / `?N`
 * placeholders for both (rewritten to $N for PostgreSQL when prepared).
 * db_open() applies the connection settings (SQLite: WAL, foreign keys, busy
 * timeout, defensive mode; PostgreSQL: synchronous_commit=on) and the schema
 * migrations (SQLite: PRAGMA user_version; PostgreSQL: table schema_version).
 * A connection is used by one thread at a time: the CLI opens its own, the
 * server lends pooled ones to its request threads (db_pool_*).
 *
 * Implemented by lib/db.c (connections, statements, transactions, snapshots),
 * lib/db_pool.c (the pool), lib/db_writer.c (the group writer),
 * lib/db_checkpoint.c (the checkpoint thread), lib/db_health.c (file
 * watch, integrity checks, backups, health check), lib/db_stmt.c (the
 * engine-neutral statement calls) and lib/db_pg.c (the PostgreSQL engine).
 */
#ifndef SALA_DB_H
#define SALA_DB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* The path used when neither --db nor SALA_DB is given. */
#define DB_DEFAULT_PATH "sala.db"

struct db;	/* a connection to either engine */
struct db_stmt; /* a prepared statement of one connection */

/*
 * Result codes: SQLite's own values, so the SQLite engine passes them through; PostgreSQL's SQLSTATEs
 * map onto them (unique, foreign-key, not-null and check violations -> DB_CONSTRAINT; serialization
 * failures and deadlocks -> DB_BUSY; a lost or refused connection -> DB_UNAVAILABLE).
 */
#define DB_OK 0
#define DB_ERROR 1
#define DB_BUSY 5
#define DB_LOCKED 6
#define DB_NOMEM 7
#define DB_READONLY 8
#define DB_IOERR 10
#define DB_CORRUPT 11
#define DB_FULL 13
#define DB_CANTOPEN 14
#define DB_CONSTRAINT 19
#define DB_MISMATCH 20
#define DB_AUTH 23
#define DB_NOTADB 26
#define DB_ROW 100
#define DB_DONE 101
/* No server reachable (PostgreSQL; SQLite's SQLITE_CANTOPEN): the server answers 503. */
#define DB_UNAVAILABLE DB_CANTOPEN
/* Column types (db_col_type), SQLite's values. */
#define DB_INTEGER 1
#define DB_FLOAT 2
#define DB_TEXT 3
#define DB_BLOB 4
#define DB_NULL 5

enum db_engine { DB_ENGINE_SQLITE, DB_ENGINE_PG };
/* True when s names a PostgreSQL database (postgresql:// or postgres://); anything else is a SQLite path. */
bool db_is_uri(const char *s);
enum db_engine db_engine(const struct db *db);

/*
 * The statement calls, the same for both engines. Indexes: parameters from 1, columns from 0 (as
 * SQLite). Binds copy their value (db_bind_text, numbers) except db_bind_blob, whose bytes must stay
 * valid until the statement is reset or finalized. Column values are borrowed until the next step,
 * reset or finalize. None of them allocates per call on SQLite.
 */
int db_bind_int64(struct db_stmt *st, int idx, int64_t v);
int db_bind_int(struct db_stmt *st, int idx, int v);
int db_bind_double(struct db_stmt *st, int idx, double v);
int db_bind_null(struct db_stmt *st, int idx);
int db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n);
int64_t db_col_int64(struct db_stmt *st, int col);
int db_col_int(struct db_stmt *st, int col);
double db_col_double(struct db_stmt *st, int col);
const void *db_col_blob(struct db_stmt *st, int col);
int db_col_bytes(struct db_stmt *st, int col);
/* The number of columns a statement returns. */
int db_col_count(struct db_stmt *st);
/* DB_INTEGER, DB_FLOAT, DB_TEXT, DB_BLOB or DB_NULL. */
int db_col_type(struct db_stmt *st, int col);
/* DB_ROW, DB_DONE, or an error code (the message: db_errmsg()). */
int db_step(struct db_stmt *st);
int db_reset(struct db_stmt *st);
int db_clear_bindings(struct db_stmt *st);
/* Finalizes a db_prepare() statement (db_stmt() ones go back with db_finish()). NULL is allowed. */
int db_finalize(struct db_stmt *st);
/* Rows changed by the last INSERT, UPDATE or DELETE on db. */
int db_changes(struct db *db);
/* The last call's message and primary result code on db (DB_OK when it succeeded). */
const char *db_errmsg(struct db *db);
int db_errcode(struct db *db);
/* A result code in words (SQLite's wording). */
const char *db_code_str(int code);
/* True when no transaction (the caller's or a request snapshot) is open on db. */
bool db_autocommit(struct db *db);
/*
 * The id the last INSERT on db gave its row. Prefer `INSERT ... RETURNING id`, which both engines
 * speak; on PostgreSQL this costs a round trip (lastval()).
 */
int64_t db_last_insert_id(struct db *db);
/*
 * The ids the caller gives the next n rows it inserts into table (whose integer key is `id`), for bulk
 * inserts that must know their rows' ids (a path made of them) before the INSERT: PostgreSQL takes them
 * from the column's identity sequence (as default ids, so concurrent inserts get others), SQLite counts on
 * from the largest id, which needs the caller's write transaction (db_begin()) held until they are
 * inserted. table is a constant in the code. 0, or -1 with e set.
 */
int db_next_ids(struct db *db, const char *table, size_t n, int64_t *ids, struct err *e);
/*
 * The SQLite handle of db, or NULL for PostgreSQL: only for SQLite-only code in lib/ (backups,
 * checkpoints, blob I/O) and tests of the SQLite engine.
 */
struct sqlite3 *db_sqlite(struct db *db);
/* Wraps a SQLite handle opened elsewhere (tests of the SQLite engine); db_close() closes both. */
struct db *db_from_sqlite(struct sqlite3 *lite);
/* The file of a SQLite database; NULL for an in-memory one or PostgreSQL. Borrowed while db is open. */
const char *db_filename(struct db *db);

/*
 * Opens and migrates an existing database; NULL with a message on failure. A
 * path that does not exist is refused ("database 'X' does not exist"), never
 * created: only db_create() makes a database (":memory:" is the exception).
 * A postgresql:// URI connects to that server (multi-host URIs with
 * target_session_attrs=read-write find the primary); its database must exist.
 */
struct db *db_open(const char *path, struct err *e);
/*
 * Creates a new database file at path (mode 0600; SQLite gives its -wal and
 * -shm the mode of the database file) and migrates it. Refuses a path that
 * exists. NULL with a message on failure (nothing is left behind).
 */
struct db *db_create(const char *path, struct err *e);
/*
 * The server's start-up check of the database at path, without changing it:
 * it exists and is a regular file; it, its -wal and its -shm (when present)
 * are owned by the user running the program and writable; its folder is
 * writable; PRAGMA quick_check says ok; its schema version is not newer than
 * this program knows; a write lock can be taken. -1 with a message naming the
 * problem and the file.
 */
int db_check_file(const char *path, struct err *e);
void db_close(struct db *db);
/* The schema version this build migrates to. */
int db_schema_version(void);

/*
 * Prepares sql (a constant in the code, never built from input). A failure is
 * a programming error: it is logged and the process aborts.
 */
struct db_stmt *db_prepare(struct db *db, const char *sql);
/*
 * A prepared statement from the cache of this connection (prepared once per
 * connection and SQL text, which must be a constant; a pooled connection's
 * cache goes with it from thread to thread). Give it back with db_finish(), never
 * db_finalize(). If the same SQL is already in use (a nested call), a
 * fresh statement is returned, which db_finish() finalizes.
 */
struct db_stmt *db_stmt(struct db *db, const char *sql);
/*
 * Bulk work (an import) on db, or (off) back to serving pages: on PostgreSQL every statement, and every
 * statement of the triggers it fires, is then planned for its values at each execution (plan_cache_mode
 * = force_custom_plan), so that no plan made while a table was small is kept while one long transaction
 * grows it or before autovacuum has analyzed it. The command line's connections always plan so; the
 * server's pooled connections keep generic plans for pages (lib/db_pg.c). Nothing on SQLite.
 */
void db_bulk_plans(struct db *db, bool on);
/*
 * Bulk work that sorts or rewrites millions of rows in one transaction (building the report aggregates), or
 * (off) back to normal: on SQLite its temporary data (sorts, statement journals) then goes to temporary files
 * instead of memory (PRAGMA temp_store), so that memory stays bounded (about 10 MB instead of 900 MB for the
 * face-to-face aggregates of 1,000,000 learners). Schema migrations run so too. Nothing on PostgreSQL.
 */
int db_bulk_temp(struct db *db, bool on, struct err *e);
/*
 * After a bulk write has grown table (a constant in the code) many times over: PostgreSQL's statistics
 * of it are made again now (ANALYZE), not at autovacuum's next round, so the statements that follow
 * (the foreign-key checks of a users import right after an org import) are not planned for the small
 * table it was. Nothing on SQLite. 0, or -1 with e set.
 */
int db_analyze(struct db *db, const char *table, struct err *e);
/* Resets a db_stmt() statement for reuse, or finalizes any other statement. */
void db_finish(struct db_stmt *st);

/*
 * Checked steps: every db_step result is checked through these.
 * db_step_done() runs a statement that returns no rows: 0 on SQLITE_DONE, else -1 (the caller
 * reports db_errmsg()). db_step_row() steps a query: 1 for a row, 0 at the end, -1 on an
 * error, which is logged and remembered for this thread, so a row loop
 * `while ((rc = db_step_row(st)) > 0)` that ends early is never taken for a short list: the
 * server answers 503 instead of the page, the CLI exits 1 (db_read_failed()).
 */
int db_step_done(struct db_stmt *st);
int db_step_row(struct db_stmt *st);
/*
 * Steps st to the end, collecting the first column of every row as an integer into *ids (caller
 * frees; NULL when none) and *n, then finishes st. 0, or -1 (nothing in *ids) when reading ended on
 * an error (db_errstr() says which).
 */
int db_collect_ids(struct db_stmt *st, int64_t **ids, size_t *n);
/*
 * Work over many ids is done DB_BATCH ids a statement (`x IN (...)`, a multi-row VALUES): set-based, never
 * a statement per id, and well under SQLite's and PostgreSQL's limits on parameters. db_params() appends
 * the n placeholders "?first,?first+1,..." to sql; such a statement is made with db_prepare().
 */
#define DB_BATCH 500
struct buf;
void db_params(struct buf *sql, int first, size_t n);
/*
 * Appends to pattern the LIKE pattern that finds s anywhere in a text: '%' s '%', with s's ASCII letters
 * lowered and its '%', '_' and '\' escaped by '\'. Used as `lower(col) LIKE ? ESCAPE '\'`, it matches the
 * same rows on both engines (SQLite's LIKE ignores ASCII case, PostgreSQL's does not; Khmer has no case).
 */
void db_like_contains(struct buf *pattern, const char *s);
/*
 * The message of this thread's last failed db_step_row() since the last call with clear set, or
 * NULL when none failed. The pool clears it when a connection is lent (db_pool_take()).
 */
const char *db_read_failed(bool clear);
/*
 * True when a call of this thread failed because no database server was reachable (DB_UNAVAILABLE,
 * PostgreSQL) since the pool lent the connection: the server then answers 503 instead of 500.
 */
bool db_unavailable(void);
/* A failure message in words for a SQLite result ("the disk is full", "the database is busy"). */
const char *db_errstr(struct db *db);

/* Runs constant SQL with no parameters; -1 with the message on failure. */
int db_exec(struct db *db, const char *sql, struct err *e);

/*
 * Statements whose result the caller does not need at once. After db_pipeline(db, true) (the group
 * writer's connection), PostgreSQL sends them without waiting (libpq's pipeline mode): they reach the
 * server together with the next statement whose result is needed (a step, db_exec(), db_sync()), in one
 * round trip. A failure among them is that next call's failure (its code and message), and the server
 * skips what was sent after it; inside a transaction, the transaction has then failed as after any
 * failed statement. db_changes() says nothing about them. On SQLite, and on a connection not
 * pipelining, they run at once (db_step_later() is db_step_done()). db_step_later(): 0, or -1 (the
 * message: db_errmsg()); the statement may be reset or reused at once. db_exec_later(): as db_exec().
 * db_sync(): waits for what was sent; 0, or -1 with the first failure's message.
 */
void db_pipeline(struct db *db, bool on);
/* True when statements sent on db come back later (PostgreSQL after db_pipeline(db, true)). */
bool db_pipelining(struct db *db);
int db_step_later(struct db_stmt *st);
/*
 * Runs st (SQLite; PostgreSQL when not pipelining) or sends it (pipelining) now, in its place among the
 * statements, while its first db_step() (or db_step_row()/db_step_done()) comes later and reads its
 * result then (on PostgreSQL that step waits for the round trip that brings it, if none has yet):
 * an `UPDATE ... RETURNING` whose rows say what the statements sent after it should have done. 0, or
 * -1 when it failed at once (that first step says how). Reset or finish it as any statement.
 */
int db_send(struct db_stmt *st);
int db_exec_later(struct db *db, const char *sql, struct err *e);
int db_sync(struct db *db, struct err *e);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Commit returns -1 on failure. */
int db_begin(struct db *db, struct err *e);
int db_commit(struct db *db, struct err *e);
void db_rollback(struct db *db);

/*
 * For a function that may run inside its caller's transaction (a change and its audit entry, lib/audit.h):
 * db_join() begins one unless the caller has one open (*own says whether it began it); db_join_commit() and
 * db_join_rollback() commit or roll back only a transaction of its own, leaving the caller's to the caller.
 */
int db_join(struct db *db, bool *own, struct err *e);
int db_join_commit(struct db *db, bool own, struct err *e);
void db_join_rollback(struct db *db, bool own);

/*
 * Makes the next commit durable against power loss (synchronous=FULL) or back to NORMAL.
 * db_open() starts every connection at FULL; turning it off lasts for the whole connection.
 */
void db_durable(struct db *db, bool on);

/* Binds text (NULL binds SQL NULL); SQLITE_TRANSIENT copy. */
void db_bind_text(struct db_stmt *st, int idx, const char *s);
/* Column text as a C string ("" for NULL); borrowed until the next step. */
const char *db_col_text(struct db_stmt *st, int col);

/* A single integer from a query with up to two text parameters (NULL to skip); def when no row. */
int64_t db_int(struct db *db, const char *sql, const char *p1, const char *p2, int64_t def);

/* Site settings (table settings). Getter returns a copy the caller frees, or NULL. */
char *db_setting_get(struct db *db, const char *key);
int db_setting_set(struct db *db, const char *key, const char *value);

/*
 * Group commit for writes the user is told are saved. fn runs on a single
 * writer thread's connection inside a transaction shared with other waiting
 * writers (each in its own savepoint, so one failure rolls back only itself);
 * the call returns after the COMMIT (one fsync for the whole group) with fn's
 * result. fn must touch the database only through the db it is given. Until
 * db_group_start() is called (the server does), fn runs at once on db in its
 * own transaction.
 */
typedef int (*db_write_fn)(struct db *db, void *arg, struct err *e);
int db_group_write(struct db *db, db_write_fn fn, void *arg, struct err *e);
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
void db_snapshot_begin(struct db *db);
void db_snapshot_end(struct db *db);
bool db_in_txn(struct db *db);

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
struct db *db_pool_take(struct db_pool *p, int timeout_ms);
void db_pool_give(struct db_pool *p, struct db *db);
/* How many threads wait in take() for a free connection now (a snapshot; for tests and metrics). */
int db_pool_waiting(struct db_pool *p);
void db_pool_pause(void);
void db_pool_resume(void);

/*
 * Checkpoints the WAL from a thread of its own, so that no commit waits for
 * one. Connections given to db_wal_hook() (the pool's, the group writer's)
 * wake it when the WAL passes 1,000 pages instead of checkpointing themselves.
 */
int db_checkpointer_start(const char *path, struct err *e);
void db_checkpointer_stop(void);
void db_wal_hook(struct db *db);

/* PRAGMA quick_check: 0 when it says ok, else -1 with its first finding. */
int db_quick_check(struct db *db, struct err *e);
/* True when the file at path (a backup copy) opens read-only as a database and PRAGMA quick_check says ok. */
bool db_copy_ok(const char *path);
/*
 * Counters since the process started, for /metrics (docs/monitoring.md).
 * Histogram buckets are per bucket (not cumulative); the last one is +Inf.
 */
#define DB_BATCH_BUCKETS 9   /* group-commit jobs per transaction: <= 1, 2, 4, ... 128, +Inf */
#define DB_COMMIT_BUCKETS 12 /* seconds from BEGIN to COMMIT of a group: <= 0.001 ... 2.5, +Inf */
extern const double db_batch_bounds[DB_BATCH_BUCKETS];	 /* the finite bounds; the last entry is unused */
extern const double db_commit_bounds[DB_COMMIT_BUCKETS]; /* the finite bounds; the last entry is unused */
struct db_stats {
	unsigned long long pool_takes;	  /* connections taken by requests */
	unsigned long long pool_waits;	  /* takes (and resumes) that had to wait for a connection */
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
int db_health_check(struct db *db, struct err *e);

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

/*
 * Reads n bytes at byte off of a blob column (table, column: constants in the code) of the row whose
 * integer key is rowid: SQLite's incremental blob I/O, a substring() query on PostgreSQL. 0 or -1.
 */
int db_blob_read(struct db *db, const char *table, const char *column, int64_t rowid, size_t off, void *buf, size_t n);

/* Consistent online copy of the database into path (SQLite backup API), created 0600. */
int db_backup(struct db *db, const char *path, struct err *e);

/*
 * The database's own message for the last call on db when it failed, or NULL when that call succeeded
 * (for the log line of a request that failed). Borrowed until the next call on db.
 */
const char *db_last_error(struct db *db);
/*
 * Process set-up for the server: turns off SQLite's memory statistics, which take one process-wide mutex
 * on every allocation that request threads contend for (docs/performance.md). sqlite3_config() needs
 * SQLite shut down: call it while no connection is open, before any thread uses the database.
 */
void db_memstatus_off(void);

#endif
