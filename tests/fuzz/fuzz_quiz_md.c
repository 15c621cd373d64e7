/* libFuzzer harness: the Markdown quiz format through quiz_parse(). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "assessment/quiz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quiz q;
	FILE *errs = fopen("/dev/null", "w");
	quiz_parse("final.md", (const char *)data, size, &q, errs);
	quiz_free(&q);
	if (errs)
		fclose(errs);
	return 0;
}
