/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SMTP MTA Strict Transport Security (RFC 8461): the _mta-sts TXT
 * record, the policy served at https://mta-sts.DOMAIN/.well-known/
 * mta-sts.txt, and whether every MX host of the domain matches one of
 * its mx patterns. */
#ifndef DMARCPILOT_MTA_STS_H
#define DMARCPILOT_MTA_STS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "dns/dns.h"
#include "util/finding.h"
#include "audit/https.h"
#include "util/status.h"

/* The TXT record's version tag (RFC 8461 3.1). */
#define MTA_STS_VERSION "v=STSv1"

/* RFC 8461 3.2: max_age is at most 31557600 seconds (a year). */
#define MTA_STS_MAX_AGE_MAX 31557600L

/* RFC 8461 3.3: senders bound the policy's size; 64 KiB is what they
 * are told to accept. */
#define MTA_STS_POLICY_MAX 65536

/* Where the policy is fetched from (RFC 8461 3.3). */
#define MTA_STS_PATH "/.well-known/mta-sts.txt"

enum mta_sts_mode {
	MTA_STS_MODE_UNSET = 0,
	MTA_STS_MODE_ENFORCE,
	MTA_STS_MODE_TESTING,
	MTA_STS_MODE_NONE,
};

/* A parsed policy; free with mta_sts_policy_done(). */
struct mta_sts_policy {
	enum mta_sts_mode mode;
	long max_age; /* seconds, -1 when absent or invalid */
	char **mx;    /* the patterns, lower case */
	size_t nmx;
};

/* Parses the TXT record (any octets); on STATUS_OK *id holds the
 * policy id (caller frees). Otherwise STATUS_PARSE with an
 * mta_sts.syntax finding in f (may be NULL) and *id NULL. */
enum status mta_sts_txt_parse(const char *text, size_t len, char **id,
			      struct findings *f);

/* Parses a policy body (any octets, LF or CRLF lines) into p. STATUS_OK
 * for a valid policy; STATUS_PARSE with mta_sts.policy_syntax findings
 * in f (may be NULL) naming each problem. p is valid in both cases. */
enum status mta_sts_policy_parse(const char *body, size_t len,
				 struct mta_sts_policy *p, struct findings *f);
void mta_sts_policy_done(struct mta_sts_policy *p);

/* RFC 8461 4.1: does the MX host match the pattern ("mx.example.com",
 * or "*.example.com" for exactly one more leftmost label)? Without
 * case, final dots ignored. */
bool mta_sts_mx_matches(const char *pattern, const char *host);

/* "enforce", "testing", "none", or NULL. */
const char *mta_sts_mode_name(enum mta_sts_mode mode);

/* What the audit found; free with mta_sts_result_free(). */
struct mta_sts_result {
	char *name; /* "_mta-sts.example.com" */
	enum dns_result dns;
	char *record;      /* the TXT record (cleaned), or NULL */
	char *id;          /* its id= when valid */
	char *url;         /* the policy's URL once a fetch started */
	long http_status;  /* 0 when no response came */
	char *policy_text; /* the body, cleaned for display, or NULL */
	bool policy_valid;
	struct mta_sts_policy policy;
	struct findings findings;
};

/* Judges the TXT answer for _mta-sts.domain. True when the policy should
 * be fetched (one valid record). */
struct mta_sts_result *mta_sts_judge_txt(const char *domain,
					 const struct dns_answer *ans,
					 bool *fetch);

/* Adds mta_sts.fetch_failed when mta-sts.DOMAIN has no address. */
void mta_sts_no_address(struct mta_sts_result *r, const char *host,
			const char *why);

/* Judges the HTTPS response: RFC 8461 3.3 wants 200 and text/plain, no
 * redirect, a verified certificate for mta-sts.DOMAIN. */
void mta_sts_judge_policy(struct mta_sts_result *r,
			  const struct https_response *resp);

/* Checks every MX host against the policy's mx patterns (RFC 8461 4.1)
 * and the mode and max_age an operator wants. hosts are the domain's
 * MX targets ("" for a null MX is skipped). */
void mta_sts_check_mx(struct mta_sts_result *r, char *const *hosts,
		      size_t nhosts);

void mta_sts_result_free(struct mta_sts_result *r);

/* {"name", "result", "record", "id", "url", "http_status", "policy":
 * {"mode", "max_age", "mx"} or null, "findings"}. */
json_t *mta_sts_result_to_json(const struct mta_sts_result *r);

#endif
