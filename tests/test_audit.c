/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `check DOMAIN` against a real nsd: one report grouped by SPF / DKIM /
 * DMARC / MX, the --json object of DESIGN.md section 5, and the exit
 * statuses 0 (all good), 1 (errors found), 2 (resolver unreachable). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "dkim/dkim.h"
#include "spf/spf_check.h"
#include "dns/dns.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "dmarc/orgdomain.h"
#include "dns/propagate.h"
#include "providers/providers.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* A real RSA 2048 public key (generated once with openssl genpkey). */
#define DKIM_KEY                                                               \
	"\"v=DKIM1; k=rsa; "                                                   \
	"p="                                                                   \
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuh9QP2WQOo0RC0XiWvxabw7g" \
	"3fKzTGnXEz1GEhmidyGAfHacLn4KHSa6M900zjR1bvgb9ffXE2A596+"              \
	"7vI4iG4pbmE9Nul4kY9JojgS38HpuV4U156Rm0rnc01vcP5Al61j1FJhzJ+"          \
	"VYTv93hfmk88EFiJAdGElvkjLVDzBAlYbd2bhDMWzIyw+TjEBL\" "                \
	"\"obK/"                                                               \
	"cdqAlTPoat+TV84blFqexKtan+"                                           \
	"UeR6VpOs00fbohHbhPoINyhU8KIco4nzqeBkya1pyb6OiUoCWrisctmDVKk3R8RjE1n9" \
	"7nfxZEADXkLV4mOTuHbtODSrkr34yKxUidbBex+XThXghCaDDKH79HxwIDAQAB\""

struct fixture {
	struct nsd_server nsd;
	char *zones[2];
	bool up;
};

/* The parent zone: a domain with errors and one without MX. */
static char *parent_zone(void)
{
	char *pre = nsd_zone_preamble("test");
	char *z = xasprintf(
	    "%s"
	    "bad IN A 192.0.2.1\n"
	    "bad IN MX 10 mx.nowhere.bad\n"
	    "bad IN MX 20 mx2.bad\n"
	    "mx2.bad IN AAAA 2001:db8::25\n"
	    "bad IN TXT \"v=spf1 +all\"\n"
	    "nomx IN A 192.0.2.2\n"
	    "nomx IN TXT \"v=spf1 ip4:192.0.2.2 -all\"\n"
	    "default._domainkey.nomx IN TXT " DKIM_KEY "\n"
	    "_dmarc.nomx IN TXT \"v=DMARC1; p=reject; "
	    "rua=mailto:d@nomx.test\"\n"
	    /* a domain whose sending service is known by its include */
	    "prov IN TXT \"v=spf1 include:spf.acme.test -all\"\n"
	    "spf.acme IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	    "acmekey._domainkey.prov IN TXT " DKIM_KEY "\n"
	    "prov IN MX 10 in.acme-mx.test.\n"
	    "in.acme-mx IN A 192.0.2.99\n",
	    pre);

	free(pre);
	return z;
}

/* A domain with everything right, in its own zone (so it has NS). */
static char *good_zone(void)
{
	char *pre = nsd_zone_preamble("good.test");
	char *z = xasprintf("%s"
			    "@ IN A 192.0.2.5\n"
			    "@ IN MX 10 mx1\n"
			    "@ IN MX 20 mx2\n"
			    "mx1 IN A 192.0.2.25\n"
			    "mx2 IN A 192.0.2.26\n"
			    "mx2 IN AAAA 2001:db8::26\n"
			    "@ IN TXT \"v=spf1 mx -all\"\n"
			    "default._domainkey IN TXT " DKIM_KEY "\n"
			    "_dmarc IN TXT \"v=DMARC1; p=reject; "
			    "rua=mailto:dmarc@good.test\"\n",
			    pre);

	free(pre);
	return z;
}

/* Starts nsd with both zones. */
static int group_setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	struct nsd_zone zones[2];

	*state = fx;
	if (!nsd_available())
		return 0;
	fx->zones[0] = parent_zone();
	fx->zones[1] = good_zone();
	zones[0].name = "test";
	zones[0].text = fx->zones[0];
	zones[1].name = "good.test";
	zones[1].text = fx->zones[1];
	if (!nsd_start(&fx->nsd, zones, 2))
		return -1;
	fx->up = true;
	return 0;
}

/* Stops nsd. */
static int group_teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->up)
		nsd_stop(&fx->nsd);
	free(fx->zones[0]);
	free(fx->zones[1]);
	free(fx);
	return 0;
}

