/*
 * The course lists of courses/learn.h (catalogue, one course, my courses): the public part of the
 * catalogue, cached, merged in C with the learner's state read once per page from its owners.
 *
 * The public part (every course's picked package for a language: title, summary, items; and the text
 * searched) is the same for every learner, so it is built once per language and active package set and
 * shared by all threads. Its key is read from the database on every use: catalogue_version, which
 * every write to packages or items (import, re-activation, rollback) moves on in the same
 * transaction (triggers of lib/schema.c's migration 4). A server therefore never serves a list older
 * than the snapshot it reads, whichever process or server made the change.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assessment/completion.h"
#include "certificates/cert.h"
#include "courses/learn.h"
#include "lib/buf.h"
#include "lib/db.h"
#include "lib/xmalloc.h"

struct cat_item {
	const char *path;
	bool quiz, final;
};

/* One course of the public part: its picked package and the text of all its active packages. */
struct cat_course {
	const char *course_id, *language, *title, *summary;
	int64_t package_id;
	int minutes, pass_mark;
	bool certificate;
	size_t nitems;
	struct cat_item *items;
	size_t nhay;
	const char **hay; /* per active package (any language): lower-case title, summary and search text */
};

/* The public part for one language and version. Immutable once built; freed with its last user. */
struct cat_snap {
	int refs;
	int64_t version;
	char lang[16];
	struct arena arena;
	size_t n;
	struct cat_course *v; /* ordered by title, ignoring ASCII case */
};

#define CAT_SLOTS 8
static pthread_mutex_t cat_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cat_snap *cat_slots[CAT_SLOTS];
static unsigned cat_next;

static void snap_put(struct cat_snap *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&cat_lock);
	bool last = --s->refs == 0;
	pthread_mutex_unlock(&cat_lock);
	if (last) {
		arena_release(&s->arena);
		free(s);
	}
}

static void ascii_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static int course_cmp(const void *x, const void *y)
{
	const struct cat_course *a = x, *b = y;
	int c = strcasecmp(a->title, b->title); /* ASCII only in the C locale, as SQLite's NOCASE */
	return c ? c : strcmp(a->course_id, b->course_id);
}

struct active_pkg {
	int64_t id;
	const char *course_id, *language, *title, *summary, *hay;
	int minutes, pass_mark;
	bool certificate;
};

/* Every active package, in course order. -1 when reading failed. */
static int active_packages(struct db *db, struct arena *a, struct active_pkg **out, size_t *n)
{
	struct db_stmt *st = db_stmt(db, "SELECT id, course_id, language, title, summary, minutes, pass_mark, "
					 "certificate, search_text FROM packages WHERE active = 1 ORDER BY course_id");
	size_t len = 0, cap = 0;
	struct active_pkg *v = NULL;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		struct active_pkg *p = ARENA_PUSH(a, v, len, cap, 64);
		p->id = db_col_int64(st, 0);
		p->course_id = arena_strdup(a, db_col_text(st, 1));
		p->language = arena_strdup(a, db_col_text(st, 2));
		p->title = arena_strdup(a, db_col_text(st, 3));
		p->summary = arena_strdup(a, db_col_text(st, 4));
		p->minutes = db_col_int(st, 5);
		p->pass_mark = db_col_int(st, 6);
		p->certificate = db_col_int(st, 7) != 0;
		char *hay = arena_printf(a, "%s %s %s", p->title, p->summary, db_col_text(st, 8));
		ascii_lower(hay);
		p->hay = hay;
	}
	db_finish(st);
	*out = v;
	*n = len;
	return rc < 0 ? -1 : 0;
}

/* The items of a package, in order. -1 when reading failed. */
static int package_items(struct db *db, struct arena *a, struct cat_course *c)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT type, path, quiz_kind FROM items WHERE package_id = ?1 ORDER BY position");
	db_bind_int64(st, 1, c->package_id);
	size_t cap = 0;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		struct cat_item *it = ARENA_PUSH(a, c->items, c->nitems, cap, 16);
		it->quiz = strcmp(db_col_text(st, 0), "quiz") == 0;
		it->path = arena_strdup(a, db_col_text(st, 1));
		it->final = strcmp(db_col_text(st, 2), "final") == 0;
	}
	db_finish(st);
	return rc < 0 ? -1 : 0;
}

