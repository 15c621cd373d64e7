/*
 * The audit trail for administrators (lib/audit.h): who changed which user,
 * setting, certificate or course version, and when, with filters (who,
 * action, target, a date range), paging, and the same list as CSV.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/audit.h"
#include "lib/csv.h"
#include "lib/i18n.h"
#include "lib/util.h"
#include "server/server.h"
#include "server/views.h"

/* Entries per page. */
#define AUDIT_PAGE 50
/* Longest filter text accepted. */
#define AUDIT_FILTER_MAX 200

/* The filters of the query string, checked; a bad one gets its message in fe and is not applied. */
struct audit_query {
	struct audit_filter f;
	const char *actor, *action, *target, *from, *to; /* as typed ("" when absent) */
	int64_t page;
};

static const char *typed(struct req *r, const char *key)
{
	const char *v = req_query(r, key);
	return v ? v : "";
}

static void audit_query_read(struct req *r, struct audit_query *q, struct form_errs *fe)
{
	memset(q, 0, sizeof *q);
	q->actor = typed(r, "actor");
	q->action = typed(r, "action");
	q->target = typed(r, "target");
	q->from = typed(r, "from");
	q->to = typed(r, "to");
	q->page = req_int(req_query(r, "page"), 1, 1000000, 1);
	const char *texts[][2] = {{"actor", q->actor}, {"action", q->action}, {"target", q->target}};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (strlen(texts[i][1]) > AUDIT_FILTER_MAX || !utf8_valid(texts[i][1], strlen(texts[i][1])))
			form_errs_add(fe, texts[i][0], T(r, "This is too long or not valid text."));
	if (!form_errs_get(fe, "actor"))
		q->f.actor = q->actor;
	if (!form_errs_get(fe, "action"))
		q->f.action = q->action;
	if (!form_errs_get(fe, "target"))
		q->f.target = q->target;
	int64_t t;
	if (*q->from && date_parse(q->from, &t) < 0)
		form_errs_add(fe, "from", T(r, "Type a date as YYYY-MM-DD."));
	else if (*q->from)
		q->f.since = t;
	if (*q->to && date_parse(q->to, &t) < 0)
		form_errs_add(fe, "to", T(r, "Type a date as YYYY-MM-DD."));
	else if (*q->to)
		q->f.until = t + 86400; /* the whole last day */
	if (q->f.since && q->f.until && q->f.until <= q->f.since) {
		form_errs_add(fe, "to", T(r, "The end date is before the start date."));
		q->f.since = q->f.until = 0;
	}
}

/* The query string of q's filters (without the page), URL-encoded, into b. */
static void audit_query_string(struct buf *b, const struct audit_query *q)
{
	const char *keys[] = {"actor", "action", "target", "from", "to"};
	const char *vals[] = {q->actor, q->action, q->target, q->from, q->to};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		buf_printf(b, "%s%s=", i ? "&" : "", keys[i]);
		buf_url(b, vals[i]);
	}
}

static void time_utc(int64_t t, char out[24])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 24, "%Y-%m-%d %H:%M", &tm);
}

struct audit_page {
	struct req *r;
	struct buf *b;
	int n;
};

static int audit_row_html(void *ctx, const struct audit_entry *a)
{
	struct audit_page *p = ctx;
	struct buf *b = p->b;
	char when[24];
	time_utc(a->created_at, when);
	/* Actors, actions, targets and details are identifiers and values, not interface text: shown as code. */
	buf_printf(b, "<tr><td class=\"nowrap\"><time datetime=\"%s\">", when);
	buf_html(b, view_when(p->r, a->created_at));
	buf_puts(b, "</time></td><td><code>");
	buf_html(b, a->actor);
	buf_puts(b, "</code></td><td>");
	buf_html(b, a->origin);
	buf_puts(b, "</td><td><code>");
	buf_html(b, a->action);
	buf_puts(b, "</code></td><td><code>");
	buf_html(b, a->target);
	buf_puts(b, "</code></td><td><code>");
	buf_html(b, a->detail);
	buf_puts(b, "</code></td></tr>");
	p->n++;
	return 0;
}

/* The action families offered in the filter, as value,label pairs. */
static void action_select(struct req *r, struct buf *b, const struct form_errs *fe, const char *selected)
{
	static const char *const families[][2] = {
	    {"user", "Users"},
	    {"users.import", "User import"},
	    {"org", "Org units"},
	    {"orgs.import", "Org unit import"},
	    {"settings", "Settings"},
	    {"course", "Courses"},
	    {"certificate", "Certificates"},
	    {"essay", "Essay grades"},
	};
	const char *opts[2 * (sizeof families / sizeof families[0]) + 5];
	size_t k = 0;
	opts[k++] = "";
	opts[k++] = T(r, "All actions");
	bool known = !*selected;
	for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
		opts[k++] = families[i][0];
		opts[k++] = T(r, families[i][1]);
		known |= strcmp(selected, families[i][0]) == 0;
	}
	if (!known) { /* an exact action from a link or a bookmark stays selected */
		opts[k++] = selected;
		opts[k++] = selected;
	}
	opts[k] = NULL;
	field_select_e(b, fe, "action", T(r, "Action"), selected, opts);
}

