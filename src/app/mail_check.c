/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 'mail check': a received message verified end to end the way the
 * receiving server did, and set beside what it wrote. This file runs
 * the checks that need DNS and gathers the findings; the parts live
 * beside it: mail_input.c (the file), mail_envelope.c (From, Received,
 * Return-Path), mail_align.c (DMARC), mail_bulk.c (the bulk-sender
 * rules), mail_compare.c (Authentication-Results), mail_json.c. */
#include "config.h"

#include "app/mail_check.h"
#include "app/mail_check_private.h"

#include <stdlib.h>
#include <string.h>

#include "report/mailmsg.h"
#include "util/i18n.h"
#include "util/ip.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The most PTR names whose addresses are asked for FCrDNS (RFC 7208
 * 5.5 uses the same bound for ptr). */
#define MAIL_MAX_PTR 10

/* Forward-confirmed reverse DNS of the client (RFC 8601 2.7.3 iprev):
 * PTR, then the addresses of each name. */
struct fcrdns {
	struct dns *dns;
	struct mail_report *r;
	struct ip_net addr;
	size_t pending;
	bool failed; /* a query failed: cannot tell */
};

/* One forward answer: does it hold the client's address? */
static void fcrdns_forward(void *arg, const struct dns_answer *a)
{
	struct fcrdns *f = arg;

	for (size_t i = 0; i < a->count; i++) {
		const struct dns_rr *rr = &a->rrs[i];
		const void *want = f->addr.addr;

		if ((rr->type == DNS_T_A && f->addr.family == AF_INET &&
		     memcmp(&rr->u.a, want, 4) == 0) ||
		    (rr->type == DNS_T_AAAA && f->addr.family == AF_INET6 &&
		     memcmp(&rr->u.aaaa, want, 16) == 0)) {
			f->r->fcrdns = MAIL_RULE_PASS;
			free(f->r->ptr);
			f->r->ptr = xstrdup(a->qname);
		}
	}
	if (a->result == DNS_SERVFAIL || a->result == DNS_TIMEOUT ||
	    a->result == DNS_ERROR)
		f->failed = true;
	if (--f->pending == 0) {
		if (f->r->fcrdns != MAIL_RULE_PASS)
			f->r->fcrdns =
			    f->failed ? MAIL_RULE_UNKNOWN : MAIL_RULE_FAIL;
		free(f);
	}
}

/* The PTR answer: ask the addresses of each name. */
static void fcrdns_reverse(void *arg, const struct dns_answer *a)
{
	struct fcrdns *f = arg;
	size_t asked = 0;

	if (a->result == DNS_SERVFAIL || a->result == DNS_TIMEOUT ||
	    a->result == DNS_ERROR)
		f->r->fcrdns = MAIL_RULE_UNKNOWN;
	else
		f->r->fcrdns = MAIL_RULE_FAIL;
	for (size_t i = 0; i < a->count && asked < MAIL_MAX_PTR; i++) {
		if (a->rrs[i].type != DNS_T_PTR)
			continue;
		if (!f->r->ptr)
			f->r->ptr = xstrdup(a->rrs[i].u.host);
		f->pending++;
		asked++;
		dns_query(f->dns, a->rrs[i].u.host,
			  f->addr.family == AF_INET ? DNS_T_A : DNS_T_AAAA,
			  fcrdns_forward, f);
	}
	if (asked == 0)
		free(f);
}

/* Keeps SPF's outcome. */
static void spf_done(void *arg, struct spf_outcome *outcome)
{
	struct mail_report *r = arg;

	r->spf = *outcome;
	memset(outcome, 0, sizeof *outcome);
	r->spf_checked = true;
}

/* Starts SPF for the client and the reverse-path (RFC 7208 2.4: the
 * HELO identity when the reverse-path is null). */
static void start_spf(struct dns *dns, struct mail_report *r,
		      struct spf_eval **ev)
{
	struct spf_query q = { 0 };

	*ev = NULL;
	if (!r->env.ip) {
		r->spf_why = xstrdup(_("the connecting address is not known: "
				       "no Received field names it (use "
				       "--ip)"));
		return;
	}
	if (!r->env.mail_from) {
		r->spf_why = xstrdup(_("the envelope sender is not known: "
				       "no Return-Path (use --mail-from)"));
		return;
	}
	if (!*r->env.mail_from && !r->env.helo) {
		r->spf_why = xstrdup(_("the null sender with no HELO name "
				       "(use --helo)"));
		return;
	}
	if (!ip_addr_parse(r->env.ip, &q.ip)) {
		r->spf_why =
		    xasprintf(_("'%s' is not an IP address"), r->env.ip);
		return;
	}
	q.sender = r->env.mail_from;
	q.helo = r->env.helo;
	q.receiver = r->env.receiver;
	r->spf_domain = *r->env.mail_from
			    ? mail_address_domain(r->env.mail_from)
			    : text_domain_normalize(r->env.helo);
	if (!r->spf_domain) {
		r->spf_why =
		    xasprintf(_("'%s' has no domain"), r->env.mail_from);
		return;
	}
	*ev = spf_eval_start(dns, &q, spf_done, r);
}

