/* idle.c -- start and stop the idle screen. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "cleanup.h"
#include "idle.h"
#include "kim_spawn.h"
#include "log.h"

#define IDLE_STOP_GRACE_MS 2000 /* then SIGKILL */

void
idle_show(struct idle *i)
{
	char *argv[] = { (char *)i->program, "-display", (char *)i->x_display,
		"-name", i->name, "-hint", i->hint, NULL, NULL, NULL };
	struct kim_spawn_opts so = KIM_SPAWN_OPTS_INIT;
	int rc;

	if (i->program == NULL || i->pid > 0)
		return;
	if (i->code[0]) { /* docs/operator.md, "The code on the screen" */
		argv[7] = "-code";
		argv[8] = i->code;
	}
	/* the launcher blocks its signals (sigwait) and ignores SIGPIPE: the
	 * child gets neither */
	so.envp = cleanup_envp();
	so.flags = KIM_SPAWN_SIGNALS;
	rc = kim_spawn(&i->pid, argv, &so);
	if (rc != 0) {
		i->pid = 0;
		kim_log("idle", "cannot show the idle screen %s: %s",
		    i->program, strerror(errno));
		return;
	}
	kim_log("idle", "idle screen shown pid=%d", (int)i->pid);
}

static int
idle_gone(void *arg)
{
	struct idle *i = arg;

	return waitpid(i->pid, NULL, WNOHANG) != 0;
}

void
idle_hide(struct idle *i)
{
	if (i->pid <= 0)
		return;
	/* never wait on it for long: a session is about to start */
	kim_stop_child(
	    i->pid, IDLE_STOP_GRACE_MS, idle_gone, i, "the idle screen");
	i->pid = 0;
}

int
idle_code_ok(const char *code)
{
	size_t n = strnlen(code, KIM_IDLE_CODE_LEN + 1);

	if (n != 0 && n != KIM_IDLE_CODE_LEN)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (code[k] < '0' || code[k] > '9')
			return 0;
	return 1;
}
