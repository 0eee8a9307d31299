/* parent.c -- the privileged half of display_launcher (priv.h): it starts,
 * waits for, ends and cleans up the setup script on behalf of the
 * unprivileged child, and checks every request before acting on it. */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "errors.h"
#include "log.h"
#include "priv.h"
#include "session.h"
#include "spool.h"
#include "transfer.h"

#define SETUP_ABORT_GRACE 10 /* s: a failed start's clean-up */

static volatile int stopping;

/* a fixed-size field from the child: NUL-terminated inside it */
#define FIELD_OK(f) (memchr((f), '\0', sizeof(f)) != NULL)

static int
fail(struct priv_rep *r, int code, const char *fmt, const char *arg)
{
	r->rc = code;
	snprintf(r->why, sizeof(r->why), fmt, arg ? arg : "");
	return code;
}

/* The name of this spool's work directory: FNV-1a of its real path. */
static void
work_name(const char *spool_real, char *out, size_t len)
{
	unsigned long long h = 1469598103934665603ULL;

	for (const unsigned char *s = (const unsigned char *)spool_real; *s;
	     s++)
		h = (h ^ *s) * 1099511628211ULL;
	snprintf(out, len, "%016llx", h);
}

int
parent_init(struct parent *p, const struct display_config *cfg, int spool_fd,
    const char *spool_real, const char *work_root, uid_t child_uid, char *why,
    size_t whylen)
{
	char name[32];
	int fd;

	memset(p, 0, sizeof(*p));
	p->sock = -1;
	p->fd_in = -1;
	p->cfg = cfg;
	p->spool_fd = spool_fd;
	p->child_uid = child_uid;
	p->work_fd = -1;
	/* the work root's parent (/var/lib/kimberley) may not be there yet */
	{
		char up[PATH_MAX];
		snprintf(up, sizeof(up), "%s", work_root);
		char *slash = strrchr(up, '/');
		if (slash && slash != up) {
			*slash = '\0';
			mkdir(up, 0755);
		}
	}
	if ((fd = spool_open(work_root, geteuid(), getegid(), why, whylen)) < 0)
		return -1;
	close(fd);
	work_name(spool_real, name, sizeof(name));
	snprintf(
	    p->work_dir, sizeof(p->work_dir), "%.3900s/%s", work_root, name);
	if (strlen(work_root) > 3900) {
		snprintf(why, whylen, "%s: the path is too long", work_root);
		return -1;
	}
	if ((p->work_fd = spool_open(
		 p->work_dir, geteuid(), getegid(), why, whylen)) < 0)
		return -1;
	spool_empty(p->work_fd); /* what a dead session left */
	return 0;
}

void
parent_stop(struct parent *p)
{
	(void)p;
	stopping = 1;
}

/* ---- the session's files ----------------------------------------------- */

/* Open the spooled file name: without following a link, a regular file of
 * the child's with one link (its stat in *st).  The descriptor, or -1 (r
 * says why). */
static int
open_spooled(
    struct parent *p, const char *name, struct stat *st, struct priv_rep *r)
{
	int in = openat(
	    p->spool_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (in < 0) {
		fail(r, KIM_E_NO_SUCH_FILE,
		    "'%s' has not been sent to the "
		    "display",
		    name);
		return -1;
	}
	if (fstat(in, st) != 0 || !S_ISREG(st->st_mode) ||
	    st->st_uid != p->child_uid || st->st_nlink != 1) {
		close(in);
		kim_log("priv",
		    "refused spool file %s: not a regular file of the "
		    "child's with one link",
		    name);
		fail(r, KIM_E_NO_SUCH_FILE,
		    "'%s' is not a file the display "
		    "received",
		    name);
		return -1;
	}
	return in;
}

/* Copy the spooled file name into the session directory as dst. */
static int
copy_in(struct parent *p, const char *name, const char *dst, struct priv_rep *r)
{
	struct stat st;
	int in, out, rc = 0;
	char buf[1 << 16];

	if ((in = open_spooled(p, name, &st, r)) < 0)
		return -1;
	out = open(
	    dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return fail(
		    r, KIM_E_IO, "cannot copy '%s' for the session", name);
	}
	/* st_size bytes and no more: the child may still write to its file */
	for (off_t left = st.st_size; left > 0 && rc == 0;) {
		size_t want = left < (1 << 30) ? (size_t)left : (1 << 30);
		ssize_t n = copy_file_range(in, NULL, out, NULL, want, 0);
		if (n < 0 &&
		    (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
			errno == EOPNOTSUPP)) {
			/* no in-kernel copy between these file systems */
			n = read(
			    in, buf, want < sizeof(buf) ? want : sizeof(buf));
			if (n > 0 && write(out, buf, (size_t)n) != n)
				n = -1;
		}
		if (n < 0)
			rc = errno ? errno : EIO;
		else if (n == 0)
			break; /* it shrank: the script's checks will say */
		else
			left -= n;
	}
	close(in);
	if (close(out) != 0 && rc == 0)
		rc = errno;
	if (rc)
		return fail(r,
		    rc == ENOSPC ? KIM_E_DISPLAY_DISK_FULL : KIM_E_IO,
		    "cannot copy '%s' for the session", name);
	return 0;
}

static int
vm_exists(const struct parent *p, const char *vm)
{
	char path[PATH_MAX];
	struct stat st;
	int n = snprintf(path, sizeof(path), "%s/%s", p->cfg->vm_dir, vm);

	return n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode);
}

