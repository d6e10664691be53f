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
#include "store/rotation_store.h"
#include "store/state.h"
#include "store/store.h"
#include "store/state_internal.h"
#include "util/date.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* A day given as "YYYY-MM-DD". */
static date_t day_of(const char *s)
{
	date_t d = DATE_NONE;

	assert_true(date_parse(s, &d));
	return d;
}

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
	assert_int_equal(
	    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
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
		"SELECT group_concat(x, ';') FROM (SELECT id || kind || value "
		"||"
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
	assert_int_equal(
	    state_rung_list(store, "demo.example", &rungs, &nrungs, &err),
	    STATUS_OK);
	assert_int_equal(nrungs, 1);
	assert_int_equal(rungs[0].lookups, 9);
	assert_int_equal(rungs[0].ncosts, 4);
	assert_string_equal(rungs[0].costs[3].include,
			    "include:mid.fx.example");
	assert_int_equal(rungs[0].costs[3].lookups, 5);
	state_rungs_free(rungs, nrungs);
	assert_int_equal(
	    state_flattened_list(store, "demo.example", &flat, &nflat, &err),
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
		"domain",
		"sender",
		"disowned",
		"dkim_key",
		"dkim_rotation_interval",
		"rung_history",
		"plan_settings",
		"report",
		"report_row",
		"failure_report",
		"monitor_alert",
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
	assert_int_equal(
	    state_rung_list(store, "demo.example", &rungs, &n, &err),
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

/* Loads the schema 10 fixture (tests/data/store-v10.sql, an SQLite
 * dump) into target, then extra (or NULL). On PostgreSQL the dump runs
 * as the store would have made it there: its own collation, row ids
 * that number themselves, the version in dmarcpilot_schema. */
static void v10_database(const char *target, bool pg, const char *extra)
{
	char *file = xasprintf("%s/tests/data/store-v10.sql", testenv_srcdir());
	char *sql = testenv_read_file(file, NULL);
	sqlite3 *db;

	assert_non_null(sql);
	if (pg) {
		struct strbuf sb = STRBUF_INIT;
		const char *line = sql;

		strbuf_addstr(&sb,
			      "CREATE COLLATION IF NOT EXISTS nocase"
			      " (provider = icu, locale ="
			      " 'und-u-ks-level2', deterministic = false);"
			      "CREATE TABLE dmarcpilot_schema"
			      " (version INTEGER NOT NULL);"
			      "INSERT INTO dmarcpilot_schema VALUES (10);\n");
		while (*line) {
			size_t n = strcspn(line, "\n");
			const char *id = "id INTEGER PRIMARY KEY";
			const char *at = memmem(line, n, id, strlen(id));

			if (strncmp(line, "PRAGMA", 6) == 0) {
				/* SQLite's own */
			} else if (at) {
				strbuf_add(&sb, line, (size_t)(at - line));
				strbuf_addstr(&sb, "id BIGINT GENERATED BY"
						   " DEFAULT AS IDENTITY"
						   " PRIMARY KEY");
				at += strlen(id);
				strbuf_add(&sb, at, n - (size_t)(at - line));
			} else {
				strbuf_add(&sb, line, n);
			}
			strbuf_addch(&sb, '\n');
			line += n + (line[n] == '\n');
		}
		if (extra)
			strbuf_addstr(&sb, extra);
		pg_exec(target, strbuf_str(&sb));
		strbuf_done(&sb);
	} else {
		assert_int_equal(sqlite3_open(target, &db), SQLITE_OK);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
		    (extra &&
		     sqlite3_exec(db, extra, NULL, NULL, NULL) != SQLITE_OK))
			fail_msg("%s: %s", file, sqlite3_errmsg(db));
		sqlite3_close(db);
	}
	free(sql);
	free(file);
}

/* The aggregate that joins rows' x ordered by k, in either dialect. */
static const char *agg(bool pg)
{
	return pg ? "string_agg(x, ';' ORDER BY k)" : "group_concat(x, ';')";
}

/* Every report row's authentication results as schema 10 kept them:
 * "id|dkim_auth|spf_auth;...", for the rows that have any. */
static char *auth_before(const char *target, bool pg)
{
	char *sql = xasprintf(
	    "SELECT %s FROM (SELECT id || '|' || coalesce(dkim_auth, '')"
	    " || '|' || coalesce(spf_auth, '') AS x, id AS k FROM report_row"
	    " WHERE dkim_auth IS NOT NULL OR spf_auth IS NOT NULL"
	    " ORDER BY id) AS t",
	    agg(pg));
	char *v = testenv_db_text(target, sql);

	free(sql);
	return v;
}

/* What schema 10's rotation evidence said of the selectors, as
 * rotation_store_evidence() gives it: days, -1 for none. */
static char *evidence_before(const char *target, const char *new_sel,
			     const char *old_sel)
{
	char *sql = xasprintf(
	    "SELECT coalesce(MIN(CASE WHEN a LIKE '%% demo.example:%s:pass %%'"
	    " THEN b END) / 86400, -1) || ',' ||"
	    " coalesce((MAX(CASE WHEN a LIKE '%% demo.example:%s:pass %%'"
	    " THEN e END) - 1) / 86400, -1) || ',' ||"
	    " coalesce((MAX(CASE WHEN a LIKE '%% demo.example:%s:%%'"
	    " THEN e END) - 1) / 86400, -1)"
	    " FROM (SELECT ' ' || lower(w.dkim_auth) || ' ' AS a,"
	    " r.date_begin AS b, r.date_end AS e FROM report r JOIN"
	    " report_row w ON w.report = r.id WHERE r.domain ="
	    " 'demo.example' AND w.dkim_auth IS NOT NULL) AS signed",
	    new_sel, new_sel, old_sel);
	char *v = testenv_db_text(target, sql);

	free(sql);
	return v;
}

/* The same from the upgraded store's repository. */
static char *evidence_after(struct store *store, const char *new_sel,
			    const char *old_sel)
{
	struct dkim_rotation_evidence ev;
	struct err err = ERR_INIT;
	date_t d[3];

	assert_int_equal(rotation_store_evidence(store, "demo.example", old_sel,
						 new_sel, &ev, &err),
			 STATUS_OK);
	d[0] = ev.new_first_pass;
	d[1] = ev.new_last_pass;
	d[2] = ev.old_last_seen;
	for (int i = 0; i < 3; i++)
		if (d[i] == DATE_NONE)
			d[i] = -1;
	return xasprintf("%d,%d,%d", d[0], d[1], d[2]);
}

/* The database today's release wrote (schema 10, made by its own
 * commands: tests/data/store-v10.sql) opens, is upgraded in one
 * transaction, and keeps every authentication result of its report
 * rows: the child rows are the words of the old columns, in order;
 * rotation evidence reads the same as schema 10's query did; a word
 * that is not well formed (written by hand, never by an import) is
 * skipped and counted. On SQLite, or on PostgreSQL when pg. */
static void upgrade_v10(bool pg)
{
	/* Two words spoiled by hand after the import. */
	static const char spoil[] =
	    "UPDATE report_row SET dkim_auth = dkim_auth ||"
	    " ' broken a:b:c:d' WHERE id = 229;";
	char *dir = pg ? NULL : testenv_mkdtemp();
	char *target = pg ? testenv_postgres_db() : xasprintf("%s/v10.db", dir);
	struct store *store;
	struct err err = ERR_INIT;
	struct rotation_signer *signers;
	size_t n;
	char *before, *after, *ev[2], *v, *rows;
	const char *version = pg ? "SELECT version FROM dmarcpilot_schema"
				 : "PRAGMA user_version";

	v10_database(target, pg, spoil);
	v = testenv_db_text(target, version);
	assert_string_equal(v, "10");
	free(v);
	rows = testenv_db_text(target, "SELECT count(*) FROM report_row");
	before = auth_before(target, pg);
	/* The fixture holds what the upgrade must carry. */
	assert_non_null(strstr(before, "229|demo.example:s1:pass "
				       "lists.example.net:sel-2024.a:fail "
				       "demo.example::none broken a:b:c:d|"
				       "bounce.example.net:softfail "
				       "demo.example:pass;"));
	assert_non_null(strstr(before, "230|demo.example:k2:permerror "
				       "mcsv.net:k1:pass|:none;"));
	assert_non_null(strstr(before, ";231||spoof.example:fail "
				       "spoof.example:temperror"));
	ev[0] = evidence_before(target, "s1", "k2");
	ev[1] = evidence_before(target, "google", "zendesk1");
	assert_int_equal(store_open(&store, target, &err), STATUS_OK);
	assert_int_equal(store_upgrade_skipped(store), 2);
	v = testenv_db_text(target, version);
	assert_int_equal(atoi(v), STORE_SCHEMA_VERSION);
	free(v);
	/* Every word, in place, less the two spoilt ones. */
	after = testenv_db_auth_text(target);
	v = strstr(before, " broken a:b:c:d");
	memmove(v, v + strlen(" broken a:b:c:d"),
		strlen(v + strlen(" broken a:b:c:d")) + 1);
	assert_string_equal(after, before);
	free(after);
	after = testenv_db_text(target, "SELECT count(*) FROM report_row");
	assert_string_equal(after, rows);
	free(after);
	/* The old columns are gone. */
	after = testenv_db_text(
	    target, pg ? "SELECT count(*) FROM information_schema.columns"
			 " WHERE table_name = 'report_row'"
			 " AND column_name LIKE '%auth'"
		       : "SELECT count(*) FROM pragma_table_info('report_row')"
			 " WHERE name LIKE '%auth'");
	assert_string_equal(after, "0");
	free(after);
	/* The rotation evidence reads as it did. */
	after = evidence_after(store, "s1", "k2");
	assert_string_equal(after, ev[0]);
	assert_true(strcmp(after, "-1,-1,-1") != 0);
	free(after);
	after = evidence_after(store, "google", "zendesk1");
	assert_string_equal(after, ev[1]);
	free(after);
	/* s1 signed at two sources: the record of the multi-signer
	 * report, and SendGrid's every day. */
	assert_int_equal(rotation_store_signers(store, "Demo.Example", "S1",
						day_of("2026-01-01"), &signers,
						&n, &err),
			 STATUS_OK);
	assert_int_equal(n, 2);
	assert_string_equal(signers[1].ip, "198.51.100.25");
	assert_int_equal(signers[1].messages, 12);
	rotation_signers_free(signers, n);
	store_close(store);
	/* Opening again changes nothing more. */
	assert_int_equal(store_open(&store, target, &err), STATUS_OK);
	assert_int_equal(store_upgrade_skipped(store), 0);
	store_close(store);
	after = testenv_db_auth_text(target);
	assert_string_equal(after, before);
	free(after);
	free(ev[0]);
	free(ev[1]);
	free(rows);
	free(before);
	if (dir)
		testenv_rmdir(dir);
	free(target);
	free(dir);
}

/* upgrade_v10() on SQLite. */
static void test_upgrade_v10(void **state)
{
	(void)state;
	upgrade_v10(false);
}

/* upgrade_v10() on PostgreSQL. */
static void test_upgrade_v10_server(void **state)
{
	(void)state;
	upgrade_v10(true);
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
		cmocka_unit_test(test_upgrade_v10),
		cmocka_unit_test(test_upgrade_v10_server),
		cmocka_unit_test(test_server_schema),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
