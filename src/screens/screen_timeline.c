/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The timeline of one domain: the weeks and phases of its rollout, what
 * is done (the rungs verified live, with their days), what is due. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "app/monitor.h"
#include "dmarc/ladder.h"
#include "plan/rollout.h"
#include "store/state.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "screens/plan.h"
#include "screens/stepper.h"
#include "screens/tui.h"
#include "screens/widgets.h"

struct timeline_state {
	struct state_rung *rungs;
	size_t count;
	struct state_settings settings;
	struct ladder ladder;
	date_t created;
	char *error;
	struct widget_pager pager; /* the content, scrolled */
	struct screen_plan sp;     /* the plan and why there is none */
	struct rollout_week *weeks;
	size_t nweeks;
	struct worker *loading; /* the plan's loading, or NULL */
	struct stepper stepper; /* S and ! */
	unsigned settings_gen;  /* app->settings_gen the plan was loaded at */
	struct app *app;
	struct monitor_status monitor; /* the last monitor run, open alerts */
};

static const enum command timeline_commands[] = {
	CMD_STEP, CMD_PUBLISH, CMD_FORCE, CMD_SETTINGS, CMD_RECHECK, CMD_NONE,
};

/* The rows the timeline may take before it scrolls: a ladder of ten
 * rungs a week each, with reasons and the step's servers, fits. */
#define TIMELINE_PAD_ROWS 400

/* Frees the plan and weeks of an earlier run. */
static void timeline_plan_clear(struct timeline_state *st)
{
	rollout_weeks_free(st->weeks, st->nweeks);
	st->weeks = NULL;
	st->nweeks = 0;
	screen_plan_clear(&st->sp);
}

/* Takes the plan when its loading is done, and makes its weeks. */
static void timeline_plan_collect(struct app *app, struct timeline_state *st)
{
	if (!st->loading)
		return;
	rollout_weeks_free(st->weeks, st->nweeks);
	st->weeks = NULL;
	st->nweeks = 0;
	if (!screen_plan_take(st->loading, &st->sp, NULL))
		return;
	worker_free(st->loading);
	st->loading = NULL;
	if (st->sp.loaded)
		rollout_timeline(&st->sp.inputs, app->now, &st->weeks,
				 &st->nweeks);
}

/* Reads the domain's history and settings, and starts loading the
 * plan (again, after a step was recorded). */
static void timeline_load(struct app *app, struct timeline_state *st)
{
	struct store *store = tui_store(app);
	struct err err = ERR_INIT;
	struct state_domain *domains = NULL;
	size_t n = 0;

	st->settings_gen = app->settings_gen;
	worker_free(st->loading);
	st->loading = NULL;
	state_rungs_free(st->rungs, st->count);
	st->rungs = NULL;
	st->count = 0;
	state_settings_done(&st->settings);
	ladder_done(&st->ladder);
	free(st->error);
	st->error = NULL;
	ladder_init_default(&st->ladder);
	st->created = DATE_NONE;
	if (!store) {
		st->error = xstrdup(session_store_error(app->session));
		return;
	}
	if (state_domain_list(store, &domains, &n, &err) != STATUS_OK ||
	    state_rung_list(store, app->domain, &st->rungs, &st->count, &err) !=
		STATUS_OK ||
	    state_settings_get(store, app->domain, &st->settings, &err) !=
		STATUS_OK) {
		st->error = xstrdup(err_message(&err));
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(domains[i].name, app->domain) == 0)
			st->created = domains[i].created;
	/* Without it the line says the monitor never ran. */
	if (monitor_status_load(store, app->domain, &st->monitor, &err))
		err_done(&err);
	if (st->settings.rungs) {
		ladder_done(&st->ladder);
		if (ladder_parse(&st->ladder, st->settings.rungs, &err) !=
		    STATUS_OK) {
			st->error = xstrdup(err_message(&err));
			ladder_init_default(&st->ladder);
		}
	}
	/* The report analysis and the DNS it asks run on a worker: the
	 * plan shows when it is in, keys are answered meanwhile. */
	st->loading = screen_plan_start(app, false);
out:
	state_domains_free(domains, n);
	err_done(&err);
}

