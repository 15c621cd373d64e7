/*
 * The learner's pages: catalogue, course page, enrolment, assignment, lesson
 * reading and "My learning". No JavaScript: links and small forms only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "courses/learn.h"
#include "courses/listing.h"
#include "lib/db.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/util.h"
#include "server/h_learn.h"
#include "server/h_survey.h"
#include "server/h_training.h"
#include "server/server.h"
#include "server/views.h"

void h_learn_href(struct buf *b, const char *course_id, const char *type, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	buf_puts(b, "/courses/");
	for (const unsigned char *p = (const unsigned char *)course_id; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '.' || *p == '_' || *p == '~')
			buf_putc(b, (char)*p);
		else
			buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	if (!type)
		return;
	buf_puts(b, strcmp(type, "quiz") == 0 ? "/quizzes/" : "/lessons/");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/", *p))
			buf_putc(b, (char)*p);
		else
			buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
}

const char *h_learn_lang_name(const char *code)
{
	if (strcmp(code, "km") == 0)
		return "ខ្មែរ";
	if (strcmp(code, "en") == 0)
		return "English";
	return code;
}

const char *h_learn_lang_label(struct req *r, const char *code)
{
	if (strcmp(code, "km") == 0)
		return T(r, "Khmer");
	if (strcmp(code, "en") == 0)
		return T(r, "English");
	return code;
}

/* lang="xx" when content is in another language than the page (WCAG 3.1.2). */
/* "Due by DAY" for a learner's enrolment with a due date, not completed ("overdue" once it has passed). */
static void due_line(struct req *r, struct buf *b, const char *course_id)
{
	int64_t due = learn_due_at(r->db, r->user->id, course_id);
	if (!due)
		return;
	char ymd[11];
	date_ymd(due - 1, ymd); /* the end of the due day: shown as that day */
	bool late = due <= now_s();
	buf_printf(b, "<p class=\"due%s\">%s <time datetime=\"%s\">%s</time>%s%s</p>", late ? " overdue" : "",
		   T(r, "Due by"), ymd, view_day(r, ymd), late ? " · " : "", late ? T(r, "overdue") : "");
}

static void lang_attr(struct req *r, struct buf *b, const char *language)
{
	if (strcmp(language, r->lang) != 0) {
		buf_puts(b, " lang=\"");
		buf_html(b, language);
		buf_puts(b, "\"");
	}
}

/* The words of a course card, translated once per page instead of once per card. */
struct card_words {
	const char *progress, *done_fmt, *status, *not_enrolled, *minutes_fmt, *language, *colon, *state[3];
	const char *lang; /* the page's, for its digits */
};

static void card_words_init(struct req *r, struct card_words *w)
{
	w->progress = T(r, "Progress");
	w->done_fmt = T(r, "%d of %d done (%d%%)");
	w->status = T(r, "Status");
	w->not_enrolled = T(r, "Not enrolled");
	w->minutes_fmt = T(r, "%d minutes");
	w->language = T(r, "Language");
	w->colon = view_colon(r);
	w->lang = r->lang;
	for (int i = 0; i < 3; i++)
		w->state[i] = T(r, learn_status_text((enum learn_status)i));
}

static void progress_bar(const struct card_words *w, struct buf *b, int done, int total)
{
	int pct = total > 0 ? done * 100 / total : 0;
	buf_printf(b, "<p class=\"progress\"><progress max=\"%d\" value=\"%d\" aria-label=\"%s\"></progress> ",
		   total > 0 ? total : 1, done, w->progress);
	char text[160];
	snprintf(text, sizeof text, w->done_fmt, done, total, pct);
	i18n_digits(b, w->lang, text);
	buf_puts(b, "</p>");
}

static void status_line(const struct card_words *w, struct buf *b, const struct learn_course *c)
{
	buf_puts(b, "<p class=\"status\">");
	buf_puts(b, w->status);
	buf_puts(b, w->colon);
	buf_html(b, w->state[c->status]);
	if (c->status == LEARN_COMPLETE)
		buf_puts(b, " ✓");
	if (!c->enrolled) {
		buf_puts(b, " · ");
		buf_puts(b, w->not_enrolled);
	}
	buf_puts(b, "</p>");
}

