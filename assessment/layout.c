/*
 * Attempt layout: which questions are asked and in what order, drawn and
 * shuffled from the attempt's seed, and its stored form
 *   attempts.layout   "Q:o,o,o/c,c;Q:..."  (question index, option or pair order, matching choices)
 */
#include "assessment/attempt_private.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

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

void attempt_item_release(struct attempt_item *it)
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

void attempt_layout_build(const struct quiz *q, uint64_t seed, struct attempt_item **out, int *nout)
{
	uint64_t s = seed;
	int n = (int)q->nquestions, k = attempt_quiz_asked(q);
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

void attempt_layout_format(const struct attempt_item *items, int n, struct buf *b)
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
int attempt_int_list(const char **pp, const char *stop, int *v, int max)
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

int attempt_layout_parse(const char *s, const struct quiz *q, struct attempt_item **out, int *nout)
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
		int m = attempt_int_list(&p, ";/", tmp, QUIZ_MAX_OPTIONS);
		int limit = qu->type == Q_MATCH ? (int)qu->npairs : (int)qu->noptions;
		if (m < 0 || !valid_perm(tmp, m, limit > 0 ? limit : 0))
			goto bad;
		it->norder = m;
		it->order = xmalloc(((size_t)m + 1) * sizeof *it->order);
		memcpy(it->order, tmp, (size_t)m * sizeof *tmp);
		if (*p == '/') {
			p++;
			m = attempt_int_list(&p, ";", tmp, QUIZ_MAX_OPTIONS);
			if (m < 0 || qu->type != Q_MATCH || !valid_perm(tmp, m, (int)qu->npairs))
				goto bad;
			it->nchoices = m;
			it->choices = xmalloc(((size_t)m + 1) * sizeof *it->choices);
			memcpy(it->choices, tmp, (size_t)m * sizeof *tmp);
		}
		if (*p == ';')
			p++;
	}
	if (n == 0)
		goto bad;
	*out = items;
	*nout = n;
	return 0;
bad:
	for (int i = 0; i < n; i++)
		attempt_item_release(&items[i]);
	free(items);
	return -1;
}
