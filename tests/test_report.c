/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Aggregate and failure reports from real reporters (the shared test
 * data) parse to exactly what a person reads in the files, and the
 * deviations reporters produce are accepted. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testenv.h"
#include "report/report.h"
#include "report/report_input.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* What a sink saw of one unit: its reports, their rows, its failure
 * report. Only the first row of each report is kept in detail. */
struct seen_report {
	struct report_meta meta;
	struct report_row first;
	size_t rows;
	int64_t messages;
};

struct seen {
	struct seen_report reports[8];
	size_t nreports;
	struct arf_report failure;
	char failure_msgid[256];
	size_t nfailures;
	size_t units;
	enum status last_status;
	char last_error[512];
};

static enum status seen_begin(void *arg, const char *name, struct err *err)
{
	struct seen *s = arg;

	s->units++;
	return STATUS_OK;
}

static enum status seen_meta(void *arg, const struct report_meta *meta,
			     bool *skip, struct err *err)
{
	struct seen *s = arg;

	assert_true(s->nreports < 8);
	memset(&s->reports[s->nreports], 0, sizeof s->reports[0]);
	s->reports[s->nreports++].meta = *meta;
	return STATUS_OK;
}

static enum status seen_row(void *arg, const struct report_meta *meta,
			    const struct report_row *row, struct err *err)
{
	struct seen *s = arg;
	struct seen_report *r = &s->reports[s->nreports - 1];

	if (r->rows++ == 0)
		r->first = *row;
	r->meta.dropped_auth = meta->dropped_auth;
	r->messages += row->count;
	return STATUS_OK;
}

static enum status seen_failure(void *arg, const struct arf_report *report,
				const char *message_id, struct err *err)
{
	struct seen *s = arg;

	s->failure = *report;
	snprintf(s->failure_msgid, sizeof s->failure_msgid, "%s",
		 message_id ? message_id : "");
	s->nfailures++;
	return STATUS_OK;
}

static enum status seen_end(void *arg, const char *name, enum status st,
			    const struct err *unit_err, struct err *err)
{
	struct seen *s = arg;

	s->last_status = st;
	snprintf(s->last_error, sizeof s->last_error, "%s",
		 st == STATUS_OK ? "" : err_message(unit_err));
	return STATUS_OK;
}

/* Reads one file of the shared data into *s; skips when it is absent. */
static void read_shared(const char *rel, struct seen *s)
{
	const char *data = testenv_testdata();
	struct report_sink sink = { seen_begin,   seen_meta, seen_row,
				    seen_failure, seen_end,  s };
	struct err err = ERR_INIT;
	char *path;

	if (!data) {
		skip();
		return; /* skip() does not return; the compiler cannot tell */
	}
	path = xasprintf("%s/reports/%s", data, rel);
	memset(s, 0, sizeof *s);
	assert_int_equal(report_input_path(path, NULL, &sink, &err), STATUS_OK);
	assert_int_equal(s->units, 1);
	free(path);
}

/* An empty <org_name> (seen in the wild) becomes the email's domain. */
static void test_empty_org_name(void **state)
{
	struct seen s;
	struct seen_report *r;

	read_shared("aggregate/!example.com!1538204542!1538463818.xml", &s);
	assert_int_equal(s.last_status, STATUS_OK);
	assert_int_equal(s.nreports, 1);
	r = &s.reports[0];
	assert_string_equal(r->meta.org_name, "accurateplastics.com");
	assert_string_equal(r->meta.email,
			    "administrator@accurateplastics.com");
	assert_string_equal(r->meta.report_id, "example.com:1538463741");
	assert_int_equal(r->meta.date_begin, 1538413632);
	assert_int_equal(r->meta.date_end, 1538413632);
	assert_string_equal(r->meta.domain, "example.com");
	assert_string_equal(r->meta.p, "none");
	assert_string_equal(r->meta.sp, "reject");
	assert_int_equal(r->meta.pct, 100);
	assert_int_equal(r->meta.format, REPORT_FORMAT_RFC7489);
	assert_int_equal(r->rows, 1);
	assert_int_equal(r->messages, 1);
	assert_string_equal(r->first.source_ip, "12.20.127.122");
	assert_string_equal(r->first.dkim, "fail");
	assert_string_equal(r->first.spf, "fail");
	assert_string_equal(r->first.header_from, "example.com");
	/* <spf><domain></domain><result>none</result></spf> */
	assert_int_equal(r->first.nspf_auth, 1);
	assert_string_equal(r->first.spf_auth[0].domain, "");
	assert_string_equal(r->first.spf_auth[0].result, "none");
}

