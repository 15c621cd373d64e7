#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void err_vset(struct err *e, const char *fmt, va_list ap)
{
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	/* A truncated message must not end inside a UTF-8 sequence (it may go into JSON). */
	if (n >= (int)sizeof e->msg) {
		size_t len = sizeof e->msg - 1;
		while (len > 0 && ((unsigned char)e->msg[len - 1] & 0xC0) == 0x80)
			len--;
		if (len > 0 && (unsigned char)e->msg[len - 1] >= 0xC0)
			len--;
		e->msg[len] = '\0';
	}
}

int err_set(struct err *e, const char *fmt, ...)
{
	if (!e)
		return ERR_FAIL;
	va_list ap;
	va_start(ap, fmt);
	err_vset(e, fmt, ap);
	va_end(ap);
	return ERR_FAIL;
}

int err_fail(struct err *e, int code, const char *fmt, ...)
{
	if (!e)
		return code;
	va_list ap;
	va_start(ap, fmt);
	err_vset(e, fmt, ap);
	va_end(ap);
	return code;
}

const char *err_code_name(int code)
{
	switch (code) {
	case ERR_NOTFOUND:
		return "not found";
	case ERR_INVALID:
		return "invalid input";
	case ERR_CONFLICT:
		return "conflict";
	case ERR_FORBIDDEN:
		return "forbidden";
	case ERR_UNAVAILABLE:
		return "unavailable";
	case ERR_LIMIT:
		return "limit reached";
	default:
		return "failure";
	}
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
