/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "export/zone.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/i18n.h"
#include "dmarc/orgdomain.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* RFC 1035 3.3.14: a character-string holds at most 255 octets. */
#define ZONE_STRING_MAX 255

static const char *const purpose_names[] = {
	[ZONE_SPF] = "spf",       [ZONE_SPF_PART] = "spf-part",
	[ZONE_DKIM] = "dkim",     [ZONE_DMARC] = "dmarc",
	[ZONE_REPORT] = "report",
};

/* The stable word of a purpose. */
const char *zone_purpose_name(enum zone_purpose purpose)
{
	return purpose_names[purpose];
}

/* Splits a value into character-strings. */
char **zone_split(const char *value, size_t *count)
{
	size_t len = strlen(value), pos = 0, n = 0;
	char **v = xcalloc(len / ZONE_STRING_MAX + 3, sizeof *v);
	const char *p = strstr(value, "p=");

	/* A DKIM record reads best with the tags in the first string and
	 * the key after (RFC 6376 3.6.2.2 joins them again). */
	if (len > ZONE_STRING_MAX && p && p > value && p[-1] != '=' &&
	    (size_t)(p - value) <= ZONE_STRING_MAX) {
		v[n++] = xstrndup(value, (size_t)(p - value));
		pos = (size_t)(p - value);
	}
	while (pos < len || n == 0) {
		size_t chunk = len - pos;

		if (chunk > ZONE_STRING_MAX)
			chunk = ZONE_STRING_MAX;
		v[n++] = xstrndup(value + pos, chunk);
		pos += chunk;
	}
	*count = n;
	return v;
}

/* Appends a record. */
static struct zone_record *record_add(struct zone_records *z,
				      enum zone_purpose purpose,
				      const char *name, const char *value)
{
	struct zone_record *r;

	z->records = xrealloc(z->records, (z->count + 1) * sizeof *z->records);
	r = &z->records[z->count++];
	memset(r, 0, sizeof *r);
	r->purpose = purpose;
	r->name = text_domain_normalize(name);
	r->value = xstrdup(value);
	r->strings = zone_split(value, &r->nstrings);
	return r;
}

/* The records of one earlier rung, to put back. */
void zone_records_one(struct zone_records *z, const char *domain,
		      enum zone_purpose purpose, const char *name,
		      const char *value)
{
	memset(z, 0, sizeof *z);
	z->domain = xstrdup(domain);
	z->ttl = ZONE_TTL;
	z->ready = true;
	record_add(z, purpose, name, value);
}

/* True when host and domain belong to the same organization for RFC
 * 7489 7.1: the same organizational domain by the Public Suffix List
 * (RFC 7489 3.2, libpsl), so that reports.example.com needs no
 * authorisation from example.com but other.co.uk does from
 * example.co.uk. Without a list only the same name counts. */
static bool same_org(const struct orgdomain *od, const char *host,
		     const char *domain)
{
	if (!od)
		return text_ieq(host, domain);
	return orgdomain_same(od, host, domain);
}

/* Adds the authorisation records of the report hosts in another
 * organizational domain. */
static void collect_reports(const struct rollout_inputs *in,
			    const struct orgdomain *od, struct zone_records *z)
{
	const struct dmarc_uri *lists[2] = { in->tags.rua, in->tags.ruf };
	size_t counts[2] = { in->tags.nrua, in->tags.nruf };

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < counts[l]; i++) {
			const char *host = lists[l][i].host;
			char *name;
			bool dup = false;

			if (!host || same_org(od, host, in->domain))
				continue;
			/* RFC 7489 7.1: DOMAIN._report._dmarc.HOST with
			 * "v=DMARC1" authorises HOST to receive reports. */
			name =
			    xasprintf("%s._report._dmarc.%s", in->domain, host);
			for (size_t j = 0; j < z->count; j++)
				dup = dup || text_ieq(z->records[j].name, name);
			if (!dup)
				record_add(z, ZONE_REPORT, name, "v=DMARC1")
				    ->foreign = true;
			free(name);
		}
}

/* "LABEL: reason; reason" for a withheld next step: every blocking
 * reason of the plan. */
