/*
 * The preview server: one package from disk, checked and rendered again on
 * every request so an author sees each edit at once. Pages use the normal
 * layout with no user and no database.
 */
#define _POSIX_C_SOURCE 200809L
#include "server/preview.h"

#include <civetweb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "assessment/quiz.h"
#include "courses/media.h"
#include "courses/package.h"
#include "lib/i18n.h"
#include "lib/util.h"
#include "server/packages.h"
#include "server/quiz_preview.h"
#include "server/server.h"
#include "server/views.h"

static volatile sig_atomic_t preview_stopping;
static const char *preview_dir;
static struct pkg_limits preview_lim; /* set before the server starts, then read-only */

static void on_signal(int sig)
{
	(void)sig;
	preview_stopping = 1;
}

struct loaded {
	struct package p;
	struct pkg_info info;
	struct problems pr;
	struct err e;
	bool ok; /* the folder could be read */
};

static void load(struct loaded *l)
{
	memset(l, 0, sizeof *l);
	if (pkg_load_dir(preview_dir, &preview_lim, &l->p, &l->e) < 0)
		return;
	l->ok = true;
	pkg_analyze(&l->p, &preview_lim, 0, &l->info, &l->pr);
}

static void unload(struct loaded *l)
{
	pkg_info_free(&l->info);
	problems_release(&l->pr);
	if (l->ok)
		pkg_free(&l->p);
}

static void problems_box(struct buf *b, struct loaded *l)
{
	if (!l->pr.n)
		return;
	buf_printf(b, "<div class=\"notice error\"><p>%d problem%s: </p><pre>", l->pr.n, l->pr.n == 1 ? "" : "s");
	buf_html(b, problems_text(&l->pr));
	buf_puts(b, "</pre></div>");
}

/* Keeps the language chosen with ?lang= on the preview's own links (there is no session to hold it). */
static void lang_query(struct buf *b, struct req *r)
{
	if (strcmp(r->lang, "en") != 0)
		buf_printf(b, "?lang=%s", r->lang);
}

static void item_href(struct buf *b, struct req *r, struct loaded *l, const struct pkg_item *it)
{
	buf_puts(b, "/courses/");
	buf_html(b, l->info.id ? l->info.id : "x");
	buf_puts(b, it->quiz ? "/quizzes/" : "/lessons/");
	buf_html(b, it->path);
	lang_query(b, r);
}

