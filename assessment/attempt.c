/*
 * The attempt state machine: start (or resume), load, save, submit (durably,
 * through the group writer), time out; enrolment milestones on submission.
 * Layout, answers, grading and the quiz cache are in the files named in
 * assessment/attempt_private.h.
 */
#include "assessment/attempt.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assessment/attempt_private.h"
#include "assessment/completion.h"
#include "courses/enrol.h"
#include "lib/audit.h"
#include "lib/buf.h"
#include "lib/db.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

void attempt_release(struct attempt *a)
{
	if (!a)
		return;
	free(a->course_id);
	free(a->item_path);
	free(a->language);
	for (int i = 0; i < a->nitems; i++) {
		attempt_item_release(&a->items[i]);
		if (a->answers)
			answer_release(&a->answers[i]);
	}
	free(a->items);
	free(a->answers);
	free(a->item_scores);
	for (int i = 0; a->grades && i < a->nitems; i++)
		free(a->grades[i].comment);
	free(a->grades);
	quiz_free(&a->quiz);
	memset(a, 0, sizeof *a);
}

int64_t attempt_seconds_left(const struct attempt *a, int64_t now)
{
	if (!a->deadline_at)
		return -1;
	return a->deadline_at > now ? a->deadline_at - now : 0;
}

/* The item of a that asks question qi, or -1. */
static int item_of(const struct attempt *a, int qi)
{
	for (int k = 0; k < a->nitems; k++)
		if (a->items[k].question == qi)
			return k;
	return -1;
}

/* Reads the trainers' grades of a's essays into a->grades (allocated, nitems entries), replacing any. */
static int load_grades(struct db *db, struct attempt *a, struct err *e)
{
	for (int k = 0; a->grades && k < a->nitems; k++)
		free(a->grades[k].comment);
	free(a->grades);
	a->grades = xcalloc((size_t)a->nitems + 1, sizeof *a->grades);
	struct db_stmt *st = db_stmt(db, "SELECT question, points, comment, graded_by, graded_at FROM attempt_answers "
					 "WHERE attempt_id = ? AND graded_at IS NOT NULL");
	db_bind_int64(st, 1, a->id);
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		int k = item_of(a, db_col_int(st, 0));
		if (k < 0 || a->quiz.questions[a->items[k].question].type != Q_ESSAY)
			continue;
		struct essay_grade *g = &a->grades[k];
		free(g->comment);
		g->graded = true;
		g->points = db_col_double(st, 1);
		g->comment = xstrdup(db_col_text(st, 2));
		g->graded_by = db_col_int64(st, 3);
		g->graded_at = db_col_int64(st, 4);
	}
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot read the grades of attempt %lld: %s", (long long)a->id, db_errstr(db));
	return 0;
}

/* Loads the row and quiz of an attempt (no ownership check). */
static int load_row(struct db *db, int64_t id, struct attempt *a, struct err *e)
{
	memset(a, 0, sizeof *a);
	a->score = -1;
	struct db_stmt *st = db_stmt(db, "SELECT a.user_id, a.course_id, a.package_id, a.item_path, a.kind, a.seed, "
					 "a.layout, a.started_at, a.deadline_at, a.submitted_at, a.answers, a.score, "
					 "a.passed, a.pending FROM attempts a WHERE a.id = ?");
	db_bind_int64(st, 1, id);
	int step = db_step_row(st);
	if (step <= 0) {
		db_finish(st);
		if (step < 0)
			return err_set(e, "cannot read attempt %lld: %s", (long long)id, db_errstr(db)), ATTEMPT_EFAIL;
		err_set(e, "no such attempt");
		return ATTEMPT_ENOTFOUND;
	}
	a->id = id;
	a->user_id = db_col_int64(st, 0);
	a->course_id = xstrdup(db_col_text(st, 1));
	a->package_id = db_col_int64(st, 2);
	a->item_path = xstrdup(db_col_text(st, 3));
	int kind = quiz_kind_parse(db_col_text(st, 4));
	a->kind = kind < 0 ? QUIZ_FINAL : (enum quiz_kind)kind;
	a->seed = db_col_int64(st, 5);
	char *layout = xstrdup(db_col_text(st, 6));
	a->started_at = db_col_int64(st, 7);
	a->deadline_at = db_col_int64(st, 8);
	a->submitted_at = db_col_int64(st, 9);
	char *answers = xstrdup(db_col_text(st, 10));
	if (a->submitted_at) {
		a->score = db_col_double(st, 11);
		a->passed = db_col_int(st, 12) != 0;
		a->pending = db_col_int(st, 13);
	}
	db_finish(st);
	/* The package's language and pass mark come with the quiz file's lookup: no extra query. */
	struct media_file file = {.pass_mark = 0};
	int rc = attempt_quiz_load_file(db, a->package_id, a->item_path, &a->quiz, &file, e);
	a->language = xstrdup(file.language);
	int pkg_mark = file.pass_mark;
	if (rc == 0 && attempt_layout_parse(layout, &a->quiz, &a->items, &a->nitems) < 0) {
		err_set(e, "attempt %lld has a damaged layout", (long long)id);
		rc = ATTEMPT_EFAIL;
	}
	free(layout);
	if (rc < 0) {
		free(answers);
		return rc;
	}
	a->pass_mark = attempt_pass_mark(&a->quiz, pkg_mark);
	a->answers = xcalloc((size_t)a->nitems + 1, sizeof *a->answers);
	attempt_answers_parse(a, answers);
	free(answers);
	a->late = a->submitted_at && a->deadline_at && a->submitted_at > a->deadline_at + ATTEMPT_GRACE_S;
	if (a->submitted_at) {
		if (load_grades(db, a, e) < 0)
			return ATTEMPT_EFAIL;
		double stored = a->score;
		int pending = a->pending;
		attempt_grade_all(a);
		a->score = stored;
		a->pending = pending;
	}
	return 0;
}

