/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the rollout plan is decided from, gathered for one domain: its
 * settings, senders, keys, disowned networks and history from the
 * store, the SPF records built from the senders, the DKIM keys of the
 * services that sign for it, the report evidence of the window and the
 * maintenance due. */
#include "config.h"

#include "plan/rollout.h"
#include "plan/rollout_internal.h"

#include <stdlib.h>
#include <string.h>

#include "plan/analysis.h"
#include "dkim/dkim.h"
#include "plan/rotation_due.h"
#include "util/i18n.h"
#include "util/ip.h"
#include "spf/spf.h"
#include "spf/spf_eval.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The tags every rung carries, from the settings: rua defaults to
 * dmarc@DOMAIN, since p=none without rua teaches nothing. */
static enum status tags_from_settings(const struct state_settings *s,
				      const char *domain,
				      struct dmarc_record *tags,
				      struct err *err)
{
	char *rua =
	    s->rua ? xstrdup(s->rua) : xasprintf("mailto:dmarc@%s", domain);
	enum status st = STATUS_OK;

	dmarc_record_init(tags);
	/* RFC 7489 6.4: rua and ruf are comma-separated URI lists. */
	if (!dmarc_uri_list_parse(rua, "rua", &tags->rua, &tags->nrua, NULL) ||
	    (s->ruf && !dmarc_uri_list_parse(s->ruf, "ruf", &tags->ruf,
					     &tags->nruf, NULL))) {
		st = err_set(err, STATUS_USAGE,
			     _("%s: the report addresses of the plan are "
			       "not valid DMARC URIs: %s"),
			     domain, s->ruf ? s->ruf : rua);
		goto out;
	}
	if (s->adkim)
		tags->adkim = strcmp(s->adkim, "s") == 0 ? DMARC_ALIGN_STRICT
							 : DMARC_ALIGN_RELAXED;
	if (s->aspf)
		tags->aspf = strcmp(s->aspf, "s") == 0 ? DMARC_ALIGN_STRICT
						       : DMARC_ALIGN_RELAXED;
	if (s->sp)
		tags->sp = dmarc_policy_from_name(s->sp, strlen(s->sp));
	if (s->np)
		tags->np = dmarc_policy_from_name(s->np, strlen(s->np));
out:
	free(rua);
	return st;
}

/* The flattener asks whether an include belongs to a mailbox provider
 * of the catalogue (providers.h category "mailbox"): their addresses
 * rotate, so flattening them goes stale fastest. */
static bool include_rotates(void *arg, const char *mechanism)
{
	const struct provider *p =
	    arg ? providers_match_spf(arg, mechanism) : NULL;

	return p && p->category == PROVIDER_MAILBOX;
}

/* The mechanisms of the senders, each once; unknown providers go into
 * spf_problems. Returns the count; *out is freed with strlist_free(). */
static size_t spf_mechanisms(struct rollout_inputs *in,
			     const struct providers *catalogue, char ***out)
{
	char **mech = xcalloc(in->nsenders + 1, sizeof *mech);
	size_t n = 0;

	for (size_t i = 0; i < in->nsenders; i++) {
		char *m = state_sender_mechanism(&in->senders[i], catalogue);

		if (!m) {
			const struct provider *p =
			    catalogue ? providers_find(catalogue,
						       in->senders[i].value)
				      : NULL;

			if (!p)
				strlist_add(&in->spf_problems,
					    &in->nspf_problems,
					    xasprintf(_("sender %s is not in "
							"providers.ini"),
						      in->senders[i].value));
			continue;
		}
		mech[n++] = m;
	}
	*out = mech;
	return n;
}

/* Lays out rec without flattening and counts its lookups with dns: its
 * own terms, its includes' trees and one per chained _spfN record. On a
 * DNS failure the count is -1 and the note says which query failed. */
