/* session.h -- one workspace session: its configuration and its steps. */
#ifndef KIM_WS_SESSION_H
#define KIM_WS_SESSION_H

#include <sys/types.h>

#include "policy.h"

#define WS_MAX_LAYERS 8
#define WS_APP_FILE \
	"/etc/kimberley/app" /* the app's argv, one per line, in the patch layer */
#define WS_XAUTH_PATH \
	"/tmp/.kimberley-xauth" /* the session's cookie, inside the workspace */

struct ws_config {
	const char *base; /* read-only image (erofs, squashfs) or directory */
	const char *layers[WS_MAX_LAYERS]; /* patch layers, top first */
	size_t nlayers;
	struct ws_policy policy;
	const char *rundir; /* host directory the session tmpfs is mounted on */
	const char
	    *installdir; /* install mode: DIR/upper and DIR/work kept on disk */
	const char *persist;  /* staged persistent files (host directory) */
	const char *xdisplay; /* ":N" or NULL */
	const char *xauth;    /* host file with the session's cookie, or NULL */
	const char *script;   /* install script (host file), or NULL */
	const char *srcdir; /* install mode: host files shown read-only at /mnt */
	const char *tmpfs_size; /* size of the session's storage */
	uid_t uid;
	gid_t gid;
	char **argv; /* app argv, or NULL: read WS_APP_FILE */
};

/* Inside the new namespaces, as root: build the root and pivot into it.
 * Returns 0, or -1 after a message on stderr. */
int ws_assemble(const struct ws_config *c);

/* Loop-attach an image read-only and mount it (erofs or squashfs) on DST. */
int ws_mount_image(const char *image, const char *dst);

/* Strip overlayfs bookkeeping xattrs below DIR, keeping opaque markers. */
int ws_strip_layer(const char *dir);

/* Watch the X screen for the first top-level window mapped after ws_mapwait_open. */
struct ws_mapwait;
struct ws_mapwait *ws_mapwait_open(const char *xdisplay);
int ws_mapwait_fd(struct ws_mapwait *w);
int ws_mapwait_mapped(struct ws_mapwait *w); /* 1 once a window was mapped */
void ws_mapwait_close(struct ws_mapwait *w);

#endif
