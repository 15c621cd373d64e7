/* The quiz preview: a parsed quiz as a form, and the form's answers checked by the grading functions. */
#include "server/quiz_preview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assessment/grade.h"
#include "lib/i18n.h"
#include "lib/xmalloc.h"
#include "server/views.h"

/* The answer to question k in the request's query, as attempt forms name it. */
static void answer_from_query(struct req *r, const struct question *qu, int k, struct answer *an)
{
	memset(an, 0, sizeof *an);
	char key[32];
	switch (qu->type) {
	case Q_SINGLE:
	case Q_TRUEFALSE: {
		snprintf(key, sizeof key, "q%d", k);
		const char *v = req_query(r, key);
		char *end;
		long o = v && *v ? strtol(v, &end, 10) : -1;
		if (o >= 0 && (size_t)o < qu->noptions && *end == '\0') {
			an->chosen = xmalloc(sizeof *an->chosen);
			an->chosen[an->nchosen++] = (int)o;
		}
		break;
	}
	case Q_MULTI:
		an->chosen = xmalloc((qu->noptions + 1) * sizeof *an->chosen);
		for (size_t o = 0; o < qu->noptions; o++) {
			snprintf(key, sizeof key, "q%d_%zu", k, o);
			if (req_query(r, key))
				an->chosen[an->nchosen++] = (int)o;
		}
		break;
	case Q_MATCH: {
		an->chosen = xmalloc((qu->npairs + 1) * sizeof *an->chosen);
		bool any = false;
		for (size_t p = 0; p < qu->npairs; p++) {
			snprintf(key, sizeof key, "q%d_%zu", k, p);
			const char *v = req_query(r, key);
			char *end;
			long c = v && *v ? strtol(v, &end, 10) : -1;
			an->chosen[p] = c >= 0 && (size_t)c < qu->npairs && *end == '\0' ? (int)c : -1;
			any = any || an->chosen[p] >= 0;
		}
		an->nchosen = any ? (int)qu->npairs : 0;
		break;
	}
	case Q_SHORT:
	case Q_NUMERIC:
	case Q_ESSAY: {
		snprintf(key, sizeof key, "q%d", k);
		const char *v = req_query(r, key);
		an->text = v && *v ? xstrdup(v) : NULL;
		break;
	}
	case Q_DESCRIPTION:
		break;
	}
}

static bool picked(const struct answer *an, int o)
{
	for (int i = 0; i < an->nchosen; i++)
		if (an->chosen[i] == o)
			return true;
	return false;
}

static void inputs(struct req *r, struct buf *b, const struct question *qu, int k, const struct answer *an,
		   const char *la)
{
	switch (qu->type) {
	case Q_SINGLE:
	case Q_TRUEFALSE:
	case Q_MULTI:
		for (size_t o = 0; o < qu->noptions; o++) {
			const char *label = qu->type == Q_TRUEFALSE ? T(r, qu->options[o].text) : qu->options[o].html;
			if (qu->type == Q_MULTI)
				buf_printf(
				    b, "<label%s><input type=\"checkbox\" name=\"q%d_%zu\" value=\"1\"%s> %s</label>",
				    la, k, o, picked(an, (int)o) ? " checked" : "", label);
			else
				buf_printf(b, "<label%s><input type=\"radio\" name=\"q%d\" value=\"%zu\"%s> %s</label>",
					   la, k, o, picked(an, (int)o) ? " checked" : "", label);
		}
		break;
	case Q_SHORT:
	case Q_NUMERIC:
		buf_printf(b,
			   "<label for=\"f-q%d\">%s</label><input id=\"f-q%d\" name=\"q%d\" type=\"text\" "
			   "autocomplete=\"off\" maxlength=\"1000\" value=\"",
			   k, T(r, "Your answer"), k, k);
		buf_html(b, an->text ? an->text : "");
		buf_puts(b, "\">");
		break;
	case Q_ESSAY:
		buf_printf(b, "<label for=\"f-q%d\">%s</label><textarea id=\"f-q%d\" name=\"q%d\" rows=\"6\">", k,
			   T(r, "Your answer"), k, k);
		buf_html(b, an->text ? an->text : "");
		buf_puts(b, "</textarea>");
		break;
	case Q_MATCH:
		for (size_t p = 0; p < qu->npairs; p++) {
			if (!qu->pairs[p].left[0])
				continue;
			int cur = an->nchosen > (int)p ? an->chosen[p] : -1;
			buf_printf(b, "<label for=\"f-q%d_%zu\"%s>", k, p, la);
			buf_html(b, qu->pairs[p].left);
			buf_printf(b,
				   "</label><select id=\"f-q%d_%zu\" name=\"q%d_%zu\"><option value=\"\">%s</option>",
				   k, p, k, p, T(r, "Choose..."));
			for (size_t c = 0; c < qu->npairs; c++) {
				size_t first = 0; /* each right-hand text once */
				while (strcmp(qu->pairs[first].right, qu->pairs[c].right) != 0)
					first++;
				if (first != c)
					continue;
				buf_printf(b, "<option value=\"%zu\"%s>", c, cur == (int)c ? " selected" : "");
				buf_html(b, qu->pairs[c].right);
				buf_puts(b, "</option>");
			}
			buf_puts(b, "</select>");
		}
		break;
	case Q_DESCRIPTION:
		break;
	}
}

