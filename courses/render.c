/*
 * Lesson rendering with cmark-gfm and its table extension alone (GitHub's pipe tables; no raw-HTML
 * filter, autolink or other extension is enabled). cmark escapes every byte of text and turns raw
 * HTML into a comment (we never pass CMARK_OPT_UNSAFE), so after rendering the
 * only "<a href=", "<img src=" and "<hN>" in the output are tags cmark made:
 * we rewrite URLs in the tree before rendering, then add attributes to those
 * tags only.
 */
#include "courses/render.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "lib/xmalloc.h"

struct imgdim {
	char *url;
	int w, h;
};

struct rstate {
	const struct render_opts *o;
	const char *src;
	size_t len;
	struct imgdim *dims;
	size_t ndims, capdims;
	char **ids;
	size_t nids, capids;
	int problems;
};

/* Something made harmless (a dangerous URL emptied): reported, but not a problem. */
static void warning(struct rstate *s, int line, const char *fmt, const char *arg)
{
	if (!s->o->pr)
		return;
	char msg[600];
	snprintf(msg, sizeof msg, fmt, arg);
	problem_warn(s->o->pr, s->o->file, line, "%s", msg);
}

static void problem(struct rstate *s, int line, const char *fmt, const char *arg)
{
	s->problems++;
	if (!s->o->pr)
		return;
	char msg[600];
	snprintf(msg, sizeof msg, fmt, arg);
	problem_add(s->o->pr, s->o->file, line, "%s", msg);
}

/* Offset of the start of line (1-based) in src. */
static size_t line_start(const char *src, size_t len, int line)
{
	size_t off = 0;
	for (int l = 1; l < line && off < len; off++)
		if (src[off] == '\n')
			l++;
	return off;
}

/* The line of node's URL: the enclosing block's lines, narrowed to where the URL text appears. */
static int node_line(struct rstate *s, cmark_node *node, const char *url)
{
	cmark_node *b = node;
	while (b && cmark_node_get_start_line(b) <= 0)
		b = cmark_node_parent(b);
	if (!b)
		return 1;
	/* Inline nodes may carry their own line; prefer the block and search, which is exact for one-line URLs. */
	while (b && ((unsigned)cmark_node_get_type(b) & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_INLINE)
		b = cmark_node_parent(b);
	if (!b)
		return 1;
	int first = cmark_node_get_start_line(b), last = cmark_node_get_end_line(b);
	size_t from = line_start(s->src, s->len, first), to = line_start(s->src, s->len, last + 1);
	size_t ul = strlen(url);
	if (ul && to > from) {
		for (size_t i = from; i + ul <= to; i++) {
			if (memcmp(s->src + i, url, ul) == 0) {
				int line = first;
				for (size_t k = from; k < i; k++)
					if (s->src[k] == '\n')
						line++;
				return line;
			}
		}
	}
	return first;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Resolves rel (a relative URL path, no query or fragment) against the folder
 * of base into out. -1 when it climbs above the package root or is too long.
 */
static int resolve_rel(const char *base, const char *rel, char *out, size_t outlen)
{
	char dec[1024];
	size_t n = 0;
	for (size_t i = 0; rel[i] && n + 1 < sizeof dec; i++) {
		if (rel[i] == '%' && hexval(rel[i + 1]) >= 0 && hexval(rel[i + 2]) >= 0) {
			dec[n++] = (char)(hexval(rel[i + 1]) * 16 + hexval(rel[i + 2]));
			i += 2;
		} else {
			dec[n++] = rel[i];
		}
	}
	dec[n] = '\0';
	if (memchr(dec, '\0', n) || strlen(dec) != n)
		return -1;
	char path[1024];
	size_t plen = 0;
	const char *slash = strrchr(base, '/');
	if (slash) {
		plen = (size_t)(slash - base);
		if (plen >= sizeof path)
			return -1;
		memcpy(path, base, plen);
	}
	path[plen] = '\0';
	for (char *c = dec; *c;) {
		char *end = strchr(c, '/');
		size_t cl = end ? (size_t)(end - c) : strlen(c);
		if (cl == 0 || (cl == 1 && c[0] == '.')) {
			/* nothing */
		} else if (cl == 2 && c[0] == '.' && c[1] == '.') {
			if (plen == 0)
				return -1;
			char *up = strrchr(path, '/');
			plen = up ? (size_t)(up - path) : 0;
			path[plen] = '\0';
		} else {
			if (plen + cl + 2 >= sizeof path)
				return -1;
			if (plen)
				path[plen++] = '/';
			memcpy(path + plen, c, cl);
			plen += cl;
			path[plen] = '\0';
		}
		if (!end)
			break;
		c = end + 1;
	}
	if (!plen || plen + 1 > outlen)
		return -1;
	memcpy(out, path, plen + 1);
	return 0;
}

/* Copies the scheme of url (lower-cased) into out; false when url has none. */
static bool url_scheme(const char *url, char *out, size_t outlen)
{
	size_t i = 0;
	if (!((url[0] >= 'a' && url[0] <= 'z') || (url[0] >= 'A' && url[0] <= 'Z')))
		return false;
	for (; url[i] && url[i] != ':'; i++) {
		char c = url[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
			  c == '-' || c == '.';
		if (!ok || i + 1 >= outlen)
			return false;
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	if (url[i] != ':')
		return false;
	out[i] = '\0';
	return true;
}

static void add_dim(struct rstate *s, const char *url, int w, int h)
{
	if (s->ndims == s->capdims) {
		s->capdims = s->capdims ? s->capdims * 2 : 8;
		s->dims = xrealloc(s->dims, s->capdims * sizeof *s->dims);
	}
	s->dims[s->ndims++] = (struct imgdim){xstrdup(url), w, h};
}

static void fix_link(struct rstate *s, cmark_node *node, bool image)
{
	const char *u = cmark_node_get_url(node);
	if (!u || !*u)
		return;
	char *url = xstrdup(u);
	char scheme[16];
	int line = node_line(s, node, url);
	if (url[0] == '#') {
		if (image) {
			problem(s, line, "image '%s' is not a file in the package", url);
			cmark_node_set_url(node, "");
		}
	} else if (url_scheme(url, scheme, sizeof scheme)) {
		bool safe = !strcmp(scheme, "http") || !strcmp(scheme, "https") || !strcmp(scheme, "mailto") ||
			    !strcmp(scheme, "tel");
		if (!safe) {
			/* javascript:, data:, vbscript:, file:...: never output; removed rather than refused. */
			warning(s, line, "link '%s' uses a scheme that is not allowed; it was removed", url);
			cmark_node_set_url(node, "");
		} else if (image) {
			problem(s, line, "image '%s' must be a file inside the package", url);
			cmark_node_set_url(node, "");
		}
	} else if (url[0] == '/' || url[0] == '\\') {
		problem(s, line, "link target '%s' must be a relative path inside the package", url);
		cmark_node_set_url(node, "");
	} else {
		char *frag = strchr(url, '#');
		if (frag)
			*frag++ = '\0';
		char *query = strchr(url, '?');
		if (query)
			*query = '\0';
		char path[1024];
		struct render_target t = {{0}, 0, 0, 0};
		int found = -1;
		if (resolve_rel(s->o->file, url, path, sizeof path) == 0 && s->o->resolve)
			found = s->o->resolve(s->o->ctx, path, &t);
		if (found < 0) {
			problem(s, line,
				found == ERR_INVALID
				    ? "link target '%s' is not a lesson, quiz or media file listed in the package"
				    : "link target '%s' not found",
				u);
			cmark_node_set_url(node, "");
		} else if (image && !t.image) {
			problem(s, line, "image '%s' is not an image file", u);
			cmark_node_set_url(node, "");
		} else {
			char full[1200];
			snprintf(full, sizeof full, "%s%s%s", t.url, frag && !image ? "#" : "",
				 frag && !image ? frag : "");
			cmark_node_set_url(node, full);
			if (image)
				add_dim(s, full, t.width, t.height);
		}
	}
	free(url);
}

static void text_of(cmark_node *node, struct buf *b)
{
	cmark_iter *it = cmark_iter_new(node);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);
		if (ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE))
			buf_puts(b, cmark_node_get_literal(n));
		else if (ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK))
			buf_putc(b, ' ');
	}
	cmark_iter_free(it);
}

