/*
 * Workshops, their days, trainers and people (training/workshops.h). Codes are drawn from an alphabet
 * with no look-alike characters and inserted with ON CONFLICT DO NOTHING, which both engines speak, so a
 * clash (rare) is a retry, never an aborted transaction.
 */
#include "training/workshops.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "courses/listing.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

/* No 0/O, 1/I/L: codes are read off paper and typed on phones. */
static const char code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
#define WORKSHOP_CODE_LEN 6
#define ROW_CODE_LEN 4
#define CODE_TRIES 50
#define TITLE_MAX 200
#define ADDRESS_MAX 300

static void code_new(char *out, int len)
{
	for (int i = 0; i < len; i++)
		out[i] = code_alphabet[randombytes_uniform(sizeof code_alphabet - 1)];
	out[len] = '\0';
}

const char *workshop_status_name(enum workshop_status s)
{
	switch (s) {
	case WS_REGISTERED:
		return "registered";
	case WS_WAITLISTED:
		return "waitlisted";
	case WS_CANCELLED:
		return "cancelled";
	default:
		return "";
	}
}

static enum workshop_status status_parse(const char *s)
{
	if (strcmp(s, "registered") == 0)
		return WS_REGISTERED;
	if (strcmp(s, "waitlisted") == 0)
		return WS_WAITLISTED;
	if (strcmp(s, "cancelled") == 0)
		return WS_CANCELLED;
	return WS_NONE;
}

/* Starts a transaction unless the caller has one; *own says whether to end it. */
static int txn_begin(struct db *db, bool *own, struct err *e)
{
	*own = !db_in_txn(db);
	return *own && db_begin(db, e) < 0 ? ERR_UNAVAILABLE : 0;
}

static int txn_end(struct db *db, bool own, int rc, struct err *e)
{
	if (!own)
		return rc;
	if (rc < 0) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db, e) < 0 ? ERR_UNAVAILABLE : rc;
}

static int validate(struct db *db, const struct workshop_new *w, struct err *e)
{
	if (!w->title || !*w->title)
		return err_fail(e, ERR_INVALID, "a session needs a title");
	if (strlen(w->title) > TITLE_MAX)
		return err_fail(e, ERR_INVALID, "the title is longer than %d bytes", TITLE_MAX);
	if (w->address && strlen(w->address) > ADDRESS_MAX)
		return err_fail(e, ERR_INVALID, "the address is longer than %d bytes", ADDRESS_MAX);
	if (!w->language || (strcmp(w->language, "km") != 0 && strcmp(w->language, "en") != 0))
		return err_fail(e, ERR_INVALID, "unknown language '%s' (km or en)", w->language ? w->language : "");
	if (w->capacity < 0)
		return err_fail(e, ERR_INVALID, "the capacity cannot be negative");
	if (w->ndays < 1)
		return err_fail(e, ERR_INVALID, "a session needs at least one day");
	if (w->ndays > WORKSHOP_MAX_DAYS)
		return err_fail(e, ERR_INVALID, "a session has at most %d days", WORKSHOP_MAX_DAYS);
	for (int i = 0; i < w->ndays; i++) {
		if (w->days[i].ends_at <= w->days[i].starts_at)
			return err_fail(e, ERR_INVALID, "day %d ends before it starts", i + 1);
		if (i > 0 && w->days[i].starts_at < w->days[i - 1].ends_at)
			return err_fail(e, ERR_INVALID, "day %d starts before day %d ends", i + 1, i);
	}
	char path[256];
	if (org_path(db, w->org_id, path, sizeof path) < 0)
		return err_fail(e, ERR_INVALID, "no org unit %lld", (long long)w->org_id);
	if (w->course_id && *w->course_id) {
		char *t = course_title_get(db, w->course_id, "en");
		if (!t)
			return err_fail(e, ERR_INVALID, "no course '%s'", w->course_id);
		free(t);
	}
	for (size_t i = 0; i < w->ntrainers; i++) {
		struct user u;
		if (user_get(db, w->trainers[i], &u) < 0)
			return err_fail(e, ERR_INVALID, "no user %lld to train", (long long)w->trainers[i]);
		bool deleted = u.deleted;
		user_release(&u);
		if (deleted)
			return err_fail(e, ERR_INVALID, "user %lld was deleted", (long long)w->trainers[i]);
	}
	return 0;
}

