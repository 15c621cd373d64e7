#include "accounts/orgs.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/csv.h"
#include "lib/db.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

static const char *const levels[] = {"national", "ministry", "province", "district", "commune", "office"};

/* The 25 capital/provinces with their official two-digit codes. */
static const struct {
	const char *code, *en, *km;
} provinces[] = {
    {"01", "Banteay Meanchey", "បន្ទាយមានជ័យ"},
    {"02", "Battambang", "បាត់ដំបង"},
    {"03", "Kampong Cham", "កំពង់ចាម"},
    {"04", "Kampong Chhnang", "កំពង់ឆ្នាំង"},
    {"05", "Kampong Speu", "កំពង់ស្ពឺ"},
    {"06", "Kampong Thom", "កំពង់ធំ"},
    {"07", "Kampot", "កំពត"},
    {"08", "Kandal", "កណ្ដាល"},
    {"09", "Koh Kong", "កោះកុង"},
    {"10", "Kratie", "ក្រចេះ"},
    {"11", "Mondul Kiri", "មណ្ឌលគិរី"},
    {"12", "Phnom Penh", "ភ្នំពេញ"},
    {"13", "Preah Vihear", "ព្រះវិហារ"},
    {"14", "Prey Veng", "ព្រៃវែង"},
    {"15", "Pursat", "ពោធិ៍សាត់"},
    {"16", "Ratanak Kiri", "រតនគិរី"},
    {"17", "Siem Reap", "សៀមរាប"},
    {"18", "Preah Sihanouk", "ព្រះសីហនុ"},
    {"19", "Stung Treng", "ស្ទឹងត្រែង"},
    {"20", "Svay Rieng", "ស្វាយរៀង"},
    {"21", "Takeo", "តាកែវ"},
    {"22", "Oddar Meanchey", "ឧត្ដរមានជ័យ"},
    {"23", "Kep", "កែប"},
    {"24", "Pailin", "ប៉ៃលិន"},
    {"25", "Tboung Khmum", "ត្បូងឃ្មុំ"},
};

bool org_level_valid(const char *level)
{
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (strcmp(level, levels[i]) == 0)
			return true;
	return false;
}

static int level_rank(const char *level)
{
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (strcmp(level, levels[i]) == 0)
			return (int)i;
	return -1;
}

int64_t org_id(struct db *db, const char *code)
{
	return db_int(db, "SELECT id FROM org_units WHERE code = ?", code, NULL, -1);
}

int org_path(struct db *db, int64_t id, char *out, size_t outlen)
{
	struct db_stmt *st = db_stmt(db, "SELECT path FROM org_units WHERE id = ?");
	db_bind_int64(st, 1, id);
	int rc = -1;
	if (db_step_row(st) > 0) {
		snprintf(out, outlen, "%s", db_col_text(st, 0));
		rc = 0;
	}
	db_finish(st);
	return rc;
}

bool org_within(struct db *db, int64_t ancestor, int64_t id)
{
	char a[512], b[512];
	if (org_path(db, ancestor, a, sizeof a) < 0 || org_path(db, id, b, sizeof b) < 0)
		return false;
	return str_starts(b, a);
}

static bool code_valid(const char *code)
{
	size_t n = strlen(code);
	if (n == 0 || n > 32)
		return false;
	for (const char *p = code; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '-' ||
		      *p == '_' || *p == '.'))
			return false;
	return true;
}

/* The checks of one unit's own fields: its code, English name and level. */
static int org_fields_check(const char *code, const char *name_en, const char *level, struct err *e)
{
	if (!code || !code_valid(code))
		return err_set(e, "invalid org code '%s' (letters, digits, - _ . up to 32)", code ? code : "");
	if (!name_en || !*name_en)
		return err_set(e, "org '%s' has no English name", code);
	if (strlen(name_en) > 200)
		return err_set(e, "org '%s': English name is longer than 200 characters", code);
	if (!level || !org_level_valid(level))
		return err_set(e,
			       "org '%s': unknown level '%s' (national, ministry, province, district, commune, "
			       "office)",
			       code, level ? level : "");
	return 0;
}

/*
 * The checks of a unit's place, after org_fields_check(): its code is new (exists: a unit has it already)
 * and its parent is known (parent_level: the parent's level, NULL when no unit has parent_code) and above it.
 */
