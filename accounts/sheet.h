/*
 * Activation sheets: a PDF of slips to cut and hand out at a workshop, one
 * per person waiting for activation, with their name in Khmer and Latin,
 * username, a fresh activation code and the site's address. Text is shaped
 * with the certificate machinery (libraqm, FreeType) into page images, and an
 * invisible text layer (libharu) makes the slips searchable and copyable.
 */
#ifndef SALA_SHEET_H
#define SALA_SHEET_H
#include "lib/db.h"

#include "lib/audit.h"
#include "lib/buf.h"
#include "lib/err.h"

/*
 * Issues new activation codes to everyone below org_code (inclusive) still
 * waiting for activation (users_activation_batch) and writes the sheet to out
 * (appended). *n gets the number of slips. Older codes of those people stop
 * working once this returns 0; on failure nothing changes. who: the audit
 * entry committed with the codes (users_activation_batch).
 */
int activation_sheet_pdf(struct db *db, const char *org_code, struct buf *out, int *n, const struct audit_who *who,
			 struct err *e);

#endif