static int insert_workshop(struct db *db, const struct workshop_new *w, int64_t now, int64_t *id, struct err *e)
{
	for (int t = 0; t < CODE_TRIES; t++) {
		char code[WORKSHOP_CODE_LEN + 1];
		code_new(code, WORKSHOP_CODE_LEN);
		struct db_stmt *st =
		    db_stmt(db, "INSERT INTO workshops(code, title, course_id, org_id, address, capacity, "
				"language, created_by, created_at, is_demo) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
				"?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING RETURNING id");
		db_bind_text(st, 1, code);
		db_bind_text(st, 2, w->title);
		db_bind_text(st, 3, w->course_id && *w->course_id ? w->course_id : NULL);
		db_bind_int64(st, 4, w->org_id);
		db_bind_text(st, 5, w->address ? w->address : "");
		db_bind_int(st, 6, w->capacity);
		db_bind_text(st, 7, w->language);
		if (w->created_by > 0)
			db_bind_int64(st, 8, w->created_by);
		else
			db_bind_null(st, 8);
		db_bind_int64(st, 9, now);
		db_bind_int(st, 10, w->is_demo ? 1 : 0);
		int r = db_step_row(st);
		if (r > 0)
			*id = db_col_int64(st, 0);
		/* RETURNING gives its row before the statement ends: step to the end. */
		if (r > 0 && db_step_row(st) < 0)
			r = -1;
		db_finish(st);
		if (r < 0)
			return err_fail(e, ERR_UNAVAILABLE, "cannot add the session: %s", db_errstr(db));
		if (r > 0)
			return 0;
	}
	return err_set(e, "cannot find a free session code");
}

int workshop_create(struct db *db, const struct workshop_new *w, int64_t now, int64_t *id, struct err *e)
{
	int rc = validate(db, w, e);
	if (rc < 0)
		return rc;
	bool own;
	if ((rc = txn_begin(db, &own, e)) < 0)
		return rc;
	rc = insert_workshop(db, w, now, id, e);
	for (int i = 0; rc == 0 && i < w->ndays; i++) {
		struct db_stmt *st = db_stmt(
		    db, "INSERT INTO workshop_days(workshop_id, day, starts_at, ends_at) VALUES (?1, ?2, ?3, ?4)");
		db_bind_int64(st, 1, *id);
		db_bind_int(st, 2, i + 1);
		db_bind_int64(st, 3, w->days[i].starts_at);
		db_bind_int64(st, 4, w->days[i].ends_at);
		if (db_step_done(st) < 0)
			rc = err_fail(e, ERR_UNAVAILABLE, "cannot add the session's days: %s", db_errmsg(db));
		db_finish(st);
	}
	for (size_t i = 0; rc == 0 && i < w->ntrainers; i++) {
		struct db_stmt *st = db_stmt(db, "INSERT INTO workshop_trainers(workshop_id, user_id) VALUES (?1, ?2) "
						 "ON CONFLICT DO NOTHING");
		db_bind_int64(st, 1, *id);
		db_bind_int64(st, 2, w->trainers[i]);
		if (db_step_done(st) < 0)
			rc = err_fail(e, ERR_UNAVAILABLE, "cannot add the session's trainers: %s", db_errmsg(db));
		db_finish(st);
	}
	return txn_end(db, own, rc, e);
}

void workshop_free(struct workshop *w)
{
	free(w->code);
	free(w->title);
	free(w->course_id);
	free(w->address);
	free(w->language);
	free(w->trainers);
	memset(w, 0, sizeof *w);
}

/* The days, trainers and counts of w (whose id and scalar fields are set). */
static int workshop_fill(struct db *db, struct workshop *w, struct err *e)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT day, starts_at, ends_at FROM workshop_days WHERE workshop_id = ?1 ORDER BY day");
	db_bind_int64(st, 1, w->id);
	int r;
	w->ndays = 0;
	while ((r = db_step_row(st)) > 0 && w->ndays < WORKSHOP_MAX_DAYS) {
		struct workshop_day *d = &w->days[w->ndays++];
		d->day = db_col_int(st, 0);
		d->starts_at = db_col_int64(st, 1);
		d->ends_at = db_col_int64(st, 2);
	}
	db_finish(st);
	if (r < 0)
		return err_fail(e, ERR_UNAVAILABLE, "cannot read the session's days: %s", db_errstr(db));
	st = db_stmt(db, "SELECT user_id FROM workshop_trainers WHERE workshop_id = ?1 ORDER BY user_id");
	db_bind_int64(st, 1, w->id);
	if (db_collect_ids(st, &w->trainers, &w->ntrainers) < 0)
		return err_fail(e, ERR_UNAVAILABLE, "cannot read the session's trainers: %s", db_errstr(db));
	st = db_stmt(
	    db, "SELECT sum(CASE WHEN status = 'registered' THEN 1 ELSE 0 END), "
		"sum(CASE WHEN status = 'waitlisted' THEN 1 ELSE 0 END) FROM workshop_people WHERE workshop_id = ?1");
	db_bind_int64(st, 1, w->id);
	r = db_step_row(st);
	if (r > 0) {
		w->registered = db_col_int(st, 0);
		w->waitlisted = db_col_int(st, 1);
	}
	db_finish(st);
	if (r < 0)
		return err_fail(e, ERR_UNAVAILABLE, "cannot count the session's people: %s", db_errstr(db));
	return 0;
}

