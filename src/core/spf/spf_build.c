/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SPF builder, flattener and chained-record layout. */
#include "config.h"

#include "spf/spf_build.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/i18n.h"
#include "spf/spf_check.h"
#include "spf/spf_eval.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The evaluation order class of a term: cheapest first. */
static int term_rank(const struct spf_term *t)
{
	switch (t->kind) {
	case SPF_IP4:
		return 0;
	case SPF_IP6:
		return 1;
	case SPF_A:
		return 2;
	case SPF_MX:
		return 3;
	case SPF_INCLUDE:
		return 4;
	default:
		return 5;
	}
}

/* Moves a term into a record (the record takes its strings). */
static void record_push(struct spf_record *rec, size_t *cap, struct spf_term *t)
{
	rec->terms = xgrow(rec->terms, cap, rec->count + 1, sizeof *rec->terms);
	rec->terms[rec->count++] = *t;
	memset(t, 0, sizeof *t);
}

/* True if rec already has a term written the same way. */
static bool record_has(const struct spf_record *rec, const char *text)
{
	for (size_t i = 0; i < rec->count; i++) {
		char *t = spf_term_format(&rec->terms[i]);
		bool same = strcasecmp(t, text) == 0;

		free(t);
		if (same)
			return true;
	}
	return false;
}

/* Builds a record from mechanisms. */
enum status spf_build(const char *const *mechanisms, size_t count,
		      bool fail_all, struct spf_record **out, struct err *err)
{
	struct spf_record *rec = xcalloc(1, sizeof *rec);
	size_t cap = 0;
	enum status st = STATUS_OK;
	struct spf_term all = { 0 };

	rec->redirect = rec->exp = -1;
	*out = NULL;
	for (size_t i = 0; i < count; i++) {
		char *text = xasprintf("v=spf1 %s", mechanisms[i]);
		struct spf_record *one = NULL;
		struct err perr = ERR_INIT;

		if (spf_parse(text, strlen(text), &one, NULL, &perr) !=
		    STATUS_OK) {
			/* The column counts "v=spf1 ", which the user did
			 * not type: name the term instead. */
			st = err_set(err, STATUS_USAGE,
				     _("not an SPF mechanism: %s"),
				     mechanisms[i]);
			err_done(&perr);
			free(text);
			goto out;
		}
		free(text);
		for (size_t j = 0; j < one->count; j++) {
			struct spf_term *t = &one->terms[j];
			char *f;

			if (t->kind == SPF_ALL || t->kind == SPF_REDIRECT ||
			    t->kind == SPF_EXP || t->kind == SPF_MODIFIER) {
				st = err_set(err, STATUS_USAGE,
					     _("not a sender mechanism: %s"),
					     mechanisms[i]);
				spf_record_free(one);
				goto out;
			}
			f = spf_term_format(t);
			if (!record_has(rec, f))
				record_push(rec, &cap, t);
			free(f);
		}
		spf_record_free(one);
	}
	/* A stable sort by rank: insertion sort keeps the given order. */
	for (size_t i = 1; i < rec->count; i++) {
		struct spf_term t = rec->terms[i];
		size_t j = i;

		while (j > 0 && term_rank(&rec->terms[j - 1]) > term_rank(&t)) {
			rec->terms[j] = rec->terms[j - 1];
			j--;
		}
		rec->terms[j] = t;
	}
	all.kind = SPF_ALL;
	all.qualifier = fail_all ? SPF_FAIL : SPF_SOFTFAIL;
	all.explicit_qualifier = true;
	all.cidr4 = all.cidr6 = -1;
	record_push(rec, &cap, &all);
out:
	if (st != STATUS_OK) {
		spf_record_free(rec);
		return st;
	}
	*out = rec;
	return STATUS_OK;
}

/* Counts DNS-querying terms of one record. */
size_t spf_record_dns_terms(const struct spf_record *record)
{
	size_t n = 0;

	for (size_t i = 0; i < record->count; i++)
		if (spf_kind_counts(record->terms[i].kind))
			n++;
	return n;
}

