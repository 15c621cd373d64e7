/* Unit tests for accounts/: org tree, users, CSV imports, sessions and login throttling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "accounts/orgs.h"
#include "accounts/sessions.h"
#include "accounts/users.h"
#include "lib/db.h"
#include "lib/i18n.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "server/server.h"

static int setup(void **state)
{
	struct err e;
	struct db *db = db_open(":memory:", &e);
	assert_non_null(db);
	assert_int_equal(orgs_seed(db, &e), 0);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	unsetenv("SALA_NOW");
	return 0;
}

/* Everything the imports may touch, as one number, to prove "nothing changed". */
static int64_t fingerprint(struct db *db)
{
	return db_int(db,
		      "SELECT (SELECT count(*) FROM org_units) * 1000000 + (SELECT count(*) FROM users) * 1000 + "
		      "(SELECT count(*) FROM user_roles)",
		      NULL, NULL, -1);
}

static char *import_errors(struct db *db, bool users, const char *csv, int *rc, int *added)
{
	struct problems pr = {0};
	struct err e = {""};
	*added = -1;
	*rc = users ? users_import_csv(db, "in.csv", csv, strlen(csv), &pr, added, &e)
		    : orgs_import_csv(db, "in.csv", csv, strlen(csv), &pr, added, &e);
	if (*rc < 0)
		buf_printf(&pr.text, "%s\n", e.msg);
	char *out = xstrdup(problems_text(&pr));
	problems_release(&pr);
	return out;
}

static void test_provinces_seeded(void **state)
{
	struct db *db = *state;
	assert_int_equal(db_int(db, "SELECT count(*) FROM org_units WHERE level = 'province'", NULL, NULL, 0), 25);
	static const struct {
		const char *code, *en, *km;
	} some[] = {
	    {"01", "Banteay Meanchey", "បន្ទាយមានជ័យ"}, {"12", "Phnom Penh", "ភ្នំពេញ"}, {"25", "Tboung Khmum", "ត្បូងឃ្មុំ"}};
	for (size_t i = 0; i < 3; i++) {
		struct db_stmt *st = db_stmt(db, "SELECT name_en, name_km FROM org_units WHERE code = ?");
		db_bind_text(st, 1, some[i].code);
		assert_int_equal(db_step(st), DB_ROW);
		assert_string_equal(db_col_text(st, 0), some[i].en);
		assert_string_equal(db_col_text(st, 1), some[i].km);
		db_finish(st);
	}
	struct err e;
	assert_int_equal(orgs_seed(db, &e), 0); /* idempotent */
	assert_int_equal(db_int(db, "SELECT count(*) FROM org_units", NULL, NULL, 0), 26);
}

static void test_orgs_import_and_subtree(void **state)
{
	struct db *db = *state;
	const char *csv = "code,name_en,name_km,parent_code,level\n"
			  "1710,Siem Reap Municipality,ក្រុងសៀមរាប,17,district\n"
			  "171001,Sla Kram,ស្លក្រាម,1710,commune\n"
			  "171001-OWS,One window office,,171001,office\n";
	int rc, added;
	char *errs = import_errors(db, false, csv, &rc, &added);
	assert_int_equal(rc, 0);
	assert_int_equal(added, 3);
	free(errs);
	assert_true(org_within(db, org_id(db, "17"), org_id(db, "171001-OWS")));
	assert_true(org_within(db, org_id(db, "1710"), org_id(db, "1710")));
	assert_false(org_within(db, org_id(db, "12"), org_id(db, "171001")));
	assert_false(org_within(db, org_id(db, "171001"), org_id(db, "1710")));
	/* '1' must not be taken as an ancestor of '/10/...' paths: ids 1 and 10 differ. */
	assert_false(org_within(db, org_id(db, "01"), org_id(db, "10")));
}

static void test_orgs_import_bad_rows_change_nothing(void **state)
{
	struct db *db = *state;
	int64_t before = fingerprint(db);
	const char *csv = "code,name_en,name_km,parent_code,level\n"
			  "0201,Banan,បាណន់,02,district\n"
			  "0202,,ថ្មគោល,02,district\n"
			  "0203,Battambang,,99,district\n"
			  "0204,Thma,,02,village\n"
			  "020101,Commune,,0201,province\n"
			  "0201,Again,,02,district\n";
	int rc, added;
	char *errs = import_errors(db, false, csv, &rc, &added);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(errs, "in.csv:3: org '0202' has no English name"));
	assert_non_null(strstr(errs, "in.csv:4: org '0203': unknown parent code '99'"));
	assert_non_null(strstr(errs, "in.csv:5: org '0204': unknown level 'village'"));
	assert_non_null(strstr(errs, "in.csv:6: org '020101': a province cannot sit under a district"));
	assert_non_null(strstr(errs, "in.csv:7: org code '0201' already exists"));
	assert_null(strstr(errs, "in.csv:2:"));
	free(errs);
	assert_int_equal(fingerprint(db), before);
}

static void test_roles(void **state)
{
	(void)state;
	unsigned m;
	struct err e;
	assert_int_equal(roles_parse("learner;manager", &m, &e), 0);
	assert_int_equal(m, ROLE_LEARNER | ROLE_MANAGER);
	assert_int_equal(roles_parse("admin|trainer", &m, &e), 0);
	assert_int_equal(m, ROLE_ADMIN | ROLE_TRAINER);
	assert_int_equal(roles_parse("", &m, &e), 0);
	assert_int_equal(m, ROLE_LEARNER);
	assert_int_equal(roles_parse("learner;boss", &m, &e), -1);
	assert_string_equal(e.msg, "unknown role 'boss' (learner, trainer, manager, admin)");
	char out[64];
	roles_format(ROLE_LEARNER | ROLE_ADMIN, out, sizeof out);
	assert_string_equal(out, "learner, admin");
}

