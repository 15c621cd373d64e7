/* The checkpoint thread (db_checkpointer_*(), db_wal_hook() in lib/db.h). */
#include "lib/db.h"

#include <pthread.h>
#include <time.h>

#include <sqlite3.h>

/*
 * SQLite checkpoints the WAL inside whichever commit takes it past 1,000
 * pages, so that one request (and, on the group writer, every request in its
 * group) waits for the copy and its fsync. The server's connections report
 * the WAL's size here instead, and one thread of its own checkpoints.
 */
#define CHECKPOINT_PAGES 1000
/* Seconds between checks that the database file is still there, and between idle checkpoints. */
#define CHECK_FILE_S 2
#define CHECKPOINT_EVERY_S 30

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	struct db *db;
	bool running, stop, due;
} ckpt = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, NULL, false, false, false};

static int wal_grew(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)arg, (void)db, (void)name;
	if (pages >= CHECKPOINT_PAGES && ckpt.running) {
		pthread_mutex_lock(&ckpt.lock);
		ckpt.due = true;
		pthread_cond_signal(&ckpt.wake);
		pthread_mutex_unlock(&ckpt.lock);
	}
	return SQLITE_OK;
}

void db_wal_hook(struct db *db)
{
	if (db_sqlite(db))
		sqlite3_wal_hook(db_sqlite(db), wal_grew, NULL);
}

static void *ckpt_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&ckpt.lock);
	int idle = 0;
	while (!ckpt.stop) {
		if (!ckpt.due) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += CHECK_FILE_S;
			pthread_cond_timedwait(&ckpt.wake, &ckpt.lock, &until);
			if (ckpt.stop)
				break;
		}
		pthread_mutex_unlock(&ckpt.lock);
		/* The file checked every few seconds: a deleted database is reported even when nothing writes. */
		bool file_ok = db_file_ok();
		pthread_mutex_lock(&ckpt.lock);
		/* Checkpoint when due, and now and then for writes made by other processes. */
		if (!ckpt.due && ++idle < CHECKPOINT_EVERY_S / CHECK_FILE_S)
			continue;
		idle = 0;
		ckpt.due = false;
		pthread_mutex_unlock(&ckpt.lock);
		if (file_ok)
			sqlite3_wal_checkpoint_v2(db_sqlite(ckpt.db), NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&ckpt.lock);
	}
	pthread_mutex_unlock(&ckpt.lock);
	return NULL;
}

int db_checkpointer_start(const char *path, struct err *e)
{
	if (ckpt.running || db_is_uri(path))
		return 0; /* PostgreSQL checkpoints on its own */
	ckpt.db = db_open(path, e);
	if (!ckpt.db)
		return -1;
	ckpt.stop = ckpt.due = false;
	if (pthread_create(&ckpt.thread, NULL, ckpt_main, NULL) != 0) {
		db_close(ckpt.db);
		ckpt.db = NULL;
		return err_set(e, "cannot start the checkpoint thread");
	}
	ckpt.running = true;
	return 0;
}

void db_checkpointer_stop(void)
{
	if (!ckpt.running)
		return;
	pthread_mutex_lock(&ckpt.lock);
	ckpt.stop = true;
	pthread_cond_signal(&ckpt.wake);
	pthread_mutex_unlock(&ckpt.lock);
	pthread_join(ckpt.thread, NULL);
	ckpt.running = false;
	db_close(ckpt.db);
	ckpt.db = NULL;
}
