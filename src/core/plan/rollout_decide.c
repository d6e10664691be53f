/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Decides the rollout plan from the inputs and the day (a pure
 * function: no store, no DNS): the report evidence judged against the
 * thresholds, then the next SPF, DKIM or DMARC step with the reasons
 * for it or against it. */
#include "config.h"

#include "plan/rollout.h"
#include "plan/rollout_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/i18n.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Formats a percentage with one decimal, as people read it. */
static double percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Adds a reason to the plan as a finding with its stable code; msg
 * (translated) is freed. */
static void plan_reason(struct rollout_plan *plan, enum finding_code code,
			char *msg)
{
	findings_add(&plan->reasons, code, "%s", msg);
	free(msg);
}

/* Judges the report window against the thresholds; adds the reasons
 * and returns true when the evidence allows the next step. */
static bool evidence_judge(const struct rollout_inputs *in,
			   struct rollout_plan *plan)
{
	const struct rollout_evidence *e = &in->evidence;
	const struct state_settings *s = &in->settings;
	char a[DATE_BUFSIZE], b[DATE_BUFSIZE];
	bool ok = true;
	double rate;

	if (!in->have_evidence || e->messages == 0) {
		plan_reason(plan, F_PLAN_NO_REPORTS,
			    xasprintf(_("no aggregate reports cover %s to %s: "
					"import them with dmarcpilot report "
					"import"),
				      date_format(e->since, a),
				      date_format(e->until, b)));
		return false;
	}
	rate = percent(e->passing, e->legitimate);
	/* DESIGN.md 4: >= 98 % of the legitimate volume passes DMARC. */
	if (e->legitimate == 0 || rate < s->pass_threshold) {
		plan_reason(plan, F_PLAN_PASS_RATE,
			    xasprintf(_("%.1f %% of legitimate mail passed "
					"DMARC from %s to %s (%llu of %llu "
					"messages); %.1f %% is needed"),
				      rate, date_format(e->since, a),
				      date_format(e->until, b),
				      (unsigned long long)e->passing,
				      (unsigned long long)e->legitimate,
				      s->pass_threshold));
		ok = false;
	}
	/* DESIGN.md 4: no unclassified failing source above 0.5 %. */
	for (size_t i = 0; i < e->nfailing; i++) {
		const struct rollout_source *src = &e->failing[i];
		double share = percent(src->messages, e->messages);
		char *ip, *ptr;

		if (src->cls == ROLLOUT_CLASS_NOT_OURS) {
			ip = text_clean_str(src->ip);
			/* Shown, never held against the step: p=reject is
			 * exactly what stops it. */
			plan_reason(
			    plan, F_PLAN_NOT_OURS,
			    xasprintf(_("source %s is not ours (disowned): "
					"%llu messages failed DMARC "
					"(%.1f %%); the policy is what "
					"stops it"),
				      ip, (unsigned long long)src->messages,
				      share));
			free(ip);
			continue;
		}
		if (src->cls != ROLLOUT_CLASS_FAIL_UNKNOWN ||
		    share <= s->unknown_threshold)
			continue;
		ip = text_clean_str(src->ip);
		ptr = text_clean_str(src->ptr);
		plan_reason(
		    plan, F_PLAN_UNKNOWN_SOURCE,
		    xasprintf(_("unknown source %s%s%s%s fails DMARC for "
				"%.1f %% of the mail of the last %d "
				"days (%llu messages, more than %.1f "
				"%%): if it sends for you, add it with "
				"dmarcpilot sender add; if it is not "
				"yours, disown it with dmarcpilot "
				"sender disown %s %s"),
			      ip, *ptr ? " (" : "", ptr, *ptr ? ")" : "", share,
			      s->window_days, (unsigned long long)src->messages,
			      s->unknown_threshold, in->domain, ip));
		free(ptr);
		free(ip);
		ok = false;
	}
	if (ok)
		plan_reason(plan, F_PLAN_EVIDENCE_GOOD,
			    xasprintf(_("%.1f %% of legitimate mail passed "
					"DMARC from %s to %s (%llu of %llu "
					"messages), and no unknown source "
					"fails above %.1f %%"),
				      rate, date_format(e->since, a),
				      date_format(e->until, b),
				      (unsigned long long)e->passing,
				      (unsigned long long)e->legitimate,
				      s->unknown_threshold));
	return ok;
}

