/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `report fetch`: imports the DMARC reports waiting in the configured
 * IMAP mailbox through the same import as `report import`, then moves
 * each imported message to the archive folder (or flags it seen).
 * Resumable: each message is its own transaction and the folder's
 * progress is stored after each one, so a run cut short loses nothing
 * and a re-run imports nothing twice. */
#ifndef DMARCPILOT_APP_REPORT_FETCH_H
#define DMARCPILOT_APP_REPORT_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "app/config_file.h"
#include "store/report_store.h"
#include "store/store.h"
#include "util/status.h"

/* What the operator may change for one run. */
struct report_fetch_options {
	const char *folder;   /* instead of the configured folder, or NULL */
	const char *archive;  /* instead of the configured archive, or NULL */
	long timeout_seconds; /* connect and stall limit, 0 for the default */
};

/* What a run did. */
struct report_fetch_result {
	char *server; /* host:port */
	char *folder;
	unsigned long messages;   /* messages looked at */
	unsigned long archived;   /* moved to the archive or flagged seen */
	unsigned long failed_new; /* failed for the first time (named) */
	unsigned long failing;    /* failed before and failed again */
	unsigned long recovered;  /* failed before, imported now */
	int uidvalidity_reset;    /* the folder's UIDs were renumbered */
	struct report_import_stats stats; /* as `report import` counts */
};

/* Told about each message as it is reached: done of total. */
typedef void (*report_fetch_progress_fn)(void *arg, size_t done, size_t total);

/* Told once about each message that fails to import; message names the
 * folder and UID and says why. */
typedef void (*report_fetch_failed_fn)(void *arg, const char *message);

/* Runs one fetch. Returns STATUS_OK when the mailbox was read to the end
 * (failed messages are counted, not errors); otherwise the error names
 * the server and what was being done, and what was done before it is
 * kept. The caller frees result with report_fetch_result_done(). */
enum status report_fetch(struct store *store, const struct config *cfg,
			 const struct report_fetch_options *options,
			 struct report_fetch_result *result,
			 report_fetch_progress_fn on_progress,
			 report_fetch_failed_fn on_failed, void *arg,
			 struct err *err);

/* Frees the strings of a result. */
void report_fetch_result_done(struct report_fetch_result *result);

#endif
