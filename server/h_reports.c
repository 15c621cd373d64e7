/*
 * Reports for managers: the dashboard /reports and its exports /reports.csv,
 * /reports.xlsx and /reports.json. All four take the same query parameters (org, course,
 * period or from/to; the exports also by) and go through report_run(), which
 * refuses an org unit outside the caller's scope: a manager sees their own
 * unit (users.org_id) and everything below it, an administrator everything.
 * Charts are inline SVG drawn here, with text labels and a table beside them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "courses/listing.h"
#include "lib/csv.h"
#include "lib/db.h"
#include "lib/flight.h"
#include "lib/i18n.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "reports/msgs.h"
#include "reports/people.h"
#include "reports/report.h"
#include "reports/xlsx.h"
#include "server/h_reports.h"
#include "server/server.h"
#include "server/views.h"

/* Bar colours by sex; every bar also carries its label, so nothing is told by colour alone. */
/* The width, in the bars' own units, of the longest bar. */
#define CHART_SPAN 420
static const char *const sex_fill[SEX_COUNT] = {"#7b2d8e", "#0b4f8a", "#1a6b32", "#6b7580"};
static const char *const sex_label[SEX_COUNT] = {"Women", "Men", "Other", "Unspecified"};
static const char *const measure_key[4] = {"enrolled", "started", "completed", "certified"};
static const char *const measure_label[4] = {"Enrolled", "Started", "Completed", "Certified"};

/*
 * Khmer drafts of the area's interface text, for review by a native speaker. The figures' names and
 * definitions, which the workbooks share, are in the reports' table (reports/msgs.c).
 */
static const struct msg report_msgs[] = {
    {"That org unit is outside your area: you can see reports only for your own unit and the units below it.",
     "អង្គភាពនេះនៅក្រៅដែនរបស់អ្នក៖ អ្នកអាចមើលរបាយការណ៍បានតែសម្រាប់អង្គភាពរបស់អ្នក និងអង្គភាពនៅក្រោមវាប៉ុណ្ណោះ។"},
    {"No such org unit or course.", "គ្មានអង្គភាព ឬវគ្គសិក្សានេះទេ។"},
    {"The report parameters are not valid.", "ប៉ារ៉ាម៉ែត្ររបស់របាយការណ៍មិនត្រឹមត្រូវទេ។"},
    {"Learners by sex: enrolled, started, completed, certified",
     "អ្នកសិក្សាតាមភេទ៖ បានចុះឈ្មោះ បានចាប់ផ្ដើម បានបញ្ចប់ បានទទួលវិញ្ញាបនបត្រ"},
    {"The table above gives the same figures.", "តារាងខាងលើបង្ហាញតួលេខដដែល។"},
    {"Completion rate of women and men by org unit", "អត្រាបញ្ចប់របស់ស្ត្រី និងបុរស តាមអង្គភាព"},
    {"The table below gives the same figures.", "តារាងខាងក្រោមបង្ហាញតួលេខដដែល។"},
    {"parity index", "សន្ទស្សន៍សមភាព"},
    {"Learners by sex", "អ្នកសិក្សាតាមភេទ"},
    {"By org unit (each includes the units below it)", "តាមអង្គភាព (នីមួយៗរួមបញ្ចូលអង្គភាពនៅខាងក្រោមវា)"},
    {"Org units above this one", "អង្គភាពនៅខាងលើ"},
    {"Quarter %d of %d", "ត្រីមាសទី %d ឆ្នាំ %d"},
    {"Semester %d of %d", "ឆមាសទី %d ឆ្នាំ %d"},
    {"Year %d", "ឆ្នាំ %d"},
    {"Or choose dates (both days included)", "ឬជ្រើសរើសកាលបរិច្ឆេទ (រាប់បញ្ចូលថ្ងៃទាំងពីរ)"},
    {"Show", "បង្ហាញ"},
    {"CSV: by org unit and sex", "CSV៖ តាមអង្គភាព និងភេទ"},
    {"CSV: by course and sex", "CSV៖ តាមវគ្គសិក្សា និងភេទ"},
    {"CSV: by org unit, course and sex", "CSV៖ តាមអង្គភាព វគ្គសិក្សា និងភេទ"},
    {"JSON: by org unit and sex", "JSON៖ តាមអង្គភាព និងភេទ"},
    {"XLSX: by org unit and sex", "XLSX៖ តាមអង្គភាព និងភេទ"},
    {"XLSX: by course and sex", "XLSX៖ តាមវគ្គសិក្សា និងភេទ"},
    {"XLSX: by org unit, course and sex", "XLSX៖ តាមអង្គភាព វគ្គសិក្សា និងភេទ"},
    {"Download", "ទាញយក"},
    {"Where do women fall behind?", "តើស្ត្រីនៅពីក្រោយនៅកន្លែងណាខ្លះ?"},
};

void reports_messages_register(void)
{
	i18n_register(report_msgs, sizeof report_msgs / sizeof report_msgs[0]);
}

/* Khmer drafts of the learners' language filter (docs/reports.md "Language"), for review by a native speaker. */
static const struct msg report_language_msgs[] = {
    {"Learners' language", "ភាសារបស់អ្នកសិក្សា"},
    {"All languages", "គ្រប់ភាសា"},
};

void reports_language_messages_register(void)
{
	i18n_register(report_language_msgs, sizeof report_language_msgs / sizeof report_language_msgs[0]);
}

static int64_t measure(const struct report_figures *f, int m)
{
	const int64_t v[4] = {f->enrolled, f->started, f->completed, f->certified};
	return v[m];
}

/* ---- parameters ---- */

struct params {
	struct report_query q;
	unsigned by;
	const char *period, *from, *to; /* as given, for the form and links */
};

static const char *query_or_null(struct req *r, const char *key)
{
	const char *v = req_query(r, key);
	return v && *v ? v : NULL;
}

/* Reads the shared parameters; with none about the period, the current quarter. */
static int params_read(struct req *r, struct params *p, struct err *e)
{
	memset(p, 0, sizeof *p);
	p->q.scope_id = req_has_role(r, ROLE_ADMIN) ? -1 : r->user->org_id;
	p->q.org = query_or_null(r, "org");
	p->q.course = query_or_null(r, "course");
	p->q.language = query_or_null(r, "language");
	if (!report_language_valid(p->q.language))
		return err_set(e, "unknown learners' language '%.40s' (use km or en)", p->q.language);
	p->period = query_or_null(r, "period");
	p->from = query_or_null(r, "from");
	p->to = query_or_null(r, "to");
	if (report_by_parse(req_query(r, "by"), &p->by, e) < 0)
		return -1;
	if (!p->period && !p->from && !p->to) {
		/* The latest quarter holding data in the unit, not an empty current quarter. */
		if (report_default_period(r->db, &p->q, now_s(), &p->q.period, e) < 0)
			return REPORT_EDB;
		p->period = arena_strdup(&r->arena, p->q.period.label);
		return 0;
	}
	return report_period_parse(p->period, p->from, p->to, &p->q.period, e);
}

/* The error page (or JSON) for a failed report_run() or bad parameters. */
static int report_error(struct req *r, int rc, const struct err *e)
{
	if (rc == REPORT_EFORBIDDEN)
		return resp_error(r, http_status_of(rc),
				  T(r, "That org unit is outside your area: you can see reports only for your "
				       "own unit and the units below it."));
	if (rc == REPORT_ENOENT)
		return resp_error(r, http_status_of(rc), T(r, "No such org unit or course."));
	if (rc == REPORT_EDB)
		return resp_error(r, http_status_of(rc),
				  T(r, "The database could not be read. Please try again in a moment."));
	char *msg = arena_printf(&r->arena, "%s (%s)", T(r, "The report parameters are not valid."), e->msg);
	return resp_error(r, http_status_of(ERR_INVALID), msg);
}

