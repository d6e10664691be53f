/* The whole-domain audit and its text and JSON forms. */
#include "config.h"

#include "audit/audit.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "dns/dns.h"
#include "util/dname.h"
#include "util/i18n.h"
#include "dmarc/orgdomain.h"
#include "dns/propagate.h"
#include "providers/providers.h"
#include "spf/spf.h"
#include "spf/spf_check.h"
#include "util/text.h"
#include "util/xalloc.h"

/* What an outstanding address query fills in. */
struct addr_slot {
	struct audit_run_state *st;
	char ***addresses; /* where to append */
	size_t *naddresses;
	char **result;     /* dns_result_name() of the A query, or NULL */
	size_t mx_index;   /* for MX hosts: which one; SIZE_MAX for NS */
	bool is_a;
};

/* The audit while its queries run. */
struct audit_run_state {
	struct audit *a;
	struct dns *dns;
	struct addr_slot **slots; /* freed at the end */
	size_t nslots;
	/* Per MX host: how many of its A/AAAA queries answered negatively
	 * or failed, to tell "no address" from "could not tell". */
	size_t *mx_negative;
	size_t *mx_failed;
	size_t *mx_answered;
	const struct audit_options *o;
	char **first_selectors; /* the batch asked at once */
	size_t nfirst;
	const struct provider **seen; /* services in SPF includes / MX */
	size_t nseen;
	bool root_answered, mx_answered_all;
	bool soa_retried; /* the SOA check moved up to the zone apex */
	struct spf_check_run *spf_run;
};

/* Adds dns.temperror for a failed query of the audit. */
static void audit_temperror(struct findings *f, const char *type,
			    const char *name, const struct dns_answer *ans)
{
	struct finding *x;

	x = findings_add(f, F_DNS_TEMPERROR, _("The query %s %s failed (%s): %s"),
			 type, name, dns_result_name(ans->result),
			 ans->error ? ans->error : "");
	finding_set_advice(x, _("Check that the domain's name servers "
				"answer; until they do, receivers treat "
				"SPF and DMARC as temporary errors."));
}

/* Collects the A or AAAA addresses of an MX or NS host. */
static void addr_answer(void *arg, const struct dns_answer *ans)
{
	struct addr_slot *s = arg;
	struct audit_run_state *st = s->st;

	for (size_t i = 0; i < ans->count; i++) {
		const struct dns_rr *rr = &ans->rrs[i];

		if (rr->type != DNS_T_A && rr->type != DNS_T_AAAA)
			continue;
		*s->addresses = xrealloc(*s->addresses, (*s->naddresses + 1) *
							    sizeof(char *));
		(*s->addresses)[(*s->naddresses)++] = dns_rr_data_to_string(rr);
	}
	if (s->result && s->is_a)
		*s->result = xstrdup(dns_result_name(ans->result));
	if (s->mx_index != SIZE_MAX) {
		size_t i = s->mx_index;

		st->mx_answered[i]++;
		if (ans->result == DNS_NODATA || ans->result == DNS_NXDOMAIN)
			st->mx_negative[i]++;
		else if (ans->result != DNS_DATA) {
			st->mx_failed[i]++;
			audit_temperror(&st->a->mx_findings,
					s->is_a ? "A" : "AAAA", ans->qname,
					ans);
		}
	}
}

/* Starts A and AAAA queries for a host. */
static void query_addresses(struct audit_run_state *st, const char *host,
			    char ***addresses, size_t *naddresses,
			    char **result, size_t mx_index)
{
	for (int k = 0; k < 2; k++) {
		struct addr_slot *s = xcalloc(1, sizeof *s);

		s->st = st;
		s->addresses = addresses;
		s->naddresses = naddresses;
		s->result = result;
		s->mx_index = mx_index;
		s->is_a = k == 0;
		st->slots = xrealloc(st->slots,
				     (st->nslots + 1) * sizeof *st->slots);
		st->slots[st->nslots++] = s;
		dns_query(st->dns, host, k == 0 ? DNS_T_A : DNS_T_AAAA,
			  addr_answer, s);
	}
}

/* Keeps the selectors discovery found. */
static void dkim_answer(void *arg, struct dkim_selector_result *found,
			size_t count)
{
	struct audit_run_state *st = arg;
	struct audit *a = st->a;

	a->dkim = xrealloc(a->dkim, (a->ndkim + count + 1) * sizeof *a->dkim);
	if (count)
		memcpy(a->dkim + a->ndkim, found, count * sizeof *found);
	a->ndkim += count;
	/* The elements are ours now; only the array goes. */
	free(found);
}

