/* Admin pages: users and org units. */
#include <stdio.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/sheet.h"
#include "accounts/users.h"
#include "certificates/cert.h"
#include "courses/import.h"
#include "lib/db.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "server/multipart.h"
#include "server/server.h"
#include "server/views.h"

static void sex_select(struct req *r, struct buf *b, const char *selected, const struct form_errs *fe)
{
	const char *opts[] = {"female",	     T(r, "Female"),	  "male", T(r, "Male"), "other", T(r, "Other"),
			      "unspecified", T(r, "Unspecified"), NULL};
	field_select_e(b, fe, "sex", T(r, "Sex"), selected, opts);
}

/* The fields of the user forms, as the domain's messages name them. */
static const char *const user_fields[] = {"username", "full_name", "full_name_km", "sex",      "org_code",
					  "position", "email",	   "phone",	   "password", NULL};

static void role_boxes(struct req *r, struct buf *b, unsigned mask)
{
	static const struct {
		const char *name, *label;
		unsigned bit;
	} roles[] = {{"learner", "Learner", ROLE_LEARNER},
		     {"trainer", "Trainer", ROLE_TRAINER},
		     {"manager", "Manager", ROLE_MANAGER},
		     {"admin", "Administrator", ROLE_ADMIN}};
	buf_printf(b, "<fieldset><legend>%s</legend>", T(r, "Roles"));
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		buf_printf(b, "<label><input type=\"checkbox\" name=\"role_%s\" value=\"1\"%s> %s</label>",
			   roles[i].name, mask & roles[i].bit ? " checked" : "", T(r, roles[i].label));
	buf_puts(b, "</fieldset>");
}

static const char *roles_from_form(struct req *r)
{
	static const char *const names[] = {"learner", "trainer", "manager", "admin"};
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < 4; i++) {
		char key[32];
		snprintf(key, sizeof key, "role_%s", names[i]);
		if (req_form(r, key))
			buf_printf(&b, "%s%s", b.len ? ";" : "", names[i]);
	}
	const char *s = arena_strdup(&r->arena, buf_str(&b));
	buf_release(&b);
	return s;
}

/* The add (u NULL) or edit form; after a refused save (fe), what was typed and each field's error. */
static void user_form(struct req *r, struct buf *b, const struct user *u, const char *action,
		      const struct form_errs *fe)
{
	form_errs_summary(r, b, fe);
	form_begin(r, b, action);
	bool adding = !u;
	unsigned typed_roles =
	    (req_form(r, "role_learner") ? ROLE_LEARNER : 0) | (req_form(r, "role_trainer") ? ROLE_TRAINER : 0) |
	    (req_form(r, "role_manager") ? ROLE_MANAGER : 0) | (req_form(r, "role_admin") ? ROLE_ADMIN : 0);
	if (fe)
		u = NULL; /* show what was typed */
	if (adding)
		field_input_e(b, fe, "username", T(r, "Username"), "text", req_form(r, "username"), true, "off");
	field_input_e(b, fe, "full_name", T(r, "Full name (Latin script)"), "text",
		      u ? u->full_name : req_form(r, "full_name"), true, "off");
	field_input_e(b, fe, "full_name_km", T(r, "Full name (Khmer)"), "text",
		      u ? u->full_name_km : req_form(r, "full_name_km"), false, "off");
	sex_select(r, b, u ? u->sex : req_form(r, "sex"), fe);
	field_input_e(b, fe, "org_code", T(r, "Org unit code"), "text", u ? u->org_code : req_form(r, "org_code"), true,
		      "off");
	field_input_e(b, fe, "position", T(r, "Position"), "text", u ? u->position : req_form(r, "position"), false,
		      "off");
	field_input_e(b, fe, "email", T(r, "Email"), "email", u ? u->email : req_form(r, "email"), false, "off");
	field_input_e(b, fe, "phone", T(r, "Phone"), "tel", u ? u->phone : req_form(r, "phone"), false, "off");
	if (adding)
		field_input_e(b, fe, "password", T(r, "Password (at least 10 characters)"), "password", NULL, true,
			      "new-password");
	role_boxes(r, b, u ? u->roles : fe ? typed_roles : ROLE_LEARNER);
	form_submit(b, adding ? T(r, "Add user") : T(r, "Save"));
}

/* "user:NAME" for the audit trail ("user:#ID" when the account cannot be read). */
static const char *user_target(struct req *r, int64_t id)
{
	struct user u;
	if (user_get(r->db, id, &u) < 0)
		return arena_printf(&r->arena, "user:#%lld", (long long)id);
	const char *t = arena_printf(&r->arena, "user:%s", u.username);
	user_release(&u);
	return t;
}

/* A listing page being written row by row by a domain walk. */
struct row_page {
	struct req *r;
	struct buf *b;
	bool first;
};

static int user_row_html(void *ctx, const struct user_row *u)
{
	struct row_page *rp = ctx;
	struct req *r = rp->r;
	struct buf *b = rp->b;
	buf_printf(b, "<tr><td><a href=\"/admin/users/%lld\">", (long long)u->id);
	buf_html(b, u->username);
	buf_puts(b, "</a></td><td>");
	buf_html(b, name_for(r, u->full_name, u->full_name_km));
	buf_puts(b, "</td><td>");
	buf_html(b, T(r, u->sex));
	buf_puts(b, "</td><td>");
	buf_html(b, u->org_code);
	buf_puts(b, " ");
	buf_html(b, name_for(r, u->org_name, u->org_name_km));
	buf_puts(b, "</td><td>");
	/* The role names in the page's language. */
	static const char *const role_names[][2] = {
	    {"learner", "Learner"}, {"trainer", "Trainer"}, {"manager", "Manager"}, {"admin", "Administrator"}};
	bool any = false;
	for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
		size_t n = strlen(role_names[i][0]);
		for (const char *p = strstr(u->roles, role_names[i][0]); p; p = strstr(p + 1, role_names[i][0]))
			if ((p == u->roles || p[-1] == ';' || p[-1] == ',' || p[-1] == ' ') &&
			    (p[n] == 0 || p[n] == ';' || p[n] == ',')) {
				buf_printf(b, "%s%s", any ? ", " : "", T(r, role_names[i][1]));
				any = true;
				break;
			}
	}
	buf_puts(b, "</td><td>");
	buf_html(b, u->active ? T(r, "Active") : T(r, "Disabled"));
	buf_puts(b, "</td></tr>");
	return 0;
}

