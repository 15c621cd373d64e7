/* Bounded JSON bodies: an iterative depth and size scan, then jansson. */
#include "lib/json.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

int json_bounds_check(const char *text, size_t len, struct err *e)
{
	size_t depth = 0, items = 0;
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_str) {
			if (c == '\\')
				i++; /* the escaped byte cannot end the string */
			else if (c == '"')
				in_str = false;
			continue;
		}
		switch (c) {
		case '"':
			in_str = true;
			break;
		case '[':
		case '{':
			if (++depth > JSON_MAX_DEPTH) {
				err_set(e, "the JSON body is nested more than %d levels deep", JSON_MAX_DEPTH);
				return JSON_ELIMIT;
			}
			/* fall through */
		case ',':
			if (++items > JSON_MAX_ITEMS) {
				err_set(e, "the JSON body has more than %d values", JSON_MAX_ITEMS);
				return JSON_ELIMIT;
			}
			break;
		case ']':
		case '}':
			if (depth)
				depth--; /* unbalanced: jansson says what is wrong */
			break;
		default:
			break;
		}
	}
	return 0;
}

int json_body_parse(const char *text, size_t len, struct json_obj **out, struct err *e)
{
	*out = NULL;
	if (!text || len == 0) {
		err_set(e, "the body is empty");
		return JSON_EINVALID;
	}
	int rc = json_bounds_check(text, len, e);
	if (rc < 0)
		return rc;
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		err_set(e, "the body is not valid JSON: %s (line %d, column %d)", je.text, je.line, je.column);
		return JSON_EINVALID;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		err_set(e, "valid JSON, but not an object");
		return JSON_ENOTOBJECT;
	}
	*out = (struct json_obj *)root;
	return 0;
}

void json_body_free(struct json_obj *o)
{
	if (o)
		json_decref((json_t *)o);
}

static json_t *member(const struct json_obj *o, const char *key)
{
	return o ? json_object_get((const json_t *)o, key) : NULL;
}

bool json_get_has(const struct json_obj *o, const char *key)
{
	return member(o, key) != NULL;
}

const char *json_get_str(const struct json_obj *o, const char *key)
{
	json_t *v = member(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int json_get_int(const struct json_obj *o, const char *key, int64_t *out)
{
	json_t *v = member(o, key);
	if (!json_is_integer(v))
		return -1;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

const struct json_obj *json_get_obj(const struct json_obj *o, const char *key)
{
	json_t *v = member(o, key);
	return json_is_object(v) ? (const struct json_obj *)v : NULL;
}

int json_get_strings(const struct json_obj *o, const char *key, struct arena *a, const char ***out, size_t *n,
		     struct err *e)
{
	*out = NULL;
	*n = 0;
	json_t *v = member(o, key);
	if (!v)
		return 0;
	if (!json_is_array(v))
		return err_set(e, "'%s' must be an array of strings", key);
	size_t count = json_array_size(v);
	const char **list = arena_alloc(a, (count ? count : 1) * sizeof *list);
	for (size_t i = 0; i < count; i++) {
		json_t *s = json_array_get(v, i);
		if (!json_is_string(s))
			return err_set(e, "'%s' must be an array of strings (item %zu is not a string)", key, i + 1);
		list[i] = json_string_value(s);
	}
	*out = list;
	*n = count;
	return 0;
}

int json_get_ints(const struct json_obj *o, const char *key, struct arena *a, int64_t **out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	json_t *v = member(o, key);
	if (!v)
		return 0;
	if (!json_is_array(v))
		return err_set(e, "'%s' must be an array of whole numbers", key);
	size_t count = json_array_size(v);
	int64_t *list = arena_alloc(a, (count ? count : 1) * sizeof *list);
	for (size_t i = 0; i < count; i++) {
		json_t *x = json_array_get(v, i);
		if (!json_is_integer(x) && !json_is_null(x))
			return err_set(e, "'%s' must be an array of whole numbers (item %zu is not one)", key, i + 1);
		list[i] = json_is_integer(x) ? (int64_t)json_integer_value(x) : 0;
	}
	*out = list;
	*n = count;
	return 0;
}

const char *json_get_scalar(const struct json_obj *o, const char *key, struct arena *a)
{
	json_t *v = member(o, key);
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_INTEGER:
		return arena_printf(a, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		return arena_printf(a, "%.15g", json_real_value(v));
	case JSON_TRUE:
		return "1";
	case JSON_FALSE:
		return "0";
	default:
		return NULL;
	}
}
