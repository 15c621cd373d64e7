/*
 * Login sessions. The cookie carries 32 random bytes (64 hex digits); the
 * database keeps only their SHA-256. Sessions expire when idle and absolutely.
 */
#ifndef SALA_SESSIONS_H
#define SALA_SESSIONS_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

#define SESSION_IDLE_S (12 * 3600)
#define SESSION_MAX_S (7 * 86400)
/* Failed logins allowed per account and per address within LOGIN_WINDOW_S. */
#define LOGIN_MAX_PER_ACCOUNT 5
#define LOGIN_MAX_PER_ADDRESS 30
#define LOGIN_WINDOW_S (15 * 60)

struct session {
	int64_t user_id;
	char csrf[65];
};

/* Creates a session: token and csrf get 64 hex digits each. */
int session_create(sqlite3 *db, int64_t user_id, char token[65], char csrf[65], struct err *e);
/* Finds a live session by cookie token and touches it; -1 when none or expired. */
int session_lookup(sqlite3 *db, const char *token, struct session *s);
void session_destroy(sqlite3 *db, const char *token);
/* Deletes expired sessions and old login failures. */
void sessions_sweep(sqlite3 *db);

enum login_result { LOGIN_OK = 0, LOGIN_BAD = -1, LOGIN_THROTTLED = -2 };
/*
 * Checks a username and password, throttling failures per account and per
 * address. On success *user_id is set and the account's failures are cleared.
 */
enum login_result login_check(sqlite3 *db, const char *username, const char *password, const char *address,
			      int64_t *user_id);
/* Failed logins since the process started (wrong name or password; refused while throttled), for /metrics. */
void login_failure_counts(unsigned long long *bad, unsigned long long *throttled);

#endif
