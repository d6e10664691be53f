/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The calls of db_internal.h, handed to the connection's backend. */
#include "config.h"

#include "store/db_backend_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#include "util/strbuf.h"
#include "util/xalloc.h"

/* A URI (RFC 3986 scheme, as libpq reads it) or a key=value string. */
bool db_target_is_postgres(const char *target)
{
	return strncmp(target, "postgresql://", 13) == 0 ||
	       strncmp(target, "postgres://", 11) == 0 ||
	       (strchr(target, '=') && !strchr(target, '/'));
}

/* The name of a target for messages. */
char *db_target_name(const char *target)
{
	if (db_target_is_postgres(target))
		return db_postgres_name(target);
	return xstrdup(target);
}

/* Whether a server's connection string holds a password. */
bool db_target_has_password(const char *target)
{
	return db_target_is_postgres(target) &&
	       db_postgres_has_password(target);
}

/* A statement db_prepare_kept() keeps for the connection's life. */
struct db_kept {
	struct db_kept *next;
	char *sql;
	struct db_stmt *stmt;
};

/* Connects to whichever server target names. */
enum status db_open(struct db **out, const char *target, struct err *err)
{
	*out = NULL;
	if (db_target_is_postgres(target))
		return db_postgres_open(out, target, err);
	return db_sqlite_open(out, target, err);
}

/* Closes and frees. */
void db_close(struct db *db)
{
	if (!db)
		return;
	while (db->kept) {
		struct db_kept *k = db->kept;

		db->kept = k->next;
		db_finalize(k->stmt);
		free(k->sql);
		free(k);
	}
	db->ops->close(db);
}

/* The backend. */
enum db_backend db_backend(const struct db *db)
{
	return db->ops->backend;
}

/* The name for messages. */
const char *db_name(const struct db *db)
{
	return db->name;
}

/* Runs statements without parameters or rows. */
enum status db_exec(struct db *db, const char *sql, struct err *err)
{
	return db->ops->exec(db, sql, err);
}

/* Prepares one statement. */
enum status db_prepare(struct db *db, const char *sql, struct db_stmt **out,
		       struct err *err)
{
	*out = NULL;
	return db->ops->prepare(db, sql, out, err);
}

/* Binds an integer. */
void db_bind_int64(struct db_stmt *stmt, int i, int64_t value)
{
	struct db_value v = { .type = DB_VALUE_INT, .i = value };

	stmt->db->ops->bind(stmt, i, &v);
}

/* Binds a real number. */
void db_bind_double(struct db_stmt *stmt, int i, double value)
{
	struct db_value v = { .type = DB_VALUE_DOUBLE, .d = value };

	stmt->db->ops->bind(stmt, i, &v);
}

/* Binds text, or NULL. */
void db_bind_text(struct db_stmt *stmt, int i, const char *text)
{
	struct db_value v = { .type = text ? DB_VALUE_TEXT : DB_VALUE_NULL,
			      .text = text };

	stmt->db->ops->bind(stmt, i, &v);
}

/* Binds NULL. */
void db_bind_null(struct db_stmt *stmt, int i)
{
	struct db_value v = { .type = DB_VALUE_NULL };

	stmt->db->ops->bind(stmt, i, &v);
}

/* Runs or advances the statement. */
enum db_step db_step(struct db_stmt *stmt, struct err *err)
{
	return stmt->db->ops->step(stmt, err);
}

/* Why the last step failed. */
enum db_failure db_stmt_failure(const struct db_stmt *stmt)
{
	return stmt->failure;
}

/* Why the connection's last failure happened. */
enum db_failure db_failure(const struct db *db)
{
	return db->failure;
}

/* Whether a column of the row is NULL. */
bool db_column_null(struct db_stmt *stmt, int i)
{
	return stmt->db->ops->column_null(stmt, i);
}

/* A column as an integer. */
int64_t db_column_int64(struct db_stmt *stmt, int i)
{
	return stmt->db->ops->column_int64(stmt, i);
}

