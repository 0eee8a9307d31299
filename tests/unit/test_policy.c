/* test_policy.c -- the workspace's region policy (workspace/policy.c,
 * docs/workspace.md): what a base's regions file may say, what it is
 * refused for (one line naming the file and the line), and that a refused
 * file leaves no rule behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "scratch.h"
#include "workspace/policy.h"

static char dir[64], file[96];

static int
setup(void **state)
{
	(void)state;
	if (scratch_make(dir, sizeof(dir)) != 0)
		return -1;
	snprintf(file, sizeof(file), "%s/regions", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

static void
write_policy(const char *text)
{
	FILE *f = fopen(file, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Load text; expect a refusal whose message holds want (and names the file). */
static void
refused(const char *text, const char *want)
{
	struct ws_policy p = { (struct ws_rule *)1, 99 };
	char err[512] = "";

	write_policy(text);
	assert_int_equal(ws_policy_load(file, &p, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL || strstr(err, file) == NULL)
		fail_msg("policy %s: got '%s', wanted '%s'", text, err, want);
	assert_null(strchr(err, '\n'));
	assert_null(p.rules); /* nothing left of the lines before */
	assert_int_equal(p.n, 0);
}

static void
a_base_policy(void **state)
{
	struct ws_policy p;
	char err[512];

	(void)state;
	write_policy("# the base's regions\n"
		     "system /usr/share/fonts\n"
		     "\n"
		     "  system\t/tmp/.X11-unix   # the X socket\n"
		     "proc /proc\n"
		     "dev /dev\n"
		     "persistent /persist\r\n"
		     "overlay /srv/overlay\n");
	assert_int_equal(ws_policy_load(file, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 6);
	assert_int_equal(p.rules[0].region, WS_SYSTEM);
	assert_string_equal(p.rules[0].path, "/usr/share/fonts");
	assert_int_equal(p.rules[1].region, WS_SYSTEM);
	assert_string_equal(p.rules[1].path, "/tmp/.X11-unix");
	assert_int_equal(p.rules[2].region, WS_PROC);
	assert_int_equal(p.rules[3].region, WS_DEV);
	assert_int_equal(p.rules[4].region, WS_PERSISTENT);
	assert_string_equal(p.rules[4].path, "/persist");
	assert_int_equal(p.rules[5].region, WS_OVERLAY);
	assert_string_equal(p.rules[5].path, "/srv/overlay");
	ws_policy_free(&p);
	assert_null(p.rules);
	assert_int_equal(p.n, 0);

	/* an empty policy (everything overlay) is a policy */
	write_policy("# nothing but the default\n\n");
	assert_int_equal(ws_policy_load(file, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 0);
	ws_policy_free(&p);
}

static void
region_names(void **state)
{
	(void)state;
	assert_string_equal(ws_region_name(WS_SYSTEM), "system");
	assert_string_equal(ws_region_name(WS_PROC), "proc");
	assert_string_equal(ws_region_name(WS_DEV), "dev");
	assert_string_equal(ws_region_name(WS_PERSISTENT), "persistent");
	assert_string_equal(ws_region_name(WS_OVERLAY), "overlay");
	assert_string_equal(ws_region_name((enum ws_region)42), "?");
}

static void
bad_lines(void **state)
{
	(void)state;
	refused("system /usr/share/fonts\nsystme /etc\n",
	    ":2: unknown region 'systme'");
	refused("system\n", ":1: expected '<region> <absolute path>'");
	refused("system /etc /var\n", ":1: expected");
	refused("system etc\n", ":1: expected");
	refused("overlay /\n", ":1: expected");
	refused("system /usr/../etc\n", ":1: expected");
	refused("system /usr/..\n", ":1: expected");
	refused("system /usr/./share\n", ":1: expected");
	refused("system /usr/.\n", ":1: expected");
	refused("system /usr//share\n", ":1: expected");
	/* bytes that would break the overlay's mount options */
	refused("system /a,lowerdir=/\n", ":1: expected");
	refused("system /a:b\n", ":1: expected");
	refused("system /a\\b\n", ":1: expected");
	refused("system /a\x01"
		"b\n",
	    ":1: expected");
	refused("system /etc\nproc /etc\n", ":2: /etc named twice");
}

static void
a_path_too_long(void **state)
{
	char text[1200] = "system /";

	(void)state;
	memset(text + 8, 'a', 1030);
	strcpy(text + 8 + 1030, "\n");
	refused(text, ":1: expected");
	/* "..." is a name, not a step up */
	struct ws_policy p;
	char err[256];
	write_policy("system /srv/...\n");
	assert_int_equal(ws_policy_load(file, &p, err, sizeof(err)), 0);
	assert_string_equal(p.rules[0].path, "/srv/...");
	ws_policy_free(&p);
}

static void
too_many_rules(void **state)
{
	char text[WS_POLICY_MAX_RULES * 16 + 32], want[64];
	size_t n = 0;

	(void)state;
	for (int i = 0; i <= WS_POLICY_MAX_RULES; i++)
		n += (size_t)snprintf(
		    text + n, sizeof(text) - n, "system /r%d\n", i);
	snprintf(want, sizeof(want), ":%d: more than %d rules",
	    WS_POLICY_MAX_RULES + 1, WS_POLICY_MAX_RULES);
	refused(text, want);
}

static void
no_file(void **state)
{
	struct ws_policy p;
	char err[512], missing[128];

	(void)state;
	snprintf(missing, sizeof(missing), "%s/absent", dir);
	assert_int_equal(ws_policy_load(missing, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, missing));
	assert_non_null(strstr(err, "No such file"));
	assert_null(p.rules);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_base_policy, setup, teardown),
		cmocka_unit_test(region_names),
		cmocka_unit_test_setup_teardown(bad_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    a_path_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    too_many_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(no_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
