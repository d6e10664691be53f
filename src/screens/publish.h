/* SPDX-License-Identifier: GPL-3.0-or-later */
/* P in the wizard: the plan's next step published through app/publish.h
 * with the domain's publish-* settings, as dmarcpilot publish does. */
#ifndef DMARCPILOT_SCREEN_PUBLISH_H
#define DMARCPILOT_SCREEN_PUBLISH_H

#include <stdbool.h>

#include "screens/plan.h"
#include "screens/tui.h"

/* Publishes the next step of sp's plan, waits until every server serves
 * it (the wizard waits with it), records it, and tells how it went in
 * the message line. True when the step was recorded (the caller then
 * reads the history again). */
bool screen_publish_step(struct app *app, const struct screen_plan *sp);

#endif
