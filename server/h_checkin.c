/*
 * Attendance without the trainer's marking page: the sign-in sheet (PDF) and the page where a clerk keys
 * it in by row code, the QR code a trainer shows or prints for a session day, and the learner's self
 * check-in (page and POST /api/v1/checkin). One domain call per handler (training/checkin.h,
 * training/sheet.h); scope as for the session pages: the session's trainers, and administrators, managers
 * and trainers whose units hold the venue.
 */
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts/orgs.h"
#include "certificates/cert.h"
#include "courses/learn.h"
#include "lib/i18n.h"
#include "lib/json.h"
#include "lib/util.h"
#include "server/h_checkin.h"
#include "server/server.h"
#include "server/views.h"
#include "training/attendance.h"
#include "training/checkin.h"
#include "training/sheet.h"
#include "training/workshops.h"

/* Most row codes one key-in form may carry (a sheet of a large workshop, with room to spare). */
#define KEYIN_MAX_MARKS 2000

/* The session pages' rule (server/h_training.c): its trainers, and whoever may assign courses at the venue. */
static bool in_scope(struct req *r, const struct workshop *w)
{
	for (size_t i = 0; i < w->ntrainers; i++)
		if (w->trainers[i] == r->user->id)
			return true;
	return learn_may_assign(r->db, r->user->roles, r->user->org_id, w->org_id);
}

/* Loads the session of the path for a trainer or manager in scope; false with the answer sent in *status. */
static bool load_session(struct req *r, struct workshop *w, int *status)
{
	int64_t id = req_int(r->param[0], 1, INT64_MAX, 0);
	struct err e;
	int rc = id > 0 ? workshop_get(r->db, id, w, &e) : ERR_NOTFOUND;
	if (rc == ERR_NOTFOUND) {
		*status = resp_error(r, 404, T(r, "No such session."));
		return false;
	}
	if (rc < 0) {
		r->cause = arena_printf(&r->arena, "cannot read session %s: %s", r->param[0], e.msg);
		*status = resp_error(r, 503, T(r, "The database could not be read. Please try again in a moment."));
		return false;
	}
	if (!in_scope(r, w)) {
		workshop_free(w);
		/* As the session pages: a session outside one's scope is answered as if it did not exist. */
		*status = resp_error(r, 404, T(r, "No such session."));
		return false;
	}
	return true;
}

static const struct workshop_day *day_of(const struct workshop *w, int day)
{
	for (int i = 0; i < w->ndays; i++)
		if (w->days[i].day == day)
			return &w->days[i];
	return NULL;
}

/* ?day=N when it is a day of w; else the day whose check-in is open now, else the next day, else the last. */
static int pick_day(struct req *r, const struct workshop *w)
{
	int day = (int)req_int(req_query(r, "day") ? req_query(r, "day") : req_form(r, "day"), 1, WORKSHOP_MAX_DAYS, 0);
	if (day && day_of(w, day))
		return day;
	int64_t now = now_s();
	int open = checkin_day_at(w, now, checkin_margin(r->db));
	if (open)
		return open;
	for (int i = 0; i < w->ndays; i++)
		if (w->days[i].ends_at > now)
			return w->days[i].day;
	return w->ndays ? w->days[w->ndays - 1].day : 1;
}

/* "HH:MM" in Cambodia's time. */
static void hm_of(int64_t t, char out[6])
{
	time_t tt = (time_t)(t + WORKSHOP_TZ_OFFSET);
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 6, "%H:%M", &tm);
}

/* "HH:MM, YYYY-MM-DD" in Cambodia's time, in the arena. */
static const char *when(struct req *r, int64_t t)
{
	char date[11], hm[6];
	checkin_local_date(t, date);
	hm_of(t, hm);
	return arena_printf(&r->arena, "%s, %s", view_digits(r, hm), view_day(r, date));
}

