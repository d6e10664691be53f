/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The senders screen: the domain's inventory of services and ranges that
 * send its mail, a filter-as-you-type search of the catalogue
 * (providers.ini), custom ranges, and what each sender costs in SPF and
 * needs for DKIM. Changes are staged and saved with s. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "providers/providers.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "app/providers.h"
#include "screens/tui.h"
#include "screens/widgets.h"

/* A change not saved yet. */
struct staged {
	char *spec; /* what to add, or the removed sender's spec */
	int64_t id; /* the sender to remove, or 0 for an addition */
};

struct senders_state {
	struct state_sender *senders;
	size_t count;
	char *error;
	struct staged *staged;
	size_t nstaged, capstaged;
	bool catalogue; /* the add pane is open */
	struct widget_input filter;
	const struct provider **matches;
	size_t nmatches;
	struct widget_list list, catlist;
	int height;
	bool warned; /* told that leaving drops the staged changes */
};

static const enum command senders_commands[] = {
	CMD_ADD, CMD_FILTER, CMD_DELETE, CMD_SAVE, CMD_NONE,
};

/* Reads the inventory from the database. */
static void senders_load(struct app *app, struct senders_state *st)
{
	struct store *store = tui_store(app);
	struct err err = ERR_INIT;

	state_senders_free(st->senders, st->count);
	st->senders = NULL;
	st->count = 0;
	free(st->error);
	st->error = NULL;
	if (!store) {
		st->error = xstrdup(session_store_error(app->session));
		return;
	}
	if (state_sender_list(store, app->domain, &st->senders, &st->count,
			      &err) != STATUS_OK)
		st->error = xstrdup(err_message(&err));
	err_done(&err);
}

/* Runs the catalogue filter on what is typed. */
static void senders_filter(struct app *app, struct senders_state *st)
{
	/* The same search as dmarcpilot sender providers TEXT. */
	free(st->matches);
	if (app_providers_search(app->session, st->filter.text, &st->matches,
				 &st->nmatches, NULL) != STATUS_OK)
		st->nmatches = 0;
}

/* Opens the screen. */
static void senders_enter(struct app *app, void *state)
{
	struct senders_state *st = state;

	senders_load(app, st);
	st->filter.complete_files = false;
}

/* The row count of the inventory as shown: saved plus staged additions. */
static size_t inventory_rows(const struct senders_state *st)
{
	size_t n = st->count;

	for (size_t i = 0; i < st->nstaged; i++)
		if (st->staged[i].id == 0)
			n++;
	return n;
}

/* True when a saved sender is staged for removal. */
static bool staged_removal(const struct senders_state *st, int64_t id)
{
	for (size_t i = 0; i < st->nstaged; i++)
		if (st->staged[i].id == id)
			return true;
	return false;
}

/* RFC 7208 4.6.4: ip4, ip6 and all cost no DNS lookup; a, mx, include,
 * exists, ptr and redirect cost one each, an include also what its own
 * record costs. Returns the text for the cost column. */
static const char *mechanism_cost(const char *mechanism)
{
	if (!mechanism)
		return "0";
	if (text_ieqn(mechanism, "ip4:", 4) || text_ieqn(mechanism, "ip6:", 4))
		return "0";
	if (text_ieqn(mechanism, "include:", 8))
		/* TRANSLATORS: one lookup plus those of the included
		 * record. */
		return _("1+");
	return "1";
}

/* What a provider-less sender needs for DKIM. */
static const char *own_dkim(void)
{
	return _("own key (DKIM step)");
}

/* Draws one inventory row. */
static void draw_sender(struct app *app, WINDOW *win, int y, int cols,
			const char *spec, const struct provider *p,
			const char *mechanism, int attr, const char *mark)
{
	struct strbuf dkim = STRBUF_INIT;

	if (attr != A_NORMAL) {
		wattron(win, attr);
		mvwhline(win, y, 0, ' ', cols);
		wattroff(win, attr);
	}
	widget_text(win, y, 1, 2, attr | A_BOLD, mark);
	widget_text(win, y, 3, 24, attr, p ? p->name : spec);
	widget_text(win, y, 28, 30, attr,
		    mechanism ? mechanism : _("(nothing to add)"));
	widget_text(win, y, 59, 6, attr, mechanism_cost(mechanism));
	if (p && p->ndkim_selectors) {
		for (size_t i = 0; i < p->ndkim_selectors; i++)
			strbuf_addf(&dkim, "%s%s", i ? " " : "",
				    p->dkim_selectors[i]);
	} else if (p) {
		strbuf_addstr(&dkim, _("see provider"));
	} else {
		strbuf_addstr(&dkim, own_dkim());
	}
	widget_text(win, y, 66, cols - 67, attr, strbuf_str(&dkim));
	strbuf_done(&dkim);
}

