/*
 * Connections: open, create, migrate, file checks, the per-thread statement
 * cache, prepare/step helpers, transactions, settings, request snapshots and
 * the /metrics counters. The pool, the group writer, the checkpoint thread
 * and the health checks are in lib/db_pool.c, lib/db_writer.c,
 * lib/db_checkpoint.c and lib/db_health.c (shared state: lib/db_private.h).
 */
#include "lib/db.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/db_private.h"
#include "lib/log.h"
#include "lib/schema.h"
#include "lib/xmalloc.h"

_Thread_local struct stmt_slot *db_slots;
_Thread_local size_t db_nslots, db_capslots;

/* The connection on which this thread holds a request's read transaction (db_snapshot_begin). */
static _Thread_local struct db *db_snap;

/*
 * Waits for another connection's write lock. SQLite's default busy handler
 * sleeps up to 100 ms at a time, which leaves the lock idle while writers
 * queue; short sleeps hand it over quickly. Gives up after about 10 seconds.
 */
static int busy_wait(void *arg, int count)
{
	(void)arg;
	if (count >= 10000 + 100)
		return 0;
	struct timespec ts = {0, count < 100 ? 100 * 1000 : 1000 * 1000};
	nanosleep(&ts, NULL);
	return 1;
}

static int pragma(struct db *db, const char *sql, struct err *e)
{
	char *msg = NULL;
	if (sqlite3_exec(db->lite, sql, NULL, NULL, &msg) != DB_OK) {
		err_set(e, "database setting '%s' failed: %s", sql, msg ? msg : "unknown error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* A migration in the log: from and to which schema version, and the failure if any. */
static void log_migration(struct db *db, int from, int to, const char *failure)
{
	struct buf f = BUF_INIT;
	log_kv(&f, "database", db->lite ? sqlite3_db_filename(db->lite, "main") : "postgresql");
	log_kvi(&f, "from", from);
	log_kvi(&f, "to", to);
	if (failure)
		log_kv(&f, "cause", failure);
	log_fields(failure ? LOG_ERROR : LOG_INFO, failure ? "migrate-failed" : "migrate", &f);
	buf_release(&f);
}

/*
 * Applies the migrations in one transaction. Some rebuild a table, which needs
 * foreign keys off (they cannot be switched inside a transaction): the caller
 * turns them on afterwards, and foreign_key_check must find nothing broken
 * before the commit.
 */
static int migrate(struct db *db, struct err *e)
{
	if (pragma(db, "PRAGMA foreign_keys=OFF", e) < 0 || db_begin(db, e) < 0)
		return -1;
	int have = (int)db_int(db, "PRAGMA user_version", NULL, NULL, 0);
	int want = schema_count();
	if (have > want) {
		db_rollback(db);
		return err_set(e, "database schema version %d is newer than this program (%d): upgrade sala", have,
			       want);
	}
	for (int v = have; v < want; v++) {
		if (db_exec(db, schema_migration(v), e) < 0) {
			db_rollback(db);
			log_migration(db, have, want, e->msg);
			return -1;
		}
	}
	if (have != want) {
		struct db_stmt *st = db_prepare(db, "PRAGMA foreign_key_check");
		bool broken = db_step_row(st) > 0;
		char table[128];
		snprintf(table, sizeof table, "%s", broken ? db_col_text(st, 0) : "");
		db_finalize(st);
		if (broken) {
			db_rollback(db);
			err_set(e,
				"upgrading the database to schema version %d would break references from table %s: "
				"nothing was changed",
				want, table);
			log_migration(db, have, want, e->msg);
			return -1;
		}
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", want);
		if (db_exec(db, sql, e) < 0) {
			db_rollback(db);
			log_migration(db, have, want, e->msg);
			return -1;
		}
	}
	if (db_commit(db, e) < 0) {
		if (have != want)
			log_migration(db, have, want, e->msg);
		return -1;
	}
	if (have != want)
		log_migration(db, have, want, NULL);
	return 0;
}

/* True for the names SQLite treats as a private temporary database rather than a file. */
static bool in_memory(const char *path)
{
	return !*path || strcmp(path, ":memory:") == 0;
}

struct db *db_open(const char *path, struct err *e)
{
	if (db_is_uri(path))
		return pg_open(path, e);
	struct stat sb;
	if (!in_memory(path) && stat(path, &sb) < 0) {
		if (errno == ENOENT)
			err_set(e, "database '%s' does not exist", path);
		else
			err_set(e, "cannot open database '%s': %s", path, strerror(errno));
		return NULL;
	}
	sqlite3 *lite = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (in_memory(path) ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, &lite, flags, NULL);
	if (rc != SQLITE_OK) {
		err_set(e, "cannot open database '%s': %s", path, lite ? sqlite3_errmsg(lite) : sqlite3_errstr(rc));
		sqlite3_close(lite);
		return NULL;
	}
	sqlite3_busy_handler(lite, busy_wait, NULL);
	sqlite3_extended_result_codes(lite, 1);
	sqlite3_db_config(lite, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(lite, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	struct db *db = db_wrap_sqlite(lite);
	if (pragma(db, "PRAGMA journal_mode=WAL", e) < 0 || pragma(db, "PRAGMA synchronous=FULL", e) < 0 ||
	    migrate(db, e) < 0 || pragma(db, "PRAGMA temp_store=MEMORY", e) < 0 ||
	    pragma(db, "PRAGMA foreign_keys=ON", e) < 0) {
		db_close(db);
		return NULL;
	}
	return db;
}

/* Removes a database file and the side files SQLite keeps beside it. */
static void db_unlink(const char *path)
{
	char side[4096];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

struct db *db_create(const char *path, struct err *e)
{
	if (in_memory(path) || db_is_uri(path))
		return db_open(path, e);
	/* SQLite would create the file 0644 (less the umask); an empty file is a new database to it. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			err_set(e, "'%s' already exists; a new database needs a new path", path);
		else
			err_set(e, "cannot create database '%s': %s", path, strerror(errno));
		return NULL;
	}
	/* The umask may have taken bits away, never added any: set exactly 0600. */
	fchmod(fd, 0600);
	close(fd);
	struct db *db = db_open(path, e);
	if (!db)
		db_unlink(path);
	return db;
}

/* The name of user id uid ("uid N" when it has none), into out. */
static void user_name(uid_t uid, char *out, size_t n)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];
	if (getpwuid_r(uid, &pw, tmp, sizeof tmp, &res) == 0 && res)
		snprintf(out, n, "%s (uid %u)", res->pw_name, (unsigned)uid);
	else
		snprintf(out, n, "uid %u", (unsigned)uid);
}

/* The database file or one of its side files must be ours and writable. what: how to name it in messages. */
static int check_owned_writable(const char *file, const char *what, const char *fix, struct err *e)
{
	struct stat sb;
	if (stat(file, &sb) < 0)
		return errno == ENOENT ? 0 : err_set(e, "cannot check %s '%s': %s", what, file, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return err_set(e, "%s '%s' is not a regular file", what, file);
	if (sb.st_uid != geteuid()) {
		char owner[160], me[160];
		user_name(sb.st_uid, owner, sizeof owner);
		user_name(geteuid(), me, sizeof me);
		return err_set(e,
			       "%s '%s' is owned by %s, but sala runs as %s: run sala as that user, or give the file "
			       "to this one (chown)%s",
			       what, file, owner, me, fix);
	}
	if (!(sb.st_mode & S_IWUSR))
		return err_set(e, "%s '%s' is read-only (mode %04o): make it writable (chmod u+w)%s", what, file,
			       (unsigned)(sb.st_mode & 07777), fix);
	int fd = open(file, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, "%s '%s' cannot be opened for writing: %s%s", what, file, strerror(errno), fix);
	close(fd);
	return 0;
}

int db_check_file(const char *path, struct err *e)
{
	if (db_is_uri(path)) {
		struct db *pg = db_open(path, e);
		if (!pg)
			return -1;
		db_close(pg);
		return 0;
	}
	struct stat sb;
	if (stat(path, &sb) < 0 && errno == ENOENT)
		return err_set(e, "database '%s' does not exist", path);
	if (stat(path, &sb) < 0)
		return err_set(e, "cannot open database '%s': %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return err_set(e, "database '%s' is not a regular file", path);
	char side[4096];
	if (check_owned_writable(path, "database", "", e) < 0)
		return -1;
	snprintf(side, sizeof side, "%s-wal", path);
	if (check_owned_writable(side, "the database's write-ahead log",
				 " (do not delete it: it may hold the "
				 "latest writes)",
				 e) < 0)
		return -1;
	snprintf(side, sizeof side, "%s-shm", path);
	if (check_owned_writable(side, "the database's shared-memory file",
				 " (or, when no sala process is running, delete it: SQLite makes a new one)", e) < 0)
		return -1;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	bool dir_ok = access(slash ? dir : ".", W_OK) == 0;
	if (!dir_ok) {
		err_set(e,
			"the folder '%s' of database '%s' is not writable: SQLite creates the -wal and -shm files "
			"beside the database",
			slash ? dir : ".", path);
		free(dir);
		return -1;
	}
	free(dir);

	sqlite3 *lite = NULL;
	int rc = sqlite3_open_v2(path, &lite, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err_set(e, "cannot open database '%s': %s", path, lite ? sqlite3_errmsg(lite) : sqlite3_errstr(rc));
		sqlite3_close(lite);
		return -1;
	}
	sqlite3_busy_handler(lite, busy_wait, NULL);
	sqlite3_extended_result_codes(lite, 1);
	struct db *db = db_wrap_sqlite(lite);
	if (sqlite3_db_readonly(lite, "main") == 1) {
		db_close(db);
		return err_set(e, "database '%s' can only be opened read-only", path);
	}
	/* quick_check: every page and b-tree is well formed (not the index contents: integrity_check's cost). */
	struct db_stmt *st = NULL;
	sqlite3_stmt *raw = NULL;
	rc = sqlite3_prepare_v2(lite, "PRAGMA quick_check(5)", -1, &raw, NULL);
	int problems = 0;
	char first[512] = "";
	if (rc == SQLITE_OK) {
		st = db_stmt_wrap(db, raw);
		while ((rc = db_step(st)) == DB_ROW) {
			const char *row = db_col_text(st, 0);
			if (strcmp(row, "ok") == 0)
				continue;
			if (problems++ == 0)
				snprintf(first, sizeof first, "%s", row);
		}
	}
	if (rc != DB_DONE) {
		int code = sqlite3_extended_errcode(lite);
		err_set(e, "database '%s' is damaged or not a database (%s): restore it from a backup", path,
			(code & 0xff) == SQLITE_NOTADB || (code & 0xff) == SQLITE_CORRUPT ? sqlite3_errstr(code)
											  : sqlite3_errmsg(lite));
		db_finalize(st);
		db_close(db);
		return -1;
	}
	db_finalize(st);
	if (problems) {
		db_close(db);
		return err_set(e,
			       "database '%s' is damaged: PRAGMA quick_check found %d%s problem%s, the first: %s; "
			       "restore it from a backup",
			       path, problems, problems >= 5 ? " or more" : "", problems == 1 ? "" : "s", first);
	}
	int have = (int)db_int(db, "PRAGMA user_version", NULL, NULL, 0);
	db_forget(db);
	if (have > schema_count()) {
		db_close(db);
		return err_set(e,
			       "database '%s' has schema version %d, newer than this program knows (%d): upgrade sala",
			       path, have, schema_count());
	}
	/* A write lock: the file, the WAL and the shared memory all take part. */
	char *msg = NULL;
	if (sqlite3_exec(lite, "BEGIN IMMEDIATE; COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, "cannot write to database '%s': %s", path, msg ? msg : sqlite3_errmsg(lite));
		sqlite3_free(msg);
		db_close(db);
		return -1;
	}
	db_close(db);
	return 0;
}

void db_forget(struct db *db)
{
	size_t keep = 0;
	for (size_t i = 0; i < db_nslots; i++) {
		if (db_slots[i].db == db)
			db_finalize(db_slots[i].st);
		else
			db_slots[keep++] = db_slots[i];
	}
	db_nslots = keep;
	if (db_nslots == 0) {
		free(db_slots);
		db_slots = NULL;
		db_capslots = 0;
	}
}

void db_close(struct db *db)
{
	if (!db)
		return;
	db_forget(db);
	if (db->lite)
		sqlite3_close_v2(db->lite);
	else
		pg_close(db->pg);
	free(db);
}

/* Prepares sql on either engine; cached: kept for the connection's life. A failure aborts (constant SQL). */
static struct db_stmt *prepare(struct db *db, const char *sql, bool cached)
{
	if (db->pg) {
		struct err e;
		struct pg_stmt *p = pg_prepare(db, sql, cached, &e);
		if (!p) {
			/* A lost connection is not a programming error: the step reports it. */
			if (pg_errcode(db->pg) == DB_UNAVAILABLE)
				p = NULL;
			else {
				log_msg(LOG_ERROR, "error", "bad SQL (%s): %s", e.msg, sql);
				abort();
			}
		}
		struct db_stmt *st = xcalloc(1, sizeof *st);
		st->db = db;
		st->pg = p;
		return st;
	}
	sqlite3_stmt *raw = NULL;
	if (sqlite3_prepare_v3(db->lite, sql, -1, cached ? SQLITE_PREPARE_PERSISTENT : 0, &raw, NULL) != SQLITE_OK) {
		log_msg(LOG_ERROR, "error", "bad SQL (%s): %s", sqlite3_errmsg(db->lite), sql);
		abort();
	}
	return db_stmt_wrap(db, raw);
}

struct db_stmt *db_stmt(struct db *db, const char *sql)
{
	for (size_t i = 0; i < db_nslots; i++) {
		if (db_slots[i].db != db || db_slots[i].sql != sql)
			continue;
		if (db_slots[i].busy)
			return db_prepare(db, sql);
		db_slots[i].busy = true;
		if (db_snap == db && !db_stmt_readonly(db_slots[i].st))
			db_snapshot_stop(db);
		return db_slots[i].st;
	}
	struct db_stmt *st = prepare(db, sql, true);
	if (db_nslots == db_capslots) {
		db_capslots = db_capslots ? db_capslots * 2 : 32;
		db_slots = xrealloc(db_slots, db_capslots * sizeof *db_slots);
	}
	db_slots[db_nslots++] = (struct stmt_slot){db, sql, st, true};
	if (db_snap == db && !db_stmt_readonly(st))
		db_snapshot_stop(db);
	return st;
}

void db_finish(struct db_stmt *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < db_nslots; i++) {
		if (db_slots[i].st == st) {
			db_reset(st);
			db_clear_bindings(st);
			db_slots[i].busy = false;
			return;
		}
	}
	db_finalize(st);
}

/* The last failed read of this thread (db_step_row), kept until db_read_failed(true). */
_Thread_local char db_read_error[256];

const char *db_errstr(struct db *db)
{
	switch (db_errcode(db)) {
	case DB_UNAVAILABLE:
		return db->pg ? "no primary database server is reachable" : "the database file cannot be opened";
	case SQLITE_FULL:
		return "the disk is full";
	case DB_BUSY:
	case DB_LOCKED:
		return "the database is busy";
	case SQLITE_READONLY:
		return "the database is read-only";
	case SQLITE_IOERR:
		return "a disk read or write failed";
	case SQLITE_NOMEM:
		return "not enough memory";
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return "the database file is damaged";
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return "no permission";
	default:
		return db_errmsg(db);
	}
}

int db_step_done(struct db_stmt *st)
{
	int rc = db_step(st);
	return rc == DB_DONE ? 0 : -1;
}

int db_step_row(struct db_stmt *st)
{
	int rc = db_step(st);
	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	struct db *db = st->db;
	snprintf(db_read_error, sizeof db_read_error, "reading the database failed: %s", db_errstr(db));
	const char *sql = db_stmt_sql(st);
	log_msg(LOG_ERROR, "error", "%s (%s) in: %.80s", db_read_error, db_errmsg(db), sql ? sql : "");
	return -1;
}

int db_collect_ids(struct db_stmt *st, int64_t **ids, size_t *n)
{
	*ids = NULL;
	*n = 0;
	size_t cap = 0;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*ids = xrealloc(*ids, cap * sizeof **ids);
		}
		(*ids)[(*n)++] = db_col_int64(st, 0);
	}
	db_finish(st);
	if (rc < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

const char *db_read_failed(bool clear)
{
	static _Thread_local char copy[256];
	if (!db_read_error[0])
		return NULL;
	snprintf(copy, sizeof copy, "%s", db_read_error);
	if (clear)
		db_read_error[0] = '\0';
	return copy;
}

int db_schema_version(void)
{
	return schema_count();
}

struct db_stmt *db_prepare(struct db *db, const char *sql)
{
	struct db_stmt *st = prepare(db, sql, false);
	if (db_snap == db && !db_stmt_readonly(st))
		db_snapshot_stop(db);
	return st;
}

int db_exec(struct db *db, const char *sql, struct err *e)
{
	db_snapshot_stop(db); /* transaction control, savepoints, DDL: never inside a request's snapshot */
	if (db->pg)
		return pg_exec(db, sql, e);
	char *msg = NULL;
	if (sqlite3_exec(db->lite, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, "database error: %s", msg ? msg : sqlite3_errmsg(db->lite));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

void db_pipeline(struct db *db, bool on)
{
	if (db->pg)
		pg_pipeline(db->pg, on);
}

bool db_pipelining(struct db *db)
{
	return db->pg && pg_pipelining(db->pg);
}

int db_step_later(struct db_stmt *st)
{
	if (st->pg)
		return pg_step_later(st->db, st->pg) == DB_DONE ? 0 : -1;
	return db_step_done(st);
}

int db_exec_later(struct db *db, const char *sql, struct err *e)
{
	db_snapshot_stop(db);
	if (db->pg)
		return pg_exec_later(db, sql, e);
	return db_exec(db, sql, e);
}

int db_sync(struct db *db, struct err *e)
{
	if (!db->pg || pg_sync(db->pg) == DB_OK)
		return 0;
	return err_set(e, "database error: %s", pg_errmsg(db->pg));
}

int db_begin(struct db *db, struct err *e)
{
	return db_exec(db, db->pg ? "BEGIN" : "BEGIN IMMEDIATE", e);
}

int db_commit(struct db *db, struct err *e)
{
	if (!db_file_ok()) {
		db_rollback(db);
		return err_set(e, "the database file was deleted or replaced while the server ran: nothing was saved");
	}
	if (db_exec(db, "COMMIT", e) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

void db_rollback(struct db *db)
{
	if (db_snap == db)
		db_snap = NULL;
	if (!db_autocommit(db))
		db_exec(db, "ROLLBACK", NULL);
}

int db_join(struct db *db, bool *own, struct err *e)
{
	*own = !db_in_txn(db);
	return *own ? db_begin(db, e) : 0;
}

int db_join_commit(struct db *db, bool own, struct err *e)
{
	return own ? db_commit(db, e) : 0;
}

void db_join_rollback(struct db *db, bool own)
{
	if (own)
		db_rollback(db);
}

void db_durable(struct db *db, bool on)
{
	if (db->pg)
		db_exec(db, on ? "SET synchronous_commit = on" : "SET synchronous_commit = off", NULL);
	else
		sqlite3_exec(db->lite, on ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
}

int64_t db_int(struct db *db, const char *sql, const char *p1, const char *p2, int64_t def)
{
	struct db_stmt *st = db_stmt(db, sql);
	if (p1)
		db_bind_text(st, 1, p1);
	if (p2)
		db_bind_text(st, 2, p2);
	int64_t v = def;
	if (db_step_row(st) > 0 && db_col_type(st, 0) != DB_NULL)
		v = db_col_int64(st, 0);
	db_finish(st);
	return v;
}

char *db_setting_get(struct db *db, const char *key)
{
	struct db_stmt *st = db_prepare(db, "SELECT value FROM settings WHERE key = ?");
	db_bind_text(st, 1, key);
	char *v = NULL;
	if (db_step_row(st) > 0)
		v = xstrdup(db_col_text(st, 0));
	db_finalize(st);
	return v;
}

int db_setting_set(struct db *db, const char *key, const char *value)
{
	struct db_stmt *st = db_prepare(db, "INSERT INTO settings(key, value) VALUES (?, ?) "
					    "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	int rc = db_step_done(st);
	db_finalize(st);
	return rc;
}

/* ---- counters for /metrics ------------------------------------------------- */

const double db_batch_bounds[DB_BATCH_BUCKETS] = {1, 2, 4, 8, 16, 32, 64, 128};
const double db_commit_bounds[DB_COMMIT_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
struct db_stats db_counters;

unsigned long long db_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000ull;
}

int db_bucket(const double *bounds, int n, double v)
{
	int i = 0;
	while (i < n && v > bounds[i])
		i++;
	return i;
}

void db_stats_get(struct db_stats *s)
{
	unsigned long long *dst = (unsigned long long *)s;
	const unsigned long long *src = (const unsigned long long *)&db_counters;
	for (size_t i = 0; i < sizeof *s / sizeof *dst; i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* ---- request snapshots ------------------------------------------------------ */

/* Runs a transaction statement from the cache (parsing BEGIN and COMMIT on every GET cost 4%). */
static int run_cached(struct db *db, const char *sql)
{
	struct db_stmt *st = db_stmt(db, sql);
	int rc = db_step(st);
	db_finish(st);
	return rc == DB_DONE ? DB_OK : rc;
}

bool db_stmts_idle(struct db *db)
{
	if (!db->lite)
		return true; /* PostgreSQL results are fetched whole: no statement holds the connection */
	for (sqlite3_stmt *st = sqlite3_next_stmt(db->lite, NULL); st; st = sqlite3_next_stmt(db->lite, st))
		if (sqlite3_stmt_busy(st))
			return false;
	return true;
}

void db_snapshot_begin(struct db *db)
{
	if (db_snap || !db_autocommit(db))
		return;
	if (run_cached(db, db->pg ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN") == DB_OK)
		db_snap = db;
}

void db_snapshot_stop(struct db *db)
{
	if (!db || db_snap != db || !db_stmts_idle(db))
		return;
	db_snap = NULL;
	if (!db_autocommit(db))
		run_cached(db, "COMMIT");
}

void db_snapshot_end(struct db *db)
{
	if (!db || db_snap != db)
		return;
	db_snap = NULL;
	if (!db_autocommit(db) && run_cached(db, "COMMIT") != DB_OK)
		db_exec(db, "ROLLBACK", NULL);
}

bool db_in_txn(struct db *db)
{
	return !db_autocommit(db) && db_snap != db;
}

const char *db_last_error(struct db *db)
{
	int code = db ? db_errcode(db) : DB_OK;
	if (code == DB_OK || code == DB_ROW || code == DB_DONE)
		return NULL;
	return db_errmsg(db);
}

void db_memstatus_off(void)
{
	sqlite3_shutdown();
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
}
