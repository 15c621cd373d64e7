#define _POSIX_C_SOURCE 200809L
#include "accounts/users.h"

#include <pthread.h>
#include <pwquality.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/sessions.h"
#include "lib/buf.h"
#include "lib/csv.h"
#include "lib/db.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

static const struct {
	const char *name;
	unsigned bit;
} role_names[] = {
    {"learner", ROLE_LEARNER},
    {"trainer", ROLE_TRAINER},
    {"manager", ROLE_MANAGER},
    {"admin", ROLE_ADMIN},
};

int roles_parse(const char *s, unsigned *mask, struct err *e)
{
	*mask = 0;
	char *copy = xstrdup(s ? s : "");
	char *save = NULL;
	int rc = 0;
	for (char *t = strtok_r(copy, ";| ,", &save); t; t = strtok_r(NULL, ";| ,", &save)) {
		unsigned bit = 0;
		for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
			if (strcmp(t, role_names[i].name) == 0)
				bit = role_names[i].bit;
		if (!bit) {
			rc = err_set(e, "unknown role '%s' (learner, trainer, manager, admin)", t);
			break;
		}
		*mask |= bit;
	}
	free(copy);
	if (rc == 0 && *mask == 0)
		*mask = ROLE_LEARNER;
	return rc;
}

/* The role names of mask, in role_names order, joined by sep. */
static void roles_join(unsigned mask, const char *sep, char *out, size_t outlen)
{
	out[0] = '\0';
	for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
		if (!(mask & role_names[i].bit))
			continue;
		size_t len = strlen(out);
		snprintf(out + len, outlen - len, "%s%s", len ? sep : "", role_names[i].name);
	}
}

void roles_format(unsigned mask, char *out, size_t outlen)
{
	roles_join(mask, ", ", out, outlen);
}

/*
 * A user's roles as one integer, the bits of accounts/users.h (ROLE_LEARNER 1, ROLE_TRAINER 2, ROLE_MANAGER 4,
 * ROLE_ADMIN 8), from a subquery over user_roles both engines speak (no group_concat / string_agg); 0 when none.
 */
#define ROLES_MASK(uid)                                                                                                \
	"(SELECT coalesce(sum(CASE role WHEN 'learner' THEN 1 WHEN 'trainer' THEN 2 WHEN 'manager' THEN 4 "            \
	"WHEN 'admin' THEN 8 ELSE 0 END), 0) FROM user_roles r WHERE r.user_id = " uid ")"

/* argon2id with the interactive limits uses 64 MiB per hash: bound how many run at once. */
static sem_t hash_slots;
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;
static void hash_slots_init(void)
{
	sem_init(&hash_slots, 0, 2);
}

int password_hash(const char *pw, char out[crypto_pwhash_STRBYTES], struct err *e)
{
	size_t n = strlen(pw);
	if (n < PASSWORD_MIN)
		return err_set(e, "password is shorter than %d characters", PASSWORD_MIN);
	if (n > PASSWORD_MAX)
		return err_set(e, "password is longer than %d characters", PASSWORD_MAX);
	pthread_once(&hash_once, hash_slots_init);
	db_pool_pause(); /* a hash takes about 60 ms, and the wait for a slot may take longer */
	sem_wait(&hash_slots);
	int rc = crypto_pwhash_str(out, pw, n, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
	sem_post(&hash_slots);
	db_pool_resume();
	if (rc != 0)
		return err_set(e, "cannot hash the password: out of memory");
	return 0;
}

bool password_verify(const char *hash, const char *pw)
{
	size_t n = strlen(pw);
	if (n > PASSWORD_MAX || !hash || !*hash)
		return false;
	pthread_once(&hash_once, hash_slots_init);
	db_pool_pause(); /* a hash takes about 60 ms, and the wait for a slot may take longer */
	sem_wait(&hash_slots);
	bool ok = crypto_pwhash_str_verify(hash, pw, n) == 0;
	sem_post(&hash_slots);
	db_pool_resume();
	return ok;
}

/* The sentences password_check() gives: catalogue keys (server/msgs_accounts.c has their Khmer). */
enum {
	PW_SHORT,
	PW_LONG,
	PW_TEXT,
	PW_DICTIONARY,
	PW_SIMPLE,
	PW_FEW_DIFFERENT,
	PW_USERNAME,
	PW_PALINDROME,
	PW_REPEATS,
	PW_GUESSABLE,
	PW_COUNT
};
const char *const password_problems[PW_COUNT + 1] = {
    [PW_SHORT] = "The password must have at least 10 characters.",
    [PW_LONG] = "The password is too long (at most 256 bytes).",
    [PW_TEXT] = "The password contains characters that cannot be used (control characters or invalid text).",
    [PW_DICTIONARY] = "The password is based on a dictionary word.",
    [PW_SIMPLE] = "The password is too simple or follows a pattern (such as 12345 or abcde).",
    [PW_FEW_DIFFERENT] = "The password does not have enough different characters.",
    [PW_USERNAME] = "The password contains the username.",
    [PW_PALINDROME] = "The password reads the same backwards.",
    [PW_REPEATS] = "The password repeats the same characters too often.",
    [PW_GUESSABLE] = "The password is too easy to guess. Use a longer mix of words, digits and signs.",
    [PW_COUNT] = NULL,
};

/* libpwquality's settings (read-only once made) and a lock: cracklib's checker keeps static state. */
static pwquality_settings_t *pwq;
static pthread_once_t pwq_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t pwq_lock = PTHREAD_MUTEX_INITIALIZER;
static void pwq_init(void)
{
	/* The built-in defaults, not /etc/security/pwquality.conf: the same rule on every server. */
	pwq = pwquality_default_settings();
	/* Length is checked here in characters; pwquality's own minimum counts bytes. */
	pwquality_set_int_value(pwq, PWQ_SETTING_MIN_LENGTH, 6);
}

/* Maps a pwquality result (and cracklib's message for a dictionary failure) to one of our sentences. */
static int pwq_problem(int rc, const char *aux)
{
	switch (rc) {
	case PWQ_ERROR_USER_CHECK:
	case PWQ_ERROR_GECOS_CHECK:
		return PW_USERNAME;
	case PWQ_ERROR_PALINDROME:
		return PW_PALINDROME;
	case PWQ_ERROR_MAX_CONSECUTIVE:
	case PWQ_ERROR_MAX_CLASS_REPEAT:
		return PW_REPEATS;
	case PWQ_ERROR_MAX_SEQUENCE:
		return PW_SIMPLE;
	case PWQ_ERROR_MIN_LENGTH:
	case PWQ_ERROR_EMPTY_PASSWORD:
		return PW_SHORT;
	case PWQ_ERROR_CRACKLIB_CHECK:
		if (aux && strstr(aux, "dictionary"))
			return PW_DICTIONARY;
		if (aux && strstr(aux, "DIFFERENT"))
			return PW_FEW_DIFFERENT;
		if (aux && (strstr(aux, "simplistic") || strstr(aux, "systematic")))
			return PW_SIMPLE;
		if (aux && strstr(aux, "short"))
			return PW_SHORT;
		return PW_GUESSABLE;
	default:
		return PW_GUESSABLE;
	}
}

/* The cheap rules (length, text): everything but the dictionary lookup. */
static int password_check_form(const char *pw, struct err *e)
{
	size_t n = strlen(pw ? pw : "");
	if (n > PASSWORD_MAX)
		return err_set(e, "%s", password_problems[PW_LONG]);
	if (!utf8_valid(pw ? pw : "", n))
		return err_set(e, "%s", password_problems[PW_TEXT]);
	size_t chars = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)pw[i];
		if (c < 0x20 || c == 0x7f)
			return err_set(e, "%s", password_problems[PW_TEXT]);
		chars += (c & 0xc0) != 0x80;
	}
	if (chars < PASSWORD_MIN)
		return err_set(e, "%s", password_problems[PW_SHORT]);
	return 0;
}

int password_check(const char *pw, const char *username, struct err *e)
{
	if (password_check_form(pw, e) < 0)
		return -1;
	pthread_once(&pwq_once, pwq_init);
	if (!pwq)
		return err_set(e, "%s", password_problems[PW_GUESSABLE]);
	void *aux = NULL;
	pthread_mutex_lock(&pwq_lock);
	int rc = pwquality_check(pwq, pw, NULL, username && *username ? username : NULL, &aux);
	pthread_mutex_unlock(&pwq_lock);
	/* aux is a message string only for cracklib's failures (pwquality_strerror's contract). */
	int problem = rc < 0 ? pwq_problem(rc, rc == PWQ_ERROR_CRACKLIB_CHECK ? aux : NULL) : -1;
	if (problem >= 0)
		return err_set(e, "%s", password_problems[problem]);
	return 0;
}

