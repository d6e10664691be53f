/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The DKIM screen: per sender, whether the provider holds the key (and
 * which selectors it signs with) or the operator's own key does; each
 * selector's record as published; key generation and rotation. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/dkim_rotate.h"
#include "app/keygen.h"
#include "dkim/dkim.h"
#include "util/i18n.h"
#include "providers/providers.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "screens/lookup.h"
#include "screens/plan.h"
#include "screens/stepper.h"
#include "screens/tui.h"
#include "screens/widgets.h"

#define DKIM_ROWS_MAX 48

/* One selector line. */
struct dkim_row {
	char *sender;   /* the sender's name, or NULL for a key of its own */
	char *provider; /* the catalogue ID of the service holding it */
	char *selector;
	bool own;        /* the operator holds the key */
	char *key_path;  /* for own keys: where the private key is */
	char *algorithm; /* for own keys: "rsa" or "ed25519" */
	date_t created;  /* for own keys, or DATE_NONE */
	char *publish;   /* a key made here: the zone line to publish */
	struct lookup record;
};

/* What the screen shows besides the selector table. */
enum dkim_view {
	DKIM_VIEW_LIST,
	DKIM_VIEW_ROTATION, /* the rotation of the domain's own key */
	DKIM_VIEW_PROVIDER, /* a service that holds its own key */
};

/* The work a key started, done by dkim_work() once drawn. */
enum dkim_job {
	DKIM_JOB_NONE,
	DKIM_JOB_KEYGEN,         /* a key of the operator's own */
	DKIM_JOB_ROTATE_START,   /* the new key of a rotation */
	DKIM_JOB_ROTATE_ADVANCE, /* check the evidence, record a phase */
};

struct dkim_state {
	struct dkim_row rows[DKIM_ROWS_MAX];
	size_t count;
	char *error;
	struct widget_list list;
	int height;
	struct widget_input prompt; /* the new key's selector */
	enum dkim_job prompt_job;   /* what Enter in the prompt starts */
	enum dkim_job job;          /* the work under way */
	char *job_selector;         /* the new selector it makes */
	enum dkim_view view;
	struct dkim_rotation_plan plan; /* the steps, none under way */
	struct app_rotate_result rot;   /* the rotation under way */
	bool have_rot;
	char *rot_from;    /* the selector the view was opened on */
	char *rot_note;    /* what the last check found */
	bool cancel_armed; /* d once: d again cancels */
	int interval;      /* days a key lives (the domain's) */
	const struct provider *provider; /* DKIM_VIEW_PROVIDER */
	char *provider_selector;
	/* The plan's step from this screen (S, ! and p): the plan is
	 * loaded on a worker on the first of them. */
	struct screen_plan sp;
	struct worker *loading;
	bool planned;
	enum command step_pending; /* the key that waits for the plan */
	struct stepper stepper;
	/* A rotation's start, advance or cancel on a worker, and the line
	 * its progress is shown on. */
	struct worker *rot_job;
	char *rot_progress;
};

static const enum command dkim_commands[] = {
	CMD_KEYGEN, CMD_ROTATE, CMD_VERIFY,  CMD_DELETE, CMD_RECHECK,
	CMD_STEP,   CMD_FORCE,  CMD_PUBLISH, CMD_NONE,
};

/* Adds a row and asks for its record. */
static struct dkim_row *dkim_row_add(struct app *app, struct dkim_state *st,
				     const char *sender, const char *provider,
				     const char *selector, bool own,
				     const char *key_path)
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
	r->provider = xstrdup_or_null(provider);
	r->selector = xstrdup(selector);
	r->own = own;
	r->key_path = xstrdup_or_null(key_path);
	r->created = DATE_NONE;
	name = xasprintf("%s._domainkey.%s", selector, app->domain);
	lookup_start(app, &r->record, name, DNS_T_TXT);
	free(name);
	return r;
}

/* Starts loading the plan on a worker. */
static void dkim_plan(struct app *app, struct dkim_state *st)
{
	worker_free(st->loading);
	st->loading = screen_plan_start(app, false);
	st->planned = true;
}

/* True once a plan loading was started and is done. */
static bool dkim_plan_ready(struct dkim_state *st)
{
	if (screen_plan_take(st->loading, &st->sp, NULL)) {
		worker_free(st->loading);
		st->loading = NULL;
	}
	return st->planned && !st->loading;
}

