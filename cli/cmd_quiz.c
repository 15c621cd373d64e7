/* sala quiz dump FILE [--json]: what the quiz parser reads in a quiz file, for authors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assessment/quiz.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/buf.h"
#include "lib/util.h"

static int dump(const char *path, bool json)
{
	struct buf data = BUF_INIT, out = BUF_INIT;
	struct err e = {""};
	if (file_read(path, &data, &e) < 0) {
		fprintf(stderr, "sala: %s\n", e.msg);
		return 1;
	}
	struct quiz q;
	/* Essays are shown: the dump says what was read, not what a learner is asked. */
	struct quiz_opts o = {.errs = stderr, .warnings = stderr, .keep_essays = true};
	int n = quiz_parse_opts(path, buf_str(&data), data.len, &q, &o);
	if (json) {
		quiz_dump_json(&q, &out);
	} else {
		for (size_t i = 0; i < q.nquestions; i++) {
			const struct question *qu = &q.questions[i];
			buf_printf(&out, "%s:%d: %s: %s\n", path, qu->line, quiz_type_name(qu->type), qu->text);
			for (size_t k = 0; k < qu->noptions; k++)
				buf_printf(&out, "  %+g%% %s\n", 100 * qu->options[k].weight, qu->options[k].text);
			for (size_t k = 0; k < qu->npairs; k++)
				buf_printf(&out, "  %s -> %s\n", qu->pairs[k].left, qu->pairs[k].right);
			for (size_t k = 0; k < qu->nnums; k++) {
				const struct numeric *nu = &qu->nums[k];
				if (nu->any)
					buf_printf(&out, "  %+g%% any other answer\n", 100 * nu->weight);
				else
					buf_printf(&out, "  %+g%% %g..%g\n", 100 * nu->weight, nu->min, nu->max);
			}
		}
	}
	fwrite(buf_str(&out), 1, out.len, stdout);
	quiz_free(&q);
	buf_release(&data);
	buf_release(&out);
	return n ? 1 : 0;
}

int cmd_quiz(int argc, char **argv)
{
	const char *usage = "usage: sala " QUIZ_USAGE;
	const char *path = NULL;
	bool json = false;
	if (argc < 2 || strcmp(argv[1], "dump") != 0)
		die("%s", usage);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else
			die("%s", usage);
	}
	if (!path)
		die("%s", usage);
	return dump(path, json);
}
