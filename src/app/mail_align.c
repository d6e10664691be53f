/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DMARC as a receiver computes it for the message: identifier
 * alignment in the record's modes, with organizational domains found by
 * the RFC 9989 4.10 tree walk, and the result. */
#include "config.h"

#include "app/mail_check.h"
#include "app/mail_check_private.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/xalloc.h"

/* The number of trailing labels a and b share. */
static size_t common_labels(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = 0;

	while (la && lb) {
		size_t sa = la, sb = lb;

		while (sa && a[sa - 1] != '.')
			sa--;
		while (sb && b[sb - 1] != '.')
			sb--;
		if (la - sa != lb - sb || !text_ieqn(a + sa, b + sb, la - sa))
			break;
		n++;
		la = sa ? sa - 1 : 0;
		lb = sb ? sb - 1 : 0;
		if (!sa || !sb)
			break;
	}
	return n;
}

/* Adds a tree walk for domain unless it is the From domain, already
 * walked, or shares no organizational domain with it: RFC 9989 4.10.2
 * finds a name or one of its parents, so two names whose parents differ
 * below the top-level label cannot share one. */
static void walk_add(struct dns *dns, const struct orgdomain *od,
		     struct mail_org_walks *w, const char *from,
		     const char *domain)
{
	if (!domain || !*domain || text_ieq(domain, from) ||
	    common_labels(domain, from) < 2)
		return;
	for (size_t i = 0; i < w->count; i++)
		if (text_ieq(w->items[i].domain, domain))
			return;
	w->items = xrealloc(w->items, (w->count + 1) * sizeof *w->items);
	w->items[w->count].domain = text_domain_normalize(domain);
	w->items[w->count].disc = dmarc_discover(dns, od, domain, 0);
	w->count++;
}

/* Starts the tree walks of the DKIM d= domains and the SPF domain
 * (mail_check_private.h). */
void mail_align_start(struct dns *dns, const struct orgdomain *od,
		      const struct mail_report *r, struct mail_org_walks *w)
{
	memset(w, 0, sizeof *w);
	if (!r->from_domain)
		return;
	for (size_t i = 0; i < r->dkim.count; i++)
		if (r->dkim.items[i].parsed)
			walk_add(dns, od, w, r->from_domain,
				 r->dkim.items[i].sig.d);
	walk_add(dns, od, w, r->from_domain, r->spf_domain);
}

/* Frees the walks (after the resolver has answered them). */
void mail_align_done(struct mail_org_walks *w)
{
	for (size_t i = 0; i < w->count; i++) {
		free(w->items[i].domain);
		dmarc_discovery_free(w->items[i].disc);
	}
	free(w->items);
	memset(w, 0, sizeof *w);
}

/* The organizational domain a discovery found: the tree walk's, else
 * (the walk could not finish) the Public Suffix List's. Caller frees. */
static char *org_of_result(const struct orgdomain *od,
			   const struct dmarc_result *d, const char *domain)
{
	if (d && d->tree_org_domain)
		return xstrdup(d->tree_org_domain);
	if (d && d->org_domain)
		return xstrdup(d->org_domain);
	return orgdomain_of(od, domain);
}

/* Records the organizational domain of every identifier walked. */
void mail_align_finish(const struct orgdomain *od, struct mail_report *r,
		       struct mail_org_walks *w)
{
	if (!r->from_domain)
		return;
	r->orgs = xcalloc(w->count + 1, sizeof *r->orgs);
	r->orgs[0].domain = xstrdup(r->from_domain);
	r->orgs[0].org = org_of_result(od, r->dmarc, r->from_domain);
	r->norgs = 1;
	for (size_t i = 0; i < w->count; i++) {
		const struct dmarc_result *d =
		    dmarc_discovery_result(w->items[i].disc);

		r->orgs[r->norgs].domain = xstrdup(w->items[i].domain);
		r->orgs[r->norgs].org =
		    org_of_result(od, d, w->items[i].domain);
		r->norgs++;
	}
}

/* The organizational domain of a domain the walks covered, or NULL. */
static const char *org_known(const struct mail_report *r, const char *domain)
{
	for (size_t i = 0; i < r->norgs; i++)
		if (text_ieq(r->orgs[i].domain, domain))
			return r->orgs[i].org;
	return NULL;
}

/* DMARC identifier alignment (RFC 9989 4.4, RFC 7489 3.1): strict is
 * equality, relaxed the same organizational domain, by the tree walk
 * (RFC 9989 4.10.2). A domain that was not walked shares no
 * organizational domain with the From domain. */
static bool aligned(const struct mail_report *r, const char *a, const char *b,
		    enum dmarc_align mode)
{
	const char *oa, *ob;

	if (!a || !b)
		return false;
	if (text_ieq(a, b))
		return true;
	if (mode == DMARC_ALIGN_STRICT)
		return false;
	oa = org_known(r, a);
	ob = org_known(r, b);
	return oa && ob && text_ieq(oa, ob);
}

/* Computes the DMARC result as a receiver does (RFC 7489 6.6.2, RFC
 * 9989 4.8): pass when an aligned identifier passes. */
void mail_judge_dmarc(struct mail_report *r)
{
	const struct dmarc_result *d = r->dmarc;
	enum dmarc_align adkim = DMARC_ALIGN_RELAXED,
			 aspf = DMARC_ALIGN_RELAXED;

	if (d && d->record) {
		if (d->parsed.adkim)
			adkim = d->parsed.adkim;
		if (d->parsed.aspf)
			aspf = d->parsed.aspf;
	}
	for (size_t i = 0; i < r->dkim.count && r->from_domain; i++) {
		const struct dkim_check *k = &r->dkim.items[i];

		if (k->result == DKIM_PASS &&
		    aligned(r, k->sig.d, r->from_domain, adkim)) {
			r->dkim_aligned = true;
			free(r->dkim_aligned_domain);
			r->dkim_aligned_domain = xstrdup(k->sig.d);
			break;
		}
	}
	r->spf_aligned = r->spf_checked && r->spf.result == SPF_PASS &&
			 aligned(r, r->spf_domain, r->from_domain, aspf);
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
