/* sala settings: the site settings (issuer, certificate template, public address). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/db.h"
#include "lib/settings.h"

static int usage(void)
{
	fprintf(stderr, "usage: sala settings list\n"
			"       sala settings get KEY\n"
			"       sala settings set KEY VALUE   (an empty VALUE restores the default)\n");
	return 2;
}

int cmd_settings(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	sqlite3 *db = cli_db_open();
	struct err e;
	int rc = 0;
	if (strcmp(argv[1], "list") == 0 && argc == 2) {
		size_t n;
		const struct setting_def *d = settings_table(&n);
		for (size_t i = 0; i < n; i++) {
			char *v = setting_value(db, d[i].name);
			char *stored = db_setting_get(db, d[i].name);
			printf("%-20s %s%s\n%-20s   %s\n", d[i].name, v, stored ? "" : " (default)", "", d[i].help);
			free(v);
			free(stored);
		}
	} else if (strcmp(argv[1], "get") == 0 && argc == 3) {
		if (!setting_find(argv[2])) {
			fprintf(stderr, "sala: unknown setting '%s' (see 'sala settings list')\n", argv[2]);
			rc = 1;
		} else {
			char *v = setting_value(db, argv[2]);
			printf("%s\n", v);
			free(v);
		}
	} else if (strcmp(argv[1], "set") == 0 && argc == 4) {
		if (setting_set(db, argv[2], argv[3], &e) < 0) {
			fprintf(stderr, "sala: settings: %s\n", e.msg);
			rc = 1;
		} else {
			printf("%s %s\n", argv[2], *argv[3] ? "saved" : "restored to its default");
			char detail[300];
			snprintf(detail, sizeof detail, "keys=%s", argv[2]); /* never the value: it may be a secret */
			cli_audit("settings.change", "settings", detail);
		}
	} else {
		rc = usage();
	}
	db_close(db);
	return rc;
}