/* A step was recorded: the plan moves on. */
static void dkim_recorded(void *arg)
{
	struct dkim_state *st = arg;

	dkim_plan(st->stepper.app, st);
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

	stepper_init(&st->stepper, app, &st->sp, dkim_recorded, st);
	if (!store) {
		st->error = xstrdup(session_store_error(app->session));
		return;
	}
	if (app_rotate_interval_get(app->session, app->domain, &st->interval,
				    &err) != STATUS_OK) {
		st->error = xstrdup(err_message(&err));
		goto out;
	}
	if (state_dkim_key_list(store, app->domain, &keys, &nkeys, &err) !=
		STATUS_OK ||
	    state_sender_list(store, app->domain, &senders, &nsenders, &err) !=
		STATUS_OK) {
		st->error = xstrdup(err_message(&err));
		goto out;
	}
	for (size_t i = 0; i < nkeys; i++) {
		struct dkim_row *r =
		    dkim_row_add(app, st, keys[i].provider, keys[i].provider,
				 keys[i].selector, keys[i].key_path != NULL,
				 keys[i].key_path);

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
			dkim_row_add(app, st, p->name, p->id,
				     p->dkim_selectors[j], false, NULL);
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

/* Draws the steps of a rotation not started yet. */
static int dkim_draw_plan(struct app *app, struct dkim_state *st, WINDOW *win,
			  int y, int rows, int cols)
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
	if (y < rows)
		y = widget_wrap(win, y, 1, cols - 2, rows, 0,
				tui_attr(app, TUI_DIM),
				_("K starts it: a new key under a new "
				  "selector, tracked until the old one is "
				  "gone.")) +
		    y;
	return y;
}

/* Draws the rotation under way: its phase, its days, the new record
 * and what it waits for. */
static void dkim_draw_rotation(struct app *app, struct dkim_state *st,
			       WINDOW *win, int y, int rows, int cols)
{
	const struct app_rotate_result *r = &st->rot;
	char a[DATE_BUFSIZE], b[DATE_BUFSIZE], c[DATE_BUFSIZE];
	char e[DATE_BUFSIZE];

	if (!st->have_rot) {
		dkim_draw_plan(app, st, win, y, rows, cols);
		return;
	}
	widget_textf(win, y++, 1, cols - 2, A_BOLD,
		     _("Rotation of %s to %s: %s (R closes)"),
		     r->rec.old_selector ? r->rec.old_selector : "-",
		     r->rec.new_selector,
		     dkim_rotation_phase_name(r->rec.phase));
	/* TRANSLATORS: four dates, or "-" for phases not reached. */
	widget_textf(
	    win, y++, 1, cols - 2, A_NORMAL,
	    _("started %s  published %s  switched %s  revoked %s"),
	    date_format(r->rec.started, a),
	    r->rec.published == DATE_NONE ? "-"
					  : date_format(r->rec.published, b),
	    r->rec.switched == DATE_NONE ? "-"
					 : date_format(r->rec.switched, c),
	    r->rec.revoked == DATE_NONE ? "-" : date_format(r->rec.revoked, e));
	if (r->rec.keep_old && y < rows)
		widget_textf(win, y++, 1, cols - 2, A_NORMAL,
			     _("%s (RSA) keeps signing beside %s."),
			     r->rec.old_selector, r->rec.new_selector);
	if (y < rows)
		widget_textf(win, y++, 1, cols - 2, A_NORMAL,
			     _("Publish at %s:"), r->new_name);
	if (y < rows)
		y += widget_wrap_hard(win, y, 3, cols - 4, rows - 3, 0,
				      tui_attr(app, TUI_DIM),
				      tui_attr(app, TUI_DIM), r->new_record);
	if (st->rot_note && y < rows)
		y += widget_wrap(win, y, 1, cols - 2, rows - 1, 0,
				 tui_attr(app, TUI_WARN), st->rot_note);
	if (y < rows - 1)
		widget_wrap(win, y, 1, cols - 2, rows - 1, 0,
			    tui_attr(app, TUI_DIM),
			    r->rec.phase < DKIM_ROTATION_SWITCHED
				? _("v checks DNS and the reports and records "
				    "the next phase; d cancels the rotation.")
				: _("v checks DNS and the reports and records "
				    "the next phase."));
}

/* Draws what a service that holds its own key asks of the operator. */
static void dkim_draw_provider(struct app *app, struct dkim_state *st,
			       WINDOW *win, int y, int rows, int cols)
{
	const struct provider *p = st->provider;

	widget_textf(win, y++, 1, cols - 2, A_BOLD,
		     _("%s holds the key of selector %s"), p->name,
		     st->provider_selector);
	y += widget_wrap(win, y, 1, cols - 2, rows, 0, A_NORMAL,
			 _("It signs your mail with its own key: you publish "
			   "the record or CNAME it gives you, and it rotates "
			   "that key itself. A key made here would not sign "
			   "its mail."));
	if (p->dkim && y < rows) {
		widget_text(win, y++, 1, cols - 2, A_BOLD, _("Setup:"));
		y += widget_wrap(win, y, 3, cols - 4, rows, 0, A_NORMAL,
				 p->dkim);
	}
	if (p->docs && y < rows)
		widget_textf(win, y++, 1, cols - 2, A_NORMAL, _("Docs: %s"),
			     p->docs);
	if (y < rows)
		widget_wrap(win, y, 1, cols - 2, rows, 0,
			    tui_attr(app, TUI_DIM),
			    _("Esc goes back; K makes a key of your own for "
			      "your own servers anyway."));
}

/* Draws the prompt, or the work under way, on the last line of every
 * view: a prompt is always visible and takes every key until Enter or
 * Esc. */
static void dkim_draw_status(struct app *app, struct dkim_state *st,
			     WINDOW *win, int rows, int cols)
{
	(void)app;
	if (!st->prompt.active && st->job == DKIM_JOB_NONE && !st->rot_job)
		return;
	wmove(win, rows - 1, 0);
	wclrtoeol(win);
	if (st->prompt.active)
		widget_input_draw(win, rows - 1, 1, cols - 2,
				  st->prompt_job == DKIM_JOB_ROTATE_START
				      ? _("Selector of the rotated key:")
				      : _("Selector of the new key:"),
				  &st->prompt, A_NORMAL);
	else if (st->rot_job)
		widget_text(win, rows - 1, 1, cols - 2, A_BOLD,
			    st->rot_progress ? st->rot_progress : "");
	else
		widget_textf(win, rows - 1, 1, cols - 2, A_BOLD,
			     _("Generating a key for %s ..."),
			     st->job_selector);
}

static void rotate_collect(struct app *app, struct dkim_state *st);
static void dkim_rotation_load(struct app *app, struct dkim_state *st);

/* Draws the selector table. */
static void dkim_draw(struct app *app, void *state, WINDOW *win)
{
	struct dkim_state *st = state;
	int rows = getmaxy(win), cols = getmaxx(win);
	int list_rows = rows - 5;

	widget_textf(win, 0, 1, cols - 2, A_BOLD, _("DKIM of %s"), app->domain);
	rotate_collect(app, st);
	dkim_plan_ready(st);
	stepper_collect(&st->stepper, dkim_plan_ready(st));
	if (st->step_pending != CMD_NONE && dkim_plan_ready(st)) {
		struct tui_key none = { false, 0 };

		stepper_key(&st->stepper, true, none, st->step_pending);
		st->step_pending = CMD_NONE;
	}
	if (st->error) {
		widget_wrap(win, 2, 1, cols - 2, rows, 0,
			    tui_attr(app, TUI_BAD), st->error);
		return;
	}
	if (st->view != DKIM_VIEW_LIST) {
		if (st->view == DKIM_VIEW_ROTATION)
			dkim_draw_rotation(app, st, win, 1, rows - 1, cols);
		else
			dkim_draw_provider(app, st, win, 1, rows - 1, cols);
		dkim_draw_status(app, st, win, rows, cols);
		return;
	}
	widget_text(win, 1, 1, 14, A_UNDERLINE, _("Selector"));
	widget_text(win, 1, 16, 22, A_UNDERLINE, _("Key held by"));
	widget_text(win, 1, 39, cols - 40, A_UNDERLINE, _("Published"));
	dkim_draw_status(app, st, win, rows, cols);
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
			struct dkim_key_age age =
			    dkim_key_age(r->created, app->now, st->interval);
			char due[DATE_BUFSIZE];

			widget_textf(
			    win, 2 + i, 16, 22,
			    age.is_due ? attr | tui_attr(app, TUI_WARN) : attr,
			    _("you, rotate %s"), date_format(age.due, due));
		} else
			widget_text(
			    win, 2 + i, 16, 22, attr,
			    r->own ? _("you")
				   : (r->sender ? r->sender : _("unknown")));
		if (problem)
			widget_text(win, 2 + i, 39, cols - 40,
				    attr | tui_attr(app, TUI_WARN), problem);
		else
			widget_text(win, 2 + i, 39, cols - 40,
				    attr | tui_attr(app, TUI_GOOD),
				    r->record.records[0]);
	}
	if (st->stepper.nlines && !st->prompt.active &&
	    st->job == DKIM_JOB_NONE && !st->rot_job) {
		/* What S or p did, where the details were. */
		wmove(win, rows - 3, 0);
		wclrtobot(win);
		stepper_draw(&st->stepper, win, rows - 3, 1, cols - 2, rows);
	} else if (st->count && st->list.selected < st->count &&
		   !st->prompt.active && st->job == DKIM_JOB_NONE &&
		   !st->rot_job)
		dkim_draw_detail(app, &st->rows[st->list.selected], win,
				 rows - 2, cols);
}

