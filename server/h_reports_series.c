/*
 * Report series: /reports, /reports.csv, /reports.json and /reports.xlsx with series=month|quarter|semester show one
 * report per calendar period from `from` to `to` (report_series_run(), read from the aggregates), with
 * the dashboard's scope rule: a manager sees their own unit and everything below it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/i18n.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "reports/report.h"
#include "reports/xlsx.h"
#include "server/h_reports.h"
#include "server/http.h"
#include "server/server.h"
#include "server/views.h"

/* Khmer drafts of the series' interface text, for review by a native speaker. */
static const struct msg series_msgs[] = {
    {"Series by month", "ស៊េរីតាមខែ"},
    {"Series by quarter", "ស៊េរីតាមត្រីមាស"},
    {"Series by semester", "ស៊េរីតាមឆមាស"},
    {"Month", "ខែ"},
    {"Quarter", "ត្រីមាស"},
    {"Semester", "ឆមាស"},
    {"Women completed", "ស្ត្រីបានបញ្ចប់"},
    {"Women's share of completions", "ចំណែកស្ត្រីក្នុងការបញ្ចប់"},
    {"Learners in each period, all courses or the course chosen, with the definitions of the dashboard.",
     "អ្នកសិក្សាក្នុងរយៈពេលនីមួយៗ វគ្គសិក្សាទាំងអស់ ឬវគ្គដែលបានជ្រើស តាមនិយមន័យដូចផ្ទាំងរបាយការណ៍។"},
    {"Show", "បង្ហាញ"},
    {"CSV: series by sex", "CSV៖ ស៊េរីតាមភេទ"},
    {"JSON: series by sex", "JSON៖ ស៊េរីតាមភេទ"},
    {"XLSX: series by sex", "XLSX៖ ស៊េរីតាមភេទ"},
    {"Back to the report", "ត្រឡប់ទៅរបាយការណ៍"},
    {"The report parameters are not valid.", "ប៉ារ៉ាម៉ែត្ររបស់របាយការណ៍មិនត្រឹមត្រូវទេ។"},
};

void reports_series_messages_register(void)
{
	i18n_register(series_msgs, sizeof series_msgs / sizeof series_msgs[0]);
}

struct sparams {
	struct report_query q;
	const char *series, *from, *to;
	unsigned by;
};

static const char *arg(struct req *r, const char *key)
{
	const char *v = req_query(r, key);
	return v && *v ? v : NULL;
}

/* Runs the series of the request; on failure the error response is sent and its status is in *status. */
static bool series_run(struct req *r, struct sparams *p, struct report_series *s, int *status)
{
	struct err e;
	memset(p, 0, sizeof *p);
	memset(s, 0, sizeof *s);
	p->q.scope_id = req_has_role(r, ROLE_ADMIN) ? -1 : r->user->org_id;
	p->q.org = arg(r, "org");
	p->q.course = arg(r, "course");
	p->q.language = arg(r, "language");
	p->series = arg(r, "series");
	p->from = arg(r, "from");
	p->to = arg(r, "to");
	int rc = report_by_parse(req_query(r, "by"), &p->by, &e);
	if (rc == 0 && arg(r, "period"))
		rc = err_set(&e, "a series takes from and to, not period");
	if (rc == 0 && (p->by & REPORT_BY_LANGUAGE))
		rc = err_set(&e, "a series is not grouped by language: use language=km or language=en");
	if (rc == 0)
		rc = report_series_run(r->db, &p->q, p->series, p->from, p->to, now_s(), s, &e);
	if (rc == 0)
		return true;
	report_series_free(s);
	if (rc == REPORT_EFORBIDDEN)
		*status = resp_error(r, http_status_of(rc),
				     T(r, "That org unit is outside your area: you can see reports only for your "
					  "own unit and the units below it."));
	else if (rc == REPORT_ENOENT)
		*status = resp_error(r, http_status_of(rc), T(r, "No such org unit or course."));
	else if (rc == REPORT_EDB)
		*status = resp_error(r, http_status_of(rc),
				     T(r, "The database could not be read. Please try again in a moment."));
	else
		*status =
		    resp_error(r, http_status_of(ERR_INVALID),
			       arena_printf(&r->arena, "%s (%s)", T(r, "The report parameters are not valid."), e.msg));
	return false;
}