/* sala doctor's questions: which demo accounts can still log in, and which administrators are left. */
static void test_demo_accounts_and_admins(void **state)
{
	struct db *db = *state;
	struct err e;
	static const struct {
		const char *name, *roles;
		bool demo, active;
	} people[] = {
	    {"learner", "learner", true, true},	 {"admin", "admin;learner", true, true},
	    {"trainer", "trainer", true, false}, {"sokha", "learner", false, true},
	    {"dara", "admin", false, false},
	};
	for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
		struct user_input u = {.username = people[i].name,
				       .full_name = "Test Person",
				       .org_code = ORG_ROOT_CODE,
				       .roles = people[i].roles,
				       .password = "Kampot-Pepper-Harvest-77",
				       .is_demo = people[i].demo};
		int64_t id = user_add(db, &u, &e);
		assert_true(id > 0);
		if (!people[i].active)
			assert_int_equal(user_set_active(db, id, false, &e), 0);
	}
	struct buf names = BUF_INIT;
	assert_int_equal(users_demo_active(db, &names, &e), 2);
	assert_string_equal(buf_str(&names), "admin learner");
	buf_reset(&names);
	assert_int_equal(users_admins_active(db, true, &names, &e), 1);
	assert_string_equal(buf_str(&names), "admin");
	/* The only other administrator is disabled: none of the site's own is left. */
	assert_int_equal(users_admins_active(db, false, NULL, &e), 0);
	struct user u;
	assert_int_equal(user_get_by_name(db, "dara", &u), 0);
	assert_int_equal(user_set_active(db, u.id, true, &e), 0);
	user_release(&u);
	buf_reset(&names);
	assert_int_equal(users_admins_active(db, false, &names, &e), 1);
	assert_string_equal(buf_str(&names), "dara");
	buf_release(&names);
}

static void test_users_import_any_order(void **state)
{
	struct db *db = *state;
	/* Columns in another order than documented; a Khmer name; several roles. */
	const char *csv = "password,org_code,username,full_name,sex,full_name_km,role,position\n"
			  "secret-pass-1,17,sokha,Srey Sokha,female,ស្រី សុខា,learner;manager,Clerk\n"
			  "secret-pass-2,12,dara,Keo Dara,male,,learner,\n";
	int rc, added;
	char *errs = import_errors(db, true, csv, &rc, &added);
	assert_int_equal(rc, 0);
	assert_int_equal(added, 2);
	free(errs);
	struct user u;
	assert_int_equal(user_get_by_name(db, "sokha", &u), 0);
	assert_string_equal(u.full_name_km, "ស្រី សុខា");
	assert_string_equal(u.sex, "female");
	assert_string_equal(u.org_code, "17");
	assert_string_equal(u.position, "Clerk");
	assert_int_equal(u.roles, ROLE_LEARNER | ROLE_MANAGER);
	user_release(&u);
	int64_t id;
	assert_int_equal(login_attempt(db, "sokha", "secret-pass-1", "10.0.0.1", &id, NULL), LOGIN_OK);
	assert_int_equal(login_attempt(db, "SOKHA", "secret-pass-1", "10.0.0.1", &id, NULL), LOGIN_OK);
}

static void test_users_import_one_bad_row_imports_nothing(void **state)
{
	struct db *db = *state;
	int64_t before = fingerprint(db);
	static const struct {
		const char *row, *message;
	} bad[] = {
	    {"ok1,Good Name,,female,17,,learner,,,long-enough-1", NULL},
	    {"b@d name,Bad,,female,17,,learner,,,long-enough-1", "in.csv:3: invalid username 'b@d name'"},
	    {"nosex,Name,,woman,17,,learner,,,long-enough-1", "in.csv:4: sex must be female, male, other or "
							      "unspecified, not 'woman'"},
	    {"noorg,Name,,male,99,,learner,,,long-enough-1", "in.csv:5: unknown org_code '99'"},
	    {"shortpw,Name,,male,17,,learner,,,short", "in.csv:6: The password must have at least 10 characters."},
	    {"badrole,Name,,male,17,,chief,,,long-enough-1", "in.csv:7: unknown role 'chief'"},
	    {"ok1,Dup,,male,17,,learner,,,long-enough-1", "in.csv:8: username 'ok1' appears twice (also on line 2)"},
	    {"noname,,,male,17,,learner,,,long-enough-1", "in.csv:9: full_name is empty"},
	    {"mail,Name,,male,17,,learner,not-an-address,,long-enough-1", "in.csv:10: email 'not-an-address' is "
									  "not an address"},
	};
	struct buf csv = BUF_INIT;
	buf_puts(&csv, "username,full_name,full_name_km,sex,org_code,position,role,email,phone,password\n");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		buf_printf(&csv, "%s\n", bad[i].row);
	int rc, added;
	char *errs = import_errors(db, true, buf_str(&csv), &rc, &added);
	assert_int_equal(rc, -1);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (bad[i].message)
			assert_non_null(strstr(errs, bad[i].message));
	assert_null(strstr(errs, "in.csv:2:"));
	assert_non_null(strstr(errs, "8 bad rows: nothing imported"));
	free(errs);
	buf_release(&csv);
	assert_int_equal(fingerprint(db), before);
}

static void test_users_import_header_problems(void **state)
{
	struct db *db = *state;
	int rc, added;
	char *errs = import_errors(db, true, "username,full_name,colour\nx,y,z\n", &rc, &added);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(errs, "in.csv:1: missing column 'org_code' in the header"));
	assert_non_null(strstr(errs, "in.csv:1: unknown column 'colour'"));
	free(errs);
	errs = import_errors(db, true, "", &rc, &added);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(errs, "empty file"));
	free(errs);
}

