/* sala cert: issue, list, show, re-issue, revoke, verify (online and offline), render, bulk, public key. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "certificates/cert.h"
#include "cli/cli.h"
#include "lib/db.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#define CERT_USAGE                                                                                                     \
	"usage:\n"                                                                                                     \
	"  sala cert issue --user USERNAME --course ID\n"                                                              \
	"  sala cert list [--user USERNAME] [--course ID]\n"                                                           \
	"  sala cert show SERIAL\n"                                                                                    \
	"  sala cert reissue SERIAL\n"                                                                                 \
	"  sala cert revoke SERIAL --reason TEXT\n"                                                                    \
	"  sala cert verify CODE\n"                                                                                    \
	"  sala cert verify --offline FILE.pdf|FILE.png|TOKEN|CODE --key PUBKEYFILE [--payload TOKEN]\n"               \
	"  sala cert render SERIAL -o FILE.png|FILE.pdf\n"                                                             \
	"  sala cert render-bench [SERIAL] [--count N] [--format png|pdf]\n"                                           \
	"  sala cert bulk [--course ID] [--org CODE] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--limit N]\n"              \
	"                 -o FILE.pdf|FILE.zip\n"                                                                      \
	"  sala cert public-key [--json]\n"                                                                             \
	"  sala cert keygen          (only for a database that has no key and no certificates)\n"                  \
	"  sala cert rotate-key      (a new signing key; certificates signed by the old one stay valid)\n"         \
	"Every command but 'verify --offline' takes --key PATH: the signing key file (default <database>.key)."

static void print_cert(const struct cert *c, const char *status)
{
	char day[11];
	printf("%s: %s\n", status, c->serial);
	printf("  code:       %s\n", c->code);
	printf("  name:       %s\n", c->name);
	if (*c->name_km)
		printf("  name (km):  %s\n", c->name_km);
	printf("  course:     %s (%s, %s)\n", c->course_title, c->course_id, c->language);
	printf("  completed:  %s\n", c->completed_on);
	printf("  issuer:     %s / %s\n", c->issuer, c->issuer_km);
	if (c->revoked_at) {
		date_ymd(c->revoked_at, day);
		printf("  revoked:    %s: %s\n", day, c->revoked_reason);
	}
}

static int issue_cmd(int argc, char **argv)
{
	const char *user = NULL, *course = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--user")))
			user = v;
		else if ((v = cli_flag(argc, argv, &i, "--course")))
			course = v;
		else
			die("cert issue: unknown option '%s'\n%s", argv[i], CERT_USAGE);
	}
	if (!user || !course)
		die("cert issue needs --user and --course\n%s", CERT_USAGE);
	sqlite3 *db = cli_db_open();
	struct user u;
	if (user_get_by_name(db, user, &u) < 0)
		die("cert issue: no user '%s'", user);
	struct err e;
	int64_t id = 0;
	if (cert_issue(db, u.id, course, &id, &e) < 0)
		die("cert issue: %s", e.msg);
	user_release(&u);
	struct cert c;
	if (cert_get(db, id, &c) == 0) {
		printf("%s %s\n", c.serial, c.code);
		char target[80], detail[300];
		snprintf(target, sizeof target, "certificate:%s", c.serial);
		snprintf(detail, sizeof detail, "user=%s course=%s", user, course);
		cli_audit("certificate.issue", target, detail);
		cert_release(&c);
	}
	db_close(db);
	return 0;
}

static void cert_list_print(void *ctx, const struct cert_listing *r)
{
	(void)ctx;
	printf("%s\t%s\t%s\t%s\t%s\t%s\n", r->serial, r->code, r->username, r->course_id, r->completed_on, r->state);
}

static int list_cmd(int argc, char **argv)
{
	const char *user = NULL, *course = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--user")))
			user = v;
		else if ((v = cli_flag(argc, argv, &i, "--course")))
			course = v;
		else
			die("cert list: unknown option '%s'\n%s", argv[i], CERT_USAGE);
	}
	sqlite3 *db = cli_db_open();
	struct err e;
	if (cert_list(db, user, course, cert_list_print, NULL, &e) < 0)
		die("cert list: %s", e.msg);
	db_close(db);
	return 0;
}

static struct cert load_or_die(sqlite3 *db, const char *serial)
{
	struct cert c;
	if (!serial || (cert_get_by_serial(db, serial, &c) < 0 && cert_get_by_code(db, serial, &c) < 0))
		die("no certificate '%s'", serial ? serial : "");
	return c;
}

static int show_cmd(int argc, char **argv)
{
	if (argc != 2)
		die("%s", CERT_USAGE);
	sqlite3 *db = cli_db_open();
	struct cert c = load_or_die(db, argv[1]);
	print_cert(&c, c.revoked_at ? "revoked" : c.superseded_by ? "superseded" : "issued");
	struct buf t = BUF_INIT;
	cert_token(&c, &t);
	printf("  token:      %s\n", buf_str(&t));
	buf_release(&t);
	cert_release(&c);
	db_close(db);
	return 0;
}

static int reissue_cmd(int argc, char **argv)
{
	if (argc != 2)
		die("%s", CERT_USAGE);
	sqlite3 *db = cli_db_open();
	struct err e;
	int64_t id = 0;
	if (cert_reissue(db, argv[1], &id, &e) < 0)
		die("cert reissue: %s", e.msg);
	struct cert c;
	if (cert_get(db, id, &c) == 0) {
		printf("%s %s (replaces %s)\n", c.serial, c.code, argv[1]);
		char target[300], detail[80];
		snprintf(target, sizeof target, "certificate:%s", argv[1]);
		snprintf(detail, sizeof detail, "new=%s", c.serial);
		cli_audit("certificate.reissue", target, detail);
		cert_release(&c);
	}
	db_close(db);
	return 0;
}

static int revoke_cmd(int argc, char **argv)
{
	const char *serial = NULL, *reason = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--reason")))
			reason = v;
		else if (argv[i][0] != '-' && !serial)
			serial = argv[i];
		else
			die("cert revoke: unknown option '%s'\n%s", argv[i], CERT_USAGE);
	}
	if (!serial)
		die("%s", CERT_USAGE);
	sqlite3 *db = cli_db_open();
	struct err e;
	if (cert_revoke(db, serial, reason, &e) < 0)
		die("cert revoke: %s", e.msg);
	printf("revoked %s\n", serial);
	char target[300], detail[600];
	snprintf(target, sizeof target, "certificate:%s", serial);
	snprintf(detail, sizeof detail, "reason=%s", reason ? reason : "");
	cli_audit("certificate.revoke", target, detail);
	db_close(db);
	return 0;
}

/* Offline: the token from a file, a token on the command line, or --payload for a bare code. */
static int verify_offline(const char *what, const char *keyfile, const char *payload_arg)
{
	if (!keyfile)
		die("cert verify --offline needs --key PUBKEYFILE (the text of /certificates/public-key)");
	size_t klen;
	char *ktext = cli_read_file(keyfile, &klen);
	enum { MAX_KEYS = 64 };
	unsigned char pks[MAX_KEYS][crypto_sign_PUBLICKEYBYTES];
	size_t npk = 0;
	struct err e;
	if (cert_pubkeys_parse(ktext, pks, MAX_KEYS, &npk, &e) < 0)
		die("%s: %s", keyfile, e.msg);
	free(ktext);
	struct buf token = BUF_INIT;
	char code[16] = "";
	struct stat st;
	if (payload_arg) {
		buf_puts(&token, payload_arg);
		if (cert_code_normalize(what, code) < 0 && !str_starts(what, "SALA1."))
			die("'%s' is not a certificate code", what);
	} else if (stat(what, &st) == 0) {
		size_t len;
		char *data = cli_read_file(what, &len);
		if (cert_token_extract(data, len, &token, &e) < 0)
			die("%s: %s", what, e.msg);
		free(data);
	} else if (str_starts(what, "SALA1.")) {
		buf_puts(&token, what);
	} else if (cert_code_normalize(what, code) == 0) {
		buf_release(&token);
		fprintf(stderr,
			"sala: a code alone cannot be checked offline: it only points to facts kept on the "
			"server, so it needs the online check. Run 'sala cert verify %s' against the database, open "
			"%s/verify/%s, or pass "
			"--payload TOKEN (the token printed by 'sala cert show').\n",
			code, CERT_BASE_URL, code);
		return 1;
	} else {
		die("'%s' is not a file, a token or a certificate code", what);
	}
	struct buf payload = BUF_INIT, v = BUF_INIT;
	int rc = 1;
	/* Any key of the set (a key retired by a rotation still vouches for what it signed). */
	size_t k = 0;
	while (k < npk && cert_token_verify(buf_str(&token), pks[k], &payload, &e) < 0)
		k++;
	if (k == npk) {
		printf("invalid: %s\n", e.msg);
		goto done;
	}
	if (*code && (cert_payload_field(buf_str(&payload), "code", &v) < 0 || strcmp(buf_str(&v), code) != 0)) {
		printf("invalid: the signed payload is for code %s, not %s\n", buf_str(&v), code);
		goto done;
	}
	static const char *const fields[][2] = {
	    {"serial", "serial"},	   {"code", "code"},	       {"name", "name"},
	    {"name_km", "name (km)"},	   {"course_title", "course"}, {"course_id", "course id"},
	    {"completed_on", "completed"}, {"score", "score"},	       {"issuer", "issuer"}};
	printf("signature valid (offline: revocation is only known online)\n");
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		buf_reset(&v);
		if (cert_payload_field(buf_str(&payload), fields[i][0], &v) == 0 && v.len)
			printf("  %-11s %s\n", fields[i][1], buf_str(&v));
	}
	rc = 0;
