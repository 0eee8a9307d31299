/* discover.c -- docs/design.md steps 3 and 9: the mobile launcher's side of KCM.
 * One private bus connection for the whole run: KCM keeps the tunnels it
 * opens for us as long as this connection lives (the process's life). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "discover.h"
#include "kcm/kcm_client.h"

static DBusConnection *bus;
static const char *domain; /* wide-area DNS-SD domain, or NULL */

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

int
discover_display(const char *name, int ifindex, double timeout_s,
    unsigned *port, char **found_name, char **err)
{
	char *e = NULL;
	if (connect_once(err) != 0)
		return -1;
	if (kcm_find_in(bus, "launcher", name, ifindex, to_ms(timeout_s),
		domain, port, found_name, &e) == 0)
		return 0;
	if (strcmp(kcm_last_error(), "org.kimberley.KCM.Error.Ambiguous") ==
	    0) {
		char *list = NULL;
		int n = 0;
		/* the same list, with which are free (a short second look) */
		if (discover_list(3.0, &list, &n, NULL) == 0 && n > 1) {
			if (asprintf(err,
				"%d Kimberley displays are in range: %s; name the "
				"one you want (use -n NAME)",
				n, list) < 0)
				*err = NULL;
		} else if (asprintf(err, "%s (use -n NAME)", e) < 0)
			*err = NULL;
		free(list);
		free(e);
	} else
		*err = e;
	return -1;
}

int
discover_vnc(const char *display_name, int ifindex, double timeout_s,
    unsigned *port, char **err)
{
	double end = kim_now() + timeout_s;
	if (connect_once(err) != 0)
		return -1;
	/* KCM waits for the export to appear; retry only if it was seen but
	 * could not be reached yet. */
	for (;;) {
		char *e = NULL;
		if (kcm_find_in(bus, "vnc", display_name, ifindex,
			to_ms(end - kim_now()), domain, port, NULL, &e) == 0)
			return 0;
		if (strcmp(kcm_last_error(),
			"org.kimberley.KCM.Error.ConnectFailed") != 0 ||
		    kim_now() + 0.25 >= end) {
			*err = e;
			return -1;
		}
		free(e);
		nanosleep(&(struct timespec){ .tv_nsec = 250000000 }, NULL);
	}
}

int
discover_list(double timeout_s, char **text, int *count, char **err)
{
	struct kcm_listed *l;
	char *out = NULL;
	size_t len = 0;
	FILE *m;
	int n, i;
	*count = 0;
	if (connect_once(err) != 0 ||
	    kcm_list(bus, "launcher", -1, to_ms(timeout_s), domain, &l, &n,
		err) != 0)
		return -1;
	if ((m = open_memstream(&out, &len)) == NULL) {
		kcm_list_free(l, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *st = l[i].state;
		int j, seen = 0;
		for (j = 0; j < i;
		     j++) /* one display, seen on mDNS and in the domain */
			seen |= strcmp(l[j].name, l[i].name) == 0;
		if (seen) {
			(*count)--;
			continue;
		}
		for (char *p = l[i].name; *p; p++) /* a stranger's text */
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		fprintf(m, "%s'%s' (%s%s%s)", ftell(m) > 0 ? ", " : "",
		    l[i].name,
		    !strcmp(st, "busy")	      ? "busy"
			: !strcmp(st, "free") ? "free"
					      : "state unknown",
		    strcmp(l[i].domain, "local") ? ", in " : "",
		    strcmp(l[i].domain, "local") ? l[i].domain : "");
	}
	fclose(m);
	kcm_list_free(l, n);
	*text = out;
	*count += n;
	return 0;
}

int
discover_sense(char ***names, char **err)
{
	if (connect_once(err) != 0)
		return -1;
	return kcm_sense(bus, names, err);
}
