/*
 * What a quiz file is read as, for `sala quiz dump` (docs/quiz-format.md).
 * A header apart from assessment/quiz.h, whose struct option would meet
 * getopt's in the command line's files.
 */
#ifndef SALA_QUIZ_DUMP_H
#define SALA_QUIZ_DUMP_H
#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/diag.h"

/*
 * Parses the quiz file name (data[0..len)), essays kept, and appends it to
 * out as text or as JSON; problems and warnings go to pr. Returns the number
 * of problems.
 */
int quiz_dump(const char *name, const char *data, size_t len, bool json, struct buf *out, struct problems *pr);

#endif
