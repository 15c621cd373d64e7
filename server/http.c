#include "server/http.h"

#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "lib/util.h"
#include "lib/xmalloc.h"
#include "server/server.h"

/* Headers that every response carries (CivetWeb's additional_header does not apply to callbacks). */
static const char security_headers[] =
	"Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n"
	"X-Content-Type-Options: nosniff\r\n"
	"X-Frame-Options: DENY\r\n"
	"Referrer-Policy: same-origin\r\n";

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

const char *req_cookie(struct req *r, const char *name)
{
	const char *h = mg_get_header(r->conn, "Cookie");
	if (!h)
		return NULL;
	char val[256];
	if (mg_get_cookie(h, name, val, sizeof val) <= 0)
		return NULL;
	return arena_strdup(&r->arena, val);
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

static bool accepts_gzip(struct req *r)
{
	const char *ae = req_header(r, "Accept-Encoding");
	return ae && strstr(ae, "gzip") != NULL;
}

static bool compressible(const char *type)
{
	return str_starts(type, "text/") || str_starts(type, "application/json") ||
	       str_starts(type, "image/svg") || str_starts(type, "application/ld+json");
}

int gzip_buf(const void *in, size_t len, struct buf *out)
{
	z_stream z = {0};
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	size_t bound = deflateBound(&z, (uLong)len) + 32;
	buf_grow(out, bound);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->data + out->len;
	z.avail_out = (uInt)bound;
	int rc = deflate(&z, Z_FINISH);
	if (rc != Z_STREAM_END) {
		deflateEnd(&z);
		return -1;
	}
	out->len += z.total_out;
	out->data[out->len] = '\0';
	deflateEnd(&z);
	return 0;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 416: return "Range Not Satisfiable";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

int resp_send(struct req *r, int status, const char *type, const void *body, size_t len, const char *headers)
{
	struct buf z = BUF_INIT;
	const char *enc = "";
	bool head = strcmp(r->method, "HEAD") == 0;
	if (type && len > 1024 && compressible(type) && accepts_gzip(r) && gzip_buf(body, len, &z) == 0) {
		body = z.data;
		len = z.len;
		enc = "Content-Encoding: gzip\r\n";
	}
	mg_printf(r->conn,
		  "HTTP/1.1 %d %s\r\n%s%s%s%s%s%s%sContent-Length: %zu\r\n%s\r\n", status, status_text(status),
		  type ? "Content-Type: " : "", type ? type : "", type ? "\r\n" : "", security_headers, enc,
		  type && compressible(type) ? "Vary: Accept-Encoding\r\n" : "", buf_str(&pending.headers), len,
		  headers ? headers : "");
	if (len && !head)
		mg_write(r->conn, body, len);
	buf_reset(&pending.headers);
	buf_release(&z);
	r->status = status;
	return status;
}

int resp_html(struct req *r, int status, const struct buf *body)
{
	return resp_send(r, status, "text/html; charset=utf-8", buf_str(body), body->len,
			 "Cache-Control: private, no-cache\r\n");
}

int resp_json(struct req *r, int status, const struct buf *body)
{
	return resp_send(r, status, "application/json; charset=utf-8", buf_str(body), body->len,
			 "Cache-Control: no-store\r\n");
}

int resp_redirect(struct req *r, const char *location)
{
	/* Only local paths: never an open redirect. */
	if (!location || location[0] != '/' || location[1] == '/' || location[1] == '\\' ||
	    strpbrk(location, "\r\n"))
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

size_t form_parse(struct arena *a, const char *s, size_t len, struct kv **out)
{
	size_t n = 0, cap = 0;
	struct kv *kv = NULL;
	size_t i = 0;
	while (i < len && n < 1000) {
		size_t j = i;
		while (j < len && s[j] != '&')
			j++;
		if (j > i) {
			const char *eq = memchr(s + i, '=', j - i);
			size_t klen = eq ? (size_t)(eq - (s + i)) : j - i;
			size_t vlen = eq ? j - i - klen - 1 : 0;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				struct kv *grown = arena_alloc(a, cap * sizeof *grown);
				if (n)
					memcpy(grown, kv, n * sizeof *kv);
				kv = grown;
			}
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
	return n;
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
	if (session_create(r->db, user_id, r->token, r->session.csrf, &e) < 0)
		return -1;
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
