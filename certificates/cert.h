/*
 * Certificates: issue on completion, sign, verify, render (PNG, PDF), revoke.
 *
 * A certificate is a row of the certificates table plus a signed payload: the
 * canonical JSON text of its facts (serial, code, names, course, date, score,
 * issuer), signed with the site's Ed25519 key kept in "<db path>.key" (0600,
 * created with the database or by `sala cert keygen`, never on use; retired
 * public keys are kept so that rotation keeps old certificates valid). Rendered files carry the payload and signature
 * as a token "SALA1.<payload>.<signature>" (base64url), so they can be checked offline against the public key. See
 * docs/certificates.md.
 */
#ifndef SALA_CERT_H
#define SALA_CERT_H
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/err.h"

/* Defaults of the site settings issuer_en, issuer_km and base_url. */
#define CERT_BASE_URL "http://127.0.0.1:8080"
/* Most certificates one bulk download renders. */
#define CERT_BULK_MAX 1000

/*
 * Issues the certificate for a learner who has just completed a course (does
 * nothing when the course has certificate: false or one is already issued).
 * Called inside the caller's transaction. Returns 0, or -1 with a message.
 */
int cert_issue_on_completion(struct db *db, int64_t user_id, const char *course_id, struct err *e);

/* A certificate as stored; strings owned by the struct, freed by cert_release(). */
struct cert {
	int64_t id, user_id, org_id, issued_at, revoked_at, superseded_by; /* revoked_at, superseded_by: 0 = none */
	char serial[32];
	char code[16]; /* "XXXX-XXXX-XX" */
	char *course_id, *language, *course_title, *name, *name_km, *completed_on, *issuer, *issuer_km;
	char *payload, *signature, *revoked_reason;
	char *heading;	/* packages.certificate_title of the course, "" when none (not signed) */
	char *org_name; /* org unit name (English), not signed */
	/* The date (YYYY-MM-DD) from which it is no longer valid (course.yml certificate_valid_years); NULL or ""
	 * when it does not expire. Signed when set. */
	char *expires_on;
	double score;
	bool has_score;
};

/* CERT_UNAVAILABLE: the check could not be made (the key file or the key list is missing or broken): a setup problem.
 */
/* CERT_EXPIRED: intact and current, but its expiry date (expires_on) has come. */
enum cert_status {
	CERT_VALID,
	CERT_REVOKED,
	CERT_SUPERSEDED,
	CERT_UNKNOWN,
	CERT_TAMPERED,
	CERT_UNAVAILABLE,
	CERT_EXPIRED
};

/* "valid", "revoked", "superseded", "unknown", "tampered", "unavailable", "expired". */
const char *cert_status_name(enum cert_status s);

/* completed_on (YYYY-MM-DD) plus years: the date a certificate valid for that many years expires on. */
void cert_expiry_date(const char *completed_on, int years, char out[11]);
/* True when c has an expiry date and today (YYYY-MM-DD) is that date or later. */
bool cert_expired(const struct cert *c, const char *today);

/* Issues (own transaction) if not yet issued; *id gets the current certificate's id. -1 with a message. */
int cert_issue(struct db *db, int64_t user_id, const char *course_id, int64_t *id, struct err *e);
/*
 * Re-issues a current certificate with the learner's names and org as they
 * are now: a new serial and code; the old one gets superseded_by. *new_id
 * gets the new id. Refused for revoked or already superseded certificates.
 */
int cert_reissue(struct db *db, const char *serial, int64_t *new_id, struct err *e);
/* Revokes with a (required) reason. */
/*
 * A name correction: re-issues every current certificate of user_id whose
 * names differ from the account's names now; the old ones are superseded.
 * *count gets how many were re-issued.
 */
int cert_reissue_renamed(struct db *db, int64_t user_id, int *count, struct err *e);
int cert_revoke(struct db *db, const char *serial, const char *reason, struct err *e);
/* How many certificates were ever issued (re-issues included) and how many of them are revoked (/metrics). */
int cert_counts(struct db *db, int64_t *issued, int64_t *revoked, struct err *e);

/* Loads by serial, by code (any spelling cert_code_normalize accepts) or by id; -1 when absent. */
int cert_get_by_serial(struct db *db, const char *serial, struct cert *c);
int cert_get_by_code(struct db *db, const char *code, struct cert *c);
int cert_get(struct db *db, int64_t id, struct cert *c);
void cert_release(struct cert *c);
/* The serial of a certificate id into out; -1 when absent. */
int cert_serial_of(struct db *db, int64_t id, char out[32]);