/* Draws the inventory pane. */
static void draw_inventory(struct app *app, struct senders_state *st,
			   WINDOW *win, int rows, int cols)
{
	const struct providers *cat = tui_providers(app);
	size_t total = inventory_rows(st);
	int list_rows = rows - 5;

	widget_textf(win, 0, 1, cols - 2, A_BOLD, _("Who sends mail as %s"),
		     app->domain);
	widget_text(win, 1, 3, 24, A_UNDERLINE, _("Sender"));
	widget_text(win, 1, 28, 30, A_UNDERLINE, _("Adds to SPF"));
	/* TRANSLATORS: column of SPF DNS lookups; 6 columns wide. */
	widget_text(win, 1, 59, 6, A_UNDERLINE, _("Cost"));
	widget_text(win, 1, 66, cols - 67, A_UNDERLINE, _("DKIM"));
	if (total == 0)
		widget_wrap(win, 3, 1, cols - 2, rows - 2, 0, A_NORMAL,
			    _("No sender yet. Press a and type the name of a "
			      "service (Google, SendGrid ...), or a range "
			      "such as ip4:192.0.2.0/24."));
	st->height = list_rows;
	widget_list_clamp(&st->list, total, list_rows);
	for (int i = 0; i < list_rows; i++) {
		size_t k = st->list.top + (size_t)i;
		int attr = k == st->list.selected ? A_REVERSE : A_NORMAL;

		if (k >= total)
			break;
		if (k < st->count) {
			const struct state_sender *s = &st->senders[k];
			char *spec = state_sender_spec(s);
			char *mech = state_sender_mechanism(s, cat);
			const struct provider *p =
			    s->kind == SENDER_PROVIDER && cat
				? providers_find(cat, s->value)
				: NULL;

			draw_sender(app, win, 2 + i, cols, spec, p, mech, attr,
				    staged_removal(st, s->id) ? "-" : " ");
			free(mech);
			free(spec);
		} else {
			size_t n = k - st->count, j;
			const struct provider *p;

			for (j = 0; j < st->nstaged; j++)
				if (st->staged[j].id == 0 && n-- == 0)
					break;
			p = cat ? providers_find(cat, st->staged[j].spec)
				: NULL;
			draw_sender(app, win, 2 + i, cols, st->staged[j].spec,
				    p, p ? p->spf : st->staged[j].spec, attr,
				    "+");
		}
	}
	if (st->nstaged)
		widget_textf(win, rows - 1, 1, cols - 2,
			     tui_attr(app, TUI_WARN),
			     P_("%zu change not saved: s saves it, q asks.",
				"%zu changes not saved: s saves them, q asks.",
				st->nstaged),
			     st->nstaged);
	else
		widget_text(win, rows - 1, 1, cols - 2, tui_attr(app, TUI_DIM),
			    _("a adds a sender, d removes the selected one."));
}

