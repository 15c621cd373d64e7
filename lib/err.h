/*
 * One error convention for every domain call: 0 (or a count, an id or an outcome
 * such as IMPORT_UNCHANGED, never negative, where the header says so) on success
 * and a negative code from enum err_code on failure, with a lower-case message
 * the caller can show in a struct err, e.g. "cannot open 'course.yml': no such file". A function that only fails one
 * way returns ERR_FAIL (-1, what err_set() returns); one that must say which failure happened returns one of the other
 * codes, never a code of its own. server/ turns these codes into HTTP statuses in one function, http_status_of()
 * (server/http.h). Problems found in input files ("FILE:LINE: message") are collected in the diagnostics type of
 * lib/diag.h, not here.
 */
#ifndef SALA_ERR_H
#define SALA_ERR_H

/* The shared failure codes (always negative); the HTTP status server/ answers with is in brackets. */
enum err_code {
	ERR_FAIL = -1,	      /* internal or database failure (500) */
	ERR_NOTFOUND = -2,    /* no such object, or not the caller's to see (404) */
	ERR_INVALID = -3,     /* the input is not valid: the message says what is wrong (400) */
	ERR_CONFLICT = -4,    /* the object's state forbids it: already done, closed (409) */
	ERR_FORBIDDEN = -5,   /* outside the caller's scope or role (403) */
	ERR_UNAVAILABLE = -6, /* the database is busy or cannot be read now; try again (503) */
	ERR_LIMIT = -7,	      /* a limit is reached: no attempts left, too big, too deep (409) */
};

struct err {
	char msg[1024];
};

/* Sets the message (printf-style) and returns ERR_FAIL, so `return err_set(e, ...)` reads well. e may be NULL. */
int err_set(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the message and returns code (one of enum err_code): `return err_fail(e, ERR_NOTFOUND, "...")`. */
int err_fail(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The name of a code ("not found", "invalid input", ...), for logs and tests; "failure" for any other value. */
const char *err_code_name(int code);

/* Prints "sala: MSG" to stderr and exits with status 1; for the CLI only. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
