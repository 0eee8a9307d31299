/*
 * kim_qmp -- a small QMP client for the VM scripts: it reads QEMU's replies
 * and events instead of sleeping.
 *
 *   kim_qmp [-t SECONDS] SOCKET OP [ARG]...
 *
 * OPs, run in order on one connection (default timeout 120 s in all):
 *   incoming URI   QEMU started with -incoming defer: load the state from URI
 *                  (e.g. "exec:cat base.mem") and wait until it is loaded
 *   save URI       stop the VM and save its state to URI (e.g.
 *                  "exec:cat > app.mem"); waits until the save completed
 *   cont           resume the VM; waits for the RESUME event
 *   stop           pause the VM
 *   quit           quit QEMU; waits until QEMU closed the connection
 *   status         print the run state (e.g. "running", "paused")
 *   change-medium DEVICE FILE
 *                  put the raw image FILE, read-only, into the removable
 *                  drive DEVICE (its qdev id, e.g. "cdrom"); the tray closes
 *   eject DEVICE   take the medium out of DEVICE (forced: the guest has
 *                  unmounted it by then)
 *   usb-stick DRIVE
 *                  plug the drive DRIVE (-drive if=none,id=DRIVE) in as a
 *                  USB mass-storage device (id DRIVE-usb) on the bus "usb"
 *   attach-nbd ID FD ro|rw
 *                  a mobile's disk (docs/attach.md): the connected socket
 *                  FD (an NBD server's stream, export "kim") goes to QEMU
 *                  (getfd ID), becomes the block nodes ID-nbd and ID-raw
 *                  (read-only with ro) and the virtio disk ID with serial
 *                  kim-ID; what was added is taken back if a step fails
 *   detach ID      undo attach-nbd: device_del (the guest ejects it; waits
 *                  for DEVICE_DELETED), then blockdev-del ID-raw and ID-nbd
 *   attach-usbredir ID FD VID:PID
 *                  a mobile's USB device: the connected socket FD (a
 *                  usbredir stream) becomes the chardev ID and the device
 *                  usb-redir ID on the bus usb.0, its filter admitting
 *                  VID:PID (hex) and nothing else
 *   detach-usb ID  device_del ID (its chardev goes with it); waits for
 *                  DEVICE_DELETED
 *   hmp COMMAND    a human-monitor command (e.g. "info usb"); its output
 *                  on stdout
 *
 * Waits for the socket to appear (QEMU still starting) within the timeout.
 * Exit 0 when every OP succeeded; otherwise a message on stderr, exit 1.
 */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "rpc/clock.h"

static const char *prog = "kim_qmp";

struct qmp {
	int fd;
	double deadline;
	char buf[65536];
	size_t len;
	int id;
	char migration[32]; /* last MIGRATION event status */
	int resumed;	    /* saw a RESUME event */
	char deleted[64];   /* last DEVICE_DELETED event's device */
};

static void
fail(const char *what, const char *why)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, why);
	exit(1);
}

static void
qmp_connect(struct qmp *q, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path)
		fail(path, "socket path too long");
	strcpy(sa.sun_path, path);
	for (;;) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0)
			fail("socket", strerror(errno));
		if (connect(q->fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			return;
		int e = errno;
		close(q->fd);
		if ((e != ENOENT && e != ECONNREFUSED) ||
		    kim_now() > q->deadline)
			fail(path, strerror(e));
		/* QEMU is still starting: the socket appears within milliseconds */
		poll(NULL, 0, 10);
	}
}

