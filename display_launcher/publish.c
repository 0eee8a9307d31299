/* publish.c -- docs/design.md steps 2, 8 and 12: the display launcher's side of
 * KCM.  The publisher holds its own private D-Bus connection: KCM ties the
 * publications to it, so they vanish with the launcher even if it dies.
 * A watcher thread, on a second connection that does nothing else, waits
 * for KCM to leave the bus (crash, restart) and publishes again at once,
 * which starts a new KCM by D-Bus activation. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "publish.h"
#include "kcm/kcm_client.h"

struct publisher {
	pthread_mutex_t lock; /* session threads and main share it */
	DBusConnection *bus;
	char *wanted;	/* the name asked for */
	char *name;	/* the name KCM really got */
	char *vnc_name; /* the VNC export's name, while published */
	int ifindex;
	unsigned rpc_port;
	unsigned vnc_port; /* to publish again after a KCM restart */
	int vnc_ifindex;
	DBusConnection *watch; /* the watcher's own connection */
	pthread_t watcher;
	bool watching, kcm_gone, stopping;
	int busy; /* the listing's flag, set again after a KCM restart */
};

#define STOP_IFACE "org.kimberley.Publisher"

static DBusHandlerResult
watch_filter(DBusConnection *c, DBusMessage *m, void *data)
{
	struct publisher *p = data;
	const char *name, *old, *new;
	(void)c;
	if (dbus_message_is_signal(
		m, DBUS_INTERFACE_DBUS, "NameOwnerChanged") &&
	    dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &name,
		DBUS_TYPE_STRING, &old, DBUS_TYPE_STRING, &new,
		DBUS_TYPE_INVALID) &&
	    strcmp(name, "org.kimberley.KCM") == 0 && *new == '\0')
		p->kcm_gone = true;
	else if (dbus_message_is_signal(m, STOP_IFACE, "Stop") ||
	    dbus_message_is_signal(m, DBUS_INTERFACE_LOCAL, "Disconnected"))
		p->stopping = true;
	return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static void
republish(struct publisher *p)
{
	char *name = NULL, *err = NULL;
	pthread_mutex_lock(&p->lock);
	if (kcm_publish(p->bus, "publish", p->wanted, p->ifindex, p->rpc_port,
		&name, &err) == 0) {
		free(p->name);
		p->name = name;
		kim_fail(
		    "publish", "KCM restarted; published again as '%s'", name);
		if (p->busy && kcm_set_busy(p->bus, p->name, 1, &err) != 0) {
			kim_fail("publish", "marking '%s' busy again: %s",
			    p->name, err);
			free(err);
			err = NULL;
		}
		if (p->vnc_name) {
			free(p->vnc_name);
			p->vnc_name = NULL;
			if (kcm_publish(p->bus, "publish_vnc", p->name,
				p->vnc_ifindex, p->vnc_port, &p->vnc_name,
				&err) != 0) {
				kim_fail("publish",
				    "publishing the VNC export "
				    "again: %s",
				    err);
				free(err);
			}
		}
	} else {
		kim_fail("publish",
		    "KCM went away and publishing again "
		    "failed: %s",
		    err);
		free(err);
	}
	pthread_mutex_unlock(&p->lock);
}

static void *
watcher(void *arg)
{
	struct publisher *p = arg;
	while (
	    !p->stopping && dbus_connection_read_write_dispatch(p->watch, -1)) {
		if (p->kcm_gone && !p->stopping) {
			p->kcm_gone = false;
			republish(p);
		}
	}
	return NULL;
}

static void
watch_start(struct publisher *p)
{
	if (p->watch == NULL)
		return;
	dbus_bus_add_match(p->watch,
	    "type='signal',sender='" DBUS_SERVICE_DBUS "',"
	    "member='NameOwnerChanged',arg0='org.kimberley.KCM'",
	    NULL);
	dbus_bus_add_match(
	    p->watch, "type='signal',interface='" STOP_IFACE "'", NULL);
	dbus_connection_add_filter(p->watch, watch_filter, p, NULL);
	p->watching = pthread_create(&p->watcher, NULL, watcher, p) == 0;
}

