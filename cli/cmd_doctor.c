/*
 * sala doctor: checks an installation and prints each problem with the command
 * that fixes it. Exit status 0 when nothing was found, 1 otherwise (2: usage).
 * It runs as the user that owns the database (the server's user), so that
 * opening the database never leaves files the server cannot write.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "accounts/users.h"
#include "certificates/cert.h"
#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/db.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#define DOCTOR_BACKUPS_DIR "/var/backups/sala"
#define DOCTOR_MIN_FREE_MB 1024
#define DOCTOR_MAX_BACKUP_AGE_HOURS 36

struct doctor {
	const char *db;	    /* database path as given */
	const char *dbflag; /* " --db PATH" for the fix commands */
	int problems;
};

static void ok(const char *check, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct doctor *d, const char *check, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void ok(const char *check, const char *fmt, ...)
{
	va_list ap;
	printf("ok       %-10s ", check);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* One problem: what is wrong, then the command (or step) that fixes it. */
static void problem(struct doctor *d, const char *check, const char *fix, const char *fmt, ...)
{
	va_list ap;
	printf("PROBLEM  %-10s ", check);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n         fix: %s\n", fix);
	d->problems++;
}

static const char *user_name(uid_t uid, char *out, size_t n)
{
	struct passwd *pw = getpwuid(uid);
	if (pw)
		snprintf(out, n, "%s", pw->pw_name);
	else
		snprintf(out, n, "%ld", (long)uid);
	return out;
}

/* The database and its side files must not be readable by other users. */
static void check_file_modes(struct doctor *d)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	int bad = 0;
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		char *p = xasprintf("%s%s", d->db, sfx[i]);
		struct stat st;
		if (stat(p, &st) == 0 && (st.st_mode & 0007)) {
			char *fix = xasprintf("chmod o-rwx '%s'", p);
			problem(d, "files", fix, "'%s' is readable by other users (mode %04o): it holds personal data",
				p, (unsigned)(st.st_mode & 07777));
			free(fix);
			bad++;
		}
		free(p);
	}
	if (!bad)
		ok("files", "the database and its -wal/-shm files are not readable by other users");
}

/* The signing key: present, mode 0600, owned by the user that runs the server (this one). */
static void check_key(struct doctor *d)
{
	char *key = cert_key_path(d->db);
	struct stat st;
	char who[64], owner[64];
	user_name(geteuid(), who, sizeof who);
	if (stat(key, &st) < 0) {
		char *fix = xasprintf("put back the key from a backup (BACKUP.db.key, mode 0600); a site with no "
				      "certificates yet: sala cert keygen%s",
				      d->dbflag);
		problem(d, "key", fix, "no signing key '%s': certificates cannot be issued or verified", key);
		free(fix);
	} else if ((st.st_mode & 07777) != 0600) {
		char *fix = xasprintf("chmod 0600 '%s'", key);
		problem(d, "key", fix, "signing key '%s' has mode %04o, not 0600", key, (unsigned)(st.st_mode & 07777));
		free(fix);
	} else if (st.st_uid != geteuid()) {
		char *fix = xasprintf("as root: chown %s '%s'", who, key);
		problem(d, "key", fix, "signing key '%s' belongs to %s, not to %s", key,
			user_name(st.st_uid, owner, sizeof owner), who);
		free(fix);
	} else {
		ok("key", "'%s' is present, mode 0600, owned by %s", key, who);
	}
	free(key);
}

static void check_settings(struct doctor *d, struct db *db)
{
	char *base = db_setting_get(db, "base_url");
	if (!base) {
		char *def = setting_value(db, "base_url");
		char *fix = xasprintf(
		    "sala settings set base_url https://sala.example.gov.kh%s   (your public address)", d->dbflag);
		problem(d, "base_url", fix, "base_url is still the default %s: certificate QR codes point there", def);
		free(fix);
		free(def);
	} else {
		ok("base_url", "%s", base);
	}
	free(base);
}