/* Google's zip, attached to a mail. */
static void test_google_mail(void **state)
{
	struct seen s;
	struct seen_report *r;

	read_shared("aggregate/Report domain- borschow.com Submitter- "
		    "google.com Report-ID- 949348866075514174.eml",
		    &s);
	assert_int_equal(s.last_status, STATUS_OK);
	assert_int_equal(s.nreports, 1);
	r = &s.reports[0];
	assert_string_equal(r->meta.org_name, "google.com");
	assert_string_equal(r->meta.report_id, "949348866075514174");
	assert_int_equal(r->meta.date_begin, 1549929600);
	assert_int_equal(r->meta.date_end, 1550015999);
	assert_string_equal(r->meta.domain, "borschow.com");
	assert_string_equal(r->meta.p, "reject");
	assert_int_equal(r->rows, 1);
	assert_int_equal(r->messages, 1);
	assert_string_equal(r->first.source_ip, "92.53.116.102");
	assert_string_equal(r->first.disposition, "reject");
	assert_string_equal(r->first.spf_auth[0].domain, "borschow.com");
	assert_string_equal(r->first.spf_auth[0].result, "fail");
}

/* Empty <type> and <comment> in a reason add no reason. */
static void test_empty_reason(void **state)
{
	struct seen s;
	struct seen_report *r;

	read_shared("aggregate/empty_reason.xml", &s);
	assert_int_equal(s.last_status, STATUS_OK);
	r = &s.reports[0];
	assert_string_equal(r->meta.org_name, "example.org");
	assert_string_equal(r->meta.report_id, "20240125141224705995");
	assert_int_equal(r->meta.date_begin, 1706159544);
	assert_int_equal(r->meta.date_end, 1706185733);
	assert_string_equal(r->meta.p, "quarantine");
	assert_int_equal(r->rows, 1);
	assert_int_equal(r->messages, 2);
	assert_string_equal(r->first.source_ip, "198.51.100.123");
	assert_string_equal(r->first.dkim, "pass");
	assert_string_equal(r->first.spf, "fail");
	assert_string_equal(r->first.reasons, "");
	assert_false(r->first.arc);
	assert_string_equal(r->first.envelope_from, "example.edu");
	assert_string_equal(r->first.envelope_to, "example.net");
	assert_int_equal(r->first.ndkim_auth, 1);
	assert_string_equal(r->first.dkim_auth[0].domain, "example.com");
	assert_string_equal(r->first.dkim_auth[0].selector, "example");
	assert_string_equal(r->first.dkim_auth[0].result, "pass");
	assert_string_equal(r->first.spf_auth[0].domain, "example.edu");
	assert_string_equal(r->first.spf_auth[0].result, "pass");
}

/* A .xml.zip whose metadata puts report_id first and lacks optional
 * policy elements. */
