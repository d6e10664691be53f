/* The reports screen: import aggregate reports, totals, the sources per
 * IP with their class, and the weekly trend of the DMARC pass rate. */
#include "config.h"

#include "core/i18n.h"
#include "screens/tui.h"
#include "screens/widgets.h"

/* Draws what this build can show. */
static void reports_draw(struct app *app, void *state, WINDOW *win)
{
	int rows = getmaxy(win), cols = getmaxx(win);

	widget_textf(win, 0, 1, cols - 2, A_BOLD, _("Reports for %s"),
		     app->domain);
	widget_wrap(win, 2, 1, cols - 2, rows, 0, A_NORMAL,
		    _("This build cannot read DMARC reports yet."));
}

const struct screen screen_reports = {
	.name = "reports",
	.title = N_("Reports"),
	.help = N_("Receivers such as Gmail and Outlook send daily aggregate "
		   "reports to the rua address of the DMARC record: which IP "
		   "addresses sent how much mail as your domain and whether it "
		   "passed SPF and DKIM. Import them here (files, folders, "
		   ".gz, .zip, mailboxes). Sources that fail and match no "
		   "sender of your inventory must be understood before the "
		   "policy gets stricter."),
	.draw = reports_draw,
};
