/* fuzz_server.c -- libFuzzer harness over display_launcher's server: each
 * input is what one client sends on one connection (ONC RPC calls with
 * record marking, as on TCP).  It goes through a socketpair into the real
 * connection loop, dispatcher and handlers (server.c, svc.c, session.c),
 * which run in this thread and hang up at the input's end; the display's
 * setup script is the project's test double, tests/fixtures/
 * fake_display_setup, so a seed that starts an application really starts
 * (and ends) one.
 *
 * The display has no access code (a fuzzer cannot answer a random
 * challenge, so everything past AUTH_STEP would be out of reach), one VM
 * "demo", a spool in a temporary directory, and short timeouts.  Run it in
 * a network namespace of its own: a USE_KIMBERLIZE_URL call fetches its
 * URL (`make fuzz` does, when it can). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "priv.h"
#include "server.h"
#include "display.h"
#include "session.h"

static struct display_config cfg;
static struct display d;
static struct server *srv; /* listens on loopback; fuzz inputs come in by fd */
static char top[PATH_MAX], spool[PATH_MAX + 8], vms[PATH_MAX + 8];
static char setup_script[PATH_MAX];

struct feed {
	int fd;
	const uint8_t *buf;
	size_t len;
};

/* The client's side: write the input, then read (and drop) the replies
 * until the server hangs up.  Both at once, so neither side can block the
 * other on a full socket buffer. */
static void *
feeder(void *arg)
{
	struct feed *f = arg;
	size_t off = 0;
	char sink[65536];
	int writing = 1;

	if (f->len == 0) {
		shutdown(f->fd, SHUT_WR);
		writing = 0;
	}
	for (;;) {
		struct pollfd p = { f->fd, POLLIN | (writing ? POLLOUT : 0),
			0 };
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (writing && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = send(f->fd, f->buf + off, f->len - off,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0)
				off += (size_t)n;
			if (off == f->len ||
			    (n < 0 && errno != EAGAIN && errno != EINTR)) {
				shutdown(f->fd, SHUT_WR);
				writing = 0;
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n =
			    recv(f->fd, sink, sizeof(sink), MSG_DONTWAIT);
			if (n == 0 ||
			    (n < 0 && errno != EAGAIN && errno != EINTR))
				break;
		}
	}
	close(f->fd);
	return NULL;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void
remove_top(void)
{
	if (top[0])
		nftw(top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* tests/fixtures/fake_display_setup: $KIM_FUZZ_SETUP, else found from the
 * harness's place in the tree (build/fuzz/fuzz_server). */
static void
find_setup_script(void)
{
	const char *env = getenv("KIM_FUZZ_SETUP");
	char exe[PATH_MAX - 64];
	ssize_t n;

	if (env) {
		snprintf(setup_script, sizeof(setup_script), "%s", env);
	} else if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(setup_script, sizeof(setup_script),
		    "%s/../../tests/fixtures/fake_display_setup", exe);
	}
	if (access(setup_script, X_OK) != 0) {
		fprintf(stderr,
		    "fuzz_server: no setup script at '%s' (set "
		    "KIM_FUZZ_SETUP to tests/fixtures/fake_display_setup)\n",
		    setup_script);
		exit(2);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char disk[PATH_MAX + 32];
	FILE *f;

	(void)argc;
	(void)argv;
	find_setup_script();
	snprintf(
	    top, sizeof(top), "%s/kim-fuzz-server.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(top) == NULL) {
		perror("fuzz_server: mkdtemp");
		exit(2);
	}
	atexit(remove_top);
	snprintf(spool, sizeof(spool), "%s/spool", top);
	snprintf(vms, sizeof(vms), "%s/vms", top);
	snprintf(disk, sizeof(disk), "%s/vms/demo", top);
	if (mkdir(spool, 0700) != 0 || mkdir(vms, 0700) != 0 ||
	    mkdir(disk, 0700) != 0) {
		perror("fuzz_server: mkdir");
		exit(2);
	}
	strcat(disk, "/disk.img");
	if ((f = fopen(disk, "w")) == NULL ||
	    fputs("fuzz base disk\n", f) < 0 || fclose(f) != 0) {
		perror("fuzz_server: base disk");
		exit(2);
	}

	cfg.name = "Fuzz display";
	cfg.spool = spool;
	cfg.vm_dir = vms;
	cfg.setup_script = setup_script;
	cfg.x_display = ":0";
	cfg.accel = "tcg";
	cfg.usb_if = "kimfuzz0"; /* no such interface: USB is refused */
	cfg.usb_threshold_ms = 100;
	cfg.max_file = 16 << 20;
	cfg.max_files = 16;
	cfg.max_session = 32 << 20;
	cfg.max_conns = 32;
	cfg.auth_timeout = 10;
	cfg.resume_timeout = 5;
	cfg.end_timeout = 5;
	cfg.idle_timeout = 5;
	cfg.url_timeout = 2;
	cfg.log_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	/* every line is still formatted: a bad %s shows under the sanitizers */
	if (kim_log_open("fuzz_server",
		getenv("KIM_FUZZ_LOG") ? getenv("KIM_FUZZ_LOG") : "/dev/null",
		0) != 0) {
		perror("fuzz_server: log");
		exit(2);
	}
	signal(SIGPIPE, SIG_IGN);
	setenv(KIM_SESSION_ENV, spool, 1);
	{
		/* the privileged parent's code, called in-process (priv.h):
		 * the same checks, no second process to fork per input */
		static struct parent par;
		static struct priv pv;
		char work[PATH_MAX + 16], why[512];
		int spool_fd = open(spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		snprintf(work, sizeof(work), "%s/work", top);
		if (spool_fd < 0 ||
		    parent_init(&par, &cfg, spool_fd, spool, work, getuid(),
			why, sizeof(why)) != 0) {
			fprintf(stderr, "fuzz_server: %s\n",
			    spool_fd < 0 ? strerror(errno) : why);
			exit(2);
		}
		pv.sock = -1;
		pv.local = &par;
		pthread_mutex_init(&pv.lock, NULL);
		display_init(&d, &cfg, &pv);
	}
	{
		/* a real server (its watchdog bounds every connection); the
		 * inputs come in through server_serve_fd, not its port */
		struct sockaddr_in lo = { .sin_family = AF_INET,
			.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		char why[256];
		if ((srv = server_start(&d, &lo, why, sizeof(why))) == NULL) {
			fprintf(stderr, "fuzz_server: %s\n", why);
			exit(2);
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	struct feed f = { -1, in, len };
	pthread_t t;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		perror("fuzz_server: socketpair");
		abort();
	}
	f.fd = sv[1];
	if (pthread_create(&t, NULL, feeder, &f) != 0)
		abort();
	server_serve_fd(srv, sv[0], "fuzz:0");
	pthread_join(t, NULL);
	/* every connection hangs up; its session must be over with it */
	if (d.owner != NULL || d.state != S_IDLE || d.script ||
	    d.delta_fd >= 0) {
		fprintf(stderr,
		    "fuzz_server: the display was not back to idle "
		    "after the connection closed\n");
		abort();
	}
	return 0;
}
