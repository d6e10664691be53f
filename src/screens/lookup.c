/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNS lookups shown on screens. */
#include "config.h"

#include "screens/lookup.h"

#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "screens/tui.h"

/* Ties an answer to the query that asked for it. */
struct ticket {
	struct lookup *lookup;
	unsigned gen;
};

/* Keeps an answer in the lookup, unless the lookup moved on. */
static void lookup_answered(void *arg, const struct dns_answer *a)
{
	struct ticket *t = arg;
	struct lookup *l = t->lookup;
	bool current = l->gen == t->gen;

	free(t);
	if (!current)
		return;
	l->answered = true;
	l->result = a->result;
	free(l->problem);
	l->problem = a->error ? text_clean_str(a->error) : NULL;
	if (a->result != DNS_DATA)
		return;
	if (l->type == DNS_T_TXT) {
		size_t n;
		struct dns_txt_string *txt = dns_answer_txt_joined(a, &n);

		l->records = xcalloc(n + 1, sizeof *l->records);
		for (size_t i = 0; i < n; i++)
			l->records[i] = text_clean(txt[i].data, txt[i].len);
		l->count = n;
		dns_txt_joined_free(txt, n);
		return;
	}
	l->records = xcalloc(a->count + 1, sizeof *l->records);
	for (size_t i = 0; i < a->count; i++) {
		char *s;

		if (a->rrs[i].type != l->type)
			continue;
		s = dns_rr_data_to_string(&a->rrs[i]);
		l->records[l->count++] = text_clean_str(s);
		free(s);
	}
}

/* Starts a lookup. */
void lookup_start(struct app *app, struct lookup *l, const char *name,
		  enum dns_type type)
{
	struct dns *dns = tui_dns(app);
	struct ticket *t;

	lookup_done(l);
	l->name = xstrdup(name);
	l->type = type;
	if (!dns)
		return;
	l->started = true;
	t = xmalloc(sizeof *t);
	t->lookup = l;
	t->gen = l->gen;
	dns_query(dns, name, type, lookup_answered, t);
}

/* Counts the records with a prefix. */
size_t lookup_matching(const struct lookup *l, const char *prefix,
		       const char **first)
{
	size_t n = 0, plen = prefix ? strlen(prefix) : 0;

	if (first)
		*first = NULL;
	for (size_t i = 0; i < l->count; i++) {
		const char *r = l->records[i];

		if (plen && !text_ieqn(r, prefix, plen))
			continue;
		/* RFC 7208 4.5 and RFC 7489 6.6.3: the tag must end the
		 * version, followed by a space or the end. */
		if (plen && r[plen] != '\0' && r[plen] != ' ' && r[plen] != ';')
			continue;
		if (first && !*first)
			*first = r;
		n++;
	}
	return n;
}

/* Says what is wrong with an answer. */
char *lookup_problem(const struct app *app, const struct lookup *l,
		     const char *prefix)
{
	if (!l->started)
		return xstrdup(tui_dns_problem(app));
	if (!l->answered)
		return xasprintf(_("Asking DNS for %s ..."), l->name);
	switch (l->result) {
	case DNS_DATA:
		if (lookup_matching(l, prefix, NULL) > 0)
			return NULL;
		/* fall through */
	case DNS_NODATA:
		return xasprintf(_("%s has no such record."), l->name);
	case DNS_NXDOMAIN:
		return xasprintf(_("%s does not exist (NXDOMAIN)."), l->name);
	case DNS_TIMEOUT:
		return xasprintf(_("No answer for %s: %s"), l->name,
				 l->problem
				     ? l->problem
				     : _("the resolver does not answer"));
	default:
		return xasprintf(_("DNS failed for %s: %s"), l->name,
				 l->problem ? l->problem
					    : dns_result_name(l->result));
	}
}

/* Says in short what is wrong with an answer. */
const char *lookup_short(const struct app *app, const struct lookup *l,
			 const char *prefix)
{
	if (!l->started)
		return _("no resolver");
	if (!l->answered)
		return _("asking ...");
	switch (l->result) {
	case DNS_DATA:
		if (lookup_matching(l, prefix, NULL) > 0)
			return NULL;
		/* fall through */
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		return _("not published");
	case DNS_TIMEOUT:
		return _("no answer");
	default:
		return _("DNS error");
	}
}

/* Frees a lookup's contents. */
void lookup_done(struct lookup *l)
{
	unsigned gen;

	for (size_t i = 0; i < l->count; i++)
		free(l->records[i]);
	free(l->records);
	free(l->name);
	free(l->problem);
	gen = l->gen + 1;
	memset(l, 0, sizeof *l);
	l->gen = gen;
}
