#include "server/http.h"

#include <civetweb.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/audit.h"
#include "lib/db.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "server/observe.h"
#include "server/server.h"
#include "server/views.h"

/* Headers that every response carries (CivetWeb's additional_header does not apply to callbacks). */
static const char security_headers[] =
    "Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: same-origin\r\n";

int http_status_of(int rc)
{
	switch (rc) {
	case ERR_NOTFOUND:
		return 404;
	case ERR_INVALID:
		return 400;
	case ERR_CONFLICT:
	case ERR_LIMIT:
		return 409;
	case ERR_FORBIDDEN:
		return 403;
	case ERR_UNAVAILABLE:
		return 503;
	default:
		return rc >= 0 ? 200 : 500;
	}
}

/* Extra headers queued for the next response (cookies, ETag). */
struct pending {
	struct buf headers;
};
static _Thread_local struct pending pending;

static const char *find_kv(struct kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].val;
	return NULL;
}

const char *req_form(struct req *r, const char *key)
{
	return find_kv(r->form, r->nform, key);
}

const char *req_query(struct req *r, const char *key)
{
	return find_kv(r->query, r->nquery, key);
}

const char *req_header(struct req *r, const char *name)
{
	return mg_get_header(r->conn, name);
}

const char *req_cookie_in(struct arena *a, const char *header, const char *name)
{
	if (!header)
		return NULL;
	char val[COOKIE_MAX_VALUE + 1];
	if (mg_get_cookie(header, name, val, sizeof val) <= 0)
		return NULL;
	return arena_strdup(a, val);
}

const char *req_cookie(struct req *r, const char *name)
{
	return req_cookie_in(&r->arena, mg_get_header(r->conn, "Cookie"), name);
}

int64_t req_int(const char *s, int64_t min, int64_t max, int64_t def)
{
	if (!s || !*s)
		return def;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end || v < min || v > max)
		return def;
	return v;
}

bool req_has_role(const struct req *r, unsigned roles)
{
	if (!roles)
		return true;
	if (!r->user)
		return false;
	if (roles == ROLE_ANY)
		return true;
	return (r->user->roles & roles) != 0;
}

const char *req_csrf(struct req *r)
{
	if (r->user)
		return r->session.csrf;
	if (r->anon_csrf[0])
		return r->anon_csrf;
	const char *c = req_cookie(r, "sala_csrf");
	if (c && strlen(c) == 64) {
		snprintf(r->anon_csrf, sizeof r->anon_csrf, "%s", c);
		return r->anon_csrf;
	}
	random_token(32, r->anon_csrf);
	resp_cookie(r, "sala_csrf", r->anon_csrf, 0);
	return r->anon_csrf;
}

bool req_csrf_ok(struct req *r)
{
	const char *sent = req_form(r, "csrf");
	if (!sent)
		sent = req_header(r, "X-CSRF-Token");
	if (!sent || strlen(sent) != 64)
		return false;
	const char *want = r->user ? r->session.csrf : req_cookie(r, "sala_csrf");
	if (!want || strlen(want) != 64)
		return false;
	unsigned diff = 0;
	for (int i = 0; i < 64; i++)
		diff |= (unsigned)(sent[i] ^ want[i]);
	return diff == 0;
}

void resp_cookie(struct req *r, const char *name, const char *value, long max_age)
{
	bool secure = mg_get_request_info(r->conn)->is_ssl ||
		      (req_header(r, "X-Forwarded-Proto") && !strcmp(req_header(r, "X-Forwarded-Proto"), "https"));
	buf_printf(&pending.headers, "Set-Cookie: %s=%s; Path=/; HttpOnly; SameSite=Lax%s", name, value,
		   secure ? "; Secure" : "");
	if (max_age == -1)
		buf_puts(&pending.headers, "; Max-Age=0");
	else if (max_age > 0)
		buf_printf(&pending.headers, "; Max-Age=%ld", max_age);
	buf_puts(&pending.headers, "\r\n");
}

void resp_etag(struct req *r, const char *etag)
{
	(void)r;
	buf_printf(&pending.headers, "ETag: \"%s\"\r\n", etag);
}

