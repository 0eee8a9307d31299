/* log.c -- structured step log with monotonic timestamps. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
	pthread_mutex_t lock;
	const char *prog;
	FILE *file; /* NULL: syslog */
	int verbose;
	int to_stderr; /* file is stderr: no second copy there */
} logger = { PTHREAD_MUTEX_INITIALIZER, "kimberley", NULL, 0, 0 };

int
kim_log_open(const char *prog, const char *file, int verbose)
{
	logger.prog = prog;
	logger.verbose = verbose;
	logger.to_stderr = 0;
	if (file != NULL && strcmp(file, "-") == 0) {
		logger.file = stderr;
		logger.to_stderr = 1;
		logger.verbose = 0;
		setvbuf(stderr, NULL, _IOLBF, 0);
		return 0;
	}
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

/* One byte as the log shows it: itself, or \xNN. */
static size_t
put_byte(char *out, unsigned char b, int quoted)
{
	static const char hex[] = "0123456789abcdef";

	if (b >= 0x20 && b < 0x7f && !(quoted && (b == '"' || b == '\\'))) {
		out[0] = (char)b;
		return 1;
	}
	if (quoted && (b == '"' || b == '\\')) {
		out[0] = '\\';
		out[1] = (char)b;
		return 2;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[b >> 4];
	out[3] = hex[b & 15];
	return 4;
}

const char *
kim_logq(char *out, size_t len, const char *s)
{
	size_t n = 0, i = 0, in = s ? strlen(s) : 0;

	if (len < 16) {
		if (len)
			out[0] = '\0';
		return out;
	}
	out[n++] = '"';
	/* room for one escaped byte, the closing quote and a cut marker */
	for (; i < in && n + 4 + 1 + 24 < len; i++)
		n += put_byte(out + n, (unsigned char)s[i], 1);
	out[n++] = '"';
	if (i < in)
		n += (size_t)snprintf(
		    out + n, len - n, "+%zu_bytes_cut", in - i);
	out[n] = '\0';
	return out;
}

void
kim_vlog(const char *step, const char *fmt, va_list ap)
{
	char raw[2048], msg[4 * sizeof(raw)];
	int saved = errno;
	size_t n = 0;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* the last line of defence: whatever a format put in, a control byte
	 * never reaches the log as itself (no forged lines, no terminal codes) */
	for (const char *p = raw; *p; p++)
		n += put_byte(msg + n, (unsigned char)*p, 0);
	msg[n] = '\0';
	pthread_mutex_lock(&logger.lock);
	double t = kim_now();
	if (logger.file)
		fprintf(logger.file, "t=%.6f prog=%s pid=%d step=%s %s\n", t,
		    logger.prog, (int)getpid(), step, msg);
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

/* The reason a program stops, or an error its operator must see now: the
 * log line, and "prog: message" on stderr unless the log already is stderr
 * (or verbose copied it there). */
static void
vfail(const char *step, const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	kim_log(step, "%s", msg);
	if (!logger.to_stderr && !logger.verbose)
		fprintf(stderr, "%s: %s\n", logger.prog, msg);
}

void
kim_fail(const char *step, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(step, fmt, ap);
	va_end(ap);
}

void
kim_die(int status, const char *step, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(step, fmt, ap);
	va_end(ap);
	exit(status);
}
