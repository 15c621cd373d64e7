/* Trainer pages for course packages: list versions, upload a package, roll back. And the /media route. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courses/import.h"
#include "courses/package.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "server/h_learn.h"
#include "server/multipart.h"
#include "server/packages.h"
#include "server/server.h"
#include "server/views.h"

/* Largest upload accepted through the browser. */
#define UPLOAD_MAX ((size_t)300 << 20)

/* The upload form; after a refused upload (invalid), the file field is tied to the message above and takes the focus.
 */
static void upload_form(struct req *r, struct buf *b, bool invalid)
{
	buf_printf(b, "<h2 id=\"upload\">%s</h2>", T(r, "Upload a package"));
	buf_printf(b, "<p>%s</p>",
		   T(r, "A .zip or .tar.gz made with 'sala pack'. It is stored as a draft: preview it, then publish "
			"it to replace the version learners see; they keep their progress."));
	/* form_begin writes the CSRF field; the upload needs multipart encoding. */
	struct buf f = BUF_INIT;
	form_begin(r, &f, "/manage/courses/upload");
	const char *open = "<form method=\"post\"";
	if (str_starts(buf_str(&f), open)) {
		buf_puts(b, open);
		buf_puts(b, " enctype=\"multipart/form-data\"");
		buf_puts(b, buf_str(&f) + strlen(open));
	}
	buf_release(&f);
	buf_printf(b, "<label for=\"package\">%s</label>", T(r, "Package file"));
	buf_printf(b, "<input type=\"file\" id=\"package\" name=\"package\" accept=\".zip,.tar.gz,.tgz\" required%s>",
		   invalid ? " aria-invalid=\"true\" aria-describedby=\"upload-err\" autofocus" : "");
	buf_printf(b, "<label><input type=\"checkbox\" name=\"publish\" value=\"1\"> %s</label>",
		   T(r, "Publish at once, without a draft"));
	form_submit(b, T(r, "Upload"));
}

static void hidden_version(struct buf *b, const struct pkg_version *v)
{
	buf_puts(b, "<input type=\"hidden\" name=\"course\" value=\"");
	buf_html(b, v->course_id);
	buf_puts(b, "\"><input type=\"hidden\" name=\"lang\" value=\"");
	buf_html(b, v->language);
	buf_puts(b, "\"><input type=\"hidden\" name=\"version\" value=\"");
	buf_html(b, v->version);
	buf_puts(b, "\">");
}

/* One version's row: its state (active, published, draft), its preview and the button that makes it active. */
static void version_row(struct req *r, struct buf *b, const struct pkg_version *v)
{
	char day[11];
	date_ymd(v->imported_at, day);
	const char *state = v->active ? "active" : v->published ? "published" : "draft";
	buf_printf(b, "<tr data-version=\"%s\" data-state=\"%s\"><td>", v->version, state);
	buf_html(b, h_learn_lang_name(v->language));
	buf_puts(b, "</td><td>");
	buf_html(b, v->version);
	buf_printf(b, "</td><td><time datetime=\"%s\">", day);
	buf_html(b, view_day(r, day));
	buf_puts(b, "</time> ");
	buf_html(b, v->imported_by);
	buf_printf(b, "</td><td class=\"status\">%s</td><td>",
		   v->active	  ? T(r, "Active")
		   : v->published ? T(r, "Published")
				  : T(r, "Draft"));
	buf_puts(b, "<a href=\"/manage/courses/");
	buf_url(b, v->course_id);
	buf_puts(b, "/preview/");
	buf_url(b, v->language);
	buf_puts(b, "/");
	buf_url(b, v->version);
	buf_printf(b, "\">%s</a>", T(r, "Preview"));
	if (!v->active) {
		form_begin(r, b, v->published ? "/manage/courses/rollback" : "/manage/courses/publish");
		hidden_version(b, v);
		buf_printf(b, "<button%s type=\"submit\">%s</button></form>",
			   v->published ? " class=\"secondary\"" : "",
			   v->published ? T(r, "Make this version active") : T(r, "Publish"));
		if (v->older)
			buf_printf(b, "<p class=\"meta\">%s</p>",
				   T(r, "Older than the active version: it replaces it for learners."));
	}
	buf_puts(b, "</td></tr>");
}

