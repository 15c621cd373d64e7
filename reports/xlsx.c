/* The XLSX writer of reports (libxlsxwriter): layout only, the figures come from the report. */
#include "reports/xlsx.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unictype.h>
#include <unistr.h>
#include <xlsxwriter.h>

#include "courses/participants.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "reports/msgs.h"

/*
 * The definitions the workbook adds to the dashboard's (report_definitions()): its texts, like the
 * dashboard's, are in the reports' message table (reports/msgs.c).
 */
static const char *const xlsx_definitions[] = {
    "Women's share: women ÷ everyone counted (all four sex categories) × 100.",
    "Gender parity index (completion rate of women ÷ completion rate of men)",
    "1.00 means parity; below 1, women complete less often than men; above 1, more often.",
    "An empty cell: the figure is undefined (nothing to divide by).",
};

void report_xlsx_messages_register(void)
{
	report_messages_register();
}

static const char *const measure_label[4] = {"Enrolled", "Started", "Completed", "Certified"};
static const char *const sex_label[SEX_COUNT + 1] = {"Women", "Men", "Other", "Unspecified", "All"};

static int64_t measure(const struct report_figures *f, int m)
{
	const int64_t v[4] = {f->enrolled, f->started, f->completed, f->certified};
	return v[m];
}

/* Whether a character cluster may end before character i of cp[0..n): not before a mark, nor after a coeng. */
static bool cluster_starts(const ucs4_t *cp, size_t i)
{
	return !uc_is_general_category(cp[i], UC_CATEGORY_M) && cp[i - 1] != 0x17D2;
}

void report_xlsx_sheet_name(const char *name, char out[128])
{
	const uint8_t *s = (const uint8_t *)(name ? name : "");
	size_t len = strlen((const char *)s);
	ucs4_t cp[40] = {0};
	size_t at[41] = {0}, n = 0, units = 0;
	while (*s == '\'')
		s++, len--;
	/* The characters that fit in 31 UTF-16 units (Excel's count), plus the one after them, if any. */
	for (size_t off = 0; off < len && n < 40;) {
		int k = u8_mbtouc(&cp[n], s + off, len - off);
		at[n] = off;
		units += cp[n] >= 0x10000 ? 2 : 1;
		off += (size_t)k;
		at[++n] = off;
		if (units > 31)
			break;
	}
	size_t keep = n;
	if (units > 31) { /* cut: at the start of the character cluster the 32nd unit falls in */
		keep = n - 1;
		size_t k = keep;
		while (k > 1 && !cluster_starts(cp, k))
			k--;
		if (k > 1 || cluster_starts(cp, k))
			keep = k;
	}
	size_t o = 0;
	for (size_t i = 0; i < keep; i++) {
		size_t w = at[i + 1] - at[i];
		bool bad =
		    (cp[i] == 0xFFFD && w == 1) || cp[i] < 0x20 || (cp[i] < 0x80 && strchr("[]:*?/\\", (int)cp[i]));
		if (bad) {
			out[o++] = '_';
		} else {
			memcpy(out + o, s + at[i], w);
			o += w;
		}
	}
	out[o] = '\0';
	while (o && (out[o - 1] == '\'' || (keep < n && out[o - 1] == ' ')))
		out[--o] = '\0';
	if (!o)
		snprintf(out, 128, "Sheet");
}

/* The workbook being written: its formats and the reader's language. */
struct book {
	lxw_workbook *wb;
	lxw_format *head, *title, *date, *stamp, *count, *dec1, *dec2, *pct, *pct0;
	const struct report_xlsx_opts *o;
	const char *lang;
	bool failed;
};

static const char *T(const struct book *b, const char *en)
{
	return tr(b->lang, en);
}

/* "Enrolled: Women" in the reader's language. */
static const char *pair(const struct book *b, const char *a, const char *c, char *out, size_t n)
{
	snprintf(out, n, T(b, "%s: %s"), T(b, a), T(b, c));
	return out;
}

