/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the history of verified records says: which records have been
 * verified live and since when, and so the phase of the rollout the
 * domain is in. */
#include "config.h"

#include "plan/rollout.h"
#include "plan/rollout_internal.h"

#include <string.h>

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
		date_t spf = v->spf_hard != DATE_NONE     ? v->spf_hard
			     : rollout_spf_soft_asked(in) ? v->spf_soft
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
		date_t spf =
		    v->spf_soft != DATE_NONE ? v->spf_soft : v->spf_hard;

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
