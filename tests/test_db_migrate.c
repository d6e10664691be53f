/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `db migrate` moves an SQLite database the current release wrote
 * (tests/data/store-v7.sql) into an empty database on a real PostgreSQL
 * server started on 127.0.0.1: every row of every table, the counts it
 * prints, the repositories reading the moved rows, new rows numbered
 * after the moved ones; and it refuses a target that holds anything, a
 * missing file, and shows no password. And the configuration file's
 * "db =" that names the server. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/testenv.h"
#include "store/state.h"
#include "store/store.h"
#include "store/store_copy.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
	char *file; /* the SQLite database the release wrote */
	char *uri;  /* an empty PostgreSQL database */
};

/* The fixture file, loaded as the release left it (schema 7). */
static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *fixture =
	    xasprintf("%s/tests/data/store-v7.sql", testenv_srcdir());
	char *sql = testenv_read_file(fixture, NULL);
	sqlite3 *db;

	assert_non_null(sql);
	f->dir = testenv_mkdtemp();
	f->file = xasprintf("%s/old.db", f->dir);
	assert_int_equal(sqlite3_open(f->file, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", fixture, sqlite3_errmsg(db));
	sqlite3_close(db);
	free(sql);
	free(fixture);
	f->uri = testenv_postgres_db();
	*state = f;
	return 0;
}

/* Removes the directory. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	testenv_rmdir(f->dir);
	free(f->dir);
	free(f->file);
	free(f->uri);
	free(f);
	return 0;
}

/* Runs db migrate with --json. */
static struct testenv_run migrate(const struct fixture *f, const char *from,
				  const char *to, bool json)
{
	const char *args[] = { json ? "--json" : "db",
			       json ? "db" : "migrate",
			       json ? "migrate" : "--from",
			       json ? "--from" : from,
			       json ? from : "--to",
			       json ? "--to" : to,
			       json ? to : NULL,
			       NULL };

	(void)f;
	return testenv_run_dmarcpilot(args, NULL);
}

/* A table's rows, in a text both servers write alike: the count and
 * the largest and smallest of columns joined as text. */
static char *rows_of(const char *target, const char *table, const char *columns)
{
	char *sql = xasprintf("SELECT count(*) || ':' || coalesce(max(x), '')"
			      " || ':' || coalesce(min(x), '') FROM"
			      " (SELECT '' || %s AS x FROM %s) AS t",
			      columns, table);
	char *v = testenv_db_text(target, sql);

	free(sql);
	return v;
}

/* Every row moves, the counts say so, and the moved database works. */
static void test_migrate_every_row(void **state)
{
	static const struct {
		const char *table, *columns;
	} probe[] = {
		{ "domain", "id || name || created" },
		{ "sender", "id || kind || value || created" },
		{ "dkim_key", "id || selector || algorithm || created" },
		{ "rung_history", "id || kind || rung || record || verified" },
		{ "rung_include_cost", "rung_id || include || lookups" },
		{ "plan_settings", "domain_id || coalesce(window_days, 0)" },
		{ "spf_flattened_address", "flattened_id || address" },
		{ "disowned", "id || network" },
		{ "report", "id || org_name || report_id || date_begin" },
		{ "report_row", "id || report || source_ip || count" },
		{ "failure_report", "id || feedback_type" },
		{ "dkim_rotation", "id || new_selector || phase" },
	};
	struct fixture *f = *state;
	struct testenv_run r;
	json_t *o, *moved;
	json_error_t jerr;
	struct store *store;
	struct err err = ERR_INIT;
	int64_t id = 0;
	const char *key;
	json_t *v;
	size_t total = 0;
	char *before[sizeof probe / sizeof probe[0]];

	for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++)
		before[i] = rows_of(f->file, probe[i].table, probe[i].columns);
	r = migrate(f, f->file, f->uri, true);
	if (r.status != 0)
		fail_msg("db migrate: %s", r.err);
	o = json_loads(r.out, 0, &jerr);
	assert_non_null(o);
	moved = json_object_get(o, "moved");
	assert_non_null(moved);
	assert_int_equal(json_object_size(moved), STORE_COPY_TABLES);
	/* Each count is what the file holds, and the server holds it. */
	json_object_foreach(moved, key, v)
	{
		char *sql = xasprintf("SELECT count(*) FROM %s", key);
		char *n = testenv_db_text(f->file, sql);
		char *m = testenv_db_text(f->uri, sql);

		assert_int_equal(json_integer_value(v), atoll(n));
		assert_string_equal(m, n);
		total += (size_t)json_integer_value(v);
		free(sql);
		free(n);
		free(m);
	}
	/* The fixture has something of every kind that matters. */
	assert_true(json_integer_value(json_object_get(moved, "domain")) > 0);
	assert_true(json_integer_value(json_object_get(moved, "report_row")) >
		    0);
	assert_true(
	    json_integer_value(json_object_get(moved, "report_row_auth")) > 0);
	assert_true(total > 50);
	/* No password in what it prints. */
	{
		const char *pw_end = strchr(f->uri + 13, '@');
		const char *pw = strchr(f->uri + 13, ':');
		char *secret = xstrndup(pw + 1, (size_t)(pw_end - pw - 1));

		assert_null(strstr(r.out, secret));
		assert_null(strstr(r.err, secret));
		free(secret);
	}
	json_decref(o);
	testenv_run_done(&r);
	for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
		char *after = rows_of(f->uri, probe[i].table, probe[i].columns);

		if (strcmp(after, before[i]) != 0)
			fail_msg("%s: %s in the file, %s on the server",
				 probe[i].table, before[i], after);
		free(after);
		free(before[i]);
	}
	/* The repositories read it, and new rows number on. */
	assert_int_equal(store_open(&store, f->uri, &err), STATUS_OK);
	assert_int_equal(state_domain_add(store, "new.example", 0, &id, &err),
			 STATUS_OK);
	{
		char *max = testenv_db_text(f->file, "SELECT max(id) FROM"
						     " domain");

		assert_true(id > atoll(max));
		free(max);
	}
	store_close(store);
	/* Text output: a line per kind. */
	{
		char *uri2 = testenv_postgres_db();

		r = migrate(f, f->file, uri2, false);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "domains"));
		assert_non_null(strstr(r.out, "report rows"));
		assert_non_null(strstr(r.out, "rungs"));
		testenv_run_done(&r);
		free(uri2);
	}
}

