/* SPDX-License-Identifier: GPL-3.0-or-later */
/* p in the wizard, on a worker (screens/publish.h). */
#include "config.h"

#include "screens/publish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/xalloc.h"

/* Frees a publish with what it still holds. */
static void publish_free(void *arg)
{
	struct screen_publish *j = arg;

	screen_plan_clear(&j->sp);
	free(j->server);
	free(j->error);
	app_publish_done(&j->r);
	free(j);
}

/* The primary accepted the update: the loop shows it. */
static void publish_accepted(void *arg, const char *server)
{
	struct screen_publish *j = arg;

	worker_lock(j->worker);
	j->accepted = true;
	free(j->server);
	j->server = xstrdup(server);
	worker_unlock(j->worker);
	worker_wake(j->worker);
}

/* A round of the propagation check that did not find every server
 * serving: the loop shows how many do. */
static void publish_progress(void *arg, const struct app_step_checks *c,
			     double waited)
{
	struct screen_publish *j = arg;
	size_t serving = 0, count = 0;

	for (size_t k = 0; c && k < c->count; k++)
		if (c->results[k]) {
			serving += c->results[k]->serving;
			count += c->results[k]->count;
		}
	worker_lock(j->worker);
	j->accepted = true;
	j->serving = serving;
	j->count = count;
	j->waited = waited;
	worker_unlock(j->worker);
	worker_wake(j->worker);
}

/* The pause between propagation rounds: on the job's cancel
 * descriptor, so that the operator who leaves is not kept waiting. */
static bool publish_pause(void *arg, int ms)
{
	struct screen_publish *j = arg;

	return worker_pause(j->worker,
			    ms > 0 && j->pause_ms > 0 ? j->pause_ms : ms);
}

/* The job: dmarcpilot publish on the worker's session (its own
 * database connection and resolver). Cancelled, the wizard has left
 * the terminal: the job says on stderr how it left the zone. */
static void publish_run(void *arg, struct session *s, struct worker *w)
{
	struct screen_publish *j = arg;
	struct app_publish_options o = {
		.timeout = j->timeout,
		.progress = publish_progress,
		.accepted = publish_accepted,
		.pause = publish_pause,
		.arg = j,
	};
	struct err err = ERR_INIT;

	j->worker = w;
	j->status = app_publish_run(s, &j->sp.inputs, &j->sp.plan, j->today, &o,
				    &j->r, &err);
	if (j->status != STATUS_OK)
		j->error = xstrdup(err_message(&err));
	err_done(&err);
	if (!worker_cancelled(w))
		return;
	if (j->error)
		fprintf(stderr, "dmarcpilot: %s\n", j->error);
	else if (j->r.recorded)
		fprintf(stderr,
			_("dmarcpilot: published and recorded: %s is live on "
			  "every server.\n"),
			j->r.label ? j->r.label : "");
}

/* Starts a publish. */
struct worker *screen_publish_start(struct app *app, struct screen_plan *sp)
{
	struct screen_publish *j = xcalloc(1, sizeof *j);
	struct worker *w;

	j->sp = *sp;
	memset(sp, 0, sizeof *sp);
	j->today = app->now;
	j->timeout = app->session->opt.timeout;
	/* Under test, a pause between rounds long enough to leave in. */
	if (app->test_sync && getenv("DMARCPILOT_TEST_PUBLISH_PAUSE_MS"))
		j->pause_ms = atoi(getenv("DMARCPILOT_TEST_PUBLISH_PAUSE_MS"));
	w = tui_worker_start(app, publish_run, j, publish_free);
	/* q asks first while it runs: the zone may change. */
	worker_hold(w);
	return w;
}