/* Frees a flattening result. */
void spf_flatten_free(struct spf_flatten *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nrecords; i++) {
		free(f->records[i].name);
		free(f->records[i].value);
	}
	free(f->records);
	for (size_t i = 0; i < f->nitems; i++) {
		free(f->items[i].mechanism);
		for (size_t j = 0; j < f->items[i].naddresses; j++)
			free(f->items[i].addresses[j]);
		free(f->items[i].addresses);
	}
	free(f->items);
	free(f);
}

/* Appends a TXT record to the result. */
static void flat_add(struct spf_flatten *f, char *name, char *value)
{
	size_t cap = f->nrecords;

	f->records =
	    xgrow(f->records, &cap, f->nrecords + 1, sizeof *f->records);
	f->records[f->nrecords].name = name;
	f->records[f->nrecords].value = value;
	f->nrecords++;
}

/* A list of term texts. */
struct words {
	char **v;
	size_t n, cap;
};

/* Appends a copy unless it is there already. */
static void words_add(struct words *w, const char *s)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcasecmp(w->v[i], s) == 0)
			return;
	w->v = xgrow(w->v, &w->cap, w->n + 1, sizeof *w->v);
	w->v[w->n++] = xstrdup(s);
}

/* Frees the words. */
static void words_done(struct words *w)
{
	strlist_free(w->v, w->n);
	memset(w, 0, sizeof *w);
}

/* Lays out ips, the other terms, the kept includes and the all term as
 * the domain's record, chaining _spfN records past 450 octets. Returns
 * the number of chained records (each costs one lookup). */
static size_t layout(struct spf_flatten *f, const char *domain,
		     const struct words *ips, const struct words *others,
		     const struct words *includes, const char *all)
{
	struct strbuf main = STRBUF_INIT, rest = STRBUF_INIT, rec;
	size_t used = 0, nchain = 0, fixed;
	char *link;

	/* Everything that is not an address range stays in the main
	 * record, after the ranges that fit (RFC 7208 3.4: <= 450). */
	for (size_t i = 0; i < others->n; i++)
		strbuf_addf(&rest, " %s", others->v[i]);
	for (size_t i = 0; i < includes->n; i++)
		strbuf_addf(&rest, " %s", includes->v[i]);
	if (all)
		strbuf_addf(&rest, " %s", all);
	strbuf_addstr(&main, "v=spf1");
	fixed = main.len + rest.len;
	{
		size_t total = fixed;

		for (size_t i = 0; i < ips->n; i++)
			total += 1 + strlen(ips->v[i]);
		if (total <= SPF_RECORD_MAX || !domain) {
			for (size_t i = 0; i < ips->n; i++)
				strbuf_addf(&main, " %s", ips->v[i]);
			strbuf_addstr(&main, strbuf_str(&rest));
			flat_add(f, xstrdup(domain ? domain : ""),
				 strbuf_detach(&main));
			strbuf_done(&rest);
			return 0;
		}
	}
	link = xasprintf(" include:_spf1.%s", domain);
	while (used < ips->n &&
	       fixed + strlen(link) + main.len - 6 + 1 + strlen(ips->v[used]) <=
		   SPF_RECORD_MAX)
		strbuf_addf(&main, " %s", ips->v[used++]);
	strbuf_addstr(&main, link);
	free(link);
	strbuf_addstr(&main, strbuf_str(&rest));
	flat_add(f, xstrdup(domain), strbuf_detach(&main));
	strbuf_done(&rest);
	while (used < ips->n) {
		char *next;
		bool more;

		nchain++;
		strbuf_init(&rec);
		strbuf_addstr(&rec, "v=spf1");
		next = xasprintf(" include:_spf%zu.%s", nchain + 1, domain);
		for (;;) {
			size_t need = rec.len + 1 + strlen(ips->v[used]);

			more = used + 1 < ips->n;
			if (more)
				need += strlen(next);
			/* A range always goes in, even if alone too long. */
			if (rec.len > 6 && need > SPF_RECORD_MAX) {
				more = true;
				break;
			}
			strbuf_addf(&rec, " %s", ips->v[used++]);
			if (!more)
				break;
		}
		if (more && used < ips->n)
			strbuf_addstr(&rec, next);
		free(next);
		flat_add(f, xasprintf("_spf%zu.%s", nchain, domain),
			 strbuf_detach(&rec));
	}
	return nchain;
}

