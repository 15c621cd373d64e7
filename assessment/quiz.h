/*
 * Quizzes: the Markdown quiz format and Moodle GIFT, parsed into one model,
 * and pure grading functions. See docs/quiz-format.md.
 */
#ifndef SALA_QUIZ_H
#define SALA_QUIZ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/err.h"

enum question_type {
	Q_SINGLE,   /* one right option */
	Q_MULTI,    /* several right options (weights for GIFT %n%) */
	Q_SHORT,    /* accepted texts */
	Q_MATCH,    /* left -> right pairs */
	Q_NUMERIC,  /* value with tolerance, or a range (GIFT) */
	Q_TRUEFALSE /* GIFT {T}/{F}: stored as SINGLE with options True/False */
};

enum quiz_kind { QUIZ_FINAL, QUIZ_PRACTICE, QUIZ_PRETEST };

struct option {
	char *text;     /* Markdown/plain text as written */
	bool right;
	double weight;  /* GIFT weights in [-1, 1]; 1 for right, 0 for wrong otherwise */
	char *feedback; /* per-option feedback or NULL */
};

struct pair {
	char *left, *right;
};

struct question {
	enum question_type type;
	int line;	 /* line in the source file where the question starts */
	char *title;	 /* GIFT ::title:: or NULL */
	char *text;	 /* question text (Markdown) */
	char *feedback;	 /* general feedback or NULL */
	struct option *options;
	size_t noptions;
	char **answers; /* short answers */
	size_t nanswers;
	struct pair *pairs;
	size_t npairs;
	double num_value, num_tolerance, num_min, num_max; /* numeric */
	bool num_range;
};

struct quiz {
	char *title;
	int pass_mark; /* -1 when not set in the file */
	int attempts;  /* 0 = unlimited */
	bool shuffle;
	int draw;      /* 0 = all */
	int minutes;   /* 0 = no limit */
	enum quiz_kind kind;
	struct question *questions;
	size_t nquestions;
};

/*
 * Parses a quiz file; the format follows the name (".gift" is GIFT, else
 * Markdown). Every problem is written to errs as "NAME:LINE: message" (errs
 * may be NULL); returns the number of problems (0 = ok). q is filled even on
 * problems, and must be freed with quiz_free().
 */
int quiz_parse(const char *name, const char *data, size_t len, struct quiz *q, FILE *errs);
void quiz_free(struct quiz *q);

#endif
