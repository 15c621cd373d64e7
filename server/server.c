#define _POSIX_C_SOURCE 200809L
#include "server/server.h"

#include <civetweb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "assessment/attempt.h"
#include "lib/db.h"
#include "lib/i18n.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "server/multipart.h"
#include "server/views.h"

#define DEFAULT_MAX_BODY (1u << 20)
/* A body must arrive within this many seconds, however slowly it trickles. */
#define BODY_DEADLINE_S 30

static volatile sig_atomic_t stopping;
static const char *db_path;

static const struct route *const tables[] = {
	view_routes, auth_routes, admin_routes, package_routes, course_routes, quiz_routes, report_routes, cert_routes, api_routes,
};

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
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
	const char *ct = req_header(r, "Content-Type");
	if (ct && str_starts(ct, "application/x-www-form-urlencoded"))
		r->nform = form_parse(&r->arena, r->body, r->body_len, &r->form);
	else if (ct && multipart_is(ct)) /* text fields (csrf...) of an upload form; files via multipart_file() */
		r->nform = multipart_fields(&r->arena, ct, r->body, r->body_len, &r->form);
	return 0;
}

static void load_user(struct req *r)
{
	const char *tok = NULL;
	const char *auth = req_header(r, "Authorization");
	if (r->api && auth && strncasecmp(auth, "Bearer ", 7) == 0)
		tok = auth + 7;
	else
		tok = req_cookie(r, SESSION_COOKIE);
	if (!tok || session_lookup(r->db, tok, &r->session) < 0)
		return;
	r->user = arena_alloc(&r->arena, sizeof *r->user);
	if (user_get(r->db, r->session.user_id, r->user) < 0) {
		r->user = NULL;
		return;
	}
	snprintf(r->token, sizeof r->token, "%s", tok);
}

static void pick_lang(struct req *r)
{
	const char *q = req_query(r, "lang");
	const char *c = req_cookie(r, "sala_lang");
	if (q && i18n_known(q))
		r->lang = arena_strdup(&r->arena, q);
	else if (r->user && i18n_known(r->user->lang))
		r->lang = r->user->lang;
	else if (c && i18n_known(c))
		r->lang = c;
	else
		r->lang = i18n_negotiate(req_header(r, "Accept-Language"));
}

