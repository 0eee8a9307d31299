/* mapwait.c -- notice the app's first window on the display's X screen.
 * Selected before the app starts, so no map can be missed. */
#include "session.h"
#include "rpc/log.h"

#include <X11/Xlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

struct ws_mapwait {
	Display *dpy;
	int mapped;
};

struct ws_mapwait *
ws_mapwait_open(const char *xdisplay)
{
	struct ws_mapwait *w = calloc(1, sizeof *w);

	if (w == NULL)
		return NULL;
	w->dpy = XOpenDisplay(xdisplay);
	if (w->dpy == NULL) {
		kim_log("workspace", "cannot open X display %s", xdisplay);
		free(w);
		return NULL;
	}
	fcntl(ConnectionNumber(w->dpy), F_SETFD,
	    FD_CLOEXEC); /* never the app's */
	XSelectInput(w->dpy, DefaultRootWindow(w->dpy), SubstructureNotifyMask);
	XSync(w->dpy, False);
	return w;
}

int
ws_mapwait_fd(struct ws_mapwait *w)
{
	return ConnectionNumber(w->dpy);
}

int
ws_mapwait_mapped(struct ws_mapwait *w)
{
	while (!w->mapped && XPending(w->dpy) > 0) {
		XEvent ev;
		XNextEvent(w->dpy, &ev);
		if (ev.type == MapNotify)
			w->mapped = 1;
	}
	return w->mapped;
}

void
ws_mapwait_close(struct ws_mapwait *w)
{
	if (w == NULL)
		return;
	XCloseDisplay(w->dpy);
	free(w);
}