static bool username_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '-' || *p == '@'))
			return false;
	return true;
}

static bool sex_valid(const char *s)
{
	return !strcmp(s, "female") || !strcmp(s, "male") || !strcmp(s, "other") || !strcmp(s, "unspecified");
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static int text_ok(const char *field, const char *v, size_t max, struct err *e)
{
	size_t n = strlen(or_empty(v));
	if (n > max)
		return err_set(e, "%s is longer than %zu bytes", field, max);
	if (!utf8_valid(or_empty(v), n))
		return err_set(e, "%s is not valid UTF-8", field);
	for (const char *p = or_empty(v); *p; p++)
		if ((unsigned char)*p < 0x20)
			return err_set(e, "%s contains a control character", field);
	return 0;
}

/*
 * The checks of one user's fields: the first problem's message goes to e; with fn, every problem is passed
 * to it (the form and the CSV import show them all), without it the checks stop at the first.
 */
struct taken;
struct checks {
	user_problem_fn fn;
	void *ctx;
	struct err *e;
	int n;
	/* An import's lookups, each read once for the whole file (NULL: a query per check). */
	const struct taken *taken;
	const struct org_index *orgs;
};
static bool taken_has(const struct taken *t, const char *name);

/* Records a failed check (its message in one): true when checking stops here. */
static bool check_failed(struct checks *c, const struct err *one)
{
	if (c->n++ == 0 && c->e)
		snprintf(c->e->msg, sizeof c->e->msg, "%s", one->msg);
	if (c->fn)
		c->fn(c->ctx, one->msg);
	return !c->fn;
}

/* strength: the whole password_check(), with its dictionary lookup (slow: CSV imports run it in a pass of its own). */
static int fields_check(struct db *db, const struct user_input *u, bool need_password, bool strength, struct checks *c)
{
	struct err one;
	if ((!u->full_name || !*u->full_name) && err_set(&one, "full_name is empty") && check_failed(c, &one))
		return -1;
	static const struct {
		const char *field;
		size_t max;
	} texts[] = {{"full_name", 200}, {"full_name_km", 200}, {"position", 200}, {"email", 200}, {"phone", 40}};
	const char *values[] = {u->full_name, u->full_name_km, u->position, u->email, u->phone};
	bool email_ok = true;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		if (text_ok(texts[i].field, values[i], texts[i].max, &one) == 0)
			continue;
		email_ok &= values[i] != u->email;
		if (check_failed(c, &one))
			return -1;
	}
	const char *sex = u->sex && *u->sex ? u->sex : "unspecified";
	if (!sex_valid(sex) && err_set(&one, "sex must be female, male, other or unspecified, not '%s'", sex) &&
	    check_failed(c, &one))
		return -1;
	if (!u->org_code || !*u->org_code) {
		if (err_set(&one, "org_code is empty") && check_failed(c, &one))
			return -1;
	} else if ((c->orgs ? org_index_id(c->orgs, u->org_code) : org_id(db, u->org_code)) < 0 &&
		   err_set(&one, "unknown org_code '%s'", u->org_code) && check_failed(c, &one)) {
		return -1;
	}
	if (email_ok && u->email && *u->email && (!strchr(u->email, '@') || strchr(u->email, ' ')) &&
	    err_set(&one, "email '%s' is not an address", u->email) && check_failed(c, &one))
		return -1;
	if (u->lang && *u->lang && strcmp(u->lang, "en") && strcmp(u->lang, "km") &&
	    err_set(&one, "language must be en or km, not '%s'", u->lang) && check_failed(c, &one))
		return -1;
	unsigned mask;
	if (roles_parse(u->roles, &mask, &one) < 0 && check_failed(c, &one))
		return -1;
	if (need_password && !u->password_hash && !u->activation) {
		int rc = strength ? password_check(or_empty(u->password), u->username, &one)
				  : password_check_form(or_empty(u->password), &one);
		if (rc < 0 && check_failed(c, &one))
			return -1;
	}
	return c->n ? -1 : 0;
}

static int fields_validate(struct db *db, const struct user_input *u, bool need_password, struct err *e)
{
	struct checks c = {.e = e};
	return fields_check(db, u, need_password, true, &c);
}

/* The username (new, well formed, not taken), then the other fields. */
static int user_check(struct db *db, const struct user_input *u, bool strength, struct checks *c)
{
	struct err one;
	if (!u->username || !username_valid(u->username)) {
		if (err_set(&one, "invalid username '%s' (2-64 letters, digits, . _ - @)", or_empty(u->username)) &&
		    check_failed(c, &one))
			return -1;
	} else if ((c->taken
			? taken_has(c->taken, u->username)
			: db_int(db, "SELECT 1 FROM users WHERE lower(username) = lower(?)", u->username, NULL, 0)) &&
		   err_set(&one, "username '%s' is already taken", u->username) && check_failed(c, &one)) {
		return -1;
	}
	fields_check(db, u, true, strength, c);
	return c->n ? -1 : 0;
}

static int user_validate_opt(struct db *db, const struct user_input *u, bool strength, struct err *e)
{
	struct checks c = {.e = e};
	return user_check(db, u, strength, &c);
}

int user_problems(struct db *db, const struct user_input *u, bool adding, user_problem_fn fn, void *ctx)
{
	struct checks c = {.fn = fn, .ctx = ctx};
	if (adding)
		user_check(db, u, true, &c);
	else
		fields_check(db, u, false, true, &c);
	return c.n;
}

int user_validate(struct db *db, const struct user_input *u, struct err *e)
{
	return user_validate_opt(db, u, true, e);
}

