/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "plan/rollout.h"
#include "plan/rollout_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan/analysis.h"
#include "dkim/dkim.h"
#include "plan/rotation_due.h"
#include "util/i18n.h"
#include "util/ip.h"
#include "spf/spf.h"
#include "spf/spf_check.h"
#include "spf/spf_eval.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

static const char *const phase_names[] = {
	[ROLLOUT_DISCOVERY] = "discovery",
	[ROLLOUT_SPF] = "spf",
	[ROLLOUT_DKIM] = "dkim",
	[ROLLOUT_MONITOR] = "monitor",
	[ROLLOUT_QUARANTINE] = "quarantine",
	[ROLLOUT_REJECT] = "reject",
	[ROLLOUT_ENFORCED] = "enforced",
	[ROLLOUT_MAINTENANCE] = "maintenance",
};

static const char *const phase_labels[] = {
	[ROLLOUT_DISCOVERY] = N_("discovery"),
	[ROLLOUT_SPF] = N_("SPF (~all)"),
	[ROLLOUT_DKIM] = N_("DKIM"),
	[ROLLOUT_MONITOR] = N_("DMARC monitor (p=none)"),
	[ROLLOUT_QUARANTINE] = N_("DMARC quarantine"),
	[ROLLOUT_REJECT] = N_("DMARC reject"),
	[ROLLOUT_ENFORCED] = N_("enforced"),
	[ROLLOUT_MAINTENANCE] = N_("maintenance"),
};

static const char *const class_names[] = {
	[ROLLOUT_CLASS_PASS] = "pass",
	[ROLLOUT_CLASS_FAIL_KNOWN] = "fail-known",
	[ROLLOUT_CLASS_FAIL_UNKNOWN] = "fail-unknown",
	[ROLLOUT_CLASS_FORWARDED] = "forwarded",
	[ROLLOUT_CLASS_NOT_OURS] = "not-ours",
};

/* The stable word of a phase. */
const char *rollout_phase_name(enum rollout_phase phase)
{
	return phase_names[phase];
}

/* The translated name of a phase. */
const char *rollout_phase_label(enum rollout_phase phase)
{
	return _(phase_labels[phase]);
}

/* The stable word of a class. */
const char *rollout_class_name(enum rollout_class cls)
{
	return class_names[cls];
}

/* Frees the failing sources. */
void rollout_evidence_done(struct rollout_evidence *e)
{
	for (size_t i = 0; i < e->nfailing; i++) {
		free(e->failing[i].ip);
		free(e->failing[i].ptr);
		free(e->failing[i].provider);
	}
	free(e->failing);
	e->failing = NULL;
	e->nfailing = 0;
}

/* Frees an array of TXT records. */
static void spf_txts_free(struct spf_txt *t, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(t[i].name);
		free(t[i].value);
	}
	free(t);
}

/* Frees everything gathered. */
void rollout_inputs_done(struct rollout_inputs *in)
{
	free(in->domain);
	state_settings_done(&in->settings);
	ladder_done(&in->ladder);
	dmarc_record_done(&in->tags);
	state_senders_free(in->senders, in->nsenders);
	if (in->key_records)
		rollout_list_free(in->key_records, in->nkeys);
	if (in->key_problems)
		rollout_list_free(in->key_problems, in->nkeys);
	state_dkim_keys_free(in->keys, in->nkeys);
	state_rungs_free(in->history, in->nhistory);
	free(in->spf_soft);
	free(in->spf_hard);
	spf_txts_free(in->spf_parts, in->nspf_parts);
	spf_flatten_free(in->spf_flat);
	free(in->spf_lookup_note);
	free(in->spf_drift_note);
	rollout_list_free(in->disowned, in->ndisowned);
	rollout_list_free(in->spf_problems, in->nspf_problems);
	rollout_evidence_done(&in->evidence);
	rollout_list_free(in->due, in->ndue);
	free(in->dkim_rotating);
	free(in->dkim_rotating_to);
	for (size_t i = 0; i < in->nsender_dkim; i++) {
		struct rollout_sender_dkim *d = &in->sender_dkim[i];

		free(d->provider);
		free(d->name);
		free(d->how);
		rollout_list_free(d->selectors, d->nselectors);
		free(d->live);
	}
	free(in->sender_dkim);
	free(in->spf_live);
	free(in->dmarc_live);
	free(in->live_note);
	memset(in, 0, sizeof *in);
}

