/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dns/dns.h"
#include "dns/dns_private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Wraps a backend in the common front. */
struct dns *dns_new_backend(const struct dns_backend_ops *ops, void *impl)
{
	struct dns *dns = xcalloc(1, sizeof *dns);

	dns->ops = ops;
	dns->impl = impl;
	return dns;
}

/* The bucket of a question in the table of those in flight (FNV-1a). */
static size_t asked_bucket(const char *name, enum dns_type type)
{
	uint32_t h = 2166136261u ^ (uint32_t)type;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h % DNS_ASKED_BUCKETS;
}

/* The request in flight for the same question, or NULL. */
static struct dns_request *asked_find(struct dns *dns, const char *name,
				      enum dns_type type)
{
	if (!dns->asked)
		return NULL;
	for (struct dns_request *r = dns->asked[asked_bucket(name, type)]; r;
	     r = r->next_asked)
		if (r->type == type && strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

/* Enters a request handed to the backend in the table. */
static void asked_add(struct dns *dns, struct dns_request *req)
{
	size_t b = asked_bucket(req->name, req->type);

	if (!dns->asked)
		dns->asked = xcalloc(DNS_ASKED_BUCKETS, sizeof *dns->asked);
	req->next_asked = dns->asked[b];
	dns->asked[b] = req;
	req->asked = true;
}

/* Takes a request out of the table once its answer is there, so that
 * the question asked again from then on goes to the backend again. */
static void asked_remove(struct dns *dns, struct dns_request *req)
{
	struct dns_request **p;

	if (!req->asked)
		return;
	for (p = &dns->asked[asked_bucket(req->name, req->type)]; *p;
	     p = &(*p)->next_asked) {
		if (*p == req) {
			*p = req->next_asked;
			break;
		}
	}
	req->asked = false;
}

/* A new request of dns for name (owned from then on), counted as
 * pending until its callback has run. */
static struct dns_request *request_new(struct dns *dns, char *name,
				       enum dns_type type, dns_callback cb,
				       void *arg)
{
	struct dns_request *req = xcalloc(1, sizeof *req);

	req->dns = dns;
	req->name = name;
	req->type = type;
	req->cb = cb;
	req->arg = arg;
	dns->pending++;
	return req;
}

/* Answers a request that is never asked with an error (owned from then
 * on), from the loop rather than from inside the call. */
static void request_fail(struct dns_request *req, char *error)
{
	struct dns_answer *a = dns_answer_new(req, DNS_ERROR);

	a->error = error;
	dns_request_defer(req, a);
}

/* Creates a request and hands it to the backend, unless the same
 * question is in flight already: then it waits for that answer. */
void dns_query(struct dns *dns, const char *name, enum dns_type type,
	       dns_callback cb, void *arg)
{
	struct dns_request *req =
	    request_new(dns, text_domain_normalize(name), type, cb, arg);
	struct dns_request *same;

	if (dns->cancelling) {
		/* A callback of a cancelled query asked again: this one is
		 * cancelled too, so that cancelling ends. */
		request_fail(req, xstrdup("cancelled"));
		return;
	}
	same = asked_find(dns, req->name, type);
	if (same) {
		req->next_follower = same->followers;
		same->followers = req;
		return;
	}
	asked_add(dns, req);
	dns->nasked_total++;
	dns->ops->query(dns, req);
}

/* How many questions went to the backend. */
size_t dns_questions_asked(const struct dns *dns)
{
	size_t n = dns->nasked_total;

	for (size_t i = 0; i < dns->nchildren; i++)
		n += dns_questions_asked(dns->children[i]);
	return n;
}

/* Hands a resolver to another's loop. */
void dns_attach(struct dns *parent, struct dns *child)
{
	parent->children =
	    xgrow(parent->children, &parent->children_cap,
		  parent->nchildren + 1, sizeof *parent->children);
	parent->children[parent->nchildren++] = child;
	child->parent = parent;
}

/* Marks an attached resolver for freeing once it is idle. */
void dns_release(struct dns *child)
{
	child->released = true;
}

/* Removes a child from its parent's list. */
static void dns_detach(struct dns *child)
{
	struct dns *parent = child->parent;

	for (size_t i = 0; parent && i < parent->nchildren; i++) {
		if (parent->children[i] == child) {
			parent->children[i] =
			    parent->children[--parent->nchildren];
			break;
		}
	}
	child->parent = NULL;
}

/* Frees the released children that have nothing left to deliver. */
static void dns_reap(struct dns *dns)
{
	for (size_t i = 0; i < dns->nchildren;) {
		struct dns *child = dns->children[i];

		if (child->released && !child->ready_head &&
		    dns_pending(child) == 0)
			dns_free(child); /* detaches: i now holds another */
		else
			i++;
	}
}

/* Whether the resolver answers from loaded data. */
bool dns_is_offline(const struct dns *dns)
{
	return dns->ops->offline;
}

/* The servers a resolver asks. */
const char *dns_servers(const struct dns *dns)
{
	return dns->ops->servers ? dns->ops->servers(dns) : NULL;
}

/* Builds the in-addr.arpa or ip6.arpa name of an address. */
char *dns_reverse_name(const char *address)
{
	unsigned char b[16];
	struct strbuf sb = STRBUF_INIT;

	if (inet_pton(AF_INET, address, b) == 1) {
		strbuf_addf(&sb, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1],
			    b[0]);
		return strbuf_detach(&sb);
	}
	if (inet_pton(AF_INET6, address, b) == 1) {
		static const char hex[] = "0123456789abcdef";

		for (int i = 15; i >= 0; i--)
			strbuf_addf(&sb, "%c.%c.", hex[b[i] & 0xf],
				    hex[b[i] >> 4]);
		strbuf_addstr(&sb, "ip6.arpa");
		return strbuf_detach(&sb);
	}
	return NULL;
}

/* Starts a PTR query for an address. */
void dns_query_reverse(struct dns *dns, const char *address, dns_callback cb,
		       void *arg)
{
	char *name = dns_reverse_name(address);
	struct dns_request *req;

	if (name) {
		dns_query(dns, name, DNS_T_PTR, cb, arg);
		free(name);
		return;
	}
	req = request_new(dns, text_clean_str(address), DNS_T_PTR, cb, arg);
	request_fail(req, xasprintf("not an IP address: %s", req->name));
}

/* Reverses a list of followers. */
static struct dns_request *followers_reverse(struct dns_request *f)
{
	struct dns_request *rev = NULL;

