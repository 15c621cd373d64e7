/*
 * Site settings kept in the database (table settings): the issuing authority,
 * the certificate template, the public address, the package upload limits and
 * the proxies trusted to name the client's address. One table describes every
 * key, its default and how it is checked; unknown keys are refused.
 */
#ifndef SALA_SETTINGS_H
#define SALA_SETTINGS_H
#include <stdbool.h>
#include <stddef.h>

#include "lib/db.h"
#include "lib/err.h"

enum setting_type {
	SETTING_TEXT,
	SETTING_COLOR,
	SETTING_URL,
	SETTING_PNG_PATH,
	SETTING_INT,
	SETTING_ADDRESSES,
	SETTING_TOKEN
};

struct setting_def {
	const char *name;
	enum setting_type type;
	const char *def; /* default when unset ("" = none) */
	const char *help;
	long long min, max; /* SETTING_INT: the accepted range */
};

/*
 * True for a secret (SETTING_TOKEN: metrics_token): pages never show its value, only whether it is set and
 * its last SETTING_SECRET_SHOWN characters.
 */
#define SETTING_SECRET_SHOWN 4
bool setting_secret(const struct setting_def *d);
/* The table of known settings, n entries. */
const struct setting_def *settings_table(size_t *n);
/* The definition of name, or NULL. */
const struct setting_def *setting_find(const char *name);
/* Checks value for the setting; -1 with a message naming the key. */
int setting_check(const struct setting_def *d, const char *value, struct err *e);
/* Checks and stores; an empty value removes the setting (its default applies). */
int setting_set(struct db *db, const char *name, const char *value, struct err *e);
/* The stored value or the default; caller frees. */
char *setting_value(struct db *db, const char *name);

#endif
