/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_host() of RFC 7208 section 4 for IPv4 and IPv6, asynchronous over
 * the dns.h interface, with the processing limits of 4.6.4. */
#ifndef DMARCPILOT_SPF_EVAL_H
#define DMARCPILOT_SPF_EVAL_H

#include <stddef.h>

#include "dns/dns.h"
#include "util/ip.h"
#include "spf/spf.h"
#include "util/status.h"

/* RFC 7208 4.6.4 limits. */
#define SPF_MAX_DNS_TERMS 10
#define SPF_MAX_VOID 2
#define SPF_MAX_MX 10
#define SPF_MAX_PTR 10

/* What to check. Strings are copied by spf_eval_start(). */
struct spf_query {
	struct ip_net ip;     /* the client address (prefix ignored) */
	const char *sender;   /* MAIL FROM; NULL or "" for the null sender,
				 then the HELO identity is checked (2.4) */
	const char *helo;     /* HELO/EHLO name, may be NULL */
	const char *domain;   /* the <domain> to check; NULL: the sender's
				 domain, or the HELO name without sender */
	const char *receiver; /* the receiving host for %{r}, may be NULL */
	long long now;        /* for %{t}; 0 is fine */
};

/* The result of check_host(). */
struct spf_outcome {
	enum spf_result result;
	char *mechanism;   /* the term that decided ("include:_spf.x"), NULL
			      when none matched (default neutral) */
	char *domain;      /* the domain whose record held that term */
	char *explanation; /* fail: the exp= text (6.2), else NULL */
	char *reason;      /* none/temperror/permerror: why (translated) */
	size_t dns_terms;  /* DNS-querying terms evaluated */
	size_t void_lookups;
};

/* Called once with the outcome, which the callee may keep by moving its
 * strings (set them to NULL); the evaluation frees what is left. */
typedef void (*spf_eval_callback)(void *arg, struct spf_outcome *outcome);

struct spf_eval;

/* Starts check_host(); cb runs from dns_process()/dns_run() when it is
 * done (from inside this call only if the resolver answers inside
 * dns_query(), which the table backend never does). The handle stays valid until
 * spf_eval_free(), which may be called from cb. */
struct spf_eval *spf_eval_start(struct dns *dns, const struct spf_query *q,
				spf_eval_callback cb, void *arg);

/* Frees an evaluation; one still running is abandoned (its queries
 * finish without effect, cb is not called). */
void spf_eval_free(struct spf_eval *ev);

/* check_host() and wait (dns_run): fills out, freed with
 * spf_outcome_done(). STATUS_IO only when the resolver loop fails. */
enum status spf_eval_sync(struct dns *dns, const struct spf_query *q,
			  struct spf_outcome *out, struct err *err);

void spf_outcome_done(struct spf_outcome *outcome);

#endif
