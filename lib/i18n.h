/*
 * The message catalogue. Interface text is written in English in the code and
 * looked up here for Khmer; each area registers its own table at start-up,
 * before any thread runs. Khmer entries are drafts awaiting native review.
 */
#ifndef SALA_I18N_H
#define SALA_I18N_H
#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

struct msg {
	const char *en;
	const char *km;
};

/* Adds a table (kept by reference; must live for the whole run). Not thread-safe: call at start-up. */
void i18n_register(const struct msg *table, size_t n);
/*
 * The English texts registered more than once with different Khmer (the lookup would give either one):
 * fn is called once per such pair of entries. Returns how many there are; 0 for a sound catalogue.
 */
size_t i18n_conflicts(void (*fn)(void *ctx, const char *en, const char *km1, const char *km2), void *ctx);
/* The text for lang ("en" or "km"); falls back to en. The result is static. */
const char *tr(const char *lang, const char *en);
/*
 * The English text of a catalogue text given in any language (the Khmer of an entry gives its English);
 * text itself when it is English or not in the catalogue. Linear: for error paths only.
 */
const char *i18n_english(const char *text);
/* "km" or "en" from an Accept-Language header value (NULL gives "km"). */
const char *i18n_negotiate(const char *accept_language);
/* True when lang is one of the interface languages. */
int i18n_known(const char *lang);

/*
 * Digits for lang: in Khmer, each ASCII digit of s as a Khmer digit (2026 -> ២០២៦), the rest as it is;
 * otherwise s unchanged. Appended to b.
 */
void i18n_digits(struct buf *b, const char *lang, const char *s);
/*
 * A date (YYYY-MM-DD) for people in lang, appended to b: "5 January 2026", or in Khmer
 * "ថ្ងៃទី៥ ខែមករា ឆ្នាំ២០២៦" (Khmer digits and month names). Returns false, and appends day as it is,
 * when day is not such a date.
 */
bool i18n_date(struct buf *b, const char *lang, const char *day);

#endif
