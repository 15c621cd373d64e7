/* Accounts: users, roles and passwords (argon2id through libsodium). */
#ifndef SALA_USERS_H
#define SALA_USERS_H
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/audit.h"
#include "lib/db.h"

#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/err.h"

enum role {
	ROLE_LEARNER = 1 << 0,
	ROLE_TRAINER = 1 << 1,
	ROLE_MANAGER = 1 << 2,
	ROLE_ADMIN = 1 << 3,
};

/* Longest password accepted: argon2id is costly; unbounded input would be a denial of service. */
#define PASSWORD_MAX 256
/* Shortest password accepted, in characters (not bytes: a Khmer character takes three). */
#define PASSWORD_MIN 10
/* An activation code: 10 characters of ACTIVATION_ALPHABET in two groups, "ABCDE-FGHJK" (about 50 bits). */
#define ACTIVATION_CODE_LEN 11
#define ACTIVATION_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#define ACTIVATION_VALID_S (14 * 86400)

struct user_input {
	const char *username, *full_name, *full_name_km, *sex, *org_code, *position;
	const char *roles; /* "learner", or several joined by ';' '|' or ' ' */
	const char *email, *phone, *password, *lang;
	/* A precomputed argon2id hash used instead of password (demo data); NULL normally. */
	const char *password_hash;
	bool is_demo;
	/* No password: the account waits for an activation code (users_activation_sheet, user_activation_issue). */
	bool activation;
	/* When the account was made (Unix seconds): 0 for now; demo data backdates it. */
	int64_t created_at;
};

/* A user as read from the database; strings owned by the struct, freed by user_release(). */
struct user {
	int64_t id, org_id;
	char *username, *full_name, *full_name_km, *sex, *position, *email, *phone, *lang, *org_code, *org_name,
	    *org_name_km;
	unsigned roles;
	bool active;
	bool must_change;  /* must choose a new password before doing anything else */
	bool has_password; /* false after an activation code was used: a new password needs no current one */
	bool deleted;	   /* personal data erased by user_delete() */
};

/* Parses a role list into a mask; -1 with a message naming the bad role. */
int roles_parse(const char *s, unsigned *mask, struct err *e);
/* "learner, manager" for a mask, into out. */
void roles_format(unsigned mask, char *out, size_t outlen);

/* Hashes a password (argon2id). At most a few hashes run at once. -1 on a bad password. */
int password_hash(const char *pw, char out[crypto_pwhash_STRBYTES], struct err *e);
bool password_verify(const char *hash, const char *pw);
/*
 * The strength rule for every new password: at least PASSWORD_MIN characters,
 * at most PASSWORD_MAX bytes, and libpwquality's checks (cracklib dictionary,
 * palindromes, the username inside it...). 0, or -1 with e->msg set to one
 * fixed sentence from password_problems[] (an interface catalogue key, so the
 * server can show it in the user's language).
 */
int password_check(const char *pw, const char *username, struct err *e);
/* Every sentence password_check() can give, NULL-terminated (for the catalogue and its tests). */
extern const char *const password_problems[];

/* Checks every field without writing; message names the field. */
int user_validate(struct db *db, const struct user_input *u, struct err *e);
/* Called with each problem user_problems() finds: user_validate()'s message for it, borrowed for the call. */
typedef void (*user_problem_fn)(void *ctx, const char *msg);
/*
 * Every problem of a new user's fields (adding: the username and password too, as user_add() checks) or of
 * an edit (as user_update() checks), not only the first: fn once per problem, in the form's field order.
 * Writes nothing. Returns the number of problems (0: user_add() or user_update() would accept the fields).
 */
int user_problems(struct db *db, const struct user_input *u, bool adding, user_problem_fn fn, void *ctx);
/* Validates and adds a user; returns the new id or -1. Runs in its own transaction unless one is open. */
int64_t user_add(struct db *db, const struct user_input *u, struct err *e);
/*
 * Sets user id's password (strength-checked), clears any activation code,
 * ends every session; the user must change the password at the next login
 * when must_change is set (an administrator's reset).
 */
int user_reset_password(struct db *db, int64_t id, const char *password, bool must_change, struct err *e);
/*
 * The user's own change. current must match unless the account has no
 * password (an activation code was used). The new password is
 * strength-checked and must differ from the current one. Clears the forced
 * change and ends the user's other sessions, keeping the one whose cookie
 * token is keep_token (NULL ends all). e->msg is a catalogue sentence.
 */
int user_change_password(struct db *db, int64_t id, const char *current, const char *password, const char *keep_token,
			 struct err *e);
/* What a user edits on their own profile: phone, email, preferred language (NULL leaves it). */
int user_update_contact(struct db *db, int64_t id, const char *phone, const char *email, const char *lang,
			struct err *e);