/* Runs `dmarcpilot --resolver NSD [--json] check DOMAIN`. */
static struct testenv_run run_check(struct fixture *fx, bool json,
				    const char *domain)
{
	const char *args[] = { "--resolver",
			       fx->nsd.address,
			       json ? "--json" : "check",
			       json ? "check" : domain,
			       json ? domain : NULL,
			       NULL };

	return testenv_run_dmarcpilot(args, NULL);
}

/* The position of needle in hay, or -1. */
static long where(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);

	return p ? p - hay : -1;
}

/* Everything right: exit 0; the report's parts in order with the
 * record, MX hosts and their addresses. */
static void test_good_domain(void **state)
{
	struct fixture *fx = *state;
	struct testenv_run run;

	if (!fx->up)
		skip();
	run = run_check(fx, false, "good.test");
	assert_int_equal(run.status, 0);
	assert_true(where(run.out, "\nSPF\n") >= 0);
	assert_true(where(run.out, "\nSPF\n") < where(run.out, "\nDKIM\n"));
	assert_true(where(run.out, "\nDKIM\n") < where(run.out, "\nDMARC\n"));
	assert_true(where(run.out, "\nDMARC\n") < where(run.out, "\nMX\n"));
	assert_true(where(run.out, "v=DMARC1; p=reject; "
				   "rua=mailto:dmarc@good.test") >= 0);
	assert_true(where(run.out, "10 mx1.good.test (192.0.2.25)") >= 0);
	assert_true(where(run.out, "20 mx2.good.test (192.0.2.26, "
				   "2001:db8::26)") >= 0);
	assert_true(where(run.out, "ns1.good.test (127.0.0.1)") >= 0);
	assert_true(where(run.out, "Lookups:  1 of 10") >= 0);
	assert_true(where(run.out, "default._domainkey.good.test: rsa, "
				   "2048 bits") >= 0);
	testenv_run_done(&run);
}

/* Errors: no DMARC, an MX host without addresses; exit 1, each finding
 * with its advice. */
static void test_domain_with_errors(void **state)
{
	struct fixture *fx = *state;
	struct testenv_run run;

	if (!fx->up)
		skip();
	run = run_check(fx, false, "bad.test");
	assert_int_equal(run.status, 1);
	assert_true(where(run.out, "dmarc.missing") >
		    where(run.out, "\nDMARC\n"));
	assert_true(where(run.out, "mx.unresolvable") >
		    where(run.out, "\nMX\n"));
	assert_true(where(run.out, "mx.nowhere.bad.test") >= 0);
	assert_true(where(run.out, "spf.plus_all") >= 0);
	assert_true(where(run.out, "spf.plus_all") <
		    where(run.out, "\nDKIM\n"));
	assert_true(where(run.out, "dkim.missing") >
		    where(run.out, "\nDKIM\n"));
	/* mx2 has an AAAA only: it resolves. */
	assert_int_equal(
	    where(strstr(run.out, "mx.unresolvable") + 1, "mx.unresolvable"),
	    -1);
	assert_true(where(run.out, "What to do: Publish the first rung") >= 0);
	testenv_run_done(&run);
}

/* The JSON object has the fixed keys; findings carry code, severity,
 * message. */
static void test_json(void **state)
{
	struct fixture *fx = *state;
	struct testenv_run run;
	json_error_t jerr;
	json_t *o, *findings, *mx;
	size_t i;
	json_t *f;
	bool missing = false;

	if (!fx->up)
		skip();
	run = run_check(fx, true, "bad.test");
	assert_int_equal(run.status, 1);
	o = json_loads(run.out, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "domain")),
			    "bad.test");
	assert_non_null(json_object_get(o, "spf"));
	assert_true(json_is_array(json_object_get(o, "dkim")));
	assert_true(json_is_object(json_object_get(o, "dmarc")));
	mx = json_object_get(o, "mx");
	assert_true(json_is_object(mx));
	assert_int_equal(json_array_size(json_object_get(mx, "hosts")), 2);
	findings = json_object_get(o, "findings");
	assert_true(json_is_array(findings));
	json_array_foreach(findings, i, f)
	{
		assert_non_null(json_string_value(json_object_get(f, "code")));
		assert_non_null(
		    json_string_value(json_object_get(f, "severity")));
		assert_non_null(
		    json_string_value(json_object_get(f, "message")));
		if (!strcmp(json_string_value(json_object_get(f, "code")),
			    "dmarc.missing"))
			missing = true;
	}
	assert_true(missing);
	json_decref(o);
	testenv_run_done(&run);

	/* No MX: a warning, not an error; exit 0. */
	run = run_check(fx, true, "nomx.test");
	assert_int_equal(run.status, 0);
	assert_true(where(run.out, "\"mx.missing\"") >= 0);
	testenv_run_done(&run);
}

