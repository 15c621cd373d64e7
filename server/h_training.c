/*
 * Face-to-face sessions (server/h_training.h). Pages work without JavaScript on a phone: every change
 * is a small POST form with its CSRF field; the attendance page's search is a GET form answered by the
 * server. Scope follows course assignment (learn_may_assign()): administrators anywhere, managers and
 * trainers within their org unit's subtree; a session's own trainers manage it wherever it is.
 * Learners see the sessions they have a place in and those whose venue lies in their province.
 */
#include "server/h_training.h"
#include "server/h_checkin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "courses/learn.h"
#include "courses/listing.h"
#include "lib/i18n.h"
#include "lib/json.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "server/h_learn.h"
#include "server/h_survey.h"
#include "server/server.h"
#include "server/views.h"
#include "training/attendance.h"
#include "training/workshops.h"

#define ORGANISERS (ROLE_TRAINER | ROLE_MANAGER | ROLE_ADMIN)
#define FORM_DAYS 5    /* day rows on the new-session form */
#define INVITE_MAX 500 /* usernames in one invite */
#define LIST_MAX 50    /* sessions in one section of the list */

/* ---------- scope ---------- */

/* True when the signed-in user is one of w's trainers. */
static bool is_trainer(const struct req *r, const struct workshop *w)
{
	for (size_t i = 0; i < w->ntrainers; i++)
		if (w->trainers[i] == r->user->id)
			return true;
	return false;
}

/* True when the signed-in user may manage w: invite, cancel, mark attendance. */
static bool may_manage(struct req *r, const struct workshop *w)
{
	return is_trainer(r, w) || learn_may_assign(r->db, r->user->roles, r->user->org_id, w->org_id);
}

struct area {
	int64_t province;
};

static int see_ancestor(void *ctx, const struct org_row *o)
{
	struct area *a = ctx;
	if (strcmp(o->level, "province") == 0)
		a->province = o->id;
	return 0;
}

/* The root of the user's area: their province (or their own unit above province level: everything below). */
static int64_t area_root(struct req *r)
{
	struct area a = {0};
	struct err e;
	int64_t ids[] = {r->user->org_id};
	if (orgs_get(r->db, ids, 1, see_ancestor, &a, &e) == 0 && a.province)
		return a.province;
	if (org_ancestors(r->db, r->user->org_id, -1, see_ancestor, &a, &e) == 0 && a.province)
		return a.province;
	return r->user->org_id;
}

/* True when the signed-in user may see w's page: they manage it, have a place in it, or it is in their area. */
static bool may_see(struct req *r, const struct workshop *w, enum workshop_status s)
{
	if (s != WS_NONE || may_manage(r, w))
		return true;
	return org_within(r->db, area_root(r), w->org_id);
}

/* ---------- small views ---------- */

struct org_label {
	char *text;
	struct req *r;
};

static int see_org_label(void *ctx, const struct org_row *o)
{
	struct org_label *l = ctx;
	bool km = strcmp(l->r->lang, "km") == 0 && o->name_km && o->name_km[0];
	l->text = arena_strdup(&l->r->arena, km ? o->name_km : o->name_en);
	return 0;
}

/* The org unit's name in the page's language, as text (arena; escape it for HTML). */
static const char *org_name(struct req *r, int64_t id)
{
	struct org_label l = {NULL, r};
	struct err e;
	int64_t ids[] = {id};
	orgs_get(r->db, ids, 1, see_org_label, &l, &e);
	return l.text ? l.text : "";
}

static const char *when_text(struct req *r, const struct workshop_day *d)
{
	char s[32];
	workshop_day_format(d, s, sizeof s);
	return view_day_hours(r, s);
}

static const char *status_text(struct req *r, enum workshop_status s)
{
	switch (s) {
	case WS_REGISTERED:
		return T(r, "Registered");
	case WS_WAITLISTED:
		return T(r, "On the waiting list");
	case WS_CANCELLED:
		return T(r, "Cancelled");
	default:
		return "";
	}
}

static void session_href(struct buf *b, int64_t id, const char *tail)
{
	buf_printf(b, "/sessions/%lld%s", (long long)id, tail ? tail : "");
}

/* A session's card: title, days, place, places taken; the user's own place when they have one. */
static void session_card(struct req *r, struct buf *b, const struct workshop *w, enum workshop_status mine)
{
	buf_printf(b, "<li class=\"card\" data-session=\"%lld\"><h3><a href=\"/sessions/%lld\">", (long long)w->id,
		   (long long)w->id);
	buf_html(b, w->title);
	buf_puts(b, "</a></h3><ul class=\"meta\">");
	for (int i = 0; i < w->ndays; i++) {
		buf_puts(b, "<li>");
		buf_html(b, when_text(r, &w->days[i]));
		buf_puts(b, "</li>");
	}
	buf_puts(b, "<li>");
	buf_html(b, org_name(r, w->org_id));
	if (w->address[0]) {
		buf_puts(b, ", ");
		buf_html(b, w->address);
	}
	buf_puts(b, "</li></ul>");
	if (w->cancelled_at)
		buf_printf(b, "<p class=\"status\">%s</p>", T(r, "This session is cancelled."));
	else if (mine != WS_NONE)
		buf_printf(b, "<p class=\"status\" data-place=\"%s\">%s</p>", workshop_status_name(mine),
			   status_text(r, mine));
	buf_puts(b, "</li>");
}

/* ---------- the list ---------- */

struct card_list {
	struct req *r;
	struct buf *b;
	int n;
	bool skip_mine; /* leave out sessions the user has a place in */
	bool mine;	/* show the user's place */
	bool more;	/* stopped at LIST_MAX */
};

static int card_one(void *ctx, const struct workshop *w)
{
	struct card_list *c = ctx;
	enum workshop_status s = WS_NONE;
	struct err e;
	if ((c->skip_mine || c->mine) && workshop_person_status(c->r->db, w->id, c->r->user->id, &s, &e) < 0)
		return -1;
	if (c->skip_mine && (s == WS_REGISTERED || s == WS_WAITLISTED))
		return 0;
	if (c->n == LIST_MAX) {
		c->more = true;
		return 1; /* enough for one page */
	}
	if (!c->n++)
		buf_puts(c->b, "<ul class=\"cards\">");
	session_card(c->r, c->b, w, c->mine ? s : WS_NONE);
	return 0;
}

static int card_section(struct req *r, struct buf *b, const char *heading, const struct workshop_filter *f,
			bool skip_mine, bool mine, const char *none)
{
	buf_printf(b, "<h2>%s</h2>", heading);
	struct card_list c = {r, b, 0, skip_mine, mine, false};
	struct err e = {""};
	if (workshop_list(r->db, f, card_one, &c, &e) < 0)
		return -1;
	if (c.n)
		buf_puts(b, "</ul>");
	if (c.more) {
		buf_puts(b, "<p class=\"meta\">");
		buf_html(b, view_digits(
				r, arena_printf(&r->arena, T(r, "The first %d sessions, soonest first."), LIST_MAX)));
		buf_puts(b, "</p>");
	}
	if (!c.n)
		buf_printf(b, "<p>%s</p>", none);
	return 0;
}

void h_training_my_section(struct req *r, struct buf *b)
{
	struct workshop_filter f = {.user_id = r->user->id, .from = now_s()};
	buf_puts(b, "<section aria-labelledby=\"my-sessions\">");
	struct buf h = BUF_INIT;
	buf_printf(&h, "<span id=\"my-sessions\">%s</span>", T(r, "Face-to-face sessions"));
	card_section(r, b, buf_str(&h), &f, false, true, T(r, "You have no upcoming face-to-face session."));
	buf_release(&h);
	buf_printf(b, "<p><a href=\"/sessions\">%s</a></p></section>", T(r, "Sessions open for registration"));
}

