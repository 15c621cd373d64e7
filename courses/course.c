/* Queries over imported courses for the learner pages and other areas. */
#include "courses/course.h"

#include <stdlib.h>
#include <string.h>

#include "courses/learn.h"
#include "lib/db.h"
#include "lib/xmalloc.h"

#define PKG_COLS                                                                                                       \
	"p.id, p.course_id, p.language, p.version, p.title, p.summary, p.authors, p.certificate_title, p.minutes, "    \
	"p.pass_mark, p.certificate, p.completion, p.active, p.imported_at, "                                          \
	"(SELECT count(*) FROM items i WHERE i.package_id = p.id AND i.type = 'lesson'), "                             \
	"(SELECT count(*) FROM items i WHERE i.package_id = p.id AND i.type = 'quiz')"

static void pkg_from_row(sqlite3_stmt *st, struct course_pkg *p)
{
	p->id = sqlite3_column_int64(st, 0);
	p->course_id = xstrdup(db_col_text(st, 1));
	p->language = xstrdup(db_col_text(st, 2));
	p->version = xstrdup(db_col_text(st, 3));
	p->title = xstrdup(db_col_text(st, 4));
	p->summary = xstrdup(db_col_text(st, 5));
	p->authors = xstrdup(db_col_text(st, 6));
	p->certificate_title = xstrdup(db_col_text(st, 7));
	p->minutes = sqlite3_column_int(st, 8);
	p->pass_mark = sqlite3_column_int(st, 9);
	p->certificate = sqlite3_column_int(st, 10) != 0;
	p->completion_quizzes = strcmp(db_col_text(st, 11), "quizzes") == 0;
	p->active = sqlite3_column_int(st, 12) != 0;
	p->imported_at = sqlite3_column_int64(st, 13);
	p->nlessons = sqlite3_column_int(st, 14);
	p->nquizzes = sqlite3_column_int(st, 15);
}

void course_pkg_release(struct course_pkg *p)
{
	free(p->course_id), free(p->language), free(p->version), free(p->title);
	free(p->summary), free(p->authors), free(p->certificate_title);
	memset(p, 0, sizeof *p);
}

int course_active(sqlite3 *db, const char *course_id, const char *lang, struct course_pkg *p)
{
	memset(p, 0, sizeof *p);
	struct course_pick pick;
	if (course_pick_package(db, course_id, lang, NULL, &pick) < 0)
		return -1;
	int64_t id = pick.package_id;
	course_pick_release(&pick);
	return course_pkg_get(db, id, p);
}

int course_pkg_get(sqlite3 *db, int64_t package_id, struct course_pkg *p)
{
	memset(p, 0, sizeof *p);
	sqlite3_stmt *st = db_stmt(db, "SELECT " PKG_COLS " FROM packages p WHERE p.id = ?");
	sqlite3_bind_int64(st, 1, package_id);
	int rc = -1;
	if (db_step_row(st) > 0) {
		pkg_from_row(st, p);
		rc = 0;
	}
	db_finish(st);
	return rc;
}

void course_languages(sqlite3 *db, const char *course_id, char *out, size_t outlen)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT group_concat(language, ',') FROM (SELECT language FROM packages "
					  "WHERE course_id = ? AND active = 1 ORDER BY language)");
	db_bind_text(st, 1, course_id);
	if (outlen)
		out[0] = '\0';
	if (db_step_row(st) > 0 && outlen) {
		const char *s = db_col_text(st, 0);
		size_t n = strlen(s);
		if (n >= outlen)
			n = outlen - 1;
		memcpy(out, s, n);
		out[n] = '\0';
	}
	db_finish(st);
}

int course_items(sqlite3 *db, int64_t package_id, struct course_item **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT position, type, path, title, quiz_kind, questions, etag FROM items "
					  "WHERE package_id = ? ORDER BY position");
	sqlite3_bind_int64(st, 1, package_id);
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	while (db_step_row(st) > 0) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		struct course_item *it = &(*out)[(*n)++];
		it->position = sqlite3_column_int(st, 0);
		it->quiz = strcmp(db_col_text(st, 1), "quiz") == 0;
		it->path = xstrdup(db_col_text(st, 2));
		it->title = xstrdup(db_col_text(st, 3));
		it->quiz_kind = xstrdup(db_col_text(st, 4));
		it->questions = sqlite3_column_int(st, 5);
		it->etag = xstrdup(db_col_text(st, 6));
	}
	db_finish(st);
	return 0;
}

void course_items_free(struct course_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].path), free(items[i].title);
		free(items[i].quiz_kind), free(items[i].etag);
	}
	free(items);
}

int course_lesson(sqlite3 *db, int64_t package_id, const char *path, struct course_lesson *l)
{
	memset(l, 0, sizeof *l);
	sqlite3_stmt *st = db_stmt(db, "SELECT position, title, html, etag FROM items WHERE package_id = ? AND "
					  "path = ? AND type = 'lesson'");
	sqlite3_bind_int64(st, 1, package_id);
	db_bind_text(st, 2, path);
	int rc = -1;
	if (db_step_row(st) > 0) {
		l->position = sqlite3_column_int(st, 0);
		l->title = xstrdup(db_col_text(st, 1));
		l->html = xstrdup(db_col_text(st, 2));
		l->etag = xstrdup(db_col_text(st, 3));
		rc = 0;
	}
	db_finish(st);
	return rc;
}

void course_lesson_release(struct course_lesson *l)
{
	free(l->title), free(l->html), free(l->etag);
	memset(l, 0, sizeof *l);
}

int course_file(sqlite3 *db, int64_t package_id, const char *path, struct buf *out)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT b.data FROM package_files f JOIN blobs b ON b.sha256 = f.sha256 "
					  "WHERE f.package_id = ? AND f.path = ?");
	sqlite3_bind_int64(st, 1, package_id);
	db_bind_text(st, 2, path);
	int rc = -1;
	if (db_step_row(st) > 0) {
		const void *d = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		buf_add(out, d ? d : "", (size_t)n);
		rc = 0;
	}
	db_finish(st);
	return rc;
}