/* ---------------------------------------------------------------- inputs */

/* The tags every rung carries, from the settings: rua defaults to
 * dmarc@DOMAIN, since p=none without rua teaches nothing. */
static enum status tags_from_settings(const struct state_settings *s,
				      const char *domain,
				      struct dmarc_record *tags,
				      struct err *err)
{
	char *rua = s->rua ? xstrdup(s->rua)
			   : xasprintf("mailto:dmarc@%s", domain);
	enum status st = STATUS_OK;

	dmarc_record_init(tags);
	/* RFC 7489 6.4: rua and ruf are comma-separated URI lists. */
	if (!dmarc_uri_list_parse(rua, "rua", &tags->rua, &tags->nrua,
				  NULL) ||
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
	const struct provider *p = arg ? providers_match_spf(arg, mechanism)
				       : NULL;

	return p && p->category == PROVIDER_MAILBOX;
}

/* The mechanisms of the senders, each once; unknown providers go into
 * spf_problems. Returns the count; *out is freed with rollout_list_free(). */
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
				rollout_list_add(
					&in->spf_problems, &in->nspf_problems,
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
static struct spf_flatten *spf_count(struct rollout_inputs *in,
				     struct dns *dns,
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
		rollout_list_add(
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
			rollout_list_add(
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
		rollout_list_add(
			&in->spf_problems, &in->nspf_problems,
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
	rollout_list_free(mech, n);
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

	if ((st = state_flattened_list(store, in->domain, &saved, &nsaved,
				       err)))
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
		in->sender_dkim = xrealloc(in->sender_dkim,
					   (in->nsender_dkim + 1) *
					       sizeof *in->sender_dkim);
		d = &in->sender_dkim[in->nsender_dkim++];
		memset(d, 0, sizeof *d);
		d->provider = xstrdup(p->id);
		d->name = xstrdup(p->name);
		d->how = xstrdup_or_null(p->dkim);
		for (size_t j = 0; j < p->ndkim_selectors; j++)
			rollout_list_add(&d->selectors, &d->nselectors,
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
			rollout_list_add(&in->due, &in->ndue,
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
	if ((st = tags_from_settings(&in->settings, in->domain, &in->tags,
				     err)))
		goto fail;
	if ((st = state_sender_list(store, in->domain, &in->senders,
				    &in->nsenders, err)) ||
	    (st = state_dkim_key_list(store, in->domain, &in->keys,
				      &in->nkeys, err)) ||
	    (st = state_rung_list(store, in->domain, &in->history,
				  &in->nhistory, err)))
		goto fail;
	{
		struct state_disowned *d = NULL;
		size_t nd = 0;

		if ((st = state_disown_list(store, in->domain, &d, &nd, err)))
			goto fail;
		for (size_t i = 0; i < nd; i++)
			rollout_list_add(&in->disowned, &in->ndisowned,
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
		if (rollout_phase_of(in, &v, today, &since) >=
		    ROLLOUT_ENFORCED)
			rollout_drift(store, dns, in);
	}
	return STATUS_OK;
fail:
	rollout_inputs_done(in);
	return st;
}

/* ---------------------------------------------------------------- history */

/* True when the operator asked for ~all (domain set spf-all=softfail):
 * the only way the plan publishes a weaker SPF record than -all. */
static bool spf_soft_asked(const struct rollout_inputs *in)
{
	return in->settings.spf_all &&
	       strcmp(in->settings.spf_all, "softfail") == 0;
}

/* Reads the history and the keys into a summary. */
void rollout_verified_scan(const struct rollout_inputs *in,
			   struct rollout_verified *v)
{
	memset(v, 0, sizeof *v);
	v->spf_soft = v->spf_hard = v->dmarc_day = v->dkim_day = DATE_NONE;
	v->dmarc_rung = -1;
	for (size_t i = 0; i < in->nhistory; i++) {
		const struct state_rung *r = &in->history[i];

		if (r->kind == RUNG_SPF) {
			/* A later ~all after -all is a step back. */
			if (r->rung >= 1) {
				v->spf_hard = r->verified;
			} else {
				v->spf_soft = r->verified;
				v->spf_hard = DATE_NONE;
			}
			v->spf_record = r->record;
			continue;
		}
		v->dmarc_rung = r->rung;
		v->dmarc_day = r->verified;
		v->dmarc_record = r->record;
	}
	/* A record verified under another ladder: find its rung anew. */
	if (v->dmarc_record) {
		int found = ladder_find_text(&in->ladder, v->dmarc_record);

		if (found >= 0)
			v->dmarc_rung = found;
		else if (v->dmarc_rung >= (int)in->ladder.count)
			v->dmarc_rung = (int)in->ladder.count - 1;
	}
	for (size_t i = 0; i < in->nkeys; i++) {
		const struct state_dkim_key *k = &in->keys[i];

		if (k->retired != DATE_NONE)
			continue;
		v->dkim_active++;
		if (k->published == DATE_NONE)
			continue;
		if (v->dkim_day == DATE_NONE || k->published > v->dkim_day)
			v->dkim_day = k->published;
	}
	v->dkim_done = v->dkim_active > 0;
	/* Every service that signs for the domain has its key live. */
	for (size_t i = 0; i < in->nsender_dkim; i++)
		if (!in->sender_dkim[i].has_key)
			v->dkim_done = false;
	for (size_t i = 0; i < in->nkeys; i++)
		if (in->keys[i].retired == DATE_NONE &&
		    in->keys[i].published == DATE_NONE)
			v->dkim_done = false;
}

/* The phase and its first day from the summary. */
enum rollout_phase rollout_phase_of(const struct rollout_inputs *in,
				    const struct rollout_verified *v,
				    date_t today, date_t *since)
{
	size_t last = in->ladder.count ? in->ladder.count - 1 : 0;

	if (v->dmarc_rung >= 0) {
		const struct ladder_rung *r = &in->ladder.rungs[v->dmarc_rung];

		/* SPF at -all, or at the ~all the operator asked for. */
		date_t spf = v->spf_hard != DATE_NONE ? v->spf_hard
			     : spf_soft_asked(in) ? v->spf_soft
						  : DATE_NONE;

		if ((size_t)v->dmarc_rung == last &&
		    r->policy == DMARC_POLICY_REJECT && spf != DATE_NONE) {
			*since = spf > v->dmarc_day ? spf : v->dmarc_day;
			if (today - *since >= in->settings.window_days) {
				*since += in->settings.window_days;
				return ROLLOUT_MAINTENANCE;
			}
			return ROLLOUT_ENFORCED;
		}
		*since = v->dmarc_day;
		if (r->policy == DMARC_POLICY_REJECT)
			return ROLLOUT_REJECT;
		if (r->policy == DMARC_POLICY_QUARANTINE)
			return ROLLOUT_QUARANTINE;
		return ROLLOUT_MONITOR;
	}
	if (v->spf_soft != DATE_NONE || v->spf_hard != DATE_NONE) {
		date_t spf = v->spf_soft != DATE_NONE ? v->spf_soft
						      : v->spf_hard;

		if (v->dkim_done) {
			*since = v->dkim_day > spf ? v->dkim_day : spf;
			return ROLLOUT_DKIM;
		}
		*since = spf;
		return ROLLOUT_SPF;
	}
	*since = in->created;
	return ROLLOUT_DISCOVERY;
}

/* ---------------------------------------------------------------- drift */

/* Formats a percentage with one decimal, as people read it. */
static double percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Adds a reason to the plan as a finding with its stable code; msg
 * (translated) is freed. */
static void plan_reason(struct rollout_plan *plan, enum finding_code code,
			char *msg)
{
	findings_add(&plan->reasons, code, "%s", msg);
	free(msg);
}

/* Judges the report window against the thresholds; adds the reasons
 * and returns true when the evidence allows the next step. */
static bool evidence_judge(const struct rollout_inputs *in,
			   struct rollout_plan *plan)
{
	const struct rollout_evidence *e = &in->evidence;
	const struct state_settings *s = &in->settings;
	char a[DATE_BUFSIZE], b[DATE_BUFSIZE];
	bool ok = true;
	double rate;

	if (!in->have_evidence || e->messages == 0) {
		plan_reason(plan, F_PLAN_NO_REPORTS,
			xasprintf(_("no aggregate reports cover %s to %s: "
				    "import them with dmarcpilot report "
				    "import"),
				  date_format(e->since, a),
				  date_format(e->until, b)));
		return false;
	}
	rate = percent(e->passing, e->legitimate);
	/* DESIGN.md 4: >= 98 % of the legitimate volume passes DMARC. */
	if (e->legitimate == 0 || rate < s->pass_threshold) {
		plan_reason(plan, F_PLAN_PASS_RATE,
			xasprintf(_("%.1f %% of legitimate mail passed "
				    "DMARC from %s to %s (%llu of %llu "
				    "messages); %.1f %% is needed"),
				  rate, date_format(e->since, a),
				  date_format(e->until, b),
				  (unsigned long long)e->passing,
				  (unsigned long long)e->legitimate,
				  s->pass_threshold));
		ok = false;
	}
	/* DESIGN.md 4: no unclassified failing source above 0.5 %. */
	for (size_t i = 0; i < e->nfailing; i++) {
		const struct rollout_source *src = &e->failing[i];
		double share = percent(src->messages, e->messages);
		char *ip, *ptr;

		if (src->cls == ROLLOUT_CLASS_NOT_OURS) {
			ip = text_clean_str(src->ip);
			/* Shown, never held against the step: p=reject is
			 * exactly what stops it. */
			plan_reason(plan, F_PLAN_NOT_OURS,
				xasprintf(_("source %s is not ours (disowned): "
					    "%llu messages failed DMARC "
					    "(%.1f %%); the policy is what "
					    "stops it"),
					  ip, (unsigned long long)src->messages,
					  share));
			free(ip);
			continue;
		}
		if (src->cls != ROLLOUT_CLASS_FAIL_UNKNOWN ||
		    share <= s->unknown_threshold)
			continue;
		ip = text_clean_str(src->ip);
		ptr = text_clean_str(src->ptr);
		plan_reason(plan, F_PLAN_UNKNOWN_SOURCE,
			xasprintf(_("unknown source %s%s%s%s fails DMARC for "
				    "%.1f %% of the mail of the last %d "
				    "days (%llu messages, more than %.1f "
				    "%%): if it sends for you, add it with "
				    "dmarcpilot sender add; if it is not "
				    "yours, disown it with dmarcpilot "
				    "sender disown %s %s"),
				  ip, *ptr ? " (" : "", ptr, *ptr ? ")" : "",
				  share, s->window_days,
				  (unsigned long long)src->messages,
				  s->unknown_threshold, in->domain, ip));
		free(ptr);
		free(ip);
		ok = false;
	}
	if (ok)
		plan_reason(plan, F_PLAN_EVIDENCE_GOOD,
			xasprintf(_("%.1f %% of legitimate mail passed "
				    "DMARC from %s to %s (%llu of %llu "
				    "messages), and no unknown source "
				    "fails above %.1f %%"),
				  rate, date_format(e->since, a),
				  date_format(e->until, b),
				  (unsigned long long)e->passing,
				  (unsigned long long)e->legitimate,
				  s->unknown_threshold));
	return ok;
}

/* ---------------------------------------------------------------- next */

/* Fills the next step with a DMARC rung. */
static void next_dmarc(const struct rollout_inputs *in, int rung,
		       struct rollout_next *next)
{
	next->action = ROLLOUT_ACTION_DMARC;
	next->rung = rung;
	/* RFC 7489 6.1: the record lives at _dmarc.DOMAIN. */
	next->name = xasprintf("_dmarc.%s", in->domain);
	next->record = ladder_record(&in->ladder.rungs[rung], &in->tags);
	next->label = ladder_rung_label(&in->ladder.rungs[rung]);
}

/* Fills the next step with the SPF record of one strength. */
static void next_spf(const struct rollout_inputs *in, int rung,
		     struct rollout_next *next)
{
	/* domain set spf-all=fail: -all from the first SPF step on;
	 * spf-all=softfail: ~all throughout, as the operator asked. */
	if (in->settings.spf_all && strcmp(in->settings.spf_all, "fail") == 0)
		rung = 1;
	if (spf_soft_asked(in))
		rung = 0;
	next->action = ROLLOUT_ACTION_SPF;
	next->rung = rung;
	next->name = xstrdup(in->domain);
	next->record = xstrdup_or_null(rung ? in->spf_hard : in->spf_soft);
	next->label = xstrdup(rung ? _("SPF -all") : _("SPF ~all"));
	/* The _spfN parts go live with the record that includes them. */
	if (in->nspf_parts > 0) {
		next->nparts = in->nspf_parts;
		next->parts = xcalloc(next->nparts, sizeof *next->parts);
		for (size_t i = 0; i < next->nparts; i++) {
			next->parts[i].name = xstrdup(in->spf_parts[i].name);
			next->parts[i].value = xstrdup(in->spf_parts[i].value);
		}
	}
}

/* Adds the lookup count of the SPF record to the reasons when it could
 * not be counted, so that the plan never pretends it was. */
static void spf_lookup_reason(const struct rollout_inputs *in,
			      struct rollout_plan *plan)
{
	if (in->spf_lookup_note)
		plan_reason(plan, F_PLAN_SPF_UNCOUNTED,
				 xstrdup(in->spf_lookup_note));
}

/* The first DKIM key in use that is not live yet, or -1. */
static int key_pending(const struct rollout_inputs *in)
{
	for (size_t i = 0; i < in->nkeys; i++)
		if (in->keys[i].retired == DATE_NONE &&
		    in->keys[i].published == DATE_NONE)
			return (int)i;
	return -1;
}

/* With no key of our own waiting, the next DKIM step is the key of a
 * service that signs for the domain: the first whose key is live and
 * not recorded yet. Names each service whose key is not live, and our
 * own servers when no key of ours exists; true when a step is ready. */
static bool dkim_next_service(const struct rollout_inputs *in,
			      struct rollout_plan *plan)
{
	const struct rollout_sender_dkim *next = NULL;

	for (size_t i = 0; i < in->nsender_dkim; i++) {
		const struct rollout_sender_dkim *d = &in->sender_dkim[i];
		char *names;

		if (d->has_key)
			continue;
		if (d->live) {
			if (!next)
				next = d;
			continue;
		}
		names = xstrdup(d->selectors[0]);
		for (size_t j = 1; j < d->nselectors; j++) {
			char *t = xasprintf("%s, %s", names, d->selectors[j]);

			free(names);
			names = t;
		}
		plan_reason(plan, F_PLAN_DKIM_MISSING,
			    xasprintf(_("sender %s (%s) publishes no DKIM "
					"key for %s yet (selectors %s): "
					"enable DKIM in the service%s%s"),
				      d->provider, d->name, in->domain, names,
				      d->how ? ": " : "",
				      d->how ? d->how : ""));
		free(names);
	}
	if (in->nkeys == 0 && (in->own_servers || in->nsender_dkim == 0))
		plan_reason(plan, F_PLAN_DKIM_MISSING,
			    xasprintf(_("no DKIM key is set up for %s: "
					"generate one with dmarcpilot dkim "
					"keygen %s SELECTOR"),
				      in->domain, in->domain));
	if (!next)
		return false;
	plan->next.action = ROLLOUT_ACTION_DKIM;
	plan->next.selector = xstrdup(next->live);
	plan->next.provider = xstrdup(next->provider);
	/* RFC 6376 3.6.2.1: SELECTOR._domainkey.DOMAIN. */
	plan->next.name = xasprintf("%s._domainkey.%s", next->live,
				    in->domain);
	plan->next.label = xasprintf(_("DKIM selector %s (%s)"), next->live,
				     next->name);
	return true;
}

/* Adds the SPF problems (or the lack of senders) as reasons; true when
 * the SPF record can be published. */
static bool spf_buildable(const struct rollout_inputs *in,
			  struct rollout_plan *plan)
{
	for (size_t i = 0; i < in->nspf_problems; i++)
		plan_reason(plan, F_PLAN_SPF_PROBLEM,
				 xstrdup(in->spf_problems[i]));
	spf_lookup_reason(in, plan);
	if (in->nsenders == 0) {
		plan_reason(plan, F_PLAN_NO_SENDERS,
			xasprintf(_("no senders are listed for %s: add "
				    "every service and server that sends "
				    "its mail with dmarcpilot sender add"),
				  in->domain));
		return false;
	}
	/* A record whose lookups are unknown may pass the limit of RFC
	 * 7208 4.6.4: never call it ready. */
	return in->spf_soft && in->nspf_problems == 0 && in->spf_lookups >= 0;
}

/* True if every term of built but its "all" (RFC 7208 5.1) is a term of
 * live too, compared without case (RFC 7208 4.6.1). */
static bool spf_covers(const char *live, const char *built)
{
	char *copy = xstrdup(built), *save = NULL;
	bool ok = true;

	for (char *t = strtok_r(copy, " ", &save); t && ok;
	     t = strtok_r(NULL, " ", &save)) {
		size_t len = strlen(t);
		const char *p = live;

		if (strcasecmp(t, "v=spf1") == 0 ||
		    strcasecmp(t + (len > 3 && strchr("+-~?", *t) ? 1 : 0),
			       "all") == 0)
			continue;
		ok = false;
		while (*p && !ok) {
			size_t n;

			p += strspn(p, " ");
			n = strcspn(p, " ");
			ok = n == len && strncasecmp(p, t, n) == 0;
			p += n;
		}
	}
	free(copy);
	return ok;
}

/* When the SPF record built from the senders now differs from the one
 * served (or, when the live record was not read, the one verified),
 * e.g. after a sender was added mid-rollout, the next step is to
 * publish it again at the strength already reached; true when it is. */
static bool spf_stale(const struct rollout_inputs *in,
		      const struct rollout_verified *v, date_t today,
		      struct rollout_plan *plan)
{
	int rung = v->spf_hard != DATE_NONE ? 1 : 0;
	const char *built = rung ? in->spf_hard : in->spf_soft;
	const char *live = in->live_read && !in->live_note ? in->spf_live
							   : v->spf_record;

	/* The live record may already be the next strength (published
	 * before the step) or hold more than the senders need: only a term
	 * it misses makes it stale. */
	if (!v->spf_record || !built || in->spf_lookups < 0 ||
	    (live && spf_covers(live, built)))
		return false;
	free(plan->next.name);
	free(plan->next.record);
	free(plan->next.selector);
	free(plan->next.provider);
	free(plan->next.label);
	spf_txts_free(plan->next.parts, plan->next.nparts);
	memset(&plan->next, 0, sizeof plan->next);
	next_spf(in, rung, &plan->next);
	plan->earliest = today;
	plan->min_days = 0;
	plan->evidence_needed = false;
	plan_reason(plan, F_PLAN_SPF_STALE,
		    live ? xasprintf(_("the SPF record served for %s (%s) is "
				       "stale: the senders now need %s; "
				       "publish it and run dmarcpilot step "
				       "%s before the next rung"),
				     in->domain, live, built, in->domain)
			 : xasprintf(_("%s serves no SPF record: publish %s "
				       "and run dmarcpilot step %s"),
				     in->domain, built, in->domain));
	return true;
}

/* domain set spf-all=softfail on a domain whose -all is verified: the
 * operator asks for the weaker record, so the next step is ~all, at once
 * (it can only let more mail pass), and a plan.weaker reason says so.
 * Without that setting the plan never proposes ~all after -all. True
 * when it applies; *ready then says whether the record can be
 * published. */
static bool spf_weaken(const struct rollout_inputs *in,
		       const struct rollout_verified *v, date_t today,
		       struct rollout_plan *plan, bool *ready)
{
	if (!spf_soft_asked(in) || v->spf_hard == DATE_NONE)
		return false;
	next_spf(in, 0, &plan->next);
	plan->earliest = today;
	plan->min_days = 0;
	plan->evidence_needed = false;
	plan_reason(plan, F_PLAN_WEAKER,
		    xasprintf(_("as asked with domain set %s spf-all=softfail, "
				"the plan publishes %s, a weaker record than "
				"the -all verified: mail that fails SPF is "
				"then no longer refused by SPF alone; run "
				"dmarcpilot step %s once it is served"),
			      in->domain,
			      plan->next.record ? plan->next.record : "~all",
			      in->domain));
	*ready = spf_buildable(in, plan);
	return true;
}

/* Decides the plan. */
void rollout_decide(const struct rollout_inputs *in, date_t today,
		    struct rollout_plan *plan)
{
	struct rollout_verified v;
	bool ready = true;
	size_t last = in->ladder.count ? in->ladder.count - 1 : 0;
	const char *want;

	memset(plan, 0, sizeof *plan);
	plan->domain = xstrdup(in->domain);
	rollout_verified_scan(in, &v);
	plan->phase = rollout_phase_of(in, &v, today, &plan->since);
	plan->days = today - plan->since;
	plan->earliest = today;
	plan->dmarc_verified = xstrdup_or_null(v.dmarc_record);
	plan->spf_verified = xstrdup_or_null(v.spf_record);
	if (in->live_read && !in->live_note) {
		plan->dmarc_live = xstrdup_or_null(in->dmarc_live);
		plan->spf_live = xstrdup_or_null(in->spf_live);
	}
	for (size_t i = 0; i < in->ndue; i++)
		rollout_list_add(&plan->due, &plan->ndue, xstrdup(in->due[i]));

	if (spf_weaken(in, &v, today, plan, &ready))
		goto live;
	switch (plan->phase) {
	case ROLLOUT_DISCOVERY:
		next_spf(in, 0, &plan->next);
		ready = spf_buildable(in, plan);
		break;
	case ROLLOUT_SPF: {
		int k = key_pending(in);

		if (k < 0) {
			ready = dkim_next_service(in, plan);
			break;
		}
		plan->next.action = ROLLOUT_ACTION_DKIM;
		plan->next.selector = xstrdup(in->keys[k].selector);
		/* RFC 6376 3.6.2.1: SELECTOR._domainkey.DOMAIN. */
		plan->next.name = xasprintf("%s._domainkey.%s",
					    in->keys[k].selector, in->domain);
		plan->next.record = xstrdup_or_null(in->key_records
							? in->key_records[k]
							: NULL);
		plan->next.label = xasprintf(_("DKIM selector %s"),
					     in->keys[k].selector);
		if (!plan->next.record && !in->keys[k].provider) {
			const char *why = in->key_problems
					      ? in->key_problems[k]
					      : NULL;

			if (why)
				plan_reason(plan, F_PLAN_DKIM_UNREADABLE,
					xasprintf(_("the key record of "
						    "selector %s cannot be "
						    "built: %s"),
						  in->keys[k].selector, why));
			else
				plan_reason(plan, F_PLAN_DKIM_UNREADABLE,
					xasprintf(_("the public key of "
						    "selector %s cannot be "
						    "read from %s"),
						  in->keys[k].selector,
						  in->keys[k].key_path
							  ? in->keys[k].key_path
							  : "?"));
			ready = false;
		}
		break;
	}
	case ROLLOUT_DKIM:
		next_dmarc(in, 0, &plan->next);
		break;
	case ROLLOUT_MONITOR:
	case ROLLOUT_QUARANTINE:
	case ROLLOUT_REJECT: {
		char since[DATE_BUFSIZE];

		if ((size_t)v.dmarc_rung < last)
			next_dmarc(in, v.dmarc_rung + 1, &plan->next);
		else
			next_spf(in, 1, &plan->next);
		plan->min_days = plan->phase == ROLLOUT_MONITOR
				     ? in->settings.min_days_monitor
				     : in->settings.min_days_rung;
		plan->earliest = plan->since + plan->min_days;
		if (plan->earliest < today)
			plan->earliest = today;
		plan->evidence_needed = true;
		if (plan->days < plan->min_days) {
			plan_reason(plan, F_PLAN_TOO_EARLY,
				xasprintf(_("%s since %s: %d of %d days "
					    "done"),
					  rollout_phase_label(plan->phase),
					  date_format(plan->since, since),
					  plan->days, plan->min_days));
			ready = false;
		}
		if (!evidence_judge(in, plan))
			ready = false;
		if (plan->next.action == ROLLOUT_ACTION_SPF) {
			for (size_t i = 0; i < in->nspf_problems; i++)
				plan_reason(plan, F_PLAN_SPF_PROBLEM,
						 xstrdup(in->spf_problems[i]));
			spf_lookup_reason(in, plan);
			if (in->nspf_problems > 0 || in->spf_lookups < 0)
				ready = false;
		}
		if (plan->next.action == ROLLOUT_ACTION_SPF &&
		    !plan->next.record) {
			plan_reason(plan, F_PLAN_SPF_PROBLEM,
				xstrdup(_("the SPF record cannot be built "
					  "from the senders")));
			ready = false;
		}
		break;
	}
	case ROLLOUT_ENFORCED:
	case ROLLOUT_MAINTENANCE:
		/* The record verified is -all, or ~all when asked. */
		want = v.spf_hard != DATE_NONE ? in->spf_hard : in->spf_soft;
		if (in->live_note)
			plan_reason(plan, F_PLAN_LIVE_UNREAD,
				    xstrdup(in->live_note));
		plan->earliest = DATE_NONE;
		ready = false;
		if (in->spf_drift_note)
			plan_reason(plan, F_PLAN_DRIFT_UNCHECKED,
					 xstrdup(in->spf_drift_note));
		/* The record built now (new senders, new flattened ranges)
		 * differs from the one verified: publish it again. */
		if (want && v.spf_record && in->spf_lookups >= 0 &&
		    strcmp(want, v.spf_record) != 0) {
			char d[DATE_BUFSIZE];

			next_spf(in, 1, &plan->next);
			plan->earliest = today;
			ready = in->nspf_problems == 0;
			plan_reason(plan, F_PLAN_SPF_STALE,
				xasprintf(_("the SPF record built now differs "
					    "from the one verified on %s: "
					    "publish it and run dmarcpilot "
					    "step %s"),
					  date_format(v.spf_hard != DATE_NONE
							  ? v.spf_hard
							  : v.spf_soft,
						      d),
					  in->domain));
			spf_lookup_reason(in, plan);
			break;
		}
		if (plan->ndue == 0)
			plan_reason(plan, F_PLAN_COMPLETE,
				xstrdup(_("the rollout is complete; nothing "
					  "is due")));
		for (size_t i = 0; i < plan->ndue; i++)
			plan_reason(plan, F_PLAN_DUE,
					 xstrdup(plan->due[i]));
		break;
	}
	/* Mid-rollout, a stale SPF record comes before any rung: the
	 * senders it misses would fail once the policy is enforced. */
	if (plan->phase >= ROLLOUT_SPF && plan->phase <= ROLLOUT_REJECT &&
	    spf_stale(in, &v, today, plan)) {
		ready = in->nspf_problems == 0;
		for (size_t i = 0; i < in->nspf_problems; i++)
			plan_reason(plan, F_PLAN_SPF_PROBLEM,
				    xstrdup(in->spf_problems[i]));
	}
live:
	/* A fact the decision needs could not be read: not ready. */
	if (in->live_note && plan->phase < ROLLOUT_ENFORCED) {
		plan_reason(plan, F_PLAN_LIVE_UNREAD, xstrdup(in->live_note));
		ready = false;
	}
	plan->ready = ready;
}

/* Frees a plan. */
void rollout_plan_done(struct rollout_plan *plan)
{
	free(plan->domain);
	findings_done(&plan->reasons);
	free(plan->next.name);
	free(plan->next.record);
	free(plan->next.selector);
	free(plan->next.provider);
	free(plan->next.label);
	spf_txts_free(plan->next.parts, plan->next.nparts);
	free(plan->dmarc_live);
	free(plan->spf_live);
	free(plan->dmarc_verified);
	free(plan->spf_verified);
	rollout_list_free(plan->due, plan->ndue);
	memset(plan, 0, sizeof *plan);
}
