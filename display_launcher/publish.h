/* publish.h -- docs/design.md steps 2, 8 and 12: the display launcher asks KCM
 * (over D-Bus) to advertise the launcher's RPC port and, during a session,
 * the VNC port.  Implemented in publish.c on top of kcm/kcm_client.h. */
#ifndef KIM_PUBLISH_H
#define KIM_PUBLISH_H

struct publisher;

/* Publish the launcher service (_kimberley._tcp) under display_name for the
 * loopback RPC port.  ifindex < 0 means any interface.  Returns NULL and sets
 * *err (malloc'd sentence) on failure. */
struct publisher *publisher_start(
    const char *display_name, int ifindex, unsigned rpc_port, char **err);
/* The same in two halves: connect to the session bus (before dropping
 * privileges: a session bus admits only its own user), then publish. */
struct publisher *publisher_connect(char **err);
int publisher_publish(struct publisher *p, const char *display_name,
    int ifindex, unsigned rpc_port, char **err);
/* The instance name KCM really got (after DNS-SD collision renaming). */
const char *publisher_name(const struct publisher *p);
/* Publish / withdraw the session's VNC export (_kimberley-vnc._tcp) for a
 * loopback port.  ifindex < 0 means any interface. */
int
publisher_vnc(struct publisher *p, unsigned vnc_port, int ifindex, char **err);
void publisher_vnc_stop(struct publisher *p);
/* Withdraw and publish the launcher service again (after each session). */
int publisher_refresh(struct publisher *p, char **err);
void publisher_stop(struct publisher *p);
/* The listing's "in use" flag (TXT state=busy|free, docs/widearea.md):
 * called when a session starts and when it ends.  Failures are logged. */
void publisher_busy(struct publisher *p, int busy);

#endif
