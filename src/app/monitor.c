/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "app/monitor.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "app/dkim_rotate.h"
#include "app/plan.h"
#include "dkim/dkim.h"
#include "dmarc/dmarc.h"
#include "plan/rollout.h"
#include "spf/spf_check.h"
#include "store/monitor_store.h"
#include "store/report_query.h"
#include "store/state.h"
#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The families of rules: an open alert is cleared only when its family
 * was checked on this run (a resolver that did not answer clears no DNS
 * alert). */
enum family {
	FAMILY_DNS = 1,     /* records against what was stepped */
	FAMILY_STATE = 2,   /* the plan: rotation due, next rung ready */
	FAMILY_REPORTS = 4, /* the alert rules over the reports */
};

/* One condition found on this run. */
struct found {
	enum finding_code code;
	char *key; /* code:subject, unique per domain */
	char *message;
};

/* The conditions of one domain. */
struct domain_check {
	const char *domain;
	unsigned checked; /* enum family bits */
	struct found *found;
	size_t nfound, cap;
	char *ready_label; /* the next rung's label when it is ready */
};

/* The stable word of a state. */
const char *monitor_state_name(enum monitor_state state)
{
	switch (state) {
	case MONITOR_NEW:
		return "new";
	case MONITOR_OPEN:
		return "open";
	case MONITOR_CLEARED:
		break;
	}
	return "cleared";
}

/* The family a code belongs to. */
static enum family family_of(enum finding_code code)
{
	switch (code) {
	case F_MONITOR_ROTATION_DUE:
	case F_MONITOR_STEP_READY:
		return FAMILY_STATE;
	case F_MONITOR_SPF_FAIL:
	case F_MONITOR_DKIM_FAIL:
	case F_MONITOR_DMARC_FAIL:
	case F_MONITOR_VOLUME_DROP:
	case F_MONITOR_UNKNOWN_SOURCE:
		return FAMILY_REPORTS;
	default:
		return FAMILY_DNS;
	}
}

/* Adds a condition; subject tells apart two of one code (a selector, a
 * source); message (translated) is taken over. */
static void found_add(struct domain_check *dc, enum finding_code code,
		      const char *subject, char *message)
{
	struct found *f;

	for (size_t i = 0; i < dc->nfound; i++)
		if (dc->found[i].code == code &&
		    !strcmp(dc->found[i].key + strlen(finding_code_name(code)) +
				1,
			    subject)) {
			free(message);
			return;
		}
	dc->found =
	    xgrow(dc->found, &dc->cap, dc->nfound + 1, sizeof *dc->found);
	f = &dc->found[dc->nfound++];
	f->code = code;
	f->key = xasprintf("%s:%s", finding_code_name(code), subject);
	f->message = text_clean_str(message);
	free(message);
}

/* Frees the conditions of a domain. */
static void domain_check_done(struct domain_check *dc)
{
	for (size_t i = 0; i < dc->nfound; i++) {
		free(dc->found[i].key);
		free(dc->found[i].message);
	}
	free(dc->found);
	free(dc->ready_label);
}

/* Notes something that could not be checked. */
static void problem(struct monitor_result *r, char *line)
{
	strlist_add(&r->problems, &r->nproblems, line);
}

/* ------------------------------------------------------------ DNS */

/* A record verified on a step against what is served now. */
static void check_record(struct domain_check *dc, const char *what,
			 const char *name, const char *verified,
			 const char *live)
{
	if (!verified)
		return;
	if (!live)
		found_add(dc, F_MONITOR_RECORD_REMOVED, what,
			  xasprintf(_("%s: the %s record was removed (it was "
				      "\"%s\" when stepped)"),
				    name, what, verified));
	else if (strcmp(live, verified) != 0)
		found_add(dc, F_MONITOR_RECORD_CHANGED, what,
			  xasprintf(_("%s: the %s record changed to \"%s\" "
				      "(it was \"%s\" when stepped)"),
				    name, what, live, verified));
}

/* RFC 6376 3.6.1: each key in use must still be served, not revoked
 * (empty p=) and not weakened (RFC 8301 3.2: RSA under 1024 bits).
 * False when a query failed. */
static bool check_dkim_keys(struct dns *dns, const struct rollout_inputs *in,
			    struct domain_check *dc)
{
	bool ok = true;

