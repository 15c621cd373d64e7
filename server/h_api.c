/*
 * The JSON API under /api/v1: every learner action, for apps and scripts.
 * docs/api.md documents each endpoint. Authentication is the session cookie
 * (then state changes need the X-CSRF-Token header) or "Authorization:
 * Bearer TOKEN" with the token from POST /api/v1/login. Errors are
 * {"error": "..."} with the HTTP status (resp_error under /api/).
 * Request bodies are JSON objects, read with lib/json.h's bounded parser
 * and typed getters (never with SQLite's JSON functions, which recurse).
 */
#include <stdio.h>
#include <string.h>

#include "accounts/sessions.h"
#include "accounts/users.h"
#include "assessment/attempt.h"
#include "certificates/cert.h"
#include "courses/learn.h"
#include "lib/db.h"
#include "lib/i18n.h"
#include "lib/json.h"
#include "lib/util.h"
#include "server/h_certs.h"
#include "server/h_learn.h"
#include "server/h_survey.h"
#include "server/server.h"
#include "server/views.h"

/*
 * The body as a JSON object (lib/json.h: parsed with jansson after an
 * iterative check of its nesting and size), or NULL with the error already
 * sent in *status: a body past the limits gets their message, anything else
 * that is not a JSON object gets "the body must be a JSON object SHAPE"
 * (with what is wrong, when it is not JSON at all).
 * The caller frees the object with json_body_free().
 */
static struct json_obj *body_object(struct req *r, const char *shape, int *status)
{
	struct json_obj *o;
	struct err e;
	int rc = json_body_parse(r->body, r->body_len, &o, &e);
	if (rc == JSON_ELIMIT) {
		*status = resp_error(r, 400, e.msg);
		return NULL;
	}
	if (rc == JSON_EINVALID) {
		*status =
		    resp_error(r, 400,
			       arena_printf(&r->arena, tr(resp_error_lang(r), "the body must be a JSON object %s (%s)"),
					    shape, tr(resp_error_lang(r), i18n_english(e.msg))));
		return NULL;
	}
	if (rc < 0) {
		*status = resp_error(
		    r, 400,
		    arena_printf(&r->arena, tr(resp_error_lang(r), "the body must be a JSON object %s"), shape));
		return NULL;
	}
	return o;
}

static int send_json(struct req *r, int status, struct buf *b)
{
	int rc = resp_json(r, status, b);
	buf_release(b);
	return rc;
}

static void user_json(struct buf *b, const struct user *u)
{
	char roles[128];
	roles_format(u->roles, roles, sizeof roles);
	buf_printf(b, "{\"id\":%lld,\"username\":", (long long)u->id);
	buf_json_str(b, u->username);
	buf_puts(b, ",\"full_name\":");
	buf_json_str(b, u->full_name);
	buf_puts(b, ",\"full_name_km\":");
	buf_json_str(b, u->full_name_km);
	buf_puts(b, ",\"lang\":");
	buf_json_str(b, u->lang);
	buf_puts(b, ",\"org\":");
	buf_json_str(b, u->org_code);
	buf_printf(b, ",\"must_change_password\":%s", u->must_change ? "true" : "false");
	buf_puts(b, ",\"roles\":[");
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
	    {ROLE_LEARNER, "learner"}, {ROLE_TRAINER, "trainer"}, {ROLE_MANAGER, "manager"}, {ROLE_ADMIN, "admin"}};
	bool first = true;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (u->roles & names[i].bit) {
			buf_printf(b, "%s\"%s\"", first ? "" : ",", names[i].name);
			first = false;
		}
	buf_puts(b, "]}");
}