/* A step was recorded: the plan moves on. */
static void timeline_recorded(void *arg)
{
	struct timeline_state *st = arg;

	timeline_load(st->app, st);
}

/* Opens the timeline. */
static void timeline_enter(struct app *app, void *state)
{
	struct timeline_state *st = state;

	st->app = app;
	state_settings_defaults(&st->settings);
	ladder_init_default(&st->ladder);
	stepper_init(&st->stepper, app, &st->sp, timeline_recorded, st);
	timeline_load(app, st);
}

/* The week of the rollout a day falls in, counting from the day the
 * domain was added (week 1). */
static int rollout_week(const struct timeline_state *st, date_t day)
{
	if (st->created == DATE_NONE || day < st->created)
		return 0;
	return (day - st->created) / 7 + 1;
}

/* One line: the last unattended run and the domain's open alerts
 * (app/monitor.h), the most severe one quoted. */
static void timeline_monitor(struct app *app, struct timeline_state *st,
			     WINDOW *win, int *y)
{
	const struct monitor_status *m = &st->monitor;
	int cols = getmaxx(win);
	char day[DATE_BUFSIZE];

	if (!m->ran)
		widget_text(win, (*y)++, 1, cols - 2, tui_attr(app, TUI_DIM),
			    _("Monitor: never run (dmarcpilot monitor)."));
	else if (m->open == 0)
		widget_textf(win, (*y)++, 1, cols - 2, tui_attr(app, TUI_GOOD),
			     _("Monitor: last run %s; no open alerts."),
			     date_format(m->last_day, day));
	else
		widget_textf(win, (*y)++, 1, cols - 2,
			     tui_attr(app, m->worst_severity == SEVERITY_ERROR
					       ? TUI_BAD
					       : TUI_WARN),
			     _("Monitor: last run %s; %zu open alerts: %s"),
			     date_format(m->last_day, day), m->open,
			     m->worst ? m->worst : "");
}

/* Draws the plan: phase, next step, why it waits, the step's lines.
 * Returns the next row. */
static int timeline_draw_plan(struct app *app, struct timeline_state *st,
			      WINDOW *win, int y, int rows, int cols)
{
	const struct rollout_plan *plan = &st->sp.plan;
	char since[DATE_BUFSIZE], earliest[DATE_BUFSIZE];

	if (st->loading) {
		widget_text(win, y++, 1, cols - 2, A_NORMAL,
			    _("Asking DNS about the report sources for the "
			      "plan ..."));
		return y;
	}
	if (!st->sp.loaded) /* a record or a publish holds it */
		return y +
		       stepper_draw(&st->stepper, win, y, 1, cols - 2, rows);
	widget_textf(win, y++, 1, cols - 2, A_BOLD,
		     _("Phase: %s since %s (day %d)"),
		     rollout_phase_label(plan->phase),
		     date_format(plan->since, since), plan->days);
	if (plan->next.action != ROLLOUT_ACTION_NONE) {
		char *next =
		    xasprintf(plan->ready ? _("Next: %s, ready now")
					  : _("Next: %s, not before %s"),
			      plan->next.label ? plan->next.label : "",
			      date_format(plan->earliest, earliest));

		y += widget_wrap(win, y, 1, cols - 2, rows, 0,
				 plan->ready ? tui_attr(app, TUI_GOOD)
					     : tui_attr(app, TUI_WARN),
				 next);
		free(next);
		if (plan->next.record)
			y += widget_wrap_hard(win, y, 3, cols - 4, rows, 0,
					      A_NORMAL, tui_attr(app, TUI_DIM),
					      plan->next.record);
	}
	y += stepper_draw(&st->stepper, win, y, 1, cols - 2, rows);
	if (plan->next.action != ROLLOUT_ACTION_NONE && !st->stepper.nlines)
		widget_text(win, y++, 1, cols - 2, tui_attr(app, TUI_DIM),
			    plan->ready
				? _("S verifies the step is live and records "
				    "it.")
				: _("S tries the step; ! forces it (asks "
				    "first)."));
	return y;
}

