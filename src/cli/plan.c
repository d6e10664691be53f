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
#include "util/i18n.h"
#include "dns/propagate.h"
#include "plan/rollout.h"
#include "util/text.h"
#include "util/outfile.h"
#include "util/xalloc.h"
#include "export/zone.h"

/* A day as JSON text, or null. */
static json_t *json_date(date_t day)
{
	char buf[DATE_BUFSIZE];

	if (day == DATE_NONE)
		return json_null();
	return json_string(date_format(day, buf));
}

/* Prints the error, frees it and returns EXIT_TROUBLE. */
static int plan_fail(struct err *err)
{
	int rc = cli_fail(err);

	err_done(err);
	return rc;
}

/* Loads the catalogue, the inputs and the plan of a domain. */
static enum status plan_load(struct cli *cli, const char *domain,
			     struct rollout_inputs *in,
			     struct rollout_plan *plan, struct err *err)
{
	struct providers *catalogue = NULL;
	struct err dns_err = ERR_INIT;
	struct store *store;
	struct dns *dns;
	char *path = cli_data_path(cli, "providers.ini");
	enum status st;

	if (!(store = cli_store(cli, err))) {
		st = err->status;
		goto out;
	}
	/* Without the catalogue, provider senders are named as problems. */
	if (providers_load(&catalogue, path, NULL) != STATUS_OK)
		catalogue = NULL;
	/* The analysis asks DNS about report sources when it can. */
	dns = cli_dns(cli, &dns_err);
	err_done(&dns_err);
	if ((st = rollout_inputs_load(store, dns, catalogue, domain, cli->now,
				      in, err)))
		goto out;
	rollout_decide(in, cli->now, plan);
out:
	providers_free(catalogue);
	free(path);
	return st;
}