static lxw_worksheet *sheet(struct book *b, const char *name)
{
	char valid[128];
	report_xlsx_sheet_name(T(b, name), valid);
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, valid);
	if (!ws)
		b->failed = true;
	return ws;
}

static void text(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s, lxw_format *f)
{
	if (s && *s)
		worksheet_write_string(ws, row, col, s, f);
}

static void count(struct book *b, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, int64_t v)
{
	worksheet_write_number(ws, row, col, (double)v, b->count);
}

/*
 * A derived figure as the screen shows it: the text of report_figure() read back,
 * so the cell holds exactly the rounded value on the screen; a figure withheld by
 * the small-group rule is its mark as text ("n<5"), an undefined one an empty cell.
 * scale 100: a percentage stored as a fraction for the percent format.
 */
static void figure(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const struct report_fig *x, double scale,
		   lxw_format *f)
{
	char t[32];
	if (x->state == REPORT_FIG_SHOWN) {
		worksheet_write_number(ws, row, col, strtod(x->text, NULL) / scale, f);
	} else if (x->state == REPORT_FIG_FEW) {
		report_fig_mark(x, t);
		worksheet_write_string(ws, row, col, t, NULL);
	}
}

/* A face-to-face figure: its fixed text form as a number, or an empty cell when undefined. */
static void plain_figure(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, bool ok, double v, int decimals, double scale,
			 lxw_format *f)
{
	char t[32];
	if (decimals == 2)
		report_fmt2(t, ok, v);
	else
		report_fmt1(t, ok, v);
	if (*t)
		worksheet_write_number(ws, row, col, strtod(t, NULL) / scale, f);
}

static void date_cell(struct book *b, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, int64_t t, bool with_time)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	lxw_datetime d = {
	    tm.tm_year + 1900,	      tm.tm_mon + 1, tm.tm_mday, with_time ? tm.tm_hour : 0, with_time ? tm.tm_min : 0,
	    with_time ? tm.tm_sec : 0};
	worksheet_write_datetime(ws, row, col, &d, with_time ? b->stamp : b->date);
}

static void about_sheet(struct book *b, const struct report *r, unsigned by)
{
	lxw_worksheet *ws = sheet(b, "About");
	if (!ws)
		return;
	worksheet_set_column(ws, 0, 0, 28, NULL);
	worksheet_set_column(ws, 1, 1, 40, NULL);
	lxw_row_t row = 0;
	text(ws, row++, 0, T(b, "Sala report"), b->title);
	row++;
	text(ws, row, 0, T(b, "Org unit code"), b->head);
	text(ws, row++, 1, r->org.code, NULL);
	text(ws, row, 0, T(b, "Org unit"), b->head);
	bool km = strcmp(b->lang, "km") == 0 && r->org.name_km && *r->org.name_km;
	text(ws, row++, 1, km ? r->org.name_km : r->org.name_en, NULL);
	text(ws, row, 0, T(b, "Course"), b->head);
	text(ws, row++, 1, r->course ? r->course : T(b, "All courses"), NULL);
	text(ws, row, 0, T(b, "Period"), b->head);
	text(ws, row++, 1, r->period.set ? r->period.label : T(b, "All time"), NULL);
	text(ws, row, 0, T(b, "From"), b->head);
	if (r->period.set && r->period.from != INT64_MIN)
		date_cell(b, ws, row, 1, r->period.from, false);
	row++;
	text(ws, row, 0, T(b, "To"), b->head);
	if (r->period.set && r->period.to != INT64_MAX)
		date_cell(b, ws, row, 1, r->period.to - 86400, false);
	row++;
	char grouping[32] = "";
	static const struct {
		unsigned bit;
		const char *name;
	} dims[] = {{REPORT_BY_ORG, "org"}, {REPORT_BY_COURSE, "course"}, {REPORT_BY_SEX, "sex"}};
	for (size_t i = 0; i < 3; i++)
		if (by & dims[i].bit)
			snprintf(grouping + strlen(grouping), sizeof grouping - strlen(grouping), "%s%s",
				 *grouping ? "," : "", dims[i].name);
	text(ws, row, 0, T(b, "Grouping"), b->head);
	text(ws, row++, 1, *grouping ? grouping : "none", NULL);
	text(ws, row, 0, T(b, "Made on (UTC)"), b->head);
	date_cell(b, ws, row++, 1, b->o->made_at, true);
	row++;
	text(ws, row++, 0, T(b, "How these figures are counted"), b->title);
	size_t ndefs;
	const char *const *defs = report_definitions(&ndefs);
	for (size_t i = 0; i < ndefs; i++)
		text(ws, row++, 0, T(b, defs[i]), NULL);
	for (size_t i = 0; i < sizeof xlsx_definitions / sizeof xlsx_definitions[0]; i++)
		text(ws, row++, 0, T(b, xlsx_definitions[i]), NULL);
	char rule[1024];
	snprintf(rule, sizeof rule,
		 T(b,
		   "An average, rate or share from fewer than %d people, or a parity index from fewer than %d women or "
		   "%d men, is not shown: its cell says n<%d or n<%d."),
		 r->min_group, r->min_parity_group, r->min_parity_group, r->min_group, r->min_parity_group);
	text(ws, row++, 0, rule, NULL);
}

