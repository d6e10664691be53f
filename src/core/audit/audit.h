/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The whole-domain audit behind `check DOMAIN` (DESIGN.md sections 3
 * and 5): DMARC discovery, MX and NS lookups (and SPF accounting and
 * DKIM selector discovery when those engines are built in) all started
 * at once on one resolver, so that the wall time is the longest chain of
 * dependent queries, not their number. Also the text rendering of
 * findings and DMARC results that `check` and `dmarc check` share. */
#ifndef DMARCPILOT_AUDIT_H
#define DMARCPILOT_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmarc/dmarc.h"
#include "util/finding.h"
#include "dmarc/ladder.h"
#include "util/status.h"
#include "util/strbuf.h"

struct dns;
struct orgdomain;
struct providers;
struct spf_check;
struct dkim_selector_result;
struct propagate_options;
struct propagate_result;
struct tlsrpt_result;
struct bimi_result;
struct mta_sts_result;
struct smtp_tls_result;
struct dnssec_probe;
struct dnssec_result;
struct https;
struct err;

/* How many domains a batch audits at once: each has its own sockets to
 * its name servers (the SOA serial check), so the window keeps the
 * descriptors under the usual limit of 1024. */
#define AUDIT_BATCH_WINDOW 64

/* What the audit knows beyond DNS; every field may be NULL/0. */
struct audit_options {
	const struct providers *providers; /* providers.ini: the DKIM
					      selectors of services seen in
					      SPF includes and MX hosts */
	const char *const *selectors;      /* the inventory's own DKIM
					      selectors */
	size_t nselectors;
	const struct propagate_options *ns_servers; /* how to reach the
					      name servers whose zone
					      serials are compared (tests
					      give a port or the servers);
					      NULL: through NS on port 53 */
	const char *https_cafile;    /* CA bundle for the MTA-STS policy's
				     and the MX hosts' certificates in
				     place of the system's (tests), or
				     NULL */
	int https_port;              /* the policy's port; 0 means 443 */
	bool smtp;                   /* --smtp: probe each MX host's
				     STARTTLS and certificate */
	int smtp_port;               /* where; 0 means 25 */
	long smtp_timeout_ms;        /* per host; 0 means 10 s */
	struct dnssec_probe *dnssec; /* --dnssec: the records' DNSSEC
					asked through it (the caller's,
					shared by a batch), or NULL */
};

/* One MX of the domain and the addresses its host resolves to. */
struct audit_mx {
	int preference;
	char *host;       /* lower case, cleaned; "" for a null MX */
	char **addresses; /* A and AAAA, as text */
	size_t naddresses;
	char *addr_result;            /* dns_result_name() of the A query */
	struct smtp_tls_result *smtp; /* the STARTTLS probe (--smtp) of
					 its first address, or NULL */
};

/* One name server of the domain. */
struct audit_ns {
	char *host;
	char **addresses;
	size_t naddresses;
};

/* The zone's SOA record (RFC 1035 3.3.13); zone NULL when none came. */
struct audit_soa {
	char *zone;  /* the apex it was found at */
	char *mname; /* primary name server */
	char *rname; /* the responsible mailbox, as a name */
	uint32_t serial, refresh, retry, expire, minimum;
};

/* The audit's result; everything owned, freed by audit_free(). */
struct audit {
	char *domain;
	struct spf_check *spf;             /* the SPF lookup tree, or NULL */
	struct dkim_selector_result *dkim; /* selectors with a record (or a
					      failed query) */
	size_t ndkim;
	size_t dkim_probed; /* selectors asked in all */
	struct dmarc_result *dmarc;
	struct audit_mx *mx;
	size_t nmx;
	char *mx_result; /* dns_result_name() of the MX query */
	struct audit_ns *ns;
	size_t nns;
	char *ns_result;
	struct propagate_result *soa;   /* the zone's SOA as each of its
					 name servers serves it, or NULL */
	struct audit_soa soa_record;    /* the SOA through the resolver */
	struct tlsrpt_result *tlsrpt;   /* _smtp._tls (RFC 8460), or NULL */
	struct bimi_result *bimi;       /* default._bimi, or NULL */
	struct mta_sts_result *mta_sts; /* _mta-sts and the policy
					   (RFC 8461), or NULL */
	struct dnssec_result *dnssec;   /* --dnssec, or NULL */
	/* Findings per part, in the report's order. */
	struct findings spf_findings;
	struct findings dkim_findings;
	struct findings mx_findings;
	struct findings ns_findings;
	enum status status; /* STATUS_DNS when the resolver did not answer */
	char *error;
};

