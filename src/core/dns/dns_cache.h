/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A resolver that answers from answers it was given (part of the dns
 * module). It lets an engine call that waits for DNS (dns_run inside)
 * run without blocking a caller's poll loop: run the call against the
 * cache, which answers every question it lacks at once with a timeout
 * and remembers it; fetch those questions through the real resolver in
 * the caller's loop and put the answers in; run the call again. When a
 * run asks nothing the cache lacks, its result is exactly what the call
 * would have computed waiting on the real resolver. */
#ifndef DMARCPILOT_DNS_CACHE_H
#define DMARCPILOT_DNS_CACHE_H

#include <stddef.h>

#include "dns/dns.h"

/* A question: lower case, no final dot, as dns_query() normalises it. */
struct dns_question {
	char *name;
	enum dns_type type;
};

/* An empty cache resolver; offline (it never asks a server), freed with
 * dns_free(). Questions it has no answer for are answered DNS_TIMEOUT
 * with the error "not fetched yet" (server "cache") and remembered. */
struct dns *dns_new_cache(void);

/* Keeps a copy of an answer for the question (answer->qname,
 * answer->qtype); a later answer to the same question replaces it. */
void dns_cache_put(struct dns *cache, const struct dns_answer *answer);

/* The questions asked since the last call that the cache had no answer
 * for, each once, in the order first asked; the caller frees them with
 * dns_questions_free(). Returns the count (0 with *out NULL). */
size_t dns_cache_take_misses(struct dns *cache, struct dns_question **out);

void dns_questions_free(struct dns_question *questions, size_t count);

#endif