void resp_retry_after(struct req *r, int64_t seconds)
{
	(void)r;
	buf_printf(&pending.headers, "Retry-After: %lld\r\n", (long long)(seconds > 0 ? seconds : 1));
}

void resp_add_header(struct req *r, const char *lines)
{
	(void)r;
	buf_puts(&pending.headers, lines);
}

static bool accepts_gzip(struct req *r)
{
	const char *ae = req_header(r, "Accept-Encoding");
	return ae && strstr(ae, "gzip") != NULL;
}

static bool compressible(const char *type)
{
	return str_starts(type, "text/") || str_starts(type, "application/json") || str_starts(type, "image/svg") ||
	       str_starts(type, "application/ld+json");
}

static const char *status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 413:
		return "Payload Too Large";
	case 414:
		return "URI Too Long";
	case 416:
		return "Range Not Satisfiable";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Status";
	}
}

/* One piece of a response body. */
struct part {
	const void *data;
	size_t len;
};

/*
 * Sends the status line, headers and body parts. A page goes out in one write
 * (one send() instead of one per part); large bodies (media) are written from
 * where they are rather than copied.
 */
static int send_parts(struct req *r, int status, const char *type, bool gzip, const char *headers,
		      const struct part *parts, int nparts, size_t streamed)
{
	/* A query of this request ended on an error (db_step_row): its page would show a short list as if
	 * it were whole. Say so instead. Without a reachable database server (PostgreSQL) any refusal may
	 * come from a row that could not be read ("not found"): 503, try again, never a false answer. */
	if ((status < 400 && db_read_failed(true)) || (status >= 400 && status != 503 && db_unavailable()))
		return resp_error(
		    r, 503,
		    tr(r->lang ? r->lang : "en", "The database could not be read. Please try again in a moment."));
	size_t here = 0; /* streamed: a body the caller writes itself after the head */
	for (int i = 0; i < nparts; i++)
		here += parts[i].len;
	size_t len = here + streamed;
	bool body = strcmp(r->method, "HEAD") != 0;
	bool whole = here <= 256 * 1024;
	struct buf out = BUF_INIT;
	buf_grow(&out, 1024 + (whole ? here : 0));
	/* While the server drains for a graceful stop, clients are told to take their next request elsewhere. */
	buf_printf(&out, "HTTP/1.1 %d %s\r\n%s%s%s%s%s%s%s%sContent-Length: %zu\r\n%s\r\n", status, status_text(status),
		   type ? "Content-Type: " : "", type ? type : "", type ? "\r\n" : "", security_headers,
		   gzip ? "Content-Encoding: gzip\r\n" : "",
		   type && compressible(type) ? "Vary: Accept-Encoding\r\n" : "", buf_str(&pending.headers),
		   observe_draining() ? "Connection: close\r\n" : "", len, headers ? headers : "");
	for (int i = 0; body && whole && i < nparts; i++)
		buf_add(&out, parts[i].data, parts[i].len);
	/* A large body (a video, a PDF, a report page) may take minutes to reach a phone: the database
	 * connection serves other requests meanwhile. Below 32 KB (a lesson page, gzipped or not) lending and
	 * taking it back costs more than the write, which the socket's buffer takes at once. */
	bool slow = body && here > 32 * 1024;
	if (slow)
		db_pool_pause();
	if (mg_write(r->conn, out.data, out.len) > 0)
		r->sent += out.len;
	for (int i = 0; body && !whole && i < nparts; i++)
		if (parts[i].len && mg_write(r->conn, parts[i].data, parts[i].len) > 0)
			r->sent += parts[i].len;
	if (slow)
		db_pool_resume();
	buf_release(&out);
	buf_reset(&pending.headers);
	r->status = status;
	return status;
}

int resp_head(struct req *r, int status, const char *type, const char *headers)
{
	struct buf out = BUF_INIT;
	buf_printf(&out, "HTTP/1.1 %d %s\r\n%s%s%s%s%s%s\r\n", status, status_text(status),
		   type ? "Content-Type: " : "", type ? type : "", type ? "\r\n" : "", security_headers,
		   buf_str(&pending.headers), headers ? headers : "");
	mg_write(r->conn, out.data, out.len);
	buf_release(&out);
	buf_reset(&pending.headers);
	r->status = status;
	return status;
}

