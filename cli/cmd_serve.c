/* sala serve, sala backup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/db.h"
#include "server/server.h"

int cmd_serve(int argc, char **argv)
{
	struct server_opts o = {.listen = "127.0.0.1:8080", .threads = 32};
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--listen")))
			o.listen = v;
		else if ((v = cli_flag(argc, argv, &i, "--threads")))
			o.threads = atoi(v);
		else if ((v = cli_flag(argc, argv, &i, "--port-file")))
			o.port_file = v;
		else
			die("usage: sala serve [--listen ADDR:PORT] [--threads N] [--db PATH]");
	}
	if (o.threads < 1 || o.threads > 4096)
		die("serve: --threads must be between 1 and 4096");
	/* Open once in the main thread: creates and migrates the file before workers start. */
	sqlite3 *db = cli_db_open();
	db_close(db);
	o.db_path = cli_db_path();
	return server_run(&o);
}

int cmd_backup(int argc, char **argv)
{
	if (argc != 2)
		die("usage: sala backup FILE   (a consistent copy, safe while the server runs)");
	sqlite3 *db = cli_db_open();
	struct err e;
	int rc = db_backup(db, argv[1], &e);
	db_close(db);
	if (rc < 0)
		die("backup: %s", e.msg);
	printf("backup written to %s\n", argv[1]);
	return 0;
}
