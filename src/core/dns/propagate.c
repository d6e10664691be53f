/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Propagation: the zone's name servers found through the normal
 * resolver, each asked directly without recursion on the same loop. */
#include "config.h"

#include "dns/propagate.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Seconds each server gets when the caller does not say. */
#define PROPAGATE_TIMEOUT 3.0

struct check;

/* One server being asked. */
struct probe {
	struct check *c;
	size_t index;      /* into c->r->servers */
	struct dns *child; /* its no-recursion resolver; NULL for the table */
};

/* The state of one check while it runs. */
struct check {
	struct dns *dns;
	struct propagate_result *r;
	int port;
	double timeout;
	bool explicit_servers;
	char *walk;   /* the name whose NS is asked now */
	char **hosts; /* the zone's NS hosts */
	size_t nhosts;
	size_t servers_cap;
	struct probe *probes;
	size_t outstanding;
	propagate_callback cb;
	void *arg;
};

/* Names a state. */
const char *propagate_state_name(enum propagate_state state)
{
	switch (state) {
	case PROPAGATE_SERVES:
		return "serves";
	case PROPAGATE_DIFFERENT:
		return "different";
	case PROPAGATE_UNREACHABLE:
		break;
	}
	return "unreachable";
}

/* Frees a result. */
void propagate_result_free(struct propagate_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->count; i++) {
		struct propagate_server *s = &r->servers[i];

		free(s->host);
		free(s->address);
		strlist_free(s->values, s->nvalues);
		free(s->error);
	}
	free(r->servers);
	free(r->name);
	free(r->expected);
	free(r->zone);
	free(r->error);
	free(r);
}

/* Appends a server entry and returns it. */
static struct propagate_server *
check_add_server(struct check *c, const char *host, char *address)
{
	struct propagate_result *r = c->r;
	struct propagate_server *s;

	r->servers = xgrow(r->servers, &c->servers_cap, r->count + 1,
			   sizeof *r->servers);
	s = &r->servers[r->count++];
	memset(s, 0, sizeof *s);
	s->host = xstrdup(host);
	s->address = address;
	s->state = PROPAGATE_UNREACHABLE;
	s->result = DNS_ERROR;
	return s;
}

/* Hands the result over and frees the check. */
static void check_finish(struct check *c)
{
	struct propagate_result *r = c->r;

	r->serving = 0;
	for (size_t i = 0; i < r->count; i++)
		if (r->servers[i].state == PROPAGATE_SERVES)
			r->serving++;
	strlist_free(c->hosts, c->nhosts);
	free(c->walk);
	free(c->probes);
	c->cb(c->arg, r);
	free(c);
}

/* Lower-cases a record's text form and drops the final dot of each
 * word, so that "10 MX1.example.com." equals "10 mx1.example.com". */
static char *value_normalize(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	while (*s) {
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		len = strcspn(s, " \t");
		if (len == 0)
			break;
		if (sb.len)
			strbuf_addch(&sb, ' ');
		strbuf_add(&sb, s,
			   len > 1 && s[len - 1] == '.' ? len - 1 : len);
		s += len;
	}
	return text_lower(strbuf_detach(&sb));
}

/* Whether one RR carries the expected value. */
static bool value_matches(const struct dns_rr *rr, const char *expected)
{
	unsigned char buf[16];
	char *have, *want;
	bool same;

	switch (rr->type) {
	case DNS_T_A:
		return inet_pton(AF_INET, expected, buf) == 1 &&
		       memcmp(buf, &rr->u.a, 4) == 0;
	case DNS_T_AAAA:
		return inet_pton(AF_INET6, expected, buf) == 1 &&
		       memcmp(buf, &rr->u.aaaa, 16) == 0;
	case DNS_T_TXT: {
		/* RFC 7208 3.3: the strings of one RR are joined. */
		struct dns_answer one = { .rrs = (struct dns_rr *)rr,
					  .count = 1 };
		size_t n;
		struct dns_txt_string *j = dns_answer_txt_joined(&one, &n);

		same = n == 1 && j[0].len == strlen(expected) &&
		       memcmp(j[0].data, expected, j[0].len) == 0;
		dns_txt_joined_free(j, n);
		return same;
	}
	default:
		break;
	}
	have = dns_rr_data_to_string(rr);
	want = value_normalize(expected);
	{
		char *h = value_normalize(have);

		same = strcmp(h, want) == 0;
		free(h);
	}
	free(have);
	free(want);
	return same;
}

