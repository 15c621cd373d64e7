/*
 * The Markdown quiz format: optional YAML front matter (libyaml), then one
 * question per "## " heading, parsed from cmark's syntax tree. Answers are a
 * bullet list of "[ ]"/"[x]" options or "left -> right" pairs, or "= text"
 * lines; a block quote after them is the feedback.
 */
#include <cmark-gfm.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "assessment/quiz_private.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "lib/yaml_nesting.h"

enum phase { P_NONE, P_TEXT, P_ANSWERS, P_FEEDBACK };

struct md {
	struct quiz_parser *p;
	struct quiz *q;
	const char *src; /* the text cmark parsed (front matter blanked) */
	size_t len;
	size_t *line_start; /* byte offset of each line, 1-based index */
	int nlines;
	struct question *cur; /* NULL before the first question or past the limit */
	enum phase phase;
	struct buf text, html, fb;
	bool too_many;
};

static char *xtrim_dup(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return xstrndup(s, n);
}

/* Raw text of source line n (1-based) without its newline. */
static const char *src_line(struct md *m, int n, size_t *len)
{
	if (n < 1 || n > m->nlines) {
		*len = 0;
		return "";
	}
	size_t a = m->line_start[n];
	size_t b = n < m->nlines ? m->line_start[n + 1] : m->len;
	while (b > a && (m->src[b - 1] == '\n' || m->src[b - 1] == '\r'))
		b--;
	*len = b - a;
	return m->src + a;
}