static void summary_sheet(struct book *b, const struct report *r)
{
	lxw_worksheet *ws = sheet(b, "Summary");
	if (!ws)
		return;
	worksheet_set_column(ws, 0, 0, 36, NULL);
	worksheet_set_column(ws, 1, 6, 14, NULL);
	worksheet_freeze_panes(ws, 1, 1);
	text(ws, 0, 0, T(b, "Measure"), b->head);
	for (int s = 0; s < SEX_COUNT; s++)
		text(ws, 0, (lxw_col_t)(1 + s), T(b, sex_label[s]), b->head);
	text(ws, 0, 5, T(b, "Total"), b->head);
	text(ws, 0, 6, T(b, "Women's share"), b->head);
	text(ws, 0, 7, T(b, "n: people behind the figure"), b->head);
	lxw_row_t row = 1;
	struct report_fig x;
	for (int m = 0; m < 4; m++, row++) {
		text(ws, row, 0, T(b, measure_label[m]), b->head);
		for (int s = 0; s <= SEX_COUNT; s++)
			count(b, ws, row, (lxw_col_t)(1 + s),
			      measure(report_cell(r, REPORT_ALL, REPORT_ALL, s == SEX_COUNT ? REPORT_ALL : s), m));
		report_figure_share(r, m, REPORT_ALL, REPORT_ALL, &x);
		figure(ws, row, 6, &x, 100, b->pct);
	}
	static const struct {
		enum report_fig_kind kind;
		const char *label;
		double scale;
	} rows[] = {
	    {REPORT_FIG_COMPLETION_RATE, "Completion rate", 100},
	    {REPORT_FIG_AVG_SCORE, "Average final score", 1},
	    {REPORT_FIG_AVG_GAIN, "Average learning gain (final − pretest)", 1},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++, row++) {
		text(ws, row, 0, T(b, rows[i].label), b->head);
		for (int s = 0; s <= SEX_COUNT; s++) {
			report_figure(r, rows[i].kind, REPORT_ALL, REPORT_ALL, s == SEX_COUNT ? REPORT_ALL : s, &x);
			figure(ws, row, (lxw_col_t)(1 + s), &x, rows[i].scale, rows[i].scale == 100 ? b->pct : b->dec1);
		}
	}
	row++;
	text(ws, row, 0, T(b, "Gender parity index (completion rate of women ÷ completion rate of men)"), b->head);
	report_figure(r, REPORT_FIG_PARITY, REPORT_ALL, REPORT_ALL, REPORT_ALL, &x);
	figure(ws, row, 1, &x, 1, b->dec2);
	count(b, ws, row, 7, x.n);
	/* The n of the averages, by sex, below the figures. */
	row += 2;
	for (size_t i = 1; i < sizeof rows / sizeof rows[0]; i++, row++) {
		char t[512];
		text(ws, row, 0, pair(b, "n: people behind the figure", rows[i].label, t, sizeof t), b->head);
		for (int s = 0; s <= SEX_COUNT; s++) {
			report_figure(r, rows[i].kind, REPORT_ALL, REPORT_ALL, s == SEX_COUNT ? REPORT_ALL : s, &x);
			count(b, ws, row, (lxw_col_t)(1 + s), x.n);
		}
	}
}

