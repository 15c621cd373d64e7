/* libFuzzer harness: course.yml (libyaml) through pkg_manifest_parse(). */
#include <stddef.h>
#include <stdint.h>

#include "courses/package.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkg_info info = {0};
	struct problems pr = {0};
	pkg_manifest_parse((const char *)data, size, &info, &pr);
	pkg_info_free(&info);
	problems_release(&pr);
	return 0;
}
