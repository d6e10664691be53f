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
	if (st || (st = rotation_store_interval_get(store, domain,
						    &out->interval, err)) ||
	    (st = rotation_store_current(store, domain, &cur, &found, err)))
		goto out;
	if (found) {
		out->rotating = xstrdup_or_null(cur.old_selector);
		out->rotating_to = xstrdup(cur.new_selector);
		rotation_record_done(&cur);
	}
	for (size_t i = 0; i < n; i++) {
		const struct state_dkim_key *k = &keys[i];

		/* A rotation under way is the answer to both its keys. */
		if ((out->rotating && text_ieq(k->selector, out->rotating)) ||
		    (out->rotating_to &&
		     text_ieq(k->selector, out->rotating_to)))
			continue;
		dkim_rotation_check(k->selector, k->created, k->retired,
				    k->provider != NULL, today, out->interval,
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
