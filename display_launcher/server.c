/* server.c -- accept loop and one thread per connection.
 *
 * libtirpc's svc_run serves one connection's whole record at a time, so a
 * second client would wait behind a 1 MiB transfer; instead each connection
 * gets its own thread that receives its calls (SVC_RECV) and hands them to
 * the rpcgen dispatcher.
 *
 * Strangers can open connections, so everything a connection holds is
 * bounded (docs/operator.md, "Connections"):
 *  - at most max_conns connections; a newcomer over the cap makes the
 *    display drop its oldest connection that does not own the session, so
 *    neither idle strangers nor an fd limit can lock the next person out;
 *  - out of file descriptors, accept is retried through a spare fd and the
 *    listening socket rests EMFILE_BACKOFF_MS instead of spinning;
 *  - a deadline per connection, kept by the accept thread (the watchdog):
 *    idle_timeout for the next complete call -- also while a record
 *    arrives, since libtirpc's own read timeout is 35 s per read and a byte
 *    at a time resets it -- and for a reply to be taken; auth_timeout from
 *    the connect to a completed authentication.  A connection past its
 *    deadline is shutdown(2): the read or write libtirpc is blocked in
 *    returns at once and the connection thread ends as on a hang-up.
 *    (SO_RCVTIMEO would bound one read, not a record that trickles in, and
 *    a transport of our own would duplicate libtirpc's record layer.) */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rpc/rpc.h>

#include "attach.h"
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
#define EMFILE_BACKOFF_MS 100 /* rest after accept ran out of fds */
#define FD_RESERVE \
	64	       /* fds a session needs beside its
				   connections (files, pipes, helpers) */
#define LOG_EVERY_S 10 /* one line per this for repeated refusals */

/* Why the watchdog or the cap cut a connection. */
enum cut { CUT_NONE, CUT_IDLE, CUT_AUTH, CUT_ROOM, CUT_STOP };

/* server.c's side of a connection; c is what session.c sees. */
struct link {
	struct conn c;
	struct server *s;
	struct link *prev, *next; /* s->links, oldest first */
	double auth_deadline;	  /* kim_now() by which to authenticate */
	double deadline;	  /* the next cut, 0: none (a call runs) */
	enum cut deadline_why;	  /* CUT_IDLE or CUT_AUTH */
	enum cut cut;		  /* set once cut: shut down, ending */
	pthread_t thread;	  /* its thread, joined by reap() */
	int has_thread;		  /* 0: served in the caller's (fuzzer) */
};

struct server {
	struct display *d;
	int lfd;
	int stop_pipe[2];
	int wake_pipe[2]; /* a deadline sooner than wakes_at */
	int spare_fd;	  /* given back when accept hits EMFILE */
	unsigned port;
	pthread_t thread;
	unsigned next_id;
	pthread_mutex_t lock; /* guards links, live, total */
	struct link *head, *tail;
	struct link *done;     /* ended, for reap() to join and free */
	unsigned threads;      /* connection threads not yet joined */
	unsigned live;	       /* links not cut */
	unsigned total;	       /* links whose thread still runs */
	double wakes_at;       /* the watchdog's next look, 0: none */
	double backoff_until;  /* do not accept before this */
	double refused_logged; /* when a refusal was last logged */
	unsigned refused;      /* refusals since that line */
};

static _Thread_local struct link *current;

struct conn *
server_conn(void)
{
	return current ? &current->c : NULL;
}

/* ---- deadlines ------------------------------------------------------------ */

/* Where a connection is: waiting for (or receiving) a call, running one,
 * or sending a reply. */
enum phase { WAITING, RUNNING, REPLYING };

/* Set l's deadline for the phase it enters (its own thread only). */
static void
set_phase(struct link *l, enum phase ph)
{
	const struct display_config *cfg = display_config(l->c.d);
	double dl = ph == RUNNING ? 0 : kim_now() + cfg->idle_timeout;
	enum cut why = CUT_IDLE;
	struct server *s = l->s;
	int wake;

	if (!l->c.authed && (dl == 0 || l->auth_deadline < dl)) {
		dl = l->auth_deadline;
		why = CUT_AUTH;
	}
	pthread_mutex_lock(&s->lock);
	if (l->cut != CUT_NONE) /* already ending */
		dl = 0;
	l->deadline = dl;
	l->deadline_why = why;
	wake = dl != 0 && (s->wakes_at == 0 || dl < s->wakes_at);
	if (wake)
		s->wakes_at = dl;
	pthread_mutex_unlock(&s->lock);
	if (wake && write(s->wake_pipe[1], "w", 1) < 0 && errno != EAGAIN)
		kim_log(
		    "connect", "cannot wake the watchdog: %s", strerror(errno));
}

