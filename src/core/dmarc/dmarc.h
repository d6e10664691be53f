/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DMARC policy records (RFC 7489 6.3, RFC 9989 4.7): parser, validator
 * and builder for every tag (v p sp np pct rua ruf adkim aspf fo rf ri t
 * psd), and the checks a mail operator wants on a published record. */
#ifndef DMARCPILOT_DMARC_H
#define DMARCPILOT_DMARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/finding.h"
#include "util/status.h"

struct dns;
struct orgdomain;

/* The longest record text the parser accepts (a TXT RR holds at most
 * 65535 octets; nothing legitimate comes close). */
#define DMARC_MAX_RECORD 4096

/* Policies in increasing strength, so that they compare with < and >. */
enum dmarc_policy {
	DMARC_POLICY_UNSET = 0,
	DMARC_POLICY_NONE,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT,
};

enum dmarc_align {
	DMARC_ALIGN_UNSET = 0,
	DMARC_ALIGN_RELAXED, /* r */
	DMARC_ALIGN_STRICT,  /* s */
};

/* RFC 9989 4.7: psd=y (a public suffix domain), n (an organizational
 * domain), u (unknown, the default). */
enum dmarc_psd {
	DMARC_PSD_UNSET = 0,
	DMARC_PSD_YES,
	DMARC_PSD_NO,
	DMARC_PSD_UNKNOWN,
};

/* A tri-state for the t tag. */
enum dmarc_bool {
	DMARC_BOOL_UNSET = 0,
	DMARC_BOOL_YES,
	DMARC_BOOL_NO,
};

/* One reporting URI of rua or ruf. */
struct dmarc_uri {
	char *uri;         /* as written, without the !size suffix */
	char *size;        /* the size suffix as written ("10m"), or NULL */
	uint64_t max_size; /* bytes (RFC 7489 6.2: k/m/g/t are powers of
			      two); 0 when there is no limit */
	char *host;        /* mailto: the lower-case domain of the address,
			      or NULL for another scheme */
};

/* A record; every field may be unset (the getters below apply the RFC
 * defaults). All strings are owned; free with dmarc_record_done(). */
struct dmarc_record {
	enum dmarc_policy p, sp, np;
	int pct; /* 0..100, or -1 when absent */
	struct dmarc_uri *rua;
	size_t nrua;
	struct dmarc_uri *ruf;
	size_t nruf;
	enum dmarc_align adkim, aspf;
	char *fo; /* "0", "1:d", ... lower case, or NULL */
	char *rf; /* "afrf", or NULL */
	long ri;  /* seconds, or -1 when absent */
	enum dmarc_bool t;
	enum dmarc_psd psd;
	bool p_not_second; /* p was present but not right after v */
};

/* clang-format off */
#define DMARC_RECORD_INIT                                                  \
	{                                                                  \
		.pct = -1, .ri = -1                                        \
	}
/* clang-format on */

void dmarc_record_init(struct dmarc_record *rec);
void dmarc_record_done(struct dmarc_record *rec);

/* A deep copy of src into dst (which is overwritten, not freed). */
void dmarc_record_copy(struct dmarc_record *dst,
		       const struct dmarc_record *src);

/* True if text starts with the version tag "v=DMARC1" (RFC 7489 6.6.3:
 * other TXT records at _dmarc are discarded). */
bool dmarc_is_record(const char *text, size_t len);

/* Parses a record of len octets into rec (initialised by the call).
 * Unknown tags are ignored; each invalid value adds a dmarc.syntax
 * finding naming the tag to findings (which may be NULL) and leaves the
 * field unset. Returns STATUS_OK for a DMARC record (even with invalid
 * tags), STATUS_PARSE with err when the text is not one (v=DMARC1 is
 * not the first tag) and STATUS_LIMIT when it is longer than
 * DMARC_MAX_RECORD. rec is valid (and must be freed) in every case. */
enum status dmarc_parse(const char *text, size_t len, struct dmarc_record *rec,
			struct findings *findings, struct err *err);

/* Parses a comma-separated URI list (the value of rua or ruf) and
 * appends the URIs to *list; tag names the tag in findings. Returns
 * false when one URI was invalid (it is skipped, with a dmarc.syntax
 * finding). */
bool dmarc_uri_list_parse(const char *value, const char *tag,
			  struct dmarc_uri **list, size_t *count,
			  struct findings *findings);

/* The record text in the canonical tag order v, p, sp, np, pct, t, rua,
 * ruf, adkim, aspf, fo, rf, ri, psd, separated by "; ". Unset fields are
 * left out; p is written as "none" when unset. Caller frees. */
char *dmarc_format(const struct dmarc_record *rec);

/* The effective values with the defaults of RFC 7489 6.3 / 9989 4.7. */
enum dmarc_policy dmarc_policy(const struct dmarc_record *rec);
enum dmarc_policy dmarc_subdomain_policy(const struct dmarc_record *rec);
enum dmarc_policy dmarc_nonexistent_policy(const struct dmarc_record *rec);
int dmarc_pct(const struct dmarc_record *rec);