/* Reads the rotation under way again through the app (no DNS). */
static void dkim_rotation_load(struct app *app, struct dkim_state *st)
{
	struct err err = ERR_INIT;

	app_rotate_result_done(&st->rot);
	st->have_rot = false;
	if (app_rotate_show(app->session, app->domain, &st->rot, &err) !=
	    STATUS_OK)
		tui_error(app, "%s", err_message(&err));
	else
		st->have_rot = st->rot.outcome != APP_ROTATE_NONE;
	err_done(&err);
}

/* Makes a key of the operator's own under the selector typed: the
 * private key goes to a file only its owner reads, the database keeps
 * its path. */
static void dkim_keygen_work(struct app *app, struct dkim_state *st,
			     const char *dir)
{
	struct dkim_generated gen;
	struct err err = ERR_INIT;
	struct dkim_keygen_options o = {
		.domain = app->domain,
		.selector = st->job_selector,
		.type = DKIM_KEY_RSA,
		.dir = dir,
		.today = app->now,
	};

	memset(&gen, 0, sizeof gen);
	if (app_dkim_keygen(tui_store(app), &o, &gen, &err) != STATUS_OK) {
		tui_error(app, "%s", err_message(&err));
	} else {
		struct dkim_row *r = dkim_row_add(app, st, NULL, NULL,
						  gen.selector, true, gen.path);

		if (r) {
			r->created = app->now;
			r->algorithm = xstrdup("rsa");
			r->publish =
			    dkim_zone_line(gen.name, gen.strings, gen.nstrings);
			st->list.selected = (size_t)(r - st->rows);
		}
		tui_message(app, _("Key %s made; the private key is in %s."),
			    gen.selector, gen.path);
	}
	dkim_generated_done(&gen);
	err_done(&err);
}

