/*
 * Moodle GIFT, read as Moodle's own importer reads it
 * (question/format/gift/format.php, readquestion()): there is no library for
 * it in Debian. Questions are separated by blank lines; "// comment" lines,
 * "$CATEGORY:" lines, "::title::", format markers ([moodle] [html] [plain]
 * [markdown]) at the start of any text, escapes \~ \= \# \{ \} \: \\ \n.
 * The first '{' and the first '}' delimit the answers; text after the block
 * makes a missing-word question (the block becomes "_____" in the sentence).
 * The type follows from the answers as in Moodle: none and no braces is a
 * description, "{}" an essay, "#" numerical, any "~" multiple choice, "="
 * with "->" matching, T/TRUE/F/FALSE true/false, else short answer.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assessment/quiz_private.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"

struct chunk {
	struct buf text;
	int *lines; /* file line of each line of text */
	int nlines;
};

struct gift {
	struct quiz_parser *p;
	struct quiz *q;
	struct chunk *c;
	bool too_many;
	int line; /* first line of the question */
};

/*
 * Escaped control characters become bytes that never occur in UTF-8 text
 * (Moodle uses "&&058;" placeholders the same way), so that splitting on
 * '~', '=', '#', ... never sees them; text() turns them back.
 */
#define ESC_FIRST 0xF8
static const char esc_chars[] = ":#={}~\n"; /* 0xF8 .. 0xFE */

static char *escape_pre(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			if (s[i + 1] == '\\') { /* "\\" is one backslash */
				buf_putc(&b, '\\');
				i++;
				continue;
			}
			const char *e = s[i + 1] == 'n' ? esc_chars + 6 : strchr(esc_chars, s[i + 1]);
			if (e && s[i + 1] != '\0' && s[i + 1] != '\n') {
				buf_putc(&b, (char)(ESC_FIRST + (e - esc_chars)));
				i++;
				continue;
			}
		}
		buf_putc(&b, s[i]);
	}
	char *r = xstrdup(buf_str(&b));
	buf_release(&b);
	return r;
}

static bool phpspace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\0';
}

/* s[a..b) trimmed of white space and the placeholders turned back into characters; caller frees. */
static char *text(const char *s, size_t a, size_t b)
{
	while (a < b && phpspace(s[a]))
		a++;
	while (b > a && phpspace(s[b - 1]))
		b--;
	struct buf o = BUF_INIT;
	for (size_t i = a; i < b; i++) {
		unsigned char ch = (unsigned char)s[i];
		buf_putc(&o, ch >= ESC_FIRST && ch < ESC_FIRST + 7 ? esc_chars[ch - ESC_FIRST] : (char)ch);
	}
	/* Moodle trims after the placeholders are back: an escaped "\n" at either end goes too. */
	char *r = xstrdup(buf_str(&o));
	buf_release(&o);
	size_t n = strlen(r), k = 0;
	while (k < n && phpspace(r[k]))
		k++;
	while (n > k && phpspace(r[n - 1]))
		n--;
	char *t = xstrndup(r + k, n - k);
	free(r);
	return t;
}

/* s trimmed, placeholders kept (still to be split); caller frees. */
static char *trimmed(const char *s)
{
	size_t a = 0, b = strlen(s);
	while (a < b && phpspace(s[a]))
		a++;
	while (b > a && phpspace(s[b - 1]))
		b--;
	return xstrndup(s + a, b - a);
}

/* A text with its format: Moodle's parse_text_with_format(). */
struct ftext {
	enum quiz_fmt fmt;
	char *text;
};

static struct ftext with_format(const char *s, size_t a, size_t b, enum quiz_fmt dflt)
{
	struct ftext t = {dflt, NULL};
	while (a < b && phpspace(s[a]))
		a++;
	if (a < b && s[a] == '[') {
		static const struct {
			const char *name;
			enum quiz_fmt f;
		} names[] = {
		    {"[moodle]", QF_MOODLE}, {"[html]", QF_HTML}, {"[plain]", QF_PLAIN}, {"[markdown]", QF_MARKDOWN}};
		for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
			size_t l = strlen(names[k].name);
			if (b - a >= l && strncmp(s + a, names[k].name, l) == 0) {
				t.fmt = names[k].f;
				a += l;
				break;
			}
		}
	}
	t.text = text(s, a, b);
	return t;
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

