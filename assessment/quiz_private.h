/*
 * Internal to the quiz parsers (assessment/quiz.c, quiz_md.c, quiz_gift.c);
 * nothing else includes it. The public API is assessment/quiz.h.
 */
#ifndef SALA_QUIZ_PRIVATE_H
#define SALA_QUIZ_PRIVATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "assessment/quiz.h"
#include "lib/diag.h"

/* One parse: problems are added to pr (may be NULL) as "NAME:LINE: message" and counted. */
struct quiz_parser {
	const char *name;
	struct problems *pr;
	int problems;
};
void quiz_problem(struct quiz_parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Applies one setting (title, pass_mark, attempts, shuffle, draw, minutes, kind); -1 after reporting a problem. */
int quiz_setting(struct quiz_parser *p, struct quiz *q, const char *key, const char *value, int line);
int quiz_parse_markdown(struct quiz_parser *p, const char *data, size_t len, struct quiz *q);
int quiz_parse_gift(struct quiz_parser *p, const char *data, size_t len, struct quiz *q);
/* Renders Markdown in safe mode; inline strips the outer paragraph. Caller frees. */
char *quiz_md_html(const char *md, size_t len, bool inline_only);
/* Escapes plain text as HTML (newlines kept as <br>); block wraps it in <p>. Caller frees. */
char *quiz_text_html(const char *s, bool block);

#endif
