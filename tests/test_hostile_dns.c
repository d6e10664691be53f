/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hostile zones served by a real nsd: what a domain's owner can publish
 * to attack someone else's audit. A NUL octet inside a TXT string (RFC
 * 1035 allows any octet) must neither cut the record nor let the copy
 * read past it: every view prints the whole record with the NUL as
 * \000 and says it does not parse. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "dns/propagate.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* The records, as a zone file writes them. */
static const char zone_body[] =
    "@ IN MX 10 mx\n"
    "mx IN A 192.0.2.25\n"
    "@ IN TXT \"v=spf1 ip4:192.0.2.0/24\\000 -all\"\n"
    "_dmarc IN TXT \"v=DMARC1; p=none\\000"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"\n"
    "s1._domainkey IN TXT \"v=DKIM1; k=rsa; p=MII\\000BBBB\"\n"
    "ptr IN PTR evil\\000name.nul.test.\n";

struct fixture {
	char *dir;
	char *zone;
	char *xdg;
	struct nsd_server nsd;
};

/* Starts nsd with the hostile zone. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *pre = nsd_zone_preamble("nul.test");
	struct nsd_zone z;

	*state = f;
	f->dir = testenv_mkdtemp();
	f->zone = xasprintf("%s%s", pre, zone_body);
	f->xdg = xasprintf("XDG_DATA_HOME=%s", f->dir);
	free(pre);
	if (!nsd_available())
		return 0;
	z.name = "nul.test";
	z.text = f->zone;
	return nsd_start(&f->nsd, &z, 1) ? 0 : -1;
}

/* Stops nsd. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->nsd.pid)
		nsd_stop(&f->nsd);
	testenv_rmdir(f->dir);
	free(f->dir);
	free(f->zone);
	free(f->xdg);
	free(f);
	return 0;
}

/* Runs the binary against the fixture's nsd. */
static struct testenv_run run(const struct fixture *f, const char *cmd,
			      const char *a1, const char *a2, bool json)
{
	const char *env[] = { f->xdg, NULL };
	const char *args[10];
	size_t n = 0;

	if (json)
		args[n++] = "--json";
	args[n++] = "--resolver";
	args[n++] = f->nsd.address;
	args[n++] = "--timeout";
	args[n++] = "5";
	args[n++] = cmd;
	if (a1)
		args[n++] = a1;
	if (a2)
		args[n++] = a2;
	args[n] = NULL;
	return testenv_run_dmarcpilot(args, env);
}

/* Counts the occurrences of needle in hay. */
static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* `check --json` shows each record whole, NUL escaped, nothing after
 * it, and a syntax finding for each. */
static void test_check_json(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;

	if (!nsd_available())
		skip();
	r = run(f, "check", "nul.test", NULL, true);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "\"record\": \"v=DMARC1; p=none\\\\000"
				      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
				      "AAAAAAAAAAAAAAAAAAAAAAAA\","));
	assert_non_null(strstr(r.out, "\"record\": \"v=spf1 "
				      "ip4:192.0.2.0/24\\\\000 -all\""));
	assert_non_null(strstr(r.out, "\"record\": \"v=DKIM1; k=rsa; "
				      "p=MII\\\\000BBBB\""));
	assert_non_null(strstr(r.out, "\"code\": \"dmarc.syntax\""));
	assert_non_null(strstr(r.out, "\"code\": \"spf.syntax\""));
	assert_non_null(strstr(r.out, "\"code\": \"dkim.syntax\""));
	/* A record that does not parse gets no advice on its tags. */
	assert_null(strstr(r.out, "dmarc.policy_none"));
	/* Only the records' own bytes: the heap after them never shows. */
	assert_int_equal(count(r.out, "v=DMARC1; p=none"),
			 count(r.out, "v=DMARC1; p=none\\\\000AAAA"));
	testenv_run_done(&r);
}

/* The text views print the record the same way. */
static void test_text_views(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;

	if (!nsd_available())
		skip();
	r = run(f, "dmarc", "check", "nul.test", false);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "Record:   v=DMARC1; p=none\\000AAAA"));
	assert_non_null(strstr(r.out, "NUL octet"));
	testenv_run_done(&r);
	r = run(f, "spf", "check", "nul.test", false);
	assert_non_null(strstr(r.out, "ip4:192.0.2.0/24\\000 -all"));
	assert_non_null(strstr(r.out, "NUL octet"));
	testenv_run_done(&r);
	{
		const char *env[] = { f->xdg, NULL };
		const char *args[] = {
			"--resolver", f->nsd.address, "--timeout", "5", "dkim",
			"check",      "nul.test",     "s1",        NULL
		};

		r = testenv_run_dmarcpilot(args, env);
	}
	assert_non_null(strstr(r.out, "p=MII\\000BBBB"));
	assert_non_null(strstr(r.out, "NUL octet"));
	testenv_run_done(&r);
}

/* A PTR name with a NUL label comes back in presentation form, and the
 * propagation view shows a different TXT value whole. */
static void test_ptr_and_propagation(void **state)
{
	struct fixture *f = *state;
	struct dns_live_options o = { .servers = f->nsd.address, .timeout = 5 };
	struct propagate_options po = { .servers = f->nsd.address,
					.timeout = 5 };
	struct propagate_result *pr = NULL;
	struct err err = ERR_INIT;
	struct dns *dns = NULL;
	struct dns_answer *a;

	if (!nsd_available())
		skip();
	assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_OK);
	a = dns_query_sync(dns, "ptr.nul.test", DNS_T_PTR);
	assert_int_equal(a->result, DNS_DATA);
	assert_string_equal(a->rrs[0].u.host, "evil\\000name.nul.test");
	dns_answer_free(a);
	assert_int_equal(propagate_check(dns, "_dmarc.nul.test", DNS_T_TXT,
					 "v=DMARC1; p=none", &po, &pr, &err),
			 STATUS_OK);
	assert_int_equal(pr->count, 1);
	assert_int_equal(pr->servers[0].state, PROPAGATE_DIFFERENT);
	assert_int_equal(pr->servers[0].nvalues, 1);
	assert_string_equal(pr->servers[0].values[0],
			    "v=DMARC1; p=none\\000AAAAAAAAAAAAAAAAAAAAAAAAAAA"
			    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	propagate_result_free(pr);
	dns_free(dns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_json),
		cmocka_unit_test(test_text_views),
		cmocka_unit_test(test_ptr_and_propagation),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