/* Moodle's explode(sep, s): pieces of s; the first is dropped when it is blank (as Moodle does). */
static int explode(const char *s, char sep, char **out, int max)
{
	int n = 0;
	const char *p = s;
	for (;;) {
		const char *e = strchr(p, sep);
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (n == max) {
			for (int k = 0; k < n; k++)
				free(out[k]);
			return -1;
		}
		out[n++] = xstrndup(p, l);
		if (!e)
			break;
		p = e + 1;
	}
	char *first = trimmed(out[0]);
	bool blank = !first[0];
	free(first);
	if (blank) {
		free(out[0]);
		memmove(out, out + 1, (size_t)(n - 1) * sizeof *out);
		n--;
	}
	return n;
}

static void free_all(char **v, int n)
{
	for (int k = 0; k < n; k++)
		free(v[k]);
}

/*
 * A leading "%n%" weight (Moodle's /^%\-*([0-9]{1,2})\.?([0-9]*)%/): 1 with
 * *w set and *s moved past it, 0 when there is none, -1 when it is malformed.
 */
static int weight(const char **s, double *w)
{
	const char *a = *s;
	if (*a != '%')
		return 0;
	const char *z = strchr(a + 1, '%');
	if (!z || z - a > 12)
		return a[1] == '-' || isdigit((unsigned char)a[1]) ? -1 : 0;
	char tmp[16];
	memcpy(tmp, a + 1, (size_t)(z - a - 1));
	tmp[z - a - 1] = '\0';
	char *end;
	double v = strtod(tmp, &end);
	if (end == tmp || *end || !isfinite(v) || v < -100 || v > 100)
		return -1;
	*w = v / 100.0;
	*s = z + 1;
	return 1;
}

/* Moodle's commentparser(): "answer#feedback", each with its format. */
static void comment(const char *s, enum quiz_fmt dflt, struct ftext *ans, struct ftext *fb)
{
	const char *h = strchr(s, '#');
	*ans = with_format(s, 0, h ? (size_t)(h - s) : strlen(s), dflt);
	if (h)
		*fb = with_format(h + 1, 0, strlen(h + 1), dflt);
	else
		*fb = (struct ftext){dflt, xstrdup("")};
}

/* Feedback as safe HTML, or NULL when empty. Frees t. */
static char *feedback_html(struct ftext *t)
{
	char *h = NULL;
	if (t->text && t->text[0])
		h = quiz_fmt_html(t->fmt, t->text, true, NULL, NULL, NULL);
	free(t->text);
	t->text = NULL;
	return h;
}

static struct option *add_option(struct question *qu)
{
	qu->options = xrealloc(qu->options, (qu->noptions + 1) * sizeof *qu->options);
	struct option *o = &qu->options[qu->noptions++];
	memset(o, 0, sizeof *o);
	return o;
}

static int weight_problem(struct gift *g)
{
	quiz_problem(g->p, g->line, "a weight must look like %%50%%");
	return -1;
}

/*
 * One answer of a short-answer or numerical question, as Moodle reads it: "%W%answer#feedback"; *w keeps
 * its value when no weight is given. 0, or -1 with the problem recorded.
 */
static int answer_part(struct gift *g, const char *part, enum quiz_fmt qf, double *w, struct ftext *ans,
		       struct ftext *fb)
{
	char *a = trimmed(part);
	const char *s = a;
	int rc = weight(&s, w) < 0 ? weight_problem(g) : 0;
	if (rc == 0)
		comment(s, qf, ans, fb);
	free(a);
	return rc;
}

static int multichoice(struct gift *g, struct question *qu, const char *at, enum quiz_fmt qf)
{
	bool single = strchr(at, '=') != NULL;
	/* Moodle: str_replace("=", "~=") then explode("~"). */
	struct buf b = BUF_INIT;
	for (const char *s = at; *s; s++) {
		if (*s == '=')
			buf_putc(&b, '~');
		buf_putc(&b, *s);
	}
	char *parts[QUIZ_MAX_OPTIONS + 1];
	int n = explode(buf_str(&b), '~', parts, QUIZ_MAX_OPTIONS + 1);
	buf_release(&b);
	if (n < 0) {
		quiz_problem(g->p, g->line, "too many answers in one question (at most %d)", QUIZ_MAX_OPTIONS);
		return -1;
	}
	qu->type = single ? Q_SINGLE : Q_MULTI;
	int rc = 0;
	double best = 0;
	if (n < 2) {
		quiz_problem(g->p, g->line, "a choice question needs at least two options");
		rc = -1;
	}
	for (int k = 0; k < n && rc == 0; k++) {
		char *a = trimmed(parts[k]);
		const char *s = a;
		double w = 0;
		if (*s == '=') {
			w = 1;
			s++;
		} else if (weight(&s, &w) < 0) {
			rc = weight_problem(g);
			free(a);
			break;
		}
		struct ftext ans, fb;
		comment(s, qf, &ans, &fb);
		free(a);
		struct option *o = add_option(qu);
		o->html = quiz_fmt_html(ans.fmt, ans.text, false, &o->text, NULL, NULL);
		free(ans.text);
		o->feedback = feedback_html(&fb);
		if (!single || w >= 0)
			o->weight = w;
		if (w > best)
			best = w;
		if (!o->text[0]) {
			quiz_problem(g->p, g->line, "an answer has no text");
			rc = -1;
		}
	}
	free_all(parts, n);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < qu->noptions; k++) {
		struct option *o = &qu->options[k];
		o->right = single ? o->weight > 0 && o->weight >= best : o->weight > 0;
	}
	if (best <= 0) {
		quiz_problem(g->p, g->line, "no answer is marked right ('=' or a positive %%weight%%)");
		return -1;
	}
	return 0;
}

