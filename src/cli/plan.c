/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Commands of the rollout: plan (where a domain stands and what comes
 * next), step (verify the next record is live, then record it) and
 * export (the records as a zone snippet, nsupdate script or JSON). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "app/plan.h"
#include "app/step.h"
#include "util/i18n.h"
#include "dns/propagate.h"
#include "plan/rollout.h"
#include "util/text.h"
#include "util/outfile.h"
#include "util/xalloc.h"
#include "export/zone.h"

/* Loads the inputs and the plan of a domain through the session. */
static enum status plan_load(struct cli *cli, const char *domain,
			     struct rollout_inputs *in,
			     struct rollout_plan *plan, struct err *err)
{
	return app_plan_load(cli_session(cli), domain, cli->now, in, plan, err);
}

/* The _spfN parts of the next SPF record as [{name, value}]. */
static json_t *parts_json(const struct rollout_next *next)
{
	json_t *a = json_array();

	for (size_t i = 0; i < next->nparts; i++) {
		json_t *p = json_object();

		json_object_set_new(p, "name",
				    json_string(next->parts[i].name));
		json_object_set_new(p, "value",
				    json_string(next->parts[i].value));
		json_array_append_new(a, p);
	}
	return a;
}

/* The timeline as JSON. */
static json_t *timeline_json(const struct rollout_inputs *in, date_t today)
{
	struct rollout_week *weeks;
	size_t n;
	json_t *a = json_array();

	rollout_timeline(in, today, &weeks, &n);
	for (size_t i = 0; i < n; i++) {
		json_t *w = json_object();
		int year, week;
		char label[16];

		date_iso_week(weeks[i].monday, &year, &week);
		snprintf(label, sizeof label, "%04d-W%02d", year, week);
		json_object_set_new(w, "week", json_string(label));
		json_object_set_new(w, "monday",
				    cli_json_date(weeks[i].monday));
		json_object_set_new(
		    w, "phase",
		    json_string(rollout_phase_name(weeks[i].phase)));
		json_object_set_new(w, "due",
				    weeks[i].due ? json_string(weeks[i].due)
						 : json_null());
		json_object_set_new(w, "past", json_boolean(weeks[i].past));
		json_array_append_new(a, w);
	}
	rollout_weeks_free(weeks, n);
	return a;
}

/* The evidence as JSON. */
static json_t *evidence_json(const struct rollout_inputs *in)
{
	const struct rollout_evidence *e = &in->evidence;
	json_t *o = json_object(), *a = json_array();

	json_object_set_new(o, "since", cli_json_date(e->since));
	json_object_set_new(o, "until", cli_json_date(e->until));
	json_object_set_new(o, "reports", json_integer((json_int_t)e->reports));
	json_object_set_new(o, "messages",
			    json_integer((json_int_t)e->messages));
	json_object_set_new(o, "legitimate",
			    json_integer((json_int_t)e->legitimate));
	json_object_set_new(o, "passing", json_integer((json_int_t)e->passing));
	json_object_set_new(o, "not_ours",
			    json_integer((json_int_t)e->not_ours));
	json_object_set_new(
	    o, "pass_rate",
	    e->legitimate
		? json_real(100.0 * (double)e->passing / (double)e->legitimate)
		: json_null());
	for (size_t i = 0; i < e->nfailing; i++) {
		const struct rollout_source *s = &e->failing[i];
		json_t *src = json_object();
		char *ip = text_clean_str(s->ip);

		json_object_set_new(src, "ip", json_string(ip));
		if (s->ptr) {
			char *ptr = text_clean_str(s->ptr);

			json_object_set_new(src, "ptr", json_string(ptr));
			free(ptr);
		}
		json_object_set_new(src, "provider",
				    s->provider ? json_string(s->provider)
						: json_null());
		json_object_set_new(src, "messages",
				    json_integer((json_int_t)s->messages));
		json_object_set_new(
		    src, "share",
		    json_real(e->messages ? 100.0 * (double)s->messages /
						(double)e->messages
					  : 0.0));
		json_object_set_new(src, "class",
				    json_string(rollout_class_name(s->cls)));
		json_array_append_new(a, src);
		free(ip);
	}
	json_object_set_new(o, "failing_sources", a);
	return o;
}

/* Prints one record of the plan as a zone file line, its value through
 * the one TXT quoter (strings of at most 255 octets, RFC 1035 3.3.14). */