/* Cut l: its thread's read or write returns, the thread ends the
 * connection.  With s->lock held. */
static void
cut(struct server *s, struct link *l, enum cut why)
{
	if (l->cut != CUT_NONE)
		return;
	l->cut = why;
	l->deadline = 0;
	s->live--;
	shutdown(l->c.fd, SHUT_RDWR);
}

/* Cut every connection past its deadline; the time of the next deadline
 * (0: none). */
static double
watch(struct server *s)
{
	double now = kim_now(), next = 0;

	pthread_mutex_lock(&s->lock);
	for (struct link *l = s->head; l; l = l->next) {
		if (l->deadline == 0)
			continue;
		if (l->deadline <= now)
			cut(s, l, l->deadline_why);
		else if (next == 0 || l->deadline < next)
			next = l->deadline;
	}
	s->wakes_at = next;
	pthread_mutex_unlock(&s->lock);
	return next;
}

/* Make room for a newcomer: cut the oldest connection that does not own
 * the session.  With s->lock held. */
static void
cut_oldest_stranger(struct server *s)
{
	struct display *d = s->d;

	for (struct link *l = s->head; l; l = l->next) {
		int owner;
		if (l->cut != CUT_NONE)
			continue;
		owner = display_owned_by(d, &l->c);
		if (!owner) {
			cut(s, l, CUT_ROOM);
			return;
		}
	}
}

/* ---- the libtirpc transport, bounded -------------------------------------- */

static pthread_mutex_t ops_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xp_ops bounded_ops;
static bool_t (*vc_getargs)(SVCXPRT *, xdrproc_t, void *);
static bool_t (*vc_reply)(SVCXPRT *, struct rpc_msg *);

/* The rpcgen -m dispatcher answers GARBAGE_ARGS and returns when the
 * arguments do not decode, without svc_freeargs: whatever the decoder had
 * allocated before it failed (a string of up to KIM_XDR_STR_MAX, a chunk of
 * up to KIM_XDR_CHUNK_MAX) would leak, once per call.  Free it here.  The
 * dispatcher zeroes the arguments first, so the parts never reached are
 * NULL and xdr_free skips them. */
static bool_t
getargs_or_free(SVCXPRT *x, xdrproc_t proc, void *args)
{
	if (vc_getargs(x, proc, args)) {
		set_phase(current, RUNNING); /* a handler may take long */
		return TRUE;
	}
	xdr_free(proc, args);
	return FALSE;
}

/* A reply is bounded like a call: a client that does not read it in
 * idle_timeout is cut. */
static bool_t
reply_bounded(SVCXPRT *x, struct rpc_msg *m)
{
	set_phase(current, REPLYING);
	return vc_reply(x, m);
}

/* libtirpc shares one static ops table among its connections: ours is a
 * copy with getargs and reply wrapped. */
static void
bound_transport(SVCXPRT *x)
{
	pthread_mutex_lock(&ops_lock);
	if (vc_getargs == NULL) {
		bounded_ops = *x->xp_ops;
		vc_getargs = bounded_ops.xp_getargs;
		vc_reply = bounded_ops.xp_reply;
		bounded_ops.xp_getargs = getargs_or_free;
		bounded_ops.xp_reply = reply_bounded;
	}
	x->xp_ops = &bounded_ops;
	pthread_mutex_unlock(&ops_lock);
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
			set_phase(current, WAITING);
		}
		st = SVC_STAT(x);
		if (st == XPRT_DIED)
			return 0;
	} while (st == XPRT_MOREREQS);
	return 1;
}

static const char *
cut_reason(const struct link *l, char *buf, size_t len)
{
	const struct display_config *cfg = display_config(l->c.d);

	switch (l->cut) {
	case CUT_IDLE:
		snprintf(buf, len, "no complete call in %d s: dropped",
		    cfg->idle_timeout);
		break;
	case CUT_AUTH:
		snprintf(buf, len, "not authenticated within %d s: dropped",
		    cfg->auth_timeout);
		break;
	case CUT_STOP:
		snprintf(buf, len, "closed: the display is stopping");
		break;
	case CUT_ROOM:
		snprintf(buf, len,
		    "dropped: room for a newcomer (%d connections "
		    "at most)",
		    cfg->max_conns);
		break;
	default: snprintf(buf, len, "closed");
	}
	return buf;
}

