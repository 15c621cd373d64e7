/*
 * libFuzzer harness: JSON request bodies through lib/json.h (the iterative
 * depth and size check, jansson, the typed getters), as server/h_api.c reads
 * them, on a thread with the server's worker stack (worker_stack.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/json.h"
#include "tests/fuzz/worker_stack.h"

struct input {
	const uint8_t *data;
	size_t size;
};

static void parse(void *p)
{
	const struct input *in = p;
	/* read_body() hands handlers a NUL-terminated copy; pass only size bytes, as they do. */
	char *s = malloc(in->size + 1);
	memcpy(s, in->data, in->size);
	s[in->size] = '\0';
	struct err e;
	struct json_obj *o;
	int rc = json_body_parse(s, in->size, &o, &e);
	if (rc == 0) {
		struct arena a = ARENA_INIT;
		volatile size_t sink = 0;
		const char *u = json_get_str(o, "username");
		if (u)
			sink += strlen(u);
		const char **list;
		size_t n;
		if (json_get_strings(o, "users", &a, &list, &n, &e) == 0)
			for (size_t i = 0; i < n; i++)
				sink += strlen(list[i]);
		int64_t v;
		if (json_get_int(o, "id", &v) == 0)
			sink += (size_t)v;
		const struct json_obj *answers = json_get_obj(o, "answers");
		static const char *const keys[] = {"q0", "q1", "q1_0", "q2", ""};
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			const char *t = json_get_scalar(answers, keys[i], &a);
			if (t)
				sink += strlen(t);
		}
		sink += json_get_has(o, "org");
		(void)sink;
		arena_release(&a);
		json_body_free(o);
	} else if (rc != JSON_EINVALID && rc != JSON_ELIMIT && rc != JSON_ENOTOBJECT) {
		abort();
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	on_worker_stack(parse, &in);
	return 0;
}
