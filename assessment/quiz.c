/* Quiz model: the parser entry point, shared helpers, freeing. */
#include "assessment/quiz.h"

#include <cmark-gfm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>

#include "assessment/quiz_dump.h"
#include "assessment/quiz_private.h"
#include "lib/buf.h"
#include "lib/html.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

void quiz_problem(struct quiz_parser *p, int line, const char *fmt, ...)
{
	p->problems++;
	va_list ap;
	va_start(ap, fmt);
	problem_vadd(p->pr, p->name, line, fmt, ap);
	va_end(ap);
}

void quiz_warn(struct quiz_parser *p, int line, const char *fmt, ...)
{
	p->nwarnings++;
	if (!p->pr)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	problem_warn(p->pr, p->name, line, "%s", msg);
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

char *quiz_md_html(const char *md, size_t len, bool inline_only)
{
	/* Safe mode is cmark's default: raw HTML and dangerous URLs are dropped. */
	cmark_parser *parser = cmark_parser_new_with_mem(CMARK_OPT_DEFAULT, &cm_mem);
	cmark_parser_feed(parser, md, len);
	cmark_node *doc = cmark_parser_finish(parser);
	cmark_parser_free(parser);
	char *h = cmark_render_html(doc, CMARK_OPT_DEFAULT, NULL);
	cmark_node_free(doc);
	char *out;
	size_t n = strlen(h);
	if (inline_only && n >= 8 && strncmp(h, "<p>", 3) == 0 && strcmp(h + n - 5, "</p>\n") == 0 &&
	    !strstr(h + 3, "<p>")) {
		out = xstrndup(h + 3, n - 8);
	} else {
		while (n > 0 && h[n - 1] == '\n')
			n--;
		out = xstrndup(h, n);
	}
	free(h);
	return out;
}

char *quiz_text_html(const char *s, bool block)
{
	struct buf b = BUF_INIT;
	if (block)
		buf_puts(&b, "<p>");
	for (const char *p = s; *p; p++) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		buf_html_n(&b, p, n);
		if (!nl)
			break;
		buf_puts(&b, "<br>");
		p = nl;
	}
	if (block)
		buf_puts(&b, "</p>");
	buf_putc(&b, '\0');
	b.len--;
	return buf_detach(&b, NULL);
}

char *quiz_fmt_html(enum quiz_fmt f, const char *text, bool block, char **plain,
		    bool (*img)(void *, const char *, struct buf *), void *img_ctx)
{
	if (f == QF_MARKDOWN || f == QF_PLAIN) {
		if (plain)
			*plain = xstrdup(text);
		return f == QF_MARKDOWN ? quiz_md_html(text, strlen(text), !block) : quiz_text_html(text, block);
	}
	/* Text with no markup and no entity reads the same as plain text: no parser needed (most GIFT answers). */
	if (!strpbrk(text, "<&") && (f == QF_MOODLE || !strchr(text, '\n'))) {
		if (plain)
			*plain = xstrdup(text);
		return quiz_text_html(text, block);
	}
	if (f == QF_HTML)
		return html_clean(text, strlen(text), block, img, img_ctx, plain);
	/* Moodle auto-format: HTML allowed, and a line break in the text is a line break on the page. */
	struct buf b = BUF_INIT;
	for (const char *s = text; *s; s++) {
		if (*s == '\n')
			buf_puts(&b, "<br>");
		else
			buf_putc(&b, *s);
	}
	char *h = html_clean(buf_str(&b), b.len, block, img, img_ctx, plain);
	buf_release(&b);
	return h;
}

void quiz_drop_last(struct quiz *q)
{
	if (q->nquestions == 0)
		return;
	/* quiz_free() frees by count: free this one alone. */
	struct quiz one = {.questions = xmalloc(sizeof *q->questions), .nquestions = 1};
	one.questions[0] = q->questions[--q->nquestions];
	quiz_free(&one);
}

