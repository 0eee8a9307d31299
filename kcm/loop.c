/* loop.c -- one loop for everything: avahi's simple poll.
 *
 * The D-Bus connection's watches and timeouts become AvahiWatch and
 * AvahiTimeout objects (avahi keeps the same glue privately in
 * avahi-common/dbus-watch-glue.c; it is not exported, so here is ours).
 * All relay sockets live in one epoll set whose descriptor is itself one
 * AvahiWatch: when it is readable, the ready relay events are dispatched. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <unistd.h>
#include <avahi-common/timeval.h>
#include "kcm/kcm.h"

/* --- timers --- */
AvahiTimeout *
timer_after(struct kcm *k, unsigned ms, AvahiTimeoutCallback cb, void *arg)
{
	struct timeval tv;
	avahi_elapse_time(&tv, ms, 0);
	return k->api->timeout_new(k->api, &tv, cb, arg);
}

void
timer_free(struct kcm *k, AvahiTimeout **t)
{
	if (*t) {
		k->api->timeout_free(*t);
		*t = NULL;
	}
}

/* --- D-Bus watches --- */
static AvahiWatchEvent
flags_to_avahi(unsigned f)
{
	return ((f & DBUS_WATCH_READABLE) ? AVAHI_WATCH_IN : 0) |
	    ((f & DBUS_WATCH_WRITABLE) ? AVAHI_WATCH_OUT : 0);
}

static struct kcm *glue_kcm; /* the glue callbacks' data is the DBusWatch */

static void
dispatch_now(struct kcm *k)
{
	dbus_connection_ref(k->bus);
	while (dbus_connection_dispatch(k->bus) == DBUS_DISPATCH_DATA_REMAINS)
		;
	dbus_connection_unref(k->bus);
}

static void
watch_cb(AvahiWatch *w, int fd, AvahiWatchEvent ev, void *data)
{
	DBusWatch *dw = data;
	unsigned f = 0;
	(void)w;
	(void)fd;
	if (ev & AVAHI_WATCH_IN)
		f |= DBUS_WATCH_READABLE;
	if (ev & AVAHI_WATCH_OUT)
		f |= DBUS_WATCH_WRITABLE;
	if (ev & AVAHI_WATCH_ERR)
		f |= DBUS_WATCH_ERROR;
	if (ev & AVAHI_WATCH_HUP)
		f |= DBUS_WATCH_HANGUP;
	dbus_watch_handle(dw, f);
	dispatch_now(glue_kcm);
}

static dbus_bool_t
watch_add(DBusWatch *dw, void *data)
{
	struct kcm *k = data;
	AvahiWatch *w;
	AvahiWatchEvent ev = dbus_watch_get_enabled(dw)
	    ? flags_to_avahi(dbus_watch_get_flags(dw))
	    : 0;
	w = k->api->watch_new(
	    k->api, dbus_watch_get_unix_fd(dw), ev, watch_cb, dw);
	if (!w)
		return FALSE;
	dbus_watch_set_data(dw, w, NULL);
	return TRUE;
}

static void
watch_remove(DBusWatch *dw, void *data)
{
	struct kcm *k = data;
	AvahiWatch *w = dbus_watch_get_data(dw);
	if (w)
		k->api->watch_free(w);
	dbus_watch_set_data(dw, NULL, NULL);
}

static void
watch_toggled(DBusWatch *dw, void *data)
{
	struct kcm *k = data;
	AvahiWatch *w = dbus_watch_get_data(dw);
	if (w)
		k->api->watch_update(w,
		    dbus_watch_get_enabled(dw)
			? flags_to_avahi(dbus_watch_get_flags(dw))
			: 0);
}

/* --- D-Bus timeouts (periodic until removed or disabled) --- */
static void
timeout_cb(AvahiTimeout *t, void *data)
{
	DBusTimeout *dt = data;
	struct timeval tv;
	avahi_elapse_time(&tv, dbus_timeout_get_interval(dt), 0);
	glue_kcm->api->timeout_update(t, &tv);
	dbus_timeout_handle(dt);
	dispatch_now(glue_kcm);
}

