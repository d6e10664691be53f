/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Addresses and networks as SPF ip4:/ip6:, sender ranges and report
 * sources use them. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "util/ip.h"

/* The forms operators type into ip4: and ip6:. */
static void test_parse_networks(void **state)
{
	struct ip_net n;
	char buf[IP_NET_BUFSIZE];

	assert_true(ip_net_parse("192.0.2.0/24", AF_INET, &n));
	assert_int_equal(n.family, AF_INET);
	assert_int_equal(n.prefix, 24);
	assert_string_equal(ip_net_format(&n, buf), "192.0.2.0/24");
	assert_true(ip_net_parse("2001:DB8::/32", AF_INET6, &n));
	assert_string_equal(ip_net_format(&n, buf), "2001:db8::/32");
	assert_true(ip_net_parse("198.51.100.7", AF_UNSPEC, &n));
	assert_int_equal(n.prefix, 32);
	assert_string_equal(ip_net_format(&n, buf), "198.51.100.7");
	/* RFC 7208 5.6 allows host bits: 192.0.2.1/24 is a network. */
	assert_true(ip_net_parse("192.0.2.1/24", AF_INET, &n));
}

/* What ip4: must refuse. */
static void test_parse_refuses(void **state)
{
	struct ip_net n;

	assert_false(ip_net_parse("192.0.2.0/33", AF_INET, &n));
	assert_false(ip_net_parse("192.0.2.0/024", AF_INET, &n));
	assert_false(ip_net_parse("192.0.2.0/", AF_INET, &n));
	assert_false(ip_net_parse("192.0.2", AF_INET, &n));
	assert_false(ip_net_parse("192.0.2.256", AF_INET, &n));
	assert_false(ip_net_parse("192.0.02.1", AF_INET, &n));
	assert_false(ip_net_parse("2001:db8::/32", AF_INET, &n));
	assert_false(ip_net_parse("192.0.2.1", AF_INET6, &n));
	assert_false(ip_net_parse("2001:db8::/129", AF_INET6, &n));
	assert_false(ip_net_parse("", AF_UNSPEC, &n));
	assert_false(ip_addr_parse("192.0.2.0/24", &n));
}

/* Membership, including IPv4-mapped IPv6 sources (RFC 7208 5). */
static void test_contains(void **state)
{
	struct ip_net net, a;

	assert_true(ip_net_parse("192.0.2.0/25", AF_INET, &net));
	assert_true(ip_addr_parse("192.0.2.127", &a));
	assert_true(ip_net_contains(&net, &a));
	assert_true(ip_addr_parse("192.0.2.128", &a));
	assert_false(ip_net_contains(&net, &a));
	assert_true(ip_addr_parse("::ffff:192.0.2.5", &a));
	assert_true(ip_net_contains(&net, &a));
	assert_true(ip_net_parse("2001:db8:1234::/48", AF_INET6, &net));
	assert_true(ip_addr_parse("2001:db8:1234:ffff::1", &a));
	assert_true(ip_net_contains(&net, &a));
	assert_true(ip_addr_parse("2001:db8:1235::1", &a));
	assert_false(ip_net_contains(&net, &a));
	assert_true(ip_net_parse("0.0.0.0/0", AF_INET, &net));
	assert_true(ip_addr_parse("203.0.113.9", &a));
	assert_true(ip_net_contains(&net, &a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_networks),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_contains),
	};

	return cmocka_run_group_tests_name("ip", tests, NULL, NULL);
}