/* A column as a real number. */
double db_column_double(struct db_stmt *stmt, int i)
{
	return stmt->db->ops->column_double(stmt, i);
}

/* A column as text, or NULL. */
const char *db_column_text(struct db_stmt *stmt, int i)
{
	return stmt->db->ops->column_text(stmt, i);
}

/* The number of columns. */
int db_column_count(struct db_stmt *stmt)
{
	return stmt->db->ops->column_count(stmt);
}

/* A column's name. */
const char *db_column_name(struct db_stmt *stmt, int i)
{
	return stmt->db->ops->column_name(stmt, i);
}

/* Rows changed by the statement. */
int64_t db_changes(const struct db_stmt *stmt)
{
	return stmt->db->ops->changes(stmt);
}

/* Readies the statement for another run. */
void db_reset(struct db_stmt *stmt)
{
	stmt->db->ops->reset(stmt);
}

/* Frees the statement. */
void db_finalize(struct db_stmt *stmt)
{
	if (stmt)
		stmt->db->ops->finalize(stmt);
}

/* Opens a transaction that holds the write lock (see the header). */
enum status db_begin(struct db *db, struct err *err)
{
	db->failure = DB_FAILED;
	return db->ops->exec(db, db->ops->begin_sql, err);
}

/* Commits. */
enum status db_commit(struct db *db, struct err *err)
{
	return db->ops->exec(db, "COMMIT", err);
}

/* Rolls back; a failure leaves nothing to do (the server rolls back a
 * transaction whose connection is gone). */
void db_rollback(struct db *db)
{
	struct err err = ERR_INIT;

	db->ops->exec(db, "ROLLBACK", &err);
	err_done(&err);
}

/* The self-numbering row id column. */
const char *db_sql_row_id(const struct db *db)
{
	return db->ops->row_id_sql;
}

/* Replaces "@ID@" by the backend's self-numbering key and "@KEYED@"
 * (after a table's closing parenthesis) by what keeps its rows in
 * primary key order, and runs it. */
enum status db_exec_schema(struct db *db, const char *sql, struct err *err)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = sql, *at;
	enum status st;

	while ((at = strchr(p, '@'))) {
		strbuf_add(&sb, p, (size_t)(at - p));
		if (strncmp(at, "@ID@", 4) == 0) {
			strbuf_addstr(&sb, db->ops->row_id_sql);
			p = at + 4;
		} else if (strncmp(at, "@KEYED@", 7) == 0) {
			strbuf_addstr(&sb, db->ops->keyed_table_sql);
			p = at + 7;
		} else {
			strbuf_addch(&sb, '@');
			p = at + 1;
		}
	}
	strbuf_addstr(&sb, p);
	st = db->ops->exec(db, strbuf_str(&sb), err);
	strbuf_done(&sb);
	return st;
}

/* Prepares an empty database for the first schema. */
enum status db_schema_create(struct db *db, struct err *err)
{
	return db->ops->schema_create(db, err);
}

/* Reads the schema version. */
enum status db_schema_version(struct db *db, int *version, struct err *err)
{
	*version = 0;
	return db->ops->schema_version(db, version, err);
}

/* Records the schema version. */
enum status db_schema_version_set(struct db *db, int version, struct err *err)
{
	return db->ops->schema_version_set(db, version, err);
}

/* Takes the migration lock. */
enum status db_schema_lock(struct db *db, struct err *err)
{
	return db->ops->schema_lock(db, true, err);
}

/* Releases the migration lock. */
void db_schema_unlock(struct db *db)
{
	struct err err = ERR_INIT;

	db->ops->schema_lock(db, false, &err);
	err_done(&err);
}

