/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rollout plan: the phase a domain is in, when the next step is
 * allowed and with which exact record, what the reports must show first,
 * the timeline of weeks, and step refusing while an authoritative server
 * still serves the old record. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/nsd.h"
#include "lib/testenv.h"
#include "providers/providers.h"
#include "plan/rollout.h"
#include "store/state.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
	char *path;
	struct store *store;
	struct providers *catalogue;
};

/* A database with example.com added on 2026-11-23 and two senders. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct err err = ERR_INIT;
	const char *datadir = getenv("DMARCPILOT_DATADIR");
	char *ini = xasprintf("%s/providers.ini",
			      datadir ? datadir : ABS_SRCDIR "/data");
	date_t d;

	f->dir = testenv_mkdtemp();
	f->path = testenv_db(f->dir, "state.db");
	assert_int_equal(store_open(&f->store, f->path, &err), STATUS_OK);
	assert_int_equal(providers_load(&f->catalogue, ini, &err), STATUS_OK);
	free(ini);
	assert_true(date_parse("2026-11-23", &d));
	assert_int_equal(
	    state_domain_add(f->store, "example.com", d, NULL, &err),
	    STATUS_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	providers_free(f->catalogue);
	store_close(f->store);
	testenv_rmdir(f->dir);
	free(f->path);
	free(f->dir);
	free(f);
	return 0;
}

static date_t day(const char *s)
{
	date_t d;

	assert_true(date_parse(s, &d));
	return d;
}

/* Adds the two senders of these tests. */
static void add_senders(struct fixture *f)
{
	struct err err = ERR_INIT;

	assert_int_equal(
	    state_sender_add(f->store, "example.com", "google-workspace", NULL,
			     f->catalogue, day("2026-11-23"), NULL, &err),
	    STATUS_OK);
	assert_int_equal(
	    state_sender_add(f->store, "example.com", "ip4:192.0.2.0/24", NULL,
			     f->catalogue, day("2026-11-23"), NULL, &err),
	    STATUS_OK);
}

/* Loads the inputs and decides on day today. */
static void plan_on(struct fixture *f, const char *today,
		    struct rollout_inputs *in, struct rollout_plan *plan)
{
	struct err err = ERR_INIT;

	assert_int_equal(rollout_inputs_load(f->store, NULL, f->catalogue,
					     "example.com", day(today), in,
					     &err),
			 STATUS_OK);
	rollout_decide(in, day(today), plan);
}

/* True if one of the plan's reasons contains needle. */
static bool reason_has(const struct rollout_plan *plan, const char *needle)
{
	for (size_t i = 0; i < plan->reasons.count; i++)
		if (strstr(plan->reasons.items[i].message, needle))
			return true;
	return false;
}

/* Nothing is published before the senders are known; then SPF ~all with
 * the addresses first. */
static void test_discovery(void **state)
{
	struct fixture *f = *state;
	struct rollout_inputs in;
	struct rollout_plan plan;

	plan_on(f, "2026-11-23", &in, &plan);
	assert_int_equal(plan.phase, ROLLOUT_DISCOVERY);
	assert_false(plan.ready);
	assert_true(reason_has(&plan, "sender add"));
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);

	add_senders(f);
	/* Offline the lookups of the include cannot be counted: a record
	 * that may pass the limit of RFC 7208 4.6.4 is never ready. */
	plan_on(f, "2026-11-24", &in, &plan);
	assert_false(plan.ready);
	assert_true(findings_has(&plan.reasons, F_PLAN_SPF_UNCOUNTED));
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	{
		struct dns *dns = dns_new_table();
		struct err err = ERR_INIT;

		assert_int_equal(dns_table_add(dns,
					       "_spf.google.com. 300 IN TXT "
					       "\"v=spf1 ip4:74.125.0.0/16 "
					       "~all\"\n",
					       &err),
				 STATUS_OK);
		assert_int_equal(rollout_inputs_load(
				     f->store, dns, f->catalogue, "example.com",
				     day("2026-11-24"), &in, &err),
				 STATUS_OK);
		rollout_decide(&in, day("2026-11-24"), &plan);
		dns_free(dns);
	}
	assert_int_equal(in.spf_lookups, 1);
	assert_int_equal(plan.phase, ROLLOUT_DISCOVERY);
	assert_int_equal(plan.since, day("2026-11-23"));
	assert_true(plan.ready);
	assert_int_equal(plan.next.action, ROLLOUT_ACTION_SPF);
	assert_string_equal(plan.next.name, "example.com");
	assert_string_equal(plan.next.record,
			    "v=spf1 ip4:192.0.2.0/24 include:_spf.google.com "
			    "~all");
	assert_string_equal(in.spf_hard,
			    "v=spf1 ip4:192.0.2.0/24 include:_spf.google.com "
			    "-all");
	assert_int_equal(plan.earliest, day("2026-11-24"));
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
}

