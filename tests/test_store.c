/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The database: created where the operator expects, migrated forward,
 * and never opened by a build older than its schema. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/testenv.h"
#include "spf/spf_build.h"
#include "store/state.h"
#include "store/store.h"
#include "store/state_internal.h"
#include "util/xalloc.h"

/* A new database in a directory that does not exist yet. */
static void test_open_creates_and_migrates(void **state)
{
	char *dir = testenv_mkdtemp();
	char *path = xasprintf("%s/sub/dir/dmarcpilot.db", dir);
	struct store *store;
	struct err err = ERR_INIT;
	struct stat st;
	char *version;

	assert_int_equal(store_open(&store, path, &err), STATUS_OK);
	version = testenv_db_text(path, "PRAGMA user_version");
	assert_int_equal(atoi(version), STORE_SCHEMA_VERSION);
	free(version);
	assert_int_equal(store_exec(store,
				    "INSERT INTO domain(name, created) VALUES"
				    " ('example.com', '2026-11-23')",
				    &err),
			 STATUS_OK);
	store_close(store);

	/* The directory holds reports and keys' paths: private. */
	{
		char *sub = xasprintf("%s/sub/dir", dir);

		assert_int_equal(stat(sub, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0700);
		free(sub);
	}
	/* Opening again keeps the data and does not migrate twice. */
	assert_int_equal(store_open(&store, path, &err), STATUS_OK);
	assert_int_equal(store_exec(store,
				    "INSERT INTO domain(name, created) VALUES"
				    " ('EXAMPLE.com', '2026-11-23')",
				    &err),
			 STATUS_DB);
	assert_non_null(strstr(err_message(&err), "UNIQUE"));
	err_done(&err);
	store_close(store);
	testenv_rmdir(dir);
	free(path);
	free(dir);
}

/* A database written by a newer dmarcpilot is refused, untouched. */
static void test_newer_schema_refused(void **state)
{
	char *dir = testenv_mkdtemp();
	char *path = xasprintf("%s/x.db", dir);
	struct store *store;
	struct err err = ERR_INIT;
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&store, path, &err), STATUS_UNSUPPORTED);
	assert_null(store);
	assert_non_null(strstr(err_message(&err), path));
	err_done(&err);
	testenv_rmdir(dir);
	free(path);
	free(dir);
}

/* A rolled-back transaction leaves nothing behind. */
static void test_rollback(void **state)
{
	char *dir = testenv_mkdtemp();
	char *path = xasprintf("%s/x.db", dir);
	struct store *store;
	struct err err = ERR_INIT;
	char *count;

	assert_int_equal(store_open(&store, path, &err), STATUS_OK);
	assert_int_equal(store_begin(store, &err), STATUS_OK);
	assert_int_equal(store_exec(store,
				    "INSERT INTO domain(name, created) VALUES"
				    " ('example.com', '2026-11-23')",
				    &err),
			 STATUS_OK);
	store_rollback(store);
	count = testenv_db_text(path, "SELECT count(*) FROM domain");
	assert_string_equal(count, "0");
	free(count);
	store_close(store);
	testenv_rmdir(dir);
	free(path);
	free(dir);
}

/* Makes a version 1 database at path from the fixture dump, plus extra
 * (SQL run after it, or NULL). */
static void v1_database(const char *path, const char *extra)
{
	char *file = xasprintf("%s/tests/data/store-v1.sql", testenv_srcdir());
	char *sql = testenv_read_file(file, NULL);
	sqlite3 *db;

	assert_non_null(sql);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    (extra && sqlite3_exec(db, extra, NULL, NULL, NULL) != SQLITE_OK))
		fail_msg("%s: %s", file, sqlite3_errmsg(db));
	sqlite3_close(db);
	free(sql);
	free(file);
}

/* What the database holds, one line per table, independent of the
 * schema version: the lists of version 1's text columns as they were
 * written ("include:X=N ...", "ip4:A ip4:B ..."). */
