/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SPF record parsing, macros and serialization (RFC 7208 sections 4.5,
 * 5, 6, 7 and 12). */
#include "config.h"

#include "spf/spf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The words of the results, in enum order. */
static const char *const result_names[] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror",
};

/* The names of the kinds, in enum order. */
static const char *const kind_names[] = {
	"all", "include", "a",        "mx",  "ptr",      "ip4",
	"ip6", "exists",  "redirect", "exp", "modifier",
};

/* Maps a result to its RFC 7208 word. */
const char *spf_result_name(enum spf_result result)
{
	if ((unsigned)result > SPF_PERMERROR)
		return "permerror";
	return result_names[result];
}

/* Maps a kind to its name. */
const char *spf_kind_name(enum spf_kind kind)
{
	if ((unsigned)kind > SPF_MODIFIER)
		return "modifier";
	return kind_names[kind];
}

/* RFC 7208 4.6.4: the terms that cause DNS queries. */
bool spf_kind_counts(enum spf_kind kind)
{
	switch (kind) {
	case SPF_INCLUDE:
	case SPF_A:
	case SPF_MX:
	case SPF_PTR:
	case SPF_EXISTS:
	case SPF_REDIRECT:
		return true;
	default:
		return false;
	}
}

/* RFC 7208 4.5: "v=spf1" then a space or the end. */
bool spf_is_record(const char *text, size_t len)
{
	if (len < 6 || !text_ieqn(text, "v=spf1", 6))
		return false;
	return len == 6 || text[6] == ' ';
}

/* RFC 7208 4.5: counts the SPF records among TXT records. */
size_t spf_select(const struct dns_txt_string *records, size_t count,
		  size_t *index)
{
	size_t n = 0;

	for (size_t i = 0; i < count; i++) {
		if (!spf_is_record(records[i].data, records[i].len))
			continue;
		if (n++ == 0 && index)
			*index = i;
	}
	return n;
}

/* True for the macro letters of 7.1 valid everywhere (not c, r, t). */
static bool macro_letter(char c, bool exp)
{
	c = (char)tolower((unsigned char)c);
	if (strchr("slodiphv", c))
		return true;
	/* RFC 7208 7.3: c, r and t are allowed only in "exp" text. */
	return exp && strchr("crt", c);
}

/* RFC 7208 7.1: the delimiters of a macro-expand. */
static bool macro_delimiter(char c)
{
	return c != '\0' && strchr(".-+,/_=", c) != NULL;
}

/* Checks one "%..." macro at s[i]; returns the octets it spans, or 0 with
 * err set and *bad the offending offset. */
static size_t macro_one(const char *s, size_t len, size_t i, bool exp,
			size_t *bad, struct err *err)
{
	size_t j;

	if (i + 1 >= len) {
		*bad = i;
		err_set(err, STATUS_PARSE, "%s",
			_("a percent sign at the end"));
		return 0;
	}
	switch (s[i + 1]) {
	case '%':
	case '_':
	case '-':
		return 2;
	case '{':
		break;
	default:
		/* RFC 7208 7.1: any other character after '%' is an error. */
		*bad = i;
		err_set(err, STATUS_PARSE, "%s",
			_("a percent sign must be followed by '{', '_', '-' or "
			  "another percent sign"));
		return 0;
	}
	j = i + 2;
	if (j >= len || !macro_letter(s[j], exp)) {
		*bad = j;
		err_set(err, STATUS_PARSE, "%s", _("unknown macro letter"));
		return 0;
	}
	j++;
	while (j < len && isdigit((unsigned char)s[j]))
		j++;
	if (j < len && (s[j] == 'r' || s[j] == 'R'))
		j++;
	while (j < len && macro_delimiter(s[j]))
		j++;
	if (j >= len || s[j] != '}') {
		*bad = j < len ? j : len;
		err_set(err, STATUS_PARSE, "%s", _("macro not closed by '}'"));
		return 0;
	}
	return j + 1 - i;
}

/* Checks a macro-string. */
enum status spf_macro_check(const char *s, size_t len, bool exp, size_t *offset,
			    struct err *err)
{
	size_t bad = 0;

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			size_t n = macro_one(s, len, i, exp, &bad, err);

