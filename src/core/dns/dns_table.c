/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The table backend: answers from records loaded from zone files (ldns)
 * or added by tests, as a recursive resolver would (CNAMEs followed,
 * RFC 4592 wildcards), delivered through the ready queue. */
#include "config.h"

#include "dns/dns.h"
#include "dns/dns_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/xalloc.h"

/* RFC 1034 3.6.2 leaves chains to the resolver; stop loops and long ones. */
#define CNAME_CHAIN_MAX DNS_CNAME_CHAIN_MAX

struct table_node {
	char *name;
	struct dns_rr *rrs;
	size_t count, cap;
	enum dns_result fault; /* DNS_DATA when none */
	struct table_node *next;
};

struct table {
	struct table_node **buckets;
	size_t nbuckets;
	size_t nnodes;
};

/* FNV-1a over a lower-case name. */
static size_t table_hash(const char *name)
{
	size_t h = 14695981039346656037ULL;

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Finds a node by normalised name. */
static struct table_node *table_find(const struct table *t, const char *name)
{
	struct table_node *n = t->buckets[table_hash(name) % t->nbuckets];

	for (; n; n = n->next)
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

/* Doubles the bucket array when the chains get long. */
static void table_rehash(struct table *t)
{
	size_t nb = t->nbuckets * 2;
	struct table_node **b = xcalloc(nb, sizeof *b);

	for (size_t i = 0; i < t->nbuckets; i++) {
		struct table_node *n = t->buckets[i], *next;

		for (; n; n = next) {
			size_t h = table_hash(n->name) % nb;

			next = n->next;
			n->next = b[h];
			b[h] = n;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
}

/* Finds or creates the node of a name, and the empty non-terminals above
 * it, so that NODATA and NXDOMAIN come out right (RFC 8020). */
static struct table_node *table_node(struct table *t, const char *name)
{
	struct table_node *n = table_find(t, name);
	const char *dot;

	if (n)
		return n;
	if (t->nnodes >= t->nbuckets * 2)
		table_rehash(t);
	n = xcalloc(1, sizeof *n);
	n->name = xstrdup(name);
	n->fault = DNS_DATA;
	n->next = t->buckets[table_hash(name) % t->nbuckets];
	t->buckets[table_hash(name) % t->nbuckets] = n;
	t->nnodes++;
	dot = strchr(name, '.');
	if (dot && dot[1])
		table_node(t, dot + 1);
	return n;
}

/* Adds one ldns RR to the table. */
static void table_add_ldns(struct table *t, const ldns_rr *rr)
{
	struct dns_rr converted;
	struct table_node *n;

	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
	    !dns_rr_from_ldns(&converted, rr))
		return;
	n = table_node(t, converted.name);
	n->rrs = xgrow(n->rrs, &n->cap, n->count + 1, sizeof *n->rrs);
	n->rrs[n->count++] = converted;
}

/* Loads a zone file with ldns. */
enum status dns_table_load_zone(struct dns *dns, const char *path,
				const char *origin, struct err *err)
{
	enum status ret;
	FILE *fp;

	fp = fopen(path, "r");
	if (!fp)
		return err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
	ret = dns_table_load_zone_fp(dns, fp, path, origin, err);
	fclose(fp);
	return ret;
}

/* Loads a zone from an open stream, RR by RR with ldns's master-file
 * reader ($ORIGIN, $TTL, owners carried over from the previous line).
 * Not ldns_zone_new_frm_fp_l(): ldns 1.8 leaks every RR read before a
 * syntax error. The table changes only when the whole file reads. */
enum status dns_table_load_zone_fp(struct dns *dns, FILE *fp, const char *path,
				   const char *origin, struct err *err)
{
	struct table *t = dns->impl;
	ldns_rdf *cur_origin = NULL, *prev = NULL;
	ldns_rr_list *rrs = ldns_rr_list_new();
	uint32_t ttl = 3600;
	bool soa_seen = false;
	int line = 1;
	enum status ret = STATUS_OK;

	if (origin) {
		char *o = xasprintf("%s.", origin);

		cur_origin = ldns_dname_new_frm_str(o);
		free(o);
		if (!cur_origin) {
			ret = err_set(err, STATUS_USAGE, "%s: bad origin %s",
				      path, origin);
			goto out;
		}
	}
	while (!feof(fp)) {
		ldns_rr *rr = NULL;
		ldns_status st = ldns_rr_new_frm_fp_l(
		    &rr, fp, &ttl, &cur_origin, &prev, &line);

		if (st == LDNS_STATUS_SYNTAX_EMPTY ||
		    st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (st == LDNS_STATUS_SYNTAX_INCLUDE)
			st = LDNS_STATUS_SYNTAX_INCLUDE_ERR_NOTIMPL;
		if (st != LDNS_STATUS_OK) {
			/* ldns counts the newline of the failing line. */
			long pos = ftell(fp);

			if (pos > 0 && fseek(fp, pos - 1, SEEK_SET) == 0 &&
			    fgetc(fp) == '\n' && line > 1)
				line--;
			ret = err_set(err, STATUS_PARSE, "%s:%d: %s", path,
				      line, ldns_get_errorstr_by_id(st));
			goto out;
		}
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
			/* RFC 1035 5.2: one SOA, at the top; names after it
			 * are relative to its owner unless $ORIGIN says. */
			if (soa_seen) {
				ldns_rr_free(rr);
				continue;
			}
			soa_seen = true;
			if (!cur_origin)
				cur_origin = ldns_rdf_clone(ldns_rr_owner(rr));
		}
		ldns_rr_list_push_rr(rrs, rr);
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++)
		table_add_ldns(t, ldns_rr_list_rr(rrs, i));
out:
	ldns_rr_list_deep_free(rrs);
	if (cur_origin)
		ldns_rdf_deep_free(cur_origin);
	if (prev)
		ldns_rdf_deep_free(prev);
	return ret;
}

/* Adds records given as zone-file lines. */
enum status dns_table_add(struct dns *dns, const char *lines, struct err *err)
{
	struct table *t = dns->impl;
	const char *p = lines;
	int lineno = 0;

	while (*p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *line = xstrndup(p, len);
		char *s = line;
		ldns_rr *rr = NULL;
		ldns_status st;

		lineno++;
		p += len + (end ? 1 : 0);
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == ';') {
			free(line);
			continue;
		}
		st = ldns_rr_new_frm_str(&rr, s, 3600, NULL, NULL);
		if (st != LDNS_STATUS_OK) {
			err_set(err, STATUS_PARSE, "line %d: %s: %s", lineno,
				ldns_get_errorstr_by_id(st), s);
			free(line);
			return STATUS_PARSE;
		}
		table_add_ldns(t, rr);
		ldns_rr_free(rr);
		free(line);
	}
	return STATUS_OK;
}

/* Records a forced failure for a name. */
void dns_table_set_fault(struct dns *dns, const char *name,
			 enum dns_result fault)
{
	char *n = text_domain_normalize(name);

	table_node(dns->impl, n)->fault = fault;
	free(n);
}

/* RFC 4592: the wildcard node that would answer for a missing name, if
 * any: "*." + the closest existing ancestor. */
static struct table_node *table_wildcard(const struct table *t,
					 const char *name)
{
	const char *p = strchr(name, '.');

	while (p) {
		const char *parent = p + 1;

		if (table_find(t, parent)) {
			char *w = xasprintf("*.%s", parent);
			struct table_node *n = table_find(t, w);

			free(w);
			return n;
		}
		p = strchr(parent, '.');
	}
	return NULL;
}

/* Copies the RRs of type from a node into the answer, owned by owner. */
static size_t answer_copy(struct dns_answer *a, const struct table_node *n,
			  enum dns_type type, const char *owner)
{
	size_t copied = 0;

	for (size_t i = 0; i < n->count; i++) {
		struct dns_rr *rr;

		if (n->rrs[i].type != type)
			continue;
		rr = dns_answer_add_rr(a);
		dns_rr_copy(rr, &n->rrs[i]);
		free(rr->name);
		rr->name = xstrdup(owner);
		copied++;
	}
	return copied;
}

/* Answers a question from the table. */
static void table_query(struct dns *dns, struct dns_request *req)
{
	struct table *t = dns->impl;
	struct dns_answer *a = dns_answer_new(req, DNS_DATA);
	char *name = dns_name_presentation(req->name);

	a->server = xstrdup("table");
	a->authoritative = true;
	for (int hop = 0;; hop++) {
		struct table_node *n = table_find(t, name);
		size_t i;

		if (n && n->fault != DNS_DATA) {
			a->result = n->fault;
			a->rcode = n->fault == DNS_SERVFAIL ? 2 : 0;
			a->error = xasprintf("%s for %s (table)",
					     dns_result_name(n->fault), name);
			break;
		}
		if (!n || n->count == 0) {
			struct table_node *w =
			    n ? NULL : table_wildcard(t, name);

			if (w) {
				n = w;
			} else {
				/* Empty non-terminals exist: RFC 8020. */
				a->result = n ? DNS_NODATA : DNS_NXDOMAIN;
				a->rcode = n ? 0 : 3;
				break;
			}
		}
		if (answer_copy(a, n, req->type, name) > 0) {
			a->result = DNS_DATA;
			break;
		}
		for (i = 0; i < n->count; i++)
			if (n->rrs[i].type == DNS_T_CNAME)
				break;
		if (i == n->count || req->type == DNS_T_CNAME) {
			a->result = DNS_NODATA;
			break;
		}
		if (hop == CNAME_CHAIN_MAX) {
			a->result = DNS_SERVFAIL;
			a->rcode = 2;
			a->error =
			    xasprintf("CNAME chain too long at %s", name);
			break;
		}
		answer_copy(a, n, DNS_T_CNAME, name);
		free(name);
		name = xstrdup(n->rrs[i].u.host);
	}
	free(name);
	dns_request_defer(req, a);
}

/* Frees the table. */
static void table_free(struct dns *dns)
{
	struct table *t = dns->impl;

	for (size_t i = 0; i < t->nbuckets; i++) {
		struct table_node *n = t->buckets[i], *next;

		for (; n; n = next) {
			next = n->next;
			for (size_t j = 0; j < n->count; j++)
				dns_rr_done(&n->rrs[j]);
			free(n->rrs);
			free(n->name);
			free(n);
		}
	}
	free(t->buckets);
	free(t);
}

static const struct dns_backend_ops table_ops = {
	.query = table_query,
	.free = table_free,
	.offline = true,
};

/* A view frees nothing: the table is its owner's. */
static void view_free(struct dns *dns)
{
	(void)dns;
}

static const struct dns_backend_ops view_ops = {
	.query = table_query,
	.free = view_free,
	.offline = true,
};

/* A resolver over another's table, for a thread of its own: queries
 * only read the table, and each resolver keeps its own queue of
 * answers. */
struct dns *dns_table_view(struct dns *table)
{
	if (!table || table->ops != &table_ops)
		return NULL;
	return dns_new_backend(&view_ops, table->impl);
}

/* Creates an empty table resolver. */
struct dns *dns_new_table(void)
{
	struct table *t = xcalloc(1, sizeof *t);

	t->nbuckets = 256;
	t->buckets = xcalloc(t->nbuckets, sizeof *t->buckets);
	return dns_new_backend(&table_ops, t);
}