/* The text of an RR's value for the operator, cleaned. */
static char *value_display(const struct dns_rr *rr)
{
	char *raw, *clean;

	if (rr->type == DNS_T_TXT) {
		struct dns_answer one = { .rrs = (struct dns_rr *)rr,
					  .count = 1 };
		size_t n;
		struct dns_txt_string *j = dns_answer_txt_joined(&one, &n);

		clean = text_clean(n ? j[0].data : "", n ? j[0].len : 0);
		dns_txt_joined_free(j, n);
		return clean;
	}
	raw = dns_rr_data_to_string(rr);
	clean = text_clean_str(raw);
	free(raw);
	return clean;
}

/* Sorts a server's answer into serves / different / unreachable. */
static void check_classify(struct check *c, struct propagate_server *s,
			   const struct dns_answer *a)
{
	const struct propagate_result *r = c->r;

	s->result = a->result;
	s->rcode = a->rcode;
	switch (a->result) {
	case DNS_TIMEOUT:
	case DNS_SERVFAIL:
	case DNS_ERROR:
		s->state = PROPAGATE_UNREACHABLE;
		s->error = text_clean_str(
		    a->error ? a->error : dns_result_name(a->result));
		return;
	default:
		break;
	}
	if (!a->authoritative) {
		/* RFC 1034 4.3.1: only an answer with AA set comes from the
		 * zone's data; anything else is a lame delegation. */
		char *name = text_clean_str(r->name);

		s->state = PROPAGATE_UNREACHABLE;
		s->error = xasprintf(_("%s is not authoritative for %s"),
				     s->address ? s->address : s->host, name);
		free(name);
		return;
	}
	s->state = r->expected ? PROPAGATE_DIFFERENT : PROPAGATE_SERVES;
	for (size_t i = 0; i < a->count; i++) {
		const struct dns_rr *rr = &a->rrs[i];

		if (rr->type != r->type)
			continue;
		if (rr->type == DNS_T_SOA) {
			s->has_serial = true;
			s->serial = rr->u.soa.serial;
		}
		if (r->expected && value_matches(rr, r->expected)) {
			s->state = PROPAGATE_SERVES;
			break;
		}
	}
	if (s->state == PROPAGATE_SERVES && r->expected)
		return;
	for (size_t i = 0; i < a->count; i++) {
		if (a->rrs[i].type != r->type)
			continue;
		strlist_add(&s->values, &s->nvalues, value_display(&a->rrs[i]));
	}
}

/* One server's answer. */
static void check_server_answer(void *arg, const struct dns_answer *a)
{
	struct probe *p = arg;
	struct check *c = p->c;

	check_classify(c, &c->r->servers[p->index], a);
	if (p->child)
		dns_release(p->child);
	if (--c->outstanding == 0)
		check_finish(c);
}

/* Creates the no-recursion resolver that asks one server. */
static enum status check_child(struct check *c, const char *address,
			       struct dns **out, struct err *err)
{
	struct dns_live_options o = {
		.servers = address,
		.timeout = c->timeout,
		.no_recursion = true,
	};

	return dns_new_live(out, &o, err);
}

/* Orders servers by host, then address. */
static int server_cmp(const void *a, const void *b)
{
	const struct propagate_server *x = a, *y = b;
	int d = strcmp(x->host, y->host);

	if (d)
		return d;
	if (!x->address || !y->address)
		return !x->address - !y->address;
	return strcmp(x->address, y->address);
}

/* Asks every server that has an address (children already made when
 * the servers were given explicitly). */
