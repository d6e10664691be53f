/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_host() (RFC 7208 sections 4 and 5) as a state machine driven by
 * DNS callbacks: one frame per record (the checked domain, includes and
 * redirects), one batch of queries at a time, all of a batch at once.
 * Every question goes through a cache kept for the one evaluation, so
 * that a name is asked once however often the records name it; and as
 * each record arrives, the targets of its terms (include and redirect
 * records, a, mx and exists names) are asked ahead, as spf check asks
 * them, so that the walk in order, term by term, mostly finds its
 * answers waiting. The order of evaluation and what is counted against
 * the limits of 4.6.4 (terms, not queries) stay those of the RFC. */
#include "config.h"

#include "spf/spf_eval.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/dname.h"
#include "util/i18n.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

enum link { LINK_ROOT, LINK_INCLUDE, LINK_REDIRECT };

/* One record being evaluated. */
struct frame {
	struct frame *parent;
	enum link link;
	char *domain;
	struct spf_record *rec;
	size_t i;       /* the next term */
	char *exp_spec; /* the exp= that applies to this frame's result */
	char *exp_domain;
};

struct spf_eval;
typedef void (*step_fn)(struct spf_eval *ev);

/* One outstanding query of a batch. */
struct slot {
	struct spf_eval *ev;
	size_t index;
	struct slot *next; /* among those waiting for one cached question */
};

/* What to ask ahead once a question asked ahead is answered. */
enum ahead { AHEAD_NONE, AHEAD_RECORD, AHEAD_MX };

/* One question asked during the evaluation: its answer once it came,
 * and the batch's slots waiting for it meanwhile. */
struct cached {
	struct spf_eval *ev;
	char *name; /* as dns_query() asks it: lower case, no final dot */
	enum dns_type type;
	struct dns_answer *answer; /* NULL while in flight */
	struct slot *waiting;
	enum ahead ahead;
	struct cached *next;
};

/* The most questions one evaluation asks ahead (the terms of 4.6.4 and
 * the hosts of a few mx terms); beyond that it asks as it goes. */
#define SPF_AHEAD_MAX 40

struct spf_eval {
	struct dns *dns;
	struct ip_net ip;
	char *sender, *helo, *receiver;
	long long now;
	struct frame *top;

	/* The batch in flight. */
	struct dns_answer **ans;
	size_t nans, outstanding;
	bool issuing;
	step_fn next;

	/* The term being evaluated: its expanded target and, for mx and
	 * ptr, the names of the second round. */
	char *target;
	char **names;
	size_t nnames;

	/* The p macro (7.3), computed on first use. */
	char *ptr_name;
	bool ptr_done;
	step_fn after_ptr;
	char *ptr_domain;
	char *exp_text; /* the explanation TXT before expansion */

	struct spf_outcome out;
	spf_eval_callback cb;
	void *arg;
	bool finished, orphaned;

	/* The answers of this evaluation, and the questions in flight. */
	struct cached *cache;
	size_t inflight;
	size_t ahead; /* questions asked ahead so far */
};

static void ev_run(struct spf_eval *ev);
static void ptr_start(struct spf_eval *ev, step_fn then);
static void frame_return(struct spf_eval *ev, enum spf_result result,
			 const char *reason);

/* Frees the answers of the last batch. */
static void batch_clear(struct spf_eval *ev)
{
	for (size_t i = 0; i < ev->nans; i++)
		dns_answer_free(ev->ans[i]);
	free(ev->ans);
	ev->ans = NULL;
	ev->nans = 0;
}

/* Frees the names of an mx/ptr second round. */
static void names_clear(struct spf_eval *ev)
{
	strlist_free(ev->names, ev->nnames);
	ev->names = NULL;
	ev->nnames = 0;
}

/* Frees a frame. */
static void frame_free(struct frame *f)
{
	free(f->domain);
	spf_record_free(f->rec);
	free(f->exp_spec);
	free(f->exp_domain);
	free(f);
}

/* Frees the evaluation itself. */
static void ev_destroy(struct spf_eval *ev)
{
	while (ev->top) {
		struct frame *f = ev->top;

		ev->top = f->parent;
		frame_free(f);
	}
	batch_clear(ev);
	names_clear(ev);
	while (ev->cache) {
		struct cached *c = ev->cache;

		ev->cache = c->next;
		while (c->waiting) {
			struct slot *slot = c->waiting;

			c->waiting = slot->next;
			free(slot);
		}
		dns_answer_free(c->answer);
		free(c->name);
		free(c);
	}
	free(ev->target);
	free(ev->sender);
	free(ev->helo);
	free(ev->receiver);
	free(ev->ptr_name);
	free(ev->ptr_domain);
	free(ev->exp_text);
	spf_outcome_done(&ev->out);
	free(ev);
}

