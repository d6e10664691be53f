/* The database: created where the operator expects, migrated forward,
 * and never opened by a build older than its schema. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/testenv.h"
#include "store/store.h"
#include "util/xalloc.h"

/* A new database in a directory that does not exist yet. */
static void test_open_creates_and_migrates(void **state)
{
	char *dir = testenv_mkdtemp();
	char *path = xasprintf("%s/sub/dir/dmarcpilot.db", dir);
	struct store *store;
	struct err err = ERR_INIT;
	sqlite3_stmt *stmt;
	struct stat st;

	assert_int_equal(store_open(&store, path, &err), STATUS_OK);
	assert_int_equal(sqlite3_prepare_v2(store_db(store),
					    "PRAGMA user_version", -1, &stmt,
					    NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(stmt, 0), STORE_SCHEMA_VERSION);
	sqlite3_finalize(stmt);
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
	sqlite3_stmt *stmt;

	assert_int_equal(store_open(&store, path, &err), STATUS_OK);
	assert_int_equal(store_begin(store, &err), STATUS_OK);
	assert_int_equal(store_exec(store,
				    "INSERT INTO domain(name, created) VALUES"
				    " ('example.com', '2026-11-23')",
				    &err),
			 STATUS_OK);
	store_rollback(store);
	sqlite3_prepare_v2(store_db(store), "SELECT count(*) FROM domain", -1,
			   &stmt, NULL);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(stmt, 0), 0);
	sqlite3_finalize(stmt);
	store_close(store);
	testenv_rmdir(dir);
	free(path);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_creates_and_migrates),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_rollback),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
