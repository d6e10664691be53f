/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The spf commands (DESIGN.md section 5): spf check, spf eval, spf
 * build. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/dname.h"
#include "util/i18n.h"
#include "plan/rollout.h"
#include "providers/providers.h"
#include "spf/spf.h"
#include "spf/spf_build.h"
#include "spf/spf_check.h"
#include "spf/spf_eval.h"
#include "store/state.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The database when the operator has one (--db, or the default file
 * exists); NULL otherwise, never created just for a check. */
static struct store *existing_store(struct cli *cli)
{
	struct err err = ERR_INIT;
	struct store *store;

	if (!cli->db_path && !session_store_exists(cli_session(cli)))
		return NULL;
	store = cli_store(cli, &err);
	err_done(&err);
	return store;
}

/* Prints the findings as text. */
static void print_findings(const struct findings *fs)
{
	if (fs->count == 0) {
		printf("%s\n", _("No findings."));
		return;
	}
	printf("%s\n", _("Findings:"));
	for (size_t i = 0; i < fs->count; i++) {
		const struct finding *f = &fs->items[i];

		printf("  %-8s %s: %s\n", severity_label(f->severity),
		       finding_code_name(f->code), f->message);
		if (f->advice)
			printf("           %s\n", f->advice);
	}
}

/* Prints one node of the tree and its subtree. */
static void print_node(const struct spf_node *node, int depth)
{
	const char *label = node->via ? node->via : node->domain;

	printf("  %*s%s", depth * 2, "", label);
	printf(P_("  (%zu lookup)", "  (%zu lookups)", node->cost), node->cost);
	if (node->state != SPF_NODE_OK)
		printf("  [%s]", spf_node_state_name(node->state));
	if (node->void_lookups)
		printf(P_(", %zu void", ", %zu void", node->void_lookups),
		       node->void_lookups);
	printf("\n");
	for (size_t i = 0; i < node->nchildren; i++)
		print_node(node->children[i], depth + 1);
}

/* spf check DOMAIN */
int cli_spf_check(struct cli *cli, int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct spf_check *check = NULL;
	const struct spf_node *costly;
	struct store *store;
	struct dns *dns;
	int rc;

	(void)argc; /* one operand, as declared */
	if (!(dns = cli_dns(cli, &err)) ||
	    spf_check_sync(dns, argv[0], &check, &err) != STATUS_OK) {
		rc = cli_fail(&err);
		err_done(&err);
		return rc;
	}
	if (check->dns_failed) {
		/* The domain's own record could not be fetched: no answer
		 * about it at all (exit 2, naming the query). */
		err_set(&err, STATUS_DNS, "%s", check->dns_error);
		rc = cli_fail(&err);
		err_done(&err);
		spf_check_free(check);
		return rc;
	}
	store = existing_store(cli);
	if (store &&
	    rollout_flatten_drift(store, dns, check->domain, &check->findings,
				  &err) != STATUS_OK) {
		rc = cli_fail(&err);
		err_done(&err);
		spf_check_free(check);
		return rc;
	}
	costly = spf_check_costliest(check);
	if (cli->json) {
		json_t *o = json_object();

		json_object_set_new(o, "domain", json_string(check->domain));
		json_object_set_new(o, "record",
				    check->root->record
					? json_string(check->root->record)
					: json_null());
		json_object_set_new(o, "lookups",
				    json_integer((json_int_t)check->lookups));
		json_object_set_new(
		    o, "void_lookups",
		    json_integer((json_int_t)check->void_lookups));
		json_object_set_new(o, "costliest",
				    costly ? json_string(costly->via)
					   : json_null());
		json_object_set_new(o, "tree", spf_node_to_json(check->root));
		json_object_set_new(o, "findings",
				    findings_to_json(&check->findings));
		cli_print_json(o);
	} else {
		printf(_("SPF record of %s: %s\n"), check->domain,
		       check->root->record ? check->root->record : _("(none)"));
		printf(_("DNS lookups: %zu of 10; void lookups: %zu of 2\n"),
		       check->lookups, check->void_lookups);
		printf("%s\n", _("Lookup tree:"));
		print_node(check->root, 0);
		if (costly)
			printf(P_("Costliest branch: %s (%zu lookup)\n",
				  "Costliest branch: %s (%zu lookups)\n",
				  costly->cost),
			       costly->via, costly->cost);
		print_findings(&check->findings);
	}
	rc = findings_worst(&check->findings) == SEVERITY_ERROR ? EXIT_FINDINGS
								: EXIT_GOOD;
	spf_check_free(check);
	return rc;
}

