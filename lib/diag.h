/*
 * Diagnostics: the problems found in input files (packages, course.yml,
 * quizzes, CSV imports), one line each as "FILE:LINE: message\n" (FILE as the
 * user named it, e.g. relative to a package root). Warnings ("FILE:LINE:
 * warning: ...") are things made harmless, such as a javascript: link removed;
 * they do not fail a check. Every parser and import that reports FILE:LINE
 * problems collects them here; the CLI prints them, server/ shows them.
 * Initialise with {0}; free with problems_release(). Failures that are not
 * about a place in an input file use struct err (lib/err.h).
 */
#ifndef SALA_DIAG_H
#define SALA_DIAG_H
#include <stdarg.h>
#include <stdio.h>

#include "lib/buf.h"

struct problems {
	struct buf text; /* the problems, one "FILE:LINE: message\n" each */
	int n;
	struct buf warnings; /* the warnings, one "FILE:LINE: warning: message\n" each */
	int nwarnings;
};

/* Adds a problem (a line below 1 is written as 1). pr may be NULL: nothing is recorded. */
void problem_add(struct problems *pr, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void problem_vadd(struct problems *pr, const char *file, int line, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* Adds a warning. pr may be NULL. */
void problem_warn(struct problems *pr, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The problems, then the warnings, as text (borrowed until pr changes; "" when none). */
const char *problems_text(const struct problems *pr);
const char *problems_warnings(const struct problems *pr);
/* Writes the problems and then the warnings to f, for the CLI. */
void problems_write(const struct problems *pr, FILE *f);
void problems_release(struct problems *pr);

#endif
