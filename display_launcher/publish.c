/* publish.c -- PLACEHOLDER until the KCM client lands (owned by the KCM
 * work): every call fails with a clear sentence, so the display runs only
 * on the direct link (-l). */
#include <stdlib.h>
#include <string.h>

#include "publish.h"

static void
not_built(char **err)
{
	if (err)
		*err = strdup("this build has no KCM support yet; use --listen");
}

struct publisher *
publisher_start(const char *display_name, int ifindex, unsigned rpc_port, char **err)
{
	(void)display_name; (void)ifindex; (void)rpc_port;
	not_built(err);
	return NULL;
}

const char *publisher_name(const struct publisher *p) { (void)p; return ""; }

int
publisher_vnc(struct publisher *p, unsigned vnc_port, int ifindex, char **err)
{
	(void)p; (void)vnc_port; (void)ifindex;
	not_built(err);
	return -1;
}

void publisher_vnc_stop(struct publisher *p) { (void)p; }
int publisher_refresh(struct publisher *p, char **err) { (void)p; not_built(err); return -1; }
void publisher_stop(struct publisher *p) { (void)p; }