/* Builds the public part for lang from the caller's snapshot; NULL when reading failed. */
static struct cat_snap *snap_build(struct db *db, const char *lang, int64_t version)
{
	struct cat_snap *s = xcalloc(1, sizeof *s);
	s->refs = 1;
	s->version = version;
	snprintf(s->lang, sizeof s->lang, "%s", lang);
	struct arena tmp = ARENA_INIT;
	struct active_pkg *pk;
	size_t npk;
	if (active_packages(db, &tmp, &pk, &npk) < 0)
		goto fail;
	size_t ncourses = 0;
	for (size_t i = 0; i < npk; i++)
		if (i == 0 || strcmp(pk[i].course_id, pk[i - 1].course_id) != 0)
			ncourses++;
	s->v = arena_alloc(&s->arena, (ncourses ? ncourses : 1) * sizeof *s->v);
	for (size_t i = 0; i < npk;) {
		size_t j = i;
		while (j < npk && strcmp(pk[j].course_id, pk[i].course_id) == 0)
			j++;
		/* The one rule (course_pick_package()); once per course and version. */
		struct course_pick pick;
		int rc = course_pick_package(db, pk[i].course_id, lang, NULL, &pick);
		int64_t picked = pick.package_id;
		course_pick_release(&pick);
		if (rc == -2)
			goto fail;
		const struct active_pkg *p = NULL;
		for (size_t k = i; k < j; k++)
			if (rc == 0 && pk[k].id == picked)
				p = &pk[k];
		if (p) {
			struct cat_course *c = &s->v[s->n++];
			memset(c, 0, sizeof *c);
			c->course_id = arena_strdup(&s->arena, p->course_id);
			c->language = arena_strdup(&s->arena, p->language);
			c->title = arena_strdup(&s->arena, p->title);
			c->summary = arena_strdup(&s->arena, p->summary);
			c->package_id = p->id;
			c->minutes = p->minutes;
			c->pass_mark = p->pass_mark;
			c->certificate = p->certificate;
			c->nhay = j - i;
			c->hay = arena_alloc(&s->arena, c->nhay * sizeof *c->hay);
			for (size_t k = i; k < j; k++)
				c->hay[k - i] = arena_strdup(&s->arena, pk[k].hay);
			if (package_items(db, &s->arena, c) < 0)
				goto fail;
		}
		i = j;
	}
	qsort(s->v, s->n, sizeof *s->v, course_cmp);
	arena_release(&tmp);
	return s;
fail:
	arena_release(&tmp);
	arena_release(&s->arena);
	free(s);
	return NULL;
}

/* The catalogue's version, the cache key (0: none, not cached). */
static int64_t catalogue_version_get(struct db *db)
{
	struct db_stmt *st = db_stmt(db, "SELECT version FROM catalogue_version WHERE id = 1");
	int64_t g = db_step_row(st) > 0 ? db_col_int64(st, 0) : 0;
	db_finish(st);
	return g;
}

/* The public part for lang as the caller's snapshot sees it, from the cache or built; snap_put() it. */
static struct cat_snap *snap_get(struct db *db, const char *lang)
{
	if (!lang || !*lang)
		lang = "en";
	bool own = db_autocommit(db) != 0;
	if (own)
		db_snapshot_begin(db); /* the token and the build read the same state */
	int64_t g = catalogue_version_get(db);
	struct cat_snap *s = NULL;
	pthread_mutex_lock(&cat_lock);
	for (int i = 0; i < CAT_SLOTS && g; i++)
		if (cat_slots[i] && cat_slots[i]->version == g && strcmp(cat_slots[i]->lang, lang) == 0) {
			s = cat_slots[i];
			s->refs++;
			break;
		}
	pthread_mutex_unlock(&cat_lock);
	if (s || !(s = snap_build(db, lang, g)))
		goto out;
	if (!g || strlen(lang) >= sizeof s->lang)
		goto out; /* no token to key it on: not kept */
	struct cat_snap *old = NULL;
	pthread_mutex_lock(&cat_lock);
	int slot = -1;
	for (int i = 0; i < CAT_SLOTS && slot < 0; i++)
		if (!cat_slots[i] || strcmp(cat_slots[i]->lang, lang) == 0)
			slot = i;
	if (slot < 0)
		slot = (int)(cat_next++ % CAT_SLOTS);
	old = cat_slots[slot];
	cat_slots[slot] = s;
	s->refs++;
	pthread_mutex_unlock(&cat_lock);
	snap_put(old);
out:
	if (own)
		db_snapshot_end(db);
	return s;
}

/* The words of q, lower-cased (ASCII), at most 10: a course matches when one of its packages has them all. */
static size_t search_words(struct arena *a, const char *q, char *words[10])
{
	size_t n = 0;
	const char *p = q ? q : "";
	while (*p && n < 10) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ',')
			p++;
		const char *start = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != ',')
			p++;
		if (p > start) {
			words[n] = arena_strndup(a, start, (size_t)(p - start));
			ascii_lower(words[n++]);
		}
	}
	return n;
}

