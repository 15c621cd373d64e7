/* Unit tests for lib/: buffers, escaping, UTF-8, dates, CSV, i18n, the database. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>
#include "lib/audit.h"
#include "lib/buf.h"
#include "lib/csv.h"

#include "lib/db.h"
#include "lib/diag.h"
#include "lib/err.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/netaddr.h"
#include "lib/schema.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

static void test_html_escape(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"plain", "plain"},	    {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
	    {"a & b", "a &amp; b"}, {"\"quoted\" 'single'", "&quot;quoted&quot; &#39;single&#39;"},
	    {"ស្រី សុខា", "ស្រី សុខា"},   {"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b = BUF_INIT;
		buf_html(&b, cases[i].in);
		assert_string_equal(buf_str(&b), cases[i].out);
		buf_release(&b);
	}
}

static void test_json_and_url(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_json_str(&b, "a\"b\\c\n</script>\x01");
	assert_string_equal(buf_str(&b), "\"a\\\"b\\\\c\\n\\u003c/script>\\u0001\"");
	buf_reset(&b);
	buf_url(&b, "a b/ក?&=");
	assert_string_equal(buf_str(&b), "a%20b%2F%E1%9E%80%3F%26%3D");
	buf_release(&b);
}

static void test_buf_grow_and_detach(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 10000; i++)
		buf_printf(&b, "%d,", i % 10);
	assert_int_equal(b.len, 20000);
	assert_int_equal(b.data[b.len], '\0');
	size_t len;
	char *s = buf_detach(&b, &len);
	assert_int_equal(len, 20000);
	assert_null(b.data);
	free(s);
}

static void test_utf8_valid(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t len;
		bool ok;
	} cases[] = {
	    {"hello", 5, true},
	    {"ព្រះរាជាណាចក្រកម្ពុជា", sizeof("ព្រះរាជាណាចក្រកម្ពុជា") - 1, true},
	    {"\xC3\x28", 2, false},	    /* bad continuation */
	    {"\xE1\x9E", 2, false},	    /* truncated */
	    {"\xC0\xAF", 2, false},	    /* overlong '/' */
	    {"\xED\xA0\x80", 3, false},	    /* surrogate */
	    {"a\0b", 3, false},		    /* NUL */
	    {"\xF4\x90\x80\x80", 4, false}, /* above U+10FFFF */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(utf8_valid(cases[i].s, cases[i].len), cases[i].ok);
}

static void test_dates(void **state)
{
	(void)state;
	int64_t t;
	assert_int_equal(date_parse("2026-01-01", &t), 0);
	assert_int_equal(t, 1767225600);
	char out[11];
	date_ymd(t + 86399, out);
	assert_string_equal(out, "2026-01-01");
	assert_int_equal(date_parse("2024-02-29", &t), 0);
	assert_int_equal(date_parse("2025-02-29", &t), -1);
	assert_int_equal(date_parse("2025-13-01", &t), -1);
	assert_int_equal(date_parse("2025-1-01", &t), -1);
	assert_int_equal(date_parse("yesterday", &t), -1);
}

struct rows {
	int n;
	char got[8][128];
	int lines[8];
};

static int collect(char **f, size_t n, int line, void *ctx)
{
	struct rows *r = ctx;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s[%s]", i ? "," : "", f[i]);
	if (r->n < 8) {
		snprintf(r->got[r->n], sizeof r->got[0], "%s", buf_str(&b));
		r->lines[r->n] = line;
	}
	r->n++;
	buf_release(&b);
	return 0;
}

static void test_csv_parse(void **state)
{
	(void)state;
	const char *data = "\xEF\xBB\xBF"
			   "a,b,c\n"
			   "1,\"two, three\",ស្រី\n"
			   "\"multi\nline\",x,\"q\"\"uote\"\n"
			   "last,,end";
	struct rows r = {0};
	struct err e;
	assert_int_equal(csv_parse_mem("t.csv", data, strlen(data), collect, &r, &e), 0);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.got[0], "[a],[b],[c]");
	assert_string_equal(r.got[1], "[1],[two, three],[ស្រី]");
	assert_string_equal(r.got[2], "[multi\nline],[x],[q\"uote]");
	assert_string_equal(r.got[3], "[last],[],[end]");
	assert_int_equal(r.lines[0], 1);
	assert_int_equal(r.lines[1], 2);
	assert_int_equal(r.lines[2], 3);
	assert_int_equal(r.lines[3], 5);
}

static void test_csv_errors(void **state)
{
	(void)state;
	struct rows r = {0};
	struct err e;
	const char *bad_utf8 = "a,b\nok,\xff\xfe\n";
	assert_int_equal(csv_parse_mem("u.csv", bad_utf8, strlen(bad_utf8), collect, &r, &e), -1);
	assert_string_equal(e.msg, "u.csv:2: invalid UTF-8 (save the file as UTF-8)");
	const char *unterminated = "a,b\n\"open,x\n";
	memset(&r, 0, sizeof r);
	assert_int_equal(csv_parse_mem("q.csv", unterminated, strlen(unterminated), collect, &r, &e), -1);
	assert_non_null(strstr(e.msg, "q.csv:2: malformed CSV"));
}

static void test_csv_write_neutralises_formulas(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"plain", "plain"},
	    {"=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""},
	    {"+cmd", "\"'+cmd\""},
	    {"-1+1", "\"'-1+1\""},
	    {"@SUM(A1)", "\"'@SUM(A1)\""},
	    {"\tx", "\"'\tx\""},
	    {"a,b", "\"a,b\""},
	    {"ស្រី", "ស្រី"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b = BUF_INIT;
		csv_put_field(&b, cases[i].in);
		assert_string_equal(buf_str(&b), cases[i].out);
		buf_release(&b);
	}
}

