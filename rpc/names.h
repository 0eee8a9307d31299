/* names.h -- input limits (docs/design.md section 6) and their checks. */
#ifndef KIM_NAMES_H
#define KIM_NAMES_H

#include <stddef.h>

/* The limits themselves are rpc/kimberley.x's (KIM_NAME_MAX: a file name,
 * KIM_VMNAME_MAX: a VM name, KIM_PATCH_MAX: a patch file name or URL, in
 * bytes), defined there once. */
#include "kimberley.h"

/* A file name as the display stores it: 0 or a KIM_E_NAME_* code.
 * len is the number of bytes received (so an embedded NUL is seen). */
int kim_check_name(const char *name, size_t len);
/* A name received as XDR opaque (len bytes, no NUL): checked as above and,
 * if good, copied into out as a C string (out holds KIM_NAME_MAX + 1).
 * The one place such a name becomes a string: nothing formats it before. */
int kim_name_copy(char *out, size_t outlen, const char *bytes, size_t len);
/* A VM name: 0 or KIM_E_VMNAME_BAD. */
int kim_check_vmname(const char *name);
/* A patch URL: 0 or KIM_E_URL_BAD (http/https only, <= KIM_PATCH_MAX bytes). */
int kim_check_url(const char *url);
/* The last path component of path (no allocation; "" for "dir/"). */
const char *kim_basename(const char *path);

#endif
