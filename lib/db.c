#include "lib/db.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/schema.h"
#include "lib/xmalloc.h"

/* This thread's statement cache: a short list, searched by pointer. */
struct stmt_slot {
	sqlite3 *db;
	const char *sql;
	sqlite3_stmt *st;
	bool busy;
};
static _Thread_local struct stmt_slot *slots;
static _Thread_local size_t nslots, capslots;

/* The connection on which this thread holds a request's read transaction (db_snapshot_begin). */
static _Thread_local sqlite3 *snap_db;
static void snapshot_stop(sqlite3 *db);
static void db_forget(sqlite3 *db);

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

/* Finalizes this thread's cached statements of db. */
static void db_forget(sqlite3 *db)
{
	size_t keep = 0;
	for (size_t i = 0; i < nslots; i++) {
		if (slots[i].db == db)
			sqlite3_finalize(slots[i].st);
		else
			slots[keep++] = slots[i];
	}
	nslots = keep;
	if (nslots == 0) {
		free(slots);
		slots = NULL;
		capslots = 0;
	}
}

void db_close(sqlite3 *db)
{
	db_forget(db);
	sqlite3_close_v2(db);
}

sqlite3_stmt *db_stmt(sqlite3 *db, const char *sql)
{
	for (size_t i = 0; i < nslots; i++) {
		if (slots[i].db != db || slots[i].sql != sql)
			continue;
		if (slots[i].busy)
			return db_prepare(db, sql);
		slots[i].busy = true;
		if (snap_db == db && !sqlite3_stmt_readonly(slots[i].st))
			snapshot_stop(db);
		return slots[i].st;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		log_msg(LOG_ERROR, "error", "bad SQL (%s): %s", sqlite3_errmsg(db), sql);
		abort();
	}
	if (nslots == capslots) {
		capslots = capslots ? capslots * 2 : 32;
		slots = xrealloc(slots, capslots * sizeof *slots);
	}
	slots[nslots++] = (struct stmt_slot){db, sql, st, true};
	if (snap_db == db && !sqlite3_stmt_readonly(st))
		snapshot_stop(db);
	return st;
}

void db_finish(sqlite3_stmt *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < nslots; i++) {
		if (slots[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			slots[i].busy = false;
			return;
		}
	}
	sqlite3_finalize(st);
}

/* The last failed read of this thread (db_step_row), kept until db_read_failed(true). */
static _Thread_local char read_error[256];

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
	snprintf(read_error, sizeof read_error, "reading the database failed: %s", db_errstr(db));
	const char *sql = sqlite3_sql(st);
	log_msg(LOG_ERROR, "error", "%s (%s) in: %.80s", read_error, sqlite3_errmsg(db), sql ? sql : "");
	return -1;
}

const char *db_read_failed(bool clear)
{
	static _Thread_local char copy[256];
	if (!read_error[0])
		return NULL;
	snprintf(copy, sizeof copy, "%s", read_error);
	if (clear)
		read_error[0] = '\0';
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
	if (snap_db == db && !sqlite3_stmt_readonly(st))
		snapshot_stop(db);
	return st;
}

int db_exec(sqlite3 *db, const char *sql, struct err *e)
{
	snapshot_stop(db); /* transaction control, savepoints, DDL: never inside a request's snapshot */
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
	if (snap_db == db)
		snap_db = NULL;
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

/* The file the server opened (db_watch); lost is set once it is gone and stays set. */
static struct {
	pthread_mutex_t lock;
	char *path;
	dev_t dev;
	ino_t ino;
	bool lost;
} watch = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, false};

int db_watch(const char *path, struct err *e)
{
	struct stat sb;
	if (!path) {
		pthread_mutex_lock(&watch.lock);
		free(watch.path);
		watch.path = NULL;
		watch.lost = false;
		pthread_mutex_unlock(&watch.lock);
		return 0;
	}
	if (stat(path, &sb) < 0)
		return err_set(e, "cannot watch database '%s': %s", path, strerror(errno));
	pthread_mutex_lock(&watch.lock);
	free(watch.path);
	watch.path = xstrdup(path);
	watch.dev = sb.st_dev;
	watch.ino = sb.st_ino;
	watch.lost = false;
	pthread_mutex_unlock(&watch.lock);
	return 0;
}

