/*
 * Face-to-face sessions for the demo database (demo_sessions(), cli/demo.h): past sessions with
 * attendance and upcoming ones with registrations and waiting lists, made through training/'s
 * functions and marked is_demo, so the dashboard has face-to-face figures on first start. One session
 * for every DEMO_LEARNERS_PER_SESSION synthetic learners, each drawing its people from the new learners
 * of its province; all in the caller's transaction. About DEMO_SURVEY_SHARE percent of the people
 * present at a past session have answered its reaction survey (training/survey.h, anonymous), within a
 * week of its last day, so the dashboard has satisfaction figures too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "cli/demo.h"
#include "lib/xmalloc.h"
#include "training/attendance.h"
#include "training/survey.h"
#include "training/workshops.h"

#define DEMO_LEARNERS_PER_SESSION 50
#define DEMO_SURVEY_SHARE 65 /* percent of those present who answer */
#define DAY 86400

static const char *const titles[] = {
    "One-window service workshop",     "Digital filing for commune clerks", "Data protection in daily work",
    "Citizen feedback and complaints", "Commune budget planning",	    "Using the e-filing system",
};

/* xorshift64*, seeded: every demo database has the same sessions. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static int64_t below(uint64_t *s, int64_t n)
{
	return n > 0 ? (int64_t)(next(s) % (uint64_t)n) : 0;
}

static int by_province(const void *a, const void *b)
{
	const struct demo_person *x = a, *y = b;
	if (x->province != y->province)
		return x->province < y->province ? -1 : 1;
	return (x->user_id > y->user_id) - (x->user_id < y->user_id);
}

/*
 * Marks each registered person for every day of a past session: mostly present, by varied methods.
 * present[i] becomes true when ids[i] was present at least once.
 */
static int demo_marks(struct db *db, uint64_t *seed, const struct workshop *w, const int64_t *ids, size_t n,
		      int64_t trainer, bool *present, struct err *e)
{
	int rc = 0;
	for (int d = 0; d < w->ndays && rc == 0; d++)
		for (size_t i = 0; i < n && rc == 0; i++) {
			int64_t x = below(seed, 100), y = below(seed, 10);
			enum attendance_status s = x < 84 ? ATT_PRESENT : x < 94 ? ATT_ABSENT : ATT_EXCUSED;
			enum attendance_method m = y < 6 ? ATT_BY_TRAINER : y < 9 ? ATT_BY_SHEET : ATT_BY_QR;
			present[i] = present[i] || s == ATT_PRESENT;
			rc = attendance_mark(db, w->id, ids[i], w->days[d].day, s, m, m == ATT_BY_QR ? ids[i] : trainer,
					     w->days[d].starts_at + 3600, e);
		}
	return rc;
}

static const char *const comments[] = {
    "Very useful for my daily work.",
    "មានប្រយោជន៍ច្រើន។", /* very useful */
    "More practice time, please.",
    "The room was too hot in the afternoon.",
};

/* One answer to a statement: mostly agreeing, sometimes neutral, rarely disagreeing or skipped. */
static int demo_answer(uint64_t *seed)
{
	int64_t x = below(seed, 100);
	return x < 34 ? 5 : x < 74 ? 4 : x < 89 ? 3 : x < 95 ? 2 : x < 98 ? 1 : 0;
}

/*
 * The reaction survey of a past session w: a share of those present (present[i] for people[i]) answer
 * it within a week of its last day (before now). *answers counts the answers stored.
 */
static int demo_survey(struct db *db, uint64_t *seed, const struct workshop *w, const struct demo_person *people,
		       const bool *present, size_t n, int64_t now, long *answers, struct err *e)
{
	struct survey_subject subj = {.kind = SURVEY_WORKSHOP, .workshop_id = w->id};
	struct survey_def def;
	int rc = survey_load(db, &subj, w->language, &def, e);
	int nitems = def.nitems;
	survey_def_free(&def);
	if (rc < 0 || nitems < 1)
		return rc;
	int64_t ended = w->days[w->ndays - 1].ends_at;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!present[i] || below(seed, 100) >= DEMO_SURVEY_SHARE)
			continue;
		int a[SURVEY_MAX_ITEMS], given = 0;
		for (int k = 0; k < nitems; k++)
			given += (a[k] = demo_answer(seed)) > 0;
		if (!given)
			a[0] = 4;
		const char *comment = below(seed, 100) < 15 ? comments[below(seed, 4)] : NULL;
		int64_t day = ended + below(seed, 7) * DAY;
		rc = survey_record(db, &subj, people[i].user_id, people[i].sex, people[i].org_id, a, nitems, comment,
				   day < now ? day : now, e);
		*answers += rc == 0;
	}
	return rc;
}

/*
 * One session at the venue org_id for the people[0..n) (invited in order: places, then the waiting
 * list); past sessions get their attendance. *reg counts the places given.
 */
