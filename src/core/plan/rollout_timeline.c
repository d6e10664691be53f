/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rollout's week-by-week timeline: what was verified when, and the
 * earliest week each later step can come if the reports stay clean. */
#include "config.h"

#include "plan/rollout.h"
#include "plan/rollout_internal.h"

#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* One dated change of phase, past or projected. */
struct event {
	date_t day;
	enum rollout_phase phase; /* the phase it starts */
	char *what;               /* translated */
};

/* An event that names a date and changes no phase. */
#define ROLLOUT_NOTE ((enum rollout_phase) - 1)

/* Appends an event. */
static void event_add(struct event **ev, size_t *n, date_t day,
		      enum rollout_phase phase, char *what)
{
	*ev = xrealloc(*ev, (*n + 1) * sizeof **ev);
	(*ev)[*n].day = day;
	(*ev)[*n].phase = phase;
	(*ev)[(*n)++].what = what;
}

/* The phase a DMARC rung puts the domain in. */
static enum rollout_phase rung_phase(const struct ladder_rung *r)
{
	if (r->policy == DMARC_POLICY_REJECT)
		return ROLLOUT_REJECT;
	if (r->policy == DMARC_POLICY_QUARANTINE)
		return ROLLOUT_QUARANTINE;
	return ROLLOUT_MONITOR;
}

/* The Monday of a day's ISO week. */
static date_t week_monday(date_t d)
{
	return d - (date_weekday(d) - 1);
}

/* Builds the week list. */
void rollout_timeline(const struct rollout_inputs *in, date_t today,
		      struct rollout_week **weeks, size_t *count)
{
	struct rollout_plan plan;
	struct event *ev = NULL;
	size_t nev = 0, n = 0;
	struct rollout_verified v;
	date_t day, first, end;
	int rung;
	bool spf_hard;

