/* Placeholder until the quiz parser lands: accepts any file, finds no questions. */
#include "assessment/quiz.h"

#include <string.h>

int quiz_parse(const char *name, const char *data, size_t len, struct quiz *q, FILE *errs)
{
	(void)name, (void)data, (void)len, (void)errs;
	memset(q, 0, sizeof *q);
	q->pass_mark = -1;
	return 0;
}

void quiz_free(struct quiz *q)
{
	memset(q, 0, sizeof *q);
}
