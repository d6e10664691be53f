/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SQLite database (DESIGN.md section 7): opening, the versioned
 * schema and its migrations, transactions. Only src/core/store/ talks
 * SQL: the rest of the program calls its repositories (state.h,
 * report_store.h, report_query.h), which run inside
 * store_begin/commit. */
#ifndef DMARCPILOT_STORE_H
#define DMARCPILOT_STORE_H

#include "util/status.h"

struct store;

/* The schema version this build writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 8

/* Opens (creating the file and its directory, 0700) and migrates the
 * database forward. A database newer than this build is refused with
 * STATUS_UNSUPPORTED. The caller frees with store_close(). */
enum status store_open(struct store **out, const char *path, struct err *err);

/* Closes the database; NULL is allowed. */
void store_close(struct store *store);

/* The path it was opened with. */
const char *store_path(const struct store *store);

/* Transactions: BEGIN IMMEDIATE, COMMIT, ROLLBACK. Not nestable. */
enum status store_begin(struct store *store, struct err *err);
enum status store_commit(struct store *store, struct err *err);
void store_rollback(struct store *store);

/* Turns the connection's last error into STATUS_DB with SQLite's own
 * message, prefixed with what was being done. */
enum status store_error(struct store *store, struct err *err,
			const char *what);

/* Runs SQL with no result rows. */
enum status store_exec(struct store *store, const char *sql,
		       struct err *err);

/* The default path: $XDG_DATA_HOME/dmarcpilot/dmarcpilot.db, or
 * ~/.local/share/dmarcpilot/dmarcpilot.db; NULL when neither
 * XDG_DATA_HOME nor HOME is set (never the current directory). Caller
 * frees. */
char *store_default_path(void);

#endif
