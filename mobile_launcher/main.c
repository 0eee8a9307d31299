/* main.c -- mobile_launcher: one whole session from the mobile's side, in
 * the order of docs/design.md section 2 (steps 3-11). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include "access.h"
#include "attach.h"
#include "auth.h"
#include "config.h"
#include "connect.h"
#include "delta.h"
#include "discover.h"
#include "errors.h"
#include "kimberley.h"
#include "latency.h"
#include "litter.h"
#include "log.h"
#include "names.h"
#include "progress.h"
#include "sha256.h"
#include "kim_spawn.h"
#include "transfer.h"
#include "usb.h"
#include "viewer.h"

struct mobile {
	/* options */
	const char *floppy, *patch_file, *patch_url, *direct, *display, *vm;
	const char *domain; /* --domain: wide-area DNS-SD */
	const char *sha256; /* --sha256: the -i patch's bytes, pinned */
	int list_bases;	    /* --list-bases */
	const char *search; /* --search REPO_URL */
	const char *viewer;
	int pings;
	struct usb_opts usb;
	int quiet, verbose;
	const char *log_file;
	const char *code_file;	   /* --access-code-file */
	struct attach_list attach; /* --attach (attach.c) */
	const char *screen_file;   /* --screen-code-file */
	const char *auth_file;	   /* --auth-file: sasl-user, sasl-password */
	const char *sasl_mech;	   /* --sasl-mech */
	char *sasl_user;	   /* --sasl-user, config, --auth-file */
	char *sasl_password;	   /* config file or --auth-file only */
	/* state */
	char *floppy_real; /* the floppy's real path: a link's target is
				   updated in its own directory */
	CLIENT *c;
	char host[256]; /* where the display was reached */
	char port[16];	/* and its port (a disk's stream goes there) */
	char *display_name;
	int floppy_sent;
	FILE *say; /* user-facing lines; NULL when quiet */
};

/* Ctrl-C, SIGHUP (the terminal closed) and SIGTERM.  Before the
 * application runs nothing is at stake: exit at once.  Once it runs, what
 * the person did must reach the floppy: end the viewer and the session
 * properly (step_view), and let the end finish. */
static volatile sig_atomic_t stop_signal; /* the signal asking to stop */
static volatile sig_atomic_t app_running; /* set once the app runs */

static void
on_stop(int sig)
{
	static const char early[] = "mobile_launcher: interrupted; nothing "
				    "was changed\n";
	static const char ending[] = "mobile_launcher: interrupted; ending the "
				     "session and saving your floppy\n";

	if (!app_running) {
		(void)!write(STDERR_FILENO, early, sizeof(early) - 1);
		_exit(1);
	}
	if (!stop_signal)
		(void)!write(STDERR_FILENO, ending, sizeof(ending) - 1);
	stop_signal = sig;
}