/* A rotation's start, advance or cancel on a worker: what it needs,
 * how far it came, and how it ended. */
struct rotate_job {
	enum dkim_job kind; /* START, ADVANCE, or NONE: cancel */
	char *domain;
	char *from;     /* start: the key to replace */
	char *selector; /* start: the new selector */
	char *dir;      /* start: the key directory, or NULL */
	date_t today;
	double timeout;        /* --timeout, 0 for the default */
	struct worker *worker; /* set by the job, for its lock */
	/* Progress, under the worker's lock. */
	char *name;            /* the name an update went to */
	char *server;          /* the primary that accepted it */
	size_t serving, count; /* servers that have it / asked */
	double waited;
	/* The end, read once worker_done(). */
	char *error;                /* why it failed, or NULL */
	struct dkim_generated gen;  /* start */
	struct rotation_record rec; /* start, cancel */
	struct app_rotate_result r; /* advance */
};

/* Frees a rotation job with what it holds. */
static void rotate_job_free(void *arg)
{
	struct rotate_job *j = arg;

	free(j->domain);
	free(j->from);
	free(j->selector);
	free(j->dir);
	free(j->name);
	free(j->server);
	free(j->error);
	dkim_generated_done(&j->gen);
	rotation_record_done(&j->rec);
	app_rotate_result_done(&j->r);
	free(j);
}

/* The primary accepted an update: the loop shows it. */
static void rotate_accepted(void *arg, const char *name, const char *server)
{
	struct rotate_job *j = arg;

	worker_lock(j->worker);
	free(j->name);
	j->name = xstrdup(name);
	free(j->server);
	j->server = xstrdup(server);
	j->count = 0;
	worker_unlock(j->worker);
	worker_wake(j->worker);
}