static int org_place_check(const char *code, const char *parent_code, const char *level, bool exists,
			   const char *parent_level, struct err *e)
{
	if (exists)
		return err_set(e, "org code '%s' already exists", code);
	if (parent_code && *parent_code) {
		if (!parent_level)
			return err_set(e, "org '%s': unknown parent code '%s'", code, parent_code);
		if (level_rank(parent_level) >= level_rank(level))
			return err_set(e, "org '%s': a %s cannot sit under a %s", code, level, parent_level);
	} else if (strcmp(level, "national") != 0) {
		return err_set(e, "org '%s': only a national unit may have no parent", code);
	}
	return 0;
}

/* Checks one unit against the database (its code new, its parent there). */
static int org_check(struct db *db, const char *code, const char *name_en, const char *parent_code, const char *level,
		     struct err *e)
{
	if (org_fields_check(code, name_en, level, e) < 0)
		return -1;
	if (org_id(db, code) >= 0)
		return org_place_check(code, parent_code, level, true, NULL, e);
	char plevel[16] = "";
	bool found = false;
	if (parent_code && *parent_code) {
		struct db_stmt *st = db_stmt(db, "SELECT level FROM org_units WHERE code = ?");
		db_bind_text(st, 1, parent_code);
		if (db_step_row(st) > 0) {
			snprintf(plevel, sizeof plevel, "%s", db_col_text(st, 0));
			found = true;
		}
		db_finish(st);
	}
	return org_place_check(code, parent_code, level, false, found ? plevel : NULL, e);
}

static int64_t org_insert(struct db *db, const char *code, const char *name_en, const char *name_km,
			  const char *parent_code, const char *level)
{
	struct db_stmt *st =
	    db_stmt(db, "INSERT INTO org_units(code, name_en, name_km, parent_id, level, path) "
			"VALUES (?1, ?2, ?3, (SELECT id FROM org_units WHERE code = ?4), ?5, '') RETURNING id");
	db_bind_text(st, 1, code);
	db_bind_text(st, 2, name_en);
	db_bind_text(st, 3, name_km ? name_km : "");
	db_bind_text(st, 4, parent_code && *parent_code ? parent_code : NULL);
	db_bind_text(st, 5, level);
	int64_t id = db_step(st) == DB_ROW ? db_col_int64(st, 0) : -1;
	db_finish(st);
	if (id < 0)
		return -1;
	st = db_stmt(db, "UPDATE org_units SET path = coalesce((SELECT p.path FROM org_units p WHERE p.id = "
			 "org_units.parent_id), '/') || id || '/' WHERE id = ?");
	db_bind_int64(st, 1, id);
	int rc = db_step_done(st);
	db_finish(st);
	return rc == 0 ? id : -1;
}

int64_t org_add(struct db *db, const char *code, const char *name_en, const char *name_km, const char *parent_code,
		const char *level, struct err *e)
{
	if (name_km && !utf8_valid(name_km, strlen(name_km)))
		return err_set(e, "org '%s': Khmer name is not valid UTF-8", code);
	bool own;
	if (db_join(db, &own, e) < 0)
		return -1;
	if (org_check(db, code, name_en, parent_code, level, e) < 0) {
		db_join_rollback(db, own);
		return -1;
	}
	int64_t id = org_insert(db, code, name_en, name_km, parent_code, level);
	if (id < 0) {
		err_set(e, "cannot add org '%s': %s", code, db_errmsg(db));
		db_join_rollback(db, own);
		return -1;
	}
	if (db_join_commit(db, own, e) < 0)
		return -1;
	return id;
}

int orgs_seed(struct db *db, struct err *e)
{
	if (org_id(db, ORG_ROOT_CODE) >= 0)
		return 0;
	if (db_begin(db, e) < 0)
		return -1;
	if (org_insert(db, ORG_ROOT_CODE, "Kingdom of Cambodia", "ព្រះរាជាណាចក្រកម្ពុជា", NULL, "national") < 0)
		goto fail;
	for (size_t i = 0; i < sizeof provinces / sizeof provinces[0]; i++)
		if (org_insert(db, provinces[i].code, provinces[i].en, provinces[i].km, ORG_ROOT_CODE, "province") < 0)
			goto fail;
	return db_commit(db, e);
fail:
	err_set(e, "cannot create the provinces: %s", db_errmsg(db));
	db_rollback(db);
	return -1;
}