static int64_t add_user(struct db *db, const char *name)
{
	struct user_input u = {.username = name,
			       .full_name = "Test User",
			       .org_code = "17",
			       .password = "correct-horse",
			       .roles = "learner"};
	struct err e;
	int64_t id = user_add(db, &u, &e);
	assert_true(id > 0);
	return id;
}

static void test_login_throttle(void **state)
{
	struct db *db = *state;
	add_user(db, "target");
	int64_t t0 = 1800000000, id, wait = 0;
	setenv("SALA_NOW", "1800000000", 1);
	for (int i = 0; i < LOGIN_FREE_FAILURES; i++)
		assert_int_equal(login_attempt(db, "target", "wrong-password", "10.0.0.2", &id, &wait), LOGIN_BAD);
	/* That account at that address waits now, even with the right password, whatever the case. */
	assert_int_equal(login_attempt(db, "target", "correct-horse", "10.0.0.2", &id, &wait), LOGIN_THROTTLED);
	assert_int_equal(wait, LOGIN_DELAY_FIRST_S);
	assert_int_equal(login_attempt(db, "TARGET", "correct-horse", "10.0.0.2", &id, &wait), LOGIN_THROTTLED);
	/* Not from another address: nobody can lock an account out from elsewhere. */
	assert_int_equal(login_attempt(db, "target", "correct-horse", "10.0.0.3", &id, &wait), LOGIN_OK);
	/* Each further failure doubles the wait, up to the cap; a refused attempt records nothing. */
	static const struct {
		int64_t after; /* seconds after t0 */
		int64_t wait;  /* then expected */
	} steps[] = {
	    {60, 120}, {180, 240}, {420, 480}, {900, 900}, {1800, 900},
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		char now[32];
		snprintf(now, sizeof now, "%lld", (long long)(t0 + steps[i].after));
		setenv("SALA_NOW", now, 1);
		assert_int_equal(login_attempt(db, "target", "wrong-password", "10.0.0.2", &id, &wait), LOGIN_BAD);
		assert_int_equal(login_attempt(db, "target", "wrong-password", "10.0.0.2", &id, &wait),
				 LOGIN_THROTTLED);
		assert_int_equal(wait, steps[i].wait);
	}
	/* A success there clears the account's failures at that address. */
	setenv("SALA_NOW", "1800002700", 1);
	assert_int_equal(login_attempt(db, "target", "correct-horse", "10.0.0.2", &id, &wait), LOGIN_OK);
	assert_int_equal(
	    db_int(db, "SELECT count(*) FROM login_failures WHERE key = 'acct:10.0.0.2 target'", NULL, NULL, -1), 0);
	/* Unknown users fail the same way as wrong passwords. */
	assert_int_equal(login_attempt(db, "nobody", "correct-horse", "10.0.0.3", &id, NULL), LOGIN_BAD);
	/* The per-address limit, across accounts. */
	setenv("SALA_NOW", "1800010000", 1);
	for (int i = 0; i < LOGIN_MAX_PER_ADDRESS; i++) {
		char name[32];
		snprintf(name, sizeof name, "guess%d", i);
		assert_int_equal(login_attempt(db, name, "x", "10.0.0.9", &id, &wait), LOGIN_BAD);
	}
	assert_int_equal(login_attempt(db, "target", "correct-horse", "10.0.0.9", &id, &wait), LOGIN_THROTTLED);
	assert_int_equal(wait, LOGIN_WINDOW_S);
	struct throttle_entry *t;
	size_t n;
	struct err e;
	assert_int_equal(throttle_list(db, false, &t, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].address, "10.0.0.9");
	assert_string_equal(t[0].username, "");
	assert_int_equal(t[0].failures, LOGIN_MAX_PER_ADDRESS);
	assert_int_equal(t[0].wait_s, LOGIN_WINDOW_S);
	free(t);
	int64_t removed = 0;
	assert_int_equal(throttle_clear(db, NULL, "10.0.0.9", &removed, &e), 0);
	assert_int_equal(removed, 2 * LOGIN_MAX_PER_ADDRESS);
	assert_int_equal(login_attempt(db, "target", "correct-horse", "10.0.0.9", &id, &wait), LOGIN_OK);
	unsetenv("SALA_NOW");
}

static void test_sessions_expire(void **state)
{
	struct db *db = *state;
	int64_t uid = add_user(db, "sess");
	setenv("SALA_NOW", "1800000000", 1);
	char tok[65], csrf[65];
	struct err e;
	assert_int_equal(session_create(db, uid, tok, csrf, &e), 0);
	assert_int_equal(strlen(tok), 64);
	/* Only the hash is stored. */
	assert_int_equal(db_int(db, "SELECT count(*) FROM sessions WHERE token_hash = ?", tok, NULL, -1), 0);
	struct session s;
	assert_int_equal(session_lookup(db, tok, &s), 0);
	assert_int_equal(s.user_id, uid);
	assert_string_equal(s.csrf, csrf);
	/* Idle expiry. */
	char later[32];
	snprintf(later, sizeof later, "%d", 1800000000 + SESSION_IDLE_S + 61);
	setenv("SALA_NOW", later, 1);
	assert_int_equal(session_lookup(db, tok, &s), -1);
	/* A disabled account's sessions end. */
	setenv("SALA_NOW", "1800000000", 1);
	assert_int_equal(session_create(db, uid, tok, csrf, &e), 0);
	assert_int_equal(user_set_active(db, uid, false, &e), 0);
	assert_int_equal(session_lookup(db, tok, &s), -1);
	/* Logout destroys. */
	assert_int_equal(user_set_active(db, uid, true, &e), 0);
	assert_int_equal(session_create(db, uid, tok, csrf, &e), 0);
	session_destroy(db, tok);
	assert_int_equal(session_lookup(db, tok, &s), -1);
}