/* Codes a spreadsheet would turn into numbers or dates are text formulas; the rest as any field. */
static void test_csv_codes_stay_text(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"0012", "\"=\"\"0012\"\"\""},
	    {"05", "\"=\"\"05\"\"\""},
	    {"171001", "\"=\"\"171001\"\"\""},
	    {"1-2", "\"=\"\"1-2\"\"\""},
	    {"1\"x", "\"=\"\"1\"\"\"\"x\"\"\""},
	    {"T501", "T501"},
	    {"cyber-awareness", "cyber-awareness"},
	    {"", ""},
	    {"=1+1", "\"'=1+1\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b = BUF_INIT;
		csv_put_code(&b, cases[i].in);
		assert_string_equal(buf_str(&b), cases[i].out);
		buf_release(&b);
	}
}

static const struct msg test_msgs[] = {{"Hello", "សួស្តី"}, {"Untranslated", ""}};

static void test_i18n(void **state)
{
	(void)state;
	i18n_register(test_msgs, 2);
	assert_string_equal(tr("km", "Hello"), "សួស្តី");
	assert_string_equal(tr("en", "Hello"), "Hello");
	assert_string_equal(tr("km", "Untranslated"), "Untranslated");
	assert_string_equal(tr("km", "Not in catalogue"), "Not in catalogue");
	assert_string_equal(i18n_negotiate("km-KH,km;q=0.9,en;q=0.8"), "km");
	assert_string_equal(i18n_negotiate("en-US,en;q=0.9"), "en");
	assert_string_equal(i18n_negotiate("fr-FR"), "en");
	assert_string_equal(i18n_negotiate(NULL), "km");
}

/* Dates and digits for people, per language: the table of lib/i18n.h's i18n_date() and i18n_digits(). */
static void test_i18n_dates_and_digits(void **state)
{
	(void)state;
	static const struct {
		const char *lang, *in, *out;
		bool ok;
	} dates[] = {
	    {"en", "2023-11-14", "14 November 2023", true},	{"km", "2023-11-14", "ថ្ងៃទី១៤ ខែវិច្ឆិកា ឆ្នាំ២០២៣", true},
	    {"km", "2026-01-05", "ថ្ងៃទី៥ ខែមករា ឆ្នាំ២០២៦", true}, {"en", "2026-12-31", "31 December 2026", true},
	    {"km", "2026-13-01", "2026-13-01", false},		{"en", "not a date", "not a date", false},
	    {"km", "2026-02-00", "2026-02-00", false},
	};
	for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
		struct buf b = BUF_INIT;
		bool ok = i18n_date(&b, dates[i].lang, dates[i].in);
		assert_int_equal(ok, dates[i].ok);
		assert_string_equal(buf_str(&b), dates[i].out);
		buf_release(&b);
	}
	static const struct {
		const char *lang, *in, *out;
	} digits[] = {
	    {"km", "5 of 6 done (83%)", "៥ of ៦ done (៨៣%)"},
	    {"en", "5 of 6 (83%)", "5 of 6 (83%)"},
	    {"km", "", ""},
	    {"km", "1.0.1", "១.០.១"},
	    {NULL, "42", "42"},
	};
	for (size_t i = 0; i < sizeof digits / sizeof digits[0]; i++) {
		struct buf b = BUF_INIT;
		i18n_digits(&b, digits[i].lang, digits[i].in);
		assert_string_equal(buf_str(&b), digits[i].out);
		buf_release(&b);
	}
}

static void test_err_truncates_on_utf8_boundary(void **state)
{
	(void)state;
	struct buf long_km = BUF_INIT;
	for (int i = 0; i < 400; i++)
		buf_puts(&long_km, "ក"); /* three bytes each: 1200 bytes */
	struct err e;
	assert_int_equal(err_set(&e, "x%s", buf_str(&long_km)), -1);
	size_t n = strlen(e.msg);
	assert_true(n < sizeof e.msg);
	assert_true(utf8_valid(e.msg, n));
	assert_int_equal((n - 1) % 3, 0);
	buf_release(&long_km);
}

static void test_log_values_are_quoted_when_needed(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"plain", " k=plain"},
	    {"/login?next=*", " k=\"/login?next=*\""},
	    {"/media/ab.mp3", " k=/media/ab.mp3"},
	    {"", " k=\"\""},
	    {NULL, " k=-"},
	    {"two words", " k=\"two words\""},
	    {"a=b", " k=\"a=b\""},
	    {"say \"hi\"", " k=\"say \\\"hi\\\"\""},
	    {"back\\slash", " k=\"back\\\\slash\""},
	    {"line\nbreak", " k=\"line\\nbreak\""},
	    {"tab\there", " k=\"tab\\there\""},
	    {"bell\x07", " k=\"bell\\x07\""},
	    {"ខ្មែរ", " k=ខ្មែរ"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b = BUF_INIT;
		log_kv(&b, "k", cases[i].in);
		assert_string_equal(buf_str(&b), cases[i].out);
		buf_release(&b);
	}
}

/* Reads what was written to a log file. */
static char *slurp(const char *path)
{
	struct buf b = BUF_INIT;
	struct err e;
	if (file_read(path, &b, &e) < 0)
		return xstrdup("");
	buf_add(&b, "", 0);
	return buf_detach(&b, NULL);
}