/* The courses, each with its links (participants, item analysis) and its versions. */
static void versions_table(struct req *r, struct buf *b)
{
	struct pkg_version *v;
	size_t n;
	package_versions(r->db, NULL, NULL, &v, &n);
	if (!n) {
		buf_printf(b, "<p>%s</p>", T(r, "No course has been imported yet."));
		free(v);
		return;
	}
	buf_printf(b, "<h2>%s</h2>", T(r, "Courses and their versions"));
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(v[i].course_id, v[i - 1].course_id) != 0) {
			if (i)
				buf_puts(b, "</tbody></table></div></section>");
			/* The title of the version learners see in the page's language, else the newest one's. */
			size_t t = i;
			for (size_t j = i; j < n && strcmp(v[j].course_id, v[i].course_id) == 0; j++)
				if (v[j].active && (!v[t].active || strcmp(v[j].language, r->lang) == 0))
					t = j;
			buf_puts(b, "<section class=\"course-admin\" data-course=\"");
			buf_html(b, v[i].course_id);
			buf_printf(b, "\"><h3><span%s>", lang_attr_for(r, v[t].language));
			buf_html(b, v[t].title);
			buf_puts(b, "</span> <span class=\"meta\">");
			buf_html(b, v[i].course_id);
			buf_puts(b, "</span></h3>");
			course_links(r, b, v[i].course_id, NULL);
			buf_printf(b,
				   "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s%s%s\">"
				   "<table><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
				   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>"
				   "</thead><tbody>",
				   T(r, "Versions"), view_colon(r), v[i].course_id, T(r, "Language"), T(r, "Version"),
				   T(r, "Imported"), T(r, "Status"), T(r, "Action"));
		}
		version_row(r, b, &v[i]);
	}
	buf_puts(b, "</tbody></table></div></section>");
	free(v);
}

static int manage_page(struct req *r, int status, const char *kind, const char *message, const char *problems)
{
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Manage courses"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Manage courses"));
	bool refused = message && strcmp(kind, "error") == 0;
	if (refused) {
		buf_puts(&b, "<div class=\"notice error\" role=\"alert\" id=\"upload-err\">");
		buf_html(&b, message);
		buf_puts(&b, "</div>");
	} else if (message)
		notice(&b, kind, message);
	if (problems && *problems) {
		buf_printf(&b, "<h2>%s</h2><pre class=\"problems\">", T(r, "Problems found"));
		buf_html(&b, problems);
		buf_puts(&b, "</pre>");
	}
	if (req_query(r, "done") || req_query(r, "published"))
		notice(&b, "ok", T(r, "The version is now active: learners see it."));
	versions_table(r, &b);
	upload_form(r, &b, refused);
	page_end(r, &b);
	return page_send(r, status, &b);
}

static int h_manage(struct req *r)
{
	return manage_page(r, 200, NULL, NULL, NULL);
}

/* The defaults, changed by the site settings package_max_* (checked when saved; a bad stored value is skipped). */
static void upload_limits(struct req *r, struct pkg_limits *lim)
{
	pkg_limits_default(lim);
	for (const char *const *n = pkg_limit_names; *n; n++) {
		char key[64];
		snprintf(key, sizeof key, "package_%s", *n);
		char *v = setting_value(r->db, key);
		struct err e;
		if (*v && pkg_limits_set(lim, *n, v, &e) < 0)
			log_msg(LOG_WARN, "setting", "setting %s ignored: %s", key, e.msg);
		free(v);
	}
}

static int h_upload(struct req *r)
{
	const char *ct = req_header(r, "Content-Type");
	const char *data, *filename;
	size_t len;
	if (!ct || !multipart_is(ct) ||
	    multipart_file(&r->arena, ct, r->body, r->body_len, "package", &data, &len, &filename) < 0 || len == 0)
		return manage_page(r, 400, "error", T(r, "Choose a package file to upload."), NULL);
	struct pkg_limits lim;
	upload_limits(r, &lim);
	struct package p;
	struct err e;
	if (pkg_load_archive(data, len, &lim, &p, &e) < 0) {
		char *m = arena_printf(&r->arena, "%s%s%s", T(r, "The package was refused"), view_colon(r), e.msg);
		return manage_page(r, 422, "error", m, NULL);
	}
	/* A draft unless "publish at once"; a version older than the one learners see is never published by an
	 * upload: it is kept as a draft, with the Publish button in the list below. */
	bool publish = req_form(r, "publish") != NULL;
	struct import_opts o = {.draft = !publish,
				.by = r->user ? r->user->username : "",
				.lim = &lim,
				.who = req_who(r),
				.source = filename && *filename ? filename : "upload"};
	struct problems pr = {0};
	char msg[512];
	int rc = package_import(r->db, &p, &o, &pr, msg, sizeof msg, &e);
	const char *older = NULL;
	if (rc == ERR_CONFLICT && publish) {
		problems_release(&pr);
		memset(&pr, 0, sizeof pr);
		o.draft = true;
		rc = package_import(r->db, &p, &o, &pr, msg, sizeof msg, &e);
		older = T(r, "This version is older than the one learners see, so it was not published. To make it the "
			     "version learners see, press the button on its row below.");
	}
	pkg_free(&p);
	int status;
	if (rc < 0) {
		char *m = arena_printf(&r->arena, "%s%s%s", T(r, "The package was refused"), view_colon(r), e.msg);
		status = manage_page(r, 422, "error", m, problems_text(&pr));
	} else {
		const char *m = older ? arena_printf(&r->arena, "%s %s", import_summary_text(r, msg), older)
				      : import_summary_text(r, msg);
		status =
		    manage_page(r, 200, rc == IMPORT_UNCHANGED || older ? "info" : "ok", m, problems_warnings(&pr));
	}
	problems_release(&pr);
	return status;
}

