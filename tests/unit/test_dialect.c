/*
 * The owners' SQL, the same on both engines: each test runs once on SQLite (a database in memory) and
 * once on PostgreSQL 15 (a throwaway cluster started by tests/pg/cluster.sh, or $SALA_TEST_PG, which
 * must name an empty database the test may fill), and asserts the same results. Usernames found and
 * ordered whatever their case, searches that ignore case in Latin and find Khmer, LIKE's wildcards
 * taken literally, roles, the login throttle's keys, the catalogue search, course imports (ON
 * CONFLICT) and a 3 MB file stored and read back in pieces byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/sessions.h"
#include "accounts/users.h"
#include "courses/enrol.h"
#include "courses/import.h"
#include "courses/learn.h"
#include "courses/media.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/db.h"
#include "lib/diag.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "pg_cluster.h"
#include "reports/report.h"

static struct db *db;

static bool pg(void)
{
	return db_engine(db) == DB_ENGINE_PG;
}

static int open_sqlite(void **state)
{
	(void)state;
	struct err e;
	db = db_open(":memory:", &e);
	if (!db || orgs_seed(db, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	return 0;
}

static int open_pg(void **state)
{
	(void)state;
	if (pg_cluster_start() < 0)
		return -1;
	struct err e;
	db = db_open(pg_uri, &e);
	if (!db || orgs_seed(db, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	return 0;
}

static int close_db(void **state)
{
	(void)state;
	db_close(db);
	db = NULL;
	pg_cluster_stop();
	return 0;
}

static int64_t add_in(const char *org, const char *username, const char *full, const char *km, const char *roles)
{
	struct user_input u = {.username = username,
			       .full_name = full,
			       .full_name_km = km,
			       .org_code = org,
			       .password = "correct-horse",
			       .roles = roles};
	struct err e;
	int64_t id = user_add(db, &u, &e);
	if (id <= 0)
		fail_msg("user_add %s: %s", username, e.msg);
	return id;
}

static int64_t add(const char *username, const char *full, const char *km, const char *roles)
{
	return add_in("17", username, full, km, roles);
}

/* Usernames are found whatever their case: lookups, login, the uniqueness check. */
static void test_username_case(void **state)
{
	(void)state;
	int64_t id = add("Sokha.Chan", "Chan Sokha", "ចាន់ សុខា", "learner");
	assert_true(user_exists(db, "sokha.chan"));
	assert_true(user_exists(db, "SOKHA.CHAN"));
	assert_false(user_exists(db, "sokha.cha"));
	struct user u;
	assert_int_equal(user_get_by_name(db, "SOKHA.chan", &u), 0);
	assert_int_equal(u.id, id);
	assert_string_equal(u.username, "Sokha.Chan");
	user_release(&u);
	int64_t got = 0;
	assert_int_equal(login_attempt(db, "SOKHA.CHAN", "correct-horse", "10.9.0.1", &got, NULL), LOGIN_OK);
	assert_int_equal(got, id);
	assert_int_equal(login_attempt(db, "sokha.chan", "wrong-horse", "10.9.0.1", &got, NULL), LOGIN_BAD);
	/* The same name in other letters is the same account. */
	struct user_input again = {
	    .username = "sokha.CHAN", .full_name = "X", .org_code = "17", .password = "correct-horse"};
	struct err e;
	assert_true(user_add(db, &again, &e) < 0);
	assert_non_null(strstr(e.msg, "sokha.CHAN"));
	/* Synthetic learners are demo + digits, in lower case only. */
	int64_t before = users_demo_learners_count(db);
	add("demo4711", "Demo Learner", "", "learner");
	add("demox", "Not Synthetic", "", "learner");
	add("Demo42", "Not Synthetic Either", "", "learner");
	assert_int_equal(users_demo_learners_count(db), before + 1);
}

struct names {
	char text[1024];
	int rows;
};

static int see_row(void *ctx, const struct user_row *u)
{
	struct names *s = ctx;
	size_t len = strlen(s->text);
	snprintf(s->text + len, sizeof s->text - len, "%s[%s] ", u->username, u->roles);
	s->rows++;
	return 0;
}

static void search(const char *q, const char *want)
{
	struct names s = {.rows = 0};
	struct err e;
	assert_int_equal(users_search(db, q, 50, see_row, &s, &e), 0);
	if (strcmp(s.text, want) != 0)
		fail_msg("%s: search '%s': want '%s', got '%s'", pg() ? "postgresql" : "sqlite", q, want, s.text);
}

