/* The three writers of report rows: CSV, JSON and a terminal table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uniwidth.h>

#include "lib/csv.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "reports/report.h"

static const char *const columns[] = {"org_code",	 "org_name",	 "course_id", "sex",	     "enrolled",
				      "started",	 "completed",	 "certified", "avg_score",   "avg_score_n",
				      "completion_rate", "parity_index", "parity_n",  "course_title"};
#define NCOLUMNS (sizeof columns / sizeof columns[0])
/* The columns of the terminal table: the first nine. */
#define NTABLE 9

/* The cells of a row as text; numbers in their fixed forms, withheld figures as their mark. */
struct cells {
	const char *text[NCOLUMNS];
	char num[9][32];
};

/* A derived figure's cell: its text, or the mark of a withheld figure ("n<5"), or "" when undefined. */
static void fig_cell(const struct report_fig *f, char out[32])
{
	if (f->state == REPORT_FIG_FEW)
		report_fig_mark(f, out);
	else
		snprintf(out, 32, "%s", f->text);
}

static void row_cells(const struct report *r, const struct report_row *row, const char *lang, const char *const *titles,
		      struct cells *c)
{
	c->text[0] = row->org_code;
	c->text[1] = report_row_org_name(row, lang);
	c->text[2] = row->course_id;
	c->text[3] = row->sex_name;
	const int64_t counts[4] = {row->f->enrolled, row->f->started, row->f->completed, row->f->certified};
	for (int i = 0; i < 4; i++) {
		snprintf(c->num[i], sizeof c->num[i], "%lld", (long long)counts[i]);
		c->text[4 + i] = c->num[i];
	}
	struct report_fig f;
	report_figure(r, REPORT_FIG_AVG_SCORE, row->org, row->course, row->sex, &f);
	fig_cell(&f, c->num[4]);
	c->text[8] = c->num[4];
	snprintf(c->num[5], sizeof c->num[5], "%lld", (long long)f.n);
	c->text[9] = c->num[5];
	report_figure(r, REPORT_FIG_COMPLETION_RATE, row->org, row->course, row->sex, &f);
	fig_cell(&f, c->num[6]);
	c->text[10] = c->num[6];
	report_figure(r, REPORT_FIG_PARITY, row->org, row->course, REPORT_ALL, &f);
	fig_cell(&f, c->num[7]);
	c->text[11] = c->num[7];
	snprintf(c->num[8], sizeof c->num[8], "%lld", (long long)f.n);
	c->text[12] = c->num[8];
	c->text[13] = row->course_id;
	if (titles && row->course >= 0 && titles[row->course])
		c->text[13] = titles[row->course];
	else if (titles && row->course < 0 && r->course && titles[0] && r->ncourses == 1)
		c->text[13] = titles[0];
}

/* The CSV rows of one report, each after a period column when period is not NULL. */
static void csv_rows(const struct report *r, unsigned by, const char *lang, const char *const *titles,
		     const char *period, struct buf *b)
{
	struct report_row *rows;
	size_t n = report_rows(r, by, &rows);
	for (size_t k = 0; k < n; k++) {
		struct cells c;
		row_cells(r, &rows[k], lang, titles, &c);
		if (period) {
			csv_put_code(b, period);
			buf_putc(b, ',');
		}
		for (size_t i = 0; i < NCOLUMNS; i++) {
			if (i)
				buf_putc(b, ',');
			if (i == 0 || i == 2) /* org_code, course_id: kept as text by spreadsheets */
				csv_put_code(b, c.text[i]);
			else if (i < 4 || i == 13)
				csv_put_field(b, c.text[i]);
			else
				csv_put_raw(b, c.text[i]);
		}
		buf_puts(b, "\r\n");
	}
	free(rows);
}

static void csv_header(struct buf *b, bool period)
{
	buf_puts(b, "\xEF\xBB\xBF"); /* so spreadsheets read UTF-8 (Khmer) */
	if (period)
		buf_puts(b, "period,");
	for (size_t i = 0; i < NCOLUMNS; i++)
		buf_printf(b, "%s%s", i ? "," : "", columns[i]);
	buf_puts(b, "\r\n");
}

