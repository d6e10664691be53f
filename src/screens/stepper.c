/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Taking the plan's step from a screen (screens/stepper.h). */
#include "config.h"

#include "screens/stepper.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "store/state.h"
#include "screens/publish.h"
#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "screens/widgets.h"

/* Starts a stepper. */
void stepper_init(struct stepper *s, struct app *app, struct screen_plan *sp,
		  void (*recorded)(void *arg), void *arg)
{
	memset(s, 0, sizeof *s);
	s->app = app;
	s->sp = sp;
	s->recorded = recorded;
	s->arg = arg;
}

/* Forgets the lines of the last step. */
static void lines_clear(struct stepper *s)
{
	for (size_t i = 0; i < s->nlines; i++)
		free(s->lines[i].text);
	free(s->lines);
	s->lines = NULL;
	s->nlines = 0;
}

/* Adds a line (printf-style), cleaned of control characters: reasons
 * and server answers quote DNS and report data. */
static void line_add(struct stepper *s, enum tui_color color, int indent,
		     const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static void line_add(struct stepper *s, enum tui_color color, int indent,
		     const char *format, ...)
{
	va_list ap;
	char *raw;
	struct stepper_line *l;

	va_start(ap, format);
	raw = xvasprintf(format, ap);
	va_end(ap);
	s->lines = xrealloc(s->lines, (s->nlines + 1) * sizeof *s->lines);
	l = &s->lines[s->nlines++];
	l->text = text_clean_str(raw);
	l->color = color;
	l->indent = indent;
	free(raw);
	s->reveal = true;
}

/* Rewrites line i (the job's progress line), cleaned. */
static void line_set(struct stepper *s, size_t i, enum tui_color color,
		     const char *text)
{
	if (i >= s->nlines)
		return;
	free(s->lines[i].text);
	s->lines[i].text = text_clean_str(text);
	s->lines[i].color = color;
}

/* A record on a worker: the plan (moved in from the screen), the day,
 * and how it went. */
struct record_job {
	struct screen_plan sp;
	date_t today;
	char *error; /* why it was not recorded, or NULL */
};

/* Frees a record with what it still holds. */
static void record_free(void *arg)
{
	struct record_job *j = arg;

	screen_plan_clear(&j->sp);
	free(j->error);
	free(j);
}

/* The job: the app layer's record (for SPF it measures what the live
 * record costs through the worker's resolver) on the worker's session. */
static void record_run(void *arg, struct session *s, struct worker *w)
{
	struct record_job *j = arg;
	struct err err = ERR_INIT;

	(void)w;
	if (app_step_record(s, &j->sp.inputs, &j->sp.plan, j->today, &err) !=
	    STATUS_OK)
		j->error = xstrdup(err_message(&err));
	err_done(&err);
}

/* Gives the job's plan back to the screen unless the screen has one
 * again (a loading came in meanwhile); the job then frees it. */
static void plan_give_back(struct stepper *s, struct screen_plan *sp)
{
	if (s->sp->loaded || s->sp->error)
		return;
	*s->sp = *sp;
	memset(sp, 0, sizeof *sp);
}

/* Lists the plan's reasons under a heading. */
static void add_reasons(struct stepper *s, const struct rollout_plan *p)
{
	for (size_t i = 0; i < p->reasons.count; i++)
		line_add(s, TUI_WARN, 2, "- %s", p->reasons.items[i].message);
}

/* The per-domain servers to verify on (the "servers" setting, as
 * step --servers), or NULL for the zone's name servers; caller frees. */
char *stepper_servers(struct app *app)
{
	struct state_settings set;
	struct store *store = tui_store(app);
	char *servers = NULL;

	state_settings_defaults(&set);
	if (store && app->domain &&
	    state_settings_get(store, app->domain, &set, NULL) == STATUS_OK &&
	    set.servers)
		servers = xstrdup(set.servers);
	state_settings_done(&set);
	return servers;
}

/* Lists what each server said about each name. */
static void add_checks(struct stepper *s, const struct app_step_checks *c)
{
	for (size_t k = 0; k < c->count; k++) {
		const struct propagate_result *r = c->results[k];

		if (!r)
			continue;
		if (c->count > 1 || r->error)
			line_add(s, TUI_NORMAL, 2, "%s:", r->name);
		if (r->error)
			line_add(s, TUI_WARN, 4, "%s", r->error);
		for (size_t i = 0; i < r->count; i++) {
			const struct propagate_server *v = &r->servers[i];

			line_add(
			    s,
			    v->state == PROPAGATE_SERVES ? TUI_GOOD : TUI_WARN,
			    4, "%-22s %-20s %s", v->host,
			    v->address ? v->address : "-",
			    v->state == PROPAGATE_SERVES ? _("serves it")
			    : v->state == PROPAGATE_DIFFERENT
				? _("still serves another record")
				: (v->error ? v->error : _("unreachable")));
		}
	}
}

/* The checks are in. Called from the resolver's loop, where nothing
 * may run the loop again (recording an SPF step measures the live
 * record through the resolver): kept for stepper_collect(). */
static void step_verified(void *arg, struct app_step_checks *checks)
{
	struct stepper *s = arg;

	s->arrived = checks;
}

static void job_collect(struct stepper *s);

/* Starts recording the step when every server serves every record
 * (app/step.h, the rules of dmarcpilot step), and follows a job. */
void stepper_collect(struct stepper *s, bool plan_ready)
{
	struct app_step_checks *checks = s->arrived;
	struct app *app = s->app;
	const struct rollout_plan *p = &s->sp->plan;

	job_collect(s);
	if (s->pending != CMD_NONE && plan_ready) {
		struct tui_key none = { false, 0 };
		enum command cmd = s->pending;

		s->pending = CMD_NONE;
		stepper_key(s, true, none, cmd);
	}
	if (!checks)
		return;
	s->arrived = NULL;
	s->verifying = false;
	lines_clear(s);
	if (s->forced)
		line_add(s, TUI_WARN, 0,
			 _("Forced: the plan does not call %s ready."),
			 p->next.label);
	add_checks(s, checks);
	if (!app_step_checks_live(checks)) {
		size_t serving = 0, count = 0;

		for (size_t k = 0; k < checks->count; k++)
			if (checks->results[k]) {
				serving += checks->results[k]->serving;
				count += checks->results[k]->count;
			}
		line_add(s, TUI_BAD, 0,
			 _("Not recorded: %zu of %zu servers serve %s. Press "
			   "S again once every server serves it."),
			 serving, count, p->next.label ? p->next.label : "");
		tui_error(app,
			  _("Not recorded: %zu of %zu servers serve the "
			    "new record."),
			  serving, count);
	} else {
		/* Off the input path: an SPF step measures the live
		 * record's lookups through DNS before it is recorded. */
		struct record_job *j = xcalloc(1, sizeof *j);

		free(s->label);
		s->label = xstrdup(p->next.label ? p->next.label : "");
		line_add(s, TUI_NORMAL, 0, _("Recording %s ..."), s->label);
		s->progress = s->nlines - 1;
		j->sp = *s->sp;
		memset(s->sp, 0, sizeof *s->sp);
		j->today = app->now;
		s->publishing = false;
		s->job = tui_worker_start(app, record_run, j, record_free);
	}
	app_step_checks_free(checks);
}

/* Shows how far a publish has come. */
static void publish_show(struct stepper *s)
{
	struct screen_publish *j = worker_arg(s->job);
	char *line = NULL;

	worker_lock(s->job);
	if (j->count > 0)
		line = xasprintf(_("Publishing %s: sent, accepted by %s; %zu "
				   "of %zu servers serve it (%.0f s) ..."),
				 s->label, j->server ? j->server : "?",
				 j->serving, j->count, j->waited);
	else if (j->accepted)
		line = xasprintf(_("Publishing %s: sent, accepted by %s; "
				   "asking every server ..."),
				 s->label, j->server ? j->server : "?");
	worker_unlock(s->job);
	if (line)
		line_set(s, s->progress, TUI_NORMAL, line);
	free(line);
}

/* A publish ended: the lines and the message say how. Returns true
 * when the step was recorded. */
static bool publish_end(struct stepper *s)
{
	struct screen_publish *j = worker_arg(s->job);
	struct app *app = s->app;
	char *done;

	if (j->error) {
		line_set(s, s->progress, TUI_BAD, j->error);
		for (size_t i = 0; i < j->r.nlive; i++)
			line_add(s, TUI_WARN, 2, _("served now: %s"),
				 j->r.live[i]);
		line_add(s, TUI_BAD, 0, _("Not published; nothing recorded."));
		tui_error(app, _("Not published: %s"), j->error);
		plan_give_back(s, &j->sp);
		return false;
	}
	if (j->r.gate != APP_STEP_GO || !j->r.recorded) {
		line_set(s, s->progress, TUI_WARN, _("Nothing published."));
		tui_message(app, _("Nothing published."));
		plan_give_back(s, &j->sp);
		return false;
	}
	if (j->r.forced)
		line_add(s, TUI_WARN, 0,
			 _("Forced: the plan does not call %s ready."),
			 j->r.label);
	done = xasprintf(_("Published and recorded: %s is live on every "
			   "server."),
			 j->r.label ? j->r.label : s->label);
	line_set(s, s->progress, TUI_GOOD, done);
	tui_message(app, "%s", done);
	free(done);
	return true;
}

/* A record ended. Returns true when the step was recorded. */
static bool record_end(struct stepper *s)
{
	struct record_job *j = worker_arg(s->job);
	char *done;

	if (j->error) {
		line_set(s, s->progress, TUI_BAD, j->error);
		tui_error(s->app, "%s", j->error);
		plan_give_back(s, &j->sp);
		return false;
	}
	done = xasprintf(_("Recorded: %s is live on every server."), s->label);
	line_set(s, s->progress, TUI_GOOD, done);
	tui_message(s->app, "%s", done);
	free(done);
	return true;
}

/* Shows a job's progress, or its end. */
static void job_collect(struct stepper *s)
{
	bool recorded;

	if (!s->job)
		return;
	if (!worker_done(s->job)) {
		if (s->publishing)
			publish_show(s);
		return;
	}
	recorded = s->publishing ? publish_end(s) : record_end(s);
	worker_free(s->job);
	s->job = NULL;
	s->reveal = true;
	if (recorded && s->recorded)
		s->recorded(s->arg);
}

/* Sends out the checks of the next step. */
static void step_go(struct stepper *s, bool forced)
{
	struct app *app = s->app;
	const struct rollout_plan *p = &s->sp->plan;
	struct app_step_checks *checks = NULL;
	struct propagate_options o;
	struct err err = ERR_INIT;

	lines_clear(s);
	if (!tui_dns(app)) {
		line_add(s, TUI_BAD, 0, "%s", tui_dns_problem(app));
		return;
	}
	if (forced)
		line_add(s, TUI_WARN, 0,
			 _("Forced: the plan does not call %s ready."),
			 p->next.label);
	line_add(s, TUI_NORMAL, 0,
		 _("Asking the authoritative servers for %s ..."),
		 p->next.name ? p->next.name : "");
	s->forced = forced;
	app_step_options(app->session, &s->sp->inputs, NULL, &o);
	s->verifying = true;
	if (app_step_verify_start(app->session->dns, p, &o, step_verified, s,
				  &checks, &err) != STATUS_OK) {
		s->verifying = false;
		app_step_checks_free(checks);
		line_add(s, TUI_BAD, 0, "%s", err_message(&err));
		tui_error(app, "%s", err_message(&err));
	}
	err_done(&err);
}

/* Shows a refusal: the heading, the plan's reasons, and status (when
 * not NULL) as an error on the status line. Frees both strings. */
static void refuse(struct stepper *s, enum tui_color color, char *heading,
		   char *status)
{
	line_add(s, color, 0, "%s", heading);
	add_reasons(s, &s->sp->plan);
	if (status)
		tui_error(s->app, "%s", status);
	free(heading);
	free(status);
}

/* p after the gate: the publish goes out on a worker with the plan. */
static void publish_go(struct stepper *s)
{
	const struct rollout_plan *p = &s->sp->plan;

	lines_clear(s);
	free(s->label);
	s->label = xstrdup(p->next.label ? p->next.label : "");
	line_add(s, TUI_NORMAL, 0,
		 _("Publishing %s: sending the update to the zone's primary "
		   "..."),
		 s->label);
	s->progress = s->nlines - 1;
	s->publishing = true;
	s->job = screen_publish_start(s->app, s->sp);
}

/* S, ! or p (publish): asks the gate, then verifies or publishes,
 * refuses or asks to force. */
static void step_start(struct stepper *s, bool force, bool publish)
{
	struct app *app = s->app;
	const struct rollout_plan *p = &s->sp->plan;

	lines_clear(s);
	switch (app_step_gate(p, false)) {
	case APP_STEP_COMPLETE:
		line_add(s, TUI_GOOD, 0, "%s",
			 _("Nothing to step: the rollout is complete."));
		tui_message(app, _("Nothing to step: the rollout is "
				   "complete."));
		return;
	case APP_STEP_NO_RECORD:
		refuse(s, TUI_BAD,
		       xasprintf(_("The record of %s cannot be built; "
				   "nothing recorded:"),
				 p->next.label),
		       xasprintf(_("The record of %s cannot be built."),
				 p->next.label));
		return;
	case APP_STEP_NOT_READY:
		break;
	case APP_STEP_GO:
		if (publish)
			publish_go(s);
		else
			step_go(s, false);
		return;
	}
	if (p->next.action == ROLLOUT_ACTION_NONE)
		refuse(s, TUI_WARN,
		       xstrdup(_("No step can be taken yet; nothing "
				 "recorded:")),
		       xstrdup(_("No step can be taken yet.")));
	else if (publish)
		refuse(s, TUI_WARN,
		       xasprintf(_("%s is not ready; nothing published:"),
				 p->next.label),
		       xasprintf(_("Not ready: %s"),
				 p->reasons.count ? p->reasons.items[0].message
						  : p->next.label));
	else if (force)
		refuse(s, TUI_WARN,
		       xasprintf(_("The plan does not call %s ready:"),
				 p->next.label),
		       NULL);
	else
		refuse(s, TUI_WARN,
		       xasprintf(_("%s is not ready; nothing recorded (! "
				   "forces it, asking first):"),
				 p->next.label),
		       xasprintf(_("Not ready: %s"),
				 p->reasons.count ? p->reasons.items[0].message
						  : p->next.label));
	if (force && p->next.action != ROLLOUT_ACTION_NONE) {
		s->confirming = true;
		tui_message(app,
			    _("Take %s anyway, as step --force does? "
			      "(y/n)"),
			    p->next.label);
	}
}

/* Keys of the step. */
bool stepper_key(struct stepper *s, bool plan_ready, struct tui_key key,
		 enum command cmd)
{
	if (s->confirming) {
		s->confirming = false;
		if (widget_key_yes(key) && s->sp->loaded &&
		    app_step_gate(&s->sp->plan, true) == APP_STEP_GO &&
		    !s->verifying) {
			step_go(s, true);
		} else {
			lines_clear(s);
			tui_message(s->app, _("Not forced; nothing recorded."));
		}
		return true;
	}
	if (cmd != CMD_STEP && cmd != CMD_FORCE && cmd != CMD_PUBLISH)
		return false;
	if (s->job) {
		tui_error(s->app, s->publishing
				      ? _("The step is being published.")
				      : _("The step is being recorded."));
		return true;
	}
	if (s->verifying) {
		tui_error(s->app, _("The servers are still being asked."));
		return true;
	}
	if (!plan_ready) {
		/* Taken once the plan is in. */
		s->pending = cmd;
		tui_message(s->app, _("Loading the plan ..."));
		return true;
	}
	if (!s->sp->loaded) {
		tui_error(s->app, "%s",
			  s->sp->error ? s->sp->error : _("There is no plan."));
		return true;
	}
	step_start(s, cmd == CMD_FORCE, cmd == CMD_PUBLISH);
	return true;
}

/* Draws the plan's reasons, wrapped whole so that the command a
 * reason names is never cut off. */
static int draw_reasons(const struct stepper *s, WINDOW *win, int y, int x,
			int width, int max_y)
{
	const struct rollout_plan *p = &s->sp->plan;
	int used = 0;

	for (size_t i = 0; s->sp->loaded && !p->ready && i < p->reasons.count;
	     i++) {
		/* Reasons quote report data (reverse names): cleaned. */
		char *clean = text_clean_str(p->reasons.items[i].message);
		char *line = xasprintf("  - %s", clean);

		used += widget_wrap_indented(win, y + used, x, width, max_y,
					     tui_attr(s->app, TUI_WARN), line);
		free(line);
		free(clean);
	}
	return used;
}

/* Draws the lines, wrapped, or the plan's reasons. */
int stepper_draw(struct stepper *s, WINDOW *win, int y, int x, int width,
		 int max_y)
{
	int used = 0;

	s->row = y;
	if (s->nlines == 0)
		return draw_reasons(s, win, y, x, width, max_y);
	for (size_t i = 0; i < s->nlines; i++) {
		const struct stepper_line *l = &s->lines[i];
		int attr = tui_attr(s->app, l->color);
		char *text;

		if (width - l->indent < 2)
			continue;
		/* Continuation rows hang under the text. */
		text = xasprintf("%*s%s", l->indent, "", l->text);
		used += widget_wrap_indented(win, y + used, x, width, max_y,
					     attr, text);
		free(text);
	}
	return used;
}

/* Scrolls new lines into view. */
void stepper_reveal(struct stepper *s, struct widget_pager *p, int height)
{
	if (!s->reveal)
		return;
	s->reveal = false;
	widget_pager_reveal(p, s->row, height);
}

/* Ends the step's checks and frees the lines. */
void stepper_done(struct stepper *s)
{
	/* A cancelled check still calls back, into a stepper that is
	 * alive; its results are not live, so nothing is recorded. */
	s->recorded = NULL;
	if (s->verifying && !s->arrived && s->app->session->dns)
		dns_cancel_all(s->app->session->dns);
	app_step_checks_free(s->arrived);
	s->arrived = NULL;
	/* A record or a publish goes on to its end on its own. */
	worker_free(s->job);
	s->job = NULL;
	free(s->label);
	s->label = NULL;
	lines_clear(s);
}
