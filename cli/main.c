/* sala: the single binary. `sala COMMAND [ARGS]`; `sala help` lists commands. */
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "accounts/orgs.h"
#include "certificates/cert.h"
#include "cli/cli.h"
#include "lib/audit.h"
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

void cli_db_must_exist(void)
{
	const char *path = cli_db_path();
	struct stat sb;
	if (db_is_uri(path))
		return; /* a PostgreSQL database: db_open() says when it cannot be reached */
	if (stat(path, &sb) < 0 && errno == ENOENT)
		die("database '%s' does not exist. Check the path (--db PATH, else $SALA_DB, else ./%s); to create a "
		    "new database there, run 'sala init --db %s' (an empty site) or 'sala demo --init --db %s' (a "
		    "demo)",
		    path, DB_DEFAULT_PATH, path, path);
}

struct db *cli_db_open(void)
{
	struct err e;
	cli_db_must_exist();
	struct db *db = db_open(cli_db_path(), &e);
	if (!db)
		die("%s", e.msg);
	/* Every database has the national unit and the 25 capital/provinces (idempotent). */
	if (orgs_seed(db, &e) < 0)
		die("%s", e.msg);
	return db;
}

const struct audit_who *cli_who(void)
{
	static char actor[160];
	static struct audit_who who = {actor, "local"};
	if (!actor[0]) {
		const struct passwd *pw = getpwuid(geteuid());
		const char *sudo = getenv("SUDO_USER");
		if (sudo && *sudo)
			snprintf(actor, sizeof actor, "cli:%s(sudo:%s)", pw ? pw->pw_name : "?", sudo);
		else
			snprintf(actor, sizeof actor, "cli:%s", pw ? pw->pw_name : "?");
	}
	return &who;
}