done:
	buf_release(&v);
	buf_release(&payload);
	buf_release(&token);
	return rc;
}

static int verify_cmd(int argc, char **argv)
{
	const char *what = NULL, *key = NULL, *payload = NULL;
	bool offline = false;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (strcmp(argv[i], "--offline") == 0)
			offline = true;
		else if ((v = cli_flag(argc, argv, &i, "--key")))
			key = v;
		else if ((v = cli_flag(argc, argv, &i, "--payload")))
			payload = v;
		else if (argv[i][0] != '-' && !what)
			what = argv[i];
		else
			die("cert verify: unknown option '%s'\n%s", argv[i], CERT_USAGE);
	}
	if (!what) {
		fprintf(stderr, "%s\n", CERT_USAGE);
		return 2;
	}
	if (offline)
		return verify_offline(what, key, payload);
	char code[16];
	if (cert_code_normalize(what, code) < 0) {
		printf("unknown: '%s' is not a valid code (check for typing mistakes)\n", what);
		return 1;
	}
	if (key)
		cert_key_use(key);
	sqlite3 *db = cli_db_open();
	struct cert c;
	struct err e;
	char kid[CERT_KID_SIZE];
	enum cert_status s = cert_verify_code_key(db, code, &c, kid, &e);
	if (s == CERT_UNAVAILABLE) {
		fprintf(stderr, "sala: cannot verify certificates here (a setup problem, not a verdict on the "
				"certificate): %s\n", e.msg);
		db_close(db);
		return 3;
	}
	if (s == CERT_UNKNOWN) {
		printf("unknown: no certificate has code %s\n", code);
	} else {
		print_cert(&c, cert_status_name(s));
		if (*kid)
			printf("  signed by:  key %s\n", kid);
		if (s == CERT_SUPERSEDED) {
			char serial[32];
			if (cert_serial_of(db, c.superseded_by, serial) == 0)
				printf("  replaced by %s\n", serial);
		}
		cert_release(&c);
	}
	db_close(db);
	return s == CERT_VALID ? 0 : 1;
}

