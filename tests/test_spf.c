/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SPF engine as an operator relies on it: records parse (or say
 * where they break), macros expand as RFC 7208 7.4 shows, the builder
 * orders for the cheapest evaluation, the flattener flattens the fewest
 * includes and splits at 450 octets, and the lookup tree's costs are the
 * ones computed by hand below. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "lib/testenv.h"
#include "plan/rollout.h"
#include "spf/spf.h"
#include "spf/spf_build.h"
#include "spf/spf_check.h"
#include "spf/spf_eval.h"
#include "store/state.h"
#include "store/store.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Parses text and returns it formatted back. */
static char *roundtrip(const char *text)
{
	struct spf_record *rec = NULL;
	struct err err = ERR_INIT;
	char *out;

	assert_int_equal(spf_parse(text, strlen(text), &rec, NULL, &err),
			 STATUS_OK);
	out = spf_record_format(rec);
	spf_record_free(rec);
	return out;
}

/* Every kind of term parses and is written back the same way. */
static void test_parse_every_term(void **state)
{
	static const char text[] =
	    "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.7 ip6:2001:db8::/32 "
	    "-a:mail.example.com/24//64 ?mx ~ptr:example.org a//96 mx/26 "
	    "include:_spf.example.net exists:%{i}.bl.example.com "
	    "redirect=_spf.example.com exp=explain.%{d2} foo.bar=%{l}x -all";
	struct spf_record *rec = NULL;
	struct err err = ERR_INIT;
	char *out;

	(void)state;
	assert_int_equal(spf_parse(text, strlen(text), &rec, NULL, &err),
			 STATUS_OK);
	assert_int_equal(rec->count, 14);
	assert_int_equal(rec->terms[3].kind, SPF_A);
	assert_int_equal(rec->terms[3].qualifier, SPF_FAIL);
	assert_string_equal(rec->terms[3].domain_spec, "mail.example.com");
	assert_int_equal(rec->terms[3].cidr4, 24);
	assert_int_equal(rec->terms[3].cidr6, 64);
	assert_int_equal(rec->terms[6].cidr4, -1);
	assert_int_equal(rec->terms[6].cidr6, 96);
	assert_int_equal(rec->terms[7].cidr4, 26);
	assert_int_equal(rec->terms[5].qualifier, SPF_SOFTFAIL);
	assert_int_equal(rec->terms[1].net.prefix, 32);
	assert_false(rec->terms[1].has_prefix);
	assert_int_equal(rec->redirect, 10);
	assert_int_equal(rec->exp, 11);
	assert_int_equal(rec->terms[12].kind, SPF_MODIFIER);
	assert_string_equal(rec->terms[12].name, "foo.bar");
	assert_int_equal(rec->terms[0].column, 8);
	assert_int_equal(spf_record_dns_terms(rec), 8);
	spf_record_free(rec);
	out = roundtrip(text);
	assert_string_equal(out, text);
	free(out);
	/* Mechanism names are case-insensitive; extra spaces collapse. */
	out = roundtrip("V=SPF1   IP4:192.0.2.1   +MX  ");
	assert_string_equal(out, "v=spf1 ip4:192.0.2.1 +mx");
	free(out);
}

/* Asserts that text fails at column with a message containing what. */
static void expect_error(const char *text, size_t column, const char *what)
{
	struct spf_record *rec = NULL;
	struct err err = ERR_INIT;
	size_t col = 0;
	char *prefix = xasprintf("column %zu: ", column);

	assert_int_equal(spf_parse(text, strlen(text), &rec, &col, &err),
			 STATUS_PARSE);
	assert_null(rec);
	assert_int_equal(col, column);
	assert_non_null(strstr(err_message(&err), prefix));
	assert_non_null(strstr(err_message(&err), what));
	free(prefix);
	err_done(&err);
}

/* Syntax errors name the column of the octet at fault. */
static void test_parse_errors_have_columns(void **state)
{
	(void)state;
	/* "v=spf1 " is 7 octets: the first term starts at column 8. */
	expect_error("v=spf1 foo:bar -all", 8, "unknown mechanism");
	expect_error("v=spf1 ip4:192.0.2.300", 12, "IPv4");
	expect_error("v=spf1 ip4:192.0.2.0/33", 21, "prefix");
	expect_error("v=spf1 a:example.com/33", 21, "prefix");
	expect_error("v=spf1 ip6:2001:db8::/129", 22, "prefix");
	expect_error("v=spf1 redirect=a.example redirect=b.example", 27,
		     "redirect");
	expect_error("v=spf1 exists:%{x}.example.com", 17, "macro letter");
	expect_error("v=spf1 a:%{d", 13, "'}'");
	expect_error("v=spf1 include:", 16, "domain");
	expect_error("v=spf1 a:example.123", 18, "top label");
	expect_error("v=spf1 -all\tmx", 12, "character");
	expect_error("v=spf1 allx", 8, "unknown mechanism");
	expect_error("v=spf1 all:x", 11, "argument");
	expect_error("v=spf10 -all", 1, "v=spf1");
	/* c, r and t are explanation-only letters (7.3). */
	expect_error("v=spf1 a:%{c}.example.com", 12, "macro letter");
}

