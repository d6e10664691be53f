/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The cache resolver the wizard replays blocking engine calls against
 * (src/core/dns/dns_cache.h, src/screens/replay.c): a call run again and
 * again on the cache, with what it missed fetched in between, ends with
 * the result the call gives on the real resolver, after one run per step
 * of the longest chain of queries. The "real" resolver here is a table
 * loaded with records, so that results can be computed by hand. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/dns_cache.h"
#include "spf/spf_check.h"
#include "util/xalloc.h"

/* example.com includes a.example.net, which includes b.example.org,
 * which lists one range: two lookups (the includes), a chain of three
 * TXT queries. */
static const char records[] =
    "example.com. 300 IN TXT \"v=spf1 include:a.example.net -all\"\n"
    "a.example.net. 300 IN TXT \"v=spf1 include:b.example.org -all\"\n"
    "b.example.org. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "c.example.org. 300 IN A 192.0.2.1\n";

/* The real resolver of the tests. */
static struct dns *real_new(void)
{
	struct dns *dns = dns_new_table();
	struct err err = ERR_INIT;

	assert_int_equal(dns_table_add(dns, records, &err), STATUS_OK);
	err_done(&err);
	return dns;
}

/* A question the cache lacks is answered at once as a timeout that
 * says so, and is handed out once however often it was asked; an
 * answer put in is then given back as it was. */
static void test_cache_miss_then_hit(void **state)
{
	struct dns *real = real_new(), *cache = dns_new_cache();
	struct dns_answer *a;
	struct dns_question *q;
	size_t n;

	(void)state;
	a = dns_query_sync(cache, "C.Example.org.", DNS_T_A);
	assert_int_equal(a->result, DNS_TIMEOUT);
	assert_string_equal(a->error, "not fetched yet");
	dns_answer_free(a);
	a = dns_query_sync(cache, "c.example.org", DNS_T_A);
	dns_answer_free(a);
	n = dns_cache_take_misses(cache, &q);
	assert_int_equal(n, 1);
	assert_string_equal(q[0].name, "c.example.org");
	assert_int_equal(q[0].type, DNS_T_A);
	a = dns_query_sync(real, q[0].name, q[0].type);
	dns_cache_put(cache, a);
	dns_answer_free(a);
	dns_questions_free(q, n);
	assert_int_equal(dns_cache_take_misses(cache, &q), 0);
	assert_null(q);
	a = dns_query_sync(cache, "c.example.org", DNS_T_A);
	assert_int_equal(a->result, DNS_DATA);
	assert_int_equal(a->count, 1);
	assert_int_equal(a->rrs[0].u.a.s_addr, htonl(0xc0000201));
	dns_answer_free(a);
	/* Another type at the same name is another question. */
	a = dns_query_sync(cache, "c.example.org", DNS_T_TXT);
	assert_int_equal(a->result, DNS_TIMEOUT);
	dns_answer_free(a);
	assert_int_equal(dns_cache_take_misses(cache, &q), 1);
	dns_questions_free(q, 1);
	dns_free(cache);
	dns_free(real);
}

/* The SPF accounting replayed on the cache: run 1 misses example.com,
 * run 2 a.example.net, run 3 b.example.org, run 4 misses nothing and
 * counts the two lookups the real resolver counts. */
static void test_replay_spf_chain(void **state)
{
	struct dns *real = real_new(), *cache = dns_new_cache();
	struct spf_check *check = NULL, *direct = NULL;
	struct err err = ERR_INIT;
	int runs = 0;

	(void)state;
	for (;;) {
		struct dns_question *q;
		size_t n;

		spf_check_free(check);
		check = NULL;
		assert_int_equal(
		    spf_check_sync(cache, "example.com", &check, &err),
		    STATUS_OK);
		runs++;
		n = dns_cache_take_misses(cache, &q);
		if (n == 0)
			break;
		assert_int_equal(n, 1); /* a chain: one step per run */
		for (size_t i = 0; i < n; i++) {
			struct dns_answer *a =
			    dns_query_sync(real, q[i].name, q[i].type);

			dns_cache_put(cache, a);
			dns_answer_free(a);
		}
		dns_questions_free(q, n);
		assert_true(runs < 10);
	}
	assert_int_equal(runs, 4);
	assert_false(check->dns_failed);
	assert_int_equal(check->lookups, 2);
	assert_int_equal(spf_check_sync(real, "example.com", &direct, &err),
			 STATUS_OK);
	assert_int_equal(check->lookups, direct->lookups);
	spf_check_free(check);
	spf_check_free(direct);
	err_done(&err);
	dns_free(cache);
	dns_free(real);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_miss_then_hit),
		cmocka_unit_test(test_replay_spf_chain),
	};

	return cmocka_run_group_tests_name("tui_replay", tests, NULL, NULL);
}
