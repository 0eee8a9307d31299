/* kcm.h -- the Kimberley Control Manager's state, shared by its files.
 *
 * One thread, one loop: avahi's simple poll is the main loop.  The D-Bus
 * connection's watches and timeouts are registered on it through the
 * AvahiPoll API (loop.c), and so is one epoll descriptor that carries every
 * relay socket (relay.c).  Nothing busy-waits: the loop sleeps in poll(2)
 * until a socket is ready or the nearest timeout is due. */
#ifndef KCM_H
#define KCM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <dbus/dbus.h>
#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-client/lookup.h>
#include <avahi-common/simple-watch.h>
#include <openssl/ssl.h>
#include "kcm/widearea.h"
#include "rpc/log.h"

#define KCM_BUS_NAME "org.kimberley.KCM"
#define KCM_PATH "/org/kimberley/KCM"
#define KCM_IFACE "org.kimberley.KCM"
#define KCM_ERR "org.kimberley.KCM.Error."
#define KCM_TYPE_LAUNCHER "_kimberley._tcp"
#define KCM_TYPE_VNC "_kimberley-vnc._tcp"
#define KCM_PROTO_VERSION "1"
#define KCM_BROWSE_TIMEOUT_MS 8000   /* default for browse / browse_vnc */
#define KCM_PUBLISH_TIMEOUT_MS 15000 /* publish waits this long for Avahi */
#define KCM_SETTLE_MS 700 /* no name given: wait this long for more */
#define KCM_NOTFOUND_GRACE_MS \
	1500 /* a name not present at ALL_FOR_NOW: this long for a late answer */
#define KCM_BUF (256 * 1024)	       /* relay buffer per direction */
#define KCM_TLS_READ_BUF (128 * 1024)  /* OpenSSL's read-ahead buffer */
#define KCM_HANDSHAKE_TIMEOUT_MS 10000 /* default --handshake-timeout */
#define KCM_HANDSHAKE_TIMEOUT_MAX_S 600
#define KCM_MAX_PENDING 32 /* default --max-pending */
#define KCM_MAX_PENDING_MAX 4096

enum kcm_kind { KIND_LAUNCHER, KIND_VNC };

/* epoll callback: data.ptr of every relay fd points at one of these. */
struct kcm;
struct ev {
	void (*fn)(struct kcm *k, struct ev *ev, uint32_t events);
};

struct kcm {
	AvahiSimplePoll *sp;
	const AvahiPoll *api;
	AvahiClient *avahi;
	AvahiClientState avahi_state;
	int avahi_err; /* last failure, for messages */
	DBusConnection *bus;
	int epfd;
	SSL_CTX *srv_ctx, *cli_ctx;
	char fingerprint[80]; /* "sha256:<hex>" of our certificate */
	char *state_dir;
	char *known_file;
	struct publication *pubs;
	struct search *searches;
	struct tunnel *tunnels;
	unsigned hs_timeout_ms; /* a TLS handshake must be done by then */
	unsigned max_pending; /* display side: connections before the handshake */
	struct widearea
	    *wide; /* wide-area DNS-SD publishing (widearea.c), or NULL */
	bool quit;
};

/* loop.c */
int loop_bus_attach(struct kcm *k);
int loop_epoll_attach(struct kcm *k);
int ev_add(struct kcm *k, int fd, struct ev *ev, uint32_t events);
int ev_mod(struct kcm *k, int fd, struct ev *ev, uint32_t events);
void ev_del(struct kcm *k, int fd);
AvahiTimeout *
timer_after(struct kcm *k, unsigned ms, AvahiTimeoutCallback cb, void *arg);
void timer_free(struct kcm *k, AvahiTimeout **t);

/* avahi.c */
int avahi_start(struct kcm *k);
const char *avahi_problem(struct kcm *k); /* NULL when usable */

/* tls.c */
int tls_init(struct kcm *k);
/* Check a display's certificate against the known-displays file (pin on
 * first use).  Returns 0, or -1 with *why a malloc'd sentence. */
int tls_check_peer(struct kcm *k, const char *display, SSL *ssl, char **why);

/* relay.c */
struct conn;
typedef void (*conn_ready_fn)(void *arg, struct conn *c, const char *err);
/* Display side: an accepted network connection, relayed to 127.0.0.1:port. */
/* peer_source: dial local_port from the peer's own 127.h.h.h (relay.c) */
void
conn_accept_tls(struct kcm *k, int tfd, unsigned local_port, bool peer_source);
/* Mobile side: connect to addr, TLS, check display's identity.  pfd < 0:
 * park until conn_attach; ready (may be NULL) is told the outcome once. */
struct conn *conn_dial(struct kcm *k, const struct sockaddr *sa, socklen_t len,
    const char *display, int pfd, conn_ready_fn ready, void *arg);
void conn_attach(struct kcm *k, struct conn *c, int pfd);
void conn_forget_ready(struct conn *c);
void conn_close(struct kcm *k, struct conn *c);
void relay_reap(struct kcm *k);
void conn_set_slot(struct conn *c, struct conn **slot);
int listen_tcp(
    const struct sockaddr *sa, socklen_t len, unsigned *port, char **why);

/* publish.c (KCM side) */
void pub_start(struct kcm *k, DBusMessage *call, enum kcm_kind kind,
    const char *name, int iface, unsigned port);
int pub_stop(
    struct kcm *k, enum kcm_kind kind, const char *name, const char *owner);
/* The launcher service's TXT "state=busy|free" (mDNS and wide-area). */
int pub_set_busy(struct kcm *k, const char *name, bool busy);
void pub_owner_gone(struct kcm *k, const char *owner);
void pub_register_all(struct kcm *k);
void pub_reset_all(struct kcm *k);

/* browse.c */
/* domain: also browse this wide-area DNS-SD domain (NULL: mDNS only). */
void search_start(struct kcm *k, DBusMessage *call, enum kcm_kind kind,
    const char *name, int iface, unsigned timeout_ms, const char *domain);
void search_owner_gone(struct kcm *k, const char *owner);
void search_avahi_lost(struct kcm *k);

/* list.c: the listing, name + state (busy/free) + domain, for a person. */
void list_start(struct kcm *k, DBusMessage *call, enum kcm_kind kind, int iface,
    unsigned timeout_ms, const char *domain);
void list_avahi_lost(struct kcm *k);

/* domains.c: browse domains the network announces (Avahi's domain browser). */
void domains_start(struct kcm *k);
void domains_lost(struct kcm *k);
const char *domains_first(struct kcm *k); /* NULL if none */
/* browse.c: a browse domain appeared; searches given none use it. */
void search_domain_added(struct kcm *k, const char *domain);

/* bus.c */
int bus_start(struct kcm *k);
void bus_reply_error(struct kcm *k, DBusMessage *call, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* sense.c */
char **sense_interfaces(void);

/* KCM's log lines go through the tree's one logging module (rpc/log.c):
 * --log FILE ($KCM_LOG), else stderr, which D-Bus activation hands to the
 * session bus's log. */
#define kcm_log(...) kim_log("kcm", __VA_ARGS__)

#endif