bool req_is_head(const struct req *r)
{
	return strcmp(r->method, "HEAD") == 0;
}

int resp_send(struct req *r, int status, const char *type, const void *body, size_t len, const char *headers)
{
	struct buf z = BUF_INIT;
	bool gzip = false;
	if (type && len > 1024 && compressible(type) && accepts_gzip(r) && gzip_buf(body, len, &z) == 0) {
		body = z.data;
		len = z.len;
		gzip = true;
	}
	struct part one = {body, len};
	int sent = send_parts(r, status, type, gzip, headers, &one, 1, 0);
	buf_release(&z);
	return sent;
}

int resp_stream(struct req *r, int status, const char *type, size_t len, const char *headers, resp_read_fn read,
		void *ctx)
{
	int sent = send_parts(r, status, type, false, headers, NULL, 0, len);
	if (sent != status || strcmp(r->method, "HEAD") == 0)
		return sent; /* a 503 went instead of the head: no body follows */
	/* 1 MB, or a sixteenth of a large body (at most 8 MB): SQLite walks a blob's pages from its start
	 * for each chunk, so fewer chunks keep a 200 MB file from costing seconds. */
	size_t CHUNK = len / 16;
	CHUNK = CHUNK < (1u << 20) ? (1u << 20) : CHUNK > (8u << 20) ? (8u << 20) : CHUNK;
	char *chunk = xmalloc(len < CHUNK ? (len ? len : 1) : CHUNK);
	for (size_t off = 0; off < len;) {
		size_t n = len - off < CHUNK ? len - off : CHUNK;
		if (read(ctx, off, chunk, n) < 0)
			break; /* the length is promised: the client sees a short body and the connection ends */
		/* The body may take minutes to reach a phone: the database serves others meanwhile. */
		db_pool_pause();
		int w = mg_write(r->conn, chunk, n);
		db_pool_resume();
		if (w <= 0)
			break;
		r->sent += n;
		off += n;
	}
	free(chunk);
	return status;
}

static int read_fd(void *ctx, size_t off, void *buf, size_t n)
{
	ssize_t got = pread(*(int *)ctx, buf, n, (off_t)off);
	return got == (ssize_t)n ? 0 : -1;
}

int resp_xlsx(struct req *r, const char *what, const char *headers, resp_file_writer write, void (*release)(void *ctx),
	      void *ctx)
{
	const char *tmp = getenv("TMPDIR");
	tmp = tmp && *tmp ? tmp : "/tmp";
	char path[512];
	snprintf(path, sizeof path, "%s/sala-download-XXXXXX", tmp);
	int fd = mkstemp(path);
	struct err e = {""};
	if (fd < 0) {
		log_msg(LOG_ERROR, what, "cannot create a temporary file in '%s': %s", tmp, strerror(errno));
	} else {
		close(fd);
		/* The writer creates the file anew at path; it is read from the descriptor once unlinked. */
		fd = write(ctx, path, tmp, &e) < 0 ? -1 : open(path, O_RDONLY);
		if (fd < 0)
			log_msg(LOG_ERROR, what, "%s", *e.msg ? e.msg : "cannot reopen the written file");
		unlink(path);
	}
	if (release)
		release(ctx);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		if (fd >= 0)
			close(fd);
		return resp_error(r, 500, T(r, "The file could not be written. Please tell the administrator."));
	}
	int status = resp_stream(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
				 (size_t)sb.st_size, headers, read_fd, &fd);
	close(fd);
	return status;
}

/*
 * Compressed forms of large page parts that many responses share (a lesson's
 * body), so a page costs only the compression of its small per-request head
 * and tail. Entries are immutable once added and live until the server stops;
 * past the byte cap nothing more is cached.
 */
struct zpart {
	struct zpart *next;
	char key[65]; /* the caller's name for the content (a hash of it) */
	uLong crc;
	size_t len;	/* uncompressed length */
	char *text;	/* the uncompressed part, to confirm a hit */
	struct buf raw; /* raw deflate blocks ending in a sync flush (byte-aligned, not final) */
};
static struct zpart *zparts;
static size_t zparts_bytes;
static pthread_mutex_t zparts_lock = PTHREAD_MUTEX_INITIALIZER;
#define ZPARTS_MAX_BYTES (64u << 20)