static int org_row_html(void *ctx, const struct org_row *o)
{
	struct row_page *rp = ctx;
	struct req *r = rp->r;
	struct buf *b = rp->b;
	buf_puts(b, "<tr><td>");
	if (rp->first && *o->parent_code) {
		buf_puts(b, "<a href=\"/admin/orgs?parent=");
		buf_url(b, o->parent_code);
		buf_printf(b, "\">%s</a> · ", T(r, "Up"));
	}
	if (!rp->first) {
		buf_puts(b, "<a href=\"/admin/orgs?parent=");
		buf_url(b, o->code);
		buf_puts(b, "\">");
	}
	buf_html(b, o->code);
	buf_puts(b, rp->first ? "" : "</a>");
	buf_puts(b, "</td><td lang=\"en\">");
	buf_html(b, o->name_en);
	buf_puts(b, "</td><td lang=\"km\">");
	buf_html(b, o->name_km);
	buf_puts(b, "</td><td>");
	buf_html(b, T(r, o->level));
	buf_printf(b, "</td><td class=\"num\">%d</td></tr>", o->children);
	rp->first = false;
	return 0;
}

/* Users listed per page. */
#define USERS_PAGE 100

static int h_users(struct req *r)
{
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Users"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Users"));
	if (req_query(r, "added"))
		notice(&b, "ok", T(r, "The user was added."));
	if (req_query(r, "deleted"))
		notice(&b, "ok", T(r, "The account was deleted: its personal data is erased."));
	buf_printf(&b,
		   "<p><a class=\"button\" href=\"/admin/users/new\">%s</a> "
		   "<a class=\"button secondary\" href=\"/admin/users/import\">%s</a> "
		   "<a class=\"button secondary\" href=\"/admin/users/activation-sheet\">%s</a></p>",
		   T(r, "Add user"), T(r, "Import users from CSV"), T(r, "Print activation codes"));
	const char *q = req_query(r, "q");
	if (q && (strlen(q) > 200 || !utf8_valid(q, strlen(q))))
		q = NULL; /* not a search anyone typed: everyone is listed */
	int64_t pageno = req_int(req_query(r, "page"), 1, 10000000, 1);
	int64_t total = 0;
	struct err e;
	if (users_search_page(r->db, q, 0, 0, &total, user_row_html, NULL, &e) < 0) {
		buf_release(&b);
		r->cause = arena_strdup(&r->arena, e.msg);
		return resp_error(r, 503, T(r, "The users could not be read. Please try again."));
	}
	int64_t pages = total ? (total + USERS_PAGE - 1) / USERS_PAGE : 1;
	if (pageno > pages)
		pageno = pages;
	buf_puts(&b, "<form method=\"get\" action=\"/admin/users\" role=\"search\">");
	field_input(&b, "q", T(r, "Search by name, username or org code"), "search", q, false, "off");
	buf_printf(&b, "<button type=\"submit\">%s</button></form>", T(r, "Search"));
	char count[160];
	snprintf(count, sizeof count, T(r, "%lld users; page %lld of %lld."), (long long)total, (long long)pageno,
		 (long long)pages);
	buf_printf(&b, "<p id=\"users-count\" data-total=\"%lld\">", (long long)total);
	buf_html(&b, view_digits(r, count));
	buf_puts(&b, "</p>");
	buf_printf(&b,
		   "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" "
		   "aria-label=\"%s\"><table><caption>%s</caption><thead><tr><th scope=\"col\">%s</th>"
		   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th "
		   "scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
		   T(r, "Users"), T(r, "Users"), T(r, "Username"), T(r, "Name"), T(r, "Sex"), T(r, "Org unit"),
		   T(r, "Roles"), T(r, "Status"));
	struct row_page rp = {r, &b, true};
	/* A read that ends on an error is remembered by db_step_row(): the page becomes a 503. */
	users_search_page(r->db, q, USERS_PAGE, (pageno - 1) * USERS_PAGE, NULL, user_row_html, &rp, &e);
	buf_puts(&b, "</tbody></table></div>");
	if (total == 0)
		buf_printf(&b, "<p data-empty>%s</p>", T(r, "No users match this search."));
	if (pages > 1) {
		struct buf qs = BUF_INIT;
		buf_puts(&qs, "q=");
		buf_url(&qs, q ? q : "");
		buf_printf(&b, "<nav class=\"pager\" aria-label=\"%s\">", T(r, "Pages"));
		if (pageno > 1) {
			buf_puts(&b, "<a rel=\"prev\" href=\"/admin/users?");
			buf_html(&b, buf_str(&qs));
			buf_printf(&b, "&amp;page=%lld\">%s</a> ", (long long)pageno - 1, T(r, "Previous"));
		}
		if (pageno < pages) {
			buf_puts(&b, "<a rel=\"next\" href=\"/admin/users?");
			buf_html(&b, buf_str(&qs));
			buf_printf(&b, "&amp;page=%lld\">%s</a>", (long long)pageno + 1, T(r, "Next"));
		}
		buf_puts(&b, "</nav>");
		buf_release(&qs);
	}
	page_end(r, &b);
	return page_send(r, 200, &b);
}

static int h_user_new(struct req *r)
{
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Add user"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Add user"));
	user_form(r, &b, NULL, "/admin/users/new", NULL);
	page_end(r, &b);
	return page_send(r, 200, &b);
}

/* The user fields of the add and edit forms. */
static struct user_input user_from_form(struct req *r)
{
	struct user_input u = {
	    .username = req_form(r, "username"),
	    .full_name = req_form(r, "full_name"),
	    .full_name_km = req_form(r, "full_name_km"),
	    .sex = req_form(r, "sex"),
	    .org_code = req_form(r, "org_code"),
	    .position = req_form(r, "position"),
	    .email = req_form(r, "email"),
	    .phone = req_form(r, "phone"),
	    .password = req_form(r, "password"),
	    .roles = roles_from_form(r),
	};
	return u;
}

/* A refused user form being told its problems, one per field. */
struct form_problems {
	struct req *r;
	struct form_errs *fe;
};

static void form_problem(void *ctx, const char *msg)
{
	struct form_problems *p = ctx;
	form_errs_from_domain(p->r, p->fe, arena_strdup(&p->r->arena, msg), user_fields);
}

static int h_user_create(struct req *r)
{
	struct user_input u = user_from_form(r);
	struct err e = {""};
	struct form_errs fe = {0};
	struct form_problems fp = {r, &fe};
	/* Every field's problem at once, not only the first. */
	int problems = user_problems(r->db, &u, true, form_problem, &fp);
	/* The password checked above is hashed before the transaction, so the write lock is held briefly. */
	char hash[crypto_pwhash_STRBYTES];
	if (!problems && !u.activation && u.password && *u.password) {
		if (password_hash(u.password, hash, &e) < 0)
			return audit_unsaved(r, e.msg);
		u.password_hash = hash;
	}
	/* The account and its audit entry in one transaction: both are saved, or neither. */
	if (!problems && db_begin(r->db, &e) < 0)
		return audit_unsaved(r, e.msg);
	if (problems != 0 || user_add(r->db, &u, &e) < 0) {
		db_rollback(r->db);
		struct buf b = BUF_INIT;
		page_begin(r, &b, T(r, "Add user"));
		buf_printf(&b, "<h1>%s</h1>", T(r, "Add user"));
		if (!fe.n)
			form_errs_from_domain(r, &fe, e.msg, user_fields);
		user_form(r, &b, NULL, "/admin/users/new", &fe);
		page_end(r, &b);
		return page_send(r, 422, &b);
	}
	if (req_audit_commit(r, "user.create", arena_printf(&r->arena, "user:%s", u.username ? u.username : ""),
			     arena_printf(&r->arena, "roles=%s org=%s", u.roles, u.org_code ? u.org_code : "")) < 0)
		return audit_unsaved(r, NULL);
	return resp_redirect(r, "/admin/users?added=1");
}