/* RFC 7208 4.5: which TXT records are SPF records. */
static void test_record_selection(void **state)
{
	struct dns_txt_string recs[] = {
		{ (char *)"google-site-verification=x", 26 },
		{ (char *)"v=spf1 -all", 11 },
		{ (char *)"v=spf10 +all", 12 },
		{ (char *)"V=SPF1", 6 },
	};
	size_t index = 9;

	(void)state;
	assert_true(spf_is_record("v=spf1", 6));
	assert_true(spf_is_record("v=spf1 -all", 11));
	assert_false(spf_is_record("v=spf1-all", 10));
	assert_false(spf_is_record("v=spf", 5));
	assert_int_equal(spf_select(recs, 3, &index), 1);
	assert_int_equal(index, 1);
	/* Two records: the receiver's permerror. */
	assert_int_equal(spf_select(recs, 4, &index), 2);
}

/* Expands s with the RFC 7208 7.4 values. */
static void expect_macro(const struct spf_macro_vars *v, const char *s,
			 const char *want)
{
	struct err err = ERR_INIT;
	char *out = NULL;

	assert_int_equal(spf_macro_expand(s, v, true, false, &out, &err),
			 STATUS_OK);
	assert_string_equal(out, want);
	free(out);
}

/* The examples of RFC 7208 section 7.4, letter for letter. */
static void test_macros_rfc_examples(void **state)
{
	struct ip_net ip4, ip6;
	struct spf_macro_vars v = {
		.sender = "strong-bad@email.example.com",
		.domain = "email.example.com",
		.ip = &ip4,
		.helo = "mx.example.org",
		.now = 1700000000,
	};

	(void)state;
	assert_true(ip_addr_parse("192.0.2.3", &ip4));
	assert_true(ip_addr_parse("2001:db8::cb01", &ip6));
	expect_macro(&v, "%{s}", "strong-bad@email.example.com");
	expect_macro(&v, "%{o}", "email.example.com");
	expect_macro(&v, "%{d}", "email.example.com");
	expect_macro(&v, "%{d4}", "email.example.com");
	expect_macro(&v, "%{d3}", "email.example.com");
	expect_macro(&v, "%{d2}", "example.com");
	expect_macro(&v, "%{d1}", "com");
	expect_macro(&v, "%{dr}", "com.example.email");
	expect_macro(&v, "%{d2r}", "example.email");
	expect_macro(&v, "%{l}", "strong-bad");
	expect_macro(&v, "%{l-}", "strong.bad");
	expect_macro(&v, "%{lr}", "strong-bad");
	expect_macro(&v, "%{lr-}", "bad.strong");
	expect_macro(&v, "%{l1r-}", "strong");
	expect_macro(&v, "%{ir}.%{v}._spf.%{d2}",
		     "3.2.0.192.in-addr._spf.example.com");
	expect_macro(&v, "%{lr-}.lp._spf.%{d2}",
		     "bad.strong.lp._spf.example.com");
	expect_macro(&v, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
		     "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	expect_macro(&v, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
		     "3.2.0.192.in-addr.strong.lp._spf.example.com");
	expect_macro(&v, "%{d2}.trusted-domains.example.net",
		     "example.com.trusted-domains.example.net");
	v.ip = &ip6;
	expect_macro(&v, "%{ir}.%{v}._spf.%{d2}",
		     "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d."
		     "0.1.0.0.2.ip6._spf.example.com");
	/* 7.1: %% %_ %-, explanation-only letters, URL escaping. */
	expect_macro(&v, "a%%b%_c%-d", "a%b c%20d");
	expect_macro(&v, "%{c} %{h} %{t} %{r} %{p}",
		     "2001:db8::cb01 mx.example.org 1700000000 unknown "
		     "unknown");
	v.sender = "~jack&jill=up-a_b3.c@e8.example.com";
	expect_macro(&v, "%{L}", "~jack%26jill%3Dup-a_b3.c");
}

/* Macro errors and the 253-octet truncation of query names. */
static void test_macros_errors_and_truncation(void **state)
{
	struct ip_net ip;
	struct spf_macro_vars v = { .sender = "a@b.example",
				    .domain = "b.example",
				    .ip = &ip };
	struct strbuf spec = STRBUF_INIT;
	struct err err = ERR_INIT;
	char *out = NULL;

	(void)state;
	assert_true(ip_addr_parse("192.0.2.1", &ip));
	assert_int_equal(spf_macro_expand("%{d0}", &v, false, true, &out, &err),
			 STATUS_PARSE);
	err_done(&err);
	assert_int_equal(spf_macro_expand("%{t}", &v, false, true, &out, &err),
			 STATUS_PARSE);
	err_done(&err);
	assert_int_equal(spf_macro_expand("50%", &v, false, true, &out, &err),
			 STATUS_PARSE);
	err_done(&err);
	/* 30 labels "exampleple." of 11 octets and "b.example": 339
	 * octets; 8 labels go from the left, leaving 251. */
	for (int i = 0; i < 30; i++)
		strbuf_addstr(&spec, "%{d1}ple.");
	strbuf_addstr(&spec, "%{d}");
	assert_int_equal(
	    spf_macro_expand(strbuf_str(&spec), &v, false, true, &out, &err),
	    STATUS_OK);
	assert_int_equal(strlen(out), 251);
	assert_int_equal(strncmp(out, "exampleple.", 11), 0);
	free(out);
	strbuf_done(&spec);
}