/* Starts the FCrDNS lookups of the client. */
static void start_fcrdns(struct dns *dns, struct mail_report *r)
{
	struct fcrdns *f;

	r->fcrdns = MAIL_RULE_UNKNOWN;
	if (!r->env.ip)
		return;
	f = xcalloc(1, sizeof *f);
	if (!ip_addr_parse(r->env.ip, &f->addr)) {
		free(f);
		return;
	}
	f->dns = dns;
	f->r = r;
	dns_query_reverse(dns, r->env.ip, fcrdns_reverse, f);
}
/* Findings for DKIM results, SPF and DMARC failures. */
static void add_findings(struct mail_report *r)
{
	if (r->dkim.skipped)
		findings_add(&r->findings, F_DKIM_TOO_MANY,
			     _("%zu more DKIM signatures were not verified "
			       "(at most %d are)"),
			     r->dkim.skipped, DKIM_MAX_SIGNATURES);
	for (size_t i = 0; i < r->dkim.count; i++) {
		const struct dkim_check *k = &r->dkim.items[i];
		enum finding_code code = F_DKIM_SYNTAX;
		struct finding *f;

		if (k->parsed && k->sig.alg == DKIM_ALG_RSA_SHA1)
			finding_set_selector(
			    findings_add(&r->findings, F_DKIM_SHA1,
					 _("the signature of %s uses rsa-sha1, "
					   "which RFC 8301 forbids signers to "
					   "use"),
					 k->sig.d),
			    k->sig.s);
		if (k->parsed && k->sig.has_l)
			finding_set_selector(
			    findings_add(&r->findings, F_DKIM_LENGTH,
					 _("the signature of %s covers only "
					   "the first %llu octets of the body "
					   "(l=): text can be added below"),
					 k->sig.d,
					 (unsigned long long)k->sig.l),
			    k->sig.s);
		if (k->result == DKIM_PASS)
			continue;
		switch (k->reason) {
		case DKIM_REASON_BODY_HASH:
			code = F_DKIM_BODY_HASH;
			break;
		case DKIM_REASON_SIGNATURE:
			code = F_DKIM_BAD_SIGNATURE;
			break;
		case DKIM_REASON_KEY_MISSING:
			code = F_DKIM_MISSING;
			break;
		case DKIM_REASON_KEY_REVOKED:
			code = F_DKIM_REVOKED;
			break;
		case DKIM_REASON_KEY_SIZE:
			code = k->bits > DKIM_VERIFY_MAX_BITS
				   ? F_DKIM_KEY_TOO_LARGE
				   : F_DKIM_WEAK_KEY;
			break;
		case DKIM_REASON_EXPIRED:
			code = F_DKIM_EXPIRED;
			break;
		case DKIM_REASON_FUTURE:
			code = F_DKIM_FUTURE;
			break;
		case DKIM_REASON_DNS:
			code = F_DNS_TEMPERROR;
			break;
		case DKIM_REASON_LENGTH:
			code = F_DKIM_LENGTH;
			break;
		default:
			code = F_DKIM_SYNTAX;
			break;
		}
		f = findings_add(
		    &r->findings, code, _("DKIM signature of %s: %s"),
		    k->sig.d ? k->sig.d : "?", k->detail ? k->detail : "");
		if (code == F_DKIM_LENGTH)
			f->severity = SEVERITY_ERROR;
		finding_set_selector(f, k->sig.s);
	}
	if (r->spf_checked && r->spf.result != SPF_PASS)
		findings_add(
		    &r->findings, F_MAIL_SPF_FAIL, _("SPF %s for %s from %s"),
		    spf_result_name(r->spf.result), r->spf_domain, r->env.ip);
	if (strcmp(r->arc.result, "fail") == 0)
		findings_add(&r->findings, F_MAIL_ARC_FAIL,
			     _("the ARC chain is broken: %s"),
			     r->arc.detail ? r->arc.detail : "");
	if (strcmp(r->dmarc_verdict, "fail") == 0)
		findings_add(&r->findings, F_MAIL_DMARC_FAIL,
			     _("DMARC fails for %s: neither SPF nor DKIM "
			       "passes aligned with From; the policy is %s"),
			     r->from_domain, dmarc_policy_name(r->disposition));
}

/* Checks a message end to end. */
enum status mail_check_run(struct dns *dns, const struct orgdomain *od,
			   const char *data, size_t len,
			   const struct mail_check_options *o,
			   struct mail_report *out, struct err *err)
{
	struct dmarc_discovery *disc = NULL;
	struct mail_org_walks walks = { 0 };
	struct mailmsg_header_info hdr;
	struct spf_eval *ev = NULL;
	enum status st;