static void test_log_line_format_and_reopen(void **state)
{
	(void)state;
	char dir[] = "/tmp/sala-test-log-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], moved[256];
	snprintf(path, sizeof path, "%s/sala.log", dir);
	snprintf(moved, sizeof moved, "%s/sala.log.1", dir);
	struct err e;
	assert_int_equal(log_open_file(path, &e), 0);
	assert_string_equal(log_file_path(), path);
	struct buf f = BUF_INIT;
	log_kv(&f, "addr", "127.0.0.1");
	log_kvi(&f, "status", 200);
	log_fields(LOG_INFO, "request", &f);
	buf_release(&f);
	log_audit("admin", "10.0.0.5", "user.disable", "user:bopha", NULL);
	char *text = slurp(path);
	/* 2026-12-07T03:48:03.123Z info request addr=127.0.0.1 status=200 */
	assert_int_equal(strlen(text) > 25, 1);
	assert_int_equal(text[4], '-');
	assert_int_equal(text[10], 'T');
	assert_int_equal(text[19], '.');
	assert_int_equal(text[23], 'Z');
	assert_non_null(strstr(text, "Z info request addr=127.0.0.1 status=200\n"));
	assert_non_null(strstr(text, "Z info audit action=user.disable actor=admin from=10.0.0.5 target=user:bopha\n"));
	free(text);
	/* After a rename (logrotate), reopening writes to a new file at the same path. */
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(log_reopen(&e), 0);
	log_msg(LOG_WARN, "signal", "after %s", "rotation");
	text = slurp(path);
	assert_non_null(strstr(text, "Z warn signal msg=\"after rotation\"\n"));
	assert_null(strstr(text, "request"));
	free(text);
	text = slurp(moved);
	assert_null(strstr(text, "rotation"));
	free(text);
	/* A path that cannot be opened is refused with its name, and the old file stays in use. */
	assert_int_equal(log_open_file("/nonexistent-dir/x.log", &e), -1);
	assert_non_null(strstr(e.msg, "'/nonexistent-dir/x.log'"));
	log_to(stderr);
	unlink(path);
	unlink(moved);
	rmdir(dir);
}

