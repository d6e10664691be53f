/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SPF screen: the ten-lookup budget of RFC 7208 4.6.4 as a bar, the
 * include tree of the published record with the cost of each branch,
 * the record the inventory calls for (with includes flattened one by
 * one at the operator's choice; built by the app layer, app/spf_target.h,
 * on a worker) against what is published, and which authoritative
 * servers serve it. The screen draws and reads keys only. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "app/spf_target.h"
#include "util/i18n.h"
#include "dns/propagate.h"
#include "spf/spf.h"
#include "spf/spf_build.h"
#include "spf/spf_check.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "screens/plan.h"
#include "screens/stepper.h"
#include "screens/tui.h"
#include "screens/widgets.h"

/* RFC 7208 4.6.4: at most 10 DNS-querying terms, 2 void lookups. */
#define SPF_LOOKUP_LIMIT 10
#define SPF_VOID_LIMIT 2

/* One line of the scrolling view. */
struct line {
	char *text;
	int attr;
	int include; /* index into the target's items, or -1 */
};

/* What a build of the target is for. */
enum build_why {
	BUILD_SAVED,  /* entering: the flattening remembered last */
	BUILD_NONE,   /* that no longer fits: nothing flattened */
	BUILD_TOGGLE, /* f: one include more or less flattened */
};

struct spf_state {
	struct app *app; /* for the callbacks */
	struct spf_check_run *run;
	struct spf_check *check; /* the published tree, once done */
	char **flatten;          /* the includes chosen to flatten */
	size_t nflatten;
	struct app_spf_target target; /* built by the app layer */
	bool built;                   /* a build of it has ended */
	struct worker *building;      /* the build under way, or NULL */
	enum build_why why;           /* and what it is for */
	char **trying;                /* the flattening it builds */
	size_t ntrying;
	struct app_spf_target tried; /* its last run's target */
	enum status tried_status;    /* and status */
	char *tried_error;           /* and message */
	char *toggled;               /* the include f toggled */
	bool toggled_off;            /* its flattening was undone */
	char *error;
	struct propagate_result *propagation;
	bool propagating;
	struct line *lines;
	size_t nlines, caplines;
	struct widget_list list;
	int height;
	int cols;                  /* the width lines wrap at */
	bool dirty;                /* flattening changed, not saved */
	struct screen_plan sp;     /* the plan, for S */
	struct worker *loading;    /* its loading, from the first S */
	bool planned;              /* a loading was started */
	enum command step_pending; /* S or ! waiting for the plan */
	struct stepper stepper;    /* S and ! */
	size_t verify_line;        /* the servers' heading line */
	bool reveal;               /* show it: v was pressed */
	size_t step_line;          /* the first line of the step */
};

static const enum command spf_commands[] = {
	CMD_FLATTEN, CMD_SAVE,    CMD_VERIFY, CMD_STEP, CMD_FORCE,
	CMD_PUBLISH, CMD_RECHECK, CMD_UP,     CMD_DOWN, CMD_NONE,
};

/* A build of the target on a worker: the domain and the flattening
 * tried (copies), and what came of it. */
struct target_job {
	char *domain;
	char **trying;
	size_t ntrying;
	struct app_spf_target tried;
	enum status status;
	char *error;
};

/* Frees a build with what it still holds. */
static void target_job_free(void *arg)
{
	struct target_job *j = arg;

	free(j->domain);
	app_spf_target_list_free(j->trying, j->ntrying);
	app_spf_target_done(&j->tried);
	free(j->error);
	free(j);
}

/* Builds the target with the flattening tried through the worker's
 * own resolver: the app layer asks DNS about every include. */
static void target_run(void *arg, struct session *s, struct worker *w)
{
	struct target_job *j = arg;
	struct err err = ERR_INIT;

	(void)w;
	j->status = app_spf_target_build(s, NULL, j->domain,
					 (const char *const *)j->trying,
					 j->ntrying, &j->tried, &err);
	if (j->status != STATUS_OK)
		j->error = xstrdup(err_message(&err));
	err_done(&err);
}

/* Starts building the target with the flattening choice (taken over)
 * on a worker, off the input path. */
static void target_start(struct app *app, struct spf_state *st,
			 enum build_why why, char **choice, size_t n)
{
	struct target_job *j = xcalloc(1, sizeof *j);

