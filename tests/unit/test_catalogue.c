/* The message catalogue as the server registers it: each English text has one Khmer text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/i18n.h"
#include "server/server.h"

static void say_conflict(void *ctx, const char *en, const char *km1, const char *km2)
{
	struct buf *b = ctx;
	buf_printf(b, "'%s' is both '%s' and '%s'\n", en, km1, km2);
}

/* Every area's table together: an English text defined twice must say the same in Khmer. */
static void test_catalogue_one_khmer_per_text(void **state)
{
	(void)state;
	server_messages_register();
	struct buf b = BUF_INIT;
	size_t n = i18n_conflicts(say_conflict, &b);
	if (n)
		fprintf(stderr, "%s", buf_str(&b));
	assert_int_equal(n, 0);
	assert_string_equal(tr("km", "Cancelled"), "បានបោះបង់");
	buf_release(&b);

	/* The check finds a conflict: a table that repeats a key with other Khmer is reported, by its key. */
	static const struct msg twice[] = {{"Cancelled", "បានលុបចោល"}, {"Hello there", "សួស្តី"}};
	i18n_register(twice, 2);
	n = i18n_conflicts(say_conflict, &b);
	assert_int_equal(n, 1);
	assert_non_null(strstr(buf_str(&b), "'Cancelled' is both"));
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_catalogue_one_khmer_per_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
