/*
 * db_copy() (lib/db_copy.h) between two SQLite databases: ids kept, references to rows copied later
 * (a parent unit, a replacing certificate), blobs with NUL bytes, tables larger than one chunk, a
 * destination that is not empty refused and left alone, --replace, and a copy that differs rolled
 * back. The copy between engines is tested against PostgreSQL in tests/integration/test_pg_ops.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "courses/media.h"
#include "lib/db.h"
#include "lib/db_copy.h"

#ifdef MEDIA_BLOB_CHUNK
_Static_assert(MEDIA_BLOB_CHUNK == DB_COPY_PIECE, "the copy writes blob_chunks rows as courses/media.c reads them");
#endif

static struct db *src, *dst;

static void exec_ok(struct db *db, const char *sql)
{
	struct err e;
	if (db_exec(db, sql, &e) < 0)
		fail_msg("%s: %s", sql, e.msg);
}

static int64_t count(struct db *db, const char *sql)
{
	return db_int(db, sql, NULL, NULL, -1);
}

/* The first column of sql's first row as a string; caller frees. */
static char *text(struct db *db, const char *sql)
{
	struct db_stmt *st = db_prepare(db, sql);
	assert_int_equal(db_step_row(st), 1);
	char *s = strdup(db_col_text(st, 0));
	db_finalize(st);
	return s;
}

/* A source with forward references, binary blobs and more rows than one chunk of users and blobs. */
static int setup(void **state)
{
	(void)state;
	struct err e;
	src = db_open(":memory:", &e);
	dst = db_open(":memory:", &e);
	if (!src || !dst)
		return -1;
	exec_ok(src, "INSERT INTO org_units(id, code, name_en, level, path) VALUES (200, 'P', 'Province', 'province', "
		     "'/200/')");
	exec_ok(src, "INSERT INTO org_units(id, code, name_en, level, path) VALUES (100, 'D', 'District', 'district', "
		     "'/200/100/')");
	exec_ok(src, "UPDATE org_units SET parent_id = 200 WHERE id = 100");
	exec_ok(src, "INSERT INTO org_units(id, code, name_en, level, path, parent_id) VALUES (50, 'C', 'Commune', "
		     "'commune', '/200/100/50/', 100)");
	exec_ok(src,
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500) "
		"INSERT INTO users(id, username, password_hash, full_name, full_name_km, sex, org_id, created_at) "
		"SELECT i * 3, 'u' || i, 'h', 'User ' || i, 'ស្រី ' || i, CASE i % 2 WHEN 0 THEN 'female' ELSE 'male' "
		"END, 100, 1700000000 + i FROM n");
	exec_ok(src, "INSERT INTO user_roles(user_id, role) SELECT id, 'learner' FROM users");
	exec_ok(src, "INSERT INTO user_roles(user_id, role) VALUES (3, 'admin')");
	exec_ok(src, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 45) "
		     "INSERT INTO blobs(id, sha256, size, data) SELECT i, printf('%064d', i), 3, x'00ff00' FROM n");
	/* A file of several pieces (256 KiB each), its last one short. */
	exec_ok(src, "INSERT INTO blobs(id, sha256, size, data) VALUES (46, 'big', 700001, randomblob(700001))");
	exec_ok(src, "INSERT INTO settings(key, value) VALUES ('issuer_en', 'Ministry')");
	exec_ok(src, "INSERT INTO certificates(id, serial, code, user_id, course_id, language, course_title, name, "
		     "completed_on, score, org_id, issuer, payload, signature, issued_at, superseded_by) VALUES "
		     "(7, 'S-7', 'C7', 3, 'c', 'en', 'T', 'N', '2026-01-01', 87.5, 100, 'I', 'p', 's', 1, 9), "
		     "(9, 'S-9', 'C9', 3, 'c', 'en', 'T', 'N', '2026-01-02', 0.1, 100, 'I', 'p', 's', 2, NULL)");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	db_close(src);
	db_close(dst);
	return 0;
}

