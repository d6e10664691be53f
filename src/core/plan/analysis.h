/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the imported aggregate reports say about a domain (DESIGN.md
 * section 4): totals and DMARC / SPF-aligned / DKIM-aligned pass rates
 * per day and per ISO week, and per source IP its volume, reverse DNS,
 * the provider that explains it, its class and the fix. The rollout
 * asks it about "the last 14 days" before each step. */
#ifndef DMARCPILOT_ANALYSIS_H
#define DMARCPILOT_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "util/date.h"
#include "dns/dns.h"
#include "util/finding.h"
#include "util/ip.h"
#include "providers/providers.h"
#include "util/status.h"
#include "store/store.h"

/* The result class of a source (DESIGN.md section 4). */
enum analysis_class {
	ANALYSIS_PASS,         /* every message passed DMARC */
	ANALYSIS_FAIL_KNOWN,   /* failing, but a provider or the domain's own
				  SPF record explains the source */
	ANALYSIS_FAIL_UNKNOWN, /* failing, and nothing explains it */
	ANALYSIS_FORWARDED,    /* failing only where a receiver saw
				  forwarding (reason forwarded, mailing_list,
				  trusted_forwarder, or ARC) */
};

/* What a known sender needs (bits). */
enum analysis_fix {
	ANALYSIS_FIX_SPF = 1,         /* missing from the SPF record */
	ANALYSIS_FIX_DKIM = 2,        /* DKIM not enabled for the domain */
	ANALYSIS_FIX_RETURN_PATH = 4, /* SPF passes for a return-path that
					 is not aligned with the domain */
};

/* Message counts over some set of report records. */
struct analysis_totals {
	int64_t messages;
	int64_t dmarc_pass; /* DKIM or SPF aligned (RFC 7489 4.2) */
	int64_t spf_aligned;
	int64_t dkim_aligned;
};

/* One day, or one ISO week (day is then the Monday). */
struct analysis_period {
	date_t day;
	int iso_year, week; /* ISO 8601 week of day */
	struct analysis_totals t;
};

struct analysis_source {
	char ip[IP_NET_BUFSIZE];
	char *ptr;                       /* forward-confirmed reverse name, or
					  NULL */
	const struct provider *provider; /* from the catalogue, or NULL */
	char *explained_by;              /* the SPF term that passed
					  ("include:_spf.google.com",
					  "ip4:192.0.2.0/24"), "ptr", or
					  NULL */
	const char *spf_result;          /* check_host() against the domain
					  ("pass", "fail", ...), or NULL
					  when not asked */
	bool in_inventory;               /* a sender of the domain's list */
	struct analysis_totals t;
	int64_t failing;      /* messages failing DMARC */
	int64_t forwarded;    /* of those, seen as forwarded */
	double share;         /* of all messages, 0..1 */
	double failing_share; /* failing / all messages, 0..1 */
	enum analysis_class cls;
	unsigned fixes;      /* enum analysis_fix bits */
	char *envelope_from; /* the most common return-path
					  domain, or NULL */
};

struct analysis {
	char *domain;
	date_t since, until; /* inclusive; DATE_ANY when open */
	struct analysis_totals totals;
	double pass_rate; /* dmarc_pass / messages, 0..1 (0 when none) */
	/* Messages less the failing ones of FAIL-unknown and FORWARDED
	 * sources: what the domain's own services sent. */
	int64_t legitimate;
	double legitimate_pass_rate;
	struct analysis_period *days;
	size_t ndays;
	struct analysis_period *weeks;
	size_t nweeks;
	struct analysis_source *sources; /* by volume, largest first */
	size_t nsources;
	size_t reports; /* aggregate reports counted */
	/* Messages the receivers quarantined or rejected (RFC 7489
	 * 7.2.1.1 disposition); the others were delivered. */
	int64_t quarantined, rejected;
	/* Sources whose reverse name or SPF check the DNS deadline cut
	 * off (their ptr is NULL, their SPF result temperror). */
	size_t dns_skipped;
	struct findings findings;
};

/* An open end of the date window. */
#define DATE_ANY DATE_NONE

/* What the analysis may use; every member may be NULL. Without dns there
 * is no reverse DNS and no SPF check (sources are then explained only
 * by the inventory); without providers no provider names. */
struct analysis_options {
	struct dns *dns;
	const struct providers *providers;
	size_t dns_sources_max; /* sources looked up in DNS, largest first;
				   0 means 5000 */
	long dns_deadline_ms;   /* the whole DNS phase ends after this;
				   0 means no limit */
};

/* Analyses the reports of domain whose period starts on a day in
 * [since, until] (DATE_ANY for no bound). A report counts on the UTC day
 * its date_range begins. The caller frees *out with analysis_free(). */
enum status analysis_run(struct store *store, const char *domain, date_t since,
			 date_t until, const struct analysis_options *options,
			 struct analysis **out, struct err *err);

void analysis_free(struct analysis *analysis);

/* "PASS", "FAIL-known-sender", "FAIL-unknown", "FORWARDED". */
const char *analysis_class_name(enum analysis_class c);

/* The translated advice for a known sender's fixes, or NULL when none;
 * caller frees. */
char *analysis_fix_text(const struct analysis *a,
			const struct analysis_source *s);

#endif