#define WORKSHOP_COLS                                                                                                  \
	"w.id, w.code, w.title, w.course_id, w.org_id, w.address, w.capacity, w.language, coalesce(w.created_by, 0), " \
	"w.created_at, coalesce(w.cancelled_at, 0) "

/* The scalar fields of a row of WORKSHOP_COLS into w (strings copied). */
static void workshop_row(struct db_stmt *st, struct workshop *w)
{
	memset(w, 0, sizeof *w);
	w->id = db_col_int64(st, 0);
	w->code = xstrdup(db_col_text(st, 1));
	w->title = xstrdup(db_col_text(st, 2));
	w->course_id = db_col_type(st, 3) == DB_NULL ? NULL : xstrdup(db_col_text(st, 3));
	w->org_id = db_col_int64(st, 4);
	w->address = xstrdup(db_col_text(st, 5));
	w->capacity = db_col_int(st, 6);
	w->language = xstrdup(db_col_text(st, 7));
	w->created_by = db_col_int64(st, 8);
	w->created_at = db_col_int64(st, 9);
	w->cancelled_at = db_col_int64(st, 10);
}

int workshop_get(struct db *db, int64_t id, struct workshop *w, struct err *e)
{
	memset(w, 0, sizeof *w);
	struct db_stmt *st = db_stmt(db, "SELECT " WORKSHOP_COLS "FROM workshops w WHERE w.id = ?1");
	db_bind_int64(st, 1, id);
	int r = db_step_row(st);
	if (r > 0)
		workshop_row(st, w);
	db_finish(st);
	if (r < 0)
		return err_fail(e, ERR_UNAVAILABLE, "cannot read session %lld: %s", (long long)id, db_errstr(db));
	if (r == 0)
		return err_fail(e, ERR_NOTFOUND, "no session %lld", (long long)id);
	int rc = workshop_fill(db, w, e);
	if (rc < 0)
		workshop_free(w);
	return rc;
}

int workshop_cancel(struct db *db, int64_t id, int64_t now, struct err *e)
{
	struct db_stmt *st =
	    db_stmt(db, "UPDATE workshops SET cancelled_at = coalesce(cancelled_at, ?2) WHERE id = ?1");
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, now);
	int rc = db_step_done(st) < 0
		     ? err_fail(e, ERR_UNAVAILABLE, "cannot cancel session %lld: %s", (long long)id, db_errmsg(db))
		     : 0;
	db_finish(st);
	if (rc == 0 && db_changes(db) == 0)
		rc = err_fail(e, ERR_NOTFOUND, "no session %lld", (long long)id);
	return rc;
}

