/* The ordered schema migrations applied by db_open(). */
#ifndef SALA_SCHEMA_H
#define SALA_SCHEMA_H

/* SQL taking user_version i to i + 1, or NULL past the end. */
const char *schema_migration(int i);
int schema_count(void);

/*
 * The SQL that empties the report aggregates and builds their facts again from the rows (lib/schema_agg.h),
 * for each engine; report_agg_rebuild() runs it, then adds the facts up. Static strings.
 */
const char *schema_agg_rebuild_sql(void);
const char *schema_pg_agg_rebuild_sql(void);
/* The face-to-face aggregates built again from the rows (after the online facts), on each engine. */
const char *schema_f2f_rebuild_sql(void);
const char *schema_pg_f2f_rebuild_sql(void);
/* The check of the face-to-face aggregates against the rows (lib/schema_agg.h F2F_VERIFY), on each engine. */
const char *schema_f2f_verify_sql(void);
const char *schema_pg_f2f_verify_sql(void);

struct db;
struct err;
/*
 * PostgreSQL (lib/schema_pg.c): applies the PostgreSQL migrations in one transaction, recording the
 * version in table schema_version (PRAGMA user_version's part). Version numbers match the SQLite
 * ones: PostgreSQL migration 0 creates schema version schema_count() at once. -1 with a message.
 */
int schema_pg_migrate(struct db *db, struct err *e);

#endif