/* One user's page; after a refused save, the form shows what was typed and fe's errors. */
static int user_edit_page(struct req *r, int status, const struct form_errs *fe)
{
	struct user u;
	if (user_get(r->db, req_int(r->param[0], 1, INT64_MAX, 0), &u) < 0)
		return resp_error(r, 404, T(r, "No such user."));
	struct buf b = BUF_INIT;
	page_begin(r, &b, u.username);
	buf_puts(&b, "<h1>");
	buf_html(&b, u.username);
	buf_puts(&b, "</h1>");
	if (req_query(r, "saved"))
		notice(&b, "ok", T(r, "Saved."));
	if (req_int(req_query(r, "reissued"), 1, 1000000, 0) > 0) {
		char msg[160];
		snprintf(msg, sizeof msg, T(r, "The name changed: %d certificate(s) were re-issued."),
			 (int)req_int(req_query(r, "reissued"), 1, 1000000, 0));
		notice(&b, "ok", view_digits(r, msg));
	}
	if (req_query(r, "password"))
		notice(&b, "ok", T(r, "The password was set and the user's sessions have ended."));
	if (u.deleted) {
		notice(&b, "info", T(r, "This account was deleted: its personal data is erased."));
		page_end(r, &b);
		user_release(&u);
		return page_send(r, 200, &b);
	}
	if (u.must_change)
		notice(&b, "info",
		       u.has_password ? T(r, "This user must change their password at the next login.")
				      : T(r, "This account waits for activation: the user has no password yet."));
	char action[64];
	snprintf(action, sizeof action, "/admin/users/%lld", (long long)u.id);
	user_form(r, &b, &u, action, fe);
	snprintf(action, sizeof action, "/admin/users/%lld/active", (long long)u.id);
	form_begin(r, &b, action);
	buf_printf(&b, "<input type=\"hidden\" name=\"active\" value=\"%d\">", u.active ? 0 : 1);
	form_submit(&b, u.active ? T(r, "Disable account") : T(r, "Enable account"));
	buf_printf(&b, "<h2>%s</h2>", T(r, "Set a new password"));
	snprintf(action, sizeof action, "/admin/users/%lld/password", (long long)u.id);
	form_begin(r, &b, action);
	field_input(&b, "password", T(r, "New password (at least 10 characters)"), "password", NULL, true,
		    "new-password");
	buf_printf(&b, "<label><input type=\"checkbox\" name=\"must_change\" value=\"1\" checked> %s</label>",
		   T(r, "The user must change it at the next login"));
	form_submit(&b, T(r, "Set password"));
	buf_printf(&b, "<h2>%s</h2><p>%s</p>", T(r, "Activation code"),
		   T(r, "A new one-time code replaces the password: the user logs in with it and chooses a password. "
			"It is valid for 14 days and shown only once."));
	snprintf(action, sizeof action, "/admin/users/%lld/activation", (long long)u.id);
	form_begin(r, &b, action);
	form_submit(&b, T(r, "Issue a new activation code"));
	buf_printf(&b, "<h2>%s</h2><p>%s</p>", T(r, "Delete account"),
		   T(r, "Erases the name, contact details, password and sessions. Reports keep the person's sex, org "
			"unit and results; issued certificates stay valid."));
	snprintf(action, sizeof action, "/admin/users/%lld/delete", (long long)u.id);
	form_begin(r, &b, action);
	buf_printf(&b, "<label><input type=\"checkbox\" name=\"confirm\" value=\"1\" required> %s</label>",
		   T(r, "Yes, erase this person's data"));
	form_submit(&b, T(r, "Delete account"));
	page_end(r, &b);
	user_release(&u);
	return page_send(r, status, &b);
}

static int h_user_edit(struct req *r)
{
	return user_edit_page(r, 200, NULL);
}

static int h_user_save(struct req *r)
{
	int64_t id = req_int(r->param[0], 1, INT64_MAX, 0);
	struct user_input u = user_from_form(r);
	struct err e;
	struct form_errs fe = {0};
	struct form_problems fp = {r, &fe};
	if (user_problems(r->db, &u, false, form_problem, &fp) > 0)
		return user_edit_page(r, 422, &fe);
	/* The edit, the re-issued certificates and the audit entry in one transaction. */
	if (db_begin(r->db, &e) < 0)
		return audit_unsaved(r, e.msg);
	if (user_update(r->db, id, &u, &e) < 0) {
		db_rollback(r->db);
		if (strstr(e.msg, "no such user"))
			return resp_error(r, 404, T(r, "No such user."));
		form_errs_from_domain(r, &fe, e.msg, user_fields);
		return user_edit_page(r, 422, &fe);
	}
	/* A name correction re-issues the learner's certificates under the new name. */
	int reissued = 0;
	if (cert_reissue_renamed(r->db, id, &reissued, &e) < 0) {
		db_rollback(r->db);
		return resp_error(r, 500, e.msg);
	}
	if (req_audit_commit(r, "user.update", user_target(r, id),
			     arena_printf(&r->arena, "roles=%s org=%s certificates_reissued=%d", u.roles,
					  u.org_code ? u.org_code : "", reissued)) < 0)
		return audit_unsaved(r, NULL);
	char to[96];
	snprintf(to, sizeof to, "/admin/users/%lld?saved=1&reissued=%d", (long long)id, reissued);
	return resp_redirect(r, to);
}

static int h_user_active(struct req *r)
{
	int64_t id = req_int(r->param[0], 1, INT64_MAX, 0);
	if (r->user->id == id)
		return resp_error(r, 400, T(r, "You cannot disable your own account."));
	struct err e;
	int64_t active = req_int(req_form(r, "active"), 0, 1, 1);
	if (db_begin(r->db, &e) < 0)
		return audit_unsaved(r, e.msg);
	if (user_set_active(r->db, id, active, &e) < 0) {
		db_rollback(r->db);
		return resp_error(r, strcmp(e.msg, "no such user") == 0 ? 404 : 409, T(r, e.msg));
	}
	if (req_audit_commit(r, active ? "user.enable" : "user.disable", user_target(r, id), NULL) < 0)
		return audit_unsaved(r, NULL);
	char to[64];
	snprintf(to, sizeof to, "/admin/users/%lld?saved=1", (long long)id);
	return resp_redirect(r, to);
}