	for (size_t i = 0; i < in->nkeys; i++) {
		const struct state_dkim_key *k = &in->keys[i];
		struct dkim_selector_result r;
		struct dns_answer *a;
		char *name;

		if (k->published == DATE_NONE || k->retired != DATE_NONE)
			continue;
		name = dkim_key_name(in->domain, k->selector);
		a = dns_query_sync(dns, name, DNS_T_TXT);
		dkim_evaluate_answer(in->domain, k->selector, a, &r);
		for (size_t j = 0; j < r.findings.count; j++) {
			const struct finding *f = &r.findings.items[j];

			if (f->code == F_DNS_TEMPERROR)
				ok = false;
			else if (f->code == F_DKIM_MISSING)
				found_add(dc, F_MONITOR_DKIM_GONE, k->selector,
					  xasprintf(_("DKIM selector %s: the "
						      "key is gone: %s"),
						    k->selector, f->message));
			else if (f->code == F_DKIM_REVOKED)
				found_add(dc, F_MONITOR_DKIM_REVOKED,
					  k->selector,
					  xasprintf(_("DKIM selector %s: the "
						      "key was revoked: %s"),
						    k->selector, f->message));
			else if (f->code == F_DKIM_WEAK_KEY)
				found_add(dc, F_MONITOR_DKIM_WEAK, k->selector,
					  xasprintf(_("DKIM selector %s: the "
						      "key is weak: %s"),
						    k->selector, f->message));
		}
		dkim_selector_result_done(&r);
		dns_answer_free(a);
		free(name);
	}
	return ok;
}

/* RFC 7208 4.6.4 and 4.6: the published SPF record within 10 lookups
 * and free of what makes it a permerror. False when a query failed. */
static bool check_spf(struct dns *dns, const char *domain,
		      struct domain_check *dc)
{
	struct spf_check *check = NULL;
	struct err err = ERR_INIT;
	bool ok = true;

	if (spf_check_sync(dns, domain, &check, &err)) {
		err_done(&err);
		return false;
	}
	if (check->dns_failed) {
		ok = false;
		goto out;
	}
	for (size_t i = 0; i < check->findings.count; i++) {
		const struct finding *f = &check->findings.items[i];

		switch (f->code) {
		case F_SPF_LOOKUP_LIMIT:
			found_add(dc, F_MONITOR_SPF_LOOKUPS, "record",
				  xasprintf(_("%s: the SPF record needs %zu "
					      "DNS lookups, more than 10 "
					      "(RFC 7208 4.6.4): receivers "
					      "answer permerror"),
					    domain, check->lookups));
			break;
		case F_SPF_MULTIPLE:
		case F_SPF_SYNTAX:
		case F_SPF_LOOP:
		case F_SPF_INCLUDE_MISSING:
		case F_SPF_VOID_LIMIT:
		case F_SPF_MX_LIMIT:
			found_add(dc, F_MONITOR_SPF_PERMERROR,
				  finding_code_name(f->code),
				  xasprintf(_("%s: SPF permerror: %s"), domain,
					    f->message));
			break;
		case F_SPF_TEMPERROR:
		case F_DNS_TEMPERROR:
			ok = false;
			break;
		default:
			break;
		}
	}
out:
	spf_check_free(check);
	return ok;
}

/* RFC 7489 7.1: every external report destination still authorised.
 * False when the discovery failed. */
static bool check_rua(struct session *s, struct dns *dns, const char *domain,
		      struct domain_check *dc)
{
	struct dmarc_discovery *d;
	struct dmarc_result *r;
	bool ok = true;

	d = dmarc_discover(dns, session_orgdomain(s), domain, 0);
	if (dns_run(dns) != STATUS_OK) {
		dns_cancel_all(dns);
		dmarc_discovery_free(d);
		return false;
	}
	if (!(r = dmarc_discovery_take(d))) {
		dmarc_discovery_free(d);
		return false;
	}
	for (size_t i = 0; i < r->findings.count; i++) {
		const struct finding *f = &r->findings.items[i];

		if (f->code == F_DMARC_RUA_UNAUTHORIZED)
			found_add(dc, F_MONITOR_RUA_UNAUTHORIZED, f->message,
				  xasprintf(_("%s: a report destination is no "
					      "longer authorised: %s"),
					    domain, f->message));
		else if (f->code == F_DNS_TEMPERROR)
			ok = false;
	}
	dmarc_result_free(r);
	dmarc_discovery_free(d);
	return ok;
}

/* The DNS checks of a domain against what was stepped. */
static void check_dns(struct session *s, struct store *store, struct dns *dns,
		      const struct rollout_inputs *in,
		      const struct rollout_plan *plan, struct domain_check *dc,
		      struct monitor_result *r)
{
	struct findings drift = FINDINGS_INIT;
	struct err err = ERR_INIT;
	bool ok = true;

