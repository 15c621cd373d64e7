/* The learner's side of courses: the queries behind catalogue, outline, enrolment and progress. */
#include "courses/learn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "assessment/completion.h"
#include "courses/enrol.h"
#include "lib/buf.h"
#include "lib/db.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

/*
 * The one rule for which package a learner sees (course_pick_package() in courses/learn.h documents it):
 * the active package of course X in the reading language ?2, else the English one, else the active one
 * whose language tag sorts first. One version per course and language is active (courses/import.c), so
 * each probe is one lookup in packages_active (course_id, language, active), the last one in its order,
 * and coalesce() stops at the first found; an ORDER BY on anything else made a temporary b-tree for every
 * course on every page. COND narrows every probe the same way (packages that have a given item).
 * The catalogue and the pages embed this expression so a list picks per row without a query per row.
 */
#define PICK_IN(X, L, COND)                                                                                            \
	"(SELECT q.id FROM packages q WHERE q.course_id = " X " AND q.language = " L " AND q.active = 1" COND ")"
#define PICK_PACKAGE_WHERE(X, COND)                                                                                    \
	"coalesce(" PICK_IN(X, "?2", COND) ", " PICK_IN(X, "'en'", COND) ", (SELECT q.id FROM packages q WHERE "       \
									 "q.course_id = " X " AND q.active = 1" COND   \
									 " ORDER BY q.language LIMIT 1))"
#define PICK_PACKAGE(X) PICK_PACKAGE_WHERE(X, "")

const char *learn_status_text(enum learn_status s)
{
	switch (s) {
	case LEARN_IN_PROGRESS:
		return "In progress";
	case LEARN_COMPLETE:
		return "Complete";
	default:
		return "Not started";
	}
}

const char *learn_status_code(enum learn_status s)
{
	switch (s) {
	case LEARN_IN_PROGRESS:
		return "in_progress";
	case LEARN_COMPLETE:
		return "complete";
	default:
		return "not_started";
	}
}

static char *col_dup(struct arena *a, struct db_stmt *st, int col)
{
	return arena_strdup(a, db_col_text(st, col));
}

/* Packages that have item ?3 (lesson or quiz). */
#define HAS_ITEM " AND EXISTS (SELECT 1 FROM items y WHERE y.package_id = q.id AND y.path = ?3)"

int course_pick_package(struct db *db, const char *course_id, const char *lang, const char *item_path,
			struct course_pick *out)
{
	memset(out, 0, sizeof *out);
	struct db_stmt *st = db_stmt(db, "SELECT p.id, p.language, p.title, p.pass_mark, p.certificate, "
					 "coalesce(i.type, ''), coalesce(i.title, '') FROM packages p "
					 "LEFT JOIN items i ON i.package_id = p.id AND i.path = ?3 "
					 "WHERE p.id = CASE WHEN ?3 IS NULL THEN " PICK_PACKAGE(
					     "?1") " ELSE " PICK_PACKAGE_WHERE("?1", HAS_ITEM) " END");
	db_bind_text(st, 1, course_id);
	db_bind_text(st, 2, lang && lang[0] ? lang : "en");
	db_bind_text(st, 3, item_path);
	int rc = db_step_row(st);
	if (rc > 0) {
		out->package_id = db_col_int64(st, 0);
		snprintf(out->language, sizeof out->language, "%s", db_col_text(st, 1));
		out->title = xstrdup(db_col_text(st, 2));
		out->pass_mark = db_col_int(st, 3);
		out->certificate = db_col_int(st, 4) != 0;
		snprintf(out->item_type, sizeof out->item_type, "%s", db_col_text(st, 5));
		out->item_title = xstrdup(db_col_text(st, 6));
	}
	db_finish(st);
	return rc > 0 ? 0 : rc < 0 ? ERR_UNAVAILABLE : ERR_NOTFOUND;
}

void course_pick_release(struct course_pick *p)
{
	free(p->title);
	free(p->item_title);
	memset(p, 0, sizeof *p);
}

