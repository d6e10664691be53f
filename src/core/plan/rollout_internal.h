/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the parts of the rollout plan share (rollout.c, rollout_inputs.c,
 * rollout_history.c, rollout_drift.c, rollout_decide.c,
 * rollout_timeline.c); not for use outside them. Calls go one way:
 * rollout_inputs.c calls rollout_history.c and rollout_drift.c;
 * rollout_timeline.c calls rollout_decide.c; both of those call
 * rollout_history.c; everything may call rollout.c, which calls none of
 * them. */
#ifndef DMARCPILOT_ROLLOUT_INTERNAL_H
#define DMARCPILOT_ROLLOUT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "plan/rollout.h"

/* What the history says has been verified live. */
struct rollout_verified {
	date_t spf_soft, spf_hard; /* DATE_NONE when never */
	char *spf_record;          /* the last SPF record, borrowed */
	int dmarc_rung;            /* -1 when never */
	date_t dmarc_day;
	char *dmarc_record; /* borrowed */
	bool dkim_done;     /* every key in use is live */
	date_t dkim_day;
	size_t dkim_active;
};

/* Frees the next step's strings and records, and empties it, so that
 * the decision can choose another (rollout.c). */
void rollout_next_done(struct rollout_next *next);

/* True when the operator asked for ~all (domain set spf-all=softfail):
 * the only way the plan publishes a weaker SPF record than -all. */
static inline bool rollout_spf_soft_asked(const struct rollout_inputs *in)
{
	return in->settings.spf_all &&
	       strcmp(in->settings.spf_all, "softfail") == 0;
}

/* Reads the history and the keys into v (which borrows from in)
 * (rollout_history.c). */
void rollout_verified_scan(const struct rollout_inputs *in,
			   struct rollout_verified *v);

/* The phase on day today from what was verified, and the day it began
 * in *since (rollout_history.c). */
enum rollout_phase rollout_phase_of(const struct rollout_inputs *in,
				    const struct rollout_verified *v,
				    date_t today, date_t *since);

/* Adds the SPF drift to in->due: lookups grown since the record was
 * verified, flattened ranges changed upstream. For the enforced phases
 * only; the caller decides the phase (rollout_drift.c). */
void rollout_drift(struct store *store, struct dns *dns,
		   struct rollout_inputs *in);

#endif
