/*
 * The follow-up lists behind report figures. The definitions are those of
 * report_run() (docs/reports.md): a milestone counts in a period when its date
 * falls inside it; certified is the first certificate not revoked, while one is
 * current. Reads the views report_people, report_enrolments, report_due and
 * report_certificates.
 */
#include "reports/people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

static const char *const list_names[REPORT_LIST_COUNT] = {"enrolled",  "not-started", "started", "not-completed",
							  "completed", "certified",   "overdue"};

const char *report_list_name(int list)
{
	return list >= 0 && list < REPORT_LIST_COUNT ? list_names[list] : "";
}

int report_list_parse(const char *s)
{
	for (int i = 0; s && i < REPORT_LIST_COUNT; i++)
		if (strcmp(s, list_names[i]) == 0)
			return i;
	return -1;
}

/* The condition of each list; ?5, ?6 the period [from, to); for overdue, ?5 is now. */
static const char *const list_where[REPORT_LIST_COUNT] = {
    "e.enrolled_at >= ?5 AND e.enrolled_at < ?6",
    "e.enrolled_at >= ?5 AND e.enrolled_at < ?6 AND e.started_at IS NULL",
    "e.started_at >= ?5 AND e.started_at < ?6",
    "e.enrolled_at >= ?5 AND e.enrolled_at < ?6 AND e.completed_at IS NULL",
    "e.completed_at >= ?5 AND e.completed_at < ?6",
    "EXISTS (SELECT 1 FROM report_certificates c WHERE c.user_id = e.user_id AND c.course_id = e.course_id "
    "AND c.is_current = 1) AND (SELECT min(c.issued_at) FROM report_certificates c WHERE c.user_id = e.user_id "
    "AND c.course_id = e.course_id) >= ?5 AND (SELECT min(c.issued_at) FROM report_certificates c "
    "WHERE c.user_id = e.user_id AND c.course_id = e.course_id) < ?6",
    "d.due_at < ?5 AND e.completed_at IS NULL",
};

static int failed(struct db *db, struct err *e)
{
	err_set(e, "cannot read the follow-up list: %s", db_errstr(db));
	return REPORT_EDB;
}

/* The path range [from, to) of the unit asked for, after checking the caller's scope. */
static int unit_range(struct db *db, const struct report_query *q, char **from, char **to, struct err *e)
{
	struct db_stmt *st;
	const char *code = q->org && *q->org ? q->org : NULL;
	if (code) {
		st = db_stmt(db, "SELECT path FROM report_org_units WHERE code = ?");
		db_bind_text(st, 1, code);
	} else if (q->scope_id >= 0) {
		st = db_stmt(db, "SELECT path FROM report_org_units WHERE id = ?");
		db_bind_int64(st, 1, q->scope_id);
	} else {
		st = db_stmt(db, "SELECT path FROM report_org_units WHERE code = ?");
		db_bind_text(st, 1, ORG_ROOT_CODE);
	}
	int rc = db_step_row(st);
	if (rc > 0)
		*from = xstrdup(db_col_text(st, 0));
	db_finish(st);
	if (rc < 0)
		return failed(db, e);
	if (rc == 0) {
		err_set(e, "no org unit '%s'", code ? code : ORG_ROOT_CODE);
		return REPORT_ENOENT;
	}
	if (q->scope_id >= 0) {
		st = db_stmt(db, "SELECT path FROM report_org_units WHERE id = ?");
		db_bind_int64(st, 1, q->scope_id);
		rc = db_step_row(st);
		bool inside = rc > 0 && str_starts(*from, db_col_text(st, 0));
		db_finish(st);
		if (rc < 0) {
			free(*from);
			return failed(db, e);
		}
		if (!inside) {
			err_set(e, "the org unit '%s' is outside your area", code ? code : "");
			free(*from);
			return REPORT_EFORBIDDEN;
		}
	}
	*to = xstrdup(*from);
	size_t n = strlen(*to);
	if (n)
		(*to)[n - 1] = '0'; /* '0' follows '/': the end of the subtree's range */
	return 0;
}

/* Binds ?1 to ?4 (the unit's range, course, sex) and the list's ?5 and ?6 (the period, or now). */
static void bind_common(struct db_stmt *st, const char *from, const char *to, const struct report_query *q,
			const char *sex, int list, int64_t now)
{
	db_bind_text(st, 1, from);
	db_bind_text(st, 2, to);
	if (q->course && *q->course)
		db_bind_text(st, 3, q->course);
	else
		db_bind_null(st, 3);
	if (sex && *sex)
		db_bind_text(st, 4, sex);
	else
		db_bind_null(st, 4);
	const struct report_period *p = &q->period;
	if (list == REPORT_LIST_OVERDUE) {
		db_bind_int64(st, 5, now);
		return;
	}
	db_bind_int64(st, 5, p->set ? p->from : INT64_MIN);
	db_bind_int64(st, 6, p->set ? p->to : INT64_MAX);
}

#define FROM_WHERE                                                                                                     \
	" FROM report_people p JOIN report_enrolments e ON e.user_id = p.user_id"                                      \
	" LEFT JOIN report_due d ON d.user_id = e.user_id AND d.course_id = e.course_id"                               \
	" WHERE p.org_path >= ?1 AND p.org_path < ?2 AND (e.course_id = ?3 OR ?3 IS NULL)"                             \
	" AND (p.sex = ?4 OR ?4 IS NULL) AND "

