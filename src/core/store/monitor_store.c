/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "store/monitor_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/state_internal.h"
#include "util/i18n.h"
#include "util/xalloc.h"

/* The columns of an alert, in the order alert_map() reads them. */
#define ALERT_COLUMNS                                                         \
	"a.id, a.domain, a.key, a.code, a.severity, a.message, a.opened, "    \
	"a.cleared"

/* Reads an alert's columns starting at column i. */
static void alert_map(sqlite3_stmt *stmt, int i, struct monitor_alert_row *r)
{
	r->id = sqlite3_column_int64(stmt, i);
	r->domain = state_column_text(stmt, i + 1);
	r->key = state_column_text(stmt, i + 2);
	r->code = state_column_text(stmt, i + 3);
	r->severity = state_column_text(stmt, i + 4);
	r->message = state_column_text(stmt, i + 5);
	r->opened = state_column_date(stmt, i + 6);
	r->cleared = state_column_date(stmt, i + 7);
}

/* Frees an alert's strings. */
static void alert_done(struct monitor_alert_row *r)
{
	free(r->domain);
	free(r->key);
	free(r->code);
	free(r->severity);
	free(r->message);
}

/* Maps one row of monitor_alert_list(). */
static bool alert_item(sqlite3_stmt *stmt, void *item)
{
	alert_map(stmt, 0, item);
	return true;
}

/* Lists the alerts. */
enum status monitor_alert_list(struct store *store, const char *domain,
			       bool open_only, struct monitor_alert_row **rows,
			       size_t *count, struct err *err)
{
	struct state_items items = STATE_ITEMS_INIT;
	sqlite3_stmt *stmt = NULL;
	enum status st;

	if ((st = state_stmt_prepare(store, &stmt,
				     "SELECT " ALERT_COLUMNS
				     " FROM monitor_alert a WHERE"
				     " (?1 IS NULL OR a.domain = ?1) AND"
				     " (?2 = 0 OR a.cleared IS NULL)"
				     " ORDER BY a.opened, a.id",
				     err)))
		return st;
	state_bind_text(stmt, 1, domain);
	sqlite3_bind_int(stmt, 2, open_only);
	for (;;) {
		int rc = sqlite3_step(stmt);
		struct monitor_alert_row *r;

		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			st = store_error(store, err, _("reading the alerts"));
			break;
		}
		items.v = xgrow(items.v, &items.cap, items.n + 1, sizeof *r);
		r = (struct monitor_alert_row *)items.v + items.n++;
		memset(r, 0, sizeof *r);
		alert_item(stmt, r);
	}
	sqlite3_finalize(stmt);
	*rows = items.v;
	*count = items.n;
	return st;
}

/* Frees a list of alerts. */
void monitor_alert_rows_free(struct monitor_alert_row *rows, size_t count)
{
	for (size_t i = 0; i < count; i++)
		alert_done(&rows[i]);
	free(rows);
}

/* Runs a statement that changes rows; the error says what. */
static enum status change(struct store *store, sqlite3_stmt *stmt,
			  const char *what, struct err *err)
{
	enum status st = state_stmt_done(store, stmt, what, NULL, err);

	sqlite3_finalize(stmt);
	return st;
}

/* Raises an alert, or opens a cleared one again. */
enum status monitor_alert_raise(struct store *store, const char *domain,
				const char *key, const char *code,
				const char *severity, const char *message,
				date_t day, int64_t *id, struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;
	int rc;

	if ((st = state_stmt_prepare(store, &stmt,
				     "INSERT INTO monitor_alert (domain, key,"
				     " code, severity, message, opened)"
				     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
				     " ON CONFLICT (domain, key) DO UPDATE SET"
				     " code = ?3, severity = ?4, message = ?5,"
				     " opened = ?6, cleared = NULL"
				     " RETURNING id",
				     err)))
		return st;
	state_bind_text(stmt, 1, domain);
	state_bind_text(stmt, 2, key);
	state_bind_text(stmt, 3, code);
	state_bind_text(stmt, 4, severity);
	state_bind_text(stmt, 5, message);
	state_bind_date(stmt, 6, day);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		rc = sqlite3_step(stmt);
	}
	if (rc != SQLITE_DONE)
		st = store_error(store, err, _("raising an alert"));
	sqlite3_finalize(stmt);
	return st;
}

