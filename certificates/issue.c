/* Issuing, re-issuing, revoking and looking up certificates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "certificates/cert.h"
#include "certificates/store_private.h"
#include "courses/certified.h"
#include "courses/learn.h"
#include "lib/db.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

const char *cert_status_name(enum cert_status s)
{
	switch (s) {
	case CERT_VALID:
		return "valid";
	case CERT_REVOKED:
		return "revoked";
	case CERT_SUPERSEDED:
		return "superseded";
	case CERT_TAMPERED:
		return "tampered";
	case CERT_UNAVAILABLE:
		return "unavailable";
	case CERT_EXPIRED:
		return "expired";
	case CERT_UNKNOWN:
		break;
	}
	return "unknown";
}

char *cert_base_url(struct db *db)
{
	char *u = setting_value(db, "base_url");
	size_t n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		u[--n] = '\0';
	return u;
}

#define CERT_COLUMNS                                                                                                   \
	"c.id, c.serial, c.code, c.user_id, c.course_id, c.language, c.course_title, c.name, c.name_km, "              \
	"c.completed_on, c.score, c.org_id, c.issuer, c.issuer_km, c.payload, c.signature, c.issued_at, "              \
	"c.superseded_by, c.revoked_at, c.revoked_reason, c.expires_on"

static void cert_from_row(struct db_stmt *st, struct cert *c)
{
	memset(c, 0, sizeof *c);
	c->id = db_col_int64(st, 0);
	snprintf(c->serial, sizeof c->serial, "%s", db_col_text(st, 1));
	snprintf(c->code, sizeof c->code, "%s", db_col_text(st, 2));
	c->user_id = db_col_int64(st, 3);
	c->course_id = xstrdup(db_col_text(st, 4));
	c->language = xstrdup(db_col_text(st, 5));
	c->course_title = xstrdup(db_col_text(st, 6));
	c->name = xstrdup(db_col_text(st, 7));
	c->name_km = xstrdup(db_col_text(st, 8));
	c->completed_on = xstrdup(db_col_text(st, 9));
	c->has_score = db_col_type(st, 10) != DB_NULL;
	c->score = db_col_double(st, 10);
	c->org_id = db_col_int64(st, 11);
	c->issuer = xstrdup(db_col_text(st, 12));
	c->issuer_km = xstrdup(db_col_text(st, 13));
	c->payload = xstrdup(db_col_text(st, 14));
	c->signature = xstrdup(db_col_text(st, 15));
	c->issued_at = db_col_int64(st, 16);
	c->superseded_by = db_col_int64(st, 17);
	c->revoked_at = db_col_int64(st, 18);
	c->revoked_reason = xstrdup(db_col_text(st, 19));
	c->expires_on = db_col_type(st, 20) == DB_NULL ? NULL : xstrdup(db_col_text(st, 20));
}

static int org_name_copy(void *ctx, const struct org_row *o)
{
	struct cert *c = ctx;
	free(c->org_name);
	c->org_name = xstrdup(o->name_en);
	return 0;
}

/* What the certificate shows beside its stored facts: the course's heading and the org unit's name. */
static int cert_add_shown(struct db *db, struct cert *c)
{
	c->heading = course_certificate_title(db, c->course_id, c->language);
	c->org_name = xstrdup("");
	struct err e;
	return orgs_get(db, &c->org_id, 1, org_name_copy, c, &e) < 0 ? -1 : 0;
}

static int cert_query(struct db *db, const char *where, const char *text, int64_t id, struct cert *c)
{
	char sql[2048];
	snprintf(sql, sizeof sql, "SELECT " CERT_COLUMNS " FROM certificates c WHERE %s", where);
	struct db_stmt *st = db_prepare(db, sql);
	if (text)
		db_bind_text(st, 1, text);
	else
		db_bind_int64(st, 1, id);
	int rc = -1;
	if (db_step_row(st) > 0) {
		cert_from_row(st, c);
		rc = 0;
	}
	db_finish(st);
	if (rc == 0 && cert_add_shown(db, c) < 0) {
		cert_release(c);
		rc = -1;
	}
	return rc;
}

int cert_get_by_serial(struct db *db, const char *serial, struct cert *c)
{
	return serial ? cert_query(db, "c.serial = ?1", serial, 0, c) : -1;
}

int cert_get_by_code(struct db *db, const char *code, struct cert *c)
{
	char norm[16];
	if (cert_code_normalize(code, norm) < 0)
		return -1;
	return cert_query(db, "c.code = ?1", norm, 0, c);
}

int cert_get(struct db *db, int64_t id, struct cert *c)
{
	return cert_query(db, "c.id = ?1", NULL, id, c);
}