static void cert_link(struct req *r, struct buf *b, const struct learn_course *c)
{
	if (!c->cert_serial)
		return;
	buf_puts(b, "<p><a href=\"/certificates/");
	buf_url(b, c->cert_serial);
	buf_printf(b, ".pdf\">%s</a></p>", T(r, "Your certificate (PDF)"));
}

/* The item the learner should open next: the last one opened, else the first not done, else the first. */
static const struct learn_item *resume_item(const struct learn_course *c, const struct learn_item *items, size_t n)
{
	if (*c->last_item)
		for (size_t i = 0; i < n; i++)
			if (strcmp(items[i].path, c->last_item) == 0)
				return &items[i];
	for (size_t i = 0; i < n; i++)
		if (!items[i].done)
			return &items[i];
	return n ? &items[0] : NULL;
}

/* Minutes and the course's language, named in the page's language. */
static void meta_line(struct req *r, const struct card_words *w, struct buf *b, const struct learn_course *c)
{
	buf_puts(b, "<p class=\"meta\">");
	char text[64];
	snprintf(text, sizeof text, w->minutes_fmt, c->minutes);
	i18n_digits(b, w->lang, text);
	buf_puts(b, " · ");
	buf_puts(b, w->language);
	buf_puts(b, w->colon);
	buf_html(b, h_learn_lang_label(r, c->language));
	buf_puts(b, "</p>");
}

static int h_catalogue(struct req *r)
{
	const char *q = req_query(r, "q");
	struct learn_course *v;
	size_t n = learn_catalogue(r->db, &r->arena, r->user->id, r->lang, q, &v);
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Courses"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Courses"));
	buf_puts(&b, "<form method=\"get\" action=\"/courses\" role=\"search\">");
	field_input(&b, "q", T(r, "Search courses"), "search", q, false, "off");
	buf_printf(&b, "<button type=\"submit\">%s</button></form>", T(r, "Search"));
	if (q && *q) {
		buf_puts(&b, "<p role=\"status\">");
		buf_printf(&b, T(r, "%zu courses found."), n);
		buf_printf(&b, " <a href=\"/courses\">%s</a></p>", T(r, "Show all courses"));
	}
	if (n == 0)
		buf_printf(&b, "<p>%s</p>",
			   q && *q ? T(r, "No course matches your search.") : T(r, "No courses are published yet."));
	struct card_words w;
	card_words_init(r, &w);
	buf_puts(&b, "<ul class=\"cards\">");
	for (size_t i = 0; i < n; i++) {
		const struct learn_course *c = &v[i];
		buf_puts(&b, "<li class=\"card\"><h2");
		lang_attr(r, &b, c->language);
		buf_puts(&b, "><a href=\"");
		h_learn_href(&b, c->course_id, NULL, NULL);
		buf_puts(&b, "\">");
		buf_html(&b, c->title);
		buf_puts(&b, "</a></h2><p");
		lang_attr(r, &b, c->language);
		buf_puts(&b, ">");
		buf_html(&b, c->summary);
		buf_puts(&b, "</p>");
		meta_line(r, &w, &b, c);
		status_line(&w, &b, c);
		if (c->enrolled && c->total)
			progress_bar(&w, &b, c->done, c->total);
		buf_puts(&b, "</li>");
	}
	buf_puts(&b, "</ul>");
	page_end(r, &b);
	return page_send(r, 200, &b);
}

static void outline_list(struct req *r, struct buf *b, const struct learn_course *c, const struct learn_item *items,
			 size_t n)
{
	buf_puts(b, "<ol class=\"outline\"");
	lang_attr(r, b, c->language);
	buf_puts(b, ">");
	for (size_t i = 0; i < n; i++) {
		const struct learn_item *it = &items[i];
		bool quiz = strcmp(it->type, "quiz") == 0;
		buf_printf(b, "<li%s><a href=\"", it->done ? " class=\"done\"" : "");
		h_learn_href(b, c->course_id, it->type, it->path);
		buf_puts(b, "\">");
		buf_html(b, it->title);
		buf_puts(b, "</a>");
		buf_printf(b, " <span class=\"meta\" lang=\"%s\">(%s)</span>", r->lang,
			   quiz ? T(r, strcmp(it->quiz_kind, "final") == 0 ? "Final quiz" : "Quiz") : T(r, "Lesson"));
		if (it->done)
			buf_printf(b, " <span class=\"status\" lang=\"%s\">✓ %s</span>", r->lang, T(r, "Done"));
		buf_puts(b, "</li>");
	}
	buf_puts(b, "</ol>");
}