	worker_free(st->building);
	app_spf_target_list_free(st->trying, st->ntrying);
	st->trying = choice;
	st->ntrying = n;
	st->why = why;
	j->domain = xstrdup(app->domain);
	j->trying = xcalloc(n ? n : 1, sizeof *j->trying);
	for (size_t i = 0; i < n; i++)
		j->trying[i] = xstrdup(choice[i]);
	j->ntrying = n;
	st->building = tui_worker_start(app, target_run, j, target_job_free);
}

/* Once a build has ended: its target replaces the one shown, or its
 * refusal is said (an include that cannot be flattened keeps the target
 * as it was; a remembered flattening that no longer fits is dropped). */
static void target_settle(struct app *app, struct spf_state *st)
{
	struct target_job *j = worker_arg(st->building);
	char **choice;
	size_t n;

	if (!st->building || !worker_done(st->building))
		return;
	app_spf_target_done(&st->tried);
	st->tried = j->tried;
	memset(&j->tried, 0, sizeof j->tried);
	st->tried_status = j->status;
	free(st->tried_error);
	st->tried_error = j->error;
	j->error = NULL;
	worker_free(st->building);
	st->building = NULL;
	choice = st->trying;
	n = st->ntrying;
	st->trying = NULL;
	st->ntrying = 0;
	if (st->tried_status == STATUS_OK) {
		app_spf_target_done(&st->target);
		st->target = st->tried;
		memset(&st->tried, 0, sizeof st->tried);
		app_spf_target_list_free(st->flatten, st->nflatten);
		st->flatten = choice;
		st->nflatten = n;
		st->built = true;
		if (st->why == BUILD_TOGGLE) {
			propagate_result_free(st->propagation);
			st->propagation = NULL;
			st->dirty = true;
			app->unsaved = true;
			tui_message(app,
				    st->toggled_off
					? _("%s is an include again; s saves "
					    "it.")
					: _("%s is flattened in the target; s "
					    "saves it for the drift check."),
				    st->toggled);
		}
		return;
	}
	app_spf_target_list_free(choice, n);
	if (st->why == BUILD_TOGGLE) {
		tui_error(app, "%s", st->tried_error);
	} else if (st->why == BUILD_SAVED && n > 0 &&
		   st->tried_status == STATUS_USAGE) {
		tui_error(app, "%s", st->tried_error);
		target_start(app, st, BUILD_NONE, NULL, 0);
	} else {
		free(st->error);
		st->error = xstrdup(st->tried_error);
		st->built = true;
	}
}

/* Keeps the published tree. */
static void spf_checked(void *arg, struct spf_check *check)
{
	struct spf_state *st = arg;

	st->check = check;
	spf_check_run_free(st->run); /* finished: the caller frees it */
	st->run = NULL;
}

/* Starts the accounting of the published record and the build of the
 * target with the flattening remembered last. */
static void spf_start(struct app *app, struct spf_state *st)
{
	char **saved = NULL;
	size_t n = 0;
	struct err err = ERR_INIT;

	if (tui_dns(app))
		st->run = spf_check_start(app->session->dns, app->domain,
					  spf_checked, st);
	st->built = false;
	if (app_spf_target_saved(app->session, app->domain, &saved, &n, &err) !=
	    STATUS_OK) {
		st->error = xstrdup(err_message(&err));
		st->built = true;
	} else {
		target_start(app, st, BUILD_SAVED, saved, n);
	}
	err_done(&err);
}

/* Starts loading the plan on a worker. */
static void spf_plan(struct app *app, struct spf_state *st)
{
	worker_free(st->loading);
	st->loading = screen_plan_start(app, false);
	st->planned = true;
}

/* True once a plan loading was started and is done. */
static bool spf_plan_ready(struct spf_state *st)
{
	if (screen_plan_take(st->loading, &st->sp, NULL)) {
		worker_free(st->loading);
		st->loading = NULL;
	}
	return st->planned && !st->loading;
}

/* A step was recorded: the plan moves on. */
static void spf_recorded(void *arg)
{
	struct spf_state *st = arg;

	spf_plan(st->app, st);
}

/* Opens the screen. */
static void spf_enter(struct app *app, void *state)
{
	struct spf_state *st = state;

	st->app = app;
	stepper_init(&st->stepper, app, &st->sp, spf_recorded, st);
	spf_start(app, st);
}