static int h_user_password(struct req *r)
{
	int64_t id = req_int(r->param[0], 1, INT64_MAX, 0);
	struct err e;
	if (db_begin(r->db, &e) < 0)
		return audit_unsaved(r, e.msg);
	if (user_reset_password(r->db, id, req_form(r, "password") ? req_form(r, "password") : "",
				req_form(r, "must_change") != NULL, &e) < 0) {
		db_rollback(r->db);
		return resp_error(r, strcmp(e.msg, "no such user") == 0 ? 404 : 422, T(r, e.msg));
	}
	if (req_audit_commit(r, "user.password-reset", user_target(r, id),
			     req_form(r, "must_change") ? "must_change=1" : NULL) < 0)
		return audit_unsaved(r, NULL);
	char to[64];
	snprintf(to, sizeof to, "/admin/users/%lld?password=1", (long long)id);
	return resp_redirect(r, to);
}

static int h_user_activation(struct req *r)
{
	int64_t id = req_int(r->param[0], 1, INT64_MAX, 0);
	struct user u = {0};
	if (user_get(r->db, id, &u) < 0 || u.deleted) {
		user_release(&u);
		return resp_error(r, 404, T(r, "No such user."));
	}
	char code[ACTIVATION_CODE_LEN + 1];
	struct err e;
	if (db_begin(r->db, &e) < 0) {
		user_release(&u);
		return audit_unsaved(r, e.msg);
	}
	if (user_activation_issue(r->db, id, code, &e) < 0) {
		db_rollback(r->db);
		user_release(&u);
		return resp_error(r, 500, e.msg);
	}
	if (req_audit_commit(r, "user.activation-code", user_target(r, id), NULL) < 0) {
		user_release(&u);
		sodium_memzero(code, sizeof code);
		return audit_unsaved(r, NULL);
	}
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Activation code"));
	buf_printf(&b, "<h1>%s</h1><p>%s <strong>", T(r, "Activation code"), T(r, "Username"));
	buf_html(&b, u.username);
	buf_printf(&b, "</strong></p><p class=\"code\"><strong>%s</strong></p><p>%s</p>", code,
		   T(r, "Give this code to the person. It works once, for 14 days; it is not shown again."));
	buf_printf(&b, "<p><a href=\"/admin/users/%lld\">%s</a></p>", (long long)id, T(r, "Continue"));
	page_end(r, &b);
	user_release(&u);
	sodium_memzero(code, sizeof code);
	/* The code is shown once: no copy in the browser's cache. */
	int rc =
	    resp_send(r, 200, "text/html; charset=utf-8", buf_str(&b), b.len, "Cache-Control: private, no-store\r\n");
	sodium_memzero(b.data, b.len);
	buf_release(&b);
	return rc;
}

static int h_user_delete(struct req *r)
{
	int64_t id = req_int(r->param[0], 1, INT64_MAX, 0);
	if (r->user->id == id)
		return resp_error(r, 400, T(r, "You cannot delete your own account."));
	if (!req_form(r, "confirm"))
		return resp_error(r, 400, T(r, "Tick the box to confirm the deletion."));
	struct err e;
	const char *target = user_target(r, id); /* before the name is erased */
	if (db_begin(r->db, &e) < 0)
		return audit_unsaved(r, e.msg);
	if (user_delete(r->db, id, &e) < 0) {
		db_rollback(r->db);
		return resp_error(r, strcmp(e.msg, "no such user") == 0 ? 404 : 409, T(r, e.msg));
	}
	if (req_audit_commit(r, "user.delete", target, NULL) < 0)
		return audit_unsaved(r, NULL);
	return resp_redirect(r, "/admin/users?deleted=1");
}

static void sheet_page(struct req *r, struct buf *b, const char *error)
{
	page_begin(r, b, T(r, "Print activation codes"));
	buf_printf(b, "<h1>%s</h1><p>%s</p>", T(r, "Print activation codes"),
		   T(r, "A PDF of slips to cut and hand out: one for each person in the unit (and below it) who has "
			"no password yet, with a new code valid for 14 days. Codes printed earlier for them stop "
			"working."));
	if (error)
		notice(b, "error", error);
	form_begin(r, b, "/admin/users/activation-sheet");
	field_input(b, "org", T(r, "Org unit code"), "text", req_form(r, "org"), true, "off");
	form_submit(b, T(r, "Download the PDF"));
	page_end(r, b);
}

static int h_sheet_get(struct req *r)
{
	struct buf b = BUF_INIT;
	sheet_page(r, &b, NULL);
	return page_send(r, 200, &b);
}

static int h_sheet_post(struct req *r)
{
	const char *org = req_form(r, "org");
	struct buf pdf = BUF_INIT;
	struct err e;
	int n = 0;
	if (activation_sheet_pdf(r->db, org ? org : "", &pdf, &n, req_who(r), &e) < 0) {
		buf_release(&pdf);
		struct buf b = BUF_INIT;
		sheet_page(r, &b, e.msg);
		return page_send(r, 422, &b);
	}
	char headers[160];
	snprintf(headers, sizeof headers,
		 "Content-Disposition: attachment; filename=\"activation-%s.pdf\"\r\n"
		 "Cache-Control: private, no-store\r\n",
		 org_id(r->db, org) >= 0 && strlen(org) < 40 && !strpbrk(org, "\"\\\r\n") ? org : "codes");
	int rc = resp_send(r, 200, "application/pdf", pdf.data, pdf.len, headers);
	buf_release(&pdf);
	return rc;
}

static void import_page(struct req *r, struct buf *b, const char *title, const char *action, const char *help,
			const char *errors, const char *text)
{
	page_begin(r, b, title);
	buf_printf(b, "<h1>%s</h1><p>", title);
	buf_html(b, help);
	buf_puts(b, "</p>");
	if (errors && *errors) {
		buf_printf(b, "<div class=\"notice error\" role=\"alert\"><p>%s</p><pre>",
			   T(r, "Nothing was imported. Fix these lines and try again:"));
		buf_html(b, errors);
		buf_puts(b, "</pre></div>");
	}
	form_begin(r, b, action);
	buf_printf(b, "<label for=\"f-csv\">%s</label><textarea id=\"f-csv\" name=\"csv\" rows=\"12\" required>",
		   T(r, "CSV text (paste from a spreadsheet saved as CSV UTF-8)"));
	buf_html(b, text ? text : "");
	buf_puts(b, "</textarea>");
	form_submit(b, T(r, "Import"));
	page_end(r, b);
}

