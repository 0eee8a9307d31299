/* discover.c -- docs/design.md steps 3 and 9: the mobile launcher's side of KCM.
 * One private bus connection for the whole run: KCM keeps the tunnels it
 * opens for us as long as this connection lives (the process's life). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "discover.h"
#include "kcm/kcm_client.h"

static DBusConnection *bus;
static const char *domain;	/* wide-area DNS-SD domain, or NULL */

void
discover_set_domain(const char *d)
{
	domain = d && *d ? d : NULL;
}

static int
connect_once(char **err)
{
	if (bus == NULL)
		bus = kcm_connect(err);
	return bus ? 0 : -1;
}

static unsigned
to_ms(double s)
{
	return s <= 0 ? 1 : s > 600 ? 600000 : (unsigned)(s * 1000);
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
discover_display(const char *name, int ifindex, double timeout_s, unsigned *port,
    char **found_name, char **err)
{
	char *e = NULL;
	if (connect_once(err) != 0)
		return -1;
	if (kcm_find_in(bus, "launcher", name, ifindex, to_ms(timeout_s), domain, port,
	    found_name, &e) == 0)
		return 0;
	if (strcmp(kcm_last_error(), "org.kimberley.KCM.Error.Ambiguous") == 0) {
		if (asprintf(err, "%s (use -n NAME)", e) < 0)
			*err = NULL;
		free(e);
	} else
		*err = e;
	return -1;
}

int
discover_vnc(const char *display_name, int ifindex, double timeout_s,
    unsigned *port, char **err)
{
	double end = now() + timeout_s;
	if (connect_once(err) != 0)
		return -1;
	/* KCM waits for the export to appear; retry only if it was seen but
	 * could not be reached yet. */
	for (;;) {
		char *e = NULL;
		if (kcm_find_in(bus, "vnc", display_name, ifindex, to_ms(end - now()),
		    domain, port, NULL, &e) == 0)
			return 0;
		if (strcmp(kcm_last_error(), "org.kimberley.KCM.Error.ConnectFailed") != 0 ||
		    now() + 0.25 >= end) {
			*err = e;
			return -1;
		}
		free(e);
		nanosleep(&(struct timespec){ .tv_nsec = 250000000 }, NULL);
	}
}

int
discover_sense(char ***names, char **err)
{
	if (connect_once(err) != 0)
		return -1;
	return kcm_sense(bus, names, err);
}
