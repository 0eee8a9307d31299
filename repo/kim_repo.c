/* kim_repo -- publish patches to a Kimberley patch repository, search the
 * patches of one's groups, and obtain a signed URL for one patch
 * (docs/repository.md, kim_repo(1)).  The repository is Apache httpd with
 * mod_dav (repo/httpd.conf.in); everything it answers is hostile. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <curl/curl.h>

#include "repo/davxml.h"
#include "repo/names.h"
#include "kimberley.h"
#include "sha256.h"

#define HDR_MAX KIM_PATCH_HDR_MAX /* a patch header, as kim_patch reads it */
#define ANSWER_CAP (16u << 20)	  /* bytes of one server answer kept */
#define URL_MAX KIM_PATCH_MAX	  /* a patch URL a display accepts */
#define BASES_MAX KIM_BASES_MAX	  /* as many as a display lists */

static const char *prog = "kim_repo";
static volatile sig_atomic_t interrupted;

/* The header fields published as properties, in this order. */
static const char *const fields[] = {
	"kind",
	"base",
	"base-name",
	"app",
	"qemu-version",
	"machine",
	"compression",
	"encryption",
	"payload-size",
	"payload-sha256",
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

struct conn {
	char base[URL_MAX]; /* the repository's URL, no trailing slash */
	char user[256];
	char pass[1024];
};

struct answer {
	char *buf;
	size_t len;
	long code;
	int too_big;
};

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
	    "usage: kim_repo publish [-u USER] [--password-file F] [--version V] URL GROUP PATCH\n"
	    "       kim_repo search  [-u USER] [--password-file F] [--base ID]... [--app APP] URL\n"
	    "       kim_repo url     [-u USER] [--password-file F] [--ttl S] [--sha|--pinned] URL GROUP/FILE\n"
	    "       kim_repo --version\n"
	    "Passwords come from --password-file, $KIM_REPO_PASSWORD_FILE or the terminal.\n");
	exit(2);
}

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Printable text of a hostile value: control bytes become '?'. */
static void
put_clean(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

/* ---- password ---- */

static void
read_password_file(const char *path, char *pass, size_t n)
{
	FILE *f = fopen(path, "r");

	if (f == NULL)
		die("cannot read the password file %s: %s", path,
		    strerror(errno));
	if (fgets(pass, (int)n, f) == NULL)
		die("the password file %s is empty", path);
	fclose(f);
	pass[strcspn(pass, "\r\n")] = '\0';
	if (pass[0] == '\0')
		die("the password file %s has an empty first line", path);
}

static void
prompt_password(const char *user, char *pass, size_t n)
{
	struct termios old, quiet;
	FILE *tty = fopen("/dev/tty", "r+");
	int ok;

	if (tty == NULL)
		die("no password: give --password-file F or set KIM_REPO_PASSWORD_FILE "
		    "(there is no terminal to ask on)");
	fprintf(tty, "password for %s: ", user);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) != 0)
		die("cannot switch the terminal's echo off");
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	ok = fgets(pass, (int)n, tty) != NULL;
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	if (!ok)
		die("no password read");
	pass[strcspn(pass, "\r\n")] = '\0';
}

static void
conn_setup(
    struct conn *c, const char *url, const char *user, const char *pwfile)
{
	size_t n = strlen(url);

