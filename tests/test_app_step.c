/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rollout's safety rules as an operator meets them: step refuses a
 * rung the plan does not call ready (exit 1, every reason, nothing
 * recorded) unless --force, which records and says so; it never calls
 * an unfinished rollout complete; export keeps the current rung and
 * names the withheld one, --next adds it marked; plan --json gives every
 * reason with its code; a fact that cannot be read makes the plan not
 * ready; a sender added mid-rollout makes the live SPF record stale.
 * The same domains run through the command line and through the app
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
#include "app/step.h"
#include "lib/testenv.h"
#include "store/state.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
	char *path;
	char *zone; /* what hold.example serves, rewritten by serve() */
};

static date_t day(const char *s)
{
	date_t d;

	assert_true(date_parse(s, &d));
	return d;
}

static const char spf[] = "v=spf1 ip4:192.0.2.0/24 ~all";
static const char none[] = "v=DMARC1; p=none; rua=mailto:dmarc@hold.example";
static const char q10[] = "v=DMARC1; p=quarantine; pct=10; t=y; "
			  "rua=mailto:dmarc@hold.example";

/* Writes the zone hold.example serves: SPF and DMARC (either may be
 * NULL). */
static void serve(struct fixture *f, const char *spf_rec, const char *dmarc)
{
	char *z = xasprintf("$ORIGIN hold.example.\n$TTL 300\n"
			    "@ SOA ns1 hostmaster 1 3600 600 86400 300\n"
			    "@ NS ns1\nns1 A 192.0.2.53\n"
			    "%s%s%s%s%s%s",
			    spf_rec ? "@ TXT \"" : "", spf_rec ? spf_rec : "",
			    spf_rec ? "\"\n" : "", dmarc ? "_dmarc TXT \"" : "",
			    dmarc ? dmarc : "", dmarc ? "\"\n" : "");

	free(f->zone);
	f->zone = testenv_write_file(f->dir, "hold.zone", z);
	free(z);
}

/* hold.example: one network, SPF ~all live since 2026-11-24, no DKIM
 * key of its own, p=none live since 2026-12-01; no reports at all. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct err err = ERR_INIT;
	struct store *store;

	f->dir = testenv_mkdtemp();
	f->path = testenv_db(f->dir, "state.db");
	assert_int_equal(store_open(&store, f->path, &err), STATUS_OK);
	assert_int_equal(state_domain_add(store, "hold.example",
					  day("2026-11-23"), NULL, &err),
			 STATUS_OK);
	assert_int_equal(state_sender_add(store, "hold.example",
					  "ip4:192.0.2.0/24", NULL, NULL, 0,
					  NULL, &err),
			 STATUS_OK);
	assert_int_equal(state_rung_add(store, "hold.example", RUNG_SPF, 0, spf,
					day("2026-11-24"), &err),
			 STATUS_OK);
	assert_int_equal(state_rung_add(store, "hold.example", RUNG_DMARC, 0,
					none, day("2026-12-01"), &err),
			 STATUS_OK);
	store_close(store);
	serve(f, spf, none);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testenv_rmdir(f->dir);
	free(f->zone);
	free(f->path);
	free(f->dir);
	free(f);
	return 0;
}

/* Runs the binary on day now against the served zone; args ends with
 * NULL (at most 8). */
static struct testenv_run run(struct fixture *f, const char *now,
			      const char *const *args)
{
	const char *argv[16] = { "--db", f->path,  "--now",
				 now,    "--zone", f->zone };
	size_t n = 6;

	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return testenv_run_dmarcpilot(argv, NULL);
}

/* Runs the binary as run() does; it must exit 0. */
static void run_ok(struct fixture *f, const char *now, const char *const *args)
{
	struct testenv_run r = run(f, now, args);

	if (r.status != 0)
		fail_msg("%s %s: exit %d\n%s%s", args[0], args[1], r.status,
			 r.out, r.err);
	testenv_run_done(&r);
}

