/* attach.c -- a disk of the mobile's, live, in the session (log step
 * "attach"; docs/attach.md).
 *
 * The child (unprivileged):
 *   ATTACH_DISK(name, ro), from the session's owner while the application
 *   runs: a disk number (1..KIM_ATTACH_MAX) and a one-time token of
 *   KIM_ATTACH_TOKEN_LEN random bytes, bound to this session, good for
 *   ATTACH_TOKEN_S seconds.
 *   ATTACH_STREAM(token), the only call on a second connection (no access
 *   code: the token is the credential): compared in constant time with every
 *   pending token; a match is used up and, once the reply (0) is sent, the
 *   connection leaves RPC (server.c calls attach_handoff) and its socket goes
 *   to the parent with SCM_RIGHTS.  A wrong, used or expired token: the
 *   refusal, logged, and the connection closes; nothing is attached.
 * The parent (root), PRIV_ATTACH: checks the descriptor (a stream socket),
 * the disk number and that a VM session runs, then has kim_qmp hand the
 * socket to QEMU (getfd, blockdev-add nbd {type: fd}, raw, device_add
 * virtio-blk-pci with serial kim-diskN), and tells the setup script
 * ("attach diskN ro|rw"), whose guest agent mounts it beside the floppy.
 * At the end the script unmounts and unplugs it (scripts/dekimberlize). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "attach.h"
#include "errors.h"
#include "log.h"
#include "names.h"
#include "step.h"

#define ATTACH_TOKEN_S 30 /* s from ATTACH_DISK to ATTACH_STREAM */
#define ATTACH_QMP_S 30	  /* s for kim_qmp's hot-plug */

/* ---- the child ------------------------------------------------------------ */

struct pending {
	unsigned char token[KIM_ATTACH_TOKEN_LEN];
	double deadline; /* 0: free */
	unsigned serial; /* the session it belongs to */
	int ro;
	unsigned usb_id; /* VID << 16 | PID, 0: a disk */
};

static pthread_mutex_t att_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pending pending[KIM_ATTACH_MAX]; /* by disk number - 1 */
static unsigned att_serial; /* the session att_used counts for */
static unsigned att_used;   /* disk numbers handed out in it */

void
session_attach_disk(struct conn *c, const attach_arg *a, attach_res *r)
{
	struct display *d = c->d;
	char q[200];
	unsigned disk;

	memset(r, 0, sizeof(*r));
	if ((r->status = step_may(c)) != 0)
		return;
	if (!step_in_state(d, S_RUNNING)) {
		r->status = step_refuse(c, KIM_E_NO_SESSION,
		    "a disk can be attached only while the application runs");
		return;
	}
	if (a->name == NULL || kim_check_name(a->name, strlen(a->name)) != 0) {
		r->status = step_refuse(c, KIM_E_NAME_BAD,
		    "the disk's name must be a plain file name");
		return;
	}
	pthread_mutex_lock(&att_lock);
	if (att_serial != d->serial) { /* a new session: nothing used yet */
		att_serial = d->serial;
		att_used = 0;
		memset(pending, 0, sizeof(pending));
	}
	if (att_used >= KIM_ATTACH_MAX) {
		pthread_mutex_unlock(&att_lock);
		r->status = step_refuse(c, KIM_E_ATTACH_MAX, NULL);
		return;
	}
	disk = ++att_used;
	struct pending *p = &pending[disk - 1];
	if (RAND_bytes(p->token, sizeof(p->token)) != 1) {
		memset(p, 0, sizeof(*p));
		pthread_mutex_unlock(&att_lock);
		r->status = step_refuse(c, KIM_E_INTERNAL, "no random token");
		return;
	}
	p->deadline = kim_now() + ATTACH_TOKEN_S;
	p->serial = d->serial;
	p->ro = a->read_only ? 1 : 0;
	p->usb_id = a->usb_id;
	r->token.attach_token_val = malloc(sizeof(p->token));
	if (r->token.attach_token_val == NULL) {
		memset(p, 0, sizeof(*p));
		pthread_mutex_unlock(&att_lock);
		r->status = step_refuse(c, KIM_E_INTERNAL, "out of memory");
		return;
	}
	memcpy(r->token.attach_token_val, p->token, sizeof(p->token));
	r->token.attach_token_len = sizeof(p->token);
	pthread_mutex_unlock(&att_lock);
	r->disk = disk;
	if (a->usb_id)
		kim_log("attach",
		    "conn=%u usb%u device %04x:%04x: token issued", c->id, disk,
		    a->usb_id >> 16, a->usb_id & 0xffff);
	else
		kim_log("attach", "conn=%u disk%u name=%s %s: token issued",
		    c->id, disk, kim_logq(q, sizeof(q), a->name),
		    a->read_only ? "read-only" : "read-write");
}

