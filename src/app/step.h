/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The step: the one operation that moves a domain along the rollout.
 * The plan must call the next record ready (or the operator forces it);
 * the record and every _spfN part it includes must be served by every
 * authoritative server (all asked at once through the resolver); then
 * the step is recorded, flattening, lookups and rung together, in one
 * transaction. The command line and the wizard both go through here. */
#ifndef DMARCPILOT_APP_STEP_H
#define DMARCPILOT_APP_STEP_H

#include <stdbool.h>
#include <stddef.h>

#include "app/session.h"
#include "dns/propagate.h"
#include "plan/rollout.h"
#include "util/status.h"

/* What the gate says before anything is asked. */
enum app_step_gate {
	APP_STEP_GO,        /* verify and record */
	APP_STEP_COMPLETE,  /* nothing to step: the rollout is complete */
	APP_STEP_NOT_READY, /* refused: the plan's reasons say why */
	APP_STEP_NO_RECORD, /* refused: the next record cannot be built */
};

/* Whether the next step of plan may be taken; force takes a step the
 * plan does not call ready (never one without a record, nor when there
 * is no next step). */
enum app_step_gate app_step_gate(const struct rollout_plan *plan, bool force);

/* Fills o for the checks of a step: the servers to ask instead of the
 * zone's name servers, servers when given (step --servers), else the
 * domain's "servers" setting in in (in may be NULL), else none (all
 * borrowed); the session's timeout; and the port of the session's first
 * --resolver address, on which the name servers found through NS are
 * asked too (a setup whose servers listen elsewhere than 53 is one
 * setup); 0 (53) without one. */
void app_step_options(const struct session *s, const struct rollout_inputs *in,
		      const char *servers, struct propagate_options *o);

/* The checks of one step: one per name (the record, then its _spfN
 * parts), each with its result once it arrived. */
struct app_step_checks {
	struct propagate_result **results;
	size_t count;
	size_t pending;
	void (*done)(void *arg, struct app_step_checks *checks);
	void *arg;
};

/* Starts the checks of the next record and its parts on dns, all at
 * once; done(arg, checks) is called once, from the resolver's loop,
 * when the last result arrived; the caller then frees the checks with
 * app_step_checks_free(). A provider's DKIM key (no record known) is
 * checked by asking for a key at the selector through the resolver:
 * its one result is PROPAGATE_SERVES when one is served. */
enum status
app_step_verify_start(struct dns *dns, const struct rollout_plan *plan,
		      const struct propagate_options *o,
		      void (*done)(void *arg, struct app_step_checks *checks),
		      void *arg, struct app_step_checks **out, struct err *err);

void app_step_checks_free(struct app_step_checks *checks);

/* True when every check found servers and every one serves the record. */
bool app_step_checks_live(const struct app_step_checks *checks);

/* Records the verified next step of plan on day today in one
 * transaction: for SPF the flattened includes of in and what the live
 * record costs now (measured through the session's resolver, the base
 * of the lookup drift checks), for DMARC the rung, for DKIM the key's
 * day. */
enum status app_step_record(struct session *s, const struct rollout_inputs *in,
			    const struct rollout_plan *plan, date_t today,
			    struct err *err);

/* The whole step, waiting on the resolver: gate, verify, record. */
struct app_step_result {
	enum app_step_gate gate;
	bool forced; /* taken though the plan was not ready */
	bool recorded;
	struct app_step_checks *checks; /* NULL unless verified */
};

enum status app_step_run(struct session *s, const struct rollout_inputs *in,
			 const struct rollout_plan *plan, date_t today,
			 const struct propagate_options *o, bool force,
			 struct app_step_result *r, struct err *err);

void app_step_result_done(struct app_step_result *r);

#endif
