#define _POSIX_C_SOURCE 200809L
#include "server/server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "assessment/attempt.h"
#include "lib/db.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "server/conns.h"
#include "server/h_checkin.h"
#include "server/h_survey.h"
#include "server/h_training.h"
#include "server/multipart.h"
#include "server/observe.h"
#include "server/views.h"

#define DEFAULT_MAX_BODY (1u << 20)
/* A body must arrive within this many seconds, however slowly it trickles. */
#define BODY_DEADLINE_S 30

static volatile sig_atomic_t stopping;
static const char *db_path;

static const struct route *const tables[] = {
    view_routes,  auth_routes,	   profile_routes, admin_routes,  package_routes, course_routes,
    quiz_routes,  report_routes,   cert_routes,	   api_routes,	  ops_routes,	  grading_routes,
    audit_routes, training_routes, checkin_routes, survey_routes,
};

static volatile sig_atomic_t hangup, stop_signal;

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		hangup = 1;
		return;
	}
	stop_signal = sig;
	stopping++;
}

/*
 * The database connections, lent to request threads one at a time. CivetWeb
 * runs a thread per open HTTP connection; a SQLite connection for each (page
 * cache, schema, statements: 150-300 KB) made 1,000 open connections cost
 * over 300 MB (docs/performance.md). A few pooled connections, each with a
 * larger page cache, serve the same threads in less memory and hit the cache
 * more often.
 */
static struct db_pool *pool;
/* A request that gets no database connection within this long is answered 503 (busy), not kept waiting. */
#define POOL_WAIT_MS 30000

static void exit_thread(const struct mg_context *ctx, int type, void *p)
{
	(void)ctx, (void)type, (void)p;
	http_thread_release();
}

/* Matches pattern against path, capturing ":x" segments and a trailing "*". */
static bool route_match(const char *pattern, const char *path, struct req *r)
{
	r->nparam = 0;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (*p == '*') {
			if (r->nparam < 4)
				r->param[r->nparam++] = arena_strdup(&r->arena, s);
			return true;
		}
		if (*p == ':') {
			const char *end = strchr(s, '/');
			size_t n = end ? (size_t)(end - s) : strlen(s);
			if (n == 0)
				return false;
			if (r->nparam < 4)
				r->param[r->nparam++] = arena_strndup(&r->arena, s, n);
			s += n;
			while (*p && *p != '/')
				p++;
			continue;
		}
		if (*p != *s)
			return false;
		p++, s++;
	}
	return *p == '\0' && *s == '\0';
}

/* Reads the body: 0, an HTTP status (411, 413, 400), or a REQ_LIMIT_* code for a form past its limits. */
static int read_body(struct req *r, size_t max)
{
	const struct mg_request_info *ri = mg_get_request_info(r->conn);
	if (ri->content_length < 0) {
		/* Bodies must say their length: a chunked body is refused, not left unread on the connection. */
		const char *te = req_header(r, "Transfer-Encoding");
		return te && *te ? 411 : 0;
	}
	if ((unsigned long long)ri->content_length > max)
		return 413;
	size_t want = (size_t)ri->content_length;
	r->body = arena_alloc(&r->arena, want + 1);
	size_t got = 0;
	time_t deadline = time(NULL) + BODY_DEADLINE_S;
	while (got < want) {
		int n = mg_read(r->conn, r->body + got, want - got);
		if (n <= 0 || time(NULL) > deadline)
			return 400;
		got += (size_t)n;
	}
	r->body[got] = '\0';
	r->body_len = got;
	/* Past a limit (server/http.h) the body is refused whole: a negative REQ_LIMIT_* code. */
	const char *ct = req_header(r, "Content-Type");
	if (ct && str_starts(ct, "application/x-www-form-urlencoded"))
		return form_parse_bounded(&r->arena, r->body, r->body_len, &r->form, &r->nform);
	if (ct &&
	    strncasecmp(ct, "multipart/form-data", 19) == 0) /* text fields (csrf...); files via multipart_file() */
		return multipart_form(&r->arena, ct, r->body, r->body_len, &r->form, &r->nform);
	return 0;
}

/*
 * The session's user into r->user (NULL for a visitor). -1 when a session token came but could not be
 * looked up because the database could not be read (no primary reachable): that visitor is not logged
 * out, and is answered 503.
 */
