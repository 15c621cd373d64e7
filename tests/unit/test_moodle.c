/*
 * Moodle question banks: Moodle's own GIFT inputs (tests/data/quiz/moodle/,
 * taken from question/format/gift/tests/fixtures/questions.gift.txt and
 * question/format/gift/examples.txt), with the parse Moodle's
 * giftformat_test.php expects, the same questions in Moodle XML, and the
 * HTML allow-list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assessment/grade.h"
#include "assessment/quiz.h"
#include "lib/buf.h"
#include "lib/html.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#define DATA "../data/quiz/moodle/"

/* Parses a fixture; warnings go to *warn (caller frees). */
static int load(const char *file, bool keep_essays, struct quiz *q, char **warn)
{
	char path[256];
	snprintf(path, sizeof path, DATA "%s", file);
	struct buf b = BUF_INIT;
	struct err e;
	if (file_read(path, &b, &e) < 0)
		fail_msg("%s", e.msg);
	struct problems pr = {0};
	struct quiz_opts o = {.pr = &pr, .keep_essays = keep_essays};
	int rc = quiz_parse_opts(file, buf_str(&b), b.len, q, &o);
	if (rc)
		fail_msg("%s: %s", file, problems_text(&pr));
	buf_release(&b);
	if (warn)
		*warn = xstrdup(problems_warnings(&pr));
	problems_release(&pr);
	return rc;
}

static void types_are(const struct quiz *q, const enum question_type *want, size_t n)
{
	assert_int_equal(q->nquestions, n);
	for (size_t i = 0; i < n; i++)
		if (q->questions[i].type != want[i])
			fail_msg("question %zu (line %d): type %s", i, q->questions[i].line,
				 quiz_type_name(q->questions[i].type));
}

/* The expectations of giftformat_test.php (test_import_*), question by question. */
static void check_gift_fixture(const struct quiz *q, size_t first)
{
	const struct question *m = &q->questions[first];
	assert_string_equal(m->title, "Moodle activities");
	assert_string_equal(m->text, "Match the activity to the description.");
	assert_string_equal(m->html, "<p>Match the <b>activity</b> to the description.</p>");
	assert_int_equal(m->npairs, 5);
	assert_string_equal(m->pairs[0].left, "An activity supporting asynchronous discussions.");
	assert_string_equal(m->pairs[0].right, "Forum");
	assert_string_equal(m->pairs[3].left, "A collection of web pages that anyone can add to or edit.");
	assert_string_equal(m->pairs[4].left, "");
	assert_string_equal(m->pairs[4].right, "Chat");

	const struct question *mc = &q->questions[first + 1];
	assert_string_equal(mc->title, "Q2");
	assert_string_equal(mc->text, "What's between orange and green in the spectrum?");
	assert_int_equal(mc->noptions, 3);
	assert_string_equal(mc->options[0].text, "yellow");
	assert_string_equal(mc->options[2].text, "blue");
	assert_true(mc->options[0].weight == 1 && mc->options[1].weight == 0 && mc->options[2].weight == 0);
	assert_string_equal(mc->options[0].feedback, "<p>right; good!</p>");
	assert_string_equal(mc->options[1].feedback, "<p>wrong, it&#39;s yellow</p>");

	const struct question *mm = &q->questions[first + 2];
	assert_string_equal(mm->title, "colours");
	static const double fr[] = {0.5, -1, 0.5, -1};
	for (int k = 0; k < 4; k++)
		assert_true(mm->options[k].weight == fr[k]);
	assert_string_equal(mm->options[3].text, "blue");
	assert_string_equal(mm->options[1].feedback, "<p>wrong</p>");

	const struct question *nu = &q->questions[first + 3];
	assert_int_equal(nu->nnums, 2);
	assert_true(nu->nums[0].value == 3 && nu->nums[0].min == 1 && nu->nums[0].max == 5 && nu->nums[0].weight == 1);
	assert_true(nu->nums[1].any && nu->nums[1].weight == 0);
	assert_string_equal(nu->nums[1].feedback, "<p>Completely wrong</p>");

	const struct question *sa = &q->questions[first + 4];
	assert_string_equal(sa->title, "Shortanswer");
	assert_true(sa->wildcard);
	static const char *const ans[] = {"Frog", "Cat", "*"};
	static const double sw[] = {1, 0.5, 0};
	for (int k = 0; k < 3; k++) {
		assert_string_equal(sa->options[k].text, ans[k]);
		assert_true(sa->options[k].weight == sw[k]);
	}
	assert_string_equal(sa->options[1].feedback, "<p>What is it with Moodlers and cats?</p>");

	const struct question *tf = &q->questions[first + 5];
	assert_string_equal(tf->title, "Q1");
	/* correctanswer 0: "False" is right; feedbacktrue is the wrong-answer text. */
	assert_false(tf->options[0].right);
	assert_true(tf->options[1].right);
	assert_string_equal(tf->options[0].feedback, "<p>42 is the Ultimate Answer.</p>");
	assert_string_equal(tf->options[1].feedback, "<p>You gave the right answer.</p>");
	assert_non_null(strstr(tf->feedback, "Hitchiker&#39;s Guide to the Galaxy reference."));
}

