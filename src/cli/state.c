/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Commands for the rollout's state: domain add|list, sender
 * add|list|remove (DESIGN.md section 5). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "app/providers.h"
#include "app/adopt.h"
#include "util/i18n.h"
#include "providers/providers.h"
#include "store/state.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The session's catalogue (providers.ini). */
static const struct providers *catalogue_load(struct cli *cli, struct err *err)
{
	return session_providers(cli_session(cli), err);
}

/* Prints what adoption found live and recorded. */
static void adoption_print(struct cli *cli, const char *domain,
			   const struct app_adoption *a, json_t *o)
{
	if (o) {
		json_t *k = json_array();

		json_object_set_new(o, "spf_live",
				    a->spf_record ? json_string(a->spf_record)
						  : json_null());
		json_object_set_new(o, "spf_rung", json_integer(a->spf_rung));
		json_object_set_new(o, "dmarc_live",
				    a->dmarc_record
					? json_string(a->dmarc_record)
					: json_null());
		json_object_set_new(o, "dmarc_rung",
				    json_integer(a->dmarc_rung));
		for (size_t i = 0; i < a->ndkim; i++)
			json_array_append_new(k, json_string(a->dkim[i]));
		json_object_set_new(o, "dkim_live", k);
		return;
	}
	(void)cli;
	if (a->spf_rung >= 0)
		printf(_("%s serves SPF with %s: recorded as live.\n"), domain,
		       a->spf_rung ? "-all" : "~all");
	else if (a->spf_record)
		printf(_("%s serves an SPF record without ~all or -all: the "
			 "rollout starts at SPF ~all.\n"),
		       domain);
	for (size_t i = 0; i < a->ndkim; i++)
		printf(_("%s serves a DKIM key at selector %s: recorded as "
			 "live.\n"),
		       domain, a->dkim[i]);
	if (a->dmarc_rung >= 0)
		printf(_("%s serves DMARC rung %d of the ladder: recorded as "
			 "live; the plan never proposes a weaker one.\n"),
		       domain, a->dmarc_rung + 1);
}

/* domain adopt DOMAIN */
int cli_domain_adopt(struct cli *cli, int argc, char **argv)
{
	struct app_adoption a;
	struct err err = ERR_INIT;
	json_t *o = NULL;

	int rc;

	(void)argc; /* one operand, as declared */
	if (app_adopt(cli_session(cli), argv[0], cli->now, &a, &err))
		return cli_fail_done(&err);
	/* Findings (two SPF records) mean nothing was recorded: exit 1. */
	rc = a.findings.count ? EXIT_FINDINGS : EXIT_GOOD;
	if (cli->json) {
		o = json_object();
		json_object_set_new(o, "domain", json_string(argv[0]));
		json_object_set_new(o, "findings",
				    findings_to_json(&a.findings));
	}
	if (a.findings.count && !o)
		cli_print_findings(&a.findings);
	else
		adoption_print(cli, argv[0], &a, o);
	if (o)
		cli_print_json(o);
	app_adoption_done(&a);
	return rc;
}

