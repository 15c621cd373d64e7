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
	"  sala cert list --expiring DAYS [--org CODE]\n"                                                              \
	"  sala cert show SERIAL\n"                                                                                    \
	"  sala cert reissue SERIAL\n"                                                                                 \
	"  sala cert revoke SERIAL --reason TEXT\n"                                                                    \
	"  sala cert verify CODE\n"                                                                                    \
	"  sala cert verify --offline FILE.pdf|FILE.png|TOKEN|CODE --key PUBKEYFILE [--payload TOKEN]\n"               \
	"  sala cert render SERIAL -o FILE.png|FILE.pdf\n"                                                             \
	"  sala cert render-bench [SERIAL] [--count N] [--format png|png-full|pdf]\n"                                  \
	"  sala cert bulk [--course ID] [--org CODE] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--limit N]\n"              \
	"                 -o FILE.pdf|FILE.zip\n"                                                                      \
	"  sala cert public-key [--json]\n"                                                                            \
	"  sala cert keygen          (only for a database that has no key and no certificates)\n"                      \
	"  sala cert rotate-key      (a new signing key; certificates signed by the old one stay valid)\n"             \
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
	if (c->expires_on && *c->expires_on)
		printf("  valid until %s\n", c->expires_on);
	printf("  issuer:     %s / %s\n", c->issuer, c->issuer_km);
	if (c->revoked_at) {
		date_ymd(c->revoked_at, day);
		printf("  revoked:    %s: %s\n", day, c->revoked_reason);
	}
}

static int issue_cmd(struct cmd_args *a)
{
	cli_key_option(a);
	const char *user = cmd_arg(a, "user"), *course = cmd_arg(a, "course");
	if (!user || !course)
		die("cert issue needs --user and --course\n%s", CERT_USAGE);
	struct db *db = cli_db_open();
	struct user u;
	if (user_get_by_name(db, user, &u) < 0)
		die("cert issue: no user '%s'", user);
	struct err e;
	int64_t id = 0;
	/* The certificate and its audit entry in one transaction. */
	if (db_begin(db, &e) < 0 || cert_issue(db, u.id, course, &id, &e) < 0) {
		db_rollback(db);
		die("cert issue: %s", e.msg);
	}
	user_release(&u);
	struct cert c;
	if (cert_get(db, id, &c) < 0) {
		db_rollback(db);
		die("cert issue: cannot read the new certificate");
	}
	char target[80], detail[300];
	snprintf(target, sizeof target, "certificate:%s", c.serial);
	snprintf(detail, sizeof detail, "user=%s course=%s", user, course);
	if (cli_audit_commit(db, "certificate.issue", target, detail, &e) < 0)
		die("cert issue: %s", e.msg);
	printf("%s %s\n", c.serial, c.code);
	cert_release(&c);
	db_close(db);
	return 0;
}

static void cert_list_print(void *ctx, const struct cert_listing *r)
{
	(void)ctx;
	printf("%s\t%s\t%s\t%s\t%s\t%s\n", r->serial, r->code, r->username, r->course_id, r->completed_on, r->state);
}

static int expiring_print(void *ctx, const struct cert_row *c)
{
	(void)ctx;
	printf("%s\t%s\t%s\t%s\t%s\n", c->expires_on, c->serial, c->code, c->course_id, c->name);
	return 0;
}

static int list_cmd(struct cmd_args *a)
{
	cli_key_option(a);
	const char *user = cmd_arg(a, "user"), *course = cmd_arg(a, "course"), *org = cmd_arg(a, "org");
	struct err e;
	if (cmd_has(a, "expiring")) {
		if (user || course)
			die("cert list: --expiring lists every learner's certificates (narrow it with --org CODE), "
			    "not with --user or --course");
		int days = (int)cli_number("cert list: --expiring", cmd_arg(a, "expiring"), 0, CERT_EXPIRING_DAYS_MAX);
		struct db *db = cli_db_open();
		int64_t oid = 0;
		if (org && (oid = org_id(db, org)) < 0)
			die("cert list: no org unit '%s'", org);
		if (cert_list_expiring(db, oid, days, expiring_print, NULL, &e) < 0)
			die("cert list: %s", e.msg);
		db_close(db);
		return 0;
	}
	if (org)
		die("cert list: --org goes with --expiring DAYS");
	struct db *db = cli_db_open();
	if (cert_list(db, user, course, cert_list_print, NULL, &e) < 0)
		die("cert list: %s", e.msg);
	db_close(db);
	return 0;
}

