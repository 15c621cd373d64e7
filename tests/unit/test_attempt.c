/* Attempts, the pure parts: layout from a seed, answer parsing and storage, grading glue. Tables of inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assessment/attempt.h"
#include "assessment/attempt_private.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"

/* One question of each type, in source order: single, multi, short, matching (two pairs share "1"), numeric, T/F. */
static const char *const all_types = "Pick a. {=a ~b ~c}\n\n"
				     "Tick a and b. {~%50%a ~%50%b ~%-100%c}\n\n"
				     "Capital? {=Phnom Penh =phnompenh}\n\n"
				     "Match. {=x -> 1 =y -> 2 =z -> 1}\n\n"
				     "Five? {#5:1}\n\n"
				     "True? {T}\n";

static void parse_quiz(const char *name, const char *src, struct quiz *q)
{
	struct problems pr = {0};
	int rc = quiz_parse(name, src, strlen(src), q, &pr);
	if (rc)
		fail_msg("%s", problems_text(&pr));
	problems_release(&pr);
}

/* An attempt on src laid out from seed (nothing stored). attempt_release() frees it. */
static void make_attempt(const char *name, const char *src, uint64_t seed, struct attempt *a)
{
	memset(a, 0, sizeof *a);
	parse_quiz(name, src, &a->quiz);
	attempt_layout_build(&a->quiz, seed, &a->items, &a->nitems);
	a->answers = xcalloc((size_t)a->nitems + 1, sizeof *a->answers);
	a->score = -1;
}

static char *layout_str(const struct attempt *a)
{
	struct buf b = BUF_INIT;
	attempt_layout_format(a->items, a->nitems, &b);
	char *s = xstrdup(buf_str(&b));
	buf_release(&b);
	return s;
}

static void test_quiz_types(void **state)
{
	(void)state;
	struct quiz q;
	parse_quiz("all.gift", all_types, &q);
	static const enum question_type want[] = {Q_SINGLE, Q_MULTI, Q_SHORT, Q_MATCH, Q_NUMERIC, Q_TRUEFALSE};
	assert_int_equal(q.nquestions, 6);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(q.questions[i].type, want[i]);
	quiz_free(&q);
}

/* Without shuffle every question is asked in source order, options unshuffled; matching choices always shuffle. */
static void test_layout_unshuffled(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < 20; seed++) {
		struct attempt a;
		make_attempt("all.gift", all_types, seed, &a);
		assert_int_equal(a.nitems, 6);
		char *s = layout_str(&a);
		/* Choices of "Match.": pairs 0 and 1 (pair 2 repeats pair 0's "1"), in either order. */
		if (strcmp(s, "0:0,1,2;1:0,1,2;2:;3:0,1,2/0,1;4:;5:0,1") != 0 &&
		    strcmp(s, "0:0,1,2;1:0,1,2;2:;3:0,1,2/1,0;4:;5:0,1") != 0)
			fail_msg("seed %llu: layout %s", (unsigned long long)seed, s);
		free(s);
		attempt_release(&a);
	}
}

static bool is_perm(const int *v, int n, int limit)
{
	for (int i = 0; i < n; i++) {
		if (v[i] < 0 || v[i] >= limit)
			return false;
		for (int j = 0; j < i; j++)
			if (v[i] == v[j])
				return false;
	}
	return true;
}

/* Shuffle and draw: {settings, questions asked}; the same seed gives the same layout, seeds differ. */
static const struct {
	const char *settings;
	int asked;
	bool shuffled;
} draws[] = {
    {"// shuffle: yes\n", 6, true},
    {"// draw: 3\n", 3, false},
    {"// draw: 4\n// shuffle: yes\n", 4, true},
    {"// draw: 6\n", 6, false},
};

