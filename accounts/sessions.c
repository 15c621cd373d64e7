#include "accounts/sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/users.h"
#include "lib/db.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

static void token_key(const char *token, char out[65])
{
	sha256_hex(token, strlen(token), out);
}

int session_create(struct db *db, int64_t user_id, char token[65], char csrf[65], struct err *e)
{
	char key[65];
	random_token(32, token);
	random_token(32, csrf);
	token_key(token, key);
	struct db_stmt *st = db_stmt(db, "INSERT INTO sessions(token_hash, user_id, csrf, created_at, last_seen) "
					 "VALUES (?, ?, ?, ?, ?)");
	int64_t now = now_s();
	db_bind_text(st, 1, key);
	db_bind_int64(st, 2, user_id);
	db_bind_text(st, 3, csrf);
	db_bind_int64(st, 4, now);
	db_bind_int64(st, 5, now);
	int rc = db_step_done(st);
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot create a session: %s", db_errstr(db));
	return 0;
}

struct touch {
	const char *key;
	int64_t now;
};

static int touch(struct db *db, void *arg, struct err *e)
{
	const struct touch *t = arg;
	struct db_stmt *st = db_stmt(db, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?");
	db_bind_int64(st, 1, t->now);
	db_bind_text(st, 2, t->key);
	int rc = db_step_done(st) == 0 ? 0 : err_set(e, "cannot touch the session");
	db_finish(st);
	return rc;
}

int session_lookup(struct db *db, const char *token, struct session *s)
{
	if (!token || strlen(token) != 64)
		return -1;
	char key[65];
	token_key(token, key);
	int64_t now = now_s();
	struct db_stmt *st = db_stmt(db, "SELECT s.user_id, s.csrf, s.last_seen FROM sessions s JOIN users u ON "
					 "u.id = s.user_id WHERE s.token_hash = ? AND u.active = 1 AND "
					 "s.created_at > ? AND s.last_seen > ?");
	db_bind_text(st, 1, key);
	db_bind_int64(st, 2, now - SESSION_MAX_S);
	db_bind_int64(st, 3, now - SESSION_IDLE_S);
	int rc = -1;
	int64_t last = 0;
	if (db_step_row(st) > 0) {
		s->user_id = db_col_int64(st, 0);
		snprintf(s->csrf, sizeof s->csrf, "%s", db_col_text(st, 1));
		last = db_col_int64(st, 2);
		rc = 0;
	}
	db_finish(st);
	/* Touch at most once a minute, so reading pages rarely writes; touches made at the same
	 * moment by many sessions share one commit. */
	if (rc == 0 && now - last > 60) {
		struct touch t = {key, now};
		db_group_write(db, touch, &t, NULL);
	}
	return rc;
}

int session_user_lookup(struct db *db, const char *token, struct session *s, struct user *u)
{
	if (!token || strlen(token) != 64)
		return -1;
	char key[65];
	token_key(token, key);
	int64_t now = now_s(), last = 0;
	memset(u, 0, sizeof *u);
	if (user_get_by_session(db, key, now - SESSION_MAX_S, now - SESSION_IDLE_S, u, s->csrf, &last) < 0)
		return -1;
	s->user_id = u->id;
	/* As session_lookup(): touch at most once a minute, touches at the same moment share one commit. */
	if (now - last > 60) {
		struct touch t = {key, now};
		db_group_write(db, touch, &t, NULL);
	}
	return 0;
}

int session_destroy(struct db *db, const char *token)
{
	if (!token)
		return 0;
	char key[65];
	token_key(token, key);
	struct db_stmt *st = db_stmt(db, "DELETE FROM sessions WHERE token_hash = ?");
	db_bind_text(st, 1, key);
	int rc = db_step(st);
	db_finish(st);
	return rc == DB_DONE ? 0 : -1;
}

int sessions_end_user(struct db *db, int64_t user_id, const char *keep, struct err *e)
{
	char key[65] = "";
	if (keep)
		token_key(keep, key);
	struct db_stmt *st = db_stmt(db, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, key);
	int rc = db_step(st);
	db_finish(st);
	if (rc != DB_DONE)
		return err_set(e, "cannot end the sessions of user %lld: %s", (long long)user_id, db_errmsg(db));
	return 0;
}

void sessions_sweep(struct db *db)
{
	int64_t now = now_s();
	struct db_stmt *st = db_stmt(db, "DELETE FROM sessions WHERE created_at <= ? OR last_seen <= ?");
	db_bind_int64(st, 1, now - SESSION_MAX_S);
	db_bind_int64(st, 2, now - SESSION_IDLE_S);
	if (db_step_done(st) < 0)
		log_msg(LOG_ERROR, "error", "cannot remove expired sessions: %s", db_errstr(db));
	db_finish(st);
	st = db_stmt(db, "DELETE FROM login_failures WHERE at <= ?");
	db_bind_int64(st, 1, now - (LOGIN_PAIR_WINDOW_S > LOGIN_WINDOW_S ? LOGIN_PAIR_WINDOW_S : LOGIN_WINDOW_S));
	if (db_step_done(st) < 0)
		log_msg(LOG_ERROR, "login", "cannot remove old login failures: %s", db_errstr(db));
	db_finish(st);
}

/* The wait after n failures of one account at one address, counted from the last of them. */
static int64_t pair_delay(int64_t n)
{
	if (n < LOGIN_FREE_FAILURES)
		return 0;
	int64_t d = LOGIN_DELAY_FIRST_S;
	for (int64_t i = LOGIN_FREE_FAILURES; i < n && d < LOGIN_DELAY_MAX_S; i++)
		d *= 2;
	return d < LOGIN_DELAY_MAX_S ? d : LOGIN_DELAY_MAX_S;
}

/* Seconds until an account at an address may try again: n failures, the last at last. */
static int64_t pair_wait(int64_t n, int64_t last, int64_t now)
{
	int64_t free_at = last + pair_delay(n);
	return n >= LOGIN_FREE_FAILURES && free_at > now ? free_at - now : 0;
}

/* Seconds until an address may try again: n failures in the window, the oldest at first. */
static int64_t addr_wait(int64_t n, int64_t first, int64_t now)
{
	int64_t free_at = first + LOGIN_WINDOW_S;
	return n >= LOGIN_MAX_PER_ADDRESS && free_at > now ? free_at - now : 0;
}

struct attempt {
	const char *pkey, *akey; /* "acct:ADDRESS USERNAME", "addr:ADDRESS" */
	int64_t now;
	int64_t wait;	  /* out: > 0 when throttled */
	int64_t addr_row; /* out: the address's record of this attempt */
};

/* Counts failures of key after since: n, the oldest and the newest. */
static int failures(struct db *db, const char *key, int64_t since, int64_t *n, int64_t *first, int64_t *last,
		    struct err *e)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT count(*), min(at), max(at) FROM login_failures WHERE key = ? AND at > ?");
	db_bind_text(st, 1, key);
	db_bind_int64(st, 2, since);
	int rc = db_step(st) == DB_ROW ? 0 : err_set(e, "cannot read login failures: %s", db_errmsg(db));
	if (rc == 0) {
		*n = db_col_int64(st, 0);
		*first = db_col_int64(st, 1);
		*last = db_col_int64(st, 2);
	}
	db_finish(st);
	return rc;
}

