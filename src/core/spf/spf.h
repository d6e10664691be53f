/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SPF records (RFC 7208): record selection (4.5), the section 12 ABNF
 * parser for every term, macro expansion (section 7) and the serializer
 * back to text. Evaluation is in spf_eval.h, accounting in spf_check.h. */
#ifndef DMARCPILOT_SPF_H
#define DMARCPILOT_SPF_H

#include <stdbool.h>
#include <stddef.h>

#include "dns/dns.h"
#include "util/ip.h"
#include "util/status.h"

/* RFC 7208 2.6: the seven results. */
enum spf_result {
	SPF_NONE,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR,
};

enum spf_kind {
	SPF_ALL,
	SPF_INCLUDE,
	SPF_A,
	SPF_MX,
	SPF_PTR,
	SPF_IP4,
	SPF_IP6,
	SPF_EXISTS,
	SPF_REDIRECT, /* modifier redirect= */
	SPF_EXP,      /* modifier exp= */
	SPF_MODIFIER, /* an unknown modifier, kept and ignored (6) */
};

/* One term of a record. */
struct spf_term {
	enum spf_kind kind;
	enum spf_result qualifier; /* PASS, FAIL, SOFTFAIL or NEUTRAL */
	bool explicit_qualifier;   /* written in the record */
	char *domain_spec; /* include, a, mx, ptr, exists, redirect, exp;
			      NULL when absent (a, mx, ptr) */
	struct ip_net net; /* ip4, ip6: the network (prefix full if none) */
	bool has_prefix;   /* ip4, ip6: "/N" was written */
	int cidr4, cidr6;  /* a, mx: dual-cidr-length, -1 when absent */
	char *name;        /* unknown modifier: its name */
	char *value;       /* unknown modifier: its macro-string */
	size_t column;     /* 1-based column of the term in the record */
};

/* A parsed record; owns its terms. */
struct spf_record {
	struct spf_term *terms;
	size_t count;
	int redirect; /* index of redirect=, or -1 */
	int exp;      /* index of exp=, or -1 */
};

/* The result's RFC 7208 word: "none", "neutral", "pass", ... */
const char *spf_result_name(enum spf_result result);

/* The mechanism's or modifier's name: "all", "include", ..., "redirect". */
const char *spf_kind_name(enum spf_kind kind);

/* True if the kind queries DNS and so counts toward the limit of 10
 * (RFC 7208 4.6.4): include, a, mx, ptr, exists, redirect. */
bool spf_kind_counts(enum spf_kind kind);

/* RFC 7208 4.5: true if a TXT record (len octets) is an SPF record, that
 * is starts with "v=spf1" (any case) followed by a space or its end. */
bool spf_is_record(const char *text, size_t len);

/* RFC 7208 4.5: picks the SPF record among a name's TXT records (joined
 * strings). Returns how many there are; *index gets the first. */
size_t spf_select(const struct dns_txt_string *records, size_t count,
		  size_t *index);

/* Parses a record (len octets; NUL octets are a syntax error). On a
 * syntax error returns STATUS_PARSE with "column N: reason", N the
 * 1-based column; *column (may be NULL) gets N. The caller frees *out
 * with spf_record_free(). */
enum status spf_parse(const char *text, size_t len, struct spf_record **out,
		      size_t *column, struct err *err);

void spf_record_free(struct spf_record *record);

/* The text of one term as it would be written ("-include:x.example",
 * "a:mail.example/24//64"). Caller frees. */
char *spf_term_format(const struct spf_term *term);

/* The record as text: "v=spf1" and the terms separated by one space.
 * Caller frees. */
char *spf_record_format(const struct spf_record *record);

/* The values that macros expand to (RFC 7208 7.2). */
struct spf_macro_vars {
	const char *sender; /* <sender>: "local@domain" (s; l and o from it) */
	const char *domain; /* <domain>, the current domain (d) */
	const struct ip_net *ip; /* <ip> (i, c, v), NULL when unknown */
	const char *helo;        /* HELO/EHLO name (h), NULL gives "unknown" */
	const char *ptr;         /* validated name of ip (p), NULL: "unknown" */
	const char *receiver;    /* receiving host (r), NULL gives "unknown" */
	long long now;           /* seconds since the epoch (t) */
};

/* Checks the macro-string syntax of len octets (7.1). exp allows the
 * explanation-only letters c, r and t (7.3). On error returns
 * STATUS_PARSE with a reason and *offset (may be NULL) the 0-based
 * offset of the bad octet. */
enum status spf_macro_check(const char *s, size_t len, bool exp, size_t *offset,
			    struct err *err);

/* True if a macro-string uses the letter (any case), e.g. 'p'. */
bool spf_macro_uses(const char *s, char letter);

/* Expands a macro-string (7.3). exp as above. With domain true the
 * result is a domain name to query: when it passes 253 octets, labels
 * are removed from the left until it fits (7.3). Returns STATUS_PARSE
 * for a syntax error. The caller frees *out. */
enum status spf_macro_expand(const char *s, const struct spf_macro_vars *v,
			     bool exp, bool domain, char **out,
			     struct err *err);

#endif