static void day_line(struct req *r, struct buf *b, const struct workshop *w, const struct workshop_day *d)
{
	char date[11];
	checkin_local_date(d->starts_at, date);
	buf_puts(b, "<p class=\"meta\">");
	buf_html(b, view_digits(r, arena_printf(&r->arena, T(r, "Day %d of %d"), d->day, w->ndays)));
	buf_puts(b, " · ");
	char from[6], to[6];
	hm_of(d->starts_at, from);
	hm_of(d->ends_at, to);
	buf_html(b, view_day(r, date));
	buf_printf(b, " · %s–%s", view_digits(r, from), view_digits(r, to));
	buf_puts(b, " · ");
	buf_html(b, T(r, "Session code"));
	buf_puts(b, " <strong>");
	buf_html(b, w->code);
	buf_puts(b, "</strong></p>");
}

/* Links to the other days of the session's page at path (?day=N). */
static void day_links(struct req *r, struct buf *b, const struct workshop *w, int day, const char *path)
{
	if (w->ndays < 2)
		return;
	buf_printf(b, "<nav aria-label=\"%s\"><p>", T(r, "Days"));
	for (int i = 0; i < w->ndays; i++) {
		int d = w->days[i].day;
		if (d == day)
			buf_printf(b, "<strong aria-current=\"page\">%s</strong> ",
				   view_digits(r, arena_printf(&r->arena, T(r, "Day %d"), d)));
		else
			buf_printf(b, "<a href=\"/sessions/%lld/%s?day=%d\">%s</a> ", (long long)w->id, path, d,
				   view_digits(r, arena_printf(&r->arena, T(r, "Day %d"), d)));
	}
	buf_puts(b, "</p></nav>");
}

void checkin_session_links(struct req *r, struct buf *b, const struct workshop *w)
{
	if (w->cancelled_at || !w->ndays)
		return;
	buf_printf(b, "<ul class=\"checkin-links\"><li><a href=\"/sessions/%lld/sheet.pdf\">%s</a></li>",
		   (long long)w->id, T(r, "Sign-in sheets (PDF)"));
	buf_printf(b, "<li><a href=\"/sessions/%lld/keyin\">%s</a></li>", (long long)w->id,
		   T(r, "Key in the sign-in sheet"));
	buf_printf(b, "<li><a href=\"/sessions/%lld/checkin-code\">%s</a></li></ul>", (long long)w->id,
		   T(r, "Check-in code (QR)"));
}

/* ---- the sign-in sheet -------------------------------------------------------------------------- */

static int h_sheet_pdf(struct req *r)
{
	struct workshop w;
	int status;
	if (!load_session(r, &w, &status))
		return status;
	const char *q = req_query(r, "day");
	int day = q ? (int)req_int(q, 0, WORKSHOP_MAX_DAYS, -1) : 0;
	if (day < 0 || (day && !day_of(&w, day))) {
		workshop_free(&w);
		return resp_error(r, 404, T(r, "This session has no such day."));
	}
	const char *hdr = arena_printf(&r->arena,
				       "Content-Disposition: attachment; filename=\"sign-in-%s%s%.0d.pdf\"\r\n"
				       "Cache-Control: private, no-store\r\n",
				       w.code, day ? "-day" : "", day);
	if (req_is_head(r)) {
		workshop_free(&w);
		return resp_head(r, 200, "application/pdf", hdr);
	}
	struct buf pdf = BUF_INIT;
	struct err e;
	int rc = workshop_sheet_pdf(r->db, w.id, day, &pdf, &e);
	workshop_free(&w);
	if (rc < 0) {
		buf_release(&pdf);
		r->cause = arena_printf(&r->arena, "sign-in sheet of session %s: %s", r->param[0], e.msg);
		return resp_error(r,
				  rc == ERR_NOTFOUND	      ? 404
				  : http_status_of(rc) == 503 ? 503
							      : 500,
				  T(r, "The sign-in sheet could not be made. Please try again in a moment."));
	}
	rc = resp_send(r, 200, "application/pdf", pdf.data, pdf.len, hdr);
	buf_release(&pdf);
	return rc;
}