void report_write_csv(const struct report *r, unsigned by, const char *lang, const char *const *titles, struct buf *b)
{
	csv_header(b, false);
	csv_rows(r, by, lang, titles, NULL, b);
}

void report_write_series_csv(const struct report_series *s, unsigned by, const char *lang, struct buf *b)
{
	csv_header(b, true);
	for (size_t i = 0; i < s->n; i++)
		csv_rows(&s->reports[i], by, lang, NULL, s->reports[i].period.label, b);
}

/* A number in its fixed text form, or null. */
static void json_num(struct buf *b, const char *txt)
{
	buf_puts(b, *txt ? txt : "null");
}

/* The marks of the figures withheld so far, as a JSON object's members. */
struct withheld {
	struct buf b;
	int n;
};

/* "member": value; a withheld figure is null, and its mark is listed under path in "withheld". */
static void json_fig(struct buf *b, struct withheld *w, const char *member, const char *path,
		     const struct report_fig *f)
{
	const char *name = path ? path : member;
	buf_printf(b, "\"%s\":", member);
	json_num(b, f->text);
	if (f->state == REPORT_FIG_FEW) {
		char m[32];
		report_fig_mark(f, m);
		buf_printf(&w->b, "%s\"%s\":\"%s\"", w->n++ ? "," : "", name, m);
	}
}

static void json_withheld(struct buf *b, struct withheld *w)
{
	buf_puts(b, ",\"withheld\":{");
	buf_puts(b, buf_str(&w->b));
	buf_puts(b, "}");
	buf_release(&w->b);
	w->n = 0;
}

static void json_figures(struct buf *b, const struct report *r, int org, int course, int sex)
{
	const struct report_figures *f = report_cell(r, org, course, sex);
	struct withheld w = {BUF_INIT, 0};
	struct report_fig x;
	buf_printf(b, "\"enrolled\":%lld,\"started\":%lld,\"completed\":%lld,\"certified\":%lld,",
		   (long long)f->enrolled, (long long)f->started, (long long)f->completed, (long long)f->certified);
	report_figure(r, REPORT_FIG_AVG_SCORE, org, course, sex, &x);
	json_fig(b, &w, "avg_score", NULL, &x);
	buf_printf(b, ",\"avg_score_n\":%lld,", (long long)x.n);
	report_figure(r, REPORT_FIG_AVG_GAIN, org, course, sex, &x);
	json_fig(b, &w, "avg_gain", NULL, &x);
	buf_printf(b, ",\"gain_n\":%lld,", (long long)x.n);
	report_figure(r, REPORT_FIG_COMPLETION_RATE, org, course, sex, &x);
	json_fig(b, &w, "completion_rate_pct", NULL, &x);
	buf_printf(b, ",\"completion_n\":%lld", (long long)x.n);
	json_withheld(b, &w);
}

/* Female shares of the four counts, completion rates by sex and the parity index of one group, each with its n. */
static void json_gender(struct buf *b, const struct report *r, int org, int course)
{
	static const char *const names[4] = {"enrolled", "started", "completed", "certified"};
	struct withheld w = {BUF_INIT, 0};
	struct report_fig x;
	char name[64];
	buf_puts(b, "\"female_share_pct\":{");
	for (int i = 0; i < 4; i++) {
		report_figure_share(r, i, org, course, &x);
		if (i)
			buf_putc(b, ',');
		snprintf(name, sizeof name, "female_share_pct.%s", names[i]);
		json_fig(b, &w, names[i], name, &x);
	}
	buf_puts(b, "},\"completion_rate_pct\":{");
	for (int s = REPORT_ALL; s < SEX_COUNT; s++) {
		report_figure(r, REPORT_FIG_COMPLETION_RATE, org, course, s, &x);
		if (s != REPORT_ALL)
			buf_putc(b, ',');
		snprintf(name, sizeof name, "completion_rate_pct.%s", report_sex_name(s));
		json_fig(b, &w, report_sex_name(s), name, &x);
	}
	buf_puts(b, "},\"completion_n\":{");
	for (int s = REPORT_ALL; s < SEX_COUNT; s++)
		buf_printf(b, "%s\"%s\":%lld", s == REPORT_ALL ? "" : ",", report_sex_name(s),
			   (long long)report_cell(r, org, course, s)->enrolled);
	buf_puts(b, "},");
	report_figure(r, REPORT_FIG_PARITY, org, course, REPORT_ALL, &x);
	json_fig(b, &w, "parity_index", NULL, &x);
	buf_printf(b, ",\"parity_n\":%lld", (long long)x.n);
	json_withheld(b, &w);
}