static char *db_contents(const char *path, bool v1)
{
	static const char *const common[] = {
		"SELECT group_concat(x, ';') FROM (SELECT id || name || created"
		" AS x FROM domain ORDER BY id)",
		"SELECT group_concat(x, ';') FROM (SELECT id || kind || value ||"
		" coalesce(note, '') || created AS x FROM sender ORDER BY id)",
		"SELECT group_concat(x, ';') FROM (SELECT id || selector ||"
		" algorithm || bits || key_path || created AS x FROM dkim_key"
		" ORDER BY id)",
		"SELECT group_concat(x, ';') FROM (SELECT id || kind || rung ||"
		" record || verified || coalesce(lookups, '-') AS x FROM"
		" rung_history ORDER BY id)",
		"SELECT group_concat(x, ';') FROM (SELECT domain_id ||"
		" coalesce(rungs, '-') || min_days_rung || rua AS x FROM"
		" plan_settings)",
		"SELECT group_concat(x, ';') FROM (SELECT id || mechanism ||"
		" flattened AS x FROM spf_flattened ORDER BY id)",
		"SELECT group_concat(x, ';') FROM (SELECT id || network ||"
		" created AS x FROM disowned ORDER BY id)",
		"SELECT count(*) || '/' || (SELECT count(*) FROM report_row) ||"
		" '/' || (SELECT sum(count) FROM report_row) FROM report",
	};
	const char *costs =
	    v1 ? "SELECT group_concat(id || ':' || costs, ';') FROM"
		 " rung_history WHERE costs IS NOT NULL"
	       : "SELECT group_concat(x, ';') FROM (SELECT r.id || ':' ||"
		 " (SELECT group_concat(y, ' ') FROM (SELECT c.include || '='"
		 " || c.lookups AS y FROM rung_include_cost c WHERE"
		 " c.rung_id = r.id ORDER BY c.position)) AS x FROM"
		 " rung_history r WHERE EXISTS (SELECT 1 FROM"
		 " rung_include_cost c WHERE c.rung_id = r.id) ORDER BY r.id)";
	const char *addresses =
	    v1 ? "SELECT group_concat(id || ':' || addresses, ';') FROM"
		 " spf_flattened"
	       : "SELECT group_concat(x, ';') FROM (SELECT f.id || ':' ||"
		 " (SELECT group_concat(y, ' ') FROM (SELECT a.address AS y"
		 " FROM spf_flattened_address a WHERE a.flattened_id = f.id"
		 " ORDER BY a.position)) AS x FROM spf_flattened f"
		 " ORDER BY f.id)";
	char *out = xstrdup("");

	for (size_t i = 0; i < sizeof common / sizeof *common + 2; i++) {
		const char *sql = i < sizeof common / sizeof *common ? common[i]
				  : i == sizeof common / sizeof *common
				      ? costs
				      : addresses;
		char *v = testenv_db_text(path, sql);
		char *next = xasprintf("%s%s\n", out, v);

		free(v);
		free(out);
		out = next;
	}
	return out;
}

/* A database the previous release wrote opens, is upgraded to the
 * current schema, and keeps every row: the include costs of verified
 * SPF rungs and the addresses of flattened includes move from their
 * space-separated text columns into child tables, in their order. */
