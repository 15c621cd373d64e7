#define _POSIX_C_SOURCE 200809L
#include "accounts/users.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
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

void roles_format(unsigned mask, char *out, size_t outlen)
{
	out[0] = '\0';
	for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
		if (!(mask & role_names[i].bit))
			continue;
		size_t len = strlen(out);
		snprintf(out + len, outlen - len, "%s%s", len ? ", " : "", role_names[i].name);
	}
}

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

static int fields_validate(sqlite3 *db, const struct user_input *u, bool need_password, struct err *e)
{
	if (!u->full_name || !*u->full_name)
		return err_set(e, "full_name is empty");
	if (text_ok("full_name", u->full_name, 200, e) < 0 || text_ok("full_name_km", u->full_name_km, 200, e) < 0 ||
	    text_ok("position", u->position, 200, e) < 0 || text_ok("email", u->email, 200, e) < 0 ||
	    text_ok("phone", u->phone, 40, e) < 0)
		return -1;
	const char *sex = u->sex && *u->sex ? u->sex : "unspecified";
	if (!sex_valid(sex))
		return err_set(e, "sex must be female, male, other or unspecified, not '%s'", sex);
	if (!u->org_code || !*u->org_code)
		return err_set(e, "org_code is empty");
	if (org_id(db, u->org_code) < 0)
		return err_set(e, "unknown org_code '%s'", u->org_code);
	if (u->email && *u->email && (!strchr(u->email, '@') || strchr(u->email, ' ')))
		return err_set(e, "email '%s' is not an address", u->email);
	if (u->lang && *u->lang && strcmp(u->lang, "en") && strcmp(u->lang, "km"))
		return err_set(e, "language must be en or km, not '%s'", u->lang);
	unsigned mask;
	if (roles_parse(u->roles, &mask, e) < 0)
		return -1;
	if (need_password && !u->password_hash) {
		size_t n = strlen(or_empty(u->password));
		if (n < PASSWORD_MIN)
			return err_set(e, "password is shorter than %d characters", PASSWORD_MIN);
		if (n > PASSWORD_MAX)
			return err_set(e, "password is longer than %d characters", PASSWORD_MAX);
	}
	return 0;
}

int user_validate(sqlite3 *db, const struct user_input *u, struct err *e)
{
	if (!u->username || !username_valid(u->username))
		return err_set(e, "invalid username '%s' (2-64 letters, digits, . _ - @)", or_empty(u->username));
	if (db_int(db, "SELECT 1 FROM users WHERE username = ?", u->username, NULL, 0))
		return err_set(e, "username '%s' is already taken", u->username);
	return fields_validate(db, u, true, e);
}