/* ---- keying the sheet in ------------------------------------------------------------------------ */

struct keyin_person {
	int64_t user_id;
	const char *name, *row_code;
	int mark, method; /* the day's mark and how it was made; mark -1: none */
};

struct keyin_page {
	struct req *r;
	struct keyin_person *p;
	size_t n, cap;
};

static int keyin_person_fn(void *ctx, const struct workshop_person *p)
{
	struct keyin_page *k = ctx;
	if (p->status != WS_REGISTERED)
		return 0;
	*ARENA_PUSH(&k->r->arena, k->p, k->n, k->cap, 32) = (struct keyin_person){
	    p->user_id,
	    arena_printf(&k->r->arena, "%s%s%s", name_for(k->r, p->full_name, p->full_name_km),
			 strcmp(k->r->lang, "km") == 0 || !p->full_name_km || !*p->full_name_km ? "" : " · ",
			 strcmp(k->r->lang, "km") == 0 || !p->full_name_km ? "" : p->full_name_km),
	    arena_strdup(&k->r->arena, p->row_code), -1, -1};
	return 0;
}

static int keyin_mark_fn(void *ctx, const struct attendance_mark_row *m)
{
	struct keyin_page *k = ctx;
	for (size_t i = 0; i < k->n; i++)
		if (k->p[i].user_id == m->user_id)
			k->p[i].mark = (int)m->status, k->p[i].method = (int)m->method;
	return 0;
}

static const char *const statuses[] = {"present", "absent", "excused"};
static const char *const status_labels[] = {"Present", "Absent", "Excused"};
static const char *const method_labels[] = {"by the trainer", "from the sign-in sheet", "QR check-in", "imported"};
static const char *const codes_labels[] = {"Row codes of people present", "Row codes of people absent",
					   "Row codes of people excused"};

