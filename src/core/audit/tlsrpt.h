/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SMTP TLS Reporting (RFC 8460): the _smtp._tls TXT record that tells
 * senders where to report failed TLS sessions with the domain's MX
 * hosts. */
#ifndef DMARCPILOT_TLSRPT_H
#define DMARCPILOT_TLSRPT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "dns/dns.h"
#include "util/finding.h"
#include "util/status.h"

/* The version tag every record starts with (RFC 8460 3). */
#define TLSRPT_VERSION "v=TLSRPTv1"

/* A parsed record; free with tlsrpt_record_done(). */
struct tlsrpt_record {
	char **rua; /* the reporting URIs as written (mailto: or https:) */
	size_t nrua;
};

/* Parses a record of len octets (any octet) into rec. STATUS_OK for a
 * valid record; STATUS_PARSE otherwise, with a tlsrpt.syntax finding in
 * f (may be NULL) saying why. rec is valid in both cases. */
enum status tlsrpt_parse(const char *text, size_t len,
			 struct tlsrpt_record *rec, struct findings *f);
void tlsrpt_record_done(struct tlsrpt_record *rec);

/* What the audit found at _smtp._tls.DOMAIN; free with
 * tlsrpt_result_free(). */
struct tlsrpt_result {
	char *name; /* "_smtp._tls.example.com" */
	enum dns_result dns;
	char *record; /* the record, cleaned for display, or NULL */
	bool valid;   /* record parsed without error */
	struct tlsrpt_record parsed;
	struct findings findings;
};

/* Judges the TXT answer for _smtp._tls.domain: the one record of
 * version TLSRPTv1, its syntax and rua. */
struct tlsrpt_result *tlsrpt_judge(const char *domain,
				   const struct dns_answer *ans);
void tlsrpt_result_free(struct tlsrpt_result *r);

/* {"name", "result", "record", "valid", "rua": [...], "findings"}. */
json_t *tlsrpt_result_to_json(const struct tlsrpt_result *r);

#endif
