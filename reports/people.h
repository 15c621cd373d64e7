/*
 * Managers' follow-up: the people behind a report figure (who enrolled, has not
 * started, has not completed, is certified, is overdue) in a unit and everything
 * below it, with their unit, position and sex; the count of overdue enrolments;
 * and the dashboard's default period. Scope as report_run(): a unit outside
 * q->scope_id is refused. Reads only published views (docs/architecture.md).
 */
#ifndef SALA_REPORT_PEOPLE_H
#define SALA_REPORT_PEOPLE_H
#include <stddef.h>
#include <stdint.h>

#include "lib/db.h"
#include "lib/err.h"
#include "reports/report.h"

enum report_list {
	REPORT_LIST_ENROLLED,	   /* enrolled in the period */
	REPORT_LIST_NOT_STARTED,   /* enrolled in the period, not started yet */
	REPORT_LIST_STARTED,	   /* started in the period */
	REPORT_LIST_NOT_COMPLETED, /* enrolled in the period, not completed yet */
	REPORT_LIST_COMPLETED,	   /* completed in the period */
	REPORT_LIST_CERTIFIED,	   /* first certificate (not revoked) issued in the period */
	REPORT_LIST_OVERDUE,	   /* due date passed, not completed (whatever the period) */
	REPORT_LIST_COUNT
};
/* "enrolled", "not-started", ...; report_list_parse() gives -1 for an unknown name. */
const char *report_list_name(int list);
int report_list_parse(const char *s);

/* One person and course of a list: borrowed for the callback's duration. */
struct report_person {
	const char *username, *full_name, *full_name_km, *sex, *position;
	const char *org_code, *org_name_en, *org_name_km, *course_id;
	int64_t enrolled_at, started_at, completed_at, due_at; /* 0 when not reached or none */
};

/*
 * Calls cb for each enrolment of list in the unit (q->org, else the scope root,
 * else the national root) and below it, for q->course (NULL: every course), of
 * sex (NULL: all), ordered by unit, name and course, at most limit rows. now
 * decides what is overdue. Returns the number of rows, or REPORT_ENOENT,
 * REPORT_EFORBIDDEN, REPORT_EDB with a message. A callback returning non-zero stops the walk.
 */
long report_people(struct db *db, const struct report_query *q, int list, const char *sex, int64_t now, size_t limit,
		   int (*cb)(void *ctx, const struct report_person *p), void *ctx, struct err *e);

/* The number of overdue enrolments in the unit and below it (q->course, all sexes), or a negative code. */
long report_overdue_count(struct db *db, const struct report_query *q, int64_t now, struct err *e);

/*
 * The dashboard's period when none is asked for: the latest quarter holding an
 * enrolment in the unit (and q->course), else the quarter of now. 0, or a negative code.
 */
int report_default_period(struct db *db, const struct report_query *q, int64_t now, struct report_period *p,
			  struct err *e);

#endif
