/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "store/mailbox_store.h"

#include <stdlib.h>
#include <time.h>

#include "store/state_internal.h"
#include "util/i18n.h"
#include "util/xalloc.h"

/* Reads a folder's progress. */
enum status mailbox_progress_get(struct store *store, const char *mailbox,
				 struct mailbox_progress *out, struct err *err)
{
	struct db_stmt *stmt = NULL;
	bool found = false;
	enum status st;

	out->uidvalidity = 0;
	out->last_uid = 0;
	if ((st = store_prepare(store, &stmt,
				"SELECT uidvalidity, last_uid FROM "
				"mailbox_progress WHERE mailbox = ?1",
				err)))
		return st;
	db_bind_text(stmt, 1, mailbox);
	st = store_first(store, stmt, &found, _("reading a mailbox's progress"),
			 err);
	if (found) {
		out->uidvalidity = (uint32_t)db_column_int64(stmt, 0);
		out->last_uid = (uint32_t)db_column_int64(stmt, 1);
	}
	db_finalize(stmt);
	return st;
}

/* A folder's progress being stored by store_transact(). */
struct progress_put {
	const char *mailbox;
	const struct mailbox_progress *progress;
};

/* Drops the stale failures and writes the progress. */
static enum status progress_run(struct store *store, void *arg, struct err *err)
{
	const struct progress_put *a = arg;
	const char *mailbox = a->mailbox;
	const struct mailbox_progress *progress = a->progress;
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(store, &stmt,
				"DELETE FROM mailbox_failed WHERE "
				"mailbox = ?1 AND uidvalidity <> ?2",
				err)))
		goto out;
	db_bind_text(stmt, 1, mailbox);
	db_bind_int64(stmt, 2, progress->uidvalidity);
	if ((st = store_done(store, stmt, _("forgetting a mailbox's failures"),
			     NULL, err)))
		goto out;
	db_finalize(stmt);
	stmt = NULL;
	if ((st = store_prepare(
		 store, &stmt,
		 "INSERT INTO mailbox_progress (mailbox, uidvalidity, "
		 "last_uid) VALUES (?1, ?2, ?3) ON CONFLICT (mailbox) DO "
		 "UPDATE SET uidvalidity = excluded.uidvalidity, "
		 "last_uid = excluded.last_uid",
		 err)))
		goto out;
	db_bind_text(stmt, 1, mailbox);
	db_bind_int64(stmt, 2, progress->uidvalidity);
	db_bind_int64(stmt, 3, progress->last_uid);
	st = store_done(store, stmt, _("storing a mailbox's progress"), NULL,
			err);
out:
	db_finalize(stmt);
	return st;
}

/* Stores a folder's progress, in one transaction with the clean-up of
 * failures that a new UIDVALIDITY makes meaningless. */
enum status mailbox_progress_set(struct store *store, const char *mailbox,
				 const struct mailbox_progress *progress,
				 struct err *err)
{
	struct progress_put a = { mailbox, progress };

	return store_transact(store, progress_run, &a, err);
}

/* Lists the failed UIDs. */
enum status mailbox_failed_list(struct store *store, const char *mailbox,
				uint32_t uidvalidity, uint32_t **uids,
				size_t *count, struct err *err)
{
	struct db_stmt *stmt = NULL;
	struct err failed = ERR_INIT;
	size_t cap = 0;
	enum status st;
	enum db_step rc;

	*uids = NULL;
	*count = 0;
	if ((st = store_prepare(store, &stmt,
				"SELECT uid FROM mailbox_failed WHERE "
				"mailbox = ?1 AND uidvalidity = ?2 "
				"ORDER BY uid",
				err)))
		return st;
	db_bind_text(stmt, 1, mailbox);
	db_bind_int64(stmt, 2, uidvalidity);
	while ((rc = db_step(stmt, &failed)) == DB_ROW) {
		*uids = xgrow(*uids, &cap, *count + 1, sizeof **uids);
		(*uids)[(*count)++] = (uint32_t)db_column_int64(stmt, 0);
	}
	if (rc != DB_DONE) {
		st = store_step_error(store, stmt, &failed,
				      _("reading a mailbox's failures"), NULL,
				      err);
		free(*uids);
		*uids = NULL;
		*count = 0;
	}
	db_finalize(stmt);
	return st;
}

/* Records a failure, saying whether it is new. */
enum status mailbox_failed_add(struct store *store, const char *mailbox,
			       uint32_t uidvalidity, uint32_t uid,
			       const char *error, bool *is_new, struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	*is_new = false;
	if ((st = store_prepare(
		 store, &stmt,
		 "INSERT INTO mailbox_failed (mailbox, uidvalidity, uid, "
		 "error, first_failed) VALUES (?1, ?2, ?3, ?4, ?5) "
		 "ON CONFLICT DO NOTHING",
		 err)))
		return st;
	db_bind_text(stmt, 1, mailbox);
	db_bind_int64(stmt, 2, uidvalidity);
	db_bind_int64(stmt, 3, uid);
	db_bind_text(stmt, 4, error);
	db_bind_int64(stmt, 5, (int64_t)time(NULL));
	st =
	    store_done(store, stmt, _("recording a failed message"), NULL, err);
	/* DO NOTHING changes no row for a failure known already. */
	if (st == STATUS_OK)
		*is_new = db_changes(stmt) > 0;
	db_finalize(stmt);
	return st;
}

/* Forgets a failure. */
enum status mailbox_failed_remove(struct store *store, const char *mailbox,
				  uint32_t uidvalidity, uint32_t uid,
				  struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(store, &stmt,
				"DELETE FROM mailbox_failed WHERE "
				"mailbox = ?1 AND uidvalidity = ?2 AND "
				"uid = ?3",
				err)))
		return st;
	db_bind_text(stmt, 1, mailbox);
	db_bind_int64(stmt, 2, uidvalidity);
	db_bind_int64(stmt, 3, uid);
	st = store_done(store, stmt, _("forgetting a failed message"), NULL,
			err);
	db_finalize(stmt);
	return st;
}
