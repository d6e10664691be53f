/* SPDX-License-Identifier: GPL-3.0-or-later */
/* publish DOMAIN: the next ready step sent as a signed dynamic update,
 * waited for on every authoritative server, then recorded
 * (app/publish.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "app/plan.h"
#include "app/publish.h"
#include "cli/cli.h"
#include "util/i18n.h"

/* Shows how far the propagation is, on stderr, when it changed. */
static void publish_progress(void *arg, const struct app_step_checks *c,
			     double waited)
{
	size_t *last = arg, serving = 0, count = 0;

	for (size_t k = 0; k < c->count; k++)
		if (c->results[k]) {
			serving += c->results[k]->serving;
			count += c->results[k]->count;
		}
	if (serving == *last)
		return;
	*last = serving;
	/* TRANSLATORS: servers answering with the new records so far. */
	fprintf(stderr,
		_("dmarcpilot: waiting: %zu of %zu answers serve "
		  "the new records (%.0f s)\n"),
		serving, count, waited);
}

/* Every record the update changes, as JSON. */
static json_t *changed_json(const struct app_publish_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nchanged; i++) {
		const struct app_publish_change *c = &r->changed[i];
		json_t *e = json_object();

		json_object_set_new(e, "name", json_string(c->name));
		json_object_set_new(e, "type", json_string("TXT"));
		json_object_set_new(e, "ttl", json_integer(c->ttl));
		json_object_set_new(e, "value", json_string(c->value));
		json_object_set_new(e, "old",
				    c->old ? json_string(c->old) : json_null());
		json_array_append_new(a, e);
	}
	return a;
}

/* Names every record the update changes, one a line. */
static void changed_print(const struct app_publish_result *r)
{
	for (size_t i = 0; i < r->nchanged; i++) {
		const struct app_publish_change *c = &r->changed[i];

		if (c->old)
			/* TRANSLATORS: a name, the new record, the old. */
			printf(_("  %s TXT \"%s\" (was \"%s\")\n"), c->name,
			       c->value, c->old);
		else
			/* TRANSLATORS: a name, the record added. */
			printf(_("  %s TXT \"%s\" (added)\n"), c->name,
			       c->value);
	}
}

/* The result as JSON. */
static void publish_json(const char *domain, const struct app_publish_result *r,
			 bool dry_run)
{
	json_t *o = json_object();

	json_object_set_new(o, "domain", json_string(domain));
	json_object_set_new(o, "step",
			    r->label ? json_string(r->label) : json_null());
	json_object_set_new(o, "zone",
			    r->zone ? json_string(r->zone) : json_null());
	json_object_set_new(o, "server",
			    r->server ? json_string(r->server) : json_null());
	json_object_set_new(
	    o, "key", r->key_name ? json_string(r->key_name) : json_null());
	json_object_set_new(o, "update",
			    r->update ? json_string(r->update) : json_null());
	json_object_set_new(o, "changes", json_integer((json_int_t)r->changes));
	json_object_set_new(o, "records", changed_json(r));
	json_object_set_new(o, "dry_run", json_boolean(dry_run));
	json_object_set_new(o, "sent", json_boolean(r->sent));
	json_object_set_new(o, "recorded", json_boolean(r->recorded));
	json_object_set_new(o, "forced", json_boolean(r->forced));
	cli_print_json(o);
}

/* publish DOMAIN [--server HOST[:PORT]] [--key FILE] [--dry-run]
 * [--force] [--undo] */
int cli_publish(struct cli *cli, int argc, char **argv)
{
	struct app_publish_options o = { 0 };
	struct app_publish_result r;
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct err err = ERR_INIT;
	size_t last = (size_t)-1;
	char day[DATE_BUFSIZE];
	int rc = EXIT_GOOD;

	(void)argc; /* one operand, as declared */
	o.server = cli_opt(cli, OPT_SERVER);
	o.key_file = cli_opt(cli, OPT_KEY);
	o.dry_run = cli_opt(cli, OPT_DRY_RUN) != NULL;
	o.force = cli_opt(cli, OPT_FORCE) != NULL;
	o.undo = cli_opt(cli, OPT_UNDO) != NULL;
	o.timeout = cli->timeout;
	if (!cli->json) {
		o.progress = publish_progress;
		o.arg = &last;
	}
	if (app_plan_load(cli_session(cli), argv[0], cli->now, &in, &plan,
			  &err)) {
		rc = cli_fail(&err);
		err_done(&err);
		return rc;
	}
	if (app_publish_run(cli_session(cli), &in, &plan, cli->now, &o, &r,
			    &err)) {
		rc = cli_fail(&err);
		for (size_t i = 0; i < r.nlive; i++)
			fprintf(stderr, _("dmarcpilot: served now: %s\n"),
				r.live[i]);
		err_done(&err);
		goto out;
	}
	switch (r.gate) {
	case APP_STEP_COMPLETE:
		if (!cli->json)
			printf(_("%s: nothing to publish; the rollout is "
				 "complete.\n"),
			       plan.domain);
		break;
	case APP_STEP_NOT_READY:
		rc = EXIT_FINDINGS;
		if (!cli->json) {
			printf(_("%s: %s is not ready; nothing sent "
				 "(publish --force sends it anyway):\n"),
			       plan.domain,
			       plan.next.label ? plan.next.label : "-");
			for (size_t i = 0; i < plan.reasons.count; i++)
				printf("  - %s\n",
				       plan.reasons.items[i].message);
		}
		break;
	case APP_STEP_NO_RECORD:
		err_set(&err, STATUS_UNSUPPORTED,
			_("%s: the record of %s cannot be built; see "
			  "dmarcpilot plan %s"),
			plan.next.name, plan.next.label, plan.domain);
		rc = cli_fail(&err);
		err_done(&err);
		goto out;
	case APP_STEP_GO:
		if (cli->json)
			break;
		if (o.dry_run) {
			printf(_("; dmarcpilot: the update publish would send "
				 "for %s (%s), nothing sent:\n"),
			       plan.domain, r.label);
			fputs(r.update, stdout);
			if (r.nchanged)
				printf(_("It would change these records:\n"));
			changed_print(&r);
		} else if (r.recorded) {
			if (r.changes == 0)
				printf(_("%s: %s was served already.\n"),
				       plan.domain, r.label);
			else if (o.undo)
				printf(_("%s: %s put back through %s (%s) in "
					 "zone %s, signed with key %s.\n"),
				       plan.domain, r.label, r.primary,
				       r.server, r.zone, r.key_name);
			else
				printf(_("%s: %s sent to %s (%s) in zone %s, "
					 "signed with key %s.\n"),
				       plan.domain, r.label, r.primary,
				       r.server, r.zone, r.key_name);
			if (r.nchanged)
				printf(_("Records changed:\n"));
			changed_print(&r);
			printf(_("%s is live on every server after %.0f s; "
				 "recorded on %s.\n"),
			       r.label, r.waited, date_format(cli->now, day));
			if (r.forced) {
				printf(_("Forced: the plan did not call %s "
					 "ready:\n"),
				       r.label);
				for (size_t i = 0; i < plan.reasons.count; i++)
					printf("  - %s\n",
					       plan.reasons.items[i].message);
			}
		}
		break;
	}
	if (cli->json)
		publish_json(plan.domain, &r, o.dry_run);
out:
	app_publish_done(&r);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	return rc;
}
