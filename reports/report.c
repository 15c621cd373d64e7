/*
 * The report query. One pass over the enrolments of the people in a subtree
 * (org_units.path range -> users_org -> enrolments primary key) fills the
 * cube; distinct learners over all courses come from a per-learner hash of
 * the milestones they reached, so the scan order does not matter.
 *
 * reports/ owns no table: its SQL reads only the published views of the
 * owners (report_org_units, report_learners, report_courses,
 * report_enrolments, report_certificates; lib/schema.c, docs/architecture.md),
 * which SQLite flattens into these queries, so the plans are those of the
 * tables underneath.
 */
#include "reports/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "lib/db.h"
#include "lib/schema.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

static const char *const sex_names[SEX_COUNT] = {"female", "male", "other", "unspecified"};

const char *report_sex_name(int sex)
{
	return sex >= 0 && sex < SEX_COUNT ? sex_names[sex] : "all";
}

/* The learner's reading language (users.lang), a dimension of the aggregates: "km" or "en". */
static const char *const lang_names[] = {"km", "en"};

static int lang_index(const char *s)
{
	return strcmp(s, "en") == 0 ? 1 : 0;
}

const char *report_language_name(int i)
{
	return i >= 0 && i < REPORT_LANGUAGES ? lang_names[i] : "";
}

bool report_language_valid(const char *s)
{
	return !s || strcmp(s, "km") == 0 || strcmp(s, "en") == 0;
}

static int sex_index(const char *s)
{
	for (int i = 0; i < SEX_COUNT; i++)
		if (strcmp(s, sex_names[i]) == 0)
			return i;
	return SEX_UNSPECIFIED;
}

/* ---- periods and groupings ---- */

static int64_t month_start(int y, int m)
{
	char s[32];
	int64_t t = 0;
	if (m > 12)
		y++, m -= 12;
	snprintf(s, sizeof s, "%04d-%02d-01", y, m);
	date_parse(s, &t);
	return t;
}

static void period_months(struct report_period *p, int y, int m0, int months)
{
	p->set = true;
	p->from = month_start(y, m0);
	p->to = month_start(y, m0 + months);
}

void report_period_quarter(int64_t t, struct report_period *p)
{
	char d[11];
	date_ymd(t, d);
	int y = atoi(d), m = atoi(d + 5);
	int q = (m - 1) / 3 + 1;
	period_months(p, y, 3 * (q - 1) + 1, 3);
	snprintf(p->label, sizeof p->label, "%04d-Q%d", y, q);
}

static int period_named(const char *s, struct report_period *p, struct err *e)
{
	int y = 0, n = 0;
	char kind = 0, tail = 0;
	size_t len = strlen(s);
	if (strcmp(s, "all") == 0) {
		p->set = false;
		snprintf(p->label, sizeof p->label, "all");
		return 0;
	}
	if (len == 4 && sscanf(s, "%4d%c", &y, &tail) == 1 && y >= 1970 && y <= 9998) {
		period_months(p, y, 1, 12);
	} else if (len == 7 && sscanf(s, "%4d-%c%1d%c", &y, &kind, &n, &tail) == 3 && y >= 1970 && y <= 9998 &&
		   ((kind == 'Q' && n >= 1 && n <= 4) || (kind == 'S' && n >= 1 && n <= 2))) {
		if (kind == 'Q')
			period_months(p, y, 3 * (n - 1) + 1, 3);
		else
			period_months(p, y, 6 * (n - 1) + 1, 6);
	} else {
		return err_set(e, "unknown period '%s' (use YYYY, YYYY-Q1..Q4, YYYY-S1..S2 or all)", s);
	}
	snprintf(p->label, sizeof p->label, "%s", s);
	return 0;
}

int report_period_parse(const char *period, const char *from, const char *to, struct report_period *p, struct err *e)
{
	memset(p, 0, sizeof *p);
	bool has_from = from && *from, has_to = to && *to;
	if (!has_from && !has_to) {
		if (period && *period)
			return period_named(period, p, e);
		snprintf(p->label, sizeof p->label, "all");
		return 0;
	}
	p->set = true;
	p->from = INT64_MIN;
	p->to = INT64_MAX;
	if (has_from && date_parse(from, &p->from) < 0)
		return err_set(e, "invalid date '%s' (use YYYY-MM-DD)", from);
	if (has_to) {
		if (date_parse(to, &p->to) < 0)
			return err_set(e, "invalid date '%s' (use YYYY-MM-DD)", to);
		p->to += 86400; /* inclusive of the whole day */
	}
	if (p->from >= p->to)
		return err_set(e, "the period ends (%s) before it starts (%s)", to, from);
	snprintf(p->label, sizeof p->label, "%s..%s", has_from ? from : "", has_to ? to : "");
	return 0;
}

int report_by_parse(const char *s, unsigned *by, struct err *e)
{
	*by = 0;
	if (!s || !*s || strcmp(s, "none") == 0)
		return 0;
	const char *p = s;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n == 3 && strncmp(p, "sex", 3) == 0)
			*by |= REPORT_BY_SEX;
		else if (n == 3 && strncmp(p, "org", 3) == 0)
			*by |= REPORT_BY_ORG;
		else if (n == 6 && strncmp(p, "course", 6) == 0)
			*by |= REPORT_BY_COURSE;
		else if (n == 8 && strncmp(p, "language", 8) == 0)
			*by |= REPORT_BY_LANGUAGE;
		else
			return err_set(e, "unknown grouping '%.*s' (use sex, org, course, language)",
				       (int)(n > 40 ? 40 : n), p);
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* ---- the cube ---- */

static size_t cell_index(const struct report *r, int org, int course, int sex)
{
	size_t oi = org < 0 ? r->nchildren + 1 : (size_t)org;
	size_t ci = course < 0 ? r->ncourses : (size_t)course;
	size_t si = sex < 0 ? SEX_COUNT : (size_t)sex;
	return (oi * (r->ncourses + 1) + ci) * (SEX_COUNT + 1) + si;
}

const struct report_figures *report_cell(const struct report *r, int org, int course, int sex)
{
	return &r->cells[cell_index(r, org, course, sex)];
}

static struct report_figures *cell_mut(struct report *r, int org, int course, int sex)
{
	return &r->cells[cell_index(r, org, course, sex)];
}

static void figures_add(struct report_figures *to, const struct report_figures *f)
{
	to->enrolled += f->enrolled;
	to->started += f->started;
	to->completed += f->completed;
	to->certified += f->certified;
	to->score_n += f->score_n;
	to->score_sum += f->score_sum;
	to->gain_n += f->gain_n;
	to->gain_sum += f->gain_sum;
}

/* Milestones a learner reached in the period, over all their courses; M_SEEN: has an enrolment in the scan. */
enum { M_ENROLLED = 1, M_STARTED = 2, M_COMPLETED = 4, M_CERTIFIED = 8, M_SEEN = 16 };

/* A learner's certificate state for one course (revoked certificates left out). */
struct cert_rec {
	int64_t user_id;
	int64_t first; /* first issue date */
	int course;
	bool current; /* one not replaced remains */
};

/*
 * Learners by id in a small open-addressing hash: org slot, sex, milestones
 * and their certificates (a run of the sorted cert_rec array). One lookup per
 * learner rather than per enrolment keeps the scan in the CPU cache.
 */
struct learner {
	int64_t id; /* 0 = empty */
	uint32_t cert_at, cert_n;
	int org;
	unsigned char sex, marks;
};

struct learners {
	struct learner *slot;
	size_t cap, n; /* cap is a power of two */
};

static struct learner *learner_get(struct learners *h, int64_t id)
{
	if (h->n * 2 >= h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 1024;
		struct learners g = {xcalloc(cap, sizeof *g.slot), cap, h->n};
		for (size_t i = 0; i < h->cap; i++)
			if (h->slot[i].id)
				*learner_get(&g, h->slot[i].id) = h->slot[i];
		free(h->slot);
		*h = g;
	}
	size_t i = (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> 20) & (h->cap - 1);
	while (h->slot[i].id && h->slot[i].id != id)
		i = (i + 1) & (h->cap - 1);
	if (!h->slot[i].id) {
		h->slot[i] = (struct learner){.id = id};
		h->n++;
	}
	return &h->slot[i];
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool in_period(const struct report_period *p, struct db_stmt *st, int col)
{
	if (db_col_type(st, col) == DB_NULL)
		return false;
	int64_t t = db_col_int64(st, col);
	return !p->set || (t >= p->from && t < p->to);
}

static int course_slot(const struct report *r, const char *id)
{
	if (!r->ncourses)
		return -1;
	char **hit = bsearch(&id, r->courses, r->ncourses, sizeof *r->courses, cmp_str);
	return hit ? (int)(hit - r->courses) : -1;
}

struct child_key {
	int64_t id;
	int slot;
};

static int cmp_child(const void *a, const void *b)
{
	int64_t x = ((const struct child_key *)a)->id, y = ((const struct child_key *)b)->id;
	return x < y ? -1 : x > y;
}

/* The org slot of a learner whose unit has path `path`, under the report unit's path of length plen. */
static int org_slot(const struct report *r, const struct child_key *keys, const char *path, size_t plen)
{
	if (strlen(path) <= plen)
		return (int)r->nchildren;
	struct child_key k = {strtoll(path + plen, NULL, 10), 0};
	const struct child_key *hit = bsearch(&k, keys, r->nchildren, sizeof k, cmp_child);
	return hit ? hit->slot : (int)r->nchildren;
}

/* A read that ended on an error: the report would be short, so it fails instead. */
static int read_failed(struct db *db, struct err *e)
{
	err_set(e, "cannot read the report's figures: %s", db_errstr(db));
	return REPORT_EDB;
}

static void unit_load(struct db_stmt *st, struct report_unit *u)
{
	u->id = db_col_int64(st, 0);
	u->code = xstrdup(db_col_text(st, 1));
	u->name_en = xstrdup(db_col_text(st, 2));
	u->name_km = xstrdup(db_col_text(st, 3));
	u->level = xstrdup(db_col_text(st, 4));
}

static void unit_free(struct report_unit *u)
{
	free(u->code);
	free(u->name_en);
	free(u->name_km);
	free(u->level);
}

/* Finds the unit reported on and checks it lies in the scope; fills path. */
static int load_unit(struct db *db, const struct report_query *q, struct report *r, char *path, size_t pathlen,
		     struct err *e)
{
	struct db_stmt *st;
	if (q->org && *q->org) {
		st = db_stmt(db, "SELECT id, code, name_en, name_km, level, path FROM report_org_units WHERE code = ?");
		db_bind_text(st, 1, q->org);
	} else if (q->scope_id >= 0) {
		st = db_stmt(db, "SELECT id, code, name_en, name_km, level, path FROM report_org_units WHERE id = ?");
		db_bind_int64(st, 1, q->scope_id);
	} else {
		st = db_stmt(db, "SELECT id, code, name_en, name_km, level, path FROM report_org_units WHERE code = ?");
		db_bind_text(st, 1, ORG_ROOT_CODE);
	}
	int rc = db_step_row(st);
	if (rc > 0) {
		unit_load(st, &r->org);
		snprintf(path, pathlen, "%s", db_col_text(st, 5));
		rc = 0;
	} else if (rc == 0) {
		err_set(e, "no org unit '%s'", q->org && *q->org ? q->org : ORG_ROOT_CODE);
		rc = REPORT_ENOENT;
	} else {
		rc = read_failed(db, e);
	}
	db_finish(st);
	if (rc < 0 || q->scope_id < 0)
		return rc;
	st = db_stmt(db, "SELECT path, code FROM report_org_units WHERE id = ?");
	db_bind_int64(st, 1, q->scope_id);
	int step = db_step_row(st);
	if (step < 0) {
		rc = read_failed(db, e);
	} else if (step == 0 || !str_starts(path, db_col_text(st, 0))) {
		err_set(e, "the org unit '%s' is outside your area ('%s')", r->org.code,
			db_col_type(st, 1) == DB_TEXT ? db_col_text(st, 1) : "none");
		rc = REPORT_EFORBIDDEN;
	}
	db_finish(st);
	return rc;
}

static int load_children(struct db *db, struct report *r, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT id, code, name_en, name_km, level FROM report_org_units "
					 "WHERE parent_id = ? ORDER BY code");
	db_bind_int64(st, 1, r->org.id);
	size_t cap = 0;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		if (r->nchildren == cap) {
			cap = cap ? cap * 2 : 16;
			r->children = xrealloc(r->children, cap * sizeof *r->children);
		}
		unit_load(st, &r->children[r->nchildren++]);
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	return rc;
}

