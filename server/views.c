#include "server/views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db.h"
#include "lib/i18n.h"
#include "lib/util.h"
#include "server/server.h"

/* The device's fonts, Latin ones first. Khmer letters are missing from them, so they come from the Khmer fonts
   further on; Latin letters and punctuation never come from a Khmer font on an English page. */
#define FONTS_LATIN "system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',"
#define FONTS_KHMER "'Noto Sans Khmer','Khmer OS System','Khmer OS','Leelawadee UI','Khmer UI',"

/* Mobile-first, no JavaScript. Text in Khmer (a Khmer page, or a Khmer title on an English page) puts the Khmer
   fonts first; anything else the Latin ones. */
static const char css[] =
    ":root{--ink:#1b1f24;--muted:#4a5560;--bg:#fff;--brand:#0b4f8a;--brand-ink:#fff;--line:#d0d7de;"
    "--ok:#1a6b32;--bad:#a4161a;--soft:#f3f6f9}"
    "*{box-sizing:border-box}"
    "html{font-family:" FONTS_LATIN FONTS_KHMER "sans-serif;font-size:100%;line-height:1.6;"
    "color:var(--ink);background:var(--bg)}"
    ":lang(km){font-family:" FONTS_KHMER FONTS_LATIN "sans-serif}"
    ":lang(en){font-family:" FONTS_LATIN FONTS_KHMER "sans-serif}"
    ".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
    "white-space:nowrap}"
    /* Who is logged in shares the brand's row on a phone (at 200 % text too): a long name is cut with an
       ellipsis there rather than pushing the page down; the whole name is on the profile page. */
    ".who{flex:1 1 4rem;min-width:0;margin:0;font-weight:600;white-space:nowrap;overflow:hidden;"
    "text-overflow:ellipsis}"
    "body{margin:0;overflow-wrap:break-word;word-break:normal}"
    ":lang(km){line-height:1.9}"
    "a{color:var(--brand);text-underline-offset:2px}"
    /* The focus ring: dark blue on the light page (8.4:1 against white, 7.7:1 against --soft), yellow on the
       blue header (5.8:1); WCAG 2.1 1.4.11 asks 3:1, and the browser test measures it. */
    ":focus{outline:3px solid var(--brand);outline-offset:2px}"
    "header.site :focus{outline-color:#ffd24d}"
    ".skip{position:absolute;left:-999px;top:0;background:var(--brand);color:var(--brand-ink);padding:.5rem 1rem}"
    /* Focused, the skip link takes its place above the header, on the white page where its ring shows. */
    ".skip:focus{position:static;display:inline-block;margin:.25rem}"
    "header.site{background:var(--brand);color:var(--brand-ink);padding:.5rem 1rem;display:flex;"
    "flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}"
    "header.site a{color:var(--brand-ink)}"
    ".brand{font-weight:700;font-size:1.2rem;text-decoration:none}"
    "nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}"
    /* The menu is a <details> that starts closed on a phone (it works without JavaScript); where the
       browser can style its content and the screen is wide, it is always open and the toggle hidden. */
    "details.menu>summary{cursor:pointer;border:1px solid var(--brand-ink);border-radius:4px;"
    "padding:.2rem .6rem;list-style-position:inside}"
    "details.menu[open]>summary{margin-bottom:.5rem}"
    "details.menu .menu-body{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}"
    "@supports selector(::details-content){@media (min-width:48rem){details.menu>summary{display:none}"
    "details.menu::details-content{content-visibility:visible;display:contents}}}"
    ".langs{display:flex;gap:.25rem;margin:0}"
    ".langs button{background:transparent;color:var(--brand-ink);border:1px solid var(--brand-ink);"
    "border-radius:4px;padding:.2rem .6rem;font:inherit;cursor:pointer}"
    ".langs button[aria-pressed=true]{background:var(--brand-ink);color:var(--brand);font-weight:700}"
    ".langs a{border:1px solid var(--brand-ink);border-radius:4px;padding:.2rem .6rem;text-decoration:none}"
    ".langs a[aria-current]{background:var(--brand-ink);color:var(--brand);font-weight:700}"
    "main{max-width:46rem;margin:0 auto;padding:1rem}"
    "main.wide{max-width:72rem}"
    "footer{border-top:1px solid var(--line);color:var(--muted);padding:1rem;text-align:center;font-size:.9rem}"
    "h1{font-size:1.6rem;line-height:1.3}h2{font-size:1.3rem}"
    "label{display:block;font-weight:600;margin-top:.75rem}"
    "input,select,textarea{font:inherit;width:100%;max-width:30rem;padding:.5rem;border:1px solid #6b7580;"
    "border-radius:4px;background:#fff;color:var(--ink)}"
    "input[type=checkbox],input[type=radio]{width:auto;margin-right:.5rem}"
    "button,.button{display:inline-block;font:inherit;background:var(--brand);color:var(--brand-ink);"
    "border:0;border-radius:4px;padding:.6rem 1.2rem;margin-top:1rem;cursor:pointer;text-decoration:none}"
    ".button.secondary,button.secondary{background:#fff;color:var(--brand);border:1px solid var(--brand)}"
    ".notice{border-left:6px solid;padding:.5rem 1rem;margin:1rem 0;background:var(--soft)}"
    /* Notices that keep their lines (an assignment's results) still wrap on a phone. */
    ".notice pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;font:inherit}"
    ".notice.ok{border-color:var(--ok)}.notice.error{border-color:var(--bad)}.notice.info{border-color:var(--brand)}"
    "table{border-collapse:collapse;width:100%;margin:1rem 0}"
    "th,td{border-bottom:1px solid var(--line);padding:.4rem;text-align:left;vertical-align:top}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".table-scroll{overflow-x:auto;max-width:100%}"
    ".cards{list-style:none;padding:0;display:grid;gap:1rem;grid-template-columns:minmax(0,1fr)}"
    ".card{border:1px solid var(--line);border-radius:6px;padding:1rem;min-width:0;overflow-wrap:anywhere}"
    ".card h2,.card h3{margin-top:0}"
    ".meta{color:var(--muted);font-size:.95rem}"
    ".status{font-weight:600}"
    "progress{width:100%;height:1rem}"
    ".outline{padding-left:1.2rem}.outline .done::marker{content:'\\2713  '}"
    ".pager{display:flex;justify-content:space-between;gap:1rem;margin:2rem 0;flex-wrap:wrap}"
    /* Learner pages: comfortable tap targets at 360 px, wide lesson tables scroll on their own. */
    ".pager a{display:inline-block;padding:.35rem 0}.outline li{margin:.5rem 0}"
    ".lesson table{display:block;overflow-x:auto}.progress{margin:.5rem 0}"
    ".lesson img,.lesson video{max-width:100%;height:auto}"
    ".lesson pre{overflow-x:auto;background:var(--soft);padding:.5rem}"
    "fieldset{border:1px solid var(--line);border-radius:6px;margin:1rem 0;padding:.5rem 1rem;min-width:0}"
    "legend{font-weight:600;padding:0 .25rem}"
    ".right{color:var(--ok)}.wrong{color:var(--bad)}"
    /* Charts: HTML labels (they grow with the text size) above bars drawn to the row's width. */
    ".chart{margin:1rem 0}.chart-title,.chart-head{font-weight:600;margin:.75rem 0 .25rem}"
    ".chart-row{margin:.15rem 0}.chart-label{display:block}"
    ".chart-bar{display:block;width:100%;height:.9rem}"
    /* Form errors: the message sits under its label, tied to the field by aria-describedby. */
    ".field-error{color:var(--bad);font-weight:600;margin:.25rem 0 0}"
    "[aria-invalid=true]{border:2px solid var(--bad)}"
    ".unanswered{border-left:6px solid var(--bad)}"
    "@media (min-width:40rem){.cards{grid-template-columns:repeat(2,minmax(0,1fr))}}";

