/* urlpolicy.h -- where the display may fetch a patch URL from.
 *
 * A display is a public machine: a stranger's URL must not turn it into a
 * probe of its own services or of the network it sits on.  By default it
 * refuses loopback, link-local, private (RFC 1918, CGNAT, IPv6 ULA),
 * multicast, unspecified, broadcast/reserved destinations and the
 * display's own addresses; an operator's allow-list (--url-allow CIDR)
 * opens ranges again, e.g. for an intranet patch repository.  The check is
 * made on every address the display is about to connect to (after DNS,
 * on every redirect hop); IPv4-mapped and IPv4-compatible IPv6 addresses
 * are checked as the IPv4 address they carry. */
#ifndef KIM_URLPOLICY_H
#define KIM_URLPOLICY_H

#include <stddef.h>

struct ifaddrs;
struct sockaddr;

#define URL_ALLOW_MAX 64 /* --url-allow entries */

/* A network, IPv4 kept as IPv4-mapped IPv6 (::ffff:a.b.c.d/96+n). */
struct url_net {
	unsigned char addr[16];
	int bits;
};

/* "a.b.c.d[/n]" or "v6addr[/n]" into *net (host bits cleared).  0 or -1. */
int url_net_parse(const char *s, struct url_net *net);

/* NULL if the display may connect to sa; else what kind of destination
 * it is ("loopback", "private", ...), for the log.  own: the display's
 * interfaces (getifaddrs), may be NULL. */
const char *url_addr_refused(const struct sockaddr *sa,
    const struct url_net *allow, size_t nallow, const struct ifaddrs *own);

#endif