/* Runs the audit of domain on dns (driving the resolver until every
 * query is answered) and returns it: SPF accounting, DKIM selectors
 * (common, inventory; then the services seen in the SPF record and MX
 * hosts), DMARC discovery, MX and NS, all started at once. od is the PSL
 * (orgdomain_new()); o may be NULL. Never NULL; an operational failure
 * is in ->status and ->error. */
struct audit *audit_run(struct dns *dns, const struct orgdomain *od,
			const char *domain, const struct audit_options *o);
void audit_free(struct audit *a);

/* The same in steps, for a caller that runs the resolver's loop itself:
 * audit_start() sends the first queries, audit_done() says when every
 * answer is in (the loop must run until then, or dns_cancel_all() and
 * https_cancel_all()), audit_finish() gathers the findings, frees the
 * run and returns the audit (never NULL). https (may be NULL: no
 * MTA-STS policy is fetched) fetches on the same loop. */
struct audit_run_state;
struct audit_run_state *audit_start(struct dns *dns, struct https *https,
				    const struct orgdomain *od,
				    const char *domain,
				    const struct audit_options *o);
bool audit_done(const struct audit_run_state *st);
struct audit *audit_finish(struct audit_run_state *st);

/* Many domains on one resolver (`check A B ...`, `check --file`): up to
 * window audits in flight at once (0: AUDIT_BATCH_WINDOW), each started
 * as soon as one ends, all under one deadline. */
struct audit_batch;
struct audit_batch *audit_batch_new(struct dns *dns, const struct orgdomain *od,
				    size_t window);

/* Adds a domain; o (may be NULL) must outlive audit_batch_run(). */
void audit_batch_add(struct audit_batch *b, const char *domain,
		     const struct audit_options *o);

/* Runs every audit. After deadline seconds (0: none) what is still
 * outstanding is cancelled (its queries count as failed: dns.temperror)
 * and audits not yet started get STATUS_DNS with a message. Returns
 * STATUS_IO with err set only when poll() fails. */
enum status audit_batch_run(struct audit_batch *b, double deadline,
			    struct err *err);
size_t audit_batch_count(const struct audit_batch *b);

/* The audit of the i-th domain added, after audit_batch_run(); owned by
 * the batch. */
const struct audit *audit_batch_get(const struct audit_batch *b, size_t i);
void audit_batch_free(struct audit_batch *b);

/* Every finding of the audit in the report's order (SPF, DKIM, DMARC,
 * MX), as copies in out (caller frees with findings_done). */
void audit_all_findings(const struct audit *a, struct findings *out);

/* The --json object of DESIGN.md section 5: domain, spf, dkim (array),
 * dmarc, mx, ns, findings. The caller owns the reference. */
json_t *audit_to_json(const struct audit *a, const struct ladder *ladder);

/* The text report, grouped by SPF / DKIM / DMARC / MX. */
void audit_text(struct strbuf *sb, const struct audit *a,
		const struct ladder *ladder);

/* CSV (RFC 4180, CRLF line ends), one line per domain: the header line
 * of the columns the README lists, then audit_csv_row() for each audit
 * (a failed one carries status "failed" and its error). */
void audit_csv_header(struct strbuf *sb);
void audit_csv_row(struct strbuf *sb, const struct audit *a);

/* Appends each finding as "  severity  code  message" with its record
 * and advice on indented lines below. */
void audit_findings_text(struct strbuf *sb, const struct findings *f);

/* The DMARC section: record, where it was found, policy, rung on the
 * ladder, organizational domain, report destinations (no findings). */
void audit_dmarc_text(struct strbuf *sb, const struct dmarc_result *r,
		      const struct ladder *ladder);

/* The rung of the applicable record as a token ("q10"), or NULL when
 * there is no record or it is off the ladder. Caller frees. */
char *audit_dmarc_rung(const struct dmarc_result *r,
		       const struct ladder *ladder);

#endif
