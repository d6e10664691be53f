/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MTA-STS records and policies (RFC 8461). */
#include "config.h"

#include "audit/mta_sts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "audit/taglist.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Adds an mta_sts finding about the TXT record. */
static enum status txt_syntax(struct findings *f, const char *shown,
			      const char *why)
{
	struct finding *x;

	if (!f)
		return STATUS_PARSE;
	x = findings_add(f, F_MTA_STS_SYNTAX,
			 _("The MTA-STS record is invalid: %s; senders "
			   "ignore the policy."),
			 why);
	finding_set_record(x, shown);
	finding_set_advice(x, _("Publish \"v=STSv1; id=YYYYMMDDHHMMSS\" at "
				"_mta-sts.DOMAIN (RFC 8461 3.1), with a new "
				"id whenever the policy changes."));
	return STATUS_PARSE;
}

/* Parses the TXT record. */
enum status mta_sts_txt_parse(const char *text, size_t len, char **id,
			      struct findings *f)
{
	struct taglist tags;
	const char *why, *value;
	char *shown = text_clean(text, len);
	enum status st = STATUS_OK;
	size_t n;

	*id = NULL;
	/* RFC 8461 3.1: "v=STSv1" first, then id= of 1 to 32 letters
	 * and digits; other fields are ignored. */
	if (!taglist_is_version(text, len, MTA_STS_VERSION)) {
		st = txt_syntax(f, shown, _("it does not start with v=STSv1"));
		goto out;
	}
	if (!taglist_parse(text, len, &tags, &why)) {
		st = txt_syntax(f, shown, _(why));
		goto out;
	}
	value = taglist_get(&tags, "id");
	n = value ? strlen(value) : 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)value[i]))
			n = 0;
	if (!value)
		st = txt_syntax(f, shown, _("the id tag is missing"));
	else if (n == 0 || n > 32)
		st = txt_syntax(f, shown,
				_("id must be 1 to 32 letters and digits"));
	else
		*id = xstrdup(value);
	taglist_done(&tags);
out:
	free(shown);
	return st;
}

/* Adds mta_sts.policy_syntax with message (which it frees). */
static void policy_syntax(struct findings *f, char *message)
{
	struct finding *x;

	if (f) {
		x = findings_add(f, F_MTA_STS_POLICY_SYNTAX, "%s", message);
		finding_set_advice(x, _("Serve \"version: STSv1\", \"mode: "
					"enforce\" (or testing), \"mx: HOST\" "
					"for each MX and \"max_age: 604800\" "
					"or more, one per line (RFC 8461 "
					"3.2)."));
	}
	free(message);
}

/* RFC 8461 3.2: an mx pattern is a domain name, or "*." and one. */
static bool mx_pattern_valid(const char *p)
{
	size_t label = 0;

	if (p[0] == '*' && p[1] == '.')
		p += 2;
	if (!*p)
		return false;
	for (; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-' ||
			   *p == '_') {
			label++;
		} else {
			return false;
		}
	}
	return label > 0;
}

/* The mode a word names, or UNSET. */
static enum mta_sts_mode mode_from_word(const char *w)
{
	if (!strcmp(w, "enforce"))
		return MTA_STS_MODE_ENFORCE;
	if (!strcmp(w, "testing"))
		return MTA_STS_MODE_TESTING;
	if (!strcmp(w, "none"))
		return MTA_STS_MODE_NONE;
	return MTA_STS_MODE_UNSET;
}

