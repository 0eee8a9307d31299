/* strip.c -- make an install session's upper directory a portable layer:
 * keep whiteouts and trusted.overlay.opaque, drop overlayfs' own bookkeeping
 * (origin, impure, uuid, nlink, ...), which names the install's filesystems. */
#define _XOPEN_SOURCE 700
#include "session.h"
#include "rpc/log.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

#define OVL_PREFIX "trusted.overlay."
#define OVL_KEEP "trusted.overlay.opaque"

static int failures;

static int
strip_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char names[8192];
	ssize_t len;

	(void)st;
	(void)ftw;
	if (type == FTW_SL)
		return 0;
	len = llistxattr(path, names, sizeof names);
	if (len < 0) {
		if (errno == ENOTSUP)
			return 0;
		kim_log("workspace", "listxattr %s: %s", path, strerror(errno));
		failures++;
		return 0;
	}
	for (char *n = names; n < names + len; n += strlen(n) + 1) {
		if (strncmp(n, OVL_PREFIX, strlen(OVL_PREFIX)) != 0 ||
		    strcmp(n, OVL_KEEP) == 0)
			continue;
		if (lremovexattr(path, n) != 0) {
			kim_log("workspace", "removexattr %s %s: %s", path, n,
			    strerror(errno));
			failures++;
		}
	}
	return 0;
}

int
ws_strip_layer(const char *dir)
{
	failures = 0;
	if (nftw(dir, strip_one, 32, FTW_PHYS) != 0) {
		kim_log("workspace", "walk %s: %s", dir, strerror(errno));
		return -1;
	}
	return failures ? -1 : 0;
}
