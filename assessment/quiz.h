/*
 * Quizzes: the Markdown quiz format, Moodle GIFT and Moodle XML, parsed into one model.
 * Grading is in assessment/grade.h. See docs/quiz-format.md.
 */
#ifndef SALA_QUIZ_H
#define SALA_QUIZ_H
#include <stdbool.h>
#include <stddef.h>

#include "lib/diag.h"
#include "lib/err.h"

/* Limits that bound the parser's work on hostile input. */
#define QUIZ_ESSAY_MAX_POINTS 1000 /* the most points an essay can be worth */
#define QUIZ_MAX_BYTES (128 * 1024)
#define QUIZ_MAX_QUESTIONS 500
#define QUIZ_MAX_OPTIONS 50 /* options, accepted answers, pairs or numeric answers per question */

enum question_type {
	Q_SINGLE,     /* one right option (GIFT: partial weights allowed) */
	Q_MULTI,      /* several right options: score is the sum of ticked weights, clamped to 0..1 */
	Q_SHORT,      /* accepted texts (options, each with a weight) */
	Q_MATCH,      /* left -> right pairs */
	Q_NUMERIC,    /* GIFT numbers: value with tolerance, or ranges */
	Q_TRUEFALSE,  /* GIFT {T}/{F}: two options "True" and "False", graded as single choice */
	Q_ESSAY,      /* written answer graded by a trainer out of question.points (assessment/attempt.h) */
	Q_DESCRIPTION /* Moodle description: text shown between questions, not scored */
};

enum quiz_kind { QUIZ_FINAL, QUIZ_PRACTICE, QUIZ_PRETEST };

struct option {
	char *text;	/* plain text (labels, <option> elements, reports) */
	char *html;	/* the same as safe HTML (inline, no <p>) */
	bool right;	/* weight > 0 */
	double weight;	/* share of the question's mark when chosen, -1..1: single 1/0 (GIFT %n%);
			 * multi right 1/R and wrong -1/R (Markdown) or %n% (GIFT); short answer 1 or %n% */
	char *feedback; /* per-option feedback as safe HTML, or NULL */
};

struct pair {
	char *left, *right; /* plain text; left "" = a distractor right-hand choice (GIFT) */
};

struct numeric {
	double min, max; /* accepted interval (value +- tolerance, or a..b) */
	double value;	 /* the value to show as the right answer */
	bool range;	 /* written as a range min..max (else value:tolerance) */
	double weight;	 /* 0..1 */
	bool any;	 /* Moodle's "*": any other answer (min and max unused) */
	char *feedback;	 /* safe HTML or NULL */
};

struct question {
	enum question_type type;
	int line;		/* line in the source file where the question starts */
	char *title;		/* GIFT ::title:: or NULL */
	char *text;		/* question text, plain */
	char *html;		/* question text as safe HTML (block) */
	char *feedback;		/* general feedback as safe HTML, or NULL */
	struct option *options; /* choices (single, multi, true/false) or accepted answers (short) */
	size_t noptions;
	struct pair *pairs;
	size_t npairs;
	struct numeric *nums;
	size_t nnums;
	bool wildcard;	     /* short answer (Moodle): '*' in an accepted answer matches any text, '\*' a star;
			      * the first accepted answer that matches counts, as in Moodle */
	bool case_sensitive; /* short answer with wildcard: Moodle XML <usecase>1</usecase> */
	double points;	     /* essay: the most a trainer can give (Markdown "[essay N]", Moodle XML <defaultgrade>,
			      * else 1); the essay's share of the score is the points given / points */
};

/* An image embedded in a Moodle XML quiz (<file encoding="base64">); its HTML names it /media/SHA256.EXT. */
struct quiz_file {
	char *name;	     /* the name Moodle gave it */
	char sha256[65];     /* of the decoded bytes */
	char ext[8];	     /* png, jpg, jpeg, gif or webp */
	unsigned char *data; /* the bytes when quiz_opts.keep_files, else NULL (caller frees with quiz_free()) */
	size_t len;
};

struct quiz {
	char *title;   /* NULL when not set */
	int pass_mark; /* -1 when not set in the file */
	int attempts;  /* 0 = unlimited */
	bool shuffle;
	int draw;    /* 0 = all */
	int minutes; /* 0 = no limit */
	enum quiz_kind kind;
	struct question *questions;
	size_t nquestions;
	struct quiz_file *files; /* embedded images the questions show (Moodle XML) */
	size_t nfiles;
	bool borrowed; /* a shallow view of a cached quiz: quiz_free() leaves the contents alone */
};

/*
 * Parses a quiz file; the format follows the name (".gift" is GIFT, ".xml"
 * Moodle XML, else Markdown). Every problem is added to pr as "NAME:LINE:
 * message" (pr may be NULL); returns the number of problems (0 = ok). q is
 * filled even on problems, and must be freed with quiz_free(). Never crashes
 * on hostile input and refuses files over QUIZ_MAX_BYTES. Questions of a type
 * Sala cannot ask (Moodle cloze, calculated, ...) are left out with a warning
 * in pr ("NAME:LINE: warning: ..."), which is not a problem: the rest of the
 * quiz is read. Essays are kept: trainers grade them (assessment/attempt.h).
 */
int quiz_parse(const char *name, const char *data, size_t len, struct quiz *q, struct problems *pr);

struct quiz_opts {
	struct problems *pr; /* problems and warnings, or NULL */
	bool keep_essays;    /* kept for callers that set it: essays are always kept now */
	bool keep_files;     /* keep the bytes of embedded images in q->files (import stores them as package files) */
};
/* quiz_parse() with options. */
int quiz_parse_opts(const char *name, const char *data, size_t len, struct quiz *q, const struct quiz_opts *o);

/* The type's name in `sala quiz dump`: "single", "multi", "short", "match", "numeric", "truefalse", "essay",
 * "description". */
const char *quiz_type_name(enum question_type t);
/* Writes q as JSON (the `sala quiz dump --json` format of docs/quiz-format.md) to b. */
void quiz_dump_json(const struct quiz *q, struct buf *b);
/* Writes q as text, one "NAME:LINE: TYPE: text" line per question and its options, pairs and ranges. */
void quiz_dump_text(const char *name, const struct quiz *q, struct buf *b);
void quiz_free(struct quiz *q);

/* "final", "practice" or "pretest"; and back (-1 when unknown). */
const char *quiz_kind_name(enum quiz_kind k);
int quiz_kind_parse(const char *s);

#endif