			if (n == 0)
				goto fail;
			i += n;
			continue;
		}
		/* RFC 7208 7.1: macro-literal = %x21-24 / %x26-7E, and
		 * explanations may contain spaces (6.2). */
		if (c < 0x21 || c > 0x7e) {
			if (!(exp && c == ' ')) {
				bad = i;
				err_set(err, STATUS_PARSE, "%s",
					_("character not allowed here"));
				goto fail;
			}
		}
		i++;
	}
	return STATUS_OK;
fail:
	if (offset)
		*offset = bad;
	return STATUS_PARSE;
}

/* True if a macro-string uses the letter. */
bool spf_macro_uses(const char *s, char letter)
{
	for (const char *p = s; (p = strstr(p, "%{")) != NULL; p += 2)
		if (tolower((unsigned char)p[2]) == letter)
			return true;
	return false;
}

/* RFC 7208 7.3: the value of a macro letter before transformation. */
static char *macro_value(char letter, const struct spf_macro_vars *v)
{
	const char *at = v->sender ? strrchr(v->sender, '@') : NULL;
	char buf[INET6_ADDRSTRLEN];
	struct strbuf sb = STRBUF_INIT;

	switch (letter) {
	case 's':
		return xstrdup(v->sender ? v->sender : "");
	case 'l':
		if (!at || at == v->sender)
			return xstrdup("postmaster");
		return xstrndup(v->sender, (size_t)(at - v->sender));
	case 'o':
		return xstrdup(at ? at + 1 : v->sender ? v->sender : "");
	case 'd':
		return xstrdup(v->domain ? v->domain : "");
	case 'h':
		return xstrdup(v->helo && *v->helo ? v->helo : "unknown");
	case 'p':
		return xstrdup(v->ptr ? v->ptr : "unknown");
	case 'r':
		return xstrdup(v->receiver ? v->receiver : "unknown");
	case 't':
		return xasprintf("%lld", v->now);
	case 'v':
		return xstrdup(v->ip && v->ip->family == AF_INET6 ? "ip6"
								  : "in-addr");
	case 'i':
		if (v->ip && v->ip->family == AF_INET6) {
			static const char hex[] = "0123456789abcdef";

			/* RFC 7208 7.3: dot-format nibbles for IPv6. */
			for (int k = 0; k < 16; k++) {
				if (k)
					strbuf_addch(&sb, '.');
				strbuf_addf(&sb, "%c.%c",
					    hex[v->ip->addr[k] >> 4],
					    hex[v->ip->addr[k] & 0xf]);
			}
			return strbuf_detach(&sb);
		}
		/* fall through */
	case 'c':
		if (!v->ip)
			return xstrdup("");
		inet_ntop(v->ip->family, v->ip->addr, buf, sizeof buf);
		return xstrdup(buf);
	default:
		return xstrdup("");
	}
}

/* RFC 7208 7.3: splits on the delimiters, reverses, keeps the rightmost
 * digits parts and joins with dots. */
static void macro_transform(struct strbuf *out, const char *value,
			    unsigned long digits, bool reverse,
			    const char *delims)
{
	const char **parts = NULL;
	size_t nparts = 0, cap = 0, first;
	char *copy = xstrdup(value);
	char *p = copy;

	for (;;) {
		size_t n = strcspn(p, delims);

		parts = xgrow(parts, &cap, nparts + 1, sizeof *parts);
		parts[nparts++] = p;
		if (!p[n])
			break;
		p[n] = '\0';
		p += n + 1;
	}
	if (reverse) {
		for (size_t i = 0; i < nparts / 2; i++) {
			const char *t = parts[i];

			parts[i] = parts[nparts - 1 - i];
			parts[nparts - 1 - i] = t;
		}
	}
	first = digits && digits < nparts ? nparts - digits : 0;
	for (size_t i = first; i < nparts; i++) {
		if (i > first)
			strbuf_addch(out, '.');
		strbuf_addstr(out, parts[i]);
	}
	free(parts);
	free(copy);
}

/* RFC 7208 7.3: URL-escapes all but the unreserved characters. */
static void url_escape(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("-._~", c))
			strbuf_addch(out, (char)c);
		else
			strbuf_addf(out, "%%%02X", c);
	}
}

