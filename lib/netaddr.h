/*
 * Client addresses: IPv4 addresses and CIDR ranges (CivetWeb here serves IPv4
 * only), lists of them as the trusted_proxies setting holds them
 * ("127.0.0.1, 10.0.0.0/8"), and the client address of a request that came
 * through such proxies (X-Forwarded-For).
 */
#ifndef SALA_NETADDR_H
#define SALA_NETADDR_H
#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

/* Checks a comma-separated list of IPv4 addresses and CIDR ranges ("" is an empty list); -1 naming the bad entry. */
int netaddr_list_check(const char *list, struct err *e);
/* True when addr (dotted IPv4) is in the list; entries that do not parse match nothing. */
bool netaddr_list_has(const char *list, const char *addr);
/*
 * The client address of a request whose TCP peer is peer and whose
 * X-Forwarded-For header is xff (or NULL): when the peer is in trusted, the
 * rightmost entry of xff that is not itself in trusted (entries are appended
 * by each proxy, so those left of it may be forged by the client); the peer
 * otherwise. An entry that is not an address stops the walk at the last
 * trusted hop. Written to out (at least 16 bytes).
 */
void netaddr_client(const char *peer, const char *xff, const char *trusted, char *out, size_t size);

#endif
