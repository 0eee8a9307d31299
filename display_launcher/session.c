/* session.c -- one session at a time: claim, transfer, start, end, retrieve,
 * and the return to the base state whatever happened. */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "access.h"
#include "errors.h"
#include "fetch.h"
#include "log.h"
#include "names.h"
#include "publish.h"
#include "session.h"
#include "spool.h"

#define PROTO_VERSION KIM_PROTO_VERSION
#define SETUP_ABORT_GRACE 10	/* s for a failed start to clean up */

void
display_init(struct display *d, const struct display_config *cfg,
    struct priv *priv)
{
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->priv = priv;
	pthread_mutex_init(&d->lock, NULL);
	kim_sink_init(&d->sink);
	d->retr.fd = -1;
	d->delta_fd = -1;
}

/* One request to the privileged parent (priv.h); its answer in r. */
static int
ask(struct display *d, struct priv_req *q, struct priv_rep *r, int *fd)
{
	int ignored;

	if (priv_call(d->priv, q, r, fd ? fd : &ignored) != 0)
		return r->rc;
	if (!fd && ignored >= 0)
		close(ignored);
	return r->rc;
}

static void
idle_screen(struct display *d, int show)
{
	struct priv_req q = { .op = PRIV_IDLE, .arg = show };
	struct priv_rep r;

	snprintf(q.name, sizeof(q.name), "%s", d->idle_name);
	snprintf(q.hint, sizeof(q.hint), "%s", d->idle_hint);
	ask(d, &q, &r, NULL);
}

void
display_idle(struct display *d, const char *name, const char *hint)
{
	snprintf(d->idle_name, sizeof(d->idle_name), "%s", name);
	snprintf(d->idle_hint, sizeof(d->idle_hint), "%s", hint);
	idle_screen(d, 1);
}

/* End the script the parent runs for us: 0 or KIM_E_, with a sentence in
 * why; the delta's descriptor (keep) in d->delta_fd. */
static int
script_finish(struct display *d, int keep, int timeout, char *why, size_t len,
    struct priv_rep *r)
{
	struct priv_req q = { .op = PRIV_FINISH, .arg = keep, .timeout = timeout };
	int fd = -1, rc;

	rc = ask(d, &q, r, &fd);
	d->script = 0;
	snprintf(why, len, "%s", r->why);
	if (d->delta_fd >= 0)
		close(d->delta_fd);
	d->delta_fd = fd;
	return rc;
}

/* A connection repeating one refusal (a stream of refused batch pieces
 * can be 20 MB/s of log) gets its first REFUSE_LOG_BURST logged, then they
 * are counted: one line when the run ends (another code, the connection
 * closes) and one every REFUSE_LOG_EVERY while it lasts. */
#define REFUSE_LOG_BURST 5
#define REFUSE_LOG_EVERY 100000
#define HELLO_LOG_MAX 3		/* hello lines logged per connection */

static void
refusals_counted(struct conn *c, const char *when)
{
	if (c->rep_count > REFUSE_LOG_BURST)
		kim_log("refuse", "conn=%u code=%s repeated %u more times%s", c->id,
		    kim_error_name(c->rep_code), c->rep_count - REFUSE_LOG_BURST,
		    when);
}

/* Remember why the last call of this connection was refused. */
static int
refuse(struct conn *c, int code, const char *fmt, ...)
{
	char q[600];
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
		va_end(ap);
	} else {
		snprintf(c->last_error, sizeof(c->last_error), "%s", kim_strerror(code));
	}
	if (code != c->rep_code || c->rep_count == 0) {
		refusals_counted(c, "");
		c->rep_code = code;
		c->rep_count = 0;
	}
	c->rep_count++;
	if (c->rep_count <= REFUSE_LOG_BURST)
		kim_log("refuse", "conn=%u code=%s detail=%s", c->id,
		    kim_error_name(code), kim_logq(q, sizeof(q), c->last_error));
	if (c->rep_count == REFUSE_LOG_BURST)
		kim_log("refuse", "conn=%u code=%s repeats: further ones are "
		    "counted, not logged", c->id, kim_error_name(code));
	else if (c->rep_count > REFUSE_LOG_BURST &&
	    (c->rep_count - REFUSE_LOG_BURST) % REFUSE_LOG_EVERY == 0) {
		refusals_counted(c, " so far");
		c->rep_count = REFUSE_LOG_BURST;
	}
	return code;
}

