/* usb.c -- PLACEHOLDER until the USB fallback lands: parses the mode and
 * never offers the cable. */
#include <string.h>

#include "usb.h"

int
usb_parse_mode(const char *s, enum usb_mode *out)
{
	static const char *names[] = { "ask", "never", "auto", "always" };

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum usb_mode)i;
			return 0;
		}
	return -1;
}

int
usb_offer(CLIENT *c, const struct latency *l, const struct usb_opts *o,
    const char *display_name, FILE *say)
{
	(void)c; (void)l; (void)o; (void)display_name; (void)say;
	return 0;
}