static char css_etag[17];

const char *css_url(void)
{
	static char url[64];
	if (!url[0]) {
		char h[65];
		sha256_hex(css, sizeof css - 1, h);
		memcpy(css_etag, h, 16);
		snprintf(url, sizeof url, "/static/sala.%s.css", css_etag);
	}
	return url;
}

const char *view_css(size_t *len)
{
	*len = sizeof css - 1;
	return css;
}

const char *T(struct req *r, const char *en)
{
	return tr(r->lang, en);
}

void view_date(struct req *r, struct buf *b, int64_t t)
{
	char ymd[11];
	date_ymd(t, ymd);
	i18n_date(b, r->lang, ymd);
}

const char *view_colon(struct req *r)
{
	return strcmp(r->lang, "km") == 0 ? "៖ " : ": ";
}

const char *name_for(struct req *r, const char *latin, const char *khmer)
{
	if (strcmp(r->lang, "km") == 0 && khmer && *khmer)
		return khmer;
	return latin;
}

const char *lang_attr_for(struct req *r, const char *lang)
{
	if (!lang || !*lang || strlen(lang) > 16 || strcmp(lang, r->lang) == 0)
		return "";
	for (const char *p = lang; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-'))
			return "";
	return arena_printf(&r->arena, " lang=\"%s\"", lang);
}

const char *lang_attr_text(struct req *r, const char *text)
{
	if (!text)
		return "";
	bool khmer = strstr(text, "\xe1\x9e") || strstr(text, "\xe1\x9f");
	return lang_attr_for(r, khmer ? "km" : "en");
}

static void nav_link(struct req *r, struct buf *b, const char *href, const char *label)
{
	bool here = strcmp(r->path, href) == 0 || (strcmp(href, "/") != 0 && str_starts(r->path, href));
	buf_printf(b, "<li><a href=\"%s\"%s>", href, here ? " aria-current=\"page\"" : "");
	buf_html(b, T(r, label));
	buf_puts(b, "</a></li>");
}

/* From the doctype to the brand link of the site header. */
static void page_head(struct req *r, struct buf *b, const char *title, const char *home)
{
	buf_printf(b,
		   "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>",
		   r->lang);
	buf_html(b, title);
	buf_puts(b, " · ");
	buf_html(b, T(r, "Sala"));
	buf_printf(b, "</title><link rel=\"stylesheet\" href=\"%s\"></head><body>", css_url());
	buf_printf(b, "<a class=\"skip\" href=\"#main\">%s</a>", T(r, "Skip to content"));
	buf_puts(b, "<header class=\"site\"><a class=\"brand\" href=\"");
	buf_html(b, home);
	buf_puts(b, "\">");
	buf_html(b, T(r, "Sala"));
	buf_puts(b, "</a>");
}

void page_begin_preview(struct req *r, struct buf *b, const char *title)
{
	page_head(r, b, title, strcmp(r->lang, "en") == 0 ? "/" : "/?lang=km");
	/* No accounts and no POST routes in the preview: the languages are plain links to this page. */
	buf_printf(b, "<nav class=\"langs\" aria-label=\"%s\">", T(r, "Language"));
	static const struct {
		const char *code, *name;
	} langs[] = {{"km", "ខ្មែរ"}, {"en", "English"}};
	for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
		buf_puts(b, "<a href=\"");
		buf_html(b, r->path);
		buf_printf(b, "?lang=%s\" lang=\"%s\"%s>%s</a>", langs[i].code, langs[i].code,
			   strcmp(r->lang, langs[i].code) == 0 ? " aria-current=\"true\"" : "", langs[i].name);
	}
	buf_puts(b, "</nav></header><main id=\"main\" tabindex=\"-1\">");
}

