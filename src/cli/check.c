/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check DOMAIN...: the whole-domain audit (DESIGN.md section 5), of one
 * domain or many at once on one resolver. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "audit/audit.h"
#include "audit/dnssec.h"
#include "dns/dns.h"
#include "util/dname.h"
#include "util/i18n.h"
#include "dmarc/ladder.h"
#include "dmarc/orgdomain.h"
#include "dns/propagate.h"
#include "providers/providers.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/text.h"
#include "util/xalloc.h"

/* The whole run ends after this many seconds unless --deadline says. */
#define CHECK_DEADLINE 120.0

/* What is known of one domain before its audit runs. */
struct check_domain {
	char *name;       /* normalised */
	char **selectors; /* the inventory's own DKIM selectors */
	size_t nselectors;
	struct audit_options ao;
	struct ladder ladder;
};

/* The domains and options of one run. */
struct check_run {
	struct check_domain *domains;
	size_t count;
	const char *format; /* "text", "csv" or "json" */
	double deadline;
};

/* The domain's own DKIM selectors, from an existing database. */
static void selectors_load(struct cli *cli, const char *domain,
			   char ***selectors, size_t *nselectors)
{
	struct store *store = cli_store_existing(cli);
	struct state_dkim_key *keys = NULL;
	struct err err = ERR_INIT;
	size_t nkeys = 0;

	if (store && state_dkim_key_list(store, domain, &keys, &nkeys, &err) ==
			 STATUS_OK) {
		*selectors = xcalloc(nkeys + 1, sizeof **selectors);
		for (size_t i = 0; i < nkeys; i++)
			(*selectors)[i] = xstrdup(keys[i].selector);
		*nselectors = nkeys;
	}
	err_done(&err);
	state_dkim_keys_free(keys, nkeys);
}

/* Adds a domain once; where names it in the error ("LIST:3: " or ""). */
static enum status domain_add(struct check_run *run, const char *name,
			      const char *where, struct err *err)
{
	/* The one check of a domain name (util/dname.h): U-labels become
	 * A-labels. The operands come normalised already (cli_parse);
	 * the lines of a list do not. */
	char *norm = dname_normalize(name, DNAME_UNDERSCORE);

	if (!norm) {
		char *shown = text_clean_str(name);

		/* TRANSLATORS: the first %s is "FILE:LINE: " or empty. */
		err_set(err, STATUS_USAGE, _("%s\"%s\" is not a domain name"),
			where, shown);
		free(shown);
		return STATUS_USAGE;
	}
	for (size_t i = 0; i < run->count; i++) {
		if (!strcmp(run->domains[i].name, norm)) {
			free(norm);
			return STATUS_OK;
		}
	}
	run->domains =
	    xrealloc(run->domains, (run->count + 1) * sizeof *run->domains);
	memset(&run->domains[run->count], 0, sizeof *run->domains);
	run->domains[run->count++].name = norm;
	return STATUS_OK;
}

/* Reads a list of domains: one per line, "#" starts a comment, blank
 * lines skipped; "-" is standard input. */
static enum status file_load(struct check_run *run, const char *path,
			     struct err *err)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	enum status st = STATUS_OK;

	if (!fp)
		return err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
	while (st == STATUS_OK && getline(&line, &cap, fp) != -1) {
		char *p = line, *end;

		lineno++;
		p[strcspn(p, "#\r\n")] = '\0';
		p += strspn(p, " \t");
		end = p + strcspn(p, " \t");
		if (*end) {
			if (end[strspn(end, " \t")]) {
				st = err_set(err, STATUS_PARSE,
					     _("%s:%zu: one domain per line"),
					     path, lineno);
				break;
			}
			*end = '\0';
		}
		if (*p) {
			char *where = xasprintf("%s:%zu: ", path, lineno);

			st = domain_add(run, p, where, err);
			free(where);
		}
	}
	if (st == STATUS_OK && ferror(fp))
		st = err_set(err, STATUS_IO, "%s: %s", path, strerror(errno));
	free(line);
	if (fp != stdin)
		fclose(fp);
	return st;
}