static void
catch_stops(void)
{
	static const int sigs[] = { SIGINT, SIGHUP, SIGTERM };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* poll returns EINTR even so */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mobile_launcher [-d floppy_disk_image] <-f file | -i URL>\n"
	    "                       [-c host:port] [-n display] [options] <vm_name>\n"
	    "Run your application on a nearby Kimberley display and keep its data.\n"
	    "\n"
	    "  -d FILE          your floppy image (persistent state); updated at the end\n"
	    "  -f FILE          the application's patch (kimberlize output)\n"
	    "  -i URL           the patch's http:// or https:// URL (the display fetches it)\n"
	    "  --sha256 HEX     with -i: the display refuses a patch of another SHA-256\n"
	    "                   (sent as URL#sha256=HEX; kim_repo url --sha prints it)\n"
	    "  --list-bases     print the display's bases (identity, kind, VM name)\n"
	    "                   and stop; no vm_name\n"
	    "  --search URL     list the patches of a repository that fit the display\n"
	    "                   (runs kim_repo search --base ID... URL; no vm_name)\n"
	    "  -c HOST:PORT     direct link to a display (unencrypted; no discovery)\n"
	    "  -n NAME          the display's name (when several are in range)\n"
	    "  --list           list the displays in range, free or busy, and exit\n"
	    "  --domain DOMAIN  also look in this DNS domain (wide-area DNS-SD: displays\n"
	    "                   on other subnets, registered in the site's DNS)\n"
	    "  --viewer CMD     viewer command; placeholders {host} {port} {password_file}\n"
	    "                   {vncpasswd_file} {display}\n"
	    "                   (default: \"" VIEWER_DEFAULT "\")\n"
	    "  --pings N        latency probe length (default 10)\n"
	    "  --threshold MS   link considered slow above this mean (default: the\n"
	    "                   display's advice, else 100)\n"
	    "  --access-code-file FILE  the display's access code, if it asks for one\n"
	    "                   (asked for on the terminal otherwise)\n"
	    "  --auth-file FILE lines 'sasl-user = NAME' and 'sasl-password = SECRET'\n"
	    "                   for a display that asks for an account (SASL); mode 600.\n"
	    "                   Both may also be in the config file; the password is\n"
	    "                   never taken from the command line (else: asked for)\n"
	    "  --sasl-user NAME the SASL user name\n"
	    "  --sasl-mech MECH use this SASL mechanism (default: the best offered,\n"
	    "                   " MAUTH_PREFERRED ")\n"
	    "  --screen-code-file FILE  the code shown on the display's screen (typed\n"
	    "                   on the terminal, without echo, otherwise)\n"
	    "  --usb=MODE       USB cable on a slow link: ask, never, auto, always\n"
	    "                   (default ask; without a terminal, ask means never)\n"
	    "  --usb-if NAME    the USB-network interface (default usb0)\n"
	    "  --usb-wait S     seconds to wait for the cable (default 20)\n"
	    "  --attach IMAGE[:ro]  a disk image of yours, live in the session as DiskN\n"
	    "                   beside the floppy (repeatable, 4 at most; :ro read-only);\n"
	    "                   nothing is copied to the display (docs/attach.md)\n"
	    "  --usb-device VID:PID  a USB device of yours, redirected into the session\n"
	    "                   (usbredirect; only that device: the display filters it)\n"
	    "  --config FILE    settings, one 'option = value' per line, long option\n"
	    "                   names (default ~/.config/kimberley/mobile.conf)\n"
	    "  --log FILE       complete log of the session\n"
	    "  -q, --quiet      only errors\n"
	    "  -v, --verbose    copy the log to stderr\n"
	    "  -h, --help       this help\n"
	    "  --version        the version, and the protocol's\n");
}

/* Print one line that says what went wrong and what to do; exit. */
static void __attribute__((noreturn, format(printf, 3, 4)))
die(struct mobile *m, int code, const char *fmt, ...)
{
	char detail[1200] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	kim_log("fail", "code=%s detail=\"%s\"",
	    code ? kim_error_name(code) : "-", detail);
	fprintf(stderr, "mobile_launcher: %s%s%s%s\n",
	    code ? kim_strerror(code) : "", code && detail[0] ? ": " : "",
	    detail,
	    m->floppy_sent ? " (your floppy image was not changed)" : "");
	exit(1);
}

/* The display's free text, safe to print on one line: bounded, control
 * characters shown as '?'. */
static const char *
printable(char *s)
{
	if (strlen(s) > 400)
		s[400] = '\0';
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}

/* A refusal from the display: its sentence plus the display's detail. */
static void __attribute__((noreturn))
die_display(struct mobile *m, int code, const char *doing)
{
	char *detail = NULL;

	if (code == KIM_E_LINK || last_error_1(&detail, m->c) != RPC_SUCCESS)
		detail = NULL;
	if (detail && detail[0] && strcmp(detail, kim_strerror(code)) != 0)
		die(m, code, "%s (while %s)", printable(detail), doing);
	die(m, code, "while %s", doing);
}