static struct spf_flatten *spf_count(struct rollout_inputs *in, struct dns *dns,
				     const struct spf_record *rec)
{
	struct spf_flatten *f = spf_layout(in->domain, rec);
	struct err err = ERR_INIT;
	size_t lookups = 0;

	if (!dns) {
		in->spf_lookups = -1;
		in->spf_lookup_note =
		    xstrdup(_("the DNS lookups of the SPF record could not "
			      "be counted: no resolver (offline); check it "
			      "with dmarcpilot spf check once published"));
		return f;
	}
	if (spf_record_lookups(dns, rec, &lookups, &err) != STATUS_OK) {
		in->spf_lookups = -1;
		in->spf_lookup_note =
		    xasprintf(_("the DNS lookups of the SPF record could not "
				"be counted: %s"),
			      err_message(&err));
		err_done(&err);
		return f;
	}
	/* Each chained _spfN record is one more include. */
	f->lookups = lookups + f->nrecords - 1;
	in->spf_lookups = (int)f->lookups;
	return f;
}

/* The -all form of a ~all record value (RFC 7208 5.1: the last term). */
static char *spf_fail_all(const char *soft)
{
	struct spf_record *rec = NULL;
	char *hard = NULL;

	if (spf_parse(soft, strlen(soft), &rec, NULL, NULL) != STATUS_OK)
		return NULL;
	if (rec->count > 0 && rec->terms[rec->count - 1].kind == SPF_ALL) {
		rec->terms[rec->count - 1].qualifier = SPF_FAIL;
		rec->terms[rec->count - 1].explicit_qualifier = true;
		hard = spf_record_format(rec);
	}
	spf_record_free(rec);
	return hard;
}

/* Builds the SPF records (~all and -all) from the senders with
 * spf_build(), counts their lookups and flattens them past 10 when dns
 * is given; what stops it goes into spf_problems. */
static void inputs_spf(struct rollout_inputs *in, struct dns *dns,
		       const struct providers *catalogue,
		       const char *const *chosen, size_t nchosen)
{
	char **mech = NULL;
	size_t n = spf_mechanisms(in, catalogue, &mech);
	struct spf_record *rec = NULL;
	struct spf_flatten *f = NULL;
	struct err err = ERR_INIT;
	size_t own;

	in->spf_lookups = -1;
	if (n == 0)
		goto out;
	if (spf_build((const char *const *)mech, n, false, &rec, &err) !=
	    STATUS_OK) {
		strlist_add(
		    &in->spf_problems, &in->nspf_problems,
		    xasprintf(_("the SPF record cannot be built from the "
				"senders: %s"),
			      err_message(&err)));
		goto out;
	}
	f = spf_count(in, dns, rec);
	/* The includes the operator chose to flatten (the wizard's SPF
	 * step, spf build --flatten), while that still fits the senders
	 * and the limit; else the flattener chooses below. */
	if (dns && nchosen > 0 && in->spf_lookups >= 0) {
		struct spf_flatten *mine = NULL;

		if (spf_flatten_chosen(dns, in->domain, rec, chosen, nchosen,
				       &mine, &err) == STATUS_OK &&
		    mine->lookups <= SPF_MAX_DNS_TERMS) {
			spf_flatten_free(f);
			f = mine;
			mine = NULL;
			in->spf_lookups = (int)f->lookups;
		}
		spf_flatten_free(mine);
		err_done(&err);
	}
	own = spf_record_dns_terms(rec) + f->nrecords - 1;
	/* RFC 7208 4.6.4: more than 10 DNS-querying terms is a permerror;
	 * flatten includes into their ranges to stay under. */
	if (dns && (in->spf_lookups > SPF_MAX_DNS_TERMS ||
		    (in->spf_lookups < 0 && own > SPF_MAX_DNS_TERMS))) {
		struct spf_flatten *flat = NULL;

		if (spf_flatten(dns, in->domain, rec, include_rotates,
				(void *)catalogue, &flat, &err) == STATUS_OK) {
			spf_flatten_free(f);
			f = flat;
			in->spf_lookups = (int)f->lookups;
			free(in->spf_lookup_note);
			in->spf_lookup_note = NULL;
		} else if (err.status == STATUS_LIMIT) {
			strlist_add(
			    &in->spf_problems, &in->nspf_problems,
			    xasprintf(_("the SPF record needs %d DNS "
					"lookups, more than 10 (RFC 7208 "
					"4.6.4): %s"),
				      in->spf_lookups, err_message(&err)));
		} else if (!in->spf_lookup_note) {
			in->spf_lookups = -1;
			in->spf_lookup_note = xasprintf(
			    _("the DNS lookups of the SPF record could not be "
			      "counted: %s"),
			    err_message(&err));
		}
		err_done(&err);
	} else if (in->spf_lookups < 0 && own > SPF_MAX_DNS_TERMS) {
		strlist_add(&in->spf_problems, &in->nspf_problems,
			    xasprintf(_("the SPF record needs at least %zu DNS "
					"lookups before any include is "
					"followed; at most 10 are allowed (RFC "
					"7208 4.6.4)"),
				      own));
	}
	in->spf_soft = xstrdup(f->records[0].value);
	in->spf_hard = spf_fail_all(in->spf_soft);
	if (f->nrecords > 1) {
		in->nspf_parts = f->nrecords - 1;
		in->spf_parts = xcalloc(in->nspf_parts, sizeof *in->spf_parts);
		for (size_t i = 0; i < in->nspf_parts; i++) {
			in->spf_parts[i].name = xstrdup(f->records[i + 1].name);
			in->spf_parts[i].value =
			    xstrdup(f->records[i + 1].value);
		}
	}
	in->spf_flat = f;
	f = NULL;
out:
	spf_flatten_free(f);
	spf_record_free(rec);
	err_done(&err);
	strlist_free(mech, n);
}

