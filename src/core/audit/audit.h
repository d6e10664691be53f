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
};

/* One MX of the domain and the addresses its host resolves to. */
struct audit_mx {
	int preference;
	char *host;        /* lower case, cleaned; "" for a null MX */
	char **addresses;  /* A and AAAA, as text */
	size_t naddresses;
	char *addr_result; /* dns_result_name() of the A query */
};

/* One name server of the domain. */
struct audit_ns {
	char *host;
	char **addresses;
	size_t naddresses;
};

/* The audit's result; everything owned, freed by audit_free(). */
struct audit {
	char *domain;
	struct spf_check *spf;  /* the SPF lookup tree, or NULL */
	struct dkim_selector_result *dkim; /* selectors with a record (or a
					      failed query) */
	size_t ndkim;
	size_t dkim_probed;     /* selectors asked in all */
	struct dmarc_result *dmarc;
	struct audit_mx *mx;
	size_t nmx;
	char *mx_result;   /* dns_result_name() of the MX query */
	struct audit_ns *ns;
	size_t nns;
	char *ns_result;
	struct propagate_result *soa; /* the zone's SOA as each of its
					 name servers serves it, or NULL */
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

/* Every finding of the audit in the report's order (SPF, DKIM, DMARC,
 * MX), as copies in out (caller frees with findings_done). */
void audit_all_findings(const struct audit *a, struct findings *out);

/* The --json object of DESIGN.md section 5: domain, spf, dkim (array),
 * dmarc, mx, ns, findings. The caller owns the reference. */
json_t *audit_to_json(const struct audit *a, const struct ladder *ladder);

/* The text report, grouped by SPF / DKIM / DMARC / MX. */
void audit_text(struct strbuf *sb, const struct audit *a,
		const struct ladder *ladder);

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
