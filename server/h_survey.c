/*
 * Reaction surveys (training/survey.h): the learner's pending surveys, the form (no JavaScript, CSRF),
 * the results for trainers and managers in scope (groups below SURVEY_MIN_GROUP show no figure), and
 * the JSON API. Also the per-session attendance report (who was invited, registered, attended each
 * day, and how each mark was made), on screen and as CSV, and the face-to-face part of the progress
 * pages.
 */
#include "server/h_survey.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "courses/learn.h"
#include "courses/listing.h"
#include "lib/csv.h"
#include "lib/i18n.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "server/server.h"
#include "server/views.h"
#include "training/attendance.h"
#include "training/completion.h"
#include "training/survey.h"
#include "training/workshops.h"

#define SCOPED (ROLE_TRAINER | ROLE_MANAGER | ROLE_ADMIN)

static const char *const likert[] = {"Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
				     "Strongly agree"};

/* The subject named by a route ("workshop"/"course" in the path, r->param[0] its id); false when malformed. */
static bool subject_of(struct req *r, enum survey_kind kind, struct survey_subject *s)
{
	memset(s, 0, sizeof *s);
	s->kind = kind;
	if (kind == SURVEY_WORKSHOP) {
		s->workshop_id = req_int(r->param[0], 1, INT64_MAX, 0);
		return s->workshop_id > 0;
	}
	size_t n = strlen(r->param[0]);
	if (n == 0 || n >= sizeof s->course_id)
		return false;
	memcpy(s->course_id, r->param[0], n + 1);
	return true;
}

static void subject_href(struct buf *b, const struct survey_subject *s)
{
	if (s->kind == SURVEY_WORKSHOP) {
		buf_printf(b, "/surveys/workshop/%" PRId64, s->workshop_id);
	} else {
		buf_puts(b, "/surveys/course/");
		buf_url(b, s->course_id);
	}
}

/* The survey's title: a workshop's or course's title (caller frees), or NULL. */
static char *subject_title(struct req *r, const struct survey_subject *s)
{
	if (s->kind == SURVEY_COURSE)
		return course_title_get(r->db, s->course_id, r->lang);
	struct workshop w;
	struct err e = {""};
	if (workshop_get(r->db, s->workshop_id, &w, &e) < 0)
		return NULL;
	char *t = xstrdup(w.title);
	workshop_free(&w);
	return t;
}

/* ---- My learning: pending surveys ---- */

struct pending_html {
	struct req *r;
	struct buf *b;
	int n;
};

static int pending_row_html(void *ctx, const struct survey_pending *p)
{
	struct pending_html *h = ctx;
	if (h->n++ == 0)
		buf_printf(h->b, "<section aria-labelledby=\"surveys-h\"><h2 id=\"surveys-h\">%s</h2><p>%s</p><ul>",
			   T(h->r, "Tell us what you thought"),
			   T(h->r, "A few questions about your training. Your answers are anonymous."));
	buf_puts(h->b, "<li><a href=\"");
	subject_href(h->b, &p->subject);
	buf_puts(h->b, "\">");
	buf_html(h->b, p->title);
	buf_printf(h->b, "</a> <span class=\"meta\">(%s)</span></li>",
		   T(h->r, p->subject.kind == SURVEY_WORKSHOP ? "Session" : "Course"));
	return 0;
}

void h_survey_pending_html(struct req *r, struct buf *b)
{
	struct pending_html h = {r, b, 0};
	struct err e = {""};
	if (survey_pending_list(r->db, r->user->id, r->lang, now_s(), pending_row_html, &h, &e) < 0)
		log_msg(LOG_ERROR, "error", "pending surveys of user %" PRId64 ": %s", r->user->id, e.msg);
	if (h.n)
		buf_puts(b, "</ul></section>");
}

static int h_surveys(struct req *r)
{
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Surveys"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Surveys"));
	if (req_query(r, "done"))
		notice(&b, "ok", T(r, "Thank you: your answers are saved."));
	size_t before = b.len;
	h_survey_pending_html(r, &b);
	if (b.len == before)
		buf_printf(&b, "<p>%s</p>", T(r, "No survey is waiting for your answers."));
	page_end(r, &b);
	return page_send(r, 200, &b);
}

/* ---- The form ---- */

static void survey_form(struct req *r, struct buf *b, const struct survey_subject *s, const struct survey_def *d,
			const int *given, const char *comment, const struct form_errs *fe)
{
	struct buf action = BUF_INIT;
	subject_href(&action, s);
	form_errs_summary(r, b, fe);
	form_begin(r, b, buf_str(&action));
	buf_release(&action);
	if (d->title) {
		buf_puts(b, "<h2>");
		buf_html(b, d->title);
		buf_puts(b, "</h2>");
	}
	buf_printf(b, "<p>%s</p>", T(r, "Choose how much you agree with each statement. You may leave one out."));
	for (int i = 0; i < d->nitems; i++) {
		buf_printf(b, "<fieldset id=\"q%d\"><legend>", i + 1);
		buf_html(b, d->items[i]);
		buf_puts(b, "</legend>");
		for (int v = 1; v <= 5; v++)
			buf_printf(b, "<label><input type=\"radio\" name=\"q%d\" value=\"%d\"%s> %d: %s</label>", i + 1,
				   v, given && given[i] == v ? " checked" : "", v, T(r, likert[v - 1]));
		buf_puts(b, "</fieldset>");
	}
	field_textarea_e(b, fe, "comment", T(r, "Comment (optional)"), comment, false, 4, SURVEY_COMMENT_MAX);
	form_submit(b, T(r, "Send my answers"));
	buf_puts(b, "</form>");
}