static int roles_write(sqlite3 *db, int64_t id, const char *roles)
{
	unsigned mask;
	if (roles_parse(roles, &mask, NULL) < 0)
		return -1;
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM user_roles WHERE user_id = ?");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_step(st);
	db_finish(st);
	for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
		if (!(mask & role_names[i].bit))
			continue;
		st = db_stmt(db, "INSERT INTO user_roles(user_id, role) VALUES (?, ?)");
		sqlite3_bind_int64(st, 1, id);
		db_bind_text(st, 2, role_names[i].name);
		int rc = sqlite3_step(st);
		db_finish(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

/* Inserts a validated user inside the caller's transaction. */
static int64_t user_insert(sqlite3 *db, const struct user_input *u, const char *hash)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO users(username, password_hash, full_name, full_name_km, sex, "
					  "org_id, position, email, phone, lang, is_demo, created_at) VALUES "
					  "(?1, ?2, ?3, ?4, ?5, (SELECT id FROM org_units WHERE code = ?6), ?7, ?8, ?9, "
					  "?10, ?11, ?12)");
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
	sqlite3_bind_int(st, 11, u->is_demo);
	sqlite3_bind_int64(st, 12, now_s());
	int rc = sqlite3_step(st);
	db_finish(st);
	if (rc != SQLITE_DONE)
		return -1;
	int64_t id = sqlite3_last_insert_rowid(db);
	return roles_write(db, id, u->roles) < 0 ? -1 : id;
}

int64_t user_add(sqlite3 *db, const struct user_input *u, struct err *e)
{
	if (user_validate(db, u, e) < 0)
		return -1;
	char hash[crypto_pwhash_STRBYTES];
	if (u->password_hash)
		snprintf(hash, sizeof hash, "%s", u->password_hash);
	else if (password_hash(u->password, hash, e) < 0)
		return -1;
	bool own = !db_in_txn(db);
	if (own && db_begin(db, e) < 0)
		return -1;
	int64_t id = user_insert(db, u, hash);
	if (id < 0) {
		err_set(e, "cannot add user '%s': %s", u->username, sqlite3_errmsg(db));
		if (own)
			db_rollback(db);
		return -1;
	}
	if (own && db_commit(db, e) < 0)
		return -1;
	return id;
}

int user_update(sqlite3 *db, int64_t id, const struct user_input *u, struct err *e)
{
	if (fields_validate(db, u, false, e) < 0)
		return -1;
	if (db_begin(db, e) < 0)
		return -1;
	sqlite3_stmt *st = db_stmt(db, "UPDATE users SET full_name = ?1, full_name_km = ?2, sex = ?3, org_id = "
					  "(SELECT id FROM org_units WHERE code = ?4), position = ?5, email = ?6, "
					  "phone = ?7 WHERE id = ?8");
	db_bind_text(st, 1, u->full_name);
	db_bind_text(st, 2, or_empty(u->full_name_km));
	db_bind_text(st, 3, u->sex && *u->sex ? u->sex : "unspecified");
	db_bind_text(st, 4, u->org_code);
	db_bind_text(st, 5, or_empty(u->position));
	db_bind_text(st, 6, or_empty(u->email));
	db_bind_text(st, 7, or_empty(u->phone));
	sqlite3_bind_int64(st, 8, id);
	int rc = sqlite3_step(st);
	db_finish(st);
	if (rc != SQLITE_DONE || sqlite3_changes(db) == 0 || roles_write(db, id, u->roles) < 0) {
		err_set(e, "cannot update user: %s", rc != SQLITE_DONE ? sqlite3_errmsg(db) : "no such user");
		db_rollback(db);
		return -1;
	}
	return db_commit(db, e);
}

int user_set_password(sqlite3 *db, const char *username, const char *password, struct err *e)
{
	if (!db_int(db, "SELECT 1 FROM users WHERE username = ?", username, NULL, 0))
		return err_set(e, "no user '%s'", username);
	char hash[crypto_pwhash_STRBYTES];
	if (password_hash(password, hash, e) < 0)
		return -1;
	if (db_begin(db, e) < 0)
		return -1;
	sqlite3_stmt *st = db_stmt(db, "UPDATE users SET password_hash = ? WHERE username = ?");
	db_bind_text(st, 1, hash);
	db_bind_text(st, 2, username);
	sqlite3_step(st);
	db_finish(st);
	/* A new password ends every session of the account. */
	st = db_stmt(db, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = ?)");
	db_bind_text(st, 1, username);
	sqlite3_step(st);
	db_finish(st);
	return db_commit(db, e);
}

int user_set_active(sqlite3 *db, int64_t id, bool active, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE users SET active = ? WHERE id = ?");
	sqlite3_bind_int(st, 1, active);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_step(st);
	db_finish(st);
	if (sqlite3_changes(db) == 0)
		return err_set(e, "no such user");
	if (!active) {
		st = db_stmt(db, "DELETE FROM sessions WHERE user_id = ?");
		sqlite3_bind_int64(st, 1, id);
		sqlite3_step(st);
		db_finish(st);
	}
	return 0;
}

int user_set_lang(sqlite3 *db, int64_t id, const char *lang)
{
	if (strcmp(lang, "en") && strcmp(lang, "km"))
		return -1;
	sqlite3_stmt *st = db_stmt(db, "UPDATE users SET lang = ? WHERE id = ?");
	db_bind_text(st, 1, lang);
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	db_finish(st);
	return rc;
}

#define USER_COLS                                                                                                  \
	"SELECT u.id, u.org_id, u.username, u.full_name, u.full_name_km, u.sex, u.position, u.email, u.phone, "    \
	"u.lang, o.code, o.name_en, o.name_km, u.active, "                                                         \
	"(SELECT group_concat(role, ';') FROM user_roles r WHERE r.user_id = u.id) "                               \
	"FROM users u JOIN org_units o ON o.id = u.org_id "

static int user_read(sqlite3_stmt *st, struct user *u)
{
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_finish(st);
		return -1;
	}
	u->id = sqlite3_column_int64(st, 0);
	u->org_id = sqlite3_column_int64(st, 1);
	char **dst[] = {&u->username, &u->full_name, &u->full_name_km, &u->sex, &u->position, &u->email,
			&u->phone,    &u->lang,      &u->org_code,     &u->org_name, &u->org_name_km};
	for (size_t i = 0; i < sizeof dst / sizeof dst[0]; i++)
		*dst[i] = xstrdup(db_col_text(st, (int)i + 2));
	u->active = sqlite3_column_int(st, 13);
	roles_parse(db_col_text(st, 14), &u->roles, NULL);
	db_finish(st);
	return 0;
}