/* ---- many units at once ------------------------------------------------------ */

struct org_known {
	char *code;
	char *path; /* '/1/5/': set for the database's units, and for the file's once their ids are taken */
	int64_t id; /* -1: a unit of the file being imported, without its id yet */
	int rank;   /* level_rank() */
};

/* Units by code: an open-addressing table of entry index + 1, at most half full. */
struct org_index {
	struct org_known *v;
	size_t n, cap;
	size_t *slots, nslots;
};

static uint64_t code_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot of code: its entry's, or the empty one where it would go. */
static size_t *index_slot(const struct org_index *x, const char *code)
{
	size_t mask = x->nslots - 1;
	for (size_t i = (size_t)code_hash(code) & mask;; i = (i + 1) & mask)
		if (!x->slots[i] || strcmp(x->v[x->slots[i] - 1].code, code) == 0)
			return &x->slots[i];
}

/* Adds a unit whose code is not in x yet; its entry. */
static struct org_known *index_add(struct org_index *x, const char *code, const char *path, int64_t id, int rank)
{
	if ((x->n + 1) * 2 > x->nslots) {
		free(x->slots);
		x->nslots = x->nslots ? x->nslots * 2 : 1024;
		x->slots = xcalloc(x->nslots, sizeof *x->slots);
		for (size_t i = 0; i < x->n; i++)
			*index_slot(x, x->v[i].code) = i + 1;
	}
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 256;
		x->v = xrealloc(x->v, x->cap * sizeof *x->v);
	}
	x->v[x->n] = (struct org_known){xstrdup(code), path ? xstrdup(path) : NULL, id, rank};
	*index_slot(x, code) = ++x->n;
	return &x->v[x->n - 1];
}

static struct org_known *index_find(const struct org_index *x, const char *code)
{
	if (!x->nslots)
		return NULL;
	size_t i = *index_slot(x, code);
	return i ? &x->v[i - 1] : NULL;
}

struct org_index *org_index_load(struct db *db, struct err *e)
{
	struct org_index *x = xcalloc(1, sizeof *x);
	struct db_stmt *st = db_stmt(db, "SELECT id, code, level, path FROM org_units");
	int rc;
	while ((rc = db_step_row(st)) > 0)
		if (!index_find(x, db_col_text(st, 1)))
			index_add(x, db_col_text(st, 1), db_col_text(st, 3), db_col_int64(st, 0),
				  level_rank(db_col_text(st, 2)));
	db_finish(st);
	if (rc < 0) {
		err_set(e, "cannot read the org units: %s", db_errstr(db));
		org_index_free(x);
		return NULL;
	}
	return x;
}

int64_t org_index_id(const struct org_index *x, const char *code)
{
	const struct org_known *k = code ? index_find(x, code) : NULL;
	return k ? k->id : -1;
}

void org_index_free(struct org_index *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++) {
		free(x->v[i].code);
		free(x->v[i].path);
	}
	free(x->v);
	free(x->slots);
	free(x);
}

/* A valid row of the file, inserted once the whole file is checked. */
struct org_new {
	char *code, *name_en, *name_km, *level;
	size_t self;   /* its entry in the index */
	size_t parent; /* the parent's entry in the index + 1, or 0 (a national unit) */
	int line;
};

struct import {
	struct db *db;
	const char *name;
	struct problems *pr;
	int col[5];
	int header_seen, bad;
	struct org_index *known; /* the database's units, then the file's valid ones */
	struct org_new *rows;
	size_t nrows, caprows;
};

static const char *const org_cols[] = {"code", "name_en", "name_km", "parent_code", "level"};

