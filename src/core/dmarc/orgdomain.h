/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Organizational domains: by the Public Suffix List (libpsl; RFC 7489
 * 3.2) and by the DNS tree walk of RFC 9989 4.10, which the DMARC policy
 * discovery runs on its answers. */
#ifndef DMARCPILOT_ORGDOMAIN_H
#define DMARCPILOT_ORGDOMAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "dmarc/dmarc.h"
#include "util/strlist.h"

/* RFC 9989 4.10: after the first query the walk starts at most this
 * many labels from the root ("if x >= 8, remove labels until 7
 * remain"), so at most 8 names are queried. */
#define ORGDOMAIN_WALK_MAX_LABELS 7

/* The Public Suffix List, loaded once; free with orgdomain_free(). */
struct orgdomain;

/* Loads the newest list available (psl_latest(): the distribution's
 * file or the one built into libpsl, whichever is newer), falling back
 * to psl_builtin(). Returns NULL only when libpsl has no list at all. */
struct orgdomain *orgdomain_new(void);
void orgdomain_free(struct orgdomain *od);

/* The organizational domain of name by the PSL (its registrable domain,
 * psl_registrable_domain()), lower case without a final dot; for a
 * public suffix itself ("com", "co.uk") the name itself. Caller frees. */
char *orgdomain_of(const struct orgdomain *od, const char *name);

/* True if a and b have the same organizational domain by the PSL. */
bool orgdomain_same(const struct orgdomain *od, const char *a, const char *b);

/* True if name is a public suffix ("com", "co.uk"). */
bool orgdomain_is_public_suffix(const struct orgdomain *od, const char *name);

/* The names the RFC 9989 4.10 tree walk queries _dmarc under, in order:
 * name itself, then at most max_labels labels (<= 0 means
 * ORGDOMAIN_WALK_MAX_LABELS), then one label fewer each step down to the
 * last label. name is normalised (lower case, no final dot). Returns the
 * count; *out is an array of owned strings freed with strlist_free(). */
size_t orgdomain_walk_names(const char *name, int max_labels, char ***out);

/* What the walk found at one name. */
enum orgdomain_walk_state {
	ORGDOMAIN_WALK_NONE,     /* no DMARC record (or not asked) */
	ORGDOMAIN_WALK_RECORD,   /* exactly one DMARC record */
	ORGDOMAIN_WALK_MULTIPLE, /* several: all discarded (RFC 9989 4.10) */
	ORGDOMAIN_WALK_FAILED,   /* the query failed (SERVFAIL, timeout) */
};

struct orgdomain_walk_step {
	const char *name; /* as from orgdomain_walk_names */
	enum orgdomain_walk_state state;
	enum dmarc_psd psd; /* of the record, when RECORD */
};

/* RFC 9989 4.10.1: the index of the step whose record applies to the
 * walk's first name: the first RECORD in order; -1 when none.
 * *uncertain is set when a query before it failed, so that a record
 * there might have applied instead. */
int orgdomain_walk_policy(const struct orgdomain_walk_step *steps, size_t count,
			  bool *uncertain);

/* RFC 9989 4.10.2: the organizational domain the walk finds: the name of
 * a record with psd=n; the name one label below a record with psd=y
 * (other than at the first name); else the name of the record with the
 * fewest labels; else the first name. *uncertain is set when a failed
 * query could have changed the answer. Caller frees. */
char *orgdomain_walk_org(const struct orgdomain_walk_step *steps, size_t count,
			 bool *uncertain);

#endif