static int h_audit(struct req *r)
{
	struct form_errs fe = {0};
	struct audit_query q;
	audit_query_read(r, &q, &fe);
	struct err e;
	int64_t total = audit_count(r->db, &q.f, &e);
	if (total < 0) {
		r->cause = arena_printf(&r->arena, "audit trail: %s", e.msg);
		return resp_error(r, 503, T(r, "The audit trail could not be read. Please try again."));
	}
	int64_t pages = total ? (total + AUDIT_PAGE - 1) / AUDIT_PAGE : 1;
	if (q.page > pages)
		q.page = pages;
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Audit trail"));
	buf_printf(&b, "<h1>%s</h1><p>%s</p>", T(r, "Audit trail"),
		   T(r,
		     "Every change made by an administrator, a trainer or a manager, on the web or the command line. "
		     "Times are UTC."));
	form_errs_summary(r, &b, &fe);
	buf_puts(&b, "<form method=\"get\" action=\"/admin/audit\" class=\"filters\" role=\"search\">");
	field_input_e(&b, &fe, "actor", T(r, "Who (username)"), "text", q.actor, false, "off");
	action_select(r, &b, &fe, q.action);
	field_input_e(&b, &fe, "target", T(r, "Target contains"), "text", q.target, false, "off");
	field_input_e(&b, &fe, "from", T(r, "From (date)"), "date", q.from, false, "off");
	field_input_e(&b, &fe, "to", T(r, "To (date)"), "date", q.to, false, "off");
	buf_printf(&b, "<button type=\"submit\">%s</button></form>", T(r, "Filter"));
	struct buf qs = BUF_INIT;
	audit_query_string(&qs, &q);
	char count[160];
	snprintf(count, sizeof count, T(r, "%lld entries; page %lld of %lld."), (long long)total, (long long)q.page,
		 (long long)pages);
	buf_printf(&b, "<p id=\"audit-count\" data-total=\"%lld\">", (long long)total);
	buf_html(&b, view_digits(r, count));
	buf_puts(&b, " <a href=\"/admin/audit.csv?");
	buf_html(&b, buf_str(&qs));
	buf_printf(&b, "\" download>%s</a></p>", T(r, "Download CSV"));
	buf_printf(
	    &b,
	    "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table><thead><tr>"
	    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
	    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
	    T(r, "Audit trail"), T(r, "When (UTC)"), T(r, "Who"), T(r, "From"), T(r, "Action"), T(r, "Target"),
	    T(r, "Detail"));
	struct audit_page p = {r, &b, 0};
	/* A read that ends on an error is remembered by db_step_row(): the page becomes a 503. */
	audit_list(r->db, &q.f, AUDIT_PAGE, (q.page - 1) * AUDIT_PAGE, audit_row_html, &p, &e);
	buf_puts(&b, "</tbody></table></div>");
	if (p.n == 0)
		buf_printf(&b, "<p data-empty>%s</p>", T(r, "No entries match these filters."));
	if (pages > 1) {
		buf_printf(&b, "<nav class=\"pager\" aria-label=\"%s\">", T(r, "Pages"));
		if (q.page > 1) {
			buf_puts(&b, "<a rel=\"prev\" href=\"/admin/audit?");
			buf_html(&b, buf_str(&qs));
			buf_printf(&b, "&amp;page=%lld\">%s</a> ", (long long)q.page - 1, T(r, "Previous"));
		}
		if (q.page < pages) {
			buf_puts(&b, "<a rel=\"next\" href=\"/admin/audit?");
			buf_html(&b, buf_str(&qs));
			buf_printf(&b, "&amp;page=%lld\">%s</a>", (long long)q.page + 1, T(r, "Next"));
		}
		buf_puts(&b, "</nav>");
	}
	buf_release(&qs);
	page_end(r, &b);
	return page_send(r, fe.n ? 422 : 200, &b);
}

static int audit_row_csv(void *ctx, const struct audit_entry *a)
{
	struct buf *b = ctx;
	char when[24];
	time_utc(a->created_at, when);
	buf_printf(b, "%s,", when);
	const char *f[] = {a->actor, a->origin, a->action, a->target, a->detail};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		csv_put_field(b, f[i]);
		buf_puts(b, i + 1 < sizeof f / sizeof f[0] ? "," : "\r\n");
	}
	return 0;
}

/* GET /admin/audit.csv: every entry the filters match (not only one page). */
static int h_audit_csv(struct req *r)
{
	struct form_errs fe = {0};
	struct audit_query q;
	audit_query_read(r, &q, &fe);
	if (fe.n)
		return resp_error(r, 400, fe.e[0].msg);
	struct buf b = BUF_INIT;
	buf_puts(&b, "time_utc,actor,from,action,target,detail\r\n");
	struct err e;
	if (audit_list(r->db, &q.f, 0, 0, audit_row_csv, &b, &e) < 0) {
		buf_release(&b);
		r->cause = arena_printf(&r->arena, "audit trail: %s", e.msg);
		return resp_error(r, 503, T(r, "The audit trail could not be read. Please try again."));
	}
	int rc = resp_send(r, 200, "text/csv; charset=utf-8", b.data, b.len,
			   "Content-Disposition: attachment; filename=\"audit-trail.csv\"\r\n"
			   "Cache-Control: private, no-store\r\n");
	buf_release(&b);
	return rc;
}

const struct route audit_routes[] = {
    {"GET", "/admin/audit", ROLE_ADMIN, h_audit, 0},
    {"GET", "/admin/audit.csv", ROLE_ADMIN, h_audit_csv, 0},
    {NULL, NULL, 0, NULL, 0},
};