/* The engine call: every part answered from one resolver run. */
static void test_engine(void **state)
{
	struct fixture *fx = *state;
	struct dns_live_options o = { 0 };
	struct err err = ERR_INIT;
	struct orgdomain *od;
	struct dns *dns;
	struct audit *a;

	if (!fx->up)
		skip();
	o.servers = fx->nsd.address;
	assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_OK);
	od = orgdomain_new();
	a = audit_run(dns, od, "GOOD.test.", NULL);
	assert_int_equal(a->status, STATUS_OK);
	assert_string_equal(a->domain, "good.test");
	assert_int_equal(a->nmx, 2);
	assert_int_equal(a->nns, 1);
	assert_string_equal(a->ns[0].host, "ns1.good.test");
	assert_non_null(a->dmarc);
	assert_string_equal(a->dmarc->source, "_dmarc.good.test");
	assert_int_equal(dns_pending(dns), 0);
	audit_free(a);
	orgdomain_free(od);
	dns_free(dns);
}

/* The DKIM selector of a service seen only in the SPF include is
 * probed too (second batch), and the SPF tree is counted. */
static void test_engine_provider_selectors(void **state)
{
	static const char ini[] = "[acme]\n"
				  "name = Acme Mail\n"
				  "category = transactional\n"
				  "spf = include:spf.acme.test\n"
				  "dkim_selectors = acmekey\n"
				  "dkim = TXT at acmekey._domainkey\n"
				  "mx = acme-mx.test\n"
				  "envelope = no\n"
				  "docs = https://acme.example/docs\n";
	struct fixture *fx = *state;
	struct dns_live_options o = { 0 };
	struct audit_options ao = { 0 };
	struct providers *providers = NULL;
	struct err err = ERR_INIT;
	struct orgdomain *od;
	struct dns *dns;
	struct audit *a;

	if (!fx->up)
		skip();
	if (providers_load_buffer(&providers, ini, sizeof ini - 1, "t.ini",
				  &err) != STATUS_OK)
		fail_msg("%s", err_message(&err));
	o.servers = fx->nsd.address;
	assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_OK);
	od = orgdomain_new();
	ao.providers = providers;
	a = audit_run(dns, od, "prov.test", &ao);
	assert_int_equal(a->status, STATUS_OK);
	assert_non_null(a->spf);
	assert_int_equal(a->spf->lookups, 1);
	assert_int_equal(a->ndkim, 1);
	assert_string_equal(a->dkim[0].selector, "acmekey");
	assert_int_equal(a->dkim[0].key.bits, 2048);
	assert_int_equal(a->dkim_probed, DKIM_COMMON_SELECTORS_COUNT + 1);
	assert_false(findings_has(&a->dkim_findings, F_DKIM_MISSING));
	audit_free(a);

	/* Without the catalogue only the common selectors are asked. */
	a = audit_run(dns, od, "prov.test", NULL);
	assert_int_equal(a->ndkim, 0);
	assert_true(findings_has(&a->dkim_findings, F_DKIM_MISSING));
	audit_free(a);
	providers_free(providers);
	orgdomain_free(od);
	dns_free(dns);
}

/* A zone with its own SOA serial, for the name-server comparison. */
static char *serial_zone(const char *serial)
{
	return xasprintf("$ORIGIN ser.test.\n$TTL 300\n"
			 "@ IN SOA ns1 hostmaster %s 3600 600 86400 300\n"
			 "@ IN NS ns1\n@ IN NS ns2\n"
			 "ns1 IN A 127.0.0.1\nns2 IN A 127.0.0.1\n"
			 "@ IN TXT \"v=spf1 -all\"\n",
			 serial);
}

/* Audits DOMAIN through the nsd server, asking the zone serials of
 * exactly the servers given (or through NS on the server's port). */
static struct audit *audit_with_servers(const struct nsd_server *nsd,
					const char *domain, const char *servers)
{
	struct dns_live_options o = { .servers = nsd->address };
	struct propagate_options po = { .servers = servers, .port = nsd->port };
	struct audit_options ao = { .ns_servers = &po };
	struct err err = ERR_INIT;
	struct orgdomain *od = orgdomain_new();
	struct dns *dns;
	struct audit *a;

	assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_OK);
	a = audit_run(dns, od, domain, &ao);
	dns_free(dns);
	orgdomain_free(od);
	return a;
}

/* The message of the first finding with code, or "". */
static const char *finding_message(const struct findings *f,
				   enum finding_code code)
{
	for (size_t i = 0; i < f->count; i++)
		if (f->items[i].code == code)
			return f->items[i].message;
	return "";
}

