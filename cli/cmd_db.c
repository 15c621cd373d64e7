/* sala db copy: a whole installation from one database to another, either engine to either (lib/db_copy.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "certificates/cert.h"
#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/db.h"
#include "lib/db_copy.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

/* A URI's password is not printed: postgresql://user:secret@host/ -> postgresql://user:***@host/. */
static char *db_shown(const char *where)
{
	char *s = xstrdup(where);
	char *scheme = strstr(s, "://");
	if (!scheme)
		return s;
	char *at = strchr(scheme + 3, '@'), *colon = strchr(scheme + 3, ':');
	if (at && colon && colon < at) {
		char *out = xasprintf("%.*s:***%s", (int)(colon - s), s, at);
		free(s);
		return out;
	}
	return s;
}

static void print_report(const struct db_copy_report *r)
{
	printf("%-16s %12s %12s  %-16s %-16s %s\n", "table", "rows (from)", "rows (to)", "hash (from)", "hash (to)",
	       "");
	for (int i = 0; i < r->n; i++) {
		const struct db_copy_table *t = &r->tables[i];
		char hf[65], ht[65];
		hex_encode(t->hash_from, 32, hf);
		hex_encode(t->hash_to, 32, ht);
		bool same = t->rows_from == t->rows_to && !memcmp(t->hash_from, t->hash_to, 32);
		printf("%-16s %12lld %12lld  %.16s %.16s %s\n", t->name, (long long)t->rows_from, (long long)t->rows_to,
		       hf, ht, same ? "same" : "DIFFERENT");
	}
}

/*
 * The signing key is a file, never in the database. A SQLite destination gets a copy beside it (DST.key,
 * as sala backup does), unless one is there already; for a PostgreSQL one the administrator copies it to
 * the servers and names it with --key.
 */
static void copy_key(const char *from, const char *to, const char *key)
{
	char *src_key = key ? xstrdup(key) : db_is_uri(from) ? NULL : xasprintf("%s.key", from);
	if (!src_key) {
		printf("the signing key is not in the database: keep using the key file the source's servers were "
		       "given with --key (copy it beside the new database as %s.key, or give it with --key)\n",
		       db_is_uri(to) ? "<file>" : to);
		return;
	}
	if (db_is_uri(to)) {
		printf("the signing key is not in the database: copy %s (mode 0600) to every server of the new "
		       "database and start them with --key PATH\n",
		       src_key);
		free(src_key);
		return;
	}
	char *dst_key = xasprintf("%s.key", to);
	unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	struct buf b = BUF_INIT;
	struct err e;
	if (access(dst_key, F_OK) == 0)
		printf("the signing key: %s already exists and was left as it is; certificates verify only with the "
		       "key they were signed with (%s)\n",
		       dst_key, src_key);
	else if (cert_key_load_path(src_key, sk, pk, &e) < 0 || file_read(src_key, &b, &e) < 0 ||
		 file_write_atomic(dst_key, b.data, b.len, 0600, &e) < 0)
		fprintf(stderr,
			"sala: db copy: WARNING: the signing key was NOT copied: %s.\nCopy the key the source's "
			"servers use to %s (mode 0600), or give it with --key\n",
			e.msg, dst_key);
	else
		printf("signing key copied to %s (mode 0600)\n", dst_key);
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(b.data, b.len);
	buf_release(&b);
	free(dst_key);
	free(src_key);
}

static void remove_new_file(const char *path)
{
	static const char *const side[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof side / sizeof side[0]; i++) {
		char *p = xasprintf("%s%s", path, side[i]);
		unlink(p);
		free(p);
	}
}

static int cmd_db_copy(struct cmd_args *a)
{
	const char *from = cmd_arg(a, "from"), *to = cmd_arg(a, "to");
	if (!from || !*from || !to || !*to) {
		fprintf(stderr, "sala: db copy: give both --from SRC and --to DST (a SQLite file or a postgresql:// "
				"URI)\n");
		return 2;
	}
	if (!strcmp(from, to)) {
		fprintf(stderr, "sala: db copy: --from and --to name the same database '%s'\n", from);
		return 2;
	}
	struct stat sf, st;
	if (!db_is_uri(from) && !db_is_uri(to) && stat(from, &sf) == 0 && stat(to, &st) == 0 &&
	    sf.st_dev == st.st_dev && sf.st_ino == st.st_ino) {
		fprintf(stderr, "sala: db copy: --from and --to name the same database file '%s'\n", from);
		return 2;
	}
	if (!db_is_uri(from) && stat(from, &sf) < 0 && errno == ENOENT)
		die("db copy: the source database '%s' does not exist", from);
	struct err e;
	struct db *src = db_open(from, &e);
	if (!src)
		die("db copy: the source: %s", e.msg);
	bool created = !db_is_uri(to) && stat(to, &st) < 0 && errno == ENOENT;
	struct db *dst = created ? db_create(to, &e) : db_open(to, &e);
	if (!dst) {
		db_close(src);
		die("db copy: the destination: %s", e.msg);
	}
	char *shown_from = db_shown(from), *shown_to = db_shown(to);
	struct db_copy_report r;
	int rc = db_copy(src, dst, cmd_has(a, "replace"), &r, &e);
	db_close(src);
	db_close(dst);
	if (rc < 0) {
		if (created)
			remove_new_file(to);
		fprintf(stderr, "sala: db copy: %s; nothing was changed in %s\n", e.msg, shown_to);
		free(shown_from);
		free(shown_to);
		return 1;
	}
	print_report(&r);
	int status = 0;
	if (r.differs) {
		if (created)
			remove_new_file(to);
		fprintf(stderr,
			"sala: db copy: the copy does not match the source (tables marked DIFFERENT); it was rolled "
			"back: nothing was changed in %s\n",
			shown_to);
		status = 1;
	} else {
		printf("copied %lld rows from %s to %s; every table matches\n", (long long)r.rows, shown_from,
		       shown_to);
		const char *key = cmd_arg(a, "key"), *env = getenv("SALA_KEY");
		copy_key(from, to, key ? key : env && *env ? env : NULL);
		cli_audit("db.copy", shown_to, shown_from);
	}
	db_copy_report_release(&r);
	free(shown_from);
	free(shown_to);
	return status;
}

static const struct cmd_entry db_copy_entry = {
    .name = "copy",
    .usage = "db copy --from SRC --to DST [--replace] [--key PATH]",
    .help = "  copies a whole installation between databases (SQLite file or postgresql:// URI, either way),\n"
	    "  ids kept, in one transaction, then compares every table (rows and content hash);\n"
	    "  --replace deletes the destination's rows first (else it must be empty);\n"
	    "  --key: the source's signing key file (default: $SALA_KEY, else SRC.key for a SQLite source)",
    .options = (const struct option[]){{"from", required_argument, NULL, 0},
				       {"to", required_argument, NULL, 0},
				       {"replace", no_argument, NULL, 0},
				       {"key", required_argument, NULL, 0},
				       {0}},
    .exec = cmd_db_copy,
};

const struct cmd_entry cmd_db_entry = {
    .name = "db",
    .usage = "db copy --from SRC --to DST [--replace] [--key PATH]",
    .subs = (const struct cmd_entry *const[]){&db_copy_entry, NULL},
};