static void json_period(struct buf *b, const struct report_period *p)
{
	char d[11];
	buf_puts(b, "\"period\":{\"label\":");
	buf_json_str(b, p->label);
	buf_puts(b, ",\"from\":");
	if (p->set && p->from != INT64_MIN) {
		date_ymd(p->from, d);
		buf_json_str(b, d);
	} else {
		buf_puts(b, "null");
	}
	buf_puts(b, ",\"to\":");
	if (p->set && p->to != INT64_MAX) {
		date_ymd(p->to - 86400, d);
		buf_json_str(b, d);
	} else {
		buf_puts(b, "null");
	}
	buf_puts(b, "}");
}

/* ---- face-to-face training ---- */

static const char *const tcolumns[] = {"org_code",     "org_name",	 "course_id",	 "sex",
				       "trained",      "attended",	 "invited",	 "attendance_rate",
				       "attendance_n", "training_hours", "satisfaction", "satisfaction_n"};
#define NTCOLUMNS (sizeof tcolumns / sizeof tcolumns[0])

struct tcells {
	const char *text[NTCOLUMNS];
	char num[8][32];
};

static void training_cells(const struct report *r, const struct report_row *row, const char *lang, struct tcells *c)
{
	const struct report_training *t = report_training_cell(r, row->org, row->course, row->sex);
	double v = 0;
	c->text[0] = row->org_code;
	c->text[1] = report_row_org_name(row, lang);
	c->text[2] = row->course_id;
	c->text[3] = row->sex_name;
	const int64_t counts[3] = {t->trained, t->attended, t->invited};
	for (int i = 0; i < 3; i++)
		snprintf(c->num[i], sizeof c->num[i], "%lld", (long long)counts[i]);
	struct report_fig f;
	report_training_figure(r, REPORT_TFIG_ATTENDANCE_RATE, row->org, row->course, row->sex, &f);
	fig_cell(&f, c->num[3]);
	snprintf(c->num[4], sizeof c->num[4], "%lld", (long long)f.n);
	report_fmt1(c->num[5], true, (double)t->seconds / 3600.0);
	bool ok = report_satisfaction(t, &v);
	report_fmt2(c->num[6], ok, v);
	snprintf(c->num[7], sizeof c->num[7], "%lld", (long long)t->sat_n);
	for (int i = 0; i < 8; i++)
		c->text[4 + i] = c->num[i];
}

void report_write_training_csv(const struct report *r, unsigned by, const char *lang, struct buf *b)
{
	buf_puts(b, "\xEF\xBB\xBF");
	for (size_t i = 0; i < NTCOLUMNS; i++)
		buf_printf(b, "%s%s", i ? "," : "", tcolumns[i]);
	buf_puts(b, "\r\n");
	struct report_row *rows;
	size_t n = report_rows(r, by, &rows);
	for (size_t k = 0; k < n; k++) {
		struct tcells c;
		training_cells(r, &rows[k], lang, &c);
		for (size_t i = 0; i < NTCOLUMNS; i++) {
			if (i)
				buf_putc(b, ',');
			if (i == 0 || i == 2)
				csv_put_code(b, c.text[i]);
			else if (i < 4)
				csv_put_field(b, c.text[i]);
			else
				csv_put_raw(b, c.text[i]);
		}
		buf_puts(b, "\r\n");
	}
	free(rows);
}

void report_write_training_table(const struct report *r, unsigned by, const char *lang, struct buf *b)
{
	struct report_row *rows;
	size_t n = report_rows(r, by, &rows);
	for (size_t i = 0; i < NTCOLUMNS; i++)
		buf_printf(b, "%s%s", i ? "  " : "", tcolumns[i]);
	buf_putc(b, '\n');
	for (size_t k = 0; k < n; k++) {
		struct tcells c;
		training_cells(r, &rows[k], lang, &c);
		for (size_t i = 0; i < NTCOLUMNS; i++)
			buf_printf(b, "%s%s", i ? "  " : "", *c.text[i] ? c.text[i] : "-");
		buf_putc(b, '\n');
	}
	free(rows);
}

