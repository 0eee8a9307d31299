/* privdrop.h -- become an unprivileged user for good (docs/design.md
 * section 7.1): display_launcher's RPC side and KCM. */
#ifndef KIM_PRIVDROP_H
#define KIM_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

/* Become uid/gid for good: no supplementary groups, no capabilities in any
 * set (the bounding set included), no new privileges; checked from
 * /proc/self/status afterwards.  0, or -1 with a sentence in why. */
int priv_drop(uid_t uid, gid_t gid, char *why, size_t whylen);

#endif