/*
 * The condition on the learners' language of the query (report_query.language, checked to be one of these):
 * a constant of this table, never the request's text, so the statements keep their numbered parameters.
 */
static const char *lang_where(const struct report_query *q)
{
	if (!q->language)
		return "";
	return strcmp(q->language, "en") == 0 ? "p.lang = 'en' AND " : "p.lang = 'km' AND ";
}

static int64_t col_time(struct db_stmt *st, int col)
{
	return db_col_type(st, col) == DB_NULL ? 0 : db_col_int64(st, col);
}

long report_people(struct db *db, const struct report_query *q, int list, const char *sex, int64_t now, size_t limit,
		   int (*cb)(void *ctx, const struct report_person *p), void *ctx, struct err *e)
{
	if (list < 0 || list >= REPORT_LIST_COUNT) {
		err_set(e, "unknown list");
		return ERR_INVALID;
	}
	char *from, *to;
	int rc = unit_range(db, q, &from, &to, e);
	if (rc < 0)
		return rc;
	char *sql =
	    xasprintf("SELECT p.username, p.full_name, p.full_name_km, p.sex, p.position, p.org_code, "
		      "p.org_name_en, p.org_name_km, e.course_id, e.enrolled_at, e.started_at, e.completed_at, "
		      "d.due_at" FROM_WHERE "%s%s ORDER BY p.org_code, p.full_name, p.username, e.course_id LIMIT %zu",
		      lang_where(q), list_where[list], limit);
	struct db_stmt *st = db_prepare(db, sql);
	free(sql);
	long n = 0;
	if (!st) {
		n = failed(db, e);
		goto done;
	}
	bind_common(st, from, to, q, sex, list, now);
	while ((rc = db_step_row(st)) > 0) {
		struct report_person p = {
		    .username = db_col_text(st, 0),
		    .full_name = db_col_text(st, 1),
		    .full_name_km = db_col_text(st, 2),
		    .sex = db_col_text(st, 3),
		    .position = db_col_text(st, 4),
		    .org_code = db_col_text(st, 5),
		    .org_name_en = db_col_text(st, 6),
		    .org_name_km = db_col_text(st, 7),
		    .course_id = db_col_text(st, 8),
		    .enrolled_at = col_time(st, 9),
		    .started_at = col_time(st, 10),
		    .completed_at = col_time(st, 11),
		    .due_at = col_time(st, 12),
		};
		n++;
		if (cb(ctx, &p))
			break;
	}
	if (rc < 0)
		n = failed(db, e);
	db_finalize(st);
done:
	free(from);
	free(to);
	return n;
}

long report_overdue_count(struct db *db, const struct report_query *q, int64_t now, struct err *e)
{
	char *from, *to;
	int rc = unit_range(db, q, &from, &to, e);
	if (rc < 0)
		return rc;
	static const char *const sql[] = {
	    "SELECT count(*)" FROM_WHERE "d.due_at < ?5 AND e.completed_at IS NULL",
	    "SELECT count(*)" FROM_WHERE "p.lang = 'km' AND d.due_at < ?5 AND e.completed_at IS NULL",
	    "SELECT count(*)" FROM_WHERE "p.lang = 'en' AND d.due_at < ?5 AND e.completed_at IS NULL",
	};
	const char *w = lang_where(q);
	struct db_stmt *st = db_stmt(db, sql[!*w ? 0 : strstr(w, "'en'") ? 2 : 1]);
	bind_common(st, from, to, q, NULL, REPORT_LIST_OVERDUE, now);
	rc = db_step_row(st);
	long n = rc > 0 ? (long)db_col_int64(st, 0) : 0;
	db_finish(st);
	free(from);
	free(to);
	return rc < 0 ? failed(db, e) : n;
}

int report_default_period(struct db *db, const struct report_query *q, int64_t now, struct report_period *p,
			  struct err *e)
{
	char *from, *to;
	int64_t latest = 0;
	int rc = unit_range(db, q, &from, &to, e);
	if (rc == 0) {
		struct db_stmt *st =
		    db_stmt(db, "SELECT max(e.enrolled_at) FROM report_people p JOIN report_enrolments e "
				"ON e.user_id = p.user_id WHERE p.org_path >= ?1 AND p.org_path < ?2 "
				"AND (e.course_id = ?3 OR ?3 IS NULL) AND e.enrolled_at <= ?4");
		db_bind_text(st, 1, from);
		db_bind_text(st, 2, to);
		if (q->course && *q->course)
			db_bind_text(st, 3, q->course);
		else
			db_bind_null(st, 3);
		db_bind_int64(st, 4, now);
		rc = db_step_row(st);
		if (rc > 0)
			latest = col_time(st, 0);
		db_finish(st);
		free(from);
		free(to);
		if (rc < 0)
			return failed(db, e);
	} else if (rc != REPORT_EDB) {
		latest = 0; /* an unknown or forbidden unit: report_run() says so */
	} else {
		return rc;
	}
	report_period_quarter(latest ? latest : now, p);
	return 0;
}
