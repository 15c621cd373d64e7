/*
 * Unit tests for training/: workshops, places (capacity, waiting list, invites), row codes and
 * attendance marks. Each test runs once on SQLite (a database in memory) and once on PostgreSQL 15
 * (a throwaway cluster started by tests/pg/cluster.sh, or $SALA_TEST_PG, an empty database), with
 * the same assertions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "courses/import.h"
#include "lib/buf.h"
#include "lib/db.h"
#include "lib/diag.h"
#include "pg_cluster.h"
#include "training/attendance.h"
#include "training/workshops.h"

static struct db *db;
static char hash[crypto_pwhash_STRBYTES];
static int seq; /* usernames differ between the tests, which share one database per engine */

#define T0 1893456000 /* 2030-01-01 00:00 UTC */
#define HOUR 3600
#define DAY 86400

static int open_any(const char *where)
{
	struct err e;
	db = db_open(where, &e);
	if (!db || orgs_seed(db, &e) < 0 || org_add(db, "1201", "Dangkor", "ដង្កោ", "12", "district", &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	char path[256], msg[256];
	snprintf(path, sizeof path, "../../courses/library/%s", "one-window-services");
	struct problems pr = {0};
	struct import_opts o = {.by = "test"};
	int rc = package_import_path(db, path, &o, &pr, msg, sizeof msg, &e);
	problems_release(&pr);
	if (rc < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	return password_hash("correct-horse-battery", hash, &e);
}

static int open_sqlite(void **state)
{
	(void)state;
	return open_any(":memory:");
}

static int open_pg(void **state)
{
	(void)state;
	if (pg_cluster_start() < 0)
		return -1;
	return open_any(pg_uri);
}

static int close_db(void **state)
{
	(void)state;
	db_close(db);
	db = NULL;
	pg_cluster_stop();
	return 0;
}

static int64_t person(const char *org, const char *name, const char *km)
{
	char username[32];
	snprintf(username, sizeof username, "p%d", ++seq);
	struct user_input u = {.username = username,
			       .full_name = name,
			       .full_name_km = km,
			       .sex = seq % 2 ? "female" : "male",
			       .org_code = org,
			       .position = "Clerk",
			       .password_hash = hash,
			       .roles = "learner"};
	struct err e;
	int64_t id = user_add(db, &u, &e);
	if (id <= 0)
		fail_msg("user_add %s: %s", username, e.msg);
	return id;
}

/* A two-day workshop in Phnom Penh (org 12) with capacity cap, trained by trainer; its id. */
static int64_t two_days(int cap, int64_t trainer, const char *course)
{
	struct workshop_day days[] = {{1, T0 + 8 * HOUR, T0 + 16 * HOUR},
				      {2, T0 + DAY + 8 * HOUR, T0 + DAY + 12 * HOUR}};
	int64_t trainers[] = {trainer};
	struct workshop_new w = {.title = "One-window services",
				 .course_id = course,
				 .address = "Provincial hall",
				 .language = "km",
				 .org_id = org_id(db, "12"),
				 .capacity = cap,
				 .days = days,
				 .ndays = 2,
				 .trainers = trainers,
				 .ntrainers = 1,
				 .created_by = trainer};
	struct err e;
	int64_t id = 0;
	if (workshop_create(db, &w, T0 - 30 * DAY, &id, &e) != 0)
		fail_msg("workshop_create: %s", e.msg);
	return id;
}

static void test_create_and_get(void **state)
{
	(void)state;
	int64_t trainer = person("12", "Trainer One", "");
	int64_t id = two_days(25, trainer, "one-window-services");
	struct workshop w;
	struct err e;
	assert_int_equal(workshop_get(db, id, &w, &e), 0);
	assert_string_equal(w.title, "One-window services");
	assert_string_equal(w.course_id, "one-window-services");
	assert_string_equal(w.address, "Provincial hall");
	assert_string_equal(w.language, "km");
	assert_int_equal(w.capacity, 25);
	assert_int_equal(w.org_id, org_id(db, "12"));
	assert_int_equal(w.ndays, 2);
	assert_int_equal(w.days[1].day, 2);
	assert_int_equal(w.days[1].starts_at, T0 + DAY + 8 * HOUR);
	assert_int_equal(w.days[1].ends_at, T0 + DAY + 12 * HOUR);
	assert_int_equal(w.ntrainers, 1);
	assert_int_equal(w.trainers[0], trainer);
	assert_int_equal(w.created_by, trainer);
	assert_int_equal(w.cancelled_at, 0);
	/* The code: six characters of the unambiguous alphabet, different for every workshop. */
	assert_int_equal(strlen(w.code), 6);
	assert_int_equal(strspn(w.code, "23456789ABCDEFGHJKMNPQRSTUVWXYZ"), 6);
	char first[8];
	snprintf(first, sizeof first, "%s", w.code);
	workshop_free(&w);
	int64_t other = two_days(0, trainer, NULL);
	assert_int_equal(workshop_get(db, other, &w, &e), 0);
	assert_string_not_equal(w.code, first);
	assert_null(w.course_id);
	workshop_free(&w);
	assert_int_equal(workshop_get(db, 987654, &w, &e), ERR_NOTFOUND);
	assert_int_equal(workshop_cancel(db, 987654, T0, &e), ERR_NOTFOUND);
}

static void test_create_refuses_bad_input(void **state)
{
	(void)state;
	struct workshop_day good[] = {{1, T0, T0 + HOUR}};
	struct workshop_day backwards[] = {{1, T0 + HOUR, T0}};
	struct workshop_day overlap[] = {{1, T0, T0 + 5 * HOUR}, {2, T0 + HOUR, T0 + 6 * HOUR}};
	int64_t ghost[] = {99999999};
	struct workshop_new base = {
	    .title = "T", .language = "en", .org_id = org_id(db, "12"), .days = good, .ndays = 1};
	struct {
		struct workshop_new w;
		const char *msg;
	} cases[] = {
	    {{.title = "", .language = "en", .org_id = base.org_id, .days = good, .ndays = 1},
	     "a session needs a title"},
	    {{.title = "T", .language = "fr", .org_id = base.org_id, .days = good, .ndays = 1},
	     "unknown language 'fr' (km or en)"},
	    {{.title = "T", .language = "en", .org_id = base.org_id, .days = good, .ndays = 0},
	     "a session needs at least one day"},
	    {{.title = "T", .language = "en", .org_id = base.org_id, .days = backwards, .ndays = 1},
	     "day 1 ends before it starts"},
	    {{.title = "T", .language = "en", .org_id = base.org_id, .days = overlap, .ndays = 2},
	     "day 2 starts before day 1 ends"},
	    {{.title = "T", .language = "en", .org_id = 777777, .days = good, .ndays = 1}, "no org unit 777777"},
	    {{.title = "T", .language = "en", .org_id = base.org_id, .capacity = -1, .days = good, .ndays = 1},
	     "the capacity cannot be negative"},
	    {{.title = "T", .course_id = "no-such", .language = "en", .org_id = base.org_id, .days = good, .ndays = 1},
	     "no course 'no-such'"},
	    {{.title = "T",
	      .language = "en",
	      .org_id = base.org_id,
	      .days = good,
	      .ndays = 1,
	      .trainers = ghost,
	      .ntrainers = 1},
	     "no user 99999999 to train"},
	};
	int64_t before = db_int(db, "SELECT count(*) FROM workshops", NULL, NULL, -1);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct err e = {""};
		int64_t id = 0;
		assert_int_equal(workshop_create(db, &cases[i].w, T0, &id, &e), ERR_INVALID);
		assert_string_equal(e.msg, cases[i].msg);
	}
	assert_int_equal(db_int(db, "SELECT count(*) FROM workshops", NULL, NULL, -1), before);
	int64_t id = 0;
	struct err e;
	assert_int_equal(workshop_create(db, &base, T0, &id, &e), 0);
	assert_int_equal(db_int(db, "SELECT count(*) FROM workshops", NULL, NULL, -1), before + 1);
}

struct people {
	char text[2048];
	int n;
	char codes[64][8];
};

static int see_person(void *ctx, const struct workshop_person *p)
{
	struct people *s = ctx;
	static const char *const st[] = {"none", "registered", "waitlisted", "cancelled"};
	size_t len = strlen(s->text);
	snprintf(s->text + len, sizeof s->text - len, "%s:%s%s ", p->full_name, st[p->status], p->invited ? "*" : "");
	if (s->n < 64)
		snprintf(s->codes[s->n], sizeof s->codes[0], "%s", p->row_code);
	s->n++;
	return 0;
}

static const char *people_of(int64_t id, struct people *s)
{
	memset(s, 0, sizeof *s);
	struct err e;
	assert_int_equal(workshop_people_list(db, id, see_person, s, &e), 0);
	return s->text;
}

/* Capacity, then the waiting list, which moves up in order when a registered person cancels. */
static void test_capacity_and_waiting_list(void **state)
{
	(void)state;
	int64_t trainer = person("12", "Trainer Two", "");
	int64_t id = two_days(2, trainer, NULL);
	int64_t a = person("12", "Ana", "អាណា"), b = person("12", "Bopha", "បុប្ផា"), c = person("12", "Chea", ""),
		d = person("12", "Dara", "");
	struct err e;
	enum workshop_status s;
	assert_int_equal(workshop_register(db, id, a, T0 - 10 * DAY, &s, &e), 0);
	assert_int_equal(s, WS_REGISTERED);
	assert_int_equal(workshop_invite(db, id, b, T0 - 9 * DAY, &s, &e), 0);
	assert_int_equal(s, WS_REGISTERED);
	assert_int_equal(workshop_register(db, id, c, T0 - 8 * DAY, &s, &e), 0);
	assert_int_equal(s, WS_WAITLISTED);
	assert_int_equal(workshop_register(db, id, d, T0 - 7 * DAY, &s, &e), 0);
	assert_int_equal(s, WS_WAITLISTED);
	/* Again: nothing changes. */
	assert_int_equal(workshop_register(db, id, a, T0 - 6 * DAY, &s, &e), 0);
	assert_int_equal(s, WS_REGISTERED);
	assert_int_equal(workshop_invite(db, id, c, T0 - 6 * DAY, &s, &e), 0);
	assert_int_equal(s, WS_WAITLISTED);
	struct people p;
	assert_string_equal(people_of(id, &p), "Ana:registered Bopha:registered* Chea:waitlisted Dara:waitlisted ");
	/* Row codes: four characters, unique in the workshop, and they find their person. */
	for (int i = 0; i < p.n; i++) {
		assert_int_equal(strlen(p.codes[i]), 4);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(p.codes[i], p.codes[j]);
	}
	int64_t who = 0;
	assert_int_equal(workshop_person_by_row_code(db, id, p.codes[2], &who, &e), 0);
	assert_int_equal(who, c);
	char lower[8];
	for (int i = 0; i < 5; i++)
		lower[i] = (char)(p.codes[3][i] >= 'A' && p.codes[3][i] <= 'Z' ? p.codes[3][i] + 32 : p.codes[3][i]);
	assert_int_equal(workshop_person_by_row_code(db, id, lower, &who, &e), 0);
	assert_int_equal(who, d);
	assert_int_equal(workshop_person_by_row_code(db, id, "0000", &who, &e), ERR_NOTFOUND);
	struct workshop w;
	assert_int_equal(workshop_get(db, id, &w, &e), 0);
	assert_int_equal(w.registered, 2);
	assert_int_equal(w.waitlisted, 2);
	workshop_free(&w);
	/* Ana cancels: Chea (first on the list) moves up, Dara waits. */
	assert_int_equal(workshop_unregister(db, id, a, T0 - 5 * DAY, &e), 0);
	assert_string_equal(people_of(id, &p), "Ana:cancelled Bopha:registered* Chea:registered Dara:waitlisted ");
	assert_int_equal(workshop_person_status(db, id, c, &s, &e), 0);
	assert_int_equal(s, WS_REGISTERED);
	/* A waitlisted person cancelling moves nobody; a person with no place is refused. */
	assert_int_equal(workshop_unregister(db, id, d, T0 - 4 * DAY, &e), 0);
	assert_int_equal(workshop_unregister(db, id, d, T0 - 4 * DAY, &e), ERR_NOTFOUND);
	assert_string_equal(people_of(id, &p), "Ana:cancelled Bopha:registered* Chea:registered Dara:cancelled ");
	/* Ana comes back: the workshop is full, so she waits; her row code is kept. */
	assert_int_equal(workshop_register(db, id, a, T0 - 3 * DAY, &s, &e), 0);
	assert_int_equal(s, WS_WAITLISTED);
	assert_int_equal(workshop_person_by_row_code(db, id, p.codes[0], &who, &e), 0);
	assert_int_equal(who, a);
	/* Registering after the end is refused; so is anything on a cancelled workshop. */
	assert_int_equal(workshop_register(db, id, d, T0 + 3 * DAY, &s, &e), ERR_CONFLICT);
	assert_int_equal(workshop_cancel(db, id, T0 - DAY, &e), 0);
	assert_int_equal(workshop_register(db, id, d, T0 - DAY, &s, &e), ERR_CONFLICT);
	assert_string_equal(e.msg + strlen(e.msg) - strlen("is cancelled"), "is cancelled");
	assert_int_equal(workshop_get(db, id, &w, &e), 0);
	assert_int_equal(w.cancelled_at, T0 - DAY);
	workshop_free(&w);
	assert_int_equal(workshop_register(db, id, 99999999, T0 - 30 * DAY, &s, &e), ERR_CONFLICT);
}

static int count_ids(void *ctx, int64_t id, const char *username)
{
	(void)id;
	(void)username;
	(*(int *)ctx)++;
	return 0;
}

/* Inviting an org subtree: users_in_org_subtree() then one invite each, in one transaction. */
static void test_invite_subtree_and_list(void **state)
{
	(void)state;
	int64_t trainer = person("12", "Trainer Three", "");
	int64_t id = two_days(3, trainer, NULL);
	for (int i = 0; i < 5; i++)
		person("1201", "District clerk", "");
	person("13", "Elsewhere", "");
	int64_t *ids = NULL;
	size_t n = 0;
	struct err e;
	assert_int_equal(users_in_org_subtree(db, org_id(db, "1201"), true, &ids, &n, &e), 0);
	assert_int_equal(n, 5);
	int seen = 0;
	assert_int_equal(users_usernames(db, ids, n, count_ids, &seen, &e), 0);
	assert_int_equal(seen, 5);
	assert_int_equal(db_begin(db, &e), 0);
	int reg = 0, wait = 0;
	for (size_t i = 0; i < n; i++) {
		enum workshop_status s;
		assert_int_equal(workshop_invite(db, id, ids[i], T0 - 10 * DAY, &s, &e), 0);
		reg += s == WS_REGISTERED;
		wait += s == WS_WAITLISTED;
	}
	assert_int_equal(db_commit(db, &e), 0);
	free(ids);
	assert_int_equal(reg, 3);
	assert_int_equal(wait, 2);
	struct workshop w;
	assert_int_equal(workshop_get(db, id, &w, &e), 0);
	assert_int_equal(w.registered, 3);
	assert_int_equal(w.waitlisted, 2);
	workshop_free(&w);
}

struct listed {
	int n;
	int64_t ids[64];
};

static int see_workshop(void *ctx, const struct workshop *w)
{
	struct listed *l = ctx;
	if (l->n < 64)
		l->ids[l->n] = w->id;
	l->n++;
	/* A listed workshop comes with its days and trainers. */
	assert_true(w->ndays >= 1);
	return 0;
}

static bool listed(const struct listed *l, int64_t id)
{
	for (int i = 0; i < l->n && i < 64; i++)
		if (l->ids[i] == id)
			return true;
	return false;
}

static void test_list_filters(void **state)
{
	(void)state;
	int64_t t1 = person("12", "Trainer Four", ""), t2 = person("13", "Trainer Five", "");
	int64_t pp = two_days(0, t1, "one-window-services");
	struct workshop_day later[] = {{1, T0 + 100 * DAY, T0 + 100 * DAY + HOUR}};
	int64_t trainers[] = {t2};
	struct workshop_new w = {.title = "Kandal",
				 .language = "en",
				 .org_id = org_id(db, "13"),
				 .days = later,
				 .ndays = 1,
				 .trainers = trainers,
				 .ntrainers = 1};
	int64_t kd = 0;
	struct err e;
	assert_int_equal(workshop_create(db, &w, T0, &kd, &e), 0);
	int64_t learner = person("1201", "Learner", "");
	assert_int_equal(workshop_register(db, kd, learner, T0, NULL, &e), 0);
	char path12[64];
	assert_int_equal(org_path(db, org_id(db, "12"), path12, sizeof path12), 0);
	struct listed l = {0};
	struct workshop_filter f = {.trainer_id = t1};
	assert_int_equal(workshop_list(db, &f, see_workshop, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.ids[0], pp);
	l = (struct listed){0};
	f = (struct workshop_filter){.org_path = path12};
	assert_int_equal(workshop_list(db, &f, see_workshop, &l, &e), 0);
	assert_true(listed(&l, pp));
	assert_false(listed(&l, kd));
	l = (struct listed){0};
	f = (struct workshop_filter){.user_id = learner};
	assert_int_equal(workshop_list(db, &f, see_workshop, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.ids[0], kd);
	l = (struct listed){0};
	f = (struct workshop_filter){.course_id = "one-window-services", .trainer_id = t1};
	assert_int_equal(workshop_list(db, &f, see_workshop, &l, &e), 0);
	assert_int_equal(l.n, 1);
	/* From / to: the later one only starts after T0 + 50 days; the first ends before. */
	l = (struct listed){0};
	f = (struct workshop_filter){.from = T0 + 50 * DAY};
	assert_int_equal(workshop_list(db, &f, see_workshop, &l, &e), 0);
	assert_true(listed(&l, kd));
	assert_false(listed(&l, pp));
	l = (struct listed){0};
	f = (struct workshop_filter){.to = T0 + 50 * DAY};
	assert_int_equal(workshop_list(db, &f, see_workshop, &l, &e), 0);
	assert_false(listed(&l, kd));
	assert_true(listed(&l, pp));
	/* Cancelled ones only when asked for. */
	assert_int_equal(workshop_cancel(db, kd, T0, &e), 0);
	l = (struct listed){0};
	f = (struct workshop_filter){.trainer_id = t2};
	assert_int_equal(workshop_list(db, &f, see_workshop, &l, &e), 0);
	assert_int_equal(l.n, 0);
	f.include_cancelled = true;
	assert_int_equal(workshop_list(db, &f, see_workshop, &l, &e), 0);
	assert_int_equal(l.n, 1);
}

struct marks {
	char text[1024];
};

static int see_mark(void *ctx, const struct attendance_mark_row *m)
{
	struct marks *s = ctx;
	size_t len = strlen(s->text);
	snprintf(s->text + len, sizeof s->text - len, "%d:%s:%s:%s ", m->day, attendance_status_name(m->status),
		 attendance_method_name(m->method), m->marked_by ? "by" : "cli");
	return 0;
}

static void test_attendance(void **state)
{
	(void)state;
	assert_string_equal(attendance_status_name(ATT_EXCUSED), "excused");
	assert_string_equal(attendance_method_name(ATT_BY_QR), "qr");
	assert_int_equal(attendance_status_parse("absent"), ATT_ABSENT);
	assert_int_equal(attendance_status_parse("late"), -1);
	assert_int_equal(attendance_status_parse(NULL), -1);
	int64_t trainer = person("12", "Trainer Six", "");
	int64_t id = two_days(1, trainer, "one-window-services");
	int64_t a = person("12", "Ana", ""), b = person("12", "Bo", ""), outsider = person("12", "Out", "");
	struct err e;
	enum workshop_status s;
	assert_int_equal(workshop_invite(db, id, a, T0 - DAY, &s, &e), 0);
	assert_int_equal(workshop_invite(db, id, b, T0 - DAY, &s, &e), 0);
	assert_int_equal(s, WS_WAITLISTED);
	assert_int_equal(attendance_mark(db, id, a, 1, ATT_PRESENT, ATT_BY_TRAINER, trainer, T0 + 9 * HOUR, &e), 0);
	assert_int_equal(attendance_mark(db, id, a, 2, ATT_ABSENT, ATT_BY_SHEET, 0, T0 + DAY + 9 * HOUR, &e), 0);
	struct marks m = {""};
	assert_int_equal(attendance_list(db, id, 0, see_mark, &m, &e), 0);
	assert_string_equal(m.text, "1:present:trainer:by 2:absent:sheet:cli ");
	/* A later mark replaces the earlier one, with its method and author. */
	assert_int_equal(attendance_mark(db, id, a, 2, ATT_EXCUSED, ATT_BY_IMPORT, trainer, T0 + 2 * DAY, &e), 0);
	m = (struct marks){""};
	assert_int_equal(attendance_list(db, id, 2, see_mark, &m, &e), 0);
	assert_string_equal(m.text, "2:excused:import:by ");
	int64_t days = -1;
	assert_int_equal(attendance_present_days(db, a, "one-window-services", &days, &e), 0);
	assert_int_equal(days, 1);
	assert_int_equal(attendance_mark(db, id, a, 2, ATT_PRESENT, ATT_BY_QR, a, T0 + 2 * DAY, &e), 0);
	assert_int_equal(attendance_present_days(db, a, "one-window-services", &days, &e), 0);
	assert_int_equal(days, 2);
	assert_int_equal(attendance_present_days(db, b, "one-window-services", &days, &e), 0);
	assert_int_equal(days, 0);
	/* Refused: a waitlisted person, someone not listed, a day that does not exist, no such workshop. */
	assert_int_equal(attendance_mark(db, id, b, 1, ATT_PRESENT, ATT_BY_TRAINER, trainer, T0, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "is not registered for session"));
	assert_int_equal(attendance_mark(db, id, outsider, 1, ATT_PRESENT, ATT_BY_TRAINER, trainer, T0, &e),
			 ERR_INVALID);
	assert_int_equal(attendance_mark(db, id, a, 3, ATT_PRESENT, ATT_BY_TRAINER, trainer, T0, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "has no day 3"));
	assert_int_equal(attendance_mark(db, 99999999, a, 1, ATT_PRESENT, ATT_BY_TRAINER, trainer, T0, &e),
			 ERR_NOTFOUND);
	/* Ana cancels: Bo moves up and may now be marked; Ana may not. */
	assert_int_equal(workshop_unregister(db, id, a, T0 + 2 * DAY, &e), 0);
	assert_int_equal(attendance_mark(db, id, b, 1, ATT_PRESENT, ATT_BY_TRAINER, trainer, T0, &e), 0);
	assert_int_equal(attendance_mark(db, id, a, 1, ATT_PRESENT, ATT_BY_TRAINER, trainer, T0, &e), ERR_INVALID);
	assert_int_equal(workshop_cancel(db, id, T0 + 3 * DAY, &e), 0);
	assert_int_equal(attendance_mark(db, id, b, 2, ATT_PRESENT, ATT_BY_TRAINER, trainer, T0, &e), ERR_CONFLICT);
	m = (struct marks){""};
	assert_int_equal(attendance_list(db, id, 1, see_mark, &m, &e), 0);
	assert_string_equal(m.text, "1:present:trainer:by 1:present:trainer:by ");
}

/* Days as typed ("YYYY-MM-DD HH:MM-HH:MM", Cambodia's time) and as shown. */
static void test_day_parse_and_format(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int64_t starts, ends; /* 0: refused */
		const char *msg;
	} cases[] = {
	    {"2030-01-01 08:00-16:00", T0 + HOUR, T0 + 9 * HOUR, NULL},
	    {"2030-01-01T07:00-07:01", T0, T0 + 60, NULL},
	    {"2030-01-01 00:30-23:59", T0 - 7 * HOUR + 1800, T0 + 17 * HOUR - 60, NULL},
	    {"2030-01-01 16:00-08:00", 0, 0, "on 2030-01-01 the end 08:00 is not after the start 16:00"},
	    {"2030-01-01 08:00-08:00", 0, 0, "on 2030-01-01 the end 08:00 is not after the start 08:00"},
	    {"2030-02-30 08:00-16:00", 0, 0, "'2030-02-30' is not a date (YYYY-MM-DD)"},
	    {"2030-01-01 24:00-25:00", 0, 0, "'24:00' is not a time (HH:MM)"},
	    {"2030-01-01 08:60-09:00", 0, 0, "'08:60' is not a time (HH:MM)"},
	    {"2030-01-01 8:00-16:00", 0, 0, "'2030-01-01 8:00-16:00' is not a day (YYYY-MM-DD HH:MM-HH:MM)"},
	    {"2030-01-01", 0, 0, "'2030-01-01' is not a day (YYYY-MM-DD HH:MM-HH:MM)"},
	    {"", 0, 0, "'' is not a day (YYYY-MM-DD HH:MM-HH:MM)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct workshop_day d = {0};
		struct err e = {""};
		int rc = workshop_day_parse(cases[i].in, &d, &e);
		if (!cases[i].msg) {
			assert_int_equal(rc, 0);
			assert_int_equal(d.starts_at, cases[i].starts);
			assert_int_equal(d.ends_at, cases[i].ends);
			char out[32];
			workshop_day_format(&d, out, sizeof out);
			char want[32];
			snprintf(want, sizeof want, "%s", cases[i].in);
			want[10] = ' ';
			assert_string_equal(out, want);
		} else {
			assert_int_equal(rc, ERR_INVALID);
			assert_string_equal(e.msg, cases[i].msg);
		}
	}
	assert_int_equal(workshop_day_parse(NULL, &(struct workshop_day){0}, NULL), ERR_INVALID);
	assert_string_equal(workshop_status_name(WS_WAITLISTED), "waitlisted");
	assert_string_equal(workshop_status_name(WS_NONE), "");
}

/* An org subtree invited at once: active accounts only, people already listed not counted twice. */
static void test_invite_org(void **state)
{
	(void)state;
	int64_t trainer = person("12", "Trainer Seven", "");
	int64_t id = two_days(2, trainer, NULL);
	int64_t a = person("1201", "Sub A", ""), b = person("1201", "Sub B", ""), c = person("1201", "Sub C", "");
	struct err e;
	assert_int_equal(user_set_active(db, c, false, &e), 0);
	assert_int_equal(workshop_register(db, id, b, T0 - DAY, NULL, &e), 0);
	int reg = -1, wait = -1;
	int64_t before = db_int(db, "SELECT count(*) FROM workshop_people", NULL, NULL, -1);
	assert_int_equal(workshop_invite_org(db, id, org_id(db, "1201"), T0 - DAY, &reg, &wait, &e), 0);
	/* The district has the accounts of the earlier tests too: every active one is listed now. */
	int64_t active = db_int(db,
				"SELECT count(*) FROM users u JOIN org_units o ON o.id = u.org_id WHERE o.code = "
				"'1201' AND u.active = 1",
				NULL, NULL, -1);
	assert_int_equal(reg + wait, active - 1); /* b had a place already */
	assert_int_equal(reg, 1);		  /* two places: b's and one more */
	assert_int_equal(db_int(db, "SELECT count(*) FROM workshop_people", NULL, NULL, -1), before + active - 1);
	enum workshop_status s;
	assert_int_equal(workshop_person_status(db, id, c, &s, &e), 0);
	assert_int_equal(s, WS_NONE);
	assert_int_equal(workshop_person_status(db, id, a, &s, &e), 0);
	assert_true(s == WS_REGISTERED || s == WS_WAITLISTED);
	/* Again: nothing new. An unknown unit: refused, nothing changed. */
	assert_int_equal(workshop_invite_org(db, id, org_id(db, "1201"), T0 - DAY, &reg, &wait, &e), 0);
	assert_int_equal(reg + wait, 0);
	assert_true(workshop_invite_org(db, id, 999999, T0 - DAY, &reg, &wait, &e) < 0);
	assert_int_equal(db_int(db, "SELECT count(*) FROM workshop_people", NULL, NULL, -1), before + active - 1);
	/* A list in its order: places first, a name given twice once, a cancelled place taken up again. */
	int64_t other = two_days(2, trainer, NULL);
	int64_t p1 = person("12", "Many One", ""), p2 = person("12", "Many Two", ""),
		p3 = person("12", "Many Three", "");
	assert_int_equal(workshop_register(db, other, p3, T0 - 2 * DAY, NULL, &e), 0);
	assert_int_equal(workshop_unregister(db, other, p3, T0 - 2 * DAY, &e), 0);
	int64_t list[] = {p2, p2, p3, p1};
	assert_int_equal(workshop_invite_many(db, other, list, 4, T0 - DAY, &reg, &wait, &e), 0);
	assert_int_equal(reg, 2);
	assert_int_equal(wait, 1);
	struct people pl;
	assert_string_equal(people_of(other, &pl), "Many One:waitlisted* Many Three:registered* Many Two:registered* ");
	assert_int_equal(workshop_cancel(db, other, T0, &e), 0);
	assert_int_equal(workshop_invite_many(db, other, list, 4, T0, &reg, &wait, &e), ERR_CONFLICT);
}

#define TRAINING_TESTS                                                                                                 \
	cmocka_unit_test(test_create_and_get), cmocka_unit_test(test_create_refuses_bad_input),                        \
	    cmocka_unit_test(test_capacity_and_waiting_list), cmocka_unit_test(test_invite_subtree_and_list),          \
	    cmocka_unit_test(test_list_filters), cmocka_unit_test(test_attendance),                                    \
	    cmocka_unit_test(test_day_parse_and_format), cmocka_unit_test(test_invite_org)

int main(void)
{
	const struct CMUnitTest tests[] = {TRAINING_TESTS};
	int failed = cmocka_run_group_tests_name("sqlite", tests, open_sqlite, close_db);
	failed += cmocka_run_group_tests_name("postgresql", tests, open_pg, close_db);
	return failed;
}