static int h_login(struct req *r)
{
	int status;
	struct json_obj *body = body_object(r, "{\"username\": ..., \"password\": ...}", &status);
	if (!body)
		return status;
	const char *u = json_get_str(body, "username"), *p = json_get_str(body, "password");
	int64_t id, wait = 0;
	char code[ACTIVATION_CODE_LEN + 1];
	enum login_result res =
	    login_attempt(r->db, u ? u : "", user_login_password(r->db, u, p ? p : "", code), r->remote, &id, &wait);
	json_body_free(body);
	if (res == LOGIN_THROTTLED) {
		resp_retry_after(r, wait);
		return resp_error(
		    r, 429,
		    arena_printf(&r->arena,
				 tr(resp_error_lang(r), "too many failed attempts; try again in %lld seconds"),
				 (long long)wait));
	}
	if (res == LOGIN_ERROR) {
		r->cause = arena_printf(&r->arena, "cannot record the login attempt: %s", login_error_reason());
		return resp_error(r, 503, "the server is busy; try again in a moment");
	}
	if (res != LOGIN_OK)
		return resp_error(r, 401, "the username or password is not correct");
	struct err e;
	if (user_login_finish(r->db, id, &e) < 0)
		return resp_error(r, 401, "the activation code has expired; ask your administrator for a new one");
	if (req_login(r, id) < 0)
		return resp_error(r, 500, "cannot start a session");
	struct user user;
	if (user_get(r->db, id, &user) < 0)
		return resp_error(r, 500, "cannot load the user");
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"token\":");
	buf_json_str(&b, r->token);
	buf_puts(&b, ",\"csrf\":");
	buf_json_str(&b, r->session.csrf);
	buf_puts(&b, ",\"user\":");
	user_json(&b, &user);
	buf_puts(&b, "}");
	user_release(&user);
	return send_json(r, 200, &b);
}

static int h_logout(struct req *r)
{
	session_destroy(r->db, r->token);
	resp_cookie(r, SESSION_COOKIE, "", -1);
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"ok\":true}");
	return send_json(r, 200, &b);
}

/* {"current": "...", "new": "..."}: the user's own password change; the calling session stays, the others end. */
static int h_me_password(struct req *r)
{
	int status;
	struct json_obj *body = body_object(r, "{\"current\": ..., \"new\": ...}", &status);
	if (!body)
		return status;
	const char *pw = json_get_str(body, "new");
	if (!pw) {
		json_body_free(body);
		return resp_error(r, 400, "missing \"new\": the new password");
	}
	struct err e;
	int rc = user_change_password(r->db, r->user->id, json_get_str(body, "current"), pw, r->token, &e);
	json_body_free(body);
	if (rc < 0)
		return resp_error(r, 422, e.msg);
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"ok\":true}");
	return send_json(r, 200, &b);
}

static int h_me(struct req *r)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"user\":");
	user_json(&b, r->user);
	buf_puts(&b, ",\"csrf\":");
	buf_json_str(&b, r->session.csrf);
	buf_puts(&b, "}");
	return send_json(r, 200, &b);
}

static void course_json(struct buf *b, const struct learn_course *c)
{
	buf_puts(b, "{\"id\":");
	buf_json_str(b, c->course_id);
	buf_puts(b, ",\"language\":");
	buf_json_str(b, c->language);
	buf_puts(b, ",\"title\":");
	buf_json_str(b, c->title);
	buf_puts(b, ",\"summary\":");
	buf_json_str(b, c->summary);
	buf_printf(b, ",\"minutes\":%d,\"pass_mark\":%d,\"certificate\":%s,\"enrolled\":%s,\"status\":\"%s\"",
		   c->minutes, c->pass_mark, c->certificate ? "true" : "false", c->enrolled ? "true" : "false",
		   learn_status_code(c->status));
	buf_printf(b, ",\"done\":%d,\"total\":%d,\"percent\":%d", c->done, c->total,
		   c->total ? c->done * 100 / c->total : 0);
	buf_puts(b, ",\"source\":");
	buf_json_str(b, *c->source ? c->source : NULL);
	buf_puts(b, ",\"last_item\":");
	buf_json_str(b, *c->last_item ? c->last_item : NULL);
	if (c->enrolled_at)
		buf_printf(b, ",\"enrolled_at\":%lld", (long long)c->enrolled_at);
	else
		buf_puts(b, ",\"enrolled_at\":null");
	if (c->started_at)
		buf_printf(b, ",\"started_at\":%lld", (long long)c->started_at);
	else
		buf_puts(b, ",\"started_at\":null");
	if (c->completed_at)
		buf_printf(b, ",\"completed_at\":%lld", (long long)c->completed_at);
	else
		buf_puts(b, ",\"completed_at\":null");
	buf_puts(b, ",\"certificate_serial\":");
	buf_json_str(b, c->cert_serial);
	buf_puts(b, ",\"url\":\"");
	h_learn_href(b, c->course_id, NULL, NULL);
	buf_puts(b, "\"}");
}

static int h_courses(struct req *r)
{
	struct learn_course *v;
	size_t n = learn_catalogue(r->db, &r->arena, r->user->id, r->lang, req_query(r, "q"), &v);
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"courses\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, ',');
		course_json(&b, &v[i]);
	}
	buf_puts(&b, "]}");
	return send_json(r, 200, &b);
}

