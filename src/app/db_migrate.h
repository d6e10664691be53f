/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Moving the database to another, empty one: an SQLite file to a
 * PostgreSQL server when a team outgrows one machine (db migrate). */
#ifndef DMARCPILOT_APP_DB_MIGRATE_H
#define DMARCPILOT_APP_DB_MIGRATE_H

#include "store/store_copy.h"
#include "util/status.h"

/* What was moved, and between which databases as messages name them
 * (no password). */
struct app_db_migrate_result {
	char *from, *to;
	struct store_copy_count counts[STORE_COPY_TABLES];
};

/* Opens from (an existing database: a missing file is STATUS_NOT_FOUND,
 * never created) and to (a file or a postgresql:// URI), both brought
 * to this build's schema, and copies every row of from into to in one
 * transaction; to must hold no row (STATUS_REFUSED). Free r with
 * app_db_migrate_done(). */
enum status app_db_migrate(const char *from, const char *to,
			   struct app_db_migrate_result *r, struct err *err);

/* Frees what app_db_migrate() filled. */
void app_db_migrate_done(struct app_db_migrate_result *r);

#endif
