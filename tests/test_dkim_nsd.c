/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DKIM against real servers: a generated key's record, published in a
 * real nsd, is fetched by the live resolver and matches its private key
 * (and no other); the record passes the real named-checkzone. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/nsd.h"
#include "lib/testenv.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* A scratch directory with its own XDG_DATA_HOME, so that no database
 * of the person running the tests is touched. */
struct scratch {
	char *dir;
	char *xdg;
	const char *env[2];
};

static void scratch_init(struct scratch *s)
{
	s->dir = testenv_mkdtemp();
	s->xdg = xasprintf("XDG_DATA_HOME=%s/xdg", s->dir);
	s->env[0] = s->xdg;
	s->env[1] = NULL;
}

static void scratch_done(struct scratch *s)
{
	testenv_rmdir(s->dir);
	free(s->dir);
	free(s->xdg);
}

/* Runs dkim keygen and returns the zone line it printed first. */
static char *keygen_line(struct scratch *s, const char *domain,
			 const char *selector, const char *algorithm)
{
	const char *args[] = { "dkim",   "keygen",      domain,
			       selector, "--algorithm", algorithm,
			       "--out",  s->dir,        NULL };
	struct testenv_run run = testenv_run_dmarcpilot(args, s->env);
	char *line;

	if (run.status != 0)
		fail_msg("keygen: %s", run.err);
	line = xstrndup(run.out, strcspn(run.out, "\n"));
	testenv_run_done(&run);
	return line;
}

/* Publishes the printed records and checks each against its key and
 * against the other one: match, exit 0; mismatch, exit 1. */
static void round_trip(const char *algorithm)
{
	struct scratch s;
	struct nsd_server server;
	char *pre = nsd_zone_preamble("example.test");
	char *pre2 = nsd_zone_preamble("provider.test");
	char *line, *line2, *zone, *zone2, *key, *okey;
	struct testenv_run run;
	json_t *root;
	json_error_t jerr;

	if (!nsd_available())
		skip();
	scratch_init(&s);
	line = keygen_line(&s, "example.test", "sel", algorithm);
	line2 = keygen_line(&s, "provider.test", "other", algorithm);
	/* A key delegated by CNAME, as providers do. */
	zone = xasprintf("%s%s\nprov._domainkey IN CNAME "
			 "other._domainkey.provider.test.\n",
			 pre, line);
	zone2 = xasprintf("%s%s\n", pre2, line2);
	{
		struct nsd_zone zones[] = { { "example.test", zone },
					    { "provider.test", zone2 } };

		assert_true(nsd_start(&server, zones, 2));
	}
	key = xasprintf("%s/sel.private", s.dir);
	okey = xasprintf("%s/other.private", s.dir);
	{
		const char *args[] = { "--resolver",
				       server.address,
				       "dkim",
				       "check",
				       "example.test",
				       "sel",
				       "--key",
				       key,
				       NULL };

		run = testenv_run_dmarcpilot(args, s.env);
		if (run.status != 0)
			fail_msg("check: %d %s %s", run.status, run.out,
				 run.err);
		assert_non_null(strstr(run.out, "the published key matches"));
		testenv_run_done(&run);
	}
	{
		const char *args[] = { "--json", "--resolver", server.address,
				       "dkim",   "check",      "example.test",
				       "sel",    "--key",      okey,
				       NULL };
		json_t *f;

		run = testenv_run_dmarcpilot(args, s.env);
		assert_int_equal(run.status, 1);
		root = json_loads(run.out, 0, &jerr);
		assert_non_null(root);
		assert_string_equal(
		    json_string_value(json_object_get(root, "algorithm")),
		    algorithm);
		assert_int_equal(
		    json_integer_value(json_object_get(root, "bits")),
		    strcmp(algorithm, "rsa") == 0 ? 2048 : 256);
		assert_false(
		    json_boolean_value(json_object_get(root, "key_matches")));
		f = json_array_get(json_object_get(root, "findings"), 0);
		assert_string_equal(
		    json_string_value(json_object_get(f, "code")),
		    "dkim.key_mismatch");
		assert_string_equal(
		    json_string_value(json_object_get(f, "severity")), "error");
		json_decref(root);
		testenv_run_done(&run);
	}
	/* The delegated selector: the CNAME target is reported, and the
	 * key there is the provider's. */
	{
		const char *args[] = { "--json", "--resolver", server.address,
				       "dkim",   "check",      "example.test",
				       "prov",   "--key",      okey,
				       NULL };

		run = testenv_run_dmarcpilot(args, s.env);
		root = json_loads(run.out, 0, &jerr);
		assert_non_null(root);
		assert_string_equal(
		    json_string_value(json_object_get(root, "cname")),
		    "other._domainkey.provider.test");
		/* nsd serves both zones and chases the CNAME into the
		 * other one, as a recursive resolver would. */
		assert_int_equal(run.status, 0);
		assert_true(json_is_true(json_object_get(root, "key_matches")));
		json_decref(root);
		testenv_run_done(&run);
	}
	nsd_stop(&server);
	free(line);
	free(line2);
	free(zone);
	free(zone2);
	free(key);
	free(okey);
	free(pre);
	free(pre2);
	scratch_done(&s);
}