static void test_upgrade_keeps_every_row(void **state)
{
	char *dir = testenv_mkdtemp();
	char *path = xasprintf("%s/old.db", dir);
	struct store *store;
	struct err err = ERR_INIT;
	struct state_rung *rungs;
	struct spf_flat_saved *flat;
	size_t nrungs, nflat;
	char *before, *after, *version;

	(void)state;
	v1_database(path, NULL);
	before = db_contents(path, true);
	/* The fixture holds what the upgrade must carry. */
	assert_non_null(strstr(before, "1:include:_spf1.demo.example=1 "
				       "include:sendgrid.net=1 "
				       "include:_spf.salesforce.com=2 "
				       "include:mid.fx.example=5"));
	assert_non_null(strstr(before, "2:ip4:198.51.100.0/26 "));
	assert_int_equal(store_open(&store, path, &err), STATUS_OK);
	after = db_contents(path, false);
	assert_string_equal(after, before);
	version = testenv_db_text(path, "PRAGMA user_version");
	assert_int_equal(atoi(version), STORE_SCHEMA_VERSION);
	/* The repositories read the upgraded rows. */
	assert_int_equal(state_rung_list(store, "demo.example", &rungs,
					 &nrungs, &err),
			 STATUS_OK);
	assert_int_equal(nrungs, 1);
	assert_int_equal(rungs[0].lookups, 9);
	assert_int_equal(rungs[0].ncosts, 4);
	assert_string_equal(rungs[0].costs[3].include,
			    "include:mid.fx.example");
	assert_int_equal(rungs[0].costs[3].lookups, 5);
	state_rungs_free(rungs, nrungs);
	assert_int_equal(state_flattened_list(store, "demo.example", &flat,
					      &nflat, &err),
			 STATUS_OK);
	assert_int_equal(nflat, 2);
	assert_string_equal(flat[0].mechanism, "include:_spf.google.com");
	assert_int_equal(flat[0].naddresses, 27);
	assert_int_equal(flat[1].naddresses, 5);
	assert_string_equal(flat[1].addresses[4], "ip6:2001:db8:1::/48");
	state_flattened_free(flat, nflat);
	store_close(store);
	/* Opening again changes nothing more. */
	assert_int_equal(store_open(&store, path, &err), STATUS_OK);
	store_close(store);
	free(after);
	after = db_contents(path, false);
	assert_string_equal(after, before);
	free(version);
	free(before);
	free(after);
	testenv_rmdir(dir);
	free(path);
	free(dir);
}

/* An upgrade that fails half-way leaves the old database as it was:
 * version 1, its text columns and every row. */
static void test_failed_upgrade_changes_nothing(void **state)
{
	char *dir = testenv_mkdtemp();
	char *path = xasprintf("%s/old.db", dir);
	struct store *store;
	struct err err = ERR_INIT;
	char *before, *after, *version, *tables;

	(void)state;
	/* The last step fails: a view (an operator's own, say) still
	 * reads the column the upgrade drops. */
	v1_database(path, "CREATE VIEW old_costs AS SELECT costs FROM"
			  " rung_history;");
	before = db_contents(path, true);
	assert_int_equal(store_open(&store, path, &err), STATUS_DB);
	assert_null(store);
	assert_non_null(strstr(err_message(&err), path));
	err_done(&err);
	version = testenv_db_text(path, "PRAGMA user_version");
	assert_string_equal(version, "1");
	tables = testenv_db_text(path, "SELECT count(*) FROM sqlite_master"
				       " WHERE name = 'rung_include_cost'");
	assert_string_equal(tables, "0");
	free(tables);
	after = db_contents(path, true);
	assert_string_equal(after, before);
	free(version);
	free(before);
	free(after);
	testenv_rmdir(dir);
	free(path);
	free(dir);
}

/* The database the release before PostgreSQL wrote (schema 7, made by
 * its own commands: tests/data/store-v7.sql) opens, is upgraded to this
 * build's schema in place and keeps every row of every table. */
