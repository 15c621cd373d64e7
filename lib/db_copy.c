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
#include <sqlite3.h>

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
	bool files;	      /* blobs: the file bytes go piece by piece (copy_blobs()) */
};

/*
 * Parents before children. org_assignments comes after users and enrolments: the enrol-by-organisation
 * trigger on users then finds no assignment and adds no enrolment of its own.
 */
static const struct table tables[] = {
    {"settings", "key, value", NULL, 0, NULL, NULL, false},
    {"org_units", "id, code, name_en, name_km, parent_id, level, path, is_demo", "id", 2000, "parent_id", "id", false},
    {"users",
     "id, username, password_hash, full_name, full_name_km, sex, org_id, position, email, phone, lang, active, "
     "is_demo, created_at, must_change_password, activation_expires, deleted_at",
     "id", 2000, NULL, "id", false},
    {"user_roles", "user_id, role", "user_id", 5000, NULL, NULL, false},
    {"sessions", "token_hash, user_id, csrf, created_at, last_seen", "user_id", 5000, NULL, NULL, false},
    {"login_failures", "rowid, key, at", "rowid", 5000, NULL, "rowid", false},
    {"courses", "id, created_at", NULL, 0, NULL, NULL, false},
    {"blobs", "id, sha256, size, data", "id", 500, NULL, "id", true},
    {"packages",
     "id, course_id, language, version, version_num, title, summary, authors, minutes, pass_mark, certificate, "
     "certificate_title, completion, search_text, active, imported_at, imported_by, certificate_valid_years, "
     "published_at, completion_online, attendance_days, survey",
     "id", 500, NULL, "id", false},
    {"package_files", "package_id, path, sha256, mime", "package_id", 5000, NULL, NULL, false},
    {"items", "id, package_id, position, type, path, title, quiz_kind, questions, etag, html", "id", 200, NULL, "id",
     false},
    {"enrolments",
     "user_id, course_id, source, enrolled_at, started_at, completed_at, last_item, best_final, pretest, due_at",
     "user_id", 5000, NULL, NULL, false},
    {"org_assignments", "course_id, org_id, assigned_at, due_at", NULL, 0, NULL, NULL, false},
    {"progress", "user_id, course_id, item_path, opened_at", "user_id", 5000, NULL, NULL, false},
    {"attempts",
     "id, user_id, course_id, package_id, item_path, kind, seed, layout, started_at, deadline_at, submitted_at, "
     "answers, score, passed, pending",
     "id", 2000, NULL, "id", false},
    {"attempt_answers", "attempt_id, question, score, chosen, pending, points, comment, graded_by, graded_at",
     "attempt_id", 5000, NULL, NULL, false},
    {"certificates",
     "id, serial, code, user_id, course_id, language, course_title, name, name_km, completed_on, score, org_id, "
     "issuer, issuer_km, payload, signature, issued_at, superseded_by, revoked_at, revoked_reason, expires_on",
     "id", 2000, "superseded_by", "id", false},
    {"workshops",
     "id, code, title, course_id, org_id, address, capacity, language, created_by, created_at, cancelled_at, is_demo",
     "id", 2000, NULL, "id", false},
    {"workshop_days", "workshop_id, day, starts_at, ends_at", "workshop_id", 5000, NULL, NULL, false},
    {"workshop_trainers", "workshop_id, user_id", "workshop_id", 5000, NULL, NULL, false},
    {"workshop_people", "workshop_id, user_id, status, invited, row_code, since", "workshop_id", 5000, NULL, NULL,
     false},
    {"attendance", "workshop_id, user_id, day, status, method, marked_by, marked_at", "workshop_id", 5000, NULL, NULL,
     false},
    {"survey_responses", "id, subject, sex, org_id, submitted_at, answers, score, comment", "id", 2000, NULL, "id",
     false},
    {"survey_done", "subject, user_id", NULL, 0, NULL, NULL, false},
    {"audit_log", "id, created_at, actor, origin, action, target, detail", "id", 5000, NULL, "id", false},
    {"cert_images", "name, width, height, sha256, uploaded_at, data", NULL, 0, NULL, NULL, false},
    /*
     * The report aggregates are copied as they are. report_agg_state comes last: its row is deleted
     * before the copy, which stops the aggregates' triggers while the rows they count are written.
     */
    {"report_agg_facts",
     "user_id, course_id, org_id, sex, lang, enrolled_m, started_m, completed_m, certified_m, score, gain", "user_id",
     5000, NULL, NULL, false},
    {"report_agg",
     "pkey, org_id, course_id, sex, lang, enrolled, started, completed, certified, score_n, score_sum, gain_n, "
     "gain_sum",
     NULL, 0, NULL, NULL, false},
    {"report_agg_all", "pkey, org_id, sex, lang, enrolled, started, completed, certified", NULL, 0, NULL, NULL, false},
    {"report_agg_dirty", "user_id, course_id, learner", NULL, 0, NULL, NULL, false},
    {"report_f2f_keys",
     "user_id, pkey, course_id, org_id, sex, lang, attended, invited, trained_x, marked, present, seconds", "user_id",
     5000, NULL, NULL, false},
    {"report_f2f", "pkey, org_id, course_id, sex, lang, attended, invited, trained_x, marked, present, seconds", NULL,
     0, NULL, NULL, false},
    {"report_f2f_dirty", "user_id", NULL, 0, NULL, NULL, false},
    {"report_agg_state", "id, live", NULL, 0, NULL, NULL, false},
};
#define NTABLES (sizeof tables / sizeof tables[0])

