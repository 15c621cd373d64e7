/*
 * Essay grading for trainers: the queue of a course's attempts with essays awaiting a grade
 * (/manage/courses/ID/grading), one attempt's essays with a grade form each, and the same in the
 * API (GET /api/v1/courses/ID/grading, POST /api/v1/attempts/ID/grades). The state change is
 * assessment/attempt.c's attempt_grade_essay(); this file checks who may grade and renders.
 *
 * Scope follows the trainer rule of docs/accounts.md: administrators grade any learner, trainers the
 * learners of their own org unit and the units below it (learn_may_assign()).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/users.h"
#include "assessment/attempt.h"
#include "courses/learn.h"
#include "lib/i18n.h"
#include "lib/json.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "server/server.h"
#include "server/views.h"

#define GRADERS (ROLE_TRAINER | ROLE_ADMIN)

/* True when the signed-in user may grade learner_id's work; fills *learner (release it) when found. */
static bool may_grade(struct req *r, int64_t learner_id, struct user *learner)
{
	memset(learner, 0, sizeof *learner);
	if (user_get(r->db, learner_id, learner) != 0)
		return false;
	return learn_may_assign(r->db, r->user->roles, r->user->org_id, learner->org_id);
}

static const char *learner_name(const struct user *u)
{
	return u->full_name && u->full_name[0] ? u->full_name : u->username ? u->username : "";
}

/* ---------- web pages ---------- */

static void grading_href(struct buf *b, const char *course, int64_t aid)
{
	buf_puts(b, "/manage/courses/");
	buf_url(b, course);
	buf_puts(b, "/grading");
	if (aid)
		buf_printf(b, "/%lld", (long long)aid);
}

static void queue_table(struct req *r, struct buf *b, const char *course, const struct grading_entry *v, int n,
			bool pending, const char *caption)
{
	int shown = 0;
	for (int i = 0; i < n; i++) {
		if ((v[i].pending > 0) != pending)
			continue;
		struct user u;
		if (!may_grade(r, v[i].user_id, &u)) {
			user_release(&u);
			continue;
		}
		if (!shown++)
			buf_printf(
			    b,
			    "<div class=\"table-scroll\"><table class=\"grading\" data-pending=\"%d\"><caption>%s"
			    "</caption><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
			    "<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr></thead><tbody>",
			    pending, caption, T(r, "Learner"), T(r, "Quiz"), T(r, "Submitted"),
			    T(r, "Essays to grade"));
		char day[11];
		date_ymd(v[i].submitted_at, day);
		buf_printf(b, "<tr data-attempt=\"%lld\"><td><a href=\"", (long long)v[i].attempt_id);
		struct buf h = BUF_INIT;
		grading_href(&h, course, v[i].attempt_id);
		buf_html(b, buf_str(&h));
		buf_release(&h);
		buf_puts(b, "\">");
		buf_html(b, learner_name(&u));
		buf_puts(b, "</a></td><td>");
		buf_html(b, v[i].item_path);
		buf_printf(b, "</td><td><time datetime=\"%s\">", day);
		buf_html(b, view_day(r, day));
		buf_printf(b, "</time></td><td class=\"num\">%s</td></tr>",
			   view_digits(r, arena_printf(&r->arena, "%d", v[i].pending)));
		user_release(&u);
	}
	if (shown)
		buf_puts(b, "</tbody></table></div>");
	else if (pending)
		notice(b, "info", T(r, "No written answers are awaiting grading."));
}

static int h_queue(struct req *r)
{
	const char *course = r->param[0];
	struct grading_entry *v;
	int n;
	struct err e = {""};
	if (attempt_grading_queue(r->db, course, true, &v, &n, &e) < 0)
		return resp_error(r, 500, e.msg);
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Grading"));
	buf_printf(&b, "<h1>%s%s", T(r, "Grading"), view_colon(r));
	buf_html(&b, course);
	buf_puts(&b, "</h1>");
	if (req_query(r, "done"))
		notice(&b, "ok", T(r, "The grade is saved."));
	queue_table(r, &b, course, v, n, true, T(r, "Awaiting grading"));
	queue_table(r, &b, course, v, n, false, T(r, "Graded (a grade can be corrected)"));
	grading_entries_free(v, n);
	page_end(r, &b);
	return page_send(r, 200, &b);
}

