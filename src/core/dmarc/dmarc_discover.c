/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DMARC policy discovery with the RFC 9989 tree walk, and the external
 * report destination check of RFC 7489 7.1, all on the async resolver:
 * the walk's queries go out at once, the authorization queries as soon
 * as the applicable record is known, so discovery takes two round
 * trips whatever the depth of the name. */
#include "config.h"

#include "dmarc/dmarc.h"

#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "util/dname.h"
#include "util/i18n.h"
#include "dmarc/orgdomain.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* What one _dmarc query brought. */
struct walk_slot {
	struct dmarc_discovery *d;
	size_t index;
	enum dns_result result;
	char *error;        /* the resolver's message on failure */
	size_t dmarc_count; /* TXT records starting with v=DMARC1 */
	char *first;        /* the first DMARC record's text */
	size_t first_len;
	char *other; /* a TXT record that is not DMARC, cleaned */
	enum dmarc_psd psd;
};

/* One authorization query; several destinations may share a host. */
struct auth_slot {
	struct dmarc_discovery *d;
	size_t dest; /* the first destination with this host */
};

struct dmarc_discovery {
	struct dns *dns;
	const struct orgdomain *od;
	char **names; /* the walk's names */
	size_t nnames;
	struct walk_slot *slots;
	struct auth_slot *auths;
	size_t walk_pending; /* walk and existence queries outstanding */
	size_t pending;      /* authorization queries outstanding */
	bool walk_done;
	bool done;
	struct dmarc_result *result;
};

/* Translated-free stable word of a destination state. */
const char *dmarc_dest_state_name(enum dmarc_dest_state state)
{
	switch (state) {
	case DMARC_DEST_SAME_ORG:
		return "same-org";
	case DMARC_DEST_AUTHORIZED:
		return "authorized";
	case DMARC_DEST_UNAUTHORIZED:
		return "unauthorized";
	case DMARC_DEST_NOT_MAILTO:
		return "not-mailto";
	case DMARC_DEST_UNKNOWN:
	default:
		return "unknown";
	}
}

/* Adds dns.temperror for a failed query. */
static void temperror(struct dmarc_result *r, const char *qname,
		      enum dns_result result, const char *error)
{
	struct finding *f;

	f = findings_add(&r->findings, F_DNS_TEMPERROR,
			 _("The query TXT %s failed (%s): %s"), qname,
			 dns_result_name(result), error ? error : "");
	finding_set_advice(f, _("Check that the domain's name servers "
				"answer; until they do, receivers treat "
				"DMARC as a temporary error."));
}

/* True for answers that say "nothing here" rather than "could not
 * tell". */
static bool is_negative(enum dns_result result)
{
	return result == DNS_NODATA || result == DNS_NXDOMAIN;
}

/* Checks a discovery's completion once a query has been answered. */
static void discovery_step(struct dmarc_discovery *d);

/* Collects the answer of TXT _dmarc.<name>. */
static void walk_answer(void *arg, const struct dns_answer *answer)
{
	struct walk_slot *s = arg;
	struct dns_txt_string *txt;
	size_t count;

	s->result = answer->result;
	if (answer->error)
		s->error = xstrdup(answer->error);
	txt = dns_answer_txt_joined(answer, &count);
	for (size_t i = 0; i < count; i++) {
		/* RFC 7489 6.6.3: only records starting with v=DMARC1
		 * count; the others at _dmarc are discarded. */
		if (!dmarc_is_record(txt[i].data, txt[i].len)) {
			if (!s->other)
				s->other = text_clean(
				    txt[i].data,
				    txt[i].len > 120 ? 120 : txt[i].len);
			continue;
		}
		if (s->dmarc_count++ == 0) {
			s->first = xmemdup(txt[i].data, txt[i].len);
			s->first_len = txt[i].len;
		}
	}
	dns_txt_joined_free(txt, count);
	if (s->dmarc_count == 1) {
		struct dmarc_record rec;

		dmarc_parse(s->first, s->first_len, &rec, NULL, NULL);
		s->psd = rec.psd;
		dmarc_record_done(&rec);
	}
	s->d->walk_pending--;
	discovery_step(s->d);
}

