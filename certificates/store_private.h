/* Inside certificates/ only: the one INSERT of a certificate row (store.c), for issue.c and store.c. */
#ifndef SALA_CERT_STORE_PRIVATE_H
#define SALA_CERT_STORE_PRIVATE_H
#include <stdint.h>
#include "lib/db.h"

#include "certificates/cert.h"

/*
 * Inserts c with its signed payload and signature (inside the caller's transaction), revoked at
 * revoked_at for reason when revoked_at is not 0. 0; ERR_CONFLICT when the serial or code is taken (a
 * UNIQUE constraint); ERR_FAIL on another database error (db_errstr() says which).
 */
int cert_row_insert(struct db *db, const struct cert *c, const char *payload, const char *sig, int64_t revoked_at,
		    const char *reason);

#endif
