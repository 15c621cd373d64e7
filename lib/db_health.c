/* Health of the database: the file watch, integrity checks, backups, the health check. */
#include "lib/db.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/db_private.h"
#include "lib/xmalloc.h"

/* The file the server opened (db_watch); lost is set once it is gone and stays set. */
static struct {
	pthread_mutex_t lock;
	char *path;
	dev_t dev;
	ino_t ino;
	bool lost;
} watch = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, false};

int db_watch(const char *path, struct err *e)
{
	struct stat sb;
	if (!path || db_is_uri(path)) { /* PostgreSQL: no file to watch */
		pthread_mutex_lock(&watch.lock);
		free(watch.path);
		watch.path = NULL;
		watch.lost = false;
		pthread_mutex_unlock(&watch.lock);
		return 0;
	}
	if (stat(path, &sb) < 0)
		return err_set(e, "cannot watch database '%s': %s", path, strerror(errno));
	pthread_mutex_lock(&watch.lock);
	free(watch.path);
	watch.path = xstrdup(path);
	watch.dev = sb.st_dev;
	watch.ino = sb.st_ino;
	watch.lost = false;
	pthread_mutex_unlock(&watch.lock);
	return 0;
}

bool db_file_ok(void)
{
	pthread_mutex_lock(&watch.lock);
	bool ok = !watch.lost;
	if (ok && watch.path) {
		struct stat sb;
		int rc = stat(watch.path, &sb);
		/* Only a missing file or another inode counts: a passing error (EINTR, ENOMEM) is not a loss. */
		if ((rc < 0 && errno == ENOENT) || (rc == 0 && (sb.st_dev != watch.dev || sb.st_ino != watch.ino))) {
			watch.lost = true;
			ok = false;
			fprintf(stderr,
				"sala: ALERT: the database file '%s' was %s while the server was running. Every write "
				"is refused (503) from now on, because it would go to the old file that is no longer "
				"there. Put the right file back at '%s' (from a backup, with its key) and restart the "
				"server.\n",
				watch.path, rc < 0 ? "deleted" : "replaced by another file", watch.path);
			fflush(stderr);
		}
	}
	pthread_mutex_unlock(&watch.lock);
	return ok;
}

int db_quick_check(struct db *db, struct err *e)
{
	if (!db_sqlite(db))
		return 0; /* PostgreSQL checks its own pages (data checksums); nothing to ask here */
	struct db_stmt *st = db_prepare(db, "PRAGMA quick_check");
	int rc = db_step(st);
	if (rc != DB_ROW) {
		err_set(e, "PRAGMA quick_check failed: %s", db_errmsg(db));
		db_finalize(st);
		return -1;
	}
	/* The first row is "ok", or the first of the problems found (on one line). */
	if (strcmp(db_col_text(st, 0), "ok") != 0) {
		char *finding = xstrdup(db_col_text(st, 0));
		for (char *p = finding; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		err_set(e, "PRAGMA quick_check: %s", finding);
		free(finding);
		db_finalize(st);
		return -1;
	}
	db_finalize(st);
	return 0;
}

int db_backup(struct db *db, const char *path, struct err *e)
{
	if (!db_sqlite(db))
		return err_set(e, "sala backup copies SQLite databases only: back up a PostgreSQL database with "
				  "pg_dump (and the signing key file)");
	sqlite3 *dst = NULL;
	/* Personal data: the copy is created 0600 before SQLite writes to it (it would make it 0644). */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, "cannot create backup '%s': %s", path, strerror(errno));
	fchmod(fd, 0600);
	close(fd);
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		err_set(e, "cannot create backup '%s': %s", path, dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", db_sqlite(db), "main");
	if (!b) {
		err_set(e, "cannot start backup to '%s': %s", path, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	int rc;
	/*
	 * One step copies every page inside one read transaction: in WAL mode it
	 * does not block writers, and it sees one consistent snapshot. (Copying
	 * in small steps restarts from the start whenever another connection
	 * writes, so under steady writes it might never finish.)
	 */
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(5);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		err_set(e, "backup to '%s' failed: %s", path, sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -1;
	}
	int ok = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	sqlite3_close(dst);
	(void)ok;
	return 0;
}

int db_health_check(struct db *db, struct err *e)
{
	db_snapshot_stop(db);
	if (db_begin(db, e) < 0)
		return -1;
	struct db_stmt *st = db_stmt(db, db_sqlite(db) ? "SELECT count(*) FROM sqlite_schema"
						       : "SELECT count(*) FROM information_schema.tables");
	int rc = db_step(st);
	db_finish(st);
	if (rc != DB_ROW) {
		err_set(e, "cannot read the database: %s", db_errmsg(db));
		db_rollback(db);
		return -1;
	}
	st =
	    db_stmt(db, db_sqlite(db) ? "INSERT INTO settings(key, value) VALUES ('health_heartbeat', datetime('now')) "
					"ON CONFLICT(key) DO UPDATE SET value = excluded.value"
				      : "INSERT INTO settings(key, value) VALUES ('health_heartbeat', now()::text) "
					"ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	rc = db_step(st);
	db_finish(st);
	if (rc != DB_DONE) {
		err_set(e, "cannot write to the database: %s", db_errmsg(db));
		db_rollback(db);
		return -1;
	}
	db_rollback(db);
	return 0;
}

bool db_copy_ok(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	/* Not db_prepare(): a damaged copy fails to prepare, which is an answer here, not a bug. */
	bool ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
		  sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
		  sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}
