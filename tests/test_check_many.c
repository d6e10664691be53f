/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `check` of several domains against a real nsd: lists given on the
 * command line and in a file, CSV and JSON output, the parsed DMARC
 * tags, the SOA record, TLS-RPT (RFC 8460) and BIMI; and the parsers of
 * the TLS-RPT and BIMI records on their own. */
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
#include "audit/bimi.h"
#include "dns/dns.h"
#include "util/finding.h"
#include "lib/httpsd.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "audit/mta_sts.h"
#include "dmarc/orgdomain.h"
#include "dns/propagate.h"
#include "audit/tlsrpt.h"
#include "util/xalloc.h"

#define NZONES 8

struct fixture {
	struct nsd_server nsd;
	struct httpsd_server https;
	bool https_up;
	char *zones[NZONES];
	char *dir;
	bool up;
};

/* One domain's zone: the preamble, then the lines. */
static char *zone(const char *name, const char *lines)
{
	char *pre = nsd_zone_preamble(name);
	char *z = xasprintf("%s%s", pre, lines);

	free(pre);
	return z;
}

/* Starts nsd with four domains: all right, weak DMARC and a bad
 * TLS-RPT, duplicates and an http: logo, and one with none of it. */
static int group_setup(void **state)
{
	static const char *const names[NZONES] = {
		"ok.test",       "weak.test",     "two.test",    "bare.test",
		"sts-good.test", "sts-mode.test", "sts-mx.test", "sts-old.test",
	};
	struct fixture *fx = xcalloc(1, sizeof *fx);
	struct nsd_zone zones[NZONES];

	*state = fx;
	fx->dir = testenv_mkdtemp();
	if (!nsd_available())
		return 0;
	fx->zones[0] =
	    zone("ok.test", "@ MX 10 mx\n"
			    "mx A 192.0.2.25\n"
			    "@ TXT \"v=spf1 mx -all\"\n"
			    "_dmarc TXT \"v=DMARC1; p=reject; adkim=s; "
			    "rua=mailto:a@ok.test,mailto:b@ok.test\"\n"
			    "_smtp._tls TXT \"v=TLSRPTv1; "
			    "rua=mailto:tls@ok.test\"\n"
			    "default._bimi TXT \"v=BIMI1; "
			    "l=https://ok.test/logo.svg; "
			    "a=https://ok.test/vmc.pem\"\n");
	fx->zones[1] =
	    zone("weak.test", "@ MX 10 mx\n"
			      "mx A 192.0.2.26\n"
			      "@ TXT \"v=spf1 mx -all\"\n"
			      "_dmarc TXT \"v=DMARC1; p=quarantine; pct=50; "
			      "t=y\"\n"
			      "_smtp._tls TXT \"v=TLSRPTv1;\"\n"
			      "default._bimi TXT \"v=BIMI1; "
			      "l=https://weak.test/logo.svg\"\n");
	fx->zones[2] = zone(
	    "two.test", "@ TXT \"v=spf1 -all\"\n"
			"_dmarc TXT \"v=DMARC1; p=reject\"\n"
			"_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:x@two.test\"\n"
			"_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:y@two.test\"\n"
			"default._bimi TXT \"v=BIMI1; "
			"l=http://two.test/logo.svg\"\n");
	fx->zones[3] = zone("bare.test", "@ A 192.0.2.9\n");
	/* MTA-STS: the policy host is 127.0.0.1, where the test's HTTPS
	 * server runs. */
	for (size_t i = 4; i < NZONES; i++)
		fx->zones[i] =
		    zone(names[i], "@ MX 10 mx\n"
				   "@ MX 20 a.backup\n"
				   "mx A 192.0.2.25\n"
				   "a.backup A 192.0.2.26\n"
				   "_mta-sts TXT \"v=STSv1; id=20261204T1\"\n"
				   "mta-sts A 127.0.0.1\n");
	for (size_t i = 0; i < NZONES; i++) {
		zones[i].name = names[i];
		zones[i].text = fx->zones[i];
	}
	if (!nsd_start(&fx->nsd, zones, NZONES))
		return -1;
	fx->up = true;
	if (httpsd_available()) {
		static const struct httpsd_site sites[] = {
			{ .host = "mta-sts.sts-good.test",
			  .path = "/.well-known/mta-sts.txt",
			  .body = "version: STSv1\nmode: enforce\n"
				  "mx: mx.sts-good.test\n"
				  "mx: *.backup.sts-good.test\n"
				  "max_age: 604800\n" },
			{ .host = "mta-sts.sts-mode.test",
			  .path = "/.well-known/mta-sts.txt",
			  .body = "version: STSv1\r\nmode: strict\r\n"
				  "mx: mx.sts-mode.test\r\n"
				  "max_age: 604800\r\n" },
			{ .host = "mta-sts.sts-mx.test",
			  .path = "/.well-known/mta-sts.txt",
			  .body = "version: STSv1\nmode: enforce\n"
				  "mx: mx.sts-mx.test\n"
				  "mx: *.sts-mx.test\nmax_age: 86400\n" },
			{ .host = "mta-sts.sts-old.test",
			  .path = "/.well-known/mta-sts.txt",
			  .body = "version: STSv1\nmode: enforce\n"
				  "mx: *.sts-old.test\nmax_age: 604800\n",
			  .expired = true },
		};

		if (!httpsd_start(&fx->https, sites, 4))
			return -1;
		fx->https_up = true;
	}
	return 0;
}

