/* Package import into SQLite in one transaction; versions; rollback. */
#include "courses/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courses/media.h"
#include "lib/db.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#define MANIFEST_SUMS "MANIFEST.sha256"

static const char *file_mime(const char *path)
{
	char ext[8];
	media_ext(path, ext);
	const char *m = media_type_for_ext(ext);
	if (m)
		return m;
	if (!strcmp(ext, "md"))
		return "text/markdown; charset=utf-8";
	if (!strcmp(ext, "yml"))
		return "application/yaml";
	return "text/plain; charset=utf-8";
}

/* True when the stored package has exactly the files of p (paths and contents). */
static bool same_files(struct db *db, int64_t pkg_id, const struct package *p)
{
	struct db_stmt *st = db_stmt(db, "SELECT path, sha256 FROM package_files WHERE package_id = ? ORDER BY path");
	db_bind_int64(st, 1, pkg_id);
	size_t i = 0;
	bool same = true;
	int step = 0;
	while (same && (step = db_step_row(st)) > 0) {
		char hex[65];
		if (i < p->nfiles && strcmp(p->files[i].path, MANIFEST_SUMS) == 0)
			i++;
		if (i >= p->nfiles) {
			same = false;
			break;
		}
		sha256_hex(p->files[i].data, p->files[i].len, hex);
		same = strcmp(db_col_text(st, 0), p->files[i].path) == 0 && strcmp(db_col_text(st, 1), hex) == 0;
		i++;
	}
	db_finish(st);
	if (step < 0)
		return false; /* unknown: imported as new (db_step_row() logged the error) */
	if (same && i < p->nfiles && strcmp(p->files[i].path, MANIFEST_SUMS) == 0)
		i++;
	return same && i == p->nfiles;
}

static int step_done(struct db *db, struct db_stmt *st, struct err *e)
{
	int rc = db_step_done(st);
	db_reset(st);
	if (rc < 0)
		return err_set(e, "cannot store the package: %s", db_errmsg(db));
	return 0;
}

/* Makes pkg_id the one active version of its course and language, published from now if it was a draft. */
static int activate(struct db *db, int64_t pkg_id, const char *course_id, const char *lang, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "UPDATE packages SET active = CASE WHEN id = ?1 THEN 1 ELSE 0 END, "
					 "published_at = CASE WHEN id = ?1 AND published_at IS NULL THEN ?4 ELSE "
					 "published_at END WHERE course_id = ?2 AND language = ?3");
	db_bind_int64(st, 1, pkg_id);
	db_bind_text(st, 2, course_id);
	db_bind_text(st, 3, lang);
	db_bind_int64(st, 4, now_s());
	int rc = step_done(db, st, e);
	db_finish(st);
	return rc;
}

static int write_package(struct db *db, const struct package *p, const struct pkg_info *in, const char *by, bool draft,
			 struct err *e)
{
	struct db_stmt *st = db_stmt(db, "INSERT INTO courses(id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING");
	db_bind_text(st, 1, in->id);
	db_bind_int64(st, 2, now_s());
	int rc = step_done(db, st, e);
	db_finish(st);
	if (rc < 0)
		return -1;
	st = db_stmt(
	    db,
	    "INSERT INTO packages(course_id, language, version, version_num, title, summary, authors, "
	    "minutes, pass_mark, certificate, certificate_title, completion, search_text, active, "
	    "imported_at, imported_by, certificate_valid_years, published_at, completion_online, attendance_days, "
	    "survey) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, lower(?5 || ' ' || ?6), 0, ?13, ?14, "
	    "?15, ?16, ?17, ?18, ?19) RETURNING id");
	db_bind_text(st, 1, in->id);
	db_bind_text(st, 2, in->language);
	db_bind_text(st, 3, in->version);
	db_bind_int64(st, 4, in->version_num);
	db_bind_text(st, 5, in->title);
	db_bind_text(st, 6, in->summary ? in->summary : "");
	db_bind_text(st, 7, in->authors ? in->authors : "");
	db_bind_int(st, 8, in->minutes);
	db_bind_int(st, 9, in->pass_mark);
	db_bind_int(st, 10, in->certificate);
	db_bind_text(st, 11, in->certificate_title ? in->certificate_title : "");
	db_bind_text(st, 12, in->completion_quizzes ? "quizzes" : "all");
	db_bind_int64(st, 13, now_s());
	db_bind_text(st, 14, by ? by : "");
	db_bind_int(st, 15, in->certificate_valid_years);
	if (draft)
		db_bind_null(st, 16);
	else
		db_bind_int64(st, 16, now_s());
	db_bind_int(st, 17, in->completion_online);
	if (in->completion_attendance)
		db_bind_int(st, 18, in->attendance_days);
	else
		db_bind_null(st, 18);
	db_bind_text(st, 19, in->survey ? in->survey : "");
	int64_t pkg_id = db_step(st) == DB_ROW ? db_col_int64(st, 0) : 0;
	db_finish(st);
	if (!pkg_id)
		return err_set(e, "cannot store the package: %s", db_errmsg(db));