/* Disables (ending every session) or enables an account. The last active administrator cannot be disabled. */
int user_set_active(struct db *db, int64_t id, bool active, struct err *e);
/*
 * Erases an account's personal data: username (becomes "#deleted-ID", which
 * cannot log in and frees the name), names, position, email, phone, password,
 * activation code and sessions; the account is disabled. Kept, for reports and
 * issued certificates: the row id, sex, org unit, roles, enrolments, progress,
 * attempts and certificates (which carry the name printed on them). Refused for
 * the last active administrator and for an account already deleted.
 */
int user_delete(struct db *db, int64_t id, struct err *e);

/*
 * Activation codes. user_activation_issue() gives user id a new code (valid
 * ACTIVATION_VALID_S): the password becomes the code (stored as its argon2id
 * hash), the user must choose a password after logging in with it, and every
 * session ends. code gets the code; it is not stored anywhere in clear.
 */
int user_activation_issue(struct db *db, int64_t id, char code[ACTIVATION_CODE_LEN + 1], struct err *e);
/* A new random code "ABCDE-FGHJK" from ACTIVATION_ALPHABET. */
void activation_code_new(char code[ACTIVATION_CODE_LEN + 1]);
/* What a person typed (any case, spaces or dashes anywhere, O for 0...) as the code's canonical form; false when it
 * cannot be a code. */
bool activation_code_normalise(const char *in, char out[ACTIVATION_CODE_LEN + 1]);
/* True when username has an activation code outstanding (its login password is the code). */
bool user_activation_pending(struct db *db, const char *username);
/*
 * What to check at login as username's password: when an activation code is
 * outstanding, the typed text in the code's canonical form (into buf), so
 * "abcde fghjk" works; otherwise pw itself.
 */
const char *user_login_password(struct db *db, const char *username, const char *pw, char buf[ACTIVATION_CODE_LEN + 1]);
/*
 * Called after login_attempt() accepted user id: an activation code is used up
 * here (it works once), so the user then has no password until they choose
 * one. 0 when the login may go on; -1 (nothing changed) when the code had
 * expired, with a catalogue sentence in e->msg.
 */
int user_login_finish(struct db *db, int64_t id, struct err *e);
/* True when user id must choose a new password before doing anything else. */
bool user_must_change(struct db *db, int64_t id);

int user_set_lang(struct db *db, int64_t id, const char *lang);
/* Updates names, sex, org, position, email, phone, roles of an existing user. */
int user_update(struct db *db, int64_t id, const struct user_input *u, struct err *e);

/* Loads one user by id or by username; -1 when absent. */
int user_get(struct db *db, int64_t id, struct user *u);
/*
 * The user of a live session, in one query: the session whose token hash is token_hash, created after
 * created_after and last seen after seen_after, of an active user. Fills u (release with user_release()),
 * csrf (the session's form token) and *last_seen. ERR_NOTFOUND when there is no such session,
 * ERR_UNAVAILABLE when the database failed. For session_user_lookup() (accounts/sessions.h); other callers use that.
 */
int user_get_by_session(struct db *db, const char *token_hash, int64_t created_after, int64_t seen_after,
			struct user *u, char csrf[65], int64_t *last_seen);
int user_get_by_name(struct db *db, const char *username, struct user *u);
void user_release(struct user *u);
/*
 * The usernames of demo accounts (is_demo) that can still log in, appended to names separated by
 * spaces; returns how many, or -1 with a message.
 */
int users_demo_active(struct db *db, struct buf *names, struct err *e);
/*
 * The active administrators that are demo accounts (demo true) or not, their usernames appended to names
 * (NULL: only counted) separated by spaces; returns how many, or -1 with a message.
 */
int users_admins_active(struct db *db, bool demo, struct buf *names, struct err *e);

/*
 * The people below org_code (inclusive) still waiting for activation (imported
 * without a password, or with a code not yet used), by username; each gets a
 * new code (older ones stop working). For every person fn is called with
 * their user row and code, then once with u and code NULL (the end: make the
 * sheet now); only when every call returned 0 are the codes committed. *n
 * gets the count. Nobody waiting is an error naming the unit. who (NULL: not
 * audited): the audit entry "user.activation-sheet" (lib/audit.h), committed
 * with the codes.
 */
typedef int (*activation_fn)(void *ctx, const struct user *u, const char *code, struct err *e);
int users_activation_batch(struct db *db, const char *org_code, activation_fn fn, void *ctx, int *n,
			   const struct audit_who *who, struct err *e);

/*
 * Imports users from CSV with header-named columns (any order):
 * username,full_name,full_name_km,sex,org_code,position,role,email,phone,password.
 * All-or-nothing: each bad row is added to pr (lib/diag.h) as "NAME:LINE: reason".
 * Validation is linear in the rows (100,000 rows in about 2 s); importing
 * good rows costs one password hash each (about 60 ms), done before the
 * write transaction, each lending the caller's pooled connection meanwhile.
 */
int users_import_csv(struct db *db, const char *name, const char *data, size_t len, struct problems *pr, int *added,
		     struct err *e);
