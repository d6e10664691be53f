/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What `monitor` remembers between runs: each alert it raised (open
 * until the condition is gone, then cleared), the deliveries still owed
 * to each channel (kept until one succeeds, so that a failing channel is
 * retried on the next run), and each run. Every function works inside
 * the caller's transaction, if any. */
#ifndef DMARCPILOT_MONITOR_STORE_H
#define DMARCPILOT_MONITOR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/store.h"
#include "util/date.h"
#include "util/status.h"

/* One alert as stored. */
struct monitor_alert_row {
	int64_t id;
	char *domain;
	char *key;      /* the code and what it is about: unique per domain */
	char *code;     /* "monitor.dmarc_fail_rate" */
	char *severity; /* "error", "warning", "info" */
	char *message;  /* the text sent (translated when raised) */
	date_t opened;  /* the day it was raised (again) */
	date_t cleared; /* the day it cleared, DATE_NONE while open */
};

/* The alerts of domain (NULL: every domain), open ones only when
 * open_only, oldest first. Free with monitor_alert_rows_free(). */
enum status monitor_alert_list(struct store *store, const char *domain,
			       bool open_only, struct monitor_alert_row **rows,
			       size_t *count, struct err *err);

void monitor_alert_rows_free(struct monitor_alert_row *rows, size_t count);

/* Raises an alert on day: a new row, or a cleared one opened again;
 * *id is its row id. */
enum status monitor_alert_raise(struct store *store, const char *domain,
				const char *key, const char *code,
				const char *severity, const char *message,
				date_t day, int64_t *id, struct err *err);

/* Keeps an open alert's text up to date (the figures move). */
enum status monitor_alert_update(struct store *store, int64_t id,
				 const char *message, struct err *err);

/* Marks an alert cleared on day. */
enum status monitor_alert_clear(struct store *store, int64_t id, date_t day,
				struct err *err);

/* Owes channel the event ("raised" or "cleared") of an alert; owing it
 * twice is owing it once. */
enum status monitor_outbox_add(struct store *store, int64_t alert_id,
			       const char *event, const char *channel,
			       struct err *err);

/* Forgets what is owed for an alert's event on every channel. */
enum status monitor_outbox_drop(struct store *store, int64_t alert_id,
				const char *event, struct err *err);

/* One delivery owed, with the alert it is about. */
struct monitor_outbox_row {
	int64_t alert_id;
	char *event;   /* "raised" or "cleared" */
	char *channel; /* "email", "webhook:NAME" */
	int tries;     /* failed attempts so far */
	struct monitor_alert_row alert;
};

/* Everything owed, by channel, then raised before cleared, then alert.
 * Free with monitor_outbox_rows_free(). */
enum status monitor_outbox_list(struct store *store,
				struct monitor_outbox_row **rows, size_t *count,
				struct err *err);

void monitor_outbox_rows_free(struct monitor_outbox_row *rows, size_t count);

/* A delivery succeeded: it is owed no longer. */
enum status monitor_outbox_sent(struct store *store, int64_t alert_id,
				const char *event, const char *channel,
				struct err *err);

/* A delivery failed: counted, with the error, for the next run. */
enum status monitor_outbox_failed(struct store *store, int64_t alert_id,
				  const char *event, const char *channel,
				  const char *error, struct err *err);

/* One run of `monitor`. */
struct monitor_run_row {
	time_t started;      /* wall clock, UNIX seconds */
	date_t day;          /* the day it took as today */
	int raised, cleared; /* alerts raised and cleared by the run */
	int open;            /* alerts open after it */
	int sent;            /* deliveries that succeeded */
	char *failed;        /* the channels that failed, "a, b", or NULL */
	int exit_status;
};

/* Records a run. */
enum status monitor_run_add(struct store *store,
			    const struct monitor_run_row *run, struct err *err);

/* The last run; *found false when there was none. Free out->failed. */
enum status monitor_run_last(struct store *store, struct monitor_run_row *out,
			     bool *found, struct err *err);

#endif
