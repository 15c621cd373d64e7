/*
 * Quiz pages: intro (attempts used, best score, start/resume), the attempt
 * form (no JavaScript; fieldsets, legends and labels), save, submit, the
 * result with feedback, and item analysis for trainers. Grading is done by
 * assessment/attempt.c; nothing here knows the right answers before a
 * submission.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assessment/attempt.h"
#include "courses/learn.h"
#include "courses/listing.h"
#include "lib/db.h"
#include "lib/i18n.h"
#include "lib/util.h"
#include "server/h_learn.h"
#include "server/h_quiz.h"
#include "server/packages.h"
#include "server/server.h"
#include "server/views.h"

/* /courses/ID/quiz/PATH (URL-safe: ids and item paths are [A-Za-z0-9._/-]). */
static void quiz_href(struct buf *b, const char *course_id, const char *path)
{
	buf_puts(b, "/courses/");
	buf_url(b, course_id);
	buf_puts(b, "/quiz/");
	for (const char *p = path; *p; p++) {
		char one[2] = {*p, 0};
		if (*p == '/')
			buf_putc(b, '/');
		else
			buf_url(b, one);
	}
}

static bool path_ok(const char *p)
{
	return p && *p && strlen(p) < 512 && !strstr(p, "..") && utf8_valid(p, strlen(p));
}

static void fmt_score(char *out, size_t n, double v)
{
	snprintf(out, n, "%.0f%%", v);
}

static const char *kind_label(struct req *r, enum quiz_kind k)
{
	return k == QUIZ_PRETEST ? T(r, "Pre-test") : k == QUIZ_PRACTICE ? T(r, "Practice quiz") : T(r, "Final quiz");
}

static int h_intro(struct req *r)
{
	const char *course = r->param[0], *path = r->param[1];
	if (!path_ok(path))
		return resp_error(r, 404, T(r, "Page not found."));
	struct quiz_status st;
	struct err e = {""};
	int rc = attempt_quiz_status(r->db, r->user->id, course, path, r->lang, &st, &e);
	if (rc < 0)
		return resp_error(r, http_status_of(rc), rc == ATTEMPT_ENOTFOUND ? T(r, "No such quiz.") : e.msg);
	struct buf b = BUF_INIT;
	page_begin(r, &b, st.title);
	buf_puts(&b, "<p><a href=\"/courses/");
	buf_url(&b, course);
	buf_printf(&b, "\">%s</a></p><h1>", T(r, "Back to the course"));
	buf_html(&b, st.title);
	buf_printf(&b, "</h1><p class=\"meta\">%s</p>", kind_label(r, st.kind));
	if (req_query(r, "limit"))
		notice(&b, "error", T(r, "You have used all your attempts at this quiz."));
	buf_puts(&b, "<ul>");
	buf_printf(&b, "<li>");
	buf_printf(&b, T(r, "%d questions"), st.nquestions);
	buf_puts(&b, "</li>");
	if (st.kind == QUIZ_FINAL) { /* a pre-test or practice quiz has no pass mark */
		buf_puts(&b, "<li>");
		buf_printf(&b, T(r, "Pass mark: %d%%"), st.pass_mark);
		buf_puts(&b, "</li>");
	}
	buf_puts(&b, "<li>");
	if (st.minutes)
		buf_printf(&b, T(r, "Time limit: %d minutes"), st.minutes);
	else
		buf_puts(&b, T(r, "No time limit"));
	buf_puts(&b, "</li><li>");
	if (st.attempts_allowed)
		buf_printf(&b, T(r, "Attempts used: %d of %d"), st.attempts_used, st.attempts_allowed);
	else
		buf_printf(&b, T(r, "Attempts used: %d (no limit)"), st.attempts_used);
	buf_puts(&b, "</li>");
	if (st.best >= 0) {
		char sc[16];
		fmt_score(sc, sizeof sc, st.best);
		buf_printf(&b, "<li>%s %s", T(r, "Best score:"), sc);
		if (st.kind == QUIZ_FINAL)
			buf_printf(&b, " (<span class=\"status %s\">%s</span>)", st.passed ? "right" : "wrong",
				   st.passed ? T(r, "passed") : T(r, "not passed yet"));
		buf_puts(&b, "</li>");
	}
	buf_puts(&b, "</ul>");
	bool can_start = st.open_attempt || !st.attempts_allowed || st.attempts_used < st.attempts_allowed;
	if (st.open_attempt) {
		buf_printf(&b, "<p><a class=\"button\" href=\"/attempts/%lld\">%s</a></p>", (long long)st.open_attempt,
			   T(r, "Resume your attempt"));
	} else if (can_start) {
		struct buf act = BUF_INIT;
		quiz_href(&act, course, path);
		buf_puts(&act, "/start");
		form_begin(r, &b, buf_str(&act));
		buf_release(&act);
		form_submit(&b, st.attempts_used ? T(r, "Try again") : T(r, "Start the quiz"));
	} else {
		notice(&b, "info", T(r, "No attempts left."));
	}
	struct attempt_summary *list = NULL;
	int n = 0;
	attempt_list(r->db, r->user->id, course, path, &list, &n, &e);
	int shown = 0;
	for (int i = 0; i < n; i++) {
		if (!list[i].submitted_at)
			continue;
		if (!shown++)
			buf_printf(&b, "<h2>%s</h2><ul>", T(r, "Your attempts"));
		char sc[16];
		fmt_score(sc, sizeof sc, list[i].score);
		buf_printf(&b, "<li><a href=\"/attempts/%lld\">", (long long)list[i].id);
		view_date(r, &b, list[i].submitted_at);
		buf_puts(&b, view_colon(r));
		i18n_digits(&b, r->lang, sc);
		buf_printf(&b, "</a>%s%s</li>", list[i].late ? T(r, " (late)") : "",
			   list[i].pending ? T(r, " (awaiting grading)") : "");
	}
	if (shown)
		buf_puts(&b, "</ul>");
	free(list);
	quiz_status_release(&st);
	page_end(r, &b);
	return page_send(r, 200, &b);
}

