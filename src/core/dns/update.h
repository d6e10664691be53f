/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Dynamic updates (RFC 2136) of TXT records, signed with TSIG (RFC
 * 8945): built, signed and read with ldns, sent over TCP to one server
 * (the zone's primary), the reply's signature checked. An update is
 * described as data (prerequisites, deletions, additions) so that the
 * same description is shown by --dry-run and sent. */
#ifndef DMARCPILOT_UPDATE_H
#define DMARCPILOT_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "dns/tsig.h"
#include "util/status.h"

enum dns_update_op {
	/* RFC 2136 2.4.2: the RR exists; all REQUIRE items of one name
	 * together are the whole TXT RRset it must be exactly. */
	DNS_UPDATE_REQUIRE,
	/* RFC 2136 2.4.3: no TXT RRset at the name. */
	DNS_UPDATE_ABSENT,
	/* RFC 2136 2.5.4: delete this one RR, no other. */
	DNS_UPDATE_DELETE,
	/* RFC 2136 2.5.1: add this RR with ttl. */
	DNS_UPDATE_ADD,
};

/* One line of an update: a TXT RR (or, for ABSENT, only its name). */
struct dns_update_item {
	enum dns_update_op op;
	char *name;                     /* owner, no final dot */
	uint32_t ttl;                   /* ADD only */
	struct dns_txt_string *strings; /* the RR's character-strings,
					   octets and lengths kept */
	size_t count;
};

struct dns_update {
	char *zone; /* the zone (RFC 2136 2.3), no final dot; NULL only
		       for a script that leaves it to nsupdate */
	struct dns_update_item *items;
	size_t count;
};

/* An empty update of zone (may be NULL, see above); free with
 * dns_update_done(). */
void dns_update_init(struct dns_update *u, const char *zone);

/* Appends an item; strings are copied (count 0 for ABSENT). */
void dns_update_add(struct dns_update *u, enum dns_update_op op,
		    const char *name, uint32_t ttl,
		    const struct dns_txt_string *strings, size_t count);

/* The same with one value split into strings of at most 255 octets
 * (RFC 1035 3.3.14) by the caller: strings are C strings. */
void dns_update_add_text(struct dns_update *u, enum dns_update_op op,
			 const char *name, uint32_t ttl, char *const *strings,
			 size_t count);

void dns_update_done(struct dns_update *u);

/* How many DELETE and ADD items it has. */
size_t dns_update_changes(const struct dns_update *u);

/* The update as nsupdate(1) would read it ("server", "zone",
 * "prereq yxrrset ...", "update delete ...", "update add ...",
 * "send"); server and key_name may be NULL. Values are quoted with
 * every unprintable octet escaped. Never holds a secret. Caller
 * frees. */
char *dns_update_format(const struct dns_update *u, const char *server,
			const char *key_name);

/* Sends u, signed with key, to server ("ADDR:PORT", "[V6]:PORT") over
 * TCP and reads the reply within timeout seconds (0: 10). STATUS_OK
 * when the server answered NOERROR with a signature that verifies.
 * Otherwise the error names the server and the reason: STATUS_DNS for
 * no connection, no reply in time or a broken reply; STATUS_REFUSED
 * for an error rcode (NOTAUTH with the TSIG error, REFUSED, NOTZONE,
 * SERVFAIL, ...) or an unsigned or badly signed NOERROR. *rcode (may
 * be NULL) is the reply's rcode, or -1 without a reply. */
enum status dns_update_send(const struct dns_update *u, const char *server,
			    const struct tsig_key *key, double timeout,
			    int *rcode, struct err *err);

/* True when updates can be signed with algorithm (a key's, as
 * "hmac-sha256."): the ldns in use signs with it. */
bool dns_update_can_sign(const char *algorithm);

/* The rcodes of RFC 2136 2.2 the caller tells apart. */
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5
#define DNS_RCODE_YXDOMAIN 6
#define DNS_RCODE_YXRRSET 7
#define DNS_RCODE_NXRRSET 8
#define DNS_RCODE_NOTAUTH 9
#define DNS_RCODE_NOTZONE 10

/* True for the rcodes of a prerequisite that failed (RFC 2136 3.2.1). */
/* clang-format off */
#define DNS_RCODE_PREREQ(r)                                        \
	((r) == DNS_RCODE_NXDOMAIN || (r) == DNS_RCODE_YXDOMAIN || \
	 (r) == DNS_RCODE_YXRRSET || (r) == DNS_RCODE_NXRRSET)
/* clang-format on */

#endif