static bool past_deadline(const struct attempt *a, int64_t now)
{
	return a->deadline_at && now > a->deadline_at + ATTEMPT_GRACE_S;
}

/* Grades and records a submission; inside the caller's transaction. */
/* Grading is pure computation: done before the write, outside the writer's transaction. */
static void grade_submission(struct attempt *a, int64_t now)
{
	attempt_grade_all(a);
	a->passed = a->pending == 0 && a->score + 1e-9 >= a->pass_mark;
	a->late = past_deadline(a, now);
}

/* The enrolment score a final attempt of a sets (none for practice quizzes). */
static enum enrolment_score score_kind(const struct attempt *a)
{
	return a->kind == QUIZ_FINAL	 ? ENROLMENT_SCORE_FINAL
	       : a->kind == QUIZ_PRETEST ? ENROLMENT_SCORE_PRETEST
					 : ENROLMENT_SCORE_NONE;
}

/*
 * A submission's answers go in with one statement of up to ANSWERS_ROWS rows (not one per question): on
 * PostgreSQL every statement is a round trip, and the group writer runs them one after another.
 * answers_sql[n - 1] is the statement for n rows, made once and never freed (a constant for db_stmt()).
 */
#define ANSWERS_ROWS 32
static const char *answers_sql[ANSWERS_ROWS];
static pthread_once_t answers_once = PTHREAD_ONCE_INIT;
static void answers_sql_make(void)
{
	for (int n = 1; n <= ANSWERS_ROWS; n++) {
		struct buf b = BUF_INIT;
		buf_puts(&b, "INSERT INTO attempt_answers(attempt_id, question, score, chosen, pending) VALUES ");
		for (int i = 0; i < n; i++)
			buf_printf(&b, "%s(?%d, ?%d, ?%d, ?%d, ?%d)", i ? ", " : "", 5 * i + 1, 5 * i + 2, 5 * i + 3,
				   5 * i + 4, 5 * i + 5);
		buf_puts(&b, " ON CONFLICT (attempt_id, question) DO UPDATE SET score = excluded.score, "
			     "chosen = excluded.chosen, pending = excluded.pending");
		answers_sql[n - 1] = b.data; /* kept for the life of the process */
	}
}

