/* spawn.c -- posix_spawnp with an argv, and waiting for it. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

extern char **environ;

/* own_group: the child gets a process group of its own, so the signals a
 * terminal sends its foreground group (Ctrl-C, SIGHUP when it closes) do
 * not reach it: the mobile decides (a delta being applied finishes). */
static pid_t
spawn_group(char *const argv[], int quiet_stdout, int own_group)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (quiet_stdout)
		posix_spawn_file_actions_adddup2(&fa, 2, 1);
	posix_spawnattr_init(&at);
	if (own_group) {
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
		posix_spawnattr_setpgroup(&at, 0);
	}
	rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return pid;
}

pid_t
spawn_argv(char *const argv[], int quiet_stdout)
{
	return spawn_group(argv, quiet_stdout, 0);
}

int
spawn_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
spawn_run(char *const argv[], int quiet_stdout)
{
	pid_t pid = spawn_group(argv, quiet_stdout, 1);

	return pid < 0 ? -1 : spawn_wait(pid);
}
