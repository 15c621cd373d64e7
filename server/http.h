/*
 * The request/response layer over CivetWeb. Only server/ includes civetweb.h.
 * A handler gets a struct req: the per-thread database handle, the logged-in
 * user (if any), the language, the parsed query and form, and an arena that
 * dies with the request. It answers with one of the resp_* functions, which
 * add the security headers, gzip when the client accepts it, and ETag/304.
 */
#ifndef SALA_HTTP_H
#define SALA_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "accounts/sessions.h"
#include "accounts/users.h"
#include "lib/arena.h"
#include "lib/audit.h"
#include "lib/buf.h"

struct mg_connection;

struct kv {
	char *key, *val;
};

struct req {
	struct mg_connection *conn;
	struct db *db;
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

/*
 * Request limits, all in one place.
 *
 * Stack: CivetWeb 1.15 as Debian builds it (CMake's default
 * CIVETWEB_THREAD_STACK_SIZE, 102400) runs each connection on a worker
 * thread with a 100 KiB stack; measured with pthread_getattr_np inside a
 * handler: 102,400 bytes, of which CivetWeb has used about 23 KB when it
 * calls dispatch(). So no request parser recurses on its input: the query
 * and urlencoded forms (form_parse_bounded), the header and Cookie checks
 * (req_parse_head), multipart (server/multipart.c) and the other headers
 * Sala reads (Accept-Language, Range, Content-Type...) are each one loop
 * over the bytes, whose stack use (well under 1 KB) does not grow with the
 * input. JSON bodies go to jansson, which recurses, only after lib/json.h's
 * iterative scan has refused more than JSON_MAX_DEPTH (32) levels: about
 * 6.5 KB of stack at that depth (measured), against some 75 KB left. The
 * fuzz harnesses (tests/fuzz/worker_stack.h) run every parser on a thread of
 * SERVER_WORKER_STACK bytes less 32 KB, so an overflow is a crash there.
 *
 * Size: CivetWeb caps the request line and headers at 16 KiB together
 * (max_request_size in server.c) and keeps at most 64 header lines (more
 * are refused here, as it would drop them unseen); each route caps its body
 * (struct route.max_body: 1 MiB by default). Within those, what passes a
 * limit below is refused with 400 (431 for header lines and cookies) and a
 * message naming the limit, never silently cut short.
 */
#define SERVER_WORKER_STACK (100 * 1024)
#define HEADER_MAX_LINES 63		/* header lines (CivetWeb keeps 64 and drops the rest unseen) */
#define FORM_MAX_PAIRS 1000		/* fields in a urlencoded body, or in a query string */
#define FORM_MAX_KEY 256		/* bytes in a field name as sent (values: bounded by body or head) */
#define COOKIE_MAX_HEADER 8192		/* bytes in the Cookie header */
#define COOKIE_MAX_COUNT 50		/* cookies in it (RFC 6265's minimum for a browser) */
#define COOKIE_MAX_VALUE 255		/* bytes in the value of one of Sala's own cookies (sala_*) */
#define MULTIPART_MAX_PARTS 100		/* parts in a multipart/form-data body */
#define MULTIPART_MAX_HEADERS 8192	/* bytes of one part's header block */
#define MULTIPART_MAX_FIELD (64 * 1024) /* bytes of one text (non-file) part */
#define MULTIPART_MAX_BOUNDARY 70	/* characters in the boundary (RFC 2046) */

/* Why a part of a request was refused; req_refuse() answers with the limit named. */
enum req_limit {
	REQ_LIMIT_FIELDS = -1,	      /* more than FORM_MAX_PAIRS fields */
	REQ_LIMIT_KEY = -2,	      /* a field name longer than FORM_MAX_KEY */
	REQ_LIMIT_COOKIES = -3,	      /* more than COOKIE_MAX_COUNT cookies */
	REQ_LIMIT_COOKIE_HEADER = -4, /* Cookie header longer than COOKIE_MAX_HEADER */
	REQ_LIMIT_COOKIE_VALUE = -5,  /* a sala_* cookie longer than COOKIE_MAX_VALUE */
	REQ_LIMIT_PARTS = -6,	      /* more than MULTIPART_MAX_PARTS parts */
	REQ_LIMIT_PART_HEADERS = -7,  /* a part's headers longer than MULTIPART_MAX_HEADERS */
	REQ_LIMIT_PART_FIELD = -8,    /* a text part longer than MULTIPART_MAX_FIELD */
	REQ_LIMIT_BOUNDARY = -9,      /* no boundary, or longer than MULTIPART_MAX_BOUNDARY */
	REQ_BAD_MULTIPART = -10,      /* not well-formed multipart/form-data */
	REQ_LIMIT_HEADERS = -11,      /* more than HEADER_MAX_LINES header lines */
};

/*
 * Parses the query string into r->query and checks the number of header
 * lines and the Cookie header against the limits above. 0, or a
 * REQ_LIMIT_* code (nothing parsed).
 */
int req_parse_head(struct req *r);
/*
 * One Cookie header value: counts its cookies on from *count (more than
 * COOKIE_MAX_COUNT: REQ_LIMIT_COOKIES) and checks Sala's own (sala_*) are
 * at most COOKIE_MAX_VALUE bytes (else REQ_LIMIT_COOKIE_VALUE); 0 when fine.
 */
int req_cookie_check(const char *header, size_t *count);
/* Sends the 400 (or 431) for a REQ_LIMIT_* code, its message naming the limit; returns the status. */
int req_refuse(struct req *r, int code);
/* The status and the English message (a printf format taking the limit) for a REQ_LIMIT_* code. */
int req_limit_status(int code, const char **fmt, long *limit);

/* Form, query and header access. Values are borrowed until the request ends. */
const char *req_form(struct req *r, const char *key);
const char *req_query(struct req *r, const char *key);
const char *req_header(struct req *r, const char *name);
const char *req_cookie(struct req *r, const char *name); /* arena copy or NULL */
/* The cookie name in a Cookie header value (NULL: none): an arena copy, or NULL (absent or too long). */
const char *req_cookie_in(struct arena *a, const char *header, const char *name);
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
int resp_stream(struct req *r, int status, const char *type, size_t len, const char *headers, resp_read_fn read,
		void *ctx);
/*
 * A workbook (or any file a library writes to a path) as a download: write(ctx, path, tmpdir, e) writes it to
 * a new temporary file in $TMPDIR (else /tmp), which is opened, unlinked and sent from the open file a chunk
 * at a time (resp_stream). release(ctx), when not NULL, is called once the file is written (or has failed),
 * before the download starts, so what the writer read can be freed before a slow client is served. A failure
 * (no temporary file, write() < 0, the file gone) is logged under `what` and answered 500. headers as for
 * resp_send(): the Content-Disposition. Returns the status sent.
 */
typedef int (*resp_file_writer)(void *ctx, const char *path, const char *tmpdir, struct err *e);
int resp_xlsx(struct req *r, const char *what, const char *headers, resp_file_writer write, void (*release)(void *ctx),
	      void *ctx);
/*
 * The answer to HEAD for a document made on request (a certificate, a bulk
 * print): the status and headers a GET would send, without Content-Length
 * and without making the document to count it.
 */
int resp_head(struct req *r, int status, const char *type, const char *headers);
/* True when the request is HEAD. */
bool req_is_head(const struct req *r);
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
/*
 * The one mapping of domain results (the shared codes of lib/err.h) to HTTP status: ERR_NOTFOUND 404,
 * ERR_INVALID 400, ERR_CONFLICT and ERR_LIMIT 409, ERR_FORBIDDEN 403, ERR_UNAVAILABLE 503, ERR_FAIL and any
 * other negative value 500; success (0 or more) 200.
 */
int http_status_of(int rc);
/* True (and a 304 already sent) when If-None-Match matches etag; otherwise adds nothing. */
bool resp_not_modified(struct req *r, const char *etag);
/* Sets a cookie on the next response (name=value; Path=/; HttpOnly; SameSite=Lax; max_age<0 deletes). */
void resp_cookie(struct req *r, const char *name, const char *value, long max_age);
/* An ETag header to add to the next response. */
void resp_etag(struct req *r, const char *etag);
/* A "Retry-After: seconds" header to add to the next response (a 429 or 503). */
void resp_retry_after(struct req *r, int64_t seconds);
/* Header lines ("Name: value\r\n", from the code, never from input) to add to the next response. */
void resp_add_header(struct req *r, const char *lines);

/*
 * Parses an application/x-www-form-urlencoded string (a body or a query
 * string; s[0..len), need not be terminated) into *n pairs in the arena:
 * 0, or REQ_LIMIT_FIELDS / REQ_LIMIT_KEY with *out NULL and *n 0.
 */
int form_parse_bounded(struct arena *a, const char *s, size_t len, struct kv **out, size_t *n);
/* The same, returning the number of pairs: 0 (nothing) when a limit is passed. */
size_t form_parse(struct arena *a, const char *s, size_t len, struct kv **out);
/* Registers the messages of the request layer (the limits) in the catalogue. */
void http_messages_register(void);
/* gzip-compresses in into out (appending). -1 on failure. */
int gzip_buf(const void *in, size_t len, struct buf *out);

/*
 * A complete plain-text response that ends the connection (status line,
 * Sala's security headers, Connection: close, body) written into out; its
 * length, or -1 when it does not fit. For replies made outside a request.
 */
int http_refusal(char *out, size_t size, int status, const char *text);
/*
 * CivetWeb's http_error callback: CivetWeb's own error replies (a request it
 * cannot parse: 400, 413, 505...) go out with Sala's headers. Returns 0 (sent).
 */
int http_error_reply(struct mg_connection *conn, int status, const char *msg);

/* Clears response state a previous request on this thread may have left. */
void http_request_begin(void);
/* Frees the calling thread's response state (CivetWeb exit_thread). */
void http_thread_release(void);

/*
 * Records an administrative action that changes nothing in the database (an
 * export: "certificate.bulk") in the audit trail (lib/audit.h: a log line and
 * a row of audit_log): the acting user, the client address, action, target
 * (e.g. "org:12") and optional detail. A change records its entry in its own
 * transaction instead: req_audit_commit(), or a domain function given req_who().
 */
void req_audit(struct req *r, const char *action, const char *target, const char *detail);

/* Who acts in this request (the user, the client address), for audit_write(); borrowed until the request ends. */
const struct audit_who *req_who(struct req *r);
/*
 * Ends the transaction of a change the caller began (db_begin) and made: stores its audit entry (lib/audit.h)
 * inside it and commits both. 0; or -1 with r->cause set, everything rolled back, and nothing recorded.
 */
int req_audit_commit(struct req *r, const char *action, const char *target, const char *detail);

/*
 * The answer to a change that could not be saved with its audit entry (its transaction could not begin or
 * commit): 503, nothing was changed. cause: the database's message for the log (NULL: r->cause says it).
 */
int audit_unsaved(struct req *r, const char *cause);

/* Starts the session after login: a new token (never the old one), cookie set. -1 (r->cause says why) on failure. */
int req_login(struct req *r, int64_t user_id);
void req_logout(struct req *r);

#endif