/* A table whose row every new database has: not counted as content, its row deleted before the copy. */
static bool table_fresh(const struct table *t)
{
	return strcmp(t->name, "report_agg_state") == 0;
}

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

/*
 * The files (table blobs). A file is one logical row (id, sha256, size, its bytes) on both engines,
 * hashed as row_hash() would hash it, but its bytes never are in memory at once: SQLite keeps them in
 * blobs.data (read and written with incremental blob I/O), PostgreSQL in blob_chunks, BLOB_PIECE
 * bytes a row (courses/media.h; blobs.data is then empty), or in blobs.data for a database whose
 * schema has no blob_chunks yet.
 */
#define BLOB_PIECE DB_COPY_PIECE
#define BLOB_PIECES 16 /* pieces fetched a query on PostgreSQL (4 MiB) */

struct blob_side {
	struct db *db;
	bool chunks; /* PostgreSQL with table blob_chunks */
};

static int blob_side_init(struct blob_side *b, struct db *db, struct err *e)
{
	b->db = db;
	b->chunks = false;
	if (db_engine(db) != DB_ENGINE_PG)
		return 0;
	struct db_stmt *st = db_prepare(db, "SELECT to_regclass('blob_chunks') IS NOT NULL");
	int r = db_step_row(st);
	b->chunks = r > 0 && db_col_int(st, 0);
	db_finalize(st);
	return r > 0 ? 0 : err_set(e, "cannot read the schema: %s", db_errmsg(db));
}

/* Receives the pieces of one file in order; a negative result stops the walk. */
typedef int (*piece_fn)(const void *p, size_t n, void *arg, struct err *e);

/*
 * Gives the len bytes of file id of side b to fn, in order, in pieces of at most BLOB_PIECE. inline_len:
 * how many of them are in blobs.data (all on SQLite; on PostgreSQL with blob_chunks, those of a file
 * copied in before there were pieces).
 */
static int blob_read(const struct blob_side *b, int64_t id, int64_t len, int64_t inline_len, piece_fn fn, void *arg,
		     struct err *e)
{
	if (!b->chunks || inline_len == len) {
		unsigned char *buf = xmalloc(BLOB_PIECE);
		int rc = 0;
		for (int64_t off = 0; rc == 0 && off < len; off += BLOB_PIECE) {
			size_t n = (size_t)(len - off < BLOB_PIECE ? len - off : BLOB_PIECE);
			if (db_blob_read(b->db, "blobs", "data", id, (size_t)off, buf, n) < 0)
				rc = err_set(e, "cannot read file %lld of table blobs: %s", (long long)id,
					     db_errmsg(b->db));
			else
				rc = fn(buf, n, arg, e);
		}
		free(buf);
		return rc;
	}
	struct db_stmt *st = db_prepare(b->db, "SELECT n, data FROM blob_chunks WHERE blob_id = ?1 AND n >= ?2 "
					       "ORDER BY n LIMIT ?3");
	int64_t next = 0, done = 0;
	int rc = 0;
	while (rc == 0 && done < len) {
		db_reset(st);
		db_bind_int64(st, 1, id);
		db_bind_int64(st, 2, next);
		db_bind_int(st, 3, BLOB_PIECES);
		int r, got = 0;
		while (rc == 0 && (r = db_step_row(st)) > 0) {
			if (db_col_int64(st, 0) != next++) {
				rc = err_set(e, "file %lld of table blobs: piece %lld is missing", (long long)id,
					     (long long)next - 1);
				break;
			}
			size_t n = (size_t)db_col_bytes(st, 1);
			done += (int64_t)n;
			got++;
			rc = fn(db_col_blob(st, 1), n, arg, e);
		}
		if (rc == 0 && r < 0)
			rc = err_set(e, "cannot read file %lld of table blobs: %s", (long long)id, db_errmsg(b->db));
		else if (rc == 0 && !got && done < len)
			rc = err_set(e, "file %lld of table blobs: %lld of %lld bytes stored", (long long)id,
				     (long long)done, (long long)len);
	}
	db_finalize(st);
	return rc;
}

