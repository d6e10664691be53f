/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The DKIM screen: per sender, whether the provider holds the key (and
 * which selectors it signs with) or the operator's own key does; each
 * selector's record as published; key generation and rotation. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "util/i18n.h"
#include "providers/providers.h"
#include "store/state.h"
#include "util/xalloc.h"
#include "screens/lookup.h"
#include "screens/tui.h"
#include "screens/widgets.h"

#define DKIM_ROWS_MAX 48

/* One selector line. */
struct dkim_row {
	char *sender;    /* the sender's name, or NULL for a key of its own */
	char *selector;
	bool own;        /* the operator holds the key */
	char *key_path;  /* for own keys: where the private key is */
	char *algorithm; /* for own keys: "rsa" or "ed25519" */
	date_t created;  /* for own keys, or DATE_NONE */
	char *publish;   /* a key made here: the zone line to publish */
	struct lookup record;
};

struct dkim_state {
	struct dkim_row rows[DKIM_ROWS_MAX];
	size_t count;
	char *error;
	struct widget_list list;
	int height;
	struct widget_input prompt; /* the new key's selector */
	char *generating;           /* selector of a key being made */
	struct dkim_rotation_plan plan;
	bool show_plan;
};

static const enum command dkim_commands[] = {
	CMD_KEYGEN, CMD_ROTATE, CMD_RECHECK, CMD_NONE,
};

/* Adds a row and asks for its record. */
static struct dkim_row *dkim_row_add(struct app *app, struct dkim_state *st,
				     const char *sender, const char *selector,
				     bool own, const char *key_path)
{
	struct dkim_row *r;
	char *name;

	for (size_t i = 0; i < st->count; i++)
		if (strcmp(st->rows[i].selector, selector) == 0)
			return NULL;
	if (st->count >= DKIM_ROWS_MAX)
		return NULL;
	r = &st->rows[st->count++];
	r->sender = xstrdup_or_null(sender);
	r->selector = xstrdup(selector);
	r->own = own;
	r->key_path = xstrdup_or_null(key_path);
	r->created = DATE_NONE;
	name = xasprintf("%s._domainkey.%s", selector, app->domain);
	lookup_start(app, &r->record, name, DNS_T_TXT);
	free(name);
	return r;
}

/* Builds the rows from the keys and the inventory. */
static void dkim_enter(struct app *app, void *state)
{
	struct dkim_state *st = state;
	struct store *store = tui_store(app);
	const struct providers *cat = tui_providers(app);
	struct state_dkim_key *keys = NULL;
	struct state_sender *senders = NULL;
	size_t nkeys = 0, nsenders = 0;
	struct err err = ERR_INIT;

	if (!store) {
		st->error = xstrdup(session_store_error(app->session));
		return;
	}
	if (state_dkim_key_list(store, app->domain, &keys, &nkeys, &err) !=
		STATUS_OK ||
	    state_sender_list(store, app->domain, &senders, &nsenders,
			      &err) != STATUS_OK) {
		st->error = xstrdup(err_message(&err));
		goto out;
	}
	for (size_t i = 0; i < nkeys; i++) {
		struct dkim_row *r = dkim_row_add(
		    app, st, keys[i].provider, keys[i].selector,
		    keys[i].key_path != NULL, keys[i].key_path);

		if (r) {
			r->created = keys[i].created;
			r->algorithm = xstrdup_or_null(keys[i].algorithm);
		}
	}
	for (size_t i = 0; cat && i < nsenders; i++) {
		const struct provider *p;

		if (senders[i].kind != SENDER_PROVIDER)
			continue;
		p = providers_find(cat, senders[i].value);
		for (size_t j = 0; p && j < p->ndkim_selectors; j++)
			dkim_row_add(app, st, p->name, p->dkim_selectors[j],
				     false, NULL);
	}
out:
	state_dkim_keys_free(keys, nkeys);
	state_senders_free(senders, nsenders);
	err_done(&err);
}

/* Draws the selected row's details on the last two lines. */
static void dkim_draw_detail(struct app *app, const struct dkim_row *r,
			     WINDOW *win, int y, int cols)
{
	char *problem = lookup_problem(app, &r->record, "");

	if (problem)
		widget_text(win, y, 1, cols - 2, tui_attr(app, TUI_WARN),
			    problem);
	else
		widget_textf(win, y, 1, cols - 2, A_NORMAL, "%s: %s",
			     r->record.name, r->record.records[0]);
	free(problem);
	if (r->publish && lookup_short(app, &r->record, ""))
		widget_textf(win, y - 1, 1, cols - 2, A_NORMAL,
			     _("Publish: %s"), r->publish);
	if (r->key_path)
		widget_textf(win, y + 1, 1, cols - 2, A_NORMAL,
			     _("Private key: %s"), r->key_path);
}