/* After SPF: DKIM keys, then DMARC p=none with rua. */
static void test_spf_then_dkim_then_monitor(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct state_dkim_key key = {
		.selector = (char *)"google",
		.algorithm = (char *)"rsa",
		.bits = 2048,
		.provider = (char *)"google-workspace",
		.published = DATE_NONE,
		.retired = DATE_NONE,
	};

	add_senders(f);
	assert_int_equal(state_rung_add(f->store, "example.com", RUNG_SPF, 0,
					"v=spf1 ip4:192.0.2.0/24 "
					"include:_spf.google.com ~all",
					day("2026-11-24"), &err),
			 STATUS_OK);
	plan_on(f, "2026-11-25", &in, &plan);
	assert_int_equal(plan.phase, ROLLOUT_SPF);
	assert_int_equal(plan.since, day("2026-11-24"));
	assert_false(plan.ready);
	assert_true(reason_has(&plan, "dkim keygen"));
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);

	key.created = day("2026-11-25");
	assert_int_equal(
	    state_dkim_key_add(f->store, "example.com", &key, NULL, &err),
	    STATUS_OK);
	plan_on(f, "2026-11-25", &in, &plan);
	assert_int_equal(plan.phase, ROLLOUT_SPF);
	assert_int_equal(plan.next.action, ROLLOUT_ACTION_DKIM);
	assert_string_equal(plan.next.name, "google._domainkey.example.com");
	assert_string_equal(plan.next.selector, "google");
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);

	assert_int_equal(state_dkim_key_published(f->store, "example.com",
						  "google", day("2026-11-27"),
						  &err),
			 STATUS_OK);
	plan_on(f, "2026-11-28", &in, &plan);
	assert_int_equal(plan.phase, ROLLOUT_DKIM);
	assert_int_equal(plan.since, day("2026-11-27"));
	assert_true(plan.ready);
	assert_int_equal(plan.next.action, ROLLOUT_ACTION_DMARC);
	assert_int_equal(plan.next.rung, 0);
	assert_string_equal(plan.next.name, "_dmarc.example.com");
	assert_string_equal(plan.next.record,
			    "v=DMARC1; p=none; rua=mailto:dmarc@example.com");
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
}

/* Puts the domain at p=none since 2026-12-01. */
static void to_monitor(struct fixture *f)
{
	struct err err = ERR_INIT;

	add_senders(f);
	assert_int_equal(state_rung_add(f->store, "example.com", RUNG_SPF, 0,
					"v=spf1 ip4:192.0.2.0/24 "
					"include:_spf.google.com ~all",
					day("2026-11-24"), &err),
			 STATUS_OK);
	assert_int_equal(state_rung_add(f->store, "example.com", RUNG_DMARC, 0,
					"v=DMARC1; p=none; "
					"rua=mailto:dmarc@example.com",
					day("2026-12-01"), &err),
			 STATUS_OK);
}

/* Sets evidence: passing of legitimate, plus failing sources. */
static void evidence(struct rollout_inputs *in, uint64_t passing,
		     uint64_t legitimate, uint64_t unknown, uint64_t known)
{
	struct rollout_evidence *e = &in->evidence;

	rollout_evidence_done(e);
	in->have_evidence = true;
	e->reports = 3;
	e->legitimate = legitimate;
	e->passing = passing;
	e->messages = legitimate + unknown;
	e->failing = xcalloc(2, sizeof *e->failing);
	if (unknown) {
		e->failing[e->nfailing].ip = xstrdup("203.0.113.9");
		e->failing[e->nfailing].messages = unknown;
		e->failing[e->nfailing++].cls = ROLLOUT_CLASS_FAIL_UNKNOWN;
	}
	if (known) {
		e->failing[e->nfailing].ip = xstrdup("192.0.2.25");
		e->failing[e->nfailing].messages = known;
		e->failing[e->nfailing++].cls = ROLLOUT_CLASS_FAIL_KNOWN;
	}
}

