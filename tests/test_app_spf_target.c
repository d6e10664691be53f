/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The target SPF record the wizard's SPF step shows, built by the app
 * layer from the senders and the operator's flattening: an include whose
 * tree fails an address ("-ip4") or passes everyone ("+all") cannot be
 * flattened (its ranges would authorise what it refuses), as spf build
 * --flatten refuses it; a flattened include gives its ranges and no
 * lookup; the lookups count the chained _spfN records. Records come from
 * zone files through the session's resolver. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/plan.h"
#include "app/session.h"
#include "app/spf_target.h"
#include "lib/testenv.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* The includes the senders name. */
static const char zone[] =
    "$ORIGIN .\n$TTL 300\n"
    ". SOA ns.root. hostmaster.root. 1 7200 3600 1209600 300\n"
    ". NS ns.root.\nns.root. A 127.0.0.1\n"
    "minus.example. TXT \"v=spf1 -ip4:203.0.113.5 ip4:203.0.113.0/24 "
    "-all\"\n"
    "open.example. TXT \"v=spf1 ip4:198.51.100.0/24 +all\"\n"
    "good.example. TXT \"v=spf1 ip4:198.18.0.0/24 ip6:2001:db8::/32 "
    "~all\"\n";

struct fixture {
	char *dir;
	char *db;
	char *zone;
};

static date_t day(const char *s)
{
	date_t d;

	assert_true(date_parse(s, &d));
	return d;
}

/* The data directory: the catalogue. */
static const char *datadir(void)
{
	return getenv("DMARCPILOT_DATADIR") ? getenv("DMARCPILOT_DATADIR")
					    : ABS_SRCDIR "/data";
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	f->dir = testenv_mkdtemp();
	f->db = testenv_db(f->dir, "state.db");
	f->zone = testenv_write_file(f->dir, "root.zone", zone);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testenv_rmdir(f->dir);
	free(f->zone);
	free(f->db);
	free(f->dir);
	free(f);
	return 0;
}

/* Adds domain with the senders (NULL-ended). */
static void domain_with(struct fixture *f, const char *domain,
			const char *const *senders)
{
	struct store *store;
	struct err err = ERR_INIT;

	assert_int_equal(store_open(&store, f->db, &err), STATUS_OK);
	assert_int_equal(
	    state_domain_add(store, domain, day("2026-11-23"), NULL, &err),
	    STATUS_OK);
	for (size_t i = 0; senders[i]; i++)
		assert_int_equal(state_sender_add(store, domain, senders[i],
						  NULL, NULL, 0, NULL, &err),
				 STATUS_OK);
	store_close(store);
}

/* A session on the fixture's database and zone. */
static void session_of(struct fixture *f, struct session *s)
{
	static const char *zones[1];
	struct session_options o = {
		.zones = zones,
		.nzones = 1,
		.db_path = f->db,
		.datadir = datadir(),
	};

	zones[0] = f->zone;
	session_init(s, &o);
}

/* Builds the target of domain flattening one include (or none); returns
 * the status, the target in *t and the message in *msg (caller frees). */
static enum status build(struct fixture *f, const char *domain,
			 const char *flatten, struct app_spf_target *t,
			 char **msg)
{
	struct session s;
	struct err err = ERR_INIT;
	enum status st;

	session_of(f, &s);
	st = app_spf_target_build(&s, NULL, domain, flatten ? &flatten : NULL,
				  flatten ? 1 : 0, t, &err);
	*msg = xstrdup(err_message(&err));
	err_done(&err);
	session_done(&s);
	return st;
}

/* "-ip4:203.0.113.5 ip4:203.0.113.0/24 -all" fails 203.0.113.5; its
 * ranges in our record would pass it. "+all" would pass everyone. Both
 * are refused by name, and what can be flattened is. */
static void test_unfaithful_include_refused(void **state)
{
	static const char *const senders[] = {
		"ip4:192.0.2.0/24",
		"include:minus.example",
		"include:open.example",
		"include:good.example",
		NULL,
	};
	static const char *const refused[] = { "include:minus.example",
					       "include:open.example" };
	struct fixture *f = *state;
	struct app_spf_target t;
	char *msg;

	domain_with(f, "target.example", senders);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(
		    build(f, "target.example", refused[i], &t, &msg),
		    STATUS_USAGE);
		assert_non_null(strstr(msg, refused[i]));
		assert_non_null(strstr(msg, "cannot be flattened"));
		assert_null(t.record);
		free(msg);
	}
	/* Unflattened, every include is kept and marked as it is. */
	assert_int_equal(build(f, "target.example", NULL, &t, &msg), STATUS_OK);
	free(msg);
	assert_string_equal(t.record,
			    "v=spf1 ip4:192.0.2.0/24 include:minus.example "
			    "include:open.example include:good.example ~all");
	assert_int_equal(t.flat->lookups, 3);
	assert_int_equal(t.flat->nitems, 3);
	assert_false(t.flat->items[0].flattenable);
	assert_false(t.flat->items[1].flattenable);
	assert_true(t.flat->items[2].flattenable);
	app_spf_target_done(&t);
	/* The faithful one flattens into its ranges: one lookup less. */
	assert_int_equal(
	    build(f, "target.example", "include:good.example", &t, &msg),
	    STATUS_OK);
	free(msg);
	assert_null(strstr(t.record, "include:good.example"));
	assert_non_null(strstr(t.record, "ip4:198.18.0.0/24"));
	assert_non_null(strstr(t.record, "ip6:2001:db8::/32"));
	assert_null(strstr(t.record, "203.0.113"));
	assert_int_equal(t.flat->lookups, 2);
	assert_true(t.flat->items[2].flattened);
	app_spf_target_done(&t);
}

