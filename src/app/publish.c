/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Signed dynamic updates of a rollout step (app/publish.h). */
#include "config.h"

#include "app/publish.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmarc/ladder.h"
#include "dns/propagate.h"
#include "dns/tsig.h"
#include "dns/update.h"
#include "export/zone.h"
#include "util/i18n.h"
#include "util/ip.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The pauses between propagation rounds, in milliseconds: the
 * secondaries take the change by zone transfer after the primary's
 * NOTIFY (RFC 1996), on their own time; they are asked again after a
 * pause that grows, never in a tight loop. */
#define PAUSE_FIRST_MS 100
#define PAUSE_MAX_MS 2000

/* The pause between propagation rounds: the front end's (a cancel
 * ends it at once), else a timed wait. False when the front end wants
 * the publish to stop. */
static bool round_pause(bool (*pause)(void *arg, int ms), void *arg, int ms)
{
	if (pause)
		return pause(arg, ms);
	poll(NULL, 0, ms);
	return true;
}

/* Seconds since start. */
static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* The rung the undo puts back: of the kind of the last step recorded,
 * the highest rung below it, the latest such entry (so that undoing
 * twice goes two rungs back). False when there is none. */
static bool undo_target(const struct rollout_inputs *in,
			const struct state_rung **out)
{
	const struct state_rung *last, *best = NULL;

	*out = NULL;
	if (in->nhistory == 0)
		return false;
	last = &in->history[in->nhistory - 1];
	for (size_t i = 0; i + 1 < in->nhistory; i++) {
		const struct state_rung *h = &in->history[i];

		if (h->kind != last->kind || h->rung >= last->rung)
			continue;
		if (!best || h->rung >= best->rung)
			best = h;
	}
	*out = best;
	return best != NULL;
}

/* The step that puts back rung h, as a plan whose next step it is
 * (borrowing plan's other fields; free only next.name and next.label
 * with undo_plan_done()). */
static void undo_plan(const struct rollout_inputs *in,
		      const struct rollout_plan *plan,
		      const struct state_rung *h, struct rollout_plan *out)
{
	*out = *plan;
	memset(&out->next, 0, sizeof out->next);
	out->ready = true;
	out->next.rung = h->rung;
	out->next.record = h->record;
	if (h->kind == RUNG_SPF) {
		out->next.action = ROLLOUT_ACTION_SPF;
		out->next.name = xstrdup(in->domain);
		out->next.label = xstrdup(h->rung ? "SPF -all" : "SPF ~all");
	} else {
		out->next.action = ROLLOUT_ACTION_DMARC;
		/* RFC 7489 6.1: the policy record is at _dmarc.DOMAIN. */
		out->next.name = xasprintf("_dmarc.%s", in->domain);
		out->next.label =
		    (size_t)h->rung < in->ladder.count
			? ladder_rung_label(&in->ladder.rungs[h->rung])
			: xstrdup(h->record);
	}
}

/* Frees what undo_plan() made. */
static void undo_plan_done(struct rollout_plan *p)
{
	free(p->next.name);
	free(p->next.label);
}

/* Finds the zone of name by its SOA (RFC 1035 6.1: the SOA at a zone's
 * apex), walking up a label at a time: *zone and the SOA MNAME, the
 * primary (RFC 1035 3.3.13). */
static enum status zone_find(struct dns *dns, const char *name, char **zone,
			     char **mname, struct err *err)
{
	const char *p = name;

	*zone = *mname = NULL;
	while (p && *p) {
		struct dns_answer *a = dns_query_sync(dns, p, DNS_T_SOA);

		if (a->result == DNS_TIMEOUT || a->result == DNS_SERVFAIL ||
		    a->result == DNS_ERROR) {
			enum status st = err_set(
			    err, STATUS_DNS, "%s SOA: %s", p,
			    a->error ? a->error : dns_result_name(a->result));

			dns_answer_free(a);
			return st;
		}
		for (size_t i = 0; i < a->count && !*zone; i++)
			if (a->rrs[i].type == DNS_T_SOA &&
			    text_ieq(a->rrs[i].name, p)) {
				*zone = text_domain_normalize(p);
				*mname = text_domain_normalize(
				    a->rrs[i].u.soa.mname);
			}
		dns_answer_free(a);
		if (*zone)
			return STATUS_OK;
		p = strchr(p, '.');
		if (p)
			p++;
	}
	return err_set(err, STATUS_DNS, _("%s: no zone (SOA) found above it"),
		       name);
}