/* 28 days at p=none, then the thresholds, exactly at their edges. */
static void test_monitor_thresholds(void **state)
{
	struct fixture *f = *state;
	struct rollout_inputs in;
	struct rollout_plan plan;

	to_monitor(f);
	/* Day 19 of 28, clean reports: the days are missing. */
	plan_on(f, "2026-12-20", &in, &plan);
	assert_int_equal(plan.phase, ROLLOUT_MONITOR);
	assert_int_equal(plan.days, 19);
	assert_int_equal(plan.min_days, 28);
	assert_false(plan.ready);
	assert_true(reason_has(&plan, "19 of 28 days"));
	/* No reports imported: that is a reason too. */
	assert_true(reason_has(&plan, "no aggregate reports cover "
				      "2026-12-07 to 2026-12-20"));
	assert_int_equal(plan.earliest, day("2026-12-29"));
	assert_string_equal(plan.next.record,
			    "v=DMARC1; p=quarantine; pct=10; t=y; "
			    "rua=mailto:dmarc@example.com");
	rollout_plan_done(&plan);

	/* Day 28 with 980 of 1000 passing (98.0 %) and no failures from
	 * strangers: ready today. */
	rollout_inputs_done(&in);
	plan_on(f, "2026-12-29", &in, &plan);
	rollout_plan_done(&plan);
	evidence(&in, 980, 1000, 0, 20);
	rollout_decide(&in, day("2026-12-29"), &plan);
	assert_true(plan.ready);
	assert_int_equal(plan.earliest, day("2026-12-29"));
	assert_true(reason_has(&plan, "98.0 %"));
	rollout_plan_done(&plan);

	/* 979 of 1000 is 97.9 %: not ready. */
	evidence(&in, 979, 1000, 0, 21);
	rollout_decide(&in, day("2026-12-29"), &plan);
	assert_false(plan.ready);
	assert_true(reason_has(&plan, "97.9 %"));
	rollout_plan_done(&plan);

	/* An unknown source with 5 of 1005 messages (0.498 %) is below
	 * 0.5 %; with 6 of 1006 (0.596 %) it blocks and is named. */
	evidence(&in, 1000, 1000, 5, 0);
	rollout_decide(&in, day("2026-12-29"), &plan);
	assert_true(plan.ready);
	rollout_plan_done(&plan);
	evidence(&in, 1000, 1000, 6, 0);
	rollout_decide(&in, day("2026-12-29"), &plan);
	assert_false(plan.ready);
	assert_true(reason_has(&plan, "203.0.113.9"));
	assert_true(reason_has(&plan, "0.6 %"));
	rollout_plan_done(&plan);

	/* A known sender failing a lot hurts the pass rate, but is no
	 * unknown source. */
	evidence(&in, 900, 1000, 0, 100);
	rollout_decide(&in, day("2026-12-29"), &plan);
	assert_false(plan.ready);
	assert_false(reason_has(&plan, "192.0.2.25"));
	assert_true(reason_has(&plan, "90.0 %"));
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
}

/* The last rung leads to SPF -all, then enforced, then maintenance. */
static void test_enforcement(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct rollout_inputs in;
	struct rollout_plan plan;

	to_monitor(f);
	assert_int_equal(state_rung_add(f->store, "example.com", RUNG_DMARC, 8,
					"v=DMARC1; p=reject; "
					"rua=mailto:dmarc@example.com",
					day("2027-02-22"), &err),
			 STATUS_OK);
	plan_on(f, "2027-03-01", &in, &plan);
	assert_int_equal(plan.phase, ROLLOUT_REJECT);
	assert_int_equal(plan.min_days, 7);
	assert_int_equal(plan.next.action, ROLLOUT_ACTION_SPF);
	assert_int_equal(plan.next.rung, 1);
	assert_string_equal(plan.next.record,
			    "v=spf1 ip4:192.0.2.0/24 include:_spf.google.com "
			    "-all");
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);

	assert_int_equal(state_rung_add(f->store, "example.com", RUNG_SPF, 1,
					"v=spf1 ip4:192.0.2.0/24 "
					"include:_spf.google.com -all",
					day("2027-03-01"), &err),
			 STATUS_OK);
	plan_on(f, "2027-03-14", &in, &plan);
	assert_int_equal(plan.phase, ROLLOUT_ENFORCED);
	assert_int_equal(plan.since, day("2027-03-01"));
	assert_int_equal(plan.next.action, ROLLOUT_ACTION_NONE);
	assert_false(plan.ready);
	assert_int_equal(plan.earliest, DATE_NONE);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	plan_on(f, "2027-03-15", &in, &plan);
	assert_int_equal(plan.phase, ROLLOUT_MAINTENANCE);
	assert_int_equal(plan.since, day("2027-03-15"));
	assert_true(reason_has(&plan, "nothing is due"));
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);

	/* A key made on 2026-11-25 is 180 days old on 2027-05-24: due. */
	{
		struct state_dkim_key key = {
			.selector = (char *)"s1",
			.algorithm = (char *)"rsa",
			.created = day("2026-11-25"),
			.published = day("2026-11-26"),
			.retired = DATE_NONE,
		};

		assert_int_equal(state_dkim_key_add(f->store, "example.com",
						    &key, NULL, &err),
				 STATUS_OK);
	}
	plan_on(f, "2027-05-23", &in, &plan);
	assert_int_equal(plan.ndue, 0);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	plan_on(f, "2027-05-24", &in, &plan);
	assert_int_equal(plan.phase, ROLLOUT_MAINTENANCE);
	assert_int_equal(plan.ndue, 1);
	assert_true(reason_has(&plan,
			       "the key of selector 's1' is 180 days "
			       "old; its rotation was due on 2027-05-24"));
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
}

/* From a fresh domain on Monday 2026-11-23 the default plan takes 17
 * weeks: SPF, DKIM a week later, p=none, 28 days, eight rungs a week
 * apart, SPF -all, two weeks of reports. */
