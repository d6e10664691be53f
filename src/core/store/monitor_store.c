/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "store/monitor_store.h"

#include <stdlib.h>
#include <string.h>

#include "store/state_internal.h"
#include "util/i18n.h"
#include "util/xalloc.h"

/* The columns of an alert, in the order alert_map() reads them. */
/* clang-format off */
#define ALERT_COLUMNS                                                         \
	"a.id, a.domain, a.key, a.code, a.severity, a.message, a.opened, "    \
	"a.cleared"
/* clang-format on */

/* Reads an alert's columns starting at column i. */
static void alert_map(struct db_stmt *stmt, int i, struct monitor_alert_row *r)
{
	r->id = db_column_int64(stmt, i);
	r->domain = store_column_str(stmt, i + 1);
	r->key = store_column_str(stmt, i + 2);
	r->code = store_column_str(stmt, i + 3);
	r->severity = store_column_str(stmt, i + 4);
	r->message = store_column_str(stmt, i + 5);
	r->opened = store_column_date(stmt, i + 6);
	r->cleared = store_column_date(stmt, i + 7);
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
static bool alert_item(struct db_stmt *stmt, void *item)
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
	struct db_stmt *stmt = NULL;
	struct err failed = ERR_INIT;
	enum status st;

	if ((st = store_prepare(store, &stmt,
				"SELECT " ALERT_COLUMNS
				" FROM monitor_alert a WHERE"
				/* A type for ?1 where PostgreSQL
				      * cannot infer one. */
				" (CAST(?1 AS TEXT) IS NULL OR"
				" a.domain = ?1) AND"
				" (?2 = 0 OR a.cleared IS NULL)"
				" ORDER BY a.opened, a.id",
				err)))
		return st;
	db_bind_text(stmt, 1, domain);
	db_bind_int64(stmt, 2, open_only);
	for (;;) {
		enum db_step rc = db_step(stmt, &failed);
		struct monitor_alert_row *r;

		if (rc == DB_DONE)
			break;
		if (rc != DB_ROW) {
			st = store_step_error(store, stmt, &failed,
					      _("reading the alerts"), NULL,
					      err);
			break;
		}
		items.v = xgrow(items.v, &items.cap, items.n + 1, sizeof *r);
		r = (struct monitor_alert_row *)items.v + items.n++;
		memset(r, 0, sizeof *r);
		alert_item(stmt, r);
	}
	db_finalize(stmt);
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
static enum status change(struct store *store, struct db_stmt *stmt,
			  const char *what, struct err *err)
{
	enum status st = store_done(store, stmt, what, NULL, err);

	db_finalize(stmt);
	return st;
}

/* Raises an alert, or opens a cleared one again. */
enum status monitor_alert_raise(struct store *store, const char *domain,
				const char *key, const char *code,
				const char *severity, const char *message,
				date_t day, int64_t *id, struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(store, &stmt,
				"INSERT INTO monitor_alert (domain, key,"
				" code, severity, message, opened)"
				" VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
				" ON CONFLICT (domain, key) DO UPDATE SET"
				" code = ?3, severity = ?4, message = ?5,"
				" opened = ?6, cleared = NULL"
				" RETURNING id",
				err)))
		return st;
	db_bind_text(stmt, 1, domain);
	db_bind_text(stmt, 2, key);
	db_bind_text(stmt, 3, code);
	db_bind_text(stmt, 4, severity);
	db_bind_text(stmt, 5, message);
	store_bind_date(stmt, 6, day);
	st = store_insert(store, stmt, _("raising an alert"), NULL, id, err);
	db_finalize(stmt);
	return st;
}

/* Sets one column of an alert: ?1 the id, ?2 the text or day. */
static enum status alert_set(struct store *store, const char *sql, int64_t id,
			     const char *text, date_t day, const char *what,
			     struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(store, &stmt, sql, err)))
		return st;
	db_bind_int64(stmt, 1, id);
	if (text)
		db_bind_text(stmt, 2, text);
	else
		store_bind_date(stmt, 2, day);
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
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(store, &stmt, sql, err)))
		return st;
	db_bind_int64(stmt, 1, alert_id);
	db_bind_text(stmt, 2, event);
	if (channel)
		db_bind_text(stmt, 3, channel);
	if (extra)
		db_bind_text(stmt, 4, extra);
	return change(store, stmt, what, err);
}

