/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The whole-domain audit and its text and JSON forms. */
#include "config.h"

#include "audit/audit.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
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
	struct https *https;
	char **sts_addresses; /* of mta-sts.DOMAIN */
	size_t nsts_addresses;
	int sts_answers;      /* of its A and AAAA queries */
	const struct orgdomain *od;
	struct dmarc_discovery *disc;
	size_t outstanding; /* callbacks of ours still to run */
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

	x = findings_add(f, F_DNS_TEMPERROR, _("The query %s %s failed (%s): %s"),
			 type, name, dns_result_name(ans->result),
			 ans->error ? ans->error : "");
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
	mx->smtp = smtp_tls_result_new(mx->host, s->address, s->port, r,
				       time(NULL));
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
		st->slots = xrealloc(st->slots,
				     (st->nslots + 1) * sizeof *st->slots);
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

	st->outstanding--;
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
	if (!inherited && (ans->result == DNS_NODATA ||
			   ans->result == DNS_NXDOMAIN) && st->od) {
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
		st->sts_addresses = xrealloc(st->sts_addresses,
					     (st->nsts_addresses + 1) *
						 sizeof *st->sts_addresses);
		st->sts_addresses[st->nsts_addresses++] =
		    dns_rr_data_to_string(&ans->rrs[i]);
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
	st->first_selectors = dkim_audit_selectors(st->o->selectors,
						   st->o->nselectors, NULL, 0,
						   &st->nfirst);
	st->outstanding++;
	dkim_discover(dns, a->domain,
		      (const char *const *)st->first_selectors, st->nfirst,
		      dkim_answer, st);
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
		a->dnssec = dnssec_check(st->o->dnssec, a->domain,
					 dnssec_done, st);
	}
	st->outstanding++;
	if (propagate_start(dns, a->domain, DNS_T_SOA, NULL,
			    st->o->ns_servers, soa_answer, st,
			    &err) != STATUS_OK) {
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
			smtp_tls_findings(a->mx[i].smtp, mode,
					  &a->mx_findings);
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
	for (size_t i = 0; i < st->nsts_addresses; i++)
		free(st->sts_addresses[i]);
	free(st->sts_addresses);
	free(st);
	return a;
}

/* Milliseconds on the monotonic clock. */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The most sockets one turn of the loop waits on: each audit in flight
 * has a few (its name servers, an HTTPS fetch) beside the resolver's. */
#define AUDIT_LOOP_FDS 2048

/* What one audit loop drives: the resolver, the fetcher (may be NULL)
 * and the DNSSEC probe (may be NULL). */
struct audit_loop {
	struct dns *dns;
	struct https *https;
	struct dnssec_probe *dnssec;
};

/* One turn of the audit's loop: one poll() over the resolver's, the
 * fetcher's and the DNSSEC probe's sockets, sleeping at most until end
 * (monotonic ms), then whatever is due. Returns false when poll()
 * itself failed (errno). */
static bool loop_turn(const struct audit_loop *l, struct pollfd *fds,
		      int64_t end)
{
	size_t nd = dns_pollfds(l->dns, fds, AUDIT_LOOP_FDS);
	size_t nh = https_pollfds(l->https, fds + nd, AUDIT_LOOP_FDS - nd);
	size_t ns = dnssec_pollfds(l->dnssec, fds + nd + nh,
				   AUDIT_LOOP_FDS - nd - nh);
	int waits[] = { dns_timeout_ms(l->dns), https_timeout_ms(l->https),
			dnssec_timeout_ms(l->dnssec) };
	int64_t left = end - now_ms();
	int timeout = -1;
	int n;

	for (size_t i = 0; i < sizeof waits / sizeof *waits; i++)
		if (waits[i] >= 0 && (timeout < 0 || waits[i] < timeout))
			timeout = waits[i];
	if (left < 0)
		left = 0;
	if (timeout < 0 || timeout > left)
		timeout = left > INT_MAX ? INT_MAX : (int)left;
	n = poll(fds, nd + nh + ns, timeout);
	if (n < 0 && errno != EINTR)
		return false;
	dns_process(l->dns, n > 0 ? fds : NULL, n > 0 ? nd : 0);
	https_process(l->https, n > 0 ? fds + nd : NULL, n > 0 ? nh : 0);
	dnssec_process(l->dnssec, n > 0 ? fds + nd + nh : NULL,
		       n > 0 ? ns : 0);
	return true;
}

