/* cleanup.h -- on start-up, end what a crashed earlier run left behind.
 * Every process of a session (the setup script, QEMU, x11vnc, the
 * workspace's processes) inherits KIM_SESSION_ENV=<spool>; a launcher that
 * starts on the same spool ends every process carrying its mark. */
#ifndef KIM_CLEANUP_H
#define KIM_CLEANUP_H

#include <sys/types.h>

#define KIM_SESSION_ENV "KIMBERLEY_DISPLAY_SPOOL"

/* From now on every session process (the setup script, the idle screen)
 * is started with the mark KIM_SESSION_ENV=spool; the launcher's own two
 * processes do not carry it. */
void cleanup_mark(const char *spool);
/* The environment to start a session process with (the mark added). */
char **cleanup_envp(void);
/* End (SIGTERM, then SIGKILL) every process marked with spool; returns how
 * many there were. */
int cleanup_leftovers(const char *spool);

/* Stop a child of ours: SIGTERM to target (a pid, or -pgid for a process
 * group), up to grace_ms for gone(arg) to say it went, then SIGKILL and up
 * to KIM_STOP_KILL_MS more.  Every child display_launcher stops (the setup
 * script's group, the idle screen) goes through here, so that one that
 * ignores SIGTERM never holds up the end of a session.  1 if it went,
 * 0 if even SIGKILL did not (logged). */
#define KIM_STOP_KILL_MS 2000
int kim_stop_child(pid_t target, int grace_ms, int (*gone)(void *), void *arg,
    const char *who);

#endif