/* RSA 2048 round trip through a real server. */
static void test_rsa_round_trip(void **state)
{
	round_trip("rsa");
}

/* Ed25519 (RFC 8463) round trip through a real server. */
static void test_ed25519_round_trip(void **state)
{
	round_trip("ed25519");
}

/* A server that refuses the question is an operational failure: exit 2
 * and a message naming the query. */
static void test_unanswered_exits_2(void **state)
{
	struct scratch s;
	struct nsd_server server;
	char *zone = nsd_zone_preamble("example.test");
	struct nsd_zone zones[] = { { "example.test", zone } };
	struct testenv_run run;

	if (!nsd_available())
		skip();
	scratch_init(&s);
	assert_true(nsd_start(&server, zones, 1));
	{
		const char *args[] = {
			"--resolver", server.address, "--timeout",      "3",
			"dkim",       "check",        "elsewhere.test", "sel",
			NULL
		};

		run = testenv_run_dmarcpilot(args, s.env);
		assert_int_equal(run.status, 2);
		assert_non_null(
		    strstr(run.err, "sel._domainkey.elsewhere.test TXT"));
		testenv_run_done(&run);
	}
	{
		/* nsd serves the zone, the name is not there: a finding. */
		const char *args[] = { "--resolver", server.address, "dkim",
				       "check",      "example.test", "sel",
				       NULL };

		run = testenv_run_dmarcpilot(args, s.env);
		assert_int_equal(run.status, 1);
		assert_non_null(strstr(run.out, "dkim.missing"));
		testenv_run_done(&run);
	}
	nsd_stop(&server);
	free(zone);
	scratch_done(&s);
}

/* Runs named-checkzone on a zone text; returns its exit status. */
static int checkzone(const char *checker, struct scratch *s, const char *zone,
		     char **out)
{
	char *path = testenv_write_file(s->dir, "zone.db", zone);
	const char *argv[] = { checker, "example.test", path, NULL };
	struct testenv_run run = testenv_run(argv, NULL, NULL);
	int status = run.status;

	*out = xasprintf("%s%s", run.out, run.err);
	testenv_run_done(&run);
	free(path);
	return status;
}

/* A 2048-bit key's record, as printed, is a valid zone line for the
 * real named-checkzone; a string of 256 octets is not. */
static void test_named_checkzone(void **state)
{
	const char *checker = testenv_program("NAMED_CHECKZONE");
	struct scratch s;
	char *pre = nsd_zone_preamble("example.test");
	char *line, *zone, *out;
	struct strbuf bad = STRBUF_INIT;

	if (!checker)
		skip();
	scratch_init(&s);
	line = keygen_line(&s, "example.test", "s2048", "rsa");
	assert_non_null(strstr(line, "\" \"")); /* split into strings */
	zone = xasprintf("%s%s\n", pre, line);
	if (checkzone(checker, &s, zone, &out) != 0)
		fail_msg("named-checkzone refused it: %s", out);
	assert_non_null(strstr(out, "OK"));
	free(out);
	free(zone);

	/* The checker does fail on what we must never print. */
	strbuf_addf(&bad, "%sbad._domainkey IN TXT \"", pre);
	for (int i = 0; i < 256; i++)
		strbuf_addch(&bad, 'a');
	strbuf_addstr(&bad, "\"\n");
	assert_int_not_equal(checkzone(checker, &s, strbuf_str(&bad), &out), 0);
	free(out);
	strbuf_done(&bad);
	free(line);
	free(pre);
	scratch_done(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_round_trip),
		cmocka_unit_test(test_ed25519_round_trip),
		cmocka_unit_test(test_unanswered_exits_2),
		cmocka_unit_test(test_named_checkzone),
	};

	return cmocka_run_group_tests_name("dkim_nsd", tests, NULL, NULL);
}