static void check_ask(struct check *c)
{
	struct propagate_result *r = c->r;
	size_t asked = 0;

	if (!c->explicit_servers) {
		qsort(r->servers, r->count, sizeof *r->servers, server_cmp);
		c->probes = xcalloc(r->count ? r->count : 1, sizeof *c->probes);
	}
	for (size_t i = 0; i < r->count; i++) {
		struct propagate_server *s = &r->servers[i];
		struct probe *p = &c->probes[i];
		struct dns *target = c->dns;

		p->c = c;
		p->index = i;
		if (!s->address)
			continue;
		if (!c->explicit_servers && !dns_is_offline(c->dns)) {
			struct err err = ERR_INIT;

			if (check_child(c, s->address, &p->child, &err) !=
			    STATUS_OK) {
				s->error = xstrdup(err_message(&err));
				err_done(&err);
				continue;
			}
			dns_attach(c->dns, p->child);
		}
		if (p->child)
			target = p->child;
		asked++;
		c->outstanding++;
		dns_query(target, r->name, r->type, check_server_answer, p);
	}
	if (asked == 0)
		check_finish(c);
}

/* An A or AAAA answer for one NS host. */
static void check_address_answer(void *arg, const struct dns_answer *a)
{
	struct check *c = arg;

	for (size_t i = 0; i < a->count; i++) {
		const struct dns_rr *rr = &a->rrs[i];
		char buf[INET6_ADDRSTRLEN];
		int port = c->port ? c->port : 53;

		if (rr->type == DNS_T_A) {
			inet_ntop(AF_INET, &rr->u.a, buf, sizeof buf);
			check_add_server(c, a->qname,
					 xasprintf("%s:%d", buf, port));
		} else if (rr->type == DNS_T_AAAA) {
			inet_ntop(AF_INET6, &rr->u.aaaa, buf, sizeof buf);
			check_add_server(c, a->qname,
					 xasprintf("[%s]:%d", buf, port));
		}
	}
	if (--c->outstanding > 0)
		return;
	/* A host without any address cannot serve anything. */
	for (size_t i = 0; i < c->nhosts; i++) {
		bool found = false;

		for (size_t j = 0; j < c->r->count && !found; j++)
			found = strcmp(c->r->servers[j].host, c->hosts[i]) == 0;
		if (!found) {
			struct propagate_server *s =
			    check_add_server(c, c->hosts[i], NULL);
			char *host = text_clean_str(c->hosts[i]);

			s->error = xasprintf(_("the name server %s has no "
					       "address"),
					     host);
			free(host);
		}
	}
	check_ask(c);
}

static void check_ns_answer(void *arg, const struct dns_answer *a);

/* Asks for the NS of c->walk. */
static void check_walk(struct check *c)
{
	dns_query(c->dns, c->walk, DNS_T_NS, check_ns_answer, c);
}

/* Ends the check with an error and no servers. */
static void check_fail(struct check *c, char *error)
{
	c->r->error = error;
	check_finish(c);
}

/* The NS answer while walking up from the name. */
static void check_ns_answer(void *arg, const struct dns_answer *a)
{
	struct check *c = arg;
	const char *dot;

	if (a->result == DNS_DATA) {
		for (size_t i = 0; i < a->count; i++) {
			const struct dns_rr *rr = &a->rrs[i];

			/* A CNAME's target is another zone's business. */
			if (rr->type != DNS_T_NS ||
			    strcmp(rr->name, c->walk) != 0)
				continue;
			strlist_add(&c->hosts, &c->nhosts, xstrdup(rr->u.host));
		}
	}
	if (c->nhosts > 0) {
		c->r->zone = xstrdup(c->walk);
		if (dns_is_offline(c->dns)) {
			/* The table is every server. */
			for (size_t i = 0; i < c->nhosts; i++)
				check_add_server(c, c->hosts[i],
						 xstrdup("table"));
			check_ask(c);
			return;
		}
		for (size_t i = 0; i < c->nhosts; i++) {
			c->outstanding += 2;
			dns_query(c->dns, c->hosts[i], DNS_T_A,
				  check_address_answer, c);
			dns_query(c->dns, c->hosts[i], DNS_T_AAAA,
				  check_address_answer, c);
		}
		return;
	}
	if (a->result != DNS_DATA && a->result != DNS_NODATA &&
	    a->result != DNS_NXDOMAIN) {
		char *name = text_clean_str(c->r->name);
		char *why = text_clean_str(
		    a->error ? a->error : dns_result_name(a->result));

		check_fail(c, xasprintf(_("cannot find the name servers of "
					  "%s: %s"),
					name, why));
		free(name);
		free(why);
		return;
	}
	/* Not a zone apex: go up, but not to a top-level domain, whose
	 * servers do not hold the operator's records. */
	dot = strchr(c->walk, '.');
	if (!dot || !strchr(dot + 1, '.')) {
		char *name = text_clean_str(c->r->name);

		check_fail(c,
			   xasprintf(_("no name servers found for %s"), name));
		free(name);
		return;
	}
	memmove(c->walk, dot + 1, strlen(dot + 1) + 1);
	check_walk(c);
}

