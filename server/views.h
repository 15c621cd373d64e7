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
/* A notice box; kind is "ok", "error" or "info". The text is escaped. */
void notice(struct buf *b, const char *kind, const char *text);
/* Escaped text of s in the current language's name form: Khmer name when lang is km and known. */
const char *name_for(struct req *r, const char *latin, const char *khmer);

#endif
