/*
 * libFuzzer harness: application/x-www-form-urlencoded and query strings
 * through form_parse() (server/http.c), as dispatch() and read_body() call it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "server/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* read_body() hands form_parse a NUL-terminated copy; do the same, but pass only len bytes. */
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	struct arena a = ARENA_INIT;
	struct kv *kv = NULL;
	size_t n = form_parse(&a, s, size, &kv);
	for (size_t i = 0; i < n; i++) {
		/* Every key and value must be a terminated string inside the arena. */
		volatile size_t k = strlen(kv[i].key), v = strlen(kv[i].val);
		(void)k, (void)v;
	}
	arena_release(&a);
	free(s);
	return 0;
}