static int load_user(struct req *r)
{
	const char *tok = NULL;
	const char *auth = req_header(r, "Authorization");
	if (r->api && auth && strncasecmp(auth, "Bearer ", 7) == 0)
		tok = auth + 7;
	else
		tok = req_cookie(r, SESSION_COOKIE);
	if (!tok)
		return 0;
	r->user = arena_alloc(&r->arena, sizeof *r->user);
	/* The session, the user and their roles in one query. */
	if (session_user_lookup(r->db, tok, &r->session, r->user) < 0) {
		r->user = NULL;
		return db_unavailable() || db_read_failed(false) ? -1 : 0;
	}
	snprintf(r->token, sizeof r->token, "%s", tok);
	return 0;
}

static void pick_lang(struct req *r)
{
	const char *q = req_query(r, "lang");
	const char *c = req_cookie(r, "sala_lang");
	/* The cookie is this device's choice; the user's stored language is the default for a new device. */
	if (q && i18n_known(q))
		r->lang = arena_strdup(&r->arena, q);
	else if (c && i18n_known(c))
		r->lang = c;
	else if (r->user && i18n_known(r->user->lang))
		r->lang = r->user->lang;
	else
		r->lang = i18n_negotiate(req_header(r, "Accept-Language"));
}

static bool state_changing(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

/* Cross-site request forgery: forms carry a token; the API needs JSON (forcing a preflight) and, with a cookie session,
 * the token header. */
static bool csrf_pass(struct req *r)
{
	if (!state_changing(r->method))
		return true;
	if (r->api) {
		const char *auth = req_header(r, "Authorization");
		if (auth && strncasecmp(auth, "Bearer ", 7) == 0)
			return true;
		const char *ct = req_header(r, "Content-Type");
		bool json = ct && str_starts(ct, "application/json");
		if (!r->user)
			return json;
		const char *h = req_header(r, "X-CSRF-Token");
		return h && strcmp(h, r->session.csrf) == 0;
	}
	return req_csrf_ok(r);
}

/*
 * A user who must change their password (reset by an administrator, or an
 * activation code just used) may reach only the change form, the language
 * switch, logging out and the stylesheet until they do.
 */
static bool forced_change_allows(const char *method, const char *path)
{
	static const char *const open_paths[] = {
	    "/profile/password", "/api/v1/me/password", "/logout", "/api/v1/logout", "/lang", "/healthz"};
	for (size_t i = 0; i < sizeof open_paths / sizeof open_paths[0]; i++)
		if (strcmp(path, open_paths[i]) == 0)
			return true;
	return !state_changing(method) && str_starts(path, "/static/");
}

static int forced_change_refuse(struct req *r)
{
	if (!r->api && !state_changing(r->method))
		return resp_redirect(r, "/profile/password");
	return resp_error(r, 403, tr(r->lang, "You must change your password before doing anything else."));
}

/* "Allow: GET, HEAD, OPTIONS\r\n": the methods of the routes matching the request's path. */
static const char *allow_header(struct req *r)
{
	struct buf b = BUF_INIT;
	bool get = false;
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const struct route *rt = tables[t]; rt->method; rt++) {
			if (!route_match(rt->pattern, r->path, r))
				continue;
			char item[16];
			snprintf(item, sizeof item, "%s, ", rt->method);
			if (!strstr(buf_str(&b), item))
				buf_puts(&b, item);
			get = get || strcmp(rt->method, "GET") == 0;
		}
	char *h = arena_printf(&r->arena, "Allow: %s%sOPTIONS\r\n", buf_str(&b), get ? "HEAD, " : "");
	buf_release(&b);
	return h;
}

/*
 * Writes stop once the database file was deleted or replaced under the server (db_file_ok: one stat()):
 * open connections would still write to the old, unlinked file, and a 200 would promise data that is not
 * kept. Reads go on from the open file. True (and *status set to the 503 sent) when this request is refused.
 */
static bool writes_stopped(struct req *r, int *status)
{
	if (!state_changing(r->method) || db_file_ok())
		return false;
	*status = resp_error(r, 503,
			     tr(r->lang, "The server cannot save anything right now: its database file is "
					 "missing or was replaced. Nothing was saved. Please try again later."));
	return true;
}

