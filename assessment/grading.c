/* Grading glue: an attempt's answers through the pure functions of grade.h. */
#include "assessment/attempt_private.h"

#include <math.h>
#include <stdlib.h>

#include "lib/xmalloc.h"

void attempt_grade_all(struct attempt *a)
{
	free(a->item_scores);
	a->item_scores = xcalloc((size_t)a->nitems + 1, sizeof *a->item_scores);
	double sum = 0;
	int scored = 0;
	a->pending = 0;
	for (int k = 0; k < a->nitems; k++) {
		const struct question *qu = &a->quiz.questions[a->items[k].question];
		if (qu->type == Q_ESSAY) {
			/* A trainer's points as a share of the essay's; 0 while it awaits a grade. */
			const struct essay_grade *g = a->grades ? &a->grades[k] : NULL;
			bool graded = g && g->graded;
			a->pending += answer_given(&a->answers[k]) && !graded;
			a->item_scores[k] = graded && qu->points > 0 ? g->points / qu->points : 0;
			if (a->item_scores[k] > 1)
				a->item_scores[k] = 1;
			sum += a->item_scores[k];
			scored++;
			continue;
		}
		a->item_scores[k] = grade_question(qu, &a->answers[k]);
		sum += a->item_scores[k];
		scored += grade_scored(qu); /* descriptions carry no mark */
	}
	double pct = scored ? 100.0 * sum / scored : 0;
	a->score = round(pct * 100.0) / 100.0;
}

int attempt_pass_mark(const struct quiz *q, int package_mark)
{
	if (q->pass_mark >= 0)
		return q->pass_mark;
	if (package_mark >= 0 && package_mark <= 100)
		return package_mark;
	return 70;
}
