/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reports screen: import aggregate reports (a path prompt that
 * completes file names; the import runs on a worker, its progress file
 * by file), and what the reports of
 * a window say (app/report_view.h, the same use case as `report
 * summary`): by default the plan's readiness window, or the last week,
 * or all time; the totals and the receivers' dispositions, the weekly
 * trend of the DMARC pass rate, the sources grouped by the provider
 * that explains them (a row per source on Enter), and the failure
 * reports with their details. */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/mail_check.h"
#include "app/report_view.h"
#include "plan/analysis.h"
#include "util/i18n.h"
#include "util/ip.h"
#include "store/report_store.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "screens/tui.h"
#include "screens/widgets.h"

/* The sources looked up in DNS (reverse name, SPF) per analysis. */
#define REPORTS_DNS_SOURCES 50

/* A row of the sources list: a provider's group, or one of its sources
 * when the group is open. */
struct reports_row {
	size_t group;
	size_t source; /* index into the analysis' sources, or SIZE_MAX for
			  the group's own row */
};

struct reports_state {
	struct report_view view;
	bool loaded;               /* view holds a result */
	struct analysis *analysis; /* view.analysis, when loaded */
	enum report_window window;
	char *error;
	struct reports_row *rows; /* the list as drawn */
	size_t nrows;
	/* The groups the operator opened: providers' by provider, the
	 * others by kind. */
	const struct provider **open;
	size_t nopen;
	bool open_kind[REPORT_GROUP_UNKNOWN + 1];
	bool failures_shown; /* the failure reports instead of sources */
	struct widget_list flist;
	/* Reports of the domain stored before the import under way, to
	 * say how many it added; -1 when none was made. */
	int64_t stored_before, failures_before;
	int64_t import_added, import_failures;
	struct widget_input prompt;
	struct widget_list list;
	int height;
	/* An import under way: the units still to read. */
	char **queue;
	size_t nqueue, next;
	char *importing; /* the path the operator gave */
	struct report_import_stats stats;
	char *last_reject;       /* the last rejected unit's message */
	struct worker *importer; /* the import on a worker, or NULL */
	bool analysed;
	struct worker *job; /* the analysis on a worker, or NULL */
	struct app *app;
	struct ip_net *disowned; /* networks marked "not ours" */
	size_t ndisowned;
	char *disowning; /* the source the question is about, or NULL */
};

static const enum command reports_commands[] = {
	CMD_IMPORT, CMD_WINDOW, CMD_SELECT, CMD_FAILURES,
	CMD_DISOWN, CMD_UP,     CMD_DOWN,   CMD_NONE,
};

/* The failure reports the screen lists. */
#define REPORTS_FAILURES_MAX 200

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

/* True when the operator opened group g. */
static bool group_open(const struct reports_state *st,
		       const struct report_group *g)
{
	if (g->kind != REPORT_GROUP_PROVIDER)
		return st->open_kind[g->kind];
	for (size_t i = 0; i < st->nopen; i++)
		if (st->open[i] == g->provider)
			return true;
	return false;
}

/* Opens or closes group g. */
static void group_toggle(struct reports_state *st, const struct report_group *g)
{
	const struct provider *p = g->provider;

	if (g->kind != REPORT_GROUP_PROVIDER) {
		st->open_kind[g->kind] = !st->open_kind[g->kind];
		return;
	}
	for (size_t i = 0; i < st->nopen; i++)
		if (st->open[i] == p) {
			st->open[i] = st->open[--st->nopen];
			return;
		}
	st->open = xrealloc(st->open, (st->nopen + 1) * sizeof *st->open);
	st->open[st->nopen++] = p;
}

