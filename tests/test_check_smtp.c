/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check --smtp against real SMTP servers (python3-aiosmtpd) on loopback
 * addresses: STARTTLS with a good certificate from the test CA, a
 * certificate for another name, an expired one, no STARTTLS at all, and
 * no server; the MX hosts and the MTA-STS policy (served over HTTPS by
 * the test server, mode enforce) come from a real nsd. */
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

#include "lib/httpsd.h"
#include "lib/nsd.h"
#include "lib/smtpd.h"
#include "lib/testenv.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static const char smtp_zone[] =
    "@ MX 10 mx1\n@ MX 20 mx2\n@ MX 30 mx3\n@ MX 40 mx4\n@ MX 50 mx5\n"
    "mx1 A 127.0.0.1\nmx2 A 127.0.0.2\nmx3 A 127.0.0.3\n"
    "mx4 A 127.0.0.4\nmx5 A 127.0.0.5\n"
    "_mta-sts TXT \"v=STSv1; id=20261205T1\"\n"
    "mta-sts A 127.0.0.1\n";

static const char good_zone[] = "@ MX 10 mx1.smtp.test.\n";

struct fixture {
	struct nsd_server nsd;
	struct httpsd_server https;
	struct smtpd_server smtp;
};

static int setup(void **state)
{
	static const struct httpsd_site sites[] = {
		{ .host = "mta-sts.smtp.test",
		  .path = "/.well-known/mta-sts.txt",
		  .body = "version: STSv1\nmode: enforce\n"
			  "mx: *.smtp.test\nmax_age: 604800\n" },
	};
	static const struct smtpd_host hosts[] = {
		{ "127.0.0.1", "mx1.smtp.test", false },
		{ "127.0.0.2", "other.test", false },
		{ "127.0.0.3", NULL, false },
		{ "127.0.0.4", "mx4.smtp.test", true },
	};
	struct fixture *f;
	char *pre1, *pre2, *z1, *z2;

	if (!nsd_available() || !httpsd_available() || !smtpd_available()) {
		fprintf(stderr, "skipped: needs nsd, openssl and "
				"python3-aiosmtpd\n");
		*state = NULL;
		return 0;
	}
	f = xcalloc(1, sizeof *f);
	pre1 = nsd_zone_preamble("smtp.test");
	pre2 = nsd_zone_preamble("tls-good.test");
	z1 = xasprintf("%s%s", pre1, smtp_zone);
	z2 = xasprintf("%s%s", pre2, good_zone);
	{
		struct nsd_zone zones[] = { { "smtp.test", z1 },
					    { "tls-good.test", z2 } };

		if (!nsd_start(&f->nsd, zones, 2))
			return -1;
	}
	free(pre1);
	free(pre2);
	free(z1);
	free(z2);
	if (!httpsd_start(&f->https, sites, 1) ||
	    !smtpd_start(&f->smtp, f->https.dir, 10, hosts, 4))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	smtpd_stop(&f->smtp);
	httpsd_stop(&f->https);
	nsd_stop(&f->nsd);
	free(f);
	return 0;
}

/* Runs `--json check DOMAIN --smtp` against the test servers. */
static json_t *smtp_check(struct fixture *f, const char *domain, int *status)
{
	char *ca = xasprintf("DMARCPILOT_TEST_CAFILE=%s", f->https.cafile);
	char *hport = xasprintf("DMARCPILOT_TEST_HTTPS_PORT=%d", f->https.port);
	char *sport = xasprintf("DMARCPILOT_TEST_SMTP_PORT=%d", f->smtp.port);
	const char *env[] = { ca, hport, sport, NULL };
	const char *args[] = { "--resolver", f->nsd.address, "--json", "check",
			       "--smtp",     domain,         NULL };
	struct testenv_run r = testenv_run_dmarcpilot(args, env);
	json_error_t jerr;
	json_t *o = json_loads(r.out, 0, &jerr);

	if (!o)
		fail_msg("no JSON (%d): %s\n%s", r.status, r.out, r.err);
	*status = r.status;
	testenv_run_done(&r);
	free(ca);
	free(hport);
	free(sport);
	return o;
}

/* The MX host entry for host. */
static json_t *mx_host(json_t *root, const char *host)
{
	json_t *hosts = json_object_get(json_object_get(root, "mx"), "hosts");
	json_t *h;
	size_t i;

	json_array_foreach(
	    hosts, i,
	    h) if (!strcmp(json_string_value(json_object_get(h, "host")),
			   host)) return h;
	fail_msg("no MX host %s", host);
	return NULL;
}