/*
 * Deflate streams, reset between uses and shared by all threads through a
 * free list: initialising one allocates 32-96 KB, and doing that per response
 * costs more than the compression; keeping one per thread cost that much for
 * every open connection. Only as many exist as responses were compressed at once.
 */
struct zstream {
	struct zstream *next;
	bool gzip;
	z_stream z;
};
static struct zstream *zfree[2];
static pthread_mutex_t zfree_lock = PTHREAD_MUTEX_INITIALIZER;

static struct zstream *stream_take(bool gzip)
{
	pthread_mutex_lock(&zfree_lock);
	struct zstream *s = zfree[gzip];
	if (s)
		zfree[gzip] = s->next;
	pthread_mutex_unlock(&zfree_lock);
	if (s) {
		deflateReset(&s->z);
		return s;
	}
	s = xcalloc(1, sizeof *s);
	s->gzip = gzip;
	/*
	 * Per-request parts are small and different each time: a fast level and a
	 * small window pay. (1 << (window + 2)) + (1 << (memLevel + 9)) bytes: 32 KB
	 * and 96 KB here against 256 KB for zlib's defaults.
	 */
	int rc = gzip ? deflateInit2(&s->z, 6, Z_DEFLATED, 14 + 16, 6, Z_DEFAULT_STRATEGY)
		      : deflateInit2(&s->z, 1, Z_DEFLATED, -12, 5, Z_DEFAULT_STRATEGY);
	if (rc != Z_OK) {
		free(s);
		return NULL;
	}
	return s;
}

static void stream_give(struct zstream *s)
{
	pthread_mutex_lock(&zfree_lock);
	s->next = zfree[s->gzip];
	zfree[s->gzip] = s;
	pthread_mutex_unlock(&zfree_lock);
}

static void streams_release(void)
{
	pthread_mutex_lock(&zfree_lock);
	for (int g = 0; g < 2; g++) {
		while (zfree[g]) {
			struct zstream *s = zfree[g];
			zfree[g] = s->next;
			deflateEnd(&s->z);
			free(s);
		}
	}
	pthread_mutex_unlock(&zfree_lock);
}

/* Deflate of in[0..len) appended to out: raw blocks ending in a sync flush, or a whole gzip member. */
static int deflate_to(bool gzip, const void *in, size_t len, bool finish, struct buf *out)
{
	struct zstream *s = stream_take(gzip);
	if (!s)
		return -1;
	z_stream *z = &s->z;
	size_t bound = deflateBound(z, (uLong)len) + 64;
	buf_grow(out, bound);
	z->next_in = (Bytef *)in;
	z->avail_in = (uInt)len;
	z->next_out = (Bytef *)out->data + out->len;
	z->avail_out = (uInt)bound;
	uLong before = z->total_out;
	int rc = deflate(z, finish ? Z_FINISH : Z_SYNC_FLUSH);
	bool ok = finish ? rc == Z_STREAM_END : rc == Z_OK && z->avail_in == 0;
	out->len += z->total_out - before;
	out->data[out->len] = '\0';
	stream_give(s);
	return ok ? 0 : -1;
}

/* A shared part is compressed once, so it gets the best level: raw blocks ending in a sync flush. */
static int deflate_once(const void *in, size_t len, struct buf *out)
{
	z_stream z = {0};
	if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	size_t bound = deflateBound(&z, (uLong)len) + 64;
	buf_grow(out, bound);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->data + out->len;
	z.avail_out = (uInt)bound;
	int rc = deflate(&z, Z_SYNC_FLUSH);
	out->len += z.total_out;
	out->data[out->len] = '\0';
	deflateEnd(&z);
	return rc == Z_OK && z.avail_in == 0 ? 0 : -1;
}

static int deflate_raw(const void *in, size_t len, bool finish, struct buf *out)
{
	return deflate_to(false, in, len, finish, out);
}

int gzip_buf(const void *in, size_t len, struct buf *out)
{
	return deflate_to(true, in, len, true, out);
}

