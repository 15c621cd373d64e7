/* Quiz parsing (Markdown and GIFT) and grading: tables of inputs and expected results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glob.h>
#include <cmocka.h>

#include "assessment/grade.h"
#include "assessment/quiz.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#define DATA "../data/quiz/"

/* Parses src; the problems text goes into *errs (caller frees). */
static int parse(const char *name, const char *src, struct quiz *q, char **errs)
{
	struct problems pr = {0};
	int rc = quiz_parse(name, src, strlen(src), q, &pr);
	assert_int_equal(rc, pr.n);
	if (errs)
		*errs = xstrdup(problems_text(&pr));
	problems_release(&pr);
	return rc;
}

static int parse_file(const char *path, struct quiz *q, char **errs)
{
	struct buf b = BUF_INIT;
	struct err e;
	if (file_read(path, &b, &e) < 0)
		fail_msg("%s", e.msg);
	int rc = parse(path, buf_str(&b), q, errs);
	buf_release(&b);
	return rc;
}

static void test_bundled_quizzes_parse(void **state)
{
	(void)state;
	glob_t g;
	assert_int_equal(glob("../../courses/library/*/quizzes/*", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 9);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct quiz q;
		char *errs;
		int rc = parse_file(g.gl_pathv[i], &q, &errs);
		if (rc)
			fail_msg("%s", errs);
		assert_true(q.nquestions >= 5);
		free(errs);
		quiz_free(&q);
	}
	globfree(&g);
}

static void test_digital_identity_gift(void **state)
{
	(void)state;
	struct quiz q;
	assert_int_equal(parse_file("../../courses/library/digital-identity/quizzes/final.gift", &q, NULL), 0);
	assert_int_equal(q.nquestions, 17);
	static const enum question_type want[] = {Q_SINGLE, Q_SINGLE, Q_SINGLE, Q_NUMERIC,   Q_SINGLE, Q_TRUEFALSE,
						  Q_MULTI,  Q_SINGLE, Q_SINGLE, Q_TRUEFALSE, Q_SINGLE, Q_SINGLE,
						  Q_SHORT,  Q_SINGLE, Q_MULTI,	Q_TRUEFALSE, Q_MATCH};
	for (size_t i = 0; i < 17; i++)
		assert_int_equal(q.questions[i].type, want[i]);
	assert_string_equal(q.questions[0].title, "Q01 Meaning of digital identity");
	assert_int_equal(q.questions[16].npairs, 3);
	quiz_free(&q);
}

static void test_moodle_doc_examples(void **state)
{
	(void)state;
	struct quiz q;
	char *errs;
	int rc = parse_file(DATA "moodle-doc.gift", &q, &errs);
	if (rc)
		fail_msg("%s", errs);
	free(errs);
	static const enum question_type want[] = {Q_SINGLE, Q_SINGLE, Q_SHORT,	   Q_SHORT,   Q_TRUEFALSE, Q_TRUEFALSE,
						  Q_MATCH,  Q_MATCH,  Q_NUMERIC,   Q_NUMERIC, Q_NUMERIC,   Q_NUMERIC,
						  Q_SINGLE, Q_SHORT,  Q_TRUEFALSE, Q_MULTI,   Q_SHORT,	   Q_SHORT,
						  Q_SINGLE, Q_SINGLE, Q_SINGLE,	   Q_SHORT};
	assert_int_equal(q.nquestions, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < q.nquestions; i++)
		assert_int_equal(q.questions[i].type, want[i]);
	/* Spot checks: escapes, titles, general feedback, weights, markdown marker, trailing full stop. */
	assert_string_equal(q.questions[18].options[1].text, "= 2 + 3");
	assert_string_equal(q.questions[19].options[0].text, "~ = # { } :");
	assert_string_equal(q.questions[16].title, "Kanji Origins");
	assert_string_equal(q.questions[20].feedback, "<p>There are seven days in a week.</p>");
	assert_true(q.questions[15].options[0].weight < -0.99);
	assert_string_equal(q.questions[17].html, "<p>What is the <strong>colour</strong> of the sky?</p>");
	assert_string_equal(q.questions[9].text, "What is the value of pi (to 3 decimal places)? _____.");
	assert_string_equal(q.questions[12].options[2].feedback, "<p>Very good!</p>");
	assert_string_equal(q.questions[14].options[0].feedback, "<p>No one is buried in Grant&#39;s tomb.</p>");
	quiz_free(&q);
}

