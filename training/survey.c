/*
 * Reaction surveys: the survey file format (cmark), the built-in survey, who may answer what, anonymous
 * storage and the results of groups large enough to show.
 */
#include "training/survey.h"

#include <cmark-gfm.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courses/enrol.h"
#include "courses/listing.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

const char *const survey_sexes[SURVEY_SEXES] = {"female", "male", "other", "unspecified"};

void survey_def_free(struct survey_def *s)
{
	free(s->title);
	for (int i = 0; i < s->nitems; i++)
		free(s->items[i]);
	memset(s, 0, sizeof *s);
}

/* The plain text of an inline container: text and code spans, breaks as spaces. Caller frees. */
static char *node_text(cmark_node *n)
{
	struct buf b = BUF_INIT;
	cmark_iter *it = cmark_iter_new(n);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *c = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		switch (cmark_node_get_type(c)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			buf_puts(&b, cmark_node_get_literal(c));
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			buf_putc(&b, ' ');
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
	char *s = buf_detach(&b, NULL);
	if (!s)
		s = xstrdup("");
	/* Trim: statements are compared and shown as written, without edge spaces. */
	size_t len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	size_t lead = strspn(s, " \t");
	memmove(s, s + lead, len - lead + 1);
	return s;
}

static void parse_list(const char *file, cmark_node *list, struct survey_def *s, struct problems *pr)
{
	for (cmark_node *item = cmark_node_first_child(list); item; item = cmark_node_next(item)) {
		int line = cmark_node_get_start_line(item);
		cmark_node *para = cmark_node_first_child(item);
		if (!para || cmark_node_get_type(para) != CMARK_NODE_PARAGRAPH || cmark_node_next(para)) {
			problem_add(pr, file, line,
				    "each statement must be one line of text ('- The content was useful.')");
			continue;
		}
		char *text = node_text(para);
		if (!*text)
			problem_add(pr, file, line, "a statement is empty");
		else if (strlen(text) > SURVEY_ITEM_MAX)
			problem_add(pr, file, line, "a statement is longer than %d bytes", SURVEY_ITEM_MAX);
		else if (s->nitems == SURVEY_MAX_ITEMS)
			problem_add(pr, file, line, "more than %d statements", SURVEY_MAX_ITEMS);
		else {
			s->items[s->nitems++] = text;
			continue;
		}
		free(text);
	}
}

int survey_parse(const char *file, const char *data, size_t len, struct survey_def *s, struct problems *pr)
{
	int before = pr ? pr->n : 0, problems = 0;
	memset(s, 0, sizeof *s);
	struct problems local = {0};
	struct problems *p = pr ? pr : &local;
	cmark_node *doc = cmark_parse_document(data, len, CMARK_OPT_DEFAULT);
	bool list_seen = false;
	for (cmark_node *n = cmark_node_first_child(doc); n; n = cmark_node_next(n)) {
		int line = cmark_node_get_start_line(n);
		cmark_node_type t = cmark_node_get_type(n);
		if (t == CMARK_NODE_HEADING && cmark_node_get_heading_level(n) == 1 && !s->title && !list_seen) {
			s->title = node_text(n);
			if (strlen(s->title) > SURVEY_ITEM_MAX)
				problem_add(p, file, line, "the title is longer than %d bytes", SURVEY_ITEM_MAX);
		} else if (t == CMARK_NODE_LIST && !list_seen) {
			list_seen = true;
			parse_list(file, n, s, p);
		} else {
			problem_add(
			    p, file, line,
			    "a survey is an optional '# ' title and one list of statements ('- ...'), nothing else");
		}
	}
	cmark_node_free(doc);
	if (!s->nitems && p->n == before)
		problem_add(p, file, 1, "no statements: list them as '- The content was useful.'");
	problems = p->n - before;
	problems_release(&local);
	return problems;
}

/* The built-in survey: the same statements in the same order in each language (results are by position). */
static const char *const default_en[] = {
    "How was this training?",
    "The training met its stated objectives.",
    "The content is relevant to my work.",
    "The trainer explained clearly and answered my questions.",
    "The materials, the venue and the timing helped me learn.",
    "I will use what I learned in my work.",
};
/* Draft for native review (docs/i18n.md). */
static const char *const default_km[] = {
    "តើវគ្គបណ្តុះបណ្តាលនេះយ៉ាងដូចម្តេច?",
    "វគ្គបណ្តុះបណ្តាលបានសម្រេចគោលបំណងដែលបានកំណត់។",
    "ខ្លឹមសារពាក់ព័ន្ធនឹងការងាររបស់ខ្ញុំ។",
    "គ្រូឧទ្ទេសបានពន្យល់យ៉ាងច្បាស់ និងបានឆ្លើយសំណួររបស់ខ្ញុំ។",
    "ឯកសារ ទីកន្លែង និងពេលវេលា បានជួយឱ្យខ្ញុំរៀនបានល្អ។",
    "ខ្ញុំនឹងប្រើប្រាស់អ្វីដែលខ្ញុំបានរៀននៅក្នុងការងាររបស់ខ្ញុំ។",
};

void survey_default(const char *lang, struct survey_def *s)
{
	const char *const *v = lang && strcmp(lang, "km") == 0 ? default_km : default_en;
	memset(s, 0, sizeof *s);
	s->title = xstrdup(v[0]);
	for (size_t i = 1; i < sizeof default_en / sizeof default_en[0]; i++)
		s->items[s->nitems++] = xstrdup(v[i]);
}

void survey_subject_key(const struct survey_subject *s, char out[80])
{
	if (s->kind == SURVEY_WORKSHOP)
		snprintf(out, 80, "workshop:%" PRId64, s->workshop_id);
	else
		snprintf(out, 80, "course:%s", s->course_id);
}

/* The course of workshop id into course (64 bytes; "" when none). 0, ERR_NOTFOUND, or -1 with a message. */
static int workshop_course(struct db *db, int64_t id, char course[64], struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT coalesce(course_id, '') FROM workshops WHERE id = ?");
	db_bind_int64(st, 1, id);
	int rc = db_step_row(st);
	if (rc > 0)
		snprintf(course, 64, "%s", db_col_text(st, 0));
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot read workshop %" PRId64 ": %s", id, db_errstr(db));
	if (rc == 0)
		return err_fail(e, ERR_NOTFOUND, "no workshop %" PRId64, id);
	return 0;
}

int survey_load(struct db *db, const struct survey_subject *s, const char *lang, struct survey_def *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	char course[64];
	snprintf(course, sizeof course, "%s", s->course_id);
	if (s->kind == SURVEY_WORKSHOP) {
		int rc = workshop_course(db, s->workshop_id, course, e);
		if (rc < 0)
			return rc;
	}
	if (*course) {
		char *text, *path;
		size_t len;
		if (course_survey_text(db, course, lang, &text, &len, &path, e) < 0)
			return ERR_UNAVAILABLE;
		if (text) {
			struct problems pr = {0};
			int bad = survey_parse(path, text, len, out, &pr);
			free(text);
			free(path);
			problems_release(&pr);
			if (!bad)
				return 0;
			/* Checked at import: a file that no longer parses falls back to the built-in survey. */
			survey_def_free(out);
		}
	}
	survey_default(lang, out);
	return 0;
}

/* 1 when user_id has answered the survey keyed key, 0 when not, -1 with a message. */
static int answered(struct db *db, const char *key, int64_t user_id, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT 1 FROM survey_done WHERE subject = ? AND user_id = ?");
	db_bind_text(st, 1, key);
	db_bind_int64(st, 2, user_id);
	int rc = db_step_row(st);
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot read the surveys answered: %s", db_errstr(db));
	return rc > 0;
}

/*
 * The workshops whose session survey user_id may answer at now (workshop_id > 0: only that one): marked
 * present at least once, not cancelled, the last day ended, not answered yet. Calls fn with each.
 */
static int workshops_pending(struct db *db, int64_t user_id, int64_t workshop_id, int64_t now,
			     int (*fn)(void *ctx, int64_t id, const char *title, int64_t ended), void *ctx,
			     struct err *e)
{
	struct db_stmt *st = db_stmt(
	    db,
	    "SELECT w.id, w.title, (SELECT max(d.ends_at) FROM workshop_days d WHERE d.workshop_id = w.id) AS ended "
	    "FROM workshops w WHERE w.cancelled_at IS NULL AND (w.id = ?3 OR ?3 = 0) AND EXISTS (SELECT 1 FROM "
	    "attendance a WHERE a.workshop_id = w.id AND a.user_id = ?1 AND a.status = 'present') AND NOT EXISTS "
	    "(SELECT 1 FROM survey_done s WHERE s.user_id = ?1 AND s.subject = 'workshop:' || CAST(w.id AS TEXT)) "
	    "AND (SELECT max(d.ends_at) FROM workshop_days d WHERE d.workshop_id = w.id) <= ?2 "
	    "ORDER BY ended DESC, w.id DESC");
	db_bind_int64(st, 1, user_id);
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, workshop_id);
	int rc, stop = 0;
	while (!stop && (rc = db_step_row(st)) > 0)
		stop = fn(ctx, db_col_int64(st, 0), db_col_text(st, 1), db_col_int64(st, 2));
	db_finish(st);
	if (stop)
		return stop;
	if (rc < 0)
		return err_set(e, "cannot read the workshops to survey: %s", db_errstr(db));
	return 0;
}

