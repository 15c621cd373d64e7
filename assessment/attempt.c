/*
 * Attempts: layout (draw and shuffle from a stored seed), saving, grading on
 * submission, enrolment milestones. Stored formats:
 *   attempts.layout   "Q:o,o,o/c,c;Q:..."  (question index, option or pair order, matching choices)
 *   attempts.answers  one line per item "K c 1,3" or "K t TEXT" (text %-escaped)
 */
#include "assessment/attempt.h"

#include <math.h>
#include <sodium.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assessment/completion.h"
#include "courses/learn.h"
#include "lib/log.h"
#include "lib/buf.h"
#include "lib/db.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#define ANSWER_TEXT_MAX 1000

/* ---------- quiz lookup ---------- */

struct quiz_ref {
	int64_t package_id;
	char language[16];
	int pass_mark; /* of the package */
	char *item_title;
};

/* The package of course_id whose quiz item_path the learner reading in lang sees (course_pick_package()). */
static int find_quiz(sqlite3 *db, const char *course_id, const char *item_path, const char *lang,
		     struct quiz_ref *ref)
{
	struct course_pick pick;
	if (course_pick_package(db, course_id, lang, item_path, &pick) < 0)
		return ATTEMPT_ENOTFOUND;
	int rc = ATTEMPT_ENOTFOUND;
	if (strcmp(pick.item_type, "quiz") == 0) {
		ref->package_id = pick.package_id;
		snprintf(ref->language, sizeof ref->language, "%s", pick.language);
		ref->pass_mark = pick.pass_mark;
		ref->item_title = xstrdup(pick.item_title);
		rc = 0;
	}
	course_pick_release(&pick);
	return rc;
}

/* Parses the quiz file of a package. */
static int parse_quiz(sqlite3 *db, int64_t package_id, const char *path, struct quiz *q, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT b.data FROM package_files f JOIN blobs b ON b.sha256 = f.sha256 "
					  "WHERE f.package_id = ? AND f.path = ?");
	sqlite3_bind_int64(st, 1, package_id);
	db_bind_text(st, 2, path);
	memset(q, 0, sizeof *q);
	q->pass_mark = -1;
	if (db_step_row(st) <= 0) {
		db_finish(st);
		err_set(e, "the quiz file '%s' is missing from the package", path);
		return ATTEMPT_EQUIZ;
	}
	const char *data = sqlite3_column_blob(st, 0);
	size_t len = (size_t)sqlite3_column_bytes(st, 0);
	int problems = quiz_parse(path, data ? data : "", len, q, NULL);
	db_finish(st);
	if (problems || q->nquestions == 0) {
		quiz_free(q);
		err_set(e, "the quiz '%s' has errors; ask the course author to check it", path);
		return ATTEMPT_EQUIZ;
	}
	return 0;
}

/*
 * Parsed quizzes, shared by all threads, keyed by package, path and the file's
 * hash: a quiz file never changes once imported, and parsing it (cmark) was
 * the main cost of a submission. Entries are never changed once added; callers
 * get a borrowed view (quiz_free() is a no-op on it), valid until
 * attempt_cache_release().
 */
struct quiz_slot {
	int64_t package_id;
	char *path;
	char sha[65];
	struct quiz q;
};
static struct quiz_slot *quiz_slots;
static size_t nquiz_slots;
static pthread_mutex_t quiz_lock = PTHREAD_MUTEX_INITIALIZER;
#define QUIZ_SLOTS_MAX 256

void attempt_cache_release(void)
{
	pthread_mutex_lock(&quiz_lock);
	for (size_t i = 0; i < nquiz_slots; i++) {
		quiz_free(&quiz_slots[i].q);
		free(quiz_slots[i].path);
	}
	free(quiz_slots);
	quiz_slots = NULL;
	nquiz_slots = 0;
	pthread_mutex_unlock(&quiz_lock);
}

/* The cached quiz as a borrowed view in *q; false when it is not cached. */
static bool quiz_cached(int64_t package_id, const char *path, const char *sha, struct quiz *q)
{
	bool hit = false;
	pthread_mutex_lock(&quiz_lock);
	for (size_t i = 0; !hit && i < nquiz_slots; i++) {
		const struct quiz_slot *s = &quiz_slots[i];
		if (s->package_id == package_id && strcmp(s->sha, sha) == 0 && strcmp(s->path, path) == 0) {
			*q = s->q;
			q->borrowed = true;
			hit = true;
		}
	}
	pthread_mutex_unlock(&quiz_lock);
	return hit;
}

/* Parses the quiz file of a package (or finds it parsed). */
static int load_quiz(sqlite3 *db, int64_t package_id, const char *path, struct quiz *q, struct err *e)
{
	memset(q, 0, sizeof *q);
	q->pass_mark = -1;
	sqlite3_stmt *st = db_stmt(db, "SELECT sha256 FROM package_files WHERE package_id = ? AND path = ?");
	sqlite3_bind_int64(st, 1, package_id);
	db_bind_text(st, 2, path);
	char sha[65] = "";
	if (db_step_row(st) > 0)
		snprintf(sha, sizeof sha, "%s", db_col_text(st, 0));
	db_finish(st);
	if (sha[0] && quiz_cached(package_id, path, sha, q))
		return 0;
	int rc = parse_quiz(db, package_id, path, q, e);
	if (rc < 0 || !sha[0])
		return rc; /* not cached: the caller owns q */
	pthread_mutex_lock(&quiz_lock);
	/* Another thread may have parsed the same quiz meanwhile: then ours stays the caller's. */
	bool kept = nquiz_slots < QUIZ_SLOTS_MAX;
	for (size_t i = 0; kept && i < nquiz_slots; i++)
		kept = !(quiz_slots[i].package_id == package_id && strcmp(quiz_slots[i].sha, sha) == 0 &&
			 strcmp(quiz_slots[i].path, path) == 0);
	if (kept) {
		quiz_slots = xrealloc(quiz_slots, (nquiz_slots + 1) * sizeof *quiz_slots);
		struct quiz_slot *s = &quiz_slots[nquiz_slots++];
		s->package_id = package_id;
		s->path = xstrdup(path);
		snprintf(s->sha, sizeof s->sha, "%s", sha);
		s->q = *q;
		q->borrowed = true;
	}
	pthread_mutex_unlock(&quiz_lock);
	return 0;
}


static int effective_pass_mark(const struct quiz *q, int package_mark)
{
	if (q->pass_mark >= 0)
		return q->pass_mark;
	if (package_mark >= 0 && package_mark <= 100)
		return package_mark;
	return 70;
}

