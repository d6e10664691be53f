/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The audit as one CSV row per domain (check --csv, RFC 4180), with
 * the header row naming the columns. */
#include "config.h"

#include "audit/audit.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "audit/bimi.h"
#include "audit/dnssec.h"
#include "audit/mta_sts.h"
#include "audit/tlsrpt.h"
#include "dkim/dkim.h"
#include "dns/propagate.h"
#include "spf/spf_check.h"
#include "util/text.h"

/* The CSV columns, in order (documented in the README). */
static const char *const csv_columns[] = {
	"domain",         "status",       "error",
	"spf_record",     "spf_lookups",  "spf_void_lookups",
	"dkim_selectors", "dmarc_record", "dmarc_source",
	"dmarc_policy",   "dmarc_sp",     "dmarc_pct",
	"dmarc_rua",      "mx",           "ns",
	"soa_serial",     "tlsrpt_rua",   "bimi_logo",
	"mta_sts_mode",   "dnssec",       "errors",
	"warnings",       "findings",
};

/* Appends one field, quoted as RFC 4180 2 asks when it holds a comma,
 * a quote or a line break; s may be NULL (an empty field). */
static void csv_field(struct strbuf *sb, const char *s, bool last)
{
	if (s && s[strcspn(s, ",\"\r\n")]) {
		strbuf_addch(sb, '"');
		for (; *s; s++) {
			if (*s == '"')
				strbuf_addch(sb, '"');
			strbuf_addch(sb, *s);
		}
		strbuf_addch(sb, '"');
	} else if (s) {
		strbuf_addstr(sb, s);
	}
	strbuf_addstr(sb, last ? "\r\n" : ",");
}

/* Appends the CSV header line. */
void audit_csv_header(struct strbuf *sb)
{
	size_t n = sizeof csv_columns / sizeof *csv_columns;

	for (size_t i = 0; i < n; i++)
		csv_field(sb, csv_columns[i], i + 1 == n);
}

/* Appends one audit as a CSV line of csv_columns. */
void audit_csv_row(struct strbuf *sb, const struct audit *a)
{
	const struct dmarc_result *d = a->dmarc;
	const struct spf_node *root = a->spf ? a->spf->root : NULL;
	struct strbuf list = STRBUF_INIT;
	struct findings all = FINDINGS_INIT;
	size_t errors = 0, warnings = 0;
	char num[32];

	csv_field(sb, a->domain, false);
	csv_field(sb, a->status == STATUS_OK ? "ok" : "failed", false);
	csv_field(sb, a->status == STATUS_OK ? NULL : a->error, false);
	csv_field(sb, root ? root->record : NULL, false);
	snprintf(num, sizeof num, "%zu", a->spf ? a->spf->lookups : 0);
	csv_field(sb, root && root->record ? num : NULL, false);
	snprintf(num, sizeof num, "%zu", a->spf ? a->spf->void_lookups : 0);
	csv_field(sb, root && root->record ? num : NULL, false);
	for (size_t i = 0; i < a->ndkim; i++)
		if (a->dkim[i].dns == DNS_DATA && a->dkim[i].parsed)
			strbuf_addf(&list, "%s%s", list.len ? " " : "",
				    a->dkim[i].selector);
	csv_field(sb, list.data, false);
	strbuf_reset(&list);
	csv_field(sb, d ? d->record : NULL, false);
	csv_field(sb, d ? d->source : NULL, false);
	csv_field(sb, d && d->record ? dmarc_policy_name(d->policy) : NULL,
		  false);
	csv_field(sb,
		  d && d->record
		      ? dmarc_policy_name(dmarc_subdomain_policy(&d->parsed))
		      : NULL,
		  false);
	snprintf(num, sizeof num, "%d", d ? dmarc_pct(&d->parsed) : 0);
	csv_field(sb, d && d->record ? num : NULL, false);
	for (size_t i = 0; d && d->record && i < d->parsed.nrua; i++) {
		char *uri = text_clean_str(d->parsed.rua[i].uri);

		strbuf_addf(&list, "%s%s", list.len ? " " : "", uri);
		free(uri);
	}
	csv_field(sb, list.data, false);
	strbuf_reset(&list);
	for (size_t i = 0; i < a->nmx; i++)
		strbuf_addf(&list, "%s%s", list.len ? " " : "",
			    *a->mx[i].host ? a->mx[i].host : ".");
	csv_field(sb, list.data, false);
	strbuf_reset(&list);
	for (size_t i = 0; i < a->nns; i++)
		strbuf_addf(&list, "%s%s", list.len ? " " : "", a->ns[i].host);
	csv_field(sb, list.data, false);
	strbuf_reset(&list);
	snprintf(num, sizeof num, "%" PRIu32, a->soa_record.serial);
	csv_field(sb, a->soa_record.zone ? num : NULL, false);
	for (size_t i = 0; a->tlsrpt && i < a->tlsrpt->parsed.nrua; i++)
		strbuf_addf(&list, "%s%s", list.len ? " " : "",
			    a->tlsrpt->parsed.rua[i]);
	csv_field(sb, list.data, false);
	strbuf_reset(&list);
	for (size_t i = 0; a->bimi && i < a->bimi->parsed.nlogos; i++)
		strbuf_addf(&list, "%s%s", list.len ? " " : "",
			    a->bimi->parsed.logos[i]);
	csv_field(sb, list.data, false);
	strbuf_reset(&list);
	csv_field(sb,
		  a->mta_sts && a->mta_sts->policy_valid
		      ? mta_sts_mode_name(a->mta_sts->policy.mode)
		      : NULL,
		  false);
	csv_field(
	    sb, a->dnssec ? dnssec_state_name(dnssec_overall(a->dnssec)) : NULL,
	    false);
	if (a->status == STATUS_OK)
		audit_all_findings(a, &all);
	for (size_t i = 0; i < all.count; i++) {
		errors += all.items[i].severity == SEVERITY_ERROR;
		warnings += all.items[i].severity == SEVERITY_WARNING;
		strbuf_addf(&list, "%s%s", list.len ? " " : "",
			    finding_code_name(all.items[i].code));
	}
	snprintf(num, sizeof num, "%zu", errors);
	csv_field(sb, num, false);
	snprintf(num, sizeof num, "%zu", warnings);
	csv_field(sb, num, false);
	csv_field(sb, list.data, true);
	findings_done(&all);
	strbuf_done(&list);
}