/* domain add DOMAIN */
int cli_domain_add(struct cli *cli, int argc, char **argv)
{
	struct app_adoption a;
	bool adopted;
	struct err err = ERR_INIT;
	struct store *store;
	int64_t id;
	const char *name;

	(void)argc; /* one operand, as declared */
	if (!(store = cli_store(cli, &err)))
		return cli_fail_done(&err);
	if (state_domain_add(store, argv[0], cli->now, &id, &err))
		return cli_fail_done(&err);
	name = argv[0]; /* normalised by cli_parse() */
	/* What it serves already places it on the rung that is live; a
	 * domain whose records cannot be read starts at discovery. */
	adopted =
	    app_adopt(cli_session(cli), name, cli->now, &a, &err) == STATUS_OK;
	if (adopted && a.findings.count) {
		/* Served, but not adoptable as it is (two SPF records). */
		err_set(&err, STATUS_PARSE, "%s", a.findings.items[0].message);
		app_adoption_done(&a);
		adopted = false;
	}
	if (cli->json) {
		json_t *o = json_object();

		json_object_set_new(o, "domain", json_string(name));
		json_object_set_new(o, "id", json_integer(id));
		json_object_set_new(o, "created", cli_json_date(cli->now));
		if (adopted)
			adoption_print(cli, name, &a, o);
		cli_print_json(o);
	} else {
		printf(_("Added %s.\n"), name);
		if (adopted)
			adoption_print(cli, name, &a, NULL);
	}
	if (!adopted)
		fprintf(stderr,
			_("dmarcpilot: warning: what %s serves could not be "
			  "read (%s); run dmarcpilot domain adopt %s once it "
			  "can be\n"),
			name, err_message(&err), name);
	else
		app_adoption_done(&a);
	err_done(&err);
	return EXIT_GOOD;
}

/* domain list */
int cli_domain_list(struct cli *cli, int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct state_domain *domains;
	struct store *store;
	size_t n;

	(void)argc; /* no operands, as declared */
	(void)argv;
	/* No database yet is no domain yet: list none, create nothing. */
	if (!(store = cli_store_read(cli, &err))) {
		if (err.status != STATUS_NOT_FOUND)
			return cli_fail_done(&err);
		err_done(&err);
		domains = NULL;
		n = 0;
	} else if (state_domain_list(store, &domains, &n, &err)) {
		return cli_fail_done(&err);
	}
	if (cli->json) {
		json_t *o = json_object(), *a = json_array();

		for (size_t i = 0; i < n; i++) {
			json_t *d = json_object();

			json_object_set_new(d, "domain",
					    json_string(domains[i].name));
			json_object_set_new(d, "created",
					    cli_json_date(domains[i].created));
			json_array_append_new(a, d);
		}
		json_object_set_new(o, "domains", a);
		cli_print_json(o);
	} else if (n == 0) {
		puts(_("No domains yet; add one with: dmarcpilot domain add "
		       "DOMAIN"));
	} else {
		for (size_t i = 0; i < n; i++) {
			char buf[DATE_BUFSIZE];

			/* TRANSLATORS: a domain and the day it was added. */
			printf(_("%-40s added %s\n"), domains[i].name,
			       domains[i].created == DATE_NONE
				   ? "?"
				   : date_format(domains[i].created, buf));
		}
	}
	state_domains_free(domains, n);
	return EXIT_GOOD;
}

/* One sender as JSON. */
static json_t *sender_json(const struct state_sender *s,
			   const struct providers *catalogue)
{
	json_t *o = json_object();
	char *spec = state_sender_spec(s);
	char *mech = state_sender_mechanism(s, catalogue);

	json_object_set_new(o, "id", json_integer(s->id));
	json_object_set_new(o, "kind",
			    json_string(state_sender_kind_name(s->kind)));
	json_object_set_new(o, "value", json_string(s->value));
	json_object_set_new(o, "spec", json_string(spec));
	json_object_set_new(o, "spf", mech ? json_string(mech) : json_null());
	json_object_set_new(o, "note",
			    s->note ? json_string(s->note) : json_null());
	json_object_set_new(o, "created", cli_json_date(s->created));
	free(mech);
	free(spec);
	return o;
}

