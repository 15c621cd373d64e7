/*
 * sala db copy: every table, in an order that satisfies the foreign keys, read in chunks of an integer
 * key (PostgreSQL fetches a statement's whole result at once, so the media blobs are never all in memory)
 * and written with the same ids. The SQL is built from the constant table list below, never from input.
 */
#include "lib/db_copy.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/buf.h"
#include "lib/db.h"
#include "lib/xmalloc.h"

struct table {
	const char *name;
	const char *cols;     /* every column, the first ones named by key and late included */
	const char *key;      /* an integer column to read the table in chunks of, or NULL: in one statement */
	int chunk;	      /* rows a chunk (at least; all rows of its last key value are in it) */
	const char *late;     /* a column referring to the same table: written after all rows, or NULL */
	const char *identity; /* the identity column (PostgreSQL counter set past the copied ids), or NULL */
};

/*
 * Parents before children. org_assignments comes after users and enrolments: the enrol-by-organisation
 * trigger on users then finds no assignment and adds no enrolment of its own.
 */
static const struct table tables[] = {
    {"settings", "key, value", NULL, 0, NULL, NULL},
    {"org_units", "id, code, name_en, name_km, parent_id, level, path, is_demo", "id", 2000, "parent_id", "id"},
    {"users",
     "id, username, password_hash, full_name, full_name_km, sex, org_id, position, email, phone, lang, active, "
     "is_demo, created_at, must_change_password, activation_expires, deleted_at",
     "id", 2000, NULL, "id"},
    {"user_roles", "user_id, role", "user_id", 5000, NULL, NULL},
    {"sessions", "token_hash, user_id, csrf, created_at, last_seen", "user_id", 5000, NULL, NULL},
    {"login_failures", "rowid, key, at", "rowid", 5000, NULL, "rowid"},
    {"courses", "id, created_at", NULL, 0, NULL, NULL},
    {"blobs", "id, sha256, size, data", "id", 20, NULL, "id"},
    {"packages",
     "id, course_id, language, version, version_num, title, summary, authors, minutes, pass_mark, certificate, "
     "certificate_title, completion, search_text, active, imported_at, imported_by",
     "id", 500, NULL, "id"},
    {"package_files", "package_id, path, sha256, mime", "package_id", 5000, NULL, NULL},
    {"items", "id, package_id, position, type, path, title, quiz_kind, questions, etag, html", "id", 200, NULL, "id"},
    {"enrolments", "user_id, course_id, source, enrolled_at, started_at, completed_at, last_item, best_final, pretest",
     "user_id", 5000, NULL, NULL},
    {"org_assignments", "course_id, org_id, assigned_at", NULL, 0, NULL, NULL},
    {"progress", "user_id, course_id, item_path, opened_at", "user_id", 5000, NULL, NULL},
    {"attempts",
     "id, user_id, course_id, package_id, item_path, kind, seed, layout, started_at, deadline_at, submitted_at, "
     "answers, score, passed",
     "id", 2000, NULL, "id"},
    {"attempt_answers", "attempt_id, question, score, chosen", "attempt_id", 5000, NULL, NULL},
    {"certificates",
     "id, serial, code, user_id, course_id, language, course_title, name, name_km, completed_on, score, org_id, "
     "issuer, issuer_km, payload, signature, issued_at, superseded_by, revoked_at, revoked_reason",
     "id", 2000, "superseded_by", "id"},
};
#define NTABLES (sizeof tables / sizeof tables[0])

/* An order-independent sum of the rows' hashes: four 64-bit lanes added modulo 2^64. */
struct sum {
	uint64_t lane[4];
	int64_t rows;
};

static void sum_add(struct sum *s, const unsigned char h[32])
{
	for (int i = 0; i < 4; i++) {
		uint64_t v = 0;
		for (int k = 0; k < 8; k++)
			v |= (uint64_t)h[i * 8 + k] << (8 * k);
		s->lane[i] += v;
	}
	s->rows++;
}

static void sum_out(const struct sum *s, unsigned char out[32])
{
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 8; k++)
			out[i * 8 + k] = (unsigned char)(s->lane[i] >> (8 * k));
}

