/*
 * Unit tests for the parsers of untrusted input and their limits: JSON bodies
 * (lib/json.h), urlencoded forms and query strings, cookies, multipart
 * (server/http.h, server/multipart.h), each at and one past its limit; and
 * the upload parsers (cmark for lessons and quizzes, libyaml for course.yml
 * and front matter) on pathologically nested input, run on a thread with the
 * server's worker stack, so recursion on the input would crash the test.
 */
#define _GNU_SOURCE /* asprintf */
/* cmocka needs these first, in this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assessment/attempt.h"
#include "assessment/quiz.h"
#include "courses/package.h"
#include "courses/render.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "reports/report.h"
#include "server/http.h"
#include "server/multipart.h"
#include "tests/fuzz/worker_stack.h"

/* ---- JSON bodies ---- */

static char *repeat(const char *a, int n, const char *mid, const char *b, int m)
{
	struct buf s = BUF_INIT;
	for (int i = 0; i < n; i++)
		buf_puts(&s, a);
	buf_puts(&s, mid);
	for (int i = 0; i < m; i++)
		buf_puts(&s, b);
	return buf_detach(&s, NULL);
}

static int parse_rc(const char *text)
{
	struct json_obj *o;
	struct err e;
	int rc = json_body_parse(text, strlen(text), &o, &e);
	json_body_free(o);
	return rc;
}

