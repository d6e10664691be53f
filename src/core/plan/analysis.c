/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "plan/analysis.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/i18n.h"
#include "spf/spf.h"
#include "spf/spf_eval.h"
#include "store/report_query.h"
#include "store/reverse_store.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Findings of one code, largest sources first; the rest are summed up
 * in the last one's message. */
#define ANALYSIS_FINDINGS_MAX 20

/* The class's stable name. */
const char *analysis_class_name(enum analysis_class c)
{
	switch (c) {
	case ANALYSIS_PASS:
		return "PASS";
	case ANALYSIS_FAIL_KNOWN:
		return "FAIL-known-sender";
	case ANALYSIS_FAIL_UNKNOWN:
		return "FAIL-unknown";
	case ANALYSIS_FORWARDED:
		return "FORWARDED";
	}
	return "?";
}

/* Copies the store's totals. */
static void totals_read(const struct report_totals *from,
			struct analysis_totals *t)
{
	t->messages = from->messages;
	t->dmarc_pass = from->dmarc_pass;
	t->spf_aligned = from->spf_aligned;
	t->dkim_aligned = from->dkim_aligned;
}

/* Adds b to a. */
static void totals_add(struct analysis_totals *a,
		       const struct analysis_totals *b)
{
	a->messages += b->messages;
	a->dmarc_pass += b->dmarc_pass;
	a->spf_aligned += b->spf_aligned;
	a->dkim_aligned += b->dkim_aligned;
}

/* The state of analysis_days() between rows. */
struct days_fill {
	struct analysis *a;
	size_t cap, wcap;
};

/* Adds one day, and its ISO week. */
static void days_add(void *arg, const struct report_day *row)
{
	struct days_fill *fill = arg;
	struct analysis *a = fill->a;
	struct analysis_period *d;

	a->days = xgrow(a->days, &fill->cap, a->ndays + 1, sizeof *a->days);
	d = &a->days[a->ndays++];
	memset(d, 0, sizeof *d);
	d->day = row->day;
	date_iso_week(d->day, &d->iso_year, &d->week);
	totals_read(&row->t, &d->t);
	totals_add(&a->totals, &d->t);
	a->reports += (size_t)row->reports;
	a->quarantined += row->quarantined;
	a->rejected += row->rejected;
	/* Days come in order, so a week's days are adjacent. */
	if (a->nweeks == 0 || a->weeks[a->nweeks - 1].iso_year != d->iso_year ||
	    a->weeks[a->nweeks - 1].week != d->week) {
		struct analysis_period *w;

		a->weeks = xgrow(a->weeks, &fill->wcap, a->nweeks + 1,
				 sizeof *a->weeks);
		w = &a->weeks[a->nweeks++];
		memset(w, 0, sizeof *w);
		w->day = d->day - (date_weekday(d->day) - 1);
		w->iso_year = d->iso_year;
		w->week = d->week;
	}
	totals_add(&a->weeks[a->nweeks - 1].t, &d->t);
}

/* Fills the days and the ISO weeks. */
static enum status analysis_days(struct store *store, struct analysis *a,
				 struct err *err)
{
	struct days_fill fill = { a, 0, 0 };

	return report_query_days(store, a->domain, a->since, a->until, days_add,
				 &fill, err);
}

/* Per-source extras the classification needs. */
struct source_extra {
	int64_t spf_pass_unaligned;
};

/* The state of analysis_sources() between rows. */
struct sources_fill {
	struct analysis *a;
	struct source_extra **extra;
	size_t cap, ecap;
};

/* Adds one source. */
static void sources_add(void *arg, const struct report_source *row)
{
	struct sources_fill *fill = arg;
	struct analysis *a = fill->a;
	struct analysis_source *s;

	a->sources =
	    xgrow(a->sources, &fill->cap, a->nsources + 1, sizeof *a->sources);
	*fill->extra = xgrow(*fill->extra, &fill->ecap, a->nsources + 1,
			     sizeof **fill->extra);
	s = &a->sources[a->nsources];
	memset(s, 0, sizeof *s);
	snprintf(s->ip, sizeof s->ip, "%s", row->ip);
	totals_read(&row->t, &s->t);
	s->failing = s->t.messages - s->t.dmarc_pass;
	s->forwarded = row->forwarded;
	s->envelope_from = xstrdup_or_null(row->envelope_from);
	(*fill->extra)[a->nsources].spf_pass_unaligned =
	    row->spf_pass_unaligned;
	a->nsources++;
}