static int asked(const struct quiz *q)
{
	return q->draw > 0 && (size_t)q->draw < q->nquestions ? q->draw : (int)q->nquestions;
}

/* ---------- layout ---------- */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void shuffle(int *v, int n, uint64_t *s)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(splitmix(s) % (uint64_t)(i + 1));
		int t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void item_release(struct attempt_item *it)
{
	free(it->order);
	free(it->choices);
}

/* Matching choices: the first pair index of each distinct right-hand text. */
static void match_choices(const struct question *qu, struct attempt_item *it)
{
	it->choices = xcalloc(qu->npairs ? qu->npairs : 1, sizeof *it->choices);
	it->nchoices = 0;
	for (size_t i = 0; i < qu->npairs; i++) {
		bool seen = false;
		for (int k = 0; k < it->nchoices && !seen; k++)
			seen = strcmp(qu->pairs[it->choices[k]].right, qu->pairs[i].right) == 0;
		if (!seen)
			it->choices[it->nchoices++] = (int)i;
	}
}

static void build_layout(const struct quiz *q, uint64_t seed, struct attempt_item **out, int *nout)
{
	uint64_t s = seed;
	int n = (int)q->nquestions, k = asked(q);
	int *pick = xmalloc((size_t)n * sizeof *pick);
	for (int i = 0; i < n; i++)
		pick[i] = i;
	if (k < n) {
		shuffle(pick, n, &s);
		if (!q->shuffle)
			qsort(pick, (size_t)k, sizeof *pick, cmp_int);
	} else if (q->shuffle) {
		shuffle(pick, n, &s);
	}
	struct attempt_item *items = xcalloc((size_t)k, sizeof *items);
	for (int i = 0; i < k; i++) {
		const struct question *qu = &q->questions[pick[i]];
		struct attempt_item *it = &items[i];
		it->question = pick[i];
		if (qu->type == Q_SINGLE || qu->type == Q_MULTI || qu->type == Q_TRUEFALSE) {
			it->norder = (int)qu->noptions;
			it->order = xmalloc(((size_t)it->norder + 1) * sizeof *it->order);
			for (int j = 0; j < it->norder; j++)
				it->order[j] = j;
			if (q->shuffle && qu->type != Q_TRUEFALSE)
				shuffle(it->order, it->norder, &s);
		} else if (qu->type == Q_MATCH) {
			it->order = xmalloc((qu->npairs + 1) * sizeof *it->order);
			for (size_t j = 0; j < qu->npairs; j++)
				if (qu->pairs[j].left[0])
					it->order[it->norder++] = (int)j;
			if (q->shuffle)
				shuffle(it->order, it->norder, &s);
			match_choices(qu, it);
			/* Always shuffled: in source order the answer would be the diagonal. */
			shuffle(it->choices, it->nchoices, &s);
		}
	}
	free(pick);
	*out = items;
	*nout = k;
}

static void layout_format(const struct attempt_item *items, int n, struct buf *b)
{
	for (int i = 0; i < n; i++) {
		buf_printf(b, "%s%d:", i ? ";" : "", items[i].question);
		for (int j = 0; j < items[i].norder; j++)
			buf_printf(b, "%s%d", j ? "," : "", items[i].order[j]);
		if (items[i].choices) {
			buf_putc(b, '/');
			for (int j = 0; j < items[i].nchoices; j++)
				buf_printf(b, "%s%d", j ? "," : "", items[i].choices[j]);
		}
	}
}

/* Reads a comma list of ints into v (at most max) until a char in stop. */
static int int_list(const char **pp, const char *stop, int *v, int max)
{
	const char *p = *pp;
	int n = 0;
	while (*p && !strchr(stop, *p)) {
		char *end;
		long x = strtol(p, &end, 10);
		if (end == p || n >= max || x < -1 || x > 100000)
			return -1;
		v[n++] = (int)x;
		p = end;
		if (*p == ',')
			p++;
	}
	*pp = p;
	return n;
}

static bool valid_perm(const int *v, int n, int limit)
{
	for (int i = 0; i < n; i++) {
		if (v[i] < 0 || v[i] >= limit)
			return false;
		for (int j = 0; j < i; j++)
			if (v[j] == v[i])
				return false;
	}
	return true;
}

static int layout_parse(const char *s, const struct quiz *q, struct attempt_item **out, int *nout)
{
	int cap = (int)q->nquestions;
	struct attempt_item *items = xcalloc((size_t)cap + 1, sizeof *items);
	int n = 0;
	const char *p = s;
	int tmp[QUIZ_MAX_OPTIONS + 1];
	while (*p) {
		char *end;
		long qi = strtol(p, &end, 10);
		if (end == p || *end != ':' || qi < 0 || (size_t)qi >= q->nquestions || n >= cap)
			goto bad;
		p = end + 1;
		const struct question *qu = &q->questions[qi];
		struct attempt_item *it = &items[n++];
		it->question = (int)qi;
		int m = int_list(&p, ";/", tmp, QUIZ_MAX_OPTIONS);
		int limit = qu->type == Q_MATCH ? (int)qu->npairs : (int)qu->noptions;
		if (m < 0 || !valid_perm(tmp, m, limit > 0 ? limit : 0))
			goto bad;
		it->norder = m;
		it->order = xmalloc(((size_t)m + 1) * sizeof *it->order);
		memcpy(it->order, tmp, (size_t)m * sizeof *tmp);
		if (*p == '/') {
			p++;
			m = int_list(&p, ";", tmp, QUIZ_MAX_OPTIONS);
			if (m < 0 || qu->type != Q_MATCH || !valid_perm(tmp, m, (int)qu->npairs))
				goto bad;
			it->nchoices = m;
			it->choices = xmalloc(((size_t)m + 1) * sizeof *it->choices);
			memcpy(it->choices, tmp, (size_t)m * sizeof *tmp);
		}
		if (*p == ';')
			p++;
	}
	*out = items;
	*nout = n;
	return n > 0 ? 0 : -1;
bad:
	for (int i = 0; i < n; i++)
		item_release(&items[i]);
	free(items);
	return -1;
}

/* ---------- answers ---------- */

