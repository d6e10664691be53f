/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Thirteen weeks of a rollout as an operator walks it with the command
 * line: every Monday (--now moved a week at a time) the last week's
 * aggregate report is imported, the plan is read, the next record is
 * published when (and only when) the plan calls it ready, nsd reloads
 * the zone, and step verifies it on the server and records it. A step
 * the plan does not call ready is refused and records nothing; export
 * never carries a withheld rung. Three domains: a fresh one with its own
 * servers and key, one whose only sender is Google Workspace (its DKIM
 * found at the catalogue's selector), and one already at -all and
 * p=reject (adopted and never weakened, even when a sender is added).
 * Every plan the command line prints is also decided through the app
 * layer the wizard calls, which must agree. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app/plan.h"
#include "app/session.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "util/date.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define WEEKS 13
#define FIRST_MONDAY "2027-01-04"

/* The RFC 8463 example Ed25519 key: what a service publishes. */
#define ED_KEY                                                                 \
	"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

/* A TXT record the operator published. */
struct published {
	char *name; /* absolute, no final dot */
	char *value;
};

/* One walk: its server, database and what is published. */
struct walk {
	struct nsd_server nsd;
	char *dir, *db;
	const char *domain;
	const char *fixed;    /* records of other zones (includes), or "" */
	const char *source;   /* the address its mail comes from */
	const char *selector; /* the DKIM selector that signs it */
	struct published *pub;
	size_t npub;
	long serial;
	char *phase[WEEKS]; /* the phase at the end of each week */
	int steps[WEEKS];   /* steps recorded that week */
};

/* The root zone: every name the walk needs, from one nsd. */
static char *zone_text(const struct walk *w)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb,
		    "$ORIGIN .\n$TTL 300\n"
		    ". SOA ns.root. hostmaster.root. %ld 7200 3600 1209600 "
		    "300\n"
		    ". NS ns.root.\nns.root. A 127.0.0.1\n%s",
		    w->serial, w->fixed);
	for (size_t i = 0; i < w->npub; i++) {
		strbuf_addf(&sb, "%s. TXT \"", w->pub[i].name);
		/* Strings of at most 255 octets (RFC 1035 3.3.14). */
		for (size_t k = 0, n = strlen(w->pub[i].value); k < n; k += 255)
			strbuf_addf(&sb, "%s%.*s", k ? "\" \"" : "",
				    (int)(n - k < 255 ? n - k : 255),
				    w->pub[i].value + k);
		strbuf_addstr(&sb, "\"\n");
	}
	return strbuf_detach(&sb);
}

/* Publishes value at name (replacing what was there), without reload. */
static void publish(struct walk *w, const char *name, const char *value)
{
	size_t i = 0, cap = w->npub;

	while (i < w->npub && strcasecmp(w->pub[i].name, name) != 0)
		i++;
	if (i == w->npub) {
		w->pub = xgrow(w->pub, &cap, w->npub + 1, sizeof *w->pub);
		w->pub[w->npub].name = xstrdup(name);
		w->pub[w->npub++].value = NULL;
	}
	free(w->pub[i].value);
	w->pub[i].value = xstrdup(value);
}

/* Has nsd serve what is published now. */
static void reload(struct walk *w)
{
	char *text;
	struct nsd_zone z = { ".", NULL };

	w->serial++;
	text = zone_text(w);
	z.text = text;
	assert_true(nsd_reload(&w->nsd, &z, w->serial));
	free(text);
}

/* Starts nsd with the records published before the walk. */
static void walk_start(struct walk *w)
{
	char *text;
	struct nsd_zone z = { ".", NULL };

	w->serial = 1;
	text = zone_text(w);
	z.text = text;
	assert_true(nsd_start(&w->nsd, &z, 1));
	free(text);
	w->dir = testenv_mkdtemp();
	w->db = testenv_db(w->dir, "state.db");
}

static void walk_stop(struct walk *w)
{
	nsd_stop(&w->nsd);
	testenv_rmdir(w->dir);
	free(w->dir);
	free(w->db);
	for (size_t i = 0; i < w->npub; i++) {
		free(w->pub[i].name);
		free(w->pub[i].value);
	}
	free(w->pub);
	for (int i = 0; i < WEEKS; i++)
		free(w->phase[i]);
}

