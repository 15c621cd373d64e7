#include "lib/cmdline.h"

#include <string.h>

const struct cmd_entry *cmd_find(const struct cmd_entry *const *table, const char *name)
{
	for (; table && *table; table++)
		if (strcmp((*table)->name, name) == 0 || ((*table)->alias && strcmp((*table)->alias, name) == 0))
			return *table;
	return NULL;
}

/* The option table getopt_long gets: the entry's options and --help. */
static int build_options(const struct cmd_entry *e, struct option *lo, char *so, size_t so_len)
{
	int n = 0;
	size_t k = 0;
	so[k++] = ':'; /* a missing value returns ':', not '?' */
	for (const struct option *o = e->options; o && o->name && n < CMD_MAX_OPTS; o++, n++) {
		lo[n] = *o;
		lo[n].flag = NULL;
		lo[n].val = 0x100 + n; /* which entry it was, whatever its letter */
		if (o->val > 0 && o->val < 0x80 && k + 3 < so_len) {
			so[k++] = (char)o->val;
			if (o->has_arg == required_argument)
				so[k++] = ':';
		}
	}
	lo[n++] = (struct option){"help", no_argument, NULL, 'h'};
	lo[n] = (struct option){0};
	so[k++] = 'h';
	so[k] = '\0';
	return n - 1;
}

/* The index in e->options of the one-letter option c, or -1. */
static int short_index(const struct cmd_entry *e, int c)
{
	int i = 0;
	for (const struct option *o = e->options; o && o->name; o++, i++)
		if (o->val == c)
			return i;
	return -1;
}

/* "--frob" of "--frob=1": the option as typed, for a message. */
static void option_word(char *out, size_t len, const char *arg, int letter)
{
	if (letter > 0 && letter < 0x80 && arg && arg[0] == '-' && arg[1] != '-') {
		snprintf(out, len, "-%c", letter);
		return;
	}
	if (!arg)
		arg = "?";
	size_t n = strcspn(arg, "=");
	snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), arg);
}

static int parse_options(const struct cmd_entry *e, const char *path, int argc, char **argv, struct cmd_args *a,
			 struct err *err)
{
	struct option lo[CMD_MAX_OPTS + 2];
	char so[2 * CMD_MAX_OPTS + 4];
	int nopts = build_options(e, lo, so, sizeof so);
	optind = 0; /* glibc: start afresh (a new argv) */
	opterr = 0;
	for (;;) {
		int li = -1;
		int prev = optind ? optind : 1;
		int c = getopt_long(argc, argv, so, lo, &li);
		if (c == -1)
			break;
		if (c == 'h' && (li < 0 || li == nopts))
			return CMD_HELP;
		char word[64];
		if (c == '?' || c == ':') {
			/* optind has moved past the option, unless it was a letter inside a group ("-xo"). */
			const char *arg = optind > prev ? argv[optind - 1] : argv[prev];
			option_word(word, sizeof word, arg, optopt);
			if (c == ':')
				return err_set(err, "%s: %s needs a value", path, word), CMD_NO_VALUE;
			/* A known option given a value it does not take ("--init=yes"). */
			for (int i = 0; word[0] == '-' && word[1] == '-' && strchr(arg, '=') && i < nopts; i++)
				if (strcmp(lo[i].name, word + 2) == 0)
					return err_set(err, "%s: %s takes no value", path, word), CMD_BAD_OPTION;
			return err_set(err, "%s: unknown option '%s'", path, word), CMD_BAD_OPTION;
		}
		int i = c >= 0x100 ? c - 0x100 : short_index(e, c);
		if (i < 0 || i >= nopts)
			return err_set(err, "%s: unknown option '-%c'", path, c), CMD_BAD_OPTION;
		if (a->nopts >= CMD_MAX_OPTS)
			return err_set(err, "%s: too many options (at most %d)", path, CMD_MAX_OPTS), CMD_BAD_OPTION;
		a->opts[a->nopts].opt = &e->options[i];
		a->opts[a->nopts].value = e->options[i].has_arg == no_argument ? NULL : optarg;
		a->nopts++;
	}
	a->argc = argc - optind;
	a->argv = argv + optind;
	return CMD_OK;
}

/* "issue, list, show": the subcommands' names, for a message. */
static void sub_names(const struct cmd_entry *const *subs, char *out, size_t len)
{
	size_t k = 0;
	out[0] = '\0';
	for (const struct cmd_entry *const *s = subs; *s && k < len; s++)
		k += (size_t)snprintf(out + k, len - k, "%s%s", s == subs ? "" : ", ", (*s)->name);
}

int cmd_parse(const struct cmd_entry *e, const char *path, int argc, char **argv, struct cmd_args *a, struct err *err)
{
	memset(a, 0, sizeof *a);
	a->entry = e;
	a->line_argc = argc;
	a->line_argv = argv;
	snprintf(a->path, sizeof a->path, "%s", path);
	/* Down the subcommands: "cert issue ..." runs the entry issue of cert's table on "issue ...". */
	while (e->subs) {
		char names[512];
		if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
			return CMD_HELP;
		sub_names(e->subs, names, sizeof names);
		if (argc < 2 || argv[1][0] == '-')
			return err_set(err, "%s: needs a command (%s)", a->path, names), CMD_BAD_SUB;
		const struct cmd_entry *s = cmd_find(e->subs, argv[1]);
		if (!s)
			return err_set(err, "unknown %s command '%s' (%s)", a->path, argv[1], names), CMD_BAD_SUB;
		size_t n = strlen(a->path);
		snprintf(a->path + n, sizeof a->path - n, " %s", s->name);
		a->entry = e = s;
		argc--;
		argv++;
	}
	int rc = parse_options(e, a->path, argc, argv, a, err);
	if (rc != CMD_OK)
		return rc;
	if (a->argc < e->lower)
		return err_set(err, "%s: too few arguments", a->path), CMD_BAD_ARGS;
	if (e->upper >= 0 && a->argc > e->upper)
		return err_set(err, "%s: unexpected '%s'", a->path, a->argv[e->upper]), CMD_BAD_ARGS;
	return CMD_OK;
}

const char *cmd_arg(const struct cmd_args *a, const char *name)
{
	for (int i = a->nopts - 1; i >= 0; i--)
		if (strcmp(a->opts[i].opt->name, name) == 0)
			return a->opts[i].value ? a->opts[i].value : "";
	return NULL;
}

bool cmd_has(const struct cmd_args *a, const char *name)
{
	return cmd_arg(a, name) != NULL;
}

void cmd_usage(FILE *out, const char *prog, const struct cmd_entry *e)
{
	if (e->subs) {
		for (const struct cmd_entry *const *s = e->subs; *s; s++)
			fprintf(out, "%s %s %s\n", s == e->subs ? "usage:" : "      ", prog, (*s)->usage);
	} else {
		fprintf(out, "usage: %s %s\n", prog, e->usage);
	}
	if (e->help)
		fprintf(out, "%s\n", e->help);
}

int cmd_run(const struct cmd_entry *e, const char *prog, int argc, char **argv)
{
	struct cmd_args a;
	struct err err;
	int rc = cmd_parse(e, e->name, argc, argv, &a, &err);
	if (rc == CMD_HELP) {
		cmd_usage(stdout, prog, a.entry);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		cmd_usage(stderr, prog, a.entry);
		return rc == CMD_NO_VALUE ? 1 : 2;
	}
	return a.entry->exec(&a);
}
