#define _POSIX_C_SOURCE 200809L
#include "server/observe.h"

#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "accounts/sessions.h"
#include "certificates/cert.h"
#include "lib/db.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "server/views.h"

#define ADD(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)
#define GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

/* Request latency buckets, seconds (the last, +Inf, has no bound). */
static const double lat_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
#define LAT_BUCKETS (sizeof lat_bounds / sizeof lat_bounds[0] + 1)

/* The counters of one route (or of requests that matched none). */
struct route_stats {
	unsigned long long by_class[5]; /* 1xx .. 5xx */
	unsigned long long le[LAT_BUCKETS];
	unsigned long long sum_us;
};

static struct {
	const struct route *const *tables;
	size_t ntables;
	size_t *first; /* index of each table's first route in stats */
	size_t *len;
	struct route_stats *stats; /* one per route, then one for "unmatched" */
	size_t nstats;
	char *db_path;
	dev_t db_dev;
	ino_t db_ino;
	long long min_free;
	time_t started;
} obs;

static int in_flight;
static int draining;
static unsigned long long bytes_total;

void observe_init(const struct route *const *tables, size_t ntables, const char *db_path, long long min_free_bytes)
{
	obs.tables = tables;
	obs.ntables = ntables;
	obs.first = xcalloc(ntables, sizeof *obs.first);
	obs.len = xcalloc(ntables, sizeof *obs.len);
	size_t n = 0;
	for (size_t t = 0; t < ntables; t++) {
		obs.first[t] = n;
		for (const struct route *rt = tables[t]; rt->method; rt++)
			obs.len[t]++;
		n += obs.len[t];
	}
	obs.nstats = n + 1;
	obs.stats = xcalloc(obs.nstats, sizeof *obs.stats);
	free(obs.db_path);
	/* A PostgreSQL database has no file here to watch or measure: the health check asks the server. */
	obs.db_path = db_path && !db_is_uri(db_path) ? xstrdup(db_path) : NULL;
	struct stat sb;
	if (db_path && stat(db_path, &sb) == 0) {
		obs.db_dev = sb.st_dev;
		obs.db_ino = sb.st_ino;
	}
	obs.min_free = min_free_bytes;
	obs.started = time(NULL);
}

void observe_begin(struct timespec *t0)
{
	ADD(in_flight, 1);
	clock_gettime(CLOCK_MONOTONIC, t0);
}

int observe_in_flight(void)
{
	return GET(in_flight);
}

void observe_drain_begin(void)
{
	__atomic_store_n(&draining, 1, __ATOMIC_RELAXED);
}

bool observe_draining(void)
{
	return GET(draining) != 0;
}

/* The stats slot of a route (the last slot when none). */
static size_t slot_of(const struct route *hit)
{
	for (size_t t = 0; hit && t < obs.ntables; t++)
		if (hit >= obs.tables[t] && hit < obs.tables[t] + obs.len[t])
			return obs.first[t] + (size_t)(hit - obs.tables[t]);
	return obs.nstats - 1;
}

/* The route of a stats slot, or NULL for "unmatched". */
static const struct route *route_of(size_t slot)
{
	for (size_t t = 0; t < obs.ntables; t++)
		if (slot >= obs.first[t] && slot < obs.first[t] + obs.len[t])
			return &obs.tables[t][slot - obs.first[t]];
	return NULL;
}

/* Query parameters whose values are logged; every other value (code, next, q, token...) is written as "*". */
static bool query_value_shown(const char *key, size_t n)
{
	static const char *const shown[] = {"added",   "by",	"course", "done", "enrolled", "format",
					    "from",    "lang",	"limit",  "org",  "parent",   "reissued",
					    "revoked", "saved", "to",	  "page", "active"};
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
		if (strlen(shown[i]) == n && memcmp(shown[i], key, n) == 0)
			return true;
	return false;
}

/* Appends s[0..n) with bytes outside printable ASCII (and % " \ space) percent-encoded. */
static void put_escaped(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '%')
			buf_printf(b, "%%%02X", c);
		else
			buf_putc(b, (char)c);
	}
}

/* The path as logged: the decoded path re-encoded, then the query with values masked but for a few. */
static void logged_path(struct buf *b, const char *path, const char *query)
{
	put_escaped(b, path, strlen(path));
	if (!query || !*query)
		return;
	buf_putc(b, '?');
	const char *p = query;
	bool first = true;
	while (*p) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		if (len) {
			if (!first)
				buf_putc(b, '&');
			first = false;
			/* Keys are written as sent (they are the program's own names), values only when harmless. */
			put_escaped(b, p, klen);
			if (eq) {
				buf_putc(b, '=');
				if (query_value_shown(p, klen))
					put_escaped(b, eq + 1, len - klen - 1);
				else
					buf_putc(b, '*');
			}
		}
		p += len;
		if (*p == '&')
			p++;
	}
}

