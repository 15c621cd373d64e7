/*
 * Quiz attempts: start or resume, save, submit, list. Grading happens here,
 * on the server only; nothing a learner is sent before submitting says which
 * answer is right (see attempt_write_json()).
 *
 * A quiz is named by its course, the item path in the package
 * ("quizzes/final.md") and a language: the active package of the course in
 * that language is used (falling back to another active language that has the
 * quiz). The quiz text is read from the package's files at each call.
 *
 * Answers arrive as key/value pairs named like the HTML form of an attempt
 * (k is the question's position in the attempt, from 0; option and pair
 * numbers are those of struct attempt_item, i.e. of the quiz source):
 *   single choice, true/false:   qK = OPTION
 *   multiple response:           qK_OPTION = 1           (one key per ticked option)
 *   short answer, numeric:       qK = TEXT
 *   essay:                       qK = TEXT               (kept as written, at most ATTEMPT_ESSAY_MAX bytes)
 *   matching:                    qK_PAIR = CHOICE         (a pair index from item.choices; "" = none)
 * The JSON API can map {"q0":"2","q1_0":"1"} straight onto these keys.
 *
 * Return codes: 0 on success, else a shared code of lib/err.h (named by enum attempt_error) with a
 * message in e.
 */
#ifndef SALA_ATTEMPT_H
#define SALA_ATTEMPT_H
#include <stdbool.h>
#include <stdint.h>
#include "lib/audit.h"
#include "lib/db.h"

#include "assessment/grade.h"
#include "assessment/quiz.h"
#include "lib/buf.h"
#include "lib/err.h"

/* What each shared code of lib/err.h means here. */
enum attempt_error {
	ATTEMPT_EFAIL = ERR_FAIL,	  /* database or internal failure */
	ATTEMPT_ENOTFOUND = ERR_NOTFOUND, /* no such quiz or attempt, or not the caller's */
	ATTEMPT_ELIMIT = ERR_LIMIT,	  /* no attempts left */
	ATTEMPT_EBADANSWER = ERR_INVALID, /* an answer names an option not in the question */
	ATTEMPT_ECLOSED = ERR_CONFLICT,	  /* saving into a submitted or timed-out attempt */
	ATTEMPT_EQUIZ = ERR_FAIL,	  /* the quiz source does not parse or has no questions */
	ATTEMPT_ETOOLONG = ERR_LIMIT,	  /* saving or submitting: an essay over ATTEMPT_ESSAY_MAX */
};

/* Seconds after the deadline during which answers still count (network delay). */
#define ATTEMPT_GRACE_S 30

/* The longest essay answer: ATTEMPT_ESSAY_CHARS characters (the form's maxlength), at most ATTEMPT_ESSAY_MAX bytes. */
#define ATTEMPT_ESSAY_CHARS 20000
#define ATTEMPT_ESSAY_MAX (3 * ATTEMPT_ESSAY_CHARS)
/* The longest comment of a trainer on an essay, in bytes. */
#define ATTEMPT_COMMENT_MAX 4000

/* A trainer's grade of one essay of a submitted attempt (the last grade given counts). */
struct essay_grade {
	bool graded;
	double points;	   /* 0..question.points */
	char *comment;	   /* "" when none */
	int64_t graded_by; /* users.id of the trainer */
	int64_t graded_at;
};

/* One question as laid out in an attempt. */
struct attempt_item {
	int question; /* index into quiz.questions */
	/* Single/multi/true-false: option indices in display order. Matching: the
	 * left-hand pairs in display order. Otherwise empty. */
	int *order;
	int norder;
	/* Matching only: the right-hand choices in display order, each the index of
	 * the first pair with that right-hand text (duplicates shown once). */
	int *choices;
	int nchoices;
};

struct attempt {
	int64_t id, user_id, package_id;
	char *course_id, *item_path, *language; /* language of the package */
	enum quiz_kind kind;
	int64_t seed;
	int64_t started_at;
	int64_t deadline_at;  /* 0 = no time limit */
	int64_t submitted_at; /* 0 = still open */
	int pass_mark;	      /* effective: quiz file, else package, else 70 */
	struct quiz quiz;     /* parsed source: holds the right answers, never send as-is */
	struct attempt_item *items;
	int nitems;
	struct answer *answers; /* nitems entries: saved or submitted answers */
	double score;		/* percent 0..100 once submitted, else -1; while essays await grading, the
				 * automatic part with those essays at 0 */
	bool passed;		/* false while essays await grading */
	bool late;		/* submitted after deadline + grace: answers sent then were ignored */
	double *item_scores;	/* nitems entries in 0..1 once submitted, else NULL */
	/* Answered essays awaiting a trainer's grade: the attempt is final (passed or not, completion, the
	 * enrolment's scores) only at 0. An essay left blank scores 0 and awaits nothing. */
	int pending;
	struct essay_grade *grades; /* nitems entries once submitted (set for essays only), else NULL */
};