/* addr is an IPv4 address of the USB interface, up with a carrier */
static int
usb_addr_ok(const struct parent *p, const char *addr)
{
	struct ifaddrs *ifs, *i;
	char have[INET_ADDRSTRLEN];
	struct in_addr a;
	int ok = 0;

	if (inet_pton(AF_INET, addr, &a) != 1 || getifaddrs(&ifs) != 0)
		return 0;
	for (i = ifs; i && !ok; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    strcmp(i->ifa_name, p->cfg->usb_if) == 0 &&
		    inet_ntop(AF_INET,
			&((struct sockaddr_in *)i->ifa_addr)->sin_addr, have,
			sizeof(have)) &&
		    strcmp(have, addr) == 0)
			ok = 1;
	freeifaddrs(ifs);
	return ok;
}

static void
drop_session_dir(struct parent *p)
{
	if (p->sess_name[0])
		spool_remove(p->work_fd, p->sess_name);
	p->sess[0] = p->sess_name[0] = '\0';
}

static void
start(struct parent *p, const struct priv_req *q, struct priv_rep *r)
{
	const struct display_config *cfg = p->cfg;
	char sdir[PATH_MAX + 8], patch[PATH_MAX * 2], floppy[PATH_MAX * 2];
	char size[24];
	const char *addr;
	char *argv[24];
	int n = 0, rc, stream = q->arg == PRIV_STREAM, fd3 = -1;

	if (p->setup.started || p->sess[0]) {
		fail(r, KIM_E_OUT_OF_ORDER, "a session is already running",
		    NULL);
		return;
	}
	if (kim_check_vmname(q->vm) != 0 || !vm_exists(p, q->vm)) {
		fail(r, KIM_E_NO_SUCH_VM, "no VM named '%s' on this display",
		    q->vm);
		return;
	}
	/* a streamed patch is still the child's partial file (rpc/transfer.h) */
	if ((stream ? !kim_sink_is_part_name(q->patch) || q->size <= 0
		    : kim_check_name(q->patch, strlen(q->patch)) != 0) ||
	    (q->arg != 0 && !stream) ||
	    (q->floppy[0] &&
		kim_check_name(q->floppy, strlen(q->floppy)) != 0) ||
	    strcmp(q->patch, q->floppy) == 0) {
		fail(r, KIM_E_INTERNAL, "bad file names from the child", NULL);
		return;
	}
	if (q->vnc_addr[0] && !usb_addr_ok(p, q->vnc_addr)) {
		fail(r, KIM_E_NO_USB, "'%s' is not the USB link's address",
		    q->vnc_addr);
		return;
	}
	addr = q->vnc_addr[0] ? q->vnc_addr : cfg->direct_addr;
	snprintf(
	    p->sess, sizeof(p->sess), "%.4000s/session-XXXXXX", p->work_dir);
	if (mkdtemp(p->sess) == NULL) {
		p->sess[0] = '\0';
		fail(r, KIM_E_IO, "cannot make the session directory", NULL);
		return;
	}
	snprintf(p->sess_name, sizeof(p->sess_name), "%s",
	    strrchr(p->sess, '/') + 1);
	snprintf(sdir, sizeof(sdir), "%s/s", p->sess);
	snprintf(patch, sizeof(patch), "%s/in-%s", p->sess, q->patch);
	snprintf(floppy, sizeof(floppy), "%s/in-%s", p->sess, q->floppy);
	if (mkdir(sdir, 0700) != 0) {
		fail(r, KIM_E_IO, "cannot make the session directory", NULL);
		goto undo;
	}
	if (q->floppy[0] && copy_in(p, q->floppy, floppy, r) != 0)
		goto undo;
	if (stream) {
		/* not copied: the script reads it (its descriptor 3) as the
		 * child appends to it, and hashes what it reads */
		struct stat st;
		if ((fd3 = open_spooled(p, q->patch, &st, r)) < 0)
			goto undo;
		snprintf(patch, sizeof(patch), "/dev/fd/3");
		snprintf(size, sizeof(size), "%lld", (long long)q->size);
	} else if (copy_in(p, q->patch, patch, r) != 0) {
		goto undo;
	}
	argv[n++] = (char *)cfg->setup_script;
	argv[n++] = "-s";
	argv[n++] = sdir;
	argv[n++] = "-v";
	argv[n++] = (char *)cfg->vm_dir;
	if (q->floppy[0]) {
		argv[n++] = "-a";
		argv[n++] = floppy;
	}
	argv[n++] = "-x";
	argv[n++] = (char *)cfg->x_display;
	argv[n++] = "-A";
	argv[n++] = (char *)cfg->accel;
	if (addr) {
		argv[n++] = "-l";
		argv[n++] = (char *)addr;
	}
	if (cfg->key_file) {
		argv[n++] = "-k";
		argv[n++] = (char *)cfg->key_file;
	}
	if (stream) {
		argv[n++] = "-S";
		argv[n++] = size;
	}
	argv[n++] = (char *)q->vm;
	argv[n++] = patch;
	argv[n] = NULL;
	rc = setup_start(&p->setup, argv, cfg->log_fd, fd3);
	if (fd3 >= 0)
		close(fd3); /* the script has its own */
	if (rc != 0) {
		fail(
		    r, rc, "cannot run the setup script %s", cfg->setup_script);
		goto undo;
	}
	p->streaming = stream;
	return;
undo:
	drop_session_dir(p);
}