/*
 * Online check: status of the certificate with this code; c is filled (release it) unless CERT_UNKNOWN or
 * CERT_UNAVAILABLE. A missing or broken key is CERT_UNAVAILABLE (the problem, naming the file, in e), never
 * CERT_TAMPERED. When kid is not NULL (CERT_KID_SIZE bytes), it gets the id of the key whose signature
 * holds ("" when none does).
 */
enum cert_status cert_verify_code_key(struct db *db, const char *code, struct cert *c, char *kid, struct err *e);
/*
 * The start-up check of the key: the key set loads (cert_keys_load) and verifies the newest certificate, so
 * a key that does not belong to the database (a restore that mixed backups) is refused before it makes
 * every certificate look altered. -1 with a message naming the key file.
 */
int cert_keys_check(struct db *db, struct err *e);
/* True when the learner's current names differ from the certificate's. */
bool cert_name_changed(struct db *db, const struct cert *c);

/* Verification codes: 9 random Crockford base32 symbols and a Luhn mod 32 check symbol. */
void cert_code_new(char out[16]);
/* Normalises a typed code (case, dashes, spaces, O->0, I/L->1) to "XXXX-XXXX-XX"; -1 when malformed or the check fails.
 */
int cert_code_normalize(const char *in, char out[16]);

/*
 * The site's signing key: a file, "<db path>.key" unless cert_key_use() named
 * another (--key PATH), holding base64 of a 32-byte Ed25519 seed, mode 0600.
 * Only creating a database (sala init, sala demo --init) or `sala cert keygen`
 * makes one; loading never does. A missing, unreadable, group/other-readable
 * or malformed key is an error naming the file.
 */
void cert_key_use(const char *path);
/* True when cert_key_use() named a key file (--key PATH or $SALA_KEY). */
bool cert_key_given(void);
/* The key file for the database at db_path (the cert_key_use() path when set). Caller frees. */
char *cert_key_path(const char *db_path);
/* The key file of the database this handle has open; caller frees; NULL for an in-memory database. */
char *cert_key_file(struct db *db);
/* Creates a new key file at path (0600); refuses an existing file. */
int cert_key_create(const char *path, struct err *e);
int cert_key_load_path(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES],
		       unsigned char pk[crypto_sign_PUBLICKEYBYTES], struct err *e);
/* The key of the database this handle has open (cert_key_file). */
int cert_key_load(struct db *db, unsigned char sk[crypto_sign_SECRETKEYBYTES],
		  unsigned char pk[crypto_sign_PUBLICKEYBYTES], struct err *e);

/* A key id: the RFC 7638 JWK thumbprint (SHA-256, base64url: 43 characters). */
#define CERT_KID_SIZE 44
void cert_key_id(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char kid[CERT_KID_SIZE]);
/* A public key of the site and the period in which it signed: issue times from <= t < to (0: open). */
struct cert_pubkey {
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char kid[CERT_KID_SIZE];
	int64_t from, to;
};
/*
 * The key set: keys[0] the current key (from the key file; to = 0), then the retired keys, newest first
 * (from the database, in a list signed by the current key). *keys: caller frees. -1 with a message naming
 * the file when the key is missing, unreadable, readable by others or malformed, or the list does not
 * belong to this key.
 */
int cert_keys_load(struct db *db, struct cert_pubkey **keys, size_t *n, struct err *e);
/*
 * The key whose signature sig64 (standard base64) over msg holds: first the key current at issued_at,
 * then the keys of neighbouring periods (a few minutes of slack around a rotation). NULL when none.
 */
const struct cert_pubkey *cert_keys_match(const struct cert_pubkey *keys, size_t n, int64_t issued_at, const void *msg,
					  size_t len, const char *sig64);
/*
 * sala cert rotate-key: a new signing key; the current one is retired (valid up to now) and kept in the
 * list, so certificates it signed still verify. The new key is written to "<key>.new", the list committed
 * to the database, then the file renamed over the key. The ids of both keys into old_kid and new_kid.
 */
int cert_key_rotate(struct db *db, char old_kid[CERT_KID_SIZE], char new_kid[CERT_KID_SIZE], struct err *e);
/*
 * sala cert keygen: creates the key of a database that has none. Refused when the key exists, and when
 * the database already holds certificates or retired keys (a new key would not verify them).
 */
int cert_keygen(struct db *db, char kid[CERT_KID_SIZE], struct err *e);
/*
 * The key set as text: a line per key, standard base64, the current key first, then the retired ones, newest
 * first (a site that never rotated has one line, as before rotation existed). Periods and ids: the JSON.
 */
