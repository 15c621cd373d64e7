/*
 * Gender-disaggregated learning reports: who enrolled, started, completed
 * and was certified, by sex, org unit and course, over a period.
 *
 * One query function, report_run(), reads the database once (through the
 * owners' published views, docs/architecture.md) and fills a cube of
 * figures (org slot x course slot x sex); report_rows() picks the rows of a
 * grouping from it, and three writers print those rows as CSV, JSON or a
 * text table. The dashboard, the exports and `sala report` all go
 * through these, so the screen and the files always agree.
 * Definitions (see docs/reports.md):
 *   - counts are of distinct learners;
 *   - with a period, a learner counts as enrolled / started / completed when
 *     enrolments.enrolled_at / started_at / completed_at falls inside it, and
 *     as certified when they hold a current certificate for the course and the
 *     first one issued (revoked ones left out; a re-issue keeps the first
 *     date) was issued inside it;
 *   - a unit's figures include every unit below it (users.org_id at the time
 *     of the report);
 *   - avg_score is the mean of enrolments.best_final over the completions
 *     counted (one per learner and course); avg_gain the mean of
 *     best_final - pretest over those of them with a pretest.
 */
#ifndef SALA_REPORT_H
#define SALA_REPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/buf.h"
#include "lib/err.h"

/* Error codes of report_run besides ERR_FAIL (bad input, message set): shared codes of lib/err.h. */
#define REPORT_ENOENT ERR_NOTFOUND	/* unknown org unit or course */
#define REPORT_EFORBIDDEN ERR_FORBIDDEN /* org unit outside the caller's scope */
#define REPORT_EDB ERR_UNAVAILABLE	/* reading the database failed: no report rather than a short one */

/* Grouping dimensions, for report_rows() and the writers. */
enum { REPORT_BY_SEX = 1, REPORT_BY_ORG = 2, REPORT_BY_COURSE = 4 };
/*
 * "language" in a grouping: one report per learners' language (report_run_languages()), written with a first
 * column language by report_write_languages_csv() and friends. report_rows() and the single-report writers
 * ignore it.
 */
#define REPORT_BY_LANGUAGE 8u
/* The learners' languages, in report order: "km", "en" (i in 0..REPORT_LANGUAGES-1). */
#define REPORT_LANGUAGES 2
const char *report_language_name(int i);

/* The four sex categories of users.sex, in report order; REPORT_ALL (-1) is their total. */
enum report_sex { SEX_FEMALE, SEX_MALE, SEX_OTHER, SEX_UNSPECIFIED, SEX_COUNT };
#define REPORT_ALL (-1)
/* "female", "male", "other", "unspecified"; "all" for REPORT_ALL. */
const char *report_sex_name(int sex);

#define REPORT_SCORE_UNIT 10000.0
struct report_figures {
	int64_t enrolled, started, completed, certified;
	/*
	 * The sums are of whole ten-thousandths of a point (REPORT_SCORE_UNIT), integers held exactly in a
	 * double: the same totals in any order of rows, so both engines, which return rows in their own
	 * order, give the same averages to the last digit.
	 */
	int64_t score_n; /* completions with a final score */
	double score_sum;
	int64_t gain_n; /* of those, completions with a pretest */
	double gain_sum;
};

/* A period [from, to) in seconds; set == false means all time. */
struct report_period {
	bool set;
	int64_t from, to;
	char label[32]; /* "2025-Q1", "2025-S2", "2025", "2025-01-01..2025-03-31" or "all" */
};

/*
 * Parses the period parameters shared by the dashboard, the exports and the
 * CLI: period is "all", "YYYY", "YYYY-Qn" or "YYYY-Sn"; from / to are
 * YYYY-MM-DD days (UTC), to inclusive of its whole day. A non-empty from or to
 * wins over period. Everything NULL or empty gives all time.
 */
