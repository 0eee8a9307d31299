/* session.h -- the display's one session at a time (docs/design.md section 2):
 * who owns it, the files it received, the setup script it runs, the delta
 * it hands back.  Every RPC handler in svc.c is a few lines calling in here. */
#ifndef KIM_SESSION_H
#define KIM_SESSION_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include "access.h"
#include "kimberley.h"
#include "priv.h"
#include "transfer.h"

struct display_config {
	const char *name;   /* the display's name */
	const char *spool;  /* spool directory, ours alone */
	const char *vm_dir; /* base VMs: vm_dir/<name>/ */
	const char *setup_script;
	const char *x_display;
	const char *accel;
	const char *key_file;	 /* for encrypted patches, or NULL */
	const char *usb_if;	 /* the USB-network interface's name */
	const char *auth_code;	 /* the access code, or NULL: no auth */
	int sasl;		 /* offer SASL (service "kimberley") */
	const char *sasl_conf;	 /* its config's directory, NULL default */
	int screen_code;	 /* a one-time code on the idle screen */
	int auth_any;		 /* one configured factor suffices (else
					   SASL and the screen code, both) */
	const char *direct_addr; /* -l's address when not loopback: the
					   VNC export listens there too */
	int usb_threshold_ms;	 /* advice to mobiles for the USB offer */
	uint64_t max_file;	 /* largest file accepted, bytes */
	int max_files;		 /* files begun per session */
	uint64_t max_session;	 /* bytes announced per session, in all */
	int resume_timeout;	 /* s, setup script to RESUMED */
	int no_stream;		 /* never start on a patch still arriving */
	int end_timeout;	 /* s, "end" to the script's exit */
	int idle_timeout; /* s without a call before a client is dropped */
	int auth_timeout; /* s from connect to authenticated */
	int max_conns;	  /* connections at once */
	int url_timeout;  /* s for a patch download */
	const struct url_net *url_allow; /* --url-allow networks (urlpolicy.h) */
	size_t n_url_allow;
	int log_fd;	       /* the setup script's stderr */
	const char *user;      /* the child's user (priv.h) */
	const char *work_root; /* root-only session directories */
};

enum session_state { S_IDLE, S_OPEN, S_RUNNING, S_ENDED };

struct display;

/* One client connection (server.c makes them, one thread each). */
struct conn {
	struct display *d;
	unsigned id;
	int fd; /* the connection's socket */
	char peer[64];
	int authed;
	unsigned char nonce[32]; /* the access-code challenge */
	int have_nonce;
	int auth_failures;
	void *sasl;		    /* sasl_conn_t (display_launcher/sasl.c) */
	char sasl_mech[32];	    /* the mechanism under way, "" none */
	int sasl_done, screen_done; /* factors proven (docs/design.md step 4) */
	char user[256];		    /* the SASL user name, once proven */
	int close_after_reply;	    /* the session is over: hang up */
	int attach_disk;	    /* ATTACH_STREAM took: hand the socket
					   over after the reply (attach.c) */
	unsigned attach_usb;	    /* its USB device (VID << 16 | PID) */
	char last_error[1024];	    /* detail of the last refusal */
	int rep_code;		    /* the refusal being repeated ... */
	unsigned rep_count;	    /* ... this many times in a row */
	unsigned hellos;	    /* hello calls, for the log's sake */
};

/* The display's state is private to session.c and the step files
 * (display.h); everyone else goes through these. */
struct publisher;
struct display *
display_new(const struct display_config *cfg, struct priv *priv);
const struct display_config *display_config(const struct display *d);
/* The KCM publisher (publish.h), or NULL on the direct link. */
void display_set_publisher(struct display *d, struct publisher *pub);
/* 1 if c owns the session at this moment. */
int display_owned_by(struct display *d, const struct conn *c);

void display_init(
    struct display *d, const struct display_config *cfg, struct priv *priv);
/* The idle screen's text, and show it (between sessions). */
void display_idle(struct display *d, const char *name, const char *hint);
/* Empty the spool (start-up, and after every session). */
void display_clean_spool(const struct display *d);

void session_hello(struct conn *c, const hello_arg *a, hello_res *r);
void session_auth(struct conn *c, const auth_arg *a, auth_res *r);
/* bytes: the name as received, len bytes, not NUL-terminated */
int session_send_begin(
    struct conn *c, const char *bytes, size_t len, int64_t size, int verify);
int session_send_piece(struct conn *c, const data *piece);
int session_send_end(struct conn *c, const unsigned char *sha);
int session_use_floppy(struct conn *c, const char *name);
int
session_start(struct conn *c, const char *vm, const char *patch, int is_url);
int session_use_usb(struct conn *c);
void session_info(struct conn *c, session_res *r);
/* LIST_BASES (bases.c) */
void session_bases(struct conn *c, bases_res *r);
void session_end(struct conn *c, int retrieve, end_res *r);
int session_retrieve_open(struct conn *c, const char *name, file_res *r);
int session_retrieve_piece(struct conn *c, data *piece);
/* The connection is gone: end its session, if it had one. */
void session_disconnect(struct conn *c);
/* The launcher is shutting down. */
void session_shutdown(struct display *d);

#endif