/* Plain text of a node's inlines: literals, soft breaks as spaces. */
static void plain_text(cmark_node *node, struct buf *out)
{
	cmark_iter *it = cmark_iter_new(node);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
		case CMARK_NODE_CODE_BLOCK:
			buf_puts(out, cmark_node_get_literal(n) ? cmark_node_get_literal(n) : "");
			break;
		case CMARK_NODE_SOFTBREAK:
			buf_putc(out, ' ');
			break;
		case CMARK_NODE_LINEBREAK:
			buf_putc(out, '\n');
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

/*
 * cmark-gfm's HTML renderer walks from a document node only (a paragraph given as the root crashes it):
 * n is lent to a document of its own for the rendering, then put back where it was.
 */
static char *render_html(cmark_node *n)
{
	cmark_node *parent = cmark_node_parent(n), *prev = cmark_node_previous(n);
	cmark_node *doc = cmark_node_new(CMARK_NODE_DOCUMENT);
	if (!cmark_node_append_child(doc, n)) {
		cmark_node_free(doc);
		return xstrdup("");
	}
	char *h = cmark_render_html(doc, CMARK_OPT_DEFAULT, NULL);
	if (prev)
		cmark_node_insert_after(prev, n);
	else if (parent)
		cmark_node_prepend_child(parent, n);
	else
		cmark_node_unlink(n);
	cmark_node_free(doc);
	return h;
}

static char *render_block(cmark_node *n)
{
	char *h = render_html(n);
	size_t len = strlen(h);
	while (len > 0 && h[len - 1] == '\n')
		h[--len] = '\0';
	return h;
}

/* A paragraph's HTML without the <p> wrapper. */
static char *render_inline(cmark_node *par)
{
	char *h = render_block(par);
	size_t n = strlen(h);
	if (n >= 7 && strncmp(h, "<p>", 3) == 0 && strcmp(h + n - 4, "</p>") == 0) {
		char *s = xstrndup(h + 3, n - 7);
		free(h);
		return s;
	}
	return h;
}

static struct question *new_question(struct md *m, int line)
{
	struct quiz *q = m->q;
	if (q->nquestions >= QUIZ_MAX_QUESTIONS) {
		if (!m->too_many)
			quiz_problem(m->p, line, "too many questions (at most %d)", QUIZ_MAX_QUESTIONS);
		m->too_many = true;
		return NULL;
	}
	q->questions = xrealloc(q->questions, (q->nquestions + 1) * sizeof *q->questions);
	struct question *qu = &q->questions[q->nquestions++];
	memset(qu, 0, sizeof *qu);
	qu->line = line;
	qu->type = Q_SINGLE;
	return qu;
}

static struct option *new_option(struct md *m, struct question *qu, int line)
{
	if (qu->noptions >= QUIZ_MAX_OPTIONS) {
		quiz_problem(m->p, line, "too many answers in one question (at most %d)", QUIZ_MAX_OPTIONS);
		return NULL;
	}
	qu->options = xrealloc(qu->options, (qu->noptions + 1) * sizeof *qu->options);
	struct option *o = &qu->options[qu->noptions++];
	memset(o, 0, sizeof *o);
	return o;
}

/* Checks the finished question and fixes its type and weights. */
static void finish_question(struct md *m)
{
	struct question *qu = m->cur;
	if (!qu)
		return;
	qu->text = xstrdup(buf_str(&m->text));
	qu->html = xstrdup(buf_str(&m->html));
	qu->feedback = m->fb.len ? xstrdup(buf_str(&m->fb)) : NULL;
	buf_reset(&m->text);
	buf_reset(&m->html);
	buf_reset(&m->fb);
	if (m->phase == P_TEXT) {
		quiz_problem(m->p, qu->line, "the question has no answers");
	} else if (qu->type == Q_SINGLE || qu->type == Q_MULTI) {
		size_t right = 0;
		for (size_t i = 0; i < qu->noptions; i++)
			right += qu->options[i].right;
		if (qu->noptions < 2)
			quiz_problem(m->p, qu->line, "a choice question needs at least two options");
		else if (right == 0)
			quiz_problem(m->p, qu->line, "no option is marked right with [x]");
		qu->type = right > 1 ? Q_MULTI : Q_SINGLE;
		for (size_t i = 0; i < qu->noptions; i++) {
			struct option *o = &qu->options[i];
			if (qu->type == Q_SINGLE)
				o->weight = o->right ? 1.0 : 0.0;
			else
				o->weight = (o->right ? 1.0 : -1.0) / (double)(right ? right : 1);
		}
	} else if (qu->type == Q_MATCH && qu->npairs < 2) {
		quiz_problem(m->p, qu->line, "a matching question needs at least two pairs");
	}
	m->cur = NULL;
	m->phase = P_NONE;
}

/* "[x] ", "[X] " or "[ ] " at the start of s: 1 right, 0 wrong, -1 none. */
static int checkbox(const char *s)
{
	if (s[0] != '[' || s[2] != ']' || (s[3] != ' ' && s[3] != '\0'))
		return -1;
	if (s[1] == 'x' || s[1] == 'X')
		return 1;
	return s[1] == ' ' ? 0 : -1;
}

static void list_answers(struct md *m, cmark_node *list)
{
	struct question *qu = m->cur;
	int kind = -1; /* 0 choice, 1 matching */
	for (cmark_node *item = cmark_node_first_child(list); item; item = cmark_node_next(item)) {
		int line = cmark_node_get_start_line(item);
		cmark_node *par = cmark_node_first_child(item);
		if (!par || cmark_node_get_type(par) != CMARK_NODE_PARAGRAPH || cmark_node_next(par)) {
			quiz_problem(m->p, line, "an answer must be one line of text");
			continue;
		}
		cmark_node *first = cmark_node_first_child(par);
		const char *lit =
		    first && cmark_node_get_type(first) == CMARK_NODE_TEXT ? cmark_node_get_literal(first) : NULL;
		int box = lit && strlen(lit) >= 3 ? checkbox(lit) : -1;
		struct buf plain = BUF_INIT;
		plain_text(par, &plain);
		const char *arrow = strstr(buf_str(&plain), "->");
		int this_kind = box >= 0 ? 0 : arrow ? 1 : -1;
		if (this_kind < 0) {
			quiz_problem(m->p, line, "an answer needs '[ ]' or '[x]' in front, or 'left -> right'");
			buf_release(&plain);
			continue;
		}
		if (kind >= 0 && this_kind != kind) {
			quiz_problem(m->p, line, "do not mix options and 'left -> right' pairs in one question");
			buf_release(&plain);
			continue;
		}
		kind = this_kind;
		if (kind == 0) {
			struct option *o = new_option(m, qu, line);
			if (o) {
				const char *rest = lit + 3;
				while (*rest == ' ')
					rest++;
				char *keep = xstrdup(rest);
				cmark_node_set_literal(first, keep);
				free(keep);
				struct buf t = BUF_INIT;
				plain_text(par, &t);
				o->text = xtrim_dup(buf_str(&t), t.len);
				buf_release(&t);
				o->html = render_inline(par);
				o->right = box == 1;
				if (!o->text[0])
					quiz_problem(m->p, line, "an option has no text");
			}
		} else if (qu->npairs >= QUIZ_MAX_OPTIONS) {
			quiz_problem(m->p, line, "too many pairs in one question (at most %d)", QUIZ_MAX_OPTIONS);
		} else {
			const char *s = buf_str(&plain);
			char *left = xtrim_dup(s, (size_t)(arrow - s));
			char *right = xtrim_dup(arrow + 2, strlen(arrow + 2));
			if (!left[0] || !right[0])
				quiz_problem(m->p, line, "a pair needs text on both sides of '->'");
			qu->pairs = xrealloc(qu->pairs, (qu->npairs + 1) * sizeof *qu->pairs);
			qu->pairs[qu->npairs++] = (struct pair){left, right};
		}
		buf_release(&plain);
	}
	qu->type = kind == 1 ? Q_MATCH : Q_SINGLE;
}

/*
 * "[essay]" or "[essay N]" alone on a line: the learner writes an answer that a trainer grades out of
 * N points (1 when not given). 1 when s (n bytes, trimmed) is such a line, with the points in *points;
 * 0 when it is not; -1 when it is but N is not a number in 1..QUIZ_ESSAY_MAX_POINTS.
 */
static int essay_marker(const char *s, size_t n, double *points)
{
	if (n < 7 || strncmp(s, "[essay", 6) != 0 || s[n - 1] != ']')
		return 0;
	*points = 1;
	if (n == 7)
		return 1;
	if (s[6] != ' ')
		return 0;
	char num[16];
	size_t k = n - 8;
	if (k == 0 || k >= sizeof num)
		return -1;
	memcpy(num, s + 7, k);
	num[k] = '\0';
	char *end;
	long v = strtol(num, &end, 10);
	if (*end || v < 1 || v > QUIZ_ESSAY_MAX_POINTS)
		return -1;
	*points = (double)v;
	return 1;
}

/* A paragraph: question text, "= answer" lines, "[essay]", or text followed by answer lines. */
static void paragraph(struct md *m, cmark_node *par)
{
	int a0 = cmark_node_get_start_line(par), z0 = cmark_node_get_end_line(par);
	if (a0 == z0) {
		size_t n;
		const char *s = src_line(m, a0, &n);
		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		double points;
		int ess = essay_marker(s, n, &points);
		if (ess != 0 && m->phase != P_TEXT) {
			quiz_problem(m->p, a0, "a question has one block of answers; start the next with '## '");
			return;
		}
		if (ess < 0) {
			quiz_problem(m->p, a0, "an essay's points must be a whole number from 1 to %d: '[essay 10]'",
				     QUIZ_ESSAY_MAX_POINTS);
			points = 1; /* reported once: the question is still an essay */
		}
		if (ess != 0) {
			m->cur->type = Q_ESSAY;
			m->cur->points = points;
			m->phase = P_ANSWERS;
			return;
		}
	}
	int a = cmark_node_get_start_line(par), z = cmark_node_get_end_line(par);
	int first_ans = 0;
	for (int l = a; l <= z && !first_ans; l++) {
		size_t n;
		const char *s = src_line(m, l, &n);
		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		if (n > 0 && s[0] == '=')
			first_ans = l;
	}
	if (!first_ans) {
		if (m->phase != P_TEXT) {
			quiz_problem(m->p, a, "unexpected text after the answers (feedback goes in a '> ' block)");
			return;
		}
		if (m->text.len)
			buf_puts(&m->text, "\n\n");
		plain_text(par, &m->text);
		char *h = render_block(par);
		buf_puts(&m->html, h);
		free(h);
		return;
	}
	if (m->phase != P_TEXT) {
		quiz_problem(m->p, first_ans, "a question has one block of answers; start the next with '## '");
		return;
	}
	struct question *qu = m->cur;
	if (first_ans > a) {
		size_t off = m->line_start[a], end = m->line_start[first_ans];
		if (m->text.len)
			buf_puts(&m->text, "\n\n");
		char *t = xtrim_dup(m->src + off, end - off);
		buf_puts(&m->text, t);
		free(t);
		char *h = quiz_md_html(m->src + off, end - off, false);
		buf_puts(&m->html, h);
		free(h);
	}
	qu->type = Q_SHORT;
	for (int l = first_ans; l <= z; l++) {
		size_t n;
		const char *s = src_line(m, l, &n);
		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		if (n == 0 || s[0] != '=') {
			quiz_problem(m->p, l, "every line of a short answer block starts with '= '");
			continue;
		}
		struct option *o = new_option(m, qu, l);
		if (!o)
			break;
		o->text = xtrim_dup(s + 1, n - 1);
		o->html = quiz_text_html(o->text, false);
		o->right = true;
		o->weight = 1.0;
		if (!o->text[0])
			quiz_problem(m->p, l, "an accepted answer is empty");
	}
	m->phase = P_ANSWERS;
}

static void heading(struct md *m, cmark_node *h)
{
	finish_question(m);
	int line = cmark_node_get_start_line(h);
	m->cur = new_question(m, line);
	if (!m->cur)
		return;
	m->phase = P_TEXT;
	cmark_node *par = cmark_node_new(CMARK_NODE_PARAGRAPH);
	cmark_node *c;
	while ((c = cmark_node_first_child(h)))
		cmark_node_append_child(par, c);
	plain_text(par, &m->text);
	char *html = render_block(par);
	buf_puts(&m->html, html);
	free(html);
	cmark_node_free(par);
	if (!m->text.len)
		quiz_problem(m->p, line, "the question heading is empty");
}

static void block(struct md *m, cmark_node *n)
{
	cmark_node_type t = cmark_node_get_type(n);
	int line = cmark_node_get_start_line(n);
	if (t == CMARK_NODE_HEADING && cmark_node_get_heading_level(n) == 2) {
		heading(m, n);
		return;
	}
	if (!m->cur) {
		/* Before the first question: a "# " heading can give the title. */
		if (!m->too_many && t == CMARK_NODE_HEADING && cmark_node_get_heading_level(n) == 1 && !m->q->title &&
		    m->q->nquestions == 0) {
			struct buf b = BUF_INIT;
			plain_text(n, &b);
			m->q->title = xtrim_dup(buf_str(&b), b.len);
			buf_release(&b);
		}
		return;
	}
	if (t == CMARK_NODE_LIST && cmark_node_get_list_type(n) == CMARK_BULLET_LIST) {
		if (m->phase != P_TEXT) {
			quiz_problem(m->p, line, "a question has one block of answers; start the next with '## '");
			return;
		}
		list_answers(m, n);
		m->phase = P_ANSWERS;
		return;
	}
	if (t == CMARK_NODE_PARAGRAPH) {
		paragraph(m, n);
		return;
	}
	if (t == CMARK_NODE_BLOCK_QUOTE) {
		if (m->phase == P_TEXT) {
			quiz_problem(m->p, line, "feedback ('> ') comes after the answers");
			return;
		}
		for (cmark_node *c = cmark_node_first_child(n); c; c = cmark_node_next(c)) {
			char *h = render_block(c);
			buf_puts(&m->fb, h);
			free(h);
		}
		m->phase = P_FEEDBACK;
		return;
	}
	if (m->phase != P_TEXT) {
		quiz_problem(m->p, line, "unexpected content after the answers");
		return;
	}
	/* Code, tables of text, images, ordered lists, sub-headings: part of the question. */
	char *h = render_block(n);
	buf_puts(&m->html, h);
	free(h);
	if (m->text.len)
		buf_puts(&m->text, "\n\n");
	plain_text(n, &m->text);
}

/* Parses the front matter text; first_line is the file line of its first line. */
static void front_matter(struct md *m, const char *s, size_t len, int first_line)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int deep_line;
	if (yaml_nesting_check(s, len, YAML_MAX_NESTING, &deep_line) < 0) {
		quiz_problem(m->p, first_line + deep_line - 1,
			     "front matter: lists and mappings are nested more than %d levels deep", YAML_MAX_NESTING);
		return;
	}
	if (!yaml_parser_initialize(&parser)) {
		quiz_problem(m->p, first_line, "front matter: not enough memory");
		return;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)s, len);
	if (!yaml_parser_load(&parser, &doc)) {
		/* an unclosed quote: the line where it started (the context mark), not the end of the input */
		bool started = parser.error == YAML_SCANNER_ERROR && parser.context;
		quiz_problem(m->p, first_line + (int)(started ? parser.context_mark.line : parser.problem_mark.line),
			     "front matter: %s",
			     parser.error == YAML_MEMORY_ERROR ? "not enough memory"
			     : parser.problem		       ? parser.problem
							       : "malformed YAML");
		yaml_parser_delete(&parser);
		return;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root && root->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
			yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
			int line = first_line + (k ? (int)k->start_mark.line : 0);
			if (!k || !v || k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE) {
				quiz_problem(m->p, line, "front matter: each setting is 'name: value'");
				continue;
			}
			quiz_setting(m->p, m->q, (const char *)k->data.scalar.value, (const char *)v->data.scalar.value,
				     line);
		}
	} else if (root) {
		quiz_problem(m->p, first_line, "front matter: expected 'name: value' lines");
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
}

