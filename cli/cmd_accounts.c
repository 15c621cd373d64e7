/* sala user, sala users import, sala orgs: accounts and the organisation tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/sheet.h"
#include "accounts/users.h"
#include "cli/cli.h"
#include "lib/db.h"
#include "lib/util.h"

static char *read_password_stdin(void)
{
	static char line[PASSWORD_MAX + 2];
	if (!fgets(line, sizeof line, stdin))
		die("no password on standard input");
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

static int user_add_cmd(int argc, char **argv)
{
	struct user_input u = {.roles = "learner"};
	bool pw_stdin = false;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--username")))
			u.username = v;
		else if ((v = cli_flag(argc, argv, &i, "--name")))
			u.full_name = v;
		else if ((v = cli_flag(argc, argv, &i, "--name-km")))
			u.full_name_km = v;
		else if ((v = cli_flag(argc, argv, &i, "--sex")))
			u.sex = v;
		else if ((v = cli_flag(argc, argv, &i, "--org")))
			u.org_code = v;
		else if ((v = cli_flag(argc, argv, &i, "--position")))
			u.position = v;
		else if ((v = cli_flag(argc, argv, &i, "--role")))
			u.roles = v;
		else if ((v = cli_flag(argc, argv, &i, "--email")))
			u.email = v;
		else if ((v = cli_flag(argc, argv, &i, "--phone")))
			u.phone = v;
		else if ((v = cli_flag(argc, argv, &i, "--lang")))
			u.lang = v;
		else if ((v = cli_flag(argc, argv, &i, "--password")))
			u.password = v;
		else if (strcmp(argv[i], "--password-stdin") == 0)
			pw_stdin = true;
		else
			die("user add: unknown option '%s'\nusage: sala user add --username NAME --name 'FULL NAME' "
			    "--org CODE [--name-km NAME] [--sex female|male|other|unspecified] [--role "
			    "learner;manager] [--position P] [--email E] [--phone P] [--lang km|en] "
			    "(--password PW | --password-stdin)",
			    argv[i]);
	}
	if (pw_stdin)
		u.password = read_password_stdin();
	sqlite3 *db = cli_db_open();
	struct err e;
	int64_t id = user_add(db, &u, &e);
	db_close(db);
	if (id < 0)
		die("user add: %s", e.msg);
	printf("added user '%s' (id %lld)\n", u.username, (long long)id);
	char target[300], detail[300];
	snprintf(target, sizeof target, "user:%s", u.username);
	snprintf(detail, sizeof detail, "roles=%s org=%s", u.roles, u.org_code ? u.org_code : "");
	cli_audit("user.create", target, detail);
	return 0;
}

#define PASSWD_USAGE "usage: sala user passwd USERNAME [--password PW] [--must-change] (else read from standard input)"

static int user_passwd_cmd(int argc, char **argv)
{
	const char *name = NULL, *pw = NULL;
	bool must_change = false;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--password")))
			pw = v;
		else if (strcmp(argv[i], "--must-change") == 0)
			must_change = true;
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else
			die(PASSWD_USAGE);
	}
	if (!name)
		die(PASSWD_USAGE);
	if (!pw)
		pw = read_password_stdin();
	sqlite3 *db = cli_db_open();
	struct user u;
	if (user_get_by_name(db, name, &u) < 0 || u.deleted)
		die("user passwd: no user '%s'", name);
	struct err e;
	int rc = user_reset_password(db, u.id, pw, must_change, &e);
	user_release(&u);
	db_close(db);
	if (rc < 0)
		die("user passwd: %s", e.msg);
	printf("password changed for '%s'; their sessions were ended%s\n", name,
	       must_change ? "; they must change it at the next login" : "");
	char target[300];
	snprintf(target, sizeof target, "user:%s", name);
	cli_audit("user.password-reset", target, NULL);
	return 0;
}

/* sala user disable|enable|delete NAME */
static int user_state_cmd(const char *verb, int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-')
		die("usage: sala user %s USERNAME", verb);
	sqlite3 *db = cli_db_open();
	struct user u;
	if (user_get_by_name(db, argv[1], &u) < 0 || u.deleted)
		die("user %s: no user '%s'", verb, argv[1]);
	struct err e;
	int rc = strcmp(verb, "delete") == 0 ? user_delete(db, u.id, &e)
						: user_set_active(db, u.id, strcmp(verb, "enable") == 0, &e);
	user_release(&u);
	db_close(db);
	if (rc < 0)
		die("user %s: %s", verb, e.msg);
	char target[300], action[32];
	snprintf(target, sizeof target, "user:%s", argv[1]);
	snprintf(action, sizeof action, "user.%s", verb);
	cli_audit(action, target, NULL);
	if (strcmp(verb, "delete") == 0)
		printf("deleted '%s': name, contact details, password and sessions erased; results kept for "
		       "reports and certificates\n",
		       argv[1]);
	else
		printf("%s '%s'%s\n", strcmp(verb, "enable") == 0 ? "enabled" : "disabled", argv[1],
		       strcmp(verb, "enable") == 0 ? "" : "; their sessions were ended");
	return 0;
}

