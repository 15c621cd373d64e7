/* Placeholder until certificate issuing lands. */
#include "certificates/cert.h"

int cert_issue_on_completion(sqlite3 *db, int64_t user_id, const char *course_id, struct err *e)
{
	(void)db, (void)user_id, (void)course_id, (void)e;
	return 0;
}
