/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dkim_record_from_key(): the exact key record of a private key file,
 * the same as dkim keygen printed, the RFC 8463 example key giving the
 * RFC's public key, errors naming the file; and the plan using it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "lib/testenv.h"
#include "plan/rollout.h"
#include "store/state.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	f->dir = testenv_mkdtemp();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	testenv_rmdir(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Writes a key as PKCS#8 PEM into dir/name; returns the path. */
static char *write_key(const char *dir, const char *name, EVP_PKEY *pkey)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(
	    PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL, NULL), 1);
	fclose(fp);
	return path;
}

/* The record equals what keygen printed, for RSA and Ed25519. */
static void test_same_as_keygen(void **state)
{
	struct fixture *f = *state;
	const enum dkim_key_type types[] = { DKIM_KEY_RSA, DKIM_KEY_ED25519 };

	for (size_t i = 0; i < 2; i++) {
		struct dkim_keygen_options o = {
			.domain = "example.com",
			.selector = i ? "ed" : "rsa",
			.type = types[i],
			.dir = f->dir,
		};
		struct dkim_generated g;
		struct err err = ERR_INIT;
		char *record;

		assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_OK);
		assert_int_equal(dkim_record_from_key(g.path, &record, &err),
				 STATUS_OK);
		assert_string_equal(record, g.record);
		assert_non_null(strstr(record, i ? "v=DKIM1; k=ed25519; p="
						 : "v=DKIM1; k=rsa; p=MII"));
		free(record);
		dkim_generated_done(&g);
	}
}

/* RFC 8463 Appendix A: the private key nWGxne/9WmC6hEr0kuwsxERJxWl7Mmk
 * ZcDusAxyuf2A= has the public key 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwI
 * aaPcHURo=, which is the record's p= (RFC 8463 4.2: the raw key). */
static void test_rfc8463_example(void **state)
{
	static const unsigned char seed[32] = {
		0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60,
		0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
		0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19,
		0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
	};
	struct fixture *f = *state;
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
						      seed, sizeof seed);
	struct err err = ERR_INIT;
	char *path, *record;

	assert_non_null(pkey);
	path = write_key(f->dir, "rfc8463.pem", pkey);
	assert_int_equal(dkim_record_from_key(path, &record, &err), STATUS_OK);
	assert_string_equal(record, "v=DKIM1; k=ed25519; "
				    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIa"
				    "aPcHURo=");
	free(record);
	free(path);
	EVP_PKEY_free(pkey);
}

/* A missing file, a file without a key and an EC key: each an error
 * that names the file. */
static void test_errors_name_the_file(void **state)
{
	struct fixture *f = *state;
	char *missing = xasprintf("%s/none.pem", f->dir);
	char *junk = testenv_write_file(f->dir, "junk.pem", "not a key\n");
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char *ecpath = write_key(f->dir, "ec.pem", ec);
	struct err err = ERR_INIT;
	char *record = (char *)"x";

	assert_int_equal(dkim_record_from_key(missing, &record, &err),
			 STATUS_IO);
	assert_null(record);
	assert_non_null(strstr(err_message(&err), missing));
	err_done(&err);
	assert_int_equal(dkim_record_from_key(junk, &record, &err),
			 STATUS_CRYPTO);
	assert_non_null(strstr(err_message(&err), junk));
	err_done(&err);
	assert_int_equal(dkim_record_from_key(ecpath, &record, &err),
			 STATUS_UNSUPPORTED);
	assert_non_null(strstr(err_message(&err), ecpath));
	err_done(&err);
	EVP_PKEY_free(ec);
	free(ecpath);
	free(junk);
	free(missing);
}

/* The plan's DKIM step carries the key file's record; a key file that
 * cannot be read is a reason naming it. */
static void test_plan_uses_it(void **state)
{
	struct fixture *f = *state;
	char *db = testenv_db(f->dir, "state.db");
	struct dkim_keygen_options o = {
		.domain = "example.com",
		.selector = "s1",
		.type = DKIM_KEY_ED25519,
		.dir = f->dir,
	};
	struct state_dkim_key bad = {
		.selector = (char *)"s2",
		.algorithm = (char *)"rsa",
		.published = DATE_NONE,
		.retired = DATE_NONE,
	};
	struct dkim_generated g;
	struct err err = ERR_INIT;
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct store *store;
	date_t d;

	assert_true(date_parse("2026-11-24", &d));
	assert_int_equal(store_open(&store, db, &err), STATUS_OK);
	assert_int_equal(
	    state_domain_add(store, "example.com", d - 1, NULL, &err),
	    STATUS_OK);
	assert_int_equal(state_sender_add(store, "example.com",
					  "ip4:192.0.2.0/24", NULL, NULL, d - 1,
					  NULL, &err),
			 STATUS_OK);
	assert_int_equal(state_rung_add(store, "example.com", RUNG_SPF, 0,
					"v=spf1 ip4:192.0.2.0/24 ~all", d - 1,
					&err),
			 STATUS_OK);
	o.record = state_dkim_keygen_record;
	o.record_arg = store;
	o.today = d - 1;
	assert_int_equal(dkim_keygen(&o, &g, &err), STATUS_OK);
	assert_int_equal(
	    rollout_inputs_load(store, NULL, NULL, "example.com", d, &in, &err),
	    STATUS_OK);
	rollout_decide(&in, d, &plan);
	assert_int_equal(plan.next.action, ROLLOUT_ACTION_DKIM);
	assert_string_equal(plan.next.name, "s1._domainkey.example.com");
	assert_string_equal(plan.next.record, g.record);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);

	/* s1 is live; s2's key file is gone. */
	assert_int_equal(
	    state_dkim_key_published(store, "example.com", "s1", d, &err),
	    STATUS_OK);
	bad.key_path = xasprintf("%s/gone.private", f->dir);
	bad.created = d;
	assert_int_equal(
	    state_dkim_key_add(store, "example.com", &bad, NULL, &err),
	    STATUS_OK);
	assert_int_equal(
	    rollout_inputs_load(store, NULL, NULL, "example.com", d, &in, &err),
	    STATUS_OK);
	rollout_decide(&in, d, &plan);
	assert_int_equal(plan.next.action, ROLLOUT_ACTION_DKIM);
	assert_string_equal(plan.next.selector, "s2");
	assert_false(plan.ready);
	assert_int_equal(plan.reasons.count, 1);
	assert_string_equal(finding_code_name(plan.reasons.items[0].code),
			    "plan.dkim_unreadable");
	assert_non_null(strstr(plan.reasons.items[0].message, "selector s2"));
	assert_non_null(strstr(plan.reasons.items[0].message, bad.key_path));
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	free(bad.key_path);
	dkim_generated_done(&g);
	store_close(store);
	free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_as_keygen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rfc8463_example, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_errors_name_the_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_uses_it, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("rollout_dkim", tests, NULL, NULL);
}