size_t learn_outline(struct db *db, struct arena *a, int64_t user_id, const char *course_id, int64_t package_id,
		     struct learn_item **out)
{
	*out = NULL;
	/* Quizzes done come from their owner (assessment), once for the course; lessons opened from progress. */
	struct submitted_quiz *quiz;
	size_t nquiz;
	if (assessment_submitted_quizzes(db, a, user_id, course_id, &quiz, &nquiz) < 0)
		return 0;
	struct db_stmt *st =
	    db_stmt(db, "SELECT i.position, i.type, i.path, i.title, i.quiz_kind, i.type = 'lesson' "
			"AND EXISTS (SELECT 1 FROM progress g WHERE g.user_id = ?1 AND g.course_id = ?3 "
			"AND g.item_path = i.path) FROM items i WHERE i.package_id = ?2 ORDER BY i.position");
	db_bind_int64(st, 1, user_id);
	db_bind_int64(st, 2, package_id);
	db_bind_text(st, 3, course_id);
	size_t n = 0, cap = 0;
	struct learn_item *v = NULL;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		struct learn_item *it = ARENA_PUSH(a, v, n, cap, 16);
		it->position = db_col_int(st, 0);
		it->type = col_dup(a, st, 1);
		it->path = col_dup(a, st, 2);
		it->title = col_dup(a, st, 3);
		it->quiz_kind = col_dup(a, st, 4);
		it->done = db_col_int(st, 5) != 0;
		/* A final quiz is done when passed, any other quiz when submitted. */
		for (size_t k = 0; k < nquiz && strcmp(it->type, "quiz") == 0; k++)
			if (strcmp(quiz[k].item_path, it->path) == 0) {
				it->done = quiz[k].passed || strcmp(it->quiz_kind, "final") != 0;
				break;
			}
	}
	db_finish(st);
	if (rc < 0)
		return 0;
	*out = v;
	return n;
}

/* Columns 9-13 and 14-18 of the lesson view: an item, or NULLs. */
static struct learn_item *item_at(struct arena *a, struct db_stmt *st, int col)
{
	if (db_col_type(st, col) == DB_NULL)
		return NULL;
	struct learn_item *it = arena_alloc(a, sizeof *it);
	memset(it, 0, sizeof *it);
	it->position = db_col_int(st, col);
	it->type = col_dup(a, st, col + 1);
	it->path = col_dup(a, st, col + 2);
	it->title = col_dup(a, st, col + 3);
	it->quiz_kind = col_dup(a, st, col + 4);
	return it;
}

/*
 * ?1 course, ?2 language, ?3 path, ?4 user. Not the body: a result column is read when the row is stepped,
 * so naming i.html here would walk its overflow pages on every view, even when the page has it cached.
 */
static const char lesson_view_sql[] =
    "SELECT p.id, p.language, p.title, i.position, i.type, i.title, i.etag, "
    "(SELECT count(*) FROM items x WHERE x.package_id = p.id), "
    "(SELECT count(*) FROM items x WHERE x.package_id = p.id AND x.position <= i.position), "
    "v.position, v.type, v.path, v.title, v.quiz_kind, n.position, n.type, n.path, n.title, n.quiz_kind, "
    "EXISTS (SELECT 1 FROM enrolments e WHERE e.user_id = ?4 AND e.course_id = ?1 AND e.started_at IS NOT NULL "
    "AND e.last_item = ?3 AND EXISTS (SELECT 1 FROM progress g WHERE g.user_id = ?4 AND g.course_id = ?1 AND "
    "g.item_path = ?3)), "
    "(SELECT count(*) FROM progress g WHERE g.user_id = ?4 AND g.course_id = ?1), "
    "(SELECT count(*) FROM submitted_attempts t WHERE t.user_id = ?4 AND t.course_id = ?1), "
    "(SELECT coalesce(e.completed_at, 0) FROM enrolments e WHERE e.user_id = ?4 AND e.course_id = ?1) "
    "FROM packages p JOIN items i ON i.package_id = p.id AND i.path = ?3 "
    "LEFT JOIN items v ON v.package_id = p.id AND v.position = (SELECT max(x.position) FROM items x WHERE "
    "x.package_id = p.id AND x.position < i.position) "
    "LEFT JOIN items n ON n.package_id = p.id AND n.position = (SELECT min(x.position) FROM items x WHERE "
    "x.package_id = p.id AND x.position > i.position) "
    /* Pick the package first (course_pick_package()'s rule), so only one lesson is read. */
    "WHERE p.id = " PICK_PACKAGE_WHERE("?1", HAS_ITEM);