static int h_start(struct req *r)
{
	const char *course = r->param[0];
	char *path = arena_strdup(&r->arena, r->param[1] ? r->param[1] : "");
	if (!str_ends(path, "/start"))
		return resp_error(r, 404, T(r, "Page not found."));
	path[strlen(path) - strlen("/start")] = '\0';
	if (!path_ok(path))
		return resp_error(r, 404, T(r, "Page not found."));
	int64_t aid = 0;
	struct err e = {""};
	int rc = attempt_start(r->db, r->user->id, course, path, r->lang, &aid, &e);
	if (rc == ATTEMPT_ELIMIT) {
		struct buf to = BUF_INIT;
		quiz_href(&to, course, path);
		buf_puts(&to, "?limit=1");
		rc = resp_redirect(r, buf_str(&to));
		buf_release(&to);
		return rc;
	}
	if (rc < 0)
		return resp_error(r, http_status_of(rc), rc == ATTEMPT_ENOTFOUND ? T(r, "No such quiz.") : e.msg);
	char to[64];
	snprintf(to, sizeof to, "/attempts/%lld", (long long)aid);
	return resp_redirect(r, to);
}

static int load_own(struct req *r, struct attempt *a)
{
	int64_t aid = req_int(r->param[0], 1, INT64_MAX, 0);
	struct err e = {""};
	int rc = aid ? attempt_load(r->db, aid, r->user->id, a, &e) : ATTEMPT_ENOTFOUND;
	if (rc < 0)
		return resp_error(r, http_status_of(rc), rc == ATTEMPT_ENOTFOUND ? T(r, "No such attempt.") : e.msg);
	return 0;
}

/* Item k's number among the questions that take an answer (descriptions are not numbered), and their count. */
static int question_number(const struct attempt *a, int k, int *n)
{
	int num = 0;
	*n = 0;
	for (int i = 0; i < a->nitems; i++) {
		if (!grade_scored(&a->quiz.questions[a->items[i].question]))
			continue;
		(*n)++;
		if (i <= k)
			num++;
	}
	return num;
}

static void question_head(struct req *r, struct buf *b, const struct attempt *a, int k, const struct question *qu,
			  bool unanswered, const char *la)
{
	int n, num = question_number(a, k, &n);
	if (unanswered)
		buf_printf(b, "<fieldset id=\"q%d\" class=\"unanswered\" aria-describedby=\"q%d-un q%d-text\"><legend>",
			   k, k, k);
	else
		buf_printf(b, "<fieldset id=\"q%d\" aria-describedby=\"q%d-text\"><legend>", k, k);
	buf_printf(b, T(r, "Question %d of %d"), num, n);
	buf_puts(b, "</legend>");
	if (unanswered)
		buf_printf(b, "<p class=\"field-error\" id=\"q%d-un\">%s</p>", k, T(r, "Not answered yet."));
	/* safe HTML from cmark or escaped; marked with the quiz's language when the page is in the other one */
	buf_printf(b, "<div id=\"q%d-text\"%s>%s</div>", k, la, qu->html);
	if (qu->type == Q_MULTI)
		buf_printf(b, "<p class=\"meta\">%s</p>", T(r, "Choose all that apply."));
}

static bool chosen(const struct answer *an, int o)
{
	for (int i = 0; i < an->nchosen; i++)
		if (an->chosen[i] == o)
			return true;
	return false;
}

/* An essay: a text area kept as written (escaped), at most ATTEMPT_ESSAY_CHARS characters. */
static void essay_form(struct req *r, struct buf *b, int k, const struct question *qu, const struct answer *an)
{
	char pts[160];
	snprintf(pts, sizeof pts, T(r, "Written answer, graded by a trainer out of %g points."), qu->points);
	buf_printf(b, "<p class=\"meta\" id=\"q%d-essay\">%s</p>", k, pts);
	buf_printf(b,
		   "<label for=\"f-q%d\">%s</label><textarea id=\"f-q%d\" name=\"q%d\" rows=\"10\" "
		   "maxlength=\"%d\" aria-describedby=\"q%d-essay\">",
		   k, T(r, "Your answer"), k, k, ATTEMPT_ESSAY_CHARS, k);
	buf_html(b, an->text ? an->text : "");
	buf_puts(b, "</textarea>");
}

/* "Awaiting grading", or the points the trainer gave. */
static void essay_status(struct req *r, struct buf *b, const struct question *qu, const struct answer *an,
			 const struct essay_grade *g)
{
	if (g && g->graded) {
		buf_printf(b, "<p class=\"status\" data-points=\"%g\" data-max-points=\"%g\">", g->points, qu->points);
		buf_printf(b, T(r, "Graded: %g of %g points"), g->points, qu->points);
		buf_puts(b, "</p>");
	} else if (answer_given(an)) {
		buf_printf(b, "<p class=\"status\" data-status=\"awaiting\">%s</p>", T(r, "Awaiting grading"));
	} else {
		buf_printf(b, "<p class=\"status wrong\">%s</p>", T(r, "Not answered"));
	}
}