bool db_file_ok(void)
{
	pthread_mutex_lock(&watch.lock);
	bool ok = !watch.lost;
	if (ok && watch.path) {
		struct stat sb;
		int rc = stat(watch.path, &sb);
		/* Only a missing file or another inode counts: a passing error (EINTR, ENOMEM) is not a loss. */
		if ((rc < 0 && errno == ENOENT) || (rc == 0 && (sb.st_dev != watch.dev || sb.st_ino != watch.ino))) {
			watch.lost = true;
			ok = false;
			fprintf(stderr,
				"sala: ALERT: the database file '%s' was %s while the server was running. Every write "
				"is refused (503) from now on, because it would go to the old file that is no longer "
				"there. Put the right file back at '%s' (from a backup, with its key) and restart the "
				"server.\n",
				watch.path, rc < 0 ? "deleted" : "replaced by another file", watch.path);
			fflush(stderr);
		}
	}
	pthread_mutex_unlock(&watch.lock);
	return ok;
}

int db_quick_check(sqlite3 *db, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "PRAGMA quick_check");
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		err_set(e, "PRAGMA quick_check failed: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	/* The first row is "ok", or the first of the problems found (on one line). */
	if (strcmp(db_col_text(st, 0), "ok") != 0) {
		char *finding = xstrdup(db_col_text(st, 0));
		for (char *p = finding; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		err_set(e, "PRAGMA quick_check: %s", finding);
		free(finding);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

int db_backup(sqlite3 *db, const char *path, struct err *e)
{
	sqlite3 *dst = NULL;
	/* Personal data: the copy is created 0600 before SQLite writes to it (it would make it 0644). */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, "cannot create backup '%s': %s", path, strerror(errno));
	fchmod(fd, 0600);
	close(fd);
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		err_set(e, "cannot create backup '%s': %s", path, dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", db, "main");
	if (!b) {
		err_set(e, "cannot start backup to '%s': %s", path, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	int rc;
	/*
	 * One step copies every page inside one read transaction: in WAL mode it
	 * does not block writers, and it sees one consistent snapshot. (Copying
	 * in small steps restarts from the start whenever another connection
	 * writes, so under steady writes it might never finish.)
	 */
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(5);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		err_set(e, "backup to '%s' failed: %s", path, sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -1;
	}
	int ok = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	sqlite3_close(dst);
	(void)ok;
	return 0;
}

/* ---- counters for /metrics ------------------------------------------------- */

const double db_batch_bounds[DB_BATCH_BUCKETS] = {1, 2, 4, 8, 16, 32, 64, 128};
const double db_commit_bounds[DB_COMMIT_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
static struct db_stats stats;

#define COUNT(field, n) __atomic_fetch_add(&(field), (unsigned long long)(n), __ATOMIC_RELAXED)

static unsigned long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000ull;
}

/* The first bucket whose bound holds v (n: the +Inf bucket). */
static int bucket(const double *bounds, int n, double v)
{
	int i = 0;
	while (i < n && v > bounds[i])
		i++;
	return i;
}

void db_stats_get(struct db_stats *s)
{
	unsigned long long *dst = (unsigned long long *)s;
	const unsigned long long *src = (const unsigned long long *)&stats;
	for (size_t i = 0; i < sizeof *s / sizeof *dst; i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* Group commit: a queue of jobs served by one writer thread. */
struct job {
	db_write_fn fn;
	void *arg;
	struct err *e;
	int rc;
	bool done;
	struct job *next;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct job *head, *tail;
	pthread_t thread;
	sqlite3 *db;
	bool running, stop;
} group = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, NULL,
	   false, false};

/* Runs one batch in one transaction; each job in a savepoint. */
static void group_run(struct job *batch)
{
	struct err e;
	int brc = db_begin(group.db, &e);
	for (struct job *j = batch; j; j = j->next) {
		if (brc < 0) {
			j->rc = err_set(j->e, "%s", e.msg);
			continue;
		}
		db_exec(group.db, "SAVEPOINT job", NULL);
		j->rc = j->fn(group.db, j->arg, j->e);
		if (j->rc < 0)
			db_exec(group.db, "ROLLBACK TO job", NULL);
		db_exec(group.db, "RELEASE job", NULL);
	}
	if (brc == 0 && db_commit(group.db, &e) < 0) {
		for (struct job *j = batch; j; j = j->next)
			if (j->rc >= 0)
				j->rc = err_set(j->e, "%s", e.msg);
	}
}

static void *group_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&group.lock);
	for (;;) {
		while (!group.head && !group.stop)
			pthread_cond_wait(&group.work, &group.lock);
		if (!group.head && group.stop)
			break;
		struct job *batch = group.head;
		group.head = group.tail = NULL;
		pthread_mutex_unlock(&group.lock);
		unsigned long long t0 = now_us(), jobs = 0;
		for (struct job *j = batch; j; j = j->next)
			jobs++;
		group_run(batch);
		unsigned long long took = now_us() - t0;
		COUNT(stats.batches, 1);
		COUNT(stats.batch_jobs, jobs);
		COUNT(stats.batch_le[bucket(db_batch_bounds, DB_BATCH_BUCKETS - 1, (double)jobs)], 1);
		COUNT(stats.commit_us, took);
		COUNT(stats.commit_le[bucket(db_commit_bounds, DB_COMMIT_BUCKETS - 1, (double)took / 1e6)], 1);
		pthread_mutex_lock(&group.lock);
		for (struct job *j = batch, *next; j; j = next) {
			next = j->next;
			j->done = true;
		}
		pthread_cond_broadcast(&group.done);
	}
	pthread_mutex_unlock(&group.lock);
	/* Closed here: the statement cache belongs to this thread. */
	db_close(group.db);
	group.db = NULL;
	return NULL;
}

int db_group_start(const char *path, struct err *e)
{
	if (group.running)
		return 0;
	group.db = db_open(path, e);
	if (!group.db)
		return -1;
	db_wal_hook(group.db);
	group.stop = false;
	if (pthread_create(&group.thread, NULL, group_main, NULL) != 0) {
		db_close(group.db);
		group.db = NULL;
		return err_set(e, "cannot start the database writer thread");
	}
	group.running = true;
	return 0;
}

void db_group_stop(void)
{
	if (!group.running)
		return;
	pthread_mutex_lock(&group.lock);
	group.stop = true;
	pthread_cond_signal(&group.work);
	pthread_mutex_unlock(&group.lock);
	pthread_join(group.thread, NULL);
	group.running = false;
}

int db_group_write(sqlite3 *db, db_write_fn fn, void *arg, struct err *e)
{
	snapshot_stop(db); /* the caller's later reads then see this write */
	if (!group.running || db_in_txn(db)) {
		/* No writer thread, or the caller is inside its own transaction: run here. */
		bool own = !db_in_txn(db);
		if (own && db_begin(db, e) < 0)
			return -1;
		int rc = fn(db, arg, e);
		if (!own)
			return rc;
		if (rc < 0) {
			db_rollback(db);
			return rc;
		}
		return db_commit(db, e) < 0 ? -1 : rc;
	}
	struct job j = {.fn = fn, .arg = arg, .e = e};
	/* Others may use this thread's pooled connection while it waits for the commit. */
	db_pool_pause();
	pthread_mutex_lock(&group.lock);
	if (group.tail)
		group.tail->next = &j;
	else
		group.head = &j;
	group.tail = &j;
	pthread_cond_signal(&group.work);
	while (!j.done)
		pthread_cond_wait(&group.done, &group.lock);
	pthread_mutex_unlock(&group.lock);
	db_pool_resume();
	return j.rc;
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

static bool stmts_idle(sqlite3 *db)
{
	for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st))
		if (sqlite3_stmt_busy(st))
			return false;
	return true;
}

void db_snapshot_begin(sqlite3 *db)
{
	if (snap_db || !sqlite3_get_autocommit(db))
		return;
	if (run_cached(db, "BEGIN") == SQLITE_OK)
		snap_db = db;
}

/* Ends the snapshot so a write can start (or be seen); left open while a statement runs. */
static void snapshot_stop(sqlite3 *db)
{
	if (!db || snap_db != db || !stmts_idle(db))
		return;
	snap_db = NULL;
	if (!sqlite3_get_autocommit(db))
		run_cached(db, "COMMIT");
}

void db_snapshot_end(sqlite3 *db)
{
	if (!db || snap_db != db)
		return;
	snap_db = NULL;
	if (!sqlite3_get_autocommit(db) && run_cached(db, "COMMIT") != SQLITE_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

bool db_in_txn(sqlite3 *db)
{
	return !sqlite3_get_autocommit(db) && snap_db != db;
}

/* ---- connection pool ------------------------------------------------------ */

/*
 * The server's connections: a fixed set lent to request threads one at a
 * time. A connection and its statement cache travel together: take() binds
 * the entry's cache to the taking thread, give() unbinds it.
 */
struct waiter {
	struct waiter *next;
	pthread_cond_t cv;
	struct pooled *got;
};

struct pooled {
	sqlite3 *db;
	struct stmt_slot *slots;
	size_t nslots, capslots;
	bool busy;
	/* Threads that paused this entry and wait to get it back (several may have lent it in turn). */
	struct waiter *reclaim;
};

/*
 * Free entries are handed to waiting threads in arrival order, each waiter
 * woken alone (a broadcast woke a thousand threads for one connection).
 */
struct db_pool {
	pthread_mutex_t lock;
	struct pooled *conns;
	int n;
	struct waiter *head, *tail;
};

static _Thread_local struct pooled *bound;      /* the entry this thread holds */
static _Thread_local struct db_pool *bound_pool;
static _Thread_local struct pooled *paused;     /* lent out by db_pool_pause() */
/* The thread's own statement cache (its other connections), put aside while an entry is bound. */
static _Thread_local struct stmt_slot *own_slots;
static _Thread_local size_t own_nslots, own_capslots;

static void bind_entry(struct db_pool *p, struct pooled *c)
{
	c->busy = true;
	bound = c;
	bound_pool = p;
	own_slots = slots;
	own_nslots = nslots;
	own_capslots = capslots;
	slots = c->slots;
	nslots = c->nslots;
	capslots = c->capslots;
}

/* Gives the bound entry up: to its reclaimer, the first waiter, or the free set. Pool lock held. */
static void unbind_entry(struct db_pool *p)
{
	struct pooled *c = bound;
	c->slots = slots;
	c->nslots = nslots;
	c->capslots = capslots;
	slots = own_slots;
	nslots = own_nslots;
	capslots = own_capslots;
	own_slots = NULL;
	own_nslots = own_capslots = 0;
	bound = NULL;
	struct waiter *w = c->reclaim;
	if (w) {
		c->reclaim = w->next;
	} else if ((w = p->head) != NULL) {
		p->head = w->next;
		if (!p->head)
			p->tail = NULL;
	}
	if (w) {
		w->got = c; /* stays busy: handed over */
		pthread_cond_signal(&w->cv);
	} else {
		c->busy = false;
	}
}

/* Waits for an entry (a specific one when want is set). Pool lock held. */
/*
 * Waits for an entry (a specific one when want is set; then without a time
 * limit). NULL when timeout_ms passed first. Called with the pool lock held.
 */
static struct pooled *wait_entry(struct db_pool *p, struct pooled *want, int timeout_ms)
{
	struct waiter *w = xcalloc(1, sizeof *w);
	pthread_cond_init(&w->cv, NULL);
	if (want) {
		w->next = want->reclaim;
		want->reclaim = w;
	} else {
		if (p->tail)
			p->tail->next = w;
		else
			p->head = w;
		p->tail = w;
	}
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!w->got) {
		if (want || timeout_ms <= 0) {
			pthread_cond_wait(&w->cv, &p->lock);
		} else if (pthread_cond_timedwait(&w->cv, &p->lock, &until) == ETIMEDOUT && !w->got) {
			/* Out of the queue: nobody can hand it an entry any more. */
			struct waiter *prev = NULL;
			for (struct waiter *q = p->head; q; prev = q, q = q->next) {
				if (q != w)
					continue;
				if (prev)
					prev->next = q->next;
				else
					p->head = q->next;
				if (p->tail == q)
					p->tail = prev;
				break;
			}
			break;
		}
	}
	struct pooled *got = w->got;
	pthread_cond_destroy(&w->cv);
	free(w);
	return got;
}

struct db_pool *db_pool_open(const char *path, int n, int cache_kb, struct err *e)
{
	struct db_pool *p = xcalloc(1, sizeof *p);
	pthread_mutex_init(&p->lock, NULL);
	p->conns = xcalloc((size_t)n, sizeof *p->conns);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", cache_kb);
	for (p->n = 0; p->n < n; p->n++) {
		sqlite3 *db = db_open(path, e);
		if (!db || db_exec(db, sql, e) < 0) {
			if (db)
				sqlite3_close_v2(db);
			db_pool_close(p);
			return NULL;
		}
		db_forget(db); /* statements db_open() cached on this thread: the entry starts its own */
		db_wal_hook(db);
		p->conns[p->n].db = db;
	}
	return p;
}

void db_pool_close(struct db_pool *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++) {
		struct pooled *c = &p->conns[i];
		for (size_t k = 0; k < c->nslots; k++)
			sqlite3_finalize(c->slots[k].st);
		free(c->slots);
		sqlite3_close_v2(c->db);
	}
	free(p->conns);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

sqlite3 *db_pool_take(struct db_pool *p, int timeout_ms)
{
	read_error[0] = '\0'; /* a new request: an earlier one's failed read is not its own */
	pthread_mutex_lock(&p->lock);
	struct pooled *c = NULL;
	/* The lowest free entry: under light load a few connections stay warm. */
	for (int i = 0; i < p->n && !c; i++)
		if (!p->conns[i].busy)
			c = &p->conns[i];
	COUNT(stats.pool_takes, 1);
	if (!c) {
		unsigned long long t0 = now_us();
		c = wait_entry(p, NULL, timeout_ms);
		COUNT(stats.pool_waits, 1);
		COUNT(stats.pool_wait_us, now_us() - t0);
		if (!c)
			COUNT(stats.pool_timeouts, 1);
	}
	if (c)
		bind_entry(p, c);
	pthread_mutex_unlock(&p->lock);
	return c ? c->db : NULL;
}

void db_pool_give(struct db_pool *p, sqlite3 *db)
{
	paused = NULL; /* a pause without its resume: the entry is already given up */
	if (!bound || bound->db != db)
		return;
	/* The request is over: a statement left running (a missing db_finish) would otherwise keep a read
	 * transaction open on this connection for every later request. */
	for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st))
		if (sqlite3_stmt_busy(st))
			sqlite3_reset(st);
	for (size_t i = 0; i < nslots; i++)
		slots[i].busy = false;
	db_rollback(db); /* never lend out an open transaction */
	pthread_mutex_lock(&p->lock);
	unbind_entry(p);
	pthread_mutex_unlock(&p->lock);
}

/* True when the connection can be used by someone else now: no transaction, no running statement. */
static bool lendable(sqlite3 *db)
{
	return sqlite3_get_autocommit(db) && stmts_idle(db);
}

void db_pool_pause(void)
{
	if (bound)
		snapshot_stop(bound->db);
	if (!bound || paused || !lendable(bound->db))
		return;
	struct db_pool *p = bound_pool;
	paused = bound;
	pthread_mutex_lock(&p->lock);
	unbind_entry(p);
	pthread_mutex_unlock(&p->lock);
}

void db_pool_resume(void)
{
	if (!paused)
		return;
	struct db_pool *p = bound_pool;
	struct pooled *c = paused;
	paused = NULL;
	pthread_mutex_lock(&p->lock);
	if (c->busy) {
		unsigned long long t0 = now_us();
		c = wait_entry(p, c, 0);
		COUNT(stats.pool_waits, 1);
		COUNT(stats.pool_wait_us, now_us() - t0);
	}
	bind_entry(p, c);
	pthread_mutex_unlock(&p->lock);
}

/* ---- checkpoints ------------------------------------------------------------ */

/*
 * SQLite checkpoints the WAL inside whichever commit takes it past 1,000
 * pages, so that one request (and, on the group writer, every request in its
 * group) waits for the copy and its fsync. The server's connections report
 * the WAL's size here instead, and one thread of its own checkpoints.
 */
#define CHECKPOINT_PAGES 1000
/* Seconds between checks that the database file is still there, and between idle checkpoints. */
#define CHECK_FILE_S 2
#define CHECKPOINT_EVERY_S 30

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	sqlite3 *db;
	bool running, stop, due;
} ckpt = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, NULL, false, false, false};