/* Learns whether the domain itself exists (RFC 9989: np is for names
 * that are NXDOMAIN). */
static void exists_answer(void *arg, const struct dns_answer *answer)
{
	struct dmarc_discovery *d = arg;

	d->result->exists = answer->result != DNS_NXDOMAIN;
	d->walk_pending--;
	discovery_step(d);
}

/* Collects an authorization answer (RFC 7489 7.1: a TXT record starting
 * with v=DMARC1 at <domain>._report._dmarc.<host>). */
static void auth_answer(void *arg, const struct dns_answer *answer)
{
	struct auth_slot *a = arg;
	struct dmarc_result *r = a->d->result;
	struct dmarc_dest *dest = &r->dests[a->dest];
	enum dmarc_dest_state state = DMARC_DEST_UNAUTHORIZED;

	if (answer->result == DNS_DATA) {
		struct dns_txt_string *txt;
		size_t count;

		txt = dns_answer_txt_joined(answer, &count);
		for (size_t i = 0; i < count; i++)
			if (dmarc_is_record(txt[i].data, txt[i].len))
				state = DMARC_DEST_AUTHORIZED;
		dns_txt_joined_free(txt, count);
	} else if (!is_negative(answer->result)) {
		state = DMARC_DEST_UNKNOWN;
		temperror(r, dest->query, answer->result, answer->error);
	}
	/* Every destination on this host shares the answer. */
	for (size_t i = a->dest; i < r->ndests; i++)
		if (r->dests[i].host && dest->host &&
		    !strcmp(r->dests[i].host, dest->host) &&
		    r->dests[i].state == DMARC_DEST_UNKNOWN)
			r->dests[i].state = state;
	a->d->pending--;
	discovery_step(a->d);
}

/* Adds the destinations of one URI list. */
static void add_dests(struct dmarc_result *r, const char *tag,
		      const struct dmarc_uri *uris, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		struct dmarc_dest *dest;

		r->dests =
		    xrealloc(r->dests, (r->ndests + 1) * sizeof *r->dests);
		dest = &r->dests[r->ndests++];
		memset(dest, 0, sizeof *dest);
		dest->tag = tag;
		dest->uri = text_clean_str(uris[i].uri);
		dest->host = xstrdup_or_null(uris[i].host);
		dest->state =
		    uris[i].host ? DMARC_DEST_UNKNOWN : DMARC_DEST_NOT_MAILTO;
	}
}

/* Starts the authorization queries of the external destinations. */
static void start_auth(struct dmarc_discovery *d)
{
	struct dmarc_result *r = d->result;
	/* RFC 7489 7.1: the domain where the policy was found. */
	const char *domain = r->source + strlen("_dmarc.");

	add_dests(r, "rua", r->parsed.rua, r->parsed.nrua);
	add_dests(r, "ruf", r->parsed.ruf, r->parsed.nruf);
	d->auths = xcalloc(r->ndests ? r->ndests : 1, sizeof *d->auths);
	for (size_t i = 0; i < r->ndests; i++) {
		struct dmarc_dest *dest = &r->dests[i];
		bool asked = false;

		if (!dest->host)
			continue;
		/* RFC 7489 7.1: only hosts in another organizational
		 * domain must authorize. */
		if (orgdomain_same(d->od, dest->host, domain)) {
			dest->state = DMARC_DEST_SAME_ORG;
			continue;
		}
		dest->query =
		    xasprintf("%s._report._dmarc.%s", domain, dest->host);
		for (size_t j = 0; j < i; j++)
			if (r->dests[j].query &&
			    !strcmp(r->dests[j].query, dest->query))
				asked = true;
		if (asked)
			continue;
		d->auths[i].d = d;
		d->auths[i].dest = i;
		d->pending++;
		dns_query(d->dns, dest->query, DNS_T_TXT, auth_answer,
			  &d->auths[i]);
	}
}

/* Reports the state of the walk's names that the domain passes
 * through. */
