/* test_stop.c -- kim_stop_child (display_launcher/cleanup.c): a child that
 * ignores SIGTERM is killed after the grace period, never waited on longer;
 * a child that obeys goes at once. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "display_launcher/cleanup.h"
#include "rpc/clock.h"

static pid_t
child(int ignore_term)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (ignore_term)
			signal(SIGTERM, SIG_IGN);
		setpgid(0, 0);
		for (;;)
			pause();
	}
	/* let it install its disposition */
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	return pid;
}

static int last_status;

static int
reaped(void *arg)
{
	pid_t pid = *(pid_t *)arg;

	return waitpid(pid, &last_status, WNOHANG) == pid;
}

static void
ignoring_sigterm_is_killed_after_grace(void **state)
{
	pid_t pid = child(1);
	double t0 = kim_now(), dt;

	(void)state;
	assert_int_equal(
	    kim_stop_child(-pid, 300, reaped, &pid, "test child"), 1);
	dt = kim_now() - t0;
	assert_true(dt >= 0.3);
	assert_true(dt < 0.3 + 1.0);
	assert_true(WIFSIGNALED(last_status));
	assert_int_equal(WTERMSIG(last_status), SIGKILL);
	assert_int_not_equal(kill(pid, 0), 0);
}

static void
obeying_sigterm_goes_at_once(void **state)
{
	pid_t pid = child(0);
	double t0 = kim_now();

	(void)state;
	assert_int_equal(
	    kim_stop_child(pid, 5000, reaped, &pid, "test child"), 1);
	assert_true(kim_now() - t0 < 1.0);
	assert_true(WIFSIGNALED(last_status));
	assert_int_equal(WTERMSIG(last_status), SIGTERM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ignoring_sigterm_is_killed_after_grace),
		cmocka_unit_test(obeying_sigterm_goes_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
