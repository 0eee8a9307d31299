/* spawn.h -- run helper programs from an argument vector (never a shell). */
#ifndef KIM_SPAWN_H
#define KIM_SPAWN_H

#include <sys/types.h>

/* Start argv (PATH searched); stdin from /dev/null; stdout to stderr when
 * quiet_stdout.  Returns the pid or -1. */
pid_t spawn_argv(char *const argv[], int quiet_stdout);
/* Wait for pid; its exit code, 128+signal, or -1. */
int spawn_wait(pid_t pid);
/* spawn_argv + spawn_wait, the child in a process group of its own (the
 * terminal's Ctrl-C and SIGHUP do not reach it). */
int spawn_run(char *const argv[], int quiet_stdout);

#endif
