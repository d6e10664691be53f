/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The store's one transaction runner: two operators changing different
 * settings of one domain at once both keep their change, on SQLite and
 * on PostgreSQL; a serializable transaction that loses a race on
 * PostgreSQL runs again and succeeds; a constraint violation is not run
 * again; a change that keeps losing gives up after a bounded number of
 * attempts and says to run the command again. Every writer is a process
 * of its own with its own connection, as two operators' are. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/settings.h"
#include "lib/testenv.h"
#include "store/report_store.h"
#include "store/state.h"
#include "store/state_internal.h"
#include "util/xalloc.h"

struct fixture {
	char *dir;
	char *path; /* a file, or a PostgreSQL URI */
	bool postgres;
	struct store *store;
};

/* A fresh database with example.com in it: target is the file or the
 * server testenv_db() chooses, or PostgreSQL whatever it says. */
static int fixture_open(void **state, bool postgres)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct err err = ERR_INIT;

	f->dir = testenv_mkdtemp();
	f->postgres = postgres || testenv_db_postgres();
	f->path =
	    postgres ? testenv_postgres_db() : testenv_db(f->dir, "state.db");
	assert_int_equal(store_open(&f->store, f->path, &err), STATUS_OK);
	assert_int_equal(
	    state_domain_add(f->store, "example.com", 0, NULL, &err),
	    STATUS_OK);
	*state = f;
	return 0;
}

/* On the backend the run asks for. */
static int setup(void **state)
{
	return fixture_open(state, false);
}

/* On PostgreSQL, in every run. */
static int setup_postgres(void **state)
{
	return fixture_open(state, true);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->store);
	testenv_rmdir(f->dir);
	free(f->path);
	free(f->dir);
	free(f);
	return 0;
}

/* What a writer process does once it has its connection. */
typedef enum status (*writer_fn)(struct store *store, int k, struct err *err);

/* Runs two writers, k = 0 and 1, each in a process of its own that
 * opens the store, says it is ready and waits for go. On PostgreSQL the
 * test holds table in EXCLUSIVE mode, which lets both read it but not
 * write, until both wait for it: both then have read what they will
 * change, and one of the two serializable transactions must lose.
 * retries[k] is how often writer k's transaction ran again; a writer
 * that failed fails the test. */