static int record_failure(struct db *db, const char *key, int64_t at, int64_t *row, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "INSERT INTO login_failures(key, at) VALUES (?, ?) RETURNING rowid");
	db_bind_text(st, 1, key);
	db_bind_int64(st, 2, at);
	int rc = db_step(st) == DB_ROW ? 0 : err_set(e, "cannot record a login attempt: %s", db_errmsg(db));
	if (rc == 0 && row)
		*row = db_col_int64(st, 0);
	db_finish(st);
	return rc;
}

/* Why the calling thread's last login_attempt() gave LOGIN_ERROR. */
static __thread char login_error[256];

const char *login_error_reason(void)
{
	return login_error;
}

/* Failed logins since the process started, for /metrics. */
static unsigned long long failed_bad, failed_throttled;

void login_failure_counts(unsigned long long *bad, unsigned long long *throttled)
{
	*bad = __atomic_load_n(&failed_bad, __ATOMIC_RELAXED);
	*throttled = __atomic_load_n(&failed_throttled, __ATOMIC_RELAXED);
}

/*
 * Checks both limits and, when neither is reached, records the attempt as a
 * failure of both keys, in one write transaction: the next attempt, however
 * soon, sees this one.
 */
static int attempt_begin(struct db *db, void *arg, struct err *e)
{
	struct attempt *a = arg;
	int64_t n, first, last;
	if (failures(db, a->pkey, a->now - LOGIN_PAIR_WINDOW_S, &n, &first, &last, e) < 0)
		return -1;
	a->wait = pair_wait(n, last, a->now);
	if (failures(db, a->akey, a->now - LOGIN_WINDOW_S, &n, &first, &last, e) < 0)
		return -1;
	int64_t w = addr_wait(n, first, a->now);
	if (w > a->wait)
		a->wait = w;
	if (a->wait > 0)
		return 0;
	if (record_failure(db, a->pkey, a->now, NULL, e) < 0 ||
	    record_failure(db, a->akey, a->now, &a->addr_row, e) < 0)
		return -1;
	return 0;
}