/* The download's headers: its file name is made of a code and a series name (letters, digits and - only). */
static const char *download_headers(struct req *r, const struct report_series *s, const char *ext)
{
	char *name = arena_printf(&r->arena, "sala-report-%s-%s", s->n ? s->reports[0].org.code : "", s->name);
	for (char *c = name; *c; c++)
		if (!(*c == '-' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
			*c = '_';
	return arena_printf(&r->arena,
			    "Content-Disposition: attachment; filename=\"%s.%s\"\r\n"
			    "Cache-Control: private, no-store\r\n",
			    name, ext);
}

int reports_series_csv(struct req *r)
{
	struct sparams p;
	struct report_series s;
	int status;
	if (!series_run(r, &p, &s, &status))
		return status;
	struct buf b = BUF_INIT;
	report_write_series_csv(&s, p.by, r->lang, &b);
	const char *headers = download_headers(r, &s, "csv");
	status = resp_send(r, 200, "text/csv; charset=utf-8", b.data, b.len, headers);
	buf_release(&b);
	report_series_free(&s);
	return status;
}

/* What the series' workbook is written from. */
struct series_xlsx_job {
	struct report_series *s;
	unsigned by;
	struct report_xlsx_opts o;
};

static int series_xlsx_write(void *ctx, const char *path, const char *tmpdir, struct err *e)
{
	struct series_xlsx_job *j = ctx;
	j->o.tmpdir = tmpdir;
	return report_write_series_xlsx(j->s, j->by, &j->o, path, e);
}

static void series_xlsx_release(void *ctx)
{
	report_series_free(((struct series_xlsx_job *)ctx)->s);
}

int reports_series_xlsx(struct req *r)
{
	struct sparams p;
	struct report_series s;
	int status;
	if (!series_run(r, &p, &s, &status))
		return status;
	struct series_xlsx_job j = {&s, p.by, {.lang = r->lang, .made_at = now_s()}};
	return resp_xlsx(r, "report.xlsx", download_headers(r, &s, "xlsx"), series_xlsx_write, series_xlsx_release, &j);
}

int reports_series_json(struct req *r)
{
	r->api = true;
	struct sparams p;
	struct report_series s;
	int status;
	if (!series_run(r, &p, &s, &status))
		return status;
	struct buf b = BUF_INIT;
	report_write_series_json(&s, p.by, r->lang, &b);
	status = resp_json(r, 200, &b);
	buf_release(&b);
	report_series_free(&s);
	return status;
}

/* "org=..&course=..&from=..&to=..&language=..&" (HTML-escaped) for links. */
static void series_query(struct buf *b, const char *org, const struct sparams *p)
{
	const char *keys[] = {"org", "course", "from", "to", "language"};
	const char *vals[] = {org, p->q.course, p->from, p->to, p->q.language};
	for (size_t i = 0; i < 5; i++) {
		if (!vals[i])
			continue;
		buf_printf(b, "%s=", keys[i]);
		buf_url(b, vals[i]);
		buf_puts(b, "&amp;");
	}
}

void reports_series_links(struct req *r, struct buf *b, const char *org, const char *course)
{
	static const char *const kinds[] = {"month", "quarter", "semester"};
	static const char *const labels[] = {"Series by month", "Series by quarter", "Series by semester"};
	buf_printf(b, "<h2>%s</h2><ul>", T(r, "Series"));
	for (size_t i = 0; i < 3; i++) {
		buf_printf(b, "<li><a href=\"/reports?series=%s&amp;org=", kinds[i]);
		buf_url(b, org);
		if (course) {
			buf_puts(b, "&amp;course=");
			buf_url(b, course);
		}
		buf_puts(b, "\">");
		buf_html(b, T(r, labels[i]));
		buf_puts(b, "</a></li>");
	}
	buf_puts(b, "</ul>");
}

/* A figure of the series, in the page's digits (Khmer digits on a Khmer page); its period as written. */
static void num_cell(struct req *r, struct buf *b, const char *period, const char *sex, const char *k, const char *text)
{
	buf_puts(b, "<td class=\"num\" data-period=\"");
	buf_html(b, period);
	buf_printf(b, "\" data-sex=\"%s\" data-k=\"%s\">", sex, k);
	buf_html(b, *text ? view_digits(r, text) : "–");
	buf_puts(b, "</td>");
}

static void series_form(struct req *r, struct buf *b, const char *org, const struct sparams *p)
{
	static const char *const kinds[] = {"month", "quarter", "semester"};
	static const char *const labels[] = {"Month", "Quarter", "Semester"};
	buf_puts(b, "<form method=\"get\" action=\"/reports\"><input type=\"hidden\" name=\"org\" value=\"");
	buf_html(b, org);
	buf_puts(b, "\">");
	if (p->q.course) {
		buf_puts(b, "<input type=\"hidden\" name=\"course\" value=\"");
		buf_html(b, p->q.course);
		buf_puts(b, "\">");
	}
	buf_printf(b, "<label for=\"f-series\">%s</label><select id=\"f-series\" name=\"series\">", T(r, "Series"));
	for (size_t i = 0; i < 3; i++)
		buf_printf(b, "<option value=\"%s\"%s>%s</option>", kinds[i],
			   strcmp(p->series, kinds[i]) ? "" : " selected", T(r, labels[i]));
	buf_puts(b, "</select>");
	field_input(b, "from", T(r, "From"), "date", p->from, false, NULL);
	field_input(b, "to", T(r, "To"), "date", p->to, false, NULL);
	form_submit(b, T(r, "Show"));
}

int reports_series_page(struct req *r)
{
	struct sparams p;
	struct report_series s;
	int status;
	if (!series_run(r, &p, &s, &status))
		return status;
	const struct report *first = &s.reports[0];
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Series"));
	buf_printf(&b, "<h1>%s: ", T(r, "Series"));
	buf_html(&b, name_for(r, first->org.name_en, first->org.name_km));
	buf_puts(&b, "</h1><p>");
	buf_html(&b, T(r, "Learners in each period, all courses or the course chosen, with the definitions of the "
			  "dashboard."));
	buf_puts(&b, "</p>");
	series_form(r, &b, first->org.code, &p);
	buf_printf(&b,
		   "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table><thead><tr>"
		   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s"
		   "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
		   T(r, "Period"), T(r, "Period"), T(r, "Enrolled"), T(r, "Started"), T(r, "Completed"),
		   T(r, "Certified"), T(r, "Women completed"), T(r, "Women's share of completions"),
		   T(r, "Parity index"));
	for (size_t i = 0; i < s.n; i++) {
		const struct report *rep = &s.reports[i];
		const struct report_figures *all = report_cell(rep, REPORT_ALL, REPORT_ALL, REPORT_ALL);
		const struct report_figures *fe = report_cell(rep, REPORT_ALL, REPORT_ALL, SEX_FEMALE);
		const struct report_figures *ma = report_cell(rep, REPORT_ALL, REPORT_ALL, SEX_MALE);
		const char *label = rep->period.label;
		char t[32];
		double v = 0;
		bool ok;
		buf_puts(&b, "<tr><th scope=\"row\">");
		buf_html(&b, view_digits(r, label));
		buf_puts(&b, "</th>");
		const int64_t counts[4] = {all->enrolled, all->started, all->completed, all->certified};
		static const char *const keys[4] = {"enrolled", "started", "completed", "certified"};
		for (int k = 0; k < 4; k++) {
			snprintf(t, sizeof t, "%lld", (long long)counts[k]);
			num_cell(r, &b, label, "all", keys[k], t);
		}
		snprintf(t, sizeof t, "%lld", (long long)fe->completed);
		num_cell(r, &b, label, "female", "completed", t);
		ok = report_female_share(fe->completed, all->completed, &v);
		report_fmt1(t, ok, v);
		if (*t)
			strcat(t, "%");
		num_cell(r, &b, label, "female", "completed_share", t);
		ok = report_parity(fe, ma, &v);
		report_fmt2(t, ok, v);
		num_cell(r, &b, label, "all", "parity_index", t);
		buf_puts(&b, "</tr>");
	}
	buf_puts(&b, "</tbody></table></div><ul>");
	static const struct {
		const char *ext, *label;
	} links[] = {{"csv", "CSV: series by sex"}, {"json", "JSON: series by sex"}, {"xlsx", "XLSX: series by sex"}};
	for (size_t i = 0; i < 3; i++) {
		buf_printf(&b, "<li><a href=\"/reports.%s?series=%s&amp;", links[i].ext, s.name);
		series_query(&b, first->org.code, &p);
		buf_printf(&b, "by=sex\">%s</a></li>", T(r, links[i].label));
	}
	buf_puts(&b, "<li><a href=\"/reports?org=");
	buf_url(&b, first->org.code);
	if (p.q.course) {
		buf_puts(&b, "&amp;course=");
		buf_url(&b, p.q.course);
	}
	buf_printf(&b, "\">%s</a></li></ul>", T(r, "Back to the report"));
	page_end(r, &b);
	report_series_free(&s);
	return page_send(r, 200, &b);
}