static int matching(struct gift *g, struct question *qu, const char *at, enum quiz_fmt qf)
{
	char *parts[QUIZ_MAX_OPTIONS + 1];
	int n = explode(at, '=', parts, QUIZ_MAX_OPTIONS + 1);
	if (n < 0) {
		quiz_problem(g->p, g->line, "too many answers in one question (at most %d)", QUIZ_MAX_OPTIONS);
		return -1;
	}
	qu->type = Q_MATCH;
	int rc = 0;
	qu->pairs = xcalloc((size_t)n + 1, sizeof *qu->pairs);
	for (int k = 0; k < n && rc == 0; k++) {
		char *a = trimmed(parts[k]);
		const char *ar = strstr(a, "->");
		if (!ar) {
			quiz_problem(g->p, g->line, "in a matching question every answer is '=left -> right'");
			rc = -1;
		} else {
			struct ftext left = with_format(a, 0, (size_t)(ar - a), qf);
			char *h = quiz_fmt_html(left.fmt, left.text, false, &qu->pairs[k].left, NULL, NULL);
			free(h);
			free(left.text);
			qu->pairs[k].right = text(ar + 2, 0, strlen(ar + 2));
			qu->npairs++;
			if (!qu->pairs[k].right[0]) {
				quiz_problem(g->p, g->line, "a pair needs text after '->'");
				rc = -1;
			}
		}
		free(a);
	}
	free_all(parts, n);
	if (rc < 0)
		return rc;
	int real = 0;
	for (size_t k = 0; k < qu->npairs; k++)
		real += qu->pairs[k].left[0] != '\0';
	if (real < 2) {
		quiz_problem(g->p, g->line, "a matching question needs at least two pairs");
		return -1;
	}
	return 0;
}

static void truefalse(struct question *qu, const char *at, enum quiz_fmt qf, bool value)
{
	qu->type = Q_TRUEFALSE;
	/* {T#feedback if wrong#feedback if right}: Moodle's split_truefalse_comment(). */
	const char *h1 = strchr(at, '#');
	const char *h2 = h1 ? strchr(h1 + 1, '#') : NULL;
	struct ftext wrong = {qf, NULL}, right = {qf, NULL};
	if (h1)
		wrong = with_format(h1 + 1, 0, h2 ? (size_t)(h2 - h1 - 1) : strlen(h1 + 1), qf);
	if (h2)
		right = with_format(h2 + 1, 0, strlen(h2 + 1), qf);
	char *wrong_fb = feedback_html(&wrong), *right_fb = feedback_html(&right);
	static const char *const names[] = {"True", "False"};
	for (int k = 0; k < 2; k++) {
		struct option *o = add_option(qu);
		o->text = xstrdup(names[k]);
		o->html = xstrdup(names[k]);
		o->right = (k == 0) == value;
		o->weight = o->right ? 1.0 : 0.0;
		char **fb = o->right ? &right_fb : &wrong_fb;
		o->feedback = *fb;
		*fb = NULL;
	}
}