/* Runs the command line on day with the walk's database and server;
 * args ends with NULL. */
static struct testenv_run cli(struct walk *w, date_t day,
			      const char *const *args)
{
	char now[DATE_BUFSIZE];
	const char *argv[24] = { "--db",       w->db,
				 "--resolver", w->nsd.address,
				 "--timeout",  "5",
				 "--now",      date_format(day, now) };
	size_t n = 8;

	for (size_t i = 0; args[i] && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return testenv_run_dmarcpilot(argv, NULL);
}

/* step DOMAIN, asking the test's nsd (the servers its NS records name
 * would be asked on port 53). */
static struct testenv_run step(struct walk *w, date_t day)
{
	const char *args[] = { "step", w->domain, "--servers", w->nsd.address,
			       NULL };

	return cli(w, day, args);
}

/* Runs a command that must succeed. */
static void cli_ok(struct walk *w, date_t day, const char *const *args)
{
	struct testenv_run r = cli(w, day, args);

	if (r.status != 0)
		fail_msg("%s %s: exit %d\n%s%s", args[0], args[1], r.status,
			 r.out, r.err);
	testenv_run_done(&r);
}

/* The plan the app layer (what the wizard calls) decides on day, on
 * the same database and server, must be the command line's. */
static void plan_agrees(struct walk *w, date_t day, json_t *o)
{
	struct session_options opt = {
		.resolver = w->nsd.address,
		.db_path = w->db,
		.timeout = 5,
		.datadir = getenv("DMARCPILOT_DATADIR")
			       ? getenv("DMARCPILOT_DATADIR")
			       : ABS_SRCDIR "/data",
	};
	struct session s;
	struct rollout_inputs in;
	struct rollout_plan p;
	struct err err = ERR_INIT;
	const char *next = json_string_value(json_object_get(o, "next_record"));

	session_init(&s, &opt);
	if (app_plan_load(&s, w->domain, day, &in, &p, &err) != STATUS_OK)
		fail_msg("app_plan_load: %s", err_message(&err));
	assert_string_equal(json_string_value(json_object_get(o, "phase")),
			    rollout_phase_name(p.phase));
	assert_int_equal(json_is_true(json_object_get(o, "ready")), p.ready);
	if (p.next.record)
		assert_string_equal(next, p.next.record);
	else
		assert_null(next);
	assert_int_equal(json_array_size(json_object_get(o, "reasons")),
			 p.reasons.count);
	rollout_plan_done(&p);
	rollout_inputs_done(&in);
	session_done(&s);
}

/* The plan of the day, as JSON (caller frees), checked against the
 * app layer's. */
static json_t *plan(struct walk *w, date_t day)
{
	const char *args[] = { "--json", "plan", w->domain, NULL };
	struct testenv_run r = cli(w, day, args);
	json_t *o = json_loads(r.out, 0, NULL);

	if (!o)
		fail_msg("plan: exit %d\n%s%s", r.status, r.out, r.err);
	testenv_run_done(&r);
	plan_agrees(w, day, o);
	return o;
}

/* Imports one aggregate report of the seven days before day: 200
 * messages from the walk's source, passing DKIM (its selector) and SPF,
 * both aligned with the domain. */
static void import_week(struct walk *w, date_t day)
{
	char *xml, *path, *name;
	const char *args[] = { "report", "import", NULL, NULL };
	long long begin = (long long)date_to_time(day - 7);
	long long end = (long long)date_to_time(day) - 1;

	xml = xasprintf(
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<feedback><report_metadata><org_name>Receiver</org_name>"
	    "<email>r@receiver.example</email><report_id>%s-%lld</report_id>"
	    "<date_range><begin>%lld</begin><end>%lld</end></date_range>"
	    "</report_metadata><policy_published><domain>%s</domain>"
	    "<p>none</p></policy_published>"
	    "<record><row><source_ip>%s</source_ip><count>200</count>"
	    "<policy_evaluated><disposition>none</disposition>"
	    "<dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>"
	    "<identifiers><header_from>%s</header_from></identifiers>"
	    "<auth_results><dkim><domain>%s</domain><selector>%s</selector>"
	    "<result>pass</result></dkim><spf><domain>%s</domain>"
	    "<result>pass</result></spf></auth_results></record>"
	    "</feedback>\n",
	    w->domain, begin, begin, end, w->domain, w->source, w->domain,
	    w->domain, w->selector, w->domain);
	name = xasprintf("report-%lld.xml", begin);
	path = testenv_write_file(w->dir, name, xml);
	args[2] = path;
	cli_ok(w, day, args);
	free(path);
	free(name);
	free(xml);
}

/* A string field of the plan, copied, or NULL. */
static char *field(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? xstrdup(v) : NULL;
}

/* Publishes what the plan's next step names: the record and its _spfN
 * parts, or for a service's key (no record) the key the service
 * publishes once DKIM is enabled there. */
static void publish_next(struct walk *w, json_t *o)
{
	json_t *next = json_object_get(o, "next"), *parts, *p;
	const char *record =
	    json_string_value(json_object_get(o, "next_record"));
	size_t i;

	assert_non_null(next);
	publish(w, json_string_value(json_object_get(next, "name")),
		record ? record : ED_KEY);
	parts = json_object_get(next, "parts");
	json_array_foreach(parts, i, p)
	{
		publish(w, json_string_value(json_object_get(p, "name")),
			json_string_value(json_object_get(p, "value")));
	}
	reload(w);
}

/* True when the export of the day carries text. */
static bool export_has(struct walk *w, date_t day, const char *text)
{
	const char *args[] = { "export", w->domain, NULL };
	struct testenv_run r = cli(w, day, args);
	bool has;

	assert_int_equal(r.status, 0);
	has = strstr(r.out, text) != NULL;
	testenv_run_done(&r);
	return has;
}

/* One Monday: report, then every step the plan calls ready (publish,
 * reload, step); a step it does not is refused and changes nothing, and
 * export withholds its record. */
static void walk_week(struct walk *w, int week)
{
	date_t day;
	assert_true(date_parse(FIRST_MONDAY, &day));
	day += 7 * week;
	if (week > 0)
		import_week(w, day);
	for (int tries = 0; tries < 4; tries++) {
		json_t *o = plan(w, day);
		char *record = field(o, "next_record");
		char *before = field(o, "dmarc_verified");
		struct testenv_run r;

		if (!json_is_true(json_object_get(o, "ready"))) {
			/* Refused: nothing recorded, export withholds. */
			const char *phase =
			    json_string_value(json_object_get(o, "phase"));
			bool done = !strcmp(phase, "enforced") ||
				    !strcmp(phase, "maintenance");

			/* Refused (exit 1), or complete (exit 0). */
			r = step(w, day);
			if ((r.status == 0) != (done && !record))
				fail_msg("week %d (%s): step exited %d: %s",
					 week, phase, r.status, r.out);
			testenv_run_done(&r);
			json_decref(o);
			o = plan(w, day);
			if (before)
				assert_string_equal(
				    before, json_string_value(json_object_get(
						o, "dmarc_verified")));
			if (record && strstr(record, "v=DMARC1") &&
			    export_has(w, day, record))
				fail_msg("week %d: export carries the unready "
					 "%s; plan: %s",
					 week, record, json_dumps(o, 0));
			w->phase[week] = xstrdup(
			    json_string_value(json_object_get(o, "phase")));
			json_decref(o);
			free(before);
			free(record);
			return;
		}
		publish_next(w, o);
		r = step(w, day);
		if (r.status != 0)
			fail_msg("week %d: step: %s%s", week, r.out, r.err);
		assert_non_null(strstr(r.out, "recorded"));
		testenv_run_done(&r);
		w->steps[week]++;
		json_decref(o);
		free(before);
		free(record);
	}
	fail_msg("week %d: more than four steps ready on one day", week);
}

/* Prints the phase and steps of each week for whoever reads a
 * failure. */
static void walk_print(const struct walk *w)
{
	for (int week = 0; week < WEEKS; week++)
		fprintf(stderr, "# %s week %2d: %-11s %d step(s)\n", w->domain,
			week, w->phase[week], w->steps[week]);
}

/* The whole walk. */
static void walk_all(struct walk *w)
{
	for (int week = 0; week < WEEKS; week++)
		walk_week(w, week);
	walk_print(w);
}

/* The record served at name now, or NULL. */
static const char *served(const struct walk *w, const char *name)
{
	for (size_t i = 0; i < w->npub; i++)
		if (strcasecmp(w->pub[i].name, name) == 0)
			return w->pub[i].value;
	return NULL;
}

/* A fresh domain with its own servers and its own key: SPF, DKIM and
 * p=none in the first week, 28 days of monitoring, then one rung a week
 * while the reports stay clean. */
static void test_walk_fresh(void **state)
{
	struct walk w = { .domain = "fresh.example",
			  .fixed = "",
			  .source = "192.0.2.10",
			  .selector = "s1" };
	date_t day;
	const char *add[] = { "domain", "add", "fresh.example", NULL };
	const char *sender[] = { "sender", "add", "fresh.example",
				 "ip4:192.0.2.0/24", NULL };
	char *keys;
	const char *keygen[] = { "dkim",  "keygen",      "fresh.example",
				 "s1",    "--algorithm", "ed25519",
				 "--out", NULL,          NULL };

	(void)state;
	walk_start(&w);
	keys = xasprintf("%s/keys", w.dir);
	keygen[7] = keys;
	assert_true(date_parse(FIRST_MONDAY, &day));
	cli_ok(&w, day, add);
	cli_ok(&w, day, sender);
	cli_ok(&w, day, keygen);
	walk_all(&w);
	/* Week 0: SPF ~all, the key, p=none. */
	assert_int_equal(w.steps[0], 3);
	assert_string_equal(w.phase[0], "monitor");
	/* Nothing before the 28 days at p=none are done. */
	for (int week = 1; week < 4; week++) {
		assert_int_equal(w.steps[week], 0);
		assert_string_equal(w.phase[week], "monitor");
	}
	/* Then one step a week: eight rungs to p=reject, then -all. */
	for (int week = 4; week < WEEKS; week++)
		assert_int_equal(w.steps[week], 1);
	assert_string_equal(w.phase[4], "quarantine");
	assert_string_equal(w.phase[8], "reject");
	assert_string_equal(w.phase[12], "enforced");
	assert_string_equal(served(&w, "fresh.example"),
			    "v=spf1 ip4:192.0.2.0/24 -all");
	assert_non_null(strstr(served(&w, "_dmarc.fresh.example"), "p=reject"));
	assert_null(strstr(served(&w, "_dmarc.fresh.example"), "pct="));
	free(keys);
	walk_stop(&w);
}

/* A domain whose only sender is Google Workspace: SPF with Google's
 * include; the plan names the sender whose key is missing until
 * google._domainkey serves one (enabled in the service the second
 * week), then the rollout goes on with no key of its own. */
static void test_walk_google_only(void **state)
{
	struct walk w = {
		.domain = "hosted.example",
		.fixed = "_spf.google.com. TXT \"v=spf1 ip4:209.85.128.0/17 "
			 "ip6:2001:4860:4000::/36 ~all\"\n",
		.source = "209.85.220.41",
		.selector = "google",
	};
	date_t day;
	const char *add[] = { "domain", "add", "hosted.example", NULL };
	const char *sender[] = { "sender", "add", "hosted.example",
				 "google-workspace", NULL };
	struct testenv_run r;
	json_t *o;
	char *text;

	(void)state;
	walk_start(&w);
	assert_true(date_parse(FIRST_MONDAY, &day));
	cli_ok(&w, day, add);
	cli_ok(&w, day, sender);
	/* Week 0 by hand: SPF is ready, DKIM waits for the service. */
	o = plan(&w, day);
	assert_true(json_is_true(json_object_get(o, "ready")));
	publish_next(&w, o);
	json_decref(o);
	r = step(&w, day);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	o = plan(&w, day);
	assert_false(json_is_true(json_object_get(o, "ready")));
	text = json_dumps(o, 0);
	assert_non_null(strstr(text, "plan.dkim_missing"));
	free(text);
	json_decref(o);
	w.steps[0] = 1;
	w.phase[0] = xstrdup("spf");
	/* The operator enables DKIM in Google Workspace: the key is served
	 * at the catalogue's selector before the second Monday. */
	publish(&w, "google._domainkey.hosted.example", ED_KEY);
	reload(&w);
	for (int week = 1; week < WEEKS; week++)
		walk_week(&w, week);
	walk_print(&w);
	/* Week 1: the service's key, then p=none. */
	assert_int_equal(w.steps[1], 2);
	assert_string_equal(w.phase[1], "monitor");
	for (int week = 2; week < 5; week++)
		assert_int_equal(w.steps[week], 0);
	for (int week = 5; week < WEEKS; week++)
		assert_int_equal(w.steps[week], 1);
	assert_string_equal(w.phase[5], "quarantine");
	assert_string_equal(w.phase[12], "reject");
	assert_string_equal(served(&w, "hosted.example"),
			    "v=spf1 include:_spf.google.com ~all");
	assert_null(served(&w, "s1._domainkey.hosted.example"));
	walk_stop(&w);
}

/* A domain already at -all and p=reject: adopted on the first day,
 * enforced, then in maintenance once a report window has passed; no
 * week's export or plan proposes ~all, p=none or quarantine, and a
 * sender added in week 5 is published at -all. */
static void test_walk_adopted(void **state)
{
	struct walk w = { .domain = "strict.example",
			  .fixed = "",
			  .source = "192.0.2.10",
			  .selector = "mail" };
	date_t day;
	const char *add[] = { "domain", "add", "strict.example", NULL };
	const char *sender[] = { "sender", "add", "strict.example",
				 "ip4:192.0.2.0/24", NULL };
	const char *second[] = { "sender", "add", "strict.example",
				 "ip4:198.51.100.0/24", NULL };

	(void)state;
	publish(&w, "strict.example", "v=spf1 ip4:192.0.2.0/24 -all");
	publish(&w, "mail._domainkey.strict.example", ED_KEY);
	publish(&w, "_dmarc.strict.example",
		"v=DMARC1; p=reject; rua=mailto:dmarc@strict.example");
	walk_start(&w);
	assert_true(date_parse(FIRST_MONDAY, &day));
	cli_ok(&w, day, add);
	cli_ok(&w, day, sender);
	for (int week = 0; week < WEEKS; week++) {
		date_t d = day + 7 * week;
		json_t *o;
		const char *next;
		struct testenv_run r;

		if (week == 5)
			cli_ok(&w, d, second);
		if (week > 0)
			import_week(&w, d);
		o = plan(&w, d);
		next = json_string_value(json_object_get(o, "next_record"));
		assert_true(!next ||
			    (!strstr(next, "~all") && !strstr(next, "p=none") &&
			     !strstr(next, "quarantine")));
		assert_false(export_has(&w, d, "~all"));
		assert_false(export_has(&w, d, "p=none"));
		assert_false(export_has(&w, d, "quarantine"));
		if (next && json_is_true(json_object_get(o, "ready"))) {
			publish_next(&w, o);
			r = step(&w, d);
			if (r.status != 0)
				fail_msg("week %d: %s%s", week, r.out, r.err);
			w.steps[week]++;
			testenv_run_done(&r);
			json_decref(o);
			o = plan(&w, d);
		} else {
			/* Complete: step says so and records nothing. */
			r = step(&w, d);
			assert_int_equal(r.status, 0);
			assert_non_null(strstr(r.out, "complete"));
			testenv_run_done(&r);
		}
		w.phase[week] =
		    xstrdup(json_string_value(json_object_get(o, "phase")));
		json_decref(o);
	}
	walk_print(&w);
	assert_string_equal(w.phase[0], "enforced");
	assert_string_equal(w.phase[WEEKS - 1], "maintenance");
	/* Only the added sender's record was a step, at -all. */
	for (int week = 0; week < WEEKS; week++)
		assert_int_equal(w.steps[week], week == 5 ? 1 : 0);
	assert_string_equal(served(&w, "strict.example"),
			    "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 "
			    "-all");
	walk_stop(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_fresh),
		cmocka_unit_test(test_walk_google_only),
		cmocka_unit_test(test_walk_adopted),
	};

	testenv_require_program("NSD");
	return cmocka_run_group_tests_name("rollout_walk", tests, NULL, NULL);
}
