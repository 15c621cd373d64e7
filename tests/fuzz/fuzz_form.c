/*
 * libFuzzer harness: application/x-www-form-urlencoded and query strings
 * through form_parse_bounded() (server/http.c), as dispatch() and read_body()
 * call it, on a thread with the server's worker stack (worker_stack.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "server/http.h"
#include "tests/fuzz/worker_stack.h"

struct input {
	const uint8_t *data;
	size_t size;
};

static void parse(void *p)
{
	const struct input *in = p;
	/* read_body() hands form_parse_bounded a NUL-terminated copy; do the same, but pass only size bytes. */
	char *s = malloc(in->size + 1);
	memcpy(s, in->data, in->size);
	s[in->size] = '\0';
	struct arena a = ARENA_INIT;
	struct kv *kv = NULL;
	size_t n;
	int rc = form_parse_bounded(&a, s, in->size, &kv, &n);
	if (rc == 0) {
		if (n > FORM_MAX_PAIRS)
			abort();
		for (size_t i = 0; i < n; i++) {
			/* Every key and value must be a terminated string inside the arena. */
			volatile size_t k = strlen(kv[i].key), v = strlen(kv[i].val);
			(void)k, (void)v;
		}
	} else if (rc != REQ_LIMIT_FIELDS && rc != REQ_LIMIT_KEY) {
		abort();
	}
	arena_release(&a);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	on_worker_stack(parse, &in);
	return 0;
}
