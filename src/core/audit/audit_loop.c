/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Drives audits to their end on one poll loop: audit_run() for one
 * domain, and a batch of domains audited a window at a time on one
 * resolver, fetcher and DNSSEC probe. */
#include "config.h"

#include "audit/audit.h"
#include "audit/audit_private.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/dnssec.h"
#include "audit/https.h"
#include "dns/dns.h"
#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Milliseconds on the monotonic clock. */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The most sockets one turn of the loop waits on: each audit in flight
 * has a few (its name servers, an HTTPS fetch) beside the resolver's. */
#define AUDIT_LOOP_FDS 2048

/* What one audit loop drives: the resolver, the fetcher (may be NULL)
 * and the DNSSEC probe (may be NULL). */
struct audit_loop {
	struct dns *dns;
	struct https *https;
	struct dnssec_probe *dnssec;
};

/* One turn of the audit's loop: one poll() over the resolver's, the
 * fetcher's and the DNSSEC probe's sockets, sleeping at most until end
 * (monotonic ms), then whatever is due. Returns false when poll()
 * itself failed (errno). */
static bool loop_turn(const struct audit_loop *l, struct pollfd *fds,
		      int64_t end)
{
	size_t nd = dns_pollfds(l->dns, fds, AUDIT_LOOP_FDS);
	size_t nh = https_pollfds(l->https, fds + nd, AUDIT_LOOP_FDS - nd);
	size_t ns =
	    dnssec_pollfds(l->dnssec, fds + nd + nh, AUDIT_LOOP_FDS - nd - nh);
	int waits[] = { dns_timeout_ms(l->dns), https_timeout_ms(l->https),
			dnssec_timeout_ms(l->dnssec) };
	int64_t left = end - now_ms();
	int timeout = -1;
	int n;

	for (size_t i = 0; i < sizeof waits / sizeof *waits; i++)
		if (waits[i] >= 0 && (timeout < 0 || waits[i] < timeout))
			timeout = waits[i];
	if (left < 0)
		left = 0;
	if (timeout < 0 || timeout > left)
		timeout = left > INT_MAX ? INT_MAX : (int)left;
	n = poll(fds, nd + nh + ns, timeout);
	if (n < 0 && errno != EINTR)
		return false;
	dns_process(l->dns, n > 0 ? fds : NULL, n > 0 ? nd : 0);
	https_process(l->https, n > 0 ? fds + nd : NULL, n > 0 ? nh : 0);
	dnssec_process(l->dnssec, n > 0 ? fds + nd + nh : NULL, n > 0 ? ns : 0);
	return true;
}

/* True when nothing on the loop waits for anything. */
static bool loop_idle(const struct audit_loop *l)
{
	return dns_pending(l->dns) == 0 && https_pending(l->https) == 0 &&
	       dnssec_pending(l->dnssec) == 0;
}

/* Ends everything outstanding on the loop. */
static void loop_cancel(const struct audit_loop *l)
{
	dnssec_cancel_all(l->dnssec);
	https_cancel_all(l->https);
	dns_cancel_all(l->dns);
}

/* Runs one audit to the end. */
struct audit *audit_run(struct dns *dns, const struct orgdomain *od,
			const char *domain, const struct audit_options *o)
{
	const char *why = NULL;
	struct https *https = https_new(&why);
	struct audit_run_state *st = audit_start(dns, https, od, domain, o);
	struct pollfd *fds = xcalloc(AUDIT_LOOP_FDS, sizeof *fds);
	struct audit_loop loop = { dns, https, o ? o->dnssec : NULL };
	struct audit *a;

	if (st->a->status != STATUS_OK)
		loop_cancel(&loop);
	while (!audit_done(st)) {
		if (loop_idle(&loop)) {
			/* The audit waits on nothing: end rather than
			 * hang. */
			loop_cancel(&loop);
			break;
		}
		if (!loop_turn(&loop, fds, INT64_MAX)) {
			st->a->status = STATUS_IO;
			st->a->error =
			    xstrdup(_("the resolver's poll loop failed"));
			loop_cancel(&loop);
		}
	}
	a = audit_finish(st);
	free(fds);
	https_free(https);
	return a;
}

/* One domain of a batch. */
struct batch_item {
	char *domain;
	const struct audit_options *o;
	struct audit_run_state *run; /* while in flight */
	struct audit *a;             /* once finished */
};