/* Takes the finished SPF tree. */
static void spf_answer(void *arg, struct spf_check *check)
{
	struct audit_run_state *st = arg;

	/* The run itself is freed by audit_run with spf_check_run_free. */
	st->a->spf = check;
}

/* Notes a service seen in the SPF record or an MX host. */
static void see_provider(struct audit_run_state *st,
			 const struct provider *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < st->nseen; i++)
		if (st->seen[i] == p)
			return;
	st->seen = xrealloc(st->seen, (st->nseen + 1) * sizeof *st->seen);
	st->seen[st->nseen++] = p;
}

/* Once the SPF record and the MX hosts are known, asks the selectors of
 * the services they reveal that the first batch did not ask. */
static void dkim_second_batch(struct audit_run_state *st)
{
	char **all, **extra;
	size_t nall, nextra = 0;

	if (!st->root_answered || !st->mx_answered_all || st->nseen == 0)
		return;
	all = dkim_audit_selectors(st->o->selectors, st->o->nselectors,
				   st->seen, st->nseen, &nall);
	extra = xcalloc(nall + 1, sizeof *extra);
	for (size_t i = 0; i < nall; i++) {
		bool asked = false;

		for (size_t k = 0; k < st->nfirst; k++)
			if (!strcmp(all[i], st->first_selectors[k]))
				asked = true;
		if (!asked)
			extra[nextra++] = all[i];
	}
	if (nextra) {
		dkim_discover(st->dns, st->a->domain,
			      (const char *const *)extra, nextra, dkim_answer,
			      st);
		st->a->dkim_probed += nextra;
	}
	free(extra);
	dkim_selectors_free(all, nall);
}

/* Reads the domain's SPF record for the services it includes (the SPF
 * accounting asks the same name; this copy only feeds DKIM). */
static void root_answer(void *arg, const struct dns_answer *ans)
{
	struct audit_run_state *st = arg;
	struct dns_txt_string *txt;
	size_t count, index;

	txt = dns_answer_txt_joined(ans, &count);
	if (st->o->providers && spf_select(txt, count, &index) == 1) {
		struct spf_record *rec = NULL;

		if (spf_parse(txt[index].data, txt[index].len, &rec, NULL,
			      NULL) == STATUS_OK) {
			for (size_t i = 0; i < rec->count; i++) {
				char *term;

				if (rec->terms[i].kind != SPF_INCLUDE)
					continue;
				term = spf_term_format(&rec->terms[i]);
				see_provider(st, providers_match_spf(
						     st->o->providers, term));
				free(term);
			}
		}
		spf_record_free(rec);
	}
	dns_txt_joined_free(txt, count);
	st->root_answered = true;
	dkim_second_batch(st);
}

/* Collects the MX records and asks for their hosts' addresses. */
static void mx_answer(void *arg, const struct dns_answer *ans)
{
	struct audit_run_state *st = arg;
	struct audit *a = st->a;

	a->mx_result = xstrdup(dns_result_name(ans->result));
	for (size_t i = 0; i < ans->count; i++)
		if (ans->rrs[i].type == DNS_T_MX)
			a->nmx++;
	a->mx = xcalloc(a->nmx ? a->nmx : 1, sizeof *a->mx);
	st->mx_negative = xcalloc(a->nmx ? a->nmx : 1, sizeof(size_t));
	st->mx_failed = xcalloc(a->nmx ? a->nmx : 1, sizeof(size_t));
	st->mx_answered = xcalloc(a->nmx ? a->nmx : 1, sizeof(size_t));
	a->nmx = 0;
	for (size_t i = 0; i < ans->count; i++) {
		const struct dns_rr *rr = &ans->rrs[i];
		struct audit_mx *mx;

		if (rr->type != DNS_T_MX)
			continue;
		mx = &a->mx[a->nmx];
		mx->preference = rr->u.mx.preference;
		mx->host = text_clean_str(rr->u.mx.host);
		/* RFC 7505: "0 ." (an empty host) says the domain takes
		 * no mail; there is nothing to resolve. */
		if (*rr->u.mx.host)
			query_addresses(st, rr->u.mx.host, &mx->addresses,
					&mx->naddresses, &mx->addr_result,
					a->nmx);
		a->nmx++;
	}
	if (ans->result != DNS_DATA && ans->result != DNS_NODATA &&
	    ans->result != DNS_NXDOMAIN)
		audit_temperror(&a->mx_findings, "MX", a->domain, ans);
	for (size_t i = 0; st->o->providers && i < a->nmx; i++)
		see_provider(st, providers_match_mx(st->o->providers,
						    a->mx[i].host));
	st->mx_answered_all = true;
	dkim_second_batch(st);
}