static int keyin_page(struct req *r, const struct workshop *w, int day, int status, const char *error, const char *ok)
{
	const struct workshop_day *d = day_of(w, day);
	struct keyin_page k = {.r = r};
	struct err e;
	if (workshop_people_list(r->db, w->id, keyin_person_fn, &k, &e) < 0 ||
	    attendance_list(r->db, w->id, day, keyin_mark_fn, &k, &e) < 0) {
		r->cause = arena_printf(&r->arena, "key-in page of session %lld: %s", (long long)w->id, e.msg);
		return resp_error(r, 503, T(r, "The database could not be read. Please try again in a moment."));
	}
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Key in the sign-in sheet"));
	buf_puts(&b, "<h1>");
	buf_html(&b, T(r, "Key in the sign-in sheet"));
	buf_puts(&b, "</h1><p><strong>");
	buf_html(&b, w->title);
	buf_puts(&b, "</strong></p>");
	if (d)
		day_line(r, &b, w, d);
	day_links(r, &b, w, day, "keyin");
	if (error)
		notice(&b, "error", error);
	if (ok)
		notice(&b, "ok", ok);
	buf_printf(&b, "<p><a href=\"/sessions/%lld/sheet.pdf?day=%d\">%s</a></p>", (long long)w->id, day,
		   T(r, "Download the sign-in sheet (PDF)"));
	form_begin(r, &b, arena_printf(&r->arena, "/sessions/%lld/keyin", (long long)w->id));
	buf_printf(&b, "<input type=\"hidden\" name=\"day\" value=\"%d\">", day);
	buf_puts(&b, "<p>");
	buf_html(&b, T(r, "Type the row codes from the sheet, separated by spaces or commas, or choose a mark "
			  "for each person below. Nothing is recorded unless every code is right."));
	buf_puts(&b, "</p>");
	for (int s = 0; s < 3; s++) {
		char name[16];
		snprintf(name, sizeof name, "codes_%s", statuses[s]);
		const char *typed = req_form(r, name);
		buf_printf(&b,
			   "<label for=\"f-%s\">%s</label><textarea id=\"f-%s\" name=\"%s\" rows=\"2\" "
			   "autocapitalize=\"characters\" spellcheck=\"false\">",
			   name, T(r, codes_labels[s]), name, name);
		buf_html(&b, typed && error ? typed : "");
		buf_puts(&b, "</textarea>");
	}
	if (k.n) {
		/* One fieldset per person, the choices one under the other: a phone needs no sideways scroll. */
		buf_printf(&b, "<h2>%s</h2>", T(r, "Registered people"));
		for (size_t i = 0; i < k.n; i++) {
			const struct keyin_person *p = &k.p[i];
			buf_puts(&b, "<fieldset class=\"keyin-person\" data-code=\"");
			buf_html(&b, p->row_code);
			buf_puts(&b, "\"><legend>");
			buf_html(&b, p->name);
			buf_puts(&b, " <span class=\"meta\">(");
			buf_html(&b, p->row_code);
			buf_puts(&b, ")</span></legend><p class=\"meta\">");
			buf_html(&b, T(r, "Recorded"));
			buf_puts(&b, view_colon(r));
			if (p->mark >= 0 && p->mark < 3 && p->method >= 0 && p->method < 4)
				buf_html(&b, arena_printf(&r->arena, "%s (%s)", T(r, status_labels[p->mark]),
							  T(r, method_labels[p->method])));
			else
				buf_puts(&b, "–");
			buf_puts(&b, "</p>");
			/* Nothing is chosen beforehand: only what the clerk chooses is recorded, so a mark made
			 * another way (a QR check-in) keeps its method. */
			const char *sent = req_form(r, arena_printf(&r->arena, "m.%s", p->row_code));
			for (int s = 0; s < 3; s++) {
				bool checked = error && sent && strcmp(sent, statuses[s]) == 0;
				buf_puts(&b, "<label><input type=\"radio\" name=\"m.");
				buf_html(&b, p->row_code);
				buf_printf(&b, "\" value=\"%s\"%s> %s</label>", statuses[s], checked ? " checked" : "",
					   T(r, status_labels[s]));
			}
			buf_puts(&b, "</fieldset>");
		}
	} else {
		notice(&b, "info", T(r, "Nobody is registered for this session yet."));
	}
	form_submit(&b, T(r, "Record the marks"));
	buf_puts(&b, "</form>");
	page_end(r, &b);
	return page_send(r, status, &b);
}

static int h_keyin_get(struct req *r)
{
	struct workshop w;
	int status;
	if (!load_session(r, &w, &status))
		return status;
	const char *done = req_query(r, "recorded");
	const char *ok =
	    done ? view_digits(r, arena_printf(&r->arena, T(r, "Recorded %d marks."), (int)req_int(done, 0, 100000, 0)))
		 : NULL;
	status = keyin_page(r, &w, pick_day(r, &w), 200, NULL, ok);
	workshop_free(&w);
	return status;
}

/* Adds the codes of text (separated by spaces, commas, semicolons or new lines) with status s. */
static int codes_add(struct req *r, const char *text, enum attendance_status s, struct sheet_mark *m, size_t *n)
{
	if (!text)
		return 0;
	char *copy = arena_strdup(&r->arena, text);
	char *save = NULL;
	for (char *tok = strtok_r(copy, " ,;\t\r\n", &save); tok; tok = strtok_r(NULL, " ,;\t\r\n", &save)) {
		if (*n >= KEYIN_MAX_MARKS)
			return -1;
		m[(*n)++] = (struct sheet_mark){tok, s};
	}
	return 0;
}

