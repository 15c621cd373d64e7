/*
 * A course's lessons as one A4 PDF to read with no signal (GET /courses/:id/offline.pdf): the lessons'
 * Markdown walked with cmark-gfm's iterator (never recursively), laid out with Pango (HarfBuzz shapes
 * Khmer; the fonts of lib/textrender.h) and drawn with Cairo, so the text is real, selectable text with
 * subset fonts. Headings, paragraphs with bold, italic, code and links, lists (nested up to a depth,
 * deeper ones keep the last indent), block quotes, code blocks, rules, pipe tables and the package's
 * images (scaled to the page's width; a JPEG is embedded as it is) are drawn; raw HTML is not (cmark's
 * safe mode shows it as nothing either). The first page has the course title, the learner's name, the
 * date, a note and the outline; every lesson starts on a new page; pages are numbered. Quizzes are
 * listed in the outline only.
 */
#ifndef SALA_OFFLINE_PDF_H
#define SALA_OFFLINE_PDF_H
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "courses/learn.h"
#include "lib/buf.h"
#include "lib/err.h"

/* The largest PDF made (bytes), and the largest image drawn; a larger image is left out (its alt text stays). */
#define OFFLINE_PDF_MAX_BYTES (24u * 1024 * 1024)
#define OFFLINE_PDF_MAX_IMAGE (4u * 1024 * 1024)
/* The most pages made: a course that needs more is refused as too large (hundreds of lessons' worth). */
#define OFFLINE_PDF_MAX_PAGES 1500

/* What the first page says, in the reader's language (the caller translates); NULL fields are left out. */
struct offline_pdf_text {
	const char *course_title;
	const char *language;	 /* the package's language tag ("km", "en"): the lessons' text */
	const char *ui_language; /* the reader's language tag: the texts below */
	const char *learner;	 /* "Prepared for Sok Dara" */
	const char *date;	 /* the day it was made, as the reader reads dates */
	const char *note;	 /* "Reading offline is not recorded: ..." */
	const char *outline;	 /* the outline's heading */
	const char *quiz;	 /* said after a quiz in the outline: "(quiz: take it online)" */
	const char *page;	 /* the footer's word before the page number: "Page" */
};

/*
 * Appends the PDF of the lessons among items[0..n) (learn_outline() of package_id) to out. Holds the
 * text renderer's lock while a lesson is drawn. 0; ERR_LIMIT when the PDF would pass
 * OFFLINE_PDF_MAX_BYTES or need more than OFFLINE_PDF_MAX_PAGES; ERR_UNAVAILABLE when a lesson cannot
 * be read from the database; ERR_FAIL with a message when memory is short or Cairo fails. On failure
 * out is as it was.
 */
int offline_pdf(struct db *db, int64_t package_id, const struct learn_item *items, size_t n,
		const struct offline_pdf_text *t, struct buf *out, struct err *e);

#endif
