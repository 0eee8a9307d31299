/* server.c -- accept loop and one thread per connection.
 *
 * libtirpc's svc_run serves one connection's whole record at a time, so a
 * second client would wait behind a 1 MiB transfer; instead each connection
 * gets its own thread that receives its calls (SVC_RECV) and hands them to
 * the rpcgen dispatcher. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rpc/rpc.h>

#include "kimberley.h"
#include "log.h"
#include "server.h"

/* rpcgen -m: the dispatcher */
void kimberley_prog_1(struct svc_req *rqstp, SVCXPRT *transp);

/* libtirpc keeps this private; svc.c in libtirpc uses the same value */
#ifndef RQCRED_SIZE
#define RQCRED_SIZE 400
#endif

#define RPC_BUFSZ (KIM_CHUNK_MAX + 64 * 1024)

struct server {
	struct display *d;
	int lfd;
	int stop_pipe[2];
	unsigned port;
	pthread_t thread;
	unsigned next_id;
};

static _Thread_local struct conn *current;

struct conn *
server_conn(void)
{
	return current;
}

/* Receive and dispatch the calls waiting on x; 0 when the connection died. */
static int
serve_calls(SVCXPRT *x)
{
	char cred[2 * MAX_AUTH_BYTES + RQCRED_SIZE];
	struct rpc_msg msg;
	struct svc_req r;
	enum xprt_stat st;

	memset(&msg, 0, sizeof(msg));
	memset(&r, 0, sizeof(r));
	msg.rm_call.cb_cred.oa_base = cred;
	msg.rm_call.cb_verf.oa_base = &cred[MAX_AUTH_BYTES];
	r.rq_clntcred = &cred[2 * MAX_AUTH_BYTES];
	do {
		if (SVC_RECV(x, &msg)) {
			r.rq_xprt = x;
			r.rq_prog = msg.rm_call.cb_prog;
			r.rq_vers = msg.rm_call.cb_vers;
			r.rq_proc = msg.rm_call.cb_proc;
			r.rq_cred = msg.rm_call.cb_cred;
			/* what svc_getreq_common does: sets the reply verifier
			 * and the transport's auth handle */
			enum auth_stat why = _authenticate(&r, &msg);
			if (why != AUTH_OK)
				svcerr_auth(x, why);
			else if (r.rq_prog != KIMBERLEY_PROG)
				svcerr_noprog(x);
			else if (r.rq_vers != KIMBERLEY_V1)
				svcerr_progvers(x, KIMBERLEY_V1, KIMBERLEY_V1);
			else
				kimberley_prog_1(&r, x);
		}
		st = SVC_STAT(x);
		if (st == XPRT_DIED)
			return 0;
	} while (st == XPRT_MOREREQS);
	return 1;
}

static void *
conn_main(void *arg)
{
	struct conn *c = arg;
	int fd = c->fd;
	SVCXPRT *x;

	current = c;
	x = svc_fd_create(fd, RPC_BUFSZ, RPC_BUFSZ);
	if (x == NULL) {
		kim_log("connect", "conn=%u cannot set up RPC", c->id);
		close(fd);
		free(c);
		return NULL;
	}
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int n = poll(&p, 1, c->d->cfg->idle_timeout * 1000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			kim_log("connect", "conn=%u silent for %d s: dropped", c->id,
			    c->d->cfg->idle_timeout);
			break;
		}
		if (n < 0 || !serve_calls(x) || c->close_after_reply)
			break;
	}
	kim_log("connect", "conn=%u peer=%s closed", c->id, c->peer);
	session_disconnect(c);
	SVC_DESTROY(x);		/* closes fd */
	free(c);
	return NULL;
}

static void
accept_one(struct server *s)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	struct conn *c;
	pthread_t t;
	int fd, one = 1;

	fd = accept4(s->lfd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->d = s->d;
	c->id = ++s->next_id;
	snprintf(c->peer, sizeof(c->peer), "%s:%u", inet_ntoa(peer.sin_addr),
	    ntohs(peer.sin_port));
	c->authed = s->d->cfg->auth_code == NULL;	/* no mechanism: no step needed */
	c->fd = fd;
	kim_log("connect", "conn=%u peer=%s", c->id, c->peer);
	if (pthread_create(&t, NULL, conn_main, c) != 0) {
		close(fd);
		free(c);
		return;
	}
	pthread_detach(t);
}

static void *
accept_main(void *arg)
{
	struct server *s = arg;

	for (;;) {
		struct pollfd p[2] = { { s->lfd, POLLIN, 0 }, { s->stop_pipe[0], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN)
			accept_one(s);
	}
	return NULL;
}

struct server *
server_start(struct display *d, const struct sockaddr_in *addr, char *why,
    size_t whylen)
{
	struct server *s = calloc(1, sizeof(*s));
	struct sockaddr_in bound;
	socklen_t len = sizeof(bound);
	int one = 1;

	if (s == NULL)
		return NULL;
	s->d = d;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || pipe2(s->stop_pipe, O_CLOEXEC) != 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		goto fail;
	}
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->lfd, (const struct sockaddr *)addr, sizeof(*addr)) != 0 ||
	    listen(s->lfd, 16) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&bound, &len) != 0) {
		snprintf(why, whylen, "cannot listen on %s:%u: %s",
		    inet_ntoa(addr->sin_addr), ntohs(addr->sin_port), strerror(errno));
		goto fail;
	}
	s->port = ntohs(bound.sin_port);
	if (pthread_create(&s->thread, NULL, accept_main, s) != 0) {
		snprintf(why, whylen, "cannot start the server thread");
		goto fail;
	}
	return s;
fail:
	if (s->lfd >= 0)
		close(s->lfd);
	free(s);
	return NULL;
}

unsigned
server_port(const struct server *s)
{
	return s->port;
}

void
server_stop(struct server *s)
{
	if (write(s->stop_pipe[1], "x", 1) < 0)
		return;
	pthread_join(s->thread, NULL);
	close(s->lfd);
}

/* For fuzz/fuzz_server.c: serve fd, already connected, as one connection in
 * the calling thread until it closes (fd is closed). */
void
server_serve_fd(struct display *d, int fd, const char *peer)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		close(fd);
		return;
	}
	c->d = d;
	c->fd = fd;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->authed = d->cfg->auth_code == NULL;
	conn_main(c);
}