/*
 * The hash of the current row of st: each value as a type tag, a length and its bytes, the same on both
 * engines (integers in decimal, floats as %.17g, text and blobs as their bytes).
 */
static void row_hash(struct db_stmt *st, int ncols, unsigned char out[32])
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, 32);
	for (int c = 0; c < ncols; c++) {
		char num[40];
		const void *p = num;
		size_t n = 0;
		char tag;
		switch (db_col_type(st, c)) {
		case DB_NULL:
			tag = 'N';
			break;
		case DB_INTEGER:
			tag = 'I';
			n = (size_t)snprintf(num, sizeof num, "%" PRId64, db_col_int64(st, c));
			break;
		case DB_FLOAT:
			tag = 'F';
			n = (size_t)snprintf(num, sizeof num, "%.17g", db_col_double(st, c));
			break;
		case DB_BLOB:
			tag = 'B';
			p = db_col_blob(st, c);
			n = (size_t)db_col_bytes(st, c);
			break;
		default:
			tag = 'T';
			p = db_col_text(st, c);
			n = strlen(p);
			break;
		}
		unsigned char len[9] = {(unsigned char)tag};
		for (int k = 0; k < 8; k++)
			len[1 + k] = (unsigned char)((uint64_t)n >> (8 * k));
		crypto_generichash_update(&h, len, sizeof len);
		if (n)
			crypto_generichash_update(&h, p, n);
	}
	crypto_generichash_final(&h, out, 32);
}

/* Binds column c of the current row of from as parameter idx of to, with the value's own type. */
static void bind_value(struct db_stmt *to, int idx, struct db_stmt *from, int c)
{
	switch (db_col_type(from, c)) {
	case DB_NULL:
		db_bind_null(to, idx);
		break;
	case DB_INTEGER:
		db_bind_int64(to, idx, db_col_int64(from, c));
		break;
	case DB_FLOAT:
		db_bind_double(to, idx, db_col_double(from, c));
		break;
	case DB_BLOB:
		db_bind_blob(to, idx, db_col_blob(from, c), (size_t)db_col_bytes(from, c));
		break;
	default:
		db_bind_text(to, idx, db_col_text(from, c));
		break;
	}
}

static int count_cols(const char *cols)
{
	int n = 1;
	for (const char *p = cols; *p; p++)
		n += *p == ',';
	return n;
}

/* The index of column name in t->cols. */
static int col_index(const struct table *t, const char *name)
{
	int i = 0;
	for (const char *p = t->cols;;) {
		size_t len = strcspn(p, ",");
		if (len == strlen(name) && !strncmp(p, name, len))
			return i;
		if (!p[len])
			return -1;
		p += len + 1;
		while (*p == ' ')
			p++;
		i++;
	}
}

/*
 * Walks table t of db in chunks, calling fn on each row (the statement positioned on it). 0, fn's
 * negative result, or -1 with a message when reading failed.
 */
typedef int (*row_fn)(struct db_stmt *st, void *arg, struct err *e);

static int walk(struct db *db, const struct table *t, row_fn fn, void *arg, struct err *e)
{
	struct buf sql = BUF_INIT, bound = BUF_INIT;
	int rc = 0;
	if (!t->key) {
		buf_printf(&sql, "SELECT %s FROM %s", t->cols, t->name);
	} else {
		/* (lo, hi]: hi is the key of the chunk-th row after lo, or past the end. */
		buf_printf(&sql, "SELECT %s FROM %s WHERE %s > ?1 AND %s <= ?2 ORDER BY %s", t->cols, t->name, t->key,
			   t->key, t->key);
		buf_printf(&bound, "SELECT %s FROM %s WHERE %s > ?1 ORDER BY %s LIMIT 1 OFFSET %d", t->key, t->name,
			   t->key, t->key, t->chunk - 1);
	}
	struct db_stmt *st = db_prepare(db, sql.data), *bst = t->key ? db_prepare(db, bound.data) : NULL;
	int64_t lo = INT64_MIN;
	for (;;) {
		int64_t hi = INT64_MAX;
		if (bst) {
			db_reset(bst);
			db_bind_int64(bst, 1, lo);
			int r = db_step_row(bst);
			if (r < 0) {
				rc = err_set(e, "cannot read table %s: %s", t->name, db_errmsg(db));
				break;
			}
			if (r > 0)
				hi = db_col_int64(bst, 0);
			db_reset(bst);
			db_reset(st);
			db_bind_int64(st, 1, lo);
			db_bind_int64(st, 2, hi);
		}
		int r;
		while ((r = db_step_row(st)) > 0)
			if ((rc = fn(st, arg, e)) < 0)
				goto out;
		if (r < 0) {
			rc = err_set(e, "cannot read table %s: %s", t->name, db_errmsg(db));
			break;
		}
		if (!bst || hi == INT64_MAX)
			break;
		lo = hi;
	}
out:
	db_finalize(st);
	db_finalize(bst);
	buf_release(&sql);
	buf_release(&bound);
	return rc;
}