/* Loads the attempt of the route for grading, or answers 404/403 (returned non-zero). */
static int load_for_grading(struct req *r, const char *course, const char *aid_s, struct attempt *a,
			    struct user *learner)
{
	struct err e = {""};
	int64_t aid = req_int(aid_s, 1, INT64_MAX, 0);
	int rc = aid ? attempt_load_graded(r->db, aid, course, a, &e) : ATTEMPT_ENOTFOUND;
	memset(learner, 0, sizeof *learner);
	if (rc == ATTEMPT_ENOTFOUND)
		return resp_error(r, 404, T(r, "No such attempt."));
	if (rc < 0)
		return resp_error(r, http_status_of(rc), e.msg);
	if (!may_grade(r, a->user_id, learner)) {
		user_release(learner);
		attempt_release(a);
		return resp_error(r, 403,
				  T(r, "You may grade only the learners of your own org unit and the units below it."));
	}
	return 0;
}

static void essay_card(struct req *r, struct buf *b, const char *course, const struct attempt *a, int k)
{
	const struct question *qu = &a->quiz.questions[a->items[k].question];
	const struct answer *an = &a->answers[k];
	const struct essay_grade *g = a->grades ? &a->grades[k] : NULL;
	buf_printf(b, "<section class=\"essay-grade\" data-question=\"%d\"><h2>", k);
	buf_html(b, view_digits(r, arena_printf(&r->arena, T(r, "Question %d"), k + 1)));
	buf_printf(b, "</h2><div>%s</div>", qu->html); /* the quiz's safe HTML */
	buf_printf(b, "<h3>%s</h3><div class=\"essay\" style=\"white-space:pre-wrap\">", T(r, "The learner's answer"));
	buf_html(b, an->text && an->text[0] ? an->text : T(r, "(no answer)"));
	buf_puts(b, "</div>");
	if (!answer_given(an)) {
		buf_puts(b, "</section>");
		return;
	}
	if (g && g->graded) {
		buf_printf(b, "<p class=\"status\" data-points=\"%g\">", g->points);
		buf_html(
		    b, view_digits(r, arena_printf(&r->arena, T(r, "Graded: %g of %g points"), g->points, qu->points)));
		buf_puts(b, "</p>");
	} else {
		buf_printf(b, "<p class=\"status\" data-status=\"awaiting\">%s</p>", T(r, "Awaiting grading"));
	}
	struct buf act = BUF_INIT;
	grading_href(&act, course, a->id);
	form_begin(r, b, buf_str(&act));
	buf_release(&act);
	char label[96], val[32] = "";
	snprintf(label, sizeof label, T(r, "Points (0 to %g)"), qu->points);
	if (g && g->graded)
		snprintf(val, sizeof val, "%g", g->points);
	buf_printf(b,
		   "<input type=\"hidden\" name=\"question\" value=\"%d\"><label for=\"points-%d\">%s</label>"
		   "<input id=\"points-%d\" name=\"points\" type=\"number\" min=\"0\" max=\"%g\" step=\"any\" "
		   "inputmode=\"decimal\" required value=\"%s\">",
		   k, k, label, k, qu->points, val);
	buf_printf(b,
		   "<label for=\"comment-%d\">%s</label><textarea id=\"comment-%d\" name=\"comment\" rows=\"4\" "
		   "maxlength=\"%d\">",
		   k, T(r, "Comment for the learner (optional)"), k, ATTEMPT_COMMENT_MAX / 3);
	buf_html(b, g && g->graded && g->comment ? g->comment : "");
	buf_puts(b, "</textarea>");
	form_submit(b, g && g->graded ? T(r, "Correct the grade") : T(r, "Save the grade"));
	buf_puts(b, "</section>");
}

