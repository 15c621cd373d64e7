/*
 * The PostgreSQL engine (libpq): the calls of lib/db.h for a connection opened
 * from a postgresql:// URI. Each statement of the cache is a named prepared
 * statement of its connection (prepared again after a reconnect); parameters
 * are sent as text (blobs in binary); a statement's whole result is fetched
 * at its first step, in binary when it returns a bytea column (and nothing
 * binary would need decoding beyond integers, floats and text), else as text.
 * The group writer's connection pipelines (db_pipeline()): statements whose
 * result is not needed at once are sent without waiting, and go to the server
 * with the next one whose result is needed, in one round trip (libpq's
 * pipeline mode).
 * A lost connection is reset once per call: multi-host URIs with
 * target_session_attrs=read-write then find the new primary; while none is
 * reachable every call fails with DB_UNAVAILABLE, which the server answers
 * with 503.
 *
 * libpq is loaded (dlopen) at the first PostgreSQL connection, so a SQLite
 * installation neither needs it nor maps its twenty-odd libraries.
 */
#define _GNU_SOURCE /* strcasestr */
#include <dlfcn.h>
#include <endian.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/db.h"
#include "lib/db_private.h"
#include "lib/log.h"
#include "lib/schema.h"
#include "lib/xmalloc.h"

/* The libpq functions used, resolved by pg_load(). */
// clang-format off
#define PG_FUNCS(X) \
	X(PQclear) \
	X(PQcmdStatus) \
	X(PQcmdTuples) \
	X(PQconnectdbParams) \
	X(PQdescribePrepared) \
	X(PQenterPipelineMode) \
	X(PQerrorMessage) \
	X(PQexec) \
	X(PQexecPrepared) \
	X(PQexitPipelineMode) \
	X(PQfinish) \
	X(PQftype) \
	X(PQgetisnull) \
	X(PQgetlength) \
	X(PQgetResult) \
	X(PQgetvalue) \
	X(PQhost) \
	X(PQnfields) \
	X(PQntuples) \
	X(PQpipelineStatus) \
	X(PQpipelineSync) \
	X(PQport) \
	X(PQprepare) \
	X(PQreset) \
	X(PQresultErrorField) \
	X(PQresultErrorMessage) \
	X(PQresultStatus) \
	X(PQsendQueryParams) \
	X(PQsendQueryPrepared) \
	X(PQstatus) \
	X(PQtransactionStatus)
// clang-format on
#define PG_DECLARE(f) static __typeof__(f) *pg_##f;
PG_FUNCS(PG_DECLARE)
static pthread_once_t pg_once = PTHREAD_ONCE_INIT;
static char pg_load_error[256];

static void pg_load_once(void)
{
	void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		if (!why)
			why = "not found";
		/* A library that is there but cannot be mapped (an address-space limit) is not a missing package. */
		if (strstr(why, "failed to map"))
			snprintf(pg_load_error, sizeof pg_load_error,
				 "not enough memory to load PostgreSQL's client library: %s", why);
		else
			snprintf(pg_load_error, sizeof pg_load_error,
				 "PostgreSQL's client library is not installed (apt-get install libpq5): %s", why);
		return;
	}
