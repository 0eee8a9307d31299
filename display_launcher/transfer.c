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

/* ---- a VM patch decoded while it arrives (docs/vm.md "Streaming") ------- */

/* "key: value" of a header (lines ending in '\n'): value into out. */
static int
hdr_get(const char *hdr, const char *key, char *out, size_t len)
{
	size_t k = strlen(key);

	for (const char *l = hdr; l && *l;
	     l = strchr(l, '\n'), l = l ? l + 1 : l)
		if (strncmp(l, key, k) == 0 && l[k] == ':' && l[k + 1] == ' ') {
			const char *v = l + k + 2;
			size_t n = strcspn(v, "\n");
			if (n >= len)
				return -1;
			memcpy(out, v, n);
			out[n] = '\0';
			return 0;
		}
	return -1;
}

static int
hdr_is(const char *hdr, const char *key, const char *want)
{
	char v[64];

	return hdr_get(hdr, key, v, sizeof(v)) == 0 && strcmp(v, want) == 0;
}

void
step_stream_drop(struct display *d, const char *why)
{
	char detail[600];
	struct priv_rep r;

	if (!d->streaming)
		return;
	step_script_finish(d, 0, SETUP_ABORT_GRACE, detail, sizeof(detail), &r);
	kim_log("kimberlize", "streamed start dropped: %s", why);
}

/* The arriving file's first bytes: a VM patch of format 2 that can be
 * decoded as it arrives (parts layout, not encrypted) starts the setup
 * script now, on the VM its header names; session_start claims it when
 * the mobile asks for that VM with that patch and floppy.  Anything else
 * waits for session_start as before.  The header is only a hint here: the
 * script checks it, and the payload's hash, itself. */
static void
stream_try(struct conn *c)
{
	struct display *d = c->d;
	uint64_t got = kim_sink_got(&d->sink), size = kim_sink_size(&d->sink);
	size_t want =
	    size < KIM_PATCH_HDR_MAX ? (size_t)size : KIM_PATCH_HDR_MAX;
	struct priv_req q = { .op = PRIV_START, .arg = PRIV_STREAM };
	struct priv_rep r;
	char vm[KIM_VMNAME_MAX + 1], qv[KIM_LOGQ_MAX], qp[KIM_LOGQ_MAX];
	char *hdr, *end;
	ssize_t n;
	int magic;

	if (d->stream_tried || d->streaming || d->script || d->cfg->no_stream ||
	    !d->sink.verify || kim_sink_part_name(&d->sink) == NULL)
		return;
	if (got < want && got < 64)
		return; /* not even the first line yet */
	if ((hdr = malloc(KIM_PATCH_HDR_MAX + 1)) == NULL)
		return;
	n = kim_sink_peek(&d->sink, hdr, KIM_PATCH_HDR_MAX);
	hdr[n > 0 ? n : 0] = '\0';
	magic = strncmp(hdr, "KIMBERLEY-PATCH 2\n", 18) == 0;
	end = strstr(hdr, "\n\n");
	/* decided now, one way or the other, unless the header is still
	 * arriving */
	if (!magic || end != NULL || n < 0 || (uint64_t)n >= want)
		d->stream_tried = 1;
	if (!magic || end == NULL)
		goto out;
	end[1] = '\0';
	if (!hdr_is(hdr, "kind", "vm") || !hdr_is(hdr, "layout", "parts") ||
	    !hdr_is(hdr, "encryption", "none") ||
	    hdr_get(hdr, "base-name", vm, sizeof(vm)) != 0 ||
	    kim_check_vmname(vm) != 0)
		goto out;
	snprintf(q.vm, sizeof(q.vm), "%s", vm);
	snprintf(q.patch, sizeof(q.patch), "%s", kim_sink_part_name(&d->sink));
	snprintf(q.floppy, sizeof(q.floppy), "%s", d->floppy);
	snprintf(q.vnc_addr, sizeof(q.vnc_addr), "%.15s", d->usb_addr);
	q.size = (int64_t)size;
	if (step_ask(d, &q, &r, NULL) != 0) {
		kim_log("kimberlize",
		    "conn=%u not streamed (%s): the patch is used once it "
		    "has arrived",
		    c->id, r.why);
		goto out;
	}
	d->script = 1;
	d->streaming = 1;
	snprintf(d->stream_vm, sizeof(d->stream_vm), "%s", vm);
	snprintf(d->stream_name, sizeof(d->stream_name), "%s", d->incoming);
	snprintf(d->stream_floppy, sizeof(d->stream_floppy), "%s", d->floppy);
	kim_log("kimberlize",
	    "conn=%u streaming patch=%s vm=%s: decoded while it arrives "
	    "(%llu of %llu bytes here)",
	    c->id, kim_logq(qp, sizeof(qp), d->incoming),
	    kim_logq(qv, sizeof(qv), vm), (unsigned long long)got,
	    (unsigned long long)size);
out:
	free(hdr);
}

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
	step_stream_drop(d, "another file began");
	if ((rc = kim_sink_open(
		 &d->sink, d->cfg->spool, name, (uint64_t)size, verify)) != 0)
		return step_refuse(c, rc, NULL);
	d->files++;
	d->bytes += (uint64_t)size;
	d->stream_tried = 0;
	snprintf(d->incoming, sizeof(d->incoming), "%s", name);
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
	if (rc) {
		step_stream_drop(d, "the transfer failed");
		return step_refuse(c, rc, NULL);
	}
	stream_try(c);
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
	if ((rc = kim_sink_end(&d->sink, sha)) != 0) {
		step_stream_drop(d, "the transfer failed");
		return step_refuse(c, rc, NULL);
	}
	kim_log(
	    "transfer", "conn=%u sha256 verified, file in the spool", c->id);
	return 0;
}
