/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DMARC records without DNS: every tag of RFC 7489 6.3 and RFC 9989 4.7
 * parsed, each invalid value named, and the record-level findings. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "util/finding.h"

/* Parses text, expecting a DMARC record. */
static void parse_ok(const char *text, struct dmarc_record *rec,
		     struct findings *f)
{
	struct err err = ERR_INIT;

	assert_int_equal(dmarc_parse(text, strlen(text), rec, f, &err),
			 STATUS_OK);
}

/* Counts findings with a code. */
static size_t count_code(const struct findings *f, enum finding_code code)
{
	size_t n = 0;

	for (size_t i = 0; i < f->count; i++)
		if (f->items[i].code == code)
			n++;
	return n;
}

/* A record with every tag, in unusual case and spacing. */
static void test_every_tag(void **state)
{
	struct dmarc_record rec;
	struct findings f = FINDINGS_INIT;
	char *text;

	parse_ok("v=DMARC1 ;P = Reject; sp=quarantine; np=reject; pct=50; "
		 "RUA=mailto:agg@Example.COM!10m, mailto:x@reports.example.net"
		 "!2G; ruf=mailto:fail@example.com!500; adkim=s; aspf=r; "
		 "fo=0 : 1:D:s; rf=afrf; ri=3600; t=y; psd=n; future=1",
		 &rec, &f);
	assert_int_equal(f.count, 0);
	assert_int_equal(rec.p, DMARC_POLICY_REJECT);
	assert_int_equal(rec.sp, DMARC_POLICY_QUARANTINE);
	assert_int_equal(rec.np, DMARC_POLICY_REJECT);
	assert_int_equal(rec.pct, 50);
	assert_int_equal(rec.nrua, 2);
	assert_string_equal(rec.rua[0].uri, "mailto:agg@Example.COM");
	assert_string_equal(rec.rua[0].host, "example.com");
	assert_int_equal(rec.rua[0].max_size, 10u * 1024 * 1024);
	assert_string_equal(rec.rua[1].host, "reports.example.net");
	assert_int_equal(rec.rua[1].max_size, 2ull * 1024 * 1024 * 1024);
	assert_int_equal(rec.nruf, 1);
	assert_int_equal(rec.ruf[0].max_size, 500);
	assert_int_equal(rec.adkim, DMARC_ALIGN_STRICT);
	assert_int_equal(rec.aspf, DMARC_ALIGN_RELAXED);
	assert_string_equal(rec.fo, "0:1:d:s");
	assert_string_equal(rec.rf, "afrf");
	assert_int_equal(rec.ri, 3600);
	assert_int_equal(rec.t, DMARC_BOOL_YES);
	assert_int_equal(rec.psd, DMARC_PSD_NO);
	text = dmarc_format(&rec);
	assert_string_equal(text,
			    "v=DMARC1; p=reject; sp=quarantine; np=reject; "
			    "pct=50; t=y; rua=mailto:agg@Example.COM!10m,"
			    "mailto:x@reports.example.net!2G; "
			    "ruf=mailto:fail@example.com!500; adkim=s; "
			    "aspf=r; fo=0:1:d:s; rf=afrf; ri=3600; psd=n");
	free(text);
	dmarc_record_done(&rec);
	findings_done(&f);
}

/* Defaults: sp from p, np from sp, pct 100. */
static void test_defaults(void **state)
{
	struct dmarc_record rec;

	parse_ok("v=DMARC1; p=quarantine", &rec, NULL);
	assert_int_equal(dmarc_subdomain_policy(&rec), DMARC_POLICY_QUARANTINE);
	assert_int_equal(dmarc_nonexistent_policy(&rec),
			 DMARC_POLICY_QUARANTINE);
	assert_int_equal(dmarc_pct(&rec), 100);
	dmarc_record_done(&rec);
	parse_ok("v=DMARC1; p=none; sp=reject", &rec, NULL);
	assert_int_equal(dmarc_nonexistent_policy(&rec), DMARC_POLICY_REJECT);
	dmarc_record_done(&rec);
}

