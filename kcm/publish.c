/* publish.c -- docs/design.md step 2 (and 8): advertise a local service.
 *
 * publish(name, interface, port) opens a TLS listener on the network side
 * (the interface's IPv4 address, or every address), advertises it with
 * DNS-SD under `name`, and relays each accepted connection to the local
 * port.  The D-Bus reply carries the name really registered: on a
 * collision the DNS-SD alternative ("Room B #2") is tried, as avahi's
 * client-publish-service example does.  Publications belong to the D-Bus
 * client that made them and go away with it.
 *
 * The same client publishing the same name again (the display after each
 * session) is a refresh: the listener and its network port stay, only the
 * local port it relays to may change, and nothing is withdrawn from the
 * network -- so no mobile's Avahi cache can hold a port that is gone. */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include "kcm/kcm.h"

struct publication {
	struct ev ev; /* the network listener */
	struct kcm *k;
	struct publication *next;
	enum kcm_kind kind;
	char *name;   /* current (maybe renamed) instance name */
	char *wanted; /* the name asked for */
	char *owner;  /* D-Bus unique name of the publisher */
	int iface;
	unsigned local_port, net_port;
	int lfd;
	AvahiEntryGroup *group;
	bool established;  /* Avahi has it on the network */
	DBusMessage *call; /* pending until ESTABLISHED */
	AvahiTimeout *deadline;
	bool busy;	       /* TXT state=busy (set_busy) */
	struct wide_rec *wide; /* wide-area records (widearea.c) */
};

static const char *
type_of(enum kcm_kind kind)
{
	return kind == KIND_VNC ? KCM_TYPE_VNC : KCM_TYPE_LAUNCHER;
}

static void
answer(struct publication *p, const char *errname, const char *msg)
{
	struct kcm *k = p->k;
	DBusMessage *call = p->call, *r;
	if (!call)
		return;
	p->call = NULL;
	timer_free(k, &p->deadline);
	if (errname)
		bus_reply_error(k, call, errname, "%s", msg);
	else if ((r = dbus_message_new_method_return(call))) {
		dbus_message_append_args(
		    r, DBUS_TYPE_STRING, &p->name, DBUS_TYPE_INVALID);
		dbus_connection_send(k->bus, r, NULL);
		dbus_message_unref(r);
	}
	dbus_message_unref(call);
}