static int h_course(struct req *r)
{
	const char *id = r->param[0];
	struct learn_course c;
	if (learn_course_get(r->db, &r->arena, r->user->id, id, r->lang, &c) < 0)
		return resp_error(r, 404, T(r, "No such course."));
	struct learn_item *items;
	size_t n = learn_outline(r->db, &r->arena, r->user->id, c.course_id, c.package_id, &items);
	struct buf b = BUF_INIT;
	page_begin(r, &b, c.title);
	buf_printf(&b, "<nav aria-label=\"%s\"><a href=\"/courses\">%s</a></nav>", T(r, "Breadcrumb"), T(r, "Courses"));
	buf_puts(&b, "<h1");
	lang_attr(r, &b, c.language);
	buf_puts(&b, ">");
	buf_html(&b, c.title);
	buf_puts(&b, "</h1>");
	if (req_query(r, "enrolled"))
		notice(&b, "ok", T(r, "You are enrolled. You can start reading now."));
	buf_puts(&b, "<p");
	lang_attr(r, &b, c.language);
	buf_puts(&b, ">");
	buf_html(&b, c.summary);
	buf_puts(&b, "</p>");
	struct card_words w;
	card_words_init(r, &w);
	meta_line(r, &w, &b, &c);
	status_line(&w, &b, &c);
	progress_bar(&w, &b, c.done, c.total);
	due_line(r, &b, c.course_id);
	const struct learn_item *next = resume_item(&c, items, n);
	if (!c.enrolled) {
		struct buf action = BUF_INIT;
		h_learn_href(&action, c.course_id, NULL, NULL);
		buf_puts(&action, "/enrol");
		form_begin(r, &b, buf_str(&action));
		form_submit(&b, T(r, "Enrol"));
		buf_release(&action);
	}
	if (c.status == LEARN_COMPLETE) {
		/* The journey's end: the certificate first, reading again second; no "Continue". */
		notice(&b, "ok", T(r, "You have completed this course."));
		buf_puts(&b, "<p>");
		if (c.cert_serial) {
			buf_puts(&b, "<a class=\"button\" href=\"/certificates/");
			buf_url(&b, c.cert_serial);
			buf_printf(&b, ".pdf\">%s</a> ", T(r, "Your certificate (PDF)"));
		}
		if (n) {
			buf_printf(&b, "<a class=\"button%s\" href=\"", c.cert_serial ? " secondary" : "");
			h_learn_href(&b, c.course_id, items[0].type, items[0].path);
			buf_printf(&b, "\">%s</a>", T(r, "Review the course"));
		}
		buf_puts(&b, "</p>");
	} else if (next) {
		buf_puts(&b, "<p><a class=\"button\" href=\"");
		h_learn_href(&b, c.course_id, next->type, next->path);
		buf_printf(&b, "\">%s</a></p>",
			   *c.last_item ? T(r, "Continue where you left off") : T(r, "Start the course"));
	}
	if (c.status != LEARN_COMPLETE)
		cert_link(r, &b, &c);
	h_f2f_progress_html(r, &b, c.course_id);
	buf_printf(&b, "<h2>%s</h2>", T(r, "Outline"));
	outline_list(r, &b, &c, items, n);
	if (c.enrolled && n) {
		/* Reading offline: one file; the learner is told that it records no progress. */
		buf_puts(&b, "<p><a href=\"");
		h_learn_href(&b, c.course_id, NULL, NULL);
		buf_printf(&b, "/offline.html\" download>%s</a> · <a href=\"",
			   T(r, "Download the lessons to read offline (HTML)"));
		h_learn_href(&b, c.course_id, NULL, NULL);
		buf_printf(&b, "/offline.pdf\" download>%s</a><br><span class=\"meta\">%s</span></p>",
			   T(r, "Download them as a PDF"),
			   T(r, "Reading offline is not recorded: your progress is recorded when you next open each "
				"lesson online."));
	}
	if (r->user->roles & (ROLE_TRAINER | ROLE_MANAGER | ROLE_ADMIN)) {
		buf_puts(&b, "<p><a href=\"");
		h_learn_href(&b, c.course_id, NULL, NULL);
		buf_printf(&b, "/assign\">%s</a></p>", T(r, "Assign this course"));
		h_survey_course_link(r, &b, c.course_id);
	}
	page_end(r, &b);
	return page_send(r, 200, &b);
}

