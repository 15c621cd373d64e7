/*
 * Face-to-face training (blended training): workshops, their days, trainers and the people invited,
 * registered or waiting for a place. training/ owns the tables workshops, workshop_days,
 * workshop_trainers, workshop_people (lib/schema.c migration 10), attendance (training/attendance.h)
 * and the reaction surveys (training/survey.h). Scope (who may create, invite and mark) is decided by
 * the caller from the user's roles and org unit, as for course assignment.
 * Every function runs on the caller's connection, inside the caller's transaction when there is one.
 * Error codes: the shared ones of lib/err.h (ERR_INVALID bad input with a message, ERR_NOTFOUND,
 * ERR_CONFLICT a cancelled or finished session, ERR_UNAVAILABLE on a database error).
 */
#ifndef SALA_WORKSHOPS_H
#define SALA_WORKSHOPS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/err.h"

#define WORKSHOP_MAX_DAYS 31

struct workshop_day {
	int day; /* 1, 2, ... */
	int64_t starts_at, ends_at;
};

/* A workshop as workshop_get() reads it; strings owned by the struct (workshop_free()). */
struct workshop {
	int64_t id;
	char *code; /* the session's short code, printed on its sign-in sheet */
	char *title;
	char *course_id; /* NULL: not part of a course */
	int64_t org_id;	 /* the venue's org unit */
	char *address;
	int capacity;	/* 0: no limit */
	char *language; /* "km" or "en" */
	int64_t created_by, created_at;
	int64_t cancelled_at; /* 0: not cancelled */
	struct workshop_day days[WORKSHOP_MAX_DAYS];
	int ndays;
	int64_t *trainers; /* user ids */
	size_t ntrainers;
	int registered, waitlisted; /* counts of people by status */
};

/* What creating a workshop takes (validated by workshop_create()). */
struct workshop_new {
	const char *title, *course_id /* NULL or "" for none */, *address, *language;
	int64_t org_id;
	int capacity;
	const struct workshop_day *days; /* in order, each ends after it starts, days do not overlap */
	int ndays;
	const int64_t *trainers;
	size_t ntrainers;
	int64_t created_by; /* 0 for the command line */
	bool is_demo;
};

/* Creates a workshop and gives it a unique code; *id its id. 0, or an error code with a message. */
int workshop_create(struct db *db, const struct workshop_new *w, int64_t now, int64_t *id, struct err *e);
/* Reads workshop id into w (free with workshop_free()). 0, ERR_NOTFOUND, or an error code. */
int workshop_get(struct db *db, int64_t id, struct workshop *w, struct err *e);
void workshop_free(struct workshop *w);
/* Cancels a workshop (it stays listed as cancelled; people are kept). 0, ERR_NOTFOUND, or an error. */
int workshop_cancel(struct db *db, int64_t id, int64_t now, struct err *e);

/* The workshops a listing asks for, in order of their first day. */
struct workshop_filter {
	int64_t user_id;       /* >0: only those this person is registered or waitlisted for */
	int64_t trainer_id;    /* >0: only those this person trains */
	const char *org_path;  /* non-NULL: only those whose venue is in this subtree ('/1/5/') */
	const char *course_id; /* non-NULL: only those of this course */
	int64_t from, to;      /* >0: only those with a day ending after from / starting before to */
	bool include_cancelled;
};
/* Calls fn for each workshop of the filter (w borrowed for the call); fn's non-zero stops the walk. */
int workshop_list(struct db *db, const struct workshop_filter *f, int (*fn)(void *ctx, const struct workshop *w),
		  void *ctx, struct err *e);

/* A person's place in a workshop. */
enum workshop_status { WS_NONE, WS_REGISTERED, WS_WAITLISTED, WS_CANCELLED };

/*
 * Invites user_id (invited = 1): registered if a place is free, else waitlisted. Inviting someone
 * already registered or waitlisted changes nothing. *status (may be NULL) is the result.
 */
int workshop_invite(struct db *db, int64_t workshop_id, int64_t user_id, int64_t now, enum workshop_status *status,
		    struct err *e);
/* The learner registers themselves: registered up to capacity, then waitlisted. As workshop_invite. */
int workshop_register(struct db *db, int64_t workshop_id, int64_t user_id, int64_t now, enum workshop_status *status,
		      struct err *e);
/* Cancels user_id's place; the first person on the waiting list then moves up (in the same transaction). */
int workshop_unregister(struct db *db, int64_t workshop_id, int64_t user_id, int64_t now, struct err *e);

/* One person of a workshop, as workshop_people_list() gives them (strings borrowed for the call). */
struct workshop_person {
	int64_t user_id;
	const char *username, *full_name, *full_name_km, *sex, *position;
	int64_t org_id;
	enum workshop_status status;
	bool invited;
	const char *row_code; /* the person's code on the sign-in sheet */
	int64_t since;
};
/* Calls fn for each person of the workshop (cancelled ones too), by name. */
int workshop_people_list(struct db *db, int64_t workshop_id, int (*fn)(void *ctx, const struct workshop_person *p),
			 void *ctx, struct err *e);
/* The user id of the person with this row code in the workshop; 0, ERR_NOTFOUND, or an error. */
int workshop_person_by_row_code(struct db *db, int64_t workshop_id, const char *row_code, int64_t *user_id,
				struct err *e);
/* The person's status in the workshop (WS_NONE when not listed). */
int workshop_person_status(struct db *db, int64_t workshop_id, int64_t user_id, enum workshop_status *status,
			   struct err *e);

/*
 * Invites ids[0..n) (accounts that can log in) in their order, in one transaction and DB_BATCH people a
 * read: places while there are any, then the waiting list; people already registered or waitlisted
 * (or named twice) change nothing and are not counted. *registered and *waitlisted (may be NULL) count
 * the places given now. 0, or an error code with a message (nothing changed).
 */
int workshop_invite_many(struct db *db, int64_t workshop_id, const int64_t *ids, size_t n, int64_t now, int *registered,
			 int *waitlisted, struct err *e);
/*
 * Invites every active account of org_id's subtree (users_in_org_subtree()), in one transaction;
 * *registered and *waitlisted (may be NULL) count the places given now (people already listed are
 * not counted again). 0, or an error code with a message (nothing changed).
 */
int workshop_invite_org(struct db *db, int64_t workshop_id, int64_t org_id, int64_t now, int *registered,
			int *waitlisted, struct err *e);

/*
 * Session times are entered and shown in Cambodia's time, UTC+7 all year (no daylight saving), and
 * stored as seconds (UTC).
 */
#define WORKSHOP_TZ_OFFSET (7 * 3600)
/*
 * Parses a day "YYYY-MM-DD HH:MM-HH:MM" (Cambodia's time; 'T' may stand for the space) into d's
 * starts_at and ends_at. 0, or ERR_INVALID with a message quoting s.
 */
int workshop_day_parse(const char *s, struct workshop_day *d, struct err *e);
/* The same from its parts: date "YYYY-MM-DD", start and end "HH:MM". */
int workshop_day_parts(const char *date, const char *start, const char *end, struct workshop_day *d, struct err *e);
/* d as "YYYY-MM-DD HH:MM-HH:MM" (Cambodia's time) into out (at least 24 bytes). */
void workshop_day_format(const struct workshop_day *d, char *out, size_t outlen);
/* A status's name: "registered", "waitlisted", "cancelled", or "" for WS_NONE. */
const char *workshop_status_name(enum workshop_status s);

#endif
