/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check --dnssec through a real validating resolver: zones signed by
 * ldns-signzone and served by nsd, Unbound on 127.0.0.1 validating them
 * against the test's trust anchors. A signed zone validates, one whose
 * TXT record was changed after signing is bogus, an unsigned one is
 * unsigned; asked of nsd itself (no validation) the signed zone's
 * answers come signed but unvalidated. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/nsd.h"
#include "lib/testenv.h"
#include "lib/unbound.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static const char records[] = "@ TXT \"v=spf1 -all\"\n"
			      "_dmarc TXT \"v=DMARC1; p=reject\"\n"
			      "@ MX 10 mx\nmx A 192.0.2.25\n";

struct fixture {
	struct nsd_server nsd;
	struct unbound_server unbound;
	char *dir;
};

/* The zone text of name: the preamble and the records. */
static char *zone_text(const char *name)
{
	char *pre = nsd_zone_preamble(name);
	char *text = xasprintf("%s%s", pre, records);

	free(pre);
	return text;
}

static int setup(void **state)
{
	static const char *const names[] = { "dnssec.test", "bogus.test",
					     "plain.test" };
	struct fixture *f;
	char *text[3], *ds1 = NULL, *ds2 = NULL, *anchors, *spf;

	if (!nsd_available() || !unbound_available()) {
		fprintf(stderr, "skipped: needs nsd, unbound and ldnsutils\n");
		*state = NULL;
		return 0;
	}
	f = xcalloc(1, sizeof *f);
	f->dir = testenv_mkdtemp();
	for (size_t i = 0; i < 3; i++)
		text[i] = zone_text(names[i]);
	{
		char *s1 = unbound_sign_zone(f->dir, names[0], text[0], &ds1);
		char *s2 = unbound_sign_zone(f->dir, names[1], text[1], &ds2);

		if (!s1 || !s2)
			return -1;
		free(text[0]);
		free(text[1]);
		text[0] = s1;
		text[1] = s2;
	}
	/* Changed after signing: the RRSIG over the apex TXT set no
	 * longer matches it. */
	spf = strstr(text[1], "\"v=spf1 -all\"");
	if (!spf)
		return -1;
	spf[8] = '+';
	{
		struct nsd_zone zones[] = { { names[0], text[0] },
					    { names[1], text[1] },
					    { names[2], text[2] } };

		if (!nsd_start(&f->nsd, zones, 3))
			return -1;
	}
	anchors = xasprintf("%s%s", ds1, ds2);
	if (!unbound_start(&f->unbound, anchors, names, 3, f->nsd.address))
		return -1;
	for (size_t i = 0; i < 3; i++)
		free(text[i]);
	free(ds1);
	free(ds2);
	free(anchors);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	unbound_stop(&f->unbound);
	nsd_stop(&f->nsd);
	testenv_rmdir(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* `--json check --dnssec DOMAIN` through resolver; the dnssec object
 * (the caller frees it) and the exit status. */
static json_t *dnssec_check(struct fixture *f, const char *resolver,
			    const char *domain, int *status)
{
	char *ns = xasprintf("DMARCPILOT_TEST_NS_PORT=%d", f->nsd.port);
	const char *env[] = { ns, NULL };
	const char *args[] = { "--resolver", resolver, "--json", "check",
			       "--dnssec",   domain,   NULL };
	struct testenv_run r = testenv_run_dmarcpilot(args, env);
	json_t *o = json_loads(r.out, 0, NULL), *d;

	if (!o)
		fail_msg("no JSON (%d): %s\n%s", r.status, r.out, r.err);
	*status = r.status;
	d = json_incref(json_object_get(o, "dnssec"));
	json_decref(o);
	testenv_run_done(&r);
	free(ns);
	return d;
}

/* "TYPE name=state ..." of the records, and the finding codes. */
static char *summary(json_t *d)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *e;
	size_t i;
	char *out;

	strbuf_addstr(&sb, json_string_value(json_object_get(d, "state")));
	json_array_foreach(json_object_get(d, "records"), i, e) strbuf_addf(
	    &sb, " %s:%s=%s", json_string_value(json_object_get(e, "type")),
	    json_string_value(json_object_get(e, "name")),
	    json_string_value(json_object_get(e, "state")));
	strbuf_addstr(&sb, " |");
	json_array_foreach(json_object_get(d, "findings"), i, e) strbuf_addf(
	    &sb, " %s", json_string_value(json_object_get(e, "code")));
	out = xstrdup(strbuf_str(&sb));
	strbuf_done(&sb);
	return out;
}

static void expect(struct fixture *f, const char *resolver, const char *domain,
		   const char *want)
{
	int status;
	json_t *d = dnssec_check(f, resolver, domain, &status);
	char *got;

	assert_non_null(d);
	got = summary(d);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got '%s'\nwant '%s'", domain, got, want);
	free(got);
	json_decref(d);
}

/* Through the validating resolver: secure, bogus (the finding names
 * the record), unsigned. */
static void test_validating(void **state)
{
	struct fixture *f = *state;

	if (!f)
		skip();
	expect(f, f->unbound.address, "dnssec.test",
	       "secure DNSKEY:dnssec.test=secure TXT:dnssec.test=secure "
	       "TXT:_dmarc.dnssec.test=secure MX:dnssec.test=secure |");
	expect(f, f->unbound.address, "bogus.test",
	       "bogus DNSKEY:bogus.test=secure TXT:bogus.test=bogus "
	       "TXT:_dmarc.bogus.test=secure MX:bogus.test=secure | "
	       "dnssec.bogus");
	expect(f, f->unbound.address, "plain.test",
	       "unsigned DNSKEY:plain.test=unsigned TXT:plain.test=unsigned "
	       "TXT:_dmarc.plain.test=unsigned MX:plain.test=unsigned | "
	       "dnssec.unsigned");
}

/* Asked of nsd, which signs but does not validate: the signatures
 * come, the AD bit does not. */
static void test_not_validating(void **state)
{
	struct fixture *f = *state;

	if (!f)
		skip();
	expect(f, f->nsd.address, "dnssec.test",
	       "unvalidated DNSKEY:dnssec.test=unvalidated "
	       "TXT:dnssec.test=unvalidated "
	       "TXT:_dmarc.dnssec.test=unvalidated "
	       "MX:dnssec.test=unvalidated | dnssec.unvalidated");
}

/* --dnssec with offline answers is a usage error. */
static void test_offline(void **state)
{
	const char *args[] = { "--zone",   "/dev/null",    "check",
			       "--dnssec", "example.test", NULL };
	struct testenv_run r = testenv_run_dmarcpilot(args, NULL);

	(void)state;
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--dnssec"));
	testenv_run_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validating),
		cmocka_unit_test(test_not_validating),
		cmocka_unit_test(test_offline),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
