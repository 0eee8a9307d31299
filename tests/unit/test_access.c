/* test_access.c -- the guard against access-code guessing (issue 10 item
 * 10): per-address backoff, the display-wide bucket, forgetting, alarms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "access.h"

static void
one_address_backs_off(void **state)
{
	static struct kim_guard g;
	int global;
	double t = 1000;

	(void)state;
	for (int i = 0; i < KIM_GUARD_FREE; i++) {
		assert_int_equal(kim_guard_wait(&g, "10.0.0.5", t, &global), 0);
		kim_guard_fail(&g, "10.0.0.5", t);
	}
	/* the first KIM_GUARD_FREE wrong codes cost nothing more */
	assert_int_equal(kim_guard_wait(&g, "10.0.0.5", t, &global), 0);
	kim_guard_fail(&g, "10.0.0.5", t);
	assert_int_equal(kim_guard_wait(&g, "10.0.0.5", t, &global), 1);
	assert_int_equal(global, 0);
	/* another address is not held up by this one */
	assert_int_equal(kim_guard_wait(&g, "10.0.0.6", t, &global), 0);
	/* then 2, 4, 8 ... s, up to the maximum */
	for (int w = 2; w <= 256; w *= 2) {
		t += 1000; /* the bucket refills meanwhile */
		kim_guard_fail(&g, "10.0.0.5", t);
		assert_int_equal(kim_guard_wait(&g, "10.0.0.5", t, &global), w);
		assert_int_equal(
		    kim_guard_wait(&g, "10.0.0.5", t + w, &global), 0);
	}
	t += 1000;
	kim_guard_fail(&g, "10.0.0.5", t);
	assert_int_equal(
	    kim_guard_wait(&g, "10.0.0.5", t, &global), KIM_GUARD_WAIT_MAX);
	for (int i = 0; i < 40; i++)
		kim_guard_fail(&g, "10.0.0.5", t += 1000);
	assert_int_equal(
	    kim_guard_wait(&g, "10.0.0.5", t, &global), KIM_GUARD_WAIT_MAX);
	/* the right code: a fresh start */
	kim_guard_ok(&g, "10.0.0.5");
	assert_int_equal(kim_guard_wait(&g, "10.0.0.5", t, &global), 0);
}

static void
quiet_address_is_forgotten(void **state)
{
	static struct kim_guard g;
	int global;

	(void)state;
	for (int i = 0; i <= KIM_GUARD_FREE; i++)
		kim_guard_fail(&g, "a", 5000 + i * 100);
	double t = 5000 + KIM_GUARD_FREE * 100 + KIM_GUARD_FORGET + 1;
	assert_int_equal(kim_guard_wait(&g, "a", t, &global), 0);
	kim_guard_fail(&g, "a", t); /* counts from 1 again: no wait */
	assert_int_equal(kim_guard_wait(&g, "a", t, &global), 0);
}

static void
display_wide_bucket(void **state)
{
	static struct kim_guard g;
	char addr[32];
	int global, n = 0;
	double t = 100;

	(void)state;
	/* many addresses, one wrong code each, as fast as they come */
	for (int i = 0; i < 1000; i++) {
		snprintf(addr, sizeof(addr), "192.0.2.%d", i % 250);
		if (kim_guard_wait(&g, addr, t, &global) == 0) {
			kim_guard_fail(&g, addr, t);
			n++;
		} else {
			assert_int_equal(global, 1);
		}
		t += 0.01; /* 100 attempts per second for 10 s */
	}
	/* the burst, then about KIM_GUARD_RATE per second */
	assert_true(n <= KIM_GUARD_BURST + 10 * KIM_GUARD_RATE + 1);
	assert_true(n >= KIM_GUARD_BURST);
	/* refilled after a rest */
	assert_int_equal(
	    kim_guard_wait(&g, "198.51.100.1", t + 30, &global), 0);
}

static void
alarm_once_a_minute(void **state)
{
	static struct kim_guard g;
	int alarms = 0;

	(void)state;
	/* the first alarm: the (FREE+1)th wrong code, at t = 13 */
	for (int i = 0; i < 3 * KIM_GUARD_FREE; i++)
		alarms += kim_guard_fail(&g, "x", 10 + i);
	assert_int_equal(alarms, 1);
	alarms = 0;
	for (int i = 0; i < 6; i++)
		alarms +=
		    kim_guard_fail(&g, "x", 13 + KIM_GUARD_ALARM * (i + 1));
	assert_int_equal(alarms, 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_address_backs_off),
		cmocka_unit_test(quiet_address_is_forgotten),
		cmocka_unit_test(display_wide_bucket),
		cmocka_unit_test(alarm_once_a_minute),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