static int h_enrol(struct req *r)
{
	struct err e;
	int got = learn_enrol(r->db, r->user->id, r->param[0], "self", NULL, &e);
	if (got == ERR_NOTFOUND)
		return resp_error(r, http_status_of(got), T(r, "No such course."));
	if (got < 0) {
		log_msg(LOG_ERROR, "error", "enrolment in %s not saved: %s", r->param[0], e.msg);
		return resp_error(r, 503, T(r, "Your enrolment could not be saved. Please try again in a moment."));
	}
	struct buf to = BUF_INIT;
	h_learn_href(&to, r->param[0], NULL, NULL);
	buf_puts(&to, "?enrolled=1");
	int rc = resp_redirect(r, buf_str(&to));
	buf_release(&to);
	return rc;
}

/* Whether the shared middle part of the lesson page (its body) is cached under etag. */
static bool body_cached(const char *etag)
{
	return http_part_text(etag) != NULL;
}

int h_learn_open_lesson(struct req *r, struct learn_lesson *l, char etag[33])
{
	const char *id = r->param[0], *path = r->param[1];
	struct err e;
	int rc =
	    learn_lesson_view(r->db, &r->arena, r->user->id, id, r->lang, path, r->api ? NULL : body_cached, l, &e);
	if (rc < 0)
		return rc;
	/* Never silent: the page says the reading was not kept, and the next view records it. */
	if (l->unsaved)
		log_msg(LOG_ERROR, "error", "lesson %s/%s: progress not saved: %s", id, path, e.msg);
	/* The page shows per-user state (navigation, session form tokens): the tag covers all of it. */
	char h[65];
	char *seed = arena_printf(&r->arena, "%s|%lld|%s|%s|%s|%s|%s|%d", l->etag, (long long)l->package_id, r->lang,
				  l->state, r->session.csrf, css_url(), r->api ? "api" : "page", l->unsaved);
	sha256_hex(seed, strlen(seed), h);
	memcpy(etag, h, 32);
	etag[32] = '\0';
	return 0;
}

static void pager_link(struct req *r, struct buf *b, const char *course_id, const struct learn_item *it,
		       const char *label, const char *rel)
{
	buf_printf(b, "<a rel=\"%s\" href=\"", rel);
	h_learn_href(b, course_id, it->type, it->path);
	buf_printf(b, "\">%s%s", label, view_colon(r));
	buf_html(b, it->title);
	buf_puts(b, "</a>");
}

