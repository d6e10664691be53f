/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the resolver front (dns.c) shares with its backends
 * (dns_table.c, dns_live.c). Not for use outside the dns module. */
#ifndef DMARCPILOT_DNS_PRIVATE_H
#define DMARCPILOT_DNS_PRIVATE_H

#include <ldns/ldns.h>
#include <stdio.h>

#include "dns/dns.h"

/* One outstanding question. */
struct dns_request {
	struct dns *dns;
	char *name; /* lower case, no final dot */
	enum dns_type type;
	dns_callback cb;
	void *arg;
	struct dns_request *next;  /* in the ready queue */
	struct dns_answer *answer; /* set while in the ready queue */
	/* Merging (dns.c): a request handed to the backend is in the
	 * table of questions in flight; the same question asked meanwhile
	 * waits on its list of followers and gets the same answer. */
	struct dns_request *followers, *next_follower;
	struct dns_request *next_asked; /* in the table's bucket */
	bool asked;                     /* in the table */
};

/* Buckets of the table of questions in flight. */
#define DNS_ASKED_BUCKETS 1024

struct dns_backend_ops {
	/* Starts req; the backend later calls dns_request_complete(). */
	void (*query)(struct dns *dns, struct dns_request *req);
	size_t (*pollfds)(struct dns *dns, struct pollfd *fds, size_t max);
	/* -1 when the backend waits for nothing. */
	int (*timeout_ms)(struct dns *dns);
	void (*process)(struct dns *dns, const struct pollfd *fds, size_t nfds);
	/* Completes every request the backend holds with DNS_ERROR. */
	void (*cancel_all)(struct dns *dns);
	void (*free)(struct dns *dns);
	/* The servers it asks, "ADDR:PORT, ..." (may be NULL: none). */
	const char *(*servers)(const struct dns *dns);
	/* Answers from loaded data, asking no server (the table). */
	bool offline;
};

struct dns {
	const struct dns_backend_ops *ops;
	void *impl;
	size_t pending; /* this resolver's own, children not counted */
	struct dns_request *ready_head, *ready_tail;
	struct dns *parent;    /* whose loop drives this one, or NULL */
	struct dns **children; /* driven by this one's loop (dns_attach) */
	size_t nchildren, children_cap;
	bool released;              /* the parent frees it once idle */
	struct dns_request **asked; /* questions in flight, by hash */
	size_t nasked_total;        /* questions handed to the backend */
	bool cancelling;            /* inside dns_cancel_all() */
};

/* A resolver around a backend. */
struct dns *dns_new_backend(const struct dns_backend_ops *ops, void *impl);

/* Delivers an answer now: runs the callback, then frees answer and req. */
void dns_request_complete(struct dns_request *req, struct dns_answer *answer);

/* Queues an answer for delivery from the next dns_process(), so that no
 * callback runs inside dns_query(). */
void dns_request_defer(struct dns_request *req, struct dns_answer *answer);

/* A new answer for req with the given result and no records. */
struct dns_answer *dns_answer_new(const struct dns_request *req,
				  enum dns_result result);

/* Appends a zeroed RR to an answer and returns it. */
struct dns_rr *dns_answer_add_rr(struct dns_answer *answer);

/* Deep-copies src into dst (dst uninitialised). */
void dns_rr_copy(struct dns_rr *dst, const struct dns_rr *src);

/* Frees what an RR owns (not the RR itself). */
void dns_rr_done(struct dns_rr *rr);

/* Converts an ldns RR of a type the engine uses into out (which the
 * caller releases with dns_rr_done()); false, with out left empty, for
 * other types and for RRs whose rdata is missing or malformed. */
bool dns_rr_from_ldns(struct dns_rr *out, const ldns_rr *rr);

/* A name (as asked: lower case, raw octets) in the presentation form
 * ldns gives owner names ("\\DDD" for octets that are not graphic
 * ASCII, "\\c" for ;()\\): the form both backends store and compare
 * owners in, and the form c-ares parses back into the raw octets.
 * Caller frees. */
char *dns_name_presentation(const char *name);

/* dns_table_load_zone() on an open stream (not closed here); path names
 * it in errors. For the fuzz target, which loads from memory. */
enum status dns_table_load_zone_fp(struct dns *dns, FILE *fp, const char *path,
				   const char *origin, struct err *err);

/* RFC 1034 3.6.2 leaves CNAME chains to the resolver; both backends stop
 * loops and long chains after this many hops. */
#define DNS_CNAME_CHAIN_MAX 8

/* Turns a raw DNS reply (wire format, RFC 1035 4.1) to the question
 * (qname, qtype) into an answer: the CNAME chain from qname and the RRs
 * of qtype at its end, the result from the rcode and the chain, the AA
 * bit. server (may be NULL) names who answered, for answer->server and
 * the error texts. Never fails: unparsable input gives DNS_ERROR. The
 * caller frees the answer with dns_answer_free(). */
struct dns_answer *dns_answer_from_wire(const char *qname, enum dns_type qtype,
					const uint8_t *wire, size_t len,
					const char *server);

#endif
