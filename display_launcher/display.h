/* display.h -- the display's state (one per launcher): for session.c and
 * the step files (step.h) only, and the white-box tests; everyone else
 * holds a struct display * and calls session.h's functions
 * (docs/design.md section 2). */
#ifndef KIM_DISPLAY_H
#define KIM_DISPLAY_H

#include "session.h"

struct display {
	const struct display_config *cfg;
	struct priv *priv;     /* the privileged parent (priv.h) */
	struct publisher *pub; /* NULL on the direct link */
	char idle_name[256];   /* what the idle screen shows */
	char idle_hint[512];
	pthread_mutex_t lock; /* guards owner and guard */
	struct conn *owner;
	struct kim_guard guard; /* wrong access codes, all connections */
	char screen_code[16];	/* on the idle screen, "" none (lock) */
	/* below: touched by the owner's thread only */
	enum session_state state;
	unsigned serial;
	unsigned files; /* files begun in this session */
	uint64_t bytes; /* their announced sizes, in all */
	struct kim_sink sink;
	char floppy[NAME_MAX + 1]; /* spooled floppy's name, "" if none */
	char usb_addr[64];	   /* VNC on the USB link, "" if not */
	int script;		   /* the parent runs a setup script for us */
	/* a VM patch decoded while it arrives (transfer.c, docs/vm.md
	 * "Streaming"): the script started on its header, for this VM,
	 * patch and floppy; it lets the VM run only when claimed */
	int streaming;
	int stream_tried; /* the arriving file's header was looked at */
	char incoming[KIM_NAME_MAX + 1]; /* the arriving file's name */
	char stream_vm[KIM_VMNAME_MAX + 1];
	char stream_name[KIM_NAME_MAX + 1];
	char stream_floppy[NAME_MAX + 1];
	unsigned vnc_port; /* what the script reported */
	char vnc_password[65];
	int delta_fd;		/* the delta, from the parent; -1 none */
	struct kim_source retr; /* the delta being served (fd -1: none) */
	char delta_name[256];
	unsigned char floppy_sha[KIM_SHA256_BYTES];
};

#endif
