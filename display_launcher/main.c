/* main.c -- display_launcher: options, start-up, the split into a privileged
 * parent and an unprivileged child (docs/design.md section 7.1), and the wait
 * for a signal.
 * docs/design.md steps 1, 2 and 12 happen here; the rest in the step files. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "access.h"
#include "cleanup.h"
#include "config.h"
#include "errors.h"
#include "log.h"
#include "patchcache.h"
#include "priv.h"
#include "publish.h"
#include "sasl.h"
#include "server.h"
#include "session.h"
#include "spool.h"
#include "urlpolicy.h"

#define KIM_DEFAULT_SPOOL "/var/lib/kimberley/spool"
#define OPT_VERSION 1000 /* a long option without a letter */
#define KIM_DEFAULT_USER "kimberley"
#define KIM_DEFAULT_WORK "/var/lib/kimberley/sessions"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: display_launcher [options] [\"display name\"]\n"
	    "Serve Kimberley sessions on this display, one person at a time.\n"
	    "\n"
	    "  -l, --listen ADDR:PORT    direct link: listen there instead of publishing\n"
	    "                            through KCM (UNENCRYPTED; port 0 = any free port)\n"
	    "      --port-file FILE      write the RPC port to FILE once listening\n"
	    "      --spool DIR           where received files go (default\n"
	    "                            " KIM_DEFAULT_SPOOL
	    "; made by the launcher,\n"
	    "                            refused if a symlink or someone else's)\n"
	    "      --user USER           the unprivileged user that speaks RPC (default\n"
	    "                            " KIM_DEFAULT_USER ")\n"
	    "      --work-dir DIR        root-only session directories (default\n"
	    "                            " KIM_DEFAULT_WORK ")\n"
	    "      --vm-dir DIR          base VMs live in DIR/<vm_name>/\n"
	    "                            (default /var/lib/kimberley/vms)\n"
	    "      --setup-script PATH   the display's setup script (default: display_setup)\n"
	    "      --x-display DISPLAY   the display's X screen (default :0)\n"
	    "      --accel ACCEL         QEMU accelerator: kvm or tcg (default tcg)\n"
	    "      --key-file FILE       key for encrypted patches\n"
	    "      --usb-if NAME         the USB-network interface (default usb0)\n"
	    "      --max-file-size MiB   largest file accepted (default 8192)\n"
	    "      --max-files N         files one session may send (default 16)\n"
	    "      --max-session-size MiB  bytes one session may send in all\n"
	    "                            (default: twice --max-file-size)\n"
	    "      --resume-timeout S    seconds for the app to come up (default 180)\n"
	    "      --stream-patches WHEN  yes: decode a VM patch while it arrives (the\n"
	    "                            app is up sooner); no: once it has (default yes)\n"
	    "      --end-timeout S       seconds for the end of a session (default 120)\n"
	    "      --idle-timeout S      drop a client that sends no complete call for\n"
	    "                            this long (default 90)\n"
	    "      --auth-timeout S      with authentication: drop a client that has not\n"
	    "                            authenticated this long after connecting\n"
	    "                            (default 10; 60 with --auth, for typing)\n"
	    "      --max-connections N   connections at once; over it the oldest one\n"
	    "                            that does not own the session is dropped\n"
	    "                            (default 32)\n"
	    "      --url-timeout S       seconds for a patch download (default 120)\n"
	    "      --url-allow CIDR      patch URLs may also lead there (repeatable; by\n"
	    "                            default loopback, link-local, private and the\n"
	    "                            display's own addresses are refused)\n"
	    "      --patch-cache DIR     keep patches fetched with a pinned SHA-256\n"
	    "                            (URL#sha256=HEX) in DIR (default: no cache)\n"
	    "      --patch-cache-size MiB  the cache's cap, least recently used out\n"
	    "                            first (default 4096)\n"
	    "      --log FILE            complete log (default: syslog)\n"
	    "      --name NAME           the display's name (as the argument)\n"
	    "      --access-code-file F  mobiles must prove they know the code on F's\n"
	    "                            first line (challenge-response; default: none)\n"
	    "      --auth WHAT           sasl, screen-code or sasl,screen-code: SASL\n"
	    "                            accounts (service kimberley) and/or a one-time\n"
	    "                            code on the idle screen (default: none)\n"
	    "      --auth-need HOW       all or any: with two factors, both (default) or either\n"
	    "      --sasl-conf DIR       SASL's kimberley.conf is in DIR (default\n"
	    "                            /etc/sasl2; implies --auth sasl)\n"
	    "      --latency-threshold MS  advise mobiles to offer the USB cable above\n"
	    "                            this mean round trip (default 100)\n"
	    "      --idle-screen PATH    shown between sessions (default: idle_screen;\n"
	    "                            'none' for no idle screen)\n"
	    "      --config FILE         settings file, one 'option = value' per line,\n"
	    "                            long option names (default " KIM_SYSCONFDIR
	    "/kimberley/display.conf)\n"
	    "  -v, --verbose             copy the log to stderr\n"
	    "  -h, --help                this help\n"
	    "      --version             the version, and the protocol's\n");
}