/* Stores one answer; the last of a batch runs the next step. */
static void batch_cb(struct slot *slot, const struct dns_answer *answer)
{
	struct spf_eval *ev = slot->ev;

	ev->ans[slot->index] = dns_answer_dup(answer);
	free(slot);
	if (--ev->outstanding > 0 || ev->issuing)
		return;
	ev->next(ev);
}

/* Opens a batch of n queries answered into ev->ans[0..n). */
static void batch_open(struct spf_eval *ev, size_t n, step_fn next)
{
	batch_clear(ev);
	ev->ans = xcalloc(n ? n : 1, sizeof *ev->ans);
	ev->nans = n;
	ev->outstanding = n;
	ev->next = next;
	ev->issuing = true;
}

static void ahead_answered(struct cached *c);

/* The resolver answered a question of the cache: keep the answer, ask
 * ahead what it names, then hand it to the slots waiting for it. */
static void cache_answered(void *arg, const struct dns_answer *answer)
{
	struct cached *c = arg;
	struct spf_eval *ev = c->ev;
	struct slot *waiting = c->waiting;

	c->answer = dns_answer_dup(answer);
	c->waiting = NULL;
	/* Still counted in flight while the slots run, so that a callback
	 * freeing the evaluation only marks it orphaned. */
	if (!ev->orphaned && !ev->finished)
		ahead_answered(c);
	while (waiting) {
		struct slot *slot = waiting;

		waiting = slot->next;
		if (ev->orphaned)
			free(slot);
		else
			batch_cb(slot, c->answer);
	}
	if (--ev->inflight == 0 && ev->orphaned)
		ev_destroy(ev);
}

/* The cache's entry for a question (name as dns_query() normalizes
 * it), or NULL. */