/* spf eval DOMAIN IP: check_host() for a client address. */
int cli_spf_eval(struct cli *cli, int argc, char **argv)
{
	struct spf_query q = { 0 };
	struct spf_outcome out;
	struct err err = ERR_INIT;
	char **args = argv; /* DOMAIN IP, as declared */
	char *sender = NULL;
	struct dns *dns;
	int rc;

	(void)argc;
	q.sender = cli_opt(cli, OPT_SENDER);
	q.helo = cli_opt(cli, OPT_HELO);
	q.receiver = cli_opt(cli, OPT_RECEIVER);
	if (!ip_addr_parse(args[1], &q.ip)) {
		fprintf(stderr, _("dmarcpilot: not an IP address: %s\n"),
			args[1]);
		return EXIT_TROUBLE;
	}
	/* RFC 7208 7.3: %{r} is the domain name of the receiving host. */
	if (q.receiver && !dname_valid(q.receiver, DNAME_ANY_OCTETS)) {
		fprintf(stderr, _("dmarcpilot: not a host name: %s\n"),
			q.receiver);
		return EXIT_TROUBLE;
	}
	q.domain = args[0];
	if (!q.sender) {
		/* RFC 7208 4.3: no local-part means "postmaster". */
		sender = xasprintf("postmaster@%s", args[0]);
		q.sender = sender;
	}
	q.now = (long long)time(NULL);
	if (!(dns = cli_dns(cli, &err)) ||
	    spf_eval_sync(dns, &q, &out, &err) != STATUS_OK) {
		free(sender);
		rc = cli_fail(&err);
		err_done(&err);
		return rc;
	}
	free(sender);
	if (out.result == SPF_TEMPERROR) {
		/* A DNS failure: exit 2 with the query that failed. */
		err_set(&err, STATUS_DNS, _("temperror: %s"),
			out.reason ? out.reason : _("a DNS query failed"));
		rc = cli_fail(&err);
		err_done(&err);
		if (cli->json) {
			json_t *o = json_object();

			json_object_set_new(o, "result",
					    json_string("temperror"));
			json_object_set_new(o, "mechanism",
					    out.mechanism
						? json_string(out.mechanism)
						: json_null());
			cli_print_json(o);
		}
		spf_outcome_done(&out);
		return rc;
	}
	if (cli->json) {
		json_t *o = json_object();

		json_object_set_new(o, "result",
				    json_string(spf_result_name(out.result)));
		json_object_set_new(o, "mechanism",
				    out.mechanism ? json_string(out.mechanism)
						  : json_null());
		json_object_set_new(o, "domain",
				    out.domain ? json_string(out.domain)
					       : json_null());
		json_object_set_new(o, "explanation",
				    out.explanation
					? json_string(out.explanation)
					: json_null());
		json_object_set_new(o, "reason",
				    out.reason ? json_string(out.reason)
					       : json_null());
		json_object_set_new(o, "lookups",
				    json_integer((json_int_t)out.dns_terms));
		json_object_set_new(o, "void_lookups",
				    json_integer((json_int_t)out.void_lookups));
		cli_print_json(o);
	} else {
		printf("%s", spf_result_name(out.result));
		if (out.mechanism)
			printf(_(" (%s in the record of %s)"), out.mechanism,
			       out.domain);
		else if (out.result == SPF_NEUTRAL)
			printf("%s", _(" (no mechanism matched)"));
		printf("\n");
		if (out.reason)
			printf(_("Reason: %s\n"), out.reason);
		if (out.explanation)
			printf(_("Explanation: %s\n"), out.explanation);
	}
	rc = out.result == SPF_PERMERROR ? EXIT_FINDINGS : EXIT_GOOD;
	spf_outcome_done(&out);
	return rc;
}

