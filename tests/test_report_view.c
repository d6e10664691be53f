/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reports of a domain over a window as the CLI and the wizard show
 * them (app/report_view.h), from reports and a failure report imported
 * through the real importer: the plan's window by default (the domain's
 * own window_days), a week, all time; the header counts against what is
 * stored; the sources grouped by provider; the dispositions; the failure
 * reports' details; and `report summary --window` and `report failures`
 * agreeing with the use case. */
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

#include "app/report_view.h"
#include "dns/dns.h"
#include "lib/testenv.h"
#include "providers/providers.h"
#include "store/report_store.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* The day the tests call today: 2026-11-30. */
#define TODAY_TEXT "2026-11-30"

/* One <record> with its disposition. */
static void record(struct strbuf *sb, const char *ip, int count,
		   const char *disposition, const char *result,
		   const char *envelope)
{
	strbuf_addf(sb,
		    "<record><row><source_ip>%s</source_ip><count>%d</count>"
		    "<policy_evaluated><disposition>%s</disposition>"
		    "<dkim>%s</dkim><spf>%s</spf></policy_evaluated></row>"
		    "<identifiers><envelope_from>%s</envelope_from>"
		    "<header_from>example.com</header_from></identifiers>"
		    "<auth_results><spf><domain>%s</domain><result>%s"
		    "</result></spf></auth_results></record>",
		    ip, count, disposition, result, result, envelope, envelope,
		    result);
}

/* Writes a report of example.com beginning on day (YYYY-MM-DD). */
static void report_begin(struct strbuf *sb, const char *id, const char *day)
{
	date_t d;

	assert_true(date_parse(day, &d));
	strbuf_reset(sb);
	strbuf_addf(sb,
		    "<feedback><report_metadata><org_name>google.com"
		    "</org_name><report_id>%s</report_id><date_range>"
		    "<begin>%lld</begin><end>%lld</end></date_range>"
		    "</report_metadata><policy_published><domain>example.com"
		    "</domain><p>quarantine</p></policy_published>",
		    id, (long long)date_to_time(d),
		    (long long)date_to_time(d) + 86399);
}

struct fixture {
	char *dir;
	char *db;
	struct store *store;
	struct dns *dns;
	struct providers *providers;
	date_t today;
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
	assert_true(date_parse(TODAY_TEXT, &f->today));
	assert_int_equal(store_open(&f->store, f->db, &err), STATUS_OK);
	/* In the week (and so in the plan's 14 days): Google's address
	 * passes; an unknown one fails, partly quarantined, partly
	 * rejected. */
	report_begin(&sb, "w1", "2026-11-29");
	record(&sb, "209.85.220.41", 100, "none", "pass", "example.com");
	record(&sb, "209.85.220.42", 20, "none", "pass", "example.com");
	record(&sb, "198.51.100.7", 6, "quarantine", "fail", "spoof.example");
	record(&sb, "198.51.100.7", 4, "reject", "fail", "spoof.example");
	strbuf_addstr(&sb, "</feedback>");
	free(testenv_write_file(f->dir, "w1.xml", strbuf_str(&sb)));
	/* In the plan's window, not in the week. */
	report_begin(&sb, "p1", "2026-11-20");
	record(&sb, "209.85.220.41", 50, "none", "pass", "example.com");
	record(&sb, "203.0.113.9", 3, "reject", "fail", "example.com");
	strbuf_addstr(&sb, "</feedback>");
	free(testenv_write_file(f->dir, "p1.xml", strbuf_str(&sb)));
	/* Long before: only all time counts it. */
	report_begin(&sb, "a1", "2026-09-01");
	record(&sb, "192.0.2.200", 1000, "none", "fail", "example.com");
	strbuf_addstr(&sb, "</feedback>");
	free(testenv_write_file(f->dir, "a1.xml", strbuf_str(&sb)));
	/* After today (a --now in the past): never counted. */
	report_begin(&sb, "f1", "2026-12-02");
	record(&sb, "192.0.2.201", 7, "none", "fail", "example.com");
	strbuf_addstr(&sb, "</feedback>");
	free(testenv_write_file(f->dir, "f1.xml", strbuf_str(&sb)));
	free(testenv_write_arf(f->dir, "example.com", "198.51.100.7"));
	memset(&stats, 0, sizeof stats);
	assert_int_equal(report_import_path(f->store, f->dir, NULL, &stats,
					    NULL, NULL, &err),
			 STATUS_OK);
	assert_int_equal(stats.reports, 4);
	assert_int_equal(stats.failures, 1);
	strbuf_done(&sb);

