/* test_log.c -- client strings reach the log as one quoted token, and no
 * line carries a control byte (issue 10 item 6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

static void
quoting(void **state)
{
	char q[KIM_LOGQ_MAX], big[2000];

	(void)state;
	assert_string_equal(
	    kim_logq(q, sizeof(q), "app.patch"), "\"app.patch\"");
	assert_string_equal(kim_logq(q, sizeof(q), NULL), "\"\"");
	assert_string_equal(kim_logq(q, sizeof(q), "a\nt=1 step=auth ok"),
	    "\"a\\x0at=1 step=auth ok\"");
	assert_string_equal(
	    kim_logq(q, sizeof(q), "say\"hi\"\\"), "\"say\\\"hi\\\"\\\\\"");
	assert_string_equal(kim_logq(q, sizeof(q), "\x1b[31m\x7f\xc3\xa9"),
	    "\"\\x1b[31m\\x7f\\xc3\\xa9\"");
	/* cut to fit, and says so */
	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	kim_logq(q, sizeof(q), big);
	assert_true(strlen(q) < sizeof(q));
	assert_non_null(strstr(q, "_bytes_cut"));
	assert_null(strchr(q, '\n'));
}

static void
lines(void **state)
{
	char path[] = "/tmp/kim-unit-log-XXXXXX", buf[4096];
	int fd = mkstemp(path);
	FILE *f;
	size_t n;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(kim_log_open("test_log", path, 0), 0);
	/* a format that forgets to quote: the line still stays one line */
	kim_log("hello", "client=%s", "evil\nt=0 prog=x step=auth ok\r\x1b");
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	unlink(path);
	buf[n] = '\0';
	assert_non_null(
	    strstr(buf, "client=evil\\x0at=0 prog=x step=auth ok\\x0d\\x1b\n"));
	assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
}

/* The whole of FILE (at most 4 KiB) in buf. */
static void
slurp(const char *file, char *buf, size_t len)
{
	FILE *f = fopen(file, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
}

/* "-" is stderr; kim_fail writes the log line, and "prog: reason" on
 * stderr only when the log is elsewhere (docs/design.md, the error-out
 * convention). */
static void
stderr_and_fail(void **state)
{
	char errp[] = "/tmp/kim-unit-err-XXXXXX",
	     logp[] = "/tmp/kim-unit-log-XXXXXX";
	char buf[4096];
	int efd = mkstemp(errp), lfd = mkstemp(logp), saved = dup(2);

	(void)state;
	assert_true(efd >= 0 && lfd >= 0 && saved >= 0);
	close(lfd);
	fflush(stderr);
	dup2(efd, 2);
	assert_int_equal(kim_log_open("test_log", "-", 0), 0);
	kim_fail("start", "boom %d", 7);
	assert_int_equal(kim_log_open("test_log", logp, 0), 0);
	kim_fail("start", "bang %d", 8);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(efd);

	slurp(errp, buf, sizeof(buf));
	unlink(errp);
	assert_non_null(strstr(buf, " prog=test_log pid="));
	assert_non_null(strstr(buf, " step=start boom 7\n"));
	assert_null(strstr(buf, "test_log: boom")); /* not twice */
	assert_non_null(strstr(buf, "test_log: bang 8\n"));
	assert_null(strstr(buf, "step=start bang"));
	slurp(logp, buf, sizeof(buf));
	unlink(logp);
	assert_non_null(strstr(buf, " step=start bang 8\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quoting),
		cmocka_unit_test(lines),
		cmocka_unit_test(stderr_and_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
