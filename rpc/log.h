/* log.h -- one structured line per session step (DESIGN.md section 2):
 *   t=<monotonic seconds> prog=<name> pid=<pid> step=<step> <message>
 * Complete in the log file (or syslog when none is given); on stderr only
 * when verbose. */
#ifndef KIM_LOG_H
#define KIM_LOG_H

#include <stdarg.h>

/* file NULL: syslog.  verbose: also copy every line to stderr. */
int kim_log_open(const char *prog, const char *file, int verbose);
void kim_log(const char *step, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void kim_vlog(const char *step, const char *fmt, va_list ap);
/* Monotonic seconds, for measuring phases. */
double kim_now(void);

#endif
