/* The server's connection pool (db_pool_*() in lib/db.h). */
#include "lib/db.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/db_private.h"
#include "lib/xmalloc.h"

/*
 * The server's connections: a fixed set lent to request threads one at a
 * time. A connection and its statement cache travel together: take() binds
 * the entry's cache to the taking thread, give() unbinds it.
 */
struct waiter {
	struct waiter *next;
	pthread_cond_t cv;
	struct pooled *got;
};

struct pooled {
	struct db *db;
	struct stmt_slot *slots;
	size_t nslots, capslots;
	bool busy;
	/* Threads that paused this entry and wait to get it back (several may have lent it in turn). */
	struct waiter *reclaim;
};

/*
 * Free entries are handed to waiting threads in arrival order, each waiter
 * woken alone (a broadcast woke a thousand threads for one connection).
 */
struct db_pool {
	pthread_mutex_t lock;
	struct pooled *conns;
	int n;
	struct waiter *head, *tail;
};

static _Thread_local struct pooled *bound; /* the entry this thread holds */
static _Thread_local struct db_pool *bound_pool;
static _Thread_local struct pooled *paused; /* lent out by db_pool_pause() */
/* The thread's own statement cache (its other connections), put aside while an entry is bound. */
static _Thread_local struct stmt_slot *own_slots;
static _Thread_local size_t own_nslots, own_capslots;

static void bind_entry(struct db_pool *p, struct pooled *c)
{
	c->busy = true;
	bound = c;
	bound_pool = p;
	own_slots = db_slots;
	own_nslots = db_nslots;
	own_capslots = db_capslots;
	db_slots = c->slots;
	db_nslots = c->nslots;
	db_capslots = c->capslots;
}

/* Gives the bound entry up: to its reclaimer, the first waiter, or the free set. Pool lock held. */
static void unbind_entry(struct db_pool *p)
{
	struct pooled *c = bound;
	c->slots = db_slots;
	c->nslots = db_nslots;
	c->capslots = db_capslots;
	db_slots = own_slots;
	db_nslots = own_nslots;
	db_capslots = own_capslots;
	own_slots = NULL;
	own_nslots = own_capslots = 0;
	bound = NULL;
	struct waiter *w = c->reclaim;
	if (w) {
		c->reclaim = w->next;
	} else if ((w = p->head) != NULL) {
		p->head = w->next;
		if (!p->head)
			p->tail = NULL;
	}
	if (w) {
		w->got = c; /* stays busy: handed over */
		pthread_cond_signal(&w->cv);
	} else {
		c->busy = false;
	}
}

/* Waits for an entry (a specific one when want is set). Pool lock held. */
/*
 * Waits for an entry (a specific one when want is set; then without a time
 * limit). NULL when timeout_ms passed first. Called with the pool lock held.
 */
static struct pooled *wait_entry(struct db_pool *p, struct pooled *want, int timeout_ms)
{
	struct waiter *w = xcalloc(1, sizeof *w);
	pthread_cond_init(&w->cv, NULL);
	if (want) {
		w->next = want->reclaim;
		want->reclaim = w;
	} else {
		if (p->tail)
			p->tail->next = w;
		else
			p->head = w;
		p->tail = w;
	}
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!w->got) {
		if (want || timeout_ms <= 0) {
			pthread_cond_wait(&w->cv, &p->lock);
		} else if (pthread_cond_timedwait(&w->cv, &p->lock, &until) == ETIMEDOUT && !w->got) {
			/* Out of the queue: nobody can hand it an entry any more. */
			struct waiter *prev = NULL;
			for (struct waiter *q = p->head; q; prev = q, q = q->next) {
				if (q != w)
					continue;
				if (prev)
					prev->next = q->next;
				else
					p->head = q->next;
				if (p->tail == q)
					p->tail = prev;
				break;
			}
			break;
		}
	}
	struct pooled *got = w->got;
	pthread_cond_destroy(&w->cv);
	free(w);
	return got;
}