static void print_txt(const char *name, const char *value)
{
	char *strings = text_txt_strings(value);

	printf("  %s. TXT %s\n", name, strings);
	free(strings);
}

/* plan DOMAIN */
int cli_plan(struct cli *cli, int argc, char **argv)
{
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct err err = ERR_INIT;
	char a[DATE_BUFSIZE];

	(void)argc; /* one operand, as declared */
	if (plan_load(cli, argv[0], &in, &plan, &err))
		return cli_fail_done(&err);
	if (cli->json) {
		json_t *o = json_object(), *d = json_array();

		json_object_set_new(o, "domain", json_string(plan.domain));
		json_object_set_new(
		    o, "phase", json_string(rollout_phase_name(plan.phase)));
		json_object_set_new(o, "since", cli_json_date(plan.since));
		json_object_set_new(o, "ready", json_boolean(plan.ready));
		json_object_set_new(o, "reasons",
				    findings_to_json(&plan.reasons));
		json_object_set_new(o, "next_record",
				    plan.next.record
					? json_string(plan.next.record)
					: json_null());
		json_object_set_new(o, "earliest",
				    cli_json_date(plan.earliest));
		json_object_set_new(o, "days", json_integer(plan.days));
		json_object_set_new(o, "min_days", json_integer(plan.min_days));
		if (plan.next.action != ROLLOUT_ACTION_NONE) {
			json_t *n = json_object();

			json_object_set_new(n, "name",
					    json_string(plan.next.name));
			json_object_set_new(n, "type", json_string("TXT"));
			json_object_set_new(n, "label",
					    json_string(plan.next.label));
			if (plan.next.selector)
				json_object_set_new(
				    n, "selector",
				    json_string(plan.next.selector));
			if (plan.next.nparts > 0)
				json_object_set_new(n, "parts",
						    parts_json(&plan.next));
			json_object_set_new(o, "next", n);
		}
		json_object_set_new(o, "dmarc_live",
				    plan.dmarc_live
					? json_string(plan.dmarc_live)
					: json_null());
		json_object_set_new(o, "spf_live",
				    plan.spf_live ? json_string(plan.spf_live)
						  : json_null());
		json_object_set_new(o, "dmarc_verified",
				    plan.dmarc_verified
					? json_string(plan.dmarc_verified)
					: json_null());
		json_object_set_new(o, "spf_verified",
				    plan.spf_verified
					? json_string(plan.spf_verified)
					: json_null());
		json_object_set_new(o, "spf_lookups",
				    in.spf_lookups >= 0
					? json_integer(in.spf_lookups)
					: json_null());
		for (size_t i = 0; i < plan.ndue; i++)
			json_array_append_new(d, json_string(plan.due[i]));
		json_object_set_new(o, "due", d);
		if (plan.evidence_needed)
			json_object_set_new(o, "evidence", evidence_json(&in));
		json_object_set_new(o, "timeline",
				    timeline_json(&in, cli->now));
		cli_print_json(o);
	} else {
		printf(_("%s: %s since %s (%d days)\n"), plan.domain,
		       rollout_phase_label(plan.phase),
		       date_format(plan.since, a), plan.days);
		if (plan.next.action != ROLLOUT_ACTION_NONE) {
			printf(_("Next: %s\n"), plan.next.label);
			if (plan.next.record)
				print_txt(plan.next.name, plan.next.record);
			else if (plan.next.action == ROLLOUT_ACTION_DKIM)
				printf(_("  %s (published by the provider)\n"),
				       plan.next.name);
			else
				printf(_("  %s (no record yet: see below)\n"),
				       plan.next.name);
			for (size_t i = 0; i < plan.next.nparts; i++)
				print_txt(plan.next.parts[i].name,
					  plan.next.parts[i].value);
			printf(_("Earliest: %s\n"),
			       date_format(plan.earliest, a));
		}
		puts(plan.ready ? _("Ready: yes") : _("Ready: no"));
		for (size_t i = 0; i < plan.reasons.count; i++)
			printf("  - %s\n", plan.reasons.items[i].message);
		/* The maintenance due (key rotations), as --json's due. */
		if (plan.ndue > 0)
			puts(_("Due:"));
		for (size_t i = 0; i < plan.ndue; i++)
			printf("  - %s\n", plan.due[i]);
	}
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	return EXIT_GOOD;
}