static void test_upgrade_v7(void **state)
{
	static const char *const tables[] = {
		"domain", "sender", "disowned", "dkim_key",
		"dkim_rotation_interval", "rung_history", "plan_settings",
		"report", "report_row", "failure_report", "monitor_alert",
		"monitor_run",
	};
	char *dir = testenv_mkdtemp();
	char *path = xasprintf("%s/v7.db", dir);
	char *file = xasprintf("%s/tests/data/store-v7.sql", testenv_srcdir());
	char *sql = testenv_read_file(file, NULL);
	char *before[sizeof tables / sizeof *tables], *v;
	struct store *store;
	struct err err = ERR_INIT;
	struct state_rung *rungs;
	size_t n;
	sqlite3 *db;

	(void)state;
	assert_non_null(sql);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", file, sqlite3_errmsg(db));
	sqlite3_close(db);
	v = testenv_db_text(path, "PRAGMA user_version");
	assert_string_equal(v, "7");
	free(v);
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		char *q = xasprintf("SELECT count(*) || ':' ||"
				    " coalesce(max(rowid), 0) FROM %s",
				    tables[i]);

		before[i] = testenv_db_text(path, q);
		assert_true(atoi(before[i]) > 0);
		free(q);
	}
	assert_int_equal(store_open(&store, path, &err), STATUS_OK);
	v = testenv_db_text(path, "PRAGMA user_version");
	assert_int_equal(atoi(v), STORE_SCHEMA_VERSION);
	free(v);
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		char *q = xasprintf("SELECT count(*) || ':' ||"
				    " coalesce(max(rowid), 0) FROM %s",
				    tables[i]);

		v = testenv_db_text(path, q);
		if (strcmp(v, before[i]) != 0)
			fail_msg("%s: %s before, %s after", tables[i],
				 before[i], v);
		free(v);
		free(before[i]);
		free(q);
	}
	/* The rungs the release recorded read as before, with no
	 * recorder. */
	assert_int_equal(state_rung_list(store, "demo.example", &rungs, &n,
					 &err),
			 STATUS_OK);
	assert_true(n > 0);
	state_rungs_free(rungs, n);
	v = testenv_db_text(path, "SELECT count(*) FROM rung_history WHERE"
				  " recorded_by IS NULL");
	assert_true(atoi(v) > 0);
	free(v);
	store_close(store);
	testenv_rmdir(dir);
	free(sql);
	free(file);
	free(path);
	free(dir);
}

/* Runs SQL on a server's database through a connection of its own. */
static void pg_exec(const char *uri, const char *sql)
{
	PGconn *conn = PQconnectdb(uri);
	PGresult *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(conn);
}

/* On a PostgreSQL server: a new database gets this build's schema, its
 * version kept in dmarcpilot_schema; two processes opening it at once
 * both succeed (one migrates, the other waits and finds it done); names
 * compare without case as in SQLite; a newer schema is refused naming
 * the server without its password. */
static void test_server_schema(void **state)
{
	char *uri = testenv_postgres_db();
	const char *pw = strchr(uri + 13, ':') + 1;
	char *secret = xstrndup(pw, strcspn(pw, "@"));
	struct store *store = NULL;
	struct err err = ERR_INIT;
	char *v;
	pid_t pid[2];

	(void)state;
	/* Both at once on the empty database. */
	for (int k = 0; k < 2; k++) {
		pid[k] = fork();
		assert_true(pid[k] >= 0);
		if (pid[k] == 0) {
			struct store *s;

			_exit(store_open(&s, uri, &err) == STATUS_OK ? 0 : 1);
		}
	}
	for (int k = 0; k < 2; k++) {
		int status;

		assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	v = testenv_db_text(uri, "SELECT version FROM dmarcpilot_schema");
	assert_int_equal(atoi(v), STORE_SCHEMA_VERSION);
	free(v);
	v = testenv_db_text(uri, "SELECT count(*) FROM dmarcpilot_schema");
	assert_string_equal(v, "1");
	free(v);
	assert_int_equal(store_open(&store, uri, &err), STATUS_OK);
	assert_null(strstr(store_path(store), secret));
	store_close(store);
	/* COLLATE NOCASE, as in SQLite. */
	pg_exec(uri, "INSERT INTO monitor_alert (domain, key, code, severity,"
		     " message, opened) VALUES ('Example.COM', 'k', 'c', 's',"
		     " 'm', '2026-12-05')");
	v = testenv_db_text(uri, "SELECT count(*) FROM monitor_alert WHERE"
				 " domain = 'example.com'");
	assert_string_equal(v, "1");
	free(v);
	/* A newer schema. */
	pg_exec(uri, "UPDATE dmarcpilot_schema SET version = 999");
	assert_int_equal(store_open(&store, uri, &err), STATUS_UNSUPPORTED);
	assert_null(store);
	assert_non_null(strstr(err_message(&err), "127.0.0.1"));
	assert_non_null(strstr(err_message(&err), "999"));
	assert_null(strstr(err_message(&err), secret));
	err_done(&err);
	free(secret);
	free(uri);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_creates_and_migrates),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_upgrade_keeps_every_row),
		cmocka_unit_test(test_failed_upgrade_changes_nothing),
		cmocka_unit_test(test_upgrade_v7),
		cmocka_unit_test(test_server_schema),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
