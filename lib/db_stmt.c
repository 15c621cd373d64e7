/*
 * The engine-neutral statement calls of lib/db.h. On SQLite each is one
 * branch and the SQLite call itself (no allocation); on PostgreSQL they go to
 * lib/db_pg.c.
 */
#include "lib/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db_private.h"
#include "lib/xmalloc.h"

/* The bind types pg_bind() takes (column types reused). */

_Thread_local bool db_unreachable;

bool db_unavailable(void)
{
	return db_unreachable;
}

bool db_is_uri(const char *s)
{
	return s && (strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0);
}

enum db_engine db_engine(const struct db *db)
{
	return db->engine;
}

struct db *db_wrap_sqlite(sqlite3 *lite)
{
	struct db *db = xcalloc(1, sizeof *db);
	db->engine = DB_ENGINE_SQLITE;
	db->lite = lite;
	return db;
}

struct db *db_from_sqlite(struct sqlite3 *lite)
{
	return db_wrap_sqlite(lite);
}

struct db_stmt *db_stmt_wrap(struct db *db, sqlite3_stmt *lite)
{
	struct db_stmt *st = xcalloc(1, sizeof *st);
	st->db = db;
	st->lite = lite;
	return st;
}

struct sqlite3 *db_sqlite(struct db *db)
{
	return db ? db->lite : NULL;
}

const char *db_filename(struct db *db)
{
	const char *f = db->lite ? sqlite3_db_filename(db->lite, "main") : NULL;
	return f && *f ? f : NULL;
}

int db_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	if (st->lite)
		return sqlite3_bind_int64(st->lite, idx, v);
	return pg_bind(st->pg, idx, DB_INTEGER, NULL, 0, v, 0);
}

int db_bind_int(struct db_stmt *st, int idx, int v)
{
	if (st->lite)
		return sqlite3_bind_int(st->lite, idx, v);
	return pg_bind(st->pg, idx, DB_INTEGER, NULL, 0, v, 0);
}

int db_bind_double(struct db_stmt *st, int idx, double v)
{
	if (st->lite)
		return sqlite3_bind_double(st->lite, idx, v);
	return pg_bind(st->pg, idx, DB_FLOAT, NULL, 0, 0, v);
}

int db_bind_null(struct db_stmt *st, int idx)
{
	if (st->lite)
		return sqlite3_bind_null(st->lite, idx);
	return pg_bind(st->pg, idx, DB_NULL, NULL, 0, 0, 0);
}

int db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n)
{
	if (st->lite)
		return sqlite3_bind_blob64(st->lite, idx, p, n, SQLITE_STATIC);
	return pg_bind(st->pg, idx, DB_BLOB, p, n, 0, 0);
}

void db_bind_text(struct db_stmt *st, int idx, const char *s)
{
	if (st->lite) {
		if (s)
			sqlite3_bind_text(st->lite, idx, s, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st->lite, idx);
		return;
	}
	if (s)
		pg_bind(st->pg, idx, DB_TEXT, s, strlen(s), 0, 0);
	else
		pg_bind(st->pg, idx, DB_NULL, NULL, 0, 0, 0);
}

int64_t db_col_int64(struct db_stmt *st, int col)
{
	if (st->lite)
		return sqlite3_column_int64(st->lite, col);
	return pg_col_int64(st->pg, col);
}

int db_col_int(struct db_stmt *st, int col)
{
	if (st->lite)
		return sqlite3_column_int(st->lite, col);
	return (int)pg_col_int64(st->pg, col);
}

double db_col_double(struct db_stmt *st, int col)
{
	if (st->lite)
		return sqlite3_column_double(st->lite, col);
	return pg_col_double(st->pg, col);
}

const char *db_col_text(struct db_stmt *st, int col)
{
	if (st->lite) {
		const unsigned char *t = sqlite3_column_text(st->lite, col);
		return t ? (const char *)t : "";
	}
	return pg_col_text(st->pg, col);
}

const void *db_col_blob(struct db_stmt *st, int col)
{
	if (st->lite)
		return sqlite3_column_blob(st->lite, col);
	int len;
	return pg_col_blob(st->pg, col, &len);
}

int db_col_bytes(struct db_stmt *st, int col)
{
	if (st->lite)
		return sqlite3_column_bytes(st->lite, col);
	int len = 0;
	pg_col_blob(st->pg, col, &len);
	return len;
}

int db_col_count(struct db_stmt *st)
{
	if (st->lite)
		return sqlite3_column_count(st->lite);
	return pg_col_count(st->pg);
}

int db_col_type(struct db_stmt *st, int col)
{
	if (st->lite)
		return sqlite3_column_type(st->lite, col);
	return pg_col_type(st->pg, col);
}

int db_step(struct db_stmt *st)
{
	if (st->lite) {
		if (st->sent_pending) {
			st->sent_pending = false;
			return st->sent_rc;
		}
		return sqlite3_step(st->lite) & 0xff;
	}
	return pg_step(st->db, st->pg);
}

int db_send(struct db_stmt *st)
{
	if (!st->lite) {
		int rc = pg_send(st->db, st->pg);
		return rc == DB_OK || rc == DB_ROW || rc == DB_DONE ? 0 : -1;
	}
	st->sent_rc = sqlite3_step(st->lite) & 0xff;
	st->sent_pending = true;
	return st->sent_rc == DB_ROW || st->sent_rc == DB_DONE ? 0 : -1;
}