/* On the admin pages, until base_url is set: certificates' QR codes point at the default address. */
static void base_url_banner(struct req *r, struct buf *b)
{
	char *base = db_setting_get(r->db, "base_url");
	if (!base || !*base) {
		buf_puts(b, "<div class=\"notice error\" role=\"alert\" id=\"base-url-warning\"><p>");
		buf_html(b,
			 T(r, "The public address of this site (base_url) is not set: every certificate's QR code and "
			      "verification link points at http://127.0.0.1:8080, which nobody else can open."));
		buf_printf(b, " <a href=\"/admin/settings#f-base_url\">%s</a></p></div>",
			   T(r, "Set it in the settings."));
	}
	free(base);
}

void page_begin(struct req *r, struct buf *b, const char *title)
{
	page_head(r, b, title, "/");
	if (r->user) {
		/* Who is logged in, on every page and outside the collapsed menu (a shared phone shows whose it is),
		   beside the brand, where a phone's first row has room. */
		const char *who = name_for(r, r->user->full_name, r->user->full_name_km);
		if (!who || !*who)
			who = r->user->username;
		buf_puts(b, "<p class=\"who\"><span class=\"visually-hidden\">");
		buf_html(b, T(r, "Logged in as"));
		buf_printf(b, " </span><span%s>", lang_attr_text(r, who));
		buf_html(b, who);
		buf_puts(b, "</span></p>");
	}
	/* Language switcher: a form, so it works without JavaScript and is protected like every change. */
	buf_puts(b, "<form class=\"langs\" method=\"post\" action=\"/lang\">");
	buf_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", req_csrf(r));
	buf_puts(b, "<input type=\"hidden\" name=\"next\" value=\"");
	buf_html(b, r->path);
	buf_puts(b, "\">");
	buf_printf(b,
		   "<button name=\"lang\" value=\"km\" lang=\"km\" aria-pressed=\"%s\">ខ្មែរ</button>"
		   "<button name=\"lang\" value=\"en\" lang=\"en\" aria-pressed=\"%s\">English</button></form>",
		   strcmp(r->lang, "km") == 0 ? "true" : "false", strcmp(r->lang, "en") == 0 ? "true" : "false");
	if (!r->user) {
		buf_printf(b, "<nav aria-label=\"%s\"><ul>", T(r, "Main"));
		nav_link(r, b, "/login", "Log in");
		buf_puts(b, "</ul></nav></header><main id=\"main\" tabindex=\"-1\">");
		return;
	}
	/* Logged in: the menu collapses into a <details> on a phone, so the page starts on the first screen. */
	buf_puts(b, "<details class=\"menu\"><summary>");
	buf_html(b, T(r, "Menu"));
	buf_printf(b, "</summary><div class=\"menu-body\"><nav aria-label=\"%s\"><ul>", T(r, "Main"));
	{
		nav_link(r, b, "/courses", "Courses");
		nav_link(r, b, "/my", "My learning");
		nav_link(r, b, "/sessions", "Sessions");
		nav_link(r, b, "/certificates", "Certificates");
		if (r->user->roles & (ROLE_TRAINER | ROLE_ADMIN))
			nav_link(r, b, "/manage/courses", "Manage courses");
		if (r->user->roles & (ROLE_MANAGER | ROLE_ADMIN))
			nav_link(r, b, "/reports", "Reports");
		if (r->user->roles & ROLE_ADMIN)
			nav_link(r, b, "/admin/users", "Users");
		if (r->user->roles & ROLE_ADMIN)
			nav_link(r, b, "/admin/orgs", "Org units");
		if (r->user->roles & ROLE_ADMIN)
			nav_link(r, b, "/admin/settings", "Settings");
		if (r->user->roles & ROLE_ADMIN)
			nav_link(r, b, "/admin/certificates", "Certificate admin");
		if (r->user->roles & ROLE_ADMIN)
			nav_link(r, b, "/admin/item-analysis", "Item analysis");
		if (r->user->roles & ROLE_ADMIN)
			nav_link(r, b, "/admin/audit", "Audit trail");
	}
	buf_puts(b, "</ul></nav>");
	buf_puts(b, "<a class=\"langs\" href=\"/profile\">");
	buf_html(b, T(r, "My profile"));
	buf_puts(b, "</a>");
	buf_puts(b, "<form method=\"post\" action=\"/logout\" class=\"langs\">");
	buf_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", r->session.csrf);
	buf_puts(b, "<button>");
	buf_html(b, T(r, "Log out"));
	buf_puts(b, "</button></form></div></details></header><main id=\"main\" tabindex=\"-1\">");
	if ((r->user->roles & ROLE_ADMIN) && str_starts(r->path, "/admin"))
		base_url_banner(r, b);
}

