/* sala throttle: the login throttle's records (accounts/sessions.h), listed and cleared. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/sessions.h"
#include "cli/cli.h"
#include "lib/db.h"

/* "4m05s", "12s". */
static void fmt_wait(int64_t s, char out[32])
{
	if (s <= 0)
		snprintf(out, 32, "-");
	else if (s < 60)
		snprintf(out, 32, "%llds", (long long)s);
	else
		snprintf(out, 32, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
}

static int throttle_list_cmd(struct db *db, bool all)
{
	struct throttle_entry *t;
	size_t n;
	struct err e;
	if (throttle_list(db, all, &t, &n, &e) < 0) {
		fprintf(stderr, "sala: throttle: %s\n", e.msg);
		return 1;
	}
	if (n == 0) {
		printf(all ? "no failed logins recorded\n"
			   : "nobody must wait (sala throttle list --all shows every record)\n");
		free(t);
		return 0;
	}
	printf("%-16s %-24s %8s  %s\n", "ADDRESS", "ACCOUNT", "FAILURES", "FREE IN");
	for (size_t i = 0; i < n; i++) {
		char wait[32];
		fmt_wait(t[i].wait_s, wait);
		printf("%-16s %-24s %8lld  %s\n", t[i].address, *t[i].username ? t[i].username : "(any account)",
		       (long long)t[i].failures, wait);
	}
	free(t);
	return 0;
}

static int throttle_clear_cmd(struct db *db, struct cmd_args *a)
{
	const char *user = cmd_arg(a, "user"), *addr = cmd_arg(a, "address");
	bool all = cmd_has(a, "all");
	if (all == (user || addr)) {
		fprintf(stderr, "sala: throttle clear: give --user NAME and/or --address ADDR, or --all\n");
		return 2;
	}
	struct in_addr in;
	if (addr && inet_pton(AF_INET, addr, &in) != 1) {
		fprintf(stderr, "sala: throttle clear: '%s' is not an IPv4 address like 192.0.2.10\n", addr);
		return 2;
	}
	if (user && !*user) {
		fprintf(stderr, "sala: throttle clear: --user needs a username\n");
		return 2;
	}
	int64_t removed = 0;
	struct err e;
	/* The cleared failures and their audit entry in one transaction. */
	if (db_begin(db, &e) < 0 || throttle_clear(db, user, addr, &removed, &e) < 0) {
		db_rollback(db);
		fprintf(stderr, "sala: throttle: %s\n", e.msg);
		return 1;
	}
	char target[400], detail[32];
	snprintf(target, sizeof target, "%s%s%s%s", user ? "user:" : "", user ? user : "", user && addr ? " " : "",
		 addr ? addr : (user ? "" : "all"));
	snprintf(detail, sizeof detail, "removed=%lld", (long long)removed);
	if (cli_audit_commit(db, "throttle.clear", target, detail, &e) < 0) {
		fprintf(stderr, "sala: throttle: %s\n", e.msg);
		return 1;
	}
	printf("cleared %lld failed login%s", (long long)removed, removed == 1 ? "" : "s");
	if (user)
		printf(" of '%s'", user);
	if (addr)
		printf(" %s %s", user ? "at" : "from", addr);
	printf("\n");
	return 0;
}

static int cmd_throttle(struct cmd_args *a)
{
	struct db *db = cli_db_open();
	int rc =
	    strcmp(a->entry->name, "list") == 0 ? throttle_list_cmd(db, cmd_has(a, "all")) : throttle_clear_cmd(db, a);
	db_close(db);
	return rc;
}

static const struct cmd_entry throttle_list_entry = {
    .name = "list",
    .usage = "throttle list [--all]",
    .help = "  accounts (at an address) and addresses that must wait now; --all: every record",
    .options = (const struct option[]){{"all", no_argument, NULL, 0}, {0}},
    .exec = cmd_throttle,
};
static const struct cmd_entry throttle_clear_entry = {
    .name = "clear",
    .usage = "throttle clear (--user NAME [--address ADDR] | --address ADDR | --all)",
    .help = "  --user NAME: that account at every address (with --address: at that one);\n"
	    "  --address ADDR: that address and every account tried from it; --all: everything",
    .options = (const struct option[]){{"user", required_argument, NULL, 0},
				       {"address", required_argument, NULL, 0},
				       {"all", no_argument, NULL, 0},
				       {0}},
    .exec = cmd_throttle,
};

const struct cmd_entry cmd_throttle_entry = {
    .name = "throttle",
    .usage = "throttle list [--all] | clear (--user NAME [--address ADDR] | --address ADDR | --all)",
    .subs = (const struct cmd_entry *const[]){&throttle_list_entry, &throttle_clear_entry, NULL},
};