/* A round of the wait for every server: the loop shows how many have
 * the change. */
static void rotate_progress(void *arg, const char *name, size_t serving,
			    size_t count, double waited)
{
	struct rotate_job *j = arg;

	(void)name;
	worker_lock(j->worker);
	j->serving = serving;
	j->count = count;
	j->waited = waited;
	worker_unlock(j->worker);
	worker_wake(j->worker);
}

/* The pause between rounds of the wait for every server: on the job's
 * cancel descriptor, so that the operator who leaves is not kept
 * waiting. */
static bool rotate_pause(void *arg, int ms)
{
	struct rotate_job *j = arg;

	return worker_pause(j->worker, ms);
}

/* The job: the use case the command line runs (dkim rotate, its
 * --advance and --cancel) on the worker's session. Cancelled, the
 * wizard has left the terminal: the job says on stderr what it could
 * not finish. */
static void rotate_run(void *arg, struct session *s, struct worker *w)
{
	struct rotate_job *j = arg;
	struct app_publish_watch watch = { .accepted = rotate_accepted,
					   .progress = rotate_progress,
					   .pause = rotate_pause,
					   .arg = j };
	struct err err = ERR_INIT;
	enum status st;

	j->worker = w;
	if (j->kind == DKIM_JOB_ROTATE_START) {
		struct app_rotate_start_options o = {
			.domain = j->domain,
			.from = j->from,
			.selector = j->selector,
			.dir = j->dir,
			.today = j->today,
		};

		st = app_rotate_start(s, &o, &j->gen, &j->rec, &err);
	} else if (j->kind == DKIM_JOB_ROTATE_ADVANCE) {
		struct propagate_options po = { .timeout = j->timeout };

		st = app_rotate_advance(s, j->domain, j->today, &po, false,
					&watch, &j->r, &err);
	} else {
		st = app_rotate_cancel(s, j->domain, j->today, &watch, &j->rec,
				       NULL, &err);
	}
	if (st != STATUS_OK)
		j->error = xstrdup(err_message(&err));
	err_done(&err);
	if (j->error && worker_cancelled(w))
		fprintf(stderr, "dmarcpilot: %s\n", j->error);
}

/* Starts a rotation job of kind (NONE: cancel) with its progress
 * line; it holds q's exit while it runs, since it may change the
 * zone. */
static void rotate_job_start(struct app *app, struct dkim_state *st,
			     enum dkim_job kind, const char *selector)
{
	struct rotate_job *j = xcalloc(1, sizeof *j);

	j->kind = kind;
	j->domain = xstrdup(app->domain);
	j->from = xstrdup_or_null(st->rot_from);
	j->selector = xstrdup_or_null(selector);
	j->dir = app->demo_dir ? xasprintf("%s/keys", app->demo_dir) : NULL;
	j->today = app->now;
	j->timeout = app->session->opt.timeout;
	free(st->rot_progress);
	st->rot_progress =
	    kind == DKIM_JOB_ROTATE_START
		? xasprintf(_("Generating a key for %s ..."), selector)
	    : kind == DKIM_JOB_ROTATE_ADVANCE
		? xstrdup(_("Checking DNS and the reports ..."))
		: xasprintf(_("Cancelling the rotation to %s ..."),
			    st->rot.rec.new_selector);
	st->rot_job = tui_worker_start(app, rotate_run, j, rotate_job_free);
	worker_hold(st->rot_job);
}

/* The end of a start: the new key's row, the rotation read again. */
static void rotate_start_end(struct app *app, struct dkim_state *st,
			     struct rotate_job *j)
{
	struct dkim_row *r = dkim_row_add(app, st, NULL, NULL, j->gen.selector,
					  true, j->gen.path);

	if (r) {
		r->created = app->now;
		r->algorithm = xstrdup(dkim_key_type_name(j->gen.type));
	}
	tui_message(app, _("Rotation to %s started; the private key is in %s."),
		    j->gen.selector, j->gen.path);
}

/* The end of an advance: what was recorded, sent, deleted and what is
 * awaited, as the note under the rotation. */
static void rotate_advance_end(struct app *app, struct dkim_state *st,
			       struct rotate_job *j)
{
	struct app_rotate_result *r = &j->r;
	struct strbuf sb = STRBUF_INIT;
	char d[DATE_BUFSIZE];