static void test_copy_keeps_everything(void **state)
{
	(void)state;
	struct db_copy_report r;
	struct err e;
	assert_int_equal(db_copy(src, dst, false, &r, &e), 0);
	assert_false(r.differs);
	assert_true(r.committed);
	int64_t rows = 0;
	for (int i = 0; i < r.n; i++) {
		assert_int_equal(r.tables[i].rows_from, r.tables[i].rows_to);
		assert_memory_equal(r.tables[i].hash_from, r.tables[i].hash_to, 32);
		rows += r.tables[i].rows_from;
		if (!strcmp(r.tables[i].name, "users"))
			assert_int_equal(r.tables[i].rows_from, 2500);
	}
	assert_int_equal(r.rows, rows);
	db_copy_report_release(&r);
	assert_int_equal(count(dst, "SELECT count(*) FROM users"), 2500);
	assert_int_equal(count(dst, "SELECT max(id) FROM users"), 7500);
	assert_int_equal(count(dst, "SELECT count(*) FROM user_roles"), 2501);
	assert_int_equal(count(dst, "SELECT parent_id FROM org_units WHERE id = 100"), 200);
	assert_int_equal(count(dst, "SELECT parent_id FROM org_units WHERE id = 50"), 100);
	assert_int_equal(count(dst, "SELECT superseded_by FROM certificates WHERE id = 7"), 9);
	assert_int_equal(count(dst, "SELECT count(*) FROM blobs WHERE data = x'00ff00'"), 45);
	assert_int_equal(count(dst, "SELECT length(data) FROM blobs WHERE id = 46"), 700001);
	assert_int_equal(count(src, "SELECT length(data) FROM blobs WHERE id = 46"), 700001);
	/* The bytes around each piece's end, and the last ones, are the source's. */
	static const int at[] = {1, 262139, 524283, 699990}; /* the last: up to the final byte */
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT hex(substr(data, %d, 12)) FROM blobs WHERE id = 46", at[i]);
		char *a = text(src, sql), *b = text(dst, sql);
		assert_int_equal(strlen(a), 24);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	assert_int_equal(count(dst, "SELECT count(*) FROM users WHERE full_name_km = 'ស្រី 2'"), 1);
	/* No enrolment was added by a trigger on the way in. */
	assert_int_equal(count(dst, "SELECT count(*) FROM enrolments"), 0);

	/* Not empty now: refused, nothing changed. */
	exec_ok(src, "INSERT INTO users(id, username, password_hash, full_name, org_id, created_at) VALUES "
		     "(9000, 'late', 'h', 'Late', 50, 1)");
	assert_int_equal(db_copy(src, dst, false, &r, &e), ERR_CONFLICT);
	assert_non_null(strstr(e.msg, "not empty"));
	assert_int_equal(count(dst, "SELECT count(*) FROM users"), 2500);

	/* --replace: the destination becomes the source again. */
	assert_int_equal(db_copy(src, dst, true, &r, &e), 0);
	assert_false(r.differs);
	db_copy_report_release(&r);
	assert_int_equal(count(dst, "SELECT count(*) FROM users"), 2501);
	assert_int_equal(count(dst, "SELECT org_id FROM users WHERE id = 9000"), 50);
}

/*
 * The copy's list follows the schema: every table of the latest schema is copied (but the catalogue
 * version, which is the destination's own), with every column (login_failures adds SQLite's rowid).
 */
static void test_every_table_and_column(void **state)
{
	(void)state;
	struct db_copy_report r;
	struct err e;
	assert_int_equal(db_copy(src, dst, true, &r, &e), 0);
	struct db_stmt *st = db_prepare(src, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
					     "'sqlite_%' AND name <> 'catalogue_version' ORDER BY name");
	int tables = 0, rc;
	while ((rc = db_step_row(st)) > 0) {
		const char *name = db_col_text(st, 0);
		int k = 0;
		while (k < r.n && strcmp(r.tables[k].name, name))
			k++;
		if (k == r.n)
			fail_msg("table %s is not copied (lib/db_copy.c)", name);
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT * FROM %s", name);
		struct db_stmt *cols = db_prepare(src, sql);
		int want = db_col_count(cols) + !strcmp(name, "login_failures");
		db_finalize(cols);
		if (r.tables[k].columns != want)
			fail_msg("table %s: %d columns copied, the schema has %d", name, r.tables[k].columns, want);
		tables++;
	}
	assert_int_equal(rc, 0);
	db_finalize(st);
	assert_int_equal(tables, r.n);
	db_copy_report_release(&r);
}

/* A destination that changes rows on the way in: the check finds it and the copy is rolled back. */
static void test_difference_rolls_back(void **state)
{
	(void)state;
	struct db_copy_report r;
	struct err e;
	exec_ok(dst, "CREATE TEMP TRIGGER mangle AFTER INSERT ON settings BEGIN "
		     "UPDATE settings SET value = value || '!' WHERE key = NEW.key; END");
	assert_int_equal(db_copy(src, dst, true, &r, &e), 0);
	assert_true(r.differs);
	assert_false(r.committed);
	for (int i = 0; i < r.n; i++) {
		bool same = !memcmp(r.tables[i].hash_from, r.tables[i].hash_to, 32);
		assert_int_equal(same, strcmp(r.tables[i].name, "settings") != 0);
	}
	db_copy_report_release(&r);
	exec_ok(dst, "DROP TRIGGER mangle");
	/* What the last good copy left is still there. */
	assert_int_equal(count(dst, "SELECT count(*) FROM users"), 2501);
	assert_int_equal(count(dst, "SELECT count(*) FROM settings WHERE value = 'Ministry'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_copy_keeps_everything),
	    cmocka_unit_test(test_every_table_and_column),
	    cmocka_unit_test(test_difference_rolls_back),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