/* Splits a record's terms into ranges, other terms, includes, all. */
static void record_words(const struct spf_record *rec, struct words *ips,
			 struct words *others, struct words *includes,
			 char **all)
{
	*all = NULL;
	for (size_t i = 0; i < rec->count; i++) {
		const struct spf_term *t = &rec->terms[i];
		char *s = spf_term_format(t);

		if (t->kind == SPF_IP4 || t->kind == SPF_IP6)
			words_add(ips, s);
		else if (t->kind == SPF_INCLUDE)
			words_add(includes, s);
		else if (t->kind == SPF_ALL && !*all)
			*all = xstrdup(s);
		else if (t->kind != SPF_ALL)
			words_add(others, s);
		free(s);
	}
}

/* Lays out a record without flattening. */
struct spf_flatten *spf_layout(const char *domain,
			       const struct spf_record *record)
{
	struct spf_flatten *f = xcalloc(1, sizeof *f);
	struct words ips = { 0 }, others = { 0 }, includes = { 0 };
	char *all;

	record_words(record, &ips, &others, &includes, &all);
	f->lookups = spf_record_dns_terms(record) +
		     layout(f, domain, &ips, &others, &includes, all);
	free(all);
	words_done(&ips);
	words_done(&others);
	words_done(&includes);
	return f;
}

/* Collects the ip4/ip6 terms of a subtree; false when it holds anything
 * that cannot be flattened faithfully. */
static bool subtree_ranges(const struct spf_node *node, struct words *out)
{
	struct spf_record *rec = NULL;
	bool ok = true;

	if (node->state != SPF_NODE_OK || !node->record ||
	    spf_parse(node->record, strlen(node->record), &rec, NULL, NULL) !=
		STATUS_OK)
		return false;
	for (size_t i = 0; i < rec->count && ok; i++) {
		const struct spf_term *t = &rec->terms[i];
		char *s;

		switch (t->kind) {
		case SPF_IP4:
		case SPF_IP6:
			/* Only "+" ranges mean "pass" through include. */
			if (t->qualifier != SPF_PASS) {
				ok = false;
				break;
			}
			s = spf_term_format(t);
			words_add(out, s);
			free(s);
			break;
		case SPF_INCLUDE:
		case SPF_REDIRECT:
		case SPF_EXP:
		case SPF_MODIFIER:
			break;
		case SPF_ALL:
			/* "+all" in an include would pass everyone. */
			if (t->qualifier == SPF_PASS)
				ok = false;
			break;
		default:
			/* a, mx, ptr, exists depend on DNS at check time. */
			ok = false;
			break;
		}
	}
	spf_record_free(rec);
	for (size_t i = 0; ok && i < node->nchildren; i++)
		ok = subtree_ranges(node->children[i], out);
	return ok;
}

/* Sorts words for stable comparison. */
static int words_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One include being resolved. */
struct resolve {
	struct spf_check *check;
};

/* Keeps a finished check. */
static void resolve_done(void *arg, struct spf_check *check)
{
	((struct resolve *)arg)->check = check;
}

/* Resolves the trees of items[i].mechanism (all at once) and fills
 * cost, flattenable and addresses. STATUS_DNS when a record cannot be
 * fetched. */
static enum status resolve_items(struct dns *dns, struct spf_flat_item *items,
				 size_t n, struct err *err)
{
	struct resolve *r = xcalloc(n ? n : 1, sizeof *r);
	struct spf_check_run **runs = xcalloc(n ? n : 1, sizeof *runs);
	enum status st = STATUS_OK;

	for (size_t i = 0; i < n; i++)
		runs[i] = spf_check_start(dns, items[i].mechanism + 8,
					  resolve_done, &r[i]);
	if (dns_run(dns) != STATUS_OK) {
		st = err_set(err, STATUS_IO, "%s",
			     _("the resolver loop failed"));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct spf_check *c = r[i].check;
		struct words w = { 0 };

		if (!c) {
			st = err_set(err, STATUS_IO, "%s",
				     _("the resolver loop failed"));
			goto out;
		}
		if (c->dns_failed) {
			st = err_set(err, STATUS_DNS, "%s", c->dns_error);
			goto out;
		}
		items[i].cost = 1 + c->lookups;
		items[i].flattenable = subtree_ranges(c->root, &w);
		if (!items[i].flattenable)
			words_done(&w);
		if (w.n > 1)
			qsort(w.v, w.n, sizeof *w.v, words_cmp);
		items[i].addresses = w.v;
		items[i].naddresses = w.n;
	}
out:
	for (size_t i = 0; i < n; i++) {
		spf_check_free(r[i].check);
		spf_check_run_free(runs[i]);
	}
	free(runs);
	free(r);
	return st;
}