static void test_missing_word_essay_description(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct err e;
	if (file_read(DATA "unsupported.gift", &b, &e) < 0)
		fail_msg("%s", e.msg);
	struct problems pr = {0};
	struct quiz q;
	assert_int_equal(quiz_parse("unsupported.gift", buf_str(&b), b.len, &q, &pr), 0);
	/* The missing word, the essay (graded by a trainer, out of 1 point) and the description are read. */
	assert_int_equal(pr.n, 0);
	assert_string_equal(problems_warnings(&pr), "");
	assert_int_equal(q.nquestions, 3);
	assert_int_equal(q.questions[0].type, Q_SINGLE);
	assert_string_equal(q.questions[0].text, "Grant is _____ in Grant's tomb.");
	assert_int_equal(q.questions[1].type, Q_ESSAY);
	assert_int_equal(q.questions[1].line, 4);
	assert_true(q.questions[1].points == 1);
	assert_int_equal(q.questions[2].type, Q_DESCRIPTION);
	assert_int_equal(q.questions[2].line, 6);
	quiz_free(&q);
	problems_release(&pr);
	buf_release(&b);
}

static const char md_all[] = "---\n"
			     "title: Final check\n"
			     "pass_mark: 80\n"
			     "attempts: 3\n"
			     "shuffle: true\n"
			     "draw: 3\n"
			     "minutes: 20\n"
			     "kind: pretest\n"
			     "---\n"
			     "\n"
			     "## Which of these is the strongest password?\n"
			     "- [ ] password123\n"
			     "- [x] four random *words* joined together\n"
			     "- [ ] your date of birth\n"
			     "\n"
			     "> A long passphrase is hard to guess.\n"
			     "\n"
			     "## Which are signs of phishing? Choose all that apply.\n"
			     "- [x] It asks you to act urgently\n"
			     "- [x] The sender address does not match\n"
			     "- [ ] It is written in Khmer\n"
			     "\n"
			     "## What does OWSU stand for?\n"
			     "= One Window Service Unit\n"
			     "= One-Window Service Unit\n"
			     "\n"
			     "## Match each task to the right service.\n"
			     "\n"
			     "Some more text for the question.\n"
			     "\n"
			     "- Business registration -> Online Business Registration portal\n"
			     "- Paying taxes -> e-Tax services\n"
			     "- Customs -> e-Tax services\n";

static void test_markdown_all_types(void **state)
{
	(void)state;
	struct quiz q;
	char *errs;
	if (parse("all.md", md_all, &q, &errs))
		fail_msg("%s", errs);
	free(errs);
	assert_string_equal(q.title, "Final check");
	assert_int_equal(q.pass_mark, 80);
	assert_int_equal(q.attempts, 3);
	assert_true(q.shuffle);
	assert_int_equal(q.draw, 3);
	assert_int_equal(q.minutes, 20);
	assert_int_equal(q.kind, QUIZ_PRETEST);
	assert_int_equal(q.nquestions, 4);
	assert_int_equal(q.questions[0].type, Q_SINGLE);
	assert_int_equal(q.questions[0].line, 11);
	assert_string_equal(q.questions[0].options[1].text, "four random words joined together");
	assert_string_equal(q.questions[0].options[1].html, "four random <em>words</em> joined together");
	assert_string_equal(q.questions[0].feedback, "<p>A long passphrase is hard to guess.</p>");
	assert_int_equal(q.questions[1].type, Q_MULTI);
	assert_int_equal(q.questions[2].type, Q_SHORT);
	assert_int_equal(q.questions[2].noptions, 2);
	assert_string_equal(q.questions[2].options[1].text, "One-Window Service Unit");
	assert_int_equal(q.questions[3].type, Q_MATCH);
	assert_int_equal(q.questions[3].npairs, 3);
	assert_non_null(strstr(q.questions[3].html, "Some more text"));
	quiz_free(&q);
}

static void test_markdown_safe_mode(void **state)
{
	(void)state;
	struct quiz q;
	const char *src = "## Click <script>alert(1)</script> [here](javascript:alert(1))\n- [x] <b>a</b>\n- [ ] b\n";
	assert_int_equal(parse("x.md", src, &q, NULL), 0);
	assert_null(strstr(q.questions[0].html, "<script"));
	assert_null(strstr(q.questions[0].html, "javascript:"));
	assert_null(strstr(q.questions[0].options[0].html, "<b>"));
	quiz_free(&q);
}