/* Told how far a long import is: rows whose password is hashed, of total, every 1,000 and at the end. */
typedef void (*import_progress_fn)(size_t done, size_t total, void *ctx);
/*
 * users_import_csv() reporting progress (progress may be NULL), with the audit entry "users.import" of who
 * (lib/audit.h; NULL: not audited; target name) committed with the rows.
 */
int users_import_csv_progress(struct db *db, const char *name, const char *data, size_t len, struct problems *pr,
			      int *added, import_progress_fn progress, void *ctx, const struct audit_who *who,
			      struct err *e);

/* The number of accounts, deleted ones included; -1 when it cannot be read. */
int64_t users_count(struct db *db);
/* The number of synthetic demo learners (usernames demo<digits>); -1 when it cannot be read. */
int64_t users_demo_learners_count(struct db *db);
/*
 * The sex of each of n accounts, for figures disaggregated by sex: sex[i] for ids[i] is "female",
 * "male", "other" or "unspecified" (also for an id with no account), static strings. One query per 64
 * ids, never one per id. 0, or -1 with a message when reading failed.
 */
int users_sex(struct db *db, const int64_t *ids, size_t n, const char **sex, struct err *e);
/* True when an account (deleted or not) has this username. */
bool user_exists(struct db *db, const char *username);

/* One account as `sala user list` shows it; the strings are borrowed for the call only. */
struct user_listing {
	const char *username, *full_name, *full_name_km, *sex, *org_code, *roles; /* roles joined by ';' */
	bool active, deleted;
};
typedef void (*user_listing_fn)(void *ctx, const struct user_listing *r);
/*
 * Calls fn for every account in org_code's subtree (every account when
 * org_code is NULL), by username. 0, or -1 with e set (an unknown org, or the
 * list stopped by a read error: the caller has then seen only part of it).
 */
int users_list(struct db *db, const char *org_code, user_listing_fn fn, void *ctx, struct err *e);

/* One row of users_search(); every string borrowed for the call ("" when NULL). */
struct user_row {
	int64_t id;
	const char *username, *full_name, *full_name_km, *sex, *org_code, *org_name, *org_name_km;
	const char *roles; /* "learner, manager" as stored, "" when none */
	bool active;
};
/* Called per row; a non-zero return stops the walk and is returned. */
typedef int (*user_row_fn)(void *ctx, const struct user_row *u);
/*
 * Users whose username, name or Khmer name contains q, or whose org unit has the code q (q NULL or "":
 * everyone), ordered by username, at most limit of them. 0 when every row was read, fn's non-zero return,
 * or -1 with a message when reading ended on a database error (never a short list taken for the whole).
 */
int users_search(struct db *db, const char *q, int limit, user_row_fn fn, void *ctx, struct err *e);
/*
 * One page of users_search(): the matching users from the offset-th on (0: the first), at most limit, and
 * in *total (when not NULL) how many match in all. Same returns as users_search(); -1 also when the count
 * cannot be read.
 */
int users_search_page(struct db *db, const char *q, int limit, int64_t offset, int64_t *total, user_row_fn fn,
		      void *ctx, struct err *e);
/* The org unit id of user id, or -1 when there is no such user. */
int64_t user_org_id(struct db *db, int64_t id);

/*
 * The ids of the accounts whose current org unit lies in org_id's subtree (org_id included), only the
 * active ones when active_only, in no set order, into *ids (caller frees; NULL when none) and *n. One
 * statement, so callers work on the set a batch at a time (DB_BATCH in lib/db.h), never a query per
 * account. 0, or -1 with e set (an unknown unit, or a read error: then *ids is NULL).
 */
int users_in_org_subtree(struct db *db, int64_t org_id, bool active_only, int64_t **ids, size_t *n, struct err *e);
/* Called per account with its id and username (borrowed for the call); non-zero stops the walk and is returned. */
typedef int (*user_name_fn)(void *ctx, int64_t id, const char *username);
/*
 * fn for each of ids[0..n) that names an account, in no set order, read DB_BATCH ids a statement. 0 when
 * every row was read, fn's non-zero return, or -1 with a message when reading ended on a database error.
 */
int users_usernames(struct db *db, const int64_t *ids, size_t n, user_name_fn fn, void *ctx, struct err *e);
/* Who a person is, for the lists of people trainers see; strings borrowed for the callback. */
struct user_person {
	int64_t id, org_id;
	const char *username, *full_name, *full_name_km, *sex, *position;
	const char *org_code, *org_name_en, *org_name_km;
};
typedef int (*user_person_fn)(void *ctx, const struct user_person *p);
/*
 * fn for each of ids[0..n) that names an account (deleted or not), with its name, sex, position and
 * org unit, in no set order, DB_BATCH ids a statement. 0 when every row was read, fn's non-zero return,
 * or -1 with a message when reading ended on a database error.
 */
int users_people(struct db *db, const int64_t *ids, size_t n, user_person_fn fn, void *ctx, struct err *e);

#endif