/* Stops nsd. */
static int group_teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->up)
		nsd_stop(&fx->nsd);
	if (fx->https_up)
		httpsd_stop(&fx->https);
	for (size_t i = 0; i < NZONES; i++)
		free(fx->zones[i]);
	testenv_rmdir(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

/* Runs dmarcpilot --resolver NSD with the words after it. */
static struct testenv_run run(struct fixture *fx, const char *const *words)
{
	const char *args[16] = { "--resolver", fx->nsd.address };
	size_t n = 2;

	for (; *words && n < 15; words++)
		args[n++] = *words;
	args[n] = NULL;
	return testenv_run_dmarcpilot(args, NULL);
}

/* The codes of a JSON findings array, space-separated. Caller frees. */
static char *codes(const json_t *findings)
{
	char *out = xstrdup("");
	size_t i;
	json_t *f;

	json_array_foreach(findings, i, f)
	{
		char *next =
		    xasprintf("%s %s", out,
			      json_string_value(json_object_get(f, "code")));

		free(out);
		out = next;
	}
	return out;
}

/* Two domains in the text report, in the order given; the weak one's
 * errors make the exit status 1. */
static void test_many_text(void **state)
{
	struct fixture *fx = *state;
	const char *words[] = { "check", "ok.test", "weak.test", NULL };
	struct testenv_run r;
	char *first, *second;

	if (!fx->up)
		skip();
	r = run(fx, words);
	assert_int_equal(r.status, 1);
	first = strstr(r.out, "Audit of ok.test");
	second = strstr(r.out, "Audit of weak.test");
	assert_non_null(first);
	assert_non_null(second);
	assert_true(first < second);
	assert_non_null(strstr(r.out, "TLS-RPT\n  Record:   v=TLSRPTv1; "
				      "rua=mailto:tls@ok.test"));
	assert_non_null(strstr(r.out, "SOA\n  Zone:     ok.test\n"));
	assert_non_null(strstr(second, "bimi.dmarc_not_enforced"));
	assert_non_null(strstr(second, "tlsrpt.syntax"));
	testenv_run_done(&r);
}

/* One domain keeps the single --json object (with the DMARC tags, the
 * SOA, TLS-RPT and BIMI); several give an array of such objects. */
static void test_json(void **state)
{
	struct fixture *fx = *state;
	const char *one[] = { "--json", "check", "ok.test", NULL };
	const char *many[] = { "--json",   "check",     "ok.test",
			       "two.test", "bare.test", NULL };
	struct testenv_run r;
	json_t *o, *tags, *e;
	json_error_t jerr;
	char *c;

	if (!fx->up)
		skip();
	r = run(fx, one);
	o = json_loads(r.out, 0, &jerr);
	assert_non_null(o);
	assert_true(json_is_object(o));
	assert_string_equal(json_string_value(json_object_get(o, "domain")),
			    "ok.test");
	tags = json_object_get(json_object_get(o, "dmarc"), "tags");
	e = json_object_get(tags, "p");
	assert_string_equal(json_string_value(json_object_get(e, "value")),
			    "reject");
	assert_true(json_is_true(json_object_get(e, "explicit")));
	e = json_object_get(tags, "adkim");
	assert_string_equal(json_string_value(json_object_get(e, "value")),
			    "s");
	e = json_object_get(tags, "aspf");
	assert_string_equal(json_string_value(json_object_get(e, "value")),
			    "r");
	assert_true(json_is_false(json_object_get(e, "explicit")));
	e = json_object_get(tags, "pct");
	assert_int_equal(json_integer_value(json_object_get(e, "value")), 100);
	e = json_object_get(json_object_get(tags, "rua"), "value");
	assert_int_equal(json_array_size(e), 2);
	assert_string_equal(json_string_value(json_array_get(e, 1)),
			    "mailto:b@ok.test");
	e = json_object_get(o, "soa");
	assert_string_equal(json_string_value(json_object_get(e, "mname")),
			    "ns1.ok.test");
	assert_int_equal(json_integer_value(json_object_get(e, "serial")), 1);
	e = json_object_get(o, "tlsrpt");
	assert_true(json_is_true(json_object_get(e, "valid")));
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(e, "rua"), 0)),
	    "mailto:tls@ok.test");
	e = json_object_get(o, "bimi");
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(e, "logos"), 0)),
	    "https://ok.test/logo.svg");
	assert_string_equal(json_string_value(json_object_get(e, "evidence")),
			    "https://ok.test/vmc.pem");
	c = codes(json_object_get(o, "findings"));
	assert_null(strstr(c, "tlsrpt."));
	assert_null(strstr(c, "bimi."));
	free(c);
	json_decref(o);
	testenv_run_done(&r);

	r = run(fx, many);
	assert_int_equal(r.status, 1);
	o = json_loads(r.out, 0, &jerr);
	assert_non_null(o);
	assert_true(json_is_array(o));
	assert_int_equal(json_array_size(o), 3);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(o, 1), "domain")),
	    "two.test");
	c = codes(json_object_get(json_array_get(o, 1), "findings"));
	assert_non_null(strstr(c, " tlsrpt.multiple"));
	assert_non_null(strstr(c, " bimi.insecure_uri"));
	free(c);
	c = codes(json_object_get(json_array_get(o, 2), "findings"));
	assert_non_null(strstr(c, " tlsrpt.missing"));
	assert_null(strstr(c, "bimi."));
	free(c);
	assert_true(json_is_null(json_object_get(
	    json_object_get(json_array_get(o, 2), "dmarc"), "tags")));
	json_decref(o);
	testenv_run_done(&r);
}

