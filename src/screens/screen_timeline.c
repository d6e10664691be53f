/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The timeline of one domain: the weeks and phases of its rollout, what
 * is done (the rungs verified live, with their days), what is due. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "dmarc/ladder.h"
#include "plan/rollout.h"
#include "store/state.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "screens/plan.h"
#include "screens/publish.h"
#include "screens/replay.h"
#include "screens/tui.h"
#include "screens/widgets.h"

struct timeline_state {
	struct state_rung *rungs;
	size_t count;
	struct state_settings settings;
	struct ladder ladder;
	date_t created;
	char *error;
	int scroll;
	struct screen_plan sp;  /* the plan and why there is none */
	struct rollout_week *weeks;
	size_t nweeks;
	struct replay *replay; /* the plan's loading */
	struct app *app;
};

static const enum command timeline_commands[] = {
	CMD_UP, CMD_DOWN, CMD_PUBLISH, CMD_NONE,
};

/* Frees the plan and weeks of an earlier run. */
static void timeline_plan_clear(struct timeline_state *st)
{
	rollout_weeks_free(st->weeks, st->nweeks);
	st->weeks = NULL;
	st->nweeks = 0;
	screen_plan_clear(&st->sp);
}

/* Loads the plan and its weeks with dns (replay_fn). */
static void timeline_plan(void *arg, struct dns *dns)
{
	struct timeline_state *st = arg;

	timeline_plan_clear(st);
	if (screen_plan_load(st->app, dns, &st->sp))
		rollout_timeline(&st->sp.inputs, st->app->cli->now,
				 &st->weeks, &st->nweeks);
}

/* Reads the domain's history and settings. */
static void timeline_enter(struct app *app, void *state)
{
	struct timeline_state *st = state;
	struct store *store = tui_store(app);
	struct err err = ERR_INIT;
	struct state_domain *domains = NULL;
	size_t n = 0;

	st->app = app;
	state_settings_defaults(&st->settings);
	ladder_init_default(&st->ladder);
	st->created = DATE_NONE;
	if (!store) {
		st->error = xstrdup(session_store_error(app->session));
		return;
	}
	if (state_domain_list(store, &domains, &n, &err) != STATUS_OK ||
	    state_rung_list(store, app->domain, &st->rungs, &st->count,
			    &err) != STATUS_OK ||
	    state_settings_get(store, app->domain, &st->settings, &err) !=
		STATUS_OK) {
		st->error = xstrdup(err_message(&err));
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(domains[i].name, app->domain) == 0)
			st->created = domains[i].created;
	if (st->settings.rungs) {
		ladder_done(&st->ladder);
		if (ladder_parse(&st->ladder, st->settings.rungs, &err) !=
		    STATUS_OK) {
			st->error = xstrdup(err_message(&err));
			ladder_init_default(&st->ladder);
		}
	}
	/* The report analysis asks DNS about the sources: that happens
	 * in the loop, the plan shows when it is in. */
	st->replay = replay_start(app, timeline_plan, st, NULL, 0);
out:
	state_domains_free(domains, n);
	err_done(&err);
}

/* The week of the rollout a day falls in, counting from the day the
 * domain was added (week 1). */
static int rollout_week(const struct timeline_state *st, date_t day)
{
	if (st->created == DATE_NONE || day < st->created)
		return 0;
	return (day - st->created) / 7 + 1;
}

