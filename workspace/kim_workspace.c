/* kim_workspace.c -- start one workspace session (or an install session).
 *
 *   kim_workspace run     -b BASE -r REGIONS -t RUNDIR [-l LAYER]... [-p PERSIST]
 *                         [-x :N -X XAUTH] [-u UID] [-S SIZE] [-- APP ARGV]
 *   kim_workspace install -b BASE -r REGIONS -t RUNDIR -U DIR [-m SRCDIR] [-i SCRIPT]
 *   kim_workspace strip   DIR
 *
 * The supervisor stays in the display's namespaces; its child is PID 1 of the
 * session's new mount, PID, UTS and IPC namespaces, builds the root there
 * (assemble.c) and runs the app as an unprivileged user.  On stdout the
 * supervisor prints "MAPPED <ms>" when the app's first window is mapped on
 * the X screen.  SIGTERM ends the session: the app gets SIGTERM, everything
 * left gets SIGKILL after WS_GRACE_MS; the session's tmpfs vanishes with the
 * namespace.  Exit status: the app's. */
#include "rpc/clock.h"
#include "rpc/log.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WS_GRACE_MS 3000
#define WS_STACK_SIZE (256 * 1024)
#define WS_MAX_ARGS 64
#define WS_XAUTH_MAX 4096
#define WS_HOSTNAME "kimberley"

static char xauth_buf[WS_XAUTH_MAX];
static ssize_t xauth_len = -1;
static int script_fd = -1;
static int x_fd = -1; /* the supervisor's X connection: never the session's */
static int life_pipe[2] = { -1,
	-1 }; /* closed by the kernel when the supervisor dies */
static sigset_t ctl_sigs;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: kim_workspace run -b BASE -r REGIONS -t RUNDIR [-l LAYER]... [-p PERSIST]\n"
	    "                         [-x :N -X XAUTH] [-u UID] [-S SIZE] [-- APP ARGV]\n"
	    "       kim_workspace install -b BASE -r REGIONS -t RUNDIR -U DIR [-m SRCDIR] [-i SCRIPT]\n"
	    "       kim_workspace strip DIR\n");
	exit(2);
}

/* The app's argv from WS_APP_FILE in the assembled root: one argument per line. */
static char **
app_argv_from_file(void)
{
	static char buf[8192];
	static char *argv[WS_MAX_ARGS + 1];
	FILE *f = fopen(WS_APP_FILE, "r");
	size_t n = 0, len;

	if (f == NULL) {
		kim_log("workspace", "%s: %s (the patch names no app)",
		    WS_APP_FILE, strerror(errno));
		return NULL;
	}
	len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = 0;
	for (char *s = buf, *save = NULL, *tok;
	     n < WS_MAX_ARGS && (tok = strtok_r(s, "\n", &save)); s = NULL)
		argv[n++] = tok;
	argv[n] = NULL;
	if (n == 0 || argv[0][0] != '/') {
		kim_log("workspace",
		    "%s: first line must be the app's absolute path",
		    WS_APP_FILE);
		return NULL;
	}
	return argv;
}

static const char *
first_persistent(const struct ws_config *c)
{
	for (size_t i = 0; i < c->policy.n; i++)
		if (c->policy.rules[i].region == WS_PERSISTENT)
			return c->policy.rules[i].path;
	return NULL;
}

/* Make every entry of the Xauthority data FamilyWild (0xffff): the session
 * has its own hostname, so entries bound to the display's would not match.
 * Entry: family(2), then address, number, name, data as (length(2), bytes). */
static int
xauth_wild(unsigned char *p, size_t len)
{
	size_t off = 0;

	while (off < len) {
		if (len - off < 2)
			return -1;
		p[off] = p[off + 1] = 0xff;
		off += 2;
		for (int field = 0; field < 4; field++) {
			if (len - off < 2)
				return -1;
			size_t n = (size_t)p[off] << 8 | p[off + 1];
			if (len - off - 2 < n)
				return -1;
			off += 2 + n;
		}
	}
	return 0;
}

