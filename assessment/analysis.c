/* Item analysis of a quiz for trainers (attempt_item_analysis()). */
#include "assessment/attempt_private.h"

#include <stdlib.h>
#include <string.h>

#include "accounts/users.h"
#include "lib/db.h"
#include "lib/xmalloc.h"

struct tally {
	char *key;
	int n;
};

static void tally_add(struct tally **t, int *n, const char *key)
{
	for (int i = 0; i < *n; i++)
		if (strcmp((*t)[i].key, key) == 0) {
			(*t)[i].n++;
			return;
		}
	if (*n >= 200)
		return; /* enough distinct wrong answers to rank */
	*t = xrealloc(*t, ((size_t)*n + 1) * sizeof **t);
	(*t)[*n].key = xstrdup(key);
	(*t)[(*n)++].n = 1;
}

/* The wrong parts of one stored answer ("chosen" column), as display text. */
static void wrong_parts(const struct question *qu, const char *chosen, struct tally **t, int *nt)
{
	if (qu->type == Q_SHORT || qu->type == Q_NUMERIC) {
		char *norm = grade_text_norm(chosen);
		if (norm && norm[0])
			tally_add(t, nt, norm);
		free(norm);
		return;
	}
	const char *p = chosen;
	while (*p) {
		char *end;
		long x = strtol(p, &end, 10);
		if (end == p)
			break;
		p = end;
		if (qu->type == Q_MATCH && *p == ':') {
			long c = strtol(p + 1, &end, 10);
			p = end;
			if (x >= 0 && (size_t)x < qu->npairs && c >= 0 && (size_t)c < qu->npairs &&
			    strcmp(qu->pairs[x].right, qu->pairs[c].right) != 0) {
				char *s = xasprintf("%s -> %s", qu->pairs[x].left, qu->pairs[c].right);
				tally_add(t, nt, s);
				free(s);
			}
		} else if (qu->type != Q_MATCH && x >= 0 && (size_t)x < qu->noptions && !qu->options[x].right) {
			tally_add(t, nt, qu->options[x].text);
		}
		if (*p == ',')
			p++;
	}
}

static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

const char *const item_sex_names[ITEM_NSEX] = {"female", "male", "other", "unspecified"};

void item_stats_free(struct item_stat *s, int n)
{
	for (int i = 0; i < n && s; i++)
		for (int k = 0; k < 3; k++)
			free(s[i].wrong[k]);
	free(s);
}

int attempt_item_analysis(struct db *db, const char *course_id, const char *item_path, const char *lang, struct quiz *q,
			  struct item_stat **out, int *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	struct quiz_ref ref = {0};
	if (attempt_quiz_find(db, course_id, item_path, lang, &ref) < 0)
		return err_set(e, "no quiz '%s' in course '%s'", item_path, course_id), ATTEMPT_ENOTFOUND;
	free(ref.item_title);
	int rc = attempt_quiz_load(db, ref.package_id, item_path, q, e);
	if (rc < 0)
		return rc;
	int nq = (int)q->nquestions;
	struct item_stat *s = xcalloc((size_t)nq + 1, sizeof *s);
	struct tally **t = xcalloc((size_t)nq + 1, sizeof *t);
	int *nt = xcalloc((size_t)nq + 1, sizeof *nt);
	for (int i = 0; i < nq; i++)
		s[i].question = i;
	/* Each learner's first submitted attempt on this package: retakes would flatter the items. */
	struct db_stmt *st = db_stmt(
	    db, "SELECT aa.question, aa.score, aa.chosen, a.user_id FROM attempts a "
		"JOIN attempt_answers aa ON aa.attempt_id = a.id "
		"WHERE a.package_id = ?1 AND a.item_path = ?2 AND a.submitted_at IS NOT NULL AND aa.pending = 0 "
		"AND a.id = "
		"(SELECT min(x.id) FROM attempts x WHERE x.user_id = a.user_id AND x.package_id = ?1 AND "
		"x.item_path = ?2 AND x.submitted_at IS NOT NULL)");
	db_bind_int64(st, 1, ref.package_id);
	db_bind_text(st, 2, item_path);
	/* The answers' question, result and learner, kept for the tallies by sex once the sexes are known. */
	struct answer_mark {
		int question;
		bool right;
		int64_t user_id;
	} *marks = NULL;
	size_t nmarks = 0, cap = 0;
	while ((rc = db_step_row(st)) > 0) {
		int qi = db_col_int(st, 0);
		if (qi < 0 || qi >= nq)
			continue;
		bool right = db_col_double(st, 1) >= 0.9999;
		s[qi].n++, s[qi].right += right;
		if (nmarks == cap) {
			cap = cap ? cap * 2 : 64;
			marks = xrealloc(marks, cap * sizeof *marks);
		}
		marks[nmarks++] = (struct answer_mark){qi, right, db_col_int64(st, 3)};
		/* An essay awaiting its grade is not counted (aa.pending); a learner's essay is never listed. */
		if (!right && q->questions[qi].type != Q_ESSAY)
			wrong_parts(&q->questions[qi], db_col_text(st, 2), &t[qi], &nt[qi]);
	}
	db_finish(st);
	if (rc < 0)
		err_set(e, "cannot read the answers to '%s': %s", item_path, db_errstr(db));
	/* The learners' sex from accounts/ (which owns it): their distinct ids, one lookup per 64. */
	int64_t *users = xcalloc(nmarks + 1, sizeof *users);
	size_t nusers = 0;
	for (size_t i = 0; i < nmarks; i++)
		users[i] = marks[i].user_id;
	qsort(users, nmarks, sizeof *users, id_cmp);
	for (size_t i = 0; i < nmarks; i++)
		if (nusers == 0 || users[nusers - 1] != users[i])
			users[nusers++] = users[i];
	const char **sexes = xcalloc(nusers + 1, sizeof *sexes);
	if (rc >= 0)
		rc = users_sex(db, users, nusers, sexes, e);
	for (size_t i = 0; rc >= 0 && i < nmarks; i++) {
		const int64_t *u = bsearch(&marks[i].user_id, users, nusers, sizeof *users, id_cmp);
		const char *sex = u ? sexes[u - users] : "unspecified";
		int k = 0;
		while (k < ITEM_UNSPECIFIED && strcmp(sex, item_sex_names[k]) != 0)
			k++; /* anything unknown counts as unspecified */
		s[marks[i].question].n_sex[k]++, s[marks[i].question].right_sex[k] += marks[i].right;
	}
	free(marks);
	free(users);
	free(sexes);
	for (int i = 0; i < nq; i++) {
		for (int k = 0; k < 3; k++) {
			int best = -1;
			for (int j = 0; j < nt[i]; j++)
				if (t[i][j].n > 0 &&
				    (best < 0 || t[i][j].n > t[i][best].n ||
				     (t[i][j].n == t[i][best].n && strcmp(t[i][j].key, t[i][best].key) < 0)))
					best = j;
			if (best < 0)
				break;
			s[i].wrong[k] = xstrdup(t[i][best].key);
			s[i].wrong_n[k] = t[i][best].n;
			t[i][best].n = -1;
		}
		for (int j = 0; j < nt[i]; j++)
			free(t[i][j].key);
		free(t[i]);
	}
	free(t);
	free(nt);
	if (rc < 0) {
		item_stats_free(s, nq);
		quiz_free(q);
		return ATTEMPT_EFAIL;
	}
	*out = s;
	*n = nq;
	return 0;
}
