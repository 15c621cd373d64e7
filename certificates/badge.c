/*
 * Open Badges 3.0: the certificate as an OpenBadgeCredential (W3C Verifiable
 * Credentials 2.0 data model), and the same credential secured as a VC-JWT
 * (compact JWS, EdDSA with the site's Ed25519 key).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certificates/cert.h"
#include "lib/util.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

static void iso_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The expiry date of c as Unix seconds (its first moment, UTC); 0 when it does not expire. */
static int64_t expiry_time(const struct cert *c)
{
	struct tm tm = {0};
	if (!c->expires_on || sscanf(c->expires_on, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

void cert_badge_json(struct db *db, const struct cert *c, struct buf *out)
{
	char *base = cert_base_url(db);
	char valid_from[32];
	iso_time(c->issued_at, valid_from);
	buf_puts(out, "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\","
		      "\"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\"],");
	buf_printf(out, "\"id\":\"%s/verify/%s\",", base, c->code);
	buf_puts(out, "\"type\":[\"VerifiableCredential\",\"OpenBadgeCredential\"],");
	buf_printf(out,
		   "\"issuer\":{\"id\":\"%s/certificates/public-key.json\",\"type\":[\"Profile\"],\"name\":", base);
	buf_json_str(out, c->issuer);
	buf_printf(out, ",\"url\":\"%s\"},", base);
	buf_printf(out, "\"validFrom\":\"%s\",", valid_from);
	int64_t until = expiry_time(c);
	if (until) { /* course.yml certificate_valid_years */
		char valid_until[32];
		iso_time(until, valid_until);
		buf_printf(out, "\"validUntil\":\"%s\",", valid_until);
	}
	buf_puts(out, "\"name\":");
	buf_json_str(out, c->course_title);
	buf_puts(out, ",\"credentialSubject\":{\"type\":[\"AchievementSubject\"],");
	/* The learner is identified by name (no e-mail is required of learners). */
	buf_puts(out, "\"identifier\":[{\"type\":\"IdentityObject\",\"identityType\":\"name\",\"hashed\":false,"
		      "\"identityHash\":");
	buf_json_str(out, c->name);
	buf_puts(out, "}],\"achievement\":{");
	buf_printf(out, "\"id\":\"%s/courses/", base);
	buf_url(out, c->course_id);
	buf_puts(out, "\",\"type\":[\"Achievement\"],\"name\":");
	buf_json_str(out, c->course_title);
	buf_puts(out, ",\"description\":");
	struct buf d = BUF_INIT;
	buf_printf(&d, "Completion of the course \"%s\" (%s), %s.", c->course_title, c->language, c->issuer);
	buf_json_str(out, buf_str(&d));
	buf_reset(&d);
	buf_puts(&d, "Complete every lesson and pass the final assessment of the course.");
	if (c->has_score)
		buf_printf(&d, " Final score: %.0f%%.", c->score);
	buf_puts(out, ",\"criteria\":{\"narrative\":");
	buf_json_str(out, buf_str(&d));
	buf_release(&d);
	buf_puts(out, "}}},\"evidence\":[{\"type\":[\"Evidence\"],\"name\":");
	buf_json_str(out, c->serial);
	buf_printf(out, ",\"id\":\"%s/verify/%s\"}]}", base, c->code);
	free(base);
}

static void b64url(struct buf *out, const void *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, B64URL);
	buf_grow(out, n);
	sodium_bin2base64(out->data + out->len, n, data, len, B64URL);
	out->len += strlen(out->data + out->len);
}

int cert_badge_jwt(struct db *db, const struct cert *c, struct buf *out, struct err *e)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	if (cert_key_load(db, sk, pk, e) < 0)
		return -1;
	char *base = cert_base_url(db);
	struct buf header = BUF_INIT, body = BUF_INIT;
	/* kid: the key set's URL and the key's RFC 7638 thumbprint, which names it in the set after a rotation. */
	char kid[CERT_KID_SIZE];
	cert_key_id(pk, kid);
	buf_printf(&header, "{\"alg\":\"EdDSA\",\"typ\":\"vc+jwt\",\"kid\":\"%s/certificates/public-key.json#%s\"}",
		   base, kid);
	free(base);
	cert_badge_json(db, c, &body);
	int64_t exp = expiry_time(c);
	if (exp && body.len && body.data[body.len - 1] == '}') { /* the JWT's exp claim: the credential's validUntil */
		body.len--;
		buf_printf(&body, ",\"exp\":%lld}", (long long)exp);
	}
	size_t start = out->len;
	b64url(out, header.data, header.len);
	buf_putc(out, '.');
	b64url(out, body.data, body.len);
	unsigned char sig[crypto_sign_BYTES];
	crypto_sign_detached(sig, NULL, (const unsigned char *)out->data + start, out->len - start, sk);
	sodium_memzero(sk, sizeof sk);
	buf_putc(out, '.');
	b64url(out, sig, sizeof sig);
	buf_release(&header);
	buf_release(&body);
	return 0;
}