#define PG_RESOLVE(f)                                                                                                  \
	if (!pg_load_error[0] && !(*(void **)&pg_##f = dlsym(h, #f)))                                                  \
		snprintf(pg_load_error, sizeof pg_load_error, "libpq.so.5 has no %s", #f);
	PG_FUNCS(PG_RESOLVE)
}

/* 0 when libpq is loaded, else -1 with the reason. */
static int pg_load(struct err *e)
{
	pthread_once(&pg_once, pg_load_once);
	return pg_load_error[0] ? err_set(e, "%s", pg_load_error) : 0;
}

/* From here on, every PQ call goes through the resolved pointers. */
#define PQclear pg_PQclear
#define PQcmdStatus pg_PQcmdStatus
#define PQcmdTuples pg_PQcmdTuples
#define PQconnectdbParams pg_PQconnectdbParams
#define PQdescribePrepared pg_PQdescribePrepared
#define PQenterPipelineMode pg_PQenterPipelineMode
#define PQerrorMessage pg_PQerrorMessage
#define PQexec pg_PQexec
#define PQexecPrepared pg_PQexecPrepared
#define PQexitPipelineMode pg_PQexitPipelineMode
#define PQfinish pg_PQfinish
#define PQftype pg_PQftype
#define PQgetisnull pg_PQgetisnull
#define PQgetlength pg_PQgetlength
#define PQgetResult pg_PQgetResult
#define PQgetvalue pg_PQgetvalue
#define PQhost pg_PQhost
#define PQnfields pg_PQnfields
#define PQntuples pg_PQntuples
#define PQpipelineStatus pg_PQpipelineStatus
#define PQpipelineSync pg_PQpipelineSync
#define PQport pg_PQport
#define PQprepare pg_PQprepare
#define PQreset pg_PQreset
#define PQresultErrorField pg_PQresultErrorField
#define PQresultErrorMessage pg_PQresultErrorMessage
#define PQresultStatus pg_PQresultStatus
#define PQsendQueryParams pg_PQsendQueryParams
#define PQsendQueryPrepared pg_PQsendQueryPrepared
#define PQstatus pg_PQstatus
#define PQtransactionStatus pg_PQtransactionStatus

/* Type OIDs (catalog/pg_type_d.h, stable since PostgreSQL 7). */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_VARCHAR 1043
#define OID_NUMERIC 1700

struct pg_conn {
	PGconn *c;
	char *uri;
	unsigned generation; /* bumped on every reconnect: statements prepared before must be prepared again */
	unsigned next_name;
	int code; /* DB_OK or the last call's code */
	int changes;
	bool in_txn;		  /* a transaction was open after the last call */
	bool serving;		  /* a connection of the server's pool (pg_serving) */
	bool bulk;		  /* a pool connection doing bulk work: plans per execution (pg_bulk_plans) */
	bool txn_lost;		  /* it went with a lost connection: every call fails until the caller's ROLLBACK */
	bool pipeline;		  /* db_pipeline(): statements sent with pg_step_later() wait for the next round trip */
	int queued;		  /* statements sent in libpq's pipeline mode whose results are not read yet */
	struct pg_stmt **waiting; /* for each of them, the statement its result goes to (pg_send()), or NULL */
	int waitcap;
	char msg[512];
};

#define LOST_TXN "the connection to the database server was lost, and the open transaction with it"

/* The connection is gone: an open transaction is lost with it, and must never be taken as committed. */
static void note_lost(struct pg_conn *c)
{
	c->queued = 0; /* nothing queued will answer */
	if (c->in_txn)
		c->txn_lost = true;
	c->in_txn = false;
}

/* Remembers whether a transaction is open, for when the connection is lost. */
static void note_txn(struct pg_conn *c)
{
	PGTransactionStatusType t = PQtransactionStatus(c->c);
	c->in_txn = t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

struct param {
	char *buf; /* the value (text, or blob bytes) */
	size_t cap;
	int len;
	bool null;
};

struct pg_stmt {
	char name[24];
	char *sql;   /* as written (?-placeholders), for log lines */
	char *pgsql; /* with $N */
	int nparams;
	struct param *params;
	const char **values;
	int *lengths, *formats;
	unsigned generation;
	bool prepared, readonly, binary;
	PGresult *res;
	int row, nrows;
	struct pg_conn *conn;
	int sent_rc;	   /* what the first pg_step() returns after pg_send() */
	bool sent_pending; /* pg_send() ran it (or queued it): the next pg_step() returns sent_rc */
	bool queued;	   /* sent in pipeline mode: its result is read with the next round trip */
	int changes;	   /* rows it changed, once its result is read */
	char *blob;	   /* a text-mode bytea column decoded */
	size_t blobcap;
};

static int set_error(struct pg_conn *c, int code, const char *msg)
{
	c->code = code;
	if (code == DB_UNAVAILABLE)
		db_unreachable = true;
	/* A lock wait given up says so in SQLite's words, so that logs and /healthz read alike on both engines. */
	snprintf(c->msg, sizeof c->msg, "%s%s", code == DB_BUSY ? "database is locked: " : "",
		 msg ? msg : "unknown error");
	size_t n = strlen(c->msg);
	while (n && (c->msg[n - 1] == '\n' || c->msg[n - 1] == ' '))
		c->msg[--n] = '\0';
	return code;
}

/* The code for a failed result: SQLSTATE class and code onto SQLite's codes. */
static int code_of(PGconn *conn, const PGresult *r)
{
	if (PQstatus(conn) == CONNECTION_BAD)
		return DB_UNAVAILABLE;
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (!state)
		return DB_UNAVAILABLE; /* no server answer: the connection went away */
	if (strncmp(state, "23", 2) == 0)
		return DB_CONSTRAINT; /* integrity constraint violation: unique, foreign key, not null, check */
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
		return DB_BUSY; /* serialization failure, deadlock, lock not available */
	if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
	    strcmp(state, "57P03") == 0)
		return DB_UNAVAILABLE; /* connection exception, admin/crash shutdown, cannot connect now */
	if (strcmp(state, "25006") == 0)
		return DB_READONLY; /* read-only transaction: a standby */
	if (strcmp(state, "53100") == 0)
		return DB_FULL;
	if (strncmp(state, "53", 2) == 0)
		return DB_NOMEM;
	if (strncmp(state, "28", 2) == 0 || strcmp(state, "42501") == 0)
		return DB_AUTH;
	if (strncmp(state, "22", 2) == 0)
		return DB_MISMATCH;
	return DB_ERROR;
}

static int pipe_flush(struct pg_conn *c);

/*
 * Session settings of every (re)connection: acknowledged commits are on disk, and a statement waits
 * for another session's lock about as long as SQLite's busy handler waits (then DB_BUSY), never forever.
 * Outside the server's pool (the command line: imports, demo data, copies), prepared statements are
 * planned for their values each time (plan_cache_mode): a generic plan made while a table was small
 * (a seq scan of 26 org units) would otherwise be kept while one long transaction grows it to 100,000
 * rows, making such work quadratic. The pool's connections (pg_serving()) keep PostgreSQL's default: a
 * page's statements are the same every time, and planning each execution again cost a lesson page four
 * fifths of its backend time; their plans are made again when autovacuum analyzes a table. An import
 * through the server plans per execution while it runs (pg_bulk_plans()).
 */
static int session_setup(struct pg_conn *c)
{
	PGresult *r =
	    PQexec(c->c, c->serving && !c->bulk ? "SET synchronous_commit = on; SET client_min_messages = warning; "
						  "SET lock_timeout = '10s'; SET plan_cache_mode = auto"
						: "SET synchronous_commit = on; SET client_min_messages = warning; "
						  "SET lock_timeout = '10s'; SET plan_cache_mode = force_custom_plan");
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		set_error(c, code_of(c->c, r), PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

void pg_bulk_plans(struct db *db, bool on)
{
	struct pg_conn *c = db->pg;
	if (!c->serving || c->bulk == on)
		return; /* the command line's connections always plan per execution */
	if (c->queued && pipe_flush(c) != DB_OK)
		return; /* results waiting: the setting stays as it is */
	PGresult *r = PQexec(c->c, on ? "SET plan_cache_mode = force_custom_plan" : "SET plan_cache_mode = auto");
	if (PQresultStatus(r) == PGRES_COMMAND_OK)
		c->bulk = on;
	PQclear(r);
}

int pg_serving(struct db *db, struct err *e)
{
	db->pg->serving = true;
	if (session_setup(db->pg) < 0)
		return err_set(e, "cannot set up the database connection: %s", db->pg->msg);
	return 0;
}

/* A connection that failed is reset once (finding the primary again); 0 when usable now. */
static int ensure_connected(struct pg_conn *c)
{
	if (PQstatus(c->c) == CONNECTION_OK)
		return 0;
	PQreset(c->c);
	c->generation++;
	c->queued = 0; /* a new connection: out of pipeline mode, nothing queued */
	if (PQstatus(c->c) != CONNECTION_OK) {
		char m[400];
		snprintf(m, sizeof m, "no primary database server is reachable: %s", PQerrorMessage(c->c));
		set_error(c, DB_UNAVAILABLE, m);
		return -1;
	}
	log_msg(LOG_INFO, "db-reconnect", "reconnected to the database server %s:%s", PQhost(c->c), PQport(c->c));
	return session_setup(c);
}

int pg_placeholders(const char *sql, char **out)
{
	size_t n = strlen(sql);
	char *o = xmalloc(n * 4 + 1), *w = o;
	int next = 0, max = 0;
	for (const char *p = sql; *p;) {
		if (*p == '\'' || *p == '"') {
			char q = *p;
			*w++ = *p++;
			while (*p && *p != q)
				*w++ = *p++;
			if (*p)
				*w++ = *p++;
			continue;
		}
		if (*p == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				*w++ = *p++;
			continue;
		}
		if (*p != '?') {
			*w++ = *p++;
			continue;
		}
		p++;
		int k;
		if (*p >= '0' && *p <= '9') {
			k = 0;
			while (*p >= '0' && *p <= '9')
				k = k * 10 + (*p++ - '0');
		} else {
			k = max + 1;
		}
		next = k;
		if (k > max)
			max = k;
		w += sprintf(w, "$%d", next);
	}
	*w = '\0';
	*out = o;
	return max;
}

struct db *pg_open(const char *uri, struct err *e)
{
	if (pg_load(e) < 0)
		return NULL;
	/*
	 * Defaults the URI may override (its values come after them): a host that does not answer is given
	 * up after 5 s, and a connection to a machine that vanished (no reset ever comes) fails within
	 * about 15 to 30 s instead of TCP's minutes, so a failover never leaves requests hanging.
	 * PQreset() connects again with the same parameters.
	 */
	static const char *const keys[] = {"connect_timeout",
					   "keepalives_idle",
					   "keepalives_interval",
					   "keepalives_count",
					   "tcp_user_timeout",
					   "dbname",
					   NULL};
	const char *const values[] = {"5", "15", "5", "3", "15000", uri, NULL};
	PGconn *conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(conn) != CONNECTION_OK) {
		err_set(e, "cannot connect to the database: %s", PQerrorMessage(conn));
		size_t n = strlen(e->msg);
		while (n && e->msg[n - 1] == '\n')
			e->msg[--n] = '\0';
		PQfinish(conn);
		return NULL;
	}
	struct pg_conn *c = xcalloc(1, sizeof *c);
	c->c = conn;
	c->uri = xstrdup(uri);
	struct db *db = xcalloc(1, sizeof *db);
	db->engine = DB_ENGINE_PG;
	db->pg = c;
	if (session_setup(c) < 0) {
		err_set(e, "cannot set up the database connection: %s", c->msg);
		db_close(db);
		return NULL;
	}
	if (schema_pg_migrate(db, e) < 0) {
		db_close(db);
		return NULL;
	}
	return db;
}

void pg_close(struct pg_conn *c)
{
	if (!c)
		return;
	PQfinish(c->c);
	free(c->waiting);
	free(c->uri);
	free(c);
}

/* First keyword SELECT, VALUES, SHOW, or a WITH that writes nothing. */
static bool reads_only(const char *sql)
{
	while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '(')
		sql++;
	if (strncasecmp(sql, "SELECT", 6) == 0 || strncasecmp(sql, "VALUES", 6) == 0 ||
	    strncasecmp(sql, "SHOW", 4) == 0)
		return true;
	if (strncasecmp(sql, "WITH", 4) != 0)
		return false;
	static const char *const writes[] = {"INSERT", "UPDATE", "DELETE"};
	for (size_t i = 0; i < 3; i++)
		if (strcasestr(sql, writes[i]))
			return false;
	return true;
}

/* Prepares s on its connection (again after a reconnect). 0, or -1 with the connection's error set. */
static int server_prepare(struct pg_conn *c, struct pg_stmt *s)
{
	if (ensure_connected(c) < 0)
		return -1;
	PGresult *r = PQprepare(c->c, s->name, s->pgsql, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		set_error(c, code_of(c->c, r), PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	/* Results in binary when a bytea column comes back and every other column decodes simply. */
	r = PQdescribePrepared(c->c, s->name);
	bool bytea = false, simple = true;
	if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		for (int i = 0; i < PQnfields(r); i++) {
			Oid t = PQftype(r, i);
			bytea |= t == OID_BYTEA;
			simple &= t == OID_BYTEA || t == OID_INT8 || t == OID_INT4 || t == OID_INT2 || t == OID_TEXT ||
				  t == OID_VARCHAR || t == OID_FLOAT8 || t == OID_BOOL;
		}
	}
	PQclear(r);
	s->binary = bytea && simple;
	s->prepared = true;
	s->generation = c->generation;
	c->code = DB_OK;
	return 0;
}

struct pg_stmt *pg_prepare(struct db *db, const char *sql, bool cached, struct err *e)
{
	struct pg_conn *c = db->pg;
	struct pg_stmt *s = xcalloc(1, sizeof *s);
	s->conn = c;
	snprintf(s->name, sizeof s->name, "%s%u", cached ? "s" : "u", ++c->next_name);
	s->sql = xstrdup(sql);
	s->nparams = pg_placeholders(sql, &s->pgsql);
	int n = s->nparams ? s->nparams : 1;
	s->params = xcalloc((size_t)n, sizeof *s->params);
	s->values = xcalloc((size_t)n, sizeof *s->values);
	s->lengths = xcalloc((size_t)n, sizeof *s->lengths);
	s->formats = xcalloc((size_t)n, sizeof *s->formats);
	for (int i = 0; i < s->nparams; i++)
		s->params[i].null = true;
	s->readonly = reads_only(sql);
	if (server_prepare(c, s) < 0) {
		err_set(e, "%s", c->msg);
		if (c->code == DB_UNAVAILABLE)
			return s; /* prepared when the server is back */
		pg_finalize(db, s);
		return NULL;
	}
	return s;
}

void pg_finalize(struct db *db, struct pg_stmt *s)
{
	if (!s)
		return;
	pg_reset(s); /* out of the queue, if it is there */
	/* (Not while results are queued: a synchronous call would break the pipeline; the connection's end
	 * drops the prepared statement then.) */
	if (s->prepared && s->generation == db->pg->generation && PQstatus(db->pg->c) == CONNECTION_OK &&
	    !db->pg->queued) {
		char sql[64];
		snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
		PQclear(PQexec(db->pg->c, sql));
	}
	PQclear(s->res);
	for (int i = 0; i < s->nparams; i++)
		free(s->params[i].buf);
	free(s->params);
	free(s->values);
	free(s->lengths);
	free(s->formats);
	free(s->sql);
	free(s->pgsql);
	free(s->blob);
	free(s);
}

int pg_bind(struct pg_stmt *s, int idx, int type, const void *p, size_t n, int64_t i, double d)
{
	if (!s || idx < 1 || idx > s->nparams)
		return DB_ERROR;
	struct param *q = &s->params[idx - 1];
	char num[40];
	if (type == DB_INTEGER) {
		n = (size_t)snprintf(num, sizeof num, "%lld", (long long)i);
		p = num;
	} else if (type == DB_FLOAT) {
		n = (size_t)snprintf(num, sizeof num, "%.17g", d);
		p = num;
	}
	q->null = type == DB_NULL;
	s->formats[idx - 1] = type == DB_BLOB;
	if (q->null)
		return DB_OK;
	if (n + 1 > q->cap) {
		q->cap = n + 1 < 64 ? 64 : n + 1;
		q->buf = xrealloc(q->buf, q->cap);
	}
	if (n)
		memcpy(q->buf, p, n);
	q->buf[n] = '\0';
	q->len = (int)n;
	return DB_OK;
}

/*
 * Pipeline mode. pg_step_later() and pg_exec_later() send a statement without waiting (c->queued counts
 * them); the next call that needs a result sends its statement behind them with a sync and reads every
 * result in order (pipe_run()): one round trip for all. Inside a transaction a failure makes the server
 * skip the statements after it up to the sync; the first failure is then the result of that call, and
 * the transaction is in the failed state, as after any failed statement (the writer rolls back to the
 * job's savepoint). The statements sent are copied out at once: the caller may reset and reuse them.
 */

/* After a lost connection nothing queued will ever answer (PQreset() leaves pipeline mode). */
static void pipe_lost(struct pg_conn *c, const char *why)
{
	c->queued = 0;
	note_lost(c);
	set_error(c, DB_UNAVAILABLE, why);
	ensure_connected(c);
	set_error(c, DB_UNAVAILABLE, c->txn_lost ? LOST_TXN : why);
}

/* Fills the parameter arrays libpq reads from the bound values. */
static void fill_params(struct pg_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		s->values[i] = s->params[i].null ? NULL : s->params[i].buf;
		s->lengths[i] = s->params[i].len;
	}
}

/*
 * Sends s (its parameters filled), or sql, or nothing, behind the queued statements, then a sync, and
 * reads every result. *code is DB_OK, or the first failure among the queued statements (c->code and
 * c->msg say it; s and sql were then skipped). Returns the result of s or sql when none failed (the
 * caller clears it; it may be a failure of its own), else NULL.
 */
static PGresult *pipe_run(struct pg_conn *c, struct pg_stmt *s, const char *sql, int *code)
{
	*code = DB_OK;
	int ok = 1, want = c->queued + (s || sql ? 1 : 0);
	if (s)
		ok = PQsendQueryPrepared(c->c, s->name, s->nparams, s->values, s->lengths, s->formats, s->binary);
	else if (sql)
		ok = PQsendQueryParams(c->c, sql, 0, NULL, NULL, NULL, NULL, 0);
	if (!ok || !PQpipelineSync(c->c)) {
		pipe_lost(c, "the connection to the database server was lost");
		*code = DB_UNAVAILABLE;
		return NULL;
	}
	PGresult *mine = NULL;
	int idx = 0; /* the statement whose results are being read: each one's end is a NULL result */
	for (;;) {
		if (PQstatus(c->c) != CONNECTION_OK || idx > want) {
			PQclear(mine);
			pipe_lost(c, "the connection to the database server was lost");
			*code = DB_UNAVAILABLE;
			return NULL;
		}
		PGresult *r = PQgetResult(c->c);
		if (!r) {
			idx++;
			continue;
		}
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		bool last = (s || sql) && idx == want - 1;
		bool failed = st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK;
		if (!last && *code == DB_OK && failed && st != PGRES_PIPELINE_ABORTED)
			*code = set_error(c, code_of(c->c, r), PQresultErrorMessage(r));
		struct pg_stmt *to = !last && idx < c->queued ? c->waiting[idx] : NULL;
		if (to && to->queued) {
			/* A statement of pg_send(): its first pg_step() returns what happened to it. */
			to->queued = false;
			to->sent_pending = true;
			to->sent_rc = failed		 ? (*code != DB_OK ? *code : DB_ERROR)
				      : PQntuples(r) > 0 ? DB_ROW
							 : DB_DONE;
			if (!failed) {
				const char *tuples = PQcmdTuples(r);
				to->changes = *tuples && strncmp(PQcmdStatus(r), "SELECT", 6) != 0 ? atoi(tuples) : 0;
				PQclear(to->res);
				to->res = r;
				to->row = 0;
				to->nrows = PQntuples(r);
				continue;
			}
		}
		if (last && *code == DB_OK && !mine)
			mine = r;
		else
			PQclear(r);
	}
	for (int i = 0; i < c->queued; i++)
		if (c->waiting[i] && c->waiting[i]->queued) { /* never answered: the connection went */
			c->waiting[i]->queued = false;
			c->waiting[i]->sent_pending = true;
			c->waiting[i]->sent_rc = *code != DB_OK ? *code : DB_UNAVAILABLE;
		}
	c->queued = 0;
	PQexitPipelineMode(c->c);
	if (*code != DB_OK) {
		PQclear(mine);
		mine = NULL;
	}
	note_txn(c);
	return mine;
}

/* Reads the results of the queued statements: DB_OK or the first failure's code (c->msg says it). */
static int pipe_flush(struct pg_conn *c)
{
	if (!c->queued)
		return DB_OK;
	int code;
	pipe_run(c, NULL, NULL, &code);
	return code;
}

void pg_pipeline(struct pg_conn *c, bool on)
{
	if (!on)
		pipe_flush(c);
	c->pipeline = on;
}

bool pg_pipelining(struct pg_conn *c)
{
	return c->pipeline;
}

int pg_sync(struct pg_conn *c)
{
	int code = pipe_flush(c);
	if (code == DB_OK)
		c->code = DB_OK;
	return code;
}

/* Notes that the statement just sent in pipeline mode answers into s (NULL: nobody reads its result). */
static void pipe_queue(struct pg_conn *c, struct pg_stmt *s)
{
	if (c->queued == c->waitcap) {
		c->waitcap = c->waitcap ? c->waitcap * 2 : 16;
		c->waiting = xrealloc(c->waiting, (size_t)c->waitcap * sizeof *c->waiting);
	}
	c->waiting[c->queued++] = s;
	if (s)
		s->queued = true;
}

/* Starts pipeline mode for the first statement queued. False when it cannot (then run it at once). */
static bool pipe_enter(struct pg_conn *c)
{
	return c->queued || PQenterPipelineMode(c->c) == 1;
}

/*
 * Whether s can go into the pipeline now: the connection pipelines and nothing is unusual (a statement
 * to prepare first, a lost connection); else it runs at once.
 */
static bool pipe_ready(struct pg_conn *c, const struct pg_stmt *s)
{
	return c->pipeline && !c->txn_lost && PQstatus(c->c) == CONNECTION_OK && s->prepared &&
	       s->generation == c->generation && pipe_enter(c);
}

/* Sends s into the pipeline; its result goes to dest (NULL: only checked). DB_OK or DB_UNAVAILABLE. */
static int pipe_send(struct pg_conn *c, struct pg_stmt *s, struct pg_stmt *dest)
{
	fill_params(s);
	if (!PQsendQueryPrepared(c->c, s->name, s->nparams, s->values, s->lengths, s->formats, s->binary)) {
		pipe_lost(c, "the connection to the database server was lost");
		return DB_UNAVAILABLE;
	}
	pipe_queue(c, dest);
	c->code = DB_OK;
	return DB_OK;
}

int pg_step_later(struct db *db, struct pg_stmt *s)
{
	struct pg_conn *c = db->pg;
	if (!s || !pipe_ready(c, s))
		return pg_step(db, s);
	int rc = pipe_send(c, s, NULL);
	return rc == DB_OK ? DB_DONE : rc;
}

int pg_send(struct db *db, struct pg_stmt *s)
{
	struct pg_conn *c = db->pg;
	if (!s)
		return pg_step(db, s);
	if (!pipe_ready(c, s)) {
		s->sent_rc = pg_step(db, s);
		s->sent_pending = true;
		return s->sent_rc;
	}
	return pipe_send(c, s, s);
}

int pg_exec_later(struct db *db, const char *sql, struct err *e)
{
	struct pg_conn *c = db->pg;
	if (!c->pipeline || c->txn_lost || PQstatus(c->c) != CONNECTION_OK || !pipe_enter(c))
		return pg_exec(db, sql, e);
	if (!PQsendQueryParams(c->c, sql, 0, NULL, NULL, NULL, NULL, 0)) {
		pipe_lost(c, "the connection to the database server was lost");
		return err_set(e, "%s", c->msg);
	}
	pipe_queue(c, NULL);
	c->code = DB_OK;
	return 0;
}

int pg_step(struct db *db, struct pg_stmt *s)
{
	struct pg_conn *c = db->pg;
	if (!s)
		return set_error(c, DB_UNAVAILABLE, c->msg[0] ? c->msg : "no primary database server is reachable");
	if (s->queued)
		pipe_flush(c); /* its result, or the failure before it, comes back into s */
	if (s->sent_pending) {
		s->sent_pending = false;
		if (s->sent_rc == DB_ROW || s->sent_rc == DB_DONE) {
			c->code = DB_OK;
			c->changes = s->changes;
		}
		return s->sent_rc;
	}
	if (s->res) {
		if (++s->row < s->nrows)
			return DB_ROW;
		return DB_DONE;
	}
	if (PQstatus(c->c) != CONNECTION_OK)
		note_lost(c);
	/* Inside a transaction a lost connection lost the transaction too: say so, never continue it. */
	if (c->txn_lost)
		return set_error(c, DB_UNAVAILABLE, LOST_TXN);
	if (s->generation != c->generation || !s->prepared || PQstatus(c->c) != CONNECTION_OK) {
		/* Preparing waits for its answer: what is queued goes first. */
		if (pipe_flush(c) != DB_OK || server_prepare(c, s) < 0)
			return c->code;
	}
	fill_params(s);
	PGresult *r;
	if (c->queued) {
		int code;
		r = pipe_run(c, s, NULL, &code);
		if (code != DB_OK)
			return code;
	} else {
		r = PQexecPrepared(c->c, s->name, s->nparams, s->values, s->lengths, s->formats, s->binary);
	}
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		int code = code_of(c->c, r);
		set_error(c, code, PQresultErrorMessage(r));
		PQclear(r);
		if (code == DB_UNAVAILABLE) {
			/* Reconnect now (a new primary, perhaps) so the next call can run; this one failed. */
			note_lost(c);
			ensure_connected(c);
			set_error(c, DB_UNAVAILABLE,
				  c->txn_lost ? LOST_TXN : "the connection to the database server was lost");
		} else {
			note_txn(c);
		}
		return code;
	}
	note_txn(c);
	c->code = DB_OK;
	const char *tuples = PQcmdTuples(r);
	if (*tuples && strncmp(PQcmdStatus(r), "SELECT", 6) != 0)
		c->changes = atoi(tuples);
	s->changes = c->changes;
	s->res = r;
	s->row = 0;
	s->nrows = PQntuples(r);
	return s->nrows > 0 ? DB_ROW : DB_DONE;
}

void pg_reset(struct pg_stmt *s)
{
	if (!s)
		return;
	PQclear(s->res);
	s->res = NULL;
	s->row = s->nrows = 0;
	s->sent_pending = false;
	if (s->queued) { /* its result, when it comes, goes nowhere (a failure is still the round trip's) */
		for (int i = 0; i < s->conn->queued; i++)
			if (s->conn->waiting[i] == s)
				s->conn->waiting[i] = NULL;
		s->queued = false;
	}
}

void pg_clear(struct pg_stmt *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nparams; i++)
		s->params[i].null = true;
}