static int load_courses(struct db *db, const struct report_query *q, struct report *r, struct err *e)
{
	struct db_stmt *st;
	int rc;
	if (q->course && *q->course) {
		st = db_stmt(db, "SELECT 1 FROM report_courses WHERE id = ?");
		db_bind_text(st, 1, q->course);
		rc = db_step_row(st);
		if (rc < 0)
			rc = read_failed(db, e);
		db_finish(st);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			err_set(e, "no course '%s'", q->course);
			return REPORT_ENOENT;
		}
		r->course = xstrdup(q->course);
		r->courses = xmalloc(sizeof *r->courses);
		r->courses[0] = xstrdup(q->course);
		r->ncourses = 1;
		return 0;
	}
	st = db_stmt(db, "SELECT id FROM report_courses ORDER BY id");
	size_t cap = 0;
	while ((rc = db_step_row(st)) > 0) {
		if (r->ncourses == cap) {
			cap = cap ? cap * 2 : 16;
			r->courses = xrealloc(r->courses, cap * sizeof *r->courses);
		}
		r->courses[r->ncourses++] = xstrdup(db_col_text(st, 0));
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	return rc;
}

int report_course_ids(struct db *db, char ***ids, size_t *n, struct err *e)
{
	struct report r = {0};
	struct report_query q = {0};
	int rc = load_courses(db, &q, &r, e);
	if (rc < 0) {
		for (size_t i = 0; i < r.ncourses; i++)
			free(r.courses[i]);
		free(r.courses);
		r.courses = NULL;
		r.ncourses = 0;
	}
	*ids = r.courses;
	*n = r.ncourses;
	return rc < 0 ? rc : 0;
}

static int cmp_cert(const void *a, const void *b)
{
	const struct cert_rec *x = a, *y = b;
	if (x->user_id != y->user_id)
		return x->user_id < y->user_id ? -1 : 1;
	return x->course - y->course;
}

/*
 * Certificates by learner and course, revoked ones left out as if never
 * issued: the first issue date (a re-issue keeps it) and whether a current one
 * (not replaced) remains. One sequential read of the table is much cheaper
 * than a lookup per enrolment. Returns the records (NULL when none); *n gets
 * their count. REPORT_EDB in *rc when reading ended on an error (nothing returned).
 */
static const char cert_sql[] = "SELECT user_id, course_id, issued_at, is_current FROM report_certificates "
			       "WHERE course_id = ?1 OR ?1 IS NULL";

static struct cert_rec *load_certificates(struct db *db, const struct report *r, struct learners *seen, size_t *n,
					  int *rc, struct err *e)
{
	struct db_stmt *st = db_stmt(db, cert_sql);
	db_bind_text(st, 1, r->course);
	struct cert_rec *recs = NULL;
	size_t cap = 0, k = 0;
	*n = 0;
	while ((*rc = db_step_row(st)) > 0) {
		int course = course_slot(r, db_col_text(st, 1));
		if (course < 0)
			continue;
		if (k == cap) {
			cap = cap ? cap * 2 : 1024;
			recs = xrealloc(recs, cap * sizeof *recs);
		}
		recs[k++] = (struct cert_rec){db_col_int64(st, 0), db_col_int64(st, 2), course, db_col_int(st, 3) != 0};
	}
	if (*rc < 0) {
		*rc = read_failed(db, e);
		db_finish(st);
		free(recs);
		return NULL;
	}
	db_finish(st);
	if (k)
		qsort(recs, k, sizeof *recs, cmp_cert);
	/* Merge the certificates of one learner and course; point each learner at their run. */
	size_t m = 0;
	for (size_t i = 0; i < k; i++) {
		if (m && recs[m - 1].user_id == recs[i].user_id && recs[m - 1].course == recs[i].course) {
			if (recs[i].first < recs[m - 1].first)
				recs[m - 1].first = recs[i].first;
			recs[m - 1].current |= recs[i].current;
			continue;
		}
		recs[m] = recs[i];
		struct learner *l = learner_get(seen, recs[m].user_id);
		if (!l->cert_n)
			l->cert_at = (uint32_t)m;
		l->cert_n++;
		m++;
	}
	*n = m;
	return recs;
}

/* True when the learner holds a current certificate for the course first issued in the period. */
static bool certified_in(const struct learner *l, const struct cert_rec *recs, int course,
			 const struct report_period *p)
{
	for (uint32_t i = 0; i < l->cert_n; i++) {
		const struct cert_rec *c = &recs[l->cert_at + i];
		if (c->course == course)
			return c->current && (!p->set || (c->first >= p->from && c->first < p->to));
	}
	return false;
}

/*
 * Every enrolment of the people in a subtree. Flattened, this is org_units by
 * its path index -> users_org (covers org_id and sex) -> the enrolments
 * primary key: a learner's enrolments come together.
 */
static const char scan_sql[] =
    "SELECT l.user_id, l.sex, l.org_path, e.course_id, e.enrolled_at, e.started_at, e.completed_at, "
    "e.best_final, e.pretest FROM report_learners l JOIN report_enrolments e ON e.user_id = l.user_id "
    "WHERE l.org_path >= ?1 AND l.org_path < ?2 AND (e.course_id = ?3 OR ?3 IS NULL) AND (l.lang = ?4 OR ?4 IS NULL)";

/*
 * The end of the subtree of path's range of paths (*end, to free: '0' follows '/') and r's children sorted by id
 * (org_slot()'s keys, to free).
 */
static struct child_key *subtree_keys(const struct report *r, const char *path, char **end)
{
	size_t plen = strlen(path);
	*end = xstrdup(path);
	if (plen)
		(*end)[plen - 1] = '0';
	struct child_key *keys = xmalloc((r->nchildren + 1) * sizeof *keys);
	for (size_t i = 0; i < r->nchildren; i++)
		keys[i] = (struct child_key){r->children[i].id, (int)i};
	qsort(keys, r->nchildren, sizeof *keys, cmp_child);
	return keys;
}