int workshop_list(struct db *db, const struct workshop_filter *f, int (*fn)(void *ctx, const struct workshop *w),
		  void *ctx, struct err *e)
{
	/* A subtree is the range [path, path with its last '/' as '0') of report_org_units.path. */
	char lo[256] = "", hi[256] = "";
	if (f->org_path) {
		snprintf(lo, sizeof lo, "%s", f->org_path);
		snprintf(hi, sizeof hi, "%s", f->org_path);
		size_t n = strlen(hi);
		if (n > 0 && hi[n - 1] == '/')
			hi[n - 1] = '0';
	}
	struct db_stmt *st = db_stmt(
	    db,
	    "SELECT " WORKSHOP_COLS "FROM workshops w JOIN workshop_days d ON d.workshop_id = w.id AND d.day = 1 "
	    "WHERE (?1 = 0 OR EXISTS (SELECT 1 FROM workshop_people p WHERE p.workshop_id = w.id AND p.user_id = ?1 "
	    "  AND p.status IN ('registered', 'waitlisted'))) "
	    "AND (?2 = 0 OR EXISTS (SELECT 1 FROM workshop_trainers t WHERE t.workshop_id = w.id AND t.user_id = ?2)) "
	    "AND (CAST(?3 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM report_org_units o WHERE o.id = w.org_id AND "
	    "o.path >= ?3 "
	    "  AND o.path < ?4)) "
	    "AND (CAST(?5 AS TEXT) IS NULL OR w.course_id = ?5) "
	    "AND (?6 = 0 OR EXISTS (SELECT 1 FROM workshop_days x WHERE x.workshop_id = w.id AND x.ends_at > ?6)) "
	    "AND (?7 = 0 OR d.starts_at < ?7) "
	    "AND (?8 = 1 OR w.cancelled_at IS NULL) "
	    "ORDER BY d.starts_at, w.id");
	db_bind_int64(st, 1, f->user_id > 0 ? f->user_id : 0);
	db_bind_int64(st, 2, f->trainer_id > 0 ? f->trainer_id : 0);
	db_bind_text(st, 3, f->org_path ? lo : NULL);
	db_bind_text(st, 4, f->org_path ? hi : NULL);
	db_bind_text(st, 5, f->course_id);
	db_bind_int64(st, 6, f->from > 0 ? f->from : 0);
	db_bind_int64(st, 7, f->to > 0 ? f->to : 0);
	db_bind_int(st, 8, f->include_cancelled ? 1 : 0);
	/* Read every row first: fn may run queries of its own on db. */
	struct workshop *rows = NULL;
	size_t n = 0, cap = 0;
	int r;
	while ((r = db_step_row(st)) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			rows = xrealloc(rows, cap * sizeof *rows);
		}
		workshop_row(st, &rows[n++]);
	}
	db_finish(st);
	int rc = r < 0 ? err_fail(e, ERR_UNAVAILABLE, "cannot list the sessions: %s", db_errstr(db)) : 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if ((rc = workshop_fill(db, &rows[i], e)) == 0)
			rc = fn(ctx, &rows[i]);
	}
	for (size_t i = 0; i < n; i++)
		workshop_free(&rows[i]);
	free(rows);
	return rc;
}

int workshop_person_status(struct db *db, int64_t workshop_id, int64_t user_id, enum workshop_status *status,
			   struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT status FROM workshop_people WHERE workshop_id = ?1 AND user_id = ?2");
	db_bind_int64(st, 1, workshop_id);
	db_bind_int64(st, 2, user_id);
	int r = db_step_row(st);
	*status = r > 0 ? status_parse(db_col_text(st, 0)) : WS_NONE;
	db_finish(st);
	if (r < 0)
		return err_fail(e, ERR_UNAVAILABLE, "cannot read a place in session %lld: %s", (long long)workshop_id,
				db_errstr(db));
	return 0;
}

/* The workshop's capacity and whether it is cancelled; ERR_NOTFOUND when there is none. */
static int workshop_state(struct db *db, int64_t id, int *capacity, bool *cancelled, int64_t *ends_at, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT capacity, CASE WHEN cancelled_at IS NULL THEN 0 ELSE 1 END, "
					 "(SELECT max(ends_at) FROM workshop_days d WHERE d.workshop_id = w.id) "
					 "FROM workshops w WHERE id = ?1");
	db_bind_int64(st, 1, id);
	int r = db_step_row(st);
	if (r > 0) {
		*capacity = db_col_int(st, 0);
		*cancelled = db_col_int(st, 1) != 0;
		*ends_at = db_col_int64(st, 2);
	}
	db_finish(st);
	if (r < 0)
		return err_fail(e, ERR_UNAVAILABLE, "cannot read session %lld: %s", (long long)id, db_errstr(db));
	if (r == 0)
		return err_fail(e, ERR_NOTFOUND, "no session %lld", (long long)id);
	return 0;
}

static int registered_count(struct db *db, int64_t workshop_id, int *n, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT count(*) FROM workshop_people WHERE workshop_id = ?1 AND "
					 "status = 'registered'");
	db_bind_int64(st, 1, workshop_id);
	int r = db_step_row(st);
	*n = r > 0 ? db_col_int(st, 0) : 0;
	db_finish(st);
	return r < 0 ? err_fail(e, ERR_UNAVAILABLE, "cannot count the registered people: %s", db_errstr(db)) : 0;
}

static int set_status(struct db *db, int64_t workshop_id, int64_t user_id, enum workshop_status s, bool invited,
		      int64_t now, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "UPDATE workshop_people SET status = ?3, since = ?4, "
					 "invited = CASE WHEN ?5 = 1 THEN 1 ELSE invited END "
					 "WHERE workshop_id = ?1 AND user_id = ?2");
	db_bind_int64(st, 1, workshop_id);
	db_bind_int64(st, 2, user_id);
	db_bind_text(st, 3, workshop_status_name(s));
	db_bind_int64(st, 4, now);
	db_bind_int(st, 5, invited ? 1 : 0);
	int rc = db_step_done(st) < 0 ? err_fail(e, ERR_UNAVAILABLE, "cannot change a place: %s", db_errmsg(db)) : 0;
	db_finish(st);
	return rc;
}