/* The records the plan publishes: SPF from the senders, the DKIM keys'
 * TXT values from their key files. */
static enum status inputs_records(struct store *store, struct dns *dns,
				  const struct providers *catalogue,
				  struct rollout_inputs *in, struct err *err)
{
	struct spf_flat_saved *saved = NULL;
	size_t nsaved = 0;
	const char **chosen;
	enum status st;

	if ((st =
		 state_flattened_list(store, in->domain, &saved, &nsaved, err)))
		return st;
	chosen = xcalloc(nsaved + 1, sizeof *chosen);
	for (size_t i = 0; i < nsaved; i++)
		chosen[i] = saved[i].mechanism;
	inputs_spf(in, dns, catalogue, chosen, nsaved);
	free(chosen);
	state_flattened_free(saved, nsaved);
	for (size_t i = 0; i < in->nkeys; i++) {
		struct err kerr = ERR_INIT;

		if (!in->keys[i].key_path || in->keys[i].retired != DATE_NONE)
			continue;
		if (dkim_record_from_key(in->keys[i].key_path,
					 &in->key_records[i], &kerr))
			in->key_problems[i] = xstrdup(err_message(&kerr));
		err_done(&kerr);
	}
	return STATUS_OK;
}

/* The class of an analysed source in the plan's terms. */
static enum rollout_class class_of(enum analysis_class c)
{
	switch (c) {
	case ANALYSIS_PASS:
		return ROLLOUT_CLASS_PASS;
	case ANALYSIS_FAIL_KNOWN:
		return ROLLOUT_CLASS_FAIL_KNOWN;
	case ANALYSIS_FORWARDED:
		return ROLLOUT_CLASS_FORWARDED;
	case ANALYSIS_FAIL_UNKNOWN:
		break;
	}
	return ROLLOUT_CLASS_FAIL_UNKNOWN;
}

/* True if ip lies in one of the disowned networks. */
static bool disowned(const struct rollout_inputs *in, const char *ip)
{
	struct ip_net addr, net;

	if (!ip || !ip_addr_parse(ip, &addr))
		return false;
	for (size_t i = 0; i < in->ndisowned; i++)
		if (ip_net_parse(in->disowned[i], AF_UNSPEC, &net) &&
		    ip_net_contains(&net, &addr))
			return true;
	return false;
}