int learn_lesson_view(struct db *db, struct arena *a, int64_t user_id, const char *course_id, const char *lang,
		      const char *path, bool (*have_body)(const char *etag), struct learn_lesson *l, struct err *e)
{
	memset(l, 0, sizeof *l);
	struct db_stmt *st = db_stmt(db, lesson_view_sql);
	db_bind_text(st, 1, course_id);
	db_bind_text(st, 2, lang && lang[0] ? lang : "en");
	db_bind_text(st, 3, path);
	db_bind_int64(st, 4, user_id);
	int step = db_step_row(st);
	if (step <= 0) {
		db_finish(st);
		return step < 0 ? ERR_UNAVAILABLE : ERR_NOTFOUND;
	}
	if (strcmp(db_col_text(st, 4), "lesson") != 0) {
		db_finish(st);
		return ERR_CONFLICT;
	}
	l->course_id = arena_strdup(a, course_id);
	l->path = arena_strdup(a, path);
	l->package_id = db_col_int64(st, 0);
	l->language = col_dup(a, st, 1);
	l->course_title = col_dup(a, st, 2);
	l->title = col_dup(a, st, 5);
	l->etag = col_dup(a, st, 6);
	l->count = db_col_int(st, 7);
	l->position = db_col_int(st, 8);
	l->prev = item_at(a, st, 9);
	l->next = item_at(a, st, 14);
	bool recorded = db_col_int(st, 19) != 0;
	l->state = arena_printf(a, "%lld.%lld.%lld", (long long)db_col_int64(st, 20), (long long)db_col_int64(st, 21),
				(long long)db_col_int64(st, 22));
	db_finish(st);
	if (!have_body || !have_body(l->etag))
		l->html = learn_lesson_html(db, a, l->package_id, l->path);
	if (recorded)
		return 0;
	/* A first reading (or a new last item): the write, then the state it left. */
	if (learn_record_open(db, user_id, course_id, path, e) < 0) {
		l->unsaved = true;
		return 0;
	}
	char state[96];
	learn_state_tag(db, user_id, course_id, state, sizeof state);
	l->state = arena_strdup(a, state);
	return 0;
}

const char *learn_lesson_html(struct db *db, struct arena *a, int64_t package_id, const char *path)
{
	struct db_stmt *st = db_stmt(db, "SELECT html FROM items WHERE package_id = ? AND path = ?");
	db_bind_int64(st, 1, package_id);
	db_bind_text(st, 2, path);
	const char *html = db_step_row(st) > 0 ? col_dup(a, st, 0) : arena_strdup(a, "");
	db_finish(st);
	return html;
}

static bool course_available(struct db *db, const char *course_id)
{
	return db_int(db, "SELECT count(*) FROM packages WHERE course_id = ? AND active = 1", course_id, NULL, 0) > 0;
}

/* Starts a transaction unless one is open; *mine says whether to commit it here. */
static int begin_if_needed(struct db *db, bool *mine, struct err *e)
{
	*mine = !db_in_txn(db);
	return *mine ? db_begin(db, e) : 0;
}

static int finish(struct db *db, bool mine, int rc, struct err *e)
{
	if (!mine)
		return rc;
	if (rc < 0) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db, e);
}

static int enrol_row(struct db *db, int64_t user_id, const char *course_id, const char *source, bool *created,
		     struct err *e)
{
	return enrolment_ensure(db, user_id, course_id, source, now_s(), created, e);
}

int learn_enrol(struct db *db, int64_t user_id, const char *course_id, const char *source, bool *created, struct err *e)
{
	if (created)
		*created = false;
	if (!course_available(db, course_id)) {
		err_set(e, "no course '%s'", course_id);
		return ERR_NOTFOUND;
	}
	bool mine;
	if (begin_if_needed(db, &mine, e) < 0)
		return -1;
	int rc = enrol_row(db, user_id, course_id, source, created, e);
	return finish(db, mine, rc, e);
}

/* True when this lesson is already recorded as opened and as the last item: opening it again changes nothing. */
static bool open_recorded(struct db *db, int64_t user_id, const char *course_id, const char *path)
{
	struct db_stmt *st = db_stmt(db, "SELECT 1 FROM enrolments e WHERE e.user_id = ?1 AND e.course_id = ?2 AND "
					 "e.started_at IS NOT NULL AND e.last_item = ?3 AND EXISTS (SELECT 1 FROM "
					 "progress g WHERE g.user_id = ?1 AND g.course_id = ?2 AND g.item_path = ?3)");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_text(st, 3, path);
	bool done = db_step_row(st) > 0;
	db_finish(st);
	return done;
}

struct open_args {
	int64_t user_id;
	const char *course_id, *path;
};

