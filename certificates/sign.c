/*
 * The site's Ed25519 key, the canonical payload and its signature, and the
 * token that rendered files carry for offline checks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "certificates/cert.h"
#include "lib/db.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#define TOKEN_PREFIX "SALA1."
#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* The key file given with --key (cert_key_use), or NULL for "<db path>.key". Set once at start. */
static char *key_override;

void cert_key_use(const char *path)
{
	free(key_override);
	key_override = path && *path ? xstrdup(path) : NULL;
}

bool cert_key_given(void)
{
	return key_override != NULL;
}

char *cert_key_path(const char *db_path)
{
	return key_override ? xstrdup(key_override) : xasprintf("%s.key", db_path);
}

/* Writes a new random seed to path, created 0600 with O_EXCL: never over an existing file. */
static int seed_write(const char *path, unsigned char seed[crypto_sign_SEEDBYTES], struct err *e)
{
	char line[sodium_base64_ENCODED_LEN(crypto_sign_SEEDBYTES, sodium_base64_VARIANT_ORIGINAL) + 1];
	randombytes_buf(seed, crypto_sign_SEEDBYTES);
	sodium_bin2base64(line, sizeof line - 1, seed, crypto_sign_SEEDBYTES, sodium_base64_VARIANT_ORIGINAL);
	strcat(line, "\n");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		sodium_memzero(line, sizeof line);
		return err_set(e, errno == EEXIST ? "'%s' already exists" : "cannot create '%s': %s", path,
			       strerror(errno));
	}
	size_t len = strlen(line);
	bool ok = fchmod(fd, 0600) == 0 && write(fd, line, len) == (ssize_t)len && fsync(fd) == 0;
	int saved = errno;
	close(fd);
	sodium_memzero(line, sizeof line);
	if (!ok) {
		unlink(path);
		return err_set(e, "cannot write '%s': %s", path, strerror(saved));
	}
	return 0;
}

/* Creates the key file without ever exposing a partial or world-readable one: a private temporary file, then link(). */
static int key_create(const char *path, struct err *e)
{
	char tmp[4096], rnd[17];
	random_token(8, rnd);
	snprintf(tmp, sizeof tmp, "%s.%s.tmp", path, rnd);
	unsigned char seed[crypto_sign_SEEDBYTES];
	int rc = seed_write(tmp, seed, e);
	sodium_memzero(seed, sizeof seed);
	if (rc < 0)
		return -1;
	rc = link(tmp, path);
	int saved = errno;
	unlink(tmp);
	if (rc < 0 && saved == EEXIST)
		return err_set(e, "signing key '%s' already exists; it was not replaced", path);
	if (rc < 0)
		return err_set(e, "cannot create signing key '%s': %s", path, strerror(saved));
	return 0;
}

int cert_key_create(const char *path, struct err *e)
{
	return key_create(path, e);
}

int cert_key_load_path(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES],
		       unsigned char pk[crypto_sign_PUBLICKEYBYTES], struct err *e)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return err_set(
			    e,
			    "signing key '%s' is missing: certificates can be neither issued nor verified. "
			    "Put it back from the backup (the FILE.key that 'sala backup FILE' writes); only "
			    "a site that never issued a certificate may create a new one with 'sala cert "
			    "keygen'",
			    path);
		return err_set(e, "cannot read signing key '%s': %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return err_set(e, "signing key '%s' is not a regular file", path);
	if (st.st_mode & 077)
		return err_set(e, "signing key '%s' can be read by other users (mode %04o): run chmod 600 '%s'", path,
			       (unsigned)(st.st_mode & 07777), path);
	struct buf b = BUF_INIT;
	struct err re;
	if (file_read(path, &b, &re) < 0) {
		buf_release(&b);
		return err_set(e, "cannot read the signing key: %s", re.msg);
	}
	unsigned char seed[crypto_sign_SEEDBYTES];
	size_t n = 0;
	const char *end = NULL;
	int rc =
	    sodium_base642bin(seed, sizeof seed, buf_str(&b), b.len, " \r\n", &n, &end, sodium_base64_VARIANT_ORIGINAL);
	bool trailing = rc == 0 && end && (size_t)(end - buf_str(&b)) != b.len;
	sodium_memzero(b.data, b.len);
	buf_release(&b);
	if (rc < 0 || n != sizeof seed || trailing) {
		sodium_memzero(seed, sizeof seed);
		return err_set(e,
			       "signing key '%s' is malformed (want base64 of a 32-byte Ed25519 seed): put the "
			       "right file back from the backup",
			       path);
	}
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof seed);
	return 0;
}

