/* QR self check-in, keyed-in sign-in sheets and the CSV import of attendance (training/checkin.h). */
#include "training/checkin.h"

#include <ctype.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "accounts/users.h"
#include "certificates/cert.h"
#include "lib/csv.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "training/workshops.h"

#define MAC_B64_LEN 43 /* 32 bytes, unpadded base64url */
#define KDF_CONTEXT "checkin_"
#define KDF_SUBKEY_ID 1
#define MAC_DOMAIN "sala-checkin-1"

int64_t checkin_margin(struct db *db)
{
	char *v = setting_value(db, "checkin_margin_minutes");
	char *end;
	long long m = strtoll(v, &end, 10);
	if (end == v || *end || m < 0)
		m = 30;
	free(v);
	return (int64_t)m * 60;
}

void checkin_local_date(int64_t t, char out[11])
{
	time_t tt = (time_t)(t + WORKSHOP_TZ_OFFSET);
	struct tm tm;
	gmtime_r(&tt, &tm);
	if (strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		snprintf(out, 11, "?");
}

int checkin_day_at(const struct workshop *w, int64_t t, int64_t margin)
{
	for (int i = 0; i < w->ndays; i++)
		if (t >= w->days[i].starts_at - margin && t <= w->days[i].ends_at + margin)
			return w->days[i].day;
	return 0;
}

static const struct workshop_day *day_of(const struct workshop *w, int day)
{
	for (int i = 0; i < w->ndays; i++)
		if (w->days[i].day == day)
			return &w->days[i];
	return NULL;
}

/* The MAC key: derived from the site's signing key, so the one key file is the one secret. */
static int mac_key(struct db *db, unsigned char key[crypto_auth_KEYBYTES], struct err *e)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES], seed[crypto_sign_SEEDBYTES];
	struct err ke;
	if (cert_key_load(db, sk, pk, &ke) < 0)
		return err_fail(e, ERR_UNAVAILABLE, "check-in codes cannot be made or checked: %s", ke.msg);
	crypto_sign_ed25519_sk_to_seed(seed, sk);
	sodium_memzero(sk, sizeof sk);
	int rc = crypto_kdf_derive_from_key(key, crypto_auth_KEYBYTES, KDF_SUBKEY_ID, KDF_CONTEXT, seed);
	sodium_memzero(seed, sizeof seed);
	return rc == 0 ? 0 : err_fail(e, ERR_FAIL, "cannot derive the check-in key");
}

static void mac_of(const unsigned char key[crypto_auth_KEYBYTES], int64_t wid, int day, int64_t exp,
		   unsigned char mac[crypto_auth_BYTES])
{
	char msg[128];
	int n = snprintf(msg, sizeof msg, MAC_DOMAIN ":%" PRId64 ":%d:%" PRId64, wid, day, exp);
	crypto_auth(mac, (const unsigned char *)msg, (unsigned long long)n, key);
}

int checkin_code_make(struct db *db, int64_t workshop_id, int day, char out[CHECKIN_CODE_SIZE], struct err *e)
{
	struct workshop w;
	int rc = workshop_get(db, workshop_id, &w, e);
	if (rc < 0)
		return rc;
	const struct workshop_day *d = day_of(&w, day);
	if (!d)
		rc = err_fail(e, ERR_NOTFOUND, "session %" PRId64 " has no day %d", workshop_id, day);
	else if (w.cancelled_at)
		rc = err_fail(e, ERR_CONFLICT, "session %" PRId64 " is cancelled", workshop_id);
	int64_t exp = d ? d->ends_at + checkin_margin(db) : 0;
	workshop_free(&w);
	if (rc < 0)
		return rc;
	unsigned char key[crypto_auth_KEYBYTES], mac[crypto_auth_BYTES];
	if ((rc = mac_key(db, key, e)) < 0)
		return rc;
	mac_of(key, workshop_id, day, exp, mac);
	sodium_memzero(key, sizeof key);
	char b64[MAC_B64_LEN + 1];
	sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(out, CHECKIN_CODE_SIZE, "%" PRId64 ".%d.%" PRId64 ".%s", workshop_id, day, exp, b64);
	return 0;
}