/* Collects the NS records and asks for their hosts' addresses. */
static void ns_answer(void *arg, const struct dns_answer *ans)
{
	struct audit_run_state *st = arg;
	struct audit *a = st->a;

	a->ns_result = xstrdup(dns_result_name(ans->result));
	for (size_t i = 0; i < ans->count; i++)
		if (ans->rrs[i].type == DNS_T_NS)
			a->nns++;
	a->ns = xcalloc(a->nns ? a->nns : 1, sizeof *a->ns);
	a->nns = 0;
	for (size_t i = 0; i < ans->count; i++) {
		const struct dns_rr *rr = &ans->rrs[i];
		struct audit_ns *ns;

		if (rr->type != DNS_T_NS)
			continue;
		ns = &a->ns[a->nns++];
		ns->host = text_clean_str(rr->u.host);
		query_addresses(st, rr->u.host, &ns->addresses,
				&ns->naddresses, NULL, SIZE_MAX);
	}
}

/* Writes the MX findings once every address query is answered. */
static void mx_findings(struct audit_run_state *st)
{
	struct audit *a = st->a;
	struct finding *f;

	if (a->mx_result && (!strcmp(a->mx_result, "nodata") ||
			     !strcmp(a->mx_result, "nxdomain"))) {
		/* RFC 5321 5.1: without MX, mail goes to the address
		 * records of the domain itself. */
		f = findings_add(&a->mx_findings, F_MX_MISSING,
				 _("%s has no MX record: mail to it goes to "
				   "its own A/AAAA address, if any."),
				 a->domain);
		finding_set_advice(f, _("Publish MX records for the hosts "
					"that receive its mail, or \"MX 0 .\" "
					"(RFC 7505) if the domain takes no "
					"mail."));
	}
	for (size_t i = 0; i < a->nmx; i++) {
		struct audit_mx *mx = &a->mx[i];

		if (!*mx->host || mx->naddresses > 0 || st->mx_failed[i] ||
		    st->mx_negative[i] < 2)
			continue;
		f = findings_add(&a->mx_findings, F_MX_UNRESOLVABLE,
				 _("The MX host %s has no A or AAAA "
				   "record: mail cannot be delivered "
				   "there."),
				 mx->host);
		finding_set_record(f, mx->host);
		finding_set_advice(f, _("Correct the MX target or publish "
					"the host's address records."));
	}
}

/* Gathers the SPF and DKIM findings once everything is answered. */
static void spf_dkim_findings(struct audit *a)
{
	struct finding *f;
	size_t keys = 0;

	if (a->spf)
		findings_move(&a->spf_findings, &a->spf->findings);
	for (size_t i = 0; i < a->ndkim; i++) {
		findings_move(&a->dkim_findings, &a->dkim[i].findings);
		keys += a->dkim[i].dns == DNS_DATA;
	}
	if (keys == 0 && !findings_has(&a->dkim_findings, F_DNS_TEMPERROR)) {
		f = findings_add(&a->dkim_findings, F_DKIM_MISSING,
				 _("No DKIM key at any of the %zu selectors "
				   "probed under _domainkey.%s."),
				 a->dkim_probed, a->domain);
		finding_set_advice(f, _("Sign outgoing mail with DKIM: "
					"enable it at each sending service, "
					"or create a key with dmarcpilot dkim "
					"keygen DOMAIN SELECTOR and publish "
					"its record."));
	}
}

/* Keeps the SOA each name server serves; when the domain is not a zone
 * apex, asks again at the apex the NS walk found. */
static void soa_answer(void *arg, struct propagate_result *r)
{
	struct audit_run_state *st = arg;
	struct err err = ERR_INIT;

	if (!st->soa_retried && r->zone && strcmp(r->zone, r->name) != 0) {
		char *zone = xstrdup(r->zone);

		st->soa_retried = true;
		propagate_result_free(r);
		if (propagate_start(st->dns, zone, DNS_T_SOA, NULL,
				    st->o->ns_servers, soa_answer, st,
				    &err) != STATUS_OK)
			err_done(&err);
		free(zone);
		return;
	}
	st->a->soa = r;
}

