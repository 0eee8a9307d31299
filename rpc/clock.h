/* clock.h -- the one monotonic clock of the tree (docs/design.md, "One way
 * of doing each thing").  Every program measures durations, timeouts and
 * deadlines with these, never with the wall clock nor its own
 * clock_gettime(CLOCK_MONOTONIC, ...). */
#ifndef KIM_CLOCK_H
#define KIM_CLOCK_H

#include <time.h>

/* Monotonic seconds (an arbitrary origin), for phases and timeouts. */
double kim_now(void);
/* The same in milliseconds. */
double kim_now_ms(void);
/* *ts = now + seconds on CLOCK_MONOTONIC: an absolute deadline for
 * pthread_cond_timedwait on a condition made by a condition whose clock is CLOCK_MONOTONIC. */
void kim_deadline(struct timespec *ts, double seconds);
/* *ts = now on CLOCK_MONOTONIC. */
void kim_monotonic(struct timespec *ts);

#endif
