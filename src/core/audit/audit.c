/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The whole-domain audit while it runs: every query started at once on
 * one resolver (DMARC, MX, NS and their addresses, SPF, DKIM, SOA,
 * TLS-RPT, BIMI, MTA-STS, DNSSEC and the STARTTLS probes), each answer
 * starting what depends on it, and the findings made from them when
 * the last one is in. */
#include "config.h"

#include "audit/audit.h"
#include "audit/audit_private.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dkim/dkim.h"
#include "dns/dns.h"
#include "audit/bimi.h"
#include "audit/dnssec.h"
#include "audit/https.h"
#include "audit/mta_sts.h"
#include "audit/smtp_tls.h"
#include "audit/tlsrpt.h"
#include "util/dname.h"
#include "util/i18n.h"
#include "dmarc/orgdomain.h"
#include "dns/propagate.h"
#include "providers/providers.h"
#include "spf/spf.h"
#include "spf/spf_check.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* What an outstanding address query fills in. */
struct addr_slot {
	struct audit_run_state *st;
	char ***addresses; /* where to append */
	size_t *naddresses;
	char **result;   /* dns_result_name() of the A query, or NULL */
	size_t mx_index; /* for MX hosts: which one; SIZE_MAX for NS */
	bool is_a;
};

/* Starts a query of the audit, counting it as outstanding. */
static void audit_query(struct audit_run_state *st, const char *name,
			enum dns_type type, dns_callback cb, void *arg)
{
	st->outstanding++;
	dns_query(st->dns, name, type, cb, arg);
}

/* Adds dns.temperror for a failed query of the audit. */
static void audit_temperror(struct findings *f, const char *type,
			    const char *name, const struct dns_answer *ans)
{
	struct finding *x;

	x = findings_add(
	    f, F_DNS_TEMPERROR, _("The query %s %s failed (%s): %s"), type,
	    name, dns_result_name(ans->result), ans->error ? ans->error : "");
	finding_set_advice(x, _("Check that the domain's name servers "
				"answer; until they do, receivers treat "
				"SPF and DMARC as temporary errors."));
}

/* An outstanding STARTTLS probe of one MX host. */
struct smtp_slot {
	struct audit_run_state *st;
	size_t mx_index;
	char *address;
	int port;
};

/* Keeps what the STARTTLS probe of an MX host saw. */
static void smtp_answer(void *arg, const struct smtp_tls_response *r)
{
	struct smtp_slot *s = arg;
	struct audit_mx *mx = &s->st->a->mx[s->mx_index];

	s->st->outstanding--;
	mx->smtp =
	    smtp_tls_result_new(mx->host, s->address, s->port, r, time(NULL));
	free(s->address);
	free(s);
}

/* Probes the MX host's STARTTLS (--smtp) once both its address queries
 * are in: an IPv4 address first, as most senders still reach MX hosts
 * over it. */
static void smtp_probe(struct audit_run_state *st, size_t i)
{
	struct audit_mx *mx = &st->a->mx[i];
	struct smtp_tls_request req = { 0 };
	struct smtp_slot *s;
	size_t pick = 0;

	if (!st->o->smtp || !st->https || mx->naddresses == 0)
		return;
	for (size_t k = mx->naddresses; k-- > 0;)
		if (!strchr(mx->addresses[k], ':'))
			pick = k;
	s = xcalloc(1, sizeof *s);
	s->st = st;
	s->mx_index = i;
	s->address = xstrdup(mx->addresses[pick]);
	s->port = st->o->smtp_port ? st->o->smtp_port : 25;
	req.host = mx->host;
	req.address = s->address;
	req.port = s->port;
	req.cafile = st->o->https_cafile;
	req.timeout_ms = st->o->smtp_timeout_ms;
	st->outstanding++;
	https_smtp_starttls(st->https, &req, smtp_answer, s);
}

/* Collects the A or AAAA addresses of an MX or NS host. */
static void addr_answer(void *arg, const struct dns_answer *ans)
{
	struct addr_slot *s = arg;
	struct audit_run_state *st = s->st;

	st->outstanding--;
	for (size_t i = 0; i < ans->count; i++) {
		const struct dns_rr *rr = &ans->rrs[i];

		if (rr->type != DNS_T_A && rr->type != DNS_T_AAAA)
			continue;
		strlist_add(s->addresses, s->naddresses,
			    dns_rr_data_to_string(rr));
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
		if (st->mx_answered[i] == 2)
			smtp_probe(st, i);
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
		st->slots =
		    xrealloc(st->slots, (st->nslots + 1) * sizeof *st->slots);
		st->slots[st->nslots++] = s;
		audit_query(st, host, k == 0 ? DNS_T_A : DNS_T_AAAA,
			    addr_answer, s);
	}
}