static int insert_person(struct db *db, int64_t workshop_id, int64_t user_id, enum workshop_status s, bool invited,
			 int64_t now, struct err *e)
{
	for (int t = 0; t < CODE_TRIES; t++) {
		char code[ROW_CODE_LEN + 1];
		code_new(code, ROW_CODE_LEN);
		struct db_stmt *st =
		    db_stmt(db, "INSERT INTO workshop_people(workshop_id, user_id, status, invited, row_code, since) "
				"VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING");
		db_bind_int64(st, 1, workshop_id);
		db_bind_int64(st, 2, user_id);
		db_bind_text(st, 3, workshop_status_name(s));
		db_bind_int(st, 4, invited ? 1 : 0);
		db_bind_text(st, 5, code);
		db_bind_int64(st, 6, now);
		int r = db_step_done(st);
		db_finish(st);
		if (r < 0)
			return err_fail(e, ERR_UNAVAILABLE, "cannot add a person to the session: %s", db_errmsg(db));
		if (db_changes(db) > 0)
			return 0;
	}
	return err_set(e, "cannot find a free row code in session %lld", (long long)workshop_id);
}

/*
 * Holds the workshop's row until the transaction ends, so places are counted and given by one
 * transaction at a time: a write that changes nothing takes PostgreSQL's row lock (under READ
 * COMMITTED two registrations could otherwise both take the last place); SQLite's BEGIN IMMEDIATE
 * already serialises writers.
 */
static int workshop_lock(struct db *db, int64_t id, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "UPDATE workshops SET capacity = capacity WHERE id = ?1");
	db_bind_int64(st, 1, id);
	int rc = db_step_done(st) < 0
		     ? err_fail(e, ERR_UNAVAILABLE, "cannot lock session %lld: %s", (long long)id, db_errmsg(db))
		     : 0;
	db_finish(st);
	return rc;
}

/* Gives user_id a place (registered up to capacity, then waitlisted): the one path of invite and register. */
static int place(struct db *db, int64_t workshop_id, int64_t user_id, bool invited, int64_t now,
		 enum workshop_status *status, struct err *e)
{
	enum workshop_status got = WS_NONE;
	int capacity = 0, rc;
	bool cancelled = false;
	int64_t ends_at = 0;
	if ((rc = workshop_state(db, workshop_id, &capacity, &cancelled, &ends_at, e)) < 0)
		return rc;
	if (cancelled)
		return err_fail(e, ERR_CONFLICT, "session %lld is cancelled", (long long)workshop_id);
	if (!invited && now >= ends_at)
		return err_fail(e, ERR_CONFLICT, "session %lld is over", (long long)workshop_id);
	struct user u;
	if (user_get(db, user_id, &u) < 0)
		return err_fail(e, ERR_NOTFOUND, "no user %lld", (long long)user_id);
	bool usable = u.active && !u.deleted;
	user_release(&u);
	if (!usable)
		return err_fail(e, ERR_CONFLICT, "user %lld is not active", (long long)user_id);
	bool own;
	if ((rc = txn_begin(db, &own, e)) < 0)
		return rc;
	enum workshop_status now_status = WS_NONE;
	if ((rc = workshop_lock(db, workshop_id, e)) == 0)
		rc = workshop_person_status(db, workshop_id, user_id, &now_status, e);
	if (rc == 0 && (now_status == WS_REGISTERED || now_status == WS_WAITLISTED))
		got = now_status;
	else if (rc == 0) {
		int n = 0;
		if ((rc = registered_count(db, workshop_id, &n, e)) == 0) {
			got = capacity == 0 || n < capacity ? WS_REGISTERED : WS_WAITLISTED;
			rc = now_status == WS_CANCELLED ? set_status(db, workshop_id, user_id, got, invited, now, e)
							: insert_person(db, workshop_id, user_id, got, invited, now, e);
		}
	}
	rc = txn_end(db, own, rc, e);
	if (status)
		*status = rc == 0 ? got : WS_NONE;
	return rc;
}

int workshop_invite(struct db *db, int64_t workshop_id, int64_t user_id, int64_t now, enum workshop_status *status,
		    struct err *e)
{
	return place(db, workshop_id, user_id, true, now, status, e);
}

int workshop_register(struct db *db, int64_t workshop_id, int64_t user_id, int64_t now, enum workshop_status *status,
		      struct err *e)
{
	return place(db, workshop_id, user_id, false, now, status, e);
}

