/*
 * The learner's side of courses: catalogue, outline, enrolment, assignment,
 * reading progress. These are the query functions behind the course pages,
 * the JSON API and `sala enroll`; they know nothing of HTTP. Strings in the
 * result structs are allocated in the caller's arena and die with it.
 *
 * A course is shown in the learner's language when it has an active package
 * in it, else in another language (the "fallback"); course_pick_package()
 * states the rule, and every page, quiz and certificate follows it.
 */
#ifndef SALA_LEARN_H
#define SALA_LEARN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/arena.h"
#include "lib/err.h"

enum learn_status { LEARN_NOT_STARTED, LEARN_IN_PROGRESS, LEARN_COMPLETE };

/* One course as a learner sees it: its best package for the language and the learner's state. */
struct learn_course {
	const char *course_id, *language, *title, *summary;
	int64_t package_id;
	int minutes, pass_mark;
	bool certificate; /* the course issues a certificate */
	bool enrolled;
	enum learn_status status;
	int done, total;       /* items done (lessons opened, quizzes passed) of items in the package */
	const char *last_item; /* path of the item last opened, "" when none */
	const char *source;    /* enrolment source: self, assigned, org; "" when not enrolled */
	int64_t enrolled_at, started_at, completed_at; /* 0 when not set */
	const char *cert_serial;		       /* a valid certificate's serial, or NULL */
};

/* One lesson or quiz of a package, in order. */
struct learn_item {
	int position;
	const char *type; /* "lesson" or "quiz" */
	const char *path, *title, *quiz_kind;
	bool done;
};

/* A lesson to read: the item, its rendered HTML, its neighbours and the reader's state (learn_lesson_view()). */
struct learn_lesson {
	const char *course_id, *language, *course_title, *path, *title;
	const char *html; /* the body; NULL when learn_lesson_view()'s caller holds it already */
	const char *etag; /* items.etag */
	int64_t package_id;
	int position, count;		/* 1-based place in the package and number of items */
	struct learn_item *prev, *next; /* NULL at the ends */
	bool unsaved;	   /* the reading could not be recorded (disk full, database busy): tell the reader */
	const char *state; /* learn_lesson_view(): the learner's state in the course, as learn_state_tag() */
};

/* Text of a status for people (English; translate with tr()) and for machines. */
const char *learn_status_text(enum learn_status s);
const char *learn_status_code(enum learn_status s);

/* The package course_pick_package() chose. Strings owned; course_pick_release() frees them. */
struct course_pick {
	int64_t package_id;
	char language[16]; /* "en", "km" */
	char *title;	   /* the package's course title */
	int pass_mark;	   /* of the package */
	bool certificate;  /* the package issues a certificate */
	char item_type[8]; /* with an item_path: "lesson" or "quiz"; else "" */
	char *item_title;  /* with an item_path: the item's title; else "" */
};

/*
 * Which package a learner sees for course_id: the one rule behind the catalogue, the outline, the lesson
 * and quiz pages, attempts and certificates, so they never disagree. lang is the learner's reading
 * language (the page's ?lang=, else their saved preference; for a certificate, their saved preference);
 * NULL or "" means "en". The package is
 *   1. the active package in lang, else
 *   2. the active package in English, else
 *   3. the active package whose language tag sorts first ("fr" before "km").
 * Only active packages count: exactly one version per course and language is active, so after a
 * rollback the rolled-back version is the one seen, and a newly imported language is seen at once by
 * those who read in it (their progress, keyed by item path, carries over). With item_path, only
 * packages that have that item (lesson or quiz) are considered, by the same order.
 * 0 and *out filled; ERR_NOTFOUND when no active package (with that item) exists; ERR_UNAVAILABLE when
 * the database failed.
 */
int course_pick_package(struct db *db, const char *course_id, const char *lang, const char *item_path,
			struct course_pick *out);
void course_pick_release(struct course_pick *p);

/*
 * The catalogue: every course with an active package, in lang with fallback,
 * and user_id's state. q (NULL or "") keeps the courses whose title, summary
 * or search text (in any language) contains every word of q, ignoring ASCII
 * case. The courses shown in lang come first, then the others (fallbacks), each group by title. A
 * completed course has done == total (100 %) whatever package is shown: completion is the course's.
 * Returns the count; *out is an arena array.
 */
size_t learn_catalogue(struct db *db, struct arena *a, int64_t user_id, const char *lang, const char *q,
		       struct learn_course **out);
/* One course as in the catalogue; -1 when it has no active package. */
int learn_course_get(struct db *db, struct arena *a, int64_t user_id, const char *course_id, const char *lang,
		     struct learn_course *c);