static void test_timeline(void **state)
{
	struct fixture *f = *state;
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct rollout_week *w;
	size_t n;

	add_senders(f);
	plan_on(f, "2026-11-23", &in, &plan);
	rollout_timeline(&in, day("2026-11-23"), &w, &n);
	assert_int_equal(n, 17);
	assert_int_equal(w[0].monday, day("2026-11-23"));
	assert_int_equal(w[0].phase, ROLLOUT_SPF);
	assert_non_null(strstr(w[0].due, "SPF ~all"));
	assert_int_equal(w[2].phase, ROLLOUT_MONITOR);
	assert_non_null(strstr(w[2].due, "p=none"));
	/* 2026-12-07 + 28 days = 2027-01-04: quarantine 10 %. */
	assert_null(w[3].due);
	assert_int_equal(w[6].monday, day("2027-01-04"));
	assert_int_equal(w[6].phase, ROLLOUT_QUARANTINE);
	assert_non_null(strstr(w[6].due, "quarantine 10 %"));
	assert_int_equal(w[13].monday, day("2027-02-22"));
	assert_non_null(strstr(w[13].due, "reject"));
	assert_int_equal(w[14].phase, ROLLOUT_ENFORCED);
	assert_non_null(strstr(w[14].due, "SPF -all"));
	assert_int_equal(w[16].monday, day("2027-03-15"));
	assert_int_equal(w[16].phase, ROLLOUT_MAINTENANCE);
	for (size_t i = 0; i < n; i++)
		assert_false(w[i].past);
	rollout_weeks_free(w, n);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
}

/* A zone for example.com on an nsd with this SPF record. */
static char *spf_zone(const char *spf)
{
	char *pre = nsd_zone_preamble("example.com");
	char *z =
	    xasprintf("%s@ IN TXT \"%s\"\n@ IN TXT \"keep-me=1\"\n", pre, spf);

	free(pre);
	return z;
}

/* step checks every authoritative server: while one of two still serves
 * the old SPF record it names that server, exits 1 and records
 * nothing; once both serve it, it records the step. */
static void test_step_waits_for_every_server(void **state)
{
	struct fixture *f = *state;
	const char *new_spf = "v=spf1 ip4:192.0.2.0/24 "
			      "include:_spf.google.com ~all";
	char *zone_new = spf_zone(new_spf);
	char *zone_old = spf_zone("v=spf1 mx -all");
	/* The resolver also serves Google's include, so that the plan
	 * can count the record's lookups and call it ready. */
	char *google_pre = nsd_zone_preamble("google.com");
	char *google = xasprintf("%s_spf IN TXT \"v=spf1 "
				 "ip4:74.125.0.0/16 ~all\"\n",
				 google_pre);
	struct nsd_zone zn[] = { { "example.com", zone_new },
				 { "google.com", google } };
	struct nsd_zone zo[] = { { "example.com", zone_old },
				 { "google.com", google } };
	struct nsd_server a, b;
	struct testenv_run r;
	struct rollout_inputs in;
	struct rollout_plan plan;
	char *servers;

	if (!nsd_available())
		skip();
	add_senders(f);
	store_close(f->store);
	f->store = NULL;
	assert_true(nsd_start(&a, zn, 2));
	assert_true(nsd_start(&b, zo, 2));
	servers = xasprintf("%s,%s", a.address, b.address);
	{
		/* The first time through the domain's servers setting,
		 * which step uses without --servers. */
		char *set = xasprintf("servers=%s", servers);
		const char *setting[] = { "--db", f->path,       "domain",
					  "set",  "example.com", set,
					  NULL };
		const char *args[] = { "--db",        f->path,      "--now",
				       "2026-11-24",  "--resolver", a.address,
				       "--timeout",   "20",         "step",
				       "example.com", NULL };

		r = testenv_run_dmarcpilot(setting, NULL);
		assert_int_equal(r.status, 0);
		testenv_run_done(&r);
		free(set);
		r = testenv_run_dmarcpilot(args, NULL);
	}
	assert_int_equal(r.status, 1);
	/* The lagging server is named with what it still serves. */
	assert_non_null(strstr(r.out, b.address));
	assert_non_null(strstr(r.out, "v=spf1 mx -all"));
	assert_non_null(strstr(r.out, "1 of 2"));
	testenv_run_done(&r);
	{
		struct err err = ERR_INIT;

		assert_int_equal(store_open(&f->store, f->path, &err),
				 STATUS_OK);
		plan_on(f, "2026-11-24", &in, &plan);
		assert_int_equal(plan.phase, ROLLOUT_DISCOVERY);
		assert_int_equal(in.nhistory, 0);
		rollout_plan_done(&plan);
		rollout_inputs_done(&in);
		store_close(f->store);
		f->store = NULL;
	}

	/* The second server catches up. */
	nsd_stop(&b);
	assert_true(nsd_start(&b, zn, 2));
	free(servers);
	servers = xasprintf("%s,%s", a.address, b.address);
	{
		const char *args[] = {
			"--db",   f->path,      "--now",       "2026-11-24",
			"--json", "--resolver", a.address,     "--timeout",
			"20",     "step",       "example.com", "--servers",
			servers,  NULL
		};

		r = testenv_run_dmarcpilot(args, NULL);
	}
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"recorded\": true"));
	testenv_run_done(&r);
	{
		struct err err = ERR_INIT;

		assert_int_equal(store_open(&f->store, f->path, &err),
				 STATUS_OK);
		plan_on(f, "2026-11-25", &in, &plan);
		assert_int_equal(plan.phase, ROLLOUT_SPF);
		assert_int_equal(plan.since, day("2026-11-24"));
		assert_int_equal(in.nhistory, 1);
		assert_string_equal(in.history[0].record, new_spf);
		rollout_plan_done(&plan);
		rollout_inputs_done(&in);
	}
	nsd_stop(&a);
	nsd_stop(&b);
	free(servers);
	free(zone_new);
	free(zone_old);
	free(google);
	free(google_pre);
}