static const struct zpart *zpart_get(const char *key, const char *mid, size_t len)
{
	pthread_mutex_lock(&zparts_lock);
	for (struct zpart *p = zparts; p; p = p->next) {
		if (strcmp(p->key, key) == 0) {
			pthread_mutex_unlock(&zparts_lock);
			return p;
		}
	}
	pthread_mutex_unlock(&zparts_lock);
	struct zpart *p = xcalloc(1, sizeof *p);
	snprintf(p->key, sizeof p->key, "%s", key);
	p->crc = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)mid, (uInt)len);
	p->len = len;
	p->text = xstrndup(mid, len);
	if (deflate_once(mid, len, &p->raw) < 0) {
		buf_release(&p->raw);
		free(p->text);
		free(p);
		return NULL;
	}
	pthread_mutex_lock(&zparts_lock);
	if (zparts_bytes + len + p->raw.len > ZPARTS_MAX_BYTES) {
		pthread_mutex_unlock(&zparts_lock);
		return p; /* not cached: the caller frees it (see zpart_done) */
	}
	zparts_bytes += len + p->raw.len;
	p->next = zparts;
	zparts = p;
	pthread_mutex_unlock(&zparts_lock);
	return p;
}

static bool zparts_room(size_t len)
{
	pthread_mutex_lock(&zparts_lock);
	bool room = zparts_bytes + 2 * len < ZPARTS_MAX_BYTES;
	pthread_mutex_unlock(&zparts_lock);
	return room;
}

static void zpart_done(const struct zpart *p)
{
	pthread_mutex_lock(&zparts_lock);
	bool cached = false;
	for (struct zpart *q = zparts; q && !cached; q = q->next)
		cached = q == p;
	pthread_mutex_unlock(&zparts_lock);
	if (!cached) {
		struct zpart *own = (struct zpart *)p;
		buf_release(&own->raw);
		free(own->text);
		free(own);
	}
}

const char *http_part_text(const char *key)
{
	if (!key || !*key)
		return NULL;
	const char *text = NULL;
	pthread_mutex_lock(&zparts_lock);
	for (struct zpart *p = zparts; p && !text; p = p->next)
		if (strcmp(p->key, key) == 0)
			text = p->text;
	pthread_mutex_unlock(&zparts_lock);
	return text;
}

void http_cache_release(void)
{
	streams_release();
	pthread_mutex_lock(&zparts_lock);
	while (zparts) {
		struct zpart *next = zparts->next;
		buf_release(&zparts->raw);
		free(zparts->text);
		free(zparts);
		zparts = next;
	}
	zparts_bytes = 0;
	pthread_mutex_unlock(&zparts_lock);
}

int resp_html_parts(struct req *r, int status, const struct buf *head, const char *mid, const char *key,
		    const struct buf *tail, const char *headers)
{
	static const char type[] = "text/html; charset=utf-8";
	size_t mlen = strlen(mid);
	const struct zpart *zp = NULL;
	if (accepts_gzip(r) && key && *key && strlen(key) < 65)
		zp = zpart_get(key, mid, mlen);
	if (!zp) {
		/* Kept for the next request too (the text is what a client without gzip gets), while there is room:
		 * past the cap, compressing it only to throw it away would cost every such request. */
		if (key && *key && strlen(key) < 65 && !http_part_text(key) && zparts_room(mlen) &&
		    (zp = zpart_get(key, mid, mlen)) != NULL)
			zpart_done(zp);
		struct part parts[3] = {{buf_str(head), head->len}, {mid, mlen}, {buf_str(tail), tail->len}};
		return send_parts(r, status, type, false, headers, parts, 3, 0);
	}
	/* One gzip member: header, head's blocks, the cached blocks, tail's final blocks, trailer. */
	static const unsigned char gz_header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
	struct buf a = BUF_INIT, c = BUF_INIT;
	buf_add(&a, gz_header, sizeof gz_header);
	int bad = deflate_raw(buf_str(head), head->len, false, &a) | deflate_raw(buf_str(tail), tail->len, true, &c);
	uLong whole = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)buf_str(head), (uInt)head->len);
	whole = crc32_combine(whole, zp->crc, (z_off_t)mlen);
	whole = crc32_combine(whole, crc32(crc32(0L, Z_NULL, 0), (const Bytef *)buf_str(tail), (uInt)tail->len),
			      (z_off_t)tail->len);
	uint32_t total = (uint32_t)(head->len + mlen + tail->len);
	unsigned char trailer[8];
	for (int i = 0; i < 4; i++) {
		trailer[i] = (unsigned char)(whole >> (8 * i));
		trailer[4 + i] = (unsigned char)(total >> (8 * i));
	}
	buf_add(&c, trailer, sizeof trailer);
	if (bad) {
		buf_release(&a);
		buf_release(&c);
		zpart_done(zp);
		return resp_error(r, 500, "cannot compress the page");
	}
	struct part parts[3] = {{a.data, a.len}, {zp->raw.data, zp->raw.len}, {c.data, c.len}};
	int sent = send_parts(r, status, type, true, headers, parts, 3, 0);
	buf_release(&a);
	buf_release(&c);
	zpart_done(zp);
	return sent;
}

