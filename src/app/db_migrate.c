/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Moving the database (db_migrate.h). */
#include "config.h"

#include "app/db_migrate.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Opens both and copies. */
enum status app_db_migrate(const char *from, const char *to,
			   struct app_db_migrate_result *r, struct err *err)
{
	struct store *src = NULL, *dst = NULL;
	enum status st;

	memset(r, 0, sizeof *r);
	if (!store_target_is_server(from) && access(from, F_OK) != 0) {
		char *clean = text_clean_str(from);

		st = err_set(err, STATUS_NOT_FOUND,
			     _("%s: no such database file"), clean);
		free(clean);
		return st;
	}
	if (strcmp(from, to) == 0)
		return err_set(err, STATUS_USAGE,
			       _("--from and --to name the same database"));
	if ((st = store_open(&src, from, err)) ||
	    (st = store_open(&dst, to, err)))
		goto out;
	r->from = xstrdup(store_path(src));
	r->to = xstrdup(store_path(dst));
	st = store_copy(src, dst, r->counts, err);
out:
	store_close(dst);
	store_close(src);
	return st;
}

/* Frees the names. */
void app_db_migrate_done(struct app_db_migrate_result *r)
{
	free(r->from);
	free(r->to);
	memset(r, 0, sizeof *r);
}