/* sala user activate NAME: a new activation code, printed once. */
static int user_activate_cmd(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-')
		die("usage: sala user activate USERNAME");
	sqlite3 *db = cli_db_open();
	struct user u;
	if (user_get_by_name(db, argv[1], &u) < 0 || u.deleted)
		die("user activate: no user '%s'", argv[1]);
	char code[ACTIVATION_CODE_LEN + 1];
	struct err e;
	int rc = user_activation_issue(db, u.id, code, &e);
	user_release(&u);
	db_close(db);
	if (rc < 0)
		die("user activate: %s", e.msg);
	char target[300];
	snprintf(target, sizeof target, "user:%s", argv[1]);
	cli_audit("user.activation-code", target, NULL);
	printf("activation code for '%s': %s (valid 14 days, works once)\n", argv[1], code);
	return 0;
}

static void user_list_print(void *ctx, const struct user_listing *r)
{
	(void)ctx;
	printf("%-20s %-28s %-12s %-8s %-16s %s\n", r->username, r->full_name, r->sex, r->org_code, r->roles,
	       r->deleted ? "deleted" : r->active ? "active" : "disabled");
}

static int user_list_cmd(int argc, char **argv)
{
	const char *org = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--org")))
			org = v;
		else
			die("usage: sala user list [--org CODE]");
	}
	sqlite3 *db = cli_db_open();
	if (org && org_id(db, org) < 0)
		die("user list: unknown org code '%s'", org);
	printf("%-20s %-28s %-12s %-8s %-16s %s\n", "USERNAME", "NAME", "SEX", "ORG", "ROLES", "STATUS");
	struct err e;
	if (users_list(db, org, user_list_print, NULL, &e) < 0)
		die("user list: %s", e.msg);
	db_close(db);
	return 0;
}

int cmd_user(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return user_add_cmd(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "passwd") == 0)
		return user_passwd_cmd(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return user_list_cmd(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "disable") == 0 || strcmp(argv[1], "enable") == 0 ||
			  strcmp(argv[1], "delete") == 0))
		return user_state_cmd(argv[1], argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "activate") == 0)
		return user_activate_cmd(argc - 1, argv + 1);
	fprintf(stderr, "usage: sala user add|passwd|list|disable|enable|delete|activate ...\n");
	return 2;
}

typedef int (*import_fn)(sqlite3 *, const char *, const char *, size_t, struct problems *, int *, struct err *);

/* Every 1,000 rows of a long import: where it is, on stderr (stdout keeps only the result). */
static void import_progress(size_t done, size_t total, void *ctx)
{
	fprintf(stderr, "sala: %s: %zu of %zu passwords hashed\n", (const char *)ctx, done, total);
}

