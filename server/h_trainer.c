/*
 * Trainer pages of a course: its participants (HTML and CSV), the preview of a stored version (a
 * draft before it is published) and publishing it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "assessment/quiz.h"
#include "courses/import.h"
#include "courses/learn.h"
#include "courses/listing.h"
#include "courses/media.h"
#include "courses/participants.h"
#include "lib/csv.h"
#include "lib/i18n.h"
#include "lib/util.h"
#include "reports/xlsx.h"
#include "server/h_learn.h"
#include "server/packages.h"
#include "server/quiz_preview.h"
#include "server/server.h"
#include "server/views.h"

static const char *const sexes[] = {"female", "male", "other", "unspecified"};
static const char *const sex_labels[] = {"Women", "Men", "Other", "Unspecified"};

static const char *sex_label(struct req *r, const char *sex)
{
	for (size_t i = 0; i < 4; i++)
		if (strcmp(sex, sexes[i]) == 0)
			return T(r, sex_labels[i]);
	return sex;
}

static bool sex_known(const char *s)
{
	for (size_t i = 0; i < 4; i++)
		if (strcmp(s, sexes[i]) == 0)
			return true;
	return false;
}

static void fmt_pct(char *out, size_t n, bool has, double v)
{
	if (has)
		snprintf(out, n, "%.0f", v);
	else
		out[0] = '\0';
}

static void csv_participants(struct req *r, struct buf *b, const struct participant *v, size_t n)
{
	static const char *const head[] = {"username", "full_name",    "sex",	      "org_code",	"org_name",
					   "position", "enrolled",     "started",     "completed",	"lessons_done",
					   "lessons",  "progress_pct", "pretest_pct", "best_final_pct", "last_active"};
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) {
		buf_puts(b, i ? "," : "");
		buf_puts(b, head[i]);
	}
	buf_puts(b, "\r\n");
	for (size_t i = 0; i < n; i++) {
		const struct participant *p = &v[i];
		char d1[11] = "", d2[11] = "", d3[11] = "", d4[11] = "", num[32];
		if (p->enrolled_at)
			date_ymd(p->enrolled_at, d1);
		if (p->started_at)
			date_ymd(p->started_at, d2);
		if (p->completed_at)
			date_ymd(p->completed_at, d3);
		if (p->last_active)
			date_ymd(p->last_active, d4);
		csv_put_field(b, p->username);
		buf_putc(b, ',');
		csv_put_field(b, strcmp(r->lang, "km") == 0 && p->full_name_km[0] ? p->full_name_km : p->full_name);
		buf_putc(b, ',');
		csv_put_field(b, p->sex);
		buf_putc(b, ',');
		csv_put_code(b, p->org_code);
		buf_putc(b, ',');
		csv_put_field(b, strcmp(r->lang, "km") == 0 && p->org_name_km[0] ? p->org_name_km : p->org_name_en);
		buf_putc(b, ',');
		csv_put_field(b, p->position);
		buf_putc(b, ',');
		csv_put_raw(b, d1);
		buf_putc(b, ',');
		csv_put_raw(b, d2);
		buf_putc(b, ',');
		csv_put_raw(b, d3);
		buf_putc(b, ',');
		snprintf(num, sizeof num, "%d", p->done);
		csv_put_raw(b, num);
		buf_putc(b, ',');
		snprintf(num, sizeof num, "%d", p->total);
		csv_put_raw(b, num);
		buf_putc(b, ',');
		snprintf(num, sizeof num, "%d", p->total ? p->done * 100 / p->total : 0);
		csv_put_raw(b, num);
		buf_putc(b, ',');
		fmt_pct(num, sizeof num, p->has_pretest, p->pretest);
		csv_put_raw(b, num);
		buf_putc(b, ',');
		fmt_pct(num, sizeof num, p->has_final, p->best_final);
		csv_put_raw(b, num);
		buf_putc(b, ',');
		csv_put_raw(b, d4);
		buf_puts(b, "\r\n");
	}
}

/* The filter form: org unit code and sex, kept in the query (a GET: it changes nothing). */
static void filter_form(struct req *r, struct buf *b, const char *course, const char *org, const char *sex)
{
	buf_puts(b, "<form method=\"get\" class=\"filters\" action=\"/manage/courses/");
	buf_url(b, course);
	buf_puts(b, "/participants\">");
	buf_printf(b, "<label for=\"f-org\">%s</label><input id=\"f-org\" name=\"org\" type=\"text\" value=\"",
		   T(r, "Org unit code (with the units below it)"));
	buf_html(b, org ? org : "");
	buf_printf(b,
		   "\"><label for=\"f-sex\">%s</label><select id=\"f-sex\" name=\"sex\"><option value=\"\">%s</option>",
		   T(r, "Sex"), T(r, "Everyone"));
	for (size_t i = 0; i < 4; i++)
		buf_printf(b, "<option value=\"%s\"%s>%s</option>", sexes[i],
			   sex && strcmp(sex, sexes[i]) == 0 ? " selected" : "", T(r, sex_labels[i]));
	buf_printf(b, "</select><button type=\"submit\">%s</button></form>", T(r, "Show"));
}