static int survey_page(struct req *r, enum survey_kind kind)
{
	struct survey_subject s;
	if (!subject_of(r, kind, &s))
		return resp_error(r, 404, T(r, "No such survey."));
	struct err e = {""};
	int rc = survey_check(r->db, &s, r->user->id, now_s(), &e);
	if (rc == ERR_NOTFOUND)
		return resp_error(r, 404, T(r, "No such survey."));
	if (rc < 0 && rc != ERR_CONFLICT)
		return resp_error(r, 503, T(r, "The survey could not be read. Please try again."));
	char *title = subject_title(r, &s);
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Survey"));
	buf_printf(&b, "<h1>%s: ", T(r, "Survey"));
	buf_html(&b, title ? title : "");
	buf_puts(&b, "</h1>");
	free(title);
	if (rc == ERR_CONFLICT) {
		notice(&b, "info", T(r, "You have answered this survey. Thank you."));
	} else {
		struct survey_def d;
		if (survey_load(r->db, &s, r->lang, &d, &e) < 0) {
			buf_release(&b);
			return resp_error(r, 503, T(r, "The survey could not be read. Please try again."));
		}
		survey_form(r, &b, &s, &d, NULL, NULL, NULL);
		survey_def_free(&d);
	}
	page_end(r, &b);
	return page_send(r, 200, &b);
}

static int h_survey_workshop(struct req *r)
{
	return survey_page(r, SURVEY_WORKSHOP);
}

static int h_survey_course(struct req *r)
{
	return survey_page(r, SURVEY_COURSE);
}

static int survey_post(struct req *r, enum survey_kind kind)
{
	struct survey_subject s;
	if (!subject_of(r, kind, &s))
		return resp_error(r, 404, T(r, "No such survey."));
	struct err e = {""};
	struct survey_def d;
	int lrc = survey_load(r->db, &s, r->lang, &d, &e);
	if (lrc == ERR_NOTFOUND)
		return resp_error(r, 404, T(r, "No such survey."));
	if (lrc < 0)
		return resp_error(r, 503, T(r, "The survey could not be read. Please try again."));
	int answers[SURVEY_MAX_ITEMS] = {0};
	struct form_errs fe = {0};
	for (int i = 0; i < d.nitems; i++) {
		char key[16];
		snprintf(key, sizeof key, "q%d", i + 1);
		const char *v = req_form(r, key);
		if (!v || !*v)
			continue;
		answers[i] = (int)req_int(v, 1, 5, -1);
		if (answers[i] < 0) {
			survey_def_free(&d);
			return resp_error(r, 400, T(r, "An answer must be 1 to 5."));
		}
	}
	const char *comment = req_form(r, "comment");
	int rc = survey_submit(r->db, &s, r->user->id, r->user->sex, r->user->org_id, answers, d.nitems, comment,
			       now_s(), &e);
	if (rc == 0) {
		survey_def_free(&d);
		return resp_redirect(r, "/surveys?done=1");
	}
	if (rc != ERR_INVALID) {
		survey_def_free(&d);
		if (rc == ERR_CONFLICT)
			return resp_error(r, 409, T(r, "You have answered this survey. Thank you."));
		if (rc == ERR_NOTFOUND)
			return resp_error(r, 404, T(r, "No such survey."));
		r->cause = arena_printf(&r->arena, "survey answer: %s", e.msg);
		return resp_error(r, 503, T(r, "Your answers could not be saved. Please try again in a moment."));
	}
	if (strncmp(e.msg, "comment", 7) == 0)
		form_errs_add(&fe, "comment", T(r, "The comment is too long or not valid text."));
	else
		form_errs_add(&fe, "q1", T(r, "Answer at least one statement."));
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Survey"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Survey"));
	survey_form(r, &b, &s, &d, answers, comment, &fe);
	survey_def_free(&d);
	page_end(r, &b);
	return page_send(r, 400, &b);
}

static int h_survey_workshop_post(struct req *r)
{
	return survey_post(r, SURVEY_WORKSHOP);
}

static int h_survey_course_post(struct req *r)
{
	return survey_post(r, SURVEY_COURSE);
}

/* ---- Scope ---- */

/*
 * Whether the logged-in user may see workshop w's report and results: those who manage it (its
 * trainers, and managers and trainers whose units include the venue, as on the session page), its
 * creator and administrators.
 */
static bool may_see_workshop(struct req *r, const struct workshop *w)
{
	const struct user *u = r->user;
	if (u->roles & ROLE_ADMIN || (w->created_by && w->created_by == u->id))
		return true;
	for (size_t i = 0; i < w->ntrainers; i++)
		if (w->trainers[i] == u->id)
			return true;
	return learn_may_assign(r->db, u->roles, u->org_id, w->org_id);
}

void h_survey_session_links(struct req *r, struct buf *b, int64_t workshop_id)
{
	buf_printf(b,
		   "<p><a href=\"/sessions/%" PRId64 "/report\">%s</a> · <a href=\"/sessions/%" PRId64
		   "/report.csv\">%s</a> · <a href=\"/surveys/workshop/%" PRId64 "/results\">%s</a></p>",
		   workshop_id, T(r, "Attendance report"), workshop_id, T(r, "Download as CSV"), workshop_id,
		   T(r, "Survey results"));
}

/* Loads workshop r->param[0] into w when the user may see it; else the error response is sent (*status). */
static bool scoped_workshop(struct req *r, struct workshop *w, int *status)
{
	int64_t id = req_int(r->param[0], 1, INT64_MAX, 0);
	struct err e = {""};
	int rc = id > 0 ? workshop_get(r->db, id, w, &e) : ERR_NOTFOUND;
	if (rc == ERR_NOTFOUND) {
		*status = resp_error(r, 404, T(r, "No such session."));
		return false;
	}
	if (rc < 0) {
		*status = resp_error(r, 503, T(r, "The session could not be read. Please try again."));
		return false;
	}
	if (!may_see_workshop(r, w)) {
		workshop_free(w);
		/* The same answer as for a session that does not exist: scope does not reveal others' sessions. */
		*status = resp_error(r, 404, T(r, "No such session."));
		return false;
	}
	return true;
}