static void answers_format(const struct attempt *a, struct buf *b)
{
	for (int k = 0; k < a->nitems; k++) {
		const struct answer *an = &a->answers[k];
		if (!answer_given(an))
			continue;
		if (an->text) {
			buf_printf(b, "%d t ", k);
			for (const char *s = an->text; *s; s++) {
				if (*s == '%' || *s == '\n' || *s == '\r' || *s == '\t')
					buf_printf(b, "%%%02X", (unsigned char)*s);
				else
					buf_putc(b, *s);
			}
		} else {
			buf_printf(b, "%d c ", k);
			for (int i = 0; i < an->nchosen; i++)
				buf_printf(b, "%s%d", i ? "," : "", an->chosen[i]);
		}
		buf_putc(b, '\n');
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void answers_parse(struct attempt *a, const char *s)
{
	while (s && *s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *line = xstrndup(s, len);
		char *end;
		long k = strtol(line, &end, 10);
		if (end != line && k >= 0 && k < a->nitems && end[0] == ' ' && end[1] && end[2] == ' ') {
			struct answer *an = &a->answers[k];
			answer_release(an);
			const char *v = end + 3;
			if (end[1] == 't') {
				struct buf t = BUF_INIT;
				for (const char *p = v; *p; p++) {
					if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
						buf_putc(&t, (char)(hexval(p[1]) * 16 + hexval(p[2])));
						p += 2;
					} else {
						buf_putc(&t, *p);
					}
				}
				an->text = xstrdup(buf_str(&t));
				buf_release(&t);
			} else {
				int tmp[QUIZ_MAX_OPTIONS + 1];
				const char *p = v;
				int m = int_list(&p, "", tmp, QUIZ_MAX_OPTIONS);
				if (m > 0) {
					an->chosen = xmalloc((size_t)m * sizeof *an->chosen);
					memcpy(an->chosen, tmp, (size_t)m * sizeof *tmp);
					an->nchosen = m;
				}
			}
		}
		free(line);
		s = nl ? nl + 1 : NULL;
	}
}

static bool parse_index(const char *s, int max, int *out)
{
	char *end;
	if (!s || !*s || *s < '0' || *s > '9')
		return false;
	long v = strtol(s, &end, 10);
	if (*end || v < 0 || v >= max)
		return false;
	*out = (int)v;
	return true;
}

static bool in_list(const int *v, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

bool attempt_key_valid(const struct attempt *a, const char *key)
{
	char *end;
	if (!key || key[0] != 'q' || key[1] < '0' || key[1] > '9')
		return false;
	long k = strtol(key + 1, &end, 10);
	if (k < 0 || k >= a->nitems)
		return false;
	const struct attempt_item *it = &a->items[k];
	const struct question *qu = &a->quiz.questions[it->question];
	if (!*end)
		return qu->type != Q_MULTI && qu->type != Q_MATCH;
	int sub;
	if (*end != '_' || !parse_index(end + 1, 1 << 20, &sub))
		return false;
	if (qu->type == Q_MULTI)
		return sub < (int)qu->noptions;
	if (qu->type == Q_MATCH)
		return in_list(it->order, it->norder, sub);
	return false;
}

/* Builds the answers of every item through get; EBADANSWER on a value naming nothing of the question. */
static int answers_from_getter(const struct attempt *a, answer_get_fn get, void *ctx, struct answer **out,
			       struct err *e)
{
	struct answer *ans = xcalloc((size_t)a->nitems + 1, sizeof *ans);
	char key[48];
	for (int k = 0; k < a->nitems; k++) {
		const struct attempt_item *it = &a->items[k];
		const struct question *qu = &a->quiz.questions[it->question];
		struct answer *an = &ans[k];
		const char *val;
		int o;
		switch (qu->type) {
		case Q_SINGLE:
		case Q_TRUEFALSE:
			snprintf(key, sizeof key, "q%d", k);
			val = get(ctx, key);
			if (!val || !*val)
				break;
			if (!parse_index(val, (int)qu->noptions, &o))
				goto bad;
			an->chosen = xmalloc(sizeof *an->chosen);
			an->chosen[0] = o;
			an->nchosen = 1;
			break;
		case Q_MULTI:
			for (size_t j = 0; j < qu->noptions; j++) {
				snprintf(key, sizeof key, "q%d_%zu", k, j);
				val = get(ctx, key);
				if (!val || !*val || strcmp(val, "0") == 0 || strcmp(val, "false") == 0)
					continue;
				an->chosen = xrealloc(an->chosen, ((size_t)an->nchosen + 1) * sizeof *an->chosen);
				an->chosen[an->nchosen++] = (int)j;
			}
			break;
		case Q_SHORT:
		case Q_NUMERIC:
			snprintf(key, sizeof key, "q%d", k);
			val = get(ctx, key);
			if (!val || !*val)
				break;
			if (strlen(val) > ANSWER_TEXT_MAX || !utf8_valid(val, strlen(val)))
				goto bad;
			an->text = xstrdup(val);
			break;
		case Q_MATCH: {
			bool any = false;
			an->nchosen = (int)qu->npairs;
			an->chosen = xmalloc((qu->npairs + 1) * sizeof *an->chosen);
			for (size_t j = 0; j < qu->npairs; j++)
				an->chosen[j] = -1;
			for (int j = 0; j < it->norder; j++) {
				snprintf(key, sizeof key, "q%d_%d", k, it->order[j]);
				val = get(ctx, key);
				if (!val || !*val)
					continue;
				if (!parse_index(val, (int)qu->npairs, &o) || !in_list(it->choices, it->nchoices, o))
					goto bad;
				an->chosen[it->order[j]] = o;
				any = true;
			}
			if (!any) {
				free(an->chosen);
				an->chosen = NULL;
				an->nchosen = 0;
			}
			break;
		}
		}
	}
	*out = ans;
	return 0;
bad:
	for (int j = 0; j < a->nitems; j++)
		answer_release(&ans[j]);
	free(ans);
	err_set(e, "the answer '%s' does not belong to this quiz", key);
	return ATTEMPT_EBADANSWER;
}

static void replace_answers(struct attempt *a, struct answer *ans)
{
	for (int k = 0; k < a->nitems; k++)
		answer_release(&a->answers[k]);
	free(a->answers);
	a->answers = ans;
}

/* The chosen column of attempt_answers: option indices, "pair:choice" pairs, or the text. */
static void chosen_text(const struct question *qu, const struct answer *an, struct buf *b)
{
	if (an->text) {
		buf_puts(b, an->text);
		return;
	}
	for (int i = 0; i < an->nchosen; i++) {
		if (qu->type == Q_MATCH) {
			if (an->chosen[i] >= 0)
				buf_printf(b, "%s%d:%d", b->len ? "," : "", i, an->chosen[i]);
		} else {
			buf_printf(b, "%s%d", i ? "," : "", an->chosen[i]);
		}
	}
}

/* ---------- attempts ---------- */

void attempt_release(struct attempt *a)
{
	if (!a)
		return;
	free(a->course_id);
	free(a->item_path);
	free(a->language);
	for (int i = 0; i < a->nitems; i++) {
		item_release(&a->items[i]);
		if (a->answers)
			answer_release(&a->answers[i]);
	}
	free(a->items);
	free(a->answers);
	free(a->item_scores);
	quiz_free(&a->quiz);
	memset(a, 0, sizeof *a);
}

int64_t attempt_seconds_left(const struct attempt *a, int64_t now)
{
	if (!a->deadline_at)
		return -1;
	return a->deadline_at > now ? a->deadline_at - now : 0;
}

static void grade_all(struct attempt *a)
{
	free(a->item_scores);
	a->item_scores = xcalloc((size_t)a->nitems + 1, sizeof *a->item_scores);
	double sum = 0;
	for (int k = 0; k < a->nitems; k++) {
		a->item_scores[k] = grade_question(&a->quiz.questions[a->items[k].question], &a->answers[k]);
		sum += a->item_scores[k];
	}
	double pct = a->nitems ? 100.0 * sum / a->nitems : 0;
	a->score = round(pct * 100.0) / 100.0;
}

static void ensure_enrolment(sqlite3 *db, int64_t user_id, const char *course_id, int64_t now)
{
	enrolment_ensure(db, user_id, course_id, "self", now, NULL, NULL);
	sqlite3_stmt *st = db_stmt(db, "UPDATE enrolments SET started_at = ? WHERE user_id = ? AND course_id = ? AND "
			    "started_at IS NULL");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, user_id);
	db_bind_text(st, 3, course_id);
	if (db_step_done(st) < 0)
		log_msg(LOG_ERROR, "error", "cannot mark the course started: %s", db_errstr(db));
	db_finish(st);
}

/* Loads the row and quiz of an attempt (no ownership check). */
static int load_row(sqlite3 *db, int64_t id, struct attempt *a, struct err *e)
{
	memset(a, 0, sizeof *a);
	a->score = -1;
	sqlite3_stmt *st = db_stmt(db, "SELECT a.user_id, a.course_id, a.package_id, a.item_path, a.kind, a.seed, "
					  "a.layout, a.started_at, a.deadline_at, a.submitted_at, a.answers, a.score, "
					  "a.passed, p.language, p.pass_mark FROM attempts a JOIN packages p ON "
					  "p.id = a.package_id WHERE a.id = ?");
	sqlite3_bind_int64(st, 1, id);
	if (db_step_row(st) <= 0) {
		db_finish(st);
		err_set(e, "no such attempt");
		return ATTEMPT_ENOTFOUND;
	}
	a->id = id;
	a->user_id = sqlite3_column_int64(st, 0);
	a->course_id = xstrdup(db_col_text(st, 1));
	a->package_id = sqlite3_column_int64(st, 2);
	a->item_path = xstrdup(db_col_text(st, 3));
	int kind = quiz_kind_parse(db_col_text(st, 4));
	a->kind = kind < 0 ? QUIZ_FINAL : (enum quiz_kind)kind;
	a->seed = sqlite3_column_int64(st, 5);
	char *layout = xstrdup(db_col_text(st, 6));
	a->started_at = sqlite3_column_int64(st, 7);
	a->deadline_at = sqlite3_column_int64(st, 8);
	a->submitted_at = sqlite3_column_int64(st, 9);
	char *answers = xstrdup(db_col_text(st, 10));
	if (a->submitted_at) {
		a->score = sqlite3_column_double(st, 11);
		a->passed = sqlite3_column_int(st, 12) != 0;
	}
	a->language = xstrdup(db_col_text(st, 13));
	int pkg_mark = sqlite3_column_int(st, 14);
	db_finish(st);
	int rc = load_quiz(db, a->package_id, a->item_path, &a->quiz, e);
	if (rc == 0 && layout_parse(layout, &a->quiz, &a->items, &a->nitems) < 0) {
		err_set(e, "attempt %lld has a damaged layout", (long long)id);
		rc = ATTEMPT_EFAIL;
	}
	free(layout);
	if (rc < 0) {
		free(answers);
		return rc;
	}
	a->pass_mark = effective_pass_mark(&a->quiz, pkg_mark);
	a->answers = xcalloc((size_t)a->nitems + 1, sizeof *a->answers);
	answers_parse(a, answers);
	free(answers);
	a->late = a->submitted_at && a->deadline_at && a->submitted_at > a->deadline_at + ATTEMPT_GRACE_S;
	if (a->submitted_at) {
		double stored = a->score;
		grade_all(a);
		a->score = stored;
	}
	return 0;
}

static bool past_deadline(const struct attempt *a, int64_t now)
{
	return a->deadline_at && now > a->deadline_at + ATTEMPT_GRACE_S;
}

/* Grades and records a submission; inside the caller's transaction. */
/* Grading is pure computation: done before the write, outside the writer's transaction. */
static void grade_submission(struct attempt *a, int64_t now)
{
	grade_all(a);
	a->passed = a->score + 1e-9 >= a->pass_mark;
	a->late = past_deadline(a, now);
}

static int record_submission(sqlite3 *db, struct attempt *a, int64_t now, struct err *e)
{
	a->submitted_at = now;
	struct buf ans = BUF_INIT;
	answers_format(a, &ans);
	sqlite3_stmt *st = db_stmt(db, "UPDATE attempts SET submitted_at = ?, answers = ?, score = ?, passed = ? "
					  "WHERE id = ? AND submitted_at IS NULL");
	sqlite3_bind_int64(st, 1, now);
	db_bind_text(st, 2, buf_str(&ans));
	sqlite3_bind_double(st, 3, a->score);
	sqlite3_bind_int(st, 4, a->passed);
	sqlite3_bind_int64(st, 5, a->id);
	int ok = db_step_done(st) == 0;
	db_finish(st);
	buf_release(&ans);
	if (!ok)
		return err_set(e, "cannot save the submission: %s", sqlite3_errmsg(db)), ATTEMPT_EFAIL;
	st = db_stmt(db, "INSERT OR REPLACE INTO attempt_answers(attempt_id, question, score, chosen) "
			    "VALUES (?, ?, ?, ?)");
	for (int k = 0; k < a->nitems && ok; k++) {
		const struct question *qu = &a->quiz.questions[a->items[k].question];
		struct buf ch = BUF_INIT;
		chosen_text(qu, &a->answers[k], &ch);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, a->id);
		sqlite3_bind_int(st, 2, a->items[k].question);
		sqlite3_bind_double(st, 3, a->item_scores[k]);
		db_bind_text(st, 4, buf_str(&ch));
		ok = db_step_done(st) == 0;
		buf_release(&ch);
	}
	db_finish(st);
	if (!ok)
		return err_set(e, "cannot save the answers: %s", sqlite3_errmsg(db)), ATTEMPT_EFAIL;
	ensure_enrolment(db, a->user_id, a->course_id, now);
	if (a->kind == QUIZ_FINAL) {
		st = db_stmt(db, "UPDATE enrolments SET best_final = max(coalesce(best_final, 0), ?) "
				    "WHERE user_id = ? AND course_id = ?");
	} else if (a->kind == QUIZ_PRETEST) {
		/* The first pretest is the baseline for learning gain. */
		st = db_stmt(db, "UPDATE enrolments SET pretest = ? WHERE user_id = ? AND course_id = ? AND "
				    "pretest IS NULL");
	} else {
		st = NULL;
	}
	if (st) {
		sqlite3_bind_double(st, 1, a->score);
		sqlite3_bind_int64(st, 2, a->user_id);
		db_bind_text(st, 3, a->course_id);
		ok = db_step_done(st) == 0;
		db_finish(st);
		if (!ok)
			return err_set(e, "cannot update the enrolment: %s", sqlite3_errmsg(db)), ATTEMPT_EFAIL;
	}
	if (completion_update(db, a->user_id, a->course_id, NULL, e) < 0)
		return ATTEMPT_EFAIL;
	return 0;
}