/* Records a first reading: enrolment, progress row, started/last item, completion. */
static int record_open(struct db *db, void *arg, struct err *e)
{
	const struct open_args *a = arg;
	int rc = enrol_row(db, a->user_id, a->course_id, "self", NULL, e);
	if (rc == 0) {
		struct db_stmt *st = db_stmt(db, "INSERT INTO progress(user_id, course_id, item_path, opened_at) "
						 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
		db_bind_int64(st, 1, a->user_id);
		db_bind_text(st, 2, a->course_id);
		db_bind_text(st, 3, a->path);
		db_bind_int64(st, 4, now_s());
		if (db_step_done(st) < 0)
			rc = err_set(e, "cannot record progress: %s", db_errmsg(db));
		db_finish(st);
	}
	if (rc == 0) {
		struct db_stmt *st = db_stmt(db, "UPDATE enrolments SET started_at = coalesce(started_at, ?3), "
						 "last_item = ?4 WHERE user_id = ?1 AND course_id = ?2 AND "
						 "(started_at IS NULL OR last_item <> ?4)");
		db_bind_int64(st, 1, a->user_id);
		db_bind_text(st, 2, a->course_id);
		db_bind_int64(st, 3, now_s());
		db_bind_text(st, 4, a->path);
		if (db_step_done(st) < 0)
			rc = err_set(e, "cannot record progress: %s", db_errmsg(db));
		db_finish(st);
	}
	/* Completion is decided here, in the write transaction that records the reading (and by a quiz
	 * submission), never on a lesson view's read path: learn_lesson_view() comes here only when the
	 * reading is not yet recorded. A reading that only moves last_item still re-evaluates, so a learner
	 * whose course became complete by a new version (a lesson removed) is completed by their next reading. */
	if (rc == 0)
		rc = completion_update(db, a->user_id, a->course_id, NULL, e);
	return rc;
}

int learn_record_open(struct db *db, int64_t user_id, const char *course_id, const char *path, struct err *e)
{
	/*
	 * Re-reading a page is the common case: check with a read first, so it does not take the
	 * database's single write lock (every lesson view serialised on it: docs/performance.md).
	 */
	if (!db_in_txn(db) && open_recorded(db, user_id, course_id, path))
		return 0;
	/* Through the group commit: many first readings at once share one fsync. */
	struct open_args a = {user_id, course_id, path};
	return db_group_write(db, record_open, &a, e);
}

/* The statement enrol_org_users() runs for k users: ?1 course, ?2 time, ?3... the users. */
static struct db_stmt *enrol_org_stmt(struct db *db, size_t k)
{
	struct buf sql = BUF_INIT;
	buf_puts(&sql, "INSERT INTO enrolments(user_id, course_id, source, enrolled_at) VALUES ");
	for (size_t i = 0; i < k; i++)
		buf_printf(&sql, "%s(?%zu, ?1, 'org', ?2)", i ? ", " : "", i + 3);
	buf_puts(&sql, " ON CONFLICT DO NOTHING");
	struct db_stmt *st = db_prepare(db, buf_str(&sql));
	buf_release(&sql);
	return st;
}

/*
 * Enrols users[0..n) in course_id from an org assignment, DB_BATCH users a statement (one statement
 * prepared for every full batch, another for the rest), inside the caller's transaction; *added gets the
 * new enrolments. 0, or -1 with e set.
 */
static int enrol_org_users(struct db *db, const char *course_id, const int64_t *users, size_t n, int *added,
			   struct err *e)
{
	struct db_stmt *full = NULL;
	int64_t now = now_s();
	int rc = 0;
	for (size_t at = 0; at < n && rc == 0; at += DB_BATCH) {
		size_t k = n - at < DB_BATCH ? n - at : DB_BATCH;
		struct db_stmt *st = k < DB_BATCH ? enrol_org_stmt(db, k)
				     : full	  ? full
						  : (full = enrol_org_stmt(db, k));
		db_bind_text(st, 1, course_id);
		db_bind_int64(st, 2, now);
		for (size_t i = 0; i < k; i++)
			db_bind_int64(st, (int)(i + 3), users[at + i]);
		if (db_step_done(st) < 0)
			rc = err_set(e, "cannot enrol the unit: %s", db_errmsg(db));
		else
			*added += db_changes(db);
		if (st == full)
			db_reset(st);
		else
			db_finish(st);
	}
	if (full)
		db_finish(full);
	return rc;
}

/* Sets due_at on the enrolments of users in course_id that are not completed. */
static int set_due(struct db *db, const char *course_id, const int64_t *users, size_t n, int64_t due_at, struct err *e)
{
	struct db_stmt *st = db_stmt(
	    db, "UPDATE enrolments SET due_at = ?1 WHERE user_id = ?2 AND course_id = ?3 AND completed_at IS NULL");
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		db_bind_int64(st, 1, due_at);
		db_bind_int64(st, 2, users[i]);
		db_bind_text(st, 3, course_id);
		if (db_step_done(st) < 0)
			rc = err_set(e, "cannot set the due date: %s", db_errmsg(db));
		db_reset(st);
	}
	db_finish(st);
	return rc;
}