static int h_keyin_post(struct req *r)
{
	struct workshop w;
	int status;
	if (!load_session(r, &w, &status))
		return status;
	int day = (int)req_int(req_form(r, "day"), 1, WORKSHOP_MAX_DAYS, 0);
	if (!day_of(&w, day)) {
		workshop_free(&w);
		return resp_error(r, 400, T(r, "This session has no such day."));
	}
	struct sheet_mark *marks = arena_alloc(&r->arena, KEYIN_MAX_MARKS * sizeof *marks);
	size_t n = 0;
	bool too_many = false;
	for (int s = 0; s < 3; s++)
		too_many |= codes_add(r, req_form(r, arena_printf(&r->arena, "codes_%s", statuses[s])),
				      (enum attendance_status)s, marks, &n) < 0;
	for (size_t i = 0; i < r->nform && !too_many; i++) {
		if (strncmp(r->form[i].key, "m.", 2) != 0 || !r->form[i].val[0])
			continue;
		int s = attendance_status_parse(r->form[i].val);
		if (s < 0)
			continue;
		if (n >= KEYIN_MAX_MARKS)
			too_many = true;
		else
			marks[n++] = (struct sheet_mark){r->form[i].key + 2, (enum attendance_status)s};
	}
	const char *error = NULL;
	if (too_many)
		error =
		    view_digits(r, arena_printf(&r->arena, T(r, "Give at most %d marks at once."), KEYIN_MAX_MARKS));
	else if (n == 0)
		error = T(r, "Type at least one row code or choose a mark.");
	if (error) {
		status = keyin_page(r, &w, day, 400, error, NULL);
		workshop_free(&w);
		return status;
	}
	struct buf unknown = BUF_INIT, unregistered = BUF_INIT, twice = BUF_INIT;
	struct err e;
	int recorded = 0;
	/* The marks and their audit entry in one transaction. */
	int rc = db_begin(r->db, &e) < 0 ? ERR_UNAVAILABLE
					 : checkin_sheet_keyin(r->db, w.id, day, marks, n, r->user->id, now_s(),
							       &recorded, &unknown, &unregistered, &twice, &e);
	if (rc < 0)
		db_rollback(r->db);
	else if (req_audit_commit(r, "attendance.sheet", arena_printf(&r->arena, "session:%lld", (long long)w.id),
				  arena_printf(&r->arena, "day=%d marks=%d", day, recorded)) < 0)
		rc = err_fail(&e, ERR_UNAVAILABLE, "%s", r->cause);
	if (rc == 0) {
		workshop_free(&w);
		buf_release(&unknown);
		buf_release(&unregistered);
		buf_release(&twice);
		return resp_redirect(
		    r, arena_printf(&r->arena, "/sessions/%s/keyin?day=%d&recorded=%d", r->param[0], day, recorded));
	}
	struct buf msg = BUF_INIT;
	if (rc == ERR_INVALID) {
		buf_puts(&msg, T(r, "Nothing was recorded."));
		if (unknown.len) {
			buf_putc(&msg, ' ');
			buf_printf(&msg, T(r, "Unknown row codes: %s."), buf_str(&unknown));
		}
		if (unregistered.len) {
			buf_putc(&msg, ' ');
			buf_printf(&msg, T(r, "Not registered for this session: %s."), buf_str(&unregistered));
		}
		if (twice.len) {
			buf_putc(&msg, ' ');
			buf_printf(&msg, T(r, "Given twice with different marks: %s."), buf_str(&twice));
		}
		status = 422;
	} else if (rc == ERR_CONFLICT) {
		buf_puts(&msg, T(r, "This session is cancelled: nothing was recorded."));
		status = 409;
	} else {
		r->cause = arena_printf(&r->arena, "keying in session %lld day %d: %s", (long long)w.id, day, e.msg);
		buf_puts(&msg,
			 T(r, "The marks could not be saved: nothing was recorded. Please try again in a moment."));
		status = rc == ERR_UNAVAILABLE ? 503 : 500;
	}
	status = keyin_page(r, &w, day, status, arena_strdup(&r->arena, buf_str(&msg)), NULL);
	buf_release(&msg);
	buf_release(&unknown);
	buf_release(&unregistered);
	buf_release(&twice);
	workshop_free(&w);
	return status;
}

