/*
 * Unit tests for training/checkin.h on SQLite (the integration tests run every way on both engines):
 * check-in codes and their window at chosen instants, forged and altered codes, a code signed with
 * another key, the margin setting, sheet key-in, and the CSV import's problems.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "certificates/cert.h"
#include "lib/db.h"
#include "lib/diag.h"
#include "lib/settings.h"
#include "training/attendance.h"
#include "training/checkin.h"
#include "training/workshops.h"

#define T0 1893456000 /* 2030-01-01 00:00 UTC, 07:00 in Cambodia */
#define HOUR 3600
#define DAY 86400

static struct db *db;
static char dir[64], key1[128], key2[128];
static char hash[crypto_pwhash_STRBYTES];
static int64_t trainer, ana, bo, outsider, wid;

static int64_t person(const char *username, const char *name)
{
	struct user_input u = {.username = username,
			       .full_name = name,
			       .full_name_km = "",
			       .sex = "female",
			       .org_code = "12",
			       .position = "Clerk",
			       .password_hash = hash,
			       .roles = "learner"};
	struct err e;
	int64_t id = user_add(db, &u, &e);
	if (id <= 0)
		fail_msg("user_add %s: %s", username, e.msg);
	return id;
}

static int setup(void **state)
{
	(void)state;
	struct err e;
	snprintf(dir, sizeof dir, "/tmp/sala-checkin-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(key1, sizeof key1, "%s/one.key", dir);
	snprintf(key2, sizeof key2, "%s/two.key", dir);
	if (cert_key_create(key1, &e) < 0 || cert_key_create(key2, &e) < 0)
		return -1;
	cert_key_use(key1);
	db = db_open(":memory:", &e);
	if (!db || orgs_seed(db, &e) < 0 || password_hash("correct-horse-battery", hash, &e) < 0)
		return -1;
	trainer = person("trainer1", "Trainer One");
	ana = person("ana", "Ana");
	bo = person("bo", "Bo");
	outsider = person("outsider", "Out Sider");
	/* Day 1: 08:00-16:00 UTC; day 2 the next day 08:00-12:00 UTC. */
	struct workshop_day days[] = {{1, T0 + 8 * HOUR, T0 + 16 * HOUR},
				      {2, T0 + DAY + 8 * HOUR, T0 + DAY + 12 * HOUR}};
	int64_t trainers[] = {trainer};
	struct workshop_new w = {.title = "One-window services",
				 .address = "Provincial hall",
				 .language = "km",
				 .org_id = org_id(db, "12"),
				 .days = days,
				 .ndays = 2,
				 .trainers = trainers,
				 .ntrainers = 1,
				 .created_by = trainer};
	if (workshop_create(db, &w, T0 - DAY, &wid, &e) < 0 || workshop_invite(db, wid, ana, T0 - DAY, NULL, &e) < 0 ||
	    workshop_invite(db, wid, bo, T0 - DAY, NULL, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	db_close(db);
	unlink(key1);
	unlink(key2);
	rmdir(dir);
	return 0;
}

static int present_count(int day)
{
	return (int)db_int(db, "SELECT count(*) FROM attendance WHERE status = 'present' AND day = ?",
			   day == 1 ? "1" : "2", NULL, -1);
}

static void test_window_and_refusals(void **state)
{
	(void)state;
	char c1[CHECKIN_CODE_SIZE], c2[CHECKIN_CODE_SIZE];
	struct err e;
	struct checkin_result res;
	assert_int_equal(checkin_code_make(db, wid, 1, c1, &e), 0);
	assert_int_equal(checkin_code_make(db, wid, 3, c2, &e), ERR_NOTFOUND);
	assert_int_equal(checkin_code_make(db, wid, 2, c2, &e), 0);
	assert_string_not_equal(c1, c2);
	/* The window of day 1 is 07:30-16:30 with the default margin of 30 minutes. */
	static const struct {
		int64_t at;
		int rc;
		enum checkin_outcome outcome;
	} times[] = {
	    {T0 + 7 * HOUR + 29 * 60, ERR_CONFLICT, CHECKIN_TOO_EARLY},
	    {T0 + 16 * HOUR + 31 * 60, ERR_CONFLICT, CHECKIN_TOO_LATE},
	    {T0 + DAY + 9 * HOUR, ERR_CONFLICT, CHECKIN_OTHER_DAY}, /* day 1's code while day 2 is open */
	};
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		assert_int_equal(checkin_self(db, c1, ana, times[i].at, &res, &e), times[i].rc);
		assert_int_equal(res.outcome, times[i].outcome);
	}
	assert_int_equal(res.open_day, 2);
	assert_int_equal(present_count(1), 0);
	/* Day 2's code on day 1: the other day too. */
	assert_int_equal(checkin_self(db, c2, ana, T0 + 9 * HOUR, &res, &e), ERR_CONFLICT);
	assert_int_equal(res.outcome, CHECKIN_OTHER_DAY);
	/* Inside the window (the margin's first minute): once, then "already". */
	assert_int_equal(checkin_code_check(db, c1, ana, T0 + 7 * HOUR + 30 * 60, &res, &e), 0);
	assert_int_equal(present_count(1), 0);
	assert_int_equal(checkin_self(db, c1, ana, T0 + 7 * HOUR + 30 * 60, &res, &e), 0);
	assert_int_equal(res.workshop_id, wid);
	assert_int_equal(res.day, 1);
	assert_string_equal(res.title, "One-window services");
	assert_int_equal(present_count(1), 1);
	assert_int_equal(checkin_self(db, c1, ana, T0 + 10 * HOUR, &res, &e), ERR_CONFLICT);
	assert_int_equal(res.outcome, CHECKIN_ALREADY);
	assert_int_equal(present_count(1), 1);
	/* Someone with no place. */
	assert_int_equal(checkin_self(db, c1, outsider, T0 + 10 * HOUR, &res, &e), ERR_FORBIDDEN);
	assert_int_equal(res.outcome, CHECKIN_NOT_REGISTERED);
	assert_int_equal(present_count(1), 1);
}

static void test_forged_and_altered_codes(void **state)
{
	(void)state;
	char c[CHECKIN_CODE_SIZE], bad[CHECKIN_CODE_SIZE + 8];
	struct err e;
	struct checkin_result res;
	assert_int_equal(checkin_code_make(db, wid, 2, c, &e), 0);
	long long w, x;
	int d;
	char mac[64];
	assert_int_equal(sscanf(c, "%lld.%d.%lld.%63s", &w, &d, &x, mac), 4);
	assert_int_equal(strlen(mac), 43);
	char flipped[64];
	snprintf(flipped, sizeof flipped, "%s", mac);
	flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
	const char *forms[] = {"%lld.%d.%lld.%s",  "%lld.%d.%lld.%s",  "%lld.%d.%lld.%s",  "%lld.%d.%lld.%s",
			       "0%lld.%d.%lld.%s", "%lld.%d.+%lld.%s", "%lld.%d.%lld.%s=", "%lld.%d.%lld.%s."};
	const long long ws[] = {w, w + 1, w, w, w, w, w, w};
	const int ds[] = {d, d, 1, d, d, d, d, d};
	const long long xs[] = {x, x, x, x + DAY, x, x, x, x};
	const char *macs[] = {flipped, mac, mac, mac, mac, mac, mac, mac};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		snprintf(bad, sizeof bad, forms[i], ws[i], ds[i], xs[i], macs[i]);
		assert_int_equal(checkin_self(db, bad, bo, T0 + DAY + 9 * HOUR, &res, &e), ERR_INVALID);
		assert_int_equal(res.outcome, CHECKIN_BAD_CODE);
	}
	const char *junk[] = {"", "1", "1.2.3", "a.b.c.d", "1.2.3.xyz", NULL};
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		assert_int_equal(checkin_self(db, junk[i], bo, T0 + DAY + 9 * HOUR, &res, &e), ERR_INVALID);
		assert_int_equal(res.outcome, CHECKIN_BAD_CODE);
	}
	/* A code signed with another site's key. */
	cert_key_use(key2);
	char other[CHECKIN_CODE_SIZE];
	assert_int_equal(checkin_code_make(db, wid, 2, other, &e), 0);
	cert_key_use(key1);
	assert_string_not_equal(other, c);
	assert_int_equal(checkin_self(db, other, bo, T0 + DAY + 9 * HOUR, &res, &e), ERR_INVALID);
	assert_int_equal(present_count(2), 0);
	/* The real one works. */
	assert_int_equal(checkin_self(db, c, bo, T0 + DAY + 9 * HOUR, &res, &e), 0);
	assert_int_equal(present_count(2), 1);
}