static char *withheld_text(const struct rollout_plan *plan)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = 0;

	strbuf_addf(&sb, "%s: ", plan->next.label ? plan->next.label : "?");
	for (size_t i = 0; i < plan->reasons.count; i++) {
		const struct finding *f = &plan->reasons.items[i];

		if (f->severity != SEVERITY_ERROR)
			continue;
		strbuf_addf(&sb, "%s%s", n++ ? "; " : "", f->message);
	}
	if (n == 0)
		strbuf_addstr(&sb, _("the plan does not call it ready"));
	return strbuf_detach(&sb);
}

/* Collects what to publish. */
void zone_collect(const struct rollout_inputs *in,
		  const struct rollout_plan *plan, bool with_next,
		  const struct orgdomain *od, struct zone_records *z)
{
	const struct rollout_next *next = &plan->next;
	const char *spf = NULL;
	char *dmarc = NULL;
	bool take = plan->ready || with_next;

	memset(z, 0, sizeof *z);
	z->domain = xstrdup(in->domain);
	z->ttl = ZONE_TTL;
	z->ready = plan->ready;
	if (next->action != ROLLOUT_ACTION_NONE && !plan->ready) {
		if (with_next)
			z->unready = xstrdup(next->label  ? next->label
					     : next->name ? next->name
							  : "?");
		else
			z->withheld = withheld_text(plan);
	}
	/* SPF: the record of the next step when it is taken; else, when
	 * it is withheld, the one verified; else the senders' record at the
	 * strength verified (the same terms, with its parts). */
	if (next->action == ROLLOUT_ACTION_SPF && next->record && take)
		spf = next->record;
	else if (next->action == ROLLOUT_ACTION_SPF)
		spf = plan->spf_verified;
	else if (plan->spf_verified && plan->phase >= ROLLOUT_ENFORCED)
		spf = in->spf_hard;
	else if (plan->spf_verified)
		spf = in->spf_soft;
	if (spf && spf != next->record && spf == plan->spf_verified &&
	    !((in->spf_soft && strcmp(spf, in->spf_soft) == 0) ||
	      (in->spf_hard && strcmp(spf, in->spf_hard) == 0))) {
		/* A verified record the senders no longer build: its parts
		 * are not known here, and are left as they are served. */
		record_add(z, ZONE_SPF, in->domain, spf);
	} else if (spf) {
		record_add(z, ZONE_SPF, in->domain, spf);
		/* RFC 7208 3.4: past 450 octets the record includes
		 * _spf1.DOMAIN, which includes _spf2.DOMAIN, ...: every part
		 * is published with it. */
		for (size_t i = 0; i < in->nspf_parts; i++)
			record_add(z, ZONE_SPF_PART, in->spf_parts[i].name,
				   in->spf_parts[i].value);
	}
	for (size_t i = 0; i < in->nkeys; i++) {
		char *name;

		if (in->keys[i].retired != DATE_NONE || !in->key_records ||
		    !in->key_records[i])
			continue;
		/* RFC 6376 3.6.2.1: SELECTOR._domainkey.DOMAIN. */
		name = xasprintf("%s._domainkey.%s", in->keys[i].selector,
				 in->domain);
		record_add(z, ZONE_DKIM, name, in->key_records[i])->selector =
		    xstrdup(in->keys[i].selector);
		free(name);
	}
	/* DMARC: the next rung, else the one verified live. */
	if (next->action == ROLLOUT_ACTION_DMARC && next->record && take) {
		dmarc = xstrdup(next->record);
	} else if (plan->phase >= ROLLOUT_MONITOR && plan->dmarc_verified) {
		int rung = ladder_find_text(&in->ladder, plan->dmarc_verified);

		dmarc = rung >= 0
			    ? ladder_record(&in->ladder.rungs[rung], &in->tags)
			    : xstrdup(plan->dmarc_verified);
	}
	if (dmarc) {
		char *name = xasprintf("_dmarc.%s", in->domain);

		record_add(z, ZONE_DMARC, name, dmarc);
		free(name);
		free(dmarc);
		collect_reports(in, od, z);
	}
}

/* Frees the records. */
void zone_records_done(struct zone_records *z)
{
	for (size_t i = 0; i < z->count; i++) {
		struct zone_record *r = &z->records[i];

		free(r->name);
		free(r->value);
		free(r->selector);
		strlist_free(r->strings, r->nstrings);
		strlist_free(r->old, r->nold);
		if (r->served)
			dns_answer_free(r->served);
	}
	free(z->records);
	free(z->domain);
	free(z->withheld);
	free(z->unready);
	memset(z, 0, sizeof *z);
}