/* dns.ns_disagree: a secondary that lags behind the primary serves an
 * older SOA serial; a server that refuses the zone is a lame
 * delegation; servers at the same serial give no finding. */
static void test_ns_serials(void **state)
{
	struct fixture *fx = *state;
	/* static: nsd_stop_all() reaches them at exit after a failure */
	static struct nsd_server primary, lagging, lame;
	char *newer = serial_zone("2026112301");
	char *older = serial_zone("2026112201");
	struct nsd_zone zp = { "ser.test", newer };
	struct nsd_zone zl = { "ser.test", older };
	struct nsd_zone zo = { "good.test", fx->zones[1] };
	char *servers;
	struct audit *a;
	const char *msg;

	if (!fx->up)
		skip();
	assert_true(nsd_start(&primary, &zp, 1));
	assert_true(nsd_start(&lagging, &zl, 1));
	assert_true(nsd_start(&lame, &zo, 1));

	/* The fixture's server does not hold ser.test: the primary
	 * answers the audit's own queries. */
	servers = xasprintf("%s,%s", primary.address, lagging.address);
	a = audit_with_servers(&primary, "ser.test", servers);
	assert_int_equal(a->status, STATUS_OK);
	assert_non_null(a->soa);
	assert_int_equal(a->soa->count, 2);
	assert_true(findings_has(&a->ns_findings, F_DNS_NS_DISAGREE));
	msg = finding_message(&a->ns_findings, F_DNS_NS_DISAGREE);
	assert_non_null(strstr(msg, "2026112301"));
	assert_non_null(strstr(msg, "2026112201"));
	assert_non_null(strstr(msg, lagging.address));
	audit_free(a);
	free(servers);

	/* The same serial twice: nothing to say. */
	servers = xasprintf("%s,%s", primary.address, primary.address);
	a = audit_with_servers(&primary, "ser.test", servers);
	assert_int_equal(a->soa->count, 2);
	assert_true(a->soa->servers[0].has_serial);
	assert_int_equal(a->soa->servers[0].serial, 2026112301);
	assert_false(findings_has(&a->ns_findings, F_DNS_NS_DISAGREE));
	audit_free(a);
	free(servers);

	/* A listed server that does not serve the zone at all. */
	servers = xasprintf("%s,%s", primary.address, lame.address);
	a = audit_with_servers(&primary, "ser.test", servers);
	msg = finding_message(&a->ns_findings, F_DNS_NS_DISAGREE);
	assert_non_null(strstr(msg, "lame"));
	assert_non_null(strstr(msg, lame.address));
	audit_free(a);
	free(servers);

	nsd_stop(&primary);
	nsd_stop(&lagging);
	nsd_stop(&lame);
	free(newer);
	free(older);
}

/* Through NS: good.test's one server is found and its serial shown;
 * for mx1.good.test, not a zone apex, the serials are those of its
 * zone. */
static void test_ns_serials_walk(void **state)
{
	struct fixture *fx = *state;
	struct audit *a;

	if (!fx->up)
		skip();
	a = audit_with_servers(&fx->nsd, "good.test", NULL);
	assert_non_null(a->soa);
	assert_string_equal(a->soa->name, "good.test");
	assert_int_equal(a->soa->count, 1);
	assert_string_equal(a->soa->servers[0].host, "ns1.good.test");
	assert_true(a->soa->servers[0].has_serial);
	assert_int_equal(a->soa->servers[0].serial, 1);
	assert_int_equal(a->ns_findings.count, 0);
	audit_free(a);

	a = audit_with_servers(&fx->nsd, "mx1.good.test", NULL);
	assert_non_null(a->soa);
	assert_string_equal(a->soa->name, "good.test");
	assert_int_equal(a->soa->count, 1);
	assert_true(a->soa->servers[0].has_serial);
	audit_free(a);
}

/* A resolver that does not answer: exit 2 with one line naming it. */
static void test_unreachable(void **state)
{
	const char *args[] = { "--resolver", "127.0.0.1:1", "--timeout", "1",
			       "check",      "example.com", NULL };
	struct testenv_run run = testenv_run_dmarcpilot(args, NULL);

	(void)state;
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "127.0.0.1:1"));
	assert_null(strchr(strchr(run.err, '\n') + 1, '\n'));
	assert_string_equal(run.out, "");
	testenv_run_done(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_domain),
		cmocka_unit_test(test_domain_with_errors),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_engine),
		cmocka_unit_test(test_engine_provider_selectors),
		cmocka_unit_test(test_ns_serials),
		cmocka_unit_test(test_ns_serials_walk),
		cmocka_unit_test(test_unreachable),
	};

	return cmocka_run_group_tests_name("audit", tests, group_setup,
					   group_teardown);
}
