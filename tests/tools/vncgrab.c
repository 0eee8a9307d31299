/*
 * vncgrab -- a scripted VNC viewer for tests and the demo: the automated
 * "person" in front of the mobile device.
 *
 *   vncgrab [-H host] [-P port] [-p password_file] [-t seconds] [-o status_file]
 *           ACTION... [host:port]
 *
 * ACTIONS run in the order given:
 *   --expect RRGGBB:FRACTION[:TOL]  wait (up to -t seconds, default 30) until
 *                                   at least FRACTION of the frame's pixels are
 *                                   within TOL (default 40) of colour RRGGBB
 *   --shot FILE.png                 save the current frame as PNG
 *   --type TEXT                     type TEXT with key events; escapes: \n
 *                                   (Return) \t (Tab) \s (space) \\ (backslash)
 *   --wait MS                       keep handling updates for MS milliseconds
 *   --key CHORD                     press and release a key or chord: X keysym
 *                                   names joined by '+', e.g. ctrl+s, Return,
 *                                   alt+F4, ctrl+shift+Home (ctrl, shift, alt,
 *                                   super name the left modifier keys)
 *   --click X,Y[:BUTTON]            move the pointer to X,Y and click (button 1
 *                                   unless given)
 *   --expect-in X,Y,W,H:RRGGBB:FRACTION[:TOL]
 *                                   --expect within that rectangle only
 *   --frame WxH                     fail unless the frame is W x H pixels
 *   --title NAME                    fail unless the server's desktop name (a
 *                                   viewer's window title) is NAME (\s: space)
 * Coordinates and sizes are pixels, or fractions of the frame's width and
 * height when written with a decimal point (0.5 = the middle), so that one
 * script fits any frame size.
 *
 * Fits mobile_launcher's --viewer template, e.g.
 *   "tests/tools/vncgrab -H {host} -P {port} -p {password_file} --expect aa00aa:0.3 ..."
 * Exit 0 when every action succeeded, 1 otherwise (message on stderr and, with
 * -o, "OK" or "FAIL <message>" in status_file).
 */
#include <errno.h>
#include <png.h>
#include <rfb/rfbclient.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <X11/Xlib.h>
#include <X11/keysym.h>

#include "rpc/clock.h"

static const char *prog = "vncgrab";
static char password[256];
static const char *status_file;
static double timeout_s = 30;

static void
quiet_log(const char *fmt, ...)
{
	(void)fmt;
}

static void
finish(int ok, const char *fmt, ...)
{
	char msg[512] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		fprintf(stderr, "%s: %s\n", prog, msg);
	}
	if (status_file) {
		FILE *f = fopen(status_file, "w");
		if (f) {
			if (ok)
				fprintf(f, "OK\n");
			else
				fprintf(f, "FAIL %s\n", msg);
			fclose(f);
		}
	}
	exit(ok ? 0 : 1);
}

static char *
get_password(rfbClient *cl)
{
	(void)cl;
	return strdup(password);
}

static void
read_password(const char *file)
{
	FILE *f = fopen(file, "r");
	if (!f)
		finish(0, "password file %s: %s", file, strerror(errno));
	if (!fgets(password, sizeof password, f))
		password[0] = '\0';
	fclose(f);
	password[strcspn(password, "\r\n")] = '\0';
}

/* Pump server messages for up to ms milliseconds. */
static void
pump(rfbClient *cl, int ms)
{
	double end = kim_now() + ms / 1000.0;
	for (;;) {
		double left = end - kim_now();
		if (left <= 0)
			return;
		int n = WaitForMessage(cl, (unsigned)(left * 1e6));
		if (n < 0)
			finish(0, "connection to the VNC server lost");
		if (n > 0 && !HandleRFBServerMessage(cl))
			finish(0, "VNC server closed the connection");
	}
}

/* One coordinate: pixels, or a fraction of full when written with a '.'. */
static int
coord(const char *s, int full, const char *what)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		finish(0, "bad %s '%s'", what, s);
	int px = strchr(s, '.') && strchr(s, '.') < end ? (int)(v * full + 0.5)
							: (int)v;
	return px > full ? full : px;
}

struct rect {
	int x, y, w, h;
};