/* The value of col in the current row, or NULL (SQL NULL, no row, no such column). */
static const char *value(struct pg_stmt *s, int col, Oid *type, int *len)
{
	if (!s || !s->res || s->row >= s->nrows || col < 0 || col >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row, col))
		return NULL;
	*type = PQftype(s->res, col);
	*len = PQgetlength(s->res, s->row, col);
	return PQgetvalue(s->res, s->row, col);
}

int64_t pg_col_int64(struct pg_stmt *s, int col)
{
	Oid t;
	int len;
	const char *v = value(s, col, &t, &len);
	if (!v)
		return 0;
	if (s->binary) {
		uint64_t u8;
		uint32_t u4;
		uint16_t u2;
		switch (t) {
		case OID_INT8:
			memcpy(&u8, v, 8);
			return (int64_t)be64toh(u8);
		case OID_INT4:
			memcpy(&u4, v, 4);
			return (int32_t)be32toh(u4);
		case OID_INT2:
			memcpy(&u2, v, 2);
			return (int16_t)be16toh(u2);
		case OID_BOOL:
			return v[0] != 0;
		case OID_FLOAT8:
			return (int64_t)pg_col_double(s, col);
		default:
			break;
		}
	}
	if (t == OID_BOOL)
		return v[0] == 't';
	if (t == OID_FLOAT8 || t == OID_FLOAT4 || t == OID_NUMERIC)
		return (int64_t)strtod(v, NULL);
	return strtoll(v, NULL, 10);
}