/* Next JSON message; NULL on EOF.  Exits on timeout or bad input. */
static json_object *
qmp_read(struct qmp *q)
{
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);
		if (nl) {
			*nl = '\0';
			if (getenv("KIM_QMP_DEBUG"))
				fprintf(stderr, "%s: <- %s\n", prog, q->buf);
			json_object *o = json_tokener_parse(q->buf);
			size_t used = nl + 1 - q->buf;
			memmove(q->buf, nl + 1, q->len - used);
			q->len -= used;
			if (!o)
				continue; /* not JSON: ignore */
			json_object *ev;
			if (json_object_object_get_ex(o, "event", &ev)) {
				const char *name = json_object_get_string(ev);
				json_object *data, *st;
				if (!strcmp(name, "MIGRATION") &&
				    json_object_object_get_ex(
					o, "data", &data) &&
				    json_object_object_get_ex(
					data, "status", &st))
					snprintf(q->migration,
					    sizeof q->migration, "%s",
					    json_object_get_string(st));
				if (!strcmp(name, "RESUME"))
					q->resumed = 1;
				if (!strcmp(name, "DEVICE_DELETED") &&
				    json_object_object_get_ex(
					o, "data", &data) &&
				    json_object_object_get_ex(
					data, "device", &st))
					snprintf(q->deleted, sizeof q->deleted,
					    "%s", json_object_get_string(st));
			}
			return o;
		}
		if (q->len == sizeof q->buf)
			fail("QMP", "message too long");
		int ms = (int)((q->deadline - kim_now()) * 1000);
		if (ms <= 0)
			fail("QMP", "timed out waiting for QEMU");
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		int n = poll(&p, 1, ms);
		if (n < 0 && errno != EINTR)
			fail("poll", strerror(errno));
		if (n <= 0)
			continue;
		ssize_t r =
		    read(q->fd, q->buf + q->len, sizeof q->buf - q->len);
		if (r < 0 && errno == ECONNRESET)
			return NULL; /* QEMU went away (e.g. after quit) */
		if (r < 0 && errno != EINTR)
			fail("QMP read", strerror(errno));
		if (r == 0)
			return NULL;
		if (r > 0)
			q->len += r;
	}
}

/* Run one command; returns its "return" value (owned by the caller's
 * reply, which is returned via *reply).  Exits on an "error" reply. */
/* Send one command; its id, or -1 when QEMU's end is closed. */
/* pass_fd >= 0: the descriptor rides along (SCM_RIGHTS), for getfd. */
static int
qmp_send_fd(struct qmp *q, const char *cmd, json_object *args, int pass_fd)
{
	json_object *req = json_object_new_object();
	int id = ++q->id, ok;
	json_object_object_add(req, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(req, "arguments", args);
	json_object_object_add(req, "id", json_object_new_int(id));
	const char *s =
	    json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t n = strlen(s);
	if (pass_fd >= 0) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} cm;
		struct iovec iov = { (void *)s, n };
		struct msghdr m = { .msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cm.buf,
			.msg_controllen = sizeof cm.buf };
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		memset(cm.buf, 0, sizeof cm.buf);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
		ok = sendmsg(q->fd, &m, MSG_NOSIGNAL) == (ssize_t)n &&
		    write(q->fd, "\n", 1) == 1;
	} else {
		ok = write(q->fd, s, n) == (ssize_t)n &&
		    write(q->fd, "\n", 1) == 1;
	}
	json_object_put(req);
	return ok ? id : -1;
}

static int
qmp_send(struct qmp *q, const char *cmd, json_object *args)
{
	return qmp_send_fd(q, cmd, args, -1);
}

static json_object *
qmp_cmd(struct qmp *q, const char *cmd, json_object *args, json_object **reply)
{
	int id = qmp_send(q, cmd, args);
	if (id < 0)
		fail(cmd, "cannot send to QEMU");
	for (;;) {
		json_object *o = qmp_read(q), *v, *idv;
		if (!o)
			fail(cmd, "QEMU closed the connection");
		if (json_object_object_get_ex(o, "id", &idv) &&
		    json_object_get_int(idv) == id) {
			if (json_object_object_get_ex(o, "error", &v)) {
				json_object *d;
				const char *why =
				    json_object_object_get_ex(v, "desc", &d)
				    ? json_object_get_string(d)
				    : "error";
				fail(cmd, why);
			}
			json_object_object_get_ex(o, "return", &v);
			*reply = o;
			return v;
		}
		json_object_put(o);
	}
}

