/* Listings of certificates: a learner's own, and the administrators' search. */
#include <stdlib.h>
#include "certificates/cert.h"
#include "lib/db.h"
#include "lib/xmalloc.h"

/*
 * Columns: id, serial, code, course_id, language, course_title, completed_on, name, name_km, score,
 * issued_at, revoked, superseded.
 */
#define CERT_ROW_COLS                                                                                                  \
	"id, serial, code, course_id, language, course_title, completed_on, name, name_km, score, issued_at, "         \
	"revoked_at IS NOT NULL, superseded_by IS NOT NULL"

static int cert_rows(struct db *db, struct db_stmt *st, cert_row_fn fn, void *ctx, struct err *e)
{
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		struct cert_row c = {
		    .id = db_col_int64(st, 0),
		    .serial = db_col_text(st, 1),
		    .code = db_col_text(st, 2),
		    .course_id = db_col_text(st, 3),
		    .language = db_col_text(st, 4),
		    .course_title = db_col_text(st, 5),
		    .completed_on = db_col_text(st, 6),
		    .name = db_col_text(st, 7),
		    .name_km = db_col_text(st, 8),
		    .has_score = db_col_type(st, 9) != DB_NULL,
		    .score = db_col_double(st, 9),
		    .issued_at = db_col_int64(st, 10),
		    .status = db_col_int(st, 11)   ? CERT_REVOKED
			      : db_col_int(st, 12) ? CERT_SUPERSEDED
						   : CERT_VALID,
		};
		int stop = fn(ctx, &c);
		if (stop) {
			db_finish(st);
			return stop;
		}
	}
	if (rc < 0)
		err_set(e, "cannot read the certificates: %s", db_errstr(db));
	db_finish(st);
	return rc < 0 ? -1 : 0;
}

int cert_list_user(struct db *db, int64_t user_id, cert_row_fn fn, void *ctx, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT " CERT_ROW_COLS " FROM certificates WHERE user_id = ?1 "
					 "ORDER BY issued_at DESC, id DESC");
	db_bind_int64(st, 1, user_id);
	return cert_rows(db, st, fn, ctx, e);
}

int cert_search(struct db *db, const char *q, int limit, cert_row_fn fn, void *ctx, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT " CERT_ROW_COLS " FROM certificates WHERE ?1 IS NULL OR serial "
					 "LIKE '%' || ?1 || '%' OR code = upper(?1) OR name LIKE '%' || ?1 || '%' OR "
					 "name_km LIKE '%' || ?1 || '%' OR course_id = ?1 ORDER BY id DESC LIMIT ?2");
	db_bind_text(st, 1, q && *q ? q : NULL);
	db_bind_int(st, 2, limit);
	return cert_rows(db, st, fn, ctx, e);
}

int cert_current_ids(struct db *db, int64_t user_id, int64_t **ids, size_t *n, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT id FROM certificates WHERE user_id = ?1 AND superseded_by IS NULL "
					 "ORDER BY completed_on DESC, id DESC");
	db_bind_int64(st, 1, user_id);
	if (db_collect_ids(st, ids, n) < 0)
		return err_set(e, "cannot read the certificates: %s", db_errstr(db));
	return 0;
}

int cert_revoked_each(struct db *db, cert_revoked_fn fn, void *ctx, struct err *e)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT code, revoked_reason, revoked_at, revoked_at IS NULL FROM certificates "
			"WHERE revoked_at IS NOT NULL OR superseded_by IS NOT NULL ORDER BY id");
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		struct cert_revoked r = {
		    .code = db_col_text(st, 0),
		    .reason = db_col_text(st, 1),
		    .revoked_at = db_col_int64(st, 2),
		    .superseded = db_col_int(st, 3) != 0,
		};
		int stop = fn(ctx, &r);
		if (stop) {
			db_finish(st);
			return stop;
		}
	}
	if (rc < 0)
		err_set(e, "cannot read the certificates: %s", db_errstr(db));
	db_finish(st);
	return rc < 0 ? -1 : 0;
}
