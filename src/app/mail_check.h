/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Checking a received message end to end, as the receiver did: DKIM,
 * SPF for the connecting host, DMARC for the From domain, what the
 * receivers wrote in Authentication-Results, and the bulk-sender rules
 * of Gmail, Yahoo (February 2024) and Outlook (May 2025). The use case
 * behind 'dmarcpilot mail check' and the wizard's Test step. */
#ifndef DMARCPILOT_MAIL_CHECK_H
#define DMARCPILOT_MAIL_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dkim/arc.h"
#include "mail/authres.h"
#include "dkim/dkim_verify.h"
#include "dmarc/dmarc.h"
#include "dns/dns.h"
#include "util/date.h"
#include "util/finding.h"
#include "dmarc/orgdomain.h"
#include "spf/spf_eval.h"
#include "util/status.h"

/* What the operator tells us beside the message. */
struct mail_check_options {
	const char *ip;             /* --ip: the connecting client, or NULL to
				  take it from the receiver's Received */
	const char *helo;           /* --helo, or NULL */
	const char *mail_from;      /* --mail-from ("" or "<>" for the null
				  sender), or NULL for Return-Path */
	const char *const *trusted; /* --trusted-hosts: addresses, CIDRs or
				       host names of the operator's own
				       hops, skipped in Received */
	size_t ntrusted;
	int64_t now; /* seconds since the epoch, for x= */
};

/* pass, fail, or not decidable from this message. */
enum mail_rule_result {
	MAIL_RULE_PASS,
	MAIL_RULE_FAIL,
	MAIL_RULE_UNKNOWN,
};

/* One bulk-sender rule and how the message stands. */
struct mail_rule {
	const char *rule;    /* stable id: "spf_pass", "dkim_pass", ... */
	const char *senders; /* who requires it: "gmail yahoo outlook" */
	enum mail_rule_result result;
	char *detail; /* translated: what was seen */
	char *fix;    /* translated: what to do, or NULL on pass */
};

/* A result a receiver wrote that ours does not match. */
struct mail_disagreement {
	char *authserv_id;
	char *method;   /* "spf", "dkim", "dmarc" */
	char *identity; /* smtp.mailfrom, header.d/s, header.from, or NULL */
	char *theirs;
	char *ours;
};

/* Where the connection data came from. */
struct mail_envelope {
	char *ip;            /* the connecting client, or NULL */
	char *helo;          /* or NULL */
	char *mail_from;     /* the reverse-path, "" for the null sender, or
			      NULL when unknown */
	char *receiver;      /* the "by" host of the Received line used */
	const char *source;  /* "options", "received", "received-spf" or
			       NULL */
	bool tls_known, tls; /* TLS on the hop into the receiver */
};

struct mail_report {
	struct dkim_msg msg;
	struct dkim_checks dkim;
	char *from;        /* the From address, or NULL */
	char *from_domain; /* its domain, lower case, or NULL */
	struct mail_envelope env;

	bool spf_checked;
	char *spf_domain; /* the domain SPF was checked for */
	struct spf_outcome spf;
	char *spf_why; /* why SPF was not checked, or NULL */

	struct dmarc_result *dmarc; /* discovery, or NULL without From */
	struct mail_org {
		char *domain;
		char *org; /* its organizational domain (RFC 9989 4.10.2
			      tree walk; the PSL's when the walk failed) */
	} * orgs;          /* the From domain first, then each DKIM d= and
			      SPF domain that could align with it */
	size_t norgs;
	const char *dmarc_verdict; /* "pass", "fail", "none", "temperror" */
	bool spf_aligned, dkim_aligned;
	char *dkim_aligned_domain;     /* d= of the aligned passing signature */
	enum dmarc_policy disposition; /* what a receiver does on fail */

	int fcrdns; /* enum mail_rule_result */
	char *ptr;  /* the confirmed (or first) PTR name, or NULL */

	struct authres *ar; /* parsed Authentication-Results, top first */
	size_t nar;
	struct mail_disagreement *dis;
	size_t ndis;
	struct mail_rule *rules;
	size_t nrules;
	struct arc_chain arc;
	struct findings findings;
};

/* Reads a message from a file, or from stdin when path is "-", up to
 * DKIM_MSG_MAX_SIZE octets (STATUS_LIMIT beyond). Errors name the file.
 * The caller frees *data. */
enum status mail_check_read(const char *path, char **data, size_t *len,
			    struct err *err);

/* True if dir is a Maildir folder (it has cur/ and new/). */
bool mail_is_maildir(const char *dir);

/* The message a path names: a Maildir folder (cur/ and new/) gives its
 * newest message (by modification time, new/ and cur/ together), any
 * other path itself. NULL with err set naming the folder when a Maildir
 * holds no message or cannot be read. Caller frees. */
char *mail_check_pick(const char *path, struct err *err);

/* Checks a message: splits it, starts DKIM and ARC key lookups, SPF, DMARC
 * discovery and the reverse DNS of the client all at once on dns, runs
 * the resolver until they are answered, and judges. A message that
 * cannot be split gives its status (STATUS_PARSE, STATUS_LIMIT) with
 * the reason; STATUS_IO when the resolver loop fails. od must be
 * loaded. Free out with mail_report_done() in every case. */
enum status mail_check_run(struct dns *dns, const struct orgdomain *od,
			   const char *data, size_t len,
			   const struct mail_check_options *o,
			   struct mail_report *out, struct err *err);

/* The instant x= and t= are judged at: the clock's time of day on the
 * day today (--now), so that a chosen date moves the check and today
 * leaves the clock as it is. */
int64_t mail_check_clock(date_t today, time_t clock);

/* True when DMARC passes and no bulk-sender rule fails (exit 0). */
bool mail_report_good(const struct mail_report *r);

/* The JSON object of DESIGN.md section 5: dkim, arc, spf, dmarc,
 * authentication_results, disagreements, bulk_sender, and findings,
 * from, envelope. The caller owns the reference. */
json_t *mail_report_to_json(const struct mail_report *r);

void mail_report_done(struct mail_report *r);

/* "pass", "fail", "cannot_tell". */
const char *mail_rule_result_name(enum mail_rule_result result);

#endif
