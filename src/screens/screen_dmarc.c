/* The DMARC screen: the ladder from p=none to p=reject with the rung the
 * published record is on, its tags, the next record to publish. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/dmarc.h"
#include "core/i18n.h"
#include "core/ladder.h"
#include "core/propagate.h"
#include "core/rollout.h"
#include "core/state.h"
#include "core/xalloc.h"
#include "screens/lookup.h"
#include "screens/tui.h"
#include "screens/widgets.h"

struct dmarc_state {
	struct lookup published;
	struct state_settings settings;
	struct state_rung *history;
	size_t nhistory;
	struct ladder ladder;
	char *error;
	struct rollout_inputs inputs;
	struct rollout_plan plan;
	bool planned;
	bool verifying;
	struct propagate_result *propagation;
	struct app *app;
};

static const enum command dmarc_commands[] = {
	CMD_STEP, CMD_RECHECK, CMD_NONE,
};

/* Reads the domain's ladder and history, and asks for the record. */
static void dmarc_enter(struct app *app, void *state)
{
	struct dmarc_state *st = state;
	struct store *store = tui_store(app);
	struct err err = ERR_INIT;
	char *name = xasprintf("_dmarc.%s", app->domain);

	st->app = app;
	state_settings_defaults(&st->settings);
	ladder_init_default(&st->ladder);
	lookup_start(app, &st->published, name, DNS_T_TXT);
	free(name);
	if (!store) {
		st->error = xstrdup(app->store_error);
		return;
	}
	if (state_settings_get(store, app->domain, &st->settings, &err) !=
		STATUS_OK ||
	    state_rung_list(store, app->domain, &st->history, &st->nhistory,
			    &err) != STATUS_OK) {
		st->error = xstrdup(err_message(&err));
	} else if (st->settings.rungs) {
		ladder_done(&st->ladder);
		if (ladder_parse(&st->ladder, st->settings.rungs, &err) !=
		    STATUS_OK) {
			st->error = xstrdup(err_message(&err));
			ladder_init_default(&st->ladder);
		}
	}
	err_done(&err);
	if (rollout_inputs_load(store, tui_dns(app), tui_providers(app),
				app->domain, app->cli->now, &st->inputs,
				&err) == STATUS_OK) {
		rollout_decide(&st->inputs, app->cli->now, &st->plan);
		st->planned = true;
	} else {
		free(st->error);
		st->error = xstrdup(err_message(&err));
	}
	err_done(&err);
}

/* The day a DMARC rung was verified live, or DATE_NONE. */
static date_t rung_verified(const struct dmarc_state *st, int rung)
{
	date_t day = DATE_NONE;

	for (size_t i = 0; i < st->nhistory; i++)
		if (st->history[i].kind == RUNG_DMARC &&
		    st->history[i].rung == rung)
			day = st->history[i].verified;
	return day;
}

/* Draws whether the next step may be taken, why not, and what to
 * publish. */
static void dmarc_draw_readiness(struct app *app, struct dmarc_state *st,
				 WINDOW *win, int y, int rows, int cols)
{
	const struct rollout_plan *p = &st->plan;

	if (!st->planned || y >= rows)
		return;
	if (p->next.action == ROLLOUT_ACTION_NONE) {
		widget_text(win, y, 1, cols - 2, tui_attr(app, TUI_GOOD),
			    _("The rollout is complete."));
		return;
	}
	widget_textf(win, y++, 1, cols - 2,
		     p->ready ? tui_attr(app, TUI_GOOD)
			      : tui_attr(app, TUI_WARN) | (int)A_BOLD,
		     p->ready ? _("Ready for %s.") : _("Not ready for %s:"),
		     p->next.label ? p->next.label : "");
	for (size_t i = 0; !p->ready && i < p->nreasons && y < rows; i++)
		widget_textf(win, y++, 3, cols - 4, A_NORMAL, "- %s",
			     p->reasons[i]);
	if (p->next.record && y < rows)
		widget_textf(win, y++, 1, cols - 2, A_NORMAL,
			     _("Publish at %s: %s"), p->next.name,
			     p->next.record);
	if (st->verifying && y < rows)
		widget_text(win, y++, 1, cols - 2, A_NORMAL,
			    _("Asking the authoritative servers ..."));
	for (size_t i = 0; st->propagation && i < st->propagation->count &&
			   y < rows;
	     i++) {
		const struct propagate_server *s =
		    &st->propagation->servers[i];

		widget_textf(win, y++, 3, cols - 4,
			     s->state == PROPAGATE_SERVES
				 ? tui_attr(app, TUI_GOOD)
				 : tui_attr(app, TUI_WARN),
			     "%-22s %s", s->host,
			     s->state == PROPAGATE_SERVES
				 ? _("serves it")
				 : s->state == PROPAGATE_DIFFERENT
				       ? _("still serves another record")
				       : _("unreachable"));
	}
}

/* Records the step once every authoritative server serves it. */
static void dmarc_verified(void *arg, struct propagate_result *result)
{
	struct dmarc_state *st = arg;
	struct app *app = st->app;
	struct err err = ERR_INIT;

	st->verifying = false;
	propagate_result_free(st->propagation);
	st->propagation = result;
	if (result->error) {
		tui_error(app, "%s", result->error);
	} else if (result->count == 0 || result->serving < result->count) {
		tui_error(app, _("Not recorded: %zu of %zu servers serve the "
				 "new record."),
			  result->serving, result->count);
	} else if (state_rung_add(tui_store(app), app->domain,
				  RUNG_DMARC, st->plan.next.rung,
				  st->plan.next.record, app->cli->now,
				  &err) != STATUS_OK) {
		tui_error(app, "%s", err_message(&err));
	} else {
		tui_message(app, _("Recorded: %s is live on every server."),
			    st->plan.next.label);
	}
	err_done(&err);
}

