/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Domain names as operators type them and as records hold them: the one
 * syntax check of the program, and the normal form of a typed name
 * (internationalised names as A-labels, lower case, no final dot). */
#ifndef DMARCPILOT_DNAME_H
#define DMARCPILOT_DNAME_H

#include <stdbool.h>

/* What a name may hold beyond host-name labels. */
enum dname_flags {
	DNAME_UNDERSCORE = 1 << 0, /* "_" in labels: RFC 8552 names
				      (_dmarc, _domainkey, _spf), DKIM
				      selectors */
	DNAME_ONE_LABEL = 1 << 1,  /* one label is enough (a selector,
				      a name relative to an origin);
				      otherwise at least two */
	DNAME_ANY_OCTETS = 1 << 2, /* labels of any octets but the dot
				      (RFC 2181 11), as SPF's target
				      names after macro expansion (RFC
				      7208 4.3): only lengths count */
};

/* True if name is a domain name by flags: labels of 1..63 octets, 255
 * octets on the wire (RFC 1035 2.3.4, measured by ldns), a final dot
 * allowed; unless DNAME_ANY_OCTETS, letters, digits and inner hyphens
 * only (RFC 1123 2.1), and "_" with DNAME_UNDERSCORE; at least two
 * labels unless DNAME_ONE_LABEL. A U-label is not valid here: pass what
 * an operator typed through dname_normalize() first. */
bool dname_valid(const char *name, unsigned flags);

/* The normal form of a name an operator typed: U-labels (UTF-8, such as
 * "bücher.example") become A-labels by IDNA2008 (RFC 5891, libidn2:
 * "xn--bcher-kva.example"), then lower case without the final dot, and
 * the result must pass dname_valid(flags). NULL when it does not, or
 * when IDNA2008 refuses a label. Caller frees. */
char *dname_normalize(const char *name, unsigned flags);

/* The form of a name to look up: its A-labels when it holds U-labels
 * IDNA2008 accepts, otherwise the name as it is; lower case, no final
 * dot, never NULL (checking it is the caller's: RFC 7208 4.3 answers
 * "none" for a malformed name, not an error). Caller frees. */
char *dname_lookup_form(const char *name);

#endif
