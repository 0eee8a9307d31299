/* link.h -- how soon a cut network link is noticed, one setting for every
 * socket that crosses the network (the mobile's direct RPC connection,
 * KCM's TLS tunnel at both ends).  A cut link is noticed within about
 * KIM_LINK_DEAD_S seconds whatever the connection is doing: unacknowledged
 * data (TCP_USER_TIMEOUT) or, on an idle connection waiting for a long
 * answer (the end of a session), unanswered keepalive probes.  A peer that
 * is merely slow still answers probes.  See docs/design.md section 6. */
#ifndef KIM_LINK_H
#define KIM_LINK_H

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#define KIM_LINK_DEAD_S 15
#define KIM_KEEPALIVE_IDLE_S 5
#define KIM_KEEPALIVE_INTVL_S 5
#define KIM_KEEPALIVE_CNT 3

static inline void
kim_link_bounds(int fd)
{
	int one = 1, idle = KIM_KEEPALIVE_IDLE_S, intvl = KIM_KEEPALIVE_INTVL_S;
	int cnt = KIM_KEEPALIVE_CNT;
	unsigned user_ms = KIM_LINK_DEAD_S * 1000;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(
	    fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_ms, sizeof(user_ms));
}

#endif