/* session_user_lookup(): the session and its user (roles, org unit) in one query, with session_lookup()'s rules. */
static void test_session_user_lookup(void **state)
{
	struct db *db = *state;
	struct user_input in = {.username = "both",
				.full_name = "Sok Dara",
				.org_code = "17",
				.password = "correct-horse",
				.roles = "learner,manager"};
	struct err e;
	int64_t uid = user_add(db, &in, &e);
	assert_true(uid > 0);
	setenv("SALA_NOW", "1800000000", 1);
	char tok[65], csrf[65];
	assert_int_equal(session_create(db, uid, tok, csrf, &e), 0);
	struct session s;
	struct user u;
	assert_int_equal(session_user_lookup(db, tok, &s, &u), 0);
	assert_int_equal(s.user_id, uid);
	assert_string_equal(s.csrf, csrf);
	assert_int_equal(u.id, uid);
	assert_string_equal(u.username, "both");
	assert_string_equal(u.full_name, "Sok Dara");
	assert_string_equal(u.org_code, "17");
	assert_int_equal(u.roles, ROLE_LEARNER | ROLE_MANAGER);
	user_release(&u);
	/* The same refusals as session_lookup(): a wrong token, idle expiry, a disabled account. */
	char bad[65];
	memcpy(bad, tok, sizeof bad);
	bad[0] = bad[0] == 'a' ? 'b' : 'a';
	assert_int_equal(session_user_lookup(db, bad, &s, &u), -1);
	assert_int_equal(session_user_lookup(db, "short", &s, &u), -1);
	char later[32];
	snprintf(later, sizeof later, "%d", 1800000000 + SESSION_IDLE_S + 61);
	setenv("SALA_NOW", later, 1);
	assert_int_equal(session_user_lookup(db, tok, &s, &u), -1);
	setenv("SALA_NOW", "1800000000", 1);
	assert_int_equal(session_create(db, uid, tok, csrf, &e), 0);
	assert_int_equal(user_set_active(db, uid, false, &e), 0);
	assert_int_equal(session_user_lookup(db, tok, &s, &u), -1);
}

static void test_password_change_ends_sessions(void **state)
{
	struct db *db = *state;
	int64_t uid = add_user(db, "pw");
	char tok[65], csrf[65];
	struct err e;
	assert_int_equal(session_create(db, uid, tok, csrf, &e), 0);
	assert_int_equal(user_reset_password(db, uid, "another-password", false, &e), 0);
	struct session s;
	assert_int_equal(session_lookup(db, tok, &s), -1);
	assert_int_equal(user_reset_password(db, uid, "short", false, &e), -1);
	assert_string_equal(e.msg, "The password must have at least 10 characters.");
	assert_int_equal(user_reset_password(db, uid + 1000, "another-password", false, &e), -1);
	assert_string_equal(e.msg, "no such user");
}

static void test_password_strength(void **state)
{
	(void)state;
	static const struct {
		const char *pw, *user, *problem; /* NULL problem: accepted */
	} cases[] = {
	    {"password", "sokha", "The password must have at least 10 characters."},
	    {"12345678", "sokha", "The password must have at least 10 characters."},
	    {"aaaaaaaa", "sokha", "The password must have at least 10 characters."},
	    {"ពាក្យ", "sokha", "The password must have at least 10 characters."}, /* 15 bytes, 5 characters */
	    {"1234567890", "sokha", "The password is too simple or follows a pattern (such as 12345 or abcde)."},
	    {"aaaaaaaaaaaa", "sokha", "The password reads the same backwards."},
	    {"abcabcabcabcab", "sokha", "The password does not have enough different characters."},
	    {"qwertyuiop", "sokha", "The password is based on a dictionary word."},
	    {"sokha-2026-rice", "sokha", "The password contains the username."},
	    {"tab\tinside-pw", "sokha",
	     "The password contains characters that cannot be used (control characters "
	     "or invalid text)."},
	    {"demo-Mekong-4", "learner", NULL},
	    {"demo-Angkor-1", "admin", NULL},
	    {"demo-Bayon-2", "trainer", NULL},
	    {"demo-Kampot-3", "manager", NULL},
	    {"Correct-horse-9", "sokha", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct err e = {""};
		int rc = password_check(cases[i].pw, cases[i].user, &e);
		if (cases[i].problem) {
			assert_int_equal(rc, -1);
			assert_string_equal(e.msg, cases[i].problem);
		} else {
			if (rc != 0)
				fail_msg("'%s' refused: %s", cases[i].pw, e.msg);
		}
	}
	char longpw[PASSWORD_MAX + 2];
	memset(longpw, 'x', sizeof longpw - 1);
	longpw[sizeof longpw - 1] = '\0';
	struct err e;
	assert_int_equal(password_check(longpw, "sokha", &e), -1);
	assert_string_equal(e.msg, "The password is too long (at most 256 bytes).");
	/* Every sentence is in the list the catalogue is checked against. */
	size_t n = 0;
	while (password_problems[n])
		n++;
	assert_int_equal(n, 10);
	/* Each has its Khmer in the interface catalogue, so a Khmer page never shows the English. */
	server_messages_register();
	for (size_t i = 0; i < n; i++)
		if (strcmp(tr("km", password_problems[i]), password_problems[i]) == 0)
			fail_msg("no Khmer for '%s'", password_problems[i]);
	assert_string_equal(tr("km", "The password must have at least 10 characters."),
			    "ពាក្យសម្ងាត់ត្រូវមានយ៉ាងតិច ១០ តួអក្សរ។");
}

static void test_activation_codes(void **state)
{
	(void)state;
	char a[ACTIVATION_CODE_LEN + 1], b[ACTIVATION_CODE_LEN + 1], c[ACTIVATION_CODE_LEN + 1];
	activation_code_new(a);
	activation_code_new(b);
	assert_int_equal(strlen(a), 11);
	assert_int_equal(a[5], '-');
	for (int i = 0; i < 11; i++)
		if (i != 5)
			assert_non_null(strchr(ACTIVATION_ALPHABET, a[i]));
	assert_string_not_equal(a, b);
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"ABCDE-FGHJK", "ABCDE-FGHJK"}, {"abcde fghjk", "ABCDE-FGHJK"},
	    {"ABCDEFGHJK", "ABCDE-FGHJK"},  {" ab-cd-ef-gh-jk ", "ABCDE-FGHJK"},
	    {"ABCDE-FGHJ", NULL},	    {"ABCDE-FGHJKM", NULL},
	    {"ABCDE-FGHJ0", NULL}, /* 0, 1, I, L, O are not in the alphabet */
	    {"ABCDE-FGHJI", NULL},	    {"", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bool ok = activation_code_normalise(cases[i].in, c);
		assert_int_equal(ok, cases[i].out != NULL);
		if (ok)
			assert_string_equal(c, cases[i].out);
	}
}