/* The builder dedupes and orders ip4, ip6, a, mx, includes, all. */
static void test_builder_order(void **state)
{
	const char *mechs[] = {
		"include:_spf.google.com",
		"mx",
		"ip6:2001:db8::/32",
		"ip4:192.0.2.0/24",
		"a",
		"include:_spf.google.com",
		"IP4:192.0.2.0/24 include:sendgrid.net",
	};
	const char *bad[] = { "ip4:192.0.2.0/24", "redirect=x.example" };
	struct spf_record *rec = NULL;
	struct err err = ERR_INIT;
	char *text;

	(void)state;
	assert_int_equal(spf_build(mechs, 7, false, &rec, &err), STATUS_OK);
	text = spf_record_format(rec);
	assert_string_equal(text, "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 "
				  "a mx include:_spf.google.com "
				  "include:sendgrid.net ~all");
	assert_int_equal(spf_record_dns_terms(rec), 4);
	free(text);
	spf_record_free(rec);
	assert_int_equal(spf_build(mechs, 1, true, &rec, &err), STATUS_OK);
	text = spf_record_format(rec);
	assert_string_equal(text, "v=spf1 include:_spf.google.com -all");
	free(text);
	spf_record_free(rec);
	assert_int_equal(spf_build(bad, 2, true, &rec, &err), STATUS_USAGE);
	assert_non_null(strstr(err_message(&err), "redirect=x.example"));
	err_done(&err);
}

/* A table resolver from zone-file lines. */
static struct dns *table(const char *lines)
{
	struct dns *dns = dns_new_table();
	struct err err = ERR_INIT;

	if (dns_table_add(dns, lines, &err) != STATUS_OK)
		fail_msg("zone: %s", err_message(&err));
	return dns;
}

/* The tree of the hand-computed example:
 *   example.com   a, mx:mail.example.com, ptr           3
 *   include:one.test                                    1
 *     include:one-a.test (ip4 only)                     1
 *     include:one-b.test  a:gone.test (void)            1 + 1
 *   include:two.test  exists:nothing.test (void)        1 + 1
 * = 3 + (1 + 1 + 2) + 2 = 9 lookups, 2 void lookups; the costliest
 * branch is include:one.test with 4. */
static const char tree_zone[] =
    "example.com. TXT \"v=spf1 a mx:mail.example.com include:one.test "
    "include:two.test ptr ~all\"\n"
    "example.com. A 192.0.2.10\n"
    "mail.example.com. MX 10 mx.example.com.\n"
    "mx.example.com. A 192.0.2.25\n"
    "one.test. TXT \"v=spf1 include:one-a.test include:one-b.test -all\"\n"
    "one-a.test. TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n"
    "one-b.test. TXT \"v=spf1 a:gone.test -all\"\n"
    "two.test. TXT \"v=spf1 exists:nothing.test ip4:203.0.113.0/24\"\n";

/* The costs of every branch and the findings of the tree above. */
static void test_accounting_tree(void **state)
{
	struct dns *dns = table(tree_zone);
	struct spf_check *c = NULL;
	struct err err = ERR_INIT;
	const struct spf_node *one, *costly;

	(void)state;
	assert_int_equal(spf_check_sync(dns, "example.com", &c, &err),
			 STATUS_OK);
	assert_false(c->dns_failed);
	assert_int_equal(c->lookups, 9);
	assert_int_equal(c->void_lookups, 2);
	assert_int_equal(c->root->terms, 3);
	assert_int_equal(c->root->nchildren, 2);
	one = c->root->children[0];
	assert_string_equal(one->via, "include:one.test");
	assert_int_equal(one->cost, 4);
	assert_int_equal(one->children[1]->cost, 2);
	assert_int_equal(one->children[1]->void_lookups, 1);
	assert_int_equal(c->root->children[1]->cost, 2);
	costly = spf_check_costliest(c);
	assert_ptr_equal(costly, one);
	assert_true(findings_has(&c->findings, F_SPF_LOOKUP_NEAR_LIMIT));
	assert_false(findings_has(&c->findings, F_SPF_LOOKUP_LIMIT));
	assert_false(findings_has(&c->findings, F_SPF_VOID_LIMIT));
	assert_true(findings_has(&c->findings, F_SPF_PTR));
	assert_true(findings_has(&c->findings, F_SPF_SOFTFAIL_ALL));
	assert_false(findings_has(&c->findings, F_SPF_NO_ALL));
	spf_check_free(c);
	dns_free(dns);
}