/* True when nothing on the loop waits for anything. */
static bool loop_idle(const struct audit_loop *l)
{
	return dns_pending(l->dns) == 0 && https_pending(l->https) == 0 &&
	       dnssec_pending(l->dnssec) == 0;
}

/* Ends everything outstanding on the loop. */
static void loop_cancel(const struct audit_loop *l)
{
	dnssec_cancel_all(l->dnssec);
	https_cancel_all(l->https);
	dns_cancel_all(l->dns);
}

/* Runs one audit to the end. */
struct audit *audit_run(struct dns *dns, const struct orgdomain *od,
			const char *domain, const struct audit_options *o)
{
	const char *why = NULL;
	struct https *https = https_new(&why);
	struct audit_run_state *st = audit_start(dns, https, od, domain, o);
	struct pollfd *fds = xcalloc(AUDIT_LOOP_FDS, sizeof *fds);
	struct audit_loop loop = { dns, https, o ? o->dnssec : NULL };
	struct audit *a;

	if (st->a->status != STATUS_OK)
		loop_cancel(&loop);
	while (!audit_done(st)) {
		if (loop_idle(&loop)) {
			/* The audit waits on nothing: end rather than
			 * hang. */
			loop_cancel(&loop);
			break;
		}
		if (!loop_turn(&loop, fds, INT64_MAX)) {
			st->a->status = STATUS_IO;
			st->a->error =
			    xstrdup(_("the resolver's poll loop failed"));
			loop_cancel(&loop);
		}
	}
	a = audit_finish(st);
	free(fds);
	https_free(https);
	return a;
}

/* One domain of a batch. */
struct batch_item {
	char *domain;
	const struct audit_options *o;
	struct audit_run_state *run; /* while in flight */
	struct audit *a;             /* once finished */
};

struct audit_batch {
	struct dns *dns;
	struct https *https; /* NULL when libcurl could not start */
	struct dnssec_probe *dnssec; /* the options', when they have one */
	const struct orgdomain *od;
	struct batch_item *items;
	size_t count;
	size_t window;
};

/* A new batch on one resolver. */
struct audit_batch *audit_batch_new(struct dns *dns,
				    const struct orgdomain *od, size_t window)
{
	struct audit_batch *b = xcalloc(1, sizeof *b);
	const char *why;

	b->dns = dns;
	b->https = https_new(&why);
	b->od = od;
	b->window = window ? window : AUDIT_BATCH_WINDOW;
	return b;
}

/* Adds a domain. */
void audit_batch_add(struct audit_batch *b, const char *domain,
		     const struct audit_options *o)
{
	struct batch_item *it;

	b->items = xrealloc(b->items, (b->count + 1) * sizeof *b->items);
	it = &b->items[b->count++];
	memset(it, 0, sizeof *it);
	it->domain = xstrdup(domain);
	it->o = o;
	if (o && o->dnssec)
		b->dnssec = o->dnssec;
}

/* Finishes the audits whose queries are all answered and starts the next
 * ones while the window has room; returns how many are in flight. */
static size_t batch_step(struct audit_batch *b, size_t *next, bool start)
{
	size_t flying = 0;

	for (size_t i = 0; i < *next; i++) {
		struct batch_item *it = &b->items[i];

		if (it->run && audit_done(it->run)) {
			it->a = audit_finish(it->run);
			it->run = NULL;
		}
		flying += it->run != NULL;
	}
	while (start && *next < b->count && flying < b->window) {
		struct batch_item *it = &b->items[(*next)++];

		it->run = audit_start(b->dns, b->https, b->od, it->domain,
				      it->o);
		flying++;
	}
	return flying;
}

/* Runs the batch. */
enum status audit_batch_run(struct audit_batch *b, double deadline,
			    struct err *err)
{
	int64_t end = deadline > 0 ? now_ms() + (int64_t)(deadline * 1000)
				   : INT64_MAX;
	struct pollfd *fds = xcalloc(AUDIT_LOOP_FDS, sizeof *fds);
	enum status st = STATUS_OK;
	bool expired = false;
	size_t next = 0;
	struct audit_loop loop = { b->dns, b->https, b->dnssec };