/* The key file of the database this handle has open; caller frees. NULL (with a message) for an in-memory one. */
static char *key_file_of(struct db *db, struct err *e)
{
	const char *db_path = db_filename(db);
	if (key_override)
		return xstrdup(key_override);
	if (db_engine(db) == DB_ENGINE_PG)
		return err_set(e, "a PostgreSQL database keeps no signing key: give the key file with --key PATH"),
		       NULL;
	if (!db_path) {
		err_set(e, "the signing key lives next to the database file; an in-memory database has none");
		return NULL;
	}
	return cert_key_path(db_path);
}

int cert_key_load(struct db *db, unsigned char sk[crypto_sign_SECRETKEYBYTES],
		  unsigned char pk[crypto_sign_PUBLICKEYBYTES], struct err *e)
{
	char *path = key_file_of(db, e);
	if (!path)
		return -1;
	int rc = cert_key_load_path(path, sk, pk, e);
	free(path);
	return rc;
}

char *cert_key_file(struct db *db)
{
	struct err e;
	return key_file_of(db, &e);
}

void cert_key_id(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char kid[CERT_KID_SIZE])
{
	/* RFC 7638: SHA-256 of the JWK's required members, in this order, no spaces. */
	char x[45], jwk[128];
	sodium_bin2base64(x, sizeof x, pk, crypto_sign_PUBLICKEYBYTES, B64URL);
	int n = snprintf(jwk, sizeof jwk, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", x);
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)jwk, (unsigned long long)n);
	sodium_bin2base64(kid, CERT_KID_SIZE, h, sizeof h, B64URL);
}

/* ---- the key ring: retired public keys ------------------------------------------------------------ */

/*
 * Retired public keys live in the settings table (keys cert_key_ring and
 * cert_key_ring_sig, not user settings): they travel with every backup of
 * the certificates they verify and change in the same transaction as a
 * rotation. So that write access to the database alone cannot add a key, the
 * ring's text is signed by the current key: a ring whose signature does not
 * hold is a setup error, never a reason to trust or distrust a certificate.
 */
#define RING_KEY "cert_key_ring"
#define RING_SIG_KEY "cert_key_ring_sig"

static int ring_error(const char *key_path, struct err *e)
{
	char *next = xasprintf("%s.new", key_path);
	struct stat st;
	bool pending = stat(next, &st) == 0;
	err_set(e,
		"the retired-key list in the database was not signed by the signing key '%s': the key and the "
		"database do not belong together (restore both from the same backup)%s%s%s",
		key_path, pending ? "; an interrupted 'sala cert rotate-key' left the new key in '" : "",
		pending ? next : "", pending ? "': move it to the key's place" : "");
	free(next);
	return -1;
}

/* Parses the ring text into keys[1..] (keys[0] is the current key) and the current key's start. */
static int ring_parse(const char *text, struct cert_pubkey **keys, size_t *n, const char *key_path, struct err *e)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	json_t *retired = root ? json_object_get(root, "retired") : NULL;
	json_t *from = root ? json_object_get(root, "current_from") : NULL;
	if (!json_is_array(retired) || !json_is_integer(from)) {
		json_decref(root);
		return err_set(e,
			       "the retired-key list in the database is malformed: restore the database and "
			       "'%s' from the same backup",
			       key_path);
	}
	(*keys)[0].from = json_integer_value(from);
	size_t count = json_array_size(retired);
	*keys = xrealloc(*keys, (count + 1) * sizeof **keys);
	for (size_t i = 0; i < count; i++) {
		json_t *k = json_array_get(retired, i);
		const char *b64 = json_string_value(json_object_get(k, "public_key"));
		struct cert_pubkey *p = &(*keys)[i + 1];
		struct err pe;
		if (!b64 || cert_pubkey_parse(b64, p->pk, &pe) < 0 || !json_is_integer(json_object_get(k, "from")) ||
		    !json_is_integer(json_object_get(k, "to"))) {
			json_decref(root);
			return err_set(e, "the retired-key list in the database is malformed (entry %zu)", i + 1);
		}
		cert_key_id(p->pk, p->kid);
		p->from = json_integer_value(json_object_get(k, "from"));
		p->to = json_integer_value(json_object_get(k, "to"));
	}
	*n = count + 1;
	json_decref(root);
	return 0;
}