static void check_demo(struct doctor *d, struct db *db)
{
	struct buf names = BUF_INIT, demo_admins = BUF_INIT;
	struct err e;
	int n = users_demo_active(db, &names, &e);
	int real_admins = n < 0 ? -1 : users_admins_active(db, false, NULL, &e);
	if (real_admins < 0 || users_admins_active(db, true, &demo_admins, &e) < 0) {
		problem(d, "demo", "check the database (sala doctor's integrity check above)", "%s", e.msg);
	} else if (n == 0) {
		ok("demo", "no demo account can log in");
	} else {
		char *copy = xstrdup(buf_str(&names));
		char *admins = xasprintf(" %s ", buf_str(&demo_admins));
		for (char *save = NULL, *u = strtok_r(copy, " ", &save); u; u = strtok_r(NULL, " ", &save)) {
			char *me = xasprintf(" %s ", u);
			/* The last administrator cannot be disabled: the site's own one comes first. */
			char *first = real_admins == 0 && strstr(admins, me)
					  ? xasprintf("sala user add%s --username NAME --name \"FULL NAME\" --org KH "
						      "--role admin --password-stdin; then: ",
						      d->dbflag)
					  : xstrdup("");
			char *fix = xasprintf("%ssala user disable %s%s   (or: sala user delete %s%s)", first, u,
					      d->dbflag, u, d->dbflag);
			problem(d, "demo", fix, "demo account '%s' is active with its published password", u);
			free(fix);
			free(first);
			free(me);
		}
		free(admins);
		free(copy);
	}
	buf_release(&names);
	buf_release(&demo_admins);
}

static void check_integrity(struct doctor *d, struct db *db)
{
	struct err e;
	if (db_quick_check(db, &e) < 0)
		problem(d, "integrity",
			"stop the server and restore the last good backup (docs/operations.md, Restore)", "%s", e.msg);
	else
		ok("integrity", "PRAGMA quick_check: ok");
}

/* The folder that holds path ("." for a bare name) into out. */
static void dir_of(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(out, n, ".");
	else if (slash == path)
		snprintf(out, n, "/");
	else
		snprintf(out, n, "%.*s", (int)(slash - path), path);
}

static void check_disk(struct doctor *d, long min_mb)
{
	char dir[4096];
	dir_of(d->db, dir, sizeof dir);
	struct statvfs vfs;
	if (statvfs(dir, &vfs) < 0) {
		problem(d, "disk", "check the folder exists and is readable", "cannot read free space of '%s': %s", dir,
			strerror(errno));
		return;
	}
	long long free_mb = (long long)vfs.f_bavail * (long long)vfs.f_frsize / (1024 * 1024);
	if (free_mb < min_mb) {
		char *fix = xasprintf("free space on the file system of '%s' (df -h '%s'; old backups: ls -lt "
				      "/var/backups/sala)",
				      dir, dir);
		problem(d, "disk", fix, "only %lld MB free next to the database (want at least %ld MB)", free_mb,
			min_mb);
		free(fix);
	} else {
		ok("disk", "%lld MB free in '%s'", free_mb, dir);
	}
}

/* The newest regular file named *.db in dir (backups are sala-DATE.db); its age and whether FILE.key is beside it. */
static void check_backups(struct doctor *d, const char *dir, long max_hours)
{
	char *fix_now = xasprintf("sala backup %s/sala-$(date +%%F).db%s   (or: systemctl start sala-backup.service)",
				  dir, d->dbflag);
	DIR *dh = opendir(dir);
	if (!dh) {
		char *msg = xasprintf("cannot open the backup folder '%s': %s", dir, strerror(errno));
		char *fix = errno == ENOENT
				? xasprintf("as root: install -d -m 0750 -o sala -g sala '%s', then: %s", dir, fix_now)
				: xasprintf("run sala doctor as the user that writes the backups");
		problem(d, "backup", fix, "%s", msg);
		free(fix);
		free(msg);
		free(fix_now);
		return;
	}
	char *newest = NULL;
	time_t newest_t = 0;
	struct dirent *de;
	while ((de = readdir(dh))) {
		if (!str_ends(de->d_name, ".db") || strstr(de->d_name, ".tmp-"))
			continue;
		char *p = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && (!newest || st.st_mtime > newest_t)) {
			free(newest);
			newest = p;
			newest_t = st.st_mtime;
		} else {
			free(p);
		}
	}
	closedir(dh);
	if (!newest) {
		problem(d, "backup", fix_now, "no backup (*.db) in '%s'", dir);
		free(fix_now);
		return;
	}
	double hours = difftime(time(NULL), newest_t) / 3600.0;
	if (hours > (double)max_hours)
		problem(d, "backup", fix_now, "the newest backup '%s' is %.0f hours old (want at most %ld)", newest,
			hours, max_hours);
	else
		ok("backup", "newest '%s', %.1f hours old", newest, hours);
	char *key = xasprintf("%s.key", newest);
	struct stat st;
	if (stat(key, &st) < 0) {
		char *dbkey = cert_key_path(d->db);
		char *fix = xasprintf("cp -p '%s' '%s'   (sala backup copies the key with each backup)", dbkey, key);
		problem(d, "backup", fix,
			"no copy of the signing key beside '%s': certificates cannot be verified after "
			"restoring it",
			newest);
		free(fix);
		free(dbkey);
	}
	free(key);
	free(newest);
	free(fix_now);
}