void cert_keys_text(const struct cert_pubkey *keys, size_t n, struct buf *out);
/*
 * The key set as JSON: the current key's type, public_key, public_key_hex, kid and jwk (as before), and
 * "keys": a JWK for every key with kid, public_key, status and valid_from/valid_to (ISO 8601 or null).
 */
void cert_keys_json(const struct cert_pubkey *keys, size_t n, struct buf *out);
/* Public key as standard base64 (45 bytes with NUL). */
void cert_pubkey_b64(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char out[45]);
/* Parses a public key: base64 (either alphabet), 64 hex digits, an "ed25519:" prefix, or the JSON of
 * /certificates/public-key.json. */
int cert_pubkey_parse(const char *text, unsigned char pk[crypto_sign_PUBLICKEYBYTES], struct err *e);
/* Every key of a key set (the text or JSON above, or a single key), at most max, into pks; *n how many. */
int cert_pubkeys_parse(const char *text, unsigned char (*pks)[crypto_sign_PUBLICKEYBYTES], size_t max, size_t *n,
		       struct err *e);

/* The canonical payload (ASCII JSON, keys sorted, non-ASCII as \u escapes) of c's signed facts into out. */
void cert_payload_build(const struct cert *c, struct buf *out);
/* Room for a signature as standard base64, with its NUL. */
#define CERT_SIG_B64_SIZE sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)
/*
 * Signs c's facts with sk: the canonical payload appended to payload, its
 * Ed25519 signature as standard base64 into sig (what the certificates table
 * keeps in payload and signature). Load sk once for many certificates.
 */
void cert_sign(const struct cert *c, const unsigned char sk[crypto_sign_SECRETKEYBYTES], struct buf *payload,
	       char sig[CERT_SIG_B64_SIZE]);
/* The token "SALA1.<b64url payload>.<b64url signature>" of a stored certificate into out. */
void cert_token(const struct cert *c, struct buf *out);
/* Checks a token against pk; 0 and the payload text in payload (appended) when the signature holds. */
int cert_token_verify(const char *token, const unsigned char pk[crypto_sign_PUBLICKEYBYTES], struct buf *payload,
		      struct err *e);
/* A string or number field of a canonical payload, decoded into out (appended); -1 when absent. */
int cert_payload_field(const char *payload, const char *key, struct buf *out);
/* Finds the token in a rendered PNG (tEXt chunk "sala-certificate") or PDF (Keywords); appended to token. */
int cert_token_extract(const void *data, size_t len, struct buf *token, struct err *e);

/*
 * Rendering (Cairo and Pango, docs/certificates.md). A renderer holds the site template (colour, logo,
 * signature, base URL); one per thread, reused for many certificates.
 */
struct cert_renderer;
struct cert_renderer *cert_renderer_new(struct db *db, struct err *e);
void cert_renderer_free(struct cert_renderer *cr);
/* The page width of the PNG for phones (A4 landscape, height in proportion); CERT_PNG_FULL_W is 300 dpi. */
#define CERT_PNG_PHONE_W 1600
#define CERT_PNG_FULL_W 3508
/* The page as a PNG width pixels wide (CERT_PNG_FULL_W when out of 200..3508), the token embedded; appended. */
int cert_render_png_width(struct cert_renderer *cr, const struct cert *c, int width, struct buf *out, struct err *e);
/* The full-resolution PNG (3508 x 2480). */
int cert_render_png(struct cert_renderer *cr, const struct cert *c, struct buf *out, struct err *e);
/*
 * A PDF of n certificates, one A4 landscape page each: text in embedded subset fonts, the verify URL a
 * link; one certificate's PDF has its title, author (issuer), language, facts (Subject) and token
 * (Keywords) in the document information. Appended to out.
 */
int cert_render_pdf(struct cert_renderer *cr, const struct cert *const *cs, size_t n, struct buf *out, struct err *e);
/* A PDF written to a file page by page (bulk): only the fonts' used glyphs are held until it is closed. */
struct cert_pdf;
/* Creates (replaces) the file at path; NULL with a message. */
struct cert_pdf *cert_pdf_open(struct cert_renderer *cr, const char *path, struct err *e);
int cert_pdf_page(struct cert_pdf *p, const struct cert *c, struct err *e);
/* Finishes the document (ok) or abandons it (!ok: returns -1); frees p; the file is removed on failure. */
int cert_pdf_close(struct cert_pdf *p, bool ok, struct err *e);
/* One-shot helpers (renderer made and freed inside). */
int cert_png(struct db *db, const struct cert *c, struct buf *out, struct err *e);
int cert_png_width(struct db *db, const struct cert *c, int width, struct buf *out, struct err *e);
int cert_pdf(struct db *db, const struct cert *c, struct buf *out, struct err *e);