int cert_keys_load(struct db *db, struct cert_pubkey **keys, size_t *n, struct err *e)
{
	*keys = NULL;
	*n = 0;
	char *path = key_file_of(db, e);
	if (!path)
		return -1;
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	struct cert_pubkey cur = {0};
	if (cert_key_load_path(path, sk, cur.pk, e) < 0) {
		free(path);
		return -1;
	}
	sodium_memzero(sk, sizeof sk);
	cert_key_id(cur.pk, cur.kid);
	*keys = xmalloc(sizeof **keys);
	(*keys)[0] = cur;
	*n = 1;
	char *ring = db_setting_get(db, RING_KEY);
	char *sig64 = db_setting_get(db, RING_SIG_KEY);
	int rc = 0;
	if (ring || sig64) {
		unsigned char sig[crypto_sign_BYTES];
		size_t len = 0;
		if (!ring || !sig64 ||
		    sodium_base642bin(sig, sizeof sig, sig64, strlen(sig64), NULL, &len, NULL,
				      sodium_base64_VARIANT_ORIGINAL) < 0 ||
		    len != sizeof sig ||
		    crypto_sign_verify_detached(sig, (const unsigned char *)ring, strlen(ring), cur.pk) != 0)
			rc = ring_error(path, e);
		else
			rc = ring_parse(ring, keys, n, path, e);
	}
	free(ring);
	free(sig64);
	free(path);
	if (rc < 0) {
		free(*keys);
		*keys = NULL;
		*n = 0;
	}
	return rc;
}

int cert_key_rotate(struct db *db, char old_kid[CERT_KID_SIZE], char new_kid[CERT_KID_SIZE], struct err *e)
{
	struct cert_pubkey *keys;
	size_t n;
	if (cert_keys_load(db, &keys, &n, e) < 0)
		return -1;
	char *path = key_file_of(db, e);
	char *next = xasprintf("%s.new", path);
	unsigned char seed[crypto_sign_SEEDBYTES], sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	int rc = -1;
	json_t *root = NULL;
	char *text = NULL;
	if (seed_write(next, seed, e) < 0) {
		char why[sizeof e->msg];
		snprintf(why, sizeof why, "%s", e->msg);
		err_set(e,
			"cannot start the rotation: %s (left by an interrupted rotation? If 'sala cert public-key' "
			"still shows the old key as current, delete it; otherwise move it over '%s')",
			why, path);
		goto out;
	}
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof seed);
	/* The new ring: the key now current becomes the newest retired one, valid up to now. */
	int64_t now = now_s();
	root = json_object();
	json_t *retired = json_array();
	json_object_set_new(root, "current_from", json_integer(now));
	for (size_t i = 0; i < n; i++) {
		char b64[45];
		cert_pubkey_b64(keys[i].pk, b64);
		json_array_append_new(retired, json_pack("{s:s, s:s, s:I, s:I}", "kid", keys[i].kid, "public_key", b64,
							 "from", (json_int_t)keys[i].from, "to",
							 (json_int_t)(i == 0 ? now : keys[i].to)));
	}
	json_object_set_new(root, "retired", retired);
	text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	unsigned char sig[crypto_sign_BYTES];
	char sig64[CERT_SIG_B64_SIZE];
	crypto_sign_detached(sig, NULL, (const unsigned char *)text, strlen(text), sk);
	sodium_memzero(sk, sizeof sk);
	sodium_bin2base64(sig64, sizeof sig64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
	db_durable(db, true);
	if (db_begin(db, e) < 0)
		goto undo;
	if (db_setting_set(db, RING_KEY, text) < 0 || db_setting_set(db, RING_SIG_KEY, sig64) < 0) {
		db_rollback(db);
		err_set(e, "cannot save the retired-key list: %s", db_errmsg(db));
		goto undo;
	}
	if (db_commit(db, e) < 0)
		goto undo;
	/* The database now names the new key: put it in place (atomic rename, synced). */
	if (file_commit(next, path, 0600, e) < 0) {
		char why[sizeof e->msg];
		snprintf(why, sizeof why, "%s", e->msg);
		err_set(e,
			"the database already lists the new key, but it could not be moved into place (%s): move "
			"'%s' to '%s' by hand",
			why, next, path);
		goto out;
	}
	snprintf(old_kid, CERT_KID_SIZE, "%s", keys[0].kid);
	cert_key_id(pk, new_kid);
	rc = 0;
	goto out;
undo:
	unlink(next);
out:
	free(text);
	json_decref(root);
	free(next);
	free(path);
	free(keys);
	return rc;
}

