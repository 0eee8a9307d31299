/* idle.c -- start and stop the idle screen. */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>

#include "idle.h"
#include "log.h"

extern char **environ;

void
idle_show(struct idle *i)
{
	char *argv[] = { (char *)i->program, "-display", (char *)i->x_display,
	    "-name", i->name, "-hint", i->hint, NULL };
	int rc;

	if (i->program == NULL || i->pid > 0)
		return;
	rc = posix_spawn(&i->pid, i->program, NULL, NULL, argv, environ);
	if (rc != 0) {
		i->pid = 0;
		kim_log("idle", "cannot show the idle screen %s: %s", i->program,
		    strerror(rc));
		return;
	}
	kim_log("idle", "idle screen shown pid=%d", (int)i->pid);
}

void
idle_hide(struct idle *i)
{
	if (i->pid <= 0)
		return;
	kill(i->pid, SIGTERM);
	while (waitpid(i->pid, NULL, 0) < 0 && errno == EINTR)
		;
	i->pid = 0;
}
