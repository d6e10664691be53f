/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The plan's SPF record comes from the SPF builder: past 10 lookups it is
 * flattened, keeping the includes of services whose addresses rotate;
 * offline the plan says it could not count; step stores what was
 * flattened and the lookups; maintenance reports lookup drift and
 * flattened ranges that changed, naming the include and the ranges. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "lib/nsd.h"
#include "lib/testenv.h"
#include "providers/providers.h"
#include "plan/rollout.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
	char *path;
	struct store *store;
	struct providers *catalogue;
};

/* One provider zone: its origin and its records (relative names). */
struct pzone {
	const char *origin;
	const char *records;
};

/* The services' SPF trees, 12 lookups in all (RFC 7208 4.6.4):
 * google 1 + 3 netblocks = 4, sendgrid 1, mailgun 2, zendesk 1,
 * salesforce 2, amazonses 1, sparkpost 1. Flattening one include of
 * cost 2 or more gets to 10. Google's costs the fewest octets to
 * flatten (-24 + 15), salesforce's fewer than mailgun's (-28 + 61
 * against -20 + 80); Google is a mailbox provider, whose addresses
 * rotate, so salesforce is the one to flatten. */
static const struct pzone zones_v1[] = {
	{ "google.com",
	  "_spf TXT \"v=spf1 include:_netblocks.google.com "
	  "include:_netblocks2.google.com include:_netblocks3.google.com "
	  "~all\"\n"
	  "_netblocks TXT \"v=spf1 ip4:8.8.4.0/24 ~all\"\n"
	  "_netblocks2 TXT \"v=spf1 ~all\"\n"
	  "_netblocks3 TXT \"v=spf1 ~all\"\n" },
	{ "sendgrid.net",
	  "@ TXT \"v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 ~all\"\n" },
	{ "mailgun.org",
	  "@ TXT \"v=spf1 include:_spf.mailgun.org ~all\"\n"
	  "_spf TXT \"v=spf1 ip4:141.193.32.0/23 ip4:143.55.224.0/21 "
	  "ip4:159.135.224.0/20 ip4:166.78.68.0/22 ~all\"\n" },
	{ "zendesk.com", "mail TXT \"v=spf1 ip4:192.161.144.0/20 ~all\"\n" },
	{ "salesforce.com",
	  "_spf TXT \"v=spf1 include:_spf2.salesforce.com ~all\"\n"
	  "_spf2 TXT \"v=spf1 ip4:13.110.208.0/21 ip4:13.110.216.0/22 "
	  "ip4:136.146.208.0/20 ~all\"\n" },
	{ "amazonses.com", "@ TXT \"v=spf1 ip4:199.255.192.0/22 ~all\"\n" },
	{ "sparkpostmail.com", "@ TXT \"v=spf1 ip4:192.174.80.0/20 ~all\"\n" },
};

#define NZONES (sizeof zones_v1 / sizeof *zones_v1)

/* Later: Google adds a fourth netblock include (5 lookups, 11 in all)
 * and salesforce moves one range. */
static const struct pzone zones_v2[] = {
	{ "google.com",
	  "_spf TXT \"v=spf1 include:_netblocks.google.com "
	  "include:_netblocks2.google.com include:_netblocks3.google.com "
	  "include:_netblocks4.google.com ~all\"\n"
	  "_netblocks TXT \"v=spf1 ip4:8.8.4.0/24 ~all\"\n"
	  "_netblocks2 TXT \"v=spf1 ~all\"\n"
	  "_netblocks3 TXT \"v=spf1 ~all\"\n"
	  "_netblocks4 TXT \"v=spf1 ~all\"\n" },
	{ "sendgrid.net",
	  "@ TXT \"v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 ~all\"\n" },
	{ "mailgun.org",
	  "@ TXT \"v=spf1 include:_spf.mailgun.org ~all\"\n"
	  "_spf TXT \"v=spf1 ip4:141.193.32.0/23 ip4:143.55.224.0/21 "
	  "ip4:159.135.224.0/20 ip4:166.78.68.0/22 ~all\"\n" },
	{ "zendesk.com", "mail TXT \"v=spf1 ip4:192.161.144.0/20 ~all\"\n" },
	{ "salesforce.com",
	  "_spf TXT \"v=spf1 include:_spf2.salesforce.com ~all\"\n"
	  "_spf2 TXT \"v=spf1 ip4:13.110.208.0/21 ip4:13.110.224.0/20 "
	  "ip4:136.146.208.0/20 ~all\"\n" },
	{ "amazonses.com", "@ TXT \"v=spf1 ip4:199.255.192.0/22 ~all\"\n" },
	{ "sparkpostmail.com", "@ TXT \"v=spf1 ip4:192.174.80.0/20 ~all\"\n" },
};