/* Draws the rotation plan of the selected key. */
static void dkim_draw_plan(struct app *app, struct dkim_state *st,
			   WINDOW *win, int y, int rows, int cols)
{
	widget_textf(win, y++, 1, cols - 2, A_BOLD,
		     _("Rotating %s to %s (R closes)"), st->plan.old_selector,
		     st->plan.new_selector);
	for (size_t i = 0; i < st->plan.count && y < rows; i++) {
		const struct dkim_rotation_step *step = &st->plan.steps[i];
		char day[DATE_BUFSIZE];

		widget_textf(win, y, 1, 11, A_BOLD, "%s",
			     date_format(step->date, day));
		widget_text(win, y++, 13, cols - 14, A_NORMAL, step->title);
		if (step->name && y < rows)
			widget_textf(win, y++, 13, cols - 14,
				     tui_attr(app, TUI_DIM), "%s%s%s",
				     step->name, step->record ? "  " : "",
				     step->record ? step->record : "");
	}
}

/* Draws the selector table. */
static void dkim_draw(struct app *app, void *state, WINDOW *win)
{
	struct dkim_state *st = state;
	int rows = getmaxy(win), cols = getmaxx(win);
	int list_rows = rows - 5;

	widget_textf(win, 0, 1, cols - 2, A_BOLD, _("DKIM of %s"),
		     app->domain);
	if (st->error) {
		widget_wrap(win, 2, 1, cols - 2, rows, 0,
			    tui_attr(app, TUI_BAD), st->error);
		return;
	}
	widget_text(win, 1, 1, 14, A_UNDERLINE, _("Selector"));
	widget_text(win, 1, 16, 22, A_UNDERLINE, _("Key held by"));
	widget_text(win, 1, 39, cols - 40, A_UNDERLINE, _("Published"));
	if (st->show_plan) {
		dkim_draw_plan(app, st, win, 2, rows, cols);
		return;
	}
	if (st->prompt.active)
		widget_input_draw(win, rows - 1, 1, cols - 2,
				  _("Selector of the new key:"), &st->prompt,
				  A_NORMAL);
	else if (st->generating)
		widget_textf(win, rows - 1, 1, cols - 2, A_BOLD,
			     _("Generating a %d-bit RSA key for %s ..."),
			     DKIM_RSA_DEFAULT_BITS, st->generating);
	if (st->count == 0)
		widget_wrap(win, 2, 1, cols - 2, rows, 0, A_NORMAL,
			    _("No selector known: add senders first, or "
			      "generate a key of your own."));
	st->height = list_rows;
	widget_list_clamp(&st->list, st->count, list_rows);
	for (int i = 0; i < list_rows; i++) {
		size_t k = st->list.top + (size_t)i;
		struct dkim_row *r;
		const char *problem;
		int attr = k == st->list.selected ? A_REVERSE : A_NORMAL;

		if (k >= st->count)
			break;
		r = &st->rows[k];
		problem = lookup_short(app, &r->record, "");
		if (attr != A_NORMAL) {
			wattron(win, attr);
			mvwhline(win, 2 + i, 0, ' ', cols);
			wattroff(win, attr);
		}
		widget_text(win, 2 + i, 1, 14, attr, r->selector);
		if (r->own && r->created != DATE_NONE) {
			struct dkim_key_age age = dkim_key_age(
			    r->created, app->cli->now, DKIM_ROTATION_DAYS);
			char due[DATE_BUFSIZE];

			widget_textf(win, 2 + i, 16, 22,
				     age.is_due ? attr | tui_attr(app, TUI_WARN)
						: attr,
				     _("you, rotate %s"),
				     date_format(age.due, due));
		} else
			widget_text(win, 2 + i, 16, 22, attr,
				    r->own ? _("you")
					   : (r->sender ? r->sender
							: _("unknown")));
		if (problem)
			widget_text(win, 2 + i, 39, cols - 40,
				    attr | tui_attr(app, TUI_WARN), problem);
		else
			widget_text(win, 2 + i, 39, cols - 40,
				    attr | tui_attr(app, TUI_GOOD),
				    r->record.records[0]);
	}
	if (st->count && st->list.selected < st->count &&
	    !st->prompt.active && !st->generating)
		dkim_draw_detail(app, &st->rows[st->list.selected], win,
				 rows - 2, cols);
}

/* The default selector of a new key: YYYYMM of today. */
static void default_selector(const struct app *app, char *buf, size_t size)
{
	char day[DATE_BUFSIZE];

	date_format(app->cli->now, day);
	snprintf(buf, size, "%.4s%.2s", day, day + 5);
}

/* Makes the key the prompt named (the work of one unit, after the screen
 * said it is generating): the private key goes to a file only its owner
 * reads, the database keeps its path. */