/* Every broken shape gives its finding and the right result. */
static void test_accounting_findings(void **state)
{
	struct dns *dns =
	    table("bad.test. TXT \"v=spf1 include:loop1.test include:gone.test "
		  "include:two.test include:syntax.test include:open.test "
		  "include:slow.test a:v1.test a:v2.test a:v3.test\"\n"
		  "loop1.test. TXT \"v=spf1 include:loop2.test -all\"\n"
		  "loop2.test. TXT \"v=spf1 include:loop1.test -all\"\n"
		  "two.test. TXT \"v=spf1 -all\"\n"
		  "two.test. TXT \"v=spf1 +all\"\n"
		  "syntax.test. TXT \"v=spf1 ip4:1.2.3 -all\"\n"
		  "open.test. TXT \"v=spf1 +all\"\n");
	struct spf_check *c = NULL;
	struct err err = ERR_INIT;
	struct spf_outcome out;
	struct spf_query q = { .sender = "x@bad.test" };

	(void)state;
	dns_table_set_fault(dns, "slow.test", DNS_SERVFAIL);
	assert_int_equal(spf_check_sync(dns, "bad.test", &c, &err), STATUS_OK);
	assert_true(findings_has(&c->findings, F_SPF_LOOP));
	assert_true(findings_has(&c->findings, F_SPF_INCLUDE_MISSING));
	assert_true(findings_has(&c->findings, F_SPF_MULTIPLE));
	assert_true(findings_has(&c->findings, F_SPF_SYNTAX));
	assert_true(findings_has(&c->findings, F_SPF_PLUS_ALL));
	assert_true(findings_has(&c->findings, F_SPF_TEMPERROR));
	assert_true(findings_has(&c->findings, F_SPF_VOID_LIMIT));
	assert_true(findings_has(&c->findings, F_SPF_NO_ALL));
	/* 6 includes + 3 a + loop1's include:loop2 + loop2's include back
	 * to loop1 = 11. */
	assert_int_equal(c->lookups, 11);
	assert_true(findings_has(&c->findings, F_SPF_LOOKUP_LIMIT));
	/* RFC 7208 4.6.4: v1, v2, v3 and the include of gone.test, a
	 * name with no record at all. */
	assert_int_equal(c->void_lookups, 4);
	spf_check_free(c);
	/* check_host() on the same data: the loop costs more than 10. */
	assert_true(ip_addr_parse("192.0.2.1", &q.ip));
	assert_int_equal(spf_eval_sync(dns, &q, &out, &err), STATUS_OK);
	assert_int_equal(out.result, SPF_PERMERROR);
	assert_int_equal(out.dns_terms, 11);
	spf_outcome_done(&out);
	dns_free(dns);
}

/* RFC 7208 6.1: a record with "all" ignores its redirect, so lean.test's
 * tree costs nothing, in the audit's tree and in the plan's count; the
 * same redirect without "all" costs its tree. */
static void test_redirect_ignored_with_all(void **state)
{
	struct dns *dns = table(
	    "withall.test. TXT \"v=spf1 ip4:192.0.2.0/24 ?all "
	    "redirect=lean.test\"\n"
	    "noall.test. TXT \"v=spf1 ip4:192.0.2.0/24 redirect=lean.test\"\n"
	    "lean.test. TXT \"v=spf1 a mx include:x.test include:y.test "
	    "-all\"\n"
	    "x.test. TXT \"v=spf1 -all\"\n"
	    "y.test. TXT \"v=spf1 -all\"\n");
	struct spf_check *c = NULL;
	struct spf_record *rec = NULL;
	struct err err = ERR_INIT;
	size_t lookups = 99;
	const char with_all[] = "v=spf1 ip4:192.0.2.0/24 ?all "
				"redirect=lean.test";

	(void)state;
	assert_int_equal(spf_check_sync(dns, "withall.test", &c, &err),
			 STATUS_OK);
	assert_int_equal(c->lookups, 0);
	spf_check_free(c);
	assert_int_equal(spf_check_sync(dns, "noall.test", &c, &err),
			 STATUS_OK);
	/* the redirect, a, mx and two includes */
	assert_int_equal(c->lookups, 5);
	spf_check_free(c);
	assert_int_equal(
	    spf_parse(with_all, strlen(with_all), &rec, NULL, &err), STATUS_OK);
	assert_int_equal(spf_record_lookups(dns, rec, &lookups, &err),
			 STATUS_OK);
	assert_int_equal(lookups, 0);
	spf_record_free(rec);
	dns_free(dns);
}

/* RFC 7208 4.6.4: including a name that has no record at all is a void
 * lookup; two more (a name with no address) pass the limit of two. */
static void test_include_of_nothing_is_void(void **state)
{
	struct dns *dns =
	    table("v.test. TXT \"v=spf1 include:nothing.test a:none1.test "
		  "a:none2.test -all\"\n");
	struct spf_check *c = NULL;
	struct err err = ERR_INIT;

	(void)state;
	assert_int_equal(spf_check_sync(dns, "v.test", &c, &err), STATUS_OK);
	assert_int_equal(c->void_lookups, 3);
	assert_true(findings_has(&c->findings, F_SPF_VOID_LIMIT));
	assert_true(findings_has(&c->findings, F_SPF_INCLUDE_MISSING));
	spf_check_free(c);
	dns_free(dns);
}