	struct db_stmt *pf =
	    db_stmt(db, "INSERT INTO package_files(package_id, path, sha256, mime) VALUES (?, ?, ?, ?)");
	for (size_t i = 0; i < p->nfiles && rc == 0; i++) {
		const struct pkg_file *f = &p->files[i];
		if (strcmp(f->path, MANIFEST_SUMS) == 0)
			continue; /* transport checksum, checked at load; not content */
		char hex[65];
		sha256_hex(f->data, f->len, hex);
		if ((rc = media_blob_store(db, hex, f->data, f->len, e)) < 0)
			break;
		db_bind_int64(pf, 1, pkg_id);
		db_bind_text(pf, 2, f->path);
		db_bind_text(pf, 3, hex);
		db_bind_text(pf, 4, file_mime(f->path));
		rc = step_done(db, pf, e);
	}
	db_finish(pf);
	if (rc < 0)
		return -1;

	st = db_stmt(db, "INSERT INTO items(package_id, position, type, path, title, html, quiz_kind, questions, "
			 "etag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	for (size_t i = 0; i < in->nitems && rc == 0; i++) {
		const struct pkg_item *it = &in->items[i];
		db_bind_int64(st, 1, pkg_id);
		db_bind_int(st, 2, (int)i);
		db_bind_text(st, 3, it->quiz ? "quiz" : "lesson");
		db_bind_text(st, 4, it->path);
		db_bind_text(st, 5, it->title ? it->title : it->path);
		db_bind_text(st, 6, it->html ? it->html : "");
		db_bind_text(st, 7, it->quiz ? it->quiz_kind : "");
		db_bind_int(st, 8, it->questions);
		db_bind_text(st, 9, it->etag);
		rc = step_done(db, st, e);
	}
	db_finish(st);
	if (rc < 0 || draft)
		return rc < 0 ? -1 : 0;
	return activate(db, pkg_id, in->id, in->language, e);
}