/* Checks one row against the units known so far (the database's and the earlier rows'): no query per row. */
static int import_row(char **f, size_t n, int line, void *ctx)
{
	struct import *im = ctx;
	if (!im->header_seen) {
		im->header_seen = 1;
		for (int i = 0; i < 5; i++) {
			im->col[i] = csv_column(f, n, org_cols[i]);
			if (im->col[i] < 0 && i != 2) {
				problem_add(im->pr, im->name, line, "missing column '%s' in the header", org_cols[i]);
				im->bad++;
			}
		}
		return im->bad ? 1 : 0;
	}
	if (n == 1 && !*f[0])
		return 0; /* blank line */
	const char *v[5];
	for (int i = 0; i < 5; i++)
		v[i] = im->col[i] >= 0 && (size_t)im->col[i] < n ? str_trim(f[im->col[i]]) : NULL;
	for (int i = 0; i < 5; i++)
		if (!v[i])
			v[i] = "";
	struct err e;
	const struct org_known *parent = *v[3] ? index_find(im->known, v[3]) : NULL;
	if (org_fields_check(v[0], v[1], v[4], &e) < 0 ||
	    org_place_check(v[0], v[3], v[4], index_find(im->known, v[0]) != NULL,
			    parent ? (parent->rank >= 0 ? levels[parent->rank] : "") : NULL, &e) < 0) {
		problem_add(im->pr, im->name, line, "%s", e.msg);
		im->bad++;
		return 0;
	}
	if (im->nrows == im->caprows) {
		im->caprows = im->caprows ? im->caprows * 2 : 256;
		im->rows = xrealloc(im->rows, im->caprows * sizeof *im->rows);
	}
	size_t pi = parent ? (size_t)(parent - im->known->v) + 1 : 0;
	im->rows[im->nrows++] =
	    (struct org_new){xstrdup(v[0]), xstrdup(v[1]), xstrdup(v[2]), xstrdup(v[4]), im->known->n, pi, line};
	index_add(im->known, v[0], NULL, -1, level_rank(v[4]));
	return 0;
}

/* An import of this many units or more refreshes the database's statistics of the table (db_analyze()). */
#define ORG_ANALYZE_ROWS 1000

/* Rows inserted by one INSERT: seven parameters each, well under both engines' limits. */
#define ORG_INSERT_ROWS 200

/* The INSERT of n rows (caller finalizes). */
static struct db_stmt *insert_stmt(struct db *db, size_t n)
{
	struct buf sql = BUF_INIT;
	buf_puts(&sql, "INSERT INTO org_units(id, code, name_en, name_km, parent_id, level, path) VALUES ");
	for (size_t i = 0; i < n; i++)
		buf_puts(&sql, i ? ",(?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?)");
	struct db_stmt *st = db_prepare(db, buf_str(&sql));
	buf_release(&sql);
	return st;
}

/*
 * Inserts rows [first, first + n) of the file, their ids and paths known, with st (insert_stmt(n)).
 * 0, or -1 with e set.
 */
static int insert_batch(struct import *im, struct db_stmt *st, size_t first, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		const struct org_new *r = &im->rows[first + i];
		const struct org_known *k = &im->known->v[r->self];
		int p = (int)i * 7;
		db_bind_int64(st, p + 1, k->id);
		db_bind_text(st, p + 2, r->code);
		db_bind_text(st, p + 3, r->name_en);
		db_bind_text(st, p + 4, r->name_km);
		if (r->parent)
			db_bind_int64(st, p + 5, im->known->v[r->parent - 1].id);
		else
			db_bind_null(st, p + 5);
		db_bind_text(st, p + 6, r->level);
		db_bind_text(st, p + 7, k->path);
	}
	int rc = db_step_done(st);
	if (rc < 0)
		err_set(e, "%s:%d: cannot add org '%s': %s", im->name, im->rows[first].line, im->rows[first].code,
			db_errmsg(im->db));
	db_reset(st);
	return rc;
}

/*
 * Inserts the checked rows in file order, ORG_INSERT_ROWS a statement, each with its id and path: the
 * ids are taken first (db_next_ids()), so a path ('/1/17/230/') is made before its row is written
 * (setting paths afterwards would write every row twice). 0, or -1 with e set.
 */
