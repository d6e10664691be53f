/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Adoption of what a domain serves (app/adopt.h). */
#include "config.h"

#include "app/adopt.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/plan.h"
#include "app/settings.h"
#include "dkim/dkim.h"
#include "dmarc/dmarc.h"
#include "dmarc/ladder.h"
#include "spf/spf.h"
#include "store/state.h"
#include "util/strlist.h"
#include "util/i18n.h"
#include "util/xalloc.h"

/* The rung of an SPF record by its "all" (RFC 7208 5.1): 1 for -all, 0
 * for ~all, -1 for anything weaker or none. */
static int spf_rung_of(const char *record)
{
	struct spf_record *rec = NULL;
	int rung = -1;

	if (spf_parse(record, strlen(record), &rec, NULL, NULL) != STATUS_OK)
		return -1;
	for (size_t i = 0; i < rec->count; i++)
		if (rec->terms[i].kind == SPF_ALL)
			rung = rec->terms[i].qualifier == SPF_FAIL       ? 1
			       : rec->terms[i].qualifier == SPF_SOFTFAIL ? 0
									 : -1;
	spf_record_free(rec);
	return rung;
}

/* The strongest rung of the ladder the record reaches: its policy, then
 * its pct (absent is 100; RFC 7489 6.3); -1 when below the first. */
static int dmarc_rung_of(const struct ladder *l, const char *record)
{
	struct dmarc_record rec;
	int best = -1, pct;

	if (dmarc_parse(record, strlen(record), &rec, NULL, NULL) !=
	    STATUS_OK) {
		dmarc_record_done(&rec);
		return -1;
	}
	pct = rec.pct < 0 ? 100 : rec.pct;
	for (size_t i = 0; i < l->count; i++) {
		const struct ladder_rung *r = &l->rungs[i];

		if (r->policy < rec.p ||
		    (r->policy == rec.p &&
		     (r->policy == DMARC_POLICY_NONE || r->pct <= pct)))
			best = (int)i;
	}
	dmarc_record_done(&rec);
	return best;
}

/* The keys the common list finds. */
struct common {
	char **found;
	size_t n;
};

/* Keeps the common selectors that serve a key. */
static void common_found(void *arg, struct dkim_selector_result *found,
			 size_t count)
{
	struct common *c = arg;

	for (size_t i = 0; i < count; i++)
		if (found[i].parsed && !found[i].key.revoked) {
			strlist_add(&c->found, &c->n,
				    xstrdup(found[i].selector));
		}
	dkim_results_free(found, count);
}

/* The step that records a live SPF or DMARC record at its rung, as
 * verified today; its lookups were not counted. */
static struct state_step rung_step(enum rung_kind kind, int rung,
				   const char *record, date_t today)
{
	return (struct state_step){
		.kind = kind,
		.rung = rung,
		.record = record,
		.lookups = -1,
		.verified = today,
	};
}

/* Notes a selector recorded. */
static void selector_add(struct app_adoption *a, const char *selector)
{
	a->dkim = xrealloc(a->dkim, (a->ndkim + 1) * sizeof *a->dkim);
	a->dkim[a->ndkim++] = xstrdup(selector);
}

/* True if the domain has a key of that selector recorded already. */
static bool key_known(const struct rollout_inputs *in, const char *selector)
{
	for (size_t i = 0; i < in->nkeys; i++)
		if (strcasecmp(in->keys[i].selector, selector) == 0)
			return true;
	return false;
}

/* The value of tag in a DMARC record's text (RFC 7489 6.4: "tag=value"
 * separated by ";", spaces around them ignored), or NULL. */