struct pending_walk {
	struct db *db;
	const char *lang;
	int (*fn)(void *ctx, const struct survey_pending *p);
	void *ctx;
	struct err *e;
	int64_t user_id;
};

static int pending_workshop(void *ctx, int64_t id, const char *title, int64_t ended)
{
	struct pending_walk *w = ctx;
	struct survey_pending p = {
	    .subject = {.kind = SURVEY_WORKSHOP, .workshop_id = id}, .title = title, .ended_at = ended};
	return w->fn(w->ctx, &p);
}

static int pending_course(void *ctx, const char *course_id, int64_t completed_at)
{
	struct pending_walk *w = ctx;
	struct survey_pending p = {.subject = {.kind = SURVEY_COURSE}, .ended_at = completed_at};
	snprintf(p.subject.course_id, sizeof p.subject.course_id, "%s", course_id);
	char key[80];
	survey_subject_key(&p.subject, key);
	int done = answered(w->db, key, w->user_id, w->e);
	if (done != 0)
		return done < 0 ? -1 : 0;
	char *title = course_title_get(w->db, course_id, w->lang);
	p.title = title ? title : course_id;
	int rc = w->fn(w->ctx, &p);
	free(title);
	return rc;
}

int survey_pending_list(struct db *db, int64_t user_id, const char *lang, int64_t now,
			int (*fn)(void *ctx, const struct survey_pending *p), void *ctx, struct err *e)
{
	struct pending_walk w = {db, lang, fn, ctx, e, user_id};
	int rc = workshops_pending(db, user_id, 0, now, pending_workshop, &w, e);
	if (rc != 0)
		return rc;
	return enrolment_completed_surveyed(db, user_id, NULL, pending_course, &w, e);
}