/* S: verifies the next DMARC rung on every authoritative server. */
static void dmarc_step(struct app *app, struct dmarc_state *st)
{
	struct err err = ERR_INIT;

	if (!st->planned || st->plan.next.action != ROLLOUT_ACTION_DMARC ||
	    !st->plan.next.record) {
		tui_error(app, _("The next step is not a DMARC rung; see the "
				 "timeline."));
		return;
	}
	if (st->verifying || !tui_dns(app))
		return;
	st->verifying = true;
	if (propagate_start(app->dns, st->plan.next.name, DNS_T_TXT,
			    st->plan.next.record, NULL, dmarc_verified, st,
			    &err) != STATUS_OK) {
		st->verifying = false;
		tui_error(app, "%s", err_message(&err));
	}
	err_done(&err);
}

/* Draws the ladder beside the published record. */
static void dmarc_draw(struct app *app, void *state, WINDOW *win)
{
	struct dmarc_state *st = state;
	int rows = getmaxy(win), cols = getmaxx(win), y = 0;
	const char *record = NULL;
	char *problem = lookup_problem(app, &st->published, "v=DMARC1");
	int current = -1;

	widget_textf(win, y++, 1, cols - 2, A_BOLD, _("DMARC of %s"),
		     app->domain);
	widget_text(win, y++, 1, cols - 2, A_UNDERLINE, _("Published"));
	if (problem) {
		y += widget_wrap(win, y, 3, cols - 4, rows, 0,
				 tui_attr(app, TUI_WARN), problem);
		free(problem);
	} else {
		lookup_matching(&st->published, "v=DMARC1", &record);
		current = ladder_find_text(&st->ladder, record);
		y += widget_wrap(win, y, 3, cols - 4, rows, 0, A_NORMAL,
				 record);
	}
	if (st->error)
		y += widget_wrap(win, y, 3, cols - 4, rows, 0,
				 tui_attr(app, TUI_BAD), st->error);
	y++;
	widget_text(win, y++, 1, cols - 2, A_UNDERLINE, _("The ladder"));
	for (size_t i = 0; i < st->ladder.count && y < rows; i++, y++) {
		char *label = ladder_rung_label(&st->ladder.rungs[i]);
		date_t day = rung_verified(st, (int)i);
		char buf[DATE_BUFSIZE];
		int attr = (int)i == current ? A_REVERSE | A_BOLD : A_NORMAL;

		widget_text(win, y, 3, 2, attr,
			    (int)i == current ? ">" : " ");
		widget_textf(win, y, 5, 24, attr, "%zu  %s", i + 1, label);
		if ((int)i == current)
			widget_text(win, y, 30, 20, A_BOLD,
				    _("published now"));
		else if ((int)i == current + 1 && record)
			widget_text(win, y, 30, 20, A_NORMAL, _("next"));
		if (day != DATE_NONE)
			widget_textf(win, y, 51, cols - 52,
				     tui_attr(app, TUI_GOOD), _("verified %s"),
				     date_format(day, buf));
		free(label);
	}
	if (record && current < 0 && y < rows)
		widget_text(win, y++, 3, cols - 4, tui_attr(app, TUI_WARN),
			    _("The published record is on no rung of this "
			      "ladder."));
	dmarc_draw_readiness(app, st, win, y, rows, cols);
}

/* r asks again. */
static bool dmarc_key(struct app *app, void *state, struct tui_key key,
		      enum command cmd)
{
	struct dmarc_state *st = state;
	char *name;

	if (cmd == CMD_STEP) {
		dmarc_step(app, st);
		return true;
	}
	if (cmd != CMD_RECHECK)
		return false;
	name = xasprintf("_dmarc.%s", app->domain);
	lookup_start(app, &st->published, name, DNS_T_TXT);
	free(name);
	return true;
}

/* Frees the screen's data. */
static void dmarc_leave(struct app *app, void *state)
{
	struct dmarc_state *st = state;

	lookup_done(&st->published);
	state_settings_done(&st->settings);
	state_rungs_free(st->history, st->nhistory);
	ladder_done(&st->ladder);
	free(st->error);
	if (st->planned) {
		rollout_plan_done(&st->plan);
		rollout_inputs_done(&st->inputs);
	}
	propagate_result_free(st->propagation);
}

const struct screen screen_dmarc = {
	.name = "dmarc",
	.title = N_("DMARC"),
	.help = N_("DMARC tells receivers what to do with mail that fails "
		   "both SPF and DKIM alignment, and where to send reports. "
		   "The wizard raises the policy one rung at a time: p=none "
		   "to collect reports, then quarantine and reject for 10, "
		   "25, 50 and 100 percent of failing mail. Below 100 percent "
		   "the record carries t=y so that receivers following RFC "
		   "9989, which ignore pct, treat it as a test. Take the "
		   "next rung only when the readiness check says the reports "
		   "allow it."),
	.commands = dmarc_commands,
	.state_size = sizeof(struct dmarc_state),
	.enter = dmarc_enter,
	.draw = dmarc_draw,
	.key = dmarc_key,
	.leave = dmarc_leave,
};