/* Counts the lookups of a record with its includes' trees. */
enum status spf_record_lookups(struct dns *dns, const struct spf_record *record,
			       size_t *lookups, struct err *err)
{
	struct spf_flat_item *items = xcalloc(record->count + 1, sizeof *items);
	size_t n = 0, total = 0;
	bool has_all = false;
	enum status st;

	for (size_t i = 0; i < record->count; i++)
		has_all = has_all || record->terms[i].kind == SPF_ALL;
	for (size_t i = 0; i < record->count; i++) {
		const struct spf_term *t = &record->terms[i];

		if (!spf_kind_counts(t->kind))
			continue;
		/* RFC 7208 6.1: with "all" the redirect is ignored. */
		if (t->kind == SPF_REDIRECT && has_all)
			continue;
		if ((t->kind != SPF_INCLUDE && t->kind != SPF_REDIRECT) ||
		    strchr(t->domain_spec, '%')) {
			total++;
			continue;
		}
		items[n++].mechanism = xasprintf("include:%s", t->domain_spec);
	}
	st = resolve_items(dns, items, n, err);
	for (size_t i = 0; i < n; i++) {
		total += items[i].cost;
		free(items[i].mechanism);
		for (size_t j = 0; j < items[i].naddresses; j++)
			free(items[i].addresses[j]);
		free(items[i].addresses);
	}
	free(items);
	*lookups = total;
	return st;
}

/* The flattener's search state. */
struct search {
	const char *domain;
	const struct spf_record *record;
	struct spf_flat_item *items;
	size_t nitems;
	bool *chosen, *best;
	size_t best_rotating, best_octets, best_k;
	size_t k; /* the size of the sets being tried */
	bool found;
};

/* Lays out the record with the chosen includes flattened into f; returns
 * its lookups. */
static size_t compose(const struct search *s, const bool *chosen,
		      struct spf_flatten *f)
{
	struct words ips = { 0 }, others = { 0 }, includes = { 0 },
		     keep = { 0 };
	size_t lookups = 0;
	char *all;

	record_words(s->record, &ips, &others, &includes, &all);
	for (size_t i = 0; i < includes.n; i++) {
		size_t j = 0;

		while (j < s->nitems &&
		       strcasecmp(s->items[j].mechanism, includes.v[i]) != 0)
			j++;
		if (j == s->nitems) {
			/* Qualified or with macros: kept, one lookup. */
			words_add(&keep, includes.v[i]);
			lookups++;
		} else if (chosen[j]) {
			for (size_t k = 0; k < s->items[j].naddresses; k++)
				words_add(&ips, s->items[j].addresses[k]);
		} else {
			words_add(&keep, includes.v[i]);
			lookups += s->items[j].cost;
		}
	}
	/* a, mx, ptr, exists of the record itself. */
	lookups += spf_record_dns_terms(s->record) - includes.n;
	lookups += layout(f, s->domain, &ips, &others, &keep, all);
	free(all);
	words_done(&ips);
	words_done(&others);
	words_done(&includes);
	words_done(&keep);
	return lookups;
}