static int roles_write(struct db *db, int64_t id, const char *roles)
{
	unsigned mask;
	if (roles_parse(roles, &mask, NULL) < 0)
		return -1;
	struct db_stmt *st = db_stmt(db, "DELETE FROM user_roles WHERE user_id = ?");
	db_bind_int64(st, 1, id);
	int done = db_step_done(st);
	db_finish(st);
	if (done < 0)
		return -1;
	for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
		if (!(mask & role_names[i].bit))
			continue;
		st = db_stmt(db, "INSERT INTO user_roles(user_id, role) VALUES (?, ?)");
		db_bind_int64(st, 1, id);
		db_bind_text(st, 2, role_names[i].name);
		int rc = db_step_done(st);
		db_finish(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Inserts a validated user inside the caller's transaction. */
static int64_t user_insert(struct db *db, const struct user_input *u, const char *hash)
{
	struct db_stmt *st =
	    db_stmt(db, "INSERT INTO users(username, password_hash, full_name, full_name_km, sex, "
			"org_id, position, email, phone, lang, is_demo, created_at, must_change_password) "
			"VALUES (?1, ?2, ?3, ?4, ?5, (SELECT id FROM org_units WHERE code = ?6), ?7, ?8, "
			"?9, ?10, ?11, ?12, ?13) RETURNING id");
	db_bind_text(st, 1, u->username);
	db_bind_text(st, 2, hash);
	db_bind_text(st, 3, u->full_name);
	db_bind_text(st, 4, or_empty(u->full_name_km));
	db_bind_text(st, 5, u->sex && *u->sex ? u->sex : "unspecified");
	db_bind_text(st, 6, u->org_code);
	db_bind_text(st, 7, or_empty(u->position));
	db_bind_text(st, 8, or_empty(u->email));
	db_bind_text(st, 9, or_empty(u->phone));
	db_bind_text(st, 10, u->lang && *u->lang ? u->lang : "km");
	db_bind_int(st, 11, u->is_demo);
	db_bind_int64(st, 12, u->created_at ? u->created_at : now_s());
	db_bind_int(st, 13, u->activation); /* no password yet: chosen at the first login */
	int64_t id = db_step(st) == DB_ROW ? db_col_int64(st, 0) : -1;
	db_finish(st);
	if (id < 0)
		return -1;
	return roles_write(db, id, u->roles) < 0 ? -1 : id;
}

int64_t user_add(struct db *db, const struct user_input *u, struct err *e)
{
	if (user_validate(db, u, e) < 0)
		return -1;
	char hash[crypto_pwhash_STRBYTES];
	if (u->password_hash)
		snprintf(hash, sizeof hash, "%s", u->password_hash);
	else if (u->activation)
		hash[0] = '\0'; /* nothing logs in until an activation code is issued */
	else if (password_hash(u->password, hash, e) < 0)
		return -1;
	bool own = !db_in_txn(db);
	if (own && db_begin(db, e) < 0)
		return -1;
	int64_t id = user_insert(db, u, hash);
	if (id < 0) {
		err_set(e, "cannot add user '%s': %s", u->username, db_errmsg(db));
		if (own)
			db_rollback(db);
		return -1;
	}
	if (own && db_commit(db, e) < 0)
		return -1;
	return id;
}

int user_update(struct db *db, int64_t id, const struct user_input *u, struct err *e)
{
	if (fields_validate(db, u, false, e) < 0)
		return -1;
	bool own;
	if (db_join(db, &own, e) < 0)
		return -1;
	struct db_stmt *st = db_stmt(db, "UPDATE users SET full_name = ?1, full_name_km = ?2, sex = ?3, org_id = "
					 "(SELECT id FROM org_units WHERE code = ?4), position = ?5, email = ?6, "
					 "phone = ?7 WHERE id = ?8 AND deleted_at IS NULL");
	db_bind_text(st, 1, u->full_name);
	db_bind_text(st, 2, or_empty(u->full_name_km));
	db_bind_text(st, 3, u->sex && *u->sex ? u->sex : "unspecified");
	db_bind_text(st, 4, u->org_code);
	db_bind_text(st, 5, or_empty(u->position));
	db_bind_text(st, 6, or_empty(u->email));
	db_bind_text(st, 7, or_empty(u->phone));
	db_bind_int64(st, 8, id);
	int rc = db_step_done(st);
	db_finish(st);
	if (rc < 0 || db_changes(db) == 0 || roles_write(db, id, u->roles) < 0) {
		err_set(e, "cannot update user: %s", rc < 0 ? db_errstr(db) : "no such user");
		db_join_rollback(db, own);
		return -1;
	}
	return db_join_commit(db, own, e);
}

/* Writes a hash with the lifecycle flag and ends sessions (but keep_token's), in one transaction. */
static int password_store_hash(struct db *db, int64_t id, const char *hash, bool must_change, const char *keep_token,
			       struct err *e)
{
	bool own;
	if (db_join(db, &own, e) < 0)
		return -1;
	struct db_stmt *st = db_stmt(db, "UPDATE users SET password_hash = ?, must_change_password = ?, "
					 "activation_expires = ? WHERE id = ? AND deleted_at IS NULL");
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, must_change);
	db_bind_int64(st, 3, 0); /* a password, not an activation code */
	db_bind_int64(st, 4, id);
	int rc = db_step(st);
	db_finish(st);
	if (rc != DB_DONE) {
		err_set(e, "cannot save the password: %s", db_errmsg(db));
		db_join_rollback(db, own);
		return -1;
	}
	if (db_changes(db) == 0) {
		err_set(e, "no such user");
		db_join_rollback(db, own);
		return -1;
	}
	/* A new password ends the account's sessions (but the one making the change). */
	if (sessions_end_user(db, id, keep_token, e) < 0) {
		db_join_rollback(db, own);
		return -1;
	}
	return db_join_commit(db, own, e);
}

/*
 * Hashes password (already checked) and stores it with the lifecycle flag, ending the account's
 * sessions but keep_token's, in one transaction; the hash is wiped from memory after.
 */
static int password_store(struct db *db, int64_t id, const char *password, bool must_change, const char *keep_token,
			  struct err *e)
{
	char hash[crypto_pwhash_STRBYTES];
	if (password_hash(password, hash, e) < 0)
		return -1;
	int rc = password_store_hash(db, id, hash, must_change, keep_token, e);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

/* The username of id, for the strength check; -1 with a message when absent or unreadable. */
static int username_of(struct db *db, int64_t id, char *out, size_t len, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT username FROM users WHERE id = ? AND deleted_at IS NULL");
	db_bind_int64(st, 1, id);
	out[0] = '\0';
	int rc = db_step(st);
	if (rc == DB_ROW)
		snprintf(out, len, "%s", db_col_text(st, 0));
	db_finish(st);
	if (rc == DB_ROW)
		return 0;
	return rc == DB_DONE ? err_set(e, "no such user") : err_set(e, "cannot read the user: %s", db_errmsg(db));
}

int user_reset_password(struct db *db, int64_t id, const char *password, bool must_change, struct err *e)
{
	char name[80];
	if (username_of(db, id, name, sizeof name, e) < 0)
		return -1;
	if (password_check(password, name, e) < 0)
		return -1;
	return password_store(db, id, password, must_change, NULL, e);
}

int user_change_password(struct db *db, int64_t id, const char *current, const char *password, const char *keep_token,
			 struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT username, password_hash, activation_expires FROM users WHERE id = ? "
					 "AND active = 1 AND deleted_at IS NULL");
	db_bind_int64(st, 1, id);
	char name[80] = "", hash[crypto_pwhash_STRBYTES] = "";
	int64_t act = 0;
	int step = db_step(st);
	if (step == DB_ROW) {
		snprintf(name, sizeof name, "%s", db_col_text(st, 0));
		snprintf(hash, sizeof hash, "%s", db_col_text(st, 1));
		act = db_col_int64(st, 2);
	}
	db_finish(st);
	if (step == DB_DONE)
		return err_set(e, "no such user");
	if (step != DB_ROW)
		return err_set(e, "cannot read the user: %s", db_errmsg(db));
	/* An outstanding activation code is not a password to confirm with. */
	if (*hash && act == 0 && !password_verify(hash, current ? current : ""))
		return err_set(e, "The current password is not correct.");
	if (password_check(password, name, e) < 0)
		return -1;
	if (*hash && act == 0 && current && strcmp(current, password) == 0)
		return err_set(e, "The new password must be different from the current one.");
	sodium_memzero(hash, sizeof hash); /* the current hash, read above */
	return password_store(db, id, password, false, keep_token, e);
}

int user_update_contact(struct db *db, int64_t id, const char *phone, const char *email, const char *lang,
			struct err *e)
{
	if (text_ok("phone", phone, 40, e) < 0 || text_ok("email", email, 200, e) < 0)
		return -1;
	if (email && *email && (!strchr(email, '@') || strchr(email, ' ')))
		return err_set(e, "email '%s' is not an address", email);
	if (lang && strcmp(lang, "en") && strcmp(lang, "km"))
		return err_set(e, "language must be en or km, not '%s'", lang);
	struct db_stmt *st = db_stmt(db, "UPDATE users SET phone = ?1, email = ?2, lang = coalesce(?3, lang) "
					 "WHERE id = ?4 AND deleted_at IS NULL");
	db_bind_text(st, 1, or_empty(phone));
	db_bind_text(st, 2, or_empty(email));
	db_bind_text(st, 3, lang);
	db_bind_int64(st, 4, id);
	int rc = db_step(st);
	db_finish(st);
	if (rc != DB_DONE)
		return err_set(e, "cannot save the profile: %s", db_errmsg(db));
	if (db_changes(db) == 0)
		return err_set(e, "no such user");
	return 0;
}

/* True when id is the only active administrator left. */
static bool last_admin(struct db *db, int64_t id)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	return db_int(db,
		      "SELECT (SELECT count(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.role = "
		      "'admin' AND u.active = 1 AND u.deleted_at IS NULL) = 1 AND EXISTS (SELECT 1 FROM user_roles r "
		      "JOIN users u ON u.id = r.user_id WHERE r.role = 'admin' AND u.active = 1 AND u.id = ?)",
		      ids, NULL, 0) == 1;
}

int user_set_active(struct db *db, int64_t id, bool active, struct err *e)
{
	if (!active && last_admin(db, id))
		return err_set(e, "cannot disable the last active administrator: give another account the admin "
				  "role first");
	bool own;
	if (db_join(db, &own, e) < 0)
		return -1;
	struct db_stmt *st = db_stmt(db, "UPDATE users SET active = ? WHERE id = ? AND deleted_at IS NULL");
	db_bind_int(st, 1, active);
	db_bind_int64(st, 2, id);
	int rc = db_step(st);
	db_finish(st);
	if (rc != DB_DONE || db_changes(db) == 0) {
		err_set(e, rc != DB_DONE ? "cannot change the account: %s" : "no such user", db_errmsg(db));
		db_join_rollback(db, own);
		return -1;
	}
	/* Disabling ends the sessions; the disable is undone if they cannot be ended. */
	if (!active && sessions_end_user(db, id, NULL, e) < 0) {
		db_join_rollback(db, own);
		return -1;
	}
	return db_join_commit(db, own, e);
}

