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

static int user_add_cmd(struct cmd_args *a)
{
	struct user_input u = {.roles = "learner"};
	u.username = cmd_arg(a, "username");
	u.full_name = cmd_arg(a, "name");
	u.full_name_km = cmd_arg(a, "name-km");
	u.sex = cmd_arg(a, "sex");
	u.org_code = cmd_arg(a, "org");
	u.position = cmd_arg(a, "position");
	if (cmd_has(a, "role"))
		u.roles = cmd_arg(a, "role");
	u.email = cmd_arg(a, "email");
	u.phone = cmd_arg(a, "phone");
	u.lang = cmd_arg(a, "lang");
	u.password = cmd_arg(a, "password");
	bool pw_stdin = cmd_has(a, "password-stdin");
	if (pw_stdin)
		u.password = read_password_stdin();
	struct db *db = cli_db_open();
	struct err e;
	char target[300], detail[300];
	snprintf(target, sizeof target, "user:%s", u.username ? u.username : "");
	snprintf(detail, sizeof detail, "roles=%s org=%s", u.roles, u.org_code ? u.org_code : "");
	/* The account and its audit entry in one transaction. */
	int64_t id = db_begin(db, &e) < 0 ? -1 : user_add(db, &u, &e);
	if (id < 0)
		db_rollback(db);
	else if (cli_audit_commit(db, "user.create", target, detail, &e) < 0)
		id = -1;
	db_close(db);
	if (id < 0)
		die("user add: %s", e.msg);
	printf("added user '%s' (id %lld)\n", u.username, (long long)id);
	return 0;
}

static int user_passwd_cmd(struct cmd_args *a)
{
	const char *name = a->argv[0], *pw = cmd_arg(a, "password");
	bool must_change = cmd_has(a, "must-change");
	if (!pw)
		pw = read_password_stdin();
	struct db *db = cli_db_open();
	struct user u;
	if (user_get_by_name(db, name, &u) < 0 || u.deleted)
		die("user passwd: no user '%s'", name);
	struct err e;
	char target[300];
	snprintf(target, sizeof target, "user:%s", name);
	int rc = db_begin(db, &e) < 0 ? -1 : user_reset_password(db, u.id, pw, must_change, &e);
	if (rc < 0)
		db_rollback(db);
	else
		rc = cli_audit_commit(db, "user.password-reset", target, NULL, &e);
	user_release(&u);
	db_close(db);
	if (rc < 0)
		die("user passwd: %s", e.msg);
	printf("password changed for '%s'; their sessions were ended%s\n", name,
	       must_change ? "; they must change it at the next login" : "");
	return 0;
}

/* sala user disable|enable|delete NAME */
static int user_state_cmd(struct cmd_args *a)
{
	const char *verb = a->entry->name;
	const char *name = a->argv[0];
	struct db *db = cli_db_open();
	struct user u;
	if (user_get_by_name(db, name, &u) < 0 || u.deleted)
		die("user %s: no user '%s'", verb, name);
	struct err e;
	char target[300], action[32];
	snprintf(target, sizeof target, "user:%s", name);
	snprintf(action, sizeof action, "user.%s", verb);
	int rc = db_begin(db, &e) < 0	       ? -1
		 : strcmp(verb, "delete") == 0 ? user_delete(db, u.id, &e)
					       : user_set_active(db, u.id, strcmp(verb, "enable") == 0, &e);
	if (rc < 0)
		db_rollback(db);
	else
		rc = cli_audit_commit(db, action, target, NULL, &e);
	user_release(&u);
	db_close(db);
	if (rc < 0)
		die("user %s: %s", verb, e.msg);
	if (strcmp(verb, "delete") == 0)
		printf("deleted '%s': name, contact details, password and sessions erased; results kept for "
		       "reports and certificates\n",
		       name);
	else
		printf("%s '%s'%s\n", strcmp(verb, "enable") == 0 ? "enabled" : "disabled", name,
		       strcmp(verb, "enable") == 0 ? "" : "; their sessions were ended");
	return 0;
}

