/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The home screen: the domains in the database; add one, open one. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/dname.h"
#include "util/i18n.h"
#include "store/state.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "screens/tui.h"
#include "screens/widgets.h"

struct domains_state {
	struct state_domain *domains;
	size_t count;
	char *error;
	struct widget_list list;
	struct widget_input input;
	int height;
};

static const enum command domains_commands[] = {
	CMD_SELECT,
	CMD_ADD,
	CMD_SETTINGS,
	CMD_NONE,
};

/* Reads the list again, keeping the selection on name when given. */
static void domains_load(struct app *app, struct domains_state *st,
			 const char *name)
{
	struct store *store = tui_store(app);
	struct err err = ERR_INIT;

	state_domains_free(st->domains, st->count);
	st->domains = NULL;
	st->count = 0;
	free(st->error);
	st->error = NULL;
	if (!store) {
		st->error = xstrdup(session_store_error(app->session));
		return;
	}
	if (state_domain_list(store, &st->domains, &st->count, &err) !=
	    STATUS_OK)
		st->error = xstrdup(err_message(&err));
	err_done(&err);
	for (size_t i = 0; name && i < st->count; i++)
		if (strcmp(st->domains[i].name, name) == 0)
			st->list.selected = i;
}

/* Opens the home screen on the current domain. */
static void domains_enter(struct app *app, void *state)
{
	domains_load(app, state, app->domain);
}

/* Draws the list. */
static void domains_draw(struct app *app, void *state, WINDOW *win)
{
	struct domains_state *st = state;
	int rows = getmaxy(win), cols = getmaxx(win);
	int list_rows = rows - 4;

	widget_text(win, 0, 1, cols - 2, A_BOLD, _("Your domains"));
	if (st->error) {
		widget_wrap(win, 2, 1, cols - 2, rows, 0,
			    tui_attr(app, TUI_BAD), st->error);
		return;
	}
	if (st->count == 0)
		widget_wrap(win, 2, 1, cols - 2, rows - 2, 0, A_NORMAL,
			    _("No domain yet. Press a to add the domain "
			      "whose mail you want to protect."));
	st->height = list_rows;
	widget_list_clamp(&st->list, st->count, list_rows);
	for (int i = 0; i < list_rows; i++) {
		size_t k = st->list.top + (size_t)i;
		char day[DATE_BUFSIZE];
		bool sel = k == st->list.selected;
		int attr = sel && !st->input.active ? A_REVERSE : A_NORMAL;

		if (k >= st->count)
			break;
		mvwhline(win, 2 + i, 1, ' ', cols - 2);
		if (attr != A_NORMAL) {
			wattron(win, attr);
			mvwhline(win, 2 + i, 1, ' ', cols - 2);
			wattroff(win, attr);
		}
		widget_text(win, 2 + i, 2, cols - 20, attr,
			    st->domains[k].name);
		widget_textf(win, 2 + i, cols - 30, 28, attr, _("added %s"),
			     date_format(st->domains[k].created, day));
	}
	if (st->input.active)
		widget_input_draw(win, rows - 1, 1, cols - 2,
				  _("Domain to add:"), &st->input, A_NORMAL);
	else if (st->count > 0)
		widget_text(win, rows - 1, 1, cols - 2, tui_attr(app, TUI_DIM),
			    _("Enter opens the domain's plan, o its settings; "
			      "a adds a domain."));
}

/* Adds the typed domain. */
static void domains_add(struct app *app, struct domains_state *st)
{
	struct store *store = tui_store(app);
	struct err err = ERR_INIT;
	char *name = dname_lookup_form(st->input.text);

	if (!store) {
		tui_error(app, "%s", session_store_error(app->session));
		goto out;
	}
	if (state_domain_add(store, name, app->now, NULL, &err) != STATUS_OK) {
		tui_error(app, "%s", err_message(&err));
		goto out;
	}
	tui_message(app, _("Added %s."), name);
	domains_load(app, st, name);
out:
	err_done(&err);
	free(name);
}

/* Keys of the home screen. */
static bool domains_key(struct app *app, void *state, struct tui_key key,
			enum command cmd)
{
	struct domains_state *st = state;

	if (st->input.active) {
		switch (widget_input_key(&st->input, key)) {
		case INPUT_DONE:
			if (st->input.len)
				domains_add(app, st);
			return true;
		case INPUT_IGNORED:
			return false;
		default:
			return true;
		}
	}
	if (widget_list_key(&st->list, cmd, st->count, st->height))
		return true;
	switch (cmd) {
	case CMD_ADD:
		widget_input_start(&st->input, NULL);
		return true;
	case CMD_SELECT:
	case CMD_RIGHT:
		if (st->count == 0)
			return false;
		tui_set_domain(app, st->domains[st->list.selected].name);
		tui_goto_step(app, STEP_TIMELINE);
		return true;
	case CMD_SETTINGS:
		/* The selected domain's settings, over the home screen. */
		if (st->count == 0)
			return false;
		tui_set_domain(app, st->domains[st->list.selected].name);
		tui_push(app, &screen_settings, STEP_NONE);
		return true;
	default:
		return false;
	}
}

/* Frees the list. */
static void domains_leave(struct app *app, void *state)
{
	struct domains_state *st = state;

	state_domains_free(st->domains, st->count);
	free(st->error);
}

const struct screen screen_domains = {
	.name = "domains",
	.title = N_("Domains"),
	.help = N_("The domains whose mail you protect. Each goes from no "
		   "authentication to DMARC p=reject in small steps: the "
		   "wizard lists who sends mail for it, builds SPF and DKIM, "
		   "then raises the DMARC policy rung by rung while the "
		   "reports show that legitimate mail passes. Choose a domain "
		   "and press Enter, or add one with a."),
	.commands = domains_commands,
	.state_size = sizeof(struct domains_state),
	.enter = domains_enter,
	.draw = domains_draw,
	.key = domains_key,
	.leave = domains_leave,
};