int report_period_parse(const char *period, const char *from, const char *to, struct report_period *p, struct err *e);
/* The quarter containing t, as a period. */
void report_period_quarter(int64_t t, struct report_period *p);
/* Whether s names a learners' language a report can be restricted to: "km", "en" (or NULL: all). */
bool report_language_valid(const char *s);
/*
 * Parses "sex,org,course,language" (any order, any subset, "" or "none" for totals) into REPORT_BY_* bits
 * (language: REPORT_BY_LANGUAGE).
 */
int report_by_parse(const char *s, unsigned *by, struct err *e);

struct report_query {
	int64_t scope_id;   /* the caller's scope root (org_units.id); -1 = the whole tree */
	const char *org;    /* code of the unit reported on; NULL = the scope root, or the national root */
	const char *course; /* course id, or NULL for all courses */
	/*
	 * The learners' reading language, "km" or "en" (users.lang, today's), or NULL for every language: the
	 * figures of the learners who read Sala in it (docs/reports.md "Language").
	 */
	const char *language;
	struct report_period period;
};

struct report_unit {
	int64_t id;
	char *code, *name_en, *name_km, *level;
};

/*
 * Face-to-face training (training/, through the published views report_attendance, report_invitations and
 * report_survey), per cell like report_figures. A person counts in the period of the session day
 * (workshop_days.starts_at) or, for invitations, of the session's first day; for surveys, of the answer.
 *   - attended: distinct people marked present at least once;
 *   - invited: distinct people on a session's list (invited or registered, waiting list included; cancelled
 *     places left out);
 *   - marked, present: the attendance marks (present, absent, excused) of people registered for the
 *     session, and those of them present: attendance rate = present / marked;
 *   - seconds: training time, the sum over present marks of the day's ends_at - starts_at (person-hours
 *     = seconds / 3600);
 *   - sat_n, sat_sum: survey answers with a score (1..5) and the sum of their scores in ten-thousandths
 *     (REPORT_SCORE_UNIT), by the sex and unit the answer carries; the mean is shown for REPORT_SAT_MIN
 *     answers or more;
 *   - trained: distinct people who completed a course online or attended a session, each counted once.
 * Sessions with no course count under all courses only.
 */
#define REPORT_SAT_MIN 5
struct report_training {
	int64_t trained, attended, invited, marked, present, seconds, sat_n;
	double sat_sum;
};

struct report {
	struct report_unit org;	      /* the unit reported on */
	struct report_unit *children; /* its direct children, by code */
	size_t nchildren;
	char **courses; /* the courses reported on, by id (one when a course was asked for) */
	size_t ncourses;
	char *course;	/* the course asked for, or NULL */
	char *language; /* the learners' language asked for ("km", "en"), or NULL: all */
	struct report_period period;
	struct report_figures *cells;	  /* private: use report_cell() */
	struct report_training *training; /* private: use report_training_cell() */
	/* The small-group rule in force (settings report_min_group, report_min_parity_group): report_figure(). */
	int min_group, min_parity_group;
};

/*
 * Runs the report in one read transaction. 0, or -1 (bad input),
 * REPORT_ENOENT, REPORT_EFORBIDDEN or REPORT_EDB with a message. The result is
 * freed by report_free(), also after failure.
 */
int report_run(struct db *db, const struct report_query *q, struct report *out, struct err *e);
/*
 * The same report computed from the rows (the enrolments and certificates of the subtree), as report_run()
 * does for a period the aggregates do not hold: the reference the aggregates are checked against.
 */
int report_run_scan(struct db *db, const struct report_query *q, struct report *out, struct err *e);
void report_free(struct report *r);
/*
 * The report of q once per learners' language (out[i] for report_language_name(i)), in one read
 * transaction; q->language must be NULL. As report_run(); free every out[i] with report_free(), also
 * after failure.
 */
int report_run_languages(struct db *db, const struct report_query *q, struct report out[REPORT_LANGUAGES],
			 struct err *e);
/*
 * The ids of the courses reports list (report_courses: never a course that exists only as a draft),
 * sorted, into *ids (caller frees each and the array) and *n. 0, or REPORT_EDB.
 */
int report_course_ids(struct db *db, char ***ids, size_t *n, struct err *e);

