/*
 * Page layout and small HTML helpers shared by every handler. Everything is
 * escaped by default; raw HTML goes through buf_puts() only where the text is
 * our own markup or HTML rendered by cmark in safe mode at import.
 */
#ifndef SALA_VIEWS_H
#define SALA_VIEWS_H
#include "lib/buf.h"
#include "server/http.h"

/* The versioned URL of the one stylesheet (immutable, cached for a year). */
const char *css_url(void);
/* The stylesheet itself (static), *len its length: for pages saved whole (a course for reading offline). */
const char *view_css(size_t *len);

/* Opens the page: doctype, <html lang>, head, skip link, header with navigation and language switcher, <main>. */
void page_begin(struct req *r, struct buf *b, const char *title);
/*
 * The same for `sala preview`, which has no accounts and serves only GET: the
 * header links to the start page and to this page in each language (?lang=).
 */
void page_begin_preview(struct req *r, struct buf *b, const char *title);
/* Closes <main>, footer, </html>. */
void page_end(struct req *r, struct buf *b);
/* Sends b as a page with status. */
int page_send(struct req *r, int status, struct buf *b);
/*
 * An error: a small HTML page, msg shown as-is (escaped); or under /api/ {"error": msg} in the language
 * of resp_error_lang() (msg, in English or in any language of the catalogue, is looked up there; a text
 * not in the catalogue is sent as it is).
 */
int resp_error(struct req *r, int status, const char *msg);
/* The language of API errors: ?lang=, else the request's Accept-Language, else English (never the account's). */
const char *resp_error_lang(struct req *r);

/* Shorthand for tr(r->lang, en). */
const char *T(struct req *r, const char *en);

/* <form method=post action=...> with the CSRF field. */
void form_begin(struct req *r, struct buf *b, const char *action);
/* A labelled input: type is "text", "password", "email", "date", "number"... */
void field_input(struct buf *b, const char *name, const char *label, const char *type, const char *value, bool required,
		 const char *autocomplete);
/* A labelled <select>; options are pairs value,label ending with NULL. */
void field_select(struct buf *b, const char *name, const char *label, const char *selected, const char *const *options);
void form_submit(struct buf *b, const char *label);

/*
 * The errors of a submitted form, one per field, for showing the form again
 * with what was typed: each message sits under its field's label (id
 * "f-NAME-err"), the field has aria-invalid and aria-describedby, and the
 * first one has autofocus, so focus moves there without JavaScript. Messages
 * are borrowed (translated text or the request's arena).
 */
#define FORM_ERRS_MAX 8
struct form_errs {
	struct {
		const char *field, *msg;
	} e[FORM_ERRS_MAX];
	int n;
};
/* Adds the error of one field (a second one for the same field, or more than FORM_ERRS_MAX, is dropped). */
void form_errs_add(struct form_errs *fe, const char *field, const char *msg);
/* The error of field, or NULL. */
const char *form_errs_get(const struct form_errs *fe, const char *field);
/*
 * A domain module's message (English, lower-case, naming the field as the
 * form does: "org_code is empty", "email 'x' is not an address") as the error
 * of one of fields (a NULL-terminated list; the longest name found in msg,
 * else the first field), said in the page's language where the kind of
 * problem is known, else the message itself through the catalogue.
 */
void form_errs_from_domain(struct req *r, struct form_errs *fe, const char *msg, const char *const *fields);
/* The summary above the form (role=alert): how many problems, each a link to its field. Nothing when none. */
void form_errs_summary(struct req *r, struct buf *b, const struct form_errs *fe);
/* field_input() with the error of its field from fe (fe may be NULL). */
void field_input_e(struct buf *b, const struct form_errs *fe, const char *name, const char *label, const char *type,
		   const char *value, bool required, const char *autocomplete);
/* field_select() with the error of its field from fe (fe may be NULL). */
void field_select_e(struct buf *b, const struct form_errs *fe, const char *name, const char *label,
		    const char *selected, const char *const *options);
/* A labelled <textarea> with the error of its field from fe (fe may be NULL); maxlen 0 means none. */
void field_textarea_e(struct buf *b, const struct form_errs *fe, const char *name, const char *label, const char *value,
		      bool required, int rows, int maxlen);
/* A notice box; kind is "ok", "error" or "info". The text is escaped. */
void notice(struct buf *b, const char *kind, const char *text);
/*
 * Language of parts: ` lang="xx"` (leading space) to put on an element whose
 * text is in lang when the page is in another language, else "". lang is a
 * package's language tag; anything but a short tag of letters and '-' gives "".
 * The result is in the request's arena.
 */
const char *lang_attr_for(struct req *r, const char *lang);
/*
 * The same for text whose language is not recorded (a title looked up for the
 * page's language, which may have fallen back): Khmer script means "km",
 * any other letters "en".
 */
const char *lang_attr_text(struct req *r, const char *text);
/* A date for people in the page's language: "5 January 2026", or with Khmer digits and month names. */
void view_date(struct req *r, struct buf *b, int64_t t);
/* The colon after a label in the page's language: "៖ " in Khmer, ": " otherwise (one style per page). */
const char *view_colon(struct req *r);
/* Escaped text of s in the current language's name form: Khmer name when lang is km and known. */
const char *name_for(struct req *r, const char *latin, const char *khmer);
/*
 * For text built before it is escaped, in the request's arena: view_day() a YYYY-MM-DD day as view_date()
 * shows it (anything else as it is); view_when() a time as its date and UTC hour ("5 January 2026 14:05",
 * Khmer digits and month names in Khmer); view_digits() s with Khmer digits in Khmer.
 */
const char *view_day(struct req *r, const char *ymd);
const char *view_when(struct req *r, int64_t t);
const char *view_digits(struct req *r, const char *s);
/* A session day "YYYY-MM-DD HH:MM-HH:MM" as "5 January 2026, 08:00–16:00" (Khmer words and digits in Khmer). */
const char *view_day_hours(struct req *r, const char *s);

#endif
