#include "lib/csv.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "lib/xmalloc.h"

struct state {
	char **fields;
	size_t n, cap;
	int line, row_line, stopped;
	csv_row_fn fn;
	void *ctx;
};

static void on_field(void *s, size_t len, void *data)
{
	struct state *st = data;
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 16;
		st->fields = xrealloc(st->fields, st->cap * sizeof *st->fields);
	}
	st->fields[st->n++] = xstrndup(s ? s : "", len);
}

static void clear(struct state *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->fields[i]);
	st->n = 0;
}

static void on_row(int c, void *data)
{
	(void)c;
	struct state *st = data;
	if (!st->stopped && st->fn(st->fields, st->n, st->row_line, st->ctx))
		st->stopped = 1;
	clear(st);
	st->row_line = st->line + 1;
}

int csv_parse_mem(const char *name, const char *data, size_t len, csv_row_fn fn, void *ctx, struct err *e)
{
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		data += 3, len -= 3;
	if (!utf8_valid(data, len)) {
		/* Line by line (a UTF-8 sequence never spans a new line): linear in the file's size. */
		int line = 1;
		for (size_t off = 0; off < len; line++) {
			const char *nl = memchr(data + off, '\n', len - off);
			size_t n = nl ? (size_t)(nl - (data + off)) : len - off;
			if (!utf8_valid(data + off, n))
				break;
			off += n + 1;
		}
		return err_set(e, "%s:%d: invalid UTF-8 (save the file as UTF-8)", name, line);
	}
	struct csv_parser p;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
		return err_set(e, "%s: cannot start the CSV parser", name);
	struct state st = {.line = 1, .row_line = 1, .fn = fn, .ctx = ctx};
	size_t off = 0;
	int rc = 0;
	while (off < len && !st.stopped) {
		const char *nl = memchr(data + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (data + off)) + 1 : len - off;
		if (csv_parse(&p, data + off, n, on_field, on_row, &st) != n) {
			rc = err_set(e, "%s:%d: malformed CSV: %s", name, st.row_line, csv_strerror(csv_error(&p)));
			break;
		}
		off += n;
		st.line++;
	}
	if (rc == 0 && !st.stopped) {
		st.line--;
		if (csv_fini(&p, on_field, on_row, &st) != 0)
			rc = err_set(e, "%s:%d: malformed CSV: unterminated quoted field", name, st.row_line);
	}
	clear(&st);
	free(st.fields);
	csv_free(&p);
	return rc;
}

void csv_put_field(struct buf *b, const char *s)
{
	if (!s)
		s = "";
	int neutralise = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
	int quote = neutralise || strpbrk(s, ",\"\r\n") != NULL;
	if (!quote) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	if (neutralise)
		buf_putc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

void csv_put_code(struct buf *b, const char *s)
{
	if (!s || !(*s >= '0' && *s <= '9')) {
		csv_put_field(b, s);
		return;
	}
	/* A string constant inside a formula: nothing in it is evaluated. Its quotes are doubled twice,
	 * once for the formula's string and once for the CSV field. */
	buf_puts(b, "\"=\"\"");
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_puts(b, "\"\"\"\"");
		else
			buf_putc(b, *p);
	}
	buf_puts(b, "\"\"\"");
}

void csv_put_raw(struct buf *b, const char *s)
{
	buf_puts(b, s ? s : "");
}

int csv_column(char **header, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		char tmp[128];
		snprintf(tmp, sizeof tmp, "%s", header[i]);
		if (strcmp(str_trim(tmp), name) == 0)
			return (int)i;
	}
	return -1;
}