static void walk_findings(struct dmarc_discovery *d, int applied)
{
	struct dmarc_result *r = d->result;
	size_t last = applied >= 0 ? (size_t)applied : d->nnames - 1;

	for (size_t i = 0; i <= last && i < d->nnames; i++) {
		struct walk_slot *s = &d->slots[i];
		char *qname = xasprintf("_dmarc.%s", d->names[i]);
		struct finding *f;

		if (s->dmarc_count > 1) {
			/* RFC 7489 6.6.3, RFC 9989 4.10: several records
			 * at one name are all discarded. */
			f = findings_add(&r->findings, F_DMARC_MULTIPLE,
					 _("%s has %zu DMARC records; "
					   "receivers ignore all of them."),
					 qname, s->dmarc_count);
			finding_set_record(f, s->first);
			finding_set_advice(f, _("Publish exactly one TXT "
						"record starting with "
						"v=DMARC1 there and delete "
						"the others."));
		} else if (i == 0 && s->dmarc_count == 0 && s->other) {
			f = findings_add(&r->findings, F_DMARC_SYNTAX,
					 _("The TXT record at %s is not a "
					   "DMARC record: it must start with "
					   "v=DMARC1."),
					 qname);
			finding_set_record(f, s->other);
			finding_set_advice(f, _("Begin the record with "
						"exactly \"v=DMARC1;\" "
						"(upper case), then p=."));
		}
		if (s->result != DNS_DATA && !is_negative(s->result) &&
		    (i == 0 || applied < 0 || i < (size_t)applied))
			temperror(r, qname, s->result, s->error);
		free(qname);
	}
}

/* Decides which record applies, once the walk is answered. */
static void walk_decide(struct dmarc_discovery *d)
{
	struct dmarc_result *r = d->result;
	struct orgdomain_walk_step *steps;
	struct walk_slot *first = &d->slots[0];
	bool uncertain_policy, uncertain_org;
	int applied;

	d->walk_done = true;
	r->nwalk = d->nnames;
	r->walk = xcalloc(d->nnames, sizeof *r->walk);
	steps = xcalloc(d->nnames, sizeof *steps);
	for (size_t i = 0; i < d->nnames; i++) {
		struct walk_slot *s = &d->slots[i];

		r->walk[i].name = xstrdup(d->names[i]);
		r->walk[i].result = xstrdup(dns_result_name(s->result));
		r->walk[i].records = s->dmarc_count;
		steps[i].name = d->names[i];
		steps[i].psd = s->psd;
		if (s->dmarc_count == 1)
			steps[i].state = ORGDOMAIN_WALK_RECORD;
		else if (s->dmarc_count > 1)
			steps[i].state = ORGDOMAIN_WALK_MULTIPLE;
		else if (s->result == DNS_DATA || is_negative(s->result))
			steps[i].state = ORGDOMAIN_WALK_NONE;
		else
			steps[i].state = ORGDOMAIN_WALK_FAILED;
	}
	if (first->result == DNS_TIMEOUT) {
		/* The resolver did not answer the one query every check
		 * needs: an operational failure, not a finding. */
		r->status = STATUS_DNS;
		r->error =
		    xstrdup(first->error ? first->error : _("DNS timeout"));
	}
	applied = orgdomain_walk_policy(steps, d->nnames, &uncertain_policy);
	r->tree_org_domain =
	    orgdomain_walk_org(steps, d->nnames, &uncertain_org);
	walk_findings(d, applied);
	if (applied >= 0) {
		struct walk_slot *s = &d->slots[applied];
		struct findings parse = FINDINGS_INIT;
		enum status parsed;

		r->record = text_clean(s->first, s->first_len);
		r->source = xasprintf("_dmarc.%s", d->names[applied]);
		r->inherited = applied > 0;
		parsed = dmarc_parse(s->first, s->first_len, &r->parsed, &parse,
				     NULL);
		for (size_t i = 0; i < parse.count; i++)
			finding_set_record(&parse.items[i], r->record);
		findings_move(&r->findings, &parse);
		/* A record that does not parse (a NUL octet) has no tags
		 * to give advice on. */
		if (parsed == STATUS_OK)
			dmarc_check_record(&r->parsed, r->record, &r->findings);
		start_auth(d);
	}
	free(steps);
}