	for (size_t i = 0; i < r->nentered; i++) {
		if (sb.len)
			strbuf_addstr(&sb, " ");
		strbuf_addf(&sb, _("Recorded %s on %s."),
			    dkim_rotation_phase_name(r->entered[i]),
			    date_format(j->today, d));
	}
	if (r->nupdates)
		strbuf_addf(&sb,
			    P_(" Sent %zu signed update to the primary.",
			       " Sent %zu signed updates to the primary.",
			       r->nupdates),
			    r->nupdates);
	if (r->key_deleted)
		strbuf_addf(&sb, _(" Deleted the old key %s."),
			    r->rec.old_path);
	if (r->nsigners)
		strbuf_addf(&sb,
			    P_(" %s still signs for %zu source (%s the most).",
			       " %s still signs for %zu sources (%s the most).",
			       r->nsigners),
			    r->rec.old_selector, r->nsigners, r->signers[0].ip);
	if (r->why) {
		if (sb.len)
			strbuf_addstr(&sb, " ");
		strbuf_addf(&sb,
			    r->outcome == APP_ROTATE_REFUSED ? _("Refused: %s")
							     : _("Waiting: %s"),
			    r->why);
	}
	if (r->outcome == APP_ROTATE_DONE)
		strbuf_addf(&sb, _(" The rotation to %s is complete."),
			    r->rec.new_selector);
	free(st->rot_note);
	st->rot_note = strbuf_detach(&sb);
	strbuf_done(&sb);
	(void)app;
	app_rotate_result_done(&st->rot);
	st->rot = *r;
	memset(r, 0, sizeof *r);
	st->have_rot = st->rot.outcome != APP_ROTATE_NONE;
}

/* The end of a cancel: the unused key's row goes. */
static void rotate_cancel_end(struct app *app, struct dkim_state *st,
			      struct rotate_job *j)
{
	const struct rotation_record *rec = &j->rec;

	for (size_t i = 0; i < st->count; i++)
		if (strcmp(st->rows[i].selector, rec->new_selector) == 0) {
			struct dkim_row gone = st->rows[i];

			memmove(&st->rows[i], &st->rows[i + 1],
				(st->count - i - 1) * sizeof st->rows[0]);
			st->count--;
			free(gone.sender);
			free(gone.provider);
			free(gone.selector);
			free(gone.key_path);
			free(gone.algorithm);
			free(gone.publish);
			lookup_done(&gone.record);
			break;
		}
	tui_message(app, _("Cancelled the rotation to %s; deleted %s."),
		    rec->new_selector, rec->new_path ? rec->new_path : "-");
}

/* Shows a rotation job's progress, or takes its end; call at the start
 * of the draw. */
static void rotate_collect(struct app *app, struct dkim_state *st)
{
	struct rotate_job *j = worker_arg(st->rot_job);
	bool reload;

	if (!st->rot_job)
		return;
	if (!worker_done(st->rot_job)) {
		char *line = NULL;

		worker_lock(st->rot_job);
		if (j->name && j->count > 0)
			line = xasprintf(_("Sent the update for %s, accepted "
					   "by %s; %zu of %zu servers have it "
					   "(%.0f s) ..."),
					 j->name, j->server, j->serving,
					 j->count, j->waited);
		else if (j->name)
			line = xasprintf(_("Sent the update for %s, accepted "
					   "by %s; asking every server ..."),
					 j->name, j->server);
		worker_unlock(st->rot_job);
		if (line) {
			free(st->rot_progress);
			st->rot_progress = line;
		}
		return;
	}
	if (j->error) {
		if (j->kind == DKIM_JOB_ROTATE_ADVANCE) {
			free(st->rot_note);
			st->rot_note = xstrdup(j->error);
		}
		tui_error(app, "%s", j->error);
	} else if (j->kind == DKIM_JOB_ROTATE_START) {
		rotate_start_end(app, st, j);
	} else if (j->kind == DKIM_JOB_ROTATE_ADVANCE) {
		rotate_advance_end(app, st, j);
	} else {
		rotate_cancel_end(app, st, j);
	}
	reload = j->kind != DKIM_JOB_ROTATE_ADVANCE || j->error;
	worker_free(st->rot_job);
	st->rot_job = NULL;
	free(st->rot_progress);
	st->rot_progress = NULL;
	if (reload)
		dkim_rotation_load(app, st);
}