static void json_training_figures(struct buf *b, const struct report *r, int org, int course, int sex)
{
	const struct report_training *t = report_training_cell(r, org, course, sex);
	struct withheld w = {BUF_INIT, 0};
	struct report_fig x;
	char hours[32], sat[32];
	double v = 0;
	report_fmt1(hours, true, (double)t->seconds / 3600.0);
	bool ok = report_satisfaction(t, &v);
	report_fmt2(sat, ok, v);
	buf_printf(b, "\"trained\":%lld,\"attended\":%lld,\"invited\":%lld,\"marked\":%lld,\"present\":%lld,",
		   (long long)t->trained, (long long)t->attended, (long long)t->invited, (long long)t->marked,
		   (long long)t->present);
	report_training_figure(r, REPORT_TFIG_ATTENDANCE_RATE, org, course, sex, &x);
	json_fig(b, &w, "attendance_rate_pct", NULL, &x);
	buf_printf(b, ",\"attendance_n\":%lld,\"training_hours\":%s,\"satisfaction\":", (long long)x.n, hours);
	json_num(b, sat);
	buf_printf(b, ",\"satisfaction_n\":%lld", (long long)t->sat_n);
	json_withheld(b, &w);
}

/* The face-to-face figures: rows as the main rows, and a summary by sex with shares and parity. */
static void json_training(const struct report *r, unsigned by, const char *lang, struct buf *b)
{
	buf_puts(b, "{\"rows\":[");
	struct report_row *rows;
	size_t n = report_rows(r, by, &rows);
	for (size_t k = 0; k < n; k++) {
		const struct report_row *row = &rows[k];
		buf_puts(b, k ? ",{\"org_code\":" : "{\"org_code\":");
		buf_json_str(b, row->org_code);
		buf_puts(b, ",\"org_name\":");
		buf_json_str(b, report_row_org_name(row, lang));
		buf_puts(b, ",\"course_id\":");
		buf_json_str(b, row->course_id);
		buf_puts(b, ",\"sex\":");
		buf_json_str(b, row->sex_name);
		buf_puts(b, ",");
		json_training_figures(b, r, row->org, row->course, row->sex);
		buf_puts(b, "}");
	}
	free(rows);
	buf_puts(b, "],\"summary\":{\"by_sex\":{");
	for (int s = 0; s <= SEX_COUNT; s++) {
		int sex = s == SEX_COUNT ? REPORT_ALL : s;
		buf_printf(b, "%s\"%s\":{", s ? "," : "", report_sex_name(sex));
		json_training_figures(b, r, REPORT_ALL, REPORT_ALL, sex);
		buf_puts(b, "}");
	}
	struct withheld w = {BUF_INIT, 0};
	struct report_fig x, y;
	buf_puts(b, "},\"female_share_pct\":{");
	report_training_figure(r, REPORT_TFIG_SHARE_TRAINED, REPORT_ALL, REPORT_ALL, REPORT_ALL, &x);
	json_fig(b, &w, "trained", "female_share_pct.trained", &x);
	buf_putc(b, ',');
	report_training_figure(r, REPORT_TFIG_SHARE_ATTENDED, REPORT_ALL, REPORT_ALL, REPORT_ALL, &y);
	json_fig(b, &w, "attended", "female_share_pct.attended", &y);
	buf_printf(b, "},\"female_share_n\":{\"trained\":%lld,\"attended\":%lld},", (long long)x.n, (long long)y.n);
	report_training_figure(r, REPORT_TFIG_ATTENDED_PARITY, REPORT_ALL, REPORT_ALL, REPORT_ALL, &x);
	json_fig(b, &w, "attended_parity_index", NULL, &x);
	buf_printf(b, ",\"attended_parity_n\":%lld", (long long)x.n);
	json_withheld(b, &w);
	buf_puts(b, "}}");
}