int
session_attach_stream(struct conn *c, const attach_token *t)
{
	struct display *d = c->d;
	double now = kim_now();
	unsigned serial, match = 0, usb = 0;
	int running, ro = 0;

	c->close_after_reply = 1; /* whatever happens: no more calls */
	pthread_mutex_lock(&d->lock);
	serial = d->serial;
	running = d->state == S_RUNNING && d->owner != NULL;
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_lock(&att_lock);
	/* every slot is compared, in constant time, whatever matched */
	for (unsigned i = 0; i < KIM_ATTACH_MAX; i++) {
		struct pending *p = &pending[i];
		int same = t->attach_token_len == KIM_ATTACH_TOKEN_LEN &&
		    p->deadline != 0 &&
		    CRYPTO_memcmp(p->token, t->attach_token_val,
			KIM_ATTACH_TOKEN_LEN) == 0;
		if (same && match == 0) {
			if (p->deadline >= now && p->serial == serial &&
			    running) {
				match = i + 1;
				ro = p->ro;
				usb = p->usb_id;
			}
			memset(p, 0, sizeof(*p)); /* used up, in any case */
		}
	}
	if (match)
		c->attach_disk =
		    (int)match | (ro ? ATTACH_RO : 0) | (usb ? ATTACH_USB : 0);
	if (match && usb)
		c->attach_usb = usb;
	pthread_mutex_unlock(&att_lock);
	if (!match) {
		kim_log("attach",
		    "conn=%u peer=%s wrong, used or expired disk "
		    "token: refused, nothing attached",
		    c->id, c->peer);
		return step_refuse(c, KIM_E_ATTACH_TOKEN, NULL);
	}
	kim_log("attach", "conn=%u peer=%s disk%u token accepted", c->id,
	    c->peer, match);
	return 0;
}

void
attach_handoff(struct conn *c)
{
	struct priv_req q = { .op = PRIV_ATTACH, .arg = c->attach_disk };
	struct priv_rep r;
	int fd, back = -1;

	if (q.arg & ATTACH_USB)
		snprintf(q.name, sizeof(q.name), "%04x:%04x",
		    c->attach_usb >> 16, c->attach_usb & 0xffff);
	c->attach_disk = 0;
	fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		kim_log("attach", "conn=%u cannot keep the socket: %s", c->id,
		    strerror(errno));
		return;
	}
	double t0 = kim_now();
	const char *kind = q.arg & ATTACH_USB ? "usb" : "disk";
	if (priv_call_fd(c->d->priv, &q, fd, &r, &back) != 0 || r.rc != 0)
		kim_log("attach", "conn=%u %s%d not attached: %s", c->id, kind,
		    q.arg & 0xff, r.why);
	else
		kim_log("attach", "conn=%u %s%d attached%s%s in %.3f s", c->id,
		    kind, q.arg & 0xff, q.arg & ATTACH_RO ? " read-only" : "",
		    q.arg & ATTACH_USB ? " (usb-redir)" : "", kim_now() - t0);
	if (back >= 0)
		close(back);
	close(fd); /* QEMU has its own copy now, or nobody does */
}

/* ---- the parent ----------------------------------------------------------- */

static char att_session[64]; /* the session att_plugged is about */
static unsigned att_plugged; /* bit n-1: disk n was plugged in */

