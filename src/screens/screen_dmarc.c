/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The DMARC screen: the ladder from p=none to p=reject with the rung the
 * published record is on, its tags, the next record to publish, and
 * whether the external report destinations of the published record
 * accept the domain's reports (RFC 7489 7.1). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "util/i18n.h"
#include "dmarc/ladder.h"
#include "dmarc/orgdomain.h"
#include "app/step.h"
#include "dns/propagate.h"
#include "plan/rollout.h"
#include "store/state.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "screens/lookup.h"
#include "screens/plan.h"
#include "screens/stepper.h"
#include "screens/tui.h"
#include "screens/widgets.h"

/* The rows the screen may take before it scrolls. */
#define DMARC_PAD_ROWS 200

/* A report destination as the screen shows it: every string cleaned. */
struct dmarc_dest_line {
	char *tag; /* "rua" or "ruf" */
	char *uri;
	char *host;
	char *query; /* the authorization name, or NULL */
	enum dmarc_dest_state state;
};

struct dmarc_state {
	struct lookup published;
	struct dmarc_discovery *discovery; /* running, or NULL */
	bool dests_known;                  /* dests hold an answer */
	struct dmarc_dest_line *dests;
	size_t ndests;
	char *dests_error;         /* why the check has no answer (cleaned) */
	struct widget_pager pager; /* the content, scrolled */
	struct state_settings settings;
	struct state_rung *history;
	size_t nhistory;
	struct ladder ladder;
	char *error;
	struct screen_plan sp;  /* the plan and why there is none */
	struct worker *loading; /* the plan's loading, or NULL */
	struct stepper stepper; /* S and ! */
	struct app *app;
};

static const enum command dmarc_commands[] = {
	CMD_STEP, CMD_FORCE, CMD_PUBLISH, CMD_RECHECK,
	CMD_UP,   CMD_DOWN,  CMD_NONE,
};

/* Forgets the destinations shown. */
static void dests_clear(struct dmarc_state *st)
{
	for (size_t i = 0; i < st->ndests; i++) {
		free(st->dests[i].tag);
		free(st->dests[i].uri);
		free(st->dests[i].host);
		free(st->dests[i].query);
	}
	free(st->dests);
	st->dests = NULL;
	st->ndests = 0;
	free(st->dests_error);
	st->dests_error = NULL;
	st->dests_known = false;
}

/* Starts the policy discovery whose last step asks every external report
 * destination for its authorization record (RFC 7489 7.1), through the
 * shell's resolver, so that the answers arrive in the poll loop. */
static void dests_start(struct app *app, struct dmarc_state *st)
{
	const struct orgdomain *od = tui_orgdomain(app);

	if (st->discovery || !tui_dns(app))
		return;
	if (!od) {
		st->dests_error = xstrdup(_("No Public Suffix List: the report "
					    "destinations cannot be checked."));
		return;
	}
	st->discovery = dmarc_discover(app->session->dns, od, app->domain, 0);
}

/* Keeps the destinations once the discovery is done (called from draw,
 * which runs after every turn of the loop). */
static void dests_collect(struct dmarc_state *st)
{
	const struct dmarc_result *r;

	if (!st->discovery || !(r = dmarc_discovery_result(st->discovery)))
		return;
	dests_clear(st);
	st->dests_known = true;
	if (r->status != STATUS_OK && r->error)
		st->dests_error = text_clean_str(r->error);
	st->dests = xcalloc(r->ndests + 1, sizeof *st->dests);
	for (size_t i = 0; i < r->ndests; i++) {
		const struct dmarc_dest *d = &r->dests[i];
		struct dmarc_dest_line *l = &st->dests[st->ndests++];

		l->tag = text_clean_str(d->tag);
		l->uri = text_clean_str(d->uri);
		l->host = d->host ? text_clean_str(d->host) : NULL;
		l->query = d->query ? text_clean_str(d->query) : NULL;
		l->state = d->state;
	}
	dmarc_discovery_free(st->discovery);
	st->discovery = NULL;
}

/* Starts loading the plan on a worker. */
static void dmarc_plan(struct app *app, struct dmarc_state *st)
{
	worker_free(st->loading);
	st->loading = screen_plan_start(app, false);
}

/* Takes the plan when its loading is done. */
static void dmarc_plan_collect(struct dmarc_state *st)
{
	if (screen_plan_take(st->loading, &st->sp, NULL)) {
		worker_free(st->loading);
		st->loading = NULL;
	}
}

/* A step was recorded: the history, the plan and the record served
 * are read again. */