void observe_end(struct req *r, const struct route *hit, int status, const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long us = (long long)(t1.tv_sec - t0->tv_sec) * 1000000LL + (t1.tv_nsec - t0->tv_nsec) / 1000;
	if (us < 0)
		us = 0;
	struct route_stats *s = &obs.stats[slot_of(hit)];
	int cls = status / 100;
	ADD(s->by_class[cls >= 1 && cls <= 5 ? cls - 1 : 4], 1);
	size_t b = 0;
	while (b < LAT_BUCKETS - 1 && (double)us / 1e6 > lat_bounds[b])
		b++;
	ADD(s->le[b], 1);
	ADD(s->sum_us, (unsigned long long)us);
	ADD(bytes_total, (unsigned long long)r->sent);

	const struct mg_request_info *ri = mg_get_request_info(r->conn);
	struct buf path = BUF_INIT, f = BUF_INIT;
	logged_path(&path, r->path ? r->path : "/", ri->query_string);
	char user[24] = "-";
	if (r->user)
		snprintf(user, sizeof user, "%lld", (long long)r->user->id);
	log_kv(&f, "addr", r->remote);
	log_kv(&f, "method", r->method);
	log_kv(&f, "path", buf_str(&path));
	log_kvi(&f, "status", status);
	log_kvi(&f, "bytes", (long long)r->sent);
	log_kvi(&f, "ms", us / 1000);
	log_kv(&f, "user", user);
	log_fields(LOG_INFO, "request", &f);
	if (status >= 500) {
		/* Every 5xx says why: the handler's message and the database's own error, when it has one. */
		buf_reset(&f);
		log_kv(&f, "addr", r->remote);
		log_kv(&f, "method", r->method);
		log_kv(&f, "path", buf_str(&path));
		log_kvi(&f, "status", status);
		log_kv(&f, "cause", r->cause ? r->cause : "the handler gave no reason");
		const char *dberr = db_last_error(r->db);
		if (dberr)
			log_kv(&f, "db", dberr);
		log_fields(LOG_ERROR, "error", &f);
	}
	buf_release(&path);
	buf_release(&f);
	ADD(in_flight, -1);
}

/* ---- /healthz ------------------------------------------------------------------ */

/* Free bytes for unprivileged writers on the filesystem holding path; -1 if unknown. */
static long long disk_free(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash == dir ? (void)(slash[1] = '\0') : (void)(*slash = '\0');
	struct statvfs v;
	int rc = statvfs(slash ? dir : ".", &v);
	free(dir);
	return rc == 0 ? (long long)v.f_bavail * (long long)v.f_frsize : -1;
}

static int h_health(struct req *r)
{
	struct buf problems = BUF_INIT, body = BUF_INIT;
	struct stat sb;
	if (obs.db_path && stat(obs.db_path, &sb) < 0)
		buf_printf(&problems, "database: the file '%s' is missing (deleted or moved while the server runs)\n",
			   obs.db_path);
	else if (obs.db_path && (sb.st_ino != obs.db_ino || sb.st_dev != obs.db_dev))
		buf_printf(&problems, "database: '%s' was replaced since the server started (restart it)\n",
			   obs.db_path);
	struct err e;
	if (db_health_check(r->db, &e) < 0)
		buf_printf(&problems, "database: %s\n", e.msg);
	long long avail = obs.db_path ? disk_free(obs.db_path) : -1;
	if (obs.db_path && avail < 0)
		buf_printf(&problems, "disk: cannot read the free space of the database's filesystem\n");
	else if (avail >= 0 && avail < obs.min_free)
		buf_printf(&problems,
			   "disk: %lld bytes free on the database's filesystem, below the minimum of %lld "
			   "(sala serve --min-free-mb)\n",
			   avail, obs.min_free);
	bool ok = problems.len == 0;
	buf_puts(&body, ok ? "ok\n" : "unhealthy\n");
	buf_puts(&body, buf_str(&problems));
	if (ok)
		buf_puts(&body, "database: ok (read and write)\n");
	buf_printf(&body, "disk_free_bytes: %lld\ndisk_min_free_bytes: %lld\n", avail, obs.min_free);
	if (!ok)
		r->cause = arena_strdup(&r->arena, buf_str(&problems));
	int status = resp_send(r, ok ? 200 : 503, "text/plain; charset=utf-8", body.data, body.len,
			       "Cache-Control: no-store\r\n");
	buf_release(&problems);
	buf_release(&body);
	return status;
}