/* ---------------------------------------------------------------- walk */

/* Writes one RFC 7489 aggregate report for a day: Google and the office
 * pass; before dirty_until a stranger fails with 40 of 540 messages. */
static void write_day_report(const char *dir, date_t d, date_t dirty_until)
{
	char buf[DATE_BUFSIZE];
	long long begin = (long long)date_to_time(d);
	char *name, *xml, *unknown;

	unknown = d < dirty_until
		      ? xstrdup("<record><row><source_ip>203.0.113.9"
				"</source_ip><count>40</count>"
				"<policy_evaluated><disposition>none"
				"</disposition><dkim>fail</dkim><spf>fail"
				"</spf></policy_evaluated></row>"
				"<identifiers><header_from>example.com"
				"</header_from></identifiers><auth_results>"
				"<spf><domain>spoof.example</domain><result>"
				"fail</result></spf></auth_results></record>")
		      : xstrdup("");
	xml = xasprintf(
	    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<feedback>"
	    "<report_metadata><org_name>receiver.example</org_name>"
	    "<email>noreply-dmarc@receiver.example</email>"
	    "<report_id>walk-%s</report_id><date_range><begin>%lld</begin>"
	    "<end>%lld</end></date_range></report_metadata>"
	    "<policy_published><domain>example.com</domain><adkim>r</adkim>"
	    "<aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct>"
	    "</policy_published>"
	    "<record><row><source_ip>209.85.220.41</source_ip>"
	    "<count>300</count><policy_evaluated><disposition>none"
	    "</disposition><dkim>pass</dkim><spf>pass</spf>"
	    "</policy_evaluated></row><identifiers><header_from>example.com"
	    "</header_from></identifiers><auth_results><dkim><domain>"
	    "example.com</domain><result>pass</result></dkim><spf><domain>"
	    "example.com</domain><result>pass</result></spf></auth_results>"
	    "</record>"
	    "<record><row><source_ip>192.0.2.10</source_ip>"
	    "<count>200</count><policy_evaluated><disposition>none"
	    "</disposition><dkim>fail</dkim><spf>pass</spf>"
	    "</policy_evaluated></row><identifiers><header_from>example.com"
	    "</header_from></identifiers><auth_results><spf><domain>"
	    "example.com</domain><result>pass</result></spf></auth_results>"
	    "</record>%s</feedback>\n",
	    date_format(d, buf), begin, begin + 86399, unknown);
	name = xasprintf("report-%s.xml", buf);
	free(testenv_write_file(dir, name, xml));
	free(name);
	free(xml);
	free(unknown);
}

/* Runs the binary on day now; args is NULL-terminated, at most 8. */
static struct testenv_run walk_run(struct fixture *f, date_t now,
				   const char *const *args)
{
	const char *argv[16] = { "--db", f->path, "--now" };
	char buf[DATE_BUFSIZE];
	size_t n = 4;

	argv[3] = date_format(now, buf);
	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return testenv_run_dmarcpilot(argv, NULL);
}

/* `plan` before any sender: no SPF record can be built yet, and the text
 * says so (rather than that a provider publishes it) and what to do. */
static void test_plan_text_without_senders(void **state)
{
	struct fixture *f = *state;
	const char *args[] = { "plan", "example.com", NULL };
	struct testenv_run run = walk_run(f, day("2026-11-23"), args);

	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, "Next: SPF ~all\n"
					"  example.com (no record yet"));
	assert_null(strstr(run.out, "published by the provider"));
	assert_non_null(strstr(run.out, "Ready: no\n"));
	assert_non_null(strstr(run.out, "dmarcpilot sender add"));
	testenv_run_done(&run);
}

/* A real RSA public key (1024 bits, to fit one TXT string): the step
 * checks that the selector serves a key record that parses. */
