/* relay.c -- the tunnel: one TLS connection per relayed TCP connection.
 *
 * Each conn joins a plain loopback socket (pfd) and a TLS socket (tfd).
 * Both are non-blocking and sit in the loop's epoll set; on any event the
 * conn is "pumped": move bytes each way until every step would block, then
 * ask epoll for exactly the readiness that would let it continue.  A full
 * buffer stops reading its source (back-pressure), an empty interest set
 * takes the descriptor out of epoll (so a hung-up socket cannot spin).
 * Half-closes pass through: EOF on the plain side becomes a TLS
 * close_notify, a close_notify becomes shutdown(SHUT_WR) on the plain side
 * (TLS 1.3 allows data to keep flowing the other way).
 *
 * Strangers: every connection must finish its TLS handshake within the
 * handshake deadline (k->hs_timeout_ms) or it is closed.  On the display
 * side an accepted connection costs one descriptor until then -- the local
 * service is dialled only once the handshake is done, so a port scan never
 * reaches display_launcher -- and at most k->max_pending of them wait at
 * once: one more pushes out the oldest, so a flood cannot keep the next
 * real person out for longer than one handshake. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include "kcm/kcm.h"
#include "rpc/link.h"

#define container_of(p, T, m) ((T *)((char *)(p)-offsetof(T, m)))

struct buf {
	size_t a, b; /* data is d[a..b) */
	unsigned char d[KCM_BUF];
};

enum cstate { C_CONNECTING, C_HANDSHAKE, C_OPEN };

struct conn {
	struct ev pev, tev;
	struct kcm *k;
	int pfd, tfd;
	SSL *ssl;
	enum cstate st;
	bool server;
	char *display; /* client: whose identity to check */
	bool p_eof, t_eof, t_shut, p_shut, dead;
	bool want_r, want_w;   /* what OpenSSL waits for */
	uint32_t pmask, tmask; /* what epoll has now (0: not in the set) */
	conn_ready_fn ready;
	void *arg;
	struct conn **slot; /* cleared when the conn dies */
	struct conn *next_dead;
	AvahiTimeout *hs_timer; /* the handshake deadline */
	unsigned local_port;	/* server: dialled after the handshake */
	bool peer_source;	/* ... from the peer's own loopback source */
	struct conn *pend_prev, *pend_next; /* server, before the handshake */
	bool pending;
	struct buf p2t, t2p;
};

static struct conn *graveyard;
static int dial_local(unsigned port, int tfd, bool peer_source);
/* Display side, handshake not done yet: oldest first. */
static struct conn *pend_head, *pend_tail;
static unsigned pend_count;

static void
pend_remove(struct conn *c)
{
	if (!c->pending)
		return;
	if (c->pend_prev)
		c->pend_prev->pend_next = c->pend_next;
	else
		pend_head = c->pend_next;
	if (c->pend_next)
		c->pend_next->pend_prev = c->pend_prev;
	else
		pend_tail = c->pend_prev;
	c->pend_prev = c->pend_next = NULL;
	c->pending = false;
	pend_count--;
}

static void
pend_add(struct conn *c)
{
	c->pend_prev = pend_tail;
	if (pend_tail)
		pend_tail->pend_next = c;
	else
		pend_head = c;
	pend_tail = c;
	c->pending = true;
	pend_count++;
}

/* Strangers' connections dropped, told in one log line per interval. */
#define DROP_LOG_INTERVAL 10 /* s */
static void
note_dropped(const char *why)
{
	static double last = -DROP_LOG_INTERVAL;
	static unsigned since;
	double now = kim_now();
	since++;
	if (now - last < DROP_LOG_INTERVAL)
		return;
	kcm_log(
	    "relay: dropped %u connection%s that did not complete a TLS handshake "
	    "(latest: %s)",
	    since, since == 1 ? "" : "s", why);
	last = now;
	since = 0;
}

static size_t
blen(const struct buf *b)
{
	return b->b - b->a;
}

static size_t
bspace(struct buf *b)
{
	if (b->a == b->b)
		b->a = b->b = 0;
	if (b->b == KCM_BUF && b->a > 0) {
		memmove(b->d, b->d + b->a, b->b - b->a);
		b->b -= b->a;
		b->a = 0;
	}
	return KCM_BUF - b->b;
}