static int insert_rows(struct import *im, struct err *e)
{
	if (!im->nrows)
		return 0;
	int64_t *ids = xmalloc(im->nrows * sizeof *ids);
	if (db_next_ids(im->db, "org_units", im->nrows, ids, e) < 0) {
		free(ids);
		return -1;
	}
	struct buf path = BUF_INIT;
	for (size_t i = 0; i < im->nrows; i++) {
		/* A parent comes before its children in the file, so its path is known by now. */
		struct org_known *k = &im->known->v[im->rows[i].self];
		const struct org_known *p = im->rows[i].parent ? &im->known->v[im->rows[i].parent - 1] : NULL;
		buf_reset(&path);
		buf_printf(&path, "%s%lld/", p && p->path ? p->path : "/", (long long)ids[i]);
		k->id = ids[i];
		k->path = xstrdup(buf_str(&path));
	}
	buf_release(&path);
	free(ids);
	/* One statement for every full batch, another for the rest. */
	struct db_stmt *full = NULL;
	int rc = 0;
	for (size_t i = 0; i < im->nrows && rc == 0; i += ORG_INSERT_ROWS) {
		size_t n = im->nrows - i < ORG_INSERT_ROWS ? im->nrows - i : ORG_INSERT_ROWS;
		if (n < ORG_INSERT_ROWS) {
			struct db_stmt *st = insert_stmt(im->db, n);
			rc = insert_batch(im, st, i, n, e);
			db_finalize(st);
			break;
		}
		if (!full)
			full = insert_stmt(im->db, n);
		rc = insert_batch(im, full, i, n, e);
	}
	db_finalize(full);
	return rc;
}

int orgs_import_csv(struct db *db, const char *name, const char *data, size_t len, struct problems *pr, int *added,
		    struct err *e)
{
	struct import im = {.db = db, .name = name, .pr = pr};
	int rc = -1;
	/* Every row is checked first, against the units read in one query and the earlier rows (which later
	 * rows may name as parents); then all are inserted, or none when a row is bad. The caller's
	 * transaction is joined when one is open (the audit entry goes in it). */
	bool own;
	db_bulk_plans(db, true);
	if (db_join(db, &own, e) < 0) {
		db_bulk_plans(db, false);
		return -1;
	}
	im.known = org_index_load(db, e);
	if (!im.known)
		goto out;
	if (csv_parse_mem(name, data, len, import_row, &im, e) < 0)
		goto out;
	if (!im.header_seen) {
		err_set(e, "%s:1: empty file: expected the header code,name_en,name_km,parent_code,level", name);
		goto out;
	}
	if (im.bad) {
		err_set(e, "%s: %d bad row%s: nothing imported", name, im.bad, im.bad == 1 ? "" : "s");
		goto out;
	}
	if (insert_rows(&im, e) < 0)
		goto out;
	if (db_join_commit(db, own, e) < 0)
		goto done;
	*added = (int)im.nrows;
	rc = 0;
	if (im.nrows >= ORG_ANALYZE_ROWS) {
		struct err ae;
		if (db_analyze(db, "org_units", &ae) < 0)
			log_msg(LOG_WARN, "orgs-import", "%s",
				ae.msg); /* the import is done: only later plans suffer */
	}
	goto done;
out:
	db_join_rollback(db, own);
done:
	for (size_t i = 0; i < im.nrows; i++) {
		free(im.rows[i].code);
		free(im.rows[i].name_en);
		free(im.rows[i].name_km);
		free(im.rows[i].level);
	}
	free(im.rows);
	org_index_free(im.known);
	db_bulk_plans(db, false);
	return rc;
}

int orgs_mark_demo(struct db *db, struct err *e)
{
	return db_exec(db, "UPDATE org_units SET is_demo = 1 WHERE level IN ('ministry','district','commune','office')",
		       e);
}

int64_t org_ensure_demo(struct db *db, const char *code, const char *name_en, const char *name_km,
			const char *parent_code, const char *level, struct err *e)
{
	int64_t id = org_id(db, code);
	if (id >= 0)
		return id;
	if (name_km && !utf8_valid(name_km, strlen(name_km)))
		return err_set(e, "org '%s': Khmer name is not valid UTF-8", code);
	if (org_check(db, code, name_en, parent_code, level, e) < 0)
		return -1;
	id = org_insert(db, code, name_en, name_km, parent_code, level);
	if (id < 0)
		return err_set(e, "cannot add org '%s': %s", code, db_errstr(db));
	struct db_stmt *st = db_stmt(db, "UPDATE org_units SET is_demo = 1 WHERE id = ?");
	db_bind_int64(st, 1, id);
	int rc = db_step_done(st);
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot mark org '%s' as demo data: %s", code, db_errstr(db));
	return id;
}

