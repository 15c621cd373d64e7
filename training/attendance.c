/*
 * Attendance marks (training/attendance.h): one row per person and day, replaced by a later mark
 * (INSERT ... ON CONFLICT DO UPDATE, which both engines speak).
 */
#include "training/attendance.h"

#include <stdlib.h>
#include <string.h>

#include "assessment/completion.h"
#include "courses/enrol.h"
#include "lib/xmalloc.h"
#include "training/workshops.h"

static const char *const status_names[] = {"present", "absent", "excused"};
static const char *const method_names[] = {"trainer", "sheet", "qr", "import"};

const char *attendance_status_name(enum attendance_status s)
{
	return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "";
}

const char *attendance_method_name(enum attendance_method m)
{
	return (unsigned)m < sizeof method_names / sizeof method_names[0] ? method_names[m] : "";
}

int attendance_status_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof status_names / sizeof status_names[0]; i++)
		if (strcmp(s, status_names[i]) == 0)
			return (int)i;
	return -1;
}

static int method_parse(const char *s)
{
	for (size_t i = 0; i < sizeof method_names / sizeof method_names[0]; i++)
		if (strcmp(s, method_names[i]) == 0)
			return (int)i;
	return ATT_BY_TRAINER;
}

/*
 * The completion hook: after every mark, the person is enrolled in the workshop's course (as
 * assigned) if they were not, and their completion of it is checked again here (a course whose
 * completion rule counts attendance; completion issues the certificate). The one call site is
 * attendance_mark(); a workshop with no course has nothing to re-check.
 */
static int attendance_recheck_completion(struct db *db, int64_t workshop_id, int64_t user_id, int64_t now,
					 struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT coalesce(course_id, '') FROM workshops WHERE id = ?");
	db_bind_int64(st, 1, workshop_id);
	int r = db_step_row(st);
	char *course = r > 0 ? xstrdup(db_col_text(st, 0)) : NULL;
	db_finish(st);
	if (r < 0)
		return err_fail(e, ERR_UNAVAILABLE, "cannot read session %lld: %s", (long long)workshop_id,
				db_errstr(db));
	/* Someone marked at a course's session takes part in the course: enrolled (as assigned) if not yet. */
	int rc = 0;
	if (course && *course) {
		rc = enrolment_ensure(db, user_id, course, "assigned", now, NULL, e);
		if (rc == 0)
			rc = completion_update(db, user_id, course, NULL, e);
	}
	free(course);
	return rc < 0 ? -1 : 0;
}

/* Refuses a mark the workshop cannot take: ERR_NOTFOUND, ERR_CONFLICT (cancelled) or ERR_INVALID. */
static int mark_allowed(struct db *db, int64_t workshop_id, int64_t user_id, int day, struct err *e)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT CASE WHEN w.cancelled_at IS NULL THEN 0 ELSE 1 END, "
			"(SELECT count(*) FROM workshop_days d WHERE d.workshop_id = w.id AND d.day = ?2) "
			"FROM workshops w WHERE w.id = ?1");
	db_bind_int64(st, 1, workshop_id);
	db_bind_int(st, 2, day);
	int r = db_step_row(st);
	bool cancelled = r > 0 && db_col_int(st, 0) != 0;
	bool day_ok = r > 0 && db_col_int(st, 1) > 0;
	db_finish(st);
	if (r < 0)
		return err_fail(e, ERR_UNAVAILABLE, "cannot read session %lld: %s", (long long)workshop_id,
				db_errstr(db));
	if (r == 0)
		return err_fail(e, ERR_NOTFOUND, "no session %lld", (long long)workshop_id);
	if (cancelled)
		return err_fail(e, ERR_CONFLICT, "session %lld is cancelled", (long long)workshop_id);
	if (!day_ok)
		return err_fail(e, ERR_INVALID, "session %lld has no day %d", (long long)workshop_id, day);
	enum workshop_status s;
	int rc = workshop_person_status(db, workshop_id, user_id, &s, e);
	if (rc < 0)
		return rc;
	if (s != WS_REGISTERED)
		return err_fail(e, ERR_INVALID, "user %lld is not registered for session %lld", (long long)user_id,
				(long long)workshop_id);
	return 0;
}