static void race(struct fixture *f, const char *table, writer_fn fn,
		 unsigned retries[2])
{
	int ready[2], go[2], status;
	pid_t pid[2];
	char buf[2];

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	for (int k = 0; k < 2; k++) {
		pid[k] = fork();
		assert_true(pid[k] >= 0);
		if (pid[k] == 0) {
			struct err err = ERR_INIT;
			struct store *store;
			enum status st;
			char c = 'r';

			if (store_open(&store, f->path, &err))
				_exit(2);
			if (write(ready[1], &c, 1) != 1 ||
			    read(go[0], &c, 1) != 1)
				_exit(2);
			st = fn(store, k, &err);
			if (st != STATUS_OK)
				fprintf(stderr, "writer %d: %s\n", k,
					err_message(&err));
			_exit(st != STATUS_OK ? 2
					      : 10 + (int)store_retries(store));
		}
	}
	assert_int_equal(read(ready[0], buf, 1), 1);
	assert_int_equal(read(ready[0], buf, 1), 1);
	if (f->postgres) {
		PGconn *conn = PQconnectdb(f->path);
		char *sql = xasprintf("LOCK TABLE %s IN EXCLUSIVE MODE", table);

		assert_int_equal(PQstatus(conn), CONNECTION_OK);
		testenv_pg_ok(conn, "BEGIN");
		testenv_pg_ok(conn, sql);
		assert_int_equal(write(go[1], "gg", 2), 2);
		testenv_pg_wait_blocked(conn, 2);
		testenv_pg_ok(conn, "COMMIT");
		PQfinish(conn);
		free(sql);
	} else {
		/* SQLite: BEGIN IMMEDIATE lets one in, the other waits. */
		assert_int_equal(write(go[1], "gg", 2), 2);
	}
	for (int k = 0; k < 2; k++) {
		assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
		assert_true(WIFEXITED(status));
		assert_true(WEXITSTATUS(status) >= 10);
		retries[k] = (unsigned)WEXITSTATUS(status) - 10;
	}
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/* One operator sets rua, the other ruf, as `domain set` does. */
static enum status set_one(struct store *store, int k, struct err *err)
{
	static const char *const change[2][1] = {
		{ "rua=mailto:agg@reports.example" },
		{ "ruf=mailto:forensic@reports.example" },
	};

	return app_settings_change(store, "example.com", change[k], 1, err);
}

/* Two operators change different settings of one domain at once: both
 * changes are stored (on PostgreSQL the loser ran again on what the
 * winner stored), and what neither touched keeps its value. */
static void test_settings_two_operators(void **state)
{
	static const char *const days[] = { "min-days-rung=9" };
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct state_settings s;
	unsigned retries[2];

	assert_int_equal(
	    app_settings_change(f->store, "example.com", days, 1, &err),
	    STATUS_OK);
	race(f, "plan_settings", set_one, retries);
	if (f->postgres)
		assert_int_equal(retries[0] + retries[1], 1);
	else
		assert_int_equal(retries[0] + retries[1], 0);
	assert_int_equal(state_settings_get(f->store, "example.com", &s, &err),
			 STATUS_OK);
	assert_non_null(s.rua);
	assert_non_null(s.ruf);
	assert_string_equal(s.rua, "mailto:agg@reports.example");
	assert_string_equal(s.ruf, "mailto:forensic@reports.example");
	assert_int_equal(s.min_days_rung, 9);
	state_settings_done(&s);
}

/* How many times a change ran, and what it did. */
struct counted {
	int calls;
	const char *sql;
};

/* Reads the counter, then writes it plus one: a lost update would
 * leave it one short. */
static enum status bump(struct store *store, void *arg, struct err *err)
{
	struct counted *c = arg;
	struct db_stmt *stmt = NULL;
	enum status st;
	int64_t n = 0;
	bool found;

	c->calls++;
	if ((st = store_prepare(store, &stmt, "SELECT n FROM counter", err)))
		return st;
	if ((st = store_first(store, stmt, &found, "counter", err)) == 0 &&
	    found)
		n = db_column_int64(stmt, 0);
	db_finalize(stmt);
	if (st != STATUS_OK)
		return st;
	if ((st =
		 store_prepare(store, &stmt, "UPDATE counter SET n = ?1", err)))
		return st;
	db_bind_int64(stmt, 1, n + 1);
	st = store_done(store, stmt, "counter", NULL, err);
	db_finalize(stmt);
	return st;
}

/* A writer that bumps the counter through store_transact(). */
static enum status bump_once(struct store *store, int k, struct err *err)
{
	struct counted c = { 0, NULL };

	(void)k;
	return store_transact(store, bump, &c, err);
}

/* Two serializable writers read and write the same row at once on
 * PostgreSQL: the server refuses one (SQLSTATE 40001), which runs again
 * on what the other committed; both increments are there. */
static void test_retry_after_conflict(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	unsigned retries[2];
	char *n;

	assert_int_equal(store_exec(f->store,
				    "CREATE TABLE counter (n BIGINT NOT NULL);"
				    "INSERT INTO counter VALUES (0)",
				    &err),
			 STATUS_OK);
	race(f, "counter", bump_once, retries);
	assert_int_equal(retries[0] + retries[1], 1);
	n = testenv_db_text(f->path, "SELECT n FROM counter");
	assert_string_equal(n, "2");
	free(n);
}

/* Runs c->sql. */
static enum status run_sql(struct store *store, void *arg, struct err *err)
{
	struct counted *c = arg;

	c->calls++;
	return store_exec(store, c->sql, err);
}

/* A constraint violation is the change's fault, not a race: it runs
 * once, its error comes back, and nothing is stored. */
static void test_constraint_not_retried(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct counted c = { 0, "INSERT INTO domain (name, created)"
				" VALUES ('other.example', '2026-12-05');"
				"INSERT INTO domain (name, created)"
				" VALUES ('example.com', '2026-12-05')" };
	char *n;

	assert_int_equal(store_transact(f->store, run_sql, &c, &err),
			 STATUS_DB);
	assert_int_equal(c.calls, 1);
	assert_int_equal(store_retries(f->store), 0);
	err_done(&err);
	n = testenv_db_text(f->path, "SELECT count(*) FROM domain");
	assert_string_equal(n, "1");
	free(n);
}

/* A change that loses every time (the server says 40001 each time) is
 * tried STORE_TRANSACT_ATTEMPTS times, then refused with a message
 * naming the database and saying to run the command again. */
static void test_attempts_bounded(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct counted c = { 0, "DO $$ BEGIN RAISE EXCEPTION"
				" 'lost' USING ERRCODE = '40001'; END $$" };
	char *name = store_target_name(f->path);

	assert_int_equal(store_transact(f->store, run_sql, &c, &err),
			 STATUS_REFUSED);
	assert_int_equal(c.calls, STORE_TRANSACT_ATTEMPTS);
	assert_int_equal(store_retries(f->store), STORE_TRANSACT_ATTEMPTS - 1);
	assert_non_null(strstr(err_message(&err), name));
	assert_non_null(strstr(err_message(&err), "run the command again"));
	err_done(&err);
	free(name);
}

/* Counts what report import refuses. */
static void count_reject(void *arg, const struct err *err)
{
	(void)err;
	++*(int *)arg;
}

/* A report import whose transaction loses a race (here the server says
 * deadlock_detected, SQLSTATE 40P01, from a trigger) is the database's
 * doing, not the file's: the import stops saying to run it again, the
 * report is not counted as refused, and nothing is stored, so that the
 * next run imports it once. */
static void test_import_conflict_not_rejected(void **state)
{
	struct fixture *f = *state;
	struct err err = ERR_INIT;
	struct report_import_stats stats;
	int rejects = 0;
	char *n;

	assert_int_equal(
	    store_exec(f->store,
		       "CREATE FUNCTION lose() RETURNS trigger AS $$ BEGIN"
		       " RAISE EXCEPTION 'lost' USING ERRCODE = '40P01';"
		       " END $$ LANGUAGE plpgsql;"
		       "CREATE TRIGGER lose BEFORE INSERT ON report"
		       " FOR EACH ROW EXECUTE FUNCTION lose()",
		       &err),
	    STATUS_OK);
	memset(&stats, 0, sizeof stats);
	assert_int_equal(report_import_path(f->store,
					    ABS_SRCDIR "/fuzz/seeds/fuzz_report"
						       "/rfc7489.xml",
					    NULL, &stats, count_reject,
					    &rejects, &err),
			 STATUS_REFUSED);
	assert_non_null(strstr(err_message(&err), "run the command again"));
	err_done(&err);
	assert_int_equal(rejects, 0);
	assert_int_equal(stats.rejected, 0);
	assert_int_equal(stats.imported, 0);
	n = testenv_db_text(f->path, "SELECT count(*) FROM report");
	assert_string_equal(n, "0");
	free(n);
	/* The race gone, the same file imports. */
	assert_int_equal(
	    store_exec(f->store, "DROP TRIGGER lose ON report", &err),
	    STATUS_OK);
	assert_int_equal(report_import_path(f->store,
					    ABS_SRCDIR "/fuzz/seeds/fuzz_report"
						       "/rfc7489.xml",
					    NULL, &stats, count_reject,
					    &rejects, &err),
			 STATUS_OK);
	assert_int_equal(stats.imported, 1);
	assert_int_equal(rejects, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_settings_two_operators,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_constraint_not_retried,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_conflict,
						setup_postgres, teardown),
		cmocka_unit_test_setup_teardown(test_attempts_bounded,
						setup_postgres, teardown),
		cmocka_unit_test_setup_teardown(
		    test_import_conflict_not_rejected, setup_postgres,
		    teardown),
	};

	return cmocka_run_group_tests_name("transact", tests, NULL, NULL);
}