/* ---- the session day's QR code ------------------------------------------------------------------- */

/* The QR code of text as inline SVG, one path of dark modules; -1 when it cannot be made. */
static int qr_svg(struct buf *b, const char *text, const char *label)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return -1;
	int quiet = 4, size = qr->width + 2 * quiet;
	buf_printf(b,
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"100%%\" "
		   "shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"",
		   size, size);
	buf_html(b, label);
	buf_printf(b, "\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"", size, size);
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				buf_printf(b, "M%d %dh1v1h-1z", x + quiet, y + quiet);
	buf_puts(b, "\"/></svg>");
	QRcode_free(qr);
	return 0;
}

static int h_code_page(struct req *r)
{
	struct workshop w;
	int status;
	if (!load_session(r, &w, &status))
		return status;
	int day = pick_day(r, &w);
	char code[CHECKIN_CODE_SIZE];
	struct err e;
	int rc = checkin_code_make(r->db, w.id, day, code, &e);
	if (rc < 0) {
		workshop_free(&w);
		if (rc == ERR_CONFLICT)
			return resp_error(r, 409, T(r, "This session is cancelled: there is nothing to check in to."));
		r->cause = arena_printf(&r->arena, "check-in code of session %s: %s", r->param[0], e.msg);
		return resp_error(r, rc == ERR_NOTFOUND ? 404 : 503,
				  rc == ERR_NOTFOUND
				      ? T(r, "This session has no such day.")
				      : T(r, "Check-in is not available right now. Please try again in a "
					     "moment."));
	}
	char *base = cert_base_url(r->db);
	const char *url = arena_printf(&r->arena, "%s/checkin/%s", base, code);
	free(base);
	const struct workshop_day *d = day_of(&w, day);
	int64_t margin = checkin_margin(r->db);
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Check-in code"));
	buf_puts(&b, "<h1>");
	buf_html(&b, T(r, "Check-in code"));
	buf_puts(&b, "</h1><p><strong>");
	buf_html(&b, w.title);
	buf_puts(&b, "</strong></p>");
	day_line(r, &b, &w, d);
	day_links(r, &b, &w, day, "checkin-code");
	buf_puts(&b, "<p>");
	buf_html(&b, T(r, "Show this code on a screen or print this page. Each registered person scans it with "
			  "their phone, logs in if asked, and is marked present."));
	buf_puts(&b, " ");
	buf_html(&b, arena_printf(&r->arena, T(r, "Check-in is open from %s to %s."), when(r, d->starts_at - margin),
				  when(r, d->ends_at + margin)));
	buf_puts(&b, "</p>");
	if (qr_svg(&b, url, view_digits(r, arena_printf(&r->arena, T(r, "QR code for check-in to day %d"), day))) < 0)
		notice(&b, "error", T(r, "The QR code could not be made: type the address below instead."));
	buf_puts(&b, "<p class=\"meta\">");
	buf_html(&b, T(r, "Or open this address:"));
	buf_puts(&b, " <a id=\"checkin-url\" href=\"");
	buf_html(&b, url);
	buf_puts(&b, "\">");
	buf_html(&b, url);
	buf_puts(&b, "</a></p>");
	page_end(r, &b);
	workshop_free(&w);
	return page_send(r, 200, &b);
}

/* ---- the learner's check-in ------------------------------------------------------------------------ */

