/* SPDX-License-Identifier: GPL-3.0-or-later */
/* p in the wizard: the plan's next step published through
 * app/publish.h with the domain's publish-* settings, as dmarcpilot
 * publish does, on a worker (app/worker.h), so that the wizard keeps
 * answering keys while the update goes out and the servers are waited
 * for; the stepper (screens/stepper.h) shows its progress. */
#ifndef DMARCPILOT_SCREEN_PUBLISH_H
#define DMARCPILOT_SCREEN_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>

#include "app/publish.h"
#include "screens/plan.h"
#include "screens/tui.h"

/* A publish on a worker: the job's argument. */
struct screen_publish {
	struct screen_plan sp; /* the plan, moved in from the screen */
	date_t today;
	double timeout;        /* --timeout, 0 for the default */
	int pause_ms;          /* under test: every pause between rounds
				    ($DMARCPILOT_TEST_PUBLISH_PAUSE_MS),
				    0 for the growing default */
	struct worker *worker; /* set by the job, for its lock */
	/* Progress, under the worker's lock. */
	bool accepted;         /* the primary took the update */
	char *server;          /* where it went, once accepted */
	size_t serving, count; /* servers serving it / asked */
	double waited;         /* seconds since the update */
	/* The end, read once worker_done(). */
	enum status status;
	char *error; /* why it failed, or NULL */
	struct app_publish_result r;
};

/* Starts publishing the next step of sp's plan on a worker; sp is moved
 * into the job (the screen's is left empty). Free with worker_free(). */
struct worker *screen_publish_start(struct app *app, struct screen_plan *sp);

#endif