/* Writes the findings that need every answer, and marks the result. */
static void discovery_finish(struct dmarc_discovery *d)
{
	struct dmarc_result *r = d->result;
	struct finding *f;

	d->done = true;
	if (r->record && r->inherited) {
		/* RFC 9989 4.10.1: a record above the domain applies with
		 * its sp (np when the name does not exist). */
		r->policy = r->exists ? dmarc_subdomain_policy(&r->parsed)
				      : dmarc_nonexistent_policy(&r->parsed);
		f = findings_add(&r->findings, F_DMARC_INHERITED,
				 _("_dmarc.%s has no DMARC record; the "
				   "record at %s applies (policy %s)."),
				 r->domain, r->source,
				 dmarc_policy_name(r->policy));
		finding_set_record(f, r->record);
		finding_set_advice(f, _("Nothing to do if that policy suits "
					"this name; publish its own record "
					"to set a different policy or report "
					"address."));
	} else if (r->record) {
		r->policy = dmarc_policy(&r->parsed);
	} else if (r->status == STATUS_OK &&
		   !findings_has(&r->findings, F_DNS_TEMPERROR)) {
		char *qname = xasprintf("_dmarc.%s", r->domain);

		f = findings_add(&r->findings, F_DMARC_MISSING,
				 _("No DMARC record at %s or above it."),
				 qname);
		finding_set_advice(f, _("Publish the first rung of the "
					"ladder, \"v=DMARC1; p=none; "
					"rua=mailto:ADDRESS\", as a TXT "
					"record at _dmarc.DOMAIN."));
		free(qname);
	}
	for (size_t i = 0; i < r->ndests; i++) {
		struct dmarc_dest *dest = &r->dests[i];

		if (dest->state != DMARC_DEST_UNAUTHORIZED)
			continue;
		f = findings_add(&r->findings, F_DMARC_RUA_UNAUTHORIZED,
				 _("%s=%s is in another organization, and "
				   "%s has no v=DMARC1 record: receivers "
				   "will not send reports there."),
				 dest->tag, dest->uri, dest->query);
		finding_set_record(f, r->record);
		finding_set_advice(f, _("Ask the report receiver to publish "
					"\"v=DMARC1\" at that name (or "
					"*._report._dmarc.HOST), or use an "
					"address in your own domain."));
	}
}

/* Moves the discovery on when its outstanding queries are answered. */
static void discovery_step(struct dmarc_discovery *d)
{
	if (d->done)
		return;
	if (!d->walk_done) {
		if (d->walk_pending > 0)
			return;
		walk_decide(d);
	}
	if (d->pending == 0)
		discovery_finish(d);
}

