/*
 * Moodle GIFT (there is no library for it in Debian): questions separated by
 * blank lines, "// comment" lines, "$CATEGORY:" lines, "::title::", format
 * markers, and an answer block in braces: multiple choice (=right ~wrong,
 * ~%50% weights), multiple response (only ~%n% answers), true/false, short
 * answer, numerical (#value:tolerance, #min..max, several =answers) and
 * matching (=left -> right). "#feedback" follows an answer; "####feedback"
 * ends the block with general feedback. Escapes: \~ \= \# \{ \} \: \\ \n.
 * Essays, missing-word questions and descriptions are reported unsupported.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assessment/quiz_private.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"

enum fmt { F_PLAIN, F_MARKDOWN };

struct chunk {
	struct buf text;
	int *lines; /* file line of each line of text */
	int nlines;
};

struct gift {
	struct quiz_parser *p;
	struct quiz *q;
	struct chunk *c;
	enum fmt fmt;
	bool too_many;
};

/* File line of byte offset off in the chunk. */
static int line_at(const struct chunk *c, size_t off)
{
	int l = 0;
	for (size_t i = 0; i < off && i < c->text.len; i++)
		if (c->text.data[i] == '\n' && l + 1 < c->nlines)
			l++;
	return c->nlines ? c->lines[l] : 1;
}

static bool special(char ch)
{
	return strchr("~=#{}:\\", ch) != NULL && ch != '\0';
}

/* Offset of the next unescaped ch in s[from..n), or n. */
static size_t find(const char *s, size_t from, size_t n, char ch)
{
	for (size_t i = from; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			continue;
		}
		if (s[i] == ch)
			return i;
	}
	return n;
}

static size_t find_str(const char *s, size_t from, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = from; i + k <= n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			continue;
		}
		if (strncmp(s + i, needle, k) == 0)
			return i;
	}
	return n;
}

/* Unescapes and trims s[a..b); caller frees. */
static char *unescape(const char *s, size_t a, size_t b)
{
	while (a < b && isspace((unsigned char)s[a]))
		a++;
	while (b > a && isspace((unsigned char)s[b - 1]) && !(b - 1 > a && s[b - 2] == '\\'))
		b--;
	struct buf o = BUF_INIT;
	for (size_t i = a; i < b; i++) {
		if (s[i] == '\\' && i + 1 < b) {
			char nx = s[i + 1];
			if (special(nx)) {
				buf_putc(&o, nx);
				i++;
				continue;
			}
			if (nx == 'n') {
				buf_putc(&o, '\n');
				i++;
				continue;
			}
		}
		buf_putc(&o, s[i]);
	}
	char *r = xstrdup(buf_str(&o));
	buf_release(&o);
	return r;
}

static char *to_html(struct gift *g, const char *text, bool block)
{
	if (g->fmt == F_MARKDOWN)
		return quiz_md_html(text, strlen(text), !block);
	return quiz_text_html(text, block);
}

static struct question *new_question(struct gift *g, int line)
{
	struct quiz *q = g->q;
	if (q->nquestions >= QUIZ_MAX_QUESTIONS) {
		if (!g->too_many)
			quiz_problem(g->p, line, "too many questions (at most %d)", QUIZ_MAX_QUESTIONS);
		g->too_many = true;
		return NULL;
	}
	q->questions = xrealloc(q->questions, (q->nquestions + 1) * sizeof *q->questions);
	struct question *qu = &q->questions[q->nquestions++];
	memset(qu, 0, sizeof *qu);
	qu->line = line;
	return qu;
}

/* Drops the last question (after an error in it). */
static void drop_question(struct gift *g)
{
	struct quiz *q = g->q;
	struct question *qu = &q->questions[q->nquestions - 1];
	/* quiz_free() frees by count: free this one by hand. */
	struct quiz one = {.questions = xmalloc(sizeof *qu), .nquestions = 1};
	one.questions[0] = *qu;
	q->nquestions--;
	quiz_free(&one);
}

/* Parses "%n%" at s[*i]; leaves *w unchanged when absent. -1 when malformed. */
static int weight(const char *s, size_t *i, size_t n, double *w)
{
	size_t a = *i;
	while (a < n && (s[a] == ' ' || s[a] == '\t'))
		a++;
	if (a >= n || s[a] != '%')
		return 0;
	size_t z = a + 1;
	while (z < n && s[z] != '%')
		z++;
	if (z >= n || z - a > 12)
		return -1;
	char tmp[16];
	memcpy(tmp, s + a + 1, z - a - 1);
	tmp[z - a - 1] = '\0';
	char *end;
	double v = strtod(tmp, &end);
	if (end == tmp || *end || !isfinite(v) || v < -100 || v > 100)
		return -1;
	*w = v / 100.0;
	*i = z + 1;
	return 0;
}