void h_survey_course_link(struct req *r, struct buf *b, const char *course_id)
{
	buf_puts(b, "<p><a href=\"/surveys/course/");
	buf_url(b, course_id);
	buf_printf(b, "/results\">%s</a></p>", T(r, "Survey results"));
}

/* ---- Results ---- */

/* Reads the results of r's subject in the user's scope; false with the response sent (*status). */
static bool scoped_results(struct req *r, enum survey_kind kind, struct survey_subject *s, struct survey_results *res,
			   int *status)
{
	if (!subject_of(r, kind, s)) {
		*status = resp_error(r, 404, T(r, "No such survey."));
		return false;
	}
	const char *org_filter = NULL;
	char path[256];
	if (kind == SURVEY_WORKSHOP) {
		struct workshop w;
		if (!scoped_workshop(r, &w, status))
			return false;
		workshop_free(&w);
	} else if (!(r->user->roles & (ROLE_ADMIN | ROLE_TRAINER))) {
		/* A manager sees the answers of the people of their units. */
		if (org_path(r->db, r->user->org_id, path, sizeof path) < 0) {
			*status = resp_error(r, 403, T(r, "Outside the units you manage"));
			return false;
		}
		org_filter = path;
	}
	struct err e = {""};
	if (survey_results_get(r->db, s, org_filter, res, &e) < 0) {
		r->cause = arena_printf(&r->arena, "survey results: %s", e.msg);
		*status = resp_error(r, 503, T(r, "The survey results could not be read. Please try again."));
		return false;
	}
	return true;
}

static void mean_cell(struct req *r, struct buf *b, const struct survey_group *g, int item)
{
	if (!g->shown)
		buf_printf(b, "<td>%s</td>",
			   g->n < SURVEY_MIN_GROUP ? T(r, "fewer than 5 responses")
						   : T(r, "hidden: it would give away a group of fewer than 5"));
	else if (item < 0 ? !g->score_n : !g->item_n[item])
		buf_puts(b, "<td>–</td>");
	else /* Khmer digits in Khmer */
		buf_printf(
		    b, "<td>%s</td>",
		    view_digits(r, arena_printf(&r->arena, "%.1f", item < 0 ? g->score_mean : g->item_mean[item])));
}

static const char *const sex_labels[SURVEY_SEXES] = {"Women", "Men", "Other", "Not stated"};

static int results_page(struct req *r, enum survey_kind kind)
{
	struct survey_subject s;
	struct survey_results res;
	int status;
	if (!scoped_results(r, kind, &s, &res, &status))
		return status;
	struct survey_def d;
	struct err e = {""};
	if (survey_load(r->db, &s, r->lang, &d, &e) < 0)
		survey_default(r->lang, &d);
	char *title = subject_title(r, &s);
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Survey results"));
	buf_printf(&b, "<h1>%s: ", T(r, "Survey results"));
	buf_html(&b, title ? title : "");
	buf_puts(&b, "</h1>");
	free(title);
	buf_printf(&b, "<p>%s</p>",
		   T(r, "Mean answer from 1 (strongly disagree) to 5 (strongly agree). Figures are shown only for "
			"groups of at least 5 respondents, so that no answer can be traced to a person."));
	buf_printf(&b, "<p>%s %s</p>", T(r, "Respondents:"), view_digits(r, arena_printf(&r->arena, "%d", res.all.n)));
	if (!res.all.shown) {
		notice(&b, "info", T(r, "fewer than 5 responses"));
	} else {
		buf_printf(
		    &b,
		    "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table><caption>%s"
		    "</caption><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s (%s)</th>",
		    T(r, "Mean answer by statement"), T(r, "Mean answer by statement"), T(r, "Statement"), T(r, "All"),
		    view_digits(r, arena_printf(&r->arena, "%d", res.all.n)));
		for (int k = 0; k < SURVEY_SEXES; k++)
			buf_printf(&b, "<th scope=\"col\">%s (%s)</th>", T(r, sex_labels[k]),
				   view_digits(r, arena_printf(&r->arena, "%d", res.by_sex[k].n)));
		buf_puts(&b, "</tr></thead><tbody>");
		for (int i = 0; i < res.nitems; i++) {
			buf_puts(&b, "<tr><th scope=\"row\">");
			if (i < d.nitems)
				buf_html(&b, d.items[i]);
			else
				buf_printf(&b, "%d", i + 1);
			buf_puts(&b, "</th>");
			mean_cell(r, &b, &res.all, i);
			for (int k = 0; k < SURVEY_SEXES; k++)
				mean_cell(r, &b, &res.by_sex[k], i);
			buf_puts(&b, "</tr>");
		}
		buf_printf(&b, "<tr><th scope=\"row\">%s</th>", T(r, "Overall"));
		mean_cell(r, &b, &res.all, -1);
		for (int k = 0; k < SURVEY_SEXES; k++)
			mean_cell(r, &b, &res.by_sex[k], -1);
		buf_puts(&b, "</tr></tbody></table></div>");
		buf_printf(&b, "<h2>%s</h2>", T(r, "Comments"));
		if (!res.ncomments)
			buf_printf(&b, "<p>%s</p>", T(r, "No comments."));
		buf_puts(&b, "<ul class=\"comments\">");
		for (size_t i = 0; i < res.ncomments; i++) {
			buf_puts(&b, "<li>");
			buf_html(&b, res.comments[i]);
			buf_puts(&b, "</li>");
		}
		buf_puts(&b, "</ul>");
	}
	survey_def_free(&d);
	survey_results_free(&res);
	page_end(r, &b);
	return page_send(r, 200, &b);
}