void cert_release(struct cert *c)
{
	char **s[] = {&c->course_id,	  &c->language, &c->course_title, &c->name,	 &c->name_km,
		      &c->completed_on,	  &c->issuer,	&c->issuer_km,	  &c->payload,	 &c->signature,
		      &c->revoked_reason, &c->heading,	&c->org_name,	  &c->expires_on};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
		free(*s[i]);
		*s[i] = NULL;
	}
}

int cert_serial_of(struct db *db, int64_t id, char out[32])
{
	struct db_stmt *st = db_stmt(db, "SELECT serial FROM certificates WHERE id = ?");
	db_bind_int64(st, 1, id);
	int rc = -1;
	if (db_step_row(st) > 0) {
		snprintf(out, 32, "%s", db_col_text(st, 0));
		rc = 0;
	}
	db_finish(st);
	return rc;
}

/* Fills serial and code, signs the payload and inserts c (inside the caller's transaction); sets c->id. */
static int cert_insert(struct db *db, struct cert *c, struct err *e)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	if (cert_key_load(db, sk, pk, e) < 0)
		return -1;
	c->issued_at = now_s();
	char year[11];
	date_ymd(c->issued_at, year);
	year[4] = '\0';
	int64_t next = db_int(db, "SELECT coalesce(max(id), 0) + 1 FROM certificates", NULL, NULL, 1);
	snprintf(c->serial, sizeof c->serial, "SALA-%s-%06lld", year, (long long)next);
	for (int tries = 0;; tries++) {
		cert_code_new(c->code);
		if (db_int(db, "SELECT count(*) FROM certificates WHERE code = ?1", c->code, NULL, 0) == 0)
			break;
		if (tries == 20) {
			sodium_memzero(sk, sizeof sk);
			return err_set(e, "cannot find an unused verification code");
		}
	}
	struct buf payload = BUF_INIT;
	char sig64[CERT_SIG_B64_SIZE];
	cert_sign(c, sk, &payload, sig64);
	sodium_memzero(sk, sizeof sk);
	int rc = cert_row_insert(db, c, buf_str(&payload), sig64, 0, NULL) == 0
		     ? 0
		     : err_set(e, "cannot save certificate: %s", db_errstr(db));
	buf_release(&payload);
	if (rc == 0)
		c->id = db_last_insert_id(db);
	return rc;
}

/* The learner's current names and org into c, and (lang not NULL) their language; -1 when the user is unknown. */
static int load_learner(struct db *db, int64_t user_id, struct cert *c, char lang[16])
{
	struct user u;
	if (user_get(db, user_id, &u) < 0)
		return -1;
	free(c->name);
	free(c->name_km);
	c->name = xstrdup(u.full_name ? u.full_name : "");
	c->name_km = xstrdup(u.full_name_km ? u.full_name_km : "");
	c->org_id = u.org_id;
	if (lang)
		snprintf(lang, 16, "%s", u.lang ? u.lang : "");
	user_release(&u);
	return 0;
}

static void load_issuer(struct db *db, struct cert *c)
{
	free(c->issuer);
	free(c->issuer_km);
	c->issuer = setting_value(db, "issuer_en");
	c->issuer_km = setting_value(db, "issuer_km");
}