/* sala user activate NAME: a new activation code, printed once. */
static int user_activate_cmd(struct cmd_args *a)
{
	const char *name = a->argv[0];
	struct db *db = cli_db_open();
	struct user u;
	if (user_get_by_name(db, name, &u) < 0 || u.deleted)
		die("user activate: no user '%s'", name);
	char code[ACTIVATION_CODE_LEN + 1];
	struct err e;
	char target[300];
	snprintf(target, sizeof target, "user:%s", name);
	int rc = db_begin(db, &e) < 0 ? -1 : user_activation_issue(db, u.id, code, &e);
	if (rc < 0)
		db_rollback(db);
	else
		rc = cli_audit_commit(db, "user.activation-code", target, NULL, &e);
	user_release(&u);
	db_close(db);
	if (rc < 0)
		die("user activate: %s", e.msg);
	printf("activation code for '%s': %s (valid 14 days, works once)\n", name, code);
	return 0;
}

static void user_list_print(void *ctx, const struct user_listing *r)
{
	(void)ctx;
	printf("%-20s %-28s %-12s %-8s %-16s %s\n", r->username, r->full_name, r->sex, r->org_code, r->roles,
	       r->deleted  ? "deleted"
	       : r->active ? "active"
			   : "disabled");
}

static int user_list_cmd(struct cmd_args *a)
{
	const char *org = cmd_arg(a, "org");
	struct db *db = cli_db_open();
	if (org && org_id(db, org) < 0)
		die("user list: unknown org code '%s'", org);
	printf("%-20s %-28s %-12s %-8s %-16s %s\n", "USERNAME", "NAME", "SEX", "ORG", "ROLES", "STATUS");
	struct err e;
	if (users_list(db, org, user_list_print, NULL, &e) < 0)
		die("user list: %s", e.msg);
	db_close(db);
	return 0;
}

typedef int (*import_fn)(struct db *, const char *, const char *, size_t, struct problems *, int *, struct err *);

/* Every 1,000 rows of a long import: where it is, on stderr (stdout keeps only the result). */
static void import_progress(size_t done, size_t total, void *ctx)
{
	fprintf(stderr, "sala: %s: %zu of %zu passwords hashed\n", (const char *)ctx, done, total);
}

static int users_import_fn(struct db *db, const char *name, const char *data, size_t len, struct problems *pr,
			   int *added, struct err *e)
{
	return users_import_csv_progress(db, name, data, len, pr, added, import_progress, (void *)name, cli_who(), e);
}

/* The org units and their audit entry in one transaction. */
static int orgs_import_fn(struct db *db, const char *name, const char *data, size_t len, struct problems *pr,
			  int *added, struct err *e)
{
	if (db_begin(db, e) < 0)
		return -1;
	if (orgs_import_csv(db, name, data, len, pr, added, e) < 0) {
		db_rollback(db);
		return -1;
	}
	char detail[64];
	snprintf(detail, sizeof detail, "rows=%d", *added);
	return cli_audit_commit(db, "orgs.import", name, detail, e);
}

static int csv_import(const char *what, const char *path, import_fn fn)
{
	size_t len;
	char *data = cli_read_file(path, &len);
	struct db *db = cli_db_open();
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
	return 0;
}