static void item_json(struct buf *b, const char *course_id, const struct learn_item *it, bool with_done)
{
	buf_printf(b, "{\"position\":%d,\"type\":", it->position);
	buf_json_str(b, it->type);
	buf_puts(b, ",\"path\":");
	buf_json_str(b, it->path);
	buf_puts(b, ",\"title\":");
	buf_json_str(b, it->title);
	buf_puts(b, ",\"quiz_kind\":");
	buf_json_str(b, *it->quiz_kind ? it->quiz_kind : NULL);
	if (with_done)
		buf_printf(b, ",\"done\":%s", it->done ? "true" : "false");
	buf_puts(b, ",\"url\":\"");
	h_learn_href(b, course_id, it->type, it->path);
	buf_puts(b, "\"}");
}

static int h_course(struct req *r)
{
	struct learn_course c;
	if (learn_course_get(r->db, &r->arena, r->user->id, r->param[0], r->lang, &c) < 0)
		return resp_error(r, 404, "no such course");
	struct learn_item *items;
	size_t n = learn_outline(r->db, &r->arena, r->user->id, c.course_id, c.package_id, &items);
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"course\":");
	course_json(&b, &c);
	buf_puts(&b, ",\"outline\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, ',');
		item_json(&b, c.course_id, &items[i], true);
	}
	buf_puts(&b, "]}");
	return send_json(r, 200, &b);
}

static int h_enrol(struct req *r)
{
	struct err e;
	bool created;
	int got = learn_enrol(r->db, r->user->id, r->param[0], "self", &created, &e);
	if (got == ERR_NOTFOUND)
		return resp_error(r, http_status_of(got), "no such course");
	if (got < 0) {
		r->cause = arena_printf(&r->arena, "enrolment in %s not saved: %s", r->param[0], e.msg);
		return resp_error(r, 503, "the enrolment could not be saved; try again in a moment");
	}
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"course_id\":");
	buf_json_str(&b, r->param[0]);
	buf_printf(&b, ",\"enrolled\":true,\"created\":%s}", created ? "true" : "false");
	return send_json(r, created ? 201 : 200, &b);
}

static int h_assign(struct req *r)
{
	int status;
	struct json_obj *body = body_object(r, "{\"org\": CODE, \"users\": [NAME, ...], \"due\": YYYY-MM-DD}", &status);
	if (!body)
		return status;
	/* users: an array of names (joined by new lines) or one string. */
	struct buf names = BUF_INIT;
	const char *one = json_get_str(body, "users");
	const char **list;
	size_t n;
	struct err e;
	if (one) {
		buf_puts(&names, one);
	} else if (json_get_strings(body, "users", &r->arena, &list, &n, &e) < 0) {
		json_body_free(body);
		return resp_error(r, 400, e.msg);
	} else {
		for (size_t i = 0; i < n; i++)
			buf_printf(&names, "%s\n", list[i]);
	}
	const char *org = json_get_str(body, "org"), *due = json_get_str(body, "due");
	org = org ? arena_strdup(&r->arena, org) : NULL;
	due = due ? arena_strdup(&r->arena, due) : NULL;
	json_body_free(body);
	struct learn_course c;
	if (learn_course_get(r->db, &r->arena, r->user->id, r->param[0], r->lang, &c) < 0) {
		buf_release(&names);
		return resp_error(r, 404, "no such course");
	}
	struct buf done = BUF_INIT, problems = BUF_INIT;
	/* The report and its problems in the language of API errors (resp_error_lang()). */
	r->lang = resp_error_lang(r);
	status = h_learn_assign(r, c.course_id, org, buf_str(&names), due, &done, &problems);
	buf_release(&names);
	if (!done.len && !problems.len) {
		buf_release(&done);
		return resp_error(r, 400, "give \"org\" or \"users\"");
	}
	struct buf b = BUF_INIT;
	if (status != 200) {
		buf_puts(&b, "{\"error\":");
		buf_json_str(&b, buf_str(&problems));
		buf_puts(&b, ",\"done\":");
	} else {
		buf_puts(&b, "{\"done\":");
	}
	buf_json_str(&b, buf_str(&done));
	buf_puts(&b, "}");
	buf_release(&done);
	buf_release(&problems);
	return send_json(r, status, &b);
}