static int import_post(struct req *r, bool users)
{
	const char *csv = req_form(r, "csv");
	const char *title = users ? T(r, "Import users from CSV") : T(r, "Import org units from CSV");
	const char *action = users ? "/admin/users/import" : "/admin/orgs/import";
	const char *help = users ? "username,full_name,full_name_km,sex,org_code,position,role,email,phone,password"
				 : "code,name_en,name_km,parent_code,level";
	struct problems pr = {0};
	struct err e = {""};
	int added = 0;
	int rc = 0;
	/* The rows and their audit entry commit together (users: hashed first, the transaction held briefly). */
	if (users)
		rc = users_import_csv_progress(r->db, "upload.csv", csv ? csv : "", csv ? strlen(csv) : 0, &pr, &added,
					       NULL, NULL, req_who(r), &e);
	else if (db_begin(r->db, &e) < 0)
		return audit_unsaved(r, e.msg);
	else if ((rc = orgs_import_csv(r->db, "upload.csv", csv ? csv : "", csv ? strlen(csv) : 0, &pr, &added, &e)) <
		 0)
		db_rollback(r->db);
	else if (req_audit_commit(r, "orgs.import", "csv", arena_printf(&r->arena, "rows=%d", added)) < 0) {
		problems_release(&pr);
		return audit_unsaved(r, NULL);
	}
	struct buf b = BUF_INIT;
	if (rc < 0) {
		import_page(r, &b, title, action, help, pr.n ? problems_text(&pr) : e.msg, csv);
		problems_release(&pr);
		return page_send(r, 422, &b);
	}
	problems_release(&pr);
	page_begin(r, &b, title);
	buf_printf(&b, "<h1>%s</h1>", title);
	char msg[128];
	snprintf(msg, sizeof msg, T(r, "Imported %d rows."), added);
	notice(&b, "ok", view_digits(r, msg));
	buf_printf(&b, "<p><a href=\"%s\">%s</a></p>", users ? "/admin/users" : "/admin/orgs", T(r, "Continue"));
	page_end(r, &b);
	return page_send(r, 200, &b);
}

static int h_users_import_get(struct req *r)
{
	struct buf b = BUF_INIT;
	import_page(r, &b, T(r, "Import users from CSV"), "/admin/users/import",
		    "username,full_name,full_name_km,sex,org_code,position,role,email,phone,password", NULL, NULL);
	return page_send(r, 200, &b);
}

static int h_users_import_post(struct req *r)
{
	return import_post(r, true);
}

/* The org units below parent and the form to add one; after a refused add, fe and the typed values (form). */
static int orgs_page(struct req *r, int status, const struct form_errs *fe, bool form)
{
	const char *parent = form ? req_form(r, "parent_code") : req_query(r, "parent");
	if (parent && org_id(r->db, parent) <= 0)
		parent = NULL;
	int64_t pid = parent ? org_id(r->db, parent) : org_id(r->db, ORG_ROOT_CODE);
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Org units"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Org units"));
	if (req_query(r, "added"))
		notice(&b, "ok", T(r, "The org unit was added."));
	buf_printf(&b, "<p><a class=\"button secondary\" href=\"/admin/orgs/import\">%s</a></p>",
		   T(r, "Import org units from CSV"));
	buf_printf(&b,
		   "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table><thead><tr><th "
		   "scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr>"
		   "</thead><tbody>",
		   T(r, "Org units"), T(r, "Code"), T(r, "Name (English)"), T(r, "Name (Khmer)"), T(r, "Level"),
		   T(r, "Units below"));
	struct row_page rp = {r, &b, true};
	struct err e;
	org_children(r->db, pid, org_row_html, &rp, &e);
	buf_puts(&b, "</tbody></table></div>");
	buf_printf(&b, "<h2 id=\"add\">%s</h2>", T(r, "Add an org unit"));
	form_errs_summary(r, &b, fe);
	form_begin(r, &b, "/admin/orgs");
	const char *typed_parent = form ? req_form(r, "parent_code") : NULL;
	field_input_e(&b, fe, "code", T(r, "Code"), "text", form ? req_form(r, "code") : NULL, true, "off");
	field_input_e(&b, fe, "name_en", T(r, "Name (English)"), "text", form ? req_form(r, "name_en") : NULL, true,
		      "off");
	field_input_e(&b, fe, "name_km", T(r, "Name (Khmer)"), "text", form ? req_form(r, "name_km") : NULL, false,
		      "off");
	field_input_e(&b, fe, "parent_code", T(r, "Parent code"), "text",
		      typed_parent ? typed_parent
		      : parent	   ? parent
				   : ORG_ROOT_CODE,
		      true, "off");
	const char *levels[] = {"ministry", T(r, "ministry"), "province", T(r, "province"),
				"district", T(r, "district"), "commune",  T(r, "commune"),
				"office",   T(r, "office"),   NULL};
	const char *level = form ? req_form(r, "level") : NULL;
	field_select_e(&b, fe, "level", T(r, "Level"), level ? level : "district", levels);
	form_submit(&b, T(r, "Add"));
	page_end(r, &b);
	return page_send(r, status, &b);
}

static int h_orgs(struct req *r)
{
	return orgs_page(r, 200, NULL, false);
}

static bool blank(const char *s)
{
	if (!s)
		return true;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return *s == 0;
}

/* The field a refused org unit is about, and what to say, from the domain's message. */
static void org_error(struct req *r, struct form_errs *fe, const char *msg)
{
	if (strstr(msg, "parent code") || strstr(msg, "no parent"))
		form_errs_add(fe, "parent_code", T(r, "There is no org unit with this code."));
	else if (strstr(msg, "cannot sit under"))
		form_errs_add(fe, "level", T(r, "This level cannot sit under the parent's level."));
	else if (strstr(msg, "already exists"))
		form_errs_add(fe, "code", T(r, "An org unit with this code already exists."));
	else if (strstr(msg, "invalid org code"))
		form_errs_add(fe, "code", T(r, "Use letters, digits, - _ or . (up to 32)."));
	else if (strstr(msg, "English name"))
		form_errs_add(fe, "name_en", T(r, "The English name is missing or longer than 200 characters."));
	else if (strstr(msg, "Khmer name"))
		form_errs_add(fe, "name_km", T(r, "The Khmer name is not valid text."));
	else
		form_errs_add(fe, "code", arena_strdup(&r->arena, msg));
}

static int h_org_create(struct req *r)
{
	struct err e;
	const char *parent = req_form(r, "parent_code");
	struct form_errs fe = {0};
	if (blank(req_form(r, "code")))
		form_errs_add(&fe, "code", T(r, "Type the code of the new org unit."));
	if (blank(req_form(r, "name_en")))
		form_errs_add(&fe, "name_en", T(r, "Type the English name."));
	if (blank(parent))
		form_errs_add(&fe, "parent_code", T(r, "Type the code of the org unit above it."));
	if (fe.n)
		return orgs_page(r, 422, &fe, true);
	if (db_begin(r->db, &e) < 0)
		return audit_unsaved(r, e.msg);
	if (org_add(r->db, req_form(r, "code"), req_form(r, "name_en"), req_form(r, "name_km"), parent,
		    req_form(r, "level") ? req_form(r, "level") : "", &e) < 0) {
		db_rollback(r->db);
		org_error(r, &fe, e.msg);
		return orgs_page(r, 422, &fe, true);
	}
	if (req_audit_commit(r, "org.create", arena_printf(&r->arena, "org:%s", req_form(r, "code")),
			     arena_printf(&r->arena, "parent=%s", parent ? parent : "")) < 0)
		return audit_unsaved(r, NULL);
	struct buf to = BUF_INIT;
	buf_puts(&to, "/admin/orgs?added=1&parent=");
	buf_url(&to, parent ? parent : "");
	int rc = resp_redirect(r, buf_str(&to));
	buf_release(&to);
	return rc;
}

