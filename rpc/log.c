/* log.c -- structured step log with monotonic timestamps. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
	pthread_mutex_t lock;
	const char *prog;
	FILE *file;		/* NULL: syslog */
	int verbose;
} logger = { PTHREAD_MUTEX_INITIALIZER, "kimberley", NULL, 0 };

double
kim_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
kim_log_open(const char *prog, const char *file, int verbose)
{
	logger.prog = prog;
	logger.verbose = verbose;
	if (file == NULL) {
		openlog(prog, LOG_PID, LOG_DAEMON);
		return 0;
	}
	int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	logger.file = fdopen(fd, "a");
	if (logger.file == NULL) {
		close(fd);
		return -1;
	}
	setvbuf(logger.file, NULL, _IOLBF, 0);
	return 0;
}

void
kim_vlog(const char *step, const char *fmt, va_list ap)
{
	char msg[2048];
	int saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	pthread_mutex_lock(&logger.lock);
	double t = kim_now();
	if (logger.file)
		fprintf(logger.file, "t=%.6f prog=%s pid=%d step=%s %s\n",
		    t, logger.prog, (int)getpid(), step, msg);
	else
		syslog(LOG_INFO, "t=%.6f step=%s %s", t, step, msg);
	if (logger.verbose)
		fprintf(stderr, "t=%.6f prog=%s step=%s %s\n", t, logger.prog,
		    step, msg);
	pthread_mutex_unlock(&logger.lock);
	errno = saved;
}

void
kim_log(const char *step, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kim_vlog(step, fmt, ap);
	va_end(ap);
}