static void neighbour_json(struct buf *b, const char *name, const char *course_id, const struct learn_item *it)
{
	buf_printf(b, ",\"%s\":", name);
	if (!it)
		buf_puts(b, "null");
	else
		item_json(b, course_id, it, false);
}

static int h_lesson(struct req *r)
{
	struct learn_lesson l;
	char etag[33];
	int rc = h_learn_open_lesson(r, &l, etag);
	if (rc == ERR_CONFLICT)
		return resp_error(r, 404, "that item is a quiz: start an attempt instead");
	if (rc < 0) /* a read that failed becomes a 503 (db_step_row()) */
		return resp_error(r, 404, "no such lesson");
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"course_id\":");
	buf_json_str(&b, l.course_id);
	buf_puts(&b, ",\"course_title\":");
	buf_json_str(&b, l.course_title);
	buf_puts(&b, ",\"language\":");
	buf_json_str(&b, l.language);
	buf_puts(&b, ",\"path\":");
	buf_json_str(&b, l.path);
	buf_puts(&b, ",\"title\":");
	buf_json_str(&b, l.title);
	buf_printf(&b, ",\"position\":%d,\"count\":%d,\"progress_saved\":%s,\"html\":", l.position, l.count,
		   l.unsaved ? "false" : "true");
	buf_json_str(&b, l.html);
	neighbour_json(&b, "prev", l.course_id, l.prev);
	neighbour_json(&b, "next", l.course_id, l.next);
	buf_puts(&b, "}");
	return send_json(r, 200, &b);
}

static int h_progress(struct req *r)
{
	struct learn_course *v;
	size_t n = learn_my_courses(r->db, &r->arena, r->user->id, r->lang, &v);
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"courses\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, ',');
		course_json(&b, &v[i]);
		/* course_json() closed the object: the face-to-face part goes inside it. */
		b.len--;
		h_f2f_progress_json(r, &b, v[i].course_id);
		buf_putc(&b, '}');
	}
	buf_puts(&b, "]}");
	return send_json(r, 200, &b);
}

/* ,"links":{...}: the API's downloads of a certificate (badges only while it is valid) and its verify page. */
static void cert_links_json(struct buf *b, const char *serial, const char *code, bool valid)
{
	static const char *const names[] = {"self", "pdf", "png", "badge_json", "badge_jwt"};
	static const char *const tails[] = {"", ".pdf", ".png", "/badge.json", "/badge.jwt"};
	buf_puts(b, ",\"links\":{");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		buf_printf(b, "%s\"%s\":", i ? "," : "", names[i]);
		if (i >= 3 && !valid) {
			buf_puts(b, "null");
			continue;
		}
		buf_puts(b, "\"/api/v1/certificates/");
		buf_url(b, serial);
		buf_printf(b, "%s\"", tails[i]);
	}
	buf_puts(b, ",\"verify\":\"/verify/");
	buf_url(b, code);
	buf_puts(b, "\"}");
}

/* The learner's certificates as JSON, object by object. */
struct cert_json {
	struct buf *b;
	bool first;
};

static int cert_row_json(void *ctx, const struct cert_row *c)
{
	struct cert_json *j = ctx;
	struct buf *b = j->b;
	buf_puts(b, j->first ? "{\"serial\":" : ",{\"serial\":");
	j->first = false;
	buf_json_str(b, c->serial);
	buf_puts(b, ",\"code\":");
	buf_json_str(b, c->code);
	buf_puts(b, ",\"course_id\":");
	buf_json_str(b, c->course_id);
	buf_puts(b, ",\"language\":");
	buf_json_str(b, c->language);
	buf_puts(b, ",\"course_title\":");
	buf_json_str(b, c->course_title);
	buf_puts(b, ",\"completed_on\":");
	buf_json_str(b, c->completed_on);
	if (!c->has_score)
		buf_puts(b, ",\"score\":null");
	else
		buf_printf(b, ",\"score\":%.1f", c->score);
	buf_printf(b, ",\"issued_at\":%lld,\"valid\":%s,\"url\":\"/certificates/", (long long)c->issued_at,
		   c->status == CERT_VALID ? "true" : "false");
	buf_url(b, c->serial);
	buf_puts(b, ".pdf\"");
	cert_links_json(b, c->serial, c->code, c->status == CERT_VALID);
	buf_putc(b, '}');
	return 0;
}

