/* session.c -- the state machine of the display's one session at a time
 * (docs/design.md section 2): who owns it (claim), what each state allows,
 * the refusal every step shares, and the return to the base state whatever
 * happened (close: revert, republish, idle).  Each step lives in its own
 * file, named as its log step: hello.c, transfer.c, persistent_state.c,
 * kimberlize.c, usb.c, end_usage.c, retrieve.c. */
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
#include "sasl.h"
#include "session.h"
#include "step.h"
#include "spool.h"

void
display_init(
    struct display *d, const struct display_config *cfg, struct priv *priv)
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
int
step_ask(struct display *d, struct priv_req *q, struct priv_rep *r, int *fd)
{
	int ignored;

	if (priv_call(d->priv, q, r, fd ? fd : &ignored) != 0)
		return r->rc;
	if (!fd && ignored >= 0)
		close(ignored);
	return r->rc;
}

void
step_idle(struct display *d, int show)
{
	struct priv_req q = { .op = PRIV_IDLE, .arg = show };
	struct priv_rep r;

	snprintf(q.name, sizeof(q.name), "%s", d->idle_name);
	snprintf(q.hint, sizeof(q.hint), "%s", d->idle_hint);
	pthread_mutex_lock(&d->lock);
	snprintf(q.code, sizeof(q.code), "%s", d->screen_code);
	pthread_mutex_unlock(&d->lock);
	step_ask(d, &q, &r, NULL);
}

struct display *
display_new(const struct display_config *cfg, struct priv *priv)
{
	struct display *d = malloc(sizeof(*d));

	if (d != NULL)
		display_init(d, cfg, priv);
	return d;
}

const struct display_config *
display_config(const struct display *d)
{
	return d->cfg;
}

void
display_set_publisher(struct display *d, struct publisher *pub)
{
	d->pub = pub;
}

int
display_owned_by(struct display *d, const struct conn *c)
{
	int owned;

	pthread_mutex_lock(&d->lock);
	owned = d->owner == c;
	pthread_mutex_unlock(&d->lock);
	return owned;
}

void
display_idle(struct display *d, const char *name, const char *hint)
{
	snprintf(d->idle_name, sizeof(d->idle_name), "%s", name);
	snprintf(d->idle_hint, sizeof(d->idle_hint), "%s", hint);
	if (d->cfg->screen_code)
		screen_code_new(d, "the display starts", 0);
	step_idle(d, 1);
}

/* End the script the parent runs for us: 0 or KIM_E_, with a sentence in
 * why; the delta's descriptor (keep) in d->delta_fd. */
int
step_script_finish(struct display *d, int keep, int timeout, char *why,
    size_t len, struct priv_rep *r)
{
	struct priv_req q = {
		.op = PRIV_FINISH, .arg = keep, .timeout = timeout
	};
	int fd = -1, rc;

	rc = step_ask(d, &q, r, &fd);
	d->script = 0;
	d->streaming = 0;
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

static void
refusals_counted(struct conn *c, const char *when)
{
	if (c->rep_count > REFUSE_LOG_BURST)
		kim_log("refuse", "conn=%u code=%s repeated %u more times%s",
		    c->id, kim_error_name(c->rep_code),
		    c->rep_count - REFUSE_LOG_BURST, when);
}

/* Remember why the last call of this connection was refused. */
int
step_refuse(struct conn *c, int code, const char *fmt, ...)
{
	char q[600];
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
		va_end(ap);
	} else {
		snprintf(c->last_error, sizeof(c->last_error), "%s",
		    kim_strerror(code));
	}
	if (code != c->rep_code || c->rep_count == 0) {
		refusals_counted(c, "");
		c->rep_code = code;
		c->rep_count = 0;
	}
	c->rep_count++;
	if (c->rep_count <= REFUSE_LOG_BURST)
		kim_log("refuse", "conn=%u code=%s detail=%s", c->id,
		    kim_error_name(code),
		    kim_logq(q, sizeof(q), c->last_error));
	if (c->rep_count == REFUSE_LOG_BURST)
		kim_log("refuse",
		    "conn=%u code=%s repeats: further ones are "
		    "counted, not logged",
		    c->id, kim_error_name(code));
	else if (c->rep_count > REFUSE_LOG_BURST &&
	    (c->rep_count - REFUSE_LOG_BURST) % REFUSE_LOG_EVERY == 0) {
		refusals_counted(c, " so far");
		c->rep_count = REFUSE_LOG_BURST;
	}
	return code;
}