static int write_out(const char *path, const struct buf *b)
{
	struct err e;
	if (file_write_atomic(path, b->data, b->len, 0600, &e) < 0)
		die("%s", e.msg);
	return 0;
}

static int render_cmd(int argc, char **argv)
{
	const char *serial = NULL, *out = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "-o")))
			out = v;
		else if (argv[i][0] != '-' && !serial)
			serial = argv[i];
		else
			die("cert render: unknown option '%s'\n%s", argv[i], CERT_USAGE);
	}
	if (!serial)
		die("cert render needs a certificate serial or code\n%s", CERT_USAGE);
	if (!out)
		die("cert render needs -o FILE.png or FILE.pdf\n%s", CERT_USAGE);
	if (!str_ends(out, ".png") && !str_ends(out, ".pdf"))
		die("cert render: -o '%s' must end in .png or .pdf (the format to write)", out);
	cli_check_out("cert render", out);
	sqlite3 *db = cli_db_open();
	struct cert c = load_or_die(db, serial);
	struct buf b = BUF_INIT;
	struct err e;
	if ((str_ends(out, ".png") ? cert_png(db, &c, &b, &e) : cert_pdf(db, &c, &b, &e)) < 0)
		die("cert render: %s", e.msg);
	write_out(out, &b);
	printf("wrote %s (%zu bytes)\n", out, b.len);
	buf_release(&b);
	cert_release(&c);
	db_close(db);
	return 0;
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One render of c in format pdf or png with cr; dies on failure. Returns the size. */
static size_t bench_render(struct cert_renderer *cr, const struct cert *c, bool pdf)
{
	struct buf b = BUF_INIT;
	struct err e;
	if ((pdf ? cert_render_pdf(cr, &c, 1, &b, &e) : cert_render_png(cr, c, &b, &e)) < 0)
		die("cert render-bench: %s", e.msg);
	size_t n = b.len;
	buf_release(&b);
	return n;
}

