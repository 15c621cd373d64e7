/*
 * The dashboard's face-to-face section: the figures of struct report_training by sex for the unit,
 * course and period of the report, with the definition of "trained" and a link to their CSV.
 */
#include <stdio.h>
#include <string.h>

#include "lib/i18n.h"
#include "lib/util.h"
#include "reports/report.h"
#include "server/h_reports.h"
#include "server/http.h"
#include "server/server.h"
#include "server/views.h"

/* Khmer drafts of the section's text, for review by a native speaker. */
static const struct msg training_msgs[] = {
    {"Face-to-face training", "ការបណ្តុះបណ្តាលផ្ទាល់"},
    {"Satisfaction (1 to 5)", "ការពេញចិត្ត (១ ដល់ ៥)"},
    {"Trained: a person who completed a course online or attended at least one face-to-face session in the "
     "period, counted once. Attendance rate: days present ÷ days marked for the people registered. "
     "Satisfaction: the mean of the survey answers, shown for groups of at least 5 answers.",
     "បានបណ្តុះបណ្តាល៖ បុគ្គលដែលបានបញ្ចប់វគ្គសិក្សាតាមអនឡាញ ឬបានចូលរួមវគ្គផ្ទាល់យ៉ាងហោចណាស់មួយ ក្នុងរយៈពេលនោះ "
     "រាប់តែម្ដង។ អត្រាវត្តមាន៖ ថ្ងៃមានវត្តមាន ÷ ថ្ងៃដែលបានកត់ត្រា សម្រាប់អ្នកដែលបានចុះឈ្មោះ។ ការពេញចិត្ត៖ "
     "មធ្យមភាគនៃចម្លើយការស្ទង់មតិ បង្ហាញសម្រាប់ក្រុមដែលមានចម្លើយយ៉ាងហោចណាស់ ៥។"},
    {"CSV: face-to-face by org unit and sex", "CSV៖ ការបណ្តុះបណ្តាលផ្ទាល់ តាមអង្គភាព និងភេទ"},
    {"XLSX: face-to-face by org unit and sex", "XLSX៖ ការបណ្តុះបណ្តាលផ្ទាល់ តាមអង្គភាព និងភេទ"},
    {"fewer than 5 answers", "តិចជាង ៥ ចម្លើយ"},
};

void reports_training_messages_register(void)
{
	i18n_register(training_msgs, sizeof training_msgs / sizeof training_msgs[0]);
}

/* A figure's cell; its digits in the page's language (Khmer digits on a Khmer page). */
static void cell(struct req *r, struct buf *b, int sex, const char *k, const char *text)
{
	buf_printf(b, "<td class=\"num\" data-f2f=\"%s\" data-sex=\"%s\">", k, report_sex_name(sex));
	buf_html(b, *text ? view_digits(r, text) : "–");
	buf_puts(b, "</td>");
}

/* A figure of the small-group rule: its value, its mark ("n<5") or a dash, with its n beside it. */
static void fig_html(struct req *r, struct buf *b, const struct report_fig *f, bool pct)
{
	char m[40];
	buf_printf(b, "<span class=\"v\"%s>", f->state == REPORT_FIG_FEW ? " data-few=\"1\"" : "");
	if (f->state == REPORT_FIG_SHOWN) {
		snprintf(m, sizeof m, "%s%s", f->text, pct ? "%" : "");
		buf_html(b, view_digits(r, m));
	} else if (f->state == REPORT_FIG_FEW) {
		report_fig_mark(f, m);
		buf_html(b, view_digits(r, m));
	} else {
		buf_puts(b, "–");
	}
	buf_puts(b, "</span>");
	if (f->n) {
		snprintf(m, sizeof m, "n=%lld", (long long)f->n);
		buf_printf(b, " <span class=\"n\">%s</span>", view_digits(r, m));
	}
}