/* Draws the history: one line per verified rung. */
static void timeline_draw(struct app *app, void *state, WINDOW *win)
{
	struct timeline_state *st = state;
	const struct rollout_plan *plan = &st->sp.plan;
	int rows = getmaxy(win), cols = getmaxx(win), y = 0;
	char day[DATE_BUFSIZE], today[DATE_BUFSIZE];

	widget_textf(win, y++, 1, cols - 2, A_BOLD, _("Rollout of %s"),
		     app->domain);
	if (st->error || (replay_done(st->replay) && st->sp.error)) {
		widget_wrap(win, y + 1, 1, cols - 2, rows, 0,
			    tui_attr(app, TUI_BAD),
			    st->error ? st->error : st->sp.error);
		return;
	}
	if (st->created != DATE_NONE)
		widget_textf(win, y++, 1, cols - 2, A_NORMAL,
			     _("Added %s; today is %s, week %d of the "
			       "rollout."),
			     date_format(st->created, day),
			     date_format(app->cli->now, today),
			     rollout_week(st, app->cli->now));
	if (!replay_done(st->replay))
		widget_text(win, y++, 1, cols - 2, A_NORMAL,
			    _("Asking DNS about the report sources for the "
			      "plan ..."));
	if (st->sp.loaded && replay_done(st->replay)) {
		char since[DATE_BUFSIZE], earliest[DATE_BUFSIZE];

		widget_textf(win, y++, 1, cols - 2, A_BOLD,
			     _("Phase: %s since %s (day %d)"),
			     rollout_phase_label(plan->phase),
			     date_format(plan->since, since), plan->days);
		if (plan->next.action != ROLLOUT_ACTION_NONE)
			widget_textf(win, y++, 1, cols - 2,
				     plan->ready ? tui_attr(app, TUI_GOOD)
						 : tui_attr(app, TUI_WARN),
				     plan->ready ? _("Next: %s, ready now")
						 : _("Next: %s, not before %s"),
				     plan->next.label ? plan->next.label : "",
				     date_format(plan->earliest, earliest));
		for (size_t i = 0; !plan->ready && i < plan->reasons.count && i < 2;
		     i++) {
			/* Reasons quote report data: cleaned; wrapped to at
			 * most three rows (the DMARC step shows them all). */
			char *clean = text_clean_str(plan->reasons.items[i].message);
			char *line = xasprintf("- %s", clean);
			int stop = y + 3 < rows ? y + 3 : rows;
			int used = widget_wrap(win, y, 3, cols - 4, stop, 0,
					       tui_attr(app, TUI_WARN), line);

			y += used < stop - y ? used : stop - y;
			free(line);
			free(clean);
		}
	}
	y++;
	widget_text(win, y++, 1, cols - 2, A_UNDERLINE, _("Weeks"));
	for (size_t i = 0; replay_done(st->replay) && i < st->nweeks &&
			   y < rows - 1;
	     i++) {
		const struct rollout_week *w = &st->weeks[i];
		int iso_year, week;
		bool now = app->cli->now >= w->monday &&
			   app->cli->now < w->monday + 7;
		int attr = now ? (int)(A_BOLD | A_REVERSE)
			       : (w->past ? tui_attr(app, TUI_DIM)
					  : (int)A_NORMAL);

		/* Past weeks without an event are left out: the list is
		 * about what happened and what comes. */
		if (w->past && !w->due && !now)
			continue;
		date_iso_week(w->monday, &iso_year, &week);
		widget_textf(win, y, 1, 10, attr, "%04d-W%02d", iso_year,
			     week);
		widget_text(win, y, 11, 23, attr,
			    rollout_phase_label(w->phase));
		widget_text(win, y++, 35, cols - 36, attr,
			    w->due ? w->due : "");
	}
	if (st->sp.loaded && replay_done(st->replay))
		return;
	y++;
	widget_text(win, y++, 1, cols - 2, A_UNDERLINE, _("Done"));
	if (st->count == 0)
		widget_text(win, y++, 3, cols - 4, A_NORMAL,
			    _("No step verified live yet."));
	for (size_t i = 0; i < st->count && y < rows; i++) {
		const struct state_rung *r = &st->rungs[i];

		widget_textf(win, y, 3, 22, tui_attr(app, TUI_GOOD),
			     _("week %2d  %s"), rollout_week(st, r->verified),
			     date_format(r->verified, day));
		widget_text(win, y, 26, 6, A_BOLD,
			    r->kind == RUNG_SPF ? "SPF" : "DMARC");
		widget_text(win, y++, 33, cols - 34, A_NORMAL, r->record);
	}
}

/* Frees the history. */
static void timeline_leave(struct app *app, void *state)
{
	struct timeline_state *st = state;

	replay_free(st->replay);
	state_rungs_free(st->rungs, st->count);
	timeline_plan_clear(st);
	state_settings_done(&st->settings);
	ladder_done(&st->ladder);
	free(st->error);
}

/* p: publishes the ready step; once recorded, the timeline is read
 * again. */
static bool timeline_key(struct app *app, void *state, struct tui_key key,
			 enum command cmd)
{
	struct timeline_state *st = state;

	(void)key;
	if (cmd != CMD_PUBLISH || !replay_done(st->replay))
		return false;
	if (screen_publish_step(app, &st->sp)) {
		timeline_leave(app, st);
		memset(st, 0, sizeof *st);
		timeline_enter(app, st);
	}
	return true;
}

const struct screen screen_timeline = {
	.name = "timeline",
	.title = N_("Timeline"),
	.help = N_("The plan of this domain week by week: senders first, "
		   "then SPF with ~all, DKIM, DMARC p=none collecting reports "
		   "for four weeks, then quarantine and reject in steps of "
		   "pct, one week each at least, each step only when the "
		   "reports of the last two weeks show that legitimate mail "
		   "passes. Done steps show the day they were verified live."),
	.commands = timeline_commands,
	.state_size = sizeof(struct timeline_state),
	.enter = timeline_enter,
	.draw = timeline_draw,
	.key = timeline_key,
	.leave = timeline_leave,
};