static bool still_open(sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM attempts WHERE id = ? AND submitted_at IS NULL");
	sqlite3_bind_int64(st, 1, id);
	bool open = db_step_row(st) > 0;
	db_finish(st);
	return open;
}

/* Reads back the stored result of a submitted attempt (after a concurrent submission). */
static void reload_result(sqlite3 *db, struct attempt *a)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT submitted_at, answers, score, passed FROM attempts WHERE id = ?");
	sqlite3_bind_int64(st, 1, a->id);
	if (db_step_row(st) > 0) {
		a->submitted_at = sqlite3_column_int64(st, 0);
		for (int k = 0; k < a->nitems; k++)
			answer_release(&a->answers[k]);
		answers_parse(a, db_col_text(st, 1));
		grade_all(a);
		a->score = sqlite3_column_double(st, 2);
		a->passed = sqlite3_column_int(st, 3) != 0;
		a->late = past_deadline(a, a->submitted_at);
	}
	db_finish(st);
}

/* Submits with the answers now in a; idempotent against a concurrent submission. */
struct submit_job {
	struct attempt *a;
	int64_t now;
	bool already; /* another request submitted it first */
};

static int submit_job_run(sqlite3 *db, void *arg, struct err *e)
{
	struct submit_job *j = arg;
	if (!still_open(db, j->a->id)) {
		j->already = true;
		return 0;
	}
	return record_submission(db, j->a, j->now, e);
}