/* ---------------------------------------------------------------- next */

/* Fills the next step with a DMARC rung. */
static void next_dmarc(const struct rollout_inputs *in, int rung,
		       struct rollout_next *next)
{
	next->action = ROLLOUT_ACTION_DMARC;
	next->rung = rung;
	/* RFC 7489 6.1: the record lives at _dmarc.DOMAIN. */
	next->name = xasprintf("_dmarc.%s", in->domain);
	next->record = ladder_record(&in->ladder.rungs[rung], &in->tags);
	next->label = ladder_rung_label(&in->ladder.rungs[rung]);
}

/* Fills the next step with the SPF record of one strength. */
static void next_spf(const struct rollout_inputs *in, int rung,
		     struct rollout_next *next)
{
	/* domain set spf-all=fail: -all from the first SPF step on;
	 * spf-all=softfail: ~all throughout, as the operator asked. */
	if (in->settings.spf_all && strcmp(in->settings.spf_all, "fail") == 0)
		rung = 1;
	if (rollout_spf_soft_asked(in))
		rung = 0;
	next->action = ROLLOUT_ACTION_SPF;
	next->rung = rung;
	next->name = xstrdup(in->domain);
	next->record = xstrdup_or_null(rung ? in->spf_hard : in->spf_soft);
	next->label = xstrdup(rung ? _("SPF -all") : _("SPF ~all"));
	/* The _spfN parts go live with the record that includes them. */
	if (in->nspf_parts > 0) {
		next->nparts = in->nspf_parts;
		next->parts = xcalloc(next->nparts, sizeof *next->parts);
		for (size_t i = 0; i < next->nparts; i++) {
			next->parts[i].name = xstrdup(in->spf_parts[i].name);
			next->parts[i].value = xstrdup(in->spf_parts[i].value);
		}
	}
}

/* Adds the lookup count of the SPF record to the reasons when it could
 * not be counted, so that the plan never pretends it was. */
static void spf_lookup_reason(const struct rollout_inputs *in,
			      struct rollout_plan *plan)
{
	if (in->spf_lookup_note)
		plan_reason(plan, F_PLAN_SPF_UNCOUNTED,
			    xstrdup(in->spf_lookup_note));
}

/* The first DKIM key in use that is not live yet, or -1. */
static int key_pending(const struct rollout_inputs *in)
{
	for (size_t i = 0; i < in->nkeys; i++)
		if (in->keys[i].retired == DATE_NONE &&
		    in->keys[i].published == DATE_NONE)
			return (int)i;
	return -1;
}

/* With no key of our own waiting, the next DKIM step is the key of a
 * service that signs for the domain: the first whose key is live and
 * not recorded yet. Names each service whose key is not live, and our
 * own servers when no key of ours exists; true when a step is ready. */
static bool dkim_next_service(const struct rollout_inputs *in,
			      struct rollout_plan *plan)
{
	const struct rollout_sender_dkim *next = NULL;

	for (size_t i = 0; i < in->nsender_dkim; i++) {
		const struct rollout_sender_dkim *d = &in->sender_dkim[i];
		char *names;

		if (d->has_key)
			continue;
		if (d->live) {
			if (!next)
				next = d;
			continue;
		}
		names = xstrdup(d->selectors[0]);
		for (size_t j = 1; j < d->nselectors; j++) {
			char *t = xasprintf("%s, %s", names, d->selectors[j]);

			free(names);
			names = t;
		}
		plan_reason(plan, F_PLAN_DKIM_MISSING,
			    xasprintf(_("sender %s (%s) publishes no DKIM "
					"key for %s yet (selectors %s): "
					"enable DKIM in the service%s%s"),
				      d->provider, d->name, in->domain, names,
				      d->how ? ": " : "",
				      d->how ? d->how : ""));
		free(names);
	}
	if (in->nkeys == 0 && (in->own_servers || in->nsender_dkim == 0))
		plan_reason(plan, F_PLAN_DKIM_MISSING,
			    xasprintf(_("no DKIM key is set up for %s: "
					"generate one with dmarcpilot dkim "
					"keygen %s SELECTOR"),
				      in->domain, in->domain));
	if (!next)
		return false;
	plan->next.action = ROLLOUT_ACTION_DKIM;
	plan->next.selector = xstrdup(next->live);
	plan->next.provider = xstrdup(next->provider);
	/* RFC 6376 3.6.2.1: SELECTOR._domainkey.DOMAIN. */
	plan->next.name = xasprintf("%s._domainkey.%s", next->live, in->domain);
	plan->next.label =
	    xasprintf(_("DKIM selector %s (%s)"), next->live, next->name);
	return true;
}