/* Fills the sources. */
static enum status analysis_sources(struct store *store, struct analysis *a,
				    struct source_extra **extra,
				    struct err *err)
{
	struct sources_fill fill = { a, extra, 0, 0 };

	*extra = NULL;
	return report_query_sources(store, a->domain, a->since, a->until,
				    sources_add, &fill, err);
}

/* How long a reverse lookup that found no name is kept: the negative
 * answer's own TTL (RFC 2308) is not read, and an hour is what common
 * resolvers hold one at most. */
#define REVERSE_NEGATIVE_TTL 3600
/* The longest a name is kept whatever its TTL says (a day, as common
 * resolvers cap it). */
#define REVERSE_MAX_TTL 86400

/* One source's DNS work: reverse name, its confirmation, SPF. */
struct lookup {
	struct analysis_source *src;
	struct dns *dns;
	struct ip_net ip;
	char *candidate; /* PTR name waiting for forward confirmation */
	struct spf_eval *spf;
	const struct providers *providers;
	int pending;  /* its queries and SPF check not yet answered */
	bool settled; /* the DNS gave the reverse name, or said none */
	uint32_t ttl; /* how long that holds */
};

/* Takes a TTL into the lookup's: the least of those it depends on. */
static void lookup_ttl(struct lookup *l, uint32_t ttl)
{
	if (ttl < l->ttl)
		l->ttl = ttl;
}

/* Settles the lookup on an answer that holds data, for the least TTL
 * of its records. */
static void lookup_settle(struct lookup *l, const struct dns_answer *answer)
{
	l->settled = true;
	for (size_t i = 0; i < answer->count; i++)
		lookup_ttl(l, answer->rrs[i].ttl);
}

/* Settles the lookup when the DNS says the name or its record does not
 * exist, for REVERSE_NEGATIVE_TTL; true then. */
static bool lookup_negative(struct lookup *l, const struct dns_answer *answer)
{
	if (answer->result != DNS_NXDOMAIN && answer->result != DNS_NODATA)
		return false;
	l->settled = true;
	lookup_ttl(l, REVERSE_NEGATIVE_TTL);
	return true;
}

/* Forward-confirms the reverse name: one of its addresses must be the
 * source (otherwise anyone could claim a provider's name). */
static void lookup_forward(void *arg, const struct dns_answer *answer)
{
	struct lookup *l = arg;

	l->pending--;
	lookup_negative(l, answer);
	if (answer->result == DNS_DATA) {
		lookup_settle(l, answer);
		for (size_t i = 0; i < answer->count; i++) {
			const struct dns_rr *rr = &answer->rrs[i];
			bool same = false;

			if (rr->type == DNS_T_A && l->ip.family == AF_INET)
				same = memcmp(&rr->u.a, l->ip.addr, 4) == 0;
			else if (rr->type == DNS_T_AAAA &&
				 l->ip.family == AF_INET6)
				same = memcmp(&rr->u.aaaa, l->ip.addr, 16) == 0;
			if (same) {
				l->src->ptr = l->candidate;
				l->candidate = NULL;
				return;
			}
		}
	}
	free(l->candidate);
	l->candidate = NULL;
}

/* The reverse answer: take the first PTR name and confirm it. */
static void lookup_reverse(void *arg, const struct dns_answer *answer)
{
	struct lookup *l = arg;

	l->pending--;
	if (lookup_negative(l, answer) || answer->result != DNS_DATA)
		return;
	for (size_t i = 0; i < answer->count; i++) {
		if (answer->rrs[i].type != DNS_T_PTR || !answer->rrs[i].u.host)
			continue;
		if (strlen(answer->rrs[i].u.host) > 253)
			break;
		lookup_ttl(l, answer->rrs[i].ttl);
		l->candidate = xstrdup(answer->rrs[i].u.host);
		l->pending++;
		dns_query(l->dns, l->candidate,
			  l->ip.family == AF_INET ? DNS_T_A : DNS_T_AAAA,
			  lookup_forward, l);
		return;
	}
	/* Data without a usable PTR name: no name, for the answer's TTL. */
	lookup_settle(l, answer);
}

/* check_host() of the source against the domain's record. */
static void lookup_spf(void *arg, struct spf_outcome *outcome)
{
	struct lookup *l = arg;

	l->pending--;
	l->src->spf_result = spf_result_name(outcome->result);
	if (outcome->result == SPF_PASS && outcome->mechanism) {
		l->src->explained_by = outcome->mechanism;
		outcome->mechanism = NULL;
	}
}