static void
qmp_simple(struct qmp *q, const char *cmd, json_object *args)
{
	json_object *reply;
	qmp_cmd(q, cmd, args, &reply);
	json_object_put(reply);
}

/* Run cmd; 0, or -1 with QEMU's error on stderr (no exit: the caller
 * undoes what it added). */
static int
qmp_try(struct qmp *q, const char *cmd, json_object *args, int pass_fd)
{
	int id = qmp_send_fd(q, cmd, args, pass_fd);
	if (id < 0)
		fail(cmd, "cannot send to QEMU");
	for (;;) {
		json_object *o = qmp_read(q), *v, *idv, *d;
		if (!o)
			fail(cmd, "QEMU closed the connection");
		if (json_object_object_get_ex(o, "id", &idv) &&
		    json_object_get_int(idv) == id) {
			int rc = 0;
			if (json_object_object_get_ex(o, "error", &v)) {
				fprintf(stderr, "%s: %s: %s\n", prog, cmd,
				    json_object_object_get_ex(v, "desc", &d)
					? json_object_get_string(d)
					: "error");
				rc = -1;
			}
			json_object_put(o);
			return rc;
		}
		json_object_put(o);
	}
}

static json_object *
id_args(const char *key, const char *val)
{
	json_object *a = json_object_new_object();
	json_object_object_add(a, key, json_object_new_string(val));
	return a;
}

/* an id of ours: a letter, then letters, digits, '-' (QEMU's node names) */
static void
check_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 16 || !isalpha((unsigned char)id[0]))
		fail(id, "bad id");
	for (size_t k = 0; k < n; k++)
		if (!isalnum((unsigned char)id[k]) && id[k] != '-')
			fail(id, "bad id");
}

static int
attach_nbd(struct qmp *q, const char *id, int fd, int ro)
{
	char nbd[40], raw[40], serial[40];
	json_object *a, *srv;

	snprintf(nbd, sizeof nbd, "%s-nbd", id);
	snprintf(raw, sizeof raw, "%s-raw", id);
	snprintf(serial, sizeof serial, "kim-%s", id);
	if (qmp_try(q, "getfd", id_args("fdname", id), fd) != 0)
		return -1;
	a = json_object_new_object();
	srv = json_object_new_object();
	json_object_object_add(srv, "type", json_object_new_string("fd"));
	json_object_object_add(srv, "str", json_object_new_string(id));
	json_object_object_add(a, "driver", json_object_new_string("nbd"));
	json_object_object_add(a, "node-name", json_object_new_string(nbd));
	json_object_object_add(a, "server", srv);
	json_object_object_add(a, "export", json_object_new_string("kim"));
	json_object_object_add(a, "read-only", json_object_new_boolean(ro));
	if (qmp_try(q, "blockdev-add", a, -1) != 0)
		goto no_nbd;
	a = json_object_new_object();
	json_object_object_add(a, "driver", json_object_new_string("raw"));
	json_object_object_add(a, "node-name", json_object_new_string(raw));
	json_object_object_add(a, "file", json_object_new_string(nbd));
	json_object_object_add(a, "read-only", json_object_new_boolean(ro));
	if (qmp_try(q, "blockdev-add", a, -1) != 0)
		goto no_raw;
	a = json_object_new_object();
	json_object_object_add(
	    a, "driver", json_object_new_string("virtio-blk-pci"));
	json_object_object_add(a, "id", json_object_new_string(id));
	json_object_object_add(a, "drive", json_object_new_string(raw));
	json_object_object_add(a, "serial", json_object_new_string(serial));
	if (qmp_try(q, "device_add", a, -1) != 0)
		goto no_dev;
	return 0;
no_dev:
	qmp_try(q, "blockdev-del", id_args("node-name", raw), -1);
no_raw:
	qmp_try(q, "blockdev-del", id_args("node-name", nbd), -1);
	return -1;
no_nbd:
	qmp_try(q, "closefd", id_args("fdname", id), -1);
	return -1;
}

