/* Allow-list HTML cleaning over libxml2's HTML parser (see lib/html.h). */
#include "lib/html.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/xmalloc.h"

static pthread_once_t html_once = PTHREAD_ONCE_INIT;

static void html_init_once(void)
{
	xmlInitParser();
}

void html_init(void)
{
	pthread_once(&html_once, html_init_once);
}

/* Elements kept with their tags (no attributes unless named in emit_open). */
static const char *const kept[] = {"p",	    "br",    "b",     "strong", "i",	"em",  "u",	"sub",
				   "sup",   "ul",    "ol",    "li",	"code", "pre", "table", "caption",
				   "thead", "tbody", "tfoot", "tr",	"th",	"td",  NULL};
/* Elements dropped with everything inside them. */
static const char *const dropped[] = {"script",	  "style",    "iframe", "object",   "embed", "template",
				      "noscript", "textarea", "select", "svg",	    "math",  "head",
				      "title",	  "applet",   "frame",	"frameset", "form",  "button",
				      "input",	  "audio",    "video",	"canvas",   NULL};
/* Tags dropped but read as the end of a block: a line break keeps the text apart. */
static const char *const blockish[] = {
    "div",    "h1",   "h2",	"h3",	   "h4", "h5", "h6",	 "blockquote", "section", "article", "header",
    "footer", "main", "center", "address", "dd", "dt", "figure", "figcaption", "dl",	  "hr",	     NULL};