/* The learner's essay as written (escaped, line breaks kept, never Markdown) and the trainer's comment. */
static void essay_result(struct req *r, struct buf *b, const struct question *qu, const struct answer *an,
			 const struct essay_grade *g)
{
	(void)qu;
	buf_printf(b, "<p>%s</p><div class=\"essay\" style=\"white-space:pre-wrap\">", T(r, "Your answer:"));
	buf_html(b, an->text && an->text[0] ? an->text : T(r, "(no answer)"));
	buf_puts(b, "</div>");
	if (g && g->graded && g->comment && g->comment[0]) {
		buf_printf(b, "<p>%s</p><div class=\"essay-comment\" style=\"white-space:pre-wrap\">",
			   T(r, "Trainer's comment:"));
		buf_html(b, g->comment);
		buf_puts(b, "</div>");
	}
}

static void question_form(struct req *r, struct buf *b, const struct attempt *a, int k, bool unanswered)
{
	const struct attempt_item *it = &a->items[k];
	const struct question *qu = &a->quiz.questions[it->question];
	const struct answer *an = &a->answers[k];
	if (!grade_scored(qu)) {
		buf_printf(b, "<div class=\"description\">%s</div>", qu->html); /* safe HTML, as question_head() */
		return;
	}
	const char *la = lang_attr_for(r, a->language);
	question_head(r, b, a, k, qu, unanswered, la);
	switch (qu->type) {
	case Q_SINGLE:
	case Q_TRUEFALSE:
	case Q_MULTI:
		for (int j = 0; j < it->norder; j++) {
			int o = it->order[j];
			const struct option *op = &qu->options[o];
			const char *label = qu->type == Q_TRUEFALSE ? T(r, op->text) : op->html;
			const char *ol = qu->type == Q_TRUEFALSE ? "" : la;
			if (qu->type == Q_MULTI)
				buf_printf(
				    b, "<label%s><input type=\"checkbox\" name=\"q%d_%d\" value=\"1\"%s> %s</label>",
				    ol, k, o, chosen(an, o) ? " checked" : "", label);
			else
				buf_printf(b, "<label%s><input type=\"radio\" name=\"q%d\" value=\"%d\"%s> %s</label>",
					   ol, k, o, chosen(an, o) ? " checked" : "", label);
		}
		break;
	case Q_SHORT:
	case Q_NUMERIC:
		buf_printf(b,
			   "<label for=\"f-q%d\">%s</label><input id=\"f-q%d\" name=\"q%d\" type=\"text\"%s "
			   "autocomplete=\"off\" maxlength=\"1000\" value=\"",
			   k, T(r, "Your answer"), k, k, qu->type == Q_NUMERIC ? " inputmode=\"decimal\"" : "");
		buf_html(b, an->text ? an->text : "");
		buf_puts(b, "\">");
		break;
	case Q_MATCH:
		for (int j = 0; j < it->norder; j++) {
			int p = it->order[j];
			int cur = an->nchosen > p ? an->chosen[p] : -1;
			buf_printf(b, "<label for=\"f-q%d_%d\"%s>", k, p, la);
			buf_html(b, qu->pairs[p].left);
			buf_printf(b, "</label><select id=\"f-q%d_%d\" name=\"q%d_%d\"><option value=\"\">%s</option>",
				   k, p, k, p, T(r, "Choose..."));
			for (int c = 0; c < it->nchoices; c++) {
				int ch = it->choices[c];
				buf_printf(b, "<option value=\"%d\"%s%s>", ch, cur == ch ? " selected" : "", la);
				buf_html(b, qu->pairs[ch].right);
				buf_puts(b, "</option>");
			}
			buf_puts(b, "</select>");
		}
		break;
	case Q_ESSAY:
		essay_form(r, b, k, qu, an);
		break;
	case Q_DESCRIPTION:
		break;
	}
	buf_puts(b, "</fieldset>");
}

/* The answers with the right ones marked; la marks the quiz's own text when its language is not the page's. */
static void right_answer(struct req *r, struct buf *b, const struct question *qu, const struct answer *an,
			 const struct essay_grade *grade, const char *la)
{
	switch (qu->type) {
	case Q_SINGLE:
	case Q_TRUEFALSE:
	case Q_MULTI:
		buf_puts(b, "<ul>");
		for (size_t o = 0; o < qu->noptions; o++) {
			const struct option *op = &qu->options[o];
			bool mine = chosen(an, (int)o);
			buf_printf(b, "<li%s><span%s>",
				   op->right ? " class=\"right\""
				   : mine    ? " class=\"wrong\""
					     : "",
				   qu->type == Q_TRUEFALSE ? "" : la);
			buf_puts(b, qu->type == Q_TRUEFALSE ? T(r, op->text) : op->html);
			buf_puts(b, "</span>");
			if (op->right)
				buf_printf(b, " <strong>(%s)</strong>", T(r, "right answer"));
			if (mine)
				buf_printf(b, " <em>(%s)</em>", T(r, "your choice"));
			if (mine && op->feedback)
				buf_printf(b, "<div%s>%s</div>", la, op->feedback);
			buf_puts(b, "</li>");
		}
		buf_puts(b, "</ul>");
		break;
	case Q_SHORT:
	case Q_NUMERIC:
		buf_printf(b, "<p>%s ", T(r, "Your answer:"));
		buf_html(b, an->text && an->text[0] ? an->text : T(r, "(no answer)"));
		buf_printf(b, "</p><p>%s <span%s>", T(r, "Accepted answers:"), la);
		if (qu->type == Q_SHORT) {
			for (size_t o = 0, c = 0; o < qu->noptions; o++) {
				if (!qu->options[o].right)
					continue;
				buf_puts(b, c++ ? "; " : "");
				buf_html(b, qu->options[o].text);
			}
		} else {
			for (size_t o = 0, c = 0; o < qu->nnums; o++) {
				const struct numeric *nu = &qu->nums[o];
				if (nu->weight <= 0 || nu->any)
					continue;
				const char *sep = c++ ? "; " : "";
				if (nu->range)
					buf_printf(b, "%s%g&ndash;%g", sep, nu->min, nu->max);
				else if (nu->max > nu->value)
					buf_printf(b, "%s%g &plusmn; %g", sep, nu->value, nu->max - nu->value);
				else
					buf_printf(b, "%s%g", sep, nu->value);
			}
		}
		buf_puts(b, "</span></p>");
		break;
	case Q_MATCH:
		buf_puts(b, "<ul>");
		for (size_t p = 0; p < qu->npairs; p++) {
			if (!qu->pairs[p].left[0])
				continue;
			int c = an->nchosen > (int)p ? an->chosen[p] : -1;
			bool ok = c >= 0 && strcmp(qu->pairs[c].right, qu->pairs[p].right) == 0;
			buf_printf(b, "<li class=\"%s\"><span%s>", ok ? "right" : "wrong", la);
			buf_html(b, qu->pairs[p].left);
			buf_puts(b, " &rarr; ");
			buf_html(b, qu->pairs[p].right);
			buf_puts(b, "</span>");
			if (!ok) {
				buf_printf(b, " <em>(%s ", T(r, "you chose:"));
				if (c >= 0)
					buf_printf(b, "<span%s>", la);
				buf_html(b, c >= 0 ? qu->pairs[c].right : T(r, "(no answer)"));
				if (c >= 0)
					buf_puts(b, "</span>");
				buf_puts(b, ")</em>");
			}
			buf_puts(b, "</li>");
		}
		buf_puts(b, "</ul>");
		break;
	case Q_ESSAY:
		essay_result(r, b, qu, an, grade);
		break;
	case Q_DESCRIPTION:
		break;
	}
	/* The feedback of the answer that matched, as Moodle shows it (the first match, "*" included). */
	if (qu->type == Q_SHORT) {
		int o = grade_short_match(qu, an->text);
		if (o >= 0 && qu->options[o].feedback)
			buf_printf(b, "<div>%s</div>", qu->options[o].feedback);
	} else if (qu->type == Q_NUMERIC) {
		int o = grade_numeric_match(qu, an->text);
		if (o >= 0 && qu->nums[o].feedback)
			buf_printf(b, "<div>%s</div>", qu->nums[o].feedback);
	}
}