/* Each invalid value gives one dmarc.syntax naming its tag. */
static void test_each_invalid_tag(void **state)
{
	static const struct {
		const char *record;
		const char *needle;
	} cases[] = {
		{ "v=DMARC1; p=block", "p=\"block\"" },
		{ "v=DMARC1; p=none; sp=bounce", "sp=\"bounce\"" },
		{ "v=DMARC1; p=none; np=drop", "np=\"drop\"" },
		{ "v=DMARC1; p=none; pct=101", "pct=\"101\"" },
		{ "v=DMARC1; p=none; pct=ten", "pct=\"ten\"" },
		{ "v=DMARC1; p=none; rua=dmarc@example.com", "rua=" },
		{ "v=DMARC1; p=none; rua=mailto:dmarc", "rua=" },
		{ "v=DMARC1; p=none; rua=mailto:a@example.com!10x", "rua=" },
		{ "v=DMARC1; p=none; ruf=mailto:@example.com", "ruf=" },
		{ "v=DMARC1; p=none; adkim=strict", "adkim=\"strict\"" },
		{ "v=DMARC1; p=none; aspf=x", "aspf=\"x\"" },
		{ "v=DMARC1; p=none; fo=2", "fo=\"2\"" },
		{ "v=DMARC1; p=none; rf=iodef", "rf=\"iodef\"" },
		{ "v=DMARC1; p=none; ri=-1", "ri=\"-1\"" },
		{ "v=DMARC1; p=none; ri=99999999999", "ri=" },
		{ "v=DMARC1; p=none; t=yes", "t=\"yes\"" },
		{ "v=DMARC1; p=none; psd=maybe", "psd=\"maybe\"" },
		{ "v=DMARC1; p=none; p=reject", "p=\"reject\"" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dmarc_record rec;
		struct findings f = FINDINGS_INIT;

		parse_ok(cases[i].record, &rec, &f);
		assert_int_equal(count_code(&f, F_DMARC_SYNTAX), 1);
		assert_non_null(f.items[0].advice);
		if (!strstr(f.items[0].message, cases[i].needle))
			fail_msg("%s: message \"%s\" lacks \"%s\"",
				 cases[i].record, f.items[0].message,
				 cases[i].needle);
		dmarc_record_done(&rec);
		findings_done(&f);
	}
}

/* v=DMARC1 must come first and be exact; p must be there. */
static void test_version_and_p(void **state)
{
	struct dmarc_record rec;
	struct findings f = FINDINGS_INIT;
	struct err err = ERR_INIT;
	static const char *const not_dmarc[] = {
		"p=none; v=DMARC1",
		"v=DMARC2; p=none",
		"v=dmarc1; p=none",
		"v=spf1 -all",
		"",
		"   ",
	};

	for (size_t i = 0; i < sizeof not_dmarc / sizeof not_dmarc[0]; i++) {
		assert_int_equal(dmarc_parse(not_dmarc[i], strlen(not_dmarc[i]),
					     &rec, &f, &err),
				 STATUS_PARSE);
		assert_non_null(strstr(err_message(&err), "v=DMARC1"));
		err_done(&err);
		dmarc_record_done(&rec);
	}
	assert_int_equal(f.count, 0);
	assert_true(dmarc_is_record("v = DMARC1;p=none", 17));
	assert_true(dmarc_is_record("v=DMARC1", 8));
	assert_false(dmarc_is_record("v=DMARC10", 9));

	parse_ok("v=DMARC1; rua=mailto:a@example.com", &rec, &f);
	assert_int_equal(count_code(&f, F_DMARC_SYNTAX), 1);
	assert_non_null(strstr(f.items[0].message, "no p tag"));
	assert_int_equal(dmarc_policy(&rec), DMARC_POLICY_NONE);
	dmarc_record_done(&rec);
	findings_done(&f);

	parse_ok("v=DMARC1; rua=mailto:a@example.com; p=reject", &rec, &f);
	assert_int_equal(count_code(&f, F_DMARC_SYNTAX), 1);
	assert_int_equal(f.items[0].severity, SEVERITY_WARNING);
	assert_int_equal(rec.p, DMARC_POLICY_REJECT);
	dmarc_record_done(&rec);
	findings_done(&f);

	/* A NUL octet inside a TXT string is not a record. */
	assert_int_equal(
	    dmarc_parse("v=DMARC1; p=none\0x", 18, &rec, NULL, &err),
	    STATUS_PARSE);
	err_done(&err);
	dmarc_record_done(&rec);
}

/* The advice an operator gets on a published record. */
static void test_record_checks(void **state)
{
	struct dmarc_record rec;
	struct findings f = FINDINGS_INIT;
	const char *text;

	text = "v=DMARC1; p=none";
	parse_ok(text, &rec, NULL);
	dmarc_check_record(&rec, text, &f);
	assert_int_equal(f.count, 2);
	assert_int_equal(f.items[0].code, F_DMARC_POLICY_NONE);
	assert_int_equal(f.items[1].code, F_DMARC_NO_RUA);
	assert_string_equal(f.items[1].record, text);
	assert_non_null(f.items[1].advice);
	dmarc_record_done(&rec);
	findings_done(&f);

	/* pct below 100 without t=y: RFC 9989 receivers ignore pct. */
	text = "v=DMARC1; p=reject; sp=none; pct=25; "
	       "rua=mailto:d@example.com";
	parse_ok(text, &rec, NULL);
	dmarc_check_record(&rec, text, &f);
	assert_int_equal(f.count, 2);
	assert_int_equal(f.items[0].code, F_DMARC_PCT_PARTIAL);
	assert_int_equal(f.items[0].severity, SEVERITY_WARNING);
	assert_non_null(strstr(f.items[0].advice, "t=y"));
	assert_int_equal(f.items[1].code, F_DMARC_SP_WEAKER);
	dmarc_record_done(&rec);
	findings_done(&f);

	/* A ladder rung: pct with t=y is a plain info. */
	text = "v=DMARC1; p=quarantine; pct=10; t=y; "
	       "rua=mailto:d@example.com";
	parse_ok(text, &rec, NULL);
	dmarc_check_record(&rec, text, &f);
	assert_int_equal(f.count, 1);
	assert_int_equal(f.items[0].code, F_DMARC_PCT_PARTIAL);
	assert_int_equal(f.items[0].severity, SEVERITY_INFO);
	dmarc_record_done(&rec);
	findings_done(&f);

	/* np weaker than sp. */
	text = "v=DMARC1; p=reject; np=none; rua=mailto:d@example.com";
	parse_ok(text, &rec, NULL);
	dmarc_check_record(&rec, text, &f);
	assert_int_equal(f.count, 1);
	assert_int_equal(f.items[0].code, F_DMARC_SP_WEAKER);
	assert_non_null(strstr(f.items[0].message, "np=none"));
	dmarc_record_done(&rec);
	findings_done(&f);

	/* Everything right: nothing to say. */
	text = "v=DMARC1; p=reject; rua=mailto:d@example.com";
	parse_ok(text, &rec, NULL);
	dmarc_check_record(&rec, text, &f);
	assert_int_equal(f.count, 0);
	dmarc_record_done(&rec);
}

/* Hostile values never reach a message raw. */
static void test_hostile_values_cleaned(void **state)
{
	struct dmarc_record rec;
	struct findings f = FINDINGS_INIT;

	parse_ok("v=DMARC1; p=\x1b[2Jnone", &rec, &f);
	assert_int_equal(f.count, 1);
	assert_null(strchr(f.items[0].message, '\x1b'));
	dmarc_record_done(&rec);
	findings_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_tag),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_each_invalid_tag),
		cmocka_unit_test(test_version_and_p),
		cmocka_unit_test(test_record_checks),
		cmocka_unit_test(test_hostile_values_cleaned),
	};

	return cmocka_run_group_tests_name("dmarc_record", tests, NULL, NULL);
}