/* How many rungs the database holds for hold.example. */
static size_t rungs(struct fixture *f)
{
	struct store *store;
	struct err err = ERR_INIT;
	struct state_rung *r = NULL;
	size_t n = 0;

	assert_int_equal(store_open(&store, f->path, &err), STATUS_OK);
	assert_int_equal(state_rung_list(store, "hold.example", &r, &n, &err),
			 STATUS_OK);
	state_rungs_free(r, n);
	store_close(store);
	return n;
}

/* True if a JSON array of findings holds the code. */
static bool has_code(json_t *findings, const char *code)
{
	size_t i;
	json_t *f;

	json_array_foreach(findings, i, f)
	{
		if (strcmp(json_string_value(json_object_get(f, "code")),
			   code) == 0)
			return true;
	}
	return false;
}

/* 28 days at p=none are done, but there are no reports: quarantine is
 * not ready. step refuses it even though the operator already published
 * it, with every reason and nothing recorded; --force records it and
 * says it was forced. */
static void test_step_refuses_unready(void **state)
{
	struct fixture *f = *state;
	const char *step[] = { "step", "hold.example", NULL };
	const char *step_json[] = { "--json", "step", "hold.example", NULL };
	const char *force[] = { "step", "hold.example", "--force", NULL };
	struct testenv_run r;
	json_t *o;

	serve(f, spf, q10);
	r = run(f, "2026-12-29", step);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "quarantine 10 % is not ready; "
				      "nothing recorded"));
	assert_non_null(strstr(r.out, "no aggregate reports cover"));
	assert_null(strstr(r.out, "complete"));
	testenv_run_done(&r);
	assert_int_equal(rungs(f), 2);

	r = run(f, "2026-12-29", step_json);
	assert_int_equal(r.status, 1);
	o = json_loads(r.out, 0, NULL);
	assert_non_null(o);
	assert_true(json_is_false(json_object_get(o, "recorded")));
	assert_true(json_is_false(json_object_get(o, "ready")));
	assert_true(has_code(json_object_get(o, "reasons"), "plan.no_reports"));
	json_decref(o);
	testenv_run_done(&r);
	assert_int_equal(rungs(f), 2);

	r = run(f, "2026-12-29", force);
	if (r.status != 0)
		fail_msg("step --force: %s%s", r.out, r.err);
	assert_non_null(strstr(r.out, "recorded quarantine 10 %"));
	assert_non_null(strstr(r.out, "Forced: the plan did not call "
				      "quarantine 10 % ready"));
	testenv_run_done(&r);
	assert_int_equal(rungs(f), 3);
}

/* Before p=none's 28 days: the plan gives every reason (too early and
 * no reports), each with its code. */
static void test_plan_every_reason(void **state)
{
	struct fixture *f = *state;
	const char *plan[] = { "--json", "plan", "hold.example", NULL };
	struct testenv_run r = run(f, "2026-12-11", plan);
	json_t *o, *reasons;

	assert_int_equal(r.status, 0);
	o = json_loads(r.out, 0, NULL);
	assert_non_null(o);
	reasons = json_object_get(o, "reasons");
	assert_true(json_is_false(json_object_get(o, "ready")));
	assert_true(has_code(reasons, "plan.too_early"));
	assert_true(has_code(reasons, "plan.no_reports"));
	/* The live records, read now. */
	assert_string_equal(json_string_value(json_object_get(o, "spf_live")),
			    spf);
	assert_string_equal(json_string_value(json_object_get(o, "dmarc_live")),
			    none);
	json_decref(o);
	testenv_run_done(&r);
}

/* export keeps p=none, says quarantine is withheld and why; --next adds
 * it, marked; JSON says ready false and what is withheld. */