static void test_layout_draw_and_shuffle(void **state)
{
	(void)state;
	for (size_t t = 0; t < sizeof draws / sizeof draws[0]; t++) {
		char *src = xasprintf("%s\n%s", draws[t].settings, all_types);
		char *first = NULL;
		int distinct = 0;
		for (uint64_t seed = 1; seed <= 40; seed++) {
			struct attempt a, again;
			make_attempt("d.gift", src, seed, &a);
			make_attempt("d.gift", src, seed, &again);
			assert_int_equal(a.nitems, draws[t].asked);
			assert_int_equal(attempt_quiz_asked(&a.quiz), draws[t].asked);
			char *s = layout_str(&a), *s2 = layout_str(&again);
			assert_string_equal(s, s2); /* deterministic in the seed */
			int qs[8];
			for (int i = 0; i < a.nitems; i++) {
				const struct attempt_item *it = &a.items[i];
				const struct question *qu = &a.quiz.questions[it->question];
				qs[i] = it->question;
				if (!draws[t].shuffled && i > 0)
					assert_true(qs[i] > qs[i - 1]); /* drawn, then kept in source order */
				int limit = qu->type == Q_MATCH ? (int)qu->npairs : (int)qu->noptions;
				assert_true(is_perm(it->order, it->norder, limit));
				if (qu->type == Q_TRUEFALSE)
					assert_true(it->order[0] == 0 && it->order[1] == 1); /* never shuffled */
				if (qu->type == Q_MATCH)
					assert_int_equal(it->nchoices, 2);
			}
			assert_true(is_perm(qs, a.nitems, 6));
			if (!first)
				first = xstrdup(s);
			else if (strcmp(first, s) != 0)
				distinct++;
			free(s);
			free(s2);
			attempt_release(&a);
			attempt_release(&again);
		}
		/* Every table entry draws or shuffles something, so 40 seeds give more than one layout. */
		if (draws[t].shuffled || draws[t].asked < 6)
			assert_true(distinct > 0);
		free(first);
		free(src);
	}
}

/* Stored layouts read back against the quiz: well formed ones round-trip, the rest are refused. */
static const struct {
	const char *stored;
	bool ok;
} stored_layouts[] = {
    {"0:0,1,2;1:0,1,2;2:;3:0,1,2/0,1;4:;5:0,1", true},
    {"5:1,0;0:2,0,1", true},
    {"3:2,0,1/1,0", true},
    {"", false},
    {"x", false},
    {"-1:0", false},
    {"6:0", false},	/* no question 6 */
    {"0:0,0,1", false}, /* repeated option */
    {"0:0,3", false},	/* no option 3 */
    {"0:0,1/0", false}, /* choices on a single-choice question */
    {"3:0,1,2/0,3", false},
    {"0:0,1,2;1:0,1,2;2:;3:0,1,2/0,1;4:;5:0,1;0:0", false}, /* more items than questions */
    {"0;1", false},
};

static void test_layout_parse(void **state)
{
	(void)state;
	struct quiz q;
	parse_quiz("all.gift", all_types, &q);
	for (size_t t = 0; t < sizeof stored_layouts / sizeof stored_layouts[0]; t++) {
		struct attempt_item *items = NULL;
		int n = -1;
		int rc = attempt_layout_parse(stored_layouts[t].stored, &q, &items, &n);
		if ((rc == 0) != stored_layouts[t].ok)
			fail_msg("layout '%s': rc %d", stored_layouts[t].stored, rc);
		if (rc < 0) {
			assert_null(items);
			continue;
		}
		struct buf b = BUF_INIT;
		attempt_layout_format(items, n, &b);
		assert_string_equal(buf_str(&b), stored_layouts[t].stored);
		buf_release(&b);
		for (int i = 0; i < n; i++)
			attempt_item_release(&items[i]);
		free(items);
	}
	quiz_free(&q);
}

/* Answers as form or JSON keys (a NULL key ends them), and what is stored, or the refusal. */
struct kv {
	const char *key, *val;
};
static const char *kv_get(void *ctx, const char *key)
{
	for (const struct kv *p = ctx; p->key; p++)
		if (strcmp(p->key, key) == 0)
			return p->val;
	return NULL;
}

static char long_text[1100];

