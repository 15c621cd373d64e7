/* Bundled courses and synthetic learners for the demo database. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "certificates/cert.h"
#include "lib/db.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#include "cli/demo.h"
#include "courses/import.h"
#include "courses/learn.h"
#include <sys/stat.h>

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Imports every folder of courses/library (or $SALA_COURSES_DIR), in name order. */
int demo_courses(sqlite3 *db)
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
	{"Sok", "សុខ"},	  {"Chan", "ចាន់"}, {"Keo", "កែវ"},	{"Heng", "ហេង"}, {"Lim", "លឹម"},
	{"Meas", "មាស"},  {"Prak", "ប្រាក់"}, {"Sam", "សំ"},	{"Ouk", "អ៊ុក"},	 {"Chea", "ជា"},
	{"Nhem", "ញឹម"},  {"Pich", "ពេជ្រ"}, {"Seng", "សេង"}, {"Mao", "ម៉ៅ"},	 {"Tep", "ទេព"},
};
static const struct demo_name demo_given_f[] = {
	{"Sophea", "សុភា"}, {"Sreymom", "ស្រីមុំ"}, {"Chanthy", "ចន្ធី"}, {"Bopha", "បុប្ផា"}, {"Sokha", "សុខា"},
	{"Vanna", "វណ្ណា"}, {"Kanha", "កញ្ញា"},	   {"Raksmey", "រស្មី"}, {"Malis", "ម្លិះ"},	 {"Sreyneang", "ស្រីនាង"},
};
static const struct demo_name demo_given_m[] = {
	{"Vuthy", "វុទ្ធី"}, {"Rithy", "រិទ្ធី"},	  {"Sovann", "សុវណ្ណ"}, {"Piseth", "ពិសិដ្ឋ"}, {"Vibol", "វិបុល"},
	{"Samnang", "សំណាង"}, {"Sophal", "សុផល"}, {"Kosal", "កុសល"},	  {"Makara", "មករា"},	 {"Bunthoeun", "ប៊ុនធឿន"},
};
static const char *const demo_positions[] = {"Commune clerk",   "Deputy chief",	      "Accountant",
					     "Planning officer", "One-window officer", "Administration officer"};

/* Where learners are placed, with how readily people there finish courses. */
struct demo_place {
	int64_t id;
	double drive;	  /* of the province: share who go on to complete */
	double women_gap; /* of the district: women's completion relative to men's */
};

struct demo_course {
	char *id;
	char *title, *language; /* of the package a certificate names, as cert_issue_on_completion picks it */
	char **lessons;
	int nlessons;
	bool pretest, certificate;
};

struct demo_gen {
	sqlite3 *db;
	uint64_t seed;
	struct demo_place *places;
	size_t nplaces, cap;
	struct demo_course *courses;
	size_t ncourses;
	sqlite3_stmt *org_ins, *org_path, *user_ins, *role_ins, *enrol_ins, *progress_ins, *cert_ins;
	long enrolments, progress, certificates;
	/* Certificates are signed like issued ones: the site key, loaded once, and the issuer settings. */
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char *issuer, *issuer_km;
	struct buf payload;
};

static void demo_place_add(struct demo_gen *g, int64_t id, double drive, double gap)
{
	if (g->nplaces == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 256;
		g->places = xrealloc(g->places, g->cap * sizeof *g->places);
	}
	g->places[g->nplaces++] = (struct demo_place){id, drive, gap};
}

/* The id of unit code, creating it (is_demo = 1) under parent when absent. */
static int64_t demo_unit_get(struct demo_gen *g, const char *code, const char *en, const char *km, int64_t parent,
			     const char *level)
{
	int64_t id = db_int(g->db, "SELECT id FROM org_units WHERE code = ?", code, NULL, -1);
	if (id >= 0)
		return id;
	sqlite3_reset(g->org_ins);
	db_bind_text(g->org_ins, 1, code);
	db_bind_text(g->org_ins, 2, en);
	db_bind_text(g->org_ins, 3, km);
	sqlite3_bind_int64(g->org_ins, 4, parent);
	db_bind_text(g->org_ins, 5, level);
	if (db_step_done(g->org_ins) < 0)
		return -1;
	id = sqlite3_last_insert_rowid(g->db);
	sqlite3_reset(g->org_path);
	sqlite3_bind_int64(g->org_path, 1, id);
	return db_step_done(g->org_path) == 0 ? id : -1;
}

