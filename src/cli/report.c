/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "app/config.h"
#include "app/report_fetch.h"
#include "plan/analysis.h"
#include "util/i18n.h"
#include "providers/providers.h"
#include "store/report_store.h"
#include "util/text.h"
#include "util/xalloc.h"

/* Prints one rejected file on stderr, cleaned of control characters. */
static void report_print_reject(void *arg, const struct err *err)
{
	char *clean = text_clean_str(err_message(err));

	if (err->status == STATUS_OK)
		fprintf(stderr, _("dmarcpilot: warning: %s\n"), clean);
	else
		fprintf(stderr, _("dmarcpilot: rejected %s\n"), clean);
	free(clean);
}

/* `report import PATH...`: files, folders, mbox, Maildir. */
int cli_report_import(struct cli *cli, int argc, char **argv)
{
	struct report_import_stats stats;
	struct err err = ERR_INIT;
	struct store *store;
	enum status st = STATUS_OK;
	int status = EXIT_GOOD;

	if (!(store = cli_store(cli, &err))) {
		status = cli_fail(&err);
		goto out;
	}
	memset(&stats, 0, sizeof stats);
	/* A failure that stops the import (a full disk) still gets the
	 * summary of what was imported before it. */
	for (int i = 0; i < argc && st == STATUS_OK; i++)
		st = report_import_path(store, argv[i], NULL, &stats,
					report_print_reject, NULL, &err);
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
	if (st != STATUS_OK)
		status = cli_fail(&err);
	else if (stats.rejected > 0)
		status = EXIT_TROUBLE;
out:
	err_done(&err);
	return status;
}

