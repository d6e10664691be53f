/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DMARC discovery against a real nsd on 127.0.0.1: the record that
 * applies to a name and where it came from, inheritance, the RFC 9989
 * tree walk with psd=, several records, invalid tags, external report
 * destinations, and `dmarc check` with its exit statuses. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "dns/dns.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "dmarc/orgdomain.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* One record per invalid tag: _dmarc.bad-N.test. */
static const struct {
	const char *tag;
	const char *record;
} bad_tags[] = {
	{ "p", "v=DMARC1; p=block; rua=mailto:d@bad.test" },
	{ "sp", "v=DMARC1; p=none; sp=bounce; rua=mailto:d@bad.test" },
	{ "np", "v=DMARC1; p=none; np=drop; rua=mailto:d@bad.test" },
	{ "pct", "v=DMARC1; p=none; pct=150; rua=mailto:d@bad.test" },
	{ "rua", "v=DMARC1; p=none; rua=dmarc@bad.test" },
	{ "ruf", "v=DMARC1; p=none; rua=mailto:d@bad.test; "
		 "ruf=mailto:f@bad.test!5q" },
	{ "adkim", "v=DMARC1; p=none; adkim=x; rua=mailto:d@bad.test" },
	{ "aspf", "v=DMARC1; p=none; aspf=strict; rua=mailto:d@bad.test" },
	{ "fo", "v=DMARC1; p=none; fo=0:x; rua=mailto:d@bad.test" },
	{ "rf", "v=DMARC1; p=none; rf=iodef; rua=mailto:d@bad.test" },
	{ "ri", "v=DMARC1; p=none; ri=1h; rua=mailto:d@bad.test" },
	{ "t", "v=DMARC1; p=none; t=true; rua=mailto:d@bad.test" },
	{ "psd", "v=DMARC1; p=none; psd=1; rua=mailto:d@bad.test" },
};

#define NBAD (sizeof bad_tags / sizeof bad_tags[0])

/* The one zone ("test") that every case lives in, so that the walk up to
 * _dmarc.test is answered by the same server. */
static char *zone_text(void)
{
	char *pre = nsd_zone_preamble("test");
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, pre);
	free(pre);
	strbuf_addstr(
	    &sb,
	    /* no DMARC anywhere */
	    "nodmarc IN A 192.0.2.1\n"
	    "_dmarc.nodmarc IN TXT \"v=spf1 -all\"\n"
	    /* a parent's record, its sp and np */
	    "inherit IN A 192.0.2.2\n"
	    "sub.inherit IN A 192.0.2.3\n"
	    "_dmarc.inherit IN TXT \"v=DMARC1; p=reject; sp=quarantine; "
	    "np=reject; rua=mailto:d@inherit.test\"\n"
	    /* two records */
	    "two IN A 192.0.2.4\n"
	    "_dmarc.two IN TXT \"v=DMARC1; p=none; rua=mailto:a@two.test\"\n"
	    "_dmarc.two IN TXT \"v=DMARC1; p=reject; rua=mailto:a@two.test\"\n"
	    "_dmarc.two IN TXT \"some other text\"\n"
	    /* everything right */
	    "good IN A 192.0.2.5\n"
	    "good IN MX 10 mx.good\n"
	    "mx.good IN A 192.0.2.25\n"
	    "_dmarc.good IN TXT \"v=DMARC1; p=reject; \" "
	    "\"rua=mailto:dmarc@good.test\"\n"
	    /* external destinations: authorized, not, by wildcard */
	    "ext-ok IN A 192.0.2.6\n"
	    "_dmarc.ext-ok IN TXT \"v=DMARC1; p=none; "
	    "rua=mailto:d@ext-ok.test,mailto:agg@reports.test!10m\"\n"
	    "ext-ok.test._report._dmarc.reports IN TXT \"v=DMARC1\"\n"
	    "ext-no IN A 192.0.2.7\n"
	    "_dmarc.ext-no IN TXT \"v=DMARC1; p=none; "
	    "rua=mailto:agg@reports.test; ruf=mailto:f@reports.test\"\n"
	    "ext-wild IN A 192.0.2.8\n"
	    "_dmarc.ext-wild IN TXT \"v=DMARC1; p=none; "
	    "rua=mailto:x@wild.test\"\n"
	    "*._report._dmarc.wild IN TXT \"v=DMARC1\"\n"
	    "reports IN A 192.0.2.9\n"
	    /* the tree walk: 11 labels; the 10-label record is above the
	     * walk's start (7 labels) and never asked */
	    "a.b.c.d.e.f.g.h.i.deep IN A 192.0.2.10\n"
	    "_dmarc.b.c.d.e.f.g.h.i.deep IN TXT \"v=DMARC1; p=none\"\n"
	    "_dmarc.g.h.i.deep IN TXT \"v=DMARC1; p=quarantine; "
	    "rua=mailto:d@deep.test\"\n"
	    /* psd=n makes corp.psd.test the organizational domain;
	     * psd=y at psd.test makes other.psd.test one */
	    "mail.corp.psd IN A 192.0.2.11\n"
	    "_dmarc.corp.psd IN TXT \"v=DMARC1; p=reject; psd=n; "
	    "rua=mailto:d@corp.psd.test\"\n"
	    "_dmarc.psd IN TXT \"v=DMARC1; p=none; psd=y; "
	    "rua=mailto:d@psd.test\"\n"
	    "x.other.psd IN A 192.0.2.12\n");
	for (size_t i = 0; i < NBAD; i++)
		strbuf_addf(&sb,
			    "bad-%zu IN A 192.0.2.20\n"
			    "_dmarc.bad-%zu IN TXT \"%s\"\n",
			    i, i, bad_tags[i].record);
	return strbuf_detach(&sb);
}

