/*
 * What an administrator watches (docs/monitoring.md): the request log line,
 * the counters behind /metrics, the checks behind /healthz, and the count of
 * requests in flight that a graceful stop waits for. The counters are shared
 * by every request thread (atomic, no lock); the rest is read-only after
 * observe_init().
 */
#ifndef SALA_OBSERVE_H
#define SALA_OBSERVE_H
#include <stdbool.h>
#include <time.h>

#include "server/http.h"

/*
 * Call once before serving: the route tables (to label metrics by route
 * pattern), the database file (its inode is remembered: /healthz reports a
 * deleted or replaced file) and the free disk space below which /healthz is
 * unhealthy.
 */
void observe_init(const struct route *const *tables, size_t ntables, const char *db_path, long long min_free_bytes);

/* A request starts: counted in flight; *t0 is its start time. */
void observe_begin(struct timespec *t0);
/*
 * A request ends: writes its log line (and an error line with the cause for a
 * 5xx), counts it under hit's pattern (NULL: no route), and leaves the
 * in-flight count. Call before the request's user and database are given up.
 */
void observe_end(struct req *r, const struct route *hit, int status, const struct timespec *t0);
/* Requests being served now. */
int observe_in_flight(void);
/* From now on responses say "Connection: close" (a graceful stop has begun). */
void observe_drain_begin(void);
bool observe_draining(void);

/* GET /healthz and GET /metrics (server/h_ops.c's routes). */
extern const struct route ops_routes[];

#endif
