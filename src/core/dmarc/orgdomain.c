/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Organizational domains by libpsl and by the RFC 9989 tree walk. */
#include "config.h"

#include "dmarc/orgdomain.h"

#include <libpsl.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/xalloc.h"

struct orgdomain {
	psl_ctx_t *owned;     /* from psl_latest(), freed with us */
	const psl_ctx_t *psl; /* the list in use */
};

/* Loads the Public Suffix List. */
struct orgdomain *orgdomain_new(void)
{
	struct orgdomain *od = xcalloc(1, sizeof *od);

	/* psl_latest() picks the newer of the distribution's list and the
	 * built-in one; without either there is only psl_builtin(). */
	od->owned = psl_latest(NULL);
	od->psl = od->owned ? od->owned : psl_builtin();
	if (!od->psl) {
		free(od);
		return NULL;
	}
	return od;
}

/* Frees the list. */
void orgdomain_free(struct orgdomain *od)
{
	if (!od)
		return;
	psl_free(od->owned);
	free(od);
}

/* The registrable domain, or the name itself for a public suffix. */
char *orgdomain_of(const struct orgdomain *od, const char *name)
{
	char *norm = text_domain_normalize(name);
	const char *reg = psl_registrable_domain(od->psl, norm);
	char *result;

	if (!reg) {
		/* A public suffix (or a single label) is its own
		 * organizational domain as far as the PSL can tell. */
		return norm;
	}
	result = xstrdup(reg);
	free(norm);
	return result;
}

/* Compares the organizational domains of two names. */
bool orgdomain_same(const struct orgdomain *od, const char *a, const char *b)
{
	char *oa = orgdomain_of(od, a);
	char *ob = orgdomain_of(od, b);
	bool same = strcmp(oa, ob) == 0;

	free(oa);
	free(ob);
	return same;
}

/* Asks libpsl whether a name is a public suffix. */
bool orgdomain_is_public_suffix(const struct orgdomain *od, const char *name)
{
	char *norm = text_domain_normalize(name);
	bool ps = psl_is_public_suffix(od->psl, norm) != 0;

	free(norm);
	return ps;
}

/* Counts the labels of a name without a final dot. */
static size_t label_count(const char *name)
{
	size_t n = *name ? 1 : 0;

	for (const char *p = name; *p; p++)
		if (*p == '.')
			n++;
	return n;
}

/* The suffix of name with its last labels labels. */
static const char *suffix_labels(const char *name, size_t labels)
{
	size_t total = label_count(name);
	const char *p = name;

	while (total > labels) {
		p = strchr(p, '.') + 1;
		total--;
	}
	return p;
}

/* Lists the names the tree walk queries. */
size_t orgdomain_walk_names(const char *name, int max_labels, char ***out)
{
	char *norm = text_domain_normalize(name);
	size_t total = label_count(norm);
	size_t limit =
	    max_labels > 0 ? (size_t)max_labels : ORGDOMAIN_WALK_MAX_LABELS;
	size_t next, count = 0;
	char **names;

	names = xcalloc(limit + 1, sizeof *names);
	if (total == 0) {
		free(norm);
		*out = names;
		return 0;
	}
	names[count++] = xstrdup(norm);
	/* RFC 9989 4.10 step 5: with x < 8 labels remove one; with more,
	 * remove labels until 7 remain. */
	next = total - 1 < limit ? total - 1 : limit;
	for (size_t labels = next; labels >= 1; labels--)
		names[count++] = xstrdup(suffix_labels(norm, labels));
	free(norm);
	*out = names;
	return count;
}

/* Picks the record that applies. */
int orgdomain_walk_policy(const struct orgdomain_walk_step *steps, size_t count,
			  bool *uncertain)
{
	*uncertain = false;
	for (size_t i = 0; i < count; i++) {
		if (steps[i].state == ORGDOMAIN_WALK_RECORD)
			return (int)i;
		/* RFC 9989 4.10: a temporary error leaves the walk's
		 * answer unknown from here on. */
		if (steps[i].state == ORGDOMAIN_WALK_FAILED)
			*uncertain = true;
	}
	return -1;
}

/* Determines the organizational domain from the walk's answers. */
char *orgdomain_walk_org(const struct orgdomain_walk_step *steps, size_t count,
			 bool *uncertain)
{
	int fewest = -1;

	*uncertain = false;
	if (count == 0)
		return xstrdup("");
	for (size_t i = 0; i < count; i++) {
		const struct orgdomain_walk_step *s = &steps[i];

		if (s->state == ORGDOMAIN_WALK_FAILED)
			*uncertain = true;
		if (s->state != ORGDOMAIN_WALK_RECORD)
			continue;
		/* RFC 9989 4.10.2: psd=n names the organizational
		 * domain. */
		if (s->psd == DMARC_PSD_NO)
			return xstrdup(s->name);
		/* psd=y (not at the start): one label below it. */
		if (s->psd == DMARC_PSD_YES && i > 0)
			return xstrdup(suffix_labels(steps[0].name,
						     label_count(s->name) + 1));
		fewest = (int)i;
	}
	/* Otherwise the record with the fewest labels, else the start. */
	return xstrdup(steps[fewest >= 0 ? fewest : 0].name);
}
