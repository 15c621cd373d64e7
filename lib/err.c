#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int err_set(struct err *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	/* A truncated message must not end inside a UTF-8 sequence (it may go into JSON). */
	if (n >= (int)sizeof e->msg) {
		size_t len = sizeof e->msg - 1;
		while (len > 0 && ((unsigned char)e->msg[len - 1] & 0xC0) == 0x80)
			len--;
		if (len > 0 && (unsigned char)e->msg[len - 1] >= 0xC0)
			len--;
		e->msg[len] = '\0';
	}
	return -1;
}

void die(const char *fmt, ...)
{
	va_list ap;
	fputs("sala: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}