void cert_expiry_date(const char *completed_on, int years, char out[11])
{
	int y = 0, m = 0, d = 0;
	if (sscanf(completed_on, "%4d-%2d-%2d", &y, &m, &d) != 3) {
		snprintf(out, 11, "%s", completed_on);
		return;
	}
	y += years;
	/* 29 February of a year that has none: the last day of February. */
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		d = 28;
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

bool cert_expired(const struct cert *c, const char *today)
{
	return c->expires_on && *c->expires_on && strcmp(today, c->expires_on) >= 0;
}

int cert_issue_on_completion(struct db *db, int64_t user_id, const char *course_id, struct err *e)
{
	char uid[32];
	snprintf(uid, sizeof uid, "%lld", (long long)user_id);
	if (db_int(db,
		   "SELECT count(*) FROM certificates WHERE user_id = ?1 AND course_id = ?2 AND superseded_by IS NULL",
		   uid, course_id, 0) > 0)
		return 0;
	struct cert c = {.user_id = user_id};
	int rc = -1;
	int64_t completed_at;
	int done = enrolment_completion(db, user_id, course_id, &completed_at, &c.has_score, &c.score);
	if (done < 0)
		return err_set(e, "cannot read the completion of course '%s': %s", course_id, db_errstr(db));
	if (done == 0)
		return err_set(e, "user %lld has not completed course '%s'", (long long)user_id, course_id);
	char day[11];
	date_ymd(completed_at, day);
	c.completed_on = xstrdup(day);

	/* The package the learner sees, in their saved language (course_pick_package()). */
	char lang[16];
	if (load_learner(db, user_id, &c, lang) < 0) {
		err_set(e, "no user %lld", (long long)user_id);
		goto done;
	}
	struct course_pick pick;
	if (course_pick_package(db, course_id, lang, NULL, &pick) < 0) {
		err_set(e, "no course '%s'", course_id);
		goto done;
	}
	bool wanted = pick.certificate;
	c.course_title = xstrdup(pick.title);
	c.language = xstrdup(pick.language);
	course_pick_release(&pick);
	if (!wanted) {
		rc = 0; /* certificate: false */
		goto done;
	}
	c.course_id = xstrdup(course_id);
	int years = course_certificate_valid_years(db, course_id, c.language);
	if (years < 0) {
		err_set(e, "cannot read the validity of course '%s': %s", course_id, db_errstr(db));
		goto done;
	}
	if (years > 0) {
		char until[11];
		cert_expiry_date(c.completed_on, years, until);
		c.expires_on = xstrdup(until);
	}
	load_issuer(db, &c);
	rc = cert_insert(db, &c, e);
done:
	cert_release(&c);
	return rc;
}

int cert_issue(struct db *db, int64_t user_id, const char *course_id, int64_t *id, struct err *e)
{
	db_durable(db, true);
	bool own;
	if (db_join(db, &own, e) < 0)
		return -1;
	if (cert_issue_on_completion(db, user_id, course_id, e) < 0) {
		db_join_rollback(db, own);
		return -1;
	}
	char uid[32];
	snprintf(uid, sizeof uid, "%lld", (long long)user_id);
	*id = db_int(db,
		     "SELECT id FROM certificates WHERE user_id = ?1 AND course_id = ?2 AND superseded_by IS NULL "
		     "ORDER BY id DESC LIMIT 1",
		     uid, course_id, 0);
	if (db_join_commit(db, own, e) < 0)
		return -1;
	if (*id == 0)
		return err_set(e, "course '%s' gives no certificate", course_id);
	return 0;
}

int cert_reissue(struct db *db, const char *serial, int64_t *new_id, struct err *e)
{
	struct cert c;
	db_durable(db, true);
	bool own;
	if (db_join(db, &own, e) < 0)
		return -1;
	if (cert_get_by_serial(db, serial, &c) < 0) {
		db_join_rollback(db, own);
		return err_set(e, "no certificate '%s'", serial ? serial : "");
	}
	int rc = -1;
	int64_t old = c.id;
	if (c.revoked_at) {
		err_set(e, "certificate '%s' is revoked; it cannot be re-issued", c.serial);
		goto fail;
	}
	if (c.superseded_by) {
		err_set(e, "certificate '%s' was already replaced", c.serial);
		goto fail;
	}
	if (load_learner(db, c.user_id, &c, NULL) < 0) {
		err_set(e, "the learner of '%s' no longer exists", c.serial);
		goto fail;
	}
	load_issuer(db, &c);
	if (cert_insert(db, &c, e) < 0)
		goto fail;
	struct db_stmt *st = db_stmt(db, "UPDATE certificates SET superseded_by = ?1 WHERE id = ?2");
	db_bind_int64(st, 1, c.id);
	db_bind_int64(st, 2, old);
	bool ok = db_step_done(st) == 0;
	db_finish(st);
	if (!ok) {
		err_set(e, "cannot update '%s': %s", serial, db_errmsg(db));
		goto fail;
	}
	if (db_join_commit(db, own, e) < 0)
		goto out;
	*new_id = c.id;
	rc = 0;
	goto out;
fail:
	db_join_rollback(db, own);
out:
	cert_release(&c);
	return rc;
}

int cert_counts(struct db *db, int64_t *issued, int64_t *revoked, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT count(*), count(revoked_at) FROM certificates");
	int rc = db_step(st);
	if (rc == DB_ROW) {
		*issued = db_col_int64(st, 0);
		*revoked = db_col_int64(st, 1);
	}
	db_finish(st);
	return rc == DB_ROW ? 0 : err_set(e, "cannot count certificates: %s", db_errmsg(db));
}

int cert_revoke(struct db *db, const char *serial, const char *reason, struct err *e)
{
	char why[512];
	snprintf(why, sizeof why, "%s", reason ? reason : "");
	str_trim(why);
	if (!*why)
		return err_set(e, "a reason is required to revoke a certificate");
	if (!utf8_valid(why, strlen(why)))
		return err_set(e, "the reason is not valid UTF-8");
	db_durable(db, true);
	struct db_stmt *st = db_stmt(db, "UPDATE certificates SET revoked_at = ?1, revoked_reason = ?2 "
					 "WHERE serial = ?3 AND revoked_at IS NULL");
	db_bind_int64(st, 1, now_s());
	db_bind_text(st, 2, why);
	db_bind_text(st, 3, serial);
	int rc = db_step_done(st) == 0 ? 0 : err_set(e, "cannot revoke: %s", db_errmsg(db));
	db_finish(st);
	if (rc == 0 && db_changes(db) == 0) {
		if (db_int(db, "SELECT count(*) FROM certificates WHERE serial = ?1", serial, NULL, 0) == 0)
			return err_set(e, "no certificate '%s'", serial ? serial : "");
		return err_set(e, "certificate '%s' is already revoked", serial);
	}
	return rc;
}

/*
 * The stored payload must be what the stored facts give, and its signature must hold under the key that
 * was current when it was issued. 1 intact, 0 not, -1 when the keys cannot be loaded (e says why).
 */
static int cert_intact(struct db *db, const struct cert *c, char *kid, struct err *e)
{
	struct cert_pubkey *keys;
	size_t n;
	if (cert_keys_load(db, &keys, &n, e) < 0)
		return -1;
	struct buf p = BUF_INIT;
	cert_payload_build(c, &p);
	bool same = strcmp(buf_str(&p), c->payload) == 0;
	buf_release(&p);
	const struct cert_pubkey *k =
	    same ? cert_keys_match(keys, n, c->issued_at, c->payload, strlen(c->payload), c->signature) : NULL;
	if (kid)
		snprintf(kid, CERT_KID_SIZE, "%s", k ? k->kid : "");
	free(keys);
	return k != NULL;
}

enum cert_status cert_verify_code_key(struct db *db, const char *code, struct cert *c, char *kid, struct err *e)
{
	if (kid)
		*kid = '\0';
	if (cert_get_by_code(db, code, c) < 0)
		return CERT_UNKNOWN;
	int intact = cert_intact(db, c, kid, e);
	if (intact < 0) {
		cert_release(c);
		return CERT_UNAVAILABLE;
	}
	if (!intact)
		return CERT_TAMPERED;
	if (c->revoked_at)
		return CERT_REVOKED;
	if (c->superseded_by)
		return CERT_SUPERSEDED;
	char today[11];
	date_ymd(now_s(), today);
	return cert_expired(c, today) ? CERT_EXPIRED : CERT_VALID;
}

int cert_keys_check(struct db *db, struct err *e)
{
	struct cert_pubkey *keys;
	size_t n;
	if (cert_keys_load(db, &keys, &n, e) < 0)
		return -1;
	free(keys);
	int64_t id = db_int(db, "SELECT max(id) FROM certificates", NULL, NULL, 0);
	struct cert c;
	if (id <= 0 || cert_get(db, id, &c) < 0)
		return 0;
	int intact = cert_intact(db, &c, NULL, e);
	if (intact == 0) {
		char *path = cert_key_file(db);
		err_set(
		    e,
		    "the signing key '%s' does not verify the newest certificate (%s): the key and the database do "
		    "not belong together (restore both from the same backup), or that certificate's row was altered",
		    path ? path : "", c.serial);
		free(path);
	}
	cert_release(&c);
	return intact == 1 ? 0 : -1;
}

bool cert_name_changed(struct db *db, const struct cert *c)
{
	struct cert now = {0};
	if (load_learner(db, c->user_id, &now, NULL) < 0)
		return false;
	bool changed = strcmp(now.name, c->name) != 0 || strcmp(now.name_km, c->name_km) != 0;
	cert_release(&now);
	return changed;
}

int cert_reissue_renamed(struct db *db, int64_t user_id, int *count, struct err *e)
{
	*count = 0;
	struct cert now = {0};
	if (load_learner(db, user_id, &now, NULL) < 0)
		return 0; /* no such learner: nothing to re-issue */
	/* Collect first: cert_reissue opens its own transaction for each. */
	struct db_stmt *st = db_stmt(db, "SELECT serial FROM certificates WHERE user_id = ?1 AND superseded_by IS NULL "
					 "AND revoked_at IS NULL AND (name <> ?2 OR name_km <> ?3)");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, now.name);
	db_bind_text(st, 3, now.name_km);
	char **serials = NULL;
	size_t n = 0;
	int r;
	while ((r = db_step_row(st)) > 0) {
		serials = xrealloc(serials, (n + 1) * sizeof *serials);
		serials[n++] = xstrdup(db_col_text(st, 0));
	}
	db_finish(st);
	cert_release(&now);
	int rc = r < 0 ? err_set(e, "cannot read the certificates to re-issue: %s", db_errstr(db)) : 0;
	for (size_t i = 0; i < n; i++) {
		int64_t id;
		if (rc == 0 && cert_reissue(db, serials[i], &id, e) < 0)
			rc = -1;
		else if (rc == 0)
			(*count)++;
		free(serials[i]);
	}
	free(serials);
	return rc;
}