/* Moves the first people of the waiting list up while places are free. */
static int waitlist_move_up(struct db *db, int64_t workshop_id, int capacity, int64_t now, struct err *e)
{
	int n = 0, rc = registered_count(db, workshop_id, &n, e);
	if (rc < 0 || (capacity > 0 && n >= capacity))
		return rc;
	struct db_stmt *st =
	    db_stmt(db, "UPDATE workshop_people SET status = 'registered', since = ?2 "
			"WHERE workshop_id = ?1 AND user_id IN (SELECT user_id FROM workshop_people "
			"WHERE workshop_id = ?1 AND status = 'waitlisted' ORDER BY since, user_id LIMIT ?3)");
	db_bind_int64(st, 1, workshop_id);
	db_bind_int64(st, 2, now);
	/* No limit moves everyone up. */
	db_bind_int64(st, 3, capacity > 0 ? capacity - n : INT32_MAX);
	rc = db_step_done(st) < 0 ? err_fail(e, ERR_UNAVAILABLE, "cannot move the waiting list up: %s", db_errmsg(db))
				  : 0;
	db_finish(st);
	return rc;
}

int workshop_unregister(struct db *db, int64_t workshop_id, int64_t user_id, int64_t now, struct err *e)
{
	int capacity = 0, rc;
	bool cancelled = false;
	int64_t ends_at = 0;
	if ((rc = workshop_state(db, workshop_id, &capacity, &cancelled, &ends_at, e)) < 0)
		return rc;
	bool own;
	if ((rc = txn_begin(db, &own, e)) < 0)
		return rc;
	enum workshop_status s = WS_NONE;
	if ((rc = workshop_lock(db, workshop_id, e)) == 0)
		rc = workshop_person_status(db, workshop_id, user_id, &s, e);
	if (rc == 0 && s != WS_REGISTERED && s != WS_WAITLISTED)
		rc = err_fail(e, ERR_NOTFOUND, "user %lld has no place in session %lld", (long long)user_id,
			      (long long)workshop_id);
	if (rc == 0)
		rc = set_status(db, workshop_id, user_id, WS_CANCELLED, false, now, e);
	if (rc == 0 && s == WS_REGISTERED && !cancelled)
		rc = waitlist_move_up(db, workshop_id, capacity, now, e);
	return txn_end(db, own, rc, e);
}

/* The people of a workshop as read, then named and sorted before the callback. */
struct person_rows {
	struct workshop_person *v;
	size_t n, cap;
};

static int person_named(void *ctx, const struct user_person *p)
{
	struct person_rows *rows = ctx;
	for (size_t i = 0; i < rows->n; i++) {
		struct workshop_person *w = &rows->v[i];
		if (w->user_id != p->id)
			continue;
		w->username = xstrdup(p->username);
		w->full_name = xstrdup(p->full_name);
		w->full_name_km = xstrdup(p->full_name_km);
		w->sex = xstrdup(p->sex);
		w->position = xstrdup(p->position);
		w->org_id = p->org_id;
		break;
	}
	return 0;
}

static int person_cmp(const void *a, const void *b)
{
	const struct workshop_person *x = a, *y = b;
	int c = strcmp(x->full_name ? x->full_name : "", y->full_name ? y->full_name : "");
	if (c == 0)
		c = strcmp(x->username ? x->username : "", y->username ? y->username : "");
	return c != 0 ? c : (x->user_id > y->user_id) - (x->user_id < y->user_id);
}

int workshop_people_list(struct db *db, int64_t workshop_id, int (*fn)(void *ctx, const struct workshop_person *p),
			 void *ctx, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT user_id, status, invited, row_code, since FROM workshop_people "
					 "WHERE workshop_id = ?1 ORDER BY user_id");
	db_bind_int64(st, 1, workshop_id);
	struct person_rows rows = {0};
	int r;
	while ((r = db_step_row(st)) > 0) {
		if (rows.n == rows.cap) {
			rows.cap = rows.cap ? rows.cap * 2 : 32;
			rows.v = xrealloc(rows.v, rows.cap * sizeof *rows.v);
		}
		rows.v[rows.n++] = (struct workshop_person){.user_id = db_col_int64(st, 0),
							    .status = status_parse(db_col_text(st, 1)),
							    .invited = db_col_int(st, 2) != 0,
							    .row_code = xstrdup(db_col_text(st, 3)),
							    .since = db_col_int64(st, 4)};
	}
	db_finish(st);
	int rc = r < 0 ? err_fail(e, ERR_UNAVAILABLE, "cannot list the session's people: %s", db_errstr(db)) : 0;
	int64_t *ids = rows.n ? xmalloc(rows.n * sizeof *ids) : NULL;
	for (size_t i = 0; i < rows.n; i++)
		ids[i] = rows.v[i].user_id;
	if (rc == 0 && users_people(db, ids, rows.n, person_named, &rows, e) < 0)
		rc = ERR_UNAVAILABLE;
	free(ids);
	if (rows.n)
		qsort(rows.v, rows.n, sizeof *rows.v, person_cmp);
	for (size_t i = 0; i < rows.n && rc == 0; i++) {
		struct workshop_person *p = &rows.v[i];
		/* An account gone from users (never, with the foreign keys) still shows with empty names. */
		struct workshop_person shown = *p;
		if (!shown.username)
			shown.username = shown.full_name = shown.full_name_km = shown.sex = shown.position = "";
		rc = fn(ctx, &shown);
	}
	for (size_t i = 0; i < rows.n; i++) {
		struct workshop_person *p = &rows.v[i];
		free((char *)p->username);
		free((char *)p->full_name);
		free((char *)p->full_name_km);
		free((char *)p->sex);
		free((char *)p->position);
		free((char *)p->row_code);
	}
	free(rows.v);
	return rc;
}