/* The files' rows of a chunk of ids: id, sha256, size, the length of the bytes, of them in blobs.data. */
static struct db_stmt *blob_rows(const struct blob_side *b)
{
	return db_prepare(
	    b->db, b->chunks ? "SELECT id, sha256, size, length(data) + coalesce((SELECT sum(length(c.data)) FROM "
			       "blob_chunks c WHERE c.blob_id = blobs.id), 0), length(data) FROM blobs WHERE id > ?1 "
			       "AND id <= ?2 ORDER BY id"
			     : "SELECT id, sha256, size, length(data), length(data) FROM blobs WHERE id > ?1 AND "
			       "id <= ?2 ORDER BY id");
}

/* The hash of one file, as row_hash() hashes the row (id, sha256, size, data): fed piece by piece. */
struct blob_hash {
	crypto_generichash_state h;
};

static void hash_tagged(crypto_generichash_state *h, char tag, const void *p, size_t n)
{
	unsigned char len[9] = {(unsigned char)tag};
	for (int k = 0; k < 8; k++)
		len[1 + k] = (unsigned char)((uint64_t)n >> (8 * k));
	crypto_generichash_update(h, len, sizeof len);
	if (p && n)
		crypto_generichash_update(h, p, n);
}

static void hash_int(crypto_generichash_state *h, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%" PRId64, v);
	hash_tagged(h, 'I', num, (size_t)n);
}

static int hash_piece(const void *p, size_t n, void *arg, struct err *e)
{
	(void)e;
	crypto_generichash_update(arg, p, n);
	return 0;
}

/* Where the pieces of a file being copied go. */
struct blob_out {
	crypto_generichash_state *h;
	struct db *dst;
	struct db_stmt *piece; /* PostgreSQL: INSERT INTO blob_chunks */
	sqlite3_blob *lite;    /* SQLite: the new row's data, opened for writing */
	struct buf *whole;     /* PostgreSQL without blob_chunks: the bytes gathered */
	int64_t id, n, off;
};

static int write_piece(const void *p, size_t n, void *arg, struct err *e)
{
	struct blob_out *o = arg;
	crypto_generichash_update(o->h, p, n);
	if (o->whole) {
		buf_add(o->whole, p, n);
		return 0;
	}
	if (o->lite) {
		if (sqlite3_blob_write(o->lite, p, (int)n, (int)o->off) != SQLITE_OK)
			return err_set(e, "cannot copy file %lld of table blobs: %s", (long long)o->id,
				       db_errmsg(o->dst));
		o->off += (int64_t)n;
		return 0;
	}
	db_reset(o->piece);
	db_bind_int64(o->piece, 1, o->id);
	db_bind_int64(o->piece, 2, o->n++);
	db_bind_blob(o->piece, 3, p, n);
	if (db_step_done(o->piece) < 0)
		return err_set(e, "cannot copy file %lld of table blobs: %s", (long long)o->id, db_errmsg(o->dst));
	return 0;
}

/*
 * Walks the files of side b in chunks of ids; for each, hashes it (and, when to is set, copies it there:
 * the row, then its bytes), adding the hash to *sum.
 */
