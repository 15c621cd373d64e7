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

/* One parse: problems and warnings are added to pr (may be NULL) as "NAME:LINE: message" and counted. */
struct quiz_parser {
	const char *name;
	struct problems *pr;
	int problems;
	int nwarnings;
	bool keep_files;
};
void quiz_problem(struct quiz_parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A question left out, the rest imported: a warning "NAME:LINE: warning: message", not a problem. */
void quiz_warn(struct quiz_parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Applies one setting (title, pass_mark, attempts, shuffle, draw, minutes, kind); -1 after reporting a problem. */
int quiz_setting(struct quiz_parser *p, struct quiz *q, const char *key, const char *value, int line);
int quiz_parse_markdown(struct quiz_parser *p, const char *data, size_t len, struct quiz *q);
int quiz_parse_gift(struct quiz_parser *p, const char *data, size_t len, struct quiz *q);
int quiz_parse_moodle_xml(struct quiz_parser *p, const char *data, size_t len, struct quiz *q);

/* Moodle's text formats: FORMAT_MOODLE (auto-format), FORMAT_HTML, FORMAT_PLAIN, FORMAT_MARKDOWN. */
enum quiz_fmt { QF_MOODLE, QF_HTML, QF_PLAIN, QF_MARKDOWN };
/*
 * Text of a Moodle format as safe HTML (block or inline) and, in *plain when
 * not NULL, as plain text: HTML and Moodle auto-format through the allow-list
 * of lib/html.h (auto-format turns line breaks into <br>), Markdown through
 * cmark's safe mode, plain text escaped. img_* resolve embedded images (may
 * be NULL). Both results: caller frees.
 */
char *quiz_fmt_html(enum quiz_fmt f, const char *text, bool block, char **plain,
		    bool (*img)(void *, const char *, struct buf *), void *img_ctx);
/* Drops the last question of q (after a problem or a warning in it). */
void quiz_drop_last(struct quiz *q);
/* Renders Markdown in safe mode; inline strips the outer paragraph. Caller frees. */
char *quiz_md_html(const char *md, size_t len, bool inline_only);
/* Escapes plain text as HTML (newlines kept as <br>); block wraps it in <p>. Caller frees. */
char *quiz_text_html(const char *s, bool block);

#endif
