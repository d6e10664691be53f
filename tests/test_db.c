/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SQL connection under the store behaves the same on SQLite and on a
 * real PostgreSQL server started on 127.0.0.1: parameters, NULLs, ids,
 * constraints, transactions; and on PostgreSQL, concurrent writers and a
 * lost connection are told apart, and no message shows the password. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/nsd.h"
#include "lib/postgres.h"
#include "lib/testenv.h"
#include "store/db_internal.h"
#include "util/xalloc.h"

/* The server shared by the PostgreSQL cases, started once. */
static struct postgres_server server;
static bool server_up;

/* A fresh database of either backend. */
struct fixture {
	struct db *db;
	char *target; /* the path or URI */
	char *dir;    /* SQLite's directory */
};

/* Opens an empty SQLite file. */
static int sqlite_setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct err err = ERR_INIT;

	f->dir = testenv_mkdtemp();
	f->target = xasprintf("%s/test.db", f->dir);
	assert_int_equal(db_open(&f->db, f->target, &err), STATUS_OK);
	*state = f;
	return 0;
}

/* Opens an empty PostgreSQL database (failing without the server). */
static int postgres_setup(void **state)
{
	static int serial;
	struct fixture *f;
	struct err err = ERR_INIT;
	char *name;

	/* Not installed is a failure, not a skip: a pass would say
	 * PostgreSQL works when nothing was tried. */
	if (!postgres_available())
		fail_msg("initdb and postgres are not installed (INITDB, "
			 "POSTGRES): install postgresql");
	if (!server_up) {
		assert_true(postgres_start(&server));
		server_up = true;
	}
	f = xcalloc(1, sizeof *f);
	name = xasprintf("t%d", ++serial);
	f->target = postgres_create_db(&server, name);
	free(name);
	assert_non_null(f->target);
	if (db_open(&f->db, f->target, &err) != STATUS_OK)
		fail_msg("%s", err_message(&err));
	*state = f;
	return 0;
}

/* Closes and removes what setup made. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	db_close(f->db);
	if (f->dir) {
		testenv_rmdir(f->dir);
		free(f->dir);
	}
	free(f->target);
	free(f);
	return 0;
}

/* The fixture, or a skip when its backend cannot run here. */
static struct fixture *fixture(void **state)
{
	if (!*state)
		skip();
	return *state;
}

/* Runs SQL that must succeed. */
static void exec_ok(struct db *db, const char *sql)
{
	struct err err = ERR_INIT;

	if (db_exec(db, sql, &err) != STATUS_OK)
		fail_msg("%s: %s", sql, err_message(&err));
}

/* Makes the table the cases use, with a self-numbering id. */
static void make_table(struct db *db)
{
	char *sql = xasprintf("CREATE TABLE sender (id %s,"
			      " name TEXT NOT NULL UNIQUE,"
			      " note TEXT, weight REAL, big BIGINT)",
			      db_sql_row_id(db));

	exec_ok(db, sql);
	free(sql);
}

/* Inserts one row and returns its id (RETURNING, in both dialects). */
static int64_t insert(struct db *db, const char *name, const char *note,
		      enum db_failure *failure)
{
	struct db_stmt *s;
	struct err err = ERR_INIT;
	int64_t id = -1;

	assert_int_equal(db_prepare(db,
				    "INSERT INTO sender (name, note, weight,"
				    " big) VALUES (?1, ?2, ?3, ?4)"
				    " RETURNING id",
				    &s, &err),
			 STATUS_OK);
	db_bind_text(s, 1, name);
	db_bind_text(s, 2, note);
	db_bind_double(s, 3, 0.25);
	db_bind_int64(s, 4, INT64_C(1) << 40);
	switch (db_step(s, &err)) {
	case DB_ROW:
		id = db_column_int64(s, 0);
		assert_int_equal(db_step(s, &err), DB_DONE);
		break;
	case DB_DONE:
		fail_msg("no id returned");
		break;
	case DB_ERROR:
		if (failure)
			*failure = db_stmt_failure(s);
		else
			fail_msg("%s", err_message(&err));
		break;
	}
	db_finalize(s);
	err_done(&err);
	return id;
}

/* Rows come back with their values and NULLs; a "?" inside a quoted
 * string is text, not a parameter; ids number themselves. */