/* A target that holds anything is refused and left as it was; so is a
 * missing file, which is not created. */
static void test_migrate_refuses(void **state)
{
	struct fixture *f = *state;
	struct testenv_run r;
	char *missing = xasprintf("%s/none.db", f->dir);
	char *count;

	r = migrate(f, f->file, f->uri, false);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	count = testenv_db_text(f->uri, "SELECT count(*) FROM report_row");
	r = migrate(f, f->file, f->uri, false);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "not empty"));
	/* one line */
	assert_int_equal(strcspn(r.err, "\n") + 1, strlen(r.err));
	testenv_run_done(&r);
	{
		char *again =
		    testenv_db_text(f->uri, "SELECT count(*) FROM report_row");

		assert_string_equal(again, count);
		free(again);
	}
	free(count);
	r = migrate(f, missing, f->uri, false);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, missing));
	assert_int_equal(access(missing, F_OK), -1);
	testenv_run_done(&r);
	/* A server that is not there: named, without the password. */
	{
		const char *args[] = { "db",
				       "migrate",
				       "--from",
				       f->file,
				       "--to",
				       "postgresql://u:s3cret-word@127.0.0.1:"
				       "1/nothing?connect_timeout=5",
				       NULL };

		r = testenv_run_dmarcpilot(args, NULL);
		assert_int_equal(r.status, 2);
		assert_non_null(strstr(r.err, "127.0.0.1"));
		assert_null(strstr(r.err, "s3cret-word"));
		testenv_run_done(&r);
	}
	free(missing);
}