static int users_import_fn(sqlite3 *db, const char *name, const char *data, size_t len, struct problems *pr, int *added,
			   struct err *e)
{
	return users_import_csv_progress(db, name, data, len, pr, added, import_progress, (void *)name, e);
}

static int csv_import(const char *what, const char *path, import_fn fn)
{
	size_t len;
	char *data = cli_read_file(path, &len);
	sqlite3 *db = cli_db_open();
	struct err e = {""};
	int added = 0;
	struct problems pr = {0};
	int rc = fn(db, path, data, len, &pr, &added, &e);
	db_close(db);
	free(data);
	problems_write(&pr, stderr);
	problems_release(&pr);
	if (rc < 0) {
		fprintf(stderr, "sala: %s\n", e.msg);
		return 1;
	}
	printf("imported %d %s from %s\n", added, what, path);
	char detail[64];
	snprintf(detail, sizeof detail, "rows=%d", added);
	cli_audit(fn == users_import_csv ? "users.import" : "orgs.import", path, detail);
	return 0;
}

static int activation_sheet_cmd(int argc, char **argv)
{
	const char *org = NULL, *out = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--org")))
			org = v;
		else if ((v = cli_flag(argc, argv, &i, "-o")))
			out = v;
		else
			die("usage: sala users activation-sheet --org CODE -o FILE.pdf");
	}
	if (!org || !out)
		die("usage: sala users activation-sheet --org CODE -o FILE.pdf");
	sqlite3 *db = cli_db_open();
	struct buf pdf = BUF_INIT;
	struct err e;
	int n = 0;
	int rc = activation_sheet_pdf(db, org, &pdf, &n, &e);
	db_close(db);
	/* The codes are already in force: a sheet that cannot be written is reported with how to make another. */
	if (rc == 0 && file_write_atomic(out, pdf.data, pdf.len, 0600, &e) < 0) {
		buf_release(&pdf);
		die("users activation-sheet: %s (the new codes are in force: run the command again to print others)",
		    e.msg);
	}
	buf_release(&pdf);
	if (rc < 0)
		die("users activation-sheet: %s", e.msg);
	printf("wrote %d activation slip%s to %s (codes valid 14 days; earlier codes for these people no longer "
	       "work)\n",
	       n, n == 1 ? "" : "s", out);
	return 0;
}

int cmd_users(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "import") == 0)
		return csv_import("users", argv[2], users_import_fn);
	if (argc >= 2 && strcmp(argv[1], "activation-sheet") == 0)
		return activation_sheet_cmd(argc - 1, argv + 1);
	fprintf(stderr, "usage: sala users import FILE.csv\n"
			"  columns (header-named, any order): "
			"username,full_name,full_name_km,sex,org_code,position,role,email,phone,password\n"
			"  (rows without a password wait for an activation code)\n"
			"       sala users activation-sheet --org CODE -o FILE.pdf\n");
	return 2;
}

static int orgs_list(const char *code)
{
	sqlite3 *db = cli_db_open();
	int64_t id = org_id(db, code ? code : ORG_ROOT_CODE);
	if (id < 0)
		die("orgs list: unknown org code '%s'", code);
	struct org_entry *rows;
	size_t n;
	struct err e;
	if (orgs_children(db, id, &rows, &n, &e) < 0)
		die("orgs list: %s", e.msg);
	for (size_t i = 0; i < n; i++)
		printf("%-10s %-9s %s / %s\n", rows[i].code, rows[i].level, rows[i].name_en, rows[i].name_km);
	org_entries_free(rows, n);
	db_close(db);
	return 0;
}

int cmd_orgs(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "import") == 0)
		return csv_import("org units", argv[2], orgs_import_csv);
	if (argc >= 2 && argc <= 3 && strcmp(argv[1], "list") == 0)
		return orgs_list(argc == 3 ? argv[2] : NULL);
	fprintf(stderr, "usage: sala orgs import FILE.csv   (header code,name_en,name_km,parent_code,level)\n"
			"       sala orgs list [CODE]\n");
	return 2;
}
