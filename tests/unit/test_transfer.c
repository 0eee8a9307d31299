/* test_transfer.c -- chunk arithmetic at the edges, the receiving sink
 * (size, checksum, partial-file removal) and the checksum itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include "errors.h"
#include "scratch.h"
#include "sha256.h"
#include "transfer.h"

#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)

static void
chunk_arithmetic(void **state)
{
	(void)state;
	assert_int_equal(kim_chunk_count(0), 0);
	assert_int_equal(kim_chunk_count(1), 1);
	assert_int_equal(kim_chunk_count(MiB - 1), 1);
	assert_int_equal(kim_chunk_count(MiB), 1);
	assert_int_equal(kim_chunk_count(MiB + 1), 2);
	assert_int_equal(kim_chunk_count(5 * GiB + 3), 5 * 1024 + 1);
	assert_int_equal(kim_chunk_len(0, 0), 0);
	assert_int_equal(kim_chunk_len(MiB, 0), MiB);
	assert_int_equal(kim_chunk_len(MiB + 1, 0), MiB);
	assert_int_equal(kim_chunk_len(MiB + 1, MiB), 1);
	assert_int_equal(kim_chunk_len(MiB + 1, MiB + 1), 0);
	/* past 4 GiB: no 32-bit wrap */
	assert_int_equal(kim_chunk_len(5 * GiB + 3, 5 * GiB), 3);
	assert_int_equal(kim_chunk_len(5 * GiB + 3, 4 * GiB), MiB);
	assert_int_equal(kim_chunk_len(5 * GiB, 4 * GiB + MiB / 2), MiB);
}

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	return scratch_make(dir, sizeof(dir));
}

static int
teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

/* number of entries in dir (partial files included) */
static int
entries(void)
{
	return scratch_count(dir);
}

static void
sha_of(const void *buf, size_t len, unsigned char out[32])
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "%s/hashme", dir);
	f = fopen(path, "w");
	fwrite(buf, 1, len, f);
	fclose(f);
	assert_int_equal(kim_sha256_file(path, out), 0);
	unlink(path);
}

static void
sink_exact_file_with_checksum(void **state)
{
	struct kim_sink s;
	unsigned char sha[32];
	char *buf = malloc(MiB + 10);

	(void)state;
	memset(buf, 'k', MiB + 10);
	sha_of(buf, MiB + 10, sha);
	kim_sink_init(&s);
	assert_int_equal(kim_sink_open(&s, dir, "f.bin", MiB + 10, 1), 0);
	assert_int_equal(kim_sink_write(&s, buf, MiB), 0); /* exactly 1 MiB */
	assert_true(kim_sink_active(&s));
	assert_int_equal(kim_sink_write(&s, buf, 10), 0);
	assert_false(kim_sink_active(&s)); /* every byte is there ... */
	assert_true(s.complete);
	assert_false(s.done); /* ... but not in place unverified */
	assert_int_equal(kim_sink_end(&s, sha), 0);
	assert_int_equal(entries(), 1); /* f.bin, no partial left */
	free(buf);
}