/* ---------------------------------------------------------------- old */

/* True if a served TXT value is of the same kind as the record. */
static bool same_kind(const struct zone_record *r, const char *value,
		      size_t len)
{
	switch (r->purpose) {
	case ZONE_SPF:
	case ZONE_SPF_PART:
		/* RFC 7208 4.5: "v=spf1" then a space or the end. */
		return len >= 6 && text_ieqn(value, "v=spf1", 6) &&
		       (len == 6 || value[6] == ' ');
	case ZONE_DMARC:
	case ZONE_REPORT:
		return len >= 8 && text_ieqn(value, "v=DMARC1", 8);
	case ZONE_DKIM:
		/* RFC 6376 3.6.1: v= is optional; any TXT there is the key. */
		return true;
	}
	return false;
}

/* Finds what each record replaces. */
enum status zone_find_old(struct zone_records *z, struct dns *dns,
			  struct err *err)
{
	enum status st = STATUS_OK;

	for (size_t i = 0; i < z->count && st == STATUS_OK; i++) {
		struct zone_record *r = &z->records[i];
		struct dns_answer *a;

		if (r->foreign)
			continue;
		a = dns_query_sync(dns, r->name, DNS_T_TXT);
		if (a->result == DNS_TIMEOUT) {
			st = err_set(
			    err, STATUS_DNS, _("%s TXT: timeout: %s"), r->name,
			    a->error ? a->error : dns_result_name(a->result));
		} else if (a->result == DNS_SERVFAIL ||
			   a->result == DNS_ERROR) {
			st = err_set(err, STATUS_DNS, _("%s TXT: %s"), r->name,
				     a->error ? a->error
					      : dns_result_name(a->result));
		} else {
			if (a->result == DNS_DATA)
				r->served = dns_answer_dup(a);
			for (size_t j = 0; j < a->count; j++) {
				const struct dns_rr *rr = &a->rrs[j];
				struct strbuf joined = STRBUF_INIT;

				if (rr->type != DNS_T_TXT || r->old)
					continue;
				for (size_t k = 0; k < rr->u.txt.count; k++)
					strbuf_add(&joined,
						   rr->u.txt.strings[k].data,
						   rr->u.txt.strings[k].len);
				if (same_kind(r, strbuf_str(&joined),
					      joined.len)) {
					r->nold = rr->u.txt.count;
					r->old = xcalloc(r->nold + 1,
							 sizeof *r->old);
					for (size_t k = 0; k < r->nold; k++)
						r->old[k] = xstrndup(
						    rr->u.txt.strings[k].data,
						    rr->u.txt.strings[k].len);
				}
				strbuf_done(&joined);
			}
		}
		dns_answer_free(a);
	}
	return st;
}

/* The zone's own TTL for name. */
uint32_t zone_soa_ttl(struct dns *dns, const char *name)
{
	const char *p = name;

	/* RFC 1035 6.1: the SOA at the apex of the zone name is in,
	 * found a label up at a time. */
	while (p && *p) {
		struct dns_answer *a = dns_query_sync(dns, p, DNS_T_SOA);

		for (size_t i = 0; i < a->count; i++)
			if (a->rrs[i].type == DNS_T_SOA &&
			    text_ieq(a->rrs[i].name, p)) {
				uint32_t ttl = a->rrs[i].ttl;

				dns_answer_free(a);
				return ttl;
			}
		dns_answer_free(a);
		p = strchr(p, '.');
		if (p)
			p++;
	}
	return ZONE_TTL;
}

/* ---------------------------------------------------------------- output */

/* The report host of a DOMAIN._report._dmarc.HOST name. */
static const char *report_host(const char *name)
{
	const char *p = strstr(name, "._report._dmarc.");

	return p ? p + strlen("._report._dmarc.") : name;
}

/* Appends quoted strings separated by spaces. */
static void add_strings(struct strbuf *sb, char *const *strings, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(sb, ' ');
		text_txt_quote(sb, strings[i], strlen(strings[i]));
	}
}

/* The comment lines that say which step is withheld, or included
 * though not ready. */
static void add_step_note(struct strbuf *sb, const struct zone_records *z)
{
	if (z->withheld)
		/* TRANSLATORS: keep the leading "; ". */
		strbuf_addf(sb, _("; withheld, not ready: %s\n"), z->withheld);
	if (z->unready)
		/* TRANSLATORS: keep the leading "; ". */
		strbuf_addf(sb, _("; NOT READY, included by --next: %s\n"),
			    z->unready);
}

