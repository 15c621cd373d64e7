/*
 * A quiz as learners see it, for previews (`sala preview` and a trainer's preview of a stored
 * version): the questions in the order of the file, each with the inputs of the quiz page, in a GET
 * form that checks the answers given. Nothing is stored and no attempt is made.
 */
#ifndef SALA_QUIZ_PREVIEW_H
#define SALA_QUIZ_PREVIEW_H
#include "assessment/quiz.h"
#include "lib/buf.h"
#include "server/http.h"

/*
 * Writes q to b: the questions with their inputs, in a form that sends them back to action (a path;
 * the query keeps lang when it is not English). When the request's query holds the answers
 * (check=1, the keys of assessment/attempt.h's form), each question is shown with the answer given,
 * marked right or not, the right answers, and the score over the scored questions. language is the
 * quiz's own language (lang="" on its text when the page is in another one).
 */
void quiz_preview_html(struct req *r, struct buf *b, const struct quiz *q, const char *action, const char *language);

#endif