static void test_xml_zip(void **state)
{
	struct seen s;
	struct seen_report *r;

	read_shared("aggregate/estadocuenta1.infonacot.gob.mx!example.com!"
		    "1536853302!1536939702!2940.xml.zip",
		    &s);
	assert_int_equal(s.last_status, STATUS_OK);
	r = &s.reports[0];
	assert_string_equal(r->meta.org_name, "XYZ Corporation");
	assert_string_equal(r->meta.report_id, "2940");
	assert_int_equal(r->meta.date_begin, 1536853302);
	assert_int_equal(r->meta.date_end, 1536939702);
	assert_string_equal(r->meta.domain, "example.com");
	assert_string_equal(r->meta.p, "none");
	assert_string_equal(r->meta.sp, "");
	assert_int_equal(r->meta.pct, -1);
	assert_int_equal(r->rows, 1);
	assert_int_equal(r->messages, 1);
	assert_string_equal(r->first.source_ip, "148.243.137.254");
	assert_string_equal(r->first.envelope_from, "");
	assert_int_equal(r->first.nspf_auth, 0);
	assert_int_equal(r->first.ndkim_auth, 0);
}

/* Stray text after </sp> and an empty <auth_results> are tolerated. */
static void test_stray_text(void **state)
{
	struct seen s;
	struct seen_report *r;

	read_shared("aggregate/example.net!example.com!1529366400!"
		    "1529452799.xml",
		    &s);
	assert_int_equal(s.last_status, STATUS_OK);
	r = &s.reports[0];
	assert_string_equal(r->meta.org_name, "example.net");
	assert_string_equal(r->meta.report_id,
			    "b043f0e264cf4ea995e93765242f6dfb");
	assert_int_equal(r->meta.date_begin, 1529366400);
	assert_int_equal(r->meta.date_end, 1529452799);
	assert_string_equal(r->meta.sp, "none");
	assert_int_equal(r->messages, 1);
	assert_string_equal(r->first.source_ip, "199.230.200.36");
	assert_string_equal(r->first.envelope_from, "example.com");
}

/* FastMail's gzip, with a comment inside <identifiers>. */
static void test_fastmail_gzip(void **state)
{
	struct seen s;
	struct seen_report *r;

	read_shared("aggregate/fastmail.com!example.com!1516060800!"
		    "1516147199!102675056.xml.gz",
		    &s);
	assert_int_equal(s.last_status, STATUS_OK);
	r = &s.reports[0];
	assert_string_equal(r->meta.org_name, "FastMail Pty Ltd");
	assert_string_equal(r->meta.report_id, "102675056");
	assert_int_equal(r->meta.date_begin, 1516060800);
	assert_int_equal(r->meta.date_end, 1516147199);
	assert_string_equal(r->meta.domain, "indemed.com");
	assert_int_equal(r->messages, 1);
	assert_string_equal(r->first.source_ip, "104.195.80.20");
	assert_string_equal(r->first.envelope_to, "fastmail.fm");
	assert_string_equal(r->first.spf_auth[0].result, "softfail");
}

/* Outlook's report declares the XML Schema namespaces on the root. */
static void test_outlook(void **state)
{
	struct seen s;
	struct seen_report *r;

	read_shared("aggregate/protection.outlook.com!example.com!1711756800!"
		    "1711843200.xml",
		    &s);
	assert_int_equal(s.last_status, STATUS_OK);
	r = &s.reports[0];
	assert_string_equal(r->meta.org_name, "Outlook.com");
	assert_string_equal(r->meta.report_id,
			    "cfeafefe4129445e8c81018bd9177197");
	assert_int_equal(r->meta.date_begin, 1711756800);
	assert_int_equal(r->meta.date_end, 1711843200);
	assert_int_equal(r->messages, 1);
	assert_string_equal(r->first.source_ip, "100.24.188.149");
	assert_string_equal(r->first.spf_auth[0].domain, "example.com");
	assert_string_equal(r->first.spf_auth[0].result, "fail");
}

