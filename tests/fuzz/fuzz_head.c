/*
 * libFuzzer harness: what Sala reads from a request's head, as dispatch()
 * reads it, on a thread with the server's worker stack (worker_stack.h):
 * the query string (form_parse_bounded), the Cookie header (the limit check
 * of req_parse_head, then req_cookie's extraction), Accept-Language
 * (i18n_negotiate) and Content-Type (the multipart boundary).
 * Input: four lines, query, Cookie, Accept-Language, Content-Type.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/i18n.h"
#include "server/http.h"
#include "server/multipart.h"
#include "tests/fuzz/worker_stack.h"

struct input {
	const uint8_t *data;
	size_t size;
};

static void parse(void *p)
{
	const struct input *in = p;
	/* The head as CivetWeb hands it over: NUL-terminated strings (a NUL byte ends one early). */
	char *s = malloc(in->size + 1);
	memcpy(s, in->data, in->size);
	s[in->size] = '\0';
	char *line[4] = {"", "", "", ""};
	char *q = s;
	for (int i = 0; i < 4 && q; i++) {
		line[i] = q;
		q = strchr(q, '\n');
		if (q)
			*q++ = '\0';
	}
	struct arena a = ARENA_INIT;
	volatile size_t sink = 0;
	struct kv *kv;
	size_t n;
	int rc = form_parse_bounded(&a, line[0], strlen(line[0]), &kv, &n);
	if (rc == 0) {
		if (n > FORM_MAX_PAIRS)
			abort();
		for (size_t i = 0; i < n; i++) {
			if (strlen(kv[i].key) > FORM_MAX_KEY)
				abort();
			sink += strlen(kv[i].val);
		}
	} else if (rc != REQ_LIMIT_FIELDS && rc != REQ_LIMIT_KEY) {
		abort();
	}
	size_t count = 0;
	if (strlen(line[1]) <= COOKIE_MAX_HEADER && req_cookie_check(line[1], &count) == 0) {
		static const char *const names[] = {"sala_session", "sala_csrf", "sala_lang", "x"};
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			const char *v = req_cookie_in(&a, line[1], names[i]);
			if (v && strlen(v) > COOKIE_MAX_VALUE)
				abort();
			sink += v ? strlen(v) : 0;
		}
	}
	sink += strlen(i18n_negotiate(line[2]));
	sink += (size_t)multipart_is(line[3]);
	(void)sink;
	arena_release(&a);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	on_worker_stack(parse, &in);
	return 0;
}