static int scan(struct db *db, struct report *r, const char *path, struct err *e)
{
	size_t plen = strlen(path);
	char *end;
	struct child_key *keys = subtree_keys(r, path, &end);
	struct learners seen = {0};
	size_t ncert;
	int rc;
	const struct report_period *p = &r->period;
	struct learner *l = NULL;
	struct db_stmt *st;
	struct cert_rec *certs = load_certificates(db, r, &seen, &ncert, &rc, e);
	if (rc < 0)
		goto done;

	st = db_stmt(db, scan_sql);
	db_bind_text(st, 1, path);
	db_bind_text(st, 2, end);
	db_bind_text(st, 3, r->course);
	db_bind_text(st, 4, r->language);
	while ((rc = db_step_row(st)) > 0) {
		int course = course_slot(r, db_col_text(st, 3));
		if (course < 0)
			continue;
		int64_t uid = db_col_int64(st, 0);
		if (!l || l->id != uid) { /* a learner's enrolments come together: one lookup each */
			l = learner_get(&seen, uid);
			l->org = org_slot(r, keys, db_col_text(st, 2), plen);
			l->sex = (unsigned char)sex_index(db_col_text(st, 1));
		}
		int org = l->org, sex = l->sex;
		unsigned marks = (in_period(p, st, 4) ? M_ENROLLED : 0) | (in_period(p, st, 5) ? M_STARTED : 0) |
				 (in_period(p, st, 6) ? M_COMPLETED : 0) |
				 (certified_in(l, certs, course, p) ? M_CERTIFIED : 0);
		struct report_figures f = {
		    .enrolled = !!(marks & M_ENROLLED),
		    .started = !!(marks & M_STARTED),
		    .completed = !!(marks & M_COMPLETED),
		    .certified = !!(marks & M_CERTIFIED),
		};
		if ((marks & M_COMPLETED) && db_col_type(st, 7) != DB_NULL) {
			double best = round(db_col_double(st, 7) * REPORT_SCORE_UNIT);
			f.score_n = 1;
			f.score_sum = best;
			if (db_col_type(st, 8) != DB_NULL) {
				f.gain_n = 1;
				f.gain_sum = best - round(db_col_double(st, 8) * REPORT_SCORE_UNIT);
			}
		}
		figures_add(cell_mut(r, org, course, sex), &f);
		/* Over all courses: scores per completion, counts per learner. */
		struct report_figures scores = {
		    .score_n = f.score_n, .score_sum = f.score_sum, .gain_n = f.gain_n, .gain_sum = f.gain_sum};
		figures_add(cell_mut(r, org, REPORT_ALL, sex), &scores);
		l->marks |= (unsigned char)(marks | M_SEEN);
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	if (rc < 0)
		goto done;
	for (size_t i = 0; i < seen.cap; i++) {
		const struct learner *x = &seen.slot[i];
		if (!(x->marks & M_SEEN))
			continue;
		struct report_figures f = {.enrolled = !!(x->marks & M_ENROLLED),
					   .started = !!(x->marks & M_STARTED),
					   .completed = !!(x->marks & M_COMPLETED),
					   .certified = !!(x->marks & M_CERTIFIED)};
		figures_add(cell_mut(r, x->org, REPORT_ALL, x->sex), &f);
	}
done:
	free(seen.slot);
	free(certs);
	free(keys);
	free(end);
	return rc;
}

/* Totals over sex and over org units: sums, as each learner has one sex and one unit. */
static void roll_up(struct report *r)
{
	for (int c = -1; c < (int)r->ncourses; c++)
		for (int o = 0; o <= (int)r->nchildren; o++)
			for (int s = 0; s < SEX_COUNT; s++) {
				const struct report_figures *f = report_cell(r, o, c, s);
				figures_add(cell_mut(r, o, c, REPORT_ALL), f);
				figures_add(cell_mut(r, REPORT_ALL, c, s), f);
				figures_add(cell_mut(r, REPORT_ALL, c, REPORT_ALL), f);
			}
}

/* ---- the aggregates ---- */

/* The month of t (UTC) as YYYYMM, and whether t is the first second of that month. */
static int month_of(int64_t t, bool *at_start)
{
	char d[11];
	date_ymd(t, d);
	int y = atoi(d), m = atoi(d + 5);
	*at_start = month_start(y, m) == t;
	return y * 100 + m;
}

static int month_next(int ym, int n)
{
	int y = ym / 100, m = ym % 100 - 1 + n;
	return (y + m / 12) * 100 + m % 12 + 1;
}

bool report_period_key(const struct report_period *p, char key[16], int *from_m, int *to_m)
{
	if (!p->set) {
		snprintf(key, 16, "A");
		*from_m = 0;
		*to_m = 999999;
		return true;
	}
	if (p->from == INT64_MIN || p->to == INT64_MAX)
		return false;
	bool a, b;
	int fm = month_of(p->from, &a), tm = month_of(p->to, &b);
	if (!a || !b)
		return false;
	int y = fm / 100, m = fm % 100;
	if (tm == month_next(fm, 1))
		snprintf(key, 16, "M%d", fm);
	else if (tm == month_next(fm, 3) && (m - 1) % 3 == 0)
		snprintf(key, 16, "Q%d-%d", y, (m - 1) / 3 + 1);
	else if (tm == month_next(fm, 6) && (m - 1) % 6 == 0)
		snprintf(key, 16, "S%d-%d", y, (m - 1) / 6 + 1);
	else if (tm == month_next(fm, 12) && m == 1)
		snprintf(key, 16, "Y%d", y);
	else
		return false;
	*from_m = fm;
	*to_m = tm;
	return true;
}

/*
 * The subtree's rows of report_agg for one period key (one per unit, course and sex: the primary key):
 * each course's figures, and the scores over all courses (per completion).
 */
static const char agg_sql[] =
    "SELECT o.path, a.course_id, a.sex, a.enrolled, a.started, a.completed, a.certified, a.score_n, a.score_sum, "
    "a.gain_n, a.gain_sum FROM report_agg a JOIN report_org_units o ON o.id = a.org_id "
    "WHERE a.pkey = ?3 AND o.path >= ?1 AND o.path < ?2 AND (a.course_id = ?4 OR ?4 IS NULL) "
    "AND (a.lang = ?5 OR ?5 IS NULL)";

/* The subtree's distinct learners over all courses for one period key, by unit and sex (one row each). */
static const char agg_all_sql[] = "SELECT o.path, a.sex, a.enrolled, a.started, a.completed, a.certified "
				  "FROM report_agg_all a JOIN report_org_units o ON o.id = a.org_id "
				  "WHERE a.pkey = ?3 AND o.path >= ?1 AND o.path < ?2 "
				  "AND (a.lang = ?4 OR ?4 IS NULL)";

/* One aggregate table's rows of a subtree ([path, end)) for one period key: sql with ?1 path, ?2 end, ?3 the key,
 * ?4 the course asked for (or NULL), ?5 the learners' language (or NULL). */
static struct db_stmt *key_stmt(struct db *db, const char *sql, const struct report *r, const char *path,
				const char *end, const char *key)
{
	struct db_stmt *st = db_stmt(db, sql);
	db_bind_text(st, 1, path);
	db_bind_text(st, 2, end);
	db_bind_text(st, 3, key);
	db_bind_text(st, 4, r->course);
	db_bind_text(st, 5, r->language);
	return st;
}

static int agg_read(struct db *db, struct report *r, const char *path, const char *key, struct err *e)
{
	size_t plen = strlen(path);
	char *end;
	struct child_key *keys = subtree_keys(r, path, &end);
	struct db_stmt *st = key_stmt(db, agg_sql, r, path, end, key);
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		int course = course_slot(r, db_col_text(st, 1));
		if (course < 0)
			continue;
		int org = org_slot(r, keys, db_col_text(st, 0), plen), sex = sex_index(db_col_text(st, 2));
		struct report_figures f = {
		    .enrolled = db_col_int64(st, 3),
		    .started = db_col_int64(st, 4),
		    .completed = db_col_int64(st, 5),
		    .certified = db_col_int64(st, 6),
		    .score_n = db_col_int64(st, 7),
		    .score_sum = db_col_double(st, 8),
		    .gain_n = db_col_int64(st, 9),
		    .gain_sum = db_col_double(st, 10),
		};
		figures_add(cell_mut(r, org, course, sex), &f);
		struct report_figures scores = {
		    .score_n = f.score_n, .score_sum = f.score_sum, .gain_n = f.gain_n, .gain_sum = f.gain_sum};
		figures_add(cell_mut(r, org, REPORT_ALL, sex), &scores);
		/* One course asked for: its learners are the distinct learners. */
		if (r->course) {
			struct report_figures n = {f.enrolled, f.started, f.completed, f.certified, 0, 0, 0, 0};
			figures_add(cell_mut(r, org, REPORT_ALL, sex), &n);
		}
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	if (rc < 0 || r->course)
		goto done;
	st = db_stmt(db, agg_all_sql);
	db_bind_text(st, 1, path);
	db_bind_text(st, 2, end);
	db_bind_text(st, 3, key);
	db_bind_text(st, 4, r->language);
	while ((rc = db_step_row(st)) > 0) {
		int org = org_slot(r, keys, db_col_text(st, 0), plen), sex = sex_index(db_col_text(st, 1));
		struct report_figures f = {
		    db_col_int64(st, 2), db_col_int64(st, 3), db_col_int64(st, 4), db_col_int64(st, 5), 0, 0, 0, 0};
		figures_add(cell_mut(r, org, REPORT_ALL, sex), &f);
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
done:
	free(keys);
	free(end);
	return rc < 0 ? rc : 0;
}

/* ---- face-to-face training ---- */

static size_t training_index(const struct report *r, int org, int course, int sex)
{
	return cell_index(r, org, course, sex);
}

const struct report_training *report_training_cell(const struct report *r, int org, int course, int sex)
{
	static const struct report_training none;
	return r->training ? &r->training[training_index(r, org, course, sex)] : &none;
}

static struct report_training *training_mut(struct report *r, int org, int course, int sex)
{
	return &r->training[training_index(r, org, course, sex)];
}

/* A person's part in one course slot (REPORT_ALL: any session) of the period, for distinct counts. */
struct person {
	int64_t user_id;
	int course, org;
	unsigned char sex;
	bool attended, invited;
};

static int cmp_person(const void *a, const void *b)
{
	const struct person *x = a, *y = b;
	if (x->user_id != y->user_id)
		return x->user_id < y->user_id ? -1 : 1;
	return x->course - y->course;
}

static void person_add(struct person **v, size_t *n, size_t *cap, const struct person *p)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[(*n)++] = *p;
}

/*
 * The face-to-face queries start from training's rows (CROSS JOIN keeps SQLite's join order; PostgreSQL
 * plans it as a join): they are few beside the learners of a large subtree.
 */
/* Attendance marks of the subtree's people on session days in the period. */
static const char attendance_sql[] =
    "SELECT a.user_id, l.sex, l.org_path, a.course_id, a.status, a.starts_at, a.ends_at, p.status "
    "FROM report_attendance a CROSS JOIN report_learners l "
    "LEFT JOIN report_invitations p ON p.workshop_id = a.workshop_id AND p.user_id = a.user_id "
    "WHERE l.user_id = a.user_id AND l.org_path >= ?1 AND l.org_path < ?2 AND a.starts_at >= ?3 AND a.starts_at < ?4 "
    "AND (a.course_id = ?5 OR ?5 IS NULL) AND (l.lang = ?6 OR ?6 IS NULL)";

/* People on the lists of sessions whose first day is in the period. */
static const char invitations_sql[] = "SELECT p.user_id, l.sex, l.org_path, p.course_id FROM report_invitations p "
				      "CROSS JOIN report_learners l "
				      "WHERE l.user_id = p.user_id AND l.org_path >= ?1 AND l.org_path < ?2 AND "
				      "p.status <> 'cancelled' AND p.starts_at >= ?3 "
				      "AND p.starts_at < ?4 AND (p.course_id = ?5 OR ?5 IS NULL) "
				      "AND (l.lang = ?6 OR ?6 IS NULL)";

/* Survey answers with a score given in the period by people of the subtree's units. */
static const char survey_sql[] =
    "SELECT o.path, s.sex, s.course_id, s.score FROM report_survey s "
    "CROSS JOIN report_org_units o "
    "WHERE o.id = s.org_id AND o.path >= ?1 AND o.path < ?2 AND s.submitted_at >= ?3 AND s.submitted_at < ?4 "
    "AND s.score IS NOT NULL AND (s.course_id = ?5 OR ?5 IS NULL)";

static const char completions_sql[] = "SELECT course_id, completed_at FROM report_enrolments WHERE user_id = ?1";

static struct db_stmt *training_stmt(struct db *db, const struct report *r, const char *sql, const char *path,
				     const char *end)
{
	struct db_stmt *st = db_stmt(db, sql);
	db_bind_text(st, 1, path);
	db_bind_text(st, 2, end);
	db_bind_int64(st, 3, r->period.set ? r->period.from : INT64_MIN);
	db_bind_int64(st, 4, r->period.set ? r->period.to : INT64_MAX);
	db_bind_text(st, 5, r->course);
	if (sql != survey_sql)
		db_bind_text(st, 6, r->language);
	return st;
}

/* Adds the figures t to one cell. */
static void training_add(struct report_training *to, const struct report_training *t)
{
	to->trained += t->trained;
	to->attended += t->attended;
	to->invited += t->invited;
	to->marked += t->marked;
	to->present += t->present;
	to->seconds += t->seconds;
	to->sat_n += t->sat_n;
	to->sat_sum += t->sat_sum;
}

/* Adds one mark (or answer) to the cells of its course (when it has one) and of all courses. */
static void mark_add(struct report *r, int org, int course, int sex, const struct report_training *t)
{
	if (course >= 0)
		training_add(training_mut(r, org, course, sex), t);
	training_add(training_mut(r, org, REPORT_ALL, sex), t);
}

/* Whether the person completed (online) the course of slot `course` (REPORT_ALL: any) in the period. */
static int completed_in(struct db *db, const struct report *r, int64_t uid, int course, bool *out, struct err *e)
{
	struct db_stmt *st = db_stmt(db, completions_sql);
	db_bind_int64(st, 1, uid);
	int rc;
	*out = false;
	while ((rc = db_step_row(st)) > 0) {
		int c = course_slot(r, db_col_text(st, 0));
		if (c < 0 || (course >= 0 && c != course))
			continue;
		if (in_period(&r->period, st, 1))
			*out = true;
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	return rc < 0 ? rc : 0;
}

/* The marks, list places and distinct people of the subtree's learners, from training's rows. */
static int training_scan(struct db *db, struct report *r, const char *path, const char *end,
			 const struct child_key *keys, struct err *e)
{
	size_t plen = strlen(path);
	struct person *people = NULL;
	size_t n = 0, cap = 0;
	int rc;

	struct db_stmt *st = training_stmt(db, r, attendance_sql, path, end);
	while ((rc = db_step_row(st)) > 0) {
		bool has_course = db_col_type(st, 3) != DB_NULL;
		int course = has_course ? course_slot(r, db_col_text(st, 3)) : -1;
		if (has_course && course < 0)
			continue;
		int org = org_slot(r, keys, db_col_text(st, 2), plen), sex = sex_index(db_col_text(st, 1));
		bool present = strcmp(db_col_text(st, 4), "present") == 0;
		bool registered = db_col_type(st, 7) == DB_TEXT && strcmp(db_col_text(st, 7), "registered") == 0;
		struct report_training t = {.marked = registered, .present = registered && present};
		if (present)
			t.seconds = db_col_int64(st, 6) - db_col_int64(st, 5);
		mark_add(r, org, course, sex, &t);
		if (present) {
			struct person p = {db_col_int64(st, 0), course, org, (unsigned char)sex, true, false};
			if (course >= 0)
				person_add(&people, &n, &cap, &p);
			p.course = REPORT_ALL;
			person_add(&people, &n, &cap, &p);
		}
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	if (rc < 0)
		goto done;

	st = training_stmt(db, r, invitations_sql, path, end);
	while ((rc = db_step_row(st)) > 0) {
		bool has_course = db_col_type(st, 3) != DB_NULL;
		int course = has_course ? course_slot(r, db_col_text(st, 3)) : -1;
		if (has_course && course < 0)
			continue;
		struct person p = {db_col_int64(st, 0),
				   course,
				   org_slot(r, keys, db_col_text(st, 2), plen),
				   (unsigned char)sex_index(db_col_text(st, 1)),
				   false,
				   true};
		if (course >= 0)
			person_add(&people, &n, &cap, &p);
		p.course = REPORT_ALL;
		person_add(&people, &n, &cap, &p);
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	if (rc < 0)
		goto done;

	/* Distinct people by course slot: attended, invited, and trained beyond the online completions. */
	if (n)
		qsort(people, n, sizeof *people, cmp_person);
	for (size_t i = 0; i < n && rc == 0;) {
		struct person p = people[i];
		size_t j = i;
		for (; j < n && people[j].user_id == p.user_id && people[j].course == p.course; j++) {
			p.attended |= people[j].attended;
			p.invited |= people[j].invited;
		}
		i = j;
		struct report_training *t = training_mut(r, p.org, p.course, p.sex);
		t->attended += p.attended;
		t->invited += p.invited;
		bool done_online = false;
		if (p.attended && (rc = completed_in(db, r, p.user_id, p.course, &done_online, e)) < 0)
			break;
		if (p.attended && !done_online)
			t->trained++;
	}
done:
	free(people);
	return rc < 0 ? rc : 0;
}

/*
 * Whether report_f2f can give the figures over all courses ('*' rows): it counts every session, so not when a
 * session's course is one the report leaves out (a course never published). One course asked for reads that
 * course's rows.
 */
static int f2f_all_usable(struct db *db, const struct report *r, bool *out, struct err *e)
{
	*out = true;
	if (r->course)
		return 0;
	struct db_stmt *st = db_stmt(db, "SELECT DISTINCT course_id FROM report_sessions WHERE course_id IS NOT NULL");
	int rc;
	while ((rc = db_step_row(st)) > 0)
		if (course_slot(r, db_col_text(st, 0)) < 0)
			*out = false;
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	return rc < 0 ? rc : 0;
}

/* The subtree's rows of report_f2f for one period key: the marks, list places and distinct people. */
static const char f2f_sql[] =
    "SELECT o.path, a.course_id, a.sex, a.attended, a.invited, a.trained_x, a.marked, a.present, a.seconds "
    "FROM report_f2f a JOIN report_org_units o ON o.id = a.org_id "
    "WHERE a.pkey = ?3 AND o.path >= ?1 AND o.path < ?2 AND (a.course_id = ?4 OR ?4 IS NULL) "
    "AND (a.lang = ?5 OR ?5 IS NULL)";

static int training_agg(struct db *db, struct report *r, const char *path, const char *end,
			const struct child_key *keys, const char *key, struct err *e)
{
	size_t plen = strlen(path);
	struct db_stmt *st = key_stmt(db, f2f_sql, r, path, end, key);
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		const char *id = db_col_text(st, 1);
		int course = strcmp(id, "*") == 0 ? REPORT_ALL : course_slot(r, id);
		if (course < 0 && course != REPORT_ALL)
			continue;
		struct report_training t = {.attended = db_col_int64(st, 3),
					    .invited = db_col_int64(st, 4),
					    .trained = db_col_int64(st, 5),
					    .marked = db_col_int64(st, 6),
					    .present = db_col_int64(st, 7),
					    .seconds = db_col_int64(st, 8)};
		int org = org_slot(r, keys, db_col_text(st, 0), plen), sex = sex_index(db_col_text(st, 2));
		/* One course asked for: its rows are the figures over all courses too. */
		if (r->course)
			mark_add(r, org, course, sex, &t);
		else
			training_add(training_mut(r, org, course, sex), &t);
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	return rc < 0 ? rc : 0;
}

/* The face-to-face figures: from report_f2f when it holds the period (key non-NULL), else from the rows. */
static int training(struct db *db, struct report *r, const char *path, const char *key, struct err *e)
{
	size_t plen = strlen(path);
	char *end;
	struct child_key *keys = subtree_keys(r, path, &end);
	bool usable = false;
	int rc = key ? f2f_all_usable(db, r, &usable, e) : 0;
	if (rc == 0)
		rc = usable ? training_agg(db, r, path, end, keys, key, e) : training_scan(db, r, path, end, keys, e);
	if (rc < 0)
		goto done;

	/* Survey answers carry no language (they are anonymous): under a language, no satisfaction. */
	struct db_stmt *st = training_stmt(db, r, survey_sql, path, end);
	while (!r->language && (rc = db_step_row(st)) > 0) {
		bool has_course = db_col_type(st, 2) != DB_NULL;
		int course = has_course ? course_slot(r, db_col_text(st, 2)) : -1;
		if (has_course && course < 0)
			continue;
		struct report_training t = {.sat_n = 1, .sat_sum = round(db_col_double(st, 3) * REPORT_SCORE_UNIT)};
		mark_add(r, org_slot(r, keys, db_col_text(st, 0), plen), course, sex_index(db_col_text(st, 1)), &t);
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	if (rc < 0)
		goto done;

	/* Trained adds those who completed online; then the totals over sex and units. */
	for (int c = -1; c < (int)r->ncourses; c++)
		for (int o = 0; o <= (int)r->nchildren; o++)
			for (int s = 0; s < SEX_COUNT; s++) {
				struct report_training *t = training_mut(r, o, c, s);
				t->trained += report_cell(r, o, c, s)->completed;
				const struct report_training *x = t;
				struct report_training *tots[3] = {training_mut(r, o, c, REPORT_ALL),
								   training_mut(r, REPORT_ALL, c, s),
								   training_mut(r, REPORT_ALL, c, REPORT_ALL)};
				for (int k = 0; k < 3; k++)
					training_add(tots[k], x);
			}
	rc = 0;
done:
	free(keys);
	free(end);
	return rc;
}

bool report_attendance_rate(const struct report_training *t, double *out)
{
	if (!t->marked)
		return false;
	*out = 100.0 * (double)t->present / (double)t->marked;
	return true;
}

bool report_satisfaction(const struct report_training *t, double *out)
{
	if (t->sat_n < REPORT_SAT_MIN)
		return false;
	*out = t->sat_sum / REPORT_SCORE_UNIT / (double)t->sat_n;
	return true;
}

bool report_attended_parity(const struct report_training *female, const struct report_training *male, double *out)
{
	if (!female->invited || !male->invited || !male->attended)
		return false;
	*out = ((double)female->attended / (double)female->invited) / ((double)male->attended / (double)male->invited);
	return true;
}

/* How fill() reads: the aggregates when they hold the period, or the rows (RUN_SCAN; report_verify()). */
enum { RUN_AUTO = 0, RUN_SCAN = 1 };

/* The figures of a report whose unit, children and courses are loaded (cells zero), for its period. */
static int fill(struct db *db, struct report *out, const char *path, int how, struct err *e)
{
	char key[16];
	int from_m, to_m, rc;
	size_t n = (out->nchildren + 2) * (out->ncourses + 1) * (SEX_COUNT + 1);
	if (!out->cells)
		out->cells = xcalloc(n, sizeof *out->cells);
	bool agg = !(how & RUN_SCAN) && report_period_key(&out->period, key, &from_m, &to_m);
	rc = agg ? agg_read(db, out, path, key, e) : scan(db, out, path, e);
	if (rc < 0)
		return rc;
	roll_up(out);
	if (!out->training)
		out->training = xcalloc(n, sizeof *out->training);
	return training(db, out, path, agg ? key : NULL, e);
}

static int run(struct db *db, const struct report_query *q, struct report *out, int how, char path[512], struct err *e)
{
	if (!report_language_valid(q->language))
		return err_set(e, "unknown language '%.40s' (use km or en)", q->language);
	out->language = q->language ? xstrdup(q->language) : NULL;
	int rc = load_unit(db, q, out, path, 512, e);
	if (rc < 0)
		return rc;
	if ((rc = load_courses(db, q, out, e)) < 0 || (rc = load_children(db, out, e)) < 0)
		return rc;
	return fill(db, out, path, how, e);
}

static void report_limits_read(struct db *db, struct report *r);

static int run_txn(struct db *db, const struct report_query *q, struct report *out, int how, struct err *e)
{
	memset(out, 0, sizeof *out);
	out->period = q->period;
	report_limits_read(db, out);
	/* One read transaction: every figure comes from the same snapshot. */
	bool own = !db_in_txn(db);
	if (own && db_exec(db, "BEGIN", e) < 0)
		return REPORT_EDB;
	char path[512];
	int rc = run(db, q, out, how, path, e);
	if (own && db_exec(db, "COMMIT", rc < 0 ? NULL : e) < 0 && rc == 0)
		rc = REPORT_EDB;
	return rc;
}

int report_run(struct db *db, const struct report_query *q, struct report *out, struct err *e)
{
	return run_txn(db, q, out, RUN_AUTO, e);
}

int report_run_scan(struct db *db, const struct report_query *q, struct report *out, struct err *e)
{
	return run_txn(db, q, out, RUN_SCAN, e);
}

int report_run_languages(struct db *db, const struct report_query *q, struct report out[REPORT_LANGUAGES],
			 struct err *e)
{
	memset(out, 0, REPORT_LANGUAGES * sizeof *out);
	if (q->language)
		return err_set(e, "a report grouped by language takes no language ('%.40s')", q->language);
	/* One snapshot for every language: the rows add up to the report of all languages. */
	bool own = !db_in_txn(db);
	if (own && db_exec(db, "BEGIN", e) < 0)
		return REPORT_EDB;
	int rc = 0;
	for (int i = 0; i < REPORT_LANGUAGES && rc == 0; i++) {
		struct report_query one = *q;
		one.language = lang_names[i];
		rc = run_txn(db, &one, &out[i], RUN_AUTO, e);
	}
	if (own && db_exec(db, "COMMIT", rc < 0 ? NULL : e) < 0 && rc == 0)
		rc = REPORT_EDB;
	return rc;
}

void report_free(struct report *r)
{
	unit_free(&r->org);
	for (size_t i = 0; i < r->nchildren; i++)
		unit_free(&r->children[i]);
	free(r->children);
	for (size_t i = 0; i < r->ncourses; i++)
		free(r->courses[i]);
	free(r->courses);
	free(r->course);
	free(r->language);
	free(r->cells);
	free(r->training);
	memset(r, 0, sizeof *r);
}

static void unit_copy(struct report_unit *to, const struct report_unit *from)
{
	to->id = from->id;
	to->code = from->code ? xstrdup(from->code) : NULL;
	to->name_en = from->name_en ? xstrdup(from->name_en) : NULL;
	to->name_km = from->name_km ? xstrdup(from->name_km) : NULL;
	to->level = from->level ? xstrdup(from->level) : NULL;
}

void report_copy(struct report *to, const struct report *from)
{
	memset(to, 0, sizeof *to);
	unit_copy(&to->org, &from->org);
	to->nchildren = from->nchildren;
	to->children = xcalloc(from->nchildren ? from->nchildren : 1, sizeof *to->children);
	for (size_t i = 0; i < from->nchildren; i++)
		unit_copy(&to->children[i], &from->children[i]);
	to->ncourses = from->ncourses;
	to->courses = xcalloc(from->ncourses ? from->ncourses : 1, sizeof *to->courses);
	for (size_t i = 0; i < from->ncourses; i++)
		to->courses[i] = xstrdup(from->courses[i]);
	to->course = from->course ? xstrdup(from->course) : NULL;
	to->language = from->language ? xstrdup(from->language) : NULL;
	to->period = from->period;
	to->min_group = from->min_group;
	to->min_parity_group = from->min_parity_group;
	if (from->cells) {
		size_t n = (from->nchildren + 2) * (from->ncourses + 1) * (SEX_COUNT + 1);
		to->cells = xcalloc(n, sizeof *to->cells);
		memcpy(to->cells, from->cells, n * sizeof *to->cells);
	}
	if (from->training) {
		size_t n = (from->nchildren + 2) * (from->ncourses + 1) * (SEX_COUNT + 1);
		to->training = xcalloc(n, sizeof *to->training);
		memcpy(to->training, from->training, n * sizeof *to->training);
	}
}

/* ---- derived figures ---- */

bool report_avg_score(const struct report_figures *f, double *out)
{
	if (!f->score_n)
		return false;
	*out = f->score_sum / REPORT_SCORE_UNIT / (double)f->score_n;
	return true;
}

bool report_avg_gain(const struct report_figures *f, double *out)
{
	if (!f->gain_n)
		return false;
	*out = f->gain_sum / REPORT_SCORE_UNIT / (double)f->gain_n;
	return true;
}

bool report_completion_rate(const struct report_figures *f, double *out)
{
	if (!f->enrolled)
		return false;
	*out = (double)f->completed / (double)f->enrolled;
	return true;
}

bool report_female_share(int64_t female, int64_t total, double *out)
{
	if (!total)
		return false;
	*out = 100.0 * (double)female / (double)total;
	return true;
}

bool report_parity(const struct report_figures *female, const struct report_figures *male, double *out)
{
	double fr, mr;
	if (!report_completion_rate(female, &fr) || !report_completion_rate(male, &mr) || mr == 0)
		return false;
	*out = fr / mr;
	return true;
}

void report_fmt1(char out[32], bool ok, double v)
{
	if (!ok) {
		out[0] = '\0';
		return;
	}
	snprintf(out, 32, "%.1f", v);
	if (strcmp(out, "-0.0") == 0)
		snprintf(out, 32, "0.0");
}

void report_fmt2(char out[32], bool ok, double v)
{
	if (!ok)
		out[0] = '\0';
	else
		snprintf(out, 32, "%.2f", v);
}

/* ---- the small-group rule ---- */

static int limit_read(struct db *db, const char *name, int def)
{
	char *v = setting_value(db, name);
	long n = v ? strtol(v, NULL, 10) : 0;
	free(v);
	return n > 0 && n <= 1000000 ? (int)n : def;
}

static void report_limits_read(struct db *db, struct report *r)
{
	r->min_group = limit_read(db, "report_min_group", REPORT_MIN_GROUP);
	r->min_parity_group = limit_read(db, "report_min_parity_group", REPORT_MIN_PARITY_GROUP);
}

/* Shown when n reaches min; withheld when it does not (some people, too few); undefined with nothing to divide by. */
static void fig_decide(struct report_fig *out, bool defined, double v, int64_t n, int min, int decimals)
{
	out->n = n;
	out->min = min;
	out->v = 0;
	out->text[0] = '\0';
	if (n > 0 && n < min) {
		out->state = REPORT_FIG_FEW;
		return;
	}
	if (!defined) {
		out->state = REPORT_FIG_UNDEFINED;
		return;
	}
	out->state = REPORT_FIG_SHOWN;
	out->v = v;
	if (decimals == 2)
		report_fmt2(out->text, true, v);
	else
		report_fmt1(out->text, true, v);
}

void report_figure(const struct report *r, enum report_fig_kind kind, int org, int course, int sex,
		   struct report_fig *out)
{
	const struct report_figures *f = report_cell(r, org, course, sex);
	double v = 0;
	bool ok;
	switch (kind) {
	case REPORT_FIG_AVG_SCORE:
		ok = report_avg_score(f, &v);
		fig_decide(out, ok, v, f->score_n, r->min_group, 1);
		return;
	case REPORT_FIG_AVG_GAIN:
		ok = report_avg_gain(f, &v);
		fig_decide(out, ok, v, f->gain_n, r->min_group, 1);
		return;
	case REPORT_FIG_COMPLETION_RATE:
		ok = report_completion_rate(f, &v);
		fig_decide(out, ok, v * 100, f->enrolled, r->min_group, 1);
		return;
	case REPORT_FIG_PARITY: {
		const struct report_figures *fe = report_cell(r, org, course, SEX_FEMALE);
		const struct report_figures *ma = report_cell(r, org, course, SEX_MALE);
		ok = report_parity(fe, ma, &v);
		fig_decide(out, ok, v, fe->enrolled < ma->enrolled ? fe->enrolled : ma->enrolled, r->min_parity_group,
			   2);
		return;
	}
	}
}

void report_figure_share(const struct report *r, int m, int org, int course, struct report_fig *out)
{
	const struct report_figures *fe = report_cell(r, org, course, SEX_FEMALE);
	const struct report_figures *all = report_cell(r, org, course, REPORT_ALL);
	const int64_t fv[4] = {fe->enrolled, fe->started, fe->completed, fe->certified};
	const int64_t av[4] = {all->enrolled, all->started, all->completed, all->certified};
	double v = 0;
	bool ok = report_female_share(fv[m], av[m], &v);
	fig_decide(out, ok, v, av[m], r->min_group, 1);
}

void report_training_figure(const struct report *r, enum report_tfig_kind kind, int org, int course, int sex,
			    struct report_fig *out)
{
	const struct report_training *fe = report_training_cell(r, org, course, SEX_FEMALE);
	const struct report_training *all = report_training_cell(r, org, course, REPORT_ALL);
	double v = 0;
	bool ok;
	switch (kind) {
	case REPORT_TFIG_ATTENDANCE_RATE: {
		const struct report_training *t = report_training_cell(r, org, course, sex);
		ok = report_attendance_rate(t, &v);
		fig_decide(out, ok, v, t->invited, r->min_group, 1);
		return;
	}
	case REPORT_TFIG_SHARE_TRAINED:
		ok = report_female_share(fe->trained, all->trained, &v);
		fig_decide(out, ok, v, all->trained, r->min_group, 1);
		return;
	case REPORT_TFIG_SHARE_ATTENDED:
		ok = report_female_share(fe->attended, all->attended, &v);
		fig_decide(out, ok, v, all->attended, r->min_group, 1);
		return;
	case REPORT_TFIG_ATTENDED_PARITY: {
		const struct report_training *ma = report_training_cell(r, org, course, SEX_MALE);
		ok = report_attended_parity(fe, ma, &v);
		fig_decide(out, ok, v, fe->invited < ma->invited ? fe->invited : ma->invited, r->min_parity_group, 2);
		return;
	}
	}
}

void report_fig_mark(const struct report_fig *f, char out[32])
{
	if (f->state == REPORT_FIG_FEW)
		snprintf(out, 32, "n<%d", f->min);
	else
		out[0] = '\0';
}

/* ---- rows ---- */

size_t report_rows(const struct report *r, unsigned by, struct report_row **rows)
{
	int norg = by & REPORT_BY_ORG ? (int)r->nchildren + 1 : 1;
	int ncourse = by & REPORT_BY_COURSE ? (int)r->ncourses : 1;
	int nsex = by & REPORT_BY_SEX ? SEX_COUNT : 1;
	size_t n = (size_t)norg * (size_t)ncourse * (size_t)nsex, k = 0;
	*rows = xcalloc(n ? n : 1, sizeof **rows);
	for (int o = 0; o < norg; o++)
		for (int c = 0; c < ncourse; c++)
			for (int s = 0; s < nsex; s++) {
				struct report_row *row = &(*rows)[k++];
				row->org = by & REPORT_BY_ORG ? o : REPORT_ALL;
				row->course = by & REPORT_BY_COURSE ? c : REPORT_ALL;
				row->sex = by & REPORT_BY_SEX ? s : REPORT_ALL;
				const struct report_unit *u =
				    row->org >= 0 && row->org < (int)r->nchildren ? &r->children[o] : &r->org;
				row->org_code = u->code;
				row->org_name_en = u->name_en;
				row->org_name_km = u->name_km;
				row->course_id = row->course >= 0 ? r->courses[c] : r->course ? r->course : "";
				row->sex_name = report_sex_name(row->sex);
				row->f = report_cell(r, row->org, row->course, row->sex);
			}
	return n;
}

const char *report_row_org_name(const struct report_row *row, const char *lang)
{
	if (lang && strcmp(lang, "km") == 0 && row->org_name_km && *row->org_name_km)
		return row->org_name_km;
	return row->org_name_en;
}

/* ---- checking the aggregates ---- */

static const char *const figure_names[] = {"enrolled", "started",   "completed", "certified",
					   "score_n",  "score_sum", "gain_n",	 "gain_sum"};

static void figures_vec(const struct report_figures *f, double v[8])
{
	v[0] = (double)f->enrolled;
	v[1] = (double)f->started;
	v[2] = (double)f->completed;
	v[3] = (double)f->certified;
	v[4] = (double)f->score_n;
	v[5] = f->score_sum;
	v[6] = (double)f->gain_n;
	v[7] = f->gain_sum;
}

/* The face-to-face figures the aggregates hold (satisfaction is read from the rows either way). */
static const char *const training_names[] = {"trained", "attended", "invited", "marked", "present", "seconds"};

static void training_vec(const struct report_training *t, double v[6])
{
	v[0] = (double)t->trained;
	v[1] = (double)t->attended;
	v[2] = (double)t->invited;
	v[3] = (double)t->marked;
	v[4] = (double)t->present;
	v[5] = (double)t->seconds;
}

/* Compares every cell of two reports of the same query; one line in out per figure that differs. */
static int64_t report_compare(const struct report *agg, const struct report *ref, struct buf *out)
{
	int64_t n = 0;
	for (int o = -1; o <= (int)ref->nchildren; o++)
		for (int c = -1; c < (int)ref->ncourses; c++)
			for (int s = -1; s < SEX_COUNT; s++) {
				double a[14], b[14];
				figures_vec(report_cell(agg, o, c, s), a);
				figures_vec(report_cell(ref, o, c, s), b);
				training_vec(report_training_cell(agg, o, c, s), a + 8);
				training_vec(report_training_cell(ref, o, c, s), b + 8);
				for (int k = 0; k < 14; k++) {
					if (a[k] == b[k])
						continue;
					const char *code =
					    o >= 0 && o < (int)ref->nchildren ? ref->children[o].code : ref->org.code;
					buf_printf(
					    out,
					    "%s: org %s%s, course %s, sex %s: %s is %.0f in the aggregates, %.0f "
					    "in the rows\n",
					    ref->period.label, code, o == (int)ref->nchildren ? " (own)" : "",
					    c >= 0 ? ref->courses[c] : "(all)", report_sex_name(s),
					    k < 8 ? figure_names[k] : training_names[k - 8], a[k], b[k]);
					n++;
				}
			}
	return n;
}

int report_verify(struct db *db, const struct report_query *q, struct buf *out, int64_t *ndiff, struct err *e)
{
	struct report agg, ref;
	*ndiff = 0;
	/* Both from one snapshot. */
	bool own = !db_in_txn(db);
	if (own && db_exec(db, "BEGIN", e) < 0)
		return REPORT_EDB;
	int rc = run_txn(db, q, &agg, RUN_AUTO, e);
	if (rc == 0)
		rc = run_txn(db, q, &ref, RUN_SCAN, e);
	else
		memset(&ref, 0, sizeof ref);
	if (own && db_exec(db, "COMMIT", rc < 0 ? NULL : e) < 0 && rc == 0)
		rc = REPORT_EDB;
	if (rc == 0)
		*ndiff = report_compare(&agg, &ref, out);
	report_free(&agg);
	report_free(&ref);
	return rc;
}

/* The period of an aggregate key ('A', 'Y2025', 'S2025-1', 'Q2025-1', 'M202501'). */
static int period_of_key(const char *key, struct report_period *p, struct err *e)
{
	char name[16];
	int y = 0, n = 0;
	memset(p, 0, sizeof *p);
	if (strcmp(key, "A") == 0)
		return period_named("all", p, e);
	if (sscanf(key, "Y%d", &y) == 1 && key[0] == 'Y') {
		snprintf(name, sizeof name, "%04d", y);
		return period_named(name, p, e);
	}
	if ((key[0] == 'S' || key[0] == 'Q') && sscanf(key + 1, "%d-%d", &y, &n) == 2) {
		snprintf(name, sizeof name, "%04d-%c%d", y, key[0], n);
		return period_named(name, p, e);
	}
	if (key[0] == 'M' && sscanf(key + 1, "%d", &y) == 1) {
		period_months(p, y / 100, y % 100, 1);
		snprintf(p->label, sizeof p->label, "%04d-%02d", y / 100, y % 100);
		return 0;
	}
	return err_set(e, "unknown aggregate period '%s'", key);
}

/* Appends the strings of one text column of sql (no parameters) to *v. */
static int list_strings(struct db *db, const char *sql, char ***v, size_t *n, struct err *e)
{
	struct db_stmt *st = db_stmt(db, sql);
	size_t cap = 0;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			*v = xrealloc(*v, cap * sizeof **v);
		}
		(*v)[(*n)++] = xstrdup(db_col_text(st, 0));
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	return rc;
}

static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * The sample of reports the full check compares with the rows (report_verify_all() without a unit or a
 * period): the national root for all time and for the latest year, semester, quarter and month the
 * aggregates hold, then up to VERIFY_UNITS_MAX units with children spread over the tree, each for one of
 * those periods in turn, and the national root for all time under each learners' language. Each comparison scans its
 * subtree's rows, so the sample bounds the time.
 */
#define VERIFY_UNITS_MAX 12

static void sample_keys(char **keys, size_t nkeys, char out[5][16], int *nout)
{
	const char kinds[] = "AYSQM";
	*nout = 0;
	for (int k = 0; k < 5; k++) {
		const char *best = NULL;
		for (size_t i = 0; i < nkeys; i++)
			if (keys[i][0] == kinds[k] && (!best || strcmp(keys[i], best) > 0))
				best = keys[i];
		if (best)
			snprintf(out[(*nout)++], 16, "%s", best);
	}
}

int report_verify_all(struct db *db, const struct report_query *q, bool all_periods, struct buf *out, int64_t *ndiff,
		      int *nreports, struct err *e)
{
	char **orgs = NULL, **keys = NULL;
	size_t norgs = 0, nkeys = 0;
	int rc = 0;
	*ndiff = 0;
	*nreports = 0;
	bool sample = (!q->org || !*q->org) && all_periods;
	if (!q->org || !*q->org)
		rc = list_strings(db,
				  "SELECT code FROM report_org_units o WHERE EXISTS (SELECT 1 FROM report_org_units c "
				  "WHERE c.parent_id = o.id) OR o.parent_id IS NULL ORDER BY path",
				  &orgs, &norgs, e);
	if (rc == 0 && all_periods)
		rc = list_strings(db, "SELECT DISTINCT pkey FROM report_agg_all ORDER BY pkey", &keys, &nkeys, e);
	if (rc < 0)
		goto done;
	if (all_periods && !nkeys) {
		keys = xmalloc(sizeof *keys);
		keys[nkeys++] = xstrdup("A");
	}
	if (sample) {
		char picked[5][16];
		int npicked;
		sample_keys(keys, nkeys, picked, &npicked);
		if (!npicked)
			snprintf(picked[npicked++], 16, "A");
		size_t units = norgs > 1 ? norgs - 1 : 0,
		       step = units > VERIFY_UNITS_MAX ? units / VERIFY_UNITS_MAX : 1;
		for (int k = 0; k < npicked + (int)(units < VERIFY_UNITS_MAX ? units : VERIFY_UNITS_MAX) && rc == 0;
		     k++) {
			struct report_query one = *q;
			one.org = k < npicked ? NULL : orgs[1 + (size_t)(k - npicked) * step];
			if ((rc = period_of_key(picked[k % npicked], &one.period, e)) < 0)
				break;
			int64_t n = 0;
			rc = report_verify(db, &one, out, &n, e);
			*ndiff += n;
			(*nreports)++;
		}
		/* And the national root for all time under each learners' language. */
		for (size_t l = 0; l < sizeof lang_names / sizeof lang_names[0] && rc == 0 && !q->language; l++) {
			struct report_query one = *q;
			one.language = lang_names[l];
			int64_t n = 0;
			if ((rc = period_of_key("A", &one.period, e)) == 0)
				rc = report_verify(db, &one, out, &n, e);
			*ndiff += n;
			(*nreports)++;
		}
		goto done;
	}
	for (size_t o = 0; o < (norgs ? norgs : 1) && rc == 0; o++)
		for (size_t k = 0; k < (all_periods ? nkeys : 1) && rc == 0; k++) {
			struct report_query one = *q;
			if (norgs)
				one.org = orgs[o];
			if (all_periods && (rc = period_of_key(keys[k], &one.period, e)) < 0)
				break;
			int64_t n = 0;
			rc = report_verify(db, &one, out, &n, e);
			*ndiff += n;
			(*nreports)++;
		}
done:
	strings_free(orgs, norgs);
	strings_free(keys, nkeys);
	return rc;
}

/* ---- bulk loads ---- */

int report_agg_pause(struct db *db, struct err *e)
{
	return db_exec(db, "UPDATE report_agg_state SET live = 0 WHERE id = 1", e) < 0 ? REPORT_EDB : 0;
}

/*
 * The bulk build adds the facts up in memory: one read of report_agg_facts in learner order, sums by period
 * key, unit, course and sex (report_agg) and each learner's distinct keys (report_agg_all), then plain
 * inserts. The same definitions as the triggers' SQL (lib/schema_agg.h), which the migration runs;
 * `sala report --verify` compares the result with the rows.
 */
struct agg_key {
	char pkey[16];
	int64_t org;
	int course; /* index into the course names; -1 for report_agg_all */
	int sex, lang;
};

struct agg_slot {
	struct agg_key k;
	bool used, seen;
	int32_t n[7]; /* enrolled, started, completed, certified, score_n, -, gain_n */
	double score_sum, gain_sum;
};

struct agg_map {
	struct agg_slot *slot;
	size_t cap, n;
};

static uint64_t agg_hash(const struct agg_key *k)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = k->pkey; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ (uint64_t)k->org) * 1099511628211ull;
	h = (h ^ (uint64_t)(k->course + 1)) * 1099511628211ull;
	h = (h ^ (uint64_t)k->lang) * 1099511628211ull;
	return (h ^ (uint64_t)k->sex) * 1099511628211ull;
}

static bool agg_eq(const struct agg_key *a, const struct agg_key *b)
{
	return a->org == b->org && a->course == b->course && a->sex == b->sex && a->lang == b->lang &&
	       strcmp(a->pkey, b->pkey) == 0;
}

static struct agg_slot *agg_get(struct agg_map *m, const struct agg_key *k)
{
	if (m->n * 4 >= m->cap * 3) {
		struct agg_map g = {xcalloc(m->cap ? m->cap * 2 : 4096, sizeof *g.slot), m->cap ? m->cap * 2 : 4096, 0};
		for (size_t i = 0; i < m->cap; i++)
			if (m->slot[i].used)
				*agg_get(&g, &m->slot[i].k) = m->slot[i];
		free(m->slot);
		*m = g;
	}
	size_t i = (size_t)agg_hash(k) & (m->cap - 1);
	while (m->slot[i].used && !agg_eq(&m->slot[i].k, k))
		i = (i + 1) & (m->cap - 1);
	if (!m->slot[i].used) {
		memset(&m->slot[i], 0, sizeof m->slot[i]);
		m->slot[i].k = *k;
		m->slot[i].used = true;
		m->n++;
	}
	return &m->slot[i];
}

/* The five period keys of month ym (YYYYMM), as lib/schema_agg.h's AGG_PKEY writes them. */
static void agg_pkeys(int ym, char keys[5][16])
{
	int y = ym / 100, m = ym % 100;
	snprintf(keys[0], 16, "A");
	snprintf(keys[1], 16, "Y%d", y);
	snprintf(keys[2], 16, "S%d-%d", y, (m - 1) / 6 + 1);
	snprintf(keys[3], 16, "Q%d-%d", y, (m - 1) / 3 + 1);
	snprintf(keys[4], 16, "M%d", ym);
}

/* One learner's distinct (key, unit, sex, milestone) marks, added to report_agg_all's sums at the end. */
struct agg_mark {
	struct agg_key k;
	int kind;
};

static int cmp_mark(const void *a, const void *b)
{
	const struct agg_mark *x = a, *y = b;
	int c = strcmp(x->k.pkey, y->k.pkey);
	if (c)
		return c;
	if (x->k.org != y->k.org)
		return x->k.org < y->k.org ? -1 : 1;
	if (x->k.sex != y->k.sex)
		return x->k.sex - y->k.sex;
	if (x->k.lang != y->k.lang)
		return x->k.lang - y->k.lang;
	return x->kind - y->kind;
}

/*
 * The sums of facts in memory: report_agg's rows (per) and report_agg_all's (all), with the course ids the
 * keys' course indexes name. Facts are added in learner order (agg_build_fact()); agg_build_end() adds the
 * last learner's distinct marks.
 */
struct agg_build {
	struct agg_map per, all;
	char **courses;
	size_t ncourses;
	struct agg_mark *marks;
	size_t nmarks, capmarks;
	int64_t user;
};

/* What one enrolment adds: its learner's unit, sex and language, the months (YYYYMM, 0 = not reached) of its milestones
 * (enrolled, started, completed, certified), and its score and gain in ten-thousandths (has_*: not NULL). */
struct agg_fact {
	int64_t user, org;
	const char *course;
	int sex, lang;
	int month[4];
	bool has_score, has_gain;
	double score, gain;
};

static void agg_flush_learner(struct agg_build *b)
{
	if (b->nmarks)
		qsort(b->marks, b->nmarks, sizeof *b->marks, cmp_mark);
	for (size_t i = 0; i < b->nmarks; i++)
		if (i == 0 || cmp_mark(&b->marks[i - 1], &b->marks[i]) != 0)
			agg_get(&b->all, &b->marks[i].k)->n[b->marks[i].kind]++;
	b->nmarks = 0;
}

static int agg_course(struct agg_build *b, const char *id)
{
	size_t c = 0;
	while (c < b->ncourses && strcmp(b->courses[c], id))
		c++;
	if (c == b->ncourses) {
		b->courses = xrealloc(b->courses, (b->ncourses + 1) * sizeof *b->courses);
		b->courses[b->ncourses++] = xstrdup(id);
	}
	return (int)c;
}

static void agg_build_fact(struct agg_build *b, const struct agg_fact *f)
{
	if (f->user != b->user) {
		agg_flush_learner(b);
		b->user = f->user;
	}
	int course = agg_course(b, f->course);
	for (int kind = 0; kind < 4; kind++) {
		if (!f->month[kind])
			continue;
		char keys[5][16];
		agg_pkeys(f->month[kind], keys);
		for (int k = 0; k < 5; k++) {
			struct agg_key key = {.org = f->org, .course = course, .sex = f->sex, .lang = f->lang};
			memcpy(key.pkey, keys[k], sizeof key.pkey);
			struct agg_slot *x = agg_get(&b->per, &key);
			x->n[kind]++;
			if (kind == 2 && f->has_score) {
				x->n[4]++;
				x->score_sum += f->score;
			}
			if (kind == 2 && f->has_gain) {
				x->n[6]++;
				x->gain_sum += f->gain;
			}
			if (b->nmarks == b->capmarks) {
				b->capmarks = b->capmarks ? b->capmarks * 2 : 64;
				b->marks = xrealloc(b->marks, b->capmarks * sizeof *b->marks);
			}
			key.course = -1;
			b->marks[b->nmarks++] = (struct agg_mark){key, kind};
		}
	}
}

static void agg_build_free(struct agg_build *b)
{
	for (size_t i = 0; i < b->ncourses; i++)
		free(b->courses[i]);
	free(b->courses);
	free(b->marks);
	free(b->per.slot);
	free(b->all.slot);
	memset(b, 0, sizeof *b);
}

static int agg_insert(struct db *db, const struct agg_map *m, char **courses, bool per_course, struct err *e)
{
	struct db_stmt *st = db_stmt(
	    db, per_course
		    ? "INSERT INTO report_agg(pkey, org_id, course_id, sex, enrolled, started, completed, "
		      "certified, score_n, score_sum, gain_n, gain_sum, lang) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
		      "?9, ?10, ?11, ?12, ?13)"
		    : "INSERT INTO report_agg_all(pkey, org_id, sex, enrolled, started, completed, certified, lang) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
	int o = per_course ? 1 : 0; /* report_agg_all has no course column */
	int rc = 0;
	for (size_t i = 0; i < m->cap && rc == 0; i++) {
		const struct agg_slot *x = &m->slot[i];
		if (!x->used)
			continue;
		db_bind_text(st, 1, x->k.pkey);
		db_bind_int64(st, 2, x->k.org);
		if (per_course)
			db_bind_text(st, 3, courses[x->k.course]);
		db_bind_text(st, 3 + o, sex_names[x->k.sex]);
		for (int k = 0; k < 4; k++)
			db_bind_int64(st, 4 + o + k, x->n[k]);
		if (per_course) {
			db_bind_int64(st, 9, x->n[4]);
			db_bind_double(st, 10, x->score_sum);
			db_bind_int64(st, 11, x->n[6]);
			db_bind_double(st, 12, x->gain_sum);
		}
		db_bind_text(st, per_course ? 13 : 8, lang_names[x->k.lang]);
		if (db_step(st) != DB_DONE)
			rc = err_set(e, "cannot write the report aggregates: %s", db_errstr(db));
		db_reset(st);
	}
	db_finish(st);
	return rc;
}

static int agg_rebuild(struct db *db, bool pg, struct err *e);

int report_agg_rebuild(struct db *db, struct err *e)
{
	bool pg = db_engine(db) == DB_ENGINE_PG;
	/* The triggers stay still while the facts are written again (an online completion refreshes a learner's
	 * face-to-face keys), and the face-to-face aggregates are built after the facts. */
	if (report_agg_pause(db, e) < 0 || db_bulk_temp(db, true, e) < 0)
		return REPORT_EDB;
	int rc = agg_rebuild(db, pg, e);
	if (db_bulk_temp(db, false, rc < 0 ? NULL : e) < 0 || rc < 0)
		return REPORT_EDB;
	return db_exec(db, "UPDATE report_agg_state SET live = 1 WHERE id = 1", e) < 0 ? REPORT_EDB : 0;
}

static int agg_rebuild(struct db *db, bool pg, struct err *e)
{
	if (db_exec(db, pg ? schema_pg_agg_rebuild_sql() : schema_agg_rebuild_sql(), e) < 0)
		return REPORT_EDB;
	struct agg_build b = {.user = -1};
	struct db_stmt *st = db_stmt(db, "SELECT user_id, org_id, course_id, sex, enrolled_m, started_m, completed_m, "
					 "certified_m, score, gain, lang FROM report_agg_facts ORDER BY user_id");
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		struct agg_fact f = {.user = db_col_int64(st, 0),
				     .org = db_col_int64(st, 1),
				     .course = db_col_text(st, 2),
				     .sex = sex_index(db_col_text(st, 3)),
				     .lang = lang_index(db_col_text(st, 10)),
				     .has_score = db_col_type(st, 8) != DB_NULL,
				     .has_gain = db_col_type(st, 9) != DB_NULL};
		for (int k = 0; k < 4; k++)
			f.month[k] = db_col_type(st, 4 + k) == DB_NULL ? 0 : db_col_int(st, 4 + k);
		if (f.has_score)
			f.score = db_col_double(st, 8);
		if (f.has_gain)
			f.gain = db_col_double(st, 9);
		agg_build_fact(&b, &f);
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	if (rc == 0) {
		agg_flush_learner(&b);
		rc = agg_insert(db, &b.per, b.courses, true, e);
	}
	if (rc == 0)
		rc = agg_insert(db, &b.all, b.courses, false, e);
	agg_build_free(&b);
	if (rc < 0 || db_exec(db, pg ? schema_pg_f2f_rebuild_sql() : schema_f2f_rebuild_sql(), e) < 0)
		return REPORT_EDB;
	return 0;
}

/* ---- checking the aggregates row by row ---- */

/* The month (YYYYMM, UTC) of column col, 0 when NULL. */
static int col_month(struct db_stmt *st, int col)
{
	if (db_col_type(st, col) == DB_NULL)
		return 0;
	bool at;
	return month_of(db_col_int64(st, col), &at);
}

/* Unit codes by id, for the messages. */
struct unit_code {
	int64_t id;
	char *code;
};

static int cmp_unit_code(const void *a, const void *b)
{
	int64_t x = ((const struct unit_code *)a)->id, y = ((const struct unit_code *)b)->id;
	return x < y ? -1 : x > y;
}

static const char *unit_code_of(const struct unit_code *v, size_t n, int64_t id)
{
	struct unit_code k = {id, NULL};
	const struct unit_code *hit = n ? bsearch(&k, v, n, sizeof k, cmp_unit_code) : NULL;
	return hit ? hit->code : "?";
}

/* Every enrolment's fact computed in C from the published views, summed as report_agg_rebuild() sums them. */
static int verify_build(struct db *db, struct agg_build *b, struct err *e)
{
	struct cert_rec *certs = NULL;
	size_t n = 0, cap = 0;
	struct db_stmt *st = db_stmt(db, "SELECT user_id, course_id, issued_at, is_current FROM report_certificates");
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			certs = xrealloc(certs, cap * sizeof *certs);
		}
		certs[n++] = (struct cert_rec){db_col_int64(st, 0), db_col_int64(st, 2),
					       agg_course(b, db_col_text(st, 1)), db_col_int(st, 3) != 0};
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	if (rc < 0)
		goto done;
	if (n)
		qsort(certs, n, sizeof *certs, cmp_cert);
	size_t m = 0; /* merged: one per learner and course, the first date, current if any is */
	for (size_t i = 0; i < n; i++) {
		if (m && certs[m - 1].user_id == certs[i].user_id && certs[m - 1].course == certs[i].course) {
			if (certs[i].first < certs[m - 1].first)
				certs[m - 1].first = certs[i].first;
			certs[m - 1].current |= certs[i].current;
			continue;
		}
		certs[m++] = certs[i];
	}
	st = db_stmt(db, "SELECT e.user_id, l.org_id, e.course_id, l.sex, e.enrolled_at, e.started_at, e.completed_at, "
			 "e.best_final, e.pretest, l.lang FROM report_enrolments e JOIN report_learners l "
			 "ON l.user_id = e.user_id ORDER BY e.user_id");
	while ((rc = db_step_row(st)) > 0) {
		struct agg_fact f = {.user = db_col_int64(st, 0),
				     .org = db_col_int64(st, 1),
				     .course = db_col_text(st, 2),
				     .sex = sex_index(db_col_text(st, 3)),
				     .lang = lang_index(db_col_text(st, 9))};
		for (int k = 0; k < 3; k++)
			f.month[k] = col_month(st, 4 + k);
		struct cert_rec key = {.user_id = f.user, .course = agg_course(b, f.course)};
		const struct cert_rec *c = m ? bsearch(&key, certs, m, sizeof key, cmp_cert) : NULL;
		if (c && c->current) {
			bool at;
			f.month[3] = month_of(c->first, &at);
		}
		if (f.month[2] && db_col_type(st, 7) != DB_NULL) {
			f.has_score = true;
			f.score = round(db_col_double(st, 7) * REPORT_SCORE_UNIT);
			if (db_col_type(st, 8) != DB_NULL) {
				f.has_gain = true;
				f.gain = f.score - round(db_col_double(st, 8) * REPORT_SCORE_UNIT);
			}
		}
		agg_build_fact(b, &f);
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	if (rc == 0)
		agg_flush_learner(b);
done:
	free(certs);
	return rc < 0 ? rc : 0;
}

#define VERIFY_LINES_MAX 50

/* Compares the stored rows of report_agg (per_course) or report_agg_all with the sums of m. */
static int verify_table(struct db *db, struct agg_build *b, bool per_course, const struct unit_code *units,
			size_t nunits, struct buf *out, int64_t *ndiff, int64_t *nrows, struct err *e)
{
	struct agg_map *m = per_course ? &b->per : &b->all;
	struct db_stmt *st = db_stmt(
	    db, per_course ? "SELECT pkey, org_id, sex, enrolled, started, completed, certified, score_n, score_sum, "
			     "gain_n, gain_sum, lang, course_id FROM report_agg"
			   : "SELECT pkey, org_id, sex, enrolled, started, completed, certified, 0, 0, 0, 0, lang "
			     "FROM report_agg_all");
	int rc;
	for (size_t i = 0; i < m->cap; i++)
		m->slot[i].seen = false;
	/* A stored row is compared with its sums (zero when the rows give none), then each sum not stored. */
	while ((rc = db_step_row(st)) > 0) {
		struct agg_key k = {.org = db_col_int64(st, 1),
				    .course = -1,
				    .sex = sex_index(db_col_text(st, 2)),
				    .lang = lang_index(db_col_text(st, 11))};
		snprintf(k.pkey, sizeof k.pkey, "%s", db_col_text(st, 0));
		if (per_course)
			k.course = agg_course(b, db_col_text(st, 12));
		struct agg_slot *x = agg_get(m, &k);
		x->seen = true;
		double stored[8] = {0},
		       want[8] = {x->n[0], x->n[1], x->n[2], x->n[3], x->n[4], x->score_sum, x->n[6], x->gain_sum};
		for (int j = 0; j < (per_course ? 8 : 4); j++)
			stored[j] = db_col_double(st, 3 + j);
		if (!per_course)
			memset(want + 4, 0, 4 * sizeof *want);
		(*nrows)++;
		for (int j = 0; j < 8; j++) {
			if (stored[j] == want[j])
				continue;
			if (++*ndiff <= VERIFY_LINES_MAX)
				buf_printf(
				    out,
				    "aggregate row %s, org %s, course %s, sex %s, language %s: %s is %.0f in the "
				    "aggregates, %.0f in the rows\n",
				    k.pkey, unit_code_of(units, nunits, k.org),
				    per_course ? b->courses[k.course] : "(all)", sex_names[k.sex], lang_names[k.lang],
				    figure_names[j], stored[j], want[j]);
		}
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < m->cap; i++) {
		const struct agg_slot *x = &m->slot[i];
		if (!x->used || x->seen)
			continue;
		double want[8] = {x->n[0], x->n[1], x->n[2], x->n[3], x->n[4], x->score_sum, x->n[6], x->gain_sum};
		for (int j = 0; j < 8; j++) {
			if (want[j] == 0)
				continue;
			if (++*ndiff <= VERIFY_LINES_MAX)
				buf_printf(
				    out,
				    "aggregate row %s, org %s, course %s, sex %s, language %s: %s is missing from the "
				    "aggregates, %.0f in the rows\n",
				    x->k.pkey, unit_code_of(units, nunits, x->k.org),
				    per_course ? b->courses[x->k.course] : "(all)", sex_names[x->k.sex],
				    lang_names[x->k.lang], figure_names[j], want[j]);
		}
		(*nrows)++;
	}
	return 0;
}

static const char *const f2f_names[] = {"attended", "invited", "trained_x", "marked", "present", "seconds"};

/* Compares every stored row of report_f2f with the sums computed again from the rows (F2F_VERIFY). */
static int verify_f2f(struct db *db, const struct unit_code *units, size_t nunits, struct buf *out, int64_t *ndiff,
		      int64_t *nrows, struct err *e)
{
	int64_t stored = db_int(db, "SELECT count(*) FROM report_f2f", NULL, NULL, -1);
	if (stored < 0)
		return read_failed(db, e);
	*nrows += stored;
	struct db_stmt *st =
	    db_stmt(db, db_engine(db) == DB_ENGINE_PG ? schema_pg_f2f_verify_sql() : schema_f2f_verify_sql());
	int rc;
	while ((rc = db_step_row(st)) > 0)
		for (int j = 0, have = db_col_int64(st, 5) != 0; j < 6; j++) {
			int64_t a = db_col_int64(st, 6 + j), b = db_col_int64(st, 12 + j);
			if (a == b)
				continue;
			if (++*ndiff > VERIFY_LINES_MAX)
				continue;
			const char *course = db_col_text(st, 2);
			buf_printf(out, "face-to-face row %s, org %s, course %s, sex %s, language %s: %s ",
				   db_col_text(st, 0), unit_code_of(units, nunits, db_col_int64(st, 1)),
				   strcmp(course, "*") == 0 ? "(all)"
				   : *course		    ? course
							    : "(none)",
				   db_col_text(st, 3), db_col_text(st, 4), f2f_names[j]);
			if (have)
				buf_printf(out, "is %lld in the aggregates, %lld in the rows\n", (long long)a,
					   (long long)b);
			else
				buf_printf(out, "is missing from the aggregates, %lld in the rows\n", (long long)b);
		}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	return rc < 0 ? rc : 0;
}

int report_verify_rows(struct db *db, struct buf *out, int64_t *ndiff, int64_t *nrows, struct err *e)
{
	struct agg_build b = {.user = -1};
	struct unit_code *units = NULL;
	size_t nunits = 0, cap = 0;
	*ndiff = 0;
	*nrows = 0;
	bool own = !db_in_txn(db);
	if (own && db_exec(db, "BEGIN", e) < 0)
		return REPORT_EDB;
	struct db_stmt *st = db_stmt(db, "SELECT id, code FROM report_org_units ORDER BY id");
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		if (nunits == cap) {
			cap = cap ? cap * 2 : 256;
			units = xrealloc(units, cap * sizeof *units);
		}
		units[nunits++] = (struct unit_code){db_col_int64(st, 0), xstrdup(db_col_text(st, 1))};
	}
	if (rc < 0)
		rc = read_failed(db, e);
	db_finish(st);
	if (rc == 0)
		rc = verify_build(db, &b, e);
	if (rc == 0)
		rc = verify_table(db, &b, true, units, nunits, out, ndiff, nrows, e);
	if (rc == 0)
		rc = verify_table(db, &b, false, units, nunits, out, ndiff, nrows, e);
	if (rc == 0)
		rc = verify_f2f(db, units, nunits, out, ndiff, nrows, e);
	if (own && db_exec(db, "COMMIT", rc < 0 ? NULL : e) < 0 && rc == 0)
		rc = REPORT_EDB;
	if (*ndiff > VERIFY_LINES_MAX)
		buf_printf(out, "... and %lld more differences\n", (long long)(*ndiff - VERIFY_LINES_MAX));
	for (size_t i = 0; i < nunits; i++)
		free(units[i].code);
	free(units);
	agg_build_free(&b);
	return rc < 0 ? rc : 0;
}

/* ---- series ---- */

/* The period of `months` months (1, 3 or 6) starting at month ym (YYYYMM), with its label. */
static void series_period(int ym, int months, struct report_period *p)
{
	int y = ym / 100, m = ym % 100;
	period_months(p, y, m, months);
	if (months == 1)
		snprintf(p->label, sizeof p->label, "%04d-%02d", y, m);
	else
		snprintf(p->label, sizeof p->label, "%04d-%c%d", y, months == 3 ? 'Q' : 'S', (m - 1) / months + 1);
}

/* The first month (YYYYMM) of the period of `months` months containing day t. */
static int series_start(int64_t t, int months)
{
	bool at;
	int ym = month_of(t, &at);
	int m = ym % 100;
	return ym - (m - 1) % months;
}

int report_series_periods(const char *series, const char *from, const char *to, int64_t now,
			  struct report_period **periods, size_t *n, struct err *e)
{
	int months = 0;
	*periods = NULL;
	*n = 0;
	if (series && strcmp(series, "month") == 0)
		months = 1;
	else if (series && strcmp(series, "quarter") == 0)
		months = 3;
	else if (series && strcmp(series, "semester") == 0)
		months = 6;
	else
		return err_set(e, "unknown series '%.40s' (use month, quarter or semester)", series ? series : "");
	int64_t f = 0, t = now;
	bool has_from = from && *from, has_to = to && *to;
	if (has_from && date_parse(from, &f) < 0)
		return err_set(e, "invalid date '%.40s' (use YYYY-MM-DD)", from);
	if (has_to && date_parse(to, &t) < 0)
		return err_set(e, "invalid date '%.40s' (use YYYY-MM-DD)", to);
	int count = months == 1 ? 12 : 4;
	int first, last;
	if (has_from) {
		first = series_start(f, months);
		last = has_to ? series_start(t, months) : month_next(first, months * (count - 1));
	} else {
		last = series_start(t, months);
		first = last;
		for (int i = 1; i < count; i++)
			first =
			    month_next(first, -months + 12) - 100; /* months back: forward 12 - months, back a year */
	}
	if (first > last)
		return err_set(e, "the series ends (%.40s) before it starts (%.40s)", to, from);
	size_t k = 0;
	for (int ym = first; ym <= last; ym = month_next(ym, months))
		if (++k > REPORT_SERIES_MAX)
			return err_set(e, "a series has at most %d periods", REPORT_SERIES_MAX);
	*periods = xcalloc(k, sizeof **periods);
	for (int ym = first; ym <= last; ym = month_next(ym, months))
		series_period(ym, months, &(*periods)[(*n)++]);
	return 0;
}

int report_series_run(struct db *db, const struct report_query *q, const char *series, const char *from, const char *to,
		      int64_t now, struct report_series *out, struct err *e)
{
	struct report_period *periods;
	size_t n;
	memset(out, 0, sizeof *out);
	if (report_series_periods(series, from, to, now, &periods, &n, e) < 0)
		return -1;
	snprintf(out->name, sizeof out->name, "%s", series);
	out->reports = xcalloc(n, sizeof *out->reports);
	bool own = !db_in_txn(db);
	if (own && db_exec(db, "BEGIN", e) < 0) {
		free(periods);
		return REPORT_EDB;
	}
	/* The unit, its children and the courses are read once; each period then reads its figures. */
	char path[512];
	struct report_query first = *q;
	first.period = periods[0];
	out->reports[0].period = periods[0];
	/* The small-group rule in force, as report_run() reads it (report_copy() gives it to every period). */
	report_limits_read(db, &out->reports[0]);
	out->n = 1;
	int rc = run(db, &first, &out->reports[0], RUN_AUTO, path, e);
	for (size_t i = 1; i < n && rc == 0; i++) {
		struct report *r = &out->reports[i];
		report_copy(r, &out->reports[0]);
		size_t cells = (r->nchildren + 2) * (r->ncourses + 1) * (SEX_COUNT + 1);
		memset(r->cells, 0, cells * sizeof *r->cells);
		memset(r->training, 0, cells * sizeof *r->training);
		r->period = periods[i];
		out->n = i + 1;
		rc = fill(db, r, path, RUN_AUTO, e);
	}
	if (own && db_exec(db, "COMMIT", rc < 0 ? NULL : e) < 0 && rc == 0)
		rc = REPORT_EDB;
	free(periods);
	return rc;
}

void report_series_free(struct report_series *s)
{
	for (size_t i = 0; i < s->n; i++)
		report_free(&s->reports[i]);
	free(s->reports);
	memset(s, 0, sizeof *s);
}
