/* Certificate pages (server/h_certs.c): the route table is cert_routes in server/server.h. */
#ifndef SALA_H_CERTS_H
#define SALA_H_CERTS_H

/* Registers the certificate pages' messages (call once at start-up). */
void cert_messages_register(void);

#endif
