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
static _Thread_local sqlite3 *db_snap;

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

static int pragma(sqlite3 *db, const char *sql, struct err *e)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, "database setting '%s' failed: %s", sql, msg ? msg : "unknown error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* A migration in the log: from and to which schema version, and the failure if any. */
static void log_migration(sqlite3 *db, int from, int to, const char *failure)
{
	struct buf f = BUF_INIT;
	log_kv(&f, "database", sqlite3_db_filename(db, "main"));
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
static int migrate(sqlite3 *db, struct err *e)
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
		sqlite3_stmt *st = db_prepare(db, "PRAGMA foreign_key_check");
		bool broken = db_step_row(st) > 0;
		char table[128];
		snprintf(table, sizeof table, "%s", broken ? db_col_text(st, 0) : "");
		sqlite3_finalize(st);
		if (broken) {
			db_rollback(db);
			err_set(e, "upgrading the database to schema version %d would break references from table %s: "
				   "nothing was changed", want, table);
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

sqlite3 *db_open(const char *path, struct err *e)
{
	struct stat sb;
	if (!in_memory(path) && stat(path, &sb) < 0) {
		if (errno == ENOENT)
			err_set(e, "database '%s' does not exist", path);
		else
			err_set(e, "cannot open database '%s': %s", path, strerror(errno));
		return NULL;
	}
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (in_memory(path) ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		err_set(e, "cannot open database '%s': %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_handler(db, busy_wait, NULL);
	sqlite3_extended_result_codes(db, 1);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	if (pragma(db, "PRAGMA journal_mode=WAL", e) < 0 || pragma(db, "PRAGMA synchronous=FULL", e) < 0 ||
	    pragma(db, "PRAGMA temp_store=MEMORY", e) < 0 || migrate(db, e) < 0 ||
	    pragma(db, "PRAGMA foreign_keys=ON", e) < 0) {
		sqlite3_close(db);
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

sqlite3 *db_create(const char *path, struct err *e)
{
	if (in_memory(path))
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
	sqlite3 *db = db_open(path, e);
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
	if (check_owned_writable(side, "the database's write-ahead log", " (do not delete it: it may hold the "
				 "latest writes)", e) < 0)
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
		err_set(e, "the folder '%s' of database '%s' is not writable: SQLite creates the -wal and -shm files "
			   "beside the database", slash ? dir : ".", path);
		free(dir);
		return -1;
	}
	free(dir);

	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err_set(e, "cannot open database '%s': %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_handler(db, busy_wait, NULL);
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_db_readonly(db, "main") == 1) {
		sqlite3_close(db);
		return err_set(e, "database '%s' can only be opened read-only", path);
	}
	/* quick_check: every page and b-tree is well formed (not the index contents: integrity_check's cost). */
	sqlite3_stmt *st = NULL;
	rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(5)", -1, &st, NULL);
	int problems = 0;
	char first[512] = "";
	if (rc == SQLITE_OK) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *row = db_col_text(st, 0);
			if (strcmp(row, "ok") == 0)
				continue;
			if (problems++ == 0)
				snprintf(first, sizeof first, "%s", row);
		}
	}
	if (rc != SQLITE_DONE) {
		int code = sqlite3_extended_errcode(db);
		err_set(e, "database '%s' is damaged or not a database (%s): restore it from a backup", path,
			(code & 0xff) == SQLITE_NOTADB || (code & 0xff) == SQLITE_CORRUPT ? sqlite3_errstr(code)
											  : sqlite3_errmsg(db));
		sqlite3_finalize(st);
		sqlite3_close(db);
		return -1;
	}
	sqlite3_finalize(st);
	if (problems) {
		sqlite3_close(db);
		return err_set(e, "database '%s' is damaged: PRAGMA quick_check found %d%s problem%s, the first: %s; "
				  "restore it from a backup", path, problems, problems >= 5 ? " or more" : "",
			       problems == 1 ? "" : "s", first);
	}
	int have = (int)db_int(db, "PRAGMA user_version", NULL, NULL, 0);
	db_forget(db);
	if (have > schema_count()) {
		sqlite3_close(db);
		return err_set(e, "database '%s' has schema version %d, newer than this program knows (%d): upgrade sala",
			       path, have, schema_count());
	}
	/* A write lock: the file, the WAL and the shared memory all take part. */
	char *msg = NULL;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE; COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, "cannot write to database '%s': %s", path, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		sqlite3_close(db);
		return -1;
	}
	sqlite3_close(db);
	return 0;
}

void db_forget(sqlite3 *db)
{
	size_t keep = 0;
	for (size_t i = 0; i < db_nslots; i++) {
		if (db_slots[i].db == db)
			sqlite3_finalize(db_slots[i].st);
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

void db_close(sqlite3 *db)
{
	db_forget(db);
	sqlite3_close_v2(db);
}

sqlite3_stmt *db_stmt(sqlite3 *db, const char *sql)
{
	for (size_t i = 0; i < db_nslots; i++) {
		if (db_slots[i].db != db || db_slots[i].sql != sql)
			continue;
		if (db_slots[i].busy)
			return db_prepare(db, sql);
		db_slots[i].busy = true;
		if (db_snap == db && !sqlite3_stmt_readonly(db_slots[i].st))
			db_snapshot_stop(db);
		return db_slots[i].st;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		log_msg(LOG_ERROR, "error", "bad SQL (%s): %s", sqlite3_errmsg(db), sql);
		abort();
	}
	if (db_nslots == db_capslots) {
		db_capslots = db_capslots ? db_capslots * 2 : 32;
		db_slots = xrealloc(db_slots, db_capslots * sizeof *db_slots);
	}
	db_slots[db_nslots++] = (struct stmt_slot){db, sql, st, true};
	if (db_snap == db && !sqlite3_stmt_readonly(st))
		db_snapshot_stop(db);
	return st;
}

void db_finish(sqlite3_stmt *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < db_nslots; i++) {
		if (db_slots[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			db_slots[i].busy = false;
			return;
		}
	}
	sqlite3_finalize(st);
}

/* The last failed read of this thread (db_step_row), kept until db_read_failed(true). */
_Thread_local char db_read_error[256];

const char *db_errstr(sqlite3 *db)
{
	switch (sqlite3_errcode(db) & 0xff) {
	case SQLITE_FULL:
		return "the disk is full";
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
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
	case SQLITE_CANTOPEN:
		return "the database file cannot be opened";
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return "no permission";
	default:
		return sqlite3_errmsg(db);
	}
}

int db_step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int db_step_row(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	sqlite3 *db = sqlite3_db_handle(st);
	snprintf(db_read_error, sizeof db_read_error, "reading the database failed: %s", db_errstr(db));
	const char *sql = sqlite3_sql(st);
	log_msg(LOG_ERROR, "error", "%s (%s) in: %.80s", db_read_error, sqlite3_errmsg(db), sql ? sql : "");
	return -1;
}

int db_collect_ids(sqlite3_stmt *st, int64_t **ids, size_t *n)
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
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
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

sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_msg(LOG_ERROR, "error", "bad SQL (%s): %s", sqlite3_errmsg(db), sql);
		abort();
	}
	if (db_snap == db && !sqlite3_stmt_readonly(st))
		db_snapshot_stop(db);
	return st;
}

int db_exec(sqlite3 *db, const char *sql, struct err *e)
{
	db_snapshot_stop(db); /* transaction control, savepoints, DDL: never inside a request's snapshot */
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, "database error: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int db_begin(sqlite3 *db, struct err *e)
{
	return db_exec(db, "BEGIN IMMEDIATE", e);
}

int db_commit(sqlite3 *db, struct err *e)
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

void db_rollback(sqlite3 *db)
{
	if (db_snap == db)
		db_snap = NULL;
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

void db_durable(sqlite3 *db, bool on)
{
	sqlite3_exec(db, on ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
}

void db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	if (s)
		sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, idx);
}

const char *db_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

int64_t db_int(sqlite3 *db, const char *sql, const char *p1, const char *p2, int64_t def)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	if (p1)
		db_bind_text(st, 1, p1);
	if (p2)
		db_bind_text(st, 2, p2);
	int64_t v = def;
	if (db_step_row(st) > 0 && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	db_finish(st);
	return v;
}

char *db_setting_get(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT value FROM settings WHERE key = ?");
	db_bind_text(st, 1, key);
	char *v = NULL;
	if (db_step_row(st) > 0)
		v = xstrdup(db_col_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

int db_setting_set(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO settings(key, value) VALUES (?, ?) "
					  "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	int rc = db_step_done(st);
	sqlite3_finalize(st);
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
static int run_cached(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc = sqlite3_step(st);
	db_finish(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

bool db_stmts_idle(sqlite3 *db)
{
	for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st))
		if (sqlite3_stmt_busy(st))
			return false;
	return true;
}

void db_snapshot_begin(sqlite3 *db)
{
	if (db_snap || !sqlite3_get_autocommit(db))
		return;
	if (run_cached(db, "BEGIN") == SQLITE_OK)
		db_snap = db;
}

void db_snapshot_stop(sqlite3 *db)
{
	if (!db || db_snap != db || !db_stmts_idle(db))
		return;
	db_snap = NULL;
	if (!sqlite3_get_autocommit(db))
		run_cached(db, "COMMIT");
}

void db_snapshot_end(sqlite3 *db)
{
	if (!db || db_snap != db)
		return;
	db_snap = NULL;
	if (!sqlite3_get_autocommit(db) && run_cached(db, "COMMIT") != SQLITE_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

bool db_in_txn(sqlite3 *db)
{
	return !sqlite3_get_autocommit(db) && db_snap != db;
}

const char *db_last_error(sqlite3 *db)
{
	int code = db ? sqlite3_errcode(db) : SQLITE_OK;
	if (code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE)
		return NULL;
	return sqlite3_errmsg(db);
}

void db_memstatus_off(void)
{
	sqlite3_shutdown();
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
}
