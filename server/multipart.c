/* A bounded multipart/form-data parser over a body already in memory. */
#include "server/multipart.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* The limits (MULTIPART_MAX_*) are in server/http.h, with why the stack is not a concern here: one loop. */

struct part {
	const char *name, *filename; /* arena copies; filename NULL when absent */
	const char *data;
	size_t len;
};

static const char *find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	if (nlen == 0 || hlen < nlen)
		return NULL;
	for (size_t i = 0; i + nlen <= hlen; i++) {
		const char *p = memchr(hay + i, needle[0], hlen - nlen - i + 1);
		if (!p)
			return NULL;
		if (memcmp(p, needle, nlen) == 0)
			return p;
		i = (size_t)(p - hay);
	}
	return NULL;
}

/* Copies the boundary (1-70 characters, quotes removed) into out; 0 when absent or longer. */
static size_t boundary(const char *ct, char out[MULTIPART_MAX_BOUNDARY + 2])
{
	if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0)
		return 0;
	const char *b = strstr(ct, "boundary=");
	if (!b)
		return 0;
	b += 9;
	bool quoted = *b == '"';
	if (quoted)
		b++;
	size_t n = 0;
	while (n <= MULTIPART_MAX_BOUNDARY && b[n] && (quoted ? b[n] != '"' : (b[n] != ';' && b[n] != ' ')))
		n++;
	if (n == 0 || n > MULTIPART_MAX_BOUNDARY)
		return 0;
	memcpy(out, b, n);
	out[n] = '\0';
	return n;
}

int multipart_is(const char *ct)
{
	char b[MULTIPART_MAX_BOUNDARY + 2];
	return boundary(ct, b) > 0;
}

/* The value of param (name= or filename=) in a Content-Disposition header line, as an arena copy. */
static const char *disp_param(struct arena *a, const char *h, size_t hlen, const char *param)
{
	size_t pl = strlen(param);
	for (size_t i = 0; i + pl + 1 < hlen; i++) {
		if ((i == 0 || h[i - 1] == ' ' || h[i - 1] == ';') && strncasecmp(h + i, param, pl) == 0 &&
		    h[i + pl] == '=') {
			const char *v = h + i + pl + 1;
			size_t rest = hlen - (i + pl + 1), n = 0;
			if (rest && *v == '"') {
				v++, rest--;
				while (n < rest && v[n] != '"')
					n++;
			} else {
				while (n < rest && v[n] != ';' && v[n] != '\r')
					n++;
			}
			return arena_strndup(a, v, n);
		}
	}
	return NULL;
}

/*
 * Splits the body into at most max parts (named or not) in order: the number
 * of named parts put in out, or a REQ_LIMIT_* / REQ_BAD_MULTIPART code. One
 * pass from the first delimiter to the closing one, no recursion.
 */
static int parts(struct arena *a, const char *ct, const char *body, size_t len, struct part *out, int max)
{
	char b[MULTIPART_MAX_BOUNDARY + 2];
	size_t bl = boundary(ct, b);
	if (!bl)
		return REQ_LIMIT_BOUNDARY;
	char delim[MULTIPART_MAX_BOUNDARY + 6];
	delim[0] = '\r', delim[1] = '\n', delim[2] = '-', delim[3] = '-';
	memcpy(delim + 4, b, bl);
	size_t dl = bl + 4;
	/* The first delimiter may start the body (no preceding CRLF). */
	const char *p;
	if (len >= dl - 2 && memcmp(body, delim + 2, dl - 2) == 0)
		p = body + dl - 2;
	else if ((p = find(body, len, delim, dl)))
		p += dl;
	else
		return REQ_BAD_MULTIPART;
	const char *end = body + len;
	int n = 0, seen = 0;
	for (;;) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return n; /* closing delimiter */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return REQ_BAD_MULTIPART;
		if (seen++ == max)
			return REQ_LIMIT_PARTS;
		p += 2;
		size_t avail = (size_t)(end - p);
		size_t window = avail < MULTIPART_MAX_HEADERS + 4 ? avail : MULTIPART_MAX_HEADERS + 4;
		const char *hend = find(p, window, "\r\n\r\n", 4);
		if (!hend)
			return avail > MULTIPART_MAX_HEADERS ? REQ_LIMIT_PART_HEADERS : REQ_BAD_MULTIPART;
		struct part pt = {0};
		for (const char *h = p; h < hend;) {
			const char *eol = find(h, (size_t)(hend - h) + 2, "\r\n", 2);
			size_t hl = (size_t)(eol - h);
			if (hl > 20 && strncasecmp(h, "Content-Disposition:", 20) == 0) {
				pt.name = disp_param(a, h, hl, "name");
				pt.filename = disp_param(a, h, hl, "filename");
			}
			h = eol + 2;
		}
		const char *data = hend + 4;
		const char *next = find(data, (size_t)(end - data), delim, dl);
		if (!next)
			return REQ_BAD_MULTIPART;
		pt.data = data;
		pt.len = (size_t)(next - data);
		if (pt.name)
			out[n++] = pt;
		p = next + dl;
	}
}

int multipart_form(struct arena *a, const char *ct, const char *body, size_t len, struct kv **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	struct part *ps = arena_alloc(a, MULTIPART_MAX_PARTS * sizeof *ps);
	int n = parts(a, ct, body, len, ps, MULTIPART_MAX_PARTS);
	if (n < 0)
		return n;
	struct kv *kv = arena_alloc(a, (size_t)(n ? n : 1) * sizeof *kv);
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		if (ps[i].filename)
			continue;
		if (ps[i].len > MULTIPART_MAX_FIELD)
			return REQ_LIMIT_PART_FIELD;
		kv[k].key = (char *)ps[i].name;
		kv[k].val = arena_strndup(a, ps[i].data, ps[i].len);
		k++;
	}
	*out = kv;
	*nout = k;
	return 0;
}

size_t multipart_fields(struct arena *a, const char *ct, const char *body, size_t len, struct kv **out)
{
	size_t n;
	return multipart_form(a, ct, body, len, out, &n) < 0 ? 0 : n;
}

int multipart_file(struct arena *a, const char *ct, const char *body, size_t len, const char *field, const char **data,
		   size_t *dlen, const char **filename)
{
	struct part *ps = arena_alloc(a, MULTIPART_MAX_PARTS * sizeof *ps);
	int n = parts(a, ct, body, len, ps, MULTIPART_MAX_PARTS);
	for (int i = 0; i < n; i++) {
		if (ps[i].filename && strcmp(ps[i].name, field) == 0) {
			*data = ps[i].data;
			*dlen = ps[i].len;
			*filename = ps[i].filename;
			return 0;
		}
	}
	return -1;
}