static void dmarc_recorded(void *arg)
{
	struct dmarc_state *st = arg;
	struct app *app = st->app;
	struct store *store = tui_store(app);
	char *name = xasprintf("_dmarc.%s", app->domain);

	state_rungs_free(st->history, st->nhistory);
	st->history = NULL;
	st->nhistory = 0;
	if (store)
		state_rung_list(store, app->domain, &st->history, &st->nhistory,
				NULL);
	lookup_start(app, &st->published, name, DNS_T_TXT);
	free(name);
	dmarc_plan(app, st);
}

/* Reads the domain's ladder and history, and asks for the record. */
static void dmarc_enter(struct app *app, void *state)
{
	struct dmarc_state *st = state;
	struct store *store = tui_store(app);
	struct err err = ERR_INIT;
	char *name = xasprintf("_dmarc.%s", app->domain);

	st->app = app;
	stepper_init(&st->stepper, app, &st->sp, dmarc_recorded, st);
	state_settings_defaults(&st->settings);
	ladder_init_default(&st->ladder);
	lookup_start(app, &st->published, name, DNS_T_TXT);
	free(name);
	dests_start(app, st);
	if (!store) {
		st->error = xstrdup(session_store_error(app->session));
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
	dmarc_plan(app, st);
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
static int dmarc_draw_readiness(struct app *app, struct dmarc_state *st,
				WINDOW *win, int y, int rows, int cols)
{
	const struct rollout_plan *p = &st->sp.plan;

	if (y >= rows)
		return y;
	if (!st->loading && !st->sp.loaded && !st->sp.error)
		/* Not started, or a record or a publish holds the plan. */
		return y +
		       stepper_draw(&st->stepper, win, y, 1, cols - 2, rows);
	if (st->loading) {
		widget_text(win, y, 1, cols - 2, A_NORMAL,
			    _("Asking DNS about the report sources for the "
			      "plan ..."));
		return y + 1;
	}
	if (st->sp.error)
		return y + widget_wrap(win, y, 1, cols - 2, rows, 0,
				       tui_attr(app, TUI_BAD), st->sp.error);
	if (!st->sp.loaded)
		return y;
	if (p->next.action == ROLLOUT_ACTION_NONE) {
		widget_text(win, y, 1, cols - 2, tui_attr(app, TUI_GOOD),
			    _("The rollout is complete."));
		return y + 1;
	}
	widget_textf(win, y++, 1, cols - 2,
		     p->ready ? tui_attr(app, TUI_GOOD)
			      : tui_attr(app, TUI_WARN) | (int)A_BOLD,
		     p->ready ? _("Ready for %s.") : _("Not ready for %s:"),
		     p->next.label ? p->next.label : "");
	y += stepper_draw(&st->stepper, win, y, 1, cols - 2, rows);
	if (p->next.record && y < rows) {
		/* The whole record, wrapped: the operator copies it. */
		char *line = xasprintf(_("Publish at %s: %s"), p->next.name,
				       p->next.record);

		y += widget_wrap_hard(win, y, 1, cols - 2, rows, 0, A_NORMAL,
				      tui_attr(app, TUI_DIM), line);
		free(line);
	}
	return y;
}

/* Draws the report destinations of the published record: whether each
 * external one authorizes the domain, and the exact record the other
 * domain must publish when it does not. Returns the next row. */
static int dmarc_draw_dests(struct app *app, struct dmarc_state *st,
			    WINDOW *win, int y, int rows, int cols)
{
	if (y + 2 >= rows)
		return y;
	y++;
	/* TRANSLATORS: RFC 7489 7.1 is the section on external report
	 * addresses. */
	widget_text(win, y++, 1, cols - 2, A_UNDERLINE,
		    _("Report destinations (RFC 7489 7.1)"));
	if (!st->dests_known) {
		widget_text(win, y++, 3, cols - 4, A_NORMAL,
			    st->dests_error ? st->dests_error
			    : tui_dns(app)  ? _("Asking the report "
						 "destinations ...")
					    : tui_dns_problem(app));
		return y;
	}
	if (st->dests_error)
		y += widget_wrap(win, y, 3, cols - 4, rows, 0,
				 tui_attr(app, TUI_WARN), st->dests_error);
	if (st->ndests == 0 && y < rows)
		widget_text(win, y++, 3, cols - 4, A_NORMAL,
			    _("The published record names no report "
			      "address."));
	for (size_t i = 0; i < st->ndests && y < rows; i++) {
		const struct dmarc_dest_line *d = &st->dests[i];
		const char *what;
		int attr;

		switch (d->state) {
		case DMARC_DEST_SAME_ORG:
			what = _("own organization");
			attr = A_NORMAL;
			break;
		case DMARC_DEST_AUTHORIZED:
			what = _("authorized");
			attr = tui_attr(app, TUI_GOOD);
			break;
		case DMARC_DEST_UNAUTHORIZED:
			what = _("NOT authorized");
			attr = tui_attr(app, TUI_BAD);
			break;
		case DMARC_DEST_NOT_MAILTO:
			what = _("not mailto: not checked");
			attr = A_NORMAL;
			break;
		case DMARC_DEST_UNKNOWN:
		default:
			what = _("lookup failed");
			attr = tui_attr(app, TUI_WARN);
			break;
		}
		widget_textf(win, y++, 3, cols - 4, attr, "%s %s  %s", d->tag,
			     d->uri, what);
		if (d->state == DMARC_DEST_UNAUTHORIZED && d->query) {
			char *need = xasprintf(
			    /* TRANSLATORS: %s is the other domain, then the
			     * record it must publish. */
			    _("%s must publish: %s TXT \"v=DMARC1\""), d->host,
			    d->query);

			y += widget_wrap(win, y, 5, cols - 6, rows, 0, A_NORMAL,
					 need);
			free(need);
		} else if (d->state == DMARC_DEST_UNKNOWN && d->query) {
			char *need = xasprintf(_("asked: %s TXT"), d->query);

			y += widget_wrap(win, y, 5, cols - 6, rows, 0, A_NORMAL,
					 need);
			free(need);
		}
	}
	return y;
}

/* Draws the content into win (a pad as tall as DMARC_PAD_ROWS); returns
 * the rows it takes. */
static int dmarc_draw_content(struct app *app, struct dmarc_state *st,
			      WINDOW *win)
{
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
		y +=
		    widget_wrap(win, y, 3, cols - 4, rows, 0, A_NORMAL, record);
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

		widget_text(win, y, 3, 2, attr, (int)i == current ? ">" : " ");
		widget_textf(win, y, 5, 24, attr, "%zu  %s", i + 1, label);
		if ((int)i == current)
			widget_text(win, y, 30, 20, A_BOLD, _("published now"));
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
	y = dmarc_draw_readiness(app, st, win, y, rows, cols);
	return dmarc_draw_dests(app, st, win, y, rows, cols);
}

/* Draws the screen: the content goes into the pager, of which the rows
 * from the scroll position fill the window, with a mark when more
 * follows. */
static void dmarc_draw(struct app *app, void *state, WINDOW *win)
{
	struct dmarc_state *st = state;
	WINDOW *pad = widget_pager_pad(DMARC_PAD_ROWS, getmaxx(win));
	int total;

	dmarc_plan_collect(st);
	stepper_collect(&st->stepper, !st->loading);
	dests_collect(st);
	if (!pad)
		return;
	st->pager.more = N_("-- more below: Down / PgDn scrolls --");
	total = dmarc_draw_content(app, st, pad);
	/* What S found shows where the eye is: scrolled into view. */
	stepper_reveal(&st->stepper, &st->pager, getmaxy(win));
	widget_pager_show(&st->pager, pad, total, win, 0, getmaxy(win),
			  tui_attr(app, TUI_DIM));
}

/* r asks again. */
static bool dmarc_key(struct app *app, void *state, struct tui_key key,
		      enum command cmd)
{
	struct dmarc_state *st = state;
	char *name;

	if (stepper_key(&st->stepper, !st->loading, key, cmd))
		return true;
	switch (cmd) {
	case CMD_RECHECK:
		break;
	default:
		return widget_pager_key(&st->pager, cmd);
	}
	name = xasprintf("_dmarc.%s", app->domain);
	lookup_start(app, &st->published, name, DNS_T_TXT);
	free(name);
	/* A discovery still running keeps going; its answer is fresh. */
	if (!st->discovery) {
		dests_clear(st);
		dests_start(app, st);
	}
	return true;
}

/* Frees the screen's data. */
static void dmarc_leave(struct app *app, void *state)
{
	struct dmarc_state *st = state;

	/* The discovery must not be freed while its queries wait, nor a
	 * propagation answer land after its result was freed: end them
	 * first (their callbacks still find the state alive). The plan's
	 * loading, abandoned, ends on its own. */
	stepper_done(&st->stepper);
	worker_free(st->loading);
	if (st->discovery && app->session->dns)
		dns_cancel_all(app->session->dns);
	dmarc_discovery_free(st->discovery);
	dests_clear(st);
	lookup_done(&st->published);
	state_settings_done(&st->settings);
	state_rungs_free(st->history, st->nhistory);
	ladder_done(&st->ladder);
	free(st->error);
	screen_plan_clear(&st->sp);
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
