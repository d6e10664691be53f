/* The SPF screen: what is published for the domain, the ten-lookup
 * budget of RFC 7208 4.6.4, the include tree with the cost of each
 * branch, flattening, the target record and where it has propagated. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/xalloc.h"
#include "screens/lookup.h"
#include "screens/tui.h"
#include "screens/widgets.h"

struct spf_state {
	struct lookup published;
};

static const enum command spf_commands[] = {
	CMD_RECHECK, CMD_NONE,
};

/* Asks for the published record. */
static void spf_enter(struct app *app, void *state)
{
	struct spf_state *st = state;

	lookup_start(app, &st->published, app->domain, DNS_T_TXT);
}

/* Draws the published record. */
static void spf_draw(struct app *app, void *state, WINDOW *win)
{
	struct spf_state *st = state;
	int rows = getmaxy(win), cols = getmaxx(win), y = 0;
	const char *record;
	char *problem = lookup_problem(app, &st->published, "v=spf1");

	widget_textf(win, y++, 1, cols - 2, A_BOLD, _("SPF of %s"),
		     app->domain);
	widget_text(win, y++, 1, cols - 2, A_UNDERLINE, _("Published"));
	if (problem) {
		y += widget_wrap(win, y, 3, cols - 4, rows, 0,
				 tui_attr(app, TUI_WARN), problem);
		free(problem);
		return;
	}
	if (lookup_matching(&st->published, "v=spf1", &record) > 1)
		widget_text(win, y++, 3, cols - 4, tui_attr(app, TUI_BAD),
			    _("More than one SPF record: receivers treat "
			      "that as a permanent error (RFC 7208 4.5)."));
	widget_wrap(win, y, 3, cols - 4, rows, 0, A_NORMAL, record);
}

/* r asks again. */
static bool spf_key(struct app *app, void *state, struct tui_key key,
		    enum command cmd)
{
	if (cmd != CMD_RECHECK)
		return false;
	spf_enter(app, state);
	return true;
}

/* Frees the answers. */
static void spf_leave(struct app *app, void *state)
{
	struct spf_state *st = state;

	lookup_done(&st->published);
}

const struct screen screen_spf = {
	.name = "spf",
	.title = N_("SPF"),
	.help = N_("SPF lists the servers that may send mail for the domain. "
		   "Receivers may follow at most ten DNS lookups (include, a, "
		   "mx, ptr, exists, redirect) while evaluating it; one more "
		   "and SPF fails for every message (RFC 7208 4.6.4). The bar "
		   "shows how much of that budget the record uses, the tree "
		   "which include costs what. Flattening replaces an include "
		   "by the addresses it lists today, which saves lookups but "
		   "must be redone when the provider changes them."),
	.commands = spf_commands,
	.state_size = sizeof(struct spf_state),
	.enter = spf_enter,
	.draw = spf_draw,
	.key = spf_key,
	.leave = spf_leave,
};
