/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SQLite backend of db_internal.h: one file, the default store. */
#include "config.h"

#include "store/db_backend_internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/i18n.h"
#include "util/xalloc.h"

/* How long a writer waits for another's transaction (milliseconds). */
#define DB_SQLITE_BUSY_MS 10000

struct sqlite_db {
	struct db base;
	sqlite3 *conn;
};

struct sqlite_stmt {
	struct db_stmt base;
	sqlite3_stmt *stmt;
	int64_t changes; /* of the run that reached SQLITE_DONE */
};

/* The connection of a generic one. */
static sqlite3 *conn_of(struct db *db)
{
	return ((struct sqlite_db *)db)->conn;
}

/* The statement of a generic one. */
static struct sqlite_stmt *stmt_of(struct db_stmt *stmt)
{
	return (struct sqlite_stmt *)stmt;
}

/* The failure kind of the connection's last error. */
static enum db_failure failure_of(sqlite3 *conn)
{
	switch (sqlite3_extended_errcode(conn)) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return DB_UNIQUE;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_CONFLICT;
	default:
		return DB_FAILED;
	}
}

/* Sets err from the connection's last error, naming the file. */
static enum status sqlite_fail(struct db *db, struct err *err)
{
	db->failure = failure_of(conn_of(db));
	return err_set(err, STATUS_DB, "%s: %s", db->name,
		       sqlite3_errmsg(conn_of(db)));
}

/* Closes. */
static void sqlite_close(struct db *db)
{
	sqlite3_close(conn_of(db));
	free(db->name);
	free(db);
}

/* Runs statements without rows. */
static enum status sqlite_exec(struct db *db, const char *sql, struct err *err)
{
	if (sqlite3_exec(conn_of(db), sql, NULL, NULL, NULL) != SQLITE_OK)
		return sqlite_fail(db, err);
	return STATUS_OK;
}

/* Prepares one statement; "?N" is SQLite's own parameter syntax. */
static enum status sqlite_prepare(struct db *db, const char *sql,
				  struct db_stmt **out, struct err *err)
{
	struct sqlite_stmt *s = xcalloc(1, sizeof *s);

	if (sqlite3_prepare_v2(conn_of(db), sql, -1, &s->stmt, NULL) !=
	    SQLITE_OK) {
		free(s);
		return sqlite_fail(db, err);
	}
	s->base.db = db;
	*out = &s->base;
	return STATUS_OK;
}

/* Binds one parameter; text is copied. */
static void sqlite_bind(struct db_stmt *stmt, int i, const struct db_value *v)
{
	sqlite3_stmt *s = stmt_of(stmt)->stmt;

	switch (v->type) {
	case DB_VALUE_NULL:
		sqlite3_bind_null(s, i);
		break;
	case DB_VALUE_INT:
		sqlite3_bind_int64(s, i, v->i);
		break;
	case DB_VALUE_DOUBLE:
		sqlite3_bind_double(s, i, v->d);
		break;
	case DB_VALUE_TEXT:
		sqlite3_bind_text(s, i, v->text, -1, SQLITE_TRANSIENT);
		break;
	}
}

/* Runs or advances. */
static enum db_step sqlite_step(struct db_stmt *stmt, struct err *err)
{
	struct sqlite_stmt *s = stmt_of(stmt);
	sqlite3 *conn = conn_of(stmt->db);

	switch (sqlite3_step(s->stmt)) {
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		s->changes = sqlite3_changes(conn);
		return DB_DONE;
	default:
		stmt->failure = failure_of(conn);
		sqlite_fail(stmt->db, err);
		return DB_ERROR;
	}
}

/* Whether a column is NULL. */
static bool sqlite_column_null(struct db_stmt *stmt, int i)
{
	return sqlite3_column_type(stmt_of(stmt)->stmt, i) == SQLITE_NULL;
}

/* A column as text. */
static const char *sqlite_column_text(struct db_stmt *stmt, int i)
{
	return (const char *)sqlite3_column_text(stmt_of(stmt)->stmt, i);
}

/* A column as an integer. */
static int64_t sqlite_column_int64(struct db_stmt *stmt, int i)
{
	return sqlite3_column_int64(stmt_of(stmt)->stmt, i);
}

/* A column as a real number. */
static double sqlite_column_double(struct db_stmt *stmt, int i)
{
	return sqlite3_column_double(stmt_of(stmt)->stmt, i);
}