/* The face-to-face figures by sex (docs/reports.md, "Face-to-face training"), as the dashboard shows them. */
static void training_sheet(struct book *b, const struct report *r)
{
	lxw_worksheet *ws = sheet(b, "Face-to-face");
	if (!ws)
		return;
	worksheet_set_column(ws, 0, 0, 40, NULL);
	worksheet_set_column(ws, 1, 6, 14, NULL);
	worksheet_freeze_panes(ws, 1, 1);
	text(ws, 0, 0, T(b, "Measure"), b->head);
	for (int s = 0; s < SEX_COUNT; s++)
		text(ws, 0, (lxw_col_t)(1 + s), T(b, sex_label[s]), b->head);
	text(ws, 0, 5, T(b, "Total"), b->head);
	text(ws, 0, 6, T(b, "Women's share"), b->head);
	static const char *const labels[] = {"Trained (completed online or attended)",
					     "Attended at least one session",
					     "Invited or registered",
					     "Attendance rate",
					     "Training hours (person-hours)",
					     "Satisfaction (1 to 5; at least 5 answers)",
					     "Survey answers"};
	double v = 0;
	for (int m = 0; m < 7; m++) {
		lxw_row_t row = (lxw_row_t)(1 + m);
		text(ws, row, 0, T(b, labels[m]), b->head);
		for (int s = 0; s <= SEX_COUNT; s++) {
			const struct report_training *t =
			    report_training_cell(r, REPORT_ALL, REPORT_ALL, s == SEX_COUNT ? REPORT_ALL : s);
			lxw_col_t col = (lxw_col_t)(1 + s);
			bool ok;
			switch (m) {
			case 0:
				count(b, ws, row, col, t->trained);
				break;
			case 1:
				count(b, ws, row, col, t->attended);
				break;
			case 2:
				count(b, ws, row, col, t->invited);
				break;
			case 3: {
				struct report_fig x;
				report_training_figure(r, REPORT_TFIG_ATTENDANCE_RATE, REPORT_ALL, REPORT_ALL,
						       s == SEX_COUNT ? REPORT_ALL : s, &x);
				figure(ws, row, col, &x, 100, b->pct);
				break;
			}
			case 4:
				plain_figure(ws, row, col, true, (double)t->seconds / 3600.0, 1, 1, b->dec1);
				break;
			case 5:
				ok = report_satisfaction(t, &v);
				plain_figure(ws, row, col, ok, v, 2, 1, b->dec2);
				break;
			default:
				count(b, ws, row, col, t->sat_n);
				break;
			}
		}
		if (m < 2) {
			struct report_fig x;
			report_training_figure(r, m ? REPORT_TFIG_SHARE_ATTENDED : REPORT_TFIG_SHARE_TRAINED,
					       REPORT_ALL, REPORT_ALL, REPORT_ALL, &x);
			figure(ws, row, 6, &x, 100, b->pct);
		}
	}
	/* The n of the attendance rates (people invited or registered) is the row of those invited above. */
	text(ws, 9, 0, T(b, "Parity index of attendance (women attended ÷ invited, over men attended ÷ invited)"),
	     b->head);
	struct report_fig x;
	report_training_figure(r, REPORT_TFIG_ATTENDED_PARITY, REPORT_ALL, REPORT_ALL, REPORT_ALL, &x);
	figure(ws, 9, 1, &x, 1, b->dec2);
	text(ws, 9, 2, "n", b->head);
	count(b, ws, 9, 3, x.n);
}

/* Which breakdown a sheet holds. */
enum { SHEET_ORG = 1, SHEET_COURSE = 2 };

