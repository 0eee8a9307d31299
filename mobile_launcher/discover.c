/* discover.c -- PLACEHOLDER until the KCM client lands (owned by the KCM
 * work): every call fails with a clear sentence; use -c host:port. */
#include <stdlib.h>
#include <string.h>

#include "discover.h"

static int
not_built(char **err)
{
	*err = strdup("this build has no KCM support yet; use -c host:port");
	return -1;
}

int
discover_display(const char *name, int ifindex, double timeout_s, unsigned *port,
    char **found_name, char **err)
{
	(void)name; (void)ifindex; (void)timeout_s; (void)port; (void)found_name;
	return not_built(err);
}

int
discover_vnc(const char *display_name, int ifindex, double timeout_s,
    unsigned *port, char **err)
{
	(void)display_name; (void)ifindex; (void)timeout_s; (void)port;
	return not_built(err);
}

int
discover_sense(char ***names, char **err)
{
	(void)names;
	return not_built(err);
}