int user_get(sqlite3 *db, int64_t id, struct user *u)
{
	sqlite3_stmt *st = db_stmt(db, USER_COLS "WHERE u.id = ?");
	sqlite3_bind_int64(st, 1, id);
	return user_read(st, u);
}

int user_get_by_name(sqlite3 *db, const char *username, struct user *u)
{
	sqlite3_stmt *st = db_stmt(db, USER_COLS "WHERE u.username = ?");
	db_bind_text(st, 1, username);
	return user_read(st, u);
}

int users_demo_active(sqlite3 *db, struct buf *names, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT username FROM users WHERE is_demo = 1 AND active = 1 ORDER BY username");
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++)
			buf_putc(names, ' ');
		buf_puts(names, db_col_text(st, 0));
	}
	db_finish(st);
	if (rc != SQLITE_DONE)
		return err_set(e, "cannot list the demo accounts: %s", sqlite3_errstr(rc));
	return n;
}

int users_admins_active(sqlite3 *db, bool demo, struct buf *names, struct err *e)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT u.username FROM users u JOIN user_roles r ON r.user_id = u.id "
				       "WHERE r.role = 'admin' AND u.active = 1 AND u.is_demo = ? ORDER BY u.username");
	sqlite3_bind_int(st, 1, demo);
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (names) {
			if (n)
				buf_putc(names, ' ');
			buf_puts(names, db_col_text(st, 0));
		}
		n++;
	}
	db_finish(st);
	if (rc != SQLITE_DONE)
		return err_set(e, "cannot list the administrators: %s", sqlite3_errstr(rc));
	return n;
}

void user_release(struct user *u)
{
	char **f[] = {&u->username, &u->full_name, &u->full_name_km, &u->sex, &u->position, &u->email,
		      &u->phone,    &u->lang,      &u->org_code,     &u->org_name, &u->org_name_km};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		free(*f[i]);
		*f[i] = NULL;
	}
}

/* CSV import */

enum { C_USERNAME, C_FULL_NAME, C_FULL_NAME_KM, C_SEX, C_ORG, C_POSITION, C_ROLE, C_EMAIL, C_PHONE, C_PASSWORD, NCOLS };
static const char *const user_cols[NCOLS] = {"username", "full_name", "full_name_km", "sex",   "org_code",
					      "position", "role",      "email",        "phone", "password"};

struct import {
	sqlite3 *db;
	const char *name;
	FILE *errs;
	int col[NCOLS];
	int header_seen, bad;
	struct user_input *rows;
	char **owned;
	size_t nrows, nowned;
	int *lines;
};