/* Takes one "key: value" field of the policy; false when it is bad. */
static bool policy_field(struct mta_sts_policy *p, const char *key,
			 const char *value, bool *seen_version,
			 struct findings *f)
{
	if (!strcmp(key, "version")) {
		bool ok = !*seen_version && !strcmp(value, "STSv1");

		*seen_version = true;
		if (!ok)
			policy_syntax(f, xasprintf(_("The policy's version "
						     "\"%s\" is not STSv1, "
						     "or is given twice."),
						   value));
		return ok;
	}
	if (!strcmp(key, "mode")) {
		enum mta_sts_mode m = mode_from_word(value);

		if (m == MTA_STS_MODE_UNSET || p->mode != MTA_STS_MODE_UNSET) {
			policy_syntax(f, xasprintf(_("The policy's mode "
						     "\"%s\" is not enforce, "
						     "testing or none, or is "
						     "given twice."),
						   value));
			return false;
		}
		p->mode = m;
		return true;
	}
	if (!strcmp(key, "max_age")) {
		size_t n = strlen(value);
		bool ok = n > 0 && n <= 10 && p->max_age < 0;

		for (size_t i = 0; i < n; i++)
			ok &= isdigit((unsigned char)value[i]) != 0;
		if (!ok || strtol(value, NULL, 10) > MTA_STS_MAX_AGE_MAX) {
			policy_syntax(f, xasprintf(_("The policy's max_age "
						     "\"%s\" is not a number "
						     "of seconds up to "
						     "31557600, or is given "
						     "twice."),
						   value));
			return false;
		}
		p->max_age = strtol(value, NULL, 10);
		return true;
	}
	if (!strcmp(key, "mx")) {
		char *pat = text_lower(xstrdup(value));
		size_t n = strlen(pat);

		if (n > 1 && pat[n - 1] == '.')
			pat[n - 1] = '\0';
		if (!mx_pattern_valid(pat)) {
			policy_syntax(f, xasprintf(_("The policy's mx pattern "
						     "\"%s\" is not a host "
						     "name or *.DOMAIN."),
						   value));
			free(pat);
			return false;
		}
		p->mx = xrealloc(p->mx, (p->nmx + 1) * sizeof *p->mx);
		p->mx[p->nmx++] = pat;
	}
	/* RFC 8461 3.2: other keys are extensions, ignored. */
	return true;
}