static int h_list(struct req *r)
{
	int64_t now = now_s();
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Face-to-face sessions"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Face-to-face sessions"));
	const char *done = req_query(r, "done");
	if (done && strcmp(done, "cancelled") == 0)
		notice(&b, "ok", T(r, "The session is cancelled."));
	int rc = 0;
	if (r->user->roles & ORGANISERS) {
		buf_printf(&b, "<p><a class=\"button\" href=\"/sessions/new\">%s</a></p>", T(r, "New session"));
		char path[256] = "";
		bool all = r->user->roles & ROLE_ADMIN;
		if (!all && org_path(r->db, r->user->org_id, path, sizeof path) < 0)
			path[0] = '\0';
		struct workshop_filter f = {.org_path = all ? NULL : path, .from = now, .include_cancelled = true};
		if (all || path[0])
			rc = card_section(r, &b, T(r, "Sessions in the units you manage"), &f, false, false,
					  T(r, "No upcoming session."));
		struct workshop_filter t = {.trainer_id = r->user->id, .from = now};
		if (rc == 0 && !all)
			rc = card_section(r, &b, T(r, "Sessions you train"), &t, false, false,
					  T(r, "No upcoming session."));
	}
	struct workshop_filter mine = {.user_id = r->user->id, .from = now};
	if (rc == 0)
		rc = card_section(r, &b, T(r, "Your sessions"), &mine, false, true,
				  T(r, "You have no upcoming face-to-face session."));
	char area[256];
	if (rc == 0 && org_path(r->db, area_root(r), area, sizeof area) == 0) {
		struct workshop_filter open = {.org_path = area, .from = now};
		rc = card_section(r, &b, T(r, "Open for registration"), &open, true, false,
				  T(r, "No session is open for registration in your area."));
	}
	if (rc < 0) {
		buf_release(&b);
		return resp_error(r, 503, T(r, "The sessions cannot be read now. Try again."));
	}
	page_end(r, &b);
	return page_send(r, 200, &b);
}

/* ---------- creating a session ---------- */

struct course_opts {
	const char **v;
	size_t n;
};

static const char *const *course_options(struct req *r)
{
	char **ids = NULL;
	size_t n = 0;
	struct err e;
	if (course_ids(r->db, &ids, &n, &e) < 0)
		n = 0;
	const char **o = arena_alloc(&r->arena, (2 * n + 3) * sizeof *o);
	size_t k = 0;
	o[k++] = "";
	o[k++] = T(r, "None (not part of a course)");
	for (size_t i = 0; i < n; i++) {
		char *t = course_title_get(r->db, ids[i], r->lang);
		o[k++] = arena_strdup(&r->arena, ids[i]);
		o[k++] = arena_strdup(&r->arena, t ? t : ids[i]);
		free(t);
		free(ids[i]);
	}
	free(ids);
	o[k] = NULL;
	return o;
}

static const char *fv(struct req *r, const char *key, const char *def)
{
	const char *v = req_form(r, key);
	return v ? v : def;
}

static int new_form(struct req *r, const struct form_errs *fe)
{
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "New session"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "New session"));
	form_errs_summary(r, &b, fe);
	form_begin(r, &b, "/sessions/new");
	field_input_e(&b, fe, "title", T(r, "Title"), "text", fv(r, "title", ""), true, "off");
	field_select_e(&b, fe, "course", T(r, "Course"), fv(r, "course", ""), course_options(r));
	struct user me;
	const char *own_org = "";
	if (user_get(r->db, r->user->id, &me) == 0) {
		own_org = arena_strdup(&r->arena, me.org_code ? me.org_code : "");
		user_release(&me);
	}
	field_input_e(&b, fe, "org", T(r, "Venue: org unit code"), "text", fv(r, "org", own_org), true, "off");
	field_input_e(&b, fe, "address", T(r, "Venue: address"), "text", fv(r, "address", ""), false, "off");
	buf_printf(&b, "<fieldset><legend>%s</legend><p class=\"meta\">%s</p>", T(r, "Days"),
		   T(r, "Cambodia's time. Fill in one row per day; leave the rows you do not need empty."));
	for (int i = 1; i <= FORM_DAYS; i++) {
		char n[16], s[16], t[16], label[64];
		snprintf(n, sizeof n, "date%d", i);
		snprintf(s, sizeof s, "start%d", i);
		snprintf(t, sizeof t, "end%d", i);
		snprintf(label, sizeof label, T(r, "Day %d: date"), i);
		field_input_e(&b, fe, arena_strdup(&r->arena, n), label, "date", fv(r, n, ""), i == 1, "off");
		snprintf(label, sizeof label, T(r, "Day %d: starts at"), i);
		field_input_e(&b, fe, arena_strdup(&r->arena, s), label, "time", fv(r, s, i == 1 ? "08:00" : ""),
			      i == 1, "off");
		snprintf(label, sizeof label, T(r, "Day %d: ends at"), i);
		field_input_e(&b, fe, arena_strdup(&r->arena, t), label, "time", fv(r, t, i == 1 ? "16:00" : ""),
			      i == 1, "off");
	}
	buf_puts(&b, "</fieldset>");
	const char *trainer_def = (r->user->roles & ROLE_TRAINER) ? r->user->username : "";
	field_textarea_e(&b, fe, "trainers", T(r, "Trainers (usernames, one per line)"), fv(r, "trainers", trainer_def),
			 false, 3, 4000);
	field_input_e(&b, fe, "capacity", T(r, "Places (0: no limit)"), "number", fv(r, "capacity", "30"), true, "off");
	static const char *langs[] = {"km", "ខ្មែរ", "en", "English", NULL};
	field_select_e(&b, fe, "language", T(r, "Language"), fv(r, "language", "km"), langs);
	field_textarea_e(&b, fe, "invite", T(r, "Invite: usernames, one per line (optional)"), fv(r, "invite", ""),
			 false, 4, 20000);
	field_input_e(&b, fe, "invite_org", T(r, "Invite everyone in an org unit and below it: its code (optional)"),
		      "text", fv(r, "invite_org", ""), false, "off");
	form_submit(&b, T(r, "Create the session"));
	buf_puts(&b, "</form>");
	page_end(r, &b);
	return page_send(r, fe && fe->n ? 422 : 200, &b);
}

static int h_new(struct req *r)
{
	return new_form(r, NULL);
}

/* The next username of a list separated by spaces, commas, semicolons or new lines, into the arena; NULL at the end. */
static const char *next_name(struct req *r, const char **p)
{
	const char *s = *p;
	while (*s && strchr(" ,;\t\r\n", *s))
		s++;
	const char *t = s;
	while (*t && !strchr(" ,;\t\r\n", *t))
		t++;
	*p = t;
	return t == s ? NULL : arena_strndup(&r->arena, s, (size_t)(t - s));
}

struct invite_result {
	int registered, waitlisted, refused;
	struct buf problems;
};

/*
 * Invites the usernames of list and everyone of org unit org_code (each may be empty) to session w, within
 * the user's scope: people or units outside it are refused with the same words as unknown ones.
 */