/* Lays out the list: each group, and under an open one its sources. */
static void rows_build(struct reports_state *st)
{
	const struct report_view *v = &st->view;
	size_t cap = 0;

	st->nrows = 0;
	for (size_t g = 0; st->loaded && g < v->ngroups; g++) {
		bool open = group_open(st, &v->groups[g]);
		size_t n = open ? v->groups[g].nsources : 0;

		st->rows =
		    xgrow(st->rows, &cap, st->nrows + 1 + n, sizeof *st->rows);
		st->rows[st->nrows].group = g;
		st->rows[st->nrows++].source = SIZE_MAX;
		for (size_t k = 0; k < n; k++) {
			st->rows[st->nrows].group = g;
			st->rows[st->nrows++].source = v->groups[g].sources[k];
		}
	}
}

/* One analysis on a worker: what it asks (copied: the screen may go
 * away) and what it leaves. */
struct reports_job {
	char *domain;
	enum report_window window;
	date_t today;
	struct report_view view;
	bool loaded;
	char *error;
};

/* Frees a job with what it still holds. */
static void reports_job_free(void *arg)
{
	struct reports_job *j = arg;

	if (j->loaded)
		report_view_done(&j->view);
	free(j->error);
	free(j->domain);
	free(j);
}

/* The view of the chosen window up to today, on the worker's session:
 * its own connection, its resolver for the sources' reverse names and
 * SPF, the catalogue. */
static void reports_run(void *arg, struct session *s, struct worker *w)
{
	struct reports_job *j = arg;
	struct report_view_request req = {
		.domain = j->domain,
		.window = j->window,
		.today = j->today,
		.analysis = {
			.dns = session_dns(s, NULL),
			.providers = session_providers(s, NULL),
			.dns_sources_max = REPORTS_DNS_SOURCES,
		},
		.failures_max = REPORTS_FAILURES_MAX,
	};
	struct err err = ERR_INIT;
	struct store *store = session_store(s, &err);

	(void)w;
	if (!store ||
	    report_view_load(store, &req, &j->view, &err) != STATUS_OK)
		j->error = xstrdup(err_message(&err));
	else
		j->loaded = true;
	err_done(&err);
}

/* Takes the view when the worker is done. */
static void reports_collect(struct reports_state *st)
{
	struct reports_job *j = worker_arg(st->job);

	if (!st->job || !worker_done(st->job))
		return;
	if (st->loaded)
		report_view_done(&st->view);
	st->loaded = j->loaded;
	st->view = j->view;
	j->loaded = false;
	st->analysis = st->loaded ? st->view.analysis : NULL;
	free(st->error);
	st->error = j->error;
	j->error = NULL;
	if (st->loaded && st->stored_before >= 0) {
		st->import_added = st->view.stored_reports - st->stored_before;
		st->import_failures =
		    st->view.stored_failures - st->failures_before;
	}
	worker_free(st->job);
	st->job = NULL;
	rows_build(st);
}

/* Starts the analysis on a worker; the screen shows the result when it
 * is done, keys are answered meanwhile. */
static void reports_analyse(struct app *app, struct reports_state *st)
{
	struct reports_job *j;

	st->analysed = true;
	worker_free(st->job);
	st->job = NULL;
	if (!tui_store(app)) {
		if (st->loaded)
			report_view_done(&st->view);
		st->loaded = false;
		st->analysis = NULL;
		rows_build(st);
		free(st->error);
		st->error = xstrdup(session_store_error(app->session));
		return;
	}
	disowned_load(app, st);
	j = xcalloc(1, sizeof *j);
	j->domain = xstrdup(app->domain);
	j->window = st->window;
	j->today = app->now;
	st->job = tui_worker_start(app, reports_run, j, reports_job_free);
}

/* Opens the screen: the analysis runs as the first unit of work, so that
 * the screen shows before it. */
