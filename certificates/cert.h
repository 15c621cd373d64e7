/* Certificates: issue on completion, sign, verify, render (PNG, PDF), revoke. */
#ifndef SALA_CERT_H
#define SALA_CERT_H
#include <sqlite3.h>
#include <stdint.h>

#include "lib/err.h"

/*
 * Issues the certificate for a learner who has just completed a course (does
 * nothing when the course has certificate: false or one is already issued).
 * Called inside the caller's transaction. Returns 0, or -1 with a message.
 */
int cert_issue_on_completion(sqlite3 *db, int64_t user_id, const char *course_id, struct err *e);

#endif