static const struct {
	const char *name, *src, *want;
} bad[] = {
    {"q.md", "## Q\n- [ ] a\n- [ ] b\n", "q.md:1: no option is marked right"},
    {"q.md", "## Q\n\ntext only\n", "q.md:1: the question has no answers"},
    {"q.md", "## Q\n- [x] a\n- b\n", "q.md:3: an answer needs '[ ]' or '[x]'"},
    {"q.md", "## Q\n- [x] a\n- left -> right\n", "q.md:3: do not mix"},
    {"q.md", "## Q\n- [x] a\n\n> fb\n\nstray\n", "q.md:6: unexpected text after the answers"},
    {"q.md", "## Q\n> fb\n- [x] a\n", "q.md:2: feedback ('> ') comes after the answers"},
    {"q.md", "---\npass_mark: 180\n---\n## Q\n- [x] a\n- [ ] b\n", "q.md:2: bad value '180' for 'pass_mark'"},
    {"q.md", "---\ncolour: red\n---\n## Q\n- [x] a\n- [ ] b\n", "q.md:2: unknown setting 'colour'"},
    {"q.md", "---\nkind: exam\n---\n## Q\n- [x] a\n- [ ] b\n", "q.md:2: bad value 'exam' for 'kind'"},
    {"q.md", "---\ntitle: x\n## Q\n", "q.md:1: front matter starting with '---' is not closed"},
    {"q.md", "---\ndraw: 5\n---\n## Q\n- [x] a\n- [ ] b\n", "q.md:1: 'draw: 5' asks for more"},
    {"q.md", "## Q\n- a -> b\n", "q.md:1: a matching question needs at least two pairs"},
    {"q.md", "# Only a title\n", "q.md:1: the quiz has no questions"},
    {"q.md", "## Q\n= a\n- [x] b\n", "q.md:3: a question has one block of answers"},
    {"q.md", "## Q\n\xff\n", "q.md:2: the file is not valid UTF-8"},
    {"q.gift", "Q {=a ~b\n", "q.gift:1: the answer block '{' is not closed"},
    {"q.gift", "\n\n::T:: Q {~a ~b}\n", "q.gift:3: no answer is marked right"},
    {"q.gift", "Q {#abc}\n", "q.gift:1: a numerical answer must be"},
    {"q.gift", "Q {=a -> b =c}\n", "q.gift:1: in a matching question every answer"},
    {"q.gift", "Q {~%5x%a =b}\n", "q.gift:1: a weight must look like"},
    {"q.gift", "// kind: exam\nQ {=a}\n", "q.gift:1: bad value 'exam' for 'kind'"},
    {"q.gift", "Q } more {=b}\n", "q.gift:1: a '}' has no '{' before it"},
    {"q.gift", "Q {T} {=b}\n\nOnly {~a ~b}\n", "q.gift:3: no answer is marked right"},
    {"q.xml", "<quiz><question type=\"truefalse\"><questiontext><text>Q</text></questiontext></question></quiz>",
     "q.xml:1: a true/false question needs the answer"},
    {"q.xml",
     "<quiz><question type='shortanswer'>\n<questiontext><text>Q</text></questiontext><answer fraction='0'>"
     "<text>a</text></answer></question></quiz>",
     "q.xml:1: no answer is marked right"},
    {"q.xml", "<quiz><question", "q.xml:1: not well-formed XML"},
    {"q.xml", "<!DOCTYPE quiz [<!ENTITY a 'b'>]><quiz/>", "q.xml:1: a DOCTYPE is not accepted"},
    {"q.xml", "<questions/>", "q.xml:1: the root element must be <quiz>"},
};

static void test_parse_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct quiz q;
		char *errs;
		int rc = parse(bad[i].name, bad[i].src, &q, &errs);
		if (rc == 0 || !strstr(errs, bad[i].want))
			fail_msg("case %zu: want '%s', got (%d) '%s'", i, bad[i].want, rc, errs);
		free(errs);
		quiz_free(&q);
	}
}

