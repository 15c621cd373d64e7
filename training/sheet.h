/*
 * The printable sign-in sheet of a workshop day, for rooms with no connection: A4 portrait PDF drawn with
 * Cairo and Pango (HarfBuzz shapes Khmer; the text is embedded with subset fonts, so it can be searched
 * and copied). Every page has the session's title, code, venue, the day's date and times, and a footer
 * with the page number; one row per registered person with their Khmer and Latin names, position, org
 * unit, a signature box and their row code, which a clerk keys in afterwards (checkin_sheet_keyin()).
 */
#ifndef SALA_TRAINING_SHEET_H
#define SALA_TRAINING_SHEET_H
#include <stdint.h>
#include "lib/db.h"

#include "lib/buf.h"
#include "lib/err.h"

/*
 * Appends the sheet of day of workshop_id (day 0: every day, each starting on a new page) to out.
 * 0; ERR_NOTFOUND (no such workshop or day); ERR_FAIL with a message (out of memory, a text that
 * cannot be laid out); ERR_UNAVAILABLE (the database cannot be read). On failure out is as it was.
 */
int workshop_sheet_pdf(struct db *db, int64_t workshop_id, int day, struct buf *out, struct err *e);

#endif