static struct cached *cache_find(struct spf_eval *ev, const char *name,
				 enum dns_type type)
{
	for (struct cached *c = ev->cache; c; c = c->next)
		if (c->type == type && strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Asks a question through the cache unless it is there already;
 * returns its entry. */
static struct cached *cache_ask(struct spf_eval *ev, const char *name,
				enum dns_type type, enum ahead ahead)
{
	char *key = text_domain_normalize(name);
	struct cached *c = cache_find(ev, key, type);

	if (c) {
		free(key);
		return c;
	}
	c = xcalloc(1, sizeof *c);
	c->ev = ev;
	c->name = key;
	c->type = type;
	c->ahead = ahead;
	c->next = ev->cache;
	ev->cache = c;
	ev->inflight++;
	dns_query(ev->dns, c->name, type, cache_answered, c);
	return c;
}

/* Sends query i of the open batch: answered from the cache when the
 * question was asked before, else when its answer comes. */
static void batch_query(struct spf_eval *ev, size_t i, const char *name,
			enum dns_type type)
{
	struct slot *slot = xcalloc(1, sizeof *slot);
	struct cached *c = cache_ask(ev, name, type, AHEAD_NONE);

	slot->ev = ev;
	slot->index = i;
	if (c->answer) {
		batch_cb(slot, c->answer);
		return;
	}
	slot->next = c->waiting;
	c->waiting = slot;
}

/* Sends query i of the open batch: the PTR of the client address. */
static void batch_query_reverse(struct spf_eval *ev, size_t i)
{
	char buf[INET6_ADDRSTRLEN];
	char *name;

	inet_ntop(ev->ip.family, ev->ip.addr, buf, sizeof buf);
	name = dns_reverse_name(buf);
	batch_query(ev, i, name ? name : "invalid.invalid", DNS_T_PTR);
	free(name);
}

/* Closes the batch: if every answer came during issuing, go on now. */
static void batch_close(struct spf_eval *ev)
{
	ev->issuing = false;
	if (ev->outstanding == 0)
		ev->next(ev);
}

/* The macro values of the current frame. */
static struct spf_macro_vars ev_vars(const struct spf_eval *ev,
				     const char *domain)
{
	struct spf_macro_vars v = {
		.sender = ev->sender,
		.domain = domain,
		.ip = &ev->ip,
		.helo = ev->helo,
		.ptr = ev->ptr_name,
		.receiver = ev->receiver,
		.now = ev->now,
	};

	return v;
}

/* True when a DNS answer is a failure to be reported as temperror. */
static bool answer_failed(const struct dns_answer *a)
{
	return a->result == DNS_SERVFAIL || a->result == DNS_TIMEOUT ||
	       a->result == DNS_ERROR;
}

/* Counts the RRs of a type in an answer (CNAMEs are skipped). */
static size_t answer_count(const struct dns_answer *a, enum dns_type type)
{
	size_t n = 0;

	if (a->result != DNS_DATA)
		return 0;
	for (size_t i = 0; i < a->count; i++)
		if (a->rrs[i].type == type)
			n++;
	return n;
}

/* True if an A/AAAA answer has an address inside ip/prefix. */
static bool answer_matches(const struct spf_eval *ev,
			   const struct dns_answer *a, int cidr4, int cidr6)
{
	if (a->result != DNS_DATA)
		return false;
	for (size_t i = 0; i < a->count; i++) {
		const struct dns_rr *rr = &a->rrs[i];
		struct ip_net net = { 0 };

		if (rr->type == DNS_T_A && ev->ip.family == AF_INET) {
			net.family = AF_INET;
			memcpy(net.addr, &rr->u.a, 4);
			net.prefix = cidr4 >= 0 ? cidr4 : 32;
		} else if (rr->type == DNS_T_AAAA &&
			   ev->ip.family == AF_INET6) {
			net.family = AF_INET6;
			memcpy(net.addr, &rr->u.aaaa, 16);
			net.prefix = cidr6 >= 0 ? cidr6 : 128;
		} else {
			continue;
		}
		if (ip_net_contains(&net, &ev->ip))
			return true;
	}
	return false;
}

/* The address type that matches the client (5.3). */
static enum dns_type ev_addr_type(const struct spf_eval *ev)
{
	return ev->ip.family == AF_INET6 ? DNS_T_AAAA : DNS_T_A;
}

/* Asks one question ahead, within the evaluation's budget. */
static void ahead_ask(struct spf_eval *ev, const char *name, enum dns_type type,
		      enum ahead then)
{
	char *key = text_domain_normalize(name);

	if (ev->ahead < SPF_AHEAD_MAX && dname_valid(key, DNAME_ANY_OCTETS) &&
	    !cache_find(ev, key, type)) {
		ev->ahead++;
		cache_ask(ev, key, type, then);
	}
	free(key);
}

/* Asks ahead what the terms of domain's record will ask when their turn
 * comes: the include and redirect records, the a, mx and exists names.
 * Terms whose target needs the p macro (7.3) wait for their turn. */
static void ahead_record(struct spf_eval *ev, const char *domain,
			 const struct spf_record *rec)
{
	struct spf_macro_vars v = ev_vars(ev, domain);

	for (size_t i = 0; i < rec->count; i++) {
		const struct spf_term *t = &rec->terms[i];
		const char *spec = t->domain_spec ? t->domain_spec : domain;
		enum ahead then = AHEAD_NONE;
		enum dns_type type;
		char *name = NULL;

		switch (t->kind) {
		case SPF_INCLUDE:
		case SPF_REDIRECT:
			type = DNS_T_TXT;
			then = AHEAD_RECORD;
			break;
		case SPF_A:
			type = ev_addr_type(ev);
			break;
		case SPF_MX:
			type = DNS_T_MX;
			then = AHEAD_MX;
			break;
		case SPF_EXISTS:
			type = DNS_T_A;
			break;
		default:
			continue;
		}
		if (spf_macro_uses(spec, 'p') || spf_macro_uses(spec, 'P'))
			continue;
		if (spf_macro_expand(spec, &v, false, true, &name, NULL) ==
		    STATUS_OK)
			ahead_ask(ev, name, type, then);
		free(name);
	}
}

/* A question asked ahead was answered: ask ahead in turn what a record
 * names, or the addresses of an MX answer's hosts. */
static void ahead_answered(struct cached *c)
{
	struct spf_eval *ev = c->ev;
	const struct dns_answer *a = c->answer;

	if (a->result != DNS_DATA)
		return;
	if (c->ahead == AHEAD_RECORD) {
		size_t n = 0, idx = 0;
		struct dns_txt_string *txt = dns_answer_txt_joined(a, &n);
		struct spf_record *rec = NULL;

		if (spf_select(txt, n, &idx) == 1 &&
		    spf_parse(txt[idx].data, txt[idx].len, &rec, NULL, NULL) ==
			STATUS_OK)
			ahead_record(ev, c->name, rec);
		spf_record_free(rec);
		dns_txt_joined_free(txt, n);
	} else if (c->ahead == AHEAD_MX &&
		   answer_count(a, DNS_T_MX) <= SPF_MAX_MX) {
		for (size_t i = 0; i < a->count; i++) {
			const struct dns_rr *rr = &a->rrs[i];

			if (rr->type == DNS_T_MX && rr->u.mx.host[0] &&
			    strcmp(rr->u.mx.host, ".") != 0)
				ahead_ask(ev, rr->u.mx.host, ev_addr_type(ev),
					  AHEAD_NONE);
		}
	}
}

/* Records the outcome and tells the caller. */
static void ev_finish(struct spf_eval *ev)
{
	ev->finished = true;
	ev->cb(ev->arg, &ev->out);
}

/* RFC 7208 6.2: expands the explanation text kept in ev->exp_text. */
static void exp_expand(struct spf_eval *ev)
{
	struct spf_macro_vars v;
	char *text = NULL;

	if (!ev->ptr_done && (spf_macro_uses(ev->exp_text, 'p') ||
			      spf_macro_uses(ev->exp_text, 'P'))) {
		ptr_start(ev, exp_expand);
		return;
	}
	v = ev_vars(ev, ev->ptr_domain);
	if (spf_macro_expand(ev->exp_text, &v, true, false, &text, NULL) ==
	    STATUS_OK) {
		ev->out.explanation = text_clean_str(text);
		free(text);
	}
	ev_finish(ev);
}

/* RFC 7208 6.2: the explanation TXT arrived. */
static void exp_answered(struct spf_eval *ev)
{
	const struct dns_answer *a = ev->ans[0];
	struct dns_txt_string *txt = NULL;
	size_t n = 0;

	if (a->result == DNS_DATA)
		txt = dns_answer_txt_joined(a, &n);
	/* Only exactly one TXT record without NUL octets is used. */
	if (n == 1 && strlen(txt[0].data) == txt[0].len) {
		ev->exp_text = xstrdup(txt[0].data);
		dns_txt_joined_free(txt, n);
		exp_expand(ev);
		return;
	}
	dns_txt_joined_free(txt, n);
	ev_finish(ev);
}

static void ptr_answered(struct spf_eval *ev);

/* Computes the p macro (7.3) before step runs: PTR, then the addresses
 * of up to 10 names to validate them (5.5). */
static void ptr_start(struct spf_eval *ev, step_fn then)
{
	ev->after_ptr = then;
	batch_open(ev, 1, ptr_answered);
	batch_query_reverse(ev, 0);
	batch_close(ev);
}

/* Collects the PTR names (at most 10, RFC 7208 4.6.4) of ev->ans[0]. */
static void collect_ptr_names(struct spf_eval *ev)
{
	const struct dns_answer *a = ev->ans[0];

	names_clear(ev);
	if (a->result != DNS_DATA)
		return;
	ev->names = xcalloc(SPF_MAX_PTR, sizeof *ev->names);
	for (size_t i = 0; i < a->count && ev->nnames < SPF_MAX_PTR; i++)
		if (a->rrs[i].type == DNS_T_PTR)
			ev->names[ev->nnames++] = xstrdup(a->rrs[i].u.host);
}

/* Picks the validated name for p: the domain or a subdomain first. */
static void ptr_validated(struct spf_eval *ev)
{
	const char *domain = ev->ptr_domain ? ev->ptr_domain : "";
	const char *any = NULL, *best = NULL;

	for (size_t i = 0; i < ev->nnames && i < ev->nans; i++) {
		const char *name = ev->names[i];
		size_t nl = strlen(name), dl = strlen(domain);

		if (!answer_matches(ev, ev->ans[i], -1, -1))
			continue;
		if (!any)
			any = name;
		if (!best && (text_ieq(name, domain) ||
			      (nl > dl && name[nl - dl - 1] == '.' &&
			       text_ieq(name + nl - dl, domain))))
			best = name;
	}
	free(ev->ptr_name);
	ev->ptr_name = best ? xstrdup(best) : any ? xstrdup(any) : NULL;
	ev->ptr_done = true;
	names_clear(ev);
	batch_clear(ev);
	ev->after_ptr(ev);
}

/* Second round of the p macro: the names' addresses. */
static void ptr_answered(struct spf_eval *ev)
{
	collect_ptr_names(ev);
	batch_open(ev, ev->nnames, ptr_validated);
	for (size_t i = 0; i < ev->nnames; i++)
		batch_query(ev, i, ev->names[i], ev_addr_type(ev));
	batch_close(ev);
}

/* Starts the explanation lookup of the frame that decided a fail. */
static void exp_start(struct spf_eval *ev)
{
	struct frame *f = ev->top;
	struct spf_macro_vars v;
	char *name = NULL;

	if (!ev->ptr_done && (spf_macro_uses(f->exp_spec, 'p') ||
			      spf_macro_uses(f->exp_spec, 'P'))) {
		free(ev->ptr_domain);
		ev->ptr_domain = xstrdup(f->exp_domain);
		ptr_start(ev, exp_start);
		return;
	}
	v = ev_vars(ev, f->exp_domain);
	if (spf_macro_expand(f->exp_spec, &v, false, true, &name, NULL) !=
		STATUS_OK ||
	    !dname_valid(name, DNAME_ANY_OCTETS)) {
		free(name);
		ev_finish(ev);
		return;
	}
	free(ev->ptr_domain);
	ev->ptr_domain = xstrdup(f->exp_domain);
	batch_open(ev, 1, exp_answered);
	batch_query(ev, 0, name, DNS_T_TXT);
	free(name);
	batch_close(ev);
}

/* The root frame is done: an exp= lookup for fail, then the caller. */
static void root_done(struct spf_eval *ev, enum spf_result result,
		      const char *reason)
{
	struct frame *f = ev->top;

	ev->out.result = result;
	if (reason && !ev->out.reason)
		ev->out.reason = xstrdup(reason);
	if (result == SPF_FAIL && f->exp_spec) {
		/* The p macro of the explanation text needs its lookups. */
		exp_start(ev);
		return;
	}
	ev_finish(ev);
}

/* Sets the mechanism that decided. */
static void set_mechanism(struct spf_eval *ev, const struct frame *f,
			  const struct spf_term *term)
{
	free(ev->out.mechanism);
	free(ev->out.domain);
	ev->out.mechanism = term ? spf_term_format(term) : NULL;
	ev->out.domain = xstrdup(f->domain);
}

/* A mechanism of the top frame matched: its qualifier is the result. */
static void term_matched(struct spf_eval *ev, const struct spf_term *term)
{
	set_mechanism(ev, ev->top, term);
	frame_return(ev, term->qualifier, NULL);
}

/* The top frame's current term did not match: go on. */
static void term_next(struct spf_eval *ev)
{
	ev->top->i++;
	ev_run(ev);
}

/* An error in the current term ends everything with result. */
static void term_error(struct spf_eval *ev, enum spf_result result,
		       const char *reason)
{
	struct frame *f = ev->top;

	if (f->rec && f->i < f->rec->count)
		set_mechanism(ev, f, &f->rec->terms[f->i]);
	frame_return(ev, result, reason);
}

/* The current frame produced a result; hand it to its parent. */
static void frame_return(struct spf_eval *ev, enum spf_result result,
			 const char *reason)
{
	struct frame *f = ev->top, *parent = f->parent;
	enum link link = f->link;

	if (reason && !ev->out.reason)
		ev->out.reason = xstrdup(reason);
	if (!parent) {
		root_done(ev, result, NULL);
		return;
	}
	if (link == LINK_REDIRECT) {
		/* RFC 7208 6.2: the redirected record's exp= applies. */
		free(parent->exp_spec);
		free(parent->exp_domain);
		parent->exp_spec = f->exp_spec;
		parent->exp_domain = f->exp_domain;
		f->exp_spec = f->exp_domain = NULL;
	}
	ev->top = parent;
	frame_free(f);
	if (link == LINK_INCLUDE) {
		/* RFC 7208 5.2: the include table. */
		switch (result) {
		case SPF_PASS:
			term_matched(ev, &parent->rec->terms[parent->i]);
			return;
		case SPF_FAIL:
		case SPF_SOFTFAIL:
		case SPF_NEUTRAL:
			term_next(ev);
			return;
		case SPF_NONE:
			term_error(ev, SPF_PERMERROR,
				   _("an included domain has no SPF record"));
			return;
		default:
			frame_return(ev, result, NULL);
			return;
		}
	}
	/* RFC 7208 6.1: redirect to a domain without a record is permerror. */
	if (result == SPF_NONE) {
		free(ev->out.reason);
		ev->out.reason = xstrdup(_("the redirect= domain has no SPF "
					   "record"));
		result = SPF_PERMERROR;
	}
	frame_return(ev, result, NULL);
}

/* The TXT records of a frame's domain arrived (4.4, 4.5). */
static void record_answered(struct spf_eval *ev)
{
	const struct dns_answer *a = ev->ans[0];
	struct frame *f = ev->top;
	struct dns_txt_string *txt = NULL;
	size_t n = 0, idx = 0, count;
	struct err err = ERR_INIT;

	if (answer_failed(a)) {
		/* RFC 7208 4.4: a DNS error is temperror. */
		char *why = xasprintf(_("the TXT query for %s failed: %s"),
				      f->domain, dns_result_name(a->result));

		frame_return(ev, SPF_TEMPERROR, why);
		free(why);
		return;
	}
	txt = dns_answer_txt_joined(a, &n);
	count = spf_select(txt, n, &idx);
	if (count == 0) {
		dns_txt_joined_free(txt, n);
		frame_return(ev, SPF_NONE, NULL);
		return;
	}
	if (count > 1) {
		char *why =
		    xasprintf(_("%s has more than one SPF record"), f->domain);

		dns_txt_joined_free(txt, n);
		frame_return(ev, SPF_PERMERROR, why);
		free(why);
		return;
	}
	if (spf_parse(txt[idx].data, txt[idx].len, &f->rec, NULL, &err) !=
	    STATUS_OK) {
		/* RFC 7208 4.6: any syntax error is permerror at once. */
		char *why = xasprintf("%s: %s", f->domain, err_message(&err));

		err_done(&err);
		dns_txt_joined_free(txt, n);
		frame_return(ev, SPF_PERMERROR, why);
		free(why);
		return;
	}
	dns_txt_joined_free(txt, n);
	if (f->rec->exp >= 0) {
		f->exp_spec = xstrdup(f->rec->terms[f->rec->exp].domain_spec);
		f->exp_domain = xstrdup(f->domain);
	}
	ahead_record(ev, f->domain, f->rec);
	ev_run(ev);
}

/* Pushes a frame for domain and fetches its record. */
static void frame_push(struct spf_eval *ev, const char *domain, enum link link)
{
	struct frame *f = xcalloc(1, sizeof *f);

	f->parent = ev->top;
	f->link = link;
	f->domain = text_domain_normalize(domain);
	ev->top = f;
	if (!dname_valid(f->domain, DNAME_ANY_OCTETS)) {
		/* RFC 7208 4.3: a malformed domain has no record. */
		frame_return(ev, SPF_NONE, NULL);
		return;
	}
	batch_open(ev, 1, record_answered);
	batch_query(ev, 0, f->domain, DNS_T_TXT);
	batch_close(ev);
}

/* Counts a void lookup (4.6.4); false when that passes the limit, in
 * which case the evaluation has ended. */
static bool count_void(struct spf_eval *ev, const struct dns_answer *a,
		       enum dns_type type)
{
	if (a->result != DNS_NXDOMAIN && answer_count(a, type) > 0)
		return true;
	if (a->result != DNS_NXDOMAIN && a->result != DNS_NODATA &&
	    a->result != DNS_DATA)
		return true;
	if (++ev->out.void_lookups > SPF_MAX_VOID) {
		term_error(ev, SPF_PERMERROR,
			   _("more than 2 void DNS lookups"));
		return false;
	}
	return true;
}

/* a and exists: the one address query arrived. */
static void a_answered(struct spf_eval *ev)
{
	const struct spf_term *term = &ev->top->rec->terms[ev->top->i];
	const struct dns_answer *a = ev->ans[0];
	bool match;

	if (answer_failed(a)) {
		term_error(ev, SPF_TEMPERROR, _("an address query failed"));
		return;
	}
	if (!count_void(ev, a,
			term->kind == SPF_EXISTS ? DNS_T_A : ev_addr_type(ev)))
		return;
	if (term->kind == SPF_EXISTS)
		match = answer_count(a, DNS_T_A) > 0;
	else
		match = answer_matches(ev, a, term->cidr4, term->cidr6);
	if (match)
		term_matched(ev, term);
	else
		term_next(ev);
}

/* mx: the addresses of every MX host arrived. */
static void mx_hosts_answered(struct spf_eval *ev)
{
	const struct spf_term *term = &ev->top->rec->terms[ev->top->i];
	bool failed = false;

	for (size_t i = 0; i < ev->nans; i++) {
		if (answer_matches(ev, ev->ans[i], term->cidr4, term->cidr6)) {
			names_clear(ev);
			term_matched(ev, term);
			return;
		}
		if (answer_failed(ev->ans[i]))
			failed = true;
	}
	names_clear(ev);
	if (failed)
		term_error(ev, SPF_TEMPERROR,
			   _("an MX host's address query failed"));
	else
		term_next(ev);
}

/* mx: the MX answer arrived; ask for every host's addresses at once. */
static void mx_answered(struct spf_eval *ev)
{
	const struct dns_answer *a = ev->ans[0];

	if (answer_failed(a)) {
		term_error(ev, SPF_TEMPERROR, _("the MX query failed"));
		return;
	}
	if (!count_void(ev, a, DNS_T_MX))
		return;
	/* RFC 7208 4.6.4: more than 10 MX names is permerror. */
	if (answer_count(a, DNS_T_MX) > SPF_MAX_MX) {
		term_error(ev, SPF_PERMERROR, _("more than 10 MX names"));
		return;
	}
	names_clear(ev);
	ev->names = xcalloc(SPF_MAX_MX, sizeof *ev->names);
	for (size_t i = 0; i < a->count; i++) {
		const struct dns_rr *rr = &a->rrs[i];

		/* A null MX (RFC 7505) names no host. */
		if (rr->type != DNS_T_MX || !rr->u.mx.host[0] ||
		    strcmp(rr->u.mx.host, ".") == 0)
			continue;
		ev->names[ev->nnames++] = xstrdup(rr->u.mx.host);
	}
	batch_open(ev, ev->nnames, mx_hosts_answered);
	for (size_t i = 0; i < ev->nnames; i++)
		batch_query(ev, i, ev->names[i], ev_addr_type(ev));
	batch_close(ev);
}

/* ptr: the validated names are known; do any end in the target (5.5)? */
static void ptr_hosts_answered(struct spf_eval *ev)
{
	const struct spf_term *term = &ev->top->rec->terms[ev->top->i];
	const char *target = ev->target;
	size_t tl = strlen(target);

	for (size_t i = 0; i < ev->nnames && i < ev->nans; i++) {
		const char *name = ev->names[i];
		size_t nl = strlen(name);

		if (!answer_matches(ev, ev->ans[i], -1, -1))
			continue;
		if (text_ieq(name, target) ||
		    (nl > tl && name[nl - tl - 1] == '.' &&
		     text_ieq(name + nl - tl, target))) {
			names_clear(ev);
			term_matched(ev, term);
			return;
		}
	}
	names_clear(ev);
	term_next(ev);
}

/* ptr: the PTR answer arrived. */
static void ptr_mech_answered(struct spf_eval *ev)
{
	const struct dns_answer *a = ev->ans[0];

	/* RFC 7208 5.5: a DNS error in the PTR lookup is no match. */
	if (answer_failed(a)) {
		term_next(ev);
		return;
	}
	if (!count_void(ev, a, DNS_T_PTR))
		return;
	collect_ptr_names(ev);
	batch_open(ev, ev->nnames, ptr_hosts_answered);
	for (size_t i = 0; i < ev->nnames; i++)
		batch_query(ev, i, ev->names[i], ev_addr_type(ev));
	batch_close(ev);
}

/* Starts the DNS work of a counted term whose target is ev->target. */
static void term_query(struct spf_eval *ev, const struct spf_term *term)
{
	switch (term->kind) {
	case SPF_INCLUDE:
		frame_push(ev, ev->target, LINK_INCLUDE);
		return;
	case SPF_A:
	case SPF_EXISTS:
		batch_open(ev, 1, a_answered);
		batch_query(ev, 0, ev->target,
			    term->kind == SPF_EXISTS ? DNS_T_A
						     : ev_addr_type(ev));
		batch_close(ev);
		return;
	case SPF_MX:
		batch_open(ev, 1, mx_answered);
		batch_query(ev, 0, ev->target, DNS_T_MX);
		batch_close(ev);
		return;
	case SPF_PTR:
		batch_open(ev, 1, ptr_mech_answered);
		batch_query_reverse(ev, 0);
		batch_close(ev);
		return;
	default:
		term_next(ev);
		return;
	}
}

/* Expands the current term's target; false when the evaluation ended
 * (permerror) or waits for the p macro. */
static bool term_target(struct spf_eval *ev, const struct spf_term *term,
			bool *waiting)
{
	struct frame *f = ev->top;
	struct spf_macro_vars v;
	const char *spec = term->domain_spec ? term->domain_spec : f->domain;
	struct err err = ERR_INIT;

	*waiting = false;
	if (!ev->ptr_done &&
	    (spf_macro_uses(spec, 'p') || spf_macro_uses(spec, 'P'))) {
		free(ev->ptr_domain);
		ev->ptr_domain = xstrdup(f->domain);
		*waiting = true;
		return false;
	}
	v = ev_vars(ev, f->domain);
	free(ev->target);
	ev->target = NULL;
	if (spf_macro_expand(spec, &v, false, true, &ev->target, &err) !=
	    STATUS_OK) {
		char *why = xasprintf("%s: %s", f->domain, err_message(&err));

		err_done(&err);
		term_error(ev, SPF_PERMERROR, why);
		free(why);
		return false;
	}
	return true;
}

/* Re-enters the loop after the p macro was computed. */
static void ev_resume(struct spf_eval *ev)
{
	ev_run(ev);
}

/* Evaluates the top frame's terms from f->i until DNS is needed. */
static void ev_run(struct spf_eval *ev)
{
	struct frame *f = ev->top;

	while (f->i < f->rec->count) {
		const struct spf_term *term = &f->rec->terms[f->i];
		bool waiting;

		switch (term->kind) {
		case SPF_REDIRECT:
		case SPF_EXP:
		case SPF_MODIFIER:
			f->i++;
			continue;
		case SPF_ALL:
			term_matched(ev, term);
			return;
		case SPF_IP4:
		case SPF_IP6:
			if (ip_net_contains(&term->net, &ev->ip)) {
				term_matched(ev, term);
				return;
			}
			f->i++;
			continue;
		default:
			break;
		}
		if (!term_target(ev, term, &waiting)) {
			if (waiting)
				ptr_start(ev, ev_resume);
			return;
		}
		/* RFC 7208 4.6.4: the 11th DNS term is a permerror. */
		if (++ev->out.dns_terms > SPF_MAX_DNS_TERMS) {
			term_error(ev, SPF_PERMERROR,
				   _("more than 10 DNS lookups"));
			return;
		}
		term_query(ev, term);
		return;
	}
	if (f->rec->redirect >= 0) {
		const struct spf_term *term = &f->rec->terms[f->rec->redirect];
		bool waiting;

		f->i = (size_t)f->rec->redirect;
		if (!term_target(ev, term, &waiting)) {
			if (waiting) {
				f->i = f->rec->count;
				ptr_start(ev, ev_resume);
			}
			return;
		}
		f->i = f->rec->count;
		if (++ev->out.dns_terms > SPF_MAX_DNS_TERMS) {
			set_mechanism(ev, f, term);
			frame_return(ev, SPF_PERMERROR,
				     _("more than 10 DNS lookups"));
			return;
		}
		/* RFC 7208 6.1: redirect applies when nothing matched, and
		 * the result is the target's. */
		set_mechanism(ev, f, term);
		frame_push(ev, ev->target, LINK_REDIRECT);
		return;
	}
	/* RFC 7208 4.7: no match and no redirect is neutral. */
	free(ev->out.mechanism);
	ev->out.mechanism = NULL;
	frame_return(ev, SPF_NEUTRAL, NULL);
}

/* Brings a sender into the "local@domain" form of 4.3. */
static char *sender_normalize(const char *sender, const char *helo)
{
	const char *at;

	if (!sender || !*sender)
		return xasprintf("postmaster@%s", helo ? helo : "");
	at = strrchr(sender, '@');
	if (!at)
		return xasprintf("postmaster@%s", sender);
	if (at == sender)
		return xasprintf("postmaster%s", sender);
	return xstrdup(sender);
}

/* Begins check_host(). */
struct spf_eval *spf_eval_start(struct dns *dns, const struct spf_query *q,
				spf_eval_callback cb, void *arg)
{
	struct spf_eval *ev = xcalloc(1, sizeof *ev);
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0,    0,
						  0, 0, 0, 0, 0xff, 0xff };
	const char *domain;

	ev->dns = dns;
	ev->ip = q->ip;
	/* An IPv4-mapped IPv6 address is checked as IPv4. */
	if (ev->ip.family == AF_INET6 && memcmp(ev->ip.addr, mapped, 12) == 0) {
		memmove(ev->ip.addr, ev->ip.addr + 12, 4);
		memset(ev->ip.addr + 4, 0, 12);
		ev->ip.family = AF_INET;
	}
	ev->ip.prefix = ip_family_bits(ev->ip.family);
	ev->helo = xstrdup_or_null(q->helo);
	ev->receiver = xstrdup_or_null(q->receiver);
	ev->sender = sender_normalize(q->sender, q->helo);
	ev->now = q->now;
	ev->cb = cb;
	ev->arg = arg;
	domain = q->domain ? q->domain : strrchr(ev->sender, '@') + 1;
	/* The first frame's answer is deferred like every answer, so that
	 * cb never runs inside this call. */
	ev->top = xcalloc(1, sizeof *ev->top);
	ev->top->link = LINK_ROOT;
	ev->top->domain = dname_lookup_form(domain);
	if (!dname_valid(ev->top->domain, DNAME_ANY_OCTETS)) {
		/* RFC 7208 4.3: a malformed domain gives none; answer
		 * through a query all the same, to stay asynchronous. */
		ev->out.reason = xstrdup(_("not a valid domain name"));
		batch_open(ev, 1, NULL);
		ev->next = ev_finish;
		ev->out.result = SPF_NONE;
		batch_query(ev, 0, "invalid.invalid", DNS_T_TXT);
		batch_close(ev);
		return ev;
	}
	batch_open(ev, 1, record_answered);
	batch_query(ev, 0, ev->top->domain, DNS_T_TXT);
	batch_close(ev);
	return ev;
}

/* Frees or abandons an evaluation: one with questions still in flight
 * (its own or asked ahead) goes when the last is answered. */
void spf_eval_free(struct spf_eval *ev)
{
	if (!ev)
		return;
	if (ev->inflight > 0) {
		ev->orphaned = true;
		return;
	}
	ev_destroy(ev);
}

/* Moves the outcome to the waiting caller. */
static void sync_done(void *arg, struct spf_outcome *o)
{
	struct spf_outcome *out = arg;

	*out = *o;
	memset(o, 0, sizeof *o);
}

/* check_host() and wait. */
enum status spf_eval_sync(struct dns *dns, const struct spf_query *q,
			  struct spf_outcome *out, struct err *err)
{
	struct spf_eval *ev;
	enum status st;

	memset(out, 0, sizeof *out);
	out->result = SPF_TEMPERROR;
	ev = spf_eval_start(dns, q, sync_done, out);
	st = dns_run(dns);
	if (st != STATUS_OK || !ev->finished) {
		spf_eval_free(ev);
		return err_set(err, STATUS_IO, "%s",
			       _("the resolver loop failed"));
	}
	spf_eval_free(ev);
	return STATUS_OK;
}

/* Frees an outcome's strings. */
void spf_outcome_done(struct spf_outcome *outcome)
{
	free(outcome->mechanism);
	free(outcome->domain);
	free(outcome->explanation);
	free(outcome->reason);
	memset(outcome, 0, sizeof *outcome);
}
