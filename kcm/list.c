/* list.c -- the listing a person reads: which displays are in range (mDNS,
 * and a wide-area DNS-SD domain when given) and whether each is free.
 *
 * list(kind, interface, timeout_ms, domain) -> a(sss): name, state, domain.
 * A browser per domain; every display seen gets a resolver for its TXT
 * record only (no address), whose "state=busy|free" (publish.c, set by the
 * display launcher at a session's start and end) is the state; a display
 * without one says "". The answer goes when every browser has said
 * ALL_FOR_NOW (or failed: a domain nothing is registered in answers
 * NXDOMAIN), every resolver has answered, and nothing new came for
 * KCM_LIST_SETTLE_MS -- or at the deadline, with what is known ("?" for
 * a state not yet resolved).  docs/widearea.md, docs/kcm.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include "kcm/kcm.h"

#define KCM_LIST_SETTLE_MS 300

struct entry {
	struct entry *next;
	struct lister *l;
	char *name, *domain, *state;
	AvahiServiceResolver *sr;
};

struct lister {
	struct lister *next;
	struct kcm *k;
	DBusMessage *call;
	enum kcm_kind kind;
	AvahiServiceBrowser *sb[2]; /* mDNS, the wide-area domain */
	bool done[2];		    /* ALL_FOR_NOW or failed */
	struct entry *entries;
	AvahiTimeout *deadline, *settle;
};

static struct lister *listers;

static const char *
type_of(enum kcm_kind kind)
{
	return kind == KIND_VNC ? KCM_TYPE_VNC : KCM_TYPE_LAUNCHER;
}