static int invite_people(struct req *r, const struct workshop *w, const char *list, const char *org_code,
			 struct invite_result *res, struct err *e)
{
	int64_t now = now_s();
	const char *p = list ? list : "";
	const char *name;
	int n = 0;
	while ((name = next_name(r, &p)) != NULL) {
		if (++n > INVITE_MAX) {
			buf_puts(
			    &res->problems,
			    view_digits(r, arena_printf(&r->arena, T(r, "At most %d usernames at once."), INVITE_MAX)));
			buf_putc(&res->problems, '\n');
			break;
		}
		struct user u;
		bool found = user_get_by_name(r->db, name, &u) == 0;
		bool ok = found && !u.deleted && learn_may_assign(r->db, r->user->roles, r->user->org_id, u.org_id);
		int64_t uid = found ? u.id : 0;
		if (found)
			user_release(&u);
		if (!ok) {
			buf_printf(&res->problems, "%s: %s\n", T(r, "No such user in the units you manage"), name);
			res->refused++;
			continue;
		}
		enum workshop_status s;
		int rc = workshop_invite(r->db, w->id, uid, now, &s, e);
		if (rc == ERR_UNAVAILABLE)
			return rc;
		if (rc < 0) {
			buf_printf(&res->problems, "%s: %s\n", name, T(r, e->msg));
			continue;
		}
		res->registered += s == WS_REGISTERED;
		res->waitlisted += s == WS_WAITLISTED;
	}
	if (org_code && *org_code) {
		int64_t oid = org_id(r->db, org_code);
		if (oid <= 0 || !learn_may_assign(r->db, r->user->roles, r->user->org_id, oid)) {
			buf_printf(&res->problems, "%s: %s\n", T(r, "No such org unit in the units you manage"),
				   org_code);
			res->refused++;
		} else {
			int reg = 0, wait = 0;
			int rc = workshop_invite_org(r->db, w->id, oid, now, &reg, &wait, e);
			if (rc < 0)
				return rc;
			res->registered += reg;
			res->waitlisted += wait;
		}
	}
	return 0;
}

/* Reads the trainers' usernames into ids (arena); a problem goes into fe. */
static void parse_trainers(struct req *r, struct form_errs *fe, int64_t **ids, size_t *n)
{
	const char *p = fv(r, "trainers", "");
	const char *name;
	size_t cap = 0;
	*ids = NULL;
	*n = 0;
	while ((name = next_name(r, &p)) != NULL) {
		struct user u;
		bool found = user_get_by_name(r->db, name, &u) == 0;
		bool ok = found && !u.deleted;
		int64_t id = found ? u.id : 0;
		if (found)
			user_release(&u);
		if (!ok) {
			form_errs_add(fe, "trainers", arena_printf(&r->arena, "%s: %s", T(r, "No such user"), name));
			return;
		}
		*ARENA_PUSH(&r->arena, *ids, *n, cap, 4) = id;
	}
}

static int h_create(struct req *r)
{
	struct form_errs fe = {.n = 0};
	const char *title = fv(r, "title", ""), *org = fv(r, "org", ""), *course = fv(r, "course", "");
	const char *lang = fv(r, "language", "km");
	if (!*title)
		form_errs_add(&fe, "title", T(r, "Give the session a title."));
	int64_t oid = *org ? org_id(r->db, org) : -1;
	if (oid <= 0)
		form_errs_add(&fe, "org", T(r, "No such org unit."));
	else if (!learn_may_assign(r->db, r->user->roles, r->user->org_id, oid))
		form_errs_add(&fe, "org", T(r, "Outside the units you manage"));
	int64_t cap = req_int(fv(r, "capacity", "0"), 0, 100000, -1);
	if (cap < 0)
		form_errs_add(&fe, "capacity", T(r, "Give the number of places as a whole number (0: no limit)."));
	struct workshop_day days[FORM_DAYS];
	int nd = 0;
	for (int i = 1; i <= FORM_DAYS; i++) {
		char n[16], s[16], t[16];
		snprintf(n, sizeof n, "date%d", i);
		snprintf(s, sizeof s, "start%d", i);
		snprintf(t, sizeof t, "end%d", i);
		const char *dv = fv(r, n, ""), *sv = fv(r, s, ""), *tv = fv(r, t, "");
		if (!*dv && i > 1)
			continue;
		struct err e;
		if (!*dv) {
			form_errs_add(&fe, "date1", T(r, "Give the date of the first day."));
			continue;
		}
		if (workshop_day_parts(dv, sv, tv, &days[nd], &e) < 0) {
			const char *field = strstr(e.msg, "not a date") ? n : strstr(e.msg, "not after") ? t : s;
			form_errs_add(&fe, arena_strdup(&r->arena, field),
				      strstr(e.msg, "not a date")  ? T(r, "Give a date.")
				      : strstr(e.msg, "not after") ? T(r, "The end must be after the start.")
								   : T(r, "Give a time (HH:MM)."));
			continue;
		}
		days[nd].day = nd + 1;
		if (nd > 0 && days[nd].starts_at < days[nd - 1].ends_at)
			form_errs_add(&fe, arena_strdup(&r->arena, n),
				      T(r, "Each day must start after the day before it ends."));
		nd++;
	}
	int64_t *trainers;
	size_t ntrainers;
	parse_trainers(r, &fe, &trainers, &ntrainers);
	if (fe.n)
		return new_form(r, &fe);
	struct workshop_new w = {.title = title,
				 .course_id = course,
				 .address = fv(r, "address", ""),
				 .language = lang,
				 .org_id = oid,
				 .capacity = (int)cap,
				 .days = days,
				 .ndays = nd,
				 .trainers = trainers,
				 .ntrainers = ntrainers,
				 .created_by = r->user->id};
	struct err e = {""};
	int64_t id = 0;
	if (db_begin(r->db, &e) < 0)
		return resp_error(r, 503, T(r, "The sessions cannot be read now. Try again."));
	int rc = workshop_create(r->db, &w, now_s(), &id, &e);
	if (rc == ERR_INVALID) {
		db_rollback(r->db);
		static const char *const fields[] = {"title", "course", "org", "address", "capacity", "language", NULL};
		form_errs_from_domain(r, &fe, e.msg, fields);
		return new_form(r, &fe);
	}
	struct invite_result res = {.problems = BUF_INIT};
	struct workshop got = {0};
	if (rc == 0)
		rc = workshop_get(r->db, id, &got, &e);
	if (rc == 0)
		rc = invite_people(r, &got, fv(r, "invite", ""), fv(r, "invite_org", ""), &res, &e);
	if (rc == 0 && res.refused) {
		db_rollback(r->db);
		form_errs_add(&fe, "invite", arena_strdup(&r->arena, buf_str(&res.problems)));
		buf_release(&res.problems);
		workshop_free(&got);
		return new_form(r, &fe);
	}
	/* The session, its people and its audit entry commit together. */
	if (rc == 0 &&
	    (audit_write(r->db, req_who(r), "session.add", arena_printf(&r->arena, "session:%lld", (long long)id),
			 arena_printf(&r->arena, "code=%s org=%s days=%d invited=%d", got.code, org, nd,
				      res.registered + res.waitlisted),
			 &e) < 0 ||
	     db_commit(r->db, &e) < 0))
		rc = ERR_UNAVAILABLE;
	if (rc < 0) {
		db_rollback(r->db);
		buf_release(&res.problems);
		workshop_free(&got);
		return resp_error(r, http_status_of(rc), e.msg);
	}
	buf_release(&res.problems);
	workshop_free(&got);
	return resp_redirect(r, arena_printf(&r->arena, "/sessions/%lld?done=created", (long long)id));
}

/* ---------- one session ---------- */

/* Loads the session of r->param[0] that the user may see, or answers 404 (returned non-zero). */
static int load(struct req *r, struct workshop *w, enum workshop_status *mine)
{
	struct err e = {""};
	int64_t id = req_int(r->param[0], 1, INT64_MAX, 0);
	int rc = id ? workshop_get(r->db, id, w, &e) : ERR_NOTFOUND;
	if (rc == ERR_NOTFOUND)
		return resp_error(r, 404, T(r, "No such session."));
	if (rc < 0)
		return resp_error(r, http_status_of(rc), e.msg);
	if (workshop_person_status(r->db, w->id, r->user->id, mine, &e) < 0) {
		workshop_free(w);
		return resp_error(r, 503, e.msg);
	}
	if (!may_see(r, w, *mine)) {
		workshop_free(w);
		return resp_error(r, 404, T(r, "No such session."));
	}
	return 0;
}

struct people_table {
	struct req *r;
	struct buf *b;
	enum workshop_status want;
	int n;
};