static void test_export_withholds(void **state)
{
	struct fixture *f = *state;
	const char *bind[] = { "export", "hold.example", NULL };
	const char *next[] = { "export", "hold.example", "--next", NULL };
	const char *js[] = { "export", "hold.example", "--format", "json",
			     NULL };
	struct testenv_run r;
	json_t *o;

	r = run(f, "2026-12-29", bind);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "_dmarc.hold.example. 300 IN TXT "
				      "\"v=DMARC1; p=none; "
				      "rua=mailto:dmarc@hold.example\""));
	assert_null(strstr(r.out, "p=quarantine"));
	assert_non_null(strstr(r.out, "; withheld, not ready: quarantine "
				      "10 %: no aggregate reports cover"));
	testenv_run_done(&r);

	r = run(f, "2026-12-29", next);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, q10));
	assert_non_null(strstr(r.out, "; NOT READY, included by --next: "
				      "quarantine 10 %"));
	testenv_run_done(&r);

	r = run(f, "2026-12-29", js);
	assert_int_equal(r.status, 0);
	o = json_loads(r.out, 0, NULL);
	assert_non_null(o);
	assert_true(json_is_false(json_object_get(o, "ready")));
	assert_non_null(
	    strstr(json_string_value(json_object_get(o, "withheld")),
		   "quarantine 10 %"));
	assert_string_equal(json_string_value(json_object_get(o, "apex")),
			    "hold.example");
	json_decref(o);
	testenv_run_done(&r);
}

/* A sender added mid-rollout: the live SPF record misses it, so the
 * plan says it is stale and the next step is the record with it, at the
 * strength reached (~all); the DMARC rungs wait. */
static void test_sender_added_makes_spf_stale(void **state)
{
	struct fixture *f = *state;
	const char *add[] = { "sender", "add", "hold.example",
			      "ip4:198.51.100.0/24", NULL };
	const char *plan[] = { "--json", "plan", "hold.example", NULL };
	struct testenv_run r;
	json_t *o;

	run_ok(f, "2026-12-11", add);
	r = run(f, "2026-12-11", plan);
	assert_int_equal(r.status, 0);
	o = json_loads(r.out, 0, NULL);
	assert_non_null(o);
	assert_true(has_code(json_object_get(o, "reasons"), "plan.spf_stale"));
	assert_string_equal(
	    json_string_value(json_object_get(o, "next_record")),
	    "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 ~all");
	json_decref(o);
	testenv_run_done(&r);
}

/* A session over the fixture's database and zone. */
static void session_of(struct fixture *f, struct session *s,
		       const char *const *zones, size_t nzones)
{
	struct session_options o = {
		.zones = zones,
		.nzones = nzones,
		.db_path = f->path,
		.datadir = getenv("DMARCPILOT_DATADIR")
			       ? getenv("DMARCPILOT_DATADIR")
			       : ABS_SRCDIR "/data",
	};

	session_init(s, &o);
}

/* When the record the plan needs to count cannot be read (the include's
 * server fails), the plan is not ready and says why. */
static void test_unreadable_fact_not_ready(void **state)
{
	struct fixture *f = *state;
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct err err = ERR_INIT;
	struct session s;
	struct dns *dns = dns_new_table();
	struct store *store;

	assert_int_equal(store_open(&store, f->path, &err), STATUS_OK);
	assert_int_equal(state_domain_add(store, "fresh.example",
					  day("2026-11-23"), NULL, &err),
			 STATUS_OK);
	assert_int_equal(state_sender_add(store, "fresh.example",
					  "a:mail.vendor.example", NULL, NULL,
					  0, NULL, &err),
			 STATUS_OK);
	store_close(store);
	session_of(f, &s, NULL, 0);
	dns_table_set_fault(dns, "fresh.example", DNS_SERVFAIL);
	session_set_dns(&s, dns);
	assert_int_equal(app_plan_load(&s, "fresh.example", day("2026-11-24"),
				       &in, &plan, &err),
			 STATUS_OK);
	assert_int_equal(plan.next.action, ROLLOUT_ACTION_SPF);
	assert_false(plan.ready);
	assert_true(findings_has(&plan.reasons, F_PLAN_LIVE_UNREAD));
	assert_null(plan.spf_live);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	session_done(&s);
}

/* One table of domains through the command line and through the app
 * layer the wizard calls: the same phase, readiness and next record. */
