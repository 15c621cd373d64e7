/* Unit tests for reports/xlsx.c: sheet names within Excel's limits, the texts the dashboard shares, a refused path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four headers above first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <cmocka.h>

#include "lib/i18n.h"
#include "reports/msgs.h"
#include "reports/report.h"
#include "reports/xlsx.h"

/* The UTF-16 length Excel counts. */
static size_t units(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			n += *p >= 0xF0 ? 2 : 1;
	return n;
}

static void test_sheet_names(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"Summary", "Summary"},
	    {"a/b:c*d?e[f]g\\h", "a_b_c_d_e_f_g_h"},
	    {"'quoted'", "quoted"},
	    {"", "Sheet"},
	    {"'", "Sheet"},
	    {"''x''", "x"},
	    {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
	    /* Khmer cut at 31 characters would split តេ (the vowel sign is the 32nd): the cluster goes whole. */
	    {"ការរីកចម្រើនការសិក្សាជាមធ្យម (តេស្តចុងក្រោយ − តេស្តមុន)", "ការរីកចម្រើនការសិក្សាជាមធ្យម ("},
	    /* A cut right after a coeng (ស្ | រី) takes the whole cluster ស្រី away. */
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaស្រី", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
	    /* Exactly 31 Khmer characters: kept. */
	    {"ស្រីស្រីស្រីស្រីស្រីស្រីស្រីសុខ", "ស្រីស្រីស្រីស្រីស្រីស្រីស្រីសុខ"},
	    /* A character outside the BMP counts two. */
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xF0\x9F\x98\x80", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xF0\x9F\x98\x80", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xF0\x9F\x98\x80"},
	    {"a\xFF_", "a__"}, /* not UTF-8 */
	};
	char path[] = "/tmp/sala-xlsx-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	lxw_workbook *wb = workbook_new(path);
	assert_non_null(wb);
	char out[128];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		report_xlsx_sheet_name(cases[i].in, out);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu: '%s' -> '%s', want '%s'", i, cases[i].in, out, cases[i].want);
		assert_true(units(out) <= 31);
		/* libxlsxwriter's own check (length, characters, apostrophes) accepts each. */
		assert_int_equal(workbook_validate_sheet_name(wb, out), LXW_NO_ERROR);
	}
	/* The workbook's own sheet names, in both languages, fit without a cut. */
	report_xlsx_messages_register();
	static const char *const sheets[] = {"About", "Summary", "By org unit", "By course", "By org unit and course"};
	for (size_t i = 0; i < sizeof sheets / sizeof sheets[0]; i++)
		for (int k = 0; k < 2; k++) {
			const char *name = tr(k ? "km" : "en", sheets[i]);
			assert_true(k == 0 || strcmp(name, sheets[i]) != 0); /* translated */
			report_xlsx_sheet_name(name, out);
			assert_string_equal(out, name);
			assert_int_equal(workbook_validate_sheet_name(wb, name), LXW_NO_ERROR);
		}
	workbook_close(wb);
	unlink(path);
}

/* Every definition of the figures has its Khmer in the reports' table, the one source of both outputs. */
static void test_definitions_have_khmer(void **state)
{
	(void)state;
	report_messages_register();
	size_t n;
	const char *const *defs = report_definitions(&n);
	assert_true(n >= 7);
	for (size_t i = 0; i < n; i++) {
		const char *km = tr("km", defs[i]);
		if (km == defs[i] || !strstr(km, "\xE1\x9E"))
			fail_msg("definition '%s' has no Khmer", defs[i]);
	}
}

/* A path that cannot be written: a failure that names it, not a crash. */
static void test_unwritable_path(void **state)
{
	(void)state;
	struct report r = {0};
	struct report_unit u = {.code = "05", .name_en = "Kampong Speu", .name_km = "កំពង់ស្ពឺ", .level = "province"};
	r.org = u;
	struct report_figures cells[(0 + 2) * (0 + 1) * (SEX_COUNT + 1)] = {{0}};
	r.cells = cells;
	snprintf(r.period.label, sizeof r.period.label, "all");
	struct report_xlsx_opts o = {.lang = "en", .made_at = 1735689600};
	struct err e;
	const char *bad = "/nonexistent-dir/r.xlsx";
	assert_int_equal(report_write_xlsx(&r, REPORT_BY_ORG | REPORT_BY_SEX, &o, bad, &e), ERR_FAIL);
	assert_non_null(strstr(e.msg, "cannot write '/nonexistent-dir/r.xlsx'"));
	char path[] = "/tmp/sala-xlsx-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(report_write_xlsx(&r, REPORT_BY_ORG | REPORT_BY_SEX, &o, path, &e), 0);
	FILE *f = fopen(path, "rb");
	char magic[2] = {0};
	assert_non_null(f);
	assert_int_equal(fread(magic, 1, 2, f), 2);
	fclose(f);
	assert_memory_equal(magic, "PK", 2);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_definitions_have_khmer),
	    cmocka_unit_test(test_sheet_names),
	    cmocka_unit_test(test_unwritable_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