/* Prints which server serves the new record and which lags. */
static void step_print_servers(const struct propagate_result *res)
{
	for (size_t i = 0; i < res->count; i++) {
		const struct propagate_server *s = &res->servers[i];

		printf("  %-30s %-24s %s\n", s->host,
		       s->address ? s->address : "-",
		       s->state == PROPAGATE_SERVES ? _("serves the new record")
		       : s->state == PROPAGATE_DIFFERENT
			   ? _("still serves something else")
			   : _("unreachable"));
		for (size_t j = 0; j < s->nvalues; j++)
			printf("      %s\n", s->values[j]);
		if (s->error)
			printf("      %s\n", s->error);
	}
}

/* Prints the plan's reasons, one per line. */
static void print_reasons(FILE *out, const struct rollout_plan *plan)
{
	for (size_t i = 0; i < plan->reasons.count; i++)
		fprintf(out, "  - %s\n", plan->reasons.items[i].message);
}

/* The step's answer as JSON. */
static void step_json(const struct rollout_plan *plan,
		      const struct app_step_result *r)
{
	json_t *o = json_object(), *a = json_array();
	const struct app_step_checks *c = r->checks;

	json_object_set_new(o, "domain", json_string(plan->domain));
	json_object_set_new(o, "name",
			    plan->next.name ? json_string(plan->next.name)
					    : json_null());
	json_object_set_new(o, "next_record",
			    plan->next.record ? json_string(plan->next.record)
					      : json_null());
	json_object_set_new(o, "recorded", json_boolean(r->recorded));
	json_object_set_new(o, "ready", json_boolean(plan->ready));
	json_object_set_new(o, "forced", json_boolean(r->forced));
	json_object_set_new(o, "complete",
			    json_boolean(r->gate == APP_STEP_COMPLETE));
	json_object_set_new(o, "reasons", findings_to_json(&plan->reasons));
	for (size_t k = 0; c && k < c->count; k++)
		for (size_t i = 0; c->results[k] && i < c->results[k]->count;
		     i++) {
			const struct propagate_server *s =
			    &c->results[k]->servers[i];
			json_t *j = json_object();

			json_object_set_new(j, "name",
					    json_string(c->results[k]->name));
			json_object_set_new(j, "host", json_string(s->host));
			json_object_set_new(j, "address",
					    s->address ? json_string(s->address)
						       : json_null());
			json_object_set_new(
			    j, "state",
			    json_string(propagate_state_name(s->state)));
			json_array_append_new(a, j);
		}
	json_object_set_new(o, "servers", a);
	cli_print_json(o);
}

/* step DOMAIN: verify the next record is live, then record it. */
int cli_step(struct cli *cli, int argc, char **argv)
{
	struct propagate_options po;
	struct app_step_result r;
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct err err = ERR_INIT;
	const char *domain = argv[0]; /* one operand, as declared */
	bool force = cli_opt(cli, OPT_FORCE) != NULL;
	char d[DATE_BUFSIZE];
	int rc = EXIT_GOOD;

	(void)argc;
	if (plan_load(cli, domain, &in, &plan, &err))
		return cli_fail_done(&err);
	/* --servers, else the domain's servers setting. */
	app_step_options(cli_session(cli), &in, cli_opt(cli, OPT_SERVERS), &po);
	if (app_step_run(cli_session(cli), &in, &plan, cli->now, &po, force, &r,
			 &err)) {
		rc = cli_fail_done(&err);
		goto out;
	}
	switch (r.gate) {
	case APP_STEP_COMPLETE:
		rc = EXIT_GOOD;
		if (!cli->json)
			printf(_("%s: nothing to step; the rollout is "
				 "complete.\n"),
			       plan.domain);
		break;
	case APP_STEP_NOT_READY:
		rc = EXIT_FINDINGS;
		if (!cli->json) {
			if (plan.next.action == ROLLOUT_ACTION_NONE)
				printf(_("%s: no step can be taken yet; "
					 "nothing recorded:\n"),
				       plan.domain);
			else
				printf(_("%s: %s is not ready; nothing "
					 "recorded (step --force records it "
					 "anyway):\n"),
				       plan.domain, plan.next.label);
			print_reasons(stdout, &plan);
		}
		break;
	case APP_STEP_NO_RECORD:
		err_set(&err, STATUS_UNSUPPORTED,
			_("%s: the record of %s cannot be built; see "
			  "dmarcpilot plan %s"),
			plan.next.name, plan.next.label, plan.domain);
		rc = cli_fail_done(&err);
		goto out;
	case APP_STEP_GO:
		rc = r.recorded ? EXIT_GOOD : EXIT_FINDINGS;
		if (cli->json)
			break;
		if (!plan.next.record) {
			if (r.recorded)
				printf(_("%s publishes a key; recorded %s on "
					 "%s.\n"),
				       plan.next.name, plan.next.label,
				       date_format(cli->now, d));
			else
				printf(_("%s does not publish a DKIM key yet; "
					 "nothing recorded.\n"),
				       plan.next.name);
		} else {
			for (size_t k = 0; k < r.checks->count; k++) {
				if (r.checks->count > 1)
					printf("%s:\n",
					       r.checks->results[k]->name);
				step_print_servers(r.checks->results[k]);
			}
			if (r.recorded)
				printf(
				    _("%s is live on all %zu servers; "
				      "recorded %s on %s.\n"),
				    plan.next.name, r.checks->results[0]->count,
				    plan.next.label, date_format(cli->now, d));
			for (size_t k = 0; !r.recorded && k < r.checks->count;
			     k++) {
				const struct propagate_result *p =
				    r.checks->results[k];

				if (p->serving != p->count)
					printf(_("%s is live on %zu of %zu "
						 "servers; nothing recorded. "
						 "Run step again once every "
						 "server serves it.\n"),
					       p->name, p->serving, p->count);
			}
		}
		if (r.recorded && r.forced) {
			printf(_("Forced: the plan did not call %s ready:\n"),
			       plan.next.label);
			print_reasons(stdout, &plan);
		}
		break;
	}
	if (cli->json)
		step_json(&plan, &r);
out:
	app_step_result_done(&r);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	return rc;
}

