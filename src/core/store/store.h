/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The database (DESIGN.md section 7): an SQLite file, or a PostgreSQL
 * server shared by a team; opening, the versioned schema and its
 * migrations, transactions. Only src/core/store/ talks
 * SQL: the rest of the program calls its repositories (state.h,
 * report_store.h, report_query.h), which run inside
 * store_begin/commit. */
#ifndef DMARCPILOT_STORE_H
#define DMARCPILOT_STORE_H

#include <stdbool.h>

#include "util/status.h"

struct store;

/* The schema version this build writes (SQLite's PRAGMA user_version;
 * the table dmarcpilot_schema in PostgreSQL). */
#define STORE_SCHEMA_VERSION 12

/* Opens and migrates the database forward: target is an SQLite file
 * (created with its directory, 0700) or a PostgreSQL "postgresql://..."
 * URI or key=value connection string, whose database must exist. A
 * database newer than this build is refused with STATUS_UNSUPPORTED.
 * Errors name the file or server, never a password. The caller frees
 * with store_close(). */
enum status store_open(struct store **out, const char *target, struct err *err);

/* True when target names a PostgreSQL server ("postgresql://...",
 * "postgres://..." or a key=value connection string), not a file. */
bool store_target_is_server(const char *target);

/* True when target is a server's connection string that holds a
 * password (which then must not sit in a file others can read). */
bool store_target_has_password(const char *target);

/* What messages call target, as store_path() would once it is open: no
 * password; NULL for a connection string that does not parse. Caller
 * frees. */
char *store_target_name(const char *target);

/* How many words of a report row's old authentication results
 * (schema 10's dkim_auth and spf_auth columns) opening the database
 * left out of the upgrade because they were not well formed; 0 when it
 * did not upgrade. */
unsigned long store_upgrade_skipped(const struct store *store);

/* Closes the database; NULL is allowed. */
void store_close(struct store *store);

/* The database as messages name it: the file's path, or
 * "postgresql://USER@HOST:PORT/DBNAME" without the password. */
const char *store_path(const struct store *store);

/* Transactions that hold the write lock (BEGIN IMMEDIATE in SQLite,
 * serializable in PostgreSQL), COMMIT, ROLLBACK. Not nestable. */
enum status store_begin(struct store *store, struct err *err);
enum status store_commit(struct store *store, struct err *err);
void store_rollback(struct store *store);

/* How often store_transact() tries a change that keeps losing races,
 * and the longest pause between two tries, in milliseconds. */
#define STORE_TRANSACT_ATTEMPTS 6
#define STORE_TRANSACT_PAUSE_MS 64

/* A change made by store_transact(): it runs inside the transaction
 * and may be run again from its start, so it must undo, or not make,
 * any change of its own outside the database before it returns an
 * error. */
typedef enum status (*store_change_fn)(struct store *store, void *arg,
				       struct err *err);

/* Runs fn in one write transaction (as store_begin()) and commits it.
 * When another transaction won a race (PostgreSQL refused to serialise
 * the two or found them deadlocked; SQLite's lock was busy after the
 * transaction began) the transaction is rolled back and fn runs again,
 * after a short pause that grows with each attempt, at most
 * STORE_TRANSACT_ATTEMPTS times in all; then STATUS_REFUSED says to run
 * the command again. Any other failure of fn or of the commit is
 * returned at once, rolled back. Not nestable. */
enum status store_transact(struct store *store, store_change_fn fn, void *arg,
			   struct err *err);

/* For a database that is thrown away (the demo's): its commits no
 * longer wait for the disk, at the price of the last ones on a crash. */
enum status store_throwaway(struct store *store, struct err *err);

/* Leaves the database one self-contained file that can be copied
 * alone (SQLite: no write-ahead log beside it; nothing to do on a
 * server). */
enum status store_single_file(struct store *store, struct err *err);

/* The default path: $XDG_DATA_HOME/dmarcpilot/dmarcpilot.db, or
 * ~/.local/share/dmarcpilot/dmarcpilot.db; NULL when neither
 * XDG_DATA_HOME nor HOME is set (never the current directory). Caller
 * frees. */
char *store_default_path(void);

#endif
