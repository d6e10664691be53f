/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the small engine pieces every module relies on. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "util/date.h"
#include "util/dname.h"
#include "util/finding.h"
#include "util/status.h"
#include "util/strbuf.h"
#include "util/text.h"

/* An org_name with a terminal escape must reach the screen inert. */
static void test_text_clean_strips_escapes(void **state)
{
	const char hostile[] = "Evil\x1b]0;pwned\x07 Corp\x1b[2J\r\n\x9b"
			       "31m\xc2\x9b"
			       "1;2H done";
	char *clean = text_clean(hostile, sizeof hostile - 1);

	assert_string_equal(clean, "Evil Corp   done");
	free(clean);
}

/* Invalid UTF-8 becomes U+FFFD; valid multibyte text stays. */
static void test_text_clean_utf8(void **state)
{
	char *clean = text_clean_str("Gr\xc3\xbc\xc3\x9f"
				     "e \xff!");

	assert_string_equal(clean, "Gr\xc3\xbc\xc3\x9f"
				   "e \xef\xbf\xbd!");
	free(clean);
}

/* A NUL octet (a DNS string may hold one) shows as \000 and the text
 * after it is kept: nothing is cut, nothing read past the length. */
static void test_text_clean_nul(void **state)
{
	const char rec[] = "v=DMARC1; p=none\0rua=x";
	char *clean = text_clean(rec, sizeof rec - 1);

	assert_string_equal(clean, "v=DMARC1; p=none\\000rua=x");
	free(clean);
}

/* Domain names compare without case and the root dot. */
static void test_domain_normalize(void **state)
{
	char *n = text_domain_normalize("Mail.Example.COM.");

	assert_string_equal(n, "mail.example.com");
	free(n);
}

/* --now takes only real days. */
/* The one name check: host-name labels, "_" only where asked, one label
 * only where asked, lengths by RFC 1035 2.3.4, any octets for SPF's
 * expanded names. */
static void test_dname_valid(void **state)
{
	char label[80], name[300];

	(void)state;
	assert_true(dname_valid("example.com", 0));
	assert_true(dname_valid("example.com.", 0));
	assert_true(dname_valid("a-b.example", 0));
	assert_false(dname_valid("-ab.example", 0));
	assert_false(dname_valid("ab-.example", 0));
	assert_false(dname_valid("a..example", 0));
	assert_false(dname_valid(".example", 0));
	assert_false(dname_valid("", 0));
	assert_false(dname_valid(".", DNAME_ONE_LABEL));
	assert_false(dname_valid("localhost", 0));
	assert_true(dname_valid("selector1", DNAME_ONE_LABEL));
	assert_false(dname_valid("_dmarc.example.com", 0));
	assert_true(dname_valid("_dmarc.example.com", DNAME_UNDERSCORE));
	assert_false(dname_valid("b\xc3\xbc"
				 "cher.example",
				 0));
	assert_true(dname_valid("%1.x y.example", DNAME_ANY_OCTETS));
	assert_false(dname_valid("a..b", DNAME_ANY_OCTETS));
	/* A label of 63 octets is the longest. */
	memset(label, 'a', 64);
	strcpy(label + 64, ".example");
	assert_false(dname_valid(label, 0));
	strcpy(label + 63, ".example");
	assert_true(dname_valid(label, 0));
	/* 253 octets of text (255 on the wire) are the longest name. */
	memset(name, 0, sizeof name);
	for (int i = 0; i < 4; i++)
		memcpy(name + i * 64, label, 63), name[i * 64 + 63] = '.';
	name[253] = '\0';
	name[252] = 'x';
	assert_true(dname_valid(name, 0));
	name[253] = 'x';
	assert_false(dname_valid(name, 0));
}

/* What an operator types becomes the name the DNS knows: U-labels turn
 * into A-labels (IDNA2008, RFC 5891), case and the final dot go. */
static void test_dname_normalize_idn(void **state)
{
	char *n;

	(void)state;
	n = dname_normalize("b\xc3\xbc"
			    "cher.example",
			    0);
	assert_string_equal(n, "xn--bcher-kva.example");
	free(n);
	n = dname_normalize("B\xc3\x9c"
			    "CHER.Example.",
			    0);
	assert_string_equal(n, "xn--bcher-kva.example");
	free(n);
	n = dname_normalize("Mail.Example.COM.", 0);
	assert_string_equal(n, "mail.example.com");
	free(n);
	/* Non-transitional: sharp s stays itself (not "ss"). */
	n = dname_normalize("stra\xc3\x9f"
			    "e.example",
			    0);
	assert_string_equal(n, "xn--strae-oqa.example");
	free(n);
	assert_null(dname_normalize("not a name.example", 0));
	assert_null(dname_normalize("-bad.example", 0));
	/* A name to look up is kept as it is when it is no IDN. */
	n = dname_lookup_form("b\xc3\xbc"
			      "cher.example");
	assert_string_equal(n, "xn--bcher-kva.example");
	free(n);
	n = dname_lookup_form("Not A Name");
	assert_string_equal(n, "not a name");
	free(n);
}

/* TXT data in zone-file quoting: quotes and backslashes escaped, other
 * octets as \DDD, strings of 255 octets at most. */
static void test_txt_quote(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char value[300];
	char *q;

	(void)state;
	text_txt_quote(&sb, "a\"b\\c\0d\x7f", 8);
	assert_string_equal(strbuf_str(&sb), "\"a\\\"b\\\\c\\000d\\127\"");
	strbuf_done(&sb);
	q = text_txt_strings("");
	assert_string_equal(q, "\"\"");
	free(q);
	memset(value, 'v', 256);
	value[256] = '\0';
	q = text_txt_strings(value);
	assert_int_equal(strlen(q), 256 + 5);
	assert_memory_equal(q + 256, "\" \"v\"", 5);
	free(q);
}

