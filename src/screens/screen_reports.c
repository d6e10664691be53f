/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reports screen: import aggregate reports (a path prompt that
 * completes file names, progress file by file), the totals, the weekly
 * trend of the DMARC pass rate, and the sources per IP with their class
 * and what explains them. */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/mail_check.h"
#include "plan/analysis.h"
#include "util/i18n.h"
#include "util/ip.h"
#include "store/report_store.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "screens/replay.h"
#include "screens/tui.h"
#include "screens/widgets.h"

/* The sources looked up in DNS (reverse name, SPF) per analysis. */
#define REPORTS_DNS_SOURCES 50

struct reports_state {
	struct analysis *analysis;
	char *error;
	struct widget_input prompt;
	struct widget_list list;
	int height;
	/* An import under way: the units still to read. */
	char **queue;
	size_t nqueue, next;
	char *importing; /* the path the operator gave */
	struct report_import_stats stats;
	char *last_reject; /* the last rejected unit's message */
	bool analysed;
	struct replay *replay; /* the analysis, asking DNS in the loop */
	struct app *app;
	struct ip_net *disowned; /* networks marked "not ours" */
	size_t ndisowned;
	char *disowning;   /* the source the question is about, or NULL */
};

static const enum command reports_commands[] = {
	CMD_IMPORT, CMD_DISOWN, CMD_UP, CMD_DOWN, CMD_NONE,
};

/* Reads the networks the operator disowned for the domain. */
static void disowned_load(struct app *app, struct reports_state *st)
{
	struct state_disowned *list = NULL;
	size_t n = 0;
	struct err err = ERR_INIT;

	free(st->disowned);
	st->disowned = NULL;
	st->ndisowned = 0;
	if (state_disown_list(tui_store(app), app->domain, &list, &n, &err) !=
	    STATUS_OK) {
		tui_error(app, "%s", err_message(&err));
		err_done(&err);
		return;
	}
	st->disowned = xcalloc(n + 1, sizeof *st->disowned);
	for (size_t i = 0; i < n; i++)
		if (ip_net_parse(list[i].network, AF_UNSPEC,
				 &st->disowned[st->ndisowned]))
			st->ndisowned++;
	state_disowned_free(list, n);
}

/* True when a source lies in a disowned network. */
static bool source_disowned(const struct reports_state *st,
			    const struct analysis_source *s)
{
	struct ip_net ip;

	if (!ip_addr_parse(s->ip, &ip))
		return false;
	for (size_t i = 0; i < st->ndisowned; i++)
		if (ip_net_contains(&st->disowned[i], &ip))
			return true;
	return false;
}

/* Runs the analysis of everything imported for the domain up to today
 * with dns for the sources' reverse names and SPF (replay_fn). */
static void reports_run(void *arg, struct dns *dns)
{
	struct reports_state *st = arg;
	struct app *app = st->app;
	struct analysis_options opt = {
		.dns = dns,
		.providers = tui_providers(app),
		.dns_sources_max = REPORTS_DNS_SOURCES,
	};
	struct err err = ERR_INIT;

	analysis_free(st->analysis);
	st->analysis = NULL;
	free(st->error);
	st->error = NULL;
	if (analysis_run(tui_store(app), app->domain, DATE_ANY, app->cli->now,
			 &opt, &st->analysis, &err) != STATUS_OK)
		st->error = xstrdup(err_message(&err));
	err_done(&err);
}

/* Starts the analysis; its DNS is asked in the loop and the screen
 * shows the result when every answer is in. */
static void reports_analyse(struct app *app, struct reports_state *st)
{
	st->analysed = true;
	replay_free(st->replay);
	st->replay = NULL;
	if (!tui_store(app)) {
		analysis_free(st->analysis);
		st->analysis = NULL;
		free(st->error);
		st->error = xstrdup(session_store_error(app->session));
		return;
	}
	disowned_load(app, st);
	st->replay = replay_start(app, reports_run, st, NULL, 0);
}

/* Opens the screen: the analysis runs as the first unit of work, so that
 * the screen shows before it. */
static void reports_enter(struct app *app, void *state)
{
	struct reports_state *st = state;

	st->app = app;
	st->prompt.complete_files = true;
	tui_work_start(app);
}

/* Orders names. */
static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Queues what to import: the entries of a folder in name order (each
 * imported, and for folders walked, by the report engine), or the path
 * itself. */
