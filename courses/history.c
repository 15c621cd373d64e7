/* Learning history written as a whole (demo data): see history.h. */
#include "courses/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courses/learn.h"
#include "lib/db.h"
#include "lib/xmalloc.h"

/* The lessons and pretest flag of package pkg into p. */
static int plan_items(struct db *db, int64_t pkg, struct course_plan *p, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT path, type, quiz_kind FROM items WHERE package_id = ? ORDER BY "
					 "position");
	db_bind_int64(st, 1, pkg);
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		if (strcmp(db_col_text(st, 1), "lesson") == 0 && p->nlessons < HISTORY_MAX_LESSONS)
			p->lessons[p->nlessons++] = xstrdup(db_col_text(st, 0));
		if (strcmp(db_col_text(st, 2), "pretest") == 0)
			p->pretest = true;
	}
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot read the items of a package of course '%s': %s", p->id, db_errstr(db));
	return 0;
}

int course_plans(struct db *db, const char *lang, struct course_plan **plans, size_t *n, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT id FROM courses ORDER BY id");
	size_t cap = 0;
	*plans = NULL;
	*n = 0;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*plans = xrealloc(*plans, cap * sizeof **plans);
		}
		/* The package the learners see, by the one rule (course_pick_package), for lessons and the certificate.
		 */
		struct course_pick pick;
		int picked = course_pick_package(db, db_col_text(st, 0), lang, NULL, &pick);
		if (picked == ERR_UNAVAILABLE) {
			err_set(e, "cannot pick the package of course '%s': %s", db_col_text(st, 0), db_errstr(db));
			rc = -2;
			break;
		}
		struct course_plan *c = &(*plans)[*n];
		*c = (struct course_plan){.id = xstrdup(db_col_text(st, 0)),
					  .title = xstrdup(picked == 0 && pick.title ? pick.title : ""),
					  .language = xstrdup(picked == 0 ? pick.language : ""),
					  .certificate = picked == 0 && pick.certificate,
					  .packaged = picked == 0};
		c->lessons = xcalloc(HISTORY_MAX_LESSONS, sizeof *c->lessons);
		(*n)++;
		int64_t package_id = picked == 0 ? pick.package_id : 0;
		if (picked == 0)
			course_pick_release(&pick);
		if (c->packaged) {
			if (plan_items(db, package_id, c, e) < 0) {
				rc = -2;
				break;
			}
		} else {
			/* A course without a package yet: five lessons, a pretest on every other one. */
			c->pretest = (*n - 1) % 2 == 0;
			while (c->nlessons < 5)
				c->lessons[c->nlessons] = xasprintf("lessons/%02d.md", c->nlessons + 1), c->nlessons++;
		}
	}
	db_finish(st);
	if (rc < 0) {
		if (rc == -1)
			err_set(e, "cannot read the courses: %s", db_errstr(db));
		course_plans_free(*plans, *n);
		*plans = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

void course_plans_free(struct course_plan *plans, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < plans[i].nlessons; k++)
			free(plans[i].lessons[k]);
		free(plans[i].lessons);
		free(plans[i].id);
		free(plans[i].title);
		free(plans[i].language);
	}
	free(plans);
}

int enrolment_record(struct db *db, const struct enrolment_record *r, struct err *e)
{
	/* Upsert: assignments to an org unit may already have enrolled the new user (trigger users_enrol_by_org). */
	struct db_stmt *st =
	    db_stmt(db, "INSERT INTO enrolments(user_id, course_id, source, enrolled_at, started_at, "
			"completed_at, best_final, pretest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
			"ON CONFLICT(user_id, course_id) DO UPDATE SET enrolled_at = excluded.enrolled_at, "
			"started_at = excluded.started_at, completed_at = excluded.completed_at, best_final "
			"= excluded.best_final, pretest = excluded.pretest");
	db_bind_int64(st, 1, r->user_id);
	db_bind_text(st, 2, r->course_id);
	db_bind_text(st, 3, r->source);
	db_bind_int64(st, 4, r->enrolled_at);
	r->started_at ? db_bind_int64(st, 5, r->started_at) : db_bind_null(st, 5);
	r->completed_at ? db_bind_int64(st, 6, r->completed_at) : db_bind_null(st, 6);
	r->has_final ? db_bind_double(st, 7, r->best_final) : db_bind_null(st, 7);
	r->has_pretest ? db_bind_double(st, 8, r->pretest) : db_bind_null(st, 8);
	int rc = db_step_later(st);
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot save the enrolment in course '%s': %s", r->course_id, db_errstr(db));
	return 0;
}

int progress_record(struct db *db, int64_t user_id, const char *course_id, const char *path, int64_t opened_at,
		    struct err *e)
{
	struct db_stmt *st = db_stmt(db, "INSERT INTO progress(user_id, course_id, item_path, opened_at) "
					 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_text(st, 3, path);
	db_bind_int64(st, 4, opened_at);
	int rc = db_step_later(st);
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot record the reading of '%s': %s", path, db_errstr(db));
	return 0;
}
