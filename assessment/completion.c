/* Placeholder until completion lands. */
#include "assessment/completion.h"

int completion_update(sqlite3 *db, int64_t user_id, const char *course_id, bool *completed_now, struct err *e)
{
	(void)db, (void)user_id, (void)course_id, (void)e;
	if (completed_now)
		*completed_now = false;
	return 0;
}