void report_write_json(const struct report *r, unsigned by, const char *lang, struct buf *b)
{
	buf_puts(b, "{\"org\":{\"code\":");
	buf_json_str(b, r->org.code);
	buf_puts(b, ",\"name_en\":");
	buf_json_str(b, r->org.name_en);
	buf_puts(b, ",\"name_km\":");
	buf_json_str(b, r->org.name_km);
	buf_puts(b, ",\"level\":");
	buf_json_str(b, r->org.level);
	buf_puts(b, "},\"course\":");
	buf_json_str(b, r->course);
	buf_puts(b, ",\"language\":");
	buf_json_str(b, r->language);
	buf_puts(b, ",");
	json_period(b, &r->period);
	buf_puts(b, ",\"by\":[");
	const char *sep = "";
	static const struct {
		unsigned bit;
		const char *name;
	} dims[] = {{REPORT_BY_ORG, "org"}, {REPORT_BY_COURSE, "course"}, {REPORT_BY_SEX, "sex"}};
	for (size_t i = 0; i < 3; i++)
		if (by & dims[i].bit) {
			buf_printf(b, "%s\"%s\"", sep, dims[i].name);
			sep = ",";
		}
	buf_puts(b, "],\"rows\":[");
	struct report_row *rows;
	size_t n = report_rows(r, by, &rows);
	for (size_t k = 0; k < n; k++) {
		const struct report_row *row = &rows[k];
		buf_puts(b, k ? ",{\"org_code\":" : "{\"org_code\":");
		buf_json_str(b, row->org_code);
		buf_puts(b, ",\"org_name\":");
		buf_json_str(b, report_row_org_name(row, lang));
		buf_puts(b, ",\"course_id\":");
		buf_json_str(b, row->course_id);
		buf_puts(b, ",\"sex\":");
		buf_json_str(b, row->sex_name);
		buf_puts(b, ",");
		json_figures(b, r, row->org, row->course, row->sex);
		buf_puts(b, "}");
	}
	buf_puts(b, "]");
	/* Gender figures of every group of the rows (the rows without their sex split). */
	if (by & REPORT_BY_SEX) {
		buf_puts(b, ",\"groups\":[");
		size_t g = 0;
		for (size_t k = 0; k < n; k++) {
			if (rows[k].sex != 0)
				continue;
			buf_puts(b, g++ ? ",{\"org_code\":" : "{\"org_code\":");
			buf_json_str(b, rows[k].org_code);
			buf_puts(b, ",\"course_id\":");
			buf_json_str(b, rows[k].course_id);
			buf_puts(b, ",");
			json_gender(b, r, rows[k].org, rows[k].course);
			buf_puts(b, "}");
		}
		buf_puts(b, "]");
	}
	free(rows);
	buf_puts(b, ",\"summary\":{\"by_sex\":{");
	for (int s = 0; s <= SEX_COUNT; s++) {
		int sex = s == SEX_COUNT ? REPORT_ALL : s;
		buf_printf(b, "%s\"%s\":{", s ? "," : "", report_sex_name(sex));
		json_figures(b, r, REPORT_ALL, REPORT_ALL, sex);
		buf_puts(b, "}");
	}
	buf_puts(b, "},");
	json_gender(b, r, REPORT_ALL, REPORT_ALL);
	buf_puts(b, "},\"training\":");
	json_training(r, by, lang, b);
	buf_puts(b, "}\n");
}

static size_t text_width(const char *s)
{
	int w = u8_strwidth((const uint8_t *)s, "UTF-8");
	return w > 0 ? (size_t)w : 0;
}

static void pad(struct buf *b, size_t n)
{
	while (n--)
		buf_putc(b, ' ');
}

/* A derived figure for the terminal: its text, its mark when withheld, "-" when undefined. */
static const char *table_fig(const struct report_fig *f, char out[32])
{
	fig_cell(f, out);
	if (!*out)
		snprintf(out, 32, "-");
	return out;
}

