/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rotation rule (plan/rotation_due.h). */
#include "config.h"

#include "plan/rotation_due.h"

#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "store/rotation_store.h"
#include "store/state.h"
#include "util/text.h"
#include "util/xalloc.h"

/* True for a key made here and still in use. */
static bool own_in_use(const struct state_dkim_key *k)
{
	return k->provider == NULL && k->retired == DATE_NONE &&
	       k->created != DATE_NONE;
}

/* The newest own Ed25519 key in use made after the RSA key k, which k
 * then signs beside (RFC 8463 section 4: a move to Ed25519 keeps an RSA
 * signature for verifiers that know only RSA), or NULL. */
static const struct state_dkim_key *
ed25519_partner(const struct state_dkim_key *keys, size_t n,
		const struct state_dkim_key *k)
{
	const struct state_dkim_key *best = NULL;

	if (!own_in_use(k) || !text_ieq(k->algorithm, "rsa"))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (own_in_use(&keys[i]) &&
		    text_ieq(keys[i].algorithm, "ed25519") &&
		    keys[i].created >= k->created &&
		    (!best || keys[i].created > best->created))
			best = &keys[i];
	return best;
}

/* Judges the domain's own keys. */
enum status rotation_due_load(struct store *store, const char *domain,
			      date_t today, struct rotation_due *out,
			      struct err *err)
{
	struct state_dkim_key *keys = NULL;
	struct rotation_record cur;
	size_t n = 0;
	bool found = false;
	enum status st;

	memset(out, 0, sizeof *out);
	out->interval = DKIM_INTERVAL_BIANNUAL;
	st = state_dkim_key_list(store, domain, &keys, &n, err);
	if (st == STATUS_NOT_FOUND) {
		/* A domain the database does not follow. */
		err_done(err);
		return STATUS_OK;
	}
	if (st ||
	    (st = rotation_store_interval_get(store, domain, &out->interval,
					      err)) ||
	    (st = rotation_store_current(store, domain, &cur, &found, err)))
		goto out;
	if (found) {
		out->rotating = xstrdup_or_null(cur.old_selector);
		out->rotating_to = xstrdup(cur.new_selector);
		rotation_record_done(&cur);
	}
	for (size_t i = 0; i < n; i++) {
		const struct state_dkim_key *k = &keys[i];
		const struct state_dkim_key *ed;

		/* A rotation under way is the answer to both its keys. */
		if ((out->rotating && text_ieq(k->selector, out->rotating)) ||
		    (out->rotating_to &&
		     text_ieq(k->selector, out->rotating_to)))
			continue;
		/* An RSA key kept beside a newer Ed25519 key is half of a
		 * pair made by that move: the two are due together, from
		 * the day the Ed25519 key was made, and each is rotated
		 * in turn (dkim rotate --from). */
		ed = ed25519_partner(keys, n, k);
		dkim_rotation_check(k->selector, ed ? ed->created : k->created,
				    k->retired, k->provider != NULL, today,
				    out->interval, ed ? ed->selector : NULL,
				    &out->due);
	}
out:
	state_dkim_keys_free(keys, n);
	return st;
}

/* Frees what rotation_due_load() filled in. */
void rotation_due_done(struct rotation_due *d)
{
	free(d->rotating);
	free(d->rotating_to);
	findings_done(&d->due);
	memset(d, 0, sizeof *d);
}