struct entry {
	char mark;     /* '=' or '~' */
	size_t a, b;   /* text s[a..b) after the mark and weight, before '#' */
	size_t fa, fb; /* feedback s[fa..fb) or fa == fb */
	double w;
	bool has_w;
};

/* Splits s[a..b) into entries at unescaped '=' and '~'. Returns the count or -1 on a problem. */
static int entries(struct gift *g, const char *s, size_t a, size_t b, struct entry *out, int max)
{
	int n = 0;
	size_t i = a;
	while (i < b && isspace((unsigned char)s[i]))
		i++;
	if (i < b && s[i] != '=' && s[i] != '~') {
		quiz_problem(g->p, line_at(g->c, i), "an answer must start with '=' or '~'");
		return -1;
	}
	while (i < b) {
		if (n >= max) {
			quiz_problem(g->p, line_at(g->c, i), "too many answers in one question (at most %d)", max);
			return -1;
		}
		struct entry *e = &out[n++];
		memset(e, 0, sizeof *e);
		e->mark = s[i++];
		double w = 0;
		size_t before = i;
		if (weight(s, &i, b, &w) < 0) {
			quiz_problem(g->p, line_at(g->c, before), "a weight must look like %%50%%");
			return -1;
		}
		e->has_w = i != before;
		e->w = w;
		size_t end = i;
		for (; end < b; end++) {
			if (s[end] == '\\' && end + 1 < b) {
				end++;
				continue;
			}
			if (s[end] == '=' || s[end] == '~')
				break; /* the next answer; a literal = or ~ is written \= or \~ */
		}
		size_t hash = find(s, i, end, '#');
		e->a = i;
		e->b = hash;
		e->fa = hash < end ? hash + 1 : end;
		e->fb = end;
		i = end;
	}
	return n;
}

static void set_feedback(struct gift *g, char **dst, const char *s, size_t a, size_t b)
{
	if (a >= b)
		return;
	char *t = unescape(s, a, b);
	if (t[0])
		*dst = to_html(g, t, true);
	free(t);
}

static bool parse_num(const char *s, size_t a, size_t b, double *v)
{
	char tmp[64];
	while (a < b && isspace((unsigned char)s[a]))
		a++;
	while (b > a && isspace((unsigned char)s[b - 1]))
		b--;
	if (b - a == 0 || b - a >= sizeof tmp)
		return false;
	memcpy(tmp, s + a, b - a);
	tmp[b - a] = '\0';
	char *end;
	*v = strtod(tmp, &end);
	return end != tmp && !*end && isfinite(*v) && fabs(*v) < 1e15;
}

/* "value", "value:tolerance" or "min..max" in s[a..b). */
static int numeric_spec(struct gift *g, const char *s, size_t a, size_t b, struct numeric *nu)
{
	size_t dots = find_str(s, a, b, "..");
	size_t colon = find(s, a, b, ':');
	double x, y = 0;
	if (dots < b) {
		if (!parse_num(s, a, dots, &x) || !parse_num(s, dots + 2, b, &y))
			goto bad;
		nu->range = true;
		nu->min = x < y ? x : y;
		nu->max = x < y ? y : x;
		nu->value = nu->min;
		return 0;
	}
	if (!parse_num(s, a, colon, &x) || (colon < b && !parse_num(s, colon + 1, b, &y)))
		goto bad;
	nu->value = x;
	nu->min = x - fabs(y);
	nu->max = x + fabs(y);
	return 0;
bad:
	quiz_problem(g->p, line_at(g->c, a), "a numerical answer must be a number, number:tolerance or min..max");
	return -1;
}