static int found(void *ctx, int64_t id, const char *title, int64_t ended)
{
	(void)ctx, (void)id, (void)title, (void)ended;
	return 1;
}

static int found_course(void *ctx, const char *course_id, int64_t completed_at)
{
	(void)ctx, (void)course_id, (void)completed_at;
	return 1;
}

int survey_check(struct db *db, const struct survey_subject *s, int64_t user_id, int64_t now, struct err *e)
{
	char key[80];
	survey_subject_key(s, key);
	int done = answered(db, key, user_id, e);
	if (done < 0)
		return ERR_UNAVAILABLE;
	if (done)
		return err_fail(e, ERR_CONFLICT, "you have answered this survey already");
	int rc = s->kind == SURVEY_WORKSHOP
		     ? workshops_pending(db, user_id, s->workshop_id, now, found, NULL, e)
		     : enrolment_completed_surveyed(db, user_id, s->course_id, found_course, NULL, e);
	if (rc < 0)
		return ERR_UNAVAILABLE;
	if (rc == 0)
		return err_fail(e, ERR_NOTFOUND, "no survey '%s' to answer", key);
	return 0;
}

/* The answers as stored: a JSON array, null for a statement skipped. */
static void answers_json(const int *answers, int n, struct buf *b, double *score, bool *has_score)
{
	int sum = 0, count = 0;
	buf_putc(b, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		if (answers[i] >= 1 && answers[i] <= 5) {
			buf_printf(b, "%d", answers[i]);
			sum += answers[i];
			count++;
		} else {
			buf_puts(b, "null");
		}
	}
	buf_putc(b, ']');
	*has_score = count > 0;
	*score = count ? (double)sum / count : 0;
}

static const char *sex_group(const char *sex)
{
	for (int i = 0; i < SURVEY_SEXES; i++)
		if (sex && strcmp(sex, survey_sexes[i]) == 0)
			return survey_sexes[i];
	return "unspecified";
}