/* The window the report evidence is judged over. */
void rollout_window(const struct state_settings *settings, date_t today,
		    date_t *since, date_t *until)
{
	*until = today;
	*since = today - settings->window_days + 1;
}

/* The report evidence of the window ending today, from the report
 * analysis (which classes the sources by the inventory, the domain's
 * SPF record and the providers' reverse-DNS patterns). */
static enum status inputs_evidence(struct store *store, struct dns *dns,
				   const struct providers *catalogue,
				   struct rollout_inputs *in, date_t today,
				   struct err *err)
{
	struct rollout_evidence *e = &in->evidence;
	struct analysis_options o = { .dns = dns, .providers = catalogue };
	struct analysis *a = NULL;
	size_t cap = 0;
	enum status st;

	rollout_window(&in->settings, today, &e->since, &e->until);
	if ((st = analysis_run(store, in->domain, e->since, e->until, &o, &a,
			       err)))
		return st;
	e->reports = a->reports;
	e->messages = (uint64_t)a->totals.messages;
	e->passing = (uint64_t)a->totals.dmarc_pass;
	e->legitimate = a->legitimate > 0 ? (uint64_t)a->legitimate : 0;
	for (size_t i = 0; i < a->nsources; i++) {
		const struct analysis_source *s = &a->sources[i];
		struct rollout_source *src;

		if (s->failing <= 0)
			continue;
		if (s->cls == ANALYSIS_FORWARDED)
			e->forwarded += (uint64_t)s->failing;
		e->failing = xgrow(e->failing, &cap, e->nfailing + 1,
				   sizeof *e->failing);
		src = &e->failing[e->nfailing++];
		memset(src, 0, sizeof *src);
		src->ip = xstrdup(s->ip);
		src->ptr = xstrdup_or_null(s->ptr);
		src->provider = s->provider ? xstrdup(s->provider->id) : NULL;
		src->messages = (uint64_t)s->failing;
		src->cls = class_of(s->cls);
		/* The operator says it is not theirs: spoofing, which the
		 * policy is to stop; its failures are not legitimate mail. */
		if (disowned(in, s->ip)) {
			if (src->cls == ROLLOUT_CLASS_FAIL_KNOWN)
				e->legitimate -= e->legitimate > src->messages
						     ? src->messages
						     : e->legitimate;
			if (src->cls == ROLLOUT_CLASS_FORWARDED)
				e->forwarded -= src->messages;
			src->cls = ROLLOUT_CLASS_NOT_OURS;
			e->not_ours += src->messages;
		}
	}
	in->have_evidence = true;
	analysis_free(a);
	return STATUS_OK;
}

/* The senders whose service publishes DKIM keys itself, with the
 * catalogue's selectors, and whether a key of theirs is recorded. */
static void inputs_sender_dkim(struct rollout_inputs *in,
			       const struct providers *catalogue)
{
	for (size_t i = 0; i < in->nsenders; i++) {
		const struct state_sender *s = &in->senders[i];
		const struct provider *p;
		struct rollout_sender_dkim *d;

		if (s->kind != SENDER_PROVIDER) {
			in->own_servers = true;
			continue;
		}
		p = catalogue ? providers_find(catalogue, s->value) : NULL;
		if (!p || p->ndkim_selectors == 0)
			continue;
		in->sender_dkim =
		    xrealloc(in->sender_dkim,
			     (in->nsender_dkim + 1) * sizeof *in->sender_dkim);
		d = &in->sender_dkim[in->nsender_dkim++];
		memset(d, 0, sizeof *d);
		d->provider = xstrdup(p->id);
		d->name = xstrdup(p->name);
		d->how = xstrdup_or_null(p->dkim);
		for (size_t j = 0; j < p->ndkim_selectors; j++)
			strlist_add(&d->selectors, &d->nselectors,
				    xstrdup(p->dkim_selectors[j]));
		for (size_t k = 0; k < in->nkeys; k++)
			if (in->keys[k].retired == DATE_NONE &&
			    in->keys[k].provider &&
			    strcmp(in->keys[k].provider, p->id) == 0)
				d->has_key = true;
	}
}

