/* kim_fill -- make a process's window cover the whole X screen.
 *
 *   kim_fill [-t SECONDS] PID
 *
 * dekimberlize runs it once QEMU's window exists: it waits (up to -t
 * seconds, default 10) for a mapped top-level window whose _NET_WM_PID is
 * PID, moves it to 0,0, sizes it to the screen and raises it.  With a window
 * manager QEMU's own full-screen request does this already and the request
 * here is one more the manager may honour; on a display without one (a bare
 * X server, as in the tests) nobody else would, and the guest would sit in a
 * corner.  QEMU (gtk, full-screen=on) scales its frame to the window, so the
 * guest -- made at the display's size (docs/vm.md) -- fills the screen.
 * Prints "WxH" (the screen) on stdout.  Exit 0 when done, 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rpc/clock.h"

#include <X11/Xatom.h>
#include <X11/Xlib.h>

#define PROG "kim_fill"

/* The window's _NET_WM_PID, or -1. */
static long
window_pid(Display *dpy, Window w, Atom pid_atom)
{
	Atom type;
	int format;
	unsigned long n, after;
	unsigned char *data = NULL;
	long pid = -1;

	if (XGetWindowProperty(dpy, w, pid_atom, 0, 1, False, XA_CARDINAL,
		&type, &format, &n, &after, &data) == Success &&
	    data) {
		if (type == XA_CARDINAL && format == 32 && n == 1)
			pid = (long)*(unsigned long *)data;
		XFree(data);
	}
	return pid;
}

/* A mapped top-level window of pid (searched one level below the root and
 * in the frames a window manager puts around clients), or None. */
static Window
find_window(Display *dpy, long pid, Atom pid_atom)
{
	Window root_ret, parent, *kids = NULL, found = None;
	unsigned int n;

	if (!XQueryTree(
		dpy, DefaultRootWindow(dpy), &root_ret, &parent, &kids, &n))
		return None;
	for (unsigned int i = 0; i < n && found == None; i++) {
		XWindowAttributes a;
		if (!XGetWindowAttributes(dpy, kids[i], &a) ||
		    a.map_state != IsViewable)
			continue;
		if (window_pid(dpy, kids[i], pid_atom) == pid) {
			found = kids[i];
			break;
		}
		/* a window manager's frame: look at its children */
		Window r2, p2, *sub = NULL;
		unsigned int m;
		if (XQueryTree(dpy, kids[i], &r2, &p2, &sub, &m)) {
			for (unsigned int j = 0; j < m; j++)
				if (window_pid(dpy, sub[j], pid_atom) == pid) {
					found = sub[j];
					break;
				}
			if (sub)
				XFree(sub);
		}
	}
	if (kids)
		XFree(kids);
	return found;
}

static int
ignore_x_error(Display *dpy, XErrorEvent *e)
{
	(void)dpy;
	(void)e; /* a window went away while we looked at it */
	return 0;
}

int
main(int argc, char **argv)
{
	double limit = 10;
	int i = 1;

	if (argc == 4 && !strcmp(argv[1], "-t")) {
		char *end;
		limit = strtod(argv[2], &end);
		if (*end || limit <= 0 || limit > 600) {
			fprintf(stderr,
			    PROG ": -t wants seconds (0-600), got '%s'\n",
			    argv[2]);
			return 2;
		}
		i = 3;
	}
	if (argc != i + 1) {
		fprintf(stderr, "usage: " PROG " [-t SECONDS] PID\n");
		return 2;
	}
	char *end;
	errno = 0;
	long pid = strtol(argv[i], &end, 10);
	if (errno || *end || pid <= 0) {
		fprintf(stderr, PROG ": '%s' is not a process ID\n", argv[i]);
		return 2;
	}
	Display *dpy = XOpenDisplay(NULL);
	if (!dpy) {
		fprintf(stderr, PROG ": cannot open the X display '%s'\n",
		    getenv("DISPLAY") ? getenv("DISPLAY") : "");
		return 1;
	}
	XSetErrorHandler(ignore_x_error);
	Atom pid_atom = XInternAtom(dpy, "_NET_WM_PID", False);
	int sw = DisplayWidth(dpy, DefaultScreen(dpy));
	int sh = DisplayHeight(dpy, DefaultScreen(dpy));
	double deadline = kim_now() + limit;
	Window w;
	while ((w = find_window(dpy, pid, pid_atom)) == None) {
		if (kim_now() >= deadline) {
			fprintf(stderr,
			    PROG ": no window of process %ld within %.0f s\n",
			    pid, limit);
			XCloseDisplay(dpy);
			return 1;
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	XMoveResizeWindow(dpy, w, 0, 0, (unsigned)sw, (unsigned)sh);
	XRaiseWindow(dpy, w);
	XSync(dpy, False);
	/* Wait until the server has it at the screen's size: the caller's next
	 * step (resume the guest) should be seen full screen. */
	for (;;) {
		XWindowAttributes a;
		if (XGetWindowAttributes(dpy, w, &a) && a.width == sw &&
		    a.height == sh)
			break;
		if (kim_now() >= deadline) {
			fprintf(stderr,
			    PROG
			    ": the window of process %ld did not take the screen's size\n",
			    pid);
			XCloseDisplay(dpy);
			return 1;
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	printf("%dx%d\n", sw, sh);
	XCloseDisplay(dpy);
	return 0;
}