/* Writes the answers of items [from, from + n) of a (n <= ANSWERS_ROWS). 0, or -1. */
static int record_answers(struct db *db, const struct attempt *a, int from, int n)
{
	struct db_stmt *st = db_stmt(db, answers_sql[n - 1]);
	struct buf ch[ANSWERS_ROWS];
	for (int i = 0; i < n; i++) {
		int k = from + i;
		ch[i] = (struct buf)BUF_INIT;
		const struct question *qu = &a->quiz.questions[a->items[k].question];
		attempt_chosen_text(qu, &a->answers[k], &ch[i]);
		db_bind_int64(st, 5 * i + 1, a->id);
		db_bind_int(st, 5 * i + 2, a->items[k].question);
		db_bind_double(st, 5 * i + 3, a->item_scores[k]);
		db_bind_text(st, 5 * i + 4, buf_str(&ch[i]));
		db_bind_int(st, 5 * i + 5, qu->type == Q_ESSAY && answer_given(&a->answers[k]));
	}
	int rc = db_step_later(st); /* nothing to read back: on PostgreSQL it goes with the next statement */
	db_finish(st);
	for (int i = 0; i < n; i++)
		buf_release(&ch[i]);
	return rc;
}

/* Writes what a submission changes after the attempt's row: answers, enrolment, completion. 0, or -1. */
static int record_effects(struct db *db, const struct attempt *a, int64_t now, struct err *e)
{
	int ok = 1;
	pthread_once(&answers_once, answers_sql_make);
	for (int k = 0; k < a->nitems && ok; k += ANSWERS_ROWS)
		ok = record_answers(db, a, k, a->nitems - k < ANSWERS_ROWS ? a->nitems - k : ANSWERS_ROWS) == 0;
	if (!ok)
		return err_set(e, "cannot save the answers: %s", db_errmsg(db));
	/* Enrolment, "started" and the final or pretest score, in one statement of this transaction; while
	 * essays await grading, only "started": the score is not final yet. */
	enum enrolment_score which = a->pending ? ENROLMENT_SCORE_NONE : score_kind(a);
	if (enrolment_record_quiz(db, a->user_id, a->course_id, now, which, a->score, e) < 0)
		return -1;
	return completion_update(db, a->user_id, a->course_id, NULL, e);
}

/*
 * Records the graded submission unless another request submitted the attempt first (*already: nothing
 * kept). The UPDATE's own condition tells (RETURNING), without a read before it. On a pipelining
 * connection (the group writer's, PostgreSQL), where every statement waited for is a round trip, the
 * submission does not wait for its UPDATE: the UPDATE, the answers and the enrolment are sent together
 * with the completion check (lib/db.h db_send(), db_step_later()), one round trip in all, and when
 * another request had submitted first what was written after the UPDATE is undone (a savepoint of its
 * own; rare: two submissions of one attempt at once). Elsewhere (SQLite) the UPDATE is read first.
 */
static int record_submission(struct db *db, struct attempt *a, int64_t now, bool *already, struct err *e)
{
	int64_t before = a->submitted_at;
	a->submitted_at = now;
	struct buf ans = BUF_INIT;
	attempt_answers_format(a, &ans);
	bool ahead = db_pipelining(db);
	if (ahead && db_exec_later(db, "SAVEPOINT submission", e) < 0) {
		buf_release(&ans);
		return ATTEMPT_EFAIL;
	}
	struct db_stmt *st = db_stmt(db, "UPDATE attempts SET submitted_at = ?, answers = ?, score = ?, passed = ?, "
					 "pending = ? WHERE id = ? AND submitted_at IS NULL RETURNING id");
	db_bind_int64(st, 1, now);
	db_bind_text(st, 2, buf_str(&ans));
	db_bind_double(st, 3, a->score);
	db_bind_int(st, 4, a->passed);
	db_bind_int(st, 5, a->pending);
	db_bind_int64(st, 6, a->id);
	db_send(st);
	buf_release(&ans);
	struct err fx = {""};
	int effects = ahead ? record_effects(db, a, now, &fx) : 0;
	/* Pipelining, the UPDATE's result came back with the completion check's round trip (or its failure). */
	int changed = db_step_row(st);
	db_finish(st);
	if (changed < 0)
		return err_set(e, "cannot save the submission: %s", db_errmsg(db)), ATTEMPT_EFAIL;
	if (changed == 0) {
		a->submitted_at = before;
		*already = true;
		return ahead && db_exec(db, "ROLLBACK TO submission", e) < 0 ? ATTEMPT_EFAIL : 0;
	}
	if (!ahead)
		effects = record_effects(db, a, now, &fx);
	if (effects < 0)
		return err_set(e, "%s", fx.msg), ATTEMPT_EFAIL;
	return ahead && db_exec_later(db, "RELEASE submission", e) < 0 ? ATTEMPT_EFAIL : 0;
}