/* A canonical decimal (no sign, no leading zero, at most 18 digits) from *p up to stop; -1 when not. */
static int64_t number_at(const char **p, char stop)
{
	const char *s = *p;
	size_t n = 0;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0 || n > 18 || (n > 1 && s[0] == '0') || s[n] != stop)
		return -1;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	*p = s + n + (stop ? 1 : 0);
	return v;
}

/* Parses and authenticates a code: 0 with the parts, or -1 (malformed, forged or altered). */
static int code_parse(const unsigned char key[crypto_auth_KEYBYTES], const char *code, int64_t *wid, int *day,
		      int64_t *exp)
{
	if (!code || strlen(code) >= CHECKIN_CODE_SIZE)
		return -1;
	const char *p = code;
	int64_t w = number_at(&p, '.'), d = number_at(&p, '.'), x = number_at(&p, '.');
	if (w <= 0 || d <= 0 || d > WORKSHOP_MAX_DAYS || x <= 0 || strlen(p) != MAC_B64_LEN)
		return -1;
	unsigned char mac[crypto_auth_BYTES];
	size_t n;
	const char *end;
	if (sodium_base642bin(mac, sizeof mac, p, MAC_B64_LEN, NULL, &n, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != sizeof mac || *end)
		return -1;
	char msg[128];
	int len = snprintf(msg, sizeof msg, MAC_DOMAIN ":%" PRId64 ":%d:%" PRId64, w, (int)d, x);
	if (crypto_auth_verify(mac, (const unsigned char *)msg, (unsigned long long)len, key) != 0)
		return -1;
	*wid = w;
	*day = (int)d;
	*exp = x;
	return 0;
}

struct present_find {
	int64_t user_id;
	bool present;
};

static int present_fn(void *ctx, const struct attendance_mark_row *m)
{
	struct present_find *f = ctx;
	if (m->user_id == f->user_id && m->status == ATT_PRESENT)
		f->present = true;
	return 0;
}

static int refuse(struct checkin_result *res, enum checkin_outcome o, int code, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int refuse(struct checkin_result *res, enum checkin_outcome o, int code, struct err *e, const char *fmt, ...)
{
	res->outcome = o;
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Everything but the recording: the outcome in res, 0 when a check-in may be recorded. */
static int check(struct db *db, const char *code, int64_t user_id, int64_t now, struct checkin_result *res,
		 struct err *e)
{
	memset(res, 0, sizeof *res);
	unsigned char key[crypto_auth_KEYBYTES];
	int rc = mac_key(db, key, e);
	if (rc < 0) {
		res->outcome = CHECKIN_UNAVAILABLE;
		return rc == ERR_FAIL ? ERR_UNAVAILABLE : rc;
	}
	int64_t exp;
	rc = code_parse(key, code, &res->workshop_id, &res->day, &exp);
	sodium_memzero(key, sizeof key);
	if (rc < 0) {
		res->workshop_id = 0;
		res->day = 0;
		return refuse(res, CHECKIN_BAD_CODE, ERR_INVALID, e,
			      "this check-in code is not valid: it was altered, cut short or not made by this site");
	}
	struct workshop w;
	struct err we;
	rc = workshop_get(db, res->workshop_id, &w, &we);
	if (rc == ERR_NOTFOUND)
		return refuse(res, CHECKIN_NO_SESSION, ERR_NOTFOUND, e, "session %" PRId64 " no longer exists",
			      res->workshop_id);
	if (rc < 0) {
		res->outcome = CHECKIN_UNAVAILABLE;
		return err_fail(e, ERR_UNAVAILABLE, "%s", we.msg);
	}
	snprintf(res->title, sizeof res->title, "%s", w.title ? w.title : "");
	int64_t margin = checkin_margin(db);
	const struct workshop_day *d = day_of(&w, res->day);
	if (w.cancelled_at)
		rc = refuse(res, CHECKIN_CANCELLED, ERR_CONFLICT, e, "session %" PRId64 " is cancelled",
			    res->workshop_id);
	else if (!d)
		rc = refuse(res, CHECKIN_NO_SESSION, ERR_NOTFOUND, e, "session %" PRId64 " no longer has a day %d",
			    res->workshop_id, res->day);
	if (rc < 0) {
		workshop_free(&w);
		return rc;
	}
	res->opens_at = d->starts_at - margin;
	res->closes_at = d->ends_at + margin < exp ? d->ends_at + margin : exp;
	if (now < res->opens_at || now > res->closes_at) {
		res->open_day = checkin_day_at(&w, now, margin);
		if (res->open_day && res->open_day != res->day)
			rc = refuse(res, CHECKIN_OTHER_DAY, ERR_CONFLICT, e,
				    "this is the check-in code of day %d; check-in is open for day %d: scan that "
				    "day's code",
				    res->day, res->open_day);
		else if (now < res->opens_at)
			rc = refuse(res, CHECKIN_TOO_EARLY, ERR_CONFLICT, e, "check-in for day %d has not opened yet",
				    res->day);
		else
			rc = refuse(res, CHECKIN_TOO_LATE, ERR_CONFLICT, e, "check-in for day %d has closed", res->day);
		if (res->outcome != CHECKIN_OTHER_DAY)
			res->open_day = 0;
	}
	workshop_free(&w);
	if (rc < 0)
		return rc;
	enum workshop_status st;
	if (workshop_person_status(db, res->workshop_id, user_id, &st, &we) < 0) {
		res->outcome = CHECKIN_UNAVAILABLE;
		return err_fail(e, ERR_UNAVAILABLE, "%s", we.msg);
	}
	if (st != WS_REGISTERED)
		return refuse(res, CHECKIN_NOT_REGISTERED, ERR_FORBIDDEN, e,
			      "you are not registered for this session: ask the trainer to register you");
	struct present_find f = {.user_id = user_id};
	if (attendance_list(db, res->workshop_id, res->day, present_fn, &f, &we) < 0) {
		res->outcome = CHECKIN_UNAVAILABLE;
		return err_fail(e, ERR_UNAVAILABLE, "%s", we.msg);
	}
	if (f.present)
		return refuse(res, CHECKIN_ALREADY, ERR_CONFLICT, e, "you are already checked in for day %d", res->day);
	res->outcome = CHECKIN_OK;
	return 0;
}

int checkin_code_check(struct db *db, const char *code, int64_t user_id, int64_t now, struct checkin_result *res,
		       struct err *e)
{
	return check(db, code, user_id, now, res, e);
}

int checkin_self(struct db *db, const char *code, int64_t user_id, int64_t now, struct checkin_result *res,
		 struct err *e)
{
	struct err be;
	bool own;
	if (db_join(db, &own, &be) < 0) {
		memset(res, 0, sizeof *res);
		res->outcome = CHECKIN_UNAVAILABLE;
		return err_fail(e, ERR_UNAVAILABLE, "%s", be.msg);
	}
	/*
	 * Checked inside the transaction: on SQLite its write lock makes a second scan wait for the first and
	 * find it; on PostgreSQL two scans at the same instant may both pass and write the same one mark.
	 */
	int rc = check(db, code, user_id, now, res, e);
	if (rc == 0)
		rc = attendance_mark(db, res->workshop_id, user_id, res->day, ATT_PRESENT, ATT_BY_QR, user_id, now, e);
	if (rc == 0 && db_join_commit(db, own, e) < 0)
		rc = ERR_UNAVAILABLE;
	if (rc < 0) {
		if (res->outcome == CHECKIN_OK)
			res->outcome = CHECKIN_UNAVAILABLE;
		db_join_rollback(db, own);
	}
	return rc;
}

/* ---- the sign-in sheet keyed in ------------------------------------------------------------------ */

static void list_add(struct buf *b, const char *s)
{
	if (!b)
		return;
	if (b->len)
		buf_puts(b, ", ");
	buf_puts(b, s);
}

/* The row code as stored: trimmed, upper case; false when empty or too long. */
static bool row_code_norm(const char *in, char *out, size_t size)
{
	while (*in == ' ' || *in == '\t')
		in++;
	size_t n = strlen(in);
	while (n && (in[n - 1] == ' ' || in[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= size)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)toupper((unsigned char)in[i]);
	out[n] = 0;
	return true;
}

int checkin_sheet_keyin(struct db *db, int64_t workshop_id, int day, const struct sheet_mark *marks, size_t n,
			int64_t marker, int64_t now, int *recorded, struct buf *unknown, struct buf *not_registered,
			struct buf *twice, struct err *e)
{
	if (recorded)
		*recorded = 0;
	struct workshop w;
	int rc = workshop_get(db, workshop_id, &w, e);
	if (rc < 0)
		return rc;
	if (w.cancelled_at)
		rc = err_fail(e, ERR_CONFLICT, "session %" PRId64 " is cancelled", workshop_id);
	else if (!day_of(&w, day))
		rc = err_fail(e, ERR_NOTFOUND, "session %" PRId64 " has no day %d", workshop_id, day);
	workshop_free(&w);
	if (rc < 0)
		return rc;
	if (n == 0)
		return err_fail(e, ERR_INVALID, "no marks were given");
	int64_t *ids = xcalloc(n, sizeof *ids);
	char(*codes)[32] = xcalloc(n, sizeof *codes);
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (!row_code_norm(marks[i].row_code, codes[i], sizeof codes[i])) {
			snprintf(codes[i], sizeof codes[i], "%.28s", marks[i].row_code);
			list_add(unknown, codes[i]);
			bad++;
			continue;
		}
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++) {
			if (strcmp(codes[k], codes[i]) != 0)
				continue;
			seen = true;
			if (marks[k].status != marks[i].status) {
				list_add(twice, codes[i]);
				bad++;
			}
		}
		if (seen) {
			ids[i] = -1; /* the same mark again: recorded once */
			continue;
		}
		struct err le;
		rc = workshop_person_by_row_code(db, workshop_id, codes[i], &ids[i], &le);
		if (rc == ERR_NOTFOUND) {
			list_add(unknown, codes[i]);
			bad++;
			continue;
		}
		if (rc < 0) {
			rc = err_fail(e, ERR_UNAVAILABLE, "%s", le.msg);
			goto out;
		}
		enum workshop_status st;
		if ((rc = workshop_person_status(db, workshop_id, ids[i], &st, &le)) < 0) {
			rc = err_fail(e, ERR_UNAVAILABLE, "%s", le.msg);
			goto out;
		}
		if (st != WS_REGISTERED) {
			list_add(not_registered, codes[i]);
			bad++;
		}
	}
	if (bad) {
		rc = err_fail(e, ERR_INVALID, "%d row code%s cannot be recorded: nothing was recorded", bad,
			      bad == 1 ? "" : "s");
		goto out;
	}
	bool own;
	if ((rc = db_join(db, &own, e)) < 0) {
		rc = ERR_UNAVAILABLE;
		goto out;
	}
	int done = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (ids[i] <= 0)
			continue;
		rc = attendance_mark(db, workshop_id, ids[i], day, marks[i].status, ATT_BY_SHEET, marker, now, e);
		done += rc == 0;
	}
	if (rc == 0 && db_join_commit(db, own, e) < 0)
		rc = ERR_UNAVAILABLE;
	if (rc < 0)
		db_join_rollback(db, own);
	else if (recorded)
		*recorded = done;
out:
	free(ids);
	free(codes);
	return rc;
}

/* ---- sala attendance import ---------------------------------------------------------------------- */

enum { COL_SESSION, COL_USERNAME, COL_DATE, COL_STATUS, NCOLS };
static const char *const cols[NCOLS] = {"session_id", "username", "date", "status"};

struct import_row {
	int64_t workshop_id, user_id;
	int day, line;
	enum attendance_status status;
};

/* A workshop read once for every row that names it. */
struct import_ws {
	int64_t id;
	bool found, cancelled;
	int ndays;
	char dates[WORKSHOP_MAX_DAYS][11];
	int days[WORKSHOP_MAX_DAYS];
};

struct import {
	struct db *db;
	const char *name;
	struct problems *pr;
	bool header_seen;
	int col[NCOLS];
	int bad;
	struct import_row *rows;
	size_t nrows, cap;
	struct import_ws *ws;
	size_t nws;
	bool failed; /* a database read failed: e says why */
	struct err e;
};

static struct import_ws *ws_of(struct import *im, int64_t id)
{
	for (size_t i = 0; i < im->nws; i++)
		if (im->ws[i].id == id)
			return &im->ws[i];
	struct workshop w;
	struct err e;
	int rc = workshop_get(im->db, id, &w, &e);
	if (rc < 0 && rc != ERR_NOTFOUND) {
		im->failed = true;
		im->e = e;
		return NULL;
	}
	im->ws = xrealloc(im->ws, (im->nws + 1) * sizeof *im->ws);
	struct import_ws *s = &im->ws[im->nws++];
	memset(s, 0, sizeof *s);
	s->id = id;
	if (rc == 0) {
		s->found = true;
		s->cancelled = w.cancelled_at != 0;
		s->ndays = w.ndays;
		for (int i = 0; i < w.ndays; i++) {
			checkin_local_date(w.days[i].starts_at, s->dates[i]);
			s->days[i] = w.days[i].day;
		}
		workshop_free(&w);
	}
	return s;
}

static const char *field(char **f, size_t n, int col)
{
	return col >= 0 && (size_t)col < n ? f[col] : "";
}

static int import_header(struct import *im, char **f, size_t n, int line)
{
	im->header_seen = true;
	for (int i = 0; i < NCOLS; i++) {
		im->col[i] = csv_column(f, n, cols[i]);
		if (im->col[i] < 0) {
			problem_add(im->pr, im->name, line, "missing column '%s' in the header", cols[i]);
			im->bad++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		char tmp[128];
		snprintf(tmp, sizeof tmp, "%s", f[i]);
		str_trim(tmp);
		bool known = false;
		for (int k = 0; k < NCOLS; k++)
			known |= strcmp(tmp, cols[k]) == 0;
		if (!known) {
			problem_add(im->pr, im->name, line, "unknown column '%s' (the columns are %s,%s,%s,%s)", tmp,
				    cols[0], cols[1], cols[2], cols[3]);
			im->bad++;
		}
	}
	return im->bad ? 1 : 0;
}

static int import_row_fn(char **f, size_t n, int line, void *ctx)
{
	struct import *im = ctx;
	if (!im->header_seen)
		return import_header(im, f, n, line);
	if (n == 1 && !*f[0])
		return 0; /* an empty line */
	char sid[32], uname[256], date[32], status[32];
	snprintf(sid, sizeof sid, "%s", field(f, n, im->col[COL_SESSION]));
	snprintf(uname, sizeof uname, "%s", field(f, n, im->col[COL_USERNAME]));
	snprintf(date, sizeof date, "%s", field(f, n, im->col[COL_DATE]));
	snprintf(status, sizeof status, "%s", field(f, n, im->col[COL_STATUS]));
	str_trim(sid);
	str_trim(uname);
	str_trim(date);
	str_trim(status);
	struct import_row r = {.line = line};
	const char *p = sid;
	r.workshop_id = number_at(&p, 0);
	if (r.workshop_id <= 0) {
		problem_add(im->pr, im->name, line, "session_id '%s' is not a session number", sid);
		im->bad++;
		return 0;
	}
	struct import_ws *ws = ws_of(im, r.workshop_id);
	if (!ws)
		return 1; /* a database error: reported once by the caller */
	bool ok = true;
	if (!ws->found) {
		problem_add(im->pr, im->name, line, "unknown session %s", sid);
		ok = false;
	} else if (ws->cancelled) {
		problem_add(im->pr, im->name, line, "session %s is cancelled", sid);
		ok = false;
	}
	int st = attendance_status_parse(status);
	if (st < 0) {
		problem_add(im->pr, im->name, line, "status '%s' is not present, absent or excused", status);
		ok = false;
	}
	r.status = (enum attendance_status)(st < 0 ? 0 : st);
	int64_t t;
	if (date_parse(date, &t) < 0) {
		problem_add(im->pr, im->name, line, "date '%s' is not a date like 2026-12-07", date);
		ok = false;
	} else if (ws->found) {
		for (int i = 0; i < ws->ndays && !r.day; i++)
			if (strcmp(ws->dates[i], date) == 0)
				r.day = ws->days[i];
		if (!r.day) {
			problem_add(im->pr, im->name, line, "%s is not a day of session %s", date, sid);
			ok = false;
		}
	}
	struct user u;
	if (!*uname || user_get_by_name(im->db, uname, &u) < 0) {
		problem_add(im->pr, im->name, line, "unknown user '%s'", uname);
		ok = false;
	} else {
		r.user_id = u.id;
		user_release(&u);
		enum workshop_status ps = WS_NONE;
		struct err pe;
		if (ws->found && workshop_person_status(im->db, r.workshop_id, r.user_id, &ps, &pe) < 0) {
			im->failed = true;
			im->e = pe;
			return 1;
		}
		if (ws->found && ps != WS_REGISTERED) {
			problem_add(im->pr, im->name, line, "'%s' is not registered for session %s", uname, sid);
			ok = false;
		}
	}
	if (!ok) {
		im->bad++;
		return 0;
	}
	if (im->nrows == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 64;
		im->rows = xrealloc(im->rows, im->cap * sizeof *im->rows);
	}
	im->rows[im->nrows++] = r;
	return 0;
}

static int row_key_cmp(const void *a, const void *b)
{
	const struct import_row *x = a, *y = b;
	if (x->workshop_id != y->workshop_id)
		return x->workshop_id < y->workshop_id ? -1 : 1;
	if (x->user_id != y->user_id)
		return x->user_id < y->user_id ? -1 : 1;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return x->line - y->line;
}

struct dup {
	int line, first;
};

static int dup_cmp(const void *a, const void *b)
{
	return ((const struct dup *)a)->line - ((const struct dup *)b)->line;
}

/*
 * Rows that repeat an earlier row's session, person and day, reported in line order with the line they
 * repeat: sorted once, so a file of many rows is checked in n log n.
 */
static void import_duplicates(struct import *im)
{
	if (im->nrows < 2)
		return;
	struct import_row *v = xmalloc(im->nrows * sizeof *v);
	memcpy(v, im->rows, im->nrows * sizeof *v);
	qsort(v, im->nrows, sizeof *v, row_key_cmp);
	struct dup *d = xmalloc(im->nrows * sizeof *d);
	size_t nd = 0;
	for (size_t i = 1, first = 0; i < im->nrows; i++) {
		if (v[i].workshop_id != v[first].workshop_id || v[i].user_id != v[first].user_id ||
		    v[i].day != v[first].day) {
			first = i; /* another session, person or day */
			continue;
		}
		d[nd++] = (struct dup){v[i].line, v[first].line};
	}
	qsort(d, nd, sizeof *d, dup_cmp);
	for (size_t i = 0; i < nd; i++)
		problem_add(im->pr, im->name, d[i].line, "duplicate row: the same session, user and date as line %d",
			    d[i].first);
	im->bad += (int)nd;
	free(d);
	free(v);
}

int attendance_import_csv(struct db *db, const char *name, const char *data, size_t len, struct problems *pr,
			  int *added, struct err *e)
{
	struct import im = {.db = db, .name = name, .pr = pr};
	int rc = -1;
	*added = 0;
	if (csv_parse_mem(name, data, len, import_row_fn, &im, e) < 0)
		goto out;
	if (im.failed) {
		rc = err_fail(e, ERR_UNAVAILABLE, "%s: %s: nothing imported", name, im.e.msg);
		goto out;
	}
	import_duplicates(&im);
	if (!im.header_seen) {
		rc = err_fail(e, ERR_INVALID, "%s:1: empty file: expected the header session_id,username,date,status",
			      name);
		goto out;
	}
	if (im.bad) {
		rc = err_fail(e, ERR_INVALID, "%s: %d bad row%s: nothing imported", name, im.bad,
			      im.bad == 1 ? "" : "s");
		goto out;
	}
	bool own;
	if (db_join(db, &own, e) < 0)
		goto out;
	int64_t now = now_s();
	for (size_t i = 0; i < im.nrows; i++) {
		const struct import_row *r = &im.rows[i];
		struct err me;
		if (attendance_mark(db, r->workshop_id, r->user_id, r->day, r->status, ATT_BY_IMPORT, 0, now, &me) <
		    0) {
			db_join_rollback(db, own);
			rc = err_fail(e, ERR_FAIL, "%s:%d: %s: nothing imported", name, r->line, me.msg);
			goto out;
		}
	}
	if (db_join_commit(db, own, e) < 0)
		goto out;
	*added = (int)im.nrows;
	rc = 0;
out:
	free(im.rows);
	free(im.ws);
	return rc;
}