/* ---- the spool ----------------------------------------------------------- */

/* dir/name into out; -1 if it does not fit. */
int
step_path_join(char *out, size_t len, const char *dir, const char *name)
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
long
step_spool_name_max(const struct display *d)
{
	long n = pathconf(d->cfg->spool, _PC_NAME_MAX);

	return n > 0 ? n : NAME_MAX;
}

int
step_spool_path(
    const struct display *d, const char *name, char *out, size_t len)
{
	return step_path_join(out, len, d->cfg->spool, name);
}

/* The spooled, complete file for a name the mobile gave (stored by basename). */
int
step_spooled(
    struct conn *c, const char *given, char *path, size_t len, int missing)
{
	const char *name = kim_basename(given);
	struct stat st;
	int rc;

	if ((rc = kim_check_name(name, strlen(name))) != 0)
		return step_refuse(c, rc, NULL);
	if (step_spool_path(c->d, name, path, len) != 0 ||
	    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return step_refuse(
		    c, missing, "'%s' has not been sent to the display", name);
	return 0;
}

/* Where the VNC export listens: the USB link when chosen, else the direct
 * link's address (a mobile on the direct link reaches nothing else), else
 * NULL: loopback, for KCM to tunnel. */
const char *
step_vnc_addr(const struct display *d)
{
	return d->usb_addr[0] ? d->usb_addr : d->cfg->direct_addr;
}

int
step_in_state(const struct display *d, enum session_state s)
{
	return d->state == s;
}

void
step_set_state(struct display *d, enum session_state s)
{
	d->state = s;
}

/* ---- ownership ----------------------------------------------------------- */

/* 0 if c owns (or now owns) the session, else KIM_E_BUSY.  Only a fully
 * authenticated connection may own the display (issue 10 item 4): a stranger
 * who merely said hello must not make the real user BUSY. */
int
step_claim(struct conn *c)
{
	struct display *d = c->d;
	int rc = 0, newly = 0;

	if (!c->authed)
		return KIM_E_AUTH_REQUIRED;
	pthread_mutex_lock(&d->lock);
	if (d->owner == NULL) {
		newly = 1;
		d->owner = c;
		d->state = S_OPEN;
		d->serial++;
		d->files = 0;
		d->bytes = 0;
		d->floppy[0] = d->usb_addr[0] = d->delta_name[0] = '\0';
		kim_log("connect",
		    "session=%u conn=%u peer=%s owns the display", d->serial,
		    c->id, c->peer);
	} else if (d->owner != c) {
		rc = KIM_E_BUSY;
	}
	pthread_mutex_unlock(&d->lock);
	if (newly)
		publisher_busy(d->pub, 1); /* the listing says busy */
	return rc;
}

/* Someone else owns the display (asked without claiming it). */
int
step_busy_for(struct conn *c)
{
	struct display *d = c->d;
	int busy;

	pthread_mutex_lock(&d->lock);
	busy = d->owner != NULL && d->owner != c;
	pthread_mutex_unlock(&d->lock);
	return busy;
}

/* The checks every session call starts with: authenticated first, then
 * the display is claimed (or already ours) -- both step_claim()'s. */
int
step_may(struct conn *c)
{
	int rc = step_claim(c);

	return rc ? step_refuse(c, rc, NULL) : 0;
}

/* Back to the base state: script ended, files gone, display free. */
void
step_close(struct conn *c, const char *why)
{
	struct display *d = c->d;
	char detail[600] = "";
	struct priv_rep r;

	if (d->script &&
	    step_script_finish(
		d, 0, d->cfg->end_timeout, detail, sizeof(detail), &r))
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
		publisher_busy(d->pub, 0); /* the listing says free */
	} else {
		kim_log("republish", "direct link: ready for the next person");
	}
	if (d->cfg->screen_code) /* new for every session */
		screen_code_new(d, "the session ended", 0);
	step_idle(d, 1);
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
	dsasl_free(c);

	pthread_mutex_lock(&d->lock);
	owner = d->owner == c;
	pthread_mutex_unlock(&d->lock);
	if (owner)
		step_close(c, "the connection dropped");
}

void
session_shutdown(struct display *d)
{
	pthread_mutex_lock(&d->lock);
	struct conn *c = d->owner;
	pthread_mutex_unlock(&d->lock);
	if (c)
		step_close(c, "the display launcher is stopping");
}
