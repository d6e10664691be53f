/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rollout plan of the wizard's domain as the steps that show it
 * (timeline, DMARC, export) load it: through a replay_fn, so the
 * loading may run several times and must start from nothing each time. */
#ifndef DMARCPILOT_SCREENS_PLAN_H
#define DMARCPILOT_SCREENS_PLAN_H

#include <stdbool.h>

#include "dns/dns.h"
#include "plan/rollout.h"
#include "screens/tui.h"

struct screen_plan {
	struct rollout_inputs inputs;
	struct rollout_plan plan;
	bool loaded;  /* inputs and plan hold a plan */
	char *error;  /* why there is none, or NULL */
};

/* Drops an earlier plan, then loads the domain's inputs with dns and
 * decides the plan for the wizard's today; on failure p->error says
 * why. Returns p->loaded. */
bool screen_plan_load(struct app *app, struct dns *dns,
		      struct screen_plan *p);

/* Frees the plan and the error; safe to call twice. */
void screen_plan_clear(struct screen_plan *p);

#endif
