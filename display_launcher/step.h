/* step.h -- what session.c (the state machine) shares with the file of each
 * step (docs/design.md section 2).  For display_launcher/'s step files
 * only: svc.c and server.c go through session.h. */
#ifndef KIM_STEP_H
#define KIM_STEP_H

#include <stddef.h>

#include "display.h"
#include "session.h"

#define PROTO_VERSION KIM_PROTO_VERSION
#define SETUP_ABORT_GRACE 10 /* s for a failed start to clean up */
#define HELLO_LOG_MAX 3	     /* hello lines logged per connection */

/* Refuse the call: remember why (LAST_ERROR), log it (repeats counted),
 * return code.  fmt NULL: the error table's sentence. */
int step_refuse(struct conn *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 0 if c owns (or now owns) the session: authenticated and not busy;
 * else the refusal's code. */
int step_claim(struct conn *c);
/* Claim, refusing (logged) when not allowed. */
int step_may(struct conn *c);
/* Someone else owns the display. */
int step_busy_for(struct conn *c);
/* The session's state (only the owner's thread changes it). */
int step_in_state(const struct display *d, enum session_state s);
void step_set_state(struct display *d, enum session_state s);
/* Back to the base state: script ended, files gone, display free. */
void step_close(struct conn *c, const char *why);

/* One request to the privileged parent (priv.h); the answer in r. */
int
step_ask(struct display *d, struct priv_req *q, struct priv_rep *r, int *fd);
/* Show (1) or hide (0) the idle screen. */
void step_idle(struct display *d, int show);
/* End the session's script: 0 or KIM_E_ with why; the delta's descriptor
 * (keep) in d->delta_fd. */
int step_script_finish(struct display *d, int keep, int timeout, char *why,
    size_t len, struct priv_rep *r);
/* A streamed start (transfer.c) that will not be claimed: ended, with why
 * logged. */
void step_stream_drop(struct display *d, const char *why);

int step_path_join(char *out, size_t len, const char *dir, const char *name);
long step_spool_name_max(const struct display *d);
int step_spool_path(
    const struct display *d, const char *name, char *out, size_t len);
/* The spooled, complete file for a name the mobile gave (by basename). */
int step_spooled(
    struct conn *c, const char *given, char *path, size_t len, int missing);
/* Where the VNC export listens; NULL: loopback, for KCM to tunnel. */
const char *step_vnc_addr(const struct display *d);

#endif