/* Does the work a key started, once the screen said what it is doing. */
static bool dkim_work(struct app *app, void *state)
{
	struct dkim_state *st = state;
	char *dir = app->demo_dir ? xasprintf("%s/keys", app->demo_dir) : NULL;

	switch (st->job) {
	case DKIM_JOB_KEYGEN:
		dkim_keygen_work(app, st, dir);
		break;
	case DKIM_JOB_ROTATE_START:
	case DKIM_JOB_ROTATE_ADVANCE:
	case DKIM_JOB_NONE:
		break;
	}
	st->job = DKIM_JOB_NONE;
	free(st->job_selector);
	st->job_selector = NULL;
	free(dir);
	return false;
}

/* R: opens the rotation view of the selected own key (what is under
 * way, or the steps of one to start), or closes it. */
static void dkim_rotate(struct app *app, struct dkim_state *st)
{
	struct dkim_rotation_options o;
	const struct dkim_row *r;

	if (st->view == DKIM_VIEW_ROTATION) {
		st->view = DKIM_VIEW_LIST;
		return;
	}
	dkim_rotation_load(app, st);
	if (!st->have_rot && (st->list.selected >= st->count ||
			      !st->rows[st->list.selected].own)) {
		tui_error(app, _("Choose a key you hold: a provider rotates "
				 "its own keys."));
		return;
	}
	free(st->rot_note);
	st->rot_note = NULL;
	st->cancel_armed = false;
	st->view = DKIM_VIEW_ROTATION;
	if (st->have_rot)
		return;
	r = &st->rows[st->list.selected];
	free(st->rot_from);
	st->rot_from = xstrdup(r->selector);
	memset(&o, 0, sizeof o);
	o.domain = app->domain;
	o.old_selector = r->selector;
	o.old_type = r->algorithm && strcmp(r->algorithm, "ed25519") == 0
			 ? DKIM_KEY_ED25519
			 : DKIM_KEY_RSA;
	o.today = app->now;
	dkim_rotation_plan_done(&st->plan);
	dkim_rotation_plan_build(&o, &st->plan);
}

/* d in the rotation view: cancels a rotation that has not switched,
 * after a second d. */
static void dkim_rotate_cancel(struct app *app, struct dkim_state *st)
{
	if (!st->have_rot)
		return;
	if (!st->cancel_armed) {
		st->cancel_armed = true;
		tui_message(app,
			    _("Press d again to cancel the rotation to "
			      "%s and delete its unused key."),
			    st->rot.rec.new_selector);
		return;
	}
	st->cancel_armed = false;
	rotate_job_start(app, st, DKIM_JOB_NONE, NULL);
}

/* Opens the selector prompt for a job, pre-filled with the default. */
static void dkim_prompt(struct app *app, struct dkim_state *st,
			enum dkim_job job)
{
	char *sel = dkim_rotation_default_selector(
	    app->now, job == DKIM_JOB_ROTATE_START ? st->rot_from : NULL);

	st->prompt_job = job;
	widget_input_start(&st->prompt, sel);
	free(sel);
}

/* K: a key of the operator's own; on a service's line, first what that
 * service asks instead (it holds the key). */
static void dkim_keygen_key(struct app *app, struct dkim_state *st)
{
	const struct providers *cat = tui_providers(app);
	const struct dkim_row *r =
	    st->list.selected < st->count ? &st->rows[st->list.selected] : NULL;
	const struct provider *p = r && !r->own && r->provider && cat
				       ? providers_find(cat, r->provider)
				       : NULL;

	if (st->view == DKIM_VIEW_LIST && p) {
		st->provider = p;
		free(st->provider_selector);
		st->provider_selector = xstrdup(r->selector);
		st->view = DKIM_VIEW_PROVIDER;
		return;
	}
	st->view = DKIM_VIEW_LIST;
	dkim_prompt(app, st, DKIM_JOB_KEYGEN);
}

/* Keys of the rotation view; false for the shell's. */
static bool dkim_rotation_key(struct app *app, struct dkim_state *st,
			      enum command cmd)
{
	switch (cmd) {
	case CMD_ROTATE:
	case CMD_BACK:
		st->view = DKIM_VIEW_LIST;
		return true;
	case CMD_KEYGEN:
		if (st->rot_job)
			tui_error(app, "%s", st->rot_progress);
		else if (st->have_rot)
			tui_error(app, _("A rotation is under way: v moves it "
					 "on, d cancels it."));
		else
			dkim_prompt(app, st, DKIM_JOB_ROTATE_START);
		return true;
	case CMD_VERIFY:
		if (!st->have_rot) {
			tui_error(app, _("No rotation is under way: K starts "
					 "one."));
			return true;
		}
		if (st->rot_job)
			tui_error(app, "%s", st->rot_progress);
		else
			rotate_job_start(app, st, DKIM_JOB_ROTATE_ADVANCE,
					 NULL);
		return true;
	case CMD_DELETE:
		if (st->rot_job)
			tui_error(app, "%s", st->rot_progress);
		else
			dkim_rotate_cancel(app, st);
		return true;
	default:
		return false;
	}
}