/* Keeps the propagation result. */
static void spf_propagated(void *arg, struct propagate_result *result)
{
	struct spf_state *st = arg;

	propagate_result_free(st->propagation);
	st->propagation = result;
	st->propagating = false;
	st->reveal = true;
	tui_message(st->app, _("%zu of %zu servers serve the target."),
		    result->serving, result->count);
}

/* Asks every authoritative server whether it serves the target. */
static void spf_verify(struct app *app, struct spf_state *st)
{
	const struct spf_flatten *layout = st->target.flat;
	struct err err = ERR_INIT;
	struct propagate_options o;
	char *servers;

	if (!layout || st->propagating || !tui_dns(app))
		return;
	/* The same servers and port as the step verifies on. */
	servers = stepper_servers(app);
	app_step_options(app->session, NULL, servers, &o);
	st->propagating = true;
	st->reveal = true;
	if (propagate_start(app->session->dns, layout->records[0].name,
			    DNS_T_TXT, layout->records[0].value, &o,
			    spf_propagated, st, &err) != STATUS_OK) {
		st->propagating = false;
		tui_error(app, "%s", err_message(&err));
	}
	free(servers);
	err_done(&err);
}

/* Adds a line to the view. */
static void add_line(struct spf_state *st, int attr, int include,
		     const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static void add_line(struct spf_state *st, int attr, int include,
		     const char *format, ...)
{
	va_list ap;
	char *text, **rows;
	int n, width;

	va_start(ap, format);
	text = xvasprintf(format, ap);
	va_end(ap);
	/* Long lines wrap at the width of the last draw, each row a line
	 * of the same include. */
	width = st->cols > 2 ? st->cols - 2 : 78;
	n = widget_wrap_hanging(text, width, &rows);
	if (n == 0) {
		rows = xmalloc(sizeof *rows);
		rows[n++] = xstrdup("");
	}
	for (int i = 0; i < n; i++) {
		struct line *l;

		st->lines = xgrow(st->lines, &st->caplines, st->nlines + 1,
				  sizeof *st->lines);
		l = &st->lines[st->nlines++];
		l->text = rows[i];
		l->attr = attr;
		l->include = include;
	}
	free(rows);
	free(text);
}

/* The index of the target's include a tree branch stands for, or -1. */
static int include_of(const struct spf_state *st, const struct spf_node *n)
{
	const struct spf_flatten *f = st->target.flat;

	for (size_t i = 0; f && n->via && i < f->nitems; i++)
		if (text_ieq(f->items[i].mechanism, n->via))
			return (int)i;
	return -1;
}

/* Adds the tree below node, one line per record. */
static void add_tree(struct app *app, struct spf_state *st,
		     const struct spf_node *node, int depth)
{
	int attr =
	    node->state == SPF_NODE_OK ? (int)A_NORMAL : tui_attr(app, TUI_BAD);
	char *err = node->error ? text_clean_str(node->error) : NULL;

	add_line(st, attr, depth == 1 ? include_of(st, node) : -1,
		 "%*s%-*s %3zu%s%s", depth * 2, "", 44 - depth * 2,
		 node->via ? node->via : node->domain, node->cost,
		 err ? "  " : "", err ? err : "");
	free(err);
	for (size_t i = 0; i < node->nchildren && depth < 8; i++)
		add_tree(app, st, node->children[i], depth + 1);
}

/* Adds the comparison of the published record with the target. */
static void add_diff(struct app *app, struct spf_state *st)
{
	struct spf_record *pub = NULL, *tgt = NULL;
	const char *published =
	    st->check && st->check->root ? st->check->root->record : NULL;
	bool same = true;

	if (published)
		spf_parse(published, strlen(published), &pub, NULL, NULL);
	spf_parse(st->target.record, strlen(st->target.record), &tgt, NULL,
		  NULL);
	for (size_t i = 0; pub && i < pub->count; i++) {
		char *t = spf_term_format(&pub->terms[i]);
		bool found = false;

		for (size_t j = 0; tgt && j < tgt->count && !found; j++) {
			char *u = spf_term_format(&tgt->terms[j]);

			found = strcmp(t, u) == 0;
			free(u);
		}
		if (!found) {
			add_line(st, tui_attr(app, TUI_BAD), -1, "  - %s", t);
			same = false;
		}
		free(t);
	}
	for (size_t j = 0; tgt && j < tgt->count; j++) {
		char *u = spf_term_format(&tgt->terms[j]);
		bool found = false;

		for (size_t i = 0; pub && i < pub->count && !found; i++) {
			char *t = spf_term_format(&pub->terms[i]);

			found = strcmp(t, u) == 0;
			free(t);
		}
		if (!found) {
			add_line(st, tui_attr(app, TUI_GOOD), -1, "  + %s", u);
			same = false;
		}
		free(u);
	}
	if (same)
		add_line(st, tui_attr(app, TUI_GOOD), -1, "  %s",
			 _("The published record is the target."));
	spf_record_free(pub);
	spf_record_free(tgt);
}

/* Rebuilds the view's lines from what has arrived. */
static void build_lines(struct app *app, struct spf_state *st)
{
	const struct spf_flatten *f = st->target.flat;

	for (size_t i = 0; i < st->nlines; i++)
		free(st->lines[i].text);
	st->nlines = 0;
	if (!st->check)
		return;
	if (st->check->dns_failed) {
		add_line(st, tui_attr(app, TUI_BAD), -1, "%s",
			 st->check->dns_error ? st->check->dns_error : "");
	} else if (st->check->root) {
		add_line(st, A_BOLD, -1, _("Include tree, lookups per branch"));
		add_tree(app, st, st->check->root, 0);
	}
	for (size_t i = 0; i < st->check->findings.count; i++)
		add_line(st,
			 st->check->findings.items[i].severity == SEVERITY_ERROR
			     ? tui_attr(app, TUI_BAD)
			     : tui_attr(app, TUI_WARN),
			 -1, "! %s", st->check->findings.items[i].message);
	add_line(st, A_NORMAL, -1, "%s", "");
	if (!st->built || (!st->target.record && !st->error)) {
		add_line(st, A_BOLD, -1, "%s",
			 !st->built ? _("Target record from the senders, "
					"lookups: counting ...")
				    : _("Target record: no sender adds to SPF "
					"yet."));
		return;
	}
	if (!f)
		return;
	/* The lookups of the target with its chained _spfN records. */
	add_line(st, A_BOLD, -1,
		 _("Target record from the senders, lookups: %d"),
		 (int)f->lookups);
	for (size_t i = 0; i < f->nrecords; i++)
		add_line(st, A_NORMAL, -1, "  %s  %s", f->records[i].name,
			 f->records[i].value);
	add_line(st, A_BOLD, -1, "%s", _("Published -> target"));
	add_diff(app, st);
	add_line(st, A_NORMAL, -1, "%s", "");
	for (size_t i = 0; i < f->nitems; i++) {
		const struct spf_flat_item *in = &f->items[i];

		if (!in->flattenable)
			add_line(st, A_NORMAL, (int)i,
				 _("  %-40s %2d  cannot be flattened"),
				 in->mechanism, (int)in->cost);
		else if (in->flattened)
			add_line(st, tui_attr(app, TUI_GOOD), (int)i,
				 _("  %-40s  0  flattened: %zu ranges"),
				 in->mechanism, in->naddresses);
		else
			add_line(st, A_NORMAL, (int)i,
				 _("  %-40s %2d  f flattens to %zu ranges"),
				 in->mechanism, (int)in->cost, in->naddresses);
	}
	add_line(st, A_NORMAL, -1, "%s", "");
	st->verify_line = st->nlines;
	add_line(st, A_BOLD, -1, "%s",
		 _("Target on the authoritative servers (v asks)"));
	if (st->propagating)
		add_line(st, A_NORMAL, -1, "  %s", _("asking ..."));
	else if (st->propagation && st->propagation->error)
		add_line(st, tui_attr(app, TUI_WARN), -1, "  %s",
			 st->propagation->error);
	for (size_t i = 0; st->propagation && i < st->propagation->count; i++) {
		const struct propagate_server *s = &st->propagation->servers[i];
		const char *what =
		    s->state == PROPAGATE_SERVES ? _("serves the target")
		    : s->state == PROPAGATE_DIFFERENT
			? _("serves another record")
			: (s->error ? s->error : _("unreachable"));

		add_line(st,
			 s->state == PROPAGATE_SERVES ? tui_attr(app, TUI_GOOD)
						      : tui_attr(app, TUI_WARN),
			 -1, "  %-22s %-18s %s", s->host,
			 s->address ? s->address : "", what);
	}
	st->step_line = st->nlines;
	if (st->stepper.nlines)
		add_line(st, A_BOLD, -1, "%s",
			 _("The plan's step (S takes it)"));
	for (size_t i = 0; i < st->stepper.nlines; i++)
		add_line(st, tui_attr(app, st->stepper.lines[i].color), -1,
			 "%*s%s", st->stepper.lines[i].indent + 2, "",
			 st->stepper.lines[i].text);
}

/* Draws the budget bar and the view. */
static void spf_draw(struct app *app, void *state, WINDOW *win)
{
	struct spf_state *st = state;
	int rows = getmaxy(win), cols = getmaxx(win), y = 0;
	size_t lookups;

	target_settle(app, st);
	spf_plan_ready(st);
	stepper_collect(&st->stepper, spf_plan_ready(st));
	widget_textf(win, y++, 1, cols - 2, A_BOLD, _("SPF of %s"),
		     app->domain);
	if (st->error)
		y += widget_wrap(win, y, 1, cols - 2, rows, 0,
				 tui_attr(app, TUI_BAD), st->error);
	if (!st->check) {
		widget_text(win, y, 1, cols - 2, A_NORMAL,
			    tui_dns(app) ? _("Counting the lookups ...")
					 : tui_dns_problem(app));
		return;
	}
	lookups = st->check->lookups;
	{
		int used = widget_textf(win, y, 1, cols - 2, A_BOLD,
					_("Lookups %zu of %d "), lookups,
					SPF_LOOKUP_LIMIT);
		int attr = lookups > SPF_LOOKUP_LIMIT ? tui_attr(app, TUI_BAD)
			   : lookups >= SPF_LOOKUP_LIMIT - 1
			       ? tui_attr(app, TUI_WARN)
			       : tui_attr(app, TUI_GOOD);

		widget_bar(win, y, 1 + used, 30, (double)lookups,
			   SPF_LOOKUP_LIMIT, attr, tui_attr(app, TUI_DIM));
		widget_textf(win, y++, 33 + used, cols - 34 - used, A_NORMAL,
			     _("void %zu of %d"), st->check->void_lookups,
			     SPF_VOID_LIMIT);
	}
	st->cols = cols;
	if (st->step_pending != CMD_NONE && spf_plan_ready(st)) {
		struct tui_key none = { false, 0 };

		stepper_key(&st->stepper, true, none, st->step_pending);
		st->step_pending = CMD_NONE;
	}
	build_lines(app, st);
	st->height = rows - y;
	/* What v or S found shows where the eye is: the view moves to it. */
	if (st->stepper.reveal || st->reveal) {
		size_t at =
		    st->stepper.reveal ? st->step_line : st->verify_line;

		st->stepper.reveal = st->reveal = false;
		if (at < st->nlines) {
			st->list.selected = at;
			st->list.top = at;
		}
	}
	widget_list_clamp(&st->list, st->nlines, st->height);
	for (int i = 0; i < st->height; i++) {
		size_t k = st->list.top + (size_t)i;
		const struct line *l;
		int attr;

		if (k >= st->nlines)
			break;
		l = &st->lines[k];
		attr =
		    k == st->list.selected ? l->attr | (int)A_REVERSE : l->attr;
		if (k == st->list.selected) {
			wattron(win, A_REVERSE);
			mvwhline(win, y + i, 0, ' ', cols);
			wattroff(win, A_REVERSE);
		}
		widget_text(win, y + i, 1, cols - 2, attr, l->text);
	}
}

/* f on an include's line toggles its flattening in the target; the app
 * layer refuses an include that cannot be flattened faithfully. */
static void spf_flatten_toggle(struct app *app, struct spf_state *st)
{
	const struct line *l = st->list.selected < st->nlines
				   ? &st->lines[st->list.selected]
				   : NULL;
	const char *mechanism;
	char **choice;
	size_t n = 0;
	bool was = false;

	if (!l || l->include < 0 || !st->target.flat) {
		tui_error(app, _("Choose an include of the target first."));
		return;
	}
	if (st->building)
		return; /* one build at a time */
	mechanism = st->target.flat->items[l->include].mechanism;
	choice = xcalloc(st->nflatten + 2, sizeof *choice);
	for (size_t i = 0; i < st->nflatten; i++) {
		if (text_ieq(st->flatten[i], mechanism))
			was = true;
		else
			choice[n++] = xstrdup(st->flatten[i]);
	}
	if (!was)
		choice[n++] = xstrdup(mechanism);
	free(st->toggled);
	st->toggled = xstrdup(mechanism);
	st->toggled_off = was;
	target_start(app, st, BUILD_TOGGLE, choice, n);
}

/* s remembers in the store what the target flattens, with the ranges of
 * each flattened include as they are today, so that the maintenance
 * checks can report drift when a provider changes them. */
static void spf_save(struct app *app, struct spf_state *st)
{
	size_t flattened = 0;
	struct err err = ERR_INIT;

	if (!st->target.flat) {
		tui_error(app, _("There is no target record to save yet."));
		return;
	}
	for (size_t i = 0; i < st->target.flat->nitems; i++)
		flattened += st->target.flat->items[i].flattened;
	if (app_spf_target_save(app->session, app->domain, &st->target,
				app->now, &err) != STATUS_OK) {
		tui_error(app, "%s", err_message(&err));
	} else {
		st->dirty = false;
		app->unsaved = false;
		tui_message(app,
			    P_("Saved: %zu flattened include is remembered "
			       "for the drift check.",
			       "Saved: %zu flattened includes are remembered "
			       "for the drift check.",
			       flattened),
			    flattened);
	}
	err_done(&err);
}

/* Frees what the screen holds, abandoning running checks. */
static void spf_clear(struct spf_state *st)
{
	spf_check_run_free(st->run);
	spf_check_free(st->check);
	st->run = NULL;
	st->check = NULL;
	worker_free(st->building);
	st->building = NULL;
	app_spf_target_list_free(st->trying, st->ntrying);
	st->trying = NULL;
	st->ntrying = 0;
	app_spf_target_done(&st->tried);
	free(st->tried_error);
	st->tried_error = NULL;
	free(st->toggled);
	st->toggled = NULL;
	app_spf_target_done(&st->target);
	app_spf_target_list_free(st->flatten, st->nflatten);
	st->flatten = NULL;
	st->nflatten = 0;
	free(st->error);
	st->error = NULL;
	propagate_result_free(st->propagation);
	st->propagation = NULL;
}

/* Keys. */
static bool spf_key(struct app *app, void *state, struct tui_key key,
		    enum command cmd)
{
	struct spf_state *st = state;

	/* The plan is loaded on the first S, not on every visit. */
	if (!st->planned &&
	    (cmd == CMD_STEP || cmd == CMD_FORCE || cmd == CMD_PUBLISH)) {
		st->step_pending = cmd;
		tui_message(app, _("Loading the plan ..."));
		spf_plan(app, st);
		return true;
	}
	if (stepper_key(&st->stepper, spf_plan_ready(st), key, cmd))
		return true;
	if (widget_list_key(&st->list, cmd, st->nlines, st->height))
		return true;
	switch (cmd) {
	case CMD_FLATTEN:
		spf_flatten_toggle(app, st);
		return true;
	case CMD_SAVE:
		spf_save(app, st);
		return true;
	case CMD_VERIFY:
		spf_verify(app, st);
		return true;
	case CMD_RECHECK:
		if (st->propagating)
			return true;
		/* Asking again starts from the flattening saved. */
		if (st->dirty)
			app->unsaved = false;
		st->dirty = false;
		spf_clear(st);
		spf_start(app, st);
		return true;
	default:
		return false;
	}
}

/* Leaves. */
static void spf_leave(struct app *app, void *state)
{
	struct spf_state *st = state;

	/* Leaving drops unsaved flattening, as the senders step drops
	 * what it staged. */
	if (st->dirty)
		app->unsaved = false;
	stepper_done(&st->stepper);
	worker_free(st->loading);
	screen_plan_clear(&st->sp);
	spf_clear(st);
	for (size_t i = 0; i < st->nlines; i++)
		free(st->lines[i].text);
	free(st->lines);
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
