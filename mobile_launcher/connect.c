/* connect.c -- TCP connection with a timeout, then clnt_vc_create on it. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connect.h"
#include "kimberley.h"
#include "link.h"

#define RPC_BUFSZ (KIM_CHUNK_MAX + 64 * 1024)
/* A send blocked on a peer that stopped reading gives up after SEND_STALL_S
 * without progress (how soon a cut link is noticed: rpc/link.h). */
#define SEND_STALL_S 30

int
split_hostport(
    const char *arg, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon, *h = arg;
	size_t hl;

	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');
		if (!close || close[1] != ':')
			return -1;
		h = arg + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(arg, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - arg);
	}
	if (hl == 0 || hl >= hostlen || strlen(colon + 1) == 0 ||
	    strlen(colon + 1) >= portlen)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	strcpy(port, colon + 1);
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	return 0;
}

static void
link_bounds(int fd)
{
	struct timeval stall = { SEND_STALL_S, 0 };

	kim_link_bounds(fd);
	/* libtirpc writes with a blocking write(): bound it */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &stall, sizeof(stall));
}

static int
connect_timed(const struct addrinfo *ai, int timeout_s)
{
	int fd = socket(
	    ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	int err = 0, one = 1;
	socklen_t len = sizeof(err);
	struct pollfd p;

	if (fd < 0)
		return -1;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 &&
	    errno != EINPROGRESS)
		goto fail;
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, timeout_s * 1000) != 1) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
		errno = err ? err : errno;
		goto fail;
	}
	fcntl(fd, F_SETFL, 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	link_bounds(fd);
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

CLIENT *
connect_display(
    const char *host, const char *port, int timeout_s, char *why, size_t whylen)
{
	struct addrinfo hints, *res, *ai;
	struct netbuf nb;
	CLIENT *c = NULL;
	int fd = -1, rc, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(why, whylen, "cannot find the display at %s:%s: %s",
		    host, port, gai_strerror(rc));
		return NULL;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next)
		if ((fd = connect_timed(ai, timeout_s)) < 0)
			err = errno;
		else
			break;
	if (fd < 0) {
		snprintf(why, whylen,
		    "cannot connect to the display at %s:%s: %s", host, port,
		    strerror(err));
		freeaddrinfo(res);
		return NULL;
	}
	nb.buf = ai->ai_addr;
	nb.len = nb.maxlen = ai->ai_addrlen;
	c = clnt_vc_create(
	    fd, &nb, KIMBERLEY_PROG, KIMBERLEY_V1, RPC_BUFSZ, RPC_BUFSZ);
	freeaddrinfo(res);
	if (c == NULL) {
		snprintf(why, whylen,
		    "cannot speak RPC to the display at %s:%s", host, port);
		close(fd);
		return NULL;
	}
	clnt_control(c, CLSET_FD_CLOSE, NULL);
	connect_timeout(c, 30);
	return c;
}

void
connect_timeout(CLIENT *c, int seconds)
{
	struct timeval tv = { seconds, 0 };

	clnt_control(c, CLSET_TIMEOUT, (char *)&tv);
}
