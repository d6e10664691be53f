/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Finding reports in what the operator gives to `report import`: .xml,
 * .xml.gz, .zip and .xml.zip files (libarchive), a single .eml, an mbox,
 * a Maildir, or a folder of any of these, recursively. Each "unit" (a
 * file, or one message of an mbox) is announced, its reports are handed
 * to a sink, and its end is announced with the unit's status, so that
 * the sink can make one transaction of it. */
#ifndef DMARCPILOT_REPORT_INPUT_H
#define DMARCPILOT_REPORT_INPUT_H

#include <stdint.h>

#include "report/arf.h"
#include "report/report.h"
#include "util/status.h"

/* DESIGN.md 8: archives are limited in expanded size and entries. */
#define REPORT_MAX_EXPANDED ((uint64_t)256 * 1024 * 1024)
#define REPORT_MAX_ENTRIES 1000

struct report_limits {
	uint64_t max_expanded; /* uncompressed bytes per unit */
	unsigned max_entries;  /* archive entries per unit */
};

/* clang-format off */
#define REPORT_LIMITS_DEFAULT { REPORT_MAX_EXPANDED, REPORT_MAX_ENTRIES }
/* clang-format on */

/* Where the reports go. begin/end bracket every unit (name is the file,
 * or "FILE: message N" inside an mbox); end receives the unit's status
 * and error (STATUS_OK and empty when it was read completely) and
 * returns non-OK only to stop everything (a database failure). The
 * aggregate handler's arg and failure's arg are both arg. */
struct report_sink {
	enum status (*begin)(void *arg, const char *name, struct err *err);
	enum status (*meta)(void *arg, const struct report_meta *meta,
			    bool *skip, struct err *err);
	enum status (*row)(void *arg, const struct report_meta *meta,
			   const struct report_row *row, struct err *err);
	enum status (*failure)(void *arg, const struct arf_report *report,
			       const char *message_id, struct err *err);
	enum status (*end)(void *arg, const char *name, enum status st,
			   const struct err *unit_err, struct err *err);
	void *arg;
};

/* Reads every report under path (a file or a folder, recursively;
 * symbolic links are followed, a directory loop is a failed unit).
 * Returns STATUS_OK unless the sink's end() stopped it. */
enum status report_input_path(const char *path,
			      const struct report_limits *limits,
			      const struct report_sink *sink, struct err *err);

#endif
