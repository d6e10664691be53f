/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The dkim commands: keygen, check and rotate (DESIGN.md section 5). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/dkim_rotate.h"
#include "app/keygen.h"
#include "cli/cli.h"
#include "dkim/dkim.h"
#include "store/rotation_store.h"
#include "store/state.h"
#include "util/i18n.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The database when one is in use: --db, or the default one if it
 * already exists (a keygen alone does not create a database). NULL when
 * none is, or with err set when opening failed. */
static struct store *db_in_use(struct cli *cli, struct err *err)
{
	if (cli->db_path || session_store_exists(cli_session(cli)))
		return cli_store(cli, err);
	return NULL;
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
	struct store *store;
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
			return cli_usage(cli,
					 _("--bits takes a number of "
					   "bits: %s"),
					 bits);
		o.bits = (int)n;
	}
	o.today = cli->now;
	store = db_in_use(cli, &err);
	if (!store && err.status != STATUS_OK) {
		status = cli_fail(&err);
		err_done(&err);
		return status;
	}
	if (app_dkim_keygen(store, &o, &g, &err) != STATUS_OK) {
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
 * older than the domain's rotation interval with no rotation of it
 * under way (app_rotate_due); *created and *interval receive its day
 * and the interval. */
static enum status check_rotation(struct cli *cli,
				  const struct dkim_selector_result *r,
				  struct findings *findings, date_t *created,
				  int *interval, struct err *err)
{
	struct store *store = db_in_use(cli, err);
	struct state_dkim_key *keys = NULL;
	struct findings due = { 0 };
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
	if (st == STATUS_OK)
		st = rotation_store_interval_get(store, r->domain, interval,
						 err);
	if (st == STATUS_OK)
		st = app_rotate_due(store, r->domain, cli->now, &due, err);
	for (size_t i = 0; st == STATUS_OK && i < n; i++)
		if (text_ieq(keys[i].selector, r->selector) &&
		    keys[i].retired == DATE_NONE && !keys[i].provider)
			*created = keys[i].created;
	for (size_t i = 0; st == STATUS_OK && i < due.count; i++) {
		const struct finding *f = &due.items[i];
		struct finding *c;

		if (!f->selector || !text_ieq(f->selector, r->selector))
			continue;
		c = findings_add(findings, f->code, "%s", f->message);
		finding_set_selector(c, f->selector);
		if (f->advice)
			finding_set_advice(c, f->advice);
	}
	findings_done(&due);
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
	int interval = DKIM_ROTATION_DAYS;
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
	if (check_rotation(cli, r, &r->findings, &created, &interval, &err) !=
	    STATUS_OK)
		goto fail;
	if (created != DATE_NONE) {
		age = dkim_key_age(created, cli->now, interval);
		date_format(created, created_day);
		date_format(age.due, due_day);
	}

	if (cli->json) {
		json_t *root = json_object();

		json_object_set_new(root, "domain", json_string(r->domain));
		json_object_set_new(root, "selector", json_string(r->selector));
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
		cli_print_findings(&r->findings);
	}
	status = findings_worst(&r->findings) == SEVERITY_ERROR ? EXIT_FINDINGS
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

/* A day as JSON: "YYYY-MM-DD" or null. */
static json_t *rotate_json_date(date_t day)
{
	char d[DATE_BUFSIZE];

	return day == DATE_NONE ? json_null()
				: json_string(date_format(day, d));
}

/* The snippets as JSON. */
static json_t *snippets_json(const struct dkim_snippets *sn)
{
	json_t *o = json_object(), *od = json_object();

	json_object_set_new(od, "conf", json_string(sn->opendkim_conf));
	json_object_set_new(od, "keytable", json_string(sn->opendkim_keytable));
	json_object_set_new(od, "signingtable",
			    json_string(sn->opendkim_signingtable));
	json_object_set_new(o, "opendkim", od);
	json_object_set_new(o, "postfix", json_string(sn->postfix));
	json_object_set_new(o, "exim", json_string(sn->exim));
	return o;
}

/* Prints the signer changes of the switch. */
static void print_switch(const struct rotation_record *rec,
			 const struct dkim_snippets *sn)
{
	if (rec->keep_old)
		printf(_("Sign with both keys: %s (Ed25519) beside %s (RSA, "
			 "for verifiers without Ed25519).\n"),
		       rec->new_selector, rec->old_selector);
	print_snippet(_("opendkim.conf:"), sn->opendkim_conf);
	print_snippet(_("OpenDKIM KeyTable:"), sn->opendkim_keytable);
	print_snippet(_("OpenDKIM SigningTable:"), sn->opendkim_signingtable);
	print_snippet(_("Postfix main.cf:"), sn->postfix);
	print_snippet(_("Exim smtp transport:"), sn->exim);
}

/* The rotation's state as JSON. */
static json_t *rotation_json(const char *domain,
			     const struct rotation_record *rec)
{
	json_t *o = json_object();

	json_object_set_new(o, "domain", json_string(domain));
	json_object_set_new(o, "phase",
			    json_string(dkim_rotation_phase_name(rec->phase)));
	json_object_set_new(o, "old_selector",
			    rec->old_selector ? json_string(rec->old_selector)
					      : json_null());
	json_object_set_new(o, "new_selector", json_string(rec->new_selector));
	json_object_set_new(
	    o, "algorithm",
	    json_string(rec->new_algorithm ? rec->new_algorithm : "rsa"));
	json_object_set_new(o, "keep_old", json_boolean(rec->keep_old));
	json_object_set_new(o, "silent_days", json_integer(rec->silent_days));
	json_object_set_new(
	    o, "key", rec->new_path ? json_string(rec->new_path) : json_null());
	json_object_set_new(o, "started", rotate_json_date(rec->started));
	json_object_set_new(o, "published", rotate_json_date(rec->published));
	json_object_set_new(o, "switched", rotate_json_date(rec->switched));
	json_object_set_new(o, "revoked", rotate_json_date(rec->revoked));
	json_object_set_new(o, "finished", rotate_json_date(rec->finished));
	return o;
}

/* The sources still signing with the old key, as JSON. */
static json_t *signers_json(const struct app_rotate_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nsigners; i++)
		json_array_append_new(
		    a, json_pack("{s:s, s:I, s:o}", "ip", r->signers[i].ip,
				 "messages", (json_int_t)r->signers[i].messages,
				 "last", rotate_json_date(r->signers[i].last)));
	return a;
}

/* Says what the old key still signs, one source a line. */
static void print_signers(const struct app_rotate_result *r)
{
	char d[DATE_BUFSIZE];

	if (r->nsigners == 0)
		return;
	printf(_("Still signed with %s since the switch:\n"),
	       r->rec.old_selector);
	for (size_t i = 0; i < r->nsigners; i++)
		/* TRANSLATORS: an address, a count, a day. */
		printf(P_("  %s: %lld message, the last report ending %s\n",
			  "  %s: %lld messages, the last report ending %s\n",
			  r->signers[i].messages),
		       r->signers[i].ip, (long long)r->signers[i].messages,
		       date_format(r->signers[i].last, d));
}

/* dkim rotate DOMAIN --cancel. */
static int rotate_cancel(struct cli *cli, const char *domain)
{
	struct rotation_record rec;
	struct err err = ERR_INIT;
	bool removed;
	char *name;
	int rc;

	if (app_rotate_cancel(cli_session(cli), domain, cli->now, NULL, &rec,
			      &removed, &err) != STATUS_OK) {
		rc =
		    err.status == STATUS_REFUSED ? EXIT_FINDINGS : EXIT_TROUBLE;
		fprintf(stderr, "dmarcpilot: %s\n", err_message(&err));
		err_done(&err);
		return rc;
	}
	name = dkim_key_name(domain, rec.new_selector);
	if (cli->json) {
		json_t *o = rotation_json(domain, &rec);

		json_object_set_new(o, "cancelled", json_true());
		json_object_set_new(o, "name", json_string(name));
		json_object_set_new(o, "record_removed", json_boolean(removed));
		cli_print_json(o);
	} else {
		printf(_("Cancelled the rotation to %s; deleted %s.\n"),
		       rec.new_selector, rec.new_path ? rec.new_path : "-");
		if (removed)
			printf(_("Removed its record at %s through the "
				 "primary.\n"),
			       name);
		else if (rec.phase >= DKIM_ROTATION_PUBLISHED)
			printf(_("Remove its record at %s from the zone.\n"),
			       name);
	}
	free(name);
	rotation_record_done(&rec);
	return EXIT_GOOD;
}

/* dkim rotate DOMAIN with no rotation under way: starts one. */
static int rotate_start(struct cli *cli, const char *domain)
{
	struct app_rotate_start_options o = { 0 };
	struct dkim_generated g;
	struct rotation_record rec;
	struct dkim_snippets sn;
	struct err err = ERR_INIT;
	const char *bits = cli_opt(cli, OPT_BITS);
	const char *silent = cli_opt(cli, OPT_SILENT_DAYS);
	char *line, *end;
	bool publishes;
	int rc;

	o.domain = domain;
	o.from = cli_opt(cli, OPT_FROM);
	o.selector = cli_opt(cli, OPT_SELECTOR);
	o.algorithm = cli_opt(cli, OPT_ALGORITHM);
	o.dir = cli_opt(cli, OPT_OUT);
	o.today = cli->now;
	if (o.algorithm && strcmp(o.algorithm, "rsa") != 0 &&
	    strcmp(o.algorithm, "ed25519") != 0)
		return cli_usage(cli, _("--algorithm takes rsa or ed25519: %s"),
				 o.algorithm);
	if (bits) {
		long n = strtol(bits, &end, 10);

		if (*end || end == bits || n <= 0 || n > 65536)
			return cli_usage(cli,
					 _("--bits takes a number of "
					   "bits: %s"),
					 bits);
		o.bits = (int)n;
	}
	if (silent) {
		long n = strtol(silent, &end, 10);

		if (*end || end == silent || n < 1 || n > 365)
			return cli_usage(cli,
					 _("--silent-days takes 1 to 365 "
					   "days: %s"),
					 silent);
		o.silent_days = (int)n;
	}
	if (app_rotate_start(cli_session(cli), &o, &g, &rec, &err) !=
	    STATUS_OK) {
		rc = err.status == STATUS_USAGE
			 ? cli_usage(cli, "%s", err_message(&err))
			 : cli_fail(&err);
		err_done(&err);
		return rc;
	}
	dkim_switch_snippets_build(g.domain, rec.new_selector, rec.new_path,
				   rec.old_selector, rec.old_path, rec.keep_old,
				   &sn);
	publishes = app_rotate_publishes(cli_session(cli), g.domain);
	if (cli->json) {
		json_t *root = rotation_json(g.domain, &rec);

		json_object_set_new(root, "started", json_true());
		json_object_set_new(root, "recorded",
				    json_pack("[s]", "generated"));
		json_object_set_new(root, "name", json_string(g.name));
		json_object_set_new(root, "record", json_string(g.record));
		json_object_set_new(root, "bits", json_integer(g.bits));
		json_object_set_new(root, "snippets", snippets_json(&sn));
		json_object_set_new(root, "publishes", json_boolean(publishes));
		cli_print_json(root);
	} else {
		printf(_("%s: rotation from %s to %s started.\n"), g.domain,
		       rec.old_selector, rec.new_selector);
		printf(publishes
			   ? _("The next run sends this record to the "
			       "primary, beside the old one:\n")
			   : _("Publish this record beside the old one:\n"));
		line = dkim_zone_line(g.name, g.strings, g.nstrings);
		puts(line);
		free(line);
		/* TRANSLATORS: %s is a file name. */
		printf(_("Private key: %s (mode 0600; never share it)\n"),
		       g.path);
		printf(_("Then run: dmarcpilot dkim rotate %s\n"), g.domain);
	}
	dkim_snippets_done(&sn);
	rotation_record_done(&rec);
	dkim_generated_done(&g);
	return EXIT_GOOD;
}

/* With a rotation under way: refuses the options that only a start
 * takes and applies --silent-days to it; EXIT_GOOD then, EXIT_FINDINGS
 * when none is under way (the caller starts one), else the exit
 * status of a failure. */
static int rotate_under_way(struct cli *cli, const char *domain)
{
	static const struct {
		enum cli_opt key;
		const char *name;
	} start_only[] = {
		{ OPT_SELECTOR, "selector" },
		{ OPT_FROM, "from" },
		{ OPT_ALGORITHM, "algorithm" },
		{ OPT_BITS, "bits" },
		{ OPT_OUT, "out" },
	};
	struct err err = ERR_INIT;
	const char *silent = cli_opt(cli, OPT_SILENT_DAYS);
	bool under_way;
	char *end;
	int rc = EXIT_GOOD;

	if (app_rotate_under_way(cli_session(cli), domain, &under_way, &err) !=
	    STATUS_OK) {
		rc = cli_fail(&err);
		goto out;
	}
	if (!under_way)
		return EXIT_FINDINGS;
	for (size_t i = 0; i < sizeof start_only / sizeof *start_only; i++)
		if (cli_opt(cli, start_only[i].key)) {
			rc = cli_usage(cli,
				       _("%s: a rotation is under way; --%s "
					 "applies only when one starts "
					 "(--cancel first)"),
				       domain, start_only[i].name);
			goto out;
		}
	if (silent) {
		long n = strtol(silent, &end, 10);

		if (*end || end == silent || n < 1 || n > 365) {
			rc = cli_usage(cli,
				       _("--silent-days takes 1 to 365 days: "
					 "%s"),
				       silent);
			goto out;
		}
		if (app_rotate_silent_days(cli_session(cli), domain, (int)n,
					   &err) != STATUS_OK)
			rc = cli_fail(&err);
	}
out:
	err_done(&err);
	return rc;
}

/* dkim rotate DOMAIN [options]: starts, advances, cancels a tracked
 * rotation of the domain's own key. */
int cli_dkim_rotate(struct cli *cli, int argc, char **argv)
{
	struct propagate_options po = { 0 };
	struct app_rotate_result r;
	struct err err = ERR_INIT;
	struct dkim_snippets sn;
	const char *domain = argv[0];
	bool force = cli_opt(cli, OPT_FORCE) != NULL;
	char d[DATE_BUFSIZE];
	int rc;

	(void)argc;
	if (cli_opt(cli, OPT_CANCEL))
		return rotate_cancel(cli, domain);
	if ((rc = rotate_under_way(cli, domain)) != EXIT_GOOD)
		return rc == EXIT_FINDINGS ? rotate_start(cli, domain) : rc;
	po.servers = cli_opt(cli, OPT_SERVERS);
	po.timeout = cli->timeout;
	if (app_rotate_advance(cli_session(cli), domain, cli->now, &po, force,
			       NULL, &r, &err) != STATUS_OK) {
		rc = cli_fail(&err);
		err_done(&err);
		app_rotate_result_done(&r);
		return rc;
	}
	if (r.outcome == APP_ROTATE_NONE) {
		/* Finished by another run meanwhile. */
		app_rotate_result_done(&r);
		return rotate_start(cli, domain);
	}
	rc = r.outcome == APP_ROTATE_REFUSED ||
		     (r.outcome == APP_ROTATE_WAITING && r.nentered == 0)
		 ? EXIT_FINDINGS
		 : EXIT_GOOD;
	dkim_switch_snippets_build(domain, r.rec.new_selector, r.rec.new_path,
				   r.rec.old_selector, r.rec.old_path,
				   r.rec.keep_old, &sn);
	if (cli->json) {
		json_t *o = rotation_json(domain, &r.rec), *a = json_array();
		json_t *ev = json_object();

		for (size_t i = 0; i < r.nentered; i++)
			json_array_append_new(
			    a, json_string(
				   dkim_rotation_phase_name(r.entered[i])));
		json_object_set_new(o, "recorded", a);
		json_object_set_new(o, "forced", json_boolean(r.forced));
		json_object_set_new(
		    o, "refused",
		    json_boolean(r.outcome == APP_ROTATE_REFUSED));
		json_object_set_new(o, "complete",
				    json_boolean(r.outcome == APP_ROTATE_DONE));
		json_object_set_new(o, "waiting_for",
				    r.why ? json_string(r.why) : json_null());
		json_object_set_new(o, "name", json_string(r.new_name));
		json_object_set_new(o, "record", json_string(r.new_record));
		if (r.old_name) {
			json_object_set_new(o, "old_name",
					    json_string(r.old_name));
			json_object_set_new(o, "revocation",
					    json_string(r.revocation));
		}
		json_object_set_new(o, "key_deleted",
				    json_boolean(r.key_deleted));
		json_object_set_new(ev, "new_first_pass",
				    rotate_json_date(r.ev.new_first_pass));
		json_object_set_new(ev, "new_last_pass",
				    rotate_json_date(r.ev.new_last_pass));
		json_object_set_new(ev, "old_last_seen",
				    rotate_json_date(r.ev.old_last_seen));
		json_object_set_new(ev, "reports_last",
				    rotate_json_date(r.ev.reports_last));
		json_object_set_new(ev, "silent_until",
				    rotate_json_date(r.silent_until));
		json_object_set_new(o, "evidence", ev);
		json_object_set_new(o, "old_signers", signers_json(&r));
		json_object_set_new(o, "updates", json_array());
		for (size_t i = 0; i < r.nupdates; i++)
			json_array_append_new(json_object_get(o, "updates"),
					      json_string(r.updates[i]));
		if (r.rec.phase == DKIM_ROTATION_PUBLISHED)
			json_object_set_new(o, "snippets", snippets_json(&sn));
		cli_print_json(o);
	} else {
		printf(_("%s: rotation from %s to %s: %s\n"), domain,
		       r.rec.old_selector ? r.rec.old_selector : "-",
		       r.rec.new_selector,
		       dkim_rotation_phase_name(r.rec.phase));
		for (size_t i = 0; i < r.nentered; i++) {
			enum dkim_rotation_phase p = r.entered[i];
			date_t on =
			    p == DKIM_ROTATION_PUBLISHED  ? r.rec.published
			    : p == DKIM_ROTATION_SWITCHED ? r.rec.switched
			    : p == DKIM_ROTATION_REVOKED  ? r.rec.revoked
							  : r.rec.finished;

			printf(_("Recorded: %s on %s\n"),
			       dkim_rotation_phase_name(p), date_format(on, d));
		}
		if (r.forced)
			printf("%s\n", _("Forced: recorded without the "
					 "evidence it waits for."));
		if (r.key_deleted)
			printf(_("Deleted the old private key %s.\n"),
			       r.rec.old_path);
		for (size_t i = 0; i < r.nupdates; i++)
			print_snippet(_("Sent to the primary, signed:"),
				      r.updates[i]);
		print_signers(&r);
		if (r.outcome == APP_ROTATE_REFUSED)
			printf(_("Refused: %s (--force revokes it all the "
				 "same)\n"),
			       r.why);
		else if (r.why)
			printf(_("Waiting: %s\n"), r.why);
		if (r.rec.phase == DKIM_ROTATION_PUBLISHED)
			print_switch(&r.rec, &sn);
		if (r.outcome == APP_ROTATE_DONE)
			printf(r.rec.keep_old
				   ? _("Complete: %s signs beside %s.\n")
				   : _("Complete: %s replaced %s.\n"),
			       r.rec.new_selector, r.rec.old_selector);
	}
	dkim_snippets_done(&sn);
	app_rotate_result_done(&r);
	return rc;
}