static void see_listing(void *ctx, const struct user_listing *u)
{
	struct names *s = ctx;
	size_t len = strlen(s->text);
	snprintf(s->text + len, sizeof s->text - len, "%s[%s] ", u->username, u->roles);
}

/* Searches ignore Latin case and find Khmer; %, _ and \ are letters; the order ignores case. */
static void test_search_and_order(void **state)
{
	(void)state;
	add_in("12", "bob.keo", "Keo Dara", "កែវ ដារា", "learner");
	add_in("12", "Alice", "Chan Sophea", "ចាន់ សុភា", "admin;learner");
	add_in("12", "carol_x", "100% Sure", "", "manager");
	add_in("12", "dan", "Back\\Slash", "", "trainer;learner");
	search("KEO", "bob.keo[learner] ");
	search("dARA", "bob.keo[learner] ");
	search("ដារា", "bob.keo[learner] ");
	search("ចាន់ សុភ", "Alice[learner, admin] ");
	search("ចាន់", "Alice[learner, admin] Sokha.Chan[learner] ");
	search("sophea", "Alice[learner, admin] ");
	search("%", "carol_x[manager] ");
	search("_", "carol_x[manager] ");
	search("0% s", "carol_x[manager] ");
	search("\\s", "dan[learner, trainer] ");
	search("a%e", "");
	/* In lower(username) order on both engines (PostgreSQL's "C" collation alone would put 'A' first). */
	search("12", "Alice[learner, admin] bob.keo[learner] carol_x[manager] dan[learner, trainer] ");
	struct names s = {.rows = 0};
	struct err e;
	assert_int_equal(users_list(db, "12", see_listing, &s, &e), 0);
	assert_string_equal(s.text, "Alice[learner;admin] bob.keo[learner] carol_x[manager] dan[learner;trainer] ");
	struct user u;
	assert_int_equal(user_get_by_name(db, "alice", &u), 0);
	assert_int_equal(u.roles, ROLE_ADMIN | ROLE_LEARNER);
	user_release(&u);
}

/* The throttle's keys are taken apart the same way: by account, by address, never a longer name. */
static void test_throttle_keys(void **state)
{
	(void)state;
	add("tara", "Tara", "", "learner");
	int64_t id, removed = 0;
	struct err e;
	assert_int_equal(throttle_clear(db, NULL, NULL, &removed, &e), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(login_attempt(db, "TARA", "wrong-horse", "10.1.0.1", &id, NULL), LOGIN_BAD);
		assert_int_equal(login_attempt(db, "tara", "wrong-horse", "10.1.0.2", &id, NULL), LOGIN_BAD);
		assert_int_equal(login_attempt(db, "xtara", "wrong-horse", "10.1.0.1", &id, NULL), LOGIN_BAD);
		assert_int_equal(login_attempt(db, "a tara", "wrong-horse", "10.1.0.1", &id, NULL), LOGIN_BAD);
	}
	struct throttle_entry *t;
	size_t n;
	assert_int_equal(throttle_list(db, true, &t, &n, &e), 0);
	/* Addresses first, then accounts, each in key order. */
	char got[512] = "";
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(got);
		snprintf(got + len, sizeof got - len, "%s/%s/%lld ", t[i].address, t[i].username,
			 (long long)t[i].failures);
	}
	free(t);
	assert_string_equal(got, "10.1.0.1//6 10.1.0.2//2 10.1.0.1/a tara/2 10.1.0.1/tara/2 10.1.0.1/xtara/2 "
				 "10.1.0.2/tara/2 ");
	assert_int_equal(throttle_clear(db, "TARA", NULL, &removed, &e), 0);
	assert_int_equal(removed, 4); /* tara at both addresses; not xtara, not "a tara" */
	assert_int_equal(throttle_clear(db, "tara", "10.1.0.1", &removed, &e), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(throttle_clear(db, NULL, "10.1.0.1", &removed, &e), 0);
	assert_int_equal(removed, 10); /* the address's own 6 and the accounts there: xtara 2, "a tara" 2 */
	assert_int_equal(throttle_clear(db, NULL, NULL, &removed, &e), 0);
	assert_int_equal(removed, 2);
}

