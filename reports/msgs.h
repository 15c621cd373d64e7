/*
 * The reports' texts in the catalogue (lib/i18n): the figures' names, headings and definitions in English
 * and Khmer, shared by the dashboard (server/), the workbooks (reports/xlsx.c) and `sala report` (cli/),
 * so each says the same in both languages.
 */
#ifndef SALA_REPORTS_MSGS_H
#define SALA_REPORTS_MSGS_H
#include <stddef.h>

#include "lib/i18n.h"

/* Registers the table (at start-up, before threads run; a second call does nothing). */
void report_messages_register(void);

/*
 * The definitions of the figures ("Counts are of distinct learners: ..."), English catalogue keys in the
 * order they are shown; n gets their number. Static.
 */
const char *const *report_definitions(size_t *n);

#endif