struct fixture {
	struct nsd_server nsd;
	char *zone;
	struct dns *dns;
	struct orgdomain *od;
};

/* Starts nsd once for the group. */
static int group_setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	struct nsd_zone zones[1];

	*state = fx;
	if (!nsd_available())
		return 0;
	fx->zone = zone_text();
	zones[0].name = "test";
	zones[0].text = fx->zone;
	if (!nsd_start(&fx->nsd, zones, 1))
		return -1;
	fx->od = orgdomain_new();
	return fx->od ? 0 : -1;
}

/* Stops nsd. */
static int group_teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->zone)
		nsd_stop(&fx->nsd);
	orgdomain_free(fx->od);
	free(fx->zone);
	free(fx);
	return 0;
}

/* A live resolver on the fixture's nsd. */
static struct dns *live(struct fixture *fx)
{
	struct dns_live_options o = { .servers = fx->nsd.address,
				      .timeout = 5 };
	struct dns *dns = NULL;
	struct err err = ERR_INIT;

	assert_int_equal(dns_new_live(&dns, &o, &err), STATUS_OK);
	return dns;
}

/* Discovers a name's policy through nsd. */
static struct dmarc_result *discover(struct fixture *fx, const char *name)
{
	struct dns *dns = live(fx);
	struct dmarc_discovery *d = dmarc_discover(dns, fx->od, name, 0);
	struct dmarc_result *r;

	assert_int_equal(dns_run(dns), STATUS_OK);
	r = dmarc_discovery_take(d);
	assert_non_null(r);
	dmarc_discovery_free(d);
	dns_free(dns);
	return r;
}

/* Counts findings of a code. */
static size_t count_code(const struct findings *f, enum finding_code code)
{
	size_t n = 0;

	for (size_t i = 0; i < f->count; i++)
		n += f->items[i].code == code;
	return n;
}

/* Skips when nsd is not installed. */
/* clang-format off */
#define NEED_NSD(fx)                  \
	do {                          \
		if (!(fx)->zone)      \
			skip();       \
	} while (0)
/* clang-format on */

/* No record at the name or above: dmarc.missing, nothing applies. */
static void test_no_dmarc(void **state)
{
	struct fixture *fx = *state;
	struct dmarc_result *r;

	NEED_NSD(fx);
	r = discover(fx, "nodmarc.test");
	if (r->status != STATUS_OK)
		fail_msg("%s", r->error);
	assert_null(r->record);
	assert_null(r->source);
	assert_int_equal(r->policy, DMARC_POLICY_UNSET);
	assert_int_equal(count_code(&r->findings, F_DMARC_MISSING), 1);
	/* The SPF text at _dmarc is named as not being DMARC. */
	assert_int_equal(count_code(&r->findings, F_DMARC_SYNTAX), 1);
	assert_int_equal(r->nwalk, 2);
	assert_string_equal(r->walk[0].name, "nodmarc.test");
	assert_string_equal(r->walk[1].name, "test");
	assert_string_equal(r->walk[1].result, "nxdomain");
	dmarc_result_free(r);
}

/* A subdomain inherits its parent's sp; a name that does not exist its
 * np. */
static void test_inherited(void **state)
{
	struct fixture *fx = *state;
	struct dmarc_result *r;

	NEED_NSD(fx);
	r = discover(fx, "sub.inherit.test");
	assert_non_null(r->record);
	assert_string_equal(r->source, "_dmarc.inherit.test");
	assert_true(r->inherited);
	assert_true(r->exists);
	assert_int_equal(r->policy, DMARC_POLICY_QUARANTINE);
	assert_int_equal(count_code(&r->findings, F_DMARC_INHERITED), 1);
	assert_int_equal(count_code(&r->findings, F_DMARC_MISSING), 0);
	assert_string_equal(r->org_domain, "inherit.test");
	dmarc_result_free(r);

	r = discover(fx, "gone.inherit.test");
	assert_true(r->inherited);
	assert_false(r->exists);
	assert_int_equal(r->policy, DMARC_POLICY_REJECT);
	dmarc_result_free(r);

	/* The parent itself: its own record, not inherited. */
	r = discover(fx, "inherit.test");
	assert_false(r->inherited);
	assert_int_equal(r->policy, DMARC_POLICY_REJECT);
	assert_int_equal(r->findings.count, 1);
	assert_int_equal(r->findings.items[0].code, F_DMARC_SP_WEAKER);
	dmarc_result_free(r);
}

