/* A course's participants: its enrolments with their progress, joined in C with accounts' people. */
#include "courses/participants.h"

#include <stdlib.h>
#include <string.h>

#include "accounts/users.h"
#include "lib/xmalloc.h"

static int cmp_id(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

static int cmp_part(const void *x, const void *y)
{
	const struct participant *a = x, *b = y;
	int c = strcmp(a->org_code ? a->org_code : "", b->org_code ? b->org_code : "");
	if (c)
		return c;
	c = strcmp(a->full_name ? a->full_name : "", b->full_name ? b->full_name : "");
	return c ? c : cmp_id(&a->user_id, &b->user_id);
}

struct people_ctx {
	struct arena *a;
	struct participant *v;
	size_t n;
};

static int on_person(void *ctx, const struct user_person *p)
{
	struct people_ctx *c = ctx;
	/* v is sorted by user_id here */
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->v[mid].user_id < p->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == c->n || c->v[lo].user_id != p->id)
		return 0;
	struct participant *x = &c->v[lo];
	x->org_id = p->org_id;
	x->username = arena_strdup(c->a, p->username);
	x->full_name = arena_strdup(c->a, p->full_name);
	x->full_name_km = arena_strdup(c->a, p->full_name_km);
	x->sex = arena_strdup(c->a, p->sex);
	x->position = arena_strdup(c->a, p->position);
	x->org_code = arena_strdup(c->a, p->org_code);
	x->org_name_en = arena_strdup(c->a, p->org_name_en);
	x->org_name_km = arena_strdup(c->a, p->org_name_km);
	return 0;
}

/* Keeps in ids only those in the subtree of org; sorted. */
static int keep_subtree(struct db *db, int64_t org, int64_t **ids, size_t *n, struct err *e)
{
	int64_t *sub = NULL;
	size_t nsub = 0;
	if (users_in_org_subtree(db, org, false, &sub, &nsub, e) < 0)
		return -1;
	qsort(sub, nsub, sizeof *sub, cmp_id);
	size_t k = 0;
	for (size_t i = 0; i < *n; i++)
		if (nsub && bsearch(&(*ids)[i], sub, nsub, sizeof *sub, cmp_id))
			(*ids)[k++] = (*ids)[i];
	*n = k;
	free(sub);
	return 0;
}

int course_participants(struct db *db, struct arena *a, const char *course_id, const struct participant_filter *f,
			struct participant **out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	/* The lessons of the course: those of its active packages, by path (progress is kept by path). */
	int64_t total = db_int(db,
			       "SELECT count(DISTINCT i.path) FROM items i JOIN packages k ON k.id = i.package_id "
			       "WHERE k.course_id = ? AND k.active = 1 AND i.type = 'lesson'",
			       course_id, NULL, -1);
	if (total < 0)
		return err_set(e, "cannot read the lessons of '%s': %s", course_id, db_errmsg(db));
	struct db_stmt *st = db_stmt(
	    db, "SELECT e.user_id, e.enrolled_at, e.started_at, e.completed_at, e.pretest, e.best_final, "
		"(SELECT count(*) FROM progress p WHERE p.user_id = e.user_id AND p.course_id = e.course_id AND "
		"p.item_path IN (SELECT i.path FROM items i JOIN packages k ON k.id = i.package_id WHERE "
		"k.course_id = e.course_id AND k.active = 1 AND i.type = 'lesson')), "
		"(SELECT max(p.opened_at) FROM progress p WHERE p.user_id = e.user_id AND p.course_id = e.course_id), "
		"(SELECT max(s.submitted_at) FROM submitted_attempts s WHERE s.user_id = e.user_id AND "
		"s.course_id = e.course_id) FROM enrolments e WHERE e.course_id = ? ORDER BY e.user_id");
	db_bind_text(st, 1, course_id);
	struct participant *v = NULL;
	size_t len = 0, cap = 0;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		struct participant *x = ARENA_PUSH(a, v, len, cap, 64);
		memset(x, 0, sizeof *x);
		x->user_id = db_col_int64(st, 0);
		x->enrolled_at = db_col_int64(st, 1);
		x->started_at = db_col_int64(st, 2);
		x->completed_at = db_col_int64(st, 3);
		x->has_pretest = db_col_type(st, 4) != DB_NULL;
		x->pretest = db_col_double(st, 4);
		x->has_final = db_col_type(st, 5) != DB_NULL;
		x->best_final = db_col_double(st, 5);
		x->total = (int)total;
		x->done = x->completed_at ? (int)total : (int)db_col_int64(st, 6);
		if (x->done > x->total)
			x->done = x->total;
		int64_t last = x->enrolled_at;
		int64_t cand[4] = {x->started_at, x->completed_at, db_col_int64(st, 7), db_col_int64(st, 8)};
		for (int i = 0; i < 4; i++)
			if (cand[i] > last)
				last = cand[i];
		x->last_active = last;
	}
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot read the participants of '%s': %s", course_id, db_errmsg(db));
	/* The ids the scope and the org filter keep. */
	int64_t *ids = xmalloc((len ? len : 1) * sizeof *ids);
	size_t nids = len;
	for (size_t i = 0; i < len; i++)
		ids[i] = v[i].user_id;
	if ((f && f->scope_org && keep_subtree(db, f->scope_org, &ids, &nids, e) < 0) ||
	    (f && f->org && keep_subtree(db, f->org, &ids, &nids, e) < 0)) {
		free(ids);
		return -1;
	}
	struct people_ctx pc = {a, v, len};
	rc = users_people(db, ids, nids, on_person, &pc, e);
	if (rc < 0) {
		free(ids);
		return -1;
	}
	/* Keep those kept by the filters (they alone got a username) and of the sex asked. */
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		bool in = nids && bsearch(&v[i].user_id, ids, nids, sizeof *ids, cmp_id);
		if (!in || !v[i].username)
			continue;
		if (f && f->sex && *f->sex && strcmp(v[i].sex, f->sex) != 0)
			continue;
		v[k++] = v[i];
	}
	free(ids);
	if (k)
		qsort(v, k, sizeof *v, cmp_part);
	*out = v;
	*n = k;
	return 0;
}
