/* Unit tests for lib/cmdline: the command table parser (getopt_long's edge cases, subcommands, counts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/cmdline.h"

static int run_ok(struct cmd_args *a)
{
	(void)a;
	return 0;
}

static const struct cmd_entry pack_entry = {
    .name = "pack",
    .usage = "pack DIR [-o FILE] [--max-total-mb N] [--force]",
    .options = (const struct option[]){{"output", required_argument, NULL, 'o'},
				       {"max-total-mb", required_argument, NULL, 0},
				       {"max-entries", required_argument, NULL, 0},
				       {"force", no_argument, NULL, 'f'},
				       {0}},
    .lower = 1,
    .upper = 1,
    .exec = run_ok,
};

static const struct cmd_entry add_entry = {
    .name = "add",
    .usage = "user add --name NAME",
    .options =
	(const struct option[]){{"name", required_argument, NULL, 0}, {"name-km", required_argument, NULL, 0}, {0}},
    .exec = run_ok,
};
static const struct cmd_entry del_entry = {
    .name = "delete", .alias = "rm", .usage = "user delete USERNAME", .lower = 1, .upper = 1, .exec = run_ok};
static const struct cmd_entry user_entry = {
    .name = "user",
    .usage = "user add|delete ...",
    .subs = (const struct cmd_entry *const[]){&add_entry, &del_entry, NULL},
};

/* Parses a NULL-terminated word list (copied: getopt_long reorders argv). */
static int parse(const struct cmd_entry *e, const char *const *words, struct cmd_args *a, struct err *err, char **store)
{
	int n = 0;
	while (words[n])
		n++;
	for (int i = 0; i < n; i++)
		store[i] = (char *)words[i];
	store[n] = NULL;
	err->msg[0] = '\0';
	return cmd_parse(e, e->name, n, store, a, err);
}