/* Reads back the stored result of a submitted attempt (after a concurrent submission). */
static int reload_result(struct db *db, struct attempt *a, struct err *e)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT submitted_at, answers, score, passed, pending FROM attempts WHERE id = ?");
	db_bind_int64(st, 1, a->id);
	int rc = db_step_row(st);
	if (rc > 0) {
		a->submitted_at = db_col_int64(st, 0);
		for (int k = 0; k < a->nitems; k++)
			answer_release(&a->answers[k]);
		attempt_answers_parse(a, db_col_text(st, 1));
		a->score = db_col_double(st, 2);
		a->passed = db_col_int(st, 3) != 0;
		a->pending = db_col_int(st, 4);
		a->late = past_deadline(a, a->submitted_at);
	}
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot read attempt %lld: %s", (long long)a->id, db_errstr(db));
	if (rc > 0) {
		double score = a->score;
		int pending = a->pending;
		if (load_grades(db, a, e) < 0)
			return -1;
		attempt_grade_all(a);
		a->score = score;
		a->pending = pending;
	}
	return 0;
}

/* Submits with the answers now in a; idempotent against a concurrent submission. */
struct submit_job {
	struct attempt *a;
	int64_t now;
	bool already; /* another request submitted it first */
};

static int submit_job_run(struct db *db, void *arg, struct err *e)
{
	struct submit_job *j = arg;
	return record_submission(db, j->a, j->now, &j->already, e);
}

/*
 * Grades and records the submission durably (synchronous=FULL). It goes
 * through the database's group commit, so concurrent submissions share one
 * fsync; the call returns only once the submission is on disk.
 */
static int submit_locked(struct db *db, struct attempt *a, int64_t now, struct err *e)
{
	struct submit_job j = {.a = a, .now = now};
	grade_submission(a, now);
	int rc = db_group_write(db, submit_job_run, &j, e);
	if (rc < 0) {
		/* The in-memory result was not stored: show the attempt as still open. */
		a->submitted_at = 0;
		return rc == -1 ? ATTEMPT_EFAIL : rc;
	}
	if (j.already && reload_result(db, a, e) < 0)
		return ATTEMPT_EFAIL;
	return 0;
}

int attempt_load(struct db *db, int64_t attempt_id, int64_t user_id, struct attempt *a, struct err *e)
{
	int rc = load_row(db, attempt_id, a, e);
	if (rc == 0 && a->user_id != user_id) {
		attempt_release(a);
		err_set(e, "no such attempt");
		return ATTEMPT_ENOTFOUND;
	}
	if (rc < 0) {
		attempt_release(a);
		return rc;
	}
	int64_t now = now_s();
	if (!a->submitted_at && past_deadline(a, now)) {
		rc = submit_locked(db, a, now, e);
		if (rc < 0) {
			attempt_release(a);
			return rc;
		}
	}
	return 0;
}

/* The submitted attempts of a quiz; -1 when they cannot be counted. */
static int count_used(struct db *db, int64_t user_id, const char *course_id, const char *item_path)
{
	struct db_stmt *st = db_stmt(db, "SELECT count(*) FROM attempts WHERE user_id = ? AND course_id = ? AND "
					 "item_path = ? AND submitted_at IS NOT NULL");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_text(st, 3, item_path);
	int rc = db_step_row(st);
	int n = rc > 0 ? db_col_int(st, 0) : rc < 0 ? -1 : 0;
	db_finish(st);
	return n;
}

/* The id of the open attempt of a quiz, 0 when none, -1 when it cannot be read. */
static int64_t open_attempt(struct db *db, int64_t user_id, const char *course_id, const char *item_path)
{
	struct db_stmt *st = db_stmt(db, "SELECT id FROM attempts WHERE user_id = ? AND course_id = ? AND "
					 "item_path = ? AND submitted_at IS NULL ORDER BY id DESC LIMIT 1");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_text(st, 3, item_path);
	int rc = db_step_row(st);
	int64_t id = rc > 0 ? db_col_int64(st, 0) : rc < 0 ? -1 : 0;
	db_finish(st);
	return id;
}

