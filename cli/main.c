/* sala: the single binary. `sala COMMAND [ARGS]`; `sala help` lists commands. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "accounts/orgs.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/db.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

static const char *db_path;

const char *cli_db_path(void)
{
	if (db_path)
		return db_path;
	const char *env = getenv("SALA_DB");
	return env && *env ? env : DB_DEFAULT_PATH;
}

int cli_take_db(int argc, char **argv)
{
	int out = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			db_path = argv[++i];
			continue;
		}
		if (strncmp(argv[i], "--db=", 5) == 0) {
			db_path = argv[i] + 5;
			continue;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}

sqlite3 *cli_db_open(void)
{
	struct err e;
	sqlite3 *db = db_open(cli_db_path(), &e);
	if (!db)
		die("%s", e.msg);
	/* Every database has the national unit and the 25 capital/provinces (idempotent). */
	if (orgs_seed(db, &e) < 0)
		die("%s", e.msg);
	return db;
}

void cli_audit(const char *action, const char *target, const char *detail)
{
	const struct passwd *pw = getpwuid(geteuid());
	const char *sudo = getenv("SUDO_USER");
	char actor[160];
	if (sudo && *sudo)
		snprintf(actor, sizeof actor, "cli:%s(sudo:%s)", pw ? pw->pw_name : "?", sudo);
	else
		snprintf(actor, sizeof actor, "cli:%s", pw ? pw->pw_name : "?");
	log_audit(actor, "local", action, target, detail);
}

char *cli_read_file(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;
	struct err e;
	if (strcmp(path, "-") == 0) {
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
			buf_add(&b, chunk, n);
		buf_add(&b, "", 0);
	} else if (file_read(path, &b, &e) < 0) {
		die("%s", e.msg);
	}
	return buf_detach(&b, len);
}

const char *cli_flag(int argc, char **argv, int *i, const char *flag)
{
	size_t n = strlen(flag);
	if (strncmp(argv[*i], flag, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		die("%s needs a value", flag);
	return argv[++*i];
}

static int cmd_help(int argc, char **argv);

/* The version comes from the VERSION file, through the Makefile (the Debian package uses it too). */
#ifndef SALA_VERSION
#define SALA_VERSION "unknown"
#endif

static const struct command commands[] = {
	{"serve", "serve [--listen [ADDR:]PORT] [--threads N] [--conns-per-address N] [--db-connections N] [--db-cache-kb KB] [--drain-seconds N] [--min-free-mb N] [--log-file PATH] [--db PATH]", cmd_serve},
	{"user", "user add|passwd|list ...", cmd_user},
	{"users", "users import FILE.csv", cmd_users},
	{"orgs", "orgs import FILE.csv | orgs list [CODE]", cmd_orgs},
	{"demo", "demo [--init] [--learners N]", cmd_demo},
	{"backup", "backup FILE", cmd_backup},
	{"settings", "settings list | get KEY | set KEY VALUE", cmd_settings},
	{"doctor", DOCTOR_USAGE, cmd_doctor},
	COMMANDS_MORE
	{"help", "help", cmd_help},
};

static int cmd_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("usage: sala COMMAND [ARGS] [--db PATH]\n       sala --version\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		printf("  sala %s\n", commands[i].usage);
	printf("\nThe database is --db PATH, else $SALA_DB, else ./%s.\n", DB_DEFAULT_PATH);
	return 0;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		die("cannot initialise libsodium");
	argc = cli_take_db(argc, argv);
	if (argc < 2)
		return cmd_help(0, NULL) == 0 ? 2 : 2;
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		return cmd_help(0, NULL);
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("sala %s\n", SALA_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "sala: unknown command '%s' (see 'sala help')\n", name);
	return 2;
}