static void import_plan(struct reports_state *st, const char *path)
{
	struct stat sb;
	DIR *d;
	struct dirent *e;
	size_t cap = 0;

	st->nqueue = st->next = 0;
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
	    mail_is_maildir(path) ||
	    !(d = opendir(path))) {
		st->queue = xgrow(st->queue, &cap, 1, sizeof *st->queue);
		st->queue[st->nqueue++] = xstrdup(path);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		st->queue = xgrow(st->queue, &cap, st->nqueue + 1,
				  sizeof *st->queue);
		st->queue[st->nqueue++] =
		    xasprintf("%s%s%s", path,
			      path[strlen(path) - 1] == '/' ? "" : "/",
			      e->d_name);
	}
	closedir(d);
	qsort(st->queue, st->nqueue, sizeof *st->queue, name_cmp);
}

/* Frees the import queue. */
static void import_clear(struct reports_state *st)
{
	for (size_t i = 0; i < st->nqueue; i++)
		free(st->queue[i]);
	free(st->queue);
	st->queue = NULL;
	st->nqueue = st->next = 0;
	free(st->importing);
	st->importing = NULL;
}

/* Keeps the last rejected unit's message for the status line. */
static void import_rejected(void *arg, const struct err *err)
{
	struct reports_state *st = arg;

	/* A unit imported with a repair is no rejection. */
	if (err->status == STATUS_OK)
		return;
	free(st->last_reject);
	st->last_reject = text_clean_str(err_message(err));
}

/* Starts importing what the prompt names. */
static void import_start(struct app *app, struct reports_state *st)
{
	import_clear(st);
	memset(&st->stats, 0, sizeof st->stats);
	free(st->last_reject);
	st->last_reject = NULL;
	st->importing = xstrdup(st->prompt.text);
	import_plan(st, st->importing);
	tui_work_start(app);
}

/* Imports one unit, or finishes the import with a summary. */
static bool reports_work(struct app *app, void *state)
{
	struct reports_state *st = state;
	struct store *store;
	struct err err = ERR_INIT;

	if (!st->importing) {
		if (!st->analysed)
			reports_analyse(app, st);
		return false;
	}
	store = tui_store(app);
	if (!store) {
		tui_error(app, "%s", session_store_error(app->session));
		import_clear(st);
		return false;
	}
	if (st->next < st->nqueue) {
		if (report_import_path(store, st->queue[st->next], NULL,
				       &st->stats, import_rejected, st,
				       &err) != STATUS_OK) {
			tui_error(app, "%s", err_message(&err));
			err_done(&err);
			import_clear(st);
			reports_analyse(app, st);
			return false;
		}
		st->next++;
		return true;
	}
	/* The counts first: a long path is what the status line may cut. */
	tui_message(app,
		    _("%lu new, %lu duplicate, %lu rejected; %lu reports, "
		      "%llu messages; from %s"),
		    st->stats.imported, st->stats.duplicates,
		    st->stats.rejected, st->stats.reports,
		    (unsigned long long)st->stats.messages, st->importing);
	if (st->stats.rejected && st->last_reject)
		tui_error(app, _("%lu rejected; the last: %s"),
			  st->stats.rejected, st->last_reject);
	import_clear(st);
	reports_analyse(app, st);
	return false;
}

/* A share as a percentage. */
static double percent(int64_t part, int64_t all)
{
	return all > 0 ? 100.0 * (double)part / (double)all : 0.0;
}

/* The attribute of a source's class. */
static int class_attr(const struct app *app, enum analysis_class c)
{
	switch (c) {
	case ANALYSIS_PASS:
		return tui_attr(app, TUI_GOOD);
	case ANALYSIS_FAIL_UNKNOWN:
		return tui_attr(app, TUI_BAD);
	default:
		return tui_attr(app, TUI_WARN);
	}
}

/* Draws the weekly trend: one bar per ISO week of the DMARC pass rate;
 * returns the rows used. */
static int draw_trend(struct app *app, const struct analysis *a,
		      WINDOW *win, int y, int max_rows, int cols)
{
	size_t first = a->nweeks > (size_t)max_rows
			   ? a->nweeks - (size_t)max_rows
			   : 0;
	int used = 0;

	for (size_t i = first; i < a->nweeks; i++, used++) {
		const struct analysis_period *w = &a->weeks[i];
		double rate = percent(w->t.dmarc_pass, w->t.messages);
		int bar = cols - 42;

		widget_textf(win, y + used, 1, 9, A_NORMAL, "%04d-W%02d",
			     w->iso_year, w->week);
		widget_bar(win, y + used, 11, bar, rate, 100.0,
			   rate >= 98.0 ? tui_attr(app, TUI_GOOD)
					: tui_attr(app, TUI_WARN),
			   tui_attr(app, TUI_DIM));
		widget_textf(win, y + used, 12 + bar, cols - 13 - bar,
			     A_NORMAL, _("%5.1f %% of %lld"), rate,
			     (long long)w->t.messages);
	}
	return used;
}

