/* sense.c -- sense(): the network interfaces this machine has (not loopback),
 * for the USB offer (docs/design.md step 5). */
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include "kcm/kcm.h"

char **
sense_interfaces(void)
{
	struct if_nameindex *ni = if_nameindex(), *i;
	char **out;
	size_t n = 0;
	if (!ni)
		return calloc(1, sizeof(char *));
	for (i = ni; i->if_index; i++)
		n++;
	out = calloc(n + 1, sizeof *out);
	n = 0;
	for (i = ni; out && i->if_index; i++)
		if (strcmp(i->if_name, "lo") != 0)
			out[n++] = strdup(i->if_name);
	if_freenameindex(ni);
	return out;
}