static bool in(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

struct clean {
	struct buf out, text;
	html_img_fn img;
	void *ctx;
};

static bool all_digits(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool http_url(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

bool html_media_url(const char *src)
{
	static const char *const exts[] = {"png", "jpg", "jpeg", "gif", "webp", NULL};
	if (!src || strncmp(src, "/media/", 7) != 0)
		return false;
	const char *h = src + 7;
	for (int i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return h[64] == '.' && in(exts, h + 65);
}

/* Appends the attribute name="value" when node has it and ok(value). */
static void attr(struct buf *b, xmlNode *node, const char *name, bool digits)
{
	xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
	if (!v)
		return;
	if (!digits || all_digits((const char *)v, 5)) {
		buf_printf(b, " %s=\"", name);
		buf_html(b, (const char *)v);
		buf_putc(b, '"');
	}
	xmlFree(v);
}

static void walk(struct clean *c, xmlNode *node, int depth);

static void children(struct clean *c, xmlNode *node, int depth)
{
	for (xmlNode *k = node->children; k; k = k->next)
		walk(c, k, depth + 1);
}

static bool ends_with(const struct buf *b, const char *s)
{
	size_t n = strlen(s);
	return b->len >= n && memcmp(b->data + b->len - n, s, n) == 0;
}

static void element(struct clean *c, xmlNode *node, int depth)
{
	const char *name = (const char *)node->name;
	if (in(dropped, name))
		return;
	if (strcmp(name, "img") == 0) {
		xmlChar *src = xmlGetProp(node, (const xmlChar *)"src");
		struct buf url = BUF_INIT;
		if (src && c->img && c->img(c->ctx, (const char *)src, &url)) {
			buf_puts(&c->out, "<img src=\"");
			buf_html(&c->out, buf_str(&url));
			buf_putc(&c->out, '"');
			attr(&c->out, node, "alt", false);
			attr(&c->out, node, "width", true);
			attr(&c->out, node, "height", true);
			buf_puts(&c->out, " loading=\"lazy\">");
		}
		buf_release(&url);
		if (src)
			xmlFree(src);
		return;
	}
	if (strcmp(name, "a") == 0) {
		xmlChar *href = xmlGetProp(node, (const xmlChar *)"href");
		bool ok = href && http_url((const char *)href);
		if (ok) {
			buf_puts(&c->out, "<a href=\"");
			buf_html(&c->out, (const char *)href);
			buf_puts(&c->out, "\" rel=\"noopener noreferrer\">");
		}
		if (href)
			xmlFree(href);
		children(c, node, depth);
		if (ok)
			buf_puts(&c->out, "</a>");
		return;
	}
	if (in(kept, name)) {
		buf_printf(&c->out, "<%s", name);
		if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
			attr(&c->out, node, "colspan", true);
			attr(&c->out, node, "rowspan", true);
		}
		buf_putc(&c->out, '>');
		if (strcmp(name, "br") == 0) {
			buf_putc(&c->text, ' ');
			return;
		}
		children(c, node, depth);
		buf_printf(&c->out, "</%s>", name);
		static const char *const inl[] = {"b", "strong", "i", "em", "u", "sub", "sup", "code", NULL};
		if (!in(inl, name))
			buf_putc(&c->text, ' ');
		return;
	}
	children(c, node, depth);
	if (in(blockish, name) && c->out.len && !ends_with(&c->out, "<br>") && !ends_with(&c->out, "</p>") &&
	    !ends_with(&c->out, "</ul>") && !ends_with(&c->out, "</ol>") && !ends_with(&c->out, "</table>") &&
	    !ends_with(&c->out, "</pre>")) {
		buf_puts(&c->out, "<br>");
		buf_putc(&c->text, ' ');
	}
}

static void walk(struct clean *c, xmlNode *node, int depth)
{
	if (depth > HTML_MAX_DEPTH)
		return;
	switch (node->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (node->content) {
			buf_html(&c->out, (const char *)node->content);
			buf_puts(&c->text, (const char *)node->content);
		}
		break;
	case XML_ELEMENT_NODE:
		element(c, node, depth);
		break;
	default: /* comments, processing instructions, DTDs: never shown */
		break;
	}
}

/* Folds runs of white space into one space and trims; caller frees. */
static char *fold(const char *s)
{
	struct buf b = BUF_INIT;
	bool space = false;
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f') {
			space = true;
			continue;
		}
		if (space && b.len)
			buf_putc(&b, ' ');
		space = false;
		buf_putc(&b, *s);
	}
	char *r = xstrdup(buf_str(&b));
	buf_release(&b);
	return r;
}

static bool starts_block(const char *s)
{
	static const char *const tags[] = {"<p>", "<ul>", "<ol>", "<pre>", "<table>", NULL};
	for (const char *const *t = tags; *t; t++)
		if (strncmp(s, *t, strlen(*t)) == 0)
			return true;
	return false;
}

char *html_clean(const char *html, size_t len, bool block, html_img_fn img, void *ctx, char **text)
{
	html_init();
	struct clean c = {BUF_INIT, BUF_INIT, img, ctx};
	htmlDocPtr doc = NULL;
	if (len > 0 && len < (size_t)1 << 30)
		doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
				     HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	if (doc) {
		xmlNode *root = xmlDocGetRootElement(doc);
		xmlNode *body = NULL;
		/* <html><body>...: libxml2 adds the wrappers a fragment lacks. */
		for (xmlNode *k = root ? root->children : NULL; k && !body; k = k->next)
			if (k->type == XML_ELEMENT_NODE && strcmp((const char *)k->name, "body") == 0)
				body = k;
		if (body)
			children(&c, body, 0);
		else if (root && strcmp((const char *)root->name, "html") != 0)
			walk(&c, root, 1);
		xmlFreeDoc(doc);
	}
	/* Trailing line breaks from dropped blocks show nothing. */
	while (ends_with(&c.out, "<br>"))
		c.out.len -= 4, c.out.data[c.out.len] = '\0';
	const char *o = buf_str(&c.out);
	while (*o == ' ' || *o == '\n' || *o == '\t' || *o == '\r')
		o++;
	char *res;
	size_t n = strlen(o);
	while (n > 0 && (o[n - 1] == ' ' || o[n - 1] == '\n' || o[n - 1] == '\t' || o[n - 1] == '\r'))
		n--;
	if (n == 0) {
		res = xstrdup("");
	} else if (block && !starts_block(o)) {
		struct buf w = BUF_INIT;
		buf_puts(&w, "<p>");
		buf_add(&w, o, n);
		buf_puts(&w, "</p>");
		res = buf_detach(&w, NULL);
	} else if (!block && n >= 7 && strncmp(o, "<p>", 3) == 0 && strncmp(o + n - 4, "</p>", 4) == 0 &&
		   !strstr(o + 3, "<p>")) {
		res = xstrndup(o + 3, n - 7);
	} else {
		res = xstrndup(o, n);
	}
	if (text)
		*text = fold(buf_str(&c.text));
	buf_release(&c.out);
	buf_release(&c.text);
	return res;
}