static int people_row(void *ctx, const struct workshop_person *p)
{
	struct people_table *t = ctx;
	if (p->status != t->want)
		return 0;
	struct req *r = t->r;
	if (!t->n++)
		buf_printf(t->b,
			   "<div class=\"table-scroll\"><table data-people=\"%s\"><thead><tr><th scope=\"col\">%s</th>"
			   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>"
			   "<tbody>",
			   workshop_status_name(t->want), T(r, "Name"), T(r, "Username"), T(r, "Row code"),
			   T(r, "Invited"));
	buf_printf(t->b, "<tr data-user=\"");
	buf_html(t->b, p->username);
	buf_puts(t->b, "\"><td>");
	buf_puts(t->b, name_for(r, p->full_name, p->full_name_km));
	buf_puts(t->b, "</td><td>");
	buf_html(t->b, p->username);
	buf_puts(t->b, "</td><td>");
	buf_html(t->b, p->row_code);
	buf_printf(t->b, "</td><td>%s</td></tr>", p->invited ? T(r, "Yes") : T(r, "No"));
	return 0;
}

static void people_section(struct req *r, struct buf *b, const struct workshop *w, enum workshop_status s,
			   const char *heading)
{
	buf_printf(b, "<h2>%s</h2>", heading);
	struct people_table t = {r, b, s, 0};
	struct err e;
	if (workshop_people_list(r->db, w->id, people_row, &t, &e) < 0)
		notice(b, "error", e.msg);
	else if (t.n)
		buf_puts(b, "</tbody></table></div>");
	else
		buf_printf(b, "<p>%s</p>", T(r, "Nobody."));
}

static void session_page_body(struct req *r, struct buf *b, const struct workshop *w, enum workshop_status mine,
			      bool manage, const char *problems)
{
	buf_printf(b, "<h1>");
	buf_html(b, w->title);
	buf_puts(b, "</h1>");
	const char *done = req_query(r, "done");
	static const struct {
		const char *key, *text;
	} dones[] = {{"created", "The session is created."},
		     {"registered", "You are registered."},
		     {"waitlisted", "The session is full: you are on the waiting list."},
		     {"left", "Your place is cancelled."},
		     {"invited", "The invitations are sent."}};
	for (size_t i = 0; done && i < sizeof dones / sizeof dones[0]; i++)
		if (strcmp(done, dones[i].key) == 0)
			notice(b, "ok", T(r, dones[i].text));
	if (problems && *problems)
		notice(b, "error", problems);
	if (w->cancelled_at)
		notice(b, "error", T(r, "This session is cancelled."));
	buf_puts(b, "<dl>");
	buf_printf(b, "<dt>%s</dt>", T(r, "When"));
	for (int i = 0; i < w->ndays; i++) {
		buf_puts(b, "<dd>");
		buf_html(b, when_text(r, &w->days[i]));
		buf_puts(b, "</dd>");
	}
	buf_printf(b, "<dt>%s</dt><dd>", T(r, "Where"));
	buf_html(b, org_name(r, w->org_id));
	if (w->address[0]) {
		buf_puts(b, ", ");
		buf_html(b, w->address);
	}
	buf_puts(b, "</dd>");
	if (w->course_id) {
		char *t = course_title_get(r->db, w->course_id, r->lang);
		buf_printf(b, "<dt>%s</dt><dd><a href=\"", T(r, "Course"));
		h_learn_href(b, w->course_id, NULL, NULL);
		buf_puts(b, "\">");
		buf_html(b, t ? t : w->course_id);
		buf_puts(b, "</a></dd>");
		free(t);
	}
	buf_printf(b, "<dt>%s</dt><dd>%s</dd>", T(r, "Language"), h_learn_lang_name(w->language));
	buf_printf(b, "<dt>%s</dt><dd data-registered=\"%d\" data-waitlisted=\"%d\">", T(r, "Places"), w->registered,
		   w->waitlisted);
	if (w->capacity)
		buf_html(b,
			 view_digits(r, arena_printf(&r->arena, T(r, "%d of %d taken"), w->registered, w->capacity)));
	else
		buf_html(b, view_digits(r, arena_printf(&r->arena, T(r, "%d registered (no limit)"), w->registered)));
	if (w->waitlisted) {
		buf_puts(b, "; ");
		buf_html(b, view_digits(r, arena_printf(&r->arena, T(r, "%d on the waiting list"), w->waitlisted)));
	}
	buf_printf(b, "</dd><dt>%s</dt><dd><code>", T(r, "Session code"));
	buf_html(b, w->code);
	buf_puts(b, "</code></dd></dl>");
	/* The user's own place. */
	if (!w->cancelled_at) {
		struct buf act = BUF_INIT;
		if (mine == WS_REGISTERED || mine == WS_WAITLISTED) {
			buf_printf(b, "<p class=\"status\" data-place=\"%s\">%s</p>", workshop_status_name(mine),
				   status_text(r, mine));
			session_href(&act, w->id, "/leave");
			form_begin(r, b, buf_str(&act));
			buf_printf(b, "<button class=\"secondary\">%s</button></form>", T(r, "Cancel my place"));
		} else if (w->ndays && now_s() < w->days[w->ndays - 1].ends_at && !is_trainer(r, w)) {
			session_href(&act, w->id, "/register");
			form_begin(r, b, buf_str(&act));
			bool full = w->capacity && w->registered >= w->capacity;
			buf_printf(b, "<button>%s</button></form>",
				   full ? T(r, "Join the waiting list") : T(r, "Register"));
		}
		buf_release(&act);
	}
	if (!manage)
		return;
	buf_printf(b, "<h2>%s</h2><ul>", T(r, "Attendance"));
	for (int i = 0; i < w->ndays; i++) {
		buf_printf(b, "<li><a href=\"/sessions/%lld/days/%d\">", (long long)w->id, w->days[i].day);
		buf_html(b, view_digits(r, arena_printf(&r->arena, T(r, "Day %d"), w->days[i].day)));
		buf_puts(b, view_colon(r));
		buf_html(b, when_text(r, &w->days[i]));
		buf_puts(b, "</a></li>");
	}
	buf_puts(b, "</ul>");
	checkin_session_links(r, b, w);
	h_survey_session_links(r, b, w->id);
	people_section(r, b, w, WS_REGISTERED, T(r, "Registered"));
	people_section(r, b, w, WS_WAITLISTED, T(r, "On the waiting list"));
	people_section(r, b, w, WS_CANCELLED, T(r, "Cancelled places"));
	if (w->cancelled_at)
		return;
	struct buf act = BUF_INIT;
	buf_printf(b, "<h2>%s</h2>", T(r, "Invite"));
	session_href(&act, w->id, "/invite");
	form_begin(r, b, buf_str(&act));
	field_textarea_e(b, NULL, "invite", T(r, "Usernames, one per line"), "", false, 4, 20000);
	field_input_e(b, NULL, "invite_org", T(r, "Or everyone in an org unit and below it: its code"), "text", "",
		      false, "off");
	form_submit(b, T(r, "Invite"));
	buf_puts(b, "</form>");
	buf_reset(&act);
	session_href(&act, w->id, "/cancel");
	buf_printf(b, "<h2>%s</h2>", T(r, "Cancel the session"));
	form_begin(r, b, buf_str(&act));
	buf_printf(b, "<button class=\"secondary\">%s</button></form>", T(r, "Cancel the session"));
	buf_release(&act);
}

static int session_page(struct req *r, int status, const char *problems)
{
	struct workshop w;
	enum workshop_status mine;
	int rc = load(r, &w, &mine);
	if (rc)
		return rc;
	struct buf b = BUF_INIT;
	page_begin(r, &b, w.title);
	session_page_body(r, &b, &w, mine, may_manage(r, &w), problems);
	page_end(r, &b);
	workshop_free(&w);
	return page_send(r, status, &b);
}