int resp_html(struct req *r, int status, const struct buf *body)
{
	return resp_send(r, status, "text/html; charset=utf-8", buf_str(body), body->len,
			 "Cache-Control: private, no-cache\r\n");
}

int resp_json(struct req *r, int status, const struct buf *body)
{
	return resp_send(r, status, "application/json; charset=utf-8", buf_str(body), body->len,
			 "Cache-Control: private, no-store\r\n");
}

/* True when s holds a control character: browsers drop tabs and new lines from URLs, so "/\t/x" is "//x". */
static bool has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

int resp_redirect(struct req *r, const char *location)
{
	/* Only local paths: never an open redirect. */
	if (!location || location[0] != '/' || location[1] == '/' || location[1] == '\\' || has_control(location))
		location = "/";
	char *h = arena_printf(&r->arena, "Location: %s\r\n", location);
	return resp_send(r, 303, NULL, "", 0, h);
}

bool resp_not_modified(struct req *r, const char *etag)
{
	const char *inm = req_header(r, "If-None-Match");
	if (!inm)
		return false;
	char quoted[160];
	snprintf(quoted, sizeof quoted, "\"%s\"", etag);
	if (!strstr(inm, quoted) && strcmp(inm, "*") != 0)
		return false;
	resp_etag(r, etag);
	resp_send(r, 304, NULL, "", 0, NULL);
	return true;
}

int form_parse_bounded(struct arena *a, const char *s, size_t len, struct kv **out, size_t *n_out)
{
	size_t n = 0, cap = 0;
	struct kv *kv = NULL;
	size_t i = 0;
	*out = NULL;
	*n_out = 0;
	while (i < len) {
		const char *amp = memchr(s + i, '&', len - i);
		size_t j = amp ? (size_t)(amp - s) : len;
		if (j > i) {
			if (n == FORM_MAX_PAIRS)
				return REQ_LIMIT_FIELDS;
			const char *eq = memchr(s + i, '=', j - i);
			size_t klen = eq ? (size_t)(eq - (s + i)) : j - i;
			size_t vlen = eq ? j - i - klen - 1 : 0;
			if (klen > FORM_MAX_KEY)
				return REQ_LIMIT_KEY;
			kv = arena_grow(a, kv, n, &cap, sizeof *kv, 16);
			char *k = arena_alloc(a, klen + 1);
			char *v = arena_alloc(a, vlen + 1);
			/* mg_url_decode with is_form_url_encoded=1 turns '+' into a space. */
			if (mg_url_decode(s + i, (int)klen, k, (int)klen + 1, 1) < 0)
				k[0] = '\0';
			if (mg_url_decode(eq ? eq + 1 : "", (int)vlen, v, (int)vlen + 1, 1) < 0)
				v[0] = '\0';
			kv[n].key = k;
			kv[n].val = v;
			n++;
		}
		i = j + 1;
	}
	*out = kv;
	*n_out = n;
	return 0;
}

size_t form_parse(struct arena *a, const char *s, size_t len, struct kv **out)
{
	size_t n;
	return form_parse_bounded(a, s, len, out, &n) < 0 ? 0 : n;
}

int req_cookie_check(const char *h, size_t *count)
{
	const char *p = h;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if (!*p)
			break;
		if (++*count > COOKIE_MAX_COUNT)
			return REQ_LIMIT_COOKIES;
		const char *name = p;
		while (*p && *p != ';' && *p != '=')
			p++;
		bool ours = (size_t)(p - name) > 5 && strncmp(name, "sala_", 5) == 0;
		if (*p != '=')
			continue;
		const char *val = ++p;
		while (*p && *p != ';')
			p++;
		if (ours && (size_t)(p - val) > COOKIE_MAX_VALUE)
			return REQ_LIMIT_COOKIE_VALUE;
	}
	return 0;
}