static int dispatch(struct mg_connection *conn, void *cbdata)
{
	(void)cbdata;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct timespec t0;
	observe_begin(&t0);
	struct req r = {.conn = conn,
			.db = pool ? db_pool_take(pool, POOL_WAIT_MS) : NULL,
			.method = ri->request_method,
			.remote = ri->remote_addr};
	const struct route *hit = NULL;
	http_request_begin();
	/* The one client address of the request: the TCP peer, or what a trusted proxy says it forwarded for. */
	const char *xff = mg_get_header(conn, "X-Forwarded-For");
	if (xff) {
		char *addr = arena_alloc(&r.arena, 64);
		conns_client_addr(ri->remote_addr, xff, addr, 64);
		r.remote = addr;
	}
	r.path = ri->local_uri ? ri->local_uri : "/";
	r.api = str_starts(r.path, "/api/");
	int status;
	if (!r.db) {
		r.lang = "en";
		r.cause = pool ? "no database connection came free in time (see sala_db_pool_timeouts_total)"
			       : "the server has no database";
		status = resp_error(
		    &r, 503, "The server is busy, or its database is not available. Please try again in a moment.");
		goto done;
	}
	/* A GET reads from one snapshot (anything that writes ends it: lib/db.h). */
	if (!state_changing(r.method))
		db_snapshot_begin(r.db);
	int refused = req_parse_head(&r); /* the query string, and the cookies load_user() reads */
	if (refused < 0) {
		status = req_refuse(&r, refused);
		goto done;
	}
	int unread = load_user(&r);
	pick_lang(&r);
	if (unread < 0) {
		status =
		    resp_error(&r, 503, tr(r.lang, "The database could not be read. Please try again in a moment."));
		goto done;
	}

	bool path_seen = false;
	for (size_t t = 0; t < sizeof tables / sizeof tables[0] && !hit; t++) {
		for (const struct route *rt = tables[t]; rt->method; rt++) {
			if (!route_match(rt->pattern, r.path, &r))
				continue;
			path_seen = true;
			if (strcmp(rt->method, r.method) == 0 ||
			    (strcmp(rt->method, "GET") == 0 && strcmp(r.method, "HEAD") == 0)) {
				hit = rt;
				break;
			}
		}
	}
	if (!hit && path_seen && strcmp(r.method, "OPTIONS") == 0) {
		/* Answered here, never by CivetWeb's CORS code: the methods, and no Access-Control-* header. */
		status = resp_send(&r, 204, NULL, "", 0, allow_header(&r));
		goto done;
	}
	if (!hit) {
		if (path_seen)
			resp_add_header(&r, allow_header(&r));
		status = path_seen ? resp_error(&r, 405, tr(r.lang, "That method is not allowed here."))
				   : resp_error(&r, 404, tr(r.lang, "Page not found."));
		goto done;
	}
	route_match(hit->pattern, r.path, &r);
	if (hit->role && !r.user) {
		if (r.api || state_changing(r.method)) {
			status = resp_error(&r, 401, tr(r.lang, "Please log in."));
		} else {
			struct buf to = BUF_INIT;
			buf_puts(&to, "/login?next=");
			buf_url(&to, ri->request_uri ? ri->request_uri : "/");
			status = resp_redirect(&r, buf_str(&to));
			buf_release(&to);
		}
		goto done;
	}
	if (r.user && r.user->must_change && !forced_change_allows(r.method, r.path)) {
		status = forced_change_refuse(&r);
		goto done;
	}
	if (!req_has_role(&r, hit->role)) {
		status = resp_error(&r, 403, tr(r.lang, "You do not have access to this page."));
		goto done;
	}
	if (writes_stopped(&r, &status))
		goto done;
	if (state_changing(r.method)) {
		/* A phone may take a while to send the body: the connection serves others meanwhile. */
		db_pool_pause();
		int bad = read_body(&r, hit->max_body ? hit->max_body : DEFAULT_MAX_BODY);
		db_pool_resume();
		if (bad < 0) {
			status = req_refuse(&r, bad);
			goto done;
		}
		if (bad) {
			status = resp_error(&r, bad,
					    bad == 413	 ? tr(r.lang, "The request is too large.")
					    : bad == 411 ? tr(r.lang, "The request must give its Content-Length.")
							 : tr(r.lang, "The request could not be read."));
			mg_printf(conn, "%s", ""); /* nothing more to read: the connection closes */
			goto done;
		}
		if (!csrf_pass(&r)) {
			status = resp_error(
			    &r, 403, tr(r.lang, "The form has expired or came from another site. Please try again."));
			goto done;
		}
	}
	status = hit->handler(&r);
done:
	/* The status that went out: a reply may have been replaced by a 503 when the database could not be
	 * read (send_parts() in server/http.c), whatever the handler returns. */
	if (r.status > 0)
		status = r.status;
	observe_end(&r, hit, status > 0 ? status : 500, &t0);
	if (r.user)
		user_release(r.user);
	if (r.db) {
		db_snapshot_end(r.db);
		db_pool_give(pool, r.db);
	}
	arena_release(&r.arena);
	return status > 0 ? status : 500;
}