/* Adds the SPF problems (or the lack of senders) as reasons; true when
 * the SPF record can be published. */
static bool spf_buildable(const struct rollout_inputs *in,
			  struct rollout_plan *plan)
{
	for (size_t i = 0; i < in->nspf_problems; i++)
		plan_reason(plan, F_PLAN_SPF_PROBLEM,
			    xstrdup(in->spf_problems[i]));
	spf_lookup_reason(in, plan);
	if (in->nsenders == 0) {
		plan_reason(plan, F_PLAN_NO_SENDERS,
			    xasprintf(_("no senders are listed for %s: add "
					"every service and server that sends "
					"its mail with dmarcpilot sender add"),
				      in->domain));
		return false;
	}
	/* A record whose lookups are unknown may pass the limit of RFC
	 * 7208 4.6.4: never call it ready. */
	return in->spf_soft && in->nspf_problems == 0 && in->spf_lookups >= 0;
}

/* True if every term of built but its "all" (RFC 7208 5.1) is a term of
 * live too, compared without case (RFC 7208 4.6.1). */
static bool spf_covers(const char *live, const char *built)
{
	char *copy = xstrdup(built), *save = NULL;
	bool ok = true;

	for (char *t = strtok_r(copy, " ", &save); t && ok;
	     t = strtok_r(NULL, " ", &save)) {
		size_t len = strlen(t);
		const char *p = live;

		if (strcasecmp(t, "v=spf1") == 0 ||
		    strcasecmp(t + (len > 3 && strchr("+-~?", *t) ? 1 : 0),
			       "all") == 0)
			continue;
		ok = false;
		while (*p && !ok) {
			size_t n;

			p += strspn(p, " ");
			n = strcspn(p, " ");
			ok = n == len && strncasecmp(p, t, n) == 0;
			p += n;
		}
	}
	free(copy);
	return ok;
}

/* When the SPF record built from the senders now differs from the one
 * served (or, when the live record was not read, the one verified),
 * e.g. after a sender was added mid-rollout, the next step is to
 * publish it again at the strength already reached; true when it is. */
static bool spf_stale(const struct rollout_inputs *in,
		      const struct rollout_verified *v, date_t today,
		      struct rollout_plan *plan)
{
	int rung = v->spf_hard != DATE_NONE ? 1 : 0;
	const char *built = rung ? in->spf_hard : in->spf_soft;
	const char *live =
	    in->live_read && !in->live_note ? in->spf_live : v->spf_record;

	/* The live record may already be the next strength (published
	 * before the step) or hold more than the senders need: only a term
	 * it misses makes it stale. */
	if (!v->spf_record || !built || in->spf_lookups < 0 ||
	    (live && spf_covers(live, built)))
		return false;
	rollout_next_done(&plan->next);
	next_spf(in, rung, &plan->next);
	plan->earliest = today;
	plan->min_days = 0;
	plan->evidence_needed = false;
	plan_reason(plan, F_PLAN_SPF_STALE,
		    live ? xasprintf(_("the SPF record served for %s (%s) is "
				       "stale: the senders now need %s; "
				       "publish it and run dmarcpilot step "
				       "%s before the next rung"),
				     in->domain, live, built, in->domain)
			 : xasprintf(_("%s serves no SPF record: publish %s "
				       "and run dmarcpilot step %s"),
				     in->domain, built, in->domain));
	return true;
}

