/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading the rollout plan for the steps that show it, off the input
 * path. */
#include "config.h"

#include "screens/plan.h"

#include <stdlib.h>
#include <string.h>

#include "app/plan.h"
#include "util/i18n.h"
#include "util/xalloc.h"

/* One loading: what it asks (copied, the screen may go away) and what it
 * leaves. */
struct plan_load {
	char *domain;
	date_t today;
	bool want_records;
	bool taken;
	struct screen_plan sp;
	struct screen_plan_records r;
};

/* Frees what an earlier load left. */
void screen_plan_clear(struct screen_plan *p)
{
	if (p->loaded) {
		rollout_plan_done(&p->plan);
		rollout_inputs_done(&p->inputs);
	}
	p->loaded = false;
	free(p->error);
	p->error = NULL;
}

/* Frees the records. */
void screen_plan_records_clear(struct screen_plan_records *r)
{
	if (r->loaded)
		zone_records_done(&r->records);
	r->loaded = false;
	free(r->dns_error);
	r->dns_error = NULL;
}

/* Frees a loading with what it still holds. */
static void plan_load_free(void *arg)
{
	struct plan_load *l = arg;

	screen_plan_clear(&l->sp);
	screen_plan_records_clear(&l->r);
	free(l->domain);
	free(l);
}

/* The records export writes and what each replaces, asked through the
 * worker's resolver, as the export command does. */
static void load_records(struct plan_load *l, struct session *s)
{
	struct err err = ERR_INIT;
	struct dns *dns;

	zone_collect(&l->sp.inputs, &l->sp.plan, false, session_orgdomain(s),
		     &l->r.records);
	l->r.loaded = true;
	if (!(dns = session_dns(s, &err)))
		l->r.dns_error = xstrdup(err_message(&err));
	else if (zone_find_old(&l->r.records, dns, &err) != STATUS_OK)
		l->r.dns_error = xstrdup(err_message(&err));
	err_done(&err);
}

/* The job: the same use case as dmarcpilot plan, on the worker's
 * session (its own database connection and resolver). */
static void plan_run(void *arg, struct session *s, struct worker *w)
{
	struct plan_load *l = arg;
	struct err err = ERR_INIT;

	(void)w;
	if (app_plan_load(s, l->domain, l->today, &l->sp.inputs, &l->sp.plan,
			  &err) == STATUS_OK)
		l->sp.loaded = true;
	else
		l->sp.error = xstrdup(err_message(&err));
	err_done(&err);
	if (l->sp.loaded && l->want_records)
		load_records(l, s);
}

/* Starts a loading. */
struct worker *screen_plan_start(struct app *app, bool records)
{
	struct plan_load *l = xcalloc(1, sizeof *l);

	l->domain = xstrdup(app->domain ? app->domain : "");
	l->today = app->now;
	l->want_records = records;
	return tui_worker_start(app, plan_run, l, plan_load_free);
}

/* Hands the plan over. */
bool screen_plan_take(struct worker *job, struct screen_plan *p,
		      struct screen_plan_records *r)
{
	struct plan_load *l = worker_arg(job);

	if (!job || l->taken || !worker_done(job))
		return false;
	l->taken = true;
	screen_plan_clear(p);
	*p = l->sp;
	memset(&l->sp, 0, sizeof l->sp);
	if (r) {
		screen_plan_records_clear(r);
		*r = l->r;
		memset(&l->r, 0, sizeof l->r);
	}
	return true;
}
