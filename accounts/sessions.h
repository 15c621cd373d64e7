/*
 * Login sessions. The cookie carries 32 random bytes (64 hex digits); the
 * database keeps only their SHA-256. Sessions expire when idle and absolutely.
 */
#ifndef SALA_SESSIONS_H
#define SALA_SESSIONS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/err.h"

struct user; /* accounts/users.h */

#define SESSION_IDLE_S (12 * 3600)
#define SESSION_MAX_S (7 * 86400)
/*
 * Login throttling (table login_failures, docs/accounts.md). Failures are
 * counted per account at one client address ("acct:ADDRESS USERNAME") and per
 * address across all accounts ("addr:ADDRESS"), never per account alone, so a
 * stranger elsewhere cannot lock an official out. After LOGIN_FREE_FAILURES
 * failures of one account at one address, each further attempt there waits
 * LOGIN_DELAY_FIRST_S, doubled for every further failure, at most
 * LOGIN_DELAY_MAX_S; those failures are forgotten after LOGIN_PAIR_WINDOW_S. An
 * address gets LOGIN_MAX_PER_ADDRESS failures within LOGIN_WINDOW_S.
 */
#define LOGIN_FREE_FAILURES 5
#define LOGIN_DELAY_FIRST_S 60
#define LOGIN_DELAY_MAX_S (15 * 60)
#define LOGIN_PAIR_WINDOW_S (60 * 60)
#define LOGIN_MAX_PER_ADDRESS 30
#define LOGIN_WINDOW_S (15 * 60)

struct session {
	int64_t user_id;
	char csrf[65];
};

/* Creates a session: token and csrf get 64 hex digits each. */
int session_create(struct db *db, int64_t user_id, char token[65], char csrf[65], struct err *e);
/* Finds a live session by cookie token and touches it; -1 when none or expired. */
int session_lookup(struct db *db, const char *token, struct session *s);
/*
 * session_lookup() and user_get() in one query: the live session of token and its user (with roles and
 * org unit), touched as session_lookup() does. Fills s and u (release u with user_release(), also
 * after -1, which it leaves empty). -1 when there is no live session of an active user.
 */
int session_user_lookup(struct db *db, const char *token, struct session *s, struct user *u);
/* Ends the session of a cookie token; -1 when the delete failed (the session may still be alive). */
int session_destroy(struct db *db, const char *token);
/*
 * Ends every session of user_id except the one whose cookie token is keep
 * (NULL ends them all). 0, or -1 with a message: the caller must then not
 * report the change as done, since old sessions would stay alive.
 */
int sessions_end_user(struct db *db, int64_t user_id, const char *keep, struct err *e);
/* Deletes expired sessions and old login failures. */
void sessions_sweep(struct db *db);

/* The results of login_attempt(): success or a shared code of lib/err.h. */
enum login_result {
	LOGIN_OK = 0,
	LOGIN_BAD = ERR_INVALID,       /* no such active user, or a wrong password */
	LOGIN_THROTTLED = ERR_LIMIT,   /* too many recent failures: *retry_after_s says how long to wait */
	LOGIN_ERROR = ERR_UNAVAILABLE, /* the attempt could not be recorded (the database failed) */
};
/*
 * Checks a username and password, throttled as above. The attempt is counted
 * before the password is checked, in the same write transaction that checks
 * the limits, so attempts sent at once cannot pass them; a throttled attempt
 * checks no password, records nothing and sets *retry_after_s (seconds until
 * the next attempt is allowed; retry_after_s may be NULL). On success *user_id
 * is set and the failures of this account at this address are cleared.
 * LOGIN_ERROR: the attempt could not be recorded (nothing was checked).
 */
enum login_result login_attempt(struct db *db, const char *username, const char *password, const char *address,
				int64_t *user_id, int64_t *retry_after_s);
/* After LOGIN_ERROR: why, in words (borrowed until the thread's next login attempt). */
const char *login_error_reason(void);
/* Failed logins since the process started (wrong name or password; refused while throttled), for /metrics. */
void login_failure_counts(unsigned long long *bad, unsigned long long *throttled);

/* One throttle record: an account at an address, or an address. */
struct throttle_entry {
	char address[64];
	char username[260]; /* "" for an address record */
	int64_t failures;   /* counted now (see the windows above) */
	int64_t wait_s;	    /* seconds until the next attempt is allowed; 0 when not limited */
};
/*
 * The throttle records, addresses first; only those limited now unless all.
 * *out is an array of *n entries the caller frees. -1 with a message on failure.
 */
int throttle_list(struct db *db, bool all, struct throttle_entry **out, size_t *n, struct err *e);
/*
 * Clears throttle records: of the account username (at every address, or at
 * address), of address (the address's own record and every account there), or,
 * with both NULL, all of them. *removed counts the failures deleted.
 */
int throttle_clear(struct db *db, const char *username, const char *address, int64_t *removed, struct err *e);

#endif
