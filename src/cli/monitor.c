/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/config_file.h"
#include "app/monitor.h"
#include "cli/cli.h"
#include "util/i18n.h"

/* The word people read for a state. */
static const char *state_label(enum monitor_state state)
{
	switch (state) {
	case MONITOR_NEW:
		return _("new");
	case MONITOR_OPEN:
		return _("open");
	case MONITOR_CLEARED:
		break;
	}
	return _("cleared");
}

/* The --json object of DESIGN.md section 5: alerts, sent,
 * failed_channels, and what else the run did. */
static json_t *result_json(const struct monitor_result *r, bool dry_run)
{
	json_t *o = json_object(), *alerts = json_array();
	json_t *failed = json_array(), *deliveries = json_array();
	json_t *problems = json_array();

	for (size_t i = 0; i < r->nalerts; i++) {
		const struct monitor_alert *a = &r->alerts[i];
		json_t *e = json_object();
		char day[DATE_BUFSIZE];

		json_object_set_new(e, "code",
				    json_string(finding_code_name(a->code)));
		json_object_set_new(e, "domain", json_string(a->domain));
		json_object_set_new(e, "severity",
				    json_string(severity_name(a->severity)));
		json_object_set_new(e, "message", json_string(a->message));
		json_object_set_new(e, "state",
				    json_string(monitor_state_name(a->state)));
		json_object_set_new(e, "since",
				    json_string(date_format(a->opened, day)));
		json_array_append_new(alerts, e);
	}
	for (size_t i = 0; i < r->ndeliveries; i++) {
		const struct monitor_delivery *d = &r->deliveries[i];
		json_t *e = json_object();

		json_object_set_new(e, "channel", json_string(d->channel));
		json_object_set_new(e, "alerts",
				    json_integer((json_int_t)d->alerts));
		json_object_set_new(
		    e, "error", d->error ? json_string(d->error) : json_null());
		json_array_append_new(deliveries, e);
		if (d->error)
			json_array_append_new(failed, json_string(d->channel));
	}
	for (size_t i = 0; i < r->nproblems; i++)
		json_array_append_new(problems, json_string(r->problems[i]));
	json_object_set_new(o, "alerts", alerts);
	json_object_set_new(o, "sent", json_integer((json_int_t)r->sent));
	json_object_set_new(o, "failed_channels", failed);
	json_object_set_new(o, dry_run ? "would_send" : "deliveries",
			    deliveries);
	json_object_set_new(o, "dry_run", json_boolean(dry_run));
	json_object_set_new(o, "problems", problems);
	if (r->fetch_tried) {
		json_t *f = json_object();

		json_object_set_new(f, "complete", json_boolean(r->fetch_ok));
		json_object_set_new(
		    f, "fetched", json_integer((json_int_t)r->fetch.messages));
		json_object_set_new(
		    f, "imported",
		    json_integer((json_int_t)r->fetch.stats.imported));
		json_object_set_new(o, "fetch", f);
	}
	return o;
}

/* The text report: one line per alert, then the channels. */
static void result_text(const struct monitor_result *r, bool dry_run)
{
	if (r->fetch_tried && r->fetch_ok)
		printf(_("Fetched %lu messages from %s (imported %lu).\n"),
		       r->fetch.messages, r->fetch.server,
		       r->fetch.stats.imported);
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct monitor_alert *a = &r->alerts[i];

		/* TRANSLATORS: state, severity, code, message. */
		printf(_("%-8s %-8s %s  %s\n"), state_label(a->state),
		       severity_label(a->severity), finding_code_name(a->code),
		       a->message);
	}
	if (r->nalerts == 0)
		printf(_("No alerts.\n"));
	for (size_t i = 0; i < r->ndeliveries; i++) {
		const struct monitor_delivery *d = &r->deliveries[i];

		if (dry_run)
			printf(_("Would send %zu alerts to %s.\n"), d->alerts,
			       d->channel);
		else if (!d->error)
			printf(_("Sent %zu alerts to %s.\n"), d->alerts,
			       d->channel);
	}
}

/* `monitor [DOMAIN...]`: one pass; exit 0 when nothing was raised, 1
 * when alerts were, 2 when something could not be checked or a channel
 * failed (named on stderr; it is tried again on the next run). */
int cli_monitor(struct cli *cli, int argc, char **argv)
{
	struct monitor_options o;
	struct monitor_result r;
	struct config cfg;
	struct err err = ERR_INIT;
	int status;

	if (config_load(&cfg, NULL, &err)) {
		status = cli_fail(&err);
		err_done(&err);
		return status;
	}
	memset(&o, 0, sizeof o);
	o.domains = (const char *const *)argv;
	o.ndomains = (size_t)argc;
	o.today = cli->now;
	o.now = time(NULL);
	o.dry_run = cli_opt(cli, OPT_DRY_RUN) != NULL;
	o.timeout_seconds = cli->timeout > 0 ? (long)cli->timeout : 0;
	if (monitor_run(cli_session(cli), &cfg, &o, &r, &err)) {
		status = cli_fail(&err);
		monitor_result_done(&r);
		goto out;
	}
	if (cli->json)
		cli_print_json(result_json(&r, o.dry_run));
	else
		result_text(&r, o.dry_run);
	for (size_t i = 0; i < r.nproblems; i++)
		fprintf(stderr, "dmarcpilot: %s\n", r.problems[i]);
	for (size_t i = 0; i < r.ndeliveries; i++)
		if (r.deliveries[i].error)
			fprintf(stderr,
				_("dmarcpilot: %s failed: %s; it is tried "
				  "again on the next run\n"),
				r.deliveries[i].channel, r.deliveries[i].error);
	status = r.nproblems || monitor_result_failed(&r) ? EXIT_TROUBLE
		 : r.raised                               ? EXIT_FINDINGS
							  : EXIT_GOOD;
	monitor_result_done(&r);
out:
	config_done(&cfg);
	err_done(&err);
	return status;
}