/* The gender figures of the whole selection, as the dashboard shows them, each with its n. */
static void table_footer(const struct report *r, struct buf *b)
{
	static const char *const names[4] = {"enrolled", "started", "completed", "certified"};
	char t[32];
	struct report_fig x;
	buf_puts(b, "\nwomen's share (%):");
	for (int i = 0; i < 4; i++) {
		report_figure_share(r, i, REPORT_ALL, REPORT_ALL, &x);
		buf_printf(b, " %s %s (n=%lld)", names[i], table_fig(&x, t), (long long)x.n);
	}
	report_figure(r, REPORT_FIG_PARITY, REPORT_ALL, REPORT_ALL, REPORT_ALL, &x);
	buf_printf(b, "\ngender parity index (completion rate, women / men): %s (n=%lld)\naverage learning gain:",
		   table_fig(&x, t), (long long)x.n);
	for (int s = 0; s <= SEX_COUNT; s++) {
		int sex = s == SEX_COUNT ? REPORT_ALL : s;
		report_figure(r, REPORT_FIG_AVG_GAIN, REPORT_ALL, REPORT_ALL, sex, &x);
		buf_printf(b, " %s %s (n=%lld)", report_sex_name(sex), table_fig(&x, t), (long long)x.n);
	}
	buf_putc(b, '\n');
}

void report_write_table(const struct report *r, unsigned by, const char *lang, struct buf *b)
{
	struct report_row *rows;
	size_t n = report_rows(r, by, &rows);
	struct cells *c = xcalloc(n ? n : 1, sizeof *c);
	size_t width[NTABLE];
	for (size_t i = 0; i < NTABLE; i++)
		width[i] = strlen(columns[i]);
	for (size_t k = 0; k < n; k++) {
		row_cells(r, &rows[k], lang, NULL, &c[k]);
		for (size_t i = 0; i < NTABLE; i++) {
			size_t w = text_width(c[k].text[i]);
			if (w > width[i])
				width[i] = w;
		}
	}
	for (size_t k = 0; k <= n; k++) {
		for (size_t i = 0; i < NTABLE; i++) {
			const char *t = k ? c[k - 1].text[i] : columns[i];
			size_t gap = width[i] - text_width(t);
			if (i)
				buf_puts(b, "  ");
			if (i >= 4)
				pad(b, gap);
			buf_puts(b, t);
			if (i < 4 && i + 1 < NTABLE)
				pad(b, gap);
		}
		buf_putc(b, '\n');
	}
	free(c);
	free(rows);
	table_footer(r, b);
}

void report_write_series_json(const struct report_series *s, unsigned by, const char *lang, struct buf *b)
{
	buf_puts(b, "{\"series\":");
	buf_json_str(b, s->name);
	buf_puts(b, ",\"periods\":[");
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			buf_putc(b, ',');
		report_write_json(&s->reports[i], by, lang, b);
		if (b->len && b->data[b->len - 1] == '\n')
			b->data[--b->len] = '\0';
	}
	buf_puts(b, "]}\n");
}

void report_write_languages_csv(const struct report *rs, unsigned by, const char *lang, const char *const *titles,
				struct buf *b)
{
	buf_puts(b, "\xEF\xBB\xBF");
	buf_puts(b, "language,");
	for (size_t i = 0; i < NCOLUMNS; i++)
		buf_printf(b, "%s%s", i ? "," : "", columns[i]);
	buf_puts(b, "\r\n");
	for (int i = 0; i < REPORT_LANGUAGES; i++)
		csv_rows(&rs[i], by, lang, titles, report_language_name(i), b);
}

void report_write_languages_json(const struct report *rs, unsigned by, const char *lang, struct buf *b)
{
	buf_puts(b, "{\"by_language\":[");
	for (int i = 0; i < REPORT_LANGUAGES; i++) {
		if (i)
			buf_putc(b, ',');
		report_write_json(&rs[i], by, lang, b);
		if (b->len && b->data[b->len - 1] == '\n')
			b->data[--b->len] = '\0';
	}
	buf_puts(b, "]}\n");
}

void report_write_languages_table(const struct report *rs, unsigned by, const char *lang, struct buf *b)
{
	for (int i = 0; i < REPORT_LANGUAGES; i++) {
		buf_printf(b, "%slearners' language %s\n", i ? "\n" : "", report_language_name(i));
		report_write_table(&rs[i], by, lang, b);
	}
}

void report_write_series_table(const struct report_series *s, unsigned by, const char *lang, struct buf *b)
{
	for (size_t i = 0; i < s->n; i++) {
		buf_printf(b, "%speriod %s\n", i ? "\n" : "", s->reports[i].period.label);
		report_write_table(&s->reports[i], by, lang, b);
	}
}