/* After a success: the account's failures at this address go, and this attempt's record of the address. */
static int attempt_ok(struct db *db, void *arg, struct err *e)
{
	struct attempt *a = arg;
	struct db_stmt *st = db_stmt(db, "DELETE FROM login_failures WHERE key = ? OR rowid = ?");
	db_bind_text(st, 1, a->pkey);
	db_bind_int64(st, 2, a->addr_row);
	int rc = db_step(st) == DB_DONE ? 0 : err_set(e, "cannot clear login failures: %s", db_errmsg(db));
	db_finish(st);
	return rc;
}

enum login_result login_attempt(struct db *db, const char *username, const char *password, const char *address,
				int64_t *user_id, int64_t *retry_after_s)
{
	char pkey[400], akey[80];
	char lower[256];
	snprintf(lower, sizeof lower, "%s", username ? username : "");
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	const char *addr = address && *address ? address : "-";
	snprintf(pkey, sizeof pkey, "acct:%.63s %s", addr, lower);
	snprintf(akey, sizeof akey, "addr:%.63s", addr);
	struct attempt a = {.pkey = pkey, .akey = akey, .now = now_s()};
	struct err e;
	if (db_group_write(db, attempt_begin, &a, &e) < 0) {
		log_msg(LOG_ERROR, "login", "%s", e.msg);
		snprintf(login_error, sizeof login_error, "%.250s", e.msg);
		return LOGIN_ERROR;
	}
	if (a.wait > 0) {
		__atomic_fetch_add(&failed_throttled, 1, __ATOMIC_RELAXED);
		if (retry_after_s)
			*retry_after_s = a.wait;
		return LOGIN_THROTTLED;
	}
	struct db_stmt *st =
	    db_stmt(db, "SELECT id, password_hash FROM users WHERE lower(username) = lower(?) AND active = 1");
	db_bind_text(st, 1, username ? username : "");
	int64_t id = -1;
	char hash[256] = "";
	int rc = db_step(st);
	if (rc == DB_ROW) {
		id = db_col_int64(st, 0);
		snprintf(hash, sizeof hash, "%s", db_col_text(st, 1));
	}
	db_finish(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		snprintf(login_error, sizeof login_error, "cannot read the user: %.200s", db_errmsg(db));
		log_msg(LOG_ERROR, "login", "%s", login_error);
		return LOGIN_ERROR;
	}
	/* Verify even for unknown users so timing does not reveal which names exist. */
	static const char dummy[] = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
				    "3OQ2qBHqFyWv2bYxYq0PjBk2l1g2cS1G0a1q0lJc1yQ";
	bool ok = password_verify(id >= 0 ? hash : dummy, password ? password : "") && id >= 0;
	if (!ok) {
		__atomic_fetch_add(&failed_bad, 1, __ATOMIC_RELAXED);
		return LOGIN_BAD; /* the failure was recorded before the check */
	}
	if (db_group_write(db, attempt_ok, &a, &e) < 0)
		log_msg(LOG_ERROR, "login", "%s", e.msg); /* the login stands; the records expire */
	*user_id = id;
	return LOGIN_OK;
}

