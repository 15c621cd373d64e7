/* The JSON views of an attempt: before submission (no right answers) and its result. */
#include "assessment/attempt.h"

#include <stddef.h>

#include "lib/buf.h"

static const char *type_name(enum question_type t)
{
	return quiz_type_name(t);
}

static void json_num(struct buf *b, double v)
{
	buf_printf(b, "%.10g", v);
}

void attempt_write_json(struct buf *b, const struct attempt *a, int64_t now)
{
	buf_printf(b, "{\"id\":%lld,\"course_id\":", (long long)a->id);
	buf_json_str(b, a->course_id);
	buf_puts(b, ",\"item_path\":");
	buf_json_str(b, a->item_path);
	buf_puts(b, ",\"language\":");
	buf_json_str(b, a->language);
	buf_puts(b, ",\"title\":");
	buf_json_str(b, a->quiz.title);
	buf_printf(b, ",\"kind\":\"%s\",\"status\":\"%s\",\"pass_mark\":%d,\"started_at\":%lld",
		   quiz_kind_name(a->kind), a->submitted_at ? "submitted" : "open", a->pass_mark,
		   (long long)a->started_at);
	if (a->deadline_at)
		buf_printf(b, ",\"deadline_at\":%lld,\"seconds_left\":%lld", (long long)a->deadline_at,
			   (long long)attempt_seconds_left(a, now));
	else
		buf_puts(b, ",\"deadline_at\":null,\"seconds_left\":null");
	buf_puts(b, ",\"questions\":[");
	for (int k = 0; k < a->nitems; k++) {
		const struct attempt_item *it = &a->items[k];
		const struct question *qu = &a->quiz.questions[it->question];
		const struct answer *an = &a->answers[k];
		buf_printf(b, "%s{\"key\":\"q%d\",\"type\":\"%s\",\"html\":", k ? "," : "", k, type_name(qu->type));
		buf_json_str(b, qu->html);
		buf_puts(b, ",\"text\":");
		buf_json_str(b, qu->text);
		if (qu->type == Q_MATCH) {
			buf_puts(b, ",\"pairs\":[");
			for (int j = 0; j < it->norder; j++) {
				buf_printf(b, "%s{\"id\":%d,\"left\":", j ? "," : "", it->order[j]);
				buf_json_str(b, qu->pairs[it->order[j]].left);
				buf_puts(b, "}");
			}
			buf_puts(b, "],\"choices\":[");
			for (int j = 0; j < it->nchoices; j++) {
				buf_printf(b, "%s{\"id\":%d,\"text\":", j ? "," : "", it->choices[j]);
				buf_json_str(b, qu->pairs[it->choices[j]].right);
				buf_puts(b, "}");
			}
			buf_puts(b, "]");
		} else if (it->norder) {
			buf_puts(b, ",\"options\":[");
			for (int j = 0; j < it->norder; j++) {
				const struct option *o = &qu->options[it->order[j]];
				buf_printf(b, "%s{\"id\":%d,\"html\":", j ? "," : "", it->order[j]);
				buf_json_str(b, o->html);
				buf_puts(b, ",\"text\":");
				buf_json_str(b, o->text);
				buf_puts(b, "}");
			}
			buf_puts(b, "]");
		} else if (qu->type == Q_ESSAY) {
			buf_puts(b, ",\"max_points\":");
			json_num(b, qu->points);
			buf_printf(b, ",\"max_length\":%d", ATTEMPT_ESSAY_CHARS);
		}
		buf_puts(b, ",\"answer\":");
		if (!answer_given(an)) {
			buf_puts(b, "null");
		} else if (an->text) {
			buf_json_str(b, an->text);
		} else {
			buf_puts(b, "[");
			for (int j = 0; j < an->nchosen; j++)
				buf_printf(b, "%s%d", j ? "," : "", an->chosen[j]);
			buf_puts(b, "]");
		}
		buf_puts(b, "}");
	}
	buf_puts(b, "]}");
}

