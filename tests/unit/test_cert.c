/*
 * Unit tests for certificates/: issue, re-issue, revoke, online and offline
 * verification (and tampering), verification codes, the Open Badges VC-JWT,
 * and the golden renderings of shaped Khmer text.
 * SALA_UPDATE_GOLDEN=1 rewrites the PNGs in tests/data/certs from the current rendering.
 */
/* cmocka needs these first. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts/orgs.h"
#include "certificates/cert.h"
#include "certificates/text.h"
#include "lib/db.h"
#include "lib/util.h"

struct fixture {
	char dir[64], path[96];
	struct db *db;
	int64_t uid;
};

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* An independent check of a badge: a compact JWS signed with EdDSA against pk; the payload is appended. */
static int jwt_verify(const char *jwt, const unsigned char pk[crypto_sign_PUBLICKEYBYTES], struct buf *payload,
		      struct err *e)
{
	const char *d1 = strchr(jwt, '.');
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d2 || strchr(d2 + 1, '.'))
		return err_set(e, "not a compact JWS (three base64url parts)");
	unsigned char sig[crypto_sign_BYTES];
	size_t n = 0;
	if (sodium_base642bin(sig, sizeof sig, d2 + 1, strlen(d2 + 1), NULL, &n, NULL, B64URL) < 0 || n != sizeof sig)
		return err_set(e, "malformed JWS signature");
	struct buf h = BUF_INIT;
	size_t hl = (size_t)(d1 - jwt);
	buf_grow(&h, hl);
	int rc = sodium_base642bin((unsigned char *)h.data, hl, jwt, hl, NULL, &h.len, NULL, B64URL);
	buf_add(&h, "", 0);
	bool eddsa = rc == 0 && strstr(buf_str(&h), "\"alg\":\"EdDSA\"") != NULL &&
		     strstr(buf_str(&h), "\"typ\":\"JWT\"") != NULL &&
		     strstr(buf_str(&h), "\"kid\":\"http://127.0.0.1:8080/.well-known/jwks.json#") != NULL;
	buf_release(&h);
	if (!eddsa)
		return err_set(e, "the JWS header does not say alg EdDSA");
	if (crypto_sign_verify_detached(sig, (const unsigned char *)jwt, (unsigned long long)(d2 - jwt), pk) != 0)
		return err_set(e, "the JWS signature does not match");
	size_t pl = (size_t)(d2 - d1 - 1);
	buf_grow(payload, pl);
	size_t got = 0;
	if (sodium_base642bin((unsigned char *)payload->data + payload->len, pl, d1 + 1, pl, NULL, &got, NULL, B64URL) <
	    0)
		return err_set(e, "malformed JWS payload");
	payload->len += got;
	payload->data[payload->len] = '\0';
	return 0;
}

