/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What db.c and the two backends (db_sqlite.c, db_postgres.c) share:
 * the connection and statement each backend extends, and the table of
 * its operations. Not for use outside src/core/store/. */
#ifndef DMARCPILOT_DB_BACKEND_INTERNAL_H
#define DMARCPILOT_DB_BACKEND_INTERNAL_H

#include "store/db_internal.h"

/* A parameter's value as bound. */
struct db_value {
	enum {
		DB_VALUE_NULL,
		DB_VALUE_INT,
		DB_VALUE_DOUBLE,
		DB_VALUE_TEXT
	} type;
	int64_t i;
	double d;
	const char *text; /* borrowed for the call */
};

/* The operations of a backend. */
struct db_ops {
	enum db_backend backend;
	const char *begin_sql;  /* the statement that opens a transaction */
	const char *row_id_sql; /* a self-numbering primary key column */
	/* After a table whose primary key is how it is read: what stores
	 * the rows in that key's order, if the server can. */
	const char *keyed_table_sql;
	void (*close)(struct db *db);
	enum status (*exec)(struct db *db, const char *sql, struct err *err);
	enum status (*prepare)(struct db *db, const char *sql,
			       struct db_stmt **out, struct err *err);
	void (*bind)(struct db_stmt *stmt, int i, const struct db_value *v);
	enum db_step (*step)(struct db_stmt *stmt, struct err *err);
	bool (*column_null)(struct db_stmt *stmt, int i);
	const char *(*column_text)(struct db_stmt *stmt, int i);
	int64_t (*column_int64)(struct db_stmt *stmt, int i);
	double (*column_double)(struct db_stmt *stmt, int i);
	int64_t (*changes)(const struct db_stmt *stmt);
	void (*reset)(struct db_stmt *stmt);
	void (*finalize)(struct db_stmt *stmt);
	int (*column_count)(struct db_stmt *stmt);
	const char *(*column_name)(struct db_stmt *stmt, int i);
	const char *tables_sql; /* lists the tables' names, one a row */
	enum status (*schema_create)(struct db *db, struct err *err);
	enum status (*schema_version)(struct db *db, int *version,
				      struct err *err);
	enum status (*schema_version_set)(struct db *db, int version,
					  struct err *err);
	enum status (*schema_lock)(struct db *db, bool lock, struct err *err);
};

/* The part of a connection every backend has first. */
struct db {
	const struct db_ops *ops;
	char *name;              /* for messages: no password */
	enum db_failure failure; /* of the last call that failed */
	struct db_kept *kept;    /* db_prepare_kept()'s statements */
};

/* The part of a statement every backend has first. */
struct db_stmt {
	struct db *db;
	enum db_failure failure; /* of the last failed step */
};

/* Opens each backend (db_open() chooses). */
enum status db_sqlite_open(struct db **out, const char *path, struct err *err);
enum status db_postgres_open(struct db **out, const char *conninfo,
			     struct err *err);

/* "postgresql://USER@HOST:PORT/DBNAME" for a connection string, no
 * password; NULL when it does not parse. Caller frees. */
char *db_postgres_name(const char *conninfo);

/* Whether a PostgreSQL connection string holds a password. */
bool db_postgres_has_password(const char *conninfo);

#endif