/* Appends the rows of st (id, code, level, name_en, name_km) to *rows; -1 with e set when the loop fails. */
static int org_rows_read(struct db *db, struct db_stmt *st, struct org_entry **rows, size_t *n, struct err *e)
{
	size_t cap = 0;
	int rc;
	*rows = NULL;
	*n = 0;
	while ((rc = db_step_row(st)) > 0) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			*rows = xrealloc(*rows, cap * sizeof **rows);
		}
		(*rows)[(*n)++] = (struct org_entry){.id = db_col_int64(st, 0),
						     .code = xstrdup(db_col_text(st, 1)),
						     .level = xstrdup(db_col_text(st, 2)),
						     .name_en = xstrdup(db_col_text(st, 3)),
						     .name_km = xstrdup(db_col_text(st, 4))};
	}
	db_finish(st);
	if (rc < 0) {
		org_entries_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return err_set(e, "cannot read the org units: %s", db_errstr(db));
	}
	return 0;
}

int orgs_of_level(struct db *db, const char *level, struct org_entry **rows, size_t *n, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT id, code, level, name_en, name_km FROM org_units WHERE level = ? "
					 "ORDER BY code");
	db_bind_text(st, 1, level);
	return org_rows_read(db, st, rows, n, e);
}

int orgs_children(struct db *db, int64_t id, struct org_entry **rows, size_t *n, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT id, code, level, name_en, name_km FROM org_units WHERE id = ?1 OR "
					 "parent_id = ?1 ORDER BY id <> ?1, code");
	db_bind_int64(st, 1, id);
	return org_rows_read(db, st, rows, n, e);
}

int org_child_at(struct db *db, int64_t parent, const char *level, int offset, int64_t *id, char *code, size_t codelen,
		 struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT id, code FROM org_units WHERE parent_id = ?1 AND level = ?2 "
					 "ORDER BY code LIMIT 1 OFFSET ?3");
	db_bind_int64(st, 1, parent);
	db_bind_text(st, 2, level);
	db_bind_int(st, 3, offset);
	int rc = db_step_row(st);
	if (rc > 0) {
		*id = db_col_int64(st, 0);
		snprintf(code, codelen, "%s", db_col_text(st, 1));
	}
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot read the org units: %s", db_errstr(db));
	return rc;
}

void org_entries_free(struct org_entry *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].code);
		free(rows[i].level);
		free(rows[i].name_en);
		free(rows[i].name_km);
	}
	free(rows);
}

/* Runs a query whose columns are id, code, name_en, name_km, level, parent_code, children, calling fn per row. */
static int org_rows(struct db *db, struct db_stmt *st, org_row_fn fn, void *ctx, struct err *e)
{
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		struct org_row o = {
		    .id = db_col_int64(st, 0),
		    .code = db_col_text(st, 1),
		    .name_en = db_col_text(st, 2),
		    .name_km = db_col_text(st, 3),
		    .level = db_col_text(st, 4),
		    .parent_code = db_col_text(st, 5),
		    .children = db_col_int(st, 6),
		};
		int stop = fn(ctx, &o);
		if (stop) {
			db_finish(st);
			return stop;
		}
	}
	if (rc < 0)
		err_set(e, "cannot read the org units: %s", db_errstr(db));
	db_finish(st);
	return rc < 0 ? -1 : 0;
}

int org_children(struct db *db, int64_t id, org_row_fn fn, void *ctx, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT o.id, o.code, o.name_en, o.name_km, o.level, (SELECT code FROM "
					 "org_units p WHERE p.id = o.parent_id), (SELECT count(*) FROM org_units c "
					 "WHERE c.parent_id = o.id) FROM org_units o WHERE o.id = ?1 OR o.parent_id = "
					 "?1 ORDER BY o.id = ?1 DESC, o.code");
	db_bind_int64(st, 1, id);
	return org_rows(db, st, fn, ctx, e);
}

