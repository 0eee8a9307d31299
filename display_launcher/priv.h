/* priv.h -- the privilege boundary (docs/design.md section 7).
 *
 * display_launcher is two processes.  The parent keeps root and does only
 * what needs it: it checks a VM name against the VM directory, starts the
 * setup script for a session (from copies of the spooled files in a
 * directory only root can reach), reports what the script said, ends it,
 * shows and hides the idle screen, and cleans up whatever a dead child or
 * session left.  The child (its own user, no capabilities, no new
 * privileges) speaks RPC, runs libcurl and holds the session state.
 *
 * They talk over a SOCK_SEQPACKET socketpair: one fixed-size request, one
 * fixed-size reply (a delta's descriptor rides along with SCM_RIGHTS).  The
 * parent takes nothing on trust: the size and the op must be right, every
 * string NUL-terminated inside its field, names pass the rules of
 * rpc/names.c, addresses parse, timeouts are capped by its own settings,
 * and files are opened O_NOFOLLOW inside the spool and must be regular,
 * owned by the child and singly linked. */
#ifndef KIM_PRIV_H
#define KIM_PRIV_H

#include <arpa/inet.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "idle.h"
#include "names.h"
#include "privdrop.h"
#include "setup.h"

struct display_config;

enum priv_op {
	PRIV_CHECK_VM = 1, /* vm: is there such a base? */
	PRIV_START,	   /* vm, patch, floppy, vnc_addr: start the script;
			      arg PRIV_STREAM: patch is the partial file of
			      size bytes still arriving (docs/vm.md) */
	PRIV_WAIT,	   /* arg: milestone, timeout: what the script said */
	PRIV_FINISH,	   /* arg: keep, timeout: end the script */
	PRIV_IDLE,	   /* arg: show?, name, hint: the idle screen */
	PRIV_READY,	   /* arg: the RPC port: write --port-file */
	PRIV_ATTACH,	   /* arg: n | ATTACH_RO | ATTACH_USB, name: VID:PID
			      (USB), a socket with it: plug a mobile's disk
			      or USB device in (attach.c) */
	PRIV_GO,	   /* a streamed start was claimed: the script may
			      run the VM (it tells "go") */
};

#define PRIV_STREAM 1 /* PRIV_START's arg */

struct priv_req {
	uint32_t op;
	int32_t arg;
	int32_t timeout; /* seconds */
	char vm[KIM_VMNAME_MAX + 1];
	char patch[NAME_MAX + 1];	/* spooled names (basenames) */
	char floppy[NAME_MAX + 1];	/* "" none */
	char vnc_addr[INET_ADDRSTRLEN]; /* the USB link's address, "" none */
	char name[256];			/* PRIV_IDLE */
	char hint[512];
	char code[16]; /* PRIV_IDLE: the screen code, "" none */
	int64_t size;  /* PRIV_START PRIV_STREAM: the patch's whole size */
};

struct priv_rep {
	int32_t rc; /* 0 or KIM_E_ */
	char why[600];
	uint32_t vnc_port;
	int32_t base_ok;   /* as struct setup */
	char password[65]; /* the VNC password, once VNC was reported */
	char delta_name[256];
	char delta_sha[KIM_SHA256_HEX];
};

/* ---- the parent (parent.c) ----------------------------------------------- */

struct parent {
	const struct display_config *cfg;
	int spool_fd; /* the spool (spool.c) */
	int work_fd;  /* root-only: this spool's session directories */
	char work_dir[PATH_MAX];
	uid_t child_uid;
	int sock; /* the child's end, -1 in-process */
	const char *port_file;
	char sess[PATH_MAX]; /* this session's directory, "" none */
	char sess_name[64];  /* its name in work_dir */
	struct setup setup;
	int streaming; /* the script reads a patch still arriving and waits
			  for PRIV_GO before the VM runs */
	struct idle idle;
	int fd_in; /* the descriptor that came with the request, -1 none */
};

/* The work directory for spool (a root-only directory under work_root named
 * after the spool's real path): made and checked, its leftovers removed.
 * 0, or -1 with a sentence in why. */
int parent_init(struct parent *p, const struct display_config *cfg,
    int spool_fd, const char *spool_real, const char *work_root,
    uid_t child_uid, char *why, size_t whylen);
/* Answer one request (checked here, whoever sent it); *fd_out gets a
 * descriptor to pass back, or -1. */
void parent_handle(struct parent *p, const struct priv_req *q,
    struct priv_rep *r, int *fd_out);
/* Serve the child on sock until it hangs up, then end whatever it left
 * (script, session directory, spool, idle screen).  stop_flag: set by the
 * signal thread; a running wait returns at once. */
void parent_serve(struct parent *p, int sock);
/* The display is stopping: a wait in progress returns. */
void parent_stop(struct parent *p);
/* End the session the child left and empty the spool. */
void parent_cleanup(struct parent *p);

/* ---- the child's side (priv.c) ------------------------------------------- */

struct priv {
	int sock;	      /* -1: in-process (the fuzzer) */
	struct parent *local; /* in-process: called directly */
	pthread_mutex_t lock; /* one request at a time */
};

/* Ask; 0, or -1 if the parent is gone (r->rc then says INTERNAL). */
int
priv_call(struct priv *pv, struct priv_req *q, struct priv_rep *r, int *fd_out);
/* The same, with fd_in (>= 0) passed along (SCM_RIGHTS). */
int priv_call_fd(struct priv *pv, struct priv_req *q, int fd_in,
    struct priv_rep *r, int *fd_out);

/* Both sides' one message on the socketpair, with fd (>= 0) passed along
 * (SCM_RIGHTS).  priv_send retries on EINTR; priv_recv sets *fd (-1: none)
 * and *cut (the message or its descriptor did not fit).  What sendmsg and
 * recvmsg return. */
ssize_t priv_send(int sock, const void *msg, size_t len, int fd);
ssize_t priv_recv(int sock, void *msg, size_t len, int *fd, int *cut);

#endif