/* A helper program: beside the binary in a source tree (../<in_tree>), else
 * installed in LIBEXECDIR; NULL when neither is there. */
static const char *
default_program(const char *in_tree, const char *installed)
{
	char exe[PATH_MAX - 64], *path = malloc(PATH_MAX);
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0 && path) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, PATH_MAX, "%s/../%s", exe, in_tree);
			if (access(path, X_OK) == 0)
				return path;
		}
	}
	free(path);
	return access(installed, X_OK) == 0 ? installed : NULL;
}

static int
parse_listen(const char *arg, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(arg, ':');
	char *end;
	long port;

	if (colon == NULL || (size_t)(colon - arg) >= sizeof(host))
		return -1;
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

struct options {
	struct display_config cfg;
	struct url_net url_allow[URL_ALLOW_MAX];
	const char *listen_arg, *port_file, *log_file, *idle_screen, *code_file;
	const char *spool_arg; /* --spool as given; cfg.spool: its real path */
	const char *patch_cache; /* --patch-cache DIR */
	int patch_cache_mib;
	int verbose;
	const char *sasl_mechs; /* what SASL offers on a direct link */
};

static const struct option opts[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "port-file", required_argument, NULL, 'P' },
	{ "spool", required_argument, NULL, 'S' },
	{ "user", required_argument, NULL, 'Y' },
	{ "work-dir", required_argument, NULL, 'w' },
	{ "vm-dir", required_argument, NULL, 'V' },
	{ "setup-script", required_argument, NULL, 's' },
	{ "x-display", required_argument, NULL, 'x' },
	{ "accel", required_argument, NULL, 'A' },
	{ "key-file", required_argument, NULL, 'k' },
	{ "usb-if", required_argument, NULL, 'u' },
	{ "max-file-size", required_argument, NULL, 'M' },
	{ "max-files", required_argument, NULL, 'F' },
	{ "max-session-size", required_argument, NULL, 'Z' },
	{ "resume-timeout", required_argument, NULL, 'R' },
	{ "stream-patches", required_argument, NULL, 'q' },
	{ "end-timeout", required_argument, NULL, 'E' },
	{ "idle-timeout", required_argument, NULL, 'I' },
	{ "auth-timeout", required_argument, NULL, 'H' },
	{ "max-connections", required_argument, NULL, 'N' },
	{ "url-timeout", required_argument, NULL, 'U' },
	{ "url-allow", required_argument, NULL, 'W' },
	{ "patch-cache", required_argument, NULL, 'c' },
	{ "patch-cache-size", required_argument, NULL, 'z' },
	{ "log", required_argument, NULL, 'L' },
	{ "name", required_argument, NULL, 'n' },
	{ "config", required_argument, NULL, 'C' },
	{ "idle-screen", required_argument, NULL, 'i' },
	{ "access-code-file", required_argument, NULL, 'a' },
	{ "auth", required_argument, NULL, 'G' },
	{ "auth-need", required_argument, NULL, 'g' },
	{ "sasl-conf", required_argument, NULL, 'O' },
	{ "latency-threshold", required_argument, NULL, 'T' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int
positive(const char *arg, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end || end == arg || v <= 0 || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

/* --auth: "sasl", "screen-code" or both, comma separated ("none": neither). */
static int
auth_list(struct display_config *c, const char *v)
{
	char buf[64], *save = NULL, *w;

	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
		return -1;
	c->sasl = c->screen_code = 0;
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (strcmp(w, "sasl") == 0)
			c->sasl = 1;
		else if (strcmp(w, "screen-code") == 0)
			c->screen_code = 1;
		else if (strcmp(w, "none") != 0)
			return -1;
	return 0;
}

/* One setting, from the command line or the config file.  0 or -1. */
static int
set_option(struct options *o, int code, const char *v)
{
	struct display_config *c = &o->cfg;
	char *copy = strdup(v);
	int n;

	switch (code) {
	/* given twice (a config file, then the command line): the last wins */
	case 'l':
		free((char *)o->listen_arg);
		o->listen_arg = copy;
		return 0;
	case 'P': o->port_file = copy; return 0;
	case 'S': c->spool = copy; return 0;
	case 'Y': c->user = copy; return 0;
	case 'w': c->work_root = copy; return 0;
	case 'V': c->vm_dir = copy; return 0;
	case 's': c->setup_script = copy; return 0;
	case 'x': c->x_display = copy; return 0;
	case 'A':
		c->accel = copy;
		return strcmp(v, "tcg") == 0 || strcmp(v, "kvm") == 0 ? 0 : -1;
	case 'k': c->key_file = copy; return 0;
	case 'u': c->usb_if = copy; return 0;
	case 'L': o->log_file = copy; return 0;
	case 'n': c->name = copy; return 0;
	case 'i':
		free((char *)o->idle_screen);
		o->idle_screen = copy;
		return 0;
	case 'a': o->code_file = copy; return 0;
	case 'c': o->patch_cache = copy; return 0;
	case 'O':
		c->sasl_conf = copy;
		c->sasl = 1;
		return 0;
	}
	free(copy); /* the numbers: nothing to keep */
	switch (code) {
	case 'T': return positive(v, &c->usb_threshold_ms);
	case 'G': return auth_list(c, v);
	case 'g':
		if (strcmp(v, "any") != 0 && strcmp(v, "all") != 0)
			return -1;
		c->auth_any = strcmp(v, "any") == 0;
		return 0;
	case 'C': return 0; /* read before everything else */
	case 'M':
		if (positive(v, &n) != 0)
			return -1;
		c->max_file = (uint64_t)n << 20;
		return 0;
	case 'F': return positive(v, &c->max_files);
	case 'Z':
		if (positive(v, &n) != 0)
			return -1;
		c->max_session = (uint64_t)n << 20;
		return 0;
	case 'R': return positive(v, &c->resume_timeout);
	case 'q':
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			return -1;
		c->no_stream = strcmp(v, "no") == 0;
		return 0;
	case 'E': return positive(v, &c->end_timeout);
	case 'I': return positive(v, &c->idle_timeout);
	case 'H': return positive(v, &c->auth_timeout);
	case 'N':
		/* the owner and one newcomer at least */
		return positive(v, &c->max_conns) == 0 && c->max_conns >= 2 &&
			c->max_conns <= 10000
		    ? 0
		    : -1;
	case 'U': return positive(v, &c->url_timeout);
	case 'z': return positive(v, &o->patch_cache_mib);
	case 'W':
		if (c->n_url_allow == URL_ALLOW_MAX ||
		    url_net_parse(v, &o->url_allow[c->n_url_allow]) != 0)
			return -1;
		c->url_allow = o->url_allow;
		c->n_url_allow++;
		return 0;
	}
	return -1;
}

static int
config_setting(void *arg, const char *key, const char *value)
{
	int code = kim_config_option(opts, key);

	return code < 0 || code == 'C' ? -1 : set_option(arg, code, value);
}

/* ---- the unprivileged child: RPC, libcurl, the session ------------------- */

static int
child_main(struct options *o, struct sockaddr_in *addr, int sock,
    struct publisher *pub)
{
	struct display_config *cfg = &o->cfg;
	static struct priv pv;
	struct display *d;
	static struct server *srv;
	char why[256], hint[512];
	sigset_t sigs;
	int sig;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	pv.sock = sock;
	pthread_mutex_init(&pv.lock, NULL);
	if ((d = display_new(cfg, &pv)) == NULL) {
		kim_fail("start", "out of memory");
		return 1;
	}
	display_set_publisher(d, pub);
	server_fit_fd_limit(cfg);
	if ((srv = server_start(d, addr, why, sizeof(why))) == NULL) {
		kim_fail("start", "%s", why);
		return 1;
	}
	if (o->listen_arg) {
		char host[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &addr->sin_addr, host, sizeof(host));
		printf(
		    "display_launcher: '%s' listening on %s:%u — direct link, "
		    "NOT encrypted\n",
		    cfg->name, host, server_port(srv));
		snprintf(hint, sizeof(hint),
		    "mobile_launcher -c %s:%u "
		    "-d floppy.img -f app.patch <vm>",
		    host, server_port(srv));
	} else {
		char *err = NULL;
		if (publisher_publish(
			pub, cfg->name, -1, server_port(srv), &err) != 0) {
			kim_fail("start", "cannot publish through KCM: %s",
			    err ? err : "unknown error");
			return 1;
		}
		printf("display_launcher: published as '%s' through KCM\n",
		    publisher_name(pub));
		kim_log("publish", "name=\"%s\" port=%u", publisher_name(pub),
		    server_port(srv));
		snprintf(hint, sizeof(hint),
		    "mobile_launcher -n '%s' "
		    "-d floppy.img -f app.patch <vm>",
		    publisher_name(pub));
	}
	fflush(stdout);
	display_idle(d, pub ? publisher_name(pub) : cfg->name, hint);
	{
		struct priv_req q = { .op = PRIV_READY,
			.arg = (int)server_port(srv) };
		struct priv_rep r;
		int fd;
		if (priv_call(&pv, &q, &r, &fd) != 0 || r.rc != 0) {
			kim_fail("start", "%s", r.why);
			return 1;
		}
	}
	kim_log("start", "ready port=%u", server_port(srv));

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP)
		kim_log("start", "SIGHUP ignored");
	kim_log("stop", "signal %d: stopping", sig);
	server_stop(srv);
	session_shutdown(d);
	if (pub)
		publisher_stop(pub);
	display_clean_spool(d);
	return 0;
}

/* ---- the privileged parent ---------------------------------------------- */

static char *title_at; /* argv's strings, contiguous: the title's room */
static size_t title_len;

/* What ps shows for the child (as OpenBSD's daemons name their parts):
 * its own name, not the parent's command line with the spool in it. */
static void
set_title(const char *title)
{
	if (title_at == NULL || title_len < 2)
		return;
	memset(title_at, 0, title_len);
	snprintf(title_at, title_len, "%s", title);
}

static pid_t child_pid;
static struct parent par;
static volatile int parent_stopping;

/* The parent's signals: stop the child, which ends the session; the parent
 * cleans up after it (parent_serve). */
static void *
parent_signals(void *arg)
{
	sigset_t *sigs = arg;
	int sig;

	while (sigwait(sigs, &sig) == 0) {
		if (sig == SIGHUP) {
			kim_log("start", "SIGHUP ignored");
			continue;
		}
		kim_log("stop", "signal %d: stopping", sig);
		parent_stopping = 1;
		parent_stop(&par);
		kill(child_pid, SIGTERM);
	}
	return NULL;
}

/* The user the child becomes: 0, or -1 with the reason on stderr. */
static int
child_user(const struct options *o, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		*uid = getuid();
		*gid = getgid();
		fprintf(stderr,
		    "display_launcher: not started as root: running "
		    "without privilege separation (both halves are uid %u)\n",
		    (unsigned)*uid);
		kim_log("start", "not root: no privilege separation, uid=%u",
		    (unsigned)*uid);
		return 0;
	}
	if ((pw = getpwnam(o->cfg.user)) == NULL) {
		kim_fail("start",
		    "the user '%s' (--user) does not "
		    "exist; create it once with\n  useradd --system --no-create-home "
		    "--shell /usr/sbin/nologin %s\n(or `make install-user`)",
		    o->cfg.user, o->cfg.user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		kim_fail("start",
		    "--user %s is root: the RPC side "
		    "must run as an unprivileged user",
		    o->cfg.user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int
split(struct options *o, struct sockaddr_in *addr)
{
	struct display_config *cfg = &o->cfg;
	static char spool_real[PATH_MAX];
	char why[PATH_MAX + 256], link[64];
	struct publisher *pub = NULL;
	int spool_fd, cache_fd = -1, sv[2], status;
	pthread_t sigthread;
	static sigset_t sigs;
	uid_t uid;
	gid_t gid;
	ssize_t n;

	/* Signals are taken by sigwait; every thread and the child inherit
	 * the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (child_user(o, &uid, &gid) != 0)
		return 1;
	if ((spool_fd = spool_open(cfg->spool, uid, gid, why, sizeof(why))) <
	    0) {
		fprintf(stderr, "display_launcher: spool: %s\n", why);
		kim_log("start", "spool refused: %s", why);
		return 1;
	}
	/* the patch cache is the RPC side's (it runs libcurl): made and checked
	 * here like the spool, for its user, and reached through this
	 * descriptor after the drop */
	if (o->patch_cache &&
	    (cache_fd = spool_open(
		 o->patch_cache, uid, gid, why, sizeof(why))) < 0) {
		fprintf(stderr, "display_launcher: patch cache: %s\n", why);
		kim_log("start", "patch cache refused: %s", why);
		return 1;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", spool_fd);
	if ((n = readlink(link, spool_real, sizeof(spool_real) - 1)) <= 0) {
		kim_fail("start", "spool %s: %s", cfg->spool, strerror(errno));
		return 1;
	}
	spool_real[n] = '\0';
	/* Mark every process of our sessions, and end what a crashed earlier
	 * run on this spool left behind. */
	cleanup_leftovers(spool_real);
	cleanup_mark(spool_real);
	if (cfg->work_root == NULL) {
		static char own[PATH_MAX + 16];
		if (geteuid() == 0)
			cfg->work_root = KIM_DEFAULT_WORK;
		else { /* a developer: beside the spool */
			snprintf(own, sizeof(own), "%s.sessions", spool_real);
			cfg->work_root = own;
		}
	}
	if (parent_init(&par, cfg, spool_fd, spool_real, cfg->work_root, uid,
		why, sizeof(why)) != 0) {
		kim_fail("start", "work directory: %s", why);
		return 1;
	}
	par.idle.program = o->idle_screen;
	par.idle.x_display = cfg->x_display;
	par.port_file = o->port_file;
	spool_empty(spool_fd);
	if (cfg->sasl || cfg->screen_code || cfg->auth_code)
		kim_log("start",
		    "auth: sasl=%s (mechanisms %s; PLAIN only through "
		    "the tunnel) screen-code=%s access-code=%s need=%s",
		    cfg->sasl ? "yes" : "no",
		    o->sasl_mechs ? o->sasl_mechs : "-",
		    cfg->screen_code ? "yes" : "no",
		    cfg->auth_code ? "yes" : "no",
		    cfg->auth_any ? "any" : "all");
	kim_log("start",
	    "name=\"%s\" spool=%s vm_dir=%s setup=%s x=%s accel=%s "
	    "user=%u work=%s",
	    cfg->name, spool_real, cfg->vm_dir, cfg->setup_script,
	    cfg->x_display, cfg->accel, (unsigned)uid, par.work_dir);
	fflush(NULL);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		kim_fail("start", "socketpair: %s", strerror(errno));
		return 1;
	}
	pid_t parent_pid = getpid();
	if ((child_pid = fork()) < 0) {
		kim_fail("start", "fork: %s", strerror(errno));
		return 1;
	}
	if (child_pid == 0) {
		char *err = NULL;
		close(sv[0]);
		if (cfg->log_fd >= 0)
			close(cfg->log_fd);
		cfg->log_fd = -1;
		if (!o->listen_arg && (pub = publisher_connect(&err)) == NULL) {
			kim_fail("start", "cannot publish through KCM: %s",
			    err ? err : "unknown error");
			_exit(1);
		}
		/* the spool is the child's working directory: it reaches its
		 * files from there, whatever the directories above allow */
		if (fchdir(spool_fd) != 0) {
			kim_fail("start", "spool: %s", strerror(errno));
			_exit(1);
		}
		close(spool_fd);
		close(par.work_fd);
		cfg->spool = ".";
		/* LIST_BASES reads the VM directory: opened now, reached
		 * through the descriptor after the drop (the directories above
		 * it need not let the RPC side's user through) */
		int vm_fd =
		    open(cfg->vm_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (vm_fd >= 0) {
			static char vm_path[32];
			snprintf(vm_path, sizeof(vm_path), "/proc/self/fd/%d",
			    vm_fd);
			cfg->vm_dir = vm_path;
		}
		if (cache_fd >= 0 &&
		    patchcache_init_fd(cache_fd,
			(uint64_t)(o->patch_cache_mib ? o->patch_cache_mib
						      : 4096)
			    << 20) != 0) {
			kim_fail("start", "patch cache: %s", strerror(errno));
			_exit(1);
		}
		if (priv_drop(uid, gid, why, sizeof(why)) != 0) {
			fprintf(stderr, "display_launcher: %s\n", why);
			kim_log("start", "dropping privileges failed: %s", why);
			_exit(1);
		}
		/* the parent's death ends us as a crash would (set after the uid change, which
		 * clears it); it may have died already */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent_pid)
			_exit(1);
		set_title("display_launcher: rpc side (unprivileged)");
		kim_log("start",
		    "rpc side pid=%d uid=%u gid=%u, no capabilities",
		    (int)getpid(), (unsigned)getuid(), (unsigned)getgid());
		exit(child_main(o, addr, sv[1], pub));
	}
	close(sv[1]);
	if (cache_fd >= 0)
		close(cache_fd); /* the RPC side's */
	pthread_create(&sigthread, NULL, parent_signals, &sigs);
	parent_serve(&par, sv[0]);
	while (waitpid(child_pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!parent_stopping) {
		kim_log("stop",
		    "the rpc side ended (%s %d): session ended, spool "
		    "emptied",
		    WIFSIGNALED(status) ? "signal" : "status",
		    WIFSIGNALED(status) ? WTERMSIG(status)
					: WEXITSTATUS(status));
		if (WIFEXITED(status))
			return WEXITSTATUS(status) ? WEXITSTATUS(status) : 1;
		return 1;
	}
	kim_log("stop", "stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	/* static: what main sets up stays reachable until exit (LeakSanitizer) */
	static struct options
	    o = { .cfg = {
		      .name = "Kimberley display",
		      .spool = KIM_DEFAULT_SPOOL,
		      .user = KIM_DEFAULT_USER,
		      .vm_dir = "/var/lib/kimberley/vms",
		      .x_display = ":0",
		      .accel = "tcg",
		      .usb_if = "usb0",
		      .max_file = (uint64_t)8192 << 20,
		      .max_files = 16,
		      .resume_timeout = 180,
		      .end_timeout = 120,
		      .idle_timeout = 90,
		      .auth_timeout =
			  0, /* below: 10, or 60 for a person typing */
		      .max_conns = 32,
		      .url_timeout = 120,
		      .usb_threshold_ms = 100,
		      .log_fd = -1,
		  } };
	struct display_config *cfg = &o.cfg;
	const char *config = KIM_SYSCONFDIR "/kimberley/display.conf";
	int config_required = 0;
	struct sockaddr_in addr;
	char why[256];
	int c;

	if (argc > 0) { /* argv's strings lie end to end: room for a title */
		title_at = argv[0];
		title_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) -
				argv[0]) +
		    1;
	}
	/* The config file first (its name may be on the command line), then
	 * the command line, which wins. */
	while ((c = getopt_long(argc, argv, "l:vh", opts, NULL)) != -1)
		if (c == OPT_VERSION) {
			printf("display_launcher (Kimberley) %s, protocol %d\n",
			    KIM_VERSION, KIM_PROTO_VERSION);
			return 0;
		} else if (c == 'C') {
			config = optarg;
			config_required = 1;
		}
	if (kim_config_load(config, config_required, config_setting, &o, why,
		sizeof(why)) < 0) {
		fprintf(stderr, "display_launcher: %s\n", why);
		return 2;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "l:vh", opts, NULL)) != -1) {
		if (c == 'v')
			o.verbose = 1;
		else if (c == 'h') {
			usage(stdout);
			return 0;
		} else if (c == '?' || set_option(&o, c, optarg) != 0) {
			for (const struct option *p = opts; c != '?' && p->name;
			     p++)
				if (p->val == c)
					fprintf(stderr,
					    "display_launcher: bad value "
					    "'%s' for --%s\n",
					    optarg, p->name);
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr,
		    "display_launcher: one display name at most "
		    "(quote a name with spaces)\n");
		return 2;
	}
	if (optind < argc)
		cfg->name =
		    strdup(argv[optind]); /* argv becomes the child's title */
	/* the setup script shows it as the VNC desktop name (a viewer's title);
	 * before cleanup_mark(), whose environment the session's processes get */
	if (setenv("KIM_DISPLAY_NAME", cfg->name, 1) != 0) {
		perror("display_launcher: setenv");
		return 1;
	}
	if (cfg->max_session ==
	    0) /* a patch and a floppy of the largest size */
		cfg->max_session = 2 * cfg->max_file;
	if (o.code_file) {
		static char code[KIM_AUTH_CODE_MAX];
		if (kim_auth_read_code(o.code_file, code, sizeof(code)) != 0) {
			fprintf(stderr,
			    "display_launcher: cannot read an access code "
			    "from %s (its first line)\n",
			    o.code_file);
			return 1;
		}
		if (strlen(code) < KIM_AUTH_CODE_MIN) {
			fprintf(stderr,
			    "display_launcher: the access code in %s has "
			    "%zu characters; at least %d are needed to withstand "
			    "guessing (see display_launcher(8))\n",
			    o.code_file, strlen(code), KIM_AUTH_CODE_MIN);
			return 2;
		}
		cfg->auth_code = code;
	}
	if (cfg->auth_timeout == 0) /* a password or a code is typed */
		cfg->auth_timeout = cfg->sasl || cfg->screen_code ? 60 : 10;
	if (cfg->sasl) {
		static char mechs[1024];
		if (dsasl_init(cfg->sasl_conf, mechs, sizeof(mechs), why,
			sizeof(why)) != 0) {
			fprintf(stderr, "display_launcher: %s\n", why);
			return 2;
		}
		o.sasl_mechs = mechs;
	}
	if (cfg->screen_code && o.idle_screen &&
	    strcmp(o.idle_screen, "none") == 0)
		fprintf(stderr,
		    "display_launcher: warning: --auth screen-code "
		    "with no idle screen: nobody can read the code\n");
	if (cfg->setup_script == NULL)
		cfg->setup_script = default_program(
		    "scripts/display_setup", KIM_LIBEXECDIR "/display_setup");
	if (cfg->setup_script == NULL)
		cfg->setup_script = KIM_LIBEXECDIR "/display_setup";
	if (o.idle_screen == NULL)
		o.idle_screen = default_program(
		    "kiosk/idle_screen", KIM_LIBEXECDIR "/idle_screen");
	else if (strcmp(o.idle_screen, "none") == 0) {
		free((char *)o.idle_screen);
		o.idle_screen = NULL;
	}
	if (access(cfg->setup_script, X_OK) != 0) {
		fprintf(stderr, "display_launcher: setup script %s: %s\n",
		    cfg->setup_script, strerror(errno));
		return 1;
	}
	if (o.listen_arg && parse_listen(o.listen_arg, &addr) != 0) {
		fprintf(stderr,
		    "display_launcher: --listen wants ADDR:PORT "
		    "(e.g. 127.0.0.1:7070), not '%s'\n",
		    o.listen_arg);
		return 2;
	}
	if (o.listen_arg && ntohl(addr.sin_addr.s_addr) >> 24 != 127) {
		static char direct[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &addr.sin_addr, direct, sizeof(direct));
		cfg->direct_addr = direct;
	}
	if (!o.listen_arg) {
		memset(&addr, 0, sizeof(addr));
		addr.sin_family = AF_INET;
		addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	if (kim_log_open("display_launcher", o.log_file, o.verbose) != 0) {
		fprintf(stderr, "display_launcher: log %s: %s\n", o.log_file,
		    strerror(errno));
		return 1;
	}
	if (o.log_file)
		cfg->log_fd = open(o.log_file, O_WRONLY | O_APPEND | O_CLOEXEC);
	return split(&o, &addr);
}