static int h_lesson(struct req *r)
{
	struct learn_lesson l;
	char etag[33];
	int rc = h_learn_open_lesson(r, &l, etag);
	if (rc == ERR_CONFLICT) {
		struct buf to = BUF_INIT;
		h_learn_href(&to, r->param[0], "quiz", r->param[1]);
		rc = resp_redirect(r, buf_str(&to));
		buf_release(&to);
		return rc;
	}
	if (rc < 0)
		return resp_error(r, 404, T(r, "No such lesson."));
	if (resp_not_modified(r, etag))
		return 304;
	struct buf b = BUF_INIT;
	page_begin(r, &b, l.title);
	buf_printf(&b, "<nav aria-label=\"%s\" class=\"crumbs\"><a href=\"/courses\">%s</a> › <a href=\"",
		   T(r, "Breadcrumb"), T(r, "Courses"));
	h_learn_href(&b, l.course_id, NULL, NULL);
	buf_puts(&b, "\"");
	lang_attr(r, &b, l.language);
	buf_puts(&b, ">");
	buf_html(&b, l.course_title);
	buf_puts(&b, "</a></nav><p class=\"meta\">");
	buf_printf(&b, T(r, "Part %d of %d"), l.position, l.count);
	buf_puts(&b, "</p>");
	if (l.unsaved)
		notice(&b, "error",
		       T(r, "Your progress could not be saved; it will be recorded next time you open "
			    "this lesson."));
	buf_puts(&b, "<article class=\"lesson\"");
	lang_attr(r, &b, l.language);
	buf_puts(&b, ">");
	/* The body was rendered by cmark in safe mode at import; it is sent as the
	 * shared middle part so its compressed form is reused across requests. */
	struct buf tail = BUF_INIT;
	buf_puts(&tail, "</article>");
	buf_printf(&tail, "<nav class=\"pager\" aria-label=\"%s\">", T(r, "Lessons"));
	if (l.prev)
		pager_link(r, &tail, l.course_id, l.prev, T(r, "Previous"), "prev");
	buf_puts(&tail, "<a href=\"");
	h_learn_href(&tail, l.course_id, NULL, NULL);
	buf_printf(&tail, "\">%s</a>", T(r, "Course outline"));
	if (l.next)
		pager_link(r, &tail, l.course_id, l.next, T(r, "Next"), "next");
	buf_puts(&tail, "</nav>");
	page_end(r, &tail);
	resp_etag(r, etag);
	/* The body came with the view unless it was cached; the cache may have dropped it since. */
	const char *body = l.html ? l.html : http_part_text(l.etag);
	if (!body)
		body = learn_lesson_html(r->db, &r->arena, l.package_id, l.path);
	rc = resp_html_parts(r, 200, &b, body, l.etag, &tail, "Cache-Control: private, no-cache\r\n");
	buf_release(&b);
	buf_release(&tail);
	return rc;
}

static int h_my(struct req *r)
{
	struct learn_course *v;
	size_t n = learn_my_courses(r->db, &r->arena, r->user->id, r->lang, &v);
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "My learning"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "My learning"));
	h_survey_pending_html(r, &b);
	if (n == 0)
		buf_printf(&b, "<p>%s <a href=\"/courses\">%s</a></p>", T(r, "You are not enrolled in any course yet."),
			   T(r, "Find a course"));
	struct card_words w;
	card_words_init(r, &w);
	buf_puts(&b, "<ul class=\"cards\">");
	for (size_t i = 0; i < n; i++) {
		const struct learn_course *c = &v[i];
		buf_puts(&b, "<li class=\"card\"><h2");
		lang_attr(r, &b, c->language);
		buf_puts(&b, "><a href=\"");
		h_learn_href(&b, c->course_id, NULL, NULL);
		buf_puts(&b, "\">");
		buf_html(&b, c->title);
		buf_puts(&b, "</a></h2>");
		status_line(&w, &b, c);
		progress_bar(&w, &b, c->done, c->total);
		due_line(r, &b, c->course_id);
		if (c->completed_at) {
			struct buf day = BUF_INIT;
			view_date(r, &day, c->completed_at);
			buf_puts(&b, "<p>");
			buf_printf(&b, T(r, "Completed on %s"), buf_str(&day));
			buf_puts(&b, "</p>");
			buf_release(&day);
		} else if (c->total) {
			/* Straight to the lesson or quiz to open next, as the course page's button goes. */
			struct learn_item *items;
			size_t ni = learn_outline(r->db, &r->arena, r->user->id, c->course_id, c->package_id, &items);
			const struct learn_item *next = resume_item(c, items, ni);
			buf_puts(&b, "<p><a href=\"");
			if (next)
				h_learn_href(&b, c->course_id, next->type, next->path);
			else
				h_learn_href(&b, c->course_id, NULL, NULL);
			buf_printf(&b, "\">%s</a></p>",
				   *c->last_item ? T(r, "Continue where you left off") : T(r, "Start the course"));
		}
		cert_link(r, &b, c);
		h_f2f_progress_html(r, &b, c->course_id);
		buf_puts(&b, "</li>");
	}
	buf_puts(&b, "</ul>");
	h_training_my_section(r, &b);
	page_end(r, &b);
	return page_send(r, 200, &b);
}

