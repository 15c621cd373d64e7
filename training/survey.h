/*
 * Reaction surveys (Kirkpatrick level 1) after a face-to-face session and, optionally, after a course:
 * a few statements answered on a Likert scale (1 strongly disagree .. 5 strongly agree) and a comment.
 * The statements come from the course package (course.yml `survey: FILE`, a Markdown file:
 * docs/package-format.md) or from the built-in site default (English and Khmer).
 *
 * Answers are anonymous: survey_responses keeps the subject, the respondent's sex and org unit, the
 * day (not the time) and the answers, never who answered; survey_done keeps who has answered each
 * subject, so everyone answers once. Results are figures of groups of at least SURVEY_MIN_GROUP
 * respondents (overall and for each sex); a smaller group shows no figure and no comment, and a sex
 * group is hidden too when the other respondents are fewer than SURVEY_MIN_GROUP (its figures and the
 * whole's would give theirs away).
 * Owned by training/ (tables survey_responses, survey_done: lib/schema.c migration 10). Error codes as
 * training/workshops.h.
 */
#ifndef SALA_SURVEY_H
#define SALA_SURVEY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/diag.h"
#include "lib/err.h"

#define SURVEY_MAX_ITEMS 20	/* statements in one survey */
#define SURVEY_ITEM_MAX 300	/* bytes in one statement or the title */
#define SURVEY_COMMENT_MAX 2000 /* bytes in a comment */
#define SURVEY_MIN_GROUP 5	/* fewest respondents whose figures are shown */

/* A survey's statements. Strings owned; survey_def_free(). */
struct survey_def {
	char *title; /* the file's '# ' heading; NULL when none */
	char *items[SURVEY_MAX_ITEMS];
	int nitems;
};

/*
 * Parses a survey file (Markdown: an optional '# ' title, then one list of statements, one item each),
 * with cmark; problems carry file:LINE. Returns the number of problems; free s with survey_def_free()
 * in every case.
 */
int survey_parse(const char *file, const char *data, size_t len, struct survey_def *s, struct problems *pr);
void survey_def_free(struct survey_def *s);
/* The built-in survey in lang ("km", else English) into s (free with survey_def_free()). */
void survey_default(const char *lang, struct survey_def *s);

/* What a survey is about: a workshop (its session survey) or a course (on completion). */
enum survey_kind { SURVEY_WORKSHOP, SURVEY_COURSE };
struct survey_subject {
	enum survey_kind kind;
	int64_t workshop_id;
	char course_id[64];
};
/* The subject's key as stored ("workshop:12", "course:cyber-awareness") into out. */
void survey_subject_key(const struct survey_subject *s, char out[80]);

/*
 * The statements of a subject's survey in lang: the course's `survey:` file (a workshop's course, or
 * the course; the package course_pick_package() picks for lang), else the built-in one. Free out with
 * survey_def_free(). 0, or an error code with a message.
 */
int survey_load(struct db *db, const struct survey_subject *s, const char *lang, struct survey_def *out, struct err *e);

/* A survey waiting for user_id's answer (survey_pending_list()); strings borrowed for the call. */
struct survey_pending {
	struct survey_subject subject;
	const char *title; /* the workshop's or the course's title */
	int64_t ended_at;  /* the end of the workshop's last day, or the course's completion */
};
/*
 * Calls fn for each survey user_id may answer at now, newest first: each workshop where they were
 * marked present at least once, not cancelled, whose last day has ended; each course they completed
 * whose package names a survey and asks for something online (a workshop-only course is surveyed by
 * its sessions). Answered ones are left out. fn's non-zero stops the walk (and is returned).
 */
int survey_pending_list(struct db *db, int64_t user_id, const char *lang, int64_t now,
			int (*fn)(void *ctx, const struct survey_pending *p), void *ctx, struct err *e);
/*
 * Whether user_id may answer s at now: 0; ERR_NOTFOUND when there is no such survey for them (never
 * attended, not ended, not completed, no survey); ERR_CONFLICT when they have answered it.
 */
int survey_check(struct db *db, const struct survey_subject *s, int64_t user_id, int64_t now, struct err *e);

/*
 * Stores user_id's answers to s, anonymously, in its own transaction: answers[i] is 1..5, or 0 for a
 * statement skipped (n must be the survey's number of statements, at most SURVEY_MAX_ITEMS), comment
 * at most SURVEY_COMMENT_MAX bytes of UTF-8 (may be NULL). sex and org_id are the respondent's, kept
 * with the answers for the groups shown. ERR_INVALID for bad answers, and the codes of survey_check().
 */
int survey_submit(struct db *db, const struct survey_subject *s, int64_t user_id, const char *sex, int64_t org_id,
		  const int *answers, int n, const char *comment, int64_t now, struct err *e);

/*
 * Stores user_id's answers to s like survey_submit(), but in the caller's transaction and without
 * survey_check(): for loading many answers known to be due (the demo's past sessions). day is when
 * they were given (only its day is kept). ERR_INVALID for bad answers, ERR_CONFLICT when user_id has
 * answered s already.
 */
int survey_record(struct db *db, const struct survey_subject *s, int64_t user_id, const char *sex, int64_t org_id,
		  const int *answers, int n, const char *comment, int64_t day, struct err *e);

/* The sexes results are split by, in order: female, male, other, unspecified. */
#define SURVEY_SEXES 4
extern const char *const survey_sexes[SURVEY_SEXES];

/* The figures of one group of respondents; only when shown (n >= SURVEY_MIN_GROUP). */
struct survey_group {
	int n;
	bool shown;
	double item_mean[SURVEY_MAX_ITEMS]; /* mean answer (1..5) of each statement; item_n answers */
	int item_n[SURVEY_MAX_ITEMS];
	double score_mean; /* mean of the responses' scores (each the mean of its answers); score_n of them */
	int score_n;
};
/* A subject's results (survey_results_get()). Free with survey_results_free(). */
struct survey_results {
	struct survey_group all, by_sex[SURVEY_SEXES];
	int nitems;	 /* statements answered (the longest response) */
	char **comments; /* non-empty comments, newest first: only when all.shown */
	size_t ncomments;
};
/*
 * Results of s over the responses of respondents in org subtree org_path ("/1/5/"; NULL: everyone).
 * 0, or an error code with a message.
 */
int survey_results_get(struct db *db, const struct survey_subject *s, const char *org_path, struct survey_results *out,
		       struct err *e);
void survey_results_free(struct survey_results *r);

#endif