int cli_audit_commit(struct db *db, const char *action, const char *target, const char *detail, struct err *e)
{
	if (audit_write(db, cli_who(), action, target, detail, e) < 0 || db_commit(db, e) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

void cli_audit(const char *action, const char *target, const char *detail)
{
	const char *actor = cli_who()->actor;
	struct err e;
	struct db *db = db_open(cli_db_path(), &e);
	if (audit_record(db, actor, "local", action, target, detail, &e) < 0 || !db)
		log_msg(LOG_WARN, "audit", "the audit entry is only in this log: %s", e.msg);
	if (db)
		db_close(db);
}

struct db *cli_db_create(bool *created)
{
	struct err e;
	const char *path = cli_db_path();
	struct stat sb;
	*created = stat(path, &sb) < 0 && errno == ENOENT;
	if (db_is_uri(path) && !cert_key_given())
		die("a PostgreSQL database keeps no signing key: give its key file with --key PATH or $SALA_KEY "
		    "(nothing was created)");
	/* A key already at the new database's key path is used, if it is sound: checked before anything is made. */
	char *key = *created ? cert_key_path(path) : NULL;
	bool have_key = key && access(key, F_OK) == 0;
	if (have_key) {
		unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
		if (cert_key_load_path(key, sk, pk, &e) < 0)
			die("%s (nothing was created)", e.msg);
		sodium_memzero(sk, sizeof sk);
	}
	struct db *db = *created ? db_create(path, &e) : db_open(path, &e);
	if (!db)
		die("%s", e.msg);
	if (orgs_seed(db, &e) < 0)
		die("%s", e.msg);
	if (!*created)
		return db;
	/* A new database gets its signing key now, so that both can be backed up from the first day. */
	if (have_key)
		printf("sala: using the signing key already at %s\n", key);
	else if (cert_key_create(key, &e) < 0)
		die("%s", e.msg);
	else
		printf("sala: created the signing key %s (mode 0600; back it up with the database: sala backup FILE)\n",
		       key);
	free(key);
	return db;
}

/* sala init: a new, empty production database (the national unit and the 25 capital/provinces) and its key. */
static int cmd_init(struct cmd_args *a)
{
	cli_key_option(a);
	struct stat sb;
	if (stat(cli_db_path(), &sb) == 0)
		die("init: '%s' already exists; 'sala init' only creates a new database (to use this one, leave "
		    "'init' out)",
		    cli_db_path());
	bool created;
	struct db *db = cli_db_create(&created);
	db_close(db);
	printf(
	    "sala: created the database %s (mode 0600; the national unit and the 25 capital/provinces, no "
	    "users)\n"
	    "next, the first administrator: sala user add --username NAME --name \"FULL NAME\" --org KH --role admin "
	    "--password-stdin --db %s\n",
	    cli_db_path(), cli_db_path());
	return 0;
}

void cli_key_option(const struct cmd_args *a)
{
	const char *key = cmd_arg(a, "key");
	if (key)
		cert_key_use(key);
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

long cli_number(const char *what, const char *value, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (!*value || *end || errno == ERANGE || v < min || v > max) {
		fprintf(stderr, "sala: %s must be a whole number from %ld to %ld, not '%s'\n", what, min, max, value);
		exit(2);
	}
	return v;
}

const char *cli_errno_words(int err)
{
	switch (err) {
	case ENOENT:
		return "no such file or folder";
	case EACCES:
	case EPERM:
		return "no permission";
	case ENOSPC:
	case EDQUOT:
		return "the disk is full";
	case EROFS:
		return "the file system is read-only";
	case ENOTDIR:
		return "a part of the path is not a folder";
	case EISDIR:
		return "it is a folder";
	case ENOMEM:
		return "not enough memory";
	default:
		return strerror(err);
	}
}

void cli_check_out(const char *cmd, const char *out)
{
	struct stat st;
	if (!*out)
		die("%s: the output file name is empty", cmd);
	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
		die("%s: cannot write '%s': it is a folder; give a file name", cmd, out);
	const char *slash = strrchr(out, '/');
	char *dir = slash ? xstrndup(out, (size_t)(slash - out + (slash == out))) : xstrdup(".");
	if (stat(dir, &st) < 0)
		die("%s: cannot write '%s': %s '%s'", cmd, out,
		    errno == ENOENT ? "no such folder" : cli_errno_words(errno), dir);
	if (!S_ISDIR(st.st_mode))
		die("%s: cannot write '%s': '%s' is not a folder", cmd, out, dir);
	if (access(dir, W_OK) < 0)
		die("%s: cannot write '%s': %s to write in '%s'", cmd, out, cli_errno_words(errno), dir);
	free(dir);
}

int cli_remove_stale(const char *out, const char *tag)
{
	const char *slash = strrchr(out, '/');
	char *dir = slash ? xstrndup(out, (size_t)(slash - out + (slash == out))) : xstrdup(".");
	char *prefix = xasprintf("%s%s", slash ? slash + 1 : out, tag);
	size_t plen = strlen(prefix);
	int removed = 0;
	DIR *d = opendir(dir);
	for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		char *end;
		errno = 0;
		long pid = strtol(de->d_name + plen, &end, 10);
		if (end == de->d_name + plen || (*end && *end != '-') || pid <= 0 || errno)
			continue;
		/* Only a run that is gone: a live one (or one whose number was reused) keeps its file. */
		if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char *path = xasprintf("%s/%s", dir, de->d_name);
		if (unlink(path) == 0) {
			fprintf(stderr, "sala: removed '%s', left by an interrupted run (process %ld)\n", path, pid);
			removed++;
		}
		free(path);
	}
	if (d)
		closedir(d);
	free(prefix);
	free(dir);
	return removed;
}

static int cmd_help(struct cmd_args *a);

/* The version comes from the VERSION file, through the Makefile (the Debian package uses it too). */
#ifndef SALA_VERSION
#define SALA_VERSION "unknown"
#endif

static const struct cmd_entry init_entry = {
    .name = "init",
    .usage = "init [--key PATH]",
    .help = "  creates a new, empty database and its signing key",
    .options = (const struct option[]){{"key", required_argument, NULL, 0}, {0}},
    .exec = cmd_init,
};

static const struct cmd_entry help_entry = {
    .name = "help",
    .usage = "help [COMMAND]",
    .upper = 1,
    .exec = cmd_help,
};

/* Every command, in the order `sala help` lists them. */
static const struct cmd_entry *const commands[] = {
    &init_entry,	 &cmd_serve_entry,
    &cmd_user_entry,	 &cmd_users_entry,
    &cmd_orgs_entry,	 &cmd_demo_entry,
    &cmd_backup_entry,	 &cmd_db_entry,
    &cmd_settings_entry, &cmd_doctor_entry,
    &cmd_cert_entry,	 &cmd_new_entry,
    &cmd_check_entry,	 &cmd_pack_entry,
    &cmd_preview_entry,	 &cmd_import_entry,
    &cmd_courses_entry,	 &cmd_quiz_entry,
    &cmd_report_entry,	 &cmd_enroll_entry,
    &cmd_throttle_entry, &cmd_audit_entry,
    &cmd_sessions_entry, &cmd_attendance_entry,
    &help_entry,	 NULL,
};

/* sala help: every command's usage; sala help COMMAND: that command's, as COMMAND --help prints it. */
static int cmd_help(struct cmd_args *a)
{
	if (a && a->argc == 1) {
		const struct cmd_entry *e = cmd_find(commands, a->argv[0]);
		if (!e) {
			fprintf(stderr, "sala: unknown command '%s' (see 'sala help')\n", a->argv[0]);
			return 2;
		}
		cmd_usage(stdout, "sala", e);
		return 0;
	}
	printf(
	    "usage: sala COMMAND [ARGS] [--db PATH]\n       sala --version\n       sala COMMAND --help\n\ncommands:\n");
	for (size_t i = 0; commands[i]; i++) {
		const struct cmd_entry *e = commands[i];
		if (!e->subs) {
			printf("  sala %s\n", e->usage);
			continue;
		}
		for (size_t k = 0; e->subs[k]; k++)
			printf("  sala %s\n", e->subs[k]->usage);
	}
	printf("\nThe database is --db PATH, else $SALA_DB, else ./%s.\n", DB_DEFAULT_PATH);
	printf("The signing key is --key PATH, else $SALA_KEY, else the database's path with .key added.\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		die("cannot initialise libsodium");
	argc = cli_take_db(argc, argv);
	/* $SALA_KEY names the signing key file for every command; a command's --key overrides it. */
	const char *key = getenv("SALA_KEY");
	if (key && *key)
		cert_key_use(key);
	if (argc < 2)
		return cmd_help(NULL) == 0 ? 2 : 2;
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		return cmd_help(NULL);
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("sala %s\n", SALA_VERSION);
		return 0;
	}
	const struct cmd_entry *e = cmd_find(commands, name);
	if (!e) {
		fprintf(stderr, "sala: unknown command '%s' (see 'sala help')\n", name);
		return 2;
	}
	int rc = cmd_run(e, "sala", argc - 1, argv + 1);
	/* A query that ended on an error printed a short list: the command did not succeed. */
	const char *failed = db_read_failed(true);
	if (rc == 0 && failed) {
		fprintf(stderr, "sala: %s: the output above is incomplete\n", failed);
		return 1;
	}
	return rc;
}