static void add_heading_id(struct rstate *s, const char *text)
{
	struct buf id = BUF_INIT;
	bool dash = false;
	for (const unsigned char *c = (const unsigned char *)text; *c && id.len < 80; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c >= 0x80) {
			if (dash && id.len)
				buf_putc(&id, '-');
			dash = false;
			buf_putc(&id, (char)*c);
		} else if (*c >= 'A' && *c <= 'Z') {
			if (dash && id.len)
				buf_putc(&id, '-');
			dash = false;
			buf_putc(&id, (char)(*c + 32));
		} else {
			dash = true;
		}
	}
	/* Never cut a UTF-8 sequence in half: drop bytes until what is left is valid. */
	while (id.len && !utf8_valid(id.data, id.len))
		id.data[--id.len] = '\0';
	if (!id.len)
		buf_puts(&id, "section");
	char *base = buf_detach(&id, NULL);
	char *cand = xstrdup(base);
	for (int n = 2;; n++) {
		bool used = false;
		for (size_t i = 0; i < s->nids && !used; i++)
			used = strcmp(s->ids[i], cand) == 0;
		if (!used)
			break;
		free(cand);
		cand = xasprintf("%s-%d", base, n);
	}
	free(base);
	if (s->nids == s->capids) {
		s->capids = s->capids ? s->capids * 2 : 8;
		s->ids = xrealloc(s->ids, s->capids * sizeof *s->ids);
	}
	s->ids[s->nids++] = cand;
}

/* Copies an attribute value starting at p (just after the opening quote) up to the closing quote. */
static const char *attr_end(const char *p)
{
	const char *q = strchr(p, '"');
	return q ? q : p + strlen(p);
}