static void test_gift_fixture(void **state)
{
	(void)state;
	struct quiz q;
	char *warn;
	/* As `sala quiz dump` reads it: all 9 questions, the essay included. */
	load("questions.gift", true, &q, &warn);
	static const enum question_type all[] = {Q_ESSAY, Q_MATCH,     Q_SINGLE,    Q_MULTI,	Q_NUMERIC,
						 Q_SHORT, Q_TRUEFALSE, Q_TRUEFALSE, Q_TRUEFALSE};
	types_are(&q, all, 9);
	assert_string_equal(warn, "");
	assert_string_equal(q.questions[0].title, "Q8");
	assert_string_equal(q.questions[0].text, "How are you?");
	assert_int_equal(q.questions[0].line, 2);
	check_gift_fixture(&q, 1);
	/* The fixture's stray '";' after two blocks makes them missing-word questions, in Moodle too. */
	assert_string_equal(q.questions[4].text, "What is a number from 1 to 5? _____\";");
	assert_true(q.questions[7].options[0].right);
	assert_string_equal(q.questions[8].title, "2-08 TSL");
	quiz_free(&q);
	free(warn);
	/* As a quiz learners take: the same 9, the essay too (trainers grade it, out of 1 point). */
	load("questions.gift", false, &q, &warn);
	assert_int_equal(q.nquestions, 9);
	assert_int_equal(q.questions[0].type, Q_ESSAY);
	assert_true(q.questions[0].points == 1);
	assert_true(grade_scored(&q.questions[0]));
	assert_string_equal(warn, "");
	quiz_free(&q);
	free(warn);
}

static void test_gift_examples(void **state)
{
	(void)state;
	struct quiz q;
	load("examples.gift", false, &q, NULL);
	assert_int_equal(q.nquestions, 43);
	/* Missing word: the block becomes a blank in the sentence. */
	assert_string_equal(q.questions[1].text, "Grant is _____ in Grant's tomb.");
	assert_string_equal(q.questions[7].text,
			    "The American holiday of Thanksgiving is celebrated on the _____ Thursday of November.");
	assert_string_equal(q.questions[10].text, "Two plus two equals _____.");
	/* [markdown] */
	assert_string_equal(q.questions[24].html, "<p>Who's buried in <strong>Grant's tomb</strong>?</p>");
	/* Escapes: "\=" is text, "\\" a backslash, and the backslash is the right answer. */
	assert_string_equal(q.questions[31].options[1].text, "= 2 + 3");
	const struct question *cc = &q.questions[32];
	assert_string_equal(cc->options[2].text, "#");
	assert_string_equal(cc->options[5].text, "\\");
	assert_true(cc->options[5].right);
	assert_non_null(strstr(cc->options[5].feedback, "Correct! \\ (backslash) is not a control character."));
	/* Numerical, several answers with weights and multi-line feedback. */
	const struct question *ne = &q.questions[42];
	assert_string_equal(ne->title, "Numerical example");
	assert_int_equal(ne->nnums, 2);
	assert_true(ne->nums[1].weight == 0.5 && ne->nums[1].min == 1820 && ne->nums[1].max == 1824);
	struct answer an = {NULL, 0, "1821"};
	assert_true(grade_question(ne, &an) == 0.5);
	quiz_free(&q);
}

static void test_moodle_xml(void **state)
{
	(void)state;
	struct quiz q;
	char *warn;
	load("questions.xml", true, &q, &warn);
	static const enum question_type all[] = {Q_ESSAY, Q_MATCH,     Q_SINGLE,      Q_MULTI,	  Q_NUMERIC,
						 Q_SHORT, Q_TRUEFALSE, Q_DESCRIPTION, Q_TRUEFALSE};
	types_are(&q, all, 9);
	/* The same parse as the GIFT file, question for question. */
	check_gift_fixture(&q, 1);
	assert_string_equal(q.questions[5].feedback, "<p>Here is some general feedback!</p>");
	/* The description keeps its formatting and its embedded picture, never the script or a remote picture. */
	assert_string_equal(q.questions[7].html,
			    "<p>The last questions are <em>true or false</em>.</p><p><img src=\"/media/"
			    "4eabe16d76633f4b6e1b1a12954ad8799afdf5a598ed0a5f749e7cfaf5b3dd5d.png\" alt=\"Two dots\" "
			    "width=\"2\" height=\"2\" loading=\"lazy\"></p>");
	assert_int_equal(q.nfiles, 1);
	assert_string_equal(q.files[0].name, "two dots.png");
	assert_string_equal(q.files[0].ext, "png");
	assert_null(q.files[0].data); /* bytes are kept only for the import */
	/* Categories are ignored; a cloze question is left out with its line. */
	assert_string_equal(warn, "questions.xml:108: warning: unsupported question type cloze\n");
	quiz_free(&q);
	free(warn);
	load("questions.xml", false, &q, &warn);
	assert_int_equal(q.nquestions, 9);
	assert_int_equal(q.questions[0].type, Q_ESSAY);
	assert_null(strstr(warn, "essay"));
	quiz_free(&q);
	free(warn);
}

