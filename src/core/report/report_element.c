/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The elements of an aggregate report (RFC 7489 appendix C, RFC 9990
 * section 4) as libxml2's SAX events bring them: the stack of open
 * elements and namespaces, which text is kept, how it is checked and
 * stored, and when the metadata and each record go to the handler.
 * Every event of a report runs here, so it is kept in one file. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_private.h"
#include "util/dname.h"
#include "util/i18n.h"
#include "util/ip.h"
#include "util/text.h"

/* RFC 9990 section 4 (the XML schema's target namespace). */
#define NS_DMARC2 "urn:ietf:params:xml:ns:dmarc-2.0"
/* The namespace of the pre-RFC dmarc.org schema, which some send. */
#define NS_DMARC_ORG "http://dmarc.org/dmarc-xml/0.1"

#define ELEMENT_NAME(id, name) [EL_##id] = name,
static const char *const element_names[EL_MAX] = { [EL_OTHER] = "",
						   ELEMENT_LIST(ELEMENT_NAME) };
#undef ELEMENT_NAME

/* Maps a local name to the element it is. */
static enum element element_lookup(const char *name)
{
	for (int i = 1; i < EL_MAX; i++)
		if (strcmp(element_names[i], name) == 0)
			return (enum element)i;
	return EL_OTHER;
}

/* Maps a dictionary name to its element, remembering the answer. */
static enum element parser_lookup(struct parser *p, const xmlChar *name)
{
	size_t h = ((uintptr_t)name >> 3 ^ (uintptr_t)name >> 11) & 255;
	unsigned char slot = p->name_slot[h];
	enum element el;

	/* Every element start asks: the last name seen at this hash is
	 * most often the one. */
	if (slot && p->names[slot - 1].name == name)
		return p->names[slot - 1].el;
	for (size_t i = 0; i < p->nnames; i++) {
		if (p->names[i].name == name) {
			p->name_slot[h] = (unsigned char)(i + 1);
			return p->names[i].el;
		}
	}
	el = element_lookup((const char *)name);
	if (p->nnames < sizeof p->names / sizeof *p->names) {
		p->names[p->nnames].name = name;
		p->names[p->nnames++].el = el;
		p->name_slot[h] = (unsigned char)p->nnames;
	}
	return el;
}

/* Empties a record without touching all of its (large) arrays. */
static void row_reset(struct report_row *r)
{
	r->source_ip[0] = '\0';
	r->count = 0;
	r->disposition[0] = r->dkim[0] = r->spf[0] = '\0';
	r->reasons[0] = '\0';
	r->arc = false;
	r->header_from[0] = r->envelope_from[0] = r->envelope_to[0] = '\0';
	r->ndkim_auth = r->nspf_auth = 0;
}

/* The element n levels up from the current one (0 = current). */
static enum element parser_up(const struct parser *p, int n)
{
	int i = p->depth - 1 - n;

	return i >= 0 ? p->stack[i] : EL_OTHER;
}

/* Parses a non-negative decimal into *out; false if it is not one or
 * passes 2^63-1 (RFC 7489 C: count and times are unsigned integers). */
static bool parse_count(const char *s, int64_t *out, bool *overflow)
{
	int64_t v = 0;

	*overflow = false;
	if (*s == '+')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		int d = *s - '0';

		if (v > (INT64_MAX - d) / 10) {
			*overflow = true;
			return false;
		}
		v = v * 10 + d;
	}
	if (*s)
		return false;
	*out = v;
	return true;
}

/* Names a field whose invalid UTF-8 was replaced, once. */
static void parser_note_repair(struct parser *p, const char *what)
{
	char *r = p->meta.repaired;
	size_t have = strlen(r), add = strlen(what);
	const char *at = strstr(r, what);

	if (at && (at == r || at[-1] == ',') &&
	    (at[add] == '\0' || at[add] == ','))
		return;
	if (have + add + 2 > sizeof p->meta.repaired)
		return;
	if (have)
		r[have++] = ',';
	memcpy(r + have, what, add + 1);
}

