/* browse.c -- docs/design.md steps 3 and 9: find a display, open a tunnel to it.
 *
 * Shaped like avahi's client-browse-services example: a service browser,
 * a resolver for the chosen result, every callback handling FAILURE.
 * With a name, the first result of that name is resolved (over IPv4, the
 * display's protocol, whatever protocol the result came by).  Without one,
 * the browser runs until Avahi reports ALL_FOR_NOW (and a short settle
 * time after the first result): one display is taken, several are an
 * error that lists them -- never a silent pick.  The resolved address gets
 * a probe connection (TLS + identity check) before the reply, so a changed
 * identity is reported to the caller; the probe is then parked and becomes
 * the first connection made to the returned loopback port. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <avahi-common/error.h>
#include "kcm/kcm.h"

struct found {
	struct found *next;
	char *name, *domain;
	int iface;
	AvahiProtocol proto;
	int refs;
};

struct search {
	struct kcm *k;
	struct search *next;
	DBusMessage *call;
	char *owner;
	enum kcm_kind kind;
	char *want; /* NULL: any single display */
	int iface;
	unsigned timeout_ms;
	AvahiServiceBrowser *sb;
	AvahiServiceBrowser
	    *sb_wide; /* the wide-area domain's, if one was given */
	char *domain;
	AvahiTimeout *wide_retry; /* the wide browser failed: ask again */
	AvahiServiceResolver
	    *sr_direct; /* the wanted name, resolved in the domain */
	AvahiTimeout *direct_retry;
	bool wide_logged;
	AvahiServiceResolver *sr;
	AvahiTimeout *deadline, *settle;
	AvahiTimeout *notfound; /* a name not among those present: answer soon */
	struct found *found;
	bool all_for_now;
	char *chosen;
	struct conn *probe;
	struct tunnel *tun;
};

struct tunnel {
	struct ev ev;
	struct kcm *k;
	struct tunnel *next;
	int lfd;
	unsigned port;
	char *display, *owner;
	struct sockaddr_storage addr;
	socklen_t alen;
	struct conn *parked; /* the verified probe, for the first client */
};

static const char *
type_of(enum kcm_kind kind)
{
	return kind == KIND_VNC ? KCM_TYPE_VNC : KCM_TYPE_LAUNCHER;
}

static const char *
what_of(enum kcm_kind kind)
{
	return kind == KIND_VNC ? "VNC export" : "Kimberley display";
}

