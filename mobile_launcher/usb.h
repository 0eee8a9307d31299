/* usb.h -- docs/design.md step 5's second half: when the link is slow, offer the
 * USB cable as a dedicated link for the screen. */
#ifndef KIM_USB_H
#define KIM_USB_H

#include <stdio.h>

#include <rpc/rpc.h>

#include "latency.h"

enum usb_mode { USB_ASK, USB_NEVER, USB_AUTO, USB_ALWAYS };

struct usb_opts {
	enum usb_mode mode;  /* --usb=ask|never|auto|always */
	const char *ifname;  /* --usb-if, default "usb0" */
	int wait_s;	     /* --usb-wait: how long to wait for the cable */
	double threshold_ms; /* --threshold */
};

/* "ask" etc. to the enum; 0 or -1. */
int usb_parse_mode(const char *s, enum usb_mode *out);
/* Decide from the probe (asking on a terminal when mode is ask; ask without
 * a terminal behaves as never and says so), wait with a visible countdown
 * for the interface to come up, and call use_USB_cable.  Returns 1 when the
 * screen will go over the USB link, 0 otherwise (the reason said on say,
 * which may be NULL).  Never hangs: at most wait_s seconds. */
int usb_offer(CLIENT *c, const struct latency *l, const struct usb_opts *o,
    const char *display_name, FILE *say);

#endif