/* Two DMARC records: receivers ignore both, so nothing applies. */
static void test_two_records(void **state)
{
	struct fixture *fx = *state;
	struct dmarc_result *r;

	NEED_NSD(fx);
	r = discover(fx, "two.test");
	assert_int_equal(count_code(&r->findings, F_DMARC_MULTIPLE), 1);
	assert_int_equal(count_code(&r->findings, F_DMARC_MISSING), 1);
	assert_null(r->record);
	assert_int_equal(r->walk[0].records, 2);
	dmarc_result_free(r);
}

/* Each invalid tag, as published, is named in a dmarc.syntax finding. */
static void test_each_invalid_tag(void **state)
{
	struct fixture *fx = *state;
	struct dns *dns;
	struct dmarc_discovery *d[NBAD];

	NEED_NSD(fx);
	dns = live(fx);
	for (size_t i = 0; i < NBAD; i++) {
		char *name = xasprintf("bad-%zu.test", i);

		d[i] = dmarc_discover(dns, fx->od, name, 0);
		free(name);
	}
	assert_int_equal(dns_run(dns), STATUS_OK);
	for (size_t i = 0; i < NBAD; i++) {
		const struct dmarc_result *r = dmarc_discovery_result(d[i]);
		char *needle = xasprintf("tag %s=", bad_tags[i].tag);
		size_t hits = 0;

		assert_non_null(r);
		assert_non_null(r->record);
		for (size_t k = 0; k < r->findings.count; k++) {
			const struct finding *f = &r->findings.items[k];

			if (f->code != F_DMARC_SYNTAX)
				continue;
			if (!strstr(f->message, needle))
				fail_msg("%s: \"%s\"", bad_tags[i].tag,
					 f->message);
			assert_string_equal(f->record, bad_tags[i].record);
			hits++;
		}
		if (hits != 1)
			fail_msg("%s: %zu syntax findings", bad_tags[i].tag,
				 hits);
		free(needle);
		dmarc_discovery_free(d[i]);
	}
	dns_free(dns);
}

/* Report destinations in another organization must authorize. */
static void test_external_destinations(void **state)
{
	struct fixture *fx = *state;
	struct dmarc_result *r;

	NEED_NSD(fx);
	r = discover(fx, "ext-ok.test");
	assert_int_equal(r->ndests, 2);
	assert_int_equal(r->dests[0].state, DMARC_DEST_SAME_ORG);
	assert_null(r->dests[0].query);
	assert_int_equal(r->dests[1].state, DMARC_DEST_AUTHORIZED);
	assert_string_equal(r->dests[1].query,
			    "ext-ok.test._report._dmarc.reports.test");
	assert_int_equal(count_code(&r->findings, F_DMARC_RUA_UNAUTHORIZED), 0);
	dmarc_result_free(r);

	r = discover(fx, "ext-no.test");
	assert_int_equal(r->ndests, 2);
	assert_int_equal(r->dests[0].state, DMARC_DEST_UNAUTHORIZED);
	assert_int_equal(r->dests[1].state, DMARC_DEST_UNAUTHORIZED);
	assert_int_equal(count_code(&r->findings, F_DMARC_RUA_UNAUTHORIZED), 2);
	dmarc_result_free(r);

	/* *._report._dmarc.wild.test answers for every domain. */
	r = discover(fx, "ext-wild.test");
	assert_int_equal(r->dests[0].state, DMARC_DEST_AUTHORIZED);
	dmarc_result_free(r);
}

/* RFC 9989 4.10: at most 7 labels after the first query; the record
 * nearest below that applies. */
static void test_tree_walk_label_limit(void **state)
{
	struct fixture *fx = *state;
	struct dmarc_result *r;

	NEED_NSD(fx);
	r = discover(fx, "a.b.c.d.e.f.g.h.i.deep.test");
	assert_string_equal(r->walk[1].name, "e.f.g.h.i.deep.test");
	assert_string_equal(r->source, "_dmarc.g.h.i.deep.test");
	assert_int_equal(r->policy, DMARC_POLICY_QUARANTINE);
	assert_true(r->inherited);
	assert_string_equal(r->org_domain, "deep.test");
	/* No psd= anywhere: the record with the fewest labels. */
	assert_string_equal(r->tree_org_domain, "g.h.i.deep.test");
	for (size_t i = 0; i < r->nwalk; i++)
		assert_string_not_equal(r->walk[i].name,
					"b.c.d.e.f.g.h.i.deep.test");
	dmarc_result_free(r);
}