/* The site's base URL (setting base_url, default CERT_BASE_URL), without a trailing slash; caller frees. */
char *cert_base_url(struct db *db);

/*
 * The images of the certificate template, uploaded by an administrator (table cert_images): "logo"
 * (printed top left) and "signature" (over the signature line). Either is used instead of the
 * file named by the setting cert_logo_path or cert_signature_path.
 */
#define CERT_IMAGE_MAX_BYTES (1024 * 1024) /* largest upload */
#define CERT_IMAGE_MIN_SIDE 16		   /* pixels, each side */
#define CERT_IMAGE_MAX_SIDE 4000
/* True when name is "logo" or "signature". */
bool cert_image_name_ok(const char *name);
/*
 * Checks an uploaded image and stores it as name's (replacing the one before): a PNG or JPEG file of at
 * most CERT_IMAGE_MAX_BYTES, CERT_IMAGE_MIN_SIDE to CERT_IMAGE_MAX_SIDE pixels a side (read from its header
 * before decoding), that decodes; a JPEG is stored as PNG. *w and *h get its size. -1 with a message saying
 * what is wrong (nothing stored).
 */
int cert_image_store(struct db *db, const char *name, const void *data, size_t len, int *w, int *h, struct err *e);
/* Removes name's image (none is fine). -1 with a message on a database error. */
int cert_image_remove(struct db *db, const char *name, struct err *e);
/* 1 with the size of name's image in *w, *h and its SHA-256 (hex) in sha, 0 when none was uploaded, -1 on an error. */
int cert_image_info(struct db *db, const char *name, int *w, int *h, char sha[65], struct err *e);
/* 1 with name's PNG appended to out, 0 when none was uploaded, -1 with a message when it cannot be read. */
int cert_image_get(struct db *db, const char *name, struct buf *out, struct err *e);

/*
 * Open Badges 3.0 (docs/certificates.md). The OpenBadgeCredential JSON of c (appended to out): issuer
 * <base>/issuer, subject a urn:uuid per learner, credentialStatus the 1EdTechRevocationList at
 * <base>/certificates/revocations.
 */
void cert_badge_json(struct db *db, const struct cert *c, struct buf *out);
/*
 * The credential as a VC-JWT (compact JWS, EdDSA) signed with the current site key: header typ "JWT" and
 * kid "<base>/.well-known/jwks.json#<thumbprint>"; claims iss, jti, nbf, sub. -1 when the key is unavailable.
 */
int cert_badge_jwt(struct db *db, const struct cert *c, struct buf *out, struct err *e);
/* The issuer Profile document served at <base>/issuer (appended to out). */
void cert_badge_issuer(struct db *db, struct buf *out);
/* The JWK Set of every key in keys (cert_keys_load: current and retired), kids as in the VC-JWT header. */
void cert_badge_jwks(struct db *db, const struct cert_pubkey *keys, size_t n, struct buf *out);
/* The did:web DID document of the base URL naming the same keys (JsonWebKey2020, assertionMethod). */
void cert_badge_did(struct db *db, const struct cert_pubkey *keys, size_t n, struct buf *out);
/* The 1EdTechRevocationList: every revoked or replaced certificate's credential id. -1 on a read error. */
int cert_badge_revocations(struct db *db, struct buf *out, struct err *e);

/* A revoked or superseded certificate (cert_revoked_each); strings borrowed for the call. */
struct cert_revoked {
	const char *code, *reason;
	int64_t revoked_at;
	bool superseded; /* replaced by a corrected certificate (reason is then "") */
};
typedef int (*cert_revoked_fn)(void *ctx, const struct cert_revoked *r);
/* Every revoked or superseded certificate, oldest first. 0, fn's non-zero return, or -1 with a message. */
int cert_revoked_each(struct db *db, cert_revoked_fn fn, void *ctx, struct err *e);

/* Bulk selection: current (not superseded, not revoked) certificates. */
struct cert_filter {
	const char *course_id; /* NULL or "" = every course */
	int64_t org_id;	       /* learners whose org lies in this subtree; 0 = everyone */
	const char *from, *to; /* completion dates YYYY-MM-DD, inclusive; NULL = open */
	size_t limit;	       /* only the first (oldest) this many; 0 = every match */
};
/* The ids matching f, oldest first; caller frees *ids. -1 when more than max are selected. */
int cert_select(struct db *db, const struct cert_filter *f, size_t max, int64_t **ids, size_t *n, struct err *e);
/*
 * Renders the selection as one PDF ("pdf") or a zip of one PDF each ("zip") into the file at path
 * (replaced). Both are written as they go: a zip a batch of one-page PDFs at a time, a PDF page by page
 * into one document. On failure the file is removed.
 */
