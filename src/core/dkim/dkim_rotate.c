/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DKIM key rotation: key ages, due dates, the two-phase rotation
 * plan. */
#include "config.h"

#include "dkim/dkim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* A key's age and due date. */
struct dkim_key_age dkim_key_age(date_t created, date_t today,
				 int lifetime_days)
{
	struct dkim_key_age a;

	if (lifetime_days <= 0)
		lifetime_days = DKIM_ROTATION_DAYS;
	a.age_days = today - created;
	a.due = created + lifetime_days;
	a.days_left = a.due - today;
	a.is_due = today >= a.due;
	return a;
}

/* Adds dkim.rotation_due for a key past its lifetime. */
void dkim_rotation_check(const char *selector, date_t created, date_t retired,
			 bool provider_held, date_t today, int lifetime_days,
			 const char *beside, struct findings *findings)
{
	struct dkim_key_age a;
	char due[DATE_BUFSIZE];
	struct finding *f;

	if (retired != DATE_NONE || created == DATE_NONE || provider_held)
		return;
	a = dkim_key_age(created, today, lifetime_days);
	if (!a.is_due)
		return;
	date_format(a.due, due);
	if (beside)
		f = findings_add(
		    findings, F_DKIM_ROTATION_DUE,
		    P_("the key of selector '%s' has signed beside '%s' for "
		       "%d day (RFC 8463 section 4); the rotation of the two "
		       "was due on %s",
		       "the key of selector '%s' has signed beside '%s' for "
		       "%d days (RFC 8463 section 4); the rotation of the two "
		       "was due on %s",
		       a.age_days),
		    selector, beside, a.age_days, due);
	else
		f = findings_add(
		    findings, F_DKIM_ROTATION_DUE,
		    P_("the key of selector '%s' is %d day old; its "
		       "rotation was due on %s",
		       "the key of selector '%s' is %d days old; its "
		       "rotation was due on %s",
		       a.age_days),
		    selector, a.age_days, due);
	finding_set_selector(f, selector);
	finding_set_advice(f, _("Rotate it with dmarcpilot dkim rotate: a "
				"key under a new selector, tracked until the "
				"reports show the old one silent and its "
				"record is gone."));
}

/* The stable word of a step. */
const char *dkim_step_kind_name(enum dkim_step_kind kind)
{
	switch (kind) {
	case DKIM_STEP_GENERATE:
		return "generate";
	case DKIM_STEP_PUBLISH:
		return "publish";
	case DKIM_STEP_VERIFY:
		return "verify";
	case DKIM_STEP_SWITCH:
		return "switch";
	case DKIM_STEP_REVOKE:
		return "revoke";
	case DKIM_STEP_REMOVE:
	default:
		return "remove";
	}
}

/* Appends a step; title and detail are taken over. */
static void plan_add(struct dkim_rotation_plan *plan, size_t *cap,
		     enum dkim_step_kind kind, date_t date, char *title,
		     char *detail, const char *name, const char *record)
{
	struct dkim_rotation_step *s;

	plan->steps =
	    xgrow(plan->steps, cap, plan->count + 1, sizeof *plan->steps);
	s = &plan->steps[plan->count++];
	s->kind = kind;
	s->date = date;
	s->title = title;
	s->detail = detail;
	s->name = xstrdup_or_null(name);
	s->record = xstrdup_or_null(record);
}

/* The default new selector: YYYYMM of today, or YYYYMMDD when that is
 * the selector being replaced. */
char *dkim_rotation_default_selector(date_t today, const char *old)
{
	char day[DATE_BUFSIZE];
	char *s;

	date_format(today, day);
	s = xasprintf("%.4s%.2s", day, day + 5);
	if (old && text_ieq(s, old)) {
		free(s);
		s = xasprintf("%.4s%.2s%.2s", day, day + 5, day + 8);
	}
	return s;
}

/* Builds a rotation plan. */
void dkim_rotation_plan_build(const struct dkim_rotation_options *o,
			      struct dkim_rotation_plan *plan)
{
	int keep =
	    o->keep_days < DKIM_KEEP_DAYS ? DKIM_KEEP_DAYS : o->keep_days;
	int revoked = o->revoked_days > 0 ? o->revoked_days : 7;
	char *new_name, *old_name = NULL, *revocation = NULL;
	date_t revoke_day = o->today + keep;
	size_t cap = 0;

	memset(plan, 0, sizeof *plan);
	plan->domain = text_domain_normalize(o->domain);
	plan->old_selector = xstrdup_or_null(o->old_selector);
	plan->new_selector =
	    o->new_selector
		? text_lower(xstrdup(o->new_selector))
		: dkim_rotation_default_selector(o->today, o->old_selector);
	new_name = dkim_key_name(plan->domain, plan->new_selector);