/* The address to send to: host itself when it is an address, else its
 * first A, then AAAA record through the resolver; "ADDR:PORT". */
static enum status server_address(struct dns *dns, const char *host, int port,
				  char **out, struct err *err)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char text[INET6_ADDRSTRLEN];
	enum dns_type types[2] = { DNS_T_A, DNS_T_AAAA };

	*out = NULL;
	if (inet_pton(AF_INET, host, buf) == 1) {
		*out = xasprintf("%s:%d", host, port);
		return STATUS_OK;
	}
	if (inet_pton(AF_INET6, host, buf) == 1) {
		*out = xasprintf("[%s]:%d", host, port);
		return STATUS_OK;
	}
	for (int t = 0; t < 2 && !*out; t++) {
		struct dns_answer *a = dns_query_sync(dns, host, types[t]);

		for (size_t i = 0; i < a->count && !*out; i++) {
			if (a->rrs[i].type == DNS_T_A &&
			    inet_ntop(AF_INET, &a->rrs[i].u.a, text,
				      sizeof text))
				*out = xasprintf("%s:%d", text, port);
			else if (a->rrs[i].type == DNS_T_AAAA &&
				 inet_ntop(AF_INET6, &a->rrs[i].u.aaaa, text,
					   sizeof text))
				*out = xasprintf("[%s]:%d", text, port);
		}
		dns_answer_free(a);
	}
	if (!*out)
		return err_set(err, STATUS_DNS,
			       _("%s: the primary has no address"), host);
	return STATUS_OK;
}

/* What each changed name serves now, asked of dns (the primary
 * itself, without recursion, see primary_dns()), for the operator
 * whose update found the records changed. */
static void read_live(struct dns *dns, const struct zone_records *z,
		      struct app_publish_result *r)
{
	for (size_t i = 0; i < z->count; i++) {
		const struct zone_record *rec = &z->records[i];
		struct dns_answer *a;
		size_t found = 0;

		if (rec->foreign)
			continue;
		a = dns_query_sync(dns, rec->name, DNS_T_TXT);
		for (size_t k = 0; k < a->count; k++) {
			struct strbuf sb = STRBUF_INIT;

			if (a->rrs[k].type != DNS_T_TXT)
				continue;
			strbuf_addf(&sb, "%s TXT", rec->name);
			for (size_t j = 0; j < a->rrs[k].u.txt.count; j++) {
				strbuf_addch(&sb, ' ');
				text_txt_quote(&sb,
					       a->rrs[k].u.txt.strings[j].data,
					       a->rrs[k].u.txt.strings[j].len);
			}
			r->live =
			    xrealloc(r->live, (r->nlive + 1) * sizeof *r->live);
			r->live[r->nlive++] = strbuf_detach(&sb);
			found++;
		}
		if (found == 0) {
			r->live =
			    xrealloc(r->live, (r->nlive + 1) * sizeof *r->live);
			r->live[r->nlive++] =
			    xasprintf(_("%s: no TXT record"), rec->name);
		}
		dns_answer_free(a);
	}
}

/* A resolver that asks server ("ADDR:PORT", the primary) itself,
 * without recursion (RD=0, RFC 1035 4.1.1), so that what it says is
 * the zone as the primary holds it, TTLs whole, never a cache's. */
static enum status primary_resolver(const char *server, double timeout,
				    struct dns **out, struct err *err)
{
	struct dns_live_options lo = { .servers = server,
				       .timeout = timeout,
				       .no_recursion = true };

	return dns_new_live(out, &lo, err);
}

/* The resolver that says what the primary serves: *use is dns itself
 * when it is offline (zone files: their data are the zone, nothing is
 * cached), else a new one that asks server (*own, which the caller
 * frees with dns_free()). */
static enum status primary_dns(struct dns *dns, const char *server,
			       double timeout, struct dns **own,
			       struct dns **use, struct err *err)
{
	enum status st;

	*own = NULL;
	*use = dns;
	if (dns_is_offline(dns))
		return STATUS_OK;
	if ((st = primary_resolver(server, timeout, own, err)))
		return st;
	*use = *own;
	return STATUS_OK;
}

/* Replaces a failed query's message by one that names the primary
 * asked. */
static enum status primary_failed(const char *server, struct err *err)
{
	char *why = xstrdup(err_message(err));
	enum status st = err->status;

