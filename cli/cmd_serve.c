/* sala serve, sala backup. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/db.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "server/server.h"

/* v as a whole number in [min, max], or exit naming the option. */
static int cli_int(const char *v, const char *name, long min, long max)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < min || n > max)
		die("serve: %s must be a whole number from %ld to %ld, not '%s'", name, min, max, v);
	return (int)n;
}

/* From this many server threads on, glibc's per-thread caches are turned off (see below). */
#define SERVE_MANY_THREADS 256

int cmd_serve(int argc, char **argv)
{
	struct server_opts o = {.listen = "127.0.0.1:8080", .threads = SERVER_THREADS, .db_connections = SERVER_DB_CONNECTIONS,
				.db_cache_kb = SERVER_DB_CACHE_KB, .conns_per_address = SERVER_CONNS_PER_ADDRESS,
				.drain_seconds = SERVER_DRAIN_SECONDS, .min_free_mb = SERVER_MIN_FREE_MB};
	const char *log_file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--listen")))
			o.listen = v;
		else if ((v = cli_flag(argc, argv, &i, "--threads")))
			o.threads = atoi(v);
		else if ((v = cli_flag(argc, argv, &i, "--db-connections")))
			o.db_connections = atoi(v);
		else if ((v = cli_flag(argc, argv, &i, "--db-cache-kb")))
			o.db_cache_kb = atoi(v);
		else if ((v = cli_flag(argc, argv, &i, "--conns-per-address")))
			o.conns_per_address = atoi(v);
		else if ((v = cli_flag(argc, argv, &i, "--port-file")))
			o.port_file = v;
		else if ((v = cli_flag(argc, argv, &i, "--drain-seconds")))
			o.drain_seconds = cli_int(v, "--drain-seconds", 1, 3600);
		else if ((v = cli_flag(argc, argv, &i, "--min-free-mb")))
			o.min_free_mb = cli_int(v, "--min-free-mb", 1, 1024 * 1024);
		else if ((v = cli_flag(argc, argv, &i, "--log-file")))
			log_file = v;
		else
			die("usage: sala serve [--listen [ADDR:]PORT] [--threads N] [--conns-per-address N] [--db-connections N] "
			    "[--db-cache-kb KB] [--drain-seconds N] [--min-free-mb N] [--log-file PATH] [--db PATH]");
	}
	/* The server's log (requests, errors, migrations, audit) goes to standard output, or to --log-file. */
	struct err e;
	if (log_file && log_open_file(log_file, &e) < 0)
		die("serve: %s", e.msg);
	if (!log_file)
		log_to(stdout);
	if (o.threads < 1 || o.threads > 4096)
		die("serve: --threads must be between 1 and 4096");
	if (o.conns_per_address < 0 || o.conns_per_address > 4096)
		die("serve: --conns-per-address must be between 0 (no cap) and 4096");
	if (o.db_connections < 1 || o.db_connections > 256)
		die("serve: --db-connections must be between 1 and 256");
	if (o.db_cache_kb < 1 || o.db_cache_kb > 1024 * 1024)
		die("serve: --db-cache-kb must be between 1 and 1048576");
	/*
	 * glibc gives every thread a cache of freed blocks (about 30 KB each once busy). CivetWeb
	 * runs a thread per open HTTP connection, so with many threads those caches are most of the
	 * memory (1,000 connections: 102 MB with them, 72 MB without; docs/performance.md). They are
	 * a tunable read at start-up only, so the server restarts itself once with them off.
	 */
	if (o.threads >= SERVE_MANY_THREADS && !getenv("GLIBC_TUNABLES")) {
		char **again = xcalloc((size_t)argc + 4, sizeof *again);
		int k = 0;
		again[k++] = "sala";
		for (int i = 0; i < argc; i++)
			again[k++] = argv[i];
		again[k++] = "--db";
		again[k++] = (char *)cli_db_path();
		setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
		execv("/proc/self/exe", again);
		unsetenv("GLIBC_TUNABLES"); /* no /proc: go on with the caches */
		free(again);
	}
	/* Open once in the main thread: creates and migrates the file before workers start. */
	sqlite3 *db = cli_db_open();
	db_close(db);
	o.db_path = cli_db_path();
	return server_run(&o);
}

/* True when the file opens as a database and PRAGMA quick_check says ok. */
static bool copy_ok(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
		  sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
		  sqlite3_step(st) == SQLITE_ROW && strcmp(db_col_text(st, 0), "ok") == 0;
	db_finish(st);
	sqlite3_close(db);
	return ok;
}

/*
 * The copy is written next to FILE under a temporary name, checked, synced
 * and renamed over FILE, so FILE is always either the old backup or a whole
 * new one, never a half-written copy.
 */
int cmd_backup(int argc, char **argv)
{
	if (argc != 2)
		die("usage: sala backup FILE   (a consistent copy, safe while the server runs)");
	const char *out = argv[1];
	struct stat src, dst;
	if (stat(cli_db_path(), &src) == 0 && stat(out, &dst) == 0 && src.st_dev == dst.st_dev &&
	    src.st_ino == dst.st_ino)
		die("backup: '%s' is the database itself; choose another file", out);
	char *tmp = xasprintf("%s.tmp-%ld", out, (long)getpid());
	sqlite3 *db = cli_db_open();
	struct err e;
	int rc = db_backup(db, tmp, &e);
	db_close(db);
	if (rc == 0 && !copy_ok(tmp))
		rc = err_set(&e, "the copy in '%s' does not pass PRAGMA quick_check", tmp);
	if (rc == 0)
		rc = file_commit(tmp, out, -1, &e);
	if (rc < 0) {
		unlink(tmp);
		free(tmp);
		die("backup: %s", e.msg);
	}
	free(tmp);
	printf("backup written to %s\n", out);
	return 0;
}