static void test_margin_setting(void **state)
{
	(void)state;
	struct err e;
	struct checkin_result res;
	char c[CHECKIN_CODE_SIZE];
	assert_int_equal(checkin_margin(db), 30 * 60);
	assert_int_equal(setting_set(db, "checkin_margin_minutes", "90", &e), 0);
	assert_int_equal(checkin_margin(db), 90 * 60);
	assert_int_not_equal(setting_set(db, "checkin_margin_minutes", "721", &e), 0);
	/* Day 2 ends 12:00 UTC: with 90 minutes, 13:20 is still open, for a code made now. */
	assert_int_equal(checkin_code_make(db, wid, 2, c, &e), 0);
	assert_int_equal(checkin_code_check(db, c, ana, T0 + DAY + 13 * HOUR + 20 * 60, &res, &e), 0);
	assert_int_equal(checkin_code_check(db, c, ana, T0 + DAY + 13 * HOUR + 31 * 60, &res, &e), ERR_CONFLICT);
	assert_int_equal(res.outcome, CHECKIN_TOO_LATE);
	/* The code's expiry holds even when the margin grows later. */
	assert_int_equal(setting_set(db, "checkin_margin_minutes", "600", &e), 0);
	assert_int_equal(checkin_code_check(db, c, ana, T0 + DAY + 13 * HOUR + 31 * 60, &res, &e), ERR_CONFLICT);
	assert_int_equal(setting_set(db, "checkin_margin_minutes", "", &e), 0);
}

