/* names.h -- input limits (docs/design.md section 6) and their checks. */
#ifndef KIM_NAMES_H
#define KIM_NAMES_H

#include <stddef.h>

#define KIM_NAME_LIMIT    1024	/* file name, bytes */
#define KIM_VMNAME_LIMIT  128	/* VM name, bytes */
#define KIM_PATCH_LIMIT   2048	/* patch file name or URL, bytes */

/* A file name as the display stores it: 0 or a KIM_E_NAME_* code.
 * len is the number of bytes received (so an embedded NUL is seen). */
int kim_check_name(const char *name, size_t len);
/* A name received as XDR opaque (len bytes, no NUL): checked as above and,
 * if good, copied into out as a C string (out holds KIM_NAME_LIMIT + 1).
 * The one place such a name becomes a string: nothing formats it before. */
int kim_name_copy(char *out, size_t outlen, const char *bytes, size_t len);
/* A VM name: 0 or KIM_E_VMNAME_BAD. */
int kim_check_vmname(const char *name);
/* A patch URL: 0 or KIM_E_URL_BAD (http/https only, <= 2048 bytes). */
int kim_check_url(const char *url);
/* The last path component of path (no allocation; "" for "dir/"). */
const char *kim_basename(const char *path);

#endif