static int h_results_workshop(struct req *r)
{
	return results_page(r, SURVEY_WORKSHOP);
}

static int h_results_course(struct req *r)
{
	return results_page(r, SURVEY_COURSE);
}

static void group_json(struct buf *b, const struct survey_group *g, int nitems)
{
	buf_printf(b, "{\"respondents\":%d,\"shown\":%s", g->n, g->shown ? "true" : "false");
	if (!g->shown) {
		buf_puts(b, ",\"means\":null,\"score\":null}");
		return;
	}
	buf_puts(b, ",\"means\":[");
	for (int i = 0; i < nitems; i++) {
		if (i)
			buf_putc(b, ',');
		if (g->item_n[i])
			buf_printf(b, "%.2f", g->item_mean[i]);
		else
			buf_puts(b, "null");
	}
	buf_puts(b, "],\"score\":");
	if (g->score_n)
		buf_printf(b, "%.2f}", g->score_mean);
	else
		buf_puts(b, "null}");
}

static int results_json(struct req *r, enum survey_kind kind)
{
	struct survey_subject s;
	struct survey_results res;
	int status;
	if (!scoped_results(r, kind, &s, &res, &status))
		return status;
	char key[80];
	survey_subject_key(&s, key);
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"subject\":");
	buf_json_str(&b, key);
	buf_printf(&b, ",\"min_group\":%d,\"all\":", SURVEY_MIN_GROUP);
	group_json(&b, &res.all, res.nitems);
	buf_puts(&b, ",\"by_sex\":{");
	for (int k = 0; k < SURVEY_SEXES; k++) {
		buf_printf(&b, "%s\"%s\":", k ? "," : "", survey_sexes[k]);
		group_json(&b, &res.by_sex[k], res.nitems);
	}
	buf_puts(&b, "},\"comments\":");
	if (!res.all.shown) {
		buf_puts(&b, "null");
	} else {
		buf_putc(&b, '[');
		for (size_t i = 0; i < res.ncomments; i++) {
			if (i)
				buf_putc(&b, ',');
			buf_json_str(&b, res.comments[i]);
		}
		buf_putc(&b, ']');
	}
	buf_putc(&b, '}');
	survey_results_free(&res);
	int rc = resp_json(r, 200, &b);
	buf_release(&b);
	return rc;
}

static int h_api_results_workshop(struct req *r)
{
	return results_json(r, SURVEY_WORKSHOP);
}

static int h_api_results_course(struct req *r)
{
	return results_json(r, SURVEY_COURSE);
}

/* ---- JSON API for learners ---- */

struct pending_json {
	struct req *r;
	struct buf *b;
	int n;
};

static int pending_row_json(void *ctx, const struct survey_pending *p)
{
	struct pending_json *j = ctx;
	struct buf *b = j->b;
	char key[80];
	survey_subject_key(&p->subject, key);
	struct survey_def d;
	struct err e = {""};
	if (survey_load(j->r->db, &p->subject, j->r->lang, &d, &e) < 0)
		return -1;
	buf_puts(b, j->n++ ? ",{\"subject\":" : "{\"subject\":");
	buf_json_str(b, key);
	buf_printf(b, ",\"kind\":\"%s\",\"title\":", p->subject.kind == SURVEY_WORKSHOP ? "session" : "course");
	buf_json_str(b, p->title);
	buf_printf(b, ",\"ended_at\":%" PRId64 ",\"heading\":", p->ended_at);
	buf_json_str(b, d.title);
	buf_puts(b, ",\"statements\":[");
	for (int i = 0; i < d.nitems; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_str(b, d.items[i]);
	}
	buf_puts(b, "],\"url\":\"/api/v1");
	subject_href(b, &p->subject);
	buf_puts(b, "\"}");
	survey_def_free(&d);
	return 0;
}

static int h_api_surveys(struct req *r)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "{\"scale\":{\"min\":1,\"max\":5},\"comment_max\":%d,\"surveys\":[", SURVEY_COMMENT_MAX);
	struct pending_json j = {r, &b, 0};
	struct err e = {""};
	if (survey_pending_list(r->db, r->user->id, r->lang, now_s(), pending_row_json, &j, &e) != 0) {
		buf_release(&b);
		r->cause = arena_printf(&r->arena, "pending surveys: %s", e.msg);
		return resp_error(r, 503, T(r, "The survey could not be read. Please try again."));
	}
	buf_puts(&b, "]}");
	int rc = resp_json(r, 200, &b);
	buf_release(&b);
	return rc;
}