static int
write_xauth(const struct ws_config *c)
{
	int fd;

	if (xauth_len < 0)
		return 0;
	if (xauth_wild((unsigned char *)xauth_buf, (size_t)xauth_len) != 0) {
		kim_log("workspace",
		    "the X authority file is not in Xauthority format");
		return -1;
	}
	fd = open(WS_XAUTH_PATH,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, xauth_buf, (size_t)xauth_len) != xauth_len ||
	    fchown(fd, c->uid, c->gid) != 0) {
		kim_log("workspace", "%s: %s", WS_XAUTH_PATH, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* In the app's process: become the unprivileged user and exec the app. */
static void
exec_app(const struct ws_config *c, char **argv)
{
	const char *persist = first_persistent(c);
	char display[64], home[PATH_MAX], kp[PATH_MAX];
	char *envp[] = {
		"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
		"LANG=C.UTF-8",
		"TERM=xterm",
		display,
		home,
		kp,
		"XAUTHORITY=" WS_XAUTH_PATH,
		NULL,
	};
	char *shargv[] = { "/bin/sh", NULL, NULL };
	char fdpath[64];

	snprintf(display, sizeof display, "DISPLAY=%s",
	    c->xdisplay ? c->xdisplay : "");
	snprintf(home, sizeof home, "HOME=%s",
	    c->uid == 0	  ? "/root"
		: persist ? persist
			  : "/tmp");
	snprintf(kp, sizeof kp, "KIM_PERSIST=%s", persist ? persist : "");
	sigprocmask(SIG_UNBLOCK, &ctl_sigs, NULL);
	setsid();
	if (c->installdir == NULL) {
		/* the supervisor's stdin/stdout carry the launcher protocol: not the app's */
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(2, 1) < 0) {
			kim_log("workspace", "/dev/null: %s", strerror(errno));
			_exit(126);
		}
		close(null);
	}
	if (c->uid != 0 &&
	    (setgroups(0, NULL) != 0 ||
		setresgid(c->gid, c->gid, c->gid) != 0 ||
		setresuid(c->uid, c->uid, c->uid) != 0 ||
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)) {
		kim_log("workspace", "drop privileges: %s", strerror(errno));
		_exit(126);
	}
	if (chdir(c->uid == 0 ? "/"
		    : persist ? persist
			      : "/tmp") != 0 &&
	    chdir("/") != 0) {
		kim_log("workspace", "chdir: %s", strerror(errno));
		_exit(126);
	}
	if (script_fd >= 0) {
		snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", script_fd);
		shargv[1] = fdpath;
		argv = shargv;
	}
	execve(argv[0], argv, envp);
	kim_log("workspace", "exec %s: %s", argv[0], strerror(errno));
	_exit(127);
}

/* PID 1 of the session: assemble, start the app, forward the end, reap. */
static int
ns_init(void *arg)
{
	const struct ws_config *c = arg;
	char **argv = c->argv;
	pid_t app;
	int status = 0;

	/* nothing outlives the supervisor: if it dies (SIGKILL included), the
	 * kernel kills PID 1, and with it the whole namespace; the pipe closes
	 * the gap of a supervisor that died before the prctl */
	close(life_pipe[1]);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
		return 125;
	struct pollfd lp = { .fd = life_pipe[0], .events = POLLIN };
	if (poll(&lp, 1, 0) != 0)
		return 125;
	close(life_pipe[0]);
	if (x_fd >= 0)
		close(x_fd);
	if (sethostname(WS_HOSTNAME, strlen(WS_HOSTNAME)) != 0 ||
	    ws_assemble(c) != 0)
		return 125;
	if (write_xauth(c) != 0)
		return 125;
	if (argv == NULL && script_fd < 0 &&
	    (argv = app_argv_from_file()) == NULL)
		return 125;
	app = fork();
	if (app < 0)
		return 125;
	if (app == 0)
		exec_app(c, argv);
	for (;;) {
		siginfo_t si;
		if (sigwaitinfo(&ctl_sigs, &si) < 0)
			continue;
		if (si.si_signo != SIGCHLD) {
			kill(app, SIGTERM);
			continue;
		}
		for (pid_t p; (p = waitpid(-1, &status, WNOHANG)) > 0;)
			if (p == app)
				return WIFEXITED(status)
				    ? WEXITSTATUS(status)
				    : 128 + WTERMSIG(status);
	}
}

static int
supervise(pid_t child, struct ws_mapwait *mw, double t0)
{
	int sfd = signalfd(-1, &ctl_sigs, SFD_CLOEXEC);
	int pfd = (int)syscall(SYS_pidfd_open, child, 0);
	double deadline = -1;
	int status;

	if (sfd < 0 || pfd < 0) {
		kim_log("workspace", "signalfd/pidfd: %s", strerror(errno));
		kill(child, SIGKILL);
	}
	for (;;) {
		struct pollfd fds[3] = {
			{ .fd = pfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = mw ? ws_mapwait_fd(mw) : -1, .events = POLLIN },
		};
		int timeout =
		    deadline < 0 ? -1 : (int)(deadline - kim_now_ms()) + 1;

		if (mw && ws_mapwait_mapped(mw)) {
			printf("MAPPED %.1f\n", kim_now_ms() - t0);
			fflush(stdout);
			ws_mapwait_close(mw);
			mw = NULL;
			continue;
		}
		if (poll(fds, 3, timeout < 0 ? -1 : timeout) < 0 &&
		    errno != EINTR)
			break;
		if (fds[0].revents)
			break;
		if (fds[1].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) == sizeof si &&
			    si.ssi_signo != SIGCHLD && deadline < 0) {
				kill(child, SIGTERM);
				deadline = kim_now_ms() + WS_GRACE_MS;
			}
		}
		if (deadline >= 0 && kim_now_ms() >= deadline) {
			kim_log("workspace",
			    "app did not end within %d ms: killing the session",
			    WS_GRACE_MS);
			kill(child, SIGKILL);
			deadline = kim_now_ms() + 1e9;
		}
	}
	ws_mapwait_close(mw);
	if (waitpid(child, &status, 0) < 0)
		return 125;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int