static void test_option_forms(void **state)
{
	(void)state;
	static const struct {
		const char *words[8];
		const char *out, *mb, *arg;
		bool force;
	} cases[] = {
	    {{"pack", "dir", "-o", "x.zip"}, "x.zip", NULL, "dir", false},
	    {{"pack", "-ox.zip", "dir"}, "x.zip", NULL, "dir", false},
	    {{"pack", "--output=x.zip", "dir"}, "x.zip", NULL, "dir", false},
	    {{"pack", "--output", "x.zip", "dir"}, "x.zip", NULL, "dir", false},
	    /* options after the argument, a value that starts with '-', an empty value */
	    {{"pack", "dir", "--max-total-mb", "-5"}, NULL, "-5", "dir", false},
	    {{"pack", "dir", "--max-total-mb="}, NULL, "", "dir", false},
	    /* a unique abbreviation; the last of a repeated option wins */
	    {{"pack", "--out", "a", "--output", "b", "dir"}, "b", NULL, "dir", false},
	    /* "--" ends the options: what follows is an argument even if it looks like one */
	    {{"pack", "-f", "--", "--force"}, NULL, NULL, "--force", true},
	    {{"pack", "-fo", "x.zip", "dir"}, "x.zip", NULL, "dir", true},
	    /* "-" alone is an argument (standard input) */
	    {{"pack", "-"}, NULL, NULL, "-", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cmd_args a;
		struct err err;
		char *store[10];
		int rc = parse(&pack_entry, cases[i].words, &a, &err, store);
		assert_int_equal(rc, CMD_OK);
		assert_ptr_equal(a.entry, &pack_entry);
		if (cases[i].out)
			assert_string_equal(cmd_arg(&a, "output"), cases[i].out);
		else
			assert_null(cmd_arg(&a, "output"));
		if (cases[i].mb)
			assert_string_equal(cmd_arg(&a, "max-total-mb"), cases[i].mb);
		else
			assert_null(cmd_arg(&a, "max-total-mb"));
		assert_int_equal(cmd_has(&a, "force"), cases[i].force);
		assert_int_equal(a.argc, 1);
		assert_string_equal(a.argv[0], cases[i].arg);
	}
}

static void test_refusals_name_option_and_command(void **state)
{
	(void)state;
	static const struct {
		const char *words[8];
		int rc;
		const char *msg;
	} cases[] = {
	    {{"pack", "dir", "--frob"}, CMD_BAD_OPTION, "pack: unknown option '--frob'"},
	    {{"pack", "dir", "--frob=1"}, CMD_BAD_OPTION, "pack: unknown option '--frob'"},
	    {{"pack", "-x", "dir"}, CMD_BAD_OPTION, "pack: unknown option '-x'"},
	    {{"pack", "-fx", "dir"}, CMD_BAD_OPTION, "pack: unknown option '-x'"},
	    {{"pack", "dir", "--force=yes"}, CMD_BAD_OPTION, "pack: --force takes no value"},
	    /* "--max" could be --max-total-mb or --max-entries */
	    {{"pack", "dir", "--max", "3"}, CMD_BAD_OPTION, "pack: unknown option '--max'"},
	    {{"pack", "dir", "--output"}, CMD_NO_VALUE, "pack: --output needs a value"},
	    {{"pack", "dir", "-o"}, CMD_NO_VALUE, "pack: -o needs a value"},
	    {{"pack"}, CMD_BAD_ARGS, "pack: too few arguments"},
	    {{"pack", "a", "b"}, CMD_BAD_ARGS, "pack: unexpected 'b'"},
	    {{"pack", "--", "a", "-b"}, CMD_BAD_ARGS, "pack: unexpected '-b'"},
	    {{"user"}, CMD_BAD_SUB, "user: needs a command (add, delete)"},
	    {{"user", "frob"}, CMD_BAD_SUB, "unknown user command 'frob' (add, delete)"},
	    {{"user", "--name", "x"}, CMD_BAD_SUB, "user: needs a command"},
	    {{"user", "add", "--frob"}, CMD_BAD_OPTION, "user add: unknown option '--frob'"},
	    {{"user", "delete"}, CMD_BAD_ARGS, "user delete: too few arguments"},
	    {{"user", "delete", "--name", "x"}, CMD_BAD_OPTION, "user delete: unknown option '--name'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct cmd_entry *e = strcmp(cases[i].words[0], "user") == 0 ? &user_entry : &pack_entry;
		struct cmd_args a;
		struct err err;
		char *store[10];
		int rc = parse(e, cases[i].words, &a, &err, store);
		if (rc != cases[i].rc || !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: %d '%s' (want %d '%s')", i, rc, err.msg, cases[i].rc, cases[i].msg);
	}
}

static void test_subcommands_and_help(void **state)
{
	(void)state;
	struct cmd_args a;
	struct err err;
	char *store[10];
	/* Exact names win over abbreviations: --name is not --name-km. */
	const char *add[] = {"user", "add", "--name", "Sokha", "--name-km=សុខា", NULL};
	assert_int_equal(parse(&user_entry, add, &a, &err, store), CMD_OK);
	assert_ptr_equal(a.entry, &add_entry);
	assert_string_equal(a.path, "user add");
	assert_string_equal(cmd_arg(&a, "name"), "Sokha");
	assert_string_equal(cmd_arg(&a, "name-km"), "សុខា");
	assert_int_equal(a.argc, 0);
	/* An alias finds the entry. */
	const char *rm[] = {"user", "rm", "sokha", NULL};
	assert_int_equal(parse(&user_entry, rm, &a, &err, store), CMD_OK);
	assert_ptr_equal(a.entry, &del_entry);
	assert_string_equal(a.argv[0], "sokha");
	/* --help and -h anywhere before "--", for a command and for a subcommand. */
	const char *h1[] = {"pack", "dir", "--help", NULL};
	assert_int_equal(parse(&pack_entry, h1, &a, &err, store), CMD_HELP);
	const char *h2[] = {"user", "delete", "-h", NULL};
	assert_int_equal(parse(&user_entry, h2, &a, &err, store), CMD_HELP);
	assert_ptr_equal(a.entry, &del_entry);
	const char *h3[] = {"user", "--help", NULL};
	assert_int_equal(parse(&user_entry, h3, &a, &err, store), CMD_HELP);
	assert_ptr_equal(a.entry, &user_entry);
	const char *h4[] = {"pack", "--", "--help", NULL};
	assert_int_equal(parse(&pack_entry, h4, &a, &err, store), CMD_OK);
	assert_string_equal(a.argv[0], "--help");
	/* A second parse starts afresh (getopt_long's state is reset). */
	const char *again[] = {"pack", "d2", "-o", "y.zip", NULL};
	assert_int_equal(parse(&pack_entry, again, &a, &err, store), CMD_OK);
	assert_string_equal(cmd_arg(&a, "output"), "y.zip");
	assert_string_equal(a.argv[0], "d2");
	/* The table lookup. */
	const struct cmd_entry *table[] = {&pack_entry, &user_entry, NULL};
	assert_ptr_equal(cmd_find(table, "user"), &user_entry);
	assert_null(cmd_find(table, "rm"));
	assert_ptr_equal(cmd_find(user_entry.subs, "rm"), &del_entry);
}

static void test_usage_text(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cmd_usage(f, "sala", &user_entry);
	fclose(f);
	assert_string_equal(text, "usage: sala user add --name NAME\n       sala user delete USERNAME\n");
	free(text);
	/* cmd_run: a refusal is status 2 (1 for a missing value), --help is 0, else the handler's. */
	char *bad[] = {"pack", "--frob", NULL};
	assert_int_equal(cmd_run(&pack_entry, "sala", 2, bad), 2);
	char *novalue[] = {"pack", "d", "-o", NULL};
	assert_int_equal(cmd_run(&pack_entry, "sala", 3, novalue), 1);
	char *ok[] = {"pack", "d", NULL};
	assert_int_equal(cmd_run(&pack_entry, "sala", 2, ok), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_option_forms),
	    cmocka_unit_test(test_refusals_name_option_and_command),
	    cmocka_unit_test(test_subcommands_and_help),
	    cmocka_unit_test(test_usage_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