	if (!in->live_read || in->live_note) {
		problem(r, xasprintf("%s: %s", in->domain,
				     in->live_note ? in->live_note
						   : _("DNS was not read")));
		return;
	}
	check_record(dc, "DMARC", plan->domain, plan->dmarc_verified,
		     in->dmarc_live);
	check_record(dc, "SPF", plan->domain, plan->spf_verified, in->spf_live);
	ok = check_dkim_keys(dns, in, dc) && ok;
	if (plan->spf_verified && in->spf_live)
		ok = check_spf(dns, in->domain, dc) && ok;
	if (plan->dmarc_verified && in->dmarc_live)
		ok = check_rua(s, dns, in->domain, dc) && ok;
	/* The flattener's own comparison (plan/rollout.h). */
	if (rollout_flatten_drift(store, dns, in->domain, &drift, &err)) {
		problem(r, xasprintf("%s: %s", in->domain, err_message(&err)));
		ok = false;
	}
	for (size_t i = 0; i < drift.count; i++)
		if (drift.items[i].code == F_SPF_FLATTEN_DRIFT)
			found_add(dc, F_MONITOR_SPF_DRIFT,
				  drift.items[i].record
				      ? drift.items[i].record
				      : drift.items[i].message,
				  xasprintf("%s: %s", in->domain,
					    drift.items[i].message));
	findings_done(&drift);
	err_done(&err);
	if (ok)
		dc->checked |= FAMILY_DNS;
	else
		problem(r, xasprintf(_("%s: some DNS checks did not get an "
				       "answer; their alerts stay as they "
				       "were"),
				     in->domain));
}

/* ------------------------------------------------------------ plan */

/* The plan's own news: keys due for rotation (app_rotate_due, the
 * rule dkim check and the plan share), and the next rung ready. */
static void check_state(struct store *store, const struct rollout_inputs *in,
			const struct rollout_plan *plan, date_t today,
			struct domain_check *dc, struct monitor_result *r)
{
	struct findings due = FINDINGS_INIT;
	struct err err = ERR_INIT;

	if (app_rotate_due(store, in->domain, today, &due, &err)) {
		/* Unknown is not cleared: the family stays unchecked. */
		problem(r, xasprintf("%s: %s", in->domain, err_message(&err)));
		err_done(&err);
		findings_done(&due);
		return;
	}
	for (size_t i = 0; i < due.count; i++)
		found_add(
		    dc, F_MONITOR_ROTATION_DUE,
		    due.items[i].selector ? due.items[i].selector : "",
		    xasprintf("%s: %s", in->domain, due.items[i].message));
	findings_done(&due);
	if (plan->ready && plan->next.action != ROLLOUT_ACTION_NONE) {
		char *subject =
		    xasprintf("%s:%d", plan->next.name ? plan->next.name : "",
			      plan->next.rung);

		/* The message names the day it became ready, which only
		 * the stored alert knows: made when merging. */
		found_add(dc, F_MONITOR_STEP_READY, subject, xstrdup(""));
		free(subject);
		free(dc->ready_label);
		dc->ready_label =
		    xstrdup(plan->next.label ? plan->next.label : "");
	}
	dc->checked |= FAMILY_STATE;
}

/* ------------------------------------------------------------ reports */

/* Message sums of the two periods. */
struct periods {
	date_t split; /* first day of the current period */
	struct report_totals cur, prev;
};

/* Adds one day's sums to its period. */
static void add_day(void *arg, const struct report_day *day)
{
	struct periods *p = arg;
	struct report_totals *t = day->day >= p->split ? &p->cur : &p->prev;

	t->messages += day->t.messages;
	t->dmarc_pass += day->t.dmarc_pass;
	t->spf_aligned += day->t.spf_aligned;
	t->dkim_aligned += day->t.dkim_aligned;
}

/* The share of messages that failed, in percent. */
static double fail_rate(int64_t passed, int64_t messages)
{
	return messages > 0
		   ? 100.0 * (double)(messages - passed) / (double)messages
		   : 0.0;
}

/* One rate rule: alerts when rate is above limit (unless off). */
static void rate_rule(struct domain_check *dc, enum finding_code code,
		      const char *what, double rate, double limit,
		      const struct periods *p, int days)
{
	if (limit < 0 || rate <= limit)
		return;
	found_add(dc, code, "rate",
		  xasprintf(_("%s: %.1f %% of the mail of the last %d days "
			      "failed %s (%lld of %lld messages), more than "
			      "%.1f %%"),
			    dc->domain, rate, days, what,
			    (long long)(p->cur.messages -
					(code == F_MONITOR_SPF_FAIL
					     ? p->cur.spf_aligned
					 : code == F_MONITOR_DKIM_FAIL
					     ? p->cur.dkim_aligned
					     : p->cur.dmarc_pass)),
			    (long long)p->cur.messages, limit));
}

/* The alert rules over the reports of the current period against the
 * thresholds, and the unknown sources the plan's evidence holds. */
