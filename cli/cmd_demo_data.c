/* Bundled courses and synthetic learners for the demo database. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "certificates/cert.h"
#include "courses/history.h"
#include "lib/db.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "reports/report.h"

#include <sys/stat.h>
#include "cli/demo.h"
#include "courses/import.h"
#include "courses/learn.h"

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Imports every folder of courses/library (or $SALA_COURSES_DIR), in name order. */
int demo_courses(struct db *db)
{
	const char *root = getenv("SALA_COURSES_DIR");
	if (!root || !*root)
		root = "courses/library";
	DIR *d = opendir(root);
	if (!d) {
		fprintf(stderr, "sala: demo: cannot open the course library '%s': %s\n", root, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s/course.yml", root, de->d_name);
		struct stat st;
		if (stat(path, &st) == 0) {
			names = xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = xstrdup(de->d_name);
		}
		free(path);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_name);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", root, names[i]);
		struct import_opts o = {.by = "demo"};
		struct problems pr = {0};
		struct err e;
		char msg[512];
		if (rc == 0 && package_import_path(db, path, &o, &pr, msg, sizeof msg, &e) < 0) {
			fprintf(stderr, "%ssala: demo: cannot import %s: %s\n", buf_str(&pr.text), path, e.msg);
			rc = -1;
		} else if (rc == 0) {
			printf("%s\n", msg);
		}
		problems_release(&pr);
		free(path);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* ---- synthetic learners: demo_learners() ---- */

/* The one password of every synthetic learner (demo000001, demo000002, ...). */
#define DEMO_LEARNER_PASSWORD "demo-Mekong-4"
/* The interface language of every synthetic learner: it picks the package whose title a certificate shows. */
#define DEMO_LEARNER_LANG "km"

/* xorshift64*: a fixed seed, so every demo database has the same learners. */
static uint64_t demo_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static double demo_unit(uint64_t *s)
{
	return (double)(demo_rand(s) >> 11) / 9007199254740992.0;
}

static int64_t demo_below(uint64_t *s, int64_t n)
{
	return n > 0 ? (int64_t)(demo_rand(s) % (uint64_t)n) : 0;
}

struct demo_name {
	const char *en, *km;
};

static const struct demo_name demo_family[] = {
    {"Sok", "សុខ"},   {"Chan", "ចាន់"},  {"Keo", "កែវ"},	{"Heng", "ហេង"}, {"Lim", "លឹម"},
    {"Meas", "មាស"}, {"Prak", "ប្រាក់"}, {"Sam", "សំ"},	{"Ouk", "អ៊ុក"},	 {"Chea", "ជា"},
    {"Nhem", "ញឹម"},  {"Pich", "ពេជ្រ"}, {"Seng", "សេង"}, {"Mao", "ម៉ៅ"},	 {"Tep", "ទេព"},
};
static const struct demo_name demo_given_f[] = {
    {"Sophea", "សុភា"}, {"Sreymom", "ស្រីមុំ"}, {"Chanthy", "ចន្ធី"}, {"Bopha", "បុប្ផា"}, {"Sokha", "សុខា"},
    {"Vanna", "វណ្ណា"}, {"Kanha", "កញ្ញា"},  {"Raksmey", "រស្មី"}, {"Malis", "ម្លិះ"},  {"Sreyneang", "ស្រីនាង"},
};
static const struct demo_name demo_given_m[] = {
    {"Vuthy", "វុទ្ធី"},	 {"Rithy", "រិទ្ធី"},  {"Sovann", "សុវណ្ណ"}, {"Piseth", "ពិសិដ្ឋ"}, {"Vibol", "វិបុល"},
    {"Samnang", "សំណាង"}, {"Sophal", "សុផល"}, {"Kosal", "កុសល"},	{"Makara", "មករា"}, {"Bunthoeun", "ប៊ុនធឿន"},
};
static const char *const demo_positions[] = {"Commune clerk",	 "Deputy chief",       "Accountant",
					     "Planning officer", "One-window officer", "Administration officer"};

/* Where learners are placed, with how readily people there finish courses. */
struct demo_place {
	int64_t id;
	char code[40];
	double drive;	  /* of the province: share who go on to complete */
	double women_gap; /* of the district: women's completion relative to men's */
	int64_t province; /* the org unit id of its province */
};

struct demo_gen {
	struct db *db;
	uint64_t seed;
	struct demo_place *places;
	size_t nplaces, cap;
	/* The courses, with the package a certificate names as cert_issue_on_completion picks it. */
	struct course_plan *courses;
	size_t ncourses;
	const char *hash; /* the one precomputed password hash */
	long enrolments, progress, certificates;
	/* Certificates are signed like issued ones: the site key, loaded once, and the issuer settings. */
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char *issuer, *issuer_km;
	struct buf payload;
	struct err e;
	int64_t province;	    /* the province whose places are being added */
	long first;		    /* the sequence number before this run's first learner */
	struct demo_person *people; /* the learners added, for their face-to-face sessions */
};

static void demo_place_add(struct demo_gen *g, int64_t id, const char *code, double drive, double gap)
{
	if (g->nplaces == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 256;
		g->places = xrealloc(g->places, g->cap * sizeof *g->places);
	}
	struct demo_place *p = &g->places[g->nplaces++];
	*p = (struct demo_place){.id = id, .drive = drive, .women_gap = gap, .province = g->province};
	snprintf(p->code, sizeof p->code, "%s", code);
}

/* The districts and communes of one province: every existing district, then new ones up to four, three communes each.
 */
static int demo_province(struct demo_gen *g, const struct org_entry *pr)
{
	double drive = 0.35 + 0.5 * demo_unit(&g->seed);
	g->province = pr->id;
	demo_place_add(g, pr->id, pr->code, drive, 0.9);
	for (int d = 1;; d++) {
		char dcode[64], en[320], km[320];
		int64_t did = -1;
		/* Every existing district of the province (the demo ones of 17, 02 and 12), then new ones up to four.
		 */
		int found = org_child_at(g->db, pr->id, "district", d - 1, &did, dcode, sizeof dcode, &g->e);
		if (found < 0)
			return -1;
		if (!found && d > 4)
			return 0;
		if (!found) {
			snprintf(dcode, sizeof dcode, "%s%02d", pr->code, 50 + d);
			snprintf(en, sizeof en, "%s demo district %d", pr->name_en, d);
			snprintf(km, sizeof km, "ស្រុកសាកល្បង %d %s", d, pr->name_km);
			did = org_ensure_demo(g->db, dcode, en, km, pr->code, "district", &g->e);
			if (did < 0)
				return -1;
		}
		/* Some districts where women fall behind, some where they lead. */
		double gap = 0.55 + 0.6 * demo_unit(&g->seed);
		demo_place_add(g, did, dcode, drive, gap);
		for (int c = 1; c <= 3; c++) {
			char ccode[80];
			snprintf(ccode, sizeof ccode, "%s%02d", dcode, c);
			snprintf(en, sizeof en, "Demo commune %s", ccode);
			snprintf(km, sizeof km, "ឃុំសាកល្បង %s", ccode);
			int64_t cid = org_ensure_demo(g->db, ccode, en, km, dcode, "commune", &g->e);
			if (cid < 0)
				return -1;
			demo_place_add(g, cid, ccode, drive, gap);
		}
	}
}

/* At least four districts of three communes in every province (existing units are reused). */
static int demo_places(struct demo_gen *g)
{
	struct org_entry *prov;
	size_t n;
	if (orgs_of_level(g->db, "province", &prov, &n, &g->e) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = demo_province(g, &prov[i]);
	org_entries_free(prov, n);
	return rc;
}

static double demo_score(uint64_t *s, double lo, double hi)
{
	return (double)(int64_t)((lo + (hi - lo) * demo_unit(s)) * 10) / 10;
}

/*
 * The certificate of a completion, signed with the site key like one that
 * cert_issue_on_completion() issues (so /verify says valid); serial
 * DEMO-<user>-<course>, issued at the completion, 2 % revoked.
 */
static int demo_certificate(struct demo_gen *g, int64_t uid, const struct demo_place *pl, const struct demo_name *fam,
			    const struct demo_name *given, size_t ci, int64_t completed, double score, int64_t now)
{
	const struct course_plan *dc = &g->courses[ci];
	char day[11], name[128], name_km[128];
	date_ymd(completed, day);
	snprintf(name, sizeof name, "%s %s", fam->en, given->en);
	snprintf(name_km, sizeof name_km, "%s %s", fam->km, given->km);
	/* Borrowed strings: c is only signed and stored here, never released. */
	struct cert c = {.user_id = uid,
			 .org_id = pl->id,
			 .issued_at = completed,
			 .course_id = dc->id,
			 .language = dc->language,
			 .course_title = dc->title,
			 .name = name,
			 .name_km = name_km,
			 .completed_on = day,
			 .issuer = g->issuer,
			 .issuer_km = g->issuer_km,
			 .score = score,
			 .has_score = true};
	snprintf(c.serial, sizeof c.serial, "DEMO-%lld-%zu", (long long)uid, ci);
	int64_t revoked = demo_unit(&g->seed) < 0.02 ? completed + 30 * 86400 : 0;
	if (cert_record(g->db, &c, g->sk, revoked && revoked < now ? revoked : 0, "demo", &g->payload, &g->e) < 0)
		return -1;
	g->certificates++;
	return 0;
}

/* One enrolment with its milestones, lessons opened and certificate. */
static int demo_enrol(struct demo_gen *g, int64_t uid, const struct demo_place *pl, const char *sex,
		      const struct demo_name *fam, const struct demo_name *given, size_t ci, int64_t now)
{
	const struct course_plan *c = &g->courses[ci];
	uint64_t *s = &g->seed;
	int64_t enrolled = now - demo_below(s, 548 * 86400);
	int64_t started = 0, completed = 0;
	if (demo_unit(s) < 0.55 + 0.35 * pl->drive)
		started = enrolled + demo_below(s, 21 * 86400);
	double finish = pl->drive * (strcmp(sex, "female") == 0 ? pl->women_gap : 1.0);
	if (started && started < now && demo_unit(s) < finish)
		completed = started + 2 * 86400 + demo_below(s, 88 * 86400);
	if (started >= now)
		started = 0;
	if (completed >= now)
		completed = 0;
	bool has_final = completed || (started && demo_unit(s) < 0.3);
	double best = completed ? demo_score(s, 70, 100) : demo_score(s, 20, 69.9);
	bool has_pre = c->pretest && started;
	double pre = demo_score(s, 15, 75);
	struct enrolment_record r = {.user_id = uid,
				     .course_id = c->id,
				     .source = demo_unit(s) < 0.7 ? "self" : "assigned",
				     .enrolled_at = enrolled,
				     .started_at = started,
				     .completed_at = completed,
				     .has_final = has_final,
				     .best_final = best,
				     .has_pretest = has_pre,
				     .pretest = pre};
	if (enrolment_record(g->db, &r, &g->e) < 0)
		return -1;
	g->enrolments++;
	if (!started)
		return 0;
	int opened = completed ? c->nlessons : 1 + (int)demo_below(s, c->nlessons > 1 ? c->nlessons - 1 : 1);
	int64_t span = (completed ? completed : now) - started;
	for (int k = 0; k < opened && k < c->nlessons; k++) {
		if (progress_record(g->db, uid, c->id, c->lessons[k], started + span * k / (c->nlessons + 1), &g->e) <
		    0)
			return -1;
		g->progress++;
	}
	if (!completed || !c->certificate)
		return 0;
	return demo_certificate(g, uid, pl, fam, given, ci, completed, best, now);
}

/* One learner: an account made by user_add() (learner role), one to six enrolments. */
static int demo_learner(struct demo_gen *g, long seq, int64_t now, size_t *order)
{
	uint64_t *s = &g->seed;
	double x = demo_unit(s);
	const char *sex = x < 0.40 ? "female" : x < 0.95 ? "male" : x < 0.98 ? "other" : "unspecified";
	bool fem = strcmp(sex, "female") == 0 || (strcmp(sex, "male") != 0 && demo_unit(s) < 0.5);
	const struct demo_name *fam = &demo_family[demo_below(s, sizeof demo_family / sizeof demo_family[0])];
	const struct demo_name *given = fem ? &demo_given_f[demo_below(s, 10)] : &demo_given_m[demo_below(s, 10)];
	/* Places are provinces, districts and communes (1 + 4 + 12 a province): most people work at communes. */
	const struct demo_place *pl = &g->places[demo_below(s, (int64_t)g->nplaces)];
	char username[32], name[128], name_km[128];
	snprintf(username, sizeof username, "demo%06ld", seq);
	snprintf(name, sizeof name, "%s %s", fam->en, given->en);
	snprintf(name_km, sizeof name_km, "%s %s", fam->km, given->km);
	const char *position = demo_positions[demo_below(s, sizeof demo_positions / sizeof demo_positions[0])];
	struct user_input u = {.username = username,
			       .password_hash = g->hash,
			       .full_name = name,
			       .full_name_km = name_km,
			       .sex = sex,
			       .org_code = pl->code,
			       .position = position,
			       .roles = "learner",
			       .lang = DEMO_LEARNER_LANG,
			       .is_demo = true,
			       .created_at = now - 548 * 86400 - demo_below(s, 180 * 86400)};
	int64_t uid = user_add(g->db, &u, &g->e);
	if (uid < 0)
		return -1;
	g->people[seq - 1 - g->first] = (struct demo_person){uid, pl->province, sex, pl->id};
	/* One to six distinct courses (mean 3.7, about ten lessons opened): a partial shuffle of the course order. */
	static const int weights[] = {1, 2, 3, 3, 4, 4, 4, 5, 5, 6};
	size_t k = (size_t)weights[demo_below(s, 10)];
	if (k > g->ncourses)
		k = g->ncourses;
	for (size_t i = 0; i < k; i++) {
		size_t j = i + (size_t)demo_below(s, (int64_t)(g->ncourses - i));
		size_t t = order[i];
		order[i] = order[j];
		order[j] = t;
		if (demo_enrol(g, uid, pl, sex, fam, given, order[i], now) < 0)
			return -1;
	}
	return 0;
}

int demo_learners(struct db *db, long n)
{
	struct err e;
	if (n <= 0)
		return 0;
	if (n > 10000000) {
		fprintf(stderr, "sala: demo: at most 10000000 learners\n");
		return -1;
	}
	if (orgs_seed(db, &e) < 0) {
		fprintf(stderr, "sala: demo: %s\n", e.msg);
		return -1;
	}
	/* One argon2id hash for every synthetic learner: hashing N times would take N x 60 ms. */
	char hash[crypto_pwhash_STRBYTES];
	if (password_hash(DEMO_LEARNER_PASSWORD, hash, &e) < 0) {
		fprintf(stderr, "sala: demo: %s\n", e.msg);
		return -1;
	}
	struct demo_gen g = {.db = db, .seed = 0x5A1A5A1Aull, .hash = hash};
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	if (cert_key_load(db, g.sk, pk, &e) < 0) {
		fprintf(stderr, "sala: demo: %s\n", e.msg);
		return -1;
	}
	if (db_begin(db, &e) < 0) {
		fprintf(stderr, "sala: demo: %s\n", e.msg);
		sodium_memzero(g.sk, sizeof g.sk);
		return -1;
	}
	/* The report aggregates are built once at the end, from all the rows, rather than row by row. */
	if (report_agg_pause(db, &e) < 0) {
		fprintf(stderr, "sala: demo: %s\n", e.msg);
		db_rollback(db);
		sodium_memzero(g.sk, sizeof g.sk);
		return -1;
	}
	g.issuer = setting_value(db, "issuer_en");
	g.issuer_km = setting_value(db, "issuer_km");
	int64_t base = users_demo_learners_count(db);
	int rc = base < 0 ? err_set(&g.e, "cannot count the demo learners: %s", db_errstr(db)) : 0;
	g.seed += (uint64_t)(base > 0 ? base : 0);
	if (rc == 0)
		rc = demo_places(&g);
	if (rc == 0)
		rc = course_plans(db, DEMO_LEARNER_LANG, &g.courses, &g.ncourses, &g.e);
	size_t *order = xcalloc(g.ncourses + 1, sizeof *order);
	for (size_t i = 0; i < g.ncourses; i++)
		order[i] = i;
	int64_t now = now_s();
	g.first = (long)(base > 0 ? base : 0);
	g.people = xcalloc((size_t)n, sizeof *g.people);
	/* On PostgreSQL the enrolments and lessons opened go without waiting, with each next account's insert (one
	 * round trip a learner, not about fifteen). */
	db_pipeline(db, true);
	for (long i = 0; i < n && rc == 0; i++)
		rc = demo_learner(&g, (long)base + i + 1, now, order);
	if (rc == 0)
		rc = db_sync(db, &g.e);
	db_pipeline(db, false);
	long sessions = 0, marks = 0, answers = 0;
	if (rc == 0) {
		const char **ids = xcalloc(g.ncourses + 1, sizeof *ids);
		for (size_t i = 0; i < g.ncourses; i++)
			ids[i] = g.courses[i].id;
		rc = demo_sessions(db, g.people, (size_t)n, ids, g.ncourses, now, &sessions, &marks, &answers, &g.e);
		free(ids);
	}
	free(g.people);
	/* After the sessions: their attendance marks may complete courses (the aggregates are paused). */
	if (rc == 0 && report_agg_rebuild(db, &g.e) < 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "sala: demo: cannot add learners: %s\n", g.e.msg);
	sodium_memzero(g.sk, sizeof g.sk);
	free(g.issuer);
	free(g.issuer_km);
	buf_release(&g.payload);
	free(order);
	course_plans_free(g.courses, g.ncourses);
	free(g.places);
	if (rc < 0) {
		db_rollback(db);
		return -1;
	}
	if (db_commit(db, &e) < 0) {
		fprintf(stderr, "sala: demo: %s\n", e.msg);
		return -1;
	}
	printf("sala: added %ld demo learners (password %s): %ld enrolments in %zu courses, %ld lessons opened, "
	       "%ld certificates\n",
	       n, DEMO_LEARNER_PASSWORD, g.enrolments, g.ncourses, g.progress, g.certificates);
	if (!g.ncourses)
		printf("sala: there are no courses yet, so the learners have no enrolments\n");
	printf("sala: added %ld face-to-face sessions with %ld attendance marks and %ld survey answers\n", sessions,
	       marks, answers);
	return 0;
}