/* True when [s, e) holds a control octet other than tab, or NUL. */
static bool has_control(const char *s, const char *e)
{
	for (; s < e; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

/* Parses a policy. */
enum status mta_sts_policy_parse(const char *body, size_t len,
				 struct mta_sts_policy *p, struct findings *f)
{
	const char *line = body, *end = body + len;
	bool seen_version = false, bad = false;

	memset(p, 0, sizeof *p);
	p->max_age = -1;
	/* RFC 8461 3.2: fields are "key: value" lines ending in LF or
	 * CRLF, with optional spaces around the value. */
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *le = nl ? nl : end;
		char *text, *colon, *value;

		if (le > line && le[-1] == '\r')
			le--;
		if (le == line) {
			line = nl ? nl + 1 : end;
			continue;
		}
		text = text_clean(line, (size_t)(le - line));
		colon = strchr(text, ':');
		if (has_control(line, le) || !colon || colon == text) {
			policy_syntax(f, xasprintf(_("The policy has a line "
						     "that is not \"key: "
						     "value\": \"%s\"."),
						   text));
			bad = true;
		} else {
			*colon = '\0';
			value = colon + 1 + strspn(colon + 1, " \t");
			for (size_t n = strlen(value);
			     n && (value[n - 1] == ' ' || value[n - 1] == '\t');
			     n--)
				value[n - 1] = '\0';
			if (!policy_field(p, text, value, &seen_version, f))
				bad = true;
		}
		free(text);
		line = nl ? nl + 1 : end;
	}
	if (!seen_version) {
		policy_syntax(f, xstrdup(_("The policy has no \"version: "
					   "STSv1\" line.")));
		bad = true;
	}
	if (p->mode == MTA_STS_MODE_UNSET && !bad) {
		policy_syntax(f, xstrdup(_("The policy has no mode line.")));
		bad = true;
	}
	if (p->max_age < 0 && !bad) {
		policy_syntax(f, xstrdup(_("The policy has no max_age line.")));
		bad = true;
	}
	if (p->nmx == 0 && p->mode != MTA_STS_MODE_NONE && !bad) {
		policy_syntax(f, xstrdup(_("The policy has no mx line: no MX "
					   "host can match it.")));
		bad = true;
	}
	return bad ? STATUS_PARSE : STATUS_OK;
}

/* Frees a policy's patterns. */
void mta_sts_policy_done(struct mta_sts_policy *p)
{
	strlist_free(p->mx, p->nmx);
	p->mx = NULL;
	p->nmx = 0;
}

/* Matches an MX host against a pattern. */
bool mta_sts_mx_matches(const char *pattern, const char *host)
{
	char *h = text_domain_normalize(host);
	char *pat = text_domain_normalize(pattern);
	bool match;

	if (pat[0] == '*' && pat[1] == '.') {
		/* RFC 8461 4.1: the wildcard stands for exactly one
		 * label, the leftmost. */
		const char *dot = strchr(h, '.');

		match = dot && dot != h && strcmp(dot + 1, pat + 2) == 0;
	} else {
		match = strcmp(h, pat) == 0;
	}
	free(h);
	free(pat);
	return match;
}

/* The mode's word. */
const char *mta_sts_mode_name(enum mta_sts_mode mode)
{
	switch (mode) {
	case MTA_STS_MODE_ENFORCE:
		return "enforce";
	case MTA_STS_MODE_TESTING:
		return "testing";
	case MTA_STS_MODE_NONE:
		return "none";
	default:
		return NULL;
	}
}

/* Judges the _mta-sts TXT answer. */
struct mta_sts_result *
mta_sts_judge_txt(const char *domain, const struct dns_answer *ans, bool *fetch)
{
	struct mta_sts_result *r = xcalloc(1, sizeof *r);
	struct dns_txt_string *txt;
	struct finding *x;
	size_t count, n, index = 0;

	*fetch = false;
	r->name = xasprintf("_mta-sts.%s", domain);
	r->dns = ans->result;
	r->policy.max_age = -1;
	if (taglist_answer_failed(ans, r->name, &r->findings))
		return r;
	txt = dns_answer_txt_joined(ans, &count);
	n = taglist_select(txt, count, MTA_STS_VERSION, &index);
	if (n == 0) {
		x = findings_add(&r->findings, F_MTA_STS_MISSING,
				 _("%s publishes no MTA-STS policy: senders "
				   "deliver to it over TLS only when nobody "
				   "strips STARTTLS."),
				 domain);
		finding_set_advice(x, _("Serve a policy at https://mta-sts."
					"DOMAIN/.well-known/mta-sts.txt and "
					"publish \"v=STSv1; id=...\" at "
					"_mta-sts.DOMAIN (RFC 8461), in "
					"testing mode first."));
	} else if (n > 1) {
		/* RFC 8461 3.1: not exactly one record means none. */
		x = findings_add(&r->findings, F_MTA_STS_MULTIPLE,
				 _("%s has %zu MTA-STS records: senders "
				   "ignore them all."),
				 r->name, n);
		finding_set_advice(x, _("Keep exactly one record starting "
					"with v=STSv1."));
	} else {
		r->record = text_clean(txt[index].data, txt[index].len);
		*fetch = mta_sts_txt_parse(txt[index].data, txt[index].len,
					   &r->id, &r->findings) == STATUS_OK;
	}
	dns_txt_joined_free(txt, count);
	return r;
}

/* Adds mta_sts.fetch_failed with the reason. */
static void fetch_failed(struct mta_sts_result *r, const char *why)
{
	struct finding *x;

	x = findings_add(&r->findings, F_MTA_STS_FETCH_FAILED,
			 _("The MTA-STS policy at %s could not be fetched: "
			   "%s. Senders that have no cached policy treat "
			   "the domain as having none."),
			 r->url ? r->url : r->name, why);
	finding_set_advice(x, _("Serve the policy over HTTPS at mta-sts."
				"DOMAIN with a certificate for that name "
				"from a public CA, status 200 and "
				"Content-Type text/plain, without "
				"redirects (RFC 8461 3.3)."));
}

/* Notes a policy host without an address. */
void mta_sts_no_address(struct mta_sts_result *r, const char *host,
			const char *why)
{
	char *msg = xasprintf(_("%s has no address (%s)"), host, why);

	fetch_failed(r, msg);
	free(msg);
}

/* Judges the fetched policy. */
void mta_sts_judge_policy(struct mta_sts_result *r,
			  const struct https_response *resp)
{
	char *why;

	free(r->url);
	r->url = xstrdup(resp->url);
	r->http_status = resp->status;
	if (resp->error) {
		fetch_failed(r, resp->error);
		return;
	}
	if (resp->status != 200) {
		/* RFC 8461 3.3: only 200 counts; 3xx is not followed. */
		why =
		    xasprintf(_("the server answered HTTP %ld"), resp->status);
		fetch_failed(r, why);
		free(why);
		return;
	}
	if (!resp->content_type ||
	    !text_ieqn(resp->content_type, "text/plain", 10)) {
		/* RFC 8461 3.2: the media type is text/plain. */
		why = xasprintf(_("its Content-Type is \"%s\", not "
				  "text/plain"),
				resp->content_type ? resp->content_type : "");
		fetch_failed(r, why);
		free(why);
		return;
	}
	r->policy_text = text_clean(resp->body, resp->len);
	r->policy_valid =
	    mta_sts_policy_parse(resp->body, resp->len, &r->policy,
				 &r->findings) == STATUS_OK;
}

/* Checks the MX hosts, the mode and max_age. */
void mta_sts_check_mx(struct mta_sts_result *r, char *const *hosts,
		      size_t nhosts)
{
	struct finding *x;

	if (!r->policy_valid)
		return;
	if (r->policy.mode == MTA_STS_MODE_TESTING) {
		x = findings_add(&r->findings, F_MTA_STS_TESTING,
				 _("The MTA-STS policy is in testing mode: "
				   "senders report failures (TLS-RPT) but "
				   "still deliver without TLS."));
		finding_set_advice(x, _("Once TLS reports show every sender "
					"reaching the MX hosts over TLS, "
					"switch to mode: enforce and change "
					"the record's id."));
	} else if (r->policy.mode == MTA_STS_MODE_NONE) {
		x = findings_add(&r->findings, F_MTA_STS_MODE_NONE,
				 _("The MTA-STS policy has mode none: "
				   "senders drop any policy they cached."));
		finding_set_advice(x, _("Mode none is for withdrawing a "
					"policy; use testing or enforce to "
					"protect the domain's mail."));
		return;
	}
	if (r->policy.max_age < 604800) {
		/* RFC 8461 3.2: max_age "typically in the range of weeks
		 * or greater"; short ones leave refreshes open to attack. */
		x = findings_add(&r->findings, F_MTA_STS_MAX_AGE_SHORT,
				 _("The MTA-STS policy's max_age is %ld "
				   "seconds, under a week: a sender's cached "
				   "policy expires before an attacker's "
				   "downgrade would be noticed."),
				 r->policy.max_age);
		finding_set_advice(x, _("Raise max_age to 604800 (a week) or "
					"more; 31557600 once the policy is "
					"stable."));
	}
	for (size_t i = 0; i < nhosts; i++) {
		bool match = false;

		if (!*hosts[i])
			continue;
		for (size_t k = 0; k < r->policy.nmx && !match; k++)
			match = mta_sts_mx_matches(r->policy.mx[k], hosts[i]);
		if (match)
			continue;
		/* RFC 8461 4.1, 5.1: an MX that matches no pattern gets
		 * no mail from senders that enforce the policy. */
		x = findings_add(&r->findings, F_MTA_STS_MX_MISMATCH,
				 _("The MX host %s matches no mx pattern of "
				   "the MTA-STS policy: senders that enforce "
				   "it will not deliver there."),
				 hosts[i]);
		finding_set_record(x, hosts[i]);
		finding_set_advice(x, _("Add \"mx: HOST\" (or a *.DOMAIN "
					"pattern) for it to the policy, then "
					"change the record's id."));
		if (r->policy.mode == MTA_STS_MODE_TESTING)
			x->severity = SEVERITY_WARNING;
	}
}

/* Frees a result. */
void mta_sts_result_free(struct mta_sts_result *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->record);
	free(r->id);
	free(r->url);
	free(r->policy_text);
	mta_sts_policy_done(&r->policy);
	findings_done(&r->findings);
	free(r);
}

/* The JSON form. */
json_t *mta_sts_result_to_json(const struct mta_sts_result *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "result", json_string(dns_result_name(r->dns)));
	json_object_set_new(o, "record",
			    r->record ? json_string(r->record) : json_null());
	json_object_set_new(o, "id", r->id ? json_string(r->id) : json_null());
	json_object_set_new(o, "url",
			    r->url ? json_string(r->url) : json_null());
	json_object_set_new(o, "http_status", json_integer(r->http_status));
	if (r->policy_valid) {
		json_t *p = json_object(), *mx = json_array();

		json_object_set_new(
		    p, "mode", json_string(mta_sts_mode_name(r->policy.mode)));
		json_object_set_new(p, "max_age",
				    json_integer(r->policy.max_age));
		for (size_t i = 0; i < r->policy.nmx; i++)
			json_array_append_new(mx, json_string(r->policy.mx[i]));
		json_object_set_new(p, "mx", mx);
		json_object_set_new(o, "policy", p);
	} else {
		json_object_set_new(o, "policy", json_null());
	}
	json_object_set_new(o, "findings", findings_to_json(&r->findings));
	return o;
}
