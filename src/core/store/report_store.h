/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Importing reports into the database (DESIGN.md section 4): aggregate
 * reports deduplicated by (org_name, report_id), failure reports by the
 * report mail's Message-ID. Each unit (a file, or one message of an
 * mbox) is one transaction: a malformed one changes nothing, is named in
 * a one-line error, and the import goes on with the next. */
#ifndef DMARCPILOT_REPORT_STORE_H
#define DMARCPILOT_REPORT_STORE_H

#include <stdint.h>

#include "report/report_input.h"
#include "util/status.h"
#include "store/store.h"

/* The most messages one report may count (all its rows together): far
 * above any real report, low enough that sums over years of reports
 * stay inside SQLite's 64-bit integers. */
#define REPORT_MESSAGES_MAX ((int64_t)1000000000000)

struct report_import_stats {
	unsigned long imported;   /* units that added at least one report */
	unsigned long duplicates; /* units whose reports were all known */
	unsigned long rejected;   /* units refused (nothing stored) */
	unsigned long skipped;    /* units with no report (unrelated mail) */
	unsigned long reports;    /* new aggregate reports */
	unsigned long failures;   /* new failure reports */
	uint64_t messages;        /* messages counted by the new reports */
	uint64_t rows;            /* records stored */
};

/* Told about every rejected unit; err's message names it. Also told
 * about a unit imported with a repair (invalid UTF-8 replaced): then
 * err->status is STATUS_OK and the message, a warning, names the unit
 * and the fields. */
typedef void (*report_reject_fn)(void *arg, const struct err *err);

/* Imports everything under path into the database, adding to *stats
 * (which the caller zeroes once). limits may be NULL for the defaults.
 * Returns STATUS_OK unless the database itself failed (err set); bad
 * files are counted in stats->rejected and passed to on_reject. */
enum status report_import_path(struct store *store, const char *path,
			       const struct report_limits *limits,
			       struct report_import_stats *stats,
			       report_reject_fn on_reject, void *arg,
			       struct err *err);

#endif