static int h_rollback(struct req *r)
{
	const char *course = req_form(r, "course"), *lang = req_form(r, "lang"), *version = req_form(r, "version");
	struct err e;
	if (!course || !lang || !version)
		return manage_page(r, 404, "error", T(r, "There is no such stored version."), NULL);
	/* The version made active and its audit entry in one transaction. */
	if (db_begin(r->db, &e) < 0)
		return audit_unsaved(r, e.msg);
	if (package_rollback(r->db, course, lang, version, &e) < 0) {
		db_rollback(r->db);
		return manage_page(r, 404, "error", T(r, "There is no such stored version."), NULL);
	}
	if (req_audit_commit(r, "course.rollback", arena_printf(&r->arena, "course:%s", course),
			     arena_printf(&r->arena, "lang=%s version=%s", lang, version)) < 0)
		return audit_unsaved(r, NULL);
	return resp_redirect(r, "/manage/courses?done=1");
}

const struct route package_routes[] = {
    {"GET", "/media/*", ROLE_ANY, h_media, 0},
    {"GET", "/manage/courses", ROLE_TRAINER | ROLE_ADMIN, h_manage, 0},
    {"POST", "/manage/courses/upload", ROLE_TRAINER | ROLE_ADMIN, h_upload, UPLOAD_MAX},
    {"POST", "/manage/courses/rollback", ROLE_TRAINER | ROLE_ADMIN, h_rollback, 0},
    {"POST", "/manage/courses/publish", ROLE_TRAINER | ROLE_ADMIN, h_publish, 0},
    {"GET", "/manage/courses/:id/participants", ROLE_TRAINER | ROLE_ADMIN, h_participants, 0},
    {"GET", "/manage/courses/:id/participants.csv", ROLE_TRAINER | ROLE_ADMIN, h_participants_csv, 0},
    {"GET", "/manage/courses/:id/participants.xlsx", ROLE_TRAINER | ROLE_ADMIN, h_participants_xlsx, 0},
    {"GET", "/manage/courses/:id/preview/:lang/:version", ROLE_TRAINER | ROLE_ADMIN, h_preview, 0},
    {"GET", "/manage/courses/:id/preview/:lang/:version/*", ROLE_TRAINER | ROLE_ADMIN, h_preview, 0},
    {NULL, NULL, 0, NULL, 0},
};

static const struct msg package_msgs[] = {
    {"Upload a package", "ផ្ទុកកញ្ចប់វគ្គសិក្សាឡើង"},
    {"A .zip or .tar.gz made with 'sala pack'. It is stored as a draft: preview it, then publish it to replace the "
     "version learners see; they keep their progress.",
     "ឯកសារ .zip ឬ .tar.gz ដែលបង្កើតដោយ 'sala pack'។ វាត្រូវបានរក្សាទុកជាសេចក្តីព្រាង៖ មើលវាជាមុនសិន "
     "រួចផ្សព្វផ្សាយវា ដើម្បីជំនួសកំណែដែលអ្នកសិក្សាកំពុងមើល។ អ្នកសិក្សារក្សាវឌ្ឍនភាពរបស់ខ្លួន។"},
    {"Package file", "ឯកសារកញ្ចប់"},
    {"Publish at once, without a draft", "ផ្សព្វផ្សាយភ្លាម ដោយមិនរក្សាទុកជាសេចក្តីព្រាង"},
    {"Upload", "ផ្ទុកឡើង"},
    {"No course has been imported yet.", "មិនទាន់មានវគ្គសិក្សាណាមួយត្រូវបាននាំចូលនៅឡើយទេ។"},
    {"Courses and their versions", "វគ្គសិក្សា និងកំណែរបស់វា"},
    {"Course", "វគ្គសិក្សា"},
    {"Language", "ភាសា"},
    {"Version", "កំណែ"},
    {"Imported", "បាននាំចូល"},
    {"Status", "ស្ថានភាព"},
    {"Action", "សកម្មភាព"},
    {"Active", "សកម្ម"},
    {"Make this version active", "ធ្វើឱ្យកំណែនេះសកម្ម"},
    {"Manage courses", "គ្រប់គ្រងវគ្គសិក្សា"},
    {"Problems found", "បញ្ហាដែលបានរកឃើញ"},
    {"The version is now active: learners see it.", "កំណែនេះឥឡូវសកម្មហើយ៖ អ្នកសិក្សាមើលឃើញវា។"},
    {"Choose a package file to upload.", "សូមជ្រើសរើសឯកសារកញ្ចប់ដើម្បីផ្ទុកឡើង។"},
    {"The package was refused", "កញ្ចប់ត្រូវបានបដិសេធ"},
    {"There is no such stored version.", "មិនមានកំណែដែលបានរក្សាទុកបែបនេះទេ។"},
};

void packages_messages_register(void)
{
	i18n_register(package_msgs, sizeof package_msgs / sizeof package_msgs[0]);
}