int attempt_start(struct db *db, int64_t user_id, const char *course_id, const char *item_path, const char *lang,
		  int64_t *attempt_id, struct err *e)
{
	*attempt_id = 0;
	/* An open attempt is resumed; one whose time ran out is closed first (attempt_load does it). */
	int64_t open = open_attempt(db, user_id, course_id, item_path);
	if (open < 0)
		return err_set(e, "cannot read the attempts of '%s': %s", item_path, db_errstr(db)), ATTEMPT_EFAIL;
	if (open) {
		struct attempt a;
		int rc = attempt_load(db, open, user_id, &a, e);
		bool still = rc == 0 && !a.submitted_at;
		if (rc == 0)
			attempt_release(&a);
		if (still) {
			*attempt_id = open;
			return 0;
		}
		if (rc < 0 && rc != ATTEMPT_EQUIZ)
			return rc;
	}
	struct quiz_ref ref = {0};
	if (attempt_quiz_find(db, course_id, item_path, lang, &ref) < 0)
		return err_set(e, "no quiz '%s' in course '%s'", item_path, course_id), ATTEMPT_ENOTFOUND;
	struct quiz q;
	int rc = attempt_quiz_load(db, ref.package_id, item_path, &q, e);
	free(ref.item_title);
	if (rc < 0)
		return rc;
	struct attempt_item *items = NULL;
	int nitems = 0;
	uint64_t seed;
	randombytes_buf(&seed, sizeof seed);
	seed &= 0x7FFFFFFFFFFFFFFFull; /* fits SQLite's signed integer */
	attempt_layout_build(&q, seed, &items, &nitems);
	struct buf layout = BUF_INIT;
	attempt_layout_format(items, nitems, &layout);
	for (int i = 0; i < nitems; i++)
		attempt_item_release(&items[i]);
	free(items);
	int64_t now = now_s();
	rc = 0;
	if (db_begin(db, e) < 0) {
		rc = ATTEMPT_EFAIL;
		goto out;
	}
	/* Checked again inside the write transaction: two clicks must not make two attempts. */
	if ((open = open_attempt(db, user_id, course_id, item_path))) {
		db_rollback(db);
		if (open < 0) {
			err_set(e, "cannot read the attempts of '%s': %s", item_path, db_errstr(db));
			rc = ATTEMPT_EFAIL;
		} else {
			*attempt_id = open;
		}
		goto out;
	}
	int used = q.attempts > 0 ? count_used(db, user_id, course_id, item_path) : 0;
	if (used < 0) {
		err_set(e, "cannot count the attempts of '%s': %s", item_path, db_errstr(db));
		db_rollback(db);
		rc = ATTEMPT_EFAIL;
		goto out;
	}
	if (q.attempts > 0 && used >= q.attempts) {
		db_rollback(db);
		err_set(e, "no attempts left: this quiz allows %d", q.attempts);
		rc = ATTEMPT_ELIMIT;
		goto out;
	}
	struct db_stmt *st =
	    db_stmt(db, "INSERT INTO attempts(user_id, course_id, package_id, item_path, kind, seed, "
			"layout, started_at, deadline_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_int64(st, 3, ref.package_id);
	db_bind_text(st, 4, item_path);
	db_bind_text(st, 5, quiz_kind_name(q.kind));
	db_bind_int64(st, 6, (int64_t)seed);
	db_bind_text(st, 7, buf_str(&layout));
	db_bind_int64(st, 8, now);
	if (q.minutes > 0)
		db_bind_int64(st, 9, now + (int64_t)q.minutes * 60);
	else
		db_bind_null(st, 9);
	bool ok = db_step(st) == DB_ROW;
	if (ok)
		*attempt_id = db_col_int64(st, 0);
	db_finish(st);
	if (!ok) {
		err_set(e, "cannot start the attempt: %s", db_errmsg(db));
		db_rollback(db);
		rc = ATTEMPT_EFAIL;
		goto out;
	}
	/* Starting a quiz enrols and marks the course started; the attempt stands even if that fails. */
	struct err ee = {0};
	if (enrolment_record_quiz(db, user_id, course_id, now, ENROLMENT_SCORE_NONE, 0, &ee) < 0)
		log_msg(LOG_ERROR, "error", "cannot mark the course started: %s", ee.msg);
	if (db_commit(db, e) < 0)
		rc = ATTEMPT_EFAIL;
out:
	buf_release(&layout);
	quiz_free(&q);
	return rc;
}

int attempt_save(struct db *db, struct attempt *a, answer_get_fn get, void *ctx, struct err *e)
{
	int64_t now = now_s();
	if (a->submitted_at)
		return err_set(e, "this attempt was already submitted"), ATTEMPT_ECLOSED;
	if (past_deadline(a, now)) {
		int rc = submit_locked(db, a, now, e);
		if (rc < 0)
			return rc;
		return err_set(e, "the time for this attempt is over"), ATTEMPT_ECLOSED;
	}
	struct answer *ans;
	int rc = attempt_answers_from_getter(a, get, ctx, &ans, e);
	if (rc < 0)
		return rc;
	attempt_answers_replace(a, ans);
	struct buf b = BUF_INIT;
	attempt_answers_format(a, &b);
	db_durable(db, true);
	struct db_stmt *st = db_stmt(db, "UPDATE attempts SET answers = ? WHERE id = ? AND submitted_at IS NULL");
	db_bind_text(st, 1, buf_str(&b));
	db_bind_int64(st, 2, a->id);
	bool ok = db_step_done(st) == 0;
	bool changed = db_changes(db) > 0;
	db_finish(st);
	buf_release(&b);
	if (!ok)
		return err_set(e, "cannot save the answers: %s", db_errmsg(db)), ATTEMPT_EFAIL;
	if (!changed)
		return err_set(e, "this attempt was already submitted"), ATTEMPT_ECLOSED;
	return 0;
}

int attempt_submit(struct db *db, struct attempt *a, answer_get_fn get, void *ctx, struct err *e)
{
	if (a->submitted_at)
		return 0; /* idempotent: the stored result stands */
	int64_t now = now_s();
	if (get && !past_deadline(a, now)) {
		struct answer *ans;
		int rc = attempt_answers_from_getter(a, get, ctx, &ans, e);
		if (rc < 0)
			return rc;
		attempt_answers_replace(a, ans);
	}
	/* Late: the answers sent now are ignored; those saved in time count. */
	return submit_locked(db, a, now, e);
}

int attempt_list(struct db *db, int64_t user_id, const char *course_id, const char *item_path,
		 struct attempt_summary **out, int *n, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT id, started_at, submitted_at, score, passed, deadline_at, pending "
					 "FROM attempts WHERE user_id = ? AND course_id = ? AND item_path = ? "
					 "ORDER BY id DESC LIMIT 1000");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_text(st, 3, item_path);
	int cap = 8, k = 0, rc;
	struct attempt_summary *v = xmalloc((size_t)cap * sizeof *v);
	while ((rc = db_step_row(st)) > 0) {
		if (k == cap) {
			cap *= 2;
			v = xrealloc(v, (size_t)cap * sizeof *v);
		}
		struct attempt_summary *s = &v[k++];
		s->id = db_col_int64(st, 0);
		s->started_at = db_col_int64(st, 1);
		s->submitted_at = db_col_int64(st, 2);
		s->score = s->submitted_at ? db_col_double(st, 3) : -1;
		s->passed = db_col_int(st, 4) != 0;
		int64_t dl = db_col_int64(st, 5);
		s->late = s->submitted_at && dl && s->submitted_at > dl + ATTEMPT_GRACE_S;
		s->pending = db_col_int(st, 6);
	}
	db_finish(st);
	if (rc < 0) {
		free(v);
		*out = NULL;
		*n = 0;
		return err_set(e, "cannot list the attempts of '%s': %s", item_path, db_errstr(db)), ATTEMPT_EFAIL;
	}
	*out = v;
	*n = k;
	return 0;
}