/*
 * Whether report_run() reads the aggregates for period p: all time, or exactly one calendar month,
 * quarter, semester or year. Then key gets the period key of report_agg_all and [*from_m, *to_m) the
 * months (YYYYMM) of report_agg.
 */
bool report_period_key(const struct report_period *p, char key[16], int *from_m, int *to_m);

/*
 * Checks the aggregates: runs the query from the aggregates and from the rows (report_run_scan) in one
 * snapshot and compares every figure of every cell. *ndiff gets the number of figures that differ, each
 * described by one line appended to out. 0, or a report_run error.
 */
int report_verify(struct db *db, const struct report_query *q, struct buf *out, int64_t *ndiff, struct err *e);
/*
 * report_verify() over many reports: q's unit for every period the aggregates hold (all_periods) or q's
 * period, or (q->org NULL) every unit with children for q's period. Without a unit and a period
 * (q->org NULL, all_periods) a sample: the national root for all time and the latest year, semester,
 * quarter and month held, up to 12 units with children spread over the tree, and the root for all time
 * under each learners' language (report_verify_rows() checks every aggregate row). *nreports gets the number of reports
 * compared.
 */
int report_verify_all(struct db *db, const struct report_query *q, bool all_periods, struct buf *out, int64_t *ndiff,
		      int *nreports, struct err *e);
/*
 * Checks every stored aggregate row: computes what each enrolment adds (its fact) from the published views
 * in one pass, sums the facts in memory by period key, unit, course and sex, and compares the sums with the
 * rows of report_agg and report_agg_all, a row the rows do not give counting as zeros. *ndiff gets the
 * figures that differ, the first 50 described by one line each in out; *nrows the rows compared. One read
 * transaction. 0, or REPORT_EDB.
 */
int report_verify_rows(struct db *db, struct buf *out, int64_t *ndiff, int64_t *nrows, struct err *e);
/*
 * Bulk loads (sala demo): report_agg_pause() stops the aggregates' triggers inside the caller's
 * transaction; report_agg_rebuild() builds every aggregate again from the rows and starts them again.
 * 0 or REPORT_EDB.
 */
int report_agg_pause(struct db *db, struct err *e);
int report_agg_rebuild(struct db *db, struct err *e);
/* A deep copy of a finished report (to is overwritten; free it with report_free()). */
void report_copy(struct report *to, const struct report *from);

/*
 * The figures of one cell. org: 0..nchildren-1 a child unit (with everything
 * below it), nchildren the people attached to the unit itself, REPORT_ALL the
 * whole unit. course: an index into courses or REPORT_ALL (distinct learners
 * over all courses). sex: an enum report_sex or REPORT_ALL.
 */
const struct report_figures *report_cell(const struct report *r, int org, int course, int sex);

/* The face-to-face figures of one cell (coordinates as report_cell()). */
const struct report_training *report_training_cell(const struct report *r, int org, int course, int sex);
/* Attendance rate in percent (present / marked * 100). */
bool report_attendance_rate(const struct report_training *t, double *out);
/* Mean satisfaction (1..5), defined for at least REPORT_SAT_MIN answers. */
bool report_satisfaction(const struct report_training *t, double *out);
/* Parity index of attendance: (women attended / women invited) / (men attended / men invited). */
bool report_attended_parity(const struct report_training *female, const struct report_training *male, double *out);

/* Derived figures: each returns false when undefined (nothing to divide by). */
bool report_avg_score(const struct report_figures *f, double *out);
bool report_avg_gain(const struct report_figures *f, double *out);
/* Completion rate completed / enrolled. */
bool report_completion_rate(const struct report_figures *f, double *out);
/* Women's share of a count, in percent: female / total * 100. */
bool report_female_share(int64_t female, int64_t total, double *out);
/* Gender parity index: female completion rate / male completion rate. */
bool report_parity(const struct report_figures *female, const struct report_figures *male, double *out);

