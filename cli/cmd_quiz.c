/* sala quiz dump FILE [--json]: what the quiz parser reads in a quiz file, for authors. */
#include <stdio.h>
#include <stdlib.h>

#include "assessment/quiz_dump.h"
#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/diag.h"

static int cmd_quiz_dump(struct cmd_args *a)
{
	const char *path = a->argv[0];
	size_t len;
	char *data = cli_read_file(path, &len);
	struct problems pr = {0};
	struct buf out = BUF_INIT;
	int n = quiz_dump(path, data, len, cmd_has(a, "json"), &out, &pr);
	fwrite(buf_str(&out), 1, out.len, stdout);
	problems_write(&pr, stderr);
	problems_release(&pr);
	buf_release(&out);
	free(data);
	return n ? 1 : 0;
}

static const struct cmd_entry quiz_dump_entry = {
    .name = "dump",
    .usage = "quiz dump FILE.gift|FILE.xml|FILE.md [--json]",
    .help = "  what a quiz file is read as: each question with its type, text, options and weights, pairs,\n"
	    "  numerical ranges and feedback (docs/quiz-format.md); --json: all of it as JSON",
    .options = (const struct option[]){{"json", no_argument, NULL, 0}, {0}},
    .lower = 1,
    .upper = 1,
    .exec = cmd_quiz_dump,
};

const struct cmd_entry cmd_quiz_entry = {
    .name = "quiz",
    .usage = "quiz dump FILE.gift|FILE.xml|FILE.md [--json]",
    .subs = (const struct cmd_entry *const[]){&quiz_dump_entry, NULL},
};
