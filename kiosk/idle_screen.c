/* idle_screen.c -- what a Kimberley display shows between sessions: its
 * name, big, and how to connect to it, full screen on the display's X screen.
 * display_launcher starts it when it is idle and ends it (SIGTERM) before a
 * session's app is shown.
 *
 * Text is drawn with the core font "fixed" (always there, even on a bare
 * Xvfb) magnified by whole pixels: each set pixel of a glyph becomes a
 * SCALE x SCALE square.  The colours are the screen's signature (tests look
 * for them on the frame):
 *   background  #10324a   name  #ffc836   command  #7fe0ff   text  #f0f0f0
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>

#define PROG "idle_screen"
#define MAX_TEXT 512	  /* bytes of one line after conversion */
#define MAX_NAME_SCALE 14 /* the name's magnification, at most */

enum { C_BG, C_NAME, C_CMD, C_TEXT, C_DIM, C_CODE, C_N };
static const unsigned long rgb[C_N] = {
	0x10324a,
	0xffc836,
	0x7fe0ff,
	0xf0f0f0,
	0x8fb3c9,
	0x9dff8a,
};

struct screen {
	Display *dpy;
	Window win;
	GC gc;
	XFontStruct *font;
	unsigned long pixel[C_N];
	int width, height;
	const char *name, *command, *hint;
	const char *code; /* the one-time screen code, "" none */
};

static int stop_pipe[2] = { -1, -1 };

static void
on_signal(int sig)
{
	int saved = errno;
	(void)sig;
	if (write(stop_pipe[1], "x", 1) < 0) {
		/* nothing to do: the pipe holds a byte already */
	}
	errno = saved;
}

static int
on_io_error(Display *dpy)
{
	(void)dpy;
	fprintf(stderr, PROG ": lost the X display\n");
	exit(1);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG
	    " -display :N -name \"Display name\" [-hint \"text\"]\n"
	    "       [-code DIGITS]  (a one-time code to type on the mobile)\n"
	    "Show a Kimberley display's idle screen (its name and how to connect)\n"
	    "full screen until SIGTERM.  A hint that starts with \"mobile_launcher \"\n"
	    "replaces the connect command shown; any other hint is an extra line.\n");
}