static int api_submit(struct req *r, enum survey_kind kind)
{
	struct survey_subject s;
	if (!subject_of(r, kind, &s))
		return resp_error(r, 404, "no such survey");
	struct json_obj *o;
	struct err e = {""};
	int rc = json_body_parse(r->body, r->body_len, &o, &e);
	if (rc < 0)
		return resp_error(r, 400, e.msg[0] ? e.msg : "the body must be a JSON object");
	int64_t *vals;
	size_t n;
	if (json_get_ints(o, "answers", &r->arena, &vals, &n, &e) < 0 || n == 0 || n > SURVEY_MAX_ITEMS) {
		json_body_free(o);
		return resp_error(r, 400,
				  "'answers' must be an array of 1 to 20 answers, each 1 to 5 or null (left out)");
	}
	const char *comment = json_get_has(o, "comment") ? json_get_str(o, "comment") : "";
	if (!comment) {
		json_body_free(o);
		return resp_error(r, 400, "'comment' must be a string");
	}
	struct survey_def d;
	rc = survey_load(r->db, &s, r->lang, &d, &e);
	if (rc < 0) {
		json_body_free(o);
		return resp_error(r, http_status_of(rc), rc == ERR_NOTFOUND ? "no such survey" : e.msg);
	}
	int answers[SURVEY_MAX_ITEMS] = {0};
	bool bad = (int)n != d.nitems;
	for (size_t i = 0; i < n && !bad; i++) {
		bad = vals[i] < 0 || vals[i] > 5;
		answers[i] = (int)vals[i];
	}
	if (bad) {
		char *msg =
		    arena_printf(&r->arena, "'answers' must hold %d answers, each 1 to 5 or null (left out)", d.nitems);
		survey_def_free(&d);
		json_body_free(o);
		return resp_error(r, 400, msg);
	}
	rc = survey_submit(r->db, &s, r->user->id, r->user->sex, r->user->org_id, answers, d.nitems, comment, now_s(),
			   &e);
	survey_def_free(&d);
	json_body_free(o);
	if (rc < 0) {
		if (rc == ERR_UNAVAILABLE || rc == ERR_FAIL)
			r->cause = arena_printf(&r->arena, "survey answer: %s", e.msg);
		return resp_error(r, http_status_of(rc), e.msg);
	}
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"saved\":true}");
	rc = resp_json(r, 201, &b);
	buf_release(&b);
	return rc;
}

static int h_api_submit_workshop(struct req *r)
{
	return api_submit(r, SURVEY_WORKSHOP);
}

static int h_api_submit_course(struct req *r)
{
	return api_submit(r, SURVEY_COURSE);
}

/* ---- Face-to-face progress ---- */

struct f2f_html {
	struct req *r;
	struct buf *b;
	int n;
};

static int f2f_row_html(void *ctx, const struct f2f_session *s)
{
	struct f2f_html *h = ctx;
	struct workshop_day d = {.day = 1, .starts_at = s->starts_at, .ends_at = s->ends_at};
	char when[48];
	workshop_day_format(&d, when, sizeof when);
	if (h->n++ == 0)
		buf_puts(h->b, "<ul>");
	buf_puts(h->b, "<li>");
	buf_html(h->b, s->title);
	buf_puts(h->b, " <span class=\"meta\">");
	buf_html(h->b, view_day_hours(h->r, when));
	buf_printf(h->b, "</span>%s", view_colon(h->r));
	buf_html(h->b,
		 view_digits(h->r, arena_printf(&h->r->arena, T(h->r, "present %d of %d days"), s->present, s->days)));
	buf_puts(h->b, "</li>");
	return 0;
}

void h_f2f_progress_html(struct req *r, struct buf *b, const char *course_id)
{
	struct f2f_state st;
	struct err e = {""};
	if (f2f_course_state(r->db, r->user->id, course_id, &st, &e) < 0) {
		log_msg(LOG_ERROR, "error", "face-to-face progress in %s: %s", course_id, e.msg);
		return;
	}
	if (!st.required && !st.p.sessions)
		return;
	buf_printf(b, "<section class=\"f2f\"><h2>%s</h2>", T(r, "Face-to-face sessions"));
	if (st.required) {
		buf_puts(b, "<p>");
		if (st.p.days_required)
			buf_html(b, view_digits(r, arena_printf(&r->arena, T(r, "Days attended: %d of %d required."),
								st.p.days_present, st.p.days_required)));
		else
			buf_puts(b, T(r, "This course asks you to attend every day of one of its sessions."));
		if (st.p.met)
			buf_printf(b, " ✓ %s", T(r, "Done"));
		buf_puts(b, "</p>");
	}
	struct f2f_html h = {r, b, 0};
	if (f2f_sessions(r->db, r->user->id, course_id, f2f_row_html, &h, &e) < 0)
		log_msg(LOG_ERROR, "error", "face-to-face sessions in %s: %s", course_id, e.msg);
	if (h.n)
		buf_puts(b, "</ul>");
	else
		buf_printf(b, "<p>%s</p>", T(r, "You have no place in a session of this course yet."));
	buf_puts(b, "</section>");
}

struct f2f_json {
	struct buf *b;
	int n;
};

static int f2f_row_json(void *ctx, const struct f2f_session *s)
{
	struct f2f_json *j = ctx;
	buf_printf(j->b, "%s{\"session_id\":%" PRId64 ",\"title\":", j->n++ ? "," : "", s->workshop_id);
	buf_json_str(j->b, s->title);
	buf_printf(j->b,
		   ",\"starts_at\":%" PRId64 ",\"ends_at\":%" PRId64
		   ",\"days\":%d,\"days_present\":%d,\"registered\":%s}",
		   s->starts_at, s->ends_at, s->days, s->present, s->registered ? "true" : "false");
	return 0;
}

void h_f2f_progress_json(struct req *r, struct buf *b, const char *course_id)
{
	struct f2f_state st;
	struct err e = {""};
	if (f2f_course_state(r->db, r->user->id, course_id, &st, &e) < 0 || (!st.required && !st.p.sessions)) {
		buf_puts(b, ",\"face_to_face\":null");
		return;
	}
	buf_printf(b,
		   ",\"face_to_face\":{\"required\":%s,\"days_present\":%d,\"days_required\":%d,\"met\":%s,"
		   "\"sessions\":[",
		   st.required ? "true" : "false", st.p.days_present, st.p.days_required, st.p.met ? "true" : "false");
	struct f2f_json j = {b, 0};
	if (f2f_sessions(r->db, r->user->id, course_id, f2f_row_json, &j, &e) < 0)
		log_msg(LOG_ERROR, "error", "face-to-face sessions in %s: %s", course_id, e.msg);
	buf_puts(b, "]}");
}

/* ---- Per-session attendance report ---- */

struct marks {
	struct attendance_mark_row *v;
	size_t n, cap;
};

