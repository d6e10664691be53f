/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rollout's step (app/step.h). */
#include "config.h"

#include "app/step.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dkim/dkim.h"
#include "spf/spf_build.h"
#include "store/state.h"
#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* Decides whether the step may be taken. */
enum app_step_gate app_step_gate(const struct rollout_plan *plan, bool force)
{
	if (plan->next.action == ROLLOUT_ACTION_NONE)
		return plan->phase >= ROLLOUT_ENFORCED ? APP_STEP_COMPLETE
						       : APP_STEP_NOT_READY;
	if (!plan->next.record && plan->next.action != ROLLOUT_ACTION_DKIM)
		return APP_STEP_NO_RECORD;
	if (!plan->ready && !force)
		return APP_STEP_NOT_READY;
	return APP_STEP_GO;
}

/* The port of the first address of an "ADDR[:PORT][,...]" list
 * ("[V6]:PORT" for IPv6), or 0 when it names none. */
static int resolver_port(const char *list)
{
	const char *end, *colon;
	char *stop;
	long port;

	if (!list)
		return 0;
	end = list + strcspn(list, ",");
	if (*list == '[') {
		const char *close = memchr(list, ']', (size_t)(end - list));

		colon = close && close + 1 < end && close[1] == ':' ? close + 1
								    : NULL;
	} else {
		colon = memchr(list, ':', (size_t)(end - list));
		/* A bare IPv6 address has several colons and no port. */
		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
			colon = NULL;
	}
	if (!colon)
		return 0;
	port = strtol(colon + 1, &stop, 10);
	return stop == end && port > 0 && port < 65536 ? (int)port : 0;
}

/* The propagation options of a step. */
void app_step_options(const struct session *s, const struct rollout_inputs *in,
		      const char *servers, struct propagate_options *o)
{
	memset(o, 0, sizeof *o);
	if (!servers && in)
		servers = in->settings.servers;
	o->servers = servers && *servers ? servers : NULL;
	o->timeout = s->opt.timeout;
	o->port = resolver_port(s->opt.resolver);
}

/* Keeps one result; tells the caller when it was the last. */
static void check_arrived(struct app_step_checks *c, size_t i,
			  struct propagate_result *result)
{
	c->results[i] = result;
	if (--c->pending == 0 && c->done)
		c->done(c->arg, c);
}

/* The callback argument of one check: the set and its index. */
struct check_slot {
	struct app_step_checks *checks;
	size_t index;
};

/* A propagation result arrived. */
static void check_done(void *arg, struct propagate_result *result)
{
	struct check_slot *slot = arg;
	struct app_step_checks *c = slot->checks;
	size_t i = slot->index;

	free(slot);
	check_arrived(c, i, result);
}

/* True if a TXT value is a DKIM key record with a key (RFC 6376
 * 3.6.1: an empty p= is a revoked key). */
static bool has_dkim_key(const char *value, size_t len)
{
	struct dkim_record r;
	bool ok;

	if (dkim_record_parse(value, len, &r, NULL, NULL) != STATUS_OK)
		return false;
	ok = !r.revoked;
	dkim_record_done(&r);
	return ok;
}

/* The answer about a provider's key: one "server", the resolver. */
static void provider_key_done(void *arg, const struct dns_answer *a)
{
	struct app_step_checks *c = arg;
	struct propagate_result *r = xcalloc(1, sizeof *r);
	struct propagate_server *s = xcalloc(1, sizeof *s);
	struct dns_txt_string *txt;
	size_t n = 0;
	bool found = false;

	r->name = xstrdup(a->qname ? a->qname : "");
	r->type = DNS_T_TXT;
	r->servers = s;
	r->count = 1;
	s->host = xstrdup(_("resolver"));
	s->result = a->result;
	if (a->result == DNS_TIMEOUT || a->result == DNS_SERVFAIL ||
	    a->result == DNS_ERROR) {
		s->state = PROPAGATE_UNREACHABLE;
		s->error =
		    xstrdup(a->error ? a->error : dns_result_name(a->result));
	} else {
		txt = dns_answer_txt_joined(a, &n);
		for (size_t i = 0; i < n; i++)
			found = found || has_dkim_key(txt[i].data, txt[i].len);
		dns_txt_joined_free(txt, n);
		s->state = found ? PROPAGATE_SERVES : PROPAGATE_DIFFERENT;
	}
	r->serving = found ? 1 : 0;
	check_arrived(c, 0, r);
}

/* Starts every check of the step at once. */
enum status
app_step_verify_start(struct dns *dns, const struct rollout_plan *plan,
		      const struct propagate_options *o,
		      void (*done)(void *arg, struct app_step_checks *checks),
		      void *arg, struct app_step_checks **out, struct err *err)
{
	struct app_step_checks *c = xcalloc(1, sizeof *c);
	enum status st = STATUS_OK;

	c->done = done;
	c->arg = arg;
	*out = c;
	if (!plan->next.record) {
		/* A key the provider publishes, often through a CNAME into
		 * its zone: its value is not known here. */
		c->count = c->pending = 1;
		c->results = xcalloc(1, sizeof *c->results);
		dns_query(dns, plan->next.name, DNS_T_TXT, provider_key_done,
			  c);
		return STATUS_OK;
	}
	c->count = 1 + plan->next.nparts;
	c->results = xcalloc(c->count, sizeof *c->results);
	c->pending = c->count;
	for (size_t k = 0; k < c->count; k++) {
		struct check_slot *slot = xmalloc(sizeof *slot);
		const char *name =
		    k ? plan->next.parts[k - 1].name : plan->next.name;
		const char *value =
		    k ? plan->next.parts[k - 1].value : plan->next.record;

		slot->checks = c;
		slot->index = k;
		if ((st = propagate_start(dns, name, DNS_T_TXT, value, o,
					  check_done, slot, err))) {
			free(slot);
			/* The checks already started still call back. */
			c->pending -= c->count - k;
			c->count = k;
			c->done = NULL;
			break;
		}
	}
	return st;
}