static bool media_only(void *ctx, const char *src, struct buf *out)
{
	(void)ctx;
	if (!html_media_url(src))
		return false;
	buf_puts(out, src);
	return true;
}

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_html_allow_list(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} t[] = {
	    {"<p>a <b>b</b> <strong>c</strong> <i>d</i> <em>e</em> <u>f</u> x<sub>2</sub>y<sup>3</sup></p>",
	     "<p>a <b>b</b> <strong>c</strong> <i>d</i> <em>e</em> <u>f</u> x<sub>2</sub>y<sup>3</sup></p>"},
	    {"<ul><li>one</li></ul><ol><li>two</li></ol><pre><code>x = 1</code></pre>",
	     "<ul><li>one</li></ul><ol><li>two</li></ol><pre><code>x = 1</code></pre>"},
	    {"<table><tr><td colspan=\"2\" style=\"x\">c</td></tr></table>",
	     "<table><tr><td colspan=\"2\">c</td></tr></table>"},
	    {"<p>hi<script>alert(1)</script></p>", "<p>hi</p>"},
	    {"<p onclick=\"alert(1)\" onmouseover=\"x()\" class=\"c\">hi</p>", "<p>hi</p>"},
	    {"<a href=\"javascript:alert(1)\">x</a>", "<p>x</p>"},
	    {"<a href=\"JaVaScRiPt:alert(1)\" onclick=\"y\">x</a>", "<p>x</p>"},
	    {"<a href=\"https://moodle.org/?a=1&amp;b=2\">m</a>",
	     "<p><a href=\"https://moodle.org/?a=1&amp;b=2\" rel=\"noopener noreferrer\">m</a></p>"},
	    {"<img src=\"http://evil.example/x.png\">a", "<p>a</p>"},
	    {"<img src=\"//evil.example/x.png\">a", "<p>a</p>"},
	    {"<img src=\"data:image/png;base64,AAAA\">a", "<p>a</p>"},
	    {"<img src=\"/media/" SHA ".png\" alt=\"A\" width=\"48\" onerror=\"x\">",
	     "<p><img src=\"/media/" SHA ".png\" alt=\"A\" width=\"48\" loading=\"lazy\"></p>"},
	    {"<iframe src=\"https://x\">in</iframe><style>p{}</style><object>o</object>t", "<p>t</p>"},
	    {"<div class=\"frog\"><span style=\"c\">An</span> activity</div>", "<p>An activity</p>"},
	    {"<svg><script>alert(1)</script></svg><math>m</math>ok", "<p>ok</p>"},
	    {"&lt;b&gt;not a tag&lt;/b&gt;<!-- comment -->", "<p>&lt;b&gt;not a tag&lt;/b&gt;</p>"},
	    {"3 < 5 & 2 > 1", "<p>3 &lt; 5 &amp; 2 &gt; 1</p>"},
	    {"<p>ស្រី <b>កែវ</b></p>", "<p>ស្រី <b>កែវ</b></p>"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *h = html_clean(t[i].in, strlen(t[i].in), true, media_only, NULL, NULL);
		if (strcmp(h, t[i].want) != 0)
			fail_msg("case %zu: want '%s', got '%s'", i, t[i].want, h);
		free(h);
	}
	/* Nested deeper than HTML_MAX_DEPTH: the deep part is dropped, the shallow text kept. */
	struct buf deep = BUF_INIT;
	buf_puts(&deep, "top");
	for (int i = 0; i < 5000; i++)
		buf_puts(&deep, "<b>");
	buf_puts(&deep, "DEEP");
	char *text = NULL;
	char *h = html_clean(deep.data, deep.len, false, NULL, NULL, &text);
	assert_null(strstr(h, "DEEP"));
	assert_non_null(strstr(h, "top"));
	assert_true(strlen(h) < 16 * HTML_MAX_DEPTH);
	assert_string_equal(text, "top");
	free(h);
	free(text);
	buf_release(&deep);
	/* Inline: one outer paragraph removed; plain text for labels and reports. */
	h = html_clean("<p>An <em>option</em></p>", 25, false, NULL, NULL, &text);
	assert_string_equal(h, "An <em>option</em>");
	assert_string_equal(text, "An option");
	free(h);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gift_fixture),
	    cmocka_unit_test(test_gift_examples),
	    cmocka_unit_test(test_moodle_xml),
	    cmocka_unit_test(test_html_allow_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