	while (f) {
		struct dns_request *next = f->next_follower;

		f->next_follower = rev;
		rev = f;
		f = next;
	}
	return rev;
}

/* Runs a callback, and those of the same question's followers, and
 * releases what belongs to the requests. */
void dns_request_complete(struct dns_request *req, struct dns_answer *answer)
{
	struct dns *dns = req->dns;
	/* In the order they were asked (the list holds the last first). */
	struct dns_request *f = followers_reverse(req->followers);

	asked_remove(dns, req);
	dns->pending--;
	req->cb(req->arg, answer);
	while (f) {
		struct dns_request *next = f->next_follower;

		dns->pending--;
		f->cb(f->arg, answer);
		free(f->name);
		free(f);
		f = next;
	}
	dns_answer_free(answer);
	free(req->name);
	free(req);
}

/* Puts a finished request on the ready queue. */
void dns_request_defer(struct dns_request *req, struct dns_answer *answer)
{
	struct dns *dns = req->dns;

	req->answer = answer;
	req->next = NULL;
	if (dns->ready_tail)
		dns->ready_tail->next = req;
	else
		dns->ready_head = req;
	dns->ready_tail = req;
}

/* Delivers the answers queued so far (not those queued meanwhile by the
 * callbacks, which wait for the next round). */
static void dns_deliver_ready(struct dns *dns)
{
	struct dns_request *req = dns->ready_head;

	dns->ready_head = dns->ready_tail = NULL;
	while (req) {
		struct dns_request *next = req->next;

		dns_request_complete(req, req->answer);
		req = next;
	}
}

/* The number of queries not yet answered, the children's included. */
size_t dns_pending(const struct dns *dns)
{
	size_t n = dns->pending;

	for (size_t i = 0; i < dns->nchildren; i++)
		n += dns_pending(dns->children[i]);
	return n;
}

/* Sockets for the caller's poll(), the children's after this one's. */
size_t dns_pollfds(struct dns *dns, struct pollfd *fds, size_t max)
{
	size_t n = dns->ops->pollfds ? dns->ops->pollfds(dns, fds, max) : 0;

	for (size_t i = 0; i < dns->nchildren && n < max; i++)
		n += dns_pollfds(dns->children[i], fds + n, max - n);
	return n;
}

/* How long the caller may sleep: the shortest wait of all. */
int dns_timeout_ms(struct dns *dns)
{
	int t;

	if (dns->ready_head)
		return 0;
	t = dns->ops->timeout_ms ? dns->ops->timeout_ms(dns) : -1;
	for (size_t i = 0; i < dns->nchildren; i++) {
		int c = dns_timeout_ms(dns->children[i]);

		if (c >= 0 && (t < 0 || c < t))
			t = c;
	}
	return t;
}

/* Handles socket events and delivers answers, the children's too. */
void dns_process(struct dns *dns, const struct pollfd *fds, size_t nfds)
{
	if (dns->ops->process)
		dns->ops->process(dns, fds, nfds);
	/* By index: a callback may attach more children meanwhile. */
	for (size_t i = 0; i < dns->nchildren; i++)
		dns_process(dns->children[i], fds, nfds);
	dns_deliver_ready(dns);
	dns_reap(dns);
}

/* The most sockets dns_run() waits on at once. */
#define DNS_RUN_FDS 256

/* Milliseconds since start on the monotonic clock. */
static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Loops until every query is answered or ms have passed. */
enum status dns_run_for(struct dns *dns, long ms, bool *expired)
{
	struct pollfd fds[DNS_RUN_FDS];
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (expired)
		*expired = false;
	while (dns_pending(dns) > 0) {
		size_t n = dns_pollfds(dns, fds, DNS_RUN_FDS);
		int timeout = dns_timeout_ms(dns);
		long left = ms < 0 ? -1 : ms - elapsed_ms(&start);

		if (ms >= 0 && left <= 0) {
			if (expired)
				*expired = true;
			return STATUS_OK;
		}
		if (timeout != 0) {
			if (n == 0 && timeout < 0) {
				/* Nothing can ever answer: a backend bug. */
				dns_cancel_all(dns);
				return STATUS_IO;
			}
			if (left >= 0 && (timeout < 0 || timeout > left))
				timeout = (int)left;
			if (poll(fds, n, timeout) < 0 && errno != EINTR)
				return STATUS_IO;
		} else {
			n = 0;
		}
		dns_process(dns, n ? fds : NULL, n);
	}
	return STATUS_OK;
}

/* Loops until every query is answered. */
enum status dns_run(struct dns *dns)
{
	return dns_run_for(dns, -1, NULL);
}

/* Stores the answer of a synchronous query. */
static void sync_answer(void *arg, const struct dns_answer *answer)
{
	struct dns_answer **slot = arg;

	*slot = dns_answer_dup(answer);
}

/* Asks and waits. */
struct dns_answer *dns_query_sync(struct dns *dns, const char *name,
				  enum dns_type type)
{
	struct dns_answer *answer = NULL;

