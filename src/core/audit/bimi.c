/* SPDX-License-Identifier: GPL-3.0-or-later */
/* BIMI records and the DMARC policy they need. */
#include "config.h"

#include "audit/bimi.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "audit/taglist.h"
#include "util/strlist.h"
#include "util/text.h"
#include "audit/uri.h"
#include "util/xalloc.h"

/* Adds a BIMI finding about the record with advice. */
static enum status problem(struct findings *f, enum finding_code code,
			   const char *record, const char *message)
{
	struct finding *x;

	if (!f)
		return STATUS_PARSE;
	x = findings_add(f, code, "%s", message);
	finding_set_record(x, record);
	finding_set_advice(x, _("Publish \"v=BIMI1; l=https://HOST/logo.svg; "
				"a=https://HOST/vmc.pem\" at "
				"default._bimi.DOMAIN: both locations over "
				"HTTPS."));
	return STATUS_PARSE;
}

/* Checks that a location is an https: URI. */
static enum status https_only(struct findings *f, const char *shown,
			      const char *tag, const char *uri)
{
	char *msg;

	if (uri_report_valid(uri, false))
		return STATUS_OK;
	/* BIMI 4.2: l= and a= hold https URIs only. */
	msg = xasprintf(_("The BIMI record's %s= location \"%s\" is not an "
			  "https: URI; receivers fetch nothing else."),
			tag, uri);
	problem(f, F_BIMI_INSECURE_URI, shown, msg);
	free(msg);
	return STATUS_PARSE;
}

/* Parses a BIMI record. */
enum status bimi_parse(const char *text, size_t len, struct bimi_record *rec,
		       struct findings *f)
{
	struct taglist tags;
	const char *why, *l, *a;
	char *shown = text_clean(text, len);
	char *msg;
	enum status st = STATUS_OK;

	memset(rec, 0, sizeof *rec);
	if (!taglist_is_version(text, len, BIMI_VERSION)) {
		st = problem(f, F_BIMI_SYNTAX, shown,
			     _("The BIMI record does not start with "
			       "v=BIMI1."));
		goto out;
	}
	if (!taglist_parse(text, len, &tags, &why)) {
		msg = xasprintf(_("The BIMI record is invalid: %s."), _(why));
		st = problem(f, F_BIMI_SYNTAX, shown, msg);
		free(msg);
		goto out;
	}
	l = taglist_get(&tags, "l");
	a = taglist_get(&tags, "a");
	if (!l) {
		st = problem(f, F_BIMI_SYNTAX, shown,
			     _("The BIMI record has no l= tag (the logo's "
			       "location; empty to decline)."));
	} else if (!*l) {
		rec->declined = !a || !*a;
	} else {
		rec->logos = taglist_split_commas(l, &rec->nlogos);
		for (size_t i = 0; i < rec->nlogos; i++)
			if (https_only(f, shown, "l", rec->logos[i]))
				st = STATUS_PARSE;
	}
	if (a && *a) {
		rec->evidence = text_clean_str(a);
		if (https_only(f, shown, "a", rec->evidence))
			st = STATUS_PARSE;
	}
	taglist_done(&tags);
out:
	free(shown);
	return st;
}

/* Frees a record's fields. */
void bimi_record_done(struct bimi_record *rec)
{
	strlist_free(rec->logos, rec->nlogos);
	free(rec->evidence);
	memset(rec, 0, sizeof *rec);
}

/* Judges the answer at default._bimi. */
struct bimi_result *bimi_judge(const char *name, bool inherited,
			       const struct dns_answer *ans)
{
	struct bimi_result *r = xcalloc(1, sizeof *r);
	struct dns_txt_string *txt;
	struct finding *x;
	size_t count, n, index = 0;

	r->name = xasprintf("default._bimi.%s", name);
	r->dns = ans->result;
	r->inherited = inherited;
	if (taglist_answer_failed(ans, r->name, &r->findings))
		return r;
	txt = dns_answer_txt_joined(ans, &count);
	n = taglist_select(txt, count, BIMI_VERSION, &index);
	if (n > 1) {
		x = findings_add(&r->findings, F_BIMI_MULTIPLE,
				 _("%s has %zu BIMI records: receivers "
				   "ignore them all."),
				 r->name, n);
		finding_set_advice(x, _("Keep exactly one record starting "
					"with v=BIMI1."));
	} else if (n == 1) {
		r->record = text_clean(txt[index].data, txt[index].len);
		r->valid = bimi_parse(txt[index].data, txt[index].len,
				      &r->parsed, &r->findings) == STATUS_OK;
	}
	dns_txt_joined_free(txt, count);
	return r;
}

/* Checks the DMARC policy BIMI needs. */
void bimi_check_dmarc(struct bimi_result *r, const struct dmarc_result *d)
{
	struct finding *x;
	enum dmarc_policy sp = DMARC_POLICY_UNSET;
	int pct = 100;

	if (!r->record || r->parsed.declined)
		return;
	if (d && d->record) {
		pct = dmarc_pct(&d->parsed);
		/* BIMI 4.3: sp=none at the organizational domain lets
		 * its subdomains spoof the brand. */
		if (!d->inherited)
			sp = dmarc_subdomain_policy(&d->parsed);
	}
	if (d && d->record && d->policy >= DMARC_POLICY_QUARANTINE &&
	    pct == 100 && sp != DMARC_POLICY_NONE)
		return;
	x = findings_add(&r->findings, F_BIMI_DMARC_NOT_ENFORCED,
			 _("%s publishes a BIMI record, but its DMARC policy "
			   "is not quarantine or reject for all mail "
			   "(policy %s, pct %d%s): receivers do not show "
			   "the logo."),
			 d ? d->domain : "",
			 d && d->record ? dmarc_policy_name(d->policy) : "none",
			 pct, sp == DMARC_POLICY_NONE ? ", sp=none" : "");
	finding_set_record(x, r->record);
	finding_set_advice(x, _("Finish the DMARC rollout to p=quarantine or "
				"p=reject without pct (or pct=100) and "
				"without sp=none; until then the logo stays "
				"hidden."));
}

/* Frees a result. */
void bimi_result_free(struct bimi_result *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->record);
	bimi_record_done(&r->parsed);
	findings_done(&r->findings);
	free(r);
}

/* The JSON form. */
json_t *bimi_result_to_json(const struct bimi_result *r)
{
	json_t *o = json_object(), *logos = json_array();

	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "result", json_string(dns_result_name(r->dns)));
	json_object_set_new(o, "record",
			    r->record ? json_string(r->record) : json_null());
	json_object_set_new(o, "inherited", json_boolean(r->inherited));
	json_object_set_new(o, "valid", json_boolean(r->valid));
	json_object_set_new(o, "declined", json_boolean(r->parsed.declined));
	for (size_t i = 0; i < r->parsed.nlogos; i++)
		json_array_append_new(logos, json_string(r->parsed.logos[i]));
	json_object_set_new(o, "logos", logos);
	json_object_set_new(o, "evidence",
			    r->parsed.evidence ? json_string(r->parsed.evidence)
					       : json_null());
	json_object_set_new(o, "findings", findings_to_json(&r->findings));
	return o;
}
