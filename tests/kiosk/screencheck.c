/* screencheck.c -- read an X screen's pixels for the kiosk tests.
 *
 *   screencheck -display :N colours          the 8 commonest colours: RRGGBB COUNT
 *   screencheck -display :N count RRGGBB     how many pixels have that colour
 *   screencheck -display :N text RRGGBB STRING
 *       exit 0 if the pixels of that colour spell STRING in the core font
 *       "fixed" magnified by a whole factor (how kiosk/idle_screen draws):
 *       the colour's bounding box must be the string's ink box times the
 *       factor, and every cell must match the glyphs; prints scale= or why not
 *   screencheck -display :N read RRGGBB CHARSET LEN
 *       read LEN characters (each one of CHARSET) that the pixels of that
 *       colour spell in "fixed" (a monospaced font) magnified by a whole
 *       factor: each character cell is matched against every glyph of
 *       CHARSET; prints the string, or why not (exit 1)
 *   screencheck -display :N shot FILE.png    the whole screen as a PNG
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>

#define PROG "screencheck"

struct shot {
	int w, h;
	unsigned long *rgb; /* 0xRRGGBB per pixel */
};

static unsigned
channel(unsigned long pixel, unsigned long mask)
{
	int shift = 0;
	unsigned long m = mask;

	if (mask == 0)
		return 0;
	while (!(m & 1)) {
		m >>= 1;
		shift++;
	}
	return (unsigned)(((pixel & mask) >> shift) * 255 / m);
}

static int
grab(Display *dpy, struct shot *s)
{
	int scr = DefaultScreen(dpy);
	Window root = RootWindow(dpy, scr);

	s->w = DisplayWidth(dpy, scr);
	s->h = DisplayHeight(dpy, scr);
	XImage *img = XGetImage(dpy, root, 0, 0, (unsigned)s->w, (unsigned)s->h,
	    AllPlanes, ZPixmap);
	if (img == NULL)
		return -1;
	s->rgb = malloc(sizeof(*s->rgb) * (size_t)s->w * (size_t)s->h);
	if (s->rgb == NULL)
		return -1;
	for (int y = 0; y < s->h; y++)
		for (int x = 0; x < s->w; x++) {
			unsigned long p = XGetPixel(img, x, y);
			s->rgb[y * s->w + x] = channel(p, img->red_mask) << 16 |
			    channel(p, img->green_mask) << 8 |
			    channel(p, img->blue_mask);
		}
	XDestroyImage(img);
	return 0;
}

static int
by_count(const void *a, const void *b)
{
	const unsigned long *x = a, *y = b;
	return x[1] < y[1] ? 1 : x[1] > y[1] ? -1 : 0;
}

static int
colours(const struct shot *s)
{
	size_t n = 0, cap = 64;
	unsigned long(*t)[2] = malloc(cap * sizeof(*t));

	for (long i = 0; t && i < (long)s->w * s->h; i++) {
		size_t j;
		for (j = 0; j < n && t[j][0] != s->rgb[i]; j++)
			;
		if (j == n) {
			if (n == cap &&
			    (t = realloc(t, (cap *= 2) * sizeof(*t))) == NULL)
				break;
			t[n][0] = s->rgb[i];
			t[n][1] = 0;
			n++;
		}
		t[j][1]++;
	}
	if (t == NULL)
		return 1;
	qsort(t, n, sizeof(*t), by_count);
	for (size_t j = 0; j < n && j < 8; j++)
		printf("%06lx %lu\n", t[j][0], t[j][1]);
	free(t);
	return 0;
}

static long
count(const struct shot *s, unsigned long c)
{
	long n = 0;
	for (long i = 0; i < (long)s->w * s->h; i++)
		n += s->rgb[i] == c;
	return n;
}