int learn_assign_org(struct db *db, const char *course_id, const char *org_code, int *added, struct err *e)
{
	return learn_assign_org_due(db, course_id, org_code, 0, added, e);
}

int learn_assign_org_due(struct db *db, const char *course_id, const char *org_code, int64_t due_at, int *added,
			 struct err *e)
{
	*added = 0;
	if (!course_available(db, course_id))
		return err_set(e, "no course '%s'", course_id);
	int64_t oid = org_id(db, org_code);
	if (oid < 0)
		return err_set(e, "no org unit '%s'", org_code);
	bool mine;
	if (begin_if_needed(db, &mine, e) < 0)
		return -1;
	int rc = 0;
	/* A due date given again replaces the unit's; none keeps what there was. */
	struct db_stmt *st = db_stmt(db, "INSERT INTO org_assignments(course_id, org_id, assigned_at, due_at) "
					 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (course_id, org_id) DO UPDATE SET "
					 "due_at = coalesce(excluded.due_at, org_assignments.due_at)");
	db_bind_text(st, 1, course_id);
	db_bind_int64(st, 2, oid);
	db_bind_int64(st, 3, now_s());
	if (due_at > 0)
		db_bind_int64(st, 4, due_at);
	else
		db_bind_null(st, 4);
	if (db_step_done(st) < 0)
		rc = err_set(e, "cannot assign: %s", db_errmsg(db));
	db_finish(st);
	/* Every active user now in the subtree (accounts/), enrolled a batch at a time in this transaction. */
	int64_t *users = NULL;
	size_t n = 0;
	if (rc == 0)
		rc = users_in_org_subtree(db, oid, true, &users, &n, e);
	if (rc == 0)
		rc = enrol_org_users(db, course_id, users, n, added, e);
	if (rc == 0 && due_at > 0)
		rc = set_due(db, course_id, users, n, due_at, e);
	free(users);
	if (rc < 0)
		*added = 0;
	return finish(db, mine, rc, e);
}

int learn_set_due(struct db *db, int64_t user_id, const char *course_id, int64_t due_at, struct err *e)
{
	return set_due(db, course_id, &user_id, 1, due_at, e);
}

int64_t learn_due_at(struct db *db, int64_t user_id, const char *course_id)
{
	struct db_stmt *st = db_stmt(db, "SELECT due_at FROM enrolments WHERE user_id = ?1 AND course_id = ?2 "
					 "AND completed_at IS NULL");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	int64_t due = 0;
	if (db_step_row(st) > 0 && db_col_type(st, 0) != DB_NULL)
		due = db_col_int64(st, 0);
	db_finish(st);
	return due;
}

void learn_state_tag(struct db *db, int64_t user_id, const char *course_id, char *out, size_t outlen)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT (SELECT count(*) FROM progress WHERE user_id = ?1 AND course_id = "
			"?2), (SELECT count(*) FROM submitted_attempts WHERE user_id = ?1 AND course_id = ?2), "
			"(SELECT coalesce(completed_at, 0) FROM "
			"enrolments WHERE user_id = ?1 AND course_id = ?2)");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	if (db_step_row(st) > 0)
		snprintf(out, outlen, "%lld.%lld.%lld", (long long)db_col_int64(st, 0), (long long)db_col_int64(st, 1),
			 (long long)db_col_int64(st, 2));
	else
		snprintf(out, outlen, "0");
	db_finish(st);
}

bool learn_may_assign(struct db *db, unsigned roles, int64_t actor_org, int64_t target_org)
{
	if (roles & ROLE_ADMIN)
		return true;
	/* A trainer is bounded like a manager: an assignment to the whole country is an administrator's. */
	if (roles & (ROLE_MANAGER | ROLE_TRAINER))
		return org_within(db, actor_org, target_org);
	return false;
}