static void test_gift_settings(void **state)
{
	(void)state;
	struct quiz q;
	const char *src = "// kind: pretest\n// pass_mark: 60\n// attempts: 2\n// an ordinary comment\n\nQ {T}\n";
	assert_int_equal(parse("p.gift", src, &q, NULL), 0);
	assert_int_equal(q.kind, QUIZ_PRETEST);
	assert_int_equal(q.pass_mark, 60);
	assert_int_equal(q.attempts, 2);
	quiz_free(&q);
}

/* Grading: source, question, answer (option list or text), expected score. */
#define C(...) ((int[]){__VA_ARGS__}), (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int))
static const struct {
	const char *name, *src;
	int question;
	int *chosen;
	int nchosen;
	const char *text;
	double want;
} grades[] = {
    /* Markdown single, multi (max(0, (R - W) / right answers)), short, matching. */
    {"g.md", md_all, 0, C(1), NULL, 1},
    {"g.md", md_all, 0, C(0), NULL, 0},
    {"g.md", md_all, 0, C(0, 1), NULL, 0},
    {"g.md", md_all, 0, NULL, 0, NULL, 0},
    {"g.md", md_all, 0, C(7), NULL, 0},
    {"g.md", md_all, 1, C(0, 1), NULL, 1},
    {"g.md", md_all, 1, C(0), NULL, 0.5},
    {"g.md", md_all, 1, C(0, 2), NULL, 0},
    {"g.md", md_all, 1, C(0, 1, 2), NULL, 0.5},
    {"g.md", md_all, 1, C(2), NULL, 0},
    {"g.md", md_all, 1, C(0, 0), NULL, 0.5},
    {"g.md", md_all, 2, NULL, 0, "one window service unit", 1},
    {"g.md", md_all, 2, NULL, 0, "  One   Window\tService Unit ", 1},
    {"g.md", md_all, 2, NULL, 0, "ONE-WINDOW SERVICE UNIT", 1},
    {"g.md", md_all, 2, NULL, 0, "One Window", 0},
    {"g.md", md_all, 3, C(0, 1, 1), NULL, 1},
    {"g.md", md_all, 3, C(0, 1, 2), NULL, 1}, /* "Customs" -> the other "e-Tax services" pair: same text */
    {"g.md", md_all, 3, C(0, 0, 1), NULL, 2.0 / 3},
    {"g.md", md_all, 3, C(1, 0, 0), NULL, 0},
    {"g.md", md_all, 3, C(0, -1, -1), NULL, 1.0 / 3},
    /* GIFT weights, single with partial credit, numeric tolerance, ranges and several answers. */
    {"g.gift", "Q {~%-100%No one ~%50%Grant ~%50%Grant's wife ~%-100%Grant's father}", 0, C(1, 2), NULL, 1},
    {"g.gift", "Q {~%-100%No one ~%50%Grant ~%50%Grant's wife ~%-100%Grant's father}", 0, C(1), NULL, 0.5},
    {"g.gift", "Q {~%-100%No one ~%50%Grant ~%50%Grant's wife ~%-100%Grant's father}", 0, C(1, 3), NULL, 0},
    {"g.gift", "Q {~%-100%No one ~%50%Grant ~%50%Grant's wife ~%-100%Grant's father}", 0, C(0, 1, 2), NULL, 0},
    {"g.gift", "Q {=right ~%50%half ~wrong}", 0, C(1), NULL, 0.5},
    {"g.gift", "Q {=right ~%50%half ~wrong}", 0, C(0), NULL, 1},
    {"g.gift", "Q {T}", 0, C(0), NULL, 1},
    {"g.gift", "Q {T}", 0, C(1), NULL, 0},
    {"g.gift", "Q {FALSE#wrong#right}", 0, C(1), NULL, 1},
    {"g.gift", "When was Grant born? {#1822:5}", 0, NULL, 0, "1826", 1},
    {"g.gift", "When was Grant born? {#1822:5}", 0, NULL, 0, "1828", 0},
    {"g.gift", "When was Grant born? {#1822:5}", 0, NULL, 0, "១៨២២", 1},
    {"g.gift", "When was Grant born? {#1822:5}", 0, NULL, 0, "about 1822", 0},
    {"g.gift", "Pi? {#3.141..3.142}", 0, NULL, 0, "3.1415", 1},
    {"g.gift", "Pi? {#3.141..3.142}", 0, NULL, 0, "3,1415", 1},
    {"g.gift", "Pi? {#3.141..3.142}", 0, NULL, 0, "3.15", 0},
    {"g.gift", "Born? {# =1822:0 =%50%1821:2}", 0, NULL, 0, "1822", 1},
    {"g.gift", "Born? {# =1822:0 =%50%1821:2}", 0, NULL, 0, "1820", 0.5},
    {"g.gift", "Born? {# =1822:0 =%50%1821:2}", 0, NULL, 0, "1,822", 1},
    {"g.gift", "Two plus two equals {=four =4}", 0, NULL, 0, "Four", 1},
    {"g.gift", "Two plus two equals {=four =%50%for}", 0, NULL, 0, "for", 0.5},
    {"g.gift", "M {=a -> 1 =b -> 2 =c -> 3}", 0, C(0, 1, 2), NULL, 1},
    {"g.gift", "M {=a -> 1 =b -> 2 =c -> 3}", 0, C(1, 0, 2), NULL, 1.0 / 3},
    {"g.gift", "M {=a -> 1 =b -> 2 =c -> 3}", 0, C(0, 1), NULL, 0},
    {"g.gift", "M {=a -> 1 =b -> 2 = -> 3}", 0, C(0, 1, -1), NULL, 1},
    /* Moodle: short-answer wildcards, the first matching answer counts, numerical "any other answer". */
    {"g.gift", "Best animal?{=Frog#Good! =%50%Cat =%0%*#Completely wrong}", 0, NULL, 0, "frog", 1},
    {"g.gift", "Best animal?{=Frog#Good! =%50%Cat =%0%*#Completely wrong}", 0, NULL, 0, " CAT ", 0.5},
    {"g.gift", "Best animal?{=Frog#Good! =%50%Cat =%0%*#Completely wrong}", 0, NULL, 0, "dog", 0},
    {"g.gift", "Who? {=%50%Nel*n =Nelson}", 0, NULL, 0, "Nelson", 0.5},
    {"g.gift", "Who? {=Nel*n}", 0, NULL, 0, "Nelly Mandela is gone", 0},
    {"g.gift", "Who? {=Nel*n}", 0, NULL, 0, "Nelly Mandela was a man", 1},
    {"g.gift", "Who? {=*man*}", 0, NULL, 0, "Mandela", 1},
    {"g.gift", "Who? {=*man*}", 0, NULL, 0, "Nelson", 0},
    {"g.gift", "Star? {=5\\*3}", 0, NULL, 0, "5*3", 1},
    {"g.gift", "Star? {=5\\*3}", 0, NULL, 0, "5x3", 0},
    {"g.gift", "Star? {=5*3}", 0, NULL, 0, "5x3", 1},
    {"g.md", "## Star?\n= 5*3\n", 0, NULL, 0, "5x3", 0}, /* Markdown quizzes have no wildcards */
    {"g.gift", "Number? {#3:2~#Completely wrong}", 0, NULL, 0, "4.5", 1},
    {"g.gift", "Number? {#3:2~#Completely wrong}", 0, NULL, 0, "6", 0},
    {"g.gift", "Number? {#\n=%100%3:2#\n~#Completely wrong\n}", 0, NULL, 0, "1", 1},
    {"g.gift", "Born? {# =%50%1821:2 =1822:0}", 0, NULL, 0, "1822", 0.5},
    {"g.gift", "Grant is {~buried =entombed ~living} in Grant's tomb.", 0, C(1), NULL, 1},
    /* Moodle XML <usecase>: case matters only when it is 1. */
    {"c.xml",
     "<quiz><question type='shortanswer'><questiontext><text>Q</text></questiontext><usecase>1</usecase>"
     "<answer fraction='100'><text>Fr*g</text></answer></question></quiz>",
     0, NULL, 0, "frog", 0},
    {"c.xml",
     "<quiz><question type='shortanswer'><questiontext><text>Q</text></questiontext><usecase>1</usecase>"
     "<answer fraction='100'><text>Fr*g</text></answer></question></quiz>",
     0, NULL, 0, "Froooog", 1},
    {"c.xml",
     "<quiz><question type='shortanswer'><questiontext><text>Q</text></questiontext><usecase>0</usecase>"
     "<answer fraction='100'><text>Fr*g</text></answer></question></quiz>",
     0, NULL, 0, "FROG", 1},
    /* Khmer short answers: canonical reordering (COENG before ATTHACAN), zero-width spaces. */
    {"k.md", "## ពាក្យ?\n= ក\xe1\x9f\x92\xe1\x9f\x9d\n", 0, NULL, 0, "ក\xe1\x9f\x9d\xe1\x9f\x92", 1},
    {"k.md", "## ពាក្យ?\n= ឃុំ សង្កាត់\n", 0, NULL, 0, "ឃុំ\xe2\x80\x8b សង្កាត់", 1},
    {"k.md", "## ពាក្យ?\n= ឃុំ\n", 0, NULL, 0, "ឃំុ", 0},
    {"k.md", "## Word?\n= café\n", 0, NULL, 0, "CAFE\xcc\x81", 1},
};

