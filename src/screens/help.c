/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The help screen (F1, ?): a paragraph on the screen below it and the
 * keys, generated from the command list and the key map. */
#include "config.h"

#include <stdlib.h>

#include "util/i18n.h"
#include "screens/tui.h"
#include "screens/widgets.h"

/* The rows a help text may take; more are cut. */
#define HELP_PAD_ROWS 200

struct help_state {
	struct widget_pager pager;
};

/* The screen the help is about: the one below it. */
static const struct screen *help_subject(const struct app *app)
{
	return app->depth >= 2 ? app->stack[app->depth - 2].screen
			       : &screen_help;
}

/* Draws one command line "keys  help" at row y of the content; returns
 * the lines used. */
static int help_command(WINDOW *pad, int y, enum command cmd)
{
	char *keys = tui_command_keys(cmd);
	int cols = getmaxx(pad), used = 0;

	if (*keys) {
		widget_text(pad, y, 2, 18, A_BOLD, keys);
		/* A long (translated) help wraps in its column. */
		used = widget_wrap(pad, y, 21, cols - 22, getmaxy(pad), 0,
				   A_NORMAL, tui_command_help(cmd));
	}
	free(keys);
	return used;
}

/* Draws the help: the whole text into the pager's pad, then the rows
 * from the scroll position. */
static void help_draw(struct app *app, void *state, WINDOW *win)
{
	struct help_state *st = state;
	const struct screen *subject = help_subject(app);
	int cols = getmaxx(win), y = 0;
	WINDOW *pad = widget_pager_pad(HELP_PAD_ROWS, cols);

	if (pad) {
		widget_text(pad, y++, 1, cols - 2, A_BOLD | A_UNDERLINE,
			    _(subject->title));
		y += widget_wrap(pad, y, 1, cols - 2, HELP_PAD_ROWS, 0,
				 A_NORMAL, _(subject->help));
		y++;
		if (subject->commands && subject->commands[0] != CMD_NONE) {
			widget_text(pad, y++, 1, cols - 2, A_BOLD,
				    _("Keys on this screen"));
			for (const enum command *c = subject->commands;
			     *c != CMD_NONE; c++)
				y += help_command(pad, y, *c);
			y++;
		}
		widget_text(pad, y++, 1, cols - 2, A_BOLD,
			    _("Keys everywhere"));
		for (const enum command *c = tui_global_commands();
		     *c != CMD_NONE; c++)
			y += help_command(pad, y, *c);
		y += help_command(pad, y, CMD_UP);
		y += help_command(pad, y, CMD_DOWN);
	}
	widget_pager_show(&st->pager, pad, y, win, 0, getmaxy(win), A_NORMAL);
}

/* Scrolls; every other key goes to the shell (Esc closes). */
static bool help_key(struct app *app, void *state, struct tui_key key,
		     enum command cmd)
{
	struct help_state *st = state;

	switch (cmd) {
	case CMD_HELP:
	case CMD_SELECT:
		tui_pop(app);
		return true;
	default:
		return widget_pager_key(&st->pager, cmd);
	}
}

const struct screen screen_help = {
	.name = "help",
	.title = N_("Help"),
	.help = N_("Press Esc to go back to where you were."),
	.state_size = sizeof(struct help_state),
	.draw = help_draw,
	.key = help_key,
};