/*
 * After a passed final quiz: when that completed the learner's course, say so and link the certificate,
 * as the course page does (the same learn_course_get()).
 */
static void course_end_notice(struct req *r, struct buf *b, const struct attempt *a)
{
	struct learn_course c;
	if (a->kind != QUIZ_FINAL || a->user_id != r->user->id ||
	    learn_course_get(r->db, &r->arena, r->user->id, a->course_id, r->lang, &c) < 0 ||
	    c.status != LEARN_COMPLETE)
		return;
	buf_puts(b, "<div class=\"notice ok\" role=\"status\"><p><strong>");
	buf_html(b, T(r, "You have completed this course."));
	buf_puts(b, "</strong></p>");
	if (c.cert_serial) {
		buf_puts(b, "<p><a class=\"button\" href=\"/certificates/");
		buf_url(b, c.cert_serial);
		buf_printf(b, ".pdf\">%s</a></p>", T(r, "Your certificate (PDF)"));
	}
	buf_puts(b, "</div>");
}

static int result_page(struct req *r, const struct attempt *a)
{
	struct buf b = BUF_INIT;
	const char *title = a->quiz.title ? a->quiz.title : T(r, "Quiz");
	page_begin(r, &b, title);
	buf_printf(&b, "<h1%s>", a->quiz.title ? lang_attr_for(r, a->language) : "");
	buf_html(&b, title);
	buf_printf(&b, "</h1><h2>%s</h2>", T(r, "Your result"));
	char sc[16], msg[512];
	fmt_score(sc, sizeof sc, a->score);
	if (a->pending) {
		snprintf(msg, sizeof msg,
			 T(r, "Awaiting grading: a trainer will grade your written answers. Your score so far, without "
			      "them, is %s."),
			 sc);
		notice(&b, "info", msg);
	} else if (a->kind == QUIZ_PRACTICE) {
		snprintf(msg, sizeof msg, T(r, "You scored %s. This practice quiz does not count towards completion."),
			 sc);
		notice(&b, "info", msg);
	} else if (a->kind == QUIZ_PRETEST) {
		/* A pre-test has no pass mark: its score is where the learner starts from. */
		snprintf(msg, sizeof msg,
			 T(r, "You scored %s. This is your starting point: the course will take you further."), sc);
		notice(&b, "info", msg);
	} else if (a->passed) {
		snprintf(msg, sizeof msg, T(r, "You scored %s and passed (pass mark %d%%)."), sc, a->pass_mark);
		notice(&b, "ok", msg);
		course_end_notice(r, &b, a);
	} else {
		snprintf(msg, sizeof msg, T(r, "You scored %s. The pass mark is %d%%."), sc, a->pass_mark);
		notice(&b, "error", msg);
	}
	if (a->late)
		notice(&b, "info",
		       T(r, "This attempt was submitted after the time limit: only the answers saved in "
			    "time were counted."));
	for (int k = 0; k < a->nitems; k++) {
		const struct question *qu = &a->quiz.questions[a->items[k].question];
		double s = a->item_scores ? a->item_scores[k] : 0;
		if (!grade_scored(qu)) {
			buf_printf(&b, "<div class=\"description\">%s</div>", qu->html);
			continue;
		}
		question_head(r, &b, a, k, qu, false, lang_attr_for(r, a->language));
		if (qu->type == Q_ESSAY)
			essay_status(r, &b, qu, &a->answers[k], a->grades ? &a->grades[k] : NULL);
		else if (s >= 0.9999)
			buf_printf(&b, "<p class=\"status right\">%s</p>", T(r, "Right"));
		else if (s > 0)
			buf_printf(&b, "<p class=\"status\">%s (%.0f%%)</p>", T(r, "Partly right"), s * 100);
		else
			buf_printf(&b, "<p class=\"status wrong\">%s</p>", T(r, "Not right"));
		right_answer(r, &b, qu, &a->answers[k], a->grades ? &a->grades[k] : NULL,
			     lang_attr_for(r, a->language));
		if (qu->feedback)
			buf_printf(&b, "<div class=\"notice info\"%s>%s</div>", lang_attr_for(r, a->language),
				   qu->feedback);
		buf_puts(&b, "</fieldset>");
	}
	struct buf back = BUF_INIT;
	quiz_href(&back, a->course_id, a->item_path);
	buf_puts(&b, "<p><a class=\"button\" href=\"");
	buf_html(&b, buf_str(&back));
	buf_printf(&b, "\">%s</a> <a class=\"button secondary\" href=\"/courses/", T(r, "Back to the quiz"));
	buf_url(&b, a->course_id);
	buf_printf(&b, "\">%s</a></p>", T(r, "Back to the course"));
	buf_release(&back);
	page_end(r, &b);
	return page_send(r, 200, &b);
}