/* Re-reads trusted_proxies (a change made with `sala settings set` applies within a second). */
static void refresh_trusted(void)
{
	struct db *db = pool ? db_pool_take(pool, 1000) : NULL;
	if (!db)
		return;
	char *v = setting_value(db, "trusted_proxies");
	db_pool_give(pool, db);
	conns_set_trusted(v);
	free(v);
}

/* Opens and closes a connection to the server itself, so conns.c learns what it needs before any client comes. */
static void self_connect(const char *host, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || sa.sin_addr.s_addr == htonl(INADDR_ANY))
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		log_msg(LOG_WARN, "conn-cap",
			"cannot connect to itself on %s:%d: connections per address are capped "
			"from the first closed connection on",
			host, port);
	close(fd);
}

static int log_message(const struct mg_connection *conn, const char *msg)
{
	(void)conn;
	log_msg(LOG_ERROR, "http", "%s", msg);
	return 1;
}

/*
 * The address to give CivetWeb: "PORT" means 127.0.0.1:PORT (never every
 * interface by accident), "localhost:PORT" too; otherwise an IPv4 address and
 * a port. -1 with a message naming the value otherwise.
 */
static int listen_parse(const char *in, char *out, size_t n, struct err *e)
{
	const char *colon = strrchr(in, ':');
	const char *port = colon ? colon + 1 : in;
	char *end;
	long p = strtol(port, &end, 10);
	if (!*port || *end || p < 0 || p > 65535)
		return err_set(e, "cannot listen on '%s': give PORT or ADDRESS:PORT with a port from 0 to 65535", in);
	if (!colon) {
		snprintf(out, n, "127.0.0.1:%ld", p);
		return 0;
	}
	char host[64];
	snprintf(host, sizeof host, "%.*s", (int)(colon - in), in);
	struct in_addr a;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	else if (inet_pton(AF_INET, host, &a) != 1)
		return err_set(e, "cannot listen on '%s': '%s' is not an IPv4 address (e.g. 127.0.0.1:8080)", in, host);
	snprintf(out, n, "%s:%ld", host, p);
	return 0;
}

/*
 * The listening socket CivetWeb opened on port, found among this process's
 * descriptors, and the address it is bound to (read back from the kernel, so
 * the log says what is really listening). -1 when not found.
 */
static int listen_socket(int port, char *addr, size_t n)
{
	for (int fd = 0; fd < 4096; fd++) {
		struct sockaddr_in sa;
		socklen_t len = sizeof sa;
		int listening = 0;
		socklen_t ol = sizeof listening;
		if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 || sa.sin_family != AF_INET ||
		    ntohs(sa.sin_port) != port)
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ol) < 0 || !listening)
			continue;
		inet_ntop(AF_INET, &sa.sin_addr, addr, (socklen_t)n);
		return fd;
	}
	return -1;
}

/*
 * Stops taking connections without stopping CivetWeb: the listening socket's
 * descriptor is replaced by a pipe's read end, which never becomes readable.
 * The port is free at once (for the next server), new clients are refused,
 * and connections already accepted are served. (mg_stop() would also end the
 * writes of responses still on their way.)
 */
static int wake_fd = -1; /* the write end of the pipe that replaced the listening socket */

static void stop_accepting(int fd)
{
	int p[2];
	if (fd < 0 || pipe(p) < 0)
		return;
	/*
	 * dup2() alone leaves the socket listening while CivetWeb's poll() still holds it, and from then
	 * on nobody accepts: new clients wait in its queue until the process exits and are then reset
	 * (measured: 2 s, and a POST that nginx had sent got 502). shutdown() stops the listening at once,
	 * so they are refused and nginx sends them to the other server.
	 */
	shutdown(fd, SHUT_RDWR);
	dup2(p[0], fd);
	close(p[0]);
	/* The write end stays open (the pipe never signals end of file) until the process exits. */
	wake_fd = p[1];
}

/*
 * CivetWeb's master thread waits in poll() on the listening descriptor for up
 * to 2 s before it sees that mg_stop() asked it to end, and mg_stop() waits for
 * it. One byte in the pipe that now stands in for the listening socket wakes
 * it at once; the byte is written shortly after mg_stop() has set its stop
 * flag (a thread of its own), so the master ends instead of trying to accept.
 */