static void check_reports(struct store *store, const struct config *cfg,
			  const struct rollout_inputs *in, date_t today,
			  struct domain_check *dc, struct monitor_result *r)
{
	struct config_thresholds t;
	struct err err = ERR_INIT;
	struct periods p;
	char day[DATE_BUFSIZE];

	config_thresholds_for(cfg, in->domain, &t);
	memset(&p, 0, sizeof p);
	p.split = today - t.period_days + 1;
	if (report_query_days(store, in->domain, p.split - t.period_days, today,
			      add_day, &p, &err)) {
		problem(r, xasprintf("%s: %s", in->domain, err_message(&err)));
		err_done(&err);
		return;
	}
	if (p.cur.messages > 0) {
		rate_rule(dc, F_MONITOR_SPF_FAIL, "SPF",
			  fail_rate(p.cur.spf_aligned, p.cur.messages),
			  t.spf_fail, &p, t.period_days);
		rate_rule(dc, F_MONITOR_DKIM_FAIL, "DKIM",
			  fail_rate(p.cur.dkim_aligned, p.cur.messages),
			  t.dkim_fail, &p, t.period_days);
		rate_rule(dc, F_MONITOR_DMARC_FAIL, "DMARC",
			  fail_rate(p.cur.dmarc_pass, p.cur.messages),
			  t.dmarc_fail, &p, t.period_days);
	}
	if (t.volume_drop >= 0 && p.prev.messages > 0 &&
	    (double)p.cur.messages <
		(double)p.prev.messages * (1.0 - t.volume_drop / 100.0))
		found_add(dc, F_MONITOR_VOLUME_DROP, "volume",
			  xasprintf(_("%s: %lld messages reported in the %d "
				      "days up to %s, %lld in the %d days "
				      "before: down by more than %.0f %%"),
				    in->domain, (long long)p.cur.messages,
				    t.period_days, date_format(today, day),
				    (long long)p.prev.messages, t.period_days,
				    t.volume_drop));
	/* The plan's rule for a source nobody knows (DESIGN.md 4): above
	 * its unknown_threshold share of the window. */
	for (size_t i = 0; in->have_evidence && i < in->evidence.nfailing;
	     i++) {
		const struct rollout_source *src = &in->evidence.failing[i];
		double share = in->evidence.messages
				   ? 100.0 * (double)src->messages /
					 (double)in->evidence.messages
				   : 0.0;

		if (src->cls != ROLLOUT_CLASS_FAIL_UNKNOWN ||
		    share <= in->settings.unknown_threshold)
			continue;
		found_add(dc, F_MONITOR_UNKNOWN_SOURCE, src->ip,
			  xasprintf(_("%s: unknown source %s%s%s%s fails "
				      "DMARC for %.1f %% of the mail (%llu "
				      "messages, more than %.1f %%): add it "
				      "with dmarcpilot sender add, or "
				      "disown it with dmarcpilot sender "
				      "disown"),
				    in->domain, src->ip, src->ptr ? " (" : "",
				    src->ptr ? src->ptr : "",
				    src->ptr ? ")" : "", share,
				    (unsigned long long)src->messages,
				    in->settings.unknown_threshold));
	}
	dc->checked |= FAMILY_REPORTS;
}

/* ------------------------------------------------------------ state */

/* The channels the configuration names: "email", "webhook:NAME". */
static size_t channel_list(const struct config *cfg, char ***out)
{
	char **v = xcalloc(cfg->nwebhooks + 1, sizeof *v);
	size_t n = 0;

	if (cfg->smtp.present)
		v[n++] = xstrdup("email");
	for (size_t i = 0; i < cfg->nwebhooks; i++)
		v[n++] = xasprintf("webhook:%s", cfg->webhooks[i].name);
	*out = v;
	return n;
}

/* Appends an alert to the result. */
static void result_alert(struct monitor_result *r, const char *domain,
			 enum finding_code code, const char *message,
			 enum monitor_state state, date_t opened)
{
	struct monitor_alert *a;

	r->alerts = xrealloc(r->alerts, (r->nalerts + 1) * sizeof *r->alerts);
	a = &r->alerts[r->nalerts++];
	a->domain = xstrdup(domain);
	a->code = code;
	a->severity = finding_default_severity(code);
	a->message = xstrdup(message);
	a->state = state;
	a->opened = opened;
	if (state == MONITOR_NEW)
		r->raised++;
	else if (state == MONITOR_CLEARED)
		r->cleared++;
}

/* Merges the conditions of a domain with its stored alerts: new ones
 * raised and owed to every channel, gone ones (of a family that was
 * checked) cleared and owed, the rest left open. Nothing is written on
 * a dry run. */
static enum status merge(struct store *store, struct domain_check *dc,
			 char **channels, size_t nchannels, date_t today,
			 bool dry_run, struct monitor_result *r,
			 struct err *err)
{
	struct monitor_alert_row *rows = NULL;
	size_t nrows = 0;
	bool *seen = NULL;
	enum status st;
	char day[DATE_BUFSIZE];

