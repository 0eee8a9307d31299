/* viewer.h -- docs/design.md steps 9 and 10: start the VNC viewer, keep the
 * display's session alive while the person works, notice when they are done. */
#ifndef KIM_VIEWER_H
#define KIM_VIEWER_H

#include <signal.h>

#include <rpc/rpc.h>

#define VIEWER_DEFAULT "vncviewer -passwd {vncpasswd_file} {host}::{port}"

struct viewer_target {
	const char *host;
	unsigned port;
	const char *password;
	const char *display_name;
};

#define VIEWER_LINK_LOST (-2)

/* Run the viewer command template (split on spaces, no shell; placeholders
 * {host} {port} {password_file} {vncpasswd_file} {display}) and wait for it
 * to exit, pinging the display every keepalive_s seconds.  Its password
 * files live in a private directory under $TMPDIR, removed on return.
 * Returns the viewer's exit status, -1 with a sentence in why if it could
 * not run, or VIEWER_LINK_LOST (the viewer ended) if the connection to the
 * display was lost.  *stop becoming non-zero (Ctrl-C, SIGHUP, SIGTERM)
 * ends the viewer (the session then ends normally). */
int viewer_run(const char *template, const struct viewer_target *t, CLIENT *c,
    int keepalive_s, volatile sig_atomic_t *stop, char *why, size_t whylen);
/* TigerVNC's obfuscated password file format (8 bytes).  0 or -1. */
int viewer_vncpasswd(const char *password, unsigned char out[8]);

#endif
