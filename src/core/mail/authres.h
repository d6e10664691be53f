/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Authentication-Results header fields (RFC 8601): what the receivers
 * that handled a message say they found, parsed so that 'mail check'
 * can set them beside its own results. */
#ifndef DMARCPILOT_AUTHRES_H
#define DMARCPILOT_AUTHRES_H

#include <jansson.h>
#include <stddef.h>

#include "util/status.h"

/* Limits for one header field read from outside. */
#define AUTHRES_MAX_RESULTS 64
#define AUTHRES_MAX_PROPS 32
#define AUTHRES_MAX_LEN 65536

/* RFC 8601 2.3: ptype.property=pvalue ("header.d=example.com"). */
struct authres_prop {
	char *ptype;    /* lower case: "smtp", "header", "body", "policy" */
	char *property; /* lower case: "mailfrom", "d", "i", "s", "b" */
	char *value;    /* unquoted */
};

/* One resinfo: method=result with its reason, comments and properties. */
struct authres_result {
	char *method;  /* lower case, without a /version */
	char *result;  /* lower case */
	char *reason;  /* reason= value, or NULL */
	char *comment; /* the comments, joined with "; ", or NULL */
	struct authres_prop *props;
	size_t nprops;
};

/* One Authentication-Results field. All strings are owned and cleaned of
 * control characters. */
struct authres {
	char *authserv_id; /* who wrote it (RFC 8601 2.5) */
	int version;       /* 1 when absent */
	struct authres_result *results;
	size_t count; /* 0 for "; none" */
};

/* Parses the value of an Authentication-Results field (after the
 * colon; folding is allowed). Malformed text gives STATUS_PARSE naming
 * what is wrong, more than AUTHRES_MAX_RESULTS results or
 * AUTHRES_MAX_PROPS properties STATUS_LIMIT; out is then empty. Free
 * with authres_done(). */
enum status authres_parse(const char *value, size_t len, struct authres *out,
			  struct err *err);

void authres_done(struct authres *ar);

/* The value of ptype.property in a result, or NULL. */
const char *authres_prop_get(const struct authres_result *r, const char *ptype,
			     const char *property);

/* The field as JSON: authserv_id, version, results (each method,
 * result, reason, comment, properties as an object "ptype.property":
 * value). The caller owns the reference. */
json_t *authres_to_json(const struct authres *ar);

#endif