/* Online verification as the verify page does it; a key problem fails the test. */
static enum cert_status verify_code(struct db *db, const char *code, struct cert *c)
{
	struct err e = {""};
	enum cert_status s = cert_verify_code_key(db, code, c, NULL, &e);
	if (s == CERT_UNAVAILABLE)
		fail_msg("cannot verify certificates: %s", e.msg);
	return s;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/sala-cert-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
	struct err e;
	f->db = db_create(f->path, &e);
	assert_non_null(f->db);
	char key[160];
	snprintf(key, sizeof key, "%s.key", f->path);
	assert_int_equal(cert_key_create(key, &e), 0);
	assert_int_equal(orgs_seed(f->db, &e), 0);
	assert_int_equal(db_exec(f->db,
				 "INSERT INTO users(username, password_hash, full_name, full_name_km, org_id, "
				 "created_at) VALUES ('sokha', 'x', 'Srey Sokha', 'ស្រី សុខា', 1, 0);"
				 "INSERT INTO courses(id, created_at) VALUES ('c1', 0), ('c2', 0);"
				 "INSERT INTO packages(course_id, language, version, version_num, title, certificate, "
				 "imported_at, active) VALUES ('c1', 'km', '1', 1, 'សុវត្ថិភាពឌីជីថល', 1, 0, 1),"
				 "('c2', 'en', '1', 1, 'No certificate', 0, 0, 1);"
				 "INSERT INTO enrolments(user_id, course_id, enrolled_at, completed_at, best_final) "
				 "VALUES (1, 'c1', 0, 1767600000, 92.5), (1, 'c2', 0, 1767600000, 80);",
				 &e),
			 0);
	f->uid = 1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	db_close(f->db);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static int64_t issue(struct fixture *f)
{
	struct err e;
	int64_t id = 0;
	assert_int_equal(cert_issue(f->db, f->uid, "c1", &id, &e), 0);
	assert_true(id > 0);
	return id;
}

static void test_issue(void **state)
{
	struct fixture *f = *state;
	int64_t id = issue(f);
	struct cert c;
	assert_int_equal(cert_get(f->db, id, &c), 0);
	assert_int_equal(strncmp(c.serial, "SALA-", 5), 0);
	assert_int_equal(strlen(c.serial), strlen("SALA-2026-000001"));
	assert_string_equal(c.name_km, "ស្រី សុខា");
	assert_string_equal(c.completed_on, "2026-01-05");
	assert_true(c.has_score && c.score == 92.5);
	assert_string_equal(c.issuer, "Ministry of Interior");
	assert_string_equal(c.issuer_km, "ក្រសួងមហាផ្ទៃ");
	assert_non_null(strstr(c.payload, "\"score\":92.5"));
	assert_non_null(strstr(c.payload, "\"name_km\":\"\\u179f\\u17d2\\u179a\\u17b8 "));
	struct cert v;
	assert_int_equal(verify_code(f->db, c.code, &v), CERT_VALID);
	cert_release(&v);
	/* Issuing again changes nothing; a course without certificates gives none. */
	assert_int_equal(issue(f), id);
	struct err e;
	assert_int_equal(cert_issue_on_completion(f->db, f->uid, "c2", &e), 0);
	assert_int_equal(db_int(f->db, "SELECT count(*) FROM certificates", NULL, NULL, -1), 1);
	/* Not completed: refused. */
	db_exec(f->db, "UPDATE enrolments SET completed_at = NULL WHERE course_id = 'c2'", &e);
	assert_int_equal(cert_issue_on_completion(f->db, f->uid, "c2", &e), -1);
	/* The key sits next to the database, readable by its owner only. */
	char key[128];
	snprintf(key, sizeof key, "%s.key", f->path);
	struct stat st;
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	cert_release(&c);
}

/* A missing, garbage or group-readable key makes verification unavailable (naming the file), never "tampered". */
static void test_key_problems_are_setup_errors(void **state)
{
	struct fixture *f = *state;
	int64_t id = issue(f);
	struct cert c, v;
	assert_int_equal(cert_get(f->db, id, &c), 0);
	char key[160], saved[160];
	snprintf(key, sizeof key, "%s.key", f->path);
	snprintf(saved, sizeof saved, "%s.saved", f->path);
	assert_int_equal(rename(key, saved), 0);
	struct err e;
	static const struct {
		const char *content; /* NULL: no file */
		int mode;
		const char *says;
	} cases[] = {
	    {NULL, 0, "is missing"},
	    {"not base64 at all\n", 0600, "is malformed"},
	    {"c2FsYQ==\n", 0600, "is malformed"}, /* base64, but 4 bytes */
	    {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 0644, "can be read by other users (mode 0644)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unlink(key);
		if (cases[i].content) {
			FILE *fp = fopen(key, "w");
			fputs(cases[i].content, fp);
			fclose(fp);
			chmod(key, (mode_t)cases[i].mode);
		}
		assert_int_equal(cert_verify_code_key(f->db, c.code, &v, NULL, &e), CERT_UNAVAILABLE);
		assert_non_null(strstr(e.msg, cases[i].says));
		assert_non_null(strstr(e.msg, key));
		/* Issuing is refused too, and no key file is created by trying. */
		int64_t other = 0;
		assert_int_equal(cert_reissue(f->db, c.serial, &other, &e), -1);
		assert_int_equal(access(key, F_OK), cases[i].content ? 0 : -1);
	}
	/* keygen refuses to replace the key of a database that holds certificates. */
	unlink(key);
	char kid[CERT_KID_SIZE];
	assert_int_equal(cert_keygen(f->db, kid, &e), -1);
	assert_non_null(strstr(e.msg, "1 certificate signed by the key"));
	assert_int_equal(access(key, F_OK), -1);
	assert_int_equal(rename(saved, key), 0);
	assert_int_equal(verify_code(f->db, c.code, &v), CERT_VALID);
	cert_release(&v);
	cert_release(&c);
}

/* After a rotation, certificates of the old key and of the new one verify, each matched to its key. */
static void test_key_rotation(void **state)
{
	struct fixture *f = *state;
	int64_t id = issue(f);
	struct cert old, now, v;
	assert_int_equal(cert_get(f->db, id, &old), 0);
	struct err e;
	struct cert_pubkey *keys;
	size_t n;
	assert_int_equal(cert_keys_load(f->db, &keys, &n, &e), 0);
	assert_int_equal(n, 1);
	char first[CERT_KID_SIZE];
	snprintf(first, sizeof first, "%s", keys[0].kid);
	assert_int_equal(strlen(first), 43);
	free(keys);
	char old_kid[CERT_KID_SIZE], new_kid[CERT_KID_SIZE];
	assert_int_equal(cert_key_rotate(f->db, old_kid, new_kid, &e), 0);
	assert_string_equal(old_kid, first);
	assert_string_not_equal(new_kid, first);
	char next[160];
	snprintf(next, sizeof next, "%s.key.new", f->path);
	assert_int_equal(access(next, F_OK), -1);
	/* A certificate issued before the rotation is one second older than the rotation (no slack needed). */
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE certificates SET issued_at = issued_at - 2 WHERE id = %lld", (long long)id);
	assert_int_equal(db_exec(f->db, sql, &e), 0);
	int64_t nid = 0;
	assert_int_equal(cert_reissue(f->db, old.serial, &nid, &e), 0);
	assert_int_equal(cert_get(f->db, nid, &now), 0);
	char kid[CERT_KID_SIZE];
	assert_int_equal(cert_verify_code_key(f->db, old.code, &v, kid, &e), CERT_SUPERSEDED);
	assert_string_equal(kid, old_kid);
	cert_release(&v);
	assert_int_equal(cert_verify_code_key(f->db, now.code, &v, kid, &e), CERT_VALID);
	assert_string_equal(kid, new_kid);
	cert_release(&v);
	assert_int_equal(cert_keys_load(f->db, &keys, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(keys[0].kid, new_kid);
	assert_string_equal(keys[1].kid, old_kid);
	assert_true(keys[1].to > 0 && keys[0].from == keys[1].to && keys[0].to == 0);
	free(keys);
	/* The old key may not vouch for certificates issued well after it was retired. */
	assert_int_equal(db_exec(f->db, "UPDATE certificates SET issued_at = issued_at + 86400", &e), 0);
	assert_int_equal(verify_code(f->db, old.code, &v), CERT_TAMPERED);
	cert_release(&v);
	/* A key added to the list by someone who can write the database but has no key is refused. */
	assert_int_equal(db_exec(f->db,
				 "UPDATE settings SET value = replace(value, '\"to\":', '\"to\": ') "
				 "WHERE key = 'cert_key_ring'",
				 &e),
			 0);
	assert_int_equal(cert_verify_code_key(f->db, now.code, &v, NULL, &e), CERT_UNAVAILABLE);
	assert_non_null(strstr(e.msg, "not signed by the signing key"));
	cert_release(&old);
	cert_release(&now);
}

static void test_reissue(void **state)
{
	struct fixture *f = *state;
	int64_t id = issue(f), nid = 0;
	struct cert old, now;
	assert_int_equal(cert_get(f->db, id, &old), 0);
	assert_false(cert_name_changed(f->db, &old));
	struct err e;
	db_exec(f->db, "UPDATE users SET full_name_km = 'ឈឹម ច័ន្ទស្រីមុំ' WHERE id = 1", &e);
	assert_true(cert_name_changed(f->db, &old));
	assert_int_equal(cert_reissue(f->db, old.serial, &nid, &e), 0);
	assert_true(nid != id);
	assert_int_equal(cert_get(f->db, nid, &now), 0);
	assert_string_equal(now.name_km, "ឈឹម ច័ន្ទស្រីមុំ");
	assert_string_equal(now.completed_on, old.completed_on);
	assert_string_not_equal(now.code, old.code);
	struct cert v;
	assert_int_equal(verify_code(f->db, old.code, &v), CERT_SUPERSEDED);
	assert_int_equal(v.superseded_by, nid);
	cert_release(&v);
	assert_int_equal(verify_code(f->db, now.code, &v), CERT_VALID);
	cert_release(&v);
	/* Only the current one can be re-issued; completing again issues nothing new. */
	assert_int_equal(cert_reissue(f->db, old.serial, &nid, &e), -1);
	assert_int_equal(issue(f), now.id);
	cert_release(&old);
	cert_release(&now);
}

/* The course pages' certificate links: only a valid certificate, the re-issued one after a re-issue. */
static void test_valid_serials(void **state)
{
	struct fixture *f = *state;
	struct arena a = ARENA_INIT;
	struct cert_serial *v;
	size_t n = 99;
	assert_int_equal(cert_valid_serials(f->db, &a, f->uid, NULL, &v, &n), 0);
	assert_int_equal(n, 0);
	struct cert c, now;
	assert_int_equal(cert_get(f->db, issue(f), &c), 0);
	assert_int_equal(cert_valid_serials(f->db, &a, f->uid, NULL, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].course_id, "c1");
	assert_string_equal(v[0].serial, c.serial);
	assert_int_equal(cert_valid_serials(f->db, &a, f->uid, "c2", &v, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cert_valid_serials(f->db, &a, f->uid + 1, NULL, &v, &n), 0);
	assert_int_equal(n, 0);
	struct err e;
	db_exec(f->db, "UPDATE users SET full_name_km = 'ឈឹម ច័ន្ទស្រីមុំ' WHERE id = 1", &e);
	int64_t nid = 0;
	assert_int_equal(cert_reissue(f->db, c.serial, &nid, &e), 0);
	assert_int_equal(cert_get(f->db, nid, &now), 0);
	assert_int_equal(cert_valid_serials(f->db, &a, f->uid, "c1", &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].serial, now.serial);
	assert_int_equal(cert_revoke(f->db, now.serial, "Issued in error", &e), 0);
	assert_int_equal(cert_valid_serials(f->db, &a, f->uid, NULL, &v, &n), 0);
	assert_int_equal(n, 0);
	cert_release(&c);
	cert_release(&now);
	arena_release(&a);
}

static void test_revoke(void **state)
{
	struct fixture *f = *state;
	struct cert c, v;
	assert_int_equal(cert_get(f->db, issue(f), &c), 0);
	struct err e;
	assert_int_equal(cert_revoke(f->db, c.serial, "  ", &e), -1);
	assert_int_equal(cert_revoke(f->db, "SALA-0000-999999", "x", &e), -1);
	assert_int_equal(cert_revoke(f->db, c.serial, "Issued in error", &e), 0);
	assert_int_equal(cert_revoke(f->db, c.serial, "again", &e), -1);
	assert_int_equal(verify_code(f->db, c.code, &v), CERT_REVOKED);
	assert_string_equal(v.revoked_reason, "Issued in error");
	assert_true(v.revoked_at > 0);
	cert_release(&v);
	int64_t nid;
	assert_int_equal(cert_reissue(f->db, c.serial, &nid, &e), -1);
	char unknown[16];
	cert_code_new(unknown);
	assert_int_equal(verify_code(f->db, unknown, &v), CERT_UNKNOWN);
	cert_release(&c);
}

static void test_tampered_record(void **state)
{
	struct fixture *f = *state;
	struct cert c, v;
	assert_int_equal(cert_get(f->db, issue(f), &c), 0);
	struct err e;
	db_exec(f->db, "UPDATE certificates SET score = 99", &e);
	assert_int_equal(verify_code(f->db, c.code, &v), CERT_TAMPERED);
	cert_release(&v);
	cert_release(&c);
}

/* Flips one byte of the payload inside a token and re-encodes it. */
static char *tamper_token(const char *token, const char *from, const char *to)
{
	const char *p = token + 6, *dot = strchr(p, '.');
	unsigned char body[4096];
	size_t n = 0;
	assert_int_equal(sodium_base642bin(body, sizeof body, p, (size_t)(dot - p), NULL, &n, NULL,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
			 0);
	body[n] = 0;
	char *hit = strstr((char *)body, from);
	assert_non_null(hit);
	memcpy(hit, to, strlen(to));
	struct buf out = BUF_INIT;
	buf_puts(&out, "SALA1.");
	char enc[8192];
	sodium_bin2base64(enc, sizeof enc, body, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	buf_puts(&out, enc);
	buf_puts(&out, dot);
	return buf_detach(&out, NULL);
}

static void test_offline(void **state)
{
	struct fixture *f = *state;
	struct cert c;
	assert_int_equal(cert_get(f->db, issue(f), &c), 0);
	unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES], pk2[crypto_sign_PUBLICKEYBYTES];
	struct err e;
	assert_int_equal(cert_key_load(f->db, sk, pk, &e), 0);
	char b64[45];
	cert_pubkey_b64(pk, b64);
	assert_int_equal(cert_pubkey_parse(b64, pk2, &e), 0);
	assert_memory_equal(pk, pk2, sizeof pk);
	for (int pdf = 0; pdf < 2; pdf++) {
		struct buf file = BUF_INIT, token = BUF_INIT, payload = BUF_INIT, name = BUF_INIT;
		assert_int_equal(pdf ? cert_pdf(f->db, &c, &file, &e) : cert_png(f->db, &c, &file, &e), 0);
		assert_int_equal(cert_token_extract(file.data, file.len, &token, &e), 0);
		assert_int_equal(cert_token_verify(buf_str(&token), pk, &payload, &e), 0);
		assert_string_equal(buf_str(&payload), c.payload);
		assert_int_equal(cert_payload_field(buf_str(&payload), "name_km", &name), 0);
		assert_string_equal(buf_str(&name), "ស្រី សុខា");
		/* Any change to the name or the score breaks the signature. */
		char *t1 = tamper_token(buf_str(&token), "Srey", "Srei");
		char *t2 = tamper_token(buf_str(&token), "92.5", "99.5");
		buf_reset(&payload);
		assert_int_equal(cert_token_verify(t1, pk, &payload, &e), -1);
		assert_int_equal(cert_token_verify(t2, pk, &payload, &e), -1);
		free(t1);
		free(t2);
		/* Another key does not verify it either. */
		unsigned char opk[crypto_sign_PUBLICKEYBYTES], osk[crypto_sign_SECRETKEYBYTES];
		crypto_sign_keypair(opk, osk);
		assert_int_equal(cert_token_verify(buf_str(&token), opk, &payload, &e), -1);
		buf_release(&file);
		buf_release(&token);
		buf_release(&payload);
		buf_release(&name);
	}
	struct buf t = BUF_INIT;
	assert_int_equal(cert_token_extract("GIF89a", 6, &t, &e), -1);
	cert_release(&c);
}

static void test_codes(void **state)
{
	(void)state;
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	char code[16], norm[16];
	int swaps = 0, swaps_caught = 0;
	for (int k = 0; k < 200; k++) {
		cert_code_new(code);
		assert_int_equal(strlen(code), 12);
		assert_true(code[4] == '-' && code[9] == '-');
		assert_int_equal(cert_code_normalize(code, norm), 0);
		assert_string_equal(norm, code);
		/* Every single wrong symbol is caught. */
		for (int i = 0; i < 12; i++) {
			if (code[i] == '-')
				continue;
			for (int s = 0; s < 32; s++) {
				if (alphabet[s] == code[i])
					continue;
				char typo[16];
				strcpy(typo, code);
				typo[i] = alphabet[s];
				assert_int_equal(cert_code_normalize(typo, norm), -1);
			}
		}
		/* Most swaps of neighbours are caught. */
		char flat[11] = "";
		for (int i = 0, o = 0; code[i]; i++)
			if (code[i] != '-')
				flat[o++] = code[i], flat[o] = 0;
		for (int i = 0; i + 1 < 10; i++) {
			if (flat[i] == flat[i + 1])
				continue;
			char sw[11];
			strcpy(sw, flat);
			sw[i] = flat[i + 1], sw[i + 1] = flat[i];
			swaps++;
			swaps_caught += cert_code_normalize(sw, norm) < 0;
		}
	}
	assert_true(swaps_caught * 100 >= swaps * 90);
	/* Typed forms: lower case, no dashes, spaces, O for 0, I and L for 1. */
	assert_int_equal(cert_code_normalize("0000-0000-00", norm), 0);
	assert_int_equal(cert_code_normalize("oooo oooo oo", norm), 0);
	assert_string_equal(norm, "0000-0000-00");
	assert_int_equal(cert_code_normalize("0000000000", norm), 0);
	assert_int_equal(cert_code_normalize("0000-0000-0", norm), -1);
	assert_int_equal(cert_code_normalize("0000-0000-000", norm), -1);
	assert_int_equal(cert_code_normalize("UUUU-UUUU-UU", norm), -1);
	assert_int_equal(cert_code_normalize("", norm), -1);
	assert_int_equal(cert_code_normalize(NULL, norm), -1);
}

static void test_jwt(void **state)
{
	struct fixture *f = *state;
	struct cert c;
	assert_int_equal(cert_get(f->db, issue(f), &c), 0);
	struct buf jwt = BUF_INIT, payload = BUF_INIT, json = BUF_INIT;
	struct err e;
	assert_int_equal(cert_badge_jwt(f->db, &c, &jwt, &e), 0);
	unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	assert_int_equal(cert_key_load(f->db, sk, pk, &e), 0);
	assert_int_equal(jwt_verify(buf_str(&jwt), pk, &payload, &e), 0);
	cert_badge_json(f->db, &c, &json);
	/* The payload is the credential with the OB 3.0 VC-JWT claims added (iss, jti, nbf, sub). */
	assert_true(payload.len > json.len);
	assert_memory_equal(payload.data, json.data, json.len - 1);
	char claims[256];
	snprintf(claims, sizeof claims,
		 ",\"iss\":\"http://127.0.0.1:8080/issuer\",\"jti\":\"http://127.0.0.1:8080/verify/%s\",\"nbf\":%lld,"
		 "\"sub\":\"urn:uuid:",
		 c.code, (long long)c.issued_at);
	assert_ptr_equal(strstr(buf_str(&payload), claims), buf_str(&payload) + json.len - 1);
	assert_non_null(strstr(buf_str(&json), "\"credentialSubject\":{\"id\":\"urn:uuid:"));
	assert_non_null(strstr(buf_str(&json), "\"type\":\"1EdTechRevocationList\""));
	assert_non_null(strstr(buf_str(&json), "\"OpenBadgeCredential\""));
	assert_non_null(strstr(buf_str(&json), "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"));
	/* Change one character of the payload part: the signature fails. */
	char *alt = strdup(buf_str(&jwt));
	char *mid = strchr(alt, '.') + 10;
	*mid = *mid == 'A' ? 'B' : 'A';
	buf_reset(&payload);
	assert_int_equal(jwt_verify(alt, pk, &payload, &e), -1);
	free(alt);
	assert_int_equal(jwt_verify("a.b", pk, &payload, &e), -1);
	buf_release(&jwt);
	buf_release(&payload);
	buf_release(&json);
	cert_release(&c);
}

/* Golden renderings of one text line at a modest size. */
#define GOLD_W 900
#define GOLD_H 150
#define GOLD_PX 64
/* Mean absolute difference (0-255) allowed against the reference. */
#define GOLD_TOLERANCE 1.5

static const struct {
	const char *file, *text;
} golden[] = {
    {"sokha.png", "ស្រី សុខា"},
    {"chanseymom.png", "ឈឹម ច័ន្ទស្រីមុំ"},
    {"kingdom.png", "ព្រះរាជាណាចក្រកម្ពុជា"},
    {"mixed.png", "Srey Sokha (ស្រី សុខា) 2026"},
};

static gdImagePtr blank(void)
{
	gdImagePtr im = gdImageCreateTrueColor(GOLD_W, GOLD_H);
	gdImageAlphaBlending(im, 0);
	gdImageFilledRectangle(im, 0, 0, GOLD_W - 1, GOLD_H - 1, 0xffffff);
	return im;
}

static double mean_diff(gdImagePtr a, gdImagePtr b)
{
	double sum = 0;
	for (int y = 0; y < GOLD_H; y++)
		for (int x = 0; x < GOLD_W; x++) {
			int p = gdImageGetTrueColorPixel(a, x, y), q = gdImageGetTrueColorPixel(b, x, y);
			sum += abs(gdTrueColorGetRed(p) - gdTrueColorGetRed(q)) +
			       abs(gdTrueColorGetGreen(p) - gdTrueColorGetGreen(q)) +
			       abs(gdTrueColorGetBlue(p) - gdTrueColorGetBlue(q));
		}
	return sum / (3.0 * GOLD_W * GOLD_H);
}

static const char *data_dir(void)
{
	static char dir[512];
	const char *src = getenv("SALA_SRC");
	snprintf(dir, sizeof dir, "%s/tests/data/certs", src && *src ? src : "../..");
	return dir;
}

static void test_golden_khmer(void **state)
{
	(void)state;
	struct cert_fonts fonts;
	struct err e;
	assert_int_equal(cert_fonts_load(&fonts, &e), 0);
	bool update = getenv("SALA_UPDATE_GOLDEN") && *getenv("SALA_UPDATE_GOLDEN") == '1';
	for (size_t i = 0; i < sizeof golden / sizeof golden[0]; i++) {
		gdImagePtr im = blank();
		text_draw(im, &fonts, TEXT_REGULAR, golden[i].text, GOLD_PX, GOLD_W / 2, 100, ALIGN_CENTER, GOLD_W - 40,
			  0);
		char path[640];
		snprintf(path, sizeof path, "%s/%s", data_dir(), golden[i].file);
		if (update) {
			FILE *fp = fopen(path, "wb");
			assert_non_null(fp);
			gdImagePngEx(im, fp, 9);
			fclose(fp);
			printf("wrote %s\n", path);
		}
		FILE *fp = fopen(path, "rb");
		if (!fp)
			fail_msg("missing golden '%s' (run with SALA_UPDATE_GOLDEN=1)", path);
		gdImagePtr ref = gdImageCreateFromPng(fp);
		fclose(fp);
		assert_non_null(ref);
		assert_int_equal(gdImageSX(ref), GOLD_W);
		assert_int_equal(gdImageSY(ref), GOLD_H);
		double d = mean_diff(im, ref);
		if (d > GOLD_TOLERANCE)
			fail_msg("'%s' differs from %s: mean difference %.2f > %.2f", golden[i].text, path, d,
				 GOLD_TOLERANCE);

		/* The same text drawn unshaped by libgd (same Khmer font, same size) must look clearly different. */
		if (strncmp(golden[i].text, "Srey", 4) != 0) {
			gdImagePtr raw = blank();
			int br[8];
			gdFTStringExtra fx = {.flags = gdFTEX_RESOLUTION, .hdpi = 72, .vdpi = 72};
			char *err = gdImageStringFTEx(NULL, br, 0, fonts.khmer_path[TEXT_REGULAR], GOLD_PX, 0, 0, 0,
						      (char *)golden[i].text, &fx);
			assert_null(err);
			err = gdImageStringFTEx(raw, br, 0, fonts.khmer_path[TEXT_REGULAR], GOLD_PX, 0,
						GOLD_W / 2 - (br[2] - br[0]) / 2, 100, (char *)golden[i].text, &fx);
			assert_null(err);
			double u = mean_diff(raw, ref);
			if (u < 4 * GOLD_TOLERANCE)
				fail_msg("'%s': unshaped rendering is too close to the golden (%.2f)", golden[i].text,
					 u);
			gdImageDestroy(raw);
		}
		gdImageDestroy(ref);
		gdImageDestroy(im);
	}
	cert_fonts_release(&fonts);
}

static void test_shrink_to_fit(void **state)
{
	(void)state;
	struct cert_fonts fonts;
	struct err e;
	assert_int_equal(cert_fonts_load(&fonts, &e), 0);
	const char *name = "ឈឹម ច័ន្ទស្រីមុំ សុវណ្ណារី Chhim Chansreymom Sovannary";
	gdImagePtr im = blank();
	int full = text_width(&fonts, TEXT_BOLD, name, 80);
	assert_true(full > 800);
	int px = text_draw(im, &fonts, TEXT_BOLD, name, 80, GOLD_W / 2, 100, ALIGN_CENTER, 800, 0);
	assert_true(px < 80);
	assert_true(text_width(&fonts, TEXT_BOLD, name, px) <= 800);
	/* Nothing drawn outside the box. */
	for (int y = 0; y < GOLD_H; y++)
		for (int x = 0; x < 45; x++) {
			assert_int_equal(gdImageGetTrueColorPixel(im, x, y) & 0xffffff, 0xffffff);
			assert_int_equal(gdImageGetTrueColorPixel(im, GOLD_W - 1 - x, y) & 0xffffff, 0xffffff);
		}
	/* A short name keeps its size. */
	assert_int_equal(text_draw(im, &fonts, TEXT_BOLD, "ស្រី សុខា", 80, GOLD_W / 2, 100, ALIGN_CENTER, 800, 0), 80);
	gdImageDestroy(im);
	cert_fonts_release(&fonts);
}

static void test_bulk_select(void **state)
{
	struct fixture *f = *state;
	issue(f);
	struct cert_filter flt = {.course_id = "c1", .from = "2026-01-01", .to = "2026-01-31"};
	int64_t *ids = NULL;
	size_t n = 0;
	struct err e;
	assert_int_equal(cert_select(f->db, &flt, 10, &ids, &n, &e), 0);
	assert_int_equal(n, 1);
	free(ids);
	flt.to = "2025-12-31";
	assert_int_equal(cert_select(f->db, &flt, 10, &ids, &n, &e), 0);
	assert_int_equal(n, 0);
	free(ids);
	flt.to = NULL;
	flt.org_id = org_id(f->db, "17");
	assert_true(flt.org_id > 0);
	assert_int_equal(cert_select(f->db, &flt, 10, &ids, &n, &e), 0);
	assert_int_equal(n, 0);
	free(ids);
	flt.org_id = 0;
	char path[] = "/tmp/sala-test-bulk-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(cert_bulk(f->db, &flt, "pdf", path, &n, &e), 0);
	assert_int_equal(n, 1);
	char head[8] = "";
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(head, 1, 5, fp), 5);
	fclose(fp);
	assert_memory_equal(head, "%PDF-", 5);
	/* Nothing selected: an error, and the file is gone rather than left half-written. */
	struct cert_filter none = {.course_id = "no-such-course"};
	assert_int_equal(cert_bulk(f->db, &none, "zip", path, &n, &e), -1);
	assert_int_equal(n, 0);
	assert_int_not_equal(access(path, F_OK), 0);
	/* Two certificates: more than max is refused, unless a limit takes the oldest. */
	assert_int_equal(db_exec(f->db, "UPDATE packages SET certificate = 1 WHERE course_id = 'c2'", &e), 0);
	int64_t second = 0;
	assert_int_equal(cert_issue(f->db, f->uid, "c2", &second, &e), 0);
	struct cert_filter all = {0};
	assert_int_equal(cert_select(f->db, &all, 1, &ids, &n, &e), -1);
	all.limit = 1;
	assert_int_equal(cert_select(f->db, &all, 1, &ids, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_true(ids[0] != second);
	free(ids);
}

/*
 * Bulk selection by org subtree: the learners' current units come from accounts/ (users_in_org_subtree), a
 * small subtree is read a batch of learners at a time and a large one (more than 4 * DB_BATCH accounts) in
 * one ordered pass; both give the certificates oldest first, inactive learners included. A certificate shows
 * its course's heading and its org unit's name; a renamed learner's certificates are re-issued.
 */
static void test_bulk_select_subtree(void **state)
{
	struct fixture *f = *state;
	struct err e;
	assert_true(org_add(f->db, "1201", "Dangkor", "ដង្កោ", "12", "district", &e) > 0);
	assert_int_equal(
	    db_exec(f->db,
		    "UPDATE packages SET certificate_title = 'Certificate of Digital Safety' WHERE "
		    "course_id = 'c1';"
		    "INSERT INTO users(id, username, password_hash, full_name, org_id, active, created_at) "
		    "SELECT 1 + n, 'd' || n, 'x', 'Learner ' || n, (SELECT id FROM org_units WHERE code = "
		    "CASE WHEN n = 4 THEN '13' ELSE '1201' END), n <> 5, 0 FROM (SELECT 1 AS n UNION ALL "
		    "SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5);"
		    "INSERT INTO enrolments(user_id, course_id, enrolled_at, completed_at, best_final) VALUES "
		    "(2, 'c1', 0, 1767800000, 90), (3, 'c1', 0, 1767600000, 90), (4, 'c1', 0, 1767700000, 90), "
		    "(5, 'c1', 0, 1767650000, 90), (6, 'c1', 0, 1767500000, 90);",
		    &e),
	    0);
	int64_t cid[7] = {0};
	for (int u = 2; u <= 6; u++)
		assert_int_equal(cert_issue(f->db, u, "c1", &cid[u], &e), 0);
	/* Oldest first: user 6 (inactive, 01-04), 3 (01-05), 4 (01-06), 2 (01-07); user 5 is in province 13. */
	const int64_t want[] = {cid[6], cid[3], cid[4], cid[2]};
	int64_t *ids = NULL;
	size_t n = 0;
	struct cert_filter flt = {.org_id = org_id(f->db, "1201")};
	for (int round = 0; round < 2; round++) {
		/* Round 1: province 12 holds 2,100 more accounts (no certificates), read in one pass. */
		if (round == 1) {
			assert_int_equal(
			    db_exec(f->db,
				    "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < "
				    "2100) INSERT INTO users(username, password_hash, full_name, org_id, "
				    "created_at) SELECT 'p' || n, 'x', 'P', (SELECT id FROM org_units WHERE code "
				    "= '12'), 0 FROM k",
				    &e),
			    0);
			flt.org_id = org_id(f->db, "12");
		}
		flt.limit = 0;
		assert_int_equal(cert_select(f->db, &flt, 10, &ids, &n, &e), 0);
		assert_int_equal(n, 4);
		assert_memory_equal(ids, want, sizeof want);
		free(ids);
		flt.limit = 2;
		assert_int_equal(cert_select(f->db, &flt, 10, &ids, &n, &e), 0);
		assert_int_equal(n, 2);
		assert_memory_equal(ids, want, 2 * sizeof *ids);
		free(ids);
		flt.limit = 0;
		assert_int_equal(cert_select(f->db, &flt, 3, &ids, &n, &e), -1);
		assert_null(ids);
		assert_non_null(strstr(e.msg, "more than 3 certificates"));
		flt.course_id = "c2";
		assert_int_equal(cert_select(f->db, &flt, 10, &ids, &n, &e), 0);
		assert_int_equal(n, 0);
		flt.course_id = NULL;
	}
	flt.org_id = org_id(f->db, "13");
	assert_int_equal(cert_select(f->db, &flt, 10, &ids, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_true(ids[0] == cid[5]);
	free(ids);
	flt.org_id = 99999;
	assert_int_equal(cert_select(f->db, &flt, 10, &ids, &n, &e), -1);
	assert_string_equal(e.msg, "no org unit 99999");

	struct cert c;
	assert_int_equal(cert_get(f->db, cid[2], &c), 0);
	assert_string_equal(c.org_name, "Dangkor");
	assert_string_equal(c.heading, "Certificate of Digital Safety");
	assert_string_equal(c.name, "Learner 1");
	cert_release(&c);
	/* Renamed: the current certificate is re-issued under the new name, once. */
	int count = -1;
	assert_int_equal(cert_reissue_renamed(f->db, 2, &count, &e), 0);
	assert_int_equal(count, 0);
	assert_int_equal(db_exec(f->db, "UPDATE users SET full_name = 'Learner One' WHERE id = 2", &e), 0);
	assert_int_equal(cert_reissue_renamed(f->db, 2, &count, &e), 0);
	assert_int_equal(count, 1);
	assert_int_equal(cert_reissue_renamed(f->db, 2, &count, &e), 0);
	assert_int_equal(count, 0);
	int64_t *cur = NULL;
	assert_int_equal(cert_current_ids(f->db, 2, &cur, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cert_get(f->db, cur[0], &c), 0);
	assert_string_equal(c.name, "Learner One");
	assert_string_equal(c.org_name, "Dangkor");
	cert_release(&c);
	free(cur);
}

/* Certificate writes leave the connection at synchronous=FULL (db_open's default): later acknowledged writes stay
 * durable. */
static void test_writes_keep_full_sync(void **state)
{
	struct fixture *f = *state;
	struct err e;
	struct cert c;
	int64_t nid;
	assert_int_equal(db_int(f->db, "PRAGMA synchronous", NULL, NULL, -1), 2);
	assert_int_equal(cert_get(f->db, issue(f), &c), 0);
	assert_int_equal(db_int(f->db, "PRAGMA synchronous", NULL, NULL, -1), 2);
	assert_int_equal(cert_reissue(f->db, c.serial, &nid, &e), 0);
	assert_int_equal(db_int(f->db, "PRAGMA synchronous", NULL, NULL, -1), 2);
	cert_release(&c);
	assert_int_equal(cert_get(f->db, nid, &c), 0);
	assert_int_equal(cert_revoke(f->db, c.serial, "Issued in error", &e), 0);
	assert_int_equal(db_int(f->db, "PRAGMA synchronous", NULL, NULL, -1), 2);
	cert_release(&c);
}

static void collect_cert(void *ctx, const struct cert_listing *r)
{
	buf_printf(ctx, "%s:%s:%s:%s|", r->serial, r->username, r->course_id, r->state);
}

/* cert_record stores a dated certificate that verifies like an issued one; revoked when asked; the list. */
static void test_record_and_list(void **state)
{
	struct fixture *f = *state;
	struct err e = {""};
	unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	assert_int_equal(cert_key_load(f->db, sk, pk, &e), 0);
	assert_int_equal(cert_first_valid(f->db), 0);
	struct buf payload = BUF_INIT;
	struct cert c = {.user_id = f->uid,
			 .org_id = 1,
			 .issued_at = 1767600000,
			 .course_id = "c1",
			 .language = "km",
			 .course_title = "សុវត្ថិភាពឌីជីថល",
			 .name = "Srey Sokha",
			 .name_km = "ស្រី សុខា",
			 .completed_on = "2026-01-05",
			 .issuer = "Ministry of Interior",
			 .issuer_km = "ក្រសួងមហាផ្ទៃ",
			 .score = 91,
			 .has_score = true};
	snprintf(c.serial, sizeof c.serial, "DEMO-1-0");
	assert_int_equal(cert_record(f->db, &c, sk, 0, "demo", &payload, &e), 0);
	char code1[16];
	snprintf(code1, sizeof code1, "%s", c.code);
	snprintf(c.serial, sizeof c.serial, "DEMO-1-1");
	c.course_id = "c2";
	assert_int_equal(cert_record(f->db, &c, sk, 1767700000, "demo", &payload, &e), 0);
	char code2[16];
	snprintf(code2, sizeof code2, "%s", c.code);
	/* The same serial twice: refused, naming it. */
	assert_int_equal(cert_record(f->db, &c, sk, 0, "demo", &payload, &e), -1);
	assert_non_null(strstr(e.msg, "'DEMO-1-1'"));
	sodium_memzero(sk, sizeof sk);
	buf_release(&payload);

	struct cert v;
	assert_int_equal(verify_code(f->db, code1, &v), CERT_VALID);
	assert_true(v.score == 91);
	cert_release(&v);
	assert_int_equal(verify_code(f->db, code2, &v), CERT_REVOKED);
	assert_string_equal(v.revoked_reason, "demo");
	assert_int_equal(v.revoked_at, 1767700000);
	cert_release(&v);
	int64_t first = cert_first_valid(f->db);
	assert_true(first > 0);
	assert_int_equal(cert_get(f->db, first, &v), 0);
	assert_string_equal(v.serial, "DEMO-1-0");
	cert_release(&v);

	struct buf out = BUF_INIT;
	assert_int_equal(cert_list(f->db, NULL, NULL, collect_cert, &out, &e), 0);
	assert_string_equal(buf_str(&out), "DEMO-1-0:sokha:c1:valid|DEMO-1-1:sokha:c2:revoked|");
	buf_reset(&out);
	assert_int_equal(cert_list(f->db, "sokha", "c2", collect_cert, &out, &e), 0);
	assert_string_equal(buf_str(&out), "DEMO-1-1:sokha:c2:revoked|");
	buf_reset(&out);
	assert_int_equal(cert_list(f->db, "nobody", NULL, collect_cert, &out, &e), 0);
	assert_string_equal(buf_str(&out), "");
	buf_release(&out);
}

struct cert_seen {
	char text[1024];
	int rows, stop_after;
};

static int see_cert(void *ctx, const struct cert_row *c)
{
	struct cert_seen *s = ctx;
	size_t n = strlen(s->text);
	char score[16] = "-";
	if (c->has_score)
		snprintf(score, sizeof score, "%.1f", c->score);
	snprintf(s->text + n, sizeof s->text - n, "%lld|%s|%s|%s|%s|%s\n", (long long)c->id, c->course_id, c->language,
		 c->name_km, score, cert_status_name(c->status));
	s->rows++;
	return s->stop_after && s->rows == s->stop_after ? 5 : 0;
}

/* A learner's certificates (all, current ids) and the administrators' search, over valid, superseded and revoked. */
static void test_listings(void **state)
{
	struct fixture *f = *state;
	struct err e;
	int64_t first = issue(f), renamed = 0, other = 0;
	struct cert c1, c2;
	assert_int_equal(cert_get(f->db, first, &c1), 0);
	db_exec(f->db, "UPDATE users SET full_name_km = 'ឈឹម សុខា' WHERE id = 1", &e);
	assert_int_equal(cert_reissue(f->db, c1.serial, &renamed, &e), 0);
	db_exec(f->db, "UPDATE packages SET certificate = 1 WHERE course_id = 'c2'", &e);
	assert_int_equal(cert_issue(f->db, f->uid, "c2", &other, &e), 0);
	assert_int_equal(cert_get(f->db, other, &c2), 0);
	assert_int_equal(cert_revoke(f->db, c2.serial, "Issued in error", &e), 0);
	char want[512];
	snprintf(want, sizeof want,
		 "%lld|c2|en|ឈឹម សុខា|80.0|revoked\n%lld|c1|km|ឈឹម សុខា|92.5|valid\n"
		 "%lld|c1|km|ស្រី សុខា|92.5|superseded\n",
		 (long long)other, (long long)renamed, (long long)first);
	struct cert_seen s = {.rows = 0};
	assert_int_equal(cert_list_user(f->db, f->uid, see_cert, &s, &e), 0);
	assert_string_equal(s.text, want);
	s = (struct cert_seen){.stop_after = 1};
	assert_int_equal(cert_list_user(f->db, f->uid, see_cert, &s, &e), 5);
	assert_int_equal(s.rows, 1);
	s = (struct cert_seen){.rows = 0};
	assert_int_equal(cert_list_user(f->db, f->uid + 1, see_cert, &s, &e), 0);
	assert_int_equal(s.rows, 0);
	/* Current ones only (revoked included), latest completion first, then the newest. */
	int64_t *ids;
	size_t n;
	assert_int_equal(cert_current_ids(f->db, f->uid, &ids, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], other);
	assert_int_equal(ids[1], renamed);
	free(ids);
	assert_int_equal(cert_current_ids(f->db, f->uid + 1, &ids, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_null(ids);
	/* Search by course, by part of the serial, by the code in lower case, by Khmer name; the limit holds. */
	s = (struct cert_seen){.rows = 0};
	assert_int_equal(cert_search(f->db, "c2", 200, see_cert, &s, &e), 0);
	assert_int_equal(s.rows, 1);
	assert_non_null(strstr(s.text, "|revoked\n"));
	char lower[16];
	snprintf(lower, sizeof lower, "%s", c1.code);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	s = (struct cert_seen){.rows = 0};
	assert_int_equal(cert_search(f->db, lower, 200, see_cert, &s, &e), 0);
	assert_int_equal(s.rows, 1);
	assert_non_null(strstr(s.text, "|superseded\n"));
	s = (struct cert_seen){.rows = 0};
	assert_int_equal(cert_search(f->db, c2.serial + 5, 200, see_cert, &s, &e), 0);
	assert_int_equal(s.rows, 1);
	s = (struct cert_seen){.rows = 0};
	assert_int_equal(cert_search(f->db, "ឈឹម", 200, see_cert, &s, &e), 0);
	assert_int_equal(s.rows, 2);
	s = (struct cert_seen){.rows = 0};
	assert_int_equal(cert_search(f->db, NULL, 2, see_cert, &s, &e), 0);
	assert_int_equal(s.rows, 2);
	assert_int_equal(strtoll(s.text, NULL, 10), other); /* newest first */
	s = (struct cert_seen){.rows = 0};
	assert_int_equal(cert_search(f->db, "SALA-1999", 200, see_cert, &s, &e), 0);
	assert_int_equal(s.rows, 0);
	cert_release(&c1);
	cert_release(&c2);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_issue, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_problems_are_setup_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reissue, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_listings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_valid_serials, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_writes_keep_full_sync, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tampered_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_offline, setup, teardown),
	    cmocka_unit_test(test_codes),
	    cmocka_unit_test_setup_teardown(test_jwt, setup, teardown),
	    cmocka_unit_test(test_golden_khmer),
	    cmocka_unit_test(test_shrink_to_fit),
	    cmocka_unit_test_setup_teardown(test_bulk_select, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bulk_select_subtree, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_record_and_list, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