/* The downloads of the list as shown (same filters): CSV and XLSX. */
static void csv_link(struct req *r, struct buf *b, const char *course, const char *org, const char *sex)
{
	static const char *const exts[] = {"csv", "xlsx"};
	static const char *const labels[] = {"Download as CSV", "Download as XLSX"};
	buf_puts(b, "<p>");
	for (size_t i = 0; i < 2; i++) {
		buf_puts(b, i ? " · <a href=\"/manage/courses/" : "<a href=\"/manage/courses/");
		buf_url(b, course);
		buf_printf(b, "/participants.%s?org=", exts[i]);
		buf_url(b, org ? org : "");
		buf_puts(b, "&amp;sex=");
		buf_url(b, sex ? sex : "");
		buf_printf(b, "\" download>%s</a>", T(r, labels[i]));
	}
	buf_puts(b, "</p>");
}

static void participants_table(struct req *r, struct buf *b, const struct participant *v, size_t n)
{
	buf_printf(b,
		   "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table "
		   "class=\"participants\"><caption>%s</caption><thead><tr><th scope=\"col\">%s</th><th "
		   "scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th><th "
		   "scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th><th "
		   "scope=\"col\">%s</th></tr></thead><tbody>",
		   T(r, "Participants"), T(r, "Participants"), T(r, "Name"), T(r, "Sex"), T(r, "Org unit"),
		   T(r, "Progress"), T(r, "Pre-test"), T(r, "Best final"), T(r, "Last active"));
	bool km = strcmp(r->lang, "km") == 0;
	for (size_t i = 0; i < n; i++) {
		const struct participant *p = &v[i];
		char day[11] = "", pre[16], fin[16];
		if (p->last_active)
			date_ymd(p->last_active, day);
		fmt_pct(pre, sizeof pre, p->has_pretest, p->pretest);
		fmt_pct(fin, sizeof fin, p->has_final, p->best_final);
		buf_puts(b, "<tr data-user=\"");
		buf_html(b, p->username);
		buf_puts(b, "\"><td>");
		buf_html(b, km && p->full_name_km[0] ? p->full_name_km : p->full_name);
		buf_puts(b, "<br><span class=\"meta\">");
		buf_html(b, p->username);
		buf_printf(b, "</span></td><td data-sex=\"%s\">%s</td><td>", p->sex, sex_label(r, p->sex));
		buf_html(b, km && p->org_name_km[0] ? p->org_name_km : p->org_name_en);
		buf_puts(b, " <span class=\"meta\">");
		buf_html(b, p->org_code);
		buf_printf(b, "</span></td><td class=\"num\" data-done=\"%d\" data-total=\"%d\">%d/%d%s</td>", p->done,
			   p->total, p->done, p->total, p->completed_at ? " ✓" : "");
		buf_printf(b, "<td class=\"num\">%s%s</td><td class=\"num\">%s%s</td><td>%s</td></tr>",
			   pre[0] ? pre : "&ndash;", pre[0] ? "%" : "", fin[0] ? fin : "&ndash;", fin[0] ? "%" : "",
			   day[0] ? day : "&ndash;");
	}
	buf_puts(b, "</tbody></table></div>");
}

/* What the participants workbook is written from. */
struct participants_xlsx_job {
	const struct participant *v;
	size_t n;
	struct report_xlsx_opts o;
};

static int participants_xlsx_write(void *ctx, const char *path, const char *tmpdir, struct err *e)
{
	struct participants_xlsx_job *j = ctx;
	j->o.tmpdir = tmpdir;
	return report_write_participants_xlsx(j->v, j->n, &j->o, path, e);
}

enum participants_format { AS_PAGE, AS_CSV, AS_XLSX };