/* The child claimed a streamed start (the mobile asked for this VM and this
 * patch, now complete and verified): the script may let the VM run. */
static void
go(struct parent *p, struct priv_rep *r)
{
	if (!p->setup.started || !p->streaming) {
		fail(
		    r, KIM_E_INTERNAL, "no streamed start to go on with", NULL);
		return;
	}
	p->streaming = 0;
	/* a script that stopped already (a wrong base, a damaged patch) has
	 * said why: the waits that follow report it */
	if (setup_tell(&p->setup, "go\n") != 0)
		kim_log("priv",
		    "the setup script stopped before it was told to go");
}

/* The first line of the session's vnc.passwd (docs/contract.md section 1). */
static void
read_password(const struct parent *p, char *pw, size_t len)
{
	char path[PATH_MAX + 32];
	ssize_t n;
	int fd;

	pw[0] = '\0';
	snprintf(path, sizeof(path), "%s/s/vnc.passwd", p->sess);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	n = read(fd, pw, len - 1);
	close(fd);
	pw[n > 0 ? n : 0] = '\0';
	pw[strcspn(pw, "\r\n")] = '\0';
}

/* The child hung up (it died): nobody waits for the answer any more. */
static int
child_gone(const struct parent *p)
{
	struct pollfd pf = { p->sock, POLLRDHUP, 0 };

	return p->sock >= 0 && poll(&pf, 1, 0) == 1 &&
	    (pf.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

static void
wait_for(struct parent *p, const struct priv_req *q, struct priv_rep *r)
{
	int t = q->timeout, rc;
	double end;

	if (!p->setup.started ||
	    (q->arg != SETUP_VNC && q->arg != SETUP_RESUMED)) {
		fail(r, KIM_E_INTERNAL, "no setup script to wait for", NULL);
		return;
	}
	if (t < 1 || t > p->cfg->resume_timeout)
		t = p->cfg->resume_timeout;
	end = kim_now() + t;
	/* in slices of a second, so that a stopping display is not held up */
	for (;;) {
		rc = setup_wait(&p->setup, (enum setup_milestone)q->arg, 1,
		    r->why, sizeof(r->why));
		if (rc != KIM_E_SETUP_TIMEOUT || stopping || kim_now() >= end ||
		    child_gone(p))
			break;
	}
	if (rc == KIM_E_SETUP_TIMEOUT && stopping) {
		rc = KIM_E_SETUP_FAILED;
		snprintf(r->why, sizeof(r->why), "the display is stopping");
	} else if (rc == KIM_E_SETUP_TIMEOUT) {
		snprintf(r->why, sizeof(r->why),
		    "the application was not running "
		    "after %d s",
		    t);
	}
	r->rc = rc;
	r->vnc_port = p->setup.vnc_port;
	if (rc == 0)
		read_password(p, r->password, sizeof(r->password));
}

static void
finish(
    struct parent *p, const struct priv_req *q, struct priv_rep *r, int *fd_out)
{
	int t = q->timeout,
	    max = p->cfg->end_timeout > SETUP_ABORT_GRACE ? p->cfg->end_timeout
							  : SETUP_ABORT_GRACE;
	char path[PATH_MAX + 300];
	struct stat st;
	int fd;

	int keep = q->arg != 0 && !p->streaming; /* a VM never let run: abort */

	if (t < 1 || t > max)
		t = max;
	p->streaming = 0;
	r->rc = setup_finish(&p->setup, keep, t, r->why, sizeof(r->why));
	r->base_ok = p->setup.base_ok;
	if (r->rc == 0 && keep && p->sess[0]) {
		const char *name = p->setup.delta_name;
		snprintf(path, sizeof(path), "%s/s/%s", p->sess, name);
		fd = name[0] ? open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
			     : -1;
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			*fd_out = fd;
			snprintf(
			    r->delta_name, sizeof(r->delta_name), "%s", name);
			snprintf(r->delta_sha, sizeof(r->delta_sha), "%s",
			    p->setup.delta_sha);
		} else {
			if (fd >= 0)
				close(fd);
			fail(r, KIM_E_END_FAILED,
			    "the display did not produce the "
			    "floppy's changes",
			    NULL);
		}
	}
	/* the delta lives on in its descriptor; everything else goes */
	drop_session_dir(p);
}

static void
write_port_file(const struct parent *p, unsigned port, struct priv_rep *r)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (p->port_file == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", p->port_file);
	f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 ||
	    rename(tmp, p->port_file) != 0)
		fail(r, KIM_E_IO, "port file %s", p->port_file);
}