/* Takes the reverse names kept in the database that have not expired;
 * marks those sources settled so that the DNS is not asked again.
 * Only for a live resolver: names from zone files are not kept. */
static void reverse_kept(struct store *store, struct lookup *l, size_t n,
			 int64_t now)
{
	struct reverse_name *v = xcalloc(n ? n : 1, sizeof *v);
	struct err err = ERR_INIT;

	for (size_t i = 0; i < n; i++)
		v[i].ip = l[i].src->ip;
	/* A database that cannot be read here costs only lookups. */
	if (reverse_names_lookup(store, v, n, now, &err) == STATUS_OK) {
		for (size_t i = 0; i < n; i++) {
			if (!v[i].known)
				continue;
			l[i].src->ptr = v[i].name;
			l[i].settled = true;
			l[i].ttl = 0; /* kept already: not saved again */
		}
	}
	err_done(&err);
	free(v);
}

/* Keeps what the DNS settled, each until its TTL runs out. */
static void reverse_keep(struct store *store, const struct lookup *l, size_t n,
			 int64_t now)
{
	struct reverse_name *v = xcalloc(n ? n : 1, sizeof *v);
	struct err err = ERR_INIT;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t ttl =
		    l[i].ttl < REVERSE_MAX_TTL ? l[i].ttl : REVERSE_MAX_TTL;

		if (!l[i].settled || ttl == 0)
			continue;
		v[k].ip = l[i].src->ip;
		v[k].name = l[i].src->ptr;
		v[k].expires = now + ttl;
		k++;
	}
	/* A read-only database keeps nothing; the summary stands. */
	if (k > 0)
		reverse_names_save(store, v, k, now, &err);
	err_done(&err);
	free(v);
}

/* Reverse DNS and SPF for the largest sources, all at once; the
 * resolver keeps the queries in flight to a window and sends a question
 * asked by many sources (an SPF include) once. */
static void analysis_dns(struct store *store, struct analysis *a,
			 const struct analysis_options *o)
{
	size_t n = a->nsources;
	size_t max = o->dns_sources_max ? o->dns_sources_max : 5000;
	bool keep = store && o->dns && !dns_is_offline(o->dns);
	int64_t now = (int64_t)time(NULL);
	struct lookup *l;
	char *sender;
	bool expired = false;

	if (!o->dns || n == 0)
		return;
	if (n > max)
		n = max;
	l = xcalloc(n, sizeof *l);
	for (size_t i = 0; i < n; i++) {
		l[i].src = &a->sources[i];
		l[i].ttl = UINT32_MAX;
	}
	if (keep)
		reverse_kept(store, l, n, now);
	/* RFC 7208 4.1: check_host(ip, domain, sender); a report does not
	 * carry the sender, postmaster@domain stands in (2.4). */
	sender = xasprintf("postmaster@%s", a->domain);
	for (size_t i = 0; i < n; i++) {
		struct spf_query q;

		l[i].dns = o->dns;
		l[i].providers = o->providers;
		if (!ip_addr_parse(a->sources[i].ip, &l[i].ip))
			continue;
		l[i].pending = 1;
		if (!l[i].settled) {
			l[i].pending++;
			dns_query_reverse(o->dns, a->sources[i].ip,
					  lookup_reverse, &l[i]);
		}
		memset(&q, 0, sizeof q);
		q.ip = l[i].ip;
		q.sender = sender;
		q.domain = a->domain;
		l[i].spf = spf_eval_start(o->dns, &q, lookup_spf, &l[i]);
	}
	/* One deadline for the whole phase: thousands of sources behind
	 * a silent resolver must not hold the summary for minutes. */
	dns_run_for(o->dns, o->dns_deadline_ms > 0 ? o->dns_deadline_ms : -1,
		    &expired);
	if (expired) {
		for (size_t i = 0; i < n; i++)
			if (l[i].pending > 0)
				a->dns_skipped++;
		dns_cancel_all(o->dns);
	}
	if (keep)
		reverse_keep(store, l, n, now);
	for (size_t i = 0; i < n; i++) {
		spf_eval_free(l[i].spf);
		free(l[i].candidate);
	}
	free(sender);
	free(l);
}

/* True if a sender of the inventory explains the source: its range
 * holds the address, or its provider is the one found. */
