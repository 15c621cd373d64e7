/* sala sessions: face-to-face sessions (workshops) from the command line: add, list, show, cancel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "cli/cli.h"
#include "lib/db.h"
#include "lib/err.h"
#include "lib/util.h"
#include "training/attendance.h"
#include "training/workshops.h"

#define ADD_USAGE                                                                                                      \
	"sessions add --title TEXT --org CODE --day \"YYYY-MM-DD HH:MM-HH:MM\" [--day ...] [--course ID] "             \
	"[--address TEXT] [--trainer USERNAME ...] [--capacity N] [--language km|en] [--invite USERNAME ...] "         \
	"[--invite-org CODE]"
#define LIST_USAGE "sessions list [--all] [--org CODE] [--course ID]"
#define SHOW_USAGE "sessions show ID"
#define CANCEL_USAGE "sessions cancel ID"
#define MAX_PEOPLE_OPTS 60

/* The values of every --name given, in order, into v (at most max); their number. */
static int cmd_all(const struct cmd_args *a, const char *name, const char **v, int max)
{
	int n = 0;
	for (int i = 0; i < a->nopts; i++)
		if (strcmp(a->opts[i].opt->name, name) == 0 && n < max)
			v[n++] = a->opts[i].value;
	return n;
}

static int64_t user_id_of(struct db *db, const char *what, const char *username)
{
	struct user u;
	if (user_get_by_name(db, username, &u) < 0) {
		db_close(db);
		die("sessions add: %s: no user '%s'", what, username);
	}
	int64_t id = u.id;
	user_release(&u);
	return id;
}

static int cmd_add(struct cmd_args *a)
{
	const char *title = cmd_arg(a, "title"), *org = cmd_arg(a, "org"), *course = cmd_arg(a, "course");
	const char *cap_s = cmd_arg(a, "capacity"), *lang = cmd_arg(a, "language");
	const char *days_s[WORKSHOP_MAX_DAYS + 1], *trainer_s[MAX_PEOPLE_OPTS], *invite_s[MAX_PEOPLE_OPTS];
	int ndays = cmd_all(a, "day", days_s, WORKSHOP_MAX_DAYS + 1);
	int ntrainers = cmd_all(a, "trainer", trainer_s, MAX_PEOPLE_OPTS);
	int ninvites = cmd_all(a, "invite", invite_s, MAX_PEOPLE_OPTS);
	const char *invite_org = cmd_arg(a, "invite-org");
	if (!title || !*title)
		die("sessions add: --title is required");
	if (!org || !*org)
		die("sessions add: --org is required (the venue's org unit code)");
	if (ndays == 0)
		die("sessions add: give at least one --day \"YYYY-MM-DD HH:MM-HH:MM\"");
	if (ndays > WORKSHOP_MAX_DAYS)
		die("sessions add: a session has at most %d days", WORKSHOP_MAX_DAYS);
	struct workshop_day days[WORKSHOP_MAX_DAYS];
	struct err e = {""};
	for (int i = 0; i < ndays; i++) {
		if (workshop_day_parse(days_s[i], &days[i], &e) < 0)
			die("sessions add: --day: %s", e.msg);
		days[i].day = i + 1;
	}
	int capacity = cap_s ? (int)cli_number("--capacity", cap_s, 0, 100000) : 0;
	struct db *db = cli_db_open();
	int64_t org_id_v = org_id(db, org);
	if (org_id_v <= 0) {
		db_close(db);
		die("sessions add: --org: no org unit '%s'", org);
	}
	int64_t invite_org_id = 0;
	if (invite_org && (invite_org_id = org_id(db, invite_org)) <= 0) {
		db_close(db);
		die("sessions add: --invite-org: no org unit '%s'", invite_org);
	}
	int64_t trainers[MAX_PEOPLE_OPTS], invites[MAX_PEOPLE_OPTS];
	for (int i = 0; i < ntrainers; i++)
		trainers[i] = user_id_of(db, "--trainer", trainer_s[i]);
	for (int i = 0; i < ninvites; i++)
		invites[i] = user_id_of(db, "--invite", invite_s[i]);
	struct workshop_new w = {.title = title,
				 .course_id = course,
				 .address = cmd_arg(a, "address"),
				 .language = lang ? lang : "km",
				 .org_id = org_id_v,
				 .capacity = capacity,
				 .days = days,
				 .ndays = ndays,
				 .trainers = trainers,
				 .ntrainers = (size_t)ntrainers};
	int64_t now = now_s(), id = 0;
	int reg = 0, wait = 0;
	int rc = db_begin(db, &e);
	if (rc == 0)
		rc = workshop_create(db, &w, now, &id, &e);
	for (int i = 0; rc == 0 && i < ninvites; i++) {
		enum workshop_status s;
		if ((rc = workshop_invite(db, id, invites[i], now, &s, &e)) == 0) {
			reg += s == WS_REGISTERED;
			wait += s == WS_WAITLISTED;
		}
	}
	if (rc == 0 && invite_org_id > 0) {
		int r2 = 0, w2 = 0;
		if ((rc = workshop_invite_org(db, id, invite_org_id, now, &r2, &w2, &e)) == 0) {
			reg += r2;
			wait += w2;
		}
	}
	struct workshop got = {0};
	if (rc == 0)
		rc = workshop_get(db, id, &got, &e);
	/* The session, its people and its audit entry commit together. */
	if (rc == 0) {
		char target[64], detail[512];
		snprintf(target, sizeof target, "session:%lld", (long long)id);
		snprintf(detail, sizeof detail, "code=%s org=%s days=%d invited=%d", got.code, org, ndays, reg + wait);
		rc = cli_audit_commit(db, "session.add", target, detail, &e);
	} else {
		db_rollback(db);
	}
	if (rc < 0) {
		db_close(db);
		die("sessions add: %s", e.msg);
	}
	printf("added session %lld (code %s): %d registered, %d on the waiting list\n", (long long)id, got.code, reg,
	       wait);
	workshop_free(&got);
	db_close(db);
	return 0;
}