static void test_cli_and_app_agree(void **state)
{
	static const struct {
		const char *now;
		const char *spf, *dmarc; /* served */
	} cases[] = {
		{ "2026-12-11", spf, none },
		{ "2026-12-29", spf, none },
		{ "2026-12-29", spf, q10 },
		{ "2027-01-05", "v=spf1 mx ~all", none },
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *plan_args[] = { "--json", "plan", "hold.example",
					    NULL };
		const char *zones[1];
		struct rollout_inputs in;
		struct rollout_plan plan;
		struct err err = ERR_INIT;
		struct testenv_run r;
		struct session s;
		json_t *o;
		const char *next;

		serve(f, cases[i].spf, cases[i].dmarc);
		zones[0] = f->zone;
		r = run(f, cases[i].now, plan_args);
		assert_int_equal(r.status, 0);
		o = json_loads(r.out, 0, NULL);
		assert_non_null(o);
		session_of(f, &s, zones, 1);
		assert_int_equal(app_plan_load(&s, "hold.example",
					       day(cases[i].now), &in, &plan,
					       &err),
				 STATUS_OK);
		assert_string_equal(
		    json_string_value(json_object_get(o, "phase")),
		    rollout_phase_name(plan.phase));
		assert_int_equal(json_is_true(json_object_get(o, "ready")),
				 plan.ready);
		next = json_string_value(json_object_get(o, "next_record"));
		if (plan.next.record)
			assert_string_equal(next, plan.next.record);
		else
			assert_null(next);
		assert_int_equal(json_array_size(json_object_get(o, "reasons")),
				 plan.reasons.count);
		/* The step gate agrees with the command's refusal. */
		assert_int_equal(app_step_gate(&plan, false) == APP_STEP_GO,
				 plan.ready);
		rollout_plan_done(&plan);
		rollout_inputs_done(&in);
		session_done(&s);
		json_decref(o);
		testenv_run_done(&r);
	}
}

/* In the SPF phase without any DKIM key there is no step to take: step
 * says so with the reason and exits 1, never "complete". */
static void test_no_step_is_not_complete(void **state)
{
	struct fixture *f = *state;
	const char *add[] = { "domain", "add", "new.example", NULL };
	const char *sender[] = { "sender", "add", "new.example",
				 "ip4:192.0.2.0/24", NULL };
	const char *step[] = { "step", "new.example", NULL };
	struct testenv_run r;
	struct store *store;
	struct err err = ERR_INIT;

	run_ok(f, "2026-11-23", add);
	run_ok(f, "2026-11-23", sender);
	assert_int_equal(store_open(&store, f->path, &err), STATUS_OK);
	assert_int_equal(state_rung_add(store, "new.example", RUNG_SPF, 0, spf,
					day("2026-11-24"), &err),
			 STATUS_OK);
	store_close(store);
	/* new.example serves its SPF record. */
	free(f->zone);
	f->zone = testenv_write_file(
	    f->dir, "new.zone",
	    "$ORIGIN new.example.\n$TTL 300\n"
	    "@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\n"
	    "ns1 A 192.0.2.53\n@ TXT \"v=spf1 ip4:192.0.2.0/24 ~all\"\n");
	r = run(f, "2026-11-25", step);
	assert_int_equal(r.status, 1);
	assert_null(strstr(r.out, "complete"));
	assert_non_null(strstr(r.out, "no step can be taken yet"));
	assert_non_null(strstr(r.out, "DKIM"));
	testenv_run_done(&r);
}

/* The key the walks serve: a real RSA public key (1024 bits, one TXT
 * string). */
/* clang-format off */
#define KEY                                                                    \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDP7X9YNYOqugSkeAO5CLf7BmalEGN1" \
	"yGQc6w6N54/KjMmW2XAoGsa1stFongBGWyZ7dL9eKkjLZFFmNV8aOYjqCHw29jvv8Jqr" \
	"x82wF5AvWJcMsEoq9aDXc+3F4KDm86x9d/0Q8gIcDwbmTSGuWvOqy7oG/DmqgT2x8Ks9" \
	"Kt+LuQIDAQAB"
/* clang-format on */

