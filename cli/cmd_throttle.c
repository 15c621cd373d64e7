/* sala throttle: the login throttle's records (accounts/sessions.h), listed and cleared. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/sessions.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/db.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: sala %s\n"
		"  list          accounts (at an address) and addresses that must wait now; --all: every record\n"
		"  clear         --user NAME: that account at every address (with --address: at that one);\n"
		"                --address ADDR: that address and every account tried from it; --all: everything\n",
		THROTTLE_USAGE);
	return 2;
}

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

static int throttle_list_cmd(sqlite3 *db, bool all)
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

static int throttle_clear_cmd(sqlite3 *db, int argc, char **argv)
{
	const char *user = NULL, *addr = NULL;
	bool all = false;
	for (int i = 2; i < argc; i++) {
		const char *v;
		if ((v = cli_flag(argc, argv, &i, "--user")))
			user = v;
		else if ((v = cli_flag(argc, argv, &i, "--address")))
			addr = v;
		else if (strcmp(argv[i], "--all") == 0)
			all = true;
		else
			return usage();
	}
	if (all == (user || addr)) {
		fprintf(stderr, "sala: throttle clear: give --user NAME and/or --address ADDR, or --all\n");
		return 2;
	}
	struct in_addr a;
	if (addr && inet_pton(AF_INET, addr, &a) != 1) {
		fprintf(stderr, "sala: throttle clear: '%s' is not an IPv4 address like 192.0.2.10\n", addr);
		return 2;
	}
	if (user && !*user) {
		fprintf(stderr, "sala: throttle clear: --user needs a username\n");
		return 2;
	}
	int64_t removed = 0;
	struct err e;
	if (throttle_clear(db, user, addr, &removed, &e) < 0) {
		fprintf(stderr, "sala: throttle: %s\n", e.msg);
		return 1;
	}
	char target[400], detail[32];
	snprintf(target, sizeof target, "%s%s%s%s", user ? "user:" : "", user ? user : "", user && addr ? " " : "",
		 addr ? addr : (user ? "" : "all"));
	snprintf(detail, sizeof detail, "removed=%lld", (long long)removed);
	cli_audit("throttle.clear", target, detail);
	printf("cleared %lld failed login%s", (long long)removed, removed == 1 ? "" : "s");
	if (user)
		printf(" of '%s'", user);
	if (addr)
		printf(" %s %s", user ? "at" : "from", addr);
	printf("\n");
	return 0;
}

int cmd_throttle(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "list") == 0) {
		bool all = argc == 3 && strcmp(argv[2], "--all") == 0;
		if (argc > 3 || (argc == 3 && !all))
			return usage();
		sqlite3 *db = cli_db_open();
		int rc = throttle_list_cmd(db, all);
		db_close(db);
		return rc;
	}
	if (strcmp(argv[1], "clear") == 0) {
		sqlite3 *db = cli_db_open();
		int rc = throttle_clear_cmd(db, argc, argv);
		db_close(db);
		return rc;
	}
	return usage();
}
