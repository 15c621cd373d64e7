/*
 * libFuzzer harness: multipart/form-data bodies through server/multipart.c,
 * as read_body() and the upload handler call it, on a thread with the
 * server's worker stack (worker_stack.h). Input: the Content-Type header's
 * value, a new line, then the body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "server/multipart.h"
#include "tests/fuzz/worker_stack.h"

struct input {
	const uint8_t *data;
	size_t size;
};

static void parse(void *p)
{
	const struct input *in = p;
	const uint8_t *nl = memchr(in->data, '\n', in->size);
	size_t ctlen = nl ? (size_t)(nl - in->data) : in->size;
	char *ct = malloc(ctlen + 1);
	memcpy(ct, in->data, ctlen);
	ct[ctlen] = '\0';
	size_t blen = nl ? in->size - ctlen - 1 : 0;
	char *body = malloc(blen + 1);
	memcpy(body, nl ? nl + 1 : in->data, blen);
	body[blen] = '\0';
	struct arena a = ARENA_INIT;
	struct kv *kv;
	size_t n;
	volatile size_t sink = 0;
	int rc = multipart_form(&a, ct, body, blen, &kv, &n);
	if (rc == 0) {
		for (size_t i = 0; i < n; i++)
			sink += strlen(kv[i].key) + strlen(kv[i].val);
	} else if (rc < REQ_BAD_MULTIPART || rc > REQ_LIMIT_PARTS) {
		abort(); /* only the multipart codes */
	}
	const char *data, *filename;
	size_t dlen;
	if (multipart_file(&a, ct, body, blen, "package", &data, &dlen, &filename) == 0) {
		if (data < body || data + dlen > body + blen)
			abort(); /* the file must lie inside the body */
		sink += strlen(filename) + dlen;
	}
	sink += (size_t)multipart_is(ct);
	(void)sink;
	arena_release(&a);
	free(body);
	free(ct);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	on_worker_stack(parse, &in);
	return 0;
}