/* Splits one CSV line (RFC 4180 quoting) into fields; returns how many.
 * Fields point into line, which is modified. */
static size_t csv_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line, *w;

	while (n < max) {
		fields[n++] = w = p;
		if (*p == '"') {
			p++;
			for (;;) {
				if (p[0] == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
		} else {
			while (*p && *p != ',')
				*w++ = *p++;
		}
		if (*p != ',') {
			*w = '\0';
			break;
		}
		p++;
		*w = '\0';
	}
	return n;
}

/* A file of domains (comments, blank lines, a duplicate) as CSV: the
 * header, then one row per domain in the file's order, a field with
 * commas quoted. */
static void test_file_csv(void **state)
{
	struct fixture *fx = *state;
	char *list = testenv_write_file(fx->dir, "domains",
					"# the fleet\n"
					"ok.test\n"
					"\n"
					"  weak.test   # trailing comment\n"
					"bare.test.\n"
					"OK.test\n");
	const char *words[] = {
		"check", "--file", list, "--format", "csv", NULL
	};
	char *lines[8], *f[32];
	struct testenv_run r;
	size_t n = 0;

	if (!fx->up)
		skip();
	r = run(fx, words);
	assert_int_equal(r.status, 1);
	for (char *p = r.out; *p && n < 8; n++) {
		char *end = strstr(p, "\r\n");

		assert_non_null(end);
		*end = '\0';
		lines[n] = p;
		p = end + 2;
	}
	assert_int_equal(n, 4);
	assert_int_equal(csv_split(lines[0], f, 32), 23);
	assert_string_equal(f[19], "dnssec");
	assert_string_equal(f[0], "domain");
	assert_string_equal(f[7], "dmarc_record");
	assert_string_equal(f[22], "findings");
	assert_int_equal(csv_split(lines[1], f, 32), 23);
	assert_string_equal(f[0], "ok.test");
	assert_string_equal(f[1], "ok");
	assert_string_equal(f[7], "v=DMARC1; p=reject; adkim=s; "
				  "rua=mailto:a@ok.test,mailto:b@ok.test");
	assert_string_equal(f[9], "reject");
	assert_string_equal(f[12], "mailto:a@ok.test mailto:b@ok.test");
	assert_string_equal(f[13], "mx.ok.test");
	assert_string_equal(f[14], "ns1.ok.test");
	assert_string_equal(f[15], "1");
	assert_string_equal(f[16], "mailto:tls@ok.test");
	assert_int_equal(csv_split(lines[2], f, 32), 23);
	assert_string_equal(f[0], "weak.test");
	assert_string_equal(f[9], "quarantine");
	assert_string_equal(f[11], "50");
	assert_non_null(strstr(f[22], "bimi.dmarc_not_enforced"));
	assert_int_equal(csv_split(lines[3], f, 32), 23);
	assert_string_equal(f[0], "bare.test");
	assert_string_equal(f[7], "");
	assert_non_null(strstr(f[22], "spf.missing"));
	testenv_run_done(&r);
	free(list);
}

/* A bad name in the list: exit 2 before any audit, naming the file and
 * line; a missing file is named too. */
static void test_file_errors(void **state)
{
	struct fixture *fx = *state;
	char *list =
	    testenv_write_file(fx->dir, "bad", "ok.test\n# x\nnot a;name\n");
	char *missing = xasprintf("%s/none", fx->dir);
	const char *words[] = { "check", "--file", list, NULL };
	const char *words2[] = { "check", "ok.test", "--file", missing, NULL };
	const char *words3[] = { "check", "ok.test", "bad..name", NULL };
	char *want = xasprintf("%s:3: one domain per line", list);
	struct testenv_run r;

	if (!fx->up)
		skip();
	r = run(fx, words);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, want));
	assert_string_equal(r.out, "");
	testenv_run_done(&r);
	r = run(fx, words2);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, missing));
	assert_string_equal(r.out, "");
	testenv_run_done(&r);
	r = run(fx, words3);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "\"bad..name\" is not a domain name"));
	assert_string_equal(r.out, "");
	testenv_run_done(&r);
	free(want);
	free(missing);
	free(list);
}