static bool is_fence(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n == 3 && strncmp(s, "---", 3) == 0;
}

int quiz_parse_markdown(struct quiz_parser *p, const char *data, size_t len, struct quiz *q)
{
	struct md m = {.p = p, .q = q};
	char *src = xmalloc(len + 1);
	memcpy(src, data, len);
	src[len] = '\0';
	/* Line index. */
	int nl = 1;
	for (size_t i = 0; i < len; i++)
		nl += src[i] == '\n';
	m.line_start = xmalloc(((size_t)nl + 2) * sizeof *m.line_start);
	m.line_start[1] = 0;
	int l = 1;
	for (size_t i = 0; i < len; i++)
		if (src[i] == '\n')
			m.line_start[++l] = i + 1;
	m.nlines = nl;
	m.src = src;
	m.len = len;
	/* Front matter: parsed with libyaml, then blanked so cmark's line numbers stay true. */
	size_t n0;
	const char *l1 = src_line(&m, 1, &n0);
	if (nl > 1 && is_fence(l1, n0)) {
		int end = 0;
		for (int k = 2; k <= nl && !end; k++) {
			size_t n;
			const char *s = src_line(&m, k, &n);
			if (is_fence(s, n))
				end = k;
		}
		if (!end) {
			quiz_problem(p, 1, "front matter starting with '---' is not closed by a '---' line");
		} else {
			front_matter(&m, src + m.line_start[2], m.line_start[end] - m.line_start[2], 2);
			for (size_t i = 0; i < m.line_start[end + 1 <= nl ? end + 1 : end] && i < len; i++)
				if (src[i] != '\n')
					src[i] = ' ';
			if (end == nl)
				for (size_t i = m.line_start[end]; i < len; i++)
					src[i] = ' ';
		}
	}
	cmark_node *doc = cmark_parse_document(src, len, CMARK_OPT_DEFAULT);
	for (cmark_node *n = cmark_node_first_child(doc); n; n = cmark_node_next(n))
		block(&m, n);
	finish_question(&m);
	cmark_node_free(doc);
	buf_release(&m.text);
	buf_release(&m.html);
	buf_release(&m.fb);
	free(m.line_start);
	free(src);
	return p->problems;
}
