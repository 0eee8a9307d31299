/* attach.h -- --attach IMAGE[:ro]: a disk image of the mobile's, live, in
 * the session (docs/attach.md). */
#ifndef KIM_ML_ATTACH_H
#define KIM_ML_ATTACH_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <rpc/rpc.h>

#include "kimberley.h"

#define ATTACH_SLOW_MS 20.0 /* mean RTT above which live reads hurt */

struct attach_disk {
	char *path; /* the image */
	int ro;
	unsigned usb_id; /* --usb-device: VID << 16 | PID, 0: an image */
	unsigned disk;	 /* the display's number, 0: not attached */
	char dir[4096];	 /* 0700, under $TMPDIR: the NBD socket */
	pid_t server;	 /* qemu-nbd, -1 none */
	pid_t relay;	 /* the relay process, -1 none */
};

struct attach_list {
	struct attach_disk d[KIM_ATTACH_MAX];
	int n;
};

/* One --attach value: IMAGE or IMAGE:ro (IMAGE:rw too); a readable regular
 * file; at most KIM_ATTACH_MAX.  0, or -1 with a sentence in why. */
int
attach_add(struct attach_list *l, const char *arg, char *why, size_t whylen);
/* One --usb-device VID:PID (hex): a USB device of this computer's,
 * redirected with usbredirect (or $KIM_USBREDIRECT, a program taking the
 * same --device and --to options) into the session; it counts towards
 * KIM_ATTACH_MAX.  0, or -1 with a sentence in why. */
int attach_add_usb(
    struct attach_list *l, const char *arg, char *why, size_t whylen);
/* While the application runs: serve each image with qemu-nbd on a unix
 * socket of ours, ask the display (ATTACH_DISK on c), open a second
 * connection to host:port, present the token (ATTACH_STREAM) and relay
 * between it and qemu-nbd.  A disk the display would not take is said on
 * say (or stderr) and left out; -1 only when the link failed (why). */
int attach_start(struct attach_list *l, CLIENT *c, const char *host,
    const char *port, FILE *say, char *why, size_t whylen);
/* The session ended (or the mobile stops): wait a little for the relays
 * (the display unplugged the disks), stop qemu-nbd, remove the sockets'
 * directories.  Safe to call more than once (also from atexit). */
void attach_stop(struct attach_list *l);

#endif