/* The RFC 9990 sample, in the dmarc-2.0 namespace. */
static void test_rfc9990(void **state)
{
	struct seen s;
	struct seen_report *r;

	read_shared("aggregate/rfc9990-sample.xml", &s);
	assert_int_equal(s.last_status, STATUS_OK);
	r = &s.reports[0];
	assert_int_equal(r->meta.format, REPORT_FORMAT_RFC9990);
	assert_string_equal(r->meta.org_name, "Sample Reporter");
	assert_string_equal(r->meta.report_id, "3v98abbp8ya9n3va8yr8oa3ya");
	assert_int_equal(r->meta.date_begin, 302832000);
	assert_int_equal(r->meta.date_end, 302918399);
	assert_string_equal(r->meta.p, "quarantine");
	assert_string_equal(r->meta.np, "none");
	assert_string_equal(r->meta.testing, "n");
	assert_int_equal(r->meta.pct, -1);
	assert_int_equal(r->rows, 1);
	assert_int_equal(r->messages, 123);
	assert_string_equal(r->first.source_ip, "192.0.2.123");
	assert_string_equal(r->first.disposition, "pass");
	assert_string_equal(r->first.dkim_auth[0].selector, "abc123");
}

/* Malformed XML is rejected with the file's name and the line. */
static void test_invalid_xml(void **state)
{
	struct seen s;

	read_shared("aggregate/invalid_xml.xml", &s);
	assert_int_equal(s.last_status, STATUS_PARSE);
	assert_non_null(strstr(s.last_error, "invalid_xml.xml:5:"));
}

/* LinkedIn's failure report (RFC 6591), with its mbox "From " line. */
static void test_failure_report(void **state)
{
	struct seen s;

	read_shared("failure/dmarc_ruf_report_linkedin.eml", &s);
	assert_int_equal(s.last_status, STATUS_OK);
	assert_int_equal(s.nreports, 0);
	assert_int_equal(s.nfailures, 1);
	assert_string_equal(s.failure_msgid,
			    "BB.91.26019.C3EA7CC5@mail516.prod.linkedin.com");
	assert_string_equal(s.failure.feedback_type, "auth-failure");
	assert_string_equal(s.failure.source_ip, "10.10.10.10");
	assert_string_equal(s.failure.reported_domain, "example.com");
	assert_string_equal(s.failure.auth_failure, "dmarc");
	assert_string_equal(s.failure.original_from, "sender@example.com");
	assert_string_equal(s.failure.arrival_date,
			    "Tue, 30 Apr 2019 02:09:00 +0000");
	assert_string_equal(s.failure.delivery_result, "delivered");
	assert_string_equal(s.failure.dkim_domain, "");
}

/* Parses an in-memory report; returns the status and the error. */
static enum status parse_text(const char *xml, struct seen *s, char *error,
			      size_t size)
{
	struct report_handler h = { seen_meta, seen_row, s };
	struct err err = ERR_INIT;
	enum status st;

	memset(s, 0, sizeof *s);
	st = report_parse_memory(xml, strlen(xml), "t.xml", &h, &err);
	snprintf(error, size, "%s", st ? err_message(&err) : "");
	err_done(&err);
	return st;
}

/* clang-format off */
#define HEAD                                                            \
	"<feedback><report_metadata><org_name>o</org_name>"             \
	"<report_id>1</report_id><date_range><begin>1700006400</begin>" \
	"<end>1700092799</end></date_range></report_metadata>"          \
	"<policy_published><domain>Example.COM</domain><p>none</p>"     \
	"</policy_published>"
#define ROW(ip, count, extra)                                           \
	"<record><row><source_ip>" ip "</source_ip><count>" count       \
	"</count><policy_evaluated><disposition>NONE</disposition>"     \
	"<dkim>PASS</dkim><spf>Fail</spf>" extra                        \
	"</policy_evaluated></row><identifiers><header_from>"           \
	"Example.com</header_from></identifiers></record>"
/* clang-format on */

/* Hands a report over one octet at a time, so that every UTF-8
 * sequence arrives cut in two. */
static ssize_t octet_read(void *arg, char *buf, size_t len, struct err *err)
{
	const char **at = arg;

	(void)err;
	if (!**at || len == 0)
		return 0;
	buf[0] = *(*at)++;
	return 1;
}

/* A sequence cut by the reads is joined again; an invalid octet, and a
 * sequence the document ends in the middle of, become U+FFFD; the count
 * of newlines before a refused tag still gives its line. */