/* Draws the catalogue pane with its filter. */
static void draw_catalogue(struct app *app, struct senders_state *st,
			   WINDOW *win, int rows, int cols)
{
	int list_rows = rows - 4;

	widget_text(win, 0, 1, cols - 2, A_BOLD,
		    _("Add a sender: type part of a service's name, or a "
		      "range (ip4:CIDR, ip6:CIDR, a:HOST, mx, include:HOST)"));
	widget_input_draw(win, 1, 1, cols - 2, _("Filter:"), &st->filter,
			  A_NORMAL);
	if (!tui_providers(app)) {
		widget_wrap(win, 3, 1, cols - 2, rows, 0,
			    tui_attr(app, TUI_BAD),
			    session_providers_error(app->session));
		return;
	}
	if (st->nmatches == 0)
		widget_text(win, 3, 1, cols - 2, A_NORMAL,
			    _("No service matches; Enter adds what you typed "
			      "as a custom sender."));
	st->height = list_rows;
	widget_list_clamp(&st->catlist, st->nmatches, list_rows);
	for (int i = 0; i < list_rows; i++) {
		size_t k = st->catlist.top + (size_t)i;
		const struct provider *p;
		int attr = k == st->catlist.selected ? A_REVERSE : A_NORMAL;

		if (k >= st->nmatches)
			break;
		p = st->matches[k];
		if (attr != A_NORMAL) {
			wattron(win, attr);
			mvwhline(win, 3 + i, 0, ' ', cols);
			wattroff(win, attr);
		}
		/* The ID is what dmarcpilot sender add takes. */
		widget_text(win, 3 + i, 1, 22, attr, p->name);
		widget_text(win, 3 + i, 24, 19, attr | A_BOLD, p->id);
		widget_text(win, 3 + i, 44, 13, attr,
			    provider_category_name(p->category));
		widget_text(win, 3 + i, 58, cols - 59, attr,
			    p->spf ? p->spf : _("(no SPF include)"));
	}
	widget_text(win, rows - 1, 1, cols - 2, tui_attr(app, TUI_DIM),
		    _("Enter adds the selected service; Esc goes back to the "
		      "inventory."));
}

/* Draws the screen. */
static void senders_draw(struct app *app, void *state, WINDOW *win)
{
	struct senders_state *st = state;
	int rows = getmaxy(win), cols = getmaxx(win);

	if (st->error) {
		widget_wrap(win, 0, 1, cols - 2, rows, 0,
			    tui_attr(app, TUI_BAD), st->error);
		return;
	}
	if (st->catalogue)
		draw_catalogue(app, st, win, rows, cols);
	else
		draw_inventory(app, st, win, rows, cols);
}

/* Stages an addition after checking it parses. */
static void stage_add(struct app *app, struct senders_state *st,
		      const char *spec)
{
	enum sender_kind kind;
	char *value = NULL;
	struct err err = ERR_INIT;

	if (state_sender_parse(spec, tui_providers(app), &kind, &value, &err) !=
	    STATUS_OK) {
		tui_error(app, "%s", err_message(&err));
		goto out;
	}
	for (size_t i = 0; i < st->count; i++) {
		if (st->senders[i].kind == kind &&
		    strcmp(st->senders[i].value, value) == 0) {
			tui_error(app, _("%s is in the inventory already."),
				  spec);
			goto out;
		}
	}
	st->staged = xgrow(st->staged, &st->capstaged, st->nstaged + 1,
			   sizeof *st->staged);
	st->staged[st->nstaged].spec = xstrdup(spec);
	st->staged[st->nstaged].id = 0;
	st->nstaged++;
	app->unsaved = true;
	tui_message(app, _("%s staged; s saves."), spec);
out:
	free(value);
	err_done(&err);
}

/* Drops staged change i. */
static void unstage(struct senders_state *st, size_t i)
{
	free(st->staged[i].spec);
	memmove(&st->staged[i], &st->staged[i + 1],
		(st->nstaged - i - 1) * sizeof *st->staged);
	st->nstaged--;
}

/* d: stages the removal of a saved sender, or drops a staged addition. */
static void stage_remove(struct app *app, struct senders_state *st)
{
	size_t k = st->list.selected;

	if (k < st->count) {
		int64_t id = st->senders[k].id;

		for (size_t i = 0; i < st->nstaged; i++)
			if (st->staged[i].id == id) {
				unstage(st, i);
				app->unsaved = st->nstaged > 0;
				return;
			}
		st->staged = xgrow(st->staged, &st->capstaged, st->nstaged + 1,
				   sizeof *st->staged);
		st->staged[st->nstaged].spec =
		    state_sender_spec(&st->senders[k]);
		st->staged[st->nstaged].id = id;
		st->nstaged++;
		app->unsaved = true;
		return;
	}
	k -= st->count;
	for (size_t i = 0; i < st->nstaged; i++)
		if (st->staged[i].id == 0 && k-- == 0) {
			unstage(st, i);
			break;
		}
	app->unsaved = st->nstaged > 0;
}