/* A missing record at the root, and a failing root query. */
static void test_accounting_root(void **state)
{
	struct dns *dns = table("none.test. TXT \"hello\"\n");
	struct spf_check *c = NULL;
	struct err err = ERR_INIT;

	(void)state;
	assert_int_equal(spf_check_sync(dns, "none.test", &c, &err), STATUS_OK);
	assert_true(findings_has(&c->findings, F_SPF_MISSING));
	assert_false(c->dns_failed);
	spf_check_free(c);
	dns_table_set_fault(dns, "down.test", DNS_TIMEOUT);
	assert_int_equal(spf_check_sync(dns, "down.test", &c, &err), STATUS_OK);
	assert_true(c->dns_failed);
	assert_non_null(strstr(c->dns_error, "down.test"));
	assert_non_null(strstr(c->dns_error, "timeout"));
	spf_check_free(c);
	dns_free(dns);
}

/* check_host() for IPv4 and IPv6 through the table. */
static void test_eval_results(void **state)
{
	struct dns *dns = table(
	    "example.com. TXT \"v=spf1 ip4:192.0.2.0/24 a:web.example.com/28"
	    "//64 mx -include:bad.example.net ~all exp=why.example.com\"\n"
	    "web.example.com. A 198.51.100.1\n"
	    "web.example.com. AAAA 2001:db8:1::1\n"
	    "example.com. MX 10 mx.example.com.\n"
	    "mx.example.com. A 203.0.113.25\n"
	    "bad.example.net. TXT \"v=spf1 ip4:203.0.113.66 -all\"\n"
	    "why.example.com. TXT \"%{i} may not send for %{d}\"\n");
	static const struct {
		const char *ip;
		enum spf_result result;
		const char *mechanism;
	} cases[] = {
		{ "192.0.2.77", SPF_PASS, "ip4:192.0.2.0/24" },
		{ "198.51.100.14", SPF_PASS, "a:web.example.com/28//64" },
		{ "198.51.100.16", SPF_SOFTFAIL, "~all" },
		{ "2001:db8:1::ffff", SPF_PASS, "a:web.example.com/28//64" },
		{ "2001:db8:2::1", SPF_SOFTFAIL, "~all" },
		{ "203.0.113.25", SPF_PASS, "mx" },
		{ "203.0.113.66", SPF_FAIL, "-include:bad.example.net" },
		{ "::ffff:192.0.2.1", SPF_PASS, "ip4:192.0.2.0/24" },
	};
	struct err err = ERR_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct spf_query q = { .sender = "user@example.com" };
		struct spf_outcome out;

		assert_true(ip_addr_parse(cases[i].ip, &q.ip));
		assert_int_equal(spf_eval_sync(dns, &q, &out, &err), STATUS_OK);
		assert_int_equal(out.result, cases[i].result);
		assert_string_equal(out.mechanism, cases[i].mechanism);
		if (out.result == SPF_FAIL)
			assert_string_equal(out.explanation,
					    "203.0.113.66 may not send for "
					    "example.com");
		spf_outcome_done(&out);
	}
	dns_free(dns);
}

/* The limits of 4.6.4: more than 10 MX names, more than 2 voids. */
static void test_eval_limits(void **state)
{
	struct strbuf z = STRBUF_INIT;
	struct dns *dns;
	struct spf_outcome out;
	struct err err = ERR_INIT;
	struct spf_query q = { .sender = "u@mx.test" };

	(void)state;
	strbuf_addstr(&z, "mx.test. TXT \"v=spf1 mx -all\"\n");
	for (int i = 0; i < 11; i++)
		strbuf_addf(&z, "mx.test. MX 10 m%d.mx.test.\n", i);
	strbuf_addstr(&z, "void.test. TXT \"v=spf1 a:n1.test a:n2.test "
			  "a:n3.test ip4:192.0.2.1 -all\"\n");
	dns = table(strbuf_str(&z));
	strbuf_done(&z);
	assert_true(ip_addr_parse("192.0.2.1", &q.ip));
	assert_int_equal(spf_eval_sync(dns, &q, &out, &err), STATUS_OK);
	assert_int_equal(out.result, SPF_PERMERROR);
	assert_string_equal(out.mechanism, "mx");
	spf_outcome_done(&out);
	q.sender = "u@void.test";
	assert_int_equal(spf_eval_sync(dns, &q, &out, &err), STATUS_OK);
	assert_int_equal(out.result, SPF_PERMERROR);
	assert_int_equal(out.void_lookups, 3);
	assert_string_equal(out.mechanism, "a:n3.test");
	spf_outcome_done(&out);
	dns_free(dns);
}

/* A name the record names again is asked once, yet every term counts
 * as the RFC counts it: each a:gone.test is a void lookup (4.6.4) and
 * each include a DNS term, however many queries went out. */