int db_reset(struct db_stmt *st)
{
	if (st->lite) {
		st->sent_pending = false;
		return sqlite3_reset(st->lite) & 0xff;
	}
	pg_reset(st->pg);
	return DB_OK;
}

int db_clear_bindings(struct db_stmt *st)
{
	if (st->lite)
		return sqlite3_clear_bindings(st->lite);
	pg_clear(st->pg);
	return DB_OK;
}

int db_finalize(struct db_stmt *st)
{
	if (!st)
		return DB_OK;
	int rc = DB_OK;
	if (st->lite)
		rc = sqlite3_finalize(st->lite) & 0xff;
	else if (st->pg)
		pg_finalize(st->db, st->pg);
	free(st);
	return rc;
}

bool db_stmt_readonly(struct db_stmt *st)
{
	return st->lite ? sqlite3_stmt_readonly(st->lite) != 0 : pg_readonly(st->pg);
}

const char *db_stmt_sql(struct db_stmt *st)
{
	return st->lite ? sqlite3_sql(st->lite) : pg_sql(st->pg);
}

int db_changes(struct db *db)
{
	return db->lite ? sqlite3_changes(db->lite) : pg_changes(db->pg);
}

const char *db_errmsg(struct db *db)
{
	return db->lite ? sqlite3_errmsg(db->lite) : pg_errmsg(db->pg);
}

int db_errcode(struct db *db)
{
	return db->lite ? sqlite3_errcode(db->lite) & 0xff : pg_errcode(db->pg);
}

const char *db_code_str(int code)
{
	return sqlite3_errstr(code);
}

bool db_autocommit(struct db *db)
{
	return db->lite ? sqlite3_get_autocommit(db->lite) != 0 : pg_autocommit(db->pg);
}

int64_t db_last_insert_id(struct db *db)
{
	if (db->lite)
		return sqlite3_last_insert_rowid(db->lite);
	struct db_stmt *st = db_stmt(db, "SELECT lastval()");
	int64_t id = db_step(st) == DB_ROW ? db_col_int64(st, 0) : 0;
	db_finish(st);
	return id;
}

int db_blob_read(struct db *db, const char *table, const char *column, int64_t rowid, size_t off, void *buf, size_t n)
{
	if (db->lite) {
		sqlite3_blob *h = NULL;
		int rc = sqlite3_blob_open(db->lite, "main", table, column, rowid, 0, &h);
		if (rc == SQLITE_OK)
			rc = sqlite3_blob_read(h, buf, (int)n, (int)off);
		sqlite3_blob_close(h);
		return rc == SQLITE_OK ? 0 : -1;
	}
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT substring(%s FROM ? FOR ?) FROM %s WHERE id = ?", column, table);
	struct db_stmt *st = db_prepare(db, sql);
	db_bind_int64(st, 1, (int64_t)off + 1);
	db_bind_int64(st, 2, (int64_t)n);
	db_bind_int64(st, 3, rowid);
	int rc = -1;
	if (db_step(st) == DB_ROW && (size_t)db_col_bytes(st, 0) == n) {
		memcpy(buf, db_col_blob(st, 0), n);
		rc = 0;
	}
	db_finalize(st);
	return rc;
}

int db_next_ids(struct db *db, const char *table, size_t n, int64_t *ids, struct err *e)
{
	if (!n)
		return 0;
	size_t got = 0;
	int rc;
	if (db->pg) {
		/* From the id column's identity sequence, as a default id would be; concurrent writers get others. */
		struct db_stmt *st = db_stmt(db, "SELECT nextval(pg_get_serial_sequence(?1, 'id')) FROM "
						 "generate_series(1, ?2)");
		db_bind_text(st, 1, table);
		db_bind_int64(st, 2, (int64_t)n);
		while ((rc = db_step_row(st)) > 0 && got < n)
			ids[got++] = db_col_int64(st, 0);
		db_finish(st);
	} else {
		/* After the largest, as SQLite's own rowids: the caller's write transaction keeps them free. */
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT coalesce(max(id), 0) FROM %s", table);
		struct db_stmt *st = db_prepare(db, sql);
		if ((rc = db_step_row(st)) > 0)
			for (int64_t first = db_col_int64(st, 0) + 1; got < n; got++)
				ids[got] = first + (int64_t)got;
		db_finalize(st);
	}
	if (rc < 0 || got != n)
		return err_set(e, "cannot take %zu new ids for %s: %s", n, table, rc < 0 ? db_errstr(db) : "too few");
	return 0;
}

void db_bulk_plans(struct db *db, bool on)
{
	if (db->pg)
		pg_bulk_plans(db, on);
}

int db_bulk_temp(struct db *db, bool on, struct err *e)
{
	if (db->pg)
		return 0;
	return db_exec(db, on ? "PRAGMA temp_store=FILE" : "PRAGMA temp_store=MEMORY", e);
}

int db_analyze(struct db *db, const char *table, struct err *e)
{
	if (!db->pg)
		return 0;
	char sql[96];
	snprintf(sql, sizeof sql, "ANALYZE %s", table);
	return db_exec(db, sql, e);
}
