#include "lib/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static int migrate(sqlite3 *db, struct err *e)
{
	if (db_begin(db, e) < 0)
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
			return -1;
		}
	}
	if (have != want) {
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", want);
		if (db_exec(db, sql, e) < 0) {
			db_rollback(db);
			return -1;
		}
	}
	return db_commit(db, e);
}

sqlite3 *db_open(const char *path, struct err *e)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err_set(e, "cannot open database '%s': %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_handler(db, busy_wait, NULL);
	sqlite3_extended_result_codes(db, 1);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	if (pragma(db, "PRAGMA journal_mode=WAL", e) < 0 || pragma(db, "PRAGMA foreign_keys=ON", e) < 0 ||
	    pragma(db, "PRAGMA synchronous=FULL", e) < 0 || pragma(db, "PRAGMA temp_store=MEMORY", e) < 0 ||
	    migrate(db, e) < 0) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

void db_close(sqlite3 *db)
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
		return slots[i].st;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "sala: bad SQL (%s): %s\n", sqlite3_errmsg(db), sql);
		abort();
	}
	if (nslots == capslots) {
		capslots = capslots ? capslots * 2 : 32;
		slots = xrealloc(slots, capslots * sizeof *slots);
	}
	slots[nslots++] = (struct stmt_slot){db, sql, st, true};
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

int db_schema_version(void)
{
	return schema_count();
}

sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "sala: bad SQL (%s): %s\n", sqlite3_errmsg(db), sql);
		abort();
	}
	return st;
}

int db_exec(sqlite3 *db, const char *sql, struct err *e)
{
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
	if (db_exec(db, "COMMIT", e) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

void db_rollback(sqlite3 *db)
{
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
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	db_finish(st);
	return v;
}

char *db_setting_get(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT value FROM settings WHERE key = ?");
	db_bind_text(st, 1, key);
	char *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
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
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

int db_backup(sqlite3 *db, const char *path, struct err *e)
{
	sqlite3 *dst = NULL;
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
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
