/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A domain typed with U-labels: every command that takes a DOMAIN gets
 * its A-label form from the one validator (IDNA2008 by libidn2, RFC
 * 5891), so that check, domain add and show, dkim keygen and rotate,
 * plan, export and step all work on xn--bcher-kva.example when the
 * operator types bücher.example, and the records they print carry
 * only A-labels. DNS answers come from a zone file (--zone). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/testenv.h"
#include "util/xalloc.h"

#define ULABEL                                                                 \
	"b\xc3\xbc"                                                            \
	"cher.example"
#define ALABEL "xn--bcher-kva.example"

/* A real RSA public key (1024 bits, to fit one TXT string). */
/* clang-format off */
#define KEY                                                                    \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDP7X9YNYOqugSkeAO5CLf7BmalEGN1" \
	"yGQc6w6N54/KjMmW2XAoGsa1stFongBGWyZ7dL9eKkjLZFFmNV8aOYjqCHw29jvv8Jqr" \
	"x82wF5AvWJcMsEoq9aDXc+3F4KDm86x9d/0Q8gIcDwbmTSGuWvOqy7oG/DmqgT2x8Ks9" \
	"Kt+LuQIDAQAB"
/* clang-format on */

/* What the domain serves: SPF and a DKIM key, and with dmarc its first
 * DMARC rung. */
static const char zone_head[] =
    "$ORIGIN " ALABEL ".\n$TTL 300\n"
    "@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\n"
    "ns1 A 192.0.2.53\n@ MX 10 mx\nmx A 192.0.2.25\n"
    "@ TXT \"v=spf1 ip4:192.0.2.0/24 ~all\"\n"
    "google._domainkey TXT \"v=DKIM1; k=rsa; p=" KEY "\"\n";

struct fixture {
	char *dir, *db, *zone, *keys;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	f->dir = testenv_mkdtemp();
	f->db = xasprintf("%s/state.db", f->dir);
	f->keys = xasprintf("%s/keys", f->dir);
	f->zone = testenv_write_file(f->dir, "idn.zone", zone_head);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testenv_rmdir(f->dir);
	free(f->dir);
	free(f->db);
	free(f->zone);
	free(f->keys);
	free(f);
	return 0;
}

/* Runs dmarcpilot with the fixture's database and zone on 2026-12-01;
 * args NULL-terminated, at most 8. */
static struct testenv_run run(struct fixture *f, const char *const *args)
{
	const char *argv[16] = { "--db",  f->db,   "--zone",
				 f->zone, "--now", "2026-12-01" };
	size_t n = 6;

	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return testenv_run_dmarcpilot(argv, NULL);
}

/* Runs and expects status and text in stdout; frees the run. */
static void expect(struct fixture *f, const char *const *args, int status,
		   const char *text)
{
	struct testenv_run r = run(f, args);

	if (r.status != status || !strstr(r.out, text))
		fail_msg("%s %s: status %d, expected %d and \"%s\" in:\n%s%s",
			 args[0], args[1] ? args[1] : "", r.status, status,
			 text, r.out, r.err);
	/* No U-label reaches the output. */
	assert_null(strstr(r.out, ULABEL));
	testenv_run_done(&r);
}

/* check audits the A-label name (exit 1: it has no DMARC record). */
static void test_check(void **state)
{
	const char *args[] = { "check", ULABEL, NULL };

	expect(*state, args, 1, "Audit of " ALABEL "\n");
}

/* domain add stores the A-label; show, plan, export, step and dkim
 * keygen and rotate find it by its U-label, and the DMARC record's
 * report address is the A-label's. */
static void test_rollout_commands(void **state)
{
	struct fixture *f = *state;
	const char *add[] = { "domain", "add", ULABEL, NULL };
	const char *show[] = { "domain", "show",
			       "B\xc3\x9c"
			       "CHER.Example.",
			       NULL };
	const char *plan[] = { "plan", ULABEL, NULL };
	const char *export[] = { "export", ULABEL, NULL };
	const char *step[] = { "step", ULABEL, NULL };
	const char *keygen[] = { "dkim",  "keygen", ULABEL, "s1",
				 "--out", f->keys,  NULL };
	const char *rotate[] = { "dkim", "rotate", ULABEL,  "--from",
				 "s1",   "--out",  f->keys, NULL };
	char *zone;

	expect(f, add, 0, "Added " ALABEL ".\n");
	expect(f, show, 0, "Settings of " ALABEL " ");
	expect(f, plan, 0,
	       "  _dmarc." ALABEL ". TXT \"v=DMARC1; p=none; "
	       "rua=mailto:dmarc@" ALABEL "\"\n");
	/* A name with no TXT yet takes the zone's TTL ($TTL 300). */
	expect(f, export, 0,
	       "_dmarc." ALABEL ". 300 IN TXT \"v=DMARC1; p=none; "
	       "rua=mailto:dmarc@" ALABEL "\"\n");
	/* The record is live: step records it. */
	zone = xasprintf("%s_dmarc TXT \"v=DMARC1; p=none; "
			 "rua=mailto:dmarc@" ALABEL "\"\n",
			 zone_head);
	free(testenv_write_file(f->dir, "idn.zone", zone));
	free(zone);
	expect(f, step, 0, ALABEL);
	expect(f, plan, 0,
	       "  _dmarc." ALABEL ". TXT \"v=DMARC1; p=quarantine; pct=10; "
	       "t=y; rua=mailto:dmarc@" ALABEL "\"\n");
	expect(f, keygen, 0, "s1._domainkey." ALABEL ". IN TXT");
	expect(f, rotate, 0, ALABEL ": rotation from s1 to 202612 started");
}

/* A name IDNA2008 or the syntax refuses is a usage error naming it,
 * whatever the command: exit 2, one line, nothing stored. */
static void test_refused(void **state)
{
	static const char *const cases[][4] = {
		{ "check", "--", "-x.example", NULL },
		{ "domain", "add", "a..example", NULL },
		{ "plan",
		  "b\xc3\xbc"
		  "cher..example",
		  NULL },
		{ "domain", "show", "x\xe2\x98\x83y\x01.example", NULL },
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct testenv_run r = run(f, cases[i]);

		assert_int_equal(r.status, 2);
		if (!strstr(r.err, "is not a domain name; usage: dmarcpilot "))
			fail_msg("%s: %s", cases[i][0], r.err);
		assert_string_equal(strchr(r.err, '\n'), "\n");
		testenv_run_done(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollout_commands, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