/* export DOMAIN: the records as a zone snippet, nsupdate or JSON. */
int cli_export(struct cli *cli, int argc, char **argv)
{
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct zone_records z;
	struct err err = ERR_INIT;
	const char *domain = argv[0]; /* one operand, as declared */
	const char *format = cli_opt(cli, OPT_FORMAT);
	const char *output = cli_opt(cli, OPT_OUTPUT);
	const char *ttl = cli_opt(cli, OPT_TTL);
	char *text = NULL, *end;
	unsigned long ttl_value = 0;
	bool next = false;
	int rc = EXIT_GOOD;

	(void)argc;
	if (!format)
		format = "bind";
	if (strcmp(format, "bind") != 0 && strcmp(format, "nsupdate") != 0 &&
	    strcmp(format, "json") != 0)
		return cli_usage(cli,
				 _("--format takes bind, nsupdate or json: %s"),
				 format);
	if (ttl) {
		/* RFC 2181 8: a TTL is 0..2^31-1 seconds. */
		errno = 0;
		ttl_value = strtoul(ttl, &end, 10);
		if (!isdigit((unsigned char)*ttl) || *end || errno ||
		    ttl_value > 2147483647UL)
			return cli_usage(cli,
					 _("--ttl takes seconds, 0 to "
					   "2147483647: %s"),
					 ttl);
	}
	next = cli_opt(cli, OPT_NEXT) != NULL;
	if (cli->json)
		format = "json";
	if (plan_load(cli, domain, &in, &plan, &err))
		return cli_fail_done(&err);
	zone_collect(&in, &plan, next, session_orgdomain(cli_session(cli)), &z);
	if (ttl) {
		z.ttl = (uint32_t)ttl_value;
		z.ttl_given = true;
	}
	/* Every format shows what each record replaces and keeps the
	 * TTL its RRset is served with, so each asks DNS first. */
	{
		struct dns *dns = cli_dns(cli, &err);

		if (!dns || zone_find_old(&z, dns, &err)) {
			rc = cli_fail_done(&err);
			goto out;
		}
		/* A record at a name without TXT takes the zone's TTL. */
		if (!z.ttl_given)
			z.ttl = zone_soa_ttl(dns, z.domain);
	}
	if (strcmp(format, "nsupdate") == 0) {
		text = zone_format_nsupdate(&z);
	} else if (strcmp(format, "json") == 0) {
		json_t *o = zone_format_json(&z);

		text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (text) {
			char *t = xasprintf("%s\n", text);

			free(text);
			text = t;
		}
	} else if (zone_format_bind(&z, &text, &err)) {
		rc = cli_fail_done(&err);
		goto out;
	}
	if (output) {
		if (outfile_write(output, text, strlen(text), &err))
			rc = cli_fail_done(&err);
	} else {
		fputs(text, stdout);
	}
out:
	free(text);
	zone_records_done(&z);
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	return rc;
}