static int h_certificates(struct req *r)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"certificates\":[");
	struct cert_json j = {&b, true};
	struct err e;
	/* A read that ends on an error is remembered by db_step_row(): the answer becomes a 503. */
	cert_list_user(r->db, r->user->id, cert_row_json, &j, &e);
	buf_puts(&b, "]}");
	return send_json(r, 200, &b);
}

/* GET /api/v1/certificates/SERIAL (the certificate and its links), SERIAL.pdf and SERIAL.png. */
static int h_certificate(struct req *r)
{
	const char *f = r->param[0];
	if (str_ends(f, ".pdf") || str_ends(f, ".png"))
		return h_certs_download(r, arena_strndup(&r->arena, f, strlen(f) - 4),
					str_ends(f, ".png") ? CERT_DL_PNG : CERT_DL_PDF);
	struct cert c;
	int rc;
	if (!h_certs_load_visible(r, f, &c, &rc))
		return rc;
	const char *status = c.revoked_at ? "revoked" : c.superseded_by ? "superseded" : "valid";
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"serial\":");
	buf_json_str(&b, c.serial);
	buf_puts(&b, ",\"code\":");
	buf_json_str(&b, c.code);
	buf_puts(&b, ",\"course_id\":");
	buf_json_str(&b, c.course_id);
	buf_puts(&b, ",\"language\":");
	buf_json_str(&b, c.language);
	buf_puts(&b, ",\"course_title\":");
	buf_json_str(&b, c.course_title);
	buf_puts(&b, ",\"name\":");
	buf_json_str(&b, c.name);
	buf_puts(&b, ",\"name_km\":");
	buf_json_str(&b, c.name_km);
	buf_puts(&b, ",\"completed_on\":");
	buf_json_str(&b, c.completed_on);
	if (!c.has_score)
		buf_puts(&b, ",\"score\":null");
	else
		buf_printf(&b, ",\"score\":%.1f", c.score);
	buf_printf(&b, ",\"issued_at\":%lld,\"valid\":%s,\"status\":\"%s\"", (long long)c.issued_at,
		   strcmp(status, "valid") == 0 ? "true" : "false", status);
	if (c.revoked_at) {
		buf_printf(&b, ",\"revoked_at\":%lld,\"revoked_reason\":", (long long)c.revoked_at);
		buf_json_str(&b, c.revoked_reason);
	} else {
		buf_puts(&b, ",\"revoked_at\":null,\"revoked_reason\":null");
	}
	cert_links_json(&b, c.serial, c.code, strcmp(status, "valid") == 0);
	buf_putc(&b, '}');
	cert_release(&c);
	return send_json(r, 200, &b);
}

static int h_certificate_badge_json(struct req *r)
{
	return h_certs_download(r, r->param[0], CERT_DL_BADGE_JSON);
}

static int h_certificate_badge_jwt(struct req *r)
{
	return h_certs_download(r, r->param[0], CERT_DL_BADGE_JWT);
}

/* Quiz attempts, through the assessment module. */

/* Answers come as {"answers": {"q0": "2", "q1_0": "1", ...}}: ctx is the "answers" object. */
struct answers {
	struct req *r;
	const struct json_obj *answers;
};

static const char *answer_get(void *ctx, const char *key)
{
	struct answers *an = ctx;
	return json_get_scalar(an->answers, key, &an->r->arena);
}

static int attempt_reply(struct req *r, int status, const struct attempt *a)
{
	struct buf b = BUF_INIT;
	if (a->submitted_at)
		attempt_result_json(&b, a);
	else
		attempt_write_json(&b, a, now_s());
	return send_json(r, status, &b);
}

static int h_attempt_start(struct req *r)
{
	/* The route's star takes "PATH/attempts". */
	const char *rest = r->param[1];
	size_t n = strlen(rest);
	if (n <= strlen("/attempts") || !str_ends(rest, "/attempts"))
		return resp_error(r, 404, "no such quiz");
	char *path = arena_strndup(&r->arena, rest, n - strlen("/attempts"));
	struct err e = {""};
	int64_t aid;
	int rc = attempt_start(r->db, r->user->id, r->param[0], path, r->lang, &aid, &e);
	if (rc < 0)
		return resp_error(r, http_status_of(rc), e.msg);
	struct attempt a;
	rc = attempt_load(r->db, aid, r->user->id, &a, &e);
	if (rc < 0)
		return resp_error(r, http_status_of(rc), e.msg);
	rc = attempt_reply(r, 200, &a);
	attempt_release(&a);
	return rc;
}