/* Draws the weeks to come and those that saw something happen; the
 * due text wraps in its column. Returns the next row. */
static int timeline_draw_weeks(struct app *app, struct timeline_state *st,
			       WINDOW *win, int y, int rows, int cols)
{
	y++;
	widget_text(win, y++, 1, cols - 2, A_UNDERLINE, _("Weeks"));
	for (size_t i = 0; !st->loading && i < st->nweeks && y < rows; i++) {
		const struct rollout_week *w = &st->weeks[i];
		int iso_year, week, used;
		bool now = app->now >= w->monday && app->now < w->monday + 7;
		int attr =
		    now ? (int)(A_BOLD | A_REVERSE)
			: (w->past ? tui_attr(app, TUI_DIM) : (int)A_NORMAL);

		/* Past weeks without an event are left out: the list is
		 * about what happened and what comes. */
		if (w->past && !w->due && !now)
			continue;
		date_iso_week(w->monday, &iso_year, &week);
		widget_textf(win, y, 1, 10, attr, "%04d-W%02d", iso_year, week);
		widget_text(win, y, 11, 23, attr,
			    rollout_phase_label(w->phase));
		used = w->due ? widget_wrap(win, y, 35, cols - 36, rows, 0,
					    attr, w->due)
			      : 0;
		y += used > 1 ? used : 1;
	}
	return y;
}

/* Draws the steps verified live. Returns the next row. */
static int timeline_draw_done(struct app *app, struct timeline_state *st,
			      WINDOW *win, int y, int rows, int cols)
{
	char day[DATE_BUFSIZE];

	y++;
	widget_text(win, y++, 1, cols - 2, A_UNDERLINE, _("Done"));
	if (st->count == 0)
		widget_text(win, y++, 3, cols - 4, A_NORMAL,
			    _("No step verified live yet."));
	for (size_t i = 0; i < st->count && y < rows; i++) {
		const struct state_rung *r = &st->rungs[i];
		int used;

		widget_textf(win, y, 3, 22, tui_attr(app, TUI_GOOD),
			     _("week %2d  %s"), rollout_week(st, r->verified),
			     date_format(r->verified, day));
		widget_text(win, y, 26, 6, A_BOLD,
			    r->kind == RUNG_SPF ? "SPF" : "DMARC");
		used = widget_wrap_hard(win, y, 33, cols - 34, rows, 0,
					A_NORMAL, tui_attr(app, TUI_DIM),
					r->record ? r->record : "");
		y += used > 1 ? used : 1;
	}
	return y;
}

/* Draws the whole timeline into win (a pad); returns the rows used. */
static int timeline_draw_content(struct app *app, struct timeline_state *st,
				 WINDOW *win)
{
	int rows = getmaxy(win), cols = getmaxx(win), y = 0;
	char day[DATE_BUFSIZE], today[DATE_BUFSIZE];

	widget_textf(win, y++, 1, cols - 2, A_BOLD, _("Rollout of %s"),
		     app->domain);
	if (st->error || (!st->loading && st->sp.error))
		return y + 1 +
		       widget_wrap(win, y + 1, 1, cols - 2, rows, 0,
				   tui_attr(app, TUI_BAD),
				   st->error ? st->error : st->sp.error);
	if (st->created != DATE_NONE) {
		char *line = xasprintf(_("Added %s; today is %s, week %d of "
					 "the rollout."),
				       date_format(st->created, day),
				       date_format(app->now, today),
				       rollout_week(st, app->now));

		y += widget_wrap(win, y, 1, cols - 2, rows, 0, A_NORMAL, line);
		free(line);
	}
	timeline_monitor(app, st, win, &y);
	y = timeline_draw_plan(app, st, win, y, rows, cols);
	y = timeline_draw_weeks(app, st, win, y, rows, cols);
	return timeline_draw_done(app, st, win, y, rows, cols);
}

