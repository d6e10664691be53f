/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ARC (RFC 8617): the chain of ARC sets that forwarders (mailing lists,
 * forwarding services) seal, validated so that 'mail check' can say
 * whether forwarded mail still carries trustworthy results, and which
 * hop broke the chain when it does not. */
#ifndef DMARCPILOT_ARC_H
#define DMARCPILOT_ARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dkim/dkim_verify.h"
#include "dns/dns.h"

/* RFC 8617 4.2.1: the most instances a chain may have. */
#define ARC_MAX_INSTANCES 50

/* One ARC set (RFC 8617 4.1): the three fields of one instance. */
struct arc_hop {
	bool has_aar, has_ams, has_seal;
	size_t aar, ams, seal;        /* field indexes in the message */
	struct dkim_check ams_check;  /* ARC-Message-Signature */
	struct dkim_check seal_check; /* ARC-Seal */
	char *authserv_id;            /* of the ARC-Authentication-Results */
};

/* The chain and the verdict on it (RFC 8617 5.2). */
struct arc_chain {
	struct arc_hop *hops; /* hops[k] is instance k + 1 */
	size_t count;         /* the highest instance; 0 without ARC */
	const char *result;   /* "none", "pass", "fail" */
	int broken;           /* the instance that broke it, 0 if none or
				 not attributable */
	char *detail;         /* translated explanation, or NULL */
	int oldest_pass;      /* the lowest instance whose AMS still
				 verifies (RFC 8617 5.2 step 6), 0 if none */
};

/* Reads the ARC sets of msg, checks their structure (one of each field
 * per instance, 1..N without gaps, cv= none at 1 and pass above) and
 * starts the key lookups of every AMS and seal on dns. msg must outlive
 * chain; the caller runs the resolver, then calls arc_finish(). */
void arc_start(struct dns *dns, const struct dkim_msg *msg,
	       struct arc_chain *chain);

/* Validates the newest AMS and every seal from the newest down; the
 * first failure names its instance. now is for x= of the AMS. */
void arc_finish(const struct dkim_msg *msg, struct arc_chain *chain,
		int64_t now);

void arc_chain_done(struct arc_chain *chain);

#endif
