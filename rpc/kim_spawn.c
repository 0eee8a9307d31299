/* kim_spawn.c -- posix_spawn from an argv, and waiting for it (rpc/kim_spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kim_spawn.h"

extern char **environ;

int
kim_spawn(pid_t *pid, char *const argv[], const struct kim_spawn_opts *o)
{
	static const struct kim_spawn_opts plain = KIM_SPAWN_OPTS_INIT;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	short flags = 0;
	int rc;

	if (o == NULL)
		o = &plain;
	posix_spawn_file_actions_init(&fa);
	for (int i = 0; i < 3; i++) {
		if (o->fd[i] == KIM_SPAWN_DEVNULL)
			posix_spawn_file_actions_addopen(&fa, i, "/dev/null",
			    i == 0 ? O_RDONLY : O_WRONLY, 0);
		else if (o->fd[i] >= 0)
			/* dup2 clears close-on-exec, also when fd[i] == i */
			posix_spawn_file_actions_adddup2(&fa, o->fd[i], i);
	}
	if (o->fd3 > 2)
		posix_spawn_file_actions_adddup2(&fa, o->fd3, 3);
	posix_spawnattr_init(&at);
	if (o->flags & KIM_SPAWN_GROUP) {
		posix_spawnattr_setpgroup(&at, 0);
		flags |= POSIX_SPAWN_SETPGROUP;
	}
	if (o->flags & KIM_SPAWN_SIGNALS) {
		sigemptyset(&none);
		sigemptyset(&def);
		sigaddset(&def, SIGPIPE);
		posix_spawnattr_setsigmask(&at, &none);
		posix_spawnattr_setsigdefault(&at, &def);
		flags |= POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	}
	posix_spawnattr_setflags(&at, flags);
	if (o->flags & KIM_SPAWN_PATH)
		rc = posix_spawnp(
		    pid, argv[0], &fa, &at, argv, o->envp ? o->envp : environ);
	else
		rc = posix_spawn(
		    pid, argv[0], &fa, &at, argv, o->envp ? o->envp : environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

int
kim_spawn_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
kim_spawn_run(char *const argv[], const struct kim_spawn_opts *o)
{
	pid_t pid;

	return kim_spawn(&pid, argv, o) != 0 ? -1 : kim_spawn_wait(pid);
}