struct copy_state {
	const struct table *t;
	struct db *dst;
	struct db_stmt *ins;
	int ncols, late, id;
	struct sum sum;
	int64_t *pairs; /* (id, late value) of rows whose late column was set */
	size_t npairs, cap;
};

static int copy_row(struct db_stmt *st, void *arg, struct err *e)
{
	struct copy_state *c = arg;
	unsigned char h[32];
	row_hash(st, c->ncols, h);
	sum_add(&c->sum, h);
	db_reset(c->ins);
	for (int i = 0; i < c->ncols; i++) {
		if (i == c->late && db_col_type(st, i) != DB_NULL) {
			if (c->npairs + 2 > c->cap) {
				c->cap = c->cap ? c->cap * 2 : 64;
				c->pairs = xrealloc(c->pairs, c->cap * sizeof *c->pairs);
			}
			c->pairs[c->npairs++] = db_col_int64(st, c->id);
			c->pairs[c->npairs++] = db_col_int64(st, i);
			db_bind_null(c->ins, i + 1);
			continue;
		}
		bind_value(c->ins, i + 1, st, i);
	}
	if (db_step_done(c->ins) < 0)
		return err_set(e, "cannot copy a row of table %s: %s", c->t->name, db_errmsg(c->dst));
	return 0;
}

static int hash_row(struct db_stmt *st, void *arg, struct err *e)
{
	(void)e;
	struct copy_state *c = arg;
	unsigned char h[32];
	row_hash(st, c->ncols, h);
	sum_add(&c->sum, h);
	return 0;
}

/* Copies table t; its source rows and hash go to out. */
static int copy_table(struct db *src, struct db *dst, const struct table *t, struct db_copy_table *out, struct err *e)
{
	struct copy_state c = {.t = t, .dst = dst, .ncols = count_cols(t->cols), .late = -1, .id = 0};
	if (t->late)
		c.late = col_index(t, t->late);
	struct buf sql = BUF_INIT;
	buf_printf(&sql, "INSERT INTO %s(%s) VALUES (", t->name, t->cols);
	for (int i = 0; i < c.ncols; i++)
		buf_printf(&sql, "%s?%d", i ? ", " : "", i + 1);
	buf_puts(&sql, ")");
	c.ins = db_prepare(dst, sql.data);
	int rc = walk(src, t, copy_row, &c, e);
	db_finalize(c.ins);
	buf_release(&sql);
	if (rc == 0 && c.npairs) {
		buf_printf(&sql, "UPDATE %s SET %s = ?1 WHERE %s = ?2", t->name, t->late, t->key);
		struct db_stmt *up = db_prepare(dst, sql.data);
		for (size_t i = 0; rc == 0 && i < c.npairs; i += 2) {
			db_reset(up);
			db_bind_int64(up, 1, c.pairs[i + 1]);
			db_bind_int64(up, 2, c.pairs[i]);
			if (db_step_done(up) < 0)
				rc = err_set(e, "cannot copy a row of table %s: %s", t->name, db_errmsg(dst));
		}
		db_finalize(up);
		buf_release(&sql);
	}
	free(c.pairs);
	out->rows_from = c.sum.rows;
	sum_out(&c.sum, out->hash_from);
	return rc;
}

static int hash_table(struct db *db, const struct table *t, struct db_copy_table *out, struct err *e)
{
	struct copy_state c = {.t = t, .ncols = count_cols(t->cols)};
	int rc = walk(db, t, hash_row, &c, e);
	out->rows_to = c.sum.rows;
	sum_out(&c.sum, out->hash_to);
	return rc;
}