/* Tries every set of k flattenable includes from index i on. */
static void search_k(struct search *s, size_t i, size_t k)
{
	if (k == 0) {
		struct spf_flatten f = { 0 };
		size_t lookups = compose(s, s->chosen, &f), rotating = 0,
		       octets = 0;

		for (size_t j = 0; j < s->nitems; j++)
			if (s->chosen[j] && s->items[j].rotating)
				rotating++;
		for (size_t j = 0; j < f.nrecords; j++)
			octets += strlen(f.records[j].value);
		/* Fewest rotating services flattened (they go stale), then
		 * the fewest includes (search order), then fewest octets. */
		if (lookups <= SPF_MAX_DNS_TERMS &&
		    (!s->found || rotating < s->best_rotating ||
		     (rotating == s->best_rotating && s->k < s->best_k) ||
		     (rotating == s->best_rotating && s->k == s->best_k &&
		      octets < s->best_octets))) {
			s->best_k = s->k;
			s->found = true;
			s->best_rotating = rotating;
			s->best_octets = octets;
			memcpy(s->best, s->chosen, s->nitems * sizeof *s->best);
		}
		for (size_t j = 0; j < f.nrecords; j++) {
			free(f.records[j].name);
			free(f.records[j].value);
		}
		free(f.records);
		return;
	}
	for (size_t j = i; j < s->nitems; j++) {
		if (!s->items[j].flattenable)
			continue;
		s->chosen[j] = true;
		search_k(s, j + 1, k - 1);
		s->chosen[j] = false;
	}
}

/* One item per include of record without macros, in its order. */
static void include_items(const struct spf_record *record,
			  struct spf_flatten *f)
{
	for (size_t i = 0; i < record->count; i++) {
		const struct spf_term *t = &record->terms[i];
		size_t cap = f->nitems;

		if (t->kind != SPF_INCLUDE || strchr(t->domain_spec, '%'))
			continue;
		f->items =
		    xgrow(f->items, &cap, f->nitems + 1, sizeof *f->items);
		memset(&f->items[f->nitems], 0, sizeof *f->items);
		f->items[f->nitems].mechanism =
		    xasprintf("include:%s", t->domain_spec);
		f->nitems++;
	}
}

/* Flattens a record under the limit. */
enum status spf_flatten(struct dns *dns, const char *domain,
			const struct spf_record *record,
			spf_rotating_fn rotating, void *arg,
			struct spf_flatten **out, struct err *err)
{
	struct spf_flatten *f = xcalloc(1, sizeof *f);
	struct search s = { .domain = domain, .record = record };
	size_t nflat = 0;
	enum status st;

	*out = NULL;
	include_items(record, f);
	for (size_t i = 0; i < f->nitems; i++)
		f->items[i].rotating =
		    rotating && rotating(arg, f->items[i].mechanism);
	st = resolve_items(dns, f->items, f->nitems, err);
	if (st != STATUS_OK)
		goto fail;
	s.items = f->items;
	s.nitems = f->nitems;
	s.chosen = xcalloc(f->nitems + 1, sizeof *s.chosen);
	s.best = xcalloc(f->nitems + 1, sizeof *s.best);
	for (size_t i = 0; i < f->nitems; i++)
		if (f->items[i].flattenable)
			nflat++;
	/* The fewest includes first: k = 0, 1, 2, ...; larger sets are
	 * still tried while the best so far flattens a rotating service
	 * (bounded: past 16 candidates the first fit is taken). */
	for (size_t k = 0; k <= nflat; k++) {
		if (s.found && (s.best_rotating == 0 || nflat > 16))
			break;
		s.k = k;
		search_k(&s, 0, k);
	}
	if (!s.found) {
		free(s.chosen);
		free(s.best);
		st = err_set(err, STATUS_LIMIT,
			     _("even with every include that holds only "
			       "ranges flattened, the record needs more "
			       "than 10 DNS lookups"));
		goto fail;
	}
	for (size_t i = 0; i < f->nitems; i++)
		f->items[i].flattened = s.best[i];
	f->lookups = compose(&s, s.best, f);
	free(s.chosen);
	free(s.best);
	*out = f;
	return STATUS_OK;
fail:
	spf_flatten_free(f);
	return st;
}

/* Flattens the includes the operator chose, keeping the others. */
enum status spf_flatten_chosen(struct dns *dns, const char *domain,
			       const struct spf_record *record,
			       const char *const *flatten, size_t count,
			       struct spf_flatten **out, struct err *err)
{
	struct spf_flatten *f = xcalloc(1, sizeof *f);
	struct search s = { .domain = domain, .record = record };
	bool *chosen = NULL;
	enum status st;