static void test_activation_lifecycle(void **state)
{
	struct db *db = *state;
	setenv("SALA_NOW", "1800000000", 1);
	struct user_input in = {
	    .username = "newbie", .full_name = "New Person", .org_code = "17", .roles = "learner", .activation = true};
	struct err e;
	int64_t id = user_add(db, &in, &e);
	assert_true(id > 0);
	int64_t got;
	/* No password yet: nothing logs in. */
	assert_int_equal(login_attempt(db, "newbie", "", "10.0.0.9", &got, NULL), LOGIN_BAD);
	char code[ACTIVATION_CODE_LEN + 1], typed[ACTIVATION_CODE_LEN + 1], buf[ACTIVATION_CODE_LEN + 1];
	assert_int_equal(user_activation_issue(db, id, code, &e), 0);
	assert_true(user_activation_pending(db, "newbie"));
	/* Stored hashed only. */
	assert_int_equal(
	    db_int(db, "SELECT count(*) FROM users WHERE password_hash LIKE '%' || ? || '%'", code, NULL, -1), 0);
	/* Typed in lower case without the dash, it still works. */
	snprintf(typed, sizeof typed, "%.5s%s", code, code + 6);
	for (char *p = typed; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	assert_int_equal(
	    login_attempt(db, "newbie", user_login_password(db, "newbie", typed, buf), "10.0.0.9", &got, NULL),
	    LOGIN_OK);
	assert_int_equal(got, id);
	assert_int_equal(user_login_finish(db, id, &e), 0);
	assert_true(user_must_change(db, id));
	/* The code works once. */
	assert_false(user_activation_pending(db, "newbie"));
	assert_int_equal(login_attempt(db, "newbie", code, "10.0.0.9", &got, NULL), LOGIN_BAD);
	/* No current password to give; a weak new one is refused. */
	assert_int_equal(user_change_password(db, id, NULL, "12345678901", NULL, &e), -1);
	assert_int_equal(user_change_password(db, id, NULL, "rice-field-2026", NULL, &e), 0);
	assert_false(user_must_change(db, id));
	assert_int_equal(login_attempt(db, "newbie", "rice-field-2026", "10.0.0.9", &got, NULL), LOGIN_OK);
	/* Now the current password is required. */
	assert_int_equal(user_change_password(db, id, "wrong-one-here", "river-boat-2027", NULL, &e), -1);
	assert_string_equal(e.msg, "The current password is not correct.");
	/* A re-issued code that is not used in 14 days stops working. */
	assert_int_equal(user_activation_issue(db, id, code, &e), 0);
	char later[32];
	snprintf(later, sizeof later, "%d", 1800000000 + ACTIVATION_VALID_S + 1);
	setenv("SALA_NOW", later, 1);
	assert_int_equal(login_attempt(db, "newbie", code, "10.0.0.9", &got, NULL), LOGIN_OK);
	assert_int_equal(user_login_finish(db, id, &e), -1);
	assert_string_equal(e.msg, "This activation code has expired. Ask your administrator for a new one.");
	assert_true(user_activation_pending(db, "newbie"));
}

static void test_user_delete_erases_and_keeps(void **state)
{
	struct db *db = *state;
	struct user_input in = {.username = "leaver",
				.full_name = "Leaving Person",
				.full_name_km = "ស្រី",
				.sex = "female",
				.org_code = "17",
				.email = "l@example.org",
				.phone = "012",
				.position = "Clerk",
				.password = "rice-field-2026",
				.roles = "learner"};
	struct err e;
	int64_t id = user_add(db, &in, &e);
	assert_true(id > 0);
	char tok[65], csrf[65];
	assert_int_equal(session_create(db, id, tok, csrf, &e), 0);
	assert_int_equal(user_delete(db, id, &e), 0);
	struct user u;
	assert_int_equal(user_get(db, id, &u), 0);
	assert_true(u.deleted);
	assert_false(u.active);
	assert_string_equal(u.full_name, "");
	assert_string_equal(u.full_name_km, "");
	assert_string_equal(u.email, "");
	assert_string_equal(u.phone, "");
	assert_string_equal(u.position, "");
	assert_string_equal(u.sex, "female"); /* kept for the reports */
	assert_string_equal(u.org_code, "17");
	assert_int_equal(u.roles, ROLE_LEARNER);
	user_release(&u);
	struct session s;
	assert_int_equal(session_lookup(db, tok, &s), -1);
	int64_t got;
	assert_int_equal(login_attempt(db, "leaver", "rice-field-2026", "10.0.0.9", &got, NULL), LOGIN_BAD);
	/* The name is free again; deleting twice is refused. */
	assert_int_equal(user_get_by_name(db, "leaver", &u), -1);
	assert_int_equal(user_delete(db, id, &e), -1);
	assert_string_equal(e.msg, "the account was already deleted");
	/* The last active administrator can be neither deleted nor disabled. */
	struct user_input adm = {
	    .username = "boss", .full_name = "Boss", .org_code = "KH", .password = "rice-field-2026", .roles = "admin"};
	int64_t aid = user_add(db, &adm, &e);
	assert_true(aid > 0);
	assert_int_equal(user_delete(db, aid, &e), -1);
	assert_non_null(strstr(e.msg, "last active administrator"));
	assert_int_equal(user_set_active(db, aid, false, &e), -1);
	assert_int_equal(user_set_active(db, id, true, &e), -1); /* deleted: cannot come back */
}

/* org_ensure_demo: the checks of org_add, is_demo set, an existing unit reused; the listing functions. */
static void test_org_demo_units_and_lists(void **state)
{
	struct db *db = *state;
	struct err e = {""};
	assert_int_equal(db_begin(db, &e), 0);
	int64_t d = org_ensure_demo(db, "1751", "Siem Reap demo district 1", "ស្រុកសាកល្បង 1", "17", "district", &e);
	assert_true(d > 0);
	assert_int_equal(org_ensure_demo(db, "1751", "Other name", "", "17", "district", &e), d);
	int64_t c = org_ensure_demo(db, "175101", "Demo commune 175101", "", "1751", "commune", &e);
	assert_true(c > 0);
	/* The rules of org_add: a district cannot sit under a commune, an unknown parent is named. */
	assert_int_equal(org_ensure_demo(db, "175199", "Bad", "", "175101", "district", &e), -1);
	assert_string_equal(e.msg, "org '175199': a district cannot sit under a commune");
	assert_int_equal(org_ensure_demo(db, "175198", "Bad", "", "99x", "commune", &e), -1);
	assert_string_equal(e.msg, "org '175198': unknown parent code '99x'");
	assert_int_equal(db_commit(db, &e), 0);
	assert_int_equal(org_id(db, "175199"), -1);
	assert_true(org_within(db, org_id(db, "17"), c));
	assert_int_equal(db_int(db, "SELECT is_demo FROM org_units WHERE code = '175101'", NULL, NULL, -1), 1);
	assert_int_equal(db_int(db, "SELECT is_demo FROM org_units WHERE code = '17'", NULL, NULL, -1), 0);

	int64_t id = 0;
	char code[40] = "";
	assert_int_equal(org_child_at(db, org_id(db, "17"), "district", 0, &id, code, sizeof code, &e), 1);
	assert_int_equal(id, d);
	assert_string_equal(code, "1751");
	assert_int_equal(org_child_at(db, org_id(db, "17"), "district", 1, &id, code, sizeof code, &e), 0);

	struct org_entry *rows;
	size_t n;
	assert_int_equal(orgs_children(db, d, &rows, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].code, "1751");
	assert_string_equal(rows[0].name_km, "ស្រុកសាកល្បង 1");
	assert_string_equal(rows[1].code, "175101");
	assert_string_equal(rows[1].level, "commune");
	org_entries_free(rows, n);
	assert_int_equal(orgs_of_level(db, "province", &rows, &n, &e), 0);
	assert_int_equal(n, 25);
	assert_string_equal(rows[0].code, "01");
	assert_true(strcmp(rows[0].code, rows[1].code) < 0);
	org_entries_free(rows, n);
	assert_int_equal(orgs_mark_demo(db, &e), 0);
	assert_int_equal(db_int(db,
				"SELECT count(*) FROM org_units WHERE is_demo = 0 AND level IN ('district', "
				"'commune')",
				NULL, NULL, -1),
			 0);
}

static void collect_user(void *ctx, const struct user_listing *r)
{
	buf_printf(ctx, "%s:%s:%s:%s:%d|", r->username, r->org_code, r->roles, r->sex, r->active);
}

/* users_list follows the subtree; created_at backdates an account; the counts. */
static void test_users_list_and_counts(void **state)
{
	struct db *db = *state;
	struct err e = {""};
	assert_true(org_add(db, "1710", "Siem Reap Municipality", "", "17", "district", &e) > 0);
	static const struct {
		const char *name, *org, *roles;
	} people[] = {
	    {"demo000002", "1710", "learner"}, {"demo000001", "17", "learner;trainer"}, {"sokha", "12", "manager"}};
	for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
		struct user_input u = {.username = people[i].name,
				       .full_name = "Test Person",
				       .sex = "female",
				       .org_code = people[i].org,
				       .roles = people[i].roles,
				       .password_hash = "$argon2id$not-a-real-hash",
				       .created_at = 1000 + (int64_t)i};
		assert_true(user_add(db, &u, &e) > 0);
	}
	assert_int_equal(users_count(db), 3);
	assert_int_equal(users_demo_learners_count(db), 2);
	assert_true(user_exists(db, "sokha"));
	assert_false(user_exists(db, "dara"));
	assert_int_equal(db_int(db, "SELECT created_at FROM users WHERE username = 'demo000001'", NULL, NULL, -1),
			 1001);
	struct buf out = BUF_INIT;
	assert_int_equal(users_list(db, "17", collect_user, &out, &e), 0);
	assert_string_equal(buf_str(&out), "demo000001:17:learner;trainer:female:1|demo000002:1710:learner:female:1|");
	buf_reset(&out);
	assert_int_equal(users_list(db, NULL, collect_user, &out, &e), 0);
	assert_non_null(strstr(buf_str(&out), "sokha:12:manager:female:1|"));
	assert_int_equal(users_list(db, "nowhere", collect_user, &out, &e), -1);
	assert_string_equal(e.msg, "unknown org code 'nowhere'");
	buf_release(&out);
}