read_xauth(const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || (xauth_len = read(fd, xauth_buf, sizeof xauth_buf)) < 0 ||
	    xauth_len == (ssize_t)sizeof xauth_buf) {
		kim_log("workspace", "X authority %s: %s", file,
		    fd < 0 || xauth_len < 0 ? strerror(errno) : "too large");
		return -1;
	}
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ws_config c = { .tmpfs_size = "256m", .uid = 1000, .gid = 1000 };
	const char *regions = NULL, *xauth = NULL, *mode;
	char err[512];
	struct ws_mapwait *mw = NULL;
	int opt, install;
	double t0 = kim_now_ms();

	/* log lines on stderr: the setup script hands it to the display's
	 * log (rpc/log.c; usage errors stay plain) */
	kim_log_open("kim_workspace", "-", 0);
	if (argc < 2)
		usage();
	mode = argv[1];
	if (strcmp(mode, "strip") == 0)
		return argc == 3 && ws_strip_layer(argv[2]) == 0 ? 0 : 1;
	install = strcmp(mode, "install") == 0;
	if (!install && strcmp(mode, "run") != 0)
		usage();
	optind = 2;
	while ((opt = getopt(argc, argv, "b:l:r:t:p:x:X:u:S:U:m:i:")) != -1) {
		switch (opt) {
		case 'b': c.base = optarg; break;
		case 'l':
			if (c.nlayers == WS_MAX_LAYERS) {
				fprintf(stderr,
				    "kim_workspace: more than %d layers\n",
				    WS_MAX_LAYERS);
				return 2;
			}
			c.layers[c.nlayers++] = optarg;
			break;
		case 'r': regions = optarg; break;
		case 't': c.rundir = optarg; break;
		case 'p': c.persist = optarg; break;
		case 'x': c.xdisplay = optarg; break;
		case 'X': xauth = optarg; break;
		case 'u':
			c.uid = c.gid = (uid_t)strtoul(optarg, NULL, 10);
			break;
		case 'S': c.tmpfs_size = optarg; break;
		case 'U': c.installdir = optarg; break;
		case 'm': c.srcdir = optarg; break;
		case 'i': c.script = optarg; break;
		default: usage();
		}
	}
	if (c.base == NULL || regions == NULL || c.rundir == NULL ||
	    (install && c.installdir == NULL))
		usage();
	if (optind < argc)
		c.argv = argv + optind;
	if (install) {
		c.uid = c.gid = 0;
		if (c.argv == NULL && c.script == NULL) {
			static char *sh[] = { "/bin/sh", NULL };
			c.argv = sh;
		}
	}
	if (ws_policy_load(regions, &c.policy, err, sizeof err) != 0) {
		kim_log("workspace", "region policy: %s", err);
		return 2;
	}
	if (xauth != NULL && read_xauth(xauth) != 0)
		return 2;
	if (c.script != NULL && (script_fd = open(c.script, O_RDONLY)) < 0) {
		kim_log("workspace", "install script %s: %s", c.script,
		    strerror(errno));
		return 2;
	}
	if (c.xdisplay != NULL && !install) {
		if ((mw = ws_mapwait_open(c.xdisplay)) == NULL)
			return 2;
		x_fd = ws_mapwait_fd(mw);
	}

	sigemptyset(&ctl_sigs);
	sigaddset(&ctl_sigs, SIGCHLD);
	sigaddset(&ctl_sigs, SIGTERM);
	sigaddset(&ctl_sigs, SIGINT);
	sigaddset(&ctl_sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &ctl_sigs, NULL);

	char *stack = malloc(WS_STACK_SIZE);
	if (stack == NULL)
		return 125;
	if (pipe2(life_pipe, O_CLOEXEC) != 0)
		return 125;
	fflush(stdout);
	pid_t child = clone(ns_init, stack + WS_STACK_SIZE,
	    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD,
	    &c);
	if (child < 0) {
		kim_log("workspace", "clone namespaces: %s", strerror(errno));
		return 125;
	}
	if (script_fd >= 0)
		close(script_fd);
	close(life_pipe[0]); /* life_pipe[1] stays open while we live */
	return supervise(child, mw, t0);
}
