#include "accounts/sessions.h"

#include <stdio.h>
#include <string.h>

#include "accounts/users.h"
#include "lib/db.h"
#include "lib/util.h"

static void token_key(const char *token, char out[65])
{
	sha256_hex(token, strlen(token), out);
}

int session_create(sqlite3 *db, int64_t user_id, char token[65], char csrf[65], struct err *e)
{
	char key[65];
	random_token(32, token);
	random_token(32, csrf);
	token_key(token, key);
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO sessions(token_hash, user_id, csrf, created_at, last_seen) "
					  "VALUES (?, ?, ?, ?, ?)");
	int64_t now = now_s();
	db_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, user_id);
	db_bind_text(st, 3, csrf);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now);
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

static int touch(sqlite3 *db, void *arg, struct err *e)
{
	const struct touch *t = arg;
	sqlite3_stmt *st = db_stmt(db, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?");
	sqlite3_bind_int64(st, 1, t->now);
	db_bind_text(st, 2, t->key);
	int rc = db_step_done(st) == 0 ? 0 : err_set(e, "cannot touch the session");
	db_finish(st);
	return rc;
}

int session_lookup(sqlite3 *db, const char *token, struct session *s)
{
	if (!token || strlen(token) != 64)
		return -1;
	char key[65];
	token_key(token, key);
	int64_t now = now_s();
	sqlite3_stmt *st = db_stmt(db, "SELECT s.user_id, s.csrf, s.last_seen FROM sessions s JOIN users u ON "
					  "u.id = s.user_id WHERE s.token_hash = ? AND u.active = 1 AND "
					  "s.created_at > ? AND s.last_seen > ?");
	db_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, now - SESSION_MAX_S);
	sqlite3_bind_int64(st, 3, now - SESSION_IDLE_S);
	int rc = -1;
	int64_t last = 0;
	if (db_step_row(st) > 0) {
		s->user_id = sqlite3_column_int64(st, 0);
		snprintf(s->csrf, sizeof s->csrf, "%s", db_col_text(st, 1));
		last = sqlite3_column_int64(st, 2);
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

void session_destroy(sqlite3 *db, const char *token)
{
	if (!token)
		return;
	char key[65];
	token_key(token, key);
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM sessions WHERE token_hash = ?");
	db_bind_text(st, 1, key);
	if (db_step_done(st) < 0)
		fprintf(stderr, "sala: cannot end a session: %s\n", db_errstr(db));
	db_finish(st);
}

void sessions_sweep(sqlite3 *db)
{
	int64_t now = now_s();
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM sessions WHERE created_at <= ? OR last_seen <= ?");
	sqlite3_bind_int64(st, 1, now - SESSION_MAX_S);
	sqlite3_bind_int64(st, 2, now - SESSION_IDLE_S);
	if (db_step_done(st) < 0)
		fprintf(stderr, "sala: cannot remove expired sessions: %s\n", db_errstr(db));
	db_finish(st);
	st = db_stmt(db, "DELETE FROM login_failures WHERE at <= ?");
	sqlite3_bind_int64(st, 1, now - LOGIN_WINDOW_S);
	if (db_step_done(st) < 0)
		fprintf(stderr, "sala: cannot remove old login failures: %s\n", db_errstr(db));
	db_finish(st);
}

static int64_t failures(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM login_failures WHERE key = ? AND at > ?");
	db_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, now_s() - LOGIN_WINDOW_S);
	int64_t n = db_step_row(st) > 0 ? sqlite3_column_int64(st, 0) : 0;
	db_finish(st);
	return n;
}

static void record_failure(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO login_failures(key, at) VALUES (?, ?)");
	db_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, now_s());
	if (db_step_done(st) < 0)
		fprintf(stderr, "sala: cannot record a failed login: %s\n", db_errstr(db));
	db_finish(st);
}

enum login_result login_check(sqlite3 *db, const char *username, const char *password, const char *address,
			      int64_t *user_id)
{
	char akey[300], ikey[80];
	char lower[256];
	snprintf(lower, sizeof lower, "%s", username ? username : "");
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	snprintf(akey, sizeof akey, "user:%s", lower);
	snprintf(ikey, sizeof ikey, "addr:%s", address ? address : "");
	if (failures(db, akey) >= LOGIN_MAX_PER_ACCOUNT || failures(db, ikey) >= LOGIN_MAX_PER_ADDRESS)
		return LOGIN_THROTTLED;
	sqlite3_stmt *st = db_stmt(db, "SELECT id, password_hash FROM users WHERE username = ? AND active = 1");
	db_bind_text(st, 1, username ? username : "");
	int64_t id = -1;
	char hash[256] = "";
	if (db_step_row(st) > 0) {
		id = sqlite3_column_int64(st, 0);
		snprintf(hash, sizeof hash, "%s", db_col_text(st, 1));
	}
	db_finish(st);
	/* Verify even for unknown users so timing does not reveal which names exist. */
	static const char dummy[] = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
				    "3OQ2qBHqFyWv2bYxYq0PjBk2l1g2cS1G0a1q0lJc1yQ";
	bool ok = password_verify(id >= 0 ? hash : dummy, password ? password : "") && id >= 0;
	if (!ok) {
		record_failure(db, akey);
		record_failure(db, ikey);
		return LOGIN_BAD;
	}
	st = db_stmt(db, "DELETE FROM login_failures WHERE key = ?");
	db_bind_text(st, 1, akey);
	if (db_step_done(st) < 0)
		fprintf(stderr, "sala: cannot clear failed logins: %s\n", db_errstr(db));
	db_finish(st);
	*user_id = id;
	return LOGIN_OK;
}