int user_delete(struct db *db, int64_t id, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT deleted_at IS NOT NULL FROM users WHERE id = ?");
	db_bind_int64(st, 1, id);
	int rc = db_step(st);
	int deleted = rc == DB_ROW ? db_col_int(st, 0) : -1;
	db_finish(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return err_set(e, "cannot read the user: %s", db_errmsg(db));
	if (deleted < 0)
		return err_set(e, "no such user");
	if (deleted)
		return err_set(e, "the account was already deleted");
	if (last_admin(db, id))
		return err_set(e, "cannot delete the last active administrator: give another account the admin "
				  "role first");
	bool own;
	if (db_join(db, &own, e) < 0)
		return -1;
	st = db_stmt(db, "UPDATE users SET username = '#deleted-' || id, full_name = '', full_name_km = '', "
			 "position = '', email = '', phone = '', password_hash = '', active = 0, "
			 "must_change_password = 0, activation_expires = 0, deleted_at = ? WHERE id = ?");
	db_bind_int64(st, 1, now_s());
	db_bind_int64(st, 2, id);
	rc = db_step(st);
	db_finish(st);
	if (rc != DB_DONE) {
		err_set(e, "cannot delete the user: %s", db_errmsg(db));
		db_join_rollback(db, own);
		return -1;
	}
	if (sessions_end_user(db, id, NULL, e) < 0) {
		db_join_rollback(db, own);
		return -1;
	}
	return db_join_commit(db, own, e);
}

static const char code_alphabet[] = ACTIVATION_ALPHABET;

void activation_code_new(char code[ACTIVATION_CODE_LEN + 1])
{
	for (int i = 0; i < ACTIVATION_CODE_LEN; i++)
		code[i] = i == 5 ? '-' : code_alphabet[randombytes_uniform(sizeof code_alphabet - 1)];
	code[ACTIVATION_CODE_LEN] = '\0';
}

bool activation_code_normalise(const char *in, char out[ACTIVATION_CODE_LEN + 1])
{
	int k = 0;
	for (const char *p = in ? in : ""; *p; p++) {
		char c = *p;
		if (c == ' ' || c == '-')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!strchr(code_alphabet, c) || k == 10)
			return false;
		out[k < 5 ? k : k + 1] = c;
		k++;
	}
	if (k != 10)
		return false;
	out[5] = '-';
	out[ACTIVATION_CODE_LEN] = '\0';
	return true;
}

/* Writes a new code's hash for id (valid from now); caller's transaction. */
static int activation_write(struct db *db, int64_t id, const char *hash, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "UPDATE users SET password_hash = ?, must_change_password = 1, "
					 "activation_expires = ? WHERE id = ? AND deleted_at IS NULL");
	db_bind_text(st, 1, hash);
	db_bind_int64(st, 2, now_s() + ACTIVATION_VALID_S);
	db_bind_int64(st, 3, id);
	int rc = db_step(st);
	db_finish(st);
	if (rc != DB_DONE)
		return err_set(e, "cannot save the activation code: %s", db_errmsg(db));
	if (db_changes(db) == 0)
		return err_set(e, "no such user");
	return sessions_end_user(db, id, NULL, e);
}

int user_activation_issue(struct db *db, int64_t id, char code[ACTIVATION_CODE_LEN + 1], struct err *e)
{
	char hash[crypto_pwhash_STRBYTES];
	activation_code_new(code);
	if (password_hash(code, hash, e) < 0)
		return -1;
	bool own;
	if (db_join(db, &own, e) < 0)
		return -1;
	if (activation_write(db, id, hash, e) < 0) {
		db_join_rollback(db, own);
		return -1;
	}
	return db_join_commit(db, own, e);
}

bool user_activation_pending(struct db *db, const char *username)
{
	return db_int(
		   db,
		   "SELECT activation_expires > 0 FROM users WHERE lower(username) = lower(?) AND deleted_at IS NULL",
		   username ? username : "", NULL, 0) == 1;
}

bool user_must_change(struct db *db, int64_t id)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	return db_int(db, "SELECT must_change_password FROM users WHERE id = ?", ids, NULL, 0) == 1;
}

const char *user_login_password(struct db *db, const char *username, const char *pw, char buf[ACTIVATION_CODE_LEN + 1])
{
	if (pw && strlen(pw) <= 32 && user_activation_pending(db, username) && activation_code_normalise(pw, buf))
		return buf;
	return pw;
}

int user_login_finish(struct db *db, int64_t id, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT activation_expires FROM users WHERE id = ?");
	db_bind_int64(st, 1, id);
	int rc = db_step(st);
	int64_t expires = rc == DB_ROW ? db_col_int64(st, 0) : 0;
	db_finish(st);
	if (rc != DB_ROW)
		return err_set(e, "The username or password is not correct.");
	if (expires == 0)
		return 0;
	if (expires <= now_s())
		return err_set(e, "This activation code has expired. Ask your administrator for a new one.");
	/* The code works once: from now on the account has no password until the user chooses one. */
	st = db_stmt(db, "UPDATE users SET password_hash = '', activation_expires = 0, must_change_password = 1 "
			 "WHERE id = ? AND activation_expires = ?");
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, expires);
	rc = db_step(st);
	db_finish(st);
	if (rc != DB_DONE)
		return err_set(e, "The server could not complete the login. Please try again.");
	/* Two logins with the same code at once: only the one that used it up goes on. */
	if (db_changes(db) == 0)
		return err_set(e, "The username or password is not correct.");
	return 0;
}

int user_set_lang(struct db *db, int64_t id, const char *lang)
{
	if (strcmp(lang, "en") && strcmp(lang, "km"))
		return -1;
	struct db_stmt *st = db_stmt(db, "UPDATE users SET lang = ? WHERE id = ?");
	db_bind_text(st, 1, lang);
	db_bind_int64(st, 2, id);
	int rc = db_step_done(st) == 0 ? 0 : -1;
	db_finish(st);
	return rc;
}

#define USER_FIELDS                                                                                                    \
	"SELECT u.id, u.org_id, u.username, u.full_name, u.full_name_km, u.sex, u.position, u.email, u.phone, "        \
	"u.lang, o.code, o.name_en, o.name_km, u.active, " ROLES_MASK(                                                 \
	    "u.id") ", u.must_change_password, "                                                                       \
		    "u.password_hash <> '' AND u.activation_expires = 0, u.deleted_at IS NOT NULL "
#define USER_COLS USER_FIELDS "FROM users u JOIN org_units o ON o.id = u.org_id "

/* Fills u from a row of USER_FIELDS (columns 0 to 17). */
static void user_fill(struct db_stmt *st, struct user *u)
{
	u->id = db_col_int64(st, 0);
	u->org_id = db_col_int64(st, 1);
	char **dst[] = {&u->username, &u->full_name, &u->full_name_km, &u->sex,	     &u->position,   &u->email,
			&u->phone,    &u->lang,	     &u->org_code,     &u->org_name, &u->org_name_km};
	for (size_t i = 0; i < sizeof dst / sizeof dst[0]; i++)
		*dst[i] = xstrdup(db_col_text(st, (int)i + 2));
	u->active = db_col_int(st, 13);
	u->roles = (unsigned)db_col_int(st, 14);
	if (!u->roles)
		u->roles = ROLE_LEARNER; /* as roles_parse() of an empty list */
	u->must_change = db_col_int(st, 15);
	u->has_password = db_col_int(st, 16);
	u->deleted = db_col_int(st, 17);
}

static int user_read(struct db_stmt *st, struct user *u)
{
	if (db_step_row(st) <= 0) {
		db_finish(st);
		return -1;
	}
	user_fill(st, u);
	db_finish(st);
	return 0;
}

int user_get_by_session(struct db *db, const char *token_hash, int64_t created_after, int64_t seen_after,
			struct user *u, char csrf[65], int64_t *last_seen)
{
	struct db_stmt *st = db_stmt(db, USER_FIELDS ", s.csrf, s.last_seen FROM sessions s JOIN users u ON "
						     "u.id = s.user_id JOIN org_units o ON o.id = u.org_id WHERE "
						     "s.token_hash = ?1 AND u.active = 1 AND s.created_at > ?2 AND "
						     "s.last_seen > ?3");
	db_bind_text(st, 1, token_hash);
	db_bind_int64(st, 2, created_after);
	db_bind_int64(st, 3, seen_after);
	int rc = db_step_row(st);
	if (rc > 0) {
		user_fill(st, u);
		snprintf(csrf, 65, "%s", db_col_text(st, 18));
		*last_seen = db_col_int64(st, 19);
	}
	db_finish(st);
	return rc > 0 ? 0 : rc < 0 ? ERR_UNAVAILABLE : ERR_NOTFOUND;
}