static void __attribute__((format(printf, 2, 3)))
say(struct mobile *m, const char *fmt, ...)
{
	va_list ap;

	if (m->say == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(m->say, fmt, ap);
	va_end(ap);
	fputc('\n', m->say);
	fflush(m->say);
}

/* ---- before the network: everything we can check here ------------------ */

/* Everything the final replace of the floppy needs, checked before the
 * session: its real path (a link's target is updated beside the target),
 * a directory this user may create files in and rename in, and room there
 * for the new image. */
static void
check_replace(struct mobile *m)
{
	char dir[PATH_MAX], probe[PATH_MAX], why[600];
	int fd, rc;

	if ((m->floppy_real = realpath(m->floppy, NULL)) == NULL)
		die(m, 0, "cannot use the floppy image %s: %s", m->floppy,
		    strerror(errno));
	snprintf(dir, sizeof(dir), "%s", m->floppy_real);
	*strrchr(dir, '/') = '\0';
	if (dir[0] == '\0')
		snprintf(dir, sizeof(dir), "/");
	errno = 0;
	if (access(dir, W_OK | X_OK) != 0 ||
	    litter_floppy_tmp(m->floppy_real, probe, sizeof(probe)) != 0 ||
	    (fd = mkostemp(probe, O_CLOEXEC)) < 0)
		die(m, 0,
		    "cannot write in %s, the directory of the floppy image "
		    "%s: %s (its new image is written there, then renamed over "
		    "it; move the floppy to a directory you can write)",
		    dir, m->floppy_real,
		    errno ? strerror(errno) : "path too long");
	close(fd);
	unlink(probe);
	if ((rc = delta_room(m->floppy_real, why, sizeof(why))) != 0)
		die(m, rc, "%s", why);
}

static void
check_inputs(struct mobile *m)
{
	struct stat st;
	int rc;

	if (!m->patch_file == !m->patch_url)
		die(m, 0,
		    "give the application's patch with exactly one of -f FILE "
		    "or -i URL (see -h)");
	if ((rc = kim_check_vmname(m->vm)) != 0)
		die(m, rc, "'%.140s'", m->vm);
	if (m->sha256) {
		unsigned char pin[KIM_SHA256_BYTES];
		char hex[KIM_SHA256_HEX], *u;
		if (m->patch_url == NULL || strchr(m->patch_url, '#') != NULL)
			die(m, 0,
			    "--sha256 goes with -i URL, a URL without a '#' part");
		if (kim_sha256_unhex(m->sha256, pin) != 0)
			die(m, 0, "--sha256 needs 64 hex digits");
		kim_sha256_hex(pin, hex);
		if (asprintf(&u, "%s#sha256=%s", m->patch_url, hex) < 0)
			die(m, 0, "out of memory");
		free((char *)m->patch_url); /* set_option's copy */
		m->patch_url = u;
	}
	if (m->patch_url && (rc = kim_check_url(m->patch_url)) != 0)
		die(m, rc, "'%.200s'", m->patch_url);
	if (m->patch_file) {
		const char *b = kim_basename(m->patch_file);
		if (stat(m->patch_file, &st) != 0 || !S_ISREG(st.st_mode) ||
		    access(m->patch_file, R_OK) != 0)
			die(m, 0, "cannot read the patch %s: %s", m->patch_file,
			    errno ? strerror(errno) : "not a regular file");
		if ((rc = kim_check_name(b, strlen(b))) != 0)
			die(m, rc, "rename the patch file '%s'", b);
	}
	if (m->floppy) {
		const char *b = kim_basename(m->floppy);
		if (stat(m->floppy, &st) != 0 || !S_ISREG(st.st_mode))
			die(m, 0,
			    "cannot use the floppy image %s: %s (make one with "
			    "make_floppy)",
			    m->floppy,
			    errno ? strerror(errno) : "not a regular file");
		if (access(m->floppy, R_OK | W_OK) != 0)
			die(m, 0,
			    "the floppy image %s must be readable and writable: %s",
			    m->floppy, strerror(errno));
		if ((rc = kim_check_name(b, strlen(b))) != 0)
			die(m, rc, "rename the floppy image '%s'", b);
		if (m->patch_file &&
		    strcmp(b, kim_basename(m->patch_file)) == 0)
			die(m, 0,
			    "the floppy image and the patch have the same file "
			    "name '%s'; rename one",
			    b);
		check_replace(m);
	}
}

/* One mobile_launcher per floppy at a time. */
static void
lock_floppy(struct mobile *m)
{
	int fd;

	if (!m->floppy)
		return;
	fd = open(m->floppy, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0)
		die(m, 0,
		    "the floppy image %s is in use by another session; wait "
		    "for it to end",
		    m->floppy);
	/* kept open (and locked) until exit */
}

/* ---- steps 3-5 ----------------------------------------------------------- */

static void
step_connect(struct mobile *m)
{
	char *port = m->port, why[512];
	double t0 = kim_now();

	if (m->direct) {
		if (split_hostport(m->direct, m->host, sizeof(m->host), port,
			sizeof(m->port)) != 0)
			die(m, 0,
			    "-c wants HOST:PORT (e.g. 127.0.0.1:7070), not '%s'",
			    m->direct);
	} else {
		unsigned p;
		char *err = NULL;
		discover_set_domain(m->domain);
		if (discover_display(
			m->display, -1, 10.0, &p, &m->display_name, &err) != 0)
			die(m, 0, "%s", err ? err : "no display found");
		snprintf(m->host, sizeof(m->host), "127.0.0.1");
		snprintf(port, sizeof(m->port), "%u", p);
	}
	if ((m->c = connect_display(m->host, port, 10, why, sizeof(why))) ==
	    NULL)
		die(m, 0, "%s; is display_launcher running there?", why);
	kim_log("connect", "host=%s port=%s after %.3f s", m->host, port,
	    kim_now() - t0);
}

static void step_auth(struct mobile *m, const char *mechs);

static void
step_hello(struct mobile *m)
{
	hello_arg a = { KIM_PROTO_VERSION, "mobile_launcher" };
	hello_res r;

	memset(&r, 0, sizeof(r));
	if (hello_1(a, &r, m->c) != RPC_SUCCESS)
		die(m, KIM_E_LINK, "the display did not answer");
	free(m->display_name);
	m->display_name = strdup(r.display_name ? r.display_name : "?");
	if (m->display_name)
		printable(
		    m->display_name); /* a stranger's text on our terminal */
	if (r.status != 0)
		die(m, r.status, "'%s'", m->display_name);
	say(m, "Connected to '%s'.", m->display_name);
	if (m->usb.threshold_ms <= 0) /* not set here: the display's advice */
		m->usb.threshold_ms =
		    r.usb_threshold_ms > 0 ? r.usb_threshold_ms : 100;
	step_auth(m, r.auth_mechs ? r.auth_mechs : "");
	xdr_free((xdrproc_t)xdr_hello_res, (char *)&r);
}

/* Step 4: the factors the display asks for (mobile_launcher/auth.c). */
static void
step_auth(struct mobile *m, const char *mechs)
{
	struct auth_opts o = {
		.display_name = m->display_name,
		.host = m->direct ? m->host : m->display_name,
		/* KCM's tunnel is encrypted; a direct link only to this machine
		 * cannot be read on the way */
		.plain_ok = m->direct == NULL ||
		    strncmp(m->host, "127.", 4) == 0 ||
		    strcmp(m->host, "localhost") == 0 ||
		    strcmp(m->host, "::1") == 0,
		.code_file = m->code_file,
		.screen_file = m->screen_file,
		.mech = m->sasl_mech,
		.user = m->sasl_user,
		.password = m->sasl_password,
	};
	char used[128], why[1200];
	int from_display, rc;

	if (m->auth_file &&
	    auth_read_file(m->auth_file, &m->sasl_user, &m->sasl_password, why,
		sizeof(why)) != 0)
		die(m, 0, "--auth-file: %s", why);
	o.user = m->sasl_user;
	o.password = m->sasl_password;
	rc = auth_run(m->c, mechs, &o, used, sizeof(used), why, sizeof(why),
	    &from_display);
	if (m->sasl_password)
		explicit_bzero(m->sasl_password, strlen(m->sasl_password));
	if (rc != 0 && from_display)
		die_display(m, rc, "authenticating");
	if (rc != 0)
		die(m, rc, "%s", why);
	kim_log("auth", "ok mechanism=%s", used);
}

static void
step_latency(struct mobile *m)
{
	struct latency l;

	if (m->pings <= 0)
		return;
	if (latency_probe(m->c, m->pings, &l) != 0)
		die(m, KIM_E_LINK, "during the latency probe");
	say(m, "Link to '%s': %d pings, min %.1f / mean %.1f / max %.1f ms%s.",
	    m->display_name, l.count, l.min_ms, l.mean_ms, l.max_ms,
	    l.mean_ms > m->usb.threshold_ms ? " (slow)" : "");
	/* when the cable is taken, the display names its USB address in
	 * session_info, and step_view goes there */
	usb_offer(m->c, &l, &m->usb, m->display_name, m->say);
}

/* ---- steps 6-8 ----------------------------------------------------------- */

static void
send_one(struct mobile *m, const char *path)
{
	struct progress p;
	int rc;

	struct stat st;

	progress_begin(&p, m->say, kim_basename(path));
	rc = kim_client_send(
	    m->c, path, kim_basename(path), progress_update, &p);
	progress_end(
	    &p, stat(path, &st) == 0 ? (uint64_t)st.st_size : 0, rc == 0);
	if (rc != 0)
		die_display(m, rc, "sending the file");
	kim_log("transfer", "sent %s", path);
}

static void
step_send(struct mobile *m)
{
	int r = 0;

	if (m->floppy) {
		send_one(m, m->floppy);
		if (use_persistent_state_1((char *)kim_basename(m->floppy), &r,
			m->c) != RPC_SUCCESS)
			die(m, KIM_E_LINK, "while naming the floppy");
		if (r != 0)
			die_display(m, r, "naming the floppy");
		m->floppy_sent = 1;
	}
	if (m->patch_file)
		send_one(m, m->patch_file);
}

static void
step_start(struct mobile *m)
{
	double t0 = kim_now();
	int r = 0;
	enum clnt_stat st;

	say(m, "Starting '%s' on '%s'...", m->vm, m->display_name);
	connect_timeout(m->c, 900); /* the display bounds this itself */
	if (m->patch_file)
		st = use_kimberlize_file_1((char *)m->vm,
		    (char *)kim_basename(m->patch_file), &r, m->c);
	else
		st = use_kimberlize_url_1(
		    (char *)m->vm, (char *)m->patch_url, &r, m->c);
	connect_timeout(m->c, 30);
	if (st != RPC_SUCCESS)
		die(m, KIM_E_LINK, "while the application was starting");
	if (r != 0)
		die_display(m, r, "starting the application");
	app_running = 1;
	say(m, "The application is running (%.1f s).", kim_now() - t0);
	kim_log("kimberlize", "running after %.3f s", kim_now() - t0);
}

/* ---- steps 9-11 ---------------------------------------------------------- */

#define VIEWER_PING_S 20 /* keep-alive ping while the viewer runs */

static void
step_view(struct mobile *m)
{
	session_res s;
	struct viewer_target t;
	char why[512], host[256];
	int rc;

	memset(&s, 0, sizeof(s));
	if (session_info_1(&s, m->c) != RPC_SUCCESS)
		die(m, KIM_E_LINK, "while asking for the screen");
	if (s.status != 0)
		die_display(m, s.status, "asking for the screen");
	if (s.vnc_host && s.vnc_host[0]) {
		snprintf(host, sizeof(host), "%s", s.vnc_host);
	} else if (m->direct) {
		snprintf(host, sizeof(host), "%s", m->host);
	} else {
		char *err = NULL;
		unsigned p;
		if (discover_vnc(m->display_name, -1, 10.0, &p, &err) != 0)
			die(m, 0, "cannot reach the display's screen: %s",
			    err ? err : "?");
		snprintf(host, sizeof(host), "127.0.0.1");
		s.vnc_port = p;
	}
	t.host = host;
	t.port = s.vnc_port;
	t.password = s.vnc_password ? s.vnc_password : "";
	t.display_name = m->display_name;
	say(m,
	    "Your application is on '%s'; close the viewer when you are done.",
	    m->display_name);
	rc = viewer_run(
	    m->viewer, &t, m->c, VIEWER_PING_S, &stop_signal, why, sizeof(why));
	if (rc == VIEWER_LINK_LOST)
		die(m, KIM_E_LINK,
		    "while your application was running; the "
		    "session's changes are lost (check the network, then start "
		    "again)");
	if (rc < 0)
		kim_fail("viewer", "%s; ending the session", why);
	else if (rc != 0)
		kim_log("viewer", "viewer exited with status %d", rc);
	xdr_free((xdrproc_t)xdr_session_res, (char *)&s);
}

/* Almost no room left in dir (a failed write there was a full disk). */
static int
full_here(const char *dir)
{
	struct statvfs v;

	return statvfs(dir, &v) == 0 &&
	    (uint64_t)v.f_bavail * v.f_frsize < KIM_CHUNK;
}

static void
step_end(struct mobile *m)
{
	end_res e;
	char dir[PATH_MAX], path[PATH_MAX + 32], why[600];
	unsigned char sha[KIM_SHA256_BYTES];
	struct progress p;
	double t0 = kim_now();
	int rc;

	say(m, "Ending the session...");
	memset(&e, 0, sizeof(e));
	connect_timeout(m->c, 900);
	if (end_usage_1(m->floppy != NULL, &e, m->c) != RPC_SUCCESS)
		die(m, KIM_E_LINK, "while ending the session");
	connect_timeout(m->c, 30);
	if (e.status != 0 && e.reason && e.reason[0] &&
	    strcmp(e.reason, kim_strerror(e.status)) != 0)
		die(m, e.status, "%s (while ending the session)",
		    printable(e.reason));
	if (e.status != 0)
		die_display(m, e.status, "ending the session");
	kim_log(
	    "end_usage", "delta=%s after %.3f s", e.delta_name, kim_now() - t0);
	if (!m->floppy || !e.delta_name || !e.delta_name[0]) {
		say(m, "Done; the display is back to its base state.");
		xdr_free((xdrproc_t)xdr_end_res, (char *)&e);
		return;
	}
	if (e.floppy_sha256.floppy_sha256_len != KIM_SHA256_BYTES)
		die(m, KIM_E_CHECKSUM,
		    "the display sent no checksum for the floppy");
	snprintf(dir, sizeof(dir), "%s/" DELTA_DIR_PREFIX "%ld-XXXXXX",
	    litter_tmpdir(), (long)getpid());
	if (mkdtemp(dir) == NULL)
		die(m,
		    errno == ENOSPC || errno == EDQUOT ? KIM_E_LOCAL_FULL
						       : KIM_E_LOCAL_IO,
		    "cannot make a temporary directory in %s: %s",
		    litter_tmpdir(), strerror(errno));
	progress_begin(&p, m->say, e.delta_name);
	rc = kim_client_retrieve(
	    m->c, e.delta_name, dir, "floppy.vcdiff", sha, progress_update, &p);
	if (rc != 0) {
		rmdir(dir);
		if (rc == KIM_E_LOCAL_IO && full_here(litter_tmpdir()))
			die(m, KIM_E_LOCAL_FULL,
			    "the disk holding %s (TMPDIR) is "
			    "full: the floppy's changes could not be fetched",
			    litter_tmpdir());
		die_display(m, rc, "fetching the floppy's changes");
	}
	snprintf(path, sizeof(path), "%s/floppy.vcdiff", dir);
	rc = delta_apply(m->floppy_real, path,
	    (unsigned char *)e.floppy_sha256.floppy_sha256_val, why,
	    sizeof(why));
	unlink(path);
	rmdir(dir);
	if (rc != 0)
		die(m, rc, "%s", why);
	say(m,
	    "Your floppy %s now holds the session's changes; the display is "
	    "back to its base state.",
	    m->floppy);
	xdr_free((xdrproc_t)xdr_end_res, (char *)&e);
}

/* LIST_BASES: print the display's bases, or search a repository for the
 * patches that fit them with kim_repo (docs/repository.md).  The exit
 * status. */
static int
step_bases(struct mobile *m)
{
	char *argv[2 * KIM_BASES_MAX + 4];
	bases_res r;
	int n = 0, rc = 0;
	u_int i;

	memset(&r, 0, sizeof(r));
	if (list_bases_1(&r, m->c) != RPC_SUCCESS)
		die(m, 0,
		    "the display does not list its bases (an older display?)");
	if (r.status != 0)
		die_display(m, r.status, "listing the display's bases");
	argv[n++] = "kim_repo";
	argv[n++] = "search";
	for (i = 0; i < r.bases.bases_len && i < KIM_BASES_MAX; i++) {
		base_entry *b = &r.bases.bases_val[i];
		if (strlen(b->identity) != 64 ||
		    strspn(b->identity, "0123456789abcdef") != 64)
			continue; /* the display's text: only hex goes further */
		if (m->search) {
			argv[n++] = "--base";
			argv[n++] = b->identity;
		} else
			printf("%s\t%s\t%s\n", b->identity, printable(b->kind),
			    printable(b->name));
	}
	if (m->search) {
		if (n == 2)
			die(m, 0, "'%s' has no base to run patches on",
			    m->display_name);
		argv[n++] = (char *)m->search;
		argv[n] = NULL;
		/* kim_repo asks for its password on the terminal: same group */
		struct kim_spawn_opts so = { { KIM_SPAWN_DEVNULL,
						 KIM_SPAWN_INHERIT,
						 KIM_SPAWN_INHERIT },
			NULL, KIM_SPAWN_PATH, 0 };
		rc = kim_spawn_run(argv, &so);
		if (rc < 0)
			die(m, 0, "cannot run kim_repo: %s", strerror(errno));
	}
	xdr_free((xdrproc_t)xdr_bases_res, (char *)&r);
	clnt_destroy(m->c);
	return rc;
}

#define OPT_VERSION 1000    /* --version: a long option without a letter */
#define OPT_ATTACH 1001	    /* --attach */
#define OPT_USB_DEVICE 1002 /* --usb-device */
static const struct option opts[] = {
	{ "viewer", required_argument, NULL, 'V' },
	{ "pings", required_argument, NULL, 'p' },
	{ "domain", required_argument, NULL, 'D' },
	{ "list", no_argument, NULL, 'l' },
	{ "threshold", required_argument, NULL, 't' },
	{ "usb", required_argument, NULL, 'u' },
	{ "usb-if", required_argument, NULL, 'U' },
	{ "usb-wait", required_argument, NULL, 'w' },
	{ "log", required_argument, NULL, 'L' },
	{ "config", required_argument, NULL, 'C' },
	{ "access-code-file", required_argument, NULL, 'a' },
	{ "screen-code-file", required_argument, NULL, 'S' },
	{ "auth-file", required_argument, NULL, 'K' },
	{ "sasl-user", required_argument, NULL, 'Y' },
	{ "sasl-mech", required_argument, NULL, 'M' },
	{ "sha256", required_argument, NULL, 'H' },
	{ "list-bases", no_argument, NULL, 'B' },
	{ "search", required_argument, NULL, 'Q' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "attach", required_argument, NULL, OPT_ATTACH },
	{ "usb-device", required_argument, NULL, OPT_USB_DEVICE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One setting from the command line or the config file; 0, or -1 with the
 * reason in why. */
static int
set_option(struct mobile *m, int code, const char *v, char *why, size_t whylen)
{
	char *end, *copy = strdup(v);
	long n;

	switch (code) {
	case 'd': m->floppy = copy; return 0;
	case 'f': m->patch_file = copy; return 0;
	case 'i': m->patch_url = copy; return 0;
	case 'c': m->direct = copy; return 0;
	case 'n': m->display = copy; return 0;
	case 'D': m->domain = copy; return 0;
	case 'V': m->viewer = copy; return 0;
	case 'U': m->usb.ifname = copy; return 0;
	case 'L': m->log_file = copy; return 0;
	case 'a': m->code_file = copy; return 0;
	case 'S': m->screen_file = copy; return 0;
	case 'K': m->auth_file = copy; return 0;
	case 'Y':
		free(m->sasl_user);
		m->sasl_user = copy;
		return 0;
	case 'M': m->sasl_mech = copy; return 0;
	case 'H': m->sha256 = copy; return 0;
	case 'Q': m->search = copy; return 0;
	case 'C': free(copy); return 0; /* read first */
	case OPT_ATTACH:
		free(copy);
		return attach_add(&m->attach, v, why, whylen);
	case OPT_USB_DEVICE:
		free(copy);
		return attach_add_usb(&m->attach, v, why, whylen);
	case 'p':
		n = strtol(v, &end, 10);
		if (*end || end == v || n < 0 || n > 10000)
			break;
		m->pings = (int)n;
		free(copy);
		return 0;
	case 'w':
		n = strtol(v, &end, 10);
		if (*end || end == v || n < 0 || n > 3600)
			break;
		m->usb.wait_s = (int)n;
		free(copy);
		return 0;
	case 't':
		m->usb.threshold_ms = strtod(v, &end);
		if (*end || end == v || m->usb.threshold_ms <= 0)
			break;
		free(copy);
		return 0;
	case 'u':
		if (usb_parse_mode(v, &m->usb.mode) == 0) {
			free(copy);
			return 0;
		}
		break;
	}
	free(copy);
	for (const struct option *o = opts; o->name; o++)
		if (o->val == code)
			snprintf(
			    why, whylen, "bad value '%s' for --%s", v, o->name);
	return -1;
}

static int
config_setting(void *arg, const char *key, const char *value)
{
	char why[256];
	int code = kim_config_option(opts, key);
	struct mobile *m = arg;

	if (strcmp(key, "sasl-password") == 0) { /* a file's, never argv's */
		free(m->sasl_password);
		return (m->sasl_password = strdup(value)) ? 0 : -1;
	}

	return code < 0 || code == 'C'
	    ? -1
	    : set_option(arg, code, value, why, sizeof(why));
}

static void
load_config(struct mobile *m, int argc, char **argv)
{
	char path[PATH_MAX], why[600];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int c, required = 0;

	if (xdg && *xdg)
		snprintf(path, sizeof(path), "%s/kimberley/mobile.conf", xdg);
	else
		snprintf(path, sizeof(path), "%s/.config/kimberley/mobile.conf",
		    home ? home : "/");
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:f:i:c:n:qvh", opts, NULL)) != -1)
		if (c == 'C') {
			snprintf(path, sizeof(path), "%s", optarg);
			required = 1;
		}
	opterr = 1;
	optind = 1;
	if (kim_config_load(
		path, required, config_setting, m, why, sizeof(why)) < 0)
		die(m, 0, "%s", why);
}

static struct attach_list *attached; /* for the exit's clean-up */

static void
stop_attached(void)
{
	if (attached)
		attach_stop(attached);
}

/* The application runs: the --attach disks join it (attach.c). */
static void
step_attach(struct mobile *m)
{
	char why[512];

	if (m->attach.n == 0)
		return;
	if (attach_start(&m->attach, m->c, m->host, m->port, m->say, why,
		sizeof(why)) != 0)
		die(m, KIM_E_LINK, "%s", why);
}

int
main(int argc, char **argv)
{
	/* static: what it points to stays reachable until exit (LeakSanitizer) */
	static struct mobile m;
	char why[256];
	int c, list = 0;

	memset(&m, 0, sizeof(m));
	m.viewer = VIEWER_DEFAULT;
	m.pings = 10;
	/* threshold 0: the display's advice, else 100 ms */
	m.usb = (struct usb_opts){ USB_ASK, "usb0", 20, 0.0 };
	load_config(&m, argc, argv);
	while (
	    (c = getopt_long(argc, argv, "d:f:i:c:n:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'q': m.quiet = 1; break;
		case 'v': m.verbose = 1; break;
		case OPT_VERSION:
			printf("mobile_launcher (Kimberley) %s, protocol %d\n",
			    KIM_VERSION, KIM_PROTO_VERSION);
			return 0;
		case 'B': m.list_bases = 1; break;
		case 'h': usage(stdout); return 0;
		case 'l': list = 1; break;
		case '?': usage(stderr); return 2;
		default:
			if (set_option(&m, c, optarg, why, sizeof(why)) != 0)
				die(&m, 0, "%s (see -h)", why);
		}
	}
	if (list && argc != optind) {
		fprintf(stderr,
		    "mobile_launcher: --list takes no vm_name; it lists "
		    "the displays and exits\n");
		return 2;
	}
	if (list) { /* --list: the listing, nothing else */
		char *text = NULL, *err = NULL;
		int n;
		discover_set_domain(m.domain);
		if (discover_list(5.0, &text, &n, &err) != 0)
			die(&m, 0, "cannot list the displays: %s",
			    err ? err : "?");
		if (n == 0)
			printf("No Kimberley display is in range%s%s.\n",
			    m.domain ? " here or in " : "",
			    m.domain ? m.domain : "");
		else
			printf("%d Kimberley display%s in range: %s\n", n,
			    n == 1 ? " is" : "s are", text);
		free(text);
		return 0;
	}
	if (argc - optind != (m.list_bases || m.search ? 0 : 1)) {
		usage(stderr);
		return 2;
	}
	m.vm = optind < argc ? argv[optind] : "-";
	m.say = m.quiet ? NULL : stdout;
	if (kim_log_open("mobile_launcher",
		m.log_file ? m.log_file : "/dev/null", m.verbose) != 0)
		die(&m, 0, "cannot open the log %s: %s", m.log_file,
		    strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	catch_stops();
	kim_log("start", "vm=%s patch=%s floppy=%s display=%s", m.vm,
	    m.patch_file ? m.patch_file : m.patch_url,
	    m.floppy ? m.floppy : "-",
	    m.direct	    ? m.direct
		: m.display ? m.display
			    : "(the one in range)");

	if (m.list_bases || m.search) { /* which patches fit, no session */
		if (m.say)
			m.say = stderr; /* stdout is the list */
		step_connect(&m);
		step_hello(&m);
		return step_bases(&m);
	}
	litter_clean_tmp();
	check_inputs(&m);
	lock_floppy(&m);
	if (m.floppy_real && litter_floppy(m.floppy_real, m.say))
		lock_floppy(&m); /* the recovered image is a new file */
	step_connect(&m);
	step_hello(&m);
	step_latency(&m);
	step_send(&m);
	step_start(&m);
	attached = &m.attach;
	atexit(stop_attached);
	step_attach(&m);
	step_view(&m);
	step_end(&m);
	attach_stop(&m.attach);
	clnt_destroy(m.c);
	kim_log("done", "session complete");
	return 0;
}
