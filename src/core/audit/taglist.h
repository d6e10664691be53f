/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The tag=value lists of the small policy records the audit reads
 * (TLS-RPT, BIMI, the MTA-STS TXT record): "v=X; k=v; ...", fields
 * separated by ";" with optional spaces or tabs around it (RFC 8460 3,
 * RFC 8461 3.1, BIMI 4.2 share the grammar of RFC 6376 3.2). */
#ifndef DMARCPILOT_TAGLIST_H
#define DMARCPILOT_TAGLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "dns/dns.h"
#include "util/finding.h"
#include "util/strlist.h"

/* One field: name and value, both NUL-terminated copies. */
struct tag {
	char *name;
	char *value; /* leading and trailing spaces removed */
};

/* The fields in the order written; owned, freed by taglist_done(). */
struct taglist {
	struct tag *tags;
	size_t count;
};

/* Splits text (len octets, any octet) into fields. False, with
 * *why set to a static English phrase for the finding, when the text
 * holds a NUL or a control octet, a field without "=", a name that is
 * not ALPHA *(ALPHA / DIGIT / "_"), or the same name twice; out is
 * then empty (and needs no taglist_done). */
bool taglist_parse(const char *text, size_t len, struct taglist *out,
		   const char **why);
void taglist_done(struct taglist *list);

/* The value of name (case-sensitive, as the RFCs define the names), or
 * NULL. */
const char *taglist_get(const struct taglist *list, const char *name);

/* Splits a comma-separated list of URIs, trimming spaces; each element
 * is a copy cleaned with text_clean(); *count receives how many. Empty elements are kept (as "")
 * so that the caller can refuse them. Free with strlist_free(). */
char **taglist_split_commas(const char *value, size_t *count);

/* True when text begins with version ("v=TLSRPTv1") followed by the end,
 * ";" or a space: the policy records' common test for their own kind
 * (RFC 8460 3, RFC 8461 3.1: other TXT records are discarded). */
bool taglist_is_version(const char *text, size_t len, const char *version);

/* How many of the count joined TXT strings are records of version; the
 * first one's position goes to *index. */
size_t taglist_select(const struct dns_txt_string *txt, size_t count,
		      const char *version, size_t *index);

/* For a failed TXT query of name (neither data, NODATA nor NXDOMAIN):
 * adds dns.temperror to f naming it and returns true. */
bool taglist_answer_failed(const struct dns_answer *ans, const char *name,
			   struct findings *f);

#endif