/* UTF-8 to the font's ISO 8859-1; what it cannot show becomes '?'. */
static void
to_latin1(const char *in, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = 0;

	while (*s && n + 1 < outlen) {
		unsigned c = *s;
		if (c < 0x80) {
			out[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
			s++;
		} else if ((c & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
			unsigned cp = ((c & 0x1f) << 6) | (s[1] & 0x3f);
			out[n++] = cp >= 0xa0 && cp <= 0xff ? (char)cp : '?';
			s += 2;
		} else {
			out[n++] = '?';
			s++;
			while ((*s & 0xc0) == 0x80)
				s++;
		}
	}
	out[n] = '\0';
}

/* The command line a user types, with the name quoted for a shell. */
static void
make_command(const char *name, char *out, size_t outlen)
{
	if (strchr(name, '\'') == NULL) {
		snprintf(out, outlen,
		    "Run: mobile_launcher -n '%s' -d floppy.img -f app.patch <vm>",
		    name);
		return;
	}
	char q[MAX_TEXT];
	size_t n = 0;
	for (const char *s = name; *s && n + 2 < sizeof(q); s++) {
		if (strchr("\"\\$`", *s))
			q[n++] = '\\';
		q[n++] = *s;
	}
	q[n] = '\0';
	snprintf(out, outlen,
	    "Run: mobile_launcher -n \"%s\" -d floppy.img -f app.patch <vm>",
	    q);
}

/* Draw TEXT magnified SCALE times with its top-left at (x, y), in colour C:
 * the glyphs are drawn once into a small pixmap, read back, and every set
 * pixel becomes a square. */
static void
draw_big(struct screen *s, const char *text, int x, int y, int scale, int c)
{
	int len = (int)strlen(text);
	int w = XTextWidth(s->font, text, len);
	int h = s->font->ascent + s->font->descent;

	if (len == 0 || w <= 0)
		return;
	Pixmap pm = XCreatePixmap(s->dpy, s->win, (unsigned)w, (unsigned)h, 1);
	GC g = XCreateGC(s->dpy, pm, 0, NULL);
	XSetFont(s->dpy, g, s->font->fid);
	XSetForeground(s->dpy, g, 0);
	XFillRectangle(s->dpy, pm, g, 0, 0, (unsigned)w, (unsigned)h);
	XSetForeground(s->dpy, g, 1);
	XDrawString(s->dpy, pm, g, 0, s->font->ascent, text, len);
	XImage *img =
	    XGetImage(s->dpy, pm, 0, 0, (unsigned)w, (unsigned)h, 1, XYPixmap);
	XFreeGC(s->dpy, g);
	XFreePixmap(s->dpy, pm);
	if (img == NULL)
		return;

	XRectangle *r = calloc((size_t)w * (size_t)h, sizeof(*r));
	int n = 0;
	for (int j = 0; r && j < h; j++)
		for (int i = 0; i < w; i++)
			if (XGetPixel(img, i, j)) {
				r[n].x = (short)(x + i * scale);
				r[n].y = (short)(y + j * scale);
				r[n].width = r[n].height =
				    (unsigned short)scale;
				n++;
			}
	XSetForeground(s->dpy, s->gc, s->pixel[c]);
	if (n > 0)
		XFillRectangles(s->dpy, s->win, s->gc, r, n);
	free(r);
	XDestroyImage(img);
}

/* The largest scale at which TEXT fits in WIDTH, within [1, max]. */
static int
fit(struct screen *s, const char *text, int width, int max)
{
	int w = XTextWidth(s->font, text, (int)strlen(text));
	int k = w > 0 ? width / w : max;

	return k < 1 ? 1 : k > max ? max : k;
}

/* Draw TEXT centred horizontally at row Y; returns the row below it. */
static int
line(struct screen *s, const char *text, int y, int scale, int c)
{
	int w = XTextWidth(s->font, text, (int)strlen(text)) * scale;

	draw_big(s, text, (s->width - w) / 2, y, scale, c);
	return y + (s->font->ascent + s->font->descent) * scale;
}

static void
draw(struct screen *s)
{
	int usable = s->width * 9 / 10;
	int fh = s->font->ascent + s->font->descent;
	int small = fit(s, s->command, usable, s->height / (fh * 24) + 1);
	int big = fit(s, s->name, usable, MAX_NAME_SCALE);
	const char *title = "Kimberley display";
	static const char *passer[] = {
		"Walk up and run your own app on this screen,",
		"from your phone or laptop. Nothing of yours stays here.",
	};
	if (big > s->height / (fh * 3))
		big = s->height / (fh * 3) > 0 ? s->height / (fh * 3) : 1;
	XClearWindow(s->dpy, s->win);
	int y = s->height / 8;
	y = line(s, title, y, small, C_DIM) + fh * small;
	y = line(s, s->name, y, big, C_NAME) + fh * small * 2;
	int ps = fit(s, passer[1], usable, fit(s, passer[0], usable, small));
	for (int i = 0; i < 2; i++)
		y = line(s, passer[i], y, ps, C_TEXT);
	y += fh * small;
	y = line(s, s->command, y, small, C_CMD) + fh * small;
	if (s->hint[0])
		y = line(s, s->hint, y, fit(s, s->hint, usable, small), C_TEXT);
	if (s->code[0]) { /* docs/operator.md, "The code on the screen" */
		y += fh * small;
		y = line(s, "Type this code when your mobile asks for it:", y,
		    small, C_TEXT);
		int k = fit(s, s->code, usable, big),
		    room = (s->height - y) / fh;
		line(s, s->code, y, k < room ? k : room > 0 ? room : 1, C_CODE);
	}
	XFlush(s->dpy);
}

static int
open_screen(struct screen *s, const char *display)
{
	s->dpy = XOpenDisplay(display);
	if (s->dpy == NULL) {
		fprintf(stderr, PROG ": cannot open X display '%s'\n",
		    display ? display : "(DISPLAY)");
		return -1;
	}
	int scr = DefaultScreen(s->dpy);
	Colormap cmap = DefaultColormap(s->dpy, scr);
	for (int i = 0; i < C_N; i++) {
		XColor xc = {
			.red = (unsigned short)(((rgb[i] >> 16) & 0xff) * 257),
			.green = (unsigned short)(((rgb[i] >> 8) & 0xff) * 257),
			.blue = (unsigned short)((rgb[i] & 0xff) * 257),
		};
		s->pixel[i] = XAllocColor(s->dpy, cmap, &xc)
		    ? xc.pixel
		    : (i == C_BG ? BlackPixel(s->dpy, scr)
				 : WhitePixel(s->dpy, scr));
	}
	s->font = XLoadQueryFont(s->dpy, "fixed");
	if (s->font == NULL) {
		fprintf(stderr, PROG ": the X server has no font 'fixed'\n");
		return -1;
	}
	s->width = DisplayWidth(s->dpy, scr);
	s->height = DisplayHeight(s->dpy, scr);

	XSetWindowAttributes a = {
		.background_pixel = s->pixel[C_BG],
		.override_redirect = True,
		.event_mask = ExposureMask | StructureNotifyMask,
	};
	s->win = XCreateWindow(s->dpy, RootWindow(s->dpy, scr), 0, 0,
	    (unsigned)s->width, (unsigned)s->height, 0, CopyFromParent,
	    InputOutput, CopyFromParent,
	    CWBackPixel | CWOverrideRedirect | CWEventMask, &a);
	XStoreName(s->dpy, s->win, "Kimberley idle screen");

	/* no pointer over the kiosk's screen */
	static char empty[1];
	Pixmap blank = XCreateBitmapFromData(s->dpy, s->win, empty, 1, 1);
	XColor black = { 0 };
	Cursor none =
	    XCreatePixmapCursor(s->dpy, blank, blank, &black, &black, 0, 0);
	XDefineCursor(s->dpy, s->win, none);
	XFreePixmap(s->dpy, blank);

	s->gc = XCreateGC(s->dpy, s->win, 0, NULL);
	XMapRaised(s->dpy, s->win);
	XFlush(s->dpy);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *display = NULL, *name = NULL, *hint = "", *code = "";
	static char lcode[32];
	static char lname[MAX_TEXT], lcmd[MAX_TEXT * 2], lhint[MAX_TEXT];
	struct screen s = { 0 };

	for (int i = 1; i < argc; i++) {
		const char **slot = NULL;
		if (strcmp(argv[i], "-display") == 0)
			slot = &display;
		else if (strcmp(argv[i], "-name") == 0)
			slot = &name;
		else if (strcmp(argv[i], "-hint") == 0)
			slot = &hint;
		else if (strcmp(argv[i], "-code") == 0)
			slot = &code;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(
			    stderr, PROG ": unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, PROG ": %s needs a value\n", argv[i]);
			return 2;
		}
		*slot = argv[++i];
	}
	if (name == NULL || name[0] == '\0') {
		fprintf(stderr, PROG ": -name is required\n");
		usage(stderr);
		return 2;
	}
	to_latin1(name, lname, sizeof(lname));
	to_latin1(hint, lhint, sizeof(lhint));
	/* A hint that is a mobile_launcher command (display_launcher passes
	 * the exact one, e.g. with -c for a direct link) replaces ours. */
	if (strncmp(lhint, "mobile_launcher ", 16) == 0) {
		snprintf(lcmd, sizeof(lcmd), "Run: %s", lhint);
		lhint[0] = '\0';
	} else
		make_command(lname, lcmd, sizeof(lcmd));
	s.name = lname;
	s.command = lcmd;
	s.hint = lhint;
	/* the code in two groups of five, easier to read and type */
	if (strlen(code) == 10 && strspn(code, "0123456789") == 10)
		snprintf(lcode, sizeof(lcode), "%.5s %.5s", code, code + 5);
	else if (code[0]) {
		fprintf(stderr, PROG ": -code wants 10 digits\n");
		return 2;
	}
	s.code = lcode;

	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		perror(PROG ": pipe");
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A parent that blocks these (display_launcher takes them with
	 * sigwait) passes its mask on through exec: unblock them. */
	sigset_t ours;
	sigemptyset(&ours);
	sigaddset(&ours, SIGTERM);
	sigaddset(&ours, SIGINT);
	sigaddset(&ours, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &ours, NULL);

	XSetIOErrorHandler(on_io_error);
	if (open_screen(&s, display) != 0)
		return 1;

	struct pollfd p[2] = {
		{ .fd = stop_pipe[0], .events = POLLIN },
		{ .fd = ConnectionNumber(s.dpy), .events = POLLIN },
	};
	for (;;) {
		while (XPending(s.dpy)) {
			XEvent ev;
			XNextEvent(s.dpy, &ev);
			if (ev.type == Expose && ev.xexpose.count == 0)
				draw(&s);
			else if (ev.type == ConfigureNotify) {
				s.width = ev.xconfigure.width;
				s.height = ev.xconfigure.height;
			}
		}
		if (poll(p, 2, -1) < 0 && errno != EINTR) {
			perror(PROG ": poll");
			return 1;
		}
		if (p[0].revents)
			break;
		if (p[1].revents & (POLLERR | POLLHUP)) {
			fprintf(stderr, PROG ": lost the X display\n");
			return 1;
		}
	}
	XDestroyWindow(s.dpy, s.win);
	XFreeFont(s.dpy, s.font);
	XFreeGC(s.dpy, s.gc);
	XCloseDisplay(s.dpy);
	return 0;
}
