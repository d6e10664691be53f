/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "store/state.h"
#include "store/state_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/dname.h"
#include "util/ip.h"
#include "util/text.h"
#include "util/xalloc.h"

static const char *const sender_kind_names[] = {
	[SENDER_PROVIDER] = "provider",
	[SENDER_IP4] = "ip4",
	[SENDER_IP6] = "ip6",
	[SENDER_A] = "a",
	[SENDER_MX] = "mx",
	[SENDER_INCLUDE] = "include",
};

/* ---------------------------------------------------------------- helpers */

/* ---------------------------------------------------------------- domains */

/* A row being added by store_transact(): the domain's name, or the
 * sender's or disowned source's value, already checked. */
struct row_add {
	const char *domain;
	const char *value;
	const char *kind; /* a sender's */
	const char *note;
	const char *spec; /* as the operator wrote it */
	date_t today;
	int64_t *id;
};

/* Inserts the domain's row. */
static enum status domain_add_run(struct store *store, void *arg,
				  struct err *err)
{
	const struct row_add *a = arg;
	struct db_stmt *stmt = NULL;
	char *exists;
	enum status st;

	if ((st = store_prepare(store, &stmt,
				"INSERT INTO domain(name, created)"
				" VALUES (?1, ?2) RETURNING id",
				err)))
		return st;
	db_bind_text(stmt, 1, a->value);
	store_bind_date(stmt, 2, a->today);
	exists = xasprintf(_("domain %s is already there"), a->value);
	st =
	    store_insert(store, stmt, _("adding a domain"), exists, a->id, err);
	db_finalize(stmt);
	free(exists);
	return st;
}

/* Adds a domain row. */
enum status state_domain_add(struct store *store, const char *name,
			     date_t today, int64_t *id, struct err *err)
{
	struct row_add a = { .today = today, .id = id };
	char *norm;
	enum status st;

	norm = dname_normalize(name, STATE_NAME_FLAGS);
	if (!norm) {
		char *clean = text_clean_str(name);

		st = err_set(err, STATUS_USAGE, _("not a domain name: %s"),
			     clean);
		free(clean);
		return st;
	}
	a.value = norm;
	st = store_transact(store, domain_add_run, &a, err);
	free(norm);
	return st;
}

/* Finds a domain's id in its own read. */
enum status state_domain_id(struct store *store, const char *name, int64_t *id,
			    struct err *err)
{
	return state_domain_lookup(store, name, id, err);
}

/* Maps a row of domain. */
static bool domain_row(struct db_stmt *stmt, void *item)
{
	struct state_domain *d = item;

	d->id = db_column_int64(stmt, 0);
	d->name = store_column_str(stmt, 1);
	d->created = store_column_date(stmt, 2);
	return true;
}

/* Lists the domains. */
enum status state_domain_list(struct store *store, struct state_domain **out,
			      size_t *count, struct err *err)
{
	struct state_items it = STATE_ITEMS_INIT;
	enum status st;

	st = store_list(store, NULL,
			"SELECT id, name, created FROM domain ORDER BY name",
			sizeof(struct state_domain), domain_row, &it,
			_("listing domains"), err);
	if (st != STATUS_OK) {
		state_domains_free(it.v, it.n);
		it.v = NULL;
		it.n = 0;
	}
	*out = it.v;
	*count = it.n;
	return st;
}

/* Frees a domain list. */
void state_domains_free(struct state_domain *domains, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(domains[i].name);
	free(domains);
}

/* ---------------------------------------------------------------- senders */

/* The kind's word. */
const char *state_sender_kind_name(enum sender_kind kind)
{
	return sender_kind_names[kind];
}