/* "period=..&from=..&to=..&course=..&language=.." for links, without org (appended by the caller). */
static void params_query(const struct params *p, struct buf *b)
{
	const char *keys[] = {"period", "from", "to", "course", "language"};
	const char *vals[] = {p->from || p->to ? NULL : p->period, p->from, p->to, p->q.course, p->q.language};
	for (size_t i = 0; i < 5; i++) {
		if (!vals[i])
			continue;
		buf_printf(b, "%s=", keys[i]);
		buf_url(b, vals[i]);
		buf_puts(b, "&amp;");
	}
}

/*
 * A report keeps a core busy for its whole run and holds tens of megabytes:
 * running more at once than there are cores only adds memory and latency.
 * Requests beyond that wait their turn here.
 */
static struct flight_slots report_slots = FLIGHT_SLOTS_INIT(0);

/*
 * Identical reports asked while one is being computed share its result: when a
 * province's managers open the same dashboard at once, it is computed once
 * (and a queue of them no longer keeps the cores busy after the askers left).
 */
static struct flight_gate report_flights = FLIGHT_GATE_INIT;

struct report_job {
	struct req *r;
	const struct report_query *q;
};

static int report_job_run(void *arg, void *result, struct err *e)
{
	const struct report_job *j = arg;
	flight_slots_enter(&report_slots);
	db_pool_resume();
	int rc = report_run(j->r->db, j->q, result, e);
	flight_slots_leave(&report_slots);
	return rc;
}

static void report_job_copy(void *out, const void *result)
{
	report_copy(out, result);
}

static void report_job_release(void *result)
{
	report_free(result);
}

static const struct flight_ops report_flight_ops = {
    .result_size = sizeof(struct report),
    .run = report_job_run,
    .copy = report_job_copy,
    .release = report_job_release,
};

static int run_shared(struct req *r, const struct report_query *q, struct report *rep, struct err *e)
{
	char key[256];
	snprintf(key, sizeof key, "%lld|%s|%s|%s|%d|%lld|%lld", (long long)q->scope_id, q->org ? q->org : "-",
		 q->course ? q->course : "-", q->language ? q->language : "-", q->period.set, (long long)q->period.from,
		 (long long)q->period.to);
	struct report_job job = {r, q};
	bool shared;
	db_pool_pause(); /* the connection serves others while this waits (for a slot or another's result) */
	int rc = flight_do(&report_flights, key, &report_flight_ops, &job, rep, &shared, e);
	if (shared)
		db_pool_resume(); /* a run of this request's own resumed it before its query */
	return rc;
}

/* Runs the report for a request; on failure the error response is already sent (*status). */
static bool run(struct req *r, struct params *p, struct report *rep, int *status)
{
	struct err e;
	int rc = params_read(r, p, &e);
	if (rc == 0)
		rc = run_shared(r, &p->q, rep, &e);
	if (rc < 0) {
		report_free(rep);
		*status = report_error(r, rc, &e);
		return false;
	}
	return true;
}

/* ---- exports ---- */

/*
 * The attachment header of an export: sala-report-ORG-PERIOD[-by-GROUPING].EXT, so the
 * variants of one report never overwrite each other in a downloads folder. Names are codes
 * and labels made here: anything but letters, digits, - . _ becomes _.
 */
static const char *export_headers(struct req *r, const struct report *rep, unsigned by, const char *ext)
{
	char group[40] = "";
	static const struct {
		unsigned bit;
		const char *name;
	} dims[] = {{REPORT_BY_LANGUAGE, "language"},
		    {REPORT_BY_ORG, "org"},
		    {REPORT_BY_COURSE, "course"},
		    {REPORT_BY_SEX, "sex"}};
	for (size_t i = 0; i < 4; i++)
		if (by & dims[i].bit)
			snprintf(group + strlen(group), sizeof group - strlen(group), "%s%s", *group ? "-" : "-by-",
				 dims[i].name);
	if (rep->language) /* the learners of one language: -km, -en */
		snprintf(group + strlen(group), sizeof group - strlen(group), "-%s", rep->language);
	char *headers = arena_printf(&r->arena,
				     "Content-Disposition: attachment; filename=\"sala-report-%s-%s%s%s%s.%s\"\r\n"
				     "Cache-Control: private, no-store\r\n",
				     rep->org.code, rep->period.label[0] == '.' ? "dates" : rep->period.label,
				     rep->course ? "-" : "", rep->course ? rep->course : "", group, ext);
	for (char *c = strchr(headers, '"') + 1; *c != '"'; c++)
		if (!(*c == '-' || *c == '.' || *c == '_' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= 'A' && *c <= 'Z')))
			*c = '_';
	return headers;
}

static const char **course_titles(struct req *r, const struct report *rep);

/*
 * An export grouped by language (by=language,...): one report per learners' language, after the report
 * of all languages (rep, which checked the unit, course and scope). CSV or JSON.
 */
static int languages_send(struct req *r, const struct params *p, const struct report *rep, bool json)
{
	struct report rs[REPORT_LANGUAGES];
	struct err e;
	if (p->q.language) {
		err_set(&e, "a report grouped by language takes no language ('%.40s')", p->q.language);
		return report_error(r, -1, &e);
	}
	flight_slots_enter(&report_slots);
	int rc = report_run_languages(r->db, &p->q, rs, &e);
	flight_slots_leave(&report_slots);
	int status;
	if (rc < 0) {
		status = report_error(r, rc, &e);
	} else {
		struct buf b = BUF_INIT;
		if (json) {
			report_write_languages_json(rs, p->by, r->lang, &b);
			status = resp_json(r, 200, &b);
		} else {
			report_write_languages_csv(rs, p->by, r->lang, course_titles(r, &rs[0]), &b);
			status = resp_send(r, 200, "text/csv; charset=utf-8", b.data, b.len,
					   export_headers(r, rep, p->by, "csv"));
		}
		buf_release(&b);
	}
	for (int i = 0; i < REPORT_LANGUAGES; i++)
		report_free(&rs[i]);
	return status;
}

/* Refuses a grouping by language where there is none (a workbook, the face-to-face CSV). */
static int not_by_language(struct req *r, const char *what)
{
	struct err e;
	err_set(&e, "%s is not grouped by language: use language=km or language=en", what);
	return report_error(r, -1, &e);
}

static int h_csv(struct req *r)
{
	if (query_or_null(r, "series"))
		return reports_series_csv(r);
	struct params p;
	struct report rep = {0};
	int status;
	if (!run(r, &p, &rep, &status))
		return status;
	const char *part = query_or_null(r, "part");
	bool training = part && strcmp(part, "training") == 0;
	if (p.by & REPORT_BY_LANGUAGE) {
		status = training ? not_by_language(r, "part=training") : languages_send(r, &p, &rep, false);
		report_free(&rep);
		return status;
	}
	struct buf b = BUF_INIT;
	if (training)
		report_write_training_csv(&rep, p.by, r->lang, &b);
	else
		report_write_csv(&rep, p.by, r->lang, course_titles(r, &rep), &b);
	status = resp_send(r, 200, "text/csv; charset=utf-8", b.data, b.len,
			   export_headers(r, &rep, p.by, training ? "face-to-face.csv" : "csv"));
	buf_release(&b);
	report_free(&rep);
	return status;
}

static const char *course_title(struct req *r, const char *id);