/* The server's name for a message: "ns1.example.com (192.0.2.53:53)". */
static char *server_label(const struct propagate_server *s)
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

/* Adds dns.ns_disagree when the zone's name servers serve different
 * serials (one lags behind the primary: RFC 1996 NOTIFY and RFC 1995
 * IXFR keep them level), and for each server that answers without
 * authority (RFC 1034 4.3.1: a lame delegation). */
static void ns_findings(struct audit *a)
{
	const struct propagate_result *r = a->soa;
	const struct propagate_server *first = NULL;
	struct strbuf list = STRBUF_INIT;
	bool differ = false;
	struct finding *f;

	if (!r)
		return;
	for (size_t i = 0; i < r->count; i++) {
		const struct propagate_server *s = &r->servers[i];
		char *label;

		/* RFC 1035 4.1.1: rcode 5 is Refused. */
		if (s->state == PROPAGATE_UNREACHABLE &&
		    (s->result == DNS_DATA || s->result == DNS_NODATA ||
		     s->result == DNS_NXDOMAIN || s->rcode == 5)) {
			label = server_label(s);
			f = findings_add(&a->ns_findings, F_DNS_NS_DISAGREE,
					 _("The name server %s is listed for "
					   "%s but does not answer for it "
					   "with authority (a lame "
					   "delegation)."),
					 label, r->name);
			finding_set_advice(f, _("Load the zone on that server "
						"or remove it from the NS "
						"records and the parent's "
						"delegation."));
			free(label);
			continue;
		}
		if (!s->has_serial)
			continue;
		if (!first)
			first = s;
		else if (s->serial != first->serial)
			differ = true;
		label = server_label(s);
		strbuf_addf(&list, "%s%s %" PRIu32, list.len ? ", " : "",
			    label, s->serial);
		free(label);
	}
	if (differ) {
		f = findings_add(&a->ns_findings, F_DNS_NS_DISAGREE,
				 _("The name servers of %s serve different "
				   "versions of the zone (SOA serials: %s): "
				   "what one of them answers may be out of "
				   "date."),
				 r->name, list.data);
		finding_set_advice(f, _("Check that zone transfers from the "
					"primary reach every secondary "
					"(NOTIFY, IXFR/AXFR) before "
					"publishing or verifying the next "
					"step."));
	}
	strbuf_done(&list);
}

/* Runs the audit. */
struct audit *audit_run(struct dns *dns, const struct orgdomain *od,
			const char *domain, const struct audit_options *o)
{
	static const struct audit_options none;
	struct audit *a = xcalloc(1, sizeof *a);
	struct audit_run_state st = { .a = a, .dns = dns, .o = o ? o : &none };
	struct dmarc_discovery *disc;

	a->domain = dname_lookup_form(domain);
	/* Everything independent goes out now; the callbacks start what
	 * depends on an answer. */
	disc = dmarc_discover(dns, od, a->domain, 0);
	if (dmarc_discovery_result(disc) &&
	    dmarc_discovery_result(disc)->status == STATUS_USAGE) {
		a->dmarc = dmarc_discovery_take(disc);
		a->status = STATUS_USAGE;
		a->error = xstrdup(a->dmarc->error);
		goto out;
	}
	st.spf_run = spf_check_start(dns, a->domain, spf_answer, &st);
	st.first_selectors = dkim_audit_selectors(st.o->selectors,
						  st.o->nselectors, NULL, 0,
						  &st.nfirst);
	dkim_discover(dns, a->domain, (const char *const *)st.first_selectors,
		      st.nfirst, dkim_answer, &st);
	a->dkim_probed = st.nfirst;
	dns_query(dns, a->domain, DNS_T_TXT, root_answer, &st);
	dns_query(dns, a->domain, DNS_T_MX, mx_answer, &st);
	dns_query(dns, a->domain, DNS_T_NS, ns_answer, &st);
	{
		struct err err = ERR_INIT;

		if (propagate_start(dns, a->domain, DNS_T_SOA, NULL,
				    st.o->ns_servers, soa_answer, &st,
				    &err) != STATUS_OK) {
			a->status = STATUS_USAGE;
			a->error = xstrdup(err_message(&err));
			err_done(&err);
			dns_cancel_all(dns);
			goto out;
		}
	}
	if (dns_run(dns) != STATUS_OK) {
		a->status = STATUS_IO;
		a->error = xstrdup(_("the resolver's poll loop failed"));
		dns_cancel_all(dns);
	}
	a->dmarc = dmarc_discovery_take(disc);
	if (a->dmarc && a->dmarc->status != STATUS_OK &&
	    a->status == STATUS_OK) {
		a->status = a->dmarc->status;
		a->error = xstrdup(a->dmarc->error);
	}
	spf_dkim_findings(a);
	mx_findings(&st);
	ns_findings(a);
out:
	spf_check_run_free(st.spf_run);
	dmarc_discovery_free(disc);
	dkim_selectors_free(st.first_selectors, st.nfirst);
	free(st.seen);
	for (size_t i = 0; i < st.nslots; i++)
		free(st.slots[i]);
	free(st.slots);
	free(st.mx_negative);
	free(st.mx_failed);
	free(st.mx_answered);
	return a;
}