struct audit_batch {
	struct dns *dns;
	struct https *https;         /* NULL when libcurl could not start */
	struct dnssec_probe *dnssec; /* the options', when they have one */
	const struct orgdomain *od;
	struct batch_item *items;
	size_t count;
	size_t window;
};

/* A new batch on one resolver. */
struct audit_batch *audit_batch_new(struct dns *dns, const struct orgdomain *od,
				    size_t window)
{
	struct audit_batch *b = xcalloc(1, sizeof *b);
	const char *why;

	b->dns = dns;
	b->https = https_new(&why);
	b->od = od;
	b->window = window ? window : AUDIT_BATCH_WINDOW;
	return b;
}

/* Adds a domain. */
void audit_batch_add(struct audit_batch *b, const char *domain,
		     const struct audit_options *o)
{
	struct batch_item *it;

	b->items = xrealloc(b->items, (b->count + 1) * sizeof *b->items);
	it = &b->items[b->count++];
	memset(it, 0, sizeof *it);
	it->domain = xstrdup(domain);
	it->o = o;
	if (o && o->dnssec)
		b->dnssec = o->dnssec;
}

/* Finishes the audits whose queries are all answered and starts the next
 * ones while the window has room; returns how many are in flight. */
static size_t batch_step(struct audit_batch *b, size_t *next, bool start)
{
	size_t flying = 0;

	for (size_t i = 0; i < *next; i++) {
		struct batch_item *it = &b->items[i];

		if (it->run && audit_done(it->run)) {
			it->a = audit_finish(it->run);
			it->run = NULL;
		}
		flying += it->run != NULL;
	}
	while (start && *next < b->count && flying < b->window) {
		struct batch_item *it = &b->items[(*next)++];

		it->run =
		    audit_start(b->dns, b->https, b->od, it->domain, it->o);
		flying++;
	}
	return flying;
}

/* Runs the batch. */
enum status audit_batch_run(struct audit_batch *b, double deadline,
			    struct err *err)
{
	int64_t end =
	    deadline > 0 ? now_ms() + (int64_t)(deadline * 1000) : INT64_MAX;
	struct pollfd *fds = xcalloc(AUDIT_LOOP_FDS, sizeof *fds);
	enum status st = STATUS_OK;
	bool expired = false;
	size_t next = 0;
	struct audit_loop loop = { b->dns, b->https, b->dnssec };

	while (batch_step(b, &next, !expired) > 0) {
		if (expired && loop_idle(&loop)) {
			/* Cancelled, yet an audit still waits: nothing can
			 * answer it now, so it ends with what it has. */
			for (size_t i = 0; i < next; i++) {
				if (!b->items[i].run)
					continue;
				b->items[i].a = audit_finish(b->items[i].run);
				b->items[i].run = NULL;
			}
			break;
		}
		if (now_ms() >= end || loop_idle(&loop)) {
			/* The deadline (or, should the audits wait on
			 * nothing, a bug): what is outstanding ends as a
			 * failed query of its domain, and what has not
			 * started is not checked. */
			expired = true;
			loop_cancel(&loop);
			continue;
		}
		if (!loop_turn(&loop, fds, end)) {
			st = err_set(err, STATUS_IO, _("poll: %s"),
				     strerror(errno));
			expired = true;
			loop_cancel(&loop);
		}
	}
	for (size_t i = next; i < b->count; i++) {
		struct audit *a = xcalloc(1, sizeof *a);

		a->domain = text_domain_normalize(b->items[i].domain);
		a->status = STATUS_DNS;
		a->error = xasprintf(_("%s: not checked, the deadline of "
				       "%g seconds passed"),
				     a->domain, deadline);
		b->items[i].a = a;
	}
	free(fds);
	return st;
}

/* The number of domains. */
size_t audit_batch_count(const struct audit_batch *b)
{
	return b->count;
}

/* The audit of domain i. */
const struct audit *audit_batch_get(const struct audit_batch *b, size_t i)
{
	return b->items[i].a;
}

/* Frees the batch and its audits. */
void audit_batch_free(struct audit_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->count; i++) {
		free(b->items[i].domain);
		audit_free(b->items[i].a);
	}
	free(b->items);
	https_free(b->https);
	free(b);
}
