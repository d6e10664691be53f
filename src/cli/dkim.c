/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The dkim commands: keygen and check (DESIGN.md section 5). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "dkim/dkim.h"
#include "store/state.h"
#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The database when one is in use: --db, or the default one if it
 * already exists (a keygen alone does not create a database). NULL when
 * none is, or with err set when opening failed. */
static struct store *db_in_use(struct cli *cli, struct err *err)
{
	char *path;
	bool exists;

	if (cli->db_path)
		return cli_store(cli, err);
	path = store_default_path();
	exists = path && access(path, F_OK) == 0;
	free(path);
	return exists ? cli_store(cli, err) : NULL;
}

/* Prints findings for people, cleaned of anything hostile. */
static void print_findings(const struct findings *list)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct finding *f = &list->items[i];

		printf("%s %s: %s\n", severity_label(f->severity),
		       finding_code_name(f->code), f->message);
		if (f->advice)
			printf("  %s\n", f->advice);
	}
}

/* Prints a snippet under a heading, indented for reading. */
static void print_snippet(const char *heading, const char *text)
{
	printf("\n%s\n", heading);
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");

		printf("    %.*s\n", (int)len, p);
		p += len;
		if (*p == '\n')
			p++;
	}
}

/* dmarcpilot dkim keygen DOMAIN SELECTOR [options]. */
int cli_dkim_keygen(struct cli *cli, int argc, char **argv)
{
	struct dkim_keygen_options o = { .type = DKIM_KEY_RSA };
	struct dkim_generated g;
	struct dkim_snippets sn;
	struct err err = ERR_INIT;
	const char *algorithm = cli_opt(cli, OPT_ALGORITHM);
	const char *bits = cli_opt(cli, OPT_BITS);
	int status;
	char *line;

	(void)argc; /* DOMAIN SELECTOR, as declared */
	o.domain = argv[0];
	o.selector = argv[1];
	o.dir = cli_opt(cli, OPT_OUT);
	o.force = cli_opt(cli, OPT_FORCE) != NULL;
	if (algorithm && strcmp(algorithm, "ed25519") == 0)
		o.type = DKIM_KEY_ED25519;
	else if (algorithm && strcmp(algorithm, "rsa") != 0)
		return cli_usage(cli, _("--algorithm takes rsa or ed25519: %s"),
				 algorithm);
	if (bits) {
		char *end;
		long n = strtol(bits, &end, 10);

		if (o.type != DKIM_KEY_RSA)
			return cli_usage(cli, "%s",
					 _("--bits is for RSA keys only"));
		if (*end || end == bits || n <= 0 || n > 65536)
			return cli_usage(cli, _("--bits takes a number of "
						"bits: %s"),
					 bits);
		o.bits = (int)n;
	}
	o.today = cli->now;
	o.record_arg = db_in_use(cli, &err);
	if (o.record_arg)
		o.record = state_dkim_keygen_record;
	if (!o.record_arg && err.status != STATUS_OK) {
		status = cli_fail(&err);
		err_done(&err);
		return status;
	}
	if (dkim_keygen(&o, &g, &err) != STATUS_OK) {
		status = cli_fail(&err);
		err_done(&err);
		return status;
	}
	dkim_snippets_build(g.domain, g.selector, g.path, &sn);
	if (cli->json) {
		json_t *root = json_object(), *strings = json_array();
		json_t *snippets = json_object(), *opendkim = json_object();

		for (size_t i = 0; i < g.nstrings; i++)
			json_array_append_new(strings,
					      json_string(g.strings[i]));
		json_object_set_new(opendkim, "conf",
				    json_string(sn.opendkim_conf));
		json_object_set_new(opendkim, "keytable",
				    json_string(sn.opendkim_keytable));
		json_object_set_new(opendkim, "signingtable",
				    json_string(sn.opendkim_signingtable));
		json_object_set_new(opendkim, "trustedhosts",
				    json_string(sn.opendkim_trustedhosts));
		json_object_set_new(snippets, "opendkim", opendkim);
		json_object_set_new(snippets, "postfix",
				    json_string(sn.postfix));
		json_object_set_new(snippets, "exim", json_string(sn.exim));
		json_object_set_new(root, "domain", json_string(g.domain));
		json_object_set_new(root, "selector", json_string(g.selector));
		json_object_set_new(root, "algorithm",
				    json_string(dkim_key_type_name(g.type)));
		json_object_set_new(root, "bits", json_integer(g.bits));
		json_object_set_new(root, "key", json_string(g.path));
		json_object_set_new(root, "name", json_string(g.name));
		json_object_set_new(root, "record", json_string(g.record));
		json_object_set_new(root, "strings", strings);
		json_object_set_new(root, "snippets", snippets);
		cli_print_json(root);
	} else {
		line = dkim_zone_line(g.name, g.strings, g.nstrings);
		puts(line);
		free(line);
		printf("\n");
		/* TRANSLATORS: %s is a file name. */
		printf(_("Private key: %s (mode 0600; never share it)\n"),
		       g.path);
		print_snippet(_("opendkim.conf:"), sn.opendkim_conf);
		print_snippet(_("OpenDKIM KeyTable:"), sn.opendkim_keytable);
		print_snippet(_("OpenDKIM SigningTable:"),
			      sn.opendkim_signingtable);
		print_snippet(_("OpenDKIM TrustedHosts:"),
			      sn.opendkim_trustedhosts);
		print_snippet(_("Postfix main.cf:"), sn.postfix);
		print_snippet(_("Exim smtp transport:"), sn.exim);
	}
	dkim_snippets_done(&sn);
	dkim_generated_done(&g);
	return EXIT_GOOD;
}