/* Frees an address list. */
static void strings_free(char **list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(list[i]);
	free(list);
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
		strings_free(a->mx[i].addresses, a->mx[i].naddresses);
		free(a->mx[i].addr_result);
	}
	free(a->mx);
	free(a->mx_result);
	for (size_t i = 0; i < a->nns; i++) {
		free(a->ns[i].host);
		strings_free(a->ns[i].addresses, a->ns[i].naddresses);
	}
	free(a->ns);
	free(a->ns_result);
	propagate_result_free(a->soa);
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
		struct finding *f = findings_add(dst, s->code, "%s",
						 s->message);

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
		json_object_set_new(j, "address", s->address
						     ? json_string(s->address)
						     : json_null());
		json_object_set_new(j, "state",
				    json_string(propagate_state_name(
					s->state)));
		json_object_set_new(j, "serial",
				    s->has_serial
					? json_integer((json_int_t)s->serial)
					: json_null());
		json_array_append_new(servers, j);
	}
	json_object_set_new(o, "servers", servers);
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

		json_object_set_new(spf, "domain",
				    json_string(a->spf->domain));
		json_object_set_new(spf, "record",
				    root && root->record
					? json_string(root->record)
					: json_null());
		json_object_set_new(spf, "lookups",
				    json_integer((json_int_t)a->spf->lookups));
		json_object_set_new(spf, "void_lookups",
				    json_integer(
					(json_int_t)a->spf->void_lookups));
		json_object_set_new(spf, "tree", root ? spf_node_to_json(root)
						      : json_null());
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
		json_object_set_new(k, "cname", r->cname ? json_string(r->cname)
							 : json_null());
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

		json_object_set_new(d, "rung", rung ? json_string(rung)
						    : json_null());
		free(rung);
		json_object_set_new(o, "dmarc", d);
	} else {
		json_object_set_new(o, "dmarc", json_null());
	}
	json_object_set_new(mx, "result", a->mx_result
						? json_string(a->mx_result)
						: json_null());
	for (size_t i = 0; i < a->nmx; i++) {
		json_t *h = json_object();

		json_object_set_new(h, "preference",
				    json_integer(a->mx[i].preference));
		json_object_set_new(h, "host", json_string(a->mx[i].host));
		json_object_set_new(h, "addresses",
				    json_strings(a->mx[i].addresses,
						 a->mx[i].naddresses));
		json_array_append_new(mx_hosts, h);
	}
	json_object_set_new(mx, "hosts", mx_hosts);
	json_object_set_new(mx, "findings", findings_to_json(&a->mx_findings));
	json_object_set_new(o, "mx", mx);
	for (size_t i = 0; i < a->nns; i++) {
		json_t *h = json_object();

		json_object_set_new(h, "host", json_string(a->ns[i].host));
		json_object_set_new(h, "addresses",
				    json_strings(a->ns[i].addresses,
						 a->ns[i].naddresses));
		json_array_append_new(ns, h);
	}
	json_object_set_new(o, "ns", ns);
	json_object_set_new(o, "ns_serials", soa_to_json(a->soa));
	json_object_set_new(o, "ns_findings",
			    findings_to_json(&a->ns_findings));
	audit_all_findings(a, &all);
	json_object_set_new(o, "findings", findings_to_json(&all));
	findings_done(&all);
	return o;
}

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
		label = server_label(s);
		strbuf_addf(sb, _("  Serial %" PRIu32 " at %s\n"), s->serial,
			    label);
		free(label);
	}
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
		strbuf_addf(sb, _("  Lookups:  %zu of 10, void lookups %zu "
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
}
