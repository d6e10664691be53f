/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the parts of mail check (src/app/mail_*.c) share; not for
 * callers outside them, which use mail_check.h. */
#ifndef DMARCPILOT_MAIL_CHECK_PRIVATE_H
#define DMARCPILOT_MAIL_CHECK_PRIVATE_H

#include "app/mail_check.h"
#include "report/mailmsg.h"

/* A header value with its RFC 5322 3.2.2 comments removed (quoted
 * strings kept). Caller frees. */
char *mail_strip_comments(const char *s);

/* Reads msg's header block with GMime (mailmsg.h): the From mailboxes
 * and the Return-Path. Free out with mailmsg_header_info_done(). */
enum status mail_header_parse(const struct dkim_msg *msg,
			      struct mailmsg_header_info *out, struct err *err);

/* Whether an addr-spec has a local part, "@" and a domain. */
bool mail_address_valid(const char *addr);

/* The lower-case domain of an address, without a final dot, or NULL.
 * Caller frees. */
char *mail_address_domain(const char *addr);

/* Fills env with the connecting client, HELO, receiver, TLS and
 * reverse-path: the options first, then the message's Received,
 * Received-SPF and Return-Path fields. */
void mail_find_envelope(const struct dkim_msg *msg,
			const struct mail_check_options *o,
			const char *return_path, struct mail_envelope *env);

/* The RFC 9989 4.10 tree walks of the identifiers that may align with
 * the From domain (mail_align.c). */
struct mail_org_walks {
	struct mail_org_walk {
		char *domain;
		struct dmarc_discovery *disc;
	} * items;
	size_t count;
};

/* Starts the walks of the DKIM d= domains and the SPF domain that share
 * more than a top-level label with the From domain (its own walk is the
 * DMARC discovery); r's DKIM checks and SPF domain must be started. */
void mail_align_start(struct dns *dns, const struct orgdomain *od,
		      const struct mail_report *r, struct mail_org_walks *w);

/* Once the resolver has answered: r->orgs, the organizational domain of
 * the From domain (from r->dmarc) and of each identifier walked. */
void mail_align_finish(const struct orgdomain *od, struct mail_report *r,
		       struct mail_org_walks *w);
void mail_align_done(struct mail_org_walks *w);

/* Sets the DMARC verdict, the alignment of SPF and DKIM and the
 * disposition from what the checks found (mail_align.c). */
void mail_judge_dmarc(struct mail_report *r);

/* Adds the bulk-sender rules (mail_bulk.c). */
void mail_judge_bulk(struct mail_report *r);

/* Reads the Authentication-Results fields and records where they
 * disagree with our verdicts (mail_compare.c). */
void mail_compare_authres(struct mail_report *r);

#endif
