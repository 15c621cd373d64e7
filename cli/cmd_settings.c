/* sala settings: the site settings (issuer, certificate template, public address). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/db.h"
#include "lib/settings.h"
#include "lib/xmalloc.h"

static void settings_list(struct db *db)
{
	size_t n;
	const struct setting_def *d = settings_table(&n);
	for (size_t i = 0; i < n; i++) {
		char *v = setting_value(db, d[i].name);
		char *stored = db_setting_get(db, d[i].name);
		if (setting_secret(&d[i]) && stored && *stored) {
			/* A secret is shown by `settings get` only, never in the list. */
			free(v);
			v = xstrdup("(set: secret, see 'sala settings get')");
		}
		printf("%-20s %s%s\n%-20s   %s\n", d[i].name, v, stored ? "" : " (default)", "", d[i].help);
		free(v);
		free(stored);
	}
}

/* sala settings list | get KEY | set KEY VALUE: one handler, told apart by the entry's name. */
static int cmd_settings(struct cmd_args *a)
{
	const char *verb = a->entry->name;
	char **argv = a->argv;
	struct db *db = cli_db_open();
	struct err e;
	int rc = 0;
	if (strcmp(verb, "list") == 0) {
		settings_list(db);
	} else if (strcmp(verb, "get") == 0) {
		if (!setting_find(argv[0])) {
			fprintf(stderr, "sala: unknown setting '%s' (see 'sala settings list')\n", argv[0]);
			rc = 1;
		} else {
			char *v = setting_value(db, argv[0]);
			printf("%s\n", v);
			free(v);
		}
	} else {
		char detail[300];
		snprintf(detail, sizeof detail, "keys=%s", argv[0]); /* never the value: it may be a secret */
		/* The value and its audit entry in one transaction. */
		if (db_begin(db, &e) < 0 || setting_set(db, argv[0], argv[1], &e) < 0) {
			db_rollback(db);
			fprintf(stderr, "sala: settings: %s\n", e.msg);
			rc = 1;
		} else if (cli_audit_commit(db, "settings.change", "settings", detail, &e) < 0) {
			fprintf(stderr, "sala: settings: %s\n", e.msg);
			rc = 1;
		} else {
			printf("%s %s\n", argv[0], *argv[1] ? "saved" : "restored to its default");
		}
	}
	db_close(db);
	return rc;
}

static const struct cmd_entry settings_list_entry = {.name = "list", .usage = "settings list", .exec = cmd_settings};
static const struct cmd_entry settings_get_entry = {
    .name = "get", .usage = "settings get KEY", .lower = 1, .upper = 1, .exec = cmd_settings};
static const struct cmd_entry settings_set_entry = {
    .name = "set",
    .usage = "settings set KEY VALUE",
    .help = "  an empty VALUE restores the default; a VALUE that starts with - goes after --",
    .lower = 2,
    .upper = 2,
    .exec = cmd_settings,
};

const struct cmd_entry cmd_settings_entry = {
    .name = "settings",
    .usage = "settings list | get KEY | set KEY VALUE",
    .subs = (const struct cmd_entry *const[]){&settings_list_entry, &settings_get_entry, &settings_set_entry, NULL},
};