static void test_utf8_across_reads(void **state)
{
	const char *xml =
	    HEAD "<record><row><source_ip>192.0.2.1</source_ip>"
		 "<count>1</count><policy_evaluated><disposition>"
		 "none</disposition><dkim>pass</dkim><spf>pass</spf>"
		 "</policy_evaluated></row><identifiers><header_from>"
		 "b\xc3\xbc\xff.example</header_from></identifiers>"
		 "</record></feedback>";
	struct seen s;
	struct report_handler h = { seen_meta, seen_row, &s };
	struct err err = ERR_INIT;
	struct strbuf many = STRBUF_INIT;
	const char *at = xml;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(report_parse(octet_read, &at, "t.xml", &h, &err),
			 STATUS_OK);
	assert_int_equal(s.nreports, 1);
	assert_string_equal(s.reports[0].first.header_from,
			    "b\xc3\xbc\xef\xbf\xbd.example");
	strbuf_addstr(&many, "<feedback>\n\n<report_metadata");
	for (int i = 0; i <= REPORT_ATTR_MAX; i++)
		strbuf_addf(&many, " a%d=\"\n\"", i);
	strbuf_addstr(&many, "></report_metadata></feedback>");
	at = strbuf_str(&many);
	memset(&s, 0, sizeof s);
	assert_int_equal(report_parse(octet_read, &at, "t.xml", &h, &err),
			 STATUS_LIMIT);
	assert_non_null(strstr(err_message(&err), "t.xml:35:"));
	err_done(&err);
	strbuf_done(&many);
}

/* Upper-case results, reasons, IPv6 and many records. */
static void test_deviations(void **state)
{
	struct seen s;
	char error[512];

	assert_int_equal(
	    parse_text(HEAD ROW("2001:DB8::1", "5",
				"<reason><type>forwarded</type></reason>"
				"<reason><type>Local_Policy</type>"
				"<comment>arc=pass</comment></reason>")
			   ROW("192.0.2.1", "7", "") "</feedback>",
		       &s, error, sizeof error),
	    STATUS_OK);
	assert_int_equal(s.nreports, 1);
	assert_string_equal(s.reports[0].meta.domain, "example.com");
	assert_int_equal(s.reports[0].rows, 2);
	assert_int_equal(s.reports[0].messages, 12);
	assert_string_equal(s.reports[0].first.source_ip, "2001:db8::1");
	assert_string_equal(s.reports[0].first.disposition, "none");
	assert_string_equal(s.reports[0].first.dkim, "pass");
	assert_string_equal(s.reports[0].first.spf, "fail");
	assert_string_equal(s.reports[0].first.reasons,
			    "forwarded,local_policy");
	assert_true(s.reports[0].first.arc);
	assert_string_equal(s.reports[0].first.header_from, "example.com");
}

/* Hostile values are refused with a message naming the problem. */
static void test_hostile_values(void **state)
{
	struct seen s;
	char error[512];

	assert_int_equal(
	    parse_text(
		HEAD ROW("192.0.2.1", "18446744073709551617", "") "</feedback>",
		&s, error, sizeof error),
	    STATUS_LIMIT);
	assert_non_null(strstr(error, "too large"));
	assert_int_equal(
	    parse_text(HEAD ROW("192.0.2.1", "-3", "") "</feedback>", &s, error,
		       sizeof error),
	    STATUS_PARSE);
	assert_non_null(strstr(error, "<count> \"-3\""));
	assert_int_equal(
	    parse_text(HEAD ROW("192.0.2.300", "1", "") "</feedback>", &s,
		       error, sizeof error),
	    STATUS_PARSE);
	assert_non_null(strstr(error, "192.0.2.300"));
	assert_int_equal(
	    parse_text(HEAD ROW("not-an-ip\x1b[31m", "1", "") "</feedback>", &s,
		       error, sizeof error),
	    STATUS_PARSE);
	/* The escape sequence is gone from the message. */
	assert_null(strchr(error, '\x1b'));
	assert_int_equal(
	    parse_text("<html><body/></html>", &s, error, sizeof error),
	    STATUS_PARSE);
	assert_non_null(strstr(error, "not a DMARC aggregate report"));
	assert_int_equal(parse_text("", &s, error, sizeof error), STATUS_PARSE);
	/* Records before the metadata. */
	assert_int_equal(
	    parse_text("<feedback>" ROW("192.0.2.1", "1", "") "</feedback>", &s,
		       error, sizeof error),
	    STATUS_PARSE);
	assert_int_equal(s.nreports, 0);
}