/* What the report's workbook is written from. */
struct xlsx_job {
	struct report *rep;
	unsigned by;
	struct report_xlsx_opts o;
};

static int xlsx_write(void *ctx, const char *path, const char *tmpdir, struct err *e)
{
	struct xlsx_job *j = ctx;
	j->o.tmpdir = tmpdir;
	return report_write_xlsx(j->rep, j->by, &j->o, path, e);
}

static void xlsx_release(void *ctx)
{
	report_free(((struct xlsx_job *)ctx)->rep);
}

static int h_xlsx(struct req *r)
{
	if (query_or_null(r, "series"))
		return reports_series_xlsx(r);
	struct params p;
	struct report rep = {0};
	int status;
	if (!run(r, &p, &rep, &status))
		return status;
	if (p.by & REPORT_BY_LANGUAGE) {
		report_free(&rep);
		return not_by_language(r, "a workbook");
	}
	struct xlsx_job j = {
	    &rep, p.by, {.lang = r->lang, .course_titles = course_titles(r, &rep), .made_at = now_s()}};
	return resp_xlsx(r, "report.xlsx", export_headers(r, &rep, p.by, "xlsx"), xlsx_write, xlsx_release, &j);
}

static int h_json(struct req *r)
{
	r->api = true; /* errors as JSON */
	if (query_or_null(r, "series"))
		return reports_series_json(r);
	struct params p;
	struct report rep = {0};
	int status;
	if (!run(r, &p, &rep, &status))
		return status;
	if (p.by & REPORT_BY_LANGUAGE) {
		status = languages_send(r, &p, &rep, true);
		report_free(&rep);
		return status;
	}
	struct buf b = BUF_INIT;
	report_write_json(&rep, p.by, r->lang, &b);
	status = resp_json(r, 200, &b);
	buf_release(&b);
	report_free(&rep);
	return status;
}

/* ---- dashboard pieces ---- */

static void fmt_count(char out[32], int64_t v)
{
	snprintf(out, 32, "%lld", (long long)v);
}

/*
 * A figure cell that the CSV also has: data attributes name the export's grouping
 * (by), its row (org, course, sex) and column (k), so a test can compare them.
 */
static void data_cell(struct req *r, struct buf *b, const char *by, const char *org, const char *course, int sex,
		      const char *k, const char *text, const char *href)
{
	buf_printf(b, "<td class=\"num\" data-by=\"%s\" data-org=\"", by);
	buf_html(b, org);
	buf_puts(b, "\" data-course=\"");
	buf_html(b, course);
	buf_printf(b, "\" data-sex=\"%s\" data-k=\"%s\">", report_sex_name(sex), k);
	if (href && strcmp(text, "0") != 0)
		buf_printf(b, "<a href=\"%s\">", href);
	buf_html(b, view_digits(r, text));
	if (href && strcmp(text, "0") != 0)
		buf_puts(b, "</a>");
	buf_puts(b, "</td>");
}

static void params_query(const struct params *p, struct buf *b);

/*
 * The address of the people behind a figure: /reports/people with the report's period,
 * the unit and course of the figure, its sex (REPORT_ALL: all) and list. In the request's arena.
 */
static const char *people_link(struct req *r, const char *base, const struct params *p, const char *org,
			       const char *course, int sex, const char *list)
{
	struct buf b = BUF_INIT;
	struct params q = *p;
	q.q.course = course && *course ? course : NULL;
	buf_printf(&b, "%s?", base);
	params_query(&q, &b);
	buf_printf(&b, "list=%s&amp;", list);
	if (sex != REPORT_ALL)
		buf_printf(&b, "sex=%s&amp;", report_sex_name(sex));
	buf_puts(&b, "org=");
	buf_url(&b, org);
	const char *href = arena_strdup(&r->arena, buf_str(&b));
	buf_release(&b);
	return href;
}

static const char *people_href(struct req *r, const struct params *p, const char *org, const char *course, int sex,
			       const char *list)
{
	return people_link(r, "/reports/people", p, org, course, sex, list);
}

/* The small-group rule in words, with the report's minimums. */
static void small_group_note(struct req *r, struct buf *b, const struct report *rep)
{
	char *t = arena_printf(
	    &r->arena,
	    T(r, "n is the number of people a figure rests on. An average, rate or share from fewer "
		 "than %d people, or a parity index from fewer than %d women or %d men, is not shown: "
		 "it is marked n<%d or n<%d."),
	    rep->min_group, rep->min_parity_group, rep->min_parity_group, rep->min_group, rep->min_parity_group);
	buf_html(b, view_digits(r, t));
}

/* A figure as text for a label: the value, its mark or a dash, in the page's digits. */
static const char *fig_text(struct req *r, const struct report_fig *f, bool pct, char out[40])
{
	if (f->state == REPORT_FIG_SHOWN)
		snprintf(out, 40, "%s%s", f->text, pct ? "%" : "");
	else if (f->state == REPORT_FIG_FEW)
		report_fig_mark(f, out);
	else
		snprintf(out, 40, "–");
	snprintf(out, 40, "%s", view_digits(r, out));
	return out;
}

/*
 * A derived figure's cell: its value (with % for a rate or share) and, beside it, the n it
 * rests on, in the page's digits (Khmer digits on a Khmer page). A figure withheld by the
 * small-group rule shows its mark ("n<5"), the text the CSV and the workbook carry too; an
 * undefined one a dash. by NULL: no CSV coordinates. href: the people behind the figure (the
 * list of its denominator), linked from a value shown; NULL: no list.
 */
static void fig_td(struct req *r, struct buf *b, const char *by, const char *org, const char *course, int sex,
		   const char *k, const struct report_fig *f, bool pct, const char *href)
{
	buf_puts(b, "<td class=\"num\"");
	if (by) {
		buf_printf(b, " data-by=\"%s\" data-org=\"", by);
		buf_html(b, org);
		buf_puts(b, "\" data-course=\"");
		buf_html(b, course);
		buf_puts(b, "\"");
	}
	buf_printf(b, " data-sex=\"%s\" data-k=\"%s\" data-n=\"%lld\"%s><span class=\"v\">", report_sex_name(sex), k,
		   (long long)f->n, f->state == REPORT_FIG_FEW ? " data-few=\"1\"" : "");
	char t[40];
	fig_text(r, f, pct, t);
	if (href && f->state == REPORT_FIG_SHOWN) {
		buf_printf(b, "<a href=\"%s\">", href);
		buf_html(b, t);
		buf_puts(b, "</a>");
	} else {
		buf_html(b, t);
	}
	buf_puts(b, "</span>");
	if (f->n) {
		snprintf(t, sizeof t, "n=%lld", (long long)f->n);
		buf_printf(b, " <span class=\"n\">%s</span>", view_digits(r, t));
	}
	buf_puts(b, "</td>");
}

/* The period in words: "2025-Q1 (2025-01-01 – 2025-03-31)". */
static void period_text(struct req *r, struct buf *b, const struct report_period *p)
{
	if (!p->set) {
		buf_html(b, T(r, "All time"));
		return;
	}
	char d1[11] = "…", d2[11] = "…";
	if (p->from != INT64_MIN)
		date_ymd(p->from, d1);
	if (p->to != INT64_MAX)
		date_ymd(p->to - 86400, d2);
	if (p->label[0] != '.' && !strchr(p->label, '.'))
		buf_printf(b, "%s (", p->label);
	buf_html(b, p->from != INT64_MIN ? view_day(r, d1) : d1);
	buf_puts(b, " – ");
	buf_html(b, p->to != INT64_MAX ? view_day(r, d2) : d2);
	if (p->label[0] != '.' && !strchr(p->label, '.'))
		buf_puts(b, ")");
}