static void test_grading_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof grades / sizeof grades[0]; i++) {
		struct quiz q;
		char *errs;
		if (parse(grades[i].name, grades[i].src, &q, &errs))
			fail_msg("case %zu: %s", i, errs);
		free(errs);
		struct answer an = {grades[i].chosen, grades[i].nchosen, (char *)grades[i].text};
		double got = grade_question(&q.questions[grades[i].question], &an);
		if (got < grades[i].want - 1e-9 || got > grades[i].want + 1e-9)
			fail_msg("case %zu: want %g, got %g", i, grades[i].want, got);
		quiz_free(&q);
	}
}

static void test_hostile_inputs_are_bounded(void **state)
{
	(void)state;
	/* Large and pathological inputs: refused or parsed quickly, never a crash. */
	static const char *const units[] = {"## Q\n- [x] a\n- [ ] b\n",
					    "{",
					    "}",
					    "\\",
					    "::",
					    "~%",
					    "= ",
					    "- [x] ",
					    "> ",
					    "![[]()",
					    "{#",
					    "{=a->",
					    "\n\n",
					    "#",
					    "---\n",
					    "\xe1\x9f"};
	struct buf big = BUF_INIT;
	clock_t t0 = clock();
	for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
		for (int fmt = 0; fmt < 2; fmt++) {
			buf_reset(&big);
			while (big.len < QUIZ_MAX_BYTES - 64)
				buf_puts(&big, units[u]);
			struct quiz q;
			quiz_parse(fmt ? "h.gift" : "h.md", big.data, big.len, &q, NULL);
			assert_true(q.nquestions <= QUIZ_MAX_QUESTIONS);
			quiz_free(&q);
		}
	}
	buf_reset(&big);
	while (big.len <= QUIZ_MAX_BYTES)
		buf_puts(&big, "## Q\n- [x] a\n- [ ] b\n");
	struct quiz q;
	assert_int_equal(quiz_parse("big.md", big.data, big.len, &q, NULL), 1);
	quiz_free(&q);
	buf_release(&big);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 20.0);
}

