/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Propagation (DESIGN.md section 3): does every authoritative server of
 * a zone serve the record the operator just published? The zone's name
 * servers are found through the normal resolver (NS, walking up from the
 * name, then A and AAAA of each server), then each address is asked
 * directly, without recursion, on the same poll() loop as everything
 * else.
 *
 * With an offline resolver (the table of --zone and the demo) every
 * server found in the table's NS records answers from the table. */
#ifndef DMARCPILOT_PROPAGATE_H
#define DMARCPILOT_PROPAGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "util/status.h"

enum propagate_state {
	PROPAGATE_SERVES,      /* answers authoritatively with the value */
	PROPAGATE_DIFFERENT,   /* answers authoritatively, something else
				  (values; none when NODATA/NXDOMAIN) */
	PROPAGATE_UNREACHABLE, /* no usable answer: timeout, SERVFAIL,
				  REFUSED, not authoritative, no address */
};

/* One server address asked. */
struct propagate_server {
	char *host;    /* the NS host ("ns1.example.com"), or the address
			  when the servers were given explicitly */
	char *address; /* "192.0.2.53:53", "[2001:db8::53]:53", "table",
			  or NULL when the host has no address */
	enum propagate_state state;
	enum dns_result result; /* the answer kind it gave */
	int rcode;     /* the DNS rcode it answered with (RFC 1035 4.1.1) */
	char **values; /* PROPAGATE_DIFFERENT: what it serves instead (TXT
			  joined, other types as in a zone file), cleaned
			  of control characters; nvalues of them */
	size_t nvalues;
	char *error;     /* PROPAGATE_UNREACHABLE: why, for the operator */
	bool has_serial; /* type SOA and an SOA came back */
	uint32_t serial; /* then the zone serial it serves */
};

/* The outcome of one check; freed with propagate_result_free(). */
struct propagate_result {
	char *name; /* the record's owner, normalised */
	enum dns_type type;
	char *expected;
	char *zone; /* the zone whose NS were used, or NULL when the
			  servers were given explicitly */
	struct propagate_server *servers; /* sorted by host, address */
	size_t count;
	size_t serving; /* how many are PROPAGATE_SERVES */
	char *error;    /* set (count 0) when no server could be found: the
			  NS walk failed or found nothing */
};

struct propagate_options {
	/* "ADDR[:PORT][,...]": ask exactly these servers and skip the NS
	 * walk (tests, or an operator who knows the primaries). */
	const char *servers;
	/* The port to ask the addresses found through NS on; 0 means 53.
	 * For tests whose name servers listen elsewhere. */
	int port;
	/* Seconds to wait for each server (tries included); 0 means 3. */
	double timeout;
};

/* Receives the result; the callback owns it and frees it with
 * propagate_result_free(). */
typedef void (*propagate_callback)(void *arg, struct propagate_result *result);

/* Starts a check that name serves a record of type whose value is
 * expected: for TXT the RR's strings joined (RFC 7208 3.3), for other
 * types the zone-file form of dns_rr_data_to_string() (names compared
 * without case or final dot, addresses by value). With expected NULL
 * the check only collects: every authoritative answer counts as
 * PROPAGATE_SERVES and its values are kept (to compare SOA serials). dns is the normal
 * resolver; the check's queries run on its loop (dns_run, or the
 * caller's poll() over dns_pollfds()) and cb is called exactly once,
 * from there, never from inside propagate_start(). o may be NULL.
 * Returns STATUS_USAGE, without calling cb, when o->servers is not a
 * valid list. */
enum status propagate_start(struct dns *dns, const char *name,
			    enum dns_type type, const char *expected,
			    const struct propagate_options *o,
			    propagate_callback cb, void *arg, struct err *err);

/* The same, waiting for the result with dns_run(). On STATUS_OK *out
 * holds the result (which may carry its own error); the caller frees it
 * with propagate_result_free(). */
enum status propagate_check(struct dns *dns, const char *name,
			    enum dns_type type, const char *expected,
			    const struct propagate_options *o,
			    struct propagate_result **out, struct err *err);

/* A word for a state: "serves", "different", "unreachable". */
const char *propagate_state_name(enum propagate_state state);

void propagate_result_free(struct propagate_result *result);

#endif