/* Reads the words after "check"; EXIT_GOOD, or the exit status after
 * printing what was wrong. */
static int args_parse(struct cli *cli, struct check_run *run, int argc,
		      char **argv, struct err *err)
{
	const char *file = cli_opt(cli, OPT_FILE);
	const char *format = cli_opt(cli, OPT_FORMAT);
	const char *deadline = cli_opt(cli, OPT_DEADLINE);

	run->format = cli->json ? "json" : "text";
	run->deadline = CHECK_DEADLINE;
	for (int i = 0; i < argc; i++)
		if (domain_add(run, argv[i], "", err) != STATUS_OK)
			return cli_fail(err);
	if (file && file_load(run, file, err) != STATUS_OK)
		return cli_fail(err);
	if (format) {
		if (strcmp(format, "text") && strcmp(format, "csv") &&
		    strcmp(format, "json"))
			return cli_usage(cli,
					 _("--format takes text, csv or json: "
					   "%s"),
					 format);
		run->format = format;
	}
	if (deadline) {
		char *end;

		run->deadline = strtod(deadline, &end);
		if (*end || end == deadline || run->deadline <= 0)
			return cli_usage(cli, _("--deadline takes seconds: %s"),
					 deadline);
	}
	if (run->count == 0)
		return cli_usage(cli, _("give a DOMAIN or --file LIST"));
	return EXIT_GOOD;
}

/* Prints every audit in the run's format. */
static void print_all(const struct check_run *run, const struct audit_batch *b)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = audit_batch_count(b);

	if (!strcmp(run->format, "json")) {
		json_t *arr;

		/* One domain keeps the single object of DESIGN.md 5. */
		if (n == 1) {
			cli_print_json(audit_to_json(audit_batch_get(b, 0),
						     &run->domains[0].ladder));
			return;
		}
		arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(
			    arr, audit_to_json(audit_batch_get(b, i),
					       &run->domains[i].ladder));
		cli_print_json(arr);
		return;
	}
	if (!strcmp(run->format, "csv"))
		audit_csv_header(&sb);
	for (size_t i = 0; i < n; i++) {
		const struct audit *a = audit_batch_get(b, i);

		if (!strcmp(run->format, "csv")) {
			audit_csv_row(&sb, a);
			continue;
		}
		if (a->status != STATUS_OK)
			continue; /* named on stderr */
		if (sb.len)
			strbuf_addch(&sb, '\n');
		audit_text(&sb, a, &run->domains[i].ladder);
	}
	fputs(strbuf_str(&sb), stdout);
	strbuf_done(&sb);
}

