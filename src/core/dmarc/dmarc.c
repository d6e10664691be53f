/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DMARC record parser, builder and record-level checks. */
#include "config.h"

#include "dmarc/dmarc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The most URIs one rua or ruf list may hold before we stop reading it:
 * real records carry one to three. */
#define DMARC_MAX_URIS 16

/* A slice of the record text. */
struct span {
	const char *p;
	size_t len;
};

/* Sets every field of a record to "absent". */
void dmarc_record_init(struct dmarc_record *rec)
{
	memset(rec, 0, sizeof *rec);
	rec->pct = -1;
	rec->ri = -1;
}

/* Frees the URIs of a list. */
static void uris_free(struct dmarc_uri *list, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(list[i].uri);
		free(list[i].size);
		free(list[i].host);
	}
	free(list);
}

/* Frees what a record owns and resets it. */
void dmarc_record_done(struct dmarc_record *rec)
{
	uris_free(rec->rua, rec->nrua);
	uris_free(rec->ruf, rec->nruf);
	free(rec->fo);
	free(rec->rf);
	dmarc_record_init(rec);
}

/* Copies a URI list. */
static struct dmarc_uri *uris_copy(const struct dmarc_uri *src, size_t count)
{
	struct dmarc_uri *dst;

	if (count == 0)
		return NULL;
	dst = xcalloc(count, sizeof *dst);
	for (size_t i = 0; i < count; i++) {
		dst[i].uri = xstrdup(src[i].uri);
		dst[i].size = xstrdup_or_null(src[i].size);
		dst[i].max_size = src[i].max_size;
		dst[i].host = xstrdup_or_null(src[i].host);
	}
	return dst;
}

/* Deep-copies a record. */
void dmarc_record_copy(struct dmarc_record *dst, const struct dmarc_record *src)
{
	*dst = *src;
	dst->rua = uris_copy(src->rua, src->nrua);
	dst->ruf = uris_copy(src->ruf, src->nruf);
	dst->fo = xstrdup_or_null(src->fo);
	dst->rf = xstrdup_or_null(src->rf);
}