void
parent_handle(
    struct parent *p, const struct priv_req *q, struct priv_rep *r, int *fd_out)
{
	memset(r, 0, sizeof(*r));
	*fd_out = -1;
	if (!FIELD_OK(q->vm) || !FIELD_OK(q->patch) || !FIELD_OK(q->floppy) ||
	    !FIELD_OK(q->vnc_addr) || !FIELD_OK(q->name) ||
	    !FIELD_OK(q->hint)) {
		kim_log("priv", "refused a request with an unterminated field");
		fail(r, KIM_E_INTERNAL, "malformed request", NULL);
		return;
	}
	switch (q->op) {
	case PRIV_CHECK_VM:
		if (kim_check_vmname(q->vm) != 0)
			fail(r, KIM_E_VMNAME_BAD, "bad VM name", NULL);
		else if (!vm_exists(p, q->vm))
			fail(r, KIM_E_NO_SUCH_VM,
			    "no VM named '%s' on this display", q->vm);
		return;
	case PRIV_START: start(p, q, r); return;
	case PRIV_GO: go(p, r); return;
	case PRIV_WAIT: wait_for(p, q, r); return;
	case PRIV_FINISH: finish(p, q, r, fd_out); return;
	case PRIV_ATTACH: parent_attach(p, q, p->fd_in, r); return;
	case PRIV_IDLE:
		if (!idle_code_ok(q->code)) {
			fail(r, KIM_E_INTERNAL, "bad screen code", NULL);
			return;
		}
		if (q->arg) {
			if (strcmp(p->idle.code, q->code) != 0)
				idle_hide(&p->idle); /* shown anew with it */
			snprintf(
			    p->idle.code, sizeof(p->idle.code), "%s", q->code);
			snprintf(
			    p->idle.name, sizeof(p->idle.name), "%s", q->name);
			snprintf(
			    p->idle.hint, sizeof(p->idle.hint), "%s", q->hint);
			idle_show(&p->idle);
		} else {
			idle_hide(&p->idle);
		}
		return;
	case PRIV_READY:
		if (q->arg < 1 || q->arg > 65535)
			fail(r, KIM_E_INTERNAL, "bad port", NULL);
		else
			write_port_file(p, (unsigned)q->arg, r);
		return;
	}
	kim_log("priv", "refused unknown request %u", (unsigned)q->op);
	fail(r, KIM_E_INTERNAL, "unknown request", NULL);
}

void
parent_cleanup(struct parent *p)
{
	char why[600];

	if (p->setup.started &&
	    setup_finish(&p->setup, 0, p->cfg->end_timeout, why, sizeof(why)) !=
		0)
		kim_log("end", "setup script: %s", why);
	drop_session_dir(p);
	spool_empty(p->spool_fd);
	idle_hide(&p->idle);
}

void
parent_serve(struct parent *p, int sock)
{
	p->sock = sock;
	for (;;) {
		struct priv_req q;
		struct priv_rep r;
		int fd = -1, cut;
		/* p->fd_in: PRIV_ATTACH's socket */
		ssize_t n = priv_recv(sock, &q, sizeof(q), &p->fd_in, &cut);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the child is gone */
		if ((size_t)n != sizeof(q) || cut) {
			kim_log("priv", "refused a request of %zd bytes", n);
			memset(&r, 0, sizeof(r));
			fail(&r, KIM_E_INTERNAL, "malformed request", NULL);
		} else {
			parent_handle(p, &q, &r, &fd);
		}
		priv_send(sock, &r, sizeof(r), fd);
		if (fd >= 0)
			close(fd);
		if (p->fd_in >= 0) /* QEMU holds its own copy, if it took it */
			close(p->fd_in);
		p->fd_in = -1;
	}
	parent_cleanup(p);
}
