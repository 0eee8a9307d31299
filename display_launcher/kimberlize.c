/* kimberlize.c -- docs/design.md steps 8 and 9, log steps "kimberlize",
 * "fetch", "vnc": a URL patch fetched, the setup script started through the
 * privileged parent (priv.h), and what the viewer needs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "names.h"
#include "step.h"
#include "fetch.h"
#include "publish.h"

/* The VM directory is root's: the parent looks. */
static int
vm_exists(struct display *d, const char *vm)
{
	struct priv_req q = { .op = PRIV_CHECK_VM };
	struct priv_rep r;

	snprintf(q.vm, sizeof(q.vm), "%s", vm);
	return step_ask(d, &q, &r, NULL) == 0;
}

/* Start the setup script, or (claim) let the one started on the arriving
 * patch (transfer.c) run the VM. */
static int
run_setup(struct conn *c, const char *vm, const char *patch, int claim)
{
	struct display *d = c->d;
	const struct display_config *cfg = d->cfg;
	struct priv_req q = { .op = claim ? PRIV_GO : PRIV_START };
	struct priv_rep r;
	char qv[KIM_LOGQ_MAX], qp[KIM_LOGQ_MAX], qf[KIM_LOGQ_MAX];
	int rc;

	snprintf(q.vm, sizeof(q.vm), "%s", vm);
	snprintf(q.patch, sizeof(q.patch), "%s", patch);
	snprintf(q.floppy, sizeof(q.floppy), "%s", d->floppy);
	snprintf(q.vnc_addr, sizeof(q.vnc_addr), "%.15s", d->usb_addr);

	double t0 = kim_now();
	kim_log("kimberlize", "conn=%u vm=%s patch=%s floppy=%s%s", c->id,
	    kim_logq(qv, sizeof(qv), vm), kim_logq(qp, sizeof(qp), patch),
	    d->floppy[0] ? kim_logq(qf, sizeof(qf), d->floppy) : "-",
	    claim ? " (streamed: already under way)" : "");
	rc = step_ask(d, &q, &r, NULL);
	if (rc != 0 && claim)
		step_stream_drop(d, "the parent would not let it run");
	d->streaming = 0;
	if (rc != 0)
		return step_refuse(c, rc, "%s", r.why);
	d->script = 1;
	/* Publish the screen as soon as it exists: KCM's announcement (about a
	 * second) then overlaps with the app's resume. */
	q.op = PRIV_WAIT;
	q.arg = SETUP_VNC;
	q.timeout = cfg->resume_timeout;
	rc = step_ask(d, &q, &r, NULL);
	if (rc == 0 && d->pub && step_vnc_addr(d) == NULL) {
		char *err = NULL;
		if (publisher_vnc(d->pub, r.vnc_port, -1, &err) != 0) {
			kim_log("vnc", "publishing the VNC port failed: %s",
			    err ? err : "?");
			free(err);
		}
	}
	if (rc == 0) {
		int left = cfg->resume_timeout - (int)(kim_now() - t0);
		q.arg = SETUP_RESUMED;
		q.timeout = left > 1 ? left : 1;
		rc = step_ask(d, &q, &r, NULL);
	}
	if (rc != 0) {
		/* a script that failed to start the app gets a short grace to
		 * clean up, not the end of a session's */
		char why[sizeof(r.why)], detail[600];
		struct priv_rep fr;
		snprintf(why, sizeof(why), "%s", r.why);
		if (d->pub)
			publisher_vnc_stop(d->pub);
		step_script_finish(
		    d, 0, SETUP_ABORT_GRACE, detail, sizeof(detail), &fr);
		return step_refuse(c, rc, "%s", why);
	}
	d->vnc_port = r.vnc_port;
	snprintf(d->vnc_password, sizeof(d->vnc_password), "%s", r.password);
	/* the idle screen stays until the app is up: no blank screen between */
	step_idle(d, 0);
	step_set_state(d, S_RUNNING);
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

	if ((rc = step_may(c)) != 0)
		return rc;
	if (!step_in_state(d, S_OPEN) || kim_sink_active(&d->sink))
		return step_refuse(c, KIM_E_OUT_OF_ORDER,
		    "the application is already "
		    "running, or a file is still arriving");
	if ((rc = kim_check_vmname(vm)) != 0)
		return step_refuse(c, rc, NULL);
	if (!vm_exists(d, vm))
		return step_refuse(c, KIM_E_NO_SUCH_VM,
		    "no VM named '%s' on this display", vm);
	if (strlen(patch) == 0 || strlen(patch) > KIM_PATCH_MAX)
		return step_refuse(
		    c, is_url ? KIM_E_URL_BAD : KIM_E_PATCH_NAME_BAD, NULL);
	if (is_url) {
		if ((rc = kim_check_url(patch)) != 0)
			return step_refuse(c, rc,
			    "'%.200s' is not an http:// or https:// URL",
			    patch);
		if (step_spool_path(d, "url.patch", path, sizeof(path)) != 0)
			return step_refuse(c, KIM_E_INTERNAL, NULL);
		unlink(path);
		kim_log("kimberlize", "conn=%u fetching %s", c->id,
		    kim_logq(q, sizeof(q), patch));
		if ((rc = fetch_url(patch, path, d->cfg->max_file,
			 d->cfg->url_timeout, d->cfg->url_allow,
			 d->cfg->n_url_allow, why, sizeof(why))) != 0)
			return step_refuse(c, rc, "%s", why);
	} else if ((rc = step_spooled(
			c, patch, path, sizeof(path), KIM_E_NO_PATCH)) != 0) {
		return rc;
	}
	if (d->floppy[0] && strcmp(d->floppy, kim_basename(path)) == 0)
		return step_refuse(c, KIM_E_OUT_OF_ORDER,
		    "the patch and the floppy "
		    "are the same file");
	if (d->streaming) {
		if (!is_url && strcmp(vm, d->stream_vm) == 0 &&
		    strcmp(kim_basename(path), d->stream_name) == 0 &&
		    strcmp(d->floppy, d->stream_floppy) == 0)
			return run_setup(c, vm, kim_basename(path), 1);
		step_stream_drop(d,
		    "the mobile asked for another VM, patch or floppy; "
		    "starting again");
	}
	return run_setup(c, vm, kim_basename(path), 0);
}

/* ---- step 9: what the viewer needs --------------------------------------- */

void
session_info(struct conn *c, session_res *r)
{
	struct display *d = c->d;
	char pw[65] = "";

	/* "" tells the mobile: the address you reached me on */
	r->vnc_host =
	    strdup(step_vnc_addr(d) && strcmp(step_vnc_addr(d), "0.0.0.0") != 0
		    ? step_vnc_addr(d)
		    : "");
	r->vnc_password = NULL;
	r->display_name = strdup(d->cfg->name);
	r->vnc_port = 0;
	if ((r->status = step_may(c)) != 0)
		goto out;
	if (!step_in_state(d, S_RUNNING)) {
		r->status = step_refuse(c, KIM_E_NO_SESSION, NULL);
		goto out;
	}
	snprintf(pw, sizeof(pw), "%s", d->vnc_password);
	r->vnc_port = d->vnc_port;
out:
	r->vnc_password = strdup(pw);
}
