/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The publish use case the command line and the wizard share, offline
 * (the zone from a file, nothing sent): the gate refuses a rung that is
 * not ready, --force with --dry-run builds the update with its guards,
 * --undo finds the rung before the last one, a missing or exposed key
 * is refused; nothing is ever recorded here. Sending to real servers is
 * tests/test_publish.c. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/plan.h"
#include "app/publish.h"
#include "app/session.h"
#include "lib/testenv.h"
#include "store/state.h"
#include "util/xalloc.h"

#define NONE "v=DMARC1; p=none; rua=mailto:dmarc@hold.example"
#define Q10 "v=DMARC1; p=quarantine; pct=10; t=y; rua=mailto:dmarc@hold.example"
#define SPF "v=spf1 ip4:192.0.2.0/24 ~all"

struct fixture {
	char *dir;
	char *db;
	char *zone;
	const char *zones[1]; /* the session's --zone list */
	struct session s;
	struct rollout_inputs in;
	struct rollout_plan plan;
	bool loaded;
};

static date_t day(const char *s)
{
	date_t d;

	assert_true(date_parse(s, &d));
	return d;
}

/* hold.example serving dmarc beside a note, and SPF beside a site
 * verification; SPF ~all and p=none recorded (and q10 with q10). */
static void fixture_make(struct fixture *f, const char *dmarc, bool q10)
{
	struct err err = ERR_INIT;
	struct store *store;
	char *z = xasprintf("$ORIGIN hold.example.\n$TTL 300\n"
			    "@ SOA ns1 hostmaster 1 3600 600 86400 300\n"
			    "@ NS ns1\nns1 A 192.0.2.53\n"
			    "@ 600 TXT \"" SPF "\"\n"
			    "@ 600 TXT \"site-verification=1\"\n"
			    "_dmarc 900 TXT \"%s\"\n"
			    "_dmarc 900 TXT \"note\"\n",
			    dmarc);
	struct session_options o = { 0 };

	f->dir = testenv_mkdtemp();
	f->db = xasprintf("%s/state.db", f->dir);
	f->zone = testenv_write_file(f->dir, "hold.zone", z);
	free(z);
	assert_int_equal(store_open(&store, f->db, &err), STATUS_OK);
	assert_int_equal(state_domain_add(store, "hold.example",
					  day("2026-11-23"), NULL, &err),
			 STATUS_OK);
	assert_int_equal(state_sender_add(store, "hold.example",
					  "ip4:192.0.2.0/24", NULL, NULL, 0,
					  NULL, &err),
			 STATUS_OK);
	assert_int_equal(state_rung_add(store, "hold.example", RUNG_SPF, 0, SPF,
					day("2026-11-24"), &err),
			 STATUS_OK);
	assert_int_equal(state_rung_add(store, "hold.example", RUNG_DMARC, 0,
					NONE, day("2026-12-01"), &err),
			 STATUS_OK);
	if (q10)
		assert_int_equal(state_rung_add(store, "hold.example",
						RUNG_DMARC, 1, Q10,
						day("2026-12-02"), &err),
				 STATUS_OK);
	store_close(store);
	f->zones[0] = f->zone;
	o.zones = f->zones;
	o.nzones = 1;
	o.db_path = f->db;
	o.datadir = getenv("DMARCPILOT_DATADIR") ? getenv("DMARCPILOT_DATADIR")
						 : ABS_SRCDIR "/data";
	session_init(&f->s, &o);
	/* The zone list is read when the resolver is made: now. */
	assert_non_null(session_dns(&f->s, &err));
	assert_int_equal(app_plan_load(&f->s, "hold.example", day("2026-12-03"),
				       &f->in, &f->plan, &err),
			 STATUS_OK);
	f->loaded = true;
}

static int setup(void **state)
{
	*state = xcalloc(1, sizeof(struct fixture));
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->loaded) {
		rollout_plan_done(&f->plan);
		rollout_inputs_done(&f->in);
		session_done(&f->s);
	}
	testenv_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f->zone);
	free(f);
	return 0;
}

/* The rungs recorded. */
static int history(struct fixture *f)
{
	char *n = testenv_db_text(f->db, "SELECT count(*) FROM rung_history");
	int v = atoi(n);

	free(n);
	return v;
}

/* Runs the use case on the fixture's plan. */
static enum status publish(struct fixture *f,
			   const struct app_publish_options *o,
			   struct app_publish_result *r, struct err *err)
{
	return app_publish_run(&f->s, &f->in, &f->plan, day("2026-12-03"), o, r,
			       err);
}

