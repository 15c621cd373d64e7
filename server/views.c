#include "server/views.h"

#include <stdio.h>
#include <string.h>

#include "lib/i18n.h"
#include "lib/util.h"
#include "server/server.h"

/* Mobile-first, no JavaScript. Khmer fonts the device has come first in the stack. */
static const char css[] =
    ":root{--ink:#1b1f24;--muted:#4a5560;--bg:#fff;--brand:#0b4f8a;--brand-ink:#fff;--line:#d0d7de;"
    "--ok:#1a6b32;--bad:#a4161a;--soft:#f3f6f9}"
    "*{box-sizing:border-box}"
    "html{font-family:'Noto Sans Khmer','Khmer OS System','Khmer OS','Leelawadee UI','Khmer UI',"
    "system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;font-size:100%;line-height:1.6;"
    "color:var(--ink);background:var(--bg)}"
    "body{margin:0;overflow-wrap:break-word;word-break:normal}"
    ":lang(km){line-height:1.9}"
    "a{color:var(--brand);text-underline-offset:2px}"
    "a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus{outline:3px solid #f5a623;"
    "outline-offset:2px}"
    ".skip{position:absolute;left:-999px;top:0;background:var(--brand);color:var(--brand-ink);padding:.5rem 1rem}"
    ".skip:focus{left:0;z-index:10}"
    "header.site{background:var(--brand);color:var(--brand-ink);padding:.5rem 1rem;display:flex;"
    "flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}"
    "header.site a{color:var(--brand-ink)}"
    ".brand{font-weight:700;font-size:1.2rem;text-decoration:none}"
    "nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}"
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
    ".notice.ok{border-color:var(--ok)}.notice.error{border-color:var(--bad)}.notice.info{border-color:var(--brand)}"
    "table{border-collapse:collapse;width:100%;margin:1rem 0}"
    "th,td{border-bottom:1px solid var(--line);padding:.4rem;text-align:left;vertical-align:top}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".table-scroll{overflow-x:auto}"
    ".cards{list-style:none;padding:0;display:grid;gap:1rem}"
    ".card{border:1px solid var(--line);border-radius:6px;padding:1rem}"
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
    "fieldset{border:1px solid var(--line);border-radius:6px;margin:1rem 0;padding:.5rem 1rem}"
    "legend{font-weight:600;padding:0 .25rem}"
    ".right{color:var(--ok)}.wrong{color:var(--bad)}"
    ".chart text{font-size:12px;fill:var(--ink)}"
    "@media (min-width:40rem){.cards{grid-template-columns:repeat(2,1fr)}}";

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

const char *T(struct req *r, const char *en)
{
	return tr(r->lang, en);
}

const char *name_for(struct req *r, const char *latin, const char *khmer)
{
	if (strcmp(r->lang, "km") == 0 && khmer && *khmer)
		return khmer;
	return latin;
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

void page_begin(struct req *r, struct buf *b, const char *title)
{
	page_head(r, b, title, "/");
	buf_printf(b, "<nav aria-label=\"%s\"><ul>", T(r, "Main"));
	if (r->user) {
		nav_link(r, b, "/courses", "Courses");
		nav_link(r, b, "/my", "My learning");
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
	} else {
		nav_link(r, b, "/login", "Log in");
	}
	buf_puts(b, "</ul></nav>");
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
	if (r->user) {
		buf_puts(b, "<a class=\"langs\" href=\"/profile\">");
		buf_html(b, T(r, "My profile"));
		buf_puts(b, "</a>");
		buf_puts(b, "<form method=\"post\" action=\"/logout\" class=\"langs\">");
		buf_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", r->session.csrf);
		buf_puts(b, "<button>");
		buf_html(b, T(r, "Log out"));
		buf_puts(b, "</button></form>");
	}
	buf_puts(b, "</header><main id=\"main\" tabindex=\"-1\">");
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

void field_input(struct buf *b, const char *name, const char *label, const char *type, const char *value, bool required,
		 const char *autocomplete)
{
	buf_printf(b, "<label for=\"f-%s\">", name);
	buf_html(b, label);
	buf_printf(b, "</label><input id=\"f-%s\" name=\"%s\" type=\"%s\"", name, name, type);
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
	buf_printf(b, "<label for=\"f-%s\">", name);
	buf_html(b, label);
	buf_printf(b, "</label><select id=\"f-%s\" name=\"%s\">", name, name);
	for (const char *const *o = options; o[0]; o += 2) {
		buf_puts(b, "<option value=\"");
		buf_html(b, o[0]);
		buf_puts(b, "\"");
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
