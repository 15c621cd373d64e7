/*
 * Moodle XML (the question bank's default export), read with libxml2:
 * multichoice (single and multiple), truefalse, shortanswer, numerical,
 * matching, essay, description; categories are ignored; any other type
 * (cloze, calculated, drag-and-drop, ...) is left out with a warning.
 * Texts keep their Moodle format (html, moodle_auto_format, plain_text,
 * markdown); HTML goes through the allow-list of lib/html.h. Images embedded
 * as <file encoding="base64"> and shown as <img src="@@PLUGINFILE@@/NAME">
 * become q->files, named /media/SHA256.EXT in the HTML: the import stores
 * them as package files, which /media serves.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "assessment/quiz_private.h"
#include "courses/media.h"
#include "lib/buf.h"
#include "lib/html.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

/* Embedded images above this many pixels are left out (as lesson images are refused above it). */
#define QUIZ_IMAGE_MAX_PIXELS (40 * 1000 * 1000)

struct mx {
	struct quiz_parser *p;
	struct quiz *q;
	int line;
	/* The current question's embedded images: name -> index in q->files. */
	char **names;
	size_t *index;
	size_t nnames;
};

static bool named(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *child(const xmlNode *n, const char *name)
{
	for (xmlNode *k = n ? n->children : NULL; k; k = k->next)
		if (named(k, name))
			return k;
	return NULL;
}

/* The text content of n (text and CDATA children only: entity references are never expanded); caller frees. */
static char *content(const xmlNode *n)
{
	struct buf b = BUF_INIT;
	for (xmlNode *k = n ? n->children : NULL; k; k = k->next)
		if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content)
			buf_puts(&b, (const char *)k->content);
	char *r = xstrdup(buf_str(&b));
	buf_release(&b);
	return r;
}

/* <x><text>...</text></x>: the trimmed text of x's <text> child, or "" ; caller frees. */
static char *text_of(const xmlNode *n)
{
	char *t = content(child(n, "text"));
	size_t a = 0, z = strlen(t);
	while (a < z && strchr(" \t\r\n", t[a]))
		a++;
	while (z > a && strchr(" \t\r\n", t[z - 1]))
		z--;
	char *r = xstrndup(t + a, z - a);
	free(t);
	return r;
}

static enum quiz_fmt format_of(const xmlNode *n, enum quiz_fmt dflt)
{
	xmlChar *f = n ? xmlGetProp(n, (const xmlChar *)"format") : NULL;
	enum quiz_fmt r = dflt;
	if (f) {
		const char *s = (const char *)f;
		r = strcmp(s, "html") == 0		   ? QF_HTML
		    : strcmp(s, "plain_text") == 0	   ? QF_PLAIN
		    : strcmp(s, "markdown") == 0	   ? QF_MARKDOWN
		    : strcmp(s, "moodle_auto_format") == 0 ? QF_MOODLE
							   : dflt;
		xmlFree(f);
	}
	return r;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* "@@PLUGINFILE@@/NAME" (NAME percent-encoded, as Moodle writes it) -> /media/SHA256.EXT of the embedded file. */
static bool img_embedded(void *ctx, const char *src, struct buf *out)
{
	struct mx *m = ctx;
	static const char pre[] = "@@PLUGINFILE@@/";
	if (strncmp(src, pre, sizeof pre - 1) != 0)
		return false;
	struct buf name = BUF_INIT;
	for (const char *s = src + sizeof pre - 1; *s; s++) {
		if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			buf_putc(&name, (char)(hexval(s[1]) * 16 + hexval(s[2])));
			s += 2;
		} else {
			buf_putc(&name, *s);
		}
	}
	bool ok = false;
	for (size_t i = 0; i < m->nnames && !ok; i++) {
		if (strcmp(m->names[i], buf_str(&name)) == 0) {
			const struct quiz_file *f = &m->q->files[m->index[i]];
			buf_printf(out, "/media/%s.%s", f->sha256, f->ext);
			ok = true;
		}
	}
	buf_release(&name);
	return ok;
}

