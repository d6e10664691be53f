#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/i18n.h"
#include "core/report_store.h"
#include "core/text.h"
#include "core/xalloc.h"

/* Prints one rejected file on stderr, cleaned of control characters. */
static void report_print_reject(void *arg, const struct err *err)
{
	char *clean = text_clean_str(err_message(err));

	fprintf(stderr, _("dmarcpilot: rejected %s\n"), clean);
	free(clean);
}

/* `report import PATH...`: files, folders, mbox, Maildir. */
int cli_report_import(struct cli *cli, int argc, char **argv)
{
	struct report_import_stats stats;
	struct err err = ERR_INIT;
	struct store *store;
	int status = EXIT_GOOD;

	if (argc < 1 || argv[0][0] == '-')
		return cli_usage("report import", _("PATH..."));
	if (!(store = cli_store(cli, &err))) {
		status = cli_fail(&err);
		goto out;
	}
	memset(&stats, 0, sizeof stats);
	for (int i = 0; i < argc; i++) {
		if (report_import_path(store, argv[i], NULL, &stats,
				       report_print_reject, NULL,
				       &err) != STATUS_OK) {
			status = cli_fail(&err);
			goto out;
		}
	}
	if (cli->json) {
		json_t *o = json_object();

		json_object_set_new(o, "imported",
				    json_integer((json_int_t)stats.imported));
		json_object_set_new(o, "duplicates",
				    json_integer((json_int_t)stats.duplicates));
		json_object_set_new(o, "rejected",
				    json_integer((json_int_t)stats.rejected));
		json_object_set_new(o, "skipped",
				    json_integer((json_int_t)stats.skipped));
		json_object_set_new(o, "reports",
				    json_integer((json_int_t)stats.reports));
		json_object_set_new(o, "failure_reports",
				    json_integer((json_int_t)stats.failures));
		json_object_set_new(o, "messages",
				    json_integer((json_int_t)stats.messages));
		cli_print_json(o);
	} else {
		/* TRANSLATORS: the summary of `report import`. */
		printf(_("imported %lu, duplicates %lu, rejected %lu, "
			 "skipped %lu (%lu aggregate and %lu failure reports, "
			 "%llu messages)\n"),
		       stats.imported, stats.duplicates, stats.rejected,
		       stats.skipped, stats.reports, stats.failures,
		       (unsigned long long)stats.messages);
	}
	if (stats.rejected > 0)
		status = EXIT_TROUBLE;
out:
	err_done(&err);
	return status;
}
