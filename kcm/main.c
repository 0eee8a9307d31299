/* main.c -- kcm: the Kimberley Control Manager daemon (docs/design.md section 4).
 *
 *   kcm [--state-dir DIR] [--known-displays FILE] [--log FILE]
 *       [--handshake-timeout SECONDS] [--max-pending N] [--user USER]
 *   kcm [--known-displays FILE] --forget NAME
 *
 * Normally started by D-Bus activation on the session bus.  Its log lines
 * (rpc/log.c) go to --log FILE ($KCM_LOG), else to stderr (which D-Bus
 * activation hands to the bus's own log); only a bad option, before the log
 * is open, is told on stderr alone.  The display
 * identity (key + certificate) lives in the state directory: --state-dir,
 * else $KCM_STATE_DIR, else /var/lib/kimberley/kcm for root, else
 * $XDG_STATE_HOME/kimberley (~/.local/state/kimberley).  The pins of the
 * displays met live in --known-displays, else $KCM_KNOWN_DISPLAYS, else
 * $XDG_CONFIG_HOME/kimberley/known_displays (~/.config/...).
 * Every TLS connection must finish its handshake within --handshake-timeout
 * ($KCM_HANDSHAKE_TIMEOUT, 10 s); a display holds at most --max-pending
 * ($KCM_MAX_PENDING, 32) connections that have not (relay.c).
 * --dns-domain DOMAIN --dns-key FILE [--dns-server ADDR[:PORT]] [--dns-host
 * LABEL] (or $KCM_DNS_DOMAIN, $KCM_DNS_KEY, ...) also publish in the site's
 * DNS by dynamic update (widearea.c, docs/widearea.md; the key file must be
 * readable by the user KCM runs as).
 * Started as root with --user USER (or $KCM_USER), it becomes USER once its
 * bus connection, identity and Avahi client are set up: no capability, no
 * new privileges (rpc/privdrop.c, docs/design.md section 7.1); started as
 * any other user it stays that user. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "kcm/kcm.h"
#include "rpc/privdrop.h"

static char *
path_join(const char *env, const char *home_rel, const char *leaf)
{
	const char *v = getenv(env), *home = getenv("HOME");
	char *out;
	int r;
	if (v && *v)
		r = asprintf(&out, "%s/%s", v, leaf);
	else
		r = asprintf(&out, "%s/%s/%s", home && *home ? home : "/",
		    home_rel, leaf);
	return r < 0 ? NULL : out;
}

static char *
default_state_dir(void)
{
	const char *v = getenv("KCM_STATE_DIR");
	if (v && *v)
		return strdup(v);
	if (geteuid() == 0 && !getenv("XDG_STATE_HOME"))
		return strdup("/var/lib/kimberley/kcm");
	return path_join("XDG_STATE_HOME", ".local/state", "kimberley");
}

static char *
default_known_file(void)
{
	const char *v = getenv("KCM_KNOWN_DISPLAYS");
	if (v && *v)
		return strdup(v);
	return path_join(
	    "XDG_CONFIG_HOME", ".config", "kimberley/known_displays");
}

/* Remove every pin of `name` from the known-displays file. */
static int
forget(const char *file, const char *name)
{
	FILE *in = fopen(file, "r"), *out;
	char *tmp, *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned dropped = 0;
	if (!in) {
		fprintf(stderr, "kcm: %s: %m\n", file);
		return 1;
	}
	if (asprintf(&tmp, "%s.new", file) < 0 || !(out = fopen(tmp, "w"))) {
		fprintf(stderr, "kcm: cannot write next to %s: %m\n", file);
		return 1;
	}
	while ((n = getline(&line, &cap, in)) > 0) {
		char *sp = strchr(line, ' ');
		size_t nl = strlen(name);
		if (line[0] != '#' && sp && strncmp(sp + 1, name, nl) == 0 &&
		    (sp[1 + nl] == '\n' || sp[1 + nl] == '\0')) {
			dropped++;
			continue;
		}
		fputs(line, out);
	}
	fclose(in);
	free(line);
	if (fclose(out) != 0 || rename(tmp, file) < 0) {
		fprintf(stderr, "kcm: cannot replace %s: %m\n", file);
		return 1;
	}
	printf("kcm: forgot %u pin%s of display '%s' in %s\n", dropped,
	    dropped == 1 ? "" : "s", name, file);
	return dropped ? 0 : 1;
}

