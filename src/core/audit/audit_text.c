/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The audit as text for people (check): each section's record and its
 * findings, and the DMARC result that `dmarc check` prints too. */
#include "config.h"

#include "audit/audit.h"
#include "audit/audit_private.h"

#include <inttypes.h>
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
#include "util/i18n.h"

/* Appends findings as text. */
void audit_findings_text(struct strbuf *sb, const struct findings *f)
{
	for (size_t i = 0; i < f->count; i++) {
		const struct finding *x = &f->items[i];

		/* TRANSLATORS: severity (error/warning/info), finding
		 * code, message; keep the columns. */
		strbuf_addf(sb, "  %-8s %s\n", severity_label(x->severity),
			    finding_code_name(x->code));
		strbuf_addf(sb, "           %s\n", x->message);
		if (x->selector)
			strbuf_addf(sb, _("           Selector: %s\n"),
				    x->selector);
		if (x->record)
			strbuf_addf(sb, _("           Record: %s\n"),
				    x->record);
		if (x->advice)
			strbuf_addf(sb, _("           What to do: %s\n"),
				    x->advice);
	}
}

/* The words for a destination's state. */
static const char *dest_state_label(enum dmarc_dest_state state)
{
	switch (state) {
	case DMARC_DEST_SAME_ORG:
		return _("same organization");
	case DMARC_DEST_AUTHORIZED:
		return _("authorized");
	case DMARC_DEST_UNAUTHORIZED:
		return _("NOT authorized");
	case DMARC_DEST_NOT_MAILTO:
		return _("not a mailto: address");
	case DMARC_DEST_UNKNOWN:
	default:
		return _("unknown (DNS failed)");
	}
}

/* Appends the DMARC section. */
void audit_dmarc_text(struct strbuf *sb, const struct dmarc_result *r,
		      const struct ladder *ladder)
{
	if (!r->record) {
		strbuf_addf(sb, _("  Record:   none found\n"));
	} else {
		int index = ladder_find(ladder, &r->parsed);

		strbuf_addf(sb, _("  Record:   %s\n"), r->record);
		if (r->inherited)
			strbuf_addf(sb, _("  Found at: %s (inherited)\n"),
				    r->source);
		else
			strbuf_addf(sb, _("  Found at: %s\n"), r->source);
		strbuf_addf(sb, _("  Policy:   %s\n"),
			    dmarc_policy_name(r->policy));
		if (index >= 0) {
			char *label = ladder_rung_label(&ladder->rungs[index]);

			strbuf_addf(sb, _("  Rung:     %d of %zu (%s)\n"),
				    index + 1, ladder->count, label);
			free(label);
		} else {
			strbuf_addstr(sb, _("  Rung:     off the ladder\n"));
		}
	}
	strbuf_addf(sb, _("  Organizational domain: %s\n"), r->org_domain);
	for (size_t i = 0; i < r->ndests; i++)
		strbuf_addf(sb, "  %s %s: %s\n", r->dests[i].tag,
			    r->dests[i].uri,
			    dest_state_label(r->dests[i].state));
}

/* Appends one section's findings, or says there are none. */
static void section(struct strbuf *sb, const struct findings *f)
{
	if (f->count == 0)
		strbuf_addstr(sb, _("  No findings.\n"));
	else
		audit_findings_text(sb, f);
}

/* Appends the serial each name server serves. */
static void soa_text(struct strbuf *sb, const struct propagate_result *r)
{
	for (size_t i = 0; r && i < r->count; i++) {
		const struct propagate_server *s = &r->servers[i];
		char *label;

		if (!s->has_serial)
			continue;
		label = audit_server_label(s);
		strbuf_addf(sb, _("  Serial %" PRIu32 " at %s\n"), s->serial,
			    label);
		free(label);
	}
}

/* Appends the MTA-STS section. */
static void mta_sts_text(struct strbuf *sb, const struct mta_sts_result *r)
{
	strbuf_addstr(sb, "\nMTA-STS\n");
	if (r->record)
		strbuf_addf(sb, _("  Record:   %s\n"), r->record);
	else
		strbuf_addf(sb, _("  Record:   none at %s\n"), r->name);
	if (r->policy_valid) {
		strbuf_addf(sb, _("  Policy:   %s\n"), r->url);
		strbuf_addf(sb, _("  Mode:     %s, max_age %ld\n"),
			    mta_sts_mode_name(r->policy.mode),
			    r->policy.max_age);
		for (size_t i = 0; i < r->policy.nmx; i++)
			strbuf_addf(sb, "  mx: %s\n", r->policy.mx[i]);
	}
	section(sb, &r->findings);
}

