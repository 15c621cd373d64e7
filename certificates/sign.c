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
#include <unistd.h>

#include "certificates/cert.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#define TOKEN_PREFIX "SALA1."
#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

char *cert_key_path(const char *db_path)
{
	return xasprintf("%s.key", db_path);
}

/* Creates the key file without ever exposing a partial or world-readable one: a private temporary file, then link(). */
static int key_create(const char *path, struct err *e)
{
	unsigned char seed[crypto_sign_SEEDBYTES];
	char line[sodium_base64_ENCODED_LEN(crypto_sign_SEEDBYTES, sodium_base64_VARIANT_ORIGINAL) + 1];
	randombytes_buf(seed, sizeof seed);
	sodium_bin2base64(line, sizeof line - 1, seed, sizeof seed, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(seed, sizeof seed);
	strcat(line, "\n");
	char tmp[4096];
	char rnd[17];
	random_token(8, rnd);
	snprintf(tmp, sizeof tmp, "%s.%s.tmp", path, rnd);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return err_set(e, "cannot create '%s': %s", tmp, strerror(errno));
	size_t len = strlen(line);
	bool ok = write(fd, line, len) == (ssize_t)len && fsync(fd) == 0;
	close(fd);
	sodium_memzero(line, sizeof line);
	if (!ok) {
		unlink(tmp);
		return err_set(e, "cannot write '%s': %s", tmp, strerror(errno));
	}
	int rc = link(tmp, path);
	int saved = errno;
	unlink(tmp);
	if (rc < 0 && saved != EEXIST) /* EEXIST: another thread or process won the race; use its key */
		return err_set(e, "cannot create '%s': %s", path, strerror(saved));
	return 0;
}

int cert_key_load_path(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES],
		       unsigned char pk[crypto_sign_PUBLICKEYBYTES], struct err *e)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return err_set(e, "cannot read '%s': %s", path, strerror(errno));
		if (key_create(path, e) < 0)
			return -1;
		if (stat(path, &st) < 0)
			return err_set(e, "cannot read '%s': %s", path, strerror(errno));
	}
	if (st.st_mode & 077)
		return err_set(e, "signing key '%s' is readable by others: run chmod 600 on it", path);
	struct buf b = BUF_INIT;
	if (file_read(path, &b, e) < 0)
		return -1;
	unsigned char seed[crypto_sign_SEEDBYTES];
	size_t n = 0;
	int rc =
	    sodium_base642bin(seed, sizeof seed, buf_str(&b), b.len, " \r\n", &n, NULL, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(b.data, b.len);
	buf_release(&b);
	if (rc < 0 || n != sizeof seed)
		return err_set(e, "signing key '%s' is malformed (want base64 of a 32-byte Ed25519 seed)", path);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof seed);
	return 0;
}

int cert_key_load(sqlite3 *db, unsigned char sk[crypto_sign_SECRETKEYBYTES],
		  unsigned char pk[crypto_sign_PUBLICKEYBYTES], struct err *e)
{
	const char *db_path = sqlite3_db_filename(db, "main");
	if (!db_path || !*db_path)
		return err_set(e, "the signing key lives next to the database file; an in-memory database has none");
	char *path = cert_key_path(db_path);
	int rc = cert_key_load_path(path, sk, pk, e);
	free(path);
	return rc;
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
		snprintf(s, sizeof s, "%s", text);
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
