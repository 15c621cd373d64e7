/*
 * The process log: one line per event, written whole (one write per line,
 * under a lock, flushed at once), so journald, a pipe or a file gets lines
 * that never interleave. The format is stable and documented in
 * docs/monitoring.md:
 *
 *	TIME LEVEL EVENT key=value key=value ...
 *
 * TIME is ISO 8601 UTC with milliseconds (2026-12-07T03:48:03.123Z), LEVEL is
 * info, warn or error, EVENT one word (request, error, start, stop, migrate,
 * audit, signal...). A value with a space, a quote, an equals sign, a
 * backslash or a control character is quoted ("..." with \" \\ \n \t and
 * \xNN escapes); an empty value is "". Knows nothing of HTTP.
 *
 * The server logs to standard output; the command line logs to standard
 * error (its standard output is the command's result).
 */
#ifndef SALA_LOG_H
#define SALA_LOG_H
#include <stdio.h>

#include "lib/buf.h"
#include "lib/err.h"

enum log_level { LOG_INFO, LOG_WARN, LOG_ERROR };

/* Where lines go from now on (stderr until called). The stream is borrowed. */
void log_to(FILE *stream);
/*
 * Appends lines to the file at path instead (created 0640), and remembers
 * path for log_reopen(). -1 with a message naming the file on failure.
 */
int log_open_file(const char *path, struct err *e);
/*
 * Reopens the log file (after logrotate moved it); a no-op returning 0 when
 * the log is a stream (standard output). -1 with a message on failure; the
 * old file stays in use.
 */
int log_reopen(struct err *e);
/* The file given to log_open_file(), or NULL. */
const char *log_file_path(void);

/* Appends " key=value" to b, quoting value when needed (NULL is written as -). */
void log_kv(struct buf *b, const char *key, const char *value);
/* Appends " key=N". */
void log_kvi(struct buf *b, const char *key, long long value);
/* Writes one line: the time, level, event and the fields made with log_kv() (may be NULL). */
void log_fields(enum log_level level, const char *event, const struct buf *fields);
/* Writes one line whose only field is msg="..." (printf format). */
void log_msg(enum log_level level, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * An administrative action, for the audit trail: who (actor: a user name, or
 * "cli:" and the system account), from where (a client address, or "local"),
 * what (action, e.g. "user.create"), to whom or what (target, e.g.
 * "user:bopha"), and optional detail. Any may be NULL (written as -).
 */
void log_audit(const char *actor, const char *from, const char *action, const char *target, const char *detail);

/* Formats now as ISO 8601 UTC with milliseconds into out (at least 25 bytes). */
void log_time(char *out, size_t n);

#endif