/*
 * The small-group rule (docs/reports.md). A derived figure (an average, a rate, a
 * share, the parity index) rests on n people; below the report's minimum it is
 * withheld (REPORT_FIG_FEW) and every output marks it the same way, never printing
 * the value. Defaults of the settings report_min_group and report_min_parity_group.
 */
#define REPORT_MIN_GROUP 5	   /* averages, rates, shares: people the figure is about */
#define REPORT_MIN_PARITY_GROUP 10 /* parity index: women enrolled and men enrolled, each */

enum report_fig_kind {
	REPORT_FIG_AVG_SCORE,	    /* n = completions with a final score */
	REPORT_FIG_AVG_GAIN,	    /* n = completions with a pretest */
	REPORT_FIG_COMPLETION_RATE, /* n = enrolled */
	REPORT_FIG_PARITY,	    /* n = the smaller of women and men enrolled */
};
enum report_fig_state {
	REPORT_FIG_SHOWN,
	REPORT_FIG_UNDEFINED, /* nothing to divide by */
	REPORT_FIG_FEW,	      /* too few people: withheld and marked */
};
/* A derived figure with its n and whether it may be shown. */
struct report_fig {
	enum report_fig_state state;
	double v;      /* the value (a rate as a percentage), when state is REPORT_FIG_SHOWN */
	int64_t n;     /* the people it rests on */
	int min;       /* the minimum that applied */
	char text[32]; /* its fixed text form (report_fmt1/report_fmt2), "" unless shown */
};

/*
 * The one function that decides whether a figure is shown: the figure of kind for
 * the cell (org, course, sex) of r (for REPORT_FIG_PARITY sex is ignored: women
 * against men of the cell). Every writer and the dashboard print only this.
 */
void report_figure(const struct report *r, enum report_fig_kind kind, int org, int course, int sex,
		   struct report_fig *out);
/* Women's share of count m (0 enrolled, 1 started, 2 completed, 3 certified) in a cell, under the same rule. */
void report_figure_share(const struct report *r, int m, int org, int course, struct report_fig *out);
/*
 * The face-to-face figures under the same rule (docs/reports.md "Face-to-face training"), decided here for every
 * output: the attendance rate of a cell (n = people invited or registered, report_min_group), women's share of
 * trained or of attended (n = everyone counted, report_min_group; sex ignored) and the parity index of attendance
 * (n = the fewer of women and men invited, report_min_parity_group; sex ignored).
 */
enum report_tfig_kind {
	REPORT_TFIG_ATTENDANCE_RATE,
	REPORT_TFIG_SHARE_TRAINED,
	REPORT_TFIG_SHARE_ATTENDED,
	REPORT_TFIG_ATTENDED_PARITY,
};
void report_training_figure(const struct report *r, enum report_tfig_kind kind, int org, int course, int sex,
			    struct report_fig *out);
/* The mark of a withheld figure, the same in every output: "n<5". */
void report_fig_mark(const struct report_fig *f, char out[32]);

/*
 * The fixed text forms used by every output, so screen and files agree:
 * scores and gains with one decimal ("71.5"), shares in percent with one
 * decimal ("52.3"), the parity index with two ("0.87"); "" when undefined.
 */
void report_fmt1(char out[32], bool ok, double v);
void report_fmt2(char out[32], bool ok, double v);

/* One output row: borrowed from the report, valid until report_free(). */
struct report_row {
	int org, course, sex; /* cell coordinates, as for report_cell() */
	const char *org_code, *org_name_en, *org_name_km, *course_id, *sex_name;
	const struct report_figures *f;
};

/*
 * The rows of grouping `by`, in a fixed order (org, then course, then sex).
 * A dimension not grouped by holds its total marker: org_code = the unit
 * reported on, course_id = the course asked for or "" (all), sex "all".
 * Grouped by org, the rows are the unit's children, then a row with the
 * unit's own code for the people attached to it directly.
 * Returns the count; *rows is malloc'd, caller frees.
 */
size_t report_rows(const struct report *r, unsigned by, struct report_row **rows);

/* The org name of a row in lang ("km" gives the Khmer name when there is one). */
const char *report_row_org_name(const struct report_row *row, const char *lang);