/* RFC 5234 WSP, and the CR/LF of folding white space. */
static bool is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Removes white space at both ends of a span. */
static struct span span_trim(struct span s)
{
	while (s.len > 0 && is_wsp(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && is_wsp(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* True if the span equals word, ASCII case-insensitively. */
static bool span_ieq(struct span s, const char *word)
{
	return strlen(word) == s.len && text_ieqn(s.p, word, s.len);
}

/* A NUL-terminated copy of a span. */
static char *span_dup(struct span s)
{
	return xstrndup(s.p, s.len);
}

/* Adds a dmarc.syntax finding about tag with a value shown cleaned. */
static struct finding *syntax_finding(struct findings *findings,
				      const char *tag, struct span value,
				      const char *why)
{
	struct finding *f;
	char *shown;

	if (!findings)
		return NULL;
	shown = text_clean(value.p, value.len > 80 ? 80 : value.len);
	/* TRANSLATORS: %1$s is a DMARC tag name, %2$s its value as
	 * published, %3$s why it is invalid. */
	f = findings_add(findings, F_DMARC_SYNTAX,
			 _("DMARC tag %s=\"%s\" is invalid: %s"), tag, shown,
			 why);
	finding_set_advice(f, _("Fix the value (see RFC 9989 section 4.7); "
				"receivers ignore an invalid tag and use its "
				"default."));
	free(shown);
	return f;
}

/* Maps a policy word to the enum. */
enum dmarc_policy dmarc_policy_from_name(const char *word, size_t len)
{
	struct span s = { word, len };

	if (span_ieq(s, "none"))
		return DMARC_POLICY_NONE;
	if (span_ieq(s, "quarantine"))
		return DMARC_POLICY_QUARANTINE;
	if (span_ieq(s, "reject"))
		return DMARC_POLICY_REJECT;
	return DMARC_POLICY_UNSET;
}

/* The record word of a policy. */
const char *dmarc_policy_name(enum dmarc_policy policy)
{
	switch (policy) {
	case DMARC_POLICY_NONE:
		return "none";
	case DMARC_POLICY_QUARANTINE:
		return "quarantine";
	case DMARC_POLICY_REJECT:
		return "reject";
	case DMARC_POLICY_UNSET:
	default:
		return "";
	}
}

/* Parses 1*DIGIT into *out when it is at most max; false otherwise. */
static bool parse_uint(struct span s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (!isdigit((unsigned char)s.p[i]))
			return false;
		if (v > (max - (unsigned long)(s.p[i] - '0')) / 10)
			return false;
		v = v * 10 + (unsigned long)(s.p[i] - '0');
	}
	*out = v;
	return true;
}

/* RFC 7489 6.2: the size limit "!" 1*DIGIT [ "k" / "m" / "g" / "t" ],
 * units of 2^10, 2^20, 2^30, 2^40 bytes. */
static bool parse_size(struct span s, uint64_t *out)
{
	unsigned shift = 0;
	unsigned long v;

	if (s.len > 0 && !isdigit((unsigned char)s.p[s.len - 1])) {
		switch (tolower((unsigned char)s.p[s.len - 1])) {
		case 'k':
			shift = 10;
			break;
		case 'm':
			shift = 20;
			break;
		case 'g':
			shift = 30;
			break;
		case 't':
			shift = 40;
			break;
		default:
			return false;
		}
		s.len--;
	}
	if (!parse_uint(s, UINT32_MAX, &v) || v == 0)
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

/* True for the characters of a host name in a mailto address. */
static bool is_host_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

/* Parses one URI of a rua/ruf list; false (with a finding) when it is
 * invalid. */
static bool uri_parse(struct span s, const char *tag, struct dmarc_uri *out,
		      struct findings *findings)
{
	const char *bang = memchr(s.p, '!', s.len);
	struct span uri = s, size = { NULL, 0 };
	const char *colon;
	size_t scheme_len;

	memset(out, 0, sizeof *out);
	if (bang) {
		uri.len = (size_t)(bang - s.p);
		size.p = bang + 1;
		size.len = s.len - uri.len - 1;
	}
	uri = span_trim(uri);
	colon = memchr(uri.p, ':', uri.len);
	scheme_len = colon ? (size_t)(colon - uri.p) : 0;
	if (scheme_len == 0 || !isalpha((unsigned char)uri.p[0])) {
		syntax_finding(findings, tag, s, _("not a URI"));
		return false;
	}
	for (size_t i = 0; i < scheme_len; i++) {
		char c = uri.p[i];

		if (!isalnum((unsigned char)c) && c != '+' && c != '-' &&
		    c != '.') {
			syntax_finding(findings, tag, s, _("not a URI"));
			return false;
		}
	}
	for (size_t i = 0; i < uri.len; i++) {
		unsigned char c = (unsigned char)uri.p[i];

		if (c <= ' ' || c >= 0x7f) {
			syntax_finding(findings, tag, s,
				       _("a URI may not contain spaces or "
					 "control characters"));
			return false;
		}
	}
	if (size.p && !parse_size(span_trim(size), &out->max_size)) {
		syntax_finding(findings, tag, s,
			       _("the size limit must be digits with an "
				 "optional k, m, g or t"));
		return false;
	}
	if (scheme_len == 6 && text_ieqn(uri.p, "mailto", 6)) {
		/* RFC 6068: mailto:addr[?headers]; the host is after the
		 * last "@" of the address. */
		struct span addr = { colon + 1, uri.len - scheme_len - 1 };
		const char *q = memchr(addr.p, '?', addr.len);
		const char *at = NULL;

		if (q)
			addr.len = (size_t)(q - addr.p);
		for (size_t i = 0; i < addr.len; i++)
			if (addr.p[i] == '@')
				at = addr.p + i;
		if (!at || at == addr.p || at + 1 == addr.p + addr.len) {
			syntax_finding(findings, tag, s,
				       _("a mailto: URI needs an address "
					 "local@domain"));
			return false;
		}
		for (const char *h = at + 1; h < addr.p + addr.len; h++) {
			if (!is_host_char(*h)) {
				syntax_finding(findings, tag, s,
					       _("the address has an invalid "
						 "domain"));
				return false;
			}
		}
		out->host =
		    xstrndup(at + 1, (size_t)(addr.p + addr.len - at - 1));
		text_lower(out->host);
		if (out->host[strlen(out->host) - 1] == '.')
			out->host[strlen(out->host) - 1] = '\0';
	} else {
		struct finding *f = syntax_finding(
		    findings, tag, s, _("only mailto: URIs receive reports"));

		if (f)
			f->severity = SEVERITY_WARNING;
	}
	out->uri = span_dup(uri);
	if (size.p)
		out->size = span_dup(span_trim(size));
	return true;
}

/* Parses a rua/ruf value. */
bool dmarc_uri_list_parse(const char *value, const char *tag,
			  struct dmarc_uri **list, size_t *count,
			  struct findings *findings)
{
	const char *p = value;
	bool ok = true;
	size_t seen = 0;

	for (;;) {
		const char *comma = strchr(p, ',');
		struct span s = { p, comma ? (size_t)(comma - p) : strlen(p) };
		struct dmarc_uri uri;

		s = span_trim(s);
		if (s.len == 0) {
			syntax_finding(findings, tag, s, _("empty URI"));
			ok = false;
		} else if (++seen > DMARC_MAX_URIS) {
			syntax_finding(findings, tag, s,
				       _("too many URIs; receivers may "
					 "ignore the rest"));
			ok = false;
			break;
		} else if (uri_parse(s, tag, &uri, findings)) {
			*list = xrealloc(*list, (*count + 1) * sizeof **list);
			(*list)[(*count)++] = uri;
		} else {
			ok = false;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return ok;
}

/* Parses a colon-separated list whose items must each be in allowed;
 * returns the normalised list (lower case, ":" without spaces) or NULL. */
static char *parse_colon_list(struct span s, const char *const allowed[])
{
	struct strbuf out = STRBUF_INIT;
	const char *end = s.p + s.len;
	const char *p = s.p;

	for (;;) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		struct span item = { p, (colon ? colon : end) - p };
		bool known = false;

		item = span_trim(item);
		for (size_t i = 0; allowed[i]; i++)
			if (span_ieq(item, allowed[i]))
				known = true;
		if (!known) {
			strbuf_done(&out);
			return NULL;
		}
		if (out.len)
			strbuf_addch(&out, ':');
		for (size_t i = 0; i < item.len; i++)
			strbuf_addch(&out,
				     (char)tolower((unsigned char)item.p[i]));
		if (!colon)
			break;
		p = colon + 1;
	}
	return strbuf_detach(&out);
}

/* The tags of RFC 7489 6.3 and RFC 9989 4.7, for duplicate detection. */
static const char *const known_tags[] = {
	"v",    "p",  "sp", "np", "pct", "rua", "ruf", "adkim",
	"aspf", "fo", "rf", "ri", "t",   "psd", NULL,
};

/* Index of a tag name in known_tags, or -1. */
static int tag_index(struct span name)
{
	for (int i = 0; known_tags[i]; i++)
		if (span_ieq(name, known_tags[i]))
			return i;
	return -1;
}

/* Applies one known tag's value to rec. */
static void apply_tag(struct dmarc_record *rec, const char *tag,
		      struct span value, struct findings *findings)
{
	static const char *const fo_values[] = { "0", "1", "d", "s", NULL };
	static const char *const rf_values[] = { "afrf", NULL };
	unsigned long n;

	if (!strcmp(tag, "p") || !strcmp(tag, "sp") || !strcmp(tag, "np")) {
		enum dmarc_policy pol =
		    dmarc_policy_from_name(value.p, value.len);
		enum dmarc_policy *slot = !strcmp(tag, "p")    ? &rec->p
					  : !strcmp(tag, "sp") ? &rec->sp
							       : &rec->np;

		/* RFC 7489 6.3: none, quarantine or reject. */
		if (pol == DMARC_POLICY_UNSET)
			syntax_finding(findings, tag, value,
				       _("must be none, quarantine or "
					 "reject"));
		*slot = pol;
	} else if (!strcmp(tag, "pct")) {
		/* RFC 7489 6.3: an integer from 0 to 100. */
		if (parse_uint(value, 100, &n))
			rec->pct = (int)n;
		else
			syntax_finding(findings, tag, value,
				       _("must be a whole number from 0 to "
					 "100"));
	} else if (!strcmp(tag, "rua") || !strcmp(tag, "ruf")) {
		char *v = span_dup(value);

		if (!strcmp(tag, "rua"))
			dmarc_uri_list_parse(v, tag, &rec->rua, &rec->nrua,
					     findings);
		else
			dmarc_uri_list_parse(v, tag, &rec->ruf, &rec->nruf,
					     findings);
		free(v);
	} else if (!strcmp(tag, "adkim") || !strcmp(tag, "aspf")) {
		enum dmarc_align *slot =
		    !strcmp(tag, "adkim") ? &rec->adkim : &rec->aspf;

		if (span_ieq(value, "r"))
			*slot = DMARC_ALIGN_RELAXED;
		else if (span_ieq(value, "s"))
			*slot = DMARC_ALIGN_STRICT;
		else
			syntax_finding(findings, tag, value,
				       _("must be r (relaxed) or s "
					 "(strict)"));
	} else if (!strcmp(tag, "fo")) {
		/* RFC 7489 6.3: colon-separated 0, 1, d, s. */
		rec->fo = parse_colon_list(value, fo_values);
		if (!rec->fo)
			syntax_finding(findings, tag, value,
				       _("must be 0, 1, d or s, separated "
					 "by colons"));
	} else if (!strcmp(tag, "rf")) {
		/* RFC 7489 6.3: formats from the IANA registry (afrf). */
		rec->rf = parse_colon_list(value, rf_values);
		if (!rec->rf)
			syntax_finding(findings, tag, value,
				       _("the only report format is afrf"));
	} else if (!strcmp(tag, "ri")) {
		/* RFC 7489 6.3: a 32-bit unsigned number of seconds. */
		if (parse_uint(value, UINT32_MAX, &n))
			rec->ri = (long)n;
		else
			syntax_finding(findings, tag, value,
				       _("must be a number of seconds"));
	} else if (!strcmp(tag, "t")) {
		/* RFC 9989 4.7: y or n. */
		if (span_ieq(value, "y"))
			rec->t = DMARC_BOOL_YES;
		else if (span_ieq(value, "n"))
			rec->t = DMARC_BOOL_NO;
		else
			syntax_finding(findings, tag, value,
				       _("must be y or n"));
	} else if (!strcmp(tag, "psd")) {
		/* RFC 9989 4.7: y, n or u. */
		if (span_ieq(value, "y"))
			rec->psd = DMARC_PSD_YES;
		else if (span_ieq(value, "n"))
			rec->psd = DMARC_PSD_NO;
		else if (span_ieq(value, "u"))
			rec->psd = DMARC_PSD_UNKNOWN;
		else
			syntax_finding(findings, tag, value,
				       _("must be y, n or u"));
	}
}

/* Splits "name=value" into its parts; false when there is no "=" or the
 * name is not ALPHA *(ALPHA / DIGIT / "_"). */
static bool split_tag(struct span spec, struct span *name, struct span *value)
{
	const char *eq = memchr(spec.p, '=', spec.len);

	if (!eq)
		return false;
	name->p = spec.p;
	name->len = (size_t)(eq - spec.p);
	*name = span_trim(*name);
	value->p = eq + 1;
	value->len = (size_t)(spec.p + spec.len - value->p);
	*value = span_trim(*value);
	if (name->len == 0 || !isalpha((unsigned char)name->p[0]))
		return false;
	for (size_t i = 1; i < name->len; i++)
		if (!isalnum((unsigned char)name->p[i]) && name->p[i] != '_')
			return false;
	return true;
}

/* True for "v=DMARC1" at the start (spaces allowed around "="). */
bool dmarc_is_record(const char *text, size_t len)
{
	struct span s = { text, len }, name, value;
	const char *semi = memchr(text, ';', len);

	if (semi)
		s.len = (size_t)(semi - text);
	/* RFC 7489 6.4: the version value is exactly "DMARC1". */
	return split_tag(span_trim(s), &name, &value) && span_ieq(name, "v") &&
	       value.len == 6 && memcmp(value.p, "DMARC1", 6) == 0;
}

/* Parses a record. */
enum status dmarc_parse(const char *text, size_t len, struct dmarc_record *rec,
			struct findings *findings, struct err *err)
{
	bool seen[sizeof known_tags / sizeof known_tags[0]] = { false };
	const char *end = text + len;
	const char *p = text;
	size_t index = 0;

	dmarc_record_init(rec);
	if (len > DMARC_MAX_RECORD)
		return err_set(err, STATUS_LIMIT,
			       _("DMARC record of %zu octets is longer than "
				 "%d"),
			       len, DMARC_MAX_RECORD);
	if (memchr(text, '\0', len)) {
		/* RFC 7489 6.4: tag values are printable text; a NUL
		 * octet makes the record unparseable for receivers. */
		if (findings) {
			struct finding *f = findings_add(
			    findings, F_DMARC_SYNTAX,
			    _("The DMARC record contains a NUL octet "
			      "(shown as \\000); receivers cannot parse "
			      "it."));

			finding_set_advice(f, _("Publish the record again "
						"as plain text; the NUL "
						"usually comes from a "
						"provisioning tool."));
		}
		return err_set(err, STATUS_PARSE,
			       _("DMARC record contains a NUL octet"));
	}
	/* RFC 7489 6.3: v=DMARC1 must be the first tag. */
	if (!dmarc_is_record(text, len))
		return err_set(err, STATUS_PARSE,
			       _("not a DMARC record: it must start with "
				 "v=DMARC1"));
	while (p <= end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		struct span spec = { p, (semi ? semi : end) - p };
		struct span name, value;
		int ti;

		spec = span_trim(spec);
		p = semi ? semi + 1 : end + 1;
		if (spec.len == 0)
			continue;
		if (!split_tag(spec, &name, &value)) {
			syntax_finding(findings, "?", spec,
				       _("not a tag=value pair"));
			index++;
			continue;
		}
		ti = tag_index(name);
		index++;
		if (ti < 0)
			continue; /* RFC 7489 6.3: unknown tags are ignored */
		if (seen[ti]) {
			syntax_finding(findings, known_tags[ti], value,
				       _("the tag appears more than once"));
			continue;
		}
		seen[ti] = true;
		if (ti == 0)
			continue; /* v, checked above */
		if (ti == 1 && index != 2)
			rec->p_not_second = true;
		apply_tag(rec, known_tags[ti], value, findings);
	}
	if (!seen[1] && findings) {
		/* RFC 7489 6.6.3: without a valid p, receivers act as if
		 * p=none when rua is valid, else ignore the record. */
		struct finding *f = findings_add(
		    findings, F_DMARC_SYNTAX, _("DMARC record has no p tag"));

		finding_set_advice(f, _("Add p=none (or the policy of your "
					"rung) right after v=DMARC1."));
	} else if (rec->p_not_second && findings) {
		struct finding *f =
		    findings_add(findings, F_DMARC_SYNTAX,
				 _("DMARC tag p is not right after v=DMARC1"));

		f->severity = SEVERITY_WARNING;
		finding_set_advice(f, _("Put p directly after v=DMARC1: "
					"RFC 7489 receivers require that "
					"order."));
	}
	return STATUS_OK;
}

/* Appends a URI list as "a,b!10m". */
static void format_uris(struct strbuf *sb, const char *tag,
			const struct dmarc_uri *list, size_t count)
{
	if (count == 0)
		return;
	strbuf_addf(sb, "; %s=", tag);
	for (size_t i = 0; i < count; i++) {
		if (i)
			strbuf_addch(sb, ',');
		strbuf_addstr(sb, list[i].uri);
		if (list[i].size)
			strbuf_addf(sb, "!%s", list[i].size);
	}
}

/* The letter of an alignment mode. */
static const char *align_name(enum dmarc_align a)
{
	return a == DMARC_ALIGN_STRICT ? "s" : "r";
}

/* Builds the record text in canonical order. */
char *dmarc_format(const struct dmarc_record *rec)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "v=DMARC1; p=");
	strbuf_addstr(&sb, rec->p ? dmarc_policy_name(rec->p) : "none");
	if (rec->sp)
		strbuf_addf(&sb, "; sp=%s", dmarc_policy_name(rec->sp));
	if (rec->np)
		strbuf_addf(&sb, "; np=%s", dmarc_policy_name(rec->np));
	if (rec->pct >= 0)
		strbuf_addf(&sb, "; pct=%d", rec->pct);
	if (rec->t)
		strbuf_addf(&sb, "; t=%s",
			    rec->t == DMARC_BOOL_YES ? "y" : "n");
	format_uris(&sb, "rua", rec->rua, rec->nrua);
	format_uris(&sb, "ruf", rec->ruf, rec->nruf);
	if (rec->adkim)
		strbuf_addf(&sb, "; adkim=%s", align_name(rec->adkim));
	if (rec->aspf)
		strbuf_addf(&sb, "; aspf=%s", align_name(rec->aspf));
	if (rec->fo)
		strbuf_addf(&sb, "; fo=%s", rec->fo);
	if (rec->rf)
		strbuf_addf(&sb, "; rf=%s", rec->rf);
	if (rec->ri >= 0)
		strbuf_addf(&sb, "; ri=%ld", rec->ri);
	if (rec->psd)
		strbuf_addf(&sb, "; psd=%s",
			    rec->psd == DMARC_PSD_YES  ? "y"
			    : rec->psd == DMARC_PSD_NO ? "n"
						       : "u");
	return strbuf_detach(&sb);
}

/* RFC 7489 6.6.3: a record without a valid p acts as p=none. */
enum dmarc_policy dmarc_policy(const struct dmarc_record *rec)
{
	return rec->p ? rec->p : DMARC_POLICY_NONE;
}

/* RFC 7489 6.3: sp defaults to p. */
enum dmarc_policy dmarc_subdomain_policy(const struct dmarc_record *rec)
{
	return rec->sp ? rec->sp : dmarc_policy(rec);
}

/* RFC 9989 4.7: np defaults to sp, which defaults to p. */
enum dmarc_policy dmarc_nonexistent_policy(const struct dmarc_record *rec)
{
	return rec->np ? rec->np : dmarc_subdomain_policy(rec);
}

/* RFC 7489 6.3: pct defaults to 100. */
int dmarc_pct(const struct dmarc_record *rec)
{
	return rec->pct >= 0 ? rec->pct : 100;
}

/* The checks on a record's content. */
void dmarc_check_record(const struct dmarc_record *rec, const char *text,
			struct findings *findings)
{
	enum dmarc_policy p = dmarc_policy(rec);
	struct finding *f;
	size_t mailto = 0;

	if (p == DMARC_POLICY_NONE) {
		f = findings_add(findings, F_DMARC_POLICY_NONE,
				 _("The policy is p=none: receivers deliver "
				   "mail that fails DMARC as usual and only "
				   "report it."));
		finding_set_record(f, text);
		finding_set_advice(f, _("Collect aggregate reports until "
					"every legitimate sender passes, "
					"then step up to p=quarantine with "
					"pct=10 (dmarcpilot plan DOMAIN)."));
	}
	for (size_t i = 0; i < rec->nrua; i++)
		if (rec->rua[i].host)
			mailto++;
	if (mailto == 0) {
		f = findings_add(findings, F_DMARC_NO_RUA,
				 _("The record has no rua tag: nobody "
				   "sends you aggregate reports."));
		finding_set_record(f, text);
		finding_set_advice(f, _("Add rua=mailto:ADDRESS so that "
					"receivers report who sends mail as "
					"your domain; without reports you "
					"cannot tell when a stricter policy "
					"is safe."));
	}
	if (p != DMARC_POLICY_NONE && dmarc_pct(rec) < 100) {
		/* RFC 9989 drops pct: receivers apply the whole policy
		 * unless t=y asks them to treat it as a test. */
		f = findings_add(findings, F_DMARC_PCT_PARTIAL,
				 _("Only %d %% of failing mail gets "
				   "p=%s; the rest is treated one step "
				   "more leniently."),
				 dmarc_pct(rec), dmarc_policy_name(p));
		finding_set_record(f, text);
		if (rec->t == DMARC_BOOL_YES)
			finding_set_advice(f, _("This is a rollout step; "
						"move on to the next pct "
						"once reports show no "
						"legitimate mail failing."));
		else {
			f->severity = SEVERITY_WARNING;
			finding_set_advice(f, _("Add t=y: RFC 9989 receivers "
						"ignore pct and would apply "
						"the full policy to all "
						"failing mail."));
		}
	}
	/* RFC 7489 6.3: sp applies to subdomains; weaker than p leaves
	 * them open to spoofing. */
	if (rec->sp && rec->sp < p) {
		f = findings_add(findings, F_DMARC_SP_WEAKER,
				 _("The subdomain policy sp=%s is weaker "
				   "than p=%s."),
				 dmarc_policy_name(rec->sp),
				 dmarc_policy_name(p));
		finding_set_record(f, text);
		finding_set_advice(f, _("Unless subdomains send mail that "
					"does not yet pass DMARC, remove sp "
					"or set it to the same policy as p."));
	}
	/* RFC 9989 4.7: np covers names that do not exist, which never
	 * send legitimate mail. */
	if (rec->np && rec->np < dmarc_subdomain_policy(rec)) {
		f = findings_add(
		    findings, F_DMARC_SP_WEAKER,
		    _("The policy for non-existent subdomains "
		      "np=%s is weaker than the subdomain "
		      "policy %s."),
		    dmarc_policy_name(rec->np),
		    dmarc_policy_name(dmarc_subdomain_policy(rec)));
		finding_set_record(f, text);
		finding_set_advice(f, _("Names that do not exist send no "
					"legitimate mail: set np=reject or "
					"remove it."));
	}
}