int cert_bulk(struct db *db, const struct cert_filter *f, const char *format, const char *path, size_t *count,
	      struct err *e);

/*
 * Stores a certificate issued at an earlier date (demo history): signs c with
 * sk, drawing a new code (written into c->code) whenever the drawn one is
 * taken, and inserts it inside the caller's transaction, revoked at
 * revoked_at for reason when revoked_at is not 0. payload is scratch space the
 * caller reuses across calls and releases. 0, or -1 with e set.
 */
int cert_record(struct db *db, struct cert *c, const unsigned char sk[crypto_sign_SECRETKEYBYTES], int64_t revoked_at,
		const char *reason, struct buf *payload, struct err *e);

/* One certificate as `sala cert list` shows it; strings borrowed for the call only. */
struct cert_listing {
	const char *serial, *code, *username, *course_id, *completed_on;
	const char *state; /* valid, revoked or superseded */
};
typedef void (*cert_listing_fn)(void *ctx, const struct cert_listing *r);
/*
 * Calls fn for every certificate, oldest first, of username and course_id when
 * given (NULL: any). 0, or -1 with e set when a read error stopped the list.
 */
int cert_list(struct db *db, const char *username, const char *course_id, cert_listing_fn fn, void *ctx, struct err *e);
/* The id of the oldest valid (neither revoked nor superseded) certificate; 0 when none, -1 on a read error. */
int64_t cert_first_valid(struct db *db);

/* One row of cert_list_user() and cert_search(); strings borrowed for the call ("" when NULL). */
struct cert_row {
	int64_t id, issued_at;
	const char *serial, *code, *course_id, *language, *course_title, *completed_on, *name, *name_km;
	const char *expires_on; /* YYYY-MM-DD, "" when it does not expire */
	double score;
	bool has_score;
	enum cert_status status; /* CERT_VALID, CERT_REVOKED, CERT_SUPERSEDED or CERT_EXPIRED (by today's date) */
};
/* Called per row; a non-zero return stops the walk and is returned. */
typedef int (*cert_row_fn)(void *ctx, const struct cert_row *c);
/*
 * Every certificate of user_id (superseded and revoked ones too), newest issued first. 0 when every row was
 * read, fn's non-zero return, or -1 with a message when reading ended on a database error.
 */
int cert_list_user(struct db *db, int64_t user_id, cert_row_fn fn, void *ctx, struct err *e);
/*
 * The ids of user_id's current certificates (not superseded; revoked ones included), latest completion
 * first, into *ids (caller frees; NULL when none) and *n. 0, or -1 with a message on a database error.
 */
int cert_current_ids(struct db *db, int64_t user_id, int64_t **ids, size_t *n, struct err *e);
/*
 * Certificates whose serial, name or Khmer name contains q, or whose code or course id is q (q NULL or "":
 * all), newest first, at most limit. Same returns as cert_list_user().
 */
int cert_search(struct db *db, const char *q, int limit, cert_row_fn fn, void *ctx, struct err *e);

/* Most days ahead cert_list_expiring() looks. */
#define CERT_EXPIRING_DAYS_MAX 3650
/*
 * Current certificates (not revoked, not replaced) that expire from today to days from today (UTC dates,
 * both included), of learners whose org unit lies in org_id's subtree (0: everyone), soonest first. Same
 * returns as cert_list_user(); days outside 0..CERT_EXPIRING_DAYS_MAX is an error.
 */
int cert_list_expiring(struct db *db, int64_t org_id, int days, cert_row_fn fn, void *ctx, struct err *e);

/* A learner's valid certificate of a course (cert_valid_serials()). */
struct cert_serial {
	const char *course_id, *serial;
};
/*
 * user_id's valid (neither revoked nor superseded) certificates, one per course (the latest issued), in
 * every course or, with course_id, in that one: the links on the course pages. One query over the
 * certificates_user index. *out is an arena array of *n entries. 0, or -1 when reading failed
 * (db_read_failed() says why; *n is then 0).
 */
int cert_valid_serials(struct db *db, struct arena *a, int64_t user_id, const char *course_id, struct cert_serial **out,
		       size_t *n);

#endif