/* The due day as the end of that UTC day, 0 for none; -1 (problem said) when not a date or already past. */
static int64_t assign_due(struct req *r, const char *due, struct buf *problems)
{
	int64_t t;
	if (!due || !*due)
		return 0;
	if (date_parse(due, &t) < 0) {
		buf_printf(problems, "%s%s%s\n", T(r, "The due date is not a date (use YYYY-MM-DD)"), view_colon(r),
			   due);
		return -1;
	}
	if (t + 86400 <= now_s()) {
		buf_printf(problems, "%s%s%s\n", T(r, "The due date has already passed"), view_colon(r),
			   view_day(r, due));
		return -1;
	}
	return t + 86400;
}

int h_learn_assign(struct req *r, const char *course_id, const char *org_code, const char *usernames, const char *due,
		   struct buf *done, struct buf *problems)
{
	int refused = 0, ok = 0;
	struct err e;
	int64_t due_at = assign_due(r, due, problems);
	if (due_at < 0)
		return 422;
	if (org_code && *org_code) {
		int64_t oid = org_id(r->db, org_code);
		int added = 0;
		if (oid < 0) {
			buf_printf(problems, "%s%s%s\n", T(r, "No such org unit"), view_colon(r), org_code);
		} else if (!learn_may_assign(r->db, r->user->roles, r->user->org_id, oid)) {
			buf_printf(problems, "%s%s%s\n", T(r, "Outside the units you manage"), view_colon(r), org_code);
			refused++;
		} else if (db_begin(r->db, &e) < 0 ||
			   learn_assign_org_due(r->db, course_id, org_code, due_at, &added, &e) < 0) {
			db_rollback(r->db);
			buf_printf(problems, "%s\n", e.msg);
		} else if (req_audit_commit(r, "course.assign", arena_printf(&r->arena, "org:%s", org_code),
					    arena_printf(&r->arena, "course=%s new_enrolments=%d%s%s", course_id, added,
							 due_at ? " due=" : "", due_at ? due : "")) < 0) {
			buf_printf(problems, "%s\n",
				   T(r, "The change could not be saved: nothing was changed. Please try again."));
		} else {
			/* The count in the page's digits, the org code as it is typed. */
			const char *msg = view_digits(
			    r, arena_printf(&r->arena,
					    T(r, "Assigned to org unit %s and everyone below it: %d new enrolments."),
					    "\x01", added));
			const char *mark = strchr(msg, '\x01');
			if (mark)
				buf_printf(done, "%.*s%s%s", (int)(mark - msg), msg, org_code, mark + 1);
			else
				buf_puts(done, msg);
			if (due_at)
				buf_printf(done, " %s %s", T(r, "Due on"), view_day(r, due));
			buf_putc(done, '\n');
			ok++;
		}
	}
	const char *p = usernames ? usernames : "";
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ';')
			p++;
		const char *s = p;
		while (*p && !strchr(" ,\n\r\t;", *p))
			p++;
		if (p == s)
			continue;
		char *name = arena_strndup(&r->arena, s, (size_t)(p - s));
		struct user u;
		bool found = user_get_by_name(r->db, name, &u) == 0;
		if (!found || !learn_may_assign(r->db, r->user->roles, r->user->org_id, u.org_id)) {
			/* The same answer whether the account exists elsewhere or not at all:
			 * assigning must not reveal who works outside one's units. */
			buf_printf(problems, "%s%s%s\n", T(r, "No such user in the units you manage"), view_colon(r),
				   name);
			refused++;
			if (found)
				user_release(&u);
			continue;
		} else if (db_begin(r->db, &e) < 0 || learn_enrol(r->db, u.id, course_id, "assigned", NULL, &e) < 0 ||
			   (due_at && learn_set_due(r->db, u.id, course_id, due_at, &e) < 0)) {
			db_rollback(r->db);
			buf_printf(problems, "%s\n", e.msg);
		} else if (req_audit_commit(r, "course.assign", arena_printf(&r->arena, "user:%s", name),
					    arena_printf(&r->arena, "course=%s%s%s", course_id, due_at ? " due=" : "",
							 due_at ? due : "")) < 0) {
			buf_printf(problems, "%s\n",
				   T(r, "The change could not be saved: nothing was changed. Please try again."));
		} else {
			buf_printf(done, "%s%s%s", T(r, "Enrolled"), view_colon(r), name);
			if (due_at)
				buf_printf(done, " (%s %s)", T(r, "Due on"), view_day(r, due));
			buf_putc(done, '\n');
			ok++;
		}
		user_release(&u);
	}
	if (refused && !ok)
		return 403;
	if (problems->len)
		return 422;
	return 200;
}