static const char *keep(struct import *im, const char *s)
{
	im->owned = xrealloc(im->owned, (im->nowned + 1) * sizeof *im->owned);
	return im->owned[im->nowned++] = xstrdup(s);
}

static int import_row(char **f, size_t n, int line, void *ctx)
{
	struct import *im = ctx;
	if (!im->header_seen) {
		im->header_seen = 1;
		for (int i = 0; i < NCOLS; i++)
			im->col[i] = csv_column(f, n, user_cols[i]);
		const int required[] = {C_USERNAME, C_FULL_NAME, C_ORG, C_PASSWORD};
		for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
			if (im->col[required[i]] < 0) {
				fprintf(im->errs, "%s:%d: missing column '%s' in the header\n", im->name, line,
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
				fprintf(im->errs, "%s:%d: unknown column '%s'\n", im->name, line, tmp);
				im->bad++;
			}
		}
		return im->bad ? 1 : 0;
	}
	if (n == 1 && !*f[0])
		return 0;
	struct user_input u = {0};
	const char **dst[NCOLS] = {&u.username, &u.full_name, &u.full_name_km, &u.sex,   &u.org_code,
				   &u.position, &u.roles,     &u.email,        &u.phone, &u.password};
	for (int i = 0; i < NCOLS; i++) {
		const char *v = im->col[i] >= 0 && (size_t)im->col[i] < n ? f[im->col[i]] : "";
		char *copy = (char *)keep(im, v);
		*dst[i] = i == C_PASSWORD ? copy : str_trim(copy);
	}
	struct err e;
	int rc = user_validate(im->db, &u, &e);
	for (size_t i = 0; rc == 0 && i < im->nrows; i++)
		if (strcasecmp(im->rows[i].username, u.username) == 0)
			rc = err_set(&e, "username '%s' appears twice (also on line %d)", u.username, im->lines[i]);
	if (rc < 0) {
		fprintf(im->errs, "%s:%d: %s\n", im->name, line, e.msg);
		im->bad++;
		return 0;
	}
	im->rows = xrealloc(im->rows, (im->nrows + 1) * sizeof *im->rows);
	im->lines = xrealloc(im->lines, (im->nrows + 1) * sizeof *im->lines);
	im->lines[im->nrows] = line;
	im->rows[im->nrows++] = u;
	return 0;
}

int users_import_csv(sqlite3 *db, const char *name, const char *data, size_t len, FILE *errs, int *added,
		     struct err *e)
{
	struct import im = {.db = db, .name = name, .errs = errs};
	int rc = -1;
	char(*hashes)[crypto_pwhash_STRBYTES] = NULL;
	if (csv_parse_mem(name, data, len, import_row, &im, e) < 0)
		goto out;
	if (!im.header_seen) {
		err_set(e, "%s:1: empty file: expected a header naming the columns", name);
		goto out;
	}
	if (im.bad) {
		err_set(e, "%s: %d bad row%s: nothing imported", name, im.bad, im.bad == 1 ? "" : "s");
		goto out;
	}
	/* Hash before the transaction so the write lock is held briefly. */
	hashes = xcalloc(im.nrows ? im.nrows : 1, sizeof *hashes);
	for (size_t i = 0; i < im.nrows; i++) {
		struct err he;
		if (password_hash(im.rows[i].password, hashes[i], &he) < 0) {
			err_set(e, "%s:%d: %s", name, im.lines[i], he.msg); /* not e->msg: it is the destination */
			goto out;
		}
	}
	if (db_begin(db, e) < 0)
		goto out;
	for (size_t i = 0; i < im.nrows; i++) {
		if (user_insert(db, &im.rows[i], hashes[i]) < 0) {
			err_set(e, "%s:%d: %s", name, im.lines[i], sqlite3_errmsg(db));
			db_rollback(db);
			goto out;
		}
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
	return rc;
}