static dbus_bool_t
timeout_add(DBusTimeout *dt, void *data)
{
	struct kcm *k = data;
	struct timeval tv;
	AvahiTimeout *t;
	avahi_elapse_time(&tv, dbus_timeout_get_interval(dt), 0);
	t = k->api->timeout_new(
	    k->api, dbus_timeout_get_enabled(dt) ? &tv : NULL, timeout_cb, dt);
	if (!t)
		return FALSE;
	dbus_timeout_set_data(dt, t, NULL);
	return TRUE;
}

static void
timeout_remove(DBusTimeout *dt, void *data)
{
	struct kcm *k = data;
	AvahiTimeout *t = dbus_timeout_get_data(dt);
	if (t)
		k->api->timeout_free(t);
	dbus_timeout_set_data(dt, NULL, NULL);
}

static void
timeout_toggled(DBusTimeout *dt, void *data)
{
	struct kcm *k = data;
	AvahiTimeout *t = dbus_timeout_get_data(dt);
	struct timeval tv;
	avahi_elapse_time(&tv, dbus_timeout_get_interval(dt), 0);
	if (t)
		k->api->timeout_update(
		    t, dbus_timeout_get_enabled(dt) ? &tv : NULL);
}

/* Messages queued without socket activity (e.g. read along with a reply)
 * are dispatched from a zero-length timeout, on the loop, not recursively. */
static AvahiTimeout *dispatch_timer;

static void
dispatch_timer_cb(AvahiTimeout *t, void *data)
{
	struct kcm *k = data;
	k->api->timeout_update(t, NULL);
	dispatch_now(k);
}

static void
dispatch_status(DBusConnection *c, DBusDispatchStatus st, void *data)
{
	struct kcm *k = data;
	struct timeval tv = { 0, 0 };
	(void)c;
	if (st == DBUS_DISPATCH_DATA_REMAINS && dispatch_timer)
		k->api->timeout_update(dispatch_timer, &tv);
}

int
loop_bus_attach(struct kcm *k)
{
	glue_kcm = k;
	dispatch_timer =
	    k->api->timeout_new(k->api, NULL, dispatch_timer_cb, k);
	if (!dispatch_timer)
		return -1;
	dbus_connection_set_dispatch_status_function(
	    k->bus, dispatch_status, k, NULL);
	if (!dbus_connection_set_watch_functions(
		k->bus, watch_add, watch_remove, watch_toggled, k, NULL) ||
	    !dbus_connection_set_timeout_functions(
		k->bus, timeout_add, timeout_remove, timeout_toggled, k, NULL))
		return -1;
	dispatch_status(k->bus, dbus_connection_get_dispatch_status(k->bus), k);
	return 0;
}

/* --- the relay's epoll set --- */
static void
epoll_cb(AvahiWatch *w, int fd, AvahiWatchEvent ev, void *data)
{
	struct kcm *k = data;
	struct epoll_event evs[64];
	int n, i;
	(void)w;
	(void)ev;
	n = epoll_wait(fd, evs, 64, 0);
	for (i = 0; i < n; i++) {
		struct ev *e = evs[i].data.ptr;
		e->fn(k, e, evs[i].events);
	}
	relay_reap(k); /* connections closed in this batch are freed now */
}

int
loop_epoll_attach(struct kcm *k)
{
	k->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (k->epfd < 0)
		return -1;
	return k->api->watch_new(k->api, k->epfd, AVAHI_WATCH_IN, epoll_cb, k)
	    ? 0
	    : -1;
}

int
ev_add(struct kcm *k, int fd, struct ev *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };
	return epoll_ctl(k->epfd, EPOLL_CTL_ADD, fd, &e);
}

int
ev_mod(struct kcm *k, int fd, struct ev *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };
	return epoll_ctl(k->epfd, EPOLL_CTL_MOD, fd, &e);
}

void
ev_del(struct kcm *k, int fd)
{
	epoll_ctl(k->epfd, EPOLL_CTL_DEL, fd, NULL);
}
