/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Copies every row of one database into another, empty one: moving an
 * SQLite file to a PostgreSQL server shared by a team (db migrate). */
#ifndef DMARCPILOT_STORE_COPY_H
#define DMARCPILOT_STORE_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/status.h"

/* The tables copied, one count each. */
#define STORE_COPY_TABLES 23

/* How many rows of one table were copied. */
struct store_copy_count {
	const char *table; /* the table's name */
	const char *label; /* N_() what its rows are ("domains") */
	int64_t rows;
};

/* Copies every row of every table of from into to, in one transaction
 * on to, keeping the row ids, and fills counts (STORE_COPY_TABLES of
 * them) in dependency order. Both are open at this build's schema.
 * STATUS_REFUSED when to holds any row already (naming what), or when
 * from has a table this build does not know (nothing would be lost
 * silently); on any failure to is left as it was. */
enum status store_copy(struct store *from, struct store *to,
		       struct store_copy_count counts[STORE_COPY_TABLES],
		       struct err *err);

#endif
