/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rollout plan's vocabulary (the stable and translated names of
 * phases and classes) and the freeing of what the plan gathers and
 * decides. */
#include "config.h"

#include "plan/rollout.h"
#include "plan/rollout_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strlist.h"

/* Each phase's stable word (--json) and its name for people. */
static const struct {
	const char *name;
	const char *label;
} phases[] = {
	[ROLLOUT_DISCOVERY] = { "discovery", N_("discovery") },
	[ROLLOUT_SPF] = { "spf", N_("SPF (~all)") },
	[ROLLOUT_DKIM] = { "dkim", N_("DKIM") },
	[ROLLOUT_MONITOR] = { "monitor", N_("DMARC monitor (p=none)") },
	[ROLLOUT_QUARANTINE] = { "quarantine", N_("DMARC quarantine") },
	[ROLLOUT_REJECT] = { "reject", N_("DMARC reject") },
	[ROLLOUT_ENFORCED] = { "enforced", N_("enforced") },
	[ROLLOUT_MAINTENANCE] = { "maintenance", N_("maintenance") },
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
	return phases[phase].name;
}

/* The translated name of a phase. */
const char *rollout_phase_label(enum rollout_phase phase)
{
	return _(phases[phase].label);
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
		strlist_free(in->key_records, in->nkeys);
	if (in->key_problems)
		strlist_free(in->key_problems, in->nkeys);
	state_dkim_keys_free(in->keys, in->nkeys);
	state_rungs_free(in->history, in->nhistory);
	free(in->spf_soft);
	free(in->spf_hard);
	spf_txts_free(in->spf_parts, in->nspf_parts);
	spf_flatten_free(in->spf_flat);
	free(in->spf_lookup_note);
	free(in->spf_drift_note);
	strlist_free(in->disowned, in->ndisowned);
	strlist_free(in->spf_problems, in->nspf_problems);
	rollout_evidence_done(&in->evidence);
	strlist_free(in->due, in->ndue);
	free(in->dkim_rotating);
	free(in->dkim_rotating_to);
	for (size_t i = 0; i < in->nsender_dkim; i++) {
		struct rollout_sender_dkim *d = &in->sender_dkim[i];

		free(d->provider);
		free(d->name);
		free(d->how);
		strlist_free(d->selectors, d->nselectors);
		free(d->live);
	}
	free(in->sender_dkim);
	free(in->spf_live);
	free(in->dmarc_live);
	free(in->live_note);
	free(in->served_from);
	if (in->spf_served)
		dns_answer_free(in->spf_served);
	if (in->dmarc_served)
		dns_answer_free(in->dmarc_served);
	free(in->served_note);
	memset(in, 0, sizeof *in);
}

/* Frees the next step's strings and records, and empties it. */
void rollout_next_done(struct rollout_next *next)
{
	free(next->name);
	free(next->record);
	free(next->selector);
	free(next->provider);
	free(next->label);
	spf_txts_free(next->parts, next->nparts);
	memset(next, 0, sizeof *next);
}

/* Frees a plan. */
void rollout_plan_done(struct rollout_plan *plan)
{
	free(plan->domain);
	findings_done(&plan->reasons);
	rollout_next_done(&plan->next);
	free(plan->dmarc_live);
	free(plan->spf_live);
	free(plan->dmarc_verified);
	free(plan->spf_verified);
	strlist_free(plan->due, plan->ndue);
	memset(plan, 0, sizeof *plan);
}