/* "db = URI" before any section of the configuration file: every
 * command uses the server (the password from PGPASSWORD); --db wins;
 * a password in the URI of a file others can read is refused, naming
 * the file and line; an unknown key there is named. */
static void test_config_db(void **state)
{
	struct fixture *f = *state;
	const char *at = strchr(f->uri + 13, '@');
	const char *colon = strchr(f->uri + 13, ':');
	char *secret = xstrndup(colon + 1, (size_t)(at - colon - 1));
	char *bare = xasprintf("%.*s%s", (int)(colon - f->uri), f->uri, at);
	char *cfgdir = xasprintf("%s/cfg", f->dir);
	char *appdir = xasprintf("%s/dmarcpilot", cfgdir);
	char *text, *ini, *count, *file = xasprintf("%s/own.db", f->dir);
	char *env_cfg = xasprintf("XDG_CONFIG_HOME=%s", cfgdir);
	char *env_pw = xasprintf("PGPASSWORD=%s", secret);
	const char *env[] = { env_cfg, env_pw, NULL };
	/* An empty zone answers what domain add reads: never the
	 * machine's resolver. */
	char *zone = testenv_write_file(f->dir, "empty.zone",
					"$ORIGIN empty.test.\n$TTL 300\n"
					"@ SOA ns1 h 1 3600 600 86400 300\n"
					"@ NS ns1\nns1 A 192.0.2.53\n");
	const char *add[] = { "--zone", zone,          "domain",
			      "add",    "example.com", NULL };
	const char *add_file[] = { "--zone", zone,  "--db",        file,
				   "domain", "add", "example.org", NULL };
	struct testenv_run r;

	assert_int_equal(mkdir(cfgdir, 0700), 0);
	assert_int_equal(mkdir(appdir, 0700), 0);
	text = xasprintf("# the team's database\ndb = %s\n\n[thresholds]\n"
			 "period_days = 7\n",
			 bare);
	ini = testenv_write_file(appdir, "config.ini", text);
	free(text);
	chmod(ini, 0600);
	r = testenv_run_dmarcpilot(add, env);
	if (r.status != 0)
		fail_msg("domain add: %s", r.err);
	testenv_run_done(&r);
	count = testenv_db_text(f->uri, "SELECT count(*) FROM domain WHERE"
					" name = 'example.com'");
	assert_string_equal(count, "1");
	free(count);
	/* config check names it, as messages do. */
	{
		const char *check[] = { "config", "check", NULL };

		r = testenv_run_dmarcpilot(check, env);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "database: postgresql://"
					      "dmarcpilot@127.0.0.1:"));
		testenv_run_done(&r);
	}
	/* --db wins over the file. */
	r = testenv_run_dmarcpilot(add_file, env);
	assert_int_equal(r.status, 0);
	testenv_run_done(&r);
	assert_int_equal(access(file, F_OK), 0);
	count = testenv_db_text(f->uri, "SELECT count(*) FROM domain");
	assert_string_equal(count, "1");
	free(count);
	/* A password in a file others can read. */
	free(ini);
	text = xasprintf("db = %s\n", f->uri);
	ini = testenv_write_file(appdir, "config.ini", text);
	free(text);
	chmod(ini, 0644);
	r = testenv_run_dmarcpilot(add, env);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "config.ini:1"));
	assert_null(strstr(r.err, secret));
	testenv_run_done(&r);
	/* An unknown key before any section. */
	free(ini);
	ini = testenv_write_file(appdir, "config.ini", "database = x.db\n");
	chmod(ini, 0600);
	r = testenv_run_dmarcpilot(add, env);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "database"));
	testenv_run_done(&r);
	free(ini);
	free(zone);
	free(env_pw);
	free(env_cfg);
	free(file);
	free(appdir);
	free(cfgdir);
	free(bare);
	free(secret);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_every_row, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migrate_refuses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config_db, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("db migrate", tests, NULL, NULL);
}
