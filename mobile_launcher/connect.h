/* connect.h -- docs/design.md step 3's last part: a Sun RPC client on a TCP
 * connection (direct link, or the loopback port KCM hands out). */
#ifndef KIM_CONNECT_H
#define KIM_CONNECT_H

#include <stddef.h>

#include <rpc/rpc.h>

/* Connect to host:port within timeout_s.  NULL with a sentence in why. */
CLIENT *connect_display(const char *host, const char *port, int timeout_s,
    char *why, size_t whylen);
/* Split "host:port" (IPv6 as [addr]:port).  0 or -1. */
int split_hostport(
    const char *arg, char *host, size_t hostlen, char *port, size_t portlen);
/* Set the reply timeout for the calls that follow. */
void connect_timeout(CLIENT *c, int seconds);

#endif