/* True for a loopback host: 127.x.y.z, ::1, localhost; a bare port binds 127.0.0.1. */
static bool listen_local(const char *addr)
{
	if (!strchr(addr, ':') || str_starts(addr, "127.") || str_starts(addr, "localhost:") ||
	    str_starts(addr, "[::1]:"))
		return true;
	return false;
}

/*
 * The --listen value of sala.service as systemd would run it: the last ExecStart of its
 * drop-ins, else of the unit file first found in systemd's order. NULL when there is none.
 */
static char *unit_listen(char *from, size_t fromlen)
{
	static const char *const units[] = {"/etc/systemd/system/sala.service",
					    "/usr/local/lib/systemd/system/sala.service",
					    "/lib/systemd/system/sala.service", "/usr/lib/systemd/system/sala.service"};
	const char *dropdir = "/etc/systemd/system/sala.service.d";
	char *found = NULL;
	struct dirent **list = NULL;
	int n = scandir(dropdir, &list, NULL, alphasort);
	char *paths[64];
	int np = 0;
	for (int i = 0; i < n; i++) {
		if (str_ends(list[i]->d_name, ".conf") && np < 60)
			paths[np++] = xasprintf("%s/%s", dropdir, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) /* the unit first, drop-ins after it */
		if (access(units[i], R_OK) == 0) {
			memmove(paths + 1, paths, (size_t)np * sizeof paths[0]);
			paths[0] = xstrdup(units[i]);
			np++;
			break;
		}
	for (int i = 0; i < np; i++) {
		struct buf b = BUF_INIT;
		struct err e;
		if (file_read(paths[i], &b, &e) == 0) {
			char *text = buf_detach(&b, NULL);
			for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save)) {
				if (!str_starts(line, "ExecStart="))
					continue;
				char *l = strstr(line, "--listen");
				if (!l)
					continue;
				l += strlen("--listen");
				l += strspn(l, " =");
				free(found);
				found = xstrndup(l, strcspn(l, " \t"));
				snprintf(from, fromlen, "%s", paths[i]);
			}
			free(text);
		}
		buf_release(&b);
		free(paths[i]);
	}
	return found;
}

static void check_listen(struct doctor *d, struct db *db, const char *listen)
{
	char from[4200] = "--listen";
	char *addr = listen ? xstrdup(listen) : unit_listen(from, sizeof from);
	if (!addr) {
		ok("listen", "no sala.service found (pass --listen ADDR:PORT to check an address)");
		return;
	}
	char *proxies = setting_find("trusted_proxies") ? setting_value(db, "trusted_proxies") : NULL;
	bool proxied = proxies && *proxies;
	if (!listen_local(addr) && !proxied)
		problem(d, "listen",
			"listen on 127.0.0.1:8080 (systemctl edit sala) and put nginx in front (docs/operations.md)",
			"sala serves on %s (%s): other machines reach it without TLS or a proxy's limits", addr, from);
	else
		ok("listen", "%s (%s)%s", addr, from, listen_local(addr) ? "" : ", behind the trusted proxies");
	free(proxies);
	free(addr);
}

/*
 * A PostgreSQL database: reachable and of this schema, the key file (there is no default beside a file),
 * settings, demo accounts and listen address as on SQLite. Its files, free space and backups belong to
 * the PostgreSQL server (pg_dump makes the backups): they are not checked here.
 */
