/* publish.c -- DESIGN.md steps 2, 8 and 12: the display launcher's side of
 * KCM.  The publisher holds its own private D-Bus connection: KCM ties the
 * publications to it, so they vanish with the launcher even if it dies. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "publish.h"
#include "kcm/kcm_client.h"

struct publisher {
	pthread_mutex_t lock;     /* session threads and main share it */
	DBusConnection *bus;
	char *wanted;             /* the name asked for */
	char *name;               /* the name KCM really got */
	char *vnc_name;           /* the VNC export's name, while published */
	int ifindex;
	unsigned rpc_port;
};

struct publisher *
publisher_start(const char *display_name, int ifindex, unsigned rpc_port, char **err)
{
	struct publisher *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		*err = strdup("out of memory");
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	p->wanted = strdup(display_name);
	p->ifindex = ifindex;
	p->rpc_port = rpc_port;
	if ((p->bus = kcm_connect(err)) == NULL ||
	    kcm_publish(p->bus, "publish", display_name, ifindex, rpc_port, &p->name, err) != 0) {
		if (p->bus) {
			dbus_connection_close(p->bus);
			dbus_connection_unref(p->bus);
		}
		free(p->wanted);
		free(p);
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
	r = kcm_publish(p->bus, "publish_vnc", p->name, ifindex, vnc_port, &p->vnc_name, err);
	pthread_mutex_unlock(&p->lock);
	return r;
}

void
publisher_vnc_stop(struct publisher *p)
{
	char *err = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->vnc_name && kcm_unpublish(p->bus, "unpublish_vnc", p->vnc_name, &err) != 0) {
		fprintf(stderr, "display_launcher: withdrawing the VNC export: %s\n", err);
		free(err);
	}
	free(p->vnc_name);
	p->vnc_name = NULL;
	pthread_mutex_unlock(&p->lock);
}

int
publisher_refresh(struct publisher *p, char **err)
{
	char *name = NULL, *ignored = NULL;
	int r;
	pthread_mutex_lock(&p->lock);
	/* Already gone (e.g. KCM restarted) is fine: publish again regardless. */
	if (kcm_unpublish(p->bus, "unpublish", p->name, &ignored) != 0)
		free(ignored);
	r = kcm_publish(p->bus, "publish", p->wanted, p->ifindex, p->rpc_port, &name, err);
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
	publisher_vnc_stop(p);
	if (kcm_unpublish(p->bus, "unpublish", p->name, &err) != 0)
		free(err);
	dbus_connection_close(p->bus);
	dbus_connection_unref(p->bus);
	pthread_mutex_destroy(&p->lock);
	free(p->wanted);
	free(p->name);
	free(p);
}