static void test_rows_and_parameters(void **state)
{
	struct fixture *f = fixture(state);
	struct err err = ERR_INIT;
	struct db_stmt *s;
	int64_t a, b;

	make_table(f->db);
	a = insert(f->db, "google-workspace", NULL, NULL);
	b = insert(f->db, "sendgrid", "it's the newsletter", NULL);
	assert_true(b > a);
	assert_int_equal(db_prepare(f->db,
				    "SELECT name, note, weight, big, '?' || ?1"
				    " FROM sender WHERE id >= ?2 ORDER BY id",
				    &s, &err),
			 STATUS_OK);
	db_bind_text(s, 1, "x");
	db_bind_int64(s, 2, a);
	assert_int_equal(db_step(s, &err), DB_ROW);
	assert_string_equal(db_column_text(s, 0), "google-workspace");
	assert_true(db_column_null(s, 1));
	assert_null(db_column_text(s, 1));
	assert_true(db_column_double(s, 2) == 0.25);
	assert_true(db_column_int64(s, 3) == INT64_C(1) << 40);
	assert_string_equal(db_column_text(s, 4), "?x");
	assert_int_equal(db_step(s, &err), DB_ROW);
	assert_string_equal(db_column_text(s, 1), "it's the newsletter");
	assert_int_equal(db_step(s, &err), DB_DONE);
	/* Again, with the bindings kept. */
	db_reset(s);
	assert_int_equal(db_step(s, &err), DB_ROW);
	assert_string_equal(db_column_text(s, 0), "google-workspace");
	db_finalize(s);
}

/* A second row with the same UNIQUE value is told apart from other
 * errors, and the message names the database. */
static void test_unique_violation(void **state)
{
	struct fixture *f = fixture(state);
	enum db_failure failure = DB_FAILED;
	struct err err = ERR_INIT;
	struct db_stmt *s;

	make_table(f->db);
	insert(f->db, "sendgrid", NULL, NULL);
	assert_int_equal(insert(f->db, "sendgrid", NULL, &failure), -1);
	assert_int_equal(failure, DB_UNIQUE);
	/* A syntax error is DB_FAILED, with the name in its message. */
	assert_int_equal(db_prepare(f->db, "SELECT nosuchcolumn FROM sender",
				    &s, &err) == STATUS_OK
			     ? db_step(s, &err)
			     : DB_ERROR,
			 DB_ERROR);
	assert_non_null(strstr(err_message(&err), db_name(f->db)));
	if (s)
		assert_int_equal(db_stmt_failure(s), DB_FAILED);
	db_finalize(s);
	err_done(&err);
}

/* The number of rows in the table. */
static int64_t count_rows(struct db *db)
{
	struct db_stmt *s;
	struct err err = ERR_INIT;
	int64_t n;

	assert_int_equal(
	    db_prepare(db, "SELECT count(*) FROM sender", &s, &err), STATUS_OK);
	assert_int_equal(db_step(s, &err), DB_ROW);
	n = db_column_int64(s, 0);
	db_finalize(s);
	return n;
}

/* What a rolled back transaction wrote is gone; a committed one stays;
 * changes counts the rows a statement touched. */
static void test_transactions(void **state)
{
	struct fixture *f = fixture(state);
	struct err err = ERR_INIT;
	struct db_stmt *s;

	make_table(f->db);
	assert_int_equal(db_begin(f->db, &err), STATUS_OK);
	insert(f->db, "a.example", NULL, NULL);
	db_rollback(f->db);
	assert_int_equal(count_rows(f->db), 0);
	assert_int_equal(db_begin(f->db, &err), STATUS_OK);
	insert(f->db, "a.example", NULL, NULL);
	insert(f->db, "b.example", NULL, NULL);
	assert_int_equal(db_commit(f->db, &err), STATUS_OK);
	assert_int_equal(count_rows(f->db), 2);
	assert_int_equal(
	    db_prepare(f->db, "UPDATE sender SET note = ?1", &s, &err),
	    STATUS_OK);
	db_bind_text(s, 1, "checked");
	assert_int_equal(db_step(s, &err), DB_DONE);
	assert_int_equal(db_changes(s), 2);
	db_finalize(s);
}

/* Two operators change the same row at once: one commits, the other's
 * transaction is refused as a conflict, never silently lost. */