static const struct {
	struct kv in[5];    /* up to 4, then NULL */
	const char *stored; /* attempts.answers, or NULL when refused */
	const char *bad_key;
} answer_cases[] = {
    {{{NULL, NULL}}, "", NULL},
    {{{"q0", "1"}}, "0 c 1\n", NULL},
    {{{"q0", ""}}, "", NULL},
    {{{"q0", "3"}}, NULL, "q0"},
    {{{"q0", "x"}}, NULL, "q0"},
    {{{"q0", "-1"}}, NULL, "q0"},
    {{{"q0", "1x"}}, NULL, "q0"},
    {{{"q1_0", "1"}, {"q1_1", "0"}, {"q1_2", "true"}}, "1 c 0,2\n", NULL},
    {{{"q1_1", "false"}}, "", NULL},
    {{{"q2", "Phnom Penh"}}, "2 t Phnom Penh\n", NULL},
    {{{"q2", "a\nb%\tc"}}, "2 t a%0Ab%25%09c\n", NULL},
    {{{"q2", "ភ្នំពេញ"}}, "2 t ភ្នំពេញ\n", NULL},
    {{{"q2", "\xff"}}, NULL, "q2"},
    {{{"q2", long_text}}, NULL, "q2"},
    {{{"q3_0", "0"}, {"q3_1", "1"}, {"q3_2", "0"}}, "3 c 0,1,0\n", NULL},
    {{{"q3_1", "1"}}, "3 c -1,1,-1\n", NULL},
    {{{"q3_0", "2"}}, NULL, "q3_0"}, /* pair 2 is not a choice: its text repeats pair 0's */
    {{{"q3_0", "5"}}, NULL, "q3_0"},
    {{{"q4", "5.5"}}, "4 t 5.5\n", NULL},
    {{{"q5", "0"}}, "5 c 0\n", NULL},
    {{{"q5", "2"}}, NULL, "q5"},
    {{{"q0", "0"}, {"q5", "1"}, {"q4", "៥"}}, "0 c 0\n4 t ៥\n5 c 1\n", NULL},
};

static void test_answers_from_keys(void **state)
{
	(void)state;
	memset(long_text, 'a', 1001);
	for (size_t t = 0; t < sizeof answer_cases / sizeof answer_cases[0]; t++) {
		struct attempt a;
		make_attempt("all.gift", all_types, 7, &a);
		struct answer *ans = NULL;
		struct err e = {""};
		int rc = attempt_answers_from_getter(&a, kv_get, (void *)answer_cases[t].in, &ans, &e);
		if (!answer_cases[t].stored) {
			if (rc != ATTEMPT_EBADANSWER)
				fail_msg("case %zu: accepted", t);
			assert_null(ans);
			char want[64];
			snprintf(want, sizeof want, "the answer '%s' does not belong to this quiz",
				 answer_cases[t].bad_key);
			assert_string_equal(e.msg, want);
			attempt_release(&a);
			continue;
		}
		if (rc != 0)
			fail_msg("case %zu: %s", t, e.msg);
		attempt_answers_replace(&a, ans);
		struct buf b = BUF_INIT;
		attempt_answers_format(&a, &b);
		assert_string_equal(buf_str(&b), answer_cases[t].stored);
		/* What is stored reads back to the same answers. */
		struct attempt back;
		make_attempt("all.gift", all_types, 7, &back);
		attempt_answers_parse(&back, buf_str(&b));
		struct buf b2 = BUF_INIT;
		attempt_answers_format(&back, &b2);
		assert_string_equal(buf_str(&b2), buf_str(&b));
		buf_release(&b);
		buf_release(&b2);
		attempt_release(&back);
		attempt_release(&a);
	}
}

/* Damaged stored answers: lines naming no item, or malformed, are skipped; the rest are read. */
static const struct {
	const char *stored, *read;
} stored_answers[] = {
    {"0 c 1\n2 t a%0Ab%zz\n", "0 c 1\n2 t a%0Ab%25zz\n"},
    {"9 c 1\n-1 c 0\nx\n0 c 2", "0 c 2\n"},
    {"0 c 1\n0 c 2\n", "0 c 2\n"}, /* the last line of an item wins */
    {"0c1\n0 c\n1 c x\n", ""},
    {"", ""},
};

static void test_answers_stored(void **state)
{
	(void)state;
	for (size_t t = 0; t < sizeof stored_answers / sizeof stored_answers[0]; t++) {
		struct attempt a;
		make_attempt("all.gift", all_types, 7, &a);
		attempt_answers_parse(&a, stored_answers[t].stored);
		struct buf b = BUF_INIT;
		attempt_answers_format(&a, &b);
		assert_string_equal(buf_str(&b), stored_answers[t].read);
		buf_release(&b);
		attempt_release(&a);
	}
}

static const struct {
	const char *key;
	bool valid;
} keys[] = {
    {"q0", true},    {"q1", false},  {"q1_2", true},  {"q1_3", false}, {"q2", true},   {"q3", false},
    {"q3_0", true},  {"q3_2", true}, {"q3_3", false}, {"q4", true},    {"q5", true},   {"q6", false},
    {"q0_1", false}, {"x0", false},  {"q", false},    {"q-1", false},  {"q1_", false}, {"q1_x", false},
};