	memset(out, 0, sizeof *out);
	out->dmarc_verdict = "none";
	out->arc.result = "none";
	out->fcrdns = MAIL_RULE_UNKNOWN;
	st = dkim_msg_parse(data, len, &out->msg, err);
	if (st != STATUS_OK)
		return st;
	/* The header's structure and addresses are GMime's; DKIM goes on
	 * with the raw octets dkim_msg_parse() kept. */
	st = mail_header_parse(&out->msg, &hdr, err);
	if (st != STATUS_OK)
		return st;
	/* RFC 5322 3.6: one From field; DMARC needs one author domain
	 * (RFC 9989 4.3). */
	if (dkim_msg_count(&out->msg, "From") == 1 && hdr.nfrom == 1 &&
	    mail_address_valid(hdr.from[0])) {
		out->from = xstrdup(hdr.from[0]);
		out->from_domain = mail_address_domain(out->from);
	}
	mail_find_envelope(&out->msg, o, hdr.return_path, &out->env);
	mailmsg_header_info_done(&hdr);

	/* Everything that needs DNS goes out at once (DESIGN.md 3). */
	dkim_checks_start(dns, &out->msg, &out->dkim);
	arc_start(dns, &out->msg, &out->arc);
	start_spf(dns, out, &ev);
	start_fcrdns(dns, out);
	if (out->from_domain)
		disc = dmarc_discover(dns, od, out->from_domain, 0);
	mail_align_start(dns, od, out, &walks);
	if (dns_run(dns) != STATUS_OK) {
		/* The queries still out hold disc, walks, ev and out as
		 * their callbacks' arguments: end them here, while all of
		 * those live, not when the caller frees the resolver. */
		dns_cancel_all(dns);
		st = err_set(err, STATUS_IO,
			     _("the resolver's poll loop failed"));
		goto out;
	}
	dkim_checks_finish(&out->msg, &out->dkim, o->now);
	arc_finish(&out->msg, &out->arc, o->now);
	if (disc)
		out->dmarc = dmarc_discovery_take(disc);
	mail_align_finish(od, out, &walks);
	mail_judge_dmarc(out);
	mail_judge_bulk(out);
	mail_compare_authres(out);
	add_findings(out);
out:
	spf_eval_free(ev);
	dmarc_discovery_free(disc);
	mail_align_done(&walks);
	return st;
}

/* The instant x= and t= are judged at (mail_check.h). */
int64_t mail_check_clock(date_t today, time_t clock)
{
	return (int64_t)date_to_time(today) + (int64_t)(clock % 86400);
}

/* Exit 0 or 1. */
bool mail_report_good(const struct mail_report *r)
{
	if (strcmp(r->dmarc_verdict, "pass") != 0)
		return false;
	for (size_t i = 0; i < r->nrules; i++)
		if (r->rules[i].result == MAIL_RULE_FAIL)
			return false;
	return true;
}

/* "pass", "fail", "cannot_tell". */
const char *mail_rule_result_name(enum mail_rule_result result)
{
	switch (result) {
	case MAIL_RULE_PASS:
		return "pass";
	case MAIL_RULE_FAIL:
		return "fail";
	case MAIL_RULE_UNKNOWN:
		break;
	}
	return "cannot_tell";
}

/* Frees everything of a report. */
void mail_report_done(struct mail_report *r)
{
	dkim_checks_done(&r->dkim);
	arc_chain_done(&r->arc);
	dkim_msg_done(&r->msg);
	free(r->from);
	free(r->from_domain);
	free(r->env.ip);
	free(r->env.helo);
	free(r->env.mail_from);
	free(r->env.receiver);
	free(r->spf_domain);
	spf_outcome_done(&r->spf);
	free(r->spf_why);
	dmarc_result_free(r->dmarc);
	for (size_t i = 0; i < r->norgs; i++) {
		free(r->orgs[i].domain);
		free(r->orgs[i].org);
	}
	free(r->orgs);
	free(r->dkim_aligned_domain);
	free(r->ptr);
	for (size_t i = 0; i < r->nar; i++)
		authres_done(&r->ar[i]);
	free(r->ar);
	for (size_t i = 0; i < r->ndis; i++) {
		free(r->dis[i].authserv_id);
		free(r->dis[i].method);
		free(r->dis[i].identity);
		free(r->dis[i].theirs);
		free(r->dis[i].ours);
	}
	free(r->dis);
	for (size_t i = 0; i < r->nrules; i++) {
		free(r->rules[i].detail);
		free(r->rules[i].fix);
	}
	free(r->rules);
	findings_done(&r->findings);
	memset(r, 0, sizeof *r);
}