/* The engine's batch: every domain audited on one resolver, each
 * audit complete. */
static void test_batch_engine(void **state)
{
	struct fixture *fx = *state;
	struct dns_live_options lo = { .servers = fx->nsd.address };
	struct propagate_options po = { .port = fx->nsd.port };
	struct audit_options ao = { .ns_servers = &po };
	struct orgdomain *od = orgdomain_new();
	struct err err = ERR_INIT;
	struct audit_batch *b;
	const struct audit *a;
	struct dns *dns;

	if (!fx->up)
		skip();
	assert_int_equal(dns_new_live(&dns, &lo, &err), STATUS_OK);
	/* A window of 2 for 4 domains: the later ones start as earlier
	 * ones end. */
	b = audit_batch_new(dns, od, 2);
	audit_batch_add(b, "ok.test", &ao);
	audit_batch_add(b, "weak.test", &ao);
	audit_batch_add(b, "two.test", &ao);
	audit_batch_add(b, "bare.test", &ao);
	assert_int_equal(audit_batch_run(b, 30, &err), STATUS_OK);
	assert_int_equal(audit_batch_count(b), 4);
	a = audit_batch_get(b, 0);
	assert_int_equal(a->status, STATUS_OK);
	assert_string_equal(a->dmarc->record,
			    "v=DMARC1; p=reject; adkim=s; "
			    "rua=mailto:a@ok.test,mailto:b@ok.test");
	assert_true(a->tlsrpt->valid);
	assert_true(a->bimi->valid);
	assert_int_equal(a->bimi->findings.count, 0);
	assert_int_equal(a->nmx, 1);
	assert_non_null(a->soa);
	a = audit_batch_get(b, 1);
	assert_true(
	    findings_has(&a->bimi->findings, F_BIMI_DMARC_NOT_ENFORCED));
	assert_true(findings_has(&a->tlsrpt->findings, F_TLSRPT_SYNTAX));
	a = audit_batch_get(b, 2);
	assert_true(findings_has(&a->tlsrpt->findings, F_TLSRPT_MULTIPLE));
	assert_true(findings_has(&a->bimi->findings, F_BIMI_INSECURE_URI));
	a = audit_batch_get(b, 3);
	assert_true(findings_has(&a->tlsrpt->findings, F_TLSRPT_MISSING));
	assert_null(a->bimi->record);
	audit_batch_free(b);
	dns_free(dns);
	orgdomain_free(od);
}