static void test_eval_asks_once(void **state)
{
	struct dns *dns =
	    table("loop.test. TXT \"v=spf1 a:gone.test include:inc.test "
		  "include:inc.test a:gone.test a:gone.test -all\"\n"
		  "inc.test. TXT \"v=spf1 ip4:198.51.100.1 -all\"\n");
	static const struct {
		const char *ip;
		enum spf_result result;
		const char *mechanism;
		size_t voids, terms;
	} cases[] = {
		{ "192.0.2.1", SPF_PERMERROR, "a:gone.test", 3, 5 },
		{ "198.51.100.1", SPF_PASS, "include:inc.test", 1, 2 },
	};
	struct err err = ERR_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct spf_query q = { .sender = "u@loop.test" };
		struct spf_outcome out;

		assert_true(ip_addr_parse(cases[i].ip, &q.ip));
		assert_int_equal(spf_eval_sync(dns, &q, &out, &err), STATUS_OK);
		assert_int_equal(out.result, cases[i].result);
		assert_string_equal(out.mechanism, cases[i].mechanism);
		assert_int_equal(out.void_lookups, cases[i].voids);
		assert_int_equal(out.dns_terms, cases[i].terms);
		/* TXT loop.test, A gone.test, TXT inc.test: each once. */
		assert_int_equal(dns_questions_asked(dns), 3 * (i + 1));
		spf_outcome_done(&out);
	}
	dns_free(dns);
}

/* Marks include:big.test as rotating, like a mailbox provider. */
static bool big_rotates(void *arg, const char *mechanism)
{
	(void)arg;
	return strcmp(mechanism, "include:big.test") == 0;
}

/* The record of the flattener test: big (1 + 3) + mid (1 + 2) + small
 * (1 + 1) + tiny (1 + its a term) + a macro include (1) = 12 lookups; 2
 * must go. Flattening one include suffices: big (4, but it rotates),
 * mid (3) or small (2); tiny has an a term and cannot be flattened.
 * small adds the fewest octets, so small goes. */
static const char flat_zone[] =
    "big.test. TXT \"v=spf1 include:b1.test include:b2.test "
    "include:b3.test -all\"\n"
    "b1.test. TXT \"v=spf1 ip4:192.0.2.0/28 -all\"\n"
    "b2.test. TXT \"v=spf1 ip4:192.0.2.16/28 -all\"\n"
    "b3.test. TXT \"v=spf1 ip6:2001:db8:b3::/48 -all\"\n"
    "mid.test. TXT \"v=spf1 include:m1.test include:m2.test ~all\"\n"
    "m1.test. TXT \"v=spf1 ip4:198.51.100.0/25 ip4:198.51.100.128/26\"\n"
    "m2.test. TXT \"v=spf1 ip4:198.51.100.192/26\"\n"
    "small.test. TXT \"v=spf1 include:s1.test ~all\"\n"
    "s1.test. TXT \"v=spf1 ip4:203.0.113.0/24\"\n"
    "tiny.test. TXT \"v=spf1 a:host.tiny.test -all\"\n"
    "host.tiny.test. A 203.0.113.99\n";

/* Builds the flattener test's record. */
static struct spf_record *flat_record(void)
{
	const char *mechs[] = { "include:big.test", "include:mid.test",
				"include:small.test", "include:tiny.test",
				"include:%{d1}.test" };
	struct spf_record *rec = NULL;
	struct err err = ERR_INIT;

	assert_int_equal(spf_build(mechs, 5, false, &rec, &err), STATUS_OK);
	return rec;
}

/* The fewest includes are flattened, and not the rotating one. */
static void test_flatten_fewest(void **state)
{
	struct dns *dns = table(flat_zone);
	struct spf_record *rec = flat_record();
	struct spf_flatten *f = NULL;
	struct err err = ERR_INIT;
	size_t lookups = 0, flattened = 0;

	(void)state;
	assert_int_equal(spf_record_lookups(dns, rec, &lookups, &err),
			 STATUS_OK);
	assert_int_equal(lookups, 12);
	assert_int_equal(
	    spf_flatten(dns, "example.com", rec, big_rotates, NULL, &f, &err),
	    STATUS_OK);
	assert_int_equal(f->nitems, 4);
	for (size_t i = 0; i < f->nitems; i++)
		if (f->items[i].flattened)
			flattened++;
	assert_int_equal(flattened, 1);
	assert_string_equal(f->items[2].mechanism, "include:small.test");
	assert_true(f->items[2].flattened);
	assert_int_equal(f->items[2].cost, 2);
	assert_false(f->items[3].flattenable); /* tiny has an a term */
	assert_int_equal(f->lookups, 10);
	assert_int_equal(f->nrecords, 1);
	assert_string_equal(f->records[0].value,
			    "v=spf1 ip4:203.0.113.0/24 include:big.test "
			    "include:mid.test include:tiny.test "
			    "include:%{d1}.test ~all");
	spf_flatten_free(f);
	spf_record_free(rec);
	dns_free(dns);
}

/* A rotating service stays an include when flattening more stable
 * ones is enough, even if that takes more includes. */
