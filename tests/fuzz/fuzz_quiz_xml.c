/*
 * libFuzzer harness: Moodle XML through quiz_parse() (libxml2's XML reader,
 * then the HTML allow-list of lib/html.h on every text), on a thread with the
 * server's worker stack (worker_stack.h): a quiz is parsed on a worker when
 * an attempt first loads it.
 */
#include <stddef.h>
#include <stdint.h>

#include "assessment/quiz.h"
#include "tests/fuzz/worker_stack.h"

struct input {
	const uint8_t *data;
	size_t size;
};

static void run(void *arg)
{
	struct input *in = arg;
	struct quiz q;
	struct problems pr = {0};
	struct quiz_opts o = {.pr = &pr, .keep_essays = true, .keep_files = true};
	quiz_parse_opts("final.xml", (const char *)in->data, in->size, &q, &o);
	quiz_free(&q);
	problems_release(&pr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	on_worker_stack(run, &in);
	return 0;
}