const char *quiz_type_name(enum question_type t)
{
	switch (t) {
	case Q_SINGLE:
		return "single";
	case Q_MULTI:
		return "multi";
	case Q_SHORT:
		return "short";
	case Q_MATCH:
		return "match";
	case Q_NUMERIC:
		return "numeric";
	case Q_TRUEFALSE:
		return "truefalse";
	case Q_ESSAY:
		return "essay";
	case Q_DESCRIPTION:
		return "description";
	}
	return "unknown";
}

static void json_num(struct buf *b, double v)
{
	buf_printf(b, "%.10g", v);
}

void quiz_dump_json(const struct quiz *q, struct buf *b)
{
	buf_puts(b, "{\"title\":");
	buf_json_str(b, q->title);
	buf_printf(b,
		   ",\"pass_mark\":%d,\"attempts\":%d,\"shuffle\":%s,\"draw\":%d,\"minutes\":%d,\"kind\":\"%s\","
		   "\"questions\":[",
		   q->pass_mark, q->attempts, q->shuffle ? "true" : "false", q->draw, q->minutes,
		   quiz_kind_name(q->kind));
	for (size_t i = 0; i < q->nquestions; i++) {
		const struct question *qu = &q->questions[i];
		buf_printf(b, "%s\n{\"line\":%d,\"type\":\"%s\",\"title\":", i ? "," : "", qu->line,
			   quiz_type_name(qu->type));
		buf_json_str(b, qu->title);
		buf_puts(b, ",\"text\":");
		buf_json_str(b, qu->text);
		buf_puts(b, ",\"html\":");
		buf_json_str(b, qu->html);
		buf_puts(b, ",\"feedback\":");
		buf_json_str(b, qu->feedback);
		if (qu->type == Q_SHORT)
			buf_printf(b, ",\"wildcard\":%s,\"case_sensitive\":%s", qu->wildcard ? "true" : "false",
				   qu->case_sensitive ? "true" : "false");
		if (qu->type == Q_ESSAY)
			buf_printf(b, ",\"points\":%g", qu->points);
		buf_puts(b, ",\"options\":[");
		for (size_t k = 0; k < qu->noptions; k++) {
			const struct option *o = &qu->options[k];
			buf_puts(b, k ? ",{\"text\":" : "{\"text\":");
			buf_json_str(b, o->text);
			buf_puts(b, ",\"html\":");
			buf_json_str(b, o->html);
			buf_puts(b, ",\"weight\":");
			json_num(b, o->weight);
			buf_printf(b, ",\"right\":%s,\"feedback\":", o->right ? "true" : "false");
			buf_json_str(b, o->feedback);
			buf_putc(b, '}');
		}
		buf_puts(b, "],\"pairs\":[");
		for (size_t k = 0; k < qu->npairs; k++) {
			buf_puts(b, k ? ",{\"left\":" : "{\"left\":");
			buf_json_str(b, qu->pairs[k].left);
			buf_puts(b, ",\"right\":");
			buf_json_str(b, qu->pairs[k].right);
			buf_putc(b, '}');
		}
		buf_puts(b, "],\"numeric\":[");
		for (size_t k = 0; k < qu->nnums; k++) {
			const struct numeric *nu = &qu->nums[k];
			buf_printf(b, "%s{\"any\":%s", k ? "," : "", nu->any ? "true" : "false");
			if (!nu->any) {
				buf_puts(b, ",\"value\":");
				json_num(b, nu->value);
				buf_puts(b, ",\"min\":");
				json_num(b, nu->min);
				buf_puts(b, ",\"max\":");
				json_num(b, nu->max);
			}
			buf_puts(b, ",\"weight\":");
			json_num(b, nu->weight);
			buf_puts(b, ",\"feedback\":");
			buf_json_str(b, nu->feedback);
			buf_putc(b, '}');
		}
		buf_puts(b, "]}");
	}
	buf_puts(b, "\n],\"files\":[");
	for (size_t i = 0; i < q->nfiles; i++) {
		buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
		buf_json_str(b, q->files[i].name);
		buf_printf(b, ",\"url\":\"/media/%s.%s\"}", q->files[i].sha256, q->files[i].ext);
	}
	buf_puts(b, "]}\n");
}

