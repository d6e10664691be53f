/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rollout ladder: the exact record an operator publishes on each
 * rung, the stored rung list, and which rung a published record is on. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "dmarc/ladder.h"

/* Settings as an operator stores them: a record without p. */
static void settings_parse(struct dmarc_record *rec, const char *text)
{
	assert_int_equal(dmarc_parse(text, strlen(text), rec, NULL, NULL),
			 STATUS_OK);
}

/* Every default rung with only rua set, text checked by hand. */
static void test_default_rungs_exact_text(void **state)
{
	static const char *const expected[] = {
		"v=DMARC1; p=none; rua=mailto:dmarc@example.com",
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
		"v=DMARC1; p=reject; rua=mailto:dmarc@example.com",
	};
	struct ladder l;
	struct dmarc_record settings;

	ladder_init_default(&l);
	assert_int_equal(l.count, 9);
	settings_parse(&settings, "v=DMARC1; rua=mailto:dmarc@example.com");
	for (size_t i = 0; i < l.count; i++) {
		char *text = ladder_record(&l.rungs[i], &settings);

		assert_string_equal(text, expected[i]);
		/* The published text is recognised as this very rung. */
		assert_int_equal(ladder_find_text(&l, text), (int)i);
		free(text);
	}
	dmarc_record_done(&settings);
	ladder_done(&l);
}

/* All settings in the fixed tag order; settings' own p/pct/t ignored. */
static void test_rung_with_every_setting(void **state)
{
	struct ladder l;
	struct dmarc_record settings;
	char *text;

	ladder_init_default(&l);
	settings_parse(&settings,
		       "v=DMARC1; fo=1; aspf=r; adkim=s; "
		       "ruf=mailto:forensic@example.com; "
		       "rua=mailto:agg@example.com,"
		       "mailto:dmarc@reports.example.net!10m; "
		       "np=reject; sp=quarantine; p=reject; pct=5; t=n");
	text = ladder_record(&l.rungs[2], &settings);
	assert_string_equal(text, "v=DMARC1; p=quarantine; sp=quarantine; "
				  "np=reject; pct=25; t=y; "
				  "rua=mailto:agg@example.com,"
				  "mailto:dmarc@reports.example.net!10m; "
				  "ruf=mailto:forensic@example.com; adkim=s; "
				  "aspf=r; fo=1");
	free(text);
	text = ladder_record(&l.rungs[8], &settings);
	assert_string_equal(text,
			    "v=DMARC1; p=reject; sp=quarantine; np=reject; "
			    "rua=mailto:agg@example.com,"
			    "mailto:dmarc@reports.example.net!10m; "
			    "ruf=mailto:forensic@example.com; adkim=s; "
			    "aspf=r; fo=1");
	free(text);
	/* No settings at all: the bare rung. */
	text = ladder_record(&l.rungs[5], NULL);
	assert_string_equal(text, "v=DMARC1; p=reject; pct=10; t=y");
	free(text);
	dmarc_record_done(&settings);
	ladder_done(&l);
}

/* The stored text round-trips, custom ladders parse, bad ones do not. */
static void test_parse_and_format(void **state)
{
	struct ladder l;
	struct err err = ERR_INIT;
	char *text;

	ladder_init_default(&l);
	text = ladder_format(&l);
	assert_string_equal(text, "none,q10,q25,q50,q100,r10,r25,r50,r100");
	free(text);
	ladder_done(&l);

	assert_int_equal(ladder_parse(&l, " none, q5 ,q100,r100", &err),
			 STATUS_OK);
	assert_int_equal(l.count, 4);
	assert_int_equal(l.rungs[1].policy, DMARC_POLICY_QUARANTINE);
	assert_int_equal(l.rungs[1].pct, 5);
	text = ladder_format(&l);
	assert_string_equal(text, "none,q5,q100,r100");
	free(text);
	ladder_done(&l);

	/* Going back down is not a ladder. */
	assert_int_equal(ladder_parse(&l, "none,q50,q25", &err), STATUS_PARSE);
	assert_non_null(strstr(err_message(&err), "q25"));
	assert_int_equal(l.count, 0);
	err_done(&err);
	assert_int_equal(ladder_parse(&l, "none,r10,q100", &err), STATUS_PARSE);
	assert_non_null(strstr(err_message(&err), "q100"));
	err_done(&err);
	assert_int_equal(ladder_parse(&l, "none,q0", &err), STATUS_PARSE);
	assert_non_null(strstr(err_message(&err), "q0"));
	err_done(&err);
	assert_int_equal(ladder_parse(&l, "none,q101", &err), STATUS_PARSE);
	err_done(&err);
	assert_int_equal(ladder_parse(&l, "none,x10", &err), STATUS_PARSE);
	assert_non_null(strstr(err_message(&err), "x10"));
	err_done(&err);
	assert_int_equal(ladder_parse(&l, "", &err), STATUS_PARSE);
	err_done(&err);
	assert_int_equal(ladder_parse(&l, "none,,q10", &err), STATUS_PARSE);
	err_done(&err);
}

/* Published records in the wild, with their rungs. */
static void test_find_rung(void **state)
{
	struct ladder l;

	ladder_init_default(&l);
	assert_int_equal(ladder_find_text(&l, "v=DMARC1; p=none"), 0);
	/* pct means nothing at p=none. */
	assert_int_equal(ladder_find_text(&l, "v=DMARC1; p=none; pct=10"), 0);
	assert_int_equal(ladder_find_text(&l, "v=DMARC1;p=quarantine;pct=25"),
			 2);
	assert_int_equal(
	    ladder_find_text(&l, "v=DMARC1; p=quarantine; pct=100"), 4);
	assert_int_equal(ladder_find_text(&l, "v=DMARC1; p=REJECT"), 8);
	assert_int_equal(
	    ladder_find_text(&l, "v=DMARC1; p=reject; pct=50; t=y"), 7);
	/* Off the ladder: pct=30 is no rung, nor is pct=0. */
	assert_int_equal(ladder_find_text(&l, "v=DMARC1; p=quarantine; pct=30"),
			 -1);
	assert_int_equal(ladder_find_text(&l, "v=DMARC1; p=reject; pct=0"), -1);
	/* Not a DMARC record at all. */
	assert_int_equal(ladder_find_text(&l, "v=spf1 -all"), -1);
	ladder_done(&l);
}

/* Labels and tokens for the screens and the plan. */
static void test_labels(void **state)
{
	struct ladder_rung none = { DMARC_POLICY_NONE, 100 };
	struct ladder_rung q10 = { DMARC_POLICY_QUARANTINE, 10 };
	struct ladder_rung r100 = { DMARC_POLICY_REJECT, 100 };
	char *s;

	s = ladder_rung_label(&none);
	assert_string_equal(s, "p=none");
	free(s);
	s = ladder_rung_label(&q10);
	assert_string_equal(s, "quarantine 10 %");
	free(s);
	s = ladder_rung_label(&r100);
	assert_string_equal(s, "reject");
	free(s);
	s = ladder_rung_token(&q10);
	assert_string_equal(s, "q10");
	free(s);
	s = ladder_rung_token(&r100);
	assert_string_equal(s, "r100");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_rungs_exact_text),
		cmocka_unit_test(test_rung_with_every_setting),
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_find_rung),
		cmocka_unit_test(test_labels),
	};

	return cmocka_run_group_tests_name("dmarc_ladder", tests, NULL, NULL);
}