static int64_t import(const char *dir, int want)
{
	char path[256], msg[256];
	snprintf(path, sizeof path, "../../courses/library/%s", dir);
	struct problems pr = {0};
	struct import_opts o = {.by = "test"};
	struct err e;
	int rc = package_import_path(db, path, &o, &pr, msg, sizeof msg, &e);
	if (rc != want)
		fail_msg("import %s: %d, want %d: %s %s", dir, rc, want, rc < 0 ? e.msg : msg, buf_str(&pr.text));
	problems_release(&pr);
	return rc;
}

/* Imports (ON CONFLICT on courses and blobs) and the catalogue search, in Latin and Khmer. */
static void test_import_and_catalogue(void **state)
{
	(void)state;
	import("cyber-awareness", IMPORT_NEW);
	import("cyber-awareness.km", IMPORT_NEW); /* same course id, shares files */
	import("digital-literacy", IMPORT_NEW);
	import("cyber-awareness", IMPORT_UNCHANGED);
	struct arena a = ARENA_INIT;
	struct learn_course *v;
	assert_int_equal(learn_catalogue(db, &a, 0, "en", NULL, &v), 2);
	assert_int_equal(learn_catalogue(db, &a, 0, "en", "CYBERSECURITY", &v), 1);
	assert_string_equal(v[0].course_id, "cyber-awareness");
	assert_string_equal(v[0].language, "en");
	assert_int_equal(learn_catalogue(db, &a, 0, "km", "សន្តិសុខ", &v), 1);
	assert_string_equal(v[0].course_id, "cyber-awareness");
	assert_string_equal(v[0].language, "km");
	assert_int_equal(learn_catalogue(db, &a, 0, "en", "Digital LITERACY", &v), 1);
	assert_string_equal(v[0].course_id, "digital-literacy");
	assert_int_equal(learn_catalogue(db, &a, 0, "en", "no-such-words", &v), 0);
	arena_release(&a);
	struct pkg_version *pv;
	size_t n;
	assert_int_equal(package_versions(db, "cyber-awareness", NULL, &pv, &n), 0);
	assert_int_equal(n, 2);
	assert_true(pv[0].active && pv[1].active);
	free(pv);
}

/* A 3 MB file, stored once, read back whole and in pieces across the 256 KiB boundaries. */
static void test_media_chunks(void **state)
{
	(void)state;
	size_t len = 3 * 1000 * 1000 + 17;
	unsigned char *data = xmalloc(len), *got = xmalloc(len);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	char hex[65];
	sha256_hex(data, len, hex);
	struct err e;
	assert_int_equal(db_begin(db, &e), 0);
	assert_int_equal(media_blob_store(db, hex, data, len, &e), 0);
	assert_int_equal(media_blob_store(db, hex, data, len, &e), 0); /* stored already: nothing written */
	assert_int_equal(db_commit(db, &e), 0);
	struct media_blob b = {db, db_int(db, "SELECT id FROM blobs WHERE sha256 = ?", hex, NULL, 0), len};
	assert_true(b.rowid > 0);
	if (pg()) {
		assert_int_equal(db_int(db,
					"SELECT count(*) FROM blob_chunks c JOIN blobs b ON b.id = c.blob_id "
					"WHERE b.sha256 = ?",
					hex, NULL, -1),
				 (len + MEDIA_BLOB_CHUNK - 1) / MEDIA_BLOB_CHUNK);
		assert_int_equal(db_int(db, "SELECT length(data) FROM blobs WHERE sha256 = ?", hex, NULL, -1), 0);
	} else {
		assert_int_equal(db_int(db, "SELECT length(data) FROM blobs WHERE sha256 = ?", hex, NULL, -1),
				 (int64_t)len);
	}
	memset(got, 0, len);
	assert_int_equal(media_blob_read(&b, 0, got, len), 0);
	assert_memory_equal(got, data, len);
	static const size_t pieces[] = {1, 4096, MEDIA_BLOB_CHUNK, MEDIA_BLOB_CHUNK + 1, 1000003};
	for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
		memset(got, 0, len);
		for (size_t off = 0; off < len; off += pieces[k] * (pieces[k] == 1 ? 99991 : 1)) {
			size_t n = len - off < pieces[k] ? len - off : pieces[k];
			assert_int_equal(media_blob_read(&b, off, got + off, n), 0);
			assert_memory_equal(got + off, data + off, n);
		}
	}
	assert_int_equal(media_blob_read(&b, len - 10, got, 11), -1); /* past the end */
	assert_int_equal(media_blob_read(&b, MEDIA_BLOB_CHUNK - 5, got, 10), 0);
	assert_memory_equal(got, data + MEDIA_BLOB_CHUNK - 5, 10);
	free(data);
	free(got);
}