static void test_flatten_prefers_stable(void **state)
{
	struct dns *dns = table(flat_zone);
	const char *mechs[] = { "mx",
				"a",
				"a:x.test",
				"include:big.test",
				"include:mid.test",
				"include:small.test",
				"include:tiny.test" };
	struct spf_record *rec = NULL;
	struct spf_flatten *f = NULL;
	struct err err = ERR_INIT;

	(void)state;
	/* 3 + big 4 + mid 3 + small 2 + tiny 2 = 14: 4 must go. big alone
	 * would do, but it rotates: mid and small (5) go instead, 9 left. */
	assert_int_equal(spf_build(mechs, 7, true, &rec, &err), STATUS_OK);
	assert_int_equal(
	    spf_flatten(dns, "example.com", rec, big_rotates, NULL, &f, &err),
	    STATUS_OK);
	assert_false(f->items[0].flattened);
	assert_true(f->items[1].flattened);
	assert_true(f->items[2].flattened);
	assert_false(f->items[3].flattened);
	assert_int_equal(f->lookups, 9);
	spf_flatten_free(f);
	spf_record_free(rec);
	/* Without the rotation hint, big alone is the fewest. */
	assert_int_equal(spf_build(mechs, 7, true, &rec, &err), STATUS_OK);
	assert_int_equal(
	    spf_flatten(dns, "example.com", rec, NULL, NULL, &f, &err),
	    STATUS_OK);
	assert_true(f->items[0].flattened);
	assert_false(f->items[1].flattened);
	assert_false(f->items[2].flattened);
	assert_int_equal(f->lookups, 10);
	spf_flatten_free(f);
	spf_record_free(rec);
	dns_free(dns);
}

/* Past 450 octets the ranges move into chained _spfN records:
 *   a, mx                                2
 *   include:wide.test -> w.test -> w2    3 (60 ranges of ip4:10.0.N.0/24)
 *   include:a1..a3.test, each with an a  2 each = 6
 * = 11 lookups. Only wide can be flattened: 8 left, and its 60 ranges
 * (about 1000 octets) need the main record and two chained ones, 2 more
 * lookups: 10. */
static void test_flatten_splits(void **state)
{
	struct strbuf z = STRBUF_INIT;
	const char *mechs[] = { "a",
				"mx",
				"include:wide.test",
				"include:a1.test",
				"include:a2.test",
				"include:a3.test" };
	struct spf_record *rec = NULL;
	struct spf_flatten *f = NULL;
	struct err err = ERR_INIT;
	struct dns *dns;
	size_t ranges = 0;

	(void)state;
	strbuf_addstr(&z, "wide.test. TXT \"v=spf1 include:w.test -all\"\n");
	for (int half = 0; half < 2; half++) {
		struct strbuf inc = STRBUF_INIT;

		strbuf_addstr(&z, half ? "w2.test. TXT " : "w.test. TXT ");
		strbuf_addstr(&inc, half ? "v=spf1" : "v=spf1 include:w2.test");
		for (int i = half * 30; i < half * 30 + 30; i++)
			strbuf_addf(&inc, " ip4:10.0.%d.0/24", i);
		for (size_t i = 0; i < inc.len; i += 200)
			strbuf_addf(
			    &z, "\"%.*s\" ",
			    (int)(inc.len - i < 200 ? inc.len - i : 200),
			    inc.data + i);
		strbuf_addstr(&z, "\n");
		strbuf_done(&inc);
	}
	for (int i = 1; i <= 3; i++)
		strbuf_addf(&z, "a%d.test. TXT \"v=spf1 a:h%d.test\"\n", i, i);
	dns = table(strbuf_str(&z));
	strbuf_done(&z);
	assert_int_equal(spf_build(mechs, 6, false, &rec, &err), STATUS_OK);
	assert_int_equal(
	    spf_flatten(dns, "example.com", rec, NULL, NULL, &f, &err),
	    STATUS_OK);
	assert_true(f->items[0].flattened);
	assert_int_equal(f->items[0].cost, 3);
	assert_int_equal(f->items[0].naddresses, 60);
	assert_int_equal(f->nrecords, 3);
	assert_int_equal(f->lookups, 10);
	assert_string_equal(f->records[0].name, "example.com");
	assert_string_equal(f->records[1].name, "_spf1.example.com");
	assert_string_equal(f->records[2].name, "_spf2.example.com");
	assert_non_null(
	    strstr(f->records[0].value, "include:_spf1.example.com"));
	assert_non_null(
	    strstr(f->records[1].value, "include:_spf2.example.com"));
	for (size_t i = 0; i < f->nrecords; i++) {
		const char *p = f->records[i].value;

		assert_true(strlen(p) <= 450);
		while ((p = strstr(p, "ip4:10.0.")) != NULL) {
			ranges++;
			p++;
		}
	}
	/* Every range is published once. */
	assert_int_equal(ranges, 60);
	/* The last record of the chain ends without an include. */
	assert_null(strstr(f->records[2].value, "include:"));
	assert_null(strstr(f->records[2].value, "all"));
	spf_flatten_free(f);
	spf_record_free(rec);
	dns_free(dns);
}