	*weeks = NULL;
	*count = 0;
	rollout_decide(in, today, &plan);
	rollout_verified_scan(in, &v);
	/* What happened. */
	for (size_t i = 0; i < in->nhistory; i++) {
		const struct state_rung *r = &in->history[i];

		if (r->kind == RUNG_SPF)
			event_add(&ev, &nev, r->verified,
				  r->rung ? ROLLOUT_ENFORCED : ROLLOUT_SPF,
				  xstrdup(r->rung ? _("SPF -all verified")
						  : _("SPF ~all verified")));
		else if (r->rung >= 0 && (size_t)r->rung < in->ladder.count) {
			char *label =
			    ladder_rung_label(&in->ladder.rungs[r->rung]);

			event_add(&ev, &nev, r->verified,
				  rung_phase(&in->ladder.rungs[r->rung]),
				  xasprintf(_("%s verified"), label));
			free(label);
		}
	}
	for (size_t i = 0; i < in->nkeys; i++)
		if (in->keys[i].published != DATE_NONE)
			event_add(&ev, &nev, in->keys[i].published,
				  ROLLOUT_DKIM,
				  xasprintf(_("DKIM selector %s verified"),
					    in->keys[i].selector));
	/* What is projected, on clean evidence and the minimum days.
	 * Steps with no minimum of their own are a week apart. */
	day = plan.earliest == DATE_NONE ? today : plan.earliest;
	if (day < today)
		day = today;
	rung = v.dmarc_rung;
	spf_hard = v.spf_hard != DATE_NONE;
	switch (plan.phase) {
	case ROLLOUT_DISCOVERY:
		event_add(&ev, &nev, day, ROLLOUT_SPF,
			  xstrdup(_("publish SPF ~all")));
		day += 7;
		/* fall through */
	case ROLLOUT_SPF:
		event_add(&ev, &nev, day, ROLLOUT_DKIM,
			  xstrdup(_("publish the DKIM keys")));
		day += 7;
		/* fall through */
	case ROLLOUT_DKIM:
		rung = -1;
		/* fall through */
	case ROLLOUT_MONITOR:
	case ROLLOUT_QUARANTINE:
	case ROLLOUT_REJECT:
		for (rung++; (size_t)rung < in->ladder.count; rung++) {
			const struct ladder_rung *r = &in->ladder.rungs[rung];
			char *label = ladder_rung_label(r);

			event_add(&ev, &nev, day, rung_phase(r),
				  xasprintf(_("publish %s"), label));
			free(label);
			day += r->policy == DMARC_POLICY_NONE
				   ? in->settings.min_days_monitor
				   : in->settings.min_days_rung;
		}
		if (!spf_hard) {
			event_add(&ev, &nev, day, ROLLOUT_ENFORCED,
				  xstrdup(_("publish SPF -all")));
		}
		event_add(&ev, &nev, day + in->settings.window_days,
			  ROLLOUT_MAINTENANCE,
			  xstrdup(_("maintenance: key rotation and SPF "
				    "drift checks")));
		break;
	case ROLLOUT_ENFORCED:
		event_add(&ev, &nev, plan.since + in->settings.window_days,
			  ROLLOUT_MAINTENANCE,
			  xstrdup(_("maintenance: key rotation and SPF "
				    "drift checks")));
		break;
	case ROLLOUT_MAINTENANCE:
		for (size_t i = 0; i < plan.ndue; i++)
			event_add(&ev, &nev, today, ROLLOUT_MAINTENANCE,
				  xstrdup(plan.due[i]));
		break;
	}
	/* The due date of each own key's rotation, a note that keeps the
	 * week's phase (the day plan/rotation_due.h judges by). */
	for (size_t i = 0; i < in->nkeys; i++) {
		const struct state_dkim_key *k = &in->keys[i];

		if (k->retired == DATE_NONE && k->created != DATE_NONE &&
		    !k->provider && in->dkim_interval > 0)
			event_add(
			    &ev, &nev,
			    dkim_key_age(k->created, today, in->dkim_interval)
				.due,
			    ROLLOUT_NOTE,
			    xasprintf(_("DKIM selector %s: rotation "
					"due"),
				      k->selector));
	}
	/* Sort by day (stable: insertion order within a day). */
	for (size_t i = 1; i < nev; i++)
		for (size_t j = i; j > 0 && ev[j - 1].day > ev[j].day; j--) {
			struct event t = ev[j];

			ev[j] = ev[j - 1];
			ev[j - 1] = t;
		}
	first = week_monday(in->created < today ? in->created : today);
	if (nev > 0 && ev[0].day < first)
		first = week_monday(ev[0].day);
	end = week_monday(nev > 0 && ev[nev - 1].day > today ? ev[nev - 1].day
							     : today);
	{
		enum rollout_phase phase = ROLLOUT_DISCOVERY;
		size_t e = 0;

		*weeks = xcalloc((size_t)(end - first) / 7 + 1, sizeof **weeks);
		for (date_t mon = first; mon <= end; mon += 7) {
			struct rollout_week *w = &(*weeks)[n++];
			struct strbuf due = STRBUF_INIT;

			w->monday = mon;
			w->past = mon + 6 < today;
			for (; e < nev && ev[e].day <= mon + 6; e++) {
				if (ev[e].day < mon)
					continue;
				if (ev[e].phase != ROLLOUT_NOTE)
					phase = ev[e].phase;
				if (due.len)
					strbuf_addstr(&due, "; ");
				strbuf_addstr(&due, ev[e].what);
			}
			/* DKIM keys published before SPF keep SPF. */
			w->phase = phase;
			w->due = due.len ? strbuf_detach(&due) : NULL;
			strbuf_done(&due);
		}
	}
	*count = n;
	for (size_t i = 0; i < nev; i++)
		free(ev[i].what);
	free(ev);
	rollout_plan_done(&plan);
}

/* Frees a timeline. */
void rollout_weeks_free(struct rollout_week *weeks, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(weeks[i].due);
	free(weeks);
}