/* The text report. */
void audit_text(struct strbuf *sb, const struct audit *a,
		const struct ladder *ladder)
{
	strbuf_addf(sb, _("Audit of %s\n\n"), a->domain);
	strbuf_addstr(sb, "SPF\n");
	if (a->spf && a->spf->root && a->spf->root->record) {
		const struct spf_node *root = a->spf->root;

		strbuf_addf(sb, _("  Record:   %s\n"), root->record);
		strbuf_addf(sb,
			    _("  Lookups:  %zu of 10, void lookups %zu "
			      "of 2\n"),
			    a->spf->lookups, a->spf->void_lookups);
		for (size_t i = 0; i < root->nchildren; i++)
			strbuf_addf(sb, _("  %s: costs %zu\n"),
				    root->children[i]->via,
				    root->children[i]->cost);
	}
	section(sb, &a->spf_findings);
	strbuf_addstr(sb, "\nDKIM\n");
	strbuf_addf(sb, _("  Selectors probed: %zu\n"), a->dkim_probed);
	for (size_t i = 0; i < a->ndkim; i++) {
		const struct dkim_selector_result *r = &a->dkim[i];

		if (r->parsed && r->key.bits)
			strbuf_addf(sb, _("  %s: %s, %d bits\n"), r->name,
				    dkim_key_type_name(r->key.type),
				    r->key.bits);
		else if (r->parsed)
			strbuf_addf(sb, "  %s: %s\n", r->name,
				    dkim_key_type_name(r->key.type));
		else
			strbuf_addf(sb, "  %s: %s\n", r->name,
				    dns_result_name(r->dns));
	}
	section(sb, &a->dkim_findings);
	strbuf_addstr(sb, "\nDMARC\n");
	if (a->dmarc) {
		audit_dmarc_text(sb, a->dmarc, ladder);
		section(sb, &a->dmarc->findings);
	}
	strbuf_addstr(sb, "\nMX\n");
	for (size_t i = 0; i < a->nmx; i++) {
		const struct audit_mx *mx = &a->mx[i];

		strbuf_addf(sb, "  %d %s", mx->preference,
			    *mx->host ? mx->host : ".");
		for (size_t k = 0; k < mx->naddresses; k++)
			strbuf_addf(sb, "%s%s", k ? ", " : " (",
				    mx->addresses[k]);
		strbuf_addstr(sb, mx->naddresses ? ")\n" : "\n");
		if (mx->smtp)
			smtp_tls_text(sb, mx->smtp);
	}
	section(sb, &a->mx_findings);
	if (a->nns || a->ns_findings.count) {
		strbuf_addstr(sb, _("\nName servers\n"));
		for (size_t i = 0; i < a->nns; i++) {
			strbuf_addf(sb, "  %s", a->ns[i].host);
			for (size_t k = 0; k < a->ns[i].naddresses; k++)
				strbuf_addf(sb, "%s%s", k ? ", " : " (",
					    a->ns[i].addresses[k]);
			strbuf_addstr(sb, a->ns[i].naddresses ? ")\n" : "\n");
		}
		soa_text(sb, a->soa);
		section(sb, &a->ns_findings);
	}
	if (a->soa_record.zone) {
		const struct audit_soa *soa = &a->soa_record;

		strbuf_addstr(sb, "\nSOA\n");
		strbuf_addf(sb, _("  Zone:     %s\n"), soa->zone);
		strbuf_addf(sb, _("  Primary:  %s, contact %s\n"), soa->mname,
			    soa->rname);
		strbuf_addf(sb,
			    _("  Serial %" PRIu32 ", refresh %" PRIu32
			      ", retry %" PRIu32 ", expire %" PRIu32
			      ", negative TTL %" PRIu32 "\n"),
			    soa->serial, soa->refresh, soa->retry, soa->expire,
			    soa->minimum);
	}
	if (a->tlsrpt) {
		strbuf_addstr(sb, "\nTLS-RPT\n");
		if (a->tlsrpt->record)
			strbuf_addf(sb, _("  Record:   %s\n"),
				    a->tlsrpt->record);
		else
			strbuf_addf(sb, _("  Record:   none at %s\n"),
				    a->tlsrpt->name);
		section(sb, &a->tlsrpt->findings);
	}
	if (a->bimi) {
		strbuf_addstr(sb, "\nBIMI\n");
		if (!a->bimi->record)
			strbuf_addf(sb, _("  Record:   none at %s\n"),
				    a->bimi->name);
		else if (a->bimi->inherited)
			strbuf_addf(sb,
				    _("  Record:   %s\n  Found at: %s "
				      "(inherited)\n"),
				    a->bimi->record, a->bimi->name);
		else
			strbuf_addf(sb, _("  Record:   %s\n"), a->bimi->record);
		section(sb, &a->bimi->findings);
	}
	if (a->mta_sts)
		mta_sts_text(sb, a->mta_sts);
	if (a->dnssec) {
		strbuf_addf(sb, _("\nDNSSEC: %s\n"),
			    dnssec_state_name(dnssec_overall(a->dnssec)));
		dnssec_text(sb, a->dnssec);
		section(sb, &a->dnssec->findings);
	}
}