/* A formatted text element (questiontext, feedback, answer, ...) as safe HTML; *plain gets its text. */
static char *html_of(struct mx *m, const xmlNode *n, bool block, char **plain)
{
	char *t = text_of(n);
	char *h = quiz_fmt_html(format_of(n, QF_MOODLE), t, block, plain, img_embedded, m);
	free(t);
	return h;
}

static char *feedback_of(struct mx *m, const xmlNode *n)
{
	if (!n)
		return NULL;
	char *plain = NULL;
	char *h = html_of(m, n, true, &plain);
	bool empty = !plain || !plain[0];
	free(plain);
	if (empty && !strstr(h, "<img")) {
		free(h);
		return NULL;
	}
	return h;
}

static double fraction(const xmlNode *n)
{
	xmlChar *f = xmlGetProp(n, (const xmlChar *)"fraction");
	double v = 0;
	if (f) {
		char *end;
		v = strtod((const char *)f, &end);
		if (end == (char *)f || !isfinite(v) || v < -100 || v > 100)
			v = 0;
		xmlFree(f);
	}
	return v / 100.0;
}

static bool truthy(const char *s)
{
	return strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0;
}

static struct option *add_option(struct question *qu)
{
	qu->options = xrealloc(qu->options, (qu->noptions + 1) * sizeof *qu->options);
	struct option *o = &qu->options[qu->noptions++];
	memset(o, 0, sizeof *o);
	return o;
}

static int count(const xmlNode *n, const char *name)
{
	int c = 0;
	for (xmlNode *k = n->children; k; k = k->next)
		c += named(k, name);
	return c;
}

static int too_many(struct mx *m)
{
	quiz_problem(m->p, m->line, "too many answers in one question (at most %d)", QUIZ_MAX_OPTIONS);
	return -1;
}

static int multichoice(struct mx *m, const xmlNode *qn, struct question *qu)
{
	char *single = content(child(qn, "single"));
	bool one = !single[0] || truthy(single);
	free(single);
	qu->type = one ? Q_SINGLE : Q_MULTI;
	if (count(qn, "answer") > QUIZ_MAX_OPTIONS)
		return too_many(m);
	double best = 0;
	for (xmlNode *a = qn->children; a; a = a->next) {
		if (!named(a, "answer"))
			continue;
		struct option *o = add_option(qu);
		o->html = html_of(m, a, false, &o->text);
		o->feedback = feedback_of(m, child(a, "feedback"));
		double w = fraction(a);
		o->weight = one && w < 0 ? 0 : w;
		if (w > best)
			best = w;
	}
	for (size_t k = 0; k < qu->noptions; k++) {
		struct option *o = &qu->options[k];
		o->right = one ? o->weight > 0 && o->weight >= best : o->weight > 0;
	}
	if (qu->noptions < 2) {
		quiz_problem(m->p, m->line, "a choice question needs at least two options");
		return -1;
	}
	if (best <= 0) {
		quiz_problem(m->p, m->line, "no answer is marked right (a positive fraction)");
		return -1;
	}
	return 0;
}

static int truefalse(struct mx *m, const xmlNode *qn, struct question *qu)
{
	qu->type = Q_TRUEFALSE;
	static const char *const names[] = {"True", "False"};
	for (int k = 0; k < 2; k++) {
		struct option *o = add_option(qu);
		o->text = xstrdup(names[k]);
		o->html = xstrdup(names[k]);
	}
	bool seen = false;
	for (xmlNode *a = qn->children; a; a = a->next) {
		if (!named(a, "answer"))
			continue;
		char *t = text_of(a);
		int k = strcasecmp(t, "true") == 0 ? 0 : strcasecmp(t, "false") == 0 ? 1 : -1;
		free(t);
		if (k < 0)
			continue;
		struct option *o = &qu->options[k];
		o->weight = fraction(a) > 0 ? 1.0 : 0.0;
		o->right = o->weight > 0;
		seen |= o->right;
		free(o->feedback);
		o->feedback = feedback_of(m, child(a, "feedback"));
	}
	if (!seen) {
		quiz_problem(m->p, m->line,
			     "a true/false question needs the answer 'true' or 'false' with fraction 100");
		return -1;
	}
	return 0;
}

