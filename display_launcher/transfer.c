/* transfer.c -- docs/design.md step 6, log step "transfer": files in,
 * into the spool (the chunked sink of rpc/transfer.c). */
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
#include <sys/statvfs.h>

/* ---- step 6: files in ---------------------------------------------------- */

int
session_send_begin(
    struct conn *c, const char *bytes, size_t len, int64_t size, int verify)
{
	struct display *d = c->d;
	char name[KIM_NAME_MAX + 1]; /* the opaque name as a C string */
	char q[KIM_LOGQ_MAX];
	struct statvfs vfs;
	long name_max;
	int rc;

	if ((rc = step_may(c)) != 0)
		return rc;
	if (!step_in_state(d, S_OPEN))
		return step_refuse(c, KIM_E_OUT_OF_ORDER,
		    "files can only be sent "
		    "before the application starts");
	if ((rc = kim_name_copy(name, sizeof(name), bytes, len)) != 0)
		return step_refuse(c, rc, NULL);
	if (len > (size_t)(name_max = step_spool_name_max(d)) ||
	    strlen(d->cfg->spool) + 1 + len >= PATH_MAX)
		return step_refuse(c, KIM_E_NAME_FS_LONG,
		    "the name has %zu bytes; the "
		    "display's file system takes names of at most %ld bytes",
		    len, name_max);
	if (size < 0)
		return step_refuse(c, KIM_E_SIZE_BAD, NULL);
	if ((uint64_t)size > d->cfg->max_file)
		return step_refuse(c, KIM_E_FILE_TOO_BIG,
		    "'%s' is %lld bytes; this "
		    "display accepts at most %llu",
		    name, (long long)size,
		    (unsigned long long)d->cfg->max_file);
	/* every file begun counts, finished or not: the caps bound the work
	 * one session can cause, not only what stays in the spool */
	if (d->files >= (unsigned)d->cfg->max_files)
		return step_refuse(c, KIM_E_TOO_MANY_FILES,
		    "this display accepts at "
		    "most %d files per session",
		    d->cfg->max_files);
	if ((uint64_t)size > d->cfg->max_session - d->bytes)
		return step_refuse(c, KIM_E_SESSION_TOO_BIG,
		    "'%s' (%lld bytes) would "
		    "take the session over %llu bytes in all, this display's limit",
		    name, (long long)size,
		    (unsigned long long)d->cfg->max_session);
	if (statvfs(d->cfg->spool, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < (uint64_t)size)
		return step_refuse(c, KIM_E_FILE_TOO_BIG,
		    "the display has only "
		    "%llu MiB free for '%s'",
		    (unsigned long long)((uint64_t)vfs.f_bavail *
			    vfs.f_frsize >>
			20),
		    name);
	if (kim_sink_active(&d->sink))
		kim_log(
		    "transfer", "conn=%u abandoned an unfinished file", c->id);
	if ((rc = kim_sink_open(
		 &d->sink, d->cfg->spool, name, (uint64_t)size, verify)) != 0)
		return step_refuse(c, rc, NULL);
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

	if ((rc = step_may(c)) != 0)
		return rc;
	if (!step_in_state(d, S_OPEN) || !kim_sink_begun(&d->sink))
		return step_refuse(c, KIM_E_NO_TRANSFER, NULL);
	uint64_t size = kim_sink_size(&d->sink);
	rc = kim_sink_write(&d->sink, piece->data_val, piece->data_len);
	if (rc)
		return step_refuse(c, rc, NULL);
	if (kim_sink_finished(&d->sink))
		kim_log("transfer", "conn=%u complete size=%llu", c->id,
		    (unsigned long long)size);
	return 0;
}

int
session_send_end(struct conn *c, const unsigned char *sha)
{
	struct display *d = c->d;
	int rc;

	if ((rc = step_may(c)) != 0)
		return rc;
	if ((rc = kim_sink_end(&d->sink, sha)) != 0)
		return step_refuse(c, rc, NULL);
	kim_log(
	    "transfer", "conn=%u sha256 verified, file in the spool", c->id);
	return 0;
}