static void check_pg(struct doctor *d, const char *listen, const char *who)
{
	struct err e;
	struct db *db = db_open(d->db, &e);
	if (!db) {
		problem(d, "database",
			"check the URI, and that the PostgreSQL server runs and accepts this user (pg_isready)", "%s",
			e.msg);
		return;
	}
	ok("database", "'%s' (schema %d, PostgreSQL), checked as %s", d->db, db_schema_version(), who);
	if (cert_key_given()) {
		check_key(d);
	} else {
		char *fix =
		    xasprintf("SALA_KEY=/var/lib/sala/sala.key sala doctor%s   (the key file the server is given "
			      "with --key)",
			      d->dbflag);
		problem(d, "key", fix, "a PostgreSQL database keeps no signing key: name its file with $SALA_KEY");
		free(fix);
	}
	ok("integrity", "PostgreSQL checks its own pages");
	check_settings(d, db);
	check_demo(d, db);
	check_listen(d, db, listen);
	db_close(db);
	ok("backup", "PostgreSQL's backups are pg_dump's (docs/operations.md): not checked here");
}

static long num_arg(const char *flag, const char *v, long max)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || end == v || n < 0 || n > max)
		die("doctor: %s must be a whole number between 0 and %ld, not '%s'", flag, max, v);
	return n;
}

static int cmd_doctor(struct cmd_args *a)
{
	const char *backups = DOCTOR_BACKUPS_DIR, *listen = cmd_arg(a, "listen");
	long min_mb = DOCTOR_MIN_FREE_MB, max_hours = DOCTOR_MAX_BACKUP_AGE_HOURS;
	const char *v;
	if ((v = cmd_arg(a, "backups")))
		backups = v;
	if ((v = cmd_arg(a, "min-free-mb")))
		min_mb = num_arg("--min-free-mb", v, 1L << 30);
	if ((v = cmd_arg(a, "max-backup-age-hours")))
		max_hours = num_arg("--max-backup-age-hours", v, 100000);
	struct doctor d = {.db = cli_db_path()};
	char *dbflag = xasprintf(" --db %s", d.db);
	d.dbflag = dbflag;
	struct stat st;
	char who[64], owner[64];
	user_name(geteuid(), who, sizeof who);
	if (db_is_uri(d.db)) {
		check_pg(&d, listen, who);
		goto done;
	}
	if (stat(d.db, &st) < 0) {
		char *fix = xasprintf("sala init%s   (an empty site; or restore a backup)", dbflag);
		problem(&d, "database", fix, "no database at '%s'", d.db);
		free(fix);
		goto done;
	}
	if (st.st_uid != geteuid()) {
		/* Opening it would create -wal/-shm files owned by this user, which the server could not open. */
		user_name(st.st_uid, owner, sizeof owner);
		char *fix = xasprintf("runuser -u %s -- sala doctor%s", owner, dbflag);
		problem(&d, "user", fix, "sala doctor runs as %s but '%s' belongs to %s: run it as %s", who, d.db,
			owner, owner);
		free(fix);
		goto done;
	}
	ok("database", "'%s' (schema %d), checked as %s", d.db, db_schema_version(), who);
	check_file_modes(&d);
	check_key(&d);
	struct err e;
	struct db *db = db_open(d.db, &e);
	if (!db) {
		problem(&d, "database",
			"stop the server and restore the last good backup (docs/operations.md, Restore)",
			"cannot open '%s': %s", d.db, e.msg);
		goto done;
	}
	check_integrity(&d, db);
	check_settings(&d, db);
	check_demo(&d, db);
	check_listen(&d, db, listen);
	db_close(db);
	check_disk(&d, min_mb);
	check_backups(&d, backups, max_hours);
done:
	if (d.problems)
		printf("%d problem%s found\n", d.problems, d.problems == 1 ? "" : "s");
	else
		printf("no problems found\n");
	free(dbflag);
	return d.problems ? 1 : 0;
}

const struct cmd_entry cmd_doctor_entry = {
    .name = "doctor",
    .usage = "doctor [--backups DIR] [--listen ADDR:PORT] [--min-free-mb N] [--max-backup-age-hours N] [--db PATH]",
    .options = (const struct option[]){{"backups", required_argument, NULL, 0},
				       {"listen", required_argument, NULL, 0},
				       {"min-free-mb", required_argument, NULL, 0},
				       {"max-backup-age-hours", required_argument, NULL, 0},
				       {0}},
    .exec = cmd_doctor,
};
