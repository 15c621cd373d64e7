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

static void serve_preflight(const char *key);

/* From this many server threads on, glibc's per-thread caches are turned off (see below). */
#define SERVE_MANY_THREADS 256

static int cmd_serve(struct cmd_args *a)
{
	struct server_opts o = {.listen = "127.0.0.1:8080",
				.threads = SERVER_THREADS,
				.db_connections = SERVER_DB_CONNECTIONS,
				.db_cache_kb = SERVER_DB_CACHE_KB,
				.conns_per_address = SERVER_CONNS_PER_ADDRESS,
				.drain_seconds = SERVER_DRAIN_SECONDS,
				.min_free_mb = SERVER_MIN_FREE_MB};
	const char *log_file = cmd_arg(a, "log-file");
	const char *key = cmd_arg(a, "key");
	const char *v;
	if ((v = cmd_arg(a, "listen")))
		o.listen = v;
	if ((v = cmd_arg(a, "threads")))
		o.threads = (int)cli_number("serve: --threads", v, 1, 4096);
	if ((v = cmd_arg(a, "db-connections")))
		o.db_connections = (int)cli_number("serve: --db-connections", v, 1, 256);
	if ((v = cmd_arg(a, "db-cache-kb")))
		o.db_cache_kb = (int)cli_number("serve: --db-cache-kb", v, 1, 1024 * 1024);
	if ((v = cmd_arg(a, "conns-per-address")))
		o.conns_per_address = (int)cli_number("serve: --conns-per-address", v, 0, 100000);
	if ((v = cmd_arg(a, "port-file")))
		o.port_file = v;
	if ((v = cmd_arg(a, "drain-seconds")))
		o.drain_seconds = cli_int(v, "--drain-seconds", 1, 3600);
	if ((v = cmd_arg(a, "min-free-mb")))
		o.min_free_mb = cli_int(v, "--min-free-mb", 1, 1024 * 1024);
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
		char **again = xcalloc((size_t)a->line_argc + 4, sizeof *again);
		int k = 0;
		again[k++] = "sala";
		for (int i = 0; i < a->line_argc; i++)
			again[k++] = a->line_argv[i];
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
	struct db *db = cli_db_open();
	if (cert_keys_check(db, &e) < 0)
		die("serve: %s", e.msg);
	/* Until base_url is set, every certificate's QR code and verification link points at the default. */
	char *base = db_setting_get(db, "base_url");
	if (!base || !*base)
		log_msg(LOG_WARN, "setting",
			"base_url is not set: certificates' QR codes and verification links point at "
			"http://127.0.0.1:8080; "
			"set it with: sala settings set base_url https://YOUR.SITE (or Settings in the admin pages)");
	free(base);
	db_close(db);
}

/*
 * The copy is written next to FILE under a temporary name, checked, synced
 * and renamed over FILE, so FILE is always either the old backup or a whole
 * new one, never a half-written copy.
 */
static int cmd_backup(struct cmd_args *a)
{
	cli_key_option(a);
	const char *out = a->argv[0];
	/* PostgreSQL has its own consistent online dump; nothing is opened or written here. */
	if (db_is_uri(cli_db_path()))
		die("backup: sala backup copies SQLite databases only. Back up a PostgreSQL database with pg_dump:\n"
		    "  pg_dump --format=custom --file %s.dump 'URI'\n"
		    "(restore: pg_restore --dbname 'URI' --no-owner %s.dump into a new, empty database), and keep a "
		    "copy of the signing key file (--key PATH) with it: the key is not in the database.\n"
		    "A SQLite copy a province can read: sala db copy --from 'URI' --to %s --key PATH\n"
		    "(docs/operations.md, Backups)",
		    out, out, out);
	cli_check_out("backup", out);
	struct stat src, dst;
	if (stat(cli_db_path(), &src) == 0 && stat(out, &dst) == 0 && src.st_dev == dst.st_dev &&
	    src.st_ino == dst.st_ino)
		die("backup: '%s' is the database itself; choose another file", out);
	/* FILE.tmp-PID (and SQLite's FILE.tmp-PID-journal): a killed run's are removed here. */
	cli_remove_stale(out, ".tmp-");
	char *tmp = xasprintf("%s.tmp-%ld", out, (long)getpid());
	struct db *db = cli_db_open();
	char *key = cert_key_file(db);
	struct err e;
	int rc = db_backup(db, tmp, &e);
	db_close(db);
	if (rc == 0 && !db_copy_ok(tmp))
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

const struct cmd_entry cmd_serve_entry = {
    .name = "serve",
    .usage = "serve [--listen [ADDR:]PORT] [--threads N] [--conns-per-address N] [--db-connections N] "
	     "[--db-cache-kb KB] [--drain-seconds N] [--min-free-mb N] [--log-file PATH] [--port-file FILE] "
	     "[--db PATH] [--key PATH]",
    .options = (const struct option[]){{"listen", required_argument, NULL, 0},
				       {"threads", required_argument, NULL, 0},
				       {"db-connections", required_argument, NULL, 0},
				       {"db-cache-kb", required_argument, NULL, 0},
				       {"conns-per-address", required_argument, NULL, 0},
				       {"port-file", required_argument, NULL, 0},
				       {"drain-seconds", required_argument, NULL, 0},
				       {"min-free-mb", required_argument, NULL, 0},
				       {"log-file", required_argument, NULL, 0},
				       {"key", required_argument, NULL, 0},
				       {0}},
    .exec = cmd_serve,
};

const struct cmd_entry cmd_backup_entry = {
    .name = "backup",
    .usage = "backup FILE [--key PATH]",
    .help = "  a consistent copy, safe while the server runs; the signing key is copied to FILE.key",
    .options = (const struct option[]){{"key", required_argument, NULL, 0}, {0}},
    .lower = 1,
    .upper = 1,
    .exec = cmd_backup,
};