void page_end(struct req *r, struct buf *b)
{
	buf_puts(b, "</main><footer><p>");
	buf_html(b, T(r, "Sala: digital skills for sub-national administration"));
	buf_puts(b, "</p></footer></body></html>");
}

int page_send(struct req *r, int status, struct buf *b)
{
	int rc = resp_html(r, status, b);
	buf_release(b);
	return rc;
}

void form_begin(struct req *r, struct buf *b, const char *action)
{
	buf_puts(b, "<form method=\"post\" action=\"");
	buf_html(b, action);
	buf_printf(b, "\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">", req_csrf(r));
}

void form_errs_add(struct form_errs *fe, const char *field, const char *msg)
{
	if (fe->n >= FORM_ERRS_MAX || form_errs_get(fe, field))
		return;
	fe->e[fe->n].field = field;
	fe->e[fe->n].msg = msg;
	fe->n++;
}

const char *form_errs_get(const struct form_errs *fe, const char *field)
{
	for (int i = 0; fe && i < fe->n; i++)
		if (strcmp(fe->e[i].field, field) == 0)
			return fe->e[i].msg;
	return NULL;
}

void form_errs_from_domain(struct req *r, struct form_errs *fe, const char *msg, const char *const *fields)
{
	const char *field = fields[0];
	size_t best = 0;
	for (const char *const *f = fields; *f; f++)
		if (strlen(*f) > best && strstr(msg, *f)) {
			field = *f;
			best = strlen(*f);
		}
	static const struct {
		const char *has, *say;
	} kinds[] = {
	    {"is empty", "This field is empty."},
	    {"is longer than", "This is too long."},
	    {"not valid UTF-8", "This contains characters that are not allowed."},
	    {"control character", "This contains characters that are not allowed."},
	    {"unknown org_code", "There is no org unit with this code."},
	    {"is not an address", "This is not an email address."},
	    {"is already taken", "This username is already taken."},
	    {"invalid username", "Use 2 to 64 letters, digits, . _ - or @."},
	    {"password is shorter", "The password is too short: use at least 10 characters."},
	    {"unknown role", "Choose at least one of the roles listed."},
	};
	const char *say = NULL;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && !say; i++)
		if (strstr(msg, kinds[i].has))
			say = T(r, kinds[i].say);
	form_errs_add(fe, field, say ? say : T(r, arena_strdup(&r->arena, msg)));
}