	if ((strncmp(url, "http://", 7) != 0 &&
		strncmp(url, "https://", 8) != 0) ||
	    n >= URL_MAX - 512 || strpbrk(url, "?# \t\r\n\"<>\\") != NULL)
		die("'%s' is not a repository URL (http:// or https://, no query or fragment)",
		    url);
	while (n > 8 && url[n - 1] == '/')
		n--;
	memcpy(c->base, url, n);
	c->base[n] = '\0';
	if (user == NULL)
		user = getenv("KIM_REPO_USER");
	if (user == NULL || *user == '\0')
		die("no user: give -u USER or set KIM_REPO_USER");
	if (strlen(user) >= sizeof(c->user) || strchr(user, ':') ||
	    strpbrk(user, "\r\n"))
		die("'%s' is not a user name", user);
	snprintf(c->user, sizeof(c->user), "%s", user);
	if (pwfile == NULL)
		pwfile = getenv("KIM_REPO_PASSWORD_FILE");
	if (pwfile)
		read_password_file(pwfile, c->pass, sizeof(c->pass));
	else
		prompt_password(c->user, c->pass, sizeof(c->pass));
	if (strncmp(c->base, "http://", 7) == 0 &&
	    strncmp(c->base, "http://127.", 11) != 0 &&
	    strncmp(c->base, "http://localhost", 16) != 0 &&
	    strncmp(c->base, "http://[::1]", 12) != 0)
		fprintf(stderr,
		    "%s: warning: the password crosses the network in clear "
		    "text (use https://)\n",
		    prog);
}

/* ---- HTTP ---- */

/* A URL made from the repository's URL and checked names; too long is an
 * error, never a truncated URL. */
static void
mkurl(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= n)
		die("the repository's URL is too long");
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct answer *a = arg;
	size_t n = size * nmemb;
	char *nb;

	if (a->len + n > ANSWER_CAP) {
		a->too_big = 1;
		return 0;
	}
	nb = realloc(a->buf, a->len + n + 1);
	if (nb == NULL)
		return 0;
	a->buf = nb;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
	a->buf[a->len] = '\0';
	return n;
}

static int
on_progress(
    void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)arg;
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return interrupted; /* Ctrl-C: abort, the caller cleans up */
}

/* One request.  upload: a file for PUT (size bytes), else body (may be
 * NULL).  extra: header lines.  0 with a->code set, or -1 (no answer; the
 * reason printed). */
static int
request(const struct conn *c, const char *method, const char *url,
    const char *const *extra, const char *body, FILE *upload, curl_off_t size,
    struct answer *a)
{
	char err[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL;
	CURLcode cc;
	CURL *e;

	memset(a, 0, sizeof(*a));
	if ((e = curl_easy_init()) == NULL)
		die("libcurl failed to start");
	for (; extra && *extra; extra++)
		h = curl_slist_append(h, *extra);
	h = curl_slist_append(h, "Expect:");
	if (body)
		h = curl_slist_append(
		    h, "Content-Type: application/xml; charset=utf-8");
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(
	    e, CURLOPT_FOLLOWLOCATION, 0L); /* credentials stay here */
	curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(e, CURLOPT_USERNAME, c->user);
	curl_easy_setopt(e, CURLOPT_PASSWORD, c->pass);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "kim_repo/1");
	if (upload) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READDATA, upload);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, size);
	} else if (body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(
		    e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	}
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (!upload)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	cc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &a->code);
	curl_easy_cleanup(e);
	curl_slist_free_all(h);
	if (cc != CURLE_OK) {
		if (interrupted)
			fprintf(stderr, "%s: interrupted\n", prog);
		else if (a->too_big)
			fprintf(stderr,
			    "%s: %s %s: the answer is larger than %u bytes\n",
			    prog, method, url, ANSWER_CAP);
		else
			fprintf(stderr, "%s: %s %s: %s\n", prog, method, url,
			    err[0] ? err : curl_easy_strerror(cc));
		free(a->buf);
		a->buf = NULL;
		return -1;
	}
	return 0;
}

/* The sentence for a refusal common to every request. */
static const char *
why_code(long code)
{
	switch (code) {
	case 401:
		return "the repository refused the user name or password (HTTP 401)";
	case 403: return "not allowed for this user (HTTP 403)";
	case 404: return "not found on the repository (HTTP 404)";
	case 507: return "the repository is out of space (HTTP 507)";
	default: return NULL;
	}
}

static void __attribute__((noreturn)) fail_code(const char *what, long code)
{
	const char *w = why_code(code);

	if (w)
		die("%s: %s", what, w);
	die("%s: the repository answered HTTP %ld", what, code);
}

