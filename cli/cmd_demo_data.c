/* Bundled courses and synthetic learners for the demo database. */
#include <stdio.h>

#include "cli/demo.h"

int demo_courses(sqlite3 *db)
{
	(void)db;
	return 0;
}

int demo_learners(sqlite3 *db, long n)
{
	(void)db;
	fprintf(stderr, "sala: demo --learners is not built yet (%ld requested)\n", n);
	return -1;
}