/* The deadline ends a run whose resolver never answers: each domain is
 * reported as failed, exit 2, and the run does not wait for the
 * per-query timeout. */
static void test_deadline(void **state)
{
	const char *args[] = { "--resolver", "127.0.0.1:1", "--timeout",
			       "30",         "check",       "--deadline",
			       "1",          "--format",    "csv",
			       "a.example",  "b.example",   NULL };
	struct testenv_run r = testenv_run_dmarcpilot(args, NULL);

	(void)state;
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.out, "\r\na.example,failed,"));
	assert_non_null(strstr(r.out, "\r\nb.example,failed,"));
	testenv_run_done(&r);
}

/* The MTA-STS part of `--json check DOMAIN`, through the test's HTTPS
 * server and CA; the caller frees with json_decref(). */
static json_t *sts_check(struct fixture *fx, const char *domain)
{
	char *ca = xasprintf("DMARCPILOT_TEST_CAFILE=%s", fx->https.cafile);
	char *port = xasprintf("DMARCPILOT_TEST_HTTPS_PORT=%d", fx->https.port);
	const char *env[] = { ca, port, NULL };
	const char *args[] = { "--resolver", fx->nsd.address, "--json",
			       "check",      domain,          NULL };
	struct testenv_run r = testenv_run_dmarcpilot(args, env);
	json_error_t jerr;
	json_t *o = json_loads(r.out, 0, &jerr), *sts;

	if (!o)
		print_error("no JSON: %s\n%s\n", r.out, r.err);
	assert_non_null(o);
	sts = json_incref(json_object_get(o, "mta_sts"));
	json_decref(o);
	testenv_run_done(&r);
	free(ca);
	free(port);
	return sts;
}

/* MTA-STS (RFC 8461): the policy fetched over HTTPS with certificate
 * validation from the address our resolver found; a good policy whose
 * patterns cover every MX, a bad mode, an MX that matches no pattern,
 * an expired certificate. */