/* A remembered flattening reports drift when upstream changes. */
static void test_flatten_drift(void **state)
{
	char *dir = testenv_mkdtemp();
	char *path = xasprintf("%s/db", dir);
	struct dns *dns = table(flat_zone), *later;
	struct spf_record *rec = flat_record();
	struct spf_flatten *f = NULL;
	struct findings fs = FINDINGS_INIT;
	struct err err = ERR_INIT;
	struct store *store;

	(void)state;
	assert_int_equal(store_open(&store, path, &err), STATUS_OK);
	assert_int_equal(
	    state_domain_add(store, "example.com", 20000, NULL, &err),
	    STATUS_OK);
	assert_int_equal(
	    spf_flatten(dns, "example.com", rec, big_rotates, NULL, &f, &err),
	    STATUS_OK);
	assert_int_equal(
	    state_flattened_save(store, "example.com", f, 20000, &err),
	    STATUS_OK);
	/* Unchanged upstream: nothing to report. */
	assert_int_equal(
	    rollout_flatten_drift(store, dns, "example.com", &fs, &err),
	    STATUS_OK);
	assert_int_equal(fs.count, 0);
	later = table("small.test. TXT \"v=spf1 include:s1.test ~all\"\n"
		      "s1.test. TXT \"v=spf1 ip4:203.0.113.0/24 "
		      "ip4:192.0.2.128/25\"\n");
	assert_int_equal(
	    rollout_flatten_drift(store, later, "example.com", &fs, &err),
	    STATUS_OK);
	assert_int_equal(fs.count, 1);
	assert_int_equal(fs.items[0].code, F_SPF_FLATTEN_DRIFT);
	assert_non_null(strstr(fs.items[0].message, "include:small.test"));
	assert_non_null(strstr(fs.items[0].message, "1 ranges added"));
	findings_done(&fs);
	spf_flatten_free(f);
	spf_record_free(rec);
	store_close(store);
	dns_free(dns);
	dns_free(later);
	testenv_rmdir(dir);
	free(dir);
	free(path);
}

/* Quoting for zone files keeps strings at 255 octets. */
static void test_txt_quote(void **state)
{
	char value[600];
	char *q;

	(void)state;
	memset(value, 'x', sizeof value - 1);
	value[sizeof value - 1] = '\0';
	q = text_txt_strings(value);
	/* 599 octets: 255 + 255 + 89, three strings. */
	assert_int_equal(strlen(q), 599 + 6 + 2);
	assert_int_equal(q[256], '"');
	free(q);
	q = text_txt_strings("v=spf1 \"x\"");
	assert_string_equal(q, "\"v=spf1 \\\"x\\\"\"");
	free(q);
}

/* `spf eval --receiver`: the receiving host is %{r} in the explanation
 * a failing domain publishes (RFC 7208 6.2, 7.3); without it the text
 * says "unknown"; a receiver that is no host name is refused, exit 2. */
static void test_eval_receiver(void **state)
{
	char *dir = testenv_mkdtemp();
	char *zone = testenv_write_file(
	    dir, "example.org.zone",
	    "$ORIGIN example.org.\n$TTL 300\n"
	    "@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
	    "@ IN TXT \"v=spf1 ip4:192.0.2.0/24 -all exp=why.%{d}\"\n"
	    "why IN TXT \"%{i} may not send for %{d}; asked by %{r}\"\n");
	const char *with[] = {
		"--zone",      zone,         "--json",
		"spf",         "eval",       "example.org",
		"203.0.113.7", "--receiver", "mx1.receiver.example",
		NULL
	};
	const char *without[] = {
		"--zone", zone,          "--json",      "spf",
		"eval",   "example.org", "203.0.113.7", NULL
	};
	const char *bad[] = { "--zone",     zone,          "spf",
			      "eval",       "example.org", "203.0.113.7",
			      "--receiver", "not a host",  NULL };
	struct testenv_run run;

	(void)state;
	run = testenv_run_dmarcpilot(with, NULL);
	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, "\"result\": \"fail\""));
	assert_non_null(strstr(run.out, "\"203.0.113.7 may not send for "
					"example.org; asked by "
					"mx1.receiver.example\""));
	testenv_run_done(&run);
	run = testenv_run_dmarcpilot(without, NULL);
	assert_non_null(strstr(run.out, "asked by unknown\""));
	testenv_run_done(&run);
	run = testenv_run_dmarcpilot(bad, NULL);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "not a host"));
	testenv_run_done(&run);
	testenv_rmdir(dir);
	free(zone);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_every_term),
		cmocka_unit_test(test_parse_errors_have_columns),
		cmocka_unit_test(test_record_selection),
		cmocka_unit_test(test_macros_rfc_examples),
		cmocka_unit_test(test_macros_errors_and_truncation),
		cmocka_unit_test(test_builder_order),
		cmocka_unit_test(test_accounting_tree),
		cmocka_unit_test(test_accounting_findings),
		cmocka_unit_test(test_redirect_ignored_with_all),
		cmocka_unit_test(test_include_of_nothing_is_void),
		cmocka_unit_test(test_accounting_root),
		cmocka_unit_test(test_eval_results),
		cmocka_unit_test(test_eval_limits),
		cmocka_unit_test(test_eval_asks_once),
		cmocka_unit_test(test_eval_receiver),
		cmocka_unit_test(test_flatten_fewest),
		cmocka_unit_test(test_flatten_prefers_stable),
		cmocka_unit_test(test_flatten_splits),
		cmocka_unit_test(test_flatten_drift),
		cmocka_unit_test(test_txt_quote),
	};

	return cmocka_run_group_tests_name("spf", tests, NULL, NULL);
}