/* Owes a channel an event. */
enum status monitor_outbox_add(struct store *store, int64_t alert_id,
			       const char *event, const char *channel,
			       struct err *err)
{
	return outbox_change(store,
			     "INSERT INTO monitor_outbox"
			     " (alert_id, event, channel) VALUES (?1, ?2, ?3)"
			     " ON CONFLICT DO NOTHING",
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
				struct monitor_outbox_row **rows, size_t *count,
				struct err *err)
{
	struct monitor_outbox_row *v = NULL;
	struct db_stmt *stmt = NULL;
	struct err failed = ERR_INIT;
	size_t n = 0, cap = 0;
	enum status st;

	if ((st = store_prepare(store, &stmt,
				"SELECT o.alert_id, o.event, o.channel,"
				" o.tries, " ALERT_COLUMNS
				" FROM monitor_outbox o JOIN monitor_alert"
				" a ON a.id = o.alert_id"
				" ORDER BY o.channel, o.event DESC,"
				" a.domain, a.id",
				err)))
		return st;
	for (;;) {
		enum db_step rc = db_step(stmt, &failed);

		if (rc == DB_DONE)
			break;
		if (rc != DB_ROW) {
			st = store_step_error(store, stmt, &failed,
					      _("reading the alerts to send"),
					      NULL, err);
			break;
		}
		v = xgrow(v, &cap, n + 1, sizeof *v);
		memset(&v[n], 0, sizeof *v);
		v[n].alert_id = db_column_int64(stmt, 0);
		v[n].event = store_column_str(stmt, 1);
		v[n].channel = store_column_str(stmt, 2);
		v[n].tries = (int)db_column_int64(stmt, 3);
		alert_map(stmt, 4, &v[n].alert);
		n++;
	}
	db_finalize(stmt);
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
			    const struct monitor_run_row *run, struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(store, &stmt,
				"INSERT INTO monitor_run (started, day,"
				" raised, cleared, open, sent, failed,"
				" exit_status) VALUES (?1, ?2, ?3, ?4,"
				" ?5, ?6, ?7, ?8)",
				err)))
		return st;
	db_bind_int64(stmt, 1, (int64_t)run->started);
	store_bind_date(stmt, 2, run->day);
	db_bind_int64(stmt, 3, run->raised);
	db_bind_int64(stmt, 4, run->cleared);
	db_bind_int64(stmt, 5, run->open);
	db_bind_int64(stmt, 6, run->sent);
	db_bind_text(stmt, 7, run->failed);
	db_bind_int64(stmt, 8, run->exit_status);
	return change(store, stmt, _("recording the monitor run"), err);
}

/* Reads the last run. */
enum status monitor_run_last(struct store *store, struct monitor_run_row *out,
			     bool *found, struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	memset(out, 0, sizeof *out);
	*found = false;
	if ((st = store_prepare(store, &stmt,
				"SELECT started, day, raised, cleared,"
				" open, sent, failed, exit_status FROM"
				" monitor_run ORDER BY id DESC LIMIT 1",
				err)))
		return st;
	st = store_first(store, stmt, found, _("reading the last monitor run"),
			 err);
	if (*found) {
		out->started = (time_t)db_column_int64(stmt, 0);
		out->day = store_column_date(stmt, 1);
		out->raised = (int)db_column_int64(stmt, 2);
		out->cleared = (int)db_column_int64(stmt, 3);
		out->open = (int)db_column_int64(stmt, 4);
		out->sent = (int)db_column_int64(stmt, 5);
		out->failed = store_column_str(stmt, 6);
		out->exit_status = (int)db_column_int64(stmt, 7);
	}
	db_finalize(stmt);
	return st;
}