	dns_query(dns, name, type, sync_answer, &answer);
	while (!answer) {
		if (dns_run(dns) != STATUS_OK && !answer) {
			struct dns_request fake = { .name = (char *)name,
						    .type = type };

			answer = dns_answer_new(&fake, DNS_ERROR);
			answer->error = xstrdup("resolver loop failed");
		}
	}
	return answer;
}

/* Ends everything outstanding: answers already queued are replaced by
 * "cancelled" too, so that callers see one behaviour from both backends.
 * Queries that callbacks start meanwhile are cancelled as well. */
void dns_cancel_all(struct dns *dns)
{
	bool was_cancelling = dns->cancelling;

	dns->cancelling = true;
	do {
		if (dns->ops->cancel_all)
			dns->ops->cancel_all(dns);
		for (size_t i = 0; i < dns->nchildren; i++)
			dns_cancel_all(dns->children[i]);
		for (struct dns_request *req = dns->ready_head; req;
		     req = req->next) {
			if (req->answer->result == DNS_ERROR)
				continue;
			dns_answer_free(req->answer);
			req->answer = dns_answer_new(req, DNS_ERROR);
			req->answer->error = xstrdup("cancelled");
		}
		dns_deliver_ready(dns);
	} while (dns->ready_head || dns_pending(dns) > 0);
	dns->cancelling = was_cancelling;
	if (!was_cancelling)
		dns_reap(dns);
}

/* Frees the resolver and its children. */
void dns_free(struct dns *dns)
{
	if (!dns)
		return;
	dns_cancel_all(dns);
	while (dns->nchildren > 0)
		dns_free(dns->children[dns->nchildren - 1]);
	free(dns->children);
	free(dns->asked);
	dns_detach(dns);
	if (dns->ops->free)
		dns->ops->free(dns);
	free(dns);
}

/* Starts an empty answer. */
struct dns_answer *dns_answer_new(const struct dns_request *req,
				  enum dns_result result)
{
	struct dns_answer *answer = xcalloc(1, sizeof *answer);