/* Percent of part in whole, 0 when whole is 0. */
static double percent(int64_t part, int64_t whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

/* The totals of a period as JSON members of o. */
static void json_totals(json_t *o, const struct analysis_totals *t)
{
	json_object_set_new(o, "messages", json_integer(t->messages));
	json_object_set_new(o, "dmarc_pass", json_integer(t->dmarc_pass));
	json_object_set_new(o, "spf_aligned", json_integer(t->spf_aligned));
	json_object_set_new(o, "dkim_aligned", json_integer(t->dkim_aligned));
	json_object_set_new(o, "dmarc_pass_rate",
			    json_real(percent(t->dmarc_pass, t->messages)));
	json_object_set_new(o, "spf_aligned_rate",
			    json_real(percent(t->spf_aligned, t->messages)));
	json_object_set_new(o, "dkim_aligned_rate",
			    json_real(percent(t->dkim_aligned, t->messages)));
}

/* A day as JSON, or null when open. */
static json_t *json_day(date_t day)
{
	char buf[DATE_BUFSIZE];

	return day == DATE_ANY ? json_null()
			       : json_string(date_format(day, buf));
}

/* A string from a report or DNS as clean JSON, or null. */
static json_t *json_clean(const char *s)
{
	char *clean;
	json_t *j;

	if (!s)
		return json_null();
	clean = text_clean_str(s);
	j = json_string(clean);
	free(clean);
	return j ? j : json_null();
}

/* The summary as one JSON object. */
static void summary_json(const struct analysis *a)
{
	json_t *o = json_object(), *arr;
	char week[16];

	json_object_set_new(o, "domain", json_string(a->domain));
	json_object_set_new(o, "since", json_day(a->since));
	json_object_set_new(o, "until", json_day(a->until));
	json_object_set_new(o, "reports", json_integer((json_int_t)a->reports));
	json_totals(o, &a->totals);
	json_object_set_new(o, "legitimate", json_integer(a->legitimate));
	json_object_set_new(o, "legitimate_pass_rate",
			    json_real(a->legitimate_pass_rate * 100));
	arr = json_array();
	for (size_t i = 0; i < a->ndays; i++) {
		json_t *d = json_object();

		json_object_set_new(d, "day", json_day(a->days[i].day));
		json_totals(d, &a->days[i].t);
		json_array_append_new(arr, d);
	}
	json_object_set_new(o, "days", arr);
	arr = json_array();
	for (size_t i = 0; i < a->nweeks; i++) {
		json_t *w = json_object();

		snprintf(week, sizeof week, "%04d-W%02d", a->weeks[i].iso_year,
			 a->weeks[i].week);
		json_object_set_new(w, "week", json_string(week));
		json_object_set_new(w, "start", json_day(a->weeks[i].day));
		json_totals(w, &a->weeks[i].t);
		json_array_append_new(arr, w);
	}
	json_object_set_new(o, "weeks", arr);
	arr = json_array();
	for (size_t i = 0; i < a->nsources; i++) {
		const struct analysis_source *s = &a->sources[i];
		json_t *j = json_object();
		char *fix = analysis_fix_text(a, s);

		json_object_set_new(j, "ip", json_string(s->ip));
		json_object_set_new(j, "ptr", json_clean(s->ptr));
		json_object_set_new(j, "provider",
				    s->provider ? json_string(s->provider->id)
						: json_null());
		json_object_set_new(j, "messages", json_integer(s->t.messages));
		json_object_set_new(j, "class",
				    json_string(analysis_class_name(s->cls)));
		json_object_set_new(j, "dmarc_pass",
				    json_integer(s->t.dmarc_pass));
		json_object_set_new(j, "failing", json_integer(s->failing));
		json_object_set_new(j, "forwarded", json_integer(s->forwarded));
		json_object_set_new(j, "share", json_real(s->share * 100));
		json_object_set_new(j, "spf", json_clean(s->spf_result));
		json_object_set_new(j, "explained_by",
				    json_clean(s->explained_by));
		json_object_set_new(j, "in_inventory",
				    json_boolean(s->in_inventory));
		json_object_set_new(j, "envelope_from",
				    json_clean(s->envelope_from));
		json_object_set_new(j, "fix", json_clean(fix));
		free(fix);
		json_array_append_new(arr, j);
	}
	json_object_set_new(o, "sources", arr);
	json_object_set_new(o, "findings", findings_to_json(&a->findings));
	cli_print_json(o);
}

/* The summary as text for a terminal. */
static void summary_text(const struct analysis *a)
{
	char d1[DATE_BUFSIZE], d2[DATE_BUFSIZE];
	int ipw = 15;

	if (a->since != DATE_ANY || a->until != DATE_ANY)
		printf(_("%s, %s to %s: %lld messages in %zu reports\n"),
		       a->domain,
		       a->since == DATE_ANY ? "..." : date_format(a->since, d1),
		       a->until == DATE_ANY ? "..." : date_format(a->until, d2),
		       (long long)a->totals.messages, a->reports);
	else
		printf(_("%s: %lld messages in %zu reports\n"), a->domain,
		       (long long)a->totals.messages, a->reports);
	if (a->totals.messages == 0)
		return;
	printf(_("DMARC pass %.1f %%, SPF aligned %.1f %%, DKIM aligned "
		 "%.1f %%\n"),
	       percent(a->totals.dmarc_pass, a->totals.messages),
	       percent(a->totals.spf_aligned, a->totals.messages),
	       percent(a->totals.dkim_aligned, a->totals.messages));
	/* TRANSLATORS: column heads; keep the widths. */
	printf("\n%-10s %10s %8s %8s %8s\n", _("Week"), _("Messages"),
	       _("DMARC"), _("SPF"), _("DKIM"));
	for (size_t i = 0; i < a->nweeks; i++) {
		const struct analysis_totals *t = &a->weeks[i].t;

		printf("%04d-W%02d   %10lld %7.1f%% %7.1f%% %7.1f%%\n",
		       a->weeks[i].iso_year, a->weeks[i].week,
		       (long long)t->messages,
		       percent(t->dmarc_pass, t->messages),
		       percent(t->spf_aligned, t->messages),
		       percent(t->dkim_aligned, t->messages));
	}
	for (size_t i = 0; i < a->nsources; i++)
		if ((int)strlen(a->sources[i].ip) > ipw)
			ipw = (int)strlen(a->sources[i].ip);
	printf("\n%-*s %-24s %-16s %8s  %s\n", ipw, _("Source"),
	       _("Reverse DNS"), _("Provider"), _("Messages"), _("Class"));
	for (size_t i = 0; i < a->nsources; i++) {
		const struct analysis_source *s = &a->sources[i];
		char *ptr = text_clean_str(s->ptr ? s->ptr : "-");
		char *fix = analysis_fix_text(a, s);

		printf("%-*s %-24s %-16s %8lld  %s\n", ipw, s->ip, ptr,
		       s->provider ? s->provider->id : "-",
		       (long long)s->t.messages, analysis_class_name(s->cls));
		if (fix)
			printf("    %s %s\n", _("fix:"), fix);
		free(fix);
		free(ptr);
	}
	if (a->findings.count > 0) {
		printf("\n");
		for (size_t i = 0; i < a->findings.count; i++) {
			const struct finding *f = &a->findings.items[i];

			printf("%s %s: %s\n",
			       severity_label(f->severity),
			       finding_code_name(f->code), f->message);
			if (f->advice)
				printf("    %s\n", f->advice);
		}
	}
}

/* The session's catalogue, or NULL with a warning. */
static const struct providers *report_catalogue(struct cli *cli)
{
	struct err err = ERR_INIT;
	const struct providers *p = session_providers(cli_session(cli), &err);

	if (!p)
		fprintf(stderr, _("dmarcpilot: warning: %s\n"),
			err_message(&err));
	err_done(&err);
	return p;
}

/* `report summary DOMAIN`: pass rates and sources of a window. */
int cli_report_summary(struct cli *cli, int argc, char **argv)
{
	struct analysis_options opt = { NULL, NULL, 0, 0 };
	struct analysis *a = NULL;
	const struct providers *catalogue = NULL;
	struct err err = ERR_INIT;
	struct store *store;
	const char *domain = argv[0]; /* one operand, as declared */
	const char *since_arg = cli_opt(cli, OPT_SINCE);
	const char *until_arg = cli_opt(cli, OPT_UNTIL);
	date_t since = DATE_ANY, until = DATE_ANY;
	int status = EXIT_GOOD;

	(void)argc;
	if (since_arg && !date_parse(since_arg, &since))
		return cli_usage(cli,
				 _("--since is not a date (YYYY-MM-DD): %s"),
				 since_arg);
	if (until_arg && !date_parse(until_arg, &until))
		return cli_usage(cli,
				 _("--until is not a date (YYYY-MM-DD): %s"),
				 until_arg);
	if (!(store = cli_store(cli, &err))) {
		status = cli_fail(&err);
		goto out;
	}
	catalogue = report_catalogue(cli);
	opt.providers = catalogue;
	opt.dns = cli_dns(cli, &err);
	if (!opt.dns) {
		fprintf(stderr,
			_("dmarcpilot: warning: no DNS, so no reverse names "
			  "and no SPF check: %s\n"),
			err_message(&err));
		err_done(&err);
	}
	/* The reverse names and SPF checks of all sources together may
	 * take four times what one query may. */
	opt.dns_deadline_ms =
	    (long)((cli->timeout > 0 ? cli->timeout : 5) * 4 * 1000);
	if (analysis_run(store, domain, since, until, &opt, &a, &err) !=
	    STATUS_OK) {
		status = cli_fail(&err);
		goto out;
	}
	if (a->dns_skipped)
		fprintf(stderr,
			_("dmarcpilot: warning: DNS stopped after %ld s: %zu "
			  "sources have no reverse name or SPF result\n"),
			opt.dns_deadline_ms / 1000, a->dns_skipped);
	if (cli->json)
		summary_json(a);
	else
		summary_text(a);
out:
	analysis_free(a);
	err_done(&err);
	return status;
}

/* Draws "fetching 3/20" over itself on a terminal. */
static void fetch_progress(void *arg, size_t done, size_t total)
{
	fputc('\r', stderr);
	fprintf(stderr, _("fetching %zu/%zu"), done, total);
	if (done == total)
		fputs("\n", stderr);
	fflush(stderr);
}

/* Names a message that failed to import, once. */
static void fetch_failed(void *arg, const char *message)
{
	bool *progress = arg;
	char *clean = text_clean_str(message);

	if (*progress)
		fputs("\n", stderr);
	fprintf(stderr, _("dmarcpilot: rejected %s\n"), clean);
	free(clean);
}

/* `report fetch [--folder NAME] [--archive NAME]`: the configured
 * mailbox, imported. */
int cli_report_fetch(struct cli *cli, int argc, char **argv)
{
	struct report_fetch_options options = { NULL, NULL, 0 };
	struct report_fetch_result result;
	struct config cfg;
	struct err err = ERR_INIT;
	struct store *store;
	bool progress = isatty(STDERR_FILENO) && !cli->json;
	int status = EXIT_GOOD;
	enum status st;

	(void)argc; /* no operands, as declared */
	(void)argv;
	options.folder = cli_opt(cli, OPT_FOLDER);
	options.archive = cli_opt(cli, OPT_ARCHIVE);
	options.timeout_seconds = cli->timeout > 0 ? (long)cli->timeout : 0;
	if (config_load(&cfg, NULL, &err)) {
		status = cli_fail(&err);
		err_done(&err);
		return status;
	}
	if (!(store = cli_store(cli, &err))) {
		status = cli_fail(&err);
		goto out;
	}
	st = report_fetch(store, &cfg, &options, &result,
			  progress ? fetch_progress : NULL, fetch_failed,
			  &progress, &err);
	if (cli->json) {
		json_t *o = json_object();

		json_object_set_new(o, "server",
				    json_string(result.server ? result.server :
								""));
		json_object_set_new(o, "folder",
				    json_string(result.folder ? result.folder :
								""));
		json_object_set_new(o, "fetched",
				    json_integer((json_int_t)result.messages));
		json_object_set_new(o, "imported",
				    json_integer((json_int_t)result.stats.imported));
		json_object_set_new(o, "duplicates",
				    json_integer((json_int_t)result.stats.duplicates));
		json_object_set_new(o, "rejected",
				    json_integer((json_int_t)result.stats.rejected));
		json_object_set_new(o, "skipped",
				    json_integer((json_int_t)result.stats.skipped));
		json_object_set_new(o, "archived",
				    json_integer((json_int_t)result.archived));
		json_object_set_new(o, "reports",
				    json_integer((json_int_t)result.stats.reports));
		json_object_set_new(o, "failure_reports",
				    json_integer((json_int_t)result.stats.failures));
		json_object_set_new(o, "messages",
				    json_integer((json_int_t)result.stats.messages));
		json_object_set_new(o, "complete", json_boolean(st == STATUS_OK));
		cli_print_json(o);
	} else if (result.messages > 0 || st == STATUS_OK) {
		if (result.uidvalidity_reset)
			printf(_("The folder's UIDs were renumbered "
				 "(UIDVALIDITY changed): it was read again "
				 "from the start.\n"));
		/* TRANSLATORS: the summary of `report fetch`. */
		printf(_("%s %s: fetched %lu, imported %lu, duplicates %lu, "
			 "rejected %lu, not reports %lu, archived %lu (%lu "
			 "aggregate and %lu failure reports)\n"),
		       result.server, result.folder, result.messages,
		       result.stats.imported, result.stats.duplicates,
		       result.stats.rejected, result.stats.skipped,
		       result.archived, result.stats.reports,
		       result.stats.failures);
	}
	if (st != STATUS_OK)
		status = cli_fail(&err);
	else if (result.failed_new > 0)
		status = EXIT_TROUBLE;
	report_fetch_result_done(&result);
out:
	config_done(&cfg);
	err_done(&err);
	return status;
}