static int h_session(struct req *r)
{
	return session_page(r, 200, NULL);
}

static int h_register(struct req *r)
{
	struct workshop w;
	enum workshop_status mine, s;
	int rc = load(r, &w, &mine);
	if (rc)
		return rc;
	struct err e = {""};
	rc = workshop_register(r->db, w.id, r->user->id, now_s(), &s, &e);
	int64_t id = w.id;
	workshop_free(&w);
	if (rc == ERR_CONFLICT)
		return session_page(r, 409, T(r, "This session no longer takes registrations."));
	if (rc < 0)
		return resp_error(r, http_status_of(rc), e.msg);
	return resp_redirect(r, arena_printf(&r->arena, "/sessions/%lld?done=%s", (long long)id,
					     s == WS_WAITLISTED ? "waitlisted" : "registered"));
}

static int h_leave(struct req *r)
{
	struct workshop w;
	enum workshop_status mine;
	int rc = load(r, &w, &mine);
	if (rc)
		return rc;
	struct err e = {""};
	rc = workshop_unregister(r->db, w.id, r->user->id, now_s(), &e);
	int64_t id = w.id;
	workshop_free(&w);
	if (rc == ERR_NOTFOUND)
		return session_page(r, 409, T(r, "You have no place in this session."));
	if (rc < 0)
		return resp_error(r, http_status_of(rc), e.msg);
	return resp_redirect(r, arena_printf(&r->arena, "/sessions/%lld?done=left", (long long)id));
}

/* Loads a session the user manages, or answers 404/403 (returned non-zero). */
static int load_managed(struct req *r, struct workshop *w)
{
	enum workshop_status mine;
	int rc = load(r, w, &mine);
	if (rc)
		return rc;
	if (!may_manage(r, w)) {
		workshop_free(w);
		return resp_error(r, 403, T(r, "You may manage only the sessions of the units you manage."));
	}
	return 0;
}

static int h_invite(struct req *r)
{
	struct workshop w;
	int rc = load_managed(r, &w);
	if (rc)
		return rc;
	struct invite_result res = {.problems = BUF_INIT};
	struct err e = {""};
	if (w.cancelled_at)
		rc = ERR_CONFLICT;
	else if (db_begin(r->db, &e) < 0)
		rc = ERR_UNAVAILABLE;
	else if ((rc = invite_people(r, &w, fv(r, "invite", ""), fv(r, "invite_org", ""), &res, &e)) == 0)
		rc = audit_write(r->db, req_who(r), "session.invite",
				 arena_printf(&r->arena, "session:%lld", (long long)w.id),
				 arena_printf(&r->arena, "registered=%d waitlisted=%d refused=%d", res.registered,
					      res.waitlisted, res.refused),
				 &e) < 0 ||
			     db_commit(r->db, &e) < 0
			 ? ERR_UNAVAILABLE
			 : 0;
	if (rc < 0)
		db_rollback(r->db);
	int64_t id = w.id;
	workshop_free(&w);
	if (rc < 0) {
		buf_release(&res.problems);
		return rc == ERR_CONFLICT ? session_page(r, 409, T(r, "This session is cancelled."))
					  : resp_error(r, http_status_of(rc), e.msg);
	}
	if (res.problems.len) {
		rc = session_page(r, res.registered + res.waitlisted ? 200 : 422, buf_str(&res.problems));
		buf_release(&res.problems);
		return rc;
	}
	buf_release(&res.problems);
	return resp_redirect(r, arena_printf(&r->arena, "/sessions/%lld?done=invited", (long long)id));
}

/* Cancelling a whole session takes a second, explicit step: a tap on a phone must not do it. */
static int cancel_confirm(struct req *r, const struct workshop *w)
{
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Cancel the session"));
	buf_printf(&b, "<h1>%s</h1><p>", T(r, "Cancel the session"));
	buf_html(&b, w->title);
	buf_printf(&b, "</p><p>%s</p>",
		   T(r, "Its people keep their places on the list, but it takes no more registrations or marks. "
			"This cannot be undone."));
	struct buf act = BUF_INIT;
	session_href(&act, w->id, "/cancel");
	form_begin(r, &b, buf_str(&act));
	buf_printf(&b, "<input type=\"hidden\" name=\"confirm\" value=\"1\"><button>%s</button></form>",
		   T(r, "Yes, cancel the session"));
	buf_reset(&act);
	session_href(&act, w->id, NULL);
	buf_puts(&b, "<p><a href=\"");
	buf_html(&b, buf_str(&act));
	buf_printf(&b, "\">%s</a></p>", T(r, "No, keep it"));
	buf_release(&act);
	page_end(r, &b);
	return page_send(r, 200, &b);
}

static int h_cancel(struct req *r)
{
	struct workshop w;
	int rc = load_managed(r, &w);
	if (rc)
		return rc;
	const char *confirm = req_form(r, "confirm");
	if (!confirm || strcmp(confirm, "1") != 0) {
		rc = cancel_confirm(r, &w);
		workshop_free(&w);
		return rc;
	}
	struct err e = {""};
	/* The cancellation and its audit entry in one transaction. */
	rc = db_begin(r->db, &e) < 0 ? ERR_UNAVAILABLE : workshop_cancel(r->db, w.id, now_s(), &e);
	if (rc < 0)
		db_rollback(r->db);
	else if (req_audit_commit(r, "session.cancel", arena_printf(&r->arena, "session:%lld", (long long)w.id), NULL) <
		 0)
		rc = err_fail(&e, ERR_UNAVAILABLE, "%s", r->cause);
	workshop_free(&w);
	if (rc < 0)
		return resp_error(r, http_status_of(rc), e.msg);
	return resp_redirect(r, "/sessions?done=cancelled");
}

/* ---------- attendance ---------- */

/* One registered person of a day with their mark, for the marking page and the API. */
struct day_person {
	int64_t user_id;
	char *username, *full_name, *full_name_km, *row_code;
	bool marked;
	struct attendance_mark_row mark;
};

struct day_sheet {
	struct req *r;
	struct day_person *v;
	size_t n, cap;
	const char *q; /* search: keep only people matching it (NULL: everyone) */
};

/* True when q (ASCII case ignored) is in s. */
static bool contains(const char *s, const char *q)
{
	size_t n = strlen(q);
	for (; *s; s++) {
		size_t i = 0;
		while (i < n && s[i] && (s[i] | 0x20) == (q[i] | 0x20) &&
		       ((unsigned char)s[i] < 0x80 ? 1 : s[i] == q[i]))
			i++;
		if (i == n)
			return true;
	}
	return n == 0;
}

static int sheet_person(void *ctx, const struct workshop_person *p)
{
	struct day_sheet *s = ctx;
	if (p->status != WS_REGISTERED)
		return 0;
	if (s->q && *s->q && !contains(p->username, s->q) && !contains(p->full_name, s->q) &&
	    !contains(p->full_name_km, s->q) && !contains(p->row_code, s->q))
		return 0;
	struct day_person *d = ARENA_PUSH(&s->r->arena, s->v, s->n, s->cap, 32);
	memset(d, 0, sizeof *d);
	d->user_id = p->user_id;
	d->username = arena_strdup(&s->r->arena, p->username);
	d->full_name = arena_strdup(&s->r->arena, p->full_name);
	d->full_name_km = arena_strdup(&s->r->arena, p->full_name_km);
	d->row_code = arena_strdup(&s->r->arena, p->row_code);
	return 0;
}

static int sheet_mark(void *ctx, const struct attendance_mark_row *m)
{
	struct day_sheet *s = ctx;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].user_id == m->user_id) {
			s->v[i].marked = true;
			s->v[i].mark = *m;
		}
	return 0;
}

