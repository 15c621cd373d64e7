#define _POSIX_C_SOURCE 200809L
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/xmalloc.h"

/* The log stream and, when it is a file, its path: shared by every thread under lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *out;
static char *file_path;
static FILE *file;

void log_to(FILE *stream)
{
	pthread_mutex_lock(&lock);
	out = stream;
	pthread_mutex_unlock(&lock);
}

static FILE *open_append(const char *path, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "a");
	if (!f) {
		err_set(e, "cannot open log file '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

int log_open_file(const char *path, struct err *e)
{
	FILE *f = open_append(path, e);
	if (!f)
		return -1;
	pthread_mutex_lock(&lock);
	if (file)
		fclose(file);
	free(file_path);
	file = out = f;
	file_path = xstrdup(path);
	pthread_mutex_unlock(&lock);
	return 0;
}

int log_reopen(struct err *e)
{
	pthread_mutex_lock(&lock);
	char *path = file_path ? xstrdup(file_path) : NULL;
	pthread_mutex_unlock(&lock);
	if (!path)
		return 0;
	FILE *f = open_append(path, e);
	free(path);
	if (!f)
		return -1;
	pthread_mutex_lock(&lock);
	if (file)
		fclose(file);
	file = out = f;
	pthread_mutex_unlock(&lock);
	return 0;
}

const char *log_file_path(void)
{
	return file_path;
}

void log_time(char *s, size_t n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char day[32];
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(s, n, "%s.%03ldZ", day, ts.tv_nsec / 1000000L);
}

/* True when s can be written without quotes. */
static bool bare(const char *s)
{
	if (!*s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
			return false;
	return true;
}

void log_kv(struct buf *b, const char *key, const char *value)
{
	buf_printf(b, " %s=", key);
	if (!value) {
		buf_putc(b, '-');
		return;
	}
	if (bare(value)) {
		buf_puts(b, value);
		return;
	}
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			buf_puts(b, "\\n");
		else if (*p == '\t')
			buf_puts(b, "\\t");
		else if (*p < ' ' || *p == 0x7f)
			buf_printf(b, "\\x%02x", *p);
		else
			buf_putc(b, (char)*p);
	}
	buf_putc(b, '"');
}

void log_kvi(struct buf *b, const char *key, long long value)
{
	buf_printf(b, " %s=%lld", key, value);
}

static const char *level_name(enum log_level l)
{
	return l == LOG_ERROR ? "error" : l == LOG_WARN ? "warn" : "info";
}

void log_fields(enum log_level level, const char *event, const struct buf *fields)
{
	char when[40];
	log_time(when, sizeof when);
	struct buf line = BUF_INIT;
	buf_printf(&line, "%s %s %s%s\n", when, level_name(level), event, fields ? buf_str(fields) : "");
	pthread_mutex_lock(&lock);
	FILE *f = out ? out : stderr;
	fwrite(line.data, 1, line.len, f);
	fflush(f);
	pthread_mutex_unlock(&lock);
	buf_release(&line);
}

void log_msg(enum log_level level, const char *event, const char *fmt, ...)
{
	struct buf msg = BUF_INIT, fields = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	log_kv(&fields, "msg", buf_str(&msg));
	log_fields(level, event, &fields);
	buf_release(&msg);
	buf_release(&fields);
}

void log_audit(const char *actor, const char *from, const char *action, const char *target, const char *detail)
{
	struct buf f = BUF_INIT;
	log_kv(&f, "action", action);
	log_kv(&f, "actor", actor);
	log_kv(&f, "from", from);
	log_kv(&f, "target", target);
	if (detail)
		log_kv(&f, "detail", detail);
	log_fields(LOG_INFO, "audit", &f);
	buf_release(&f);
}
