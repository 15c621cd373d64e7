/*
 * Command tables for the command line, in the style of tmux's cmd_entry: each
 * command is one entry (name, alias, usage, its options as getopt_long's
 * table, how many arguments it takes, handler), and one parser reads every
 * command's arguments the same way: "--opt=value", "--opt value", "-o value",
 * options before or after the arguments, "--" ending the options, unique
 * abbreviations of long options, and the same messages for an unknown option,
 * a missing value or a wrong number of arguments. "CMD --help" prints the
 * entry's usage. A command with subcommands ("user add") has a table of them.
 */
#ifndef SALA_CMDLINE_H
#define SALA_CMDLINE_H
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "lib/err.h"

#define CMD_MAX_OPTS 64

struct cmd_entry;

/* One command line, parsed. Borrowed from argv: valid while argv is. */
struct cmd_args {
	const struct cmd_entry *entry;
	char path[128]; /* "user add": the command's words, for messages */
	int line_argc;	/* the whole command line from the command's name on (options first, as reordered) */
	char **line_argv;
	int argc; /* the arguments that are not options, in order */
	char **argv;
	int nopts; /* the options given, in order (a repeated option appears each time) */
	struct {
		const struct option *opt;
		const char *value; /* NULL for an option without a value */
	} opts[CMD_MAX_OPTS];
};

struct cmd_entry {
	const char *name;
	const char *alias; /* another name, or NULL */
	const char *usage; /* what follows "sala ": "backup FILE [--key PATH]" */
	const char *help;  /* more lines printed by --help after the usage, or NULL */
	/*
	 * The options, getopt_long's table ending in an entry of zeros; flag is NULL and val is the
	 * one-letter form ('o' for -o) or 0. NULL: the command takes no options.
	 */
	const struct option *options;
	int lower, upper;		     /* how many arguments: at least lower, at most upper (-1: no limit) */
	int (*exec)(struct cmd_args *a);     /* returns the exit status */
	const struct cmd_entry *const *subs; /* subcommands, ending in NULL; or NULL */
};

/* What cmd_parse found. */
enum {
	CMD_OK = 0,
	CMD_HELP = 1,	     /* --help or -h was asked for: the caller prints cmd_usage() */
	CMD_BAD_OPTION = -2, /* an unknown option, an option given a value it does not take, too many options */
	CMD_NO_VALUE = -3,   /* an option's value is missing */
	CMD_BAD_ARGS = -4,   /* too few or too many arguments */
	CMD_BAD_SUB = -5,    /* no subcommand, or an unknown one */
};

/*
 * Finds the entry named (or aliased) name in table (ending in NULL); NULL when
 * there is none.
 */
const struct cmd_entry *cmd_find(const struct cmd_entry *const *table, const char *name);

/*
 * Parses argv (argv[0] is the command's name) for entry e, whose words are
 * path ("cert", then "cert issue"), descending into e's subcommands: *a gets
 * the entry found and its options and arguments. argv is reordered (options
 * first), as getopt_long does; getopt_long's globals (optind...) are reset
 * first, so it is not for use by several threads at once. Returns CMD_OK,
 * CMD_HELP (a->entry is the entry whose usage to print), or a negative CMD_*
 * with a message in *err that names the command and what is wrong
 * ("serve: unknown option '--frob'").
 */
int cmd_parse(const struct cmd_entry *e, const char *path, int argc, char **argv, struct cmd_args *a, struct err *err);

/* The value of the last --name given (or "" for an option without a value); NULL when it was not given. */
const char *cmd_arg(const struct cmd_args *a, const char *name);
/* Whether --name was given. */
bool cmd_has(const struct cmd_args *a, const char *name);

/* Prints "usage: PROG USAGE" for e, or for each of its subcommands, and its help lines. */
void cmd_usage(FILE *out, const char *prog, const struct cmd_entry *e);

/*
 * Runs entry e (found with cmd_find) on argv (argv[0] is its name): parses it
 * (see cmd_parse) and calls the handler. A refusal goes to stderr as
 * "PROG: MESSAGE" followed by the usage; the exit status is then 2 (an
 * unknown option or subcommand, a wrong number of arguments) or 1 (a missing
 * value); 0 after --help; else the handler's.
 */
int cmd_run(const struct cmd_entry *e, const char *prog, int argc, char **argv);

#endif