static int grading_page(struct req *r, const char *course, const struct attempt *a, const struct user *learner,
			const char *error)
{
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Grading"));
	buf_printf(&b, "<h1>%s%s", T(r, "Grading"), view_colon(r));
	buf_html(&b, learner_name(learner));
	buf_puts(&b, "</h1><p>");
	buf_html(&b, a->quiz.title ? a->quiz.title : a->item_path);
	char sc[64];
	snprintf(sc, sizeof sc, "%.0f%%", a->score);
	buf_printf(&b, " &middot; %s %s &middot; ", T(r, "Score so far:"), view_digits(r, sc));
	buf_html(&b, view_digits(r, arena_printf(&r->arena, T(r, "Pass mark: %d%%"), a->pass_mark)));
	buf_puts(&b, "</p>");
	if (error)
		notice(&b, "error", error);
	for (int k = 0; k < a->nitems; k++)
		if (a->quiz.questions[a->items[k].question].type == Q_ESSAY)
			essay_card(r, &b, course, a, k);
	buf_puts(&b, "<p><a class=\"button secondary\" href=\"");
	struct buf h = BUF_INIT;
	grading_href(&h, course, 0);
	buf_html(&b, buf_str(&h));
	buf_release(&h);
	buf_printf(&b, "\">%s</a></p>", T(r, "Back to the grading queue"));
	page_end(r, &b);
	return page_send(r, error ? 400 : 200, &b);
}

static int h_attempt(struct req *r)
{
	struct attempt a;
	struct user learner;
	int rc = load_for_grading(r, r->param[0], r->param[1], &a, &learner);
	if (rc)
		return rc;
	rc = grading_page(r, r->param[0], &a, &learner, NULL);
	user_release(&learner);
	attempt_release(&a);
	return rc;
}