/* The groups the user is in, from /api/groups: validated names. */
static size_t
user_groups(const struct conn *c, char groups[][REPO_NAME_MAX + 1], size_t max)
{
	char url[URL_MAX];
	struct answer a;
	char *line, *save = NULL;
	size_t n = 0;

	mkurl(url, sizeof(url), "%s/api/groups", c->base);
	if (request(c, "GET", url, NULL, NULL, NULL, 0, &a) != 0)
		exit(1);
	if (a.code != 200)
		fail_code("asking for your groups", a.code);
	for (line = strtok_r(a.buf ? a.buf : "", "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r")] = '\0';
		if (repo_group_ok(line, strlen(line)) != 0) {
			fprintf(stderr,
			    "%s: ignoring a group name that is not one: ",
			    prog);
			put_clean(stderr, line);
			fputc('\n', stderr);
			continue;
		}
		snprintf(groups[n++], REPO_NAME_MAX + 1, "%s", line);
	}
	free(a.buf);
	return n;
}

/* ---- publish ---- */

struct header {
	char *val[NFIELDS];
	char *version;
};

/* Read the patch's header (docs/contract.md section 3). */
static void
read_header(const char *path, int fd, struct header *h)
{
	static char buf[HDR_MAX + 1];
	ssize_t n;
	size_t i, len = 0;
	char *line, *end, *colon;

	memset(h, 0, sizeof(*h));
	while (len < HDR_MAX && (n = read(fd, buf + len, HDR_MAX - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	/* formats 1 and 2 share the header (docs/vm.md, patch format 2) */
	if (strncmp(buf, "KIMBERLEY-PATCH 1\n", 18) != 0 &&
	    strncmp(buf, "KIMBERLEY-PATCH 2\n", 18) != 0)
		die("%s is not a Kimberley patch (no 'KIMBERLEY-PATCH 1' or "
		    "'KIMBERLEY-PATCH 2' line)",
		    path);
	for (line = buf + 18;; line = end + 1) {
		end = memchr(line, '\n', len - (size_t)(line - buf));
		if (end == NULL)
			die("%s: the header does not end within %d bytes", path,
			    HDR_MAX);
		*end = '\0';
		if (line == end)
			break;
		colon = strstr(line, ": ");
		if (colon == NULL)
			die("%s: a header line without ': '", path);
		*colon = '\0';
		for (i = 0; i < NFIELDS; i++)
			if (strcmp(line, fields[i]) == 0 && h->val[i] == NULL)
				h->val[i] = colon + 2;
		if (strcmp(line, "version") == 0 && h->version == NULL)
			h->version = colon + 2;
	}
	for (i = 0; i < NFIELDS; i++) {
		if (h->val[i] == NULL)
			h->val[i] = "";
		if (strlen(h->val[i]) > DAV_VALUE_MAX)
			die("%s: the header's %s is longer than %d bytes", path,
			    fields[i], DAV_VALUE_MAX);
	}
	if (!*h->val[0] || !*h->val[1] || !*h->val[3])
		die("%s: the header lacks kind, base or app", path);
}

/* text with XML's five specials escaped, into out (bounded). */
static void
xml_escape(const char *s, char *out, size_t n)
{
	size_t o = 0;
	const char *r;

	for (; *s && o + 7 < n; s++) {
		switch (*s) {
		case '&': r = "&amp;"; break;
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '"': r = "&quot;"; break;
		case '\'': r = "&apos;"; break;
		default:
			out[o++] = (unsigned char)*s < 0x20 ? '?' : *s;
			continue;
		}
		memcpy(out + o, r, strlen(r));
		o += strlen(r);
	}
	out[o] = '\0';
}

static void
add_prop(char *body, size_t n, const char *name, const char *value)
{
	char esc[DAV_VALUE_MAX * 6 + 8];
	size_t l = strlen(body);

	xml_escape(value, esc, sizeof(esc));
	snprintf(body + l, n - l, "<K:%s>%s</K:%s>", name, esc, name);
}

static void
cleanup_temp(const struct conn *c, const char *url)
{
	struct answer a;

	interrupted = 0;
	if (request(c, "DELETE", url, NULL, NULL, NULL, 0, &a) != 0 ||
	    (a.code != 204 && a.code != 200 && a.code != 404))
		fprintf(stderr,
		    "%s: could not remove the upload %s (HTTP %ld)\n", prog,
		    url, a.code);
	free(a.buf);
}

static int
cmd_publish(int argc, char **argv)
{
	const char *user = NULL, *pwfile = NULL, *version = NULL, *url, *group,
		   *path;
	char name[REPO_FILE_MAX + 1], tmp[URL_MAX], dst[URL_MAX],
	    dsthdr[URL_MAX + 16];
	char hex[KIM_SHA256_HEX], rnd[33], sizes[32];
	unsigned char md[KIM_SHA256_BYTES], r[16];
	static char body[NFIELDS * DAV_VALUE_MAX * 7 + 4096];
	struct header h;
	struct answer a;
	struct conn c;
	struct stat st;
	struct dav_ms ms;
	char why[256];
	size_t i, j;
	FILE *f;
	int fd;

	for (i = 1; i < (size_t)argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-u") == 0 && i + 1 < (size_t)argc)
			user = argv[++i];
		else if (strcmp(argv[i], "--password-file") == 0 &&
		    i + 1 < (size_t)argc)
			pwfile = argv[++i];
		else if (strcmp(argv[i], "--version") == 0 &&
		    i + 1 < (size_t)argc)
			version = argv[++i];
		else
			usage();
	}
	if ((size_t)argc - i != 3)
		usage();
	url = argv[i];
	group = argv[i + 1];
	path = argv[i + 2];
	if (repo_group_ok(group, strlen(group)) != 0)
		die("'%s' is not a group name (letters, digits, _ and -, at most %d)",
		    group, REPO_NAME_MAX);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0)
		die("cannot read %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("%s is not a regular file", path);
	read_header(path, fd, &h);
	if (version == NULL)
		version = h.version;
	if (version == NULL)
		die("%s has no version in its header: give --version V", path);
	if (repo_file_ok(version, strlen(version)) != 0 || strlen(version) > 64)
		die("'%s' is not a version (letters, digits, ._+-, not starting with a dot)",
		    version);
	/* the file's name: APP-VERSION.kim, the app's other bytes as '_' */
	snprintf(name, sizeof(name), "%.120s-%s.kim", h.val[3], version);
	for (j = 0; name[j]; j++)
		if (!strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-",
			name[j]))
			name[j] = '_';
	if (name[0] == '.')
		name[0] = '_';
	if (kim_sha256_file(path, md) != 0)
		die("cannot hash %s: %s", path, strerror(errno));
	kim_sha256_hex(md, hex);
	conn_setup(&c, url, user, pwfile);

	mkurl(dst, sizeof(dst), "%s/patches/%s/%s", c.base, group, name);
	/* already there: say so before uploading anything */
	if (request(&c, "HEAD", dst, NULL, NULL, NULL, 0, &a) != 0)
		return 1;
	free(a.buf);
	if (a.code == 200)
		die("%s/%s is already published; a version is never replaced: "
		    "publish a new --version",
		    group, name);
	if (a.code != 404)
		fail_code("publishing", a.code);

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		die("no random bytes");
	for (j = 0; j < sizeof(r); j++)
		sprintf(rnd + 2 * j, "%02x", r[j]);
	mkurl(
	    tmp, sizeof(tmp), "%s/patches/%s/.incoming/%s", c.base, group, rnd);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	/* 1. the bytes, to a name nobody else uses */
	if ((f = fdopen(fd, "rb")) == NULL || fseek(f, 0, SEEK_SET) != 0)
		die("cannot read %s", path);
	{
		const char *hdrs[] = { "If-None-Match: *",
			"Content-Type: application/octet-stream", NULL };
		if (request(&c, "PUT", tmp, hdrs, NULL, f,
			(curl_off_t)st.st_size, &a) != 0) {
			cleanup_temp(&c, tmp);
			return 1;
		}
	}
	fclose(f);
	free(a.buf);
	if (a.code != 201) {
		/* 412: the random name is someone else's (never removed) */
		if (a.code != 401 && a.code != 403 && a.code != 412)
			cleanup_temp(&c, tmp);
		fail_code(a.code == 403
			? "publishing (are you one of the group's publishers?)"
			: "uploading",
		    a.code);
	}

	/* 2. the header's fields, the file's hash and size, as properties */
	snprintf(body, sizeof(body),
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:K=\"" KIM_NS
	    "\"><D:set><D:prop>");
	for (j = 0; j < NFIELDS; j++)
		add_prop(body, sizeof(body), fields[j], h.val[j]);
	add_prop(body, sizeof(body), "version", version);
	add_prop(body, sizeof(body), "encrypted",
	    strcmp(h.val[7], "none") == 0 || !*h.val[7] ? "no" : "yes");
	add_prop(body, sizeof(body), "sha256", hex);
	snprintf(sizes, sizeof(sizes), "%lld", (long long)st.st_size);
	add_prop(body, sizeof(body), "size", sizes);
	add_prop(body, sizeof(body), "publisher", c.user);
	snprintf(body + strlen(body), sizeof(body) - strlen(body),
	    "</D:prop></D:set></D:propertyupdate>\n");
	if (request(&c, "PROPPATCH", tmp, NULL, body, NULL, 0, &a) != 0) {
		cleanup_temp(&c, tmp);
		return 1;
	}
	if (a.code != 207 ||
	    dav_parse(a.buf ? a.buf : "", a.len, &ms, why, sizeof(why)) != 0) {
		free(a.buf);
		cleanup_temp(&c, tmp);
		die("setting the patch's properties: the repository answered HTTP %ld",
		    a.code);
	}
	free(a.buf);
	for (i = 0; i < ms.n; i++)
		for (j = 0; j < ms.r[i].nprops; j++)
			if (ms.r[i].props[j].status != 200) {
				cleanup_temp(&c, tmp);
				die("setting the patch's properties: %s refused (%d)",
				    ms.r[i].props[j].name,
				    ms.r[i].props[j].status);
			}
	dav_free(&ms);

	/* 3. the versioned name, never over an existing one */
	mkurl(dsthdr, sizeof(dsthdr), "Destination: %s", dst);
	{
		const char *hdrs[] = { dsthdr, "Overwrite: F", NULL };
		if (request(&c, "MOVE", tmp, hdrs, NULL, NULL, 0, &a) != 0) {
			cleanup_temp(&c, tmp);
			return 1;
		}
	}
	free(a.buf);
	if (a.code == 412) {
		cleanup_temp(&c, tmp);
		die("%s/%s is already published; a version is never replaced: "
		    "publish a new --version",
		    group, name);
	}
	if (a.code != 201) {
		cleanup_temp(&c, tmp);
		fail_code("moving the upload into place", a.code);
	}
	printf("%s/%s %s %lld\n", group, name, hex, (long long)st.st_size);
	return 0;
}

/* ---- search ---- */

static const char propfind_body[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<D:propfind xmlns:D=\"DAV:\" xmlns:K=\"" KIM_NS "\"><D:prop>"
    "<D:getcontentlength/><D:getetag/><D:resourcetype/>"
    "<K:kind/><K:base/><K:base-name/><K:app/><K:version/><K:qemu-version/>"
    "<K:machine/><K:encrypted/><K:size/><K:sha256/>"
    "</D:prop></D:propfind>\n";

/* The file name of an href inside a group's folder, or NULL. */
static const char *
href_file(char *href)
{
	size_t n = strlen(href);
	char *slash;

	if (n == 0 || href[n - 1] == '/')
		return NULL; /* a collection */
	slash = strrchr(href, '/');
	slash = slash ? slash + 1 : href;
	return repo_file_ok(slash, strlen(slash)) == 0 ? slash : NULL;
}

static int
hex64(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static int
cmd_search(int argc, char **argv)
{
	const char *user = NULL, *pwfile = NULL, *app = NULL, *bases[BASES_MAX];
	char groups[256][REPO_NAME_MAX + 1], url[URL_MAX], why[256];
	size_t nb = 0, ng, gi, i, j, found = 0;
	struct answer a;
	struct dav_ms ms;
	struct conn c;

	for (i = 1; i < (size_t)argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-u") == 0 && i + 1 < (size_t)argc)
			user = argv[++i];
		else if (strcmp(argv[i], "--password-file") == 0 &&
		    i + 1 < (size_t)argc)
			pwfile = argv[++i];
		else if (strcmp(argv[i], "--base") == 0 &&
		    i + 1 < (size_t)argc) {
			if (nb == BASES_MAX)
				die("at most %d --base", BASES_MAX);
			bases[nb++] = argv[++i];
		} else if (strcmp(argv[i], "--app") == 0 &&
		    i + 1 < (size_t)argc)
			app = argv[++i];
		else
			usage();
	}
	if ((size_t)argc - i != 1)
		usage();
	conn_setup(&c, argv[i], user, pwfile);
	ng = user_groups(&c, groups, 256);
	for (gi = 0; gi < ng; gi++) {
		const char *hdrs[] = { "Depth: 1", NULL };
		mkurl(url, sizeof(url), "%s/patches/%s/", c.base, groups[gi]);
		if (request(&c, "PROPFIND", url, hdrs, propfind_body, NULL, 0,
			&a) != 0)
			return 1;
		if (a.code == 404 ||
		    a.code == 403) { /* a group without a folder */
			free(a.buf);
			continue;
		}
		if (a.code != 207)
			fail_code("searching", a.code);
		if (dav_parse(
			a.buf ? a.buf : "", a.len, &ms, why, sizeof(why)) != 0)
			die("searching %s: %s", groups[gi], why);
		free(a.buf);
		for (i = 0; i < ms.n; i++) {
			const struct dav_resp *r = &ms.r[i];
			const char *file = href_file(r->href),
				   *base = dav_get(r, NS_KIM, "base");
			const char *v[5] = { dav_get(r, NS_KIM, "app"),
				dav_get(r, NS_KIM, "version"),
				dav_get(r, NS_KIM, "size"),
				dav_get(r, NS_KIM, "sha256"),
				dav_get(r, NS_KIM, "base-name") };
			if (file == NULL || base == NULL || !hex64(v[3]))
				continue; /* not a published patch */
			if (v[2] == NULL)
				v[2] = dav_get(r, NS_DAV, "getcontentlength");
			for (j = 0; j < nb && strcmp(bases[j], base) != 0; j++)
				;
			if (nb && j == nb)
				continue;
			if (app && (v[0] == NULL || strcmp(app, v[0]) != 0))
				continue;
			for (j = 0; j < 5; j++) {
				put_clean(stdout, v[j] && *v[j] ? v[j] : "-");
				fputc('\t', stdout);
			}
			printf("%s\t%s\n", groups[gi], file);
			found++;
		}
		dav_free(&ms);
	}
	if (found == 0)
		fprintf(stderr, "%s: no patch found\n", prog);
	return 0;
}

/* ---- url ---- */

static int
cmd_url(int argc, char **argv)
{
	const char *user = NULL, *pwfile = NULL, *ttl = NULL, *gf, *slash;
	char url[URL_MAX], why[256], *path, *nl;
	struct answer a;
	struct conn c;
	struct dav_ms ms;
	int sha = 0, pinned = 0;
	size_t i;

	for (i = 1; i < (size_t)argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-u") == 0 && i + 1 < (size_t)argc)
			user = argv[++i];
		else if (strcmp(argv[i], "--password-file") == 0 &&
		    i + 1 < (size_t)argc)
			pwfile = argv[++i];
		else if (strcmp(argv[i], "--ttl") == 0 && i + 1 < (size_t)argc)
			ttl = argv[++i];
		else if (strcmp(argv[i], "--sha") == 0)
			sha = 1;
		else if (strcmp(argv[i], "--pinned") == 0)
			pinned = 1;
		else
			usage();
	}
	if ((size_t)argc - i != 2 || (sha && pinned))
		usage();
	gf = argv[i + 1];
	slash = strchr(gf, '/');
	if (slash == NULL || repo_group_ok(gf, (size_t)(slash - gf)) != 0 ||
	    repo_file_ok(slash + 1, strlen(slash + 1)) != 0)
		die("'%s' is not GROUP/FILE (as search prints them)", gf);
	if (ttl &&
	    (strlen(ttl) < 1 || strlen(ttl) > 6 ||
		strspn(ttl, "0123456789") != strlen(ttl)))
		die("--ttl: seconds, 1 to 6 digits");
	conn_setup(&c, argv[i], user, pwfile);
	mkurl(url, sizeof(url), "%s/api/mint?path=%s%s%s", c.base, gf,
	    ttl ? "&ttl=" : "", ttl ? ttl : "");
	if (request(&c, "GET", url, NULL, NULL, NULL, 0, &a) != 0)
		return 1;
	if (a.code != 200) {
		if (a.code == 400 && a.buf) {
			a.buf[strcspn(a.buf, "\n")] = '\0';
			fprintf(stderr, "%s: the repository refused: ", prog);
			put_clean(stderr, a.buf);
			fputc('\n', stderr);
			exit(1);
		}
		fail_code(a.code == 403
			? "a signed URL (are you a member of that group?)"
			: "a signed URL",
		    a.code);
	}
	/* "path k/EXP/SIG/G/F" */
	path = a.buf && strncmp(a.buf, "path k/", 7) == 0 ? a.buf + 5 : NULL;
	if (path && (nl = strchr(path, '\n')) != NULL)
		*nl = '\0';
	if (path == NULL || strlen(path) > 512 ||
	    strspn(path,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-/") !=
		strlen(path))
		die("the repository's mint answered something else than a signed path");
	printf("%s/%s", c.base, path);
	free(a.buf);
	if (sha || pinned) {
		const char *hdrs[] = { "Depth: 0", NULL }, *s;
		mkurl(url, sizeof(url), "%s/patches/%s", c.base, gf);
		if (request(&c, "PROPFIND", url, hdrs, propfind_body, NULL, 0,
			&a) != 0)
			return 1;
		if (a.code != 207)
			fail_code("reading the patch's sha256", a.code);
		if (dav_parse(
			a.buf ? a.buf : "", a.len, &ms, why, sizeof(why)) != 0)
			die("reading the patch's sha256: %s", why);
		s = ms.n ? dav_get(&ms.r[0], NS_KIM, "sha256") : NULL;
		if (!hex64(s))
			die("%s has no sha256 property", gf);
		/* --pinned: URL#sha256=HEX, what mobile_launcher --sha256 sends */
		printf(pinned ? "#sha256=%s" : " %s", s);
		dav_free(&ms);
		free(a.buf);
	}
	printf("\n");
	return 0;
}

int
main(int argc, char **argv)
{
	int rc;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "--version") == 0) {
		printf("kim_repo (Kimberley) %s\n", KIM_VERSION);
		return 0;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		die("libcurl failed to start");
	if (strcmp(argv[1], "publish") == 0)
		rc = cmd_publish(argc - 1, argv + 1);
	else if (strcmp(argv[1], "search") == 0)
		rc = cmd_search(argc - 1, argv + 1);
	else if (strcmp(argv[1], "url") == 0)
		rc = cmd_url(argc - 1, argv + 1);
	else
		usage();
	curl_global_cleanup();
	return rc;
}