static int store(struct db *db, const char *key, int64_t user_id, const char *sex, int64_t org_id, const char *json,
		 bool has_score, double score, const char *comment, int64_t day, struct err *e)
{
	struct db_stmt *st =
	    db_stmt(db, "INSERT INTO survey_done(subject, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING");
	db_bind_text(st, 1, key);
	db_bind_int64(st, 2, user_id);
	int rc = db_step_done(st);
	bool added = rc == 0 && db_changes(db) > 0;
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot record the survey answer: %s", db_errmsg(db));
	if (!added)
		return err_fail(e, ERR_CONFLICT, "you have answered this survey already");
	st = db_stmt(db, "INSERT INTO survey_responses(subject, sex, org_id, submitted_at, answers, score, comment) "
			 "VALUES (?, ?, ?, ?, ?, ?, ?)");
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, sex_group(sex));
	db_bind_int64(st, 3, org_id);
	db_bind_int64(st, 4, day);
	db_bind_text(st, 5, json);
	if (has_score)
		db_bind_double(st, 6, score);
	else
		db_bind_null(st, 6);
	db_bind_text(st, 7, comment ? comment : "");
	rc = db_step_done(st);
	db_finish(st);
	if (rc < 0)
		return err_set(e, "cannot store the survey answer: %s", db_errmsg(db));
	return 0;
}

/* The checks on answers and comment shared by survey_submit() and survey_record(). */
static int answers_valid(const int *answers, int n, const char *comment, struct err *e)
{
	if (n < 1 || n > SURVEY_MAX_ITEMS)
		return err_fail(e, ERR_INVALID, "answers: %d given, expected 1 to %d", n, SURVEY_MAX_ITEMS);
	int given = 0;
	for (int i = 0; i < n; i++) {
		if (answers[i] < 0 || answers[i] > 5)
			return err_fail(e, ERR_INVALID, "answer %d: '%d' is not 1 to 5 (or empty)", i + 1, answers[i]);
		given += answers[i] > 0;
	}
	if (!given)
		return err_fail(e, ERR_INVALID, "answers: answer at least one statement");
	size_t clen = comment ? strlen(comment) : 0;
	if (clen > SURVEY_COMMENT_MAX)
		return err_fail(e, ERR_INVALID, "comment is longer than %d bytes", SURVEY_COMMENT_MAX);
	if (clen && !utf8_valid(comment, clen))
		return err_fail(e, ERR_INVALID, "comment is not valid UTF-8 text");
	return 0;
}

int survey_record(struct db *db, const struct survey_subject *s, int64_t user_id, const char *sex, int64_t org_id,
		  const int *answers, int n, const char *comment, int64_t day, struct err *e)
{
	int rc = answers_valid(answers, n, comment, e);
	if (rc < 0)
		return rc;
	struct buf json = BUF_INIT;
	double score;
	bool has_score;
	answers_json(answers, n, &json, &score, &has_score);
	char key[80];
	survey_subject_key(s, key);
	rc = store(db, key, user_id, sex, org_id, buf_str(&json), has_score, score, comment, day - day % 86400, e);
	buf_release(&json);
	return rc;
}

int survey_submit(struct db *db, const struct survey_subject *s, int64_t user_id, const char *sex, int64_t org_id,
		  const int *answers, int n, const char *comment, int64_t now, struct err *e)
{
	int rc = answers_valid(answers, n, comment, e);
	if (rc < 0)
		return rc;
	struct buf json = BUF_INIT;
	double score;
	bool has_score;
	answers_json(answers, n, &json, &score, &has_score);
	char key[80];
	survey_subject_key(s, key);
	rc = db_begin(db, e);
	if (rc < 0) {
		buf_release(&json);
		return ERR_UNAVAILABLE;
	}
	rc = survey_check(db, s, user_id, now, e);
	if (rc == 0)
		/* The day only, not the time: a response cannot be matched to a login by its time. */
		rc = store(db, key, user_id, sex, org_id, buf_str(&json), has_score, score, comment, now - now % 86400,
			   e);
	buf_release(&json);
	if (rc < 0) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db, e) < 0 ? ERR_UNAVAILABLE : 0;
}

/* Adds one response's answers to a group's sums (item_mean holds sums until finish_group()). */
static void group_add(struct survey_group *g, json_t *arr, bool has_score, double score, int *nitems)
{
	g->n++;
	size_t n = json_array_size(arr);
	for (size_t i = 0; i < n && i < SURVEY_MAX_ITEMS; i++) {
		json_t *v = json_array_get(arr, i);
		if (!json_is_integer(v))
			continue;
		g->item_mean[i] += (double)json_integer_value(v);
		g->item_n[i]++;
	}
	if ((int)n > *nitems)
		*nitems = n > SURVEY_MAX_ITEMS ? SURVEY_MAX_ITEMS : (int)n;
	if (has_score) {
		g->score_mean += score;
		g->score_n++;
	}
}