/* GET /manage/courses/ID/participants[.csv|.xlsx]?org=CODE&sex=S */
static int participants(struct req *r, enum participants_format as)
{
	bool download = as != AS_PAGE; /* CSV or XLSX */
	const char *course = r->param[0];
	char *title = course_title_get(r->db, course, r->lang);
	if (!title)
		return resp_error(r, 404, T(r, "There is no such course."));
	const char *org = req_query(r, "org"), *sex = req_query(r, "sex");
	struct participant_filter f = {0};
	if (!(r->user->roles & ROLE_ADMIN))
		f.scope_org = r->user->org_id;
	const char *problem = NULL;
	if (org && *org) {
		int64_t id = org_id(r->db, org);
		if (id <= 0)
			problem = T(r, "There is no org unit with that code.");
		else if (!learn_may_assign(r->db, r->user->roles, r->user->org_id, id))
			problem = T(r, "That org unit is outside your own org unit and the units below it.");
		else
			f.org = id;
	}
	if (sex && *sex) {
		if (!sex_known(sex))
			problem = T(r, "Choose the sex from the list.");
		else
			f.sex = sex;
	}
	struct participant *v = NULL;
	size_t n = 0;
	struct err e = {""};
	int rc = problem ? 0 : course_participants(r->db, &r->arena, course, &f, &v, &n, &e);
	if (download) {
		free(title);
		if (problem)
			return resp_error(r, 400, problem);
		if (rc < 0)
			return resp_error(r, 503,
					  T(r, "The database could not be read. Please try again in a moment."));
		if (as == AS_XLSX) {
			struct participants_xlsx_job j = {v, n, {.lang = r->lang, .made_at = now_s()}};
			char *headers =
			    arena_printf(&r->arena,
					 "Content-Disposition: attachment; filename=\"sala-participants-%s.xlsx\"\r\n"
					 "Cache-Control: private, no-store\r\n",
					 course);
			return resp_xlsx(r, "participants.xlsx", headers, participants_xlsx_write, NULL, &j);
		}
		struct buf b = BUF_INIT;
		csv_participants(r, &b, v, n);
		char *headers = arena_printf(
		    &r->arena, "Content-Disposition: attachment; filename=\"sala-participants-%s.csv\"\r\n", course);
		int status = resp_send(r, 200, "text/csv; charset=utf-8", b.data, b.len, headers);
		buf_release(&b);
		return status;
	}
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Participants"));
	buf_printf(&b, "<h1>%s: ", T(r, "Participants"));
	buf_html(&b, title);
	buf_puts(&b, "</h1>");
	free(title);
	course_links(r, &b, course, "participants");
	filter_form(r, &b, course, org, sex);
	if (problem) {
		notice(&b, "error", problem);
	} else if (rc < 0) {
		notice(&b, "error", e.msg);
	} else {
		char count[96];
		snprintf(count, sizeof count, T(r, "%zu people"), n);
		buf_printf(&b, "<p class=\"meta\" data-count=\"%zu\">%s</p>", n, count);
		csv_link(r, &b, course, org, sex);
		if (n)
			participants_table(r, &b, v, n);
		else
			notice(&b, "info", T(r, "Nobody here is enrolled in this course yet."));
	}
	page_end(r, &b);
	return page_send(r, problem ? 400 : rc < 0 ? 503 : 200, &b);
}

int h_participants(struct req *r)
{
	return participants(r, AS_PAGE);
}

int h_participants_csv(struct req *r)
{
	return participants(r, AS_CSV);
}

int h_participants_xlsx(struct req *r)
{
	return participants(r, AS_XLSX);
}

/* The preview's own link to an item of the version, or to its outline when path is NULL. */
static void preview_href(struct buf *b, const char *course, const char *lang, const char *version, const char *path)
{
	buf_puts(b, "/manage/courses/");
	buf_url(b, course);
	buf_puts(b, "/preview/");
	buf_url(b, lang);
	buf_puts(b, "/");
	buf_url(b, version);
	if (path) {
		buf_puts(b, "/");
		buf_html(b, path);
	}
}

/*
 * A lesson body (cmark safe-mode output, rendered at import) with its links to the course's lessons and
 * quizzes (import wrote them as /courses/ID/lessons/PATH and /courses/ID/quizzes/PATH) turned into links
 * within this preview, so a trainer reading a draft stays in the draft.
 */
