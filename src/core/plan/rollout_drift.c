/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The maintenance phase's SPF checks: the lookups the published record
 * needs now against when it was verified (RFC 7208 4.6.4), and the
 * ranges of flattened includes against what their services publish
 * now. */
#include "config.h"

#include "plan/rollout.h"
#include "plan/rollout_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "spf/spf.h"
#include "spf/spf_build.h"
#include "spf/spf_check.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Measures the published SPF record and its includes' costs. */
enum status rollout_spf_measure(struct dns *dns, const char *domain,
				int *lookups, struct state_cost **costs,
				size_t *ncosts, struct err *err)
{
	struct spf_check *check = NULL;
	struct state_cost *v = NULL;
	size_t n = 0, cap = 0;
	enum status st;

	*lookups = -1;
	*costs = NULL;
	*ncosts = 0;
	if ((st = spf_check_sync(dns, domain, &check, err)))
		return st;
	if (check->dns_failed) {
		st = err_set(err, STATUS_DNS, "%s", check->dns_error);
		goto out;
	}
	if (check->root->state != SPF_NODE_OK) {
		st = err_set(err, STATUS_NOT_FOUND,
			     _("%s TXT: no single valid SPF record (%s)"),
			     check->domain,
			     spf_node_state_name(check->root->state));
		goto out;
	}
	*lookups = (int)check->lookups;
	for (size_t i = 0; i < check->root->nchildren; i++) {
		const struct spf_node *c = check->root->children[i];

		if (!c->via)
			continue;
		v = xgrow(v, &cap, n + 1, sizeof *v);
		v[n].include = xstrdup(c->via);
		v[n].lookups = (int)c->cost;
		n++;
	}
	*costs = v;
	*ncosts = n;
out:
	spf_check_free(check);
	return st;
}

/* What an include cost in a list of costs, or -1. */
static long cost_of(const struct state_cost *costs, size_t n, const char *via)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(costs[i].include, via) == 0)
			return costs[i].lookups;
	return -1;
}

/* Names the includes that cost more now than in old: "include:X costs
 * 5 lookups, 4 before", or that are new. Caller frees. */
static char *cost_growth(const struct state_rung *old,
			 const struct state_cost *now, size_t nnow)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < nnow; i++) {
		const char *w = now[i].include;
		long is = now[i].lookups;
		long was = cost_of(old->costs, old->ncosts, w);

		if (was >= 0 && is <= was)
			continue;
		if (sb.len)
			strbuf_addstr(&sb, ", ");
		if (was < 0)
			strbuf_addf(&sb, _("%s costs %ld lookups (new)"), w,
				    is);
		else
			strbuf_addf(&sb, _("%s costs %ld lookups, %ld before"),
				    w, is, was);
	}
	if (!sb.len)
		strbuf_addstr(&sb, _("the record's own terms"));
	return strbuf_detach(&sb);
}

/* RFC 7208 4.6.4: the published record must stay within 10 lookups;
 * adds a due item when it needs more than when it was verified, or
 * more than 10, naming the includes that grew. */
static void drift_lookups(struct dns *dns, struct rollout_inputs *in,
			  const struct state_rung *r)
{
	struct err err = ERR_INIT;
	char day[DATE_BUFSIZE];
	struct state_cost *costs = NULL;
	size_t ncosts = 0;
	char *cause;
	int now;

	if (rollout_spf_measure(dns, in->domain, &now, &costs, &ncosts, &err)) {
		strlist_add(
		    &in->due, &in->ndue,
		    xasprintf(_("SPF lookup drift could not be checked: "
				"%s"),
			      err_message(&err)));
		err_done(&err);
		return;
	}
	if (!(r->lookups >= 0 && now > r->lookups) &&
	    now <= SPF_MAX_DNS_TERMS) {
		state_costs_free(costs, ncosts);
		return;
	}
	cause = cost_growth(r, costs, ncosts);
	if (r->lookups >= 0)
		strlist_add(
		    &in->due, &in->ndue,
		    xasprintf(_("the SPF record of %s needs %d DNS "
				"lookups now, %d when it was verified "
				"on %s (at most 10 are allowed, RFC 7208 "
				"4.6.4): %s; export and publish the "
				"record again"),
			      in->domain, now, r->lookups,
			      date_format(r->verified, day), cause));
	else
		strlist_add(&in->due, &in->ndue,
			    xasprintf(_("the SPF record of %s needs %d DNS "
					"lookups now, more than 10 (RFC 7208 "
					"4.6.4): %s; export and publish the "
					"record again"),
				      in->domain, now, cause));
	free(cause);
	state_costs_free(costs, ncosts);
}

