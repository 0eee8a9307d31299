/* test_names.c -- what the display accepts as names and URLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"
#include "names.h"

#define NAME(s) kim_check_name((s), sizeof(s) - 1)

static void
file_names(void **state)
{
	char longest[KIM_NAME_MAX + 1];

	(void)state;
	assert_int_equal(NAME("app.patch"), 0);
	assert_int_equal(NAME("floppy.img"), 0);
	assert_int_equal(NAME("a"), 0);
	assert_int_equal(NAME(""), KIM_E_NAME_EMPTY);
	assert_int_equal(kim_check_name(NULL, 0), KIM_E_NAME_EMPTY);
	assert_int_equal(NAME("dir/app.patch"), KIM_E_NAME_SLASH);
	assert_int_equal(NAME("/etc/passwd"), KIM_E_NAME_SLASH);
	assert_int_equal(NAME(".."), KIM_E_NAME_DOTDOT);
	assert_int_equal(NAME("a..b"), KIM_E_NAME_DOTDOT);
	assert_int_equal(NAME("."), KIM_E_NAME_BAD);
	assert_int_equal(NAME(".hidden"), KIM_E_NAME_BAD);
	assert_int_equal(NAME("new\nline"), KIM_E_NAME_BAD);
	assert_int_equal(NAME("nul\0inside"), KIM_E_NAME_NUL);
	memset(longest, 'x', sizeof(longest));
	assert_int_equal(kim_check_name(longest, KIM_NAME_MAX), 0);
	assert_int_equal(
	    kim_check_name(longest, KIM_NAME_MAX + 1), KIM_E_NAME_TOO_LONG);
}

/* issue 10 item 1: an opaque name (no NUL) becomes exactly its bytes */
static void
opaque_names(void **state)
{
	char out[KIM_NAME_MAX + 1], in[KIM_NAME_MAX + 8];

	(void)state;
	/* the bytes after the name are not NUL: they must not follow it */
	memset(in, 'Z', sizeof(in));
	memcpy(in, "app.patch", 9);
	memset(out, 'Y', sizeof(out));
	assert_int_equal(kim_name_copy(out, sizeof(out), in, 9), 0);
	assert_string_equal(out, "app.patch");
	for (size_t n = 1; n <= KIM_NAME_MAX; n += 23) {
		memset(in, 'n', n);
		assert_int_equal(kim_name_copy(out, sizeof(out), in, n), 0);
		assert_int_equal(strlen(out), n);
	}
	assert_int_equal(kim_name_copy(out, sizeof(out), in, KIM_NAME_MAX + 1),
	    KIM_E_NAME_TOO_LONG);
	assert_int_equal(
	    kim_name_copy(out, 8, "app.patch", 9), KIM_E_NAME_TOO_LONG);
	assert_int_equal(
	    kim_name_copy(out, sizeof(out), "a/b", 3), KIM_E_NAME_SLASH);
	assert_int_equal(
	    kim_name_copy(out, sizeof(out), "a\0b", 3), KIM_E_NAME_NUL);
}

static void
vm_names(void **state)
{
	char name[KIM_VMNAME_MAX + 2];

	(void)state;
	assert_int_equal(kim_check_vmname("demo"), 0);
	assert_int_equal(kim_check_vmname(""), KIM_E_VMNAME_BAD);
	assert_int_equal(kim_check_vmname("../etc"), KIM_E_VMNAME_BAD);
	assert_int_equal(kim_check_vmname(".."), KIM_E_VMNAME_BAD);
	memset(name, 'v', sizeof(name));
	name[KIM_VMNAME_MAX] = '\0';
	assert_int_equal(kim_check_vmname(name), 0);
	name[KIM_VMNAME_MAX] = 'v';
	name[KIM_VMNAME_MAX + 1] = '\0';
	assert_int_equal(kim_check_vmname(name), KIM_E_VMNAME_BAD);
}

static void
urls(void **state)
{
	char url[KIM_PATCH_MAX + 2];

	(void)state;
	assert_int_equal(kim_check_url("http://example.org/app.patch"), 0);
	assert_int_equal(kim_check_url("HTTPS://example.org/a"), 0);
	assert_int_equal(kim_check_url("ftp://example.org/a"), KIM_E_URL_BAD);
	assert_int_equal(kim_check_url("file:///etc/passwd"), KIM_E_URL_BAD);
	assert_int_equal(kim_check_url("http://"), KIM_E_URL_BAD);
	assert_int_equal(kim_check_url("http:///x"), KIM_E_URL_BAD);
	assert_int_equal(kim_check_url("http://a b/"), KIM_E_URL_BAD);
	assert_int_equal(kim_check_url(""), KIM_E_URL_BAD);
	strcpy(url, "http://h/");
	memset(url + 9, 'u', sizeof(url) - 10);
	url[KIM_PATCH_MAX] = '\0';
	assert_int_equal(kim_check_url(url), 0);
	url[KIM_PATCH_MAX] = 'u';
	url[KIM_PATCH_MAX + 1] = '\0';
	assert_int_equal(kim_check_url(url), KIM_E_URL_BAD);
}

static void
basenames(void **state)
{
	(void)state;
	assert_string_equal(kim_basename("/home/me/app.patch"), "app.patch");
	assert_string_equal(kim_basename("app.patch"), "app.patch");
	assert_string_equal(kim_basename("dir/"), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(file_names),
		cmocka_unit_test(opaque_names),
		cmocka_unit_test(vm_names),
		cmocka_unit_test(urls),
		cmocka_unit_test(basenames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
