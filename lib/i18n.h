/*
 * The message catalogue. Interface text is written in English in the code and
 * looked up here for Khmer; each area registers its own table at start-up,
 * before any thread runs. Khmer entries are drafts awaiting native review.
 */
#ifndef SALA_I18N_H
#define SALA_I18N_H
#include <stddef.h>

struct msg {
	const char *en;
	const char *km;
};

/* Adds a table (kept by reference; must live for the whole run). Not thread-safe: call at start-up. */
void i18n_register(const struct msg *table, size_t n);
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

#endif