	err_done(err);
	st = err_set(err, st,
		     _("%s: the records it serves cannot be read: %s; "
		       "nothing sent"),
		     server, why);
	free(why);
	return st;
}

/* True when one TXT RR of a has the strings of rr, octets and lengths
 * alike. */
static bool txt_member(const struct dns_answer *a, const struct dns_rr *rr)
{
	for (size_t i = 0; a && i < a->count; i++) {
		const struct dns_rr *o = &a->rrs[i];
		bool same =
		    o->type == DNS_T_TXT && o->u.txt.count == rr->u.txt.count;

		for (size_t k = 0; same && k < rr->u.txt.count; k++)
			same = o->u.txt.strings[k].len ==
				   rr->u.txt.strings[k].len &&
			       memcmp(o->u.txt.strings[k].data,
				      rr->u.txt.strings[k].data,
				      rr->u.txt.strings[k].len) == 0;
		if (same)
			return true;
	}
	return false;
}

/* The number of TXT RRs of a (may be NULL). */
static size_t txt_count(const struct dns_answer *a)
{
	size_t n = 0;

	for (size_t i = 0; a && i < a->count; i++)
		n += a->rrs[i].type == DNS_T_TXT;
	return n;
}

/* True when a and b hold the same TXT RRs, TTLs aside (an RRset is a
 * set, RFC 2181 5). */
static bool txt_same(const struct dns_answer *a, const struct dns_answer *b)
{
	if (txt_count(a) != txt_count(b))
		return false;
	for (size_t i = 0; a && i < a->count; i++)
		if (a->rrs[i].type == DNS_T_TXT && !txt_member(b, &a->rrs[i]))
			return false;
	return true;
}

/* Reads the TXT RRset at name from the primary into *out (NULL when
 * it has none); false with *note set when it did not answer. */
static bool served_read(struct dns *primary, const char *server,
			const char *name, struct dns_answer **out, char **note)
{
	struct dns_answer *a = dns_query_sync(primary, name, DNS_T_TXT);

	*out = NULL;
	if (a->result == DNS_TIMEOUT || a->result == DNS_SERVFAIL ||
	    a->result == DNS_ERROR) {
		*note =
		    xasprintf(_("%s: %s TXT: %s"), server, name,
			      a->error ? a->error : dns_result_name(a->result));
		dns_answer_free(a);
		return false;
	}
	if (a->result == DNS_DATA && txt_count(a) > 0)
		*out = a;
	else
		dns_answer_free(a);
	return true;
}

/* Defined below. */
static enum status server_address(struct dns *dns, const char *host, int port,
				  char **out, struct err *err);
static enum status zone_find(struct dns *dns, const char *name, char **zone,
			     char **mname, struct err *err);

/* Reads what the primary serves for the plan. */
void app_publish_read_served(struct dns *dns, struct rollout_inputs *in)
{
	const struct state_settings *set = &in->settings;
	struct err err = ERR_INIT;
	struct dns *primary = NULL, *ask = NULL;
	char *zone = NULL, *mname = NULL, *host = NULL, *server = NULL;
	char *dmarc_name = NULL;
	int port = 0;

	if (!dns || !app_publish_configured(set))
		return;
	in->served_read = true;
	if (zone_find(dns, in->domain, &zone, &mname, &err))
		goto fail;
	if (set->publish_server &&
	    !ip_host_port(set->publish_server, &host, &port)) {
		err_set(&err, STATUS_USAGE,
			_("%s: not HOST[:PORT] (the port 1 to 65535)"),
			set->publish_server);
		goto fail;
	}
	if (!host)
		host = xstrdup(mname);
	if (port == 0)
		port = set->publish_port ? set->publish_port : 53;
	if (server_address(dns, host, port, &server, &err) ||
	    primary_dns(dns, server, 0, &primary, &ask, &err))
		goto fail;
	in->served_from = xstrdup(server);
	/* RFC 7489 6.1: the policy record lives at _dmarc.DOMAIN. */
	dmarc_name = xasprintf("_dmarc.%s", in->domain);
	if (served_read(ask, server, in->domain, &in->spf_served,
			&in->served_note))
		served_read(ask, server, dmarc_name, &in->dmarc_served,
			    &in->served_note);
	goto out;
fail:
	in->served_note = xstrdup(err_message(&err));
out:
	err_done(&err);
	dns_free(primary);
	free(dmarc_name);
	free(zone);
	free(mname);
	free(host);
	free(server);
}

