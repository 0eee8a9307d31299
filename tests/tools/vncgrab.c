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
 *   --key COMBO                     press one key with modifiers held, e.g.
 *                                   ctrl+s, ctrl+q, alt+F4, shift+Tab, Escape
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
#include <X11/keysym.h>

static const char *prog = "vncgrab";
static char password[256];
static const char *status_file;
static double timeout_s = 30;

static void quiet_log(const char *fmt, ...)
{
	(void)fmt;
}

static void finish(int ok, const char *fmt, ...)
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

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *get_password(rfbClient *cl)
{
	(void)cl;
	return strdup(password);
}

static void read_password(const char *file)
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
static void pump(rfbClient *cl, int ms)
{
	double end = now() + ms / 1000.0;
	for (;;) {
		double left = end - now();
		if (left <= 0)
			return;
		int n = WaitForMessage(cl, (unsigned)(left * 1e6));
		if (n < 0)
			finish(0, "connection to the VNC server lost");
		if (n > 0 && !HandleRFBServerMessage(cl))
			finish(0, "VNC server closed the connection");
	}
}

/* Fraction of pixels within tol of rgb. Frame is 32 bpp, R at shift 0. */
static double colour_fraction(rfbClient *cl, unsigned rgb, int tol)
{
	int w = cl->width, h = cl->height;
	long hit = 0;
	int r0 = (rgb >> 16) & 255, g0 = (rgb >> 8) & 255, b0 = rgb & 255;
	for (long i = 0; i < (long)w * h; i++) {
		const uint8_t *p = cl->frameBuffer + 4 * i;
		if (abs(p[0] - r0) <= tol && abs(p[1] - g0) <= tol && abs(p[2] - b0) <= tol)
			hit++;
	}
	return w && h ? (double)hit / ((double)w * h) : 0;
}

static void do_expect(rfbClient *cl, const char *spec)
{
	unsigned rgb;
	double frac, got = 0;
	int tol = 40;
	if (sscanf(spec, "%6x:%lf:%d", &rgb, &frac, &tol) < 2)
		finish(0, "--expect wants RRGGBB:FRACTION[:TOL], got '%s'", spec);
	double end = now() + timeout_s;
	SendFramebufferUpdateRequest(cl, 0, 0, cl->width, cl->height, FALSE);
	while (now() < end) {
		pump(cl, 200);
		got = colour_fraction(cl, rgb, tol);
		if (got >= frac) {
			fprintf(stderr, "%s: colour %06x covers %.1f%% of the frame (wanted %.1f%%)\n",
			        prog, rgb, got * 100, frac * 100);
			return;
		}
	}
	finish(0, "colour %06x covers only %.1f%% of the frame after %.0f s (wanted %.1f%%)",
	       rgb, got * 100, timeout_s, frac * 100);
}

static void do_shot(rfbClient *cl, const char *file)
{
	pump(cl, 100);
	FILE *f = fopen(file, "wb");
	if (!f)
		finish(0, "%s: %s", file, strerror(errno));
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!png || !info || setjmp(png_jmpbuf(png)))
		finish(0, "%s: cannot write PNG", file);
	png_init_io(png, f);
	png_set_IHDR(png, info, cl->width, cl->height, 8, PNG_COLOR_TYPE_RGB_ALPHA,
	             PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
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
	fprintf(stderr, "%s: saved %dx%d frame to %s\n", prog, cl->width, cl->height, file);
}

static void key(rfbClient *cl, uint32_t sym)
{
	SendKeyEvent(cl, sym, TRUE);
	pump(cl, 20);
	SendKeyEvent(cl, sym, FALSE);
	pump(cl, 20);
}

static void do_type(rfbClient *cl, const char *text)
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

