#include "lib/i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/xmalloc.h"

static const struct msg **entries;
static size_t nentries;

static int cmp(const void *a, const void *b)
{
	return strcmp((*(const struct msg *const *)a)->en, (*(const struct msg *const *)b)->en);
}

void i18n_register(const struct msg *table, size_t n)
{
	entries = xrealloc(entries, (nentries + n) * sizeof *entries);
	for (size_t i = 0; i < n; i++)
		entries[nentries++] = &table[i];
	qsort(entries, nentries, sizeof *entries, cmp);
}

size_t i18n_conflicts(void (*fn)(void *ctx, const char *en, const char *km1, const char *km2), void *ctx)
{
	size_t n = 0;
	/* entries is sorted by English text: the same text's entries are neighbours. */
	for (size_t i = 1; i < nentries; i++) {
		const struct msg *a = entries[i - 1], *b = entries[i];
		if (strcmp(a->en, b->en) != 0 || strcmp(a->km ? a->km : "", b->km ? b->km : "") == 0)
			continue;
		n++;
		if (fn)
			fn(ctx, a->en, a->km ? a->km : "", b->km ? b->km : "");
	}
	return n;
}

const char *tr(const char *lang, const char *en)
{
	if (!lang || strcmp(lang, "km") != 0 || !nentries)
		return en;
	struct msg key = {en, NULL};
	const struct msg *kp = &key;
	const struct msg **hit = bsearch(&kp, entries, nentries, sizeof *entries, cmp);
	return hit && (*hit)->km && *(*hit)->km ? (*hit)->km : en;
}

const char *i18n_negotiate(const char *al)
{
	if (!al || !*al)
		return "km";
	/* Take the first listed language we know, ignoring q-values order subtleties
	 * beyond "first mention wins" as browsers list by preference. */
	const char *p = al;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncasecmp(p, "km", 2) == 0 && (p[2] == '\0' || p[2] == '-' || p[2] == ';' || p[2] == ','))
			return "km";
		if (strncasecmp(p, "en", 2) == 0 && (p[2] == '\0' || p[2] == '-' || p[2] == ';' || p[2] == ','))
			return "en";
		while (*p && *p != ',')
			p++;
	}
	return "en";
}

int i18n_known(const char *lang)
{
	return lang && (strcmp(lang, "en") == 0 || strcmp(lang, "km") == 0);
}

const char *i18n_english(const char *text)
{
	if (!text)
		return NULL;
	for (size_t i = 0; i < nentries; i++)
		if (entries[i]->km && strcmp(entries[i]->km, text) == 0)
			return entries[i]->en;
	return text;
}

void i18n_digits(struct buf *b, const char *lang, const char *s)
{
	static const char *const d[] = {"០", "១", "២", "៣", "៤", "៥", "៦", "៧", "៨", "៩"};
	bool km = lang && strcmp(lang, "km") == 0;
	for (; *s; s++)
		if (km && *s >= '0' && *s <= '9')
			buf_puts(b, d[*s - '0']);
		else
			buf_putc(b, *s);
}

static const char *const months_en[] = {"January", "February", "March",	    "April",   "May",	   "June",
					"July",	   "August",   "September", "October", "November", "December"};
static const char *const months_km[] = {"មករា",	 "កុម្ភៈ", "មីនា",	 "មេសា", "ឧសភា",  "មិថុនា",
					"កក្កដា", "សីហា",	 "កញ្ញា", "តុលា",	 "វិច្ឆិកា", "ធ្នូ"};

bool i18n_date(struct buf *b, const char *lang, const char *day)
{
	int y = 0, m = 0, d = 0;
	if (!day || sscanf(day, "%d-%d-%d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31) {
		buf_puts(b, day ? day : "");
		return false;
	}
	char num[16];
	if (!lang || strcmp(lang, "km") != 0) {
		buf_printf(b, "%d %s %d", d, months_en[m - 1], y);
		return true;
	}
	buf_puts(b, "ថ្ងៃទី");
	snprintf(num, sizeof num, "%d", d);
	i18n_digits(b, "km", num);
	buf_printf(b, " ខែ%s ឆ្នាំ", months_km[m - 1]);
	snprintf(num, sizeof num, "%d", y);
	i18n_digits(b, "km", num);
	return true;
}