/* users_sex(): the sex of many learners in chunks, "unspecified" for an id with no account. */
static void test_users_sex(void **state)
{
	struct db *db = *state;
	struct err e = {""};
	static const char *const sexes[] = {"female", "male", "other", "unspecified"};
	enum { N = 150 }; /* more than two chunks of 64 */
	int64_t ids[N + 1];
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof name, "learner%03d", i);
		struct user_input u = {.username = name,
				       .full_name = "Test Person",
				       .sex = sexes[i % 4],
				       .org_code = "12",
				       .roles = "learner",
				       .password_hash = "$argon2id$not-a-real-hash"};
		ids[N - 1 - i] = user_add(db, &u, &e); /* in descending order: no order is assumed */
		assert_true(ids[N - 1 - i] > 0);
	}
	ids[N] = ids[0] + 1000; /* no such account */
	const char *got[N + 1];
	assert_int_equal(users_sex(db, ids, N + 1, got, &e), 0);
	for (int i = 0; i < N; i++)
		assert_string_equal(got[N - 1 - i], sexes[i % 4]);
	assert_string_equal(got[N], "unspecified");
	assert_int_equal(users_sex(db, ids, 0, got, &e), 0);
}

/* What a walk over users_search() or the org walks saw, one "a|b|c" line per row. */
struct seen {
	char text[2048];
	int rows, stop_after;
};