/* sender add DOMAIN SPEC */
int cli_sender_add(struct cli *cli, int argc, char **argv)
{
	struct err err = ERR_INIT;
	const struct providers *catalogue = NULL;
	struct store *store;
	const char *domain = argv[0], *spec = argv[1]; /* as declared */
	const char *note = cli_opt(cli, OPT_NOTE);
	int64_t id;
	int rc = EXIT_GOOD;

	(void)argc;
	/* Only a provider ID needs the catalogue. */
	if (!strchr(spec, ':') && !text_ieq(spec, "a") &&
	    !text_ieq(spec, "mx") && !(catalogue = catalogue_load(cli, &err)))
		return cli_fail_done(&err);
	if (!(store = cli_store(cli, &err)) ||
	    state_sender_add(store, domain, spec, note, catalogue, cli->now,
			     &id, &err)) {
		rc = cli_fail_done(&err);
		goto out;
	}
	{
		struct state_sender *senders;
		size_t n;

		if (state_sender_list(store, domain, &senders, &n, &err)) {
			rc = cli_fail_done(&err);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			char *s;

			if (senders[i].id != id)
				continue;
			s = state_sender_spec(&senders[i]);
			if (cli->json) {
				json_t *o = sender_json(&senders[i], catalogue);

				const char *d = domain;

				json_object_set_new(o, "domain",
						    json_string(d));
				cli_print_json(o);
			} else {
				printf(_("Added sender %s (id %lld) to %s.\n"),
				       s, (long long)id, domain);
			}
			free(s);
		}
		state_senders_free(senders, n);
	}
out:
	return rc;
}

/* The disowned sources as JSON. */
static json_t *disowned_json(const struct state_disowned *list, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_integer(list[i].id));
		json_object_set_new(o, "network", json_string(list[i].network));
		json_object_set_new(o, "note",
				    list[i].note ? json_string(list[i].note)
						 : json_null());
		json_object_set_new(o, "created",
				    cli_json_date(list[i].created));
		json_array_append_new(a, o);
	}
	return a;
}

/* sender list DOMAIN */
int cli_sender_list(struct cli *cli, int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct state_sender *senders;
	struct state_disowned *not_ours = NULL;
	const struct providers *catalogue;
	struct store *store;
	size_t n, nd = 0;

	(void)argc; /* one operand, as declared */
	if (!(store = cli_store_read(cli, &err)) ||
	    state_sender_list(store, argv[0], &senders, &n, &err))
		return cli_fail_done(&err);
	if (state_disown_list(store, argv[0], &not_ours, &nd, &err)) {
		state_senders_free(senders, n);
		return cli_fail_done(&err);
	}
	/* Without a catalogue the list still shows; only SPF is unknown. */
	catalogue = catalogue_load(cli, &err);
	err_done(&err);
	if (cli->json) {
		json_t *o = json_object(), *a = json_array();
		const char *d = argv[0];

		for (size_t i = 0; i < n; i++)
			json_array_append_new(
			    a, sender_json(&senders[i], catalogue));
		json_object_set_new(o, "domain", json_string(d));
		json_object_set_new(o, "senders", a);
		json_object_set_new(o, "not_ours", disowned_json(not_ours, nd));
		cli_print_json(o);
	} else if (n == 0) {
		printf(
		    _("%s has no senders yet; add them with: dmarcpilot "
		      "sender add %s PROVIDER-ID|ip4:CIDR|ip6:CIDR|a:HOST\n"),
		    argv[0], argv[0]);
	} else {
		for (size_t i = 0; i < n; i++) {
			char *spec = state_sender_spec(&senders[i]);
			char *mech =
			    state_sender_mechanism(&senders[i], catalogue);
			char *note = text_clean_str(senders[i].note);

			printf("%4lld  %-32s %s%s%s\n",
			       (long long)senders[i].id, spec,
			       mech && strcmp(mech, spec) != 0 ? mech : "",
			       *note ? "  # " : "", note);
			free(note);
			free(mech);
			free(spec);
		}
	}
	if (!cli->json && nd > 0) {
		puts(_("Not ours (disowned; failing mail from them is "
		       "spoofing):"));
		for (size_t i = 0; i < nd; i++) {
			char *note = text_clean_str(not_ours[i].note);

			printf("%4lld  %-32s%s%s\n", (long long)not_ours[i].id,
			       not_ours[i].network, *note ? "  # " : "", note);
			free(note);
		}
	}
	state_senders_free(senders, n);
	state_disowned_free(not_ours, nd);
	return EXIT_GOOD;
}