/* A learner's standing on one quiz, for the quiz intro page. */
struct quiz_status {
	int64_t package_id;
	char *title; /* quiz title (front matter, else item title) */
	enum quiz_kind kind;
	int pass_mark;
	int attempts_allowed; /* 0 = unlimited */
	int attempts_used;    /* submitted attempts */
	int nquestions;	      /* questions asked per attempt */
	int minutes;	      /* 0 = no time limit */
	int64_t open_attempt; /* id of the open attempt, or 0 */
	double best;	      /* best score in percent, or -1 when none submitted */
	bool passed;	      /* some attempt passed */
};

/* One attempt in a list (attempt_list). */
struct attempt_summary {
	int64_t id, started_at, submitted_at; /* submitted_at 0 = open */
	double score;			      /* -1 when open */
	bool passed, late;
	int pending; /* essays awaiting grading */
};

/* Looks up the quiz and the user's attempts; ATTEMPT_ENOTFOUND when the course has no such quiz. */
int attempt_quiz_status(struct db *db, int64_t user_id, const char *course_id, const char *item_path, const char *lang,
			struct quiz_status *st, struct err *e);
void quiz_status_release(struct quiz_status *st);

/*
 * Returns the learner's open attempt on the quiz, or starts a new one (layout
 * drawn and shuffled with a fresh seed, deadline set). Enrols the learner
 * (source 'self') if needed and sets enrolments.started_at once. Open attempts
 * past their deadline are closed first. ATTEMPT_ELIMIT when none are left.
 */
int attempt_start(struct db *db, int64_t user_id, const char *course_id, const char *item_path, const char *lang,
		  int64_t *attempt_id, struct err *e);

/*
 * Loads attempt id for user_id (ATTEMPT_ENOTFOUND when absent or someone
 * else's) with its quiz, layout and answers. An open attempt past its
 * deadline + grace is submitted here with its saved answers (marked late).
 * Release with attempt_release().
 */
int attempt_load(struct db *db, int64_t attempt_id, int64_t user_id, struct attempt *a, struct err *e);
void attempt_release(struct attempt *a);

/* Looks up a key of the learner's answers (form field or JSON member); NULL when absent. Borrowed. */
typedef const char *(*answer_get_fn)(void *ctx, const char *key);

/*
 * True when key names a question (and option or pair) of this attempt, in
 * the form described above. Handlers that can list every key they received
 * (an HTML form) check each one, so a tampered extra field is refused too.
 */
bool attempt_key_valid(const struct attempt *a, const char *key);

/*
 * Saves answers into an open attempt without submitting (a weak connection
 * loses nothing). The keys looked up through get are the complete answer set,
 * as a form posts it: a question with no key becomes unanswered.
 * ATTEMPT_EBADANSWER (message names the key) for a value naming no option or
 * choice of the question, or text that is not UTF-8 or over 1000 bytes (an essay: ATTEMPT_ETOOLONG over
 * ATTEMPT_ESSAY_MAX);
 * ATTEMPT_ECLOSED when submitted or past the deadline (it is then closed as late).
 */
int attempt_save(struct db *db, struct attempt *a, answer_get_fn get, void *ctx, struct err *e);

/*
 * Submits: takes the answers from get (NULL: the saved ones), grades on the
 * server, records per-question results, updates the enrolment (best final
 * score, first pretest score) and completion, all in one durable transaction.
 * Submitting again returns the stored result (0) and changes nothing. After
 * the deadline + grace the new answers are ignored (those saved in time
 * count) and the attempt is marked late. On return a->score, passed,
 * item_scores are set.
 */
int attempt_submit(struct db *db, struct attempt *a, answer_get_fn get, void *ctx, struct err *e);

