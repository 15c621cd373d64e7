/*
 * Every logged-in user's own account: /profile (phone, email, preferred
 * language) and /profile/password (change the password). A user who must
 * change their password is kept on /profile/password by server.c until they do.
 */
#include <stdio.h>
#include <string.h>

#include "accounts/users.h"
#include "lib/i18n.h"
#include "server/server.h"
#include "server/views.h"

static void password_form(struct req *r, struct buf *b, const struct form_errs *fe)
{
	form_errs_summary(r, b, fe);
	form_begin(r, b, "/profile/password");
	/* After an activation code there is no current password to confirm. */
	if (r->user->has_password)
		field_input_e(b, fe, "current", T(r, "Current password"), "password", NULL, true, "current-password");
	field_input_e(b, fe, "new", T(r, "New password (at least 10 characters)"), "password", NULL, true,
		      "new-password");
	field_input_e(b, fe, "repeat", T(r, "New password again"), "password", NULL, true, "new-password");
	form_submit(b, T(r, "Change password"));
}

/* The password page; error (translated) is shown on field (or on "new" when field is NULL). */
static int password_page(struct req *r, int status, const char *error, const char *field)
{
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Change password"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Change password"));
	if (r->user->must_change)
		notice(&b, "info",
		       T(r, "Choose a new password before you go on. It will replace the one you were given."));
	struct form_errs fe = {0};
	if (error)
		form_errs_add(&fe, field && (strcmp(field, "current") != 0 || r->user->has_password) ? field : "new",
			      error);
	buf_printf(&b, "<p>%s</p>",
		   T(r, "Use at least 10 characters. A few words with digits or signs between them are easy to "
			"remember and hard to guess. Your other sessions end when you change it."));
	password_form(r, &b, error ? &fe : NULL);
	page_end(r, &b);
	return page_send(r, status, &b);
}

static int h_password_get(struct req *r)
{
	return password_page(r, 200, NULL, NULL);
}

static int h_password_post(struct req *r)
{
	const char *pw = req_form(r, "new"), *again = req_form(r, "repeat");
	if (!pw || !again || strcmp(pw, again) != 0)
		return password_page(r, 422, T(r, "The two new passwords are not the same."), "repeat");
	struct err e;
	if (user_change_password(r->db, r->user->id, req_form(r, "current"), pw, r->token, &e) < 0)
		return password_page(r, 422, T(r, e.msg), strstr(e.msg, "current password") ? "current" : "new");
	return resp_redirect(r, "/profile?password=1");
}

static void profile_form(struct req *r, struct buf *b, const char *phone, const char *email, const char *lang,
			 const struct form_errs *fe)
{
	form_errs_summary(r, b, fe);
	form_begin(r, b, "/profile");
	field_input_e(b, fe, "phone", T(r, "Phone"), "tel", phone, false, "tel");
	field_input_e(b, fe, "email", T(r, "Email"), "email", email, false, "email");
	/* Language names in the page's language ("អង់គ្លេស" on a Khmer page). */
	const char *langs[] = {"km", T(r, "Khmer"), "en", T(r, "English"), NULL};
	field_select_e(b, fe, "lang", T(r, "Preferred language"), lang, langs);
	form_submit(b, T(r, "Save"));
}

/* The profile page: message is a notice when ok, else the domain's error, shown on its field. */
static int profile_page(struct req *r, int status, const char *message, bool ok)
{
	const struct user *u = r->user;
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "My profile"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "My profile"));
	if (message && ok)
		notice(&b, "ok", message);
	struct form_errs fe = {0};
	static const char *const fields[] = {"phone", "email", "lang", NULL};
	if (message && !ok)
		form_errs_from_domain(r, &fe, message, fields);
	buf_printf(&b, "<dl><dt>%s</dt><dd>", T(r, "Username"));
	buf_html(&b, u->username);
	buf_printf(&b, "</dd><dt>%s</dt><dd>", T(r, "Name"));
	buf_html(&b, name_for(r, u->full_name, u->full_name_km));
	buf_printf(&b, "</dd><dt>%s</dt><dd>", T(r, "Org unit"));
	buf_html(&b, u->org_code);
	buf_puts(&b, " ");
	buf_html(&b, name_for(r, u->org_name, u->org_name_km));
	buf_printf(&b, "</dd></dl><p class=\"meta\">%s</p>",
		   T(r, "An administrator can correct your name or org unit."));
	profile_form(r, &b, ok ? u->phone : req_form(r, "phone"), ok ? u->email : req_form(r, "email"),
		     ok ? u->lang : req_form(r, "lang"), ok ? NULL : &fe);
	buf_printf(&b, "<h2>%s</h2>", T(r, "Password"));
	password_form(r, &b, NULL);
	page_end(r, &b);
	return page_send(r, status, &b);
}

static int h_profile(struct req *r)
{
	const char *msg = req_query(r, "password") ? T(r, "Your password was changed. Your other sessions have ended.")
			  : req_query(r, "saved")  ? T(r, "Saved.")
						   : NULL;
	return profile_page(r, 200, msg, true);
}

static int h_profile_save(struct req *r)
{
	const char *lang = req_form(r, "lang");
	struct err e;
	if (user_update_contact(r->db, r->user->id, req_form(r, "phone"), req_form(r, "email"),
				lang && *lang ? lang : NULL, &e) < 0)
		return profile_page(r, 422, e.msg, false);
	if (lang && i18n_known(lang))
		resp_cookie(r, "sala_lang", lang, 365L * 86400);
	return resp_redirect(r, "/profile?saved=1");
}

const struct route profile_routes[] = {
    {"GET", "/profile", ROLE_ANY, h_profile, 0},
    {"POST", "/profile", ROLE_ANY, h_profile_save, 0},
    {"GET", "/profile/password", ROLE_ANY, h_password_get, 0},
    {"POST", "/profile/password", ROLE_ANY, h_password_post, 0},
    {NULL, NULL, 0, NULL, 0},
};