/* ---- the spool ----------------------------------------------------------- */

/* dir/name into out; -1 if it does not fit. */
static int
path_join(char *out, size_t len, const char *dir, const char *name)
{
	int n = snprintf(out, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}


void
display_clean_spool(const struct display *d)
{
	int fd = open(d->cfg->spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		spool_empty(fd);
		close(fd);
	}
}

/* The longest file name the spool's file system takes. */
static long
spool_name_max(const struct display *d)
{
	long n = pathconf(d->cfg->spool, _PC_NAME_MAX);

	return n > 0 ? n : NAME_MAX;
}

static int
spool_path(const struct display *d, const char *name, char *out, size_t len)
{
	return path_join(out, len, d->cfg->spool, name);
}

/* ---- ownership ----------------------------------------------------------- */

/* 0 if c owns (or now owns) the session, else KIM_E_BUSY.  Only a fully
 * authenticated connection may own the display (issue 10 item 4): a stranger
 * who merely said hello must not make the real user BUSY. */
static int
claim(struct conn *c)
{
	struct display *d = c->d;
	int rc = 0;

	if (!c->authed)
		return KIM_E_AUTH_REQUIRED;
	pthread_mutex_lock(&d->lock);
	if (d->owner == NULL) {
		d->owner = c;
		d->state = S_OPEN;
		d->serial++;
		d->files = 0;
		d->bytes = 0;
		d->floppy[0] = d->usb_addr[0] = d->delta_name[0] = '\0';
		kim_log("connect", "session=%u conn=%u peer=%s owns the display",
		    d->serial, c->id, c->peer);
	} else if (d->owner != c) {
		rc = KIM_E_BUSY;
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* Someone else owns the display (asked without claiming it). */
static int
busy_for(struct conn *c)
{
	struct display *d = c->d;
	int busy;

	pthread_mutex_lock(&d->lock);
	busy = d->owner != NULL && d->owner != c;
	pthread_mutex_unlock(&d->lock);
	return busy;
}

/* The checks every session call starts with: authenticated first, then
 * the display is claimed (or already ours) -- both claim()'s. */
static int
may(struct conn *c)
{
	int rc = claim(c);

	return rc ? refuse(c, rc, NULL) : 0;
}

/* Back to the base state: script ended, files gone, display free. */
static void
session_close(struct conn *c, const char *why)
{
	struct display *d = c->d;
	char detail[600] = "";
	struct priv_rep r;

	if (d->script &&
	    script_finish(d, 0, d->cfg->end_timeout, detail, sizeof(detail), &r))
		kim_log("end", "setup script: %s", detail);
	kim_sink_abort(&d->sink);
	kim_source_close(&d->retr);
	if (d->delta_fd >= 0)
		close(d->delta_fd);
	d->delta_fd = -1;
	d->vnc_port = 0;
	d->vnc_password[0] = '\0';
	display_clean_spool(d);
	if (d->pub) {
		char *err = NULL;
		publisher_vnc_stop(d->pub);
		if (publisher_refresh(d->pub, &err) != 0) {
			kim_log("republish", "failed: %s", err ? err : "?");
			free(err);
		} else {
			kim_log("republish", "ready for the next person");
		}
	} else {
		kim_log("republish", "direct link: ready for the next person");
	}
	idle_screen(d, 1);
	pthread_mutex_lock(&d->lock);
	d->owner = NULL;
	d->state = S_IDLE;
	pthread_mutex_unlock(&d->lock);
	kim_log("idle", "session=%u closed: %s", d->serial, why);
}

void
session_disconnect(struct conn *c)
{
	struct display *d = c->d;
	int owner;

	refusals_counted(c, "");
	c->rep_count = 0;

	pthread_mutex_lock(&d->lock);
	owner = d->owner == c;
	pthread_mutex_unlock(&d->lock);
	if (owner)
		session_close(c, "the connection dropped");
}

void
session_shutdown(struct display *d)
{
	pthread_mutex_lock(&d->lock);
	struct conn *c = d->owner;
	pthread_mutex_unlock(&d->lock);
	if (c)
		session_close(c, "the display launcher is stopping");
}

/* ---- hello and authentication -------------------------------------------- */

void
session_hello(struct conn *c, const hello_arg *a, hello_res *r)
{
	r->proto = PROTO_VERSION;
	r->display_name = strdup(c->d->cfg->name);
	r->auth_mechs = strdup(c->d->cfg->auth_code ? KIM_AUTH_MECH : "");
	r->usb_threshold_ms = c->d->cfg->usb_threshold_ms;
	char q[KIM_LOGQ_MAX];

	if (++c->hellos <= HELLO_LOG_MAX)
		kim_log("hello", "conn=%u client=%s proto=%d", c->id,
		    kim_logq(q, sizeof(q), a->client), a->proto);
	if (a->proto != PROTO_VERSION)
		r->status = refuse(c, KIM_E_VERSION, "the display speaks protocol "
		    "version %d, the mobile %d", PROTO_VERSION, a->proto);
	else if (c->authed)	/* no access code: hello claims, as always */
		r->status = claim(c) ? refuse(c, KIM_E_BUSY, NULL) : 0;
	else			/* busy or free; the claim waits for the code */
		r->status = busy_for(c) ? refuse(c, KIM_E_BUSY, NULL) : 0;
}

#define AUTH_TRIES 3

/* The connection's source address (its peer without the port). */
static void
source_of(const struct conn *c, char *out, size_t len)
{
	const char *colon = strrchr(c->peer, ':');
	size_t n = colon ? (size_t)(colon - c->peer) : strlen(c->peer);

	snprintf(out, len, "%.*s", (int)n, c->peer);
}

/* 0 if a code from c may be tried now, else the AUTH_WAIT refusal. */
static int
auth_wait(struct conn *c)
{
	struct display *d = c->d;
	char src[64];
	int global, wait;

	source_of(c, src, sizeof(src));
	pthread_mutex_lock(&d->lock);
	wait = kim_guard_wait(&d->guard, src, kim_now(), &global);
	pthread_mutex_unlock(&d->lock);
	if (wait == 0)
		return 0;
	return refuse(c, KIM_E_AUTH_WAIT, "too many wrong access codes %s: try "
	    "again in %d s", global ? "tried on this display" :
	    "from your address", wait);
}

/* A wrong code from c: counted across connections. */
static void
auth_failed(struct conn *c)
{
	struct display *d = c->d;
	unsigned long fails;
	char src[64];
	int alarm, global, wait;
	double now = kim_now();

	source_of(c, src, sizeof(src));
	pthread_mutex_lock(&d->lock);
	alarm = kim_guard_fail(&d->guard, src, now);
	wait = kim_guard_wait(&d->guard, src, now, &global);
	fails = d->guard.fails;
	pthread_mutex_unlock(&d->lock);
	if (alarm)
		kim_log("auth", "under attack? %lu wrong access codes since start, "
		    "the last from %s; it now waits %d s (%s) before its next "
		    "code is tried", fails, src, wait, global ?
		    "the display-wide limit" : "its own backoff");
}

void
session_auth(struct conn *c, const auth_arg *a, auth_res *r)
{
	const char *code = c->d->cfg->auth_code;
	unsigned char mac[KIM_AUTH_MAC];

	r->token.token_len = 0;
	r->token.token_val = NULL;
	if (busy_for(c)) {
		r->status = refuse(c, KIM_E_BUSY, NULL);
		return;
	}
	if (code == NULL) {	/* no mechanism configured: one step succeeds */
		c->authed = 1;
		kim_log("auth", "conn=%u mechanism=none ok", c->id);
		r->status = claim(c) ? refuse(c, KIM_E_BUSY, NULL) : 0;
		return;
	}
	if (strcmp(a->mech, KIM_AUTH_MECH) != 0) {
		r->status = refuse(c, KIM_E_AUTH_MECH, "this display asks for its "
		    "access code (mechanism '%s'), not '%s'", KIM_AUTH_MECH, a->mech);
		return;
	}
	if ((r->status = auth_wait(c)) != 0) {
		c->have_nonce = 0;
		return;
	}
	if (!c->have_nonce) {	/* step 1: the challenge */
		if (RAND_bytes(c->nonce, sizeof(c->nonce)) != 1) {
			r->status = refuse(c, KIM_E_INTERNAL, NULL);
			return;
		}
		c->have_nonce = 1;
		r->token.token_val = malloc(sizeof(c->nonce));
		memcpy(r->token.token_val, c->nonce, sizeof(c->nonce));
		r->token.token_len = sizeof(c->nonce);
		r->status = KIM_E_AUTH_CONTINUE;
		return;
	}
	c->have_nonce = 0;	/* a challenge answers once */
	if (a->token.token_len == KIM_AUTH_MAC &&
	    kim_auth_mac(code, c->nonce, sizeof(c->nonce), mac) == 0 &&
	    CRYPTO_memcmp(mac, a->token.token_val, KIM_AUTH_MAC) == 0) {
		char src[64];
		source_of(c, src, sizeof(src));
		pthread_mutex_lock(&c->d->lock);
		kim_guard_ok(&c->d->guard, src);
		pthread_mutex_unlock(&c->d->lock);
		c->authed = 1;
		kim_log("auth", "conn=%u mechanism=%s ok", c->id, KIM_AUTH_MECH);
		/* only now may this connection own the display */
		r->status = claim(c) ? refuse(c, KIM_E_BUSY, NULL) : 0;
		return;
	}
	auth_failed(c);
	if (++c->auth_failures >= AUTH_TRIES)
		c->close_after_reply = 1;
	r->status = refuse(c, KIM_E_AUTH_FAILED, "wrong access code (%d of %d "
	    "tries)", c->auth_failures, AUTH_TRIES);
}

/* ---- step 6: files in ---------------------------------------------------- */

int
session_send_begin(struct conn *c, const char *bytes, size_t len, int64_t size,
    int verify)
{
	struct display *d = c->d;
	char name[KIM_NAME_LIMIT + 1];	/* the opaque name as a C string */
	char q[KIM_LOGQ_MAX];
	struct statvfs vfs;
	long name_max;
	int rc;

	if ((rc = may(c)) != 0)
		return rc;
	if (d->state != S_OPEN)
		return refuse(c, KIM_E_OUT_OF_ORDER, "files can only be sent "
		    "before the application starts");
	if ((rc = kim_name_copy(name, sizeof(name), bytes, len)) != 0)
		return refuse(c, rc, NULL);
	if (len > (size_t)(name_max = spool_name_max(d)) ||
	    strlen(d->cfg->spool) + 1 + len >= PATH_MAX)
		return refuse(c, KIM_E_NAME_FS_LONG, "the name has %zu bytes; the "
		    "display's file system takes names of at most %ld bytes",
		    len, name_max);
	if (size < 0)
		return refuse(c, KIM_E_SIZE_BAD, NULL);
	if ((uint64_t)size > d->cfg->max_file)
		return refuse(c, KIM_E_FILE_TOO_BIG, "'%s' is %lld bytes; this "
		    "display accepts at most %llu", name, (long long)size,
		    (unsigned long long)d->cfg->max_file);
	/* every file begun counts, finished or not: the caps bound the work
	 * one session can cause, not only what stays in the spool */
	if (d->files >= (unsigned)d->cfg->max_files)
		return refuse(c, KIM_E_TOO_MANY_FILES, "this display accepts at "
		    "most %d files per session", d->cfg->max_files);
	if ((uint64_t)size > d->cfg->max_session - d->bytes)
		return refuse(c, KIM_E_SESSION_TOO_BIG, "'%s' (%lld bytes) would "
		    "take the session over %llu bytes in all, this display's limit",
		    name, (long long)size, (unsigned long long)d->cfg->max_session);
	if (statvfs(d->cfg->spool, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < (uint64_t)size)
		return refuse(c, KIM_E_FILE_TOO_BIG, "the display has only "
		    "%llu MiB free for '%s'", (unsigned long long)
		    ((uint64_t)vfs.f_bavail * vfs.f_frsize >> 20), name);
	if (kim_sink_active(&d->sink))
		kim_log("transfer", "conn=%u abandoned an unfinished file", c->id);
	if ((rc = kim_sink_open(&d->sink, d->cfg->spool, name, (uint64_t)size,
	    verify)) != 0)
		return refuse(c, rc, NULL);
	d->files++;
	d->bytes += (uint64_t)size;
	kim_log("transfer", "conn=%u receiving name=%s size=%lld checksum=%s",
	    c->id, kim_logq(q, sizeof(q), name), (long long)size,
	    verify ? "sha256" : "none");
	return 0;
}

int
session_send_piece(struct conn *c, const data *piece)
{
	struct display *d = c->d;
	int rc;

	if ((rc = may(c)) != 0)
		return rc;
	if (d->state != S_OPEN || (!kim_sink_active(&d->sink) && !d->sink.error &&
	    !d->sink.done && !d->sink.complete))
		return refuse(c, KIM_E_NO_TRANSFER, NULL);
	uint64_t size = d->sink.size;
	rc = kim_sink_write(&d->sink, piece->data_val, piece->data_len);
	if (rc)
		return refuse(c, rc, NULL);
	if (d->sink.done || d->sink.complete)
		kim_log("transfer", "conn=%u complete size=%llu", c->id,
		    (unsigned long long)size);
	return 0;
}

int
session_send_end(struct conn *c, const unsigned char *sha)
{
	struct display *d = c->d;
	int rc;

	if ((rc = may(c)) != 0)
		return rc;
	if ((rc = kim_sink_end(&d->sink, sha)) != 0)
		return refuse(c, rc, NULL);
	kim_log("transfer", "conn=%u sha256 verified, file in the spool", c->id);
	return 0;
}

/* ---- steps 7 and 8: floppy and start ------------------------------------- */

/* The spooled, complete file for a name the mobile gave (stored by basename). */
static int
spooled(struct conn *c, const char *given, char *path, size_t len, int missing)
{
	const char *name = kim_basename(given);
	struct stat st;
	int rc;

	if ((rc = kim_check_name(name, strlen(name))) != 0)
		return refuse(c, rc, NULL);
	if (spool_path(c->d, name, path, len) != 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return refuse(c, missing, "'%s' has not been sent to the display", name);
	return 0;
}

static int
looks_like_fat(const char *path)
{
	unsigned char boot[512];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, boot, sizeof(boot), 0) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)sizeof(boot) && boot[510] == 0x55 && boot[511] == 0xaa;
}

int
session_use_floppy(struct conn *c, const char *name)
{
	struct display *d = c->d;
	char path[PATH_MAX], q[KIM_LOGQ_MAX];
	int rc;

	if ((rc = may(c)) != 0)
		return rc;
	if (d->state != S_OPEN || kim_sink_active(&d->sink))
		return refuse(c, KIM_E_OUT_OF_ORDER, "the floppy must be named "
		    "after it arrived and before the application starts");
	if ((rc = spooled(c, name, path, sizeof(path), KIM_E_NO_SUCH_FILE)) != 0)
		return rc;
	if (!looks_like_fat(path))
		return refuse(c, KIM_E_FLOPPY_BAD, "'%s' is not a FAT disk image",
		    kim_basename(name));
	snprintf(d->floppy, sizeof(d->floppy), "%s", kim_basename(name));
	kim_log("persistent_state", "conn=%u floppy=%s", c->id,
	    kim_logq(q, sizeof(q), kim_basename(name)));
	return 0;
}

/* The VM directory is root's: the parent looks. */
static int
vm_exists(struct display *d, const char *vm)
{
	struct priv_req q = { .op = PRIV_CHECK_VM };
	struct priv_rep r;

	snprintf(q.vm, sizeof(q.vm), "%s", vm);
	return ask(d, &q, &r, NULL) == 0;
}

/* Where the VNC export listens: the USB link when chosen, else the direct
 * link's address (a mobile on the direct link reaches nothing else), else
 * NULL: loopback, for KCM to tunnel. */
static const char *
vnc_addr(const struct display *d)
{
	return d->usb_addr[0] ? d->usb_addr : d->cfg->direct_addr;
}

static int
run_setup(struct conn *c, const char *vm, const char *patch)
{
	struct display *d = c->d;
	const struct display_config *cfg = d->cfg;
	struct priv_req q = { .op = PRIV_START };
	struct priv_rep r;
	char qv[KIM_LOGQ_MAX], qp[KIM_LOGQ_MAX], qf[KIM_LOGQ_MAX];
	int rc;

	snprintf(q.vm, sizeof(q.vm), "%s", vm);
	snprintf(q.patch, sizeof(q.patch), "%s", patch);
	snprintf(q.floppy, sizeof(q.floppy), "%s", d->floppy);
	snprintf(q.vnc_addr, sizeof(q.vnc_addr), "%.15s", d->usb_addr);

	double t0 = kim_now();
	kim_log("kimberlize", "conn=%u vm=%s patch=%s floppy=%s", c->id,
	    kim_logq(qv, sizeof(qv), vm), kim_logq(qp, sizeof(qp), patch),
	    d->floppy[0] ? kim_logq(qf, sizeof(qf), d->floppy) : "-");
	if ((rc = ask(d, &q, &r, NULL)) != 0)
		return refuse(c, rc, "%s", r.why);
	d->script = 1;
	/* Publish the screen as soon as it exists: KCM's announcement (about a
	 * second) then overlaps with the app's resume. */
	q.op = PRIV_WAIT;
	q.arg = SETUP_VNC;
	q.timeout = cfg->resume_timeout;
	rc = ask(d, &q, &r, NULL);
	if (rc == 0 && d->pub && vnc_addr(d) == NULL) {
		char *err = NULL;
		if (publisher_vnc(d->pub, r.vnc_port, -1, &err) != 0) {
			kim_log("vnc", "publishing the VNC port failed: %s", err ? err : "?");
			free(err);
		}
	}
	if (rc == 0) {
		int left = cfg->resume_timeout - (int)(kim_now() - t0);
		q.arg = SETUP_RESUMED;
		q.timeout = left > 1 ? left : 1;
		rc = ask(d, &q, &r, NULL);
	}
	if (rc != 0) {
		/* a script that failed to start the app gets a short grace to
		 * clean up, not the end of a session's */
		char why[sizeof(r.why)], detail[600];
		struct priv_rep fr;
		snprintf(why, sizeof(why), "%s", r.why);
		if (d->pub)
			publisher_vnc_stop(d->pub);
		script_finish(d, 0, SETUP_ABORT_GRACE, detail, sizeof(detail), &fr);
		return refuse(c, rc, "%s", why);
	}
	d->vnc_port = r.vnc_port;
	snprintf(d->vnc_password, sizeof(d->vnc_password), "%s", r.password);
	/* the idle screen stays until the app is up: no blank screen between */
	idle_screen(d, 0);
	d->state = S_RUNNING;
	kim_log("kimberlize", "conn=%u running vnc_port=%u after %.3f s", c->id,
	    d->vnc_port, kim_now() - t0);
	return 0;
}

int
session_start(struct conn *c, const char *vm, const char *patch, int is_url)
{
	struct display *d = c->d;
	char path[PATH_MAX];
	char why[600], q[KIM_LOGQ_MAX];
	int rc;

	if ((rc = may(c)) != 0)
		return rc;
	if (d->state != S_OPEN || kim_sink_active(&d->sink))
		return refuse(c, KIM_E_OUT_OF_ORDER, "the application is already "
		    "running, or a file is still arriving");
	if ((rc = kim_check_vmname(vm)) != 0)
		return refuse(c, rc, NULL);
	if (!vm_exists(d, vm))
		return refuse(c, KIM_E_NO_SUCH_VM, "no VM named '%s' on this display", vm);
	if (strlen(patch) == 0 || strlen(patch) > KIM_PATCH_LIMIT)
		return refuse(c, is_url ? KIM_E_URL_BAD : KIM_E_PATCH_NAME_BAD, NULL);
	if (is_url) {
		if ((rc = kim_check_url(patch)) != 0)
			return refuse(c, rc, "'%.200s' is not an http:// or https:// URL",
			    patch);
		if (spool_path(d, "url.patch", path, sizeof(path)) != 0)
			return refuse(c, KIM_E_INTERNAL, NULL);
		unlink(path);
		kim_log("kimberlize", "conn=%u fetching %s", c->id,
		    kim_logq(q, sizeof(q), patch));
		if ((rc = fetch_url(patch, path, d->cfg->max_file, d->cfg->url_timeout,
		    d->cfg->url_allow, d->cfg->n_url_allow, why, sizeof(why))) != 0)
			return refuse(c, rc, "%s", why);
	} else if ((rc = spooled(c, patch, path, sizeof(path), KIM_E_NO_PATCH)) != 0) {
		return rc;
	}
	if (d->floppy[0] && strcmp(d->floppy, kim_basename(path)) == 0)
		return refuse(c, KIM_E_OUT_OF_ORDER, "the patch and the floppy "
		    "are the same file");
	return run_setup(c, vm, kim_basename(path));
}

/* ---- step 5's other half: the USB cable ----------------------------------- */

int
session_use_usb(struct conn *c)
{
	struct display *d = c->d;
	struct ifaddrs *ifs, *i;
	int rc;

	if ((rc = may(c)) != 0)
		return rc;
	if (d->state != S_OPEN)
		return refuse(c, KIM_E_OUT_OF_ORDER, "the USB link must be chosen "
		    "before the application starts");
	if (getifaddrs(&ifs) != 0)
		return refuse(c, KIM_E_INTERNAL, NULL);
	d->usb_addr[0] = '\0';
	/* up, with a carrier (a cable at the other end), and an address */
	for (i = ifs; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    strcmp(i->ifa_name, d->cfg->usb_if) == 0 &&
		    (i->ifa_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING)) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
			    d->usb_addr, sizeof(d->usb_addr));
			break;
		}
	freeifaddrs(ifs);
	if (d->usb_addr[0] == '\0')
		return refuse(c, KIM_E_NO_USB, "the display's USB interface '%s' "
		    "is not connected (no carrier or no address)", d->cfg->usb_if);
	kim_log("usb", "conn=%u vnc will listen on %s (%s)", c->id, d->usb_addr,
	    d->cfg->usb_if);
	return 0;
}

/* ---- step 9: what the viewer needs --------------------------------------- */

void
session_info(struct conn *c, session_res *r)
{
	struct display *d = c->d;
	char pw[65] = "";

	/* "" tells the mobile: the address you reached me on */
	r->vnc_host = strdup(vnc_addr(d) && strcmp(vnc_addr(d), "0.0.0.0") != 0 ?
	    vnc_addr(d) : "");
	r->vnc_password = NULL;
	r->display_name = strdup(d->cfg->name);
	r->vnc_port = 0;
	if ((r->status = may(c)) != 0)
		goto out;
	if (d->state != S_RUNNING) {
		r->status = refuse(c, KIM_E_NO_SESSION, NULL);
		goto out;
	}
	snprintf(pw, sizeof(pw), "%s", d->vnc_password);
	r->vnc_port = d->vnc_port;
out:
	r->vnc_password = strdup(pw);
}

/* ---- steps 10 and 11: the end and the delta ------------------------------ */

void
session_end(struct conn *c, int retrieve, end_res *r)
{
	struct display *d = c->d;
	char why[600] = "";
	int keep, rc;

	r->delta_name = strdup("");
	r->floppy_sha256.floppy_sha256_len = 0;
	r->floppy_sha256.floppy_sha256_val = NULL;
	r->reason = strdup("");
	if ((r->status = may(c)) != 0)
		goto refused;
	if (d->state != S_RUNNING) {
		r->status = refuse(c, KIM_E_NO_SESSION, NULL);
		goto refused;
	}
	keep = retrieve && d->floppy[0];
	double t0 = kim_now();
	kim_log("end_usage", "conn=%u retrieve_state=%d", c->id, keep);
	if (d->pub)
		publisher_vnc_stop(d->pub);
	struct priv_rep pr;
	rc = script_finish(d, keep, d->cfg->end_timeout, why, sizeof(why), &pr);
	kim_log("end_usage", "conn=%u script done after %.3f s base=%s", c->id,
	    kim_now() - t0, pr.base_ok > 0 ? "unchanged" :
	    pr.base_ok < 0 ? "CHANGED" : "unchecked");
	if (rc == 0 && keep) {
		if (pr.delta_name[0] == '\0' || d->delta_fd < 0 ||
		    kim_check_name(pr.delta_name, strlen(pr.delta_name)) != 0 ||
		    kim_sha256_unhex(pr.delta_sha, d->floppy_sha) != 0) {
			rc = KIM_E_END_FAILED;
			snprintf(why, sizeof(why), "the display did not produce the "
			    "floppy's changes");
		}
	}
	if (rc != 0) {
		r->status = refuse(c, rc, "%s", why);
		c->close_after_reply = 1;
		session_close(c, "the end of the session failed");
		goto refused;
	}
	if (!keep) {
		c->close_after_reply = 1;
		session_close(c, "the user is done");
		return;
	}
	d->state = S_ENDED;
	snprintf(d->delta_name, sizeof(d->delta_name), "%s", pr.delta_name);
	free(r->delta_name);
	r->delta_name = strdup(d->delta_name);
	r->floppy_sha256.floppy_sha256_val = malloc(KIM_SHA256_BYTES);
	memcpy(r->floppy_sha256.floppy_sha256_val, d->floppy_sha, KIM_SHA256_BYTES);
	r->floppy_sha256.floppy_sha256_len = KIM_SHA256_BYTES;
	return;
refused:
	/* the reason travels with the answer: after a failed end the
	 * connection closes, and LAST_ERROR could not be asked */
	free(r->reason);
	r->reason = strdup(c->last_error);
}

int
session_retrieve_open(struct conn *c, const char *name, file_res *r)
{
	struct display *d = c->d;
	struct kim_source src;
	char q[KIM_LOGQ_MAX];
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = may(c)) != 0)
		return r->status = rc;
	if (d->state != S_ENDED)
		return r->status = refuse(c, KIM_E_OUT_OF_ORDER, "files can be "
		    "retrieved only after the end of use");
	if (strcmp(name, d->delta_name) != 0)
		return r->status = refuse(c, KIM_E_NO_SUCH_FILE, "'%.200s' is not "
		    "this session's delta", name);
	if (d->delta_fd < 0 || kim_source_fdopen(&src, fcntl(d->delta_fd,
	    F_DUPFD_CLOEXEC, 0), (unsigned char *)r->sha256) != 0)
		return r->status = refuse(c, KIM_E_IO, NULL);
	kim_source_close(&d->retr);
	d->retr = src;
	r->size = src.size;
	kim_log("retrieve", "conn=%u name=%s size=%llu", c->id,
	    kim_logq(q, sizeof(q), name), (unsigned long long)src.size);
	return r->status = 0;
}

int
session_retrieve_piece(struct conn *c, data *piece)
{
	struct display *d = c->d;
	ssize_t n;

	piece->data_len = 0;
	piece->data_val = NULL;
	if (may(c) != 0 || d->state != S_ENDED || d->retr.fd < 0)
		return -1;
	if ((piece->data_val = malloc(KIM_CHUNK)) == NULL)
		return -1;
	n = kim_source_next(&d->retr, piece->data_val);
	if (n < 0) {
		free(piece->data_val);
		piece->data_val = NULL;
		return -1;
	}
	piece->data_len = (u_int)n;
	if (d->retr.off >= d->retr.size) {
		kim_log("retrieve", "conn=%u delta sent", c->id);
		c->close_after_reply = 1;
		session_close(c, "the delta went back to the mobile");
	}
	return 0;
}