static char *dmarc_tag(const char *record, const char *tag)
{
	size_t tlen = strlen(tag);
	const char *p = record;

	while (p && *p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len > tlen && strncasecmp(p, tag, tlen) == 0) {
			const char *v = p + tlen;
			size_t vlen = len - tlen;

			while (vlen > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vlen--;
			}
			if (vlen > 1 && *v == '=') {
				v++;
				vlen--;
				while (vlen > 0 && (*v == ' ' || *v == '\t')) {
					v++;
					vlen--;
				}
				return vlen ? xstrndup(v, vlen) : NULL;
			}
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

/* Takes the live DMARC record's tags the settings hold (rua, ruf,
 * adkim, aspf, sp, np) into set where the setting is the default, so
 * that the next record published carries them instead of the defaults
 * (RFC 7489 6.3); a value the setting would refuse is left out. True
 * when one was taken. */
static bool adopt_tags(const char *record, struct state_settings *set)
{
	static const char *const tags[] = { "rua",  "ruf", "adkim",
					    "aspf", "sp",  "np" };
	bool any = false;

	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
		const struct app_setting *d =
		    app_setting_find(tags[i], strlen(tags[i]));
		struct err e = ERR_INIT;
		char **field = d ? app_setting_text(set, d) : NULL;
		char *v;

		if (!field || *field || !(v = dmarc_tag(record, tags[i])))
			continue;
		/* RFC 7489 6.3: r or s, a policy word; what the store takes
		 * (lower case), else the tag is left to its default. */
		if (i >= 2)
			for (char *c = v; *c; c++)
				*c = (char)tolower((unsigned char)*c);
		if ((i < 2 ||
		     (i < 4 && (strcmp(v, "r") == 0 || strcmp(v, "s") == 0)) ||
		     (i >= 4 &&
		      (strcmp(v, "none") == 0 || strcmp(v, "quarantine") == 0 ||
		       strcmp(v, "reject") == 0))) &&
		    app_setting_set(set, d, v, &e) == STATUS_OK)
			any = true;
		err_done(&e);
		free(v);
	}
	return any;
}

/* adopt_tags() on the settings as stored, inside the store's
 * transaction, so that a setting changed meanwhile is kept. */
static enum status adopt_tags_apply(struct state_settings *set, void *arg,
				    struct err *err)
{
	(void)err;
	adopt_tags(arg, set);
	return STATUS_OK;
}

/* Reads what is live and records it. */
enum status app_adopt(struct session *s, const char *domain, date_t today,
		      struct app_adoption *out, struct err *err)
{
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct state_step steps[64];
	struct common common = { 0 };
	struct {
		const char *spf, *dmarc; /* the last recorded */
	} last = { NULL, NULL };
	size_t n = 0;
	struct store *store;
	struct dns *dns;
	enum status st;

	memset(out, 0, sizeof *out);
	out->spf_rung = out->dmarc_rung = -1;
	if (!(dns = session_dns(s, err)))
		return err->status;
	if ((st = app_plan_load(s, domain, today, &in, &plan, err)))
		return st;
	if (in.live_note) {
		st = err_set(err, STATUS_DNS, "%s", in.live_note);
		goto out;
	}
	/* RFC 7208 4.5: two SPF records are a permerror, not a choice of
	 * one; which rung is live cannot be told, so nothing is. */
	if (in.spf_live_count > 1) {
		finding_set_advice(
		    findings_add(&out->findings, F_SPF_MULTIPLE,
				 _("%s has %zu SPF records; receivers return "
				   "permerror, so which rung is live cannot "
				   "be told: nothing was recorded"),
				 in.domain, in.spf_live_count),
		    _("Merge them into one record: one \"v=spf1\" TXT record "
		      "per name (RFC 7208 4.5), then adopt again."));
		goto out;
	}
	for (size_t i = 0; i < in.nhistory; i++) {
		if (in.history[i].kind == RUNG_SPF)
			last.spf = in.history[i].record;
		else
			last.dmarc = in.history[i].record;
	}
	/* SPF: ~all or -all, unless that exact record is recorded. */
	if (in.spf_live) {
		out->spf_record = xstrdup(in.spf_live);
		out->spf_rung = spf_rung_of(in.spf_live);
		if (out->spf_rung >= 0 &&
		    !(last.spf && strcmp(last.spf, in.spf_live) == 0))
			steps[n++] = rung_step(RUNG_SPF, out->spf_rung,
					       in.spf_live, today);
	}
	/* DKIM: the senders' services, then the common list. */
	for (size_t i = 0; i < in.nsender_dkim && n < 60; i++) {
		const struct rollout_sender_dkim *d = &in.sender_dkim[i];

		if (d->has_key || !d->live || key_known(&in, d->live))
			continue;
		steps[n++] = (struct state_step){
			.dkim_selector = d->live,
			.dkim_provider = d->provider,
			.verified = today,
		};
		selector_add(out, d->live);
	}
	dkim_discover(dns, in.domain, dkim_common_selectors,
		      DKIM_COMMON_SELECTORS_COUNT, common_found, &common);
	dns_run(dns);
	for (size_t i = 0; i < common.n && n < 62; i++) {
		bool dup = key_known(&in, common.found[i]);

		for (size_t j = 0; j < out->ndkim; j++)
			dup = dup ||
			      strcasecmp(out->dkim[j], common.found[i]) == 0;
		if (dup)
			continue;
		steps[n++] = (struct state_step){
			.dkim_selector = common.found[i],
			.dkim_insert = true,
			.verified = today,
		};
		selector_add(out, common.found[i]);
	}
	/* DMARC: the strongest rung it reaches, never a weaker one. */
	if (in.dmarc_live) {
		out->dmarc_record = xstrdup(in.dmarc_live);
		out->dmarc_rung = dmarc_rung_of(&in.ladder, in.dmarc_live);
		if (out->dmarc_rung >= 0 &&
		    !(last.dmarc && strcmp(last.dmarc, in.dmarc_live) == 0) &&
		    ladder_find_text(&in.ladder, last.dmarc ? last.dmarc : "") <
			out->dmarc_rung)
			steps[n++] = rung_step(RUNG_DMARC, out->dmarc_rung,
					       in.dmarc_live, today);
	}
	if (n > 0 && (store = session_store(s, err)))
		st = state_steps_record(store, in.domain, steps, n, err);
	else if (n > 0)
		st = err->status;
	/* The live record's report addresses and tags become the domain's
	 * settings, so that no later step rewrites them unasked. */
	if (st == STATUS_OK && in.dmarc_live &&
	    adopt_tags(in.dmarc_live, &in.settings)) {
		if ((store = session_store(s, err)))
			st = state_settings_update(store, in.domain,
						   adopt_tags_apply,
						   (void *)in.dmarc_live, err);
		else
			st = err->status;
	}
out:
	strlist_free(common.found, common.n);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	return st;
}

/* Frees what adoption found. */
void app_adoption_done(struct app_adoption *a)
{
	free(a->spf_record);
	free(a->dmarc_record);
	for (size_t i = 0; i < a->ndkim; i++)
		free(a->dkim[i]);
	free(a->dkim);
	findings_done(&a->findings);
	memset(a, 0, sizeof *a);
}