/* Keeps the one result of a lookup. */
static void check_answered(void *arg, struct dkim_selector_result *r)
{
	struct dkim_selector_result **slot = arg;

	*slot = r;
}

/* Adds dkim.rotation_due when the database knows the key and it is
 * old. */
static enum status check_rotation(struct cli *cli,
				  const struct dkim_selector_result *r,
				  struct findings *findings, date_t *created,
				  struct err *err)
{
	struct store *store = db_in_use(cli, err);
	struct state_dkim_key *keys = NULL;
	size_t n = 0;
	enum status st;

	if (!store)
		return err->status;
	st = state_dkim_key_list(store, r->domain, &keys, &n, err);
	if (st == STATUS_NOT_FOUND) {
		/* A domain the database does not follow. */
		err_done(err);
		return STATUS_OK;
	}
	for (size_t i = 0; st == STATUS_OK && i < n; i++) {
		if (!text_ieq(keys[i].selector, r->selector))
			continue;
		dkim_rotation_check(keys[i].selector, keys[i].created,
				    keys[i].retired, keys[i].provider != NULL,
				    cli->now, 0, findings);
		if (keys[i].retired == DATE_NONE && !keys[i].provider)
			*created = keys[i].created;
	}
	state_dkim_keys_free(keys, n);
	return st;
}