/* Keeps the selectors discovery found. */
static void dkim_answer(void *arg, struct dkim_selector_result *found,
			size_t count)
{
	struct audit_run_state *st = arg;
	struct audit *a = st->a;

	st->outstanding--;
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

	st->outstanding--;
	/* The run itself is freed by audit_run with spf_check_run_free. */
	st->a->spf = check;
}

/* Notes a service seen in the SPF record or an MX host. */
static void see_provider(struct audit_run_state *st, const struct provider *p)
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
		st->outstanding++;
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

	st->outstanding--;
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

	st->outstanding--;
	a->mx_result = xstrdup(dns_result_name(ans->result));
	a->nmx = dns_answer_count(ans, DNS_T_MX);
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
		see_provider(
		    st, providers_match_mx(st->o->providers, a->mx[i].host));
	st->mx_answered_all = true;
	dkim_second_batch(st);
}

/* Collects the NS records and asks for their hosts' addresses. */
static void ns_answer(void *arg, const struct dns_answer *ans)
{
	struct audit_run_state *st = arg;
	struct audit *a = st->a;

	st->outstanding--;
	a->ns_result = xstrdup(dns_result_name(ans->result));
	a->nns = dns_answer_count(ans, DNS_T_NS);
	a->ns = xcalloc(a->nns ? a->nns : 1, sizeof *a->ns);
	a->nns = 0;
	for (size_t i = 0; i < ans->count; i++) {
		const struct dns_rr *rr = &ans->rrs[i];
		struct audit_ns *ns;

		if (rr->type != DNS_T_NS)
			continue;
		ns = &a->ns[a->nns++];
		ns->host = text_clean_str(rr->u.host);
		query_addresses(st, rr->u.host, &ns->addresses, &ns->naddresses,
				NULL, SIZE_MAX);
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

	st->outstanding--;
	if (!st->soa_retried && r->zone && strcmp(r->zone, r->name) != 0) {
		char *zone = xstrdup(r->zone);

		st->soa_retried = true;
		propagate_result_free(r);
		st->outstanding++;
		if (propagate_start(st->dns, zone, DNS_T_SOA, NULL,
				    st->o->ns_servers, soa_answer, st,
				    &err) != STATUS_OK) {
			st->outstanding--;
			err_done(&err);
		}
		free(zone);
		return;
	}
	st->a->soa = r;
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
			label = audit_server_label(s);
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
		label = audit_server_label(s);
		strbuf_addf(&list, "%s%s %" PRIu32, list.len ? ", " : "", label,
			    s->serial);
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

/* Keeps the zone's SOA record; a name below the apex has none, so the
 * organizational domain's is asked next. */
static void soa_record_answer(void *arg, const struct dns_answer *ans)
{
	struct audit_run_state *st = arg;
	struct audit_soa *soa = &st->a->soa_record;

	st->outstanding--;
	for (size_t i = 0; i < ans->count; i++) {
		const struct dns_rr *rr = &ans->rrs[i];

		if (rr->type != DNS_T_SOA || soa->zone)
			continue;
		soa->zone = xstrdup(rr->name);
		soa->mname = text_clean_str(rr->u.soa.mname);
		soa->rname = text_clean_str(rr->u.soa.rname);
		soa->serial = rr->u.soa.serial;
		soa->refresh = rr->u.soa.refresh;
		soa->retry = rr->u.soa.retry;
		soa->expire = rr->u.soa.expire;
		soa->minimum = rr->u.soa.minimum;
		return;
	}
	if (ans->result == DNS_NODATA && st->od &&
	    strcmp(ans->qname, st->a->domain) == 0) {
		char *org = orgdomain_of(st->od, st->a->domain);

		if (org && strcmp(org, st->a->domain) != 0)
			audit_query(st, org, DNS_T_SOA, soa_record_answer, st);
		free(org);
	}
}

/* Keeps the TLS-RPT verdict. */
static void tlsrpt_answer(void *arg, const struct dns_answer *ans)
{
	struct audit_run_state *st = arg;

	st->outstanding--;
	st->a->tlsrpt = tlsrpt_judge(st->a->domain, ans);
}

/* Keeps the BIMI verdict; without a record at the domain, receivers
 * look at the organizational domain (BIMI 4.4), and so does the audit. */
static void bimi_answer(void *arg, const struct dns_answer *ans)
{
	struct audit_run_state *st = arg;
	struct audit *a = st->a;
	bool inherited = a->bimi != NULL;
	const char *name = ans->qname + strlen("default._bimi.");

	st->outstanding--;
	if (!inherited &&
	    (ans->result == DNS_NODATA || ans->result == DNS_NXDOMAIN) &&
	    st->od) {
		char *org = orgdomain_of(st->od, a->domain);

		if (org && strcmp(org, a->domain) != 0) {
			char *q = xasprintf("default._bimi.%s", org);

			/* Kept until the organizational answer replaces
			 * it, so that this one is known to be first. */
			a->bimi = bimi_judge(name, false, ans);
			audit_query(st, q, DNS_T_TXT, bimi_answer, st);
			free(q);
			free(org);
			return;
		}
		free(org);
	}
	if (inherited) {
		struct bimi_result *own = a->bimi;

		if (ans->result == DNS_NODATA || ans->result == DNS_NXDOMAIN) {
			/* Neither has a record: report the domain's own. */
			return;
		}
		a->bimi = bimi_judge(name, true, ans);
		bimi_result_free(own);
		return;
	}
	a->bimi = bimi_judge(name, false, ans);
}

/* Judges the fetched MTA-STS policy. */
static void sts_policy_answer(void *arg, const struct https_response *r)
{
	struct audit_run_state *st = arg;

	st->outstanding--;
	mta_sts_judge_policy(st->a->mta_sts, r);
}

/* Collects the addresses of mta-sts.DOMAIN; with both answers in,
 * fetches the policy from them (RFC 8461 3.3), so that libcurl asks
 * no resolver of its own. */
static void sts_addr_answer(void *arg, const struct dns_answer *ans)
{
	struct audit_run_state *st = arg;
	struct https_request req = { .path = MTA_STS_PATH };
	char *host = xasprintf("mta-sts.%s", st->a->domain);

	st->outstanding--;
	for (size_t i = 0; i < ans->count; i++) {
		if (ans->rrs[i].type != DNS_T_A &&
		    ans->rrs[i].type != DNS_T_AAAA)
			continue;
		strlist_add(&st->sts_addresses, &st->nsts_addresses,
			    dns_rr_data_to_string(&ans->rrs[i]));
	}
	if (++st->sts_answers < 2)
		goto out;
	if (st->nsts_addresses == 0) {
		mta_sts_no_address(st->a->mta_sts, host,
				   dns_result_name(ans->result));
		goto out;
	}
	req.host = host;
	req.port = st->o->https_port;
	req.addresses = (const char *const *)st->sts_addresses;
	req.naddresses = st->nsts_addresses;
	req.cafile = st->o->https_cafile;
	req.max_size = MTA_STS_POLICY_MAX;
	st->outstanding++;
	https_get(st->https, &req, sts_policy_answer, st);
out:
	free(host);
}

/* Judges the _mta-sts record and, for a valid one, looks up the host
 * the policy is served from. */
static void sts_txt_answer(void *arg, const struct dns_answer *ans)
{
	struct audit_run_state *st = arg;
	char *host;
	bool fetch;

	st->outstanding--;
	st->a->mta_sts = mta_sts_judge_txt(st->a->domain, ans, &fetch);
	if (!fetch || !st->https)
		return;
	host = xasprintf("mta-sts.%s", st->a->domain);
	audit_query(st, host, DNS_T_A, sts_addr_answer, st);
	audit_query(st, host, DNS_T_AAAA, sts_addr_answer, st);
	free(host);
}

/* Counts the DNSSEC questions of the audit as answered. */
static void dnssec_done(void *arg)
{
	struct audit_run_state *st = arg;

	st->outstanding--;
}

/* Starts the audit. */
struct audit_run_state *audit_start(struct dns *dns, struct https *https,
				    const struct orgdomain *od,
				    const char *domain,
				    const struct audit_options *o)
{
	static const struct audit_options none;
	struct audit_run_state *st = xcalloc(1, sizeof *st);
	struct audit *a = xcalloc(1, sizeof *a);
	struct err err = ERR_INIT;
	char *name;

	st->a = a;
	st->dns = dns;
	st->https = https;
	st->od = od;
	st->o = o ? o : &none;
	a->domain = dname_lookup_form(domain);
	/* Everything independent goes out now; the callbacks start what
	 * depends on an answer. */
	st->disc = dmarc_discover(dns, od, a->domain, 0);
	if (dmarc_discovery_result(st->disc) &&
	    dmarc_discovery_result(st->disc)->status == STATUS_USAGE) {
		a->status = STATUS_USAGE;
		a->error = xstrdup(dmarc_discovery_result(st->disc)->error);
		return st;
	}
	st->outstanding++;
	st->spf_run = spf_check_start(dns, a->domain, spf_answer, st);
	st->first_selectors = dkim_audit_selectors(
	    st->o->selectors, st->o->nselectors, NULL, 0, &st->nfirst);
	st->outstanding++;
	dkim_discover(dns, a->domain, (const char *const *)st->first_selectors,
		      st->nfirst, dkim_answer, st);
	a->dkim_probed = st->nfirst;
	audit_query(st, a->domain, DNS_T_TXT, root_answer, st);
	audit_query(st, a->domain, DNS_T_MX, mx_answer, st);
	audit_query(st, a->domain, DNS_T_NS, ns_answer, st);
	audit_query(st, a->domain, DNS_T_SOA, soa_record_answer, st);
	name = xasprintf("_smtp._tls.%s", a->domain);
	audit_query(st, name, DNS_T_TXT, tlsrpt_answer, st);
	free(name);
	name = xasprintf("default._bimi.%s", a->domain);
	audit_query(st, name, DNS_T_TXT, bimi_answer, st);
	free(name);
	name = xasprintf("_mta-sts.%s", a->domain);
	audit_query(st, name, DNS_T_TXT, sts_txt_answer, st);
	free(name);
	if (st->o->dnssec) {
		st->outstanding++;
		a->dnssec =
		    dnssec_check(st->o->dnssec, a->domain, dnssec_done, st);
	}
	st->outstanding++;
	if (propagate_start(dns, a->domain, DNS_T_SOA, NULL, st->o->ns_servers,
			    soa_answer, st, &err) != STATUS_OK) {
		st->outstanding--;
		a->status = STATUS_USAGE;
		a->error = xstrdup(err_message(&err));
		err_done(&err);
	}
	return st;
}

/* True once every query of the audit has been answered. */
bool audit_done(const struct audit_run_state *st)
{
	return st->outstanding == 0 &&
	       (!st->disc || dmarc_discovery_result(st->disc));
}

/* The STARTTLS findings of the MX hosts probed, judged against the
 * MTA-STS policy when one was fetched and valid. */
static void smtp_findings(struct audit *a)
{
	enum mta_sts_mode mode = MTA_STS_MODE_UNSET;

	if (a->mta_sts && a->mta_sts->policy_valid)
		mode = a->mta_sts->policy.mode;
	for (size_t i = 0; i < a->nmx; i++)
		if (a->mx[i].smtp)
			smtp_tls_findings(a->mx[i].smtp, mode, &a->mx_findings);
}

/* Ends the audit: gathers the findings and frees the run. */
struct audit *audit_finish(struct audit_run_state *st)
{
	struct audit *a = st->a;

	if (a->status == STATUS_OK) {
		a->dmarc = dmarc_discovery_take(st->disc);
		if (a->dmarc && a->dmarc->status != STATUS_OK) {
			a->status = a->dmarc->status;
			a->error = xstrdup(a->dmarc->error);
		}
		spf_dkim_findings(a);
		mx_findings(st);
		ns_findings(a);
		if (a->bimi)
			bimi_check_dmarc(a->bimi, a->dmarc);
		if (a->mta_sts) {
			char **hosts = xcalloc(a->nmx + 1, sizeof *hosts);

			for (size_t i = 0; i < a->nmx; i++)
				hosts[i] = a->mx[i].host;
			mta_sts_check_mx(a->mta_sts, hosts, a->nmx);
			free(hosts);
		}
		smtp_findings(a);
		if (a->dnssec)
			dnssec_judge(a->dnssec, a->domain);
	}
	spf_check_run_free(st->spf_run);
	dmarc_discovery_free(st->disc);
	dkim_selectors_free(st->first_selectors, st->nfirst);
	free(st->seen);
	for (size_t i = 0; i < st->nslots; i++)
		free(st->slots[i]);
	free(st->slots);
	free(st->mx_negative);
	free(st->mx_failed);
	free(st->mx_answered);
	strlist_free(st->sts_addresses, st->nsts_addresses);
	free(st);
	return a;
}