double pg_col_double(struct pg_stmt *s, int col)
{
	Oid t;
	int len;
	const char *v = value(s, col, &t, &len);
	if (!v)
		return 0;
	if (s->binary && t == OID_FLOAT8) {
		uint64_t u;
		double d;
		memcpy(&u, v, 8);
		u = be64toh(u);
		memcpy(&d, &u, 8);
		return d;
	}
	if (s->binary && t != OID_TEXT && t != OID_VARCHAR)
		return (double)pg_col_int64(s, col);
	return strtod(v, NULL);
}

const char *pg_col_text(struct pg_stmt *s, int col)
{
	Oid t;
	int len;
	const char *v = value(s, col, &t, &len);
	if (!v)
		return "";
	if (s->binary && t != OID_TEXT && t != OID_VARCHAR && t != OID_BYTEA) {
		/* A number of a binary result as text (rare: the SQL asked for a number). */
		static _Thread_local char num[40];
		if (t == OID_FLOAT8)
			snprintf(num, sizeof num, "%.17g", pg_col_double(s, col));
		else
			snprintf(num, sizeof num, "%lld", (long long)pg_col_int64(s, col));
		return num;
	}
	if (!s->binary && t == OID_BYTEA) {
		int n;
		return pg_col_blob(s, col, &n);
	}
	return v;
}