static int mark_collect(void *ctx, const struct attendance_mark_row *m)
{
	struct marks *ms = ctx;
	if (ms->n == ms->cap) {
		ms->cap = ms->cap ? ms->cap * 2 : 64;
		ms->v = xrealloc(ms->v, ms->cap * sizeof *ms->v);
	}
	ms->v[ms->n++] = *m;
	return 0;
}

/* The mark of user_id for day (marks are by user, then day), or NULL. */
static const struct attendance_mark_row *mark_find(const struct marks *ms, int64_t user_id, int day)
{
	size_t lo = 0, hi = ms->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct attendance_mark_row *m = &ms->v[mid];
		if (m->user_id < user_id || (m->user_id == user_id && m->day < day))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ms->n && ms->v[lo].user_id == user_id && ms->v[lo].day == day ? &ms->v[lo] : NULL;
}

struct report {
	struct req *r;
	struct buf *b;
	const struct workshop *w;
	const struct marks *ms;
	bool csv;
	int invited, registered, waitlisted, cancelled, attended;
};

static int report_row(void *ctx, const struct workshop_person *p)
{
	struct report *rp = ctx;
	struct req *r = rp->r;
	struct buf *b = rp->b;
	int present = 0;
	for (int i = 0; i < rp->w->ndays; i++) {
		const struct attendance_mark_row *m = mark_find(rp->ms, p->user_id, rp->w->days[i].day);
		present += m && m->status == ATT_PRESENT;
	}
	rp->invited += p->invited;
	rp->registered += p->status == WS_REGISTERED;
	rp->waitlisted += p->status == WS_WAITLISTED;
	rp->cancelled += p->status == WS_CANCELLED;
	rp->attended += present > 0;
	if (rp->csv) {
		csv_put_field(b, p->username);
		buf_putc(b, ',');
		csv_put_field(b, p->full_name);
		buf_putc(b, ',');
		csv_put_field(b, p->full_name_km);
		buf_putc(b, ',');
		csv_put_field(b, p->sex);
		buf_putc(b, ',');
		csv_put_field(b, p->position);
		buf_printf(b, ",%s,%s,", p->invited ? "yes" : "no", workshop_status_name(p->status));
		csv_put_code(b, p->row_code);
		for (int i = 0; i < rp->w->ndays; i++) {
			const struct attendance_mark_row *m = mark_find(rp->ms, p->user_id, rp->w->days[i].day);
			buf_printf(b, ",%s,%s", m ? attendance_status_name(m->status) : "",
				   m ? attendance_method_name(m->method) : "");
		}
		buf_printf(b, ",%d\r\n", present);
		return 0;
	}
	buf_puts(b, "<tr><th scope=\"row\">");
	buf_html(b, name_for(r, p->full_name, p->full_name_km));
	buf_puts(b, " <span class=\"meta\">");
	buf_html(b, p->username);
	buf_puts(b, "</span></th><td>");
	buf_html(b, p->row_code);
	buf_printf(b, "</td><td>%s</td><td>%s</td>", p->invited ? T(r, "Invited") : T(r, "Registered themselves"),
		   T(r, workshop_status_name(p->status)));
	for (int i = 0; i < rp->w->ndays; i++) {
		const struct attendance_mark_row *m = mark_find(rp->ms, p->user_id, rp->w->days[i].day);
		if (!m)
			buf_puts(b, "<td>–</td>");
		else
			buf_printf(b, "<td>%s <span class=\"meta\">(%s)</span></td>",
				   T(r, attendance_status_name(m->status)), T(r, attendance_method_name(m->method)));
	}
	buf_printf(b, "<td>%d</td></tr>", present);
	return 0;
}