/* Lists the tables. */
enum status db_table_names(struct db *db, char ***names, size_t *count,
			   struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;
	enum db_step rc;
	size_t cap = 0;

	*names = NULL;
	*count = 0;
	if ((st = db_prepare(db, db->ops->tables_sql, &stmt, err)))
		return st;
	while ((rc = db_step(stmt, err)) == DB_ROW) {
		*names = xgrow(*names, &cap, *count + 1, sizeof **names);
		(*names)[(*count)++] = xstrdup(db_column_text(stmt, 0));
	}
	if (rc == DB_ERROR)
		st = STATUS_DB;
	db_finalize(stmt);
	return st;
}

/* Moves PostgreSQL's identity sequence past the largest id. */
enum status db_row_ids_follow(struct db *db, const char *table, struct err *err)
{
	char *sql;
	enum status st;

	if (db->ops->backend != DB_POSTGRES)
		return STATUS_OK;
	sql = xasprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'),"
			" coalesce(max(id), 0) + 1, false) FROM %s",
			table, table);
	st = db->ops->exec(db, sql, err);
	free(sql);
	return st;
}

/* Opens a transaction that only adds rows (see the header). */
enum status db_begin_append(struct db *db, struct err *err)
{
	if (db->ops->backend != DB_POSTGRES)
		return db_begin(db, err);
	db->failure = DB_FAILED;
	return db->ops->exec(db, "BEGIN ISOLATION LEVEL READ COMMITTED", err);
}

/* Whether a commit waits until the disk has it: SQLite's synchronous
 * setting, PostgreSQL's synchronous_commit for this session. */
enum status db_durable(struct db *db, bool durable, struct err *err)
{
	if (db->ops->backend == DB_POSTGRES)
		return db->ops->exec(db,
				     durable ? "SET synchronous_commit = on"
					     : "SET synchronous_commit = off",
				     err);
	return db->ops->exec(db,
			     durable ? "PRAGMA synchronous = FULL"
				     : "PRAGMA synchronous = OFF",
			     err);
}

/* SQLite back to a rollback journal, so that the file stands alone
 * (WAL leaves -wal and -shm files beside it); nothing on a server. */
enum status db_single_file(struct db *db, struct err *err)
{
	if (db->ops->backend == DB_POSTGRES)
		return STATUS_OK;
	return db->ops->exec(db, "PRAGMA journal_mode = DELETE", err);
}

/* Turns on the settings for a bulk of appends. */
enum status db_bulk_begin(struct db *db, struct err *err)
{
	/* PostgreSQL keeps its synchronous commit: report fetch moves a
	 * message out of the inbox once its import committed, so a commit
	 * the server could still lose would lose the report. */
	if (db->ops->backend == DB_POSTGRES)
		return STATUS_OK;
	/* Not foreign_keys: changing it makes SQLite prepare every
	 * statement again. */
	return db->ops->exec(db,
			     "PRAGMA synchronous = NORMAL;"
			     "PRAGMA wal_autocheckpoint = 16384",
			     err);
}

/* Turns them off again; a failure leaves nothing to do (the next
 * connection starts with the defaults). */
void db_bulk_end(struct db *db)
{
	struct err err = ERR_INIT;

	if (db->ops->backend != DB_POSTGRES)
		db->ops->exec(db,
			      "PRAGMA synchronous = FULL;"
			      "PRAGMA wal_autocheckpoint = 1000",
			      &err);
	err_done(&err);
}

/* Finds the statement prepared for the same text, or prepares and
 * keeps it. */
enum status db_prepare_kept(struct db *db, const char *sql,
			    struct db_stmt **out, struct err *err)
{
	struct db_kept *k;
	enum status st;

	for (k = db->kept; k; k = k->next)
		if (strcmp(k->sql, sql) == 0) {
			db_reset(k->stmt);
			*out = k->stmt;
			return STATUS_OK;
		}
	if ((st = db_prepare(db, sql, out, err)))
		return st;
	k = xcalloc(1, sizeof *k);
	k->sql = xstrdup(sql);
	k->stmt = *out;
	k->next = db->kept;
	db->kept = k;
	return STATUS_OK;
}
