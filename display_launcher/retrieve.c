/* retrieve.c -- docs/design.md step 11, log step "retrieve": the delta
 * back to the mobile, from the descriptor the parent handed over. */
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

int
session_retrieve_open(struct conn *c, const char *name, file_res *r)
{
	struct display *d = c->d;
	struct kim_source src;
	char q[KIM_LOGQ_MAX];
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = step_may(c)) != 0)
		return r->status = rc;
	if (!step_in_state(d, S_ENDED))
		return r->status = step_refuse(c, KIM_E_OUT_OF_ORDER,
			   "files can be "
			   "retrieved only after the end of use");
	if (strcmp(name, d->delta_name) != 0)
		return r->status = step_refuse(c, KIM_E_NO_SUCH_FILE,
			   "'%.200s' is not "
			   "this session's delta",
			   name);
	if (d->delta_fd < 0 ||
	    kim_source_fdopen(&src, fcntl(d->delta_fd, F_DUPFD_CLOEXEC, 0),
		(unsigned char *)r->sha256) != 0)
		return r->status = step_refuse(c, KIM_E_IO, NULL);
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
	if (step_may(c) != 0 || !step_in_state(d, S_ENDED) || d->retr.fd < 0)
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
		step_close(c, "the delta went back to the mobile");
	}
	return 0;
}