static int session_report(struct req *r, bool csv)
{
	struct workshop w;
	int status;
	if (!scoped_workshop(r, &w, &status))
		return status;
	struct marks ms = {0};
	struct err e = {""};
	struct buf b = BUF_INIT;
	struct report rp = {.r = r, .b = &b, .w = &w, .ms = &ms, .csv = csv};
	int rc = attendance_list(r->db, w.id, 0, mark_collect, &ms, &e);
	if (csv) {
		buf_puts(&b, "username,full_name,full_name_km,sex,position,invited,status,row_code");
		for (int i = 0; i < w.ndays; i++)
			buf_printf(&b, ",day%d,day%d_method", w.days[i].day, w.days[i].day);
		buf_puts(&b, ",days_present\r\n");
		if (rc == 0)
			rc = workshop_people_list(r->db, w.id, report_row, &rp, &e);
		if (rc < 0) {
			buf_release(&b);
			free(ms.v);
			workshop_free(&w);
			r->cause = arena_printf(&r->arena, "session report: %s", e.msg);
			return resp_error(r, 503, T(r, "The session could not be read. Please try again."));
		}
		char *headers = arena_printf(&r->arena,
					     "Content-Disposition: attachment; filename=\"session-%" PRId64
					     "-attendance.csv\"\r\nCache-Control: private, no-store\r\n",
					     w.id);
		rc = resp_send(r, 200, "text/csv; charset=utf-8", b.data, b.len, headers);
		buf_release(&b);
		free(ms.v);
		workshop_free(&w);
		return rc;
	}
	struct buf rows = BUF_INIT;
	rp.b = &rows;
	if (rc == 0)
		rc = workshop_people_list(r->db, w.id, report_row, &rp, &e);
	if (rc < 0) {
		buf_release(&rows);
		free(ms.v);
		workshop_free(&w);
		r->cause = arena_printf(&r->arena, "session report: %s", e.msg);
		return resp_error(r, 503, T(r, "The session could not be read. Please try again."));
	}
	page_begin(r, &b, T(r, "Attendance report"));
	buf_printf(&b, "<h1>%s: ", T(r, "Attendance report"));
	buf_html(&b, w.title);
	buf_puts(&b, "</h1><p class=\"meta\">");
	buf_html(&b, w.code);
	if (w.cancelled_at)
		buf_printf(&b, " · %s", T(r, "Cancelled"));
	buf_puts(&b, "</p><ul>");
	buf_printf(&b, "<li>%s: %d</li><li>%s: %d</li><li>%s: %d</li><li>%s: %d</li><li>%s: %d</li></ul>",
		   T(r, "Invited"), rp.invited, T(r, "Registered"), rp.registered, T(r, "On the waiting list"),
		   rp.waitlisted, T(r, "Cancelled places"), rp.cancelled, T(r, "Attended at least one day"),
		   rp.attended);
	buf_printf(&b,
		   "<p><a href=\"/sessions/%" PRId64 "/report.csv\">%s</a> · <a href=\"/surveys/workshop/%" PRId64
		   "/results\">%s</a></p>",
		   w.id, T(r, "Download as CSV"), w.id, T(r, "Survey results"));
	buf_printf(&b,
		   "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table><caption>%s"
		   "</caption><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		   "<th scope=\"col\">%s</th>",
		   T(r, "Who was invited, registered and attended, with how each mark was made"),
		   T(r, "Who was invited, registered and attended, with how each mark was made"), T(r, "Name"),
		   T(r, "Row code"), T(r, "How listed"), T(r, "Place"));
	for (int i = 0; i < w.ndays; i++) {
		char when[48];
		workshop_day_format(&w.days[i], when, sizeof when);
		buf_printf(&b, "<th scope=\"col\">");
		buf_html(&b, view_digits(r, arena_printf(&r->arena, T(r, "Day %d"), w.days[i].day)));
		buf_puts(&b, " <span class=\"meta\">");
		buf_html(&b, view_day_hours(r, when));
		buf_puts(&b, "</span></th>");
	}
	buf_printf(&b, "<th scope=\"col\">%s</th></tr></thead><tbody>", T(r, "Days present"));
	buf_add(&b, rows.data, rows.len);
	buf_puts(&b, "</tbody></table></div>");
	buf_release(&rows);
	free(ms.v);
	workshop_free(&w);
	page_end(r, &b);
	return page_send(r, 200, &b);
}

static int h_session_report(struct req *r)
{
	return session_report(r, false);
}

static int h_session_report_csv(struct req *r)
{
	return session_report(r, true);
}

const struct route survey_routes[] = {
    {"GET", "/surveys", ROLE_ANY, h_surveys, 0},
    {"GET", "/surveys/workshop/:id/results", ROLE_ANY, h_results_workshop, 0},
    {"GET", "/surveys/course/:id/results", SCOPED, h_results_course, 0},
    {"GET", "/surveys/workshop/:id", ROLE_ANY, h_survey_workshop, 0},
    {"POST", "/surveys/workshop/:id", ROLE_ANY, h_survey_workshop_post, 16384},
    {"GET", "/surveys/course/:id", ROLE_ANY, h_survey_course, 0},
    {"POST", "/surveys/course/:id", ROLE_ANY, h_survey_course_post, 16384},
    {"GET", "/sessions/:id/report.csv", ROLE_ANY, h_session_report_csv, 0},
    {"GET", "/sessions/:id/report", ROLE_ANY, h_session_report, 0},
    {"GET", "/api/v1/surveys", ROLE_ANY, h_api_surveys, 0},
    {"GET", "/api/v1/surveys/workshop/:id/results", ROLE_ANY, h_api_results_workshop, 0},
    {"GET", "/api/v1/surveys/course/:id/results", SCOPED, h_api_results_course, 0},
    {"POST", "/api/v1/surveys/workshop/:id", ROLE_ANY, h_api_submit_workshop, 16384},
    {"POST", "/api/v1/surveys/course/:id", ROLE_ANY, h_api_submit_course, 16384},
    {NULL, NULL, 0, NULL, 0},
};