static int
detach(struct qmp *q, const char *id)
{
	char nbd[40], raw[40];
	int rc = 0;

	snprintf(nbd, sizeof nbd, "%s-nbd", id);
	snprintf(raw, sizeof raw, "%s-raw", id);
	q->deleted[0] = '\0';
	if (qmp_try(q, "device_del", id_args("id", id), -1) == 0)
		/* the guest's ACPI eject: 0.2-0.3 s measured; bounded by -t */
		while (strcmp(q->deleted, id)) {
			json_object *o = qmp_read(q);
			if (!o)
				fail("detach", "QEMU closed the connection");
			json_object_put(o);
		}
	else
		rc = -1;
	if (qmp_try(q, "blockdev-del", id_args("node-name", raw), -1) != 0)
		rc = -1;
	if (qmp_try(q, "blockdev-del", id_args("node-name", nbd), -1) != 0)
		rc = -1;
	return rc;
}

static int
attach_usbredir(struct qmp *q, const char *id, int fd, const char *vidpid)
{
	unsigned vid, pid;
	char tail, filter[64];
	json_object *a, *backend, *data, *addr, *addrdata;

	if (sscanf(vidpid, "%4x:%4x%c", &vid, &pid, &tail) != 2)
		fail(vidpid, "not VID:PID");
	/* class:vendor:product:version:allow, then reject everything else */
	snprintf(filter, sizeof filter, "-1:0x%04x:0x%04x:-1:1|-1:-1:-1:-1:0",
	    vid, pid);
	if (qmp_try(q, "getfd", id_args("fdname", id), fd) != 0)
		return -1;
	addrdata = json_object_new_object();
	json_object_object_add(addrdata, "str", json_object_new_string(id));
	addr = json_object_new_object();
	json_object_object_add(addr, "type", json_object_new_string("fd"));
	json_object_object_add(addr, "data", addrdata);
	data = json_object_new_object();
	json_object_object_add(data, "addr", addr);
	json_object_object_add(data, "server", json_object_new_boolean(0));
	backend = json_object_new_object();
	json_object_object_add(
	    backend, "type", json_object_new_string("socket"));
	json_object_object_add(backend, "data", data);
	a = json_object_new_object();
	json_object_object_add(a, "id", json_object_new_string(id));
	json_object_object_add(a, "backend", backend);
	if (qmp_try(q, "chardev-add", a, -1) != 0) {
		qmp_try(q, "closefd", id_args("fdname", id), -1);
		return -1;
	}
	a = json_object_new_object();
	json_object_object_add(
	    a, "driver", json_object_new_string("usb-redir"));
	json_object_object_add(a, "id", json_object_new_string(id));
	json_object_object_add(a, "chardev", json_object_new_string(id));
	json_object_object_add(a, "bus", json_object_new_string("usb.0"));
	json_object_object_add(a, "filter", json_object_new_string(filter));
	if (getenv("KIM_QMP_USBREDIR_DEBUG"))
		json_object_object_add(a, "debug",
		    json_object_new_int(
			atoi(getenv("KIM_QMP_USBREDIR_DEBUG"))));
	if (qmp_try(q, "device_add", a, -1) != 0) {
		qmp_try(q, "chardev-remove", id_args("id", id), -1);
		return -1;
	}
	return 0;
}

static int
detach_usb(struct qmp *q, const char *id)
{
	q->deleted[0] = '\0';
	if (qmp_try(q, "device_del", id_args("id", id), -1) != 0)
		return -1;
	while (strcmp(q->deleted, id)) {
		json_object *o = qmp_read(q);
		if (!o)
			fail("detach-usb", "QEMU closed the connection");
		json_object_put(o);
	}
	return 0;
}