static void test_key_valid(void **state)
{
	(void)state;
	struct attempt a;
	make_attempt("all.gift", all_types, 3, &a);
	for (size_t t = 0; t < sizeof keys / sizeof keys[0]; t++)
		if (attempt_key_valid(&a, keys[t].key) != keys[t].valid)
			fail_msg("key '%s'", keys[t].key);
	attempt_release(&a);
}

/* Grading glue: answers in, item scores, the percent score and the attempt_answers.chosen column out. */
static const struct {
	struct kv in[9]; /* up to 8, then NULL */
	double scores[6];
	double score;
	const char *chosen[6];
} gradings[] = {
    {{{"q0", "0"},
      {"q1_0", "1"},
      {"q1_1", "1"},
      {"q2", "  phnom   PENH "},
      {"q3_0", "0"},
      {"q3_1", "1"},
      {"q3_2", "0"},
      {"q4", "5.5"}},
     {1, 1, 1, 1, 1, 0},
     83.33,
     {"0", "0,1", "  phnom   PENH ", "0:0,1:1,2:0", "5.5", ""}},
    {{{"q0", "1"}, {"q1_0", "1"}, {"q5", "0"}}, {0, 0.5, 0, 0, 0, 1}, 25, {"1", "0", "", "", "", "0"}},
    {{{"q1_0", "1"}, {"q1_2", "1"}, {"q4", "7"}, {"q5", "1"}}, {0, 0, 0, 0, 0, 0}, 0, {"", "0,2", "", "", "7", "1"}},
    {{{"q3_0", "1"}, {"q3_1", "0"}, {"q3_2", "0"}, {"q4", "4"}},
     {0, 0, 0, 1.0 / 3, 1, 0},
     22.22,
     {"", "", "", "0:1,1:0,2:0", "4", ""}},
    {{{NULL, NULL}}, {0, 0, 0, 0, 0, 0}, 0, {"", "", "", "", "", ""}},
};

static void test_grading(void **state)
{
	(void)state;
	for (size_t t = 0; t < sizeof gradings / sizeof gradings[0]; t++) {
		struct attempt a;
		make_attempt("all.gift", all_types, 11, &a);
		struct answer *ans;
		struct err e;
		if (attempt_answers_from_getter(&a, kv_get, (void *)gradings[t].in, &ans, &e) != 0)
			fail_msg("case %zu: %s", t, e.msg);
		attempt_answers_replace(&a, ans);
		attempt_grade_all(&a);
		for (int k = 0; k < 6; k++) {
			assert_float_equal(a.item_scores[k], gradings[t].scores[k], 1e-9);
			struct buf b = BUF_INIT;
			attempt_chosen_text(&a.quiz.questions[a.items[k].question], &a.answers[k], &b);
			assert_string_equal(buf_str(&b), gradings[t].chosen[k]);
			buf_release(&b);
		}
		assert_float_equal(a.score, gradings[t].score, 1e-9);
		attempt_release(&a);
	}
}

/* The pass mark: the quiz's own, else the package's when in 0..100, else 70. */
static const struct {
	const char *settings;
	int package_mark, want;
} pass_marks[] = {
    {"", -1, 70},
    {"", 0, 0},
    {"", 55, 55},
    {"", 100, 100},
    {"", 101, 70},
    {"// pass_mark: 80\n", 50, 80},
    {"// pass_mark: 0\n", 90, 0},
};

static void test_pass_mark(void **state)
{
	(void)state;
	for (size_t t = 0; t < sizeof pass_marks / sizeof pass_marks[0]; t++) {
		char *src = xasprintf("%s\nQ {T}\n", pass_marks[t].settings);
		struct quiz q;
		parse_quiz("p.gift", src, &q);
		assert_int_equal(attempt_pass_mark(&q, pass_marks[t].package_mark), pass_marks[t].want);
		quiz_free(&q);
		free(src);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quiz_types),
	    cmocka_unit_test(test_layout_unshuffled),
	    cmocka_unit_test(test_layout_draw_and_shuffle),
	    cmocka_unit_test(test_layout_parse),
	    cmocka_unit_test(test_answers_from_keys),
	    cmocka_unit_test(test_answers_stored),
	    cmocka_unit_test(test_key_valid),
	    cmocka_unit_test(test_grading),
	    cmocka_unit_test(test_pass_mark),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