int req_parse_head(struct req *r)
{
	const struct mg_request_info *ri = mg_get_request_info(r->conn);
	if (ri->num_headers > HEADER_MAX_LINES)
		return REQ_LIMIT_HEADERS;
	size_t cookies = 0, cookie_bytes = 0;
	for (int i = 0; i < ri->num_headers; i++) {
		const char *name = ri->http_headers[i].name, *value = ri->http_headers[i].value;
		if (!name || !value || strcasecmp(name, "Cookie") != 0)
			continue;
		cookie_bytes += strlen(value);
		if (cookie_bytes > COOKIE_MAX_HEADER)
			return REQ_LIMIT_COOKIE_HEADER;
		int rc = req_cookie_check(value, &cookies);
		if (rc < 0)
			return rc;
	}
	if (ri->query_string)
		return form_parse_bounded(&r->arena, ri->query_string, strlen(ri->query_string), &r->query, &r->nquery);
	return 0;
}

static const struct {
	int code, status;
	const char *fmt; /* English; the catalogue below has the Khmer */
	long limit;
} limits[] = {
    {REQ_LIMIT_FIELDS, 400, "The form or address has more than %ld fields.", FORM_MAX_PAIRS},
    {REQ_LIMIT_KEY, 400, "A field name is longer than %ld bytes.", FORM_MAX_KEY},
    {REQ_LIMIT_COOKIES, 431, "The request carries more than %ld cookies.", COOKIE_MAX_COUNT},
    {REQ_LIMIT_COOKIE_HEADER, 431, "The Cookie header is longer than %ld bytes.", COOKIE_MAX_HEADER},
    {REQ_LIMIT_COOKIE_VALUE, 431, "A cookie of this site is longer than %ld bytes.", COOKIE_MAX_VALUE},
    {REQ_LIMIT_PARTS, 400, "The upload has more than %ld parts.", MULTIPART_MAX_PARTS},
    {REQ_LIMIT_PART_HEADERS, 400, "A part of the upload has headers longer than %ld bytes.", MULTIPART_MAX_HEADERS},
    {REQ_LIMIT_PART_FIELD, 400, "A text field of the upload is longer than %ld bytes.", MULTIPART_MAX_FIELD},
    {REQ_LIMIT_BOUNDARY, 400, "The upload's boundary is missing or longer than %ld characters.",
     MULTIPART_MAX_BOUNDARY},
    {REQ_BAD_MULTIPART, 400, "The upload is not well-formed multipart/form-data.", 0},
    {REQ_LIMIT_HEADERS, 431, "The request has more than %ld header lines.", HEADER_MAX_LINES},
};

static const struct msg limit_msgs[] = {
    {"The form or address has more than %ld fields.", "ទម្រង់ ឬអាសយដ្ឋាននេះមានវាលលើសពី %ld។"},
    {"A field name is longer than %ld bytes.", "ឈ្មោះវាលមួយវែងជាង %ld បៃ។"},
    {"The request carries more than %ld cookies.", "សំណើនេះមានខូគីលើសពី %ld។"},
    {"The Cookie header is longer than %ld bytes.", "ក្បាល Cookie វែងជាង %ld បៃ។"},
    {"A cookie of this site is longer than %ld bytes.", "ខូគីមួយរបស់គេហទំព័រនេះវែងជាង %ld បៃ។"},
    {"The upload has more than %ld parts.", "ការផ្ទុកឡើងនេះមានផ្នែកលើសពី %ld។"},
    {"A part of the upload has headers longer than %ld bytes.", "ផ្នែកមួយនៃការផ្ទុកឡើងមានក្បាលវែងជាង %ld បៃ។"},
    {"A text field of the upload is longer than %ld bytes.", "វាលអត្ថបទមួយនៃការផ្ទុកឡើងវែងជាង %ld បៃ។"},
    {"The upload's boundary is missing or longer than %ld characters.",
     "ព្រំដែន (boundary) នៃការផ្ទុកឡើងបាត់ ឬវែងជាង %ld តួអក្សរ។"},
    {"The upload is not well-formed multipart/form-data.", "ការផ្ទុកឡើងនេះមិនមែនជា multipart/form-data ត្រឹមត្រូវទេ។"},
    {"The request has more than %ld header lines.", "សំណើនេះមានបន្ទាត់ក្បាលលើសពី %ld។"},
};

