/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DMARC failure reports in the Abuse Reporting Format: RFC 5965 (the
 * message/feedback-report fields), RFC 6591 (authentication failure
 * reports) and RFC 9991 (DMARC failure reporting). The mail around them
 * is taken apart by mailmsg; this parses the two header blocks. */
#ifndef DMARCPILOT_ARF_H
#define DMARCPILOT_ARF_H

#include <stddef.h>

#include "util/ip.h"
#include "util/status.h"

#define ARF_FIELD_MAX 255

/* One failure report. Empty string: absent. Domains are lower case. */
struct arf_report {
	char feedback_type[ARF_FIELD_MAX + 1]; /* "auth-failure", lower */
	char source_ip[IP_NET_BUFSIZE];        /* validated, canonical */
	char reported_domain[ARF_FIELD_MAX + 1];
	char auth_failure[ARF_FIELD_MAX + 1];  /* "dmarc", "dkim", "spf" */
	char original_from[ARF_FIELD_MAX + 1]; /* address of the From */
	char original_mail_from[ARF_FIELD_MAX + 1];
	char dkim_domain[ARF_FIELD_MAX + 1];
	char dkim_selector[ARF_FIELD_MAX + 1];
	char spf_domain[ARF_FIELD_MAX + 1];
	char arrival_date[ARF_FIELD_MAX + 1];
	char delivery_result[ARF_FIELD_MAX + 1];
	char message_id[ARF_FIELD_MAX + 1]; /* of the original message */
};

/* Parses the message/feedback-report part (feedback, flen bytes) and
 * the original message's headers (headers, hlen bytes; may be NULL)
 * into *out. RFC 5965 3.1: Feedback-Type is required; a report without
 * it, a Source-IP that is no address, or more than 64 KiB of fields is
 * refused (STATUS_PARSE or STATUS_LIMIT, "NAME: reason"). Missing
 * details are taken from the original headers: the From address,
 * DKIM-Signature d= and s=, the Reported-Domain from the From's domain,
 * the SPF domain from Original-Mail-From. */
enum status arf_parse(const char *feedback, size_t flen, const char *headers,
		      size_t hlen, const char *name, struct arf_report *out,
		      struct err *err);

#endif