struct db_pool *db_pool_open(const char *path, int n, int cache_kb, struct err *e)
{
	struct db_pool *p = xcalloc(1, sizeof *p);
	pthread_mutex_init(&p->lock, NULL);
	p->conns = xcalloc((size_t)n, sizeof *p->conns);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", cache_kb);
	for (p->n = 0; p->n < n; p->n++) {
		struct db *db = db_open(path, e);
		if (!db || (db_engine(db) == DB_ENGINE_SQLITE && db_exec(db, sql, e) < 0) ||
		    (db_engine(db) == DB_ENGINE_PG && pg_serving(db, e) < 0)) {
			db_close(db);
			db_pool_close(p);
			return NULL;
		}
		db_forget(db); /* statements db_open() cached on this thread: the entry starts its own */
		db_wal_hook(db);
		p->conns[p->n].db = db;
	}
	return p;
}

void db_pool_close(struct db_pool *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++) {
		struct pooled *c = &p->conns[i];
		for (size_t k = 0; k < c->nslots; k++)
			db_finalize(c->slots[k].st);
		free(c->slots);
		c->slots = NULL;
		c->nslots = 0;
		db_close(c->db);
	}
	free(p->conns);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

struct db *db_pool_take(struct db_pool *p, int timeout_ms)
{
	db_read_error[0] = '\0'; /* a new request: an earlier one's failed read is not its own */
	db_unreachable = false;
	pthread_mutex_lock(&p->lock);
	struct pooled *c = NULL;
	/* The lowest free entry: under light load a few connections stay warm. */
	for (int i = 0; i < p->n && !c; i++)
		if (!p->conns[i].busy)
			c = &p->conns[i];
	DB_COUNT(db_counters.pool_takes, 1);
	if (!c) {
		unsigned long long t0 = db_now_us();
		c = wait_entry(p, NULL, timeout_ms);
		DB_COUNT(db_counters.pool_waits, 1);
		DB_COUNT(db_counters.pool_wait_us, db_now_us() - t0);
		if (!c)
			DB_COUNT(db_counters.pool_timeouts, 1);
	}
	if (c)
		bind_entry(p, c);
	pthread_mutex_unlock(&p->lock);
	return c ? c->db : NULL;
}

void db_pool_give(struct db_pool *p, struct db *db)
{
	paused = NULL; /* a pause without its resume: the entry is already given up */
	if (!bound || bound->db != db)
		return;
	/* The request is over: a statement left running (a missing db_finish) would otherwise keep a read
	 * transaction open on this connection for every later request. */
	for (size_t i = 0; i < db_nslots; i++)
		if (db_slots[i].busy)
			db_reset(db_slots[i].st);
	if (db->lite)
		for (sqlite3_stmt *st = sqlite3_next_stmt(db->lite, NULL); st; st = sqlite3_next_stmt(db->lite, st))
			if (sqlite3_stmt_busy(st))
				sqlite3_reset(st);
	for (size_t i = 0; i < db_nslots; i++)
		db_slots[i].busy = false;
	db_rollback(db); /* never lend out an open transaction */
	pthread_mutex_lock(&p->lock);
	unbind_entry(p);
	pthread_mutex_unlock(&p->lock);
}

int db_pool_waiting(struct db_pool *p)
{
	int n = 0;
	pthread_mutex_lock(&p->lock);
	for (const struct waiter *w = p->head; w; w = w->next)
		n++;
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* True when the connection can be used by someone else now: no transaction, no running statement. */
static bool lendable(struct db *db)
{
	return db_autocommit(db) && db_stmts_idle(db);
}

void db_pool_pause(void)
{
	if (bound)
		db_snapshot_stop(bound->db);
	if (!bound || paused || !lendable(bound->db))
		return;
	struct db_pool *p = bound_pool;
	paused = bound;
	pthread_mutex_lock(&p->lock);
	unbind_entry(p);
	pthread_mutex_unlock(&p->lock);
}

void db_pool_resume(void)
{
	if (!paused)
		return;
	struct db_pool *p = bound_pool;
	struct pooled *c = paused;
	paused = NULL;
	pthread_mutex_lock(&p->lock);
	if (c->busy) {
		unsigned long long t0 = db_now_us();
		c = wait_entry(p, c, 0);
		DB_COUNT(db_counters.pool_waits, 1);
		DB_COUNT(db_counters.pool_wait_us, db_now_us() - t0);
	}
	bind_entry(p, c);
	pthread_mutex_unlock(&p->lock);
}