/* The RRset the plan saw at a record's name, when it read one there:
 * *saw is it (NULL: none served then). False when the plan did not
 * read that name from the primary. */
static bool plan_saw(const struct rollout_inputs *in, const char *name,
		     const struct dns_answer **saw)
{
	char *dmarc_name;
	bool known = false;

	*saw = NULL;
	if (!in->served_read || in->served_note)
		return false;
	dmarc_name = xasprintf("_dmarc.%s", in->domain);
	if (text_ieq(name, in->domain)) {
		*saw = in->spf_served;
		known = true;
	} else if (text_ieq(name, dmarc_name)) {
		*saw = in->dmarc_served;
		known = true;
	}
	free(dmarc_name);
	return known;
}

/* The record of kind the plan's decision rests on: the last one of
 * that kind recorded, or NULL. */
static const char *history_record(const struct rollout_inputs *in,
				  enum rung_kind kind)
{
	const char *last = NULL;

	for (size_t i = 0; i < in->nhistory; i++)
		if (in->history[i].kind == kind)
			last = in->history[i].record;
	return last;
}

/* True when a TXT RR of rec->served of rec's kind (the SPF or the
 * DMARC record) is one the plan knew: the one it read live or the one
 * last recorded; or when none is served and the plan read none live.
 * Other records are not judged here (true). */
static bool plan_knew(const struct rollout_inputs *in,
		      const struct zone_record *rec)
{
	bool spf = rec->purpose == ZONE_SPF, any = false;
	const char *live, *recorded;
	struct dns_txt_string *txt;
	size_t n = 0;
	bool known = false;

	if ((rec->purpose != ZONE_SPF && rec->purpose != ZONE_DMARC) ||
	    !in->live_read || in->live_note)
		return true;
	live = spf ? in->spf_live : in->dmarc_live;
	recorded = history_record(in, spf ? RUNG_SPF : RUNG_DMARC);
	txt = rec->served ? dns_answer_txt_joined(rec->served, &n) : NULL;
	for (size_t i = 0; i < n && !known; i++) {
		const char *v = txt[i].data;
		size_t len = txt[i].len;
		bool kind = spf ? len >= 6 && text_ieqn(v, "v=spf1", 6) &&
				      (len == 6 || v[6] == ' ')
				: len >= 8 && text_ieqn(v, "v=DMARC1", 8);

		if (!kind)
			continue;
		any = true;
		known = (live && strlen(live) == len &&
			 memcmp(live, v, len) == 0) ||
			(recorded && strlen(recorded) == len &&
			 memcmp(recorded, v, len) == 0);
	}
	if (txt)
		dns_txt_joined_free(txt, n);
	return known || (!any && !live);
}

/* RFC 2136 2.4: the prerequisites are the values the plan was built
 * on. When the primary serves anything else at a name now (other than
 * the RRset the plan read from it at load, or an SPF or DMARC record
 * the plan neither read live nor recorded), nothing is sent: the error
 * names the server and the name, r->live what it serves now. */
static enum status plan_still_served(const struct rollout_inputs *in,
				     const struct zone_records *z,
				     struct dns *primary,
				     struct app_publish_result *r,
				     struct err *err)
{
	for (size_t i = 0; i < z->count; i++) {
		const struct zone_record *rec = &z->records[i];
		const struct dns_answer *saw;

		if (rec->foreign)
			continue;
		if (!plan_knew(in, rec)) {
			read_live(primary, z, r);
			return err_set(err, STATUS_REFUSED,
				       _("%s: %s TXT serves a record the plan "
					 "did not see; nothing sent (load "
					 "the plan again)"),
				       r->server, rec->name);
		}
		if (!plan_saw(in, rec->name, &saw) ||
		    txt_same(saw, rec->served))
			continue;
		read_live(primary, z, r);
		return err_set(err, STATUS_REFUSED,
			       _("%s: %s TXT changed since the plan read it "
				 "from %s; nothing sent (load the plan "
				 "again)"),
			       r->server, rec->name,
			       in->served_from ? in->served_from : "?");
	}
	return STATUS_OK;
}