/* domain set spf-all=softfail on a domain whose -all is verified: the
 * operator asks for the weaker record, so the next step is ~all, at once
 * (it can only let more mail pass), and a plan.weaker reason says so.
 * Without that setting the plan never proposes ~all after -all. True
 * when it applies; *ready then says whether the record can be
 * published. */
static bool spf_weaken(const struct rollout_inputs *in,
		       const struct rollout_verified *v, date_t today,
		       struct rollout_plan *plan, bool *ready)
{
	if (!rollout_spf_soft_asked(in) || v->spf_hard == DATE_NONE)
		return false;
	next_spf(in, 0, &plan->next);
	plan->earliest = today;
	plan->min_days = 0;
	plan->evidence_needed = false;
	plan_reason(plan, F_PLAN_WEAKER,
		    xasprintf(_("as asked with domain set %s spf-all=softfail, "
				"the plan publishes %s, a weaker record than "
				"the -all verified: mail that fails SPF is "
				"then no longer refused by SPF alone; run "
				"dmarcpilot step %s once it is served"),
			      in->domain,
			      plan->next.record ? plan->next.record : "~all",
			      in->domain));
	*ready = spf_buildable(in, plan);
	return true;
}

/* Decides the plan. */
void rollout_decide(const struct rollout_inputs *in, date_t today,
		    struct rollout_plan *plan)
{
	struct rollout_verified v;
	bool ready = true;
	size_t last = in->ladder.count ? in->ladder.count - 1 : 0;
	const char *want;

	memset(plan, 0, sizeof *plan);
	plan->domain = xstrdup(in->domain);
	rollout_verified_scan(in, &v);
	plan->phase = rollout_phase_of(in, &v, today, &plan->since);
	plan->days = today - plan->since;
	plan->earliest = today;
	plan->dmarc_verified = xstrdup_or_null(v.dmarc_record);
	plan->spf_verified = xstrdup_or_null(v.spf_record);
	if (in->live_read && !in->live_note) {
		plan->dmarc_live = xstrdup_or_null(in->dmarc_live);
		plan->spf_live = xstrdup_or_null(in->spf_live);
	}
	for (size_t i = 0; i < in->ndue; i++)
		strlist_add(&plan->due, &plan->ndue, xstrdup(in->due[i]));