/*
 * The attempt form. unanswered (nitems flags, or NULL) is the confirmation
 * step: the answers sent are saved, the questions left blank are listed and
 * marked, and the next submission is graded as it is.
 */
static int attempt_page(struct req *r, const struct attempt *a, const bool *unanswered)
{
	struct buf b = BUF_INIT;
	const char *title = a->quiz.title ? a->quiz.title : T(r, "Quiz");
	page_begin(r, &b, title);
	buf_printf(&b, "<h1%s>", a->quiz.title ? lang_attr_for(r, a->language) : "");
	buf_html(&b, title);
	buf_puts(&b, "</h1>");
	if (unanswered) {
		int n = 0;
		for (int k = 0; k < a->nitems; k++)
			n += unanswered[k];
		buf_puts(&b, "<div class=\"notice error\" role=\"alert\" id=\"unanswered\" tabindex=\"-1\"><p>");
		buf_printf(
		    &b, n == 1 ? T(r, "%d question is not answered yet:") : T(r, "%d questions are not answered yet:"),
		    n);
		buf_puts(&b, "</p><ul>");
		for (int k = 0; k < a->nitems; k++)
			if (unanswered[k]) {
				int total, num = question_number(a, k, &total);
				buf_printf(&b, "<li><a href=\"#q%d\">", k);
				buf_printf(&b, T(r, "Question %d of %d"), num, total);
				buf_puts(&b, "</a></li>");
			}
		buf_printf(&b, "</ul><p>%s</p></div>",
			   T(r, "Your answers so far are saved. Answer the questions above, or submit as it is: "
				"unanswered questions count as wrong."));
	}
	if (req_query(r, "saved"))
		notice(&b, "ok", T(r, "Your answers are saved. You can come back later to finish."));
	int64_t left = attempt_seconds_left(a, now_s());
	if (left >= 0) {
		char msg[160];
		snprintf(msg, sizeof msg,
			 T(r, "Time left: about %lld minutes. Answers sent after the time limit do not count."),
			 (long long)((left + 59) / 60));
		notice(&b, "info", msg);
	}
	char act[64];
	snprintf(act, sizeof act, "/attempts/%lld/submit", (long long)a->id);
	form_begin(r, &b, act);
	/* Ask for the unanswered-question check (clients that post without it are graded at once). */
	buf_puts(&b, unanswered ? "<input type=\"hidden\" name=\"confirm\" value=\"1\">"
				: "<input type=\"hidden\" name=\"check\" value=\"1\">");
	for (int k = 0; k < a->nitems; k++)
		question_form(r, &b, a, k, unanswered && unanswered[k]);
	buf_printf(&b, "<button type=\"submit\" class=\"secondary\" formaction=\"/attempts/%lld/save\">%s</button> ",
		   (long long)a->id, T(r, "Save and finish later"));
	buf_printf(&b, "<button type=\"submit\">%s</button></form>",
		   unanswered ? T(r, "Submit as it is") : T(r, "Submit answers"));
	page_end(r, &b);
	return page_send(r, unanswered ? 422 : 200, &b);
}

/* True when the form carries a non-blank answer to question k (fields qK or qK_N). */
static bool answered_in_form(struct req *r, int k)
{
	char one[16], pre[16];
	snprintf(one, sizeof one, "q%d", k);
	snprintf(pre, sizeof pre, "q%d_", k);
	for (size_t i = 0; i < r->nform; i++) {
		const char *key = r->form[i].key, *v = r->form[i].val;
		if (strcmp(key, one) != 0 && !str_starts(key, pre))
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v)
			return true;
	}
	return false;
}

static int h_attempt(struct req *r)
{
	struct attempt a;
	int rc = load_own(r, &a);
	if (rc)
		return rc;
	rc = a.submitted_at ? result_page(r, &a) : attempt_page(r, &a, NULL);
	attempt_release(&a);
	return rc;
}

static const char *form_get(void *ctx, const char *key)
{
	return req_form(ctx, key);
}

/* Every q-field of the form must name this attempt's questions: anything else is tampering. */
static bool form_valid(struct req *r, const struct attempt *a)
{
	for (size_t i = 0; i < r->nform; i++)
		if (r->form[i].key[0] == 'q' && !attempt_key_valid(a, r->form[i].key))
			return false;
	return true;
}

