/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading the rollout plan for the steps that show it. */
#include "config.h"

#include "screens/plan.h"

#include <stdlib.h>

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
	struct err err = ERR_INIT;

	screen_plan_clear(p);
	if (rollout_inputs_load(tui_store(app), dns, tui_providers(app),
				app->domain, app->cli->now, &p->inputs,
				&err) == STATUS_OK) {
		rollout_decide(&p->inputs, app->cli->now, &p->plan);
		p->loaded = true;
	} else {
		p->error = xstrdup(err_message(&err));
	}
	err_done(&err);
	return p->loaded;
}