static int numeric(struct gift *g, struct question *qu, const char *s, size_t a, size_t b)
{
	qu->type = Q_NUMERIC;
	size_t i = a;
	while (i < b && isspace((unsigned char)s[i]))
		i++;
	struct entry es[QUIZ_MAX_OPTIONS];
	int n;
	if (i < b && (s[i] == '=' || s[i] == '~')) {
		n = entries(g, s, i, b, es, QUIZ_MAX_OPTIONS);
		if (n < 0)
			return -1;
	} else {
		/* One answer: value#feedback */
		size_t hash = find(s, i, b, '#');
		es[0] = (struct entry){'=', i, hash, hash < b ? hash + 1 : b, b, 1.0, false};
		n = 1;
	}
	qu->nums = xcalloc((size_t)n, sizeof *qu->nums);
	for (int k = 0; k < n; k++) {
		struct numeric *nu = &qu->nums[qu->nnums];
		if (es[k].mark == '~')
			continue; /* a wrong answer with feedback: scores nothing either way */
		if (numeric_spec(g, s, es[k].a, es[k].b, nu) < 0)
			return -1;
		nu->weight = es[k].has_w ? es[k].w : 1.0;
		if (nu->weight < 0)
			nu->weight = 0;
		set_feedback(g, &nu->feedback, s, es[k].fa, es[k].fb);
		qu->nnums++;
	}
	if (qu->nnums == 0) {
		quiz_problem(g->p, qu->line, "a numerical question needs a right answer");
		return -1;
	}
	return 0;
}

static struct option *add_option(struct question *qu)
{
	qu->options = xrealloc(qu->options, (qu->noptions + 1) * sizeof *qu->options);
	struct option *o = &qu->options[qu->noptions++];
	memset(o, 0, sizeof *o);
	return o;
}

static int truefalse(struct gift *g, struct question *qu, const char *s, size_t a, size_t b, bool value)
{
	qu->type = Q_TRUEFALSE;
	/* {T#feedback if wrong#feedback if right}, as Moodle reads it. */
	size_t h1 = find(s, a, b, '#');
	size_t h2 = h1 < b ? find(s, h1 + 1, b, '#') : b;
	char *wrong_fb = NULL, *right_fb = NULL;
	if (h1 < b)
		set_feedback(g, &wrong_fb, s, h1 + 1, h2);
	if (h2 < b)
		set_feedback(g, &right_fb, s, h2 + 1, b);
	static const char *const names[] = {"True", "False"};
	for (int k = 0; k < 2; k++) {
		struct option *o = add_option(qu);
		o->text = xstrdup(names[k]);
		o->html = xstrdup(names[k]);
		o->right = (k == 0) == value;
		o->weight = o->right ? 1.0 : 0.0;
		o->feedback = o->right ? right_fb : wrong_fb;
	}
	return 0;
}