void quiz_dump_text(const char *name, const struct quiz *q, struct buf *b)
{
	for (size_t i = 0; i < q->nquestions; i++) {
		const struct question *qu = &q->questions[i];
		buf_printf(b, "%s:%d: %s: %s\n", name, qu->line, quiz_type_name(qu->type), qu->text);
		for (size_t k = 0; k < qu->noptions; k++)
			buf_printf(b, "  %+g%% %s\n", 100 * qu->options[k].weight, qu->options[k].text);
		for (size_t k = 0; k < qu->npairs; k++)
			buf_printf(b, "  %s -> %s\n", qu->pairs[k].left, qu->pairs[k].right);
		for (size_t k = 0; k < qu->nnums; k++) {
			const struct numeric *nu = &qu->nums[k];
			if (nu->any)
				buf_printf(b, "  %+g%% any other answer\n", 100 * nu->weight);
			else
				buf_printf(b, "  %+g%% %g..%g\n", 100 * nu->weight, nu->min, nu->max);
		}
	}
}

int quiz_dump(const char *name, const char *data, size_t len, bool json, struct buf *out, struct problems *pr)
{
	struct quiz q;
	/* Essays are shown: the dump says what was read, not what a learner is asked. */
	struct quiz_opts o = {.pr = pr, .keep_essays = true};
	int n = quiz_parse_opts(name, data, len, &q, &o);
	if (json)
		quiz_dump_json(&q, out);
	else
		quiz_dump_text(name, &q, out);
	quiz_free(&q);
	return n;
}

const char *quiz_kind_name(enum quiz_kind k)
{
	switch (k) {
	case QUIZ_PRACTICE:
		return "practice";
	case QUIZ_PRETEST:
		return "pretest";
	case QUIZ_FINAL:
	default:
		return "final";
	}
}

int quiz_kind_parse(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "final") == 0)
		return QUIZ_FINAL;
	if (strcmp(s, "practice") == 0)
		return QUIZ_PRACTICE;
	if (strcmp(s, "pretest") == 0)
		return QUIZ_PRETEST;
	return -1;
}

static bool yaml_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "True", "Yes", "TRUE"};
	static const char *const no[] = {"false", "no", "off", "False", "No", "FALSE"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcmp(v, yes[i]) == 0)
			return *out = true, true;
		if (strcmp(v, no[i]) == 0)
			return *out = false, true;
	}
	return false;
}

static bool yaml_int(const char *v, int min, int max, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < min || n > max)
		return false;
	*out = (int)n;
	return true;
}

int quiz_setting(struct quiz_parser *p, struct quiz *q, const char *k, const char *v, int line)
{
	bool ok = true;
	if (strcmp(k, "title") == 0) {
		free(q->title);
		q->title = xstrdup(v);
	} else if (strcmp(k, "pass_mark") == 0) {
		ok = yaml_int(v, 0, 100, &q->pass_mark);
	} else if (strcmp(k, "attempts") == 0) {
		ok = yaml_int(v, 0, 1000, &q->attempts);
	} else if (strcmp(k, "shuffle") == 0) {
		ok = yaml_bool(v, &q->shuffle);
	} else if (strcmp(k, "draw") == 0) {
		ok = yaml_int(v, 0, QUIZ_MAX_QUESTIONS, &q->draw);
	} else if (strcmp(k, "minutes") == 0) {
		ok = yaml_int(v, 0, 24 * 60, &q->minutes);
	} else if (strcmp(k, "kind") == 0) {
		int kind = quiz_kind_parse(v);
		ok = kind >= 0;
		if (ok)
			q->kind = (enum quiz_kind)kind;
	} else {
		quiz_problem(p, line, "unknown setting '%s' (title, pass_mark, attempts, shuffle, draw, minutes, kind)",
			     k);
		return -1;
	}
	if (!ok)
		quiz_problem(p, line, "bad value '%s' for '%s'", v, k);
	return ok ? 0 : -1;
}