/* Sums into means; a group below SURVEY_MIN_GROUP keeps its count only. */
static void finish_group(struct survey_group *g)
{
	g->shown = g->n >= SURVEY_MIN_GROUP;
	for (int i = 0; i < SURVEY_MAX_ITEMS; i++) {
		g->item_mean[i] = g->shown && g->item_n[i] ? g->item_mean[i] / g->item_n[i] : 0;
		if (!g->shown)
			g->item_n[i] = 0;
	}
	g->score_mean = g->shown && g->score_n ? g->score_mean / g->score_n : 0;
	if (!g->shown)
		g->score_n = 0;
}

int survey_results_get(struct db *db, const struct survey_subject *s, const char *org_path, struct survey_results *out,
		       struct err *e)
{
	memset(out, 0, sizeof *out);
	char key[80];
	survey_subject_key(s, key);
	char *upper = NULL;
	if (org_path && *org_path) {
		/* The subtree [path, path with its last '/' as '0'): docs/architecture.md, report_org_units. */
		upper = xstrdup(org_path);
		upper[strlen(upper) - 1] = '0';
	}
	struct db_stmt *st = db_stmt(
	    db, "SELECT r.sex, r.answers, r.score, r.comment FROM survey_responses r JOIN report_org_units o ON "
		"o.id = r.org_id WHERE r.subject = ?1 AND ((o.path >= ?2 AND o.path < ?3) OR ?3 IS NULL) "
		"ORDER BY r.id DESC");
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, org_path ? org_path : "");
	db_bind_text(st, 3, upper);
	int rc;
	size_t cap = 0;
	char **comments = NULL;
	size_t ncomments = 0;
	while ((rc = db_step_row(st)) > 0) {
		const char *sex = sex_group(db_col_text(st, 0));
		const char *answers = db_col_text(st, 1);
		bool has_score = db_col_type(st, 2) != DB_NULL;
		double score = has_score ? db_col_double(st, 2) : 0;
		json_t *arr = json_loads(answers, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_array(arr)) {
			json_decref(arr);
			continue; /* not written by survey_submit() */
		}
		group_add(&out->all, arr, has_score, score, &out->nitems);
		for (int i = 0; i < SURVEY_SEXES; i++)
			if (strcmp(sex, survey_sexes[i]) == 0)
				group_add(&out->by_sex[i], arr, has_score, score, &out->nitems);
		json_decref(arr);
		const char *c = db_col_text(st, 3);
		if (c && *c) {
			if (ncomments == cap) {
				cap = cap ? cap * 2 : 16;
				comments = xrealloc(comments, cap * sizeof *comments);
			}
			comments[ncomments++] = xstrdup(c);
		}
	}
	db_finish(st);
	free(upper);
	finish_group(&out->all);
	for (int i = 0; i < SURVEY_SEXES; i++)
		finish_group(&out->by_sex[i]);
	/*
	 * Complementary suppression: a sex group shown beside the whole would give away the figures of the
	 * others when they are fewer than SURVEY_MIN_GROUP (the whole minus the group), so it is hidden too.
	 */
	for (int i = 0; i < SURVEY_SEXES; i++) {
		int rest = out->all.n - out->by_sex[i].n;
		if (out->by_sex[i].shown && rest > 0 && rest < SURVEY_MIN_GROUP) {
			int n = out->by_sex[i].n;
			memset(&out->by_sex[i], 0, sizeof out->by_sex[i]);
			out->by_sex[i].n = n;
		}
	}
	if (out->all.shown) {
		out->comments = comments;
		out->ncomments = ncomments;
	} else {
		for (size_t i = 0; i < ncomments; i++)
			free(comments[i]);
		free(comments);
		out->nitems = 0;
	}
	if (rc < 0) {
		survey_results_free(out);
		return err_fail(e, ERR_UNAVAILABLE, "cannot read the survey results: %s", db_errstr(db));
	}
	return 0;
}

void survey_results_free(struct survey_results *r)
{
	for (size_t i = 0; i < r->ncomments; i++)
		free(r->comments[i]);
	free(r->comments);
	memset(r, 0, sizeof *r);
}
