/* The export screen: the records of the plan as a BIND zone snippet, an
 * nsupdate script or JSON; preview and write to a file. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/rollout.h"
#include "core/xalloc.h"
#include "core/zone.h"
#include "screens/tui.h"
#include "screens/widgets.h"

enum export_format { EXPORT_BIND, EXPORT_NSUPDATE, EXPORT_JSON };

struct export_state {
	struct rollout_inputs inputs;
	struct rollout_plan plan;
	struct zone_records records;
	bool loaded;
	enum export_format format;
	char *text;  /* the preview of the current format */
	char *error; /* why there is no preview */
	int scroll;
	int height;
	struct widget_input prompt;
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

/* Renders the records in the current format into st->text. The nsupdate
 * form asks DNS for the values it replaces (zone_find_old), which is
 * instant offline and a few round trips live. */
static void export_render(struct app *app, struct export_state *st)
{
	struct err err = ERR_INIT;
	json_t *o;

	free(st->text);
	st->text = NULL;
	free(st->error);
	st->error = NULL;
	st->scroll = 0;
	switch (st->format) {
	case EXPORT_BIND:
		if (zone_format_bind(&st->records, &st->text, &err))
			st->error = xstrdup(err_message(&err));
		break;
	case EXPORT_NSUPDATE:
		if (!tui_dns(app))
			st->error = xstrdup(app->dns_error ? app->dns_error
							   : _("no resolver"));
		else if (zone_find_old(&st->records, tui_dns(app), &err))
			st->error = xstrdup(err_message(&err));
		else
			st->text = zone_format_nsupdate(&st->records);
		break;
	case EXPORT_JSON:
		o = zone_format_json(&st->records);
		st->text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(o);
		break;
	}
	err_done(&err);
}

/* Collects the plan's records. */
static void export_enter(struct app *app, void *state)
{
	struct export_state *st = state;
	struct store *store = tui_store(app);
	struct err err = ERR_INIT;

	if (!store) {
		st->error = xstrdup(app->store_error);
		return;
	}
	if (rollout_inputs_load(store, tui_dns(app), tui_providers(app),
				app->domain, app->cli->now, &st->inputs,
				&err) != STATUS_OK) {
		st->error = xstrdup(err_message(&err));
		err_done(&err);
		return;
	}
	rollout_decide(&st->inputs, app->cli->now, &st->plan);
	zone_collect(&st->inputs, &st->plan, &st->records);
	st->loaded = true;
	export_render(app, st);
}

/* Draws the preview, one line of the snippet per row. */
static void export_draw(struct app *app, void *state, WINDOW *win)
{
	struct export_state *st = state;
	int rows = getmaxy(win), cols = getmaxx(win), y = 2, line = 0;
	const char *p;

	widget_textf(win, 0, 1, cols - 2, A_BOLD,
		     /* TRANSLATORS: %s is BIND, nsupdate or JSON. */
		     _("Export for %s as %s"), app->domain,
		     format_label(st->format));
	st->height = rows - 4;
	if (st->error) {
		widget_wrap(win, 2, 1, cols - 2, rows, 0,
			    tui_attr(app, TUI_BAD), st->error);
	} else if (st->text) {
		for (p = st->text; *p && y < rows - 2; line++) {
			size_t len = strcspn(p, "\n");
			char *one = xstrndup(p, len);

			if (line >= st->scroll)
				widget_text(win, y++, 1, cols - 2, A_NORMAL, one);
			free(one);
			p += len + (p[len] == '\n');
		}
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
		tui_error(app, "%s", st->error ? st->error : _("nothing to write"));
		return;
	}
	if (zone_write_atomic(st->prompt.text, st->text, strlen(st->text),
			      &err) == STATUS_OK)
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
	switch (cmd) {
	case CMD_UP:
		if (st->scroll > 0)
			st->scroll--;
		return true;
	case CMD_DOWN:
		st->scroll++;
		return true;
	case CMD_FORMAT:
		if (!st->loaded)
			return true;
		st->format = (st->format + 1) % 3;
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

	if (st->loaded) {
		zone_records_done(&st->records);
		rollout_plan_done(&st->plan);
		rollout_inputs_done(&st->inputs);
	}
	free(st->text);
	free(st->error);
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
