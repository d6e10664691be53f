/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The per-day sums of imported reports (report_day and
 * report_day_source, schema 11) that report summary and the plan read:
 * the importer adds each new report's records here as it stores them,
 * and writes the sums in the same transaction as the records, so that
 * they always hold exactly what the rows hold. Private to the store. */
#ifndef DMARCPILOT_REPORT_DAYS_H
#define DMARCPILOT_REPORT_DAYS_H

#include <stdbool.h>

#include "report/report.h"
#include "store/store.h"
#include "util/status.h"

struct report_days;

/* An empty set of sums. */
struct report_days *report_days_new(void);

/* Frees it. */
void report_days_free(struct report_days *days);

/* Forgets what was added (the unit it was for is rolled back). */
void report_days_reset(struct report_days *days);

/* Adds one record of the report m; first when it is the report's
 * first, which counts the report on its day. */
void report_days_add(struct report_days *days, const struct report_meta *m,
		     const struct report_row *r, bool first);

/* Adds the sums to the tables inside the open transaction, then
 * forgets them. */
enum status report_days_store(struct report_days *days, struct store *store,
			      struct err *err);

#endif