int workshop_person_by_row_code(struct db *db, int64_t workshop_id, const char *row_code, int64_t *user_id,
				struct err *e)
{
	/* Typed codes come in any case. */
	char code[16];
	size_t n = 0;
	for (const char *s = row_code ? row_code : ""; *s && n < sizeof code - 1; s++)
		if (*s != ' ' && *s != '-')
			code[n++] = (char)(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
	code[n] = '\0';
	struct db_stmt *st =
	    db_stmt(db, "SELECT user_id FROM workshop_people WHERE workshop_id = ?1 AND row_code = ?2");
	db_bind_int64(st, 1, workshop_id);
	db_bind_text(st, 2, code);
	int r = db_step_row(st);
	*user_id = r > 0 ? db_col_int64(st, 0) : 0;
	db_finish(st);
	if (r < 0)
		return err_fail(e, ERR_UNAVAILABLE, "cannot read the row codes: %s", db_errstr(db));
	if (r == 0)
		return err_fail(e, ERR_NOTFOUND, "no row code '%s' in session %lld", row_code ? row_code : "",
				(long long)workshop_id);
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The places of a batch of people as read: ids[i] has status st[i]. */
struct batch_places {
	int64_t *ids;
	enum workshop_status *st;
	size_t n, cap;
};

static void batch_note(struct batch_places *b, int64_t id, enum workshop_status s)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->ids = xrealloc(b->ids, b->cap * sizeof *b->ids);
		b->st = xrealloc(b->st, b->cap * sizeof *b->st);
	}
	b->ids[b->n] = id;
	b->st[b->n++] = s;
}

static enum workshop_status batch_status(const struct batch_places *b, int64_t id)
{
	for (size_t i = b->n; i-- > 0;)
		if (b->ids[i] == id)
			return b->st[i];
	return WS_NONE;
}

/* Reads the places of ids[0..k) in the workshop into b (which is emptied first). */
static int batch_read(struct db *db, int64_t workshop_id, const int64_t *ids, size_t k, struct batch_places *b,
		      struct buf *sql, struct err *e)
{
	b->n = 0;
	buf_reset(sql);
	buf_puts(sql, "SELECT user_id, status FROM workshop_people WHERE workshop_id = ?1 AND user_id IN (");
	db_params(sql, 2, k);
	buf_puts(sql, ")");
	struct db_stmt *st = db_prepare(db, buf_str(sql));
	db_bind_int64(st, 1, workshop_id);
	for (size_t i = 0; i < k; i++)
		db_bind_int64(st, (int)i + 2, ids[i]);
	int r;
	while ((r = db_step_row(st)) > 0)
		batch_note(b, db_col_int64(st, 0), status_parse(db_col_text(st, 1)));
	db_finish(st);
	return r < 0 ? err_fail(e, ERR_UNAVAILABLE, "cannot read the places: %s", db_errstr(db)) : 0;
}