static void *wake_master(void *arg)
{
	(void)arg;
	struct timespec ts = {0, 20 * 1000 * 1000};
	for (int i = 0; i < 100; i++) {
		nanosleep(&ts, NULL);
		if (write(wake_fd, "x", 1) < 0)
			break;
	}
	return NULL;
}

/*
 * A graceful stop: no new connections, then up to drain_s seconds for the
 * requests in flight (downloads included) to finish, or until a second
 * SIGTERM/SIGINT. Returns how many were still running (and are cut).
 */
static int drain(int fd, int drain_s)
{
	observe_drain_begin();
	stop_accepting(fd);
	struct buf f = BUF_INIT;
	log_kv(&f, "signal", stop_signal == SIGINT ? "INT" : "TERM");
	log_kvi(&f, "in_flight", observe_in_flight());
	log_kvi(&f, "drain_seconds", drain_s);
	log_fields(LOG_INFO, "stopping", &f);
	buf_release(&f);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int quiet = 0;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= drain_s || stopping > 1)
			break;
		/* Connections accepted just before may not have reached dispatch yet: idle for a moment first. */
		quiet = observe_in_flight() == 0 ? quiet + 1 : 0;
		if (quiet >= 3)
			break;
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return observe_in_flight();
}

static void on_hangup(void)
{
	struct err e;
	struct buf f = BUF_INIT;
	log_kv(&f, "signal", "HUP");
	if (!log_file_path()) {
		log_kv(&f, "action", "ignored");
		log_kv(&f, "msg", "logging to standard output: nothing to reopen");
	} else if (log_reopen(&e) < 0) {
		log_kv(&f, "action", "kept");
		log_kv(&f, "msg", e.msg);
	} else {
		log_kv(&f, "action", "reopened");
		log_kv(&f, "log", log_file_path());
	}
	log_fields(LOG_INFO, "signal", &f);
	buf_release(&f);
}

/* The start line, with the address the kernel says is bound; a warning when every interface listens. */
static void log_started(const char *host, int port, int drain_s)
{
	struct buf f = BUF_INIT;
	char addr[96], url[128];
	snprintf(addr, sizeof addr, "%s:%d", host, port);
	snprintf(url, sizeof url, "http://%s:%d/", host, port);
	log_kv(&f, "listen", addr);
	log_kv(&f, "url", url);
	log_kv(&f, "database", db_path ? db_path : "none");
	log_kvi(&f, "drain_seconds", drain_s > 0 ? drain_s : SERVER_DRAIN_SECONDS);
	log_kvi(&f, "pid", (long long)getpid());
	log_fields(LOG_INFO, "start", &f);
	buf_release(&f);
	if (strcmp(host, "0.0.0.0") == 0)
		log_msg(LOG_WARN, "start",
			"listening on %s: every machine that can reach this one can connect; serve on 127.0.0.1 behind "
			"nginx with TLS unless this is what you want",
			addr);
}

/* The stop line: the address that was served, and how many requests the drain deadline cut. */
static void log_stopped(const char *host, int port, int cut)
{
	struct buf f = BUF_INIT;
	char addr[96];
	snprintf(addr, sizeof addr, "%s:%d", host, port);
	log_kv(&f, "listen", addr);
	log_kvi(&f, "cut", cut);
	if (cut)
		log_kv(&f, "msg", "requests still running at the drain deadline were cut (sala serve --drain-seconds)");
	log_fields(cut ? LOG_WARN : LOG_INFO, "stop", &f);
	buf_release(&f);
}

/* Remembers which file the database is, so that its deletion or replacement stops writes (writes_stopped). */
static int watch_database(const char *path)
{
	struct err e;
	if (db_watch(path, &e) < 0) {
		log_msg(LOG_ERROR, "error", "%s", e.msg);
		return -1;
	}
	return 0;
}

