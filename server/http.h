/*
 * The request/response layer over CivetWeb. Only server/ includes civetweb.h.
 * A handler gets a struct req: the per-thread database handle, the logged-in
 * user (if any), the language, the parsed query and form, and an arena that
 * dies with the request. It answers with one of the resp_* functions, which
 * add the security headers, gzip when the client accepts it, and ETag/304.
 */
#ifndef SALA_HTTP_H
#define SALA_HTTP_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/sessions.h"
#include "accounts/users.h"
#include "lib/arena.h"
#include "lib/buf.h"

struct mg_connection;

struct kv {
	char *key, *val;
};

struct req {
	struct mg_connection *conn;
	sqlite3 *db;
	struct arena arena;
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* decoded path, e.g. "/courses/cyber-awareness" */
	const char *remote; /* client address */
	const char *lang;   /* "en" or "km" */
	bool api;	    /* path under /api/: errors are JSON, CSRF is by header */
	/* Path parameters captured by ":name" and "*" segments of the route, in order. */
	const char *param[4];
	int nparam;
	/* Query string and (for POST) urlencoded form, decoded. */
	struct kv *query, *form;
	size_t nquery, nform;
	/* Raw body (POST/PUT), NUL-terminated, capped by the route's limit. */
	char *body;
	size_t body_len;
	/* Logged-in user, or NULL. */
	struct user *user;
	struct session session;
	char token[65];
	char anon_csrf[65]; /* pre-login CSRF token made for this request */
	/* Status sent, for the access log. */
	int status;
	/* Bytes written to the client for this response, headers included (the request log). */
	size_t sent;
	/* Why a 5xx was answered, for the error log line (resp_error() sets it; borrowed or in the arena). */
	const char *cause;
};

/* Route roles: 0 = public; ROLE_ANY = any logged-in user; otherwise any of the role bits. */
#define ROLE_ANY 0x100

struct route {
	const char *method;
	const char *pattern; /* e.g. "/courses/:id/media/" then a trailing star */
	unsigned role;
	int (*handler)(struct req *r);
	size_t max_body; /* 0 means the default (1 MiB) */
};

/* Form, query and header access. Values are borrowed until the request ends. */
const char *req_form(struct req *r, const char *key);
const char *req_query(struct req *r, const char *key);
const char *req_header(struct req *r, const char *name);
const char *req_cookie(struct req *r, const char *name); /* arena copy or NULL */
/* Integer form/query value in [min, max], else def. */
int64_t req_int(const char *s, int64_t min, int64_t max, int64_t def);
bool req_has_role(const struct req *r, unsigned roles);
/* The CSRF token to put in forms (session token, or a pre-login cookie token). */
const char *req_csrf(struct req *r);
/* True when the request carries the right CSRF token (form field "csrf" or header X-CSRF-Token). */
bool req_csrf_ok(struct req *r);

/* Sends a complete response. headers: extra "Name: value\r\n" lines or NULL. */
int resp_send(struct req *r, int status, const char *type, const void *body, size_t len, const char *headers);
/*
 * A body of len bytes read in chunks of up to 1 MB by read(ctx, offset, buf, n)
 * (0, or -1 to give up: the connection then ends short), never compressed.
 * Between chunks the thread's database connection is lent out (db_pool_pause),
 * so read() must take what it needs from the database anew each time.
 */
typedef int (*resp_read_fn)(void *ctx, size_t off, void *buf, size_t n);
int resp_stream(struct req *r, int status, const char *type, size_t len, const char *headers,
		resp_read_fn read, void *ctx);
/* HTML page (text/html; charset=utf-8), gzip when accepted. */
int resp_html(struct req *r, int status, const struct buf *body);
/*
 * An HTML page in three parts whose middle (a lesson body) is shared by many
 * responses: with gzip, the middle's compressed form is cached under key (a
 * hash that changes whenever mid does, at most 64 characters) and spliced
 * between the per-request head and tail. headers as for resp_send().
 */
int resp_html_parts(struct req *r, int status, const struct buf *head, const char *mid, const char *key,
		    const struct buf *tail, const char *headers);
/* The text of a shared part cached under key, or NULL; valid until the server stops. */
const char *http_part_text(const char *key);
/* Frees the shared compressed parts (at server stop). */
void http_cache_release(void);
/* JSON body. */
int resp_json(struct req *r, int status, const struct buf *body);
/* 303 See Other to a local path. */
int resp_redirect(struct req *r, const char *location);
/* An error: a small HTML page, or {"error": msg} under /api/. msg is shown as-is (escaped). */
int resp_error(struct req *r, int status, const char *msg);
/* True (and a 304 already sent) when If-None-Match matches etag; otherwise adds nothing. */
bool resp_not_modified(struct req *r, const char *etag);
/* Sets a cookie on the next response (name=value; Path=/; HttpOnly; SameSite=Lax; max_age<0 deletes). */
void resp_cookie(struct req *r, const char *name, const char *value, long max_age);
/* An ETag header to add to the next response. */
void resp_etag(struct req *r, const char *etag);

/* Parses an application/x-www-form-urlencoded string into pairs in the arena. */
size_t form_parse(struct arena *a, const char *s, size_t len, struct kv **out);
/* gzip-compresses in into out (appending). -1 on failure. */
int gzip_buf(const void *in, size_t len, struct buf *out);

/* Clears response state a previous request on this thread may have left. */
void http_request_begin(void);
/* Frees the calling thread's response state (CivetWeb exit_thread). */
void http_thread_release(void);

/*
 * Writes an audit line for an administrative action (lib/log.h): the acting
 * user, the client address, action (e.g. "user.create"), target (e.g.
 * "user:bopha") and optional detail.
 */
void req_audit(struct req *r, const char *action, const char *target, const char *detail);

/* Starts the session after login: a new token (never the old one), cookie set. -1 (r->cause says why) on failure. */
int req_login(struct req *r, int64_t user_id);
void req_logout(struct req *r);

#endif