static void test_parse_number(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int rc;
		double v;
	} t[] = {{"42", 0, 42},	   {" 3.5 ", 0, 3.5},	 {"3,5", 0, 3.5}, {"1,822", 0, 1822},
		 {"១២៣", 0, 123},  {"-2", 0, -2},	 {"", -1, 0},	  {"abc", -1, 0},
		 {"1e3", 0, 1000}, {"12 345", 0, 12345}, {"nan", -1, 0},  {"0x10", -1, 0}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		double v = 0;
		int rc = grade_parse_number(t[i].in, &v);
		if (rc != t[i].rc || (rc == 0 && v != t[i].v))
			fail_msg("'%s': want %d/%g, got %d/%g", t[i].in, t[i].rc, t[i].v, rc, v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bundled_quizzes_parse), cmocka_unit_test(test_digital_identity_gift),
	    cmocka_unit_test(test_moodle_doc_examples),	  cmocka_unit_test(test_missing_word_essay_description),
	    cmocka_unit_test(test_markdown_all_types),	  cmocka_unit_test(test_markdown_safe_mode),
	    cmocka_unit_test(test_parse_errors),	  cmocka_unit_test(test_gift_settings),
	    cmocka_unit_test(test_grading_table),	  cmocka_unit_test(test_hostile_inputs_are_bounded),
	    cmocka_unit_test(test_parse_number),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