/* Notes in r every record of z the update changes. */
static void changes_note(const struct zone_records *z,
			 struct app_publish_result *r)
{
	for (size_t i = 0; i < z->count; i++) {
		const struct zone_record *rec = &z->records[i];
		struct app_publish_change *c;

		if (!zone_record_changes(rec))
			continue;
		r->changed = xrealloc(r->changed,
				      (r->nchanged + 1) * sizeof *r->changed);
		c = &r->changed[r->nchanged++];
		memset(c, 0, sizeof *c);
		c->name = xstrdup(rec->name);
		c->value = xstrdup(rec->value);
		if (rec->old) {
			struct strbuf sb = STRBUF_INIT;

			for (size_t k = 0; k < rec->nold; k++)
				strbuf_addstr(&sb, rec->old[k]);
			c->old = strbuf_detach(&sb);
		}
		c->ttl = zone_record_ttl(z, rec);
	}
}

/* The wait for every server was cut short by the front end: the
 * update is in the zone, the last round says how far it came. */
static enum status wait_cut(const struct app_publish_result *r,
			    const char *domain, struct err *err)
{
	size_t serving = 0, count = 0;

	for (size_t k = 0; r->checks && k < r->checks->count; k++)
		if (r->checks->results[k]) {
			serving += r->checks->results[k]->serving;
			count += r->checks->results[k]->count;
		}
	return err_set(err, STATUS_CANCELLED,
		       _("%s: the update is in the zone, but the wait for "
			 "every server was cut short with %zu of %zu serving "
			 "it; nothing recorded (dmarcpilot publish %s waits "
			 "for them and records it, sending nothing again)"),
		       r->server ? r->server : "?", serving, count, domain);
}

/* Waits for every authoritative server to serve the step of p: rounds
 * of the step's own check, until all serve or the deadline passes. */
static enum status wait_live(struct dns *dns, const struct rollout_plan *p,
			     const struct propagate_options *po,
			     const struct app_publish_options *o,
			     struct app_publish_result *r, struct err *err)
{
	double deadline = o->deadline > 0 ? o->deadline : APP_PUBLISH_DEADLINE;
	int pause = PAUSE_FIRST_MS;
	struct timespec start;
	enum status st;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		app_step_checks_free(r->checks);
		r->checks = NULL;
		if ((st = app_step_verify_start(dns, p, po, NULL, NULL,
						&r->checks, err)))
			return st;
		if (dns_run(dns) != STATUS_OK)
			return err_set(err, STATUS_IO,
				       _("the resolver's poll loop failed"));
		r->waited = seconds_since(&start);
		if (app_step_checks_live(r->checks))
			return STATUS_OK;
		for (size_t k = 0; k < r->checks->count; k++) {
			const struct propagate_result *c =
			    r->checks->results[k];

			if (c && (c->error || c->count == 0))
				return err_set(err, STATUS_DNS, "%s TXT: %s",
					       c->name,
					       c->error ? c->error
							: _("no authoritative "
							    "server found"));
		}
		if (r->waited >= deadline)
			break;
		if (o->progress)
			o->progress(o->arg, r->checks, r->waited);
		/* Nothing to wait on: the secondaries pull the zone. */
		if (!round_pause(o->pause, o->arg, pause))
			return wait_cut(r, p->domain, err);
		pause = pause * 2 > PAUSE_MAX_MS ? PAUSE_MAX_MS : pause * 2;
	}
	for (size_t k = 0; k < r->checks->count; k++) {
		const struct propagate_result *c = r->checks->results[k];

		for (size_t i = 0; c && i < c->count; i++)
			if (c->servers[i].state != PROPAGATE_SERVES)
				return err_set(
				    err, STATUS_DNS,
				    _("%s (%s): timeout: it does not serve %s "
				      "after %.0f seconds; the update is in "
				      "the zone, nothing recorded (run "
				      "dmarcpilot step %s once it does)"),
				    c->servers[i].host,
				    c->servers[i].address
					? c->servers[i].address
					: "?",
				    c->name, r->waited, p->domain);
	}
	return err_set(err, STATUS_DNS, _("timeout after %.0f seconds"),
		       r->waited);
}

/* Finds where the domain's updates go and reads the key they are
 * signed with: server ("HOST[:PORT]", the option or the setting), else
 * the zone's SOA MNAME (RFC 2136 4: the primary master), on the
 * publish-port; r->zone, primary, server and key_name are filled, *key
 * (the caller frees) stays NULL without a key file, which only a dry
 * run may lack. */
