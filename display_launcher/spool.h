/* spool.h -- the spool and the root-only work directory, made and checked
 * by the program, never trusted because they exist (docs/design.md
 * section 7, "the privilege boundary").  Everything here works through
 * directory file descriptors and O_NOFOLLOW, so that a path swapped for a
 * symbolic link between two calls cannot lead the privileged parent out. */
#ifndef KIM_SPOOL_H
#define KIM_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

/* Make (mode 0700) or open the directory path, refuse a symbolic link, a
 * non-directory, and one owned by anyone but owner or root; give it to
 * owner:group with mode 0700.  The directory above it must belong to root or
 * owner and be writable by nobody else (unless sticky, as /tmp).  Returns
 * its O_DIRECTORY descriptor, or -1 with a sentence in why. */
int spool_open(
    const char *path, uid_t owner, gid_t group, char *why, size_t whylen);
/* Remove everything inside the directory dirfd (not dirfd itself), never
 * following a symbolic link. */
void spool_empty(int dirfd);
/* Remove dirfd/name and everything below it, never following a link. */
void spool_remove(int dirfd, const char *name);

#endif
