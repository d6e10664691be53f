/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Use cases the command line and the wizard share, run as both run
 * them, on a real database file: a change of settings (domain set, the
 * settings view) stores all its values or none, and a DKIM key of the
 * operator's own (dkim keygen, the DKIM view) is written and recorded,
 * or refused with no file left. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/keygen.h"
#include "app/settings.h"
#include "lib/testenv.h"
#include "store/state.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
	struct store *store;
};

/* A database with example.com. */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct err err = ERR_INIT;
	char *path;
	date_t today;

	f->dir = testenv_mkdtemp();
	path = xasprintf("%s/state.db", f->dir);
	assert_true(date_parse("2026-12-01", &today));
	assert_int_equal(store_open(&f->store, path, &err), STATUS_OK);
	assert_int_equal(
	    state_domain_add(f->store, "example.com", today, NULL, &err),
	    STATUS_OK);
	free(path);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->store);
	testenv_rmdir(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Several values in one change are stored together, a later change
 * keeps what an earlier one stored, and a change with one bad value
 * stores none of its values. */
static void test_settings_change(void **state)
{
	struct fixture *f = *state;
	const char *const both[] = { "min-days-rung=9", "pass-threshold=97" };
	const char *const later[] = { "window-days=21" };
	const char *const bad[] = { "min-days-rung=12", "window-days=0" };
	const char *const unknown[] = { "colour=blue" };
	struct state_settings s;
	struct err err = ERR_INIT;

	assert_int_equal(
	    app_settings_change(f->store, "example.com", both, 2, &err),
	    STATUS_OK);
	assert_int_equal(
	    app_settings_change(f->store, "example.com", later, 1, &err),
	    STATUS_OK);
	assert_int_equal(
	    app_settings_change(f->store, "example.com", bad, 2, &err),
	    STATUS_USAGE);
	assert_non_null(strstr(err_message(&err), "window"));
	err_done(&err);
	assert_int_equal(
	    app_settings_change(f->store, "example.com", unknown, 1, &err),
	    STATUS_USAGE);
	err_done(&err);
	assert_int_not_equal(
	    app_settings_change(f->store, "nowhere.example", later, 1, &err),
	    STATUS_OK);
	err_done(&err);
	state_settings_defaults(&s);
	assert_int_equal(state_settings_get(f->store, "example.com", &s, &err),
			 STATUS_OK);
	assert_int_equal(s.min_days_rung, 9);
	assert_true(s.pass_threshold > 96.9 && s.pass_threshold < 97.1);
	assert_int_equal(s.window_days, 21);
	state_settings_done(&s);
}

/* A key generated with a store is in the database under its path, the
 * file only its owner reads; the same selector again is refused and
 * leaves no second file; without a store the key is only written. */
static void test_dkim_keygen(void **state)
{
	struct fixture *f = *state;
	char *dir = xasprintf("%s/keys", f->dir);
	struct dkim_keygen_options o = {
		.domain = "Example.COM",
		.selector = "s1",
		.type = DKIM_KEY_ED25519,
		.dir = dir,
	};
	struct dkim_generated g;
	struct state_dkim_key *keys = NULL;
	struct err err = ERR_INIT;
	struct stat sb;
	size_t n = 0;

	assert_true(date_parse("2026-12-02", &o.today));
	memset(&g, 0, sizeof g);
	assert_int_equal(app_dkim_keygen(f->store, &o, &g, &err), STATUS_OK);
	assert_string_equal(g.domain, "example.com");
	assert_int_equal(stat(g.path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(
	    state_dkim_key_list(f->store, "example.com", &keys, &n, &err),
	    STATUS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(keys[0].selector, "s1");
	assert_string_equal(keys[0].key_path, g.path);
	assert_int_equal(keys[0].created, o.today);
	state_dkim_keys_free(keys, n);
	dkim_generated_done(&g);

	/* The same selector: refused, the first key kept. */
	o.dir = f->dir;
	memset(&g, 0, sizeof g);
	assert_int_equal(app_dkim_keygen(f->store, &o, &g, &err),
			 STATUS_EXISTS);
	err_done(&err);
	dkim_generated_done(&g);
	{
		char *left = xasprintf("%s/s1.private", f->dir);
		char *other = xasprintf("%s/s1.pem", f->dir);

		assert_int_not_equal(access(left, F_OK), 0);
		assert_int_not_equal(access(other, F_OK), 0);
		free(left);
		free(other);
	}

	/* No store: written, nothing recorded. */
	o.selector = "s2";
	memset(&g, 0, sizeof g);
	assert_int_equal(app_dkim_keygen(NULL, &o, &g, &err), STATUS_OK);
	assert_int_equal(access(g.path, R_OK), 0);
	dkim_generated_done(&g);
	assert_int_equal(
	    state_dkim_key_list(f->store, "example.com", &keys, &n, &err),
	    STATUS_OK);
	assert_int_equal(n, 1);
	state_dkim_keys_free(keys, n);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_settings_change, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dkim_keygen, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
