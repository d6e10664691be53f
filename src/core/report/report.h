/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DMARC aggregate reports (RFC 7489 appendix C without a namespace, RFC
 * 9990 in urn:ietf:params:xml:ns:dmarc-2.0), parsed with the libxml2
 * streaming reader: each <record> goes to a callback as soon as it is
 * complete, so memory does not grow with the report's size.
 *
 * The input is hostile: no network, no DTD (a document that has one is
 * refused), no entity substitution, every string length-limited, counts
 * checked, addresses validated. Values are kept as the reporter wrote
 * them except that results, dispositions and domains are lower-cased
 * (real reporters write "Pass" and "PASS"). */
#ifndef DMARCPILOT_REPORT_H
#define DMARCPILOT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/ip.h"
#include "util/status.h"

/* Longest string field kept from a report (bytes, without the NUL); a
 * longer value makes the report STATUS_LIMIT. */
#define REPORT_FIELD_MAX 255

/* Most text one element may hold before white space around it is
 * trimmed (leading zeros of a number count too); more makes the report
 * STATUS_LIMIT rather than cut the value before it is checked. */
#define REPORT_TEXT_MAX 4096

/* The dates a report's <date_range> may give (the epoch up to
 * 2100-01-01, in seconds; the RFC 9990 sample is dated 1979); others
 * are refused, as a report from 2^63 s would never be shown. */
#define REPORT_DATE_MIN 0LL
#define REPORT_DATE_MAX 4102444800LL

/* Authentication results kept per record, and policy override reasons;
 * more make the report STATUS_LIMIT. */
#define REPORT_AUTH_MAX 32
#define REPORT_REASON_MAX 16

/* Attributes one element may carry (a report's elements have none but
 * namespace declarations and a schema location); more make the report
 * STATUS_LIMIT before libxml2 parses the tag. */
#define REPORT_ATTR_MAX 32

/* Unknown elements a <feedback> may sit inside (a reporter's wrapper);
 * deeper, the document is not a report. */
#define REPORT_WRAP_MAX 4

enum report_format {
	REPORT_FORMAT_RFC7489, /* no namespace (or the dmarc.org draft one) */
	REPORT_FORMAT_RFC9990, /* urn:ietf:params:xml:ns:dmarc-2.0 */
};

/* report_metadata and policy_published. Empty string: absent. */
struct report_meta {
	enum report_format format;
	/* RFC 7489 C: org_name is required; an empty one (seen in the
	 * wild) is replaced by the domain of <email>. */
	char org_name[REPORT_FIELD_MAX + 1];
	char email[REPORT_FIELD_MAX + 1];
	char report_id[REPORT_FIELD_MAX + 1];
	int64_t date_begin; /* UNIX seconds, >= 0 */
	int64_t date_end;
	char domain[REPORT_FIELD_MAX + 1]; /* policy_published, lower case */
	char adkim[REPORT_FIELD_MAX + 1];
	char aspf[REPORT_FIELD_MAX + 1];
	char p[REPORT_FIELD_MAX + 1];
	char sp[REPORT_FIELD_MAX + 1];
	char np[REPORT_FIELD_MAX + 1];      /* RFC 9990 */
	char testing[REPORT_FIELD_MAX + 1]; /* RFC 9990: "y" or "n" */
	int pct;                            /* 0..100, -1 when absent */
	/* The fields, comma-separated, where invalid UTF-8 was replaced
	 * by U+FFFD to import the report; empty when none. Complete once
	 * the report has been read (rows may add to it). */
	char repaired[REPORT_FIELD_MAX + 1];
	/* The <auth_results> entries left out of their rows because a
	 * domain, selector or result was not one (report_auth); counted
	 * like repaired, complete once the report has been read. */
	unsigned long dropped_auth;
};

/* One DKIM or SPF result of <auth_results>, lower-cased. Only checked
 * values are kept (an entry with any other is left out of its row):
 * the domain empty or a domain name, the selector (DKIM) empty or one
 * (RFC 6376 3.1), the result one of RFC 7489 appendix C's DKIM or SPF
 * results. None of them can then hold a space or a colon. */
struct report_auth {
	char domain[REPORT_FIELD_MAX + 1];
	char selector[REPORT_FIELD_MAX + 1]; /* DKIM only */
	char result[REPORT_FIELD_MAX + 1];
};

/* One <record>. */
struct report_row {
	char source_ip[IP_NET_BUFSIZE]; /* validated, canonical text */
	int64_t count;                  /* >= 0 */
	/* policy_evaluated: the DMARC-aligned results (RFC 7489 C). */
	char disposition[REPORT_FIELD_MAX + 1];
	char dkim[REPORT_FIELD_MAX + 1];
	char spf[REPORT_FIELD_MAX + 1];
	/* The override reasons' types joined with ",", e.g. "forwarded". */
	char reasons[REPORT_FIELD_MAX + 1];
	/* True when a reason's comment mentions ARC (RFC 8617). */
	bool arc;
	char header_from[REPORT_FIELD_MAX + 1];
	char envelope_from[REPORT_FIELD_MAX + 1];
	char envelope_to[REPORT_FIELD_MAX + 1];
	struct report_auth dkim_auth[REPORT_AUTH_MAX];
	size_t ndkim_auth;
	struct report_auth spf_auth[REPORT_AUTH_MAX];
	size_t nspf_auth;
};

/* What the parser hands out. meta is called once, before the first row
 * (or at the end when the report has no records); it may set *skip to
 * true to stop parsing there (a duplicate report) and make
 * report_parse() return STATUS_OK. row is called for every record. A
 * callback's non-OK status stops parsing and is returned. Both may be
 * NULL. The structures are only valid during the call. */
struct report_handler {
	enum status (*meta)(void *arg, const struct report_meta *meta,
			    bool *skip, struct err *err);
	enum status (*row)(void *arg, const struct report_meta *meta,
			   const struct report_row *row, struct err *err);
	void *arg;
};

/* Supplies input: fills at most len bytes, returns how many, 0 at the
 * end, -1 on error (with the reason in err). */
typedef ssize_t (*report_read_fn)(void *arg, char *buf, size_t len,
				  struct err *err);

/* Parses one aggregate report read through read(). name (a file name)
 * starts every error message. Returns STATUS_PARSE for malformed XML or
 * a document that is not a report, STATUS_REFUSED for a DTD or an
 * entity, STATUS_LIMIT for an over-long value, a count beyond 2^63-1 or
 * nesting deeper than the schema, or what read() or a callback gave. */
enum status report_parse(report_read_fn read, void *read_arg, const char *name,
			 const struct report_handler *h, struct err *err);

/* The same on a buffer in memory. */
enum status report_parse_memory(const char *data, size_t len, const char *name,
				const struct report_handler *h,
				struct err *err);

/* "rfc7489" or "rfc9990". Inline, so that callers which store reports
 * but never parse them (the program, whose report readers are a module
 * loaded on the first import) need no libxml2. */
static inline const char *report_format_name(enum report_format format)
{
	return format == REPORT_FORMAT_RFC9990 ? "rfc9990" : "rfc7489";
}

#endif
