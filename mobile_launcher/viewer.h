/* viewer.h -- DESIGN.md steps 9 and 10: start the VNC viewer, keep the
 * display's session alive while the person works, notice when they are done. */
#ifndef KIM_VIEWER_H
#define KIM_VIEWER_H

#include <rpc/rpc.h>

#define VIEWER_DEFAULT "vncviewer -passwd {vncpasswd_file} {host}::{port}"

struct viewer_target {
	const char *host;
	unsigned port;
	const char *password;
	const char *display_name;
};

/* Run the viewer command template (split on spaces, no shell; placeholders
 * {host} {port} {password_file} {vncpasswd_file} {display}) and wait for it
 * to exit, pinging the display every keepalive_s seconds.  Returns the
 * viewer's exit status, or -1 with a sentence in why if it could not run.
 * Ctrl-C ends the viewer (the session then ends normally). */
int viewer_run(const char *template, const struct viewer_target *t, CLIENT *c,
    int keepalive_s, char *why, size_t whylen);
/* TigerVNC's obfuscated password file format (8 bytes).  0 or -1. */
int viewer_vncpasswd(const char *password, unsigned char out[8]);

#endif