/* An error page with the preview's header (resp_error's links to log in and /lang do not exist here). */
static int preview_error(struct req *r, int status, const char *msg)
{
	struct buf b = BUF_INIT;
	page_begin_preview(r, &b, T(r, "Problem"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Something is not right"));
	notice(&b, "error", msg);
	buf_puts(&b, "<p><a href=\"/");
	lang_query(&b, r);
	buf_printf(&b, "\">%s</a></p>", T(r, "Back to the start page"));
	page_end(r, &b);
	return page_send(r, status, &b);
}

static int overview(struct req *r, struct loaded *l)
{
	struct buf b = BUF_INIT;
	page_begin_preview(r, &b, l->info.title ? l->info.title : "Preview");
	notice(&b, "info", "Preview of a package on disk: nothing is saved; reload to see your edits.");
	buf_puts(&b, "<h1>");
	buf_html(&b, l->info.title ? l->info.title : "(no title)");
	buf_puts(&b, "</h1><p class=\"meta\">");
	buf_html(&b, l->info.id ? l->info.id : "?");
	buf_puts(&b, " ");
	buf_html(&b, l->info.version ? l->info.version : "?");
	buf_puts(&b, " (");
	buf_html(&b, l->info.language ? l->info.language : "?");
	buf_printf(&b, ") · %d min</p><p>", l->info.minutes);
	buf_html(&b, l->info.summary ? l->info.summary : "");
	buf_puts(&b, "</p>");
	problems_box(&b, l);
	buf_puts(&b, "<ol class=\"outline\">");
	for (size_t i = 0; i < l->info.nitems; i++) {
		const struct pkg_item *it = &l->info.items[i];
		buf_puts(&b, "<li><a href=\"");
		item_href(&b, r, l, it);
		buf_puts(&b, "\">");
		buf_html(&b, it->title ? it->title : it->path);
		buf_puts(&b, "</a>");
		if (it->quiz)
			buf_printf(&b, " <span class=\"meta\">(%s, %d questions)</span>",
				   it->quiz_kind ? it->quiz_kind : "", it->questions);
		buf_puts(&b, "</li>");
	}
	buf_puts(&b, "</ol>");
	page_end(r, &b);
	return page_send(r, 200, &b);
}

static int item_page(struct req *r, struct loaded *l, bool quiz, const char *path)
{
	size_t i = 0;
	while (i < l->info.nitems && (l->info.items[i].quiz != quiz || strcmp(l->info.items[i].path, path) != 0))
		i++;
	if (i == l->info.nitems)
		return preview_error(r, 404, "There is no such lesson or quiz in course.yml.");
	const struct pkg_item *it = &l->info.items[i];
	struct buf b = BUF_INIT;
	page_begin_preview(r, &b, it->title ? it->title : it->path);
	buf_puts(&b, "<p><a href=\"/");
	lang_query(&b, r);
	buf_puts(&b, "\">");
	buf_html(&b, l->info.title ? l->info.title : "Course");
	buf_puts(&b, "</a></p>");
	problems_box(&b, l);
	if (quiz) {
		/* As learners see it (questions in the file's order, not shuffled), with an answer check. */
		const struct pkg_file *f = pkg_find(&l->p, it->path);
		buf_puts(&b, "<h1>");
		buf_html(&b, it->title ? it->title : it->path);
		buf_printf(&b, "</h1><p class=\"meta\">%s, %d questions</p>", it->quiz_kind ? it->quiz_kind : "",
			   it->questions);
		if (f) {
			struct quiz q;
			quiz_parse(it->path, (const char *)f->data, f->len, &q, NULL);
			quiz_preview_html(r, &b, &q, r->path, l->info.language ? l->info.language : "en");
			quiz_free(&q);
		}
	} else {
		buf_puts(&b, "<article class=\"lesson\">");
		buf_puts(&b, it->html ? it->html : ""); /* cmark safe-mode output */
		buf_puts(&b, "</article>");
	}
	buf_puts(&b, "<nav class=\"pager\">");
	if (i > 0) {
		buf_puts(&b, "<a href=\"");
		item_href(&b, r, l, &l->info.items[i - 1]);
		buf_puts(&b, "\">&larr; ");
		buf_html(&b, l->info.items[i - 1].title ? l->info.items[i - 1].title : "");
		buf_puts(&b, "</a>");
	}
	if (i + 1 < l->info.nitems) {
		buf_puts(&b, "<a href=\"");
		item_href(&b, r, l, &l->info.items[i + 1]);
		buf_puts(&b, "\">");
		buf_html(&b, l->info.items[i + 1].title ? l->info.items[i + 1].title : "");
		buf_puts(&b, " &rarr;</a>");
	}
	buf_puts(&b, "</nav>");
	page_end(r, &b);
	return page_send(r, 200, &b);
}

static int media(struct req *r, struct loaded *l, const char *name)
{
	char sha[65], ext[8], fext[8], hex[65];
	if (media_name_parse(name, sha, ext) < 0)
		return preview_error(r, 404, "Page not found.");
	for (size_t i = 0; i < l->p.nfiles; i++) {
		const struct pkg_file *f = &l->p.files[i];
		if (strcmp(media_ext(f->path, fext), ext) != 0)
			continue;
		sha256_hex(f->data, f->len, hex);
		if (strcmp(hex, sha) == 0)
			return media_send(r, media_type_for_ext(ext), sha, f->data, f->len);
	}
	return preview_error(r, 404, "Page not found.");
}

static int static_file(struct req *r)
{
	for (const struct route *rt = view_routes; rt->method; rt++) {
		if (strcmp(rt->pattern, "/static/sala.*") == 0) {
			r->param[0] = r->path + strlen("/static/sala.");
			r->nparam = 1;
			return rt->handler(r);
		}
	}
	return preview_error(r, 404, "Page not found.");
}

static int handle(struct mg_connection *conn, void *cbdata)
{
	(void)cbdata;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct req r = {.conn = conn, .method = ri->request_method, .remote = ri->remote_addr, .lang = "en"};
	r.path = ri->local_uri ? ri->local_uri : "/";
	int refused = ri->query_string ? form_parse_bounded(&r.arena, ri->query_string, strlen(ri->query_string),
							    &r.query, &r.nquery)
				       : 0;
	/* The language chosen with ?lang= is also kept in a cookie, so links inside lesson text (which carry no
	 * query) stay in it. */
	const char *q = req_query(&r, "lang");
	const char *c = req_cookie(&r, "sala_lang");
	if (q && i18n_known(q)) {
		r.lang = strcmp(q, "km") == 0 ? "km" : "en";
		resp_cookie(&r, "sala_lang", r.lang, 365L * 86400);
	} else if (c && i18n_known(c)) {
		r.lang = strcmp(c, "km") == 0 ? "km" : "en";
	}
	int status;
	if (refused < 0) {
		const char *fmt;
		long limit;
		int st = req_limit_status(refused, &fmt, &limit);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		status = preview_error(&r, st, arena_printf(&r.arena, tr(r.lang, fmt), limit));
#pragma GCC diagnostic pop
	} else if (strcmp(r.method, "GET") != 0 && strcmp(r.method, "HEAD") != 0) {
		status = preview_error(&r, 405, "The preview is read-only.");
	} else if (str_starts(r.path, "/static/sala.")) {
		status = static_file(&r);
	} else {
		struct loaded l;
		load(&l);
		const char *id = l.info.id ? l.info.id : "x";
		char prefix[128];
		if (!l.ok) {
			status = preview_error(&r, 500, l.e.msg);
		} else if (strcmp(r.path, "/") == 0) {
			status = overview(&r, &l);
		} else if (str_starts(r.path, "/media/")) {
			status = media(&r, &l, r.path + 7);
		} else if (snprintf(prefix, sizeof prefix, "/courses/%s/lessons/", id) > 0 &&
			   str_starts(r.path, prefix)) {
			status = item_page(&r, &l, false, r.path + strlen(prefix));
		} else if (snprintf(prefix, sizeof prefix, "/courses/%s/quizzes/", id) > 0 &&
			   str_starts(r.path, prefix)) {
			status = item_page(&r, &l, true, r.path + strlen(prefix));
		} else {
			status = preview_error(&r, 404, "Page not found.");
		}
		unload(&l);
	}
	arena_release(&r.arena);
	return status > 0 ? status : 500;
}

int preview_run(const char *dir, const char *listen, const char *port_file, const struct pkg_limits *lim)
{
	preview_dir = dir;
	preview_lim = *lim;
	const char *options[] = {
	    "listening_ports",
	    listen,
	    "num_threads",
	    "4",
	    "tcp_nodelay",
	    "1",
	    "request_timeout_ms",
	    "10000",
	    "enable_keep_alive",
	    "yes",
	    "max_request_size",
	    "16384",
	    "enable_directory_listing",
	    "no",
	    "cgi_pattern",
	    "**.sala-no-cgi$",
	    NULL,
	};
	server_messages_register();
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	mg_init_library(0);
	struct mg_callbacks cb = {0};
	struct mg_context *ctx = mg_start(&cb, NULL, options);
	if (!ctx) {
		fprintf(stderr, "sala: cannot listen on %s (in use, or not an address:port)\n", listen);
		mg_exit_library();
		return 1;
	}
	mg_set_request_handler(ctx, "/", handle, NULL);
	struct mg_server_port ports[4];
	int n = mg_get_server_ports(ctx, 4, ports);
	int port = n > 0 ? ports[0].port : 0;
	printf("sala: previewing %s at http://127.0.0.1:%d/ (Ctrl-C to stop)\n", dir, port);
	fflush(stdout);
	if (port_file) {
		char txt[16];
		int len = snprintf(txt, sizeof txt, "%d\n", port);
		struct err e;
		if (file_write_atomic(port_file, txt, (size_t)len, 0644, &e) < 0)
			fprintf(stderr, "sala: %s\n", e.msg);
	}
	while (!preview_stopping) {
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	mg_stop(ctx);
	mg_exit_library();
	return 0;
}