/* "none", "quarantine", "reject" (stable, for records and --json);
 * "" for unset. */
const char *dmarc_policy_name(enum dmarc_policy policy);

/* The policy of a word (case-insensitive); DMARC_POLICY_UNSET when it is
 * none of the three. */
enum dmarc_policy dmarc_policy_from_name(const char *word, size_t len);

/* The record-level checks that need no DNS: dmarc.policy_none,
 * dmarc.no_rua, dmarc.pct_partial, dmarc.sp_weaker. text is the record
 * as published (for the findings' record field). */
void dmarc_check_record(const struct dmarc_record *rec, const char *text,
			struct findings *findings);

/* ---- Policy discovery (RFC 7489 6.6.3, RFC 9989 4.10) and external
 * report destinations (RFC 7489 7.1). */

/* Whether a report destination may receive the domain's reports. */
enum dmarc_dest_state {
	DMARC_DEST_SAME_ORG,     /* same organizational domain: no check */
	DMARC_DEST_AUTHORIZED,   /* <domain>._report._dmarc.<host> has
				     v=DMARC1 (or a wildcard answers) */
	DMARC_DEST_UNAUTHORIZED, /* it does not: receivers send nothing */
	DMARC_DEST_UNKNOWN,      /* the query failed */
	DMARC_DEST_NOT_MAILTO,   /* not a mailto: URI; nothing to check */
};

struct dmarc_dest {
	const char *tag; /* "rua" or "ruf" (static) */
	char *uri;       /* as written in the record */
	char *host;      /* lower case, or NULL when not mailto: */
	char *query;     /* the authorization name asked, or NULL */
	enum dmarc_dest_state state;
};

/* One name of the tree walk and what _dmarc.<name> answered. */
struct dmarc_walk_entry {
	char *name;     /* without "_dmarc." */
	char *result;   /* dns_result_name(): "data", "nxdomain", ... */
	size_t records; /* DMARC records found there */
};

/* What discovery found for a domain. Everything is owned. */
struct dmarc_result {
	char *domain; /* as asked, normalised */
	char *record; /* the applicable record's text (cleaned), or
				NULL when none applies */
	struct dmarc_record parsed; /* its parse (valid when record) */
	char *source;   /* "_dmarc.NAME" where it was found, or NULL */
	bool inherited; /* found above the domain itself */
	bool exists;    /* the domain itself is not NXDOMAIN */
	enum dmarc_policy policy; /* what applies to the domain: p, or sp
				     (np for a non-existent name) when
				     inherited; UNSET without a record */
	char *org_domain;         /* by the PSL (libpsl) */
	char *tree_org_domain;    /* by the RFC 9989 4.10.2 tree walk */
	struct dmarc_walk_entry *walk;
	size_t nwalk;
	struct dmarc_dest *dests;
	size_t ndests;
	struct findings findings; /* every DMARC finding, with advice */
	enum status status;       /* STATUS_DNS when _dmarc.<domain> timed out
				(the resolver did not answer) */
	char *error;              /* then the message naming the query and the
				servers */
};

struct dmarc_discovery;

/* Starts discovery for domain on dns: TXT _dmarc.<name> for every name of
 * the tree walk (orgdomain_walk_names with max_labels, plus the PSL's
 * organizational domain when the walk would skip it) and A <domain>, all
 * at once; when they are answered, the authorization queries of the
 * external report destinations. The caller runs the resolver (dns_run or
 * its own loop) and then reads dmarc_discovery_result(). od stays owned
 * by the caller and must outlive the discovery. The discovery must not be
 * freed while its queries are outstanding (run the loop to the end, or
 * dns_cancel_all() first). */
struct dmarc_discovery *dmarc_discover(struct dns *dns,
				       const struct orgdomain *od,
				       const char *domain, int max_labels);

/* The result once every query has been answered; NULL before. */
const struct dmarc_result *
dmarc_discovery_result(const struct dmarc_discovery *d);

/* Takes the result away from the discovery (NULL before it is done);
 * the caller frees it with dmarc_result_free(). */
struct dmarc_result *dmarc_discovery_take(struct dmarc_discovery *d);

void dmarc_discovery_free(struct dmarc_discovery *d);
void dmarc_result_free(struct dmarc_result *r);

/* "same-org", "authorized", "unauthorized", "unknown", "not-mailto". */
const char *dmarc_dest_state_name(enum dmarc_dest_state state);

/* The JSON object of a result: domain, record, source, policy, tags
 * (each of p sp np adkim aspf pct t fo rf ri rua ruf psd as {"value",
 * "explicit"}, defaults filled in; null without a record), inherited,
 * exists, org_domain, tree_org_domain, walk, destinations,
 * findings. The caller owns the reference. */
json_t *dmarc_result_to_json(const struct dmarc_result *r);

#endif
