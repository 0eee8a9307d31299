/* test_errors.c -- the shared error table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"
#include "kimberley.h"

static const int codes[] = {
#define X(sym, code, text) code,
	KIM_ERROR_TABLE(X)
#undef X
};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

static void
every_code_has_a_distinct_name_and_sentence(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCODES; i++) {
		assert_non_null(kim_error_name(codes[i]));
		assert_true(strlen(kim_strerror(codes[i])) > 5);
		assert_int_equal(
		    kim_error_by_name(kim_error_name(codes[i])), codes[i]);
		assert_true(codes[i] <= 0);
		for (size_t j = i + 1; j < NCODES; j++) {
			assert_int_not_equal(codes[i], codes[j]);
			assert_string_not_equal(
			    kim_error_name(codes[i]), kim_error_name(codes[j]));
			assert_string_not_equal(
			    kim_strerror(codes[i]), kim_strerror(codes[j]));
		}
	}
}

static void
names_and_unknowns(void **state)
{
	(void)state;
	assert_int_equal(kim_error_by_name("BUSY"), KIM_E_BUSY);
	assert_int_equal(
	    kim_error_by_name("KIM_E_PATCH_CORRUPT"), KIM_E_PATCH_CORRUPT);
	assert_int_equal(kim_error_by_name("NO_SUCH_THING"), KIM_E_INTERNAL);
	assert_null(kim_error_name(-12345));
	assert_string_equal(
	    kim_strerror(-12345), "unknown error from the display");
	assert_string_equal(kim_strerror(KIM_E_BUSY),
	    "the display is busy with another user; try again when they are done");
	assert_string_equal(kim_strerror(KIM_E_NO_SUCH_VM),
	    "no VM by that name on this display");
}

/* The sentences name the limits of rpc/kimberley.x, as numbers. */
static void
sentences_name_the_limits(void **state)
{
	char n[32];

	(void)state;
	snprintf(n, sizeof(n), " %d bytes", KIM_NAME_MAX);
	assert_non_null(strstr(kim_strerror(KIM_E_NAME_TOO_LONG), n));
	snprintf(n, sizeof(n), "over %d bytes", KIM_VMNAME_MAX);
	assert_non_null(strstr(kim_strerror(KIM_E_VMNAME_BAD), n));
	snprintf(n, sizeof(n), " %d bytes", KIM_PATCH_MAX);
	assert_non_null(strstr(kim_strerror(KIM_E_PATCH_NAME_BAD), n));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_code_has_a_distinct_name_and_sentence),
		cmocka_unit_test(names_and_unknowns),
		cmocka_unit_test(sentences_name_the_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