/* One measure by sex and in total, then the women's share of it when that means something. */
static void measure_row(struct req *r, struct buf *b, const struct report *rep, const char *label, const char *k,
			bool share)
{
	buf_puts(b, "<tr><th scope=\"row\">");
	buf_html(b, T(r, label));
	buf_puts(b, "</th>");
	for (int s = 0; s <= SEX_COUNT; s++) {
		int sex = s == SEX_COUNT ? REPORT_ALL : s;
		const struct report_training *t = report_training_cell(rep, REPORT_ALL, REPORT_ALL, sex);
		char text[64] = "";
		double v = 0;
		if (strcmp(k, "trained") == 0)
			snprintf(text, sizeof text, "%lld", (long long)t->trained);
		else if (strcmp(k, "attended") == 0)
			snprintf(text, sizeof text, "%lld", (long long)t->attended);
		else if (strcmp(k, "invited") == 0)
			snprintf(text, sizeof text, "%lld", (long long)t->invited);
		else if (strcmp(k, "attendance_rate") == 0) {
			struct report_fig f;
			report_training_figure(rep, REPORT_TFIG_ATTENDANCE_RATE, REPORT_ALL, REPORT_ALL, sex, &f);
			buf_printf(b, "<td class=\"num\" data-f2f=\"%s\" data-sex=\"%s\" data-n=\"%lld\">", k,
				   report_sex_name(sex), (long long)f.n);
			fig_html(r, b, &f, true);
			buf_puts(b, "</td>");
			continue;
		} else if (strcmp(k, "training_hours") == 0)
			report_fmt1(text, true, (double)t->seconds / 3600.0);
		else if (report_satisfaction(t, &v))
			snprintf(text, sizeof text, "%.2f (n=%lld)", v, (long long)t->sat_n);
		else if (t->sat_n)
			snprintf(text, sizeof text, "%s", T(r, "fewer than 5 answers"));
		cell(r, b, sex, k, text);
	}
	buf_printf(b, "<td class=\"num\" data-f2f=\"%s_share\">", k);
	if (share) {
		struct report_fig f;
		report_training_figure(
		    rep, strcmp(k, "trained") == 0 ? REPORT_TFIG_SHARE_TRAINED : REPORT_TFIG_SHARE_ATTENDED, REPORT_ALL,
		    REPORT_ALL, REPORT_ALL, &f);
		fig_html(r, b, &f, true);
	} else {
		buf_puts(b, "–");
	}
	buf_puts(b, "</td></tr>");
}

void reports_training_section(struct req *r, struct buf *b, const struct report *rep)
{
	buf_printf(b, "<h2>%s</h2><p>", T(r, "Face-to-face training"));
	buf_html(b, T(r, "Trained: a person who completed a course online or attended at least one face-to-face "
			 "session in the period, counted once. Attendance rate: days present ÷ days marked for the "
			 "people registered. Satisfaction: the mean of the survey answers, shown for groups of at "
			 "least 5 answers."));
	buf_printf(b,
		   "</p><div class=\"table-scroll\" tabindex=\"0\" role=\"region\" "
		   "aria-label=\"%s\"><table><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s"
		   "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
		   T(r, "Face-to-face training"), T(r, "Measure"), T(r, "Women"), T(r, "Men"), T(r, "Other"),
		   T(r, "Unspecified"), T(r, "Total"), T(r, "Women's share"));
	measure_row(r, b, rep, "Trained (completed online or attended)", "trained", true);
	measure_row(r, b, rep, "Attended at least one session", "attended", true);
	measure_row(r, b, rep, "Invited or registered", "invited", false);
	measure_row(r, b, rep, "Attendance rate", "attendance_rate", false);
	measure_row(r, b, rep, "Training hours (person-hours)", "training_hours", false);
	measure_row(r, b, rep, "Satisfaction (1 to 5)", "satisfaction", false);
	buf_puts(b, "</tbody></table></div>");
	struct report_fig f;
	report_training_figure(rep, REPORT_TFIG_ATTENDED_PARITY, REPORT_ALL, REPORT_ALL, REPORT_ALL, &f);
	buf_puts(b, "<p>");
	buf_html(b, T(r, "Parity index of attendance (women attended ÷ invited, over men attended ÷ invited)"));
	buf_printf(b, "%s<span data-f2f=\"attended_parity\" data-n=\"%lld\">", view_colon(r), (long long)f.n);
	fig_html(r, b, &f, false);
	buf_puts(b, "</span></p>");
	/* The CSV of these figures, and the workbook (its last sheet holds them) beside it. */
	static const struct {
		const char *ext, *label;
	} links[] = {{"csv", "CSV: face-to-face by org unit and sex"},
		     {"xlsx", "XLSX: face-to-face by org unit and sex"}};
	buf_puts(b, "<ul>");
	for (size_t i = 0; i < 2; i++) {
		buf_printf(b, "<li><a href=\"/reports.%s?part=training&amp;by=org,sex&amp;org=", links[i].ext);
		buf_url(b, rep->org.code);
		if (rep->course) {
			buf_puts(b, "&amp;course=");
			buf_url(b, rep->course);
		}
		if (rep->period.set) {
			char d[11];
			if (rep->period.from != INT64_MIN) {
				date_ymd(rep->period.from, d);
				buf_printf(b, "&amp;from=%s", d);
			}
			if (rep->period.to != INT64_MAX) {
				date_ymd(rep->period.to - 86400, d);
				buf_printf(b, "&amp;to=%s", d);
			}
		} else {
			buf_puts(b, "&amp;period=all");
		}
		buf_printf(b, "\">%s</a></li>", T(r, links[i].label));
	}
	buf_puts(b, "</ul>");
}