static void test_gate(void **state)
{
	struct fixture *f = *state;
	struct app_publish_options o = { .dry_run = true };
	struct app_publish_result r;
	struct err err = ERR_INIT;

	fixture_make(f, NONE, false);
	assert_false(f->plan.ready);
	assert_int_equal(publish(f, &o, &r, &err), STATUS_OK);
	assert_int_equal(r.gate, APP_STEP_NOT_READY);
	assert_null(r.update);
	app_publish_done(&r);
	assert_int_equal(history(f), 2);
}

static void test_force_dry_run(void **state)
{
	struct fixture *f = *state;
	struct app_publish_options o = { .dry_run = true, .force = true };
	struct app_publish_result r;
	struct err err = ERR_INIT;

	fixture_make(f, NONE, false);
	assert_int_equal(publish(f, &o, &r, &err), STATUS_OK);
	assert_int_equal(r.gate, APP_STEP_GO);
	assert_true(r.forced);
	assert_string_equal(r.zone, "hold.example");
	assert_string_equal(r.primary, "ns1.hold.example");
	assert_string_equal(r.server, "192.0.2.53:53");
	assert_int_equal(r.changes, 2);
	/* RFC 2136: the whole RRset as served, then only the old DMARC
	 * record goes, the note stays, the TTL is kept. */
	assert_non_null(strstr(r.update, "zone hold.example.\n"));
	assert_non_null(strstr(r.update, "prereq yxrrset _dmarc.hold.example. "
					 "TXT \"note\"\n"));
	assert_non_null(strstr(r.update, "prereq yxrrset _dmarc.hold.example. "
					 "TXT \"" NONE "\"\n"));
	assert_non_null(strstr(r.update, "update delete _dmarc.hold.example. "
					 "TXT \"" NONE "\"\n"));
	assert_null(strstr(r.update, "update delete _dmarc.hold.example. "
				     "TXT \"note\""));
	assert_non_null(strstr(r.update, "update add _dmarc.hold.example. 900 "
					 "TXT \"" Q10 "\"\n"));
	assert_false(r.sent);
	assert_false(r.recorded);
	app_publish_done(&r);
	assert_int_equal(history(f), 2);
}

static void test_undo(void **state)
{
	struct fixture *f = *state;
	struct app_publish_options o = { .dry_run = true, .undo = true };
	struct app_publish_result r;
	struct err err = ERR_INIT;

	fixture_make(f, Q10, true);
	assert_int_equal(publish(f, &o, &r, &err), STATUS_OK);
	assert_non_null(strstr(r.update, "update delete _dmarc.hold.example. "
					 "TXT \"" Q10 "\"\n"));
	assert_non_null(strstr(r.update, "update add _dmarc.hold.example. 900 "
					 "TXT \"" NONE "\"\n"));
	assert_int_equal(r.changes, 2);
	app_publish_done(&r);
	assert_int_equal(history(f), 3);
}

static void test_nothing_to_undo(void **state)
{
	struct fixture *f = *state;
	struct app_publish_options o = { .undo = true };
	struct app_publish_result r;
	struct err err = ERR_INIT;

	fixture_make(f, NONE, false);
	assert_int_equal(publish(f, &o, &r, &err), STATUS_NOT_FOUND);
	assert_non_null(strstr(err_message(&err), "no earlier rung"));
	err_done(&err);
	app_publish_done(&r);
	assert_int_equal(history(f), 2);
}

static void test_keys(void **state)
{
	struct fixture *f = *state;
	struct app_publish_options o = { .force = true };
	struct app_publish_result r;
	struct err err = ERR_INIT;
	char *key;

	fixture_make(f, NONE, false);
	/* No key anywhere: refused before anything is asked of it. */
	assert_int_equal(publish(f, &o, &r, &err), STATUS_USAGE);
	assert_non_null(strstr(err_message(&err), "publish-key=FILE"));
	err_done(&err);
	app_publish_done(&r);
	/* A key others may read. */
	key = testenv_write_file(f->dir, "k.key",
				 "key \"k\" { algorithm hmac-sha256; "
				 "secret \"c2VjcmV0\"; };\n");
	assert_int_equal(chmod(key, 0644), 0);
	o.key_file = key;
	assert_int_equal(publish(f, &o, &r, &err), STATUS_REFUSED);
	assert_non_null(strstr(err_message(&err), key));
	assert_null(strstr(err_message(&err), "c2VjcmV0"));
	err_done(&err);
	app_publish_done(&r);
	assert_int_equal(history(f), 2);
	free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_force_dry_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_to_undo, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
	};

	return cmocka_run_group_tests_name("app_publish", tests, NULL, NULL);
}
