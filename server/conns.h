/*
 * Who is connected. Two shared structures, each behind its own mutex: the
 * trusted_proxies setting as last read (the main loop re-reads it every
 * second), and the number of open connections from each client address
 * (TCP peer), capped so that clients that open many connections and trickle
 * their headers cannot hold every worker thread. Connections from trusted
 * proxies are not capped (the proxy limits its own clients).
 */
#ifndef SALA_CONNS_H
#define SALA_CONNS_H
#include <stddef.h>

struct mg_connection;

/* Sets the trusted proxies (the setting's text; "" for none). */
void conns_set_trusted(const char *list);
/* The client address of a request from peer with X-Forwarded-For xff (NULL when absent): lib/netaddr.h. */
void conns_client_addr(const char *peer, const char *xff, char *out, size_t size);
/* Sets the most connections one address may hold open (0: no cap). Call before the server starts. */
void conns_set_cap(int per_address);

/*
 * CivetWeb's init_connection callback: counts the connection, or, past the
 * cap, answers 503 on its socket and shuts it down so the header read ends at
 * once and the worker thread is free again. Always returns 0.
 */
int conns_open(const struct mg_connection *conn, void **conn_data);
/* Learns where CivetWeb keeps a connection's peer address (see conns.c); any connection, any time. */
void conns_learn(const struct mg_connection *conn);
/* CivetWeb's connection_close callback: uncounts a connection conns_open() counted. */
void conns_close(const struct mg_connection *conn);
/* Frees the table (after the server stopped). */
void conns_release(void);

#endif