/* The registered people of day (matching q) and their marks. */
static int day_sheet_read(struct req *r, int64_t id, int day, const char *q, struct day_sheet *s, struct err *e)
{
	memset(s, 0, sizeof *s);
	s->r = r;
	s->q = q;
	int rc = workshop_people_list(r->db, id, sheet_person, s, e);
	if (rc == 0)
		rc = attendance_list(r->db, id, day, sheet_mark, s, e);
	return rc;
}

/* The day of the route in w, or NULL. */
static const struct workshop_day *route_day(struct req *r, const struct workshop *w)
{
	int d = (int)req_int(r->param[1], 1, WORKSHOP_MAX_DAYS, 0);
	for (int i = 0; i < w->ndays; i++)
		if (w->days[i].day == d)
			return &w->days[i];
	return NULL;
}

static const char *method_text(struct req *r, enum attendance_method m)
{
	switch (m) {
	case ATT_BY_TRAINER:
		return T(r, "by the trainer");
	case ATT_BY_SHEET:
		return T(r, "from the sign-in sheet");
	case ATT_BY_QR:
		return T(r, "by QR check-in");
	default:
		return T(r, "imported");
	}
}

static const char *marker_name(struct req *r, int64_t id)
{
	if (!id)
		return T(r, "the command line");
	struct user u;
	if (user_get(r->db, id, &u) < 0)
		return "?";
	const char *n = arena_strdup(&r->arena, u.username);
	user_release(&u);
	return n;
}

static int day_page(struct req *r, const struct workshop *w, const struct workshop_day *d, int status,
		    const char *message)
{
	const char *q = req_query(r, "q");
	struct day_sheet s;
	struct err e = {""};
	if (day_sheet_read(r, w->id, d->day, q, &s, &e) < 0)
		return resp_error(r, 503, e.msg);
	int present = 0;
	for (size_t i = 0; i < s.n; i++)
		present += s.v[i].marked && s.v[i].mark.status == ATT_PRESENT;
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Attendance"));
	buf_printf(&b, "<p><a href=\"/sessions/%lld\">", (long long)w->id);
	buf_html(&b, w->title);
	buf_printf(&b, "</a></p><h1>%s, ", T(r, "Attendance"));
	buf_html(&b, view_digits(r, arena_printf(&r->arena, T(r, "Day %d"), d->day)));
	buf_puts(&b, "</h1><p>");
	buf_html(&b, when_text(r, d));
	buf_puts(&b, "</p>");
	const char *done = req_query(r, "done");
	if (done && strcmp(done, "saved") == 0)
		notice(&b, "ok", T(r, "The marks are saved."));
	if (message)
		notice(&b, "error", message);
	else if (w->cancelled_at)
		notice(&b, "error", T(r, "This session is cancelled."));
	buf_printf(&b, "<p class=\"status\" data-present=\"%d\" data-shown=\"%zu\">", present, s.n);
	buf_html(&b, view_digits(r, arena_printf(&r->arena, T(r, "Present: %d of %zu shown"), present, s.n)));
	buf_puts(&b, "</p>");
	/* The search: a GET form the server answers, so it works with no JavaScript. */
	buf_printf(&b, "<form method=\"get\" action=\"/sessions/%lld/days/%d\" role=\"search\">", (long long)w->id,
		   d->day);
	field_input(&b, "q", T(r, "Find a person (name, username or row code)"), "search", q ? q : "", false, "off");
	buf_printf(&b, "<button class=\"secondary\">%s</button></form>", T(r, "Find"));
	struct buf act = BUF_INIT;
	buf_printf(&act, "/sessions/%lld/days/%d", (long long)w->id, d->day);
	if (!w->cancelled_at && s.n) {
		form_begin(r, &b, buf_str(&act));
		buf_puts(&b, "<input type=\"hidden\" name=\"all\" value=\"present\">");
		if (q && *q) {
			buf_puts(&b, "<input type=\"hidden\" name=\"q\" value=\"");
			buf_html(&b, q);
			buf_puts(&b, "\">");
		}
		buf_printf(&b, "<button>%s</button><p class=\"meta\">%s</p></form>", T(r, "All present"),
			   T(r, "Marks everyone shown who has no mark yet as present."));
	}
	if (s.n == 0)
		buf_printf(&b, "<p>%s</p>",
			   q && *q ? T(r, "Nobody matches your search.") : T(r, "Nobody is registered."));
	else if (!w->cancelled_at) {
		form_begin(r, &b, buf_str(&act));
		if (q && *q) {
			buf_puts(&b, "<input type=\"hidden\" name=\"q\" value=\"");
			buf_html(&b, q);
			buf_puts(&b, "\">");
		}
		static const enum attendance_status kinds[] = {ATT_PRESENT, ATT_ABSENT, ATT_EXCUSED};
		const char *words[] = {T(r, "Present"), T(r, "Absent"), T(r, "Excused")};
		for (size_t i = 0; i < s.n; i++) {
			const struct day_person *p = &s.v[i];
			buf_puts(&b, "<fieldset class=\"mark\" data-user=\"");
			buf_html(&b, p->username);
			buf_printf(&b, "\" data-mark=\"%s\"><legend>",
				   p->marked ? attendance_status_name(p->mark.status) : "");
			buf_puts(&b, name_for(r, p->full_name, p->full_name_km));
			buf_puts(&b, " <span class=\"meta\">(");
			buf_html(&b, p->row_code);
			buf_puts(&b, ")</span></legend>");
			for (int k = 0; k < 3; k++) {
				const char *v = attendance_status_name(kinds[k]);
				buf_printf(
				    &b,
				    "<label class=\"choice\"><input type=\"radio\" name=\"m%lld\" value=\"%s\"%s> "
				    "%s</label>",
				    (long long)p->user_id, v, p->marked && p->mark.status == kinds[k] ? " checked" : "",
				    words[k]);
			}
			if (p->marked) {
				buf_puts(&b, "<p class=\"meta\">");
				buf_html(&b, method_text(r, p->mark.method));
				buf_puts(&b, ", ");
				buf_html(&b, marker_name(r, p->mark.marked_by));
				buf_puts(&b, "</p>");
			}
			buf_puts(&b, "</fieldset>");
		}
		form_submit(&b, T(r, "Save the marks"));
		buf_puts(&b, "</form>");
	}
	buf_release(&act);
	page_end(r, &b);
	return page_send(r, status, &b);
}

static int h_day(struct req *r)
{
	struct workshop w;
	int rc = load_managed(r, &w);
	if (rc)
		return rc;
	const struct workshop_day *d = route_day(r, &w);
	rc = d ? day_page(r, &w, d, 200, NULL) : resp_error(r, 404, T(r, "This session has no such day."));
	workshop_free(&w);
	return rc;
}

/*
 * Records the marks of a day's form: "all=present" marks everyone shown with no mark yet; otherwise each
 * field mUSERID whose value differs from the stored mark. All in one transaction. *n gets how many.
 */
static int save_marks(struct req *r, const struct workshop *w, int day, const char *q, int *n, struct err *e)
{
	struct day_sheet s;
	int rc = day_sheet_read(r, w->id, day, q, &s, e);
	if (rc < 0)
		return rc;
	bool all = req_form(r, "all") && strcmp(req_form(r, "all"), "present") == 0;
	int64_t now = now_s();
	*n = 0;
	if (db_begin(r->db, e) < 0)
		return ERR_UNAVAILABLE;
	for (size_t i = 0; i < s.n && rc == 0; i++) {
		const struct day_person *p = &s.v[i];
		int want;
		if (all) {
			if (p->marked)
				continue;
			want = ATT_PRESENT;
		} else {
			char key[32];
			snprintf(key, sizeof key, "m%lld", (long long)p->user_id);
			const char *v = req_form(r, key);
			if (!v)
				continue;
			if ((want = attendance_status_parse(v)) < 0) {
				rc = err_fail(e, ERR_INVALID, "unknown mark '%s'", v);
				break;
			}
			if (p->marked && (int)p->mark.status == want)
				continue;
		}
		rc = attendance_mark(r->db, w->id, p->user_id, day, (enum attendance_status)want, ATT_BY_TRAINER,
				     r->user->id, now, e);
		*n += rc == 0;
	}
	/* The marks and their audit entry commit together. */
	if (rc == 0 && (audit_write(r->db, req_who(r), "attendance.mark",
				    arena_printf(&r->arena, "session:%lld", (long long)w->id),
				    arena_printf(&r->arena, "day=%d marks=%d", day, *n), e) < 0 ||
			db_commit(r->db, e) < 0))
		rc = ERR_UNAVAILABLE;
	if (rc < 0)
		db_rollback(r->db);
	return rc;
}

