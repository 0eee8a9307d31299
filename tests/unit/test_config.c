/* test_config.c -- the "key = value" files both launchers read (rpc/config.c). */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "scratch.h"

struct seen {
	int n;
	char keys[8][64];
	char values[8][128];
	int refuse_at; /* refuse the n-th setting (1-based), 0: none */
};

static int
collect(void *arg, const char *key, const char *value)
{
	struct seen *s = arg;

	if (s->n >= 8 || ++s->n == s->refuse_at)
		return -1;
	snprintf(s->keys[s->n - 1], sizeof(s->keys[0]), "%s", key);
	snprintf(s->values[s->n - 1], sizeof(s->values[0]), "%s", value);
	return 0;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
settings(void **state)
{
	char dir[64], path[128], why[256] = "";
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/display.conf", dir);
	write_file(path,
	    "# a comment\n\n  name = \"Hall # 2\"   # trailing\n"
	    "accel=tcg\nmax-files = 4\n");
	assert_int_equal(
	    kim_config_load(path, 1, collect, &s, why, sizeof(why)), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.keys[0], "name");
	assert_string_equal(s.values[0], "Hall # 2");
	assert_string_equal(s.keys[1], "accel");
	assert_string_equal(s.values[1], "tcg");
	assert_string_equal(s.keys[2], "max-files");
	assert_string_equal(s.values[2], "4");
	unlink(path);
	rmdir(dir);
}

static void
refusals(void **state)
{
	char dir[64], path[128], why[256] = "";
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/display.conf", dir);
	/* missing: fine unless required */
	assert_int_equal(
	    kim_config_load(path, 0, collect, &s, why, sizeof(why)), 1);
	assert_int_equal(
	    kim_config_load(path, 1, collect, &s, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "display.conf"));
	/* a line without '=': file and line named */
	write_file(path, "name = x\njust words\n");
	s.n = 0;
	assert_int_equal(
	    kim_config_load(path, 1, collect, &s, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "display.conf:2: expected 'key = value'"));
	/* a setting the caller refuses stops the load */
	write_file(path, "name = x\naccel = warp\nspool = /s\n");
	memset(&s, 0, sizeof(s));
	s.refuse_at = 2;
	assert_int_equal(
	    kim_config_load(path, 1, collect, &s, why, sizeof(why)), -1);
	assert_non_null(
	    strstr(why, "display.conf:2: bad setting 'accel = warp'"));
	assert_int_equal(s.n, 2);
	unlink(path);
	rmdir(dir);
}

static void
option_names(void **state)
{
	static const struct option opts[] = {
		{ "spool", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};

	(void)state;
	assert_int_equal(kim_config_option(opts, "spool"), 'S');
	assert_int_equal(kim_config_option(opts, "verbose"), -1); /* no value */
	assert_int_equal(kim_config_option(opts, "nonsense"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(settings),
		cmocka_unit_test(refusals),
		cmocka_unit_test(option_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