/* Writes a zone for origin with the given lines; f->zone points at it. */
static void serve_zone(struct fixture *f, const char *origin, const char *lines)
{
	char *z = xasprintf("$ORIGIN %s.\n$TTL 300\n"
			    "@ SOA ns1 hostmaster 1 3600 600 86400 300\n"
			    "@ NS ns1\nns1 A 192.0.2.53\n%s",
			    origin, lines);

	free(f->zone);
	f->zone = testenv_write_file(f->dir, "adopt.zone", z);
	free(z);
}

/* A domain that already serves -all, a DKIM key and p=reject is added
 * at the rung that is live: enforced, never offered ~all, p=none or a
 * quarantine, and its export keeps -all and p=reject. */
static void test_adopt_never_weaker(void **state)
{
	struct fixture *f = *state;
	const char *add[] = { "domain", "add", "strict.example", NULL };
	const char *sender[] = { "sender", "add", "strict.example",
				 "ip4:192.0.2.0/24", NULL };
	const char *plan[] = { "--json", "plan", "strict.example", NULL };
	const char *nsupdate[] = { "export", "strict.example", "--format",
				   "nsupdate", NULL };
	struct testenv_run r;
	json_t *o;
	const char *next;

	serve_zone(f, "strict.example",
		   "@ TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
		   "mail._domainkey TXT \"v=DKIM1; k=rsa; p=" KEY "\"\n"
		   "_dmarc TXT \"v=DMARC1; p=reject; "
		   "rua=mailto:dmarc@strict.example\"\n");
	r = run(f, "2026-11-23", sender);
	assert_int_equal(r.status, 2); /* not a domain yet */
	testenv_run_done(&r);
	r = run(f, "2026-11-23", add);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "serves SPF with -all"));
	assert_non_null(strstr(r.out, "selector mail"));
	assert_non_null(strstr(r.out, "DMARC rung 9"));
	testenv_run_done(&r);
	run_ok(f, "2026-11-23", sender);
	r = run(f, "2026-11-24", plan);
	assert_int_equal(r.status, 0);
	o = json_loads(r.out, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "phase")),
			    "enforced");
	next = json_string_value(json_object_get(o, "next_record"));
	assert_true(!next ||
		    (!strstr(next, "~all") && !strstr(next, "p=none") &&
		     !strstr(next, "quarantine")));
	json_decref(o);
	testenv_run_done(&r);
	r = run(f, "2026-11-24", nsupdate);
	assert_int_equal(r.status, 0);
	assert_null(strstr(r.out, "~all"));
	assert_null(strstr(r.out, "p=none"));
	assert_null(strstr(r.out, "quarantine"));
	/* The -all record served is never deleted. */
	assert_null(strstr(r.out, "update delete strict.example. TXT"));
	testenv_run_done(&r);
}

/* The same domain, when the operator asks for ~all with domain set
 * spf-all=softfail: the plan follows (the weaker record, at once, with a
 * plan.weaker reason that says so), step records it, and the domain is
 * enforced at the ~all asked for, with no step proposed again. */
static void test_softfail_asked_weakens(void **state)
{
	struct fixture *f = *state;
	const char *add[] = { "domain", "add", "strict.example", NULL };
	const char *sender[] = { "sender", "add", "strict.example",
				 "ip4:192.0.2.0/24", NULL };
	const char *set[] = { "domain", "set", "strict.example",
			      "spf-all=softfail", NULL };
	const char *plan[] = { "--json", "plan", "strict.example", NULL };
	const char *step[] = { "step", "strict.example", NULL };
	const char *dkim = "mail._domainkey TXT \"v=DKIM1; k=rsa; p=" KEY
			   "\"\n_dmarc TXT \"v=DMARC1; p=reject; "
			   "rua=mailto:dmarc@strict.example\"\n";
	char *zone =
	    xasprintf("@ TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n%s", dkim);
	struct testenv_run r;
	json_t *o;

	serve_zone(f, "strict.example", zone);
	free(zone);
	run_ok(f, "2026-11-23", add);
	run_ok(f, "2026-11-23", sender);
	run_ok(f, "2026-11-24", set);
	r = run(f, "2026-11-24", plan);
	o = json_loads(r.out, 0, NULL);
	assert_non_null(o);
	assert_string_equal(
	    json_string_value(json_object_get(o, "next_record")),
	    "v=spf1 ip4:192.0.2.0/24 ~all");
	assert_true(has_code(json_object_get(o, "reasons"), "plan.weaker"));
	assert_true(json_is_true(json_object_get(o, "ready")));
	json_decref(o);
	testenv_run_done(&r);
	zone = xasprintf("@ TXT \"v=spf1 ip4:192.0.2.0/24 ~all\"\n%s", dkim);
	serve_zone(f, "strict.example", zone);
	free(zone);
	r = run(f, "2026-11-24", step);
	if (r.status != 0)
		fail_msg("step: %s%s", r.out, r.err);
	testenv_run_done(&r);
	r = run(f, "2026-11-25", plan);
	o = json_loads(r.out, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "phase")),
			    "enforced");
	assert_true(json_is_null(json_object_get(o, "next_record")) ||
		    !json_object_get(o, "next_record"));
	assert_false(has_code(json_object_get(o, "reasons"), "plan.weaker"));
	assert_false(has_code(json_object_get(o, "reasons"), "plan.spf_stale"));
	json_decref(o);
	testenv_run_done(&r);
}