/* The refusal or confirmation of res in lang (for pages and API errors alike); in the arena. */
static const char *outcome_words(struct req *r, const char *lang, const struct checkin_result *res)
{
	switch (res->outcome) {
	case CHECKIN_OK:
		return arena_printf(&r->arena, tr(lang, "You are checked in for day %d. Thank you."), res->day);
	case CHECKIN_BAD_CODE:
		return tr(lang, "This check-in code is not valid: it was altered, cut short or not made by this site. "
				"Scan the code the trainer shows again.");
	case CHECKIN_NO_SESSION:
		return tr(lang, "This session no longer exists.");
	case CHECKIN_CANCELLED:
		return tr(lang, "This session is cancelled: there is nothing to check in to.");
	case CHECKIN_TOO_EARLY:
		return arena_printf(&r->arena, tr(lang, "Check-in for day %d opens at %s. Scan the code again then."),
				    res->day, when(r, res->opens_at));
	case CHECKIN_TOO_LATE:
		return arena_printf(
		    &r->arena, tr(lang, "Check-in for day %d closed at %s. Ask the trainer to mark your attendance."),
		    res->day, when(r, res->closes_at));
	case CHECKIN_OTHER_DAY:
		return arena_printf(&r->arena,
				    tr(lang, "This is the code of day %d, but check-in is open for day %d now. Scan "
					     "today's code."),
				    res->day, res->open_day);
	case CHECKIN_NOT_REGISTERED:
		return tr(lang, "You are not registered for this session. Ask the trainer to register you, then scan "
				"the code again.");
	case CHECKIN_ALREADY:
		return arena_printf(&r->arena, tr(lang, "You are already checked in for day %d. Nothing was changed."),
				    res->day);
	case CHECKIN_UNAVAILABLE:
		break;
	}
	return tr(lang, "Check-in is not available right now. Please try again in a moment.");
}

/* outcome_words() with its numbers (the day) in lang's digits: Khmer digits in Khmer. */
static const char *outcome_text(struct req *r, const char *lang, const struct checkin_result *res)
{
	struct buf b = BUF_INIT;
	i18n_digits(&b, lang, outcome_words(r, lang, res));
	const char *s = arena_strdup(&r->arena, buf_str(&b));
	buf_release(&b);
	return s;
}

static int checkin_status(int rc, const struct checkin_result *res)
{
	return res->outcome == CHECKIN_UNAVAILABLE ? 503 : rc < 0 ? http_status_of(rc) : 200;
}

static int checkin_page(struct req *r, int rc, const struct checkin_result *res, bool done, const char *code)
{
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Check in"));
	buf_puts(&b, "<h1>");
	buf_html(&b, T(r, "Check in"));
	buf_puts(&b, "</h1>");
	if (res->title[0]) {
		buf_printf(&b, "<p><strong%s>", lang_attr_text(r, res->title));
		buf_html(&b, res->title);
		buf_puts(&b, "</strong>");
		if (res->day)
			buf_printf(&b, " · %s", view_digits(r, arena_printf(&r->arena, T(r, "Day %d"), res->day)));
		buf_puts(&b, "</p>");
	}
	if (rc < 0) {
		notice(&b, "error", outcome_text(r, r->lang, res));
	} else if (done) {
		notice(&b, "ok", outcome_text(r, r->lang, res));
	} else {
		buf_puts(&b, "<p>");
		buf_html(&b, T(r, "Confirm that you are here to be marked present for this day."));
		buf_puts(&b, "</p>");
		struct buf action = BUF_INIT;
		buf_puts(&action, "/checkin/");
		buf_puts(&action, code); /* checked: digits, dots and base64url only */
		form_begin(r, &b, buf_str(&action));
		buf_release(&action);
		form_submit(&b, T(r, "Check me in"));
		buf_puts(&b, "</form>");
	}
	buf_printf(&b, "<p><a href=\"/my\">%s</a></p>", T(r, "My learning"));
	page_end(r, &b);
	if (res->outcome == CHECKIN_UNAVAILABLE)
		r->cause = "check-in: the key or the database could not be read";
	return page_send(r, checkin_status(rc, res), &b);
}

static int h_checkin_get(struct req *r)
{
	struct checkin_result res;
	struct err e;
	int rc = checkin_code_check(r->db, r->param[0], r->user->id, now_s(), &res, &e);
	return checkin_page(r, rc, &res, false, r->param[0]);
}

