/* policy.h -- the region policy of a base workspace (docs/workspace.md). */
#ifndef KIM_WS_POLICY_H
#define KIM_WS_POLICY_H

#include <stddef.h>

enum ws_region {
	WS_SYSTEM,     /* read-only bind of the display's own path */
	WS_PROC,       /* a fresh /proc of the session's PID namespace */
	WS_DEV,	       /* a minimal /dev */
	WS_PERSISTENT, /* the user's floppy files, read-write */
	WS_OVERLAY, /* the default: base below, copy-on-modify into the session */
};

struct ws_rule {
	enum ws_region region;
	char *path; /* absolute, normalised, no ".." */
};

struct ws_policy {
	struct ws_rule *rules;
	size_t n;
};

#define WS_POLICY_MAX_RULES 64

/* Parse FILE; on error fill ERR (one line) and return -1. */
int
ws_policy_load(const char *file, struct ws_policy *p, char *err, size_t errlen);
void ws_policy_free(struct ws_policy *p);
const char *ws_region_name(enum ws_region r);

#endif
