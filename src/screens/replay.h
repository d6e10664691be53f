/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Light synchronous engine calls that ask DNS (the SPF step's target,
 * the test step's message check), run without blocking the shell's
 * poll loop (the plan, the report analysis and the export preview,
 * which read the database at length, run on a worker instead,
 * app/worker.h): the call runs against a cache resolver
 * (core/dns_cache.h); what it asked and the cache lacked goes out
 * through the shell's resolver; when every answer is in, the call runs
 * again; when a run asks nothing new, its result is the one a blocking
 * call would have given and the replay is done. Every run is CPU work
 * only; the waiting happens in the loop, with the spinner turning and
 * keys answered. Offline (the table of --zone and the demo) or without a
 * resolver the call runs once, at once. */
#ifndef DMARCPILOT_REPLAY_H
#define DMARCPILOT_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "dns/dns.h"

struct app;
struct replay;

/* Runs the engine call on dns (NULL when there is no resolver), putting
 * its result where arg says and freeing the result of an earlier run
 * first: each run replaces the last. */
typedef void (*replay_fn)(void *arg, struct dns *dns);

/* Starts a replay of run(arg, ...). The first run happens in here unless
 * hints (TXT names the call is known to ask, may be NULL) are fetched
 * first. Free with replay_free(). */
struct replay *replay_start(struct app *app, replay_fn run, void *arg,
			    const char *const *hints, size_t nhints);

/* True once the last run's result stands. */
bool replay_done(const struct replay *r);

/* Abandons or frees a replay: run is never called again, and answers
 * still outstanding are dropped when they come (or are cancelled). */
void replay_free(struct replay *r);

#endif
