/* sala enroll: enrol one user in a course, or assign a course to an org unit and everyone below it. */
#include <stdio.h>
#include <string.h>

#include "accounts/users.h"
#include "cli/cli.h"
#include "courses/learn.h"
#include "lib/db.h"
#include "lib/err.h"

#define ENROLL_USAGE "enroll --course ID (--user NAME | --org CODE)"

static int cmd_enroll(struct cmd_args *a)
{
	const char *course = cmd_arg(a, "course"), *user = cmd_arg(a, "user"), *org = cmd_arg(a, "org");
	if (!course || !!user == !!org)
		die("usage: sala %s", ENROLL_USAGE);
	struct db *db = cli_db_open();
	struct err e;
	int rc = 0;
	if (user) {
		struct user u;
		if (user_get_by_name(db, user, &u) < 0) {
			db_close(db);
			die("no user '%s'", user);
		}
		bool created;
		char target[300], detail[300];
		snprintf(target, sizeof target, "user:%s", u.username);
		snprintf(detail, sizeof detail, "course=%s", course);
		/* The enrolment and its audit entry in one transaction. */
		if (db_begin(db, &e) < 0 || learn_enrol(db, u.id, course, "assigned", &created, &e) < 0) {
			db_rollback(db);
			fprintf(stderr, "sala: %s\n", e.msg);
			rc = 1;
		} else if (cli_audit_commit(db, "course.assign", target, detail, &e) < 0) {
			fprintf(stderr, "sala: %s\n", e.msg);
			rc = 1;
		} else {
			printf(created ? "enrolled %s in %s\n" : "%s was already enrolled in %s\n", u.username, course);
		}
		user_release(&u);
	} else {
		int added = 0;
		char target[300], detail[300];
		snprintf(target, sizeof target, "org:%s", org);
		rc = db_begin(db, &e) < 0 || learn_assign_org(db, course, org, &added, &e) < 0;
		if (rc)
			db_rollback(db);
		snprintf(detail, sizeof detail, "course=%s new_enrolments=%d", course, added);
		if (!rc && cli_audit_commit(db, "course.assign", target, detail, &e) < 0)
			rc = 1;
		if (rc) {
			fprintf(stderr, "sala: %s\n", e.msg);
		} else {
			printf("assigned %s to %s and every unit below it: %d new enrolments\n", course, org, added);
		}
	}
	db_close(db);
	return rc;
}

const struct cmd_entry cmd_enroll_entry = {
    .name = "enroll",
    .alias = "enrol",
    .usage = ENROLL_USAGE,
    .options = (const struct option[]){{"course", required_argument, NULL, 0},
				       {"user", required_argument, NULL, 0},
				       {"org", required_argument, NULL, 0},
				       {0}},
    .exec = cmd_enroll,
};