static int see_user(void *ctx, const struct user_row *u)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);
	snprintf(s->text + n, sizeof s->text - n, "%s|%s|%s|%s|%s|%d\n", u->username, u->full_name, u->org_code,
		 u->roles, u->sex, u->active);
	s->rows++;
	return s->stop_after && s->rows == s->stop_after ? 7 : 0;
}

static int see_org(void *ctx, const struct org_row *o)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);
	snprintf(s->text + n, sizeof s->text - n, "%s|%s|%s|%s|%d\n", o->code, o->name_en, o->level, o->parent_code,
		 o->children);
	s->rows++;
	return s->stop_after && s->rows == s->stop_after ? 7 : 0;
}

static void test_users_search_and_org(void **state)
{
	struct db *db = *state;
	struct err e;
	static const struct {
		const char *name, *full, *org, *roles, *sex;
	} people[] = {
	    {"sokha", "Sok Sokha", "17", "learner", "female"},
	    {"dara", "Chan Dara", "12", "trainer;learner", "male"},
	    {"vanna", "Keo Vanna", "17", "manager", "unspecified"},
	};
	int64_t ids[3];
	for (size_t i = 0; i < 3; i++) {
		struct user_input u = {.username = people[i].name,
				       .full_name = people[i].full,
				       .org_code = people[i].org,
				       .roles = people[i].roles,
				       .sex = people[i].sex,
				       .activation = true};
		ids[i] = user_add(db, &u, &e);
		assert_true(ids[i] > 0);
	}
	assert_int_equal(user_set_active(db, ids[2], false, &e), 0);
	struct seen s = {.rows = 0};
	assert_int_equal(users_search(db, NULL, 200, see_user, &s, &e), 0);
	/* The roles come joined in the order SQLite's group_concat gives them. */
	const char *rest = "sokha|Sok Sokha|17|learner|female|1\nvanna|Keo Vanna|17|manager|unspecified|0\n";
	char a[256], b[256];
	snprintf(a, sizeof a, "dara|Chan Dara|12|trainer, learner|male|1\n%s", rest);
	snprintf(b, sizeof b, "dara|Chan Dara|12|learner, trainer|male|1\n%s", rest);
	assert_true(strcmp(s.text, a) == 0 || strcmp(s.text, b) == 0);
	/* By part of a name, by org code, with a limit, and a walk the callback stops. */
	s = (struct seen){.rows = 0};
	assert_int_equal(users_search(db, "Sokha", 200, see_user, &s, &e), 0);
	assert_string_equal(s.text, "sokha|Sok Sokha|17|learner|female|1\n");
	s = (struct seen){.rows = 0};
	assert_int_equal(users_search(db, "17", 200, see_user, &s, &e), 0);
	assert_int_equal(s.rows, 2);
	s = (struct seen){.rows = 0};
	assert_int_equal(users_search(db, "", 1, see_user, &s, &e), 0);
	assert_int_equal(s.rows, 1);
	assert_int_equal(strncmp(s.text, "dara|", 5), 0);
	s = (struct seen){.stop_after = 2};
	assert_int_equal(users_search(db, NULL, 200, see_user, &s, &e), 7);
	assert_int_equal(s.rows, 2);
	s = (struct seen){.rows = 0};
	assert_int_equal(users_search(db, "nobody", 200, see_user, &s, &e), 0);
	assert_int_equal(s.rows, 0);
	assert_int_equal(user_org_id(db, ids[1]), org_id(db, "12"));
	assert_int_equal(user_org_id(db, ids[2] + 1000), -1);
}

/* Sets of accounts for batch work: a subtree's ids (active or all), and usernames a batch of ids at a time. */
static int64_t id_sum;
static size_t names_seen;
static int see_name(void *ctx, int64_t id, const char *username)
{
	(void)ctx;
	char want[32];
	snprintf(want, sizeof want, "s%lld", (long long)id);
	assert_string_equal(username, want);
	id_sum += id;
	names_seen++;
	return 0;
}