const void *pg_col_blob(struct pg_stmt *s, int col, int *len)
{
	Oid t;
	const char *v = value(s, col, &t, len);
	if (!v) {
		*len = 0;
		return NULL;
	}
	if (s->binary || t != OID_BYTEA)
		return v;
	/* Text-mode bytea: "\x" and hex digits, decoded into the statement's buffer. */
	if (strncmp(v, "\\x", 2) != 0)
		return v;
	size_t n = (size_t)(*len - 2) / 2;
	if (n + 1 > s->blobcap) {
		s->blobcap = n + 1;
		s->blob = xrealloc(s->blob, s->blobcap);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned hi = (unsigned)v[2 + 2 * i], lo = (unsigned)v[3 + 2 * i];
		hi = hi <= '9' ? hi - '0' : (hi | 0x20) - 'a' + 10;
		lo = lo <= '9' ? lo - '0' : (lo | 0x20) - 'a' + 10;
		s->blob[i] = (char)(hi << 4 | lo);
	}
	s->blob[n] = '\0';
	*len = (int)n;
	return s->blob;
}

int pg_col_type(struct pg_stmt *s, int col)
{
	Oid t;
	int len;
	if (!value(s, col, &t, &len))
		return DB_NULL;
	switch (t) {
	case OID_INT8:
	case OID_INT4:
	case OID_INT2:
	case OID_BOOL:
		return DB_INTEGER;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		return DB_FLOAT;
	case OID_BYTEA:
		return DB_BLOB;
	default:
		return DB_TEXT;
	}
}

