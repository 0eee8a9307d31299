/* log.h -- one structured line per session step (docs/design.md section 2):
 *   t=<monotonic seconds> prog=<name> pid=<pid> step=<step> <message>
 * Complete in the log file (or syslog when none is given); on stderr only
 * when verbose. */
#ifndef KIM_LOG_H
#define KIM_LOG_H

#include <stdarg.h>

/* file NULL: syslog; "-": stderr (a program whose stderr its supervisor
 * keeps: KCM under D-Bus activation, kim_workspace under its setup script);
 * else the file, appended.  verbose: also copy every line to stderr. */
int kim_log_open(const char *prog, const char *file, int verbose);
void kim_log(const char *step, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void kim_vlog(const char *step, const char *fmt, va_list ap);
/* The error-out convention (docs/design.md, "One way of doing each
 * thing"): a function that fails returns -1 (or an errors.h code) with a
 * one-line reason in its caller's (why, whylen) and prints nothing; the
 * caller that decides logs it once -- kim_log for what goes on, kim_fail
 * for what the operator must see at once (the log line, and "prog: reason"
 * on stderr unless the log is stderr), kim_die to stop (kim_fail, then
 * exit(status)).  Before the log is open (bad options) a program writes
 * "prog: reason" on stderr and exits 2. */
void kim_fail(const char *step, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void kim_die(int status, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
/* Every line's control bytes (below 0x20, 0x7f) are written as \xNN. */

/* A string from the network as one log token: in double quotes, with \"
 * and \\ escaped and every byte outside printable ASCII as \xNN; cut (and
 * marked "+N_bytes_cut") to fit out.  Returns out.  Use it for every client
 * string that reaches a log line (names, URLs, client names, details). */
#define KIM_LOGQ_MAX 300
const char *kim_logq(char *out, size_t len, const char *s);
/* kim_now(): rpc/clock.h, included here for the many callers that log. */
#include "clock.h"

#endif