static int h_mark(struct req *r)
{
	struct workshop w;
	int rc = load_managed(r, &w);
	if (rc)
		return rc;
	const struct workshop_day *d = route_day(r, &w);
	if (!d) {
		workshop_free(&w);
		return resp_error(r, 404, T(r, "This session has no such day."));
	}
	const char *q = req_form(r, "q");
	struct err e = {""};
	int n = 0;
	rc = save_marks(r, &w, d->day, q, &n, &e);
	int64_t id = w.id;
	int day = d->day;
	if (rc == ERR_CONFLICT)
		rc = day_page(r, &w, d, 409, T(r, "This session is cancelled."));
	else if (rc < 0)
		rc =
		    rc == ERR_INVALID ? day_page(r, &w, d, 400, T(r, e.msg)) : resp_error(r, http_status_of(rc), e.msg);
	workshop_free(&w);
	if (rc)
		return rc;
	struct buf to = BUF_INIT;
	buf_printf(&to, "/sessions/%lld/days/%d?done=saved", (long long)id, day);
	if (q && *q) {
		buf_puts(&to, "&q=");
		buf_url(&to, q);
	}
	rc = resp_redirect(r, arena_strdup(&r->arena, buf_str(&to)));
	buf_release(&to);
	return rc;
}

/* ---------- JSON API ---------- */

static int send_json(struct req *r, int status, struct buf *b)
{
	int rc = resp_json(r, status, b);
	buf_release(b);
	return rc;
}

static void session_json(struct req *r, struct buf *b, const struct workshop *w, enum workshop_status mine)
{
	buf_printf(b, "{\"id\":%lld,\"code\":", (long long)w->id);
	buf_json_str(b, w->code);
	buf_puts(b, ",\"title\":");
	buf_json_str(b, w->title);
	buf_puts(b, ",\"course_id\":");
	buf_json_str(b, w->course_id);
	buf_printf(b, ",\"org_id\":%lld,\"place\":", (long long)w->org_id);
	buf_json_str(b, org_name(r, w->org_id));
	buf_puts(b, ",\"address\":");
	buf_json_str(b, w->address);
	buf_puts(b, ",\"language\":");
	buf_json_str(b, w->language);
	buf_printf(b, ",\"capacity\":%d,\"registered\":%d,\"waitlisted\":%d,\"cancelled\":%s,\"days\":[", w->capacity,
		   w->registered, w->waitlisted, w->cancelled_at ? "true" : "false");
	for (int i = 0; i < w->ndays; i++) {
		char local[32];
		workshop_day_format(&w->days[i], local, sizeof local);
		buf_printf(b, "%s{\"day\":%d,\"starts_at\":%lld,\"ends_at\":%lld,\"local\":", i ? "," : "",
			   w->days[i].day, (long long)w->days[i].starts_at, (long long)w->days[i].ends_at);
		buf_json_str(b, local);
		buf_puts(b, "}");
	}
	buf_puts(b, "],\"status\":");
	buf_json_str(b, mine == WS_NONE ? NULL : workshop_status_name(mine));
	buf_puts(b, "}");
}

struct json_list {
	struct req *r;
	struct buf *b;
	int n;
	bool skip_mine;
};

static int json_one(void *ctx, const struct workshop *w)
{
	struct json_list *l = ctx;
	enum workshop_status s;
	struct err e;
	if (workshop_person_status(l->r->db, w->id, l->r->user->id, &s, &e) < 0)
		return -1;
	if (l->skip_mine && (s == WS_REGISTERED || s == WS_WAITLISTED))
		return 0;
	if (l->n++)
		buf_putc(l->b, ',');
	session_json(l->r, l->b, w, s);
	return 0;
}

static int h_api_sessions(struct req *r)
{
	int64_t now = now_s();
	struct buf b = BUF_INIT;
	struct err e = {""};
	buf_puts(&b, "{\"sessions\":[");
	struct json_list l = {r, &b, 0, false};
	struct workshop_filter mine = {.user_id = r->user->id, .from = now};
	int rc = workshop_list(r->db, &mine, json_one, &l, &e);
	buf_puts(&b, "],\"open\":[");
	char area[256];
	if (rc == 0 && org_path(r->db, area_root(r), area, sizeof area) == 0) {
		struct workshop_filter open = {.org_path = area, .from = now};
		l = (struct json_list){r, &b, 0, true};
		rc = workshop_list(r->db, &open, json_one, &l, &e);
	}
	buf_puts(&b, "]}");
	if (rc < 0) {
		buf_release(&b);
		return resp_error(r, 503, "the sessions cannot be read now; try again");
	}
	return send_json(r, 200, &b);
}

/* Loads the session of the route for the API: 404 when the user may not see it (returned non-zero). */
static int api_load(struct req *r, struct workshop *w, enum workshop_status *mine)
{
	struct err e = {""};
	int64_t id = req_int(r->param[0], 1, INT64_MAX, 0);
	int rc = id ? workshop_get(r->db, id, w, &e) : ERR_NOTFOUND;
	if (rc == ERR_NOTFOUND)
		return resp_error(r, 404, "no such session");
	if (rc < 0)
		return resp_error(r, http_status_of(rc), e.msg);
	if (workshop_person_status(r->db, w->id, r->user->id, mine, &e) < 0 || !may_see(r, w, *mine)) {
		workshop_free(w);
		return resp_error(r, 404, "no such session");
	}
	return 0;
}

static int h_api_session(struct req *r)
{
	struct workshop w;
	enum workshop_status mine;
	int rc = api_load(r, &w, &mine);
	if (rc)
		return rc;
	struct buf b = BUF_INIT;
	session_json(r, &b, &w, mine);
	workshop_free(&w);
	return send_json(r, 200, &b);
}

static int h_api_register(struct req *r)
{
	struct workshop w;
	enum workshop_status mine, s;
	int rc = api_load(r, &w, &mine);
	if (rc)
		return rc;
	struct err e = {""};
	rc = workshop_register(r->db, w.id, r->user->id, now_s(), &s, &e);
	workshop_free(&w);
	if (rc == ERR_CONFLICT)
		return resp_error(r, 409, "this session no longer takes registrations");
	if (rc < 0)
		return resp_error(r, http_status_of(rc), e.msg);
	struct buf b = BUF_INIT;
	buf_printf(&b, "{\"status\":\"%s\"}", workshop_status_name(s));
	return send_json(r, 200, &b);
}

static int h_api_unregister(struct req *r)
{
	struct workshop w;
	enum workshop_status mine;
	int rc = api_load(r, &w, &mine);
	if (rc)
		return rc;
	struct err e = {""};
	rc = workshop_unregister(r->db, w.id, r->user->id, now_s(), &e);
	workshop_free(&w);
	if (rc == ERR_NOTFOUND)
		return resp_error(r, 409, "you have no place in this session");
	if (rc < 0)
		return resp_error(r, http_status_of(rc), e.msg);
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"status\":\"cancelled\"}");
	return send_json(r, 200, &b);
}