static int save_or_submit(struct req *r, bool submit)
{
	struct attempt a;
	int rc = load_own(r, &a);
	if (rc)
		return rc;
	char to[64];
	snprintf(to, sizeof to, "/attempts/%lld%s", (long long)a.id, submit ? "" : "?saved=1");
	if (a.submitted_at) {
		/* Submitted already (twice, or closed when time ran out): the stored result stands. */
		attempt_release(&a);
		return resp_redirect(r, to);
	}
	struct err e = {""};
	if (!form_valid(r, &a)) {
		attempt_release(&a);
		return resp_error(r, 400, T(r, "The answers do not match this quiz."));
	}
	if (submit && req_form(r, "check") && !req_form(r, "confirm")) {
		/* The confirmation step: unanswered questions are listed before anything is graded. */
		bool *un = arena_alloc(&r->arena, sizeof *un * (size_t)(a.nitems ? a.nitems : 1));
		int n = 0;
		for (int k = 0; k < a.nitems; k++)
			n += un[k] = grade_scored(&a.quiz.questions[a.items[k].question]) && !answered_in_form(r, k);
		if (n > 0) {
			rc = attempt_save(r->db, &a, form_get, r, &e);
			int64_t aid = a.id;
			attempt_release(&a);
			if (rc == ATTEMPT_ECLOSED) {
				snprintf(to, sizeof to, "/attempts/%lld", (long long)aid);
				return resp_redirect(r, to);
			}
			if (rc < 0)
				return resp_error(r, http_status_of(rc),
						  rc == ATTEMPT_EBADANSWER ? T(r, "The answers do not match this quiz.")
									   : T(r, e.msg));
			if ((rc = load_own(r, &a)) != 0)
				return rc;
			rc = attempt_page(r, &a, un);
			attempt_release(&a);
			return rc;
		}
	}
	rc = submit ? attempt_submit(r->db, &a, form_get, r, &e) : attempt_save(r->db, &a, form_get, r, &e);
	int64_t id = a.id;
	attempt_release(&a);
	if (rc == ATTEMPT_ECLOSED) {
		snprintf(to, sizeof to, "/attempts/%lld", (long long)id);
		return resp_redirect(r, to);
	}
	if (rc == ATTEMPT_ETOOLONG)
		return resp_error(r, 413,
				  T(r,
				    "A written answer is too long: at most 20000 characters. Go back, shorten it and "
				    "send it again."));
	if (rc < 0)
		return resp_error(r, http_status_of(rc),
				  rc == ATTEMPT_EBADANSWER ? T(r, "The answers do not match this quiz.") : e.msg);
	return resp_redirect(r, to);
}

static int h_save(struct req *r)
{
	return save_or_submit(r, false);
}

static int h_submit(struct req *r)
{
	return save_or_submit(r, true);
}

/*
 * One share cell: "75% (3/4)" or a dash, with its figures in data attributes
 * (data-stat, data-right, data-n) so tests and scripts need not parse text.
 */
static void share_cell(struct buf *b, const char *stat, int right, int n)
{
	buf_printf(b, "<td class=\"num\" data-stat=\"%s\" data-right=\"%d\" data-n=\"%d\">", stat, right, n);
	if (n)
		buf_printf(b, "%.0f%% (%d/%d)</td>", 100.0 * right / n, right, n);
	else
		buf_puts(b, "&ndash;</td>");
}

