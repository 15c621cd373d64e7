#include "lib/netaddr.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses "a.b.c.d" from s[0..n) into a host-order address; false when it is not one. */
static bool parse_ip(const char *s, size_t n, uint32_t *ip)
{
	char tmp[16];
	if (n == 0 || n >= sizeof tmp)
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	struct in_addr a;
	if (inet_pton(AF_INET, tmp, &a) != 1)
		return false;
	*ip = ntohl(a.s_addr);
	return true;
}

/* Parses "a.b.c.d" or "a.b.c.d/len" from s[0..n). */
static bool parse_range(const char *s, size_t n, uint32_t *net, uint32_t *mask)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	if (!parse_ip(s, alen, net))
		return false;
	int bits = 32;
	if (slash) {
		size_t blen = n - alen - 1;
		if (blen == 0 || blen > 2 || strspn(slash + 1, "0123456789") < blen)
			return false;
		bits = atoi(slash + 1);
		if (bits > 32)
			return false;
	}
	*mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	*net &= *mask;
	return true;
}

/* Calls fn on each trimmed entry of a comma-separated list; stops when fn returns true. */
static bool each_entry(const char *list, bool (*fn)(const char *s, size_t n, void *ctx), void *ctx)
{
	const char *p = list ? list : "";
	if (!p[strspn(p, " \t")])
		return false; /* an empty list */
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *s = p;
		while (n && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (fn(s, n, ctx))
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

struct check {
	struct err *e;
	bool bad;
};

static bool check_one(const char *s, size_t n, void *ctx)
{
	struct check *c = ctx;
	uint32_t net, mask;
	if (parse_range(s, n, &net, &mask))
		return false;
	c->bad = true;
	if (n == 0)
		err_set(c->e, "trusted_proxies: an empty entry (two commas, or a comma at either end)");
	else
		err_set(c->e, "trusted_proxies: '%.*s' is not an IPv4 address or range like 127.0.0.1 or 10.0.0.0/8",
			(int)(n > 60 ? 60 : n), s);
	return true;
}

int netaddr_list_check(const char *list, struct err *e)
{
	struct check c = {e, false};
	each_entry(list, check_one, &c);
	return c.bad ? -1 : 0;
}

static bool match_one(const char *s, size_t n, void *ctx)
{
	uint32_t ip = *(uint32_t *)ctx, net, mask;
	return parse_range(s, n, &net, &mask) && (ip & mask) == net;
}

bool netaddr_list_has(const char *list, const char *addr)
{
	uint32_t ip;
	if (!list || !*list || !addr || !parse_ip(addr, strlen(addr), &ip))
		return false;
	return each_entry(list, match_one, &ip);
}

void netaddr_client(const char *peer, const char *xff, const char *trusted, char *out, size_t size)
{
	snprintf(out, size, "%s", peer ? peer : "");
	if (!xff || !*xff || !netaddr_list_has(trusted, peer))
		return;
	/* From the right: each trusted hop passes the question on to the entry before it. */
	const char *end = xff + strlen(xff);
	while (end > xff) {
		const char *start = end;
		while (start > xff && start[-1] != ',')
			start--;
		const char *s = start, *e = end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		uint32_t ip;
		if (!parse_ip(s, (size_t)(e - s), &ip))
			return; /* not an address: the last trusted hop is the client as far as is known */
		snprintf(out, size, "%.*s", (int)(e - s), s);
		if (!netaddr_list_has(trusted, out))
			return;
		end = start > xff ? start - 1 : xff;
	}
}
