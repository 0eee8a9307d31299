/* setup.c -- run the setup script and follow its status lines. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "errors.h"
#include "kim_spawn.h"
#include "log.h"
#include "setup.h"

#define SETUP_STOP_GRACE_MS 5000 /* after SIGTERM, then SIGKILL */

void
setup_parse_line(struct setup *s, char *line)
{
	char *rest = strchr(line, ' ');
	char *word = line;

	if (rest)
		*rest++ = '\0';
	else
		rest = "";
	pthread_mutex_lock(&s->lock);
	if (strcmp(word, "VNC") == 0) {
		s->vnc_port = (unsigned)strtoul(rest, NULL, 10);
		kim_log("setup", "vnc port=%u", s->vnc_port);
	} else if (strcmp(word, "RESUMED") == 0) {
		s->resumed = 1;
		kim_log("setup", "resumed");
	} else if (strcmp(word, "DELTA") == 0) {
		char name[256], sha[KIM_SHA256_HEX];
		if (sscanf(rest, "%255s %64s", name, sha) == 2 &&
		    !strchr(name, '/') && name[0] != '.') {
			snprintf(
			    s->delta_name, sizeof(s->delta_name), "%s", name);
			snprintf(s->delta_sha, sizeof(s->delta_sha), "%s", sha);
		}
		kim_log("setup", "delta %s", rest);
	} else if (strcmp(word, "ERROR") == 0) {
		char *msg = strchr(rest, ' ');
		if (msg)
			*msg++ = '\0';
		if (s->error_code == 0) {
			s->error_code = kim_error_by_name(rest);
			snprintf(s->error_msg, sizeof(s->error_msg), "%s",
			    msg ? msg : kim_strerror(s->error_code));
		}
		kim_log(
		    "setup", "error code=%s msg=\"%s\"", rest, msg ? msg : "");
	} else if (strcmp(word, "BASE_OK") == 0) {
		s->base_ok = 1;
		kim_log("setup", "base unchanged sha256=%s", rest);
	} else if (strcmp(word, "BASE_CHANGED") == 0) {
		s->base_ok = -1;
		kim_log("setup", "BASE CHANGED %s", rest);
	} else if (strcmp(word, "STEP") == 0) {
		kim_log("setup", "%s", rest);
	} else {
		kim_log("setup", "script said: %s %s", word, rest);
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static void *
reader_main(void *arg)
{
	struct setup *s = arg;
	FILE *in = fdopen(s->from_script, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while (in && (n = getline(&line, &cap, in)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		setup_parse_line(s, line);
	}
	free(line);
	if (in)
		fclose(in);
	pthread_mutex_lock(&s->lock);
	s->stdout_eof = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void *
waiter_main(void *arg)
{
	struct setup *s = arg;
	int status = 0;

	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	/* whatever it left behind in its group goes with it */
	kill(-s->pid, SIGKILL);
	pthread_mutex_lock(&s->lock);
	s->exited = 1;
	s->exit_status = status;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	kim_log("setup", "script exited status=%d",
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return NULL;
}

void
setup_init(struct setup *s)
{
	pthread_condattr_t ca;

	memset(s, 0, sizeof(*s));
	s->to_script = s->from_script = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
}

int
setup_start(struct setup *s, char *const argv[], int log_fd, int fd3)
{
	/* the launcher blocks its signals (sigwait) and ignores SIGPIPE; the
	 * script gets neither, and a process group of its own */
	struct kim_spawn_opts so = KIM_SPAWN_OPTS_INIT;
	int in[2], out[2], rc;

	setup_init(s);
	if (pipe2(in, O_CLOEXEC) != 0)
		return KIM_E_INTERNAL;
	if (pipe2(out, O_CLOEXEC) != 0) {
		close(in[0]);
		close(in[1]);
		return KIM_E_INTERNAL;
	}
	so.fd[0] = in[0];
	so.fd[1] = out[1];
	so.fd[2] = log_fd >= 0 ? log_fd : KIM_SPAWN_INHERIT;
	so.envp = cleanup_envp();
	so.flags = KIM_SPAWN_GROUP | KIM_SPAWN_SIGNALS;
	so.fd3 = fd3;
	rc = kim_spawn(&s->pid, argv, &so);
	close(in[0]);
	close(out[1]);
	if (rc != 0) {
		kim_log(
		    "setup", "cannot start %s: %s", argv[0], strerror(errno));
		close(in[1]);
		close(out[0]);
		return KIM_E_SETUP_FAILED;
	}
	s->to_script = in[1];
	s->from_script = out[0];
	s->started = 1;
	kim_log("setup", "started %s pid=%d", argv[0], (int)s->pid);
	pthread_create(&s->reader, NULL, reader_main, s);
	pthread_create(&s->waiter, NULL, waiter_main, s);
	return 0;
}

static void
deadline_in(struct timespec *ts, int seconds)
{
	kim_deadline(ts, seconds);
}

/* Under lock: has the script reached what? */
static int
reached(const struct setup *s, enum setup_milestone what)
{
	return s->vnc_port && (what == SETUP_VNC || s->resumed);
}

int
setup_wait(struct setup *s, enum setup_milestone what, int timeout_s, char *why,
    size_t whylen)
{
	struct timespec dl;
	int rc = 0;

	deadline_in(&dl, timeout_s);
	pthread_mutex_lock(&s->lock);
	while (!reached(s, what) && !s->error_code && !s->exited &&
	    !s->stdout_eof) {
		if (pthread_cond_timedwait(&s->cond, &s->lock, &dl) ==
		    ETIMEDOUT)
			break;
	}
	/* It exited: let the reader take its last lines (its ERROR says why
	 * better than we can), for a second at most. */
	if (s->exited && !s->stdout_eof && !s->error_code) {
		deadline_in(&dl, 1);
		while (!s->stdout_eof)
			if (pthread_cond_timedwait(&s->cond, &s->lock, &dl) ==
			    ETIMEDOUT)
				break;
	}
	if (s->error_code) {
		rc = s->error_code;
		snprintf(why, whylen, "%s", s->error_msg);
	} else if (reached(s, what)) {
		rc = 0;
	} else if (s->exited || s->stdout_eof) {
		rc = KIM_E_SETUP_FAILED;
		snprintf(why, whylen,
		    "the display's setup script stopped before "
		    "the application was running");
	} else {
		rc = KIM_E_SETUP_TIMEOUT;
		snprintf(why, whylen,
		    "the application was not running after %d s", timeout_s);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Wait for exit until dl; 1 if it exited. */
static int
wait_exit(struct setup *s, const struct timespec *dl)
{
	int exited;

	pthread_mutex_lock(&s->lock);
	while (!s->exited)
		if (pthread_cond_timedwait(&s->cond, &s->lock, dl) == ETIMEDOUT)
			break;
	exited = s->exited;
	pthread_mutex_unlock(&s->lock);
	return exited;
}

static int
setup_gone(void *arg)
{
	struct timespec now;

	kim_monotonic(&now);
	return wait_exit(arg, &now);
}

int
setup_tell(struct setup *s, const char *line)
{
	ssize_t n = (ssize_t)strlen(line);

	if (!s->started || s->to_script < 0)
		return -1;
	return write(s->to_script, line, (size_t)n) == n ? 0 : -1;
}

int
setup_finish(struct setup *s, int keep, int timeout_s, char *why, size_t whylen)
{
	struct timespec dl;
	int rc = 0;

	if (!s->started)
		return 0;
	if (s->to_script >= 0) {
		const char *word = keep ? "end\n" : "abort\n";
		if (write(s->to_script, word, strlen(word)) < 0)
			kim_log("setup", "script's stdin closed: %s",
			    strerror(errno));
		close(s->to_script);
		s->to_script = -1;
	}
	deadline_in(&dl, timeout_s);
	if (!wait_exit(s, &dl)) {
		kim_log("setup", "script did not end within %d s: terminating",
		    timeout_s);
		kim_stop_child(-s->pid, SETUP_STOP_GRACE_MS, setup_gone, s,
		    "the setup script");
		rc = KIM_E_END_FAILED;
		snprintf(why, whylen,
		    "the display's setup script did not end "
		    "within %d s and was stopped",
		    timeout_s);
	}
	pthread_join(s->waiter, NULL);
	pthread_join(s->reader, NULL);
	s->started = 0;
	if (rc == 0 && s->error_code) {
		rc = s->error_code;
		snprintf(why, whylen, "%s", s->error_msg);
	} else if (rc == 0 &&
	    !(WIFEXITED(s->exit_status) && WEXITSTATUS(s->exit_status) == 0)) {
		rc = KIM_E_END_FAILED;
		snprintf(why, whylen,
		    "the display's setup script failed at the end");
	}
	return rc;
}