/* Past 10 lookups spf build --flatten must flatten and cannot (only the
 * "-ip4" include is a candidate, and it is not faithful): it refuses,
 * and so does the app layer when the operator chooses that include. */
static void test_refused_like_spf_build(void **state)
{
	const char *senders[13] = { "include:minus.example" };
	struct fixture *f = *state;
	struct app_spf_target t;
	struct testenv_run r;
	char *msg, *a[10];
	const char *args[] = { "--db",         f->db,       "--zone",
			       f->zone,        "spf",       "build",
			       "many.example", "--flatten", NULL };

	for (size_t i = 0; i < 10; i++) {
		a[i] = xasprintf("a:h%zu.many.example", i);
		senders[i + 1] = a[i];
	}
	senders[11] = NULL;
	domain_with(f, "many.example", senders);
	r = testenv_run_dmarcpilot(args, NULL);
	assert_int_not_equal(r.status, 0);
	assert_null(strstr(r.out, "203.0.113"));
	testenv_run_done(&r);
	assert_int_equal(
	    build(f, "many.example", "include:minus.example", &t, &msg),
	    STATUS_USAGE);
	assert_non_null(strstr(msg, "include:minus.example"));
	free(msg);
	for (size_t i = 0; i < 10; i++)
		free(a[i]);
}

/* Forty single addresses pass 450 octets: the target chains _spfN
 * records, and each costs a lookup beside the include's. */
static void test_lookups_count_chained(void **state)
{
	const char *senders[42];
	char *ips[40];
	struct fixture *f = *state;
	struct app_spf_target t;
	char *msg;

	for (size_t i = 0; i < 40; i++) {
		ips[i] = xasprintf("ip4:192.0.2.%zu", i + 1);
		senders[i] = ips[i];
	}
	senders[40] = "include:good.example";
	senders[41] = NULL;
	domain_with(f, "long.example", senders);
	assert_int_equal(build(f, "long.example", NULL, &t, &msg), STATUS_OK);
	free(msg);
	assert_true(t.flat->nrecords >= 2);
	assert_string_equal(t.flat->records[1].name, "_spf1.long.example");
	for (size_t i = 0; i < t.flat->nrecords; i++)
		assert_true(strlen(t.flat->records[i].value) <= 450);
	/* The include, then one per chained record. */
	assert_int_equal(t.flat->lookups, 1 + (t.flat->nrecords - 1));
	app_spf_target_done(&t);
	assert_int_equal(
	    build(f, "long.example", "include:good.example", &t, &msg),
	    STATUS_OK);
	free(msg);
	assert_int_equal(t.flat->lookups, t.flat->nrecords - 1);
	app_spf_target_done(&t);
	for (size_t i = 0; i < 40; i++)
		free(ips[i]);
}

/* The flattening the operator saves in the wizard is the plan's too:
 * the SPF record plan, export and step publish is the target the SPF
 * step showed. */
static void test_plan_follows_saved_choice(void **state)
{
	static const char *const senders[] = {
		"ip4:192.0.2.0/24",
		"include:minus.example",
		"include:good.example",
		NULL,
	};
	const char *flatten = "include:good.example";
	struct fixture *f = *state;
	struct app_spf_target t;
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct session s;
	struct err err = ERR_INIT;

	domain_with(f, "chosen.example", senders);
	session_of(f, &s);
	assert_int_equal(app_spf_target_build(&s, NULL, "chosen.example",
					      &flatten, 1, &t, &err),
			 STATUS_OK);
	assert_int_equal(app_spf_target_save(&s, "chosen.example", &t,
					     day("2026-11-24"), &err),
			 STATUS_OK);
	assert_int_equal(app_plan_load(&s, "chosen.example", day("2026-11-24"),
				       &in, &plan, &err),
			 STATUS_OK);
	assert_string_equal(plan.next.record, t.record);
	assert_int_equal(in.spf_lookups, (int)t.flat->lookups);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	app_spf_target_done(&t);
	session_done(&s);
}

/* Once -all is verified, the target keeps it (the wizard never shows a
 * weaker record as the target); spf-all=softfail asks for ~all. */
static void test_target_keeps_fail_all(void **state)
{
	static const char *const senders[] = { "ip4:192.0.2.0/24", NULL };
	struct fixture *f = *state;
	struct app_spf_target t;
	struct store *store;
	struct state_settings settings;
	struct err err = ERR_INIT;
	char *msg;

	domain_with(f, "hard.example", senders);
	assert_int_equal(store_open(&store, f->db, &err), STATUS_OK);
	assert_int_equal(state_rung_add(store, "hard.example", RUNG_SPF, 1,
					"v=spf1 ip4:192.0.2.0/24 -all",
					day("2026-11-24"), &err),
			 STATUS_OK);
	store_close(store);
	assert_int_equal(build(f, "hard.example", NULL, &t, &msg), STATUS_OK);
	free(msg);
	assert_string_equal(t.record, "v=spf1 ip4:192.0.2.0/24 -all");
	app_spf_target_done(&t);
	assert_int_equal(store_open(&store, f->db, &err), STATUS_OK);
	state_settings_defaults(&settings);
	settings.spf_all = xstrdup("softfail");
	assert_int_equal(
	    state_settings_set(store, "hard.example", &settings, &err),
	    STATUS_OK);
	state_settings_done(&settings);
	store_close(store);
	assert_int_equal(build(f, "hard.example", NULL, &t, &msg), STATUS_OK);
	free(msg);
	assert_string_equal(t.record, "v=spf1 ip4:192.0.2.0/24 ~all");
	app_spf_target_done(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unfaithful_include_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_like_spf_build,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookups_count_chained,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_follows_saved_choice,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_keeps_fail_all,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
