/* The ordered schema migrations applied by db_open(). */
#ifndef SALA_SCHEMA_H
#define SALA_SCHEMA_H

/* SQL taking user_version i to i + 1, or NULL past the end. */
const char *schema_migration(int i);
int schema_count(void);

#endif