/* clang-format off */
#define WALK_KEY                                                               \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDP7X9YNYOqugSkeAO5CLf7BmalEGN1" \
	"yGQc6w6N54/KjMmW2XAoGsa1stFongBGWyZ7dL9eKkjLZFFmNV8aOYjqCHw29jvv8Jqr" \
	"x82wF5AvWJcMsEoq9aDXc+3F4KDm86x9d/0Q8gIcDwbmTSGuWvOqy7oG/DmqgT2x8Ks9" \
	"Kt+LuQIDAQAB"
/* clang-format on */

/* The live zone: SPF, the Google key, and the DMARC record (or none). */
static char *walk_zone(struct fixture *f, const char *spf, bool dkim,
		       const char *dmarc)
{
	char *pre = nsd_zone_preamble("example.com");
	char *z = xasprintf("%s%s%s%s%s%s%s%s", pre, spf ? "@ IN TXT \"" : "",
			    spf ? spf : "", spf ? "\"\n" : "",
			    dkim ? "google._domainkey IN TXT \"v=DKIM1; "
				   "k=rsa; p=" WALK_KEY "\"\n"
				 : "",
			    dmarc ? "_dmarc IN TXT \"" : "", dmarc ? dmarc : "",
			    dmarc ? "\"\n" : "");
	char *path = testenv_write_file(f->dir, "live.zone", z);

	free(z);
	free(pre);
	return path;
}

/* step against the zone file; returns the exit status. */
static int walk_step(struct fixture *f, date_t now, const char *zone)
{
	const char *args[] = { "--zone", zone, "step", "example.com", NULL };
	struct testenv_run r = walk_run(f, now, args);
	int status = r.status;

	if (status != 0)
		print_message("step: %s%s", r.out, r.err);
	testenv_run_done(&r);
	return status;
}

/* The plan as JSON text (caller frees), against the zone last
 * published (walk_zone), or an empty one: the plan reads what is live. */
static char *walk_plan(struct fixture *f, date_t now)
{
	char *zone = xasprintf("%s/live.zone", f->dir);

	if (access(zone, F_OK) != 0) {
		free(zone);
		zone = walk_zone(f, NULL, false, NULL);
	}
	const char *args[] = { "--zone", zone,          "--json",
			       "plan",   "example.com", NULL };
	struct testenv_run r = walk_run(f, now, args);
	char *out;

	assert_int_equal(r.status, 0);
	out = xstrdup(r.out);
	testenv_run_done(&r);
	free(zone);
	return out;
}

/* Twelve weeks from a fresh domain on Monday 2026-11-23, reports
 * imported every Monday for the week before. A stranger fails DMARC
 * until 2026-12-20: after 28 days at p=none the plan still says not
 * ready and names it, and says ready on the first Monday whose 14-day
 * window is clean (2027-01-04); then one rung a week to reject 50 %. */