/* The kind named by a word, or -1. */
static int sender_kind_from_name(const char *s)
{
	for (size_t i = 0;
	     i < sizeof sender_kind_names / sizeof *sender_kind_names; i++)
		if (strcmp(s, sender_kind_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Writes a sender back the way it is typed. */
char *state_sender_spec(const struct state_sender *sender)
{
	if (sender->kind == SENDER_PROVIDER)
		return xstrdup(sender->value);
	if (!*sender->value)
		return xstrdup(state_sender_kind_name(sender->kind));
	return xasprintf("%s:%s", state_sender_kind_name(sender->kind),
			 sender->value);
}

/* The SPF mechanism of a sender. */
char *state_sender_mechanism(const struct state_sender *sender,
			     const struct providers *catalogue)
{
	const struct provider *p;

	if (sender->kind != SENDER_PROVIDER)
		return state_sender_spec(sender);
	p = catalogue ? providers_find(catalogue, sender->value) : NULL;
	return p && p->spf ? xstrdup(p->spf) : NULL;
}

/* Parses a sender as typed. */
enum status state_sender_parse(const char *spec,
			       const struct providers *catalogue,
			       enum sender_kind *kind, char **value,
			       struct err *err)
{
	const char *colon = strchr(spec, ':');
	char *word =
	    colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	const char *arg = colon ? colon + 1 : NULL;
	char *clean = text_clean_str(spec);
	enum status st = STATUS_OK;
	int k;

	*value = NULL;
	text_lower(word);
	k = sender_kind_from_name(word);
	if (!colon && k != SENDER_A && k != SENDER_MX) {
		/* A provider ID: a section of providers.ini. */
		const struct provider *p =
		    catalogue ? providers_find(catalogue, spec) : NULL;

		if (!p) {
			st = err_set(err, STATUS_USAGE,
				     _("%s: no such provider (see "
				       "providers.ini), and not ip4:CIDR, "
				       "ip6:CIDR, a:HOST, mx:HOST or "
				       "include:HOST"),
				     clean);
			goto out;
		}
		*kind = SENDER_PROVIDER;
		*value = xstrdup(p->id);
		goto out;
	}
	if (k < 0 || k == SENDER_PROVIDER) {
		st = err_set(err, STATUS_USAGE,
			     _("%s: unknown kind of sender; use ip4:CIDR, "
			       "ip6:CIDR, a:HOST, mx:HOST or include:HOST"),
			     clean);
		goto out;
	}
	*kind = (enum sender_kind)k;
	if (k == SENDER_IP4 || k == SENDER_IP6) {
		struct ip_net net;
		char buf[IP_NET_BUFSIZE];

		/* RFC 7208 5.6: ip4 takes dotted quads, ip6 RFC 4291. */
		if (!ip_net_parse(arg, k == SENDER_IP4 ? AF_INET : AF_INET6,
				  &net)) {
			st = err_set(err, STATUS_USAGE,
				     k == SENDER_IP4
					 ? _("%s: not an IPv4 network "
					     "(ip4:192.0.2.0/24)")
					 : _("%s: not an IPv6 network "
					     "(ip6:2001:db8::/32)"),
				     clean);
			goto out;
		}
		*value = xstrdup(ip_net_format(&net, buf));
		goto out;
	}
	if (!arg) {
		/* Bare "a" or "mx": the domain's own addresses. */
		*value = xstrdup("");
		goto out;
	}
	*value = dname_normalize(arg, STATE_NAME_FLAGS);
	if (!*value)
		st =
		    err_set(err, STATUS_USAGE, _("%s: not a host name"), clean);
out:
	free(clean);
	free(word);
	return st;
}

/* Inserts the sender's row. */
static enum status sender_add_run(struct store *store, void *arg,
				  struct err *err)
{
	const struct row_add *a = arg;
	struct db_stmt *stmt = NULL;
	char *exists = NULL, *clean = NULL;
	int64_t domain_id;
	enum status st;

	if ((st = state_domain_lookup(store, a->domain, &domain_id, err)))
		goto fail;
	if ((st = store_prepare(store, &stmt,
				"INSERT INTO sender(domain_id, kind, value,"
				" note, created) VALUES (?1, ?2, ?3, ?4, ?5)"
				" RETURNING id",
				err)))
		goto fail;
	db_bind_int64(stmt, 1, domain_id);
	db_bind_text(stmt, 2, a->kind);
	db_bind_text(stmt, 3, a->value);
	db_bind_text(stmt, 4, a->note);
	store_bind_date(stmt, 5, a->today);
	clean = text_clean_str(a->spec);
	exists = xasprintf(_("sender %s is already there"), clean);
	st =
	    store_insert(store, stmt, _("adding a sender"), exists, a->id, err);
fail:
	db_finalize(stmt);
	free(clean);
	free(exists);
	return st;
}

/* Inserts a sender. */
enum status state_sender_add(struct store *store, const char *domain,
			     const char *spec, const char *note,
			     const struct providers *catalogue, date_t today,
			     int64_t *id, struct err *err)
{
	struct row_add a = { .domain = domain,
			     .note = note,
			     .spec = spec,
			     .today = today,
			     .id = id };
	enum sender_kind kind;
	char *value = NULL;
	enum status st;

	if ((st = state_sender_parse(spec, catalogue, &kind, &value, err)))
		return st;
	a.kind = state_sender_kind_name(kind);
	a.value = value;
	st = store_transact(store, sender_add_run, &a, err);
	free(value);
	return st;
}

/* Maps a row of sender. */
static bool sender_row(struct db_stmt *stmt, void *item)
{
	struct state_sender *v = item;
	const char *k = db_column_text(stmt, 1);
	int kind = k ? sender_kind_from_name((const char *)k) : -1;

	if (kind < 0)
		return false; /* the CHECK constraint forbids it */
	v->id = db_column_int64(stmt, 0);
	v->kind = (enum sender_kind)kind;
	v->value = store_column_str(stmt, 2);
	if (!v->value)
		v->value = xstrdup("");
	v->note = store_column_str(stmt, 3);
	v->created = store_column_date(stmt, 4);
	return true;
}

/* Lists a domain's senders. */
enum status state_sender_list(struct store *store, const char *domain,
			      struct state_sender **out, size_t *count,
			      struct err *err)
{
	struct state_items it = STATE_ITEMS_INIT;
	enum status st;

	st = store_list(store, domain,
			"SELECT id, kind, value, note, created"
			" FROM sender WHERE domain_id = ?1 ORDER BY id",
			sizeof(struct state_sender), sender_row, &it,
			_("listing senders"), err);
	if (st != STATUS_OK) {
		state_senders_free(it.v, it.n);
		it.v = NULL;
		it.n = 0;
	}
	*out = it.v;
	*count = it.n;
	return st;
}

/* Frees a sender list. */
void state_senders_free(struct state_sender *senders, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(senders[i].value);
		free(senders[i].note);
	}
	free(senders);
}

/* The row id a user typed ("3"), or -1 when which is not a number. */
static int64_t row_id_arg(const char *which)
{
	long long num;
	char *end;

	errno = 0;
	num = strtoll(which, &end, 10);
	return *which && !*end && errno == 0 && num > 0 ? num : -1;
}

/* Deletes one row by id with sql ("DELETE ... WHERE id = ?1"). */
static enum status row_delete(struct store *store, const char *sql, int64_t id,
			      const char *what, struct err *err)
{
	struct db_stmt *stmt = NULL;
	enum status st;

	if ((st = store_prepare(store, &stmt, sql, err)))
		return st;
	db_bind_int64(stmt, 1, id);
	st = store_done(store, stmt, what, NULL, err);
	db_finalize(stmt);
	return st;
}

/* A row being removed by store_transact(): by id or as written. */
struct row_remove {
	const char *domain;
	const char *which;
};

/* Finds the sender and deletes its row. */
static enum status sender_remove_run(struct store *store, void *arg,
				     struct err *err)
{
	const struct row_remove *a = arg;
	const char *domain = a->domain, *which = a->which;
	struct state_sender *senders = NULL;
	int64_t target = -1, num = row_id_arg(which);
	size_t n = 0;
	enum status st;

	if ((st = state_sender_list(store, domain, &senders, &n, err)))
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (senders[i].id == num)
			target = num;
	for (size_t i = 0; target < 0 && i < n; i++) {
		char *spec = state_sender_spec(&senders[i]);

		if (text_ieq(spec, which))
			target = senders[i].id;
		free(spec);
	}
	if (target < 0) {
		char *clean = text_clean_str(which);
		char *d = text_clean_str(domain);

		st = err_set(err, STATUS_NOT_FOUND,
			     _("%s: domain %s has no sender %s"),
			     store_path(store), d, clean);
		free(d);
		free(clean);
		goto fail;
	}
	st = row_delete(store, "DELETE FROM sender WHERE id = ?1", target,
			_("removing a sender"), err);
fail:
	state_senders_free(senders, n);
	return st;
}

/* Deletes a sender by id or spec. */
enum status state_sender_remove(struct store *store, const char *domain,
				const char *which, struct err *err)
{
	struct row_remove a = { domain, which };

	return store_transact(store, sender_remove_run, &a, err);
}

/* ---------------------------------------------------------------- not ours */

/* Parses and normalises a source to disown; refuses networks so wide
 * that they would hide real senders. */
static enum status disown_parse(const char *source, char **network,
				struct err *err)
{
	char buf[IP_NET_BUFSIZE];
	struct ip_net net;
	char *clean;
	int min;

	*network = NULL;
	clean = text_clean_str(source);
	if (!ip_net_parse(source, AF_UNSPEC, &net)) {
		enum status st = err_set(err, STATUS_USAGE,
					 _("not an IP address or network: %s "
					   "(203.0.113.9, 198.51.100.0/24, "
					   "2001:db8::/48)"),
					 clean);

		free(clean);
		return st;
	}
	min = net.family == AF_INET ? STATE_DISOWN_MIN_PREFIX4
				    : STATE_DISOWN_MIN_PREFIX6;
	if (net.prefix < min) {
		enum status st = err_set(err, STATUS_USAGE,
					 _("%s is too wide to disown: a "
					   "prefix of at least /%d, please"),
					 clean, min);

		free(clean);
		return st;
	}
	free(clean);
	*network = xstrdup(ip_net_format(&net, buf));
	return STATUS_OK;
}

/* STATUS_USAGE naming the sender when network overlaps one of the
 * domain's ip4/ip6 senders: a source cannot be ours and not ours. */
static enum status disown_conflict(struct store *store, const char *domain,
				   const char *network, struct err *err)
{
	struct state_sender *senders = NULL;
	struct ip_net a, b;
	size_t n = 0;
	enum status st;

	if ((st = state_sender_list(store, domain, &senders, &n, err)))
		return st;
	ip_net_parse(network, AF_UNSPEC, &a);
	for (size_t i = 0; i < n && st == STATUS_OK; i++) {
		char *spec;

		if ((senders[i].kind != SENDER_IP4 &&
		     senders[i].kind != SENDER_IP6) ||
		    !ip_net_parse(senders[i].value, AF_UNSPEC, &b) ||
		    a.family != b.family)
			continue;
		/* Two networks overlap when the wider contains the other. */
		if (!ip_prefix_equal(a.addr, b.addr,
				     a.prefix < b.prefix ? a.prefix : b.prefix))
			continue;
		spec = state_sender_spec(&senders[i]);
		st = err_set(err, STATUS_USAGE,
			     _("%s overlaps sender %s of %s; remove the "
			       "sender first if it is not yours"),
			     network, spec, domain);
		free(spec);
	}
	state_senders_free(senders, n);
	return st;
}

/* Inserts the disowned source's row. */
static enum status disown_add_run(struct store *store, void *arg,
				  struct err *err)
{
	const struct row_add *a = arg;
	struct db_stmt *stmt = NULL;
	char *exists = NULL;
	int64_t domain_id;
	enum status st;

	if ((st = state_domain_lookup(store, a->domain, &domain_id, err)) ||
	    (st = disown_conflict(store, a->domain, a->value, err)))
		goto fail;
	if ((st =
		 store_prepare(store, &stmt,
			       "INSERT INTO disowned(domain_id, network, note,"
			       " created) VALUES (?1, ?2, ?3, ?4) RETURNING id",
			       err)))
		goto fail;
	db_bind_int64(stmt, 1, domain_id);
	db_bind_text(stmt, 2, a->value);
	db_bind_text(stmt, 3, a->note);
	store_bind_date(stmt, 4, a->today);
	exists = xasprintf(_("%s is disowned already"), a->value);
	st = store_insert(store, stmt, _("disowning a source"), exists, a->id,
			  err);
fail:
	db_finalize(stmt);
	free(exists);
	return st;
}

/* Disowns a source. */
enum status state_disown_add(struct store *store, const char *domain,
			     const char *source, const char *note, date_t today,
			     int64_t *id, struct err *err)
{
	struct row_add a = {
		.domain = domain, .note = note, .today = today, .id = id
	};
	char *network = NULL;
	enum status st;

	if ((st = disown_parse(source, &network, err)))
		return st;
	a.value = network;
	st = store_transact(store, disown_add_run, &a, err);
	free(network);
	return st;
}

/* Maps a row of disowned. */
static bool disowned_row(struct db_stmt *stmt, void *item)
{
	struct state_disowned *v = item;

	v->id = db_column_int64(stmt, 0);
	v->network = store_column_str(stmt, 1);
	if (!v->network)
		v->network = xstrdup("");
	v->note = store_column_str(stmt, 2);
	v->created = store_column_date(stmt, 3);
	return true;
}

/* Lists a domain's disowned sources. */
enum status state_disown_list(struct store *store, const char *domain,
			      struct state_disowned **out, size_t *count,
			      struct err *err)
{
	struct state_items it = STATE_ITEMS_INIT;
	enum status st;

	st = store_list(store, domain,
			"SELECT id, network, note, created FROM disowned"
			" WHERE domain_id = ?1 ORDER BY id",
			sizeof(struct state_disowned), disowned_row, &it,
			_("listing disowned sources"), err);
	if (st != STATUS_OK) {
		state_disowned_free(it.v, it.n);
		it.v = NULL;
		it.n = 0;
	}
	*out = it.v;
	*count = it.n;
	return st;
}

/* Frees a list of disowned sources. */
void state_disowned_free(struct state_disowned *list, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(list[i].network);
		free(list[i].note);
	}
	free(list);
}

/* Finds the disowned source and deletes its row. */
static enum status disown_remove_run(struct store *store, void *arg,
				     struct err *err)
{
	const struct row_remove *a = arg;
	const char *domain = a->domain, *which = a->which;
	struct state_disowned *list = NULL;
	int64_t target = -1, num = row_id_arg(which);
	char *network = NULL;
	size_t n = 0;
	enum status st;

	if ((st = state_disown_list(store, domain, &list, &n, err)))
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (list[i].id == num)
			target = num;
	if (target < 0 && disown_parse(which, &network, NULL) == STATUS_OK)
		for (size_t i = 0; i < n; i++)
			if (strcmp(list[i].network, network) == 0)
				target = list[i].id;
	if (target < 0) {
		char *clean = text_clean_str(which);
		char *d = text_clean_str(domain);

		st = err_set(err, STATUS_NOT_FOUND,
			     _("%s: %s is not disowned for %s"),
			     store_path(store), clean, d);
		free(d);
		free(clean);
		goto fail;
	}
	st = row_delete(store, "DELETE FROM disowned WHERE id = ?1", target,
			_("taking back a disowned source"), err);
fail:
	state_disowned_free(list, n);
	free(network);
	return st;
}

/* Takes back a disowned source by id or network. */
enum status state_disown_remove(struct store *store, const char *domain,
				const char *which, struct err *err)
{
	struct row_remove a = { domain, which };

	return store_transact(store, disown_remove_run, &a, err);
}