static bool any_scored(const struct quiz *q)
{
	for (size_t i = 0; i < q->nquestions; i++)
		if (q->questions[i].type != Q_DESCRIPTION)
			return true;
	return false;
}

int quiz_parse(const char *name, const char *data, size_t len, struct quiz *q, struct problems *pr)
{
	struct quiz_opts o = {.pr = pr};
	return quiz_parse_opts(name, data, len, q, &o);
}

int quiz_parse_opts(const char *name, const char *data, size_t len, struct quiz *q, const struct quiz_opts *o)
{
	memset(q, 0, sizeof *q);
	q->pass_mark = -1;
	struct quiz_parser p = {.name = name ? name : "quiz", .pr = o->pr, .keep_files = o->keep_files};
	if (len > QUIZ_MAX_BYTES) {
		quiz_problem(&p, 1, "the file is too large (%zu bytes; at most %d)", len, QUIZ_MAX_BYTES);
		return p.problems;
	}
	if (!utf8_valid(data, len)) {
		const uint8_t *bad = u8_check((const uint8_t *)data, len);
		const char *nul = memchr(data, '\0', len);
		size_t off = bad ? (size_t)((const char *)bad - data) : len;
		if (nul && (size_t)(nul - data) < off)
			off = (size_t)(nul - data);
		quiz_problem(&p, line_of(data, off), "the file is not valid UTF-8 text");
		return p.problems;
	}
	if (name && str_ends(name, ".gift"))
		quiz_parse_gift(&p, data, len, q);
	else if (name && str_ends(name, ".xml"))
		quiz_parse_moodle_xml(&p, data, len, q);
	else
		quiz_parse_markdown(&p, data, len, q);
	for (size_t i = 0; i < q->nquestions; i++)
		if (q->questions[i].type == Q_ESSAY && !(q->questions[i].points > 0))
			q->questions[i].points = 1;
	if (!any_scored(q) && p.problems == 0)
		quiz_problem(&p, 1, "the quiz has no questions");
	if (q->draw > 0 && (size_t)q->draw > q->nquestions && p.problems == 0)
		quiz_problem(&p, 1, "'draw: %d' asks for more questions than the quiz has (%zu)", q->draw,
			     q->nquestions);
	return p.problems;
}

static void question_release(struct question *qu)
{
	free(qu->title);
	free(qu->text);
	free(qu->html);
	free(qu->feedback);
	for (size_t i = 0; i < qu->noptions; i++) {
		free(qu->options[i].text);
		free(qu->options[i].html);
		free(qu->options[i].feedback);
	}
	free(qu->options);
	for (size_t i = 0; i < qu->npairs; i++) {
		free(qu->pairs[i].left);
		free(qu->pairs[i].right);
	}
	free(qu->pairs);
	for (size_t i = 0; i < qu->nnums; i++)
		free(qu->nums[i].feedback);
	free(qu->nums);
}

void quiz_free(struct quiz *q)
{
	if (!q)
		return;
	if (q->borrowed) {
		memset(q, 0, sizeof *q);
		return;
	}
	free(q->title);
	for (size_t i = 0; i < q->nquestions; i++)
		question_release(&q->questions[i]);
	free(q->questions);
	for (size_t i = 0; i < q->nfiles; i++) {
		free(q->files[i].name);
		free(q->files[i].data);
	}
	free(q->files);
	memset(q, 0, sizeof *q);
	q->pass_mark = -1;
}
