/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "store/mailbox_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>

#include "store/state_internal.h"
#include "util/i18n.h"
#include "util/xalloc.h"

/* Reads a folder's progress. */
enum status mailbox_progress_get(struct store *store, const char *mailbox,
				 struct mailbox_progress *out,
				 struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;
	int rc;

	out->uidvalidity = 0;
	out->last_uid = 0;
	if ((st = state_stmt_prepare(store, &stmt,
				     "SELECT uidvalidity, last_uid FROM "
				     "mailbox_progress WHERE mailbox = ?1",
				     err)))
		return st;
	state_bind_text(stmt, 1, mailbox);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		out->uidvalidity = (uint32_t)sqlite3_column_int64(stmt, 0);
		out->last_uid = (uint32_t)sqlite3_column_int64(stmt, 1);
	} else if (rc != SQLITE_DONE) {
		st = store_error(store, err, _("reading a mailbox's progress"));
	}
	sqlite3_finalize(stmt);
	return st;
}

/* Stores a folder's progress, in one transaction with the clean-up of
 * failures that a new UIDVALIDITY makes meaningless. */
enum status mailbox_progress_set(struct store *store, const char *mailbox,
				 const struct mailbox_progress *progress,
				 struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;

	if ((st = store_begin(store, err)))
		return st;
	if ((st = state_stmt_prepare(store, &stmt,
				     "DELETE FROM mailbox_failed WHERE "
				     "mailbox = ?1 AND uidvalidity <> ?2",
				     err)))
		goto out;
	state_bind_text(stmt, 1, mailbox);
	sqlite3_bind_int64(stmt, 2, progress->uidvalidity);
	if ((st = state_stmt_done(store, stmt,
				  _("forgetting a mailbox's failures"), NULL,
				  err)))
		goto out;
	sqlite3_finalize(stmt);
	stmt = NULL;
	if ((st = state_stmt_prepare(
		     store, &stmt,
		     "INSERT INTO mailbox_progress (mailbox, uidvalidity, "
		     "last_uid) VALUES (?1, ?2, ?3) ON CONFLICT (mailbox) DO "
		     "UPDATE SET uidvalidity = excluded.uidvalidity, "
		     "last_uid = excluded.last_uid",
		     err)))
		goto out;
	state_bind_text(stmt, 1, mailbox);
	sqlite3_bind_int64(stmt, 2, progress->uidvalidity);
	sqlite3_bind_int64(stmt, 3, progress->last_uid);
	st = state_stmt_done(store, stmt, _("storing a mailbox's progress"),
			     NULL, err);
out:
	sqlite3_finalize(stmt);
	return state_finish(store, st, err);
}

/* Lists the failed UIDs. */
enum status mailbox_failed_list(struct store *store, const char *mailbox,
				uint32_t uidvalidity, uint32_t **uids,
				size_t *count, struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	size_t cap = 0;
	enum status st;
	int rc;

	*uids = NULL;
	*count = 0;
	if ((st = state_stmt_prepare(store, &stmt,
				     "SELECT uid FROM mailbox_failed WHERE "
				     "mailbox = ?1 AND uidvalidity = ?2 "
				     "ORDER BY uid",
				     err)))
		return st;
	state_bind_text(stmt, 1, mailbox);
	sqlite3_bind_int64(stmt, 2, uidvalidity);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*uids = xgrow(*uids, &cap, *count + 1, sizeof **uids);
		(*uids)[(*count)++] = (uint32_t)sqlite3_column_int64(stmt, 0);
	}
	if (rc != SQLITE_DONE) {
		st = store_error(store, err, _("reading a mailbox's failures"));
		free(*uids);
		*uids = NULL;
		*count = 0;
	}
	sqlite3_finalize(stmt);
	return st;
}

/* Records a failure, saying whether it is new. */
enum status mailbox_failed_add(struct store *store, const char *mailbox,
			       uint32_t uidvalidity, uint32_t uid,
			       const char *error, bool *is_new,
			       struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;

	*is_new = false;
	if ((st = state_stmt_prepare(
		     store, &stmt,
		     "INSERT INTO mailbox_failed (mailbox, uidvalidity, uid, "
		     "error, first_failed) VALUES (?1, ?2, ?3, ?4, ?5) "
		     "ON CONFLICT DO NOTHING",
		     err)))
		return st;
	state_bind_text(stmt, 1, mailbox);
	sqlite3_bind_int64(stmt, 2, uidvalidity);
	sqlite3_bind_int64(stmt, 3, uid);
	state_bind_text(stmt, 4, error);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)time(NULL));
	st = state_stmt_done(store, stmt, _("recording a failed message"),
			     NULL, err);
	/* DO NOTHING changes no row for a failure known already. */
	if (st == STATUS_OK)
		*is_new = sqlite3_changes(store_db(store)) > 0;
	sqlite3_finalize(stmt);
	return st;
}

/* Forgets a failure. */
enum status mailbox_failed_remove(struct store *store, const char *mailbox,
				  uint32_t uidvalidity, uint32_t uid,
				  struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;

	if ((st = state_stmt_prepare(store, &stmt,
				     "DELETE FROM mailbox_failed WHERE "
				     "mailbox = ?1 AND uidvalidity = ?2 AND "
				     "uid = ?3",
				     err)))
		return st;
	state_bind_text(stmt, 1, mailbox);
	sqlite3_bind_int64(stmt, 2, uidvalidity);
	sqlite3_bind_int64(stmt, 3, uid);
	st = state_stmt_done(store, stmt, _("forgetting a failed message"),
			     NULL, err);
	sqlite3_finalize(stmt);
	return st;
}