int pg_col_count(struct pg_stmt *s)
{
	return s && s->res ? PQnfields(s->res) : 0;
}

bool pg_readonly(struct pg_stmt *s)
{
	return !s || s->readonly;
}

const char *pg_sql(struct pg_stmt *s)
{
	return s ? s->sql : "";
}

int pg_exec(struct db *db, const char *sql, struct err *e)
{
	struct pg_conn *c = db->pg;
	bool rollback = strcasecmp(sql, "ROLLBACK") == 0;
	if (PQstatus(c->c) != CONNECTION_OK) {
		note_lost(c);
		if (ensure_connected(c) < 0 && !rollback)
			return err_set(e, "%s", c->msg);
	}
	if (c->queued) {
		/* A COMMIT goes in the same round trip as what is queued; anything else waits for it. A rollback
		 * is sent whatever became of the queued statements: it is how a failure among them is undone. */
		int code;
		PGresult *r = NULL;
		if (strcasecmp(sql, "COMMIT") == 0)
			r = pipe_run(c, NULL, sql, &code);
		else
			code = pipe_flush(c);
		if (code != DB_OK && strncasecmp(sql, "ROLLBACK", 8) != 0)
			return err_set(e, "database error: %s", c->msg);
		if (r) {
			ExecStatusType st = PQresultStatus(r);
			if (st != PGRES_COMMAND_OK) {
				set_error(c, code_of(c->c, r), PQresultErrorMessage(r));
				PQclear(r);
				note_txn(c);
				return err_set(e, "database error: %s", c->msg);
			}
			PQclear(r);
			note_txn(c);
			c->code = DB_OK;
			return 0;
		}
	}
	if (c->txn_lost) {
		if (!rollback) {
			set_error(c, DB_UNAVAILABLE, LOST_TXN);
			return err_set(e, "%s", c->msg);
		}
		c->txn_lost = false; /* the caller ends the transaction that was lost: nothing to send */
		c->code = DB_OK;
		return 0;
	}
	PGresult *r = PQexec(c->c, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
		set_error(c, code_of(c->c, r), PQresultErrorMessage(r));
		PQclear(r);
		if (c->code == DB_UNAVAILABLE) {
			note_lost(c);
			ensure_connected(c);
		} else {
			note_txn(c);
		}
		return err_set(e, "database error: %s", c->msg);
	}
	PQclear(r);
	note_txn(c);
	c->code = DB_OK;
	return 0;
}

int pg_changes(struct pg_conn *c)
{
	return c->changes;
}

const char *pg_errmsg(struct pg_conn *c)
{
	return c->code == DB_OK ? "not an error" : c->msg;
}

int pg_errcode(struct pg_conn *c)
{
	return c->code;
}

bool pg_autocommit(struct pg_conn *c)
{
	if (c->txn_lost || (c->in_txn && PQstatus(c->c) != CONNECTION_OK))
		return false; /* a lost transaction the caller still has to roll back */
	return PQtransactionStatus(c->c) == PQTRANS_IDLE || PQstatus(c->c) != CONNECTION_OK;
}