/* s: writes the staged changes. */
static void senders_save(struct app *app, struct senders_state *st)
{
	struct store *store = tui_store(app);
	struct err err = ERR_INIT;
	size_t done = 0;

	if (!store) {
		tui_error(app, "%s", session_store_error(app->session));
		return;
	}
	while (st->nstaged > 0) {
		struct staged *s = &st->staged[0];
		enum status rc;

		if (s->id) {
			char *which = xasprintf("%lld", (long long)s->id);

			rc = state_sender_remove(store, app->domain, which,
						 &err);
			free(which);
		} else {
			rc = state_sender_add(store, app->domain, s->spec, NULL,
					      tui_providers(app), app->now,
					      NULL, &err);
		}
		if (rc != STATUS_OK) {
			tui_error(app, "%s", err_message(&err));
			break;
		}
		unstage(st, 0);
		done++;
	}
	err_done(&err);
	app->unsaved = st->nstaged > 0;
	senders_load(app, st);
	if (st->nstaged == 0)
		tui_message(app,
			    P_("Saved %zu change.", "Saved %zu changes.", done),
			    done);
}

/* Keys of the catalogue pane: typing filters. */
static bool catalogue_key(struct app *app, struct senders_state *st,
			  struct tui_key key, enum command cmd)
{
	switch (widget_input_key(&st->filter, key)) {
	case INPUT_CHANGED:
		senders_filter(app, st);
		st->catlist.selected = 0;
		return true;
	case INPUT_DONE:
		if (st->catlist.selected < st->nmatches)
			stage_add(app, st,
				  st->matches[st->catlist.selected]->id);
		else if (st->filter.len)
			stage_add(app, st, st->filter.text);
		st->catalogue = false;
		return true;
	case INPUT_CANCEL:
		st->catalogue = false;
		return true;
	case INPUT_MOVED:
		return true;
	case INPUT_IGNORED:
		break;
	}
	return widget_list_key(&st->catlist, cmd, st->nmatches, st->height);
}

/* Keys. */
static bool senders_key(struct app *app, void *state, struct tui_key key,
			enum command cmd)
{
	struct senders_state *st = state;

	if (st->catalogue)
		return catalogue_key(app, st, key, cmd);
	if (st->nstaged && !st->warned &&
	    (cmd == CMD_LEFT || cmd == CMD_RIGHT || cmd == CMD_BACK ||
	     cmd == CMD_GOTO)) {
		st->warned = true;
		tui_error(app, _("Changes are not saved: s saves them; the "
				 "same key again leaves without them."));
		return true;
	}
	st->warned = false;
	if (widget_list_key(&st->list, cmd, inventory_rows(st), st->height))
		return true;
	switch (cmd) {
	case CMD_ADD:
	case CMD_FILTER:
		st->catalogue = true;
		widget_input_start(&st->filter, NULL);
		senders_filter(app, st);
		st->catlist.selected = 0;
		return true;
	case CMD_DELETE:
		if (inventory_rows(st) > 0)
			stage_remove(app, st);
		return true;
	case CMD_SAVE:
		senders_save(app, st);
		return true;
	default:
		return false;
	}
}

/* Frees the screen; what is staged and not saved is dropped. */
static void senders_leave(struct app *app, void *state)
{
	struct senders_state *st = state;

	while (st->nstaged)
		unstage(st, 0);
	free(st->staged);
	app->unsaved = false;
	state_senders_free(st->senders, st->count);
	free(st->matches);
	free(st->error);
}

const struct screen screen_senders = {
	.name = "senders",
	.title = N_("Senders"),
	.help = N_("List every service and server that sends mail with your "
		   "domain in the From line: your mailbox provider, "
		   "newsletters, shops, ticket systems, your own servers. "
		   "SPF and DKIM are built from this list, and report sources "
		   "that match it count as known. Each sender shows the SPF "
		   "mechanism it adds, how many of the ten DNS lookups of RFC "
		   "7208 it costs, and its DKIM selectors. Changes are kept "
		   "until you save them with s."),
	.commands = senders_commands,
	.state_size = sizeof(struct senders_state),
	.enter = senders_enter,
	.draw = senders_draw,
	.key = senders_key,
	.leave = senders_leave,
};
