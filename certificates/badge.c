/*
 * Open Badges 3.0: the certificate as an OpenBadgeCredential (W3C Verifiable
 * Credentials 2.0 data model), and the same credential secured as a VC-JWT
 * (compact JWS, EdDSA with the site's Ed25519 key) as 1EdTech's OB 3.0 VC-JWT
 * rules say: header alg, typ "JWT" and a kid that dereferences to a JWK in the
 * key set at /.well-known/jwks.json; claims iss, jti, nbf and sub copied from
 * the credential. The documents a verifier follows (issuer profile, key set,
 * did:web document, 1EdTechRevocationList) are made here too.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certificates/cert.h"
#include "lib/settings.h"
#include "lib/util.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define CONTEXTS                                                                                                       \
	"\"@context\":[\"https://www.w3.org/ns/credentials/v2\","                                                      \
	"\"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\"]"

static void iso_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * The subject id: a urn:uuid drawn from the site and the learner's account, the same in every badge of that
 * learner from this site (learners have no e-mail or DID of their own), naming nothing about them.
 */
static void subject_id(const char *base, int64_t user_id, char out[48])
{
	unsigned char h[16];
	char in[600];
	int n = snprintf(in, sizeof in, "sala-subject:%s:%lld", base, (long long)user_id);
	crypto_generichash(h, sizeof h, (const unsigned char *)in, (unsigned long long)n, NULL, 0);
	h[6] = (unsigned char)((h[6] & 0x0F) | 0x80); /* RFC 9562 version 8 (custom), variant 10 */
	h[8] = (unsigned char)((h[8] & 0x3F) | 0x80);
	char hex[33];
	hex_encode(h, sizeof h, hex);
	snprintf(out, 48, "urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* The credential object of c without its closing brace, so the VC-JWT can add its claims. */
static void credential_open(const struct cert *c, const char *base, struct buf *out)
{
	char valid_from[32], sub[48];
	iso_time(c->issued_at, valid_from);
	subject_id(base, c->user_id, sub);
	buf_puts(out, "{" CONTEXTS ",");
	buf_printf(out, "\"id\":\"%s/verify/%s\",", base, c->code);
	buf_puts(out, "\"type\":[\"VerifiableCredential\",\"OpenBadgeCredential\"],");
	buf_printf(out, "\"issuer\":{\"id\":\"%s/issuer\",\"type\":[\"Profile\"],\"name\":", base);
	buf_json_str(out, c->issuer);
	buf_printf(out, ",\"url\":\"%s\"},", base);
	buf_printf(out, "\"validFrom\":\"%s\",", valid_from);
	buf_puts(out, "\"name\":");
	buf_json_str(out, c->course_title);
	buf_printf(out, ",\"credentialSubject\":{\"id\":\"%s\",\"type\":[\"AchievementSubject\"],", sub);
	/* The learner is also named (no e-mail is required of learners). */
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
	buf_puts(out, "}}},");
	buf_printf(out,
		   "\"credentialStatus\":{\"id\":\"%s/certificates/revocations\",\"type\":\"1EdTechRevocationList\"},",
		   base);
	buf_puts(out, "\"evidence\":[{\"type\":[\"Evidence\"],\"name\":");
	buf_json_str(out, c->serial);
	buf_printf(out, ",\"id\":\"%s/verify/%s\"}]", base, c->code);
}

void cert_badge_json(struct db *db, const struct cert *c, struct buf *out)
{
	char *base = cert_base_url(db);
	credential_open(c, base, out);
	buf_putc(out, '}');
	free(base);
}

static void b64url(struct buf *out, const void *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, B64URL);
	buf_grow(out, n);
	sodium_bin2base64(out->data + out->len, n, data, len, B64URL);
	out->len += strlen(out->data + out->len);
}

/* A key's id in the key set: the key set's URL, then the RFC 7638 thumbprint as fragment. */
static void key_uri(struct buf *out, const char *base, const char *kid)
{
	buf_printf(out, "%s/.well-known/jwks.json#%s", base, kid);
}

int cert_badge_jwt(struct db *db, const struct cert *c, struct buf *out, struct err *e)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	if (cert_key_load(db, sk, pk, e) < 0)
		return -1;
	char *base = cert_base_url(db);
	struct buf header = BUF_INIT, body = BUF_INIT;
	char kid[CERT_KID_SIZE], sub[48];
	cert_key_id(pk, kid);
	buf_puts(&header, "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"");
	key_uri(&header, base, kid);
	buf_puts(&header, "\"}");
	/* The payload is the credential itself with the claims the OB 3.0 VC-JWT rules require. */
	credential_open(c, base, &body);
	subject_id(base, c->user_id, sub);
	buf_printf(&body, ",\"iss\":\"%s/issuer\",\"jti\":\"%s/verify/%s\",\"nbf\":%lld,\"sub\":\"%s\"}", base, base,
		   c->code, (long long)c->issued_at, sub);
	free(base);
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

void cert_badge_issuer(struct db *db, struct buf *out)
{
	char *base = cert_base_url(db);
	char *name = setting_value(db, "issuer_en");
	buf_puts(out, "{" CONTEXTS ",");
	buf_printf(out, "\"id\":\"%s/issuer\",\"type\":[\"Profile\"],\"name\":", base);
	buf_json_str(out, name);
	buf_printf(out, ",\"url\":\"%s\"}", base);
	free(name);
	free(base);
}

static void jwk(struct buf *out, const struct cert_pubkey *k, const char *base)
{
	char x[45];
	sodium_bin2base64(x, sizeof x, k->pk, crypto_sign_PUBLICKEYBYTES, B64URL);
	buf_printf(out, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"", x);
	key_uri(out, base, k->kid);
	buf_puts(out, "\",\"use\":\"sig\",\"alg\":\"EdDSA\"}");
}

void cert_badge_jwks(struct db *db, const struct cert_pubkey *keys, size_t n, struct buf *out)
{
	char *base = cert_base_url(db);
	buf_puts(out, "{\"keys\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(out, ',');
		jwk(out, &keys[i], base);
	}
	buf_puts(out, "]}");
	free(base);
}

/* did:web of the base URL: the host (a port's colon as %3A), then each path segment after a colon. */
static void did_web(struct buf *out, const char *base)
{
	const char *p = strstr(base, "://");
	p = p ? p + 3 : base;
	buf_puts(out, "did:web:");
	for (; *p; p++) {
		if (*p == ':')
			buf_puts(out, "%3A");
		else if (*p == '/')
			buf_putc(out, ':');
		else
			buf_putc(out, *p);
	}
}

void cert_badge_did(struct db *db, const struct cert_pubkey *keys, size_t n, struct buf *out)
{
	char *base = cert_base_url(db);
	struct buf did = BUF_INIT;
	did_web(&did, base);
	buf_printf(out,
		   "{\"@context\":[\"https://www.w3.org/ns/did/v1\",\"https://w3id.org/security/suites/jws-2020/v1\"],"
		   "\"id\":\"%s\",\"alsoKnownAs\":[\"%s/issuer\"],\"verificationMethod\":[",
		   buf_str(&did), base);
	for (size_t i = 0; i < n; i++) {
		char x[45];
		sodium_bin2base64(x, sizeof x, keys[i].pk, crypto_sign_PUBLICKEYBYTES, B64URL);
		buf_printf(out,
			   "%s{\"id\":\"%s#%s\",\"type\":\"JsonWebKey2020\",\"controller\":\"%s\",\"publicKeyJwk\":{"
			   "\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}}",
			   i ? "," : "", buf_str(&did), keys[i].kid, buf_str(&did), x);
	}
	buf_puts(out, "],\"assertionMethod\":[");
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "%s\"%s#%s\"", i ? "," : "", buf_str(&did), keys[i].kid);
	buf_puts(out, "]}");
	buf_release(&did);
	free(base);
}

/* The revocation list being written entry by entry. */
struct revoked_list {
	struct buf *out;
	const char *base;
	bool first;
};

static int revoked_entry(void *ctx, const struct cert_revoked *r)
{
	struct revoked_list *l = ctx;
	buf_printf(l->out, "%s{\"id\":\"%s/verify/%s\",\"revocationReason\":", l->first ? "" : ",", l->base, r->code);
	l->first = false;
	buf_json_str(l->out, r->superseded ? "replaced by a corrected certificate" : r->reason);
	buf_putc(l->out, '}');
	return 0;
}

int cert_badge_revocations(struct db *db, struct buf *out, struct err *e)
{
	char *base = cert_base_url(db);
	buf_printf(out, "{\"id\":\"%s/certificates/revocations\",\"issuer\":\"%s/issuer\",\"revokedCredentials\":[",
		   base, base);
	struct revoked_list l = {out, base, true};
	int rc = cert_revoked_each(db, revoked_entry, &l, e);
	buf_puts(out, "]}");
	free(base);
	return rc < 0 ? -1 : 0;
}