void quiz_status_release(struct quiz_status *st)
{
	free(st->title);
	memset(st, 0, sizeof *st);
}

int attempt_quiz_status(struct db *db, int64_t user_id, const char *course_id, const char *item_path, const char *lang,
			struct quiz_status *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	out->best = -1;
	struct quiz_ref ref = {0};
	if (attempt_quiz_find(db, course_id, item_path, lang, &ref) < 0)
		return err_set(e, "no quiz '%s' in course '%s'", item_path, course_id), ATTEMPT_ENOTFOUND;
	struct quiz q;
	int rc = attempt_quiz_load(db, ref.package_id, item_path, &q, e);
	if (rc < 0) {
		free(ref.item_title);
		return rc;
	}
	out->package_id = ref.package_id;
	out->title = q.title && q.title[0] ? xstrdup(q.title) : xstrdup(ref.item_title);
	free(ref.item_title);
	out->kind = q.kind;
	out->pass_mark = attempt_pass_mark(&q, ref.pass_mark);
	out->attempts_allowed = q.attempts;
	out->nquestions = attempt_quiz_asked(&q);
	out->minutes = q.minutes;
	quiz_free(&q);
	out->attempts_used = count_used(db, user_id, course_id, item_path);
	out->open_attempt = open_attempt(db, user_id, course_id, item_path);
	if (out->attempts_used < 0 || out->open_attempt < 0) {
		err_set(e, "cannot read the attempts of '%s': %s", item_path, db_errstr(db));
		quiz_status_release(out);
		return ATTEMPT_EFAIL;
	}
	struct db_stmt *st = db_stmt(db, "SELECT max(score), max(passed) FROM attempts WHERE user_id = ? AND "
					 "course_id = ? AND item_path = ? AND submitted_at IS NOT NULL");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	db_bind_text(st, 3, item_path);
	int step = db_step_row(st);
	if (step > 0 && db_col_type(st, 0) != DB_NULL) {
		out->best = db_col_double(st, 0);
		out->passed = db_col_int(st, 1) != 0;
	}
	db_finish(st);
	if (step < 0) {
		err_set(e, "cannot read the scores of '%s': %s", item_path, db_errstr(db));
		quiz_status_release(out);
		return ATTEMPT_EFAIL;
	}
	return 0;
}