/*
 * Grades and records the submission durably (synchronous=FULL). It goes
 * through the database's group commit, so concurrent submissions share one
 * fsync; the call returns only once the submission is on disk.
 */
static int submit_locked(sqlite3 *db, struct attempt *a, int64_t now, struct err *e)
{
	struct submit_job j = {.a = a, .now = now};
	grade_submission(a, now);
	int rc = db_group_write(db, submit_job_run, &j, e);
	if (rc < 0) {
		/* The in-memory result was not stored: show the attempt as still open. */
		a->submitted_at = 0;
		return rc == -1 ? ATTEMPT_EFAIL : rc;
	}
	if (j.already)
		reload_result(db, a);
	return 0;
}

int attempt_load(sqlite3 *db, int64_t attempt_id, int64_t user_id, struct attempt *a, struct err *e)
{
	int rc = load_row(db, attempt_id, a, e);
	if (rc == 0 && a->user_id != user_id) {
		attempt_release(a);
		err_set(e, "no such attempt");
		return ATTEMPT_ENOTFOUND;
	}
	if (rc < 0) {
		attempt_release(a);
		return rc;
	}
	int64_t now = now_s();
	if (!a->submitted_at && past_deadline(a, now)) {
		rc = submit_locked(db, a, now, e);
		if (rc < 0) {
			attempt_release(a);
			return rc;
		}
	}
	return 0;
}

static int count_used(sqlite3 *db, int64_t user_id, const char *course_id, const char *item_path)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM attempts WHERE user_id = ? AND course_id = ? AND "
					  "item_path = ? AND submitted_at IS NOT NULL");
	sqlite3_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_text(st, 3, item_path);
	int n = db_step_row(st) > 0 ? sqlite3_column_int(st, 0) : 0;
	db_finish(st);
	return n;
}

static int64_t open_attempt(sqlite3 *db, int64_t user_id, const char *course_id, const char *item_path)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM attempts WHERE user_id = ? AND course_id = ? AND "
					  "item_path = ? AND submitted_at IS NULL ORDER BY id DESC LIMIT 1");
	sqlite3_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_text(st, 3, item_path);
	int64_t id = db_step_row(st) > 0 ? sqlite3_column_int64(st, 0) : 0;
	db_finish(st);
	return id;
}