/* The learner's check-in with code and its audit entry, in one transaction (checkin_self()'s return and res). */
static int checkin_audited(struct req *r, const char *code, struct checkin_result *res, struct err *e)
{
	if (db_begin(r->db, e) < 0) {
		memset(res, 0, sizeof *res);
		res->outcome = CHECKIN_UNAVAILABLE;
		return ERR_UNAVAILABLE;
	}
	int rc = checkin_self(r->db, code, r->user->id, now_s(), res, e);
	if (rc < 0) {
		db_rollback(r->db);
		return rc;
	}
	if (req_audit_commit(r, "attendance.checkin",
			     arena_printf(&r->arena, "session:%lld", (long long)res->workshop_id),
			     arena_printf(&r->arena, "day=%d", res->day)) < 0) {
		res->outcome = CHECKIN_UNAVAILABLE;
		return err_fail(e, ERR_UNAVAILABLE, "%s", r->cause);
	}
	return 0;
}

static int h_checkin_post(struct req *r)
{
	struct checkin_result res;
	struct err e;
	int rc = checkin_audited(r, r->param[0], &res, &e);
	if (rc < 0 && res.outcome == CHECKIN_UNAVAILABLE)
		r->cause = arena_printf(&r->arena, "check-in: %s", e.msg);
	return checkin_page(r, rc, &res, true, r->param[0]);
}

/* POST /api/v1/checkin {"code": CODE or the check-in URL}. */
static int h_api_checkin(struct req *r)
{
	const char *lang = resp_error_lang(r);
	struct json_obj *o;
	struct err e;
	if (json_body_parse(r->body, r->body_len, &o, &e) < 0)
		return resp_error(r, 400, tr(lang, "the body must be a JSON object {\"code\": \"...\"}"));
	const char *code = json_get_str(o, "code");
	if (!code || !*code) {
		json_body_free(o);
		return resp_error(r, 400, tr(lang, "missing \"code\": the check-in code or its address"));
	}
	const char *slash = strstr(code, "/checkin/");
	char *c = arena_strdup(&r->arena, slash ? slash + 9 : code);
	json_body_free(o);
	struct checkin_result res;
	int rc = checkin_audited(r, c, &res, &e);
	if (rc < 0) {
		if (res.outcome == CHECKIN_UNAVAILABLE)
			r->cause = arena_printf(&r->arena, "check-in: %s", e.msg);
		return resp_error(r, checkin_status(rc, &res), outcome_text(r, lang, &res));
	}
	struct buf b = BUF_INIT;
	buf_printf(&b, "{\"session_id\":%lld,\"day\":%d,\"title\":", (long long)res.workshop_id, res.day);
	buf_json_str(&b, res.title);
	buf_puts(&b, ",\"status\":\"present\",\"method\":\"qr\",\"message\":");
	buf_json_str(&b, outcome_text(r, lang, &res));
	buf_puts(&b, "}");
	rc = resp_json(r, 200, &b);
	buf_release(&b);
	return rc;
}

#define STAFF (ROLE_TRAINER | ROLE_MANAGER | ROLE_ADMIN)

const struct route checkin_routes[] = {
    {"GET", "/sessions/:id/sheet.pdf", STAFF, h_sheet_pdf, 0},
    {"GET", "/sessions/:id/keyin", STAFF, h_keyin_get, 0},
    {"POST", "/sessions/:id/keyin", STAFF, h_keyin_post, 0},
    {"GET", "/sessions/:id/checkin-code", STAFF, h_code_page, 0},
    {"GET", "/checkin/:code", ROLE_ANY, h_checkin_get, 0},
    {"POST", "/checkin/:code", ROLE_ANY, h_checkin_post, 0},
    {"POST", "/api/v1/checkin", ROLE_ANY, h_api_checkin, 0},
    {NULL, NULL, 0, NULL, 0},
};