static void items_table(struct req *r, struct buf *b, const char *path, const struct quiz *q, const struct item_stat *s,
			int n)
{
	static const char *const sex_label[ITEM_NSEX] = {"Women", "Men", "Other", "Unspecified"};
	buf_puts(b, "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
	buf_html(b, path);
	buf_puts(b, "\"><table class=\"items\" data-quiz=\"");
	buf_html(b, path);
	buf_puts(b, "\"><caption>");
	buf_html(b, path);
	buf_printf(b,
		   "</caption><thead><tr><th scope=\"col\">#</th><th scope=\"col\">%s</th>"
		   "<th scope=\"col\" class=\"num\">%s</th>",
		   T(r, "Question"), T(r, "Right (all)"));
	for (int k = 0; k < ITEM_NSEX; k++)
		buf_printf(b, "<th scope=\"col\" class=\"num\">%s</th>", T(r, sex_label[k]));
	buf_printf(b, "<th scope=\"col\">%s</th></tr></thead><tbody>", T(r, "Most frequent wrong answers"));
	for (int i = 0; i < n; i++) {
		const struct item_stat *x = &s[i];
		if (!grade_scored(&q->questions[i]))
			continue; /* a description is not an item */
		buf_printf(b, "<tr data-question=\"%d\"><td>%d</td><td>", i + 1, i + 1);
		buf_html(b, q->questions[i].text);
		buf_puts(b, "</td>");
		share_cell(b, "all", x->right, x->n);
		for (int k = 0; k < ITEM_NSEX; k++)
			share_cell(b, item_sex_names[k], x->right_sex[k], x->n_sex[k]);
		buf_puts(b, "<td data-stat=\"wrong\">");
		if (x->wrong[0]) {
			buf_puts(b, "<ol class=\"wrong\">");
			for (int w = 0; w < 3 && x->wrong[w]; w++) {
				buf_printf(b, "<li data-rank=\"%d\" data-count=\"%d\">", w + 1, x->wrong_n[w]);
				buf_html(b, x->wrong[w]);
				buf_printf(b, " (%d)</li>", x->wrong_n[w]);
			}
			buf_puts(b, "</ol>");
		} else {
			buf_puts(b, "&ndash;");
		}
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</tbody></table></div>");
}

struct items_page {
	struct req *r;
	struct buf *b;
	const char *course;
	int quizzes;
};

static int items_quiz(void *ctx, const char *path, const char *title)
{
	struct items_page *p = ctx;
	p->quizzes++;
	struct quiz q;
	struct item_stat *s = NULL;
	int n = 0;
	struct err e = {""};
	buf_puts(p->b, "<h2>");
	buf_html(p->b, title);
	buf_puts(p->b, "</h2>");
	if (attempt_item_analysis(p->r->db, p->course, path, p->r->lang, &q, &s, &n, &e) < 0) {
		notice(p->b, "error", e.msg);
		return 0;
	}
	items_table(p->r, p->b, path, &q, s, n);
	item_stats_free(s, n);
	quiz_free(&q);
	return 0;
}

/* Links to the same page in the other languages of the course (?lang=, which also sets the page's). */
static void lang_switch(struct req *r, struct buf *b, const char *course, const char *shown)
{
	static const char *const langs[] = {"km", "en"};
	buf_printf(b, "<p class=\"langs-content\">%s ", T(r, "Language"));
	for (size_t i = 0; i < 2; i++) {
		struct course_pick p;
		bool has =
		    course_pick_package(r->db, course, langs[i], NULL, &p) == 0 && strcmp(p.language, langs[i]) == 0;
		course_pick_release(&p);
		if (!has)
			continue;
		if (strcmp(langs[i], shown) == 0) {
			buf_printf(b, "<strong lang=\"%s\" aria-current=\"page\">%s</strong> ", langs[i],
				   h_learn_lang_name(langs[i]));
			continue;
		}
		buf_puts(b, "<a href=\"/manage/courses/");
		buf_url(b, course);
		buf_printf(b, "/items?lang=%s\" lang=\"%s\" hreflang=\"%s\">%s</a> ", langs[i], langs[i], langs[i],
			   h_learn_lang_name(langs[i]));
	}
	buf_puts(b, "</p>");
}

/* Item analysis of every quiz of a course, for trainers. */
static int h_items(struct req *r)
{
	const char *course = r->param[0];
	struct course_pick pick;
	bool found = course_pick_package(r->db, course, r->lang, NULL, &pick) == 0;
	int64_t package_id = found ? pick.package_id : 0;
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Item analysis"));
	buf_printf(&b, "<h1>%s: <span%s>", T(r, "Item analysis"), found ? lang_attr_for(r, pick.language) : "");
	buf_html(&b, found ? pick.title : course);
	buf_printf(&b, "</span></h1><p>%s</p>",
		   T(r, "For each question: the share of learners who answered it right in their first attempt, for "
			"everyone and by sex, and the wrong answers chosen most often (with how many learners chose "
			"them)."));
	course_links(r, &b, course, "items");
	if (found)
		lang_switch(r, &b, course, pick.language);
	course_pick_release(&pick);
	struct items_page p = {r, &b, course, 0};
	struct err e;
	if (package_quizzes(r->db, package_id, items_quiz, &p, &e) < 0)
		notice(&b, "error", e.msg);
	else if (!p.quizzes)
		notice(&b, "info", T(r, "This course has no quizzes."));
	page_end(r, &b);
	return page_send(r, 200, &b);
}

const struct route quiz_routes[] = {
    {"GET", "/courses/:id/quiz/*", ROLE_ANY, h_intro, 0},
    {"POST", "/courses/:id/quiz/*", ROLE_ANY, h_start, 0},
    {"GET", "/courses/:id/quizzes/*", ROLE_ANY, h_intro, 0},
    {"POST", "/courses/:id/quizzes/*", ROLE_ANY, h_start, 0},
    {"GET", "/attempts/:aid", ROLE_ANY, h_attempt, 0},
    {"POST", "/attempts/:aid/save", ROLE_ANY, h_save, 1024 * 1024},
    {"POST", "/attempts/:aid/submit", ROLE_ANY, h_submit, 1024 * 1024},
    {"GET", "/manage/courses/:id/items", ROLE_TRAINER | ROLE_ADMIN, h_items, 0},
    {NULL, NULL, 0, NULL, 0},
};

static const struct msg msgs[] = {
    {"Pre-test", "តេស្តមុនការសិក្សា"},
    {"Practice quiz", "តេស្តសាកល្បង"},
    {"Final quiz", "តេស្តចុងក្រោយ"},
    {"Quiz", "តេស្ត"},
    {"No such quiz.", "រកមិនឃើញតេស្តនេះទេ។"},
    {"No such attempt.", "រកមិនឃើញការធ្វើតេស្តនេះទេ។"},
    {"Back to the course", "ត្រឡប់ទៅវគ្គសិក្សា"},
    {"Back to the quiz", "ត្រឡប់ទៅតេស្ត"},
    {"You have used all your attempts at this quiz.", "លោកអ្នកបានប្រើអស់ចំនួនដងដែលអាចធ្វើតេស្តនេះហើយ។"},
    {"%d questions", "សំណួរចំនួន %d"},
    {"Pass mark: %d%%", "ពិន្ទុជាប់៖ %d%%"},
    {"Time limit: %d minutes", "រយៈពេលកំណត់៖ %d នាទី"},
    {"No time limit", "គ្មានកំណត់ពេល"},
    {"Attempts used: %d of %d", "ចំនួនដងបានធ្វើ៖ %d ក្នុងចំណោម %d"},
    {"Attempts used: %d (no limit)", "ចំនួនដងបានធ្វើ៖ %d (គ្មានកំណត់)"},
    {"Best score:", "ពិន្ទុខ្ពស់បំផុត៖"},
    {"passed", "បានជាប់"},
    {"not passed yet", "មិនទាន់ជាប់"},
    {"Resume your attempt", "បន្តការធ្វើតេស្តរបស់អ្នក"},
    {"Try again", "ធ្វើម្តងទៀត"},
    {"Start the quiz", "ចាប់ផ្តើមធ្វើតេស្ត"},
    {"No attempts left.", "មិនអាចធ្វើតេស្តបានទៀតទេ។"},
    {"Your attempts", "ការធ្វើតេស្តរបស់អ្នក"},
    {" (late)", " (ហួសពេល)"},
    {" (awaiting grading)", " (កំពុងរង់ចាំការដាក់ពិន្ទុ)"},
    {"Question %d of %d", "សំណួរទី %d ក្នុងចំណោម %d"},
    {"Choose all that apply.", "ជ្រើសរើសចម្លើយត្រឹមត្រូវទាំងអស់។"},
    {"True", "ត្រូវ"},
    {"False", "ខុស"},
    {"Your answer", "ចម្លើយរបស់អ្នក"},
    {"Choose...", "ជ្រើសរើស..."},
    {"right answer", "ចម្លើយត្រឹមត្រូវ"},
    {"your choice", "ជម្រើសរបស់អ្នក"},
    {"Your answer:", "ចម្លើយរបស់អ្នក៖"},
    {"(no answer)", "(គ្មានចម្លើយ)"},
    {"Accepted answers:", "ចម្លើយដែលទទួលយក៖"},
    {"you chose:", "អ្នកបានជ្រើស៖"},
    {"Your result", "លទ្ធផលរបស់អ្នក"},
    {"You scored %s. This practice quiz does not count towards completion.",
     "អ្នកទទួលបាន %s។ តេស្តសាកល្បងនេះមិនរាប់បញ្ចូលក្នុងការបញ្ចប់វគ្គទេ។"},
    {"You scored %s and passed (pass mark %d%%).", "អ្នកទទួលបាន %s ហើយបានជាប់ (ពិន្ទុជាប់ %d%%)។"},
    {"You scored %s. The pass mark is %d%%.", "អ្នកទទួលបាន %s។ ពិន្ទុជាប់គឺ %d%%។"},
    {"This attempt was submitted after the time limit: only the answers saved in time were counted.",
     "ការធ្វើតេស្តនេះត្រូវបានបញ្ជូនក្រោយពេលកំណត់៖ មានតែចម្លើយដែលបានរក្សាទុកទាន់ពេលប៉ុណ្ណោះដែលត្រូវបានរាប់។"},
    {"Right", "ត្រឹមត្រូវ"},
    {"Partly right", "ត្រឹមត្រូវមួយផ្នែក"},
    {"Not right", "មិនត្រឹមត្រូវ"},
    {"Your answers are saved. You can come back later to finish.",
     "ចម្លើយរបស់អ្នកត្រូវបានរក្សាទុក។ អ្នកអាចត្រឡប់មកបញ្ចប់នៅពេលក្រោយ។"},
    {"Time left: about %lld minutes. Answers sent after the time limit do not count.",
     "ពេលនៅសល់៖ ប្រហែល %lld នាទី។ ចម្លើយដែលផ្ញើក្រោយពេលកំណត់មិនត្រូវបានរាប់ទេ។"},
    {"Save and finish later", "រក្សាទុក ហើយបញ្ចប់ពេលក្រោយ"},
    {"Submit answers", "បញ្ជូនចម្លើយ"},
    {"The answers do not match this quiz.", "ចម្លើយមិនត្រូវនឹងតេស្តនេះទេ។"},
    {"Item analysis", "ការវិភាគសំណួរ"},
    {"For each question: the share of learners who answered it right in their first attempt, for everyone and "
     "by sex, and the wrong answers chosen most often (with how many learners chose them).",
     "សម្រាប់សំណួរនីមួយៗ៖ ភាគរយអ្នកសិក្សាដែលឆ្លើយត្រូវនៅការធ្វើតេស្តលើកដំបូង សម្រាប់ទាំងអស់គ្នា និងតាមភេទ "
     "និងចម្លើយខុសដែលត្រូវបានជ្រើសរើសញឹកញាប់បំផុត (ជាមួយចំនួនអ្នកសិក្សាដែលបានជ្រើសរើស)។"},
    {"Question", "សំណួរ"},
    {"Right (all)", "ត្រឹមត្រូវ (ទាំងអស់)"},
    {"Women", "ស្ត្រី"},
    {"Men", "បុរស"},
    {"Most frequent wrong answers", "ចម្លើយខុសញឹកញាប់បំផុត"},
    {"This course has no quizzes.", "វគ្គសិក្សានេះមិនមានតេស្តទេ។"},
    {"Awaiting grading: a trainer will grade your written answers. Your score so far, without them, is %s.",
     "កំពុងរង់ចាំការដាក់ពិន្ទុ៖ គ្រូបង្គោលនឹងដាក់ពិន្ទុលើចម្លើយសរសេររបស់អ្នក។ ពិន្ទុរបស់អ្នករហូតមកដល់ពេលនេះ ដោយមិនរាប់ចម្លើយទាំងនោះ គឺ %s។"},
    {"Written answer, graded by a trainer out of %g points.", "ចម្លើយសរសេរ ដែលគ្រូបង្គោលដាក់ពិន្ទុលើ %g ពិន្ទុ។"},
    {"Graded: %g of %g points", "បានដាក់ពិន្ទុ៖ %g ក្នុងចំណោម %g ពិន្ទុ"},
    {"Awaiting grading", "កំពុងរង់ចាំការដាក់ពិន្ទុ"},
    {"Not answered", "មិនបានឆ្លើយ"},
    {"Trainer's comment:", "មតិយោបល់របស់គ្រូបង្គោល៖"},
    {"A written answer is too long: at most 20000 characters. Go back, shorten it and send it again.",
     "ចម្លើយសរសេរវែងពេក៖ យ៉ាងច្រើន ២០០០០ តួអក្សរ។ សូមត្រឡប់ក្រោយ កាត់ឱ្យខ្លី ហើយផ្ញើម្តងទៀត។"},
};

void quiz_messages_register(void)
{
	i18n_register(msgs, sizeof msgs / sizeof msgs[0]);
}
