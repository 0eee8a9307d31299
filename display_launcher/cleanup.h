/* cleanup.h -- on start-up, end what a crashed earlier run left behind.
 * Every process of a session (the setup script, QEMU, x11vnc, the
 * workspace's processes) inherits KIM_SESSION_ENV=<spool>; a launcher that
 * starts on the same spool ends every process carrying its mark. */
#ifndef KIM_CLEANUP_H
#define KIM_CLEANUP_H

#define KIM_SESSION_ENV "KIMBERLEY_DISPLAY_SPOOL"

/* End (SIGTERM, then SIGKILL) every process marked with spool; returns how
 * many there were. */
int cleanup_leftovers(const char *spool);

#endif
