/*
 * Course completion. Every active package of the course (one per language)
 * is checked: the learner completes the course when, for one of them, every
 * lesson was opened (progress is keyed by item path, so it survives new
 * versions) and every final quiz was passed in some attempt. With
 * `completion: quizzes` the lessons are not required. A package with nothing
 * to check completes nothing.
 *
 * The course's side (its packages, lessons and final quizzes, the lessons
 * opened, the enrolment row) is read and written through courses/enrol.h; the
 * quizzes passed are this module's attempts.
 */
#include "assessment/completion.h"

#include <stdlib.h>
#include <string.h>

#include "certificates/cert.h"
#include "courses/enrol.h"
#include "lib/db.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

/* What one active package asks of the learner, and how much of it is left. */
struct package_need {
	int64_t id;
	bool quizzes_only;
	int finals, lessons, lessons_left;
	char **final_paths; /* owned */
};

struct needs {
	struct package_need *p;
	size_t n;
};

static int need_add(void *ctx, const struct course_requirement *r)
{
	struct needs *ns = ctx;
	struct package_need *p = NULL;
	for (size_t i = 0; !p && i < ns->n; i++)
		if (ns->p[i].id == r->package_id)
			p = &ns->p[i];
	if (!p) {
		ns->p = xrealloc(ns->p, (ns->n + 1) * sizeof *ns->p);
		p = &ns->p[ns->n++];
		*p = (struct package_need){.id = r->package_id, .quizzes_only = r->quizzes_only};
	}
	if (r->final_quiz) {
		p->final_paths = xrealloc(p->final_paths, (size_t)(p->finals + 1) * sizeof *p->final_paths);
		p->final_paths[p->finals++] = xstrdup(r->path);
	} else {
		p->lessons++;
		p->lessons_left += !r->opened;
	}
	return 0;
}

static void needs_release(struct needs *ns)
{
	for (size_t i = 0; i < ns->n; i++) {
		for (int k = 0; k < ns->p[i].finals; k++)
			free(ns->p[i].final_paths[k]);
		free(ns->p[i].final_paths);
	}
	free(ns->p);
}

/* True when the package can be complete once its final quizzes are passed. */
static bool lessons_met(const struct package_need *p)
{
	if (p->quizzes_only && p->finals > 0)
		return true;
	return p->finals + p->lessons > 0 && p->lessons_left == 0;
}

/* The distinct paths of the quizzes user_id has passed in course_id (caller frees). 0, or -1 with a message. */
static int passed_paths(struct db *db, int64_t user_id, const char *course_id, char ***out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	struct db_stmt *st = db_stmt(db, "SELECT DISTINCT item_path FROM attempts WHERE user_id = ? AND course_id = ? "
					 "AND passed = 1 AND submitted_at IS NOT NULL");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		*out = xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = xstrdup(db_col_text(st, 0));
	}
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot read the quizzes passed in '%s': %s", course_id, db_errstr(db));
	return 0;
}

static bool path_in(char **paths, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(paths[i], path) == 0)
			return true;
	return false;
}

/* 1 when some active package of the course is complete for user_id, 0 when none, -1 with a message. */
static int course_complete(struct db *db, int64_t user_id, const char *course_id, struct err *e)
{
	struct needs ns = {0};
	if (course_requirements(db, user_id, course_id, need_add, &ns, e) < 0) {
		needs_release(&ns);
		return -1;
	}
	int done = 0;
	bool finals_needed = false;
	for (size_t i = 0; !done && i < ns.n; i++) {
		if (!lessons_met(&ns.p[i]))
			continue;
		if (ns.p[i].finals == 0)
			done = 1;
		else
			finals_needed = true;
	}
	char **passed = NULL;
	size_t npassed = 0;
	if (!done && finals_needed && passed_paths(db, user_id, course_id, &passed, &npassed, e) < 0)
		done = -1;
	for (size_t i = 0; !done && finals_needed && i < ns.n; i++) {
		const struct package_need *p = &ns.p[i];
		if (!lessons_met(p) || p->finals == 0)
			continue;
		int left = 0;
		for (int k = 0; k < p->finals; k++)
			left += !path_in(passed, npassed, p->final_paths[k]);
		done = left == 0;
	}
	for (size_t i = 0; i < npassed; i++)
		free(passed[i]);
	free(passed);
	needs_release(&ns);
	return done;
}

int completion_update(struct db *db, int64_t user_id, const char *course_id, bool *completed_now, struct err *e)
{
	if (completed_now)
		*completed_now = false;
	int already = enrolment_completed(db, user_id, course_id, e);
	if (already != 0)
		return already < 0 ? -1 : 0;
	int done = course_complete(db, user_id, course_id, e);
	if (done <= 0)
		return done;
	bool recorded = false;
	if (enrolment_complete(db, user_id, course_id, now_s(), &recorded, e) < 0)
		return -1;
	if (!recorded)
		return 0;
	if (completed_now)
		*completed_now = true;
	return cert_issue_on_completion(db, user_id, course_id, e);
}
