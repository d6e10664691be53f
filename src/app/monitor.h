/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `monitor`: one unattended pass over the domains, for a timer or cron.
 * It fetches the reports waiting in the configured mailbox, checks DNS
 * against what was stepped, applies the alert rules to the reports,
 * remembers every alert in the database and sends each one once, and
 * once more when it clears, to the configured channels (mail, webhooks).
 * A delivery that fails is kept and tried again on the next run. */
#ifndef DMARCPILOT_APP_MONITOR_H
#define DMARCPILOT_APP_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "app/config_file.h"
#include "app/report_fetch.h"
#include "app/session.h"
#include "util/date.h"
#include "util/finding.h"
#include "util/status.h"

/* What one run is asked to do. */
struct monitor_options {
	const char *const *domains; /* the domains to watch; none: all */
	size_t ndomains;
	date_t today;         /* the day taken as today */
	time_t now;           /* the wall clock, for the mail's Date */
	bool dry_run;         /* fetch, change and send nothing; say
				       what would be sent */
	long timeout_seconds; /* for the mailbox and the channels; 0
				       for the default */
};

/* Where an alert stands after the run (DESIGN's monitor JSON "state"). */
enum monitor_state {
	MONITOR_NEW,     /* raised by this run */
	MONITOR_OPEN,    /* raised before, still there */
	MONITOR_CLEARED, /* gone since the last run */
};

/* "new", "open", "cleared". */
const char *monitor_state_name(enum monitor_state state);

/* One alert. */
struct monitor_alert {
	char *domain;
	enum finding_code code;
	enum severity severity;
	char *message; /* translated, clean of control characters */
	enum monitor_state state;
	date_t opened; /* the day it was raised */
};

/* One delivery: done, failed, or (dry run) that would be made. */
struct monitor_delivery {
	char *channel; /* "email", "webhook:NAME" */
	size_t alerts; /* events in the message */
	char *error;   /* why it failed, or NULL */
};

/* What a run did. */
struct monitor_result {
	bool fetch_tried; /* a mailbox is configured and it was read */
	bool fetch_ok;
	struct report_fetch_result fetch;
	struct monitor_alert *alerts; /* new, open and cleared */
	size_t nalerts;
	size_t raised, cleared;
	size_t sent;                         /* events delivered to a channel */
	struct monitor_delivery *deliveries; /* one per channel used */
	size_t ndeliveries;
	char **problems; /* what could not be checked, one line each */
	size_t nproblems;
};

/* Runs one pass on day options->today with the session's database and
 * resolver and the configuration's mailbox and channels. Returns an
 * error only when nothing could be done (no database, an unknown
 * domain named); a failed fetch, check or channel is in the result
 * (problems, deliveries' errors) and the rest is done. Free with
 * monitor_result_done(). */
enum status monitor_run(struct session *s, const struct config *cfg,
			const struct monitor_options *options,
			struct monitor_result *result, struct err *err);

void monitor_result_done(struct monitor_result *result);

/* True when a delivery of the result failed. */
bool monitor_result_failed(const struct monitor_result *result);

/* What the wizard's timeline shows: the last run and a domain's open
 * alerts. */
struct monitor_status {
	bool ran;        /* a run was recorded */
	time_t last_run; /* when it started */
	date_t last_day; /* the day it took as today */
	char *failed;    /* the channels it could not reach, or NULL */
	size_t open;     /* the domain's open alerts */
	char *worst;     /* the message of the most severe one, or NULL */
	enum severity worst_severity;
};

/* Reads the status of domain from the database (an absent database or
 * one never monitored gives ran false and nothing open). Free with
 * monitor_status_done(). */
enum status monitor_status_load(struct store *store, const char *domain,
				struct monitor_status *out, struct err *err);

void monitor_status_done(struct monitor_status *status);

#endif