/* At least four districts of three communes in every province (existing units are reused). */
static int demo_places(struct demo_gen *g)
{
	sqlite3_stmt *st = db_stmt(g->db, "SELECT id, code, name_en, name_km FROM org_units WHERE level = "
					     "'province' ORDER BY code");
	int rc = 0;
	while (rc == 0 && db_step_row(st) > 0) {
		int64_t pid = sqlite3_column_int64(st, 0);
		char pcode[40], pname[256], pname_km[256];
		snprintf(pcode, sizeof pcode, "%s", db_col_text(st, 1));
		snprintf(pname, sizeof pname, "%s", db_col_text(st, 2));
		snprintf(pname_km, sizeof pname_km, "%s", db_col_text(st, 3));
		double drive = 0.35 + 0.5 * demo_unit(&g->seed);
		demo_place_add(g, pid, drive, 0.9);
		for (int d = 1; rc == 0; d++) {
			char dcode[64], en[320], km[320];
			int64_t did = -1;
			/* Every existing district of the province (the demo ones of 17, 02 and 12), then new ones up to four. */
			sqlite3_stmt *ex = db_stmt(g->db, "SELECT id, code FROM org_units WHERE parent_id = ?1 AND "
							     "level = 'district' ORDER BY code LIMIT 1 OFFSET ?2");
			sqlite3_bind_int64(ex, 1, pid);
			sqlite3_bind_int(ex, 2, d - 1);
			if (db_step_row(ex) > 0) {
				did = sqlite3_column_int64(ex, 0);
				snprintf(dcode, sizeof dcode, "%s", db_col_text(ex, 1));
			}
			db_finish(ex);
			if (did < 0 && d > 4)
				break;
			if (did < 0) {
				snprintf(dcode, sizeof dcode, "%s%02d", pcode, 50 + d);
				snprintf(en, sizeof en, "%s demo district %d", pname, d);
				snprintf(km, sizeof km, "ស្រុកសាកល្បង %d %s", d, pname_km);
				did = demo_unit_get(g, dcode, en, km, pid, "district");
			}
			if (did < 0) {
				rc = -1;
				break;
			}
			/* Some districts where women fall behind, some where they lead. */
			double gap = 0.55 + 0.6 * demo_unit(&g->seed);
			demo_place_add(g, did, drive, gap);
			for (int c = 1; c <= 3; c++) {
				char ccode[80];
				snprintf(ccode, sizeof ccode, "%s%02d", dcode, c);
				snprintf(en, sizeof en, "Demo commune %s", ccode);
				snprintf(km, sizeof km, "ឃុំសាកល្បង %s", ccode);
				int64_t cid = demo_unit_get(g, ccode, en, km, did, "commune");
				if (cid < 0) {
					rc = -1;
					break;
				}
				demo_place_add(g, cid, drive, gap);
			}
		}
	}
	db_finish(st);
	return rc;
}

/*
 * The courses that exist, with their lesson paths (of the package the learners
 * see, course_pick_package() in their language), whether they have a pretest,
 * and that package for the certificate, as cert_issue_on_completion() picks it,
 * so no certificate for a course without any package.
 */
static void demo_load_courses(struct demo_gen *g)
{
	sqlite3_stmt *st = db_stmt(g->db, "SELECT c.id FROM courses c ORDER BY c.id");
	sqlite3_stmt *items = db_stmt(g->db, "SELECT path, type, quiz_kind FROM items WHERE package_id = ? ORDER BY "
						"position");
	size_t cap = 0;
	while (db_step_row(st) > 0) {
		if (g->ncourses == cap) {
			cap = cap ? cap * 2 : 16;
			g->courses = xrealloc(g->courses, cap * sizeof *g->courses);
		}
		struct demo_course *c = &g->courses[g->ncourses];
		struct course_pick pick;
		bool packaged = course_pick_package(g->db, db_col_text(st, 0), DEMO_LEARNER_LANG, NULL, &pick) == 0;
		*c = (struct demo_course){.id = xstrdup(db_col_text(st, 0)),
					  .title = xstrdup(pick.title ? pick.title : ""),
					  .language = xstrdup(pick.language),
					  .certificate = pick.certificate};
		c->lessons = xcalloc(64, sizeof *c->lessons);
		if (packaged) {
			sqlite3_reset(items);
			sqlite3_bind_int64(items, 1, pick.package_id);
			while (db_step_row(items) > 0) {
				if (strcmp(db_col_text(items, 1), "lesson") == 0 && c->nlessons < 64)
					c->lessons[c->nlessons++] = xstrdup(db_col_text(items, 0));
				if (strcmp(db_col_text(items, 2), "pretest") == 0)
					c->pretest = true;
			}
		} else {
			/* A course without a package yet: a pretest on every other one. */
			c->pretest = g->ncourses % 2 == 0;
		}
		while (c->nlessons < 5 && !packaged)
			c->lessons[c->nlessons] = xasprintf("lessons/%02d.md", c->nlessons + 1), c->nlessons++;
		course_pick_release(&pick);
		g->ncourses++;
	}
	db_finish(items);
	db_finish(st);
}