static void test_twelve_week_walk(void **state)
{
	struct fixture *f = *state;
	const char *spf = "v=spf1 ip4:192.0.2.0/24 include:_spf.google.com "
			  "~all";
	const char *rungs[] = {
		"v=DMARC1; p=quarantine; pct=10; t=y; "
		"rua=mailto:dmarc@example.com",
		"v=DMARC1; p=quarantine; pct=25; t=y; "
		"rua=mailto:dmarc@example.com",
		"v=DMARC1; p=quarantine; pct=50; t=y; "
		"rua=mailto:dmarc@example.com",
		"v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com",
		"v=DMARC1; p=reject; pct=10; t=y; "
		"rua=mailto:dmarc@example.com",
		"v=DMARC1; p=reject; pct=25; t=y; "
		"rua=mailto:dmarc@example.com",
		"v=DMARC1; p=reject; pct=50; t=y; "
		"rua=mailto:dmarc@example.com",
	};
	const char *none = "v=DMARC1; p=none; rua=mailto:dmarc@example.com";
	date_t start = day("2026-11-23"), dirty_until = day("2026-12-21");
	struct err err = ERR_INIT;
	struct state_dkim_key key = {
		.selector = (char *)"google",
		.algorithm = (char *)"rsa",
		.provider = (char *)"google-workspace",
		.published = DATE_NONE,
		.retired = DATE_NONE,
	};
	char *zone, *plan;
	size_t rung = 0;

	add_senders(f);
	key.created = start;
	assert_int_equal(
	    state_dkim_key_add(f->store, "example.com", &key, NULL, &err),
	    STATUS_OK);
	store_close(f->store);
	f->store = NULL;

	/* Week 0: SPF, the DKIM key and p=none go live the same day. */
	plan = walk_plan(f, start);
	assert_non_null(strstr(plan, "\"phase\": \"discovery\""));
	assert_non_null(strstr(plan, "\"ready\": true"));
	free(plan);
	zone = walk_zone(f, spf, false, NULL);
	assert_int_equal(walk_step(f, start, zone), 0);
	free(zone);
	zone = walk_zone(f, spf, true, NULL);
	assert_int_equal(walk_step(f, start, zone), 0);
	free(zone);
	zone = walk_zone(f, spf, true, none);
	assert_int_equal(walk_step(f, start, zone), 0);
	free(zone);
	plan = walk_plan(f, start);
	assert_non_null(strstr(plan, "\"phase\": \"monitor\""));
	assert_non_null(strstr(plan, "\"since\": \"2026-11-23\""));
	assert_non_null(strstr(plan, "\"earliest\": \"2026-12-21\""));
	free(plan);

	for (int week = 1; week <= 12; week++) {
		date_t monday = start + 7 * week;
		char *dir = xasprintf("%s/week%02d", f->dir, week);
		const char *import[] = { "report", "import", dir, NULL };
		struct testenv_run r;
		bool ready;

		assert_int_equal(mkdir(dir, 0700), 0);
		for (date_t d = monday - 7; d < monday; d++)
			write_day_report(dir, d, dirty_until);
		r = walk_run(f, monday, import);
		assert_int_equal(r.status, 0);
		testenv_run_done(&r);
		plan = walk_plan(f, monday);
		ready = strstr(plan, "\"ready\": true") != NULL;
		if (week < 4) {
			/* Too early, and the stranger fails. */
			assert_false(ready);
			assert_non_null(strstr(plan, "of 28 days done"));
			assert_non_null(strstr(plan, "203.0.113.9"));
		} else if (week < 6) {
			/* 28 days are done; the reports are not clean. */
			assert_false(ready);
			assert_null(strstr(plan, "days done"));
			assert_non_null(strstr(plan, "unknown source "
						     "203.0.113.9"));
			assert_non_null(strstr(plan, "\"phase\": \"monitor\""));
		} else {
			/* Clean windows: one rung a week. */
			if (!ready)
				fail_msg("week %d not ready: %s", week, plan);
			assert_null(strstr(plan, "203.0.113.9"));
			assert_non_null(strstr(plan, rungs[rung]));
			zone = walk_zone(f, spf, true, rungs[rung]);
			assert_int_equal(walk_step(f, monday, zone), 0);
			free(zone);
			rung++;
		}
		free(plan);
		if (week == 6) {
			/* Midweek: the rung needs its seven days. */
			plan = walk_plan(f, monday + 3);
			assert_non_null(strstr(plan, "\"ready\": false"));
			assert_non_null(strstr(plan, "3 of 7 days done"));
			assert_non_null(strstr(plan, "\"phase\": "
						     "\"quarantine\""));
			assert_non_null(strstr(plan, "\"earliest\": "
						     "\"2027-01-11\""));
			free(plan);
		}
		free(dir);
	}
	/* Week 12 (2027-02-15): reject 50 % is live; reject next week. */
	plan = walk_plan(f, day("2027-02-15"));
	assert_non_null(strstr(plan, "\"phase\": \"reject\""));
	assert_non_null(strstr(plan, "\"since\": \"2027-02-15\""));
	assert_non_null(strstr(plan, "\"earliest\": \"2027-02-22\""));
	assert_non_null(strstr(plan, "\"next_record\": \"v=DMARC1; p=reject; "
				     "rua=mailto:dmarc@example.com\""));
	assert_int_equal(rung, 7);
	free(plan);
}

/* Week 0 of a walk from start: the senders and Google's key, then SPF,
 * the key and p=none stepped live the same day. Closes the store. */
static void walk_week0(struct fixture *f, date_t start)
{
	const char *spf = "v=spf1 ip4:192.0.2.0/24 include:_spf.google.com "
			  "~all";
	const char *none = "v=DMARC1; p=none; rua=mailto:dmarc@example.com";
	struct err err = ERR_INIT;
	struct state_dkim_key key = {
		.selector = (char *)"google",
		.algorithm = (char *)"rsa",
		.provider = (char *)"google-workspace",
		.published = DATE_NONE,
		.retired = DATE_NONE,
	};
	char *zone;

	add_senders(f);
	key.created = start;
	assert_int_equal(
	    state_dkim_key_add(f->store, "example.com", &key, NULL, &err),
	    STATUS_OK);
	store_close(f->store);
	f->store = NULL;
	zone = walk_zone(f, spf, false, NULL);
	assert_int_equal(walk_step(f, start, zone), 0);
	free(zone);
	zone = walk_zone(f, spf, true, NULL);
	assert_int_equal(walk_step(f, start, zone), 0);
	free(zone);
	zone = walk_zone(f, spf, true, none);
	assert_int_equal(walk_step(f, start, zone), 0);
	free(zone);
}

/* Runs the binary with words on day now; returns the exit status and
 * keeps stdout in *out when out is given. */
static int walk_cmd(struct fixture *f, date_t now, const char *const *words,
		    char **out)
{
	struct testenv_run r = walk_run(f, now, words);
	int status = r.status;

	if (out)
		*out = xstrdup(r.out);
	testenv_run_done(&r);
	return status;
}