/* The session and day of the route for a trainer's marking, or an answer sent (returned non-zero). */
static int api_load_day(struct req *r, struct workshop *w, const struct workshop_day **d)
{
	enum workshop_status mine;
	int rc = api_load(r, w, &mine);
	if (rc)
		return rc;
	if (!may_manage(r, w)) {
		workshop_free(w);
		return resp_error(r, 403, "you may mark attendance only at the sessions of the units you manage");
	}
	if (!(*d = route_day(r, w))) {
		workshop_free(w);
		return resp_error(r, 404, "this session has no such day");
	}
	return 0;
}

static void day_json(struct req *r, struct buf *b, const struct workshop *w, const struct day_sheet *s, int day)
{
	buf_printf(b, "{\"session_id\":%lld,\"day\":%d,\"people\":[", (long long)w->id, day);
	for (size_t i = 0; i < s->n; i++) {
		const struct day_person *p = &s->v[i];
		buf_printf(b, "%s{\"user_id\":%lld,\"username\":", i ? "," : "", (long long)p->user_id);
		buf_json_str(b, p->username);
		buf_puts(b, ",\"full_name\":");
		buf_json_str(b, p->full_name);
		buf_puts(b, ",\"full_name_km\":");
		buf_json_str(b, p->full_name_km);
		buf_puts(b, ",\"row_code\":");
		buf_json_str(b, p->row_code);
		buf_puts(b, ",\"mark\":");
		if (p->marked) {
			buf_printf(b, "{\"status\":\"%s\",\"method\":\"%s\",\"marked_by\":",
				   attendance_status_name(p->mark.status), attendance_method_name(p->mark.method));
			buf_json_str(b, p->mark.marked_by ? marker_name(r, p->mark.marked_by) : NULL);
			buf_printf(b, ",\"marked_at\":%lld}", (long long)p->mark.marked_at);
		} else {
			buf_puts(b, "null");
		}
		buf_puts(b, "}");
	}
	buf_puts(b, "]}");
}

static int h_api_day(struct req *r)
{
	struct workshop w;
	const struct workshop_day *d;
	int rc = api_load_day(r, &w, &d);
	if (rc)
		return rc;
	struct day_sheet s;
	struct err e = {""};
	if (day_sheet_read(r, w.id, d->day, req_query(r, "q"), &s, &e) < 0) {
		workshop_free(&w);
		return resp_error(r, 503, e.msg);
	}
	struct buf b = BUF_INIT;
	day_json(r, &b, &w, &s, d->day);
	workshop_free(&w);
	return send_json(r, 200, &b);
}

/*
 * POST marks: {"present": [usernames], "absent": [...], "excused": [...]} and/or {"all_present": true}
 * (everyone registered with no mark yet). All or nothing: a username that is not registered for the
 * session refuses the whole request.
 */
static int h_api_mark(struct req *r)
{
	struct workshop w;
	const struct workshop_day *d;
	int rc = api_load_day(r, &w, &d);
	if (rc)
		return rc;
	int status = 0;
	static const char shape[] = "{\"present\": [usernames], \"absent\": [...], \"excused\": [...], "
				    "\"all_present\": false}";
	struct json_obj *body = NULL;
	struct err e = {""};
	struct day_sheet s;
	int n = 0;
	if (json_body_parse(r->body, r->body_len, &body, &e) < 0) {
		body = NULL;
		status = resp_error(r, 400, arena_printf(&r->arena, "the body must be a JSON object %s", shape));
		goto out;
	}
	const char **lists[3];
	size_t counts[3];
	static const char *const keys[] = {"present", "absent", "excused"};
	for (int k = 0; k < 3; k++)
		if (json_get_strings(body, keys[k], &r->arena, &lists[k], &counts[k], &e) < 0) {
			status =
			    resp_error(r, 400, arena_printf(&r->arena, "'%s' must be an array of usernames", keys[k]));
			goto out;
		}
	const char *allv = json_get_scalar(body, "all_present", &r->arena);
	bool all = allv && (strcmp(allv, "1") == 0 || strcmp(allv, "true") == 0);
	if (day_sheet_read(r, w.id, d->day, NULL, &s, &e) < 0) {
		status = resp_error(r, 503, e.msg);
		goto out;
	}
	if (w.cancelled_at) {
		status = resp_error(r, 409, "this session is cancelled");
		goto out;
	}
	int64_t now = now_s();
	if (db_begin(r->db, &e) < 0) {
		status = resp_error(r, 503, e.msg);
		goto out;
	}
	rc = 0;
	for (size_t i = 0; all && rc == 0 && i < s.n; i++)
		if (!s.v[i].marked) {
			rc = attendance_mark(r->db, w.id, s.v[i].user_id, d->day, ATT_PRESENT, ATT_BY_TRAINER,
					     r->user->id, now, &e);
			n += rc == 0;
		}
	for (int k = 0; k < 3 && rc == 0; k++)
		for (size_t i = 0; i < counts[k] && rc == 0; i++) {
			size_t j = 0;
			while (j < s.n && strcasecmp(s.v[j].username, lists[k][i]) != 0)
				j++;
			if (j == s.n) {
				rc = err_fail(&e, ERR_INVALID, "'%s' is not registered for this session", lists[k][i]);
				break;
			}
			rc = attendance_mark(r->db, w.id, s.v[j].user_id, d->day, (enum attendance_status)k,
					     ATT_BY_TRAINER, r->user->id, now, &e);
			n += rc == 0;
		}
	if (rc == 0 &&
	    (audit_write(r->db, req_who(r), "attendance.mark", arena_printf(&r->arena, "session:%lld", (long long)w.id),
			 arena_printf(&r->arena, "day=%d marks=%d", d->day, n), &e) < 0 ||
	     db_commit(r->db, &e) < 0))
		rc = ERR_UNAVAILABLE;
	if (rc < 0) {
		db_rollback(r->db);
		status = resp_error(r, http_status_of(rc), e.msg);
		goto out;
	}
	if (day_sheet_read(r, w.id, d->day, NULL, &s, &e) < 0) {
		status = resp_error(r, 503, e.msg);
		goto out;
	}
	struct buf b = BUF_INIT;
	day_json(r, &b, &w, &s, d->day);
	status = send_json(r, 200, &b);
out:
	json_body_free(body);
	workshop_free(&w);
	return status;
}

const struct route training_routes[] = {
    {"GET", "/sessions", ROLE_ANY, h_list, 0},
    {"GET", "/sessions/new", ORGANISERS, h_new, 0},
    {"POST", "/sessions/new", ORGANISERS, h_create, 64 * 1024},
    {"GET", "/sessions/:id", ROLE_ANY, h_session, 0},
    {"POST", "/sessions/:id/register", ROLE_ANY, h_register, 0},
    {"POST", "/sessions/:id/leave", ROLE_ANY, h_leave, 0},
    {"POST", "/sessions/:id/invite", ORGANISERS, h_invite, 64 * 1024},
    {"POST", "/sessions/:id/cancel", ORGANISERS, h_cancel, 0},
    {"GET", "/sessions/:id/days/:day", ROLE_ANY, h_day, 0},
    {"POST", "/sessions/:id/days/:day", ROLE_ANY, h_mark, 256 * 1024},
    {"GET", "/api/v1/sessions", ROLE_ANY, h_api_sessions, 0},
    {"GET", "/api/v1/sessions/:id", ROLE_ANY, h_api_session, 0},
    {"POST", "/api/v1/sessions/:id/register", ROLE_ANY, h_api_register, 0},
    {"POST", "/api/v1/sessions/:id/unregister", ROLE_ANY, h_api_unregister, 0},
    {"GET", "/api/v1/sessions/:id/days/:day/attendance", ROLE_ANY, h_api_day, 0},
    {"POST", "/api/v1/sessions/:id/days/:day/attendance", ROLE_ANY, h_api_mark, 256 * 1024},
    {NULL, NULL, 0, NULL, 0},
};