/* The codes of the MX findings about host, space-separated. */
static char *codes_for(json_t *root, const char *host)
{
	json_t *list = json_object_get(json_object_get(root, "mx"), "findings");
	struct strbuf sb = STRBUF_INIT;
	json_t *x;
	size_t i;
	char *out;

	json_array_foreach(list, i, x)
	{
		const char *rec =
		    json_string_value(json_object_get(x, "record"));

		if (rec && !strcmp(rec, host))
			strbuf_addf(
			    &sb, " %s",
			    json_string_value(json_object_get(x, "code")));
	}
	out = xstrdup(strbuf_str(&sb));
	strbuf_done(&sb);
	return out;
}

static void expect_codes(json_t *root, const char *host, const char *want)
{
	char *got = codes_for(root, host);

	if (strcmp(got, want) != 0)
		fail_msg("%s: findings '%s', expected '%s'", host, got, want);
	free(got);
}

/* Each kind of MX host gives its own finding; with MTA-STS in enforce
 * every host without valid TLS is named as one senders refuse; a host
 * that cannot be reached is only that. */
static void test_smtp_hosts(void **state)
{
	struct fixture *f = *state;
	json_t *root, *s, *c;
	int status;

	if (!f)
		skip();
	root = smtp_check(f, "smtp.test", &status);
	assert_int_equal(status, 1);

	s = json_object_get(mx_host(root, "mx1.smtp.test"), "smtp");
	assert_true(json_is_true(json_object_get(s, "starttls")));
	assert_non_null(strstr(
	    json_string_value(json_object_get(s, "tls_version")), "TLSv1."));
	c = json_object_get(s, "certificate");
	assert_true(json_is_true(json_object_get(c, "trusted")));
	assert_true(json_is_true(json_object_get(c, "name_matches")));
	assert_true(json_is_false(json_object_get(c, "expired")));
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(c, "names"), 0)),
	    "mx1.smtp.test");
	expect_codes(root, "mx1.smtp.test", "");

	c = json_object_get(
	    json_object_get(mx_host(root, "mx2.smtp.test"), "smtp"),
	    "certificate");
	assert_true(json_is_false(json_object_get(c, "name_matches")));
	expect_codes(root, "mx2.smtp.test",
		     " smtp.cert_name smtp.mta_sts_cert");

	s = json_object_get(mx_host(root, "mx3.smtp.test"), "smtp");
	assert_true(json_is_false(json_object_get(s, "starttls")));
	assert_true(json_is_null(json_object_get(s, "certificate")));
	expect_codes(root, "mx3.smtp.test",
		     " smtp.no_starttls smtp.mta_sts_cert");

	c = json_object_get(
	    json_object_get(mx_host(root, "mx4.smtp.test"), "smtp"),
	    "certificate");
	assert_true(json_is_true(json_object_get(c, "expired")));
	assert_true(json_is_true(json_object_get(c, "trusted")));
	expect_codes(root, "mx4.smtp.test",
		     " smtp.cert_expired smtp.mta_sts_cert");

	s = json_object_get(mx_host(root, "mx5.smtp.test"), "smtp");
	assert_non_null(json_string_value(json_object_get(s, "error")));
	expect_codes(root, "mx5.smtp.test", " smtp.unreachable");
	json_decref(root);
}

/* A domain whose one MX host has good TLS: no SMTP finding; and
 * without --smtp no host is asked. */
static void test_smtp_good_and_off(void **state)
{
	struct fixture *f = *state;
	const char *args[] = { "--resolver", NULL,        "--json",
			       "check",      "smtp.test", NULL };
	struct testenv_run r;
	json_t *root;
	int status;

	if (!f)
		skip();
	root = smtp_check(f, "tls-good.test", &status);
	assert_true(json_is_true(json_object_get(
	    json_object_get(mx_host(root, "mx1.smtp.test"), "smtp"),
	    "starttls")));
	expect_codes(root, "mx1.smtp.test", "");
	json_decref(root);

	args[1] = f->nsd.address;
	r = testenv_run_dmarcpilot(args, NULL);
	root = json_loads(r.out, 0, NULL);
	assert_non_null(root);
	assert_true(json_is_null(
	    json_object_get(mx_host(root, "mx3.smtp.test"), "smtp")));
	json_decref(root);
	testenv_run_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smtp_hosts),
		cmocka_unit_test(test_smtp_good_and_off),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