static int
text(Display *dpy, const struct shot *s, unsigned long c, const char *str)
{
	int x1 = s->w, y1 = s->h, x2 = -1, y2 = -1;

	for (int y = 0; y < s->h; y++)
		for (int x = 0; x < s->w; x++)
			if (s->rgb[y * s->w + x] == c) {
				if (x < x1)
					x1 = x;
				if (x > x2)
					x2 = x;
				if (y < y1)
					y1 = y;
				if (y > y2)
					y2 = y;
			}
	if (x2 < 0) {
		printf("no pixel of colour %06lx on the screen\n", c);
		return 1;
	}

	XFontStruct *f = XLoadQueryFont(dpy, "fixed");
	if (f == NULL) {
		printf("no font 'fixed'\n");
		return 2;
	}
	int len = (int)strlen(str), w = XTextWidth(f, str, len);
	int h = f->ascent + f->descent;
	Window root = DefaultRootWindow(dpy);
	Pixmap pm = XCreatePixmap(dpy, root, (unsigned)w, (unsigned)h, 1);
	GC g = XCreateGC(dpy, pm, 0, NULL);
	XSetFont(dpy, g, f->fid);
	XSetForeground(dpy, g, 0);
	XFillRectangle(dpy, pm, g, 0, 0, (unsigned)w, (unsigned)h);
	XSetForeground(dpy, g, 1);
	XDrawString(dpy, pm, g, 0, f->ascent, str, len);
	XImage *gl =
	    XGetImage(dpy, pm, 0, 0, (unsigned)w, (unsigned)h, 1, XYPixmap);
	int a1 = w, b1 = h, a2 = -1, b2 = -1;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			if (XGetPixel(gl, x, y)) {
				if (x < a1)
					a1 = x;
				if (x > a2)
					a2 = x;
				if (y < b1)
					b1 = y;
				if (y > b2)
					b2 = y;
			}
	int gw = a2 - a1 + 1, gh = b2 - b1 + 1, sw = x2 - x1 + 1,
	    sh = y2 - y1 + 1;
	int k = gw > 0 ? sw / gw : 0;
	if (a2 < 0 || k < 1 || sw != gw * k || sh != gh * k) {
		printf(
		    "colour %06lx covers %dx%d at %d,%d; \"%s\" in 'fixed' inks %dx%d:"
		    " not a whole magnification\n",
		    c, sw, sh, x1, y1, str, gw, gh);
		return 1;
	}
	int bad = 0;
	for (int j = 0; j < gh; j++)
		for (int i = 0; i < gw; i++) {
			int want = XGetPixel(gl, a1 + i, b1 + j) != 0;
			int got = s->rgb[(y1 + j * k + k / 2) * s->w + x1 +
				      i * k + k / 2] == c;
			bad += want != got;
		}
	if (bad) {
		printf(
		    "colour %06lx at %d,%d scale=%d: %d of %d cells differ from \"%s\"\n",
		    c, x1, y1, k, bad, gw * gh, str);
		return 1;
	}
	printf("scale=%d at %d,%d size %dx%d\n", k, x1, y1, sw, sh);
	return 0;
}

/* One glyph of 'fixed' as 0/1 cells, cw x h, drawn at (0, ascent). */
static XImage *
glyph(Display *dpy, XFontStruct *f, char ch, int cw, int h)
{
	Window root = DefaultRootWindow(dpy);
	Pixmap pm = XCreatePixmap(dpy, root, (unsigned)cw, (unsigned)h, 1);
	GC g = XCreateGC(dpy, pm, 0, NULL);

	XSetFont(dpy, g, f->fid);
	XSetForeground(dpy, g, 0);
	XFillRectangle(dpy, pm, g, 0, 0, (unsigned)cw, (unsigned)h);
	XSetForeground(dpy, g, 1);
	XDrawString(dpy, pm, g, 0, f->ascent, &ch, 1);
	return XGetImage(dpy, pm, 0, 0, (unsigned)cw, (unsigned)h, 1, XYPixmap);
}

/* Does the cell at (ox, oy), scale k, show exactly glyph g? */
static int
cell_is(const struct shot *s, unsigned long c, XImage *g, int cw, int h, int ox,
    int oy, int k)
{
	for (int j = 0; j < h; j++)
		for (int i = 0; i < cw; i++) {
			int x = ox + i * k + k / 2, y = oy + j * k + k / 2;
			int got = x >= 0 && y >= 0 && x < s->w && y < s->h &&
			    s->rgb[y * s->w + x] == c;
			if (got != (XGetPixel(g, i, j) != 0))
				return 0;
		}
	return 1;
}