/* "X,Y,W,H" into r (clipped to the frame); returns what follows. */
static const char *
parse_rect(rfbClient *cl, const char *spec, struct rect *r)
{
	char part[4][32];
	const char *s = spec;
	for (int i = 0; i < 4; i++) {
		size_t n = strcspn(s, i < 3 ? "," : ":");
		if (n == 0 || n >= sizeof part[i] || !s[n])
			finish(0,
			    "--expect-in wants X,Y,W,H:RRGGBB:FRACTION[:TOL], got '%s'",
			    spec);
		memcpy(part[i], s, n);
		part[i][n] = '\0';
		s += n + 1;
	}
	r->x = coord(part[0], cl->width, "x");
	r->y = coord(part[1], cl->height, "y");
	r->w = coord(part[2], cl->width, "width");
	r->h = coord(part[3], cl->height, "height");
	if (r->x + r->w > cl->width)
		r->w = cl->width - r->x;
	if (r->y + r->h > cl->height)
		r->h = cl->height - r->y;
	if (r->w <= 0 || r->h <= 0)
		finish(0,
		    "--expect-in: the rectangle '%s' is outside the %dx%d frame",
		    spec, cl->width, cl->height);
	return s;
}

/* Fraction of the pixels of r within tol of rgb.  The frame is 32 bpp, R at
 * shift 0. */
static double
rect_fraction(rfbClient *cl, const struct rect *r, unsigned rgb, int tol)
{
	long hit = 0;
	int r0 = (rgb >> 16) & 255, g0 = (rgb >> 8) & 255, b0 = rgb & 255;
	for (int y = r->y; y < r->y + r->h; y++)
		for (int x = r->x; x < r->x + r->w; x++) {
			const uint8_t *p =
			    cl->frameBuffer + 4L * ((long)y * cl->width + x);
			if (abs(p[0] - r0) <= tol && abs(p[1] - g0) <= tol &&
			    abs(p[2] - b0) <= tol)
				hit++;
		}
	return (double)hit / ((double)r->w * r->h);
}

static void
do_expect(rfbClient *cl, const char *spec, int in_rect)
{
	unsigned rgb;
	double frac, got = 0;
	int tol = 40;
	struct rect r = { 0, 0, cl->width, cl->height };
	const char *what = in_rect ? "the rectangle" : "the frame";
	if (in_rect)
		spec = parse_rect(cl, spec, &r);
	if (sscanf(spec, "%6x:%lf:%d", &rgb, &frac, &tol) < 2)
		finish(0, "%s wants %sRRGGBB:FRACTION[:TOL], got '%s'",
		    in_rect ? "--expect-in" : "--expect",
		    in_rect ? "X,Y,W,H:" : "", spec);
	double end = kim_now() + timeout_s;
	SendFramebufferUpdateRequest(cl, 0, 0, cl->width, cl->height, FALSE);
	/* looked at every 10 ms: the moment the colour is there is what a
	 * person (and bench/overlay's first frame) would see; at 200 ms
	 * slices after a fixed 300 ms wait the viewer itself added about
	 * 0.4 s to every first frame */
	while (kim_now() < end) {
		pump(cl, 10);
		if (r.w > cl->width - r.x || r.h > cl->height - r.y)
			finish(0, "the frame shrank under %s", what);
		got = rect_fraction(cl, &r, rgb, tol);
		if (got >= frac) {
			fprintf(stderr,
			    "%s: colour %06x covers %.1f%% of %s (wanted %.1f%%)\n",
			    prog, rgb, got * 100, what, frac * 100);
			return;
		}
	}
	finish(0,
	    "colour %06x covers only %.1f%% of %s after %.0f s (wanted %.1f%%)",
	    rgb, got * 100, what, timeout_s, frac * 100);
}

static void
do_title(rfbClient *cl, const char *spec)
{
	const char *got = cl->desktopName ? cl->desktopName : "";
	char want[256];
	size_t n = 0;
	for (const char *s = spec; *s && n + 1 < sizeof want;
	     s++) /* \s = space */
		want[n++] = s[0] == '\\' && s[1] == 's' ? (s++, ' ') : *s;
	want[n] = '\0';
	if (strcmp(got, want))
		finish(0, "the desktop name is '%s', not '%s'", got, want);
	fprintf(stderr, "%s: the desktop name is '%s'\n", prog, got);
}

