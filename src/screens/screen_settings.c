/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The settings of a domain's plan: the same table and checks as
 * `dmarcpilot domain set|show` (app/settings.h), one row per setting;
 * Enter edits the selected one, and the change is stored at once. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app/settings.h"
#include "store/state.h"
#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "screens/tui.h"
#include "screens/widgets.h"

struct settings_state {
	struct state_settings settings;
	char *error; /* why they could not be read, or NULL */
	struct widget_list list;
	int height; /* rows of the list at the last draw */
	struct widget_input input;
	const struct app_setting *editing; /* the setting being edited */
};

static const enum command settings_commands[] = {
	CMD_UP, CMD_DOWN, CMD_SELECT, CMD_DELETE, CMD_NONE,
};

/* Reads the domain's settings. */
static void settings_read(struct app *app, struct settings_state *st)
{
	struct store *store = tui_store(app);
	struct err err = ERR_INIT;

	state_settings_done(&st->settings);
	free(st->error);
	st->error = NULL;
	if (!store)
		st->error = xstrdup(session_store_error(app->session));
	else if (state_settings_get(store, app->domain, &st->settings, &err) !=
		 STATUS_OK)
		st->error = xstrdup(err_message(&err));
	err_done(&err);
}

/* Opens the view. */
static void settings_enter(struct app *app, void *state)
{
	struct settings_state *st = state;

	state_settings_defaults(&st->settings);
	settings_read(app, st);
}

/* Stores value for setting d, all settings in one transaction, as
 * domain set does; the error is shown and nothing changes on failure. */
static void settings_store(struct app *app, struct settings_state *st,
			   const struct app_setting *d, const char *value)
{
	struct store *store = tui_store(app);
	struct err err = ERR_INIT;
	char *assignment = xasprintf("%s=%s", d->key, value);
	const char *const change[] = { assignment };

	if (!store) {
		tui_error(app, "%s", session_store_error(app->session));
		free(assignment);
		return;
	}
	if (app_settings_change(store, app->domain, change, 1, &err) !=
	    STATUS_OK)
		tui_error(app, "%s", err_message(&err));
	else {
		tui_message(app, _("Stored %s for %s."), d->key, app->domain);
		app->settings_gen++;
	}
	free(assignment);
	err_done(&err);
	settings_read(app, st);
}

/* Draws the table: key, value, and the help of the selected row. */
static void settings_draw(struct app *app, void *state, WINDOW *win)
{
	struct settings_state *st = state;
	int rows = getmaxy(win), cols = getmaxx(win), y = 0;
	size_t count;
	const struct app_setting *table = app_settings(&count);
	const struct app_setting *sel;
	char *help;
	int help_rows;

	widget_textf(win, y++, 1, cols - 2, A_BOLD, _("Settings of %s"),
		     app->domain);
	if (st->error) {
		widget_wrap(win, y + 1, 1, cols - 2, rows, 0,
			    tui_attr(app, TUI_BAD), st->error);
		return;
	}
	widget_list_clamp(&st->list, count, 1);
	sel = &table[st->list.selected];
	{
		/* The whole value of the selected setting, which its row
		 * may cut (a list of report addresses), wraps below. */
		bool is_default;
		char *v = app_setting_value(&st->settings, sel, &is_default);
		char *clean = v ? text_clean_str(v) : NULL;

		help = clean && !is_default
			   ? xasprintf("%s: %s\n= %s", sel->key, _(sel->help),
				       clean)
			   : xasprintf("%s: %s", sel->key, _(sel->help));
		free(clean);
		free(v);
	}
	/* The help of the selected setting takes the rows it needs at
	 * the bottom; the list scrolls in what is left. */
	help_rows = widget_wrap(win, 0, 1, cols - 2, 0, 0, A_NORMAL, help);
	st->height = rows - y - help_rows - 2;
	if (st->height < 1)
		st->height = 1;
	widget_list_clamp(&st->list, count, st->height);
	for (int i = 0; i < st->height; i++) {
		size_t k = st->list.top + (size_t)i;
		bool is_default, selected = k == st->list.selected;
		char *v, *clean;
		int attr = selected ? (int)A_REVERSE : (int)A_NORMAL;

		if (k >= count)
			break;
		v = app_setting_value(&st->settings, &table[k], &is_default);
		clean = v ? text_clean_str(v) : NULL;
		if (selected) {
			wattron(win, A_REVERSE);
			mvwhline(win, y + i, 0, ' ', cols);
			wattroff(win, A_REVERSE);
		}
		widget_text(win, y + i, 1, 20, attr | A_BOLD, table[k].key);
		if (st->input.active && selected)
			widget_input_draw(win, y + i, 22, cols - 23, "",
					  &st->input, A_NORMAL);
		else if (!clean)
			widget_text(win, y + i, 22, cols - 23,
				    attr | tui_attr(app, TUI_DIM),
				    _("(default)"));
		else
			widget_textf(
			    win, y + i, 22, cols - 23,
			    is_default ? attr | tui_attr(app, TUI_DIM) : attr,
			    is_default ? _("%s (default)") : "%s", clean);
		free(clean);
		free(v);
	}
	widget_wrap(win, rows - help_rows, 1, cols - 2, rows, 0,
		    tui_attr(app, TUI_DIM), help);
	widget_text(win, rows - help_rows - 1, 1, cols - 2,
		    tui_attr(app, TUI_DIM),
		    st->input.active
			? _("Enter stores, Esc cancels; \"default\" puts the "
			    "default back.")
			: _("Enter edits the selected setting, d puts its "
			    "default back."));
	free(help);
}

/* Keys: the input first while it is open. */
static bool settings_key(struct app *app, void *state, struct tui_key key,
			 enum command cmd)
{
	struct settings_state *st = state;
	size_t count;
	const struct app_setting *table = app_settings(&count);
	char *v;
	bool is_default;

	if (st->input.active) {
		switch (widget_input_key(&st->input, key)) {
		case INPUT_DONE:
			settings_store(app, st, st->editing, st->input.text);
			break;
		case INPUT_CANCEL:
			tui_message(app, _("Nothing changed."));
			break;
		default:
			break;
		}
		return true;
	}
	if (st->error)
		return false;
	if (widget_list_key(&st->list, cmd, count, st->height))
		return true;
	switch (cmd) {
	case CMD_SELECT:
		st->editing = &table[st->list.selected];
		v = app_setting_value(&st->settings, st->editing, &is_default);
		widget_input_start(&st->input, v);
		free(v);
		return true;
	case CMD_DELETE:
		settings_store(app, st, &table[st->list.selected], "default");
		return true;
	default:
		return false;
	}
}

/* Frees the settings. */
static void settings_leave(struct app *app, void *state)
{
	struct settings_state *st = state;

	(void)app;
	state_settings_done(&st->settings);
	free(st->error);
}

const struct screen screen_settings = {
	.name = "settings",
	.title = N_("Settings"),
	.help = N_("The settings of this domain's plan, the same as "
		   "dmarcpilot domain set and domain show: the DMARC ladder, "
		   "the days each rung needs, the report window and the "
		   "thresholds readiness is judged by, where reports go, the "
		   "tags every rung carries, the SPF ending, and the servers "
		   "a step is verified on. Enter edits a setting; it is "
		   "checked and stored at once."),
	.commands = settings_commands,
	.state_size = sizeof(struct settings_state),
	.enter = settings_enter,
	.draw = settings_draw,
	.key = settings_key,
	.leave = settings_leave,
};