static void
lister_free(struct lister *l)
{
	struct lister **pp;
	struct entry *e;
	int i;
	for (pp = &listers; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	for (i = 0; i < 2; i++)
		if (l->sb[i])
			avahi_service_browser_free(l->sb[i]);
	while ((e = l->entries)) {
		l->entries = e->next;
		if (e->sr)
			avahi_service_resolver_free(e->sr);
		free(e->name);
		free(e->domain);
		free(e->state);
		free(e);
	}
	timer_free(l->k, &l->deadline);
	timer_free(l->k, &l->settle);
	if (l->call)
		dbus_message_unref(l->call);
	free(l);
}

static void
reply(struct lister *l)
{
	DBusMessage *r = dbus_message_new_method_return(l->call);
	DBusMessageIter it, arr, st;
	struct entry *e;
	if (r) {
		dbus_message_iter_init_append(r, &it);
		dbus_message_iter_open_container(
		    &it, DBUS_TYPE_ARRAY, "(sss)", &arr);
		for (e = l->entries; e; e = e->next) {
			const char *state = e->sr ? "?"
			    : e->state		  ? e->state
						  : "";
			dbus_message_iter_open_container(
			    &arr, DBUS_TYPE_STRUCT, NULL, &st);
			dbus_message_iter_append_basic(
			    &st, DBUS_TYPE_STRING, &e->name);
			dbus_message_iter_append_basic(
			    &st, DBUS_TYPE_STRING, &state);
			dbus_message_iter_append_basic(
			    &st, DBUS_TYPE_STRING, &e->domain);
			dbus_message_iter_close_container(&arr, &st);
		}
		dbus_message_iter_close_container(&it, &arr);
		dbus_connection_send(l->k->bus, r, NULL);
		dbus_message_unref(r);
	}
	lister_free(l);
}

static void
settle_cb(AvahiTimeout *t, void *data)
{
	(void)t;
	reply(data);
}

static void
deadline_cb(AvahiTimeout *t, void *data)
{
	(void)t;
	reply(data);
}

/* Done once all browsers are and no resolver is pending: answer after a
 * short quiet time (a late result restarts it). */
static void
maybe_done(struct lister *l)
{
	struct entry *e;
	timer_free(l->k, &l->settle);
	if (!l->done[0] || !l->done[1])
		return;
	for (e = l->entries; e; e = e->next)
		if (e->sr)
			return;
	l->settle = timer_after(l->k, KCM_LIST_SETTLE_MS, settle_cb, l);
}

static void
resolve_cb(AvahiServiceResolver *r, AvahiIfIndex iface, AvahiProtocol proto,
    AvahiResolverEvent event, const char *name, const char *type,
    const char *domain, const char *host, const AvahiAddress *a, uint16_t port,
    AvahiStringList *txt, AvahiLookupResultFlags flags, void *data)
{
	struct entry *e = data;
	AvahiStringList *s;
	char *key = NULL, *val = NULL;
	(void)iface;
	(void)proto;
	(void)name;
	(void)type;
	(void)domain;
	(void)host;
	(void)a;
	(void)port;
	(void)flags;
	avahi_service_resolver_free(r);
	e->sr = NULL;
	free(e->state);
	e->state = NULL;
	if (event == AVAHI_RESOLVER_FOUND &&
	    (s = avahi_string_list_find(txt, "state")) &&
	    avahi_string_list_get_pair(s, &key, &val, NULL) == 0 && val) {
		/* a stranger's bytes: keep only the two words we know */
		e->state = strdup(!strcmp(val, "busy") ? "busy"
			: !strcmp(val, "free")	       ? "free"
						       : "?");
	}
	avahi_free(key);
	avahi_free(val);
	maybe_done(e->l);
}

static void
browse_cb(AvahiServiceBrowser *b, AvahiIfIndex iface, AvahiProtocol proto,
    AvahiBrowserEvent event, const char *name, const char *type,
    const char *domain, AvahiLookupResultFlags flags, void *data)
{
	struct lister *l = data;
	int which = b == l->sb[0] ? 0 : 1;
	struct entry *e, **pp;
	(void)type;
	(void)flags;
	switch (event) {
	case AVAHI_BROWSER_FAILURE:
		avahi_service_browser_free(b);
		l->sb[which] = NULL;
		l->done[which] = true;
		break;
	case AVAHI_BROWSER_NEW:
		for (e = l->entries; e; e = e->next)
			if (!strcmp(e->name, name) &&
			    !strcasecmp(e->domain, domain))
				return; /* seen on another interface or protocol */
		e = calloc(1, sizeof *e);
		e->l = l;
		e->name = strdup(name);
		e->domain = strdup(domain);
		e->sr = avahi_service_resolver_new(l->k->avahi, iface, proto,
		    name, type_of(l->kind), domain, AVAHI_PROTO_UNSPEC,
		    AVAHI_LOOKUP_NO_ADDRESS, resolve_cb, e);
		for (pp = &l->entries; *pp; pp = &(*pp)->next)
			;
		*pp = e;
		break;
	case AVAHI_BROWSER_REMOVE:
		for (pp = &l->entries; (e = *pp); pp = &e->next)
			if (!strcmp(e->name, name) &&
			    !strcasecmp(e->domain, domain)) {
				*pp = e->next;
				if (e->sr)
					avahi_service_resolver_free(e->sr);
				free(e->name);
				free(e->domain);
				free(e->state);
				free(e);
				break;
			}
		break;
	case AVAHI_BROWSER_ALL_FOR_NOW: l->done[which] = true; break;
	case AVAHI_BROWSER_CACHE_EXHAUSTED: return;
	}
	maybe_done(l);
}

void
list_start(struct kcm *k, DBusMessage *call, enum kcm_kind kind, int iface,
    unsigned timeout_ms, const char *domain)
{
	struct lister *l;
	const char *problem = avahi_problem(k);
	if (problem) {
		bus_reply_error(k, call, KCM_ERR "NoAvahi",
		    "cannot list the displays: %s", problem);
		return;
	}
	l = calloc(1, sizeof *l);
	l->k = k;
	l->call = dbus_message_ref(call);
	l->kind = kind;
	l->next = listers;
	listers = l;
	l->deadline = timer_after(k, timeout_ms, deadline_cb, l);
	l->sb[0] = avahi_service_browser_new(k->avahi,
	    iface < 0 ? AVAHI_IF_UNSPEC : iface, AVAHI_PROTO_UNSPEC,
	    type_of(kind), NULL, 0, browse_cb, l);
	if (!domain && iface < 0)
		domain =
		    domains_first(k); /* the network's, if it announces one */
	if (domain)
		l->sb[1] = avahi_service_browser_new(k->avahi, AVAHI_IF_UNSPEC,
		    AVAHI_PROTO_UNSPEC, type_of(kind), domain, 0, browse_cb, l);
	l->done[1] = !l->sb[1];
	if (!l->sb[0]) {
		bus_reply_error(k, call, KCM_ERR "Avahi",
		    "cannot list the displays: %s",
		    avahi_strerror(avahi_client_errno(k->avahi)));
		lister_free(l);
	}
}

/* avahi-daemon went away: answer with what is known (its objects go). */
void
list_avahi_lost(struct kcm *k)
{
	struct lister *l, *next;
	struct entry *e;
	int i;
	(void)k;
	for (l = listers; l; l = next) {
		next = l->next;
		for (i = 0; i < 2; i++)
			if (l->sb[i]) {
				avahi_service_browser_free(l->sb[i]);
				l->sb[i] = NULL;
			}
		for (e = l->entries; e; e = e->next)
			if (e->sr) {
				avahi_service_resolver_free(e->sr);
				e->sr = NULL;
			}
		reply(l);
	}
}
