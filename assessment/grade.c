/* Pure grading: scores in 0..1, text comparison through libunistring. */
#include "assessment/grade.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

#include "lib/buf.h"
#include "lib/xmalloc.h"

static double clamp01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

bool answer_given(const struct answer *ans)
{
	if (!ans)
		return false;
	if (ans->text)
		return ans->text[0] != '\0';
	for (int i = 0; i < ans->nchosen; i++)
		if (ans->chosen[i] >= 0)
			return true;
	return false;
}

void answer_release(struct answer *ans)
{
	free(ans->chosen);
	free(ans->text);
	memset(ans, 0, sizeof *ans);
}

char *grade_text_norm(const char *s)
{
	size_t n = strlen(s);
	if (u8_check((const uint8_t *)s, n))
		return NULL;
	size_t flen = 0;
	/* Case folding with NFC applied to the result: composed and decomposed input meet. */
	uint8_t *f = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFC, NULL, &flen);
	if (!f)
		return NULL;
	struct buf b = BUF_INIT;
	bool space = false;
	for (size_t i = 0; i < flen;) {
		ucs4_t c;
		int k = u8_mbtouc(&c, f + i, flen - i);
		if (k <= 0)
			break;
		/* Zero-width space and joiners are invisible in typed Khmer: drop them. */
		if (c == 0x200B || c == 0x200C || c == 0x200D || c == 0xFEFF) {
			i += (size_t)k;
			continue;
		}
		bool ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0 || c == 0x3000 ||
			  (c >= 0x2000 && c <= 0x200A);
		if (ws) {
			space = true;
		} else {
			if (space && b.len)
				buf_putc(&b, ' ');
			space = false;
			buf_add(&b, f + i, (size_t)k);
		}
		i += (size_t)k;
	}
	free(f);
	char *r = xstrdup(buf_str(&b));
	buf_release(&b);
	return r;
}

bool grade_text_equal(const char *expected, const char *given)
{
	if (!expected || !given)
		return false;
	char *a = grade_text_norm(expected), *b = grade_text_norm(given);
	bool eq = a && b && a[0] && strcmp(a, b) == 0;
	free(a);
	free(b);
	return eq;
}

int grade_parse_number(const char *s, double *out)
{
	char tmp[64];
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p && n + 1 < sizeof tmp; p++) {
		/* Khmer digits U+17E0..U+17E9 are E1 9F A0..A9. */
		if (p[0] == 0xE1 && p[1] == 0x9F && p[2] >= 0xA0 && p[2] <= 0xA9) {
			tmp[n++] = (char)('0' + (p[2] - 0xA0));
			p += 2;
			continue;
		}
		if (*p == ' ' || *p == '\t')
			continue;
		if (*p == ',') {
			/* A thousands separator when exactly three digits follow, else the decimal mark. */
			size_t d = 0;
			while (p[1 + d] >= '0' && p[1 + d] <= '9')
				d++;
			if (d == 3 && (p[4] == '\0' || p[4] == ',' || p[4] == '.' || p[4] == ' '))
				continue;
			tmp[n++] = '.';
			continue;
		}
		if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '+' || *p == 'e' || *p == 'E'))
			return -1;
		tmp[n++] = (char)*p;
	}
	if (*p || n == 0)
		return -1;
	tmp[n] = '\0';
	char *end;
	double v = strtod(tmp, &end);
	if (*end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

static double grade_choice(const struct question *q, const struct answer *ans)
{
	if (q->type != Q_MULTI) {
		if (ans->nchosen != 1 || ans->chosen[0] < 0 || (size_t)ans->chosen[0] >= q->noptions)
			return 0;
		return clamp01(q->options[ans->chosen[0]].weight);
	}
	double sum = 0;
	for (int i = 0; i < ans->nchosen; i++) {
		int c = ans->chosen[i];
		if (c < 0 || (size_t)c >= q->noptions)
			return 0;
		bool dup = false;
		for (int j = 0; j < i; j++)
			dup |= ans->chosen[j] == c;
		if (!dup)
			sum += q->options[c].weight;
	}
	/* Round away float noise so that 3 of 3 right ticks give exactly 1. */
	sum = round(sum * 1e9) / 1e9;
	return clamp01(sum);
}

static double grade_short(const struct question *q, const struct answer *ans)
{
	if (!ans->text)
		return 0;
	double best = 0;
	for (size_t i = 0; i < q->noptions; i++)
		if (q->options[i].weight > best && grade_text_equal(q->options[i].text, ans->text))
			best = q->options[i].weight;
	return clamp01(best);
}

static double grade_numeric(const struct question *q, const struct answer *ans)
{
	double v;
	if (!ans->text || grade_parse_number(ans->text, &v) < 0)
		return 0;
	double best = 0;
	for (size_t i = 0; i < q->nnums; i++) {
		const struct numeric *nu = &q->nums[i];
		double eps = 1e-9 * (fabs(nu->min) + fabs(nu->max) + 1);
		if (v >= nu->min - eps && v <= nu->max + eps && nu->weight > best)
			best = nu->weight;
	}
	return clamp01(best);
}

static double grade_match(const struct question *q, const struct answer *ans)
{
	if (ans->nchosen != (int)q->npairs)
		return 0;
	int lefts = 0, right = 0;
	for (size_t i = 0; i < q->npairs; i++) {
		if (!q->pairs[i].left[0])
			continue; /* a distractor choice, not a question */
		lefts++;
		int c = ans->chosen[i];
		if (c >= 0 && (size_t)c < q->npairs && strcmp(q->pairs[c].right, q->pairs[i].right) == 0)
			right++;
	}
	return lefts ? (double)right / lefts : 0;
}

double grade_question(const struct question *q, const struct answer *ans)
{
	if (!q || !ans)
		return 0;
	switch (q->type) {
	case Q_SINGLE:
	case Q_MULTI:
	case Q_TRUEFALSE:
		return grade_choice(q, ans);
	case Q_SHORT:
		return grade_short(q, ans);
	case Q_NUMERIC:
		return grade_numeric(q, ans);
	case Q_MATCH:
		return grade_match(q, ans);
	}
	return 0;
}