/* Sets up the servers given explicitly, each with its resolver. */
static enum status check_explicit(struct check *c, const char *servers,
				  struct err *err)
{
	const char *p = servers;

	if (!*p)
		return err_set(err, STATUS_USAGE,
			       _("no servers given to check"));
	while (*p) {
		size_t len = strcspn(p, ",");
		char *item = xstrndup(p, len);

		check_add_server(c, item, xstrdup(item));
		free(item);
		p += len + (p[len] == ',');
	}
	c->probes = xcalloc(c->r->count, sizeof *c->probes);
	for (size_t i = 0; i < c->r->count; i++) {
		if (check_child(c, c->r->servers[i].address,
				&c->probes[i].child, err) != STATUS_OK)
			return STATUS_USAGE;
	}
	for (size_t i = 0; i < c->r->count; i++)
		dns_attach(c->dns, c->probes[i].child);
	return STATUS_OK;
}

/* Starts a propagation check. */
enum status propagate_start(struct dns *dns, const char *name,
			    enum dns_type type, const char *expected,
			    const struct propagate_options *o,
			    propagate_callback cb, void *arg, struct err *err)
{
	static const struct propagate_options defaults = { 0 };
	struct check *c = xcalloc(1, sizeof *c);
	struct propagate_result *r = xcalloc(1, sizeof *r);

	if (!o)
		o = &defaults;
	c->dns = dns;
	c->r = r;
	c->cb = cb;
	c->arg = arg;
	c->port = o->port;
	c->timeout = o->timeout > 0 ? o->timeout : PROPAGATE_TIMEOUT;
	r->name = text_domain_normalize(name);
	r->type = type;
	r->expected = xstrdup_or_null(expected);
	if (o->servers) {
		c->explicit_servers = true;
		if (check_explicit(c, o->servers, err) != STATUS_OK) {
			for (size_t i = 0; c->probes && i < r->count; i++)
				dns_free(c->probes[i].child);
			free(c->probes);
			free(c);
			propagate_result_free(r);
			return STATUS_USAGE;
		}
		check_ask(c);
		return STATUS_OK;
	}
	c->walk = xstrdup(r->name);
	check_walk(c);
	return STATUS_OK;
}

/* Keeps the result of a synchronous check. */
static void check_sync_done(void *arg, struct propagate_result *result)
{
	*(struct propagate_result **)arg = result;
}

/* Runs a check to its end. */
enum status propagate_check(struct dns *dns, const char *name,
			    enum dns_type type, const char *expected,
			    const struct propagate_options *o,
			    struct propagate_result **out, struct err *err)
{
	enum status st;

	*out = NULL;
	st = propagate_start(dns, name, type, expected, o, check_sync_done, out,
			     err);
	if (st != STATUS_OK)
		return st;
	if (dns_run(dns) != STATUS_OK || !*out) {
		dns_cancel_all(dns);
		propagate_result_free(*out);
		*out = NULL;
		return err_set(err, STATUS_IO,
			       _("the DNS loop failed while checking %s"),
			       name);
	}
	return STATUS_OK;
}