/* Draws one source row. */
static void draw_source(struct app *app, const struct reports_state *st,
			const struct analysis_source *s, WINDOW *win, int y,
			int cols, bool selected)
{
	bool not_ours = s->failing > 0 && source_disowned(st, s);
	int attr = selected ? A_REVERSE : A_NORMAL;
	/* The reverse name comes from DNS: hostile until cleaned. */
	char *who = text_clean_str(s->provider ? s->provider->name
					       : (s->ptr ? s->ptr : ""));

	if (selected) {
		wattron(win, attr);
		mvwhline(win, y, 0, ' ', cols);
		wattroff(win, attr);
	}
	widget_text(win, y, 1, 16, attr, s->ip);
	widget_textf(win, y, 17, 8, attr, "%7lld", (long long)s->t.messages);
	widget_textf(win, y, 26, 7, attr, "%5.1f%%", s->share * 100.0);
	/* TRANSLATORS: the class of a failing source the operator marked
	 * as spoofing; at most 18 columns. */
	widget_text(win, y, 34, 18,
		    attr | (not_ours ? tui_attr(app, TUI_DIM)
				     : class_attr(app, s->cls)),
		    not_ours ? _("not ours") : analysis_class_name(s->cls));
	widget_text(win, y, 53, cols - 54, attr, who);
	free(who);
}

/* Draws the analysis, the sources and the import line. */
static void reports_draw(struct app *app, void *state, WINDOW *win)
{
	struct reports_state *st = state;
	const struct analysis *a =
	    replay_done(st->replay) ? st->analysis : NULL;
	int rows = getmaxy(win), cols = getmaxx(win), y = 0, list_rows;

	widget_textf(win, y++, 1, cols - 2, A_BOLD, _("Reports for %s"),
		     app->domain);
	if (st->error && replay_done(st->replay))
		y += widget_wrap(win, y, 1, cols - 2, rows - 1, 0,
				 tui_attr(app, TUI_BAD), st->error);
	else if (!a)
		widget_text(win, y++, 1, cols - 2, A_NORMAL,
			    st->replay ? _("Asking DNS about the report "
					   "sources ...")
				       : _("Reading the reports ..."));
	else if (a->reports == 0)
		y += widget_wrap(win, y, 1, cols - 2, rows - 1, 0, A_NORMAL,
				 _("No report imported yet. Press i and give "
				   "a file or a folder of reports (.xml, .gz, "
				   ".zip, mail)."));
	else {
		widget_textf(win, y++, 1, cols - 2, A_NORMAL,
			     P_("%zu report, %lld messages. Pass: DMARC %.1f "
				"%%, SPF aligned %.1f %%, DKIM %.1f %%",
				"%zu reports, %lld messages. Pass: DMARC %.1f "
				"%%, SPF aligned %.1f %%, DKIM %.1f %%",
				a->reports),
			     a->reports, (long long)a->totals.messages,
			     percent(a->totals.dmarc_pass, a->totals.messages),
			     percent(a->totals.spf_aligned,
				     a->totals.messages),
			     percent(a->totals.dkim_aligned,
				     a->totals.messages));
		widget_text(win, y++, 1, cols - 2, A_UNDERLINE,
			    _("DMARC pass rate by week"));
		y += draw_trend(app, a, win, y, 4, cols);
		widget_text(win, y, 1, 16, A_UNDERLINE, _("Source"));
		widget_text(win, y, 17, 8, A_UNDERLINE, _("Messages"));
		widget_text(win, y, 26, 7, A_UNDERLINE, _("Share"));
		widget_text(win, y, 34, 18, A_UNDERLINE, _("Class"));
		widget_text(win, y++, 53, cols - 54, A_UNDERLINE,
			    _("Sender"));
		list_rows = rows - y - 2;
		st->height = list_rows;
		widget_list_clamp(&st->list, a->nsources, list_rows);
		for (int i = 0; i < list_rows; i++) {
			size_t k = st->list.top + (size_t)i;

			if (k >= a->nsources)
				break;
			draw_source(app, st, &a->sources[k], win, y + i, cols,
				    k == st->list.selected);
		}
		if (st->list.selected < a->nsources) {
			const struct analysis_source *s =
			    &a->sources[st->list.selected];
			char *fix = analysis_fix_text(a, s);

			if (fix)
				widget_text(win, rows - 2, 1, cols - 2,
					    tui_attr(app, TUI_WARN), fix);
			else if (s->explained_by) {
				/* A term of an SPF record from DNS. */
				char *by = text_clean_str(s->explained_by);

				widget_textf(win, rows - 2, 1, cols - 2,
					     A_NORMAL, _("%s: explained by %s"),
					     s->ip, by);
				free(by);
			}
			free(fix);
		}
	}
	if (st->disowning)
		widget_textf(win, rows - 1, 1, cols - 2,
			     tui_attr(app, TUI_WARN) | A_BOLD,
			     /* TRANSLATORS: keep within 78 columns with
			      * an IPv4 address. */
			     _("Mark %s as not ours (spoofing)? (y/n)"),
			     st->disowning);
	else if (st->prompt.active)
		widget_input_draw(win, rows - 1, 1, cols - 2,
				  _("Import from (Tab completes):"),
				  &st->prompt, A_NORMAL);
	else if (st->importing && st->nqueue) {
		const char *name = strrchr(st->queue[st->next < st->nqueue
							 ? st->next
							 : st->nqueue - 1],
					   '/');
		int used = widget_textf(win, rows - 1, 1, cols - 2, A_BOLD,
					_("Importing %zu of %zu "), st->next + 1,
					st->nqueue);

		widget_bar(win, rows - 1, 1 + used, 20, (double)st->next,
			   (double)st->nqueue, tui_attr(app, TUI_GOOD),
			   tui_attr(app, TUI_DIM));
		widget_text(win, rows - 1, 22 + used, cols - 23 - used,
			    A_NORMAL, name ? name + 1 : st->queue[0]);
	} else
		widget_text(win, rows - 1, 1, cols - 2, tui_attr(app, TUI_DIM),
			    _("i imports reports from a file or a folder."));
}

