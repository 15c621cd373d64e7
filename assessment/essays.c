/* The grading queue: submitted attempts of a course with essays, for trainers (assessment/attempt.h). */
#include <stdlib.h>
#include <string.h>

#include "assessment/attempt_private.h"
#include "lib/xmalloc.h"

void grading_entries_free(struct grading_entry *v, int n)
{
	for (int i = 0; v && i < n; i++)
		free(v[i].item_path);
	free(v);
}

/* Appends the rows of st to *v; the step result that ended the loop. */
static int read_entries(struct db_stmt *st, struct grading_entry **v, int *n, int *cap)
{
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			*v = xrealloc(*v, (size_t)*cap * sizeof **v);
		}
		struct grading_entry *g = &(*v)[(*n)++];
		g->attempt_id = db_col_int64(st, 0);
		g->user_id = db_col_int64(st, 1);
		g->submitted_at = db_col_int64(st, 2);
		g->item_path = xstrdup(db_col_text(st, 3));
		g->pending = db_col_int(st, 4);
	}
	return rc;
}

int attempt_grading_queue(struct db *db, const char *course_id, bool graded_too, struct grading_entry **out, int *n,
			  struct err *e)
{
	*out = NULL;
	*n = 0;
	int cap = 0;
	struct grading_entry *v = NULL;
	/* Awaiting a grade: the oldest first, as they were handed in (the partial index attempts_pending). */
	struct db_stmt *st = db_stmt(db, "SELECT id, user_id, submitted_at, item_path, pending FROM attempts "
					 "WHERE course_id = ? AND pending > 0 ORDER BY submitted_at, id LIMIT 1000");
	db_bind_text(st, 1, course_id);
	int rc = read_entries(st, &v, n, &cap);
	db_finish(st);
	if (rc >= 0 && graded_too) {
		/* Graded already, newest grade first: a grade can be corrected. */
		st = db_stmt(db,
			     "SELECT a.id, a.user_id, a.submitted_at, a.item_path, a.pending FROM attempts a "
			     "WHERE a.course_id = ? AND a.pending = 0 AND a.submitted_at IS NOT NULL AND EXISTS "
			     "(SELECT 1 FROM attempt_answers g WHERE g.attempt_id = a.id AND g.graded_at IS NOT NULL) "
			     "ORDER BY a.submitted_at DESC, a.id DESC LIMIT 100");
		db_bind_text(st, 1, course_id);
		rc = read_entries(st, &v, n, &cap);
		db_finish(st);
	}
	if (rc < 0) {
		grading_entries_free(v, *n);
		*n = 0;
		return err_set(e, "cannot read the grading queue of '%s': %s", course_id, db_errstr(db)), ATTEMPT_EFAIL;
	}
	*out = v;
	return 0;
}
