/* Placeholder lists for statements that take a batch of values at once (db_params() in lib/db.h). */
#include "lib/buf.h"
#include "lib/db.h"

void db_params(struct buf *sql, int first, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(sql, i ? ",?%d" : "?%d", first + (int)i);
}

void db_like_contains(struct buf *pattern, const char *s)
{
	buf_putc(pattern, '%');
	for (; *s; s++) {
		char c = *s;
		if (c == '%' || c == '_' || c == '\\')
			buf_putc(pattern, '\\');
		buf_putc(pattern, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
	}
	buf_putc(pattern, '%');
}
