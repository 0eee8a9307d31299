/* clock.c -- the one monotonic clock (rpc/clock.h). */
#include <time.h>

#include "clock.h"

void
kim_monotonic(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

double
kim_now(void)
{
	struct timespec ts;

	kim_monotonic(&ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
kim_now_ms(void)
{
	return kim_now() * 1e3;
}

void
kim_deadline(struct timespec *ts, double seconds)
{
	long long ns;

	kim_monotonic(ts);
	ns = (long long)ts->tv_nsec + (long long)(seconds * 1e9);
	ts->tv_sec += (time_t)(ns / 1000000000LL);
	ts->tv_nsec = (long)(ns % 1000000000LL);
	if (ts->tv_nsec < 0) {
		ts->tv_nsec += 1000000000L;
		ts->tv_sec--;
	}
}
