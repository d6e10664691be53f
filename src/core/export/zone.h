/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zone export (DESIGN.md section 7): the records a domain's plan asks
 * for, as a BIND zone snippet, an nsupdate script that replaces only the
 * exact old values, or JSON; written atomically. */
#ifndef DMARCPILOT_ZONE_H
#define DMARCPILOT_ZONE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmarc/orgdomain.h"
#include "dns/dns.h"
#include "dns/update.h"
#include "plan/rollout.h"
#include "util/status.h"
#include "util/strlist.h"

/* The default TTL of exported records, in seconds. */
#define ZONE_TTL 3600

/* What a record is for. */
enum zone_purpose {
	ZONE_SPF,      /* the SPF record at the domain */
	ZONE_SPF_PART, /* an _spfN part of a split SPF record */
	ZONE_DKIM,     /* a DKIM key record */
	ZONE_DMARC,    /* the DMARC record */
	ZONE_REPORT,   /* DOMAIN._report._dmarc.HOST for an external rua */
};

/* "spf", "spf-part", "dkim", "dmarc", "report". */
const char *zone_purpose_name(enum zone_purpose purpose);

/* One TXT record to publish. */
struct zone_record {
	enum zone_purpose purpose;
	char *name;     /* owner, lower case, no final dot */
	char *value;    /* the whole value (strings joined) */
	char **strings; /* value split into <= 255-octet strings */
	size_t nstrings;
	char *selector; /* ZONE_DKIM: the selector */
	bool foreign;   /* ZONE_REPORT: published in another domain's
			      zone, not this one */
	/* Filled by zone_find_old(): the TXT RR of the same kind served at
	 * name now, as its strings, or none. */
	char **old;
	size_t nold;
	/* Also filled by zone_find_old(): every TXT RR served at name now,
	 * octets and lengths kept (a value may hold a NUL), with their
	 * TTL; NULL when the name has none. The nsupdate script guards
	 * its changes with them. */
	struct dns_answer *served;
};

struct zone_records {
	char *domain;
	struct zone_record *records;
	size_t count;
	uint32_t ttl;
	bool ttl_given; /* ttl was asked for (--ttl): it wins over the
			   TTL an RRset is served with */
	bool ready;     /* the plan calls its next step ready */
	char *withheld; /* the next step left out because it is not
			     ready, as "LABEL: why" (translated), or NULL */
	char *unready;  /* the next step included although it is not
			     ready (zone_collect's next), as its label */
};

/* Collects the records the plan publishes: what is verified live plus
 * the next step when the plan calls it ready (or when next asks for it
 * anyway; z->unready then names it); a next step left out is named in
 * z->withheld with the plan's reasons. That is: the SPF record verified
 * or of the next step with every _spfN part it includes
 * (ZONE_SPF_PART), every DKIM key in use whose record is known (a key
 * only adds what verifiers may use, it never tightens a policy), the
 * DMARC record of the rung verified or of the next one (none before the
 * DKIM phase ends),
 * and the _report._dmarc authorisation each external rua/ruf host must
 * publish (RFC 7489 7.1): external means in another organizational
 * domain by the Public Suffix List od (orgdomain.h, loaded by the
 * caller), so a host under the domain's own registrable domain needs
 * none; with od NULL only the domain itself counts as the same. Free
 * with zone_records_done(). */
void zone_collect(const struct rollout_inputs *in,
		  const struct rollout_plan *plan, bool next,
		  const struct orgdomain *od, struct zone_records *out);

void zone_records_done(struct zone_records *z);

/* One record (an earlier rung that publish --undo puts back) as the
 * records of domain, TTL ZONE_TTL; free with zone_records_done(). */
void zone_records_one(struct zone_records *z, const char *domain,
		      enum zone_purpose purpose, const char *name,
		      const char *value);

/* Splits a value into strings of at most 255 octets (RFC 1035 3.3.14),
 * breaking DKIM records after the tags before p= when it fits. Caller
 * frees with strlist_free(). */
char **zone_split(const char *value, size_t *count);

/* Asks dns (the normal resolver) for the TXT records at every name and
 * keeps, per record, the one of the same kind (v=spf1, v=DMARC1,
 * v=DKIM1 or a key record, ...) as the value it replaces. A name that
 * does not answer is a STATUS_DNS error naming the query. */
enum status zone_find_old(struct zone_records *z, struct dns *dns,
			  struct err *err);

/* The TTL record r is written and published with: z->ttl when
 * ttl_given (--ttl), else the TTL its name's TXT RRset is served with
 * (RFC 2181 5.2: the new record joins that set), else z->ttl (the
 * zone's own default when the caller read it, else ZONE_TTL); a
 * foreign record (another zone's) gets ZONE_TTL. */
uint32_t zone_record_ttl(const struct zone_records *z,
			 const struct zone_record *r);

/* The TTL new records of the zone name is in get: the TTL of the
 * zone's SOA RR (RFC 1035 3.3.13; the zone's $TTL unless it says
 * otherwise), asked of dns, else ZONE_TTL. */
uint32_t zone_soa_ttl(struct dns *dns, const char *name);

/* The BIND snippet: absolute names with the final dot, one RR per line,
 * checked with ldns before it is returned. Records other zones publish
 * (ZONE_REPORT with foreign) are written commented out, with a note.
 * Caller frees *out. */
enum status zone_format_bind(const struct zone_records *z, char **out,
			     struct err *err);

/* The nsupdate script: for each record unless exactly one RR of its kind
 * with its value is served, "prereq" lines that require the TXT RRset at
 * the name to be exactly what was served (or absent), so that a stale or
 * raced script fails instead of leaving two records; "update delete NAME
 * TXT old" for every served RR of the same kind, each by its exact value
 * (never every TXT at the name); "update add" with the TTL the RRset is
 * served with (RFC 2181 5.2) unless ttl_given, else ttl; then "send".
 * Foreign records are left out. Caller frees. */
char *zone_format_nsupdate(const struct zone_records *z);

/* True when record r (after zone_find_old()) is to be changed: it is
 * not foreign and not served as exactly one RR of its kind with its
 * value. */
bool zone_record_changes(const struct zone_record *r);

/* The dynamic update (RFC 2136) of zone that makes every record to
 * change served, with the same guards, deletions, TTL and order as
 * the nsupdate script: for each, the TXT RRset served at its name as
 * prerequisites (or its absence), the served RRs of its kind deleted
 * one by one, the record added. zone may be NULL (the script's case).
 * Free u with dns_update_done(). */
void zone_update(const struct zone_records *z, const char *zone,
		 struct dns_update *u);

/* The JSON form: {"domain", "apex", "ttl", "ready", "withheld",
 * "records": [{"name", "type", "ttl", "purpose", "value", "strings",
 * "old"?, "selector"?, "zone"?}], "unready"}; withheld and unready
 * are null or the text of z->withheld and z->unready. */
json_t *zone_format_json(const struct zone_records *z);

/* Checks that every non-comment line of a snippet is one RR that ldns
 * reads (ldns_rr_new_frm_str); STATUS_PARSE names the line. */
enum status zone_verify(const char *text, struct err *err);

#endif