/* --key: [ctrl+|shift+|alt+]...KEY, KEY one character or a name below */
static void do_key(rfbClient *cl, const char *combo)
{
	static const struct { const char *name; uint32_t sym; } names[] = {
		{ "Return", XK_Return }, { "Escape", XK_Escape }, { "Tab", XK_Tab },
		{ "BackSpace", XK_BackSpace }, { "Delete", XK_Delete }, { "Home", XK_Home },
		{ "End", XK_End }, { "Left", XK_Left }, { "Right", XK_Right }, { "Up", XK_Up },
		{ "Down", XK_Down }, { "space", ' ' },
	};
	uint32_t mods[4];
	int nmods = 0;
	const char *k = combo, *plus;
	while ((plus = strchr(k, '+')) && plus[1] && nmods < 4) {
		size_t n = plus - k;
		if (n == 4 && !strncmp(k, "ctrl", 4))
			mods[nmods++] = XK_Control_L;
		else if (n == 5 && !strncmp(k, "shift", 5))
			mods[nmods++] = XK_Shift_L;
		else if (n == 3 && !strncmp(k, "alt", 3))
			mods[nmods++] = XK_Alt_L;
		else
			finish(0, "--key: unknown modifier in '%s' (ctrl, shift, alt)", combo);
		k = plus + 1;
	}
	uint32_t sym = 0;
	if (strlen(k) == 1)
		sym = (unsigned char)*k;
	else if (k[0] == 'F' && atoi(k + 1) >= 1 && atoi(k + 1) <= 12)
		sym = XK_F1 + atoi(k + 1) - 1;
	for (size_t i = 0; !sym && i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(k, names[i].name))
			sym = names[i].sym;
	if (!sym)
		finish(0, "--key: unknown key '%s'", k);
	for (int i = 0; i < nmods; i++) {
		SendKeyEvent(cl, mods[i], TRUE);
		pump(cl, 20);
	}
	key(cl, sym);
	for (int i = nmods - 1; i >= 0; i--) {
		SendKeyEvent(cl, mods[i], FALSE);
		pump(cl, 20);
	}
	fprintf(stderr, "%s: pressed %s\n", prog, combo);
}

static void usage(void)
{
	fprintf(stderr, "usage: %s [-H host] [-P port] [-p password_file] [-t seconds] [-o status_file]\n"
	        "       [--expect RRGGBB:FRAC[:TOL]] [--shot FILE.png] [--type TEXT] [--key COMBO] [--wait MS]... [host:port]\n",
	        prog);
	exit(2);
}

int main(int argc, char **argv)
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
		else if ((!strcmp(a, "--expect") || !strcmp(a, "--shot") || !strcmp(a, "--type") ||
		          !strcmp(a, "--wait") || !strcmp(a, "--key")) && i + 1 < argc) {
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

	rfbClientLog = rfbClientErr = quiet_log;   /* we report ourselves */
	rfbClient *cl = rfbGetClient(8, 3, 4);
	if (!cl)
		finish(0, "cannot allocate the VNC client");
	cl->GetPassword = get_password;
	cl->serverHost = strdup(host);
	cl->serverPort = atoi(port);
	cl->appData.encodingsString = "raw copyrect hextile";
	int dummy_argc = 1;
	char *dummy_argv[] = { (char *)prog, NULL };
	if (!rfbInitClient(cl, &dummy_argc, dummy_argv))
		finish(0, "cannot connect to VNC server %s:%s (refused or wrong password)", host, port);
	fprintf(stderr, "%s: connected to %s:%s, frame %dx%d\n", prog, host, port, cl->width, cl->height);
	pump(cl, 300);

	for (int i = first_action ? first_action : argc; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--expect"))
			do_expect(cl, argv[++i]);
		else if (!strcmp(a, "--shot"))
			do_shot(cl, argv[++i]);
		else if (!strcmp(a, "--type"))
			do_type(cl, argv[++i]);
		else if (!strcmp(a, "--wait"))
			pump(cl, atoi(argv[++i]));
		else if (!strcmp(a, "--key"))
			do_key(cl, argv[++i]);
		else if (!strcmp(a, "-H") || !strcmp(a, "-P") || !strcmp(a, "-p") || !strcmp(a, "-t") || !strcmp(a, "-o"))
			i++;
	}
	rfbClientCleanup(cl);
	finish(1, NULL);
	return 0;
}