static int wal_grew(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)arg, (void)db, (void)name;
	if (pages >= CHECKPOINT_PAGES && ckpt.running) {
		pthread_mutex_lock(&ckpt.lock);
		ckpt.due = true;
		pthread_cond_signal(&ckpt.wake);
		pthread_mutex_unlock(&ckpt.lock);
	}
	return SQLITE_OK;
}

void db_wal_hook(sqlite3 *db)
{
	sqlite3_wal_hook(db, wal_grew, NULL);
}

static void *ckpt_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&ckpt.lock);
	int idle = 0;
	while (!ckpt.stop) {
		if (!ckpt.due) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += CHECK_FILE_S;
			pthread_cond_timedwait(&ckpt.wake, &ckpt.lock, &until);
			if (ckpt.stop)
				break;
		}
		pthread_mutex_unlock(&ckpt.lock);
		/* The file checked every few seconds: a deleted database is reported even when nothing writes. */
		bool file_ok = db_file_ok();
		pthread_mutex_lock(&ckpt.lock);
		/* Checkpoint when due, and now and then for writes made by other processes. */
		if (!ckpt.due && ++idle < CHECKPOINT_EVERY_S / CHECK_FILE_S)
			continue;
		idle = 0;
		ckpt.due = false;
		pthread_mutex_unlock(&ckpt.lock);
		if (file_ok)
			sqlite3_wal_checkpoint_v2(ckpt.db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&ckpt.lock);
	}
	pthread_mutex_unlock(&ckpt.lock);
	return NULL;
}