	plan_add(plan, &cap, DKIM_STEP_GENERATE, o->today,
		 xasprintf(_("Generate a new key with selector '%s'"),
			   plan->new_selector),
		 xasprintf("dmarcpilot dkim keygen %s %s", plan->domain,
			   plan->new_selector),
		 NULL, NULL);
	plan_add(plan, &cap, DKIM_STEP_PUBLISH, o->today,
		 xasprintf(_("Publish the new key at %s"), new_name),
		 xstrdup(o->new_record
			     ? _("Add this TXT record; keep the old one.")
			     : _("Add the TXT record that keygen printed; "
				 "keep the old one.")),
		 new_name, o->new_record);
	plan_add(plan, &cap, DKIM_STEP_VERIFY, o->today,
		 xstrdup(_("Verify that every authoritative name server "
			   "serves it")),
		 xstrdup(_("Ask each name server of the zone directly; go "
			   "on only when all of them answer with the new "
			   "record.")),
		 new_name, o->new_record);
	plan_add(plan, &cap, DKIM_STEP_SWITCH, o->today,
		 xasprintf(_("Switch the signer to selector '%s'"),
			   plan->new_selector),
		 xstrdup(_("Point the signer (OpenDKIM KeyTable, Exim "
			   "dkim_selector) at the new key and reload it.")),
		 NULL, NULL);
	if (o->old_selector) {
		old_name = dkim_key_name(plan->domain, o->old_selector);
		/* RFC 6376 3.6.1: an empty p= revokes the key. */
		revocation = xasprintf(
		    "v=DKIM1; k=%s; p=",
		    o->old_type == DKIM_KEY_ED25519 ? "ed25519" : "rsa");
		plan_add(plan, &cap, DKIM_STEP_REVOKE, revoke_day,
			 xasprintf(_("Revoke the old key at %s"), old_name),
			 xasprintf(P_("Mail signed with '%s' may still be "
				      "queued, retried or checked for %d "
				      "day; then replace its record with an "
				      "empty p=.",
				      "Mail signed with '%s' may still be "
				      "queued, retried or checked for %d "
				      "days; then replace its record with "
				      "an empty p=.",
				      keep),
				   o->old_selector, keep),
			 old_name, revocation);
		plan_add(plan, &cap, DKIM_STEP_REMOVE, revoke_day + revoked,
			 xasprintf(_("Remove the record at %s"), old_name),
			 xstrdup(_("Delete the revoked record; the rotation "
				   "is complete.")),
			 old_name, NULL);
	}
	free(revocation);
	free(old_name);
	free(new_name);
}

/* Checks propagation of the record a step publishes. */
enum status dkim_rotation_verify(struct dns *dns,
				 const struct dkim_rotation_step *step,
				 const struct propagate_options *o,
				 propagate_callback cb, void *arg,
				 struct err *err)
{
	bool publishes = step->kind == DKIM_STEP_PUBLISH ||
			 step->kind == DKIM_STEP_VERIFY ||
			 step->kind == DKIM_STEP_REVOKE;

	if (!publishes || !step->name || !step->record)
		return err_set(err, STATUS_USAGE,
			       _("the step '%s' publishes no record to "
				 "verify"),
			       dkim_step_kind_name(step->kind));
	return propagate_start(dns, step->name, DNS_T_TXT, step->record, o, cb,
			       arg, err);
}

/* Frees a plan. */
void dkim_rotation_plan_done(struct dkim_rotation_plan *plan)
{
	for (size_t i = 0; i < plan->count; i++) {
		free(plan->steps[i].title);
		free(plan->steps[i].detail);
		free(plan->steps[i].name);
		free(plan->steps[i].record);
	}
	free(plan->steps);
	free(plan->domain);
	free(plan->old_selector);
	free(plan->new_selector);
	memset(plan, 0, sizeof *plan);
}

/* ------------------------------------------------- tracked rotation */

static const struct {
	const char *word;
	int days;
} intervals[] = {
	{ "quarterly", DKIM_INTERVAL_QUARTERLY },
	{ "biannual", DKIM_INTERVAL_BIANNUAL },
	{ "annual", DKIM_INTERVAL_ANNUAL },
};

/* Reads an interval word or a number of days. */
bool dkim_interval_parse(const char *text, int *days)
{
	char *end;
	long n;

	if (!text || !*text)
		return false;
	for (size_t i = 0; i < sizeof intervals / sizeof intervals[0]; i++)
		if (strcmp(text, intervals[i].word) == 0) {
			*days = intervals[i].days;
			return true;
		}
	errno = 0;
	n = strtol(text, &end, 10);
	if (*end || end == text || errno || n < 1 || n > 3650)
		return false;
	*days = (int)n;
	return true;
}

