/* Start page, log in, log out, language switch. */
#include <stdio.h>
#include <string.h>

#include "lib/i18n.h"
#include "lib/util.h"
#include "server/server.h"
#include "server/views.h"

/* Where to go after logging in: only local paths. */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return "/";
	return next;
}

static void login_form(struct req *r, struct buf *b, const char *username, const char *error)
{
	page_begin(r, b, T(r, "Log in"));
	buf_printf(b, "<h1>%s</h1>", T(r, "Log in"));
	/* A refused login is said on the password field (which gets the focus), never which of the two was wrong. */
	struct form_errs fe = {0};
	if (error)
		form_errs_add(&fe, "password", error);
	form_errs_summary(r, b, &fe);
	form_begin(r, b, "/login");
	buf_puts(b, "<input type=\"hidden\" name=\"next\" value=\"");
	buf_html(b, safe_next(req_query(r, "next") ? req_query(r, "next") : req_form(r, "next")));
	buf_puts(b, "\">");
	field_input(b, "username", T(r, "Username"), "text", username, true, "username");
	field_input_e(b, &fe, "password", T(r, "Password or activation code"), "password", NULL, true,
		      "current-password");
	form_submit(b, T(r, "Log in"));
	page_end(r, b);
}

static int h_login_get(struct req *r)
{
	if (r->user)
		return resp_redirect(r, "/");
	struct buf b = BUF_INIT;
	login_form(r, &b, NULL, NULL);
	return page_send(r, 200, &b);
}

/* "Too many failed attempts..." with the wait in words: seconds under a minute, else whole minutes rounded up. */
static const char *throttled_message(struct req *r, int64_t wait_s)
{
	char wait[64];
	if (wait_s < 60)
		snprintf(wait, sizeof wait, T(r, wait_s == 1 ? "%d second" : "%d seconds"),
			 (int)(wait_s > 0 ? wait_s : 1));
	else {
		int min = (int)((wait_s + 59) / 60);
		snprintf(wait, sizeof wait, T(r, min == 1 ? "%d minute" : "%d minutes"), min);
	}
	return arena_printf(&r->arena, T(r, "Too many failed attempts. Please wait %s and try again."), wait);
}

static int h_login_post(struct req *r)
{
	const char *u = req_form(r, "username"), *p = req_form(r, "password");
	int64_t id, wait = 0;
	char code[ACTIVATION_CODE_LEN + 1];
	enum login_result res =
	    login_attempt(r->db, u ? u : "", user_login_password(r->db, u, p ? p : "", code), r->remote, &id, &wait);
	if (res == LOGIN_ERROR) {
		r->cause = arena_printf(&r->arena, "cannot record the login attempt: %s", login_error_reason());
		return resp_error(
		    r, 503,
		    T(r, "The server is busy, or its database is not available. Please try again in a moment."));
	}
	struct err e;
	if (res == LOGIN_OK && user_login_finish(r->db, id, &e) < 0) {
		struct buf b = BUF_INIT;
		login_form(r, &b, u, T(r, e.msg));
		return page_send(r, 401, &b);
	}
	if (res == LOGIN_OK && req_login(r, id) < 0) /* the password was right: not the user's fault */
		return resp_error(r, 500, T(r, "Your session could not be started. Please try again later."));
	if (res != LOGIN_OK) {
		struct buf b = BUF_INIT;
		/* One message whatever was wrong, so it does not reveal which accounts exist. */
		login_form(r, &b, u,
			   res == LOGIN_THROTTLED ? throttled_message(r, wait)
						  : T(r, "The username or password is not correct."));
		if (res == LOGIN_THROTTLED)
			resp_retry_after(r, wait);
		return page_send(r, res == LOGIN_THROTTLED ? 429 : 401, &b);
	}
	/* A new or reset password must be changed before anything else (server.c keeps the user there). */
	if (user_must_change(r->db, id))
		return resp_redirect(r, "/profile/password");
	return resp_redirect(r, safe_next(req_form(r, "next")));
}

static int h_logout(struct req *r)
{
	req_logout(r);
	return resp_redirect(r, "/login");
}

static int h_lang(struct req *r)
{
	const char *lang = req_form(r, "lang");
	if (!i18n_known(lang))
		return resp_error(r, 400, T(r, "Unknown language."));
	/* This device only: the stored language (profile) stays the default for new devices, emails and certificates.
	 */
	resp_cookie(r, "sala_lang", lang, 365L * 86400);
	return resp_redirect(r, safe_next(req_form(r, "next")));
}

static int h_home(struct req *r)
{
	if (!r->user)
		return resp_redirect(r, "/login");
	/* A manager's home is their dashboard and a trainer's the courses they manage, also when they learn too. */
	if (r->user->roles & ROLE_MANAGER)
		return resp_redirect(r, "/reports");
	if (r->user->roles & ROLE_TRAINER)
		return resp_redirect(r, "/manage/courses");
	if (r->user->roles & ROLE_LEARNER)
		return resp_redirect(r, "/my");
	return resp_redirect(r, "/admin/users");
}

const struct route auth_routes[] = {
    {"GET", "/", 0, h_home, 0},
    {"GET", "/login", 0, h_login_get, 0},
    {"POST", "/login", 0, h_login_post, 0},
    {"POST", "/logout", ROLE_ANY, h_logout, 0},
    {"POST", "/lang", 0, h_lang, 0},
    {NULL, NULL, 0, NULL, 0},
};