/* A domain whose only sender is Google Workspace: once
 * google._domainkey serves a key (here a TXT record; a CNAME into the
 * service's zone is followed the same way), the DKIM step is ready and
 * recorded, and the plan moves on to p=none. Before, it names the
 * sender whose key is missing. */
static void test_hosted_only_dkim(void **state)
{
	struct fixture *f = *state;
	const char *add[] = { "domain", "add", "hosted.example", NULL };
	const char *sender[] = { "sender", "add", "hosted.example",
				 "google-workspace", NULL };
	const char *plan[] = { "--json", "plan", "hosted.example", NULL };
	const char *step[] = { "step", "hosted.example", NULL };
	const char *spf_g = "v=spf1 include:_spf.google.com ~all";
	struct testenv_run r;
	struct store *store;
	struct err err = ERR_INIT;
	json_t *o;

	serve_zone(f, "hosted.example", "");
	run_ok(f, "2026-11-23", add);
	run_ok(f, "2026-11-23", sender);
	assert_int_equal(store_open(&store, f->path, &err), STATUS_OK);
	assert_int_equal(state_rung_add(store, "hosted.example", RUNG_SPF, 0,
					spf_g, day("2026-11-24"), &err),
			 STATUS_OK);
	store_close(store);
	serve_zone(f, "hosted.example",
		   "@ TXT \"v=spf1 include:_spf.google.com ~all\"\n");
	r = run(f, "2026-11-25", plan);
	o = json_loads(r.out, 0, NULL);
	assert_non_null(o);
	assert_true(json_is_false(json_object_get(o, "ready")));
	assert_true(
	    has_code(json_object_get(o, "reasons"), "plan.dkim_missing"));
	assert_non_null(strstr(r.out, "sender google-workspace"));
	json_decref(o);
	testenv_run_done(&r);

	serve_zone(f, "hosted.example",
		   "@ TXT \"v=spf1 include:_spf.google.com ~all\"\n"
		   "google._domainkey TXT \"v=DKIM1; k=rsa; p=" KEY "\"\n");
	r = run(f, "2026-11-25", step);
	if (r.status != 0)
		fail_msg("step: %s%s", r.out, r.err);
	assert_non_null(strstr(r.out, "recorded DKIM selector google"));
	testenv_run_done(&r);
	r = run(f, "2026-11-26", plan);
	o = json_loads(r.out, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "phase")),
			    "dkim");
	assert_non_null(
	    strstr(json_string_value(json_object_get(o, "next_record")),
		   "v=DMARC1; p=none"));
	json_decref(o);
	testenv_run_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_step_refuses_unready,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_every_reason, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_export_withholds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
		    test_sender_added_makes_spf_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_fact_not_ready,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_and_app_agree, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_step_is_not_complete,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_never_weaker, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_softfail_asked_weakens,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hosted_only_dkim, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("app_step", tests, NULL, NULL);
}