static bool course_matches(const struct cat_course *c, char *const *words, size_t nw)
{
	for (size_t h = 0; h < c->nhay; h++) {
		size_t w = 0;
		while (w < nw && strstr(c->hay[h], words[w]))
			w++;
		if (w == nw)
			return true;
	}
	return false;
}

/* The learner's enrolment in a course (enrolments). */
struct enrol_row {
	const char *course_id, *source, *last_item;
	int64_t enrolled_at, started_at, completed_at;
};

struct progress_row {
	const char *course_id, *item_path;
};

/* user_id's state (enrolments, lessons opened, quizzes submitted, certificates), all courses or one. */
struct user_state {
	struct enrol_row *enrol;
	size_t nenrol;
	struct progress_row *progress;
	size_t nprogress;
	struct submitted_quiz *quiz;
	size_t nquiz;
	struct cert_serial *certs;
	size_t ncerts;
};

static int user_enrolments(struct db *db, struct arena *a, int64_t user_id, const char *course_id, struct user_state *u)
{
	struct db_stmt *st = db_stmt(db, "SELECT course_id, source, enrolled_at, coalesce(started_at, 0), "
					 "coalesce(completed_at, 0), last_item FROM enrolments "
					 "WHERE user_id = ?1 AND (course_id = ?2 OR ?2 IS NULL)");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	size_t cap = 0;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		struct enrol_row *e = ARENA_PUSH(a, u->enrol, u->nenrol, cap, 16);
		e->course_id = arena_strdup(a, db_col_text(st, 0));
		e->source = arena_strdup(a, db_col_text(st, 1));
		e->enrolled_at = db_col_int64(st, 2);
		e->started_at = db_col_int64(st, 3);
		e->completed_at = db_col_int64(st, 4);
		e->last_item = arena_strdup(a, db_col_text(st, 5));
	}
	db_finish(st);
	return rc < 0 ? -1 : 0;
}

static int user_progress(struct db *db, struct arena *a, int64_t user_id, const char *course_id, struct user_state *u)
{
	struct db_stmt *st = db_stmt(db, "SELECT course_id, item_path FROM progress "
					 "WHERE user_id = ?1 AND (course_id = ?2 OR ?2 IS NULL)");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	size_t cap = 0;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		struct progress_row *p = ARENA_PUSH(a, u->progress, u->nprogress, cap, 32);
		p->course_id = arena_strdup(a, db_col_text(st, 0));
		p->item_path = arena_strdup(a, db_col_text(st, 1));
	}
	db_finish(st);
	return rc < 0 ? -1 : 0;
}

/* Reads user_id's state once for the page: four queries, none per course. -1 when one failed. */
static int user_state_read(struct db *db, struct arena *a, int64_t user_id, const char *course_id, struct user_state *u)
{
	memset(u, 0, sizeof *u);
	if (user_enrolments(db, a, user_id, course_id, u) < 0 || user_progress(db, a, user_id, course_id, u) < 0 ||
	    assessment_submitted_quizzes(db, a, user_id, course_id, &u->quiz, &u->nquiz) < 0 ||
	    cert_valid_serials(db, a, user_id, course_id, &u->certs, &u->ncerts) < 0)
		return -1;
	return 0;
}