/* What maintenance finds due: the domain's own DKIM keys in use past
 * its rotation interval (plan/rotation_due.h, the rule dkim check and
 * the monitor share), each said as its finding says it. */
static enum status inputs_due(struct store *store, struct rollout_inputs *in,
			      date_t today, struct err *err)
{
	struct rotation_due d;
	enum status st = rotation_due_load(store, in->domain, today, &d, err);

	if (st == STATUS_OK) {
		in->dkim_interval = d.interval;
		in->dkim_rotating = d.rotating;
		in->dkim_rotating_to = d.rotating_to;
		d.rotating = d.rotating_to = NULL;
		for (size_t i = 0; i < d.due.count; i++)
			strlist_add(&in->due, &in->ndue,
				    xstrdup(d.due.items[i].message));
	}
	rotation_due_done(&d);
	return st;
}

/* Gathers the state of a domain. */
enum status rollout_inputs_load(struct store *store, struct dns *dns,
				const struct providers *catalogue,
				const char *domain, date_t today,
				struct rollout_inputs *in, struct err *err)
{
	struct state_domain *domains = NULL;
	size_t ndomains = 0;
	enum status st;

	memset(in, 0, sizeof *in);
	ladder_init_default(&in->ladder);
	dmarc_record_init(&in->tags);
	state_settings_defaults(&in->settings);
	in->domain = text_domain_normalize(domain);
	in->created = today;
	if ((st = state_settings_get(store, in->domain, &in->settings, err)))
		goto fail;
	if ((st = state_domain_list(store, &domains, &ndomains, err)))
		goto fail;
	for (size_t i = 0; i < ndomains; i++)
		if (strcmp(domains[i].name, in->domain) == 0 &&
		    domains[i].created != DATE_NONE)
			in->created = domains[i].created;
	state_domains_free(domains, ndomains);
	if (in->settings.rungs) {
		ladder_done(&in->ladder);
		if ((st = ladder_parse(&in->ladder, in->settings.rungs, err))) {
			err_prefix(err, "%s", in->domain);
			goto fail;
		}
	}
	dmarc_record_done(&in->tags);
	if ((st =
		 tags_from_settings(&in->settings, in->domain, &in->tags, err)))
		goto fail;
	if ((st = state_sender_list(store, in->domain, &in->senders,
				    &in->nsenders, err)) ||
	    (st = state_dkim_key_list(store, in->domain, &in->keys, &in->nkeys,
				      err)) ||
	    (st = state_rung_list(store, in->domain, &in->history,
				  &in->nhistory, err)))
		goto fail;
	{
		struct state_disowned *d = NULL;
		size_t nd = 0;

		if ((st = state_disown_list(store, in->domain, &d, &nd, err)))
			goto fail;
		for (size_t i = 0; i < nd; i++)
			strlist_add(&in->disowned, &in->ndisowned,
				    xstrdup(d[i].network));
		state_disowned_free(d, nd);
	}
	in->key_records = xcalloc(in->nkeys + 1, sizeof *in->key_records);
	in->key_problems = xcalloc(in->nkeys + 1, sizeof *in->key_problems);
	if ((st = inputs_records(store, dns, catalogue, in, err)))
		goto fail;
	inputs_sender_dkim(in, catalogue);
	if ((st = inputs_evidence(store, dns, catalogue, in, today, err)))
		goto fail;
	if ((st = inputs_due(store, in, today, err)))
		goto fail;
	{
		struct rollout_verified v;
		date_t since;

		rollout_verified_scan(in, &v);
		if (rollout_phase_of(in, &v, today, &since) >= ROLLOUT_ENFORCED)
			rollout_drift(store, dns, in);
	}
	return STATUS_OK;
fail:
	rollout_inputs_done(in);
	return st;
}
