/*
 * Reading imported courses: the queries the learner pages, quizzes, reports
 * and certificates call. A course (courses.id, e.g. "cyber-awareness") has one
 * package per language and version; exactly one version per (course, language)
 * is active. Items (lessons and quizzes) are identified by their path inside
 * the package ("lessons/01-threats.md"), which stays the same across versions,
 * so progress keyed by (course_id, item_path) survives a new version.
 *
 * Lesson HTML was rendered by cmark in safe mode at import, with links already
 * rewritten to server URLs: /courses/ID/lessons/PATH for lessons (PATH is the
 * item path, e.g. /courses/cyber-awareness/lessons/lessons/02-passwords.md),
 * /courses/ID/quizzes/PATH for quizzes and /media/SHA256.EXT for media
 * (served by server/h_media.c). It can be output as-is inside <article>.
 */
#ifndef SALA_COURSE_H
#define SALA_COURSE_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* One package (a course in one language at one version). Strings owned; course_pkg_release() frees them. */
struct course_pkg {
	int64_t id;	 /* packages.id */
	char *course_id; /* "cyber-awareness" */
	char *language;	 /* "en", "km", ... */
	char *version;	 /* "1.2.0" */
	char *title, *summary, *authors, *certificate_title;
	int minutes, pass_mark;
	bool certificate;
	bool completion_quizzes; /* completion: quizzes (else all) */
	bool active;
	int64_t imported_at;
	int nlessons, nquizzes;
};

struct course_item {
	int position;	 /* 0-based order in the package */
	bool quiz;	 /* false: lesson */
	char *path;	 /* "lessons/01-threats.md", "quizzes/final.md" */
	char *title;	 /* lesson: first heading; quiz: its title */
	char *quiz_kind; /* "final", "practice", "pretest"; "" for lessons */
	int questions;	 /* quiz question count */
	char *etag;	 /* hash of the lesson html (or quiz source) */
};

/* A lesson's page body. Strings owned; course_lesson_release() frees them. */
struct course_lesson {
	int position;
	char *title;
	char *html; /* safe HTML rendered at import; output without escaping */
	char *etag; /* 64 hex digits */
};

/*
 * The package a learner reading in lang sees (course_pick_package() in
 * courses/learn.h). 0 on success, -1 when the course has no active package.
 */
int course_active(sqlite3 *db, const char *course_id, const char *lang, struct course_pkg *p);
/* One package by id (active or not). -1 when absent. */
int course_pkg_get(sqlite3 *db, int64_t package_id, struct course_pkg *p);
void course_pkg_release(struct course_pkg *p);

/* The languages with an active package for course_id, joined by ',' ("en,km") into out. */
void course_languages(sqlite3 *db, const char *course_id, char *out, size_t outlen);

/* The ordered items of a package; free with course_items_free(). 0 on success. */
int course_items(sqlite3 *db, int64_t package_id, struct course_item **out, size_t *n);
void course_items_free(struct course_item *items, size_t n);

/* A lesson of a package by item path. -1 when there is no such lesson. */
int course_lesson(sqlite3 *db, int64_t package_id, const char *path, struct course_lesson *l);
void course_lesson_release(struct course_lesson *l);

/*
 * The bytes of any file of a package (e.g. a quiz's source for quiz_parse),
 * appended to out (NUL-terminated). -1 when the package has no such file.
 */
int course_file(sqlite3 *db, int64_t package_id, const char *path, struct buf *out);

#endif