/* Names an interval. */
const char *dkim_interval_name(int days, char buf[16])
{
	for (size_t i = 0; i < sizeof intervals / sizeof intervals[0]; i++)
		if (intervals[i].days == days) {
			snprintf(buf, 16, "%s", intervals[i].word);
			return buf;
		}
	snprintf(buf, 16, "%d", days);
	return buf;
}

static const char *const phase_names[] = {
	[DKIM_ROTATION_GENERATED] = "generated",
	[DKIM_ROTATION_PUBLISHED] = "published",
	[DKIM_ROTATION_SWITCHED] = "switched",
	[DKIM_ROTATION_REVOKED] = "revoked",
	[DKIM_ROTATION_DONE] = "done",
};

/* The stable word of a phase. */
const char *dkim_rotation_phase_name(enum dkim_rotation_phase phase)
{
	return phase <= DKIM_ROTATION_DONE ? phase_names[phase] : "done";
}

/* The phase of a stored word. */
bool dkim_rotation_phase_parse(const char *word, enum dkim_rotation_phase *out)
{
	for (int i = 0; word && i <= DKIM_ROTATION_DONE; i++)
		if (strcmp(word, phase_names[i]) == 0) {
			*out = (enum dkim_rotation_phase)i;
			return true;
		}
	return false;
}

/* Judges whether the old selector has been silent long enough: the
 * reports must reach silent_days past its last use (or past the switch
 * when it never showed), so that a gap in the reports is never taken
 * for silence. */
enum dkim_silence dkim_rotation_silence(const struct dkim_rotation_evidence *ev,
					date_t switched, int silent_days,
					date_t *until)
{
	date_t base =
	    ev->old_last_seen != DATE_NONE ? ev->old_last_seen : switched;

	if (silent_days <= 0)
		silent_days = DKIM_SILENT_DAYS;
	*until = base == DATE_NONE ? DATE_NONE : base + silent_days;
	if (base != DATE_NONE && ev->reports_last != DATE_NONE &&
	    ev->reports_last >= base + silent_days)
		return DKIM_SILENT;
	if (ev->old_last_seen != DATE_NONE && ev->reports_last != DATE_NONE &&
	    ev->old_last_seen + silent_days > ev->reports_last)
		return DKIM_STILL_SIGNS;
	return DKIM_NO_EVIDENCE;
}

/* Builds the signer changes of a switch. */
void dkim_switch_snippets_build(const char *domain, const char *new_selector,
				const char *new_path, const char *old_selector,
				const char *old_path, bool keep_old,
				struct dkim_snippets *out)
{
	char *d = text_domain_normalize(domain);
	char *nn = dkim_key_name(d, new_selector);
	char *on = old_selector ? dkim_key_name(d, old_selector) : NULL;

	dkim_snippets_build(d, new_selector, new_path, out);
	if (!keep_old || !old_selector || !old_path)
		goto out;
	/* RFC 8463 section 4: keep signing with RSA beside Ed25519 for
	 * verifiers that know only RSA; OpenDKIM signs with every
	 * matching SigningTable line when MultipleSignatures is on. */
	free(out->opendkim_conf);
	out->opendkim_conf =
	    xstrdup("KeyTable            /etc/opendkim/KeyTable\n"
		    "SigningTable        refile:/etc/opendkim/SigningTable\n"
		    "MultipleSignatures  yes\n"
		    "Socket              inet:8891@localhost\n"
		    "Canonicalization    relaxed/simple\n");
	free(out->opendkim_keytable);
	out->opendkim_keytable =
	    xasprintf("%s %s:%s:%s\n%s %s:%s:%s\n", on, d, old_selector,
		      old_path, nn, d, new_selector, new_path);
	free(out->opendkim_signingtable);
	out->opendkim_signingtable =
	    xasprintf("*@%s %s\n*@%s %s\n", d, on, d, nn);
	/* Exim: a selector list signs once per selector, each with the
	 * key the expansion picks. */
	free(out->exim);
	out->exim = xasprintf(
	    "  dkim_domain = %s\n"
	    "  dkim_selector = %s : %s\n"
	    "  dkim_private_key = ${if eq{$dkim_selector}{%s}{%s}{%s}}\n"
	    "  dkim_canon = relaxed\n",
	    d, old_selector, new_selector, new_selector, new_path, old_path);
out:
	free(on);
	free(nn);
	free(d);
}
