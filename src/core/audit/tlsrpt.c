/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SMTP TLS Reporting records (RFC 8460). */
#include "config.h"

#include "audit/tlsrpt.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "audit/taglist.h"
#include "util/strlist.h"
#include "util/text.h"
#include "audit/uri.h"
#include "util/xalloc.h"

/* Adds tlsrpt.syntax with the reason. */
static enum status syntax(struct findings *f, const char *record,
			  const char *why)
{
	struct finding *x;

	if (!f)
		return STATUS_PARSE;
	x = findings_add(f, F_TLSRPT_SYNTAX,
			 _("The TLS-RPT record is invalid: %s."), why);
	finding_set_record(x, record);
	finding_set_advice(x, _("Publish \"v=TLSRPTv1; rua=mailto:ADDRESS\" "
				"at _smtp._tls.DOMAIN (RFC 8460 3)."));
	return STATUS_PARSE;
}

/* Parses a TLS-RPT record. */
enum status tlsrpt_parse(const char *text, size_t len,
			 struct tlsrpt_record *rec, struct findings *f)
{
	struct taglist tags;
	const char *why, *rua;
	char *shown = text_clean(text, len);
	enum status st = STATUS_OK;

	rec->rua = NULL;
	rec->nrua = 0;
	/* RFC 8460 3: the version comes first, exactly. */
	if (!taglist_is_version(text, len, TLSRPT_VERSION)) {
		st = syntax(f, shown, _("it does not start with v=TLSRPTv1"));
		goto out;
	}
	if (!taglist_parse(text, len, &tags, &why)) {
		st = syntax(f, shown, _(why));
		goto out;
	}
	/* RFC 8460 3: rua is required; a comma-separated list of mailto:
	 * or https: URIs. */
	rua = taglist_get(&tags, "rua");
	if (!rua) {
		st = syntax(f, shown, _("the rua tag is missing"));
	} else {
		rec->rua = taglist_split_commas(rua, &rec->nrua);
		for (size_t i = 0; i < rec->nrua && st == STATUS_OK; i++) {
			if (!uri_report_valid(rec->rua[i], true)) {
				char *why2 = xasprintf(
				    _("rua holds \"%s\", which is not a "
				      "mailto: or https: URI"),
				    rec->rua[i]);

				st = syntax(f, shown, why2);
				free(why2);
			}
		}
	}
	taglist_done(&tags);
out:
	free(shown);
	return st;
}

/* Frees a record's fields. */
void tlsrpt_record_done(struct tlsrpt_record *rec)
{
	strlist_free(rec->rua, rec->nrua);
	rec->rua = NULL;
	rec->nrua = 0;
}

/* Judges the answer at _smtp._tls. */
struct tlsrpt_result *tlsrpt_judge(const char *domain,
				   const struct dns_answer *ans)
{
	struct tlsrpt_result *r = xcalloc(1, sizeof *r);
	struct dns_txt_string *txt;
	struct finding *x;
	size_t count, n, index = 0;

	r->name = xasprintf("_smtp._tls.%s", domain);
	r->dns = ans->result;
	if (taglist_answer_failed(ans, r->name, &r->findings))
		return r;
	txt = dns_answer_txt_joined(ans, &count);
	n = taglist_select(txt, count, TLSRPT_VERSION, &index);
	if (n == 0) {
		x = findings_add(&r->findings, F_TLSRPT_MISSING,
				 _("%s publishes no TLS-RPT record: senders "
				   "do not tell it when TLS to its MX hosts "
				   "fails."),
				 domain);
		finding_set_advice(x, _("Publish \"v=TLSRPTv1; "
					"rua=mailto:ADDRESS\" at "
					"_smtp._tls.DOMAIN (RFC 8460) to "
					"receive daily TLS reports."));
	} else if (n > 1) {
		/* RFC 8460 3: more than one record means none. */
		x = findings_add(&r->findings, F_TLSRPT_MULTIPLE,
				 _("%s has %zu TLS-RPT records: senders "
				   "ignore them all."),
				 r->name, n);
		finding_set_advice(x, _("Keep exactly one record starting "
					"with v=TLSRPTv1."));
	} else {
		r->record = text_clean(txt[index].data, txt[index].len);
		r->valid = tlsrpt_parse(txt[index].data, txt[index].len,
					&r->parsed, &r->findings) == STATUS_OK;
	}
	dns_txt_joined_free(txt, count);
	return r;
}

/* Frees a result. */
void tlsrpt_result_free(struct tlsrpt_result *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->record);
	tlsrpt_record_done(&r->parsed);
	findings_done(&r->findings);
	free(r);
}

/* The JSON form. */
json_t *tlsrpt_result_to_json(const struct tlsrpt_result *r)
{
	json_t *o = json_object(), *rua = json_array();

	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "result", json_string(dns_result_name(r->dns)));
	json_object_set_new(o, "record",
			    r->record ? json_string(r->record) : json_null());
	json_object_set_new(o, "valid", json_boolean(r->valid));
	for (size_t i = 0; i < r->parsed.nrua; i++)
		json_array_append_new(rua, json_string(r->parsed.rua[i]));
	json_object_set_new(o, "rua", rua);
	json_object_set_new(o, "findings", findings_to_json(&r->findings));
	return o;
}
