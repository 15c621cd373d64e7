/* The HTTP server: options, start-up, dispatch through the route table. */
#ifndef SALA_SERVER_H
#define SALA_SERVER_H
#include <stddef.h>

#include "server/http.h"

#define SESSION_COOKIE "sala_session"

struct server_opts {
	const char *listen; /* "127.0.0.1:8080"; port 0 picks a free one */
	const char *db_path;
	int threads;
	int db_connections;    /* pooled database connections (SERVER_DB_CONNECTIONS) */
	int db_cache_kb;       /* page cache of each, in KB (SERVER_DB_CACHE_KB) */
	const char *port_file; /* when set, the chosen port is written there (tests) */
	int conns_per_address; /* most open connections from one client address; 0: no cap; -1: the default */
	int drain_seconds;     /* on SIGTERM, how long in-flight requests may run on (SERVER_DRAIN_SECONDS) */
	int min_free_mb;       /* /healthz is unhealthy below this much free disk (SERVER_MIN_FREE_MB) */
	/* Preview mode: serve one package folder from disk, no database. */
	const char *preview_dir;
};

/*
 * Worker threads, which are the most connections open at once (CivetWeb runs a
 * thread per connection). Measured (docs/performance.md): the whole server
 * peaks at about 43 MB with 96 threads and 70 MB with 1,100 threads and 1,000
 * connections, about 30 KB a further connection; 256 threads come to about
 * 48 MB, well inside the 100 MB target, and hold four addresses at the
 * per-address cap with everyone else still served. More threads cost little
 * memory but each is a stack and a scheduling entry on a 2-core machine.
 */
#define SERVER_THREADS 256
/*
 * Most connections one client address (TCP peer, not a trusted proxy) may
 * hold open: a browser opens about 6, an office behind one NAT address a few
 * dozen; a quarter of the threads, so slow or idle connections from one
 * address can never hold them all.
 */
#define SERVER_CONNS_PER_ADDRESS 64
#define SERVER_DB_CONNECTIONS 32
#define SERVER_DB_CACHE_KB 512
#define SERVER_DRAIN_SECONDS 30
#define SERVER_MIN_FREE_MB 64

/*
 * Runs until SIGINT/SIGTERM, then stops gracefully: no new connections, the
 * requests in flight finish (up to drain_seconds), and 0 is returned. SIGHUP
 * reopens the log file (or is logged and ignored). Logs go where lib/log.h
 * was pointed (cmd_serve: standard output).
 */
int server_run(const struct server_opts *o);

/* The route tables of each area, each ended by a {NULL} entry. */
extern const struct route view_routes[];
extern const struct route auth_routes[];
extern const struct route admin_routes[];
extern const struct route profile_routes[]; /* server/h_profile.c: /profile, /api/v1/me/password */
extern const struct route package_routes[]; /* server/h_packages.c: /manage/courses, /media */
extern const struct route course_routes[];
extern const struct route quiz_routes[];
extern const struct route report_routes[];
extern const struct route cert_routes[];
extern const struct route api_routes[];
extern const struct route grading_routes[]; /* server/h_grading.c: essay grading, pages and API */
extern const struct route audit_routes[];   /* server/h_audit.c: /admin/audit, the audit trail */

/* Registers the grading pages' messages (server/h_grading.c). */
void grading_messages_register(void);
/* Registers every interface message table (call once at start-up). */
void server_messages_register(void);
/* Registers the message tables of the areas (server/msgs_areas.c). */
void server_area_messages_register(void);
/* Registers the account pages' messages (server/msgs_accounts.c). */
void accounts_messages_register(void);
/* The messages of form errors, the menu and the quiz's unanswered-question step (server/msgs_forms.c). */
void forms_messages_register(void);
/* Registers the messages of secret settings and the audit trail's refusals (server/msgs_audit.c). */
void audit_messages_register(void);
/* Registers the admin pages' messages (server/msgs_admin.c: settings, users, audit trail). */
void admin_messages_register(void);

#endif