static int h_orgs_import_get(struct req *r)
{
	struct buf b = BUF_INIT;
	import_page(r, &b, T(r, "Import org units from CSV"), "/admin/orgs/import",
		    "code,name_en,name_km,parent_code,level", NULL, NULL);
	return page_send(r, 200, &b);
}

static int h_orgs_import_post(struct req *r)
{
	return import_post(r, false);
}

/* What the settings page says about each setting: a label and a help line, in the page's language. */
static const struct {
	const char *name, *label, *help;
} setting_texts[] = {
    {"issuer_en", "Issuing authority (English)",
     "The authority named on certificates in English, printed and signed: for example Ministry of Interior."},
    {"issuer_km", "Issuing authority (Khmer)", "The same authority in Khmer, printed above the English name."},
    {"base_url", "Public address of this site (QR codes point here)",
     "The address people type to reach this site, such as https://sala.example.gov.kh (no / at the end). Every "
     "certificate's QR code and verification link starts with it."},
    {"cert_color", "Certificate colour (#rrggbb)", "The colour of the certificate's frame and headings."},
    {"cert_logo_path", "Logo on certificates (file on the server)",
     "Used only when no logo was uploaded below: the absolute path of a PNG file on the server."},
    {"cert_signature_path", "Signature on certificates (file on the server)",
     "Used only when no signature was uploaded below: the absolute path of a PNG file on the server."},
    {"package_max_entries", "Course packages: most files and folders",
     "An uploaded course package with more files and folders than this is refused."},
    {"package_max_entry_mb", "Course packages: largest file (MB)",
     "The largest single file, once unpacked, in an uploaded course package."},
    {"package_max_total_mb", "Course packages: largest total size (MB)",
     "The largest total size of an uploaded course package once unpacked."},
    {"package_max_markdown_kb", "Course packages: largest lesson or quiz file (KB)",
     "Longer Markdown lessons and quizzes are refused: very long ones are slow to show on a phone."},
    {"package_max_ratio", "Course packages: largest compression ratio",
     "How many times larger than its compressed size a big file may become when unpacked (protects the server "
     "from archive bombs)."},
    {"trusted_proxies", "Trusted proxies (IPv4 addresses or ranges, comma-separated; empty: none)",
     "The reverse proxies (such as nginx on this server) whose X-Forwarded-For header names the visitor's address."},
    {"metrics_token", "Monitoring token",
     "A secret of at least 32 letters, digits, - or _ that lets a monitoring server on another host read "
     "/metrics. Not set: /metrics answers this server only."},
    {"report_min_group", "Reports: fewest people behind a rate or average",
     "An average, rate or women's share from fewer people than this is not shown in reports (marked n<N "
     "instead): figures from a handful of people are not a trend."},
    {"report_min_parity_group", "Reports: fewest women and men behind a parity index",
     "The gender parity index is shown only when at least this many women and this many men are enrolled."},
    {"checkin_margin_minutes", "Face-to-face sessions: QR check-in margin (minutes)",
     "QR self check-in opens this many minutes before a session day starts and closes this many minutes after "
     "it ends."},
};

/* The label of a setting in the page's language (the key itself for one this table does not know). */
static const char *setting_label(struct req *r, const char *name)
{
	for (size_t i = 0; i < sizeof setting_texts / sizeof setting_texts[0]; i++)
		if (strcmp(setting_texts[i].name, name) == 0)
			return T(r, setting_texts[i].label);
	return name;
}

/* Its help line, or NULL. */
static const char *setting_help(struct req *r, const char *name)
{
	for (size_t i = 0; i < sizeof setting_texts / sizeof setting_texts[0]; i++)
		if (strcmp(setting_texts[i].name, name) == 0)
			return T(r, setting_texts[i].help);
	return NULL;
}

/* The certificate images: each one's preview, an upload form and a remove button; image_error: a refused upload. */
static void cert_images_section(struct req *r, struct buf *b, const char *image_error)
{
	static const struct {
		const char *name, *title, *help;
	} images[] = {
	    {"logo", "Logo", "Printed top left on every certificate."},
	    {"signature", "Signature", "Printed over the signature line of every certificate."},
	};
	buf_printf(b, "<h2 id=\"images\">%s</h2><p>", T(r, "Certificate images"));
	char rule[240];
	snprintf(rule, sizeof rule, T(r, "A PNG or JPEG file of at most %d KB, %d to %d pixels a side."),
		 CERT_IMAGE_MAX_BYTES / 1024, CERT_IMAGE_MIN_SIDE, CERT_IMAGE_MAX_SIDE);
	buf_html(b, rule);
	buf_puts(b, "</p>");
	if (image_error) {
		buf_puts(b, "<div class=\"notice error\" role=\"alert\" id=\"image-err\"><p>");
		buf_html(b, image_error);
		buf_puts(b, "</p></div>");
	}
	for (size_t i = 0; i < sizeof images / sizeof images[0]; i++) {
		const char *name = images[i].name;
		int w = 0, h = 0;
		char sha[65] = "";
		struct err e;
		int have = cert_image_info(r->db, name, &w, &h, sha, &e);
		buf_printf(b, "<h3>%s</h3><p class=\"meta\">%s</p>", T(r, images[i].title), T(r, images[i].help));
		if (have > 0)
			buf_printf(
			    b,
			    "<p><img class=\"cert-image\" src=\"/admin/settings/images/%s?v=%.12s\" alt=\"%s\" "
			    "width=\"%d\" height=\"%d\" style=\"max-width:100%%;height:auto;max-height:8rem\"></p>",
			    name, sha, T(r, images[i].title), w, h);
		else
			buf_printf(b, "<p data-empty=\"%s\">%s</p>", name, T(r, "None uploaded."));
		char action[64];
		snprintf(action, sizeof action, "/admin/settings/images/%s", name);
		struct buf f = BUF_INIT;
		form_begin(r, &f, action);
		/* form_begin writes the CSRF field; an upload needs multipart encoding. */
		const char *open = "<form method=\"post\"";
		buf_puts(b, "<form method=\"post\" enctype=\"multipart/form-data\"");
		buf_puts(b, buf_str(&f) + strlen(open));
		buf_release(&f);
		buf_printf(b, "<label for=\"f-image-%s\">%s</label>", name, T(r, "Image file"));
		buf_printf(
		    b,
		    "<input type=\"file\" id=\"f-image-%s\" name=\"image\" accept=\"image/png,image/jpeg\" required>",
		    name);
		form_submit(b, T(r, "Upload"));
		if (have > 0) {
			snprintf(action, sizeof action, "/admin/settings/images/%s/delete", name);
			form_begin(r, b, action);
			buf_printf(b, "<button class=\"secondary\" type=\"submit\">%s</button></form>", T(r, "Remove"));
		}
	}
}

