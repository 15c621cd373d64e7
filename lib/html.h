/*
 * Untrusted HTML made safe to show: parsed by libxml2's HTML parser (a real
 * parser, so broken markup, comments and entities are read as a browser reads
 * them) and written back through an allow-list.
 *
 * Kept: p br b strong i em u sub sup ul ol li code pre, table caption thead
 * tbody tfoot tr th td (colspan, rowspan), a with an http(s) href (given
 * rel="noopener noreferrer"), img whose src the caller accepts (alt, width,
 * height). Every other attribute is dropped (style, class, on*). Other
 * elements lose their tags and keep their text (div, span, font, ...), except
 * those whose content is code or not text, dropped whole (script, style,
 * iframe, object, embed, template, noscript, textarea, select, svg, math,
 * head, title). Content nested deeper than HTML_MAX_DEPTH elements is
 * dropped. Text is escaped again, so no tag the author wrote reaches the page
 * unless it is in the list.
 */
#ifndef SALA_HTML_H
#define SALA_HTML_H
#include <stdbool.h>
#include <stddef.h>

#define HTML_MAX_DEPTH 32

struct buf;

/* Decides an img src: appends the URL to use to out and returns true, or false to drop the image. */
typedef bool (*html_img_fn)(void *ctx, const char *src, struct buf *out);

/*
 * Cleans html[0..len). block: the result is block content (bare text is put
 * in a <p>); else inline content (one outer <p> is removed). text, when not
 * NULL, gets the plain text of what was kept (white space runs folded, <br>
 * and block ends as one space; caller frees). img may be NULL (no image
 * kept). Returns the cleaned HTML; caller frees. Never fails: input libxml2
 * cannot read gives "".
 */
char *html_clean(const char *html, size_t len, bool block, html_img_fn img, void *ctx, char **text);

/* True for "/media/" + 64 lower-case hex digits + ".png|.jpg|.jpeg|.gif|.webp": a package file's URL. */
bool html_media_url(const char *src);

/* Call once before threads parse (idempotent, thread-safe: pthread_once). */
void html_init(void);

#endif
