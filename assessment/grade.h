/*
 * Pure grading functions: an answer to a question gets a score in 0..1.
 * No database, no I/O; the unit tests drive them with tables.
 */
#ifndef SALA_GRADE_H
#define SALA_GRADE_H
#include <stdbool.h>
#include <stddef.h>

#include "assessment/quiz.h"

/* A learner's answer to one question. */
struct answer {
	/* Single, true/false, multi: ticked option indices (nchosen 0 = unanswered).
	 * Matching: one entry per pair, the pair index of the chosen right-hand
	 * text or -1 (nchosen = npairs, or 0 when unanswered). */
	int *chosen;
	int nchosen;
	char *text; /* short answer, numeric: as typed; NULL = unanswered */
};

/* Score of ans for q, 0..1. An answer naming options out of range scores 0. */
double grade_question(const struct question *q, const struct answer *ans);
/* False for questions that carry no mark (descriptions): they count in no score. Essays carry one (graded by a
 * trainer). */
bool grade_scored(const struct question *q);
/*
 * Moodle's short-answer wildcards over grade_text_norm() forms (case kept
 * when case_sensitive): runs of '*' in pattern match any text, "\*"
 * matches a star, the rest must match the whole answer.
 */
bool grade_text_match(const char *pattern, const char *given, bool case_sensitive);
/* The accepted answer (option index) that given matches first, or -1 (short answers). */
int grade_short_match(const struct question *q, const char *given);
/* The numerical answer (index in nums) that given matches first, or -1. */
int grade_numeric_match(const struct question *q, const char *given);
/* True when the answer says anything at all. */
bool answer_given(const struct answer *ans);
void answer_release(struct answer *ans);

/*
 * Short answers: true when given matches expected after trimming, folding runs
 * of white space, Unicode NFC normalisation and case folding (so composed and
 * decomposed Khmer sequences compare equal).
 */
bool grade_text_equal(const char *expected, const char *given);
/* Normalised form used by grade_text_equal (caller frees); NULL on invalid UTF-8. */
char *grade_text_norm(const char *s);
/* Parses a number as typed: ASCII or Khmer digits, '.' or ',' decimal mark; -1 when not a number. */
int grade_parse_number(const char *s, double *out);

#endif