int throttle_list(struct db *db, bool all, struct throttle_entry **out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	int64_t now = now_s();
	/* Per key: failures in the pair window (and the newest), failures in the address window (and the oldest). */
	struct db_stmt *st = db_stmt(db, "SELECT key, count(*), max(at), sum(CASE WHEN at > ?2 THEN 1 ELSE 0 END), "
					 "min(CASE WHEN at > ?2 THEN at END) FROM login_failures "
					 "WHERE at > ?1 AND substr(key, 1, 5) IN ('acct:', 'addr:') "
					 "GROUP BY key ORDER BY substr(key, 1, 5) DESC, key");
	db_bind_int64(st, 1, now - LOGIN_PAIR_WINDOW_S);
	db_bind_int64(st, 2, now - LOGIN_WINDOW_S);
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *key = db_col_text(st, 0);
		struct throttle_entry t = {0};
		if (str_starts(key, "addr:")) {
			snprintf(t.address, sizeof t.address, "%s", key + 5);
			t.failures = db_col_int64(st, 3);
			t.wait_s = addr_wait(t.failures, db_col_int64(st, 4), now);
		} else {
			const char *sp = strchr(key + 5, ' ');
			if (!sp)
				continue;
			snprintf(t.address, sizeof t.address, "%.*s", (int)(sp - (key + 5)), key + 5);
			snprintf(t.username, sizeof t.username, "%s", sp + 1);
			t.failures = db_col_int64(st, 1);
			t.wait_s = pair_wait(t.failures, db_col_int64(st, 2), now);
		}
		if (!all && t.wait_s == 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = t;
	}
	db_finish(st);
	if (rc != DB_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return err_set(e, "cannot read login failures: %s", db_errmsg(db));
	}
	return 0;
}

int throttle_clear(struct db *db, const char *username, const char *address, int64_t *removed, struct err *e)
{
	char lower[256] = "";
	snprintf(lower, sizeof lower, "%s", username ? username : "");
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	/*
	 * ?1 the username (or NULL), ?2 the address (or NULL); keys are "acct:ADDRESS USERNAME" and "addr:ADDRESS".
	 * An address holds no space, so a key's username is what follows its first space: the key ends in
	 * ' ' || ?1 and the address before it has no space.
	 */
	struct db_stmt *st = db_stmt(
	    db, "DELETE FROM login_failures WHERE "
		"(CAST(?1 AS TEXT) IS NULL AND CAST(?2 AS TEXT) IS NULL) OR "
		"(?1 IS NULL AND key = 'addr:' || ?2) OR "
		"(substr(key, 1, 5) = 'acct:' AND (?2 IS NULL OR substr(key, 6, length(?2) + 1) = ?2 || ' ') AND "
		" (?1 IS NULL OR (substr(key, length(key) - length(?1)) = ' ' || ?1 AND "
		"  replace(substr(key, 6, length(key) - length(?1) - 6), ' ', '') = "
		"  substr(key, 6, length(key) - length(?1) - 6))))");
	db_bind_text(st, 1, username ? lower : NULL);
	db_bind_text(st, 2, address);
	int rc = db_step(st) == DB_DONE ? 0 : err_set(e, "cannot clear login failures: %s", db_errmsg(db));
	if (rc == 0 && removed)
		*removed = db_changes(db);
	db_finish(st);
	return rc;
}