static struct cert load_or_die(struct db *db, const char *serial)
{
	struct cert c;
	if (!serial || (cert_get_by_serial(db, serial, &c) < 0 && cert_get_by_code(db, serial, &c) < 0))
		die("no certificate '%s'", serial ? serial : "");
	return c;
}

static int show_cmd(struct cmd_args *a)
{
	cli_key_option(a);
	struct db *db = cli_db_open();
	struct cert c = load_or_die(db, a->argv[0]);
	print_cert(&c, c.revoked_at ? "revoked" : c.superseded_by ? "superseded" : "issued");
	struct buf t = BUF_INIT;
	cert_token(&c, &t);
	printf("  token:      %s\n", buf_str(&t));
	buf_release(&t);
	cert_release(&c);
	db_close(db);
	return 0;
}

static int reissue_cmd(struct cmd_args *a)
{
	cli_key_option(a);
	const char *serial = a->argv[0];
	struct db *db = cli_db_open();
	struct err e;
	int64_t id = 0;
	if (db_begin(db, &e) < 0 || cert_reissue(db, serial, &id, &e) < 0) {
		db_rollback(db);
		die("cert reissue: %s", e.msg);
	}
	struct cert c;
	if (cert_get(db, id, &c) < 0) {
		db_rollback(db);
		die("cert reissue: cannot read the new certificate");
	}
	char target[300], detail[80];
	snprintf(target, sizeof target, "certificate:%s", serial);
	snprintf(detail, sizeof detail, "new=%s", c.serial);
	if (cli_audit_commit(db, "certificate.reissue", target, detail, &e) < 0)
		die("cert reissue: %s", e.msg);
	printf("%s %s (replaces %s)\n", c.serial, c.code, serial);
	cert_release(&c);
	db_close(db);
	return 0;
}