/* The ranges of words that are not in other, as "a, b" (or NULL). */
static char *ranges_missing(char *const *words, size_t n, char *const *other,
			    size_t nother)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < nother && !found; j++)
			found = strcmp(words[i], other[j]) == 0;
		if (!found)
			strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", words[i]);
	}
	if (!sb.len) {
		strbuf_done(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

/* The exact change of one flattened include: its ranges now (through
 * the flattener's own resolution) against those stored on day. */
static char *drift_one(struct dns *dns, const char *domain,
		       const struct spf_flat_saved *saved)
{
	const char *mechanism = saved->mechanism;
	char *text = xasprintf("v=spf1 %s ~all", mechanism);
	char *const *old = saved->addresses;
	size_t nold = saved->naddresses;
	char *added = NULL, *removed = NULL, *msg = NULL;
	struct spf_record *rec = NULL;
	struct spf_flatten *f = NULL;
	struct err err = ERR_INIT;
	char day[DATE_BUFSIZE];

	date_format(saved->flattened, day);
	if (spf_parse(text, strlen(text), &rec, NULL, &err) != STATUS_OK ||
	    spf_flatten(dns, domain, rec, NULL, NULL, &f, &err) != STATUS_OK ||
	    f->nitems != 1) {
		msg = xasprintf(_("%s, flattened into the SPF record on %s, "
				  "could not be resolved now: %s"),
				mechanism, day,
				err.status ? err_message(&err) : "?");
		goto out;
	}
	if (!f->items[0].flattenable) {
		msg = xasprintf(_("%s, flattened into the SPF record on %s, "
				  "now holds more than address ranges: keep "
				  "it as an include; export and publish the "
				  "record again"),
				mechanism, day);
		goto out;
	}
	added = ranges_missing(f->items[0].addresses, f->items[0].naddresses,
			       old, nold);
	removed = ranges_missing(old, nold, f->items[0].addresses,
				 f->items[0].naddresses);
	if (added || removed)
		msg = xasprintf(_("%s changed since it was flattened into the "
				  "SPF record on %s: added %s; removed %s; "
				  "export and publish the record again"),
				mechanism, day, added ? added : "-",
				removed ? removed : "-");
out:
	free(added);
	free(removed);
	spf_flatten_free(f);
	spf_record_free(rec);
	err_done(&err);
	free(text);
	return msg;
}

/* Compares the stored flattened includes with the live ones. */
enum status rollout_flatten_drift(struct store *store, struct dns *dns,
				  const char *domain, struct findings *findings,
				  struct err *err)
{
	struct spf_flat_saved *saved = NULL;
	size_t n = 0;
	enum status st;

	st = state_flattened_list(store, domain, &saved, &n, err);
	if (st == STATUS_OK)
		st = spf_flatten_drift(dns, saved, n, findings, err);
	state_flattened_free(saved, n);
	return st;
}

/* Flattened ranges that changed upstream: spf_flatten_drift() says
 * whether any did; then each include is compared range by range so that
 * the item names what changed. */
static void drift_ranges(struct store *store, struct dns *dns,
			 struct rollout_inputs *in)
{
	struct findings found = FINDINGS_INIT;
	struct err err = ERR_INIT;
	struct spf_flat_saved *saved = NULL;
	size_t n = 0;

	if (state_flattened_list(store, in->domain, &saved, &n, &err) ||
	    spf_flatten_drift(dns, saved, n, &found, &err)) {
		strlist_add(&in->due, &in->ndue,
			    xasprintf(_("flattened SPF ranges could not be "
					"compared: %s"),
				      err_message(&err)));
		goto out;
	}
	for (size_t i = 0; i < n && found.count; i++) {
		char *msg;

		if (strncmp(saved[i].mechanism, "include:", 8) != 0)
			continue;
		msg = drift_one(dns, in->domain, &saved[i]);
		if (msg)
			strlist_add(&in->due, &in->ndue, msg);
	}
out:
	state_flattened_free(saved, n);
	findings_done(&found);
	err_done(&err);
}

/* The SPF drift checks of the enforced phases: lookups and flattened
 * ranges of the record verified last. */
void rollout_drift(struct store *store, struct dns *dns,
		   struct rollout_inputs *in)
{
	const struct state_rung *last = NULL;

	for (size_t i = 0; i < in->nhistory; i++)
		if (in->history[i].kind == RUNG_SPF)
			last = &in->history[i];
	if (!last)
		return;
	if (!dns) {
		in->spf_drift_note =
		    xstrdup(_("SPF lookup and flattened-range drift were not "
			      "checked: no resolver (offline)"));
		return;
	}
	drift_lookups(dns, in, last);
	drift_ranges(store, dns, in);
}

/* ---------------------------------------------------------------- evidence */