static enum status primary_find(struct dns *dns,
				const struct state_settings *set,
				const char *domain, const char *server,
				const char *key_file, bool dry_run,
				struct app_publish_result *r,
				struct tsig_key **key, struct err *err)
{
	char *mname = NULL, *host = NULL;
	int port = 0;
	enum status st;

	*key = NULL;
	if ((st = zone_find(dns, domain, &r->zone, &mname, err)))
		goto out;
	if (server && !ip_host_port(server, &host, &port)) {
		st = err_set(err, STATUS_USAGE,
			     _("%s: not HOST[:PORT] (the port 1 to 65535)"),
			     server);
		goto out;
	}
	if (!host)
		host = xstrdup(mname);
	if (port == 0)
		port = set->publish_port ? set->publish_port : 53;
	r->primary = xstrdup(host);
	if ((st = server_address(dns, host, port, &r->server, err)))
		goto out;
	if (key_file) {
		if ((st = tsig_key_read(key_file, key, err)))
			goto out;
		if (!dns_update_can_sign((*key)->algorithm)) {
			st = err_set(err, STATUS_UNSUPPORTED,
				     _("%s: key %s: this build cannot sign "
				       "with %s; make a key with tsig-keygen "
				       "-a hmac-sha256"),
				     key_file, (*key)->name, (*key)->algorithm);
			goto out;
		}
		r->key_name = xstrdup((*key)->name);
	} else if (!dry_run) {
		st =
		    err_set(err, STATUS_USAGE,
			    _("%s: no TSIG key: give --key FILE or set it "
			      "with dmarcpilot domain set %s publish-key=FILE"),
			    domain, domain);
	}
out:
	free(mname);
	free(host);
	return st;
}

/* Shows u in r->update and, unless dry_run or it changes nothing,
 * sends it to r->server signed with key; after a prerequisite that
 * failed, r->live says what z's names serve now. */
static enum status update_send(struct dns *dns, const struct dns_update *u,
			       const struct zone_records *z,
			       const struct tsig_key *key, double timeout,
			       bool dry_run, struct app_publish_result *r,
			       struct err *err)
{
	int rcode = -1;
	enum status st;

	r->changes = dns_update_changes(u);
	r->update = dns_update_format(u, r->server, r->key_name);
	if (dry_run || r->changes == 0)
		return STATUS_OK;
	if ((st = dns_update_send(u, r->server, key, timeout, &rcode, err))) {
		if (DNS_RCODE_PREREQ(rcode))
			read_live(dns, z, r);
		return st;
	}
	r->sent = true;
	return STATUS_OK;
}

/* The front end stopped the publish before its update went out. */
static enum status not_sent(const struct app_publish_result *r, struct err *err)
{
	return err_set(err, STATUS_CANCELLED,
		       _("%s: cancelled before the update was sent; nothing "
			 "changed"),
		       r->server ? r->server : "?");
}

/* Publishes the step. */
enum status app_publish_run(struct session *s, const struct rollout_inputs *in,
			    const struct rollout_plan *plan, date_t today,
			    const struct app_publish_options *o,
			    struct app_publish_result *r, struct err *err)
{
	const struct state_settings *set = &in->settings;
	struct propagate_options po = { 0 };
	struct rollout_plan undo = { 0 };
	const struct rollout_plan *p = plan;
	const struct state_rung *back = NULL;
	struct zone_records z = { 0 };
	struct dns_update u = { 0 };
	struct tsig_key *key = NULL;
	struct dns *primary = NULL, *ask = NULL;
	const char *key_file = o->key_file ? o->key_file : set->publish_key;
	const char *server = o->server ? o->server : set->publish_server;
	struct dns *dns;
	enum status st = STATUS_OK;