/* Starts discovery. */
struct dmarc_discovery *dmarc_discover(struct dns *dns,
				       const struct orgdomain *od,
				       const char *domain, int max_labels)
{
	struct dmarc_discovery *d = xcalloc(1, sizeof *d);
	struct dmarc_result *r = xcalloc(1, sizeof *r);
	char *org;
	bool has_org = false;

	d->dns = dns;
	d->od = od;
	d->result = r;
	r->domain = dname_normalize(domain, DNAME_UNDERSCORE | DNAME_ONE_LABEL);
	r->exists = true;
	dmarc_record_init(&r->parsed);
	if (!r->domain) {
		r->domain = text_domain_normalize(domain);
		r->org_domain = orgdomain_of(od, r->domain);
		char *shown = text_clean_str(domain);

		r->status = STATUS_USAGE;
		/* TRANSLATORS: %s is what the user typed. */
		r->error = xasprintf(_("\"%s\" is not a domain name"), shown);
		free(shown);
		d->walk_done = d->done = true;
		return d;
	}
	r->org_domain = orgdomain_of(od, r->domain);
	d->nnames = orgdomain_walk_names(r->domain, max_labels, &d->names);
	/* The PSL's organizational domain is asked too, even when the
	 * walk's label limit would jump over it. */
	org = r->org_domain;
	for (size_t i = 0; i < d->nnames; i++)
		if (!strcmp(d->names[i], org))
			has_org = true;
	if (!has_org && d->nnames > 0) {
		size_t at = 1;

		d->names =
		    xrealloc(d->names, (d->nnames + 1) * sizeof *d->names);
		while (at < d->nnames && strlen(d->names[at]) > strlen(org))
			at++;
		memmove(d->names + at + 1, d->names + at,
			(d->nnames - at) * sizeof *d->names);
		d->names[at] = xstrdup(org);
		d->nnames++;
	}
	d->slots = xcalloc(d->nnames ? d->nnames : 1, sizeof *d->slots);
	d->walk_pending = d->nnames + 1;
	for (size_t i = 0; i < d->nnames; i++) {
		char *qname = xasprintf("_dmarc.%s", d->names[i]);

		d->slots[i].d = d;
		d->slots[i].index = i;
		d->slots[i].result = DNS_ERROR;
		dns_query(dns, qname, DNS_T_TXT, walk_answer, &d->slots[i]);
		free(qname);
	}
	dns_query(dns, r->domain, DNS_T_A, exists_answer, d);
	return d;
}

/* The result when done. */
const struct dmarc_result *
dmarc_discovery_result(const struct dmarc_discovery *d)
{
	return d->done ? d->result : NULL;
}

/* Hands the result over. */
struct dmarc_result *dmarc_discovery_take(struct dmarc_discovery *d)
{
	struct dmarc_result *r;

	if (!d->done)
		return NULL;
	r = d->result;
	d->result = NULL;
	return r;
}

/* Frees a result. */
void dmarc_result_free(struct dmarc_result *r)
{
	if (!r)
		return;
	free(r->domain);
	free(r->record);
	dmarc_record_done(&r->parsed);
	free(r->source);
	free(r->org_domain);
	free(r->tree_org_domain);
	for (size_t i = 0; i < r->nwalk; i++) {
		free(r->walk[i].name);
		free(r->walk[i].result);
	}
	free(r->walk);
	for (size_t i = 0; i < r->ndests; i++) {
		free(r->dests[i].uri);
		free(r->dests[i].host);
		free(r->dests[i].query);
	}
	free(r->dests);
	findings_done(&r->findings);
	free(r->error);
	free(r);
}

/* Frees a discovery and its result if not taken. */
void dmarc_discovery_free(struct dmarc_discovery *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nnames; i++) {
		free(d->slots[i].error);
		free(d->slots[i].first);
		free(d->slots[i].other);
	}
	free(d->slots);
	free(d->auths);
	strlist_free(d->names, d->nnames);
	dmarc_result_free(d->result);
	free(d);
}

/* A JSON string or null. */
static json_t *json_string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* One tag of the "tags" object: {"value", "explicit"} as checkdmarc
 * gives them, the value being the RFC default when not published. */
static void tag_set(json_t *tags, const char *name, json_t *value,
		    bool explicit)
{
	json_t *t = json_object();

	json_object_set_new(t, "value", value);
	json_object_set_new(t, "explicit", json_boolean(explicit));
	json_object_set_new(tags, name, t);
}

/* A URI list as JSON strings, each with its !size suffix. */
static json_t *uris_json(const struct dmarc_uri *uris, size_t count)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < count; i++) {
		char *u = uris[i].size
			      ? xasprintf("%s!%s", uris[i].uri, uris[i].size)
			      : xstrdup(uris[i].uri);
		char *clean = text_clean_str(u);

		json_array_append_new(arr, json_string(clean));
		free(clean);
		free(u);
	}
	return arr;
}

/* Every tag of a record with the RFC defaults filled in (RFC 7489 6.3,
 * RFC 9989 4.7). */