int attempt_load_graded(struct db *db, int64_t attempt_id, const char *course_id, struct attempt *a, struct err *e)
{
	int rc = load_row(db, attempt_id, a, e);
	if (rc == 0 && (!a->submitted_at || (course_id && strcmp(a->course_id, course_id) != 0))) {
		attempt_release(a);
		err_set(e, "no such attempt");
		return ATTEMPT_ENOTFOUND;
	}
	if (rc < 0)
		attempt_release(a);
	return rc;
}

/* The best final score of user_id in course_id over attempts no longer awaiting grading, or -1. */
static double best_final(struct db *db, int64_t user_id, const char *course_id, int *rc)
{
	struct db_stmt *st = db_stmt(db, "SELECT max(score) FROM attempts WHERE user_id = ? AND course_id = ? AND "
					 "kind = 'final' AND submitted_at IS NOT NULL AND pending = 0");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	*rc = db_step_row(st);
	double best = *rc > 0 && db_col_type(st, 0) != DB_NULL ? db_col_double(st, 0) : -1;
	db_finish(st);
	return best;
}

struct grade_job {
	struct attempt *a;
	int k;
	struct essay_grade g;
	struct essay_grade *prev;
	bool completed;
	const struct audit_who *who; /* the grader, for the audit entry (NULL: not audited) */
	bool was_graded;	     /* the essay's grade before this one, for the audit entry */
	double was_points;
};

static int grade_job_apply(struct db *db, struct grade_job *j, struct err *e)
{
	struct attempt *a = j->a;
	/* The grades as stored now: another trainer may have graded another essay of it meanwhile. */
	if (load_grades(db, a, e) < 0)
		return -1;
	struct essay_grade *g = &a->grades[j->k];
	j->was_graded = g->graded;
	j->was_points = g->points;
	if (j->prev) {
		*j->prev = *g;
		j->prev->comment = g->comment ? xstrdup(g->comment) : NULL;
	}
	const struct question *qu = &a->quiz.questions[a->items[j->k].question];
	struct db_stmt *st =
	    db_stmt(db, "UPDATE attempt_answers SET score = ?, points = ?, comment = ?, graded_by = ?, "
			"graded_at = ?, pending = 0 WHERE attempt_id = ? AND question = ?");
	db_bind_double(st, 1, j->g.points / qu->points);
	db_bind_double(st, 2, j->g.points);
	db_bind_text(st, 3, j->g.comment);
	db_bind_int64(st, 4, j->g.graded_by);
	db_bind_int64(st, 5, j->g.graded_at);
	db_bind_int64(st, 6, a->id);
	db_bind_int(st, 7, a->items[j->k].question);
	bool ok = db_step_done(st) == 0 && db_changes(db) == 1;
	db_finish(st);
	if (!ok)
		return err_set(e, "cannot save the grade: %s", db_errmsg(db));
	free(g->comment);
	*g = j->g;
	g->comment = xstrdup(j->g.comment);
	bool was_final = a->pending == 0;
	attempt_grade_all(a);
	a->passed = a->pending == 0 && a->score + 1e-9 >= a->pass_mark;
	st = db_stmt(db, "UPDATE attempts SET score = ?, passed = ?, pending = ? WHERE id = ?");
	db_bind_double(st, 1, a->score);
	db_bind_int(st, 2, a->passed);
	db_bind_int(st, 3, a->pending);
	db_bind_int64(st, 4, a->id);
	ok = db_step_done(st) == 0;
	db_finish(st);
	if (!ok)
		return err_set(e, "cannot save the score: %s", db_errmsg(db));
	if (a->pending)
		return 0;
	/* Final now (or corrected): the enrolment's scores follow the graded score, then completion. */
	enum enrolment_score which = score_kind(a);
	if (which == ENROLMENT_SCORE_FINAL) {
		int rc;
		double best = best_final(db, a->user_id, a->course_id, &rc);
		if (rc < 0)
			return err_set(e, "cannot read the final scores: %s", db_errstr(db));
		if (enrolment_set_best_final(db, a->user_id, a->course_id, best, e) < 0)
			return -1;
	} else if (which == ENROLMENT_SCORE_PRETEST && !was_final) {
		if (enrolment_record_quiz(db, a->user_id, a->course_id, a->submitted_at, which, a->score, e) < 0)
			return -1;
	}
	return completion_update(db, a->user_id, a->course_id, &j->completed, e) < 0 ? -1 : 0;
}