static void
sink_refusals_remove_the_partial_file(void **state)
{
	struct kim_sink s;
	unsigned char sha[32];
	char *buf = calloc(1, MiB + 1);

	(void)state;
	kim_sink_init(&s);
	/* a piece over 1 MiB */
	assert_int_equal(kim_sink_open(&s, dir, "a", 4 * MiB, 1), 0);
	assert_int_equal(entries(), 1); /* the partial file */
	assert_int_equal(kim_sink_write(&s, buf, MiB + 1), KIM_E_CHUNK_TOO_BIG);
	assert_int_equal(entries(), 0);
	assert_int_equal(
	    kim_sink_write(&s, buf, 1), KIM_E_CHUNK_TOO_BIG); /* sticky */
	assert_int_equal(kim_sink_end(&s, sha), KIM_E_CHUNK_TOO_BIG);
	/* more bytes than announced */
	assert_int_equal(kim_sink_open(&s, dir, "b", 10, 1), 0);
	assert_int_equal(kim_sink_write(&s, buf, 11), KIM_E_TOO_MANY_BYTES);
	assert_int_equal(entries(), 0);
	kim_sink_abort(&s);
	/* ... also after the last byte */
	assert_int_equal(kim_sink_open(&s, dir, "b2", 5, 1), 0);
	assert_int_equal(kim_sink_write(&s, "bytes", 5), 0);
	assert_int_equal(kim_sink_write(&s, "x", 1), KIM_E_TOO_MANY_BYTES);
	assert_int_equal(entries(), 0);
	kim_sink_abort(&s);
	/* the wrong checksum */
	sha_of("other", 5, sha);
	assert_int_equal(kim_sink_open(&s, dir, "c", 5, 1), 0);
	assert_int_equal(kim_sink_write(&s, "bytes", 5), 0);
	assert_int_equal(kim_sink_end(&s, sha), KIM_E_CHECKSUM);
	assert_int_equal(entries(), 0);
	/* no checksum where one is awaited */
	assert_int_equal(kim_sink_open(&s, dir, "c2", 5, 1), 0);
	assert_int_equal(kim_sink_write(&s, "bytes", 5), 0);
	assert_int_equal(kim_sink_end(&s, NULL), KIM_E_CHECKSUM);
	assert_int_equal(entries(), 0);
	/* ends early */
	assert_int_equal(kim_sink_open(&s, dir, "d", 100, 1), 0);
	assert_int_equal(kim_sink_write(&s, buf, 50), 0);
	assert_int_equal(kim_sink_end(&s, sha), KIM_E_TRUNCATED);
	assert_int_equal(entries(), 0);
	/* a piece with no transfer */
	assert_int_equal(kim_sink_write(&s, buf, 1), KIM_E_NO_TRANSFER);
	assert_int_equal(kim_sink_end(&s, sha), KIM_E_NO_TRANSFER);
	/* a new file drops an unverified one */
	assert_int_equal(kim_sink_open(&s, dir, "e", 5, 1), 0);
	assert_int_equal(kim_sink_write(&s, "bytes", 5), 0);
	assert_int_equal(kim_sink_open(&s, dir, "f", 5, 1), 0);
	assert_int_equal(entries(), 1); /* f's partial only */
	kim_sink_abort(&s);
	assert_int_equal(entries(), 0);
	free(buf);
}

static void
sink_seed_file_without_checksum(void **state)
{
	struct kim_sink s;

	(void)state;
	kim_sink_init(&s);
	assert_int_equal(kim_sink_open(&s, dir, "seed", 5, 0), 0);
	assert_int_equal(kim_sink_write(&s, "bytes", 5), 0);
	assert_true(s.done); /* in place at the last byte */
	assert_int_equal(entries(), 1);
	assert_int_equal(kim_sink_end(&s, NULL), 0);
	assert_int_equal(entries(), 1);
}

static void
sink_empty_file(void **state)
{
	struct kim_sink s;
	unsigned char sha[32];

	(void)state;
	sha_of("", 0, sha);
	kim_sink_init(&s);
	assert_int_equal(kim_sink_open(&s, dir, "empty", 0, 1), 0);
	assert_false(kim_sink_active(&s));
	assert_int_equal(kim_sink_end(&s, sha), 0);
	assert_int_equal(entries(), 1);
}

static void
source_reads_in_pieces(void **state)
{
	struct kim_source src;
	unsigned char sha[32], want[32];
	char path[96], *buf = malloc(MiB);
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/src", dir);
	f = fopen(path, "w");
	for (int i = 0; i < 3; i++)
		fwrite(buf, 1, MiB, f);
	fputs("tail", f);
	fclose(f);
	assert_int_equal(kim_source_open(&src, path, sha), 0);
	assert_int_equal(kim_sha256_file(path, want), 0);
	assert_memory_equal(sha, want, 32);
	assert_int_equal(kim_source_next(&src, buf), MiB);
	assert_int_equal(kim_source_next(&src, buf), MiB);
	assert_int_equal(kim_source_next(&src, buf), MiB);
	assert_int_equal(kim_source_next(&src, buf), 4);
	assert_int_equal(kim_source_next(&src, buf), 0);
	kim_source_close(&src);
	assert_int_equal(
	    kim_source_open(&src, dir, NULL), -1); /* a directory */
	free(buf);
}

static void
sha256_hex(void **state)
{
	unsigned char sha[32], back[32];
	char hex[KIM_SHA256_HEX];

	(void)state;
	sha_of("abc", 3, sha);
	kim_sha256_hex(sha, hex);
	assert_string_equal(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(kim_sha256_unhex(hex, back), 0);
	assert_memory_equal(sha, back, 32);
	assert_int_equal(kim_sha256_unhex("abc", back), -1);
	hex[5] = 'g';
	assert_int_equal(kim_sha256_unhex(hex, back), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chunk_arithmetic),
		cmocka_unit_test_setup_teardown(
		    sink_exact_file_with_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    sink_refusals_remove_the_partial_file, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    sink_seed_file_without_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    sink_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    source_reads_in_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(sha256_hex, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
