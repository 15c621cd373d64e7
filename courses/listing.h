/*
 * Course listings for the administrators' and managers' pages: every course id, a course's title in a
 * language, the org units a course is assigned to (table org_assignments).
 */
#ifndef SALA_LISTING_H
#define SALA_LISTING_H
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/err.h"

/*
 * Every course id, in order, into *ids (an array of n strings; caller frees each and the array; NULL when
 * none). 0, or -1 with a message on a database error.
 */
int course_ids(struct db *db, char ***ids, size_t *n, struct err *e);
/*
 * The title of a course for a page in lang: the active package first, then one in lang, then the newest
 * version. Caller frees; NULL when the course has no package (or the read failed).
 */
char *course_title_get(struct db *db, const char *course_id, const char *lang);
/*
 * The ids of the org units course_id is assigned to, into *ids (caller frees; NULL when none) and *n.
 * 0, or -1 with a message on a database error.
 */
int course_org_ids(struct db *db, const char *course_id, int64_t **ids, size_t *n, struct err *e);
/* Called per quiz with its path and title (borrowed for the call); non-zero stops the walk and is returned. */
typedef int (*package_quiz_fn)(void *ctx, const char *path, const char *title);
/*
 * The quizzes of package_id in their order. 0 when every row was read, fn's non-zero return, or -1 with a
 * message when reading ended on a database error.
 */
int package_quizzes(struct db *db, int64_t package_id, package_quiz_fn fn, void *ctx, struct err *e);

#endif