static int print_session(void *ctx, const struct workshop *w)
{
	(void)ctx;
	char day[32] = "";
	if (w->ndays > 0)
		workshop_day_format(&w->days[0], day, sizeof day);
	printf("%lld\t%s\t%s\t%d day%s\t%d/%d%s\t%s%s\n", (long long)w->id, w->code, day, w->ndays,
	       w->ndays == 1 ? "" : "s", w->registered, w->capacity, w->waitlisted ? "+" : "", w->title,
	       w->cancelled_at ? "\t(cancelled)" : "");
	return 0;
}

static int cmd_list(struct cmd_args *a)
{
	const char *org = cmd_arg(a, "org");
	struct db *db = cli_db_open();
	char path[256];
	if (org && org_path(db, org_id(db, org), path, sizeof path) < 0) {
		db_close(db);
		die("sessions list: --org: no org unit '%s'", org);
	}
	struct workshop_filter f = {.org_path = org ? path : NULL,
				    .course_id = cmd_arg(a, "course"),
				    .from = cmd_has(a, "all") ? 0 : now_s(),
				    .include_cancelled = cmd_has(a, "all")};
	struct err e = {""};
	printf("id\tcode\tfirst day (UTC+7)\tdays\tregistered/capacity (0: no limit; +: a waiting list)\ttitle\n");
	int rc = workshop_list(db, &f, print_session, NULL, &e);
	db_close(db);
	if (rc < 0)
		die("sessions list: %s", e.msg);
	return 0;
}

struct show_ctx {
	struct db *db;
	int64_t id;
	int ndays;
	char *marks; /* one letter per person and day, filled from attendance_list() */
	int64_t *users;
	size_t nusers, cap;
};

static int note_mark(void *ctx, const struct attendance_mark_row *m)
{
	struct show_ctx *s = ctx;
	for (size_t i = 0; i < s->nusers; i++)
		if (s->users[i] == m->user_id && m->day >= 1 && m->day <= s->ndays)
			s->marks[i * (size_t)s->ndays + (size_t)m->day - 1] = "PAE"[m->status];
	return 0;
}

static int note_person(void *ctx, const struct workshop_person *p)
{
	struct show_ctx *s = ctx;
	if (s->nusers == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->users = realloc(s->users, s->cap * sizeof *s->users);
		if (!s->users)
			die("out of memory");
	}
	s->users[s->nusers++] = p->user_id;
	return 0;
}

struct print_ctx {
	struct show_ctx *s;
	size_t i;
};

static int print_person(void *ctx, const struct workshop_person *p)
{
	struct print_ctx *c = ctx;
	struct show_ctx *s = c->s;
	const char *marks = "";
	char line[WORKSHOP_MAX_DAYS + 1] = "";
	for (size_t i = 0; i < s->nusers; i++)
		if (s->users[i] == p->user_id) {
			memcpy(line, s->marks + i * (size_t)s->ndays, (size_t)s->ndays);
			line[s->ndays] = '\0';
			marks = line;
		}
	printf("  %s\t%s\t%s%s\t%s\t%s\n", p->row_code, p->username, workshop_status_name(p->status),
	       p->invited ? " (invited)" : "", marks, p->full_name);
	c->i++;
	return 0;
}