/* ---- /metrics ------------------------------------------------------------------ */

static bool loopback(const char *addr)
{
	return addr && (str_starts(addr, "127.") || strcmp(addr, "::1") == 0);
}

/*
 * Metrics go to a loopback client that came straight (a request relayed by a
 * proxy carries its forwarding headers and is not trusted to be local), or to
 * anyone with the metrics_token setting as a bearer token.
 */
static bool metrics_allowed(struct req *r)
{
	const char *auth = req_header(r, "Authorization");
	if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
		char *want = setting_value(r->db, "metrics_token");
		const char *got = auth + 7;
		bool ok = want && *want && strlen(want) == strlen(got);
		unsigned diff = 0;
		for (size_t i = 0; ok && want[i]; i++)
			diff |= (unsigned)(want[i] ^ got[i]);
		free(want);
		return ok && diff == 0;
	}
	return loopback(r->remote) && !req_header(r, "X-Forwarded-For") && !req_header(r, "X-Real-IP") &&
	       !req_header(r, "Forwarded");
}

static void metric_head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and new line escaped. */
static void label(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *s);
	}
}

static void route_labels(struct buf *b, const struct route *rt)
{
	buf_puts(b, "method=\"");
	label(b, rt ? rt->method : "-");
	buf_puts(b, "\",route=\"");
	label(b, rt ? rt->pattern : "unmatched");
	buf_putc(b, '"');
}

/* A histogram from per-bucket counts (made cumulative here); labels may be "". */
static void histogram(struct buf *b, const char *name, const char *labels, const double *bounds,
		      const unsigned long long *le, size_t nb, double sum)
{
	unsigned long long cum = 0;
	for (size_t i = 0; i < nb; i++) {
		cum += le[i];
		buf_printf(b, "%s_bucket{%s%s", name, labels, *labels ? "," : "");
		if (i + 1 < nb)
			buf_printf(b, "le=\"%g\"} %llu\n", bounds[i], cum);
		else
			buf_printf(b, "le=\"+Inf\"} %llu\n", cum);
	}
	buf_printf(b, "%s_sum%s%s%s %.6f\n", name, *labels ? "{" : "", labels, *labels ? "}" : "", sum);
	buf_printf(b, "%s_count%s%s%s %llu\n", name, *labels ? "{" : "", labels, *labels ? "}" : "", cum);
}

static long long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