/* The _spfN parts of the next SPF record as [{name, value}]. */
static json_t *parts_json(const struct rollout_next *next)
{
	json_t *a = json_array();

	for (size_t i = 0; i < next->nparts; i++) {
		json_t *p = json_object();

		json_object_set_new(p, "name", json_string(next->parts[i].name));
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
		json_object_set_new(w, "monday", json_date(weeks[i].monday));
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

	json_object_set_new(o, "since", json_date(e->since));
	json_object_set_new(o, "until", json_date(e->until));
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
	    e->legitimate ? json_real(100.0 * (double)e->passing /
				      (double)e->legitimate)
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

/* plan DOMAIN */
int cli_plan(struct cli *cli, int argc, char **argv)
{
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct err err = ERR_INIT;
	char a[DATE_BUFSIZE];

	(void)argc; /* one operand, as declared */
	if (plan_load(cli, argv[0], &in, &plan, &err))
		return plan_fail(&err);
	if (cli->json) {
		json_t *o = json_object(), *r = json_array(), *d = json_array();

		json_object_set_new(o, "domain", json_string(plan.domain));
		json_object_set_new(
		    o, "phase", json_string(rollout_phase_name(plan.phase)));
		json_object_set_new(o, "since", json_date(plan.since));
		json_object_set_new(o, "ready", json_boolean(plan.ready));
		for (size_t i = 0; i < plan.nreasons; i++)
			json_array_append_new(r,
					      json_string(plan.reasons[i]));
		json_object_set_new(o, "reasons", r);
		json_object_set_new(o, "next_record",
				    plan.next.record
					? json_string(plan.next.record)
					: json_null());
		json_object_set_new(o, "earliest", json_date(plan.earliest));
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
				printf("  %s. TXT \"%s\"\n", plan.next.name,
				       plan.next.record);
			else if (plan.next.action == ROLLOUT_ACTION_DKIM)
				printf(_("  %s (published by the provider)\n"),
				       plan.next.name);
			else
				printf(_("  %s (no record yet: see below)\n"),
				       plan.next.name);
			for (size_t i = 0; i < plan.next.nparts; i++)
				printf("  %s. TXT \"%s\"\n",
				       plan.next.parts[i].name,
				       plan.next.parts[i].value);
			printf(_("Earliest: %s\n"),
			       date_format(plan.earliest, a));
		}
		puts(plan.ready ? _("Ready: yes") : _("Ready: no"));
		for (size_t i = 0; i < plan.nreasons; i++)
			printf("  - %s\n", plan.reasons[i]);
	}
	rollout_plan_done(&plan);
	rollout_inputs_done(&in);
	return EXIT_GOOD;
}

/* Records the step the plan proposed, verified on day. For SPF, what
 * was flattened into the record is stored first (state_flattened_save): the
 * record and its ranges are now what the domain publishes, so drift is
 * measured against them; done before the rung so that a run killed in
 * between only repeats the save on the next step. */
static enum status step_record(struct cli *cli,
			       const struct rollout_inputs *in,
			       const struct rollout_plan *p, struct err *err)
{
	struct store *store = cli_store(cli, err);
	enum status st;

	if (!store)
		return err->status;
	switch (p->next.action) {
	case ROLLOUT_ACTION_SPF: {
		struct err merr = ERR_INIT;
		struct dns *dns = cli_dns(cli, &merr);
		int lookups = in->spf_lookups;
		struct state_cost *costs = NULL;
		size_t ncosts = 0;

		if (in->spf_flat &&
		    (st = state_flattened_save(store, p->domain,
						in->spf_flat, cli->now, err)))
			return st;
		/* What the live record costs now, per include, is the base
		 * of the lookup drift checks. */
		if (!dns || rollout_spf_measure(dns, p->domain, &lookups,
						&costs, &ncosts, &merr))
			lookups = in->spf_lookups;
		err_done(&merr);
		st = state_rung_add_spf(store, p->domain, p->next.rung,
					p->next.record, lookups, costs,
					ncosts, cli->now, err);
		state_costs_free(costs, ncosts);
		return st;
	}
	case ROLLOUT_ACTION_DMARC:
		return state_rung_add(store, p->domain, RUNG_DMARC,
				      p->next.rung, p->next.record, cli->now,
				      err);
	case ROLLOUT_ACTION_DKIM:
		return state_dkim_key_published(store, p->domain,
						p->next.selector, cli->now,
						err);
	case ROLLOUT_ACTION_NONE:
		break;
	}
	return STATUS_OK;
}

/* True if a TXT value carries a DKIM key: a p= tag with a value
 * (RFC 6376 3.6.1; an empty p= is a revoked key). */
static bool has_dkim_key(const char *value, size_t len)
{
	for (size_t i = 0; i + 2 < len; i++) {
		size_t j;

		if (value[i] != 'p' || (i > 0 && value[i - 1] != ';' &&
					value[i - 1] != ' ' &&
					value[i - 1] != '\t'))
			continue;
		for (j = i + 1; j < len && (value[j] == ' ' ||
					    value[j] == '\t');
		     j++)
			;
		if (j >= len || value[j] != '=')
			continue;
		for (j++; j < len && (value[j] == ' ' || value[j] == '\t');
		     j++)
			;
		return j < len && value[j] != ';';
	}
	return false;
}

/* A key the provider publishes (often through a CNAME into its own
 * zone): its value is not known here, so the step is recorded once the
 * selector resolves to a key through the normal resolver. */
static int step_provider_key(struct cli *cli, const struct rollout_inputs *in,
			     const struct rollout_plan *p)
{
	struct err err = ERR_INIT;
	struct dns *dns = cli_dns(cli, &err);
	struct dns_answer *a;
	struct dns_txt_string *txt;
	size_t n;
	bool found = false;
	int rc;

	if (!dns)
		return plan_fail(&err);
	a = dns_query_sync(dns, p->next.name, DNS_T_TXT);
	if (a->result == DNS_TIMEOUT || a->result == DNS_SERVFAIL ||
	    a->result == DNS_ERROR) {
		err_set(&err, STATUS_DNS, _("%s TXT: %s"), p->next.name,
			a->error ? a->error : dns_result_name(a->result));
		dns_answer_free(a);
		return plan_fail(&err);
	}
	txt = dns_answer_txt_joined(a, &n);
	for (size_t i = 0; i < n; i++)
		found = found || has_dkim_key(txt[i].data, txt[i].len);
	dns_txt_joined_free(txt, n);
	dns_answer_free(a);
	if (!found) {
		printf(_("%s does not publish a DKIM key yet; nothing "
			 "recorded.\n"),
		       p->next.name);
		return EXIT_FINDINGS;
	}
	if (step_record(cli, in, p, &err))
		return plan_fail(&err);
	rc = EXIT_GOOD;
	if (cli->json) {
		json_t *o = json_object();

		json_object_set_new(o, "domain", json_string(p->domain));
		json_object_set_new(o, "name", json_string(p->next.name));
		json_object_set_new(o, "recorded", json_true());
		cli_print_json(o);
	} else {
		char d[DATE_BUFSIZE];

		printf(_("%s publishes a key; recorded %s on %s.\n"),
		       p->next.name, p->next.label,
		       date_format(cli->now, d));
	}
	return rc;
}

/* Prints which server serves the new record and which lags. */
static void step_print_servers(const struct propagate_result *res)
{
	for (size_t i = 0; i < res->count; i++) {
		const struct propagate_server *s = &res->servers[i];

		printf("  %-30s %-24s %s\n", s->host,
		       s->address ? s->address : "-",
		       s->state == PROPAGATE_SERVES
			   ? _("serves the new record")
		       : s->state == PROPAGATE_DIFFERENT
			   ? _("still serves something else")
			   : _("unreachable"));
		for (size_t j = 0; j < s->nvalues; j++)
			printf("      %s\n", s->values[j]);
		if (s->error)
			printf("      %s\n", s->error);
	}
}

/* step DOMAIN: verify the next record is live, then record it. */
int cli_step(struct cli *cli, int argc, char **argv)
{
	struct propagate_options po = { 0 };
	struct propagate_result **res = NULL;
	size_t nres = 0;
	struct rollout_inputs in;
	struct rollout_plan plan;
	struct err err = ERR_INIT;
	const char *domain = argv[0]; /* one operand, as declared */
	struct dns *dns;
	int rc = EXIT_GOOD;

	(void)argc;
	po.servers = cli_opt(cli, OPT_SERVERS);
	po.timeout = cli->timeout;
	if (plan_load(cli, domain, &in, &plan, &err))
		return plan_fail(&err);
	if (plan.next.action == ROLLOUT_ACTION_NONE) {
		if (cli->json) {
			json_t *o = json_object();

			json_object_set_new(o, "domain",
					    json_string(plan.domain));
			json_object_set_new(o, "recorded", json_false());
			json_object_set_new(o, "next_record", json_null());
			cli_print_json(o);
		} else {
			printf(_("%s: nothing to step; the rollout is "
				 "complete.\n"),
			       plan.domain);
		}
		goto out;
	}
	if (!plan.next.record && plan.next.action == ROLLOUT_ACTION_DKIM) {
		rc = step_provider_key(cli, &in, &plan);
		goto out;
	}
	if (!plan.next.record) {
		err_set(&err, STATUS_UNSUPPORTED,
			_("%s: the record of %s cannot be built; see "
			  "dmarcpilot plan %s"),
			plan.next.name, plan.next.label, plan.domain);
		rc = plan_fail(&err);
		goto out;
	}
	/* The record and every _spfN part it includes: all must be live
	 * on every server before anything is recorded. */
	nres = 1 + plan.next.nparts;
	res = xcalloc(nres, sizeof *res);
	if (!(dns = cli_dns(cli, &err))) {
		rc = plan_fail(&err);
		goto out;
	}
	for (size_t k = 0; k < nres; k++) {
		const char *name = k ? plan.next.parts[k - 1].name
				     : plan.next.name;
		const char *value = k ? plan.next.parts[k - 1].value
				      : plan.next.record;

		if (propagate_check(dns, name, DNS_T_TXT, value, &po, &res[k],
				    &err)) {
			rc = plan_fail(&err);
			goto out;
		}
		if (res[k]->error || res[k]->count == 0) {
			err_set(&err, STATUS_DNS, "%s TXT: %s", name,
				res[k]->error
				    ? res[k]->error
				    : _("no authoritative server found"));
			rc = plan_fail(&err);
			goto out;
		}
		if (res[k]->serving != res[k]->count)
			rc = EXIT_FINDINGS;
	}
	if (rc == EXIT_GOOD && step_record(cli, &in, &plan, &err)) {
		rc = plan_fail(&err);
		goto out;
	}
	if (cli->json) {
		json_t *o = json_object(), *a = json_array();

		json_object_set_new(o, "domain", json_string(plan.domain));
		json_object_set_new(o, "name", json_string(plan.next.name));
		json_object_set_new(o, "next_record",
				    json_string(plan.next.record));
		json_object_set_new(o, "recorded", json_boolean(rc == 0));
		json_object_set_new(o, "ready", json_boolean(plan.ready));
		for (size_t k = 0; k < nres; k++)
			for (size_t i = 0; i < res[k]->count; i++) {
				const struct propagate_server *s =
				    &res[k]->servers[i];
				json_t *j = json_object();

				json_object_set_new(j, "name",
						    json_string(res[k]->name));
				json_object_set_new(j, "host",
						    json_string(s->host));
				json_object_set_new(
				    j, "address",
				    s->address ? json_string(s->address)
					       : json_null());
				json_object_set_new(
				    j, "state",
				    json_string(propagate_state_name(s->state)));
				json_array_append_new(a, j);
			}
		json_object_set_new(o, "servers", a);
		cli_print_json(o);
	} else {
		for (size_t k = 0; k < nres; k++) {
			if (nres > 1)
				printf("%s:\n", res[k]->name);
			step_print_servers(res[k]);
		}
		if (rc == 0) {
			char a[DATE_BUFSIZE];

			printf(_("%s is live on all %zu servers; recorded "
				 "%s on %s.\n"),
			       plan.next.name, res[0]->count, plan.next.label,
			       date_format(cli->now, a));
			if (!plan.ready)
				puts(_("Note: it was published before the "
				       "plan was ready."));
		} else {
			for (size_t k = 0; k < nres; k++)
				if (res[k]->serving != res[k]->count)
					printf(_("%s is live on %zu of %zu "
						 "servers; nothing recorded. "
						 "Run step again once every "
						 "server serves it.\n"),
					       res[k]->name, res[k]->serving,
					       res[k]->count);
		}
	}
out:
	for (size_t k = 0; res && k < nres; k++)
		propagate_result_free(res[k]);
	free(res);
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
	struct orgdomain *od;
	struct err err = ERR_INIT;
	const char *domain = argv[0]; /* one operand, as declared */
	const char *format = cli_opt(cli, OPT_FORMAT);
	const char *output = cli_opt(cli, OPT_OUTPUT);
	const char *ttl = cli_opt(cli, OPT_TTL);
	char *text = NULL, *end;
	unsigned long ttl_value = 0;
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
	if (cli->json)
		format = "json";
	if (plan_load(cli, domain, &in, &plan, &err))
		return plan_fail(&err);
	od = orgdomain_new();
	zone_collect(&in, &plan, od, &z);
	orgdomain_free(od);
	if (ttl) {
		z.ttl = (uint32_t)ttl_value;
		z.ttl_given = true;
	}
	if (strcmp(format, "nsupdate") == 0) {
		struct dns *dns = cli_dns(cli, &err);

		if (!dns || zone_find_old(&z, dns, &err)) {
			rc = plan_fail(&err);
			goto out;
		}
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
		rc = plan_fail(&err);
		goto out;
	}
	if (output) {
		if (outfile_write(output, text, strlen(text), &err))
			rc = plan_fail(&err);
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
