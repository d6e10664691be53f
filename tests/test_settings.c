/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `domain set` and `domain show`: the operator changes the plan's
 * settings (the ladder, where reports go, the days and thresholds), the
 * commands that judge a record follow them, and a bad value changes
 * nothing in the database. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testenv.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
	char *db;
	char *zone;
};

/* A database with example.com, and a zone publishing its DMARC record
 * at quarantine 30 %, a rung of a custom ladder but not of the default
 * one. */
static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	const char *args[] = { "--db",   NULL,  "--now",       "2026-11-01",
			       "domain", "add", "example.com", NULL };
	struct testenv_run run;

	fx->dir = testenv_mkdtemp();
	fx->db = testenv_db(fx->dir, "dmarcpilot.db");
	fx->zone = testenv_write_file(
	    fx->dir, "example.com.zone",
	    "$ORIGIN example.com.\n$TTL 300\n"
	    "@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
	    "_dmarc IN TXT \"v=DMARC1; p=quarantine; pct=30; t=y; "
	    "rua=mailto:dmarc@example.com\"\n");
	args[1] = fx->db;
	run = testenv_run_dmarcpilot(args, NULL);
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	*state = fx;
	return 0;
}

/* Removes the scratch directory. */
static int teardown(void **state)
{
	struct fixture *fx = *state;

	testenv_rmdir(fx->dir);
	free(fx->dir);
	free(fx->db);
	free(fx->zone);
	free(fx);
	return 0;
}

/* Runs dmarcpilot --db DB ARGS... (at most six words). */
static struct testenv_run run_db(struct fixture *fx, const char *a,
				 const char *b, const char *c, const char *d,
				 const char *e, const char *f)
{
	const char *args[] = { "--db", fx->db, a, b, c, d, e, f, NULL };

	return testenv_run_dmarcpilot(args, NULL);
}

/* The "settings" object of `domain show --json`. */
static json_t *show(struct fixture *fx)
{
	struct testenv_run run =
	    run_db(fx, "--json", "domain", "show", "example.com", NULL, NULL);
	json_error_t jerr;
	json_t *o, *settings;

	assert_int_equal(run.status, 0);
	o = json_loads(run.out, 0, &jerr);
	assert_non_null(o);
	settings = json_incref(json_object_get(o, "settings"));
	assert_non_null(settings);
	json_decref(o);
	testenv_run_done(&run);
	return settings;
}

/* Settings stored together show up in `domain show`; "default" puts
 * one back. */
static void test_set_and_show(void **state)
{
	struct fixture *fx = *state;
	struct testenv_run run;
	json_t *s;

	s = show(fx);
	assert_true(json_is_null(json_object_get(s, "rua")));
	assert_int_equal(
	    json_integer_value(json_object_get(s, "min-days-monitor")), 28);
	json_decref(s);

	run = run_db(fx, "domain", "set", "example.com",
		     "rua=mailto:dmarc@reports.example.net",
		     "min-days-monitor=21", "pass-threshold=99.5");
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	s = show(fx);
	assert_string_equal(json_string_value(json_object_get(s, "rua")),
			    "mailto:dmarc@reports.example.net");
	assert_int_equal(
	    json_integer_value(json_object_get(s, "min-days-monitor")), 21);
	assert_true(json_real_value(json_object_get(s, "pass-threshold")) ==
		    99.5);
	json_decref(s);

	run = run_db(fx, "domain", "set", "example.com",
		     "min-days-monitor=default", NULL, NULL);
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	s = show(fx);
	assert_int_equal(
	    json_integer_value(json_object_get(s, "min-days-monitor")), 28);
	assert_string_equal(json_string_value(json_object_get(s, "rua")),
			    "mailto:dmarc@reports.example.net");
	json_decref(s);
}

/* The rung `dmarc check` names follows the domain's own ladder: q30 is
 * rung 2 of 3 on none,q30,r100 and off the default ladder. */
static void test_custom_ladder(void **state)
{
	struct fixture *fx = *state;
	const char *check[] = { "--db",  fx->db,  "--zone",      fx->zone,
				"dmarc", "check", "example.com", NULL };
	struct testenv_run run;

	run = testenv_run_dmarcpilot(check, NULL);
	assert_non_null(strstr(run.out, "Rung:     off the ladder"));
	testenv_run_done(&run);

	run = run_db(fx, "domain", "set", "example.com", "rungs=none,q30,r100",
		     NULL, NULL);
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	run = testenv_run_dmarcpilot(check, NULL);
	assert_non_null(strstr(run.out, "Rung:     2 of 3 (quarantine 30 %)"));
	testenv_run_done(&run);
}

/* Each bad value: exit 2, one line naming the setting, and the
 * database byte for byte as it was, even when other values were good. */
