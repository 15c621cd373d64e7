/*
 * Importing packages into the database, versions and rollback. An import is
 * all-or-nothing: everything is checked in memory first, then written in one
 * BEGIN IMMEDIATE transaction. Files go into content-addressed blobs shared
 * by every version.
 */
#ifndef SALA_IMPORT_H
#define SALA_IMPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/audit.h"
#include "lib/db.h"

#include "courses/package.h"
#include "lib/err.h"

struct import_opts {
	bool force;		      /* allow a version lower than the active one */
	bool draft;		      /* store as a draft: learners see it only once package_publish() is called */
	const char *by;		      /* who imports (username or "cli"); may be NULL */
	const struct pkg_limits *lim; /* NULL: the defaults */
	/*
	 * Who imports, for the audit entry "course.import" (lib/audit.h) committed with the new or re-activated
	 * version (NULL: not audited), and what they imported (the entry's target: a file name or path).
	 */
	const struct audit_who *who;
	const char *source;
};

enum import_outcome { IMPORT_NEW = 0, IMPORT_UNCHANGED = 1, IMPORT_ACTIVATED = 2, IMPORT_DRAFT = 3 };

/*
 * Checks and imports p (wide images in p are downscaled). The imported
 * version becomes the active one for its course and language; a version
 * older than the active one needs o->force. On success returns one of
 * IMPORT_NEW "imported: ID VERSION (LANG): N lessons, M quizzes, Q questions[; replaces V]"
 * IMPORT_UNCHANGED "unchanged: ID VERSION (LANG) is already imported and active"
 * IMPORT_ACTIVATED "activated: ID VERSION (LANG) was stored already and is active again[; replaces V]"
 * (the same files were stored but another version was active), with that
 * one-line summary in msg. On failure returns -1 with the reason in e (a
 * stored but inactive version older than the active one is refused without
 * force, the message naming 'sala courses rollback') and, when the package
 * has problems, the "FILE:LINE: message" lines in pr; the database is left
 * unchanged.
 *
 * With o->draft the version is stored but not made active: learners, the
 * catalogue, the API and the lesson caches see only active versions, so they
 * never see it until package_publish(). No version rule applies (a draft
 * replaces nothing); a draft of the same version with other content replaces
 * the earlier draft. Returns
 * IMPORT_DRAFT "draft: ID VERSION (LANG): N lessons, M quizzes, Q questions; not published[ (learners see V)]"
 * or IMPORT_UNCHANGED "unchanged: ID VERSION (LANG) is already stored (draft|published|active)".
 */
int package_import(struct db *db, struct package *p, const struct import_opts *o, struct problems *pr, char *msg,
		   size_t msglen, struct err *e);
/* Loads path (folder or archive) with the limits and imports it. */
int package_import_path(struct db *db, const char *path, const struct import_opts *o, struct problems *pr, char *msg,
			size_t msglen, struct err *e);

struct pkg_version {
	int64_t id;
	char course_id[64], language[36], version[16], imported_by[64];
	char title[304];
	bool active;
	bool published; /* made active at least once; false for a draft */
	bool older;	/* not active and older than the active version of its course and language */
	int64_t imported_at;
};

/*
 * Stored packages, by course, language, newest version first. course_id and
 * lang may be NULL for all. *out is an array of *n (caller frees). 0, or -1
 * with none when the read failed (db_read_failed() says why).
 */
int package_versions(struct db *db, const char *course_id, const char *lang, struct pkg_version **out, size_t *n);
/*
 * Makes a stored version the active one for (course_id, lang), publishing it when it is a draft. 0;
 * ERR_NOTFOUND with a message when there is no such version; ERR_FAIL when it cannot be saved.
 */
int package_rollback(struct db *db, const char *course_id, const char *lang, const char *version, struct err *e);
/*
 * Publishes version of (course_id, lang), or with version NULL its newest draft: it becomes the active
 * version, seen by learners (the same step as package_rollback()). The published version goes to
 * out (out_len bytes). ERR_NOTFOUND with a message when there is no such version (or no draft).
 */
int package_publish(struct db *db, const char *course_id, const char *lang, const char *version, char *out,
		    size_t out_len, struct err *e);
/* One stored version, for a trainer's preview of it (draft or not). */
struct pkg_stored {
	int64_t id;
	char title[304];
	bool active, published;
};
/* The stored version of (course_id, lang). 0; ERR_NOTFOUND; ERR_UNAVAILABLE when the read failed. */
int package_stored(struct db *db, const char *course_id, const char *lang, const char *version, struct pkg_stored *out);

#endif
