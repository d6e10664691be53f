/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the reports say about a domain: totals and pass rates per day and
 * ISO week, sources with forward-confirmed reverse DNS, the provider
 * that explains them, their class and the fix, computed by hand for a
 * small set of reports and a DNS table. */
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "plan/analysis.h"
#include "dns/dns.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "providers/providers.h"
#include "store/report_store.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* One <record>. */
static void record(struct strbuf *sb, const char *ip, int count,
		   const char *dkim, const char *spf, const char *reason,
		   const char *envelope, const char *auth)
{
	strbuf_addf(sb,
		    "<record><row><source_ip>%s</source_ip><count>%d</count>"
		    "<policy_evaluated><disposition>none</disposition>"
		    "<dkim>%s</dkim><spf>%s</spf>%s%s%s</policy_evaluated>"
		    "</row><identifiers><envelope_from>%s</envelope_from>"
		    "<header_from>example.com</header_from></identifiers>"
		    "<auth_results>%s</auth_results></record>",
		    ip, count, dkim, spf, reason ? "<reason><type>" : "",
		    reason ? reason : "", reason ? "</type></reason>" : "",
		    envelope, auth);
}

/* A report of example.com beginning at UNIX time begin. */
static char *report_begin(struct strbuf *sb, const char *id, long begin)
{
	strbuf_reset(sb);
	strbuf_addf(sb,
		    "<feedback><report_metadata><org_name>google.com"
		    "</org_name><report_id>%s</report_id><date_range>"
		    "<begin>%ld</begin><end>%ld</end></date_range>"
		    "</report_metadata><policy_published><domain>example.com"
		    "</domain><p>none</p></policy_published>",
		    id, begin, begin + 86399);
	return NULL;
}

struct fixture {
	char *dir;
	char *db; /* the SQLite file or PostgreSQL database */
	struct store *store;
	struct dns *dns;
	struct providers *providers;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct err err = ERR_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct report_import_stats stats;
	char *ini;

	f->dir = testenv_mkdtemp();
	f->db = testenv_db(f->dir, "a.db");
	assert_int_equal(store_open(&f->store, f->db, &err), STATUS_OK);

