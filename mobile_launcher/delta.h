/* delta.h -- docs/design.md step 11: apply the display's floppy delta so the
 * floppy is exactly the old image or exactly the new one, never between. */
#ifndef KIM_DELTA_H
#define KIM_DELTA_H

#include <stddef.h>

#include "sha256.h"

/* Apply the VCDIFF delta to floppy with xdelta3 into a temporary file in
 * the floppy's directory, check its SHA-256 against want, fsync it, and
 * rename it over the floppy.  0, or a KIM_E_ code with a sentence in why
 * (KIM_E_LOCAL_FULL: that disk is full); on failure the floppy is
 * untouched and no temporary file is left.  floppy is the real path (no
 * symbolic link): the temporary file and its side file (litter.h) are
 * written beside it. */
int delta_apply(const char *floppy, const char *delta,
    const unsigned char want[KIM_SHA256_BYTES], char *why, size_t whylen);
/* Before the session: is there room beside floppy for its new image?
 * 0, or KIM_E_LOCAL_FULL with a sentence in why. */
int delta_room(const char *floppy, char *why, size_t whylen);

#endif