int user_get(struct db *db, int64_t id, struct user *u)
{
	struct db_stmt *st = db_stmt(db, USER_COLS "WHERE u.id = ?");
	db_bind_int64(st, 1, id);
	return user_read(st, u);
}

int user_get_by_name(struct db *db, const char *username, struct user *u)
{
	struct db_stmt *st = db_stmt(db, USER_COLS "WHERE lower(u.username) = lower(?)");
	db_bind_text(st, 1, username);
	return user_read(st, u);
}

int users_demo_active(struct db *db, struct buf *names, struct err *e)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT username FROM users WHERE is_demo = 1 AND active = 1 ORDER BY lower(username)");
	int n = 0, rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (n++)
			buf_putc(names, ' ');
		buf_puts(names, db_col_text(st, 0));
	}
	db_finish(st);
	if (rc != DB_DONE)
		return err_set(e, "cannot list the demo accounts: %s", db_code_str(rc));
	return n;
}

int users_admins_active(struct db *db, bool demo, struct buf *names, struct err *e)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT u.username FROM users u JOIN user_roles r ON r.user_id = u.id "
			"WHERE r.role = 'admin' AND u.active = 1 AND u.is_demo = ? ORDER BY lower(u.username)");
	db_bind_int(st, 1, demo);
	int n = 0, rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (names) {
			if (n)
				buf_putc(names, ' ');
			buf_puts(names, db_col_text(st, 0));
		}
		n++;
	}
	db_finish(st);
	if (rc != DB_DONE)
		return err_set(e, "cannot list the administrators: %s", db_code_str(rc));
	return n;
}

void user_release(struct user *u)
{
	char **f[] = {&u->username, &u->full_name, &u->full_name_km, &u->sex,	   &u->position,   &u->email,
		      &u->phone,    &u->lang,	   &u->org_code,     &u->org_name, &u->org_name_km};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		free(*f[i]);
		*f[i] = NULL;
	}
}

/* CSV import */

enum { C_USERNAME, C_FULL_NAME, C_FULL_NAME_KM, C_SEX, C_ORG, C_POSITION, C_ROLE, C_EMAIL, C_PHONE, C_PASSWORD, NCOLS };
static const char *const user_cols[NCOLS] = {"username", "full_name", "full_name_km", "sex",   "org_code",
					     "position", "role",      "email",	      "phone", "password"};

struct import {
	struct db *db;
	const char *name;
	struct problems *pr;
	int col[NCOLS];
	int header_seen, bad;
	struct user_input *rows;
	char **owned;
	size_t nrows, nowned, caprows, capowned;
	int *lines;
	/* Usernames of the rows so far (ignoring ASCII case): an open-addressing table of row index + 1. */
	size_t *seen, capseen;
	struct taken *taken;	/* the usernames in the database */
	struct org_index *orgs; /* the org units */
};

/*
 * Validation must stay linear: a national roster is 100,000 rows. Arrays grow by doubling and
 * duplicate usernames are found through a hash table, not by comparing every pair of rows.
 */
static const char *keep(struct import *im, const char *s)
{
	if (im->nowned == im->capowned) {
		im->capowned = im->capowned ? im->capowned * 2 : 64;
		im->owned = xrealloc(im->owned, im->capowned * sizeof *im->owned);
	}
	return im->owned[im->nowned++] = xstrdup(s);
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a over the lower-cased bytes */
	for (; *s; s++)
		h = (h ^ (unsigned char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s)) * 1099511628211ULL;
	return h;
}

/* The slot of name in im->seen: its row's, or the empty one where it would go. */
static size_t *seen_slot(struct import *im, const char *name)
{
	size_t mask = im->capseen - 1;
	for (size_t i = (size_t)name_hash(name) & mask;; i = (i + 1) & mask)
		if (!im->seen[i] || strcasecmp(im->rows[im->seen[i] - 1].username, name) == 0)
			return &im->seen[i];
}

/* Line of an earlier row with the same username, or 0; remembers row `index` under name. */
static int seen_add(struct import *im, const char *name, size_t index)
{
	if ((im->nrows + 1) * 2 > im->capseen) {
		size_t oldcap = im->capseen, *old = im->seen;
		im->capseen = oldcap ? oldcap * 2 : 1024;
		im->seen = xcalloc(im->capseen, sizeof *im->seen);
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				*seen_slot(im, im->rows[old[i] - 1].username) = old[i];
		free(old);
	}
	size_t *slot = seen_slot(im, name);
	if (*slot)
		return im->lines[*slot - 1];
	*slot = index + 1;
	return 0;
}

/*
 * The usernames in the database, read in one query (an import checks each row against it instead of a
 * query per row): an open-addressing table of name index + 1, ignoring ASCII case as the unique index
 * on lower(username) does (usernames are ASCII).
 */
struct taken {
	char **names;
	size_t n, cap;
	size_t *slots, nslots;
};

static size_t *taken_slot(const struct taken *t, const char *name)
{
	size_t mask = t->nslots - 1;
	for (size_t i = (size_t)name_hash(name) & mask;; i = (i + 1) & mask)
		if (!t->slots[i] || strcasecmp(t->names[t->slots[i] - 1], name) == 0)
			return &t->slots[i];
}

static bool taken_has(const struct taken *t, const char *name)
{
	return t->nslots && *taken_slot(t, name);
}

static void taken_add(struct taken *t, const char *name)
{
	if ((t->n + 1) * 2 > t->nslots) {
		free(t->slots);
		t->nslots = t->nslots ? t->nslots * 2 : 1024;
		t->slots = xcalloc(t->nslots, sizeof *t->slots);
		for (size_t i = 0; i < t->n; i++)
			*taken_slot(t, t->names[i]) = i + 1;
	}
	size_t *slot = taken_slot(t, name);
	if (*slot)
		return;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->names = xrealloc(t->names, t->cap * sizeof *t->names);
	}
	t->names[t->n] = xstrdup(name);
	*slot = ++t->n;
}

static void taken_free(struct taken *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	free(t->slots);
	free(t);
}

/* Every username in the database (deleted users' too: their names stay taken); NULL with e set. */
static struct taken *taken_load(struct db *db, struct err *e)
{
	struct taken *t = xcalloc(1, sizeof *t);
	struct db_stmt *st = db_stmt(db, "SELECT username FROM users");
	int rc;
	while ((rc = db_step_row(st)) > 0)
		taken_add(t, db_col_text(st, 0));
	db_finish(st);
	if (rc < 0) {
		err_set(e, "cannot read the usernames: %s", db_errstr(db));
		taken_free(t);
		return NULL;
	}
	return t;
}

/* A row being checked, for row_problem(). */
struct row_at {
	struct import *im;
	int line;
};

/* One problem of the row: "NAME:LINE: message". */
static void row_problem(void *ctx, const char *msg)
{
	struct row_at *at = ctx;
	problem_add(at->im->pr, at->im->name, at->line, "%s", msg);
}

