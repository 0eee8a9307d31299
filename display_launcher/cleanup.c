/* cleanup.c -- find and end processes marked with our spool. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

extern char **environ;
static char **marked_env; /* environ with the mark, from cleanup_mark */

void
cleanup_mark(const char *spool)
{
	size_t n = 0, k = 0;
	size_t keylen = strlen(KIM_SESSION_ENV);
	char **env;

	while (environ[n])
		n++;
	if ((env = calloc(n + 2, sizeof(*env))) == NULL)
		return;
	for (size_t i = 0; i < n; i++) /* an inherited mark is replaced */
		if (!(strncmp(environ[i], KIM_SESSION_ENV, keylen) == 0 &&
			environ[i][keylen] == '='))
			env[k++] = environ[i];
	if (asprintf(&env[k], "%s=%s", KIM_SESSION_ENV, spool) < 0) {
		free(env);
		return;
	}
	marked_env = env;
}

char **
cleanup_envp(void)
{
	return marked_env ? marked_env : environ;
}

/* 1 if /proc/pid/environ holds mark exactly. */
static int
marked(pid_t pid, const char *mark)
{
	char path[64], *buf;
	size_t cap = 1 << 16, n = 0;
	ssize_t r;
	int fd, hit = 0;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	buf = malloc(cap + 1);
	while (buf && n < cap && (r = read(fd, buf + n, cap - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (buf == NULL)
		return 0;
	buf[n] = '\0';
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
		if (strcmp(buf + i, mark) == 0) {
			hit = 1;
			break;
		}
	free(buf);
	return hit;
}

/* Signal every marked process; how many. */
static int
signal_marked(const char *mark, int sig)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	pid_t self = getpid();

	while (d && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 1 || pid == self ||
		    !marked((pid_t)pid, mark))
			continue;
		if (kill((pid_t)pid, sig) == 0)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

int
cleanup_leftovers(const char *spool)
{
	char mark[4200];
	int n, left;

	snprintf(mark, sizeof(mark), "%s=%s", KIM_SESSION_ENV, spool);
	if ((n = signal_marked(mark, SIGTERM)) == 0)
		return 0;
	kim_log("start", "ending %d process(es) left by an earlier run", n);
	for (int i = 0; i < 50; i++) { /* up to 5 s to go quietly */
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		if ((left = signal_marked(mark, 0)) == 0)
			return n;
	}
	signal_marked(mark, SIGKILL);
	return n;
}

/* Poll gone(arg) every 20 ms until it says yes or ms pass. */
static int
wait_gone(int (*gone)(void *), void *arg, int ms)
{
	for (int t = 0;; t += 20) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		if (gone(arg))
			return 1;
		if (t >= ms)
			return 0;
		nanosleep(&ts, NULL);
	}
}

int
kim_stop_child(
    pid_t target, int grace_ms, int (*gone)(void *), void *arg, const char *who)
{
	if (kill(target, SIGTERM) != 0 && gone(arg))
		return 1;
	if (wait_gone(gone, arg, grace_ms))
		return 1;
	kim_log("stop", "%s ignored SIGTERM for %d ms: killed", who, grace_ms);
	kill(target, SIGKILL);
	if (wait_gone(gone, arg, KIM_STOP_KILL_MS))
		return 1;
	kim_log("stop", "%s still there %d ms after SIGKILL", who,
	    KIM_STOP_KILL_MS);
	return 0;
}