	/* 2024-01-01 (Monday of ISO week 1) is 1704067200. */
	report_begin(&sb, "r1", 1704067200);
	record(&sb, "209.85.220.41", 100, "pass", "pass", NULL, "example.com",
	       "<dkim><domain>example.com</domain><result>pass</result></dkim>"
	       "<spf><domain>example.com</domain><result>pass</result></spf>");
	record(&sb, "192.0.2.10", 10, "fail", "fail", NULL, "example.com",
	       "<spf><domain>example.com</domain><result>fail</result></spf>");
	record(&sb, "198.51.100.7", 5, "fail", "fail", "forwarded",
	       "example.com", "");
	record(&sb, "203.0.113.5", 20, "fail", "fail", NULL,
	       "bounces.sendgrid.net",
	       "<dkim><domain>sendgrid.net</domain><result>pass</result>"
	       "</dkim><spf><domain>bounces.sendgrid.net</domain><result>"
	       "pass</result></spf>");
	strbuf_addstr(&sb, "</feedback>");
	free(testenv_write_file(f->dir, "r1.xml", strbuf_str(&sb)));
	/* 2024-01-09, a Tuesday of week 2. */
	report_begin(&sb, "r2", 1704758400);
	record(&sb, "209.85.220.41", 50, "pass", "pass", NULL, "example.com",
	       "");
	record(&sb, "2001:db8::5", 15, "pass", "fail", NULL, "example.com", "");
	strbuf_addstr(&sb, "</feedback>");
	free(testenv_write_file(f->dir, "r2.xml", strbuf_str(&sb)));
	/* Another domain's report does not count. */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "<feedback><report_metadata><org_name>x</org_name>"
			   "<report_id>other</report_id><date_range><begin>"
			   "1704067200</begin><end>1704153599</end>"
			   "</date_range></report_metadata><policy_published>"
			   "<domain>example.net</domain></policy_published>");
	record(&sb, "192.0.2.10", 1000, "fail", "fail", NULL, "example.net",
	       "");
	strbuf_addstr(&sb, "</feedback>");
	free(testenv_write_file(f->dir, "r3.xml", strbuf_str(&sb)));
	memset(&stats, 0, sizeof stats);
	assert_int_equal(report_import_path(f->store, f->dir, NULL, &stats,
					    NULL, NULL, &err),
			 STATUS_OK);
	assert_int_equal(stats.reports, 3);
	strbuf_done(&sb);

	f->dns = dns_new_table();
	assert_int_equal(
	    dns_table_add(
		f->dns,
		"example.com 300 IN TXT \"v=spf1 include:_spf.google.com "
		"-all\"\n"
		"_spf.google.com 300 IN TXT \"v=spf1 ip4:209.85.128.0/17 "
		"~all\"\n"
		"41.220.85.209.in-addr.arpa 300 IN PTR "
		"mail-sor-f41.google.com\n"
		"mail-sor-f41.google.com 300 IN A 209.85.220.41\n"
		"5.113.0.203.in-addr.arpa 300 IN PTR o1.ptr42.sendgrid.net\n"
		"o1.ptr42.sendgrid.net 300 IN A 203.0.113.5\n"
		/* A spoofed reverse name that its A record denies. */
		"10.2.0.192.in-addr.arpa 300 IN PTR mail-evil.google.com\n"
		"mail-evil.google.com 300 IN A 192.0.2.99\n",
		&err),
	    STATUS_OK);
	ini = xasprintf("%s/data/providers.ini", testenv_srcdir());
	assert_int_equal(providers_load(&f->providers, ini, &err), STATUS_OK);
	free(ini);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	providers_free(f->providers);
	dns_free(f->dns);
	store_close(f->store);
	testenv_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

/* Finds a source by address. */
static const struct analysis_source *source(const struct analysis *a,
					    const char *ip)
{
	for (size_t i = 0; i < a->nsources; i++)
		if (strcmp(a->sources[i].ip, ip) == 0)
			return &a->sources[i];
	fail_msg("no source %s", ip);
	return NULL;
}

/* A resolver that never answers: the DNS phase ends at its deadline,
 * long before the queries' own timeout, and says how many sources it
 * could not look up. */
