/*
 * Bounded JSON documents from untrusted text (request bodies), parsed with
 * jansson, and typed getters over their top-level object.
 *
 * jansson's parser recurses once per nesting level (up to its own limit of
 * 2,048), and so does freeing a document: on a thread with a small stack
 * (the HTTP server's workers have 100 KiB) a deeply nested body would
 * overflow it. So json_body_parse() first scans the text in one iterative
 * pass, outside strings, and refuses more than JSON_MAX_DEPTH levels of
 * '[' and '{', or more than JSON_MAX_ITEMS arrays, objects and ','-separated
 * members, before jansson sees a byte. At 32 levels jansson's recursion
 * (parse_value -> parse_array/parse_object, about 200 bytes a level) takes
 * about 6.5 KB of stack, measured; at 2,000 it overflows a worker's stack
 * (measured too: tests/fuzz/worker_stack.h).
 *
 * Knows nothing of HTTP: the caller maps the error codes to statuses.
 */
#ifndef SALA_JSON_H
#define SALA_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/err.h"

/* Deepest nesting of arrays and objects accepted (the top-level object is level 1). */
#define JSON_MAX_DEPTH 32
/* Most arrays, objects and ','-separated members one document may hold. */
#define JSON_MAX_ITEMS 10000

/* Error codes of json_body_parse() and json_bounds_check(): shared codes of lib/err.h. */
#define JSON_EINVALID ERR_INVALID   /* not JSON (or empty, or invalid UTF-8, or a duplicate key) */
#define JSON_ELIMIT ERR_LIMIT	    /* nested or repeated past the limits above */
#define JSON_ENOTOBJECT ERR_INVALID /* valid JSON, but not an object at the top (the same code as JSON_EINVALID) */

/* A parsed document's top-level object, or an object inside it. */
struct json_obj;

/*
 * The iterative pre-check alone: 0 when text[0..len) nests at most
 * JSON_MAX_DEPTH levels and holds at most JSON_MAX_ITEMS items, else
 * JSON_ELIMIT with a message naming the limit. Says nothing of validity.
 */
int json_bounds_check(const char *text, size_t len, struct err *e);

/*
 * Parses text[0..len) (need not be NUL-terminated) as one JSON object:
 * 0 and *out (caller frees with json_body_free), or a negative JSON_E* code
 * with a message and *out NULL. Duplicate keys and "\u0000" are refused.
 */
int json_body_parse(const char *text, size_t len, struct json_obj **out, struct err *e);
void json_body_free(struct json_obj *o);

/*
 * Typed getters on the members of an object. Strings are borrowed until
 * json_body_free() of the document. o may be NULL (then nothing is there).
 */
/* True when the member is present (any type, null included). */
bool json_get_has(const struct json_obj *o, const char *key);
/* A string member, or NULL when absent or not a string. */
const char *json_get_str(const struct json_obj *o, const char *key);
/* An integer member: 0 and *out, or -1 when absent or not an integer. */
int json_get_int(const struct json_obj *o, const char *key, int64_t *out);
/* An object member, or NULL when absent or not an object. */
const struct json_obj *json_get_obj(const struct json_obj *o, const char *key);
/*
 * An array of strings: 0 with *out (an arena array of borrowed strings) and
 * *n (0 when the member is absent), or -1 with a message when the member is
 * not an array or holds anything but strings.
 */
int json_get_strings(const struct json_obj *o, const char *key, struct arena *a, const char ***out, size_t *n,
		     struct err *e);
/*
 * An array of integers, null counted as 0: 0 with *out (an arena array) and *n (0 when the member is
 * absent), or -1 with a message when the member is not an array or holds anything but integers and null.
 */
int json_get_ints(const struct json_obj *o, const char *key, struct arena *a, int64_t **out, size_t *n, struct err *e);
/*
 * A scalar member as text: a string as it is, an integer in decimal, a real
 * as %.15g, true as "1" and false as "0" (as SQLite's json_extract gives
 * them). NULL when absent, null, an array or an object. Numbers are arena copies.
 */
const char *json_get_scalar(const struct json_obj *o, const char *key, struct arena *a);

#endif