int attempt_start(sqlite3 *db, int64_t user_id, const char *course_id, const char *item_path, const char *lang,
		  int64_t *attempt_id, struct err *e)
{
	*attempt_id = 0;
	/* An open attempt is resumed; one whose time ran out is closed first (attempt_load does it). */
	int64_t open = open_attempt(db, user_id, course_id, item_path);
	if (open) {
		struct attempt a;
		int rc = attempt_load(db, open, user_id, &a, e);
		bool still = rc == 0 && !a.submitted_at;
		if (rc == 0)
			attempt_release(&a);
		if (still) {
			*attempt_id = open;
			return 0;
		}
		if (rc < 0 && rc != ATTEMPT_EQUIZ)
			return rc;
	}
	struct quiz_ref ref = {0};
	if (find_quiz(db, course_id, item_path, lang, &ref) < 0)
		return err_set(e, "no quiz '%s' in course '%s'", item_path, course_id), ATTEMPT_ENOTFOUND;
	struct quiz q;
	int rc = load_quiz(db, ref.package_id, item_path, &q, e);
	free(ref.item_title);
	if (rc < 0)
		return rc;
	struct attempt_item *items = NULL;
	int nitems = 0;
	uint64_t seed;
	randombytes_buf(&seed, sizeof seed);
	seed &= 0x7FFFFFFFFFFFFFFFull; /* fits SQLite's signed integer */
	build_layout(&q, seed, &items, &nitems);
	struct buf layout = BUF_INIT;
	layout_format(items, nitems, &layout);
	for (int i = 0; i < nitems; i++)
		item_release(&items[i]);
	free(items);
	int64_t now = now_s();
	rc = 0;
	if (db_begin(db, e) < 0) {
		rc = ATTEMPT_EFAIL;
		goto out;
	}
	/* Checked again inside the write transaction: two clicks must not make two attempts. */
	if ((open = open_attempt(db, user_id, course_id, item_path))) {
		db_rollback(db);
		*attempt_id = open;
		goto out;
	}
	if (q.attempts > 0 && count_used(db, user_id, course_id, item_path) >= q.attempts) {
		db_rollback(db);
		err_set(e, "no attempts left: this quiz allows %d", q.attempts);
		rc = ATTEMPT_ELIMIT;
		goto out;
	}
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO attempts(user_id, course_id, package_id, item_path, kind, seed, "
					  "layout, started_at, deadline_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	sqlite3_bind_int64(st, 3, ref.package_id);
	db_bind_text(st, 4, item_path);
	db_bind_text(st, 5, quiz_kind_name(q.kind));
	sqlite3_bind_int64(st, 6, (int64_t)seed);
	db_bind_text(st, 7, buf_str(&layout));
	sqlite3_bind_int64(st, 8, now);
	if (q.minutes > 0)
		sqlite3_bind_int64(st, 9, now + (int64_t)q.minutes * 60);
	else
		sqlite3_bind_null(st, 9);
	bool ok = db_step_done(st) == 0;
	db_finish(st);
	if (!ok) {
		err_set(e, "cannot start the attempt: %s", sqlite3_errmsg(db));
		db_rollback(db);
		rc = ATTEMPT_EFAIL;
		goto out;
	}
	*attempt_id = sqlite3_last_insert_rowid(db);
	ensure_enrolment(db, user_id, course_id, now);
	if (db_commit(db, e) < 0)
		rc = ATTEMPT_EFAIL;
out:
	buf_release(&layout);
	quiz_free(&q);
	return rc;
}

int attempt_save(sqlite3 *db, struct attempt *a, answer_get_fn get, void *ctx, struct err *e)
{
	int64_t now = now_s();
	if (a->submitted_at)
		return err_set(e, "this attempt was already submitted"), ATTEMPT_ECLOSED;
	if (past_deadline(a, now)) {
		int rc = submit_locked(db, a, now, e);
		if (rc < 0)
			return rc;
		return err_set(e, "the time for this attempt is over"), ATTEMPT_ECLOSED;
	}
	struct answer *ans;
	int rc = answers_from_getter(a, get, ctx, &ans, e);
	if (rc < 0)
		return rc;
	replace_answers(a, ans);
	struct buf b = BUF_INIT;
	answers_format(a, &b);
	db_durable(db, true);
	sqlite3_stmt *st = db_stmt(db, "UPDATE attempts SET answers = ? WHERE id = ? AND submitted_at IS NULL");
	db_bind_text(st, 1, buf_str(&b));
	sqlite3_bind_int64(st, 2, a->id);
	bool ok = db_step_done(st) == 0;
	bool changed = sqlite3_changes(db) > 0;
	db_finish(st);
	buf_release(&b);
	if (!ok)
		return err_set(e, "cannot save the answers: %s", sqlite3_errmsg(db)), ATTEMPT_EFAIL;
	if (!changed)
		return err_set(e, "this attempt was already submitted"), ATTEMPT_ECLOSED;
	return 0;
}

int attempt_submit(sqlite3 *db, struct attempt *a, answer_get_fn get, void *ctx, struct err *e)
{
	if (a->submitted_at)
		return 0; /* idempotent: the stored result stands */
	int64_t now = now_s();
	if (get && !past_deadline(a, now)) {
		struct answer *ans;
		int rc = answers_from_getter(a, get, ctx, &ans, e);
		if (rc < 0)
			return rc;
		replace_answers(a, ans);
	}
	/* Late: the answers sent now are ignored; those saved in time count. */
	return submit_locked(db, a, now, e);
}

int attempt_list(sqlite3 *db, int64_t user_id, const char *course_id, const char *item_path,
		 struct attempt_summary **out, int *n, struct err *e)
{
	(void)e;
	sqlite3_stmt *st = db_stmt(db, "SELECT id, started_at, submitted_at, score, passed, deadline_at FROM "
					  "attempts WHERE user_id = ? AND course_id = ? AND item_path = ? "
					  "ORDER BY id DESC LIMIT 1000");
	sqlite3_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_text(st, 3, item_path);
	int cap = 8, k = 0;
	struct attempt_summary *v = xmalloc((size_t)cap * sizeof *v);
	while (db_step_row(st) > 0) {
		if (k == cap) {
			cap *= 2;
			v = xrealloc(v, (size_t)cap * sizeof *v);
		}
		struct attempt_summary *s = &v[k++];
		s->id = sqlite3_column_int64(st, 0);
		s->started_at = sqlite3_column_int64(st, 1);
		s->submitted_at = sqlite3_column_int64(st, 2);
		s->score = s->submitted_at ? sqlite3_column_double(st, 3) : -1;
		s->passed = sqlite3_column_int(st, 4) != 0;
		int64_t dl = sqlite3_column_int64(st, 5);
		s->late = s->submitted_at && dl && s->submitted_at > dl + ATTEMPT_GRACE_S;
	}
	db_finish(st);
	*out = v;
	*n = k;
	return 0;
}

void quiz_status_release(struct quiz_status *st)
{
	free(st->title);
	memset(st, 0, sizeof *st);
}

int attempt_quiz_status(sqlite3 *db, int64_t user_id, const char *course_id, const char *item_path, const char *lang,
			struct quiz_status *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	out->best = -1;
	struct quiz_ref ref = {0};
	if (find_quiz(db, course_id, item_path, lang, &ref) < 0)
		return err_set(e, "no quiz '%s' in course '%s'", item_path, course_id), ATTEMPT_ENOTFOUND;
	struct quiz q;
	int rc = load_quiz(db, ref.package_id, item_path, &q, e);
	if (rc < 0) {
		free(ref.item_title);
		return rc;
	}
	out->package_id = ref.package_id;
	out->title = q.title && q.title[0] ? xstrdup(q.title) : xstrdup(ref.item_title);
	free(ref.item_title);
	out->kind = q.kind;
	out->pass_mark = effective_pass_mark(&q, ref.pass_mark);
	out->attempts_allowed = q.attempts;
	out->nquestions = asked(&q);
	out->minutes = q.minutes;
	quiz_free(&q);
	out->attempts_used = count_used(db, user_id, course_id, item_path);
	out->open_attempt = open_attempt(db, user_id, course_id, item_path);
	sqlite3_stmt *st = db_stmt(db, "SELECT max(score), max(passed) FROM attempts WHERE user_id = ? AND "
					  "course_id = ? AND item_path = ? AND submitted_at IS NOT NULL");
	sqlite3_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_text(st, 3, item_path);
	if (db_step_row(st) > 0 && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		out->best = sqlite3_column_double(st, 0);
		out->passed = sqlite3_column_int(st, 1) != 0;
	}
	db_finish(st);
	return 0;
}

/* ---------- JSON ---------- */

static const char *type_name(enum question_type t)
{
	static const char *const names[] = {"single", "multi", "short", "match", "numeric", "truefalse"};
	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "single";
}

static void json_num(struct buf *b, double v)
{
	buf_printf(b, "%.10g", v);
}

void attempt_write_json(struct buf *b, const struct attempt *a, int64_t now)
{
	buf_printf(b, "{\"id\":%lld,\"course_id\":", (long long)a->id);
	buf_json_str(b, a->course_id);
	buf_puts(b, ",\"item_path\":");
	buf_json_str(b, a->item_path);
	buf_puts(b, ",\"language\":");
	buf_json_str(b, a->language);
	buf_puts(b, ",\"title\":");
	buf_json_str(b, a->quiz.title);
	buf_printf(b, ",\"kind\":\"%s\",\"status\":\"%s\",\"pass_mark\":%d,\"started_at\":%lld", quiz_kind_name(a->kind),
		   a->submitted_at ? "submitted" : "open", a->pass_mark, (long long)a->started_at);
	if (a->deadline_at)
		buf_printf(b, ",\"deadline_at\":%lld,\"seconds_left\":%lld", (long long)a->deadline_at,
			   (long long)attempt_seconds_left(a, now));
	else
		buf_puts(b, ",\"deadline_at\":null,\"seconds_left\":null");
	buf_puts(b, ",\"questions\":[");
	for (int k = 0; k < a->nitems; k++) {
		const struct attempt_item *it = &a->items[k];
		const struct question *qu = &a->quiz.questions[it->question];
		const struct answer *an = &a->answers[k];
		buf_printf(b, "%s{\"key\":\"q%d\",\"type\":\"%s\",\"html\":", k ? "," : "", k, type_name(qu->type));
		buf_json_str(b, qu->html);
		buf_puts(b, ",\"text\":");
		buf_json_str(b, qu->text);
		if (qu->type == Q_MATCH) {
			buf_puts(b, ",\"pairs\":[");
			for (int j = 0; j < it->norder; j++) {
				buf_printf(b, "%s{\"id\":%d,\"left\":", j ? "," : "", it->order[j]);
				buf_json_str(b, qu->pairs[it->order[j]].left);
				buf_puts(b, "}");
			}
			buf_puts(b, "],\"choices\":[");
			for (int j = 0; j < it->nchoices; j++) {
				buf_printf(b, "%s{\"id\":%d,\"text\":", j ? "," : "", it->choices[j]);
				buf_json_str(b, qu->pairs[it->choices[j]].right);
				buf_puts(b, "}");
			}
			buf_puts(b, "]");
		} else if (it->norder) {
			buf_puts(b, ",\"options\":[");
			for (int j = 0; j < it->norder; j++) {
				const struct option *o = &qu->options[it->order[j]];
				buf_printf(b, "%s{\"id\":%d,\"html\":", j ? "," : "", it->order[j]);
				buf_json_str(b, o->html);
				buf_puts(b, ",\"text\":");
				buf_json_str(b, o->text);
				buf_puts(b, "}");
			}
			buf_puts(b, "]");
		}
		buf_puts(b, ",\"answer\":");
		if (!answer_given(an)) {
			buf_puts(b, "null");
		} else if (an->text) {
			buf_json_str(b, an->text);
		} else {
			buf_puts(b, "[");
			for (int j = 0; j < an->nchosen; j++)
				buf_printf(b, "%s%d", j ? "," : "", an->chosen[j]);
			buf_puts(b, "]");
		}
		buf_puts(b, "}");
	}
	buf_puts(b, "]}");
}

void attempt_result_json(struct buf *b, const struct attempt *a)
{
	buf_printf(b, "{\"id\":%lld,\"status\":\"%s\"", (long long)a->id, a->submitted_at ? "submitted" : "open");
	if (!a->submitted_at) {
		buf_puts(b, "}");
		return;
	}
	buf_puts(b, ",\"score\":");
	json_num(b, a->score);
	buf_printf(b, ",\"passed\":%s,\"late\":%s,\"pass_mark\":%d,\"submitted_at\":%lld,\"questions\":[",
		   a->passed ? "true" : "false", a->late ? "true" : "false", a->pass_mark, (long long)a->submitted_at);
	for (int k = 0; k < a->nitems; k++) {
		const struct attempt_item *it = &a->items[k];
		const struct question *qu = &a->quiz.questions[it->question];
		double sc = a->item_scores ? a->item_scores[k] : 0;
		buf_printf(b, "%s{\"key\":\"q%d\",\"type\":\"%s\",\"score\":", k ? "," : "", k, type_name(qu->type));
		json_num(b, sc);
		buf_printf(b, ",\"right\":%s,\"html\":", sc >= 0.9999 ? "true" : "false");
		buf_json_str(b, qu->html);
		buf_puts(b, ",\"feedback\":");
		buf_json_str(b, qu->feedback);
		switch (qu->type) {
		case Q_SINGLE:
		case Q_MULTI:
		case Q_TRUEFALSE:
			buf_puts(b, ",\"right_options\":[");
			for (size_t j = 0, c = 0; j < qu->noptions; j++)
				if (qu->options[j].right)
					buf_printf(b, "%s%zu", c++ ? "," : "", j);
			buf_puts(b, "],\"option_feedback\":{");
			for (size_t j = 0, c = 0; j < qu->noptions; j++) {
				if (!qu->options[j].feedback)
					continue;
				buf_printf(b, "%s\"%zu\":", c++ ? "," : "", j);
				buf_json_str(b, qu->options[j].feedback);
			}
			buf_puts(b, "}");
			break;
		case Q_SHORT:
			buf_puts(b, ",\"accepted\":[");
			for (size_t j = 0, c = 0; j < qu->noptions; j++) {
				if (!qu->options[j].right)
					continue;
				if (c++)
					buf_putc(b, ',');
				buf_json_str(b, qu->options[j].text);
			}
			buf_puts(b, "]");
			break;
		case Q_NUMERIC:
			buf_puts(b, ",\"accepted\":[");
			for (size_t j = 0; j < qu->nnums; j++) {
				buf_printf(b, "%s{\"min\":", j ? "," : "");
				json_num(b, qu->nums[j].min);
				buf_puts(b, ",\"max\":");
				json_num(b, qu->nums[j].max);
				buf_puts(b, ",\"weight\":");
				json_num(b, qu->nums[j].weight);
				buf_puts(b, "}");
			}
			buf_puts(b, "]");
			break;
		case Q_MATCH:
			buf_puts(b, ",\"pairs\":[");
			for (size_t j = 0, c = 0; j < qu->npairs; j++) {
				if (!qu->pairs[j].left[0])
					continue;
				buf_printf(b, "%s{\"id\":%zu,\"left\":", c++ ? "," : "", j);
				buf_json_str(b, qu->pairs[j].left);
				buf_puts(b, ",\"right\":");
				buf_json_str(b, qu->pairs[j].right);
				buf_puts(b, "}");
			}
			buf_puts(b, "]");
			break;
		}
		buf_puts(b, "}");
	}
	buf_puts(b, "]}");
}

/* ---------- item analysis ---------- */

struct tally {
	char *key;
	int n;
};

static void tally_add(struct tally **t, int *n, const char *key)
{
	for (int i = 0; i < *n; i++)
		if (strcmp((*t)[i].key, key) == 0) {
			(*t)[i].n++;
			return;
		}
	if (*n >= 200)
		return; /* enough distinct wrong answers to rank */
	*t = xrealloc(*t, ((size_t)*n + 1) * sizeof **t);
	(*t)[*n].key = xstrdup(key);
	(*t)[(*n)++].n = 1;
}

/* The wrong parts of one stored answer ("chosen" column), as display text. */
static void wrong_parts(const struct question *qu, const char *chosen, struct tally **t, int *nt)
{
	if (qu->type == Q_SHORT || qu->type == Q_NUMERIC) {
		char *norm = grade_text_norm(chosen);
		if (norm && norm[0])
			tally_add(t, nt, norm);
		free(norm);
		return;
	}
	const char *p = chosen;
	while (*p) {
		char *end;
		long x = strtol(p, &end, 10);
		if (end == p)
			break;
		p = end;
		if (qu->type == Q_MATCH && *p == ':') {
			long c = strtol(p + 1, &end, 10);
			p = end;
			if (x >= 0 && (size_t)x < qu->npairs && c >= 0 && (size_t)c < qu->npairs &&
			    strcmp(qu->pairs[x].right, qu->pairs[c].right) != 0) {
				char *s = xasprintf("%s -> %s", qu->pairs[x].left, qu->pairs[c].right);
				tally_add(t, nt, s);
				free(s);
			}
		} else if (qu->type != Q_MATCH && x >= 0 && (size_t)x < qu->noptions && !qu->options[x].right) {
			tally_add(t, nt, qu->options[x].text);
		}
		if (*p == ',')
			p++;
	}
}

const char *const item_sex_names[ITEM_NSEX] = {"female", "male", "other", "unspecified"};

void item_stats_free(struct item_stat *s, int n)
{
	for (int i = 0; i < n && s; i++)
		for (int k = 0; k < 3; k++)
			free(s[i].wrong[k]);
	free(s);
}

int attempt_item_analysis(sqlite3 *db, const char *course_id, const char *item_path, const char *lang,
			  struct quiz *q, struct item_stat **out, int *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	struct quiz_ref ref = {0};
	if (find_quiz(db, course_id, item_path, lang, &ref) < 0)
		return err_set(e, "no quiz '%s' in course '%s'", item_path, course_id), ATTEMPT_ENOTFOUND;
	free(ref.item_title);
	int rc = load_quiz(db, ref.package_id, item_path, q, e);
	if (rc < 0)
		return rc;
	int nq = (int)q->nquestions;
	struct item_stat *s = xcalloc((size_t)nq + 1, sizeof *s);
	struct tally **t = xcalloc((size_t)nq + 1, sizeof *t);
	int *nt = xcalloc((size_t)nq + 1, sizeof *nt);
	for (int i = 0; i < nq; i++)
		s[i].question = i;
	/* Each learner's first submitted attempt on this package: retakes would flatter the items. */
	sqlite3_stmt *st = db_stmt(db,
		"SELECT aa.question, aa.score, aa.chosen, u.sex FROM attempts a "
		"JOIN attempt_answers aa ON aa.attempt_id = a.id JOIN users u ON u.id = a.user_id "
		"WHERE a.package_id = ?1 AND a.item_path = ?2 AND a.submitted_at IS NOT NULL AND a.id = "
		"(SELECT min(x.id) FROM attempts x WHERE x.user_id = a.user_id AND x.package_id = ?1 AND "
		"x.item_path = ?2 AND x.submitted_at IS NOT NULL)");
	sqlite3_bind_int64(st, 1, ref.package_id);
	db_bind_text(st, 2, item_path);
	while (db_step_row(st) > 0) {
		int qi = sqlite3_column_int(st, 0);
		if (qi < 0 || qi >= nq)
			continue;
		bool right = sqlite3_column_double(st, 1) >= 0.9999;
		const char *sex = db_col_text(st, 3);
		struct item_stat *x = &s[qi];
		x->n++, x->right += right;
		int k = 0;
		while (k < ITEM_UNSPECIFIED && strcmp(sex, item_sex_names[k]) != 0)
			k++; /* anything unknown counts as unspecified */
		x->n_sex[k]++, x->right_sex[k] += right;
		if (!right)
			wrong_parts(&q->questions[qi], db_col_text(st, 2), &t[qi], &nt[qi]);
	}
	db_finish(st);
	for (int i = 0; i < nq; i++) {
		for (int k = 0; k < 3; k++) {
			int best = -1;
			for (int j = 0; j < nt[i]; j++)
				if (t[i][j].n > 0 && (best < 0 || t[i][j].n > t[i][best].n ||
						      (t[i][j].n == t[i][best].n && strcmp(t[i][j].key, t[i][best].key) < 0)))
					best = j;
			if (best < 0)
				break;
			s[i].wrong[k] = xstrdup(t[i][best].key);
			s[i].wrong_n[k] = t[i][best].n;
			t[i][best].n = -1;
		}
		for (int j = 0; j < nt[i]; j++)
			free(t[i][j].key);
		free(t[i]);
	}
	free(t);
	free(nt);
	*out = s;
	*n = nq;
	return 0;
}
