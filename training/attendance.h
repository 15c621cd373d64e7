/*
 * Attendance at face-to-face workshops: one mark per person and day (present, absent, excused), with
 * who made it and how (trainer, sign-in sheet, QR check-in, import). A later mark replaces an earlier
 * one for the same person and day. Owned by training/ (table attendance, lib/schema.c migration 10).
 * Error codes as training/workshops.h.
 */
#ifndef SALA_ATTENDANCE_H
#define SALA_ATTENDANCE_H
#include <stdbool.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/err.h"

enum attendance_status { ATT_PRESENT, ATT_ABSENT, ATT_EXCUSED };
enum attendance_method { ATT_BY_TRAINER, ATT_BY_SHEET, ATT_BY_QR, ATT_BY_IMPORT };

/* "present" / "absent" / "excused"; "trainer" / "sheet" / "qr" / "import". */
const char *attendance_status_name(enum attendance_status s);
const char *attendance_method_name(enum attendance_method m);
/* Parses a status name; -1 when unknown. */
int attendance_status_parse(const char *s);

/*
 * Records user_id's mark for day of workshop_id (marked_by 0 for the command line). Refused with a
 * message when the workshop is cancelled (ERR_CONFLICT), the day does not exist, or the person is
 * not registered for it (a waitlisted or cancelled place, or not listed) (ERR_INVALID). Every way of marking goes
 * through here; after a mark it re-checks the person's completion of the workshop's course.
 */
int attendance_mark(struct db *db, int64_t workshop_id, int64_t user_id, int day, enum attendance_status status,
		    enum attendance_method method, int64_t marked_by, int64_t now, struct err *e);

/* One mark as attendance_list() gives it. */
struct attendance_mark_row {
	int64_t user_id;
	int day;
	enum attendance_status status;
	enum attendance_method method;
	int64_t marked_by, marked_at;
};
/* Calls fn for each mark of the workshop (day 0: every day), by user then day. */
int attendance_list(struct db *db, int64_t workshop_id, int day,
		    int (*fn)(void *ctx, const struct attendance_mark_row *m), void *ctx, struct err *e);

/* The number of days user_id was marked present at workshops of course_id (0 when none). */
int attendance_present_days(struct db *db, int64_t user_id, const char *course_id, int64_t *days, struct err *e);

#endif