static int activation_sheet_cmd(struct cmd_args *a)
{
	const char *org = cmd_arg(a, "org"), *out = cmd_arg(a, "output");
	if (!org || !out)
		die("users activation-sheet needs --org CODE and -o FILE.pdf");
	struct db *db = cli_db_open();
	struct buf pdf = BUF_INIT;
	struct err e;
	int n = 0;
	int rc = activation_sheet_pdf(db, org, &pdf, &n, cli_who(), &e);
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

static int users_import_cmd(struct cmd_args *a)
{
	return csv_import("users", a->argv[0], users_import_fn);
}

static int orgs_import_cmd(struct cmd_args *a)
{
	return csv_import("org units", a->argv[0], orgs_import_fn);
}

static int orgs_list(const char *code)
{
	struct db *db = cli_db_open();
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

static int orgs_list_cmd(struct cmd_args *a)
{
	return orgs_list(a->argc ? a->argv[0] : NULL);
}

#define USERNAME_ENTRY(verb, run)                                                                                      \
	{                                                                                                              \
		.name = verb, .usage = "user " verb " USERNAME", .lower = 1, .upper = 1, .exec = run                   \
	}

static const struct cmd_entry user_add_entry = {
    .name = "add",
    .usage = "user add --username NAME --name 'FULL NAME' --org CODE [--name-km NAME] "
	     "[--sex female|male|other|unspecified] [--role learner;manager] [--position P] [--email E] "
	     "[--phone P] [--lang km|en] (--password PW | --password-stdin)",
    .options = (const struct option[]){{"username", required_argument, NULL, 0},
				       {"name", required_argument, NULL, 0},
				       {"name-km", required_argument, NULL, 0},
				       {"sex", required_argument, NULL, 0},
				       {"org", required_argument, NULL, 0},
				       {"position", required_argument, NULL, 0},
				       {"role", required_argument, NULL, 0},
				       {"email", required_argument, NULL, 0},
				       {"phone", required_argument, NULL, 0},
				       {"lang", required_argument, NULL, 0},
				       {"password", required_argument, NULL, 0},
				       {"password-stdin", no_argument, NULL, 0},
				       {0}},
    .exec = user_add_cmd,
};
static const struct cmd_entry user_passwd_entry = {
    .name = "passwd",
    .usage = "user passwd USERNAME [--password PW] [--must-change]",
    .help = "  without --password, the password is read from standard input",
    .options =
	(const struct option[]){{"password", required_argument, NULL, 0}, {"must-change", no_argument, NULL, 0}, {0}},
    .lower = 1,
    .upper = 1,
    .exec = user_passwd_cmd,
};
static const struct cmd_entry user_list_entry = {
    .name = "list",
    .usage = "user list [--org CODE]",
    .options = (const struct option[]){{"org", required_argument, NULL, 0}, {0}},
    .exec = user_list_cmd,
};
static const struct cmd_entry user_disable_entry = USERNAME_ENTRY("disable", user_state_cmd);
static const struct cmd_entry user_enable_entry = USERNAME_ENTRY("enable", user_state_cmd);
static const struct cmd_entry user_delete_entry = USERNAME_ENTRY("delete", user_state_cmd);
static const struct cmd_entry user_activate_entry = USERNAME_ENTRY("activate", user_activate_cmd);

const struct cmd_entry cmd_user_entry = {
    .name = "user",
    .usage = "user add|passwd|list|disable|enable|delete|activate ...",
    .subs =
	(const struct cmd_entry *const[]){&user_add_entry, &user_passwd_entry, &user_list_entry, &user_disable_entry,
					  &user_enable_entry, &user_delete_entry, &user_activate_entry, NULL},
};

static const struct cmd_entry users_import_entry = {
    .name = "import",
    .usage = "users import FILE.csv",
    .help = "  columns (header-named, any order): "
	    "username,full_name,full_name_km,sex,org_code,position,role,email,phone,password\n"
	    "  (rows without a password wait for an activation code)",
    .lower = 1,
    .upper = 1,
    .exec = users_import_cmd,
};
static const struct cmd_entry users_sheet_entry = {
    .name = "activation-sheet",
    .usage = "users activation-sheet --org CODE -o FILE.pdf",
    .options =
	(const struct option[]){{"org", required_argument, NULL, 0}, {"output", required_argument, NULL, 'o'}, {0}},
    .exec = activation_sheet_cmd,
};

const struct cmd_entry cmd_users_entry = {
    .name = "users",
    .usage = "users import FILE.csv | activation-sheet --org CODE -o FILE.pdf",
    .subs = (const struct cmd_entry *const[]){&users_import_entry, &users_sheet_entry, NULL},
};

static const struct cmd_entry orgs_import_entry = {
    .name = "import",
    .usage = "orgs import FILE.csv",
    .help = "  header: code,name_en,name_km,parent_code,level",
    .lower = 1,
    .upper = 1,
    .exec = orgs_import_cmd,
};
static const struct cmd_entry orgs_list_entry = {
    .name = "list",
    .usage = "orgs list [CODE]",
    .upper = 1,
    .exec = orgs_list_cmd,
};

const struct cmd_entry cmd_orgs_entry = {
    .name = "orgs",
    .usage = "orgs import FILE.csv | orgs list [CODE]",
    .subs = (const struct cmd_entry *const[]){&orgs_import_entry, &orgs_list_entry, NULL},
};
