/* attach.c -- --attach IMAGE[:ro] (docs/attach.md): the image stays on the
 * mobile, served by qemu-nbd on a unix socket in a 0700 directory of ours;
 * the display gets it through a second connection over the same path as
 * the RPC (KCM's tunnel, the direct link or the USB cable), which becomes
 * an NBD stream once the display accepted the one-time token.  A relay
 * process copies bytes between that connection and qemu-nbd.  Plain NBD
 * inside KCM's TLS: QEMU 7.2's own NBD-over-TLS costs a round trip more
 * per read (docs/attach.md, "Why not QEMU's TLS"). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "connect.h"
#include "errors.h"
#include "latency.h"
#include "litter.h"
#include "log.h"
#include "names.h"
#include "kim_spawn.h"

#define SERVER_START_S 10 /* qemu-nbd's socket appears */
#define PLUG_S 60	  /* the display plugs the disk in */
#define RELAY_END_S 10	  /* the relay ends after the unplug */
#define RELAY_BUF (256 * 1024)

int
attach_add(struct attach_list *l, const char *arg, char *why, size_t whylen)
{
	struct attach_disk *d;
	size_t n = strlen(arg);
	struct stat st;
	int ro = 0;

	if (l->n >= KIM_ATTACH_MAX) {
		snprintf(
		    why, whylen, "--attach: %d disks at most", KIM_ATTACH_MAX);
		return -1;
	}
	if (n > 3 && strcmp(arg + n - 3, ":ro") == 0) {
		ro = 1;
		n -= 3;
	} else if (n > 3 && strcmp(arg + n - 3, ":rw") == 0) {
		n -= 3;
	}
	d = &l->d[l->n];
	memset(d, 0, sizeof(*d));
	d->server = d->relay = -1;
	d->ro = ro;
	if ((d->path = strndup(arg, n)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (stat(d->path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    access(d->path, ro ? R_OK : R_OK | W_OK) != 0) {
		snprintf(why, whylen,
		    "--attach: %s is not a %s disk image file", d->path,
		    ro ? "readable" : "readable and writable");
		free(d->path);
		d->path = NULL;
		return -1;
	}
	l->n++;
	return 0;
}

int
attach_add_usb(struct attach_list *l, const char *arg, char *why, size_t whylen)
{
	unsigned vid, pid;
	char tail;
	struct attach_disk *d;

	if (l->n >= KIM_ATTACH_MAX) {
		snprintf(why, whylen,
		    "--usb-device: %d devices and disks at most",
		    KIM_ATTACH_MAX);
		return -1;
	}
	if (strlen(arg) != 9 ||
	    sscanf(arg, "%4x:%4x%c", &vid, &pid, &tail) != 2 ||
	    strspn(arg, "0123456789abcdefABCDEF:") != 9 || vid == 0) {
		snprintf(why, whylen,
		    "--usb-device wants VID:PID in hex (e.g. "
		    "0781:5567), not '%s'",
		    arg);
		return -1;
	}
	d = &l->d[l->n];
	memset(d, 0, sizeof(*d));
	d->server = d->relay = -1;
	d->usb_id = vid << 16 | pid;
	if ((d->path = strdup(arg)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	l->n++;
	return 0;
}

/* a server of ours: argv[0] from PATH, stdin /dev/null, its stdout to our
 * stderr; its pid, or -1 with errno */
static pid_t
start_server(char *const argv[])
{
	struct kim_spawn_opts so = { { KIM_SPAWN_DEVNULL, 2,
					 KIM_SPAWN_INHERIT },
		NULL, KIM_SPAWN_PATH, 0 };
	pid_t pid;
	return kim_spawn(&pid, argv, &so) == 0 ? pid : -1;
}

/* The USB device's usbredir stream: usbredirect connects to a loopback
 * port of ours (--to), taken within SERVER_START_S.  The connected fd, or
 * -1 (said). */
static int
usb_local(struct attach_disk *d, FILE *say)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	char to[64];
	const char *prog = getenv("KIM_USBREDIRECT");
	int ls, fd = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(ls, 1) != 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &len) != 0) {
		fprintf(say, "Cannot redirect USB device %s: %s\n", d->path,
		    strerror(errno));
		if (ls >= 0)
			close(ls);
		return -1;
	}
	snprintf(to, sizeof(to), "127.0.0.1:%u", ntohs(sa.sin_port));
	char *argv[] = { (char *)(prog && *prog ? prog : "usbredirect"),
		"--device", d->path, "--to", to, NULL };
	if ((d->server = start_server(argv)) < 0) {
		fprintf(say,
		    "Cannot redirect USB device %s: cannot run %s: %s\n",
		    d->path, argv[0], strerror(errno));
		close(ls);
		return -1;
	}
	for (int i = 0; i < SERVER_START_S * 20 && fd < 0; i++) {
		struct pollfd p = { ls, POLLIN, 0 };
		if (poll(&p, 1, 50) == 1)
			fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		else if (waitpid(d->server, NULL, WNOHANG) != 0) {
			d->server = -1;
			break;
		}
	}
	close(ls);
	if (fd < 0)
		fprintf(say,
		    "Cannot redirect USB device %s: %s could not open it "
		    "(is it plugged in, and yours to use?)\n",
		    d->path, argv[0]);
	return fd;
}

/* connect to the unix socket path; -1 */
static int
unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The relay (a child process): bytes both ways until both sides are done.
 * Non-blocking, a buffer each way: with blocking writes, a relay stuck
 * writing a burst of the guest's writes to qemu-nbd while qemu-nbd is
 * stuck writing read replies to it would hold both for ever.  The first
 * bytes from the display (QEMU's NBD client negotiating) are reported on
 * ready. */
struct half {
	int from, to;
	int eof;     /* from has ended */
	size_t a, b; /* buf[a..b) waits for to */
	char buf[RELAY_BUF];
};

static void
relay(int net, int local, int ready)
{
	static struct half h[2]; /* 0: display -> qemu-nbd, 1: back */

	h[0].from = h[1].to = net;
	h[0].to = h[1].from = local;
	fcntl(net, F_SETFL, fcntl(net, F_GETFL) | O_NONBLOCK);
	fcntl(local, F_SETFL, fcntl(local, F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd p[2] = { { net, 0, 0 }, { local, 0, 0 } };
		int done = 1;
		for (int i = 0; i < 2; i++) {
			struct half *x = &h[i];
			struct pollfd *in = &p[i], *out = &p[1 - i];
			if (!x->eof && x->b < sizeof(x->buf))
				in->events |= POLLIN;
			if (x->b > x->a)
				out->events |= POLLOUT;
			if (!x->eof || x->b > x->a)
				done = 0;
		}
		if (done)
			break;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			struct half *x = &h[i];
			if (!x->eof && x->b < sizeof(x->buf) &&
			    (p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
				ssize_t n = read(x->from, x->buf + x->b,
				    sizeof(x->buf) - x->b);
				if (n > 0) {
					x->b += (size_t)n;
					if (i == 0 && ready >= 0) {
						(void)!write(ready, "1", 1);
						close(ready);
						ready = -1;
					}
				} else if (n == 0 ||
				    (errno != EAGAIN && errno != EINTR)) {
					x->eof = 1;
				}
			}
			if (x->b > x->a) {
				ssize_t n =
				    write(x->to, x->buf + x->a, x->b - x->a);
				if (n > 0)
					x->a += (size_t)n;
				else if (n < 0 && errno != EAGAIN &&
				    errno != EINTR)
					_exit(0); /* that side is gone */
				if (x->a == x->b)
					x->a = x->b = 0;
			}
			if (x->eof && x->a == x->b && x->to >= 0) {
				shutdown(x->to, SHUT_WR); /* pass the end on */
				x->to = -1;
			}
		}
	}
	_exit(0);
}

static void
wait_gone(pid_t pid, int seconds)
{
	for (int i = 0; i < seconds * 20; i++) {
		if (waitpid(pid, NULL, WNOHANG) != 0)
			return;
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* One disk: 0 attached, 1 refused (said), -1 the link failed. */
static int
attach_one(struct attach_disk *d, CLIENT *c, int main_fd, const char *host,
    const char *port, FILE *say, char *why, size_t whylen)
{
	char sock[4200], w[512];
	attach_arg a;
	attach_res r;
	CLIENT *c2;
	int fd = -1, local = -1, rc = 0, pipefd[2];
	const char *name = d->usb_id ? d->path : kim_basename(d->path);
	char uname[32];

	if (d->usb_id) {
		if ((local = usb_local(d, say)) < 0)
			return 1;
		snprintf(uname, sizeof(uname), "usb-%04x-%04x", d->usb_id >> 16,
		    d->usb_id & 0xffff);
		goto ask;
	}
	snprintf(d->dir, sizeof(d->dir), "%s/" ATTACH_DIR_PREFIX "%ld-XXXXXX",
	    litter_tmpdir(), (long)getpid());
	if (mkdtemp(d->dir) == NULL) { /* mkdtemp: 0700 */
		fprintf(say,
		    "Cannot attach %s: no temporary directory in %s: %s\n",
		    name, litter_tmpdir(), strerror(errno));
		d->dir[0] = '\0';
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/nbd.sock", d->dir);
	char *argv[] = { "qemu-nbd", "-f", "raw", "-x", "kim", "-k", sock,
		d->ro ? "--read-only" : "--cache=writeback", "--", d->path,
		NULL };
	if ((d->server = start_server(argv)) < 0) {
		fprintf(say, "Cannot attach %s: cannot run qemu-nbd: %s\n",
		    name, strerror(errno));
		return 1;
	}
	for (int i = 0; i < SERVER_START_S * 20; i++) {
		struct stat st;
		if (stat(sock, &st) == 0)
			break;
		if (waitpid(d->server, NULL, WNOHANG) != 0) {
			d->server = -1;
			fprintf(say,
			    "Cannot attach %s: qemu-nbd would not serve it "
			    "(in use by another program?)\n",
			    name);
			return 1;
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
ask:
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	a.name = (char *)(d->usb_id ? uname : name);
	a.read_only = d->ro;
	a.usb_id = d->usb_id;
	enum clnt_stat st = attach_disk_1(a, &r, c);
	if (st != RPC_SUCCESS) {
		if (st == RPC_PROCUNAVAIL) {
			fprintf(say,
			    "Cannot attach %s: the display is older and "
			    "takes no disks\n",
			    name);
			goto refused;
		}
		snprintf(
		    why, whylen, "the link failed while attaching %s", name);
		goto link_failed;
	}
	if (r.status != 0 || r.token.attach_token_len != KIM_ATTACH_TOKEN_LEN ||
	    r.disk < 1 || r.disk > KIM_ATTACH_MAX) {
		fprintf(say, "Cannot attach %s: %s\n", name,
		    kim_strerror(r.status ? r.status : KIM_E_INTERNAL));
		xdr_free((xdrproc_t)xdr_attach_res, (char *)&r);
		goto refused;
	}
	/* the second connection, along the same path as the first */
	if ((c2 = connect_display(host, port, 10, w, sizeof(w))) == NULL) {
		xdr_free((xdrproc_t)xdr_attach_res, (char *)&r);
		fprintf(say, "Cannot attach %s: %s\n", name, w);
		goto refused;
	}
	if (attach_stream_1(r.token, &rc, c2) != RPC_SUCCESS || rc != 0) {
		fprintf(say, "Cannot attach %s: %s\n", name,
		    rc ? kim_strerror(rc) : "the display hung up");
		clnt_destroy(c2);
		xdr_free((xdrproc_t)xdr_attach_res, (char *)&r);
		goto refused;
	}
	d->disk = r.disk;
	xdr_free((xdrproc_t)xdr_attach_res, (char *)&r);
	/* from here on the connection is the disk's NBD stream: ours */
	clnt_control(c2, CLGET_FD, (char *)&fd);
	clnt_control(c2, CLSET_FD_NCLOSE, NULL);
	clnt_destroy(c2);
	if ((local < 0 && (local = unix_connect(sock)) < 0) ||
	    pipe2(pipefd, O_CLOEXEC) != 0) {
		fprintf(
		    say, "Cannot attach %s: qemu-nbd does not answer\n", name);
		close(fd);
		if (local >= 0)
			close(local);
		d->disk = 0;
		return 1;
	}
	if ((d->relay = fork()) == 0) {
		close(pipefd[0]);
		if (main_fd >= 0)
			close(main_fd);	 /* the session's end is the main's */
		signal(SIGINT, SIG_IGN); /* the mobile ends the session */
		signal(SIGHUP, SIG_IGN);
		relay(fd, local, pipefd[1]);
	}
	close(pipefd[1]);
	close(fd);
	close(local);
	if (d->relay < 0) {
		close(pipefd[0]);
		fprintf(say, "Cannot attach %s: %s\n", name, strerror(errno));
		d->disk = 0;
		return 1;
	}
	struct pollfd p = { pipefd[0], POLLIN, 0 };
	char one = 0;
	int got =
	    poll(&p, 1, PLUG_S * 1000) == 1 && read(pipefd[0], &one, 1) == 1;
	close(pipefd[0]);
	if (!got) {
		fprintf(
		    say, "The display did not take %s (see its log).\n", name);
		d->disk = 0;
		return 1;
	}
	if (d->usb_id)
		fprintf(say,
		    "Your USB device %s is plugged into the session.\n", name);
	else
		fprintf(say,
		    "Your disk %s is Disk%u in the session, beside the "
		    "floppy%s.\n",
		    name, d->disk, d->ro ? " (read-only)" : "");
	kim_log(
	    "attach", "%s disk%u %s", d->path, d->disk, d->ro ? "ro" : "rw");
	return 0;
refused: /* the display said no: nothing of this one stays open */
	if (local >= 0)
		close(local);
	return 1;
link_failed:
	if (local >= 0)
		close(local);
	return -1;
}

int
attach_start(struct attach_list *l, CLIENT *c, const char *host,
    const char *port, FILE *say, char *why, size_t whylen)
{
	struct latency lat;
	int main_fd = -1;

	if (l->n == 0)
		return 0;
	if (say == NULL)
		say = stderr;
	clnt_control(c, CLGET_FD, (char *)&main_fd);
	/* every read the guest has not cached is one round trip to here */
	if (latency_probe(c, 3, &lat) == 0 && lat.mean_ms > ATTACH_SLOW_MS)
		fprintf(stderr,
		    "mobile_launcher: warning: the link's round trip "
		    "is %.0f ms; every read of an attached disk that the "
		    "application has not read before waits that long (a floppy "
		    "is copied once instead; see docs/attach.md)\n",
		    lat.mean_ms);
	for (int i = 0; i < l->n; i++)
		if (attach_one(
			&l->d[i], c, main_fd, host, port, say, why, whylen) < 0)
			return -1;
	return 0;
}

void
attach_stop(struct attach_list *l)
{
	for (int i = 0; i < l->n; i++) {
		struct attach_disk *d = &l->d[i];
		/* the display unplugged the disk at the end: QEMU closed the
		 * stream, the relay and qemu-nbd follow; else they are told */
		if (d->relay > 0) {
			wait_gone(d->relay, d->disk ? RELAY_END_S : 0);
			d->relay = -1;
		}
		if (d->server > 0) {
			if (waitpid(d->server, NULL, WNOHANG) == 0) {
				kill(d->server, SIGTERM);
				wait_gone(d->server, 5);
			}
			d->server = -1;
		}
		if (d->dir[0]) {
			char sock[4200];
			snprintf(sock, sizeof(sock), "%s/nbd.sock", d->dir);
			unlink(sock);
			rmdir(d->dir);
			d->dir[0] = '\0';
		}
	}
}
