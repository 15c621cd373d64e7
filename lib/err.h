/*
 * One error convention: functions return 0 on success and a negative value on
 * failure, filling a struct err with a lower-case message the caller can show,
 * e.g. "cannot open 'course.yml': no such file" or "course.yml:4: missing 'id'".
 */
#ifndef SALA_ERR_H
#define SALA_ERR_H

struct err {
	char msg[1024];
};

/* Sets the message (printf-style) and returns -1, so `return err_set(e, ...)` reads well. e may be NULL. */
int err_set(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "sala: MSG" to stderr and exits with status 1; for the CLI only. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