/*
 * A secret setting's field: never its value (not even a refused one typed back), only whether it is set and
 * its last characters; a new value replaces it, an empty field keeps it, the box removes it.
 */
static void secret_field(struct req *r, struct buf *b, const struct form_errs *fe, const struct setting_def *d,
			 const char *stored)
{
	field_input_e(b, fe, d->name, setting_label(r, d->name), "password", NULL, false, "new-password");
	const char *help = setting_help(r, d->name);
	buf_printf(b, "<p class=\"meta\" id=\"help-%s\">", d->name);
	if (help)
		buf_html(b, help);
	buf_puts(b, "</p>");
	size_t n = stored ? strlen(stored) : 0;
	buf_printf(b, "<p class=\"meta\" id=\"secret-%s\">", d->name);
	if (n) {
		/* The last characters only, and only of a secret long enough that they give nothing away. */
		const char *tail = n >= 4 * SETTING_SECRET_SHOWN ? stored + n - SETTING_SECRET_SHOWN : "";
		buf_html(b,
			 arena_printf(&r->arena, T(r, "Set: it ends with %s."), arena_printf(&r->arena, "…%s", tail)));
		buf_printf(b, " %s</p>", T(r, "Leave the field empty to keep it."));
		buf_printf(b, "<label><input type=\"checkbox\" name=\"%s_remove\" value=\"1\"> %s</label>", d->name,
			   T(r, "Remove it"));
	} else {
		buf_printf(b, "%s</p>", T(r, "Not set."));
	}
}

/* The settings form; a refused value's message is shown on its field (field), or above the form. */
static int settings_page_img(struct req *r, int status, const char *message, bool ok, const char *field,
			     const char *image_error);

static int settings_page(struct req *r, int status, const char *message, bool ok, const char *field)
{
	return settings_page_img(r, status, message, ok, field, NULL);
}

static int settings_page_img(struct req *r, int status, const char *message, bool ok, const char *field,
			     const char *image_error)
{
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Site settings"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Site settings"));
	struct form_errs fe = {0};
	if (message && !ok && field)
		form_errs_add(&fe, field, arena_printf(&r->arena, "%s %s", T(r, "This value is not valid:"), message));
	else if (message)
		notice(&b, ok ? "ok" : "error", message);
	form_errs_summary(r, &b, &fe);
	buf_printf(&b, "<p>%s</p>", T(r, "An empty field restores the default shown."));
	form_begin(r, &b, "/admin/settings");
	size_t n;
	const struct setting_def *d = settings_table(&n);
	for (size_t i = 0; i < n; i++) {
		if (d[i].type == SETTING_PNG_PATH)
			continue; /* the images are uploaded below (the paths stay for `sala settings set`) */
		char *stored = db_setting_get(r->db, d[i].name);
		if (setting_secret(&d[i])) {
			secret_field(r, &b, &fe, &d[i], stored);
			free(stored);
			continue;
		}
		const char *shown = ok || !req_form(r, d[i].name) ? stored : req_form(r, d[i].name);
		field_input_e(&b, &fe, d[i].name, setting_label(r, d[i].name), "text", shown, false, "off");
		const char *help = setting_help(r, d[i].name);
		buf_printf(&b, "<p class=\"meta\" id=\"help-%s\">", d[i].name);
		if (help)
			buf_html(&b, help);
		if (*d[i].def) {
			buf_printf(&b, "%s%s: ", help ? " " : "", T(r, "Default"));
			buf_html(&b, d[i].def);
		}
		buf_puts(&b, "</p>");
		free(stored);
	}
	form_submit(&b, T(r, "Save"));
	cert_images_section(r, &b, image_error);
	page_end(r, &b);
	return page_send(r, status, &b);
}

static int h_settings(struct req *r)
{
	return settings_page(r, 200, req_query(r, "saved") ? T(r, "Saved.") : NULL, true, NULL);
}

/*
 * The value the form gives a setting, or NULL to leave it as it is. A secret is never shown, so its empty
 * field keeps it; its NAME_remove box removes it ("").
 */
static const char *setting_form_value(struct req *r, const struct setting_def *d)
{
	const char *v = req_form(r, d->name);
	if (!setting_secret(d))
		return v;
	if (req_form(r, arena_printf(&r->arena, "%s_remove", d->name)))
		return "";
	return v && *v ? v : NULL;
}

static int h_settings_save(struct req *r)
{
	size_t n;
	const struct setting_def *d = settings_table(&n);
	struct err e;
	/* Check every field first: one bad value saves nothing. */
	for (size_t i = 0; i < n; i++) {
		const char *v = setting_form_value(r, &d[i]);
		if (v && setting_check(&d[i], v, &e) < 0)
			return settings_page(r, 422, e.msg, false, d[i].name);
	}
	/* The values and their audit entry in one transaction: both are saved, or neither. */
	if (db_begin(r->db, &e) < 0) {
		r->cause = arena_strdup(&r->arena, e.msg);
		return settings_page(r, 503, T(r, "The settings could not be saved. Please try again."), false, NULL);
	}
	struct buf changed = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		const char *v = setting_form_value(r, &d[i]);
		if (!v)
			continue;
		char *stored = db_setting_get(r->db, d[i].name);
		bool differs = strcmp(stored ? stored : "", v) != 0;
		free(stored);
		if (!differs)
			continue;
		if (setting_set(r->db, d[i].name, v, &e) < 0) {
			db_rollback(r->db);
			buf_release(&changed);
			r->cause = arena_strdup(&r->arena, e.msg);
			return settings_page(r, 500, e.msg, false, NULL);
		}
		buf_printf(&changed, "%s%s", changed.len ? "," : "", d[i].name);
	}
	/* Names only: values may be secrets (metrics_token). */
	int rc = changed.len ? req_audit_commit(r, "settings.change", "settings",
						arena_printf(&r->arena, "keys=%s", buf_str(&changed)))
			     : db_commit(r->db, &e);
	buf_release(&changed);
	if (rc < 0) {
		if (!r->cause)
			r->cause = arena_strdup(&r->arena, e.msg);
		return settings_page(r, 503, T(r, "The settings could not be saved. Please try again."), false, NULL);
	}
	return resp_redirect(r, "/admin/settings?saved=1");
}