/* --- tunnels (mobile-side loopback listeners) --- */
static void
tunnel_free(struct tunnel *t)
{
	struct kcm *k = t->k;
	struct tunnel **pp;
	for (pp = &k->tunnels; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	if (t->parked)
		conn_close(k, t->parked);
	if (t->lfd >= 0) {
		ev_del(k, t->lfd);
		close(t->lfd);
	}
	free(t->display);
	free(t->owner);
	free(t);
}

static void
tunnel_accept(struct kcm *k, struct ev *ev, uint32_t events)
{
	struct tunnel *t = (struct tunnel *)ev;
	int fd;
	(void)events;
	while ((fd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		struct conn *c = t->parked;
		if (c) {
			t->parked = NULL;
			conn_set_slot(c, NULL);
			conn_attach(k, c, fd);
		} else if (!conn_dial(k, (struct sockaddr *)&t->addr, t->alen,
			       t->display, fd, NULL, NULL)) {
			kcm_log(
			    "tunnel to '%s': %s", t->display, strerror(errno));
			close(fd);
		}
	}
}

static struct tunnel *
tunnel_new(struct kcm *k, const char *display, const char *owner,
    const struct sockaddr *sa, socklen_t len, char **why)
{
	struct sockaddr_in lo = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct tunnel *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->k = k;
	t->ev.fn = tunnel_accept;
	t->display = strdup(display);
	t->owner = strdup(owner);
	memcpy(&t->addr, sa, len);
	t->alen = len;
	t->lfd = listen_tcp((struct sockaddr *)&lo, sizeof lo, &t->port, why);
	t->next = k->tunnels;
	k->tunnels = t;
	if (t->lfd < 0 || ev_add(k, t->lfd, &t->ev, EPOLLIN) < 0) {
		tunnel_free(t);
		return NULL;
	}
	return t;
}

/* --- searches --- */
static void
search_free(struct search *s)
{
	struct kcm *k = s->k;
	struct search **pp;
	struct found *f;
	for (pp = &k->searches; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (s->probe)
		conn_forget_ready(s->probe), conn_close(k, s->probe);
	if (s->tun)
		tunnel_free(s->tun);
	if (s->sr)
		avahi_service_resolver_free(s->sr);
	if (s->sb)
		avahi_service_browser_free(s->sb);
	if (s->sb_wide)
		avahi_service_browser_free(s->sb_wide);
	free(s->domain);
	timer_free(k, &s->wide_retry);
	if (s->sr_direct)
		avahi_service_resolver_free(s->sr_direct);
	timer_free(k, &s->direct_retry);
	timer_free(k, &s->deadline);
	timer_free(k, &s->settle);
	timer_free(k, &s->notfound);
	while ((f = s->found)) {
		s->found = f->next;
		free(f->name);
		free(f->domain);
		free(f);
	}
	if (s->call)
		dbus_message_unref(s->call);
	free(s->owner);
	free(s->want);
	free(s->chosen);
	free(s);
}

static void
fail_search(struct search *s, const char *errname, const char *msg)
{
	kcm_log("browse: %s", msg);
	bus_reply_error(s->k, s->call, errname, "%s", msg);
	search_free(s);
}

/* "'A', 'B'" -- the names seen so far. */
static char *
names_list(struct search *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	struct found *f;
	for (f = s->found; f; f = f->next)
		fprintf(m, "%s'%s'", f == s->found ? "" : ", ", f->name);
	fclose(m);
	return out;
}

static unsigned
count_found(struct search *s)
{
	unsigned n = 0;
	struct found *f;
	for (f = s->found; f; f = f->next)
		n++;
	return n;
}

static void
probe_ready(void *arg, struct conn *c, const char *err)
{
	struct search *s = arg;
	struct tunnel *t = s->tun;
	DBusMessage *r;
	s->probe = NULL;
	if (err) {
		fail_search(s,
		    strstr(err, "has CHANGED") ? KCM_ERR "IdentityChanged"
					       : KCM_ERR "ConnectFailed",
		    err);
		return;
	}
	t->parked = c;
	conn_set_slot(c, &t->parked);
	s->tun = NULL; /* the tunnel now lives on its own */
	kcm_log("browse: '%s' (%s) tunnelled to 127.0.0.1:%u", t->display,
	    type_of(s->kind), t->port);
	if ((r = dbus_message_new_method_return(s->call))) {
		dbus_uint32_t port = t->port;
		dbus_message_append_args(r, DBUS_TYPE_UINT32, &port,
		    DBUS_TYPE_STRING, &t->display, DBUS_TYPE_INVALID);
		dbus_connection_send(s->k->bus, r, NULL);
		dbus_message_unref(r);
	}
	search_free(s);
}

static void
resolve_cb(AvahiServiceResolver *r, AvahiIfIndex iface, AvahiProtocol proto,
    AvahiResolverEvent event, const char *name, const char *type,
    const char *domain, const char *host, const AvahiAddress *a, uint16_t port,
    AvahiStringList *txt, AvahiLookupResultFlags flags, void *data)
{
	struct search *s = data;
	struct sockaddr_storage ss;
	socklen_t len;
	char msg[768], *why = NULL;
	(void)proto;
	(void)type;
	(void)domain;
	(void)txt;
	(void)flags;

	avahi_service_resolver_free(r);
	s->sr = NULL;
	if (event == AVAHI_RESOLVER_FAILURE) {
		snprintf(msg, sizeof msg, "cannot resolve %s '%s': %s",
		    what_of(s->kind), name,
		    avahi_strerror(avahi_client_errno(s->k->avahi)));
		fail_search(s, KCM_ERR "ResolveFailed", msg);
		return;
	}
	memset(&ss, 0, sizeof ss);
	if (a->proto == AVAHI_PROTO_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = a->data.ipv4.address;
		len = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->data.ipv6.address, 16);
		sin6->sin6_scope_id = (uint32_t)iface;
		len = sizeof *sin6;
	}
	kcm_log("browse: %s '%s' is %s port %u", what_of(s->kind), name, host,
	    port);
	s->tun =
	    tunnel_new(s->k, name, s->owner, (struct sockaddr *)&ss, len, &why);
	if (!s->tun) {
		snprintf(msg, sizeof msg,
		    "cannot open a local port for '%s': %s", name,
		    why ? why : "out of memory");
		free(why);
		fail_search(s, KCM_ERR "Failed", msg);
		return;
	}
	s->probe = conn_dial(
	    s->k, (struct sockaddr *)&ss, len, name, -1, probe_ready, s);
	if (!s->probe) {
		snprintf(msg, sizeof msg,
		    "cannot connect to '%s' at %s port %u: %s", name, host,
		    port, strerror(errno));
		fail_search(s, KCM_ERR "ConnectFailed", msg);
	}
}

static void
resolve(struct search *s, struct found *f)
{
	char msg[512];
	if (s->sr || s->tun)
		return;
	timer_free(s->k, &s->settle);
	free(s->chosen);
	s->chosen = strdup(f->name);
	/* The display listens on IPv4 only (publish.c), so whichever protocol
	 * the announcement came by -- with use-ipv6=yes the IPv6 one (an
	 * fe80:: address) often comes first -- ask for the service and its
	 * address over IPv4.  Avahi does not put A records on IPv6 by default
	 * (publish-a-on-ipv6=no), so both must be IPv4. */
	s->sr = avahi_service_resolver_new(s->k->avahi, f->iface,
	    AVAHI_PROTO_INET, f->name, type_of(s->kind), f->domain,
	    AVAHI_PROTO_INET, 0, resolve_cb, s);
	if (!s->sr) {
		snprintf(msg, sizeof msg, "cannot resolve '%s': %s", f->name,
		    avahi_strerror(avahi_client_errno(s->k->avahi)));
		fail_search(s, KCM_ERR "ResolveFailed", msg);
	}
}

/* No name given: one display -> it; several -> an error naming them. */
static void
decide(struct search *s)
{
	unsigned n = count_found(s);
	char msg[1024], *names;
	if (n == 1)
		resolve(s, s->found);
	else if (n > 1) {
		names = names_list(s);
		snprintf(msg, sizeof msg,
		    "%u %ss are in range: %s; name the one you want", n,
		    what_of(s->kind), names);
		free(names);
		fail_search(s, KCM_ERR "Ambiguous", msg);
	}
}

static void
settle_cb(AvahiTimeout *t, void *data)
{
	struct search *s = data;
	(void)t;
	timer_free(s->k, &s->settle);
	decide(s);
}

static void
deadline_cb(AvahiTimeout *t, void *data)
{
	struct search *s = data;
	char msg[1024], *names = names_list(s);
	(void)t;
	timer_free(s->k, &s->deadline);
	if (s->want)
		snprintf(msg, sizeof msg,
		    "no %s named '%s' answered within %.1f s%s%s%s%s%s",
		    what_of(s->kind), s->want, s->timeout_ms / 1000.0,
		    s->domain ? " on the local network or in " : "",
		    s->domain ? s->domain : "",
		    *names ? " (in range: " : " (none in range", names, ")");
	else
		snprintf(msg, sizeof msg,
		    "no %s answered within %.1f s%s; is the display "
		    "running and on the same network?",
		    what_of(s->kind), s->timeout_ms / 1000.0,
		    s->chosen ? " (it was found but did not answer)" : "");
	free(names);
	fail_search(s, KCM_ERR "Timeout", msg);
}

/* A display asked for by name is not among those the browse saw present
 * (ALL_FOR_NOW, then KCM_NOTFOUND_GRACE_MS for a late answer): say so now,
 * with the names in range, rather than at the deadline.  Not for a session's
 * VNC export, which appears moments after it is asked for, nor with a
 * wide-area domain, whose answers come by other ways (direct lookups). */
static void
notfound_cb(AvahiTimeout *t, void *data)
{
	struct search *s = data;
	char msg[1024], *names;
	struct found *f;
	(void)t;
	timer_free(s->k, &s->notfound);
	if (s->sr || s->tun || s->chosen)
		return;
	for (f = s->found; f; f = f->next)
		if (strcasecmp(f->name, s->want) == 0)
			return; /* being resolved */
	names = names_list(s);
	snprintf(msg, sizeof msg, "no %s named '%s' is in range%s%s%s",
	    what_of(s->kind), s->want, *names ? " (in range: " : " (none is)",
	    names, *names ? ")" : "");
	free(names);
	fail_search(s, KCM_ERR "NotFound", msg);
}

static bool
better(AvahiProtocol new, AvahiProtocol old)
{
	return new == AVAHI_PROTO_INET &&old != AVAHI_PROTO_INET;
}

static void
browse_cb(AvahiServiceBrowser *b, AvahiIfIndex iface, AvahiProtocol proto,
    AvahiBrowserEvent event, const char *name, const char *type,
    const char *domain, AvahiLookupResultFlags flags, void *data);

/* A name in a wide-area domain is also resolved directly (its SRV and TXT,
 * RFC 6763 section 4), beside the browse: a mobile's Avahi keeps the PTR
 * set it saw for its TTL, so a display registered since then would be
 * invisible to the browse until it expires.  A failure (NXDOMAIN: not
 * registered yet) asks again each second until the deadline; success goes
 * the browse's way (resolve_cb), unless the browse got there first. */
static void direct_start(struct search *s);

static void
direct_retry_cb(AvahiTimeout *t, void *data)
{
	struct search *s = data;
	(void)t;
	timer_free(s->k, &s->direct_retry);
	direct_start(s);
}

static void
direct_cb(AvahiServiceResolver *r, AvahiIfIndex iface, AvahiProtocol proto,
    AvahiResolverEvent event, const char *name, const char *type,
    const char *domain, const char *host, const AvahiAddress *a, uint16_t port,
    AvahiStringList *txt, AvahiLookupResultFlags flags, void *data)
{
	struct search *s = data;
	s->sr_direct = NULL;
	if (event != AVAHI_RESOLVER_FOUND || s->sr || s->tun) {
		avahi_service_resolver_free(r);
		if (event != AVAHI_RESOLVER_FOUND && !s->sr && !s->tun)
			s->direct_retry =
			    timer_after(s->k, 1000, direct_retry_cb, s);
		return;
	}
	timer_free(s->k, &s->settle);
	free(s->chosen);
	s->chosen = strdup(name);
	s->sr = r; /* resolve_cb frees it */
	resolve_cb(r, iface, proto, event, name, type, domain, host, a, port,
	    txt, flags, s);
}

static void
direct_start(struct search *s)
{
	if (s->want && s->domain && !s->sr_direct && !s->sr && !s->tun &&
	    s->k->avahi)
		s->sr_direct =
		    avahi_service_resolver_new(s->k->avahi, AVAHI_IF_UNSPEC,
			AVAHI_PROTO_UNSPEC, s->want, type_of(s->kind),
			s->domain, AVAHI_PROTO_INET, 0, direct_cb, s);
}

static void
wide_retry_cb(AvahiTimeout *t, void *data)
{
	struct search *s = data;
	(void)t;
	timer_free(s->k, &s->wide_retry);
	if (!s->sb_wide && !s->sr && !s->tun && s->k->avahi)
		s->sb_wide = avahi_service_browser_new(s->k->avahi,
		    AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, type_of(s->kind),
		    s->domain, 0, browse_cb, s);
	if (!s->sb_wide && !s->sr && !s->tun)
		s->wide_retry = timer_after(s->k, 1000, wide_retry_cb, s);
}

static void
browse_cb(AvahiServiceBrowser *b, AvahiIfIndex iface, AvahiProtocol proto,
    AvahiBrowserEvent event, const char *name, const char *type,
    const char *domain, AvahiLookupResultFlags flags, void *data)
{
	struct search *s = data;
	struct found *f, **pp;
	char msg[512];
	(void)type;
	(void)flags;

	switch (event) {
	case AVAHI_BROWSER_FAILURE:
		if (b != s->sb) {
			/* The wide-area query failed; NXDOMAIN is the usual answer
			 * before the first display registers (a VNC export a moment
			 * after the session starts).  Ask again each second until
			 * the deadline; mDNS goes on meanwhile. */
			if (!s->wide_logged && (s->wide_logged = true))
				kcm_log("browse: %ss in %s: %s; asking again",
				    what_of(s->kind), s->domain,
				    avahi_strerror(
					avahi_client_errno(s->k->avahi)));
			avahi_service_browser_free(b);
			s->sb_wide = NULL;
			timer_free(s->k, &s->wide_retry);
			s->wide_retry =
			    timer_after(s->k, 1000, wide_retry_cb, s);
			return;
		}
		snprintf(msg, sizeof msg, "browsing for %ss failed: %s",
		    what_of(s->kind),
		    avahi_strerror(avahi_client_errno(s->k->avahi)));
		fail_search(s, KCM_ERR "Avahi", msg);
		return;
	case AVAHI_BROWSER_NEW:
		for (f = s->found; f; f = f->next)
			if (strcmp(f->name, name) == 0)
				break;
		if (!f) {
			f = calloc(1, sizeof *f);
			f->name = strdup(name);
			f->domain = strdup(domain);
			f->iface = iface;
			f->proto = proto;
			for (pp = &s->found; *pp; pp = &(*pp)->next)
				;
			*pp = f;
		} else if (better(proto, f->proto)) {
			f->iface = iface;
			f->proto = proto;
			free(
			    f->domain); /* resolve where this result came from */
			f->domain = strdup(domain);
		}
		f->refs++;
		if (s->want && strcasecmp(s->want, name) == 0)
			resolve(s, f);
		else if (!s->want && s->all_for_now && !s->settle && !s->sr &&
		    !s->tun)
			s->settle =
			    timer_after(s->k, KCM_SETTLE_MS, settle_cb, s);
		break;
	case AVAHI_BROWSER_REMOVE:
		for (pp = &s->found; (f = *pp); pp = &f->next)
			if (strcmp(f->name, name) == 0) {
				if (--f->refs <= 0) {
					*pp = f->next;
					free(f->name);
					free(f->domain);
					free(f);
				}
				break;
			}
		break;
	case AVAHI_BROWSER_ALL_FOR_NOW:
		s->all_for_now = true;
		if (!s->want && !s->sr && !s->tun)
			decide(s);
		else if (s->want && s->kind == KIND_LAUNCHER && !s->domain &&
		    b == s->sb && !s->notfound && !s->sr && !s->tun &&
		    !s->chosen)
			s->notfound = timer_after(
			    s->k, KCM_NOTFOUND_GRACE_MS, notfound_cb, s);
		break;
	case AVAHI_BROWSER_CACHE_EXHAUSTED: break;
	}
}

void
search_start(struct kcm *k, DBusMessage *call, enum kcm_kind kind,
    const char *name, int iface, unsigned timeout_ms, const char *domain)
{
	struct search *s;
	const char *problem = avahi_problem(k);
	if (problem) {
		bus_reply_error(k, call, KCM_ERR "NoAvahi",
		    "cannot look for a %s: %s", what_of(kind), problem);
		return;
	}
	s = calloc(1, sizeof *s);
	s->k = k;
	s->call = dbus_message_ref(call);
	s->owner = strdup(dbus_message_get_sender(call));
	s->kind = kind;
	s->want = name && *name ? strdup(name) : NULL;
	s->iface = iface;
	s->timeout_ms = timeout_ms;
	s->next = k->searches;
	k->searches = s;
	s->deadline = timer_after(k, timeout_ms, deadline_cb, s);
	s->sb = avahi_service_browser_new(k->avahi,
	    iface < 0 ? AVAHI_IF_UNSPEC : iface, AVAHI_PROTO_UNSPEC,
	    type_of(kind), NULL, 0, browse_cb, s);
	/* Wide-area DNS-SD (docs/widearea.md): Avahi asks its unicast DNS
	 * servers (resolv.conf) when given a domain other than "local", with
	 * [wide-area] enable-wide-area=yes.  Results arrive at the same
	 * callback and follow the same name rules; they carry their domain,
	 * which the resolver is given.  No domain given: the one the network
	 * announces, if any (domains.c). */
	if (!domain && iface < 0) /* not for one link (the USB fallback) */
		domain = domains_first(k);
	if (s->sb && domain && (s->domain = strdup(domain)) &&
	    !(s->sb_wide = avahi_service_browser_new(k->avahi, AVAHI_IF_UNSPEC,
		  AVAHI_PROTO_UNSPEC, type_of(kind), domain, 0, browse_cb,
		  s))) {
		char msg[512];
		snprintf(msg, sizeof msg, "cannot browse for %ss in %s: %s",
		    what_of(kind), domain,
		    avahi_strerror(avahi_client_errno(k->avahi)));
		fail_search(s, KCM_ERR "Avahi", msg);
		return;
	}
	direct_start(s);
	if (!s->sb) {
		char msg[512];
		snprintf(msg, sizeof msg, "cannot browse for %ss: %s",
		    what_of(kind),
		    avahi_strerror(avahi_client_errno(k->avahi)));
		fail_search(s, KCM_ERR "Avahi", msg);
	}
}

void
search_owner_gone(struct kcm *k, const char *owner)
{
	struct tunnel *t = k->tunnels, *tn;
	struct search *s = k->searches, *sn;
	for (; t; t = tn) {
		tn = t->next;
		if (strcmp(t->owner, owner) == 0)
			tunnel_free(t);
	}
	for (; s; s = sn) {
		sn = s->next;
		if (strcmp(s->owner, owner) == 0)
			search_free(s);
	}
}

void
search_avahi_lost(struct kcm *k)
{
	struct search *s = k->searches, *sn;
	for (; s; s = sn) {
		sn = s->next;
		if (s->sb)
			avahi_service_browser_free(s->sb);
		s->sb = NULL;
		if (s->sb_wide)
			avahi_service_browser_free(s->sb_wide);
		s->sb_wide = NULL;
		if (s->sr_direct)
			avahi_service_resolver_free(s->sr_direct);
		s->sr_direct = NULL;
		if (!s->tun) /* a probing search no longer needs Avahi */
			fail_search(s, KCM_ERR "NoAvahi",
			    "avahi-daemon went away during the search");
	}
}

/* A browse domain was announced (domains.c): searches that have none yet
 * (started before it was known, e.g. right after KCM's activation) look
 * there too. */
void
search_domain_added(struct kcm *k, const char *domain)
{
	struct search *s;
	for (s = k->searches; s; s = s->next)
		if (!s->domain && s->iface < 0 && !s->sb_wide && !s->sr &&
		    !s->tun && s->sb && (s->domain = strdup(domain))) {
			s->sb_wide = avahi_service_browser_new(k->avahi,
			    AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
			    type_of(s->kind), domain, 0, browse_cb, s);
			direct_start(s);
		}
}