int org_ancestors(struct db *db, int64_t id, int64_t scope, org_row_fn fn, void *ctx, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT a.id, a.code, a.name_en, a.name_km, a.level, '', 0 FROM org_units o "
					 "JOIN org_units a ON substr(o.path, 1, length(a.path)) = a.path LEFT JOIN "
					 "org_units s ON s.id = ?2 WHERE o.id = ?1 AND a.id <> o.id AND (?2 < 0 OR "
					 "substr(a.path, 1, length(s.path)) = s.path) ORDER BY length(a.path)");
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, scope);
	return org_rows(db, st, fn, ctx, e);
}

struct org_copy {
	int64_t id;
	char *code, *name_en, *name_km, *level;
};

static int org_copy_cmp(const void *a, const void *b)
{
	return strcmp(((const struct org_copy *)a)->code, ((const struct org_copy *)b)->code);
}

int orgs_get(struct db *db, const int64_t *ids, size_t n, org_row_fn fn, void *ctx, struct err *e)
{
	struct org_copy *v = xcalloc(n ? n : 1, sizeof *v);
	size_t k = 0;
	int rc = 0;
	struct db_stmt *st = db_stmt(db, "SELECT code, name_en, name_km, level FROM org_units WHERE id = ?1");
	for (size_t i = 0; i < n && rc == 0; i++) {
		db_bind_int64(st, 1, ids[i]);
		int r = db_step_row(st);
		if (r < 0) {
			rc = err_set(e, "cannot read the org units: %s", db_errstr(db));
		} else if (r > 0) {
			v[k] = (struct org_copy){ids[i], xstrdup(db_col_text(st, 0)), xstrdup(db_col_text(st, 1)),
						 xstrdup(db_col_text(st, 2)), xstrdup(db_col_text(st, 3))};
			k++;
		}
		db_reset(st);
	}
	db_finish(st);
	qsort(v, k, sizeof *v, org_copy_cmp);
	for (size_t i = 0; i < k && rc == 0; i++) {
		struct org_row o = {v[i].id, v[i].code, v[i].name_en, v[i].name_km, v[i].level, "", 0};
		rc = fn(ctx, &o);
	}
	for (size_t i = 0; i < k; i++) {
		free(v[i].code);
		free(v[i].name_en);
		free(v[i].name_km);
		free(v[i].level);
	}
	free(v);
	return rc;
}

int org_search(struct db *db, const char *text, int64_t scope, size_t limit, org_row_fn fn, void *ctx, struct err *e)
{
	if (!text || !*text)
		return 0;
	char scope_path[512] = "";
	if (scope >= 0 && org_path(db, scope, scope_path, sizeof scope_path) < 0)
		return err_set(e, "cannot read the org units: %s", db_errstr(db));
	/* A LIKE pattern of the text, its wildcards escaped, ASCII letters lowered. */
	struct buf pat = BUF_INIT;
	buf_putc(&pat, '%');
	for (const char *p = text; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			buf_putc(&pat, '\\');
		buf_putc(&pat, *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p);
	}
	buf_putc(&pat, '%');
	struct db_stmt *st = db_stmt(db, "SELECT id, code, name_en, name_km, level FROM org_units "
					 "WHERE (lower(code) LIKE ?1 ESCAPE '\\' OR lower(name_en) LIKE ?1 ESCAPE '\\' "
					 "OR name_km LIKE ?1 ESCAPE '\\') AND substr(path, 1, length(?2)) = ?2 "
					 "ORDER BY length(path), code LIMIT ?3");
	db_bind_text(st, 1, buf_str(&pat));
	db_bind_text(st, 2, scope_path);
	db_bind_int64(st, 3, (int64_t)limit);
	int rc, ret = 0;
	while ((rc = db_step_row(st)) > 0) {
		struct org_row o = {db_col_int64(st, 0),
				    db_col_text(st, 1),
				    db_col_text(st, 2),
				    db_col_text(st, 3),
				    db_col_text(st, 4),
				    "",
				    0};
		if ((ret = fn(ctx, &o)) != 0)
			break;
	}
	if (rc < 0)
		ret = err_set(e, "cannot read the org units: %s", db_errstr(db));
	db_finish(st);
	buf_release(&pat);
	return ret;
}