static int shortanswer(struct mx *m, const xmlNode *qn, struct question *qu)
{
	qu->type = Q_SHORT;
	qu->wildcard = true;
	char *usecase = content(child(qn, "usecase"));
	qu->case_sensitive = truthy(usecase);
	free(usecase);
	if (count(qn, "answer") > QUIZ_MAX_OPTIONS)
		return too_many(m);
	double best = 0;
	for (xmlNode *a = qn->children; a; a = a->next) {
		if (!named(a, "answer"))
			continue;
		struct option *o = add_option(qu);
		o->text = text_of(a); /* compared as typed, never formatted */
		o->html = quiz_text_html(o->text, false);
		o->feedback = feedback_of(m, child(a, "feedback"));
		double w = fraction(a);
		o->weight = w < 0 ? 0 : w;
		o->right = o->weight > 0;
		if (o->weight > best)
			best = o->weight;
		if (!o->text[0]) {
			quiz_problem(m->p, m->line, "an answer has no text");
			return -1;
		}
	}
	if (best <= 0) {
		quiz_problem(m->p, m->line, "no answer is marked right (a positive fraction)");
		return -1;
	}
	return 0;
}

static bool number(const char *s, double *v)
{
	char *end;
	*v = strtod(s, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	return end != s && !*end && isfinite(*v) && fabs(*v) < 1e15;
}

static int numerical(struct mx *m, const xmlNode *qn, struct question *qu)
{
	qu->type = Q_NUMERIC;
	if (count(qn, "answer") > QUIZ_MAX_OPTIONS)
		return too_many(m);
	qu->nums = xcalloc((size_t)count(qn, "answer") + 1, sizeof *qu->nums);
	double best = 0;
	for (xmlNode *a = qn->children; a; a = a->next) {
		if (!named(a, "answer"))
			continue;
		struct numeric *nu = &qu->nums[qu->nnums++];
		char *t = text_of(a), *tol = content(child(a, "tolerance"));
		double x, y = 0;
		if (strcmp(t, "*") == 0) {
			nu->any = true;
		} else if (!number(t, &x) || (tol[0] && !number(tol, &y))) {
			quiz_problem(m->p, m->line, "a numerical answer must be a number with an optional tolerance");
			free(t);
			free(tol);
			return -1;
		} else {
			nu->value = x;
			nu->min = x - fabs(y);
			nu->max = x + fabs(y);
		}
		free(t);
		free(tol);
		double w = fraction(a);
		nu->weight = w < 0 ? 0 : w;
		nu->feedback = feedback_of(m, child(a, "feedback"));
		if (nu->weight > best)
			best = nu->weight;
	}
	if (best <= 0) {
		quiz_problem(m->p, m->line, "a numerical question needs a right answer");
		return -1;
	}
	return 0;
}

static int matching(struct mx *m, const xmlNode *qn, struct question *qu)
{
	qu->type = Q_MATCH;
	int n = count(qn, "subquestion");
	if (n > QUIZ_MAX_OPTIONS)
		return too_many(m);
	qu->pairs = xcalloc((size_t)n + 1, sizeof *qu->pairs);
	int real = 0;
	for (xmlNode *s = qn->children; s; s = s->next) {
		if (!named(s, "subquestion"))
			continue;
		struct pair *pr = &qu->pairs[qu->npairs++];
		free(html_of(m, s, false, &pr->left));
		pr->right = text_of(child(s, "answer"));
		if (!pr->right[0]) {
			quiz_problem(m->p, m->line, "a pair needs an answer");
			return -1;
		}
		real += pr->left[0] != '\0';
	}
	if (real < 2) {
		quiz_problem(m->p, m->line, "a matching question needs at least two pairs");
		return -1;
	}
	return 0;
}

/* One <file name="N" encoding="base64"> element: decoded, checked, added to q->files (once per content). */
static void embedded_file(struct mx *m, const xmlNode *fn)
{
	xmlChar *name = xmlGetProp(fn, (const xmlChar *)"name");
	xmlChar *enc = xmlGetProp(fn, (const xmlChar *)"encoding");
	char *b64 = content(fn);
	size_t cap = strlen(b64) / 4 * 3 + 3, len = 0;
	unsigned char *data = xmalloc(cap);
	char ext[8];
	int w = 0, h = 0;
	bool ok =
	    name && enc && strcmp((const char *)enc, "base64") == 0 &&
	    sodium_base642bin(data, cap, b64, strlen(b64), " \t\r\n", &len, NULL, sodium_base64_VARIANT_ORIGINAL) == 0;
	media_ext(name ? (const char *)name : "", ext);
	if (ok &&
	    !(media_is_image(ext) && media_magic_ok(ext, data, len) && media_image_size(ext, data, len, &w, &h) == 0 &&
	      (uint64_t)w * (uint64_t)h <= QUIZ_IMAGE_MAX_PIXELS)) {
		quiz_warn(m->p, (int)xmlGetLineNo(fn),
			  "embedded file '%.80s' is not a png, jpg, gif or webp image of "
			  "at most 40 megapixels: left out",
			  (const char *)name);
		ok = false;
	}
	if (ok) {
		char sha[65];
		sha256_hex(data, len, sha);
		size_t at = m->q->nfiles;
		for (size_t i = 0; i < m->q->nfiles; i++)
			if (strcmp(m->q->files[i].sha256, sha) == 0 && strcmp(m->q->files[i].ext, ext) == 0)
				at = i;
		if (at == m->q->nfiles) {
			m->q->files = xrealloc(m->q->files, (m->q->nfiles + 1) * sizeof *m->q->files);
			struct quiz_file *f = &m->q->files[m->q->nfiles++];
			memset(f, 0, sizeof *f);
			f->name = xstrdup((const char *)name);
			memcpy(f->sha256, sha, sizeof sha);
			snprintf(f->ext, sizeof f->ext, "%s", ext);
			if (m->p->keep_files) {
				f->data = data;
				f->len = len;
				data = NULL;
			}
		}
		m->names = xrealloc(m->names, (m->nnames + 1) * sizeof *m->names);
		m->index = xrealloc(m->index, (m->nnames + 1) * sizeof *m->index);
		m->names[m->nnames] = xstrdup((const char *)name);
		m->index[m->nnames++] = at;
	}
	free(data);
	free(b64);
	if (name)
		xmlFree(name);
	if (enc)
		xmlFree(enc);
}

/* The question's embedded files: <file> children of its texts, answers and their feedback (at most 3 levels). */
static void embedded_files(struct mx *m, const xmlNode *qn)
{
	for (xmlNode *a = qn->children; a; a = a->next) {
		for (xmlNode *b = a->children; b; b = b->next) {
			if (named(b, "file"))
				embedded_file(m, b);
			for (xmlNode *c = b->children; c; c = c->next)
				if (named(c, "file"))
					embedded_file(m, c);
		}
	}
}

static void names_release(struct mx *m)
{
	for (size_t i = 0; i < m->nnames; i++)
		free(m->names[i]);
	free(m->names);
	free(m->index);
	m->names = NULL;
	m->index = NULL;
	m->nnames = 0;
}

/* An essay is marked out of its <defaultgrade> (Moodle's default 1), within 0..QUIZ_ESSAY_MAX_POINTS. */
static void essay(struct question *qu, const xmlNode *qn)
{
	qu->type = Q_ESSAY;
	char *g = content(child(qn, "defaultgrade"));
	double v;
	qu->points = number(g, &v) && v > 0 && v <= QUIZ_ESSAY_MAX_POINTS ? v : 1;
	free(g);
}

static void question(struct mx *m, const xmlNode *qn)
{
	xmlChar *tp = xmlGetProp(qn, (const xmlChar *)"type");
	const char *type = tp ? (const char *)tp : "";
	m->line = (int)xmlGetLineNo(qn);
	if (m->line <= 0)
		m->line = 1;
	static const char *const known[] = {"multichoice", "truefalse", "shortanswer", "numerical",
					    "matching",	   "essay",	"description"};
	bool ok = false;
	for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
		ok |= strcmp(type, known[k]) == 0;
	if (strcmp(type, "category") == 0 || (!ok && !*type)) {
		if (!*type)
			quiz_warn(m->p, m->line, "a question without a type is left out");
		goto out;
	}
	if (!ok) {
		quiz_warn(m->p, m->line, "unsupported question type %.40s", type);
		goto out;
	}
	struct quiz *q = m->q;
	if (q->nquestions >= QUIZ_MAX_QUESTIONS) {
		quiz_problem(m->p, m->line, "too many questions (at most %d)", QUIZ_MAX_QUESTIONS);
		goto out;
	}
	q->questions = xrealloc(q->questions, (q->nquestions + 1) * sizeof *q->questions);
	struct question *qu = &q->questions[q->nquestions++];
	memset(qu, 0, sizeof *qu);
	qu->line = m->line;
	embedded_files(m, qn);
	char *name = text_of(child(qn, "name"));
	if (name[0])
		qu->title = name;
	else
		free(name);
	const xmlNode *qt = child(qn, "questiontext");
	qu->html = html_of(m, qt, true, &qu->text);
	qu->feedback = feedback_of(m, child(qn, "generalfeedback"));
	int rc = 0;
	if (strcmp(type, "multichoice") == 0)
		rc = multichoice(m, qn, qu);
	else if (strcmp(type, "truefalse") == 0)
		rc = truefalse(m, qn, qu);
	else if (strcmp(type, "shortanswer") == 0)
		rc = shortanswer(m, qn, qu);
	else if (strcmp(type, "numerical") == 0)
		rc = numerical(m, qn, qu);
	else if (strcmp(type, "matching") == 0)
		rc = matching(m, qn, qu);
	else if (strcmp(type, "essay") == 0)
		essay(qu, qn);
	else
		qu->type = Q_DESCRIPTION;
	if (rc == 0 && !qu->text[0] && !strstr(qu->html, "<img")) {
		quiz_problem(m->p, m->line, "the question has no text");
		rc = -1;
	}
	if (rc < 0)
		quiz_drop_last(q);
out:
	names_release(m);
	if (tp)
		xmlFree(tp);
}

int quiz_parse_moodle_xml(struct quiz_parser *p, const char *data, size_t len, struct quiz *q)
{
	html_init();
	/* No network, no entity substitution, no DTD loading; libxml2's own depth limit stays on (no HUGE). */
	xmlDocPtr doc = xmlReadMemory(data, (int)len, p->name, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (!doc) {
		const xmlError *e = xmlGetLastError();
		char msg[200] = "cannot be read";
		if (e && e->message) {
			snprintf(msg, sizeof msg, "%s", e->message);
			msg[strcspn(msg, "\n")] = '\0';
		}
		quiz_problem(p, e && e->line > 0 ? e->line : 1, "not well-formed XML: %s", msg);
		xmlResetLastError();
		return p->problems;
	}
	xmlNode *root = xmlDocGetRootElement(doc);
	if (doc->intSubset) {
		quiz_problem(p, 1, "a DOCTYPE is not accepted in a Moodle XML quiz");
	} else if (!named(root, "quiz")) {
		quiz_problem(p, root ? (int)xmlGetLineNo(root) : 1, "the root element must be <quiz> (Moodle XML)");
	} else {
		struct mx m = {p, q, 1, NULL, NULL, 0};
		for (xmlNode *k = root->children; k; k = k->next)
			if (named(k, "question"))
				question(&m, k);
	}
	xmlFreeDoc(doc);
	return p->problems;
}
