/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "store/reverse_store.h"

#include <sqlite3.h>
#include <stdlib.h>

#include "store/state_internal.h"
#include "util/i18n.h"

/* Reads the unexpired results, one prepared statement for all. */
enum status reverse_names_lookup(struct store *store, struct reverse_name *v,
				 size_t n, int64_t now, struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;

	if ((st = state_stmt_prepare(store, &stmt,
				     "SELECT name FROM reverse_name "
				     "WHERE ip = ?1 AND expires > ?2",
				     err)))
		return st;
	for (size_t i = 0; i < n && st == STATUS_OK; i++) {
		int rc;

		sqlite3_reset(stmt);
		state_bind_text(stmt, 1, v[i].ip);
		sqlite3_bind_int64(stmt, 2, now);
		rc = sqlite3_step(stmt);
		v[i].known = rc == SQLITE_ROW;
		v[i].name = v[i].known ? state_column_text(stmt, 0) : NULL;
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			st = store_error(store, err,
					 _("reading the kept reverse names"));
	}
	sqlite3_finalize(stmt);
	return st;
}

/* Replaces the results and drops the expired ones. */
enum status reverse_names_save(struct store *store,
			       const struct reverse_name *v, size_t n,
			       int64_t now, struct err *err)
{
	static const char *const sql[2] = {
		"INSERT INTO reverse_name (ip, name, expires) "
		"VALUES (?1, ?2, ?3) ON CONFLICT (ip) DO UPDATE SET "
		"name = excluded.name, expires = excluded.expires",
		"DELETE FROM reverse_name WHERE expires <= ?1",
	};
	sqlite3_stmt *stmt[2] = { NULL, NULL };
	enum status st = store_begin(store, err);

	if (st != STATUS_OK)
		return st;
	for (int k = 0; k < 2 && st == STATUS_OK; k++)
		st = state_stmt_prepare(store, &stmt[k], sql[k], err);
	for (size_t i = 0; i < n && st == STATUS_OK; i++) {
		sqlite3_reset(stmt[0]);
		state_bind_text(stmt[0], 1, v[i].ip);
		state_bind_text(stmt[0], 2, v[i].name);
		sqlite3_bind_int64(stmt[0], 3, v[i].expires);
		st = state_stmt_done(store, stmt[0],
				     _("keeping the reverse names"), NULL,
				     err);
	}
	if (st == STATUS_OK) {
		sqlite3_bind_int64(stmt[1], 1, now);
		st = state_stmt_done(store, stmt[1],
				     _("forgetting expired reverse names"),
				     NULL, err);
	}
	sqlite3_finalize(stmt[0]);
	sqlite3_finalize(stmt[1]);
	return state_finish(store, st, err);
}
