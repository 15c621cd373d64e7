/*
 * A PostgreSQL database for the unit tests that run on both engines: $SALA_TEST_PG when set, else a
 * throwaway cluster from tests/pg/cluster.sh (run from tests/unit). pg_dir is empty for a given URI.
 */
#ifndef SALA_TEST_PG_CLUSTER_H
#define SALA_TEST_PG_CLUSTER_H
#include <stdio.h>
#include <stdlib.h>

static char pg_dir[256], pg_uri[256];

/* tests/pg/cluster.sh VERB on the cluster this test started (stop, kill, restart); 0 on success. */
static int pg_cluster(const char *verb)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "../pg/cluster.sh %s %s", verb, pg_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Fills pg_uri (and pg_dir when a cluster was started); 0, or -1 with the reason on stderr. */
static int pg_cluster_start(void)
{
	const char *given = getenv("SALA_TEST_PG");
	if (given && *given) {
		snprintf(pg_uri, sizeof pg_uri, "%s", given);
		return 0;
	}
	FILE *f = popen("../pg/cluster.sh start", "r");
	if (!f || fscanf(f, "%255s %255s", pg_dir, pg_uri) != 2) {
		fprintf(stderr, "cannot start a PostgreSQL test cluster (tests/pg/cluster.sh)\n");
		if (f)
			pclose(f);
		return -1;
	}
	return pclose(f) == 0 ? 0 : -1;
}

/* Stops and removes the cluster this test started, if any. */
static void pg_cluster_stop(void)
{
	if (!pg_dir[0])
		return;
	if (pg_cluster("stop") != 0)
		fprintf(stderr, "cannot stop the cluster in %s\n", pg_dir);
	pg_dir[0] = '\0';
}

#endif