static int load_own(struct req *r, struct attempt *a)
{
	struct err e = {""};
	int64_t aid = req_int(r->param[0], 1, INT64_MAX, 0);
	int rc = aid ? attempt_load(r->db, aid, r->user->id, a, &e) : ATTEMPT_ENOTFOUND;
	if (rc < 0)
		return resp_error(r, http_status_of(rc), rc == ATTEMPT_ENOTFOUND ? "no such attempt" : e.msg);
	return 0;
}

static int h_attempt_get(struct req *r)
{
	struct attempt a;
	int rc = load_own(r, &a);
	if (rc)
		return rc;
	rc = attempt_reply(r, 200, &a);
	attempt_release(&a);
	return rc;
}

static int h_attempt_save(struct req *r)
{
	int rc;
	struct json_obj *body = body_object(r, "{\"answers\": {...}}", &rc);
	if (!body)
		return rc;
	struct attempt a;
	rc = load_own(r, &a);
	if (rc) {
		json_body_free(body);
		return rc;
	}
	struct err e = {""};
	struct answers an = {r, json_get_obj(body, "answers")};
	rc = attempt_save(r->db, &a, answer_get, &an, &e);
	rc = rc < 0 ? resp_error(r, http_status_of(rc), e.msg) : attempt_reply(r, 200, &a);
	attempt_release(&a);
	json_body_free(body);
	return rc;
}

static int h_attempt_submit(struct req *r)
{
	/* No body (or an empty one) submits the saved answers; a body must be a JSON object. */
	struct json_obj *body = NULL;
	int rc;
	if (r->body_len && !(body = body_object(r, "{\"answers\": {...}}", &rc)))
		return rc;
	struct attempt a;
	rc = load_own(r, &a);
	if (rc) {
		json_body_free(body);
		return rc;
	}
	struct err e = {""};
	struct answers an = {r, json_get_obj(body, "answers")};
	rc = attempt_submit(r->db, &a, an.answers ? answer_get : NULL, &an, &e);
	rc = rc < 0 ? resp_error(r, http_status_of(rc), e.msg) : attempt_reply(r, 200, &a);
	attempt_release(&a);
	json_body_free(body);
	return rc;
}

#define ASSIGNERS (ROLE_TRAINER | ROLE_MANAGER | ROLE_ADMIN)

const struct route api_routes[] = {
    {"POST", "/api/v1/login", 0, h_login, 16384},
    {"POST", "/api/v1/logout", ROLE_ANY, h_logout, 0},
    {"GET", "/api/v1/me", ROLE_ANY, h_me, 0},
    {"POST", "/api/v1/me/password", ROLE_ANY, h_me_password, 0},
    {"GET", "/api/v1/courses", ROLE_ANY, h_courses, 0},
    {"GET", "/api/v1/courses/:id", ROLE_ANY, h_course, 0},
    {"POST", "/api/v1/courses/:id/enrol", ROLE_ANY, h_enrol, 0},
    {"POST", "/api/v1/courses/:id/assign", ASSIGNERS, h_assign, 0},
    {"GET", "/api/v1/courses/:id/lessons/*", ROLE_ANY, h_lesson, 0},
    {"POST", "/api/v1/courses/:id/quiz/*", ROLE_ANY, h_attempt_start, 0},
    {"GET", "/api/v1/attempts/:aid", ROLE_ANY, h_attempt_get, 0},
    {"PUT", "/api/v1/attempts/:aid/answers", ROLE_ANY, h_attempt_save, 65536},
    {"POST", "/api/v1/attempts/:aid/answers", ROLE_ANY, h_attempt_save, 65536},
    {"POST", "/api/v1/attempts/:aid/submit", ROLE_ANY, h_attempt_submit, 65536},
    {"GET", "/api/v1/progress", ROLE_ANY, h_progress, 0},
    {"GET", "/api/v1/certificates", ROLE_ANY, h_certificates, 0},
    {"GET", "/api/v1/certificates/:serial/badge.json", ROLE_ANY, h_certificate_badge_json, 0},
    {"GET", "/api/v1/certificates/:serial/badge.jwt", ROLE_ANY, h_certificate_badge_jwt, 0},
    {"GET", "/api/v1/certificates/:file", ROLE_ANY, h_certificate, 0},
    {NULL, NULL, 0, NULL, 0},
};
