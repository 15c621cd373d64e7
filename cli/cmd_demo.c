/* sala demo: a database a new user can explore at once. Demo records are marked is_demo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "cli/cli.h"
#include "cli/demo.h"
#include "lib/db.h"
#include "lib/util.h"

static const struct {
	const char *code, *en, *km, *parent, *level;
} demo_orgs[] = {
    {"MOI", "Ministry of Interior", "ក្រសួងមហាផ្ទៃ", ORG_ROOT_CODE, "ministry"},
    {"1701", "Angkor Chum", "អង្គរជុំ", "17", "district"},
    {"1702", "Angkor Thum", "អង្គរធំ", "17", "district"},
    {"1703", "Banteay Srei", "បន្ទាយស្រី", "17", "district"},
    {"1707", "Puok", "ពួក", "17", "district"},
    {"1710", "Siem Reap Municipality", "ក្រុងសៀមរាប", "17", "district"},
    {"171001", "Sla Kram", "ស្លក្រាម", "1710", "commune"},
    {"171002", "Svay Dankum", "ស្វាយដង្គំ", "1710", "commune"},
    {"171003", "Sala Kamraeuk", "សាលាកំរើក", "1710", "commune"},
    {"1710-OWS", "Siem Reap One Window Service Office", "ការិយាល័យច្រកចេញចូលតែមួយក្រុងសៀមរាប", "1710", "office"},
    {"0201", "Banan", "បាណន់", "02", "district"},
    {"0202", "Thma Koul", "ថ្មគោល", "02", "district"},
    {"0203", "Battambang Municipality", "ក្រុងបាត់ដំបង", "02", "district"},
    {"1201", "Chamkar Mon", "ចំការមន", "12", "district"},
    {"1202", "Doun Penh", "ដូនពេញ", "12", "district"},
    {"1204", "Tuol Kouk", "ទួលគោក", "12", "district"},
};

static const struct demo_account demo_accounts[] = {
    {"admin", "demo-Angkor-1", "System Administrator", "អ្នកគ្រប់គ្រងប្រព័ន្ធ", "male", ORG_ROOT_CODE, "admin;learner",
     "administrator"},
    {"trainer", "demo-Bayon-2", "Chan Sophea", "ចាន់ សុភា", "female", "MOI", "trainer;learner", "trainer"},
    {"manager", "demo-Kampot-3", "Keo Dara", "កែវ ដារា", "male", "17", "manager;learner",
     "manager (Siem Reap province)"},
    {"learner", "demo-Mekong-4", "Srey Sokha", "ស្រី សុខា", "female", "171001", "learner", "learner (Sla Kram commune)"},
};

const struct demo_account *demo_account_list(size_t *n)
{
	*n = sizeof demo_accounts / sizeof demo_accounts[0];
	return demo_accounts;
}

static int demo_init(struct db *db)
{
	struct err e;
	if (orgs_seed(db, &e) < 0)
		die("demo: %s", e.msg);
	int64_t users = users_count(db);
	if (users < 0)
		die("demo: cannot count the accounts: %s", db_errstr(db));
	if (users > 0)
		return 0; /* not a new database: leave it alone */
	for (size_t i = 0; i < sizeof demo_orgs / sizeof demo_orgs[0]; i++) {
		if (org_id(db, demo_orgs[i].code) >= 0)
			continue;
		if (org_add(db, demo_orgs[i].code, demo_orgs[i].en, demo_orgs[i].km, demo_orgs[i].parent,
			    demo_orgs[i].level, &e) < 0)
			die("demo: %s", e.msg);
	}
	if (orgs_mark_demo(db, &e) < 0)
		die("demo: %s", e.msg);
	for (size_t i = 0; i < sizeof demo_accounts / sizeof demo_accounts[0]; i++) {
		const struct demo_account *a = &demo_accounts[i];
		struct user_input u = {.username = a->username,
				       .password = a->password,
				       .full_name = a->name,
				       .full_name_km = a->name_km,
				       .sex = a->sex,
				       .org_code = a->org,
				       .roles = a->roles,
				       .is_demo = true,
				       .lang = "km"};
		if (user_add(db, &u, &e) < 0)
			die("demo: %s", e.msg);
	}
	if (demo_courses(db) < 0)
		return -1;
	return 1;
}

static int cmd_demo(struct cmd_args *a)
{
	bool init = cmd_has(a, "init");
	cli_key_option(a);
	long learners = -1;
	const char *v = cmd_arg(a, "learners");
	if (v)
		learners = cli_number("demo: --learners", v, 0, 1000000);
	if (!init && learners < 0)
		init = true;
	/* Only --init creates a database (and its key); --learners alone adds to an existing one. */
	bool created = false;
	struct db *db = init ? cli_db_create(&created) : cli_db_open();
	int rc = 0;
	if (init) {
		rc = demo_init(db);
		if (rc < 0) {
			db_close(db);
			return 1;
		}
		printf(rc ? "sala: created a demo database at %s\n" : "sala: using the existing database %s\n",
		       cli_db_path());
		printf("demo logins (username / password):\n");
		for (size_t i = 0; i < sizeof demo_accounts / sizeof demo_accounts[0]; i++)
			if (user_exists(db, demo_accounts[i].username))
				printf("  %-8s / %-15s %s\n", demo_accounts[i].username, demo_accounts[i].password,
				       demo_accounts[i].role_note);
	}
	/* With --init, synthetic learners are added only to a database created just now. */
	if (init && rc == 0)
		learners = -1;
	if (learners >= 0 && demo_learners(db, learners) < 0) {
		db_close(db);
		return 1;
	}
	db_close(db);
	return 0;
}

const struct cmd_entry cmd_demo_entry = {
    .name = "demo",
    .usage = "demo [--init] [--learners N] [--key PATH]",
    .help = "  --init creates the provinces, demo accounts and courses in a new database;\n"
	    "  --learners N adds N synthetic officials (with --init: only to a new database)",
    .options = (const struct option[]){{"init", no_argument, NULL, 0},
				       {"learners", required_argument, NULL, 0},
				       {"key", required_argument, NULL, 0},
				       {0}},
    .exec = cmd_demo,
};