static int walk_blobs(const struct table *t, const struct blob_side *b, const struct blob_side *to, struct sum *sum,
		      struct err *e)
{
	char bound[160];
	snprintf(bound, sizeof bound, "SELECT id FROM blobs WHERE id > ?1 ORDER BY id LIMIT 1 OFFSET %d", t->chunk - 1);
	struct db_stmt *rows = blob_rows(b), *bst = db_prepare(b->db, bound), *ins = NULL, *piece = NULL;
	if (to && to->chunks) {
		ins = db_prepare(to->db, "INSERT INTO blobs(id, sha256, size, data) VALUES (?1, ?2, ?3, ?4)");
		piece = db_prepare(to->db, "INSERT INTO blob_chunks(blob_id, n, data) VALUES (?1, ?2, ?3)");
	} else if (to && db_engine(to->db) == DB_ENGINE_SQLITE) {
		ins = db_prepare(to->db, "INSERT INTO blobs(id, sha256, size, data) VALUES (?1, ?2, ?3, zeroblob(?4))");
	} else if (to) { /* PostgreSQL without blob_chunks: the bytes in blobs.data, in one piece */
		ins = db_prepare(to->db, "INSERT INTO blobs(id, sha256, size, data) VALUES (?1, ?2, ?3, ?4)");
	}
	struct buf whole_buf = BUF_INIT;
	int64_t lo = INT64_MIN;
	int rc = 0;
	for (;;) {
		int64_t hi = INT64_MAX;
		db_reset(bst);
		db_bind_int64(bst, 1, lo);
		int r = db_step_row(bst);
		if (r < 0) {
			rc = err_set(e, "cannot read table blobs: %s", db_errmsg(b->db));
			break;
		}
		if (r > 0)
			hi = db_col_int64(bst, 0);
		db_reset(bst);
		db_reset(rows);
		db_bind_int64(rows, 1, lo);
		db_bind_int64(rows, 2, hi);
		/* The chunk's rows first (a statement's result is fetched whole on PostgreSQL), then their bytes. */
		struct row {
			int64_t id, size, len, inline_len;
			char sha[72];
		} *list = NULL;
		size_t n = 0, cap = 0;
		while ((r = db_step_row(rows)) > 0) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				list = xrealloc(list, cap * sizeof *list);
			}
			list[n].id = db_col_int64(rows, 0);
			snprintf(list[n].sha, sizeof list[n].sha, "%s", db_col_text(rows, 1));
			list[n].size = db_col_int64(rows, 2);
			list[n].len = db_col_int64(rows, 3);
			list[n].inline_len = db_col_int64(rows, 4);
			n++;
		}
		if (r < 0)
			rc = err_set(e, "cannot read table blobs: %s", db_errmsg(b->db));
		for (size_t i = 0; rc == 0 && i < n; i++) {
			struct row *w = &list[i];
			crypto_generichash_state h;
			crypto_generichash_init(&h, NULL, 0, 32);
			hash_int(&h, w->id);
			hash_tagged(&h, 'T', w->sha, strlen(w->sha));
			hash_int(&h, w->size);
			hash_tagged(&h, 'B', NULL, (size_t)w->len);
			struct blob_out o = {.h = &h, .dst = to ? to->db : NULL, .piece = piece, .id = w->id};
			if (to) {
				db_reset(ins);
				db_bind_int64(ins, 1, w->id);
				db_bind_text(ins, 2, w->sha);
				db_bind_int64(ins, 3, w->size);
				bool whole = !to->chunks && db_engine(to->db) == DB_ENGINE_PG;
				if (db_engine(to->db) == DB_ENGINE_SQLITE)
					db_bind_int64(ins, 4, w->len);
				else if (whole) { /* all the bytes first */
					o.whole = &whole_buf;
					rc = blob_read(b, w->id, w->len, w->inline_len, write_piece, &o, e);
					db_bind_blob(ins, 4, whole_buf.data ? whole_buf.data : "", whole_buf.len);
				} else
					db_bind_blob(ins, 4, "", 0);
				if (rc == 0 && db_step_done(ins) < 0)
					rc = err_set(e, "cannot copy file %lld of table blobs: %s", (long long)w->id,
						     db_errmsg(to->db));
				else if (!to->chunks && db_engine(to->db) == DB_ENGINE_SQLITE && w->len &&
					 sqlite3_blob_open(db_sqlite(to->db), "main", "blobs", "data", w->id, 1,
							   &o.lite) != SQLITE_OK)
					rc = err_set(e, "cannot copy file %lld of table blobs: %s", (long long)w->id,
						     db_errmsg(to->db));
			}
			if (rc == 0 && !o.whole)
				rc = blob_read(b, w->id, w->len, w->inline_len, to ? write_piece : hash_piece,
					       to ? (void *)&o : (void *)&h, e);
			if (o.lite)
				sqlite3_blob_close(o.lite);
			whole_buf.len = 0;
			unsigned char out[32];
			crypto_generichash_final(&h, out, 32);
			if (rc == 0)
				sum_add(sum, out);
		}
		free(list);
		if (rc < 0 || hi == INT64_MAX)
			break;
		lo = hi;
	}
	db_finalize(rows);
	db_finalize(bst);
	db_finalize(ins);
	db_finalize(piece);
	buf_release(&whole_buf);
	return rc;
}

/* Copies table t; its source rows and hash go to out. */
static int copy_table(struct db *src, struct db *dst, const struct table *t, struct db_copy_table *out, struct err *e)
{
	if (t->files) {
		struct blob_side from, to;
		struct sum sum = {0};
		int rc = blob_side_init(&from, src, e);
		if (rc == 0)
			rc = blob_side_init(&to, dst, e);
		if (rc == 0)
			rc = walk_blobs(t, &from, &to, &sum, e);
		out->rows_from = sum.rows;
		sum_out(&sum, out->hash_from);
		return rc;
	}
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
	int rc;
	if (t->files) {
		struct blob_side side;
		rc = blob_side_init(&side, db, e);
		if (rc == 0)
			rc = walk_blobs(t, &side, NULL, &c.sum, e);
	} else
		rc = walk(db, t, hash_row, &c, e);
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
		if (table_fresh(&tables[i]))
			continue;
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
		char sql[128];
		snprintf(sql, sizeof sql, "DELETE FROM %s", tables[i].name);
		if (table_fresh(&tables[i]))
			rc = db_exec(dst, sql, e);
	}
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
