/* test_delta.c -- applying the floppy delta: the image is exactly the old
 * one or exactly the new one, and nothing is left behind on failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../mobile_launcher/delta.h"
#include "rpc/kim_spawn.h"
#include "errors.h"
#include "scratch.h"
#include "sha256.h"

static char dir[64], floppy[96], newimg[96], delta[96];

static void
write_file(const char *path, const char *fill, size_t len)
{
	FILE *f = fopen(path, "w");

	for (size_t i = 0; i < len; i++)
		fputc(fill[i % strlen(fill)], f);
	fclose(f);
}

static int
setup(void **state)
{
	(void)state;
	if (scratch_make(dir, sizeof(dir)) != 0)
		return -1;
	snprintf(floppy, sizeof(floppy), "%s/floppy.img", dir);
	snprintf(newimg, sizeof(newimg), "%s/new.img", dir);
	snprintf(delta, sizeof(delta), "%s/d.vcdiff", dir);
	write_file(floppy, "old floppy contents ", 100000);
	write_file(newimg, "new floppy contents!", 100000);
	char *argv[] = { "xdelta3", "-e", "-f", "-s", floppy, newimg, delta,
		NULL };
	struct kim_spawn_opts so = { { KIM_SPAWN_DEVNULL, 2,
					 KIM_SPAWN_INHERIT },
		NULL, KIM_SPAWN_PATH, 0 };
	return kim_spawn_run(argv, &so);
}

static int
teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

static int
entries(void)
{
	return scratch_count(dir);
}

static void
applies_and_verifies(void **state)
{
	unsigned char want[32], have[32];
	char why[256];

	(void)state;
	kim_sha256_file(newimg, want);
	assert_int_equal(delta_apply(floppy, delta, want, why, sizeof(why)), 0);
	kim_sha256_file(floppy, have);
	assert_memory_equal(have, want, 32);
	assert_int_equal(entries(), 3); /* floppy, new, delta: no temp */
}

static void
wrong_checksum_leaves_floppy(void **state)
{
	unsigned char want[32], before[32], after[32];
	char why[256];

	(void)state;
	kim_sha256_file(floppy, before);
	memset(want, 0xab, sizeof(want));
	assert_int_equal(
	    delta_apply(floppy, delta, want, why, sizeof(why)), KIM_E_CHECKSUM);
	kim_sha256_file(floppy, after);
	assert_memory_equal(before, after, 32);
	assert_int_equal(entries(), 3);
	assert_non_null(strstr(why, "checksum"));
}

static void
corrupt_delta_leaves_floppy(void **state)
{
	unsigned char want[32], before[32], after[32];
	char why[256];
	FILE *f;

	(void)state;
	kim_sha256_file(newimg, want);
	kim_sha256_file(floppy, before);
	f = fopen(delta, "r+"); /* flip bytes in the middle */
	fseek(f, 40, SEEK_SET);
	fputs("garbage!", f);
	fclose(f);
	assert_int_not_equal(
	    delta_apply(floppy, delta, want, why, sizeof(why)), 0);
	kim_sha256_file(floppy, after);
	assert_memory_equal(before, after, 32);
	assert_int_equal(entries(), 3);
}

static void
missing_floppy(void **state)
{
	unsigned char want[32] = { 0 };
	char why[256], path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/none.img", dir);
	assert_int_equal(
	    delta_apply(path, delta, want, why, sizeof(why)), KIM_E_LOCAL_IO);
	assert_int_equal(entries(), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    applies_and_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    wrong_checksum_leaves_floppy, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    corrupt_delta_leaves_floppy, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    missing_floppy, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
