/* The help screen (F1, ?): a paragraph on the screen below it and the
 * keys, generated from the command list and the key map. */
#include "config.h"

#include <stdlib.h>

#include "util/i18n.h"
#include "screens/tui.h"
#include "screens/widgets.h"

struct help_state {
	int scroll;
	int lines; /* what the last draw took */
	int height;
};

/* The screen the help is about: the one below it. */
static const struct screen *help_subject(const struct app *app)
{
	return app->depth >= 2 ? app->stack[app->depth - 2].screen
			       : &screen_help;
}

/* Draws one command line "keys  help" and returns the lines used. */
static int help_command(struct app *app, WINDOW *win, int y, int skip,
			int max_y, enum command cmd)
{
	char *keys = tui_command_keys(cmd);
	int cols = getmaxx(win);

	if (*keys && y - skip >= 0 && y - skip < max_y) {
		widget_text(win, y - skip, 2, 18, A_BOLD, keys);
		widget_text(win, y - skip, 21, cols - 22, A_NORMAL,
			    tui_command_help(cmd));
	}
	free(keys);
	return *tui_command_help(cmd) ? 1 : 0;
}

/* Draws the help. */
static void help_draw(struct app *app, void *state, WINDOW *win)
{
	struct help_state *st = state;
	const struct screen *subject = help_subject(app);
	int rows = getmaxy(win), cols = getmaxx(win);
	int y = 0;

	st->height = rows;
	if (y - st->scroll >= 0)
		widget_text(win, y - st->scroll, 1, cols - 2,
			    A_BOLD | A_UNDERLINE, _(subject->title));
	y++;
	y += widget_wrap(win, y - st->scroll < 0 ? 0 : y - st->scroll, 1,
			 cols - 2, rows, y - st->scroll < 0 ? st->scroll - y : 0,
			 A_NORMAL, _(subject->help));
	y++;
	if (subject->commands && subject->commands[0] != CMD_NONE) {
		if (y - st->scroll >= 0 && y - st->scroll < rows)
			widget_text(win, y - st->scroll, 1, cols - 2, A_BOLD,
				    _("Keys on this screen"));
		y++;
		for (const enum command *c = subject->commands;
		     *c != CMD_NONE; c++)
			y += help_command(app, win, y, st->scroll, rows, *c);
		y++;
	}
	if (y - st->scroll >= 0 && y - st->scroll < rows)
		widget_text(win, y - st->scroll, 1, cols - 2, A_BOLD,
			    _("Keys everywhere"));
	y++;
	for (const enum command *c = tui_global_commands(); *c != CMD_NONE;
	     c++)
		y += help_command(app, win, y, st->scroll, rows, *c);
	y += help_command(app, win, y, st->scroll, rows, CMD_UP);
	y += help_command(app, win, y, st->scroll, rows, CMD_DOWN);
	st->lines = y;
}

/* Scrolls; every other key goes to the shell (Esc closes). */
static bool help_key(struct app *app, void *state, struct tui_key key,
		     enum command cmd)
{
	struct help_state *st = state;
	int max = st->lines - st->height;

	switch (cmd) {
	case CMD_UP:
		st->scroll--;
		break;
	case CMD_DOWN:
		st->scroll++;
		break;
	case CMD_PAGE_UP:
		st->scroll -= st->height - 1;
		break;
	case CMD_PAGE_DOWN:
		st->scroll += st->height - 1;
		break;
	case CMD_HELP:
	case CMD_SELECT:
		tui_pop(app);
		return true;
	default:
		return false;
	}
	if (st->scroll > max)
		st->scroll = max;
	if (st->scroll < 0)
		st->scroll = 0;
	return true;
}

const struct screen screen_help = {
	.name = "help",
	.title = N_("Help"),
	.help = N_("Press Esc to go back to where you were."),
	.state_size = sizeof(struct help_state),
	.draw = help_draw,
	.key = help_key,
};
