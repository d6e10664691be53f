/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "store/reverse_store.h"

#include <stdlib.h>

#include "store/state_internal.h"
#include "util/i18n.h"

/* Reads the unexpired results, one prepared statement for all. */
enum status reverse_names_lookup(struct store *store, struct reverse_name *v,
				 size_t n, int64_t now, struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(store, &stmt,
				"SELECT name FROM reverse_name "
				"WHERE ip = ?1 AND expires > ?2",
				err)))
		return st;
	for (size_t i = 0; i < n && st == STATUS_OK; i++) {
		db_reset(stmt);
		db_bind_text(stmt, 1, v[i].ip);
		db_bind_int64(stmt, 2, now);
		st = store_first(store, stmt, &v[i].known,
				 _("reading the kept reverse names"), err);
		v[i].name = v[i].known ? store_column_str(stmt, 0) : NULL;
	}
	db_finalize(stmt);
	return st;
}

/* Reverse names being saved by store_transact(). */
struct names_put {
	const struct reverse_name *v;
	size_t n;
	int64_t now;
};

/* Writes the names and deletes the expired ones. */
static enum status names_run(struct store *store, void *arg, struct err *err)
{
	const struct names_put *a = arg;
	const struct reverse_name *v = a->v;
	size_t n = a->n;
	int64_t now = a->now;
	static const char *const sql[2] = {
		"INSERT INTO reverse_name (ip, name, expires) "
		"VALUES (?1, ?2, ?3) ON CONFLICT (ip) DO UPDATE SET "
		"name = excluded.name, expires = excluded.expires",
		"DELETE FROM reverse_name WHERE expires <= ?1",
	};
	struct db_stmt *stmt[2] = { NULL, NULL };
	enum status st = STATUS_OK;

	for (int k = 0; k < 2 && st == STATUS_OK; k++)
		st = store_prepare(store, &stmt[k], sql[k], err);
	for (size_t i = 0; i < n && st == STATUS_OK; i++) {
		db_reset(stmt[0]);
		db_bind_text(stmt[0], 1, v[i].ip);
		db_bind_text(stmt[0], 2, v[i].name);
		db_bind_int64(stmt[0], 3, v[i].expires);
		st = store_done(store, stmt[0], _("keeping the reverse names"),
				NULL, err);
	}
	if (st == STATUS_OK) {
		db_bind_int64(stmt[1], 1, now);
		st = store_done(store, stmt[1],
				_("forgetting expired reverse names"), NULL,
				err);
	}
	db_finalize(stmt[0]);
	db_finalize(stmt[1]);
	return st;
}

/* Replaces the results and drops the expired ones. */
enum status reverse_names_save(struct store *store,
			       const struct reverse_name *v, size_t n,
			       int64_t now, struct err *err)
{
	struct names_put a = { v, n, now };

	return store_transact(store, names_run, &a, err);
}
