#include "lib/i18n.h"

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
