/* test_setup_line.c -- the setup script's status lines as the launcher reads
 * them (docs/contract.md section 1), without running a script. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"
#include "display_launcher/setup.h"

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
say(struct setup *s, const char *text)
{
	char line[1024];

	snprintf(line, sizeof(line), "%s", text);
	setup_parse_line(s, line);
}

static void
milestones(void **state)
{
	struct setup s;

	(void)state;
	setup_init(&s);
	say(&s, "STEP unpack 12.3 MB");
	assert_int_equal(s.vnc_port, 0);
	assert_int_equal(s.resumed, 0);
	say(&s, "VNC 5901");
	assert_int_equal(s.vnc_port, 5901);
	say(&s, "RESUMED");
	assert_int_equal(s.resumed, 1);
	say(&s, "BASE_OK " SHA);
	assert_int_equal(s.base_ok, 1);
	say(&s, "BASE_CHANGED disk.qcow2 differs");
	assert_int_equal(s.base_ok, -1);
	assert_int_equal(s.error_code, 0);
}

static void
delta(void **state)
{
	struct setup s;

	(void)state;
	setup_init(&s);
	say(&s, "DELTA floppy.vcdiff " SHA);
	assert_string_equal(s.delta_name, "floppy.vcdiff");
	assert_string_equal(s.delta_sha, SHA);
	/* a name that leaves the session directory, or a hidden one: ignored */
	setup_init(&s);
	say(&s, "DELTA ../../etc/shadow " SHA);
	assert_string_equal(s.delta_name, "");
	say(&s, "DELTA .hidden " SHA);
	assert_string_equal(s.delta_name, "");
	say(&s, "DELTA onlyaname");
	assert_string_equal(s.delta_name, "");
}

static void
errors(void **state)
{
	struct setup s;

	(void)state;
	setup_init(&s);
	say(&s, "ERROR PATCH_WRONG_BASE this patch is for another base");
	assert_int_equal(s.error_code, KIM_E_PATCH_WRONG_BASE);
	assert_string_equal(s.error_msg, "this patch is for another base");
	/* the first error is the one the user hears */
	say(&s, "ERROR SETUP_FAILED later trouble");
	assert_int_equal(s.error_code, KIM_E_PATCH_WRONG_BASE);
	/* an unknown code, and one with no sentence */
	setup_init(&s);
	say(&s, "ERROR NO_SUCH_CODE_AT_ALL what");
	assert_int_equal(s.error_code, KIM_E_INTERNAL);
	setup_init(&s);
	say(&s, "ERROR DISPLAY_DISK_FULL");
	assert_int_equal(s.error_code, KIM_E_DISPLAY_DISK_FULL);
	assert_string_equal(s.error_msg, kim_strerror(KIM_E_DISPLAY_DISK_FULL));
}

static void
noise(void **state)
{
	struct setup s;

	(void)state;
	setup_init(&s);
	say(&s, "");
	say(&s, "hello world");
	say(&s, "VNCX 5901");
	say(&s, "resumed");
	assert_int_equal(s.vnc_port, 0);
	assert_int_equal(s.resumed, 0);
	assert_int_equal(s.error_code, 0);
	assert_string_equal(s.delta_name, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(milestones),
		cmocka_unit_test(delta),
		cmocka_unit_test(errors),
		cmocka_unit_test(noise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
