/* Helpers shared by the learner pages (h_courses.c) and the JSON API (h_api.c). */
#ifndef SALA_H_LEARN_H
#define SALA_H_LEARN_H
#include "courses/learn.h"
#include "lib/buf.h"
#include "server/http.h"

/* Registers the learner pages' message table (Khmer drafts). */
void h_learn_messages_register(void);

/* Appends the URL of a course (type NULL), or of its lesson or quiz at path, percent-encoded. */
void h_learn_href(struct buf *b, const char *course_id, const char *type, const char *path);
/* "English" or "ខ្មែរ" for a language code (each in its own language). */
const char *h_learn_lang_name(const char *code);
/* "English", "Khmer" (or the code of another language) named in the page's language: "អង់គ្លេស" in Khmer. */
const char *h_learn_lang_label(struct req *r, const char *code);
/*
 * GET /courses/:id/offline.html (server/h_offline.c): the course's lessons in the learner's package as one
 * self-contained HTML file (images inlined, stylesheet inlined, no JavaScript), for enrolled learners.
 */
int h_learn_offline(struct req *r);
/*
 * GET /courses/:id/offline.pdf (server/h_offline.c): the same lessons as an A4 PDF with the course title and
 * the learner's name on its first page (courses/offline_pdf.h), for enrolled learners; 413 past
 * OFFLINE_PDF_MAX_BYTES. Records nothing, as the HTML file.
 */
int h_learn_offline_pdf(struct req *r);
/* Registers the offline PDF's message table (Khmer drafts): server/msgs_offline.c. */
void offline_messages_register(void);
/* Registers the learner journey's message table (Khmer drafts): server/msgs_journey.c. */
void journey_messages_register(void);
/*
 * Opens the lesson r->param[1] of course r->param[0] for the logged-in user
 * with one domain call, learn_lesson_view() (which records a first reading),
 * and makes the page's ETag (33 bytes). l->html is NULL on a page whose body
 * is in the response cache; the JSON API always gets it. The codes of
 * learn_lesson_view(): ERR_NOTFOUND, ERR_UNAVAILABLE, ERR_CONFLICT (a quiz).
 */
int h_learn_open_lesson(struct req *r, struct learn_lesson *l, char etag[33]);
/*
 * Assigns course_id to org_code (everyone below it) and/or to usernames
 * (separated by spaces, commas or new lines) on behalf of r->user, within
 * their scope, with the due day due (YYYY-MM-DD; NULL or "" for none: a day
 * before today, or not a date, is refused and nothing is assigned). Lines of
 * what was done and of problems are appended. Returns the HTTP status: 200,
 * 403 when everything was out of scope, 422 on problems.
 */
int h_learn_assign(struct req *r, const char *course_id, const char *org_code, const char *usernames, const char *due,
		   struct buf *done, struct buf *problems);

#endif