void http_messages_register(void)
{
	i18n_register(limit_msgs, sizeof limit_msgs / sizeof limit_msgs[0]);
}

int req_limit_status(int code, const char **fmt, long *limit)
{
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		if (limits[i].code == code) {
			*fmt = limits[i].fmt;
			*limit = limits[i].limit;
			return limits[i].status;
		}
	}
	*fmt = "The request could not be read.";
	*limit = 0;
	return 400;
}

int req_refuse(struct req *r, int code)
{
	const char *fmt;
	long limit;
	int status = req_limit_status(code, &fmt, &limit);
	/* The refusal may come before the language is chosen (from the query and cookies it refused). */
	if (!r->lang)
		r->lang = i18n_negotiate(req_header(r, "Accept-Language"));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	const char *msg = arena_printf(&r->arena, tr(r->lang, fmt), limit);
#pragma GCC diagnostic pop
	return resp_error(r, status, msg);
}

int http_refusal(char *out, size_t size, int status, const char *text)
{
	int n = snprintf(out, size,
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n%sCache-Control: no-store\r\n"
			 "%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 status, status_text(status), security_headers, status == 503 ? "Retry-After: 10\r\n" : "",
			 strlen(text), text);
	return n > 0 && (size_t)n < size ? n : -1;
}

int http_error_reply(struct mg_connection *conn, int status, const char *msg)
{
	(void)msg; /* CivetWeb's wording may quote the request: the status text says enough */
	char text[64], reply[1024];
	snprintf(text, sizeof text, "%s\n", status_text(status));
	int n = http_refusal(reply, sizeof reply, status, text);
	if (n > 0)
		mg_write(conn, reply, (size_t)n);
	return 0;
}

void http_request_begin(void)
{
	buf_reset(&pending.headers);
}

void http_thread_release(void)
{
	buf_release(&pending.headers);
}

int req_login(struct req *r, int64_t user_id)
{
	struct err e;
	/* Session fixation: whatever token came in is dropped; a fresh one is made. */
	const char *old = req_cookie(r, SESSION_COOKIE);
	if (old)
		session_destroy(r->db, old);
	if (session_create(r->db, user_id, r->token, r->session.csrf, &e) < 0) {
		r->cause = arena_printf(&r->arena, "cannot start a session: %s", e.msg);
		return -1;
	}
	r->session.user_id = user_id;
	resp_cookie(r, SESSION_COOKIE, r->token, 0);
	return 0;
}

void req_logout(struct req *r)
{
	const char *tok = req_cookie(r, SESSION_COOKIE);
	if (tok)
		session_destroy(r->db, tok);
	resp_cookie(r, SESSION_COOKIE, "", -1);
}

void req_audit(struct req *r, const char *action, const char *target, const char *detail)
{
	struct err e;
	if (audit_record(r->db, r->user ? r->user->username : "-", r->remote, action, target, detail, &e) < 0)
		r->cause = arena_strdup(&r->arena, e.msg);
}

const struct audit_who *req_who(struct req *r)
{
	struct audit_who *w = arena_alloc(&r->arena, sizeof *w);
	w->actor = r->user ? r->user->username : "-";
	w->from = r->remote;
	return w;
}

int req_audit_commit(struct req *r, const char *action, const char *target, const char *detail)
{
	struct err e;
	if (audit_write(r->db, req_who(r), action, target, detail, &e) < 0 || db_commit(r->db, &e) < 0) {
		db_rollback(r->db);
		r->cause = arena_strdup(&r->arena, e.msg);
		return -1;
	}
	return 0;
}

int audit_unsaved(struct req *r, const char *cause)
{
	if (cause)
		r->cause = arena_strdup(&r->arena, cause);
	return resp_error(r, 503, T(r, "The change could not be saved: nothing was changed. Please try again."));
}