/* The right answers of a question, as plain text. */
static void right_answers(struct buf *b, const struct question *qu)
{
	int c = 0;
	switch (qu->type) {
	case Q_SINGLE:
	case Q_TRUEFALSE:
	case Q_MULTI:
	case Q_SHORT:
		for (size_t o = 0; o < qu->noptions; o++)
			if (qu->options[o].right) {
				buf_puts(b, c++ ? "; " : "");
				buf_html(b, qu->options[o].text);
			}
		break;
	case Q_NUMERIC:
		for (size_t o = 0; o < qu->nnums; o++)
			if (qu->nums[o].weight > 0 && !qu->nums[o].any)
				buf_printf(b, "%s%g", c++ ? "; " : "", qu->nums[o].value);
		break;
	case Q_MATCH:
		for (size_t p = 0; p < qu->npairs; p++)
			if (qu->pairs[p].left[0]) {
				buf_puts(b, c++ ? "; " : "");
				buf_html(b, qu->pairs[p].left);
				buf_puts(b, " &rarr; ");
				buf_html(b, qu->pairs[p].right);
			}
		break;
	case Q_ESSAY:
	case Q_DESCRIPTION:
		break;
	}
}

void quiz_preview_html(struct req *r, struct buf *b, const struct quiz *q, const char *action, const char *language)
{
	const char *la = lang_attr_for(r, language);
	const char *ck = req_query(r, "check");
	bool check = ck && strcmp(ck, "1") == 0;
	int scored = 0, num = 0;
	for (size_t i = 0; i < q->nquestions; i++)
		scored += grade_scored(&q->questions[i]);
	double total = 0;
	int graded = 0;
	struct buf body = BUF_INIT;
	for (size_t i = 0; i < q->nquestions; i++) {
		const struct question *qu = &q->questions[i];
		if (!grade_scored(qu)) {
			buf_printf(&body, "<div class=\"description\"%s>%s</div>", la, qu->html);
			continue;
		}
		struct answer an;
		answer_from_query(r, qu, (int)i, &an);
		buf_printf(&body, "<fieldset id=\"q%zu\" data-question=\"%zu\"><legend>", i, i);
		buf_printf(&body, T(r, "Question %d of %d"), ++num, scored);
		buf_printf(&body, "</legend><div%s>%s</div>", la, qu->html);
		if (qu->type == Q_MULTI)
			buf_printf(&body, "<p class=\"meta\">%s</p>", T(r, "Choose all that apply."));
		inputs(r, &body, qu, (int)i, &an, qu->type == Q_TRUEFALSE ? "" : la);
		if (check && qu->type != Q_ESSAY) {
			double s = grade_question(qu, &an);
			total += s;
			graded++;
			const char *verdict = s >= 0.999 ? T(r, "Right")
					      : s > 0	 ? T(r, "Partly right")
							 : T(r, "Not right");
			buf_printf(&body, "<p class=\"status %s\" data-check=\"%s\">%s</p>", s > 0 ? "right" : "wrong",
				   s >= 0.999 ? "right"
				   : s > 0    ? "partly"
					      : "wrong",
				   verdict);
			buf_printf(&body, "<p class=\"meta\">%s <span%s>", T(r, "Accepted answers:"), la);
			right_answers(&body, qu);
			buf_puts(&body, "</span></p>");
			if (qu->feedback)
				buf_printf(&body, "<div%s>%s</div>", la, qu->feedback);
		} else if (check) {
			buf_printf(&body, "<p class=\"meta\">%s</p>", T(r, "Awaiting grading"));
		}
		buf_puts(&body, "</fieldset>");
		answer_release(&an);
	}
	if (check && graded) {
		char pct[32];
		snprintf(pct, sizeof pct, "%.0f%%", 100.0 * total / graded);
		buf_printf(b, "<div class=\"notice info\" role=\"status\" data-score=\"%s\"><p>", pct);
		buf_printf(b, T(r, "Answer check: %s of the automatically graded questions."), pct);
		buf_puts(b, "</p></div>");
	}
	buf_puts(b, "<form method=\"get\" action=\"");
	buf_html(b, action);
	buf_puts(b, "\" class=\"quiz\">");
	if (strcmp(r->lang, "en") != 0)
		buf_printf(b, "<input type=\"hidden\" name=\"lang\" value=\"%s\">", r->lang);
	buf_puts(b, "<input type=\"hidden\" name=\"check\" value=\"1\">");
	if (body.len)
		buf_add(b, body.data, body.len);
	buf_release(&body);
	buf_printf(b, "<button type=\"submit\">%s</button></form>", T(r, "Check the answers"));
}