/* Rows changed by the last completed run. */
static int64_t sqlite_changes(const struct db_stmt *stmt)
{
	return ((const struct sqlite_stmt *)stmt)->changes;
}

/* Readies another run, keeping the bindings. */
static void sqlite_reset(struct db_stmt *stmt)
{
	sqlite3_reset(stmt_of(stmt)->stmt);
	stmt_of(stmt)->changes = 0;
}

/* Frees. */
static void sqlite_finalize(struct db_stmt *stmt)
{
	sqlite3_finalize(stmt_of(stmt)->stmt);
	free(stmt);
}

/* The number of columns. */
static int sqlite_column_count(struct db_stmt *stmt)
{
	return sqlite3_column_count(stmt_of(stmt)->stmt);
}

/* A column's name. */
static const char *sqlite_column_name(struct db_stmt *stmt, int i)
{
	return sqlite3_column_name(stmt_of(stmt)->stmt, i);
}

/* Nothing to prepare: NOCASE is SQLite's own collation. */
static enum status sqlite_schema_create(struct db *db, struct err *err)
{
	(void)db;
	(void)err;
	return STATUS_OK;
}

/* PRAGMA user_version, where every release kept the version. */
static enum status sqlite_schema_version(struct db *db, int *version,
					 struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st = STATUS_OK;

	if (sqlite3_prepare_v2(conn_of(db), "PRAGMA user_version", -1, &stmt,
			       NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW)
		st = sqlite_fail(db, err);
	else
		*version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return st;
}

/* Sets PRAGMA user_version (it takes no parameter). */
static enum status sqlite_schema_version_set(struct db *db, int version,
					     struct err *err)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
	return sqlite_exec(db, sql, err);
}

/* BEGIN IMMEDIATE serialises migrations already. */
static enum status sqlite_schema_lock(struct db *db, bool lock, struct err *err)
{
	(void)db;
	(void)lock;
	(void)err;
	return STATUS_OK;
}

static const struct db_ops sqlite_ops = {
	.backend = DB_SQLITE,
	/* Takes the write lock now, not at the first write, so that two
	 * writers queue instead of one failing half-way. */
	.begin_sql = "BEGIN IMMEDIATE",
	.row_id_sql = "INTEGER PRIMARY KEY",
	.keyed_table_sql = " WITHOUT ROWID",
	.close = sqlite_close,
	.exec = sqlite_exec,
	.prepare = sqlite_prepare,
	.bind = sqlite_bind,
	.step = sqlite_step,
	.column_null = sqlite_column_null,
	.column_text = sqlite_column_text,
	.column_int64 = sqlite_column_int64,
	.column_double = sqlite_column_double,
	.changes = sqlite_changes,
	.reset = sqlite_reset,
	.finalize = sqlite_finalize,
	.column_count = sqlite_column_count,
	.column_name = sqlite_column_name,
	.tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
		      " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
		      " ORDER BY name",
	.schema_create = sqlite_schema_create,
	.schema_version = sqlite_schema_version,
	.schema_version_set = sqlite_schema_version_set,
	.schema_lock = sqlite_schema_lock,
};

/* Opens (creating) the file, with foreign keys enforced and a busy
 * timeout for concurrent writers. */
enum status db_sqlite_open(struct db **out, const char *path, struct err *err)
{
	struct sqlite_db *db = xcalloc(1, sizeof *db);
	enum status st;

	db->base.ops = &sqlite_ops;
	db->base.name = xstrdup(path);
	if (sqlite3_open_v2(path, &db->conn,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		st = err_set(err, STATUS_DB, _("%s: cannot open: %s"), path,
			     db->conn ? sqlite3_errmsg(db->conn)
				      : _("out of memory"));
		sqlite_close(&db->base);
		return st;
	}
	sqlite3_busy_timeout(db->conn, DB_SQLITE_BUSY_MS);
	/* WAL with full sync: a kill at any point leaves a valid
	 * database. */
	if ((st = sqlite_exec(&db->base,
			      "PRAGMA journal_mode = WAL;"
			      "PRAGMA synchronous = FULL;"
			      "PRAGMA foreign_keys = ON",
			      err))) {
		sqlite_close(&db->base);
		return st;
	}
	*out = &db->base;
	return STATUS_OK;
}