void form_errs_summary(struct req *r, struct buf *b, const struct form_errs *fe)
{
	if (!fe || fe->n == 0)
		return;
	buf_puts(b, "<div class=\"notice error\" role=\"alert\"><p>");
	buf_html(b, fe->n == 1 ? T(r, "There is a problem in the form:") : T(r, "There are problems in the form:"));
	buf_puts(b, "</p><ul>");
	for (int i = 0; i < fe->n; i++) {
		buf_printf(b, "<li><a href=\"#f-%s\">", fe->e[i].field);
		buf_html(b, fe->e[i].msg);
		buf_puts(b, "</a></li>");
	}
	buf_puts(b, "</ul></div>");
}

/* The label, the error under it, and the attributes that tie the field to it. */
static void field_open(struct buf *b, const struct form_errs *fe, const char *name, const char *label)
{
	const char *msg = form_errs_get(fe, name);
	buf_printf(b, "<label for=\"f-%s\">", name);
	buf_html(b, label);
	buf_puts(b, "</label>");
	if (msg) {
		buf_printf(b, "<p class=\"field-error\" id=\"f-%s-err\">", name);
		buf_html(b, msg);
		buf_puts(b, "</p>");
	}
}

static void field_attrs(struct buf *b, const struct form_errs *fe, const char *name)
{
	if (!fe || !form_errs_get(fe, name))
		return;
	buf_printf(b, " aria-invalid=\"true\" aria-describedby=\"f-%s-err\"", name);
	if (strcmp(fe->e[0].field, name) == 0)
		buf_puts(b, " autofocus");
}

