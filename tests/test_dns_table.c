/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The table resolver: the offline answers of --zone, the demo and the
 * tests must distinguish every answer kind exactly as a live server. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "lib/testenv.h"

static const char zone_text[] =
    "$ORIGIN example.com.\n"
    "$TTL 300\n"
    "@ IN SOA ns1 hostmaster 2026112301 3600 600 86400 300\n"
    "@ IN NS ns1\n"
    "@ IN MX 10 mx1\n"
    "@ IN MX 20 mx2\n"
    "@ IN TXT \"v=spf1 include:_spf.example.com \" \"~all\"\n"
    "@ IN TXT \"google-site-verification=abc\"\n"
    "ns1 IN A 192.0.2.53\n"
    "mx1 IN A 192.0.2.25\n"
    "mx2 IN AAAA 2001:db8::25\n"
    "www IN CNAME web.example.com.\n"
    "web IN A 192.0.2.80\n"
    "sel1._domainkey IN CNAME sel1.dkim.provider.test.\n"
    "a.b.c IN A 192.0.2.1\n"
    "*.wild IN TXT \"wildcard\"\n"
    "25.2.0.192.in-addr.arpa. IN PTR mx1.example.com.\n";

static const char provider_zone[] =
    "$ORIGIN provider.test.\n"
    "@ 300 IN SOA ns hostmaster 1 3600 600 86400 300\n"
    "sel1.dkim 300 IN TXT \"v=DKIM1; k=rsa; p=MIIB\"\n";

struct fixture {
	char *dir;
	struct dns *dns;
};

/* Loads the two zones into a fresh table. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct err err = ERR_INIT;
	char *a, *b;

	f->dir = testenv_mkdtemp();
	a = testenv_write_file(f->dir, "example.com.zone", zone_text);
	b = testenv_write_file(f->dir, "provider.test.zone", provider_zone);
	f->dns = dns_new_table();
	assert_int_equal(dns_table_load_zone(f->dns, a, NULL, &err), STATUS_OK);
	assert_int_equal(dns_table_load_zone(f->dns, b, NULL, &err), STATUS_OK);
	free(a);
	free(b);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dns_free(f->dns);
	testenv_rmdir(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* TXT answers keep each record and each string of a record apart. */
static void test_txt_strings_kept_apart(void **state)
{
	struct fixture *f = *state;
	struct dns_answer *a =
	    dns_query_sync(f->dns, "Example.COM.", DNS_T_TXT);
	struct dns_txt_string *joined;
	size_t n;

	assert_int_equal(a->result, DNS_DATA);
	assert_int_equal(a->count, 2);
	for (size_t i = 0; i < a->count; i++) {
		if (a->rrs[i].u.txt.count == 2) {
			assert_string_equal(a->rrs[i].u.txt.strings[0].data,
					    "v=spf1 include:_spf.example.com ");
			assert_string_equal(a->rrs[i].u.txt.strings[1].data,
					    "~all");
		}
	}
	joined = dns_answer_txt_joined(a, &n);
	assert_int_equal(n, 2);
	assert_true(strcmp(joined[0].data,
			   "v=spf1 include:_spf.example.com ~all") == 0 ||
		    strcmp(joined[1].data,
			   "v=spf1 include:_spf.example.com ~all") == 0);
	dns_txt_joined_free(joined, n);
	dns_answer_free(a);
}

/* A name that exists without the asked type is NODATA, not NXDOMAIN:
 * RFC 7208 4.6.4 counts both as void lookups, DMARC discovery does not. */
static void test_nodata_vs_nxdomain(void **state)
{
	struct fixture *f = *state;
	struct dns_answer *a;

	a = dns_query_sync(f->dns, "mx1.example.com", DNS_T_TXT);
	assert_int_equal(a->result, DNS_NODATA);
	dns_answer_free(a);
	a = dns_query_sync(f->dns, "nope.example.com", DNS_T_TXT);
	assert_int_equal(a->result, DNS_NXDOMAIN);
	assert_int_equal(a->rcode, 3);
	dns_answer_free(a);
	/* b.c.example.com has no records but a descendant: RFC 8020. */
	a = dns_query_sync(f->dns, "b.c.example.com", DNS_T_A);
	assert_int_equal(a->result, DNS_NODATA);
	dns_answer_free(a);
	/* Outside every loaded zone. */
	a = dns_query_sync(f->dns, "example.org", DNS_T_A);
	assert_int_equal(a->result, DNS_NXDOMAIN);
	dns_answer_free(a);
}