/*
 * One bar of a chart: the label is HTML text beside the bar, so it grows with
 * the reader's text size; only the bar itself is drawn (an SVG stretched to the
 * row, hidden from screen readers, whose figure has its own text alternative).
 */
static void chart_bar(struct buf *b, const char *label, const char *value, int w, const char *fill)
{
	buf_puts(b, "<div class=\"chart-row\"><span class=\"chart-label\">");
	buf_html(b, label);
	buf_puts(b, " ");
	buf_html(b, value);
	buf_printf(b,
		   "</span><svg class=\"chart-bar\" viewBox=\"0 0 %d 10\" preserveAspectRatio=\"none\" "
		   "aria-hidden=\"true\" focusable=\"false\" xmlns=\"http://www.w3.org/2000/svg\">"
		   "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"10\" fill=\"%s\"></rect></svg></div>",
		   CHART_SPAN, w, fill);
}

/* Horizontal bars: one group per measure, one labelled bar per sex. */
static void chart_sex(struct req *r, struct buf *b, const struct report *rep)
{
	int64_t max = 1;
	for (int m = 0; m < 4; m++)
		for (int s = 0; s < SEX_COUNT; s++) {
			int64_t v = measure(report_cell(rep, REPORT_ALL, REPORT_ALL, s), m);
			if (v > max)
				max = v;
		}
	buf_puts(b, "<figure class=\"chart\" role=\"img\" aria-labelledby=\"chart-sex-t\"><p class=\"chart-title\" "
		    "id=\"chart-sex-t\">");
	buf_html(b, T(r, "Learners by sex: enrolled, started, completed, certified"));
	buf_puts(b, "</p>");
	for (int m = 0; m < 4; m++) {
		buf_puts(b, "<div class=\"chart-group\"><p class=\"chart-head\">");
		buf_html(b, T(r, measure_label[m]));
		buf_puts(b, "</p>");
		for (int s = 0; s < SEX_COUNT; s++) {
			int64_t v = measure(report_cell(rep, REPORT_ALL, REPORT_ALL, s), m);
			char t[32];
			snprintf(t, sizeof t, "%lld", (long long)v);
			chart_bar(b, T(r, sex_label[s]), view_digits(r, t), (int)(v * CHART_SPAN / max), sex_fill[s]);
		}
		buf_puts(b, "</div>");
	}
	buf_puts(b, "<figcaption>");
	buf_html(b, T(r, "The table above gives the same figures."));
	buf_puts(b, "</figcaption></figure>");
}

/* Completion rate of women and men in each child unit, with its parity index. */
static void chart_units(struct req *r, struct buf *b, const struct report *rep)
{
	double max = 100.0;
	struct report_fig f;
	for (size_t i = 0; i < rep->nchildren; i++)
		for (int s = SEX_FEMALE; s <= SEX_MALE; s++) {
			report_figure(rep, REPORT_FIG_COMPLETION_RATE, (int)i, REPORT_ALL, s, &f);
			if (f.state == REPORT_FIG_SHOWN && f.v > max)
				max = f.v;
		}
	buf_puts(b, "<figure class=\"chart\" role=\"img\" aria-labelledby=\"chart-units-t\"><p class=\"chart-title\" "
		    "id=\"chart-units-t\">");
	buf_html(b, T(r, "Completion rate of women and men by org unit"));
	buf_puts(b, "</p>");
	for (size_t i = 0; i < rep->nchildren; i++) {
		const struct report_unit *u = &rep->children[i];
		char t[40];
		report_figure(rep, REPORT_FIG_PARITY, (int)i, REPORT_ALL, REPORT_ALL, &f);
		buf_puts(b, "<div class=\"chart-group\"><p class=\"chart-head\">");
		buf_html(b, name_for(r, u->name_en, u->name_km));
		buf_puts(b, " · ");
		buf_html(b, T(r, "parity index"));
		buf_puts(b, " ");
		buf_html(b, fig_text(r, &f, false, t));
		buf_puts(b, "</p>");
		for (int s = SEX_FEMALE; s <= SEX_MALE; s++) {
			report_figure(rep, REPORT_FIG_COMPLETION_RATE, (int)i, REPORT_ALL, s, &f);
			int w = f.state == REPORT_FIG_SHOWN ? (int)(f.v * CHART_SPAN / max) : 0;
			char v1[80];
			snprintf(v1, sizeof v1, "%s (n=%lld)", fig_text(r, &f, true, t), (long long)f.n);
			chart_bar(b, T(r, sex_label[s]), view_digits(r, v1), w, sex_fill[s]);
		}
		buf_puts(b, "</div>");
	}
	buf_puts(b, "<figcaption>");
	buf_html(b, T(r, "The table below gives the same figures."));
	buf_puts(b, "</figcaption></figure>");
}

/* The summary: measures by sex with totals and women's share. */
static void table_summary(struct req *r, struct buf *b, const struct report *rep, const struct params *p)
{
	const char *org = rep->org.code, *course = rep->course ? rep->course : "";
	buf_printf(b,
		   "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table "
		   "id=\"summary\"><caption>%s</caption><thead><tr>"
		   "<th scope=\"col\">%s</th>",
		   T(r, "Learners by sex"), T(r, "Learners by sex"), T(r, "Measure"));
	for (int s = 0; s < SEX_COUNT; s++)
		buf_printf(b, "<th scope=\"col\" class=\"num\">%s</th>", T(r, sex_label[s]));
	buf_printf(b,
		   "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr></thead><tbody>",
		   T(r, "Total"), T(r, "Women's share"));
	char t[32];
	for (int m = 0; m < 4; m++) {
		buf_printf(b, "<tr><th scope=\"row\">%s</th>", T(r, measure_label[m]));
		for (int s = REPORT_ALL + 1; s <= SEX_COUNT; s++) {
			int sex = s == SEX_COUNT ? REPORT_ALL : s;
			fmt_count(t, measure(report_cell(rep, REPORT_ALL, REPORT_ALL, sex), m));
			data_cell(r, b, sex == REPORT_ALL ? "" : "sex", org, course, sex, measure_key[m], t,
				  people_href(r, p, org, course, sex, measure_key[m]));
		}
		struct report_fig f;
		report_figure_share(rep, m, REPORT_ALL, REPORT_ALL, &f);
		fig_td(r, b, NULL, NULL, NULL, 0, "female_share", &f, true,
		       people_href(r, p, org, course, REPORT_ALL, measure_key[m]));
		buf_puts(b, "</tr>");
	}
	/* list: the people behind each figure's denominator (report_people()). */
	static const struct {
		enum report_fig_kind kind;
		const char *label, *k, *list;
		bool pct;
	} rows[] = {
	    {REPORT_FIG_COMPLETION_RATE, "Completion rate", "completion_rate", "enrolled", true},
	    {REPORT_FIG_AVG_SCORE, "Average final score", "avg_score", "completed", false},
	    {REPORT_FIG_AVG_GAIN, "Average learning gain (final − pretest)", "avg_gain", "completed", false},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		buf_printf(b, "<tr><th scope=\"row\">%s</th>", T(r, rows[i].label));
		for (int s = 0; s <= SEX_COUNT; s++) {
			int sex = s == SEX_COUNT ? REPORT_ALL : s;
			struct report_fig f;
			report_figure(rep, rows[i].kind, REPORT_ALL, REPORT_ALL, sex, &f);
			/* The average score is a CSV column: its cells name their CSV row. */
			bool csv = rows[i].kind == REPORT_FIG_AVG_SCORE;
			fig_td(r, b, csv ? (sex == REPORT_ALL ? "" : "sex") : NULL, org, course, sex, rows[i].k, &f,
			       rows[i].pct, people_href(r, p, org, course, sex, rows[i].list));
		}
		buf_puts(b, "<td></td></tr>");
	}
	buf_puts(b, "</tbody></table></div>");
	struct report_fig gpi;
	char t2[40];
	report_figure(rep, REPORT_FIG_PARITY, REPORT_ALL, REPORT_ALL, REPORT_ALL, &gpi);
	/* A parity index shown links to the people enrolled, women and men, whose completions it compares. */
	bool link = gpi.state == REPORT_FIG_SHOWN;
	buf_printf(b, "<p class=\"status\">%s: ",
		   T(r, "Gender parity index (completion rate of women ÷ completion rate of men)"));
	if (link)
		buf_printf(b, "<a href=\"%s\">", people_href(r, p, org, course, REPORT_ALL, "enrolled"));
	buf_printf(b, "<span id=\"parity\" data-k=\"parity_index\" data-n=\"%lld\">", (long long)gpi.n);
	buf_html(b, fig_text(r, &gpi, false, t2));
	snprintf(t, sizeof t, "n=%lld", (long long)gpi.n);
	buf_printf(b, "</span>%s <span class=\"n\">%s</span></p><p class=\"meta\">", link ? "</a>" : "",
		   view_digits(r, t));
	buf_html(b,
		 view_digits(
		     r, T(r, "1.00 means parity; below 1, women complete less often than men; above 1, more often.")));
	buf_puts(b, " ");
	small_group_note(r, b, rep);
	buf_puts(b, "</p>");
}

