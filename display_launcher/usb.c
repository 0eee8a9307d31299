/* usb.c -- docs/design.md step 5, log step "usb": the USB cable chosen. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "names.h"
#include "step.h"
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

/* ---- step 5's other half: the USB cable ----------------------------------- */

int
session_use_usb(struct conn *c)
{
	struct display *d = c->d;
	struct ifaddrs *ifs, *i;
	int rc;

	if ((rc = step_may(c)) != 0)
		return rc;
	if (!step_in_state(d, S_OPEN))
		return step_refuse(c, KIM_E_OUT_OF_ORDER,
		    "the USB link must be chosen "
		    "before the application starts");
	if (getifaddrs(&ifs) != 0)
		return step_refuse(c, KIM_E_INTERNAL, NULL);
	d->usb_addr[0] = '\0';
	/* up, with a carrier (a cable at the other end), and an address */
	for (i = ifs; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    strcmp(i->ifa_name, d->cfg->usb_if) == 0 &&
		    (i->ifa_flags & (IFF_UP | IFF_RUNNING)) ==
			(IFF_UP | IFF_RUNNING)) {
			inet_ntop(AF_INET,
			    &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
			    d->usb_addr, sizeof(d->usb_addr));
			break;
		}
	freeifaddrs(ifs);
	if (d->usb_addr[0] == '\0')
		return step_refuse(c, KIM_E_NO_USB,
		    "the display's USB interface '%s' "
		    "is not connected (no carrier or no address)",
		    d->cfg->usb_if);
	kim_log("usb", "conn=%u vnc will listen on %s (%s)", c->id, d->usb_addr,
	    d->cfg->usb_if);
	return 0;
}