/* The org units a course is assigned to, as a list under a heading written before the first. */
struct assigned_list {
	struct req *r;
	struct buf *b;
	bool any;
};

static int assigned_org_html(void *ctx, const struct org_row *o)
{
	struct assigned_list *l = ctx;
	if (!l->any)
		buf_printf(l->b, "<h2>%s</h2><ul>", T(l->r, "Assigned to org units"));
	l->any = true;
	buf_puts(l->b, "<li>");
	buf_html(l->b, o->code);
	buf_puts(l->b, " ");
	buf_html(l->b, name_for(l->r, o->name_en, o->name_km));
	buf_puts(l->b, "</li>");
	return 0;
}

/* The units found by a search, as radio choices of the assignment form. */
struct org_choices {
	struct req *r;
	struct buf *b;
	int n;
};

static int org_choice_html(void *ctx, const struct org_row *o)
{
	struct org_choices *l = ctx;
	struct buf *b = l->b;
	buf_printf(b, "<label><input type=\"radio\" name=\"org\" id=\"org-%d\" value=\"", l->n);
	buf_html(b, o->code);
	buf_printf(b, "\"%s> ", l->n ? "" : " checked");
	buf_html(b, name_for(l->r, o->name_en, o->name_km));
	buf_puts(b, " <span class=\"meta\">");
	buf_html(b, o->code);
	buf_puts(b, "</span></label>");
	l->n++;
	return 0;
}

#define ORG_CHOICES_MAX 20

static void assign_org_choices(struct req *r, struct buf *b, const char *find)
{
	if (!find || !*find)
		return;
	struct org_choices l = {r, b, 0};
	struct err e;
	buf_printf(b, "<fieldset id=\"org-choices\"><legend>%s</legend>", T(r, "Org unit"));
	/* Only units this person may assign to: a manager finds nothing outside their subtree. */
	int64_t scope = r->user->roles & ROLE_ADMIN ? -1 : r->user->org_id;
	if (org_search(r->db, find, scope, ORG_CHOICES_MAX, org_choice_html, &l, &e) < 0 || !l.n)
		buf_printf(b, "<p>%s</p>", T(r, "No org unit matches: try part of its code or name."));
	buf_puts(b, "</fieldset>");
}