static void demo_free_courses(struct demo_gen *g)
{
	for (size_t i = 0; i < g->ncourses; i++) {
		for (int k = 0; k < g->courses[i].nlessons; k++)
			free(g->courses[i].lessons[k]);
		free(g->courses[i].lessons);
		free(g->courses[i].id);
		free(g->courses[i].title);
		free(g->courses[i].language);
	}
	free(g->courses);
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
	const struct demo_course *dc = &g->courses[ci];
	char day[11], name[128], name_km[128];
	date_ymd(completed, day);
	snprintf(name, sizeof name, "%s %s", fam->en, given->en);
	snprintf(name_km, sizeof name_km, "%s %s", fam->km, given->km);
	/* Borrowed strings: c is only signed here, never released. */
	struct cert c = {.user_id = uid, .org_id = pl->id, .issued_at = completed, .course_id = dc->id,
			 .language = dc->language, .course_title = dc->title, .name = name, .name_km = name_km,
			 .completed_on = day, .issuer = g->issuer, .issuer_km = g->issuer_km, .score = score,
			 .has_score = true};
	snprintf(c.serial, sizeof c.serial, "DEMO-%lld-%zu", (long long)uid, ci);
	int64_t revoked = demo_unit(&g->seed) < 0.02 ? completed + 30 * 86400 : 0;
	sqlite3_stmt *st = g->cert_ins;
	/* A new code (and signature) when the random code is taken: 45 bits, so almost never. */
	for (int tries = 0; tries < 8; tries++) {
		char sig[CERT_SIG_B64_SIZE];
		cert_code_new(c.code);
		buf_reset(&g->payload);
		cert_sign(&c, g->sk, &g->payload, sig);
		sqlite3_reset(st);
		db_bind_text(st, 1, c.serial);
		db_bind_text(st, 2, c.code);
		sqlite3_bind_int64(st, 3, uid);
		db_bind_text(st, 4, c.course_id);
		db_bind_text(st, 5, c.language);
		db_bind_text(st, 6, c.course_title);
		db_bind_text(st, 7, c.name);
		db_bind_text(st, 8, c.name_km);
		db_bind_text(st, 9, c.completed_on);
		sqlite3_bind_double(st, 10, c.score);
		sqlite3_bind_int64(st, 11, c.org_id);
		db_bind_text(st, 12, c.issuer);
		db_bind_text(st, 13, c.issuer_km);
		db_bind_text(st, 14, buf_str(&g->payload));
		db_bind_text(st, 15, sig);
		sqlite3_bind_int64(st, 16, c.issued_at);
		revoked && revoked < now ? sqlite3_bind_int64(st, 17, revoked) : sqlite3_bind_null(st, 17);
		if (db_step_done(st) == 0) {
			g->certificates++;
			return 0;
		}
		if (sqlite3_extended_errcode(g->db) != SQLITE_CONSTRAINT_UNIQUE)
			return -1;
	}
	return -1;
}

/* One enrolment with its milestones, lessons opened and certificate. */
static int demo_enrol(struct demo_gen *g, int64_t uid, const struct demo_place *pl, const char *sex,
		      const struct demo_name *fam, const struct demo_name *given, size_t ci, int64_t now)
{
	const struct demo_course *c = &g->courses[ci];
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
	sqlite3_stmt *st = g->enrol_ins;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, uid);
	db_bind_text(st, 2, c->id);
	db_bind_text(st, 3, demo_unit(s) < 0.7 ? "self" : "assigned");
	sqlite3_bind_int64(st, 4, enrolled);
	started ? sqlite3_bind_int64(st, 5, started) : sqlite3_bind_null(st, 5);
	completed ? sqlite3_bind_int64(st, 6, completed) : sqlite3_bind_null(st, 6);
	has_final ? sqlite3_bind_double(st, 7, best) : sqlite3_bind_null(st, 7);
	has_pre ? sqlite3_bind_double(st, 8, pre) : sqlite3_bind_null(st, 8);
	if (db_step_done(st) < 0)
		return -1;
	g->enrolments++;
	if (!started)
		return 0;
	int opened = completed ? c->nlessons : 1 + (int)demo_below(s, c->nlessons > 1 ? c->nlessons - 1 : 1);
	int64_t span = (completed ? completed : now) - started;
	for (int k = 0; k < opened && k < c->nlessons; k++) {
		st = g->progress_ins;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, uid);
		db_bind_text(st, 2, c->id);
		db_bind_text(st, 3, c->lessons[k]);
		sqlite3_bind_int64(st, 4, started + span * k / (c->nlessons + 1));
		if (db_step_done(st) < 0)
			return -1;
		g->progress++;
	}
	if (!completed || !c->certificate)
		return 0;
	return demo_certificate(g, uid, pl, fam, given, ci, completed, best, now);
}