static int codes_of(void *ctx, const struct workshop_person *p)
{
	char(*codes)[8] = ctx;
	if (p->user_id == ana)
		snprintf(codes[0], 8, "%s", p->row_code);
	else if (p->user_id == bo)
		snprintf(codes[1], 8, "%s", p->row_code);
	return 0;
}

static void test_sheet_keyin(void **state)
{
	(void)state;
	char codes[2][8] = {"", ""};
	struct err e;
	assert_int_equal(workshop_people_list(db, wid, codes_of, codes, &e), 0);
	assert_int_equal(strlen(codes[0]), 4);
	int64_t before = db_int(db, "SELECT count(*) FROM attendance", NULL, NULL, -1);
	struct buf unknown = BUF_INIT, unreg = BUF_INIT, twice = BUF_INIT;
	int n = -1;
	struct sheet_mark bad[] = {
	    {codes[0], ATT_ABSENT}, {"QQQQ", ATT_PRESENT}, {codes[1], ATT_PRESENT}, {codes[1], ATT_EXCUSED}};
	assert_int_equal(
	    checkin_sheet_keyin(db, wid, 2, bad, 4, trainer, T0 + 2 * DAY, &n, &unknown, &unreg, &twice, &e),
	    ERR_INVALID);
	assert_string_equal(buf_str(&unknown), "QQQQ");
	assert_string_equal(buf_str(&twice), codes[1]);
	assert_string_equal(buf_str(&unreg), "");
	assert_int_equal(n, 0);
	assert_int_equal(db_int(db, "SELECT count(*) FROM attendance", NULL, NULL, -1), before);
	/* Lower case and spaces; the same mark twice counts once. */
	char lower[16];
	snprintf(lower, sizeof lower, "  %c%c%c%c ", codes[1][0] | 0x20, codes[1][1] | 0x20, codes[1][2] | 0x20,
		 codes[1][3] | 0x20);
	struct sheet_mark good[] = {{codes[0], ATT_ABSENT}, {lower, ATT_EXCUSED}, {codes[1], ATT_EXCUSED}};
	assert_int_equal(checkin_sheet_keyin(db, wid, 2, good, 3, trainer, T0 + 2 * DAY, &n, NULL, NULL, NULL, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(
	    db_int(db, "SELECT count(*) FROM attendance WHERE day = 2 AND method = 'sheet'", NULL, NULL, -1), 2);
	assert_int_equal(checkin_sheet_keyin(db, wid, 9, good, 3, trainer, T0, &n, NULL, NULL, NULL, &e), ERR_NOTFOUND);
	buf_release(&unknown);
	buf_release(&unreg);
	buf_release(&twice);
}

static void test_import_problems(void **state)
{
	(void)state;
	char csv[1024];
	/* T0 + 8h is 15:00 in Cambodia on 2030-01-01; day 2 is 2030-01-02. */
	snprintf(csv, sizeof csv,
		 "session_id,username,date,status\n"
		 "%lld,ana,2030-01-01,present\n"
		 "%lld,ana,2030-01-03,present\n"
		 "x,ana,2030-01-01,present\n"
		 "%lld,outsider,2030-01-01,present\n"
		 "%lld,bo,2030-01-02,maybe\n"
		 "%lld,ana,2030-01-01,absent\n"
		 "%lld,nobody,2030-01-01,absent\n",
		 (long long)wid, (long long)wid, (long long)wid, (long long)wid, (long long)wid, (long long)wid);
	struct problems pr = {0};
	struct err e;
	int added = -1;
	int64_t before = db_int(db, "SELECT count(*) FROM attendance", NULL, NULL, -1);
	assert_int_equal(attendance_import_csv(db, "a.csv", csv, strlen(csv), &pr, &added, &e), ERR_INVALID);
	const char *t = problems_text(&pr);
	const char *want[] = {"a.csv:3: 2030-01-03 is not a day of session",
			      "a.csv:4: session_id 'x' is not a session number",
			      "a.csv:5: 'outsider' is not registered",
			      "a.csv:6: status 'maybe'",
			      "a.csv:8: unknown user 'nobody'",
			      "a.csv:7: duplicate row: the same session, user and date as line 2"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!strstr(t, want[i]))
			fail_msg("'%s' not in:\n%s", want[i], t);
	assert_null(strstr(t, "a.csv:2:"));
	assert_int_equal(pr.n, 6);
	assert_int_equal(added, 0);
	assert_int_equal(db_int(db, "SELECT count(*) FROM attendance", NULL, NULL, -1), before);
	problems_release(&pr);
	const char *empty = "";
	assert_int_equal(attendance_import_csv(db, "e.csv", empty, 0, &pr, &added, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "e.csv:1: empty file"));
	problems_release(&pr);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_window_and_refusals),
					   cmocka_unit_test(test_forged_and_altered_codes),
					   cmocka_unit_test(test_margin_setting), cmocka_unit_test(test_sheet_keyin),
					   cmocka_unit_test(test_import_problems)};
	return cmocka_run_group_tests_name("checkin", tests, setup, teardown);
}