static bool dkim_work(struct app *app, void *state)
{
	struct dkim_state *st = state;
	struct dkim_generated gen;
	struct err err = ERR_INIT;
	char *dir = app->demo_dir ? xasprintf("%s/keys", app->demo_dir)
				  : NULL;
	struct dkim_keygen_options o = {
		.domain = app->domain,
		.selector = st->generating,
		.type = DKIM_KEY_RSA,
		.dir = dir,
		.record = state_dkim_keygen_record,
		.record_arg = tui_store(app),
		.today = app->cli->now,
	};

	memset(&gen, 0, sizeof gen);
	if (!st->generating)
		goto out;
	if (dkim_keygen(&o, &gen, &err) != STATUS_OK) {
		tui_error(app, "%s", err_message(&err));
	} else {
		struct dkim_row *r = dkim_row_add(app, st, NULL, gen.selector,
						  true, gen.path);

		if (r) {
			r->created = app->cli->now;
			r->algorithm = xstrdup("rsa");
			r->publish = dkim_zone_line(gen.name, gen.strings,
						    gen.nstrings);
			st->list.selected = (size_t)(r - st->rows);
		}
		tui_message(app, _("Key %s made; the private key is in %s."),
			    gen.selector, gen.path);
	}
	dkim_generated_done(&gen);
out:
	free(st->generating);
	st->generating = NULL;
	free(dir);
	err_done(&err);
	return false;
}

/* R: shows (or hides) the rotation plan of the selected own key. */
static void dkim_rotate(struct app *app, struct dkim_state *st)
{
	struct dkim_rotation_options o;
	const struct dkim_row *r;

	if (st->show_plan) {
		st->show_plan = false;
		return;
	}
	if (st->list.selected >= st->count ||
	    !st->rows[st->list.selected].own) {
		tui_error(app, _("Choose a key you hold: a provider rotates "
				 "its own keys."));
		return;
	}
	r = &st->rows[st->list.selected];
	memset(&o, 0, sizeof o);
	o.domain = app->domain;
	o.old_selector = r->selector;
	o.old_type = r->algorithm && strcmp(r->algorithm, "ed25519") == 0
			 ? DKIM_KEY_ED25519
			 : DKIM_KEY_RSA;
	o.today = app->cli->now;
	dkim_rotation_plan_done(&st->plan);
	memset(&st->plan, 0, sizeof st->plan);
	dkim_rotation_plan_build(&o, &st->plan);
	st->show_plan = true;
}

/* Keys. */
static bool dkim_key(struct app *app, void *state, struct tui_key key,
		     enum command cmd)
{
	struct dkim_state *st = state;

	if (st->prompt.active) {
		switch (widget_input_key(&st->prompt, key)) {
		case INPUT_DONE:
			if (st->prompt.len) {
				st->generating = xstrdup(st->prompt.text);
				tui_work_start(app);
			}
			return true;
		case INPUT_IGNORED:
			return false;
		default:
			return true;
		}
	}
	if (cmd == CMD_ROTATE) {
		dkim_rotate(app, st);
		return true;
	}
	if (st->show_plan && cmd == CMD_BACK) {
		st->show_plan = false;
		return true;
	}
	if (cmd == CMD_KEYGEN && !st->generating) {
		char sel[16];

		default_selector(app, sel, sizeof sel);
		widget_input_start(&st->prompt, sel);
		return true;
	}
	if (widget_list_key(&st->list, cmd, st->count, st->height))
		return true;
	if (cmd == CMD_RECHECK) {
		for (size_t i = 0; i < st->count; i++) {
			char *name = xstrdup(st->rows[i].record.name);

			lookup_start(app, &st->rows[i].record, name,
				     DNS_T_TXT);
			free(name);
		}
		return true;
	}
	return false;
}

/* Frees the rows. */
static void dkim_leave(struct app *app, void *state)
{
	struct dkim_state *st = state;

	for (size_t i = 0; i < st->count; i++) {
		free(st->rows[i].sender);
		free(st->rows[i].selector);
		free(st->rows[i].key_path);
		free(st->rows[i].algorithm);
		free(st->rows[i].publish);
		lookup_done(&st->rows[i].record);
	}
	free(st->error);
	free(st->generating);
	dkim_rotation_plan_done(&st->plan);
}

const struct screen screen_dkim = {
	.name = "dkim",
	.title = N_("DKIM"),
	.help = N_("DKIM signs each message with a key whose public half is "
		   "published at SELECTOR._domainkey.DOMAIN. Services such as "
		   "Google Workspace or SendGrid hold their own keys: you "
		   "publish the record or CNAME they give you. For your own "
		   "servers, generate a key here: the private key is written "
		   "to a file only you can read, and only its path is shown. "
		   "Rotate keys twice a year: publish a new selector, switch "
		   "signing, keep the old record a week, then revoke it."),
	.commands = dkim_commands,
	.state_size = sizeof(struct dkim_state),
	.enter = dkim_enter,
	.draw = dkim_draw,
	.key = dkim_key,
	.leave = dkim_leave,
	.work = dkim_work,
};