static void test_json_limits(void **state)
{
	(void)state;
	/* The top-level object is level 1: 31 arrays inside it are 32 levels. */
	char *ok = repeat("[", 31, "1", "]", 31), *deep = repeat("[", 32, "1", "]", 32);
	char *body_ok = NULL, *body_deep = NULL;
	assert_true(asprintf(&body_ok, "{\"x\":%s}", ok) > 0);
	assert_true(asprintf(&body_deep, "{\"x\":%s}", deep) > 0);
	assert_int_equal(parse_rc(body_ok), 0);
	assert_int_equal(parse_rc(body_deep), JSON_ELIMIT);
	struct json_obj *o;
	struct err e;
	assert_int_equal(json_body_parse(body_deep, strlen(body_deep), &o, &e), JSON_ELIMIT);
	assert_null(o);
	assert_string_equal(e.msg, "the JSON body is nested more than 32 levels deep");
	/* Unclosed and enormous: refused by the scan, whatever comes after. */
	char *huge = repeat("{\"a\":", 100000, "", "", 0);
	assert_int_equal(parse_rc(huge), JSON_ELIMIT);
	/* Brackets inside strings (escaped quotes too) are not nesting. */
	char *in_str = repeat("[", 5000, "", "", 0);
	char *body_str = NULL;
	assert_true(asprintf(&body_str, "{\"s\":\"\\\"%s\\\\\",\"t\":\"]\"}", in_str) > 0);
	assert_int_equal(parse_rc(body_str), 0);
	/* Items: 10,000 (9,999 commas and the object) pass, one more is refused. */
	struct buf items = BUF_INIT;
	buf_puts(&items, "{\"a\":[");
	for (int i = 0; i < 9998; i++)
		buf_puts(&items, "0,");
	buf_puts(&items, "0]}"); /* object, array, 9,998 commas */
	assert_int_equal(parse_rc(buf_str(&items)), 0);
	buf_release(&items);
	buf_puts(&items, "{\"a\":[");
	for (int i = 0; i < 9999; i++)
		buf_puts(&items, "0,");
	buf_puts(&items, "0]}");
	assert_int_equal(parse_rc(buf_str(&items)), JSON_ELIMIT);
	assert_int_equal(json_bounds_check(buf_str(&items), items.len, &e), JSON_ELIMIT);
	assert_string_equal(e.msg, "the JSON body has more than 10000 values");
	buf_release(&items);
	static const struct {
		const char *text;
		int rc;
	} cases[] = {
	    {"{}", 0},
	    {" {\"a\": 1} ", 0},
	    {"", JSON_EINVALID},
	    {"{", JSON_EINVALID},
	    {"{\"a\":1} x", JSON_EINVALID},
	    {"{\"a\":1,\"a\":2}", JSON_EINVALID},
	    {"{\"a\":\"\\u0000\"}", JSON_EINVALID},
	    {"{\"a\":\"\xff\"}", JSON_EINVALID},
	    {"[1,2]", JSON_ENOTOBJECT},
	    {"\"text\"", JSON_ENOTOBJECT},
	    {"null", JSON_ENOTOBJECT},
	    {"]]]]{}", JSON_EINVALID},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(parse_rc(cases[i].text), cases[i].rc);
	free(ok), free(deep), free(body_ok), free(body_deep), free(huge), free(in_str), free(body_str);
}

static void test_json_getters(void **state)
{
	(void)state;
	const char *text = "{\"username\":\"ស្រី\",\"n\":42,\"r\":2.5,\"t\":true,\"f\":false,\"z\":null,"
			   "\"users\":[\"a\",\"b\"],\"bad\":[\"a\",1],\"answers\":{\"q0\":\"2\",\"q1\":3}}";
	struct json_obj *o;
	struct err e;
	assert_int_equal(json_body_parse(text, strlen(text), &o, &e), 0);
	struct arena a = ARENA_INIT;
	assert_string_equal(json_get_str(o, "username"), "ស្រី");
	assert_null(json_get_str(o, "n"));
	assert_null(json_get_str(o, "missing"));
	int64_t v = 0;
	assert_int_equal(json_get_int(o, "n", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(json_get_int(o, "r", &v), -1);
	assert_true(json_get_has(o, "z"));
	assert_false(json_get_has(o, "missing"));
	const char **list;
	size_t n;
	assert_int_equal(json_get_strings(o, "users", &a, &list, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "a");
	assert_string_equal(list[1], "b");
	assert_int_equal(json_get_strings(o, "missing", &a, &list, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(json_get_strings(o, "bad", &a, &list, &n, &e), -1);
	assert_string_equal(e.msg, "'bad' must be an array of strings (item 2 is not a string)");
	assert_int_equal(json_get_strings(o, "username", &a, &list, &n, &e), -1);
	const struct json_obj *ans = json_get_obj(o, "answers");
	assert_non_null(ans);
	assert_null(json_get_obj(o, "users"));
	assert_string_equal(json_get_scalar(ans, "q0", &a), "2");
	assert_string_equal(json_get_scalar(ans, "q1", &a), "3");
	assert_null(json_get_scalar(ans, "q2", &a));
	assert_string_equal(json_get_scalar(o, "r", &a), "2.5");
	assert_string_equal(json_get_scalar(o, "t", &a), "1");
	assert_string_equal(json_get_scalar(o, "f", &a), "0");
	assert_null(json_get_scalar(o, "z", &a));
	assert_null(json_get_scalar(o, "users", &a));
	assert_null(json_get_scalar(NULL, "q0", &a));
	arena_release(&a);
	json_body_free(o);
}

/* ---- forms, query strings, cookies ---- */

static int form_rc(const char *s, size_t *n)
{
	struct arena a = ARENA_INIT;
	struct kv *kv;
	int rc = form_parse_bounded(&a, s, strlen(s), &kv, n);
	arena_release(&a);
	return rc;
}

/* The one mapping of domain results to HTTP status: every shared code, and the modules' names for them. */
static void test_http_status_of(void **state)
{
	(void)state;
	static const struct {
		int rc, status;
	} cases[] = {
	    {0, 200},
	    {3, 200}, /* a count or an id */
	    {ERR_FAIL, 500},
	    {ERR_NOTFOUND, 404},
	    {ERR_INVALID, 400},
	    {ERR_CONFLICT, 409},
	    {ERR_FORBIDDEN, 403},
	    {ERR_UNAVAILABLE, 503},
	    {ERR_LIMIT, 409},
	    {-99, 500}, /* not a shared code: a failure all the same */
	    {ATTEMPT_ENOTFOUND, 404},
	    {ATTEMPT_ELIMIT, 409},
	    {ATTEMPT_ECLOSED, 409},
	    {ATTEMPT_EBADANSWER, 400},
	    {ATTEMPT_EQUIZ, 500},
	    {ATTEMPT_EFAIL, 500},
	    {REPORT_ENOENT, 404},
	    {REPORT_EFORBIDDEN, 403},
	    {JSON_EINVALID, 400},
	    {JSON_ENOTOBJECT, 400},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (http_status_of(cases[i].rc) != cases[i].status)
			fail_msg("http_status_of(%d) = %d, expected %d", cases[i].rc, http_status_of(cases[i].rc),
				 cases[i].status);
	}
}

static void test_form_limits(void **state)
{
	(void)state;
	char *thousand = repeat("a=1&", FORM_MAX_PAIRS, "", "", 0);
	char *more = repeat("a=1&", FORM_MAX_PAIRS, "b", "", 0);
	size_t n = 0;
	assert_int_equal(form_rc(thousand, &n), 0);
	assert_int_equal(n, FORM_MAX_PAIRS);
	assert_int_equal(form_rc(more, &n), REQ_LIMIT_FIELDS);
	assert_int_equal(n, 0);
	struct arena a = ARENA_INIT;
	struct kv *kv;
	assert_int_equal(form_parse(&a, more, strlen(more), &kv), 0); /* nothing rather than a cut list */
	arena_release(&a);
	/* Empty pairs are not fields. */
	char *empties = repeat("&", 100000, "x=1", "&", 10);
	assert_int_equal(form_rc(empties, &n), 0);
	assert_int_equal(n, 1);
	char *key = repeat("k", FORM_MAX_KEY, "=v", "", 0), *longkey = repeat("k", FORM_MAX_KEY + 1, "=v", "", 0);
	assert_int_equal(form_rc(key, &n), 0);
	assert_int_equal(form_rc(longkey, &n), REQ_LIMIT_KEY);
	/* Decoding as before. */
	assert_int_equal(form_parse_bounded(&a, "a+b=%E1%9E%80&c&=d", 18, &kv, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(kv[0].key, "a b");
	assert_string_equal(kv[0].val, "ក");
	assert_string_equal(kv[1].key, "c");
	assert_string_equal(kv[1].val, "");
	assert_string_equal(kv[2].key, "");
	arena_release(&a);
	free(thousand), free(more), free(empties), free(key), free(longkey);
}

static void test_cookie_limits(void **state)
{
	(void)state;
	struct buf h = BUF_INIT;
	for (int i = 0; i < COOKIE_MAX_COUNT; i++)
		buf_printf(&h, "%sc%d=v", i ? "; " : "", i);
	size_t count = 0;
	assert_int_equal(req_cookie_check(buf_str(&h), &count), 0);
	assert_int_equal(count, COOKIE_MAX_COUNT);
	count = 0;
	buf_puts(&h, ";c50=v");
	assert_int_equal(req_cookie_check(buf_str(&h), &count), REQ_LIMIT_COOKIES);
	buf_release(&h);
	/* Counted across several Cookie headers. */
	count = 30;
	assert_int_equal(req_cookie_check("a=1; b=2; c=3", &count), 0);
	assert_int_equal(count, 33);
	char *ours = repeat("s", COOKIE_MAX_VALUE, "", "", 0), *longer = repeat("s", COOKIE_MAX_VALUE + 1, "", "", 0);
	char *h1 = NULL, *h2 = NULL, *h3 = NULL;
	assert_true(asprintf(&h1, "x=1; sala_session=%s; sala_lang=km", ours) > 0);
	assert_true(asprintf(&h2, "x=1; sala_session=%s; sala_lang=km", longer) > 0);
	assert_true(asprintf(&h3, "other=%s%s", longer, longer) > 0);
	count = 0;
	assert_int_equal(req_cookie_check(h1, &count), 0);
	count = 0;
	assert_int_equal(req_cookie_check(h2, &count), REQ_LIMIT_COOKIE_VALUE);
	count = 0;
	assert_int_equal(req_cookie_check(h3, &count), 0); /* another site's cookie is not ours to judge */
	struct arena a = ARENA_INIT;
	assert_string_equal(req_cookie_in(&a, h1, "sala_session"), ours);
	assert_string_equal(req_cookie_in(&a, h1, "sala_lang"), "km");
	assert_null(req_cookie_in(&a, h1, "sala_csrf"));
	assert_null(req_cookie_in(&a, NULL, "sala_lang"));
	arena_release(&a);
	free(ours), free(longer), free(h1), free(h2), free(h3);
}

/* ---- multipart ---- */

static void part(struct buf *b, const char *boundary, const char *headers, const char *data)
{
	buf_printf(b, "--%s\r\n%s\r\n\r\n%s\r\n", boundary, headers, data);
}

static int mp_rc(const char *ct, const struct buf *b, size_t *n)
{
	struct arena a = ARENA_INIT;
	struct kv *kv;
	int rc = multipart_form(&a, ct, buf_str(b), b->len, &kv, n);
	arena_release(&a);
	return rc;
}

static void test_multipart_limits(void **state)
{
	(void)state;
	const char *ct = "multipart/form-data; boundary=XyZ";
	struct buf b = BUF_INIT;
	for (int i = 0; i < MULTIPART_MAX_PARTS; i++)
		part(&b, "XyZ", "Content-Disposition: form-data; name=\"f\"", "v");
	struct buf more = BUF_INIT;
	buf_add(&more, b.data, b.len);
	buf_puts(&b, "--XyZ--\r\n");
	size_t n;
	assert_int_equal(mp_rc(ct, &b, &n), 0);
	assert_int_equal(n, MULTIPART_MAX_PARTS);
	part(&more, "XyZ", "X-No-Name: 1", "v");
	buf_puts(&more, "--XyZ--\r\n");
	assert_int_equal(mp_rc(ct, &more, &n), REQ_LIMIT_PARTS);
	buf_release(&b);
	buf_release(&more);
	/* Header block, text field, boundary. */
	char *pad = repeat("p", MULTIPART_MAX_HEADERS, "", "", 0);
	char *hdr = NULL;
	assert_true(asprintf(&hdr, "Content-Disposition: form-data; name=\"a\"\r\nX-Pad: %s", pad) > 0);
	part(&b, "XyZ", hdr, "1");
	buf_puts(&b, "--XyZ--\r\n");
	assert_int_equal(mp_rc(ct, &b, &n), REQ_LIMIT_PART_HEADERS);
	buf_release(&b);
	char *field = repeat("x", MULTIPART_MAX_FIELD, "", "", 0),
	     *big = repeat("x", MULTIPART_MAX_FIELD + 1, "", "", 0);
	part(&b, "XyZ", "Content-Disposition: form-data; name=\"a\"", field);
	buf_puts(&b, "--XyZ--\r\n");
	assert_int_equal(mp_rc(ct, &b, &n), 0);
	buf_release(&b);
	part(&b, "XyZ", "Content-Disposition: form-data; name=\"a\"", big);
	buf_puts(&b, "--XyZ--\r\n");
	assert_int_equal(mp_rc(ct, &b, &n), REQ_LIMIT_PART_FIELD);
	buf_release(&b);
	/* A file part may be larger than a text field, and is found by multipart_file(). */
	part(&b, "XyZ", "Content-Disposition: form-data; name=\"package\"; filename=\"c.zip\"", big);
	buf_puts(&b, "--XyZ--\r\n");
	assert_int_equal(mp_rc(ct, &b, &n), 0);
	struct arena a = ARENA_INIT;
	const char *data, *filename;
	size_t dlen;
	assert_int_equal(multipart_file(&a, ct, buf_str(&b), b.len, "package", &data, &dlen, &filename), 0);
	assert_int_equal(dlen, MULTIPART_MAX_FIELD + 1);
	assert_string_equal(filename, "c.zip");
	arena_release(&a);
	buf_release(&b);
	char *b70 = repeat("b", MULTIPART_MAX_BOUNDARY, "", "", 0),
	     *b71 = repeat("b", MULTIPART_MAX_BOUNDARY + 1, "", "", 0);
	char *ct70 = NULL, *ct71 = NULL;
	assert_true(asprintf(&ct70, "multipart/form-data; boundary=%s", b70) > 0);
	assert_true(asprintf(&ct71, "multipart/form-data; boundary=\"%s\"", b71) > 0);
	part(&b, b70, "Content-Disposition: form-data; name=\"a\"", "1");
	buf_printf(&b, "--%s--\r\n", b70);
	assert_int_equal(mp_rc(ct70, &b, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(mp_rc(ct71, &b, &n), REQ_LIMIT_BOUNDARY);
	assert_int_equal(mp_rc("multipart/form-data", &b, &n), REQ_LIMIT_BOUNDARY);
	buf_release(&b);
	/* Malformed: no delimiter, no closing delimiter. */
	buf_puts(&b, "no delimiter here");
	assert_int_equal(mp_rc(ct, &b, &n), REQ_BAD_MULTIPART);
	buf_release(&b);
	part(&b, "XyZ", "Content-Disposition: form-data; name=\"a\"", "1");
	assert_int_equal(mp_rc(ct, &b, &n), REQ_BAD_MULTIPART);
	buf_release(&b);
	free(pad), free(hdr), free(field), free(big), free(b70), free(b71), free(ct70), free(ct71);
}

/* ---- upload parsers on a worker's stack ---- */

struct deep_case {
	const char *what;
	char *text;
	size_t len;
	int problems; /* out */
	bool done;    /* out: the parser returned */
};

static int no_target(void *ctx, const char *path, struct render_target *t)
{
	(void)ctx, (void)path, (void)t;
	return -1;
}

static void run_lesson(void *p)
{
	struct deep_case *c = p;
	struct problems pr = {0};
	struct render_opts o = {.file = "lessons/a.md", .resolve = no_target, .pr = &pr};
	struct buf html = BUF_INIT;
	char *title = NULL;
	render_lesson(c->text, c->len, &o, &html, &title);
	c->done = html.len > 0;
	free(title);
	buf_release(&html);
	problems_release(&pr);
}

static void run_quiz(void *p)
{
	struct deep_case *c = p;
	struct quiz q;
	struct problems pr = {0};
	c->problems = quiz_parse("final.md", c->text, c->len, &q, &pr);
	quiz_free(&q);
	problems_release(&pr);
	c->done = true;
}

static void run_manifest(void *p)
{
	struct deep_case *c = p;
	struct pkg_info info = {0};
	struct problems pr = {0};
	c->problems = pkg_manifest_parse(c->text, c->len, &info, &pr);
	pkg_info_free(&info);
	problems_release(&pr);
	c->done = true;
}

/*
 * DEEP_BYTES of one nesting pattern: thousands of levels, where a parser that
 * recursed even 32 bytes a level would pass the 100 KiB stack. (Not the whole
 * 256 KB a Markdown file may have: cmark 0.30.2 is quadratic on some of these.)
 */
#define DEEP_BYTES (32 * 1024)
static struct deep_case deep_n(size_t bytes, const char *what, const char *head, const char *open, const char *mid,
			       const char *close)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, head);
	size_t room = bytes - b.len - strlen(mid);
	size_t unit = strlen(open) + strlen(close);
	for (size_t i = 0; i < room / unit; i++)
		buf_puts(&b, open);
	buf_puts(&b, mid);
	for (size_t i = 0; *close && i < room / unit; i++)
		buf_puts(&b, close);
	struct deep_case c = {.what = what};
	c.text = buf_detach(&b, &c.len);
	return c;
}

static struct deep_case deep(const char *what, const char *head, const char *open, const char *mid, const char *close)
{
	return deep_n(DEEP_BYTES, what, head, open, mid, close);
}

/* The whole 256 KB a course.yml may have. */
static struct deep_case deep_yaml(const char *what, const char *head, const char *open, const char *mid,
				  const char *close)
{
	return deep_n(256 * 1024, what, head, open, mid, close);
}

static void test_upload_parsers_deep_input_on_worker_stack(void **state)
{
	(void)state;
	/* cmark 0.30 builds and walks its tree without recursion (block containers on an explicit list,
	 * brackets and emphasis delimiters on heap stacks, rendering through cmark_iter); Sala walks it with
	 * cmark_iter too. */
	struct deep_case md[] = {
	    deep("block quotes", "", ">", " text", ""),	  deep("lists", "", "- ", "item", ""),
	    deep("ordered lists", "", "1. ", "item", ""), deep("brackets", "", "[", "x", "](y)"),
	    deep("images", "", "![", "x", "](y)"),	  deep("emphasis", "", "*_", "x", "_*"),
	    deep("code spans", "", "`", "x", ""),	  deep("links in links", "", "[a ", "b", "](c)"),
	};
	for (size_t i = 0; i < sizeof md / sizeof md[0]; i++) {
		clock_t t0 = clock();
		on_worker_stack(run_lesson, &md[i]);
		if (!md[i].done)
			fail_msg("lesson with deep %s did not render", md[i].what);
		md[i].done = false;
		on_worker_stack(run_quiz, &md[i]);
		if (!md[i].done)
			fail_msg("quiz with deep %s did not parse", md[i].what);
		if (getenv("SALA_TEST_TIMES"))
			fprintf(stderr, "%s: %.2fs\n", md[i].what, (double)(clock() - t0) / CLOCKS_PER_SEC);
		free(md[i].text);
	}
	/* libyaml 0.2.5's parser is a state machine with explicit stacks, and its loader builds the
	 * document with a stack of open nodes (no recursion); Sala reads the document by index. Its scanner
	 * is quadratic in the flow depth, so YAML nested past YAML_MAX_NESTING is refused before loading:
	 * each of these takes well under a second (unchecked, 64 KB of '[' took 4 s). */
	struct deep_case yml[] = {
	    deep_yaml("flow sequences", "", "[", "x", "]"),
	    deep_yaml("flow mappings", "", "{a: ", "x", "}"),
	    deep_yaml("block sequences", "", "- ", "x", ""),
	    deep_yaml("unclosed flow", "", "[{", "", ""),
	    deep_yaml("anchors and aliases", "a: &x [", "*x, ", "1", "]"),
	    deep_yaml("long flow at the limit", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "x, ", "x",
		      "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"),
	};
	for (size_t i = 0; i < sizeof yml / sizeof yml[0]; i++) {
		clock_t t0 = clock();
		on_worker_stack(run_manifest, &yml[i]);
		double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
		if (getenv("SALA_TEST_TIMES"))
			fprintf(stderr, "%s: %.2fs\n", yml[i].what, secs);
		if (!yml[i].done || yml[i].problems == 0)
			fail_msg("course.yml of deep %s: done %d, %d problems", yml[i].what, yml[i].done,
				 yml[i].problems);
		if (secs > 1.0)
			fail_msg("course.yml of deep %s took %.2f s", yml[i].what, secs);
		free(yml[i].text);
	}
	struct problems pr = {0};
	struct pkg_info info = {0};
	const char *deep33 = "id: x\nauthors: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n";
	assert_true(pkg_manifest_parse(deep33, strlen(deep33), &info, &pr) > 0);
	assert_non_null(strstr(buf_str(&pr.text), "course.yml:2: lists and mappings are nested more than 32 levels"));
	pkg_info_free(&info);
	problems_release(&pr);
	/* The same YAML as a quiz's front matter. */
	struct deep_case fm = deep("front matter", "---\nx: ", "[", "1", "]");
	struct buf q = BUF_INIT;
	buf_add(&q, fm.text, fm.len);
	buf_puts(&q, "\n---\n# Question\n\n- [x] yes\n- [ ] no\n");
	free(fm.text);
	fm.text = buf_detach(&q, &fm.len);
	on_worker_stack(run_quiz, &fm);
	assert_true(fm.done);
	assert_true(fm.problems > 0); /* front matter: each setting is 'name: value' */
	free(fm.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_limits),
	    cmocka_unit_test(test_json_getters),
	    cmocka_unit_test(test_http_status_of),
	    cmocka_unit_test(test_form_limits),
	    cmocka_unit_test(test_cookie_limits),
	    cmocka_unit_test(test_multipart_limits),
	    cmocka_unit_test(test_upload_parsers_deep_input_on_worker_stack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