int workshop_invite_many(struct db *db, int64_t workshop_id, const int64_t *ids, size_t n, int64_t now, int *registered,
			 int *waitlisted, struct err *e)
{
	int capacity = 0, reg = 0, wait = 0, taken = 0, rc;
	bool cancelled = false, own;
	int64_t ends_at = 0;
	if ((rc = workshop_state(db, workshop_id, &capacity, &cancelled, &ends_at, e)) < 0)
		return rc;
	if (cancelled)
		return err_fail(e, ERR_CONFLICT, "session %lld is cancelled", (long long)workshop_id);
	if ((rc = txn_begin(db, &own, e)) < 0)
		return rc;
	if ((rc = workshop_lock(db, workshop_id, e)) == 0)
		rc = registered_count(db, workshop_id, &taken, e);
	struct batch_places b = {0};
	struct buf sql = BUF_INIT;
	for (size_t at = 0; at < n && rc == 0; at += DB_BATCH) {
		size_t k = n - at < DB_BATCH ? n - at : DB_BATCH;
		if ((rc = batch_read(db, workshop_id, ids + at, k, &b, &sql, e)) < 0)
			break;
		for (size_t i = at; i < at + k && rc == 0; i++) {
			enum workshop_status before = batch_status(&b, ids[i]);
			if (before == WS_REGISTERED || before == WS_WAITLISTED)
				continue;
			enum workshop_status s = capacity == 0 || taken < capacity ? WS_REGISTERED : WS_WAITLISTED;
			rc = before == WS_CANCELLED ? set_status(db, workshop_id, ids[i], s, true, now, e)
						    : insert_person(db, workshop_id, ids[i], s, true, now, e);
			if (rc < 0)
				break;
			batch_note(&b, ids[i], s); /* the same id again later in the list changes nothing */
			taken += s == WS_REGISTERED;
			reg += s == WS_REGISTERED;
			wait += s == WS_WAITLISTED;
		}
	}
	free(b.ids);
	free(b.st);
	buf_release(&sql);
	rc = txn_end(db, own, rc, e);
	if (registered)
		*registered = rc == 0 ? reg : 0;
	if (waitlisted)
		*waitlisted = rc == 0 ? wait : 0;
	return rc;
}

int workshop_invite_org(struct db *db, int64_t workshop_id, int64_t org_id, int64_t now, int *registered,
			int *waitlisted, struct err *e)
{
	int64_t *ids = NULL;
	size_t n = 0;
	if (users_in_org_subtree(db, org_id, true, &ids, &n, e) < 0)
		return ERR_INVALID;
	/* In id order: the people added first get the places first. */
	qsort(ids, n, sizeof *ids, id_cmp);
	int rc = workshop_invite_many(db, workshop_id, ids, n, now, registered, waitlisted, e);
	free(ids);
	return rc;
}

/* "HH:MM" as seconds after midnight; -1 when malformed. */
static int clock_parse(const char *s, size_t len)
{
	if (len != 5 || s[2] != ':')
		return -1;
	for (size_t i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	return h > 23 || m > 59 ? -1 : h * 3600 + m * 60;
}

int workshop_day_parts(const char *date, const char *start, const char *end, struct workshop_day *d, struct err *e)
{
	int64_t midnight;
	if (!date || strlen(date) != 10 || date_parse(date, &midnight) < 0)
		return err_fail(e, ERR_INVALID, "'%s' is not a date (YYYY-MM-DD)", date ? date : "");
	int a = start ? clock_parse(start, strlen(start)) : -1, b = end ? clock_parse(end, strlen(end)) : -1;
	if (a < 0)
		return err_fail(e, ERR_INVALID, "'%s' is not a time (HH:MM)", start ? start : "");
	if (b < 0)
		return err_fail(e, ERR_INVALID, "'%s' is not a time (HH:MM)", end ? end : "");
	if (b <= a)
		return err_fail(e, ERR_INVALID, "on %s the end %s is not after the start %s", date, end, start);
	d->starts_at = midnight + a - WORKSHOP_TZ_OFFSET;
	d->ends_at = midnight + b - WORKSHOP_TZ_OFFSET;
	return 0;
}

int workshop_day_parse(const char *s, struct workshop_day *d, struct err *e)
{
	/* "YYYY-MM-DD HH:MM-HH:MM": 22 characters. */
	if (!s || strlen(s) != 22 || (s[10] != ' ' && s[10] != 'T') || s[16] != '-')
		return err_fail(e, ERR_INVALID, "'%s' is not a day (YYYY-MM-DD HH:MM-HH:MM)", s ? s : "");
	char date[11], start[6], end[6];
	memcpy(date, s, 10);
	date[10] = '\0';
	memcpy(start, s + 11, 5);
	start[5] = '\0';
	memcpy(end, s + 17, 5);
	end[5] = '\0';
	return workshop_day_parts(date, start, end, d, e);
}

void workshop_day_format(const struct workshop_day *d, char *out, size_t outlen)
{
	char date[11];
	int64_t s = d->starts_at + WORKSHOP_TZ_OFFSET, t = d->ends_at + WORKSHOP_TZ_OFFSET;
	date_ymd(s, date);
	int a = (int)(((s % 86400) + 86400) % 86400), b = (int)(((t % 86400) + 86400) % 86400);
	snprintf(out, outlen, "%s %02d:%02d-%02d:%02d", date, a / 3600, a % 3600 / 60, b / 3600, b % 3600 / 60);
}