/* A ROW of auth_results, closing the record ROW leaves open. */
/* clang-format off */
#define AUTH_ROW(auth)                                                  \
	"<record><row><source_ip>192.0.2.1</source_ip><count>1</count>" \
	"<policy_evaluated><disposition>none</disposition><dkim>fail"   \
	"</dkim><spf>fail</spf></policy_evaluated></row><identifiers>"  \
	"<header_from>example.com</header_from></identifiers>"          \
	"<auth_results>" auth "</auth_results></record>"
/* clang-format on */

/* An auth result whose selector, domain or result is not one is left
 * out of its row and counted; the row and the good results stay. The
 * selector here would read as "example.com:s2:pass" once the results
 * are joined as "domain:selector:result" words. */
static void test_auth_checked(void **state)
{
	struct seen s;
	char error[512];
	const struct report_row *r = &s.reports[0].first;

	(void)state;
	assert_int_equal(
	    parse_text(
		HEAD AUTH_ROW("<dkim><domain>evil.example</domain><selector>x "
			      "example.com:s2 pass y</selector><result>fail"
			      "</result></dkim>"
			      "<dkim><domain>example.com</domain><selector>"
			      "S2.a-b</selector><result>Pass</result></dkim>"
			      "<dkim><domain>example.com:s2:pass</domain>"
			      "<result>pass</result></dkim>"
			      "<dkim><domain>example.com</domain><selector>s2"
			      "</selector><result>pass y</result></dkim>"
			      "<dkim><domain>example.com</domain><selector>s2."
			      "</selector><result>pass</result></dkim>"
			      "<spf><domain>a b.example</domain><result>pass"
			      "</result></spf>"
			      "<spf><domain>example.com</domain><result>policy"
			      "</result></spf>"
			      "<spf><domain></domain><result>none</result></"
			      "spf>") "</feedback>",
		&s, error, sizeof error),
	    STATUS_OK);
	assert_int_equal(s.reports[0].rows, 1);
	assert_int_equal(r->ndkim_auth, 1);
	assert_string_equal(r->dkim_auth[0].domain, "example.com");
	assert_string_equal(r->dkim_auth[0].selector, "s2.a-b");
	assert_string_equal(r->dkim_auth[0].result, "pass");
	assert_int_equal(r->nspf_auth, 1);
	assert_string_equal(r->spf_auth[0].domain, "");
	assert_string_equal(r->spf_auth[0].result, "none");
	assert_int_equal(s.reports[0].meta.dropped_auth, 6);
}

/* A DTD is refused before any entity can be used. */
static void test_dtd_refused(void **state)
{
	struct seen s;
	char error[512];

	assert_int_equal(parse_text("<?xml version=\"1.0\"?>\n"
				    "<!DOCTYPE feedback [<!ENTITY xxe SYSTEM "
				    "\"file:///etc/passwd\">]>\n"
				    "<feedback><report_metadata><org_name>&xxe;"
				    "</org_name></report_metadata></feedback>",
				    &s, error, sizeof error),
			 STATUS_REFUSED);
	assert_non_null(strstr(error, "DTD"));
	assert_int_equal(s.nreports, 0);
}

