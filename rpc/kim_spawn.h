/* kim_spawn.h -- the one way the tree starts a program (docs/design.md, "One
 * way of doing each thing"): posix_spawn from an argument vector, never a
 * shell, with the child's standard descriptors, environment, signals and
 * process group said here. */
#ifndef KIM_KIM_SPAWN_H
#define KIM_KIM_SPAWN_H

#include <sys/types.h>

/* fd[i] of struct kim_spawn_opts: the child keeps ours, or gets /dev/null
 * (else it gets that descriptor of ours) */
#define KIM_SPAWN_INHERIT (-1)
#define KIM_SPAWN_DEVNULL (-2)

/* flags: argv[0] searched in PATH (else it is a path); a process group of
 * its own (a terminal's Ctrl-C and SIGHUP, and signals sent to our group,
 * do not reach it); no blocked signal and SIGPIPE at its default (for a
 * caller that blocks its signals for sigwait or ignores SIGPIPE) */
#define KIM_SPAWN_PATH 1u
#define KIM_SPAWN_GROUP 2u
#define KIM_SPAWN_SIGNALS 4u

struct kim_spawn_opts {
	int fd[3];	   /* stdin, stdout, stderr */
	char *const *envp; /* NULL: our environment */
	unsigned flags;
	int fd3; /* > 2: the child's descriptor 3 (a streamed patch); else none */
};
#define KIM_SPAWN_OPTS_INIT \
	{ \
		{ KIM_SPAWN_INHERIT, KIM_SPAWN_INHERIT, KIM_SPAWN_INHERIT }, \
		    NULL, 0, 0 \
	}

/* Start argv; *pid is the child's.  0, or -1 with errno (the program could
 * not be started). */
int kim_spawn(pid_t *pid, char *const argv[], const struct kim_spawn_opts *o);
/* Wait for pid (retrying on EINTR): its exit code, 128 + the signal that
 * ended it, or -1. */
int kim_spawn_wait(pid_t pid);
/* kim_spawn, then kim_spawn_wait; -1 when it could not be started. */
int kim_spawn_run(char *const argv[], const struct kim_spawn_opts *o);

#endif