/* The grade, the scores that follow from it and its audit entry ("essay.grade" or "essay.regrade"), together. */
static int grade_job_run(struct db *db, void *arg, struct err *e)
{
	struct grade_job *j = arg;
	if (grade_job_apply(db, j, e) < 0)
		return -1;
	char target[40], detail[120];
	snprintf(target, sizeof target, "attempt:%lld", (long long)j->a->id);
	if (j->was_graded)
		snprintf(detail, sizeof detail, "question=%d points=%g was=%g", j->k + 1, j->g.points, j->was_points);
	else
		snprintf(detail, sizeof detail, "question=%d points=%g", j->k + 1, j->g.points);
	return audit_write(db, j->who, j->was_graded ? "essay.regrade" : "essay.grade", target, detail, e);
}

int attempt_grade_essay(struct db *db, struct attempt *a, int k, double points, const char *comment, int64_t grader,
			const struct audit_who *who, struct essay_grade *prev, bool *completed, struct err *e)
{
	if (prev)
		memset(prev, 0, sizeof *prev);
	if (completed)
		*completed = false;
	if (!a->submitted_at)
		return err_set(e, "attempt %lld is not submitted yet", (long long)a->id), ATTEMPT_ECLOSED;
	if (k < 0 || k >= a->nitems || a->quiz.questions[a->items[k].question].type != Q_ESSAY)
		return err_set(e, "question %d of this attempt is not an essay", k + 1), ATTEMPT_EBADANSWER;
	if (!answer_given(&a->answers[k]))
		return err_set(e, "question %d was left blank: there is nothing to grade", k + 1), ATTEMPT_EBADANSWER;
	const struct question *qu = &a->quiz.questions[a->items[k].question];
	if (!(points >= 0 && points <= qu->points))
		return err_set(e, "the points must be a number from 0 to %g", qu->points), ATTEMPT_EBADANSWER;
	if (!comment)
		comment = "";
	if (strlen(comment) > ATTEMPT_COMMENT_MAX)
		return err_set(e, "the comment is too long (%zu bytes; at most %d)", strlen(comment),
			       ATTEMPT_COMMENT_MAX),
		       ATTEMPT_EBADANSWER;
	if (!utf8_valid(comment, strlen(comment)))
		return err_set(e, "the comment is not valid UTF-8 text"), ATTEMPT_EBADANSWER;
	struct grade_job j = {.a = a, .k = k, .prev = prev, .who = who};
	j.g = (struct essay_grade){true, round(points * 100) / 100, (char *)comment, grader, now_s()};
	int rc = db_group_write(db, grade_job_run, &j, e);
	if (rc < 0) {
		if (prev) {
			free(prev->comment);
			memset(prev, 0, sizeof *prev);
		}
		return rc == -1 ? ATTEMPT_EFAIL : rc;
	}
	if (completed)
		*completed = j.completed;
	return 0;
}