/* Expands a macro-string. */
enum status spf_macro_expand(const char *s, const struct spf_macro_vars *v,
			     bool exp, bool domain, char **out, struct err *err)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(s);
	enum status st;

	*out = NULL;
	st = spf_macro_check(s, len, exp, NULL, err);
	if (st != STATUS_OK)
		return st;
	for (size_t i = 0; i < len;) {
		char letter, delims[8] = "";
		unsigned long digits = 0;
		bool reverse = false, upper;
		char *value;
		size_t j, nd = 0;

		if (s[i] != '%') {
			strbuf_addch(&sb, s[i++]);
			continue;
		}
		if (s[i + 1] != '{') {
			/* RFC 7208 7.1: "%%", "%_" (space), "%-" ("%20"). */
			strbuf_addstr(&sb, s[i + 1] == '%'   ? "%"
					   : s[i + 1] == '_' ? " "
							     : "%20");
			i += 2;
			continue;
		}
		letter = s[i + 2];
		upper = isupper((unsigned char)letter);
		j = i + 3;
		if (isdigit((unsigned char)s[j])) {
			char *end;

			digits = strtoul(s + j, &end, 10);
			/* RFC 7208 7.3: the digits must be nonzero. */
			if (digits == 0) {
				strbuf_done(&sb);
				return err_set(err, STATUS_PARSE, "%s",
					       _("macro transformer of zero "
						 "labels"));
			}
			j = (size_t)(end - s);
		}
		if (s[j] == 'r' || s[j] == 'R') {
			reverse = true;
			j++;
		}
		while (s[j] != '}') {
			if (!strchr(delims, s[j]) && nd < sizeof delims - 1)
				delims[nd++] = s[j];
			j++;
		}
		if (nd == 0)
			delims[0] = '.';
		value = macro_value((char)tolower((unsigned char)letter), v);
		if (upper) {
			struct strbuf t = STRBUF_INIT;

			macro_transform(&t, value, digits, reverse, delims);
			url_escape(&sb, strbuf_str(&t));
			strbuf_done(&t);
		} else {
			macro_transform(&sb, value, digits, reverse, delims);
		}
		free(value);
		i = j + 1;
	}
	*out = strbuf_detach(&sb);
	if (!*out)
		*out = xstrdup("");
	if (domain) {
		/* RFC 7208 7.3: drop labels from the left to fit 253. */
		char *p = *out;

		while (strlen(p) > 253 && strchr(p, '.'))
			p = strchr(p, '.') + 1;
		if (p != *out) {
			char *t = xstrdup(p);

			free(*out);
			*out = t;
		}
	}
	return STATUS_OK;
}

/* RFC 7208 12: toplabel = ( *alphanum ALPHA *alphanum ) /
 * ( 1*alphanum "-" *( alphanum / "-" ) alphanum ). */
static bool toplabel_valid(const char *s, size_t len)
{
	bool alpha = false, hyphen = false;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalpha(c))
			alpha = true;
		else if (c == '-')
			hyphen = true;
		else if (!isdigit(c))
			return false;
	}
	if (!hyphen)
		return alpha;
	return s[0] != '-' && s[len - 1] != '-';
}

/* RFC 7208 12: domain-spec = macro-string domain-end, domain-end =
 * ( "." toplabel [ "." ] ) / macro-expand. Returns false with a reason
 * and the offset of the problem. */
static bool domain_spec_valid(const char *s, size_t len, size_t *bad,
			      struct err *err)
{
	size_t end = len, dot;

	if (len == 0) {
		*bad = 0;
		err_set(err, STATUS_PARSE, "%s", _("empty domain"));
		return false;
	}
	if (spf_macro_check(s, len, false, bad, err) != STATUS_OK)
		return false;
	/* Ends with a macro-expand: "}" of "%{...}", or "%%", "%_", "%-". */
	if (s[len - 1] == '}')
		return true;
	if (len >= 2 && s[len - 2] == '%' && strchr("%_-", s[len - 1])) {
		size_t pct = 0;

		/* Count the run of '%' to see whether the last is escaped. */
		for (size_t i = len - 1; i > 0 && s[i - 1] == '%'; i--)
			pct++;
		if (pct % 2 == 1)
			return true;
	}
	if (s[end - 1] == '.')
		end--;
	dot = end;
	while (dot > 0 && s[dot - 1] != '.')
		dot--;
	if (dot == 0 || !toplabel_valid(s + dot, end - dot)) {
		*bad = dot;
		err_set(err, STATUS_PARSE, "%s",
			_("the domain must end in a valid top label"));
		return false;
	}
	return true;
}