	*out = NULL;
	include_items(record, f);
	st = resolve_items(dns, f->items, f->nitems, err);
	if (st != STATUS_OK)
		goto fail;
	chosen = xcalloc(f->nitems + 1, sizeof *chosen);
	for (size_t i = 0; i < count; i++) {
		size_t j = 0;

		while (j < f->nitems &&
		       strcasecmp(f->items[j].mechanism, flatten[i]) != 0)
			j++;
		if (j == f->nitems) {
			st = err_set(err, STATUS_USAGE,
				     _("%s is not an include of the record"),
				     flatten[i]);
			goto fail;
		}
		/* RFC 7208 5.2: an include passes only on the included
		 * record's pass; ranges it fails ("-ip4"), "+all" or terms
		 * that ask DNS at check time have no faithful copy. */
		if (!f->items[j].flattenable) {
			st = err_set(err, STATUS_USAGE,
				     _("%s cannot be flattened: its tree has "
				       "terms that are not plain address "
				       "ranges (a qualified range, +all, a, "
				       "mx, ptr or exists)"),
				     flatten[i]);
			goto fail;
		}
		chosen[j] = true;
	}
	for (size_t i = 0; i < f->nitems; i++)
		f->items[i].flattened = chosen[i];
	s.items = f->items;
	s.nitems = f->nitems;
	f->lookups = compose(&s, chosen, f);
	free(chosen);
	*out = f;
	return STATUS_OK;
fail:
	free(chosen);
	spf_flatten_free(f);
	return st;
}

/* Counts the words of a that are not in the sorted list b. */
static size_t count_missing(char **a, size_t na, char **b, size_t nb)
{
	size_t n = 0;

	for (size_t i = 0; i < na; i++)
		if (nb == 0 || !bsearch(&a[i], b, nb, sizeof *b, words_cmp))
			n++;
	return n;
}

/* Compares stored flattened ranges with the live ones. */
enum status spf_flatten_drift(struct dns *dns,
			      const struct spf_flat_saved *saved, size_t count,
			      struct findings *findings, struct err *err)
{
	struct spf_flat_item *items = NULL;
	struct words *old = NULL;
	const struct spf_flat_saved **from = NULL;
	size_t n = 0;
	enum status st = STATUS_OK;

	items = xcalloc(count ? count : 1, sizeof *items);
	old = xcalloc(count ? count : 1, sizeof *old);
	from = xcalloc(count ? count : 1, sizeof *from);
	for (size_t i = 0; i < count; i++) {
		if (strncmp(saved[i].mechanism, "include:", 8) != 0)
			continue;
		items[n].mechanism = xstrdup(saved[i].mechanism);
		from[n] = &saved[i];
		for (size_t j = 0; j < saved[i].naddresses; j++)
			words_add(&old[n], saved[i].addresses[j]);
		if (old[n].n > 1)
			qsort(old[n].v, old[n].n, sizeof *old[n].v, words_cmp);
		n++;
	}
	if (n == 0)
		goto out;
	st = resolve_items(dns, items, n, err);
	if (st != STATUS_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		size_t added =
		    count_missing(items[i].addresses, items[i].naddresses,
				  old[i].v, old[i].n);
		size_t removed =
		    count_missing(old[i].v, old[i].n, items[i].addresses,
				  items[i].naddresses);
		char when[DATE_BUFSIZE];
		struct finding *f;

		if (added == 0 && removed == 0 && items[i].flattenable)
			continue;
		f = findings_add(findings, F_SPF_FLATTEN_DRIFT,
				 _("%s changed since it was flattened on %s: "
				   "%zu ranges added, %zu removed"),
				 items[i].mechanism,
				 date_format(from[i]->flattened, when), added,
				 removed);
		finding_set_advice(f, _("Build and publish the record again "
					"(dmarcpilot spf build --flatten "
					"DOMAIN), or the service's new "
					"addresses fail SPF."));
	}
out:
	for (size_t i = 0; i < n; i++) {
		free(items[i].mechanism);
		for (size_t j = 0; j < items[i].naddresses; j++)
			free(items[i].addresses[j]);
		free(items[i].addresses);
		words_done(&old[i]);
	}
	free(items);
	free(old);
	free(from);
	return st;
}