static int cmd_show(struct cmd_args *a)
{
	int64_t id = cli_number("session id", a->argv[0], 1, INT32_MAX);
	struct db *db = cli_db_open();
	struct workshop w;
	struct err e = {""};
	if (workshop_get(db, id, &w, &e) < 0) {
		db_close(db);
		die("sessions show: %s", e.msg);
	}
	printf("session %lld (code %s)%s\ntitle: %s\ncourse: %s\naddress: %s\nlanguage: %s\ncapacity: %d\n",
	       (long long)w.id, w.code, w.cancelled_at ? " (cancelled)" : "", w.title, w.course_id ? w.course_id : "-",
	       w.address, w.language, w.capacity);
	for (int i = 0; i < w.ndays; i++) {
		char day[32];
		workshop_day_format(&w.days[i], day, sizeof day);
		printf("day %d: %s (UTC+7)\n", w.days[i].day, day);
	}
	printf("registered: %d, waiting list: %d\n", w.registered, w.waitlisted);
	struct show_ctx s = {.db = db, .id = id, .ndays = w.ndays};
	int rc = workshop_people_list(db, id, note_person, &s, &e);
	if (rc == 0) {
		s.marks = malloc(s.nusers * (size_t)w.ndays + 1);
		if (!s.marks)
			die("out of memory");
		memset(s.marks, '-', s.nusers * (size_t)w.ndays);
		rc = attendance_list(db, id, 0, note_mark, &s, &e);
	}
	if (rc == 0) {
		printf("people (row code, username, place, attendance per day: P present, A absent, E excused, - "
		       "none, name):\n");
		struct print_ctx c = {.s = &s};
		rc = workshop_people_list(db, id, print_person, &c, &e);
	}
	free(s.marks);
	free(s.users);
	workshop_free(&w);
	db_close(db);
	if (rc < 0)
		die("sessions show: %s", e.msg);
	return 0;
}

static int cmd_cancel(struct cmd_args *a)
{
	int64_t id = cli_number("session id", a->argv[0], 1, INT32_MAX);
	struct db *db = cli_db_open();
	struct err e = {""};
	char target[64];
	snprintf(target, sizeof target, "session:%lld", (long long)id);
	int rc = db_begin(db, &e) < 0 ? -1 : workshop_cancel(db, id, now_s(), &e);
	if (rc < 0)
		db_rollback(db);
	else
		rc = cli_audit_commit(db, "session.cancel", target, NULL, &e);
	db_close(db);
	if (rc < 0)
		die("sessions cancel: %s", e.msg);
	printf("cancelled session %lld\n", (long long)id);
	return 0;
}

static const struct cmd_entry sessions_add_entry = {
    .name = "add",
    .usage = ADD_USAGE,
    .help = "  Times are Cambodia's (UTC+7). Invited people get a place up to --capacity (0: no limit), then\n"
	    "  the waiting list. Everything is added in one transaction, or nothing.",
    .options = (const struct option[]){{"title", required_argument, NULL, 0},
				       {"course", required_argument, NULL, 0},
				       {"org", required_argument, NULL, 0},
				       {"address", required_argument, NULL, 0},
				       {"day", required_argument, NULL, 0},
				       {"trainer", required_argument, NULL, 0},
				       {"capacity", required_argument, NULL, 0},
				       {"language", required_argument, NULL, 0},
				       {"invite", required_argument, NULL, 0},
				       {"invite-org", required_argument, NULL, 0},
				       {0}},
    .exec = cmd_add,
};

static const struct cmd_entry sessions_list_entry = {
    .name = "list",
    .usage = LIST_USAGE,
    .help = "  Upcoming and running sessions; --all adds past and cancelled ones.",
    .options = (const struct option[]){{"all", no_argument, NULL, 0},
				       {"org", required_argument, NULL, 0},
				       {"course", required_argument, NULL, 0},
				       {0}},
    .exec = cmd_list,
};

static const struct cmd_entry sessions_show_entry = {
    .name = "show",
    .usage = SHOW_USAGE,
    .lower = 1,
    .upper = 1,
    .exec = cmd_show,
};

static const struct cmd_entry sessions_cancel_entry = {
    .name = "cancel",
    .usage = CANCEL_USAGE,
    .lower = 1,
    .upper = 1,
    .exec = cmd_cancel,
};

const struct cmd_entry cmd_sessions_entry = {
    .name = "sessions",
    .alias = "session",
    .usage = "sessions add|list|show|cancel|sheet",
    .subs = (const struct cmd_entry *const[]){&sessions_add_entry, &sessions_list_entry, &sessions_show_entry,
					      &sessions_cancel_entry, &cmd_sessions_sheet_entry, NULL},
};
