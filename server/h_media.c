/*
 * GET /media/SHA256.EXT: package files by content address. The name must be
 * 64 hex digits and an accepted extension, so no path ever reaches a file
 * system; the blob must belong to a package file of that type.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courses/media.h"
#include "lib/db.h"
#include "server/packages.h"
#include "server/views.h"

int media_name_parse(const char *name, char sha[65], char ext[8])
{
	if (!name || strlen(name) < 66 || strlen(name) > 70 || name[64] != '.')
		return -1;
	for (int i = 0; i < 64; i++) {
		char c = name[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		sha[i] = c;
	}
	sha[64] = '\0';
	snprintf(ext, 8, "%s", name + 65);
	return media_type_for_ext(ext) ? 0 : -1;
}

/* Parses a single "bytes=a-b" range; 1 when one was given and valid, 0 to send everything, -1 when unsatisfiable. */
static int parse_range(const char *h, size_t len, size_t *from, size_t *to)
{
	if (!h || strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
		return 0;
	const char *s = h + 6;
	char *end;
	if (*s == '-') {
		if (s[1] < '0' || s[1] > '9')
			return 0;
		unsigned long long n = strtoull(s + 1, &end, 10);
		if (*end)
			return 0;
		if (n == 0 || len == 0)
			return -1;
		*from = n >= len ? 0 : len - (size_t)n;
		*to = len - 1;
		return 1;
	}
	if (*s < '0' || *s > '9')
		return 0;
	unsigned long long a = strtoull(s, &end, 10);
	if (*end != '-')
		return 0;
	s = end + 1;
	unsigned long long b = len ? len - 1 : 0;
	if (*s) {
		if (*s < '0' || *s > '9')
			return 0;
		b = strtoull(s, &end, 10);
		if (*end || b < a)
			return 0;
	}
	if (a >= len)
		return -1;
	if (b >= len)
		b = len - 1;
	*from = (size_t)a;
	*to = (size_t)b;
	return 1;
}

struct shifted {
	resp_read_fn read;
	void *ctx;
	size_t from;
};

static int read_shifted(void *ctx, size_t off, void *buf, size_t n)
{
	struct shifted *sh = ctx;
	return sh->read(sh->ctx, sh->from + off, buf, n);
}

/* Answers a conditional or range request for a body of len bytes; what it sends is read by read(). */
static int media_answer(struct req *r, const char *mime, const char *etag, size_t len, resp_read_fn read, void *ctx)
{
	if (resp_not_modified(r, etag))
		return 304;
	char headers[512];
	int hl = snprintf(
	    headers, sizeof headers,
	    "ETag: \"%s\"\r\nCache-Control: private, max-age=31536000, immutable\r\nAccept-Ranges: bytes\r\n", etag);
	size_t from = 0, to = 0;
	int rg = parse_range(req_header(r, "Range"), len, &from, &to);
	if (rg < 0) {
		snprintf(headers + hl, sizeof headers - (size_t)hl, "Content-Range: bytes */%zu\r\n", len);
		return resp_send(r, 416, "text/plain; charset=utf-8", "", 0, headers);
	}
	if (rg == 0)
		return resp_stream(r, 200, mime, len, headers, read, ctx);
	snprintf(headers + hl, sizeof headers - (size_t)hl, "Content-Range: bytes %zu-%zu/%zu\r\n", from, to, len);
	struct shifted sh = {read, ctx, from};
	return resp_stream(r, 206, mime, to - from + 1, headers, read_shifted, &sh);
}

static int read_memory(void *ctx, size_t off, void *buf, size_t n)
{
	memcpy(buf, (const char *)ctx + off, n);
	return 0;
}

int media_send(struct req *r, const char *mime, const char *etag, const void *data, size_t len)
{
	return media_answer(r, mime, etag, len, read_memory, (void *)data);
}

/* One chunk of a stored file, for media_answer(). */
static int read_blob(void *ctx, size_t off, void *buf, size_t n)
{
	return media_blob_read(ctx, off, buf, n);
}

int h_media(struct req *r)
{
	char sha[65], ext[8];
	if (r->nparam < 1 || media_name_parse(r->param[0], sha, ext) < 0)
		return resp_error(r, 404, "Page not found.");
	const char *mime = media_type_for_ext(ext);
	struct media_blob b;
	struct err e;
	int rc = media_blob_find(r->db, sha, mime, &b, &e);
	if (rc < 0) {
		r->cause = arena_strdup(&r->arena, e.msg);
		return resp_error(r, 503, T(r, "The database could not be read. Please try again in a moment."));
	}
	if (rc > 0)
		return resp_error(r, 404, "Page not found.");
	return media_answer(r, mime, sha, b.size, read_blob, &b);
}