static void test_date_parse(void **state)
{
	date_t d;
	char buf[DATE_BUFSIZE];

	assert_true(date_parse("2026-11-23", &d));
	assert_string_equal(date_format(d, buf), "2026-11-23");
	assert_true(date_parse("2024-02-29", &d));
	assert_false(date_parse("2025-02-29", &d));
	assert_false(date_parse("2026-13-01", &d));
	assert_false(date_parse("26-11-23", &d));
	assert_false(date_parse("2026-11-23x", &d));
	assert_true(date_parse("1970-01-01", &d));
	assert_int_equal(d, 0);
}

/* Weekly report totals use ISO weeks: 2021-01-03 is week 53 of 2020. */
static void test_date_iso_week(void **state)
{
	date_t d;
	int year, week;

	assert_true(date_parse("2021-01-03", &d));
	date_iso_week(d, &year, &week);
	assert_int_equal(year, 2020);
	assert_int_equal(week, 53);
	assert_true(date_parse("2026-11-23", &d));
	date_iso_week(d, &year, &week);
	assert_int_equal(year, 2026);
	assert_int_equal(week, 48);
	assert_int_equal(date_weekday(d), 1);
}

/* DMARCPILOT_NOW makes "today" a fixed day for tests and the demo. */
static void test_date_today_env(void **state)
{
	bool ok;
	date_t d, want;

	setenv("DMARCPILOT_NOW", "2026-03-02", 1);
	d = date_today(&ok);
	assert_true(ok);
	assert_true(date_parse("2026-03-02", &want));
	assert_int_equal(d, want);
	setenv("DMARCPILOT_NOW", "yesterday", 1);
	date_today(&ok);
	assert_false(ok);
	unsetenv("DMARCPILOT_NOW");
}

/* Findings carry their stable code and severity into --json. */
static void test_findings_json(void **state)
{
	struct findings list = FINDINGS_INIT;
	struct finding *f;
	json_t *array, *o;

	f = findings_add(&list, F_SPF_LOOKUP_LIMIT, "%d DNS lookups", 12);
	finding_set_record(f, "v=spf1 include:a include:b -all");
	findings_add(&list, F_DKIM_TESTING, "selector in testing mode");
	assert_int_equal(findings_worst(&list), SEVERITY_ERROR);
	assert_true(findings_has(&list, F_DKIM_TESTING));
	assert_false(findings_has(&list, F_DMARC_MISSING));
	array = findings_to_json(&list);
	assert_int_equal(json_array_size(array), 2);
	o = json_array_get(array, 0);
	assert_string_equal(json_string_value(json_object_get(o, "code")),
			    "spf.lookup_limit");
	assert_string_equal(json_string_value(json_object_get(o, "severity")),
			    "error");
	assert_string_equal(json_string_value(json_object_get(o, "message")),
			    "12 DNS lookups");
	assert_string_equal(json_string_value(json_object_get(o, "record")),
			    "v=spf1 include:a include:b -all");
	json_decref(array);
	findings_done(&list);
}

/* Every code of DESIGN.md section 5 maps to itself. */
static void test_finding_codes_round_trip(void **state)
{
	for (int i = 0; i < FINDING_CODE_COUNT; i++)
		assert_int_equal(finding_code_from_name(
				     finding_code_name((enum finding_code)i)),
				 i);
	assert_int_equal(finding_code_from_name("spf.nonsense"), -1);
	assert_string_equal(finding_code_name(F_REPORT_KNOWN_SOURCE_FAILING),
			    "report.known_source_failing");
}

/* An error names its context first. */
static void test_err_prefix(void **state)
{
	struct err err = ERR_INIT;

	assert_int_equal(err_set(&err, STATUS_PARSE, "line %d: bad tag", 3),
			 STATUS_PARSE);
	err_prefix(&err, "%s", "reports/a.xml");
	assert_string_equal(err_message(&err),
			    "reports/a.xml: line 3: bad tag");
	err_done(&err);
	assert_int_equal(err.status, STATUS_OK);
}

/* strbuf grows and formats. */
static void test_strbuf(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	assert_string_equal(strbuf_str(&sb), "");
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i % 10);
	assert_int_equal(sb.len, 2000);
	s = strbuf_detach(&sb);
	assert_memory_equal(s, "0,1,2,", 6);
	free(s);
}

/* Help columns line up in German: "SCHLÜSSEL" is nine columns though
 * ten bytes; a CJK character takes two; a stray byte one. */
static void test_text_columns(void **state)
{
	(void)state;
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		skip();
	assert_int_equal(text_columns("SCHL\xc3\x9c"
				      "SSEL"),
			 9);
	assert_int_equal(text_columns("\xe4\xb8\xad"), 2);
	assert_int_equal(text_columns("a\xff"
				      "b"),
			 3);
	assert_int_equal(text_columns(""), 0);
	setlocale(LC_CTYPE, "C");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_clean_strips_escapes),
		cmocka_unit_test(test_text_clean_utf8),
		cmocka_unit_test(test_text_clean_nul),
		cmocka_unit_test(test_text_columns),
		cmocka_unit_test(test_domain_normalize),
		cmocka_unit_test(test_dname_valid),
		cmocka_unit_test(test_dname_normalize_idn),
		cmocka_unit_test(test_txt_quote),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_date_iso_week),
		cmocka_unit_test(test_date_today_env),
		cmocka_unit_test(test_findings_json),
		cmocka_unit_test(test_finding_codes_round_trip),
		cmocka_unit_test(test_err_prefix),
		cmocka_unit_test(test_strbuf),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