static void
set_nonblock(int fd)
{
	int one = 1;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static const char *
ssl_reason(void)
{
	static char msg[256];
	unsigned long e = ERR_get_error();
	if (!e)
		return errno ? strerror(errno) : "connection closed";
	ERR_error_string_n(e, msg, sizeof msg);
	ERR_clear_error();
	return msg;
}

static void
tell_ready(struct conn *c, const char *err)
{
	conn_ready_fn fn = c->ready;
	c->ready = NULL;
	if (fn)
		fn(c->arg, err ? NULL : c, err);
}

void
conn_close(struct kcm *k, struct conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	pend_remove(c);
	timer_free(k, &c->hs_timer);
	if (c->pfd >= 0) {
		if (c->pmask)
			ev_del(k, c->pfd);
		close(c->pfd);
		c->pfd = -1;
	}
	if (c->tfd >= 0) {
		if (c->tmask)
			ev_del(k, c->tfd);
		close(c->tfd);
		c->tfd = -1;
	}
	if (c->slot)
		*c->slot = NULL;
	c->next_dead = graveyard;
	graveyard = c;
}

void
relay_reap(struct kcm *k)
{
	(void)k;
	while (graveyard) {
		struct conn *c = graveyard;
		graveyard = c->next_dead;
		SSL_free(c->ssl);
		free(c->display);
		free(c);
	}
}

static void
fail(struct kcm *k, struct conn *c, const char *what, const char *why)
{
	char msg[1536];
	if (what)
		snprintf(msg, sizeof msg, "%s%s%s: %s", what,
		    c->display ? " with display " : "",
		    c->display ? c->display : "", why);
	else
		snprintf(msg, sizeof msg, "%s", why);
	if (c->ready)
		tell_ready(c, msg);
	else
		kcm_log("relay: %s", msg);
	conn_close(k, c);
}

static void
set_mask(struct kcm *k, int fd, struct ev *ev, uint32_t *cur, uint32_t want)
{
	if (fd < 0 || want == *cur)
		return;
	if (!want)
		ev_del(k, fd);
	else if (!*cur)
		ev_add(k, fd, ev, want);
	else
		ev_mod(k, fd, ev, want);
	*cur = want;
}

static void
note_ssl_wait(struct conn *c, int e)
{
	if (e == SSL_ERROR_WANT_READ)
		c->want_r = true;
	else if (e == SSL_ERROR_WANT_WRITE)
		c->want_w = true;
}

static bool
is_wait(int e)
{
	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* Move bytes until nothing moves; returns false if the conn died. */
static bool
move_bytes(struct kcm *k, struct conn *c)
{
	bool progress;
	ssize_t n;
	int r, e;

	do {
		progress = false;
		if (c->pfd >= 0 && !c->p_eof && bspace(&c->p2t)) {
			n = read(
			    c->pfd, c->p2t.d + c->p2t.b, KCM_BUF - c->p2t.b);
			if (n > 0) {
				c->p2t.b += n;
				progress = true;
			} else if (n == 0) {
				c->p_eof = true;
				progress = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				fail(k, c, "relay: reading the local side",
				    strerror(errno));
				return false;
			}
		}
		if (blen(&c->p2t) && !c->t_shut) {
			ERR_clear_error();
			r = SSL_write(
			    c->ssl, c->p2t.d + c->p2t.a, (int)blen(&c->p2t));
			if (r > 0) {
				c->p2t.a += r;
				progress = true;
			} else if (is_wait(e = SSL_get_error(c->ssl, r))) {
				note_ssl_wait(c, e);
			} else {
				fail(k, c, "TLS write", ssl_reason());
				return false;
			}
		}
		if (c->pfd >= 0 && c->p_eof && !blen(&c->p2t) && !c->t_shut) {
			ERR_clear_error();
			r = SSL_shutdown(c->ssl);
			if (r >= 0) {
				c->t_shut = true;
				progress = true;
			} else if (is_wait(e = SSL_get_error(c->ssl, r))) {
				note_ssl_wait(c, e);
			} else {
				fail(k, c, "TLS close", ssl_reason());
				return false;
			}
		}
		if (!c->t_eof && bspace(&c->t2p)) {
			ERR_clear_error();
			r = SSL_read(c->ssl, c->t2p.d + c->t2p.b,
			    (int)(KCM_BUF - c->t2p.b));
			if (r > 0) {
				c->t2p.b += r;
				progress = true;
			} else if ((e = SSL_get_error(c->ssl, r)) ==
			    SSL_ERROR_ZERO_RETURN) {
				c->t_eof = true;
				progress = true;
			} else if (is_wait(e)) {
				note_ssl_wait(c, e);
			} else {
				fail(k, c, "TLS read", ssl_reason());
				return false;
			}
		}
		if (c->pfd >= 0 && blen(&c->t2p)) {
			n = write(c->pfd, c->t2p.d + c->t2p.a, blen(&c->t2p));
			if (n > 0) {
				c->t2p.a += n;
				progress = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				fail(k, c, "relay: writing the local side",
				    strerror(errno));
				return false;
			}
		}
		if (c->pfd >= 0 && c->t_eof && !blen(&c->t2p) && !c->p_shut) {
			shutdown(c->pfd, SHUT_WR);
			c->p_shut = true;
			progress = true;
		}
	} while (progress);
	if (c->p_eof && c->t_shut && c->t_eof && c->p_shut) {
		conn_close(k, c);
		return false;
	}
	return true;
}

static void
pump(struct kcm *k, struct conn *c)
{
	uint32_t pm = 0, tm = 0;
	int r, e;

	if (c->dead)
		return;
	c->want_r = c->want_w = false;
	if (c->st == C_HANDSHAKE) {
		ERR_clear_error();
		r = SSL_do_handshake(c->ssl);
		if (r == 1) {
			char *why = NULL;
			timer_free(k, &c->hs_timer);
			pend_remove(c);
			if (!c->server &&
			    tls_check_peer(k, c->display, c->ssl, &why) < 0) {
				fail(k, c, NULL,
				    why ? why : "identity check failed");
				free(why);
				return;
			}
			if (c->server && c->pfd < 0) {
				if ((c->pfd = dial_local(c->local_port, c->tfd,
					 c->peer_source)) < 0) {
					conn_close(k, c);
					return;
				}
				set_nonblock(c->pfd);
			}
			c->st = C_OPEN;
			tell_ready(c, NULL);
			if (c->dead)
				return;
		} else if (is_wait(e = SSL_get_error(c->ssl, r))) {
			note_ssl_wait(c, e);
		} else if (c->server) {
			note_dropped(
			    ssl_reason()); /* a stranger's garbage: no line each */
			conn_close(k, c);
			return;
		} else {
			fail(k, c, "TLS handshake", ssl_reason());
			return;
		}
	}
	if (c->st == C_OPEN && !move_bytes(k, c))
		return;
	if (c->st == C_CONNECTING)
		tm = EPOLLOUT;
	else {
		if (c->want_r)
			tm |= EPOLLIN;
		if (c->want_w)
			tm |= EPOLLOUT;
	}
	if (c->pfd >= 0 && c->st == C_OPEN) {
		if (!c->p_eof && KCM_BUF - blen(&c->p2t) > 0)
			pm |= EPOLLIN;
		if (blen(&c->t2p))
			pm |= EPOLLOUT;
	}
	set_mask(k, c->tfd, &c->tev, &c->tmask, tm);
	set_mask(k, c->pfd, &c->pev, &c->pmask, pm);
}

static void
plain_ev(struct kcm *k, struct ev *ev, uint32_t events)
{
	(void)events;
	pump(k, container_of(ev, struct conn, pev));
}

static void
tls_ev(struct kcm *k, struct ev *ev, uint32_t events)
{
	struct conn *c = container_of(ev, struct conn, tev);
	(void)events;
	if (c->st == C_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof err;
		getsockopt(c->tfd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			fail(k, c, "connecting", strerror(err));
			return;
		}
		c->st = C_HANDSHAKE;
	}
	pump(k, c);
}

static void
hs_timeout_cb(AvahiTimeout *t, void *data)
{
	struct conn *c = data;
	struct kcm *k = c->k;
	char why[96];
	(void)t;
	timer_free(k, &c->hs_timer);
	snprintf(why, sizeof why, "no TLS handshake within %.1f s",
	    k->hs_timeout_ms / 1000.0);
	if (c->server) {
		note_dropped(why);
		conn_close(k, c);
	} else
		fail(k, c, "TLS handshake", why);
	relay_reap(k); /* not inside an epoll batch: nothing refers to it */
}

/* The loopback address the inward connection comes from: one per remote
 * peer (127.h.h.h, h a hash of the peer's address), so that display_launcher,
 * which sees only loopback, can still tell strangers apart (its access-code
 * backoff is per source address) and its log can be matched with ours.
 * 0 when the peer is unknown: the kernel's default source, 127.0.0.1.
 * Only for the launcher service: x11vnc's -localhost also admits clients
 * from 127.0.0.1 alone, so a VNC export is dialled from the default. */
static in_addr_t
peer_addr(int tfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	const unsigned char *p;
	size_t n;
	uint32_t h = 2166136261u; /* FNV-1a */

	if (getpeername(tfd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET) {
		p = (const unsigned char *)&((struct sockaddr_in *)&ss)
			->sin_addr;
		n = 4;
	} else if (ss.ss_family == AF_INET6) {
		p = (const unsigned char *)&((struct sockaddr_in6 *)&ss)
			->sin6_addr;
		n = 16;
	} else
		return 0;
	while (n--)
		h = (h ^ *p++) * 16777619u;
	h &= 0xffffff;
	if (h <= 1 || h == 0xffffff) /* 127.0.0.0, .1 (ours), the broadcast */
		h = 2;
	return htonl(0x7f000000u | h);
}

/* The local service, dialled once a stranger has done a TLS handshake.
 * Non-blocking: a loopback connect completes at once or soon; until then
 * reads and writes would block, and a refusal shows as an error on them. */
static int
dial_local(unsigned port, int tfd, bool peer_source)
{
	struct sockaddr_in lo = { .sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in src = { .sin_family = AF_INET,
		.sin_addr.s_addr = peer_source ? peer_addr(tfd) : 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* a source that cannot be bound falls back to the default one */
	if (fd >= 0 && src.sin_addr.s_addr &&
	    bind(fd, (struct sockaddr *)&src, sizeof src) != 0)
		kcm_log("relay: cannot use a per-peer loopback source: %s",
		    strerror(errno));
	if (fd < 0 ||
	    (connect(fd, (struct sockaddr *)&lo, sizeof lo) < 0 &&
		errno != EINPROGRESS)) {
		kcm_log("relay: connecting to the local service on port %u: %s",
		    port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static struct conn *
conn_new(struct kcm *k, int tfd, int pfd, bool server)
{
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->k = k;
	c->pev.fn = plain_ev;
	c->tev.fn = tls_ev;
	c->tfd = tfd;
	c->pfd = pfd;
	c->server = server;
	c->ssl = SSL_new(server ? k->srv_ctx : k->cli_ctx);
	if (!c->ssl) {
		free(c);
		return NULL;
	}
	SSL_set_mode(c->ssl,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
		SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_set_fd(c->ssl, tfd);
	if (server)
		SSL_set_accept_state(c->ssl);
	else
		SSL_set_connect_state(c->ssl);
	set_nonblock(tfd);
	kim_link_bounds(tfd); /* a cut link is noticed (rpc/link.h) */
	if (pfd >= 0)
		set_nonblock(pfd);
	c->hs_timer = timer_after(k, k->hs_timeout_ms, hs_timeout_cb, c);
	return c;
}

void
conn_accept_tls(struct kcm *k, int tfd, unsigned local_port, bool peer_source)
{
	struct conn *c;
	char why[96];
	if (pend_count >= k->max_pending && pend_head) {
		snprintf(why, sizeof why,
		    "%u waiting for a handshake; the oldest made room",
		    pend_count);
		note_dropped(why);
		conn_close(k, pend_head);
	}
	if (!(c = conn_new(k, tfd, -1, true))) {
		close(tfd);
		return;
	}
	c->local_port = local_port;
	c->peer_source = peer_source;
	c->st = C_HANDSHAKE;
	pend_add(c);
	pump(k, c);
}

struct conn *
conn_dial(struct kcm *k, const struct sockaddr *sa, socklen_t len,
    const char *display, int pfd, conn_ready_fn ready, void *arg)
{
	struct conn *c;
	int tfd = socket(
	    sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (tfd < 0)
		return NULL;
	if (!(c = conn_new(k, tfd, pfd, false))) {
		close(tfd);
		return NULL;
	}
	c->display = strdup(display);
	c->ready = ready;
	c->arg = arg;
	if (connect(tfd, sa, len) == 0)
		c->st = C_HANDSHAKE;
	else if (errno == EINPROGRESS)
		c->st = C_CONNECTING;
	else {
		int e = errno;
		c->ready = NULL;
		conn_close(k, c);
		errno = e;
		return NULL;
	}
	pump(k, c);
	return c;
}

void
conn_attach(struct kcm *k, struct conn *c, int pfd)
{
	c->pfd = pfd;
	set_nonblock(pfd);
	pump(k, c);
}

void
conn_forget_ready(struct conn *c)
{
	c->ready = NULL;
}
void
conn_set_slot(struct conn *c, struct conn **slot)
{
	c->slot = slot;
}

int
listen_tcp(const struct sockaddr *sa, socklen_t len, unsigned *port, char **why)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int one = 1;
	int fd = socket(
	    sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, sa, len) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		if (why &&
		    asprintf(why, "cannot listen: %s", strerror(errno)) < 0)
			*why = NULL;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(
	    ((struct sockaddr_in *)&ss)->sin_port); /* same offset in sin6 */
	return fd;
}
