/*
 * Attendance towards course completion: a rule of N days counts the days present at every workshop of
 * the course; a rule of 0 (every day of one workshop) needs one workshop with every one of its days
 * present. Cancelled workshops do not count; a mark for a day the workshop does not have never counts.
 */
#include "training/completion.h"

#include <string.h>

#include "courses/enrol.h"
#include "lib/db.h"

int f2f_sessions(struct db *db, int64_t user_id, const char *course_id,
		 int (*fn)(void *ctx, const struct f2f_session *s), void *ctx, struct err *e)
{
	struct db_stmt *st = db_stmt(
	    db, "SELECT w.id, w.title, (SELECT min(d.starts_at) FROM workshop_days d WHERE d.workshop_id = w.id) AS "
		"first, (SELECT max(d.ends_at) FROM workshop_days d WHERE d.workshop_id = w.id), (SELECT count(*) "
		"FROM workshop_days d WHERE d.workshop_id = w.id), (SELECT count(*) FROM attendance a JOIN "
		"workshop_days d ON d.workshop_id = a.workshop_id AND d.day = a.day WHERE a.workshop_id = w.id AND "
		"a.user_id = ?1 AND a.status = 'present') AS present, CASE WHEN EXISTS (SELECT 1 FROM workshop_people "
		"p WHERE p.workshop_id = w.id AND p.user_id = ?1 AND p.status = 'registered') THEN 1 ELSE 0 END AS "
		"registered FROM workshops w WHERE w.course_id = ?2 AND w.cancelled_at IS NULL AND (EXISTS (SELECT 1 "
		"FROM workshop_people p WHERE p.workshop_id = w.id AND p.user_id = ?1 AND p.status = 'registered') OR "
		"EXISTS (SELECT 1 FROM attendance a WHERE a.workshop_id = w.id AND a.user_id = ?1 AND a.status = "
		"'present')) ORDER BY first NULLS LAST, w.id");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	int rc, stop = 0;
	while (!stop && (rc = db_step_row(st)) > 0) {
		struct f2f_session s = {
		    .workshop_id = db_col_int64(st, 0),
		    .title = db_col_text(st, 1),
		    .starts_at = db_col_int64(st, 2),
		    .ends_at = db_col_int64(st, 3),
		    .days = db_col_int(st, 4),
		    .present = db_col_int(st, 5),
		    .registered = db_col_int(st, 6) != 0,
		};
		stop = fn(ctx, &s);
	}
	db_finish(st);
	if (stop)
		return stop;
	if (rc < 0)
		return err_set(e, "cannot read the workshops of '%s': %s", course_id, db_errstr(db));
	return 0;
}

struct tally {
	int days_rule;
	struct f2f_progress *p;
	int best_present, best_days; /* every-day rule: the workshop closest to complete */
};

static int tally_add(void *ctx, const struct f2f_session *s)
{
	struct tally *t = ctx;
	t->p->sessions++;
	if (t->days_rule > 0) {
		t->p->days_present += s->present;
		return 0;
	}
	/* Every day of one workshop: the one with the fewest days missing, then the shortest. */
	int missing = s->days - s->present, best_missing = t->best_days - t->best_present;
	if (t->p->sessions == 1 || missing < best_missing || (missing == best_missing && s->days < t->best_days)) {
		t->best_present = s->present;
		t->best_days = s->days;
	}
	return 0;
}

int f2f_progress_get(struct db *db, int64_t user_id, const char *course_id, int days, struct f2f_progress *p,
		     struct err *e)
{
	memset(p, 0, sizeof *p);
	struct tally t = {.days_rule = days, .p = p};
	if (f2f_sessions(db, user_id, course_id, tally_add, &t, e) < 0)
		return -1;
	if (days > 0) {
		p->days_required = days;
		p->met = p->days_present >= days;
	} else {
		p->days_present = t.best_present;
		p->days_required = t.best_days;
		p->met = t.best_days > 0 && t.best_present >= t.best_days;
	}
	return 0;
}

static int first_attendance_rule(void *ctx, const struct course_rule *r)
{
	struct f2f_state *s = ctx;
	if (!r->attendance)
		return 0;
	s->required = true;
	s->days_rule = r->attendance_days;
	return 1;
}

int f2f_course_state(struct db *db, int64_t user_id, const char *course_id, struct f2f_state *s, struct err *e)
{
	memset(s, 0, sizeof *s);
	if (course_rules(db, course_id, first_attendance_rule, s, e) < 0)
		return -1;
	return f2f_progress_get(db, user_id, course_id, s->days_rule, &s->p, e);
}