/* The same walk, but the stranger never stops. Past the 28 days at
 * p=none it keeps the plan "not ready"; bad disown requests (too wide,
 * overlapping a sender, not an address, unknown domain) exit 2 and
 * change nothing; once the operator disowns it the plan is "ready" and
 * still shows it as "not ours" with its 520 of 7020 messages (40 a day
 * of 540 over the 13 reported days of the window 2026-12-15 to -28,
 * the Monday's report comes a week later: 7.4 %); --undo takes it
 * back. */
static void test_disown_walk(void **state)
{
	struct fixture *f = *state;
	date_t start = day("2026-11-23"), never = day("2030-01-01");
	char *plan, *out;

	walk_week0(f, start);
	for (int week = 1; week <= 5; week++) {
		date_t monday = start + 7 * week;
		char *dir = xasprintf("%s/week%02d", f->dir, week);
		const char *import[] = { "report", "import", dir, NULL };

		assert_int_equal(mkdir(dir, 0700), 0);
		for (date_t d = monday - 7; d < monday; d++)
			write_day_report(dir, d, never);
		assert_int_equal(walk_cmd(f, monday, import, NULL), 0);
		free(dir);
	}
	/* Week 5 (2026-12-28): 35 days at p=none, the stranger fails. */
	plan = walk_plan(f, start + 35);
	assert_non_null(strstr(plan, "\"ready\": false"));
	assert_non_null(strstr(plan, "unknown source 203.0.113.9"));
	assert_non_null(strstr(plan, "dmarcpilot sender disown example.com "
				     "203.0.113.9"));
	assert_non_null(strstr(plan, "\"class\": \"fail-unknown\""));
	free(plan);

	{
		const char *wide[] = { "sender", "disown", "example.com",
				       "203.0.0.0/8", NULL };
		const char *ours[] = { "sender", "disown", "example.com",
				       "192.0.2.7", NULL };
		const char *junk[] = { "sender", "disown", "example.com",
				       "spoofer.example", NULL };
		const char *other[] = { "sender", "disown", "example.org",
					"203.0.113.9", NULL };
		const char *list[] = { "--json", "sender", "list",
				       "example.com", NULL };

		assert_int_equal(walk_cmd(f, start + 35, wide, NULL), 2);
		assert_int_equal(walk_cmd(f, start + 35, ours, NULL), 2);
		assert_int_equal(walk_cmd(f, start + 35, junk, NULL), 2);
		assert_int_equal(walk_cmd(f, start + 35, other, NULL), 2);
		assert_int_equal(walk_cmd(f, start + 35, list, &out), 0);
		assert_non_null(strstr(out, "\"not_ours\": []"));
		free(out);
	}
	plan = walk_plan(f, start + 35);
	assert_non_null(strstr(plan, "\"ready\": false"));
	free(plan);

	{
		const char *disown[] = { "sender",      "disown", "example.com",
					 "203.0.113.9", "--note", "spoofer",
					 NULL };
		const char *again[] = { "sender", "disown", "example.com",
					"203.0.113.9/32", NULL };
		const char *list[] = { "sender", "list", "example.com", NULL };

		assert_int_equal(walk_cmd(f, start + 35, disown, &out), 0);
		assert_non_null(strstr(out, "203.0.113.9 is not ours"));
		free(out);
		/* The same address written as /32 is already there. */
		assert_int_equal(walk_cmd(f, start + 35, again, NULL), 2);
		assert_int_equal(walk_cmd(f, start + 35, list, &out), 0);
		assert_non_null(strstr(out, "203.0.113.9"));
		assert_non_null(strstr(out, "# spoofer"));
		free(out);
	}
	plan = walk_plan(f, start + 35);
	if (!strstr(plan, "\"ready\": true"))
		fail_msg("not ready after disowning: %s", plan);
	assert_null(strstr(plan, "unknown source 203"));
	assert_non_null(strstr(plan, "\"class\": \"not-ours\""));
	assert_non_null(strstr(plan, "\"not_ours\": 520"));
	assert_non_null(strstr(plan, "source 203.0.113.9 is not ours "
				     "(disowned): 520 messages failed DMARC "
				     "(7.4 %)"));
	assert_non_null(strstr(plan, "\"next_record\": \"v=DMARC1; "
				     "p=quarantine; pct=10; t=y; "));
	free(plan);

	{
		const char *undo[] = { "sender",      "disown", "example.com",
				       "203.0.113.9", "--undo", NULL };

		assert_int_equal(walk_cmd(f, start + 35, undo, NULL), 0);
		assert_int_equal(walk_cmd(f, start + 35, undo, NULL), 2);
	}
	plan = walk_plan(f, start + 35);
	assert_non_null(strstr(plan, "\"ready\": false"));
	assert_non_null(strstr(plan, "unknown source 203.0.113.9"));
	free(plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plan_text_without_senders,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_discovery, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_spf_then_dkim_then_monitor,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_monitor_thresholds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_enforcement, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_timeline, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_step_waits_for_every_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_twelve_week_walk, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_disown_walk, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("rollout", tests, NULL, NULL);
}