static void
watch_stop(struct publisher *p)
{
	DBusMessage *m;
	if (p->watching &&
	    (m = dbus_message_new_signal(
		 "/org/kimberley/Publisher", STOP_IFACE, "Stop"))) {
		dbus_message_set_destination(
		    m, dbus_bus_get_unique_name(p->watch));
		dbus_connection_send(p->bus, m, NULL);
		dbus_connection_flush(p->bus);
		dbus_message_unref(m);
		pthread_join(p->watcher, NULL);
	}
	if (p->watch) {
		dbus_connection_close(p->watch);
		dbus_connection_unref(p->watch);
	}
}

struct publisher *
publisher_connect(char **err)
{
	struct publisher *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		*err = strdup("out of memory");
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	if ((p->bus = kcm_connect(err)) == NULL) {
		free(p);
		return NULL;
	}
	/* the watcher's connection too: both are made before the caller
	 * gives up its user (a session bus takes only its own user) */
	if ((p->watch = kcm_connect(err)) == NULL) {
		kim_fail("publish", "not watching KCM: %s", *err);
		free(*err);
		*err = NULL;
	}
	return p;
}

int
publisher_publish(struct publisher *p, const char *display_name, int ifindex,
    unsigned rpc_port, char **err)
{
	p->wanted = strdup(display_name);
	p->ifindex = ifindex;
	p->rpc_port = rpc_port;
	if (kcm_publish(p->bus, "publish", display_name, ifindex, rpc_port,
		&p->name, err) != 0)
		return -1;
	watch_start(p);
	return 0;
}

struct publisher *
publisher_start(
    const char *display_name, int ifindex, unsigned rpc_port, char **err)
{
	struct publisher *p = publisher_connect(err);

	if (p &&
	    publisher_publish(p, display_name, ifindex, rpc_port, err) != 0) {
		publisher_stop(p);
		return NULL;
	}
	return p;
}

const char *
publisher_name(const struct publisher *p)
{
	return p->name;
}

int
publisher_vnc(struct publisher *p, unsigned vnc_port, int ifindex, char **err)
{
	int r;
	pthread_mutex_lock(&p->lock);
	free(p->vnc_name);
	p->vnc_name = NULL;
	p->vnc_port = vnc_port;
	p->vnc_ifindex = ifindex;
	r = kcm_publish(p->bus, "publish_vnc", p->name, ifindex, vnc_port,
	    &p->vnc_name, err);
	pthread_mutex_unlock(&p->lock);
	return r;
}

void
publisher_vnc_stop(struct publisher *p)
{
	char *err = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->vnc_name &&
	    kcm_unpublish(p->bus, "unpublish_vnc", p->vnc_name, &err) != 0) {
		kim_fail("publish", "withdrawing the VNC export: %s", err);
		free(err);
	}
	free(p->vnc_name);
	p->vnc_name = NULL;
	pthread_mutex_unlock(&p->lock);
}

int
publisher_refresh(struct publisher *p, char **err)
{
	char *name = NULL;
	int r;
	pthread_mutex_lock(&p->lock);
	/* Not withdrawn first: the same name from the same connection is a
	 * refresh to KCM, which keeps the network port, so a mobile whose
	 * Avahi cache still holds it reaches us (issue 10 item 14).  After a
	 * KCM restart this is a new publication. */
	r = kcm_publish(
	    p->bus, "publish", p->wanted, p->ifindex, p->rpc_port, &name, err);
	if (r == 0) {
		free(p->name);
		p->name = name;
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

void
publisher_stop(struct publisher *p)
{
	char *err = NULL;
	if (p == NULL)
		return;
	watch_stop(p);
	publisher_vnc_stop(p);
	if (p->name && kcm_unpublish(p->bus, "unpublish", p->name, &err) != 0)
		free(err);
	dbus_connection_close(p->bus);
	dbus_connection_unref(p->bus);
	pthread_mutex_destroy(&p->lock);
	free(p->wanted);
	free(p->name);
	free(p);
}

void
publisher_busy(struct publisher *p, int busy)
{
	char *err = NULL;
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->busy = busy;
	if (kcm_set_busy(p->bus, p->name, busy, &err) != 0) {
		kim_fail("publish", "marking '%s' %s in the listing: %s",
		    p->name, busy ? "busy" : "free", err ? err : "?");
		free(err);
	}
	pthread_mutex_unlock(&p->lock);
}
