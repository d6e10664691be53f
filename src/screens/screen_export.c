/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The export screen: the records of the plan as a BIND zone snippet, an
 * nsupdate script or JSON; preview and write to a file. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "plan/rollout.h"
#include "util/outfile.h"
#include "util/xalloc.h"
#include "export/zone.h"
#include "screens/plan.h"
#include "screens/tui.h"
#include "screens/widgets.h"

enum export_format { EXPORT_BIND, EXPORT_NSUPDATE, EXPORT_JSON };

struct export_state {
	struct screen_plan sp;          /* the plan */
	struct screen_plan_records rec; /* its records, when sp.loaded */
	enum export_format format;
	char *text;                /* the preview of the current format */
	char *error;               /* why there is no preview */
	struct widget_pager pager; /* the preview, long lines wrapped */
	struct widget_input prompt;
	struct app *app;
	struct worker *loading; /* the plan's loading, or NULL */
	bool rendered;          /* the preview follows the loaded plan */
};

static const enum command export_commands[] = {
	CMD_UP, CMD_DOWN, CMD_FORMAT, CMD_WRITE, CMD_NONE,
};

/* The name of a format as the operator sees it. */
static const char *format_label(enum export_format format)
{
	switch (format) {
	case EXPORT_NSUPDATE:
		return "nsupdate";
	case EXPORT_JSON:
		return "JSON";
	case EXPORT_BIND:
		break;
	}
	return "BIND";
}

/* Frees the plan and records of an earlier run. */
static void export_clear(struct export_state *st)
{
	screen_plan_records_clear(&st->rec);
	screen_plan_clear(&st->sp);
	free(st->error);
	st->error = NULL;
}

static void export_render(struct app *app, struct export_state *st);

/* Takes the plan, its records and what each replaces with the TTL it
 * is served with (as the export command finds them) when the worker
 * is done, and renders the preview. */
static void export_collect(struct app *app, struct export_state *st)
{
	if (!screen_plan_take(st->loading, &st->sp, &st->rec))
		return;
	worker_free(st->loading);
	st->loading = NULL;
	free(st->error);
	st->error = NULL;
	if (!st->sp.loaded) {
		st->error = xstrdup(st->sp.error ? st->sp.error : "");
		return;
	}
	st->rendered = true;
	export_render(app, st);
}

/* Renders the records in the current format into st->text. */
static void export_render(struct app *app, struct export_state *st)
{
	struct err err = ERR_INIT;
	json_t *o;

	(void)app;
	free(st->text);
	st->text = NULL;
	free(st->error);
	st->error = NULL;
	st->pager.scroll = 0;
	if (st->rec.dns_error) {
		st->error = xstrdup(st->rec.dns_error);
		return;
	}
	switch (st->format) {
	case EXPORT_BIND:
		if (zone_format_bind(&st->rec.records, &st->text, &err))
			st->error = xstrdup(err_message(&err));
		break;
	case EXPORT_NSUPDATE:
		st->text = zone_format_nsupdate(&st->rec.records);
		break;
	case EXPORT_JSON:
		o = zone_format_json(&st->rec.records);
		st->text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(o);
		break;
	}
	err_done(&err);
}

/* Starts collecting the plan's records on a worker: the report
 * analysis, the DNS it asks and the preview's look-ups never stall
 * typing. */
static void export_enter(struct app *app, void *state)
{
	struct export_state *st = state;

	st->app = app;
	if (!tui_store(app)) {
		st->error = xstrdup(session_store_error(app->session));
		return;
	}
	st->loading = screen_plan_start(app, true);
}

/* Draws the preview into pad (NULL: only counts); returns the rows it
 * takes. Rows, not lines, scroll: a DKIM record wraps over several,
 * each continued row marked. */
static int export_preview(struct app *app, const char *text, WINDOW *pad,
			  int cols)
{
	int row = 0, max_y = pad ? getmaxy(pad) : 0;

	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		char *one = xstrndup(p, len);

		row += widget_wrap_hard(pad ? pad : stdscr, row, 1, cols - 2,
					max_y, 0, A_NORMAL,
					tui_attr(app, TUI_DIM), one);
		free(one);
		p += len + (p[len] == '\n');
	}
	return row;
}