	if (spf_weaken(in, &v, today, plan, &ready))
		goto live;
	switch (plan->phase) {
	case ROLLOUT_DISCOVERY:
		next_spf(in, 0, &plan->next);
		ready = spf_buildable(in, plan);
		break;
	case ROLLOUT_SPF: {
		int k = key_pending(in);

		if (k < 0) {
			ready = dkim_next_service(in, plan);
			break;
		}
		plan->next.action = ROLLOUT_ACTION_DKIM;
		plan->next.selector = xstrdup(in->keys[k].selector);
		/* RFC 6376 3.6.2.1: SELECTOR._domainkey.DOMAIN. */
		plan->next.name = xasprintf("%s._domainkey.%s",
					    in->keys[k].selector, in->domain);
		plan->next.record = xstrdup_or_null(
		    in->key_records ? in->key_records[k] : NULL);
		plan->next.label =
		    xasprintf(_("DKIM selector %s"), in->keys[k].selector);
		if (!plan->next.record && !in->keys[k].provider) {
			const char *why =
			    in->key_problems ? in->key_problems[k] : NULL;

			if (why)
				plan_reason(plan, F_PLAN_DKIM_UNREADABLE,
					    xasprintf(_("the key record of "
							"selector %s cannot be "
							"built: %s"),
						      in->keys[k].selector,
						      why));
			else
				plan_reason(plan, F_PLAN_DKIM_UNREADABLE,
					    xasprintf(_("the public key of "
							"selector %s cannot be "
							"read from %s"),
						      in->keys[k].selector,
						      in->keys[k].key_path
							  ? in->keys[k].key_path
							  : "?"));
			ready = false;
		}
		break;
	}
	case ROLLOUT_DKIM:
		next_dmarc(in, 0, &plan->next);
		break;
	case ROLLOUT_MONITOR:
	case ROLLOUT_QUARANTINE:
	case ROLLOUT_REJECT: {
		char since[DATE_BUFSIZE];

		if ((size_t)v.dmarc_rung < last)
			next_dmarc(in, v.dmarc_rung + 1, &plan->next);
		else
			next_spf(in, 1, &plan->next);
		plan->min_days = plan->phase == ROLLOUT_MONITOR
				     ? in->settings.min_days_monitor
				     : in->settings.min_days_rung;
		plan->earliest = plan->since + plan->min_days;
		if (plan->earliest < today)
			plan->earliest = today;
		plan->evidence_needed = true;
		if (plan->days < plan->min_days) {
			plan_reason(plan, F_PLAN_TOO_EARLY,
				    xasprintf(_("%s since %s: %d of %d days "
						"done"),
					      rollout_phase_label(plan->phase),
					      date_format(plan->since, since),
					      plan->days, plan->min_days));
			ready = false;
		}
		if (!evidence_judge(in, plan))
			ready = false;
		if (plan->next.action == ROLLOUT_ACTION_SPF) {
			for (size_t i = 0; i < in->nspf_problems; i++)
				plan_reason(plan, F_PLAN_SPF_PROBLEM,
					    xstrdup(in->spf_problems[i]));
			spf_lookup_reason(in, plan);
			if (in->nspf_problems > 0 || in->spf_lookups < 0)
				ready = false;
		}
		if (plan->next.action == ROLLOUT_ACTION_SPF &&
		    !plan->next.record) {
			plan_reason(plan, F_PLAN_SPF_PROBLEM,
				    xstrdup(_("the SPF record cannot be built "
					      "from the senders")));
			ready = false;
		}
		break;
	}
	case ROLLOUT_ENFORCED:
	case ROLLOUT_MAINTENANCE:
		/* The record verified is -all, or ~all when asked. */
		want = v.spf_hard != DATE_NONE ? in->spf_hard : in->spf_soft;
		if (in->live_note)
			plan_reason(plan, F_PLAN_LIVE_UNREAD,
				    xstrdup(in->live_note));
		plan->earliest = DATE_NONE;
		ready = false;
		if (in->spf_drift_note)
			plan_reason(plan, F_PLAN_DRIFT_UNCHECKED,
				    xstrdup(in->spf_drift_note));
		/* The record built now (new senders, new flattened ranges)
		 * differs from the one verified: publish it again. */
		if (want && v.spf_record && in->spf_lookups >= 0 &&
		    strcmp(want, v.spf_record) != 0) {
			char d[DATE_BUFSIZE];

			next_spf(in, 1, &plan->next);
			plan->earliest = today;
			ready = in->nspf_problems == 0;
			plan_reason(
			    plan, F_PLAN_SPF_STALE,
			    xasprintf(_("the SPF record built now differs "
					"from the one verified on %s: "
					"publish it and run dmarcpilot "
					"step %s"),
				      date_format(v.spf_hard != DATE_NONE
						      ? v.spf_hard
						      : v.spf_soft,
						  d),
				      in->domain));
			spf_lookup_reason(in, plan);
			break;
		}
		if (plan->ndue == 0)
			plan_reason(
			    plan, F_PLAN_COMPLETE,
			    xstrdup(_("the rollout is complete; nothing "
				      "is due")));
		for (size_t i = 0; i < plan->ndue; i++)
			plan_reason(plan, F_PLAN_DUE, xstrdup(plan->due[i]));
		break;
	}
	/* Mid-rollout, a stale SPF record comes before any rung: the
	 * senders it misses would fail once the policy is enforced. */
	if (plan->phase >= ROLLOUT_SPF && plan->phase <= ROLLOUT_REJECT &&
	    spf_stale(in, &v, today, plan)) {
		ready = in->nspf_problems == 0;
		for (size_t i = 0; i < in->nspf_problems; i++)
			plan_reason(plan, F_PLAN_SPF_PROBLEM,
				    xstrdup(in->spf_problems[i]));
	}
live:
	/* A fact the decision needs could not be read: not ready. */
	if (in->live_note && plan->phase < ROLLOUT_ENFORCED) {
		plan_reason(plan, F_PLAN_LIVE_UNREAD, xstrdup(in->live_note));
		ready = false;
	}
	plan->ready = ready;
}