static long long resident_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long long size = 0, rss = 0;
	if (f) {
		if (fscanf(f, "%lld %lld", &size, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE);
}

static void metrics_requests(struct buf *b)
{
	static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
	metric_head(b, "sala_http_requests_total", "counter",
		    "HTTP requests answered, by route pattern and status class.");
	struct buf l = BUF_INIT;
	for (size_t i = 0; i < obs.nstats; i++) {
		for (int c = 0; c < 5; c++) {
			unsigned long long n = GET(obs.stats[i].by_class[c]);
			if (!n)
				continue;
			buf_puts(b, "sala_http_requests_total{");
			route_labels(b, route_of(i));
			buf_printf(b, ",code=\"%s\"} %llu\n", classes[c], n);
		}
	}
	metric_head(b, "sala_http_request_duration_seconds", "histogram",
		    "Time from the start of dispatch to the last byte written, by route pattern.");
	for (size_t i = 0; i < obs.nstats; i++) {
		unsigned long long le[LAT_BUCKETS], total = 0;
		for (size_t k = 0; k < LAT_BUCKETS; k++)
			total += le[k] = GET(obs.stats[i].le[k]);
		if (!total)
			continue;
		buf_reset(&l);
		route_labels(&l, route_of(i));
		histogram(b, "sala_http_request_duration_seconds", buf_str(&l), lat_bounds, le, LAT_BUCKETS,
			  (double)GET(obs.stats[i].sum_us) / 1e6);
	}
	buf_release(&l);
	metric_head(b, "sala_http_requests_in_flight", "gauge", "Requests being served now.");
	buf_printf(b, "sala_http_requests_in_flight %d\n", observe_in_flight());
	metric_head(b, "sala_http_response_bytes_total", "counter", "Bytes written in responses, headers included.");
	buf_printf(b, "sala_http_response_bytes_total %llu\n", GET(bytes_total));
}

static void metrics_db(struct buf *b)
{
	struct db_stats s;
	db_stats_get(&s);
	metric_head(b, "sala_db_pool_takes_total", "counter", "Database connections taken from the pool by requests.");
	buf_printf(b, "sala_db_pool_takes_total %llu\n", s.pool_takes);
	metric_head(b, "sala_db_pool_waits_total", "counter",
		    "Takes of a pooled database connection that had to wait for one to come free.");
	buf_printf(b, "sala_db_pool_waits_total %llu\n", s.pool_waits);
	metric_head(b, "sala_db_pool_wait_seconds_total", "counter", "Time spent waiting for a pooled connection.");
	buf_printf(b, "sala_db_pool_wait_seconds_total %.6f\n", (double)s.pool_wait_us / 1e6);
	metric_head(b, "sala_db_pool_timeouts_total", "counter",
		    "Requests answered 503 because no database connection came free in time.");
	buf_printf(b, "sala_db_pool_timeouts_total %llu\n", s.pool_timeouts);
	metric_head(b, "sala_db_group_commit_batch_size", "histogram",
		    "Writes committed together in one group-commit transaction.");
	histogram(b, "sala_db_group_commit_batch_size", "", db_batch_bounds, s.batch_le, DB_BATCH_BUCKETS,
		  (double)s.batch_jobs);
	metric_head(b, "sala_db_group_commit_seconds", "histogram",
		    "Time of one group-commit transaction, BEGIN to COMMIT (with its fsync).");
	histogram(b, "sala_db_group_commit_seconds", "", db_commit_bounds, s.commit_le, DB_COMMIT_BUCKETS,
		  (double)s.commit_us / 1e6);
	if (!obs.db_path)
		return;
	char *wal = xasprintf("%s-wal", obs.db_path);
	metric_head(b, "sala_db_bytes", "gauge", "Size of the database file.");
	buf_printf(b, "sala_db_bytes %lld\n", file_size(obs.db_path));
	metric_head(b, "sala_db_wal_bytes", "gauge", "Size of the database's write-ahead log (-wal file).");
	buf_printf(b, "sala_db_wal_bytes %lld\n", file_size(wal));
	free(wal);
	metric_head(b, "sala_disk_free_bytes", "gauge", "Free bytes on the filesystem holding the database.");
	buf_printf(b, "sala_disk_free_bytes %lld\n", disk_free(obs.db_path));
	metric_head(b, "sala_disk_min_free_bytes", "gauge", "Below this much free disk /healthz is unhealthy.");
	buf_printf(b, "sala_disk_min_free_bytes %lld\n", obs.min_free);
}

static int h_metrics(struct req *r)
{
	if (!metrics_allowed(r))
		return resp_error(r, 403,
				  tr(r->lang, "Metrics are served to this machine, or with the metrics token."));
	struct buf b = BUF_INIT;
	metrics_requests(&b);
	metrics_db(&b);
	int64_t issued = 0, revoked = 0;
	struct err e;
	if (cert_counts(r->db, &issued, &revoked, &e) < 0) {
		buf_release(&b);
		return resp_error(r, 500, e.msg);
	}
	metric_head(&b, "sala_certificates_issued_total", "counter",
		    "Certificates ever issued, re-issues included (from the database).");
	buf_printf(&b, "sala_certificates_issued_total %lld\n", (long long)issued);
	metric_head(&b, "sala_certificates_revoked", "gauge", "Issued certificates that are revoked.");
	buf_printf(&b, "sala_certificates_revoked %lld\n", (long long)revoked);
	unsigned long long bad, throttled;
	login_failure_counts(&bad, &throttled);
	metric_head(&b, "sala_logins_failed_total", "counter",
		    "Failed logins since start: wrong name or password, or refused while throttled.");
	buf_printf(&b, "sala_logins_failed_total{reason=\"bad_credentials\"} %llu\n", bad);
	buf_printf(&b, "sala_logins_failed_total{reason=\"throttled\"} %llu\n", throttled);
	metric_head(&b, "sala_process_resident_memory_bytes", "gauge", "Resident memory of the server process.");
	buf_printf(&b, "sala_process_resident_memory_bytes %lld\n", resident_bytes());
	metric_head(&b, "sala_process_start_time_seconds", "gauge", "Start time of the process, Unix seconds.");
	buf_printf(&b, "sala_process_start_time_seconds %lld\n", (long long)obs.started);
	int status =
	    resp_send(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len, "Cache-Control: no-store\r\n");
	buf_release(&b);
	return status;
}

const struct route ops_routes[] = {
    {"GET", "/healthz", 0, h_health, 0},
    {"GET", "/metrics", 0, h_metrics, 0},
    {NULL, NULL, 0, NULL, 0},
};