	f->dns = dns_new_table();
	assert_int_equal(
	    dns_table_add(f->dns,
			  "41.220.85.209.in-addr.arpa 300 IN PTR "
			  "mail-sor-f41.google.com\n"
			  "mail-sor-f41.google.com 300 IN A 209.85.220.41\n"
			  "42.220.85.209.in-addr.arpa 300 IN PTR "
			  "mail-sor-f42.google.com\n"
			  "mail-sor-f42.google.com 300 IN A 209.85.220.42\n",
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

/* Loads the view of window w. */
static void load(struct fixture *f, enum report_window w, struct report_view *v)
{
	struct report_view_request req;
	struct err err = ERR_INIT;

	memset(&req, 0, sizeof req);
	req.domain = "Example.COM";
	req.window = w;
	req.today = f->today;
	req.analysis.dns = f->dns;
	req.analysis.providers = f->providers;
	assert_int_equal(report_view_load(f->store, &req, v, &err), STATUS_OK);
	err_done(&err);
}

/* The default window is the plan's: 14 days up to today, from the
 * plan module; the week and all time switch it. */
static void test_windows(void **state)
{
	struct fixture *f = *state;
	struct report_view v;
	char buf[DATE_BUFSIZE];

	load(f, REPORT_WINDOW_PLAN, &v);
	assert_int_equal(v.plan_days, 14);
	assert_string_equal(date_format(v.since, buf), "2026-11-17");
	assert_string_equal(date_format(v.until, buf), TODAY_TEXT);
	assert_int_equal(v.analysis->reports, 2);
	assert_int_equal(v.analysis->totals.messages, 183);
	/* Every report stored for the domain, whatever the window: the
	 * header's "of N" and the import's count are the same number. */
	assert_int_equal(v.stored_reports, 4);
	report_view_done(&v);

	load(f, REPORT_WINDOW_WEEK, &v);
	assert_string_equal(date_format(v.since, buf), "2026-11-24");
	assert_int_equal(v.analysis->reports, 1);
	assert_int_equal(v.analysis->totals.messages, 130);
	report_view_done(&v);

	load(f, REPORT_WINDOW_ALL, &v);
	assert_int_equal(v.since, DATE_ANY);
	/* The report dated after today is not in "all time up to today". */
	assert_int_equal(v.analysis->reports, 3);
	assert_int_equal(v.analysis->totals.messages, 1183);
	report_view_done(&v);
}

/* The plan's window is the domain's setting, not a copy of 14. */
static void test_plan_window_follows_settings(void **state)
{
	struct fixture *f = *state;
	struct state_settings s;
	struct report_view v;
	struct err err = ERR_INIT;
	char buf[DATE_BUFSIZE];

	assert_int_equal(
	    state_domain_add(f->store, "example.com", f->today, NULL, &err),
	    STATUS_OK);
	assert_int_equal(state_settings_get(f->store, "example.com", &s, &err),
			 STATUS_OK);
	s.window_days = 5;
	assert_int_equal(state_settings_set(f->store, "example.com", &s, &err),
			 STATUS_OK);
	state_settings_done(&s);
	load(f, REPORT_WINDOW_PLAN, &v);
	assert_int_equal(v.plan_days, 5);
	assert_string_equal(date_format(v.since, buf), "2026-11-26");
	assert_int_equal(v.analysis->reports, 1);
	report_view_done(&v);
	err_done(&err);
}

/* Dispositions add up to the window's messages. */
static void test_dispositions(void **state)
{
	struct fixture *f = *state;
	struct report_view v;

	load(f, REPORT_WINDOW_PLAN, &v);
	assert_int_equal(v.quarantined, 6);
	assert_int_equal(v.rejected, 7);
	assert_int_equal(v.delivered, 170);
	report_view_done(&v);
	load(f, REPORT_WINDOW_WEEK, &v);
	assert_int_equal(v.rejected, 4);
	report_view_done(&v);
}

/* Google's two addresses are one group (forward-confirmed reverse names
 * matched by the catalogue), largest first; what nothing explains is
 * another. */
static void test_groups(void **state)
{
	struct fixture *f = *state;
	struct report_view v;
	const struct report_group *g;

	load(f, REPORT_WINDOW_PLAN, &v);
	assert_int_equal(v.ngroups, 2);
	g = &v.groups[0];
	assert_non_null(g->provider);
	assert_string_equal(g->provider->id, "google-workspace");
	assert_int_equal(g->nsources, 2);
	assert_int_equal(g->t.messages, 170);
	assert_int_equal(g->failing, 0);
	assert_int_equal(g->worst, ANALYSIS_PASS);
	assert_string_equal(v.analysis->sources[g->sources[0]].ip,
			    "209.85.220.41");
	assert_int_equal(g->kind, REPORT_GROUP_PROVIDER);
	g = &v.groups[1];
	assert_int_equal(g->kind, REPORT_GROUP_UNKNOWN);
	assert_null(g->provider);
	assert_int_equal(g->nsources, 2);
	assert_int_equal(g->failing, 13);
	assert_int_equal(g->worst, ANALYSIS_FAIL_UNKNOWN);
	report_view_done(&v);
}

/* The failure report's details: source, identifiers, what failed. */
static void test_failures(void **state)
{
	struct fixture *f = *state;
	struct report_view v;
	const struct report_failure *r;

	load(f, REPORT_WINDOW_WEEK, &v);
	assert_int_equal(v.stored_failures, 1);
	assert_int_equal(v.nfailures, 1);
	r = &v.failures[0];
	assert_string_equal(r->source_ip, "198.51.100.7");
	assert_string_equal(r->auth_failure, "dmarc");
	assert_string_equal(r->original_from, "billing@example.com");
	assert_string_equal(r->original_mail_from, "bounce@spoof.example");
	assert_string_equal(r->original_message_id, "<fake-9@spoof.example>");
	assert_string_equal(r->dkim_domain, "spoof.example");
	assert_string_equal(r->dkim_selector, "k9");
	assert_string_equal(r->arrival, "Sun, 08 Mar 2026 09:58:00 +0000");
	report_view_done(&v);
}

/* The CLI prints what the use case computed: `report summary --window
 * week` and `report failures`, both in JSON; a wrong window is a usage
 * error. */
static void test_cli(void **state)
{
	struct fixture *f = *state;
	const char *week[] = { "--db",        f->db,      "--zone",
			       "/dev/null",   "--now",    TODAY_TEXT,
			       "--json",      "report",   "summary",
			       "example.com", "--window", "week",
			       NULL };
	const char *bad[] = { "--db",   f->db,     "--now",       TODAY_TEXT,
			      "report", "summary", "example.com", "--window",
			      "month",  NULL };
	const char *both[] = { "--db",        f->db,      "report", "summary",
			       "example.com", "--window", "all",    "--since",
			       "2026-01-01",  NULL };
	const char *ruf[] = { "--db",     f->db,         "--json", "report",
			      "failures", "example.com", NULL };
	static const char *const keys[] = {
		"feedback_type", "source_ip",          "auth_failure",
		"original_from", "original_mail_from", "message_id",
		"dkim_domain",   "dkim_selector",      "spf_domain",
		"arrival_date",  "delivery_result",    "source",
		"imported",
	};
	struct testenv_run run;
	json_t *o, *d, *x;
	void *it;

	store_close(f->store);
	f->store = NULL;
	run = testenv_run_dmarcpilot(week, NULL);
	assert_int_equal(run.status, 0);
	o = json_loads(run.out, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "window")),
			    "week");
	assert_string_equal(json_string_value(json_object_get(o, "since")),
			    "2026-11-24");
	assert_int_equal(json_integer_value(json_object_get(o, "messages")),
			 130);
	assert_int_equal(
	    json_integer_value(json_object_get(o, "stored_reports")), 4);
	d = json_object_get(o, "dispositions");
	assert_int_equal(json_integer_value(json_object_get(d, "none")), 120);
	assert_int_equal(json_integer_value(json_object_get(d, "quarantine")),
			 6);
	assert_int_equal(json_integer_value(json_object_get(d, "reject")), 4);
	assert_true(json_array_size(json_object_get(o, "providers")) >= 1);
	json_decref(o);
	testenv_run_done(&run);

	run = testenv_run_dmarcpilot(bad, NULL);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "month"));
	testenv_run_done(&run);
	run = testenv_run_dmarcpilot(both, NULL);
	assert_int_equal(run.status, 2);
	testenv_run_done(&run);

	run = testenv_run_dmarcpilot(ruf, NULL);
	assert_int_equal(run.status, 0);
	o = json_loads(run.out, 0, NULL);
	assert_non_null(o);
	x = json_array_get(json_object_get(o, "failures"), 0);
	assert_non_null(x);
	assert_string_equal(json_string_value(json_object_get(x, "source_ip")),
			    "198.51.100.7");
	assert_string_equal(
	    json_string_value(json_object_get(x, "original_from")),
	    "billing@example.com");
	/* Every field of a failure report, under its key, in this order. */
	it = json_object_iter(x);
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		assert_non_null(it);
		assert_string_equal(json_object_iter_key(it), keys[i]);
		it = json_object_iter_next(x, it);
	}
	assert_null(it);
	json_decref(o);
	testenv_run_done(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_plan_window_follows_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dispositions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