static void test_dns_deadline(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct dns_live_options lo = { .timeout = 30 };
	struct analysis_options o = { NULL, f->providers, 0, 300 };
	struct err err = ERR_INIT;
	struct analysis *a;
	struct timespec t0, t1;
	char *servers;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	servers = xasprintf("127.0.0.1:%d", ntohs(sin.sin_port));
	lo.servers = servers;
	assert_int_equal(dns_new_live(&o.dns, &lo, &err), STATUS_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(analysis_run(f->store, "example.com", DATE_ANY,
				      DATE_ANY, &o, &a, &err),
			 STATUS_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Every source of example.com was cut off, none got a name. */
	assert_int_equal(a->dns_skipped, a->nsources);
	assert_int_equal(a->nsources, 5);
	for (size_t i = 0; i < a->nsources; i++)
		assert_null(a->sources[i].ptr);
	/* Ended by the deadline, not by the 30 s query timeout. */
	assert_true(t1.tv_sec - t0.tv_sec < 20);
	analysis_free(a);
	dns_free(o.dns);
	close(fd);
	free(servers);
}

/* A reverse name confirmed through a real server is kept in the
 * database with the least TTL of its PTR and A records, and a second
 * summary takes it from there when no server answers any more. */
static void test_reverse_names_kept(void **state)
{
	struct fixture *f = *state;
	char *rev = nsd_zone_preamble("113.0.203.in-addr.arpa");
	char *fwd = nsd_zone_preamble("sendgrid.net");
	char *revz = xasprintf("%s5 600 IN PTR o1.ptr42.sendgrid.net.\n", rev);
	char *fwdz = xasprintf("%so1.ptr42 120 IN A 203.0.113.5\n", fwd);
	struct nsd_zone zones[2] = { { "113.0.203.in-addr.arpa", revz },
				     { "sendgrid.net", fwdz } };
	struct nsd_server nsd = { 0 };
	struct dns_live_options lo = { .timeout = 2 };
	struct analysis_options o = { NULL, f->providers, 0, 3000 };
	struct err err = ERR_INIT;
	struct analysis *a;
	char *db, *kept;
	long left;

	free(rev);
	free(fwd);
	if (!nsd_available()) {
		free(revz);
		free(fwdz);
		skip();
	}
	assert_true(nsd_start(&nsd, zones, 2));
	lo.servers = nsd.address;
	assert_int_equal(dns_new_live(&o.dns, &lo, &err), STATUS_OK);
	assert_int_equal(analysis_run(f->store, "example.com", DATE_ANY,
				      DATE_ANY, &o, &a, &err),
			 STATUS_OK);
	assert_string_equal(source(a, "203.0.113.5")->ptr,
			    "o1.ptr42.sendgrid.net");
	analysis_free(a);
	db = xstrdup(f->db);
	kept = testenv_db_text(
	    db, testenv_db_postgres()
		    ? "SELECT name || ' ' || (expires - CAST(extract(epoch"
		      " FROM now()) AS BIGINT)) FROM reverse_name WHERE"
		      " ip = '203.0.113.5'"
		    : "SELECT name || ' ' || (expires - CAST(strftime('%s',"
		      " 'now') AS INTEGER)) FROM reverse_name WHERE"
		      " ip = '203.0.113.5'");
	assert_non_null(kept);
	assert_true(strncmp(kept, "o1.ptr42.sendgrid.net ", 22) == 0);
	left = strtol(kept + 22, NULL, 10);
	assert_true(left > 60 && left <= 120);
	/* The servers nsd refuses (the other reverse zones) settle
	 * nothing, so nothing is kept for them. */
	free(kept);
	kept = testenv_db_text(db, "SELECT count(*) FROM reverse_name");
	assert_string_equal(kept, "1");
	nsd_stop(&nsd);
	assert_int_equal(analysis_run(f->store, "example.com", DATE_ANY,
				      DATE_ANY, &o, &a, &err),
			 STATUS_OK);
	assert_string_equal(source(a, "203.0.113.5")->ptr,
			    "o1.ptr42.sendgrid.net");
	assert_null(source(a, "209.85.220.41")->ptr);
	analysis_free(a);
	dns_free(o.dns);
	free(kept);
	free(db);
	free(revz);
	free(fwdz);
}

/* The whole history: totals, weeks, classes, providers, fixes. */
static void test_analysis(void **state)
{
	struct fixture *f = *state;
	struct analysis_options o = { f->dns, f->providers, 0, 0 };
	struct analysis *a;
	struct err err = ERR_INIT;
	const struct analysis_source *s;

	assert_int_equal(analysis_run(f->store, "Example.COM.", DATE_ANY,
				      DATE_ANY, &o, &a, &err),
			 STATUS_OK);
	assert_string_equal(a->domain, "example.com");
	assert_int_equal(a->reports, 2);
	/* 100+10+5+20 + 50+15 */
	assert_int_equal(a->totals.messages, 200);
	assert_int_equal(a->totals.dmarc_pass, 165);
	assert_int_equal(a->totals.spf_aligned, 150);
	assert_int_equal(a->totals.dkim_aligned, 165);
	assert_true(a->pass_rate > 0.8249 && a->pass_rate < 0.8251);
	/* Legitimate: less 10 unknown and 5 forwarded failing. */
	assert_int_equal(a->legitimate, 185);
	assert_int_equal(a->ndays, 2);
	assert_int_equal(a->nweeks, 2);
	assert_int_equal(a->weeks[0].iso_year, 2024);
	assert_int_equal(a->weeks[0].week, 1);
	assert_int_equal(a->weeks[0].t.messages, 135);
	assert_int_equal(a->weeks[0].t.dmarc_pass, 100);
	assert_int_equal(a->weeks[1].week, 2);
	assert_int_equal(a->weeks[1].t.messages, 65);
	assert_int_equal(a->weeks[1].t.dmarc_pass, 65);
	{
		char buf[DATE_BUFSIZE];

		assert_string_equal(date_format(a->weeks[1].day, buf),
				    "2024-01-08");
	}

	assert_int_equal(a->nsources, 5);
	assert_string_equal(a->sources[0].ip, "209.85.220.41");
	assert_string_equal(a->sources[1].ip, "203.0.113.5");

	s = source(a, "209.85.220.41");
	assert_int_equal(s->t.messages, 150);
	assert_int_equal(s->cls, ANALYSIS_PASS);
	assert_string_equal(s->ptr, "mail-sor-f41.google.com");
	assert_string_equal(s->spf_result, "pass");
	assert_string_equal(s->explained_by, "include:_spf.google.com");
	assert_non_null(s->provider);
	assert_string_equal(s->provider->id, "google-workspace");

	s = source(a, "203.0.113.5");
	assert_int_equal(s->cls, ANALYSIS_FAIL_KNOWN);
	assert_string_equal(s->ptr, "o1.ptr42.sendgrid.net");
	assert_string_equal(s->provider->id, "sendgrid");
	assert_string_equal(s->spf_result, "fail");
	assert_int_equal(s->fixes, ANALYSIS_FIX_SPF | ANALYSIS_FIX_DKIM |
				       ANALYSIS_FIX_RETURN_PATH);
	assert_string_equal(s->envelope_from, "bounces.sendgrid.net");
	assert_true(s->failing_share > 0.0999 && s->failing_share < 0.1001);

	s = source(a, "192.0.2.10");
	assert_int_equal(s->cls, ANALYSIS_FAIL_UNKNOWN);
	assert_null(s->ptr); /* the reverse name was not confirmed */
	assert_null(s->provider);
	assert_int_equal(s->t.messages, 10);

	s = source(a, "198.51.100.7");
	assert_int_equal(s->cls, ANALYSIS_FORWARDED);
	assert_int_equal(s->forwarded, 5);

	s = source(a, "2001:db8::5");
	assert_int_equal(s->cls, ANALYSIS_PASS);

	assert_int_equal(a->findings.count, 2);
	assert_true(
	    findings_has(&a->findings, F_REPORT_UNKNOWN_SOURCE_FAILING));
	assert_true(findings_has(&a->findings, F_REPORT_KNOWN_SOURCE_FAILING));
	for (size_t i = 0; i < a->findings.count; i++) {
		const struct finding *fd = &a->findings.items[i];

		if (fd->code == F_REPORT_KNOWN_SOURCE_FAILING) {
			assert_non_null(strstr(fd->message, "203.0.113.5"));
			assert_non_null(strstr(
			    fd->advice, "add include:sendgrid.net to "
					"the SPF record of example.com"));
			assert_non_null(strstr(fd->advice, "DKIM"));
			assert_non_null(strstr(fd->advice, "return-path"));
		} else {
			assert_non_null(strstr(fd->message, "192.0.2.10"));
			assert_non_null(strstr(fd->message, "10 of 10"));
		}
	}
	analysis_free(a);
}

/* A window holds the reports that begin inside it; without DNS the
 * sources keep their volumes and classes from the reports alone. */
static void test_window_without_dns(void **state)
{
	struct fixture *f = *state;
	struct analysis *a;
	struct err err = ERR_INIT;
	date_t since, until;

	assert_true(date_parse("2024-01-08", &since));
	assert_true(date_parse("2024-01-14", &until));
	assert_int_equal(
	    analysis_run(f->store, "example.com", since, until, NULL, &a, &err),
	    STATUS_OK);
	assert_int_equal(a->totals.messages, 65);
	assert_int_equal(a->totals.dmarc_pass, 65);
	assert_int_equal(a->nsources, 2);
	assert_null(a->sources[0].ptr);
	assert_null(a->sources[0].spf_result);
	assert_int_equal(a->findings.count, 0);
	analysis_free(a);
	/* A day before everything: nothing. */
	assert_true(date_parse("2023-12-31", &until));
	assert_int_equal(analysis_run(f->store, "example.com", DATE_ANY, until,
				      NULL, &a, &err),
			 STATUS_OK);
	assert_int_equal(a->totals.messages, 0);
	assert_int_equal(a->nsources, 0);
	analysis_free(a);
}

/* The command prints the fixed JSON keys with the same numbers. */
static void test_cli_summary(void **state)
{
	struct fixture *f = *state;
	char *db = xstrdup(f->db);
	char *zone = testenv_write_file(
	    f->dir, "example.com.zone",
	    "$ORIGIN example.com.\n$TTL 300\n"
	    "@ IN SOA ns.example.com. h.example.com. 1 2 3 4 5\n"
	    "@ IN NS ns.example.com.\n"
	    "@ IN TXT \"v=spf1 ip4:192.0.2.10 -all\"\n");
	const char *args[] = {
		"--db",    db,           "--zone",  zone,
		"--json",  "report",     "summary", "example.com",
		"--since", "2024-01-01", NULL
	};
	struct testenv_run run;
	json_t *o, *src;

	store_close(f->store);
	f->store = NULL;
	{
		struct err err = ERR_INIT;

		run = testenv_run_dmarcpilot(args, NULL);
		assert_int_equal(run.status, 0);
		o = json_loads(run.out, 0, NULL);
		assert_non_null(o);
		assert_int_equal(
		    json_integer_value(json_object_get(o, "messages")), 200);
		assert_int_equal(
		    json_integer_value(json_object_get(o, "dmarc_pass")), 165);
		assert_int_equal(
		    json_integer_value(json_object_get(o, "spf_aligned")), 150);
		assert_int_equal(
		    json_integer_value(json_object_get(o, "dkim_aligned")),
		    165);
		assert_int_equal(json_array_size(json_object_get(o, "weeks")),
				 2);
		src = json_array_get(json_object_get(o, "sources"), 0);
		assert_string_equal(
		    json_string_value(json_object_get(src, "ip")),
		    "209.85.220.41");
		assert_string_equal(
		    json_string_value(json_object_get(src, "class")), "PASS");
		/* The zone's record authorizes 192.0.2.10: now known. */
		for (size_t i = 0;
		     i < json_array_size(json_object_get(o, "sources")); i++) {
			json_t *s =
			    json_array_get(json_object_get(o, "sources"), i);

			if (strcmp(json_string_value(json_object_get(s, "ip")),
				   "192.0.2.10") == 0)
				assert_string_equal(
				    json_string_value(
					json_object_get(s, "class")),
				    "FAIL-known-sender");
		}
		assert_true(json_is_array(json_object_get(o, "findings")));
		json_decref(o);
		testenv_run_done(&run);
		assert_int_equal(store_open(&f->store, db, &err), STATUS_OK);
	}
	free(zone);
	free(db);
}

/* The fix of a failing source names what to act on: an address is no
 * service, so an unknown one is never told to "enable DKIM at" it. */
static void test_fix_text_of_an_address(void **state)
{
	struct analysis a;
	struct analysis_source src;
	char *fix;

	(void)state;
	memset(&a, 0, sizeof a);
	memset(&src, 0, sizeof src);
	a.domain = (char *)"example.com";
	snprintf(src.ip, sizeof src.ip, "%s", "198.2.131.30");
	src.fixes = ANALYSIS_FIX_DKIM;
	fix = analysis_fix_text(&a, &src);
	assert_non_null(fix);
	assert_null(strstr(fix, "at 198.2.131.30"));
	assert_non_null(strstr(fix, "sends from 198.2.131.30"));
	free(fix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fix_text_of_an_address),
		cmocka_unit_test_setup_teardown(test_analysis, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reverse_names_kept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dns_deadline, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_window_without_dns, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cli_summary, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
