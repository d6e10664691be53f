/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `db migrate`: moves the database to a PostgreSQL server. */
#include "config.h"

#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>

#include "app/db_migrate.h"
#include "app/exit_status.h"
#include "util/i18n.h"

/* `db migrate --from FILE --to TARGET`: every row into an empty
 * database, in one transaction, and how many of each kind. */
int cli_db_migrate(struct cli *cli, int argc, char **argv)
{
	const char *from = cli_opt(cli, OPT_FROM);
	const char *to = cli_opt(cli, OPT_TO);
	struct app_db_migrate_result r;
	struct err err = ERR_INIT;
	int status;

	(void)argc;
	(void)argv;
	if (!from || !to)
		return cli_usage(cli, _("give --from FILE and --to "
					"postgresql://..."));
	if (app_db_migrate(from, to, &r, &err) != STATUS_OK) {
		status = cli_fail(&err);
		err_done(&err);
		app_db_migrate_done(&r);
		return status;
	}
	if (cli->json) {
		json_t *o = json_object(), *moved = json_object();

		json_object_set_new(o, "from", json_string(r.from));
		json_object_set_new(o, "to", json_string(r.to));
		for (size_t k = 0; k < STORE_COPY_TABLES; k++)
			json_object_set_new(moved, r.counts[k].table,
					    json_integer(r.counts[k].rows));
		json_object_set_new(o, "moved", moved);
		cli_print_json(o);
	} else {
		printf(_("Moved %s to %s:\n"), r.from, r.to);
		for (size_t k = 0; k < STORE_COPY_TABLES; k++)
			printf("  %-22s %lld\n", _(r.counts[k].label),
			       (long long)r.counts[k].rows);
	}
	app_db_migrate_done(&r);
	return EXIT_GOOD;
}
