/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading the rollout plan for the steps that show it. */
#include "config.h"

#include "screens/plan.h"

#include <stdlib.h>

#include "app/plan.h"
#include "util/xalloc.h"

/* Frees what an earlier load left. */
void screen_plan_clear(struct screen_plan *p)
{
	if (p->loaded) {
		rollout_plan_done(&p->plan);
		rollout_inputs_done(&p->inputs);
	}
	p->loaded = false;
	free(p->error);
	p->error = NULL;
}

/* Loads the inputs and decides the plan. */
bool screen_plan_load(struct app *app, struct dns *dns,
		      struct screen_plan *p)
{
	struct store *store = tui_store(app);
	struct err err = ERR_INIT;

	screen_plan_clear(p);
	if (!store) {
		p->error = xstrdup(session_store_error(app->session));
		return false;
	}
	/* The same use case as dmarcpilot plan, on the replay's resolver. */
	if (app_plan_load_with(store, dns, dns ? NULL : tui_dns_problem(app),
			       tui_providers(app), app->domain, app->now,
			       &p->inputs, &p->plan, &err) == STATUS_OK) {
		p->loaded = true;
	} else {
		p->error = xstrdup(err_message(&err));
	}
	err_done(&err);
	return p->loaded;
}