static void preview_lesson_body(struct buf *b, const char *html, const char *course, const char *lang,
				const char *version)
{
	struct buf lessons = BUF_INIT, quizzes = BUF_INIT, to = BUF_INIT;
	buf_puts(&lessons, "href=\"/courses/");
	buf_url(&lessons, course);
	buf_puts(&quizzes, buf_str(&lessons));
	buf_puts(&lessons, "/lessons/");
	buf_puts(&quizzes, "/quizzes/");
	buf_puts(&to, "href=\"");
	preview_href(&to, course, lang, version, NULL);
	buf_puts(&to, "/");
	const char *p = html;
	while (*p) {
		const char *l = strstr(p, buf_str(&lessons)), *q = strstr(p, buf_str(&quizzes));
		const char *at = l && (!q || l < q) ? l : q;
		if (!at) {
			buf_puts(b, p);
			break;
		}
		size_t prefix = at == l ? lessons.len : quizzes.len; /* what follows is the item's path */
		buf_add(b, p, (size_t)(at - p));
		buf_puts(b, buf_str(&to));
		p = at + prefix;
	}
	buf_release(&lessons);
	buf_release(&quizzes);
	buf_release(&to);
}

static void publish_form(struct req *r, struct buf *b, const char *course, const char *lang, const char *version,
			 const char *label)
{
	form_begin(r, b, "/manage/courses/publish");
	buf_puts(b, "<input type=\"hidden\" name=\"course\" value=\"");
	buf_html(b, course);
	buf_puts(b, "\"><input type=\"hidden\" name=\"lang\" value=\"");
	buf_html(b, lang);
	buf_puts(b, "\"><input type=\"hidden\" name=\"version\" value=\"");
	buf_html(b, version);
	buf_printf(b, "\"><button type=\"submit\">%s</button></form>", label);
}

/* The banner of every preview page: what is shown and, for a version learners do not see, the Publish button. */
static void preview_banner(struct req *r, struct buf *b, const char *course, const char *lang, const char *version,
			   const struct pkg_stored *s)
{
	const char *state = s->active	   ? T(r, "This is the version learners see.")
			    : s->published ? T(r, "This version was published before; learners now see another one.")
					   : T(r, "Draft: learners do not see this version until it is published.");
	buf_printf(b, "<div class=\"notice info\" data-state=\"%s\"><p>",
		   s->active	  ? "active"
		   : s->published ? "published"
				  : "draft");
	buf_html(b, state);
	buf_puts(b, "</p>");
	if (!s->active)
		publish_form(r, b, course, lang, version, T(r, "Publish"));
	buf_puts(b, "</div>");
}