static int shortanswer(struct gift *g, struct question *qu, const char *at, enum quiz_fmt qf)
{
	char *parts[QUIZ_MAX_OPTIONS + 1];
	int n = explode(at, '=', parts, QUIZ_MAX_OPTIONS + 1);
	if (n < 0) {
		quiz_problem(g->p, g->line, "too many answers in one question (at most %d)", QUIZ_MAX_OPTIONS);
		return -1;
	}
	qu->type = Q_SHORT;
	qu->wildcard = true;
	int rc = 0;
	double best = 0;
	for (int k = 0; k < n && rc == 0; k++) {
		double w = 1;
		struct ftext ans, fb;
		if ((rc = answer_part(g, parts[k], qf, &w, &ans, &fb)) < 0)
			break;
		struct option *o = add_option(qu);
		o->text = ans.text; /* compared as typed, never formatted */
		o->html = quiz_text_html(o->text, false);
		o->feedback = feedback_html(&fb);
		o->weight = w < 0 ? 0 : w;
		o->right = o->weight > 0;
		if (o->weight > best)
			best = o->weight;
		if (!o->text[0]) {
			quiz_problem(g->p, g->line, "an answer has no text");
			rc = -1;
		}
	}
	free_all(parts, n);
	if (rc == 0 && best <= 0) {
		quiz_problem(g->p, g->line, "no answer is marked right ('=' or a positive %%weight%%)");
		rc = -1;
	}
	return rc;
}

static bool parse_num(const char *s, double *v)
{
	char *end;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	*v = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	return end != s && !*end && isfinite(*v) && fabs(*v) < 1e15;
}

/* "value", "value:tolerance", "min..max" or "*" (any answer). */
static int numeric_spec(struct gift *g, const char *a, struct numeric *nu)
{
	const char *dots = strstr(a, "..");
	const char *colon = strchr(a, ':');
	char *tmp = NULL;
	double x, y = 0;
	if (strcmp(a, "*") == 0) {
		nu->any = true;
		return 0;
	}
	if (dots && dots > a) {
		tmp = xstrndup(a, (size_t)(dots - a));
		if (!parse_num(tmp, &x) || !parse_num(dots + 2, &y))
			goto bad;
		nu->range = true;
		nu->min = x < y ? x : y;
		nu->max = x < y ? y : x;
		nu->value = nu->min;
	} else {
		tmp = colon && colon > a ? xstrndup(a, (size_t)(colon - a)) : xstrdup(a);
		if (!parse_num(tmp, &x) || (colon && colon > a && !parse_num(colon + 1, &y)))
			goto bad;
		nu->value = x;
		nu->min = x - fabs(y);
		nu->max = x + fabs(y);
	}
	free(tmp);
	return 0;
bad:
	free(tmp);
	quiz_problem(g->p, g->line, "a numerical answer must be a number, number:tolerance or min..max");
	return -1;
}

static int numerical(struct gift *g, struct question *qu, const char *at, enum quiz_fmt qf)
{
	qu->type = Q_NUMERIC;
	at++; /* the '#' */
	/* "~#feedback": Moodle's "any other answer", kept for its feedback. */
	const char *tilde = strchr(at, '~');
	char *answers = tilde ? xstrndup(at, (size_t)(tilde - at)) : xstrdup(at);
	char *parts[QUIZ_MAX_OPTIONS + 1];
	int n = explode(answers, '=', parts, QUIZ_MAX_OPTIONS);
	free(answers);
	if (n < 0) {
		quiz_problem(g->p, g->line, "too many answers in one question (at most %d)", QUIZ_MAX_OPTIONS);
		return -1;
	}
	qu->nums = xcalloc((size_t)n + 2, sizeof *qu->nums);
	int rc = 0;
	double best = 0;
	for (int k = 0; k < n && rc == 0; k++) {
		double w = 1;
		struct ftext ans, fb;
		if ((rc = answer_part(g, parts[k], qf, &w, &ans, &fb)) < 0)
			break;
		struct numeric *nu = &qu->nums[qu->nnums];
		rc = numeric_spec(g, ans.text, nu);
		free(ans.text);
		nu->weight = w < 0 ? 0 : w;
		nu->feedback = feedback_html(&fb);
		qu->nnums++;
		if (nu->weight > best)
			best = nu->weight;
	}
	free_all(parts, n);
	if (rc == 0 && tilde) {
		struct ftext ans, fb;
		comment(tilde, qf, &ans, &fb);
		free(ans.text);
		struct numeric *nu = &qu->nums[qu->nnums++];
		nu->any = true;
		nu->feedback = feedback_html(&fb);
	}
	if (rc == 0 && best <= 0) {
		quiz_problem(g->p, g->line, "a numerical question needs a right answer");
		rc = -1;
	}
	return rc;
}

/* True/false when the answers before any '#' are exactly T, TRUE, F or FALSE (as Moodle checks). */
static int tf_value(const char *at)
{
	const char *h = strchr(at, '#');
	char *w = h && h > at ? text(at, 0, (size_t)(h - at)) : xstrdup(at);
	int v = strcmp(w, "T") == 0 || strcmp(w, "TRUE") == 0	 ? 1
		: strcmp(w, "F") == 0 || strcmp(w, "FALSE") == 0 ? 0
								 : -1;
	free(w);
	return v;
}

