/* setup.h -- docs/design.md steps 8 and 10: the display's setup script, run as a
 * child in its own process group and spoken to over pipes (docs/contract.md
 * section 1). */
#ifndef KIM_SETUP_H
#define KIM_SETUP_H

#include <pthread.h>
#include <sys/types.h>

#include "sha256.h"

struct setup {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pid_t pid;	 /* also the process group */
	int to_script;	 /* its stdin, -1 when closed */
	int from_script; /* its stdout */
	pthread_t reader, waiter;
	int started;
	/* what the script reported (under lock) */
	unsigned vnc_port;
	int resumed;
	int error_code; /* KIM_E_..., 0 if none reported */
	char error_msg[512];
	char delta_name[256];
	char delta_sha[KIM_SHA256_HEX];
	int base_ok; /* 1 BASE_OK, -1 BASE_CHANGED, 0 not said */
	int stdout_eof;
	int exited;
	int exit_status; /* as from waitpid */
};

/* An idle struct setup (setup_start does it itself). */
void setup_init(struct setup *s);
/* One status line of the script (docs/contract.md section 1, without its
 * newline; modified in place) into s's fields.  Unknown lines are logged
 * and ignored; a DELTA whose name has a '/' or a leading '.' is ignored. */
void setup_parse_line(struct setup *s, char *line);
/* Start argv[0] with argv; its stderr goes to log_fd; fd3 > 2 becomes its
 * descriptor 3 (a patch still arriving, docs/vm.md "Streaming").  0 or
 * KIM_E_. */
int setup_start(struct setup *s, char *const argv[], int log_fd, int fd3);
/* One line (a word and its newline) to the script's stdin: 0, or -1 when
 * its stdin is closed or the write failed. */
int setup_tell(struct setup *s, const char *line);
enum setup_milestone { SETUP_VNC, SETUP_RESUMED };
/* Wait until the script reported VNC (SETUP_VNC), or RESUMED and VNC
 * (SETUP_RESUMED).  0, or the script's error / SETUP_FAILED /
 * SETUP_TIMEOUT, with a sentence in why. */
int setup_wait(struct setup *s, enum setup_milestone what, int timeout_s,
    char *why, size_t whylen);
/* Tell the script to end (keep: "end", else "abort"), wait up to timeout_s
 * for it to exit, then end its process group.  0 if it exited 0. */
int setup_finish(
    struct setup *s, int keep, int timeout_s, char *why, size_t whylen);

#endif