int cert_keygen(struct db *db, char kid[CERT_KID_SIZE], struct err *e)
{
	char *path = key_file_of(db, e);
	if (!path)
		return -1;
	struct stat st;
	int rc = -1;
	int64_t certs = db_int(db, "SELECT count(*) FROM certificates", NULL, NULL, 0);
	char *ring = db_setting_get(db, RING_KEY);
	if (stat(path, &st) == 0) {
		err_set(e, "signing key '%s' already exists (to replace it, use 'sala cert rotate-key')", path);
	} else if (certs > 0 || ring) {
		err_set(e,
			"the database holds %lld certificate%s signed by the key '%s', which is missing: a new key "
			"would make every one of them fail verification. Put the key back from the backup (the "
			"FILE.key beside it)",
			(long long)certs, certs == 1 ? "" : "s", path);
	} else if (key_create(path, e) == 0) {
		unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
		rc = cert_key_load_path(path, sk, pk, e);
		sodium_memzero(sk, sizeof sk);
		if (rc == 0)
			cert_key_id(pk, kid);
	}
	free(ring);
	free(path);
	return rc;
}

static void iso_utc(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void cert_keys_text(const struct cert_pubkey *keys, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		char b64[45];
		cert_pubkey_b64(keys[i].pk, b64);
		buf_printf(out, "%s\n", b64);
	}
}

void cert_keys_json(const struct cert_pubkey *keys, size_t n, struct buf *out)
{
	char b64[45], hex[65], x[45];
	cert_pubkey_b64(keys[0].pk, b64);
	hex_encode(keys[0].pk, crypto_sign_PUBLICKEYBYTES, hex);
	sodium_bin2base64(x, sizeof x, keys[0].pk, crypto_sign_PUBLICKEYBYTES, B64URL);
	buf_printf(out,
		   "{\"type\":\"Ed25519\",\"public_key\":\"%s\",\"public_key_hex\":\"%s\",\"kid\":\"%s\","
		   "\"jwk\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"%s\"},\"keys\":[",
		   b64, hex, keys[0].kid, x, keys[0].kid);
	for (size_t i = 0; i < n; i++) {
		char from[32], to[32];
		cert_pubkey_b64(keys[i].pk, b64);
		sodium_bin2base64(x, sizeof x, keys[i].pk, crypto_sign_PUBLICKEYBYTES, B64URL);
		iso_utc(keys[i].from, from);
		iso_utc(keys[i].to, to);
		buf_printf(out,
			   "%s{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"%s\",\"use\":\"sig\","
			   "\"alg\":\"EdDSA\",\"public_key\":\"%s\",\"status\":\"%s\",",
			   i ? "," : "", x, keys[i].kid, b64, i == 0 ? "current" : "retired");
		if (keys[i].from)
			buf_printf(out, "\"valid_from\":\"%s\",", from);
		else
			buf_puts(out, "\"valid_from\":null,");
		if (keys[i].to)
			buf_printf(out, "\"valid_to\":\"%s\"}", to);
		else
			buf_puts(out, "\"valid_to\":null}");
	}
	buf_puts(out, "]}\n");
}

/* Slack around a rotation: a certificate signed just before it may carry an issue time just after. */
#define ROTATION_SLACK_S 300

const struct cert_pubkey *cert_keys_match(const struct cert_pubkey *keys, size_t n, int64_t issued_at, const void *msg,
					  size_t len, const char *sig64)
{
	unsigned char sig[crypto_sign_BYTES];
	size_t got = 0;
	if (!sig64 ||
	    sodium_base642bin(sig, sizeof sig, sig64, strlen(sig64), NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) <
		0 ||
	    got != sizeof sig)
		return NULL;
	/* First the key that was current when the certificate was issued, then its neighbours across a rotation. */
	for (int pass = 0; pass < 2; pass++) {
		int64_t slack = pass ? ROTATION_SLACK_S : 0;
		for (size_t i = 0; i < n; i++) {
			bool in =
			    issued_at + slack >= keys[i].from && (keys[i].to == 0 || issued_at - slack < keys[i].to);
			bool tried = pass && issued_at >= keys[i].from && (keys[i].to == 0 || issued_at < keys[i].to);
			if (in && !tried && crypto_sign_verify_detached(sig, msg, len, keys[i].pk) == 0)
				return &keys[i];
		}
	}
	return NULL;
}

