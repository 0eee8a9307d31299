/* urlpolicy.c -- see urlpolicy.h. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "urlpolicy.h"

/* Refused unless allowed, in IPv4-mapped form for IPv4. */
static const struct {
	const char *net, *what;
} forbidden[] = {
	{ "0.0.0.0/8", "unspecified" },
	{ "127.0.0.0/8", "loopback" },
	{ "169.254.0.0/16", "link-local" },
	{ "10.0.0.0/8", "private" },
	{ "172.16.0.0/12", "private" },
	{ "192.168.0.0/16", "private" },
	{ "100.64.0.0/10", "private (shared address space)" },
	{ "224.0.0.0/4", "multicast" },
	{ "240.0.0.0/4", "broadcast or reserved" },
	{ "::/128", "unspecified" },
	{ "::1/128", "loopback" },
	{ "fe80::/10", "link-local" },
	{ "fec0::/10", "site-local" },
	{ "fc00::/7", "private (unique local)" },
	{ "ff00::/8", "multicast" },
};

static const unsigned char mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0xff, 0xff };

static void
clear_host_bits(struct url_net *n)
{
	for (int i = 0; i < 16; i++) {
		int keep = n->bits - 8 * i;
		if (keep <= 0)
			n->addr[i] = 0;
		else if (keep < 8)
			n->addr[i] &= (unsigned char)(0xff << (8 - keep));
	}
}

int
url_net_parse(const char *s, struct url_net *net)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr a4;
	int max, v4;
	long bits;
	char *end;

	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if ((v4 = inet_pton(AF_INET, host, &a4)) == 1) {
		memcpy(net->addr, mapped_prefix, 12);
		memcpy(net->addr + 12, &a4, 4);
		max = 32;
	} else if (inet_pton(AF_INET6, host, net->addr) == 1) {
		max = 128;
	} else {
		return -1;
	}
	bits = max;
	if (slash) {
		bits = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || bits < 0 || bits > max)
			return -1;
	}
	net->bits = (int)bits + (v4 == 1 ? 96 : 0);
	clear_host_bits(net);
	return 0;
}

static int
in_net(const unsigned char a[16], const struct url_net *n)
{
	int full = n->bits / 8, rest = n->bits % 8;

	if (memcmp(a, n->addr, (size_t)full) != 0)
		return 0;
	return rest == 0 ||
	    ((a[full] ^ n->addr[full]) & (unsigned char)(0xff << (8 - rest))) ==
	    0;
}

/* sa as 16 bytes; IPv4, IPv4-mapped and IPv4-compatible (::a.b.c.d, not
 * :: or ::1) all become ::ffff:a.b.c.d.  0, or -1 for another family. */
static int
normalize(const struct sockaddr *sa, unsigned char out[16])
{
	static const unsigned char zero[12];

	if (sa->sa_family == AF_INET) {
		memcpy(out, mapped_prefix, 12);
		memcpy(
		    out + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -1;
	memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	if (memcmp(out, zero, 12) == 0 &&
	    (out[12] | out[13] | out[14] || out[15] > 1))
		memcpy(out, mapped_prefix, 12);
	return 0;
}

static int
same_addr(const struct sockaddr *sa, const unsigned char a[16])
{
	unsigned char b[16];

	return sa != NULL && normalize(sa, b) == 0 && memcmp(a, b, 16) == 0;
}

const char *
url_addr_refused(const struct sockaddr *sa, const struct url_net *allow,
    size_t nallow, const struct ifaddrs *own)
{
	struct url_net n;
	unsigned char a[16];
	size_t i;

	if (normalize(sa, a) != 0)
		return "not an IP address";
	for (i = 0; i < nallow; i++)
		if (in_net(a, &allow[i]))
			return NULL;
	for (i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		if (url_net_parse(forbidden[i].net, &n) == 0 && in_net(a, &n))
			return forbidden[i].what;
	for (; own; own = own->ifa_next) {
		if (same_addr(own->ifa_addr, a))
			return "one of the display's own addresses";
		if ((own->ifa_flags & IFF_BROADCAST) && own->ifa_broadaddr &&
		    own->ifa_addr && own->ifa_addr->sa_family == AF_INET &&
		    same_addr(own->ifa_broadaddr, a))
			return "a broadcast address of the display's networks";
	}
	return NULL;
}
