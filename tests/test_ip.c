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
#include <stdlib.h>
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

/* A server as --resolver and publish-server take it: a host or an
 * address, IPv6 bare or in brackets, and a port of 1 to 65535. */
static void test_host_port(void **state)
{
	static const struct {
		const char *in, *host;
		int port;
	} good[] = {
		{ "192.0.2.1", "192.0.2.1", 0 },
		{ "192.0.2.1:5353", "192.0.2.1", 5353 },
		{ "ns1.example.com:53", "ns1.example.com", 53 },
		{ "2001:db8::1", "2001:db8::1", 0 },
		{ "[2001:db8::1]", "2001:db8::1", 0 },
		{ "[2001:db8::1]:65535", "2001:db8::1", 65535 },
	};
	static const char *const bad[] = {
		"",
		":53",
		"host:",
		"host:0",
		"host:65536",
		"host:+53",
		"host:5 3",
		"[2001:db8::1",
		"[2001:db8::1]x",
		"[]:53",
		"host:999999999999",
	};

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char *host;
		int port;

		assert_true(ip_host_port(good[i].in, &host, &port));
		assert_string_equal(host, good[i].host);
		assert_int_equal(port, good[i].port);
		free(host);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *host = (char *)"x";
		int port;

		if (ip_host_port(bad[i], &host, &port))
			fail_msg("'%s' was taken", bad[i]);
		assert_null(host);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_networks),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_host_port),
	};

	return cmocka_run_group_tests_name("ip", tests, NULL, NULL);
}
