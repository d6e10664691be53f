/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DMARC as a receiver computes it for the message: identifier
 * alignment in the record's modes and the result. */
#include "config.h"

#include "app/mail_check.h"
#include "app/mail_check_private.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/xalloc.h"


/* DMARC identifier alignment (RFC 7489 3.1): strict is equality,
 * relaxed the same organizational domain. */
static bool aligned(const struct orgdomain *od, const char *a, const char *b,
		    enum dmarc_align mode)
{
	if (!a || !b)
		return false;
	if (mode == DMARC_ALIGN_STRICT)
		return text_ieq(a, b);
	return orgdomain_same(od, a, b);
}

/* Computes the DMARC result as a receiver does (RFC 7489 6.6.2, RFC
 * 9989 4.8): pass when an aligned identifier passes. */
void mail_judge_dmarc(const struct orgdomain *od, struct mail_report *r)
{
	const struct dmarc_result *d = r->dmarc;
	enum dmarc_align adkim = DMARC_ALIGN_RELAXED, aspf = DMARC_ALIGN_RELAXED;

	if (d && d->record) {
		if (d->parsed.adkim)
			adkim = d->parsed.adkim;
		if (d->parsed.aspf)
			aspf = d->parsed.aspf;
	}
	for (size_t i = 0; i < r->dkim.count && r->from_domain; i++) {
		const struct dkim_check *k = &r->dkim.items[i];

		if (k->result == DKIM_PASS &&
		    aligned(od, k->sig.d, r->from_domain, adkim)) {
			r->dkim_aligned = true;
			free(r->dkim_aligned_domain);
			r->dkim_aligned_domain = xstrdup(k->sig.d);
			break;
		}
	}
	r->spf_aligned = r->spf_checked && r->spf.result == SPF_PASS &&
			 aligned(od, r->spf_domain, r->from_domain, aspf);
	if (!d) {
		r->dmarc_verdict = "none";
	} else if (d->status != STATUS_OK) {
		r->dmarc_verdict = "temperror";
	} else if (!d->record) {
		r->dmarc_verdict = "none";
	} else {
		r->dmarc_verdict =
		    r->spf_aligned || r->dkim_aligned ? "pass" : "fail";
		r->disposition = d->policy;
	}
}

