/*
 * The report as an XLSX workbook, for spreadsheets: the same figures as the
 * dashboard, the CSV and the JSON (report_run() computes them; this only lays
 * them out), with typed cells.
 *
 * Sheets, named and headed in the reader's language:
 *   1. About: the unit, course, period (dates as date cells), grouping, when it
 *      was made, and how the figures are counted (the dashboard's definitions);
 *   2. Summary: the dashboard's summary table, measures by sex with totals,
 *      women's share, completion rates, average score and gain, parity index;
 *   3. one sheet per breakdown asked for in `by`: by org unit (the unit's
 *      children, then the people attached to it directly), by course, and with
 *      both, by org unit and course too. Grouped by sex, each figure has a
 *      column per sex and one for all; otherwise the totals only.
 * Codes (org units, courses) are text cells, so "01" and "0012" keep their
 * zeros; counts are numbers; scores and rates are numbers holding the value the
 * screen shows (report_fmt1/report_fmt2, so the same rounding), rates as
 * fractions with a percent format; an undefined figure is an empty cell. Text
 * is never a formula, so a name such as "=HYPERLINK(...)" stays text.
 *
 * The workbook is written in libxlsxwriter's constant_memory mode: each row
 * goes to a temporary file as it is written, so memory does not grow with the
 * size of the report.
 */
#ifndef SALA_REPORTS_XLSX_H
#define SALA_REPORTS_XLSX_H
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/i18n.h"
#include "reports/report.h"

struct report_xlsx_opts {
	const char *lang;		  /* "en" or "km": headers, sheet names, org names (report_row_org_name) */
	const char *const *course_titles; /* titles of r->courses in lang, index for index; NULL: ids only */
	int64_t made_at;		  /* when the report was made (seconds, UTC), shown on the first sheet */
	const char *tmpdir;		  /* where libxlsxwriter keeps its temporary files; NULL: the system's */
};

/*
 * Writes the report, grouped by `by` (REPORT_BY_* bits), to a new workbook at
 * path (created or truncated). 0, or ERR_FAIL with a message naming the path.
 * The Khmer texts come from the reports' message table (reports/msgs.h): call
 * report_messages_register() once at start-up.
 */
int report_write_xlsx(const struct report *r, unsigned by, const struct report_xlsx_opts *o, const char *path,
		      struct err *e);

/*
 * Writes a series (report_series_run()) to a new workbook at path: one sheet, "Series", with the rows
 * of report_write_series_csv() (grouped by `by`), each under its period's label (2025-01, 2025-Q1,
 * 2025-S1) as text; codes are text, counts and figures numbers (rates as fractions with a percent
 * format, as above), a figure withheld by the small-group rule its mark ("n<5"), an undefined one an
 * empty cell; headers, sex and org names in o->lang (o->course_titles is not used: the course column
 * holds its id). 0, or ERR_FAIL with a message naming the path.
 */
int report_write_series_xlsx(const struct report_series *s, unsigned by, const struct report_xlsx_opts *o,
			     const char *path, struct err *e);

/*
 * A course's participants (course_participants(), filtered by the caller) as a workbook at path: one sheet,
 * "Participants", with the columns of the participants CSV in the same order, headed in o->lang: username,
 * name (Khmer when o->lang is "km" and the person has one), sex (in o->lang), org unit code (text), org
 * unit, position, enrolled, started and completed (date cells, empty when not reached), lessons done,
 * lessons, progress, pre-test and best final (percent cells holding the CSV's whole percentages as
 * fractions, empty when none), last active (a date cell). o->course_titles is not used. 0, or ERR_FAIL with
 * a message naming the path.
 */
struct participant;
int report_write_participants_xlsx(const struct participant *v, size_t n, const struct report_xlsx_opts *o,
				   const char *path, struct err *e);

/* Registers the Khmer texts of the workbook: report_messages_register() (reports/msgs.h). */
void report_xlsx_messages_register(void);

/*
 * A valid sheet name made from name into out: Excel refuses []:*?/\ (each
 * becomes '_'), a leading or trailing apostrophe, and more than 31 characters
 * (UTF-16 units). A longer name is cut where a character cluster starts (never
 * before a combining mark such as a Khmer vowel sign, nor after a coeng), so
 * no cluster is left broken. Empty: "Sheet".
 */
void report_xlsx_sheet_name(const char *name, char out[128]);

#endif