static int answers(struct gift *g, struct question *qu, const char *at, enum quiz_fmt qf)
{
	if (at[0] == '#')
		return numerical(g, qu, at, qf);
	if (strchr(at, '~'))
		return multichoice(g, qu, at, qf);
	if (strchr(at, '=') && strstr(at, "->"))
		return matching(g, qu, at, qf);
	int tf = tf_value(at);
	if (tf >= 0) {
		truefalse(qu, at, qf, tf == 1);
		return 0;
	}
	return shortanswer(g, qu, at, qf);
}

/* Offset of the first ch in s[from..n), or n. */
static size_t find(const char *s, size_t from, size_t n, char ch)
{
	const char *p = from < n ? memchr(s + from, ch, n - from) : NULL;
	return p ? (size_t)(p - s) : n;
}

static size_t rfind_str(const char *s, size_t a, size_t b, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = b; i >= a + k; i--)
		if (strncmp(s + i - k, needle, k) == 0)
			return i - k;
	return b;
}

static void question(struct gift *g)
{
	struct chunk *c = g->c;
	char *s = escape_pre(buf_str(&c->text), c->text.len);
	size_t n = strlen(s), i = 0;
	g->line = c->lines[0];
	while (i < n && phpspace(s[i]))
		i++;
	while (n > i && phpspace(s[n - 1]))
		n--;
	char *title = NULL, *at = NULL;
	struct ftext qt = {QF_MOODLE, NULL}, gf = {QF_MOODLE, NULL};
	if (n - i >= 10 && strncmp(s + i, "$CATEGORY:", 10) == 0)
		goto out;
	if (n - i >= 2 && s[i] == ':' && s[i + 1] == ':') {
		i += 2;
		const char *z = strstr(s + i, "::");
		if (z && (size_t)(z - s) < n) {
			title = text(s, i, (size_t)(z - s));
			i = (size_t)(z - s) + 2;
			while (i < n && phpspace(s[i]))
				i++;
		}
	}
	size_t open = find(s, i, n, '{'), close = find(s, i, n, '}');
	bool description = open == n && close == n;
	if (!description && (open == n || close == n || close < open)) {
		quiz_problem(g->p, g->line,
			     open == n || close < open ? "a '}' has no '{' before it"
						       : "the answer block '{' is not closed by '}'");
		goto out;
	}
	struct buf qtext = BUF_INIT;
	if (description) {
		buf_add(&qtext, s + i, n - i);
	} else {
		buf_add(&qtext, s + i, open - i);
		if (s[n - 1] != '}') /* text after the block: a missing-word question */
			buf_puts(&qtext, "_____");
		buf_add(&qtext, s + close + 1, n - close - 1);
		size_t a = open + 1, b = close;
		size_t sep = rfind_str(s, a, b, "####");
		if (sep < b) {
			gf.text = xstrndup(s + sep + 4, b - sep - 4);
			b = sep;
		}
		while (a < b && phpspace(s[a]))
			a++;
		while (b > a && phpspace(s[b - 1]))
			b--;
		at = xstrndup(s + a, b - a);
	}
	qt = with_format(buf_str(&qtext), 0, qtext.len, QF_MOODLE);
	buf_release(&qtext);
	if (gf.text) {
		char *raw = gf.text;
		gf = with_format(raw, 0, strlen(raw), qt.fmt);
		free(raw);
	}
	struct question *qu = new_question(g, g->line);
	if (!qu)
		goto out;
	qu->title = title;
	title = NULL;
	if (description)
		qu->type = Q_DESCRIPTION;
	else if (!at[0])
		qu->type = Q_ESSAY;
	else if (answers(g, qu, at, qt.fmt) < 0) {
		quiz_drop_last(g->q);
		goto out;
	}
	qu->feedback = feedback_html(&gf);
	if (!qt.text[0] && !qu->title) {
		quiz_problem(g->p, g->line, "the question has no text");
		quiz_drop_last(g->q);
		goto out;
	}
	if (qt.text[0]) {
		qu->html = quiz_fmt_html(qt.fmt, qt.text, true, &qu->text, NULL, NULL);
	} else {
		qu->text = xstrdup("");
		qu->html = quiz_text_html(qu->title, true);
	}
out:
	free(title);
	free(at);
	free(qt.text);
	free(gf.text);
	free(s);
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
			char *v = text(s, kl + 1, n);
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
