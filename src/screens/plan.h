/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rollout plan of the wizard's domain as the steps that show it
 * (timeline, SPF, DMARC, export) load it: on a worker thread
 * (app/worker.h) with a session of its own, so that the report analysis
 * and the DNS it asks never stall typing; the screen shows that it is
 * loading meanwhile and takes the plan when it is in. */
#ifndef DMARCPILOT_SCREENS_PLAN_H
#define DMARCPILOT_SCREENS_PLAN_H

#include <stdbool.h>

#include "dns/dns.h"
#include "export/zone.h"
#include "plan/rollout.h"
#include "screens/tui.h"

struct screen_plan {
	struct rollout_inputs inputs;
	struct rollout_plan plan;
	bool loaded; /* inputs and plan hold a plan */
	char *error; /* why there is none, or NULL */
};

/* What a loading job leaves besides the plan, when asked for: the
 * records export writes, each with what it replaces and its TTL (the
 * preview), or why DNS could not say. */
struct screen_plan_records {
	bool loaded; /* records hold them */
	struct zone_records records;
	char *dns_error; /* why the served records are unknown */
};

/* Starts loading the domain's plan for the wizard's today on a worker
 * (app_plan_load with the worker's session), with the records when
 * records is true. Free with worker_free() (abandons it while it runs). */
struct worker *screen_plan_start(struct app *app, bool records);

/* When job is done: frees what p held, moves the job's plan into p and,
 * when r is not NULL, its records into r (freed first); returns true,
 * once. False while it runs, and for NULL. */
bool screen_plan_take(struct worker *job, struct screen_plan *p,
		      struct screen_plan_records *r);

/* Frees the plan and the error; safe to call twice. */
void screen_plan_clear(struct screen_plan *p);

/* Frees the records and the error; safe to call twice. */
void screen_plan_records_clear(struct screen_plan_records *r);

#endif