/* A package's text file through media_file_read(), as the quiz cache reads it. */
static void test_file_read(void **state)
{
	(void)state;
	struct pkg_version *pv;
	size_t n;
	assert_int_equal(package_versions(db, "digital-literacy", "en", &pv, &n), 0);
	assert_int_equal(n, 1);
	int64_t pkg = pv[0].id;
	free(pv);
	char *data, *want;
	size_t len, wlen;
	struct err e;
	assert_int_equal(media_file_read(db, pkg, "course.yml", &data, &len, &e), 0);
	FILE *f = fopen("../../courses/library/digital-literacy/course.yml", "rb");
	assert_non_null(f);
	want = xmalloc(1 << 20);
	wlen = fread(want, 1, 1 << 20, f);
	fclose(f);
	assert_int_equal(len, wlen);
	assert_memory_equal(data, want, len);
	assert_int_equal(data[len], '\0');
	free(data);
	free(want);
	assert_int_equal(media_file_read(db, pkg, "no/such.md", &data, &len, &e), 1);
}

/*
 * Report averages on a tie of the rounding (81.05, 20.05): the same digits from both engines, whose rows
 * come in different orders (the first engine's text is kept for the second).
 */
static char report_text[2][32];
static void test_report_scores(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		double final, pretest;
	} rows[] = {{"rep.a", 81.1, 61.0}, {"rep.b", 81.0, 61.0}, {"rep.c", 90.3, 70.2},
		    {"rep.d", 71.8, 51.9}, {"rep.e", 33.3, 0},	  {"rep.f", 128.8 / 2, 44.1}};
	struct err e;
	double sum = 0, gain = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int64_t id = add_in("21", rows[i].name, rows[i].name, "", "learner");
		if (rows[i].pretest > 0)
			assert_int_equal(enrolment_record_quiz(db, id, "digital-literacy", 1700000000,
							       ENROLMENT_SCORE_PRETEST, rows[i].pretest, &e),
					 0);
		assert_int_equal(enrolment_record_quiz(db, id, "digital-literacy", 1700000100, ENROLMENT_SCORE_FINAL,
						       rows[i].final, &e),
				 0);
		assert_int_equal(enrolment_complete(db, id, "digital-literacy", 1700000200, NULL, &e), 0);
		sum += rows[i].final;
		gain += rows[i].pretest > 0 ? rows[i].final - rows[i].pretest : 0;
	}
	struct report r;
	struct report_query q = {.scope_id = -1, .org = "21", .course = "digital-literacy"};
	assert_int_equal(report_run(db, &q, &r, &e), 0);
	const struct report_figures *f = report_cell(&r, REPORT_ALL, REPORT_ALL, REPORT_ALL);
	assert_int_equal(f->completed, 6);
	double avg, g;
	assert_true(report_avg_score(f, &avg));
	assert_true(report_avg_gain(f, &g));
	assert_true(avg > sum / 6 - 1e-9 && avg < sum / 6 + 1e-9);
	assert_true(g > gain / 5 - 1e-9 && g < gain / 5 + 1e-9);
	char a[32], b[32];
	report_fmt1(a, true, avg);
	report_fmt1(b, true, g);
	report_free(&r);
	if (!report_text[0][0]) {
		snprintf(report_text[0], sizeof report_text[0], "%s", a);
		snprintf(report_text[1], sizeof report_text[1], "%s", b);
	} else {
		assert_string_equal(a, report_text[0]);
		assert_string_equal(b, report_text[1]);
	}
}

#define DIALECT_TESTS                                                                                                  \
	cmocka_unit_test(test_username_case), cmocka_unit_test(test_search_and_order),                                 \
	    cmocka_unit_test(test_throttle_keys), cmocka_unit_test(test_import_and_catalogue),                         \
	    cmocka_unit_test(test_media_chunks), cmocka_unit_test(test_file_read),                                     \
	    cmocka_unit_test(test_report_scores)

int main(void)
{
	const struct CMUnitTest tests[] = {DIALECT_TESTS};
	int failed = cmocka_run_group_tests_name("sqlite", tests, open_sqlite, close_db);
	failed += cmocka_run_group_tests_name("postgresql", tests, open_pg, close_db);
	return failed;
}