/* Keys. */
static bool dkim_key(struct app *app, void *state, struct tui_key key,
		     enum command cmd)
{
	struct dkim_state *st = state;

	if (st->prompt.active) {
		switch (widget_input_key(&st->prompt, key)) {
		case INPUT_DONE:
			if (st->prompt.len &&
			    st->prompt_job == DKIM_JOB_ROTATE_START) {
				/* Off the input path: it may write the
				 * zone. */
				if (st->rot_job)
					tui_error(app, "%s", st->rot_progress);
				else
					rotate_job_start(app, st,
							 st->prompt_job,
							 st->prompt.text);
			} else if (st->prompt.len) {
				st->job = st->prompt_job;
				st->job_selector = xstrdup(st->prompt.text);
				tui_work_start(app);
			}
			return true;
		default:
			/* Modal: no key reaches the screen or the shell. */
			return true;
		}
	}
	if (st->job != DKIM_JOB_NONE)
		return cmd != CMD_QUIT && cmd != CMD_HELP;
	/* The plan is loaded on the first S, ! or p, not on every
	 * visit. */
	if (!st->planned &&
	    (cmd == CMD_STEP || cmd == CMD_FORCE || cmd == CMD_PUBLISH)) {
		st->step_pending = cmd;
		tui_message(app, _("Loading the plan ..."));
		dkim_plan(app, st);
		return true;
	}
	if (stepper_key(&st->stepper, dkim_plan_ready(st), key, cmd))
		return true;
	if (cmd != CMD_DELETE)
		st->cancel_armed = false;
	if (st->view == DKIM_VIEW_ROTATION)
		return dkim_rotation_key(app, st, cmd);
	if (st->view == DKIM_VIEW_PROVIDER) {
		if (cmd == CMD_BACK) {
			st->view = DKIM_VIEW_LIST;
			return true;
		}
		if (cmd == CMD_KEYGEN) {
			dkim_keygen_key(app, st);
			return true;
		}
		return false;
	}
	if (cmd == CMD_ROTATE) {
		dkim_rotate(app, st);
		return true;
	}
	if (cmd == CMD_KEYGEN) {
		dkim_keygen_key(app, st);
		return true;
	}
	if (widget_list_key(&st->list, cmd, st->count, st->height))
		return true;
	if (cmd == CMD_RECHECK) {
		for (size_t i = 0; i < st->count; i++) {
			char *name = xstrdup(st->rows[i].record.name);

			lookup_start(app, &st->rows[i].record, name, DNS_T_TXT);
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

	(void)app;
	stepper_done(&st->stepper);
	/* A rotation step goes on to its end on its own. */
	worker_free(st->rot_job);
	free(st->rot_progress);
	worker_free(st->loading);
	screen_plan_clear(&st->sp);
	for (size_t i = 0; i < st->count; i++) {
		free(st->rows[i].sender);
		free(st->rows[i].provider);
		free(st->rows[i].selector);
		free(st->rows[i].key_path);
		free(st->rows[i].algorithm);
		free(st->rows[i].publish);
		lookup_done(&st->rows[i].record);
	}
	free(st->error);
	free(st->job_selector);
	free(st->rot_from);
	free(st->rot_note);
	free(st->provider_selector);
	app_rotate_result_done(&st->rot);
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
		   "On a service's line, K shows what the service asks of "
		   "you instead. R opens the rotation of your own key: K "
		   "starts it with a new key under a new selector; v checks "
		   "DNS and the reports and records each phase once its "
		   "evidence is there (the new record served, the new "
		   "selector passing, the old one silent for a week, its "
		   "record revoked, then gone); d cancels it before the "
		   "switch."),
	.commands = dkim_commands,
	.state_size = sizeof(struct dkim_state),
	.enter = dkim_enter,
	.draw = dkim_draw,
	.key = dkim_key,
	.leave = dkim_leave,
	.work = dkim_work,
};
