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
	assert_string_equal(kim_logq(q, sizeof(q), "app.patch"), "\"app.patch\"");
	assert_string_equal(kim_logq(q, sizeof(q), NULL), "\"\"");
	assert_string_equal(kim_logq(q, sizeof(q), "a\nt=1 step=auth ok"),
	    "\"a\\x0at=1 step=auth ok\"");
	assert_string_equal(kim_logq(q, sizeof(q), "say\"hi\"\\"),
	    "\"say\\\"hi\\\"\\\\\"");
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
	assert_non_null(strstr(buf, "client=evil\\x0at=0 prog=x step=auth ok\\x0d\\x1b\n"));
	assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quoting),
		cmocka_unit_test(lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