/* The courses with an active version, each linking to its item analysis (/manage/courses/ID/items). */
static int h_item_analysis(struct req *r)
{
	struct pkg_version *v = NULL;
	size_t n = 0;
	if (package_versions(r->db, NULL, NULL, &v, &n) < 0)
		return resp_error(r, 503, T(r, "The courses could not be read. Please try again."));
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Item analysis"));
	buf_printf(&b, "<h1>%s</h1><p>%s</p><ul class=\"links\">", T(r, "Item analysis"),
		   T(r, "How each quiz question did: choose a course."));
	int shown = 0;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].active)
			continue;
		bool seen = false; /* one link per course, whatever its languages */
		for (size_t k = 0; k < i && !seen; k++)
			seen = v[k].active && strcmp(v[k].course_id, v[i].course_id) == 0;
		if (seen)
			continue;
		buf_puts(&b, "<li><a href=\"/manage/courses/");
		buf_url(&b, v[i].course_id);
		buf_printf(&b, "/items\"%s>", lang_attr_for(r, v[i].language));
		buf_html(&b, v[i].title);
		buf_puts(&b, "</a> <span class=\"meta\">");
		buf_html(&b, v[i].course_id);
		buf_puts(&b, "</span></li>");
		shown++;
	}
	buf_puts(&b, "</ul>");
	if (!shown)
		buf_printf(&b, "<p data-empty>%s</p>", T(r, "No course has been imported yet."));
	free(v);
	page_end(r, &b);
	return page_send(r, 200, &b);
}

/* The name of the image a route is about (:name), or NULL. */
static const char *image_param(struct req *r)
{
	return cert_image_name_ok(r->param[0]) ? r->param[0] : NULL;
}

/* POST /admin/settings/images/:name: an uploaded logo or signature, checked and stored. */
static int h_image_upload(struct req *r)
{
	const char *name = image_param(r);
	if (!name)
		return resp_error(r, 404, T(r, "Page not found."));
	const char *ct = req_header(r, "Content-Type");
	const char *data, *filename;
	size_t len;
	if (!ct || !multipart_is(ct) ||
	    multipart_file(&r->arena, ct, r->body, r->body_len, "image", &data, &len, &filename) < 0 || len == 0)
		return settings_page_img(r, 400, NULL, true, NULL, T(r, "Choose an image file to upload."));
	int w, h;
	struct err e;
	if (db_begin(r->db, &e) < 0)
		return audit_unsaved(r, e.msg);
	if (cert_image_store(r->db, name, data, len, &w, &h, &e) < 0) {
		db_rollback(r->db);
		/* The domain's message names the file's problem; said in the page's language where it is known. */
		const char *say = strstr(e.msg, " KB: at most ")       ? T(r, "The file is too big.")
				  : strstr(e.msg, "not a PNG or JPEG") ? T(r, "The file is not a PNG or JPEG image.")
				  : strstr(e.msg, "pixels: each side") ? T(r, "The image is too small or too large.")
				  : strstr(e.msg, "cannot save")
				      ? NULL
				      : T(r, "The file is damaged: it cannot be read as an image.");
		if (!say) {
			r->cause = arena_strdup(&r->arena, e.msg);
			return settings_page_img(r, 503, NULL, true, NULL,
						 T(r, "The image could not be saved. Please try again."));
		}
		return settings_page_img(r, 422, NULL, true, NULL, arena_printf(&r->arena, "%s (%s)", say, e.msg));
	}
	if (req_audit_commit(r, "settings.image", arena_printf(&r->arena, "settings:%s", name),
			     arena_printf(&r->arena, "bytes=%zu size=%dx%d", len, w, h)) < 0)
		return settings_page_img(r, 503, NULL, true, NULL,
					 T(r, "The image could not be saved. Please try again."));
	return resp_redirect(r, "/admin/settings?saved=1#images");
}

/* POST /admin/settings/images/:name/delete */
static int h_image_remove(struct req *r)
{
	const char *name = image_param(r);
	if (!name)
		return resp_error(r, 404, T(r, "Page not found."));
	struct err e;
	if (db_begin(r->db, &e) < 0 || cert_image_remove(r->db, name, &e) < 0) {
		db_rollback(r->db);
		r->cause = arena_strdup(&r->arena, e.msg);
		return settings_page_img(r, 503, NULL, true, NULL,
					 T(r, "The image could not be saved. Please try again."));
	}
	if (req_audit_commit(r, "settings.image-remove", arena_printf(&r->arena, "settings:%s", name), NULL) < 0)
		return settings_page_img(r, 503, NULL, true, NULL,
					 T(r, "The image could not be saved. Please try again."));
	return resp_redirect(r, "/admin/settings?saved=1#images");
}

/* GET /admin/settings/images/:name: the stored PNG, for the preview. */
static int h_image_get(struct req *r)
{
	const char *name = image_param(r);
	struct buf png = BUF_INIT;
	struct err e;
	int got = name ? cert_image_get(r->db, name, &png, &e) : 0;
	if (got <= 0) {
		buf_release(&png);
		if (got < 0)
			r->cause = arena_strdup(&r->arena, e.msg);
		return resp_error(r, got < 0 ? 503 : 404, T(r, "Page not found."));
	}
	int rc = resp_send(r, 200, "image/png", png.data, png.len, "Cache-Control: private, max-age=3600\r\n");
	buf_release(&png);
	return rc;
}

const struct route admin_routes[] = {
    {"GET", "/admin/settings/images/:name", ROLE_ADMIN, h_image_get, 0},
    {"POST", "/admin/settings/images/:name", ROLE_ADMIN, h_image_upload, 2u << 20},
    {"POST", "/admin/settings/images/:name/delete", ROLE_ADMIN, h_image_remove, 0},
    {"GET", "/admin/item-analysis", ROLE_ADMIN, h_item_analysis, 0},
    {"GET", "/admin/settings", ROLE_ADMIN, h_settings, 0},
    {"POST", "/admin/settings", ROLE_ADMIN, h_settings_save, 0},
    {"GET", "/admin/users", ROLE_ADMIN, h_users, 0},
    {"GET", "/admin/users/new", ROLE_ADMIN, h_user_new, 0},
    {"POST", "/admin/users/new", ROLE_ADMIN, h_user_create, 0},
    {"GET", "/admin/users/import", ROLE_ADMIN, h_users_import_get, 0},
    {"POST", "/admin/users/import", ROLE_ADMIN, h_users_import_post, 8u << 20},
    {"GET", "/admin/users/activation-sheet", ROLE_ADMIN, h_sheet_get, 0},
    {"POST", "/admin/users/activation-sheet", ROLE_ADMIN, h_sheet_post, 0},
    {"GET", "/admin/users/:id", ROLE_ADMIN, h_user_edit, 0},
    {"POST", "/admin/users/:id/password", ROLE_ADMIN, h_user_password, 0},
    {"POST", "/admin/users/:id/activation", ROLE_ADMIN, h_user_activation, 0},
    {"POST", "/admin/users/:id/delete", ROLE_ADMIN, h_user_delete, 0},
    {"POST", "/admin/users/:id", ROLE_ADMIN, h_user_save, 0},
    {"POST", "/admin/users/:id/active", ROLE_ADMIN, h_user_active, 0},
    {"GET", "/admin/orgs", ROLE_ADMIN, h_orgs, 0},
    {"POST", "/admin/orgs", ROLE_ADMIN, h_org_create, 0},
    {"GET", "/admin/orgs/import", ROLE_ADMIN, h_orgs_import_get, 0},
    {"POST", "/admin/orgs/import", ROLE_ADMIN, h_orgs_import_post, 8u << 20},
    {NULL, NULL, 0, NULL, 0},
};