/*
 * Render time inside the process, without start-up, for one certificate
 * (SERIAL, or the first current one): "one" is a renderer made, used once and
 * freed (what the web download and `sala cert render` do), the median of a few;
 * "each" is the mean of N renders with one warm renderer (what bulk does).
 */
static int render_bench_cmd(int argc, char **argv)
{
	const char *serial = NULL, *format = "png";
	long count = 20;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--count")))
			count = cli_number("cert render-bench: --count", v, 1, 100000);
		else if ((v = cli_flag(argc, argv, &i, "--format")))
			format = v;
		else if (argv[i][0] != '-' && !serial)
			serial = argv[i];
		else
			die("cert render-bench: unknown option '%s'\n%s", argv[i], CERT_USAGE);
	}
	bool pdf = strcmp(format, "pdf") == 0;
	if ((!pdf && strcmp(format, "png") != 0) || count < 1 || count > 100000)
		die("cert render-bench: --format png|pdf, --count 1 to 100000\n%s", CERT_USAGE);
	sqlite3 *db = cli_db_open();
	struct cert c;
	if (serial) {
		c = load_or_die(db, serial);
	} else {
		int64_t id = cert_first_valid(db);
		if (id <= 0 || cert_get(db, id, &c) < 0)
			die("cert render-bench: there are no certificates");
	}
	struct err e;
	/* The median of a few: one run slowed by something else on the machine does not move it. */
	enum { ONE_RUNS = 5 };
	double ones[ONE_RUNS];
	size_t bytes = 0;
	for (int i = 0; i < ONE_RUNS; i++) {
		double t = mono_ms();
		struct cert_renderer *cr = cert_renderer_new(db, &e);
		if (!cr)
			die("cert render-bench: %s", e.msg);
		bytes = bench_render(cr, &c, pdf);
		cert_renderer_free(cr);
		ones[i] = mono_ms() - t;
		for (int k = i; k > 0 && ones[k] < ones[k - 1]; k--) {
			double x = ones[k];
			ones[k] = ones[k - 1];
			ones[k - 1] = x;
		}
	}
	double one = ones[ONE_RUNS / 2];
	struct cert_renderer *cr = cert_renderer_new(db, &e);
	if (!cr)
		die("cert render-bench: %s", e.msg);
	bench_render(cr, &c, pdf); /* warm-up: the shared background */
	double t = mono_ms();
	for (long i = 0; i < count; i++)
		bench_render(cr, &c, pdf);
	double each = (mono_ms() - t) / (double)count;
	cert_renderer_free(cr);
	printf("%s: one %.1f ms, each %.1f ms (certificate %s, %zu bytes; one: renderer made, one render, freed, "
	       "median of %d; each: mean of %ld renders with a warm renderer)\n",
	       format, one, each, c.serial, bytes, ONE_RUNS, count);
	cert_release(&c);
	db_close(db);
	return 0;
}

static int bulk_cmd(int argc, char **argv)
{
	struct cert_filter f = {0};
	const char *org = NULL, *out = NULL, *limit = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--course")))
			f.course_id = v;
		else if ((v = cli_flag(argc, argv, &i, "--org")))
			org = v;
		else if ((v = cli_flag(argc, argv, &i, "--from")))
			f.from = v;
		else if ((v = cli_flag(argc, argv, &i, "--to")))
			f.to = v;
		else if ((v = cli_flag(argc, argv, &i, "--limit")))
			limit = v;
		else if ((v = cli_flag(argc, argv, &i, "-o")))
			out = v;
		else
			die("cert bulk: unknown option '%s'\n%s", argv[i], CERT_USAGE);
	}
	if (limit) {
		char *end;
		long n = strtol(limit, &end, 10);
		if (*end || n < 1 || n > CERT_BULK_MAX)
			die("cert bulk: --limit is 1 to %d (the oldest completions of the selection)", CERT_BULK_MAX);
		f.limit = (size_t)n;
	}
	if (!out)
		die("cert bulk needs -o FILE.pdf or FILE.zip\n%s", CERT_USAGE);
	if (!str_ends(out, ".pdf") && !str_ends(out, ".zip"))
		die("cert bulk: -o '%s' must end in .pdf or .zip (the format to write)", out);
	cli_check_out("cert bulk", out);
	int64_t t;
	if ((f.from && date_parse(f.from, &t) < 0) || (f.to && date_parse(f.to, &t) < 0))
		die("cert bulk: dates are YYYY-MM-DD");
	sqlite3 *db = cli_db_open();
	if (org && (f.org_id = org_id(db, org)) < 0)
		die("cert bulk: no org unit '%s'", org);
	/*
	 * Written beside OUT under a temporary name, OUT.part-PID-XXXXXX, then committed over it: OUT is
	 * never half a file. A killed run's (its process gone) are removed first.
	 */
	cli_remove_stale(out, ".part-");
	char *part = xasprintf("%s.part-%ld-XXXXXX", out, (long)getpid());
	int fd = mkstemp(part);
	if (fd < 0)
		die("cert bulk: cannot create a file next to '%s': %s", out, cli_errno_words(errno));
	close(fd);
	struct err e;
	size_t n = 0;
	if (cert_bulk(db, &f, str_ends(out, ".zip") ? "zip" : "pdf", part, &n, &e) < 0) {
		unlink(part);
		die("cert bulk: %s", e.msg);
	}
	if (file_commit(part, out, 0600, &e) < 0)
		die("cert bulk: %s", e.msg);
	free(part);
	struct stat sb = {0};
	stat(out, &sb);
	printf("wrote %s: %zu certificates (%lld bytes)\n", out, n, (long long)sb.st_size);
	char detail[600];
	snprintf(detail, sizeof detail, "file=%s count=%zu course=%s", out, n, f.course_id ? f.course_id : "");
	cli_audit("certificate.bulk", org ? org : "all", detail);
	db_close(db);
	return 0;
}