/*
 * Writers. CSV: a UTF-8 byte-order mark, the header
 * org_code,org_name,course_id,sex,enrolled,started,completed,certified,avg_score,
 * avg_score_n,completion_rate,parity_index,parity_n,course_title
 * and one CRLF-ended row per group; text cells pass through csv_put_field();
 * titles[i] is the title of r->courses[i] (NULL: the ids). A figure withheld by
 * the small-group rule is its mark ("n<5") in every output; null in JSON, with
 * the mark under "withheld".
 * JSON: the query, the rows (with avg_gain and gain_n too) and a summary by
 * sex with female shares, parity index and learning gain, each with its n.
 * Table: aligned plain text for a terminal.
 */
void report_write_csv(const struct report *r, unsigned by, const char *lang, const char *const *titles, struct buf *b);
void report_write_json(const struct report *r, unsigned by, const char *lang, struct buf *b);
void report_write_table(const struct report *r, unsigned by, const char *lang, struct buf *b);
/*
 * The face-to-face figures (struct report_training) of the same rows. CSV: a byte-order mark, the header
 * org_code,org_name,course_id,sex,trained,attended,invited,attendance_rate,training_hours,satisfaction,
 * satisfaction_n (attendance rate in percent, one decimal; hours one decimal; satisfaction two decimals,
 * empty under REPORT_SAT_MIN answers). Table: the same columns as plain text. report_write_json() carries
 * them too, under "training".
 */
void report_write_training_csv(const struct report *r, unsigned by, const char *lang, struct buf *b);
void report_write_training_table(const struct report *r, unsigned by, const char *lang, struct buf *b);

/*
 * The reports of report_run_languages(). CSV: report_write_csv()'s columns after a first column language
 * (km, en), the rows of each language in turn. JSON: {"by_language": [one report_write_json() object per
 * language, each with its "language"]}. Table: each language's table under its name.
 */
void report_write_languages_csv(const struct report *rs, unsigned by, const char *lang, const char *const *titles,
				struct buf *b);
void report_write_languages_json(const struct report *rs, unsigned by, const char *lang, struct buf *b);
void report_write_languages_table(const struct report *rs, unsigned by, const char *lang, struct buf *b);

/*
 * Series: the same report for consecutive calendar months, quarters or semesters (series "month",
 * "quarter", "semester"), each read from the aggregates, all in one read transaction. from / to are
 * YYYY-MM-DD days: the series runs from the period containing from to the one containing to; with
 * neither, the last 12 months, 4 quarters or 4 semesters up to the one containing now; with only one,
 * as many periods from it or up to it. At most REPORT_SERIES_MAX periods.
 */
#define REPORT_SERIES_MAX 240
struct report_series {
	char name[16];		/* "month", "quarter" or "semester" */
	size_t n;		/* periods */
	struct report *reports; /* one per period, oldest first */
};
/* Parses series, from and to into the periods (malloc'd, caller frees). 0, or -1 with a message. */
int report_series_periods(const char *series, const char *from, const char *to, int64_t now,
			  struct report_period **periods, size_t *n, struct err *e);
/* Runs q for every period of the series. As report_run(); free out with report_series_free(), also after failure. */
int report_series_run(struct db *db, const struct report_query *q, const char *series, const char *from, const char *to,
		      int64_t now, struct report_series *out, struct err *e);
void report_series_free(struct report_series *s);
/*
 * Series writers. CSV: report_write_csv()'s columns after a first column period (the period's label:
 * 2025-01, 2025-Q1, 2025-S1), the rows of each period in turn. JSON: {"series": NAME, "periods": [one
 * report_write_json() object per period]}. Table: each period's table under its label.
 */
void report_write_series_csv(const struct report_series *s, unsigned by, const char *lang, struct buf *b);
void report_write_series_json(const struct report_series *s, unsigned by, const char *lang, struct buf *b);
void report_write_series_table(const struct report_series *s, unsigned by, const char *lang, struct buf *b);

#endif