/* GET /manage/courses/ID/preview/LANG/VERSION[/PATH]: a stored version as learners will see it. */
int h_preview(struct req *r)
{
	const char *course = r->param[0], *lang = r->param[1], *version = r->param[2];
	const char *path = r->nparam > 3 ? r->param[3] : NULL;
	struct pkg_stored s;
	int rc = package_stored(r->db, course, lang, version, &s);
	if (rc == ERR_UNAVAILABLE)
		return resp_error(r, 503, T(r, "The database could not be read. Please try again in a moment."));
	if (rc < 0)
		return resp_error(r, 404, T(r, "There is no such stored version."));
	struct learn_item *items;
	size_t n = learn_outline(r->db, &r->arena, 0, course, s.id, &items);
	size_t at = n;
	if (path)
		for (at = 0; at < n && strcmp(items[at].path, path) != 0; at++)
			;
	if (path && at == n)
		return resp_error(r, 404, T(r, "There is no such lesson or quiz in this version."));
	const char *la = lang_attr_for(r, lang);
	struct buf b = BUF_INIT;
	page_begin(r, &b, path ? items[at].title : s.title);
	preview_banner(r, &b, course, lang, version, &s);
	buf_puts(&b, "<p><a href=\"");
	preview_href(&b, course, lang, version, NULL);
	buf_printf(&b, "\"%s>", la);
	buf_html(&b, s.title);
	buf_printf(&b, "</a> <span class=\"meta\">%s ", T(r, "Version"));
	buf_html(&b, version);
	buf_puts(&b, " (");
	buf_html(&b, h_learn_lang_name(lang));
	buf_puts(&b, ")</span></p>");
	int status = 200;
	if (!path) {
		buf_printf(&b, "<h1%s>", la);
		buf_html(&b, s.title);
		buf_printf(&b, "</h1><ol class=\"outline\"%s>", la);
		for (size_t i = 0; i < n; i++) {
			buf_puts(&b, "<li><a href=\"");
			preview_href(&b, course, lang, version, items[i].path);
			buf_puts(&b, "\">");
			buf_html(&b, items[i].title);
			buf_puts(&b, "</a></li>");
		}
		buf_puts(&b, "</ol>");
	} else if (strcmp(items[at].type, "quiz") == 0) {
		char *src = NULL;
		size_t len = 0;
		struct err e = {""};
		struct quiz q;
		buf_printf(&b, "<h1%s>", la);
		buf_html(&b, items[at].title);
		buf_puts(&b, "</h1>");
		if (media_file_read(r->db, s.id, path, &src, &len, &e) != 0 || !src) {
			notice(&b, "error",
			       e.msg[0] ? e.msg : T(r, "There is no such lesson or quiz in this version."));
			status = 404;
		} else {
			quiz_parse(path, src, len, &q, NULL);
			struct buf action = BUF_INIT;
			preview_href(&action, course, lang, version, path);
			quiz_preview_html(r, &b, &q, buf_str(&action), lang);
			buf_release(&action);
			quiz_free(&q);
		}
		free(src);
	} else {
		buf_printf(&b, "<article class=\"lesson\"%s>", la);
		preview_lesson_body(&b, learn_lesson_html(r->db, &r->arena, s.id, path), course, lang, version);
		buf_puts(&b, "</article>");
	}
	if (path) {
		buf_puts(&b, "<nav class=\"pager\">");
		if (at > 0) {
			buf_puts(&b, "<a href=\"");
			preview_href(&b, course, lang, version, items[at - 1].path);
			buf_printf(&b, "\"%s>&larr; ", la);
			buf_html(&b, items[at - 1].title);
			buf_puts(&b, "</a>");
		}
		if (at + 1 < n) {
			buf_puts(&b, "<a href=\"");
			preview_href(&b, course, lang, version, items[at + 1].path);
			buf_printf(&b, "\"%s>", la);
			buf_html(&b, items[at + 1].title);
			buf_puts(&b, " &rarr;</a>");
		}
		buf_puts(&b, "</nav>");
	}
	page_end(r, &b);
	return page_send(r, status, &b);
}

/* POST /manage/courses/publish: course, lang, version. */
int h_publish(struct req *r)
{
	const char *course = req_form(r, "course"), *lang = req_form(r, "lang"), *version = req_form(r, "version");
	struct err e;
	char done[32];
	if (!course || !lang || !version || !*version)
		return resp_error(r, 400, T(r, "There is no such stored version."));
	/* The published version and its audit entry in one transaction. */
	if (db_begin(r->db, &e) < 0)
		return audit_unsaved(r, e.msg);
	int rc = package_publish(r->db, course, lang, version, done, sizeof done, &e);
	if (rc < 0)
		db_rollback(r->db);
	if (rc == ERR_NOTFOUND)
		return resp_error(r, 404, T(r, "There is no such stored version."));
	if (rc < 0)
		return resp_error(r, http_status_of(rc), e.msg);
	if (req_audit_commit(r, "course.publish", arena_printf(&r->arena, "course:%s", course),
			     arena_printf(&r->arena, "lang=%s version=%s", lang, version)) < 0)
		return audit_unsaved(r, NULL);
	return resp_redirect(r, "/manage/courses?published=1");
}

void course_links(struct req *r, struct buf *b, const char *course, const char *here)
{
	static const struct {
		const char *key, *suffix, *label;
	} links[] = {
	    {"participants", "/participants", "Participants"},
	    {"items", "/items", "Item analysis"},
	    {"grading", "/grading", "Essays to grade"},
	};
	buf_printf(b, "<nav class=\"course-links\" aria-label=\"%s: ", T(r, "Course tools"));
	buf_html(b, course); /* one label per course on the page that lists them all */
	buf_puts(b, "\"><ul>");
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		bool cur = here && strcmp(here, links[i].key) == 0;
		buf_puts(b, "<li><a href=\"/manage/courses/");
		buf_url(b, course);
		buf_printf(b, "%s\"%s>%s</a></li>", links[i].suffix, cur ? " aria-current=\"page\"" : "",
			   T(r, links[i].label));
	}
	buf_printf(b, "<li><a href=\"/manage/courses#upload\">%s</a></li></ul></nav>", T(r, "Upload a package"));
}