/* Draws the screen through the pager; new step lines are scrolled into
 * view. */
static void timeline_draw(struct app *app, void *state, WINDOW *win)
{
	struct timeline_state *st = state;
	WINDOW *pad = widget_pager_pad(TIMELINE_PAD_ROWS, getmaxx(win));
	int total;

	if (!pad)
		return;
	timeline_plan_collect(app, st);
	stepper_collect(&st->stepper, !st->loading);
	/* The settings view stored a change: the plan follows it. */
	if (st->settings_gen != app->settings_gen)
		timeline_load(app, st);
	st->pager.more = N_("-- more below: Down / PgDn scrolls --");
	total = timeline_draw_content(app, st, pad);
	stepper_reveal(&st->stepper, &st->pager, getmaxy(win));
	widget_pager_show(&st->pager, pad, total, win, 0, getmaxy(win),
			  tui_attr(app, TUI_DIM));
}

/* S, ! and p: the step, through the app layer's gate, verified and
 * recorded, or published. */
static bool timeline_step(struct app *app, struct timeline_state *st,
			  struct tui_key key, enum command cmd)
{
	(void)app;
	return stepper_key(&st->stepper, !st->loading, key, cmd);
}

/* r: reads the history and loads the plan again. */
static bool timeline_reload(struct app *app, struct timeline_state *st,
			    struct tui_key key, enum command cmd)
{
	(void)key;
	(void)cmd;
	timeline_load(app, st);
	return true;
}

/* o: the domain's settings. */
static bool timeline_settings(struct app *app, struct timeline_state *st,
			      struct tui_key key, enum command cmd)
{
	(void)st;
	(void)key;
	(void)cmd;
	tui_push(app, &screen_settings, STEP_NONE);
	return true;
}

/* What a command does on the timeline: one row per key, so that a new
 * action is one line here and one function. */
struct timeline_action {
	enum command cmd;
	bool (*run)(struct app *app, struct timeline_state *st,
		    struct tui_key key, enum command cmd);
};

static const struct timeline_action timeline_actions[] = {
	{ CMD_STEP, timeline_step },         { CMD_FORCE, timeline_step },
	{ CMD_PUBLISH, timeline_step },      { CMD_RECHECK, timeline_reload },
	{ CMD_SETTINGS, timeline_settings },
};

/* Keys: the force question first, then the actions, then scrolling. */
static bool timeline_key(struct app *app, void *state, struct tui_key key,
			 enum command cmd)
{
	struct timeline_state *st = state;

	if (st->stepper.confirming)
		return stepper_key(&st->stepper, !st->loading, key, cmd);
	for (size_t i = 0;
	     i < sizeof timeline_actions / sizeof timeline_actions[0]; i++)
		if (timeline_actions[i].cmd == cmd)
			return timeline_actions[i].run(app, st, key, cmd);
	return widget_pager_key(&st->pager, cmd);
}

/* Frees the history. */
static void timeline_leave(struct app *app, void *state)
{
	struct timeline_state *st = state;

	(void)app;
	stepper_done(&st->stepper);
	worker_free(st->loading);
	state_rungs_free(st->rungs, st->count);
	timeline_plan_clear(st);
	state_settings_done(&st->settings);
	ladder_done(&st->ladder);
	monitor_status_done(&st->monitor);
	free(st->error);
}

const struct screen screen_timeline = {
	.name = "timeline",
	.title = N_("Timeline"),
	.help = N_("The plan of this domain week by week: senders, SPF "
		   "~all, DKIM, DMARC p=none for four weeks of reports, then "
		   "quarantine and reject in pct steps, each only when the "
		   "last two weeks of reports show legitimate mail passing. "
		   "S verifies the next step on every authoritative server "
		   "and records it (dmarcpilot step); ! forces a step the "
		   "plan holds back, after asking."),
	.commands = timeline_commands,
	.state_size = sizeof(struct timeline_state),
	.enter = timeline_enter,
	.draw = timeline_draw,
	.key = timeline_key,
	.leave = timeline_leave,
};