static void test_mta_sts(void **state)
{
	struct fixture *fx = *state;
	json_t *sts, *p;
	char *c;

	if (!fx->up || !fx->https_up)
		skip();
	sts = sts_check(fx, "sts-good.test");
	assert_string_equal(json_string_value(json_object_get(sts, "id")),
			    "20261204T1");
	p = json_object_get(sts, "policy");
	assert_string_equal(json_string_value(json_object_get(p, "mode")),
			    "enforce");
	assert_int_equal(json_integer_value(json_object_get(p, "max_age")),
			 604800);
	assert_int_equal(json_array_size(json_object_get(p, "mx")), 2);
	assert_int_equal(
	    json_integer_value(json_object_get(sts, "http_status")), 200);
	assert_int_equal(json_array_size(json_object_get(sts, "findings")), 0);
	json_decref(sts);

	sts = sts_check(fx, "sts-mode.test");
	assert_true(json_is_null(json_object_get(sts, "policy")));
	c = codes(json_object_get(sts, "findings"));
	assert_string_equal(c, " mta_sts.policy_syntax");
	free(c);
	json_decref(sts);

	/* "*.sts-mx.test" covers mx.sts-mx.test, not a.backup.sts-mx.test
	 * (one label only); max_age of a day is short. */
	sts = sts_check(fx, "sts-mx.test");
	c = codes(json_object_get(sts, "findings"));
	assert_string_equal(c, " mta_sts.max_age_short mta_sts.mx_mismatch");
	free(c);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(sts, "findings"), 1), "record")),
	    "a.backup.sts-mx.test");
	json_decref(sts);

	sts = sts_check(fx, "sts-old.test");
	c = codes(json_object_get(sts, "findings"));
	assert_string_equal(c, " mta_sts.fetch_failed");
	free(c);
	assert_non_null(
	    strstr(json_string_value(json_object_get(
		       json_array_get(json_object_get(sts, "findings"), 0),
		       "message")),
		   "expired"));
	json_decref(sts);
}

/* RFC 8461 3.2 and 4.1: the policy grammar and the mx wildcard. */
static void test_mta_sts_parse(void **state)
{
	struct findings f = FINDINGS_INIT;
	struct mta_sts_policy p;
	char *id;
	const char *good = "version: STSv1\r\nmode: testing\r\n"
			   "mx: MX.Example.COM.\r\nmx: *.example.net\r\n"
			   "max_age:31557600\r\nfuture: x\r\n";

	(void)state;
	assert_int_equal(mta_sts_policy_parse(good, strlen(good), &p, &f),
			 STATUS_OK);
	assert_int_equal(p.mode, MTA_STS_MODE_TESTING);
	assert_int_equal(p.max_age, 31557600);
	assert_int_equal(p.nmx, 2);
	assert_string_equal(p.mx[0], "mx.example.com");
	assert_true(mta_sts_mx_matches(p.mx[0], "mx.example.com."));
	assert_true(mta_sts_mx_matches(p.mx[1], "a.example.net"));
	assert_false(mta_sts_mx_matches(p.mx[1], "a.b.example.net"));
	assert_false(mta_sts_mx_matches(p.mx[1], "example.net"));
	mta_sts_policy_done(&p);
	assert_int_equal(f.count, 0);
	assert_int_equal(mta_sts_policy_parse("version: STSv1\nmode: "
					      "enforce\nmx: a.test\n"
					      "max_age: 31557601\n",
					      58, &p, &f),
			 STATUS_PARSE);
	assert_int_equal(f.items[0].code, F_MTA_STS_POLICY_SYNTAX);
	mta_sts_policy_done(&p);
	assert_int_equal(mta_sts_policy_parse("version: STSv1\nmode: "
					      "enforce\nmax_age: 1\n",
					      40, &p, &f),
			 STATUS_PARSE);
	mta_sts_policy_done(&p);
	assert_int_equal(mta_sts_txt_parse("v=STSv1; id=abc123", 18, &id, NULL),
			 STATUS_OK);
	assert_string_equal(id, "abc123");
	free(id);
	assert_int_equal(mta_sts_txt_parse("v=STSv1; id=a-b", 15, &id, &f),
			 STATUS_PARSE);
	assert_null(id);
	assert_int_equal(mta_sts_txt_parse("v=STSv1", 7, &id, NULL),
			 STATUS_PARSE);
	findings_done(&f);
}

/* Parses a TLS-RPT record; returns the status and the first finding's
 * code (or -1). */
static int tlsrpt(const char *text, enum status want)
{
	struct findings f = FINDINGS_INIT;
	struct tlsrpt_record rec;
	int code;

	assert_int_equal(tlsrpt_parse(text, strlen(text), &rec, &f), want);
	code = f.count ? (int)f.items[0].code : -1;
	tlsrpt_record_done(&rec);
	findings_done(&f);
	return code;
}