/* Draws the preview, one line of the snippet per row. */
static void export_draw(struct app *app, void *state, WINDOW *win)
{
	struct export_state *st = state;
	int rows = getmaxy(win), cols = getmaxx(win);

	widget_textf(win, 0, 1, cols - 2, A_BOLD,
		     /* TRANSLATORS: %s is BIND, nsupdate or JSON. */
		     _("Export for %s as %s"), app->domain,
		     format_label(st->format));
	export_collect(app, st);
	if (st->loading) {
		widget_text(win, 2, 1, cols - 2, A_NORMAL,
			    _("Asking DNS about the plan's report sources "
			      "and the records served now ..."));
	} else if (st->error) {
		widget_wrap(win, 2, 1, cols - 2, rows, 0,
			    tui_attr(app, TUI_BAD), st->error);
	} else if (st->text) {
		int total = export_preview(app, st->text, NULL, cols);
		WINDOW *pad = widget_pager_pad(total, cols);

		if (pad)
			export_preview(app, st->text, pad, cols);
		widget_pager_show(&st->pager, pad, total, win, 2, rows - 4,
				  A_NORMAL);
	}
	if (st->prompt.active)
		widget_input_draw(win, rows - 1, 1, cols - 2,
				  _("Write to (Tab completes):"), &st->prompt,
				  A_NORMAL);
	else
		widget_text(win, rows - 1, 1, cols - 2, tui_attr(app, TUI_DIM),
			    _("F format  w write to a file  arrows scroll"));
}

/* The file name offered when writing. */
static char *export_default_path(const struct app *app,
				 const struct export_state *st)
{
	static const char *const suffix[] = {
		[EXPORT_BIND] = "zone",
		[EXPORT_NSUPDATE] = "nsupdate",
		[EXPORT_JSON] = "json",
	};

	return xasprintf("%s.%s", app->domain, suffix[st->format]);
}

/* Writes the preview atomically to the path typed. */
static void export_write(struct app *app, struct export_state *st)
{
	struct err err = ERR_INIT;

	if (!st->text) {
		tui_error(app, "%s",
			  st->error ? st->error : _("nothing to write"));
		return;
	}
	if (outfile_write(st->prompt.text, st->text, strlen(st->text), &err) ==
	    STATUS_OK)
		tui_message(app, _("Wrote %s"), st->prompt.text);
	else
		tui_error(app, "%s", err_message(&err));
	err_done(&err);
}

/* Keys: format, write, scroll. */
static bool export_key(struct app *app, void *state, struct tui_key key,
		       enum command cmd)
{
	struct export_state *st = state;

	if (st->prompt.active) {
		switch (widget_input_key(&st->prompt, key)) {
		case INPUT_DONE:
			st->prompt.active = false;
			if (st->prompt.len)
				export_write(app, st);
			return true;
		case INPUT_IGNORED:
			return false;
		default:
			return true;
		}
	}
	if (widget_pager_key(&st->pager, cmd))
		return true;
	switch (cmd) {
	case CMD_FORMAT:
		st->format = (st->format + 1) % 3;
		if (st->sp.loaded && st->rendered)
			export_render(app, st);
		return true;
	case CMD_WRITE: {
		char *path = export_default_path(app, st);

		st->prompt.complete_files = true;
		widget_input_start(&st->prompt, path);
		free(path);
		return true;
	}
	default:
		return false;
	}
}

/* Frees the screen. */
static void export_leave(struct app *app, void *state)
{
	struct export_state *st = state;

	worker_free(st->loading);
	export_clear(st);
	free(st->text);
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
	.commands = export_commands,
	.state_size = sizeof(struct export_state),
	.enter = export_enter,
	.draw = export_draw,
	.key = export_key,
	.leave = export_leave,
};