/* The header row of a breakdown sheet; returns the first figure column. */
static lxw_col_t breakdown_head(struct book *b, lxw_worksheet *ws, int kind, bool by_sex)
{
	lxw_col_t col = 0;
	char t[512];
	if (kind & SHEET_ORG) {
		worksheet_set_column(ws, col, col, 12, NULL);
		text(ws, 0, col++, T(b, "Org unit code"), b->head);
		worksheet_set_column(ws, col, col, 32, NULL);
		text(ws, 0, col++, T(b, "Org unit"), b->head);
	}
	if (kind & SHEET_COURSE) {
		worksheet_set_column(ws, col, col, 20, NULL);
		text(ws, 0, col++, T(b, "Course"), b->head);
		worksheet_set_column(ws, col, col, 32, NULL);
		text(ws, 0, col++, T(b, "Course title"), b->head);
	}
	lxw_col_t first = col;
	for (int m = 0; m < 4; m++) {
		if (!by_sex) {
			text(ws, 0, col++, T(b, measure_label[m]), b->head);
			continue;
		}
		for (int s = 0; s <= SEX_COUNT; s++)
			text(ws, 0, col++, pair(b, measure_label[m], sex_label[s], t, sizeof t), b->head);
	}
	text(ws, 0, col++, T(b, "Average final score"), b->head);
	text(ws, 0, col++, T(b, "Average learning gain (final − pretest)"), b->head);
	if (by_sex) {
		for (int s = 0; s < 2; s++)
			text(ws, 0, col++, pair(b, "Completion rate", sex_label[s], t, sizeof t), b->head);
		text(ws, 0, col++, pair(b, "Completion rate", "All", t, sizeof t), b->head);
		text(ws, 0, col++, T(b, "Parity index"), b->head);
	} else {
		text(ws, 0, col++, T(b, "Completion rate"), b->head);
	}
	text(ws, 0, col++, T(b, "n (average final score)"), b->head);
	if (by_sex)
		text(ws, 0, col++, T(b, "n (parity index: the fewer of women and men enrolled)"), b->head);
	worksheet_set_column(ws, first, (lxw_col_t)(col - 1), 14, NULL);
	worksheet_freeze_panes(ws, 1, first);
	worksheet_autofilter(ws, 0, 0, 0, (lxw_col_t)(col - 1));
	return first;
}

/* The figure cells of one group (org slot, course slot) from column col. */
static void breakdown_cells(struct book *b, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const struct report *r,
			    int org, int course, bool by_sex)
{
	for (int m = 0; m < 4; m++) {
		if (!by_sex) {
			count(b, ws, row, col++, measure(report_cell(r, org, course, REPORT_ALL), m));
			continue;
		}
		for (int s = 0; s <= SEX_COUNT; s++)
			count(b, ws, row, col++,
			      measure(report_cell(r, org, course, s == SEX_COUNT ? REPORT_ALL : s), m));
	}
	struct report_fig x, score, parity;
	report_figure(r, REPORT_FIG_AVG_SCORE, org, course, REPORT_ALL, &score);
	figure(ws, row, col++, &score, 1, b->dec1);
	report_figure(r, REPORT_FIG_AVG_GAIN, org, course, REPORT_ALL, &x);
	figure(ws, row, col++, &x, 1, b->dec1);
	if (by_sex) {
		static const int sexes[3] = {SEX_FEMALE, SEX_MALE, REPORT_ALL};
		for (int i = 0; i < 3; i++) {
			report_figure(r, REPORT_FIG_COMPLETION_RATE, org, course, sexes[i], &x);
			figure(ws, row, col++, &x, 100, b->pct);
		}
		report_figure(r, REPORT_FIG_PARITY, org, course, REPORT_ALL, &parity);
		figure(ws, row, col++, &parity, 1, b->dec2);
		count(b, ws, row, col++, score.n);
		count(b, ws, row, col++, parity.n);
	} else {
		report_figure(r, REPORT_FIG_COMPLETION_RATE, org, course, REPORT_ALL, &x);
		figure(ws, row, col++, &x, 100, b->pct);
		count(b, ws, row, col++, score.n);
	}
}