static bool state_changing(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

/* Cross-site request forgery: forms carry a token; the API needs JSON (forcing a preflight) and, with a cookie session, the token header. */
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
 * Writes stop once the database file was deleted or replaced under the server (db_file_ok: one stat()):
 * open connections would still write to the old, unlinked file, and a 200 would promise data that is not
 * kept. Reads go on from the open file. True (and *status set to the 503 sent) when this request is refused.
 */
static bool writes_stopped(struct req *r, int *status)
{
	if (!state_changing(r->method) || db_file_ok())
		return false;
	*status = resp_error(r, 503, tr(r->lang, "The server cannot save anything right now: its database file is "
						 "missing or was replaced. Nothing was saved. Please try again later."));
	return true;
}

static int dispatch(struct mg_connection *conn, void *cbdata)
{
	(void)cbdata;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct req r = {.conn = conn, .db = pool ? db_pool_take(pool, POOL_WAIT_MS) : NULL, .method = ri->request_method, .remote = ri->remote_addr};
	http_request_begin();
	r.path = ri->local_uri ? ri->local_uri : "/";
	r.api = str_starts(r.path, "/api/");
	int status;
	if (!r.db) {
		r.lang = "en";
		status = resp_error(&r, 503, "The server is busy, or its database is not available. Please try again in a moment.");
		goto done;
	}
	/* A GET reads from one snapshot (anything that writes ends it: lib/db.h). */
	if (!state_changing(r.method))
		db_snapshot_begin(r.db);
	if (ri->query_string)
		r.nquery = form_parse(&r.arena, ri->query_string, strlen(ri->query_string), &r.query);
	load_user(&r);
	pick_lang(&r);

	const struct route *hit = NULL;
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
	if (!hit) {
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
		if (bad) {
			status = resp_error(&r, bad, bad == 413   ? tr(r.lang, "The request is too large.")
						     : bad == 411 ? tr(r.lang, "The request must give its Content-Length.")
								  : tr(r.lang, "The request could not be read."));
			mg_printf(conn, "%s", ""); /* nothing more to read: the connection closes */
			goto done;
		}
		if (!csrf_pass(&r)) {
			status = resp_error(&r, 403,
					    tr(r.lang, "The form has expired or came from another site. Please try again."));
			goto done;
		}
	}
	status = hit->handler(&r);
done:
	if (r.user)
		user_release(r.user);
	if (r.db) {
		db_snapshot_end(r.db);
		db_pool_give(pool, r.db);
	}
	arena_release(&r.arena);
	return status > 0 ? status : 500;
}

static int log_message(const struct mg_connection *conn, const char *msg)
{
	(void)conn;
	fprintf(stderr, "sala: http: %s\n", msg);
	return 1;
}

/* Remembers which file the database is, so that its deletion or replacement stops writes (writes_stopped). */
static int watch_database(const char *path)
{
	struct err e;
	if (db_watch(path, &e) < 0) {
		fprintf(stderr, "sala: %s\n", e.msg);
		return -1;
	}
	return 0;
}

int server_run(const struct server_opts *o)
{
	db_path = o->db_path;
	char listen[128];
	snprintf(listen, sizeof listen, "%s", o->listen ? o->listen : "127.0.0.1:8080");
	char threads[16];
	snprintf(threads, sizeof threads, "%d", o->threads > 0 ? o->threads : 32);
	/* No document_root: every byte comes from handlers (no directory listing, no CGI). */
	const char *options[] = {
		"listening_ports", listen,
		"num_threads", threads,
		"tcp_nodelay", "1",
		"request_timeout_ms", "10000",
		"keep_alive_timeout_ms", "5000",
		"enable_keep_alive", "yes",
		"max_request_size", "16384",
		"enable_directory_listing", "no",
		"cgi_pattern", "**.sala-no-cgi$",
		NULL,
	};
	struct mg_callbacks cb = {0};
	cb.exit_thread = exit_thread;
	cb.log_message = log_message;
	server_messages_register();
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * SQLite's memory statistics take one process-wide mutex on every allocation, which
	 * request threads contend for (docs/performance.md). Turn them off:
	 * sqlite3_config() needs SQLite shut down, which it is (cmd_serve closed its handle).
	 */
	sqlite3_shutdown();
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
	if (db_path && watch_database(db_path) < 0)
		return 1;
	if (db_path) {
		struct err e;
		int conns = o->db_connections > 0 ? o->db_connections : SERVER_DB_CONNECTIONS;
		int cache_kb = o->db_cache_kb > 0 ? o->db_cache_kb : SERVER_DB_CACHE_KB;
		if (db_group_start(db_path, &e) < 0 || db_checkpointer_start(db_path, &e) < 0 ||
		    !(pool = db_pool_open(db_path, conns, cache_kb, &e))) {
			fprintf(stderr, "sala: %s\n", e.msg);
			db_checkpointer_stop();
			db_group_stop();
			return 1;
		}
	}
	mg_init_library(0);
	struct mg_context *ctx = mg_start(&cb, NULL, options);
	if (!ctx) {
		fprintf(stderr, "sala: cannot listen on %s (in use, or not an address:port)\n", listen);
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
	char host[128];
	snprintf(host, sizeof host, "%s", listen);
	char *colon = strrchr(host, ':');
	if (colon)
		*colon = '\0';
	else
		snprintf(host, sizeof host, "127.0.0.1");
	printf("sala: serving http://%s:%d/ (database %s)\n", host, port, db_path ? db_path : "none");
	fflush(stdout);
	if (o->port_file) {
		char txt[16];
		int len = snprintf(txt, sizeof txt, "%d\n", port);
		struct err e;
		if (file_write_atomic(o->port_file, txt, (size_t)len, 0644, &e) < 0)
			fprintf(stderr, "sala: %s\n", e.msg);
	}
	int sweep = 0;
	while (!stopping) {
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (++sweep == 300 && db_path && db_file_ok()) {
			sweep = 0;
			struct err e;
			sqlite3 *db = db_open(db_path, &e);
			if (db) {
				sessions_sweep(db);
				db_close(db);
			}
		}
	}
	printf("sala: stopping\n");
	fflush(stdout);
	mg_stop(ctx);
	mg_exit_library();
	db_pool_close(pool);
	pool = NULL;
	db_checkpointer_stop();
	db_group_stop();
	http_cache_release();
	attempt_cache_release();
	return 0;
}