void field_textarea_e(struct buf *b, const struct form_errs *fe, const char *name, const char *label, const char *value,
		      bool required, int rows, int maxlen)
{
	field_open(b, fe, name, label);
	buf_printf(b, "<textarea id=\"f-%s\" name=\"%s\" rows=\"%d\"", name, name, rows);
	if (maxlen > 0)
		buf_printf(b, " maxlength=\"%d\"", maxlen);
	if (required)
		buf_puts(b, " required");
	field_attrs(b, fe, name);
	buf_puts(b, ">");
	if (value)
		buf_html(b, value);
	buf_puts(b, "</textarea>");
}

void field_input(struct buf *b, const char *name, const char *label, const char *type, const char *value, bool required,
		 const char *autocomplete)
{
	field_input_e(b, NULL, name, label, type, value, required, autocomplete);
}

void field_input_e(struct buf *b, const struct form_errs *fe, const char *name, const char *label, const char *type,
		   const char *value, bool required, const char *autocomplete)
{
	field_open(b, fe, name, label);
	buf_printf(b, "<input id=\"f-%s\" name=\"%s\" type=\"%s\"", name, name, type);
	field_attrs(b, fe, name);
	if (value) {
		buf_puts(b, " value=\"");
		buf_html(b, value);
		buf_puts(b, "\"");
	}
	if (required)
		buf_puts(b, " required");
	if (autocomplete)
		buf_printf(b, " autocomplete=\"%s\"", autocomplete);
	buf_puts(b, ">");
}

void field_select(struct buf *b, const char *name, const char *label, const char *selected, const char *const *options)
{
	field_select_e(b, NULL, name, label, selected, options);
}

void field_select_e(struct buf *b, const struct form_errs *fe, const char *name, const char *label,
		    const char *selected, const char *const *options)
{
	field_open(b, fe, name, label);
	buf_printf(b, "<select id=\"f-%s\" name=\"%s\"", name, name);
	field_attrs(b, fe, name);
	buf_puts(b, ">");
	for (const char *const *o = options; o[0]; o += 2) {
		buf_puts(b, "<option value=\"");
		buf_html(b, o[0]);
		buf_puts(b, "\"");
		/* A label in Khmer script (a language's own name) says so, for English pages. */
		if (strstr(o[1], "\xe1\x9e") || strstr(o[1], "\xe1\x9f"))
			buf_puts(b, " lang=\"km\"");
		if (selected && strcmp(selected, o[0]) == 0)
			buf_puts(b, " selected");
		buf_puts(b, ">");
		buf_html(b, o[1]);
		buf_puts(b, "</option>");
	}
	buf_puts(b, "</select>");
}

void form_submit(struct buf *b, const char *label)
{
	buf_puts(b, "<button type=\"submit\">");
	buf_html(b, label);
	buf_puts(b, "</button></form>");
}

