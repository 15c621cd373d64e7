/* The command-line interface: git-style subcommands, one table in cli/main.c. */
#ifndef SALA_CLI_H
#define SALA_CLI_H
#include <sqlite3.h>

struct command {
	const char *name;
	const char *usage;
	int (*run)(int argc, char **argv); /* argv[0] is the command name; returns the exit status */
};

/* The database path: --db from the command line, else $SALA_DB, else sala.db. */
const char *cli_db_path(void);
/* Removes "--db PATH" / "--db=PATH" from argv (called by main for every command). */
int cli_take_db(int argc, char **argv);
/* Opens the database or exits with a message. */
sqlite3 *cli_db_open(void);
/* Reads a whole file (or "-" for stdin) or exits with a message; caller frees. */
char *cli_read_file(const char *path, size_t *len);
/* The value after a flag ("--org X" or "--org=X") at argv[*i]; advances *i. NULL when argv[*i] is not that flag. */
const char *cli_flag(int argc, char **argv, int *i, const char *flag);

/*
 * Writes an audit line (lib/log.h) to standard error for an administrative
 * change made from the command line: the actor is "cli:" and the system
 * account (and the sudo caller, if any), the address "local".
 */
void cli_audit(const char *action, const char *target, const char *detail);

/* Command entry points. */
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_users(int argc, char **argv);
int cmd_orgs(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_settings(int argc, char **argv);

#endif
