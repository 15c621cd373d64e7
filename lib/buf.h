/*
 * One growable byte buffer, always NUL-terminated, length carried with it.
 * A zeroed struct buf (BUF_INIT) is a valid empty buffer.
 */
#ifndef SALA_BUF_H
#define SALA_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated once anything was added; NULL when empty and never grown */
	size_t len;
	size_t cap;
};

#define BUF_INIT                                                                                                       \
	{                                                                                                              \
		NULL, 0, 0                                                                                             \
	}

void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *ptr, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Appends s with & < > " ' escaped for HTML text and attribute values. */
void buf_html(struct buf *b, const char *s);
void buf_html_n(struct buf *b, const char *s, size_t len);
/* Appends s as a JSON string literal, quotes included. NULL becomes null. */
void buf_json_str(struct buf *b, const char *s);
/* Appends s percent-encoded for a URL query component. */
void buf_url(struct buf *b, const char *s);
/* The contents as a string ("" when empty); borrowed until the buffer changes. */
const char *buf_str(const struct buf *b);
/* Hands the contents to the caller (caller frees) and resets the buffer. */
char *buf_detach(struct buf *b, size_t *len);
void buf_reset(struct buf *b);
void buf_release(struct buf *b);

#endif