static int answers(struct gift *g, struct question *qu, const char *s, size_t a, size_t b)
{
	size_t i = a;
	while (i < b && isspace((unsigned char)s[i]))
		i++;
	size_t z = b;
	while (z > i && isspace((unsigned char)s[z - 1]))
		z--;
	if (i == z) {
		quiz_problem(g->p, qu->line, "unsupported essay question ('{}'): Sala grades only closed questions");
		return -1;
	}
	if (s[i] == '#')
		return numeric(g, qu, s, i + 1, z);
	/* True/false: T, F, TRUE, FALSE, then optional #feedback. */
	size_t word = i;
	while (word < z && isalpha((unsigned char)s[word]))
		word++;
	size_t after = word;
	while (after < z && isspace((unsigned char)s[after]))
		after++;
	if (after == z || s[after] == '#') {
		size_t wl = word - i;
		const char *w = s + i;
		bool t = (wl == 1 && (*w == 'T' || *w == 't')) || (wl == 4 && strncasecmp(w, "true", 4) == 0);
		bool f = (wl == 1 && (*w == 'F' || *w == 'f')) || (wl == 5 && strncasecmp(w, "false", 5) == 0);
		if (t || f)
			return truefalse(g, qu, s, word, z, t);
	}
	struct entry es[QUIZ_MAX_OPTIONS];
	int n = entries(g, s, i, z, es, QUIZ_MAX_OPTIONS);
	if (n < 0)
		return -1;
	int tilde = 0, arrows = 0;
	for (int k = 0; k < n; k++) {
		tilde += es[k].mark == '~';
		arrows += find_str(s, es[k].a, es[k].b, "->") < es[k].b;
	}
	if (arrows) {
		if (tilde || arrows != n) {
			quiz_problem(g->p, qu->line, "in a matching question every answer is '=left -> right'");
			return -1;
		}
		qu->type = Q_MATCH;
		qu->pairs = xcalloc((size_t)n, sizeof *qu->pairs);
		for (int k = 0; k < n; k++) {
			size_t ar = find_str(s, es[k].a, es[k].b, "->");
			qu->pairs[k].left = unescape(s, es[k].a, ar);
			qu->pairs[k].right = unescape(s, ar + 2, es[k].b);
			qu->npairs++;
			if (!qu->pairs[k].right[0]) {
				quiz_problem(g->p, line_at(g->c, es[k].a), "a pair needs text after '->'");
				return -1;
			}
		}
		int real = 0;
		for (size_t k = 0; k < qu->npairs; k++)
			real += qu->pairs[k].left[0] != '\0';
		if (real < 2) {
			quiz_problem(g->p, qu->line, "a matching question needs at least two pairs");
			return -1;
		}
		return 0;
	}
	int eq = n - tilde;
	qu->type = tilde == 0 ? Q_SHORT : eq > 0 ? Q_SINGLE : Q_MULTI;
	double best = 0;
	for (int k = 0; k < n; k++) {
		struct option *o = add_option(qu);
		o->text = unescape(s, es[k].a, es[k].b);
		o->html = to_html(g, o->text, false);
		double w = es[k].has_w ? es[k].w : es[k].mark == '=' ? 1.0 : 0.0;
		if (qu->type != Q_MULTI && w < 0)
			w = 0;
		o->weight = w;
		if (w > best)
			best = w;
		set_feedback(g, &o->feedback, s, es[k].fa, es[k].fb);
		if (!o->text[0]) {
			quiz_problem(g->p, line_at(g->c, es[k].a), "an answer has no text");
			return -1;
		}
	}
	for (size_t k = 0; k < qu->noptions; k++) {
		struct option *o = &qu->options[k];
		o->right = qu->type == Q_SINGLE ? o->weight > 0 && o->weight >= best : o->weight > 0;
	}
	if (best <= 0) {
		quiz_problem(g->p, qu->line, "no answer is marked right ('=' or a positive %%weight%%)");
		return -1;
	}
	if (qu->type != Q_SHORT && qu->noptions < 2) {
		quiz_problem(g->p, qu->line, "a choice question needs at least two options");
		return -1;
	}
	return 0;
}

static bool only_punct(const char *s, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (isspace(ch) || ch == '.' || ch == '?' || ch == '!' || ch == ':' || ch == ';' || ch == ',')
			continue;
		/* Khmer khan "។" (E1 9F 94). */
		if (ch == 0xE1 && i + 2 < b && (unsigned char)s[i + 1] == 0x9F && (unsigned char)s[i + 2] == 0x94) {
			i += 2;
			continue;
		}
		return false;
	}
	return true;
}

static void question(struct gift *g)
{
	struct chunk *c = g->c;
	const char *s = buf_str(&c->text);
	size_t n = c->text.len, i = 0;
	int line = c->lines[0];
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (n - i >= 10 && strncmp(s + i, "$CATEGORY:", 10) == 0)
		return;
	char *title = NULL;
	if (n - i >= 2 && s[i] == ':' && s[i + 1] == ':') {
		size_t z = find_str(s, i + 2, n, "::");
		if (z >= n) {
			quiz_problem(g->p, line, "the title '::' is not closed by '::'");
			return;
		}
		title = unescape(s, i + 2, z);
		i = z + 2;
	}
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	g->fmt = F_PLAIN;
	static const struct {
		const char *mark;
		enum fmt f;
	} fmts[] = {{"[markdown]", F_MARKDOWN}, {"[html]", F_PLAIN}, {"[plain]", F_PLAIN}, {"[moodle]", F_PLAIN}};
	for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
		size_t l = strlen(fmts[k].mark);
		if (n - i >= l && strncmp(s + i, fmts[k].mark, l) == 0) {
			g->fmt = fmts[k].f;
			i += l;
			break;
		}
	}
	size_t open = find(s, i, n, '{');
	if (open >= n) {
		quiz_problem(g->p, line, "unsupported description (text with no answer block '{...}')");
		free(title);
		return;
	}
	size_t close = find(s, open + 1, n, '}');
	if (close >= n) {
		quiz_problem(g->p, line_at(c, open), "the answer block '{' is not closed by '}'");
		free(title);
		return;
	}
	if (close + 1 < n && !only_punct(s, close + 1, n)) {
		quiz_problem(g->p, line,
			     "unsupported missing-word question (text after the answer block); put the answers last");
		free(title);
		return;
	}
	if (find(s, close + 1, n, '{') < n) {
		quiz_problem(g->p, line_at(c, close), "unsupported: more than one answer block in a question");
		free(title);
		return;
	}
	struct question *qu = new_question(g, line);
	if (!qu) {
		free(title);
		return;
	}
	qu->title = title;
	/* General feedback: "####text" at the end of the block. */
	size_t gen = find_str(s, open + 1, close, "####");
	if (answers(g, qu, s, open + 1, gen) < 0) {
		drop_question(g);
		return;
	}
	set_feedback(g, &qu->feedback, s, gen < close ? gen + 4 : close, close);
	struct buf t = BUF_INIT;
	char *before = unescape(s, i, open);
	char *tail = unescape(s, close + 1, n);
	buf_puts(&t, before);
	if (tail[0]) /* "Two plus two equals {=four}." reads as a blank before the full stop */
		buf_printf(&t, " _____%s", tail);
	free(before);
	free(tail);
	qu->text = xstrdup(buf_str(&t));
	buf_release(&t);
	if (!qu->text[0] && !qu->title) {
		quiz_problem(g->p, line, "the question has no text");
		drop_question(g);
		return;
	}
	qu->html = to_html(g, qu->text[0] ? qu->text : qu->title, true);
}