	memset(r, 0, sizeof *r);
	if (!(dns = session_dns(s, err)))
		return err->status;
	if (o->undo) {
		if (!undo_target(in, &back))
			return err_set(err, STATUS_NOT_FOUND,
				       _("%s: no earlier rung to go back to"),
				       in->domain);
		undo_plan(in, plan, back, &undo);
		p = &undo;
		r->gate = APP_STEP_GO;
		zone_records_one(&z, in->domain,
				 back->kind == RUNG_SPF ? ZONE_SPF : ZONE_DMARC,
				 undo.next.name, back->record);
	} else {
		r->gate = app_step_gate(plan, o->force);
		if (r->gate != APP_STEP_GO)
			return STATUS_OK;
		if (!plan->next.record)
			return err_set(err, STATUS_UNSUPPORTED,
				       _("%s: %s publishes this key in its own "
					 "zone; nothing to send"),
				       plan->next.name,
				       plan->next.provider ? plan->next.provider
							   : "?");
		r->forced = !plan->ready;
		zone_collect(in, plan, o->force, session_orgdomain(s), &z);
	}
	r->label = xstrdup(p->next.label ? p->next.label : p->next.name);
	if ((st = primary_find(dns, set, in->domain, server, key_file,
			       o->dry_run, r, &key, err)))
		goto out;
	/* What the primary itself serves, never a cache's copy with its
	 * TTLs counted down; the prerequisites (RFC 2136 2.4) are the
	 * values the plan saw, which it must still serve. */
	if ((st = primary_dns(dns, r->server, o->timeout, &primary, &ask, err)))
		goto out;
	if ((st = zone_find_old(&z, ask, err))) {
		st = primary_failed(r->server, err);
		goto out;
	}
	if ((st = plan_still_served(in, &z, ask, r, err)))
		goto out;
	z.ttl = zone_soa_ttl(ask, r->zone);
	zone_update(&z, r->zone, &u);
	changes_note(&z, r);
	if (!o->dry_run && !round_pause(o->pause, o->arg, 0)) {
		st = not_sent(r, err);
		goto out;
	}
	if ((st = update_send(ask, &u, &z, key, o->timeout, o->dry_run, r,
			      err)) ||
	    o->dry_run)
		goto out;
	if (r->sent && o->accepted)
		o->accepted(o->arg, r->server);
	po.port = set->publish_port;
	po.timeout = o->timeout;
	if ((st = wait_live(dns, p, &po, o, r, err)))
		goto out;
	if ((st = app_step_record(s, in, p, today, err)))
		goto out;
	r->recorded = true;
out:
	dns_free(primary);
	tsig_key_free(key);
	dns_update_done(&u);
	zone_records_done(&z);
	if (p == &undo)
		undo_plan_done(&undo);
	return st;
}

/* True when the domain names where its updates go. */
bool app_publish_configured(const struct state_settings *set)
{
	return set->publish_server || set->publish_key;
}

/* True when every authoritative server of p serves value, or, for
 * value NULL, answers that the name holds no TXT record. */
static bool txt_live(const struct propagate_result *p, const char *value)
{
	if (!p || p->error || p->count == 0 || p->serving != p->count)
		return false;
	for (size_t i = 0; !value && i < p->count; i++)
		if (p->servers[i].nvalues > 0)
			return false;
	return true;
}

/* How many servers of p serve value, or, for value NULL, answer that
 * the name holds no TXT record. */
static size_t txt_done(const struct propagate_result *p, const char *value)
{
	size_t n = 0;

	for (size_t i = 0; i < p->count; i++)
		if (value ? p->servers[i].state == PROPAGATE_SERVES
			  : p->servers[i].nvalues == 0 &&
				p->servers[i].state != PROPAGATE_UNREACHABLE)
			n++;
	return n;
}

/* Waits until every authoritative server serves what txt_live() asks,
 * in rounds with a pause that grows, up to the deadline. */
static enum status txt_wait(struct dns *dns, const char *name,
			    const char *value,
			    const struct propagate_options *po, double deadline,
			    const struct app_publish_watch *watch,
			    struct app_publish_result *r, struct err *err)
{
	struct propagate_result *p = NULL;
	struct timespec start;
	int pause = PAUSE_FIRST_MS;
	enum status st;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		propagate_result_free(p);
		p = NULL;
		if ((st = propagate_check(dns, name, DNS_T_TXT, value, po, &p,
					  err)))
			return st;
		r->waited = seconds_since(&start);
		if (txt_live(p, value))
			break;
		if (p->error || p->count == 0) {
			st = err_set(err, STATUS_DNS, "%s TXT: %s", name,
				     p->error ? p->error
					      : _("no authoritative server "
						  "found"));
			break;
		}
		if (r->waited >= deadline) {
			st = err_set(err, STATUS_DNS,
				     _("%s: not every name server serves the "
				       "update after %.0f seconds; it is in "
				       "the zone, nothing recorded"),
				     name, r->waited);
			break;
		}
		if (watch && watch->progress)
			watch->progress(watch->arg, name, txt_done(p, value),
					p->count, r->waited);
		/* Nothing to wait on: the secondaries pull the zone. */
		if (!round_pause(watch ? watch->pause : NULL,
				 watch ? watch->arg : NULL, pause)) {
			st = err_set(err, STATUS_CANCELLED,
				     _("%s: the update is in the zone, but the "
				       "wait for every server was cut short "
				       "with %zu of %zu serving it; nothing "
				       "recorded"),
				     name, txt_done(p, value), p->count);
			break;
		}
		pause = pause * 2 > PAUSE_MAX_MS ? PAUSE_MAX_MS : pause * 2;
	}
	propagate_result_free(p);
	return st;
}