	if ((st = monitor_alert_list(store, dc->domain, false, &rows, &nrows,
				     err)))
		return st;
	seen = xcalloc(nrows + 1, sizeof *seen);
	for (size_t i = 0; i < dc->nfound && !st; i++) {
		struct found *f = &dc->found[i];
		struct monitor_alert_row *old = NULL;
		date_t opened = today;
		int64_t id;

		for (size_t j = 0; j < nrows && !old; j++)
			if (!strcmp(rows[j].key, f->key)) {
				old = &rows[j];
				seen[j] = true;
			}
		if (old && old->cleared == DATE_NONE)
			opened = old->opened;
		if (f->code == F_MONITOR_STEP_READY) {
			free(f->message);
			f->message = xasprintf(_("%s: the next step, %s, is "
						 "ready since %s"),
					       dc->domain, dc->ready_label,
					       date_format(opened, day));
		}
		if (old && old->cleared == DATE_NONE) {
			result_alert(r, dc->domain, f->code, f->message,
				     MONITOR_OPEN, opened);
			if (!dry_run && strcmp(old->message, f->message))
				st = monitor_alert_update(store, old->id,
							  f->message, err);
			continue;
		}
		result_alert(r, dc->domain, f->code, f->message, MONITOR_NEW,
			     today);
		if (dry_run)
			continue;
		if ((st = monitor_alert_raise(
			 store, dc->domain, f->key, finding_code_name(f->code),
			 severity_name(finding_default_severity(f->code)),
			 f->message, today, &id, err)) ||
		    (st = monitor_outbox_drop(store, id, "cleared", err)))
			break;
		for (size_t c = 0; c < nchannels && !st; c++)
			st = monitor_outbox_add(store, id, "raised",
						channels[c], err);
	}
	for (size_t j = 0; j < nrows && !st; j++) {
		int code = finding_code_from_name(rows[j].code);

		if (seen[j] || rows[j].cleared != DATE_NONE || code < 0 ||
		    !(dc->checked & family_of((enum finding_code)code)))
			continue;
		result_alert(r, dc->domain, (enum finding_code)code,
			     rows[j].message, MONITOR_CLEARED, rows[j].opened);
		if (dry_run)
			continue;
		st = monitor_alert_clear(store, rows[j].id, today, err);
		for (size_t c = 0; c < nchannels && !st; c++)
			st = monitor_outbox_add(store, rows[j].id, "cleared",
						channels[c], err);
	}
	free(seen);
	monitor_alert_rows_free(rows, nrows);
	return st;
}

/* A domain's merge, run by store_transact(): the result as it was
 * before, so that a transaction run again adds its alerts once. */
struct merge_change {
	struct domain_check *dc;
	char **channels;
	size_t nchannels;
	date_t today;
	struct monitor_result *r;
	size_t nalerts, raised, cleared;
};

/* Forgets what an earlier attempt added to the result, then merges. */
static enum status merge_run(struct store *store, void *arg, struct err *err)
{
	struct merge_change *m = arg;
	struct monitor_result *r = m->r;

	while (r->nalerts > m->nalerts) {
		r->nalerts--;
		free(r->alerts[r->nalerts].domain);
		free(r->alerts[r->nalerts].message);
	}
	r->raised = m->raised;
	r->cleared = m->cleared;
	return merge(store, m->dc, m->channels, m->nchannels, m->today, false,
		     r, err);
}

/* ------------------------------------------------------------ sending */

/* The text of one event, for mail and Slack. */
static void event_line(struct strbuf *sb, const struct monitor_alert_row *a,
		       const char *event)
{
	strbuf_addf(sb, "%s %s %s: %s\n",
		    !strcmp(event, "raised") ? _("NEW") : _("CLEARED"),
		    a->severity, a->code, a->message);
}

/* The subject of a mail with n events of the domains in rows. */
static char *mail_subject(const struct monitor_outbox_row *rows, size_t n)
{
	size_t raised = 0;

	for (size_t i = 0; i < n; i++)
		raised += !strcmp(rows[i].event, "raised");
	/* TRANSLATORS: the subject of an alert mail; the last %s is the
	 * first domain concerned. */
	return xasprintf(_("dmarcpilot: %zu new, %zu cleared (%s)"), raised,
			 n - raised, rows[0].alert.domain);
}

