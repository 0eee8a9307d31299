/* kimnote.c -- the workspace demo app: a full-screen note pad in Kimberley's
 * colours (teal band, orange band, cream page).  Every key typed is saved at
 * once to $KIM_PERSIST/note.txt (the user's floppy), so nothing is lost when
 * the session ends.  Built static: it needs nothing from the base but a
 * kernel and an X socket. */
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOTE_MAX 4096
#define NOTE_FILE "note.txt"
#define COL_TEAL 0x1b998bUL   /* colour signature: top band */
#define COL_ORANGE 0xf46036UL /* colour signature: bottom band */
#define COL_PAGE 0xfff1d0UL
#define COL_INK 0x2e294eUL

static char note[NOTE_MAX + 1];
static size_t note_len;
static char path[PATH_MAX];

static void
save(void)
{
	char tmp[PATH_MAX + 8];
	int fd;

	if (path[0] == 0)
		return;
	snprintf(tmp, sizeof tmp, "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, note, note_len) != (ssize_t)note_len ||
	    fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0)
		fprintf(
		    stderr, "kimnote: save %s: %s\n", path, strerror(errno));
}

static void
load(void)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, note, NOTE_MAX);
	note_len = n > 0 ? (size_t)n : 0;
	note[note_len] = 0;
	close(fd);
}

static void
draw(Display *d, Window w, GC gc, int width, int height)
{
	int band = height / 6, y = band + 30, x = 20;

	XSetForeground(d, gc, COL_TEAL);
	XFillRectangle(d, w, gc, 0, 0, width, band);
	XSetForeground(d, gc, COL_ORANGE);
	XFillRectangle(d, w, gc, 0, height - band, width, band);
	XSetForeground(d, gc, COL_PAGE);
	XFillRectangle(d, w, gc, 0, band, width, height - 2 * band);
	XSetForeground(d, gc, COL_PAGE);
	XDrawString(d, w, gc, 20, band / 2,
	    "Kimberley note - type, it is saved to your floppy", 49);
	XSetForeground(d, gc, COL_INK);
	for (size_t start = 0, i = 0; i <= note_len; i++) {
		if (i == note_len || note[i] == '\n' || i - start >= 100) {
			XDrawString(
			    d, w, gc, x, y, note + start, (int)(i - start));
			y += 16;
			start = (i < note_len && note[i] == '\n') ? i + 1 : i;
		}
	}
}

int
main(void)
{
	const char *dir = getenv("KIM_PERSIST");
	Display *d = XOpenDisplay(NULL);
	XSetWindowAttributes a = { .background_pixel = COL_PAGE };
	int s, width, height;
	Window w;
	GC gc;
	Atom state, fullscreen;

	if (d == NULL) {
		fprintf(stderr, "kimnote: cannot open display '%s'\n",
		    getenv("DISPLAY") ? getenv("DISPLAY") : "");
		return 1;
	}
	if (dir != NULL && dir[0] != 0) {
		snprintf(path, sizeof path, "%s/%s", dir, NOTE_FILE);
		load();
	}
	s = DefaultScreen(d);
	width = DisplayWidth(d, s);
	height = DisplayHeight(d, s);
	w = XCreateWindow(d, RootWindow(d, s), 0, 0, (unsigned)width,
	    (unsigned)height, 0, CopyFromParent, InputOutput, CopyFromParent,
	    CWBackPixel, &a);
	XStoreName(d, w, "kimnote");
	state = XInternAtom(d, "_NET_WM_STATE", False);
	fullscreen = XInternAtom(d, "_NET_WM_STATE_FULLSCREEN", False);
	XChangeProperty(d, w, state, XA_ATOM, 32, PropModeReplace,
	    (unsigned char *)&fullscreen, 1);
	XSelectInput(d, w, ExposureMask | KeyPressMask | StructureNotifyMask);
	gc = XCreateGC(d, w, 0, NULL);
	XMapRaised(d, w);
	XSetInputFocus(d, w, RevertToParent, CurrentTime);
	for (;;) {
		XEvent ev;
		XNextEvent(d, &ev);
		if (ev.type == ConfigureNotify) {
			width = ev.xconfigure.width;
			height = ev.xconfigure.height;
		} else if (ev.type == MapNotify) {
			XSetInputFocus(d, w, RevertToParent, CurrentTime);
		} else if (ev.type == KeyPress) {
			char buf[16];
			KeySym ks;
			int n =
			    XLookupString(&ev.xkey, buf, sizeof buf, &ks, NULL);

			if (ks == XK_BackSpace) {
				if (note_len > 0)
					note[--note_len] = 0;
			} else if (ks == XK_Return || ks == XK_KP_Enter) {
				if (note_len < NOTE_MAX)
					note[note_len++] = '\n';
			} else {
				for (int i = 0; i < n && note_len < NOTE_MAX;
				     i++)
					if ((unsigned char)buf[i] >= 0x20)
						note[note_len++] = buf[i];
			}
			note[note_len] = 0;
			save();
			XClearWindow(d, w);
		}
		if (ev.type == Expose || ev.type == KeyPress)
			draw(d, w, gc, width, height);
	}
}