/* Parses "/N" with N in 0..max and no leading zero (RFC 7208 12). */
static bool cidr_parse(const char *s, size_t len, int max, int *out)
{
	int v = 0;

	if (len < 2 || s[0] != '/' || len > 4)
		return false;
	if (s[1] == '0' && len > 2)
		return false;
	for (size_t i = 1; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* True if s[0..len) is "/" followed by digits only. */
static bool looks_cidr(const char *s, size_t len)
{
	if (len < 2 || s[0] != '/')
		return false;
	for (size_t i = 1; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* The parser's state for one record. */
struct parse {
	const char *text;
	struct spf_record *rec;
	struct err *err;
	size_t bad; /* 0-based offset of an error */
};

/* Records an error at an offset; returns STATUS_PARSE. */
static enum status parse_fail(struct parse *p, size_t offset,
			      const char *reason)
{
	p->bad = offset;
	return err_set(p->err, STATUS_PARSE, "%s", reason);
}

/* Splits off a dual-cidr-length from the end of t[0..*len) (a, mx). */
static enum status parse_dual_cidr(struct parse *p, struct spf_term *term,
				   const char *t, size_t *len)
{
	size_t n = *len, k;

	/* "//N" at the end: the IPv6 length. */
	k = n;
	while (k > 0 && isdigit((unsigned char)t[k - 1]))
		k--;
	if (k >= 2 && k < n && t[k - 1] == '/' && t[k - 2] == '/') {
		if (!cidr_parse(t + k - 1, n - k + 1, 128, &term->cidr6))
			return parse_fail(p, (size_t)(t - p->text) + k - 2,
					  _("bad IPv6 prefix length"));
		n = k - 2;
	}
	k = n;
	while (k > 0 && isdigit((unsigned char)t[k - 1]))
		k--;
	if (k >= 1 && k < n && t[k - 1] == '/' &&
	    looks_cidr(t + k - 1, n - k + 1)) {
		if (!cidr_parse(t + k - 1, n - k + 1, 32, &term->cidr4))
			return parse_fail(p, (size_t)(t - p->text) + k - 1,
					  _("bad IPv4 prefix length"));
		n = k - 1;
	}
	*len = n;
	return STATUS_OK;
}

/* Parses an ip4/ip6 argument "ADDR[/N]". */
static enum status parse_ip(struct parse *p, struct spf_term *term,
			    const char *t, size_t len, int family)
{
	size_t slash = 0;
	char addr[64];
	int bits = family == AF_INET ? 32 : 128;
	size_t off = (size_t)(t - p->text);

	while (slash < len && t[slash] != '/')
		slash++;
	if (slash == 0 || slash >= sizeof addr)
		return parse_fail(p, off, _("missing or bad address"));
	memcpy(addr, t, slash);
	addr[slash] = '\0';
	if (!ip_net_parse(addr, family, &term->net) ||
	    strchr(addr, '/') != NULL)
		return parse_fail(p, off,
				  family == AF_INET ? _("not an IPv4 address")
						    : _("not an IPv6 address"));
	term->net.prefix = bits;
	if (slash < len) {
		term->has_prefix = true;
		if (!cidr_parse(t + slash, len - slash, bits,
				&term->net.prefix))
			return parse_fail(p, off + slash,
					  _("bad prefix length"));
	}
	return STATUS_OK;
}

/* Copies a domain-spec after checking it. */
static enum status parse_domain(struct parse *p, struct spf_term *term,
				const char *t, size_t len)
{
	size_t bad = 0;

	if (!domain_spec_valid(t, len, &bad, p->err)) {
		p->bad = (size_t)(t - p->text) + bad;
		return STATUS_PARSE;
	}
	term->domain_spec = xstrndup(t, len);
	return STATUS_OK;
}

/* The mechanisms' names in the order of enum spf_kind. */
static const char *const mech_names[] = {
	"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists",
};

/* Parses one term t[0..len) (no spaces) into term. */
static enum status parse_term(struct parse *p, struct spf_term *term,
			      const char *t, size_t len)
{
	size_t off = (size_t)(t - p->text), n = 0, rest;
	const char *arg;
	int kind = -1;

	term->cidr4 = term->cidr6 = -1;
	term->qualifier = SPF_PASS;
	term->column = off + 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];

		/* RFC 7208 3.1 and 12: terms are printable US-ASCII. */
		if (c == 0)
			return parse_fail(p, off + i,
					  _("a NUL octet (shown as \\000) is "
					    "not allowed in a record"));
		if (c < 0x21 || c > 0x7e)
			return parse_fail(p, off + i,
					  _("character not allowed in a "
					    "record"));
	}
	/* A modifier: name "=" where name = ALPHA *(ALPHA/DIGIT/-/_/.) */
	while (n < len && (isalnum((unsigned char)t[n]) || strchr("-_.", t[n])))
		n++;
	if (n > 0 && n < len && t[n] == '=' && isalpha((unsigned char)t[0])) {
		const char *value = t + n + 1;
		size_t vlen = len - n - 1;

		if (n == 8 && text_ieqn(t, "redirect", 8))
			term->kind = SPF_REDIRECT;
		else if (n == 3 && text_ieqn(t, "exp", 3))
			term->kind = SPF_EXP;
		else
			term->kind = SPF_MODIFIER;
		if (term->kind == SPF_MODIFIER) {
			size_t bad = 0;

			if (spf_macro_check(value, vlen, false, &bad, p->err) !=
			    STATUS_OK) {
				p->bad = off + n + 1 + bad;
				return STATUS_PARSE;
			}
			term->name = xstrndup(t, n);
			term->value = xstrndup(value, vlen);
			return STATUS_OK;
		}
		return parse_domain(p, term, value, vlen);
	}
	/* A directive: [qualifier] mechanism. */
	if (len > 0 && strchr("+-~?", t[0])) {
		term->explicit_qualifier = true;
		term->qualifier = t[0] == '+'   ? SPF_PASS
				  : t[0] == '-' ? SPF_FAIL
				  : t[0] == '~' ? SPF_SOFTFAIL
						: SPF_NEUTRAL;
		t++;
		len--;
		off++;
	}
	n = 0;
	while (n < len && isalnum((unsigned char)t[n]))
		n++;
	for (int k = 0; k <= SPF_EXISTS; k++)
		if (strlen(mech_names[k]) == n &&
		    text_ieqn(t, mech_names[k], n))
			kind = k;
	if (kind < 0)
		return parse_fail(p, off, _("unknown mechanism"));
	term->kind = (enum spf_kind)kind;
	arg = t + n;
	rest = len - n;
	switch (term->kind) {
	case SPF_ALL:
		if (rest)
			return parse_fail(p, off + n,
					  _("'all' takes no argument"));
		return STATUS_OK;
	case SPF_INCLUDE:
	case SPF_EXISTS:
		if (rest < 1 || arg[0] != ':')
			return parse_fail(p, off + n,
					  _("':' and a domain expected"));
		return parse_domain(p, term, arg + 1, rest - 1);
	case SPF_PTR:
		if (rest == 0)
			return STATUS_OK;
		if (arg[0] != ':')
			return parse_fail(p, off + n, _("':' expected"));
		return parse_domain(p, term, arg + 1, rest - 1);
	case SPF_A:
	case SPF_MX: {
		enum status st = parse_dual_cidr(p, term, arg, &rest);

		if (st != STATUS_OK)
			return st;
		if (rest == 0)
			return STATUS_OK;
		if (arg[0] != ':')
			return parse_fail(p, off + n, _("':' or '/' expected"));
		return parse_domain(p, term, arg + 1, rest - 1);
	}
	case SPF_IP4:
	case SPF_IP6:
		if (rest < 1 || arg[0] != ':')
			return parse_fail(p, off + n,
					  _("':' and an address expected"));
		return parse_ip(p, term, arg + 1, rest - 1,
				term->kind == SPF_IP4 ? AF_INET : AF_INET6);
	default:
		return parse_fail(p, off, _("unknown mechanism"));
	}
}

/* Frees what a term owns. */
static void term_done(struct spf_term *term)
{
	free(term->domain_spec);
	free(term->name);
	free(term->value);
}

/* Parses a record. */
enum status spf_parse(const char *text, size_t len, struct spf_record **out,
		      size_t *column, struct err *err)
{
	struct spf_record *rec = xcalloc(1, sizeof *rec);
	struct err local = ERR_INIT;
	struct parse p = { .text = text, .rec = rec, .err = &local };
	size_t cap = 0, i;
	enum status st = STATUS_OK;

	*out = NULL;
	rec->redirect = rec->exp = -1;
	if (!spf_is_record(text, len)) {
		st = parse_fail(&p, 0,
				_("the record must start with "
				  "\"v=spf1\""));
		goto out;
	}
	i = 6;
	for (;;) {
		size_t start, tlen;
		struct spf_term *term;

		/* RFC 7208 12: terms = *( 1*SP ( directive / modifier ) ). */
		while (i < len && text[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && text[i] != ' ')
			i++;
		tlen = i - start;
		rec->terms =
		    xgrow(rec->terms, &cap, rec->count + 1, sizeof *rec->terms);
		term = &rec->terms[rec->count];
		memset(term, 0, sizeof *term);
		st = parse_term(&p, term, text + start, tlen);
		rec->count++;
		if (st != STATUS_OK)
			goto out;
		if (term->kind == SPF_REDIRECT || term->kind == SPF_EXP) {
			int *slot = term->kind == SPF_REDIRECT ? &rec->redirect
							       : &rec->exp;

			/* RFC 7208 6: each at most once. */
			if (*slot >= 0) {
				st = parse_fail(&p, start,
						term->kind == SPF_REDIRECT
						    ? _("second redirect= "
							"modifier")
						    : _("second exp= "
							"modifier"));
				goto out;
			}
			*slot = (int)rec->count - 1;
		}
	}
out:
	if (st != STATUS_OK) {
		char *reason = xstrdup(err_message(&local));

		err_done(&local);
		if (column)
			*column = p.bad + 1;
		err_set(err, STATUS_PARSE, _("column %zu: %s"), p.bad + 1,
			reason);
		free(reason);
		spf_record_free(rec);
		return STATUS_PARSE;
	}
	*out = rec;
	return STATUS_OK;
}

/* Frees a record. */
void spf_record_free(struct spf_record *record)
{
	if (!record)
		return;
	for (size_t i = 0; i < record->count; i++)
		term_done(&record->terms[i]);
	free(record->terms);
	free(record);
}

/* Formats one term. */
char *spf_term_format(const struct spf_term *term)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[IP_NET_BUFSIZE];

	switch (term->kind) {
	case SPF_REDIRECT:
	case SPF_EXP:
		strbuf_addf(&sb, "%s=%s", spf_kind_name(term->kind),
			    term->domain_spec);
		return strbuf_detach(&sb);
	case SPF_MODIFIER:
		strbuf_addf(&sb, "%s=%s", term->name, term->value);
		return strbuf_detach(&sb);
	default:
		break;
	}
	if (term->explicit_qualifier || term->qualifier != SPF_PASS)
		strbuf_addch(&sb, term->qualifier == SPF_PASS       ? '+'
				  : term->qualifier == SPF_FAIL     ? '-'
				  : term->qualifier == SPF_SOFTFAIL ? '~'
								    : '?');
	strbuf_addstr(&sb, spf_kind_name(term->kind));
	if (term->kind == SPF_IP4 || term->kind == SPF_IP6) {
		struct ip_net net = term->net;

		inet_ntop(net.family, net.addr, buf, sizeof buf);
		strbuf_addf(&sb, ":%s", buf);
		if (term->has_prefix)
			strbuf_addf(&sb, "/%d", net.prefix);
		return strbuf_detach(&sb);
	}
	if (term->domain_spec)
		strbuf_addf(&sb, ":%s", term->domain_spec);
	if (term->cidr4 >= 0)
		strbuf_addf(&sb, "/%d", term->cidr4);
	if (term->cidr6 >= 0)
		strbuf_addf(&sb, "//%d", term->cidr6);
	return strbuf_detach(&sb);
}

/* Formats a whole record. */
char *spf_record_format(const struct spf_record *record)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "v=spf1");
	for (size_t i = 0; i < record->count; i++) {
		char *t = spf_term_format(&record->terms[i]);

		strbuf_addf(&sb, " %s", t);
		free(t);
	}
	return strbuf_detach(&sb);
}