/* The org unit of a row: a child, or (slot nchildren) the people attached to the unit directly. */
static void org_cells(struct book *b, lxw_worksheet *ws, lxw_row_t row, const struct report *r, size_t slot)
{
	const struct report_unit *u = slot < r->nchildren ? &r->children[slot] : &r->org;
	struct report_row x = {.org_name_en = u->name_en, .org_name_km = u->name_km};
	const char *name = report_row_org_name(&x, b->lang);
	text(ws, row, 0, u->code, NULL);
	if (slot < r->nchildren) {
		text(ws, row, 1, name, NULL);
		return;
	}
	char *own = xasprintf("%s (%s)", name ? name : "", T(b, "attached to this unit directly"));
	text(ws, row, 1, own, NULL);
	free(own);
}

static void course_cells(struct book *b, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const struct report *r,
			 size_t c)
{
	text(ws, row, col, r->courses[c], NULL);
	if (b->o->course_titles)
		text(ws, row, (lxw_col_t)(col + 1), b->o->course_titles[c], NULL);
}

static void breakdown_sheet(struct book *b, const struct report *r, int kind, bool by_sex)
{
	const char *name = kind == SHEET_ORG	  ? "By org unit"
			   : kind == SHEET_COURSE ? "By course"
						  : "By org unit and course";
	lxw_worksheet *ws = sheet(b, name);
	if (!ws)
		return;
	lxw_col_t first = breakdown_head(b, ws, kind, by_sex);
	lxw_row_t row = 1;
	size_t norg = kind & SHEET_ORG ? r->nchildren + 1 : 1, ncourse = kind & SHEET_COURSE ? r->ncourses : 1;
	for (size_t o = 0; o < norg; o++)
		for (size_t c = 0; c < ncourse; c++, row++) {
			if (kind & SHEET_ORG)
				org_cells(b, ws, row, r, o);
			if (kind & SHEET_COURSE)
				course_cells(b, ws, row, kind & SHEET_ORG ? 2 : 0, r, c);
			breakdown_cells(b, ws, row, first, r, kind & SHEET_ORG ? (int)o : REPORT_ALL,
					kind & SHEET_COURSE ? (int)c : REPORT_ALL, by_sex);
		}
}

static lxw_format *num_format(lxw_workbook *wb, const char *fmt)
{
	lxw_format *f = workbook_add_format(wb);
	format_set_num_format(f, fmt);
	return f;
}

/* A new workbook at path with its formats and properties. 0, or -1 with a message. */
static int book_open(struct book *b, const struct report_xlsx_opts *o, const char *path, struct err *e)
{
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = (char *)o->tmpdir, .use_zip64 = LXW_FALSE};
	*b = (struct book){.o = o, .lang = o->lang && *o->lang ? o->lang : "en"};
	b->wb = workbook_new_opt(path, &opt);
	if (!b->wb)
		return err_set(e, "cannot write '%s': the workbook could not be created", path);
	b->head = workbook_add_format(b->wb);
	format_set_bold(b->head);
	format_set_text_wrap(b->head);
	format_set_align(b->head, LXW_ALIGN_VERTICAL_TOP);
	b->title = workbook_add_format(b->wb);
	format_set_bold(b->title);
	format_set_font_size(b->title, 14);
	b->date = num_format(b->wb, "yyyy-mm-dd");
	b->stamp = num_format(b->wb, "yyyy-mm-dd hh:mm");
	b->count = num_format(b->wb, "0");
	b->dec1 = num_format(b->wb, "0.0");
	b->dec2 = num_format(b->wb, "0.00");
	b->pct = num_format(b->wb, "0.0%");
	b->pct0 = num_format(b->wb, "0%");
	lxw_doc_properties props = {.title = (char *)T(b, "Sala report"), .company = (char *)"Sala"};
	workbook_set_properties(b->wb, &props);
	return 0;
}