/* Khmer drafts awaiting review by a native speaker (docs/i18n.md). */
static const struct msg survey_msgs[] = {
    {"Tell us what you thought", "សូមប្រាប់យើងពីមតិរបស់អ្នក"},
    {"A few questions about your training. Your answers are anonymous.",
     "សំណួរមួយចំនួនអំពីវគ្គបណ្តុះបណ្តាលរបស់អ្នក។ ចម្លើយរបស់អ្នកគឺអនាមិក។"},
    {"Session", "វគ្គ"},
    {"Course", "វគ្គសិក្សា"},
    {"Surveys", "ការស្ទង់មតិ"},
    {"Survey", "ការស្ទង់មតិ"},
    {"Thank you: your answers are saved.", "សូមអរគុណ៖ ចម្លើយរបស់អ្នកត្រូវបានរក្សាទុក។"},
    {"No survey is waiting for your answers.", "មិនមានការស្ទង់មតិណាដែលកំពុងរង់ចាំចម្លើយរបស់អ្នកទេ។"},
    {"Strongly disagree", "មិនយល់ស្របខ្លាំង"},
    {"Disagree", "មិនយល់ស្រប"},
    {"Neither agree nor disagree", "មិនយល់ស្រប ក៏មិនមិនយល់ស្រប"},
    {"Agree", "យល់ស្រប"},
    {"Strongly agree", "យល់ស្របខ្លាំង"},
    {"Choose how much you agree with each statement. You may leave one out.",
     "សូមជ្រើសរើសកម្រិតដែលអ្នកយល់ស្របនឹងសេចក្តីថ្លែងនីមួយៗ។ អ្នកអាចរំលងបាន។"},
    {"Comment (optional)", "មតិយោបល់ (មិនចាំបាច់)"},
    {"Send my answers", "ផ្ញើចម្លើយរបស់ខ្ញុំ"},
    {"No such survey.", "មិនមានការស្ទង់មតិនេះទេ។"},
    {"The survey could not be read. Please try again.", "មិនអាចអានការស្ទង់មតិបានទេ។ សូមព្យាយាមម្តងទៀត។"},
    {"You have answered this survey. Thank you.", "អ្នកបានឆ្លើយការស្ទង់មតិនេះរួចហើយ។ សូមអរគុណ។"},
    {"An answer must be 1 to 5.", "ចម្លើយត្រូវតែពី ១ ដល់ ៥។"},
    {"Your answers could not be saved. Please try again in a moment.",
     "មិនអាចរក្សាទុកចម្លើយរបស់អ្នកបានទេ។ សូមព្យាយាមម្តងទៀតបន្តិចទៀត។"},
    {"The comment is too long or not valid text.", "មតិយោបល់វែងពេក ឬមិនមែនជាអត្ថបទត្រឹមត្រូវ។"},
    {"Answer at least one statement.", "សូមឆ្លើយសេចក្តីថ្លែងយ៉ាងហោចណាស់មួយ។"},
    {"The session could not be read. Please try again.", "មិនអាចអានវគ្គនេះបានទេ។ សូមព្យាយាមម្តងទៀត។"},
    {"The survey results could not be read. Please try again.", "មិនអាចអានលទ្ធផលការស្ទង់មតិបានទេ។ សូមព្យាយាមម្តងទៀត។"},
    {"fewer than 5 responses", "ចម្លើយតិចជាង ៥"},
    {"hidden: it would give away a group of fewer than 5", "លាក់៖ វានឹងបង្ហាញក្រុមដែលមានតិចជាង ៥ នាក់"},
    {"Women", "ស្ត្រី"},
    {"Men", "បុរស"},
    {"Other", "ផ្សេងទៀត"},
    {"Not stated", "មិនបានបញ្ជាក់"},
    {"Survey results", "លទ្ធផលការស្ទង់មតិ"},
    {"Mean answer from 1 (strongly disagree) to 5 (strongly agree). Figures are shown only for groups of at "
     "least 5 respondents, so that no answer can be traced to a person.",
     "ចម្លើយមធ្យមពី ១ (មិនយល់ស្របខ្លាំង) ដល់ ៥ (យល់ស្របខ្លាំង)។ តួលេខត្រូវបានបង្ហាញតែសម្រាប់ក្រុមដែលមានអ្នកឆ្លើយយ៉ាងហោចណាស់ ៥ "
     "នាក់ ដើម្បីកុំឱ្យចម្លើយណាមួយអាចតាមដានដល់បុគ្គលណាម្នាក់បាន។"},
    {"Respondents:", "អ្នកឆ្លើយ៖"},
    {"Mean answer by statement", "ចម្លើយមធ្យមតាមសេចក្តីថ្លែង"},
    {"Statement", "សេចក្តីថ្លែង"},
    {"All", "ទាំងអស់"},
    {"Overall", "សរុប"},
    {"Comments", "មតិយោបល់"},
    {"No comments.", "គ្មានមតិយោបល់។"},
    {"present %d of %d days", "មានវត្តមាន %d នៃ %d ថ្ងៃ"},
    {"Face-to-face sessions", "វគ្គបណ្តុះបណ្តាលផ្ទាល់"},
    {"Days attended: %d of %d required.", "ថ្ងៃដែលបានចូលរួម៖ %d នៃ %d ដែលតម្រូវ។"},
    {"This course asks you to attend every day of one of its sessions.",
     "វគ្គសិក្សានេះតម្រូវឱ្យអ្នកចូលរួមគ្រប់ថ្ងៃនៃវគ្គណាមួយរបស់វា។"},
    {"You have no place in a session of this course yet.", "អ្នកមិនទាន់មានកន្លែងក្នុងវគ្គណាមួយនៃវគ្គសិក្សានេះនៅឡើយទេ។"},
    {"Invited", "បានអញ្ជើញ"},
    {"Registered themselves", "បានចុះឈ្មោះដោយខ្លួនឯង"},
    {"registered", "បានចុះឈ្មោះ"},
    {"waitlisted", "ក្នុងបញ្ជីរង់ចាំ"},
    {"cancelled", "បានលុបចោល"},
    {"present", "មានវត្តមាន"},
    {"absent", "អវត្តមាន"},
    {"excused", "មានច្បាប់"},
    {"trainer", "គ្រូឧទ្ទេស"},
    {"sheet", "សន្លឹកចុះហត្ថលេខា"},
    {"qr", "កូដ QR"},
    {"import", "នាំចូល"},
    {"Attendance report", "របាយការណ៍វត្តមាន"},
    {"On the waiting list", "ក្នុងបញ្ជីរង់ចាំ"},
    {"Attended at least one day", "បានចូលរួមយ៉ាងហោចណាស់មួយថ្ងៃ"},
    {"Download as CSV", "ទាញយកជា CSV"},
    {"Who was invited, registered and attended, with how each mark was made",
     "អ្នកដែលបានអញ្ជើញ ចុះឈ្មោះ និងចូលរួម ព្រមទាំងរបៀបកត់ត្រាវត្តមាននីមួយៗ"},
    {"Name", "ឈ្មោះ"},
    {"Row code", "លេខកូដជួរ"},
    {"How listed", "របៀបចុះបញ្ជី"},
    {"Place", "កន្លែង"},
    {"Day %d", "ថ្ងៃទី %d"},
    {"Days present", "ថ្ងៃមានវត្តមាន"},
};

void h_survey_messages_register(void)
{
	i18n_register(survey_msgs, sizeof survey_msgs / sizeof survey_msgs[0]);
}