/* Writes a name as an absolute name. */
static void add_name(struct strbuf *sb, const char *name)
{
	strbuf_addstr(sb, name);
	strbuf_addch(sb, '.');
}

/* The TTL a record is written with: --ttl when given, else the TTL the
 * zone serves the name's TXT RRset with, since RFC 2181 section 5.2
 * gives an RRset one TTL and the new record joins that set (unrelated
 * TXT records, such as site verifications, share it); else the
 * zone's default. */
uint32_t zone_record_ttl(const struct zone_records *z,
			 const struct zone_record *r)
{
	if (z->ttl_given)
		return z->ttl;
	/* Another zone's record: that zone's TTL is not known here. */
	if (r->foreign)
		return ZONE_TTL;
	for (size_t i = 0; r->served && i < r->served->count; i++)
		if (r->served->rrs[i].type == DNS_T_TXT)
			return r->served->rrs[i].ttl;
	return z->ttl;
}

/* The BIND snippet. */
enum status zone_format_bind(const struct zone_records *z, char **out,
			     struct err *err)
{
	struct strbuf sb = STRBUF_INIT;
	enum status st;

	*out = NULL;
	strbuf_addf(&sb, _("; dmarcpilot: records for %s\n"), z->domain);
	add_step_note(&sb, z);
	for (size_t i = 0; i < z->count; i++) {
		const struct zone_record *r = &z->records[i];

		if (r->foreign) {
			/* TRANSLATORS: keep the leading "; ". */
			strbuf_addf(&sb,
				    _("; to be published in the zone of %s "
				      "(authorises it to receive reports):\n"),
				    report_host(r->name));
			strbuf_addstr(&sb, "; ");
		}
		add_name(&sb, r->name);
		strbuf_addf(&sb, " %u IN TXT ",
			    (unsigned)zone_record_ttl(z, r));
		add_strings(&sb, r->strings, r->nstrings);
		strbuf_addch(&sb, '\n');
	}
	if ((st = zone_verify(strbuf_str(&sb), err))) {
		strbuf_done(&sb);
		return st;
	}
	*out = strbuf_detach(&sb);
	return STATUS_OK;
}

/* The joined value of a TXT RR (octets and length kept). */
static void rr_joined(const struct dns_rr *rr, struct strbuf *sb)
{
	for (size_t k = 0; k < rr->u.txt.count; k++)
		strbuf_add(sb, rr->u.txt.strings[k].data,
			   rr->u.txt.strings[k].len);
}

/* True when exactly one served TXT RR is of the record's kind and it
 * holds the record's value: nothing to change. */
static bool served_current(const struct zone_record *r)
{
	size_t n = 0;
	bool equal = false;

	for (size_t i = 0; r->served && i < r->served->count; i++) {
		const struct dns_rr *rr = &r->served->rrs[i];
		struct strbuf sb = STRBUF_INIT;

		if (rr->type != DNS_T_TXT)
			continue;
		rr_joined(rr, &sb);
		if (same_kind(r, strbuf_str(&sb), sb.len)) {
			n++;
			equal = sb.len == strlen(r->value) &&
				memcmp(strbuf_str(&sb), r->value, sb.len) == 0;
		}
		strbuf_done(&sb);
	}
	return n == 1 && equal;
}

/* True when a record is to be changed by an update. */
bool zone_record_changes(const struct zone_record *r)
{
	return !r->foreign && !served_current(r);
}