/* The courses user_id is enrolled in, most recently active first. */
size_t learn_my_courses(struct db *db, struct arena *a, int64_t user_id, const char *lang, struct learn_course **out);

/* The ordered items of a package with user_id's done marks. */
size_t learn_outline(struct db *db, struct arena *a, int64_t user_id, const char *course_id, int64_t package_id,
		     struct learn_item **out);

/*
 * The lesson body (rendered safely by cmark at import: output as-is), in the
 * arena; "" when missing. For a page whose cached body (see
 * learn_lesson_view()'s have_body) was dropped in between.
 */
const char *learn_lesson_html(struct db *db, struct arena *a, int64_t package_id, const char *path);

/*
 * Everything a lesson page shows, in one call: the package course_pick_package()'s rule picks for lang
 * among those that have path (the same expression, inside one query), the course title, the lesson,
 * its place and its neighbours, and user_id's reading state (whether this lesson is already recorded as
 * read and last opened; l->state, the fingerprint of items done and completion that learn_state_tag()
 * gives). The lesson, neighbours and reading state are one query. When the reading is not yet
 * recorded, it is recorded (learn_record_open(): the write, which alone decides completion), and
 * l->state is read again after it; l->unsaved (and e) when that write failed.
 * have_body(etag) (may be NULL) tells whether the caller already holds the body for the lesson's etag
 * (a cache): when it does, l->html is NULL and the body is not read; otherwise l->html is the body
 * (read apart, by learn_lesson_html(), so that the common cached case never reads it).
 * Strings are in the arena. 0; ERR_NOTFOUND when there is no such lesson; ERR_UNAVAILABLE when the
 * database failed (db_step_row()); ERR_CONFLICT when path is a quiz (nothing is recorded: the caller
 * sends the learner to it).
 */
int learn_lesson_view(struct db *db, struct arena *a, int64_t user_id, const char *course_id, const char *lang,
		      const char *path, bool (*have_body)(const char *etag), struct learn_lesson *l, struct err *e);

/*
 * Enrols user_id in course_id (idempotent: an existing enrolment is kept as
 * it is). source is "self", "assigned" or "org". *created (may be NULL) tells
 * whether a new enrolment was made. ERR_NOTFOUND with a message when the course has no
 * active package, ERR_FAIL when the enrolment cannot be saved (disk full, database
 * busy). Runs in its own transaction unless one is open.
 */
int learn_enrol(struct db *db, int64_t user_id, const char *course_id, const char *source, bool *created,
		struct err *e);

/*
 * Records that user_id opened the lesson at path: the progress row (once),
 * enrolment if there was none, started_at (once), last_item, and then course
 * completion (completion_update, which issues the certificate in this same
 * write transaction). A lesson already recorded as read and last opened is
 * answered by a read alone, which never decides completion. Idempotent apart
 * from last_item. All of
 * it is one transaction: when it cannot be saved (disk full, database busy
 * or read-only) nothing is kept, -1 comes back with the reason, and the next
 * call records it (the reader is told: learn_lesson.unsaved).
 */
int learn_record_open(struct db *db, int64_t user_id, const char *course_id, const char *path, struct err *e);

/*
 * Assigns course_id to the org unit org_code and everything below it: an
 * org_assignments row (so people added later are enrolled by the trigger)
 * and an enrolment for every active user now in the subtree. *added gets the
 * number of new enrolments.
 */
int learn_assign_org(struct db *db, const char *course_id, const char *org_code, int *added, struct err *e);
/*
 * learn_assign_org() with a due date (seconds: the end of the due day, UTC; 0 = none, the unit's
 * earlier one is kept): the unit's assignment keeps it for people who join later, and every
 * enrolment of the course in the subtree that is not completed gets it (the latest assignment wins).
 */
int learn_assign_org_due(struct db *db, const char *course_id, const char *org_code, int64_t due_at, int *added,
			 struct err *e);
/* Sets the due date (as above) of user_id's enrolment in course_id unless it is completed. 0 or -1 with a message. */
int learn_set_due(struct db *db, int64_t user_id, const char *course_id, int64_t due_at, struct err *e);
/* The due date of user_id's enrolment in course_id while it is not completed; 0 when none (or completed). */
int64_t learn_due_at(struct db *db, int64_t user_id, const char *course_id);

/*
 * Whether someone with roles (enum role bits) in org unit actor_org may
 * assign courses to people in target_org: administrators anywhere,
 * managers and trainers only within their own subtree.
 */
bool learn_may_assign(struct db *db, unsigned roles, int64_t actor_org, int64_t target_org);

/* A small fingerprint of user_id's state in course_id (items done, completion) for ETags, into out. */
void learn_state_tag(struct db *db, int64_t user_id, const char *course_id, char *out, size_t outlen);

#endif