/* dmarcpilot dkim check DOMAIN SELECTOR [--key FILE]. */
int cli_dkim_check(struct cli *cli, int argc, char **argv)
{
	struct dkim_selector_result *r = NULL;
	struct err err = ERR_INIT;
	const char **pos = (const char **)argv; /* DOMAIN SELECTOR */
	const char *key = cli_opt(cli, OPT_KEY);
	struct dns *dns;
	int status = EXIT_TROUBLE;
	bool match = false;
	char *shown, created_day[DATE_BUFSIZE], due_day[DATE_BUFSIZE];
	date_t created = DATE_NONE;
	struct dkim_key_age age = { 0 };

	(void)argc;
	if (!dkim_selector_valid(pos[1]))
		return cli_usage(cli, _("not a selector: %s"), pos[1]);
	dns = cli_dns(cli, &err);
	if (!dns)
		goto fail;
	dkim_lookup(dns, pos[0], pos[1], check_answered, &r);
	if (dns_run(dns) != STATUS_OK || !r) {
		err_set(&err, STATUS_DNS, "%s._domainkey.%s TXT: %s", pos[1],
			pos[0], _("the resolver stopped"));
		goto fail;
	}
	if (r->dns_error) {
		err_set(&err, STATUS_DNS, "%s", r->dns_error);
		goto fail;
	}
	if (key && r->parsed) {
		if (dkim_key_matches(&r->key, key, &match, &err) != STATUS_OK)
			goto fail;
		if (!match) {
			struct finding *f = findings_add(
			    &r->findings, F_DKIM_KEY_MISMATCH,
			    _("the key published at %s is not the public "
			      "half of %s"),
			    r->name, key);

			finding_set_selector(f, r->selector);
			finding_set_record(f, r->record);
			finding_set_advice(
			    f, _("Publish the record generated with this "
				 "key, or point the signer at the key that "
				 "belongs to the published record."));
		}
	}
	if (check_rotation(cli, r, &r->findings, &created, &err) !=
	    STATUS_OK)
		goto fail;
	if (created != DATE_NONE) {
		age = dkim_key_age(created, cli->now, 0);
		date_format(created, created_day);
		date_format(age.due, due_day);
	}

	if (cli->json) {
		json_t *root = json_object();

		json_object_set_new(root, "domain", json_string(r->domain));
		json_object_set_new(root, "selector",
				    json_string(r->selector));
		json_object_set_new(root, "name", json_string(r->name));
		if (r->cname)
			json_object_set_new(root, "cname",
					    json_string(r->cname));
		shown = r->record ? text_clean_str(r->record) : NULL;
		json_object_set_new(root, "record",
				    shown ? json_string(shown) : json_null());
		free(shown);
		json_object_set_new(
		    root, "algorithm",
		    r->parsed ? json_string(dkim_key_type_name(r->key.type))
			      : json_null());
		json_object_set_new(root, "bits",
				    r->parsed && r->key.bits
					? json_integer(r->key.bits)
					: json_null());
		json_object_set_new(root, "revoked",
				    json_boolean(r->parsed && r->key.revoked));
		json_object_set_new(root, "testing",
				    json_boolean(r->parsed && r->key.testing));
		json_object_set_new(root, "strict",
				    json_boolean(r->parsed && r->key.strict));
		if (key && r->parsed) {
			json_object_set_new(root, "key", json_string(key));
			json_object_set_new(root, "key_matches",
					    json_boolean(match));
		}
		if (created != DATE_NONE) {
			json_object_set_new(root, "created",
					    json_string(created_day));
			json_object_set_new(root, "age_days",
					    json_integer(age.age_days));
			json_object_set_new(root, "rotation_due",
					    json_string(due_day));
		}
		json_object_set_new(root, "findings",
				    findings_to_json(&r->findings));
		cli_print_json(root);
	} else {
		shown = text_clean_str(r->record);
		printf("%s: %s\n", r->name, r->record ? shown : "-");
		free(shown);
		if (r->cname) {
			shown = text_clean_str(r->cname);
			printf(_("  delegated by CNAME to %s\n"), shown);
			free(shown);
		}
		if (r->parsed && !r->key.revoked && r->key.bits)
			printf(_("  key: %s, %d bits%s\n"),
			       dkim_key_type_name(r->key.type), r->key.bits,
			       r->key.testing ? _(", testing (t=y)") : "");
		if (key && r->parsed)
			printf(match ? _("  the published key matches %s\n")
				     : _("  the published key does not match "
					 "%s\n"),
			       key);
		if (created != DATE_NONE)
			/* TRANSLATORS: dates are YYYY-MM-DD. */
			printf(_("  created %s, rotation due %s\n"),
			       created_day, due_day);
		if (r->findings.count == 0)
			printf(_("No problems found.\n"));
		print_findings(&r->findings);
	}
	status = findings_worst(&r->findings) == SEVERITY_ERROR
		     ? EXIT_FINDINGS
		     : EXIT_GOOD;
	goto out;
fail:
	status = cli_fail(&err);
out:
	if (r) {
		dkim_selector_result_done(r);
		free(r);
	}
	err_done(&err);
	return status;
}
