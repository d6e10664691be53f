/* check DOMAIN: the whole-domain audit (DESIGN.md section 5). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "audit/audit.h"
#include "util/i18n.h"
#include "dmarc/ladder.h"
#include "dmarc/orgdomain.h"
#include "dns/propagate.h"
#include "providers/providers.h"
#include "store/state.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* The domain's own DKIM selectors, from an existing database. */
static void selectors_load(struct cli *cli, const char *domain,
			   char ***selectors, size_t *nselectors)
{
	struct store *store = cli_store_existing(cli);
	struct state_dkim_key *keys = NULL;
	struct err err = ERR_INIT;
	size_t nkeys = 0;

	if (store && state_dkim_key_list(store, domain, &keys, &nkeys,
					 &err) == STATUS_OK) {
		*selectors = xcalloc(nkeys + 1, sizeof **selectors);
		for (size_t i = 0; i < nkeys; i++)
			(*selectors)[i] = xstrdup(keys[i].selector);
		*nselectors = nkeys;
	}
	err_done(&err);
	state_dkim_keys_free(keys, nkeys);
}

/* check DOMAIN */
int cli_check(struct cli *cli, int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct findings all = FINDINGS_INIT;
	struct audit_options ao = { 0 };
	/* The name servers are asked directly with the resolver's wait. */
	struct propagate_options ns = { .timeout = cli->timeout };
	const struct providers *providers = NULL;
	struct audit *a = NULL;
	const struct orgdomain *od = NULL;
	struct ladder ladder = LADDER_INIT;
	char **selectors = NULL;
	size_t nselectors = 0;
	char *path = NULL;
	struct dns *dns;
	int rc = EXIT_TROUBLE;

	(void)argc; /* one operand, as declared */
	if (!(dns = cli_dns(cli, &err))) {
		rc = cli_fail(&err);
		goto out;
	}
	if (!(od = session_orgdomain(cli_session(cli)))) {
		err_set(&err, STATUS_UNSUPPORTED,
			_("libpsl has no Public Suffix List"));
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
	cli_domain_ladder(cli, argv[0], &ladder);
	selectors_load(cli, argv[0], &selectors, &nselectors);
	ao.providers = providers;
	ao.selectors = (const char *const *)selectors;
	ao.nselectors = nselectors;
	ao.ns_servers = &ns;
	a = audit_run(dns, od, argv[0], &ao);
	if (a->status != STATUS_OK) {
		err_set(&err, a->status, "%s", a->error);
		rc = cli_fail(&err);
		goto out;
	}
	if (cli->json) {
		cli_print_json(audit_to_json(a, &ladder));
	} else {
		struct strbuf sb = STRBUF_INIT;

		audit_text(&sb, a, &ladder);
		fputs(strbuf_str(&sb), stdout);
		strbuf_done(&sb);
	}
	audit_all_findings(a, &all);
	rc = findings_worst(&all) == SEVERITY_ERROR ? EXIT_FINDINGS : EXIT_GOOD;
out:
	findings_done(&all);
	audit_free(a);
	for (size_t i = 0; i < nselectors; i++)
		free(selectors[i]);
	free(selectors);
	free(path);
	ladder_done(&ladder);
	err_done(&err);
	return rc;
}
