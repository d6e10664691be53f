/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reverse names of report sources, kept with their TTL: what the
 * PTR of an address gave once its name was confirmed forward (FCrDNS),
 * or that it gave none, until the DNS said it may change. */
#ifndef DMARCPILOT_REVERSE_STORE_H
#define DMARCPILOT_REVERSE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/status.h"

/* One address's kept result. */
struct reverse_name {
	const char *ip;  /* as the reports give it */
	char *name;      /* the confirmed name, or NULL for none */
	bool known;      /* lookup: a result that has not expired */
	int64_t expires; /* save: seconds since the epoch */
};

/* Fills name and known of each entry from the results that expire after
 * now (the names are the caller's to free). */
enum status reverse_names_lookup(struct store *store, struct reverse_name *v,
				 size_t n, int64_t now, struct err *err);

/* Keeps the entries (replacing older results of the same addresses) and
 * forgets every result expired at now, in one transaction. */
enum status reverse_names_save(struct store *store,
			       const struct reverse_name *v, size_t n,
			       int64_t now, struct err *err);

#endif