/* psd=n and psd=y decide the tree walk's organizational domain. */
static void test_tree_walk_psd(void **state)
{
	struct fixture *fx = *state;
	struct dmarc_result *r;

	NEED_NSD(fx);
	r = discover(fx, "mail.corp.psd.test");
	assert_string_equal(r->source, "_dmarc.corp.psd.test");
	assert_string_equal(r->tree_org_domain, "corp.psd.test");
	assert_string_equal(r->org_domain, "psd.test");
	dmarc_result_free(r);

	r = discover(fx, "x.other.psd.test");
	assert_string_equal(r->source, "_dmarc.psd.test");
	assert_string_equal(r->tree_org_domain, "other.psd.test");
	assert_int_equal(r->policy, DMARC_POLICY_NONE);
	dmarc_result_free(r);
}

/* Runs `dmarcpilot --resolver NSD ARGS...`. */
static struct testenv_run run_cli(struct fixture *fx, const char *a1,
				  const char *a2, const char *a3,
				  const char *a4)
{
	const char *args[] = { "--resolver", fx->nsd.address, a1, a2, a3, a4,
			       NULL };

	return testenv_run_dmarcpilot(args, NULL);
}

/* dmarc check: 0 when all is right, 1 with errors, JSON keys. */
static void test_cli_exit_statuses(void **state)
{
	struct fixture *fx = *state;
	struct testenv_run run;
	json_error_t jerr;
	json_t *o;

	NEED_NSD(fx);
	run = run_cli(fx, "dmarc", "check", "good.test", NULL);
	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, "v=DMARC1; p=reject; "
					"rua=mailto:dmarc@good.test"));
	assert_non_null(strstr(run.out, "_dmarc.good.test"));
	assert_non_null(strstr(run.out, "9 of 9"));
	testenv_run_done(&run);

	run = run_cli(fx, "dmarc", "check", "nodmarc.test", NULL);
	assert_int_equal(run.status, 1);
	assert_non_null(strstr(run.out, "dmarc.missing"));
	testenv_run_done(&run);

	run = run_cli(fx, "--json", "dmarc", "check", "sub.inherit.test");
	assert_int_equal(run.status, 0);
	o = json_loads(run.out, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "domain")),
			    "sub.inherit.test");
	assert_string_equal(json_string_value(json_object_get(o, "source")),
			    "_dmarc.inherit.test");
	assert_string_equal(json_string_value(json_object_get(o, "policy")),
			    "quarantine");
	/* The record's own p=reject is the last rung. */
	assert_string_equal(json_string_value(json_object_get(o, "rung")),
			    "r100");
	assert_true(json_is_true(json_object_get(o, "inherited")));
	assert_true(json_is_array(json_object_get(o, "findings")));
	json_decref(o);
	testenv_run_done(&run);

	run = run_cli(fx, "--json", "dmarc", "check", "ext-no.test");
	assert_int_equal(run.status, 1);
	assert_non_null(strstr(run.out, "\"dmarc.rua_unauthorized\""));
	testenv_run_done(&run);
}

/* A resolver that does not answer: exit 2, naming it. */
static void test_cli_unreachable(void **state)
{
	const char *args[] = {
		"--resolver", "127.0.0.1:1", "--timeout",   "1",
		"dmarc",      "check",       "example.com", NULL
	};
	struct testenv_run run = testenv_run_dmarcpilot(args, NULL);

	(void)state;
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "127.0.0.1:1"));
	assert_null(strchr(strchr(run.err, '\n') + 1, '\n'));
	testenv_run_done(&run);
}

/* A name that cannot be one: exit 2 before any query. */
static void test_cli_bad_name(void **state)
{
	const char *args[] = { "--resolver", "127.0.0.1:1",   "dmarc",
			       "check",      "exa mple..com", NULL };
	struct testenv_run run = testenv_run_dmarcpilot(args, NULL);

	(void)state;
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "exa mple..com"));
	testenv_run_done(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_dmarc),
		cmocka_unit_test(test_inherited),
		cmocka_unit_test(test_two_records),
		cmocka_unit_test(test_each_invalid_tag),
		cmocka_unit_test(test_external_destinations),
		cmocka_unit_test(test_tree_walk_label_limit),
		cmocka_unit_test(test_tree_walk_psd),
		cmocka_unit_test(test_cli_exit_statuses),
		cmocka_unit_test(test_cli_unreachable),
		cmocka_unit_test(test_cli_bad_name),
	};

	return cmocka_run_group_tests_name("dmarc", tests, group_setup,
					   group_teardown);
}