/* -1 when reading failed, else the number of rows in the copied tables of db. */
static int64_t rows_in(struct db *db, const char **first, struct err *e)
{
	int64_t total = 0;
	*first = NULL;
	for (size_t i = 0; i < NTABLES; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i].name);
		struct db_stmt *st = db_prepare(db, sql);
		int r = db_step_row(st);
		int64_t n = r > 0 ? db_col_int64(st, 0) : 0;
		db_finalize(st);
		if (r <= 0)
			return err_set(e, "cannot count the rows of table %s: %s", tables[i].name, db_errmsg(db));
		if (n && !*first)
			*first = tables[i].name;
		total += n;
	}
	return total;
}

/* PostgreSQL: the identity counters past the copied ids, so new rows do not collide with them. */
static int set_identities(struct db *dst, struct err *e)
{
	for (size_t i = 0; i < NTABLES; i++) {
		const struct table *t = &tables[i];
		if (!t->identity)
			continue;
		char sql[256];
		snprintf(sql, sizeof sql,
			 "SELECT setval(pg_get_serial_sequence('%s', '%s'), coalesce(max(%s), 0) + 1, false) FROM %s",
			 t->name, t->identity, t->identity, t->name);
		struct db_stmt *st = db_prepare(dst, sql);
		int r = db_step_row(st);
		db_finalize(st);
		if (r <= 0)
			return err_set(e, "cannot set the id counter of table %s: %s", t->name, db_errmsg(dst));
	}
	return 0;
}

static int empty_tables(struct db *dst, struct err *e)
{
	for (size_t i = NTABLES; i-- > 0;) {
		char sql[128];
		snprintf(sql, sizeof sql, "DELETE FROM %s", tables[i].name);
		if (db_exec(dst, sql, e) < 0)
			return -1;
	}
	return 0;
}

int db_copy(struct db *src, struct db *dst, bool replace, struct db_copy_report *report, struct err *e)
{
	memset(report, 0, sizeof *report);
	const char *first;
	int64_t have = rows_in(dst, &first, e);
	if (have < 0)
		return -1;
	if (have > 0 && !replace)
		return err_fail(e, ERR_CONFLICT,
				"the destination is not empty (%" PRId64 " rows, the first in table %s): copy into a "
				"new database, or give --replace to delete its rows first",
				have, first);
	/* One snapshot of the source (it may be in use), one transaction on the destination. */
	if (db_exec(src, db_engine(src) == DB_ENGINE_PG ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN",
		    e) < 0)
		return -1;
	if (db_begin(dst, e) < 0) {
		db_rollback(src);
		return -1;
	}
	report->tables = xcalloc(NTABLES, sizeof *report->tables);
	report->n = (int)NTABLES;
	int rc = replace ? empty_tables(dst, e) : 0;
	for (size_t i = 0; rc == 0 && i < NTABLES; i++) {
		report->tables[i].name = tables[i].name;
		report->tables[i].columns = count_cols(tables[i].cols);
		rc = copy_table(src, dst, &tables[i], &report->tables[i], e);
		report->rows += report->tables[i].rows_from;
	}
	if (rc == 0 && db_engine(dst) == DB_ENGINE_PG)
		rc = set_identities(dst, e);
	/* The check reads the destination again, inside its transaction: what the commit would keep. */
	for (size_t i = 0; rc == 0 && i < NTABLES; i++) {
		struct db_copy_table *r = &report->tables[i];
		rc = hash_table(dst, &tables[i], r, e);
		if (r->rows_from != r->rows_to || memcmp(r->hash_from, r->hash_to, 32))
			report->differs = true;
	}
	db_rollback(src);
	if (rc < 0 || report->differs) {
		db_rollback(dst);
		if (rc < 0)
			db_copy_report_release(report);
		return rc;
	}
	if (db_commit(dst, e) < 0) {
		db_copy_report_release(report);
		return -1;
	}
	report->committed = true;
	return 0;
}

void db_copy_report_release(struct db_copy_report *report)
{
	free(report->tables);
	report->tables = NULL;
	report->n = 0;
}