static json_t *tags_to_json(const struct dmarc_record *rec)
{
	static const char *const psd[] = { "u", "y", "n", "u" };
	json_t *tags = json_object();

	tag_set(tags, "p", json_string(dmarc_policy_name(dmarc_policy(rec))),
		rec->p != DMARC_POLICY_UNSET);
	tag_set(tags, "sp",
		json_string(dmarc_policy_name(dmarc_subdomain_policy(rec))),
		rec->sp != DMARC_POLICY_UNSET);
	tag_set(tags, "np",
		json_string(dmarc_policy_name(dmarc_nonexistent_policy(rec))),
		rec->np != DMARC_POLICY_UNSET);
	tag_set(tags, "adkim",
		json_string(rec->adkim == DMARC_ALIGN_STRICT ? "s" : "r"),
		rec->adkim != DMARC_ALIGN_UNSET);
	tag_set(tags, "aspf",
		json_string(rec->aspf == DMARC_ALIGN_STRICT ? "s" : "r"),
		rec->aspf != DMARC_ALIGN_UNSET);
	tag_set(tags, "pct", json_integer(dmarc_pct(rec)), rec->pct >= 0);
	tag_set(tags, "t", json_string(rec->t == DMARC_BOOL_YES ? "y" : "n"),
		rec->t != DMARC_BOOL_UNSET);
	tag_set(tags, "fo", json_string(rec->fo ? rec->fo : "0"),
		rec->fo != NULL);
	tag_set(tags, "rf", json_string(rec->rf ? rec->rf : "afrf"),
		rec->rf != NULL);
	tag_set(tags, "ri", json_integer(rec->ri >= 0 ? rec->ri : 86400),
		rec->ri >= 0);
	tag_set(tags, "rua", uris_json(rec->rua, rec->nrua), rec->nrua > 0);
	tag_set(tags, "ruf", uris_json(rec->ruf, rec->nruf), rec->nruf > 0);
	tag_set(tags, "psd", json_string(psd[rec->psd]),
		rec->psd != DMARC_PSD_UNSET);
	return tags;
}

/* The JSON form of a result. */
json_t *dmarc_result_to_json(const struct dmarc_result *r)
{
	json_t *o = json_object();
	json_t *walk = json_array();
	json_t *dests = json_array();

	json_object_set_new(o, "domain", json_string(r->domain));
	json_object_set_new(o, "record", json_string_or_null(r->record));
	json_object_set_new(o, "source", json_string_or_null(r->source));
	json_object_set_new(o, "policy",
			    r->policy
				? json_string(dmarc_policy_name(r->policy))
				: json_null());
	json_object_set_new(o, "tags",
			    r->record ? tags_to_json(&r->parsed) : json_null());
	json_object_set_new(o, "inherited", json_boolean(r->inherited));
	json_object_set_new(o, "exists", json_boolean(r->exists));
	json_object_set_new(o, "org_domain", json_string(r->org_domain));
	json_object_set_new(o, "tree_org_domain",
			    json_string_or_null(r->tree_org_domain));
	for (size_t i = 0; i < r->nwalk; i++) {
		json_t *w = json_object();

		json_object_set_new(w, "name", json_string(r->walk[i].name));
		json_object_set_new(w, "result",
				    json_string(r->walk[i].result));
		json_object_set_new(
		    w, "records", json_integer((json_int_t)r->walk[i].records));
		json_array_append_new(walk, w);
	}
	json_object_set_new(o, "walk", walk);
	for (size_t i = 0; i < r->ndests; i++) {
		const struct dmarc_dest *dest = &r->dests[i];
		json_t *j = json_object();

		json_object_set_new(j, "tag", json_string(dest->tag));
		json_object_set_new(j, "uri", json_string(dest->uri));
		json_object_set_new(j, "host", json_string_or_null(dest->host));
		json_object_set_new(j, "query",
				    json_string_or_null(dest->query));
		json_object_set_new(
		    j, "state",
		    json_string(dmarc_dest_state_name(dest->state)));
		json_array_append_new(dests, j);
	}
	json_object_set_new(o, "destinations", dests);
	json_object_set_new(o, "findings", findings_to_json(&r->findings));
	return o;
}
