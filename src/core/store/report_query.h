/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading the imported aggregate reports back (DESIGN.md section 4):
 * the per-day and per-source sums report analysis is made of. Each
 * query is one statement over the window of one domain, its rows handed
 * to a callback as they come; both read the sums the import keeps per
 * day (report_days.h), not the records, so that the cost grows with
 * the days and sources of the window, not with its reports. */
#ifndef DMARCPILOT_REPORT_QUERY_H
#define DMARCPILOT_REPORT_QUERY_H

#include <stdint.h>

#include "store/store.h"
#include "util/date.h"
#include "util/status.h"

/* Message counts over some set of report records. */
struct report_totals {
	int64_t messages;
	int64_t dmarc_pass; /* DKIM or SPF aligned (RFC 7489 4.2) */
	int64_t spf_aligned;
	int64_t dkim_aligned;
};

/* One day of reports (by the day their period begins). */
struct report_day {
	date_t day;
	struct report_totals t;
	int64_t reports; /* distinct reports that day */
	/* Messages the receivers quarantined or rejected (RFC 7489
	 * 7.2.1.1 disposition); the rest were delivered ("none"). */
	int64_t quarantined, rejected;
};

/* One source IP over the window. Strings live until the callback
 * returns. */
struct report_source {
	const char *ip;
	struct report_totals t;
	/* Failing messages a receiver saw forwarded (reasons forwarded,
	 * mailing_list, trusted_forwarder, or ARC). */
	int64_t forwarded;
	int64_t spf_pass_unaligned; /* SPF passed, but not aligned */
	const char *envelope_from;  /* its most common return-path domain
				       in the window, or NULL */
};

typedef void (*report_day_fn)(void *arg, const struct report_day *day);
typedef void (*report_source_fn)(void *arg, const struct report_source *source);

/* The days of domain's reports from since to until (inclusive;
 * DATE_NONE leaves that end open), in order. */
enum status report_query_days(struct store *store, const char *domain,
			      date_t since, date_t until, report_day_fn fn,
			      void *arg, struct err *err);

/* The sources of the same window, largest volume first (then by
 * address). */
enum status report_query_sources(struct store *store, const char *domain,
				 date_t since, date_t until,
				 report_source_fn fn, void *arg,
				 struct err *err);

/* What is stored of a domain over all time. */
struct report_counts {
	int64_t reports;  /* aggregate reports */
	int64_t failures; /* failure reports */
};

/* Counts domain's aggregate reports (by policy_published domain) and
 * failure reports (by Reported-Domain) into *out. */
enum status report_query_counts(struct store *store, const char *domain,
				struct report_counts *out, struct err *err);

/* One failure report as stored (RFC 5965 3.2, RFC 6591 3.1): each
 * string is NULL when the report did not carry it, and lives until the
 * callback returns. */
struct report_failure_row {
	int64_t id;
	const char *feedback_type; /* "auth-failure" */
	const char *source_ip;
	const char *auth_failure;       /* "dmarc", "dkim", "spf" */
	const char *original_from;      /* the From header's address */
	const char *original_mail_from; /* the envelope sender */
	const char *dkim_domain;        /* DKIM-Signature d= */
	const char *dkim_selector;      /* DKIM-Signature s= */
	const char *spf_domain;
	const char *arrival; /* Arrival-Date as sent */
	const char *delivery_result;
	const char *original_message_id; /* the failed message's */
	const char *source;              /* the file or mail it came in */
	const char *imported;            /* when it was imported */
};

typedef void (*report_failure_fn)(void *arg,
				  const struct report_failure_row *row);

/* The failure reports about domain, the last imported first, at most
 * limit of them (0: all). */
enum status report_query_failures(struct store *store, const char *domain,
				  size_t limit, report_failure_fn fn, void *arg,
				  struct err *err);

#endif