/* A list of mechanisms being collected. */
struct mechs {
	char **v;
	size_t n, cap;
};

/* Appends a copy. */
static void mechs_add(struct mechs *m, const char *s)
{
	m->v = xgrow(m->v, &m->cap, m->n + 1, sizeof *m->v);
	m->v[m->n++] = xstrdup(s);
}

/* Frees the list. */
static void mechs_done(struct mechs *m)
{
	strlist_free(m->v, m->n);
}

/* The flattener asks: does this include belong to a mailbox provider,
 * whose addresses rotate? */
static bool include_rotates(void *arg, const char *mechanism)
{
	const struct provider *p = providers_match_spf(arg, mechanism);

	return p && p->category == PROVIDER_MAILBOX;
}

/* Adds the senders the store knows for domain. */
static enum status stored_senders(struct cli *cli, const char *domain,
				  const struct providers *catalogue,
				  struct mechs *m, struct err *err)
{
	struct store *store = existing_store(cli);
	struct state_sender *senders = NULL;
	size_t n = 0;
	enum status st;

	if (!store)
		return STATUS_OK;
	st = state_sender_list(store, domain, &senders, &n, err);
	if (st == STATUS_NOT_FOUND) {
		err_done(err);
		return STATUS_OK;
	}
	if (st != STATUS_OK)
		return st;
	for (size_t i = 0; i < n; i++) {
		char *mech = state_sender_mechanism(&senders[i], catalogue);

		if (mech)
			mechs_add(m, mech);
		free(mech);
	}
	state_senders_free(senders, n);
	return STATUS_OK;
}

/* Prints the result of spf build. */
static void print_build(const struct cli *cli, const struct spf_flatten *f,
			const char *domain)
{
	if (cli->json) {
		json_t *o = json_object(), *records = json_array();
		json_t *flat = json_array(), *kept = json_array();

		json_object_set_new(o, "record",
				    json_string(f->records[0].value));
		json_object_set_new(o, "lookups",
				    json_integer((json_int_t)f->lookups));
		for (size_t i = 0; i < f->nrecords; i++) {
			json_t *r = json_object();

			json_object_set_new(r, "name",
					    json_string(f->records[i].name));
			json_object_set_new(r, "value",
					    json_string(f->records[i].value));
			json_array_append_new(records, r);
		}
		json_object_set_new(o, "records", records);
		for (size_t i = 0; i < f->nitems; i++)
			json_array_append_new(
			    f->items[i].flattened ? flat : kept,
			    json_string(f->items[i].mechanism));
		json_object_set_new(o, "flattened", flat);
		json_object_set_new(o, "includes_kept", kept);
		cli_print_json(o);
		return;
	}
	if (f->nrecords == 1 && !domain) {
		printf("%s\n", f->records[0].value);
	} else {
		for (size_t i = 0; i < f->nrecords; i++) {
			char *q = text_txt_strings(f->records[i].value);

			printf("%s. IN TXT %s\n", f->records[i].name, q);
			free(q);
		}
	}
	for (size_t i = 0; i < f->nitems; i++)
		if (f->items[i].flattened)
			printf(P_("Flattened %s into %zu range.\n",
				  "Flattened %s into %zu ranges.\n",
				  f->items[i].naddresses),
			       f->items[i].mechanism, f->items[i].naddresses);
	printf(_("DNS lookups: %zu of 10\n"), f->lookups);
}

/* spf build [DOMAIN]: the record from the options and the domain's
 * senders. */