/* Frees the checks. */
void app_step_checks_free(struct app_step_checks *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->count; i++)
		if (c->results[i])
			propagate_result_free(c->results[i]);
	free(c->results);
	free(c);
}

/* All served everywhere. */
bool app_step_checks_live(const struct app_step_checks *c)
{
	if (!c || c->count == 0 || c->pending > 0)
		return false;
	for (size_t i = 0; i < c->count; i++) {
		const struct propagate_result *r = c->results[i];

		if (!r || r->error || r->count == 0 || r->serving != r->count)
			return false;
	}
	return true;
}

/* Who is recording, as "user@host", for the operator whose step comes
 * second. Caller frees. */
static char *operator_name(void)
{
	const struct passwd *pw = getpwuid(geteuid());
	char host[256] = "";

	if (gethostname(host, sizeof host - 1) != 0)
		host[0] = '\0';
	return xasprintf("%s@%s", pw ? pw->pw_name : "?",
			 host[0] ? host : "localhost");
}

/* Records the step in one transaction. */
enum status app_step_record(struct session *s, const struct rollout_inputs *in,
			    const struct rollout_plan *plan, date_t today,
			    struct err *err)
{
	const struct rollout_next *n = &plan->next;
	struct state_step step = { .verified = today, .lookups = -1 };
	struct store *store = session_store(s, err);
	struct state_cost *costs = NULL;
	size_t ncosts = 0;
	time_t now = time(NULL);
	char when[32], *who;
	struct tm tm;
	enum status st;

	if (!store)
		return err->status;
	switch (n->action) {
	case ROLLOUT_ACTION_SPF: {
		struct err merr = ERR_INIT;
		struct dns *dns = session_dns(s, NULL);
		int lookups = in->spf_lookups;

		/* What the live record costs now, per include, is the base
		 * of the lookup drift checks. */
		if (!dns || rollout_spf_measure(dns, plan->domain, &lookups,
						&costs, &ncosts, &merr))
			lookups = in->spf_lookups;
		err_done(&merr);
		step.kind = RUNG_SPF;
		step.rung = n->rung;
		step.record = n->record;
		step.lookups = lookups;
		step.costs = costs;
		step.ncosts = ncosts;
		/* The record and its ranges are now what the domain
		 * publishes: drift is measured against them. */
		step.replace_flattened = in->spf_flat != NULL;
		step.flattened = in->spf_flat;
		break;
	}
	case ROLLOUT_ACTION_DMARC:
		step.kind = RUNG_DMARC;
		step.rung = n->rung;
		step.record = n->record;
		break;
	case ROLLOUT_ACTION_DKIM:
		step.dkim_selector = n->selector;
		step.dkim_provider = n->provider;
		break;
	case ROLLOUT_ACTION_NONE:
		return STATUS_OK;
	}
	/* Another operator may have stepped while this one was being
	 * verified: the step holds only on the history it was planned
	 * from. */
	step.check_latest = true;
	for (size_t i = 0; i < in->nhistory; i++)
		if (in->history[i].id > step.latest_id)
			step.latest_id = in->history[i].id;
	who = operator_name();
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime_r(&now, &tm));
	step.recorded_by = who;
	step.recorded_at = when;
	st = state_step_record(store, plan->domain, &step, err);
	state_costs_free(costs, ncosts);
	free(who);
	return st;
}

/* Gate, verify and record, waiting on the resolver. */
enum status app_step_run(struct session *s, const struct rollout_inputs *in,
			 const struct rollout_plan *plan, date_t today,
			 const struct propagate_options *o, bool force,
			 struct app_step_result *r, struct err *err)
{
	struct dns *dns;
	enum status st;

	memset(r, 0, sizeof *r);
	r->gate = app_step_gate(plan, force);
	if (r->gate != APP_STEP_GO)
		return STATUS_OK;
	r->forced = !plan->ready;
	if (!(dns = session_dns(s, err)))
		return err->status;
	if ((st = app_step_verify_start(dns, plan, o, NULL, NULL, &r->checks,
					err)))
		return st;
	if (dns_run(dns) != STATUS_OK)
		return err_set(err, STATUS_IO,
			       _("the resolver's poll loop failed"));
	for (size_t k = 0; k < r->checks->count; k++) {
		const struct propagate_result *p = r->checks->results[k];

		if (p && (p->error || p->count == 0))
			return err_set(err, STATUS_DNS, "%s TXT: %s", p->name,
				       p->error ? p->error
						: _("no authoritative server "
						    "found"));
	}
	if (!app_step_checks_live(r->checks))
		return STATUS_OK;
	if ((st = app_step_record(s, in, plan, today, err)))
		return st;
	r->recorded = true;
	return STATUS_OK;
}

/* Frees the checks of a step. */
void app_step_result_done(struct app_step_result *r)
{
	app_step_checks_free(r->checks);
	memset(r, 0, sizeof *r);
}
