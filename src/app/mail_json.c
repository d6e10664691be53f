/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mail check's --json object: the fixed keys dkim, arc, spf, dmarc,
 * authentication_results, disagreements, bulk_sender, and more. */
#include "config.h"

#include "app/mail_check.h"
#include "app/mail_check_private.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/xalloc.h"

/* A JSON string, or null. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The ARC chain as JSON: result, instances, broken (the hop that broke
 * it), detail, oldest_pass and each hop's signer. */
static json_t *arc_to_json(const struct arc_chain *c)
{
	json_t *o = json_object(), *hops = json_array();

	json_object_set_new(o, "result", json_string(c->result));
	json_object_set_new(o, "instances", json_integer((json_int_t)c->count));
	json_object_set_new(o, "broken",
			    c->broken ? json_integer(c->broken) : json_null());
	json_object_set_new(o, "detail", str_or_null(c->detail));
	json_object_set_new(o, "oldest_pass",
			    c->oldest_pass ? json_integer(c->oldest_pass)
					   : json_null());
	for (size_t n = 0; n < c->count && c->hops; n++) {
		const struct arc_hop *h = &c->hops[n];
		json_t *e = json_object();

		json_object_set_new(e, "instance",
				    json_integer((json_int_t)n + 1));
		json_object_set_new(e, "domain",
				    str_or_null(h->seal_check.sig.d));
		json_object_set_new(e, "selector",
				    str_or_null(h->seal_check.sig.s));
		json_object_set_new(e, "authserv_id",
				    str_or_null(h->authserv_id));
		json_array_append_new(hops, e);
	}
	json_object_set_new(o, "hops", hops);
	return o;
}

/* The report as JSON. */
json_t *mail_report_to_json(const struct mail_report *r)
{
	json_t *o = json_object(), *a, *e;

	json_object_set_new(o, "from", str_or_null(r->from));
	json_object_set_new(o, "from_domain", str_or_null(r->from_domain));
	e = json_object();
	json_object_set_new(e, "ip", str_or_null(r->env.ip));
	json_object_set_new(e, "helo", str_or_null(r->env.helo));
	json_object_set_new(e, "mail_from", str_or_null(r->env.mail_from));
	json_object_set_new(e, "receiver", str_or_null(r->env.receiver));
	json_object_set_new(e, "source", str_or_null(r->env.source));
	json_object_set_new(e, "tls",
			    r->env.tls_known ? json_boolean(r->env.tls)
					     : json_null());
	json_object_set_new(o, "envelope", e);

	a = json_array();
	for (size_t i = 0; i < r->dkim.count; i++) {
		const struct dkim_check *k = &r->dkim.items[i];

		e = json_object();
		json_object_set_new(e, "domain", str_or_null(k->sig.d));
		json_object_set_new(e, "selector", str_or_null(k->sig.s));
		json_object_set_new(e, "result",
				    json_string(dkim_result_name(k->result)));
		json_object_set_new(
		    e, "reason",
		    k->result == DKIM_PASS
			? json_null()
			: json_string(dkim_reason_name(k->reason)));
		json_object_set_new(e, "detail", str_or_null(k->detail));
		json_object_set_new(e, "algorithm",
				    k->parsed
					? json_string(dkim_alg_name(k->sig.alg))
					: json_null());
		json_object_set_new(
		    e, "bits", k->bits ? json_integer(k->bits) : json_null());
		json_object_set_new(e, "testing", json_boolean(k->testing));
		json_object_set_new(e, "body_length",
				    k->parsed && k->sig.has_l
					? json_integer((json_int_t)k->sig.l)
					: json_null());
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "dkim", a);
	json_object_set_new(o, "dkim_skipped",
			    json_integer((json_int_t)r->dkim.skipped));

	json_object_set_new(o, "arc", arc_to_json(&r->arc));

	e = json_object();
	json_object_set_new(e, "result",
			    r->spf_checked
				? json_string(spf_result_name(r->spf.result))
				: json_null());
	json_object_set_new(e, "domain", str_or_null(r->spf_domain));
	json_object_set_new(e, "ip", str_or_null(r->env.ip));
	json_object_set_new(e, "mail_from", str_or_null(r->env.mail_from));
	json_object_set_new(e, "helo", str_or_null(r->env.helo));
	json_object_set_new(e, "mechanism", str_or_null(r->spf.mechanism));
	json_object_set_new(
	    e, "reason",
	    str_or_null(r->spf_checked ? r->spf.reason : r->spf_why));
	json_object_set_new(o, "spf", e);

	e = json_object();
	json_object_set_new(e, "domain", str_or_null(r->from_domain));
	json_object_set_new(e, "result", json_string(r->dmarc_verdict));
	json_object_set_new(e, "record",
			    str_or_null(r->dmarc ? r->dmarc->record : NULL));
	json_object_set_new(e, "source",
			    str_or_null(r->dmarc ? r->dmarc->source : NULL));
	json_object_set_new(
	    e, "policy",
	    r->dmarc && r->dmarc->record
		? json_string(dmarc_policy_name(r->dmarc->policy))
		: json_null());
	json_object_set_new(e, "spf_aligned", json_boolean(r->spf_aligned));
	json_object_set_new(e, "dkim_aligned", json_boolean(r->dkim_aligned));
	{
		/* Each identifier's organizational domain (RFC 9989
		 * 4.10.2), as alignment used it. */
		json_t *orgs = json_object();

		for (size_t i = 0; i < r->norgs; i++)
			json_object_set_new(orgs, r->orgs[i].domain,
					    json_string(r->orgs[i].org));
		json_object_set_new(e, "org_domains", orgs);
	}
	json_object_set_new(e, "disposition",
			    strcmp(r->dmarc_verdict, "fail") == 0
				? json_string(dmarc_policy_name(r->disposition))
				: json_null());
	if (r->dmarc && r->dmarc->record) {
		json_object_set_new(e, "pct",
				    json_integer(dmarc_pct(&r->dmarc->parsed)));
		json_object_set_new(
		    e, "testing",
		    json_boolean(r->dmarc->parsed.t == DMARC_BOOL_YES));
	}
	json_object_set_new(o, "dmarc", e);

	a = json_array();
	for (size_t i = 0; i < r->nar; i++)
		json_array_append_new(a, authres_to_json(&r->ar[i]));
	json_object_set_new(o, "authentication_results", a);

	a = json_array();
	for (size_t i = 0; i < r->ndis; i++) {
		const struct mail_disagreement *d = &r->dis[i];

		e = json_object();
		json_object_set_new(e, "authserv_id",
				    json_string(d->authserv_id));
		json_object_set_new(e, "method", json_string(d->method));
		json_object_set_new(e, "identity", str_or_null(d->identity));
		json_object_set_new(e, "theirs", json_string(d->theirs));
		json_object_set_new(e, "ours", json_string(d->ours));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "disagreements", a);

	a = json_array();
	for (size_t i = 0; i < r->nrules; i++) {
		const struct mail_rule *m = &r->rules[i];

		e = json_object();
		json_object_set_new(e, "rule", json_string(m->rule));
		json_object_set_new(
		    e, "result", json_string(mail_rule_result_name(m->result)));
		json_object_set_new(e, "fix", str_or_null(m->fix));
		json_object_set_new(e, "detail", str_or_null(m->detail));
		json_object_set_new(e, "senders", json_string(m->senders));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "bulk_sender", a);
	json_object_set_new(o, "findings", findings_to_json(&r->findings));
	json_object_set_new(o, "good", json_boolean(mail_report_good(r)));
	return o;
}