static int
read_text(Display *dpy, const struct shot *s, unsigned long c, const char *set,
    int len)
{
	int x1 = s->w, y1 = s->h, x2 = -1, y2 = -1, n = (int)strlen(set);
	XFontStruct *f = XLoadQueryFont(dpy, "fixed");
	char out[256];

	for (int y = 0; y < s->h; y++)
		for (int x = 0; x < s->w; x++)
			if (s->rgb[y * s->w + x] == c) {
				if (x < x1)
					x1 = x;
				if (x > x2)
					x2 = x;
				if (y < y1)
					y1 = y;
				if (y > y2)
					y2 = y;
			}
	if (x2 < 0 || f == NULL || len < 1 || len >= (int)sizeof(out) ||
	    n < 1) {
		printf("no pixel of colour %06lx on the screen\n", c);
		return 1;
	}
	int cw = f->max_bounds.width, h = f->ascent + f->descent;
	XImage **g = calloc((size_t)n, sizeof(*g));
	int *top = calloc((size_t)n, sizeof(*top)),
	    *left = calloc((size_t)n, sizeof(*left));
	for (int i = 0; i < n; i++) { /* each glyph's first inked row, column */
		g[i] = glyph(dpy, f, set[i], cw, h);
		top[i] = left[i] = -1;
		for (int y = 0; y < h && top[i] < 0; y++)
			for (int x = 0; x < cw; x++)
				if (XGetPixel(g[i], x, y)) {
					top[i] = y;
					break;
				}
		for (int x = 0; x < cw && left[i] < 0; x++)
			for (int y = 0; y < h; y++)
				if (XGetPixel(g[i], x, y)) {
					left[i] = x;
					break;
				}
	}
	/* the scale and the first cell: try every first glyph, every scale,
	 * every glyph of the tallest row as the one that sets the top */
	for (int k = 1; k <= 64; k++)
		for (int a = 0; a < n; a++) {
			if (left[a] < 0)
				continue;
			for (int t = 0; t < n; t++) {
				if (top[t] < 0)
					continue;
				int ox = x1 - left[a] * k, oy = y1 - top[t] * k,
				    i;
				for (i = 0; i < len; i++) {
					int m;
					for (m = 0; m < n; m++)
						if ((i > 0 || m == a) &&
						    cell_is(s, c, g[m], cw, h,
							ox + i * cw * k, oy, k))
							break;
					if (m == n)
						break;
					out[i] = set[m];
				}
				/* the whole inked box must be accounted for */
				if (i == len && ox + len * cw * k > x2) {
					out[len] = '\0';
					printf("%s\n", out);
					return 0;
				}
			}
		}
	printf("colour %06lx at %d,%d size %dx%d: no %d characters of \"%s\" "
	       "in 'fixed' at a whole scale\n",
	    c, x1, y1, x2 - x1 + 1, y2 - y1 + 1, len, set);
	return 1;
}

static int
shot_png(const struct shot *s, const char *file)
{
	FILE *f = fopen(file, "wb");
	png_structp png =
	    png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	unsigned char *row = malloc((size_t)s->w * 3);

	if (f == NULL || info == NULL || row == NULL ||
	    setjmp(png_jmpbuf(png))) {
		fprintf(stderr, PROG ": cannot write %s\n", file);
		return 1;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, (png_uint_32)s->w, (png_uint_32)s->h, 8,
	    PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < s->h; y++) {
		for (int x = 0; x < s->w; x++) {
			unsigned long p = s->rgb[y * s->w + x];
			row[x * 3] = (unsigned char)(p >> 16);
			row[x * 3 + 1] = (unsigned char)(p >> 8);
			row[x * 3 + 2] = (unsigned char)p;
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	return fclose(f) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc < 4 || strcmp(argv[1], "-display") != 0) {
		fprintf(stderr,
		    "usage: " PROG " -display :N colours|count RRGGBB|"
		    "text RRGGBB STRING|read RRGGBB CHARSET LEN|shot FILE.png\n");
		return 2;
	}
	Display *dpy = XOpenDisplay(argv[2]);
	if (dpy == NULL) {
		fprintf(stderr, PROG ": cannot open X display '%s'\n", argv[2]);
		return 2;
	}
	struct shot s;
	if (grab(dpy, &s) != 0) {
		fprintf(stderr, PROG ": cannot read the screen\n");
		return 2;
	}
	const char *cmd = argv[3];
	if (strcmp(cmd, "colours") == 0)
		return colours(&s);
	if (strcmp(cmd, "count") == 0 && argc == 5) {
		printf("%ld\n", count(&s, strtoul(argv[4], NULL, 16)));
		return 0;
	}
	if (strcmp(cmd, "text") == 0 && argc == 6)
		return text(dpy, &s, strtoul(argv[4], NULL, 16), argv[5]);
	if (strcmp(cmd, "read") == 0 && argc == 7)
		return read_text(dpy, &s, strtoul(argv[4], NULL, 16), argv[5],
		    atoi(argv[6]));
	if (strcmp(cmd, "shot") == 0 && argc == 5)
		return shot_png(&s, argv[4]);
	fprintf(stderr, PROG ": bad command '%s'\n", cmd);
	return 2;
}
