#include "server/conns.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/netaddr.h"
#include "lib/xmalloc.h"
#include "server/http.h"

static char *trusted;
static pthread_mutex_t trusted_lock = PTHREAD_MUTEX_INITIALIZER;

void conns_set_trusted(const char *list)
{
	pthread_mutex_lock(&trusted_lock);
	if (!trusted || strcmp(trusted, list ? list : "") != 0) {
		free(trusted);
		trusted = xstrdup(list ? list : "");
	}
	pthread_mutex_unlock(&trusted_lock);
}

void conns_client_addr(const char *peer, const char *xff, char *out, size_t size)
{
	pthread_mutex_lock(&trusted_lock);
	netaddr_client(peer, xff, trusted ? trusted : "", out, size);
	pthread_mutex_unlock(&trusted_lock);
}

static bool is_trusted(const char *addr)
{
	pthread_mutex_lock(&trusted_lock);
	bool yes = netaddr_list_has(trusted, addr);
	pthread_mutex_unlock(&trusted_lock);
	return yes;
}

/* Open connections per address: a chained hash table, entries freed when their count drops to 0. */
struct peer {
	struct peer *next;
	uint32_t ip;
	int open;
};
#define PEER_BUCKETS 1024
static struct peer *peers[PEER_BUCKETS];
static pthread_mutex_t peers_lock = PTHREAD_MUTEX_INITIALIZER;
static int cap;

void conns_set_cap(int per_address)
{
	cap = per_address;
}

/*
 * Where CivetWeb keeps a connection's request_info inside its connection.
 * CivetWeb fills in the peer's address and port before it calls
 * init_connection, but mg_get_request_info() answers NULL until the
 * connection is marked as a request, just after. The member's place inside
 * the connection is fixed for the library, so it is learned from the first
 * connection that mg_get_request_info() does answer for (conns_learn(): the
 * server makes one such connection to itself at start-up) and then read in
 * init_connection. Until it is known, nothing is capped.
 */
static atomic_long info_offset = -1;

void conns_learn(const struct mg_connection *conn)
{
	if (atomic_load(&info_offset) >= 0)
		return;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	long off = ri ? (long)((const char *)ri - (const char *)conn) : -1;
	if (off >= 0 && off < 65536)
		atomic_store(&info_offset, off);
}

static const struct mg_request_info *early_info(const struct mg_connection *conn)
{
	long off = atomic_load(&info_offset);
	return off >= 0 ? (const struct mg_request_info *)(const void *)((const char *)conn + off) : NULL;
}

/* Counts a connection from ip unless ip has cap open already: its entry, or NULL when over the cap. */
static struct peer *peer_open(uint32_t ip)
{
	uint32_t h = (ip * 2654435761u) % PEER_BUCKETS;
	pthread_mutex_lock(&peers_lock);
	struct peer *p = peers[h];
	while (p && p->ip != ip)
		p = p->next;
	if (!p) {
		p = xcalloc(1, sizeof *p);
		p->ip = ip;
		p->next = peers[h];
		peers[h] = p;
	}
	if (p->open < cap)
		p->open++;
	else
		p = NULL;
	pthread_mutex_unlock(&peers_lock);
	return p;
}

static void peer_close(struct peer *p)
{
	pthread_mutex_lock(&peers_lock);
	if (--p->open <= 0) {
		struct peer **pp = &peers[(p->ip * 2654435761u) % PEER_BUCKETS];
		while (*pp != p)
			pp = &(*pp)->next;
		*pp = p->next;
		free(p);
	}
	pthread_mutex_unlock(&peers_lock);
}

/*
 * The socket of a connection: CivetWeb does not give it out, so it is the
 * open socket whose peer is the connection's address and port and whose local
 * port is the server's (a TCP connection is one such socket). -1 when none is found.
 */
static int find_socket(const struct mg_request_info *ri, uint32_t ip)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int found = -1;
	struct dirent *de;
	while (found < 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		int fd = atoi(de->d_name);
		struct sockaddr_in peer, local;
		socklen_t plen = sizeof peer, llen = sizeof local;
		if (getpeername(fd, (struct sockaddr *)&peer, &plen) == 0 && peer.sin_family == AF_INET &&
		    peer.sin_addr.s_addr == ip && ntohs(peer.sin_port) == ri->remote_port &&
		    getsockname(fd, (struct sockaddr *)&local, &llen) == 0 && local.sin_family == AF_INET &&
		    ntohs(local.sin_port) == ri->server_port)
			found = fd;
	}
	closedir(d);
	return found;
}

int conns_open(const struct mg_connection *conn, void **conn_data)
{
	const struct mg_request_info *ri = early_info(conn);
	struct in_addr a;
	if (cap <= 0 || !ri || inet_pton(AF_INET, ri->remote_addr, &a) != 1 || is_trusted(ri->remote_addr))
		return 0;
	struct peer *p = peer_open(a.s_addr);
	if (p) {
		*conn_data = p;
		return 0;
	}
	/* Over the cap: say so and end the connection before its headers are read. */
	int fd = find_socket(ri, a.s_addr);
	if (fd < 0)
		return 0; /* not found (no /proc?): request_timeout_ms still bounds it */
	char reply[1024];
	int n =
	    http_refusal(reply, sizeof reply, 503, "Too many connections from your address. Please try again later.\n");
	if (n > 0)
		(void)!send(fd, reply, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_RDWR);
	return 0;
}

void conns_close(const struct mg_connection *conn)
{
	conns_learn(conn);
	struct peer *p = mg_get_user_connection_data(conn);
	if (p)
		peer_close(p);
}

void conns_release(void)
{
	pthread_mutex_lock(&peers_lock);
	for (int i = 0; i < PEER_BUCKETS; i++) {
		while (peers[i]) {
			struct peer *next = peers[i]->next;
			free(peers[i]);
			peers[i] = next;
		}
	}
	pthread_mutex_unlock(&peers_lock);
	pthread_mutex_lock(&trusted_lock);
	free(trusted);
	trusted = NULL;
	pthread_mutex_unlock(&trusted_lock);
}
