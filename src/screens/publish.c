/* SPDX-License-Identifier: GPL-3.0-or-later */
/* P in the wizard (screens/publish.h). */
#include "config.h"

#include "screens/publish.h"

#include "app/publish.h"
#include "util/i18n.h"

/* Publishes and tells. */
bool screen_publish_step(struct app *app, const struct screen_plan *sp)
{
	struct app_publish_options o = { .timeout = app->session->opt.timeout };
	struct app_publish_result r;
	struct err err = ERR_INIT;
	bool recorded = false;

	if (!sp->loaded) {
		tui_error(app, "%s", sp->error ? sp->error
					      : _("The plan is still loading."));
		return false;
	}
	if (app_publish_run(app->session, &sp->inputs, &sp->plan,
			    app->now, &o, &r, &err) != STATUS_OK) {
		tui_error(app, _("Not published: %s"), err_message(&err));
		err_done(&err);
		app_publish_done(&r);
		return false;
	}
	switch (r.gate) {
	case APP_STEP_COMPLETE:
		tui_message(app, _("Nothing to publish: the rollout is "
				   "complete."));
		break;
	case APP_STEP_NOT_READY:
		tui_error(app, _("Not ready: %s"),
			  sp->plan.reasons.count
			      ? sp->plan.reasons.items[0].message
			      : _("see the timeline"));
		break;
	case APP_STEP_NO_RECORD:
		tui_error(app, _("The record of %s cannot be built; see the "
				 "timeline."),
			  sp->plan.next.label);
		break;
	case APP_STEP_GO:
		recorded = r.recorded;
		tui_message(app, _("Published and recorded: %s is live on "
				   "every server."),
			    r.label);
		break;
	}
	app_publish_done(&r);
	return recorded;
}