static int import_row(char **f, size_t n, int line, void *ctx)
{
	struct import *im = ctx;
	if (!im->header_seen) {
		im->header_seen = 1;
		for (int i = 0; i < NCOLS; i++)
			im->col[i] = csv_column(f, n, user_cols[i]);
		const int required[] = {C_USERNAME, C_FULL_NAME, C_ORG};
		for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
			if (im->col[required[i]] < 0) {
				problem_add(im->pr, im->name, line, "missing column '%s' in the header",
					    user_cols[required[i]]);
				im->bad++;
			}
		}
		for (size_t i = 0; i < n; i++) {
			char tmp[128];
			snprintf(tmp, sizeof tmp, "%s", f[i]);
			str_trim(tmp);
			bool known = false;
			for (int k = 0; k < NCOLS; k++)
				known |= strcmp(tmp, user_cols[k]) == 0;
			if (!known) {
				problem_add(im->pr, im->name, line, "unknown column '%s'", tmp);
				im->bad++;
			}
		}
		return im->bad ? 1 : 0;
	}
	if (n == 1 && !*f[0])
		return 0;
	struct user_input u = {0};
	const char **dst[NCOLS] = {&u.username, &u.full_name, &u.full_name_km, &u.sex,	 &u.org_code,
				   &u.position, &u.roles,     &u.email,	       &u.phone, &u.password};
	for (int i = 0; i < NCOLS; i++) {
		const char *v = im->col[i] >= 0 && (size_t)im->col[i] < n ? f[im->col[i]] : "";
		char *copy = (char *)keep(im, v);
		*dst[i] = i == C_PASSWORD ? copy : str_trim(copy);
	}
	u.activation = !*u.password; /* no password: the account waits for an activation code */
	/* Every problem of the row, each its own FILE:LINE: line; strength: a second pass (users_import_csv_progress).
	 */
	struct row_at at = {im, line};
	struct checks c = {.fn = row_problem, .ctx = &at, .taken = im->taken, .orgs = im->orgs};
	user_check(im->db, &u, false, &c);
	if (c.n) {
		/* A row already refused is also checked for what the second pass would say, so it lists everything. */
		struct err pe;
		if (!u.activation && password_check_form(u.password, &pe) == 0 &&
		    password_check(u.password, u.username, &pe) < 0)
			row_problem(&at, pe.msg);
		int twice = username_valid(u.username) && im->capseen ? (int)*seen_slot(im, u.username) : 0;
		if (twice)
			problem_add(im->pr, im->name, line, "username '%s' appears twice (also on line %d)", u.username,
				    im->lines[twice - 1]);
		im->bad++;
		return 0;
	}
	struct err e;
	int rc = 0;
	if (im->nrows == im->caprows) {
		im->caprows = im->caprows ? im->caprows * 2 : 64;
		im->rows = xrealloc(im->rows, im->caprows * sizeof *im->rows);
		im->lines = xrealloc(im->lines, im->caprows * sizeof *im->lines);
	}
	/* Tentatively the next row, so the table can name it; kept only when valid. */
	im->rows[im->nrows] = u;
	im->lines[im->nrows] = line;
	int twice = seen_add(im, u.username, im->nrows);
	if (twice)
		rc = err_set(&e, "username '%s' appears twice (also on line %d)", u.username, twice);
	if (rc < 0) {
		problem_add(im->pr, im->name, line, "%s", e.msg);
		im->bad++;
		return 0;
	}
	im->nrows++;
	return 0;
}

/* The line number of a problem "NAME:LINE: ..." (nlen: the length of NAME). */
static int problem_line(const char *s, size_t nlen)
{
	return strlen(s) > nlen ? atoi(s + nlen + 1) : 0;
}

/* Adds more's problems to pr's, both in line order, so the whole list is in line order; more is released. */
static void problems_merge_lines(struct problems *pr, struct problems *more, const char *name)
{
	if (!pr || !more->n) {
		problems_release(more);
		return;
	}
	size_t nlen = strlen(name);
	struct buf out = BUF_INIT;
	const char *a = buf_str(&pr->text), *b = buf_str(&more->text);
	while (*a || *b) {
		const char **take = !*b ? &a : !*a ? &b : problem_line(b, nlen) < problem_line(a, nlen) ? &b : &a;
		const char *end = strchr(*take, '\n');
		size_t n = end ? (size_t)(end - *take) + 1 : strlen(*take);
		buf_add(&out, *take, n);
		*take += n;
	}
	buf_release(&pr->text);
	pr->text = out;
	pr->n += more->n;
	problems_release(more);
}

/* Users inserted by one INSERT: thirteen parameters each, well under both engines' limits. */
#define USER_INSERT_ROWS 200

/* A batch statement kept for the next batch of the same size (most batches are full). */
struct kept {
	struct db_stmt *st;
	size_t n;
};

/* The statement head + n times row (comma-separated) + tail, from k when it has that size. */
static struct db_stmt *kept_stmt(struct db *db, struct kept *k, size_t n, const char *head, const char *row,
				 const char *tail)
{
	if (k->st && k->n == n) {
		db_reset(k->st);
		return k->st;
	}
	db_finalize(k->st);
	struct buf sql = BUF_INIT;
	buf_puts(&sql, head);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_puts(&sql, ",");
		buf_puts(&sql, row);
	}
	buf_puts(&sql, tail);
	k->st = db_prepare(db, buf_str(&sql));
	k->n = n;
	buf_release(&sql);
	return k->st;
}

/*
 * Inserts the checked rows [first, first + n) of im with their password hashes, in one statement for the
 * users and one for their roles (kept in ku and kr for the next batch), inside the caller's transaction.
 * 0, or -1 with e naming the first row.
 */
static int insert_batch(struct import *im, struct kept *ku, struct kept *kr, size_t first, size_t n,
			char (*hashes)[crypto_pwhash_STRBYTES], int64_t now, struct err *e)
{
	struct db *db = im->db;
	struct db_stmt *st =
	    kept_stmt(db, ku, n,
		      "INSERT INTO users(username, password_hash, full_name, full_name_km, sex, org_id, "
		      "position, email, phone, lang, is_demo, created_at, must_change_password) VALUES ",
		      "(?,?,?,?,?,?,?,?,?,?,?,?,?)", " RETURNING id, username");
	for (size_t i = 0; i < n; i++) {
		const struct user_input *u = &im->rows[first + i];
		int p = (int)i * 13;
		db_bind_text(st, p + 1, u->username);
		db_bind_text(st, p + 2, hashes[first + i]);
		db_bind_text(st, p + 3, u->full_name);
		db_bind_text(st, p + 4, or_empty(u->full_name_km));
		db_bind_text(st, p + 5, u->sex && *u->sex ? u->sex : "unspecified");
		db_bind_int64(st, p + 6, org_index_id(im->orgs, u->org_code));
		db_bind_text(st, p + 7, or_empty(u->position));
		db_bind_text(st, p + 8, or_empty(u->email));
		db_bind_text(st, p + 9, or_empty(u->phone));
		db_bind_text(st, p + 10, u->lang && *u->lang ? u->lang : "km");
		db_bind_int(st, p + 11, u->is_demo);
		db_bind_int64(st, p + 12, u->created_at ? u->created_at : now);
		db_bind_int(st, p + 13, u->activation); /* no password yet: chosen at the first login */
	}
	/* The new ids, by row (the rows are found by username through im->seen). */
	int64_t *ids = xcalloc(n, sizeof *ids);
	size_t got = 0, nroles = 0;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		size_t row = *seen_slot(im, db_col_text(st, 1));
		if (row > first && row <= first + n && !ids[row - 1 - first]) {
			ids[row - 1 - first] = db_col_int64(st, 0);
			got++;
		}
	}
	db_reset(st);
	if (rc < 0 || got != n)
		goto fail;
	unsigned *masks = xcalloc(n, sizeof *masks);
	for (size_t i = 0; i < n; i++) {
		roles_parse(im->rows[first + i].roles, &masks[i], NULL); /* checked with the row */
		for (size_t k = 0; k < sizeof role_names / sizeof role_names[0]; k++)
			nroles += (masks[i] & role_names[k].bit) != 0;
	}
	if (nroles) {
		st = kept_stmt(db, kr, nroles, "INSERT INTO user_roles(user_id, role) VALUES ", "(?,?)", "");
		int p = 0;
		for (size_t i = 0; i < n; i++) {
			for (size_t k = 0; k < sizeof role_names / sizeof role_names[0]; k++) {
				if (!(masks[i] & role_names[k].bit))
					continue;
				db_bind_int64(st, ++p, ids[i]);
				db_bind_text(st, ++p, role_names[k].name);
			}
		}
		rc = db_step_done(st);
		db_reset(st);
	}
	free(masks);
	if (rc < 0)
		goto fail;
	free(ids);
	return 0;
fail:
	err_set(e, "%s:%d: %s", im->name, im->lines[first], rc < 0 ? db_errmsg(db) : "not every user was added");
	free(ids);
	return -1;
}

/* Up to this many good rows, their passwords' strength is checked even when other rows were refused. */
#define IMPORT_STRENGTH_ALWAYS 5000

int users_import_csv(struct db *db, const char *name, const char *data, size_t len, struct problems *pr, int *added,
		     struct err *e)
{
	return users_import_csv_progress(db, name, data, len, pr, added, NULL, NULL, NULL, e);
}