static void chunk_reset(struct chunk *c)
{
	buf_reset(&c->text);
	c->nlines = 0;
}

static void chunk_add(struct chunk *c, const char *s, size_t n, int line, int *cap)
{
	if (c->nlines == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		c->lines = xrealloc(c->lines, (size_t)*cap * sizeof *c->lines);
	}
	c->lines[c->nlines++] = line;
	buf_add(&c->text, s, n);
	buf_putc(&c->text, '\n');
}

/* Unescaped '{' minus '}' in a line: keeps a block open across blank lines. */
static int brace_balance(const char *s, size_t n)
{
	int d = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			continue;
		}
		d += s[i] == '{';
		d -= s[i] == '}';
	}
	return d;
}

/*
 * Sala's extension, invisible to Moodle: "// kind: pretest" style comment
 * lines before the first question carry the settings of the Markdown front
 * matter. Other comments are ignored.
 */
static void settings_comment(struct gift *g, const char *s, size_t n, int line)
{
	static const char *const keys[] = {"title", "pass_mark", "attempts", "shuffle", "draw", "minutes", "kind"};
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		size_t kl = strlen(keys[i]);
		if (n > kl && strncmp(s, keys[i], kl) == 0 && s[kl] == ':') {
			char *v = unescape(s, kl + 1, n);
			quiz_setting(g->p, g->q, keys[i], v, line);
			free(v);
			return;
		}
	}
}

int quiz_parse_gift(struct quiz_parser *p, const char *data, size_t len, struct quiz *q)
{
	struct chunk c = {BUF_INIT, NULL, 0};
	int cap = 0, depth = 0;
	struct gift g = {.p = p, .q = q, .c = &c};
	size_t i = 0;
	int line = 0;
	/* Skip a UTF-8 byte order mark. */
	if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB &&
	    (unsigned char)data[2] == 0xBF)
		i = 3;
	while (i <= len && !g.too_many) {
		const char *nl = i < len ? memchr(data + i, '\n', len - i) : NULL;
		size_t end = nl ? (size_t)(nl - data) : len;
		const char *s = data + i;
		size_t n = end - i;
		line++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		size_t k = 0;
		while (k < n && isspace((unsigned char)s[k]))
			k++;
		bool empty = k == n;
		bool comment = n - k >= 2 && s[k] == '/' && s[k + 1] == '/';
		if (comment) {
			if (q->nquestions == 0 && !c.nlines)
				settings_comment(&g, s + k + 2, n - k - 2, line);
		} else if (empty && depth <= 0) {
			if (c.nlines)
				question(&g);
			chunk_reset(&c);
			depth = 0;
		} else if (!empty || c.nlines) {
			if (!c.nlines && n - k >= 10 && strncmp(s + k, "$CATEGORY:", 10) == 0) {
				/* a category line stands alone */
			} else {
				chunk_add(&c, s, n, line, &cap);
				depth += brace_balance(s, n);
			}
		}
		if (!nl)
			break;
		i = end + 1;
	}
	if (c.nlines && !g.too_many)
		question(&g);
	buf_release(&c.text);
	free(c.lines);
	return p->problems;
}
