/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The cache resolver: answers from stored answers, remembers misses. */
#include "config.h"

#include "dns/dns_cache.h"

#include <stdlib.h>
#include <string.h>

#include "dns/dns_private.h"
#include "util/text.h"
#include "util/xalloc.h"

struct cache {
	struct dns_answer **answers; /* stored copies */
	size_t nanswers, capanswers;
	struct dns_question *misses; /* since the last take */
	size_t nmisses, capmisses;
};

/* The stored answer to a question, or NULL. */
static const struct dns_answer *cache_find(const struct cache *c,
					   const char *name, enum dns_type type)
{
	for (size_t i = 0; i < c->nanswers; i++)
		if (c->answers[i]->qtype == type &&
		    strcmp(c->answers[i]->qname, name) == 0)
			return c->answers[i];
	return NULL;
}

/* Remembers a question the cache could not answer, once. */
static void cache_miss(struct cache *c, const char *name, enum dns_type type)
{
	for (size_t i = 0; i < c->nmisses; i++)
		if (c->misses[i].type == type &&
		    strcmp(c->misses[i].name, name) == 0)
			return;
	c->misses =
	    xgrow(c->misses, &c->capmisses, c->nmisses + 1, sizeof *c->misses);
	c->misses[c->nmisses].name = xstrdup(name);
	c->misses[c->nmisses].type = type;
	c->nmisses++;
}

/* Answers from the store, or with a timeout that is remembered; always
 * from the next dns_process(), never inside dns_query(). */
static void cache_query(struct dns *dns, struct dns_request *req)
{
	struct cache *c = dns->impl;
	const struct dns_answer *hit = cache_find(c, req->name, req->type);
	struct dns_answer *a;

	if (hit) {
		dns_request_defer(req, dns_answer_dup(hit));
		return;
	}
	cache_miss(c, req->name, req->type);
	a = dns_answer_new(req, DNS_TIMEOUT);
	a->server = xstrdup("cache");
	a->error = xstrdup("not fetched yet");
	dns_request_defer(req, a);
}

/* Frees the store. */
static void cache_free(struct dns *dns)
{
	struct cache *c = dns->impl;

	for (size_t i = 0; i < c->nanswers; i++)
		dns_answer_free(c->answers[i]);
	free(c->answers);
	dns_questions_free(c->misses, c->nmisses);
	free(c);
}

static const struct dns_backend_ops cache_ops = {
	.query = cache_query,
	.free = cache_free,
	.offline = true,
};

/* Creates an empty cache. */
struct dns *dns_new_cache(void)
{
	return dns_new_backend(&cache_ops, xcalloc(1, sizeof(struct cache)));
}

/* Stores a copy of an answer, replacing an older one. */
void dns_cache_put(struct dns *cache, const struct dns_answer *answer)
{
	struct cache *c = cache->impl;
	char *name = text_domain_normalize(answer->qname);
	struct dns_answer *copy = dns_answer_dup(answer);

	free(copy->qname);
	copy->qname = name;
	for (size_t i = 0; i < c->nanswers; i++) {
		if (c->answers[i]->qtype == copy->qtype &&
		    strcmp(c->answers[i]->qname, copy->qname) == 0) {
			dns_answer_free(c->answers[i]);
			c->answers[i] = copy;
			return;
		}
	}
	c->answers = xgrow(c->answers, &c->capanswers, c->nanswers + 1,
			   sizeof *c->answers);
	c->answers[c->nanswers++] = copy;
}

/* Hands the misses over. */
size_t dns_cache_take_misses(struct dns *cache, struct dns_question **out)
{
	struct cache *c = cache->impl;
	size_t n = c->nmisses;

	*out = c->misses;
	c->misses = NULL;
	c->nmisses = c->capmisses = 0;
	return n;
}

/* Frees questions. */
void dns_questions_free(struct dns_question *questions, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(questions[i].name);
	free(questions);
}