static void assign_page(struct req *r, struct buf *b, const struct learn_course *c, const char *done,
			const char *problems)
{
	page_begin(r, b, T(r, "Assign a course"));
	buf_printf(b, "<nav aria-label=\"%s\"><a href=\"", T(r, "Breadcrumb"));
	h_learn_href(b, c->course_id, NULL, NULL);
	buf_puts(b, "\">");
	buf_html(b, c->title);
	buf_printf(b, "</a></nav><h1>%s</h1>", T(r, "Assign a course"));
	if (done && *done) {
		buf_puts(b, "<div class=\"notice ok\" role=\"status\"><pre>");
		buf_html(b, done);
		buf_puts(b, "</pre></div>");
	}
	if (problems && *problems) {
		buf_puts(b, "<div class=\"notice error\" role=\"alert\"><pre>");
		buf_html(b, problems);
		buf_puts(b, "</pre></div>");
	}
	buf_puts(b, "<p>");
	buf_html(b, T(r, "Find an org unit to enrol everyone in it and below it, including people added later. "
			 "Or list usernames, one per line."));
	if (!(r->user->roles & ROLE_ADMIN))
		buf_printf(b, " %s", T(r, "You can assign only within the units you manage."));
	buf_puts(b, "</p>");
	struct buf action = BUF_INIT;
	h_learn_href(&action, c->course_id, NULL, NULL);
	buf_puts(&action, "/assign");
	/* The unit is found by a search on the server (a GET form, no script): its results are choices below. */
	const char *find = req_query(r, "find");
	buf_printf(b, "<form method=\"get\" action=\"%s\" role=\"search\">", buf_str(&action));
	field_input(b, "find", T(r, "Find an org unit (code or name, English or Khmer)"), "search", find, false, "off");
	buf_printf(b, "<button type=\"submit\">%s</button></form>", T(r, "Search"));
	form_begin(r, b, buf_str(&action));
	buf_release(&action);
	assign_org_choices(r, b, find);
	field_input(b, "due", T(r, "Due date (optional)"), "date", req_form(r, "due"), false, "off");
	buf_printf(b,
		   "<label for=\"f-users\">%s</label><textarea id=\"f-users\" name=\"users\" rows=\"5\">"
		   "</textarea>",
		   T(r, "Usernames, one per line"));
	form_submit(b, T(r, "Assign"));
	int64_t *ids;
	size_t n;
	struct err e;
	/* A read that ends on an error is remembered by db_step_row(): the page becomes a 503. */
	course_org_ids(r->db, c->course_id, &ids, &n, &e);
	/* Only the units this person may assign to: a manager sees nothing outside their subtree. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (learn_may_assign(r->db, r->user->roles, r->user->org_id, ids[i]))
			ids[k++] = ids[i];
	struct assigned_list l = {r, b, false};
	orgs_get(r->db, ids, k, assigned_org_html, &l, &e);
	free(ids);
	if (l.any)
		buf_puts(b, "</ul>");
	page_end(r, b);
}

static int h_assign_get(struct req *r)
{
	struct learn_course c;
	if (learn_course_get(r->db, &r->arena, r->user->id, r->param[0], r->lang, &c) < 0)
		return resp_error(r, 404, T(r, "No such course."));
	struct buf b = BUF_INIT;
	assign_page(r, &b, &c, NULL, NULL);
	return page_send(r, 200, &b);
}

static int h_assign_post(struct req *r)
{
	struct learn_course c;
	if (learn_course_get(r->db, &r->arena, r->user->id, r->param[0], r->lang, &c) < 0)
		return resp_error(r, 404, T(r, "No such course."));
	struct buf done = BUF_INIT, problems = BUF_INIT, b = BUF_INIT;
	int status = h_learn_assign(r, c.course_id, req_form(r, "org"), req_form(r, "users"), req_form(r, "due"), &done,
				    &problems);
	if (!done.len && !problems.len) {
		buf_puts(&problems, T(r, "Choose an org unit or give at least one username."));
		status = 422;
	}
	assign_page(r, &b, &c, buf_str(&done), buf_str(&problems));
	buf_release(&done);
	buf_release(&problems);
	return page_send(r, status, &b);
}

#define ASSIGNERS (ROLE_TRAINER | ROLE_MANAGER | ROLE_ADMIN)

const struct route course_routes[] = {
    {"GET", "/courses", ROLE_ANY, h_catalogue, 0},
    {"GET", "/my", ROLE_ANY, h_my, 0},
    {"GET", "/courses/:id", ROLE_ANY, h_course, 0},
    {"POST", "/courses/:id/enrol", ROLE_ANY, h_enrol, 0},
    {"GET", "/courses/:id/assign", ASSIGNERS, h_assign_get, 0},
    {"POST", "/courses/:id/assign", ASSIGNERS, h_assign_post, 0},
    {"GET", "/courses/:id/lessons/*", ROLE_ANY, h_lesson, 0},
    {"GET", "/courses/:id/offline.html", ROLE_ANY, h_learn_offline, 0},
    {"GET", "/courses/:id/offline.pdf", ROLE_ANY, h_learn_offline_pdf, 0},
    {NULL, NULL, 0, NULL, 0},
};