static void postprocess(struct rstate *s, const char *html, struct buf *out)
{
	size_t hi = 0;
	const char *p = html;
	while (*p) {
		const char *lt = strchr(p, '<');
		if (!lt) {
			buf_puts(out, p);
			break;
		}
		buf_add(out, p, (size_t)(lt - p));
		p = lt;
		if (strncmp(p, "<a href=\"", 9) == 0) {
			const char *v = p + 9, *end = attr_end(v);
			buf_add(out, p, (size_t)(end - p) + (*end ? 1 : 0));
			if (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0)
				buf_puts(out, " rel=\"noopener noreferrer\"");
			p = *end ? end + 1 : end;
		} else if (strncmp(p, "<img src=\"", 10) == 0) {
			const char *v = p + 10, *end = attr_end(v);
			buf_add(out, p, (size_t)(end - p) + (*end ? 1 : 0));
			buf_puts(out, " loading=\"lazy\"");
			for (size_t i = 0; i < s->ndims; i++) {
				if (strlen(s->dims[i].url) == (size_t)(end - v) &&
				    memcmp(s->dims[i].url, v, (size_t)(end - v)) == 0 && s->dims[i].w > 0) {
					buf_printf(out, " width=\"%d\" height=\"%d\"", s->dims[i].w, s->dims[i].h);
					break;
				}
			}
			p = *end ? end + 1 : end;
		} else if (strncmp(p, "<table>", 7) == 0) {
			/* a wide table scrolls inside the page on a phone, and the keyboard reaches it */
			buf_puts(out, "<div class=\"table-scroll\" tabindex=\"0\"><table>");
			p += 7;
		} else if (strncmp(p, "</table>", 8) == 0) {
			buf_puts(out, "</table></div>");
			p += 8;
		} else if (p[1] == 'h' && p[2] >= '1' && p[2] <= '6' && p[3] == '>' && hi < s->nids) {
			buf_printf(out, "<h%c id=\"", p[2]);
			buf_html(out, s->ids[hi++]);
			buf_puts(out, "\">");
			p += 4;
		} else {
			buf_putc(out, '<');
			p++;
		}
	}
}

/* cmark's allocations go through xmalloc's: out of memory is one clear message, not cmark's abort(). */
static void *cm_calloc(size_t n, size_t size)
{
	return xcalloc(n, size);
}

static void *cm_realloc(void *p, size_t n)
{
	return xrealloc(p, n);
}

static cmark_mem cm_mem = {cm_calloc, cm_realloc, free};

static pthread_once_t extensions_once = PTHREAD_ONCE_INIT;

static void extensions_register(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

/* A Markdown parser in safe mode with the pipe-table extension, the one setting of every lesson parse. */
static cmark_parser *parser_new(void)
{
	pthread_once(&extensions_once, extensions_register);
	cmark_parser *parser = cmark_parser_new_with_mem(CMARK_OPT_DEFAULT, &cm_mem);
	cmark_syntax_extension *table = cmark_find_syntax_extension("table");
	if (table)
		cmark_parser_attach_syntax_extension(parser, table);
	return parser;
}

int render_lesson(const char *src, size_t len, const struct render_opts *o, struct buf *html, char **title)
{
	struct rstate s = {.o = o, .src = src, .len = len};
	*title = NULL;
	/* CMARK_OPT_DEFAULT is safe mode: never CMARK_OPT_UNSAFE. */
	cmark_parser *parser = parser_new();
	cmark_parser_feed(parser, src, len);
	cmark_node *doc = cmark_parser_finish(parser);
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node *n = cmark_iter_get_node(it);
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_LINK:
			fix_link(&s, n, false);
			break;
		case CMARK_NODE_IMAGE:
			fix_link(&s, n, true);
			break;
		case CMARK_NODE_HEADING: {
			struct buf t = BUF_INIT;
			text_of(n, &t);
			add_heading_id(&s, buf_str(&t));
			if (!*title && cmark_node_get_heading_level(n) == 1 && t.len)
				*title = xstrdup(buf_str(&t));
			buf_release(&t);
			break;
		}
		case CMARK_NODE_HTML_BLOCK:
		case CMARK_NODE_HTML_INLINE:
			/* Rendered as a comment in safe mode; drop it so nothing of it is left. */
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
	char *out =
	    cmark_render_html_with_mem(doc, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(parser), &cm_mem);
	cmark_parser_free(parser);
	postprocess(&s, out, html);
	free(out);
	cmark_node_free(doc);
	for (size_t i = 0; i < s.ndims; i++)
		free(s.dims[i].url);
	free(s.dims);
	for (size_t i = 0; i < s.nids; i++)
		free(s.ids[i]);
	free(s.ids);
	return s.problems;
}

cmark_node *render_parse(const char *src, size_t len)
{
	cmark_parser *parser = parser_new();
	cmark_parser_feed(parser, src, len);
	cmark_node *doc = cmark_parser_finish(parser);
	cmark_parser_free(parser);
	return doc;
}

int render_resolve_path(const char *base, const char *rel, char *out, size_t outlen)
{
	return resolve_rel(base, rel, out, outlen);
}