/* Copies the collected text into a field, refusing over-long values. */
static bool parser_store(struct parser *p, char *field, const char *what)
{
	const char *s = strbuf_str(&p->text);
	size_t len = p->text.len;

	if (len > REPORT_FIELD_MAX) {
		report_fail(p, STATUS_LIMIT, _("<%s> is longer than %d bytes"),
			    what, REPORT_FIELD_MAX);
		return false;
	}
	memcpy(field, s, len + 1);
	if (p->kind == TEXT_LOWER)
		text_lower(field);
	if (p->utf8_repairs && strstr(field, "\xef\xbf\xbd"))
		parser_note_repair(p, what);
	return true;
}

/* Removes leading and trailing white space from the collected text. */
static void parser_trim(struct parser *p)
{
	char *s = p->text.data;
	size_t start = 0, len = p->text.len;

	if (!s)
		return;
	while (start < len && strchr(" \t\r\n", s[start]))
		start++;
	while (len > start && strchr(" \t\r\n", s[len - 1]))
		len--;
	memmove(s, s + start, len - start);
	p->text.len = len - start;
	s[p->text.len] = '\0';
}

/* True if s is one of the words, a NULL-terminated list. */
static bool word_in(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

/* True if a finished <dkim> (dkim true) or <spf> of <auth_results> may
 * be kept: what it holds is a rotation's evidence and is stored as
 * "domain:selector:result" words, so a value that is not what its
 * element names must not get there. */
static bool auth_valid(const struct report_auth *a, bool dkim)
{
	/* RFC 7489 appendix C: DKIMResultType and SPFResultType. */
	static const char *const dkim_results[] = { "none",      "pass",
						    "fail",      "policy",
						    "neutral",   "temperror",
						    "permerror", NULL };
	static const char *const spf_results[] = { "none",      "neutral",
						   "pass",      "fail",
						   "softfail",  "temperror",
						   "permerror", NULL };
	size_t n = strlen(a->selector);

	if (!word_in(a->result, dkim ? dkim_results : spf_results))
		return false;
	/* Appendix C: domain is required, but reporters send it empty
	 * (an SPF "none" of an empty MAIL FROM): empty is absent. "_" is
	 * in names of RFC 2181 11; it cannot mislead. */
	if (a->domain[0] && !dname_valid(a->domain, DNAME_UNDERSCORE))
		return false;
	/* RFC 6376 3.1: a selector is sub-domains joined by dots, as
	 * dkim_selector_valid() judges it (no final dot); it is optional
	 * in appendix C. */
	return !n || (a->selector[n - 1] != '.' &&
		      dname_valid(a->selector, DNAME_ONE_LABEL));
}

/* Decides whether the element just opened has text the parser keeps;
 * also starts records and authentication results. */
static void parser_open(struct parser *p, enum element el)
{
	enum element parent = parser_up(p, 1);
	enum element grand = parser_up(p, 2);

	p->kind = TEXT_IGNORE;
	switch (el) {
	case EL_REPORT_METADATA:
		if (parent == EL_FEEDBACK)
			p->seen_metadata = true;
		return;
	case EL_POLICY_PUBLISHED:
		if (parent == EL_FEEDBACK)
			p->seen_policy = true;
		return;
	case EL_RECORD:
		if (parent != EL_FEEDBACK)
			return;
		row_reset(&p->row);
		p->have_count = false;
		p->nreasons = 0;
		return;
	case EL_DKIM:
	case EL_SPF:
		if (parent == EL_AUTH_RESULTS) {
			size_t *n = el == EL_DKIM ? &p->row.ndkim_auth
						  : &p->row.nspf_auth;
			struct report_auth *a =
			    el == EL_DKIM ? p->row.dkim_auth : p->row.spf_auth;

			if (*n >= REPORT_AUTH_MAX) {
				report_fail(p, STATUS_LIMIT,
					    _("more than %d <%s> results in "
					      "one record"),
					    REPORT_AUTH_MAX, element_names[el]);
				return;
			}
			p->auth = &a[(*n)++];
			p->auth->domain[0] = p->auth->selector[0] = '\0';
			p->auth->result[0] = '\0';
			return;
		}
		if (parent == EL_POLICY_EVALUATED)
			p->kind = TEXT_LOWER;
		return;
	case EL_REASON:
		if (parent == EL_POLICY_EVALUATED &&
		    p->nreasons++ >= REPORT_REASON_MAX)
			report_fail(p, STATUS_LIMIT,
				    _("more than %d reasons in one record"),
				    REPORT_REASON_MAX);
		return;
	default:
		break;
	}
	switch (parent) {
	case EL_REPORT_METADATA:
		if (el == EL_ORG_NAME || el == EL_EMAIL || el == EL_REPORT_ID)
			p->kind = TEXT_STRING;
		break;
	case EL_DATE_RANGE:
		if (grand == EL_REPORT_METADATA &&
		    (el == EL_BEGIN || el == EL_END))
			p->kind = TEXT_INT;
		break;
	case EL_POLICY_PUBLISHED:
		if (el == EL_PCT)
			p->kind = TEXT_INT;
		else if (el == EL_DOMAIN || el == EL_ADKIM || el == EL_ASPF ||
			 el == EL_P || el == EL_SP || el == EL_NP ||
			 el == EL_TESTING)
			p->kind = TEXT_LOWER;
		break;
	case EL_ROW:
		if (el == EL_SOURCE_IP)
			p->kind = TEXT_STRING;
		else if (el == EL_COUNT_)
			p->kind = TEXT_INT;
		break;
	case EL_POLICY_EVALUATED:
		if (el == EL_DISPOSITION)
			p->kind = TEXT_LOWER;
		break;
	case EL_REASON:
		if (el == EL_TYPE)
			p->kind = TEXT_LOWER;
		else if (el == EL_COMMENT)
			p->kind = TEXT_STRING;
		break;
	case EL_IDENTIFIERS:
		if (el == EL_HEADER_FROM || el == EL_ENVELOPE_FROM ||
		    el == EL_ENVELOPE_TO)
			p->kind = TEXT_LOWER;
		break;
	case EL_DKIM:
	case EL_SPF:
		if (grand == EL_AUTH_RESULTS && p->auth &&
		    (el == EL_DOMAIN || el == EL_RESULT ||
		     (el == EL_SELECTOR && parent == EL_DKIM)))
			p->kind = TEXT_LOWER;
		break;
	default:
		break;
	}
}

/* Fills the empty org_name from the domain of the report's email. */
static void parser_fix_org(struct parser *p)
{
	const char *at;

	if (p->meta.org_name[0])
		return;
	at = strrchr(p->meta.email, '@');
	if (at && at[1]) {
		memcpy(p->meta.org_name, at + 1, strlen(at + 1) + 1);
		text_lower(p->meta.org_name);
	}
}

/* Checks the metadata and hands it to the meta callback, once. */
void report_send_meta(struct parser *p)
{
	if (p->meta_sent || p->st != STATUS_OK)
		return;
	p->meta_sent = true;
	/* RFC 7489 C / RFC 9990 4: report_metadata and policy_published
	 * come before the records. */
	if (!p->seen_metadata || !p->seen_policy) {
		report_fail(p, STATUS_PARSE,
			    _("no <report_metadata> and <policy_published> "
			      "before the records"));
		return;
	}
	parser_fix_org(p);
	if (!p->meta.org_name[0]) {
		report_fail(p, STATUS_PARSE, _("no <org_name>"));
		return;
	}
	if (!p->meta.report_id[0]) {
		report_fail(p, STATUS_PARSE, _("no <report_id>"));
		return;
	}
	if (p->meta.date_begin < 0 || p->meta.date_end < 0) {
		report_fail(p, STATUS_PARSE, _("no <date_range>"));
		return;
	}
	if (!p->meta.domain[0]) {
		report_fail(p, STATUS_PARSE,
			    _("no <domain> in <policy_published>"));
		return;
	}
	if (p->h && p->h->meta) {
		enum status st =
		    p->h->meta(p->h->arg, &p->meta, &p->skip, p->err);

		if (st != STATUS_OK)
			p->st = st;
	}
}

/* Appends a reason type to the record's list. */
static void parser_add_reason(struct parser *p, const char *type)
{
	size_t have = strlen(p->row.reasons), add = strlen(type);

	if (!add)
		return;
	if (have + add + 1 > REPORT_FIELD_MAX) {
		report_fail(p, STATUS_LIMIT, _("<reason> types too long"));
		return;
	}
	if (have)
		p->row.reasons[have++] = ',';
	memcpy(p->row.reasons + have, type, add + 1);
}

/* Checks a finished record and hands it to the row callback. */
static void parser_end_record(struct parser *p)
{
	struct ip_net ip;
	char raw[REPORT_FIELD_MAX + 1];

	report_send_meta(p);
	if (p->st != STATUS_OK || p->skip)
		return;
	if (!p->row.source_ip[0]) {
		report_fail(p, STATUS_PARSE, _("a record has no <source_ip>"));
		return;
	}
	memcpy(raw, p->row.source_ip, sizeof p->row.source_ip);
	if (!ip_addr_parse(raw, &ip)) {
		char *clean = text_clean_str(raw);

		report_fail(p, STATUS_PARSE,
			    _("<source_ip> \"%s\" is not an IP address"),
			    clean);
		free(clean);
		return;
	}
	ip_net_format(&ip, p->row.source_ip);
	if (!p->have_count) {
		report_fail(p, STATUS_PARSE, _("a record has no <count>"));
		return;
	}
	if (p->h && p->h->row) {
		enum status st =
		    p->h->row(p->h->arg, &p->meta, &p->row, p->err);

		if (st != STATUS_OK)
			p->st = st;
	}
}

/* Uses the text of an element that just ended. */
static void parser_close(struct parser *p, enum element el)
{
	enum element parent = parser_up(p, 1);
	const char *s;
	int64_t v;
	bool overflow;

	if (el == EL_RECORD && parent == EL_FEEDBACK) {
		parser_end_record(p);
		return;
	}
	if ((el == EL_DKIM || el == EL_SPF) && parent == EL_AUTH_RESULTS) {
		/* The row is kept; an entry that is not one is not. */
		if (p->auth && !auth_valid(p->auth, el == EL_DKIM)) {
			if (el == EL_DKIM)
				p->row.ndkim_auth--;
			else
				p->row.nspf_auth--;
			p->meta.dropped_auth++;
		}
		p->auth = NULL;
		return;
	}
	if (p->kind == TEXT_IGNORE)
		return;
	parser_trim(p);
	s = strbuf_str(&p->text);
	if (p->kind == TEXT_INT) {
		if (!parse_count(s, &v, &overflow)) {
			char *clean =
			    text_clean(s, p->text.len > 40 ? 40 : p->text.len);

			report_fail(p, overflow ? STATUS_LIMIT : STATUS_PARSE,
				    overflow ? _("<%s> \"%s\" is too large")
					     : _("<%s> \"%s\" is not a "
						 "non-negative integer"),
				    element_names[el], clean);
			free(clean);
			return;
		}
		if ((el == EL_BEGIN || el == EL_END) &&
		    (v < REPORT_DATE_MIN || v >= REPORT_DATE_MAX)) {
			report_fail(p, STATUS_PARSE,
				    _("<%s> %lld is not a date between 1970 "
				      "and 2100"),
				    element_names[el], (long long)v);
			return;
		}
		if (el == EL_BEGIN)
			p->meta.date_begin = v;
		else if (el == EL_END)
			p->meta.date_end = v;
		else if (el == EL_PCT)
			p->meta.pct = v > 100 ? 100 : (int)v;
		else if (el == EL_COUNT_) {
			p->row.count = v;
			p->have_count = true;
		}
		return;
	}
	switch (el) {
	case EL_ORG_NAME:
		parser_store(p, p->meta.org_name, "org_name");
		break;
	case EL_EMAIL:
		parser_store(p, p->meta.email, "email");
		break;
	case EL_REPORT_ID:
		parser_store(p, p->meta.report_id, "report_id");
		break;
	case EL_DOMAIN:
		if (parent == EL_POLICY_PUBLISHED)
			parser_store(p, p->meta.domain, "domain");
		else if (p->auth)
			parser_store(p, p->auth->domain, "domain");
		break;
	case EL_ADKIM:
		parser_store(p, p->meta.adkim, "adkim");
		break;
	case EL_ASPF:
		parser_store(p, p->meta.aspf, "aspf");
		break;
	case EL_P:
		parser_store(p, p->meta.p, "p");
		break;
	case EL_SP:
		parser_store(p, p->meta.sp, "sp");
		break;
	case EL_NP:
		parser_store(p, p->meta.np, "np");
		break;
	case EL_TESTING:
		parser_store(p, p->meta.testing, "testing");
		break;
	case EL_SOURCE_IP:
		if (p->text.len >= sizeof p->row.source_ip) {
			char *clean = text_clean(s, 40);

			report_fail(p, STATUS_PARSE,
				    _("<source_ip> \"%s\" is not an IP "
				      "address"),
				    clean);
			free(clean);
			break;
		}
		memcpy(p->row.source_ip, s, p->text.len + 1);
		break;
	case EL_DISPOSITION:
		parser_store(p, p->row.disposition, "disposition");
		break;
	case EL_DKIM:
		parser_store(p, p->row.dkim, "dkim");
		break;
	case EL_SPF:
		parser_store(p, p->row.spf, "spf");
		break;
	case EL_TYPE: {
		char type[REPORT_FIELD_MAX + 1];

		if (parser_store(p, type, "type"))
			parser_add_reason(p, type);
		break;
	}
	case EL_COMMENT:
		/* RFC 8617: receivers name ARC in the override comment. */
		if (strstr(s, "arc") || strstr(s, "ARC"))
			p->row.arc = true;
		break;
	case EL_HEADER_FROM:
		parser_store(p, p->row.header_from, "header_from");
		break;
	case EL_ENVELOPE_FROM:
		parser_store(p, p->row.envelope_from, "envelope_from");
		break;
	case EL_ENVELOPE_TO:
		parser_store(p, p->row.envelope_to, "envelope_to");
		break;
	case EL_SELECTOR:
		if (p->auth)
			parser_store(p, p->auth->selector, "selector");
		break;
	case EL_RESULT:
		if (p->auth)
			parser_store(p, p->auth->result, "result");
		break;
	default:
		break;
	}
}

/* True if the namespace is one a DMARC report may use. */
static bool namespace_ok(const char *ns, enum report_format *format)
{
	if (!ns || !*ns) {
		*format = REPORT_FORMAT_RFC7489;
		return true;
	}
	if (strcmp(ns, NS_DMARC2) == 0) {
		*format = REPORT_FORMAT_RFC9990;
		return true;
	}
	if (strcmp(ns, NS_DMARC_ORG) == 0) {
		*format = REPORT_FORMAT_RFC7489;
		return true;
	}
	return false;
}

/* Handles one start tag. */
static void parser_start(struct parser *p, const xmlChar *xlocal,
			 const char *ns)
{
	const char *local = (const char *)xlocal;
	enum report_format format;
	enum element el;

	/* SAX sends <x/> as a start and an end, as <x></x>. */
	if (p->in_foreign) {
		p->foreign_depth++;
		return;
	}
	if (p->depth == 0) {
		if (!p->root[0])
			snprintf(p->root, sizeof p->root, "%s",
				 local ? local : "");
		if (!local || strcmp(local, "feedback") != 0 ||
		    !namespace_ok(ns, &format)) {
			/* A report some reporters wrap in an element of
			 * their own: look for <feedback> inside it. */
			if (!p->seen_root && p->wrap_depth < REPORT_WRAP_MAX) {
				p->wrap_depth++;
				return;
			}
			report_fail(p, STATUS_PARSE,
				    _("not a DMARC aggregate report"));
			return;
		}
		p->meta.format = format;
		p->seen_root = true;
	} else if (!namespace_ok(ns, &format)) {
		/* Extensions (RFC 9990 4.2) live in other namespaces. */
		p->in_foreign = true;
		p->foreign_depth = 1;
		return;
	}
	if (p->depth >= REPORT_DEPTH_MAX) {
		report_fail(p, STATUS_LIMIT, _("elements nested too deep"));
		return;
	}
	el = xlocal ? parser_lookup(p, xlocal) : EL_OTHER;
	if (p->depth > 0 && el == EL_FEEDBACK)
		el = EL_OTHER;
	p->stack[p->depth++] = el;
	strbuf_reset(&p->text);
	p->collecting = true;
	parser_open(p, el);
}

/* Handles one end tag. */
static void parser_end(struct parser *p)
{
	if (p->in_foreign) {
		if (--p->foreign_depth == 0)
			p->in_foreign = false;
		return;
	}
	if (p->depth == 0) {
		if (p->wrap_depth > 0)
			p->wrap_depth--;
		return;
	}
	parser_close(p, p->stack[p->depth - 1]);
	p->depth--;
	/* A wrapped report ends with its </feedback>, whatever follows
	 * (the wrapper is often left open). */
	if (p->depth == 0 && p->wrap_depth > 0)
		p->wrapped_done = true;
	p->collecting = false;
	p->kind = TEXT_IGNORE;
}

/* Collects text of the element being read, bounded; libxml2 may hand
 * one text over in several pieces. */
static void parser_text(struct parser *p, const char *value, size_t len)
{
	if (p->in_foreign || !p->collecting || p->kind == TEXT_IGNORE)
		return;
	/* The whole value is checked, never a cut one: spaces or zeros
	 * in front must not hide what follows. A comment is only
	 * searched for "arc", so it alone is cut. */
	if (p->text.len + len > REPORT_TEXT_MAX) {
		enum element el = parser_up(p, 0);

		if (el != EL_COMMENT) {
			report_fail(p, STATUS_LIMIT,
				    _("<%s> holds more than %d bytes"),
				    element_names[el], REPORT_TEXT_MAX);
			return;
		}
		len = REPORT_TEXT_MAX - p->text.len;
	}
	strbuf_add(&p->text, value, len);
}

/* SAX: a start tag. */
void report_sax_start(void *ctx, const xmlChar *localname,
		      const xmlChar *prefix, const xmlChar *uri,
		      int nb_namespaces, const xmlChar **namespaces,
		      int nb_attributes, int nb_defaulted,
		      const xmlChar **attributes)
{
	struct parser *p = ctx;

	(void)prefix, (void)nb_namespaces, (void)namespaces;
	(void)nb_attributes, (void)nb_defaulted, (void)attributes;
	if (p->stopped)
		return;
	parser_start(p, localname, (const char *)uri);
	parser_check_stop(p);
}

/* SAX: an end tag. */
void report_sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		    const xmlChar *uri)
{
	struct parser *p = ctx;

	(void)localname, (void)prefix, (void)uri;
	if (p->stopped)
		return;
	parser_end(p);
	parser_check_stop(p);
}

/* SAX: text (and CDATA, which XML_PARSE_NOCDATA makes text). */
void report_sax_text(void *ctx, const xmlChar *text, int len)
{
	struct parser *p = ctx;

	if (p->stopped || len <= 0)
		return;
	parser_text(p, (const char *)text, (size_t)len);
	parser_check_stop(p);
}
