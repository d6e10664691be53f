/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The audit's result as a whole: freeing it, all its findings in the
 * report's order, the rung of its DMARC record, and the name servers'
 * labels its findings and text share. */
#include "config.h"

#include "audit/audit.h"
#include "audit/audit_private.h"

#include <stdlib.h>
#include <string.h>

#include "audit/bimi.h"
#include "audit/dnssec.h"
#include "audit/mta_sts.h"
#include "audit/smtp_tls.h"
#include "audit/tlsrpt.h"
#include "dkim/dkim.h"
#include "dns/propagate.h"
#include "spf/spf_check.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The server's name for a message: "ns1.example.com (192.0.2.53:53)". */
char *audit_server_label(const struct propagate_server *s)
{
	char *host = text_clean_str(s->host);
	char *label;

	if (!s->address || strcmp(s->address, s->host) == 0 ||
	    strcmp(s->address, "table") == 0)
		return host;
	label = xasprintf("%s (%s)", host, s->address);
	free(host);
	return label;
}

/* Frees an audit. */
void audit_free(struct audit *a)
{
	if (!a)
		return;
	free(a->domain);
	spf_check_free(a->spf);
	dkim_results_free(a->dkim, a->ndkim);
	dmarc_result_free(a->dmarc);
	for (size_t i = 0; i < a->nmx; i++) {
		free(a->mx[i].host);
		strlist_free(a->mx[i].addresses, a->mx[i].naddresses);
		free(a->mx[i].addr_result);
		smtp_tls_result_free(a->mx[i].smtp);
	}
	free(a->mx);
	free(a->mx_result);
	for (size_t i = 0; i < a->nns; i++) {
		free(a->ns[i].host);
		strlist_free(a->ns[i].addresses, a->ns[i].naddresses);
	}
	free(a->ns);
	free(a->ns_result);
	propagate_result_free(a->soa);
	free(a->soa_record.zone);
	free(a->soa_record.mname);
	free(a->soa_record.rname);
	tlsrpt_result_free(a->tlsrpt);
	bimi_result_free(a->bimi);
	mta_sts_result_free(a->mta_sts);
	dnssec_result_free(a->dnssec);
	findings_done(&a->spf_findings);
	findings_done(&a->dkim_findings);
	findings_done(&a->mx_findings);
	findings_done(&a->ns_findings);
	free(a->error);
	free(a);
}

/* Appends copies of src's findings to dst. */
static void findings_copy(struct findings *dst, const struct findings *src)
{
	for (size_t i = 0; i < src->count; i++) {
		const struct finding *s = &src->items[i];
		struct finding *f =
		    findings_add(dst, s->code, "%s", s->message);

		f->severity = s->severity;
		finding_set_record(f, s->record);
		finding_set_selector(f, s->selector);
		finding_set_advice(f, s->advice);
	}
}

/* Gathers every finding in the report's order. */
void audit_all_findings(const struct audit *a, struct findings *out)
{
	findings_copy(out, &a->spf_findings);
	findings_copy(out, &a->dkim_findings);
	if (a->dmarc)
		findings_copy(out, &a->dmarc->findings);
	findings_copy(out, &a->mx_findings);
	findings_copy(out, &a->ns_findings);
	if (a->tlsrpt)
		findings_copy(out, &a->tlsrpt->findings);
	if (a->bimi)
		findings_copy(out, &a->bimi->findings);
	if (a->mta_sts)
		findings_copy(out, &a->mta_sts->findings);
	if (a->dnssec)
		findings_copy(out, &a->dnssec->findings);
}

/* The rung token of the applicable record. */
char *audit_dmarc_rung(const struct dmarc_result *r,
		       const struct ladder *ladder)
{
	int index;

	if (!r || !r->record)
		return NULL;
	index = ladder_find(ladder, &r->parsed);
	if (index < 0)
		return NULL;
	return ladder_rung_token(&ladder->rungs[index]);
}