static void
do_frame(rfbClient *cl, const char *spec)
{
	int w, h;
	if (sscanf(spec, "%dx%d", &w, &h) != 2)
		finish(0, "--frame wants WxH, got '%s'", spec);
	if (cl->width != w || cl->height != h)
		finish(0, "the frame is %dx%d, not %dx%d", cl->width,
		    cl->height, w, h);
	fprintf(stderr, "%s: the frame is %dx%d\n", prog, w, h);
}

static void
do_shot(rfbClient *cl, const char *file)
{
	pump(cl, 100);
	FILE *f = fopen(file, "wb");
	if (!f)
		finish(0, "%s: %s", file, strerror(errno));
	png_structp png =
	    png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info || setjmp(png_jmpbuf(png)))
		finish(0, "%s: cannot write PNG", file);
	png_init_io(png, f);
	png_set_IHDR(png, info, cl->width, cl->height, 8,
	    PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < cl->height; y++) {
		uint8_t row[4 * cl->width];
		memcpy(row, cl->frameBuffer + 4L * y * cl->width, sizeof row);
		for (int x = 0; x < cl->width; x++)
			row[4 * x + 3] = 255;
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	if (fclose(f) != 0)
		finish(0, "%s: %s", file, strerror(errno));
	fprintf(stderr, "%s: saved %dx%d frame to %s\n", prog, cl->width,
	    cl->height, file);
}

static void
key(rfbClient *cl, uint32_t sym)
{
	SendKeyEvent(cl, sym, TRUE);
	pump(cl, 20);
	SendKeyEvent(cl, sym, FALSE);
	pump(cl, 20);
}

static void
do_type(rfbClient *cl, const char *text)
{
	for (const char *s = text; *s; s++) {
		uint32_t sym = (unsigned char)*s;
		if (*s == '\n')
			sym = XK_Return;
		else if (*s == '\\' && s[1]) {
			s++;
			switch (*s) {
			case 'n': sym = XK_Return; break;
			case 't': sym = XK_Tab; break;
			case 's': sym = ' '; break;
			default: sym = (unsigned char)*s; break;
			}
		}
		key(cl, sym);
	}
	fprintf(stderr, "%s: typed %zu characters\n", prog, strlen(text));
}

/* --key ctrl+shift+Home: modifiers down in order, the key, all up again. */
static void
do_key(rfbClient *cl, const char *chord)
{
	char buf[128], *save = NULL;
	uint32_t syms[8];
	int n = 0;
	if (strlen(chord) >= sizeof buf)
		finish(0, "--key: '%s' is too long", chord);
	strcpy(buf, chord);
	for (char *t = strtok_r(buf, "+", &save); t;
	     t = strtok_r(NULL, "+", &save)) {
		KeySym k;
		if (n == (int)(sizeof syms / sizeof syms[0]))
			finish(0, "--key: too many keys in '%s'", chord);
		if (!strcmp(t, "ctrl"))
			k = XK_Control_L;
		else if (!strcmp(t, "shift"))
			k = XK_Shift_L;
		else if (!strcmp(t, "alt"))
			k = XK_Alt_L;
		else if (!strcmp(t, "super"))
			k = XK_Super_L;
		else if ((k = XStringToKeysym(t)) == NoSymbol)
			finish(0, "--key: '%s' is not an X keysym name", t);
		syms[n++] = (uint32_t)k;
	}
	if (n == 0)
		finish(0, "--key wants a key, e.g. ctrl+s");
	for (int i = 0; i < n; i++) {
		SendKeyEvent(cl, syms[i], TRUE);
		pump(cl, 20);
	}
	for (int i = n - 1; i >= 0; i--) {
		SendKeyEvent(cl, syms[i], FALSE);
		pump(cl, 20);
	}
	fprintf(stderr, "%s: pressed %s\n", prog, chord);
}