	answer->result = result;
	answer->qname = xstrdup(req->name);
	answer->qtype = req->type;
	return answer;
}

/* Appends a zeroed RR. */
struct dns_rr *dns_answer_add_rr(struct dns_answer *answer)
{
	struct dns_rr *rr;

	answer->rrs =
	    xrealloc(answer->rrs, (answer->count + 1) * sizeof *answer->rrs);
	rr = &answer->rrs[answer->count++];
	memset(rr, 0, sizeof *rr);
	return rr;
}

/* Deep-copies one RR. */
void dns_rr_copy(struct dns_rr *dst, const struct dns_rr *src)
{
	*dst = *src;
	dst->name = xstrdup_or_null(src->name);
	switch (src->type) {
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		dst->u.host = xstrdup_or_null(src->u.host);
		break;
	case DNS_T_MX:
		dst->u.mx.host = xstrdup_or_null(src->u.mx.host);
		break;
	case DNS_T_SOA:
		dst->u.soa.mname = xstrdup_or_null(src->u.soa.mname);
		dst->u.soa.rname = xstrdup_or_null(src->u.soa.rname);
		break;
	case DNS_T_TXT:
		dst->u.txt.strings =
		    xcalloc(src->u.txt.count ? src->u.txt.count : 1,
			    sizeof *dst->u.txt.strings);
		for (size_t i = 0; i < src->u.txt.count; i++) {
			const struct dns_txt_string *s = &src->u.txt.strings[i];

			dst->u.txt.strings[i].data = xmalloc(s->len + 1);
			memcpy(dst->u.txt.strings[i].data, s->data, s->len);
			dst->u.txt.strings[i].data[s->len] = '\0';
			dst->u.txt.strings[i].len = s->len;
		}
		break;
	default:
		break;
	}
}

/* Frees the data of one RR. */
void dns_rr_done(struct dns_rr *rr)
{
	free(rr->name);
	switch (rr->type) {
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		free(rr->u.host);
		break;
	case DNS_T_MX:
		free(rr->u.mx.host);
		break;
	case DNS_T_SOA:
		free(rr->u.soa.mname);
		free(rr->u.soa.rname);
		break;
	case DNS_T_TXT:
		for (size_t i = 0; i < rr->u.txt.count; i++)
			free(rr->u.txt.strings[i].data);
		free(rr->u.txt.strings);
		break;
	default:
		break;
	}
}

/* A queried name in the presentation form ldns gives the stored owner
 * names (ldns_rdf2str: "\\DDD" for octets that are not graphic ASCII,
 * "\\c" for ;()\\), so that raw octets such as spaces, which a live
 * server receives as they are, find their records. */
char *dns_name_presentation(const char *name)
{
	size_t len = strlen(name);
	char *out = xmalloc(len * 4 + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p == ';' || *p == '(' || *p == ')' || *p == '\\') {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (*p != '.' && (*p < 0x21 || *p > 0x7e)) {
			o += sprintf(o, "\\%03u", *p);
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	return out;
}

/* Lower-cases an ldns dname and drops the final dot. */
static char *rdf_name(const ldns_rdf *rdf)
{
	char *s, *n;

	if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return NULL;
	s = ldns_rdf2str(rdf);
	if (!s)
		return NULL;
	n = text_domain_normalize(s);
	free(s);
	return n;
}

/* A 16- or 32-bit integer rdf; false when it is missing or short. */
static bool rdf_int(const ldns_rr *rr, size_t i, size_t size, uint32_t *out)
{
	const ldns_rdf *rd =
	    i < ldns_rr_rd_count(rr) ? ldns_rr_rdf(rr, i) : NULL;

	if (!rd || ldns_rdf_size(rd) != size)
		return false;
	*out =
	    size == 2 ? ldns_rdf2native_int16(rd) : ldns_rdf2native_int32(rd);
	return true;
}

/* Converts one TXT RR's character-strings (RFC 1035 3.3.14). */
static bool txt_from_ldns(struct dns_rr *out, const ldns_rr *rr)
{
	size_t n = ldns_rr_rd_count(rr);

	out->u.txt.strings = xcalloc(n ? n : 1, sizeof *out->u.txt.strings);
	for (size_t i = 0; i < n; i++) {
		const ldns_rdf *rd = ldns_rr_rdf(rr, i);
		const uint8_t *d;
		size_t len;

		/* An ldns str rdf is a length octet and the octets. */
		if (!rd || ldns_rdf_size(rd) < 1)
			return false;
		d = ldns_rdf_data(rd);
		len = d[0];
		if (len + 1 > ldns_rdf_size(rd))
			return false;
		out->u.txt.strings[i].data = xmalloc(len + 1);
		memcpy(out->u.txt.strings[i].data, d + 1, len);
		out->u.txt.strings[i].data[len] = '\0';
		out->u.txt.strings[i].len = len;
		out->u.txt.count++;
	}
	return true;
}

/* Converts one ldns RR into the engine's form. */
bool dns_rr_from_ldns(struct dns_rr *out, const ldns_rr *rr)
{
	const ldns_rdf *rd = ldns_rr_rd_count(rr) ? ldns_rr_rdf(rr, 0) : NULL;
	uint32_t v[7];
	bool ok = false;

	memset(out, 0, sizeof *out);
	out->type = (enum dns_type)ldns_rr_get_type(rr);
	out->ttl = ldns_rr_ttl(rr);
	out->name = rdf_name(ldns_rr_owner(rr));
	if (!out->name)
		goto out;
	switch (out->type) {
	case DNS_T_A:
		if (!rd || ldns_rdf_size(rd) != 4)
			goto out;
		memcpy(&out->u.a, ldns_rdf_data(rd), 4);
		break;
	case DNS_T_AAAA:
		if (!rd || ldns_rdf_size(rd) != 16)
			goto out;
		memcpy(&out->u.aaaa, ldns_rdf_data(rd), 16);
		break;
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		out->u.host = rdf_name(rd);
		if (!out->u.host)
			goto out;
		break;
	case DNS_T_MX:
		if (!rdf_int(rr, 0, 2, &v[0]))
			goto out;
		out->u.mx.preference = (uint16_t)v[0];
		out->u.mx.host = ldns_rr_rd_count(rr) > 1
				     ? rdf_name(ldns_rr_rdf(rr, 1))
				     : NULL;
		if (!out->u.mx.host)
			goto out;
		break;
	case DNS_T_SOA:
		for (size_t i = 2; i < 7; i++)
			if (!rdf_int(rr, i, 4, &v[i]))
				goto out;
		out->u.soa.mname = rdf_name(rd);
		out->u.soa.rname = rdf_name(ldns_rr_rdf(rr, 1));
		if (!out->u.soa.mname || !out->u.soa.rname)
			goto out;
		out->u.soa.serial = v[2];
		out->u.soa.refresh = v[3];
		out->u.soa.retry = v[4];
		out->u.soa.expire = v[5];
		out->u.soa.minimum = v[6];
		break;
	case DNS_T_TXT:
		if (!txt_from_ldns(out, rr))
			goto out;
		break;
	default:
		goto out;
	}
	ok = true;
out:
	if (!ok) {
		dns_rr_done(out);
		memset(out, 0, sizeof *out);
	}
	return ok;
}

/* Moves the RRs of type owned by name from rrs into the answer; returns
 * how many. */
static size_t answer_take(struct dns_answer *a, struct dns_rr *rrs, size_t n,
			  const char *name, enum dns_type type)
{
	size_t taken = 0;

	for (size_t i = 0; i < n; i++) {
		if (rrs[i].type != type || !rrs[i].name ||
		    strcmp(rrs[i].name, name) != 0)
			continue;
		*dns_answer_add_rr(a) = rrs[i];
		memset(&rrs[i], 0, sizeof rrs[i]);
		taken++;
		if (type == DNS_T_CNAME)
			break; /* RFC 2181 10.1: one CNAME per name */
	}
	return taken;
}

/* Follows the CNAME chain from the question through the answer section
 * (RFC 1034 4.3.2 step 3) and keeps the CNAMEs and the data at its end;
 * true when data of the asked type was found. */
static bool answer_chain(struct dns_answer *a, const ldns_pkt *pkt)
{
	const ldns_rr_list *list = ldns_pkt_answer(pkt);
	size_t total = list ? ldns_rr_list_rr_count(list) : 0, n = 0;
	struct dns_rr *rrs = xcalloc(total ? total : 1, sizeof *rrs);
	char *name = dns_name_presentation(a->qname);
	bool found = false;

	for (size_t i = 0; i < total; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);

		if (ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
		    dns_rr_from_ldns(&rrs[n], rr))
			n++;
	}
	for (int hop = 0; hop <= DNS_CNAME_CHAIN_MAX; hop++) {
		if (answer_take(a, rrs, n, name, a->qtype) > 0) {
			found = true;
			break;
		}
		if (a->qtype == DNS_T_CNAME ||
		    answer_take(a, rrs, n, name, DNS_T_CNAME) == 0)
			break;
		free(name);
		name = xstrdup(a->rrs[a->count - 1].u.host);
	}
	free(name);
	for (size_t i = 0; i < n; i++)
		dns_rr_done(&rrs[i]);
	free(rrs);
	return found;
}

/* Turns a raw reply into an answer. */
struct dns_answer *dns_answer_from_wire(const char *qname, enum dns_type qtype,
					const uint8_t *wire, size_t len,
					const char *server)
{
	struct dns_request q = { .name = (char *)qname, .type = qtype };
	struct dns_answer *a = dns_answer_new(&q, DNS_ERROR);
	const char *who = server ? server : "?";
	ldns_pkt *pkt = NULL;
	ldns_status st;

	a->server = xstrdup_or_null(server);
	st = ldns_wire2pkt(&pkt, wire, len);
	if (st != LDNS_STATUS_OK) {
		a->error = xasprintf(_("malformed answer from %s for %s %s: "
				       "%s"),
				     who, dns_type_name(qtype), qname,
				     ldns_get_errorstr_by_id(st));
		return a;
	}
	a->rcode = ldns_pkt_get_rcode(pkt);
	a->authoritative = ldns_pkt_aa(pkt);
	switch (a->rcode) {
	case LDNS_RCODE_NOERROR:
		/* RFC 2308 2.2: NOERROR without the data is NODATA. */
		a->result = answer_chain(a, pkt) ? DNS_DATA : DNS_NODATA;
		break;
	case LDNS_RCODE_NXDOMAIN:
		/* RFC 6604 2.1: the rcode is about the chain's last name. */
		answer_chain(a, pkt);
		a->result = DNS_NXDOMAIN;
		break;
	case LDNS_RCODE_REFUSED:
		a->result = DNS_ERROR;
		a->error = xasprintf(_("%s refused the query for %s %s"), who,
				     dns_type_name(qtype), qname);
		break;
	default: {
		const ldns_lookup_table *t =
		    ldns_lookup_by_id(ldns_rcodes, a->rcode);

		a->result = DNS_SERVFAIL;
		if (t)
			a->error =
			    xasprintf(_("%s answered %s for %s %s"), who,
				      t->name, dns_type_name(qtype), qname);
		else
			a->error = xasprintf(_("%s answered rcode %d for %s "
					       "%s"),
					     who, a->rcode,
					     dns_type_name(qtype), qname);
		break;
	}
	}
	ldns_pkt_free(pkt);
	return a;
}

/* Deep-copies an answer. */
struct dns_answer *dns_answer_dup(const struct dns_answer *answer)
{
	struct dns_answer *copy = xcalloc(1, sizeof *copy);

	*copy = *answer;
	copy->qname = xstrdup_or_null(answer->qname);
	copy->server = xstrdup_or_null(answer->server);
	copy->error = xstrdup_or_null(answer->error);
	copy->rrs =
	    xcalloc(answer->count ? answer->count : 1, sizeof *copy->rrs);
	for (size_t i = 0; i < answer->count; i++)
		dns_rr_copy(&copy->rrs[i], &answer->rrs[i]);
	return copy;
}

/* Frees an answer and its records. */
void dns_answer_free(struct dns_answer *answer)
{
	if (!answer)
		return;
	for (size_t i = 0; i < answer->count; i++)
		dns_rr_done(&answer->rrs[i]);
	free(answer->rrs);
	free(answer->qname);
	free(answer->server);
	free(answer->error);
	free(answer);
}

/* Counts the RRs of one type. */
size_t dns_answer_count(const struct dns_answer *answer, enum dns_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < answer->count; i++)
		n += answer->rrs[i].type == type;
	return n;
}

/* Joins the strings of each TXT RR. */
struct dns_txt_string *dns_answer_txt_joined(const struct dns_answer *answer,
					     size_t *count)
{
	struct dns_txt_string *out;
	size_t n = 0;

	out = xcalloc(answer->count ? answer->count : 1, sizeof *out);
	for (size_t i = 0; i < answer->count; i++) {
		const struct dns_rr *rr = &answer->rrs[i];
		struct strbuf sb = STRBUF_INIT;

		if (rr->type != DNS_T_TXT)
			continue;
		for (size_t j = 0; j < rr->u.txt.count; j++)
			strbuf_add(&sb, rr->u.txt.strings[j].data,
				   rr->u.txt.strings[j].len);
		out[n].len = sb.len;
		out[n].data = strbuf_detach(&sb);
		n++;
	}
	*count = n;
	return out;
}

/* Frees joined TXT records. */
void dns_txt_joined_free(struct dns_txt_string *records, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(records[i].data);
	free(records);
}

/* Names a record type. */
const char *dns_type_name(enum dns_type type)
{
	switch (type) {
	case DNS_T_A:
		return "A";
	case DNS_T_NS:
		return "NS";
	case DNS_T_CNAME:
		return "CNAME";
	case DNS_T_SOA:
		return "SOA";
	case DNS_T_PTR:
		return "PTR";
	case DNS_T_MX:
		return "MX";
	case DNS_T_TXT:
		return "TXT";
	case DNS_T_AAAA:
		return "AAAA";
	}
	return "?";
}

/* Names a result. */
const char *dns_result_name(enum dns_result result)
{
	switch (result) {
	case DNS_DATA:
		return "data";
	case DNS_NODATA:
		return "nodata";
	case DNS_NXDOMAIN:
		return "nxdomain";
	case DNS_SERVFAIL:
		return "servfail";
	case DNS_TIMEOUT:
		return "timeout";
	case DNS_ERROR:
		break;
	}
	return "error";
}

/* Formats the data of an RR as a zone file would. */
char *dns_rr_data_to_string(const struct dns_rr *rr)
{
	char addr[INET6_ADDRSTRLEN];
	struct strbuf sb = STRBUF_INIT;

	switch (rr->type) {
	case DNS_T_A:
		inet_ntop(AF_INET, &rr->u.a, addr, sizeof addr);
		strbuf_addstr(&sb, addr);
		break;
	case DNS_T_AAAA:
		inet_ntop(AF_INET6, &rr->u.aaaa, addr, sizeof addr);
		strbuf_addstr(&sb, addr);
		break;
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		strbuf_addstr(&sb, rr->u.host ? rr->u.host : "");
		break;
	case DNS_T_MX:
		strbuf_addf(&sb, "%u %s", rr->u.mx.preference,
			    rr->u.mx.host ? rr->u.mx.host : "");
		break;
	case DNS_T_SOA:
		strbuf_addf(&sb, "%s %s %u %u %u %u %u", rr->u.soa.mname,
			    rr->u.soa.rname, rr->u.soa.serial,
			    rr->u.soa.refresh, rr->u.soa.retry,
			    rr->u.soa.expire, rr->u.soa.minimum);
		break;
	case DNS_T_TXT:
		for (size_t i = 0; i < rr->u.txt.count; i++) {
			if (i)
				strbuf_addch(&sb, ' ');
			text_txt_quote(&sb, rr->u.txt.strings[i].data,
				       rr->u.txt.strings[i].len);
		}
		break;
	}
	return strbuf_detach(&sb);
}
