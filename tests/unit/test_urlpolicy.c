/* test_urlpolicy.c -- which destinations a patch URL may lead to. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "display_launcher/urlpolicy.h"

static struct sockaddr_storage ss;

static const struct sockaddr *
addr(const char *s)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1)
		in->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1)
		in6->sin6_family = AF_INET6;
	return (struct sockaddr *)&ss;
}

#define REFUSED(s) url_addr_refused(addr(s), NULL, 0, NULL)

static void
defaults(void **state)
{
	static const char *bad[] = {
		"127.0.0.1",
		"127.1.2.3",
		"0.0.0.0",
		"169.254.169.254",
		"10.1.2.3",
		"172.16.0.1",
		"172.31.255.255",
		"192.168.1.1",
		"100.64.0.1",
		"224.0.0.1",
		"239.255.255.250",
		"255.255.255.255",
		"::",
		"::1",
		"fe80::1",
		"fd00::1",
		"fc00::1",
		"ff02::1",
		"::ffff:127.0.0.1",
		"::ffff:10.0.0.1",
		"::127.0.0.1",
		"::ffff:169.254.169.254",
	};
	static const char *good[] = {
		"93.184.216.34",
		"172.32.0.1",
		"192.169.0.1",
		"8.8.8.8",
		"2001:db8::1",
		"2606:4700::1111",
		"::ffff:8.8.8.8",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (REFUSED(bad[i]) == NULL)
			fail_msg("%s should be refused", bad[i]);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (REFUSED(good[i]) != NULL)
			fail_msg("%s should be allowed: %s", good[i],
			    REFUSED(good[i]));
	assert_string_equal(REFUSED("127.0.0.1"), "loopback");
	assert_string_equal(REFUSED("::ffff:127.0.0.1"), "loopback");
}

static void
allow_list(void **state)
{
	struct url_net allow[3];

	(void)state;
	assert_int_equal(url_net_parse("10.1.0.0/16", &allow[0]), 0);
	assert_int_equal(url_net_parse("127.0.0.1", &allow[1]), 0);
	assert_int_equal(url_net_parse("fd00:1::/32", &allow[2]), 0);
	assert_null(url_addr_refused(addr("10.1.200.3"), allow, 3, NULL));
	assert_null(url_addr_refused(addr("::ffff:10.1.0.9"), allow, 3, NULL));
	assert_non_null(url_addr_refused(addr("10.2.0.1"), allow, 3, NULL));
	assert_null(url_addr_refused(addr("127.0.0.1"), allow, 3, NULL));
	assert_non_null(url_addr_refused(addr("127.0.0.2"), allow, 3, NULL));
	assert_null(url_addr_refused(addr("fd00:1:ffff::1"), allow, 3, NULL));
	assert_non_null(url_addr_refused(addr("fd00:2::1"), allow, 3, NULL));
	/* host bits are ignored, nonsense is refused */
	assert_int_equal(url_net_parse("10.1.2.3/8", &allow[0]), 0);
	assert_null(url_addr_refused(addr("10.200.0.1"), allow, 1, NULL));
	assert_int_equal(url_net_parse("10.0.0.0/33", &allow[0]), -1);
	assert_int_equal(url_net_parse("::/129", &allow[0]), -1);
	assert_int_equal(url_net_parse("10.0.0.0/", &allow[0]), -1);
	assert_int_equal(url_net_parse("/8", &allow[0]), -1);
	assert_int_equal(url_net_parse("example.org", &allow[0]), -1);
	assert_int_equal(url_net_parse("10.0.0.0/8x", &allow[0]), -1);
}

/* every address of this machine's interfaces is refused */
static void
own_addresses(void **state)
{
	struct ifaddrs *own, *i;
	struct ifaddrs fake;
	struct sockaddr_storage mine;
	int n = 0;

	(void)state;
	assert_int_equal(getifaddrs(&own), 0);
	for (i = own; i; i = i->ifa_next) {
		if (i->ifa_addr == NULL ||
		    (i->ifa_addr->sa_family != AF_INET &&
			i->ifa_addr->sa_family != AF_INET6))
			continue;
		assert_non_null(url_addr_refused(i->ifa_addr, NULL, 0, own));
		n++;
	}
	freeifaddrs(own);
	assert_true(n > 0);
	/* a public address becomes refused once it is the display's own */
	memset(&fake, 0, sizeof(fake));
	memcpy(&mine, addr("93.184.216.34"), sizeof(mine));
	fake.ifa_addr = (struct sockaddr *)&mine;
	assert_null(REFUSED("93.184.216.34"));
	assert_string_equal(
	    url_addr_refused(addr("93.184.216.34"), NULL, 0, &fake),
	    "one of the display's own addresses");
	assert_non_null(
	    url_addr_refused(addr("::ffff:93.184.216.34"), NULL, 0, &fake));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(allow_list),
		cmocka_unit_test(own_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