void
parent_attach(
    struct parent *p, const struct priv_req *q, int fd, struct priv_rep *r)
{
	const struct display_config *cfg = p->cfg;
	char qmp[PATH_MAX + 64], tool[PATH_MAX], id[16], line[32];
	int disk = q->arg & 0xff, ro = (q->arg & ATTACH_RO) != 0, type = 0,
	    status = 0, resumed, usb = (q->arg & ATTACH_USB) != 0;
	unsigned vid = 0, prod = 0;
	char vidpid[16], tail;
	socklen_t tl = sizeof(type);
	posix_spawn_file_actions_t fa;
	struct stat st;
	pid_t pid;

	r->rc = KIM_E_ATTACH_FAILED;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode) ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 ||
	    type != SOCK_STREAM) {
		snprintf(
		    r->why, sizeof(r->why), "no stream socket came with it");
		return;
	}
	if (disk < 1 || disk > KIM_ATTACH_MAX ||
	    (q->arg & ~(0xff | ATTACH_RO | ATTACH_USB))) {
		snprintf(r->why, sizeof(r->why), "bad disk number");
		return;
	}
	if (usb &&
	    (strlen(q->name) != 9 ||
		sscanf(q->name, "%4x:%4x%c", &vid, &prod, &tail) != 2)) {
		snprintf(r->why, sizeof(r->why), "bad USB device id");
		return;
	}
	snprintf(vidpid, sizeof(vidpid), "%04x:%04x", vid, prod);
	pthread_mutex_lock(&p->setup.lock);
	resumed = p->setup.started && p->setup.resumed && !p->setup.exited &&
	    p->setup.to_script >= 0;
	pthread_mutex_unlock(&p->setup.lock);
	if (!resumed || p->sess[0] == '\0') {
		snprintf(r->why, sizeof(r->why), "no application session runs");
		return;
	}
	if (strcmp(att_session, p->sess_name) != 0) {
		snprintf(att_session, sizeof(att_session), "%s", p->sess_name);
		att_plugged = 0;
	}
	if (att_plugged & (1u << (disk - 1))) {
		snprintf(
		    r->why, sizeof(r->why), "disk%d is attached already", disk);
		return;
	}
	/* the VM backend's QMP socket (scripts/dekimberlize: $S/vm/run) */
	snprintf(qmp, sizeof(qmp), "%s/s/vm/run/qmp.sock", p->sess);
	if (lstat(qmp, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		snprintf(r->why, sizeof(r->why),
		    "this kind of base cannot take a "
		    "disk (no VM monitor)");
		return;
	}
	/* kim_qmp lives beside the setup script */
	snprintf(tool, sizeof(tool), "%s", cfg->setup_script);
	char *slash = strrchr(tool, '/');
	snprintf(slash ? slash + 1 : tool,
	    sizeof(tool) - (size_t)(slash ? slash + 1 - tool : 0), "kim_qmp");
	snprintf(id, sizeof(id), "%s%d", usb ? "usb" : "disk", disk);
	char tmo[16];
	snprintf(tmo, sizeof(tmo), "%d", ATTACH_QMP_S);
	char *argv[] = { tool, "-t", tmo, qmp, "attach-nbd", id, "3",
		ro ? "ro" : "rw", NULL };
	if (usb) { /* usb-redir on the base's xhci, filtered to VID:PID */
		argv[4] = "attach-usbredir";
		argv[7] = vidpid;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 3);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (cfg->log_fd >= 0) {
		posix_spawn_file_actions_adddup2(&fa, cfg->log_fd, 1);
		posix_spawn_file_actions_adddup2(&fa, cfg->log_fd, 2);
	}
	extern char **environ;
	int e = posix_spawn(&pid, tool, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0) {
		snprintf(r->why, sizeof(r->why), "cannot run %.400s: %s", tool,
		    strerror(e));
		return;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(r->why, sizeof(r->why),
		    "QEMU did not take the disk "
		    "(see the display's log)");
		return;
	}
	att_plugged |= 1u << (disk - 1);
	r->rc = 0;
	if (usb)
		return; /* the guest's own USB stack takes it from here */
	/* the guest mounts it; the script reports "STEP attach diskN ..." */
	snprintf(line, sizeof(line), "attach %s %s\n", id, ro ? "ro" : "rw");
	if (setup_tell(&p->setup, line) != 0)
		kim_log("attach", "%s: cannot tell the setup script: %s", id,
		    strerror(errno));
	r->rc = 0;
}
