/*
 * Internal to the attempt module (assessment/attempt.c and the files below);
 * nothing outside assessment/ includes it. The public API is assessment/attempt.h.
 *
 *   quiz_cache.c   the quiz an attempt uses, and the shared cache of parsed quizzes
 *   layout.c       question and option order from a seed; attempts.layout
 *   answers.c      form/JSON keys into struct answer; attempts.answers, attempt_answers.chosen
 *   grading.c      an attempt's answers through grade.h; the pass mark
 *   attempt.c      the state machine (start, load, save, submit, time out)
 *   attempt_json.c the JSON views
 *   analysis.c     item analysis
 *
 * The layout and answer functions are pure (no database, no I/O).
 */
#ifndef SALA_ATTEMPT_PRIVATE_H
#define SALA_ATTEMPT_PRIVATE_H
#include <stdbool.h>
#include <stdint.h>
#include "lib/db.h"

#include "assessment/attempt.h"
#include "assessment/grade.h"
#include "assessment/quiz.h"
#include "courses/media.h"
#include "lib/buf.h"
#include "lib/err.h"

/* ---------- quiz_cache.c ---------- */

/* The quiz item of a course as a learner reading in a language sees it. */
struct quiz_ref {
	int64_t package_id;
	char language[16];
	int pass_mark;	  /* of the package */
	char *item_title; /* caller frees */
};

/* The package of course_id whose quiz item_path a learner reading in lang sees (course_pick_package());
 * ATTEMPT_ENOTFOUND when there is none or the item is not a quiz. */
int attempt_quiz_find(struct db *db, const char *course_id, const char *item_path, const char *lang,
		      struct quiz_ref *ref);
/*
 * The parsed quiz file path of a package: a borrowed view of the shared cache
 * (q->borrowed) or, when it could not be cached, the caller's own; either
 * way quiz_free(q) is right. ATTEMPT_EQUIZ when the file is missing or does
 * not parse, ATTEMPT_EFAIL when the database failed.
 */
int attempt_quiz_load(struct db *db, int64_t package_id, const char *path, struct quiz *q, struct err *e);
/* attempt_quiz_load() that also fills *file (may be NULL): the file's package's language and pass mark. */
int attempt_quiz_load_file(struct db *db, int64_t package_id, const char *path, struct quiz *q, struct media_file *file,
			   struct err *e);
/* How many questions an attempt asks: the quiz's draw when it is smaller than the quiz, else all. */
int attempt_quiz_asked(const struct quiz *q);

/* ---------- layout.c ---------- */

/*
 * Draws and orders the questions of q (draw, shuffle) and the options, pairs
 * and matching choices of each, all from seed: the same seed gives the same
 * layout. *out (n = attempt_quiz_asked(q) items) is caller-freed with
 * attempt_item_release() on each item and free().
 */
void attempt_layout_build(const struct quiz *q, uint64_t seed, struct attempt_item **out, int *nout);
/* Appends the stored form "Q:o,o,o/c,c;Q:..." of a layout to b. */
void attempt_layout_format(const struct attempt_item *items, int n, struct buf *b);
/*
 * Reads a stored layout back against q: -1 (and nothing in *out) when it
 * names a question or option q does not have, repeats one, or is empty.
 */
int attempt_layout_parse(const char *s, const struct quiz *q, struct attempt_item **out, int *nout);
void attempt_item_release(struct attempt_item *it);
/* Reads a comma list of ints into v (at most max) until a char in stop; the count, or -1 when malformed. */
int attempt_int_list(const char **pp, const char *stop, int *v, int max);

/* ---------- answers.c ---------- */

/*
 * Builds the answers of every item of a from the keys of attempt.h read
 * through get; ATTEMPT_EBADANSWER (message in e, nothing in *out) on a value
 * naming nothing of the question, or a text answer that is too long or not
 * UTF-8. *out has a->nitems entries, caller-freed (attempt_answers_replace()
 * takes it).
 */
int attempt_answers_from_getter(const struct attempt *a, answer_get_fn get, void *ctx, struct answer **out,
				struct err *e);
/* Frees a's answers and takes ans (a->nitems entries) in their place. */
void attempt_answers_replace(struct attempt *a, struct answer *ans);
/* Appends the attempts.answers form of a's answers to b. */
void attempt_answers_format(const struct attempt *a, struct buf *b);
/* Reads the attempts.answers form into a->answers (a->nitems entries, allocated); malformed lines are skipped. */
void attempt_answers_parse(struct attempt *a, const char *s);
/* Appends the attempt_answers.chosen form of one answer to b. */
void attempt_chosen_text(const struct question *qu, const struct answer *an, struct buf *b);

/* ---------- grading.c ---------- */

/*
 * Grades every item of a into a->item_scores (allocated) and a->score (percent, two decimals); an essay
 * scores a->grades[k] (0 when not graded, or a->grades is NULL) and sets a->pending when answered but
 * not graded.
 */
void attempt_grade_all(struct attempt *a);
/* The pass mark in force: the quiz's own, else the package's (0..100), else 70. */
int attempt_pass_mark(const struct quiz *q, int package_mark);

#endif