/* Take l out of s's list (s->lock held). */
static void
forget(struct server *s, struct link *l)
{
	if (l->cut == CUT_NONE)
		s->live--;
	if (l->prev)
		l->prev->next = l->next;
	else
		s->head = l->next;
	if (l->next)
		l->next->prev = l->prev;
	else
		s->tail = l->prev;
	s->total--;
}

static void *
conn_main(void *arg)
{
	struct link *l = arg;
	struct conn *c = &l->c;
	struct server *s = l->s;
	int fd = c->fd;
	char why[128];
	SVCXPRT *x;

	current = l;
	set_phase(l, WAITING);
	x = svc_fd_create(fd, RPC_BUFSZ, RPC_BUFSZ);
	if (x == NULL)
		kim_log("connect", "conn=%u cannot set up RPC", c->id);
	else
		bound_transport(x);
	/* Wait for each call here, not in libtirpc's read (which gives up
	 * after 35 s); the watchdog bounds the wait. */
	while (x != NULL) {
		struct pollfd p = { fd, POLLIN, 0 };
		int n = poll(&p, 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || !serve_calls(x) || c->close_after_reply)
			break;
	}
	pthread_mutex_lock(&s->lock);
	forget(s, l);
	pthread_mutex_unlock(&s->lock);
	kim_log("connect", "conn=%u peer=%s %s", c->id, c->peer,
	    c->attach_disk && l->cut == CUT_NONE
		? "now a disk's stream"
		: cut_reason(l, why, sizeof(why)));
	if (c->attach_disk && l->cut == CUT_NONE)
		attach_handoff(c); /* the reply went: a disk's NBD stream */
	session_disconnect(c);
	if (x)
		SVC_DESTROY(x); /* closes fd */
	else
		close(fd);
	pthread_mutex_lock(&s->lock);
	if (l->has_thread) { /* the accepting thread joins and frees it */
		l->next = s->done;
		s->done = l;
		l = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	free(l);
	return NULL;
}

/* Join and free the connections whose threads ended. */
static void
reap(struct server *s)
{
	struct link *l, *next;

	pthread_mutex_lock(&s->lock);
	l = s->done;
	s->done = NULL;
	pthread_mutex_unlock(&s->lock);
	for (; l; l = next) {
		next = l->next;
		pthread_join(l->thread, NULL);
		free(l);
		pthread_mutex_lock(&s->lock);
		s->threads--;
		pthread_mutex_unlock(&s->lock);
	}
}

/* A refusal, logged once per LOG_EVERY_S with how many there were. */
static void
log_refusal(struct server *s, const char *why)
{
	double now = kim_now();

	s->refused++;
	if (now - s->refused_logged < LOG_EVERY_S)
		return;
	kim_log("connect", "%s: connection refused (%u in the last %d s)", why,
	    s->refused, LOG_EVERY_S);
	s->refused_logged = now;
	s->refused = 0;
}

/* A new connection on fd: within the cap (cutting the oldest stranger if
 * need be), its link made and put at the end of s's list.  NULL: refused,
 * fd closed. */
static struct link *
adopt(struct server *s, int fd, const char *peer)
{
	const struct display_config *cfg = display_config(s->d);
	struct link *l;

	pthread_mutex_lock(&s->lock);
	if (s->total >= 2 * (unsigned)cfg->max_conns) {
		/* the cut ones have not ended yet: the newcomer waits for none */
		pthread_mutex_unlock(&s->lock);
		close(fd);
		log_refusal(s, "too many connections ending");
		return NULL;
	}
	if (s->live >= (unsigned)cfg->max_conns)
		cut_oldest_stranger(s);
	pthread_mutex_unlock(&s->lock);
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		close(fd);
		return NULL;
	}
	struct conn *c = &l->c;
	l->s = s;
	c->d = s->d;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	/* no mechanism: no step needed */
	c->authed = cfg->auth_code == NULL && !cfg->sasl && !cfg->screen_code;
	c->fd = fd;
	l->auth_deadline = kim_now() + cfg->auth_timeout;
	pthread_mutex_lock(&s->lock);
	c->id = ++s->next_id;
	l->prev = s->tail;
	if (s->tail)
		s->tail->next = l;
	else
		s->head = l;
	s->tail = l;
	s->live++;
	s->total++;
	pthread_mutex_unlock(&s->lock);
	kim_log("connect", "conn=%u peer=%s", c->id, c->peer);
	return l;
}