void attempt_result_json(struct buf *b, const struct attempt *a)
{
	buf_printf(b, "{\"id\":%lld,\"status\":\"%s\"", (long long)a->id,
		   !a->submitted_at ? "open"
		   : a->pending	    ? "awaiting_grading"
				    : "submitted");
	if (!a->submitted_at) {
		buf_puts(b, "}");
		return;
	}
	buf_puts(b, ",\"score\":");
	json_num(b, a->score);
	buf_printf(b,
		   ",\"passed\":%s,\"late\":%s,\"pass_mark\":%d,\"pending\":%d,\"submitted_at\":%lld,\"questions\":[",
		   a->passed ? "true" : "false", a->late ? "true" : "false", a->pass_mark, a->pending,
		   (long long)a->submitted_at);
	for (int k = 0; k < a->nitems; k++) {
		const struct attempt_item *it = &a->items[k];
		const struct question *qu = &a->quiz.questions[it->question];
		double sc = a->item_scores ? a->item_scores[k] : 0;
		buf_printf(b, "%s{\"key\":\"q%d\",\"type\":\"%s\",\"score\":", k ? "," : "", k, type_name(qu->type));
		json_num(b, sc);
		buf_printf(b, ",\"right\":%s,\"html\":", sc >= 0.9999 ? "true" : "false");
		buf_json_str(b, qu->html);
		buf_puts(b, ",\"feedback\":");
		buf_json_str(b, qu->feedback);
		switch (qu->type) {
		case Q_SINGLE:
		case Q_MULTI:
		case Q_TRUEFALSE:
			buf_puts(b, ",\"right_options\":[");
			for (size_t j = 0, c = 0; j < qu->noptions; j++)
				if (qu->options[j].right)
					buf_printf(b, "%s%zu", c++ ? "," : "", j);
			buf_puts(b, "],\"option_feedback\":{");
			for (size_t j = 0, c = 0; j < qu->noptions; j++) {
				if (!qu->options[j].feedback)
					continue;
				buf_printf(b, "%s\"%zu\":", c++ ? "," : "", j);
				buf_json_str(b, qu->options[j].feedback);
			}
			buf_puts(b, "}");
			break;
		case Q_SHORT:
			buf_puts(b, ",\"accepted\":[");
			for (size_t j = 0, c = 0; j < qu->noptions; j++) {
				if (!qu->options[j].right)
					continue;
				if (c++)
					buf_putc(b, ',');
				buf_json_str(b, qu->options[j].text);
			}
			buf_puts(b, "]");
			break;
		case Q_NUMERIC:
			buf_puts(b, ",\"accepted\":[");
			for (size_t j = 0, c = 0; j < qu->nnums; j++) {
				if (qu->nums[j].any)
					continue; /* "any other answer" accepts nothing in particular */
				buf_printf(b, "%s{\"min\":", c++ ? "," : "");
				json_num(b, qu->nums[j].min);
				buf_puts(b, ",\"max\":");
				json_num(b, qu->nums[j].max);
				buf_puts(b, ",\"weight\":");
				json_num(b, qu->nums[j].weight);
				buf_puts(b, "}");
			}
			buf_puts(b, "]");
			break;
		case Q_MATCH:
			buf_puts(b, ",\"pairs\":[");
			for (size_t j = 0, c = 0; j < qu->npairs; j++) {
				if (!qu->pairs[j].left[0])
					continue;
				buf_printf(b, "%s{\"id\":%zu,\"left\":", c++ ? "," : "", j);
				buf_json_str(b, qu->pairs[j].left);
				buf_puts(b, ",\"right\":");
				buf_json_str(b, qu->pairs[j].right);
				buf_puts(b, "}");
			}
			buf_puts(b, "]");
			break;
		case Q_ESSAY: {
			/* The learner's text as written, and the trainer's grade once given. */
			const struct essay_grade *g = a->grades ? &a->grades[k] : NULL;
			const struct answer *an = &a->answers[k];
			buf_puts(b, ",\"answer\":");
			if (answer_given(an))
				buf_json_str(b, an->text);
			else
				buf_puts(b, "null");
			buf_printf(b, ",\"graded\":%s,\"max_points\":", g && g->graded ? "true" : "false");
			json_num(b, qu->points);
			buf_puts(b, ",\"points\":");
			if (g && g->graded)
				json_num(b, g->points);
			else
				buf_puts(b, "null");
			buf_puts(b, ",\"comment\":");
			buf_json_str(b, g && g->graded ? g->comment : NULL);
			break;
		}
		case Q_DESCRIPTION:
			break; /* not scored */
		}
		buf_puts(b, "}");
	}
	buf_puts(b, "]}");
}
