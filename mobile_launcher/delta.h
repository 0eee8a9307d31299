/* delta.h -- DESIGN.md step 11: apply the display's floppy delta so the
 * floppy is exactly the old image or exactly the new one, never between. */
#ifndef KIM_DELTA_H
#define KIM_DELTA_H

#include <stddef.h>

#include "sha256.h"

/* Apply the VCDIFF delta to floppy with xdelta3 into a temporary file in
 * the floppy's directory, check its SHA-256 against want, fsync it, and
 * rename it over the floppy.  0, or a KIM_E_ code with a sentence in why;
 * on failure the floppy is untouched and no temporary file is left. */
int delta_apply(const char *floppy, const char *delta,
    const unsigned char want[KIM_SHA256_BYTES], char *why, size_t whylen);

#endif