/* The record the plan must give with zones_v1, by hand: salesforce's
 * ranges sorted, then the kept includes in the order the senders were
 * added. */
static const char flat_v1[] =
    "v=spf1 ip4:13.110.208.0/21 ip4:13.110.216.0/22 ip4:136.146.208.0/20 "
    "include:_spf.google.com include:sendgrid.net include:mailgun.org "
    "include:mail.zendesk.com include:amazonses.com "
    "include:sparkpostmail.com ~all";

static date_t day(const char *s)
{
	date_t d;

	assert_true(date_parse(s, &d));
	return d;
}

/* A database with example.com (added 2026-11-23) and seven services. */
static int setup(void **state)
{
	static const char *const senders[] = {
		"google-workspace", "sendgrid",   "mailgun",   "zendesk",
		"salesforce",       "amazon-ses", "sparkpost",
	};
	struct fixture *f = xcalloc(1, sizeof *f);
	struct err err = ERR_INIT;
	const char *datadir = getenv("DMARCPILOT_DATADIR");
	char *ini = xasprintf("%s/providers.ini",
			      datadir ? datadir : ABS_SRCDIR "/data");

	f->dir = testenv_mkdtemp();
	f->path = testenv_db(f->dir, "state.db");
	assert_int_equal(store_open(&f->store, f->path, &err), STATUS_OK);
	assert_int_equal(providers_load(&f->catalogue, ini, &err), STATUS_OK);
	free(ini);
	assert_int_equal(state_domain_add(f->store, "example.com",
					  day("2026-11-23"), NULL, &err),
			 STATUS_OK);
	for (size_t i = 0; i < sizeof senders / sizeof *senders; i++)
		assert_int_equal(
		    state_sender_add(f->store, "example.com", senders[i], NULL,
				     f->catalogue, day("2026-11-23"), NULL,
				     &err),
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

/* A table resolver holding the provider zones (absolute names). */
static struct dns *table_of(const struct pzone *zones)
{
	struct dns *dns = dns_new_table();
	struct err err = ERR_INIT;

	for (size_t i = 0; i < NZONES; i++) {
		char *copy = xstrdup(zones[i].records), *save = NULL;
		struct strbuf sb = STRBUF_INIT;

		for (char *l = strtok_r(copy, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			size_t n = strcspn(l, " ");

			if (n == 1 && l[0] == '@')
				strbuf_addf(&sb, "%s. 300 IN%s\n",
					    zones[i].origin, l + 1);
			else
				strbuf_addf(&sb, "%.*s.%s. 300 IN%s\n", (int)n,
					    l, zones[i].origin, l + n);
		}
		assert_int_equal(dns_table_add(dns, strbuf_str(&sb), &err),
				 STATUS_OK);
		strbuf_done(&sb);
		free(copy);
	}
	return dns;
}

/* True if one of the plan's reasons has the code and contains needle. */
static bool reasons_have(const struct findings *list, const char *code,
			 const char *needle)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(finding_code_name(list->items[i].code), code) == 0 &&
		    strstr(list->items[i].message, needle))
			return true;
	return false;
}

/* 12 lookups: the plan flattens salesforce, not the rotating Google
 * include, and counts 10. */
static void test_flatten_keeps_rotating(void **state)
{
	struct fixture *f = *state;
	struct dns *dns = table_of(zones_v1);
	struct err err = ERR_INIT;
	struct rollout_inputs in;
	struct rollout_plan plan;
	size_t flattened = 0;

	assert_int_equal(rollout_inputs_load(f->store, dns, f->catalogue,
					     "example.com", day("2026-11-24"),
					     &in, &err),
			 STATUS_OK);
	rollout_decide(&in, day("2026-11-24"), &plan);
	assert_int_equal(in.spf_lookups, 10);
	assert_null(in.spf_lookup_note);
	assert_string_equal(in.spf_soft, flat_v1);
	assert_int_equal(in.nspf_parts, 0);
	assert_non_null(in.spf_flat);
	for (size_t i = 0; i < in.spf_flat->nitems; i++)
		if (in.spf_flat->items[i].flattened) {
			flattened++;
			assert_string_equal(in.spf_flat->items[i].mechanism,
					    "include:_spf.salesforce.com");
		}
	assert_int_equal(flattened, 1);
	assert_true(plan.ready);
	assert_int_equal(plan.next.action, ROLLOUT_ACTION_SPF);
	assert_string_equal(plan.next.record, flat_v1);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	dns_free(dns);
}

/* Without a resolver the record is the builder's, unflattened, and the
 * plan says the lookups were not counted. */
static void test_offline_not_counted(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct rollout_inputs in;
	struct rollout_plan plan;

	assert_int_equal(rollout_inputs_load(f->store, NULL, f->catalogue,
					     "example.com", day("2026-11-24"),
					     &in, &err),
			 STATUS_OK);
	rollout_decide(&in, day("2026-11-24"), &plan);
	assert_int_equal(in.spf_lookups, -1);
	assert_string_equal(in.spf_soft,
			    "v=spf1 include:_spf.google.com "
			    "include:sendgrid.net include:mailgun.org "
			    "include:mail.zendesk.com "
			    "include:_spf.salesforce.com "
			    "include:amazonses.com include:sparkpostmail.com "
			    "~all");
	assert_true(reasons_have(&plan.reasons, "plan.spf_uncounted",
				 "could not be counted: no resolver"));
	/* A record whose lookups are unknown is never ready. */
	assert_false(plan.ready);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
}

/* Writes the provider zones and example.com (serving spf) as zone files;
 * fills argv with "--zone FILE" pairs and returns how many entries. */
static size_t zone_args(struct fixture *f, const struct pzone *zones,
			const char *spf, const char **argv, char **files)
{
	size_t n = 0;

	for (size_t i = 0; i <= NZONES; i++) {
		const char *origin =
		    i < NZONES ? zones[i].origin : "example.com";
		char *pre = nsd_zone_preamble(origin);
		char *text = i < NZONES
				 ? xasprintf("%s%s", pre, zones[i].records)
				 : xasprintf("%s@ IN TXT \"%s\"\n", pre, spf);
		char *name = xasprintf("%s.zone", origin);

		files[i] = testenv_write_file(f->dir, name, text);
		argv[n++] = "--zone";
		argv[n++] = files[i];
		free(name);
		free(text);
		free(pre);
	}
	return n;
}

/* Runs the binary on a day with the zones and the words. */
static struct testenv_run run_with(struct fixture *f, const char *now,
				   const struct pzone *zones, const char *spf,
				   const char *const *words)
{
	const char *argv[48] = { "--db", f->path, "--now", now };
	char *files[NZONES + 1];
	size_t n = 4;
	struct testenv_run r;

	n += zone_args(f, zones, spf, argv + n, files);
	for (size_t i = 0; words[i]; i++)
		argv[n++] = words[i];
	argv[n] = NULL;
	r = testenv_run_dmarcpilot(argv, NULL);
	for (size_t i = 0; i <= NZONES; i++)
		free(files[i]);
	return r;
}

/* One column of the database as text ("" for none). */
static char *db_text(struct fixture *f, const char *sql)
{
	return testenv_db_text(f->path, sql);
}

/* As db_text, with "@AGG@" in sql replaced by the server's function
 * that joins strings (group_concat in SQLite, string_agg in
 * PostgreSQL). */
static char *db_text_agg(struct fixture *f, const char *sql)
{
	const char *agg = testenv_db_postgres() ? "string_agg" : "group_concat";
	const char *at = strstr(sql, "@AGG@");
	char *q, *v;

	assert_non_null(at);
	q = xasprintf("%.*s%s%s", (int)(at - sql), sql, agg, at + 5);
	v = db_text(f, q);
	free(q);
	return v;
}

/* step records the flattened record once it is live, with its 10
 * lookups, and stores what it flattened for the drift checks. */
static void test_step_saves_flattened(void **state)
{
	struct fixture *f = *state;
	const char *step[] = { "step", "example.com", NULL };
	struct testenv_run r;
	char *v;

	/* Not live yet: nothing recorded, nothing saved. */
	r = run_with(f, "2026-11-24", zones_v1, "v=spf1 mx ~all", step);
	assert_int_equal(r.status, 1);
	testenv_run_done(&r);
	v = db_text(f, "SELECT count(*) FROM spf_flattened");
	assert_string_equal(v, "0");
	free(v);

	r = run_with(f, "2026-11-24", zones_v1, flat_v1, step);
	if (r.status != 0)
		fail_msg("step: %s%s", r.out, r.err);
	testenv_run_done(&r);
	v = db_text(f, "SELECT record || ' ' || lookups FROM rung_history");
	assert_string_equal(v, "v=spf1 ip4:13.110.208.0/21 "
			       "ip4:13.110.216.0/22 ip4:136.146.208.0/20 "
			       "include:_spf.google.com include:sendgrid.net "
			       "include:mailgun.org include:mail.zendesk.com "
			       "include:amazonses.com "
			       "include:sparkpostmail.com ~all 10");
	free(v);
	v = db_text_agg(f, "SELECT f.mechanism || '=' || (SELECT"
			   " @AGG@(x, ' ') FROM (SELECT a.address AS x"
			   " FROM spf_flattened_address a WHERE"
			   " a.flattened_id = f.id ORDER BY a.position) s)"
			   " || '@' || f.flattened FROM spf_flattened f");
	assert_string_equal(v, "include:_spf.salesforce.com="
			       "ip4:13.110.208.0/21 ip4:13.110.216.0/22 "
			       "ip4:136.146.208.0/20@2026-11-24");
	free(v);
}

/* The record of flat_v1 with -all. */
static char *flat_v1_hard(void)
{
	char *s = xstrdup(flat_v1);

	s[strlen(s) - 4] = '-';
	return s;
}

/* Enforced with the flattened record: maintenance finds nothing while
 * the services stay the same; once Google's tree costs one more lookup
 * and salesforce moves a range, the plan names both causes exactly. */
static void test_maintenance_drift(void **state)
{
	struct fixture *f = *state;
	/* No reports here: the -all step is not ready, so it is forced. */
	const char *step[] = { "step", "example.com", "--force", NULL };
	const char *plan[] = { "--json", "plan", "example.com", NULL };
	char *hard = flat_v1_hard();
	struct err err = ERR_INIT;
	struct testenv_run r;

	/* SPF ~all, then reject (the last rung), then SPF -all by step. */
	assert_int_equal(state_rung_add(f->store, "example.com", RUNG_SPF, 0,
					flat_v1, day("2026-11-24"), &err),
			 STATUS_OK);
	assert_int_equal(state_rung_add(f->store, "example.com", RUNG_DMARC, 8,
					"v=DMARC1; p=reject; "
					"rua=mailto:dmarc@example.com",
					day("2027-02-22"), &err),
			 STATUS_OK);
	r = run_with(f, "2027-03-01", zones_v1, hard, step);
	if (r.status != 0)
		fail_msg("step: %s%s", r.out, r.err);
	testenv_run_done(&r);
	{
		char *v =
		    db_text_agg(f, "SELECT r.lookups || ' ' || (SELECT"
				   " @AGG@(x, ' ') FROM (SELECT"
				   " c.include || '=' || c.lookups AS x"
				   " FROM rung_include_cost c WHERE"
				   " c.rung_id = r.id ORDER BY"
				   " c.position) s) FROM rung_history r"
				   " WHERE r.rung = 1 AND r.kind = 'spf'");

		assert_string_equal(v, "10 include:_spf.google.com=4 "
				       "include:sendgrid.net=1 "
				       "include:mailgun.org=2 "
				       "include:mail.zendesk.com=1 "
				       "include:amazonses.com=1 "
				       "include:sparkpostmail.com=1");
		free(v);
	}

	/* Two weeks later, nothing changed: maintenance, nothing due. */
	r = run_with(f, "2027-03-20", zones_v1, hard, plan);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"phase\": \"maintenance\""));
	assert_non_null(strstr(r.out, "\"due\": []"));
	assert_non_null(strstr(r.out, "nothing is due"));
	testenv_run_done(&r);

	/* The services changed; the published record did not. */
	r = run_with(f, "2027-03-20", zones_v2, hard, plan);
	assert_int_equal(r.status, 0);
	if (!strstr(r.out, "the SPF record of example.com needs 11 DNS "
			   "lookups now, 10 when it was verified on "
			   "2027-03-01 (at most 10 are allowed, RFC 7208 "
			   "4.6.4): include:_spf.google.com costs 5 lookups, "
			   "4 before; export and publish the record again"))
		fail_msg("no lookup drift: %s", r.out);
	if (!strstr(r.out, "include:_spf.salesforce.com changed since it was "
			   "flattened into the SPF record on 2027-03-01: "
			   "added ip4:13.110.224.0/20; removed "
			   "ip4:13.110.216.0/22; export and publish the "
			   "record again"))
		fail_msg("no range drift: %s", r.out);
	/* The record built now is the one to publish again. */
	assert_non_null(strstr(r.out, "differs from the one verified on "
				      "2027-03-01"));
	assert_null(strstr(r.out, "\"next_record\": null"));
	testenv_run_done(&r);
	free(hard);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flatten_keeps_rotating,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_offline_not_counted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_step_saves_flattened,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_maintenance_drift, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("rollout_spf", tests, NULL, NULL);
}