static void
signal_cb(AvahiWatch *w, int fd, AvahiWatchEvent ev, void *data)
{
	struct kcm *k = data;
	struct signalfd_siginfo si;
	(void)w;
	(void)ev;
	if (read(fd, &si, sizeof si) == sizeof si) {
		kcm_log("signal %u: exiting", si.ssi_signo);
		k->quit = true;
		avahi_simple_poll_quit(k->sp);
	}
}

/* --help: what kcm is, on stdout, exit 0; a bad option: the usage on
 * stderr, exit 2 */
static void
usage(int help)
{
	FILE *f = help ? stdout : stderr;

	if (help)
		fprintf(f,
		    "kcm -- the Kimberley Control Manager: the D-Bus service "
		    "(org.kimberley.KCM) that\n"
		    "publishes displays and finds them with Avahi DNS-SD (and, "
		    "configured, the site's\n"
		    "DNS), and carries each session over a TLS 1.3 tunnel with the "
		    "display's identity\n"
		    "pinned.  D-Bus starts it on first use; see kcm(8) and "
		    "docs/kcm.md.\n\n");
	fprintf(f,
	    "usage: kcm [--state-dir DIR] [--known-displays FILE] [--log FILE]\n"
	    "           [--handshake-timeout SECONDS] [--max-pending N] [--user USER]\n"
	    "           [--dns-domain DOMAIN --dns-key FILE [--dns-server ADDR[:PORT]]\n"
	    "            [--dns-host LABEL]]\n"
	    "       kcm [--known-displays FILE] --forget NAME\n"
	    "       kcm --help | --version\n");
	exit(help ? 0 : 2);
}