void cert_pubkey_b64(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char out[45])
{
	sodium_bin2base64(out, 45, pk, crypto_sign_PUBLICKEYBYTES, sodium_base64_VARIANT_ORIGINAL);
}

int cert_pubkey_parse(const char *text, unsigned char pk[crypto_sign_PUBLICKEYBYTES], struct err *e)
{
	char s[256];
	const char *json = strstr(text, "\"public_key\"");
	if (json) { /* {"public_key":"BASE64", ...} */
		const char *q = strchr(json + 12, '"');
		const char *end = q ? strchr(q + 1, '"') : NULL;
		if (!end || (size_t)(end - q) >= sizeof s)
			return err_set(e, "no public key in the JSON text");
		snprintf(s, sizeof s, "%.*s", (int)(end - q - 1), q + 1);
	} else {
		/* The text key set: the first word of the first line is the current key. */
		const char *t = text + strspn(text, " \t\r\n");
		snprintf(s, sizeof s, "%.*s", (int)strcspn(t, " \t\r\n"), t);
	}
	char *p = str_trim(s);
	if (str_starts(p, "ed25519:"))
		p += 8;
	size_t n = 0;
	if (strlen(p) == 2 * crypto_sign_PUBLICKEYBYTES &&
	    sodium_hex2bin(pk, crypto_sign_PUBLICKEYBYTES, p, strlen(p), NULL, &n, NULL) == 0 &&
	    n == crypto_sign_PUBLICKEYBYTES)
		return 0;
	static const int variants[] = {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
				       sodium_base64_VARIANT_URLSAFE, B64URL};
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
		if (sodium_base642bin(pk, crypto_sign_PUBLICKEYBYTES, p, strlen(p), NULL, &n, NULL, variants[i]) == 0 &&
		    n == crypto_sign_PUBLICKEYBYTES)
			return 0;
	return err_set(e, "not an Ed25519 public key (want base64 or hex of 32 bytes)");
}

int cert_pubkeys_parse(const char *text, unsigned char (*pks)[crypto_sign_PUBLICKEYBYTES], size_t max, size_t *n,
		       struct err *e)
{
	*n = 0;
	const char *t = text + strspn(text, " \t\r\n");
	if (*t == '{') {
		json_error_t je;
		json_t *root = json_loads(t, 0, &je);
		if (!root)
			return err_set(e, "not a key set: JSON error on line %d: %s", je.line, je.text);
		json_t *keys = json_object_get(root, "keys");
		size_t i;
		json_t *k;
		json_array_foreach(keys, i, k)
		{
			const char *b64 = json_string_value(json_object_get(k, "public_key"));
			if (!b64)
				b64 = json_string_value(json_object_get(k, "x"));
			if (*n < max && b64 && cert_pubkey_parse(b64, pks[*n], e) == 0)
				(*n)++;
		}
		json_decref(root);
		if (*n == 0 && cert_pubkey_parse(t, pks[0], e) == 0)
			*n = 1;
		return *n ? 0 : err_set(e, "no Ed25519 public key in the JSON text");
	}
	/* Text: one key per line, its first word ("#" starts a comment line). */
	while (*t && *n < max) {
		size_t len = strcspn(t, "\n");
		char line[256];
		snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), t);
		char *w = str_trim(line);
		if (*w && *w != '#') {
			w[strcspn(w, " \t")] = '\0';
			if (cert_pubkey_parse(w, pks[*n], e) < 0)
				return -1;
			(*n)++;
		}
		t += len + (t[len] == '\n');
	}
	return *n ? 0 : err_set(e, "no public key in the text");
}

/* One code point from UTF-8 at *p (advancing); U+FFFD for a malformed sequence. */
static unsigned utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	unsigned c = *s++;
	int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
	if (c >= 0x80 && n == 0) {
		*p = s;
		return 0xFFFD;
	}
	c &= n == 3 ? 0x07 : n == 2 ? 0x0F : n == 1 ? 0x1F : 0x7F;
	for (int i = 0; i < n; i++) {
		if ((*s & 0xC0) != 0x80) {
			*p = s;
			return 0xFFFD;
		}
		c = c << 6 | (*s++ & 0x3F);
	}
	*p = s;
	return c;
}