void notice(struct buf *b, const char *kind, const char *text)
{
	buf_printf(b, "<div class=\"notice %s\" role=\"%s\">", kind, strcmp(kind, "error") == 0 ? "alert" : "status");
	buf_html(b, text);
	buf_puts(b, "</div>");
}

const char *resp_error_lang(struct req *r)
{
	const char *q = req_query(r, "lang");
	if (q && i18n_known(q))
		return q;
	const char *al = req_header(r, "Accept-Language");
	return al && *al ? i18n_negotiate(al) : "en";
}

int resp_error(struct req *r, int status, const char *msg)
{
	if (status >= 500 && !r->cause)
		r->cause = arena_strdup(&r->arena, msg);
	struct buf b = BUF_INIT;
	if (r->api) {
		/* Every API error in one language, whichever the caller passed: the request's. */
		buf_puts(&b, "{\"error\":");
		buf_json_str(&b, tr(resp_error_lang(r), i18n_english(msg)));
		buf_puts(&b, "}");
		int rc = resp_json(r, status, &b);
		buf_release(&b);
		return rc;
	}
	if (!r->lang)
		r->lang = "en";
	page_begin(r, &b, T(r, "Problem"));
	buf_puts(&b, "<h1>");
	buf_html(&b, T(r, "Something is not right"));
	buf_puts(&b, "</h1>");
	notice(&b, "error", msg);
	buf_printf(&b, "<p><a href=\"/\">%s</a></p>", T(r, "Back to the start page"));
	page_end(r, &b);
	return page_send(r, status, &b);
}

static int h_css(struct req *r)
{
	if (strcmp(r->param[0], css_url() + strlen("/static/sala.")) != 0 && !str_starts(r->param[0], css_etag)) {
		/* An old URL: still answer, but do not let it be cached forever. */
		return resp_send(r, 200, "text/css; charset=utf-8", css, sizeof css - 1, "Cache-Control: no-cache\r\n");
	}
	if (resp_not_modified(r, css_etag))
		return 304;
	resp_etag(r, css_etag);
	return resp_send(r, 200, "text/css; charset=utf-8", css, sizeof css - 1,
			 "Cache-Control: public, max-age=31536000, immutable\r\n");
}

const struct route view_routes[] = {
    {"GET", "/static/sala.*", 0, h_css, 0},
    {NULL, NULL, 0, NULL, 0},
};

const char *view_day(struct req *r, const char *ymd)
{
	struct buf t = BUF_INIT;
	i18n_date(&t, r->lang, ymd ? ymd : "");
	const char *s = arena_strdup(&r->arena, buf_str(&t));
	buf_release(&t);
	return s;
}

const char *view_when(struct req *r, int64_t t)
{
	char ymd[11], hm[8];
	date_ymd(t, ymd);
	int64_t s = t % 86400;
	if (s < 0)
		s += 86400;
	snprintf(hm, sizeof hm, "%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60));
	struct buf b = BUF_INIT;
	i18n_date(&b, r->lang, ymd);
	buf_putc(&b, ' ');
	i18n_digits(&b, r->lang, hm);
	const char *out = arena_strdup(&r->arena, buf_str(&b));
	buf_release(&b);
	return out;
}

const char *view_digits(struct req *r, const char *s)
{
	struct buf b = BUF_INIT;
	i18n_digits(&b, r->lang, s ? s : "");
	const char *out = arena_strdup(&r->arena, buf_str(&b));
	buf_release(&b);
	return out;
}

const char *view_day_hours(struct req *r, const char *s)
{
	if (strlen(s) < 22)
		return view_digits(r, s);
	char ymd[11];
	snprintf(ymd, sizeof ymd, "%.10s", s);
	return arena_printf(&r->arena, "%s, %s", view_day(r, ymd),
			    view_digits(r, arena_printf(&r->arena, "%.5s\xe2\x80\x93%.5s", s + 11, s + 17)));
}