/* sender remove DOMAIN ID */
int cli_sender_remove(struct cli *cli, int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct store *store;

	(void)argc; /* DOMAIN ID, as declared */
	if (!(store = cli_store(cli, &err)) ||
	    state_sender_remove(store, argv[0], argv[1], &err))
		return cli_fail_done(&err);
	if (cli->json) {
		json_t *o = json_object();
		const char *d = argv[0];

		json_object_set_new(o, "domain", json_string(d));
		json_object_set_new(o, "removed", json_string(argv[1]));
		cli_print_json(o);
	} else {
		printf(_("Removed sender %s from %s.\n"), argv[1], argv[0]);
	}
	return EXIT_GOOD;
}

/* sender disown DOMAIN IP|CIDR */
int cli_sender_disown(struct cli *cli, int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct store *store;
	const char *domain = argv[0], *source = argv[1]; /* as declared */
	const char *note = cli_opt(cli, OPT_NOTE);
	bool undo = cli_opt(cli, OPT_UNDO) != NULL;
	int64_t id = 0;
	const char *d;

	(void)argc;
	if (undo && note)
		return cli_usage(cli, "%s",
				 _("--undo takes no --note: the note goes "
				   "with the source"));
	if (!(store = cli_store(cli, &err)))
		return cli_fail_done(&err);
	if (undo ? state_disown_remove(store, domain, source, &err)
		 : state_disown_add(store, domain, source, note, cli->now, &id,
				    &err))
		return cli_fail_done(&err);
	d = domain;
	if (cli->json) {
		json_t *o = json_object();

		json_object_set_new(o, "domain", json_string(d));
		json_object_set_new(o, "source", json_string(source));
		json_object_set_new(o, "not_ours", json_boolean(!undo));
		if (!undo)
			json_object_set_new(o, "id", json_integer(id));
		cli_print_json(o);
	} else if (undo) {
		printf(_("%s counts as an unknown source of %s again.\n"),
		       source, d);
	} else {
		printf(_("%s is not ours for %s (id %lld): its failing mail "
			 "no longer holds the plan back.\n"),
		       source, d, (long long)id);
	}
	return EXIT_GOOD;
}

/* sender providers [TEXT]: the catalogue's services, their IDs first
 * (what sender add takes), those matching TEXT. */
int cli_sender_providers(struct cli *cli, int argc, char **argv)
{
	const struct provider **found;
	struct err err = ERR_INIT;
	size_t n;

	if (app_providers_search(cli_session(cli), argc > 0 ? argv[0] : NULL,
				 &found, &n, &err))
		return cli_fail_done(&err);
	if (cli->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++) {
			const struct provider *p = found[i];
			json_t *o = json_object(), *sel = json_array();

			for (size_t j = 0; j < p->ndkim_selectors; j++)
				json_array_append_new(
				    sel, json_string(p->dkim_selectors[j]));
			json_object_set_new(o, "id", json_string(p->id));
			json_object_set_new(o, "name", json_string(p->name));
			json_object_set_new(
			    o, "category",
			    json_string(provider_category_name(p->category)));
			json_object_set_new(o, "spf",
					    p->spf ? json_string(p->spf)
						   : json_null());
			json_object_set_new(o, "dkim_selectors", sel);
			json_object_set_new(o, "docs",
					    p->docs ? json_string(p->docs)
						    : json_null());
			json_array_append_new(a, o);
		}
		cli_print_json(json_pack("{s:o}", "providers", a));
	} else if (n == 0) {
		printf(_("No service matches '%s'; sender add also takes "
			 "ip4:CIDR, ip6:CIDR and a:HOST.\n"),
		       argv[0]);
	} else {
		for (size_t i = 0; i < n; i++)
			printf("%-20s %-26s %-14s %s\n", found[i]->id,
			       found[i]->name,
			       provider_category_name(found[i]->category),
			       found[i]->spf ? found[i]->spf : "-");
	}
	free(found);
	return EXIT_GOOD;
}