static void
migration_events_on(struct qmp *q)
{
	json_object *cap = json_object_new_object(),
		    *caps = json_object_new_array();
	json_object_object_add(
	    cap, "capability", json_object_new_string("events"));
	json_object_object_add(cap, "state", json_object_new_boolean(1));
	json_object_array_add(caps, cap);
	json_object *args = json_object_new_object();
	json_object_object_add(args, "capabilities", caps);
	qmp_simple(q, "migrate-set-capabilities", args);
}

static void
wait_migration(struct qmp *q, const char *what)
{
	while (strcmp(q->migration, "completed")) {
		if (!strcmp(q->migration, "failed") ||
		    !strcmp(q->migration, "cancelled"))
			fail(what, "migration failed (see QEMU's log)");
		json_object *o = qmp_read(q);
		if (!o)
			fail(what,
			    "QEMU closed the connection (crashed? see its log)");
		json_object_put(o);
	}
}

static json_object *
uri_args(const char *uri)
{
	json_object *a = json_object_new_object();
	json_object_object_add(a, "uri", json_object_new_string(uri));
	return a;
}

int
main(int argc, char **argv)
{
	/* a QMP socket QEMU closed is reported (EPIPE: "cannot send"), not a
	 * silent death by SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	struct qmp q = { .fd = -1 };
	double timeout = 120;
	int i = 1;

	if (i + 1 < argc && !strcmp(argv[i], "-t")) {
		timeout = atof(argv[i + 1]);
		i += 2;
	}
	if (argc - i < 2) {
		fprintf(stderr,
		    "usage: %s [-t SECONDS] SOCKET incoming URI|save URI|cont|stop|quit|status|change-medium DEV FILE|eject DEV|usb-stick DRIVE|attach-nbd ID FD ro|rw|detach ID|attach-usbredir ID FD VID:PID|detach-usb ID|hmp CMD...\n",
		    prog);
		return 2;
	}
	q.deadline = kim_now() + timeout;
	qmp_connect(&q, argv[i++]);
	json_object *greeting = qmp_read(&q);
	if (!greeting)
		fail("QMP", "no greeting from QEMU");
	json_object_put(greeting);
	qmp_simple(&q, "qmp_capabilities", NULL);

	for (; i < argc; i++) {
		const char *op = argv[i];
		if (!strcmp(op, "incoming") && i + 1 < argc) {
			migration_events_on(&q);
			q.migration[0] = '\0';
			qmp_simple(&q, "migrate-incoming", uri_args(argv[++i]));
			wait_migration(&q, "incoming");
		} else if (!strcmp(op, "save") && i + 1 < argc) {
			qmp_simple(&q, "stop", NULL);
			json_object *p = json_object_new_object();
			json_object_object_add(p, "max-bandwidth",
			    json_object_new_int64(10737418240LL));
			qmp_simple(&q, "migrate-set-parameters", p);
			migration_events_on(&q);
			q.migration[0] = '\0';
			qmp_simple(&q, "migrate", uri_args(argv[++i]));
			wait_migration(&q, "save");
		} else if (!strcmp(op, "cont")) {
			q.resumed = 0;
			qmp_simple(&q, "cont", NULL);
			while (!q.resumed) {
				json_object *o = qmp_read(&q);
				if (!o)
					fail("cont",
					    "QEMU closed the connection");
				json_object_put(o);
			}
		} else if (!strcmp(op, "stop")) {
			qmp_simple(&q, "stop", NULL);
		} else if (!strcmp(op, "status")) {
			json_object *reply, *st;
			json_object *r =
			    qmp_cmd(&q, "query-status", NULL, &reply);
			if (r && json_object_object_get_ex(r, "status", &st))
				printf("%s\n", json_object_get_string(st));
			json_object_put(reply);
		} else if (!strcmp(op, "change-medium") && i + 2 < argc) {
			json_object *a = json_object_new_object();
			json_object_object_add(
			    a, "id", json_object_new_string(argv[++i]));
			json_object_object_add(
			    a, "filename", json_object_new_string(argv[++i]));
			json_object_object_add(
			    a, "format", json_object_new_string("raw"));
			json_object_object_add(a, "read-only-mode",
			    json_object_new_string("read-only"));
			qmp_simple(&q, "blockdev-change-medium", a);
		} else if (!strcmp(op, "eject") && i + 1 < argc) {
			json_object *a = json_object_new_object();
			json_object_object_add(
			    a, "id", json_object_new_string(argv[++i]));
			json_object_object_add(
			    a, "force", json_object_new_boolean(1));
			qmp_simple(&q, "eject", a);
		} else if (!strcmp(op, "usb-stick") && i + 1 < argc) {
			char id[128];
			snprintf(id, sizeof id, "%s-usb", argv[i + 1]);
			json_object *a = json_object_new_object();
			json_object_object_add(
			    a, "driver", json_object_new_string("usb-storage"));
			json_object_object_add(
			    a, "id", json_object_new_string(id));
			json_object_object_add(
			    a, "drive", json_object_new_string(argv[++i]));
			json_object_object_add(
			    a, "bus", json_object_new_string("usb.0"));
			json_object_object_add(
			    a, "removable", json_object_new_boolean(1));
			qmp_simple(&q, "device_add", a);
		} else if (!strcmp(op, "attach-nbd") && i + 3 < argc) {
			const char *id = argv[++i];
			char *end;
			long fd = strtol(argv[++i], &end, 10);
			const char *mode = argv[++i];
			check_id(id);
			if (*end || fd < 3 || fd > 1023 ||
			    (strcmp(mode, "ro") && strcmp(mode, "rw")))
				fail("attach-nbd", "wants ID FD ro|rw");
			if (attach_nbd(&q, id, (int)fd, !strcmp(mode, "ro")) !=
			    0)
				return 1;
		} else if (!strcmp(op, "attach-usbredir") && i + 3 < argc) {
			const char *id = argv[++i];
			char *end;
			long fd = strtol(argv[++i], &end, 10);
			check_id(id);
			if (*end || fd < 3 || fd > 1023)
				fail("attach-usbredir", "wants ID FD VID:PID");
			if (attach_usbredir(&q, id, (int)fd, argv[++i]) != 0)
				return 1;
		} else if (!strcmp(op, "detach-usb") && i + 1 < argc) {
			check_id(argv[i + 1]);
			if (detach_usb(&q, argv[++i]) != 0)
				return 1;
		} else if (!strcmp(op, "hmp") && i + 1 < argc) {
			json_object *reply, *a = json_object_new_object();
			json_object_object_add(a, "command-line",
			    json_object_new_string(argv[++i]));
			json_object *r =
			    qmp_cmd(&q, "human-monitor-command", a, &reply);
			fputs(r ? json_object_get_string(r) : "", stdout);
			json_object_put(reply);
		} else if (!strcmp(op, "detach") && i + 1 < argc) {
			check_id(argv[i + 1]);
			if (detach(&q, argv[++i]) != 0)
				return 1;
		} else if (!strcmp(op, "quit")) {
			/* QEMU may close the connection before its answer to quit
			 * reaches us (seen on a loaded machine, after a save): the
			 * connection's end is the answer; only an error reply fails */
			json_object *o, *v;
			if (qmp_send(&q, "quit", NULL) >= 0)
				while ((o = qmp_read(&q))) {
					if (json_object_object_get_ex(
						o, "error", &v))
						fail("quit",
						    json_object_to_json_string(
							v));
					json_object_put(o);
				}
		} else {
			fprintf(stderr, "%s: unknown op '%s'\n", prog, op);
			return 2;
		}
	}
	close(q.fd);
	return 0;
}
