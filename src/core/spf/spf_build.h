/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Building an SPF record from an inventory of senders, flattening it
 * under the limit of 10 DNS lookups (RFC 7208 4.6.4), splitting it into
 * chained _spf1, _spf2, ... records when it passes 450 octets, and
 * remembering what was flattened to report drift. */
#ifndef DMARCPILOT_SPF_BUILD_H
#define DMARCPILOT_SPF_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "util/date.h"
#include "dns/dns.h"
#include "util/finding.h"
#include "spf/spf.h"
#include "util/status.h"

/* Builds a record from mechanisms as written ("ip4:192.0.2.0/24",
 * "include:_spf.google.com", "a", "mx:mail.example.com"; an entry may
 * hold several separated by spaces). Duplicates are dropped; the terms
 * are ordered for the cheapest evaluation: ip4, ip6, then a, mx, then
 * includes and the rest, then "-all" (fail_all) or "~all". A term that
 * does not parse, or an "all", redirect or exp among them, gives
 * STATUS_USAGE naming it. The caller frees *out with spf_record_free. */
enum status spf_build(const char *const *mechanisms, size_t count,
		      bool fail_all, struct spf_record **out, struct err *err);

/* The DNS-querying terms of a record itself (its includes count 1 each,
 * not what they contain). */
size_t spf_record_dns_terms(const struct spf_record *record);

/* The lookups a record needs in all (RFC 7208 4.6.4): its own terms and
 * its includes' and redirect's trees, resolved all at once. STATUS_DNS
 * naming the query when a record cannot be fetched. */
enum status spf_record_lookups(struct dns *dns, const struct spf_record *record,
			       size_t *lookups, struct err *err);

/* One TXT record to publish. */
struct spf_txt {
	char *name;  /* owner name: the domain, or _spfN.domain */
	char *value; /* the record as one string */
};

/* One include of the built record, as the flattener saw it. */
struct spf_flat_item {
	char *mechanism;  /* "include:sendgrid.net" */
	size_t cost;      /* lookups it causes: 1 + its tree */
	bool flattenable; /* its tree holds only ip4/ip6/include/all */
	bool rotating;    /* the service rotates addresses: keep if we can */
	bool flattened;   /* replaced by its ranges in the result */
	char **addresses; /* "ip4:..."/"ip6:..." of its tree, sorted */
	size_t naddresses;
};

struct spf_flatten {
	struct spf_txt *records; /* [0] the domain's record, then _spfN */
	size_t nrecords;
	size_t lookups; /* of the published result */
	struct spf_flat_item *items;
	size_t nitems;
};

/* Tells whether the service behind an include rotates its addresses
 * (then flattening it would go stale fast). */
typedef bool (*spf_rotating_fn)(void *arg, const char *mechanism);

/* Flattens record for domain: resolves every include's tree (all at
 * once), then replaces the fewest includes by their ip4/ip6 ranges so
 * that the result needs at most 10 lookups, preferring includes that do
 * not rotate; splits into _spf1.domain, _spf2.domain, ... (each included
 * by the one before) when a record would pass 450 octets. With no
 * flattening needed the record stays as it is (still split when long).
 * STATUS_LIMIT when even flattening every flattenable include is not
 * enough, STATUS_DNS when an include's record cannot be fetched. The
 * caller frees *out with spf_flatten_free(). */
enum status spf_flatten(struct dns *dns, const char *domain,
			const struct spf_record *record,
			spf_rotating_fn rotating, void *arg,
			struct spf_flatten **out, struct err *err);

/* Flattens exactly the includes of record named in flatten (count of
 * them, "include:x" as written: the operator's choice) and keeps the
 * others, whatever the lookups. Every include's tree is resolved (all at
 * once), so each item tells its cost, whether it can be flattened and
 * its ranges; lookups counts the result with its chained _spfN records.
 * STATUS_USAGE naming the include when a chosen one is not an include
 * of the record or cannot be flattened faithfully (a "-ip4", "+all", a,
 * mx, ptr or exists in its tree), STATUS_DNS when an include's record
 * cannot be fetched. Free *out with spf_flatten_free(). */
enum status spf_flatten_chosen(struct dns *dns, const char *domain,
			       const struct spf_record *record,
			       const char *const *flatten, size_t count,
			       struct spf_flatten **out, struct err *err);

void spf_flatten_free(struct spf_flatten *flatten);

/* Lays out a record without flattening: the main record and, past 450
 * octets, the chained _spfN records. For builds without --flatten. */
struct spf_flatten *spf_layout(const char *domain,
			       const struct spf_record *record);

/* An include as it was flattened on a day: what the store remembers
 * (state_flattened_save) to report drift. Strings are owned by whoever
 * made it. */
struct spf_flat_saved {
	char *mechanism;  /* "include:sendgrid.net" */
	char **addresses; /* its "ip4:..."/"ip6:..." terms then */
	size_t naddresses;
	date_t flattened; /* the day */
};

/* Compares what was flattened (saved, count of them) with the
 * includes' ranges now, adding spf.flatten_drift for each that changed
 * or that now holds more than ranges. STATUS_DNS when an include cannot
 * be resolved. */
enum status spf_flatten_drift(struct dns *dns,
			      const struct spf_flat_saved *saved, size_t count,
			      struct findings *findings, struct err *err);

#endif
