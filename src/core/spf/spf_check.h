/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lookup accounting of a domain's SPF record without an IP address
 * (RFC 7208 4.6.4): the include/redirect tree with the cost of every
 * branch, the total of DNS-querying terms and void lookups, loops, and
 * the spf.* findings of DESIGN.md section 5 with what to do about each. */
#ifndef DMARCPILOT_SPF_CHECK_H
#define DMARCPILOT_SPF_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "dns/dns.h"
#include "util/finding.h"
#include "spf/spf.h"
#include "spf/spf_eval.h"
#include "util/status.h"

/* Octets above which a record risks not fitting a UDP answer (RFC 7208
 * 3.4 asks records to stay small; 450 is the usual margin). */
#define SPF_RECORD_MAX 450
/* Octets of one TXT character-string (RFC 1035 3.3.14). */
#define SPF_STRING_MAX 255
/* Includes deeper than this are not followed: the limit of 10 DNS terms
 * is passed long before. */
#define SPF_TREE_DEPTH_MAX 12

enum spf_node_state {
	SPF_NODE_OK,        /* a record was found and parsed */
	SPF_NODE_MISSING,   /* no SPF record (NXDOMAIN, NODATA or no v=spf1) */
	SPF_NODE_MULTIPLE,  /* more than one SPF record */
	SPF_NODE_SYNTAX,    /* the record does not parse */
	SPF_NODE_TEMPERROR, /* the TXT query failed */
	SPF_NODE_LOOP,      /* the domain is already an ancestor */
	SPF_NODE_TOO_DEEP,  /* not followed: deeper than SPF_TREE_DEPTH_MAX */
	SPF_NODE_MACRO,     /* the target has macros: depends on the sender */
};

/* One record of the tree. */
struct spf_node {
	char *domain;  /* whose record */
	char *via;     /* the parent's term that led here
			     ("include:_spf.google.com"), NULL at the root */
	bool redirect; /* reached by redirect= */
	enum spf_node_state state;
	char *record;        /* the SPF record (cleaned), or NULL */
	char *error;         /* what went wrong (translated), or NULL */
	size_t terms;        /* a, mx, ptr, exists in this record */
	size_t cost;         /* the DNS-querying terms this branch causes: 1 for
			     the term that leads here (0 at the root), its
			     own terms and its children's costs */
	size_t void_lookups; /* void lookups of this record's own terms */
	struct spf_node **children;
	size_t nchildren;
	struct spf_node *parent;
};

struct spf_check {
	char *domain;
	struct spf_node *root;
	size_t lookups;      /* all DNS-querying terms of the tree */
	size_t void_lookups; /* void lookups of all a/mx/exists terms */
	struct findings findings;
	bool dns_failed; /* the root's own TXT query failed */
	char *dns_error; /* then: the query and the resolver's answer */
};

typedef void (*spf_check_callback)(void *arg, struct spf_check *check);

struct spf_check_run;

/* Starts the accounting of domain's record. Every query of a record's
 * terms goes out at once, as soon as the record arrives. cb runs when
 * the tree is complete, from dns_process()/dns_run(); the check belongs
 * to cb, which frees it with spf_check_free(). */
struct spf_check_run *spf_check_start(struct dns *dns, const char *domain,
				      spf_check_callback cb, void *arg);

/* Abandons a run that has not called cb yet, or frees a finished one. */
void spf_check_run_free(struct spf_check_run *run);

/* Runs the accounting and waits. STATUS_IO if the resolver loop fails.
 * The caller frees *out with spf_check_free(). */
enum status spf_check_sync(struct dns *dns, const char *domain,
			   struct spf_check **out, struct err *err);

void spf_check_free(struct spf_check *check);

/* The root's child whose branch costs the most, or NULL. */
const struct spf_node *spf_check_costliest(const struct spf_check *check);

/* The tree as JSON: {domain, via, state, record, cost, terms,
 * void_lookups, error, children}. The caller owns the reference. */
json_t *spf_node_to_json(const struct spf_node *node);

/* "ok", "missing", "multiple", "syntax", "temperror", "loop",
 * "too_deep", "macro". */
const char *spf_node_state_name(enum spf_node_state state);

/* Adds the findings about one record as published: spf.string_too_long
 * for a character-string over 255 octets and spf.record_too_long for
 * over 450 octets in all (for records fetched and records built). */
void spf_check_record_size(struct findings *findings, const char *name,
			   const struct dns_txt_string *strings, size_t count);

#endif