static int demo_session(struct db *db, uint64_t *seed, int64_t org_id, const char *course, int64_t trainer,
			int64_t extra, const struct demo_person *people, size_t n, int64_t now, bool past, long *marks,
			uint64_t *sseed, long *answers, struct err *e)
{
	struct workshop_day days[3];
	int ndays = 1 + (int)below(seed, 3);
	/* Past: started 10 to 300 days ago; upcoming: in 3 to 60 days. Days at 08:00-16:00 Cambodia's time. */
	int64_t start = past ? now - (10 + below(seed, 290)) * DAY : now + (3 + below(seed, 58)) * DAY;
	start -= start % DAY;
	for (int d = 0; d < ndays; d++) {
		days[d].day = d + 1;
		days[d].starts_at = start + d * DAY + 8 * 3600 - WORKSHOP_TZ_OFFSET;
		days[d].ends_at = start + d * DAY + 16 * 3600 - WORKSHOP_TZ_OFFSET;
	}
	int64_t trainers[] = {trainer};
	int capacity = 20 + (int)below(seed, 4) * 5;
	struct workshop_new wn = {.title = titles[below(seed, sizeof titles / sizeof titles[0])],
				  .course_id = course,
				  .address = "Provincial hall, meeting room 2",
				  .language = "km",
				  .org_id = org_id,
				  .capacity = capacity,
				  .days = days,
				  .ndays = ndays,
				  .trainers = trainers,
				  .ntrainers = trainer > 0 ? 1 : 0,
				  .is_demo = true};
	int64_t created = start - (14 + below(seed, 20)) * DAY, id;
	int rc = workshop_create(db, &wn, created, &id, e);
	if (rc < 0)
		return rc;
	/* Everyone at once, the demo learner first: the first ones get the places, in order. */
	int64_t *ids = xmalloc((n + 1) * sizeof *ids);
	size_t nids = 0;
	if (extra > 0)
		ids[nids++] = extra;
	for (size_t i = 0; i < n; i++)
		ids[nids++] = people[i].user_id;
	int reg = 0;
	rc = workshop_invite_many(db, id, ids, nids, created, &reg, NULL, e);
	int64_t *registered = ids;
	size_t nreg = (size_t)reg;
	if (rc == 0 && past) {
		struct workshop w;
		if ((rc = workshop_get(db, id, &w, e)) == 0) {
			/* Past sessions have no demo learner: registered[i] is people[i]. */
			bool *present = xcalloc(nreg + 1, sizeof *present);
			rc = demo_marks(db, seed, &w, registered, nreg, trainer, present, e);
			*marks += (long)(nreg * (size_t)w.ndays);
			if (rc == 0 && extra == 0)
				rc = demo_survey(db, sseed, &w, people, present, nreg, now, answers, e);
			free(present);
			workshop_free(&w);
		}
	}
	free(ids);
	return rc;
}

int demo_sessions(struct db *db, struct demo_person *people, size_t n, const char *const *courses, size_t ncourses,
		  int64_t now, long *sessions, long *marks, long *answers, struct err *e)
{
	*sessions = 0;
	*marks = 0;
	*answers = 0;
	if (n == 0)
		return 0;
	struct user u;
	int64_t trainer = 0, learner = 0, learner_province = 0;
	if (user_get_by_name(db, "trainer", &u) == 0) {
		trainer = u.id;
		user_release(&u);
	}
	if (user_get_by_name(db, "learner", &u) == 0) {
		learner = u.id;
		learner_province = org_id(db, "17"); /* the demo learner's commune, Sla Kram, is in Siem Reap */
		user_release(&u);
	}
	uint64_t seed = 0x7E55107Eull + n;
	uint64_t sseed = 0x5A7157ull + n; /* the surveys' own: the sessions stay as they were without them */
	qsort(people, n, sizeof *people, by_province);
	int rc = 0;
	/* Sessions go to provinces in proportion to their learners: one per DEMO_LEARNERS_PER_SESSION. */
	for (size_t at = 0; at < n && rc == 0;) {
		size_t end = at;
		while (end < n && people[end].province == people[at].province)
			end++;
		/* At least one session in a province with a handful of learners (a small demo has a few each). */
		size_t count = end - at, k = (count + DEMO_LEARNERS_PER_SESSION / 2) / DEMO_LEARNERS_PER_SESSION;
		if (k == 0 && count >= 8)
			k = 1;
		if (k < 3 && count >= 16)
			k = 3; /* two past and one upcoming */
		for (size_t j = 0; j < k && rc == 0; j++) {
			/* People: a run of the province's learners, a little more than the places. */
			size_t size = 18 + (size_t)below(&seed, 22);
			size_t from = at + (size_t)below(&seed, (int64_t)(count > size ? count - size : 1));
			if (from + size > end)
				size = end - from;
			const char *course =
			    ncourses && below(&seed, 3) ? courses[below(&seed, (int64_t)ncourses)] : NULL;
			bool past = j % 3 != 2; /* two past for one upcoming */
			int64_t extra = 0;
			if (!past && learner && people[at].province == learner_province) {
				extra = learner; /* once: the demo learner sees it on My learning */
				learner = 0;
			}
			rc = demo_session(db, &seed, people[at].province, course, trainer, extra, people + from, size,
					  now, past, marks, &sseed, answers, e);
			*sessions += rc == 0;
		}
		at = end;
	}
	return rc;
}