/* MX, AAAA, and a CNAME followed to the data, as a recursive resolver. */
static void test_mx_aaaa_cname(void **state)
{
	struct fixture *f = *state;
	struct dns_answer *a;
	char buf[64];

	a = dns_query_sync(f->dns, "example.com", DNS_T_MX);
	assert_int_equal(a->result, DNS_DATA);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->rrs[0].u.mx.preference, 10);
	assert_string_equal(a->rrs[0].u.mx.host, "mx1.example.com");
	dns_answer_free(a);

	a = dns_query_sync(f->dns, "mx2.example.com", DNS_T_AAAA);
	assert_int_equal(a->result, DNS_DATA);
	inet_ntop(AF_INET6, &a->rrs[0].u.aaaa, buf, sizeof buf);
	assert_string_equal(buf, "2001:db8::25");
	dns_answer_free(a);

	a = dns_query_sync(f->dns, "www.example.com", DNS_T_A);
	assert_int_equal(a->result, DNS_DATA);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->rrs[0].type, DNS_T_CNAME);
	assert_string_equal(a->rrs[0].u.host, "web.example.com");
	assert_int_equal(a->rrs[1].type, DNS_T_A);
	assert_string_equal(a->rrs[1].name, "web.example.com");
	dns_answer_free(a);

	/* A delegated DKIM key: CNAME into the provider's zone. */
	a = dns_query_sync(f->dns, "sel1._domainkey.example.com", DNS_T_TXT);
	assert_int_equal(a->result, DNS_DATA);
	assert_int_equal(a->rrs[a->count - 1].type, DNS_T_TXT);
	assert_string_equal(a->rrs[a->count - 1].u.txt.strings[0].data,
			    "v=DKIM1; k=rsa; p=MIIB");
	dns_answer_free(a);
}

/* RFC 4592 wildcards answer for names below them. */
static void test_wildcard(void **state)
{
	struct fixture *f = *state;
	struct dns_answer *a;

	a = dns_query_sync(f->dns, "anything.wild.example.com", DNS_T_TXT);
	assert_int_equal(a->result, DNS_DATA);
	assert_string_equal(a->rrs[0].name, "anything.wild.example.com");
	dns_answer_free(a);
}

/* Stores a copy of an answer. */
static void keep_answer(void *arg, const struct dns_answer *answer)
{
	*(struct dns_answer **)arg = dns_answer_dup(answer);
}

/* PTR for IPv4 and a bad address. */
static void test_reverse_lookup(void **state)
{
	struct fixture *f = *state;
	struct dns_answer *ok = NULL, *bad = NULL;

	dns_query_reverse(f->dns, "192.0.2.25", keep_answer, &ok);
	dns_query_reverse(f->dns, "not-an-ip", keep_answer, &bad);
	assert_int_equal(dns_pending(f->dns), 2);
	assert_null(ok); /* never answered inside dns_query */
	assert_int_equal(dns_run(f->dns), STATUS_OK);
	assert_int_equal(ok->result, DNS_DATA);
	assert_string_equal(ok->rrs[0].u.host, "mx1.example.com");
	assert_int_equal(bad->result, DNS_ERROR);
	dns_answer_free(ok);
	dns_answer_free(bad);
}

/* Tests can make a name time out or fail. */
static void test_faults(void **state)
{
	struct fixture *f = *state;
	struct dns_answer *a;

	dns_table_set_fault(f->dns, "slow.example.com", DNS_TIMEOUT);
	dns_table_set_fault(f->dns, "broken.example.com", DNS_SERVFAIL);
	a = dns_query_sync(f->dns, "slow.example.com", DNS_T_TXT);
	assert_int_equal(a->result, DNS_TIMEOUT);
	dns_answer_free(a);
	a = dns_query_sync(f->dns, "broken.example.com", DNS_T_A);
	assert_int_equal(a->result, DNS_SERVFAIL);
	dns_answer_free(a);
}

/* A zone with a syntax error names the file and the line. */
static void test_zone_syntax_error(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	char *path = testenv_write_file(f->dir, "bad.zone",
					"$ORIGIN bad.test.\n"
					"@ 300 IN SOA ns h 1 2 3 4 5\n"
					"www 300 IN A 192.0.2.300\n");

	assert_int_equal(dns_table_load_zone(f->dns, path, NULL, &err),
			 STATUS_PARSE);
	assert_non_null(strstr(err_message(&err), "bad.zone:3"));
	err_done(&err);
	/* A file that does not read changes nothing: no half zone. */
	{
		struct dns_answer *a =
		    dns_query_sync(f->dns, "bad.test", DNS_T_SOA);

		assert_int_equal(a->result, DNS_NXDOMAIN);
		dns_answer_free(a);
	}
	/* $INCLUDE would read other files: refused, with the line. */
	free(path);
	path = testenv_write_file(f->dir, "include.zone",
				  "$ORIGIN inc.test.\n"
				  "@ 300 IN SOA ns h 1 2 3 4 5\n"
				  "$INCLUDE /etc/passwd\n");
	assert_int_equal(dns_table_load_zone(f->dns, path, NULL, &err),
			 STATUS_PARSE);
	assert_non_null(strstr(err_message(&err), "include.zone:3"));
	err_done(&err);
	assert_int_equal(
	    dns_table_load_zone(f->dns, "/nonexistent.zone", NULL, &err),
	    STATUS_IO);
	assert_non_null(strstr(err_message(&err), "/nonexistent.zone"));
	err_done(&err);
	free(path);
}

/* Cancelling gives every callback a cancelled answer. */
static void test_cancel(void **state)
{
	struct fixture *f = *state;
	struct dns_answer *a = NULL;

	dns_query(f->dns, "example.com", DNS_T_MX, keep_answer, &a);
	dns_cancel_all(f->dns);
	assert_int_equal(dns_pending(f->dns), 0);
	assert_int_equal(a->result, DNS_ERROR);
	dns_answer_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_txt_strings_kept_apart,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodata_vs_nxdomain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mx_aaaa_cname, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wildcard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reverse_lookup, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zone_syntax_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	};

	return cmocka_run_group_tests_name("dns_table", tests, NULL, NULL);
}