static int public_key_cmd(int argc, char **argv)
{
	bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
	if (argc > 2 || (argc == 2 && !json))
		die("%s", CERT_USAGE);
	sqlite3 *db = cli_db_open();
	struct cert_pubkey *keys;
	size_t n;
	struct err e;
	if (cert_keys_load(db, &keys, &n, &e) < 0)
		die("%s", e.msg);
	struct buf b = BUF_INIT;
	if (json)
		cert_keys_json(keys, n, &b);
	else
		cert_keys_text(keys, n, &b);
	fputs(buf_str(&b), stdout);
	buf_release(&b);
	free(keys);
	db_close(db);
	return 0;
}

static int keygen_cmd(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		die("%s", CERT_USAGE);
	sqlite3 *db = cli_db_open();
	char kid[CERT_KID_SIZE];
	struct err e;
	if (cert_keygen(db, kid, &e) < 0)
		die("cert keygen: %s", e.msg);
	char *path = cert_key_file(db);
	printf("created the signing key %s (mode 0600, key id %s); back it up with the database: sala backup FILE\n",
	       path, kid);
	free(path);
	db_close(db);
	return 0;
}

static int rotate_key_cmd(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		die("%s", CERT_USAGE);
	sqlite3 *db = cli_db_open();
	char old_kid[CERT_KID_SIZE], new_kid[CERT_KID_SIZE];
	struct err e;
	if (cert_key_rotate(db, old_kid, new_kid, &e) < 0)
		die("cert rotate-key: %s", e.msg);
	char *path = cert_key_file(db);
	printf("new signing key %s in %s; the old key %s is retired and kept in the database's key list, so the "
	       "certificates it signed still verify.\nMake a new backup now (sala backup FILE): older backups hold "
	       "the old key.\n",
	       new_kid, path, old_kid);
	free(path);
	db_close(db);
	return 0;
}

/*
 * --key PATH names the signing key file for every subcommand but "verify --offline", where --key is the
 * public key (set) to check against. Takes it out of argv; returns the new argc.
 */
static int take_key(int argc, char **argv)
{
	bool offline = false;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--offline") == 0)
			offline = true;
	if (offline && strcmp(argv[0], "verify") == 0)
		return argc;
	int out = 0;
	for (int i = 0; i < argc; i++) {
		const char *v;
		if (i > 0 && (v = cli_flag(argc, argv, &i, "--key"))) {
			cert_key_use(v);
			continue;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}

int cmd_cert(int argc, char **argv)
{
	static const struct command sub[] = {
	    {"issue", "", issue_cmd},	{"list", "", list_cmd},
	    {"show", "", show_cmd},	{"reissue", "", reissue_cmd},
	    {"revoke", "", revoke_cmd}, {"verify", "", verify_cmd},
	    {"render", "", render_cmd}, {"render-bench", "", render_bench_cmd},
	    {"bulk", "", bulk_cmd},	{"public-key", "", public_key_cmd},
	    {"keygen", "", keygen_cmd}, {"rotate-key", "", rotate_key_cmd},
	};
	if (argc < 2) {
		fprintf(stderr, "%s\n", CERT_USAGE);
		return 2;
	}
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
		if (strcmp(sub[i].name, argv[1]) == 0)
			return sub[i].run(take_key(argc - 1, argv + 1), argv + 1);
	fprintf(stderr, "sala: unknown cert command '%s'\n%s\n", argv[1], CERT_USAGE);
	return 2;
}
