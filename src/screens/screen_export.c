/* The export screen: the records of the plan as a BIND zone snippet, an
 * nsupdate script or JSON; preview and write to a file. */
#include "config.h"

#include "core/i18n.h"
#include "screens/tui.h"
#include "screens/widgets.h"

/* Draws what this build can show. */
static void export_draw(struct app *app, void *state, WINDOW *win)
{
	int rows = getmaxy(win), cols = getmaxx(win);

	widget_textf(win, 0, 1, cols - 2, A_BOLD, _("Export for %s"),
		     app->domain);
	widget_wrap(win, 2, 1, cols - 2, rows, 0, A_NORMAL,
		    _("This build cannot export records yet."));
}

const struct screen screen_export = {
	.name = "export",
	.title = N_("Export"),
	.help = N_("The records of the plan, ready for your DNS: the SPF "
		   "record (and its _spf parts when split), every DKIM "
		   "selector split into strings of at most 255 octets, the "
		   "DMARC record of the current or next rung, and the "
		   "_report._dmarc records other domains must publish to "
		   "accept your reports. As a BIND zone snippet, an nsupdate "
		   "script that replaces only the exact old values, or JSON."),
	.draw = export_draw,
};
