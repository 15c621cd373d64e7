/* Certificates stored with an earlier date (demo history), and the certificate list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/users.h"
#include "certificates/cert.h"
#include "certificates/store_private.h"
#include "lib/db.h"
#include "lib/xmalloc.h"

int cert_row_insert(struct db *db, const struct cert *c, const char *payload, const char *sig, int64_t revoked_at,
		    const char *reason)
{
	struct db_stmt *st =
	    db_stmt(db, "INSERT INTO certificates(serial, code, user_id, course_id, language, "
			"course_title, name, name_km, completed_on, score, org_id, issuer, issuer_km, "
			"payload, signature, issued_at, revoked_at, revoked_reason, expires_on) VALUES (?1, ?2, "
			"?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)");
	db_bind_text(st, 1, c->serial);
	db_bind_text(st, 2, c->code);
	db_bind_int64(st, 3, c->user_id);
	db_bind_text(st, 4, c->course_id);
	db_bind_text(st, 5, c->language);
	db_bind_text(st, 6, c->course_title);
	db_bind_text(st, 7, c->name);
	db_bind_text(st, 8, c->name_km);
	db_bind_text(st, 9, c->completed_on);
	c->has_score ? db_bind_double(st, 10, c->score) : db_bind_null(st, 10);
	db_bind_int64(st, 11, c->org_id);
	db_bind_text(st, 12, c->issuer);
	db_bind_text(st, 13, c->issuer_km);
	db_bind_text(st, 14, payload);
	db_bind_text(st, 15, sig);
	db_bind_int64(st, 16, c->issued_at);
	revoked_at ? db_bind_int64(st, 17, revoked_at) : db_bind_null(st, 17);
	db_bind_text(st, 18, revoked_at ? reason : "");
	c->expires_on && * c->expires_on ? db_bind_text(st, 19, c->expires_on) : db_bind_null(st, 19);
	int rc = db_step_done(st);
	if (rc < 0 && db_errcode(db) == DB_CONSTRAINT)
		rc = ERR_CONFLICT;
	db_finish(st);
	return rc;
}

int cert_record(struct db *db, struct cert *c, const unsigned char sk[crypto_sign_SECRETKEYBYTES], int64_t revoked_at,
		const char *reason, struct buf *payload, struct err *e)
{
	int rc = ERR_CONFLICT;
	/* A new code (and signature) when the random code is taken: 45 bits, so almost never. */
	for (int tries = 0; tries < 8 && rc == ERR_CONFLICT; tries++) {
		char sig[CERT_SIG_B64_SIZE];
		cert_code_new(c->code);
		buf_reset(payload);
		cert_sign(c, sk, payload, sig);
		rc = cert_row_insert(db, c, buf_str(payload), sig, revoked_at, reason);
	}
	if (rc < 0)
		return err_set(e, "cannot save certificate '%s': %s", c->serial, db_errstr(db));
	return 0;
}

/* Usernames by user id, for the listing (accounts/ owns them). */
struct name_of {
	int64_t id;
	char *username;
};
struct names {
	struct name_of *v;
	size_t n;
};

static int name_add(void *ctx, int64_t id, const char *username)
{
	struct names *ns = ctx;
	ns->v[ns->n++] = (struct name_of){id, xstrdup(username)};
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	const struct name_of *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

static const char *name_find(const struct names *ns, int64_t id)
{
	struct name_of key = {id, NULL};
	const struct name_of *f = bsearch(&key, ns->v, ns->n, sizeof *ns->v, name_cmp);
	return f ? f->username : "";
}

int cert_list(struct db *db, const char *username, const char *course_id, cert_listing_fn fn, void *ctx, struct err *e)
{
	int64_t *users = NULL;
	size_t nu = 0;
	if (username) {
		struct user u;
		if (user_get_by_name(db, username, &u) < 0)
			return 0; /* nobody of that name: no certificates */
		users = xmalloc(sizeof *users);
		users[nu++] = u.id;
		user_release(&u);
	} else {
		/* The learners listed, then their usernames DB_BATCH at a time: no query per certificate. */
		struct db_stmt *st = db_stmt(db, "SELECT DISTINCT user_id FROM certificates WHERE ?1 IS NULL OR "
						 "course_id = ?1 ORDER BY user_id");
		db_bind_text(st, 1, course_id);
		if (db_collect_ids(st, &users, &nu) < 0)
			return err_set(e, "cannot read the certificates: %s", db_errstr(db));
	}
	struct names ns = {xcalloc(nu ? nu : 1, sizeof *ns.v), 0};
	int rc = users_usernames(db, users, nu, name_add, &ns, e);
	qsort(ns.v, ns.n, sizeof *ns.v, name_cmp);
	if (rc == 0) {
		struct db_stmt *st =
		    db_stmt(db, "SELECT serial, code, user_id, course_id, completed_on, "
				"CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN superseded_by IS NOT NULL THEN "
				"'superseded' ELSE 'valid' END FROM certificates "
				"WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR course_id = ?2) ORDER BY id");
		if (username)
			db_bind_int64(st, 1, users[0]);
		db_bind_text(st, 2, course_id);
		int r;
		while ((r = db_step_row(st)) > 0) {
			struct cert_listing l = {.serial = db_col_text(st, 0),
						 .code = db_col_text(st, 1),
						 .username = name_find(&ns, db_col_int64(st, 2)),
						 .course_id = db_col_text(st, 3),
						 .completed_on = db_col_text(st, 4),
						 .state = db_col_text(st, 5)};
			fn(ctx, &l);
		}
		db_finish(st);
		if (r < 0)
			rc = err_set(e, "cannot read the certificates: %s", db_errstr(db));
	}
	for (size_t i = 0; i < ns.n; i++)
		free(ns.v[i].username);
	free(ns.v);
	free(users);
	return rc;
}

int64_t cert_first_valid(struct db *db)
{
	return db_int(db,
		      "SELECT coalesce(min(id), 0) FROM certificates WHERE revoked_at IS NULL AND superseded_by "
		      "IS NULL",
		      NULL, NULL, -1);
}
