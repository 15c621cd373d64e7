/*
 * Finding and parsing the quiz an attempt uses, and the shared cache of parsed
 * quizzes (see attempt_private.h).
 */
#include "assessment/attempt_private.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courses/learn.h"
#include "courses/media.h"
#include "lib/db.h"
#include "lib/xmalloc.h"

/* The package of course_id whose quiz item_path the learner reading in lang sees (course_pick_package()). */
int attempt_quiz_find(struct db *db, const char *course_id, const char *item_path, const char *lang,
		      struct quiz_ref *ref)
{
	struct course_pick pick;
	if (course_pick_package(db, course_id, lang, item_path, &pick) < 0)
		return ATTEMPT_ENOTFOUND;
	int rc = ATTEMPT_ENOTFOUND;
	if (strcmp(pick.item_type, "quiz") == 0) {
		ref->package_id = pick.package_id;
		snprintf(ref->language, sizeof ref->language, "%s", pick.language);
		ref->pass_mark = pick.pass_mark;
		ref->item_title = xstrdup(pick.item_title);
		rc = 0;
	}
	course_pick_release(&pick);
	return rc;
}

/* Parses the quiz file of a package. */
static int parse_quiz(struct db *db, int64_t package_id, const char *path, struct quiz *q, struct err *e)
{
	memset(q, 0, sizeof *q);
	q->pass_mark = -1;
	char *data = NULL;
	size_t len = 0;
	int rc = media_file_read(db, package_id, path, &data, &len, e);
	if (rc < 0)
		return ATTEMPT_EFAIL;
	if (rc > 0) {
		err_set(e, "the quiz file '%s' is missing from the package", path);
		return ATTEMPT_EQUIZ;
	}
	int problems = quiz_parse(path, data, len, q, NULL);
	free(data);
	if (problems || q->nquestions == 0) {
		quiz_free(q);
		err_set(e, "the quiz '%s' has errors; ask the course author to check it", path);
		return ATTEMPT_EQUIZ;
	}
	return 0;
}

/*
 * Parsed quizzes, shared by all threads, keyed by package, path and the file's
 * hash: a quiz file never changes once imported, and parsing it (cmark) was
 * the main cost of a submission. Entries are never changed once added; callers
 * get a borrowed view (quiz_free() is a no-op on it), valid until
 * attempt_cache_release().
 */
struct quiz_slot {
	int64_t package_id;
	char *path;
	char sha[65];
	struct quiz q;
};
static struct quiz_slot *quiz_slots;
static size_t nquiz_slots;
static pthread_mutex_t quiz_lock = PTHREAD_MUTEX_INITIALIZER;
#define QUIZ_SLOTS_MAX 256

void attempt_cache_release(void)
{
	pthread_mutex_lock(&quiz_lock);
	for (size_t i = 0; i < nquiz_slots; i++) {
		quiz_free(&quiz_slots[i].q);
		free(quiz_slots[i].path);
	}
	free(quiz_slots);
	quiz_slots = NULL;
	nquiz_slots = 0;
	pthread_mutex_unlock(&quiz_lock);
}

/* The cached quiz as a borrowed view in *q; false when it is not cached. */
static bool quiz_cached(int64_t package_id, const char *path, const char *sha, struct quiz *q)
{
	bool hit = false;
	pthread_mutex_lock(&quiz_lock);
	for (size_t i = 0; !hit && i < nquiz_slots; i++) {
		const struct quiz_slot *s = &quiz_slots[i];
		if (s->package_id == package_id && strcmp(s->sha, sha) == 0 && strcmp(s->path, path) == 0) {
			*q = s->q;
			q->borrowed = true;
			hit = true;
		}
	}
	pthread_mutex_unlock(&quiz_lock);
	return hit;
}

int attempt_quiz_load(struct db *db, int64_t package_id, const char *path, struct quiz *q, struct err *e)
{
	return attempt_quiz_load_file(db, package_id, path, q, NULL, e);
}

/* Parses the quiz file of a package (or finds it parsed); *file (may be NULL) gets what its package says. */
int attempt_quiz_load_file(struct db *db, int64_t package_id, const char *path, struct quiz *q, struct media_file *file,
			   struct err *e)
{
	memset(q, 0, sizeof *q);
	q->pass_mark = -1;
	struct media_file f = {.pass_mark = -1};
	int found = media_file_find(db, package_id, path, &f, e);
	if (found < 0)
		return ATTEMPT_EFAIL;
	if (found > 0) {
		err_set(e, "the quiz file '%s' is missing from the package", path);
		return ATTEMPT_EQUIZ;
	}
	if (file)
		*file = f;
	const char *sha = f.sha256;
	if (sha[0] && quiz_cached(package_id, path, sha, q))
		return 0;
	int rc = parse_quiz(db, package_id, path, q, e);
	if (rc < 0 || !sha[0])
		return rc; /* not cached: the caller owns q */
	pthread_mutex_lock(&quiz_lock);
	/* Another thread may have parsed the same quiz meanwhile: then ours stays the caller's. */
	bool kept = nquiz_slots < QUIZ_SLOTS_MAX;
	for (size_t i = 0; kept && i < nquiz_slots; i++)
		kept = !(quiz_slots[i].package_id == package_id && strcmp(quiz_slots[i].sha, sha) == 0 &&
			 strcmp(quiz_slots[i].path, path) == 0);
	if (kept) {
		quiz_slots = xrealloc(quiz_slots, (nquiz_slots + 1) * sizeof *quiz_slots);
		struct quiz_slot *s = &quiz_slots[nquiz_slots++];
		s->package_id = package_id;
		s->path = xstrdup(path);
		snprintf(s->sha, sizeof s->sha, "%s", sha);
		s->q = *q;
		q->borrowed = true;
	}
	pthread_mutex_unlock(&quiz_lock);
	return 0;
}

int attempt_quiz_asked(const struct quiz *q)
{
	return q->draw > 0 && (size_t)q->draw < q->nquestions ? q->draw : (int)q->nquestions;
}