/* Strings longer than the limit are refused, not truncated. */
static void test_long_string(void **state)
{
	struct seen s;
	char error[512];
	char *org = xmalloc(2001);
	char *xml;

	memset(org, 'x', 2000);
	org[2000] = '\0';
	xml = xasprintf("<feedback><report_metadata><org_name>%s</org_name>"
			"</report_metadata></feedback>",
			org);
	assert_int_equal(parse_text(xml, &s, error, sizeof error),
			 STATUS_LIMIT);
	assert_non_null(strstr(error, "<org_name>"));
	free(xml);
	free(org);
}

/* Values are read whole: zeros and spaces in front of a value cannot
 * push what follows past a cut (a count of 300 zeros then 5000 once
 * became 0, spaces before an org_name changed it). */
static void test_whole_values(void **state)
{
	struct seen s;
	char error[512];
	char zeros[301], spaces[251], *xml;

	memset(zeros, '0', 300);
	zeros[300] = '\0';
	memset(spaces, ' ', 250);
	spaces[250] = '\0';
	xml = xasprintf(
	    "<feedback><report_metadata><org_name>%sEvil Corp"
	    "</org_name><report_id>1</report_id><date_range>"
	    "<begin>%s1700006400</begin><end>1700092799</end>"
	    "</date_range></report_metadata><policy_published>"
	    "<domain>example.com</domain><p>none</p>"
	    "</policy_published>" ROW("192.0.2.1", "%s5000", "") "</feedback>",
	    spaces, zeros, zeros);
	assert_int_equal(parse_text(xml, &s, error, sizeof error), STATUS_OK);
	assert_int_equal(s.nreports, 1);
	assert_string_equal(s.reports[0].meta.org_name, "Evil Corp");
	assert_int_equal(s.reports[0].meta.date_begin, 1700006400);
	assert_int_equal(s.reports[0].messages, 5000);
	free(xml);
}

/* More text than an element may hold is refused, as are dates outside
 * 1970..2100 (a report dated 2^63 s was stored and never shown). */
static void test_value_limits(void **state)
{
	struct seen s;
	char error[512];
	char *zeros = xmalloc(REPORT_TEXT_MAX + 2), *xml;

	memset(zeros, '0', REPORT_TEXT_MAX + 1);
	zeros[REPORT_TEXT_MAX + 1] = '\0';
	xml = xasprintf(HEAD ROW("192.0.2.1", "%s1", "") "</feedback>", zeros);
	assert_int_equal(parse_text(xml, &s, error, sizeof error),
			 STATUS_LIMIT);
	assert_non_null(strstr(error, "<count> holds more than 4096 bytes"));
	free(xml);
	assert_int_equal(
	    parse_text("<feedback><report_metadata><org_name>o</org_name>"
		       "<report_id>1</report_id><date_range><begin>"
		       "9223372036854775807</begin><end>1700092799</end>"
		       "</date_range></report_metadata></feedback>",
		       &s, error, sizeof error),
	    STATUS_PARSE);
	assert_non_null(strstr(error, "not a date between 1970 and 2100"));
	assert_int_equal(
	    parse_text("<feedback><report_metadata><org_name>o</org_name>"
		       "<report_id>1</report_id><date_range><begin>"
		       "1700006400</begin><end>4102444800</end>"
		       "</date_range></report_metadata></feedback>",
		       &s, error, sizeof error),
	    STATUS_PARSE);
	assert_int_equal(s.nreports, 0);
	free(zeros);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_org_name),
		cmocka_unit_test(test_utf8_across_reads),
		cmocka_unit_test(test_google_mail),
		cmocka_unit_test(test_empty_reason),
		cmocka_unit_test(test_xml_zip),
		cmocka_unit_test(test_stray_text),
		cmocka_unit_test(test_whole_values),
		cmocka_unit_test(test_value_limits),
		cmocka_unit_test(test_fastmail_gzip),
		cmocka_unit_test(test_outlook),
		cmocka_unit_test(test_rfc9990),
		cmocka_unit_test(test_invalid_xml),
		cmocka_unit_test(test_failure_report),
		cmocka_unit_test(test_deviations),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_auth_checked),
		cmocka_unit_test(test_dtd_refused),
		cmocka_unit_test(test_long_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