int db_checkpointer_start(const char *path, struct err *e)
{
	if (ckpt.running)
		return 0;
	ckpt.db = db_open(path, e);
	if (!ckpt.db)
		return -1;
	ckpt.stop = ckpt.due = false;
	if (pthread_create(&ckpt.thread, NULL, ckpt_main, NULL) != 0) {
		db_close(ckpt.db);
		ckpt.db = NULL;
		return err_set(e, "cannot start the checkpoint thread");
	}
	ckpt.running = true;
	return 0;
}

void db_checkpointer_stop(void)
{
	if (!ckpt.running)
		return;
	pthread_mutex_lock(&ckpt.lock);
	ckpt.stop = true;
	pthread_cond_signal(&ckpt.wake);
	pthread_mutex_unlock(&ckpt.lock);
	pthread_join(ckpt.thread, NULL);
	ckpt.running = false;
	db_close(ckpt.db);
	ckpt.db = NULL;
}

/* ---- health ----------------------------------------------------------------- */

int db_health_check(sqlite3 *db, struct err *e)
{
	snapshot_stop(db);
	if (db_begin(db, e) < 0)
		return -1;
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM sqlite_schema");
	int rc = sqlite3_step(st);
	db_finish(st);
	if (rc != SQLITE_ROW) {
		err_set(e, "cannot read the database: %s", sqlite3_errmsg(db));
		db_rollback(db);
		return -1;
	}
	st = db_stmt(db, "INSERT INTO settings(key, value) VALUES ('health_heartbeat', datetime('now')) "
			 "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	rc = sqlite3_step(st);
	db_finish(st);
	if (rc != SQLITE_DONE) {
		err_set(e, "cannot write to the database: %s", sqlite3_errmsg(db));
		db_rollback(db);
		return -1;
	}
	db_rollback(db);
	return 0;
}

bool db_copy_ok(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	/* Not db_prepare(): a damaged copy fails to prepare, which is an answer here, not a bug. */
	bool ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
		  sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK && db_step_row(st) > 0 &&
		  strcmp(db_col_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
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