/* Commits an import that changed something with its audit entry (o->who, lib/audit.h); -1 rolled back. */
static int import_commit(struct db *db, const struct import_opts *o, const char *msg, struct err *e)
{
	const char *target = o && o->source && *o->source ? o->source : "upload";
	if (audit_write(db, o ? o->who : NULL, "course.import", target, msg, e) < 0 || db_commit(db, e) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

/*
 * The version being imported is stored already (as existing), inside the
 * caller's transaction, which this ends. Same content: unchanged when it is
 * the active version; otherwise it becomes active again under the rule of a
 * new import (older than the active version only with force), so a trainer
 * who imports a version gets that version. Different content is refused.
 */
static int reimport(struct db *db, int64_t existing, bool is_active, const struct package *p, const struct pkg_info *in,
		    const char *active, int64_t active_num, const struct import_opts *o, char *msg, size_t msglen,
		    struct err *e)
{
	bool force = o && o->force;
	if (!same_files(db, existing, p)) {
		db_rollback(db);
		return err_set(e, "%s %s (%s) is already imported with different content: raise the version", in->id,
			       in->version, in->language);
	}
	if (is_active) {
		db_rollback(db);
		snprintf(msg, msglen, "unchanged: %s %s (%s) is already imported and active", in->id, in->version,
			 in->language);
		return IMPORT_UNCHANGED;
	}
	if (active_num > in->version_num && !force) {
		db_rollback(db);
		return err_fail(
		    e, ERR_CONFLICT,
		    "%s %s (%s) is stored but not active: the active version is %s. To make %s active again, "
		    "publish it (on the course page, or 'sala courses publish %s --lang %s --version %s'), or import "
		    "with "
		    "--force",
		    in->id, in->version, in->language, active, in->version, in->id, in->language, in->version);
	}
	int rc = activate(db, existing, in->id, in->language, e);
	if (rc < 0) {
		db_rollback(db);
		return -1;
	}
	int len = snprintf(msg, msglen, "activated: %s %s (%s) was stored already and is active again", in->id,
			   in->version, in->language);
	if (active[0] && len > 0 && (size_t)len < msglen)
		snprintf(msg + len, msglen - (size_t)len, "; replaces %s", active);
	if (import_commit(db, o, msg, e) < 0) {
		msg[0] = '\0';
		return -1;
	}
	return IMPORT_ACTIVATED;
}

/*
 * A draft import of a version stored already (existing), inside the caller's transaction. The same
 * content is left as it is (IMPORT_UNCHANGED, the transaction ended); other content replaces an
 * earlier draft (IMPORT_DRAFT, the transaction still open: the caller writes the new one) and is
 * refused for a published version (-1, the transaction ended).
 */
static int redraft(struct db *db, int64_t existing, bool is_active, bool published, const struct package *p,
		   const struct pkg_info *in, char *msg, size_t msglen, struct err *e)
{
	if (same_files(db, existing, p)) {
		db_rollback(db);
		snprintf(msg, msglen, "unchanged: %s %s (%s) is already stored (%s)", in->id, in->version, in->language,
			 is_active   ? "active"
			 : published ? "published"
				     : "draft");
		return IMPORT_UNCHANGED;
	}
	if (published) {
		db_rollback(db);
		return err_set(e, "%s %s (%s) is already published with different content: raise the version", in->id,
			       in->version, in->language);
	}
	struct db_stmt *st = db_stmt(db, "DELETE FROM packages WHERE id = ? AND published_at IS NULL");
	db_bind_int64(st, 1, existing);
	int rc = db_step_done(st);
	db_finish(st);
	if (rc < 0) {
		err_set(e, "cannot replace the draft %s %s (%s): %s", in->id, in->version, in->language, db_errmsg(db));
		db_rollback(db);
		return -1;
	}
	return IMPORT_DRAFT;
}

int package_import(struct db *db, struct package *p, const struct import_opts *o, struct problems *pr, char *msg,
		   size_t msglen, struct err *e)
{
	struct pkg_limits def;
	pkg_limits_default(&def);
	const struct pkg_limits *lim = o && o->lim ? o->lim : &def;
	struct pkg_info in;
	msg[0] = '\0';
	int n = pkg_analyze(p, lim, PKG_FOR_IMPORT, &in, pr);
	if (n > 0) {
		err_set(e, "the package has %d problem%s", n, n == 1 ? "" : "s");
		pkg_info_free(&in);
		return -1;
	}
	int rc = -1;
	if (db_begin(db, e) < 0)
		goto out;
	struct db_stmt *st = db_stmt(
	    db, "SELECT version, version_num FROM packages WHERE course_id = ? AND language = ? AND active = 1");
	db_bind_text(st, 1, in.id);
	db_bind_text(st, 2, in.language);
	char active[32] = "";
	int64_t active_num = -1;
	if (db_step_row(st) > 0) {
		snprintf(active, sizeof active, "%s", db_col_text(st, 0));
		active_num = db_col_int64(st, 1);
	}
	db_finish(st);
	st = db_stmt(db, "SELECT id, active, published_at IS NOT NULL FROM packages WHERE course_id = ? AND "
			 "language = ? AND version = ?");
	db_bind_text(st, 1, in.id);
	db_bind_text(st, 2, in.language);
	db_bind_text(st, 3, in.version);
	int64_t existing = -1;
	bool existing_active = false, existing_published = false;
	if (db_step_row(st) > 0) {
		existing = db_col_int64(st, 0);
		existing_active = db_col_int(st, 1) != 0;
		existing_published = db_col_int(st, 2) != 0;
	}
	db_finish(st);
	bool draft = o && o->draft;
	if (existing >= 0 && draft) {
		rc = redraft(db, existing, existing_active, existing_published, p, &in, msg, msglen, e);
		if (rc != IMPORT_DRAFT)
			goto out; /* unchanged, or refused: the transaction is ended */
		existing = -1;
		rc = -1;
	}
	if (existing >= 0) {
		rc = reimport(db, existing, existing_active, p, &in, active, active_num, o, msg, msglen, e);
		goto out;
	}
	if (!draft && active_num > in.version_num && !(o && o->force)) {
		db_rollback(db);
		rc = err_fail(e, ERR_CONFLICT,
			      "%s %s (%s) is older than the active version %s (use --force to import it anyway)", in.id,
			      in.version, in.language, active);
		goto out;
	}
	if (write_package(db, p, &in, o ? o->by : NULL, draft, e) < 0) {
		db_rollback(db);
		goto out;
	}
	int len;
	if (draft) {
		len = snprintf(msg, msglen, "draft: %s %s (%s): %d lessons, %d quizzes, %d questions; not published",
			       in.id, in.version, in.language, in.nlessons, in.nquizzes, in.nquestions);
		if (active[0] && len > 0 && (size_t)len < msglen)
			snprintf(msg + len, msglen - (size_t)len, " (learners see %s)", active);
	} else {
		len = snprintf(msg, msglen, "imported: %s %s (%s): %d lessons, %d quizzes, %d questions", in.id,
			       in.version, in.language, in.nlessons, in.nquizzes, in.nquestions);
		if (active[0] && len > 0 && (size_t)len < msglen)
			snprintf(msg + len, msglen - (size_t)len, "; replaces %s", active);
	}
	/* The new version and its audit entry commit together. */
	if (import_commit(db, o, msg, e) < 0) {
		msg[0] = '\0';
		goto out;
	}
	rc = draft ? IMPORT_DRAFT : IMPORT_NEW;
out:
	pkg_info_free(&in);
	return rc;
}

int package_import_path(struct db *db, const char *path, const struct import_opts *o, struct problems *pr, char *msg,
			size_t msglen, struct err *e)
{
	struct pkg_limits def;
	pkg_limits_default(&def);
	struct package p;
	msg[0] = '\0';
	if (pkg_load_path(path, o && o->lim ? o->lim : &def, &p, e) < 0)
		return -1;
	int rc = package_import(db, &p, o, pr, msg, msglen, e);
	pkg_free(&p);
	return rc;
}

int package_versions(struct db *db, const char *course_id, const char *lang, struct pkg_version **out, size_t *n)
{
	struct db_stmt *st = db_stmt(
	    db, "SELECT p.id, p.course_id, p.language, p.version, p.active, p.imported_at, p.imported_by, p.title, "
		"p.published_at IS NOT NULL, p.active = 0 AND p.version_num < (SELECT max(a.version_num) FROM packages "
		"a WHERE a.course_id = p.course_id AND a.language = p.language AND a.active = 1) FROM packages p "
		"WHERE (p.course_id = ?1 OR ?1 IS NULL) AND (p.language = ?2 OR ?2 IS NULL) ORDER BY p.course_id, "
		"p.language, p.version_num DESC");
	db_bind_text(st, 1, course_id);
	db_bind_text(st, 2, lang);
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	int step;
	while ((step = db_step_row(st)) > 0) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		struct pkg_version *v = &(*out)[(*n)++];
		memset(v, 0, sizeof *v);
		v->id = db_col_int64(st, 0);
		snprintf(v->course_id, sizeof v->course_id, "%s", db_col_text(st, 1));
		snprintf(v->language, sizeof v->language, "%s", db_col_text(st, 2));
		snprintf(v->version, sizeof v->version, "%s", db_col_text(st, 3));
		v->active = db_col_int(st, 4) != 0;
		v->imported_at = db_col_int64(st, 5);
		snprintf(v->imported_by, sizeof v->imported_by, "%s", db_col_text(st, 6));
		snprintf(v->title, sizeof v->title, "%s", db_col_text(st, 7));
		v->published = db_col_int(st, 8) != 0;
		v->older = db_col_int(st, 9) != 0;
	}
	db_finish(st);
	if (step < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

int package_rollback(struct db *db, const char *course_id, const char *lang, const char *version, struct err *e)
{
	bool own;
	if (db_join(db, &own, e) < 0)
		return -1;
	struct db_stmt *st =
	    db_stmt(db, "SELECT id FROM packages WHERE course_id = ? AND language = ? AND version = ?");
	db_bind_text(st, 1, course_id);
	db_bind_text(st, 2, lang);
	db_bind_text(st, 3, version);
	int64_t id = db_step_row(st) > 0 ? db_col_int64(st, 0) : -1;
	db_finish(st);
	if (id < 0) {
		db_join_rollback(db, own);
		return err_fail(e, ERR_NOTFOUND, "no stored version %s of '%s' in '%s'", version, course_id, lang);
	}
	int rc = activate(db, id, course_id, lang, e);
	if (rc < 0 || db_join_commit(db, own, e) < 0) {
		db_join_rollback(db, own);
		return -1;
	}
	return 0;
}

int package_publish(struct db *db, const char *course_id, const char *lang, const char *version, char *out,
		    size_t out_len, struct err *e)
{
	out[0] = '\0';
	if (!version) {
		struct db_stmt *st =
		    db_stmt(db, "SELECT version FROM packages WHERE course_id = ? AND language = ? AND "
				"published_at IS NULL ORDER BY version_num DESC LIMIT 1");
		db_bind_text(st, 1, course_id);
		db_bind_text(st, 2, lang);
		int rc = db_step_row(st);
		if (rc > 0)
			snprintf(out, out_len, "%s", db_col_text(st, 0));
		db_finish(st);
		if (rc < 0)
			return err_fail(e, ERR_UNAVAILABLE, "cannot read the versions of '%s': %s", course_id,
					db_errmsg(db));
		if (rc == 0)
			return err_fail(e, ERR_NOTFOUND, "'%s' has no draft in '%s' to publish", course_id, lang);
	} else {
		snprintf(out, out_len, "%s", version);
	}
	return package_rollback(db, course_id, lang, out, e);
}

int package_stored(struct db *db, const char *course_id, const char *lang, const char *version, struct pkg_stored *out)
{
	memset(out, 0, sizeof *out);
	struct db_stmt *st = db_stmt(db, "SELECT id, title, active, published_at IS NOT NULL FROM packages WHERE "
					 "course_id = ? AND language = ? AND version = ?");
	db_bind_text(st, 1, course_id);
	db_bind_text(st, 2, lang);
	db_bind_text(st, 3, version);
	int rc = db_step_row(st);
	if (rc > 0) {
		out->id = db_col_int64(st, 0);
		snprintf(out->title, sizeof out->title, "%s", db_col_text(st, 1));
		out->active = db_col_int(st, 2) != 0;
		out->published = db_col_int(st, 3) != 0;
	}
	db_finish(st);
	return rc < 0 ? ERR_UNAVAILABLE : rc == 0 ? ERR_NOTFOUND : 0;
}
