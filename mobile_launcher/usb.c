/* usb.c -- docs/design.md step 5's second half: on a slow link, offer the USB
 * cable as a dedicated link for the screen.
 *
 * decide (mode, probe, terminal) -> wait for the interface (KCM's sense(),
 * or the local interface list when KCM is not there) -> use_USB_cable ->
 * the display then exports its screen on its USB address only, and
 * session_info tells step 9 where (main.c's step_view). */
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discover.h"
#include "errors.h"
#include "kimberley.h"
#include "log.h"
#include "usb.h"

#define USB_ANSWER_S 60 /* an unanswered question means no */
#define USB_KEEPALIVE_S \
	10		  /* ping the display while we wait (its idle
				   timeout is 90 s by default) */
#define USB_POLL_MS 200	  /* how often the interface is checked */
#define USB_PLAIN_EVERY 5 /* seconds between countdown lines off a tty */

/* Where the interface list comes from: KCM until it fails once. */
struct source {
	int kcm;
};

static void __attribute__((format(printf, 2, 3)))
tell(FILE *say, const char *fmt, ...)
{
	va_list ap;

	if (say == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(say, fmt, ap);
	va_end(ap);
	fputc('\n', say);
	fflush(say);
}

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

/* Is there a session bus to ask KCM on?  Without one libdbus would try to
 * autolaunch a bus (and on X, start a daemon): not ours to start. */
static int
kcm_reachable(void)
{
	const char *a = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *r = getenv("XDG_RUNTIME_DIR");
	char path[512];
	struct stat st;

	if (a && *a)
		return 1;
	if (r && *r) {
		snprintf(path, sizeof(path), "%s/bus", r);
		return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
	}
	return 0;
}

/* Does KCM see an interface of that name?  1 yes, 0 no, -1 KCM failed. */
static int
kcm_sees(const char *ifname)
{
	char **names = NULL, *err = NULL;
	int seen = 0;

	if (discover_sense(&names, &err) != 0) {
		kim_log("usb",
		    "KCM sense failed (%s); using the local interface "
		    "list",
		    err ? err : "?");
		free(err);
		return -1;
	}
	for (char **n = names; n && *n; n++) {
		if (strcmp(*n, ifname) == 0)
			seen = 1;
		free(*n);
	}
	free(names);
	return seen;
}

/* The interface is up, has its carrier (the cable is in) and an IPv4
 * address: usable.  0 when not (yet). */
static int
local_up(const char *ifname)
{
	struct ifaddrs *ifs, *i;
	int up = 0;

	if (getifaddrs(&ifs) != 0)
		return 0;
	for (i = ifs; i; i = i->ifa_next)
		if (strcmp(i->ifa_name, ifname) == 0 && i->ifa_addr &&
		    i->ifa_addr->sa_family == AF_INET &&
		    (i->ifa_flags & (IFF_UP | IFF_RUNNING)) ==
			(IFF_UP | IFF_RUNNING))
			up = 1;
	freeifaddrs(ifs);
	return up;
}

static int
cable_up(struct source *src, const char *ifname)
{
	if (src->kcm) {
		int seen = kcm_sees(ifname);
		if (seen == 0)
			return 0;
		if (seen < 0)
			src->kcm = 0;
	}
	return local_up(ifname);
}

/* The question, on a terminal.  1 yes, 0 no (or no answer in time). */
static int
ask(CLIENT *c, const struct latency *l, const char *display_name, FILE *say)
{
	FILE *q = say ? say : stderr;
	double t0 = kim_now(), last_ping = t0;
	char buf[64];
	ssize_t n;

	fprintf(q,
	    "The link to '%s' is slow (mean %.*f ms). Connect a USB cable "
	    "to the display for a smoother screen? [y/N] ",
	    display_name, l->mean_ms < 10 ? 1 : 0, l->mean_ms);
	fflush(q);
	for (;;) {
		struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
		double left = USB_ANSWER_S - (kim_now() - t0);
		if (left <= 0) {
			fprintf(q,
			    "\nNo answer in %d s; staying on the wireless link.\n",
			    USB_ANSWER_S);
			fflush(q);
			return 0;
		}
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			return 0;
		if (p.revents)
			break;
		if (kim_now() - last_ping >= USB_KEEPALIVE_S) {
			if (latency_ping(c) != 0)
				return 0;
			last_ping = kim_now();
		}
	}
	n = read(STDIN_FILENO, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *s = buf;
	while (isspace((unsigned char)*s))
		s++;
	return tolower((unsigned char)s[0]) == 'y';
}

/* Wait up to o->wait_s for the cable, with a countdown.  1 when it is up. */
static int
wait_cable(CLIENT *c, const struct usb_opts *o, FILE *say)
{
	struct source src = { kcm_reachable() };
	int tty = say && isatty(fileno(say)), shown = -1;
	double t0 = kim_now(), last_ping = t0;

	if (!src.kcm)
		kim_log(
		    "usb", "no session bus: using the local interface list");
	if (cable_up(&src, o->ifname)) {
		kim_log("usb", "%s is up", o->ifname);
		return 1;
	}
	for (;;) {
		double el = kim_now() - t0;
		int left = (int)(o->wait_s - el + 0.999);
		if (el >= o->wait_s)
			break;
		if (left != shown) {
			if (tty) {
				fprintf(say,
				    "\rConnect the USB cable now: waiting for %s, "
				    "%2d s left... ",
				    o->ifname, left);
				fflush(say);
			} else if (shown < 0 ||
			    (o->wait_s - left) % USB_PLAIN_EVERY == 0) {
				tell(say,
				    "Waiting for the USB cable (%s): %d s left.",
				    o->ifname, left);
			}
			shown = left;
		}
		poll(NULL, 0, USB_POLL_MS);
		if (cable_up(&src, o->ifname)) {
			if (tty)
				fputc('\n', say);
			kim_log("usb", "%s came up after %.1f s", o->ifname,
			    kim_now() - t0);
			return 1;
		}
		if (kim_now() - last_ping >= USB_KEEPALIVE_S) {
			if (latency_ping(c) != 0)
				break;
			last_ping = kim_now();
		}
	}
	if (tty && shown >= 0)
		fputc('\n', say);
	kim_log("usb", "%s not up after %d s", o->ifname, o->wait_s);
	return 0;
}

int
usb_offer(CLIENT *c, const struct latency *l, const struct usb_opts *o,
    const char *display_name, FILE *say)
{
	int slow = l->mean_ms > o->threshold_ms, r = 0;
	char *detail = NULL;
	const char *ifname = o->ifname && *o->ifname ? o->ifname : "usb0";
	struct usb_opts eff = *o;

	eff.ifname = ifname;
	kim_log("usb", "mode=%d mean_ms=%.3f threshold_ms=%g slow=%d",
	    (int)o->mode, l->mean_ms, o->threshold_ms, slow);
	switch (o->mode) {
	case USB_NEVER: return 0;
	case USB_ALWAYS: break;
	case USB_AUTO:
		if (!slow)
			return 0;
		tell(say,
		    "The link to '%s' is slow (mean %.*f ms); looking for a USB "
		    "cable (--usb=auto).",
		    display_name, l->mean_ms < 10 ? 1 : 0, l->mean_ms);
		break;
	case USB_ASK:
		if (!slow)
			return 0;
		if (!isatty(STDIN_FILENO)) {
			tell(say,
			    "The link to '%s' is slow (mean %.*f ms), but there is "
			    "no terminal to ask on: staying on the wireless link "
			    "(--usb=auto or always takes a USB cable without asking).",
			    display_name, l->mean_ms < 10 ? 1 : 0, l->mean_ms);
			kim_log("usb", "ask without a terminal: never");
			return 0;
		}
		if (!ask(c, l, display_name, say)) {
			kim_log("usb", "declined");
			return 0;
		}
		break;
	}
	kim_log("usb", "cable accepted; waiting up to %d s for %s", o->wait_s,
	    ifname);
	if (!wait_cable(c, &eff, say)) {
		tell(say,
		    "No USB network link (%s) came up within %d s; continuing "
		    "on the wireless link.",
		    ifname, o->wait_s);
		return 0;
	}
	if (use_usb_cable_1(&r, c) != RPC_SUCCESS) {
		tell(say,
		    "The display did not answer the USB request; continuing on "
		    "the wireless link.");
		kim_log("usb", "use_USB_cable: no answer");
		return 0;
	}
	if (r != 0) {
		if (last_error_1(&detail, c) != RPC_SUCCESS)
			detail = NULL;
		if (detail && *detail)
			tell(say,
			    "USB cable not used: %s (%s); continuing on the "
			    "wireless link.",
			    kim_strerror(r), detail);
		else
			tell(say,
			    "USB cable not used: %s; continuing on the wireless "
			    "link.",
			    kim_strerror(r));
		kim_log("usb", "use_USB_cable refused: %s (%s)",
		    kim_error_name(r), detail ? detail : "-");
		xdr_free((xdrproc_t)xdr_wrapstring, (char *)&detail);
		return 0;
	}
	tell(say, "The screen will use the USB cable (%s).", ifname);
	kim_log("usb", "use_USB_cable ok over %s", ifname);
	return 1;
}