/* Column headers of the unit and course tables: each measure for women, men and all. */
static void group_head(struct req *r, struct buf *b, const char *first)
{
	buf_printf(b, "<thead><tr><th scope=\"col\" rowspan=\"2\">%s</th>", first);
	for (int m = 0; m < 4; m++)
		buf_printf(b, "<th scope=\"colgroup\" colspan=\"3\">%s</th>", T(r, measure_label[m]));
	buf_printf(b,
		   "<th scope=\"col\" rowspan=\"2\" class=\"num\">%s</th><th scope=\"colgroup\" colspan=\"2\">%s</th>"
		   "<th scope=\"col\" rowspan=\"2\" class=\"num\">%s</th></tr><tr>",
		   T(r, "Average final score"), T(r, "Completion rate"), T(r, "Parity index"));
	for (int m = 0; m < 4; m++)
		buf_printf(b,
			   "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
			   "<th scope=\"col\" class=\"num\">%s</th>",
			   T(r, "Women"), T(r, "Men"), T(r, "All"));
	buf_printf(b,
		   "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr></thead><tbody>",
		   T(r, "Women"), T(r, "Men"));
}

/* The figure cells of one group (a unit or a course). */
static void group_cells(struct req *r, struct buf *b, const struct report *rep, const struct params *p, int org,
			int course, const char *org_code, const char *course_id)
{
	const char *by = org == REPORT_ALL ? "course" : "org", *by_sex = org == REPORT_ALL ? "course,sex" : "org,sex";
	static const int sexes[3] = {SEX_FEMALE, SEX_MALE, REPORT_ALL};
	char t[32];
	for (int m = 0; m < 4; m++)
		for (int i = 0; i < 3; i++) {
			fmt_count(t, measure(report_cell(rep, org, course, sexes[i]), m));
			data_cell(r, b, sexes[i] == REPORT_ALL ? by : by_sex, org_code, course_id, sexes[i],
				  measure_key[m], t, people_href(r, p, org_code, course_id, sexes[i], measure_key[m]));
		}
	/* Each rate and average links to the people behind its denominator. */
	struct report_fig f;
	report_figure(rep, REPORT_FIG_AVG_SCORE, org, course, REPORT_ALL, &f);
	fig_td(r, b, by, org_code, course_id, REPORT_ALL, "avg_score", &f, false,
	       people_href(r, p, org_code, course_id, REPORT_ALL, "completed"));
	for (int s = SEX_FEMALE; s <= SEX_MALE; s++) {
		report_figure(rep, REPORT_FIG_COMPLETION_RATE, org, course, s, &f);
		fig_td(r, b, NULL, NULL, NULL, s, "completion_rate", &f, true,
		       people_href(r, p, org_code, course_id, s, "enrolled"));
	}
	report_figure(rep, REPORT_FIG_PARITY, org, course, REPORT_ALL, &f);
	fig_td(r, b, NULL, NULL, NULL, REPORT_ALL, "parity_index", &f, false,
	       people_href(r, p, org_code, course_id, REPORT_ALL, "enrolled"));
}

static void table_units(struct req *r, struct buf *b, const struct report *rep, const struct params *p)
{
	const char *course = rep->course ? rep->course : "";
	buf_printf(b,
		   "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table "
		   "id=\"units\"><caption>%s</caption>",
		   T(r, "By org unit (each includes the units below it)"),
		   T(r, "By org unit (each includes the units below it)"));
	group_head(r, b, T(r, "Org unit"));
	for (size_t i = 0; i <= rep->nchildren; i++) {
		const struct report_unit *u = i < rep->nchildren ? &rep->children[i] : &rep->org;
		buf_puts(b, "<tr><th scope=\"row\">");
		if (i < rep->nchildren) {
			buf_puts(b, "<a href=\"/reports?");
			params_query(p, b);
			buf_puts(b, "org=");
			buf_url(b, u->code);
			buf_puts(b, "\">");
			buf_html(b, name_for(r, u->name_en, u->name_km));
			buf_puts(b, "</a> <span class=\"meta\">");
			buf_html(b, u->code);
			buf_puts(b, "</span>");
		} else {
			buf_html(b, name_for(r, u->name_en, u->name_km));
			buf_printf(b, " <span class=\"meta\">(%s)</span>", T(r, "attached to this unit directly"));
		}
		buf_puts(b, "</th>");
		group_cells(r, b, rep, p, (int)i, REPORT_ALL, u->code, course);
		buf_puts(b, "</tr>");
	}
	buf_puts(b, "</tbody></table></div>");
}

/* Course titles in the page language, falling back to the other language, then to the id. */
static const char *course_title(struct req *r, const char *id)
{
	char *title = course_title_get(r->db, id, r->lang);
	const char *t = arena_strdup(&r->arena, title ? title : id);
	free(title);
	return t;
}

/* The titles of the report's courses, in their order (borrowed until the request ends). */
static const char **course_titles(struct req *r, const struct report *rep)
{
	const char **titles = arena_alloc(&r->arena, (rep->ncourses + 1) * sizeof *titles);
	for (size_t i = 0; i < rep->ncourses; i++)
		titles[i] = course_title(r, rep->courses[i]);
	titles[rep->ncourses] = NULL;
	return titles;
}

static void table_courses(struct req *r, struct buf *b, const struct report *rep, const struct params *p)
{
	buf_printf(b,
		   "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table "
		   "id=\"courses\"><caption>%s</caption>",
		   T(r, "By course"), T(r, "By course"));
	group_head(r, b, T(r, "Course"));
	for (size_t c = 0; c < rep->ncourses; c++) {
		const char *title = course_title(r, rep->courses[c]);
		buf_printf(b, "<tr><th scope=\"row\"><span%s>", lang_attr_text(r, title));
		buf_html(b, title);
		buf_puts(b, "</span>");
		buf_puts(b, " <span class=\"meta\">");
		buf_html(b, rep->courses[c]);
		buf_puts(b, "</span></th>");
		group_cells(r, b, rep, p, REPORT_ALL, (int)c, rep->org.code, rep->courses[c]);
		buf_puts(b, "</tr>");
	}
	buf_puts(b, "</tbody></table></div>");
}

