/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DKIM lookups: the key record of one selector through the resolver,
 * and selector discovery for the audit (all selectors at once). */
#include "config.h"

#include "dkim/dkim.h"

#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_private.h"
#include "util/i18n.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The owner name of a selector's key. */
char *dkim_key_name(const char *domain, const char *selector)
{
	char *d = text_domain_normalize(domain);
	char *name = xasprintf("%s._domainkey.%s", selector, d);

	free(d);
	return text_lower(name);
}

/* True if a TXT value has the look of a DKIM key record: a v=DKIM1 or a
 * p= tag (RFC 6376 3.6.1), so that other records at a probed name
 * (wildcards) do not count as keys. */
static bool looks_like_key(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *spec = p, *eq;
		size_t slen = (size_t)((semi ? semi : end) - p);

		dkim_trim_fws(&spec, &slen);
		eq = memchr(spec, '=', slen);
		if (eq) {
			const char *name = spec;
			size_t nlen = (size_t)(eq - spec);

			dkim_trim_fws(&name, &nlen);
			if (nlen == 1 && name[0] == 'p')
				return true;
			if (nlen == 1 && name[0] == 'v') {
				const char *v = eq + 1;
				size_t vlen = (size_t)(spec + slen - v);

				dkim_trim_fws(&v, &vlen);
				return vlen == 5 && memcmp(v, "DKIM1", 5) == 0;
			}
		}
		if (!semi)
			break;
		p = semi + 1;
	}
	return false;
}

/* Evaluates a TXT answer for a selector. */
void dkim_evaluate_answer(const char *domain, const char *selector,
			  const struct dns_answer *answer,
			  struct dkim_selector_result *out)
{
	struct dns_txt_string *txt = NULL;
	size_t ntxt = 0, pick = 0, nkeys = 0;
	const char *bad = NULL;
	struct err err = ERR_INIT;

	memset(out, 0, sizeof *out);
	out->domain = text_domain_normalize(domain);
	out->selector = text_lower(xstrdup(selector));
	out->name = dkim_key_name(domain, selector);
	out->dns = answer->result;
	for (size_t i = 0; i < answer->count; i++)
		if (answer->rrs[i].type == DNS_T_CNAME) {
			free(out->cname);
			out->cname = xstrdup(answer->rrs[i].u.host);
		}
	if (answer->result == DNS_DATA)
		txt = dns_answer_txt_joined(answer, &ntxt);
	if (answer->result == DNS_DATA && ntxt == 0)
		out->dns = DNS_NODATA; /* only a CNAME chain */
	switch (out->dns) {
	case DNS_DATA:
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		dkim_finding_add(
		    &out->findings, F_DKIM_MISSING, out->selector, NULL,
		    _("Publish the record that 'dmarcpilot dkim keygen' "
		      "printed, or enable DKIM at the service that signs with "
		      "this selector."),
		    _("no DKIM key is published at %s"), out->name);
		goto out;
	case DNS_SERVFAIL:
	case DNS_TIMEOUT:
	case DNS_ERROR:
	default: {
		char *why = text_clean_str(
		    answer->error ? answer->error
				  : dns_result_name(answer->result));

		out->dns_error = xasprintf("%s TXT: %s", out->name, why);
		free(why);
		dkim_finding_add(
		    &out->findings, F_DNS_TEMPERROR, out->selector, NULL,
		    _("Try again later; if it persists, check the name "
		      "servers of the domain."),
		    _("the query for %s failed"), out->dns_error);
		goto out;
	}
	}
	for (size_t i = 0; i < ntxt; i++) {
		if (looks_like_key(txt[i].data ? txt[i].data : "",
				   txt[i].len)) {
			if (nkeys++ == 0)
				pick = i;
		}
	}
	/* The whole record, a NUL octet shown as \000 (DESIGN.md 8). */
	out->record =
	    text_clean(txt[pick].data ? txt[pick].data : "", txt[pick].len);
	if (ntxt > 1) {
		/* RFC 6376 3.6.2.2: with several records the result is
		 * undefined; verifiers may pick any. */
		dkim_finding_add(
		    &out->findings, F_DKIM_SYNTAX, out->selector, NULL,
		    _("Publish exactly one TXT record at the selector's "
		      "name."),
		    _("%zu TXT records at %s; verifiers pick one at random"),
		    ntxt, out->name);
	}
	for (size_t i = 0; i < answer->count; i++)
		if (answer->rrs[i].type == DNS_T_TXT)
			dkim_check_strings(answer->rrs[i].u.txt.strings,
					   answer->rrs[i].u.txt.count,
					   out->selector, &out->findings);
	if (dkim_record_parse(txt[pick].data ? txt[pick].data : "",
			      txt[pick].len, &out->key, &bad,
			      &err) != STATUS_OK) {
		dkim_finding_add(
		    &out->findings, F_DKIM_SYNTAX, out->selector, out->record,
		    _("Fix the record: RFC 6376 3.6.1 lists the tags; "
		      "'dmarcpilot dkim keygen' prints a correct one."),
		    _("the key record of selector '%s' is malformed: %s"),
		    out->selector, err_message(&err));
		goto out;
	}
	out->parsed = true;
	dkim_record_validate(&out->key, out->selector, out->record,
			     &out->findings);
out:
	err_done(&err);
	if (txt)
		dns_txt_joined_free(txt, ntxt);
}

