/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNSSEC as the audit sees it (check --dnssec): each of the domain's
 * records that mail depends on (SPF, DMARC, MX, the zone's DNSKEY) is
 * asked of the same resolver with the AD and DO bits (RFC 6840 5.7,
 * RFC 3225) and judged by what comes back: the AD bit of a validating
 * resolver (RFC 4035 3.2.3), signatures present but not validated, no
 * signatures, or a SERVFAIL that the CD bit (RFC 4035 3.2.2) turns into
 * an answer, which is a signature that does not validate.
 *
 * The resolver's own interface (dns.h) hides the header bits, so these
 * questions go through a channel of their own: c-ares for the
 * transport, ldns to build and read the packets, driven by the audit's
 * poll() loop beside the resolver. */
#ifndef DMARCPILOT_DNSSEC_H
#define DMARCPILOT_DNSSEC_H

#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/finding.h"
#include "util/status.h"
#include "util/strbuf.h"

/* What one answer says about DNSSEC. */
enum dnssec_state {
	DNSSEC_SECURE,      /* AD: the resolver validated it */
	DNSSEC_UNVALIDATED, /* signed (RRSIGs came) but AD is clear: the
			      resolver does not validate, or has no chain
			      of trust to the zone */
	DNSSEC_UNSIGNED,    /* no signatures, no AD */
	DNSSEC_BOGUS,       /* SERVFAIL that the CD bit answers */
	DNSSEC_FAILED,      /* no usable answer (timeout, SERVFAIL) */
};

/* The channel; servers is the --resolver list ("ADDR[:PORT][,...]") or
 * NULL for /etc/resolv.conf, timeout the seconds per question (0: 5).
 * STATUS_DNS with a message when c-ares cannot start. */
struct dnssec_probe;
enum status dnssec_probe_new(struct dnssec_probe **out, const char *servers,
			     double timeout, struct err *err);
void dnssec_probe_free(struct dnssec_probe *p);

/* Poll integration, as for the resolver (dns.h). */
size_t dnssec_pending(const struct dnssec_probe *p);
size_t dnssec_pollfds(struct dnssec_probe *p, struct pollfd *fds, size_t max);
int dnssec_timeout_ms(struct dnssec_probe *p);
void dnssec_process(struct dnssec_probe *p, const struct pollfd *fds,
		    size_t nfds);
/* Ends every question; their records count as DNSSEC_FAILED. */
void dnssec_cancel_all(struct dnssec_probe *p);

/* One record's verdict. */
struct dnssec_record {
	char *name;
	const char *type; /* "TXT", "MX", "DNSKEY" */
	enum dnssec_state state;
	char *detail; /* the rcode or error, or NULL */
};

/* A domain's verdicts, filled in as the answers come; free with
 * dnssec_result_free(). */
struct dnssec_result {
	struct dnssec_record *records;
	size_t count;
	size_t outstanding; /* questions not yet answered */
	struct findings findings;
};

/* Asks about domain's records; done(arg) runs once every verdict is in
 * (from dnssec_process() or dnssec_cancel_all(), never from here). The
 * result is the caller's, and must outlive the questions. */
struct dnssec_result *dnssec_check(struct dnssec_probe *p, const char *domain,
				   void (*done)(void *arg), void *arg);
void dnssec_result_free(struct dnssec_result *r);

/* Adds the domain's findings once every answer is in: dnssec.bogus for
 * each record whose signature fails, dnssec.unsigned when nothing is
 * validated. */
void dnssec_judge(struct dnssec_result *r, const char *domain);

/* "secure", "unvalidated", "unsigned", "bogus", "failed". */
const char *dnssec_state_name(enum dnssec_state state);

/* The domain's overall word: bogus if one record is, else secure when
 * all are, else unvalidated when any is signed, else unsigned (or
 * failed when nothing answered). */
enum dnssec_state dnssec_overall(const struct dnssec_result *r);

/* --json: {"state", "records": [{"name", "type", "state", "detail"}],
 * "findings"}. */
json_t *dnssec_result_to_json(const struct dnssec_result *r);

/* The text section's lines. */
void dnssec_text(struct strbuf *sb, const struct dnssec_result *r);

#endif