static void test_db_health_check_and_migration_log(void **state)
{
	(void)state;
	char dir[] = "/tmp/sala-test-health-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], logp[256];
	snprintf(path, sizeof path, "%s/h.db", dir);
	snprintf(logp, sizeof logp, "%s/log", dir);
	struct err e;
	assert_int_equal(log_open_file(logp, &e), 0);
	struct db *db = db_create(path, &e);
	assert_non_null(db);
	char *text = slurp(logp);
	char want[128];
	snprintf(want, sizeof want, " from=0 to=%d\n", db_schema_version());
	assert_non_null(strstr(text, "info migrate database="));
	assert_non_null(strstr(text, want));
	free(text);
	assert_int_equal(db_health_check(db, &e), 0);
	assert_int_equal(db_int(db, "SELECT count(*) FROM settings WHERE key = 'health_heartbeat'", NULL, NULL, -1), 0);
	/* Another connection holding the write lock makes the check fail with the database's reason. */
	struct db *other = db_open(path, &e);
	assert_non_null(other);
	assert_int_equal(db_exec(other, "BEGIN EXCLUSIVE", &e), 0);
	sqlite3_busy_timeout(db_sqlite(db), 50);
	assert_int_equal(db_health_check(db, &e), -1);
	assert_non_null(strstr(e.msg, "locked"));
	db_rollback(other);
	db_close(other);
	assert_int_equal(db_health_check(db, &e), 0);
	db_close(db);
	log_to(stderr);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Files are created 0600, SQLite's side files follow; the start-up check names a read-only file; a deleted file stops
 * commits. */
static void test_db_files_modes_check_and_watch(void **state)
{
	(void)state;
	char dir[] = "/tmp/sala-test-files-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], wal[140], shm[140], bak[140];
	snprintf(path, sizeof path, "%s/t.db", dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	snprintf(shm, sizeof shm, "%s-shm", path);
	snprintf(bak, sizeof bak, "%s/b.db", dir);
	mode_t old = umask(022);
	struct err e;
	struct db *db = db_create(path, &e);
	assert_non_null(db);
	assert_int_equal(db_setting_set(db, "k", "v"), 0);
	struct stat st;
	const char *files[] = {path, wal, shm};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(stat(files[i], &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	assert_int_equal(db_backup(db, bak, &e), 0);
	assert_int_equal(stat(bak, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	umask(old);
	assert_int_equal(db_check_file(path, &e), 0);
	/* A read-only shared-memory file left beside the database is named. */
	chmod(shm, 0400);
	assert_int_equal(db_check_file(path, &e), -1);
	assert_non_null(strstr(e.msg, shm));
	assert_non_null(strstr(e.msg, "read-only"));
	chmod(shm, 0600);
	chmod(path, 0400);
	assert_int_equal(db_check_file(path, &e), -1);
	assert_non_null(strstr(e.msg, "read-only (mode 0400)"));
	chmod(path, 0600);
	/* Watched: commits go on while the file is there, and stop once it is deleted. */
	assert_int_equal(db_watch(path, &e), 0);
	assert_true(db_file_ok());
	assert_int_equal(db_begin(db, &e), 0);
	assert_int_equal(db_setting_set(db, "k", "w"), 0);
	assert_int_equal(db_commit(db, &e), 0);
	unlink(path);
	assert_false(db_file_ok());
	assert_int_equal(db_begin(db, &e), 0);
	assert_int_equal(db_setting_set(db, "k", "x"), 0);
	assert_int_equal(db_commit(db, &e), -1);
	assert_non_null(strstr(e.msg, "deleted or replaced"));
	db_watch(NULL, &e);
	assert_true(db_file_ok());
	db_close(db);
	assert_int_equal(db_check_file(path, &e), -1);
	assert_non_null(strstr(e.msg, "does not exist"));
	unlink(wal), unlink(shm), unlink(bak), rmdir(dir);
}

static int audit_collect(void *ctx, const struct audit_entry *a)
{
	struct buf *b = ctx;
	buf_printf(b, "%s %s %s|", a->actor, a->action, a->target);
	return 0;
}

/* Entries stored, cut at a character boundary, rolled back with their transaction, and each filter. */
static void test_audit_record_and_filters(void **state)
{
	(void)state;
	char path[] = "/tmp/sala-test-audit-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	struct err e;
	struct db *db = db_create(path, &e);
	assert_non_null(db);
	static const char *const rows[][3] = {
	    {"admin", "user.create", "user:bopha"},
	    {"admin", "users.import", "staff.csv"},
	    {"cli:root", "settings.change", "settings"},
	    {"Admin", "certificate.revoke", "certificate:SALA-2026-000001"},
	    {"trainer", "course.import", "course:Cyber"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		assert_int_equal(audit_record(db, rows[i][0], "local", rows[i][1], rows[i][2], NULL, &e), 0);
	/* Inside a transaction that is rolled back, the entry goes with the change. */
	assert_int_equal(db_begin(db, &e), 0);
	assert_int_equal(audit_record(db, "admin", "local", "user.delete", "user:gone", NULL, &e), 0);
	db_rollback(db);
	/* A detail longer than AUDIT_FIELD_MAX is cut before a whole Khmer character (3 bytes each). */
	struct buf longer = BUF_INIT;
	for (int i = 0; i < 400; i++)
		buf_puts(&longer, "ក");
	assert_int_equal(audit_record(db, "admin", "local", "essay.grade", "attempt:1", buf_str(&longer), &e), 0);
	buf_release(&longer);
	static const struct {
		struct audit_filter f;
		const char *want;
	} cases[] = {
	    {{0},
	     "admin essay.grade attempt:1|trainer course.import course:Cyber|Admin certificate.revoke "
	     "certificate:SALA-2026-000001|cli:root settings.change settings|admin users.import staff.csv|admin "
	     "user.create user:bopha|"},
	    {{.actor = "ADMIN", .action = "user"}, "admin user.create user:bopha|"},
	    {{.action = "users.import"}, "admin users.import staff.csv|"},
	    {{.action = "us"}, ""},
	    {{.target = "sala-2026"}, "Admin certificate.revoke certificate:SALA-2026-000001|"},
	    {{.target = "%"}, ""},
	    {{.actor = "cli:root", .until = 4102444800}, "cli:root settings.change settings|"},
	    {{.since = 4102444800}, ""}, /* 2100-01-01 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf got = BUF_INIT;
		assert_int_equal(audit_list(db, &cases[i].f, 0, 0, audit_collect, &got, &e), 0);
		assert_string_equal(buf_str(&got), cases[i].want);
		int64_t n = 0;
		for (const char *p = cases[i].want; (p = strchr(p, '|')); p++)
			n++;
		assert_int_equal(audit_count(db, &cases[i].f, &e), n);
		buf_release(&got);
	}
	/* Paging: newest first, limit and offset. */
	struct buf page = BUF_INIT;
	assert_int_equal(audit_list(db, NULL, 2, 1, audit_collect, &page, &e), 0);
	assert_string_equal(buf_str(&page), "trainer course.import course:Cyber|Admin certificate.revoke "
					    "certificate:SALA-2026-000001|");
	buf_release(&page);
	struct db_stmt *st = db_stmt(db, "SELECT length(CAST(detail AS BLOB)), detail FROM audit_log WHERE action = "
					 "'essay.grade'");
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int(st, 0), 999);
	assert_true(utf8_valid(db_col_text(st, 1), 999));
	db_finish(st);
	db_close(db);
	char wal[64], shm[64];
	snprintf(wal, sizeof wal, "%s-wal", path);
	snprintf(shm, sizeof shm, "%s-shm", path);
	unlink(path), unlink(wal), unlink(shm);
}

static void test_db_open_migrates(void **state)
{
	(void)state;
	char path[] = "/tmp/sala-test-db-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	struct err e;
	/* Opening never creates: a missing path is refused. */
	assert_null(db_open(path, &e));
	assert_non_null(strstr(e.msg, "does not exist"));
	assert_int_equal(access(path, F_OK), -1);
	struct db *db = db_create(path, &e);
	assert_non_null(db);
	/* A second create of the same path is refused. */
	assert_null(db_create(path, &e));
	assert_non_null(strstr(e.msg, "already exists"));
	assert_int_equal(db_int(db, "PRAGMA user_version", NULL, NULL, -1), db_schema_version());
	assert_int_equal(db_int(db, "PRAGMA foreign_keys", NULL, NULL, -1), 1);
	struct db_stmt *st = db_stmt(db, "PRAGMA journal_mode");
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "wal");
	db_finish(st);
	assert_int_equal(db_setting_set(db, "k", "v1"), 0);
	assert_int_equal(db_setting_set(db, "k", "v2"), 0);
	char *v = db_setting_get(db, "k");
	assert_string_equal(v, "v2");
	free(v);
	/* A foreign key violation is refused. */
	assert_int_equal(db_exec(db,
				 "INSERT INTO users(username, password_hash, full_name, org_id, created_at) "
				 "VALUES ('x', 'h', 'X', 999, 0)",
				 &e),
			 -1);
	db_close(db);
	/* Reopening keeps the version and data. */
	db = db_open(path, &e);
	assert_non_null(db);
	v = db_setting_get(db, "k");
	assert_string_equal(v, "v2");
	free(v);
	/* A database from a newer program is refused with a message. */
	assert_int_equal(db_exec(db, "PRAGMA user_version = 9999", &e), 0);
	db_close(db);
	assert_null(db_open(path, &e));
	assert_non_null(strstr(e.msg, "newer than this program"));
	char wal[64], shm[64];
	snprintf(wal, sizeof wal, "%s-wal", path);
	snprintf(shm, sizeof shm, "%s-shm", path);
	unlink(path), unlink(wal), unlink(shm);
}

/* db_next_ids on SQLite: the ids after the largest, which a bulk INSERT can then give its rows. */
static void test_db_next_ids(void **state)
{
	(void)state;
	struct err e;
	struct db *db = db_open(":memory:", &e);
	assert_non_null(db);
	int64_t ids[3] = {0};
	assert_int_equal(db_begin(db, &e), 0);
	assert_int_equal(db_next_ids(db, "org_units", 0, ids, &e), 0);
	assert_int_equal(ids[0], 0); /* none asked, none written */
	assert_int_equal(db_exec(db,
				 "INSERT INTO org_units(id, code, name_en, level, path) VALUES (41, 'A', 'A', "
				 "'national', '/41/')",
				 &e),
			 0);
	assert_int_equal(db_next_ids(db, "org_units", 3, ids, &e), 0);
	assert_true(ids[0] == 42 && ids[1] == 43 && ids[2] == 44);
	assert_int_equal(db_commit(db, &e), 0);
	db_close(db);
}

/* db_quick_check (sala doctor's integrity check): ok on a sound file, the finding on a damaged one. */
static void test_db_quick_check(void **state)
{
	(void)state;
	char path[] = "/tmp/sala-test-qc-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	sqlite3 *raw;
	struct err e;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	struct db *db = db_from_sqlite(raw);
	assert_int_equal(
	    sqlite3_exec(raw,
			 "PRAGMA page_size = 4096; CREATE TABLE t(x); WITH RECURSIVE n(i) AS (SELECT 1 "
			 "UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO t SELECT randomblob(200) "
			 "FROM n; CREATE INDEX t_x ON t(x)",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(db_quick_check(db, &e), 0);
	int64_t pages = db_int(db, "PRAGMA page_count", NULL, NULL, 0);
	db_close(db);
	assert_true(pages > 100);
	/* Garbage over a page in the middle of the table. */
	unsigned char junk[4096];
	memset(junk, 0xA5, sizeof junk);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof junk, (off_t)(pages / 3) * 4096), (ssize_t)sizeof junk);
	close(fd);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	db = db_from_sqlite(raw);
	assert_int_equal(db_quick_check(db, &e), -1);
	assert_non_null(strstr(e.msg, "quick_check"));
	db_close(db);
	unlink(path);
}

/* Migration 3 adds the password-lifecycle columns to a v2 database without touching its users. */
static void test_db_migration_3_keeps_users(void **state)
{
	(void)state;
	char path[] = "/tmp/sala-test-mig3-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, schema_migration(0), NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, schema_migration(1), NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(raw,
			 "PRAGMA user_version = 2;"
			 "INSERT INTO org_units(id, code, name_en, level, path) VALUES (1, 'KH', 'K', "
			 "'national', '/1/');"
			 "INSERT INTO users(id, username, password_hash, full_name, sex, org_id, created_at) "
			 "VALUES (5, 'old', 'h', 'Old User', 'female', 1, 0);"
			 "INSERT INTO sessions(token_hash, user_id, csrf, created_at, last_seen) VALUES "
			 "('t', 5, 'c', 0, 0);",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(raw);
	struct err e;
	struct db *db = db_open(path, &e);
	assert_non_null(db);
	assert_true(db_schema_version() >= 3);
	assert_int_equal(db_int(db, "PRAGMA user_version", NULL, NULL, -1), db_schema_version());
	assert_int_equal(db_int(db,
				"SELECT must_change_password * 100 + activation_expires * 10 + "
				"(deleted_at IS NULL) FROM users WHERE id = 5 AND username = 'old' AND "
				"password_hash = 'h' AND full_name = 'Old User'",
				NULL, NULL, -1),
			 1);
	assert_int_equal(db_int(db, "SELECT count(*) FROM sessions WHERE user_id = 5", NULL, NULL, -1), 1);
	db_close(db);
	unlink(path);
}

/* A version-1 database (items and blobs WITHOUT ROWID) upgrades with every row and reference kept. */
static void test_db_migration_2_keeps_rows(void **state)
{
	(void)state;
	char path[] = "/tmp/sala-test-mig-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, schema_migration(0), NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(raw,
			 "PRAGMA user_version = 1;"
			 "INSERT INTO courses(id, created_at) VALUES ('c', 0);"
			 "INSERT INTO packages(id, course_id, language, version, version_num, title, imported_at) "
			 "VALUES (7, 'c', 'en', '1.0.0', 1000000, 'T', 0);"
			 "INSERT INTO items(package_id, position, type, path, title, etag, html) VALUES "
			 "(7, 2, 'lesson', 'b.md', 'B', 'e2', 'second'), (7, 1, 'lesson', 'a.md', 'A', 'e1', "
			 "printf('%.*c', 20000, 'x'));"
			 "INSERT INTO blobs(sha256, size, data) VALUES ('ab', 3, x'010203');"
			 "INSERT INTO package_files(package_id, path, sha256, mime) VALUES (7, 'a.png', 'ab', "
			 "'image/png');",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(raw);
	struct err e;
	struct db *db = db_open(path, &e);
	assert_non_null(db);
	assert_int_equal(db_int(db, "PRAGMA user_version", NULL, NULL, -1), db_schema_version());
	assert_true(db_schema_version() >= 2);
	assert_int_equal(db_int(db,
				"SELECT count(*) FROM sqlite_schema WHERE name IN ('items', 'blobs') AND "
				"sql LIKE '%WITHOUT ROWID%'",
				NULL, NULL, -1),
			 0);
	assert_int_equal(
	    db_int(db, "SELECT length(html) FROM items WHERE package_id = 7 AND path = 'a.md'", NULL, NULL, -1), 20000);
	assert_int_equal(
	    db_int(db, "SELECT position FROM items WHERE package_id = 7 AND path = 'b.md'", NULL, NULL, -1), 2);
	assert_int_equal(db_int(db, "SELECT size FROM blobs WHERE sha256 = 'ab'", NULL, NULL, -1), 3);
	assert_int_equal(db_int(db, "SELECT count(*) FROM pragma_foreign_key_check", NULL, NULL, -1), 0);
	assert_int_equal(db_int(db, "PRAGMA foreign_keys", NULL, NULL, -1), 1);
	/* References still hold: a file row needs its blob. */
	assert_int_equal(db_exec(db, "DELETE FROM blobs WHERE sha256 = 'ab'", &e), -1);
	/* The unique keys came back: a second item at the same position is refused. */
	assert_int_equal(db_exec(db,
				 "INSERT INTO items(package_id, position, type, path, title) VALUES (7, 1, "
				 "'lesson', 'c.md', 'C')",
				 &e),
			 -1);
	db_close(db);
	char side[80];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

/* ---- the server's connection pool ---- */

struct pool_fixture {
	char path[64];
	struct db_pool *pool;
};

static void pool_setup(struct pool_fixture *f, int n)
{
	snprintf(f->path, sizeof f->path, "/tmp/sala-test-pool-XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	struct err e;
	struct db *db = db_create(f->path, &e); /* creates and migrates the file first */
	assert_non_null(db);
	db_close(db);
	f->pool = db_pool_open(f->path, n, 256, &e);
	assert_non_null(f->pool);
}

static void pool_teardown(struct pool_fixture *f)
{
	db_pool_close(f->pool);
	char side[80];
	unlink(f->path);
	snprintf(side, sizeof side, "%s-wal", f->path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", f->path);
	unlink(side);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

struct pool_user {
	struct db_pool *pool;
	struct db *got;
	int hold_ms;
	int *order, *next;
	pthread_mutex_t *lock;
	int64_t answer;
};

static void *pool_user_main(void *arg)
{
	struct pool_user *u = arg;
	u->got = db_pool_take(u->pool, 0);
	if (u->order) {
		pthread_mutex_lock(u->lock);
		*u->order = (*u->next)++;
		pthread_mutex_unlock(u->lock);
	}
	u->answer = db_int(u->got, "SELECT 40 + 2", NULL, NULL, -1);
	sleep_ms(u->hold_ms);
	db_pool_give(u->pool, u->got);
	return NULL;
}

static void test_db_pool_statements_travel(void **state)
{
	(void)state;
	struct pool_fixture f = {.pool = NULL};
	pool_setup(&f, 2);
	static const char sql[] = "SELECT count(*) FROM users";
	struct db *a = db_pool_take(f.pool, 0);
	struct db_stmt *st = db_stmt(a, sql);
	assert_int_equal(db_step(st), DB_ROW);
	db_finish(st);
	db_pool_give(f.pool, a);
	/* Another thread gets the same connection (the lowest free one) and its prepared statement. */
	struct pool_user u = {.pool = f.pool};
	pthread_t t;
	pthread_create(&t, NULL, pool_user_main, &u);
	pthread_join(t, NULL);
	assert_ptr_equal(u.got, a);
	assert_int_equal(u.answer, 42);
	struct db *again = db_pool_take(f.pool, 0);
	assert_ptr_equal(again, a);
	struct db_stmt *st2 = db_stmt(again, sql);
	assert_ptr_equal(st2, st); /* prepared once for this connection, whichever thread holds it */
	db_finish(st2);
	/* An open transaction is rolled back when the connection is given back. */
	assert_int_equal(db_exec(again, "BEGIN IMMEDIATE; INSERT INTO settings(key, value) VALUES ('p', '1')", NULL),
			 0);
	db_pool_give(f.pool, again);
	struct db *b = db_pool_take(f.pool, 0);
	assert_true(db_autocommit(b));
	assert_int_equal(db_int(b, "SELECT count(*) FROM settings WHERE key = 'p'", NULL, NULL, -1), 0);
	db_pool_give(f.pool, b);
	pool_teardown(&f);
}

static void test_db_pool_pause_lends_and_returns(void **state)
{
	(void)state;
	struct pool_fixture f = {.pool = NULL};
	pool_setup(&f, 1);
	struct db *mine = db_pool_take(f.pool, 0);
	/* Paused, the only connection serves another thread meanwhile. */
	db_pool_pause();
	struct pool_user u = {.pool = f.pool, .hold_ms = 150};
	pthread_t t;
	pthread_create(&t, NULL, pool_user_main, &u);
	for (int ms = 0; !__atomic_load_n(&u.got, __ATOMIC_ACQUIRE) && ms < 30000; ms++)
		sleep_ms(1); /* the other thread holds it now, however long the machine took to start it */
	/* Resuming waits until the other thread gives it back, then returns the same connection. */
	db_pool_resume();
	assert_ptr_equal(u.got, mine);
	assert_int_equal(u.answer, 42);
	assert_int_equal(db_int(mine, "SELECT 7", NULL, NULL, -1), 7);
	pthread_join(t, NULL);
	/* Inside a transaction, pausing lends nothing: another thread waits instead. */
	assert_int_equal(db_exec(mine, "BEGIN", NULL), 0);
	assert_int_equal(db_int(mine, "SELECT count(*) FROM users", NULL, NULL, -1), 0);
	db_pool_pause();
	struct pool_user w = {.pool = f.pool};
	pthread_create(&t, NULL, pool_user_main, &w);
	sleep_ms(100);
	assert_null(w.got);
	db_pool_resume();
	assert_int_equal(db_exec(mine, "COMMIT", NULL), 0);
	db_pool_give(f.pool, mine);
	pthread_join(t, NULL);
	assert_ptr_equal(w.got, mine);
	pool_teardown(&f);
}

static void test_db_pool_waiters_in_order(void **state)
{
	(void)state;
	struct pool_fixture f = {.pool = NULL};
	pool_setup(&f, 1);
	struct db *held = db_pool_take(f.pool, 0);
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	int order[4] = {-1, -1, -1, -1}, next = 0;
	struct pool_user u[4];
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		u[i] = (struct pool_user){.pool = f.pool, .order = &order[i], .next = &next, .lock = &lock};
		pthread_create(&t[i], NULL, pool_user_main, &u[i]);
		/* Each is waiting before the next comes (however long the machine takes to run it). */
		for (int ms = 0; db_pool_waiting(f.pool) < i + 1 && ms < 30000; ms++)
			sleep_ms(1);
		assert_int_equal(db_pool_waiting(f.pool), i + 1);
	}
	db_pool_give(f.pool, held);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(order[i], i); /* served in arrival order */
		assert_int_equal(u[i].answer, 42);
	}
	/* A bounded wait gives up (NULL) and leaves the queue sound for the next taker. */
	held = db_pool_take(f.pool, 0);
	assert_null(db_pool_take(f.pool, 100));
	db_pool_give(f.pool, held);
	struct db *again = db_pool_take(f.pool, 100);
	assert_ptr_equal(again, held);
	db_pool_give(f.pool, again);
	pool_teardown(&f);
}

/* A GET's snapshot: reads agree with each other; anything that writes ends it first. */
static void test_db_snapshot(void **state)
{
	(void)state;
	struct pool_fixture f = {.pool = NULL};
	pool_setup(&f, 1);
	struct err e;
	struct db *other = db_open(f.path, &e);
	assert_non_null(other);
	assert_int_equal(db_setting_set(other, "n", "1"), 0);
	struct db *db = db_pool_take(f.pool, 0);
	db_snapshot_begin(db);
	assert_false(db_in_txn(db)); /* the snapshot is not a transaction of the caller's own */
	assert_int_equal(db_int(db, "SELECT value FROM settings WHERE key = 'n'", NULL, NULL, -1), 1);
	assert_int_equal(db_setting_set(other, "n", "2"), 0);
	/* Same snapshot: the other connection's commit is not seen yet. */
	assert_int_equal(db_int(db, "SELECT value FROM settings WHERE key = 'n'", NULL, NULL, -1), 1);
	/* A writing statement ends the snapshot before it runs, and succeeds. */
	assert_int_equal(db_setting_set(db, "m", "x"), 0);
	assert_true(db_autocommit(db));
	assert_int_equal(db_int(db, "SELECT value FROM settings WHERE key = 'n'", NULL, NULL, -1), 2);
	db_snapshot_end(db);
	/* A transaction of the caller's own inside a GET: db_begin ends the snapshot first. */
	db_snapshot_begin(db);
	assert_int_equal(db_int(db, "SELECT count(*) FROM settings", NULL, NULL, -1), 2);
	assert_int_equal(db_begin(db, &e), 0);
	assert_true(db_in_txn(db));
	assert_int_equal(db_setting_set(db, "k", "v"), 0);
	assert_int_equal(db_commit(db, &e), 0);
	db_snapshot_end(db);
	db_pool_give(f.pool, db);
	assert_int_equal(db_int(other, "SELECT count(*) FROM settings", NULL, NULL, -1), 3);
	db_close(other);
	pool_teardown(&f);
}

/* trusted_proxies lists, and the client address taken from X-Forwarded-For. */
static void test_netaddr(void **state)
{
	(void)state;
	static const struct {
		const char *list;
		bool ok;
	} lists[] = {
	    {"", true},		  {"127.0.0.1", true},	  {" 127.0.0.1 , 10.0.0.0/8,192.168.1.0/24 ", true},
	    {"0.0.0.0/0", true},  {"10.0.0.0/33", false}, {"300.1.1.1", false},
	    {"10.0.0.0/", false}, {"10.0.0.0/8x", false}, {"127.0.0.1,", false},
	    {"localhost", false}, {"::1", false},
	};
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		struct err e = {{0}};
		int rc = netaddr_list_check(lists[i].list, &e);
		assert_int_equal(rc, lists[i].ok ? 0 : -1);
		if (!lists[i].ok)
			assert_non_null(strstr(e.msg, "trusted_proxies: "));
	}
	assert_true(netaddr_list_has("10.0.0.0/8", "10.200.3.4"));
	assert_false(netaddr_list_has("10.0.0.0/8", "11.0.0.1"));
	assert_true(netaddr_list_has("127.0.0.1, 192.168.1.0/24", "192.168.1.77"));
	assert_false(netaddr_list_has("", "127.0.0.1"));
	assert_false(netaddr_list_has("127.0.0.1", "not-an-address"));

	static const struct {
		const char *peer, *xff, *trusted, *client;
	} cases[] = {
	    /* Not from a trusted proxy: the header is ignored. */
	    {"192.0.2.1", "10.9.9.9", "", "192.0.2.1"},
	    {"192.0.2.1", "10.9.9.9", "127.0.0.1", "192.0.2.1"},
	    /* From one: the rightmost entry that is not a trusted proxy. */
	    {"127.0.0.1", "203.0.113.7", "127.0.0.1", "203.0.113.7"},
	    {"127.0.0.1", "6.6.6.6, 203.0.113.7", "127.0.0.1", "203.0.113.7"},
	    {"127.0.0.1", "6.6.6.6, 203.0.113.7, 10.1.2.3", "127.0.0.1,10.0.0.0/8", "203.0.113.7"},
	    {"127.0.0.1", "10.0.0.2,10.0.0.1", "127.0.0.1,10.0.0.0/8", "10.0.0.2"},
	    /* Garbage stops the walk at the last trusted hop. */
	    {"127.0.0.1", "evil", "127.0.0.1", "127.0.0.1"},
	    {"127.0.0.1", "203.0.113.7, garbage, 10.0.0.5", "127.0.0.1,10.0.0.0/8", "10.0.0.5"},
	    {"127.0.0.1", "", "127.0.0.1", "127.0.0.1"},
	    {"127.0.0.1", NULL, "127.0.0.1", "127.0.0.1"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[64];
		netaddr_client(cases[i].peer, cases[i].xff, cases[i].trusted, out, sizeof out);
		assert_string_equal(out, cases[i].client);
	}
}

/* A row loop that ends on an error says so (db_step_row, db_read_failed); a failed write is -1. */
/* The diagnostics type: FILE:LINE lines in order, warnings apart, counts, NULL collects nothing. */
static void add_v(struct problems *pr, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	problem_vadd(pr, file, line, fmt, ap);
	va_end(ap);
}

static void test_diag_problems(void **state)
{
	(void)state;
	struct problems pr = {0};
	assert_string_equal(problems_text(&pr), "");
	assert_string_equal(problems_warnings(&pr), "");
	problem_add(&pr, "course.yml", 4, "missing '%s'", "id");
	problem_warn(&pr, "lessons/01.md", 7, "link '%s' removed", "javascript:x");
	problem_add(&pr, "quizzes/final.md", 0, "the quiz has no questions"); /* no line: 1 */
	add_v(&pr, "in.csv", 12, "unknown column '%s'", "sexe");
	assert_int_equal(pr.n, 3);
	assert_int_equal(pr.nwarnings, 1);
	assert_string_equal(problems_text(&pr), "course.yml:4: missing 'id'\n"
						"quizzes/final.md:1: the quiz has no questions\n"
						"in.csv:12: unknown column 'sexe'\n");
	assert_string_equal(problems_warnings(&pr), "lessons/01.md:7: warning: link 'javascript:x' removed\n");
	/* The CLI's output: problems, then warnings. */
	char out[512] = "";
	FILE *f = fmemopen(out, sizeof out - 1, "w");
	assert_non_null(f);
	problems_write(&pr, f);
	fclose(f);
	assert_string_equal(
	    out, "course.yml:4: missing 'id'\nquizzes/final.md:1: the quiz has no questions\n"
		 "in.csv:12: unknown column 'sexe'\nlessons/01.md:7: warning: link 'javascript:x' removed\n");
	problems_release(&pr);
	assert_int_equal(pr.n, 0);
	assert_int_equal(pr.nwarnings, 0);
	assert_string_equal(problems_text(&pr), "");
	/* No collector: nothing recorded, nothing crashes. */
	problem_add(NULL, "x", 1, "ignored");
	problem_warn(NULL, "x", 1, "ignored");
	add_v(NULL, "x", 1, "ignored");
}

/* The shared failure codes: distinct, negative, named; err_fail returns the code with the message. */
static void test_err_codes(void **state)
{
	(void)state;
	static const struct {
		int code;
		const char *name;
	} cases[] = {
	    {ERR_FAIL, "failure"},	  {ERR_NOTFOUND, "not found"},	{ERR_INVALID, "invalid input"},
	    {ERR_CONFLICT, "conflict"},	  {ERR_FORBIDDEN, "forbidden"}, {ERR_UNAVAILABLE, "unavailable"},
	    {ERR_LIMIT, "limit reached"},
	};
	size_t n = sizeof cases / sizeof cases[0];
	for (size_t i = 0; i < n; i++) {
		assert_true(cases[i].code < 0);
		assert_string_equal(err_code_name(cases[i].code), cases[i].name);
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(cases[i].code, cases[j].code);
		struct err e = {""};
		assert_int_equal(err_fail(&e, cases[i].code, "no course '%s'", "x"), cases[i].code);
		assert_string_equal(e.msg, "no course 'x'");
		assert_int_equal(err_fail(NULL, cases[i].code, "no message kept"), cases[i].code);
	}
	struct err e = {""};
	assert_int_equal(err_set(&e, "cannot open '%s'", "a"), ERR_FAIL);
	assert_string_equal(e.msg, "cannot open 'a'");
	assert_int_equal(err_set(NULL, "x"), ERR_FAIL);
}

static void test_db_step_checked(void **state)
{
	(void)state;
	struct err e;
	struct db *db = db_open(":memory:", &e);
	assert_non_null(db);
	assert_null(db_read_failed(true));
	/* Two rows, then an integer overflow while stepping to the third. */
	struct db_stmt *st =
	    db_prepare(db, "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5) "
			   "SELECT CASE WHEN x < 3 THEN x ELSE abs(-9223372036854775807 - 1) END FROM n");
	int rows = 0, rc;
	while ((rc = db_step_row(st)) > 0)
		rows++;
	db_finalize(st);
	assert_int_equal(rows, 2);
	assert_int_equal(rc, -1);
	const char *msg = db_read_failed(true);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "reading the database failed"));
	assert_null(db_read_failed(false));
	/* A complete loop leaves nothing behind. */
	st = db_prepare(db, "SELECT 1 UNION ALL SELECT 2");
	rows = 0;
	while ((rc = db_step_row(st)) > 0)
		rows++;
	db_finalize(st);
	assert_int_equal(rows, 2);
	assert_int_equal(rc, 0);
	assert_null(db_read_failed(true));
	/* A write that breaks a constraint is -1, with the reason in words. */
	assert_int_equal(db_exec(db, "CREATE TABLE t(x INTEGER NOT NULL)", &e), 0);
	st = db_prepare(db, "INSERT INTO t(x) VALUES (NULL)");
	assert_int_equal(db_step_done(st), -1);
	db_finalize(st);
	st = db_prepare(db, "INSERT INTO t(x) VALUES (1)");
	assert_int_equal(db_step_done(st), 0);
	db_finalize(st);
	assert_int_equal(db_int(db, "SELECT count(*) FROM t", NULL, NULL, -1), 1);
	db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_html_escape),
	    cmocka_unit_test(test_json_and_url),
	    cmocka_unit_test(test_buf_grow_and_detach),
	    cmocka_unit_test(test_utf8_valid),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_csv_parse),
	    cmocka_unit_test(test_csv_errors),
	    cmocka_unit_test(test_csv_write_neutralises_formulas),
	    cmocka_unit_test(test_csv_codes_stay_text),
	    cmocka_unit_test(test_i18n),
	    cmocka_unit_test(test_i18n_dates_and_digits),
	    cmocka_unit_test(test_err_truncates_on_utf8_boundary),
	    cmocka_unit_test(test_log_values_are_quoted_when_needed),
	    cmocka_unit_test(test_log_line_format_and_reopen),
	    cmocka_unit_test(test_db_health_check_and_migration_log),
	    cmocka_unit_test(test_db_open_migrates),
	    cmocka_unit_test(test_db_next_ids),
	    cmocka_unit_test(test_audit_record_and_filters),
	    cmocka_unit_test(test_db_files_modes_check_and_watch),
	    cmocka_unit_test(test_db_quick_check),
	    cmocka_unit_test(test_db_migration_2_keeps_rows),
	    cmocka_unit_test(test_db_migration_3_keeps_users),
	    cmocka_unit_test(test_db_pool_statements_travel),
	    cmocka_unit_test(test_db_pool_pause_lends_and_returns),
	    cmocka_unit_test(test_db_pool_waiters_in_order),
	    cmocka_unit_test(test_db_snapshot),
	    cmocka_unit_test(test_netaddr),
	    cmocka_unit_test(test_db_step_checked),
	    cmocka_unit_test(test_diag_problems),
	    cmocka_unit_test(test_err_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