/* Parses a number of points as typed ("7", "7.5", "7,5"); false when it is not one. */
static bool parse_points(const char *s, double *out)
{
	if (!s || !*s || strlen(s) > 16)
		return false;
	char tmp[24];
	snprintf(tmp, sizeof tmp, "%s", s);
	for (char *p = tmp; *p; p++)
		if (*p == ',')
			*p = '.';
	char *end;
	double v = strtod(tmp, &end);
	if (*end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static int h_grade(struct req *r)
{
	const char *course = r->param[0];
	struct attempt a;
	struct user learner;
	int rc = load_for_grading(r, course, r->param[1], &a, &learner);
	if (rc)
		return rc;
	int k = (int)req_int(req_form(r, "question"), 0, a.nitems - 1, -1);
	double points = -1;
	const char *error = NULL;
	struct err e = {""};
	struct essay_grade prev = {0};
	const struct question *qu = k >= 0 ? &a.quiz.questions[a.items[k].question] : NULL;
	const char *comment = req_form(r, "comment");
	if (k < 0 || !parse_points(req_form(r, "points"), &points)) {
		error = T(r, "Give the points as a number, for example 7 or 7.5.");
	} else if (qu->type == Q_ESSAY && !(points >= 0 && points <= qu->points)) {
		error = arena_printf(&r->arena, T(r, "The points must be a number from 0 to %g."), qu->points);
	} else if (comment && strlen(comment) > ATTEMPT_COMMENT_MAX) {
		error = T(r, "The comment is too long.");
	} else {
		rc = attempt_grade_essay(r->db, &a, k, points, comment, r->user->id, req_who(r), &prev, NULL, &e);
		if (rc == ATTEMPT_EBADANSWER) {
			error = e.msg;
		} else if (rc < 0) {
			user_release(&learner);
			attempt_release(&a);
			return resp_error(r, http_status_of(rc), e.msg);
		}
	}
	if (error) {
		rc = grading_page(r, course, &a, &learner, error);
	} else {
		struct buf to = BUF_INIT;
		grading_href(&to, course, 0);
		buf_puts(&to, "?done=1");
		rc = resp_redirect(r, buf_str(&to));
		buf_release(&to);
	}
	free(prev.comment);
	user_release(&learner);
	attempt_release(&a);
	return rc;
}

/* ---------- API ---------- */

static int send_json(struct req *r, int status, struct buf *b)
{
	int rc = resp_json(r, status, b);
	buf_release(b);
	return rc;
}

static void essays_json(struct buf *b, const struct attempt *a)
{
	buf_puts(b, "[");
	for (int k = 0, c = 0; k < a->nitems; k++) {
		const struct question *qu = &a->quiz.questions[a->items[k].question];
		if (qu->type != Q_ESSAY)
			continue;
		const struct answer *an = &a->answers[k];
		const struct essay_grade *g = a->grades ? &a->grades[k] : NULL;
		buf_printf(b, "%s{\"key\":\"q%d\",\"html\":", c++ ? "," : "", k);
		buf_json_str(b, qu->html);
		buf_puts(b, ",\"text\":");
		buf_json_str(b, qu->text);
		buf_puts(b, ",\"answer\":");
		buf_json_str(b, answer_given(an) ? an->text : NULL);
		buf_printf(b, ",\"max_points\":%g,\"graded\":%s,\"points\":", qu->points,
			   g && g->graded ? "true" : "false");
		if (g && g->graded)
			buf_printf(b, "%g", g->points);
		else
			buf_puts(b, "null");
		buf_puts(b, ",\"comment\":");
		buf_json_str(b, g && g->graded ? g->comment : NULL);
		buf_puts(b, "}");
	}
	buf_puts(b, "]");
}

static int h_api_queue(struct req *r)
{
	const char *course = r->param[0];
	struct grading_entry *v;
	int n;
	struct err e = {""};
	bool graded = req_query(r, "graded") && strcmp(req_query(r, "graded"), "1") == 0;
	if (attempt_grading_queue(r->db, course, graded, &v, &n, &e) < 0)
		return resp_error(r, 500, e.msg);
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"course_id\":");
	buf_json_str(&b, course);
	buf_puts(&b, ",\"attempts\":[");
	for (int i = 0, c = 0; i < n; i++) {
		struct user u;
		if (!may_grade(r, v[i].user_id, &u)) {
			user_release(&u);
			continue;
		}
		struct attempt a;
		if (attempt_load_graded(r->db, v[i].attempt_id, course, &a, &e) < 0) {
			user_release(&u);
			continue; /* its quiz file is gone: nothing to show */
		}
		buf_printf(&b, "%s{\"id\":%lld,\"user_id\":%lld,\"learner\":", c++ ? "," : "", (long long)a.id,
			   (long long)a.user_id);
		buf_json_str(&b, learner_name(&u));
		buf_puts(&b, ",\"quiz\":");
		buf_json_str(&b, a.item_path);
		buf_printf(&b, ",\"submitted_at\":%lld,\"pending\":%d,\"score\":%.10g,\"essays\":",
			   (long long)a.submitted_at, a.pending, a.score);
		essays_json(&b, &a);
		buf_puts(&b, "}");
		attempt_release(&a);
		user_release(&u);
	}
	buf_puts(&b, "]}");
	grading_entries_free(v, n);
	return send_json(r, 200, &b);
}

static int h_api_grade(struct req *r)
{
	struct json_obj *body;
	struct err e = {""};
	if (json_body_parse(r->body, r->body_len, &body, &e) < 0)
		return resp_error(r, 400,
				  "the body must be a JSON object {\"question\": \"q0\", \"points\": 3, "
				  "\"comment\": \"...\"}");
	const char *qk = json_get_scalar(body, "question", &r->arena);
	const char *ps = json_get_scalar(body, "points", &r->arena);
	const char *comment = json_get_scalar(body, "comment", &r->arena);
	int64_t aid = req_int(r->param[0], 1, INT64_MAX, 0);
	struct attempt a;
	int rc = ATTEMPT_ENOTFOUND;
	/* The API names the attempt only: any course (NULL). */
	if (aid)
		rc = attempt_load_graded(r->db, aid, NULL, &a, &e);
	if (rc < 0) {
		json_body_free(body);
		return resp_error(r, http_status_of(rc), rc == ATTEMPT_ENOTFOUND ? "no such attempt" : e.msg);
	}
	struct user learner;
	if (!may_grade(r, a.user_id, &learner)) {
		user_release(&learner);
		attempt_release(&a);
		json_body_free(body);
		return resp_error(r, 403,
				  "you may grade only the learners of your own org unit and the units below it");
	}
	user_release(&learner);
	int k = qk && qk[0] == 'q' ? (int)req_int(qk + 1, 0, a.nitems - 1, -1) : -1;
	double points;
	struct essay_grade prev = {0};
	if (k < 0) {
		rc = resp_error(r, 400, "'question' must name an essay of this attempt, as \"q0\"");
	} else if (!parse_points(ps, &points)) {
		rc = resp_error(r, 400, "'points' must be a number");
	} else if ((rc = attempt_grade_essay(r->db, &a, k, points, comment, r->user->id, req_who(r), &prev, NULL, &e)) <
		   0) {
		rc = resp_error(r, http_status_of(rc), e.msg);
	} else {
		struct buf b = BUF_INIT;
		attempt_result_json(&b, &a);
		rc = send_json(r, 200, &b);
	}
	free(prev.comment);
	attempt_release(&a);
	json_body_free(body);
	return rc;
}

const struct route grading_routes[] = {
    {"GET", "/manage/courses/:id/grading", GRADERS, h_queue, 0},
    {"GET", "/manage/courses/:id/grading/:aid", GRADERS, h_attempt, 0},
    {"POST", "/manage/courses/:id/grading/:aid", GRADERS, h_grade, 64 * 1024},
    {"GET", "/api/v1/courses/:id/grading", GRADERS, h_api_queue, 0},
    {"POST", "/api/v1/attempts/:aid/grades", GRADERS, h_api_grade, 64 * 1024},
    {NULL, NULL, 0, NULL, 0},
};

static const struct msg msgs[] = {
    {"Grading", "ការដាក់ពិន្ទុ"},
    {"Learner", "អ្នកសិក្សា"},
    {"Submitted", "បានបញ្ជូន"},
    {"Essays to grade", "ចម្លើយសរសេរដែលត្រូវដាក់ពិន្ទុ"},
    {"No written answers are awaiting grading.", "គ្មានចម្លើយសរសេរណាកំពុងរង់ចាំការដាក់ពិន្ទុទេ។"},
    {"The grade is saved.", "ពិន្ទុត្រូវបានរក្សាទុក។"},
    {"Graded (a grade can be corrected)", "បានដាក់ពិន្ទុ (អាចកែពិន្ទុបាន)"},
    {"You may grade only the learners of your own org unit and the units below it.",
     "អ្នកអាចដាក់ពិន្ទុបានតែអ្នកសិក្សានៃអង្គភាពរបស់អ្នក និងអង្គភាពក្រោមវាប៉ុណ្ណោះ។"},
    {"Question %d", "សំណួរទី %d"},
    {"The learner's answer", "ចម្លើយរបស់អ្នកសិក្សា"},
    {"Points (0 to %g)", "ពិន្ទុ (ពី 0 ដល់ %g)"},
    {"Comment for the learner (optional)", "មតិយោបល់សម្រាប់អ្នកសិក្សា (ស្រេចចិត្ត)"},
    {"Correct the grade", "កែពិន្ទុ"},
    {"Save the grade", "រក្សាទុកពិន្ទុ"},
    {"Score so far:", "ពិន្ទុរហូតមកដល់ពេលនេះ៖"},
    {"Back to the grading queue", "ត្រឡប់ទៅបញ្ជីរង់ចាំដាក់ពិន្ទុ"},
    {"you may grade only the learners of your own org unit and the units below it",
     "អ្នកអាចដាក់ពិន្ទុបានតែអ្នកសិក្សានៃអង្គភាពរបស់អ្នក និងអង្គភាពក្រោមវាប៉ុណ្ណោះ"},
    {"'question' must name an essay of this attempt, as \"q0\"",
     "'question' ត្រូវតែជាសំណួរសរសេរនៃការធ្វើតេស្តនេះ ដូចជា \"q0\""},
    {"'points' must be a number", "'points' ត្រូវតែជាលេខ"},
    {"Give the points as a number, for example 7 or 7.5.", "សូមបញ្ចូលពិន្ទុជាលេខ ឧទាហរណ៍ 7 ឬ 7.5។"},
    {"The points must be a number from 0 to %g.", "ពិន្ទុត្រូវតែជាលេខពី 0 ដល់ %g។"},
    {"The comment is too long.", "មតិយោបល់វែងពេក។"},
};

void grading_messages_register(void)
{
	i18n_register(msgs, sizeof msgs / sizeof msgs[0]);
}