/* Closes the workbook, writing it out. 0, or -1 with a message naming path. */
static int book_close(struct book *b, const char *path, struct err *e)
{
	lxw_error rc = workbook_close(b->wb);
	if (b->failed)
		return err_set(e, "cannot write '%s': a sheet name was refused", path);
	if (rc != LXW_NO_ERROR)
		return err_set(e, "cannot write '%s': %s", path, lxw_strerror(rc));
	return 0;
}

int report_write_xlsx(const struct report *r, unsigned by, const struct report_xlsx_opts *o, const char *path,
		      struct err *e)
{
	struct book b;
	if (book_open(&b, o, path, e) < 0)
		return -1;
	about_sheet(&b, r, by);
	summary_sheet(&b, r);
	if (by & REPORT_BY_ORG)
		breakdown_sheet(&b, r, SHEET_ORG, by & REPORT_BY_SEX);
	if (by & REPORT_BY_COURSE)
		breakdown_sheet(&b, r, SHEET_COURSE, by & REPORT_BY_SEX);
	if ((by & REPORT_BY_ORG) && (by & REPORT_BY_COURSE))
		breakdown_sheet(&b, r, SHEET_ORG | SHEET_COURSE, by & REPORT_BY_SEX);
	training_sheet(&b, r);
	return book_close(&b, path, e);
}

/* The series sheet's headers, in the order of the series CSV's columns (without course_title). */
static const char *const series_head[] = {"Period",
					  "Org unit code",
					  "Org unit",
					  "Course",
					  "Sex",
					  "Enrolled",
					  "Started",
					  "Completed",
					  "Certified",
					  "Average final score",
					  "n (average final score)",
					  "Completion rate",
					  "Parity index",
					  "n (parity index: the fewer of women and men enrolled)"};

/* One row of a series' report: the period, the group, its figures as the CSV has them. */
static void series_row(struct book *b, lxw_worksheet *ws, lxw_row_t row, const struct report *r,
		       const struct report_row *g)
{
	lxw_col_t col = 0;
	/* Text cells: a label such as 2025-01 or a code such as 01 stays as written. */
	worksheet_write_string(ws, row, col++, r->period.label, NULL);
	text(ws, row, col++, g->org_code, NULL);
	text(ws, row, col++, report_row_org_name(g, b->lang), NULL);
	text(ws, row, col++, g->course_id, NULL);
	text(ws, row, col++, T(b, sex_label[g->sex == REPORT_ALL ? SEX_COUNT : g->sex]), NULL);
	for (int m = 0; m < 4; m++)
		count(b, ws, row, col++, measure(g->f, m));
	struct report_fig x;
	report_figure(r, REPORT_FIG_AVG_SCORE, g->org, g->course, g->sex, &x);
	figure(ws, row, col++, &x, 1, b->dec1);
	count(b, ws, row, col++, x.n);
	report_figure(r, REPORT_FIG_COMPLETION_RATE, g->org, g->course, g->sex, &x);
	figure(ws, row, col++, &x, 100, b->pct);
	report_figure(r, REPORT_FIG_PARITY, g->org, g->course, REPORT_ALL, &x);
	figure(ws, row, col++, &x, 1, b->dec2);
	count(b, ws, row, col, x.n);
}

int report_write_series_xlsx(const struct report_series *s, unsigned by, const struct report_xlsx_opts *o,
			     const char *path, struct err *e)
{
	struct book b;
	if (book_open(&b, o, path, e) < 0)
		return -1;
	lxw_worksheet *ws = sheet(&b, "Series");
	if (ws) {
		const lxw_col_t ncols = sizeof series_head / sizeof series_head[0];
		for (lxw_col_t c = 0; c < ncols; c++)
			text(ws, 0, c, T(&b, series_head[c]), b.head);
		worksheet_set_column(ws, 0, 1, 12, NULL);
		worksheet_set_column(ws, 2, 2, 32, NULL);
		worksheet_set_column(ws, 3, 3, 20, NULL);
		worksheet_set_column(ws, 4, (lxw_col_t)(ncols - 1), 14, NULL);
		worksheet_freeze_panes(ws, 1, 1);
		worksheet_autofilter(ws, 0, 0, 0, (lxw_col_t)(ncols - 1));
		lxw_row_t row = 1;
		for (size_t i = 0; i < s->n; i++) {
			struct report_row *rows;
			size_t n = report_rows(&s->reports[i], by, &rows);
			for (size_t k = 0; k < n; k++)
				series_row(&b, ws, row++, &s->reports[i], &rows[k]);
			free(rows);
		}
	}
	return book_close(&b, path, e);
}

