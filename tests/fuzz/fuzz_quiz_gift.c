/* libFuzzer harness: Moodle GIFT through quiz_parse(). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "assessment/quiz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quiz q;
	struct problems pr = {0};
	quiz_parse("final.gift", (const char *)data, size, &q, &pr);
	quiz_free(&q);
	problems_release(&pr);
	return 0;
}