int server_run(const struct server_opts *o)
{
	db_path = o->db_path;
	char listen[128];
	struct err le;
	if (listen_parse(o->listen ? o->listen : "127.0.0.1:8080", listen, sizeof listen, &le) < 0) {
		log_msg(LOG_ERROR, "start-failed", "%s", le.msg);
		return 1;
	}
	char threads[16];
	snprintf(threads, sizeof threads, "%d", o->threads > 0 ? o->threads : SERVER_THREADS);
	/* No document_root: every byte comes from handlers (no directory listing, no CGI). */
	const char *options[] = {
	    "listening_ports",
	    listen,
	    "num_threads",
	    threads,
	    "tcp_nodelay",
	    "1",
	    "request_timeout_ms",
	    "10000",
	    "keep_alive_timeout_ms",
	    "5000",
	    "enable_keep_alive",
	    "yes",
	    "max_request_size",
	    "16384",
	    "enable_directory_listing",
	    "no",
	    "cgi_pattern",
	    "**.sala-no-cgi$",
	    /* Empty: CivetWeb answers no CORS preflight itself; OPTIONS reaches dispatch. */
	    "access_control_allow_origin",
	    "",
	    "access_control_allow_methods",
	    "",
	    "access_control_allow_headers",
	    "",
	    NULL,
	};
	struct mg_callbacks cb = {0};
	cb.exit_thread = exit_thread;
	cb.log_message = log_message;
	cb.init_connection = conns_open;
	cb.connection_close = conns_close;
	cb.http_error = http_error_reply;
	conns_set_cap(o->conns_per_address >= 0 ? o->conns_per_address : SERVER_CONNS_PER_ADDRESS);
	server_messages_register();
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL); /* logrotate, a closed terminal: never a stop */
	signal(SIGPIPE, SIG_IGN);
	observe_init(tables, sizeof tables / sizeof tables[0], db_path,
		     (long long)(o->min_free_mb > 0 ? o->min_free_mb : SERVER_MIN_FREE_MB) << 20);
	/* No connection is open here (cmd_serve closed its handle), as db_memstatus_off() needs. */
	db_memstatus_off();
	if (db_path && watch_database(db_path) < 0)
		return 1;
	if (db_path) {
		struct err e;
		int conns = o->db_connections > 0 ? o->db_connections : SERVER_DB_CONNECTIONS;
		int cache_kb = o->db_cache_kb > 0 ? o->db_cache_kb : SERVER_DB_CACHE_KB;
		if (db_group_start(db_path, &e) < 0 || db_checkpointer_start(db_path, &e) < 0 ||
		    !(pool = db_pool_open(db_path, conns, cache_kb, &e))) {
			log_msg(LOG_ERROR, "start-failed", "%s", e.msg);
			db_checkpointer_stop();
			db_group_stop();
			return 1;
		}
	}
	refresh_trusted();
	mg_init_library(0);
	struct mg_context *ctx = mg_start(&cb, NULL, options);
	if (!ctx) {
		log_msg(LOG_ERROR, "start-failed", "cannot listen on %s (the address is in use, or not this machine's)",
			listen);
		mg_exit_library();
		db_pool_close(pool);
		pool = NULL;
		db_checkpointer_stop();
		db_group_stop();
		return 1;
	}
	mg_set_request_handler(ctx, "/", dispatch, NULL);
	struct mg_server_port ports[4];
	int n = mg_get_server_ports(ctx, 4, ports);
	int port = n > 0 ? ports[0].port : 0;
	char bound[64];
	snprintf(bound, sizeof bound, "%.*s", (int)(strrchr(listen, ':') - listen), listen);
	int lfd = listen_socket(port, bound, sizeof bound);
	log_started(bound, port, o->drain_seconds);
	self_connect(bound, port);
	if (o->port_file) {
		char txt[16];
		int len = snprintf(txt, sizeof txt, "%d\n", port);
		struct err e;
		if (file_write_atomic(o->port_file, txt, (size_t)len, 0644, &e) < 0)
			log_msg(LOG_ERROR, "start", "%s", e.msg);
	}
	int sweep = 0;
	while (!stopping) {
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (sweep % 5 == 4)
			refresh_trusted();
		if (hangup) {
			hangup = 0;
			on_hangup();
		}
		if (++sweep == 300 && db_path && db_file_ok()) {
			sweep = 0;
			struct err e;
			struct db *db = db_open(db_path, &e);
			if (db) {
				sessions_sweep(db);
				db_close(db);
			}
		}
	}
	int cut = drain(lfd, o->drain_seconds > 0 ? o->drain_seconds : SERVER_DRAIN_SECONDS);
	pthread_t waker;
	bool waking = wake_fd >= 0 && pthread_create(&waker, NULL, wake_master, NULL) == 0;
	if (waking)
		pthread_detach(waker);
	mg_stop(ctx);
	log_stopped(bound, port, cut);
	mg_exit_library();
	db_pool_close(pool);
	pool = NULL;
	db_checkpointer_stop();
	db_group_stop();
	http_cache_release();
	attempt_cache_release();
	conns_release();
	return 0;
}