/* The participants sheet's headers, in the order of the participants CSV's columns. */
static const char *const participant_head[] = {"Username", "Name",     "Sex",	   "Org unit code", "Org unit",
					       "Position", "Enrolled", "Started",  "Completed",	    "Lessons done",
					       "Lessons",  "Progress", "Pre-test", "Best final",    "Last active"};

/* A whole percentage as the CSV writes it ("%.0f", or done * 100 / total), stored as a fraction. */
static void whole_pct(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, bool has, double v, lxw_format *f)
{
	char t[32];
	if (!has)
		return;
	snprintf(t, sizeof t, "%.0f", v);
	worksheet_write_number(ws, row, col, strtod(t, NULL) / 100.0, f);
}

static void participant_row(struct book *b, lxw_worksheet *ws, lxw_row_t row, const struct participant *p)
{
	static const char *const sexes[] = {"female", "male", "other", "unspecified"};
	static const char *const sex_words[] = {"Female", "Male", "Other", "Unspecified"};
	bool km = strcmp(b->lang, "km") == 0;
	const char *sex = p->sex;
	for (size_t i = 0; i < 4; i++)
		if (strcmp(p->sex, sexes[i]) == 0)
			sex = T(b, sex_words[i]);
	text(ws, row, 0, p->username, NULL);
	text(ws, row, 1, km && p->full_name_km[0] ? p->full_name_km : p->full_name, NULL);
	text(ws, row, 2, sex, NULL);
	text(ws, row, 3, p->org_code, NULL);
	text(ws, row, 4, km && p->org_name_km[0] ? p->org_name_km : p->org_name_en, NULL);
	text(ws, row, 5, p->position, NULL);
	const int64_t days[3] = {p->enrolled_at, p->started_at, p->completed_at};
	for (lxw_col_t c = 0; c < 3; c++)
		if (days[c])
			date_cell(b, ws, row, (lxw_col_t)(6 + c), days[c], false);
	count(b, ws, row, 9, p->done);
	count(b, ws, row, 10, p->total);
	whole_pct(ws, row, 11, true, p->total ? (double)(p->done * 100 / p->total) : 0, b->pct0);
	whole_pct(ws, row, 12, p->has_pretest, p->pretest, b->pct0);
	whole_pct(ws, row, 13, p->has_final, p->best_final, b->pct0);
	if (p->last_active)
		date_cell(b, ws, row, 14, p->last_active, false);
}

int report_write_participants_xlsx(const struct participant *v, size_t n, const struct report_xlsx_opts *o,
				   const char *path, struct err *e)
{
	struct book b;
	if (book_open(&b, o, path, e) < 0)
		return -1;
	lxw_worksheet *ws = sheet(&b, "Participants");
	if (ws) {
		const lxw_col_t ncols = sizeof participant_head / sizeof participant_head[0];
		for (lxw_col_t c = 0; c < ncols; c++)
			text(ws, 0, c, T(&b, participant_head[c]), b.head);
		worksheet_set_column(ws, 0, 0, 16, NULL);
		worksheet_set_column(ws, 1, 1, 28, NULL);
		worksheet_set_column(ws, 2, 3, 12, NULL);
		worksheet_set_column(ws, 4, 5, 28, NULL);
		worksheet_set_column(ws, 6, (lxw_col_t)(ncols - 1), 12, NULL);
		worksheet_freeze_panes(ws, 1, 2);
		worksheet_autofilter(ws, 0, 0, (lxw_row_t)n, (lxw_col_t)(ncols - 1));
		for (size_t i = 0; i < n; i++)
			participant_row(&b, ws, (lxw_row_t)(1 + i), &v[i]);
	}
	return book_close(&b, path, e);
}
