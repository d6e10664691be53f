/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SQL connection under the store: SQLite (a file, the default) or
 * PostgreSQL (a postgresql:// URI or a key=value connection string),
 * behind one set of calls, so that the repositories are written once.
 * The few differences between the two dialects are answered here and
 * nowhere else. Not for use outside src/core/store/. */
#ifndef DMARCPILOT_DB_INTERNAL_H
#define DMARCPILOT_DB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

struct db;
struct db_stmt;

/* Which server a connection talks to. */
enum db_backend {
	DB_SQLITE,
	DB_POSTGRES,
};

/* The outcome of db_step(). */
enum db_step {
	DB_ROW,   /* a row is ready for the db_column_*() calls */
	DB_DONE,  /* the statement ran to its end */
	DB_ERROR, /* it failed; see db_stmt_failure() and the err */
};

/* Why a statement failed, for the callers that react to it. */
enum db_failure {
	DB_FAILED,    /* anything else */
	DB_UNIQUE,    /* a UNIQUE or PRIMARY KEY constraint refused a row */
	DB_CONFLICT,  /* a concurrent transaction won: retry the whole one */
	DB_CONN_LOST, /* the server went away */
};

/* True when target names a PostgreSQL database rather than a file:
 * "postgresql://..." or "postgres://..." (RFC 3986 URIs, as libpq
 * takes them) or a connection string of key=value words. */
bool db_target_is_postgres(const char *target);

/* What messages call target before it is opened: the file's path, or
 * the server's name as db_name() gives it (NULL for a connection string
 * that does not parse). Caller frees. */
char *db_target_name(const char *target);

/* True when target is a PostgreSQL connection string with a password
 * in it. */
bool db_target_has_password(const char *target);

/* Connects: a PostgreSQL target through libpq, anything else as an
 * SQLite file that must already be creatable (the store makes its
 * directory). Errors name the server or file, never a password. */
enum status db_open(struct db **out, const char *target, struct err *err);

/* Closes the connection and frees it; NULL is allowed. */
void db_close(struct db *db);

/* The backend of an open connection. */
enum db_backend db_backend(const struct db *db);

/* What to call the database in messages: the SQLite path, or
 * "postgresql://USER@HOST:PORT/DBNAME" with no password. */
const char *db_name(const struct db *db);

/* Runs one or more statements separated by semicolons, with no
 * parameters and no result rows. */
enum status db_exec(struct db *db, const char *sql, struct err *err);

/* Prepares one statement. Parameters are written "?1", "?2", ... (or
 * "?" for the next one) in both dialects; PostgreSQL gets "$1", ...
 * outside quoted strings and identifiers. */
enum status db_prepare(struct db *db, const char *sql, struct db_stmt **out,
		       struct err *err);

/* Prepares sql once for the connection's life and hands out that
 * statement again, reset, on every later call with the same text: for
 * the statements run again and again by calls of their own (an import
 * called for each file or mail). Its bindings are those last made. The
 * caller never finalizes it; db_close() does. */
enum status db_prepare_kept(struct db *db, const char *sql,
			    struct db_stmt **out, struct err *err);

/* Binds parameter i (from 1); text NULL binds SQL NULL. The bindings
 * stay until changed, across db_reset(). */
void db_bind_int64(struct db_stmt *stmt, int i, int64_t value);
void db_bind_double(struct db_stmt *stmt, int i, double value);
void db_bind_text(struct db_stmt *stmt, int i, const char *text);
void db_bind_null(struct db_stmt *stmt, int i);

/* Runs the statement on the first call and gives its rows one by one on
 * the next; on DB_ERROR err says what the server said, prefixed with
 * the database's name. */
enum db_step db_step(struct db_stmt *stmt, struct err *err);

/* Why the last db_step() failed. */
enum db_failure db_stmt_failure(const struct db_stmt *stmt);

/* The columns of the current row, from 0. A NULL reads as 0, 0.0 or
 * NULL text; the text stays valid until the next step or reset. */
bool db_column_null(struct db_stmt *stmt, int i);
int64_t db_column_int64(struct db_stmt *stmt, int i);
double db_column_double(struct db_stmt *stmt, int i);
const char *db_column_text(struct db_stmt *stmt, int i);

/* Why the last call on the connection that failed (a step, an exec,
 * a commit) failed: DB_CONFLICT tells a transaction to run again. */
enum db_failure db_failure(const struct db *db);

/* The number of columns of the statement's rows and the name of one,
 * once db_step() has run it. */
int db_column_count(struct db_stmt *stmt);
const char *db_column_name(struct db_stmt *stmt, int i);

/* Rows the statement inserted, changed or deleted, once DB_DONE. */
int64_t db_changes(const struct db_stmt *stmt);

/* Makes the statement ready to run again, its bindings kept. */
void db_reset(struct db_stmt *stmt);

/* Frees the statement; NULL is allowed. */
void db_finalize(struct db_stmt *stmt);

/* Transactions. db_begin() takes the write lock at once in SQLite
 * (BEGIN IMMEDIATE) and starts a serializable transaction in
 * PostgreSQL, so that two writers never interleave in either: the loser
 * gets DB_CONFLICT (PostgreSQL) or waits (SQLite's busy timeout). */
enum status db_begin(struct db *db, struct err *err);
enum status db_commit(struct db *db, struct err *err);
void db_rollback(struct db *db);

/* Dialect: the column type of a row id that numbers itself
 * ("INTEGER PRIMARY KEY" in SQLite, an identity column in PostgreSQL). */
const char *db_sql_row_id(const struct db *db);

/* Dialect: runs schema text (several statements) written once for both
 * servers, with "@ID@" standing for db_sql_row_id() and "@KEYED@", after
 * a table's definition, for what stores its rows in primary key order
 * (SQLite's WITHOUT ROWID; nothing on PostgreSQL). Column types are
 * those both understand: BIGINT, DOUBLE PRECISION, TEXT; "COLLATE
 * NOCASE" compares ASCII letters without case in both (PostgreSQL gets
 * a collation of that name from db_schema_create()). */
enum status db_exec_schema(struct db *db, const char *sql, struct err *err);

/* Dialect: what a new, empty database needs before its first table:
 * nothing in SQLite; the NOCASE collation in PostgreSQL. Inside the
 * migration's transaction. */
enum status db_schema_create(struct db *db, struct err *err);

/* Dialect: the schema version the database is at, 0 when it is new:
 * PRAGMA user_version in SQLite (as every release kept it), a one-row
 * table dmarcpilot_schema in PostgreSQL. */
enum status db_schema_version(struct db *db, int *version, struct err *err);

/* Dialect: records the schema version, inside the migration's
 * transaction. */
enum status db_schema_version_set(struct db *db, int version, struct err *err);

/* Dialect: the names of the tables in the database (dmarcpilot's own
 * schema bookkeeping left out), as an array the caller frees with
 * free() on each and on it. */
enum status db_table_names(struct db *db, char ***names, size_t *count,
			   struct err *err);

/* Dialect: after rows were inserted with their ids given, lets the
 * table's self-numbering key go on after the largest (PostgreSQL's
 * identity sequence; SQLite needs nothing). */
enum status db_row_ids_follow(struct db *db, const char *table,
			      struct err *err);

/* Dialect: keeps other processes from migrating the same database until
 * db_schema_unlock(): a session advisory lock in PostgreSQL (taken
 * before the transaction, so that its snapshot sees what the previous
 * holder committed); nothing in SQLite, whose BEGIN IMMEDIATE already
 * serialises migrations. */
enum status db_schema_lock(struct db *db, struct err *err);
void db_schema_unlock(struct db *db);

/* Dialect: a transaction that only adds rows, whose races with other
 * writers a unique constraint settles (INSERT ... ON CONFLICT): the
 * write lock at once in SQLite, as db_begin(); READ COMMITTED in
 * PostgreSQL, where an insert that meets a row another transaction is
 * adding waits for it and then sees it, rather than failing as
 * serializable would. */
enum status db_begin_append(struct db *db, struct err *err);

/* Dialect: settings for a long run of small transactions that add rows
 * (an import), until db_bulk_end(). SQLite: WAL without an fsync per
 * commit, checkpoints every 64 MiB; a commit stays atomic and survives
 * the program being killed, only a crash of the machine may lose the
 * last ones. PostgreSQL: nothing changes. */
enum status db_bulk_begin(struct db *db, struct err *err);

/* Whether a commit waits until the disk holds it (the default, true);
 * false for a database that is thrown away. */
enum status db_durable(struct db *db, bool durable, struct err *err);

/* Leaves an SQLite database one file that can be copied alone (no
 * write-ahead log beside it); nothing to do on a server. */
enum status db_single_file(struct db *db, struct err *err);
void db_bulk_end(struct db *db);

#endif