int users_import_csv_progress(struct db *db, const char *name, const char *data, size_t len, struct problems *pr,
			      int *added, import_progress_fn progress, void *ctx, const struct audit_who *who,
			      struct err *e)
{
	struct import im = {.db = db, .name = name, .pr = pr};
	int rc = -1;
	char(*hashes)[crypto_pwhash_STRBYTES] = NULL;
	/* The usernames and org codes every row is checked against, each read in one query. */
	im.taken = taken_load(db, e);
	im.orgs = im.taken ? org_index_load(db, e) : NULL;
	if (!im.orgs)
		goto out;
	if (csv_parse_mem(name, data, len, import_row, &im, e) < 0)
		goto out;
	if (!im.header_seen) {
		err_set(e, "%s:1: empty file: expected a header naming the columns", name);
		goto out;
	}
	if (im.bad && im.nrows > IMPORT_STRENGTH_ALWAYS) {
		err_set(e, "%s: %d bad row%s: nothing imported", name, im.bad, im.bad == 1 ? "" : "s");
		goto out;
	}
	/*
	 * Password strength last, once every row is otherwise sound (or the file is short enough that
	 * checking the rest costs little): a dictionary lookup per row (about 0.4 ms) would make a
	 * 100,000-row roster with a mistake in its last line wait 40 s for the answer; this way that
	 * mistake is reported in about a second.
	 */
	struct problems weak = {0};
	for (size_t i = 0; i < im.nrows; i++) {
		struct err pe;
		if (im.rows[i].activation || password_check(im.rows[i].password, im.rows[i].username, &pe) == 0)
			continue;
		problem_add(&weak, name, im.lines[i], "%s", pe.msg);
		im.bad++;
	}
	problems_merge_lines(pr, &weak, name);
	if (im.bad) {
		err_set(e, "%s: %d bad row%s: nothing imported", name, im.bad, im.bad == 1 ? "" : "s");
		goto out;
	}
	/* Hash before the transaction so the write lock is held briefly. */
	hashes = xcalloc(im.nrows ? im.nrows : 1, sizeof *hashes);
	for (size_t i = 0; i < im.nrows; i++) {
		struct err he;
		if (im.rows[i].activation)
			continue; /* hash stays "": nothing logs in until a code is issued */
		if (password_hash(im.rows[i].password, hashes[i], &he) < 0) {
			err_set(e, "%s:%d: %s", name, im.lines[i], he.msg); /* not e->msg: it is the destination */
			goto out;
		}
		if (progress && ((i + 1) % 1000 == 0 || i + 1 == im.nrows))
			progress(i + 1, im.nrows, ctx);
	}
	db_bulk_plans(db, true);
	if (db_begin(db, e) < 0)
		goto out;
	int64_t now = now_s();
	struct kept ku = {0}, kr = {0};
	for (size_t i = 0; i < im.nrows; i += USER_INSERT_ROWS) {
		if (insert_batch(&im, &ku, &kr, i, im.nrows - i < USER_INSERT_ROWS ? im.nrows - i : USER_INSERT_ROWS,
				 hashes, now, e) < 0) {
			db_finalize(ku.st);
			db_finalize(kr.st);
			db_rollback(db);
			goto out;
		}
	}
	db_finalize(ku.st);
	db_finalize(kr.st);
	char detail[40];
	snprintf(detail, sizeof detail, "rows=%zu", im.nrows);
	if (audit_write(db, who, "users.import", name, detail, e) < 0) {
		db_rollback(db);
		goto out;
	}
	if (db_commit(db, e) < 0)
		goto out;
	*added = (int)im.nrows;
	rc = 0;
out:
	if (hashes)
		sodium_memzero(hashes, (im.nrows ? im.nrows : 1) * sizeof *hashes);
	free(hashes);
	for (size_t i = 0; i < im.nowned; i++)
		free(im.owned[i]);
	free(im.owned);
	free(im.rows);
	free(im.lines);
	free(im.seen);
	taken_free(im.taken);
	org_index_free(im.orgs);
	db_bulk_plans(db, false);
	return rc;
}

/* Activation sheets */

struct waiting {
	struct user u;
	char code[ACTIVATION_CODE_LEN + 1];
	char hash[crypto_pwhash_STRBYTES];
};

int users_activation_batch(struct db *db, const char *org_code, activation_fn fn, void *ctx, int *n,
			   const struct audit_who *who, struct err *e)
{
	*n = 0;
	if (!org_code || org_id(db, org_code) < 0)
		return err_set(e, "unknown org code '%s'", or_empty(org_code));
	struct db_stmt *st =
	    db_stmt(db, "SELECT u.id FROM users u JOIN org_units o ON o.id = u.org_id WHERE "
			"substr(o.path, 1, length((SELECT path FROM org_units WHERE code = ?1))) = "
			"(SELECT path FROM org_units WHERE code = ?1) AND u.active = 1 AND "
			"u.deleted_at IS NULL AND u.must_change_password = 1 AND "
			"(u.password_hash = '' OR u.activation_expires > 0) ORDER BY lower(u.username)");
	db_bind_text(st, 1, org_code);
	int64_t *ids = NULL;
	size_t count = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		ids = xrealloc(ids, (count + 1) * sizeof *ids);
		ids[count++] = db_col_int64(st, 0);
	}
	db_finish(st);
	if (rc != DB_DONE) {
		free(ids);
		return err_set(e, "cannot list the accounts waiting for activation: %s", db_errmsg(db));
	}
	if (count == 0)
		return err_set(e, "nobody in '%s' or below is waiting for an activation code", org_code);
	struct waiting *w = xcalloc(count, sizeof *w);
	size_t loaded = 0;
	rc = 0;
	for (size_t i = 0; i < count && rc == 0; i++, loaded++) {
		if (user_get(db, ids[i], &w[i].u) < 0) {
			rc = err_set(e, "cannot read user %lld", (long long)ids[i]);
			break;
		}
		activation_code_new(w[i].code);
		rc = password_hash(w[i].code, w[i].hash, e);
	}
	for (size_t i = 0; i < count && rc == 0; i++)
		rc = fn(ctx, &w[i].u, w[i].code, e);
	if (rc == 0)
		rc = fn(ctx, NULL, NULL, e);
	/* Only once the sheet exists do the new codes replace the old ones. */
	if (rc == 0 && (rc = db_begin(db, e)) == 0) {
		for (size_t i = 0; i < count && rc == 0; i++)
			rc = activation_write(db, w[i].u.id, w[i].hash, e);
		char target[80], detail[40];
		snprintf(target, sizeof target, "org:%s", org_code);
		snprintf(detail, sizeof detail, "codes=%zu", count);
		if (rc == 0)
			rc = audit_write(db, who, "user.activation-sheet", target, detail, e);
		if (rc < 0)
			db_rollback(db);
		else
			rc = db_commit(db, e);
	}
	for (size_t i = 0; i < loaded; i++)
		user_release(&w[i].u);
	sodium_memzero(w, count * sizeof *w);
	free(w);
	free(ids);
	if (rc == 0)
		*n = (int)count;
	return rc;
}

int64_t users_count(struct db *db)
{
	return db_int(db, "SELECT count(*) FROM users", NULL, NULL, -1);
}

int64_t users_demo_learners_count(struct db *db)
{
	return db_int(db,
		      "SELECT count(*) FROM users WHERE substr(username, 1, 4) = 'demo' AND "
		      "substr(username, 5, 1) BETWEEN '0' AND '9'",
		      NULL, NULL, -1);
}

#define SEX_CHUNK 64
#define SEX_Q8 "?,?,?,?,?,?,?,?"
int users_sex(struct db *db, const int64_t *ids, size_t n, const char **sex, struct err *e)
{
	static const char *const names[] = {"female", "male", "other", "unspecified"};
	for (size_t i = 0; i < n; i++)
		sex[i] = names[3];
	/* One statement text for every chunk of SEX_CHUNK ids (prepared once): unused places are bound NULL. */
	struct db_stmt *st = db_stmt(db, "SELECT id, sex FROM users WHERE id IN (" SEX_Q8 "," SEX_Q8 "," SEX_Q8
					 "," SEX_Q8 "," SEX_Q8 "," SEX_Q8 "," SEX_Q8 "," SEX_Q8 ")");
	int rc = 0;
	for (size_t off = 0; off < n && rc >= 0; off += SEX_CHUNK) {
		size_t m = n - off < SEX_CHUNK ? n - off : SEX_CHUNK;
		db_reset(st);
		for (int k = 0; k < SEX_CHUNK; k++) {
			if ((size_t)k < m)
				db_bind_int64(st, k + 1, ids[off + (size_t)k]);
			else
				db_bind_null(st, k + 1);
		}
		while ((rc = db_step_row(st)) > 0) {
			int64_t id = db_col_int64(st, 0);
			const char *s = db_col_text(st, 1);
			const char *name = names[3];
			for (size_t k = 0; k < 3; k++)
				if (strcmp(s, names[k]) == 0)
					name = names[k];
			for (size_t k = 0; k < m; k++)
				if (ids[off + k] == id)
					sex[off + k] = name;
		}
	}
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot read the sex of learners: %s", db_errstr(db));
	return 0;
}

bool user_exists(struct db *db, const char *username)
{
	return db_int(db, "SELECT 1 FROM users WHERE lower(username) = lower(?)", username, NULL, 0) == 1;
}

