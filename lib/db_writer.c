/* The group writer: durable writes of many requests in one commit (db_group_*() in lib/db.h). */
#include "lib/db.h"

#include <pthread.h>

#include "lib/db_private.h"

/* Group commit: a queue of jobs served by one writer thread. */
struct job {
	db_write_fn fn;
	void *arg;
	struct err *e;
	int rc;
	bool done;
	bool unreachable; /* it failed because no database server was reachable (db_unavailable()) */
	struct job *next;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct job *head, *tail;
	pthread_t thread;
	struct db *db;
	bool running, stop;
} group = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, NULL, false, false};

/*
 * Runs one batch in one transaction; each job in a savepoint. On PostgreSQL the connection pipelines
 * (db_pipeline()): a job's SAVEPOINT goes with its first statement, its RELEASE with the next job's, the
 * writes whose result a job does not need (db_step_later()) with its next read, and the last RELEASE with
 * the COMMIT. A job's result includes its own statements still on their way (db_sync() at its end), so a
 * failure among them rolls back that job alone, as before.
 */
static void group_run(struct job *batch)
{
	struct err e;
	db_unreachable = false;
	int brc = db_begin(group.db, &e);
	for (struct job *j = batch; j; j = j->next) {
		if (brc < 0) {
			j->rc = err_set(j->e, "%s", e.msg);
			continue;
		}
		db_exec_later(group.db, "SAVEPOINT job", NULL);
		j->rc = j->fn(group.db, j->arg, j->e);
		if (j->rc >= 0 && db_sync(group.db, &e) < 0)
			j->rc = err_set(j->e, "%s", e.msg);
		if (j->rc < 0) {
			db_sync(group.db, NULL); /* what the job left on its way is undone with it */
			db_exec(group.db, "ROLLBACK TO job", NULL);
		}
		db_exec_later(group.db, "RELEASE job", NULL);
	}
	if (brc == 0 && db_commit(group.db, &e) < 0) {
		for (struct job *j = batch; j; j = j->next)
			if (j->rc >= 0)
				j->rc = err_set(j->e, "%s", e.msg);
	}
	/* The waiting request threads answer 503, not 500, for a write lost with the connection. */
	for (struct job *j = batch; j && db_unreachable; j = j->next)
		j->unreachable = j->rc < 0;
}

static void *group_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&group.lock);
	for (;;) {
		while (!group.head && !group.stop)
			pthread_cond_wait(&group.work, &group.lock);
		if (!group.head && group.stop)
			break;
		struct job *batch = group.head;
		group.head = group.tail = NULL;
		pthread_mutex_unlock(&group.lock);
		unsigned long long t0 = db_now_us(), jobs = 0;
		for (struct job *j = batch; j; j = j->next)
			jobs++;
		group_run(batch);
		unsigned long long took = db_now_us() - t0;
		DB_COUNT(db_counters.batches, 1);
		DB_COUNT(db_counters.batch_jobs, jobs);
		DB_COUNT(db_counters.batch_le[db_bucket(db_batch_bounds, DB_BATCH_BUCKETS - 1, (double)jobs)], 1);
		DB_COUNT(db_counters.commit_us, took);
		DB_COUNT(db_counters.commit_le[db_bucket(db_commit_bounds, DB_COMMIT_BUCKETS - 1, (double)took / 1e6)],
			 1);
		pthread_mutex_lock(&group.lock);
		for (struct job *j = batch, *next; j; j = next) {
			next = j->next;
			j->done = true;
		}
		pthread_cond_broadcast(&group.done);
	}
	pthread_mutex_unlock(&group.lock);
	/* Closed here: the statement cache belongs to this thread. */
	db_close(group.db);
	group.db = NULL;
	return NULL;
}

int db_group_start(const char *path, struct err *e)
{
	if (group.running)
		return 0;
	group.db = db_open(path, e);
	if (!group.db)
		return -1;
	db_wal_hook(group.db);
	db_pipeline(group.db, true);
	group.stop = false;
	if (pthread_create(&group.thread, NULL, group_main, NULL) != 0) {
		db_close(group.db);
		group.db = NULL;
		return err_set(e, "cannot start the database writer thread");
	}
	group.running = true;
	return 0;
}

void db_group_stop(void)
{
	if (!group.running)
		return;
	pthread_mutex_lock(&group.lock);
	group.stop = true;
	pthread_cond_signal(&group.work);
	pthread_mutex_unlock(&group.lock);
	pthread_join(group.thread, NULL);
	group.running = false;
}

int db_group_write(struct db *db, db_write_fn fn, void *arg, struct err *e)
{
	db_snapshot_stop(db); /* the caller's later reads then see this write */
	if (!group.running || db_in_txn(db)) {
		/* No writer thread, or the caller is inside its own transaction: run here. */
		bool own = !db_in_txn(db);
		if (own && db_begin(db, e) < 0)
			return -1;
		int rc = fn(db, arg, e);
		if (!own)
			return rc;
		if (rc < 0) {
			db_rollback(db);
			return rc;
		}
		return db_commit(db, e) < 0 ? -1 : rc;
	}
	struct job j = {.fn = fn, .arg = arg, .e = e};
	/* Others may use this thread's pooled connection while it waits for the commit. */
	db_pool_pause();
	pthread_mutex_lock(&group.lock);
	if (group.tail)
		group.tail->next = &j;
	else
		group.head = &j;
	group.tail = &j;
	pthread_cond_signal(&group.work);
	while (!j.done)
		pthread_cond_wait(&group.done, &group.lock);
	pthread_mutex_unlock(&group.lock);
	db_pool_resume();
	if (j.unreachable)
		db_unreachable = true;
	return j.rc;
}