static void reports_enter(struct app *app, void *state)
{
	struct reports_state *st = state;

	st->app = app;
	st->prompt.complete_files = true;
	st->window = REPORT_WINDOW_PLAN;
	st->stored_before = -1;
	/* The sources nothing explains are the ones to look at: open. */
	st->open_kind[REPORT_GROUP_UNKNOWN] = true;
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
	    mail_is_maildir(path) || !(d = opendir(path))) {
		st->queue = xgrow(st->queue, &cap, 1, sizeof *st->queue);
		st->queue[st->nqueue++] = xstrdup(path);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		st->queue =
		    xgrow(st->queue, &cap, st->nqueue + 1, sizeof *st->queue);
		st->queue[st->nqueue++] = xasprintf(
		    "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/",
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

/* An import on a worker: the units to read (moved in from the
 * screen) and, under the worker's lock, how far it came. */
struct import_job {
	char **queue;
	size_t nqueue;
	size_t next;                      /* units read */
	struct report_import_stats stats; /* of the units read */
	char *last_reject;                /* the last rejected unit's message */
	char *error;                      /* why the import stopped, or NULL */
	struct worker *worker;
};

/* Frees an import with what it holds. */
static void import_job_free(void *arg)
{
	struct import_job *j = arg;

	for (size_t i = 0; i < j->nqueue; i++)
		free(j->queue[i]);
	free(j->queue);
	free(j->last_reject);
	free(j->error);
	free(j);
}

/* Keeps the last rejected unit's message for the status line. */
static void import_rejected(void *arg, const struct err *err)
{
	struct import_job *j = arg;
	char *clean;

	/* A unit imported with a repair is no rejection. */
	if (err->status == STATUS_OK)
		return;
	clean = text_clean_str(err_message(err));
	worker_lock(j->worker);
	free(j->last_reject);
	j->last_reject = clean;
	worker_unlock(j->worker);
}

/* The job: the report engine reads each unit into the worker's own
 * connection; the counts go to the loop after each. */
static void import_run(void *arg, struct session *s, struct worker *w)
{
	struct import_job *j = arg;
	struct report_import_stats stats;
	struct err err = ERR_INIT;
	struct store *store;

	j->worker = w;
	memset(&stats, 0, sizeof stats);
	if (!(store = session_store(s, &err))) {
		j->error = xstrdup(err_message(&err));
		err_done(&err);
		return;
	}
	for (size_t i = 0; i < j->nqueue; i++) {
		if (report_import_path(store, j->queue[i], NULL, &stats,
				       import_rejected, j, &err) != STATUS_OK) {
			j->error = xstrdup(err_message(&err));
			err_done(&err);
			break;
		}
		worker_lock(w);
		j->next = i + 1;
		j->stats = stats;
		worker_unlock(w);
		worker_wake(w);
	}
}

/* Starts importing what the prompt names, on a worker: keys are
 * answered and drawn while a large file is read. */
static void import_start(struct app *app, struct reports_state *st)
{
	struct import_job *j = xcalloc(1, sizeof *j);

	import_clear(st);
	memset(&st->stats, 0, sizeof st->stats);
	free(st->last_reject);
	st->last_reject = NULL;
	st->importing = xstrdup(st->prompt.text);
	st->stored_before = st->loaded ? st->view.stored_reports : -1;
	st->failures_before = st->loaded ? st->view.stored_failures : 0;
	st->import_added = st->import_failures = 0;
	import_plan(st, st->importing);
	/* The names stay with the screen for the progress line. */
	j->queue = xcalloc(st->nqueue ? st->nqueue : 1, sizeof *j->queue);
	for (size_t i = 0; i < st->nqueue; i++)
		j->queue[i] = xstrdup(st->queue[i]);
	j->nqueue = st->nqueue;
	st->importer = tui_worker_start(app, import_run, j, import_job_free);
}

/* Follows the import: its progress into the screen's counts, and at
 * its end the summary and the analysis again. */
static void import_collect(struct app *app, struct reports_state *st)
{
	struct import_job *j = worker_arg(st->importer);

	if (!st->importer)
		return;
	worker_lock(st->importer);
	st->next = j->next;
	st->stats = j->stats;
	worker_unlock(st->importer);
	if (!worker_done(st->importer))
		return;
	free(st->last_reject);
	st->last_reject = j->last_reject;
	j->last_reject = NULL;
	if (j->error) {
		tui_error(app, "%s", j->error);
	} else {
		/* The counts first: a long path is what the status line
		 * may cut. */
		tui_message(app,
			    _("%lu new, %lu duplicate, %lu rejected; %lu "
			      "reports, %llu messages; from %s"),
			    st->stats.imported, st->stats.duplicates,
			    st->stats.rejected, st->stats.reports,
			    (unsigned long long)st->stats.messages,
			    st->importing);
		if (st->stats.rejected && st->last_reject)
			tui_error(app, _("%lu rejected; the last: %s"),
				  st->stats.rejected, st->last_reject);
	}
	worker_free(st->importer);
	st->importer = NULL;
	import_clear(st);
	reports_analyse(app, st);
}

/* The screen's first unit of work: the analysis. */
static bool reports_work(struct app *app, void *state)
{
	struct reports_state *st = state;

	if (!st->analysed)
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
static int draw_trend(struct app *app, const struct analysis *a, WINDOW *win,
		      int y, int max_rows, int cols)
{
	size_t first =
	    a->nweeks > (size_t)max_rows ? a->nweeks - (size_t)max_rows : 0;
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
		widget_textf(win, y + used, 12 + bar, cols - 13 - bar, A_NORMAL,
			     _("%5.1f %% of %lld"), rate,
			     (long long)w->t.messages);
	}
	return used;
}

/* Fills a selected row's background. */
static int row_start(WINDOW *win, int y, int cols, bool selected)
{
	int attr = selected ? A_REVERSE : A_NORMAL;

	if (selected) {
		wattron(win, attr);
		mvwhline(win, y, 0, ' ', cols);
		wattroff(win, attr);
	}
	return attr;
}

/* Draws one source row, under its group. */
static void draw_source(struct app *app, const struct reports_state *st,
			const struct analysis_source *s, WINDOW *win, int y,
			int cols, bool selected)
{
	bool not_ours = s->failing > 0 && source_disowned(st, s);
	int attr = row_start(win, y, cols, selected);
	/* The reverse name comes from DNS: hostile until cleaned. */
	char *ptr = text_clean_str(s->ptr ? s->ptr : "");

	widget_text(win, y, 3, 22, attr, s->ip);
	widget_textf(win, y, 26, 8, attr, "%8lld", (long long)s->t.messages);
	widget_textf(win, y, 35, 7, attr, "%5.1f%%", s->share * 100.0);
	/* TRANSLATORS: the class of a failing source the operator marked
	 * as spoofing; at most 18 columns. */
	widget_text(win, y, 43, 18,
		    attr | (not_ours ? tui_attr(app, TUI_DIM)
				     : class_attr(app, s->cls)),
		    not_ours ? _("not ours") : analysis_class_name(s->cls));
	widget_text(win, y, 62, cols - 63, attr, ptr);
	free(ptr);
}

/* Draws one provider's row: its name, sources, volume and worst
 * class. */
static void draw_group(struct app *app, const struct reports_state *st,
		       const struct report_group *g, WINDOW *win, int y,
		       int cols, bool selected)
{
	int attr = row_start(win, y, cols, selected);
	int64_t all = st->analysis->totals.messages;

	widget_text(win, y, 1, 2, attr, group_open(st, g) ? "-" : "+");
	/* TRANSLATORS: the groups of sources no provider of the catalogue
	 * explains: those the domain's SPF record or its senders
	 * authorize, and the rest; at most 22 columns. */
	widget_text(win, y, 3, 22, attr | A_BOLD,
		    g->kind == REPORT_GROUP_PROVIDER ? g->provider->name
		    : g->kind == REPORT_GROUP_OWN    ? _("your servers")
						     : _("unexplained"));
	widget_textf(win, y, 26, 8, attr, "%8lld", (long long)g->t.messages);
	widget_textf(win, y, 35, 7, attr, "%5.1f%%",
		     percent(g->t.messages, all));
	widget_text(win, y, 43, 18, attr | class_attr(app, g->worst),
		    analysis_class_name(g->worst));
	if (g->nsources == 1)
		widget_text(win, y, 62, cols - 63, attr,
			    st->analysis->sources[g->sources[0]].ip);
	else
		widget_textf(win, y, 62, cols - 63, attr,
			     P_("%zu source", "%zu sources", g->nsources),
			     g->nsources);
}

/* The window in words: "last 14 days (2026-11-17 to 2026-11-30)". */
static void window_text(const struct reports_state *st, char *buf, size_t size)
{
	char d1[DATE_BUFSIZE], d2[DATE_BUFSIZE];
	const struct report_view *v = &st->view;

	date_format(v->until, d2);
	switch (v->window) {
	case REPORT_WINDOW_ALL:
		snprintf(buf, size, _("all time up to %s"), d2);
		break;
	case REPORT_WINDOW_WEEK:
		snprintf(buf, size, _("last 7 days (%s to %s)"),
			 date_format(v->since, d1), d2);
		break;
	default:
		/* TRANSLATORS: the window readiness judges. */
		snprintf(buf, size, _("plan window, last %d days (%s to %s)"),
			 v->plan_days, date_format(v->since, d1), d2);
		break;
	}
}

/* Draws a field of a failure report, cleaned, on row y if it is above
 * the last row; returns the rows used. */
static int draw_field(WINDOW *win, int y, int rows, int cols, const char *label,
		      const char *value)
{
	char *clean;

	if (!value || y >= rows - 1)
		return 0;
	clean = text_clean_str(value);
	widget_text(win, y, 3, 16, A_BOLD, label);
	widget_text(win, y, 20, cols - 21, A_NORMAL, clean);
	free(clean);
	return 1;
}

/* Draws the failure reports: a list, and the selected one's details
 * below it. */
static void draw_failures(struct app *app, struct reports_state *st,
			  WINDOW *win, int y, int rows, int cols)
{
	const struct report_view *v = &st->view;
	int list_rows = v->nfailures < 3 ? (int)v->nfailures : 3;
	const struct report_failure *f;
	char *dkim = NULL;

	widget_textf(win, y++, 1, cols - 2, A_UNDERLINE,
		     P_("%lld failure report (e returns to the sources)",
			"%lld failure reports (e returns to the sources)",
			(unsigned long)v->stored_failures),
		     (long long)v->stored_failures);
	if (v->nfailures == 0) {
		widget_wrap(win, y, 1, cols - 2, rows - 1, 0, A_NORMAL,
			    _("No failure report received. Receivers send "
			      "them to the ruf address of the DMARC record, "
			      "one mail per failing message."));
		return;
	}
	widget_list_clamp(&st->flist, v->nfailures, list_rows);
	st->height = list_rows;
	for (int i = 0; i < list_rows; i++) {
		size_t k = st->flist.top + (size_t)i;
		char *ip, *from;
		int attr;

		if (k >= v->nfailures)
			break;
		f = &v->failures[k];
		attr = row_start(win, y + i, cols, k == st->flist.selected);
		ip = text_clean_str(f->source_ip ? f->source_ip : "-");
		from =
		    text_clean_str(f->original_from ? f->original_from : "-");
		widget_text(win, y + i, 1, 22, attr, ip);
		widget_text(win, y + i, 24, 8, attr | tui_attr(app, TUI_BAD),
			    f->auth_failure ? f->auth_failure : "-");
		widget_text(win, y + i, 33, cols - 34, attr, from);
		free(ip);
		free(from);
	}
	y += list_rows;
	f = &v->failures[st->flist.selected];
	if (f->dkim_domain)
		/* TRANSLATORS: a DKIM signature's d= and s= (RFC 6376). */
		dkim = xasprintf(_("%s, selector %s"), f->dkim_domain,
				 f->dkim_selector ? f->dkim_selector : "-");
	/* TRANSLATORS: labels of a failure report's fields; at most 16
	 * columns. */
	y += draw_field(win, y, rows, cols, _("Source"), f->source_ip);
	y += draw_field(win, y, rows, cols, _("Failed"), f->auth_failure);
	y += draw_field(win, y, rows, cols, _("Arrived"), f->arrival);
	y += draw_field(win, y, rows, cols, _("From"), f->original_from);
	y += draw_field(win, y, rows, cols, _("Mail-From"),
			f->original_mail_from);
	y += draw_field(win, y, rows, cols, _("Message-ID"),
			f->original_message_id);
	y += draw_field(win, y, rows, cols, _("DKIM signature"), dkim);
	y += draw_field(win, y, rows, cols, _("SPF domain"), f->spf_domain);
	y += draw_field(win, y, rows, cols, _("Delivery"), f->delivery_result);
	draw_field(win, y, rows, cols, _("Report"), f->source);
	free(dkim);
}

/* Draws the sources grouped by provider, and the selected one's fix. */
static void draw_sources(struct app *app, struct reports_state *st, WINDOW *win,
			 int y, int rows, int cols)
{
	const struct analysis *a = st->analysis;
	const struct report_view *v = &st->view;
	int list_rows;
	const struct reports_row *sel;
	size_t pick;

	/* TRANSLATORS: column heads of the sources. */
	widget_text(win, y, 1, 24, A_UNDERLINE, _("Provider / source"));
	widget_text(win, y, 26, 8, A_UNDERLINE, _("Messages"));
	widget_text(win, y, 35, 7, A_UNDERLINE, _("Share"));
	widget_text(win, y, 43, 18, A_UNDERLINE, _("Class"));
	widget_text(win, y++, 62, cols - 63, A_UNDERLINE, _("Detail"));
	list_rows = rows - y - 2;
	st->height = list_rows;
	widget_list_clamp(&st->list, st->nrows, list_rows);
	for (int i = 0; i < list_rows; i++) {
		size_t k = st->list.top + (size_t)i;
		const struct reports_row *r;

		if (k >= st->nrows)
			break;
		r = &st->rows[k];
		if (r->source == SIZE_MAX)
			draw_group(app, st, &v->groups[r->group], win, y + i,
				   cols, k == st->list.selected);
		else
			draw_source(app, st, &a->sources[r->source], win, y + i,
				    cols, k == st->list.selected);
	}
	if (st->list.selected >= st->nrows)
		return;
	sel = &st->rows[st->list.selected];
	pick = sel->source;
	/* A group of one source stands for it. */
	if (pick == SIZE_MAX && v->groups[sel->group].nsources == 1)
		pick = v->groups[sel->group].sources[0];
	if (pick == SIZE_MAX) {
		widget_text(win, rows - 2, 1, cols - 2, tui_attr(app, TUI_DIM),
			    group_open(st, &v->groups[sel->group])
				? _("Enter closes the group.")
				: _("Enter shows a row per source."));
	} else {
		const struct analysis_source *s = &a->sources[pick];
		char *fix = analysis_fix_text(a, s);

		if (fix)
			widget_text(win, rows - 2, 1, cols - 2,
				    tui_attr(app, TUI_WARN), fix);
		else if (s->explained_by) {
			/* A term of an SPF record from DNS. */
			char *by = text_clean_str(s->explained_by);

			widget_textf(win, rows - 2, 1, cols - 2, A_NORMAL,
				     _("%s: explained by %s"), s->ip, by);
			free(by);
		}
		free(fix);
	}
}

/* Draws the view, the sources or failure reports, and the import line. */
static void reports_draw(struct app *app, void *state, WINDOW *win)
{
	struct reports_state *st = state;
	const struct analysis *a;

	import_collect(app, st);
	reports_collect(st);
	a = !st->job && st->loaded ? st->analysis : NULL;
	const struct report_view *v = &st->view;
	int rows = getmaxy(win), cols = getmaxx(win), y = 0;
	char window[128];

	widget_textf(win, y++, 1, cols - 2, A_BOLD, _("Reports for %s"),
		     app->domain);
	if (st->error && !st->job)
		y += widget_wrap(win, y, 1, cols - 2, rows - 1, 0,
				 tui_attr(app, TUI_BAD), st->error);
	else if (!a)
		widget_text(win, y++, 1, cols - 2, A_NORMAL,
			    st->job ? _("Asking DNS about the report "
					"sources ...")
				    : _("Reading the reports ..."));
	else if (v->stored_reports == 0 && v->stored_failures == 0)
		y += widget_wrap(win, y, 1, cols - 2, rows - 1, 0, A_NORMAL,
				 _("No report imported yet. Press i and give "
				   "a file or a folder of reports (.xml, .gz, "
				   ".zip, mail)."));
	else {
		window_text(st, window, sizeof window);
		/* TRANSLATORS: "t" switches plan window, week, all time. */
		widget_textf(win, y++, 1, cols - 2, A_NORMAL,
			     _("%s  (t switches)"), window);
		if (a->reports == 0)
			widget_textf(win, y++, 1, cols - 2, A_NORMAL,
				     _("No report in this window; %lld are "
				       "stored. Failure reports: %lld (e)"),
				     (long long)v->stored_reports,
				     (long long)v->stored_failures);
		else {
			widget_textf(
			    win, y++, 1, cols - 2, A_NORMAL,
			    _("%zu of %lld reports, %lld messages; pass: "
			      "DMARC %.1f%%, SPF %.1f%%, DKIM %.1f%%"),
			    a->reports, (long long)v->stored_reports,
			    (long long)a->totals.messages,
			    percent(a->totals.dmarc_pass, a->totals.messages),
			    percent(a->totals.spf_aligned, a->totals.messages),
			    percent(a->totals.dkim_aligned,
				    a->totals.messages));
			widget_textf(win, y++, 1, cols - 2, A_NORMAL,
				     _("Receivers: none %lld, quarantine %lld, "
				       "reject %lld. Failure reports: %lld "
				       "(e)"),
				     (long long)v->delivered,
				     (long long)v->quarantined,
				     (long long)v->rejected,
				     (long long)v->stored_failures);
		}
		if (st->stored_before >= 0 && !st->importing)
			widget_textf(win, y++, 1, cols - 2,
				     tui_attr(app, TUI_GOOD),
				     _("The import added %lld reports and %lld "
				       "failure reports for %s (now %lld)."),
				     (long long)st->import_added,
				     (long long)st->import_failures,
				     app->domain, (long long)v->stored_reports);
		if (st->failures_shown)
			draw_failures(app, st, win, y, rows, cols);
		else {
			widget_text(win, y++, 1, cols - 2, A_UNDERLINE,
				    _("DMARC pass rate by week"));
			y += draw_trend(app, a, win, y, 3, cols);
			draw_sources(app, st, win, y, rows, cols);
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
		const char *name =
		    strrchr(st->queue[st->next < st->nqueue ? st->next
							    : st->nqueue - 1],
			    '/');
		int used = widget_textf(
		    win, rows - 1, 1, cols - 2, A_BOLD,
		    _("Importing %zu of %zu (%zu read, %lu reports stored) "),
		    st->next < st->nqueue ? st->next + 1 : st->nqueue,
		    st->nqueue, st->next, st->stats.reports);

		widget_bar(win, rows - 1, 1 + used, 20, (double)st->next,
			   (double)st->nqueue, tui_attr(app, TUI_GOOD),
			   tui_attr(app, TUI_DIM));
		widget_text(win, rows - 1, 22 + used, cols - 23 - used,
			    A_NORMAL, name ? name + 1 : st->queue[0]);
	} else
		widget_text(win, rows - 1, 1, cols - 2, tui_attr(app, TUI_DIM),
			    _("i imports reports; p switches the window; e "
			      "shows the failure reports."));
}

/* The folder the prompt starts with: the demo's new reports, or
 * nothing (Tab completes from the current directory), so that a path
 * typed or pasted is taken as it is. */
static const char *import_default(struct app *app, char *buf, size_t size)
{
	if (app->demo) {
		char *inbox = tui_data_path(app, "demo/inbox/");

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
	const struct reports_row *r;
	size_t k;

	if (st->job || !st->analysis || st->failures_shown ||
	    st->list.selected >= st->nrows) {
		tui_error(app, _("Choose a source first."));
		return;
	}
	r = &st->rows[st->list.selected];
	k = r->source;
	/* A group of one source stands for it. */
	if (k == SIZE_MAX && st->view.groups[r->group].nsources == 1)
		k = st->view.groups[r->group].sources[0];
	if (k == SIZE_MAX &&
	    st->view.groups[r->group].worst != ANALYSIS_FAIL_UNKNOWN) {
		tui_error(app, _("Only a failing source that no sender "
				 "explains can be marked as not ours."));
		return;
	}
	if (k == SIZE_MAX) {
		tui_error(app, _("Open the group with Enter and choose a "
				 "source first."));
		return;
	}
	s = &st->analysis->sources[k];
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
	} else if (state_disown_add(tui_store(app), app->domain, st->disowning,
				    NULL, app->now, NULL, &err) != STATUS_OK) {
		tui_error(app, "%s", err_message(&err));
	} else {
		tui_message(app,
			    _("%s is marked as not ours; it no longer "
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
	bool ready = st->loaded && !st->job;

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
	if (ready && st->failures_shown) {
		if (widget_list_key(&st->flist, cmd, st->view.nfailures,
				    st->height))
			return true;
		if (cmd == CMD_FAILURES || cmd == CMD_BACK) {
			st->failures_shown = false;
			return true;
		}
	} else if (ready) {
		if (widget_list_key(&st->list, cmd, st->nrows, st->height))
			return true;
		if (cmd == CMD_SELECT && st->list.selected < st->nrows) {
			const struct reports_row *r =
			    &st->rows[st->list.selected];
			size_t g = r->group;

			group_toggle(st, &st->view.groups[g]);
			rows_build(st);
			/* The cursor stays on the group's row. */
			for (size_t i = 0; i < st->nrows; i++)
				if (st->rows[i].group == g &&
				    st->rows[i].source == SIZE_MAX)
					st->list.selected = i;
			return true;
		}
		if (cmd == CMD_FAILURES) {
			st->failures_shown = true;
			return true;
		}
	}
	if (cmd == CMD_WINDOW && !st->importing) {
		st->window = (enum report_window)((st->window + 1) %
						  REPORT_WINDOW_COUNT);
		st->list.selected = st->list.top = 0;
		reports_analyse(app, st);
		return true;
	}
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

	worker_free(st->job);
	/* An import goes on to its end on its own. */
	worker_free(st->importer);
	import_clear(st);
	free(st->disowned);
	free(st->disowning);
	if (st->loaded)
		report_view_done(&st->view);
	free(st->rows);
	free(st->open);
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
		   ".gz, .zip, mailboxes). The screen shows the window the "
		   "plan judges readiness by; p switches to the last week and "
		   "to all time. Sources are grouped by the provider that "
		   "explains them: Enter shows a row per source. Sources that "
		   "fail and match no sender of your inventory must be "
		   "understood before the policy gets stricter. e lists the "
		   "failure reports (one per failing message, sent to the ruf "
		   "address) with their details."),
	.commands = reports_commands,
	.state_size = sizeof(struct reports_state),
	.enter = reports_enter,
	.draw = reports_draw,
	.key = reports_key,
	.leave = reports_leave,
	.work = reports_work,
};