/* One course of the public part with the learner's state, as struct learn_course. */
static void course_merge(struct arena *a, const struct cat_course *p, const struct user_state *u,
			 struct learn_course *c)
{
	memset(c, 0, sizeof *c);
	c->course_id = arena_strdup(a, p->course_id);
	c->language = arena_strdup(a, p->language);
	c->title = arena_strdup(a, p->title);
	c->summary = arena_strdup(a, p->summary);
	c->package_id = p->package_id;
	c->minutes = p->minutes;
	c->pass_mark = p->pass_mark;
	c->certificate = p->certificate;
	c->total = (int)p->nitems;
	c->source = "";
	c->last_item = "";
	for (size_t i = 0; i < u->nenrol; i++)
		if (strcmp(u->enrol[i].course_id, p->course_id) == 0) {
			const struct enrol_row *e = &u->enrol[i];
			c->enrolled = true;
			c->source = e->source;
			c->last_item = e->last_item;
			c->enrolled_at = e->enrolled_at;
			c->started_at = e->started_at;
			c->completed_at = e->completed_at;
			break;
		}
	/* Items done: a lesson opened, a final quiz passed, another quiz submitted (by path, any version). */
	int opened = 0;
	for (size_t i = 0; i < u->nprogress; i++)
		if (strcmp(u->progress[i].course_id, p->course_id) == 0) {
			opened++;
			for (size_t k = 0; k < p->nitems; k++)
				if (!p->items[k].quiz && strcmp(p->items[k].path, u->progress[i].item_path) == 0) {
					c->done++;
					break;
				}
		}
	for (size_t i = 0; i < u->nquiz; i++)
		if (strcmp(u->quiz[i].course_id, p->course_id) == 0)
			for (size_t k = 0; k < p->nitems; k++)
				if (p->items[k].quiz && strcmp(p->items[k].path, u->quiz[i].item_path) == 0) {
					if (u->quiz[i].passed || !p->items[k].final)
						c->done++;
					break;
				}
	for (size_t i = 0; i < u->ncerts; i++)
		if (strcmp(u->certs[i].course_id, p->course_id) == 0)
			c->cert_serial = u->certs[i].serial;
	/* One truth per course: completion is decided for the course (any active package, any language),
	 * so a completed course is every item done in whichever package it is read; see docs/progress.md. */
	if (c->completed_at)
		c->done = c->total;
	if (c->completed_at)
		c->status = LEARN_COMPLETE;
	else if (c->started_at || opened || c->done)
		c->status = LEARN_IN_PROGRESS;
	else
		c->status = LEARN_NOT_STARTED;
}

/* learn_my_courses()'s order: open courses first, the most recently started or enrolled first, then title. */
static int my_cmp(const void *x, const void *y)
{
	const struct learn_course *a = x, *b = y;
	if ((a->completed_at != 0) != (b->completed_at != 0))
		return a->completed_at ? 1 : -1;
	int64_t ta = a->started_at ? a->started_at : a->enrolled_at,
		tb = b->started_at ? b->started_at : b->enrolled_at;
	if (ta != tb)
		return ta > tb ? -1 : 1;
	return strcmp(a->title, b->title);
}

enum list_kind { LIST_ALL, LIST_ONE, LIST_ENROLLED };

static size_t course_list(struct db *db, struct arena *a, int64_t user_id, const char *lang, enum list_kind kind,
			  const char *course_id, const char *q, struct learn_course **out)
{
	*out = NULL;
	struct cat_snap *s = snap_get(db, lang);
	if (!s)
		return 0;
	struct user_state u;
	if (user_state_read(db, a, user_id, kind == LIST_ONE ? course_id : NULL, &u) < 0) {
		snap_put(s);
		return 0;
	}
	char *words[10];
	size_t nw = search_words(a, q, words);
	struct learn_course *v = arena_alloc(a, (s->n ? s->n : 1) * sizeof *v);
	size_t n = 0;
	/* The catalogue lists the courses in the reader's language first (a Khmer reader sees the Khmer
	 * courses before those that fell back to English), each group by title: two passes over the list. */
	for (size_t pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < s->n; i++) {
			const struct cat_course *p = &s->v[i];
			if ((strcmp(p->language, s->lang) == 0) != (pass == 0))
				continue;
			if (kind == LIST_ONE && strcmp(p->course_id, course_id) != 0)
				continue;
			if (nw && !course_matches(p, words, nw))
				continue;
			if (kind == LIST_ENROLLED) {
				size_t k = 0;
				while (k < u.nenrol && strcmp(u.enrol[k].course_id, p->course_id) != 0)
					k++;
				if (k == u.nenrol)
					continue;
			}
			course_merge(a, p, &u, &v[n++]);
		}
	snap_put(s);
	if (kind == LIST_ENROLLED)
		qsort(v, n, sizeof *v, my_cmp);
	*out = v;
	return n;
}

size_t learn_catalogue(struct db *db, struct arena *a, int64_t user_id, const char *lang, const char *q,
		       struct learn_course **out)
{
	return course_list(db, a, user_id, lang, LIST_ALL, NULL, q, out);
}

int learn_course_get(struct db *db, struct arena *a, int64_t user_id, const char *course_id, const char *lang,
		     struct learn_course *c)
{
	struct learn_course *v;
	if (!course_id || course_list(db, a, user_id, lang, LIST_ONE, course_id, NULL, &v) == 0)
		return -1;
	*c = v[0];
	return 0;
}

size_t learn_my_courses(struct db *db, struct arena *a, int64_t user_id, const char *lang, struct learn_course **out)
{
	return course_list(db, a, user_id, lang, LIST_ENROLLED, NULL, NULL, out);
}