/* A number in [lo, hi] from an option (or its environment variable). */
static double
number(const char *what, const char *v, double lo, double hi, bool whole)
{
	char *end;
	double d;
	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !(d >= lo && d <= hi) ||
	    (whole && d != (long)d)) {
		fprintf(stderr,
		    "kcm: %s must be a %s from %g to %g, not '%s'\n", what,
		    whole ? "whole number" : "number", lo, hi, v);
		exit(2);
	}
	return d;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = { { "state-dir", required_argument,
						  NULL, 's' },
		{ "known-displays", required_argument, NULL, 'k' },
		{ "forget", required_argument, NULL, 'f' },
		{ "handshake-timeout", required_argument, NULL, 't' },
		{ "max-pending", required_argument, NULL, 'p' },
		{ "dns-domain", required_argument, NULL, 'D' },
		{ "dns-server", required_argument, NULL, 'S' },
		{ "dns-key", required_argument, NULL, 'K' },
		{ "dns-host", required_argument, NULL, 'N' },
		{ "user", required_argument, NULL, 'u' },
		{ "log", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 } };
	struct kcm k = { 0 };
	const char *forget_name = NULL, *user = getenv("KCM_USER");
	const char *log_file = getenv("KCM_LOG");
	const char *hs = getenv("KCM_HANDSHAKE_TIMEOUT"),
		   *mp = getenv("KCM_MAX_PENDING");
	const char *dns_domain = getenv("KCM_DNS_DOMAIN"),
		   *dns_server = getenv("KCM_DNS_SERVER");
	const char *dns_key = getenv("KCM_DNS_KEY"),
		   *dns_host = getenv("KCM_DNS_HOST");
	sigset_t ss;
	int c, sfd;

	while ((c = getopt_long(argc, argv, "s:k:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': k.state_dir = strdup(optarg); break;
		case 'k': k.known_file = strdup(optarg); break;
		case 'f': forget_name = optarg; break;
		case 't': hs = optarg; break;
		case 'p': mp = optarg; break;
		case 'D': dns_domain = optarg; break;
		case 'S': dns_server = optarg; break;
		case 'K': dns_key = optarg; break;
		case 'N': dns_host = optarg; break;
		case 'u': user = optarg; break;
		case 'L': log_file = optarg; break;
		case 'h': usage(1); break;
		case 'V': printf("kcm (Kimberley) %s\n", KIM_VERSION); return 0;
		default: usage(0);
		}
	}
	if (optind != argc)
		usage(0);
	k.hs_timeout_ms = hs && *hs
	    ? (unsigned)(1000 *
		  number("the handshake timeout (s)", hs, 0.1,
		      KCM_HANDSHAKE_TIMEOUT_MAX_S, false))
	    : KCM_HANDSHAKE_TIMEOUT_MS;
	k.max_pending = mp && *mp
	    ? (unsigned)number("the number of pending connections", mp, 1,
		  KCM_MAX_PENDING_MAX, true)
	    : KCM_MAX_PENDING;
	if (!k.known_file)
		k.known_file = default_known_file();
	if (forget_name)
		return forget(k.known_file, forget_name);
	if (wide_config(&k, dns_domain, dns_server, dns_key, dns_host) < 0)
		return 2;
	if (!k.state_dir)
		k.state_dir = default_state_dir();
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (kim_log_open("kcm", log_file && *log_file ? log_file : "-", 0) !=
	    0) {
		fprintf(
		    stderr, "kcm: --log %s: %s\n", log_file, strerror(errno));
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);

	if (!(k.sp = avahi_simple_poll_new()))
		kim_die(1, "kcm", "cannot make the event loop (out of memory)");
	k.api = avahi_simple_poll_get(k.sp);
	if ((sfd = signalfd(-1, &ss, SFD_CLOEXEC)) < 0 ||
	    !k.api->watch_new(k.api, sfd, AVAHI_WATCH_IN, signal_cb, &k))
		kim_die(
		    1, "kcm", "cannot watch for signals: %s", strerror(errno));
	/* The bus name first: a second KCM on the same bus stops here. */
	if (bus_start(&k) < 0)
		return 1;
	if (tls_init(&k) < 0 || loop_epoll_attach(&k) < 0)
		return 1;
	if (avahi_start(&k) < 0)
		kcm_log("continuing without Avahi for now");
	if (user && *user && geteuid() == 0) {
		/* everything that needs root or the session bus's own user is
		 * set up: the rest (TLS, tunnels, Avahi) runs as user */
		struct passwd *pw = getpwnam(user);
		char why[256];
		if (pw == NULL || pw->pw_uid == 0) {
			kcm_log("--user %s: %s", user,
			    pw ? "is root"
			       : "no such user (create it: make install-user)");
			return 1;
		}
		if (priv_drop(pw->pw_uid, pw->pw_gid, why, sizeof(why)) != 0) {
			kcm_log("%s", why);
			return 1;
		}
		kcm_log("running as %s (uid %u), no capabilities", user,
		    (unsigned)pw->pw_uid);
	} else if (user && *user && geteuid() != 0) {
		kcm_log("not root: --user %s ignored", user);
	}
	kcm_log(
	    "ready on the session bus as %s; identity %s; state %s; known displays %s",
	    KCM_BUS_NAME, k.fingerprint, k.state_dir, k.known_file);
	while (!k.quit && avahi_simple_poll_iterate(k.sp, -1) == 0)
		;
	/* Withdraw our records so the network forgets us at once. */
	pub_reset_all(&k);
	wide_shutdown(&k); /* and from the site's DNS */
	if (k.avahi)
		avahi_client_free(k.avahi);
	return 0;
}