static void
accept_one(struct server *s)
{
	char name[64];
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	struct link *l;
	int fd, one = 1;

	fd = accept4(s->lfd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
	if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
		/* The classic reserve: give back the spare fd to take the
		 * newcomer off the backlog and hang up at once, rest a while,
		 * and cut a stranger so that the next one gets in. */
		if (s->spare_fd >= 0)
			close(s->spare_fd);
		if ((fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
			close(fd);
		s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		s->backoff_until = kim_now() + EMFILE_BACKOFF_MS / 1000.0;
		pthread_mutex_lock(&s->lock);
		cut_oldest_stranger(s);
		pthread_mutex_unlock(&s->lock);
		log_refusal(s, "out of file descriptors");
		return;
	}
	if (fd < 0)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	snprintf(name, sizeof(name), "%s:%u", inet_ntoa(peer.sin_addr),
	    ntohs(peer.sin_port));
	if ((l = adopt(s, fd, name)) == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	if (pthread_create(&l->thread, NULL, conn_main, l) != 0) {
		forget(s, l);
		pthread_mutex_unlock(&s->lock);
		close(fd);
		free(l);
		return;
	}
	l->has_thread = 1; /* under the lock conn_main's end takes */
	s->threads++;
	pthread_mutex_unlock(&s->lock);
}

/* Accept connections and keep their deadlines, until told to stop. */
static void *
accept_main(void *arg)
{
	struct server *s = arg;

	for (;;) {
		struct pollfd p[3] = { { s->stop_pipe[0], POLLIN, 0 },
			{ s->wake_pipe[0], POLLIN, 0 }, { s->lfd, POLLIN, 0 } };
		double now, next = watch(s);
		char buf[64];
		int resting, ms = -1;

		now = kim_now();
		resting = now < s->backoff_until;
		if (resting)
			next = next == 0 || s->backoff_until < next
			    ? s->backoff_until
			    : next;
		if (next != 0)
			ms = (int)((next - now) * 1000) + 1;
		if (poll(p, resting ? 2 : 3, ms) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		reap(s);
		if (p[0].revents)
			break;
		if (p[1].revents)
			while (read(s->wake_pipe[0], buf, sizeof(buf)) > 0)
				;
		if (!resting && (p[2].revents & POLLIN))
			accept_one(s);
	}
	return NULL;
}

void
server_fit_fd_limit(struct display_config *cfg)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg->max_conns + FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want
	    ? want
	    : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < want) {
		int fit = rl.rlim_cur > 2 * FD_RESERVE
		    ? (int)(rl.rlim_cur - FD_RESERVE)
		    : (int)rl.rlim_cur / 2;
		kim_log("start",
		    "file descriptor limit %lu: %d connections at "
		    "most, not %d",
		    (unsigned long)rl.rlim_cur, fit, cfg->max_conns);
		cfg->max_conns = fit < 2 ? 2 : fit;
	}
}

struct server *
server_start(
    struct display *d, const struct sockaddr_in *addr, char *why, size_t whylen)
{
	struct server *s = calloc(1, sizeof(*s));
	struct sockaddr_in bound;
	socklen_t len = sizeof(bound);
	int one = 1;

	if (s == NULL)
		return NULL;
	s->d = d;
	pthread_mutex_init(&s->lock, NULL);
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || pipe2(s->stop_pipe, O_CLOEXEC) != 0 ||
	    pipe2(s->wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		goto fail;
	}
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->lfd, (const struct sockaddr *)addr, sizeof(*addr)) != 0 ||
	    listen(s->lfd, 16) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&bound, &len) != 0) {
		snprintf(why, whylen, "cannot listen on %s:%u: %s",
		    inet_ntoa(addr->sin_addr), ntohs(addr->sin_port),
		    strerror(errno));
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
	int left;

	if (write(s->stop_pipe[1], "x", 1) < 0)
		return;
	pthread_join(s->thread, NULL);
	close(s->lfd);
	/* every connection is shut down; each thread ends its own session
	 * (session_disconnect) and is joined here */
	pthread_mutex_lock(&s->lock);
	for (struct link *l = s->head; l; l = l->next)
		cut(s, l, CUT_STOP);
	pthread_mutex_unlock(&s->lock);
	do {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		reap(s);
		pthread_mutex_lock(&s->lock);
		left = s->threads > 0;
		pthread_mutex_unlock(&s->lock);
		if (left)
			nanosleep(&ts, NULL);
	} while (left);
}

/* For fuzz/fuzz_server.c: serve fd, already connected, as one connection in
 * the calling thread until it closes (fd is closed). */
void
server_serve_fd(struct server *s, int fd, const char *peer)
{
	struct link *l = adopt(s, fd, peer);

	if (l != NULL)
		conn_main(l);
}