/* A JSON string that is pure ASCII: the signed bytes survive PNG tEXt, PDF strings and copy-paste unchanged. */
static void json_ascii(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		unsigned c = utf8_next(&p);
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", (char)c);
		else if (c >= 0x20 && c < 0x7F)
			buf_putc(b, (char)c);
		else if (c < 0x10000)
			buf_printf(b, "\\u%04x", c);
		else
			buf_printf(b, "\\u%04x\\u%04x", 0xD800 + ((c - 0x10000) >> 10),
				   0xDC00 + ((c - 0x10000) & 0x3FF));
	}
	buf_putc(b, '"');
}

void cert_payload_build(const struct cert *c, struct buf *out)
{
	buf_puts(out, "{\"code\":");
	json_ascii(out, c->code);
	buf_puts(out, ",\"completed_on\":");
	json_ascii(out, c->completed_on);
	buf_puts(out, ",\"course_id\":");
	json_ascii(out, c->course_id);
	buf_puts(out, ",\"course_title\":");
	json_ascii(out, c->course_title);
	if (c->expires_on && *c->expires_on) { /* only when set: certificates that do not expire keep their text */
		buf_puts(out, ",\"expires_on\":");
		json_ascii(out, c->expires_on);
	}
	buf_puts(out, ",\"issuer\":");
	json_ascii(out, c->issuer);
	buf_puts(out, ",\"issuer_km\":");
	json_ascii(out, c->issuer_km);
	buf_puts(out, ",\"language\":");
	json_ascii(out, c->language);
	buf_puts(out, ",\"name\":");
	json_ascii(out, c->name);
	buf_puts(out, ",\"name_km\":");
	json_ascii(out, c->name_km);
	buf_puts(out, ",\"score\":");
	if (c->has_score) {
		char num[32];
		snprintf(num, sizeof num, "%.2f", c->score);
		char *end = num + strlen(num) - 1; /* 92.50 -> 92.5, 92.00 -> 92 */
		while (*end == '0')
			*end-- = '\0';
		if (*end == '.')
			*end = '\0';
		buf_puts(out, num);
	} else {
		buf_puts(out, "null");
	}
	buf_puts(out, ",\"serial\":");
	json_ascii(out, c->serial);
	buf_puts(out, ",\"v\":1}");
}

void cert_sign(const struct cert *c, const unsigned char sk[crypto_sign_SECRETKEYBYTES], struct buf *payload,
	       char sig[CERT_SIG_B64_SIZE])
{
	size_t start = payload->len;
	cert_payload_build(c, payload);
	unsigned char bin[crypto_sign_BYTES];
	crypto_sign_detached(bin, NULL, (const unsigned char *)payload->data + start, payload->len - start, sk);
	sodium_bin2base64(sig, CERT_SIG_B64_SIZE, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
}

static void b64url(struct buf *out, const void *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, B64URL);
	buf_grow(out, n);
	sodium_bin2base64(out->data + out->len, n, data, len, B64URL);
	out->len += strlen(out->data + out->len);
}

void cert_token(const struct cert *c, struct buf *out)
{
	unsigned char sig[crypto_sign_BYTES];
	size_t n = 0;
	buf_puts(out, TOKEN_PREFIX);
	b64url(out, c->payload, strlen(c->payload));
	buf_putc(out, '.');
	if (sodium_base642bin(sig, sizeof sig, c->signature, strlen(c->signature), NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) < 0 ||
	    n != sizeof sig)
		memset(sig, 0, sizeof sig);
	b64url(out, sig, sizeof sig);
}

static int unb64url(const char *s, size_t len, struct buf *out)
{
	buf_grow(out, len + 1);
	size_t n = 0;
	if (sodium_base642bin((unsigned char *)out->data + out->len, len + 1, s, len, NULL, &n, NULL, B64URL) < 0)
		return -1;
	out->len += n;
	out->data[out->len] = '\0';
	return 0;
}