static void test_users_subtree_and_usernames(void **state)
{
	struct db *db = *state;
	struct err e;
	assert_true(org_add(db, "1201", "Dangkor", "ដង្កោ", "12", "district", &e) > 0);
	/* Ids 1..1200: 700 in the district (id 5 disabled), 500 in province 13. */
	assert_int_equal(
	    db_exec(db,
		    "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 1200) "
		    "INSERT INTO users(id, username, password_hash, full_name, org_id, active, created_at) "
		    "SELECT n, 's' || n, 'x', 'S', (SELECT id FROM org_units WHERE code = CASE WHEN n <= 700 "
		    "THEN '1201' ELSE '13' END), n <> 5, 0 FROM k",
		    &e),
	    0);
	int64_t *ids = NULL;
	size_t n = 0;
	struct {
		const char *code;
		bool active_only;
		size_t n;
		int64_t sum;
	} cases[] = {
	    {"1201", false, 700, 700 * 701 / 2},	   {"1201", true, 699, 700 * 701 / 2 - 5},
	    {"12", true, 699, 700 * 701 / 2 - 5},	   {"13", false, 500, 1200 * 1201 / 2 - 700 * 701 / 2},
	    {ORG_ROOT_CODE, false, 1200, 1200 * 1201 / 2}, {"14", false, 0, 0},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		assert_int_equal(
		    users_in_org_subtree(db, org_id(db, cases[c].code), cases[c].active_only, &ids, &n, &e), 0);
		assert_int_equal(n, cases[c].n);
		int64_t sum = 0;
		for (size_t i = 0; i < n; i++)
			sum += ids[i];
		assert_int_equal(sum, cases[c].sum);
		/* Their usernames, read DB_BATCH ids a statement (700 ids: two). */
		id_sum = 0;
		names_seen = 0;
		assert_int_equal(users_usernames(db, ids, n, see_name, NULL, &e), 0);
		assert_int_equal(names_seen, n);
		assert_int_equal(id_sum, cases[c].sum);
		free(ids);
	}
	assert_int_equal(users_in_org_subtree(db, 424242, false, &ids, &n, &e), -1);
	assert_null(ids);
	assert_string_equal(e.msg, "no org unit 424242");
	/* Ids that name nobody are skipped. */
	int64_t some[] = {3, 99999, 1200};
	id_sum = 0;
	names_seen = 0;
	assert_int_equal(users_usernames(db, some, 3, see_name, NULL, &e), 0);
	assert_int_equal(names_seen, 2);
	assert_int_equal(id_sum, 1203);
}

static void test_org_walks(void **state)
{
	struct db *db = *state;
	struct err e;
	assert_true(org_add(db, "1710", "Siem Reap Municipality", "ក្រុងសៀមរាប", "17", "district", &e) > 0);
	assert_true(org_add(db, "1702", "Banteay Srei", "", "17", "district", &e) > 0);
	assert_true(org_add(db, "171001", "Sla Kram", "ស្លក្រាម", "1710", "commune", &e) > 0);
	/* The unit first, then its children by code, each with how many units lie directly below. */
	struct seen s = {.rows = 0};
	assert_int_equal(org_children(db, org_id(db, "17"), see_org, &s, &e), 0);
	assert_string_equal(s.text, "17|Siem Reap|province|KH|2\n"
				    "1702|Banteay Srei|district|17|0\n"
				    "1710|Siem Reap Municipality|district|17|1\n");
	s = (struct seen){.rows = 0};
	assert_int_equal(org_children(db, org_id(db, "KH"), see_org, &s, &e), 0);
	assert_int_equal(s.rows, 26);
	assert_non_null(strstr(s.text, "KH|"));
	assert_int_equal(strncmp(s.text, "KH|", 3), 0);
	/* Ancestors from the root down, the unit itself left out; a scope cuts off what lies above it. */
	s = (struct seen){.rows = 0};
	assert_int_equal(org_ancestors(db, org_id(db, "171001"), -1, see_org, &s, &e), 0);
	assert_int_equal(s.rows, 3);
	assert_int_equal(strncmp(s.text, "KH|", 3), 0);
	assert_non_null(strstr(s.text, "\n17|Siem Reap|province||0\n1710|"));
	s = (struct seen){.rows = 0};
	assert_int_equal(org_ancestors(db, org_id(db, "171001"), org_id(db, "17"), see_org, &s, &e), 0);
	assert_string_equal(s.text, "17|Siem Reap|province||0\n1710|Siem Reap Municipality|district||0\n");
	/* Units by id, in code order; an unknown id is skipped. */
	int64_t ids[] = {org_id(db, "1710"), 999999, org_id(db, "1702"), org_id(db, "12")};
	s = (struct seen){.rows = 0};
	assert_int_equal(orgs_get(db, ids, 4, see_org, &s, &e), 0);
	assert_string_equal(s.text, "12|Phnom Penh|province||0\n1702|Banteay Srei|district||0\n"
				    "1710|Siem Reap Municipality|district||0\n");
	s = (struct seen){.stop_after = 1};
	assert_int_equal(orgs_get(db, ids, 4, see_org, &s, &e), 7);
	assert_int_equal(s.rows, 1);
	s = (struct seen){.rows = 0};
	assert_int_equal(orgs_get(db, NULL, 0, see_org, &s, &e), 0);
	assert_int_equal(s.rows, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_provinces_seeded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_users_search_and_org, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_org_walks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_users_subtree_and_usernames, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_orgs_import_and_subtree, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_orgs_import_bad_rows_change_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_demo_accounts_and_admins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_users_import_any_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_users_import_one_bad_row_imports_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_users_import_header_problems, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_login_throttle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sessions_expire, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_user_lookup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_password_change_ends_sessions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_password_strength, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_activation_codes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_activation_lifecycle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_delete_erases_and_keeps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_org_demo_units_and_lists, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_users_list_and_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_users_sex, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
