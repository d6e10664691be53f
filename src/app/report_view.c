/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reports of a domain over a window (app/report_view.h). */
#include "config.h"

#include "app/report_view.h"

#include <stdlib.h>
#include <string.h>

#include "plan/rollout.h"
#include "store/report_query.h"
#include "store/state.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The words of the windows, in enum order. */
static const char *const window_names[] = { "plan", "week", "all", "range" };

/* The stable word of a window. */
const char *report_window_name(enum report_window w)
{
	return (unsigned)w < sizeof window_names / sizeof *window_names
		   ? window_names[w]
		   : "?";
}

/* Reads a window's word; "range" is not one the operator names. */
bool report_window_parse(const char *word, enum report_window *out)
{
	for (int i = 0; i < REPORT_WINDOW_COUNT; i++)
		if (strcmp(word, window_names[i]) == 0) {
			*out = (enum report_window)i;
			return true;
		}
	return false;
}

/* The stable word of a group's kind. */
const char *report_group_kind_name(enum report_group_kind kind)
{
	switch (kind) {
	case REPORT_GROUP_PROVIDER:
		return "provider";
	case REPORT_GROUP_OWN:
		return "own";
	case REPORT_GROUP_UNKNOWN:
		return "unknown";
	}
	return "?";
}

/* The kind of group a source belongs to: as analysis_classify() finds
 * it known, by a service, the inventory or the domain's SPF record. */
static enum report_group_kind source_kind(const struct analysis_source *s)
{
	if (s->provider)
		return REPORT_GROUP_PROVIDER;
	if (s->in_inventory || s->explained_by ||
	    (s->spf_result && strcmp(s->spf_result, "pass") == 0))
		return REPORT_GROUP_OWN;
	return REPORT_GROUP_UNKNOWN;
}

/* Days of the plan's window for the domain: its settings, or the
 * defaults when it is not in the rollout. */
static enum status plan_window(struct store *store, const char *domain,
			       date_t today, date_t *since, date_t *until,
			       int *days, struct err *err)
{
	struct state_settings settings;
	struct err missing = ERR_INIT;
	enum status st = state_settings_get(store, domain, &settings, &missing);

	if (st == STATUS_NOT_FOUND) {
		state_settings_done(&settings);
		state_settings_defaults(&settings);
		st = STATUS_OK;
	} else if (st != STATUS_OK) {
		err_set(err, st, "%s", err_message(&missing));
	}
	err_done(&missing);
	if (st == STATUS_OK) {
		rollout_window(&settings, today, since, until);
		*days = settings.window_days;
	}
	state_settings_done(&settings);
	return st;
}

/* How much attention a class asks for: the worst of a group shows. */
static int class_rank(enum analysis_class c)
{
	switch (c) {
	case ANALYSIS_FAIL_UNKNOWN:
		return 3;
	case ANALYSIS_FAIL_KNOWN:
		return 2;
	case ANALYSIS_FORWARDED:
		return 1;
	default:
		return 0;
	}
}

/* Orders groups by volume, largest first; then providers, own
 * servers, the unexplained. */
static int group_cmp(const void *pa, const void *pb)
{
	const struct report_group *a = pa, *b = pb;

	if (a->t.messages != b->t.messages)
		return a->t.messages > b->t.messages ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->provider ? strcmp(a->provider->id, b->provider->id) : 0;
}

/* Groups the sources by what explains them. The sources come largest
 * first, so each group's list is too. */