/* check DOMAIN... */
int cli_check(struct cli *cli, int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct check_run run = { 0 };
	/* The name servers are asked directly with the resolver's wait. */
	struct propagate_options ns = { .timeout = cli->timeout };
	const struct providers *providers = NULL;
	struct audit_batch *batch = NULL;
	struct dnssec_probe *dnssec = NULL;
	const struct orgdomain *od;
	enum severity worst = SEVERITY_INFO;
	bool failed = false;
	const char *https_cafile;
	int https_port = 0, smtp_port = 0;
	char *path = NULL;
	struct dns *dns;
	int rc;

	if ((rc = args_parse(cli, &run, argc, argv, &err)) != EXIT_GOOD)
		goto out;
	rc = EXIT_TROUBLE;
	if (!(dns = cli_dns(cli, &err)) || !(od = cli_orgdomain(cli, &err))) {
		rc = cli_fail(&err);
		goto out;
	}
	/* The catalogue adds the DKIM selectors of services seen in SPF
	 * and MX; without an installed one the common list still runs. */
	path = cli_data_path(cli, "providers.ini");
	if (access(path, F_OK) == 0 &&
	    !(providers = session_providers(cli_session(cli), &err))) {
		rc = cli_fail(&err);
		goto out;
	}
	/* Tests and benchmarks run their name servers, and the HTTPS
	 * server of MTA-STS policies with a CA of their own, elsewhere;
	 * these variables are for them, not for operators. */
	if (getenv("DMARCPILOT_TEST_NS_PORT"))
		ns.port = atoi(getenv("DMARCPILOT_TEST_NS_PORT"));
	https_cafile = getenv("DMARCPILOT_TEST_CAFILE");
	if (getenv("DMARCPILOT_TEST_HTTPS_PORT"))
		https_port = atoi(getenv("DMARCPILOT_TEST_HTTPS_PORT"));
	if (getenv("DMARCPILOT_TEST_SMTP_PORT"))
		smtp_port = atoi(getenv("DMARCPILOT_TEST_SMTP_PORT"));
	/* --dnssec asks the same resolvers with the AD, DO and CD bits;
	 * offline answers (--zone) carry no signatures to judge. */
	if (cli_opt(cli, OPT_DNSSEC)) {
		if (dns_is_offline(dns)) {
			rc = cli_usage(cli, _("--dnssec needs live DNS, "
					      "not --zone"));
			goto out;
		}
		if (dnssec_probe_new(&dnssec, cli->resolver, cli->timeout,
				     &err) != STATUS_OK) {
			rc = cli_fail(&err);
			goto out;
		}
	}
	batch = audit_batch_new(dns, od, 0);
	for (size_t i = 0; i < run.count; i++) {
		struct check_domain *d = &run.domains[i];

		cli_domain_ladder(cli, d->name, &d->ladder);
		selectors_load(cli, d->name, &d->selectors, &d->nselectors);
		d->ao.providers = providers;
		d->ao.selectors = (const char *const *)d->selectors;
		d->ao.nselectors = d->nselectors;
		d->ao.ns_servers = &ns;
		d->ao.https_cafile = https_cafile;
		d->ao.https_port = https_port;
		d->ao.smtp = cli_opt(cli, OPT_SMTP) != NULL;
		d->ao.smtp_port = smtp_port;
		/* RFC 5321 4.5.3.2 gives a sender 5 minutes for the
		 * greeting; an audit waits less, and never past its
		 * deadline, which cancels what is left. */
		d->ao.smtp_timeout_ms = 15000;
		d->ao.dnssec = dnssec;
		audit_batch_add(batch, d->name, &d->ao);
	}
	if (audit_batch_run(batch, run.deadline, &err) != STATUS_OK) {
		rc = cli_fail(&err);
		goto out;
	}
	/* One domain that could not be checked is an operational failure
	 * as before; in a list, the others are still reported. */
	if (run.count == 1 && audit_batch_get(batch, 0)->status != STATUS_OK) {
		err_set(&err, audit_batch_get(batch, 0)->status, "%s",
			audit_batch_get(batch, 0)->error);
		rc = cli_fail(&err);
		goto out;
	}
	print_all(&run, batch);
	for (size_t i = 0; i < run.count; i++) {
		const struct audit *a = audit_batch_get(batch, i);
		struct findings all = FINDINGS_INIT;

		if (a->status != STATUS_OK) {
			err_set(&err, a->status, "%s", a->error);
			cli_fail(&err);
			failed = true;
			continue;
		}
		audit_all_findings(a, &all);
		if (findings_worst(&all) > worst)
			worst = findings_worst(&all);
		findings_done(&all);
	}
	rc = failed                    ? EXIT_TROUBLE
	     : worst == SEVERITY_ERROR ? EXIT_FINDINGS
				       : EXIT_GOOD;
out:
	audit_batch_free(batch);
	dnssec_probe_free(dnssec);
	for (size_t i = 0; i < run.count; i++) {
		struct check_domain *d = &run.domains[i];

		strlist_free(d->selectors, d->nselectors);
		ladder_done(&d->ladder);
		free(d->name);
	}
	free(run.domains);
	free(path);
	err_done(&err);
	return rc;
}