static void
do_click(rfbClient *cl, const char *spec)
{
	char xs[32], ys[32];
	int button = 1;
	if (sscanf(spec, "%31[^,],%31[^:]:%d", xs, ys, &button) < 2 ||
	    button < 1 || button > 8)
		finish(0, "--click wants X,Y[:BUTTON], got '%s'", spec);
	int x = coord(xs, cl->width - 1, "x"),
	    y = coord(ys, cl->height - 1, "y");
	int mask = 1 << (button - 1);
	SendPointerEvent(cl, x, y, 0);
	pump(cl, 50);
	SendPointerEvent(cl, x, y, mask);
	pump(cl, 50);
	SendPointerEvent(cl, x, y, 0);
	pump(cl, 50);
	fprintf(stderr, "%s: clicked button %d at %d,%d\n", prog, button, x, y);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-H host] [-P port] [-p password_file] [-t seconds] [-o status_file]\n"
	    "       [--expect RRGGBB:FRAC[:TOL]] [--expect-in X,Y,W,H:RRGGBB:FRAC[:TOL]] [--shot FILE.png]\n"
	    "       [--type TEXT] [--key CHORD] [--click X,Y[:B]] [--frame WxH] [--title NAME] [--wait MS]...\n"
	    "       [host:port]\n",
	    prog);
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *host = NULL, *port = NULL;
	int first_action = 0;

	/* Options first; actions are collected and run in order afterwards. */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-H") && i + 1 < argc)
			host = argv[++i];
		else if (!strcmp(a, "-P") && i + 1 < argc)
			port = argv[++i];
		else if (!strcmp(a, "-p") && i + 1 < argc)
			read_password(argv[++i]);
		else if (!strcmp(a, "-t") && i + 1 < argc)
			timeout_s = atof(argv[++i]);
		else if (!strcmp(a, "-o") && i + 1 < argc)
			status_file = argv[++i];
		else if ((!strcmp(a, "--expect") || !strcmp(a, "--shot") ||
			     !strcmp(a, "--type") || !strcmp(a, "--wait") ||
			     !strcmp(a, "--key") || !strcmp(a, "--click") ||
			     !strcmp(a, "--expect-in") ||
			     !strcmp(a, "--frame") || !strcmp(a, "--title")) &&
		    i + 1 < argc) {
			if (!first_action)
				first_action = i;
			i++;
		} else if (a[0] != '-' && !host) {
			static char hbuf[256];
			snprintf(hbuf, sizeof hbuf, "%s", a);
			char *c = strrchr(hbuf, ':');
			if (!c)
				usage();
			*c = '\0';
			host = hbuf;
			port = c + 1;
			if (*port == ':')
				port++;
		} else
			usage();
	}
	if (!host || !port)
		usage();

	rfbClientLog = rfbClientErr = quiet_log; /* we report ourselves */
	rfbClient *cl = rfbGetClient(8, 3, 4);
	if (!cl)
		finish(0, "cannot allocate the VNC client");
	cl->GetPassword = get_password;
	cl->serverHost = strdup(host);
	cl->serverPort = atoi(port);
	/* lossless, compressed first (as a real viewer asks): the colours
	 * checked are exact, and a first frame is not 3 MB of raw pixels */
	cl->appData.encodingsString = "zrle zlib hextile copyrect raw";
	int dummy_argc = 1;
	char *dummy_argv[] = { (char *)prog, NULL };
	if (!rfbInitClient(cl, &dummy_argc, dummy_argv))
		finish(0,
		    "cannot connect to VNC server %s:%s (refused or wrong password)",
		    host, port);
	fprintf(stderr, "%s: connected to %s:%s, frame %dx%d\n", prog, host,
	    port, cl->width, cl->height);
	/* the first frame before any other action; an --expect waits for it
	 * itself */
	if (!first_action ||
	    (strcmp(argv[first_action], "--expect") &&
		strcmp(argv[first_action], "--expect-in")))
		pump(cl, 300);

	for (int i = first_action ? first_action : argc; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--expect"))
			do_expect(cl, argv[++i], 0);
		else if (!strcmp(a, "--expect-in"))
			do_expect(cl, argv[++i], 1);
		else if (!strcmp(a, "--frame"))
			do_frame(cl, argv[++i]);
		else if (!strcmp(a, "--title"))
			do_title(cl, argv[++i]);
		else if (!strcmp(a, "--key"))
			do_key(cl, argv[++i]);
		else if (!strcmp(a, "--click"))
			do_click(cl, argv[++i]);
		else if (!strcmp(a, "--shot"))
			do_shot(cl, argv[++i]);
		else if (!strcmp(a, "--type"))
			do_type(cl, argv[++i]);
		else if (!strcmp(a, "--wait"))
			pump(cl, atoi(argv[++i]));
		else if (!strcmp(a, "-H") || !strcmp(a, "-P") ||
		    !strcmp(a, "-p") || !strcmp(a, "-t") || !strcmp(a, "-o"))
			i++;
	}
	rfbClientCleanup(cl);
	finish(1, NULL);
	return 0;
}
