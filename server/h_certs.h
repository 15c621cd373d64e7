/* Certificate pages (server/h_certs.c): the route table is cert_routes in server/server.h. */
#ifndef SALA_H_CERTS_H
#define SALA_H_CERTS_H

/* Registers the certificate pages' messages (call once at start-up). */
void cert_messages_register(void);

#include <stdbool.h>

#include "certificates/cert.h"

struct req;
/* What h_certs_download() sends. */
enum cert_download { CERT_DL_PNG, CERT_DL_PDF, CERT_DL_BADGE_JSON, CERT_DL_BADGE_JWT };
/*
 * Sends the certificate serial as PNG, PDF or Open Badge (JSON or VC-JWT) when the caller may see it (the
 * learner, a manager of the learner's unit, an admin; 404 otherwise; 410 for the badge of a revoked or
 * replaced certificate): the web downloads and the API's, which a Bearer token reaches.
 */
int h_certs_download(struct req *r, const char *serial, enum cert_download what);
/* Loads serial into c when the caller may see it (release it); false with a 404 sent (*rc) otherwise. */
bool h_certs_load_visible(struct req *r, const char *serial, struct cert *c, int *rc);

#endif