static void test_bad_values_change_nothing(void **state)
{
	static const char *const bad[][2] = {
		{ "rungs=none,q30,bogus", "rungs" },
		{ "rua=https://reports.example.net/", "mailto" },
		{ "ruf=", "ruf" },
		{ "pass-threshold=150", "percent" },
		{ "min-days-rung=soon", "min-days-rung" },
		{ "sp=maybe", "sp" },
		{ "colour=blue", "colour" },
		{ "servers=not an address", "servers" },
		{ "rotation-interval=weekly", "rotation-interval" },
		{ "rotation-interval=0", "rotation-interval" },
		{ "rotation-interval=3651", "rotation-interval" },
	};
	/* A server's database is no file: compare what it holds. */
	static const char snapshot[] =
	    "SELECT count(*) || ' ' || coalesce(md5(string_agg(p::text, ','"
	    " ORDER BY domain_id)), '') FROM plan_settings p";
	struct fixture *fx = *state;
	bool pg = testenv_db_postgres();
	size_t before_len = 0, after_len = 0;
	char *before = pg ? testenv_db_text(fx->db, snapshot)
			  : testenv_read_file(fx->db, &before_len);

	assert_non_null(before);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct testenv_run run =
		    run_db(fx, "domain", "set", "example.com", "window-days=10",
			   bad[i][0], NULL);
		char *after;

		assert_int_equal(run.status, 2);
		if (!strstr(run.err, bad[i][1]))
			fail_msg("%s: '%s' does not name %s", bad[i][0],
				 run.err, bad[i][1]);
		/* one line */
		assert_int_equal(strcspn(run.err, "\n") + 1, strlen(run.err));
		testenv_run_done(&run);
		if (pg) {
			after = testenv_db_text(fx->db, snapshot);
			assert_string_equal(after, before);
		} else {
			after = testenv_read_file(fx->db, &after_len);
			assert_int_equal(after_len, before_len);
			assert_memory_equal(after, before, before_len);
		}
		free(after);
	}
	free(before);
}

/* servers keeps the servers a step is verified on; the wizard and
 * step read it. */
static void test_servers(void **state)
{
	struct fixture *fx = *state;
	struct testenv_run run;
	json_t *s;

	run = run_db(fx, "domain", "set", "example.com",
		     "servers=192.0.2.53:5353,[2001:db8::53]:53", NULL, NULL);
	assert_int_equal(run.status, 0);
	testenv_run_done(&run);
	s = show(fx);
	assert_string_equal(json_string_value(json_object_get(s, "servers")),
			    "192.0.2.53:5353,[2001:db8::53]:53");
	json_decref(s);
}

/* rotation-interval takes the words and a number of days, shows the
 * days (JSON) or the word (text), and is kept where the rotation reads
 * it: the dkim_rotation_interval table. */
static void test_rotation_interval(void **state)
{
	static const struct {
		const char *value;
		int days;
		const char *shown;
	} ok[] = {
		{ "quarterly", 90, "quarterly" },
		{ "annual", 365, "annual" },
		{ "45", 45, "45" },
		{ "biannual", 180, "biannual (default)" },
		{ "default", 180, "biannual (default)" },
	};
	struct fixture *fx = *state;
	struct testenv_run run;
	json_t *s;
	char *days;

	s = show(fx);
	assert_int_equal(
	    json_integer_value(json_object_get(s, "rotation-interval")), 180);
	json_decref(s);
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char *arg = xasprintf("rotation-interval=%s", ok[i].value);
		char *line = xasprintf("rotation-interval  %s", ok[i].shown);

		run =
		    run_db(fx, "domain", "set", "example.com", arg, NULL, NULL);
		assert_int_equal(run.status, 0);
		testenv_run_done(&run);
		s = show(fx);
		assert_int_equal(
		    json_integer_value(json_object_get(s, "rotation-interval")),
		    ok[i].days);
		json_decref(s);
		run = run_db(fx, "domain", "show", "example.com", NULL, NULL,
			     NULL);
		if (!strstr(run.out, line))
			fail_msg("no '%s' in:\n%s", line, run.out);
		testenv_run_done(&run);
		days = testenv_db_text(fx->db, "SELECT days FROM"
					       " dkim_rotation_interval");
		assert_int_equal(atoi(days), ok[i].days);
		free(days);
		free(line);
		free(arg);
	}
}

/* sender providers lists the catalogue's services with the IDs sender
 * add takes, those whose ID, name or category holds the text. */
static void test_sender_providers(void **state)
{
	struct fixture *fx = *state;
	struct testenv_run run;
	json_error_t jerr;
	json_t *o, *a;
	bool sendgrid = false;

	run = run_db(fx, "sender", "providers", "grid", NULL, NULL, NULL);
	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, "sendgrid "));
	assert_non_null(strstr(run.out, "include:sendgrid.net"));
	assert_null(strstr(run.out, "google-workspace"));
	testenv_run_done(&run);
	run =
	    run_db(fx, "--json", "sender", "providers", "MAILBOX", NULL, NULL);
	assert_int_equal(run.status, 0);
	o = json_loads(run.out, 0, &jerr);
	assert_non_null(o);
	a = json_object_get(o, "providers");
	assert_true(json_array_size(a) >= 3);
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *p = json_array_get(a, i);

		assert_string_equal(
		    json_string_value(json_object_get(p, "category")),
		    "mailbox");
		sendgrid = sendgrid ||
			   strcmp(json_string_value(json_object_get(p, "id")),
				  "sendgrid") == 0;
	}
	assert_false(sendgrid);
	json_decref(o);
	testenv_run_done(&run);
	run = run_db(fx, "sender", "providers", NULL, NULL, NULL, NULL);
	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, "google-workspace"));
	assert_non_null(strstr(run.out, "sendgrid"));
	testenv_run_done(&run);
}

/* A domain that was never added is named in the error. */
static void test_unknown_domain(void **state)
{
	struct fixture *fx = *state;
	struct testenv_run run =
	    run_db(fx, "domain", "set", "nope.example", "adkim=s", NULL, NULL);

	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "nope.example"));
	testenv_run_done(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_set_and_show, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_custom_ladder, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_values_change_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_servers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_interval, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sender_providers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_domain, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
