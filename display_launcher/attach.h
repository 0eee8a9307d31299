/* attach.h -- a disk of the mobile's, live, in the session (attach.c;
 * docs/attach.md). */
#ifndef KIM_ATTACH_H
#define KIM_ATTACH_H

#include "kimberley.h"
#include "priv.h"
#include "session.h"

/* PRIV_ATTACH's arg: the disk number (1..KIM_ATTACH_MAX) | ATTACH_RO */
#define ATTACH_RO 0x100
#define ATTACH_USB 0x200 /* a USB device (usbredir); name: "VID:PID" */

/* ATTACH_DISK (the owner's connection) */
void session_attach_disk(struct conn *c, const attach_arg *a, attach_res *r);
/* ATTACH_STREAM (a second connection): 0 when the token was good; the
 * connection closes after the reply either way. */
int session_attach_stream(struct conn *c, const attach_token *t);
/* After ATTACH_STREAM's reply (server.c, when c->attach_disk is set): the
 * socket goes to the parent, which plugs it into the VM. */
void attach_handoff(struct conn *c);
/* The parent's side of PRIV_ATTACH; fd: the socket that came with it. */
void parent_attach(
    struct parent *p, const struct priv_req *q, int fd, struct priv_rep *r);

#endif