	while (batch_step(b, &next, !expired) > 0) {
		if (expired && loop_idle(&loop)) {
			/* Cancelled, yet an audit still waits: nothing can
			 * answer it now, so it ends with what it has. */
			for (size_t i = 0; i < next; i++) {
				if (!b->items[i].run)
					continue;
				b->items[i].a = audit_finish(b->items[i].run);
				b->items[i].run = NULL;
			}
			break;
		}
		if (now_ms() >= end || loop_idle(&loop)) {
			/* The deadline (or, should the audits wait on
			 * nothing, a bug): what is outstanding ends as a
			 * failed query of its domain, and what has not
			 * started is not checked. */
			expired = true;
			loop_cancel(&loop);
			continue;
		}
		if (!loop_turn(&loop, fds, end)) {
			st = err_set(err, STATUS_IO, _("poll: %s"),
				     strerror(errno));
			expired = true;
			loop_cancel(&loop);
		}
	}
	for (size_t i = next; i < b->count; i++) {
		struct audit *a = xcalloc(1, sizeof *a);

		a->domain = text_domain_normalize(b->items[i].domain);
		a->status = STATUS_DNS;
		a->error = xasprintf(_("%s: not checked, the deadline of "
				       "%g seconds passed"),
				     a->domain, deadline);
		b->items[i].a = a;
	}
	free(fds);
	return st;
}
/* The number of domains. */
size_t audit_batch_count(const struct audit_batch *b)
{
	return b->count;
}

/* The audit of domain i. */
const struct audit *audit_batch_get(const struct audit_batch *b, size_t i)
{
	return b->items[i].a;
}

/* Frees the batch and its audits. */
void audit_batch_free(struct audit_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->count; i++) {
		free(b->items[i].domain);
		audit_free(b->items[i].a);
	}
	free(b->items);
	https_free(b->https);
	free(b);
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
		smtp_tls_result_free(a->mx[i].smtp);
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
		json_object_set_new(h, "smtp",
				    a->mx[i].smtp ? smtp_tls_result_to_json(
							a->mx[i].smtp)
						  : json_null());
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
	json_object_set_new(o, "soa", soa_record_to_json(&a->soa_record));
	json_object_set_new(o, "ns_serials", soa_to_json(a->soa));
	json_object_set_new(o, "ns_findings",
			    findings_to_json(&a->ns_findings));
	json_object_set_new(o, "tlsrpt", a->tlsrpt
					     ? tlsrpt_result_to_json(a->tlsrpt)
					     : json_null());
	json_object_set_new(o, "bimi", a->bimi ? bimi_result_to_json(a->bimi)
					       : json_null());
	json_object_set_new(o, "mta_sts", a->mta_sts ? mta_sts_result_to_json(
							   a->mta_sts)
						     : json_null());
	json_object_set_new(o, "dnssec", a->dnssec ? dnssec_result_to_json(
							 a->dnssec)
						   : json_null());
	if (a->status != STATUS_OK)
		json_object_set_new(o, "error", json_string(a->error));
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
		strbuf_addf(sb, _("  Serial %" PRIu32 ", refresh %" PRIu32
				  ", retry %" PRIu32 ", expire %" PRIu32
				  ", negative TTL %" PRIu32 "\n"),
			    soa->serial, soa->refresh, soa->retry,
			    soa->expire, soa->minimum);
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
			strbuf_addf(sb, _("  Record:   %s\n  Found at: %s "
					  "(inherited)\n"),
				    a->bimi->record, a->bimi->name);
		else
			strbuf_addf(sb, _("  Record:   %s\n"),
				    a->bimi->record);
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

/* The CSV columns, in order (documented in the README). */
static const char *const csv_columns[] = {
	"domain",      "status",	   "error",	"spf_record",
	"spf_lookups", "spf_void_lookups", "dkim_selectors",
	"dmarc_record", "dmarc_source",     "dmarc_policy", "dmarc_sp",
	"dmarc_pct",   "dmarc_rua",	   "mx",	"ns",
	"soa_serial",  "tlsrpt_rua",	   "bimi_logo",	"mta_sts_mode",
	"dnssec",      "errors",	   "warnings",	"findings",
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
	csv_field(sb, d && d->record ? dmarc_policy_name(
					   dmarc_subdomain_policy(&d->parsed))
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
		strbuf_addf(&list, "%s%s", list.len ? " " : "",
			    a->ns[i].host);
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
	csv_field(sb, a->mta_sts && a->mta_sts->policy_valid
			  ? mta_sts_mode_name(a->mta_sts->policy.mode)
			  : NULL,
		  false);
	csv_field(sb, a->dnssec ? dnssec_state_name(dnssec_overall(a->dnssec))
				: NULL,
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