static void test_concurrent_writers(void **state)
{
	struct fixture *f = fixture(state);
	struct db *other;
	struct err err = ERR_INIT;
	struct db_stmt *s1, *s2;
	const char *sql = "UPDATE sender SET note = ?1 WHERE name = ?2";

	make_table(f->db);
	insert(f->db, "a.example", NULL, NULL);
	assert_int_equal(db_open(&other, f->target, &err), STATUS_OK);
	assert_int_equal(db_begin(f->db, &err), STATUS_OK);
	assert_int_equal(db_begin(other, &err), STATUS_OK);
	/* Both read, then both write what they read. */
	assert_int_equal(count_rows(f->db), 1);
	assert_int_equal(count_rows(other), 1);
	assert_int_equal(db_prepare(f->db, sql, &s1, &err), STATUS_OK);
	db_bind_text(s1, 1, "first");
	db_bind_text(s1, 2, "a.example");
	assert_int_equal(db_step(s1, &err), DB_DONE);
	assert_int_equal(db_commit(f->db, &err), STATUS_OK);
	assert_int_equal(db_prepare(other, sql, &s2, &err), STATUS_OK);
	db_bind_text(s2, 1, "second");
	db_bind_text(s2, 2, "a.example");
	assert_int_equal(db_step(s2, &err), DB_ERROR);
	assert_int_equal(db_stmt_failure(s2), DB_CONFLICT);
	db_rollback(other);
	db_finalize(s1);
	db_finalize(s2);
	db_close(other);
	err_done(&err);
}

/* The server ends the session: the next statement says the connection
 * was lost, names the server, and never shows the password. */
static void test_connection_lost(void **state)
{
	struct fixture *f = fixture(state);
	struct db *admin;
	struct err err = ERR_INIT;
	struct db_stmt *s;
	char *kill;

	make_table(f->db);
	assert_int_equal(db_open(&admin, f->target, &err), STATUS_OK);
	kill = xasprintf("SELECT pg_terminate_backend(pid) FROM"
			 " pg_stat_activity WHERE pid <> pg_backend_pid()"
			 " AND datname = current_database()");
	exec_ok(admin, kill);
	free(kill);
	db_close(admin);
	assert_int_equal(db_prepare(f->db, "SELECT 1", &s, &err), STATUS_OK);
	assert_int_equal(db_step(s, &err), DB_ERROR);
	assert_int_equal(db_stmt_failure(s), DB_CONN_LOST);
	assert_non_null(strstr(err_message(&err), "127.0.0.1"));
	assert_null(strstr(err_message(&err), server.password));
	db_finalize(s);
	err_done(&err);
}

/* A wrong password or a server that is not there: the error names the
 * server and user, and neither it nor db_name() holds a password. */
static void test_connect_errors_hide_password(void **state)
{
	struct err err = ERR_INIT;
	struct db *db = NULL;
	char *wrong;
	int port = nsd_free_port();

	(void)state;
	if (!postgres_available())
		fail_msg("initdb and postgres are not installed (INITDB, "
			 "POSTGRES): install postgresql");
	assert_true(server_up);
	wrong = xasprintf("postgresql://dmarcpilot:s3cret-word@127.0.0.1:%d/"
			  "postgres",
			  server.port);
	assert_int_equal(db_open(&db, wrong, &err), STATUS_DB);
	assert_null(db);
	assert_non_null(
	    strstr(err_message(&err), "postgresql://dmarcpilot@127.0.0.1:"));
	assert_null(strstr(err_message(&err), "s3cret-word"));
	err_done(&err);
	free(wrong);
	wrong = xasprintf("postgresql://dmarcpilot:s3cret-word@127.0.0.1:%d/"
			  "postgres?connect_timeout=5",
			  port);
	assert_int_equal(db_open(&db, wrong, &err), STATUS_DB);
	assert_null(strstr(err_message(&err), "s3cret-word"));
	assert_non_null(strstr(err_message(&err), "cannot connect"));
	err_done(&err);
	free(wrong);
	/* Malformed: said without quoting the string back. */
	assert_int_equal(
	    db_open(&db, "postgresql://u:s3cret-word@[::1/x", &err),
	    STATUS_USAGE);
	assert_null(strstr(err_message(&err), "s3cret-word"));
	err_done(&err);
}

/* A case on one backend, named after both. */
/* clang-format off */
#define ON(fn, backend, setup)                                         \
	{ #fn " (" backend ")", fn, setup, teardown, NULL }
/* clang-format on */

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON(test_rows_and_parameters, "SQLite", sqlite_setup),
		ON(test_unique_violation, "SQLite", sqlite_setup),
		ON(test_transactions, "SQLite", sqlite_setup),
		ON(test_rows_and_parameters, "PostgreSQL", postgres_setup),
		ON(test_unique_violation, "PostgreSQL", postgres_setup),
		ON(test_transactions, "PostgreSQL", postgres_setup),
		ON(test_concurrent_writers, "PostgreSQL", postgres_setup),
		ON(test_connection_lost, "PostgreSQL", postgres_setup),
		cmocka_unit_test(test_connect_errors_hide_password),
	};
	int failed = cmocka_run_group_tests_name("db", tests, NULL, NULL);

	if (server_up)
		postgres_stop(&server);
	return failed;
}
