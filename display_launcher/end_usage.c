/* end_usage.c -- docs/design.md step 10, log step "end_usage": the end of
 * use, the script told to keep the floppy's changes or not. */
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
#include "publish.h"
#include "step.h"

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
	if ((r->status = step_may(c)) != 0)
		goto refused;
	if (!step_in_state(d, S_RUNNING)) {
		r->status = step_refuse(c, KIM_E_NO_SESSION, NULL);
		goto refused;
	}
	keep = retrieve && d->floppy[0];
	double t0 = kim_now();
	kim_log("end_usage", "conn=%u retrieve_state=%d", c->id, keep);
	if (d->pub)
		publisher_vnc_stop(d->pub);
	struct priv_rep pr;
	rc = step_script_finish(
	    d, keep, d->cfg->end_timeout, why, sizeof(why), &pr);
	kim_log("end_usage", "conn=%u script done after %.3f s base=%s", c->id,
	    kim_now() - t0,
	    pr.base_ok > 0	 ? "unchanged"
		: pr.base_ok < 0 ? "CHANGED"
				 : "unchecked");
	if (rc == 0 && keep) {
		if (pr.delta_name[0] == '\0' || d->delta_fd < 0 ||
		    kim_check_name(pr.delta_name, strlen(pr.delta_name)) != 0 ||
		    kim_sha256_unhex(pr.delta_sha, d->floppy_sha) != 0) {
			rc = KIM_E_END_FAILED;
			snprintf(why, sizeof(why),
			    "the display did not produce the "
			    "floppy's changes");
		}
	}
	if (rc != 0) {
		r->status = step_refuse(c, rc, "%s", why);
		c->close_after_reply = 1;
		step_close(c, "the end of the session failed");
		goto refused;
	}
	if (!keep) {
		c->close_after_reply = 1;
		step_close(c, "the user is done");
		return;
	}
	step_set_state(d, S_ENDED);
	snprintf(d->delta_name, sizeof(d->delta_name), "%s", pr.delta_name);
	free(r->delta_name);
	r->delta_name = strdup(d->delta_name);
	r->floppy_sha256.floppy_sha256_val = malloc(KIM_SHA256_BYTES);
	memcpy(r->floppy_sha256.floppy_sha256_val, d->floppy_sha,
	    KIM_SHA256_BYTES);
	r->floppy_sha256.floppy_sha256_len = KIM_SHA256_BYTES;
	return;
refused:
	/* the reason travels with the answer: after a failed end the
	 * connection closes, and LAST_ERROR could not be asked */
	free(r->reason);
	r->reason = strdup(c->last_error);
}