int cert_token_verify(const char *token, const unsigned char pk[crypto_sign_PUBLICKEYBYTES], struct buf *payload,
		      struct err *e)
{
	if (!str_starts(token, TOKEN_PREFIX))
		return err_set(e, "not a certificate token (it should start with '%s')", TOKEN_PREFIX);
	const char *p = token + strlen(TOKEN_PREFIX);
	const char *dot = strchr(p, '.');
	if (!dot)
		return err_set(e, "malformed certificate token");
	struct buf body = BUF_INIT, sig = BUF_INIT;
	int rc = -1;
	if (unb64url(p, (size_t)(dot - p), &body) < 0 || unb64url(dot + 1, strlen(dot + 1), &sig) < 0 ||
	    sig.len != crypto_sign_BYTES) {
		err_set(e, "malformed certificate token");
		goto done;
	}
	if (crypto_sign_verify_detached((unsigned char *)sig.data, (unsigned char *)body.data, body.len, pk) != 0) {
		err_set(e, "the signature does not match: the certificate was altered or signed by another key");
		goto done;
	}
	buf_add(payload, body.data, body.len);
	rc = 0;
done:
	buf_release(&body);
	buf_release(&sig);
	return rc;
}

static void put_utf8(struct buf *b, unsigned c)
{
	char u[4];
	if (c < 0x80) {
		buf_putc(b, (char)c);
	} else if (c < 0x800) {
		u[0] = (char)(0xC0 | c >> 6), u[1] = (char)(0x80 | (c & 0x3F));
		buf_add(b, u, 2);
	} else if (c < 0x10000) {
		u[0] = (char)(0xE0 | c >> 12), u[1] = (char)(0x80 | (c >> 6 & 0x3F)), u[2] = (char)(0x80 | (c & 0x3F));
		buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | c >> 18), u[1] = (char)(0x80 | (c >> 12 & 0x3F));
		u[2] = (char)(0x80 | (c >> 6 & 0x3F)), u[3] = (char)(0x80 | (c & 0x3F));
		buf_add(b, u, 4);
	}
}

/* Reads the payloads cert_payload_build writes (flat object, ASCII, \u escapes); not a general JSON reader. */
int cert_payload_field(const char *payload, const char *key, struct buf *out)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(payload, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	if (*p != '"') {
		size_t n = strcspn(p, ",}");
		buf_add(out, p, n);
		return 0;
	}
	for (p++; *p && *p != '"'; p++) {
		if (*p != '\\') {
			buf_putc(out, *p);
			continue;
		}
		p++;
		if (*p == 'u') {
			unsigned c = 0;
			if (sscanf(p + 1, "%4x", &c) != 1)
				return -1;
			p += 4;
			if (c >= 0xD800 && c < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
				unsigned lo = 0;
				if (sscanf(p + 3, "%4x", &lo) == 1 && lo >= 0xDC00 && lo < 0xE000) {
					c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				}
			}
			put_utf8(out, c);
		} else if (*p) {
			buf_putc(out, *p);
		} else {
			return -1;
		}
	}
	return 0;
}

static bool token_char(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
	       ch == '_' || ch == '.';
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int cert_token_extract(const void *data, size_t len, struct buf *token, struct err *e)
{
	const unsigned char *d = data;
	static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
	static const char key[] = "sala-certificate";
	if (len >= 8 && memcmp(d, png_sig, 8) == 0) {
		size_t off = 8;
		while (off + 12 <= len) {
			uint32_t n = be32(d + off);
			if (n > len - off - 12)
				break;
			const unsigned char *type = d + off + 4, *body = d + off + 8;
			if (memcmp(type, "tEXt", 4) == 0 && n > sizeof key && memcmp(body, key, sizeof key) == 0) {
				buf_add(token, body + sizeof key, n - sizeof key);
				return 0;
			}
			if (memcmp(type, "IEND", 4) == 0)
				break;
			off += 12 + (size_t)n;
		}
		return err_set(e, "the PNG carries no certificate signature (tEXt chunk '%s')", key);
	}
	if (len >= 5 && memcmp(d, "%PDF-", 5) == 0) {
		/* Sala writes the token into the Keywords of the Info dictionary, never compressed or escaped. */
		const unsigned char *p = memmem(d, len, TOKEN_PREFIX, strlen(TOKEN_PREFIX));
		if (!p)
			return err_set(e, "the PDF carries no certificate signature (Keywords)");
		size_t n = 0;
		while ((size_t)(p - d) + n < len && token_char(p[n]))
			n++;
		buf_add(token, p, n);
		return 0;
	}
	return err_set(e, "not a PNG or PDF file");
}
