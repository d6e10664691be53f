/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "app/config_file.h"
#include "app/report_fetch.h"
#include "app/report_view.h"
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

static void view_json(json_t *o, const struct report_view *v);
static void view_text(const struct report_view *v);

/* The summary as one JSON object. */
static void summary_json(const struct analysis *a,
			 const struct report_view *view)
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
	view_json(o, view);
	cli_print_json(o);
}

/* The summary as text for a terminal. */
static void summary_text(const struct analysis *a,
			 const struct report_view *view)
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
	view_text(view);
	if (a->findings.count > 0) {
		printf("\n");
		for (size_t i = 0; i < a->findings.count; i++) {
			const struct finding *f = &a->findings.items[i];

			printf("%s %s: %s\n", severity_label(f->severity),
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

/* The catalogue's ID of a group, or the word of its kind in
 * parentheses ("(own)", "(unknown)"). */
static const char *group_id(const struct report_group *g)
{
	if (g->provider)
		return g->provider->id;
	return g->kind == REPORT_GROUP_OWN ? "(own)" : "(unknown)";
}

/* The parts of the view the analysis does not hold, as JSON members of
 * o: the window, the dispositions, the providers, the stored counts. */
static void view_json(json_t *o, const struct report_view *v)
{
	json_t *d = json_object(), *arr = json_array();

	json_object_set_new(o, "window",
			    json_string(report_window_name(v->window)));
	json_object_set_new(o, "plan_window_days", json_integer(v->plan_days));
	json_object_set_new(d, "none", json_integer(v->delivered));
	json_object_set_new(d, "quarantine", json_integer(v->quarantined));
	json_object_set_new(d, "reject", json_integer(v->rejected));
	json_object_set_new(o, "dispositions", d);
	for (size_t i = 0; i < v->ngroups; i++) {
		const struct report_group *g = &v->groups[i];
		json_t *j = json_object(), *ips = json_array();

		json_object_set_new(
		    j, "kind", json_string(report_group_kind_name(g->kind)));
		json_object_set_new(j, "provider",
				    g->provider ? json_string(g->provider->id)
						: json_null());
		json_object_set_new(j, "name",
				    g->provider ? json_string(g->provider->name)
						: json_null());
		json_object_set_new(j, "messages", json_integer(g->t.messages));
		json_object_set_new(j, "dmarc_pass",
				    json_integer(g->t.dmarc_pass));
		json_object_set_new(j, "failing", json_integer(g->failing));
		json_object_set_new(j, "class",
				    json_string(analysis_class_name(g->worst)));
		for (size_t k = 0; k < g->nsources; k++)
			json_array_append_new(
			    ips, json_string(
				     v->analysis->sources[g->sources[k]].ip));
		json_object_set_new(j, "sources", ips);
		json_array_append_new(arr, j);
	}
	json_object_set_new(o, "providers", arr);
	json_object_set_new(o, "stored_reports",
			    json_integer(v->stored_reports));
	json_object_set_new(o, "failure_reports",
			    json_integer(v->stored_failures));
}

/* The dispositions and the providers as text. */
static void view_text(const struct report_view *v)
{
	/* TRANSLATORS: RFC 7489 dispositions: none, quarantine and reject
	 * are the words of the reports. */
	printf("\n");
	printf(_("Receivers applied: none %lld, quarantine %lld, reject "
		 "%lld\n"),
	       (long long)v->delivered, (long long)v->quarantined,
	       (long long)v->rejected);
	printf("\n%-24s %8s %8s %8s  %s\n", _("Provider"), _("Sources"),
	       _("Messages"), _("Failing"), _("Class"));
	for (size_t i = 0; i < v->ngroups; i++) {
		const struct report_group *g = &v->groups[i];

		printf("%-24s %8zu %8lld %8lld  %s\n", group_id(g), g->nsources,
		       (long long)g->t.messages, (long long)g->failing,
		       analysis_class_name(g->worst));
	}
	if (v->stored_failures > 0)
		printf(_("\n%lld failure reports: dmarcpilot report failures "
			 "%s\n"),
		       (long long)v->stored_failures, v->domain);
}

/* `report summary DOMAIN`: pass rates and sources of a window. */
int cli_report_summary(struct cli *cli, int argc, char **argv)
{
	struct report_view_request req;
	struct report_view view;
	bool loaded = false;
	struct err err = ERR_INIT;
	struct store *store;
	const char *since_arg = cli_opt(cli, OPT_SINCE);
	const char *until_arg = cli_opt(cli, OPT_UNTIL);
	const char *window_arg = cli_opt(cli, OPT_WINDOW);
	int status = EXIT_GOOD;

	(void)argc;
	memset(&req, 0, sizeof req);
	req.domain = argv[0]; /* one operand, as declared */
	req.today = cli->now;
	req.window = REPORT_WINDOW_RANGE;
	req.since = req.until = DATE_ANY;
	if (since_arg && !date_parse(since_arg, &req.since))
		return cli_usage(cli,
				 _("--since is not a date (YYYY-MM-DD): %s"),
				 since_arg);
	if (until_arg && !date_parse(until_arg, &req.until))
		return cli_usage(cli,
				 _("--until is not a date (YYYY-MM-DD): %s"),
				 until_arg);
	if (window_arg && (since_arg || until_arg))
		return cli_usage(cli, _("--window goes with neither --since "
					"nor --until"));
	if (window_arg && !report_window_parse(window_arg, &req.window))
		return cli_usage(cli,
				 _("--window is plan, week or all, not %s"),
				 window_arg);
	if (!(store = cli_store_read(cli, &err))) {
		status = cli_fail(&err);
		goto out;
	}
	req.analysis.providers = report_catalogue(cli);
	req.analysis.dns = cli_dns(cli, &err);
	if (!req.analysis.dns) {
		fprintf(stderr,
			_("dmarcpilot: warning: no DNS, so no reverse names "
			  "and no SPF check: %s\n"),
			err_message(&err));
		err_done(&err);
	}
	/* The reverse names and SPF checks of all sources together may
	 * take four times what one query may. */
	req.analysis.dns_deadline_ms =
	    (long)((cli->timeout > 0 ? cli->timeout : 5) * 4 * 1000);
	if (report_view_load(store, &req, &view, &err) != STATUS_OK) {
		status = cli_fail(&err);
		goto out;
	}
	loaded = true;
	if (view.analysis->dns_skipped)
		fprintf(stderr,
			_("dmarcpilot: warning: DNS stopped after %ld s: %zu "
			  "sources have no reverse name or SPF result\n"),
			req.analysis.dns_deadline_ms / 1000,
			view.analysis->dns_skipped);
	if (cli->json)
		summary_json(view.analysis, &view);
	else {
		summary_text(view.analysis, &view);
	}
out:
	if (loaded)
		report_view_done(&view);
	err_done(&err);
	return status;
}

/* A field of a failure report, cleaned, or "-". */
static void failure_field(const char *label, const char *value)
{
	char *clean;

	if (!value)
		return;
	clean = text_clean_str(value);
	printf("  %-20s %s\n", label, clean);
	free(clean);
}

/* `report failures DOMAIN`: the failure reports, newest first. */
int cli_report_failures(struct cli *cli, int argc, char **argv)
{
	struct report_view view;
	struct err err = ERR_INIT;
	struct store *store;
	int status = EXIT_GOOD;

	(void)argc;
	memset(&view, 0, sizeof view);
	if (!(store = cli_store_read(cli, &err))) {
		status = cli_fail(&err);
		goto out;
	}
	if (report_view_failures(store, argv[0], 0, &view, &err) != STATUS_OK) {
		status = cli_fail(&err);
		goto out;
	}
	if (cli->json) {
		json_t *o = json_object(), *arr = json_array();

		json_object_set_new(o, "domain", json_string(view.domain));
		for (size_t i = 0; i < view.nfailures; i++) {
			const struct report_failure *f = &view.failures[i];
			json_t *j = json_object();

/* clang-format off */
#define FAILURE_JSON(member, key)                                      \
	json_object_set_new(j, key, json_clean(f->member));
			/* clang-format on */
			REPORT_FAILURE_FIELDS(FAILURE_JSON)
#undef FAILURE_JSON
			json_array_append_new(arr, j);
		}
		json_object_set_new(o, "failures", arr);
		cli_print_json(o);
		goto out;
	}
	printf(P_("%s: %zu failure report\n", "%s: %zu failure reports\n",
		  view.nfailures),
	       view.domain, view.nfailures);
	for (size_t i = 0; i < view.nfailures; i++) {
		const struct report_failure *f = &view.failures[i];

		printf("\n");
		/* TRANSLATORS: labels of a failure report's fields; keep
		 * them within 20 columns. */
		failure_field(_("Source"), f->source_ip);
		failure_field(_("Failed"), f->auth_failure);
		failure_field(_("Arrived"), f->arrival);
		failure_field(_("From"), f->original_from);
		failure_field(_("Mail-From"), f->original_mail_from);
		failure_field(_("Message-ID"), f->original_message_id);
		failure_field(_("DKIM domain"), f->dkim_domain);
		failure_field(_("DKIM selector"), f->dkim_selector);
		failure_field(_("SPF domain"), f->spf_domain);
		failure_field(_("Delivery"), f->delivery_result);
		failure_field(_("Report"), f->source);
	}
out:
	report_view_done(&view);
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

		json_object_set_new(
		    o, "server",
		    json_string(result.server ? result.server : ""));
		json_object_set_new(
		    o, "folder",
		    json_string(result.folder ? result.folder : ""));
		json_object_set_new(o, "fetched",
				    json_integer((json_int_t)result.messages));
		json_object_set_new(
		    o, "imported",
		    json_integer((json_int_t)result.stats.imported));
		json_object_set_new(
		    o, "duplicates",
		    json_integer((json_int_t)result.stats.duplicates));
		json_object_set_new(
		    o, "rejected",
		    json_integer((json_int_t)result.stats.rejected));
		json_object_set_new(
		    o, "skipped",
		    json_integer((json_int_t)result.stats.skipped));
		json_object_set_new(o, "archived",
				    json_integer((json_int_t)result.archived));
		json_object_set_new(
		    o, "reports",
		    json_integer((json_int_t)result.stats.reports));
		json_object_set_new(
		    o, "failure_reports",
		    json_integer((json_int_t)result.stats.failures));
		json_object_set_new(
		    o, "messages",
		    json_integer((json_int_t)result.stats.messages));
		json_object_set_new(o, "complete",
				    json_boolean(st == STATUS_OK));
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