/* Sets one column of an alert: ?1 the id, ?2 the text or day. */
static enum status alert_set(struct store *store, const char *sql,
			     int64_t id, const char *text, date_t day,
			     const char *what, struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;

	if ((st = state_stmt_prepare(store, &stmt, sql, err)))
		return st;
	sqlite3_bind_int64(stmt, 1, id);
	if (text)
		state_bind_text(stmt, 2, text);
	else
		state_bind_date(stmt, 2, day);
	return change(store, stmt, what, err);
}

/* Updates an open alert's text. */
enum status monitor_alert_update(struct store *store, int64_t id,
				 const char *message, struct err *err)
{
	return alert_set(store,
			 "UPDATE monitor_alert SET message = ?2 WHERE id = ?1",
			 id, message, DATE_NONE, _("updating an alert"), err);
}

/* Clears an alert. */
enum status monitor_alert_clear(struct store *store, int64_t id, date_t day,
				struct err *err)
{
	return alert_set(store,
			 "UPDATE monitor_alert SET cleared = ?2 WHERE id = ?1",
			 id, NULL, day, _("clearing an alert"), err);
}

/* Runs sql on the outbox with ?1 the alert, ?2 the event, ?3 the
 * channel (unless NULL) and ?4 extra (unless NULL). */
static enum status outbox_change(struct store *store, const char *sql,
				 int64_t alert_id, const char *event,
				 const char *channel, const char *extra,
				 const char *what, struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;

	if ((st = state_stmt_prepare(store, &stmt, sql, err)))
		return st;
	sqlite3_bind_int64(stmt, 1, alert_id);
	state_bind_text(stmt, 2, event);
	if (channel)
		state_bind_text(stmt, 3, channel);
	if (extra)
		state_bind_text(stmt, 4, extra);
	return change(store, stmt, what, err);
}

/* Owes a channel an event. */
enum status monitor_outbox_add(struct store *store, int64_t alert_id,
			       const char *event, const char *channel,
			       struct err *err)
{
	return outbox_change(store,
			     "INSERT OR IGNORE INTO monitor_outbox"
			     " (alert_id, event, channel) VALUES (?1, ?2, ?3)",
			     alert_id, event, channel, NULL,
			     _("queueing an alert"), err);
}

/* Forgets an event owed on every channel. */
enum status monitor_outbox_drop(struct store *store, int64_t alert_id,
				const char *event, struct err *err)
{
	return outbox_change(store,
			     "DELETE FROM monitor_outbox WHERE alert_id = ?1"
			     " AND event = ?2",
			     alert_id, event, NULL, NULL,
			     _("dropping a queued alert"), err);
}

/* Lists what is owed. */
enum status monitor_outbox_list(struct store *store,
				struct monitor_outbox_row **rows,
				size_t *count, struct err *err)
{
	struct monitor_outbox_row *v = NULL;
	sqlite3_stmt *stmt = NULL;
	size_t n = 0, cap = 0;
	enum status st;

	if ((st = state_stmt_prepare(store, &stmt,
				     "SELECT o.alert_id, o.event, o.channel,"
				     " o.tries, " ALERT_COLUMNS
				     " FROM monitor_outbox o JOIN monitor_alert"
				     " a ON a.id = o.alert_id"
				     " ORDER BY o.channel, o.event DESC,"
				     " a.domain, a.id",
				     err)))
		return st;
	for (;;) {
		int rc = sqlite3_step(stmt);

		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			st = store_error(store, err,
					 _("reading the alerts to send"));
			break;
		}
		v = xgrow(v, &cap, n + 1, sizeof *v);
		memset(&v[n], 0, sizeof *v);
		v[n].alert_id = sqlite3_column_int64(stmt, 0);
		v[n].event = state_column_text(stmt, 1);
		v[n].channel = state_column_text(stmt, 2);
		v[n].tries = sqlite3_column_int(stmt, 3);
		alert_map(stmt, 4, &v[n].alert);
		n++;
	}
	sqlite3_finalize(stmt);
	*rows = v;
	*count = n;
	return st;
}