/* Appends the items of one record to an update. */
static void update_record(struct dns_update *u, const struct zone_records *z,
			  const struct zone_record *r)
{
	uint32_t ttl = zone_record_ttl(z, r);
	bool any = false;

	/* RFC 2136 2.4.2/2.4.3: the whole TXT RRset must be as served
	 * (or absent), so nothing changed since the records were read. */
	for (size_t i = 0; r->served && i < r->served->count; i++) {
		const struct dns_rr *rr = &r->served->rrs[i];

		if (rr->type != DNS_T_TXT)
			continue;
		dns_update_add(u, DNS_UPDATE_REQUIRE, r->name, 0,
			       rr->u.txt.strings, rr->u.txt.count);
		any = true;
	}
	if (!any)
		dns_update_add(u, DNS_UPDATE_ABSENT, r->name, 0, NULL, 0);
	for (size_t i = 0; r->served && i < r->served->count; i++) {
		const struct dns_rr *rr = &r->served->rrs[i];
		struct strbuf v = STRBUF_INIT;

		if (rr->type != DNS_T_TXT)
			continue;
		rr_joined(rr, &v);
		/* RFC 2136 2.5.4: only the exact old RR of the same kind
		 * goes; every other TXT at the name stays. */
		if (same_kind(r, strbuf_str(&v), v.len))
			dns_update_add(u, DNS_UPDATE_DELETE, r->name, 0,
				       rr->u.txt.strings, rr->u.txt.count);
		strbuf_done(&v);
	}
	dns_update_add_text(u, DNS_UPDATE_ADD, r->name, ttl, r->strings,
			    r->nstrings);
}

/* The update of every record to change. */
void zone_update(const struct zone_records *z, const char *zone,
		 struct dns_update *u)
{
	dns_update_init(u, zone);
	for (size_t i = 0; i < z->count; i++)
		if (zone_record_changes(&z->records[i]))
			update_record(u, z, &z->records[i]);
}

/* The nsupdate script. */
char *zone_format_nsupdate(const struct zone_records *z)
{
	struct strbuf sb = STRBUF_INIT;
	struct dns_update u;
	char *lines;

	strbuf_addf(&sb, _("; dmarcpilot: changes for %s\n"), z->domain);
	add_step_note(&sb, z);
	zone_update(z, NULL, &u);
	if (u.count) {
		lines = dns_update_format(&u, NULL, NULL);
		strbuf_addstr(&sb, lines);
		free(lines);
	} else {
		strbuf_addstr(&sb, _("; nothing to change\n"));
	}
	dns_update_done(&u);
	return strbuf_detach(&sb);
}

/* Strings as a JSON array. */
static json_t *json_strings(char *const *strings, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(strings[i]));
	return a;
}

/* The JSON form. */
json_t *zone_format_json(const struct zone_records *z)
{
	json_t *o = json_object(), *a = json_array();

	json_object_set_new(o, "domain", json_string(z->domain));
	json_object_set_new(o, "apex", json_string(z->domain));
	json_object_set_new(o, "ttl", json_integer(z->ttl));
	json_object_set_new(o, "ready", json_boolean(z->ready));
	json_object_set_new(o, "withheld",
			    z->withheld ? json_string(z->withheld)
					: json_null());
	json_object_set_new(o, "unready",
			    z->unready ? json_string(z->unready) : json_null());
	for (size_t i = 0; i < z->count; i++) {
		const struct zone_record *r = &z->records[i];
		json_t *e = json_object();

		json_object_set_new(e, "name", json_string(r->name));
		json_object_set_new(e, "type", json_string("TXT"));
		json_object_set_new(e, "ttl",
				    json_integer(zone_record_ttl(z, r)));
		json_object_set_new(e, "purpose",
				    json_string(zone_purpose_name(r->purpose)));
		json_object_set_new(e, "value", json_string(r->value));
		json_object_set_new(e, "strings",
				    json_strings(r->strings, r->nstrings));
		if (r->selector)
			json_object_set_new(e, "selector",
					    json_string(r->selector));
		if (r->old)
			json_object_set_new(e, "old",
					    json_strings(r->old, r->nold));
		if (r->foreign)
			json_object_set_new(e, "zone",
					    json_string(report_host(r->name)));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "records", a);
	return o;
}

/* Parses each RR line with ldns. */
enum status zone_verify(const char *text, struct err *err)
{
	const char *p = text;
	int line = 0;

	while (*p) {
		size_t len = strcspn(p, "\n");
		char *l = xstrndup(p, len);
		ldns_rr *rr = NULL;
		ldns_status s;

		line++;
		p += len + (p[len] == '\n');
		if (!*l || *l == ';') {
			free(l);
			continue;
		}
		s = ldns_rr_new_frm_str(&rr, l, ZONE_TTL, NULL, NULL);
		ldns_rr_free(rr);
		if (s != LDNS_STATUS_OK) {
			enum status st =
			    err_set(err, STATUS_PARSE,
				    _("generated zone line %d: %s: %s"), line,
				    ldns_get_errorstr_by_id(s), l);

			free(l);
			return st;
		}
		free(l);
	}
	return STATUS_OK;
}