/* The folder the prompt starts with: the demo's new reports, or
 * nothing (Tab completes from the current directory), so that a path
 * typed or pasted is taken as it is. */
static const char *import_default(struct app *app, char *buf, size_t size)
{
	if (app->demo) {
		char *inbox = cli_data_path(app->cli, "demo/inbox/");

		snprintf(buf, size, "%s", inbox);
		free(inbox);
		return buf;
	}
	return NULL;
}

/* x on a failing source that nothing explains asks whether to mark it
 * as not ours. */
static void disown_ask(struct app *app, struct reports_state *st)
{
	const struct analysis_source *s;

	if (!replay_done(st->replay) || !st->analysis ||
	    st->list.selected >= st->analysis->nsources) {
		tui_error(app, _("Choose a source first."));
		return;
	}
	s = &st->analysis->sources[st->list.selected];
	if (source_disowned(st, s)) {
		tui_message(app, _("%s is marked as not ours already."), s->ip);
		return;
	}
	if (s->cls != ANALYSIS_FAIL_UNKNOWN) {
		tui_error(app, _("Only a failing source that no sender "
				 "explains can be marked as not ours."));
		return;
	}
	st->disowning = xstrdup(s->ip);
}

/* The answer to the question: y marks the source in the database. */
static void disown_answer(struct app *app, struct reports_state *st,
			  struct tui_key key)
{
	struct err err = ERR_INIT;

	if (!widget_key_yes(key)) {
		tui_message(app, _("Not marked."));
	} else if (state_disown_add(tui_store(app), app->domain,
				    st->disowning, NULL, app->cli->now, NULL,
				    &err) != STATUS_OK) {
		tui_error(app, "%s", err_message(&err));
	} else {
		tui_message(app, _("%s is marked as not ours; it no longer "
				   "holds the plan back."),
			    st->disowning);
		disowned_load(app, st);
	}
	err_done(&err);
	free(st->disowning);
	st->disowning = NULL;
}

/* Keys. */
static bool reports_key(struct app *app, void *state, struct tui_key key,
			enum command cmd)
{
	struct reports_state *st = state;
	size_t n = st->analysis && replay_done(st->replay)
		       ? st->analysis->nsources
		       : 0;

	if (st->disowning) {
		disown_answer(app, st, key);
		return true;
	}
	if (cmd == CMD_DISOWN && !st->prompt.active && !st->importing) {
		disown_ask(app, st);
		return true;
	}

	if (st->prompt.active) {
		switch (widget_input_key(&st->prompt, key)) {
		case INPUT_DONE:
			if (st->prompt.len)
				import_start(app, st);
			return true;
		case INPUT_IGNORED:
			return false;
		default:
			return true;
		}
	}
	if (widget_list_key(&st->list, cmd, n, st->height))
		return true;
	if (cmd == CMD_IMPORT && !st->importing) {
		char buf[1024];

		widget_input_start(&st->prompt,
				   import_default(app, buf, sizeof buf));
		return true;
	}
	return false;
}

/* Frees the screen. */
static void reports_leave(struct app *app, void *state)
{
	struct reports_state *st = state;

	replay_free(st->replay);
	import_clear(st);
	free(st->disowned);
	free(st->disowning);
	analysis_free(st->analysis);
	free(st->error);
	free(st->last_reject);
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
	.commands = reports_commands,
	.state_size = sizeof(struct reports_state),
	.enter = reports_enter,
	.draw = reports_draw,
	.key = reports_key,
	.leave = reports_leave,
	.work = reports_work,
};