/* Frees what monitor_outbox_list() gave. */
void monitor_outbox_rows_free(struct monitor_outbox_row *rows, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(rows[i].event);
		free(rows[i].channel);
		alert_done(&rows[i].alert);
	}
	free(rows);
}

/* A delivery is done. */
enum status monitor_outbox_sent(struct store *store, int64_t alert_id,
				const char *event, const char *channel,
				struct err *err)
{
	return outbox_change(store,
			     "DELETE FROM monitor_outbox WHERE alert_id = ?1"
			     " AND event = ?2 AND channel = ?3",
			     alert_id, event, channel, NULL,
			     _("recording a sent alert"), err);
}

/* A delivery failed. */
enum status monitor_outbox_failed(struct store *store, int64_t alert_id,
				  const char *event, const char *channel,
				  const char *error, struct err *err)
{
	return outbox_change(store,
			     "UPDATE monitor_outbox SET tries = tries + 1,"
			     " error = ?4 WHERE alert_id = ?1 AND event = ?2"
			     " AND channel = ?3",
			     alert_id, event, channel, error ? error : "",
			     _("recording a failed alert"), err);
}

/* Records a run. */
enum status monitor_run_add(struct store *store,
			    const struct monitor_run_row *run,
			    struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;

	if ((st = state_stmt_prepare(store, &stmt,
				     "INSERT INTO monitor_run (started, day,"
				     " raised, cleared, open, sent, failed,"
				     " exit_status) VALUES (?1, ?2, ?3, ?4,"
				     " ?5, ?6, ?7, ?8)",
				     err)))
		return st;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)run->started);
	state_bind_date(stmt, 2, run->day);
	sqlite3_bind_int(stmt, 3, run->raised);
	sqlite3_bind_int(stmt, 4, run->cleared);
	sqlite3_bind_int(stmt, 5, run->open);
	sqlite3_bind_int(stmt, 6, run->sent);
	state_bind_text(stmt, 7, run->failed);
	sqlite3_bind_int(stmt, 8, run->exit_status);
	return change(store, stmt, _("recording the monitor run"), err);
}

/* Reads the last run. */
enum status monitor_run_last(struct store *store, struct monitor_run_row *out,
			     bool *found, struct err *err)
{
	sqlite3_stmt *stmt = NULL;
	enum status st;
	int rc;

	memset(out, 0, sizeof *out);
	*found = false;
	if ((st = state_stmt_prepare(store, &stmt,
				     "SELECT started, day, raised, cleared,"
				     " open, sent, failed, exit_status FROM"
				     " monitor_run ORDER BY id DESC LIMIT 1",
				     err)))
		return st;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*found = true;
		out->started = (time_t)sqlite3_column_int64(stmt, 0);
		out->day = state_column_date(stmt, 1);
		out->raised = sqlite3_column_int(stmt, 2);
		out->cleared = sqlite3_column_int(stmt, 3);
		out->open = sqlite3_column_int(stmt, 4);
		out->sent = sqlite3_column_int(stmt, 5);
		out->failed = state_column_text(stmt, 6);
		out->exit_status = sqlite3_column_int(stmt, 7);
	} else if (rc != SQLITE_DONE) {
		st = store_error(store, err, _("reading the last monitor run"));
	}
	sqlite3_finalize(stmt);
	return st;
}
