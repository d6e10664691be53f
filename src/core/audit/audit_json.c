/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The audit as JSON (check --json): the domain's records, the name
 * servers' serials and every finding. */
#include "config.h"

#include "audit/audit.h"

#include <stdlib.h>

#include "audit/bimi.h"
#include "audit/dnssec.h"
#include "audit/mta_sts.h"
#include "audit/smtp_tls.h"
#include "audit/tlsrpt.h"
#include "dkim/dkim.h"
#include "dns/propagate.h"
#include "spf/spf_check.h"

/* A JSON array of strings. */
static json_t *json_strings(char *const *list, size_t count)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < count; i++)
		json_array_append_new(arr, json_string(list[i]));
	return arr;
}

/* The serial each name server serves, as JSON: {"zone", "servers":
 * [{"host", "address", "state", "serial"}]}, or null. */
static json_t *soa_to_json(const struct propagate_result *r)
{
	json_t *o, *servers;

	if (!r)
		return json_null();
	o = json_object();
	servers = json_array();
	json_object_set_new(o, "zone", json_string(r->name));
	for (size_t i = 0; i < r->count; i++) {
		const struct propagate_server *s = &r->servers[i];
		json_t *j = json_object();

		json_object_set_new(j, "host", json_string(s->host));
		json_object_set_new(j, "address",
				    s->address ? json_string(s->address)
					       : json_null());
		json_object_set_new(
		    j, "state", json_string(propagate_state_name(s->state)));
		json_object_set_new(j, "serial",
				    s->has_serial
					? json_integer((json_int_t)s->serial)
					: json_null());
		json_array_append_new(servers, j);
	}
	json_object_set_new(o, "servers", servers);
	return o;
}

/* The SOA record as JSON, or null. */
static json_t *soa_record_to_json(const struct audit_soa *soa)
{
	json_t *o;

	if (!soa->zone)
		return json_null();
	o = json_object();
	json_object_set_new(o, "zone", json_string(soa->zone));
	json_object_set_new(o, "mname", json_string(soa->mname));
	json_object_set_new(o, "rname", json_string(soa->rname));
	json_object_set_new(o, "serial", json_integer(soa->serial));
	json_object_set_new(o, "refresh", json_integer(soa->refresh));
	json_object_set_new(o, "retry", json_integer(soa->retry));
	json_object_set_new(o, "expire", json_integer(soa->expire));
	json_object_set_new(o, "minimum", json_integer(soa->minimum));
	return o;
}

/* The JSON form of the audit. */
json_t *audit_to_json(const struct audit *a, const struct ladder *ladder)
{
	json_t *o = json_object();
	json_t *mx = json_object();
	json_t *mx_hosts = json_array();
	json_t *ns = json_array();
	json_t *dkim = json_array();
	struct findings all = FINDINGS_INIT;

	json_object_set_new(o, "domain", json_string(a->domain));
	if (a->spf) {
		json_t *spf = json_object();
		const struct spf_node *root = a->spf->root;

		json_object_set_new(spf, "domain", json_string(a->spf->domain));
		json_object_set_new(spf, "record",
				    root && root->record
					? json_string(root->record)
					: json_null());
		json_object_set_new(spf, "lookups",
				    json_integer((json_int_t)a->spf->lookups));
		json_object_set_new(
		    spf, "void_lookups",
		    json_integer((json_int_t)a->spf->void_lookups));
		json_object_set_new(
		    spf, "tree", root ? spf_node_to_json(root) : json_null());
		json_object_set_new(spf, "findings",
				    findings_to_json(&a->spf_findings));
		json_object_set_new(o, "spf", spf);
	} else {
		json_object_set_new(o, "spf", json_null());
	}
	for (size_t i = 0; i < a->ndkim; i++) {
		const struct dkim_selector_result *r = &a->dkim[i];
		json_t *k = json_object();

		json_object_set_new(k, "selector", json_string(r->selector));
		json_object_set_new(k, "name", json_string(r->name));
		json_object_set_new(
		    k, "cname", r->cname ? json_string(r->cname) : json_null());
		json_object_set_new(k, "result",
				    json_string(dns_result_name(r->dns)));
		json_object_set_new(k, "record",
				    r->record ? json_string(r->record)
					      : json_null());
		if (r->parsed) {
			json_object_set_new(
			    k, "algorithm",
			    json_string(dkim_key_type_name(r->key.type)));
			json_object_set_new(k, "bits",
					    json_integer(r->key.bits));
			json_object_set_new(k, "testing",
					    json_boolean(r->key.testing));
			json_object_set_new(k, "revoked",
					    json_boolean(r->key.revoked));
		}
		json_array_append_new(dkim, k);
	}
	json_object_set_new(o, "dkim", dkim);
	json_object_set_new(o, "dkim_selectors_probed",
			    json_integer((json_int_t)a->dkim_probed));
	json_object_set_new(o, "dkim_findings",
			    findings_to_json(&a->dkim_findings));
	if (a->dmarc) {
		json_t *d = dmarc_result_to_json(a->dmarc);
		char *rung = audit_dmarc_rung(a->dmarc, ladder);

		json_object_set_new(d, "rung",
				    rung ? json_string(rung) : json_null());
		free(rung);
		json_object_set_new(o, "dmarc", d);
	} else {
		json_object_set_new(o, "dmarc", json_null());
	}
	json_object_set_new(mx, "result",
			    a->mx_result ? json_string(a->mx_result)
					 : json_null());
	for (size_t i = 0; i < a->nmx; i++) {
		json_t *h = json_object();

		json_object_set_new(h, "preference",
				    json_integer(a->mx[i].preference));
		json_object_set_new(h, "host", json_string(a->mx[i].host));
		json_object_set_new(
		    h, "addresses",
		    json_strings(a->mx[i].addresses, a->mx[i].naddresses));
		json_object_set_new(h, "smtp",
				    a->mx[i].smtp
					? smtp_tls_result_to_json(a->mx[i].smtp)
					: json_null());
		json_array_append_new(mx_hosts, h);
	}
	json_object_set_new(mx, "hosts", mx_hosts);
	json_object_set_new(mx, "findings", findings_to_json(&a->mx_findings));
	json_object_set_new(o, "mx", mx);
	for (size_t i = 0; i < a->nns; i++) {
		json_t *h = json_object();

		json_object_set_new(h, "host", json_string(a->ns[i].host));
		json_object_set_new(
		    h, "addresses",
		    json_strings(a->ns[i].addresses, a->ns[i].naddresses));
		json_array_append_new(ns, h);
	}
	json_object_set_new(o, "ns", ns);
	json_object_set_new(o, "soa", soa_record_to_json(&a->soa_record));
	json_object_set_new(o, "ns_serials", soa_to_json(a->soa));
	json_object_set_new(o, "ns_findings",
			    findings_to_json(&a->ns_findings));
	json_object_set_new(o, "tlsrpt",
			    a->tlsrpt ? tlsrpt_result_to_json(a->tlsrpt)
				      : json_null());
	json_object_set_new(
	    o, "bimi", a->bimi ? bimi_result_to_json(a->bimi) : json_null());
	json_object_set_new(o, "mta_sts",
			    a->mta_sts ? mta_sts_result_to_json(a->mta_sts)
				       : json_null());
	json_object_set_new(o, "dnssec",
			    a->dnssec ? dnssec_result_to_json(a->dnssec)
				      : json_null());
	if (a->status != STATUS_OK)
		json_object_set_new(o, "error", json_string(a->error));
	audit_all_findings(a, &all);
	json_object_set_new(o, "findings", findings_to_json(&all));
	findings_done(&all);
	return o;
}
