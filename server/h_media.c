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
#include "lib/xmalloc.h"
#include "server/packages.h"

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

int media_send(struct req *r, const char *mime, const char *etag, const void *data, size_t len)
{
	if (resp_not_modified(r, etag))
		return 304;
	char headers[512];
	int hl = snprintf(
	    headers, sizeof headers,
	    "ETag: \"%s\"\r\nCache-Control: public, max-age=31536000, immutable\r\nAccept-Ranges: bytes\r\n", etag);
	size_t from = 0, to = 0;
	int rg = parse_range(req_header(r, "Range"), len, &from, &to);
	if (rg < 0) {
		snprintf(headers + hl, sizeof headers - (size_t)hl, "Content-Range: bytes */%zu\r\n", len);
		return resp_send(r, 416, "text/plain; charset=utf-8", "", 0, headers);
	}
	if (rg > 0) {
		snprintf(headers + hl, sizeof headers - (size_t)hl, "Content-Range: bytes %zu-%zu/%zu\r\n", from, to,
			 len);
		return resp_send(r, 206, mime, (const char *)data + from, to - from + 1, headers);
	}
	return resp_send(r, 200, mime, data, len, headers);
}

int h_media(struct req *r)
{
	char sha[65], ext[8];
	if (r->nparam < 1 || media_name_parse(r->param[0], sha, ext) < 0)
		return resp_error(r, 404, "Page not found.");
	const char *mime = media_type_for_ext(ext);
	sqlite3_stmt *st = db_stmt(r->db, "SELECT b.data FROM blobs b WHERE b.sha256 = ?1 AND EXISTS (SELECT 1 "
					     "FROM package_files f WHERE f.sha256 = ?1 AND f.mime = ?2)");
	db_bind_text(st, 1, sha);
	db_bind_text(st, 2, mime);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_finish(st);
		return resp_error(r, 404, "Page not found.");
	}
	/* Copied out and the statement finished before sending: a slow reader of a large file must not
	 * keep the database connection (it is lent to other requests while the body is on its way). */
	size_t n = (size_t)sqlite3_column_bytes(st, 0);
	void *copy = xmalloc(n ? n : 1);
	if (n)
		memcpy(copy, sqlite3_column_blob(st, 0), n);
	db_finish(st);
	int rc = media_send(r, mime, sha, copy, n);
	free(copy);
	return rc;
}