int attendance_mark(struct db *db, int64_t workshop_id, int64_t user_id, int day, enum attendance_status status,
		    enum attendance_method method, int64_t marked_by, int64_t now, struct err *e)
{
	if (!*attendance_status_name(status) || !*attendance_method_name(method))
		return err_fail(e, ERR_INVALID, "unknown attendance status or method");
	int rc = mark_allowed(db, workshop_id, user_id, day, e);
	if (rc < 0)
		return rc;
	bool own = !db_in_txn(db);
	if (own && db_begin(db, e) < 0)
		return ERR_UNAVAILABLE;
	struct db_stmt *st =
	    db_stmt(db, "INSERT INTO attendance(workshop_id, user_id, day, status, method, marked_by, marked_at) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (workshop_id, user_id, day) DO UPDATE SET "
			"status = excluded.status, method = excluded.method, marked_by = excluded.marked_by, "
			"marked_at = excluded.marked_at");
	db_bind_int64(st, 1, workshop_id);
	db_bind_int64(st, 2, user_id);
	db_bind_int(st, 3, day);
	db_bind_text(st, 4, attendance_status_name(status));
	db_bind_text(st, 5, attendance_method_name(method));
	if (marked_by > 0)
		db_bind_int64(st, 6, marked_by);
	else
		db_bind_null(st, 6);
	db_bind_int64(st, 7, now);
	rc = db_step_done(st) < 0 ? err_fail(e, ERR_UNAVAILABLE, "cannot record the mark: %s", db_errmsg(db)) : 0;
	db_finish(st);
	if (rc == 0)
		rc = attendance_recheck_completion(db, workshop_id, user_id, now, e);
	if (!own)
		return rc;
	if (rc < 0) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db, e) < 0 ? ERR_UNAVAILABLE : 0;
}

int attendance_list(struct db *db, int64_t workshop_id, int day,
		    int (*fn)(void *ctx, const struct attendance_mark_row *m), void *ctx, struct err *e)
{
	struct db_stmt *st = db_prepare(db, "SELECT user_id, day, status, method, coalesce(marked_by, 0), marked_at "
					    "FROM attendance WHERE workshop_id = ?1 AND (?2 = 0 OR day = ?2) "
					    "ORDER BY user_id, day");
	db_bind_int64(st, 1, workshop_id);
	db_bind_int(st, 2, day);
	int r, rc = 0;
	while ((r = db_step_row(st)) > 0) {
		int s = attendance_status_parse(db_col_text(st, 2));
		struct attendance_mark_row m = {.user_id = db_col_int64(st, 0),
						.day = db_col_int(st, 1),
						.status = s < 0 ? ATT_ABSENT : (enum attendance_status)s,
						.method = (enum attendance_method)method_parse(db_col_text(st, 3)),
						.marked_by = db_col_int64(st, 4),
						.marked_at = db_col_int64(st, 5)};
		if ((rc = fn(ctx, &m)) != 0)
			break;
	}
	db_finalize(st);
	if (r < 0)
		return err_fail(e, ERR_UNAVAILABLE, "cannot read the attendance of session %lld: %s",
				(long long)workshop_id, db_errstr(db));
	return rc;
}

int attendance_present_days(struct db *db, int64_t user_id, const char *course_id, int64_t *days, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT count(*) FROM attendance a JOIN workshops w ON w.id = a.workshop_id "
					 "WHERE a.user_id = ?1 AND w.course_id = ?2 AND a.status = 'present'");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	int r = db_step_row(st);
	*days = r > 0 ? db_col_int64(st, 0) : 0;
	db_finish(st);
	if (r < 0)
		return err_fail(e, ERR_UNAVAILABLE, "cannot count the days present: %s", db_errstr(db));
	return 0;
}