static void
pub_free(struct publication *p)
{
	struct kcm *k = p->k;
	struct publication **pp;
	for (pp = &k->pubs; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	answer(p, KCM_ERR "Withdrawn",
	    "the publication was withdrawn before Avahi established it");
	if (p->group)
		avahi_entry_group_free(p->group);
	wide_drop(k, &p->wide);
	if (p->lfd >= 0) {
		ev_del(k, p->lfd);
		close(p->lfd);
	}
	timer_free(k, &p->deadline);
	free(p->name);
	free(p->wanted);
	free(p->owner);
	free(p);
}

static void
rename_after_collision(struct publication *p)
{
	char *alt = avahi_alternative_service_name(p->name);
	kcm_log("publish: the name '%s' is taken on the network; using '%s'",
	    p->name, alt);
	free(p->name);
	p->name = strdup(alt);
	avahi_free(alt);
}

static void register_one(struct publication *p);

static void
group_cb(AvahiEntryGroup *g, AvahiEntryGroupState state, void *data)
{
	struct publication *p = data;
	char msg[512];
	p->group = g;
	p->established = state == AVAHI_ENTRY_GROUP_ESTABLISHED;
	switch (state) {
	case AVAHI_ENTRY_GROUP_ESTABLISHED:
		kcm_log(
		    "publish: '%s' (%s) is established on port %u -> local %u",
		    p->name, type_of(p->kind), p->net_port, p->local_port);
		answer(p, NULL, NULL);
		if (p->iface < 0) /* wide-area: the name is final now */
			wide_set(p->k, &p->wide, type_of(p->kind), p->name,
			    p->net_port, p->busy);
		break;
	case AVAHI_ENTRY_GROUP_COLLISION:
		rename_after_collision(p);
		register_one(p);
		break;
	case AVAHI_ENTRY_GROUP_FAILURE:
		snprintf(msg, sizeof msg, "Avahi could not publish '%s': %s",
		    p->name,
		    avahi_strerror(
			avahi_client_errno(avahi_entry_group_get_client(g))));
		kcm_log("publish: %s", msg);
		answer(p, KCM_ERR "Avahi", msg);
		break;
	case AVAHI_ENTRY_GROUP_UNCOMMITED:
	case AVAHI_ENTRY_GROUP_REGISTERING: break;
	}
}

static void
register_one(struct publication *p)
{
	struct kcm *k = p->k;
	char msg[512];
	int r;

	p->established = false;
	if (!k->avahi || k->avahi_state != AVAHI_CLIENT_S_RUNNING)
		return; /* done when the client reaches RUNNING */
	if (!p->group &&
	    !(p->group = avahi_entry_group_new(k->avahi, group_cb, p))) {
		r = avahi_client_errno(k->avahi);
		goto fail;
	}
	for (;;) {
		avahi_entry_group_reset(p->group);
		r = avahi_entry_group_add_service(p->group,
		    p->iface < 0 ? AVAHI_IF_UNSPEC : p->iface,
		    AVAHI_PROTO_UNSPEC, 0, p->name, type_of(p->kind), NULL,
		    NULL, (uint16_t)p->net_port, "txtvers=1",
		    "proto=" KCM_PROTO_VERSION,
		    p->busy ? "state=busy" : "state=free", NULL);
		if (r != AVAHI_ERR_COLLISION)
			break;
		rename_after_collision(
		    p); /* taken locally: try the next name */
	}
	if (r < 0 || (r = avahi_entry_group_commit(p->group)) < 0)
		goto fail;
	return;
fail:
	snprintf(msg, sizeof msg, "Avahi could not publish '%s': %s", p->name,
	    avahi_strerror(r));
	kcm_log("publish: %s", msg);
	answer(p, KCM_ERR "Avahi", msg);
}

void
pub_register_all(struct kcm *k)
{
	struct publication *p;
	for (p = k->pubs; p; p = p->next)
		register_one(p);
}

void
pub_reset_all(struct kcm *k)
{
	struct publication *p;
	for (p = k->pubs; p; p = p->next)
		if (p->group) {
			avahi_entry_group_free(p->group);
			p->group = NULL;
			p->established = false;
		}
}

static void
accept_ev(struct kcm *k, struct ev *ev, uint32_t events)
{
	struct publication *p = (struct publication *)ev;
	int fd;
	(void)events;
	while ((fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		conn_accept_tls(k, fd, p->local_port, p->kind == KIND_LAUNCHER);
	if (errno != EAGAIN && errno != EINTR)
		kcm_log("publish: accept on port %u: %s", p->net_port,
		    strerror(errno));
}

static void
deadline_cb(AvahiTimeout *t, void *data)
{
	struct publication *p = data;
	char msg[512];
	(void)t;
	p->k->api->timeout_free(p->deadline);
	p->deadline = NULL;
	snprintf(msg, sizeof msg,
	    "Avahi did not establish '%s' within %d s%s%s", p->name,
	    KCM_PUBLISH_TIMEOUT_MS / 1000, avahi_problem(p->k) ? ": " : "",
	    avahi_problem(p->k) ? avahi_problem(p->k) : "");
	answer(p, KCM_ERR "Timeout", msg);
}

/* The listening address: the interface's IPv4 address, or any. */
static int
bind_addr(int iface, struct sockaddr_in *sin, char **why)
{
	struct ifaddrs *ifa, *i;
	char name[IF_NAMESIZE];
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_ANY);
	if (iface < 0)
		return 0;
	if (!if_indextoname((unsigned)iface, name)) {
		if (asprintf(why, "no network interface with index %d", iface) <
		    0)
			*why = NULL;
		return -1;
	}
	if (getifaddrs(&ifa) < 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    strcmp(i->ifa_name, name) == 0) {
			sin->sin_addr =
			    ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			break;
		}
	freeifaddrs(ifa);
	if (!i) {
		if (asprintf(why, "interface %s has no IPv4 address", name) < 0)
			*why = NULL;
		return -1;
	}
	return 0;
}

/* The caller's own publication of `name` (as asked for), if any. */
static struct publication *
find_own(struct kcm *k, enum kcm_kind kind, const char *name, int iface,
    const char *owner)
{
	struct publication *p;
	for (p = k->pubs; p; p = p->next)
		if (p->kind == kind && p->iface == iface &&
		    strcmp(p->wanted, name) == 0 &&
		    strcmp(p->owner, owner) == 0)
			return p;
	return NULL;
}

/* Publish again what is published: keep the listener and its port. */
static void
refresh(struct publication *p, DBusMessage *call, unsigned port)
{
	struct kcm *k = p->k;
	if (p->call) {
		bus_reply_error(k, call, KCM_ERR "Failed",
		    "'%s' is still being published; "
		    "wait for that answer",
		    p->name);
		return;
	}
	if (p->local_port != port)
		kcm_log(
		    "publish: '%s' (%s) now relays port %u to local %u (was %u)",
		    p->name, type_of(p->kind), p->net_port, port,
		    p->local_port);
	p->local_port = port; /* connections from now on; open ones stay */
	p->call = dbus_message_ref(call);
	if (p->established) {
		kcm_log("publish: '%s' (%s) published again: same port %u",
		    p->name, type_of(p->kind), p->net_port);
		answer(p, NULL, NULL);
		return;
	}
	p->deadline = timer_after(k, KCM_PUBLISH_TIMEOUT_MS, deadline_cb, p);
	register_one(p); /* not on the network (yet, or any more): try again */
}

void
pub_start(struct kcm *k, DBusMessage *call, enum kcm_kind kind,
    const char *name, int iface, unsigned port)
{
	struct publication *p;
	struct sockaddr_in sin;
	char *why = NULL;
	const char *problem;

	if ((p = find_own(
		 k, kind, name, iface, dbus_message_get_sender(call)))) {
		refresh(p, call, port);
		return;
	}
	if ((problem = avahi_problem(k))) {
		bus_reply_error(k, call, KCM_ERR "NoAvahi",
		    "cannot publish '%s': %s", name, problem);
		return;
	}
	if (bind_addr(iface, &sin, &why) < 0) {
		bus_reply_error(k, call, KCM_ERR "InvalidArgs",
		    "cannot publish '%s': %s", name,
		    why ? why : "bad interface");
		free(why);
		return;
	}
	p = calloc(1, sizeof *p);
	p->k = k;
	p->ev.fn = accept_ev;
	p->kind = kind;
	p->name = strdup(name);
	p->wanted = strdup(name);
	p->owner = strdup(dbus_message_get_sender(call));
	p->iface = iface;
	p->local_port = port;
	p->lfd =
	    listen_tcp((struct sockaddr *)&sin, sizeof sin, &p->net_port, &why);
	if (p->lfd < 0 || ev_add(k, p->lfd, &p->ev, EPOLLIN) < 0) {
		bus_reply_error(k, call, KCM_ERR "Failed",
		    "cannot publish '%s': %s", name,
		    why ? why : strerror(errno));
		free(why);
		if (p->lfd >= 0)
			close(p->lfd);
		p->lfd = -1;
		pub_free(p); /* not in the list yet */
		return;
	}
	p->call = dbus_message_ref(call);
	p->deadline = timer_after(k, KCM_PUBLISH_TIMEOUT_MS, deadline_cb, p);
	p->next = k->pubs;
	k->pubs = p;
	register_one(p);
}

int
pub_stop(struct kcm *k, enum kcm_kind kind, const char *name, const char *owner)
{
	struct publication *p;
	for (p = k->pubs; p; p = p->next)
		if (p->kind == kind && strcmp(p->name, name) == 0) {
			(void)
			    owner; /* any client of this session bus may withdraw */
			kcm_log("publish: withdrawing '%s' (%s)", p->name,
			    type_of(kind));
			pub_free(p);
			return 0;
		}
	return -1;
}

void
pub_owner_gone(struct kcm *k, const char *owner)
{
	struct publication *p = k->pubs, *next;
	for (; p; p = next) {
		next = p->next;
		if (strcmp(p->owner, owner) == 0) {
			kcm_log(
			    "publish: '%s' withdrawn: its publisher left the bus",
			    p->name);
			pub_free(p);
		}
	}
}

/* The display is in use or free again: TXT "state=busy|free" on the
 * launcher service, on mDNS (update in place) and wide-area (a new TXT). */
int
pub_set_busy(struct kcm *k, const char *name, bool busy)
{
	struct publication *p;
	int r;
	for (p = k->pubs; p; p = p->next)
		if (p->kind == KIND_LAUNCHER && strcmp(p->name, name) == 0)
			break;
	if (!p)
		return -1;
	if (p->busy == busy)
		return 0;
	p->busy = busy;
	kcm_log("publish: '%s' is %s", p->name, busy ? "busy" : "free");
	if (p->group && p->established &&
	    (r = avahi_entry_group_update_service_txt(p->group,
		 p->iface < 0 ? AVAHI_IF_UNSPEC : p->iface, AVAHI_PROTO_UNSPEC,
		 0, p->name, type_of(p->kind), NULL, "txtvers=1",
		 "proto=" KCM_PROTO_VERSION, busy ? "state=busy" : "state=free",
		 NULL)) < 0)
		kcm_log("publish: cannot update the TXT record of '%s': %s",
		    p->name, avahi_strerror(r));
	if (p->iface < 0 && p->established)
		wide_set(
		    k, &p->wide, type_of(p->kind), p->name, p->net_port, busy);
	return 0;
}
