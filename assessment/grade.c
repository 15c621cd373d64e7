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

/* grade_text_norm(), with case kept when fold is false. */
static char *text_norm(const char *s, bool fold)
{
	size_t n = strlen(s);
	if (u8_check((const uint8_t *)s, n))
		return NULL;
	size_t flen = 0;
	/* Case folding with NFC applied to the result: composed and decomposed input meet. */
	uint8_t *f = fold ? u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFC, NULL, &flen)
			  : u8_normalize(UNINORM_NFC, (const uint8_t *)s, n, NULL, &flen);
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

char *grade_text_norm(const char *s)
{
	return text_norm(s, true);
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

/* Does s[0..n) occur in the normalised pattern's literal form? Copies bit with "\*" read as '*'. */
static size_t literal(const char *p, size_t n, char *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n && p[i + 1] == '*')
			i++;
		out[k++] = p[i];
	}
	out[k] = '\0';
	return k;
}

bool grade_text_match(const char *pattern, const char *given, bool case_sensitive)
{
	if (!pattern || !given)
		return false;
	char *p = text_norm(pattern, !case_sensitive), *g = text_norm(given, !case_sensitive);
	bool ok = false;
	if (!p || !g || !g[0])
		goto out;
	/* Moodle: runs of unescaped '*' match any text, "\*" is a star, the rest matches exactly, anchored. */
	size_t pn = strlen(p), gn = strlen(g);
	char *bit = xmalloc(pn + 1);
	size_t gi = 0, i = 0;
	bool first = true;
	ok = true;
	while (ok) {
		size_t j = i;
		while (j < pn && !(p[j] == '*' && (j == 0 || p[j - 1] != '\\')))
			j++;
		size_t bl = literal(p + i, j - i, bit);
		bool last = j >= pn;
		if (first && last) {
			ok = bl == gn && memcmp(bit, g, bl) == 0;
		} else if (first) {
			ok = bl <= gn && memcmp(bit, g, bl) == 0;
			gi = bl;
		} else if (last) {
			ok = gn - gi >= bl && memcmp(bit, g + gn - bl, bl) == 0;
		} else if (bl) {
			char *at = strstr(g + gi, bit);
			ok = at != NULL;
			if (ok)
				gi = (size_t)(at - g) + bl;
		}
		if (last)
			break;
		first = false;
		i = j;
		while (i < pn && p[i] == '*')
			i++;
	}
	free(bit);
out:
	free(p);
	free(g);
	return ok;
}

static double grade_short(const struct question *q, const struct answer *ans)
{
	if (!ans->text)
		return 0;
	double best = 0;
	for (size_t i = 0; i < q->noptions; i++) {
		const struct option *o = &q->options[i];
		if (q->wildcard) {
			/* Moodle: the first accepted answer that matches gives the score, even a lower one. */
			if (grade_text_match(o->text, ans->text, q->case_sensitive))
				return clamp01(o->weight);
		} else if (o->weight > best && grade_text_equal(o->text, ans->text)) {
			best = o->weight;
		}
	}
	return clamp01(best);
}

int grade_short_match(const struct question *q, const char *given)
{
	for (size_t i = 0; given && i < q->noptions; i++)
		if (q->wildcard ? grade_text_match(q->options[i].text, given, q->case_sensitive)
				: grade_text_equal(q->options[i].text, given))
			return (int)i;
	return -1;
}

int grade_numeric_match(const struct question *q, const char *given)
{
	double v;
	if (!given || grade_parse_number(given, &v) < 0)
		return -1;
	for (size_t i = 0; i < q->nnums; i++) {
		const struct numeric *nu = &q->nums[i];
		double eps = 1e-9 * (fabs(nu->min) + fabs(nu->max) + 1);
		if (nu->any || (v >= nu->min - eps && v <= nu->max + eps))
			return (int)i;
	}
	return -1;
}

static double grade_numeric(const struct question *q, const struct answer *ans)
{
	/* As Moodle: the first answer whose range holds the number ("*" holds any) gives the score. */
	int i = grade_numeric_match(q, ans->text);
	return i < 0 ? 0 : clamp01(q->nums[i].weight);
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
	case Q_ESSAY:
	case Q_DESCRIPTION:
		return 0;
	}
	return 0;
}

bool grade_scored(const struct question *q)
{
	return q->type != Q_DESCRIPTION;
}
