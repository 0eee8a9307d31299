/* litter.h -- the mobile's temporary files, named so that the next run can
 * tell a dead run's from a live one's, and cleaned (or recovered) then.
 *
 *   $TMPDIR/kimberley-viewer-PID-XXXXXX/   the viewer's password files
 *   $TMPDIR/kimberley-delta-PID-XXXXXX/    the display's delta, fetched
 *   $TMPDIR/kimberley-attach-PID-XXXXXX/   an --attach disk's NBD socket
 *   DIR/.NAME.kim-PID-XXXXXX               the new floppy image, beside the
 *                                          floppy DIR/NAME (its real path)
 *   DIR/.NAME.kim-PID-XXXXXX.sha256        "NEW OLD": the hash the display
 *                                          announced, and the hash of the
 *                                          image it replaces
 *
 * Only this user's entries whose PID is gone (kill(pid, 0) fails with
 * ESRCH) are touched, never through a symbolic link. */
#ifndef KIM_LITTER_H
#define KIM_LITTER_H

#include <stddef.h>
#include <stdio.h>

#define VIEWER_DIR_PREFIX "kimberley-viewer-"
#define DELTA_DIR_PREFIX "kimberley-delta-"
#define ATTACH_DIR_PREFIX "kimberley-attach-" /* --attach's NBD socket */
#define FLOPPY_TMP_MARK ".kim-"
#define FLOPPY_SIDE_EXT ".sha256"

/* $TMPDIR when it is an absolute path, else /tmp. */
const char *litter_tmpdir(void);
/* "DIR/.NAME.kim-PID-XXXXXX" for the real floppy path; -1 if too long. */
int litter_floppy_tmp(const char *floppy, char *out, size_t len);
/* Remove the viewer and delta directories of this user's dead runs. */
void litter_clean_tmp(void);
/* The new images dead runs left beside floppy (its real path): the one
 * whose hash matches what the display announced and which was made from
 * the floppy as it is now is renamed into place, others are removed.  One
 * line for each on say (if not NULL).  Call it holding the floppy's lock.
 * 1 if an image was renamed into place (a new file: lock it again). */
int litter_floppy(const char *floppy, FILE *say);

#endif