static int revoke_cmd(struct cmd_args *a)
{
	cli_key_option(a);
	const char *serial = a->argv[0], *reason = cmd_arg(a, "reason");
	struct db *db = cli_db_open();
	struct err e;
	char target[300], detail[600];
	snprintf(target, sizeof target, "certificate:%s", serial);
	snprintf(detail, sizeof detail, "reason=%s", reason ? reason : "");
	if (db_begin(db, &e) < 0 || cert_revoke(db, serial, reason, &e) < 0) {
		db_rollback(db);
		die("cert revoke: %s", e.msg);
	}
	if (cli_audit_commit(db, "certificate.revoke", target, detail, &e) < 0)
		die("cert revoke: %s", e.msg);
	printf("revoked %s\n", serial);
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

static int verify_cmd(struct cmd_args *a)
{
	/* With --offline, --key is the public key (set) to check against; else the signing key file. */
	const char *what = a->argv[0], *key = cmd_arg(a, "key"), *payload = cmd_arg(a, "payload");
	bool offline = cmd_has(a, "offline");
	if (offline)
		return verify_offline(what, key, payload);
	char code[16];
	if (cert_code_normalize(what, code) < 0) {
		printf("unknown: '%s' is not a valid code (check for typing mistakes)\n", what);
		return 1;
	}
	if (key)
		cert_key_use(key);
	struct db *db = cli_db_open();
	struct cert c;
	struct err e;
	char kid[CERT_KID_SIZE];
	enum cert_status s = cert_verify_code_key(db, code, &c, kid, &e);
	if (s == CERT_UNAVAILABLE) {
		fprintf(stderr,
			"sala: cannot verify certificates here (a setup problem, not a verdict on the "
			"certificate): %s\n",
			e.msg);
		db_close(db);
		return 3;
	}
	if (s == CERT_UNKNOWN) {
		printf("unknown: no certificate has code %s\n", code);
	} else {
		print_cert(&c, cert_status_name(s));
		if (*kid)
			printf("  signed by:  key %s\n", kid);
		if (s == CERT_EXPIRED)
			printf("  expired on %s\n", c.expires_on);
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

static int render_cmd(struct cmd_args *a)
{
	cli_key_option(a);
	const char *serial = a->argv[0], *out = cmd_arg(a, "output");
	if (!out)
		die("cert render needs -o FILE.png or FILE.pdf\n%s", CERT_USAGE);
	if (!str_ends(out, ".png") && !str_ends(out, ".pdf"))
		die("cert render: -o '%s' must end in .png or .pdf (the format to write)", out);
	cli_check_out("cert render", out);
	struct db *db = cli_db_open();
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

/* One render of c as a PDF or a PNG width pixels wide with cr; dies on failure. Returns the size. */
static size_t bench_render(struct cert_renderer *cr, const struct cert *c, bool pdf, int width)
{
	struct buf b = BUF_INIT;
	struct err e;
	if ((pdf ? cert_render_pdf(cr, &c, 1, &b, &e) : cert_render_png_width(cr, c, width, &b, &e)) < 0)
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
static int render_bench_cmd(struct cmd_args *a)
{
	cli_key_option(a);
	const char *serial = a->argc ? a->argv[0] : NULL;
	const char *format = cmd_has(a, "format") ? cmd_arg(a, "format") : "png";
	long count = 20;
	if (cmd_has(a, "count"))
		count = cli_number("cert render-bench: --count", cmd_arg(a, "count"), 1, 100000);
	bool pdf = strcmp(format, "pdf") == 0, full = strcmp(format, "png-full") == 0;
	if ((!pdf && !full && strcmp(format, "png") != 0) || count < 1 || count > 100000)
		die("cert render-bench: --format png|png-full|pdf, --count 1 to 100000\n%s", CERT_USAGE);
	/* png: the phone size a download sends; png-full: 300 dpi (?full=1, sala cert render). */
	int width = full ? CERT_PNG_FULL_W : CERT_PNG_PHONE_W;
	struct db *db = cli_db_open();
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
		bytes = bench_render(cr, &c, pdf, width);
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
	bench_render(cr, &c, pdf, width); /* warm-up: the shared background */
	double t = mono_ms();
	for (long i = 0; i < count; i++)
		bench_render(cr, &c, pdf, width);
	double each = (mono_ms() - t) / (double)count;
	cert_renderer_free(cr);
	printf("%s: one %.1f ms, each %.1f ms (certificate %s, %zu bytes; one: renderer made, one render, freed, "
	       "median of %d; each: mean of %ld renders with a warm renderer)\n",
	       format, one, each, c.serial, bytes, ONE_RUNS, count);
	cert_release(&c);
	db_close(db);
	return 0;
}

static int bulk_cmd(struct cmd_args *a)
{
	cli_key_option(a);
	struct cert_filter f = {.course_id = cmd_arg(a, "course"), .from = cmd_arg(a, "from"), .to = cmd_arg(a, "to")};
	const char *org = cmd_arg(a, "org"), *out = cmd_arg(a, "output"), *limit = cmd_arg(a, "limit");
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
	struct db *db = cli_db_open();
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

static int public_key_cmd(struct cmd_args *a)
{
	cli_key_option(a);
	bool json = cmd_has(a, "json");
	struct db *db = cli_db_open();
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

static int keygen_cmd(struct cmd_args *a)
{
	cli_key_option(a);
	struct db *db = cli_db_open();
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

static int rotate_key_cmd(struct cmd_args *a)
{
	cli_key_option(a);
	struct db *db = cli_db_open();
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

#define KEY_OPTION                                                                                                     \
	{                                                                                                              \
		"key", required_argument, NULL, 0                                                                      \
	}

static const struct cmd_entry issue_entry = {
    .name = "issue",
    .usage = "cert issue --user USERNAME --course ID",
    .options =
	(const struct option[]){
	    {"user", required_argument, NULL, 0}, {"course", required_argument, NULL, 0}, KEY_OPTION, {0}},
    .exec = issue_cmd,
};
static const struct cmd_entry list_entry = {
    .name = "list",
    .usage = "cert list [--user USERNAME] [--course ID] | --expiring DAYS [--org CODE]",
    .help = "  --expiring DAYS: current certificates that expire from today to DAYS days from today, soonest\n"
	    "  first (expiry date, serial, code, course, name), of the learners of --org CODE's subtree",
    .options = (const struct option[]){{"user", required_argument, NULL, 0},
				       {"course", required_argument, NULL, 0},
				       {"expiring", required_argument, NULL, 0},
				       {"org", required_argument, NULL, 0},
				       KEY_OPTION,
				       {0}},
    .exec = list_cmd,
};
static const struct cmd_entry show_entry = {
    .name = "show",
    .usage = "cert show SERIAL",
    .options = (const struct option[]){KEY_OPTION, {0}},
    .lower = 1,
    .upper = 1,
    .exec = show_cmd,
};
static const struct cmd_entry reissue_entry = {
    .name = "reissue",
    .usage = "cert reissue SERIAL",
    .options = (const struct option[]){KEY_OPTION, {0}},
    .lower = 1,
    .upper = 1,
    .exec = reissue_cmd,
};
static const struct cmd_entry revoke_entry = {
    .name = "revoke",
    .usage = "cert revoke SERIAL --reason TEXT",
    .options = (const struct option[]){{"reason", required_argument, NULL, 0}, KEY_OPTION, {0}},
    .lower = 1,
    .upper = 1,
    .exec = revoke_cmd,
};
static const struct cmd_entry verify_entry = {
    .name = "verify",
    .usage = "cert verify CODE | --offline FILE.pdf|FILE.png|TOKEN|CODE --key PUBKEYFILE [--payload TOKEN]",
    .help = "  with --offline, --key is the public key (sala cert public-key) to check against",
    .options =
	(const struct option[]){
	    {"offline", no_argument, NULL, 0}, {"payload", required_argument, NULL, 0}, KEY_OPTION, {0}},
    .lower = 1,
    .upper = 1,
    .exec = verify_cmd,
};
static const struct cmd_entry render_entry = {
    .name = "render",
    .usage = "cert render SERIAL -o FILE.png|FILE.pdf",
    .options = (const struct option[]){{"output", required_argument, NULL, 'o'}, KEY_OPTION, {0}},
    .upper = 1,
    .exec = render_cmd,
};
static const struct cmd_entry render_bench_entry = {
    .name = "render-bench",
    .usage = "cert render-bench [SERIAL] [--count N] [--format png|png-full|pdf]",
    .options =
	(const struct option[]){
	    {"count", required_argument, NULL, 0}, {"format", required_argument, NULL, 0}, KEY_OPTION, {0}},
    .upper = 1,
    .exec = render_bench_cmd,
};
static const struct cmd_entry bulk_entry = {
    .name = "bulk",
    .usage = "cert bulk [--course ID] [--org CODE] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--limit N] "
	     "-o FILE.pdf|FILE.zip",
    .options = (const struct option[]){{"course", required_argument, NULL, 0},
				       {"org", required_argument, NULL, 0},
				       {"from", required_argument, NULL, 0},
				       {"to", required_argument, NULL, 0},
				       {"limit", required_argument, NULL, 0},
				       {"output", required_argument, NULL, 'o'},
				       KEY_OPTION,
				       {0}},
    .exec = bulk_cmd,
};
static const struct cmd_entry public_key_entry = {
    .name = "public-key",
    .usage = "cert public-key [--json]",
    .options = (const struct option[]){{"json", no_argument, NULL, 0}, KEY_OPTION, {0}},
    .exec = public_key_cmd,
};
static const struct cmd_entry keygen_entry = {
    .name = "keygen",
    .usage = "cert keygen          (only for a database that has no key and no certificates)",
    .options = (const struct option[]){KEY_OPTION, {0}},
    .exec = keygen_cmd,
};
static const struct cmd_entry rotate_key_entry = {
    .name = "rotate-key",
    .usage = "cert rotate-key      (a new signing key; certificates signed by the old one stay valid)",
    .options = (const struct option[]){KEY_OPTION, {0}},
    .exec = rotate_key_cmd,
};

const struct cmd_entry cmd_cert_entry = {
    .name = "cert",
    .usage = "cert issue|list|show|reissue|revoke|verify|render|render-bench|bulk|public-key|keygen|rotate-key ...",
    .help = "Every command but 'verify --offline' takes --key PATH: the signing key file (default <database>.key).",
    .subs = (const struct cmd_entry *const[]){&issue_entry, &list_entry, &show_entry, &reissue_entry, &revoke_entry,
					      &verify_entry, &render_entry, &render_bench_entry, &bulk_entry,
					      &public_key_entry, &keygen_entry, &rotate_key_entry, NULL},

};