static bool inventory_has(const struct state_sender *senders, size_t n,
			  const struct analysis_source *s)
{
	struct ip_net ip;

	if (!ip_addr_parse(s->ip, &ip))
		return false;
	for (size_t i = 0; i < n; i++) {
		struct ip_net net;

		switch (senders[i].kind) {
		case SENDER_IP4:
		case SENDER_IP6:
			if (ip_net_parse(senders[i].value, AF_UNSPEC, &net) &&
			    ip_net_contains(&net, &ip))
				return true;
			break;
		case SENDER_PROVIDER:
			if (s->provider &&
			    strcmp(s->provider->id, senders[i].value) == 0)
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

/* Classifies each source and decides what a known one needs. */
static void analysis_classify(struct analysis *a,
			      const struct analysis_options *o,
			      const struct source_extra *extra,
			      const struct state_sender *senders,
			      size_t nsenders)
{
	int64_t excluded = 0;

	for (size_t i = 0; i < a->nsources; i++) {
		struct analysis_source *s = &a->sources[i];
		bool known;

		if (o->providers && s->explained_by &&
		    strncmp(s->explained_by, "include:", 8) == 0)
			s->provider =
			    providers_match_spf(o->providers, s->explained_by);
		if (o->providers && !s->provider && s->ptr)
			s->provider = providers_match_ptr(o->providers, s->ptr);
		if (!s->explained_by && s->provider && s->ptr)
			s->explained_by = xstrdup("ptr");
		s->in_inventory = inventory_has(senders, nsenders, s);
		if (a->totals.messages > 0) {
			s->share =
			    (double)s->t.messages / (double)a->totals.messages;
			s->failing_share =
			    (double)s->failing / (double)a->totals.messages;
		}
		known = s->in_inventory || s->provider ||
			(s->spf_result && strcmp(s->spf_result, "pass") == 0);
		if (s->failing == 0)
			s->cls = ANALYSIS_PASS;
		else if (s->failing <= s->forwarded)
			s->cls = ANALYSIS_FORWARDED;
		else if (known)
			s->cls = ANALYSIS_FAIL_KNOWN;
		else
			s->cls = ANALYSIS_FAIL_UNKNOWN;
		if (s->cls == ANALYSIS_FAIL_KNOWN) {
			/* RFC 7489 3.1: DMARC needs one aligned pass; say
			 * which of the two could be made to work. */
			if (s->spf_result
				? strcmp(s->spf_result, "pass") != 0
				: s->t.spf_aligned == 0 &&
				      extra[i].spf_pass_unaligned == 0)
				s->fixes |= ANALYSIS_FIX_SPF;
			if (s->t.dkim_aligned == 0)
				s->fixes |= ANALYSIS_FIX_DKIM;
			if (extra[i].spf_pass_unaligned > 0)
				s->fixes |= ANALYSIS_FIX_RETURN_PATH;
			/* A service that sends with its own domain in the
			 * envelope (providers.ini envelope = no) and has no
			 * SPF mechanism for us (Mailchimp) never aligns
			 * SPF: authorizing its address cannot help, DKIM
			 * alignment is the fix. */
			if (s->provider && !s->provider->envelope_aligned &&
			    !s->provider->spf &&
			    (s->fixes & ANALYSIS_FIX_SPF)) {
				s->fixes &= ~ANALYSIS_FIX_SPF;
				s->fixes |= ANALYSIS_FIX_DKIM;
			}
		}
		if (s->cls == ANALYSIS_FAIL_UNKNOWN ||
		    s->cls == ANALYSIS_FORWARDED)
			excluded += s->failing;
	}
	a->legitimate = a->totals.messages - excluded;
	a->pass_rate = a->totals.messages > 0 ? (double)a->totals.dmarc_pass /
						    (double)a->totals.messages
					      : 0;
	a->legitimate_pass_rate =
	    a->legitimate > 0
		? (double)a->totals.dmarc_pass / (double)a->legitimate
		: 0;
}

/* The advice for a known sender. */
char *analysis_fix_text(const struct analysis *a,
			const struct analysis_source *s)
{
	struct strbuf sb = STRBUF_INIT;
	const char *who = s->provider ? s->provider->name : s->ip;

	if (s->fixes & ANALYSIS_FIX_SPF) {
		if (s->provider && s->provider->spf)
			strbuf_addf(&sb, _("add %s to the SPF record of %s"),
				    s->provider->spf, a->domain);
		else
			strbuf_addf(&sb,
				    _("authorize %s in the SPF record of %s"),
				    s->ip, a->domain);
	}
	if (s->fixes & ANALYSIS_FIX_DKIM) {
		if (sb.len)
			strbuf_addstr(&sb, "; ");
		if (s->provider)
			strbuf_addf(&sb, _("enable DKIM signing for %s at %s"),
				    a->domain, who);
		else
			/* An address is not a service: name what to do on
			 * whatever sends from it. */
			strbuf_addf(&sb,
				    _("sign the mail of %s with DKIM on the "
				      "server or service that sends from %s"),
				    a->domain, s->ip);
	}
	if (s->fixes & ANALYSIS_FIX_RETURN_PATH) {
		if (sb.len)
			strbuf_addstr(&sb, "; ");
		strbuf_addf(&sb,
			    _("set a custom return-path (bounce domain) under "
			      "%s at %s so that SPF aligns"),
			    a->domain, who);
	}
	return sb.len ? strbuf_detach(&sb) : NULL;
}

/* The findings: failing sources, largest first. */
static void analysis_findings(struct analysis *a)
{
	size_t unknown = 0, known = 0;

	for (size_t i = 0; i < a->nsources; i++) {
		struct analysis_source *s = &a->sources[i];
		struct finding *f;
		char *ip = text_clean_str(s->ip);
		char *ptr = s->ptr ? text_clean_str(s->ptr) : NULL;

		if (s->cls == ANALYSIS_FAIL_UNKNOWN &&
		    unknown++ < ANALYSIS_FINDINGS_MAX) {
			f = findings_add(
			    &a->findings, F_REPORT_UNKNOWN_SOURCE_FAILING,
			    _("%s%s%s%s: %lld of %lld messages (%.1f %% of "
			      "%s's mail) failed DMARC and no provider or SPF "
			      "record explains this source"),
			    ip, ptr ? " (" : "", ptr ? ptr : "", ptr ? ")" : "",
			    (long long)s->failing, (long long)s->t.messages,
			    s->failing_share * 100, a->domain);
			finding_set_advice(
			    f, _("if this is one of your services, add it as a "
				 "sender; otherwise it is someone else using "
				 "the domain, which a stricter policy stops"));
		} else if (s->cls == ANALYSIS_FAIL_KNOWN &&
			   known++ < ANALYSIS_FINDINGS_MAX) {
			char *fix = analysis_fix_text(a, s);

			f = findings_add(
			    &a->findings, F_REPORT_KNOWN_SOURCE_FAILING,
			    _("%s%s%s%s (%s): %lld of %lld messages (%.1f %% "
			      "of %s's mail) failed DMARC"),
			    ip, ptr ? " (" : "", ptr ? ptr : "", ptr ? ")" : "",
			    s->provider ? s->provider->name
					: _("an authorized sender"),
			    (long long)s->failing, (long long)s->t.messages,
			    s->failing_share * 100, a->domain);
			if (fix)
				finding_set_advice(f, fix);
			free(fix);
		}
		free(ip);
		free(ptr);
	}
}

/* Runs the whole analysis. */
enum status analysis_run(struct store *store, const char *domain, date_t since,
			 date_t until, const struct analysis_options *options,
			 struct analysis **out, struct err *err)
{
	struct analysis_options none = { NULL, NULL, 0, 0 };
	const struct analysis_options *o = options ? options : &none;
	struct analysis *a = xcalloc(1, sizeof *a);
	struct source_extra *extra = NULL;
	struct state_sender *senders = NULL;
	size_t nsenders = 0;
	struct err ignore = ERR_INIT;
	enum status st;

	*out = NULL;
	a->domain = text_domain_normalize(domain);
	a->since = since;
	a->until = until;
	if ((st = analysis_days(store, a, err)) ||
	    (st = analysis_sources(store, a, &extra, err)))
		goto fail;
	/* A domain not (yet) in the rollout has no inventory. */
	if (state_sender_list(store, a->domain, &senders, &nsenders, &ignore) !=
	    STATUS_OK) {
		senders = NULL;
		nsenders = 0;
	}
	err_done(&ignore);
	analysis_dns(store, a, o);
	analysis_classify(a, o, extra, senders, nsenders);
	analysis_findings(a);
	state_senders_free(senders, nsenders);
	free(extra);
	*out = a;
	return STATUS_OK;
fail:
	free(extra);
	analysis_free(a);
	return st;
}

/* Frees an analysis. */
void analysis_free(struct analysis *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nsources; i++) {
		free(a->sources[i].ptr);
		free(a->sources[i].explained_by);
		free(a->sources[i].envelope_from);
	}
	free(a->sources);
	free(a->days);
	free(a->weeks);
	findings_done(&a->findings);
	free(a->domain);
	free(a);
}