int cli_spf_build(struct cli *cli, int argc, char **argv)
{
	struct mechs m = { 0 };
	const struct providers *catalogue = NULL;
	struct spf_record *rec = NULL;
	struct spf_flatten *f = NULL;
	struct err err = ERR_INIT;
	const char *domain = argc ? argv[0] : NULL;
	const char *all = cli_opt(cli, OPT_ALL);
	bool flatten = cli_opt(cli, OPT_FLATTEN), fail_all = false;
	char *norm = NULL;
	struct dns *dns;
	int rc = EXIT_TROUBLE;

	if (all && strcmp(all, "fail") == 0)
		fail_all = true;
	else if (all && strcmp(all, "softfail") != 0)
		return cli_usage(cli, _("--all takes softfail or fail: %s"),
				 all);
	if (!(catalogue = session_providers(cli_session(cli), &err)))
		goto fail;
	/* The mechanisms in the order the options gave them. */
	for (size_t i = 0; i < cli->ngiven; i++) {
		enum cli_opt key = cli->given[i].key;
		const char *v = cli->given[i].value;
		char *mech;

		if (key == OPT_PROVIDER) {
			const struct provider *p = providers_find(catalogue, v);

			if (!p) {
				err_set(&err, STATUS_USAGE,
					_("unknown provider '%s' (see "
					  "data/providers.ini)"),
					v);
				goto fail;
			}
			if (p->spf && *p->spf)
				mechs_add(&m, p->spf);
		} else if (key == OPT_IP4 || key == OPT_IP6) {
			struct ip_net net;
			int family = key == OPT_IP4 ? AF_INET : AF_INET6;

			if (!ip_net_parse(v, family, &net)) {
				err_set(&err, STATUS_USAGE,
					_("not an %s network: %s"),
					family == AF_INET ? "IPv4" : "IPv6", v);
				goto fail;
			}
			mech = xasprintf("%s:%s",
					 key == OPT_IP4 ? "ip4" : "ip6", v);
			mechs_add(&m, mech);
			free(mech);
		}
	}
	if (cli_opt(cli, OPT_A))
		mechs_add(&m, "a");
	if (cli_opt(cli, OPT_MX))
		mechs_add(&m, "mx");
	if (domain) {
		norm = text_domain_normalize(domain);
		if (stored_senders(cli, norm, catalogue, &m, &err) != STATUS_OK)
			goto fail;
	}
	if (m.n == 0) {
		err_set(&err, STATUS_USAGE, "%s",
			_("no senders: give --provider, --ip4, --ip6, --a or "
			  "--mx, or add senders to the domain"));
		goto fail;
	}
	if (spf_build((const char *const *)m.v, m.n, fail_all, &rec, &err) !=
	    STATUS_OK)
		goto fail;
	if (!(dns = cli_dns(cli, &err)))
		goto fail;
	if (flatten) {
		if (spf_flatten(dns, norm, rec, include_rotates,
				(void *)catalogue, &f, &err) != STATUS_OK)
			goto fail;
		if (norm) {
			struct store *store = existing_store(cli);
			struct err serr = ERR_INIT;

			/* Remember what was flattened, for drift checks. */
			if (store &&
			    state_flattened_save(store, norm, f, cli->now,
						 &serr) != STATUS_OK &&
			    serr.status != STATUS_NOT_FOUND) {
				err_set(&err, serr.status, "%s",
					err_message(&serr));
				err_done(&serr);
				goto fail;
			}
			err_done(&serr);
		}
	} else {
		f = spf_layout(norm, rec);
		if (spf_record_lookups(dns, rec, &f->lookups, &err) !=
		    STATUS_OK)
			goto fail;
		f->lookups += f->nrecords - 1;
	}
	print_build(cli, f, norm);
	if (f->lookups > SPF_MAX_DNS_TERMS && !cli->json)
		fprintf(stderr,
			_("dmarcpilot: the record needs %zu DNS lookups, more "
			  "than 10; try --flatten\n"),
			f->lookups);
	rc = f->lookups > SPF_MAX_DNS_TERMS ? EXIT_FINDINGS : EXIT_GOOD;
	goto out;
fail:
	rc = cli_fail(&err);
out:
	err_done(&err);
	spf_flatten_free(f);
	spf_record_free(rec);
	mechs_done(&m);
	free(norm);
	return rc;
}
