/* sala serve, sala backup. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certificates/cert.h"
#include "cli/cli.h"
#include "lib/db.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "server/server.h"

static void serve_preflight(const char *key);

/* From this many server threads on, glibc's per-thread caches are turned off (see below). */
#define SERVE_MANY_THREADS 256

int cmd_serve(int argc, char **argv)
{
	struct server_opts o = {.listen = "127.0.0.1:8080", .threads = 32, .db_connections = SERVER_DB_CONNECTIONS,
				.db_cache_kb = SERVER_DB_CACHE_KB};
	const char *key = NULL;
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
		else if ((v = cli_flag(argc, argv, &i, "--port-file")))
			o.port_file = v;
		else if ((v = cli_flag(argc, argv, &i, "--key")))
			key = v;
		else
			die("usage: sala serve [--listen ADDR:PORT] [--threads N] [--db-connections N] [--db-cache-kb KB] "
			    "[--db PATH] [--key PATH]");
	}
	if (o.threads < 1 || o.threads > 4096)
		die("serve: --threads must be between 1 and 4096");
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
	serve_preflight(key);
	o.db_path = cli_db_path();
	return server_run(&o);
}

/*
 * Before serving: the database must exist and pass db_check_file() (owner, modes, side files, quick_check,
 * schema version, a write lock); it is migrated once here, before workers start; and the signing key must
 * load (present, 0600, well formed, matching the database's list of retired keys) and verify the newest
 * certificate. Exits naming the problem.
 */
static void serve_preflight(const char *key)
{
	cli_db_must_exist();
	struct err e;
	if (db_check_file(cli_db_path(), &e) < 0)
		die("serve: %s", e.msg);
	if (key)
		cert_key_use(key);
	sqlite3 *db = cli_db_open();
	if (cert_keys_check(db, &e) < 0)
		die("serve: %s", e.msg);
	db_close(db);
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
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--key")))
			cert_key_use(v);
		else if (argv[i][0] != '-' && !out)
			out = argv[i];
		else
			out = NULL, i = argc;
	}
	if (!out)
		die("usage: sala backup FILE [--key PATH]   (a consistent copy, safe while the server runs; the "
		    "signing key is copied to FILE.key)");
	struct stat src, dst;
	if (stat(cli_db_path(), &src) == 0 && stat(out, &dst) == 0 && src.st_dev == dst.st_dev &&
	    src.st_ino == dst.st_ino)
		die("backup: '%s' is the database itself; choose another file", out);
	char *tmp = xasprintf("%s.tmp-%ld", out, (long)getpid());
	sqlite3 *db = cli_db_open();
	char *key = cert_key_file(db);
	struct err e;
	int rc = db_backup(db, tmp, &e);
	db_close(db);
	if (rc == 0 && !copy_ok(tmp))
		rc = err_set(&e, "the copy in '%s' does not pass PRAGMA quick_check", tmp);
	if (rc == 0)
		rc = file_commit(tmp, out, 0600, &e);
	if (rc < 0) {
		unlink(tmp);
		free(tmp);
		die("backup: %s", e.msg);
	}
	free(tmp);
	printf("backup written to %s (mode 0600)\n", out);
	/* The key: without it the certificates in the copy cannot be verified or issued after a restore. */
	char *key_out = xasprintf("%s.key", out);
	unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	struct buf b = BUF_INIT;
	if (!key || cert_key_load_path(key, sk, pk, &e) < 0 || file_read(key, &b, &e) < 0 ||
	    file_write_atomic(key_out, b.data, b.len, 0600, &e) < 0) {
		sodium_memzero(b.data, b.len);
		buf_release(&b);
		fprintf(stderr,
			"sala: backup: WARNING: the signing key was NOT copied: %s.\nThe database copy %s is "
			"complete, but a restore needs the key too (at %s.key beside the copy).\n",
			e.msg, out, out);
		free(key_out);
		free(key);
		return 1;
	}
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(b.data, b.len);
	buf_release(&b);
	printf("signing key copied to %s (mode 0600); to restore, put both back: %s as the database and %s "
	       "as <database>.key\n",
	       key_out, out, key_out);
	free(key_out);
	free(key);
	return 0;
}
