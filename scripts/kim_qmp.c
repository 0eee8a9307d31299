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
	char migration[32];   /* last MIGRATION event status */
	int resumed;          /* saw a RESUME event */
};

static void fail(const char *what, const char *why)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, why);
	exit(1);
}

static void qmp_connect(struct qmp *q, const char *path)
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
		if ((e != ENOENT && e != ECONNREFUSED) || kim_now() > q->deadline)
			fail(path, strerror(e));
		/* QEMU is still starting: the socket appears within milliseconds */
		poll(NULL, 0, 10);
	}
}

/* Next JSON message; NULL on EOF.  Exits on timeout or bad input. */
static json_object *qmp_read(struct qmp *q)
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
				continue;   /* not JSON: ignore */
			json_object *ev;
			if (json_object_object_get_ex(o, "event", &ev)) {
				const char *name = json_object_get_string(ev);
				json_object *data, *st;
				if (!strcmp(name, "MIGRATION") && json_object_object_get_ex(o, "data", &data) &&
				    json_object_object_get_ex(data, "status", &st))
					snprintf(q->migration, sizeof q->migration, "%s", json_object_get_string(st));
				if (!strcmp(name, "RESUME"))
					q->resumed = 1;
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
		ssize_t r = read(q->fd, q->buf + q->len, sizeof q->buf - q->len);
		if (r < 0 && errno == ECONNRESET)
			return NULL;   /* QEMU went away (e.g. after quit) */
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
static int qmp_send(struct qmp *q, const char *cmd, json_object *args)
{
	json_object *req = json_object_new_object();
	int id = ++q->id, ok;
	json_object_object_add(req, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(req, "arguments", args);
	json_object_object_add(req, "id", json_object_new_int(id));
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t n = strlen(s);
	ok = write(q->fd, s, n) == (ssize_t)n && write(q->fd, "\n", 1) == 1;
	json_object_put(req);
	return ok ? id : -1;
}

static json_object *qmp_cmd(struct qmp *q, const char *cmd, json_object *args, json_object **reply)
{
	int id = qmp_send(q, cmd, args);
	if (id < 0)
		fail(cmd, "cannot send to QEMU");
	for (;;) {
		json_object *o = qmp_read(q), *v, *idv;
		if (!o)
			fail(cmd, "QEMU closed the connection");
		if (json_object_object_get_ex(o, "id", &idv) && json_object_get_int(idv) == id) {
			if (json_object_object_get_ex(o, "error", &v)) {
				json_object *d;
				const char *why = json_object_object_get_ex(v, "desc", &d) ?
					json_object_get_string(d) : "error";
				fail(cmd, why);
			}
			json_object_object_get_ex(o, "return", &v);
			*reply = o;
			return v;
		}
		json_object_put(o);
	}
}

static void qmp_simple(struct qmp *q, const char *cmd, json_object *args)
{
	json_object *reply;
	qmp_cmd(q, cmd, args, &reply);
	json_object_put(reply);
}

static void migration_events_on(struct qmp *q)
{
	json_object *cap = json_object_new_object(), *caps = json_object_new_array();
	json_object_object_add(cap, "capability", json_object_new_string("events"));
	json_object_object_add(cap, "state", json_object_new_boolean(1));
	json_object_array_add(caps, cap);
	json_object *args = json_object_new_object();
	json_object_object_add(args, "capabilities", caps);
	qmp_simple(q, "migrate-set-capabilities", args);
}

static void wait_migration(struct qmp *q, const char *what)
{
	while (strcmp(q->migration, "completed")) {
		if (!strcmp(q->migration, "failed") || !strcmp(q->migration, "cancelled"))
			fail(what, "migration failed (see QEMU's log)");
		json_object *o = qmp_read(q);
		if (!o)
			fail(what, "QEMU closed the connection (crashed? see its log)");
		json_object_put(o);
	}
}

static json_object *uri_args(const char *uri)
{
	json_object *a = json_object_new_object();
	json_object_object_add(a, "uri", json_object_new_string(uri));
	return a;
}

int main(int argc, char **argv)
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
		fprintf(stderr, "usage: %s [-t SECONDS] SOCKET incoming URI|save URI|cont|stop|quit|status|change-medium DEV FILE|eject DEV|usb-stick DRIVE...\n", prog);
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
			json_object_object_add(p, "max-bandwidth", json_object_new_int64(10737418240LL));
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
					fail("cont", "QEMU closed the connection");
				json_object_put(o);
			}
		} else if (!strcmp(op, "stop")) {
			qmp_simple(&q, "stop", NULL);
		} else if (!strcmp(op, "status")) {
			json_object *reply, *st;
			json_object *r = qmp_cmd(&q, "query-status", NULL, &reply);
			if (r && json_object_object_get_ex(r, "status", &st))
				printf("%s\n", json_object_get_string(st));
			json_object_put(reply);
		} else if (!strcmp(op, "change-medium") && i + 2 < argc) {
			json_object *a = json_object_new_object();
			json_object_object_add(a, "id", json_object_new_string(argv[++i]));
			json_object_object_add(a, "filename", json_object_new_string(argv[++i]));
			json_object_object_add(a, "format", json_object_new_string("raw"));
			json_object_object_add(a, "read-only-mode", json_object_new_string("read-only"));
			qmp_simple(&q, "blockdev-change-medium", a);
		} else if (!strcmp(op, "eject") && i + 1 < argc) {
			json_object *a = json_object_new_object();
			json_object_object_add(a, "id", json_object_new_string(argv[++i]));
			json_object_object_add(a, "force", json_object_new_boolean(1));
			qmp_simple(&q, "eject", a);
		} else if (!strcmp(op, "usb-stick") && i + 1 < argc) {
			char id[128];
			snprintf(id, sizeof id, "%s-usb", argv[i + 1]);
			json_object *a = json_object_new_object();
			json_object_object_add(a, "driver", json_object_new_string("usb-storage"));
			json_object_object_add(a, "id", json_object_new_string(id));
			json_object_object_add(a, "drive", json_object_new_string(argv[++i]));
			json_object_object_add(a, "bus", json_object_new_string("usb.0"));
			json_object_object_add(a, "removable", json_object_new_boolean(1));
			qmp_simple(&q, "device_add", a);
		} else if (!strcmp(op, "quit")) {
			/* QEMU may close the connection before its answer to quit
			 * reaches us (seen on a loaded machine, after a save): the
			 * connection's end is the answer; only an error reply fails */
			json_object *o, *v;
			if (qmp_send(&q, "quit", NULL) >= 0)
				while ((o = qmp_read(&q))) {
					if (json_object_object_get_ex(o, "error", &v))
						fail("quit", json_object_to_json_string(v));
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