/* Adds an item of op for each TXT RR of a (may be NULL) at name. */
static void served_each(struct dns_update *u, enum dns_update_op op,
			const char *name, const struct dns_answer *a)
{
	for (size_t i = 0; a && i < a->count; i++)
		if (a->rrs[i].type == DNS_T_TXT)
			dns_update_add(u, op, name, 0, a->rrs[i].u.txt.strings,
				       a->rrs[i].u.txt.count);
}

/* Sends one TXT change and waits for it. */
enum status app_publish_txt(struct session *s, const struct state_settings *set,
			    const char *domain, const char *name,
			    const char *value,
			    const struct app_publish_txt_options *o,
			    struct app_publish_result *r, struct err *err)
{
	struct propagate_options po = { 0 };
	struct zone_records z = { 0 };
	struct dns_update u = { 0 };
	struct tsig_key *key = NULL;
	struct dns *primary = NULL, *ask = NULL;
	struct dns *dns;
	enum status st;

	memset(r, 0, sizeof *r);
	r->gate = APP_STEP_GO;
	if (!(dns = session_dns(s, err)))
		return err->status;
	r->label = xstrdup(name);
	if ((st = primary_find(dns, set, domain, set->publish_server,
			       set->publish_key, false, r, &key, err)))
		goto out;
	/* A DKIM record: every TXT at its name is the key (RFC 6376
	 * 3.6.1), so the one served is what a new value replaces. */
	zone_records_one(&z, domain, ZONE_DKIM, name, value ? value : "");
	if ((st = primary_dns(dns, r->server, o ? o->timeout : 0, &primary,
			      &ask, err)))
		goto out;
	if ((st = zone_find_old(&z, ask, err))) {
		st = primary_failed(r->server, err);
		goto out;
	}
	z.ttl = zone_soa_ttl(ask, r->zone);
	changes_note(&z, r);
	if (value) {
		zone_update(&z, r->zone, &u);
	} else {
		const struct dns_answer *a = z.records[0].served;

		/* RFC 2136 2.4.2: the RRset as served, then 2.5.4: each
		 * of its RRs deleted by its exact value. */
		dns_update_init(&u, r->zone);
		served_each(&u, DNS_UPDATE_REQUIRE, name, a);
		served_each(&u, DNS_UPDATE_DELETE, name, a);
	}
	if (o && o->watch && !round_pause(o->watch->pause, o->watch->arg, 0)) {
		st = not_sent(r, err);
		goto out;
	}
	if ((st = update_send(ask, &u, &z, key, o ? o->timeout : 0, false, r,
			      err)))
		goto out;
	if (r->sent && o && o->watch && o->watch->accepted)
		o->watch->accepted(o->watch->arg, name, r->server);
	if (o)
		po = o->propagation;
	if (!po.port)
		po.port = set->publish_port;
	st = txt_wait(dns, name, value, &po,
		      o && o->deadline > 0 ? o->deadline : APP_PUBLISH_DEADLINE,
		      o ? o->watch : NULL, r, err);
out:
	dns_free(primary);
	tsig_key_free(key);
	dns_update_done(&u);
	zone_records_done(&z);
	return st;
}

/* Frees the result. */
void app_publish_done(struct app_publish_result *r)
{
	free(r->label);
	free(r->zone);
	free(r->primary);
	free(r->server);
	free(r->key_name);
	free(r->update);
	app_step_checks_free(r->checks);
	for (size_t i = 0; i < r->nlive; i++)
		free(r->live[i]);
	free(r->live);
	for (size_t i = 0; i < r->nchanged; i++) {
		free(r->changed[i].name);
		free(r->changed[i].value);
		free(r->changed[i].old);
	}
	free(r->changed);
	memset(r, 0, sizeof *r);
}
