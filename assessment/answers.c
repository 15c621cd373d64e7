/*
 * Attempt answers: from form or JSON keys (answer_get_fn) into struct answer,
 * and their stored forms
 *   attempts.answers          one line per item "K c 1,3" or "K t TEXT" (text %-escaped)
 *   attempt_answers.chosen    option indices, "pair:choice" pairs, or the text
 */
#include "assessment/attempt_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "lib/xmalloc.h"

#define ANSWER_TEXT_MAX 1000

void attempt_answers_format(const struct attempt *a, struct buf *b)
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
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
				      : -1;
}

void attempt_answers_parse(struct attempt *a, const char *s)
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
				int m = attempt_int_list(&p, "", tmp, QUIZ_MAX_OPTIONS);
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
		return qu->type != Q_MULTI && qu->type != Q_MATCH && qu->type != Q_DESCRIPTION;
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
int attempt_answers_from_getter(const struct attempt *a, answer_get_fn get, void *ctx, struct answer **out,
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
		case Q_ESSAY:
			snprintf(key, sizeof key, "q%d", k);
			val = get(ctx, key);
			if (!val || !val[strspn(val, " \t\r\n")])
				break; /* blank: unanswered */
			if (strlen(val) > ATTEMPT_ESSAY_MAX) {
				err_set(e, "the answer to question %d is too long (%zu bytes; at most %d)", k + 1,
					strlen(val), ATTEMPT_ESSAY_MAX);
				for (int j = 0; j < a->nitems; j++)
					answer_release(&ans[j]);
				free(ans);
				return ATTEMPT_ETOOLONG;
			}
			if (!utf8_valid(val, strlen(val)))
				goto bad;
			an->text = xstrdup(val); /* as written: nothing trimmed or rewritten */
			break;
		case Q_DESCRIPTION:
			break; /* nothing to answer */
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
	err_set(e, "the answer '%s' does not belong to this quiz", key);
	for (int j = 0; j < a->nitems; j++)
		answer_release(&ans[j]);
	free(ans);
	return ATTEMPT_EBADANSWER;
}

void attempt_answers_replace(struct attempt *a, struct answer *ans)
{
	for (int k = 0; k < a->nitems; k++)
		answer_release(&a->answers[k]);
	free(a->answers);
	a->answers = ans;
}

/* The chosen column of attempt_answers: option indices, "pair:choice" pairs, or the text. */
void attempt_chosen_text(const struct question *qu, const struct answer *an, struct buf *b)
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
