/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the parts of the store share (state.c, state_rollout.c,
 * report_store.c, report_query.c and the other repositories); not for
 * use outside src/core/store/. Every function works inside whatever
 * transaction the caller has opened; all of them run on either server
 * through db_internal.h. */
#ifndef DMARCPILOT_STATE_INTERNAL_H
#define DMARCPILOT_STATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/date.h"
#include "util/dname.h"
#include "util/status.h"
#include "store/db_internal.h"
#include "store/store.h"

/* ------------------------------------------------- either server */

/* Runs SQL with no result rows (the schema, tests setting a database
 * up). */
enum status store_exec(struct store *store, const char *sql, struct err *err);

/* The connection. */
struct db *store_conn(struct store *store);

/* Prepares one statement ("?N" parameters); the error names the
 * database. */
enum status store_prepare(struct store *store, struct db_stmt **stmt,
			  const char *sql, struct err *err);

/* Binds a day as "YYYY-MM-DD", or DATE_NONE as NULL. */
void store_bind_date(struct db_stmt *stmt, int i, date_t day);

/* A column as an owned string, or NULL. */
char *store_column_str(struct db_stmt *stmt, int i);

/* A column holding "YYYY-MM-DD", or DATE_NONE when NULL or malformed. */
date_t store_column_date(struct db_stmt *stmt, int i);

/* Turns a failed db_step() (its message in failed, which is freed) into
 * err: STATUS_EXISTS with "NAME: what_exists" for a UNIQUE violation
 * when what_exists is not NULL, STATUS_REFUSED naming the database when
 * a concurrent transaction won, STATUS_DB "NAME: what: message"
 * otherwise. */
enum status store_step_error(struct store *store, struct db_stmt *stmt,
			     struct err *failed, const char *what,
			     const char *what_exists, struct err *err);

/* Runs a prepared statement that returns no rows (the caller finalizes
 * it), as store_step_error() says on failure. */
enum status store_done(struct store *store, struct db_stmt *stmt,
		       const char *what, const char *what_exists,
		       struct err *err);

/* Runs a prepared statement up to its first row: *found says whether
 * there is one, whose columns can then be read (the caller finalizes
 * or resets it). */
enum status store_first(struct store *store, struct db_stmt *stmt, bool *found,
			const char *what, struct err *err);

/* Runs a prepared "INSERT ... RETURNING id" (the caller finalizes it)
 * and sets *id, when id is not NULL, to the new row's id. */
enum status store_insert(struct store *store, struct db_stmt *stmt,
			 const char *what, const char *what_exists, int64_t *id,
			 struct err *err);

/* Maps one result row; called by store_rows() for each. */
typedef void (*store_row_fn)(struct db_stmt *stmt, void *arg);

/* Steps a prepared statement to its end, handing every row to map, and
 * finalizes it; an error names what was being read. */
enum status store_rows(struct store *store, struct db_stmt *stmt,
		       store_row_fn map, void *arg, const char *what,
		       struct err *err);

/* Maps one row into item (zeroed before); false skips the row, which
 * must then have allocated nothing. */
typedef bool (*store_item_fn)(struct db_stmt *stmt, void *item);

/* A growing array of items, filled by store_list(). */
struct state_items {
	void *v;
	size_t n, cap;
};

/* clang-format off */
#define STATE_ITEMS_INIT { NULL, 0, 0 }
/* clang-format on */

/* Runs sql, with ?1 bound to the row id of domain unless domain is NULL
 * (STATUS_NOT_FOUND naming it when there is none), mapping each row into
 * a new item of size bytes at the end of items. On an error what was
 * mapped stays in items, for the caller to free. */
enum status store_list(struct store *store, const char *domain, const char *sql,
		       size_t size, store_item_fn map,
		       struct state_items *items, const char *what,
		       struct err *err);

/* ------------------------------------------------- either server */

/* Looks up a domain's row id; STATUS_NOT_FOUND names the domain and
 * how to add it. */
enum status state_domain_lookup(struct store *store, const char *name,
				int64_t *id, struct err *err);

/* True when the last failure on the store's connection was a
 * concurrent transaction winning (DB_CONFLICT): the caller's
 * transaction can be run again from its start. */
bool store_conflicted(struct store *store);

/* How many transactions store_transact() ran again on this
 * connection, for the tests. */
unsigned store_retries(const struct store *store);

/* Finishes a change: commits on success, rolls back otherwise. */
enum status state_finish(struct store *store, enum status st, struct err *err);

/* The names the store keeps (domains, sender hosts): at least two
 * labels, with the underscore of RFC 8552 names (dname.h). */
#define STATE_NAME_FLAGS DNAME_UNDERSCORE

#endif