/* One learner: a user row, the learner role, one to five enrolments. */
static int demo_learner(struct demo_gen *g, long seq, const char *hash, int64_t now, size_t *order)
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
	sqlite3_stmt *st = g->user_ins;
	sqlite3_reset(st);
	db_bind_text(st, 1, username);
	db_bind_text(st, 2, hash);
	db_bind_text(st, 3, name);
	db_bind_text(st, 4, name_km);
	db_bind_text(st, 5, sex);
	sqlite3_bind_int64(st, 6, pl->id);
	db_bind_text(st, 7, demo_positions[demo_below(s, sizeof demo_positions / sizeof demo_positions[0])]);
	sqlite3_bind_int64(st, 8, now - 548 * 86400 - demo_below(s, 180 * 86400));
	if (db_step_done(st) < 0)
		return -1;
	int64_t uid = sqlite3_last_insert_rowid(g->db);
	sqlite3_reset(g->role_ins);
	sqlite3_bind_int64(g->role_ins, 1, uid);
	if (db_step_done(g->role_ins) < 0)
		return -1;
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

static void demo_finalize(struct demo_gen *g)
{
	sqlite3_stmt *all[] = {g->org_ins, g->org_path, g->user_ins, g->role_ins, g->enrol_ins, g->progress_ins,
			       g->cert_ins};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		db_finish(all[i]);
}

int demo_learners(sqlite3 *db, long n)
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
	struct demo_gen g = {.db = db, .seed = 0x5A1A5A1Aull};
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
	g.issuer = setting_value(db, "issuer_en");
	g.issuer_km = setting_value(db, "issuer_km");
	long base = (long)db_int(db, "SELECT count(*) FROM users WHERE username GLOB 'demo[0-9]*'", NULL, NULL, 0);
	g.seed += (uint64_t)base;
	g.org_ins = db_stmt(db, "INSERT INTO org_units(code, name_en, name_km, parent_id, level, is_demo) VALUES "
				   "(?1, ?2, ?3, ?4, ?5, 1)");
	g.org_path = db_stmt(db, "UPDATE org_units SET path = (SELECT p.path FROM org_units p WHERE p.id = "
				    "org_units.parent_id) || id || '/' WHERE id = ?1");
	g.user_ins = db_stmt(db, "INSERT INTO users(username, password_hash, full_name, full_name_km, sex, org_id, "
				    "position, lang, is_demo, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
				    "'" DEMO_LEARNER_LANG "', 1, ?8)");
	g.role_ins = db_stmt(db, "INSERT INTO user_roles(user_id, role) VALUES (?1, 'learner')");
	/* Upsert: assignments to an org unit may already have enrolled the new user (trigger users_enrol_by_org). */
	g.enrol_ins = db_stmt(db, "INSERT INTO enrolments(user_id, course_id, source, enrolled_at, started_at, "
				     "completed_at, best_final, pretest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
				     "ON CONFLICT(user_id, course_id) DO UPDATE SET enrolled_at = excluded.enrolled_at, "
				     "started_at = excluded.started_at, completed_at = excluded.completed_at, best_final "
				     "= excluded.best_final, pretest = excluded.pretest");
	g.progress_ins = db_stmt(db, "INSERT OR IGNORE INTO progress(user_id, course_id, item_path, opened_at) "
					"VALUES (?1, ?2, ?3, ?4)");
	g.cert_ins = db_stmt(db, "INSERT INTO certificates(serial, code, user_id, course_id, language, "
				    "course_title, name, name_km, completed_on, score, org_id, issuer, issuer_km, payload, "
				    "signature, issued_at, revoked_at, revoked_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
				    "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
				    "CASE WHEN ?17 IS NULL THEN '' ELSE 'demo' END)");
	int rc = demo_places(&g);
	demo_load_courses(&g);
	size_t *order = xcalloc(g.ncourses + 1, sizeof *order);
	for (size_t i = 0; i < g.ncourses; i++)
		order[i] = i;
	int64_t now = now_s();
	for (long i = 0; i < n && rc == 0; i++)
		rc = demo_learner(&g, base + i + 1, hash, now, order);
	if (rc < 0)
		fprintf(stderr, "sala: demo: cannot add learners: %s\n", sqlite3_errmsg(db));
	demo_finalize(&g);
	sodium_memzero(g.sk, sizeof g.sk);
	free(g.issuer);
	free(g.issuer_km);
	buf_release(&g.payload);
	free(order);
	demo_free_courses(&g);
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
	return 0;
}