/* The breadcrumb being written, one unit above the report's at a time. */
struct crumbs {
	struct req *r;
	struct buf *b;
	const struct params *p;
	bool any;
};

static int crumb_html(void *ctx, const struct org_row *o)
{
	struct crumbs *c = ctx;
	struct buf *b = c->b;
	if (!c->any)
		buf_printf(b, "<nav aria-label=\"%s\"><p>", T(c->r, "Org units above this one"));
	c->any = true;
	buf_puts(b, "<a href=\"/reports?");
	params_query(c->p, b);
	buf_puts(b, "org=");
	buf_url(b, o->code);
	buf_puts(b, "\">");
	buf_html(b, name_for(c->r, o->name_en, o->name_km));
	buf_puts(b, "</a> › ");
	return 0;
}

/* Links up the tree from the unit, as far as the caller's scope reaches. */
static void breadcrumb(struct req *r, struct buf *b, const struct report *rep, const struct params *p)
{
	struct crumbs c = {r, b, p, false};
	struct err e;
	/* A read that ends on an error is remembered by db_step_row(): the page becomes a 503. */
	org_ancestors(r->db, rep->org.id, p->q.scope_id, crumb_html, &c, &e);
	bool any = c.any;
	if (any) {
		buf_html(b, name_for(r, rep->org.name_en, rep->org.name_km));
		buf_puts(b, "</p></nav>");
	}
}

/* The period choices: recent quarters, semesters and years, and all time. */
/* One period choice; *found is set when it is the current one. */
static void period_option(struct buf *b, const char *val, const char *label, const char *cur, bool *found)
{
	bool sel = strcmp(cur, val) == 0;
	*found |= sel;
	buf_printf(b, "<option value=\"%s\"%s>%s</option>", val, sel ? " selected" : "", label);
}

/*
 * The period choices: recent quarters, semesters and years, and all time. A period older than those
 * (the default one, which holds data, or one from a link) is the first choice, so the form shows what
 * the figures are for.
 */
static void period_select(struct req *r, struct buf *b, const struct params *p)
{
	char d[11];
	date_ymd(now_s(), d);
	int y = atoi(d), q = (atoi(d + 5) - 1) / 3 + 1;
	const char *cur = p->from || p->to || !p->period ? "" : p->period;
	struct buf opts = BUF_INIT;
	bool found = false;
	char val[32], label[128];
	for (int i = 0; i < 8; i++) {
		int qq = q - i, yy = y;
		while (qq < 1)
			qq += 4, yy--;
		snprintf(val, sizeof val, "%04d-Q%d", yy, qq);
		snprintf(label, sizeof label, T(r, "Quarter %d of %d"), qq, yy);
		period_option(&opts, val, view_digits(r, label), cur, &found);
	}
	int s = q <= 2 ? 1 : 2;
	for (int i = 0; i < 4; i++) {
		int ss = s - i, yy = y;
		while (ss < 1)
			ss += 2, yy--;
		snprintf(val, sizeof val, "%04d-S%d", yy, ss);
		snprintf(label, sizeof label, T(r, "Semester %d of %d"), ss, yy);
		period_option(&opts, val, view_digits(r, label), cur, &found);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(val, sizeof val, "%04d", y - i);
		snprintf(label, sizeof label, T(r, "Year %d"), y - i);
		period_option(&opts, val, view_digits(r, label), cur, &found);
	}
	period_option(&opts, "all", T(r, "All time"), cur, &found);
	buf_printf(b, "<label for=\"f-period\">%s</label><select id=\"f-period\" name=\"period\">", T(r, "Period"));
	int py, pn;
	char kind;
	if (!found && *cur && p->q.period.set) {
		if (sscanf(cur, "%4d-%c%d", &py, &kind, &pn) == 3 && kind == 'Q')
			snprintf(label, sizeof label, T(r, "Quarter %d of %d"), pn, py);
		else if (sscanf(cur, "%4d-%c%d", &py, &kind, &pn) == 3 && kind == 'S')
			snprintf(label, sizeof label, T(r, "Semester %d of %d"), pn, py);
		else
			snprintf(label, sizeof label, "%s", p->q.period.label);
		buf_puts(b, "<option value=\"");
		buf_html(b, p->q.period.label);
		buf_puts(b, "\" selected>");
		buf_html(b, view_digits(r, label));
		buf_puts(b, "</option>");
	}
	buf_puts(b, buf_str(&opts));
	buf_puts(b, "</select>");
	buf_release(&opts);
}

/* The filters; org_code NULL: the caller's own unit. fe: the error of a date field, or NULL. */
static void filter_form(struct req *r, struct buf *b, const char *org_code, const char *course, const struct params *p,
			const struct form_errs *fe)
{
	buf_puts(b, "<form method=\"get\" action=\"/reports\">");
	if (org_code) {
		buf_puts(b, "<input type=\"hidden\" name=\"org\" value=\"");
		buf_html(b, org_code);
		buf_puts(b, "\">");
	}
	period_select(r, b, p);
	buf_printf(b, "<fieldset><legend>%s</legend>", T(r, "Or choose dates (both days included)"));
	field_input_e(b, fe, "from", T(r, "From"), "date", p->from, false, NULL);
	field_input_e(b, fe, "to", T(r, "To"), "date", p->to, false, NULL);
	buf_puts(b, "</fieldset>");
	buf_printf(b,
		   "<label for=\"f-course\">%s</label><select id=\"f-course\" name=\"course\"><option value=\"\">%s"
		   "</option>",
		   T(r, "Course"), T(r, "All courses"));
	char **ids;
	size_t n;
	struct err e;
	/* The courses reports list: none that is only a draft. A read that ends on an error is remembered by
	 * db_step_row(): the page becomes a 503. */
	report_course_ids(r->db, &ids, &n, &e);
	for (size_t i = 0; i < n; i++) {
		const char *id = ids[i];
		buf_puts(b, "<option value=\"");
		buf_html(b, id);
		const char *title = course_title(r, id);
		buf_printf(b, "\"%s%s>", course && strcmp(course, id) == 0 ? " selected" : "",
			   lang_attr_text(r, title));
		buf_html(b, title);
		buf_puts(b, "</option>");
		free(ids[i]);
	}
	free(ids);
	buf_puts(b, "</select>");
	/* The languages by their own names, as a language menu shows them. */
	static const struct {
		const char *code, *name;
	} langs[] = {{"km", "ខ្មែរ"}, {"en", "English"}};
	buf_printf(b,
		   "<label for=\"f-language\">%s</label><select id=\"f-language\" name=\"language\">"
		   "<option value=\"\">%s</option>",
		   T(r, "Learners' language"), T(r, "All languages"));
	for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++)
		buf_printf(b, "<option value=\"%s\" lang=\"%s\"%s>%s</option>", langs[i].code, langs[i].code,
			   p->q.language && strcmp(p->q.language, langs[i].code) == 0 ? " selected" : "",
			   langs[i].name);
	buf_puts(b, "</select>");
	form_submit(b, T(r, "Show"));
}

/* How the figures are counted: the definitions the workbook's About sheet gives too (reports/msgs.h). */
static void definitions(struct req *r, struct buf *b)
{
	size_t n;
	const char *const *defs = report_definitions(&n);
	buf_printf(b, "<details><summary>%s</summary><ul>", T(r, "How these figures are counted"));
	for (size_t i = 0; i < n; i++) {
		buf_puts(b, "<li>");
		buf_html(b, T(r, defs[i]));
		buf_puts(b, "</li>");
	}
	buf_puts(b, "</ul></details>");
}