/*
 * Essay grading. Trainers see the submitted attempts of a course that have essays awaiting a grade
 * (attempt_grading_queue), open one (attempt_load_graded), and grade each essay (attempt_grade_essay).
 */
struct grading_entry {
	int64_t attempt_id, user_id, submitted_at;
	char *item_path;
	int pending; /* essays of it awaiting a grade; 0 for a graded attempt */
};
/*
 * The submitted attempts of course_id with essays: those awaiting a grade (oldest first), then, when
 * graded_too, up to 100 graded ones (newest first), so a grade can be corrected. *out is caller-freed
 * with grading_entries_free().
 */
int attempt_grading_queue(struct db *db, const char *course_id, bool graded_too, struct grading_entry **out, int *n,
			  struct err *e);
void grading_entries_free(struct grading_entry *v, int n);
/* Loads a submitted attempt of any learner in course_id (NULL: any course) for grading; ATTEMPT_ENOTFOUND when
 * it is not one. Release with attempt_release(). */
int attempt_load_graded(struct db *db, int64_t attempt_id, const char *course_id, struct attempt *a, struct err *e);
/*
 * Grades the essay at position k of the submitted attempt a: points in 0..its question's points and an
 * optional comment (plain text, at most ATTEMPT_COMMENT_MAX bytes), by the trainer grader, durably. A
 * grade given before is replaced (*prev gets it, prev may be NULL; prev->comment is caller-freed). The
 * attempt's score, passed and pending are recomputed from every grade stored; when the last essay is
 * graded the attempt becomes final: the enrolment's scores and completion are updated and a
 * certificate is issued, in the same transaction (*completed, may be NULL, says completion was
 * recorded now). who (NULL: not audited): the audit entry "essay.grade" or "essay.regrade" (lib/audit.h),
 * in the same transaction. ATTEMPT_EBADANSWER (message) for points out of range, a comment too long or not
 * UTF-8, or k not an answered essay; ATTEMPT_ECLOSED when a is not submitted.
 */
int attempt_grade_essay(struct db *db, struct attempt *a, int k, double points, const char *comment, int64_t grader,
			const struct audit_who *who, struct essay_grade *prev, bool *completed, struct err *e);

/* The user's attempts on a quiz, newest first; caller frees *out. */
int attempt_list(struct db *db, int64_t user_id, const char *course_id, const char *item_path,
		 struct attempt_summary **out, int *n, struct err *e);

/*
 * JSON for an attempt: id, status, deadline, seconds left, and its questions
 * in display order with options (ids and safe HTML) but no right answers, plus
 * the saved answers. After submission, use attempt_result_json().
 */
void attempt_write_json(struct buf *b, const struct attempt *a, int64_t now);
/* JSON for a submitted attempt: score, passed, late, pending, and per question the score, right answers and
 * feedback; an essay also has its answer, points and max_points, comment and graded (docs/api.md). */
void attempt_result_json(struct buf *b, const struct attempt *a);

/* Seconds left before the deadline (0 when past), or -1 when there is no limit. */
int64_t attempt_seconds_left(const struct attempt *a, int64_t now);

/*
 * Item analysis of one quiz for trainers: per question of the quiz source,
 * how many learners' first submitted answers were right (score 1), overall
 * and by each sex of users.sex, and the wrong choices most often made.
 */
enum { ITEM_FEMALE, ITEM_MALE, ITEM_OTHER, ITEM_UNSPECIFIED, ITEM_NSEX };
/* The users.sex value of each index: "female", "male", "other", "unspecified". */
extern const char *const item_sex_names[ITEM_NSEX];
struct item_stat {
	int question;
	int n, right;				    /* all learners */
	int n_sex[ITEM_NSEX], right_sex[ITEM_NSEX]; /* by sex, indexed as item_sex_names */
	/* The wrong choices most often made, as text (ties in byte order; NULL when fewer), and by how many. */
	char *wrong[3];
	int wrong_n[3];
};
/* Uses the active package in lang (as attempt_start); q gets its parsed quiz (quiz_free it); *out is caller-freed. */
int attempt_item_analysis(struct db *db, const char *course_id, const char *item_path, const char *lang, struct quiz *q,
			  struct item_stat **out, int *n, struct err *e);
void item_stats_free(struct item_stat *s, int n);

/* Frees the shared cache of parsed quizzes (the server calls it as it stops). */
void attempt_cache_release(void);

#endif
