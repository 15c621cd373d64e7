/*
 * The ways of marking attendance besides the trainer's page (training/attendance.h records every mark):
 * QR self check-in with a signed code per workshop day, the sign-in sheet keyed in by row code, and the
 * import of marks typed elsewhere (sala attendance import). docs/training.md describes them.
 *
 * A check-in code binds a workshop id, a day and an expiry (the day's end plus the margin) under a MAC
 * (libsodium crypto_auth, HMAC-SHA-512-256) whose key is derived (crypto_kdf, context "checkin_") from the
 * site's signing key (certificates/cert.h, SALA_KEY / --key): no second secret, and a code cannot be
 * forged, altered, moved to another workshop or day, or used after its day. Its text is
 * "W.D.E.MAC": decimal workshop id, day and expiry (Unix seconds), and the MAC in unpadded base64url.
 *
 * Check-in is open from a day's start less the margin to its end plus the margin: the site setting
 * checkin_margin_minutes (lib/settings.h, default 30).
 * Error codes: those of lib/err.h.
 */
#ifndef SALA_CHECKIN_H
#define SALA_CHECKIN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/err.h"
#include "training/attendance.h"

/* Room for a code with its NUL: three numbers of up to 20 digits, three dots, 43 characters of MAC. */
#define CHECKIN_CODE_SIZE 128

/* The setting checkin_margin_minutes in seconds (the default when unset). */
int64_t checkin_margin(struct db *db);

/*
 * The check-in code of day of workshop_id into out. 0; ERR_NOTFOUND (no such workshop or day);
 * ERR_CONFLICT (the workshop is cancelled); ERR_UNAVAILABLE when the signing key cannot be loaded
 * (the message names the key file).
 */
int checkin_code_make(struct db *db, int64_t workshop_id, int day, char out[CHECKIN_CODE_SIZE], struct err *e);

/* Why a check-in was refused, for a message in the reader's language. */
enum checkin_outcome {
	CHECKIN_OK,
	CHECKIN_BAD_CODE,	/* malformed, forged or altered (ERR_INVALID) */
	CHECKIN_NO_SESSION,	/* signed, but the workshop or the day is gone (ERR_NOTFOUND) */
	CHECKIN_CANCELLED,	/* the workshop is cancelled (ERR_CONFLICT) */
	CHECKIN_TOO_EARLY,	/* before the day's window opens (ERR_CONFLICT) */
	CHECKIN_TOO_LATE,	/* after the day's window closed (ERR_CONFLICT) */
	CHECKIN_OTHER_DAY,	/* the code of another day of the workshop, whose window is open now (ERR_CONFLICT) */
	CHECKIN_NOT_REGISTERED, /* the person has no place in the workshop (ERR_FORBIDDEN) */
	CHECKIN_ALREADY,	/* already marked present for that day (ERR_CONFLICT) */
	CHECKIN_UNAVAILABLE	/* the key or the database could not be read (ERR_UNAVAILABLE) */
};

/* What checkin_self() and checkin_code_check() found. */
struct checkin_result {
	enum checkin_outcome outcome;
	int64_t workshop_id; /* the code's, when its MAC holds */
	int day;
	int open_day;		     /* CHECKIN_OTHER_DAY: the day whose window is open now */
	int64_t opens_at, closes_at; /* the code's day's window */
	char title[256];	     /* the workshop's title (may be cut short), "" when unknown */
};

/*
 * Checks code for user_id at now without recording anything: everything checkin_self() checks (the
 * outcome is CHECKIN_OK when a check-in would be recorded). The return and e as checkin_self().
 */
int checkin_code_check(struct db *db, const char *code, int64_t user_id, int64_t now, struct checkin_result *res,
		       struct err *e);
/*
 * QR self check-in: marks user_id present (method qr, marked by themselves) for the code's day, in one
 * transaction of its own. Refused, changing nothing, when the code is malformed or its MAC does not hold,
 * the workshop is cancelled, now is outside the day's window, the person is not registered, or they are
 * already marked present for that day. 0, or the error code of res->outcome (see the enum) with an
 * English message in e.
 */
int checkin_self(struct db *db, const char *code, int64_t user_id, int64_t now, struct checkin_result *res,
		 struct err *e);

/* One mark keyed in from a sign-in sheet. */
struct sheet_mark {
	const char *row_code; /* as typed: spaces around it and letter case do not matter */
	enum attendance_status status;
};
/*
 * Records the marks of day of workshop_id keyed in from its sign-in sheet (method sheet, marked by
 * marker), all or nothing in one transaction. Refused (ERR_INVALID, nothing recorded) when a row code is
 * unknown, belongs to someone without a place, or is given twice with different statuses: the codes are
 * appended to unknown, not_registered and twice (each may be NULL), comma-separated, and e says so.
 * ERR_NOTFOUND for no such workshop or day, ERR_CONFLICT for a cancelled workshop. *recorded (may be
 * NULL) gets the number of people marked.
 */
int checkin_sheet_keyin(struct db *db, int64_t workshop_id, int day, const struct sheet_mark *marks, size_t n,
			int64_t marker, int64_t now, int *recorded, struct buf *unknown, struct buf *not_registered,
			struct buf *twice, struct err *e);

/*
 * sala attendance import: marks from CSV with the header session_id,username,date,status (date the
 * YYYY-MM-DD of one of the session's days in Cambodia's time, status present, absent or excused),
 * recorded with method import. All or nothing: every bad row is added to pr as "NAME:LINE: reason"
 * (unknown session, cancelled session, unknown user, not registered, not a day of the session, bad
 * status, duplicate row) and nothing is recorded. *added gets the number of marks recorded.
 */
int attendance_import_csv(struct db *db, const char *name, const char *data, size_t len, struct problems *pr,
			  int *added, struct err *e);

/*
 * The day of w (from 1) whose check-in window holds t, given the margin in seconds; 0 when none. A
 * helper for pages that pick "today's" day.
 */
struct workshop;
int checkin_day_at(const struct workshop *w, int64_t t, int64_t margin);

/* The date of t in Cambodia's time (WORKSHOP_TZ_OFFSET) as YYYY-MM-DD: the dates of sheets and imports. */
void checkin_local_date(int64_t t, char out[11]);

#endif