/* RFC 8460 3: version first, rua required, mailto: or https: only. */
static void test_tlsrpt_parse(void **state)
{
	struct tlsrpt_record rec;

	(void)state;
	assert_int_equal(tlsrpt_parse("v=TLSRPTv1; rua=mailto:a@x.test, "
				      "https://r.x.test/tls ;",
				      55, &rec, NULL),
			 STATUS_OK);
	assert_int_equal(rec.nrua, 2);
	assert_string_equal(rec.rua[1], "https://r.x.test/tls");
	tlsrpt_record_done(&rec);
	assert_int_equal(tlsrpt("v=TLSRPTv1;rua=mailto:a@x.test", STATUS_OK),
			 -1);
	assert_int_equal(tlsrpt("v=TLSRPTv1", STATUS_PARSE), F_TLSRPT_SYNTAX);
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=http://x.test/", STATUS_PARSE),
			 F_TLSRPT_SYNTAX);
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=mailto:nobody", STATUS_PARSE),
			 F_TLSRPT_SYNTAX);
	assert_int_equal(
	    tlsrpt("rua=mailto:a@x.test; v=TLSRPTv1", STATUS_PARSE),
	    F_TLSRPT_SYNTAX);
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=mailto:a@x.test; "
				"rua=mailto:b@x.test",
				STATUS_PARSE),
			 F_TLSRPT_SYNTAX);
	assert_int_equal(
	    tlsrpt("v=TLSRPTv10; rua=mailto:a@x.test", STATUS_PARSE),
	    F_TLSRPT_SYNTAX);
	/* A NUL octet in the middle is refused, not cut short. */
	assert_int_equal(
	    tlsrpt_parse("v=TLSRPTv1; rua=mailto:a@x.test\0x", 33, &rec, NULL),
	    STATUS_PARSE);
	tlsrpt_record_done(&rec);
}

/* BIMI: https: locations only, l= required (empty declines). */
static void test_bimi_parse(void **state)
{
	struct findings f = FINDINGS_INIT;
	struct bimi_record rec;

	(void)state;
	assert_int_equal(bimi_parse("v=BIMI1; l=; a=", 15, &rec, &f),
			 STATUS_OK);
	assert_true(rec.declined);
	bimi_record_done(&rec);
	assert_int_equal(
	    bimi_parse("v=BIMI1; l=https://x.test/l.svg", 31, &rec, &f),
	    STATUS_OK);
	assert_false(rec.declined);
	assert_int_equal(rec.nlogos, 1);
	assert_null(rec.evidence);
	bimi_record_done(&rec);
	assert_int_equal(f.count, 0);
	assert_int_equal(bimi_parse("v=BIMI1; l=https://x.test/l.svg; "
				    "a=http://x.test/v.pem",
				    54, &rec, &f),
			 STATUS_PARSE);
	assert_int_equal(f.count, 1);
	assert_int_equal(f.items[0].code, F_BIMI_INSECURE_URI);
	bimi_record_done(&rec);
	assert_int_equal(
	    bimi_parse("v=BIMI1; a=https://x.test/v.pem", 31, &rec, &f),
	    STATUS_PARSE);
	assert_int_equal(f.items[1].code, F_BIMI_SYNTAX);
	bimi_record_done(&rec);
	assert_int_equal(
	    bimi_parse("v=BIMI1; l=https://user@x.test/l.svg", 36, &rec, &f),
	    STATUS_PARSE);
	assert_int_equal(f.items[2].code, F_BIMI_INSECURE_URI);
	bimi_record_done(&rec);
	findings_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_file_csv),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_batch_engine),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_tlsrpt_parse),
		cmocka_unit_test(test_bimi_parse),
		cmocka_unit_test(test_mta_sts),
		cmocka_unit_test(test_mta_sts_parse),
	};

	return cmocka_run_group_tests_name("check_many", tests, group_setup,
					   group_teardown);
}
