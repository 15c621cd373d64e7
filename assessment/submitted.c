/* A learner's submitted quizzes, for the course pages' done marks (assessment/completion.h). */
#include <string.h>

#include "assessment/completion.h"
#include "lib/db.h"

int assessment_submitted_quizzes(struct db *db, struct arena *a, int64_t user_id, const char *course_id,
				 struct submitted_quiz **out, size_t *n)
{
	/* Grouped in the order of attempts_user (user, course, path): no sort. */
	struct db_stmt *st =
	    db_stmt(db, "SELECT course_id, item_path, max(CASE WHEN passed = 1 THEN 1 ELSE 0 END) FROM attempts "
			"WHERE user_id = ?1 AND (course_id = ?2 OR ?2 IS NULL) "
			"AND submitted_at IS NOT NULL GROUP BY course_id, item_path");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	size_t len = 0, cap = 0;
	struct submitted_quiz *v = NULL;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		struct submitted_quiz *q = ARENA_PUSH(a, v, len, cap, 16);
		q->course_id = arena_strdup(a, db_col_text(st, 0));
		q->item_path = arena_strdup(a, db_col_text(st, 1));
		q->passed = db_col_int(st, 2) != 0;
	}
	db_finish(st);
	*out = rc < 0 ? NULL : v;
	*n = rc < 0 ? 0 : len;
	return rc < 0 ? -1 : 0;
}
