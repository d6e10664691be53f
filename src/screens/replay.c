/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Engine calls replayed against a cache while the loop fetches DNS. */
#include "config.h"

#include "screens/replay.h"

#include <stdlib.h>

#include "dns/dns_cache.h"
#include "util/xalloc.h"
#include "screens/tui.h"

/* The most runs of one call: each run reaches one step further down a
 * dependency chain (PTR then A; an SPF record then its includes, ten
 * deep at most by RFC 7208 4.6.4), so this is never reached by a call
 * that terminates; past it the last run stands, its misses as
 * timeouts. */
#define REPLAY_RUNS_MAX 32

struct replay {
	struct dns *live;   /* the shell's resolver */
	struct dns *cache;
	replay_fn run;
	void *arg;
	size_t outstanding; /* live queries not yet answered */
	int runs;
	bool done;
	bool abandoned;     /* freed by its owner: drop what comes */
};

static void replay_pass(struct replay *r);

/* Keeps a live answer; the last one of a round starts the next run. */
static void replay_answered(void *arg, const struct dns_answer *answer)
{
	struct replay *r = arg;

	r->outstanding--;
	if (r->abandoned) {
		if (r->outstanding == 0) {
			dns_free(r->cache);
			free(r);
		}
		return;
	}
	dns_cache_put(r->cache, answer);
	if (r->outstanding == 0)
		replay_pass(r);
}

/* Runs the call on the cache and sends out what it missed, or ends. */
static void replay_pass(struct replay *r)
{
	struct dns_question *misses = NULL;
	size_t n;

	r->run(r->arg, r->cache);
	r->runs++;
	n = dns_cache_take_misses(r->cache, &misses);
	if (n == 0 || r->runs >= REPLAY_RUNS_MAX) {
		r->done = true;
		dns_questions_free(misses, n);
		return;
	}
	r->outstanding = n;
	for (size_t i = 0; i < n; i++)
		dns_query(r->live, misses[i].name, misses[i].type,
			  replay_answered, r);
	dns_questions_free(misses, n);
}

/* Starts a replay. */
struct replay *replay_start(struct app *app, replay_fn run, void *arg,
			    const char *const *hints, size_t nhints)
{
	struct replay *r = xcalloc(1, sizeof *r);
	struct dns *dns = tui_dns(app);

	r->run = run;
	r->arg = arg;
	if (!dns || dns_is_offline(dns)) {
		/* The table answers at once: no need to go round. */
		run(arg, dns);
		r->runs = 1;
		r->done = true;
		return r;
	}
	r->live = dns;
	r->cache = dns_new_cache();
	if (nhints == 0) {
		replay_pass(r);
		return r;
	}
	r->outstanding = nhints;
	for (size_t i = 0; i < nhints; i++)
		dns_query(dns, hints[i], DNS_T_TXT, replay_answered, r);
	return r;
}

/* Whether the result stands. */
bool replay_done(const struct replay *r)
{
	return r && r->done;
}

/* Frees now, or once the outstanding answers have come. */
void replay_free(struct replay *r)
{
	if (!r)
		return;
	if (r->outstanding > 0) {
		r->abandoned = true;
		return;
	}
	dns_free(r->cache);
	free(r);
}