static void downloads(struct req *r, struct buf *b, const struct report *rep, const struct params *p)
{
	static const struct {
		const char *ext, *by, *label;
	} links[] = {
	    {"csv", "org,sex", "CSV: by org unit and sex"},
	    {"xlsx", "org,sex", "XLSX: by org unit and sex"},
	    {"csv", "course,sex", "CSV: by course and sex"},
	    {"xlsx", "course,sex", "XLSX: by course and sex"},
	    {"csv", "org,course,sex", "CSV: by org unit, course and sex"},
	    {"xlsx", "org,course,sex", "XLSX: by org unit, course and sex"},
	    {"json", "org,sex", "JSON: by org unit and sex"},
	};
	buf_printf(b, "<h2>%s</h2><ul>", T(r, "Download"));
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		buf_printf(b, "<li><a href=\"/reports.%s?", links[i].ext);
		params_query(p, b);
		buf_printf(b, "by=%s&amp;org=", links[i].by);
		buf_url(b, rep->org.code);
		buf_puts(b, "\">");
		buf_html(b, T(r, links[i].label));
		buf_puts(b, "</a></li>");
	}
	buf_puts(b, "</ul>");
}

/*
 * Parameters the dashboard cannot use (a bad date, a range that ends before it
 * starts): the page again with the filters as typed and the problem above them,
 * not an error page.
 */
static int dashboard_invalid(struct req *r, const struct params *p, const struct err *e)
{
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Reports"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Reports"));
	struct form_errs fe = {0};
	char *msg =
	    arena_printf(&r->arena, "%s (%s)",
			 T(r, "These dates cannot be used: give days as YYYY-MM-DD, the first no later than the "
			      "last."),
			 e->msg);
	/* The field at fault: "to" when the range ends before it starts or "to" is the bad date. */
	bool to = p->to && (strstr(e->msg, "ends") || strstr(e->msg, p->to));
	form_errs_add(&fe, p->from || p->to ? (to ? "to" : "from") : "period", msg);
	form_errs_summary(r, &b, &fe);
	filter_form(r, &b, p->q.org, p->q.course, p, &fe);
	page_end(r, &b);
	return page_send(r, 400, &b);
}

/* Who to follow up: the lists of people behind the figures, and the overdue count. */
static void follow_up(struct req *r, struct buf *b, const struct report *rep, const struct params *p)
{
	struct err e;
	struct report_query q = p->q;
	q.org = rep->org.code;
	long overdue = report_overdue_count(r->db, &q, now_s(), &e);
	const char *course = rep->course ? rep->course : "";
	buf_printf(b, "<h2 id=\"follow-up\">%s</h2><ul>", T(r, "Follow up"));
	char count[32];
	snprintf(count, sizeof count, "%ld", overdue < 0 ? 0L : overdue);
	buf_printf(b, "<li><a href=\"%s\">%s</a>%s<span id=\"overdue-count\">%s</span></li>",
		   people_href(r, p, rep->org.code, course, REPORT_ALL, "overdue"),
		   T(r, "Overdue (due date passed, not completed)"), view_colon(r), view_digits(r, count));
	static const struct {
		const char *list, *label;
	} lists[] = {
	    {"not-started", "Enrolled in the period, not started yet"},
	    {"not-completed", "Enrolled in the period, not completed yet"},
	    {"certified", "Certified in the period"},
	};
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		buf_printf(b, "<li><a href=\"%s\">%s</a></li>",
			   people_href(r, p, rep->org.code, course, REPORT_ALL, lists[i].list), T(r, lists[i].label));
	buf_puts(b, "</ul>");
}

static int h_dashboard(struct req *r)
{
	if (query_or_null(r, "series"))
		return reports_series_page(r);
	struct params p;
	struct report rep = {0};
	struct err e;
	int status, rc = params_read(r, &p, &e);
	if (rc < 0 && rc != REPORT_EDB)
		return dashboard_invalid(r, &p, &e);
	if (!run(r, &p, &rep, &status))
		return status;
	struct buf b = BUF_INIT;
	const char *name = name_for(r, rep.org.name_en, rep.org.name_km);
	page_begin(r, &b, T(r, "Reports"));
	buf_printf(&b, "<h1>%s: ", T(r, "Reports"));
	buf_html(&b, name);
	buf_puts(&b, "</h1>");
	breadcrumb(r, &b, &rep, &p);
	filter_form(r, &b, rep.org.code, rep.course, &p, NULL);
	buf_printf(&b, "<p class=\"meta\">%s: ", T(r, "Period"));
	period_text(r, &b, &rep.period);
	buf_printf(&b, " · %s: ", T(r, "Course"));
	if (rep.course) {
		const char *title = course_title(r, rep.course);
		buf_printf(&b, "<span%s>", lang_attr_text(r, title));
		buf_html(&b, title);
		buf_puts(&b, "</span>");
	} else
		buf_html(&b, T(r, "All courses"));
	buf_puts(&b, "</p>");
	definitions(r, &b);
	buf_printf(&b, "<h2>%s</h2>", T(r, "Summary"));
	table_summary(r, &b, &rep, &p);
	chart_sex(r, &b, &rep);
	if (rep.nchildren) {
		buf_printf(&b, "<h2>%s</h2>", T(r, "Where do women fall behind?"));
		chart_units(r, &b, &rep);
	}
	table_units(r, &b, &rep, &p);
	if (!rep.course && rep.ncourses)
		table_courses(r, &b, &rep, &p);
	follow_up(r, &b, &rep, &p);
	downloads(r, &b, &rep, &p);
	reports_training_section(r, &b, &rep);
	reports_series_links(r, &b, rep.org.code, rep.course);
	page_end(r, &b);
	report_free(&rep);
	return page_send(r, 200, &b);
}

/* ---- the people behind a figure ---- */

#define PEOPLE_PAGE_MAX 500 /* rows on the page; the CSV has them all up to PEOPLE_CSV_MAX */
#define PEOPLE_CSV_MAX 100000

static const char *const list_title[REPORT_LIST_COUNT] = {
    "Enrolled in the period",
    "Enrolled in the period, not started yet",
    "Started in the period",
    "Enrolled in the period, not completed yet",
    "Completed in the period",
    "Certified in the period",
    "Overdue (due date passed, not completed)",
};

struct people_out {
	struct req *r;
	struct buf *b;
	bool csv;
};

static void day_text(char out[11], int64_t t)
{
	if (t)
		date_ymd(t, out);
	else
		out[0] = '\0';
}

static const char *sex_text(struct req *r, const char *sex)
{
	static const char *const names[SEX_COUNT] = {"female", "male", "other", "unspecified"};
	static const char *const labels[SEX_COUNT] = {"Female", "Male", "Other", "Unspecified"};
	for (int i = 0; i < SEX_COUNT; i++)
		if (strcmp(sex, names[i]) == 0)
			return T(r, labels[i]);
	return sex;
}