/* Frees a selector result. */
void dkim_selector_result_done(struct dkim_selector_result *r)
{
	free(r->domain);
	free(r->selector);
	free(r->name);
	free(r->cname);
	free(r->dns_error);
	free(r->record);
	dkim_record_done(&r->key);
	findings_done(&r->findings);
	memset(r, 0, sizeof *r);
}

/* A lookup on its way. */
struct lookup {
	char *domain;
	char *selector;
	dkim_lookup_cb cb;
	void *arg;
};

/* Turns the resolver's answer into a result for the caller. */
static void lookup_answered(void *arg, const struct dns_answer *answer)
{
	struct lookup *l = arg;
	struct dkim_selector_result *r = xcalloc(1, sizeof *r);

	dkim_evaluate_answer(l->domain, l->selector, answer, r);
	l->cb(l->arg, r);
	free(l->domain);
	free(l->selector);
	free(l);
}

/* Starts the TXT query of one selector. */
void dkim_lookup(struct dns *dns, const char *domain, const char *selector,
		 dkim_lookup_cb cb, void *arg)
{
	struct lookup *l = xcalloc(1, sizeof *l);
	char *name = dkim_key_name(domain, selector);

	l->domain = xstrdup(domain);
	l->selector = xstrdup(selector);
	l->cb = cb;
	l->arg = arg;
	dns_query(dns, name, DNS_T_TXT, lookup_answered, l);
	free(name);
}

/* The state of one discovery. */
struct discovery {
	struct dkim_selector_result *results;
	size_t count;
	size_t pending; /* answers still due, plus one while starting */
	dkim_discover_cb cb;
	void *arg;
	struct discovery_slot *slots;
};

struct discovery_slot {
	struct discovery *d;
	size_t index;
};

/* Whether a result is worth reporting: a key, or a failed query. */
static bool discovery_keeps(const struct dkim_selector_result *r)
{
	if (r->dns == DNS_SERVFAIL || r->dns == DNS_TIMEOUT ||
	    r->dns == DNS_ERROR)
		return true;
	return r->dns == DNS_DATA && r->record &&
	       looks_like_key(r->record, strlen(r->record));
}

/* Hands the kept results over once the last answer is in. */
static void discovery_finish(struct discovery *d)
{
	size_t kept = 0;

	if (--d->pending > 0)
		return;
	for (size_t i = 0; i < d->count; i++) {
		if (discovery_keeps(&d->results[i]))
			d->results[kept++] = d->results[i];
		else
			dkim_selector_result_done(&d->results[i]);
	}
	d->cb(d->arg, d->results, kept);
	free(d->slots);
	free(d);
}

/* Files one selector's result in its slot. */
static void discovery_answered(void *arg, struct dkim_selector_result *r)
{
	struct discovery_slot *slot = arg;

	slot->d->results[slot->index] = *r;
	free(r);
	discovery_finish(slot->d);
}

/* Queries all selectors at once. */
void dkim_discover(struct dns *dns, const char *domain,
		   const char *const *selectors, size_t count,
		   dkim_discover_cb cb, void *arg)
{
	struct discovery *d = xcalloc(1, sizeof *d);

	d->results = xcalloc(count ? count : 1, sizeof *d->results);
	d->slots = xcalloc(count ? count : 1, sizeof *d->slots);
	d->count = count;
	d->cb = cb;
	d->arg = arg;
	/* One extra so that an answer given during dns_query() cannot
	 * finish the discovery before every query is out. */
	d->pending = count + 1;
	for (size_t i = 0; i < count; i++) {
		d->slots[i].d = d;
		d->slots[i].index = i;
		dkim_lookup(dns, domain, selectors[i], discovery_answered,
			    &d->slots[i]);
	}
	discovery_finish(d);
}

/* Frees an array of results. */
void dkim_results_free(struct dkim_selector_result *results, size_t count)
{
	for (size_t i = 0; i < count; i++)
		dkim_selector_result_done(&results[i]);
	free(results);
}

/* Appends a selector unless it is invalid or already listed. */
static void selectors_add(char ***list, size_t *count, size_t *cap,
			  const char *s)
{
	char *lower;

	if (!dkim_selector_valid(s))
		return;
	lower = text_lower(xstrdup(s));
	for (size_t i = 0; i < *count; i++) {
		if (strcmp((*list)[i], lower) == 0) {
			free(lower);
			return;
		}
	}
	*list = xgrow(*list, cap, *count + 1, sizeof **list);
	(*list)[(*count)++] = lower;
}

/* Merges the selectors the audit probes. */
char **dkim_audit_selectors(const char *const *own, size_t nown,
			    const struct provider *const *seen, size_t nseen,
			    size_t *count)
{
	char **list = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < nown; i++)
		selectors_add(&list, &n, &cap, own[i]);
	for (size_t i = 0; i < nseen; i++)
		for (size_t j = 0; j < seen[i]->ndkim_selectors; j++)
			selectors_add(&list, &n, &cap,
				      seen[i]->dkim_selectors[j]);
	for (size_t i = 0; i < DKIM_COMMON_SELECTORS_COUNT; i++)
		selectors_add(&list, &n, &cap, dkim_common_selectors[i]);
	*count = n;
	return list;
}

/* Frees a list of strings. */
void dkim_selectors_free(char **selectors, size_t count)
{
	strlist_free(selectors, count);
}