int users_list(struct db *db, const char *org_code, user_listing_fn fn, void *ctx, struct err *e)
{
	if (org_code && org_id(db, org_code) < 0)
		return err_set(e, "unknown org code '%s'", org_code);
	struct db_stmt *st =
	    db_stmt(db, "SELECT u.username, u.full_name, u.full_name_km, u.sex, o.code, u.active, " ROLES_MASK(
			    "u.id") " FROM users u JOIN org_units o ON o.id = u.org_id "
				    "WHERE substr(o.path, 1, length((SELECT path FROM org_units WHERE code = ?1))) = "
				    "(SELECT path FROM org_units WHERE code = ?1) OR ?1 IS NULL "
				    "ORDER BY lower(u.username)");
	db_bind_text(st, 1, org_code);
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		char roles[64];
		roles_join((unsigned)db_col_int(st, 6), ";", roles, sizeof roles);
		struct user_listing r = {.username = db_col_text(st, 0),
					 .full_name = db_col_text(st, 1),
					 .full_name_km = db_col_text(st, 2),
					 .sex = db_col_text(st, 3),
					 .org_code = db_col_text(st, 4),
					 .roles = roles,
					 .active = db_col_int(st, 5) != 0};
		r.deleted = r.username[0] == '#';
		fn(ctx, &r);
	}
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot read the users: %s", db_errstr(db));
	return 0;
}

int users_search(struct db *db, const char *q, int limit, user_row_fn fn, void *ctx, struct err *e)
{
	return users_search_page(db, q, limit, 0, NULL, fn, ctx, e);
}

/* The users users_search() finds: ?1 q (NULL: everyone), ?2 q as a case-insensitive substring pattern. */
#define USERS_SEARCH_WHERE                                                                                             \
	" FROM users u JOIN org_units o ON o.id = u.org_id WHERE o.code = ?1 OR ?1 IS NULL OR lower(u.username) "      \
	"LIKE ?2 ESCAPE '\\' OR lower(u.full_name) LIKE ?2 ESCAPE '\\' OR lower(u.full_name_km) LIKE ?2 ESCAPE '\\'"

int users_search_page(struct db *db, const char *q, int limit, int64_t offset, int64_t *total, user_row_fn fn,
		      void *ctx, struct err *e)
{
	/* ?2: q as a case-insensitive substring pattern (db_like_contains), the same on both engines. */
	struct buf pattern = BUF_INIT;
	db_like_contains(&pattern, q ? q : "");
	if (total) {
		struct db_stmt *cs = db_stmt(db, "SELECT count(*)" USERS_SEARCH_WHERE);
		db_bind_text(cs, 1, q && *q ? q : NULL);
		db_bind_text(cs, 2, pattern.data);
		int crc = db_step_row(cs);
		*total = crc > 0 ? db_col_int64(cs, 0) : -1;
		db_finish(cs);
		if (crc <= 0) {
			buf_release(&pattern);
			return err_set(e, "cannot count the users: %s", db_errstr(db));
		}
	}
	struct db_stmt *st =
	    db_stmt(db, "SELECT u.id, u.username, u.full_name, u.full_name_km, u.sex, o.code, o.name_en, o.name_km, "
			"u.active, " ROLES_MASK("u.id") USERS_SEARCH_WHERE
		    " ORDER BY lower(u.username), u.id LIMIT ?3 OFFSET ?4");
	db_bind_text(st, 1, q && *q ? q : NULL);
	db_bind_text(st, 2, pattern.data);
	db_bind_int(st, 3, limit);
	db_bind_int64(st, 4, offset > 0 ? offset : 0);
	buf_release(&pattern);
	int rc;
	char roles[64];
	while ((rc = db_step_row(st)) > 0) {
		roles_format((unsigned)db_col_int(st, 9), roles, sizeof roles);
		struct user_row u = {
		    .id = db_col_int64(st, 0),
		    .username = db_col_text(st, 1),
		    .full_name = db_col_text(st, 2),
		    .full_name_km = db_col_text(st, 3),
		    .sex = db_col_text(st, 4),
		    .org_code = db_col_text(st, 5),
		    .org_name = db_col_text(st, 6),
		    .org_name_km = db_col_text(st, 7),
		    .active = db_col_int(st, 8) != 0,
		    .roles = roles,
		};
		int stop = fn(ctx, &u);
		if (stop) {
			db_finish(st);
			return stop;
		}
	}
	if (rc < 0)
		err_set(e, "cannot read the users: %s", db_errstr(db));
	db_finish(st);
	return rc < 0 ? -1 : 0;
}

int64_t user_org_id(struct db *db, int64_t id)
{
	struct db_stmt *st = db_stmt(db, "SELECT org_id FROM users WHERE id = ?1");
	db_bind_int64(st, 1, id);
	int64_t org = db_step_row(st) > 0 ? db_col_int64(st, 0) : -1;
	db_finish(st);
	return org;
}

/* ---- sets of accounts for work done a batch at a time (certificates in bulk, course assignment) ---- */

int users_in_org_subtree(struct db *db, int64_t org_id, bool active_only, int64_t **ids, size_t *n, struct err *e)
{
	*ids = NULL;
	*n = 0;
	char path[512];
	if (org_path(db, org_id, path, sizeof path) < 0)
		return err_set(e, "no org unit %lld", (long long)org_id);
	/* One statement: the units by path prefix, then their users through users_org. */
	struct db_stmt *st = db_stmt(db, "SELECT u.id FROM org_units o JOIN users u ON u.org_id = o.id "
					 "WHERE substr(o.path, 1, length(?1)) = ?1 AND (?2 = 0 OR u.active = 1)");
	db_bind_text(st, 1, path);
	db_bind_int(st, 2, active_only);
	if (db_collect_ids(st, ids, n) < 0)
		return err_set(e, "cannot read the users of the org unit: %s", db_errstr(db));
	return 0;
}

int users_usernames(struct db *db, const int64_t *ids, size_t n, user_name_fn fn, void *ctx, struct err *e)
{
	int rc = 0;
	struct buf sql = BUF_INIT;
	for (size_t at = 0; at < n && rc == 0; at += DB_BATCH) {
		size_t k = n - at < DB_BATCH ? n - at : DB_BATCH;
		buf_reset(&sql);
		buf_puts(&sql, "SELECT id, username FROM users WHERE id IN (");
		db_params(&sql, 1, k);
		buf_puts(&sql, ")");
		struct db_stmt *st = db_prepare(db, buf_str(&sql));
		for (size_t i = 0; i < k; i++)
			db_bind_int64(st, (int)i + 1, ids[at + i]);
		int r;
		while ((r = db_step_row(st)) > 0)
			if ((rc = fn(ctx, db_col_int64(st, 0), db_col_text(st, 1))) != 0)
				break;
		if (r < 0)
			rc = err_set(e, "cannot read the usernames: %s", db_errstr(db));
		db_finish(st);
	}
	buf_release(&sql);
	return rc;
}

int users_people(struct db *db, const int64_t *ids, size_t n, user_person_fn fn, void *ctx, struct err *e)
{
	int rc = 0;
	struct buf sql = BUF_INIT;
	for (size_t at = 0; at < n && rc == 0; at += DB_BATCH) {
		size_t k = n - at < DB_BATCH ? n - at : DB_BATCH;
		buf_reset(&sql);
		buf_puts(&sql,
			 "SELECT u.id, u.username, u.full_name, u.full_name_km, u.sex, u.position, u.org_id, o.code, "
			 "o.name_en, o.name_km FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id IN (");
		db_params(&sql, 1, k);
		buf_puts(&sql, ")");
		struct db_stmt *st = db_prepare(db, buf_str(&sql));
		for (size_t i = 0; i < k; i++)
			db_bind_int64(st, (int)i + 1, ids[at + i]);
		int r;
		while ((r = db_step_row(st)) > 0) {
			struct user_person p = {
			    .id = db_col_int64(st, 0),
			    .username = db_col_text(st, 1),
			    .full_name = db_col_text(st, 2),
			    .full_name_km = db_col_text(st, 3),
			    .sex = db_col_text(st, 4),
			    .position = db_col_text(st, 5),
			    .org_id = db_col_int64(st, 6),
			    .org_code = db_col_text(st, 7),
			    .org_name_en = db_col_text(st, 8),
			    .org_name_km = db_col_text(st, 9),
			};
			if ((rc = fn(ctx, &p)) != 0)
				break;
		}
		if (r < 0)
			rc = err_set(e, "cannot read the people: %s", db_errstr(db));
		db_finish(st);
	}
	buf_release(&sql);
	return rc;
}