static void view_group(struct report_view *v)
{
	const struct analysis *a = v->analysis;
	size_t cap = 0;
	size_t *caps = NULL;

	for (size_t i = 0; i < a->nsources; i++) {
		const struct analysis_source *s = &a->sources[i];
		enum report_group_kind kind = source_kind(s);
		struct report_group *g = NULL;
		size_t k;

		for (k = 0; k < v->ngroups; k++)
			if (v->groups[k].kind == kind &&
			    v->groups[k].provider == s->provider) {
				g = &v->groups[k];
				break;
			}
		if (!g) {
			v->groups = xgrow(v->groups, &cap, v->ngroups + 1,
					  sizeof *v->groups);
			caps = xrealloc(caps, cap * sizeof *caps);
			caps[v->ngroups] = 0;
			g = &v->groups[v->ngroups++];
			memset(g, 0, sizeof *g);
			g->kind = kind;
			g->provider = s->provider;
		}
		g->sources = xgrow(g->sources, &caps[k], g->nsources + 1,
				   sizeof *g->sources);
		g->sources[g->nsources++] = i;
		g->t.messages += s->t.messages;
		g->t.dmarc_pass += s->t.dmarc_pass;
		g->t.spf_aligned += s->t.spf_aligned;
		g->t.dkim_aligned += s->t.dkim_aligned;
		g->failing += s->failing;
		if (class_rank(s->cls) > class_rank(g->worst))
			g->worst = s->cls;
	}
	free(caps);
	if (v->ngroups > 1)
		qsort(v->groups, v->ngroups, sizeof *v->groups, group_cmp);
}

/* The state of view_failures() between rows. */
struct failures_fill {
	struct report_view *v;
	size_t cap;
};

/* Keeps one failure report. */
static void failure_add(void *arg, const struct report_failure_row *row)
{
	struct failures_fill *fill = arg;
	struct report_view *v = fill->v;
	struct report_failure *f;

	v->failures = xgrow(v->failures, &fill->cap, v->nfailures + 1,
			    sizeof *v->failures);
	f = &v->failures[v->nfailures++];
#define FAILURE_COPY(member, key) f->member = xstrdup_or_null(row->member);
	REPORT_FAILURE_FIELDS(FAILURE_COPY)
#undef FAILURE_COPY
}

/* Loads the counts and the failure reports into v. */
enum status report_view_failures(struct store *store, const char *domain,
				 size_t max, struct report_view *v,
				 struct err *err)
{
	struct failures_fill fill = { v, 0 };
	struct report_counts counts;
	enum status st;

	if (!v->domain)
		v->domain = text_domain_normalize(domain);
	if ((st = report_query_counts(store, v->domain, &counts, err)))
		return st;
	v->stored_reports = counts.reports;
	v->stored_failures = counts.failures;
	return report_query_failures(store, v->domain, max, failure_add, &fill,
				     err);
}

/* Loads the whole view. */
enum status report_view_load(struct store *store,
			     const struct report_view_request *req,
			     struct report_view *v, struct err *err)
{
	struct analysis *a;
	enum status st;

	memset(v, 0, sizeof *v);
	v->domain = text_domain_normalize(req->domain);
	v->window = req->window;
	v->since = v->until = DATE_ANY;
	if ((st = plan_window(store, v->domain, req->today, &v->since,
			      &v->until, &v->plan_days, err)))
		goto fail;
	switch (req->window) {
	case REPORT_WINDOW_PLAN:
		break;
	case REPORT_WINDOW_WEEK:
		v->until = req->today;
		v->since = req->today - 6;
		break;
	case REPORT_WINDOW_ALL:
		v->since = DATE_ANY;
		v->until = req->today;
		break;
	case REPORT_WINDOW_RANGE:
		v->since = req->since;
		v->until = req->until;
		break;
	}
	if ((st = analysis_run(store, v->domain, v->since, v->until,
			       &req->analysis, &v->analysis, err)))
		goto fail;
	a = v->analysis;
	v->quarantined = a->quarantined;
	v->rejected = a->rejected;
	v->delivered = a->totals.messages - a->quarantined - a->rejected;
	view_group(v);
	if ((st = report_view_failures(store, v->domain, req->failures_max, v,
				       err)))
		goto fail;
	return STATUS_OK;
fail:
	report_view_done(v);
	return st;
}

/* Frees a failure report's strings. */
static void failure_done(struct report_failure *f)
{
#define FAILURE_FREE(member, key) free(f->member);
	REPORT_FAILURE_FIELDS(FAILURE_FREE)
#undef FAILURE_FREE
}

/* Frees what a view holds and empties it. */
void report_view_done(struct report_view *v)
{
	for (size_t i = 0; i < v->ngroups; i++)
		free(v->groups[i].sources);
	free(v->groups);
	for (size_t i = 0; i < v->nfailures; i++)
		failure_done(&v->failures[i]);
	free(v->failures);
	analysis_free(v->analysis);
	free(v->domain);
	memset(v, 0, sizeof *v);
}