/* The JSON body of a webhook (the alerts as --json prints them). */
static char *webhook_json(const struct monitor_outbox_row *rows, size_t n)
{
	json_t *o = json_object(), *list = json_array();
	char *text;

	for (size_t i = 0; i < n; i++) {
		const struct monitor_alert_row *a = &rows[i].alert;
		json_t *e = json_object();
		char day[DATE_BUFSIZE];

		json_object_set_new(e, "code", json_string(a->code));
		json_object_set_new(e, "domain", json_string(a->domain));
		json_object_set_new(e, "severity", json_string(a->severity));
		json_object_set_new(e, "message", json_string(a->message));
		json_object_set_new(e, "state",
				    json_string(!strcmp(rows[i].event, "raised")
						    ? "new"
						    : "cleared"));
		json_object_set_new(e, "since",
				    json_string(date_format(a->opened, day)));
		json_array_append_new(list, e);
	}
	json_object_set_new(o, "source", json_string("dmarcpilot"));
	json_object_set_new(o, "alerts", list);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

/* The Slack-compatible body: {"text": ...}. */
static char *webhook_slack(const struct monitor_outbox_row *rows, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *o = json_object();
	char *subject = mail_subject(rows, n), *text;

	strbuf_addf(&sb, "*%s*\n", subject);
	for (size_t i = 0; i < n; i++)
		event_line(&sb, &rows[i].alert, rows[i].event);
	json_object_set_new(o, "text", json_string(sb.data ? sb.data : ""));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	strbuf_done(&sb);
	free(subject);
	return text;
}

/* Sends the n events owed to one channel as one message. */
static enum status send_channel(const struct config *cfg,
				const struct monitor_options *o,
				const char *channel,
				const struct monitor_outbox_row *rows, size_t n,
				struct err *err)
{
	enum status st = STATUS_UNSUPPORTED;

	if (!strcmp(channel, "email") && cfg->smtp.present) {
		const struct config_smtp *m = &cfg->smtp;
		struct strbuf body = STRBUF_INIT;
		char *subject = mail_subject(rows, n), *message;

		for (size_t i = 0; i < n; i++)
			event_line(&body, &rows[i].alert, rows[i].event);
		message = alert_mail_format(m->from, (const char *const *)m->to,
					    m->nto, subject,
					    body.data ? body.data : "", o->now);
		if (m->sendmail) {
			st = alert_sendmail(m->sendmail, m->from,
					    (const char *const *)m->to, m->nto,
					    message, err);
		} else {
			struct alert_smtp server = {
				.host = m->host,
				.port = m->port,
				.tls = m->tls == CONFIG_TLS_IMPLICIT
					   ? ALERT_TLS_IMPLICIT
				       : m->tls == CONFIG_TLS_STARTTLS
					   ? ALERT_TLS_STARTTLS
					   : ALERT_TLS_NONE,
				.user = m->user,
				.ca_file = m->ca_file,
				.timeout_seconds = o->timeout_seconds,
			};
			char *password = NULL;

			if (m->user && !(password = config_secret(
					     cfg, &m->password, "smtp", err)))
				st = err->status;
			else {
				server.password = password;
				st = alert_smtp_send(&server, m->from,
						     (const char *const *)m->to,
						     m->nto, message, err);
			}
			config_secret_free(password);
		}
		free(message);
		free(subject);
		strbuf_done(&body);
		return st;
	}
	for (size_t i = 0; i < cfg->nwebhooks; i++) {
		const struct config_webhook *w = &cfg->webhooks[i];
		char *body, *what;

		if (strncmp(channel, "webhook:", 8) ||
		    strcmp(channel + 8, w->name))
			continue;
		body = w->format == CONFIG_WEBHOOK_SLACK
			   ? webhook_slack(rows, n)
			   : webhook_json(rows, n);
		what = xasprintf(_("webhook %s (%s)"), w->name, w->host);
		st = alert_http_post(w->url, what, w->ca_file, body,
				     o->timeout_seconds, err);
		free(what);
		free(body);
		return st;
	}
	return err_set(err, st, _("%s is no longer configured"), channel);
}

/* Appends a delivery to the result. */
static void result_delivery(struct monitor_result *r, const char *channel,
			    size_t alerts, const char *error)
{
	struct monitor_delivery *d;

	r->deliveries = xrealloc(r->deliveries,
				 (r->ndeliveries + 1) * sizeof *r->deliveries);
	d = &r->deliveries[r->ndeliveries++];
	d->channel = xstrdup(channel);
	d->alerts = alerts;
	d->error = error ? xstrdup(error) : NULL;
}

/* Sends everything owed, one message per channel; what fails stays
 * owed. On a dry run, only says what would be sent. */
static enum status deliver(struct store *store, const struct config *cfg,
			   const struct monitor_options *o, char **channels,
			   size_t nchannels, struct monitor_result *r,
			   struct err *err)
{
	struct monitor_outbox_row *rows = NULL;
	size_t nrows = 0, i = 0;
	enum status st;

	if (o->dry_run) {
		/* What is owed already, and what this run would owe. */
		if ((st = monitor_outbox_list(store, &rows, &nrows, err)))
			return st;
		for (size_t c = 0; c < nchannels; c++) {
			size_t n = r->raised + r->cleared;

			for (size_t k = 0; k < nrows; k++)
				n += !strcmp(rows[k].channel, channels[c]);
			if (n)
				result_delivery(r, channels[c], n, NULL);
		}
		monitor_outbox_rows_free(rows, nrows);
		return STATUS_OK;
	}
	if ((st = monitor_outbox_list(store, &rows, &nrows, err)))
		return st;
	while (i < nrows && !st) {
		struct err send_err = ERR_INIT;
		size_t n = 1;
		bool configured = false;

		while (i + n < nrows &&
		       !strcmp(rows[i + n].channel, rows[i].channel))
			n++;
		for (size_t c = 0; c < nchannels; c++)
			configured |= !strcmp(channels[c], rows[i].channel);
		if (!configured) {
			/* A channel taken out of the configuration: what it
			 * was owed is dropped, not retried for ever. */
			for (size_t k = i; k < i + n && !st; k++)
				st = monitor_outbox_sent(
				    store, rows[k].alert_id, rows[k].event,
				    rows[k].channel, err);
		} else if (send_channel(cfg, o, rows[i].channel, &rows[i], n,
					&send_err) == STATUS_OK) {
			for (size_t k = i; k < i + n && !st; k++)
				st = monitor_outbox_sent(
				    store, rows[k].alert_id, rows[k].event,
				    rows[k].channel, err);
			r->sent += n;
			result_delivery(r, rows[i].channel, n, NULL);
		} else {
			for (size_t k = i; k < i + n && !st; k++)
				st = monitor_outbox_failed(
				    store, rows[k].alert_id, rows[k].event,
				    rows[k].channel, err_message(&send_err),
				    err);
			result_delivery(r, rows[i].channel, n,
					err_message(&send_err));
		}
		err_done(&send_err);
		i += n;
	}
	monitor_outbox_rows_free(rows, nrows);
	return st;
}

/* ------------------------------------------------------------ the run */

/* The domains to watch: those named (each must be in the database), or
 * all. */
static enum status domains_of(struct store *store,
			      const struct monitor_options *o, char ***out,
			      size_t *count, struct err *err)
{
	struct state_domain *domains = NULL;
	size_t ndomains = 0;
	enum status st;
	char **v;
	size_t n = 0;

	if ((st = state_domain_list(store, &domains, &ndomains, err)))
		return st;
	v = xcalloc((o->ndomains ? o->ndomains : ndomains) + 1, sizeof *v);
	if (o->ndomains == 0) {
		for (size_t i = 0; i < ndomains; i++)
			v[n++] = xstrdup(domains[i].name);
	}
	for (size_t i = 0; i < o->ndomains && !st; i++) {
		char *name = text_domain_normalize(o->domains[i]);
		bool known = false;

		for (size_t j = 0; j < ndomains && !known; j++)
			known = !strcasecmp(domains[j].name, name);
		if (!known) {
			st = err_set(err, STATUS_NOT_FOUND,
				     _("%s is not in the database: add it "
				       "with dmarcpilot domain add %s"),
				     name, name);
			free(name);
		} else {
			v[n++] = name;
		}
	}
	state_domains_free(domains, ndomains);
	*out = v;
	*count = n;
	return st;
}

/* Checks one domain: plan, DNS, reports. */
static void check_domain(struct session *s, struct store *store,
			 struct dns *dns, const struct config *cfg,
			 const struct monitor_options *o,
			 struct domain_check *dc, struct monitor_result *r)
{
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct err err = ERR_INIT;

	if (app_plan_load(s, dc->domain, o->today, &in, &plan, &err)) {
		problem(r, xasprintf("%s: %s", dc->domain, err_message(&err)));
		err_done(&err);
		return;
	}
	if (dns)
		check_dns(s, store, dns, &in, &plan, dc, r);
	check_state(store, &in, &plan, o->today, dc, r);
	check_reports(store, cfg, &in, o->today, dc, r);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
}

/* Runs one pass. */
enum status monitor_run(struct session *s, const struct config *cfg,
			const struct monitor_options *o,
			struct monitor_result *r, struct err *err)
{
	struct err dns_err = ERR_INIT;
	struct monitor_run_row run;
	struct store *store;
	struct dns *dns;
	char **domains = NULL, **channels = NULL;
	size_t ndomains = 0, nchannels;
	enum status st;
	struct strbuf failed = STRBUF_INIT;

	memset(r, 0, sizeof *r);
	nchannels = channel_list(cfg, &channels);
	if (!(store = session_store(s, err))) {
		st = err->status;
		goto out;
	}
	if ((st = domains_of(store, o, &domains, &ndomains, err)))
		goto out;
	if (cfg->mailbox.present && !o->dry_run) {
		struct report_fetch_options fo = { NULL, NULL,
						   o->timeout_seconds };
		struct err ferr = ERR_INIT;

		r->fetch_tried = true;
		r->fetch_ok = report_fetch(store, cfg, &fo, &r->fetch, NULL,
					   NULL, NULL, &ferr) == STATUS_OK;
		if (!r->fetch_ok)
			problem(r, xstrdup(err_message(&ferr)));
		err_done(&ferr);
	}
	if (!(dns = session_dns(s, &dns_err)))
		problem(r, xasprintf(_("DNS was not checked: %s"),
				     err_message(&dns_err)));
	for (size_t i = 0; i < ndomains && !st; i++) {
		struct domain_check dc;

		memset(&dc, 0, sizeof dc);
		dc.domain = domains[i];
		check_domain(s, store, dns, cfg, o, &dc, r);
		if (o->dry_run) {
			st = merge(store, &dc, channels, nchannels, o->today,
				   true, r, err);
		} else {
			/* One transaction per domain: its alerts and what
			 * they owe the channels change together. */
			struct merge_change m = { &dc,       channels,
						  nchannels, o->today,
						  r,         r->nalerts,
						  r->raised, r->cleared };

			st = store_transact(store, merge_run, &m, err);
		}
		domain_check_done(&dc);
	}
	if (st || (st = deliver(store, cfg, o, channels, nchannels, r, err)))
		goto out;
	if (o->dry_run)
		goto out;
	memset(&run, 0, sizeof run);
	run.started = o->now;
	run.day = o->today;
	run.raised = (int)r->raised;
	run.cleared = (int)r->cleared;
	for (size_t i = 0; i < r->nalerts; i++)
		run.open += r->alerts[i].state != MONITOR_CLEARED;
	run.sent = (int)r->sent;
	for (size_t i = 0; i < r->ndeliveries; i++)
		if (r->deliveries[i].error)
			strbuf_addf(&failed, "%s%s", failed.len ? ", " : "",
				    r->deliveries[i].channel);
	run.failed = failed.len ? failed.data : NULL;
	run.exit_status = r->nproblems || monitor_result_failed(r) ? 2
			  : r->raised                              ? 1
								   : 0;
	st = monitor_run_add(store, &run, err);
out:
	strbuf_done(&failed);
	err_done(&dns_err);
	strlist_free(domains, ndomains);
	strlist_free(channels, nchannels);
	return st;
}

/* True when a delivery failed. */
bool monitor_result_failed(const struct monitor_result *r)
{
	for (size_t i = 0; i < r->ndeliveries; i++)
		if (r->deliveries[i].error)
			return true;
	return false;
}

/* Frees a result. */
void monitor_result_done(struct monitor_result *r)
{
	report_fetch_result_done(&r->fetch);
	for (size_t i = 0; i < r->nalerts; i++) {
		free(r->alerts[i].domain);
		free(r->alerts[i].message);
	}
	free(r->alerts);
	for (size_t i = 0; i < r->ndeliveries; i++) {
		free(r->deliveries[i].channel);
		free(r->deliveries[i].error);
	}
	free(r->deliveries);
	strlist_free(r->problems, r->nproblems);
	memset(r, 0, sizeof *r);
}

/* Reads the timeline's status. */
enum status monitor_status_load(struct store *store, const char *domain,
				struct monitor_status *out, struct err *err)
{
	struct monitor_alert_row *rows = NULL;
	struct monitor_run_row run;
	size_t n = 0;
	enum status st;

	memset(out, 0, sizeof *out);
	if (!store)
		return STATUS_OK;
	if ((st = monitor_run_last(store, &run, &out->ran, err)))
		return st;
	out->last_run = run.started;
	out->last_day = run.day;
	out->failed = run.failed;
	if ((st = monitor_alert_list(store, domain, true, &rows, &n, err)))
		return st;
	out->open = n;
	for (size_t i = 0; i < n; i++) {
		int code = finding_code_from_name(rows[i].code);
		enum severity sev =
		    code < 0
			? SEVERITY_WARNING
			: finding_default_severity((enum finding_code)code);

		if (!out->worst || sev > out->worst_severity) {
			free(out->worst);
			out->worst = xstrdup(rows[i].message);
			out->worst_severity = sev;
		}
	}
	monitor_alert_rows_free(rows, n);
	return STATUS_OK;
}

/* Frees a status. */
void monitor_status_done(struct monitor_status *status)
{
	free(status->failed);
	free(status->worst);
	memset(status, 0, sizeof *status);
}
