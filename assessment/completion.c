/*
 * Course completion. Every active package of the course (one per language)
 * is checked: the learner completes the course when, for one of them, every
 * lesson was opened (progress is keyed by item path, so it survives new
 * versions) and every final quiz was passed in some attempt. With
 * `completion: quizzes` the lessons are not required. A package with nothing
 * to check completes nothing. A rule with attendance (`completion: attendance`,
 * `all+attendance`, `quizzes+attendance`) also asks for the days present at the
 * course's face-to-face workshops (training/completion.h); attendance alone asks
 * nothing online.
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
#include "training/completion.h"

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

struct rules {
	struct course_rule *r;
	size_t n;
};

static int rule_add(void *ctx, const struct course_rule *r)
{
	struct rules *rs = ctx;
	rs->r = xrealloc(rs->r, (rs->n + 1) * sizeof *rs->r);
	rs->r[rs->n++] = *r;
	return 0;
}

static const struct package_need *need_of(const struct needs *ns, int64_t package_id)
{
	for (size_t i = 0; i < ns->n; i++)
		if (ns->p[i].id == package_id)
			return &ns->p[i];
	return NULL;
}

/* The learner's quizzes passed, read once for a course (a NULL list means not read yet). */
struct passed {
	char **paths;
	size_t n;
	bool read;
};

/* 1 when the online part of package p is met, 0 when not, -1 with a message. */
static int online_met(struct db *db, int64_t user_id, const char *course_id, const struct package_need *p,
		      struct passed *ps, struct err *e)
{
	if (!p || !lessons_met(p))
		return 0;
	if (p->finals == 0)
		return 1;
	if (!ps->read) {
		if (passed_paths(db, user_id, course_id, &ps->paths, &ps->n, e) < 0)
			return -1;
		ps->read = true;
	}
	for (int k = 0; k < p->finals; k++)
		if (!path_in(ps->paths, ps->n, p->final_paths[k]))
			return 0;
	return 1;
}

/* The rules and requirements of a course's active packages, read together (course_completion_read()). */
struct inputs {
	struct rules rs;
	struct needs ns;
};

static int input_rule(void *ctx, const struct course_rule *r)
{
	return rule_add(&((struct inputs *)ctx)->rs, r);
}

static int input_need(void *ctx, const struct course_requirement *r)
{
	return need_add(&((struct inputs *)ctx)->ns, r);
}

/*
 * 1 when some active package of the course is complete for user_id, 0 when none (or *already: the
 * completion is recorded), -1 with a message. A package's rule (courses/enrol.h course_rules()) asks
 * for the online part (lessons and final quizzes), for attendance at the course's workshops
 * (training/completion.h), or both. The enrolment, the rules and the lessons opened are one query.
 */
static int course_complete(struct db *db, int64_t user_id, const char *course_id, bool *already, struct err *e)
{
	struct inputs in = {0};
	struct needs ns;
	struct rules rs;
	struct passed ps = {0};
	int done = 0;
	if (course_completion_read(db, user_id, course_id, already, input_rule, input_need, &in, e) < 0)
		done = -1;
	ns = in.ns;
	rs = in.rs;
	for (size_t i = 0; done == 0 && !*already && i < rs.n; i++) {
		const struct course_rule *r = &rs.r[i];
		int ok = r->online ? online_met(db, user_id, course_id, need_of(&ns, r->package_id), &ps, e) : 1;
		if (ok == 1 && r->attendance) {
			struct f2f_progress fp;
			ok = f2f_progress_get(db, user_id, course_id, r->attendance_days, &fp, e) < 0 ? -1 : fp.met;
		}
		if (ok == 1 && (r->online || r->attendance))
			done = 1;
		else if (ok < 0)
			done = -1;
	}
	for (size_t i = 0; i < ps.n; i++)
		free(ps.paths[i]);
	free(ps.paths);
	free(rs.r);
	needs_release(&ns);
	return done;
}

int completion_update(struct db *db, int64_t user_id, const char *course_id, bool *completed_now, struct err *e)
{
	if (completed_now)
		*completed_now = false;
	bool already = false;
	int done = course_complete(db, user_id, course_id, &already, e);
	if (done <= 0 || already)
		return done < 0 ? -1 : 0;
	bool recorded = false;
	if (enrolment_complete(db, user_id, course_id, now_s(), &recorded, e) < 0)
		return -1;
	if (!recorded)
		return 0;
	if (completed_now)
		*completed_now = true;
	return cert_issue_on_completion(db, user_id, course_id, e);
}
