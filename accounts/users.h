/* Accounts: users, roles and passwords (argon2id through libsodium). */
#ifndef SALA_USERS_H
#define SALA_USERS_H
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/buf.h"
#include "lib/err.h"

enum role {
	ROLE_LEARNER = 1 << 0,
	ROLE_TRAINER = 1 << 1,
	ROLE_MANAGER = 1 << 2,
	ROLE_ADMIN = 1 << 3,
};

/* Longest password accepted: argon2id is costly; unbounded input would be a denial of service. */
#define PASSWORD_MAX 256
#define PASSWORD_MIN 8

struct user_input {
	const char *username, *full_name, *full_name_km, *sex, *org_code, *position;
	const char *roles; /* "learner", or several joined by ';' '|' or ' ' */
	const char *email, *phone, *password, *lang;
	/* A precomputed argon2id hash used instead of password (demo data); NULL normally. */
	const char *password_hash;
	bool is_demo;
};

/* A user as read from the database; strings owned by the struct, freed by user_release(). */
struct user {
	int64_t id, org_id;
	char *username, *full_name, *full_name_km, *sex, *position, *email, *phone, *lang, *org_code, *org_name,
		*org_name_km;
	unsigned roles;
	bool active;
};

/* Parses a role list into a mask; -1 with a message naming the bad role. */
int roles_parse(const char *s, unsigned *mask, struct err *e);
/* "learner, manager" for a mask, into out. */
void roles_format(unsigned mask, char *out, size_t outlen);

/* Hashes a password (argon2id). At most a few hashes run at once. -1 on a bad password. */
int password_hash(const char *pw, char out[crypto_pwhash_STRBYTES], struct err *e);
bool password_verify(const char *hash, const char *pw);

/* Checks every field without writing; message names the field. */
int user_validate(sqlite3 *db, const struct user_input *u, struct err *e);
/* Validates and adds a user; returns the new id or -1. Runs in its own transaction unless one is open. */
int64_t user_add(sqlite3 *db, const struct user_input *u, struct err *e);
int user_set_password(sqlite3 *db, const char *username, const char *password, struct err *e);
int user_set_active(sqlite3 *db, int64_t id, bool active, struct err *e);
int user_set_lang(sqlite3 *db, int64_t id, const char *lang);
/* Updates names, sex, org, position, email, phone, roles of an existing user. */
int user_update(sqlite3 *db, int64_t id, const struct user_input *u, struct err *e);

/* Loads one user by id or by username; -1 when absent. */
int user_get(sqlite3 *db, int64_t id, struct user *u);
int user_get_by_name(sqlite3 *db, const char *username, struct user *u);
void user_release(struct user *u);
/*
 * The usernames of demo accounts (is_demo) that can still log in, appended to names separated by
 * spaces; returns how many, or -1 with a message.
 */
int users_demo_active(sqlite3 *db, struct buf *names, struct err *e);
/*
 * The active administrators that are demo accounts (demo true) or not, their usernames appended to names
 * (NULL: only counted) separated by spaces; returns how many, or -1 with a message.
 */
int users_admins_active(sqlite3 *db, bool demo, struct buf *names, struct err *e);

/*
 * Imports users from CSV with header-named columns (any order):
 * username,full_name,full_name_km,sex,org_code,position,role,email,phone,password.
 * All-or-nothing: each bad row goes to errs as "NAME:LINE: reason".
 */
int users_import_csv(sqlite3 *db, const char *name, const char *data, size_t len, FILE *errs, int *added,
		     struct err *e);

#endif