static int person_row(void *ctx, const struct report_person *x)
{
	struct people_out *o = ctx;
	struct buf *b = o->b;
	char d[4][11];
	day_text(d[0], x->enrolled_at);
	day_text(d[1], x->started_at);
	day_text(d[2], x->completed_at);
	/* A due date is the end of its day: shown as that day. */
	day_text(d[3], x->due_at ? x->due_at - 1 : 0);
	const char *name = strcmp(o->r->lang, "km") == 0 && *x->full_name_km ? x->full_name_km : x->full_name;
	const char *org = strcmp(o->r->lang, "km") == 0 && *x->org_name_km ? x->org_name_km : x->org_name_en;
	if (o->csv) {
		const char *cells[] = {x->username,  name, x->sex, x->position, x->org_code, org,
				       x->course_id, d[0], d[1],   d[2],	d[3]};
		for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
			if (i)
				buf_putc(b, ',');
			if (i == 4 || i == 6)
				csv_put_code(b, cells[i]);
			else
				csv_put_field(b, cells[i]);
		}
		buf_puts(b, "\r\n");
		return 0;
	}
	buf_puts(b, "<tr><th scope=\"row\">");
	buf_html(b, name);
	buf_puts(b, " <span class=\"meta\">");
	buf_html(b, x->username);
	buf_puts(b, "</span></th><td>");
	buf_html(b, org);
	buf_puts(b, " <span class=\"meta\">");
	buf_html(b, x->org_code);
	buf_puts(b, "</span></td><td>");
	buf_html(b, x->position);
	buf_puts(b, "</td><td>");
	buf_html(b, sex_text(o->r, x->sex));
	buf_puts(b, "</td><td>");
	buf_html(b, course_title(o->r, x->course_id));
	for (int i = 0; i < 4; i++) {
		buf_puts(b, "</td><td class=\"num\">");
		if (*d[i])
			buf_printf(b, "<time datetime=\"%s\">%s</time>", d[i], view_day(o->r, d[i]));
	}
	buf_puts(b, "</td></tr>");
	return 0;
}

/* Reads list and sex; -1 with the response sent when either is unknown. */
static int people_params(struct req *r, int *list, const char **sex, int *status)
{
	*list = report_list_parse(req_query(r, "list"));
	*sex = query_or_null(r, "sex");
	bool sex_ok = !*sex;
	for (int i = 0; i < SEX_COUNT && !sex_ok; i++)
		sex_ok = strcmp(*sex, report_sex_name(i)) == 0;
	if (*list < 0 || !sex_ok) {
		*status = resp_error(r, 400, T(r, "The report parameters are not valid."));
		return -1;
	}
	return 0;
}

static int h_people(struct req *r)
{
	struct params p;
	struct err e;
	int list, status;
	const char *sex;
	if (people_params(r, &list, &sex, &status) < 0)
		return status;
	int rc = params_read(r, &p, &e);
	if (rc < 0)
		return report_error(r, rc, &e);
	struct buf rows = BUF_INIT;
	struct people_out o = {r, &rows, false};
	long n = report_people(r->db, &p.q, list, sex, now_s(), PEOPLE_PAGE_MAX, person_row, &o, &e);
	if (n < 0) {
		buf_release(&rows);
		return report_error(r, (int)n, &e);
	}
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, list_title[list]));
	buf_printf(&b, "<h1>%s</h1><p class=\"meta\">%s: ", T(r, list_title[list]), T(r, "Period"));
	if (list == REPORT_LIST_OVERDUE)
		buf_html(&b, T(r, "today"));
	else
		period_text(r, &b, &p.q.period);
	if (sex) {
		buf_puts(&b, " · ");
		buf_html(&b, sex_text(r, sex));
	}
	if (p.q.course) {
		buf_printf(&b, " · %s: ", T(r, "Course"));
		buf_html(&b, course_title(r, p.q.course));
	}
	char count[32];
	snprintf(count, sizeof count, "%ld", n);
	buf_printf(&b, " · <span id=\"people-count\">%s</span> %s</p>", view_digits(r, count),
		   T(r, "people and courses"));
	if (n >= PEOPLE_PAGE_MAX)
		buf_printf(&b, "<p class=\"notice\">%s</p>",
			   view_digits(r, T(r, "Only the first 500 are shown: the CSV has them all.")));
	buf_printf(&b,
		   "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table id=\"people\">"
		   "<caption>%s</caption><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		   "<th scope=\"col\">%s</th></tr></thead><tbody>",
		   T(r, list_title[list]), T(r, list_title[list]), T(r, "Name"), T(r, "Org unit"), T(r, "Position"),
		   T(r, "Sex"), T(r, "Course"), T(r, "Enrolled"), T(r, "Started"), T(r, "Completed"), T(r, "Due"));
	buf_puts(&b, buf_str(&rows));
	buf_release(&rows);
	buf_puts(&b, "</tbody></table></div>");
	/* The same list as CSV, and the way back to the dashboard. */
	int sexi = REPORT_ALL;
	for (int i = 0; sex && i < SEX_COUNT; i++)
		if (strcmp(sex, report_sex_name(i)) == 0)
			sexi = i;
	buf_printf(
	    &b, "<p><a href=\"%s\">%s</a> · <a href=\"/reports?",
	    people_link(r, "/reports/people.csv", &p, p.q.org ? p.q.org : "", p.q.course, sexi, report_list_name(list)),
	    T(r, "Download this list (CSV)"));
	params_query(&p, &b);
	buf_puts(&b, "org=");
	buf_url(&b, p.q.org ? p.q.org : "");
	buf_printf(&b, "\">%s</a></p>", T(r, "Back to the report"));
	page_end(r, &b);
	return page_send(r, 200, &b);
}

static int h_people_csv(struct req *r)
{
	struct params p;
	struct err e;
	int list, status;
	const char *sex;
	if (people_params(r, &list, &sex, &status) < 0)
		return status;
	int rc = params_read(r, &p, &e);
	if (rc < 0)
		return report_error(r, rc, &e);
	struct buf b = BUF_INIT;
	buf_puts(&b, "\xEF\xBB\xBFusername,name,sex,position,org_code,org_name,course_id,enrolled_on,started_on,"
		     "completed_on,due_on\r\n");
	struct people_out o = {r, &b, true};
	long n = report_people(r->db, &p.q, list, sex, now_s(), PEOPLE_CSV_MAX, person_row, &o, &e);
	if (n < 0) {
		buf_release(&b);
		return report_error(r, (int)n, &e);
	}
	char *headers = arena_printf(&r->arena,
				     "Content-Disposition: attachment; filename=\"sala-people-%s-%s-%s.csv\"\r\n"
				     "Cache-Control: private, no-store\r\n",
				     p.q.org ? p.q.org : "area", report_list_name(list),
				     list == REPORT_LIST_OVERDUE  ? "today"
				     : p.q.period.label[0] == '.' ? "dates"
								  : p.q.period.label);
	for (char *c = strchr(headers, '"') + 1; *c != '"'; c++)
		if (!(*c == '-' || *c == '.' || *c == '_' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= 'A' && *c <= 'Z')))
			*c = '_';
	status = resp_send(r, 200, "text/csv; charset=utf-8", b.data, b.len, headers);
	buf_release(&b);
	return status;
}

const struct route report_routes[] = {
    {"GET", "/reports", ROLE_MANAGER | ROLE_ADMIN, h_dashboard, 0},
    {"GET", "/reports.csv", ROLE_MANAGER | ROLE_ADMIN, h_csv, 0},
    {"GET", "/reports.json", ROLE_MANAGER | ROLE_ADMIN, h_json, 0},
    {"GET", "/reports.xlsx", ROLE_MANAGER | ROLE_ADMIN, h_xlsx, 0},
    {"GET", "/reports/people", ROLE_MANAGER | ROLE_ADMIN, h_people, 0},
    {"GET", "/reports/people.csv", ROLE_MANAGER | ROLE_ADMIN, h_people_csv, 0},
    {NULL, NULL, 0, NULL, 0},
};
